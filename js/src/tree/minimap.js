// @ts-check
// The minimap: the whole tree in a small canvas in the bottom-right corner of the drawing, shaped like the tree
// (minimapSize: a wide tree gets a wide map, never a one-pixel line), the part in view outlined; a click or a drag
// on it moves the view there. Shown when the tree does not fit in view (at "fit" it is hidden: nothing is under
// it); its button folds it away to a small square and back. Where it is (rect()) is left out of "in view" when a
// node is brought into view (navigation.js), so such a node is never put under it. The tree's picture is painted
// once per layout; a frame only draws it and the outline.

import { NODE_H, NODE_W } from "../layout.js";
import { nodeColour } from "../render.js";

/** The largest minimap, and the least of its sides. */
export const MINIMAP_SIZE = Object.freeze({ w: 200, h: 130 });
export const MINIMAP_MIN_SIDE = 40;
/** Its distance from the canvas's bottom-right corner (CSS pixels), and the fold button's side. */
export const MINIMAP_INSET = 8;
export const MINIMAP_BUTTON = 18;

/**
 * The minimap's size for a tree of `bounds` (pure): the tree's aspect scaled into `max`, no side below `min`.
 * @param {import("../types.js").Box} bounds
 * @param {import("./viewport.js").Size} [max]
 * @param {number} [min]
 * @returns {import("./viewport.js").Size}
 */
export function minimapSize(bounds, max = MINIMAP_SIZE, min = MINIMAP_MIN_SIDE) {
  const bw = Math.max(bounds.width, 1), bh = Math.max(bounds.height, 1);
  const s = Math.min(max.w / bw, max.h / bh);
  return { w: Math.round(Math.max(min, Math.min(max.w, bw * s))), h: Math.round(Math.max(min, Math.min(max.h, bh * s))) };
}

/**
 * The scale and offset that fit `bounds` in a minimap of `size` (pure): drawing point p shows at p * s + o.
 * @param {import("../types.js").Box} bounds
 * @param {import("./viewport.js").Size} [size]
 * @param {number} [pad]
 */
export function minimapTransform(bounds, size = MINIMAP_SIZE, pad = 4) {
  const s = Math.min((size.w - 2 * pad) / Math.max(bounds.width, 1), (size.h - 2 * pad) / Math.max(bounds.height, 1));
  return {
    s,
    ox: pad + (size.w - 2 * pad - bounds.width * s) / 2 - bounds.x * s,
    oy: pad + (size.h - 2 * pad - bounds.height * s) / 2 - bounds.y * s,
  };
}

/**
 * `canvas` is the minimap's <canvas>; `onPick(point)` centres the view on a drawing point.
 * @param {HTMLCanvasElement} canvas
 * @param {(point: import("./viewport.js").Point) => void} onPick
 */
export function createMinimap(canvas, onPick) {
  const ctx = safeContext(canvas);
  const picture = document.createElement("canvas");
  const pctx = safeContext(picture);
  const r = (typeof window !== "undefined" && window.devicePixelRatio) || 1;
  /** @type {ReturnType<typeof minimapTransform> | null} */
  let t = null;
  /** @type {import("../types.js").Layout | null} */
  let layout = null;
  /** @type {boolean | null} */
  let shown = null;
  let folded = false;
  /** @type {import("./viewport.js").Size} */
  let size = { ...MINIMAP_SIZE };
  /** @type {import("./viewport.js").Size} the canvas the tree is drawn in */
  let host = { w: 0, h: 0 };
  /** @type {import("../types.js").View | null} */
  let drawnView = null;
  let painted = false;

  /** The tree's picture: each node a box of a darker shade of its colour, set as pixels (one per node at most). */
  function paint() {
    painted = true;
    if (!pctx || !layout || !drawnView || !t) return;
    const tf = t, view = drawnView;
    const W = picture.width, H = picture.height;
    const image = pctx.createImageData(W, H);
    const px = new Uint32Array(image.data.buffer);
    const bw = Math.max(1, Math.round(NODE_W * tf.s * r)), bh = Math.max(1, Math.round(NODE_H * tf.s * r));
    /** @type {Map<string, number>} fill -> pixel */
    const pixels = new Map();
    for (const item of layout.nodes) {
      const n = view.nodes.get(item.key);
      // the senders' pastel fills vanish at a pixel or two: a darker shade of each
      const fill = n && n.kind === "error" ? "#dc2626" : n ? nodeColour(n) : "#94a3b8";
      let c = pixels.get(fill);
      if (c === undefined) pixels.set(fill, (c = pixel(fill === "#dc2626" || fill === "#94a3b8" ? fill : shade(fill))));
      const x0 = Math.round(((item.x - NODE_W / 2) * tf.s + tf.ox) * r), y0 = Math.round((item.y * tf.s + tf.oy) * r);
      for (let y = Math.max(0, y0); y < Math.min(H, y0 + bh); y++) {
        for (let x = Math.max(0, x0); x < Math.min(W, x0 + bw); x++) px[y * W + x] = c;
      }
    }
    pctx.setTransform(1, 0, 0, 1, 0, 0);
    pctx.putImageData(image, 0, 0);
  }
  // a box in the corner holding the map and its fold button
  const box = document.createElement("div");
  box.className = "af-mm";
  const button = document.createElement("button");
  button.type = "button";
  button.className = "af-mm-fold";
  if (canvas.parentNode) canvas.parentNode.insertBefore(box, canvas);
  box.append(canvas, button);

  /** @param {import("./viewport.js").Size} next */
  function resize(next) {
    size = next;
    canvas.style.width = `${next.w}px`;
    canvas.style.height = `${next.h}px`;
    if (!ctx) return;
    canvas.width = Math.round(next.w * r);
    canvas.height = Math.round(next.h * r);
    picture.width = canvas.width;
    picture.height = canvas.height;
  }
  resize(size);

  function showFolded() {
    box.classList.toggle("af-mm-folded", folded);
    const label = folded ? "show the minimap" : "hide the minimap";
    button.textContent = folded ? "▣" : "–";
    button.title = label;
    button.setAttribute("aria-label", label);
    button.setAttribute("aria-pressed", folded ? "false" : "true");
  }
  showFolded();
  button.addEventListener("mousedown", (ev) => ev.stopPropagation()); // not a drag of the tree
  button.addEventListener("click", (ev) => {
    ev.stopPropagation();
    folded = !folded;
    showFolded();
  });

  /**
   * @param {MouseEvent} ev
   */
  const pick = (ev) => {
    if (!t) return;
    const b = canvas.getBoundingClientRect();
    onPick({ x: (ev.clientX - b.left - t.ox) / t.s, y: (ev.clientY - b.top - t.oy) / t.s });
  };
  let dragging = false;
  canvas.addEventListener("mousedown", (ev) => {
    ev.preventDefault();
    ev.stopPropagation();
    dragging = true;
    pick(ev);
  });
  /**
   * @param {MouseEvent} ev
   */
  const onMove = (ev) => {
    if (dragging) pick(ev);
  };
  const onUp = () => {
    dragging = false;
  };
  window.addEventListener("mousemove", onMove);
  window.addEventListener("mouseup", onUp);

  /**
   * @param {boolean} on
   */
  function show(on) {
    if (on === shown) return;
    shown = on;
    box.style.display = on ? "" : "none";
  }

  return {
    /**
     * @param {import("../types.js").Layout} lay
     * @param {import("../types.js").View} view
     */
    setLayout(lay, view) {
      layout = lay;
      drawnView = view;
      painted = false; // painted when first shown: a fitted tree has no minimap
      const next = minimapSize(lay.bounds);
      if (next.w !== size.w || next.h !== size.h) resize(next);
      t = minimapTransform(lay.bounds, size);
    },
    /**
     * Draw the outline of the view `vw` in a canvas of `canvasSize`; `marks` {head, selected} positions get dots.
     * @param {import("./viewport.js").ViewTransform} vw
     * @param {import("./viewport.js").Size} canvasSize
     * @param {[{x: number, y: number} | undefined, string][]} [positions]
     */
    frame(vw, canvasSize, positions = []) {
      host = canvasSize;
      if (!layout || !layout.nodes.length) return show(false);
      const b = layout.bounds;
      const fits = b.x * vw.k + vw.x >= -1 && b.y * vw.k + vw.y >= -1 &&
        (b.x + b.width) * vw.k + vw.x <= canvasSize.w + 1 && (b.y + b.height) * vw.k + vw.y <= canvasSize.h + 1;
      show(!fits);
      if (fits || folded || !ctx || !t) return;
      if (!painted) paint();
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(picture, 0, 0);
      ctx.setTransform(r, 0, 0, r, 0, 0);
      for (const [p, colour] of positions) {
        if (!p) continue;
        ctx.fillStyle = colour;
        ctx.beginPath();
        ctx.arc(p.x * t.s + t.ox, (p.y + NODE_H / 2) * t.s + t.oy, 3, 0, 2 * Math.PI);
        ctx.fill();
      }
      const x0 = (-vw.x / vw.k) * t.s + t.ox, y0 = (-vw.y / vw.k) * t.s + t.oy;
      ctx.strokeStyle = "#2563eb";
      ctx.lineWidth = 1.5;
      // at least a few pixels: far in, the view is a speck of the tree
      const w = Math.max(4, (canvasSize.w / vw.k) * t.s), h = Math.max(4, (canvasSize.h / vw.k) * t.s);
      ctx.strokeRect(x0, y0, w, h);
    },
    /** Where the minimap is over the canvas ({x, y, w, h}, canvas pixels; folded: its button), or null when hidden. */
    rect() {
      if (!shown || !host.w) return null;
      const w = folded ? MINIMAP_BUTTON : size.w + 2, h = folded ? MINIMAP_BUTTON : size.h + 2;
      return { x: host.w - MINIMAP_INSET - w, y: host.h - MINIMAP_INSET - h, w, h };
    },
    get folded() {
      return folded;
    },
    /** How wide it is over the canvas when shown (with its inset), for a view to leave it free. */
    width() {
      return (folded ? MINIMAP_BUTTON : size.w + 2) + 2 * MINIMAP_INSET;
    },
    destroy() {
      window.removeEventListener("mousemove", onMove);
      window.removeEventListener("mouseup", onUp);
      box.remove();
    },
  };
}

/**
 * A #rrggbb colour as a little-endian RGBA pixel, opaque.
 * @param {string} hex
 */
function pixel(hex) {
  const n = parseInt(hex.slice(1, 7), 16);
  return (0xff000000 | ((n & 0xff) << 16) | (n & 0xff00) | ((n >> 16) & 0xff)) >>> 0;
}

/**
 * A darker shade of a #rrggbb colour (pure): each channel scaled by `f`.
 * @param {string} hex
 * @param {number} [f]
 */
export function shade(hex, f = 0.55) {
  const n = parseInt(hex.slice(1), 16);
  /**
   * @param {number} v
   */
  const c = (v) => Math.round(v * f).toString(16).padStart(2, "0");
  return `#${c((n >> 16) & 255)}${c((n >> 8) & 255)}${c(n & 255)}`;
}

/**
 * @param {HTMLCanvasElement} canvas
 */
function safeContext(canvas) {
  try {
    return canvas.getContext("2d");
  } catch {
    return null;
  }
}
