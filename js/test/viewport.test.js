import { describe, expect, it } from "vitest";
import { clampZoom, dragView, fitView, FIT_MIN_ZOOM, INITIAL_VIEW, MAX_ZOOM, MIN_ZOOM, transformOf, wheelFactor,
  zoomAt } from "../src/tree/viewport.js";

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

  it("fits wide and tall trees inside the canvas, centred, 10 px from the top", () => {
    const size = { w: 800, h: 400 };
    const wide = fitView({ x: -1500, y: 0, width: 3000, height: 200 }, size);
    expect(wide.k).toBeCloseTo(780 / 3000, 12);
    expect(wide.y).toBe(10);
    const left = -1500 * wide.k + wide.x;
    const right = 1500 * wide.k + wide.x;
    expect(left).toBeCloseTo(800 - right, 9); // centred
    expect(left).toBeGreaterThanOrEqual(0);
    const tall = fitView({ x: -80, y: 0, width: 160, height: 3800 }, size);
    expect(tall.k).toBeCloseTo(380 / 3800, 12);
    expect(3800 * tall.k + tall.y).toBeLessThanOrEqual(400);
  });

  it("does not magnify a small tree, and never shrinks below the minimum", () => {
    const size = { w: 800, h: 400 };
    const small = fitView({ x: -80, y: 0, width: 160, height: 52 }, size);
    expect(small).toEqual({ k: 1, x: 400, y: 10 }); // centre x = 0 shown mid-canvas
    const huge = fitView({ x: 0, y: 0, width: 1e6, height: 1e6 }, size);
    expect(huge.k).toBe(FIT_MIN_ZOOM);
    const empty = fitView({ x: 0, y: 0, width: 0, height: 0 }, size);
    expect(empty.k).toBe(1); // a degenerate box does not divide by zero
    expect(Number.isFinite(empty.x)).toBe(true);
  });

  it("writes the SVG transform", () => {
    expect(transformOf(INITIAL_VIEW)).toBe("translate(20,20) scale(1)");
    expect(transformOf({ x: -1.5, y: 3, k: 0.25 })).toBe("translate(-1.5,3) scale(0.25)");
  });
});
