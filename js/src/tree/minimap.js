// @ts-check
// The minimap: the whole tree in a small canvas in a corner of the drawing, the part in view outlined; a click
// or a drag on it moves the view there. The tree's picture is painted once per layout; a frame only draws it
// and the outline. Shown when the tree does not fit in view.

import { NODE_H, NODE_W } from "../layout.js";
import { nodeColour } from "../render.js";

export const MINIMAP_SIZE = Object.freeze({ w: 180, h: 110 });

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
  if (ctx) {
    canvas.width = MINIMAP_SIZE.w * r;
    canvas.height = MINIMAP_SIZE.h * r;
    picture.width = canvas.width;
    picture.height = canvas.height;
  }

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
    canvas.style.display = on ? "" : "none";
  }

  return {
    /**
     * @param {import("../types.js").Layout} lay
     * @param {import("../types.js").View} view
     */
    setLayout(lay, view) {
      layout = lay;
      const tf = minimapTransform(lay.bounds);
      t = tf;
      if (!pctx) return;
      pctx.setTransform(1, 0, 0, 1, 0, 0);
      pctx.clearRect(0, 0, picture.width, picture.height);
      pctx.setTransform(r, 0, 0, r, 0, 0);
      const w = Math.max(1, NODE_W * tf.s), h = Math.max(1, NODE_H * tf.s);
      /** @type {Map<string, import("../types.js").LayoutItem[]>} */
      const byFill = new Map();
      for (const item of lay.nodes) {
        const n = view.nodes.get(item.key);
        // the senders' pastel fills vanish at a pixel or two: a darker shade of each
        const fill = n && n.kind === "error" ? "#dc2626" : shade(nodeColour(n || {}));
        let list = byFill.get(fill);
        if (!list) byFill.set(fill, (list = []));
        list.push(item);
      }
      // one path per colour, and one box per minimap pixel: thousands of nodes share a few pixels
      const seen = new Set();
      for (const [fill, list] of byFill) {
        pctx.beginPath();
        for (const item of list) {
          const px = item.x * tf.s + tf.ox - w / 2, py = item.y * tf.s + tf.oy;
          const cell = Math.round(px * 2) * 4096 + Math.round(py * 2);
          if (seen.has(cell)) continue;
          seen.add(cell);
          pctx.rect(px, py, w, h);
        }
        pctx.fillStyle = fill;
        pctx.fill();
      }
    },
    /**
     * Draw the outline of the view `vw` in a canvas of `size`; `marks` {head, selected} positions get dots.
     * @param {import("./viewport.js").ViewTransform} vw
     * @param {import("./viewport.js").Size} size
     * @param {[{x: number, y: number} | undefined, string][]} [positions]
     */
    frame(vw, size, positions = []) {
      if (!layout || !layout.nodes.length) return show(false);
      const b = layout.bounds;
      const fits = b.x * vw.k + vw.x >= 0 && b.y * vw.k + vw.y >= 0 &&
        (b.x + b.width) * vw.k + vw.x <= size.w && (b.y + b.height) * vw.k + vw.y <= size.h;
      show(!fits);
      if (fits || !ctx || !t) return;
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
      ctx.strokeRect(x0, y0, (size.w / vw.k) * t.s, (size.h / vw.k) * t.s);
    },
    destroy() {
      window.removeEventListener("mousemove", onMove);
      window.removeEventListener("mouseup", onUp);
    },
  };
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
