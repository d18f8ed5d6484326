// @ts-check
// The ExperimentView's comparison pane: the `comparison` trait (two runs: `a` and `b`, each its cell with its
// case, variant, sample, scores and metrics, and agentforum_nb/compare.py's Comparison.to_json(): the two branches
// from the last message they share, one row per aligned pair of messages with a word-level diff) side by side,
// under the grid. Each side's totals are its run's (duration, tokens, cost); removed words are struck through on
// the left (a), added words marked on the right (b). Text only. What to show is pure (comparisonView).

import { el } from "../render.js";
import { METRICS, formatMetric, formatScore } from "./table.js";

/**
 * @typedef {{case: number, variant: string, sample: number, error: string | null,
 *            scores: Record<string, number | boolean | null>, metrics: Record<string, number | null>}} SideInfo
 * @typedef {{id: string, sender: string, kind: string, status: string}} Brief
 * @typedef {{left: Brief | null, right: Brief | null, leftRuns: [string, string][], rightRuns: [string, string][]}} Row
 * @typedef {{a: SideInfo, b: SideInfo, ancestor: string | null, rows: Row[]}} ComparisonView
 */

/**
 * @param {unknown} x
 * @returns {x is Record<string, any>}
 */
const isObject = (x) => typeof x === "object" && x !== null && !Array.isArray(x);

/**
 * @param {unknown} s
 * @returns {SideInfo}
 */
function sideOf(s) {
  const o = isObject(s) ? s : {};
  return {
    case: Number.isInteger(o.case) ? o.case : -1,
    variant: typeof o.variant === "string" ? o.variant : "?",
    sample: Number.isInteger(o.sample) ? o.sample : 0,
    error: typeof o.error === "string" ? o.error : null,
    scores: isObject(o.scores) ? o.scores : {},
    metrics: isObject(o.metrics) ? o.metrics : {},
  };
}

/**
 * @param {unknown} m
 * @returns {Brief | null}
 */
const brief = (m) => (isObject(m) && typeof m.id === "string"
  ? { id: m.id, sender: String(m.sender ?? ""), kind: String(m.kind ?? "message"), status: String(m.status ?? "complete") }
  : null);

/**
 * What the pane shows (pure), or null for an empty trait.
 * @param {unknown} c
 * @returns {ComparisonView | null}
 */
export function comparisonView(c) {
  if (!isObject(c) || !Array.isArray(c.rows) || !isObject(c.a) || !isObject(c.b)) return null;
  const rows = c.rows.map((/** @type {any} */ r) => {
    /** @type {[string, string][]} */
    const diff = isObject(r) && Array.isArray(r.diff)
      ? r.diff.filter((/** @type {unknown} */ d) => Array.isArray(d) && typeof d[0] === "string" && typeof d[1] === "string")
      : [];
    return {
      left: brief(isObject(r) ? r.left : null),
      right: brief(isObject(r) ? r.right : null),
      leftRuns: diff.filter(([op]) => op === "=" || op === "-"),
      rightRuns: diff.filter(([op]) => op === "=" || op === "+"),
    };
  });
  return { a: sideOf(c.a), b: sideOf(c.b), ancestor: typeof c.ancestor === "string" ? c.ancestor : null, rows };
}

/**
 * A side's totals: "1.2 s · 340 tokens · $0.002" (what its run reports).
 * @param {SideInfo} s
 */
export function sideTotals(s) {
  const parts = [];
  for (const m of METRICS) {
    const text = formatMetric(m, s.metrics[m]);
    if (text) parts.push(text);
  }
  return parts.join(" · ") || "no totals recorded";
}

/**
 * A side's scores: "quality 4 · mentions_brand ✓".
 * @param {SideInfo} s
 */
export const sideScores = (s) => Object.entries(s.scores).map(([k, x]) => `${k} ${formatScore(x)}`).join(" · ");

/**
 * The elements of a diff's runs: "=" as text, "-" as <del>, "+" as <ins>.
 * @param {[string, string][]} runs
 */
export function runElements(runs) {
  return runs.map(([op, text]) => (op === "-" ? el("del", { class: "af-exp-del" }, text)
    : op === "+" ? el("ins", { class: "af-exp-ins" }, text) : el("span", {}, text)));
}

/**
 * The pane inside `host` (hidden until shown). `on.close()` for its close button; `on.label(side)` names a side
 * ("case 3 · terse · #0").
 * @param {HTMLElement} host
 * @param {{close: () => void, label: (side: SideInfo) => string}} on
 */
export function createComparePane(host, on) {
  const pane = el("div", { class: "af-exp-pane af-exp-compare", role: "region", "aria-label": "two runs compared" });
  pane.hidden = true;
  host.append(pane);

  /**
   * @param {SideInfo} s
   * @param {string} cls
   * @param {string} letter
   */
  function sideHead(s, cls, letter) {
    const box = el("div", { class: `af-exp-cside ${cls}` });
    box.append(el("div", { class: "af-exp-clabel" }, `${letter}: ${on.label(s)}`),
      el("div", { class: "af-exp-fact" }, sideTotals(s)));
    const scores = sideScores(s);
    if (scores) box.append(el("div", { class: "af-exp-fact" }, scores));
    if (s.error !== null) box.append(el("div", { class: "af-exp-fact af-exp-bad" }, `error: ${s.error}`));
    return box;
  }

  /**
   * @param {Brief | null} m
   * @param {[string, string][]} runs
   */
  function cell(m, runs) {
    const c = el("div", { class: "af-exp-ccell" });
    if (!m) {
      c.classList.add("af-exp-none");
      c.textContent = "(nothing on this side)";
      return c;
    }
    const who = el("div", { class: "af-exp-who" });
    who.append(el("span", {}, m.sender));
    if (m.kind !== "message") who.append(el("span", { class: "af-exp-tag" }, m.kind));
    if (m.status !== "complete") who.append(el("span", { class: "af-exp-tag" }, m.status));
    const text = el("div", { class: "af-exp-body" });
    text.append(...runElements(runs));
    c.append(who, text);
    return c;
  }

  return {
    element: pane,
    /**
     * Show the comparison (true), or hide the pane for an empty one (false).
     * @param {unknown} comparison
     */
    show(comparison) {
      const v = comparisonView(comparison);
      if (!v) {
        pane.hidden = true;
        pane.replaceChildren();
        return false;
      }
      const bar = el("div", { class: "af-exp-ptop" });
      const close = el("button", { type: "button", class: "af-exp-close", title: "close (Esc)", "aria-label": "close" }, "×");
      close.addEventListener("click", () => on.close());
      bar.append(el("div", { class: "af-exp-ptitle" }, `compare ${on.label(v.a)}  ↔  ${on.label(v.b)}`), close);
      const heads = el("div", { class: "af-exp-cgrid" });
      heads.append(sideHead(v.a, "af-exp-a", "A"), sideHead(v.b, "af-exp-b", "B"));
      const from = el("div", { class: "af-exp-from" }, v.ancestor
        ? "below the last message both runs share, message by message:"
        : "no message in common: the whole conversations, message by message:");
      if (v.ancestor) from.title = `the last message both share: ${v.ancestor}`;
      const rows = el("div", { class: "af-exp-cgrid" });
      for (const r of v.rows) rows.append(cell(r.left, r.leftRuns), cell(r.right, r.rightRuns));
      if (!v.rows.length) rows.append(el("div", { class: "af-exp-empty" }, "the two runs are the same"));
      pane.replaceChildren(bar, heads, from, rows);
      pane.hidden = false;
      return true;
    },
    hide() {
      pane.hidden = true;
      pane.replaceChildren();
    },
  };
}
