// @ts-check
// The far zoom levels (zoom < FAR_ZOOM): the whole tree drawn on a <canvas>, one frame at a time, only what is in
// view (a grid index, spatial.js). Boxes are filled by colour in one path each, links are straight lines one
// pixel wide, those on the head's path thicker; the head, the selection, search matches, questions waiting for
// an answer, errors and streaming answers are outlined with strokes of a fixed width on screen, the head, the
// selection and the matches also get a ring marker, and bookmarked and labelled nodes a flag (a gold diamond, an
// indigo dot) at their top-right corner, so they stay visible and distinguishable at any zoom.

import { NODE_H, NODE_W } from "../layout.js";
import { nodeColour, nodeStatus } from "../render.js";
import { visibleRect } from "./viewport.js";
import { farFlags, isAwaiting } from "./badges.js";
import { EMPHASIS_STYLE, emphasis } from "./emphasis.js";

export const MARK_STYLE = Object.freeze({
  error: { colour: "#dc2626", width: 2.5 },
  pending: { colour: "#2563eb", width: 2 },
  failed: { colour: "#ea580c", width: 2 },
  onHead: { colour: "#111827", width: 2.5 }, // the links of the head's path
  head: { colour: "#111827", width: 3, ring: 9 },
  selected: { colour: "#f59e0b", width: 3, ring: 12 },
  awaiting: { colour: "#d97706", width: 3 },
  match: { colour: "#c026d3", width: 2.5, ring: 7 },
});

/** The flags of bookmarked and labelled nodes, in screen pixels (`size`: the half-width of the marker). */
export const FLAG_STYLE = Object.freeze({
  bookmark: { colour: "#f59e0b", size: 5, shape: "diamond" },
  label: { colour: "#4f46e5", size: 4, shape: "dot" },
});

/**
 * How the far drawing marks a node (pure): the outline style, or null for none.
 * @param {string} key
 * @param {import("../types.js").TreeNode} n
 * @param {{head: string | null, selected: string | null, matches?: Set<string>}} marks
 * @returns {{colour: string, width: number, ring?: number} | null}
 */
export function markOf(key, n, marks) {
  if (key === marks.selected) return MARK_STYLE.selected;
  if (key === marks.head) return MARK_STYLE.head;
  if (marks.matches && marks.matches.has(key)) return MARK_STYLE.match;
  if (isAwaiting(n)) return MARK_STYLE.awaiting;
  const status = nodeStatus(n);
  if (status === "error") return MARK_STYLE.error;
  if (status === "pending") return MARK_STYLE.pending;
  if (status === "failed") return MARK_STYLE.failed;
  return null; // the head's path is drawn as its links (thicker and dark), not as outlines
}

/**
 * @param {HTMLCanvasElement} canvas
 */
export function createRaster(canvas) {
  const ctx = canvas && typeof canvas.getContext === "function" ? safeContext(canvas) : null;
  /** @type {import("../types.js").Layout | null} */
  let layout = null;
  /** @type {import("../types.js").View | null} */
  let view = null;
  let size = { w: 0, h: 0 };
  let dirty = false;
  const dpr = () => (typeof window !== "undefined" && window.devicePixelRatio) || 1;

  /**
   * @param {{w: number, h: number}} next
   */
  function resize(next) {
    if (!ctx) return;
    const r = dpr();
    size = { w: next.w, h: next.h };
    canvas.width = Math.max(1, Math.round(next.w * r));
    canvas.height = Math.max(1, Math.round(next.h * r));
    canvas.style.width = `${next.w}px`;
    canvas.style.height = `${next.h}px`;
  }

  return {
    /**
     * @param {import("../types.js").Layout} lay
     * @param {import("../types.js").View} v
     */
    setLayout(lay, v) {
      layout = lay;
      view = v;
    },
    resize,
    clear() {
      if (!ctx || !dirty) return;
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      canvas.style.display = "none";
      dirty = false;
    },
    /**
     * Draw the view `vw` of a canvas of `sz`; `marks` {head, selected, onHead}; `index` of the layout.
     * @param {import("./viewport.js").ViewTransform} vw
     * @param {import("./viewport.js").Size} sz
     * @param {import("./draw.js").DrawMarks} marks
     * @param {ReturnType<typeof import("./spatial.js").createIndex>} index
     */
    draw(vw, sz, marks, index) {
      if (!ctx || !layout || !view) return;
      const pos = layout.pos;
      const at = (/** @type {string} */ key) => /** @type {import("../types.js").LayoutItem} */ (pos.get(key));
      if (sz.w !== size.w || sz.h !== size.h) resize(sz);
      canvas.style.display = "";
      dirty = true;
      const r = dpr();
      const { x, y, k } = vw;
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      const rect = visibleRect(vw, sz);
      const items = index.within(rect);
      const inView = new Set();
      for (const item of items) inView.add(item.key);
      ctx.setTransform(r * k, 0, 0, r * k, r * x, r * y);
      // links: straight, one pixel
      ctx.beginPath();
      for (const { source, target } of layout.links) {
        if (!inView.has(source) && !inView.has(target)) continue;
        const a = at(source), b = at(target);
        ctx.moveTo(a.x, a.y + NODE_H);
        ctx.lineTo(b.x, b.y);
      }
      ctx.lineWidth = 1 / k;
      ctx.strokeStyle = "#9aa5b1";
      ctx.stroke();
      if (marks.onHead.size > 1) {
        ctx.beginPath();
        for (const { source, target } of layout.links) {
          if (!marks.onHead.has(source) || !marks.onHead.has(target)) continue;
          if (!inView.has(source) && !inView.has(target)) continue;
          const a = at(source), b = at(target);
          ctx.moveTo(a.x, a.y + NODE_H);
          ctx.lineTo(b.x, b.y);
        }
        ctx.lineWidth = MARK_STYLE.onHead.width / k;
        ctx.strokeStyle = MARK_STYLE.onHead.colour;
        ctx.stroke();
      }
      const context = marks.context;
      if (context && context.size > 1) { // the selection's branch (emphasis.js)
        ctx.beginPath();
        for (const { source, target } of layout.links) {
          if (!context.has(source) || !context.has(target)) continue;
          const a = at(source), b = at(target);
          ctx.moveTo(a.x, a.y + NODE_H);
          ctx.lineTo(b.x, b.y);
        }
        ctx.lineWidth = EMPHASIS_STYLE.context.width / k;
        ctx.strokeStyle = EMPHASIS_STYLE.context.colour;
        ctx.stroke();
      }
      // boxes, one path per colour
      /** @type {Map<string, import("../types.js").LayoutItem[]>} */
      const byFill = new Map();
      /** @type {[import("../types.js").LayoutItem, NonNullable<ReturnType<typeof markOf>>][]} */
      const marked = [];
      /** @type {[import("../types.js").LayoutItem, ReturnType<typeof farFlags>][]} */
      const flagged = [];
      for (const item of items) {
        const n = view.nodes.get(item.key);
        if (!n) continue;
        const dim = emphasis(item.key, n, marks) === "af-dim"; // dimmed: drawn see-through (emphasis.js)
        const fill = (n.kind === "error" ? "#fee2e2" : nodeColour(n)) + (dim ? "/dim" : "");
        let list = byFill.get(fill);
        if (!list) byFill.set(fill, (list = []));
        list.push(item);
        const m = markOf(item.key, n, marks);
        if (m) marked.push([item, m]);
        const f = farFlags(n);
        if (f.length) flagged.push([item, f]);
      }
      for (const [fill, list] of byFill) {
        ctx.beginPath();
        for (const item of list) ctx.rect(item.x - NODE_W / 2, item.y, NODE_W, NODE_H);
        const dim = fill.endsWith("/dim");
        ctx.globalAlpha = dim ? EMPHASIS_STYLE.dimAlpha : 1;
        ctx.fillStyle = dim ? fill.slice(0, -4) : fill;
        ctx.fill();
        if (k > 0.08) {
          ctx.lineWidth = 0.75 / k;
          ctx.strokeStyle = "#7b8794";
          ctx.stroke();
        }
      }
      ctx.globalAlpha = 1;
      // marks: strokes and rings of a fixed size on screen (drawn in canvas pixels)
      ctx.setTransform(r, 0, 0, r, 0, 0);
      for (const [item, m] of marked) {
        const sx = item.x * k + x, sy = item.y * k + y;
        const w = NODE_W * k, h = NODE_H * k;
        ctx.lineWidth = m.width;
        ctx.strokeStyle = m.colour;
        ctx.strokeRect(sx - w / 2 - m.width / 2, sy - m.width / 2, w + m.width, h + m.width);
        if (m.ring) {
          ctx.beginPath();
          ctx.arc(sx, sy + h / 2, Math.max(m.ring, w / 2 + 4), 0, 2 * Math.PI);
          ctx.stroke();
        }
      }
      // flags: at the box's top-right corner, the label's dot left of the bookmark's diamond
      ctx.lineWidth = 1;
      ctx.strokeStyle = "#ffffff";
      for (const [item, flags] of flagged) {
        const sx = item.x * k + x + (NODE_W * k) / 2, sy = item.y * k + y;
        flags.forEach((name, i) => {
          const f = FLAG_STYLE[name];
          const cx = sx - i * (2 * f.size + 2), cy = sy;
          ctx.beginPath();
          if (f.shape === "diamond") {
            ctx.moveTo(cx, cy - f.size);
            ctx.lineTo(cx + f.size, cy);
            ctx.lineTo(cx, cy + f.size);
            ctx.lineTo(cx - f.size, cy);
            ctx.closePath();
          } else {
            ctx.arc(cx, cy, f.size, 0, 2 * Math.PI);
          }
          ctx.fillStyle = f.colour;
          ctx.fill();
          ctx.stroke();
        });
      }
    },
  };
}

/**
 * @param {HTMLCanvasElement} canvas
 */
function safeContext(canvas) {
  try {
    return canvas.getContext("2d");
  } catch {
    return null; // a DOM without canvas (tests)
  }
}
