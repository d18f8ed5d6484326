// @ts-check
// Pan and zoom of the tree's SVG viewport. A view is {x, y, k}: a point p of the drawing is shown at
// p * k + (x, y) in canvas pixels. The math is pure; createViewport binds it to the canvas's drag and wheel.

/**
 * @typedef {{x: number, y: number, k: number}} ViewTransform  a point p of the drawing shows at p * k + (x, y)
 * @typedef {{w: number, h: number}} Size
 * @typedef {{x: number, y: number}} Point
 * @typedef {{x0: number, y0: number, x1: number, y1: number}} Rect
 */

/** The zoom's floor, unless the tree needs less to fit (createViewport's setMinZoom). */
export const MIN_ZOOM = 0.02;
export const MAX_ZOOM = 4;
/** Fitting never magnifies past this. */
export const FIT_MAX_ZOOM = 1;
/** Canvas pixels left free around a fitted tree. */
export const FIT_MARGIN = 12;
/** Zoom factor per unit of wheel delta: exp(-deltaY * WHEEL_SPEED). */
export const WHEEL_SPEED = 0.0015;
export const INITIAL_VIEW = Object.freeze({ x: 20, y: 20, k: 1 });
/** The canvas size assumed until it can be measured. */
export const DEFAULT_SIZE = Object.freeze({ w: 800, h: 400 });

/**
 * A zoom clamped to [min, MAX_ZOOM].
 * @param {number} k
 * @param {number} [min]
 */
export function clampZoom(k, min = MIN_ZOOM) {
  return Math.max(min, Math.min(MAX_ZOOM, k));
}

/**
 * The view zoomed by `factor` (clamped to [min, MAX_ZOOM]) about the canvas point `p` ({x, y}), which stays where
 * it is.
 * @param {ViewTransform} view
 * @param {Point} p
 * @param {number} factor
 * @param {number} [min]
 * @returns {ViewTransform}
 */
export function zoomAt(view, p, factor, min = MIN_ZOOM) {
  const k = clampZoom(view.k * factor, min);
  return { x: p.x - ((p.x - view.x) * k) / view.k, y: p.y - ((p.y - view.y) * k) / view.k, k };
}

/**
 * The zoom factor of a wheel event's deltaY (scrolling down zooms out).
 * @param {number} deltaY
 */
export function wheelFactor(deltaY) {
  return Math.exp(-deltaY * WHEEL_SPEED);
}

/**
 * The view after dragging from the pointer position `from` to `to`, starting from the view `start`.
 * @param {ViewTransform} start
 * @param {Point} from
 * @param {Point} to
 * @returns {ViewTransform}
 */
export function dragView(start, from, to) {
  return { x: start.x + to.x - from.x, y: start.y + to.y - from.y, k: start.k };
}

/**
 * The view that fits `bounds` ({x, y, width, height} in drawing units) whole in a canvas of `size` ({w, h}), in
 * both directions, `margin` pixels free on every side (and `top` more over it, `right` more on its right: controls
 * there): centred; a tree
 * small enough to show at the zoom cap (FIT_MAX_ZOOM: fitting never magnifies) is centred horizontally and `margin`
 * from the top, where it grows.
 * @param {import("../types.js").Box} bounds
 * @param {Size} size
 * @param {{margin?: number, maxZoom?: number, top?: number, right?: number}} [options]
 * @returns {ViewTransform}
 */
export function fitView(bounds, size, { margin = FIT_MARGIN, maxZoom = FIT_MAX_ZOOM, top = 0, right = 0 } = {}) {
  const w = Math.max(size.w - right, 1);
  const h = Math.max(size.h - top, 1);
  const m = Math.min(margin, w / 4, h / 4);
  const kw = (w - 2 * m) / Math.max(bounds.width, 1), kh = (h - 2 * m) / Math.max(bounds.height, 1);
  const k = Math.max(1e-6, Math.min(maxZoom, kw, kh));
  const x = (w - bounds.width * k) / 2 - bounds.x * k;
  const y = top + (k >= maxZoom ? m - bounds.y * k : (h - bounds.height * k) / 2 - bounds.y * k);
  return { k, x, y };
}

/**
 * The view that shows `bounds` at zoom `k` at least (pure): whole when it fits at `k` (fitView), else its top at
 * that zoom, centred across when it is narrow enough, else from its left edge; `margin` and `right` as fitView's.
 * A conversation taller than the canvas is shown readable from its start, not whole and too small to read.
 * @param {import("../types.js").Box} bounds
 * @param {Size} size
 * @param {number} k
 * @param {{margin?: number, right?: number}} [options]
 * @returns {ViewTransform}
 */
export function readableView(bounds, size, k, { margin = FIT_MARGIN, right = 0 } = {}) {
  const fitted = fitView(bounds, size, { margin, right });
  if (fitted.k >= k) return fitted;
  const w = Math.max(size.w - right, 1);
  const m = Math.min(margin, w / 4, size.h / 4);
  const x = bounds.width * k <= w - 2 * m ? (w - bounds.width * k) / 2 - bounds.x * k : m - bounds.x * k;
  return { k, x, y: m - bounds.y * k };
}

/**
 * The zoom floor for a tree of `bounds` in a canvas of `size`: MIN_ZOOM, or less when the tree needs less to fit
 * (half its fitting zoom: a little room around it).
 * @param {import("../types.js").Box} bounds
 * @param {Size} size
 */
export function minZoomFor(bounds, size) {
  return Math.min(MIN_ZOOM, fitView(bounds, size).k / 2);
}

/**
 * The SVG transform attribute of a view.
 * @param {ViewTransform} view
 */
export function transformOf(view) {
  return `translate(${view.x},${view.y}) scale(${view.k})`;
}

/**
 * The drawing rectangle {x0, y0, x1, y1} shown by `view` in a canvas of `size`.
 * @param {ViewTransform} view
 * @param {Size} size
 * @returns {Rect}
 */
export function visibleRect(view, size) {
  return { x0: -view.x / view.k, y0: -view.y / view.k, x1: (size.w - view.x) / view.k, y1: (size.h - view.y) / view.k };
}

/**
 * `rect` grown by `f` times its size on every side.
 * @param {Rect} r
 * @param {number} f
 * @returns {Rect}
 */
export function growRect(r, f) {
  const dx = (r.x1 - r.x0) * f, dy = (r.y1 - r.y0) * f;
  return { x0: r.x0 - dx, y0: r.y0 - dy, x1: r.x1 + dx, y1: r.y1 + dy };
}

/**
 * Does rectangle `outer` hold rectangle `inner`?
 * @param {Rect} outer
 * @param {Rect} inner
 */
export function containsRect(outer, inner) {
  return inner.x0 >= outer.x0 && inner.y0 >= outer.y0 && inner.x1 <= outer.x1 && inner.y1 <= outer.y1;
}

/**
 * Is the box {x, y, width, height} (drawing units) wholly in view, `margin` canvas pixels inside the edges, and
 * clear of the canvas rectangle `avoid` ({x, y, w, h}: a panel over the canvas) when one is given?
 * @param {ViewTransform} view
 * @param {Size} size
 * @param {import("../types.js").Box} box
 * @param {number} [margin]
 * @param {{x: number, y: number, w: number, h: number} | null} [avoid]
 */
export function boxInView(view, size, box, margin = 0, avoid = null) {
  const left = box.x * view.k + view.x, top = box.y * view.k + view.y;
  const right = left + box.width * view.k, bottom = top + box.height * view.k;
  const inside = left >= margin && top >= margin && right <= size.w - margin && bottom <= size.h - margin;
  if (!inside || !avoid) return inside;
  // under a panel over the canvas (the minimap) it is not in view
  return right < avoid.x || left > avoid.x + avoid.w || bottom < avoid.y || top > avoid.y + avoid.h;
}

/**
 * The view that shows the drawing point `p` in the middle of the canvas, at zoom `k` (default: the view's).
 * @param {ViewTransform} view
 * @param {Point} p
 * @param {Size} size
 * @param {number} [k]
 * @param {number} [min]   the zoom floor
 * @returns {ViewTransform}
 */
export function centreView(view, p, size, k = view.k, min = MIN_ZOOM) {
  const kk = clampZoom(k, min);
  return { k: kk, x: size.w / 2 - p.x * kk, y: size.h / 2 - p.y * kk };
}

/**
 * The drawing point under the canvas point `c` ({x, y}).
 * @param {ViewTransform} view
 * @param {Point} c
 * @returns {Point}
 */
export function toDrawing(view, c) {
  return { x: (c.x - view.x) / view.k, y: (c.y - view.y) / view.k };
}

/** How long the canvas's place on the page is trusted by the wheel (ms). */
const RECT_MS = 250;

/** A press that moves less than this (canvas pixels) is a click, not a drag. */
export const DRAG_THRESHOLD = 4;

/** May the wheel zoom? With Ctrl or ⌘ held, or once the widget has been clicked into (`engaged`); otherwise the
 * page scrolls past the widget, as map widgets do.
 * @param {{ctrlKey?: boolean, metaKey?: boolean}} ev
 * @param {boolean} engaged
 */
export function wheelZooms(ev, engaged) {
  return !!(ev.ctrlKey || ev.metaKey || engaged);
}

/**
 * Pan (drag, also when the press starts on a node) and zoom (wheel, see wheelZooms) of `group`, the <g> holding
 * the drawing, inside `canvas`. The view is applied at most once per animation frame; `onChange(view, size)` is
 * called each time (draw what is in view). `userMoved` tells whether the user panned or zoomed (the widget fits
 * the tree automatically until then). Options: `isEngaged()` (has the widget been clicked into?),
 * `onEngage()` (a press in the canvas), `onWheelRefused()` (a plain wheel over an idle widget: show the hint),
 * `onResize(size)`.
 * @param {HTMLElement} canvas
 * @param {Element} group
 * @param {(view: ViewTransform, size: Size) => void} [onChange]
 * @param {{isEngaged?: () => boolean, onEngage?: () => void, onWheelRefused?: () => void, onResize?: (size: Size) => void}} [options]
 */
export function createViewport(canvas, group, onChange = () => {}, options = {}) {
  const { isEngaged = () => false, onEngage = () => {}, onWheelRefused = () => {}, onResize = () => {} } = options;
  // where the canvas is on the page: not read per wheel event (reading it right after a drawing forces a layout
  // of the whole page), at most every RECT_MS, and again whenever anything scrolls or resizes
  /** @type {DOMRect | null} */
  let rect = null;
  let rectAt = 0;
  /** @type {ViewTransform} */
  let view = { ...INITIAL_VIEW };
  /** @type {Size} */
  let size = { ...DEFAULT_SIZE };
  /** @type {{from: Point, start: Point, moved: boolean} | null} */
  let drag = null;
  /** @type {number | null} */
  let frame = null;
  let suppressClick = false;
  let minZoom = MIN_ZOOM;
  /** @type {(f: () => void) => number} */
  const raf = typeof requestAnimationFrame === "function" ? requestAnimationFrame
    : (f) => /** @type {number} */ (/** @type {unknown} */ (setTimeout(f, 16)));
  /** @type {(id: number) => void} */
  const caf = typeof cancelAnimationFrame === "function" ? cancelAnimationFrame : clearTimeout;

  const vp = {
    userMoved: false,
    get view() {
      return view;
    },
    get size() {
      return size;
    },
    /** Apply the view now (and draw). */
    apply() {
      if (frame !== null) {
        caf(frame);
        frame = null;
      }
      group.setAttribute("transform", transformOf(view));
      onChange(view, size);
    },
    /** Apply the view at the next animation frame (many input events, one drawing). */
    schedule() {
      if (frame === null) frame = raf(() => {
        frame = null;
        vp.apply();
      });
    },
    /** Apply a pending frame now (tests). */
    flush() {
      if (frame !== null) vp.apply();
    },
    /**
     * @param {ViewTransform} next
     * @param {{user?: boolean}} [options]
     */
    set(next, { user = false } = {}) {
      view = { x: next.x, y: next.y, k: clampZoom(next.k, minZoom) };
      if (user) vp.userMoved = true;
      vp.apply();
    },
    /** Read the canvas size; only while the DOM is clean, never right after adding thousands of nodes. */
    measure() {
      const next = { w: canvas.clientWidth || size.w, h: canvas.clientHeight || size.h };
      const changed = next.w !== size.w || next.h !== size.h;
      size = next;
      return changed;
    },
    /** The zoom's floor (minZoomFor: a large tree needs less than MIN_ZOOM to fit). */
    get minZoom() {
      return minZoom;
    },
    /** @param {number} k */
    setMinZoom(k) {
      minZoom = Math.min(MIN_ZOOM, Math.max(1e-6, k));
    },
    /**
     * Fit `bounds` whole, in both directions (fitView), `top` pixels left free over it.
     * @param {import("../types.js").Box} bounds
     * @param {number} [top]
     */
    fit(bounds, top = 0) {
      minZoom = minZoomFor(bounds, size);
      view = fitView(bounds, size, { top });
      vp.apply();
    },
    /**
     * Show the box `bounds` whole (a part of the tree: a conversation), the zoom floor kept, `right` pixels on the
     * right left free (the minimap); with `readable`, at that zoom at least (readableView).
     * @param {import("../types.js").Box} bounds
     * @param {number} [right]
     * @param {number} [readable]
     */
    show(bounds, right = 0, readable = 0) {
      const next = readable > 0 ? readableView(bounds, size, readable, { right }) : fitView(bounds, size, { right });
      view = { ...next, k: clampZoom(next.k, minZoom) };
      vp.apply();
    },
    /**
     * Centre the drawing point `p`, at zoom `k` (default: keep the zoom).
     * @param {Point} p
     * @param {number} [k]
     */
    centre(p, k) {
      view = centreView(view, p, size, k, minZoom);
      vp.apply();
    },
    destroy() {
      document.removeEventListener("scroll", forgetRect, true);
      window.removeEventListener("resize", forgetRect);
      window.removeEventListener("mousemove", onMove);
      window.removeEventListener("mouseup", onUp);
      if (resizeObserver) resizeObserver.disconnect();
      if (frame !== null) caf(frame);
    },
  };

  const resizeObserver = typeof ResizeObserver !== "undefined" ? new ResizeObserver(() => {
    rect = null;
    if (vp.measure()) {
      onResize(size);
      vp.schedule();
    }
  }) : null;
  if (resizeObserver) resizeObserver.observe(canvas);

  canvas.addEventListener("mousedown", (ev) => {
    if (ev.button !== 0) return;
    if (ev.target instanceof Element && ev.target.closest(".af-minimap, .af-span-label")) return;
    ev.preventDefault(); // a drag that starts on a node pans; it never selects text
    onEngage();
    drag = { from: { x: ev.clientX, y: ev.clientY }, start: { x: view.x, y: view.y }, moved: false };
    suppressClick = false;
  });
  /** @param {MouseEvent} ev */
  const onMove = (ev) => {
    if (!drag) return;
    const to = { x: ev.clientX, y: ev.clientY };
    if (!drag.moved && Math.hypot(to.x - drag.from.x, to.y - drag.from.y) < DRAG_THRESHOLD) return;
    if (!drag.moved) {
      drag.moved = true;
      vp.userMoved = true;
      canvas.classList.add("af-dragging");
    }
    view = dragView({ ...drag.start, k: view.k }, drag.from, to); // a zoom mid-drag stays
    vp.schedule();
  };
  const onUp = () => {
    if (drag && drag.moved) suppressClick = true; // the click that ends a drag selects nothing
    drag = null;
    canvas.classList.remove("af-dragging");
  };
  window.addEventListener("mousemove", onMove);
  window.addEventListener("mouseup", onUp);
  // capture: runs before the node layer's click handlers
  for (const type of ["click", "dblclick"]) {
    canvas.addEventListener(type, (ev) => {
      if (!suppressClick) return;
      ev.stopPropagation();
      ev.preventDefault();
      if (type === "click") suppressClick = false;
    }, true);
  }
  const forgetRect = () => {
    rect = null;
  };
  document.addEventListener("scroll", forgetRect, true);
  window.addEventListener("resize", forgetRect);
  canvas.addEventListener("wheel", (ev) => {
    if (!wheelZooms(ev, isEngaged())) {
      onWheelRefused();
      return; // the page scrolls
    }
    ev.preventDefault();
    vp.userMoved = true;
    const now = typeof performance !== "undefined" ? performance.now() : Date.now();
    if (!rect || now - rectAt > RECT_MS) {
      rect = canvas.getBoundingClientRect();
      rectAt = now;
    }
    const r = rect;
    view = zoomAt(view, { x: ev.clientX - r.left, y: ev.clientY - r.top }, wheelFactor(ev.deltaY), minZoom);
    vp.schedule();
  }, { passive: false });

  return vp;
}
