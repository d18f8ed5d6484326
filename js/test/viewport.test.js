import { describe, expect, it } from "vitest";
import { boxInView, clampZoom, dragView, FIT_MARGIN, fitView, INITIAL_VIEW, MAX_ZOOM, MIN_ZOOM, minZoomFor, readableView,
  transformOf, wheelFactor, zoomAt } from "../src/tree/viewport.js";

// where a canvas point shows a drawing point, and back
const toScreen = (view, p) => ({ x: p.x * view.k + view.x, y: p.y * view.k + view.y });
const toWorld = (view, s) => ({ x: (s.x - view.x) / view.k, y: (s.y - view.y) / view.k });

describe("viewport math", () => {
  it("clamps the zoom", () => {
    expect(clampZoom(1)).toBe(1);
    expect(clampZoom(0)).toBe(MIN_ZOOM);
    expect(clampZoom(-3)).toBe(MIN_ZOOM);
    expect(clampZoom(1e9)).toBe(MAX_ZOOM);
    expect(clampZoom(MAX_ZOOM)).toBe(MAX_ZOOM);
  });

  it("zooms about a point, which stays where it is", () => {
    const view = { x: 30, y: -12, k: 0.8 };
    const p = { x: 250, y: 140 };
    const under = toWorld(view, p);
    for (const factor of [2, 0.5, 1.1, 1]) {
      const next = zoomAt(view, p, factor);
      expect(next.k).toBeCloseTo(0.8 * factor, 12);
      const s = toScreen(next, under);
      expect(s.x).toBeCloseTo(p.x, 9);
      expect(s.y).toBeCloseTo(p.y, 9);
    }
    expect(view).toEqual({ x: 30, y: -12, k: 0.8 }); // pure: the old view is untouched
  });

  it("clamps a zoom about a point and still keeps the point fixed", () => {
    const view = { x: 5, y: 5, k: 3 };
    const p = { x: 100, y: 60 };
    const under = toWorld(view, p);
    const near = zoomAt(view, p, 100);
    expect(near.k).toBe(MAX_ZOOM);
    expect(toScreen(near, under).x).toBeCloseTo(p.x, 9);
    const far = zoomAt(view, p, 1e-6);
    expect(far.k).toBe(MIN_ZOOM);
    expect(toScreen(far, under).y).toBeCloseTo(p.y, 9);
    // already at the limit: nothing moves
    expect(zoomAt(near, p, 2)).toEqual(near);
  });

  it("turns wheel deltas into zoom factors: down zooms out, up zooms in, symmetrically", () => {
    expect(wheelFactor(0)).toBe(1);
    expect(wheelFactor(100)).toBeLessThan(1);
    expect(wheelFactor(-100)).toBeGreaterThan(1);
    expect(wheelFactor(100) * wheelFactor(-100)).toBeCloseTo(1, 12);
    expect(wheelFactor(-120)).toBeCloseTo(Math.exp(0.18), 12);
  });

  it("drags by the pointer's movement, keeping the zoom", () => {
    const start = { x: 10, y: 20, k: 0.5 };
    expect(dragView(start, { x: 100, y: 100 }, { x: 130, y: 90 })).toEqual({ x: 40, y: 10, k: 0.5 });
    expect(dragView(start, { x: 7, y: 7 }, { x: 7, y: 7 })).toEqual(start);
  });

  it("fits wide and tall trees whole, in both directions, centred in both", () => {
    const size = { w: 800, h: 400 };
    const inside = (view, b) => {
      const l = b.x * view.k + view.x, t = b.y * view.k + view.y;
      const r = l + b.width * view.k, bottom = t + b.height * view.k;
      return { l, t, r, bottom };
    };
    const wideBox = { x: -1500, y: 0, width: 3000, height: 200 };
    const wide = fitView(wideBox, size);
    expect(wide.k).toBeCloseTo((800 - 2 * FIT_MARGIN) / 3000, 12);
    let e = inside(wide, wideBox);
    expect(e.l).toBeCloseTo(FIT_MARGIN, 9);
    expect(800 - e.r).toBeCloseTo(FIT_MARGIN, 9);
    expect(e.t).toBeCloseTo(400 - e.bottom, 9); // a wide tree sits in the middle, not in a strip at the top
    const tallBox = { x: -80, y: 0, width: 160, height: 3800 };
    const tall = fitView(tallBox, size);
    expect(tall.k).toBeCloseTo((400 - 2 * FIT_MARGIN) / 3800, 12);
    e = inside(tall, tallBox);
    expect(e.t).toBeCloseTo(FIT_MARGIN, 9);
    expect(400 - e.bottom).toBeCloseTo(FIT_MARGIN, 9);
    expect(e.l).toBeCloseTo(800 - e.r, 9);
  });

  it("fits a tree of any size: below MIN_ZOOM when it needs it, never magnifying a small one", () => {
    const size = { w: 800, h: 400 };
    const small = fitView({ x: -80, y: 0, width: 160, height: 52 }, size);
    expect(small).toEqual({ k: 1, x: 400, y: FIT_MARGIN }); // centred across, at the top where it grows
    const hugeBox = { x: 0, y: 0, width: 5e6, height: 2e4 };
    const huge = fitView(hugeBox, size);
    expect(huge.k).toBeLessThan(MIN_ZOOM);
    expect(huge.k * 5e6).toBeCloseTo(800 - 2 * FIT_MARGIN, 6);
    expect(minZoomFor(hugeBox, size)).toBeLessThan(huge.k); // the wheel can zoom out to it, and a little more
    expect(minZoomFor({ x: -80, y: 0, width: 160, height: 52 }, size)).toBe(MIN_ZOOM);
    expect(clampZoom(huge.k, minZoomFor(hugeBox, size))).toBe(huge.k);
    const empty = fitView({ x: 0, y: 0, width: 0, height: 0 }, size);
    expect(empty.k).toBe(1); // a degenerate box does not divide by zero
    expect(Number.isFinite(empty.x)).toBe(true);
  });

  it("counts a box under a panel over the canvas (the minimap) as out of view", () => {
    const view = { x: 0, y: 0, k: 1 }, size = { w: 800, h: 400 };
    const box = { x: 600, y: 300, width: 100, height: 50 };
    expect(boxInView(view, size, box, 8)).toBe(true);
    expect(boxInView(view, size, box, 8, { x: 580, y: 260, w: 212, h: 132 })).toBe(false);
    expect(boxInView(view, size, box, 8, { x: 720, y: 260, w: 72, h: 132 })).toBe(true);
  });

  it("writes the SVG transform", () => {
    expect(transformOf(INITIAL_VIEW)).toBe("translate(20,20) scale(1)");
    expect(transformOf({ x: -1.5, y: 3, k: 0.25 })).toBe("translate(-1.5,3) scale(0.25)");
  });
});

describe("readableView", () => {
  const size = { w: 600, h: 400 };
  it("fits a box that is readable whole", () => {
    const v = readableView({ x: 0, y: 0, width: 300, height: 200 }, size, 0.5);
    expect(v.k).toBeGreaterThanOrEqual(0.5);
  });
  it("shows a tall box from its top at the readable zoom, centred across", () => {
    const box = { x: 1000, y: 2000, width: 260, height: 1500 };
    const v = readableView(box, size, 0.6);
    expect(v.k).toBe(0.6);
    expect(box.y * v.k + v.y).toBeGreaterThan(0); // its top is in view
    expect(box.y * v.k + v.y).toBeLessThan(40);
    const left = box.x * v.k + v.x, right = (box.x + box.width) * v.k + v.x;
    expect(Math.abs(left - (600 - right))).toBeLessThan(1e-6); // centred
  });
  it("starts a box too wide at its left edge", () => {
    const box = { x: 0, y: 0, width: 5000, height: 3000 };
    const v = readableView(box, size, 0.6);
    expect(v.k).toBe(0.6);
    expect(v.x).toBeGreaterThan(0);
    expect(v.x).toBeLessThan(40);
  });
});
