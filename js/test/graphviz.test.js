import { describe, expect, it } from "vitest";
import { instance } from "@viz-js/viz";
import { positionsFromJson, toDot } from "../src/gvlayout.js";
import { NODE_H } from "../src/layout.js";

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
