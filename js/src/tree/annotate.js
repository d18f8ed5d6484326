// @ts-check
// Annotations in the details pane: every annotation of the selected message (the `get-message` reply carries them
// all), the form that edits the four the widgets own (`label`, `bookmark`, `note`, `score`; saving sends
// `{kind: "annotate", id, values}` with only what changed: an emptied field or an unticked box sends "" / false,
// which the kernel turns into removal, an emptied score null), and the totals of the selected node's subtree
// (messages, duration_s, tokens, and cost_usd when any is priced, summed in the browser from the nodes' notes).
// Pure parts first.

import { el } from "../render.js";
import { formatDuration, notesOf } from "./badges.js";
import { costText } from "../shared/cost.js";

/**
 * @typedef {{label: string, bookmark: boolean, note: string, score: string}} FormValues
 * @typedef {{messages: number, duration_s: number, tokens: number, cost_usd?: number, priced?: number}} Totals
 *   cost_usd and priced (how many messages had a cost_usd): only when one had
 */

export const EDITABLE = ["label", "bookmark", "note", "score"];
/** The kernel's limits (agentforum_nb/notebook/tree_view.py). */
export const MAX_LABEL = 200;
export const MAX_NOTE = 100000;

/**
 * An annotation's value as text: a str as it is, anything else as compact JSON.
 * @param {unknown} v
 */
export function annotationText(v) {
  if (typeof v === "string") return v;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/**
 * The rows of a message's annotations: [key, text], in their order.
 * @param {unknown} annotations
 * @returns {[string, string][]}
 */
export function annotationRows(annotations) {
  if (!annotations || typeof annotations !== "object") return [];
  return Object.entries(annotations).map(([k, v]) => [k, annotationText(v)]);
}

/**
 * The form's values for `annotations`: {label, note (str), bookmark (bool), score (str: "" for none)}.
 * @param {unknown} annotations
 * @returns {FormValues}
 */
export function formValues(annotations) {
  const a = /** @type {Record<string, unknown>} */ (annotations && typeof annotations === "object" ? annotations : {});
  /**
   * @param {unknown} v
   */
  const str = (v) => (typeof v === "string" ? v : "");
  const score = typeof a.score === "number" && Number.isFinite(a.score) ? String(a.score) : "";
  return { label: str(a.label), bookmark: a.bookmark === true, note: str(a.note), score };
}

/**
 * What saving the form sends (pure): {values} with only the fields that differ from `annotations` (empty when
 * nothing changed), or {error} when the score is not a number.
 * @param {unknown} annotations
 * @param {{label: string, bookmark: boolean, note: string, score?: unknown}} form
 * @returns {{values: Record<string, unknown>, error?: undefined} | {error: string, values?: undefined}}
 */
export function annotationChanges(annotations, form) {
  const was = formValues(annotations);
  /** @type {Record<string, unknown>} */
  const values = {};
  if (form.label !== was.label) values.label = form.label;
  if (!!form.bookmark !== was.bookmark) values.bookmark = !!form.bookmark;
  if (form.note !== was.note) values.note = form.note;
  const s = String(form.score ?? "").trim();
  if (s !== was.score.trim()) {
    if (s === "") values.score = null;
    else {
      const x = Number(s);
      if (!Number.isFinite(x)) return { error: "score must be a number (or empty to remove it)" };
      if (was.score === "" || Number(was.score) !== x) values.score = x;
    }
  }
  return { values };
}

/**
 * The totals of the subtree of `key` in `state` (pure): stored messages, and their duration_s and tokens (and
 * cost_usd, with how many were priced, when any was); a forward drawn in its original is that message again and
 * counts as it, once.
 * @param {import("../types.js").State} state
 * @param {string} key
 * @returns {Totals}
 */
export function subtreeTotals(state, key) {
  /** @type {Totals} */
  const out = { messages: 0, duration_s: 0, tokens: 0 };
  if (!state.nodes.has(key)) return out;
  let cost = 0, priced = 0;
  const stack = [key];
  const seen = new Set();
  /** @type {Set<string>} the messages counted: a forward drawn in its original (view.js) counts as that original */
  const counted = new Set();
  while (stack.length) {
    const k = /** @type {string} */ (stack.pop());
    if (seen.has(k)) continue;
    seen.add(k);
    const n0 = state.nodes.get(k);
    const folded = !!(n0 && n0.kind === "forward" && n0.original && n0.original !== k && state.nodes.has(n0.original));
    const id = folded && n0 ? /** @type {string} */ (n0.original) : k;
    const n = state.nodes.get(id);
    if (n && !n.pending && !counted.has(id)) {
      counted.add(id);
      out.messages += 1;
      const notes = notesOf(n);
      if (typeof notes.duration_s === "number" && Number.isFinite(notes.duration_s)) out.duration_s += notes.duration_s;
      if (typeof notes.tokens === "number" && Number.isFinite(notes.tokens)) out.tokens += notes.tokens;
      const c = notes.cost_usd;
      if (typeof c === "number" && Number.isFinite(c) && c >= 0) {
        cost += c;
        priced += 1;
      }
    }
    for (const c of state.children.get(k) || []) stack.push(c);
  }
  out.duration_s = Math.round(out.duration_s * 1e6) / 1e6;
  if (priced) {
    out.cost_usd = cost;
    out.priced = priced;
  }
  return out;
}

/**
 * @param {number} n
 */
const grouped = (n) => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");

/**
 * "12 messages · 3.4 s · 1,234 tokens" (and " · $0.0412" when a message was priced).
 * @param {Totals} t
 */
export function totalsText(t) {
  return `${grouped(t.messages)} message${t.messages === 1 ? "" : "s"} · ${formatDuration(t.duration_s) || "0 s"} · ` +
    `${grouped(t.tokens)} token${t.tokens === 1 ? "" : "s"}` + (t.priced ? ` · ${costText(t.cost_usd ?? 0)}` : "");
}

/**
 * The form editing `label`, `bookmark`, `note` and `score`. `save(values)` sends the changes; `report(text)`
 * shows a problem. set(annotations) fills it: a field the user changed and has not saved keeps what they typed.
 * @param {(values: Record<string, unknown>) => void} save
 * @param {(text: string) => void} report
 */
export function createAnnotationForm(save, report) {
  const form = el("div", { class: "af-annot" });
  const label = /** @type {HTMLInputElement} */ (el("input", { type: "text", name: "label", maxlength: String(MAX_LABEL),
    placeholder: "a short tag", spellcheck: "false" }));
  const bookmark = /** @type {HTMLInputElement} */ (el("input", { type: "checkbox", name: "bookmark" }));
  const score = /** @type {HTMLInputElement} */ (el("input", { type: "number", name: "score", step: "any", placeholder: "—" }));
  const note = /** @type {HTMLTextAreaElement} */ (el("textarea", { name: "note", rows: "3", maxlength: String(MAX_NOTE),
    placeholder: "a note" }));
  const button = el("button", { type: "button", class: "af-annot-save", title: "save (Enter; Ctrl+Enter in the note)" },
    "save");
  const status = el("span", { class: "af-annot-status", role: "status" });
  /**
   * @param {string} text
   * @param {HTMLElement} input
   * @param {string} [cls]
   */
  const row = (text, input, cls = "") => {
    const l = el("label", { class: `af-annot-row ${cls}`.trim() });
    l.append(el("span", { class: "af-annot-name" }, text), input);
    return l;
  };
  const check = el("label", { class: "af-annot-row af-annot-check" });
  check.append(bookmark, el("span", {}, "bookmark"));
  const actions = el("div", { class: "af-annot-actions" });
  actions.append(button, status);
  form.append(el("div", { class: "af-section" }, "edit"), row("label", label), check, row("score", score),
    row("note", note, "af-annot-note"), actions);

  /** @type {unknown} */
  let annotations = {};
  let original = formValues({});
  const current = () => ({ label: label.value, bookmark: bookmark.checked, note: note.value, score: score.value });

  function submit() {
    if (score.validity && score.validity.badInput) return report("score must be a number (or empty to remove it)");
    const result = annotationChanges(annotations, current());
    if (result.error !== undefined) return report(result.error);
    if (!Object.keys(result.values).length) {
      status.textContent = "nothing changed";
      return;
    }
    status.textContent = "saving…";
    save(result.values);
  }
  button.addEventListener("click", submit);
  for (const input of [label, score]) {
    input.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter") {
        ev.preventDefault();
        ev.stopPropagation();
        submit();
      }
    });
  }
  note.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      ev.stopPropagation();
      submit();
    }
  });
  bookmark.addEventListener("change", submit); // a tick is saved at once

  return {
    element: form,
    /**
     * Fill the form from a message's annotations (keeping unsaved edits).
     * @param {unknown} next
     */
    set(next) {
      const v = formValues(next);
      const now = current();
      if (now.label === original.label) label.value = v.label;
      if (now.bookmark === original.bookmark) bookmark.checked = v.bookmark;
      if (now.note === original.note) note.value = v.note;
      if (now.score === original.score) score.value = v.score;
      const wasSaving = status.textContent === "saving…";
      annotations = next && typeof next === "object" ? next : {};
      original = v;
      const left = annotationChanges(annotations, current());
      status.textContent = wasSaving && left.values && !Object.keys(left.values).length ? "saved" : "";
    },
    get fields() {
      return { label, bookmark, note, score, button };
    },
  };
}
