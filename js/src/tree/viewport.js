// Pan and zoom of the tree's SVG viewport. A view is {x, y, k}: a point p of the drawing is shown at
// p * k + (x, y) in canvas pixels. The math is pure; createViewport binds it to the canvas's drag and wheel.

export const MIN_ZOOM = 0.02;
export const MAX_ZOOM = 4;
/** Fitting never magnifies, nor shrinks below this. */
export const FIT_MIN_ZOOM = 0.05;
/** Zoom factor per unit of wheel delta: exp(-deltaY * WHEEL_SPEED). */
export const WHEEL_SPEED = 0.0015;
export const INITIAL_VIEW = Object.freeze({ x: 20, y: 20, k: 1 });
/** The canvas size assumed until it can be measured. */
export const DEFAULT_SIZE = Object.freeze({ w: 800, h: 400 });

/** A zoom clamped to [MIN_ZOOM, MAX_ZOOM]. */
export function clampZoom(k) {
  return Math.max(MIN_ZOOM, Math.min(MAX_ZOOM, k));
}

/** The view zoomed by `factor` (clamped) about the canvas point `p` ({x, y}), which stays where it is. */
export function zoomAt(view, p, factor) {
  const k = clampZoom(view.k * factor);
  return { x: p.x - ((p.x - view.x) * k) / view.k, y: p.y - ((p.y - view.y) * k) / view.k, k };
}

/** The zoom factor of a wheel event's deltaY (scrolling down zooms out). */
export function wheelFactor(deltaY) {
  return Math.exp(-deltaY * WHEEL_SPEED);
}

/** The view after dragging from the pointer position `from` to `to`, starting from the view `start`. */
export function dragView(start, from, to) {
  return { x: start.x + to.x - from.x, y: start.y + to.y - from.y, k: start.k };
}

/**
 * The view that fits `bounds` ({x, y, width, height} in drawing units) in a canvas of `size` ({w, h}): a 10 px
 * margin, centred horizontally, 10 px from the top; the zoom at most 1 and at least FIT_MIN_ZOOM.
 */
export function fitView(bounds, size) {
  const { w, h } = size;
  const k = Math.max(FIT_MIN_ZOOM, Math.min(1, (w - 20) / Math.max(bounds.width, 1),
    (h - 20) / Math.max(bounds.height, 1)));
  return { k, x: (w - bounds.width * k) / 2 - bounds.x * k, y: 10 };
}

/** The SVG transform attribute of a view. */
export function transformOf(view) {
  return `translate(${view.x},${view.y}) scale(${view.k})`;
}

/**
 * Pan (drag) and zoom (wheel) of `group`, the <g> holding the drawing, inside `canvas`. `onChange(view)` is
 * called whenever the view is applied. `userMoved` tells whether the user panned or zoomed (the widget fits
 * the tree automatically until then).
 */
export function createViewport(canvas, group, onChange = () => {}) {
  let view = { ...INITIAL_VIEW };
  let size = { ...DEFAULT_SIZE };
  let drag = null;

  const vp = {
    userMoved: false,
    get view() {
      return view;
    },
    apply() {
      group.setAttribute("transform", transformOf(view));
      onChange(view);
    },
    /** Read the canvas size; only while the DOM is clean, never right after adding thousands of nodes. */
    measure() {
      size = { w: canvas.clientWidth || size.w, h: canvas.clientHeight || size.h };
    },
    fit(bounds) {
      view = fitView(bounds, size);
      vp.apply();
    },
    destroy() {
      window.removeEventListener("mousemove", onMove);
      window.removeEventListener("mouseup", onUp);
      if (resizeObserver) resizeObserver.disconnect();
    },
  };

  const resizeObserver = typeof ResizeObserver !== "undefined" ? new ResizeObserver(() => vp.measure()) : null;
  if (resizeObserver) resizeObserver.observe(canvas);

  canvas.addEventListener("mousedown", (ev) => {
    if (ev.button !== 0) return;
    drag = { from: { x: ev.clientX, y: ev.clientY }, start: { x: view.x, y: view.y } };
    vp.userMoved = true;
    canvas.classList.add("af-dragging");
  });
  const onMove = (ev) => {
    if (!drag) return;
    view = dragView({ ...drag.start, k: view.k }, drag.from, { x: ev.clientX, y: ev.clientY }); // a zoom mid-drag stays
    vp.apply();
  };
  const onUp = () => {
    drag = null;
    canvas.classList.remove("af-dragging");
  };
  window.addEventListener("mousemove", onMove);
  window.addEventListener("mouseup", onUp);
  canvas.addEventListener("wheel", (ev) => {
    ev.preventDefault();
    vp.userMoved = true;
    const r = canvas.getBoundingClientRect();
    view = zoomAt(view, { x: ev.clientX - r.left, y: ev.clientY - r.top }, wheelFactor(ev.deltaY));
    vp.apply();
  }, { passive: false });

  return vp;
}
