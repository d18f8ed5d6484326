import { describe, expect, it } from "vitest";
import { createState, applyMessage } from "../src/state.js";
import { descendantCounts, layoutTree, visibleKeys } from "../src/layout.js";
import { navigate, rememberPath } from "../src/keyboard.js";

const node = (id, parent) => ({ id, parent, sender: "s", kind: "message", status: "complete", snippet: "",
  n_chars: 0, reply_to: null, original: null });

function randomTree(n, seed = 1) {
  let x = seed;
  const rnd = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
  const nodes = [node("n0", null)];
  for (let i = 1; i < n; i++) nodes.push(node(`n${i}`, `n${Math.floor(rnd() * i)}`));
  const s = createState();
  applyMessage(s, { kind: "snapshot", nodes, streams: [] });
  return s;
}

describe("layout", () => {
  it("lays out 10,000 nodes with no overlaps on a level", () => {
    const s = randomTree(10000);
    const t0 = performance.now();
    const lay = layoutTree(s, { budget: 20000 });
    const ms = performance.now() - t0;
    expect(lay.nodes.length).toBe(10000);
    const byDepth = new Map();
    for (const item of lay.nodes) {
      if (!byDepth.has(item.depth)) byDepth.set(item.depth, []);
      byDepth.get(item.depth).push(item.x);
    }
    for (const xs of byDepth.values()) {
      xs.sort((a, b) => a - b);
      for (let i = 1; i < xs.length; i++) expect(xs[i] - xs[i - 1]).toBeGreaterThanOrEqual(150);
    }
    expect(ms).toBeLessThan(5000); // generous: correctness here, speed lives in benchmarks/
  });

  it("keeps the left-to-right order of existing nodes when a leaf is added", () => {
    const s = randomTree(300, 7);
    const order = (lay) => [...lay.nodes].sort((a, b) => a.y - b.y || a.x - b.x).map((n) => n.key);
    const before = order(layoutTree(s));
    applyMessage(s, { kind: "delta", nodes: [node("new", "n5")], streams: [], text: {}, resolved: [], ended: [] });
    const after = order(layoutTree(s)).filter((k) => k !== "new");
    expect(after).toEqual(before);
  });

  it("deep chains do not recurse", () => {
    const nodes = [node("c0", null)];
    for (let i = 1; i < 20000; i++) nodes.push(node(`c${i}`, `c${i - 1}`));
    const s = createState();
    applyMessage(s, { kind: "snapshot", nodes, streams: [] });
    expect(descendantCounts(s).get("c0")).toBe(19999);
    expect(layoutTree(s, { budget: 100000 }).nodes.length).toBe(20000);
  }, 30_000); // d3-hierarchy's heights are quadratic in a chain's depth: seconds on a busy 2-core machine

  it("collapsed subtrees are hidden and counted", () => {
    const s = createState();
    applyMessage(s, { kind: "snapshot", streams: [],
      nodes: [node("a", null), node("b", "a"), node("c", "b"), node("d", "b"), node("e", "a")] });
    const { visible, hidden } = visibleKeys(s, { collapsed: new Set(["b"]) });
    expect([...visible].sort()).toEqual(["a", "b", "e"]);
    expect(hidden.get("b")).toBe(2);
  });

  it("above the budget only the head's neighbourhood is drawn", () => {
    const s = randomTree(5000, 3);
    const head = "n4999";
    const { visible, hidden, focused } = visibleKeys(s, { headKey: head, budget: 300 });
    expect(focused).toBe(true);
    expect(visible.size).toBeLessThanOrEqual(300);
    let k = head;
    while (k) {
      expect(visible.has(k)).toBe(true);
      k = s.nodes.get(k).parentKey;
    }
    expect([...hidden.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });

  it("draws forward and reply edges between visible nodes", () => {
    const s = createState();
    applyMessage(s, { kind: "snapshot", streams: [], nodes: [node("a", null), node("b", "a"),
      { ...node("f", "b"), kind: "forward", original: "a" }, { ...node("r", "a"), reply_to: "b" }] });
    const lay = layoutTree(s);
    expect(lay.extra).toEqual(expect.arrayContaining([{ source: "a", target: "f", type: "forward" },
      { source: "r", target: "b", type: "reply" }]));
  });
});

describe("keyboard", () => {
  it("moves to parent, last visited child and siblings", () => {
    const s = createState();
    applyMessage(s, { kind: "snapshot", streams: [],
      nodes: [node("a", null), node("b", "a"), node("c", "a"), node("d", "c")] });
    const last = new Map();
    expect(navigate(s, null, "ArrowDown", last)).toBe("a");
    expect(navigate(s, "a", "ArrowDown", last)).toBe("b");
    expect(navigate(s, "b", "ArrowRight", last)).toBe("c");
    expect(navigate(s, "c", "ArrowRight", last)).toBe("c");
    expect(navigate(s, "c", "ArrowLeft", last)).toBe("b");
    expect(navigate(s, "c", "ArrowUp", last)).toBe("a");
    expect(navigate(s, "a", "ArrowDown", last)).toBe("c"); // the last visited child
    rememberPath(s, "d", last);
    expect(navigate(s, "c", "ArrowDown", last)).toBe("d");
  });
});
