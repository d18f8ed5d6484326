import { describe, expect, it } from "vitest";
import { createState, applyMessage } from "../src/state.js";
import { COL_GAP, descendantCounts, GAP_Y, isMoreKey, layoutTree, moreKey, NODE_H, NODE_W, SIBLING_LIMIT,
  visibleKeys } from "../src/layout.js";
import { fitView } from "../src/tree/viewport.js";
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

/** The pairs of laid-out boxes that overlap (a sweep over the boxes sorted by top). */
function overlaps(lay) {
  const items = [...lay.nodes].sort((a, b) => a.y - b.y);
  const out = [];
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length && items[j].y < items[i].y + NODE_H; j++) {
      if (Math.abs(items[j].x - items[i].x) < NODE_W) out.push([items[i].key, items[j].key]);
    }
  }
  return out;
}

/** The zoom that fits a layout in a canvas of `size`. */
const fitZoom = (lay, size) => fitView(lay.bounds, size).k;

/** A forest of `n` conversations, each a chain of `len` messages (what a batch of debates gives). */
function chains(n, len) {
  const nodes = [];
  for (let c = 0; c < n; c++) for (let i = 0; i < len; i++) nodes.push(node(`c${c}-${i}`, i ? `c${c}-${i - 1}` : null));
  const s = createState();
  applyMessage(s, { kind: "snapshot", nodes, streams: [] });
  return s;
}

describe("layout", () => {
  it("lays out 10,000 nodes with no overlaps, wrapped or not", () => {
    const s = randomTree(10000);
    const t0 = performance.now();
    for (const size of [null, { w: 900, h: 500 }]) {
      const lay = layoutTree(s, { budget: 20000, size });
      // every node drawn, or counted in a "+k more" (siblings past a few are folded)
      let folded = 0;
      for (const item of lay.nodes) if (item.more) folded += item.more.messages;
      expect(lay.nodes.filter((n) => !n.more).length + folded).toBe(10000);
      expect(overlaps(lay)).toEqual([]);
      // every box inside the bounds
      for (const item of lay.nodes) {
        expect(item.x - NODE_W / 2).toBeGreaterThanOrEqual(lay.bounds.x);
        expect(item.x + NODE_W / 2).toBeLessThanOrEqual(lay.bounds.x + lay.bounds.width);
        expect(item.y + NODE_H).toBeLessThanOrEqual(lay.bounds.y + lay.bounds.height);
      }
    }
    expect(performance.now() - t0).toBeLessThan(10000); // generous: correctness here, speed lives in benchmarks/
  });

  it("keeps the order of existing nodes when a leaf is added: left to right, and breadth first", () => {
    const s = randomTree(300, 7);
    const order = (lay) => [...lay.nodes].sort((a, b) => a.y - b.y || a.x - b.x).map((n) => n.key);
    const before = layoutTree(s, { size: null });
    const bfs = layoutTree(s, { size: { w: 900, h: 500 } }).nodes.map((n) => n.key);
    applyMessage(s, { kind: "delta", nodes: [node("new", "n5")], streams: [], text: {}, resolved: [], ended: [] });
    expect(order(layoutTree(s, { size: null })).filter((k) => k !== "new")).toEqual(order(before));
    expect(layoutTree(s, { size: { w: 900, h: 500 } }).nodes.map((n) => n.key).filter((k) => k !== "new")).toEqual(bfs);
  });

  it("does not wrap a tree that fits at zoom 1", () => {
    const s = createState();
    applyMessage(s, { kind: "snapshot", streams: [], nodes: [node("a", null), node("b", "a"), node("c", "a")] });
    const lay = layoutTree(s, { size: { w: 900, h: 500 } });
    expect(lay.wrap).toBe(0);
    expect(lay.columns).toBe(0);
    expect(lay.links.every((l) => !l.route)).toBe(true);
    expect(lay.pos.get("b").y).toBe(lay.pos.get("c").y);
  });

  it("puts a long conversation in columns that fill a wide canvas (a debate reads at zoom 1, not as a strip)", () => {
    const s = chains(1, 15);
    const size = { w: 900, h: 465 };
    const flat = layoutTree(s, { size: null });
    const lay = layoutTree(s, { size });
    expect(fitZoom(flat, size)).toBeLessThan(0.35);
    expect(lay.columns).toBeGreaterThan(1);
    expect(fitZoom(lay, size)).toBeGreaterThanOrEqual(0.95);
    expect(overlaps(lay)).toEqual([]);
    // reading order: down each column, then the next column to the right
    const xs = [...new Set(lay.nodes.map((n) => n.x))];
    expect(xs.length).toBe(Math.ceil(15 / lay.columns));
    for (let i = 1; i < 15; i++) {
      const a = lay.pos.get(`c0-${i - 1}`), b = lay.pos.get(`c0-${i}`);
      expect(b.x > a.x || (b.x === a.x && b.y > a.y)).toBe(true);
    }
    // a link to the next column runs up the gap between them, from the side of one box into the side of the other
    const jump = lay.links.find((l) => l.route);
    const a = lay.pos.get(jump.source), b = lay.pos.get(jump.target);
    expect(jump.route[0]).toEqual({ x: a.x + NODE_W / 2, y: a.y + NODE_H / 2 });
    expect(jump.route.at(-1)).toEqual({ x: b.x - NODE_W / 2, y: b.y + NODE_H / 2 });
    expect(jump.route[1].x).toBe(b.x - NODE_W / 2 - COL_GAP / 2);
  });

  it("wraps a forest of 100 conversations into rows shaped like the canvas, not one strip", () => {
    const s = chains(100, 30);
    const size = { w: 900, h: 465 };
    const flat = layoutTree(s, { size: null });
    expect(flat.bounds.width / flat.bounds.height).toBeGreaterThan(10); // side by side: a strip
    const lay = layoutTree(s, { size });
    expect(lay.groups.length).toBe(100);
    const aspect = lay.bounds.width / lay.bounds.height;
    expect(aspect).toBeGreaterThan(size.w / size.h / 2);
    expect(aspect).toBeLessThan((size.w / size.h) * 2);
    expect(fitZoom(lay, size)).toBeGreaterThan(2.5 * fitZoom(flat, size));
    expect(overlaps(lay)).toEqual([]);
    // the conversations' blocks do not overlap either, and keep their order (rows, left to right)
    const g = lay.groups;
    for (let i = 1; i < g.length; i++) {
      expect(g[i].y > g[i - 1].y || (g[i].y === g[i - 1].y && g[i].x >= g[i - 1].x + g[i - 1].width)).toBe(true);
    }
  });

  it("wraps the children of a node with many of them in rows under it, with a trunk and a line over each row", () => {
    const nodes = [node("p", null)];
    for (let i = 0; i < 60; i++) nodes.push(node(`k${i}`, "p"));
    const s = createState();
    applyMessage(s, { kind: "snapshot", nodes, streams: [] });
    const lay = layoutTree(s, { size: { w: 900, h: 500 }, expanded: new Set(["p"]) });
    expect(lay.nodes.length).toBe(61);
    expect(lay.wrap).toBeGreaterThan(0);
    expect(new Set(lay.nodes.filter((n) => n.key !== "p").map((n) => n.y)).size).toBeGreaterThan(1);
    expect(overlaps(lay)).toEqual([]);
    const p = lay.pos.get("p");
    for (const l of lay.links) {
      const t = lay.pos.get(l.target);
      expect(l.route[0]).toEqual({ x: l.route[1].x, y: p.y + NODE_H }); // down the trunk, under the parent
      expect(l.route[0].x).toBeGreaterThan(p.x - NODE_W / 2);
      expect(l.route.at(-1)).toEqual({ x: t.x, y: t.y });
      expect(l.route.at(-2).y).toBe(t.y - GAP_Y / 2);
    }
  });

  it("folds siblings past a few into a '+k more' item, keeps the head's and the selection's, expands", () => {
    const nodes = [node("p", null)];
    for (let i = 0; i < 30; i++) nodes.push(node(`k${i}`, "p"));
    nodes.push(node("k20-child", "k20"), node("k25-child", "k25"));
    const s = createState();
    applyMessage(s, { kind: "snapshot", nodes, streams: [] });
    const lay = layoutTree(s, { size: null });
    const more = lay.pos.get(moreKey("p"));
    expect(isMoreKey(more.key)).toBe(true);
    expect(more.more).toEqual({ siblings: 30 - (SIBLING_LIMIT - 1), messages: 30 - (SIBLING_LIMIT - 1) + 2 });
    expect(lay.nodes.filter((n) => !n.more).length).toBe(1 + SIBLING_LIMIT - 1);
    expect(lay.links).toContainEqual({ source: "p", target: moreKey("p"), type: "more" });
    // the item comes last among its siblings
    const row = lay.nodes.filter((n) => n.depth === 1).sort((a, b) => a.x - b.x);
    expect(row.at(-1).key).toBe(moreKey("p"));
    // the head's and the selection's sibling are drawn, with what leads to them
    const kept = layoutTree(s, { size: null, headKey: "k20-child", keep: ["k25"] });
    for (const k of ["k20", "k20-child", "k25"]) expect(kept.pos.has(k)).toBe(true);
    expect(kept.pos.get(moreKey("p")).more.siblings).toBe(30 - (SIBLING_LIMIT - 1) - 2);
    // expanded: all of them
    const all = layoutTree(s, { size: null, expanded: new Set(["p"]) });
    expect(all.pos.has(moreKey("p"))).toBe(false);
    expect(all.nodes.length).toBe(33);
    expect(visibleKeys(s, {}).more.get("p").siblings).toBe(30 - (SIBLING_LIMIT - 1));
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
