// @ts-check
// The node under the pointer, shown in a label next to it whenever the drawing does not show its text in full
// (draw.js labelLevel: short labels, a tag, or shapes only far out): its sender, its text (a few lines) and what
// it is. Found through the layout's index (so it works on the SVG and on the canvas alike), at most once per
// animation frame; hidden while a button is pressed (a drag), on the wheel and when the pointer leaves. Text
// only: the label is filled with textContent.

import { oneLine } from "../render.js";

/** At most this many characters of a message's text in the label. */
export const HOVER_CHARS = 280;
/** The label's distance from the pointer (CSS pixels). */
const OFFSET = 14;

/**
 * What the label says about a node (pure): a title line, the text, a line of facts (kind, status, id, hidden).
 * @param {import("../types.js").TreeNode} n
 * @param {string} sender                    the sender's label as drawn (view.js senderLabel)
 * @param {{hidden?: number} | null | undefined} item
 * @returns {{title: string, text: string, facts: string}}
 */
export function hoverText(n, sender, item) {
  const facts = [];
  if (n.id) facts.push(n.id.slice(0, 8));
  if (n.kind !== "message") facts.push(n.kind);
  if (n.pending) facts.push("streaming");
  else if (n.status !== "complete") facts.push(n.status);
  if (n.cached) facts.push("cached");
  if (item && item.hidden) facts.push(`+${item.hidden} hidden below`);
  return { title: sender, text: oneLine(n.pending ? n.text ?? "" : n.snippet, HOVER_CHARS), facts: facts.join(" · ") };
}

/**
 * Where the label goes (pure): below-right of the pointer `p`, flipped to the other side where it would leave a
 * canvas of `size`; `label` is its size.
 * @param {{x: number, y: number}} p
 * @param {{w: number, h: number}} label
 * @param {{w: number, h: number}} size
 */
export function hoverPlace(p, label, size) {
  let x = p.x + OFFSET, y = p.y + OFFSET;
  if (x + label.w > size.w - 4) x = Math.max(4, p.x - OFFSET - label.w);
  if (y + label.h > size.h - 4) y = Math.max(4, p.y - OFFSET - label.h);
  return { x, y };
}

/**
 * The hover label in `canvas` (the drawing's element). `on`: {nodeAt(ev) (the key under a pointer event, or
 * null), describe(key) ({title, text, facts} or null), wanted() (are labels cut at this zoom?)}.
 * @param {HTMLElement} canvas
 * @param {{nodeAt: (ev: MouseEvent) => string | null,
 *          describe: (key: string) => {title: string, text: string, facts: string} | null,
 *          wanted: () => boolean}} on
 */
export function createHover(canvas, on) {
  const box = document.createElement("div");
  box.className = "af-hover";
  box.setAttribute("role", "tooltip");
  const title = document.createElement("div");
  title.className = "af-hover-title";
  const text = document.createElement("div");
  text.className = "af-hover-text";
  const facts = document.createElement("div");
  facts.className = "af-hover-facts";
  box.append(title, text, facts);
  box.style.display = "none";
  canvas.append(box);
  /** @type {MouseEvent | null} */
  let pending = null;
  /** @type {number | null} */
  let frame = null;
  /** @type {string | null} */
  let shownKey = null;

  function hide() {
    shownKey = null;
    if (box.style.display !== "none") box.style.display = "none";
  }

  function update() {
    frame = null;
    const ev = pending;
    pending = null;
    if (!ev || ev.buttons || !on.wanted()) return hide();
    const target = ev.target instanceof Element ? ev.target : null;
    if (target && target.closest(".af-mm, .af-hover")) return hide();
    const key = on.nodeAt(ev);
    const about = key ? on.describe(key) : null;
    if (!key || !about) return hide();
    if (key !== shownKey) {
      shownKey = key;
      title.textContent = about.title;
      text.textContent = about.text;
      facts.textContent = about.facts;
      text.style.display = about.text ? "" : "none";
      facts.style.display = about.facts ? "" : "none";
    }
    box.style.display = "";
    const r = canvas.getBoundingClientRect();
    const p = hoverPlace({ x: ev.clientX - r.left, y: ev.clientY - r.top }, { w: box.offsetWidth, h: box.offsetHeight },
      { w: r.width, h: r.height });
    box.style.transform = `translate(${Math.round(p.x)}px, ${Math.round(p.y)}px)`;
  }

  /** @param {MouseEvent} ev */
  const onMove = (ev) => {
    pending = ev;
    if (frame === null) frame = requestAnimationFrame(update);
  };
  const onLeave = () => {
    pending = null;
    hide();
  };
  canvas.addEventListener("mousemove", onMove);
  canvas.addEventListener("mouseleave", onLeave);
  canvas.addEventListener("mousedown", onLeave);
  canvas.addEventListener("wheel", onLeave, { passive: true });

  return {
    /** The key whose label is shown, or null (tests). */
    get key() {
      return shownKey;
    },
    hide,
    destroy() {
      if (frame !== null) cancelAnimationFrame(frame);
      canvas.removeEventListener("mousemove", onMove);
      canvas.removeEventListener("mouseleave", onLeave);
      canvas.removeEventListener("mousedown", onLeave);
      canvas.removeEventListener("wheel", onLeave);
      box.remove();
    },
  };
}
