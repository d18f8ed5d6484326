// @ts-check
// A model's reasoning, folded: a <details> whose summary says how long it is (or that the model is thinking,
// while it streams), its text set as text only, never HTML. `updateReasoning` grows it in place, so a fold the
// user opened stays open and its scroll position is kept while tokens arrive.

/**
 * The fold's summary (pure).
 * @param {string} text
 * @param {boolean} live  the answer is still streaming
 */
export function reasoningSummary(text, live) {
  const n = text.length;
  const words = text.trim() ? text.trim().split(/\s+/).length : 0;
  return live ? `reasoning… (${words} word${words === 1 ? "" : "s"} so far)` : `reasoning (${words} word${words === 1 ? "" : "s"}, ${n} characters)`;
}

/**
 * A fold of `text`, or null when there is none.
 * @param {Document} doc
 * @param {string | undefined | null} text
 * @param {boolean} live
 * @returns {HTMLDetailsElement | null}
 */
export function reasoningFold(doc, text, live) {
  if (typeof text !== "string" || !text) return null;
  const fold = doc.createElement("details");
  fold.className = "af-reasoning";
  const summary = doc.createElement("summary");
  const body = doc.createElement("div");
  body.className = "af-reasoning-text";
  fold.append(summary, body);
  updateReasoning(fold, text, live);
  return fold;
}

/**
 * Set a fold's text and summary (its open state untouched; following the end when it was scrolled there).
 * @param {HTMLDetailsElement} fold
 * @param {string} text
 * @param {boolean} live
 */
export function updateReasoning(fold, text, live) {
  const summary = /** @type {HTMLElement} */ (fold.querySelector("summary"));
  const body = /** @type {HTMLElement} */ (fold.querySelector(".af-reasoning-text"));
  const atEnd = body.scrollHeight - body.scrollTop - body.clientHeight < 8;
  summary.textContent = reasoningSummary(text, live);
  if (body.textContent !== text) body.textContent = text;
  fold.classList.toggle("af-reasoning-live", live);
  if (atEnd) body.scrollTop = body.scrollHeight;
}

/** The CSS of the fold (scoped by its classes; each widget adds it to its style). */
export const REASONING_CSS = `
.af-reasoning { margin: 4px 0; font: 12px system-ui, sans-serif; color: #475569; }
.af-reasoning > summary { cursor: pointer; user-select: none; font-style: italic; }
.af-reasoning-live > summary { color: #2563eb; }
.af-reasoning-text { white-space: pre-wrap; overflow-wrap: anywhere; max-height: 14em; overflow: auto;
  border-left: 3px solid #cbd5e1; padding: 2px 8px; margin-top: 2px; background: #f8fafc; }
`;
