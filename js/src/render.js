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

/** A stable pastel colour per sender ("user" is neutral). */
export function senderColour(sender) {
  if (sender === "user") return "#eef2f7";
  let h = 2166136261;
  for (let i = 0; i < sender.length; i++) {
    h ^= sender.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return `hsl(${(h >>> 0) % 360}, 70%, 88%)`;
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
