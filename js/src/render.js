// Small DOM helpers shared by the widgets. Message text is ALWAYS set as text (textContent / SVG text nodes),
// never parsed as HTML: an LLM reply containing <script>, <img onerror=...> or javascript: links does nothing.

export const SVG_NS = "http://www.w3.org/2000/svg";

export function el(tag, attrs = {}, text = null) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== null) e.textContent = text;
  return e;
}

export function svg(tag, attrs = {}, text = null) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== null) e.textContent = text;
  return e;
}

/** A node's fill: the colour the kernel computed for its sender (agentforum_nb.palette, the same function as
 * the Graphviz export uses), or a neutral grey for a node that came without one. */
export function nodeColour(n) {
  return typeof n.colour === "string" && /^#[0-9a-f]{6}$/i.test(n.colour) ? n.colour : "#eef2f7";
}

export function oneLine(text, max) {
  const t = String(text ?? "").replace(/\s+/g, " ").trim();
  return t.length <= max ? t : t.slice(0, max - 1) + "…";
}

/** How a node is shown (pure): "pending" while it streams, "error" for an error message, else its status. */
export function nodeStatus(n) {
  if (n.pending) return "pending";
  if (n.kind === "error") return "error";
  return n.status;
}
