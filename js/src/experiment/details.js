// @ts-check
// The ExperimentView's run pane: the conversation of the run whose cell was opened (the kernel's answer to
// `get-run`: every message of the run with its whole text, the run's scores, judge errors, metrics and error, and
// what its LLM judges answered), under the grid. Text only: every message's content is set as text.

import { el } from "../render.js";
import { METRICS, formatMetric, formatScore } from "./table.js";

/**
 * @typedef {{id: string, sender: string, kind: string, status: string, content: string, author?: string}} RunMessage
 * @typedef {{case: number, variant: string, sample: number, messages: RunMessage[], tip: string | null,
 *            error: string | null, scores: Record<string, number | boolean | null>,
 *            judge_errors: Record<string, string>, metrics: Record<string, number | null>,
 *            verdicts: {judge: string, id: string, text: string}[]}} RunReply
 */

/**
 * @param {unknown} x
 * @returns {x is Record<string, any>}
 */
const isObject = (x) => typeof x === "object" && x !== null && !Array.isArray(x);

/**
 * The kernel's `run` message as a RunReply (anything malformed dropped), or null.
 * @param {unknown} msg
 * @returns {RunReply | null}
 */
export function runReply(msg) {
  if (!isObject(msg) || msg.kind !== "run" || !Array.isArray(msg.messages)) return null;
  const str = (/** @type {unknown} */ x, d = "") => (typeof x === "string" ? x : d);
  /** @type {RunMessage[]} */
  const messages = msg.messages.filter(isObject).map((m) => {
    /** @type {RunMessage} */
    const out = { id: str(m.id), sender: str(m.sender), kind: str(m.kind, "message"), status: str(m.status, "complete"),
      content: str(m.content) };
    if (typeof m.author === "string") out.author = m.author;
    return out;
  });
  return {
    case: Number.isInteger(msg.case) ? msg.case : -1,
    variant: str(msg.variant),
    sample: Number.isInteger(msg.sample) ? msg.sample : 0,
    messages,
    tip: typeof msg.tip === "string" ? msg.tip : null,
    error: typeof msg.error === "string" ? msg.error : null,
    scores: isObject(msg.scores) ? msg.scores : {},
    judge_errors: isObject(msg.judge_errors) ? msg.judge_errors : {},
    metrics: isObject(msg.metrics) ? msg.metrics : {},
    verdicts: Array.isArray(msg.verdicts) ? msg.verdicts.filter(isObject).map((v) => ({ judge: str(v.judge),
      id: str(v.id), text: str(v.text) })) : [],
  };
}

/**
 * What an LLM judge said: its JSON answer's score and reason ("4 — short and catchy"), else its text as it is.
 * @param {string} text
 */
export function verdictText(text) {
  try {
    const v = JSON.parse(text);
    if (isObject(v) && "score" in v) {
      return `${formatScore(typeof v.score === "number" ? v.score : null)}${typeof v.reason === "string" ? ` — ${v.reason}` : ""}`;
    }
  } catch {
    // not JSON: shown as it is
  }
  return text;
}

/**
 * A run's facts: each score (a failed judge's error), then its metrics.
 * @param {RunReply} r
 * @returns {string[]}
 */
export function runFacts(r) {
  const out = [];
  for (const [k, x] of Object.entries(r.scores)) {
    const failed = r.judge_errors[k];
    out.push(failed ? `${k}: failed (${failed})` : `${k}: ${formatScore(/** @type {any} */ (x))}`);
  }
  for (const [k, text] of Object.entries(r.judge_errors)) if (!(k in r.scores)) out.push(`${k}: failed (${text})`);
  for (const m of METRICS) {
    const text = formatMetric(m, r.metrics[m]);
    if (text) out.push(text);
  }
  return out;
}

/**
 * A message's label: its sender, "<author> via <sender>" for a forward (as the TreeView says).
 * @param {RunMessage} m
 */
export const whoOf = (m) => (m.author && m.author !== m.sender ? `${m.author} via ${m.sender}` : m.sender);

/**
 * The pane inside `host` (hidden until shown). `on.close()` for its close button.
 * @param {HTMLElement} host
 * @param {{close: () => void}} on
 */
export function createDetails(host, on) {
  const pane = el("div", { class: "af-exp-pane af-exp-run", role: "region", "aria-label": "the run's conversation" });
  pane.hidden = true;
  host.append(pane);

  /**
   * @param {string} title
   */
  function top(title) {
    const bar = el("div", { class: "af-exp-ptop" });
    const close = el("button", { type: "button", class: "af-exp-close", title: "close (Esc)", "aria-label": "close" }, "×");
    close.addEventListener("click", () => on.close());
    bar.append(el("div", { class: "af-exp-ptitle" }, title), close);
    return bar;
  }

  return {
    element: pane,
    /**
     * "loading…" under a title, while the kernel is asked.
     * @param {string} title
     */
    loading(title) {
      pane.replaceChildren(top(title), el("div", { class: "af-exp-fact" }, "loading the conversation…"));
      pane.hidden = false;
    },
    /**
     * @param {RunReply} r
     * @param {string} title
     * @param {string} note  e.g. "checked out in the TreeView"
     */
    show(r, title, note) {
      const facts = el("div", { class: "af-exp-facts" });
      for (const f of runFacts(r)) facts.append(el("span", { class: "af-exp-chip" }, f));
      if (note) facts.append(el("span", { class: "af-exp-note" }, note));
      const children = [top(title), facts];
      if (r.error !== null) children.push(el("div", { class: "af-exp-msg af-exp-kind-error" }, `error: ${r.error}`));
      for (const m of r.messages) {
        const box = el("div", { class: `af-exp-msg af-exp-kind-${m.kind}` + (m.sender === "user" ? " af-exp-user" : ""),
          "data-id": m.id });
        const who = el("div", { class: "af-exp-who" });
        who.append(el("span", {}, whoOf(m)));
        if (m.kind !== "message") who.append(el("span", { class: "af-exp-tag" }, m.kind));
        if (m.status !== "complete") who.append(el("span", { class: "af-exp-tag" }, m.status));
        box.append(who, el("div", { class: "af-exp-body" }, m.content));
        children.push(box);
      }
      for (const v of r.verdicts) {
        children.push(el("div", { class: "af-exp-verdict", "data-id": v.id }, `${v.judge} said: ${verdictText(v.text)}`));
      }
      pane.replaceChildren(...children);
      pane.hidden = false;
    },
    hide() {
      pane.hidden = true;
      pane.replaceChildren();
    },
  };
}
