// @ts-check
// The answer box of a question an agent is waiting on (`ctx.ask`), for every widget: the TreeView's details pane
// (tree/question.js), the ChatView's rows (chat/inputs.js) and the StreamView's items (stream.js) draw this one
// box, each in its own look, and decide by this one rule (`questionOf`) when to. A button per choice, a text
// input and "send" (Enter sends too) send `{kind: "answer", id, text}`; the box then waits (`busy`) until the
// widget drops it (the question stopped waiting) or calls `fail()` (the kernel reported a problem: the typed text
// is kept). Text goes in and out through `value` and `textContent` only: nothing is ever parsed as HTML.

/** @typedef {import("../types.js").Question} Question */

/**
 * The question a node (or a StreamView item) asks while an agent waits on it, or null: a stored message whose
 * `notes.awaiting` is "user"; its `choices` are the non-blank strings of the node's. The kernel decides by the
 * same rule (agentforum_nb/notebook/_questions.py).
 * @param {{id?: string|null, pending?: boolean, notes?: Record<string, unknown>, choices?: unknown} | null | undefined} n
 * @returns {Question | null}
 */
export function questionOf(n) {
  if (!n || n.pending || typeof n.id !== "string") return null;
  if (!n.notes || typeof n.notes !== "object" || n.notes.awaiting !== "user") return null;
  const raw = Array.isArray(n.choices) ? n.choices : [];
  /** @type {string[]} */
  const choices = raw.filter((c) => typeof c === "string" && c.trim() !== "");
  return { choices };
}

/**
 * The browser -> kernel message that answers question `id`.
 * @param {string} id
 * @param {string} text
 */
export function answerMessage(id, text) {
  return { kind: "answer", id, text };
}

/**
 * How one widget draws the box: class names (an empty `choices` or `line` puts those elements straight into the
 * box) and words.
 * @typedef {object} AnswerLook
 * @property {string} box
 * @property {string} title        the class of the title line, when the widget gives one
 * @property {string} choices      the row of choice buttons
 * @property {string} choice
 * @property {string} line         the input and "send"
 * @property {string} input
 * @property {string} send
 * @property {string} sendLabel
 * @property {string} busy         a class the box has while the answer is on its way ("" for none)
 * @property {(q: Question) => string} placeholder
 */

/**
 * @typedef {object} AnswerBox
 * @property {HTMLElement} el
 * @property {HTMLInputElement} input
 * @property {string} id
 * @property {boolean} busy
 * @property {HTMLButtonElement[]} buttons   the choices, then "send"
 * @property {() => void} fail               the kernel refused the answer: usable again
 */

/**
 * @param {string} tag
 * @param {string} cls
 * @param {string | null} [text]
 */
function make(tag, cls, text = null) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== null) e.textContent = text;
  return e;
}

/** @param {string} text */
function button(text) {
  const b = /** @type {HTMLButtonElement} */ (make("button", "", text));
  b.type = "button";
  return b;
}

/**
 * The answer box of question `id` in `look`. `on.send(text)` gets a non-blank answer; `on.blank()` is told
 * when the answer sent is blank (nothing is sent). `title`: the text of the title line (`look.title`), or null.
 * @param {string} id
 * @param {Question} question
 * @param {AnswerLook} look
 * @param {{send: (text: string) => void, blank?: () => void, title?: string | null}} on
 * @returns {AnswerBox}
 */
export function createAnswerBox(id, question, look, on) {
  const box = make("div", look.box);
  const title = on.title ? make("div", look.title, on.title) : null;
  const choices = look.choices ? make("div", look.choices) : box;
  /** @type {HTMLButtonElement[]} */
  const buttons = [];
  for (const choice of question.choices) {
    const b = button(choice);
    b.className = look.choice;
    b.title = "answer with this choice";
    b.setAttribute("data-choice", choice);
    b.addEventListener("click", () => send(choice));
    buttons.push(b);
    choices.append(b);
  }
  const input = /** @type {HTMLInputElement} */ (make("input", look.input));
  input.type = "text";
  input.placeholder = look.placeholder(question);
  input.setAttribute("aria-label", "your answer");
  const go = button(look.sendLabel);
  go.className = look.send;
  go.title = "send this answer (Enter)";
  buttons.push(go);
  if (title) box.append(title);
  if (choices !== box && question.choices.length) box.append(choices);
  if (look.line) {
    const line = make("div", look.line);
    line.append(input, go);
    box.append(line);
  } else {
    box.append(input, go);
  }

  /** @type {AnswerBox} */
  const answer = {
    el: box,
    input,
    id,
    busy: false,
    buttons,
    fail() {
      setBusy(false, null);
    },
  };
  /**
   * @param {boolean} busy
   * @param {string | null} text  the answer on its way
   */
  function setBusy(busy, text) {
    answer.busy = busy;
    for (const b of buttons) b.disabled = busy;
    input.readOnly = busy;
    if (look.busy) box.classList.toggle(look.busy, busy);
    if (title && on.title) title.textContent = busy && text !== null ? `answered: ${text}` : on.title;
  }
  /** @param {string} text */
  function send(text) {
    if (answer.busy) return;
    if (!text.trim()) {
      if (on.blank) on.blank();
      return;
    }
    setBusy(true, text);
    on.send(text);
  }
  go.addEventListener("click", () => send(input.value));
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.isComposing) {
      e.preventDefault();
      e.stopPropagation(); // Jupyter must not run the cell
      send(input.value);
    }
  });
  return answer;
}
