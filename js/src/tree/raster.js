// @ts-check
// The far zoom levels (zoom < FAR_ZOOM): the whole tree drawn on a <canvas>, one frame at a time, only what is in
// view (a grid index, spatial.js). Boxes are filled by colour in one path each, links are straight lines one
// pixel wide, those on the head's path thicker; the head, the selection, search matches, questions waiting for
// an answer, errors and streaming answers are outlined with strokes of a fixed width on screen, the head, the
// selection and the matches also get a ring marker, and bookmarked and labelled nodes a flag (a gold diamond, an
// indigo dot) at their top-right corner, so they stay visible and distinguishable at any zoom. Boxes under a
// few pixels are set as pixels (no paths, no links: 100,000 of them in a millisecond or two).
// A forest's conversations get a frame, and a title over each (its first message, how many it draws) wherever
// the gap over it is tall enough for legible text; near (SVG) the canvas draws only these, under the nodes.
// What a node looks like is computed once per layout (nodeLook), with the node objects, so a frame does no
// lookups by key.

import { CONV_GAP_Y, LEVEL, NODE_H, NODE_W, TITLE_MIN_W } from "../layout.js";
import { nodeColour, nodeStatus, oneLine } from "../render.js";
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

/** The fill of a "+k more" item (folded siblings) far out. */
export const MORE_FILL = "#e2e8f0";
/** A conversation's frame (forests). */
export const FRAME = Object.freeze({ fill: "#eef2f7", stroke: "#d5dce6", pad: 24 });
/** Boxes narrower than this on screen (CSS pixels) are set as pixels. */
export const PIXEL_BOX = 3;
/** A conversation's title: its font (CSS pixels), drawn when the gap over it is at least TITLE_ROOM pixels tall
 * and the conversation TITLE_MIN_W wide (layout.js). */
export const TITLE_PX = 11;
export const TITLE_ROOM = 15;

/**
 * A conversation's title (pure): its first message's text on one line, and how many nodes it draws.
 * @param {import("../types.js").TreeNode | undefined} root
 * @param {number} count
 */
export function titleOf(root, count) {
  const text = root ? oneLine(root.snippet || root.text || "", 120) : "";
  return `${text} · ${count}`;
}

/**
 * Is a conversation's title drawn at zoom `k` (pure)? When the gap over it (`gap` drawing units) and its width
 * leave room for it.
 * @param {{width: number}} group
 * @param {number} k
 * @param {number} [gap]
 */
export function titleShown(group, k, gap = CONV_GAP_Y) {
  return gap * k >= TITLE_ROOM && group.width * k >= TITLE_MIN_W;
}

/**
 * A #rrggbb colour as a little-endian RGBA pixel (what a Uint32Array over ImageData holds), opaque.
 * @param {string} hex
 */
export function pixelOf(hex) {
  const n = parseInt(hex.slice(1, 7), 16);
  return (0xff000000 | ((n & 0xff) << 16) | (n & 0xff00) | ((n >> 16) & 0xff)) >>> 0;
}

/**
 * How the far drawing shows a node (pure; its one place for the canvas, as draw.js's nodeClass is for the SVG):
 * its fill and its outline (markOf).
 * @param {string} key
 * @param {import("../types.js").TreeNode} n
 * @param {import("./draw.js").DrawMarks} marks
 */
export function nodeLook(key, n, marks) {
  return { fill: n.kind === "error" ? "#fee2e2" : nodeColour(n), mark: markOf(key, n, marks) };
}

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
  /**
   * What each node of the layout looks like far out (by its index `i`), computed at its first far frame.
   * @type {{fill: string[], pixel: Uint32Array, nodes: (import("../types.js").TreeNode | undefined)[],
   *         marked: [import("../types.js").LayoutItem, NonNullable<ReturnType<typeof markOf>>][],
   *         flagged: [import("../types.js").LayoutItem, ReturnType<typeof farFlags>][],
   *         titles: Map<string, string>} | null}
   */
  let looks = null;
  /** @type {{canvas: HTMLCanvasElement, ctx: CanvasRenderingContext2D, image: ImageData, pixels: Uint32Array} | null} */
  let dots = null;
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
    dots = null;
  }

  /** The looks of the layout's nodes (once per layout): fills, the outlines that do not depend on the marks. */
  function looksOf() {
    if (looks) return looks;
    const lay = /** @type {import("../types.js").Layout} */ (layout), v = /** @type {import("../types.js").View} */ (view);
    const none = { head: null, selected: null, onHead: new Set(), matches: new Set() };
    const n = lay.nodes.length;
    /** @type {string[]} */
    const fill = new Array(n);
    const pixel = new Uint32Array(n);
    /** @type {(import("../types.js").TreeNode | undefined)[]} */
    const nodes = new Array(n);
    /** @type {Map<string, number>} */
    const pixels = new Map();
    const marked = [], flagged = [];
    for (let i = 0; i < n; i++) {
      const item = lay.nodes[i];
      const node = v.nodes.get(item.key);
      nodes[i] = node;
      const look = node ? nodeLook(item.key, node, none) : { fill: MORE_FILL, mark: null };
      fill[i] = look.fill;
      let px = pixels.get(look.fill);
      if (px === undefined) pixels.set(look.fill, (px = pixelOf(shadeFill(look.fill))));
      pixel[i] = px;
      if (!node) continue;
      if (look.mark) marked.push(/** @type {[any, any]} */ ([item, look.mark]));
      const f = farFlags(node);
      if (f.length) flagged.push(/** @type {[any, any]} */ ([item, f]));
    }
    const titles = new Map();
    for (const g of lay.groups || []) titles.set(g.key, titleOf(v.nodes.get(g.key), g.total));
    looks = { fill, pixel, nodes, marked, flagged, titles };
    return looks;
  }

  /**
   * The offscreen canvas the pixels are set in (the canvas's size).
   */
  function dotsOf() {
    if (dots && dots.canvas.width === canvas.width && dots.canvas.height === canvas.height) return dots;
    const c = document.createElement("canvas");
    c.width = canvas.width;
    c.height = canvas.height;
    const cx = /** @type {CanvasRenderingContext2D} */ (c.getContext("2d"));
    const image = cx.createImageData(c.width, c.height);
    dots = { canvas: c, ctx: cx, image, pixels: new Uint32Array(image.data.buffer) };
    return dots;
  }

  /**
   * The conversations' frames in view (drawing units; the transform is the view's).
   * @param {CanvasRenderingContext2D} g
   * @param {import("./viewport.js").Rect} rect
   * @param {number} k
   */
  function drawFrames(g, rect, k) {
    const groups = /** @type {import("../types.js").Layout} */ (layout).groups;
    if (!groups || !groups.length) return;
    const pad = FRAME.pad;
    g.beginPath();
    let any = false;
    for (const b of groups) {
      if (b.x - pad > rect.x1 || b.x + b.width + pad < rect.x0 || b.y - pad > rect.y1 || b.y + b.height + pad < rect.y0) continue;
      if ((b.width + 2 * pad) * k < 3) continue;
      g.rect(b.x - pad, b.y - pad, b.width + 2 * pad, b.height + 2 * pad);
      any = true;
    }
    if (!any) return;
    g.fillStyle = FRAME.fill;
    g.fill();
    if (k > 0.01) {
      g.lineWidth = 1 / k;
      g.strokeStyle = FRAME.stroke;
      g.stroke();
    }
  }

  /**
   * The conversations' titles in view, in CSS pixels (the transform is the device pixel ratio's).
   * @param {import("./viewport.js").ViewTransform} vw
   * @param {import("./viewport.js").Rect} rect
   */
  function drawTitles(vw, rect) {
    const lay = /** @type {import("../types.js").Layout} */ (layout);
    if (!ctx || !lay.groups || !lay.groups.length) return;
    const { x, y, k } = vw;
    const gap = lay.gap || CONV_GAP_Y;
    if (gap * k < TITLE_ROOM) return;
    const titles = looksOf().titles;
    ctx.font = `600 ${TITLE_PX}px system-ui, sans-serif`;
    ctx.textBaseline = "alphabetic";
    ctx.fillStyle = "#334155";
    for (const b of lay.groups) {
      if (!titleShown(b, k, gap)) continue;
      if (b.x > rect.x1 || b.x + b.width < rect.x0 || b.y - gap > rect.y1 || b.y + b.height < rect.y0) continue;
      const width = b.width * k;
      const text = fitText(ctx, titles.get(b.key) || "", width);
      if (text) ctx.fillText(text, b.x * k + x, b.y * k + y - FRAME.pad * k - 5);
    }
  }

  return {
    /**
     * @param {import("../types.js").Layout} lay
     * @param {import("../types.js").View} v
     */
    setLayout(lay, v) {
      layout = lay;
      view = v;
      looks = null;
    },
    /** The nodes' looks are to be computed again (what they depend on changed). */
    restyle() {
      looks = null;
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
     * Draw the view `vw` of a canvas of `sz`; `marks` {head, selected, onHead}; `index` of the layout. With
     * `nodes` false only the conversations' frames and titles (under the SVG, near).
     * @param {import("./viewport.js").ViewTransform} vw
     * @param {import("./viewport.js").Size} sz
     * @param {import("./draw.js").DrawMarks} marks
     * @param {ReturnType<typeof import("./spatial.js").createIndex>} index
     * @param {boolean} [nodes]
     */
    draw(vw, sz, marks, index, nodes = true) {
      if (!ctx || !layout || !view) return;
      const lay = layout;
      if (!nodes && !(lay.groups && lay.groups.length)) return this.clear();
      const pos = lay.pos;
      if (sz.w !== size.w || sz.h !== size.h) resize(sz);
      canvas.style.display = "";
      dirty = true;
      const r = dpr();
      const { x, y, k } = vw;
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      const rect = visibleRect(vw, sz);
      ctx.setTransform(r * k, 0, 0, r * k, r * x, r * y);
      drawFrames(ctx, rect, k);
      if (!nodes) {
        ctx.setTransform(r, 0, 0, r, 0, 0);
        drawTitles(vw, rect);
        return;
      }
      const lk = looksOf();
      // what is in view, and a level around it (links that come in from just outside)
      const items = index.within({ x0: rect.x0 - NODE_W, y0: rect.y0 - LEVEL, x1: rect.x1 + NODE_W, y1: rect.y1 + LEVEL });
      if (NODE_W * k < PIXEL_BOX) {
        // pixels: each box a few device pixels of its colour, no links
        const d = dotsOf();
        const px = d.pixels, W = d.image.width, H = d.image.height;
        px.fill(0);
        const sx = r * k, ox = r * x, oy = r * y;
        // at least two pixels tall (a pixel-thin box vanishes), never into the next level
        const bw = Math.max(1, Math.round(NODE_W * sx));
        const bh = Math.max(1, Math.min(Math.round(LEVEL * sx * 0.8), Math.max(2 * r, Math.round(NODE_H * sx))));
        for (const item of items) {
          const i = /** @type {number} */ (item.i);
          const x0 = Math.round((item.x - NODE_W / 2) * sx + ox), y0 = Math.round(item.y * sx + oy);
          if (x0 >= W || y0 >= H || x0 + bw <= 0 || y0 + bh <= 0) continue;
          const c = lk.pixel[i];
          const xa = Math.max(0, x0), xb = Math.min(W, x0 + bw), ya = Math.max(0, y0), yb = Math.min(H, y0 + bh);
          for (let yy = ya; yy < yb; yy++) {
            const row = yy * W;
            for (let xx = xa; xx < xb; xx++) px[row + xx] = c;
          }
        }
        d.ctx.putImageData(d.image, 0, 0);
        ctx.setTransform(1, 0, 0, 1, 0, 0);
        ctx.drawImage(d.canvas, 0, 0);
        ctx.setTransform(r * k, 0, 0, r * k, r * x, r * y);
      } else {
        // links: straight, one pixel (to a wrapped row or the next column: along their routes)
        ctx.beginPath();
        for (const item of items) {
          const li = /** @type {number} */ (item.link);
          if (li < 0) continue;
          const link = lay.links[li];
          trace(ctx, /** @type {import("../types.js").LayoutItem} */ (pos.get(link.source)), item, link.route);
        }
        ctx.lineWidth = 1 / k;
        ctx.strokeStyle = "#9aa5b1";
        ctx.stroke();
        // boxes, one path per colour
        /** @type {Map<string, import("../types.js").LayoutItem[]>} */
        const byFill = new Map();
        for (const item of items) {
          const i = /** @type {number} */ (item.i);
          const node = lk.nodes[i];
          // dimmed (outside the selection's branch, or filtered out): drawn see-through (emphasis.js)
          const dim = node !== undefined && emphasis(item.key, node, marks) === "af-dim";
          const fill = lk.fill[i] + (dim ? "/dim" : "");
          let list = byFill.get(fill);
          if (!list) byFill.set(fill, (list = []));
          list.push(item);
        }
        const small = NODE_W * k < 14; // pastels vanish in small boxes: their darker shade
        const bh = Math.min(LEVEL * 0.8, Math.max(NODE_H, 2 / k)); // at least two pixels tall
        for (const [fill, list] of byFill) {
          ctx.beginPath();
          for (const item of list) ctx.rect(item.x - NODE_W / 2, item.y, NODE_W, bh);
          const dim = fill.endsWith("/dim");
          const base = dim ? fill.slice(0, -4) : fill;
          ctx.globalAlpha = dim ? EMPHASIS_STYLE.dimAlpha : 1;
          ctx.fillStyle = small ? shadeFill(base) : base;
          ctx.fill();
          if (k > 0.08) {
            ctx.lineWidth = 0.75 / k;
            ctx.strokeStyle = "#7b8794";
            ctx.stroke();
          }
        }
        ctx.globalAlpha = 1;
      }
      // the head's path: its links thicker and dark
      if (marks.onHead.size > 1) {
        ctx.beginPath();
        for (const key of marks.onHead) {
          const item = pos.get(key);
          if (!item || item.link === undefined || item.link < 0) continue;
          const link = lay.links[item.link];
          if (!marks.onHead.has(link.source)) continue;
          trace(ctx, /** @type {import("../types.js").LayoutItem} */ (pos.get(link.source)), item, link.route);
        }
        ctx.lineWidth = MARK_STYLE.onHead.width / k;
        ctx.strokeStyle = MARK_STYLE.onHead.colour;
        ctx.stroke();
      }
      // the selection's branch (what its agent saw, emphasis.js): its links in their own colour
      const context = marks.context;
      if (context && context.size > 1) {
        ctx.beginPath();
        for (const key of context) {
          const item = pos.get(key);
          if (!item || item.link === undefined || item.link < 0) continue;
          const link = lay.links[item.link];
          if (!context.has(link.source)) continue;
          trace(ctx, /** @type {import("../types.js").LayoutItem} */ (pos.get(link.source)), item, link.route);
        }
        ctx.lineWidth = EMPHASIS_STYLE.context.width / k;
        ctx.strokeStyle = EMPHASIS_STYLE.context.colour;
        ctx.stroke();
      }
      // marks: strokes and rings of a fixed size on screen (drawn in canvas pixels): the nodes' own (errors,
      // questions, streams), then the matches, the head and the selection on top
      ctx.setTransform(r, 0, 0, r, 0, 0);
      const inView = (/** @type {import("../types.js").LayoutItem} */ item) =>
        item.x + NODE_W / 2 >= rect.x0 && item.x - NODE_W / 2 <= rect.x1 && item.y + NODE_H >= rect.y0 && item.y <= rect.y1;
      /** @type {[import("../types.js").LayoutItem, NonNullable<ReturnType<typeof markOf>>][]} */
      const marked = [];
      for (const entry of lk.marked) {
        const key = entry[0].key;
        if (key === marks.head || key === marks.selected || (marks.matches && marks.matches.has(key))) continue;
        if (inView(entry[0])) marked.push(entry);
      }
      const dynamic = [...(marks.matches || []), marks.head, marks.selected];
      for (const key of dynamic) {
        if (!key) continue;
        const item = pos.get(key);
        const node = item ? lk.nodes[/** @type {number} */ (item.i)] : undefined;
        if (!item || !node || !inView(item)) continue;
        const m = markOf(key, node, marks);
        if (m) marked.push([item, m]);
      }
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
      for (const [item, flags] of lk.flagged) {
        if (!inView(item)) continue;
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
      drawTitles(vw, rect);
    },
  };
}

/**
 * The colour a box is set in as pixels: the senders' pastels vanish at a pixel or two, so a darker shade of each.
 * @param {string} fill
 */
function shadeFill(fill) {
  if (!/^#[0-9a-f]{6}$/i.test(fill)) return "#94a3b8";
  const n = parseInt(fill.slice(1), 16);
  const c = (/** @type {number} */ v) => Math.round(v * 0.72).toString(16).padStart(2, "0");
  return `#${c((n >> 16) & 255)}${c((n >> 8) & 255)}${c(n & 255)}`;
}

/**
 * `text` cut (with "…") to fit `width` CSS pixels in the context's font, or "" when not even a few characters do.
 * @param {CanvasRenderingContext2D} g
 * @param {string} text
 * @param {number} width
 */
function fitText(g, text, width) {
  if (g.measureText(text).width <= width) return text;
  let lo = 0, hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (g.measureText(text.slice(0, mid) + "…").width <= width) lo = mid;
    else hi = mid - 1;
  }
  return lo >= 4 ? text.slice(0, lo).trimEnd() + "…" : "";
}

/**
 * A parent link as straight lines: down from `a` to `b`, or along its route (layout.js).
 * @param {CanvasRenderingContext2D} ctx
 * @param {{x: number, y: number}} a
 * @param {{x: number, y: number}} b
 * @param {{x: number, y: number}[] | undefined} route
 */
function trace(ctx, a, b, route) {
  if (route) {
    ctx.moveTo(route[0].x, route[0].y);
    for (let i = 1; i < route.length; i++) ctx.lineTo(route[i].x, route[i].y);
    return;
  }
  ctx.moveTo(a.x, a.y + NODE_H);
  ctx.lineTo(b.x, b.y);
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
