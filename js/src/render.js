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

/** Degrees either side of red that only errors use (agentforum_nb/palette.py ERROR_HUE_RANGE, the same rule). */
export const ERROR_HUE_RANGE = 30;

/**
 * Does the `#rrggbb` colour have a red hue (with some saturation): the colour errors use? (palette.py
 * looks_like_error.)
 * @param {string} colour
 */
export function looksLikeError(colour) {
  const v = parseInt(colour.slice(1), 16);
  const r = ((v >> 16) & 255) / 255, g = ((v >> 8) & 255) / 255, b = (v & 255) / 255;
  const max = Math.max(r, g, b), min = Math.min(r, g, b), l = (max + min) / 2, d = max - min;
  if (d === 0) return false;
  const s = l > 0.5 ? d / (2 - max - min) : d / (max + min);
  let h = max === r ? (g - b) / d + (g < b ? 6 : 0) : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  h *= 60;
  return s > 0.15 && (h <= ERROR_HUE_RANGE || h >= 360 - ERROR_HUE_RANGE);
}

/** A node's fill: the colour the kernel computed for its sender (agentforum_nb.palette, the same function as
 * the Graphviz export uses), or a neutral grey for a node that came without one, or with a colour that looks like
 * an error's (red is reserved for errors).
 * @param {{colour?: string}} n
 */
export function nodeColour(n) {
  return typeof n.colour === "string" && /^#[0-9a-f]{6}$/i.test(n.colour) && !looksLikeError(n.colour) ? n.colour
    : "#eef2f7";
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
