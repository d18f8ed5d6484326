// @ts-check
// Small DOM helpers shared by the widgets. Message text is ALWAYS set as text (textContent / SVG text nodes),
// never parsed as HTML: an LLM reply containing <script>, <img onerror=...> or javascript: links does nothing.

export const SVG_NS = "http://www.w3.org/2000/svg";

/**
 * An HTML element with attributes (set as strings) and text (set as text).
 * @param {string} tag
 * @param {Record<string, string | number | boolean>} [attrs]
 * @param {string | null} [text]
 * @returns {HTMLElement}
 */
export function el(tag, attrs = {}, text = null) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== null) e.textContent = text;
  return e;
}

/**
 * An SVG element with attributes (set as strings) and text (set as text).
 * @param {string} tag
 * @param {Record<string, string | number | boolean>} [attrs]
 * @param {string | null} [text]
 * @returns {SVGElement}
 */
export function svg(tag, attrs = {}, text = null) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== null) e.textContent = text;
  return e;
}

/** A node's fill: the colour the kernel computed for its sender (agentforum_nb.palette, the same function as
 * the Graphviz export uses), or a neutral grey for a node that came without one.
 * @param {{colour?: string}} n
 */
export function nodeColour(n) {
  return typeof n.colour === "string" && /^#[0-9a-f]{6}$/i.test(n.colour) ? n.colour : "#eef2f7";
}

/**
 * `text` on one line (runs of white space as one space), at most `max` characters ("…" ends a cut text).
 * @param {unknown} text
 * @param {number} max
 */
export function oneLine(text, max) {
  const t = String(text ?? "").replace(/\s+/g, " ").trim();
  return t.length <= max ? t : t.slice(0, max - 1) + "…";
}

/**
 * How a node is shown (pure): "pending" while it streams, "error" for an error message, else its status.
 * @param {{pending?: boolean, kind?: string, status?: string}} n
 * @returns {string}
 */
export function nodeStatus(n) {
  if (n.pending) return "pending";
  if (n.kind === "error") return "error";
  return n.status ?? "";
}
