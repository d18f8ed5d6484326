import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { createIndex, findByPrefix } from "../src/tree/spatial.js";
import { boxInView, centreView, containsRect, growRect, toDrawing, visibleRect, wheelZooms } from "../src/tree/viewport.js";
import { minimapTransform, shade } from "../src/tree/minimap.js";
import { draggedHeight, MAX_HEIGHT, MIN_HEIGHT } from "../src/tree/sizing.js";

const toScreen = (view, p) => ({ x: p.x * view.k + view.x, y: p.y * view.k + view.y });

describe("viewport math: what is in view, centring", () => {
  it("finds the drawing rectangle in view and grows it", () => {
    const view = { x: 100, y: 50, k: 0.5 };
    expect(visibleRect(view, { w: 800, h: 400 })).toEqual({ x0: -200, y0: -100, x1: 1400, y1: 700 });
    expect(growRect({ x0: 0, y0: 0, x1: 100, y1: 10 }, 0.5)).toEqual({ x0: -50, y0: -5, x1: 150, y1: 15 });
    expect(containsRect({ x0: 0, y0: 0, x1: 10, y1: 10 }, { x0: 1, y0: 1, x1: 9, y1: 9 })).toBe(true);
    expect(containsRect({ x0: 0, y0: 0, x1: 10, y1: 10 }, { x0: 1, y0: 1, x1: 11, y1: 9 })).toBe(false);
  });

  it("tells whether a box is wholly in view", () => {
    const size = { w: 800, h: 400 };
    const view = { x: 0, y: 0, k: 1 };
    expect(boxInView(view, size, { x: 10, y: 10, width: 100, height: 50 })).toBe(true);
    expect(boxInView(view, size, { x: 750, y: 10, width: 100, height: 50 })).toBe(false);
    expect(boxInView(view, size, { x: 10, y: 10, width: 100, height: 50 }, 20)).toBe(false);
    expect(boxInView({ x: -1000, y: 0, k: 1 }, size, { x: 10, y: 10, width: 100, height: 50 })).toBe(false);
  });

  it("centres a point at any zoom, and maps canvas points back (property)", () => {
    fc.assert(fc.property(fc.double({ min: -1e5, max: 1e5, noNaN: true }), fc.double({ min: -1e5, max: 1e5, noNaN: true }),
      fc.double({ min: 0.02, max: 4, noNaN: true }), (x, y, k) => {
        const size = { w: 900, h: 500 };
        const v = centreView({ x: 3, y: 4, k: 1 }, { x, y }, size, k);
        const s = toScreen(v, { x, y });
        expect(s.x).toBeCloseTo(450, 6);
        expect(s.y).toBeCloseTo(250, 6);
        const back = toDrawing(v, s);
        expect(back.x).toBeCloseTo(x, 6);
        expect(back.y).toBeCloseTo(y, 6);
      }));
    expect(centreView({ x: 0, y: 0, k: 0.7 }, { x: 0, y: 0 }, { w: 100, h: 100 }).k).toBe(0.7); // keeps the zoom
  });

  it("zooms with the wheel only with Ctrl / ⌘ or once the widget is engaged", () => {
    expect(wheelZooms({}, false)).toBe(false);
    expect(wheelZooms({ ctrlKey: true }, false)).toBe(true);
    expect(wheelZooms({ metaKey: true }, false)).toBe(true);
    expect(wheelZooms({}, true)).toBe(true);
  });

  it("fits the whole tree in the minimap, centred", () => {
    const t = minimapTransform({ x: -1000, y: 0, width: 2000, height: 100 }, { w: 180, h: 110 }, 4);
    expect(t.s).toBeCloseTo(172 / 2000, 12);
    expect(-1000 * t.s + t.ox).toBeCloseTo(4, 9);
    expect(1000 * t.s + t.ox).toBeCloseTo(176, 9);
    const mid = 50 * t.s + t.oy;
    expect(mid).toBeCloseTo(55, 9); // vertically centred
  });

  it("shades the minimap's colours darker", () => {
    expect(shade("#ffffff", 0.5)).toBe("#808080");
    expect(shade("#eef2f7", 1)).toBe("#eef2f7");
    expect(shade("#000000")).toBe("#000000");
  });

  it("resizes by the handle's drag, within limits", () => {
    expect(draggedHeight(500, 100, 180)).toBe(580);
    expect(draggedHeight(500, 100, -1000)).toBe(MIN_HEIGHT);
    expect(draggedHeight(500, 0, 1e6)).toBe(MAX_HEIGHT);
  });
});

describe("spatial index", () => {
  const W = 100, H = 40;
  const layout = { nodes: [] };
  for (let i = 0; i < 400; i++) layout.nodes.push({ key: `k${i}`, x: (i % 20) * 150, y: Math.floor(i / 20) * 80 });
  const index = createIndex(layout, W, H);
  const meets = (it, r) => it.x + W / 2 >= r.x0 && it.x - W / 2 <= r.x1 && it.y + H >= r.y0 && it.y <= r.y1;

  it("finds exactly the boxes meeting a rectangle (property)", () => {
    fc.assert(fc.property(fc.integer({ min: -500, max: 3500 }), fc.integer({ min: -500, max: 2000 }),
      fc.integer({ min: 0, max: 4000 }), fc.integer({ min: 0, max: 3000 }), (x, y, w, h) => {
        const r = { x0: x, y0: y, x1: x + w, y1: y + h };
        const got = index.within(r).map((it) => it.key).sort();
        const want = layout.nodes.filter((it) => meets(it, r)).map((it) => it.key).sort();
        expect(got).toEqual(want);
      }), { numRuns: 200 });
  });

  it("finds the node under a point, with some slack for tiny boxes", () => {
    expect(index.at(150, 100).key).toBe("k21"); // x 150 = column 1, y 80..120 = row 1
    expect(index.at(95, 100)).toBe(null); // between two boxes
    expect(index.at(95, 100, 10).key).toBe("k21");
  });
});

describe("jump to an id prefix", () => {
  const ids = ["ab12cd" + "0".repeat(58), "ab12ce" + "1".repeat(58), "ffffff" + "2".repeat(58), "~3"];
  it("selects the one id with the prefix, any case", () => {
    expect(findByPrefix(ids, "AB12CD")).toEqual({ key: ids[0] });
    expect(findByPrefix(ids, "  ffffff22 ")).toEqual({ key: ids[2] });
  });
  it("says what is wrong otherwise", () => {
    expect(findByPrefix(ids, "ab12c").error).toMatch(/at least 6/);
    expect(findByPrefix(ids, "ab12c0").error).toMatch(/no message id starts with ab12c0/);
    expect(findByPrefix(["ab12cd1", "ab12cd2"], "ab12cd").error).toMatch(/more than one/);
    expect(findByPrefix(ids, "zz12cd").error).toMatch(/hexadecimal/);
    expect(findByPrefix(ids, "~3xxxx").error).toMatch(/hexadecimal/);
  });
});
