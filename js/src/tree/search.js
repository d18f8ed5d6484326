// @ts-check
// The search box: typing asks the kernel (`{kind: "search", text, request_id}`, debounced); its
// `search-result` reply carries the matching ids (first-stored order) and their number. A reply to an older
// request is ignored. Enter selects and centres the first match of a new search, then the next one (wrapping),
// Shift+Enter the previous one (the last, first), Esc clears the box and the highlights. Enter before the reply sends the search at once and steps when it arrives.
// The match logic is pure; createSearch binds it to the input and the count.

/**
 * @typedef {object} SearchIntents
 * @property {(text: string, requestId: number) => void} send
 * @property {(ids: string[] | null) => void} matches     new highlights (null: none)
 * @property {(id: string) => void} step                   select and centre a match
 * @property {() => string | null} current                 the selected key
 * @property {(id: string) => boolean} known                is it in the tree?
 */

/** Typing pauses this long (ms) before the search is sent. */
export const SEARCH_DEBOUNCE_MS = 200;
/** The kernel refuses longer search texts (agentforum_nb/notebook/tree_view.py MAX_LABEL). */
export const MAX_SEARCH = 200;

/**
 * The count shown: "3 matches", "2 of 3 matches" once one is selected, "no matches".
 * @param {number} total
 * @param {number} [index]
 */
export function matchText(total, index = -1) {
  if (!total) return "no matches";
  const n = `${total} match${total === 1 ? "" : "es"}`;
  return index >= 0 ? `${index + 1} of ${n}` : n;
}

/**
 * The match after (`dir` 1) or before (-1) `current` among `ids`, wrapping; from outside the matches, the first
 * (or the last). Null when there are none.
 * @param {string[]} ids
 * @param {string | null | undefined} current
 * @param {number} [dir]
 * @returns {string | null}
 */
export function stepMatch(ids, current, dir = 1) {
  if (!ids.length) return null;
  const i = current === null || current === undefined ? -1 : ids.indexOf(current);
  if (i < 0) return dir > 0 ? ids[0] : ids[ids.length - 1];
  return ids[(i + dir + ids.length) % ids.length];
}

/**
 * `input` (the box) and `count` (where the count shows). `on`: {send(text, requestId), matches(ids | null) (new
 * highlights; null: none), step(id) (select and centre a match), current() (the selected key), known(id) (is it
 * in the tree?)}. Timers are injectable for tests.
 * @param {HTMLInputElement} input
 * @param {HTMLElement} count
 * @param {SearchIntents} on
 * @param {{delay?: number, setTimer?: (fn: () => void, ms: number) => unknown, clearTimer?: (timer: any) => void}} [timers]
 */
export function createSearch(input, count, on, { delay = SEARCH_DEBOUNCE_MS, setTimer = setTimeout,
  clearTimer = clearTimeout } = {}) {
  let requestId = 0;
  /** @type {{id: number, text: string, stepDir: number} | null} the request whose reply counts */
  let waiting = null;
  /** @type {unknown} */
  let timer = null;
  /** @type {{text: string, ids: string[], total: number, stepped: boolean} | null} */
  let result = null;

  /**
   * @param {string} text
   */
  function showCount(text) {
    count.textContent = text;
    count.style.visibility = text ? "" : "hidden"; // its room kept: the toolbar never re-flows when it appears
  }
  showCount("");

  const matches = () => (result ? result.ids.filter((id) => on.known(id)) : []);

  /**
   * @param {string} text
   * @param {number} [stepDir]
   */
  function send(text, stepDir = 0) {
    clearTimer(timer);
    timer = null;
    requestId += 1;
    waiting = { id: requestId, text, stepDir };
    on.send(text, requestId);
  }

  function clear() {
    clearTimer(timer);
    timer = null;
    requestId += 1; // a reply on its way is stale now
    waiting = null;
    result = null;
    showCount("");
    on.matches(null);
  }

  function typed() {
    const text = input.value.slice(0, MAX_SEARCH);
    clearTimer(timer);
    timer = null;
    if (!text.trim()) return clear();
    timer = setTimer(() => send(text), delay);
  }

  /**
   * @param {number} dir
   */
  function step(dir) {
    const text = input.value.slice(0, MAX_SEARCH);
    if (!text.trim()) return;
    if (!result || result.text !== text) {
      // not searched yet (or still typing): search now, step when the answer comes
      if (waiting && waiting.text === text && timer === null) waiting.stepDir = dir;
      else send(text, dir);
      return;
    }
    const ids = matches();
    const next = stepMatch(ids, result.stepped ? on.current() : null, dir);
    result.stepped = true;
    if (next === null) return;
    on.step(next);
    showCount(matchText(result.total, ids.indexOf(next)));
  }

  input.addEventListener("input", typed);
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") {
      ev.preventDefault();
      ev.stopPropagation();
      step(ev.shiftKey ? -1 : 1);
    } else if (ev.key === "Escape") {
      ev.preventDefault();
      ev.stopPropagation();
      input.value = "";
      clear();
    }
  });

  return {
    /**
     * The kernel's `search-result`.
     * @param {{request_id?: unknown, ids?: unknown, total?: unknown, text?: unknown}} reply
     */
    receive(reply) {
      if (!waiting || reply.request_id !== waiting.id) return false; // stale
      const stepDir = waiting.stepDir;
      waiting = null;
      /** @type {string[]} */
      const ids = Array.isArray(reply.ids) ? reply.ids.filter((id) => typeof id === "string") : [];
      const total = typeof reply.total === "number" ? reply.total : ids.length;
      result = { text: typeof reply.text === "string" ? reply.text : input.value, ids, total, stepped: false };
      showCount(matchText(total));
      on.matches(ids);
      if (stepDir) step(stepDir);
      return true;
    },
    /** The ids of the current matches (all of the reply's, also those not in the tree yet). */
    get ids() {
      return result ? result.ids : [];
    },
    clear() {
      input.value = "";
      clear();
    },
    destroy() {
      clearTimer(timer);
    },
  };
}
