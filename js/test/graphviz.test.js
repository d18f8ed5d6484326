import { describe, expect, it } from "vitest";
import { instance } from "@viz-js/viz";
import { applyPositions, positionsFromJson, toDot } from "../src/gvlayout.js";
import { NODE_H, NODE_W } from "../src/layout.js";

describe("graphviz layout", () => {
  it("places a small tree with the real Graphviz engine", async () => {
    const viz = await instance();
    const keys = ["a", "b", "c", "~1"];
    const links = [{ source: "a", target: "b" }, { source: "a", target: "c" }, { source: "b", target: "~1" }];
    const dot = toDot(keys, links);
    expect(dot).toContain("n0 -> n1;");
    const pos = positionsFromJson(viz.renderJSON(dot), keys);
    expect([...pos.keys()].sort()).toEqual(["a", "b", "c", "~1"].sort());
    expect(pos.get("a").y).toBeLessThan(pos.get("b").y); // top-down
    expect(pos.get("b").y).toBeLessThan(pos.get("~1").y);
    expect(Math.abs(pos.get("b").y - pos.get("c").y)).toBeLessThan(1); // same rank
    expect(pos.get("a").y).toBeGreaterThanOrEqual(-NODE_H);
  });
});

describe("graphviz positions", () => {
  it("moves the laid-out nodes and recomputes the bounds", () => {
    const layout = { nodes: [{ key: "a", x: 0, y: 0 }, { key: "b", x: 0, y: 80 }, { key: "c", x: 5, y: 5 }],
      bounds: null, engine: "tidy" };
    applyPositions(layout, new Map([["a", { x: 100, y: 0 }], ["b", { x: 300, y: 90 }]]));
    expect(layout.nodes.map((n) => [n.x, n.y])).toEqual([[100, 0], [300, 90], [5, 5]]); // c: not placed
    expect(layout.bounds).toEqual({ x: 100 - NODE_W / 2, y: 0, width: 200 + NODE_W, height: 90 + NODE_H });
    expect(layout.engine).toBe("graphviz");
  });
});
