// @ts-check
// The comparison panel: the `comparison` trait (agentforum_nb/compare.py Comparison.to_json(): the two branches
// from their common ancestor, one row per aligned pair of messages with a word-level diff) side by side, over the
// tree. The left column shows the "=" and "-" runs (removed words struck through, red), the right one the "=" and
// "+" runs (added words green); each side's totals at the top (its cost too, when an answer of it was priced); its close button sends `close-compare`. An empty
// trait ({}) hides it. Shift-click on a node while another is selected asks the kernel for a comparison (tree.js).
// What to show is pure (compareView); createCompare builds the elements, text only.
// N-way (three samples and more, the trait's `sides` and each row's `messages` and `diffs`): one column per branch,
// aligned row by row (message k of each branch below the common ancestor), the first column the baseline and
// every other column its text against the first (added words green; the first's words it lacks are not repeated).
// A Shift-click with a comparison shown adds the clicked branch (commands.js).

/** The most branches one comparison shows (agentforum_nb/compare.py MAX_SIDES). */
export const MAX_SIDES = 8;

/**
 * The heads of the branches a comparison shows, in order (pure; [] for none).
 * @param {any} c
 * @returns {string[]}
 */
export function comparedHeads(c) {
  if (!c || typeof c !== "object") return [];
  const sides = Array.isArray(c.sides) ? c.sides : [c.left, c.right];
  return sides.map((/** @type {any} */ s) => (s && typeof s.head === "string" ? s.head : null))
    .filter((/** @type {string | null} */ h) => h !== null);
}

import { el, oneLine } from "../render.js";
import { formatDuration } from "./badges.js";
import { costText } from "../shared/cost.js";

/**
 * @typedef {{id: string, sender: string, kind: string, status: string}} Brief
 * @typedef {{head: string | null, messages: number, duration_s: number, tokens: number, cost_usd: number | null,
 *            priced: number}} Side   cost_usd: null when no message of the side was priced
 * @typedef {{m: Brief | null, runs: [string, string][]}} Cell
 * @typedef {{left: Brief | null, right: Brief | null, leftRuns: [string, string][], rightRuns: [string, string][],
 *            cells: Cell[]}} Row
 */

/**
 * @param {unknown} d
 * @returns {[string, string][]}
 */
const runsOf = (d) => (Array.isArray(d)
  ? /** @type {[string, string][]} */ (d.filter((x) => Array.isArray(x) && typeof x[1] === "string")) : []);

/**
 * @param {any} m
 * @returns {Brief | null}
 */
const brief = (m) => (m && typeof m === "object" && typeof m.id === "string"
  ? { id: m.id, sender: String(m.sender ?? ""), kind: String(m.kind ?? "message"), status: String(m.status ?? "complete") }
  : null);

/**
 * @param {any} s
 * @returns {Side}
 */
function side(s) {
  const o = s && typeof s === "object" ? s : {};
  /**
   * @param {unknown} v
   */
  const num = (v) => (typeof v === "number" && Number.isFinite(v) ? v : 0);
  const cost = typeof o.cost_usd === "number" && Number.isFinite(o.cost_usd) && o.cost_usd >= 0 ? o.cost_usd : null;
  return { head: typeof o.head === "string" ? o.head : null, messages: num(o.messages), duration_s: num(o.duration_s),
    tokens: num(o.tokens), cost_usd: cost, priced: cost === null ? 0 : Math.max(1, num(o.priced)) };
}

/**
 * What the panel shows (pure), or null for an empty trait: {ancestor (id | null), left, right ({head, messages,
 * duration_s, tokens}), rows: [{left, right ({id, sender, kind, status} | null), leftRuns, rightRuns ([op, text])}]}.
 * @param {any} c
 */
export function compareView(c) {
  if (!c || typeof c !== "object" || !Array.isArray(c.rows)) return null;
  const nway = Array.isArray(c.sides) && c.sides.length >= 2;
  /** @type {Side[]} */
  const sides = nway ? c.sides.map(side) : [side(c.left), side(c.right)];
  /** @type {Row[]} */
  const rows = c.rows.map((/** @type {any} */ r) => {
    const diff = runsOf(r && r.diff);
    const leftRuns = diff.filter(([op]) => op === "=" || op === "-");
    const rightRuns = diff.filter(([op]) => op === "=" || op === "+");
    /** @type {Cell[]} */
    let cells;
    if (nway && r && Array.isArray(r.messages) && Array.isArray(r.diffs)) {
      cells = sides.map((/** @type {Side} */ _s, /** @type {number} */ i) => ({
        m: brief(r.messages[i]),
        runs: runsOf(r.diffs[i]).filter(([op]) => op === "=" || op === "+"),
      }));
    } else cells = [{ m: brief(r && r.left), runs: leftRuns }, { m: brief(r && r.right), runs: rightRuns }];
    return { left: brief(r && r.left), right: brief(r && r.right), leftRuns, rightRuns, cells };
  });
  return { ancestor: typeof c.ancestor === "string" ? c.ancestor : null, left: sides[0], right: sides[1], sides,
    rows };
}

/**
 * A side's totals: "3 messages · 2.3 s · 120 tokens" (and " · $0.0123" when a message of it was priced).
 * @param {Side} s
 */
export function sideTotals(s) {
  const parts = [`${s.messages} message${s.messages === 1 ? "" : "s"}`];
  parts.push(formatDuration(s.duration_s) || "0 s");
  parts.push(`${s.tokens} token${s.tokens === 1 ? "" : "s"}`);
  if (s.cost_usd !== null) parts.push(costText(s.cost_usd));
  return parts.join(" · ");
}

/**
 * The elements of a cell's text: "=" runs as text, "-" as <del>, "+" as <ins>.
 * @param {[string, string][]} runs
 */
export function runElements(runs) {
  return runs.map(([op, text]) => (op === "-" ? el("del", { class: "af-del" }, text)
    : op === "+" ? el("ins", { class: "af-ins" }, text) : el("span", {}, text)));
}

/**
 * The panel inside `container` (hidden until shown). `on`: {close(), pick(id) (select and centre a message),
 * describe(id) (a short text of a message in the tree, or null)}.
 * @param {HTMLElement} container
 * @param {{close: () => void, pick: (id: string) => void, describe: (id: string) => string | null}} on
 */
export function createCompare(container, on) {
  const panel = el("div", { class: "af-compare", role: "dialog", "aria-label": "comparison of two branches" });
  panel.style.display = "none";
  container.append(panel);
  /** @type {ReturnType<typeof compareView>} */
  let current = null;

  /**
   * @param {string} label
   * @param {Side} s
   * @param {string} cls
   */
  function head(label, s, cls) {
    const box = el("div", { class: `af-cmp-head ${cls}` });
    const title = el("button", { type: "button", class: "af-cmp-pick", title: "select this branch's last message" },
      `${label}: ${s.head ? s.head.slice(0, 8) : "?"}`);
    const id = s.head;
    if (id) title.addEventListener("click", () => on.pick(id));
    const about = s.head ? on.describe(s.head) : null;
    box.append(title, el("div", { class: "af-cmp-totals" }, sideTotals(s)));
    if (about) box.append(el("div", { class: "af-cmp-about" }, about));
    return box;
  }

  /**
   * @param {Brief | null} m
   * @param {[string, string][]} runs
   * @param {string} cls
   */
  function cell(m, runs, cls) {
    const c = el("div", { class: `af-cmp-cell ${cls}` });
    if (!m) {
      c.classList.add("af-cmp-none");
      c.append(el("div", { class: "af-cmp-sender" }, "(nothing on this side)"));
      return c;
    }
    const who = el("button", { type: "button", class: "af-cmp-sender", title: `select ${m.id.slice(0, 12)}` },
      m.sender + (m.kind !== "message" ? ` (${m.kind})` : "") + (m.status !== "complete" ? ` · ${m.status}` : ""));
    who.addEventListener("click", () => on.pick(m.id));
    const text = el("div", { class: "af-cmp-text" });
    text.append(...runElements(runs));
    c.append(who, text);
    return c;
  }

  /**
   * @param {unknown} comparison
   */
  function show(comparison) {
    const v = compareView(comparison);
    current = v;
    if (!v) {
      panel.style.display = "none";
      panel.replaceChildren();
      return;
    }
    const close = el("button", { type: "button", class: "af-cmp-close", title: "close the comparison",
      "aria-label": "close" }, "×");
    close.addEventListener("click", () => on.close());
    const from = v.ancestor ? `from ${on.describe(v.ancestor) || v.ancestor.slice(0, 8)}` : "no common ancestor";
    const top = el("div", { class: "af-cmp-top" });
    top.append(el("div", { class: "af-cmp-title" }, `compare · ${oneLine(from, 120)}`), close);
    const heads = el("div", { class: "af-cmp-grid af-cmp-heads" });
    const rows = el("div", { class: "af-cmp-grid af-cmp-rows" });
    if (v.sides.length === 2) {
      heads.append(head("left", v.left, "af-cmp-left"), head("right", v.right, "af-cmp-right"));
      for (const r of v.rows) rows.append(cell(r.left, r.leftRuns, "af-cmp-left"), cell(r.right, r.rightRuns, "af-cmp-right"));
    } else {
      const columns = `repeat(${v.sides.length}, minmax(0, 1fr))`;
      heads.style.gridTemplateColumns = rows.style.gridTemplateColumns = columns;
      v.sides.forEach((s, i) => heads.append(head(i ? `branch ${i + 1}` : "branch 1 (baseline)", s, `af-cmp-col${i}`)));
      for (const r of v.rows) r.cells.forEach((c, i) => rows.append(cell(c.m, c.runs, `af-cmp-col${i}`)));
    }
    panel.setAttribute("aria-label", `comparison of ${v.sides.length} branches`);
    if (!v.rows.length) rows.append(el("div", { class: "af-cmp-empty" }, "the branches are the same"));
    panel.replaceChildren(top, heads, rows);
    panel.style.display = "";
  }

  return {
    show,
    get shown() {
      return current;
    },
    element: panel,
  };
}
