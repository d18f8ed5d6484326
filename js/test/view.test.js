import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { applyMessage, createState, parentOf, pathTo } from "../src/state.js";
import { buildView, drawnKey, foldTree, preorder, senderLabel } from "../src/view.js";
import { runBox, runGroups, runLabel } from "../src/runs.js";
import { layoutTree } from "../src/layout.js";
import { navigate } from "../src/keyboard.js";

const node = (id, parent, extra = {}) => ({ id, parent, sender: "user", kind: "message", status: "complete",
  snippet: id, n_chars: 1, reply_to: null, original: null, ...extra });
const fwd = (id, parent, original, sender, extra = {}) => node(id, parent, { kind: "forward", original, sender, ...extra });

/** The tree the nested-agent test builds (tests/test_browser.py): lead passes researcher's answer to critic,
 * critic's to summarizer, and responds with each; the kernel's ids shortened. */
function nestedState() {
  const s = createState();
  applyMessage(s, { kind: "snapshot", streams: [], nodes: [
    node("q", null),
    node("r", "q", { sender: "researcher", run: "r1" }),
    fwd("fr", "q", "r", "lead", { author: "researcher", run: "r2" }),
    node("c", "r", { sender: "critic", run: "r3" }),
    fwd("fc", "fr", "c", "lead", { author: "critic", run: "r2" }),
    fwd("fc2", "q", "c", "lead", { author: "critic" }), // the request passed to summarizer
    node("s", "fc2", { sender: "summarizer", run: "r4" }),
    fwd("fs", "fc", "s", "lead", { author: "summarizer", run: "r2" }),
  ] });
  return s;
}

describe("folded forwards", () => {
  it("draws nested agents as one chain: each forward in its original, labelled via the forwarder", () => {
    const s = nestedState();
    const v = buildView(s);
    expect([...v.nodes.keys()].sort()).toEqual(["c", "q", "r", "s"]);
    expect(v.children.get(null)).toEqual(["q"]);
    expect(pathTo(v, "s")).toEqual(["q", "r", "c", "s"]);
    expect(v.edge.get("s")).toBe("forwarded"); // s hangs under a forward of c
    expect(v.edge.get("c")).toBe(undefined); // c is r's own child
    expect(senderLabel(v, "r", v.nodes.get("r"))).toBe("researcher via lead");
    expect(senderLabel(v, "q", v.nodes.get("q"))).toBe("user");
    // selection, head and keyboard on a folded forward map to its node
    expect(drawnKey(v, "fs")).toBe("s");
    expect(drawnKey(v, "fc2")).toBe("c");
    expect(drawnKey(v, "nope")).toBe(null);
    expect(navigate(v, "s", "ArrowUp")).toBe("c");
    const lay = layoutTree(v);
    expect(lay.nodes.length).toBe(4);
    expect(lay.links.find((l) => l.target === "s")).toEqual({ source: "c", target: "s", type: "forwarded" });
  });

  it("unfolded, the view is the state itself", () => {
    const s = nestedState();
    const v = buildView(s, { fold: false });
    expect(v.nodes).toBe(s.nodes);
    expect(v.nodes.size).toBe(8);
    expect(senderLabel(v, "fr", s.nodes.get("fr"))).toBe("↪ lead (from researcher)");
    expect(layoutTree(v).extra).toContainEqual({ source: "r", target: "fr", type: "forward" });
  });

  it("a forward whose original is not in the view stays a node; a streaming forward says whose text it is", () => {
    const s = createState();
    applyMessage(s, { kind: "snapshot", nodes: [node("a", null), fwd("f", "a", "elsewhere", "lead")],
      streams: [{ key: "~1", parent: "f", sender: "lead", author: "critic", text: "" }] });
    const v = buildView(s);
    expect(v.nodes.has("f")).toBe(true);
    expect(senderLabel(v, "~1", v.nodes.get("~1"))).toBe("critic via lead");
  });

  it("every node is drawn exactly once, under a drawn parent, whatever the forwards (property)", () => {
    const arb = fc.array(fc.record({ parent: fc.nat(), forward: fc.boolean(), original: fc.nat() }), { maxLength: 60 });
    fc.assert(fc.property(arb, (spec) => {
      const nodes = [node("n0", null)];
      spec.forEach((g, i) => {
        const id = `n${i + 1}`;
        const parent = `n${g.parent % (i + 1)}`;
        nodes.push(g.forward ? fwd(id, parent, `n${g.original % (i + 1)}`, "lead") : node(id, parent));
      });
      const s = createState();
      applyMessage(s, { kind: "snapshot", nodes, streams: [] });
      const v = buildView(s);
      const order = preorder(v);
      expect(new Set(order).size).toBe(order.length);
      expect(order.length).toBe(v.nodes.size);
      for (const k of s.nodes.keys()) expect(v.nodes.has(drawnKey(v, k))).toBe(true);
      for (const k of v.nodes.keys()) {
        const p = parentOf(v, k);
        expect(p === null ? true : v.nodes.has(p)).toBe(true);
        expect(v.children.get(p)).toContain(k);
      }
      expect(v.nodes.size + v.folded.size).toBe(s.nodes.size);
    }), { numRuns: 300 });
  });

  it("folds any map of keys, breaking a cycle into roots", () => {
    const s = createState();
    applyMessage(s, { kind: "snapshot", nodes: [node("a", null), node("b", "a"), node("c", "b")], streams: [] });
    const v = foldTree(s, new Map([["b", "c"]])); // c would be its own grandchild
    expect([...v.nodes.keys()].sort()).toEqual(["a", "c"]);
    expect(preorder(v).sort()).toEqual(["a", "c"]);
  });
});

describe("runs", () => {
  it("groups each run's responses, nesting an agent that passes sub-agents' answers on", () => {
    const v = buildView(nestedState());
    const groups = runGroups(v);
    const byId = Object.fromEntries([...groups.values()].map((g) => [g.id, g]));
    expect(byId["run:r2"]).toMatchObject({ agent: "lead", keys: ["r", "c", "s"], level: 1 });
    expect(byId["run:r1"]).toMatchObject({ agent: "researcher", keys: ["r"], level: 0 });
    expect(byId["run:r4"].keys).toEqual(["s"]);
    expect(runLabel(byId["run:r2"])).toBe("▾ lead · 3");
    expect(runLabel({ ...byId["run:r2"], duration: 1.234 }, true)).toBe("▸ lead · 3 · 1.2 s");
  });

  it("without run keys, consecutive responses of one sender under one request are a group", () => {
    const s = createState();
    applyMessage(s, { kind: "snapshot", streams: [], nodes: [node("q", null), node("a1", "q", { sender: "bot" }),
      node("a2", "a1", { sender: "bot", duration_s: 2.5 }), node("u", "a2"), node("b1", "u", { sender: "bot" })] });
    const groups = [...runGroups(buildView(s)).values()];
    expect(groups.map((g) => g.keys)).toEqual([["a1", "a2"], ["b1"]]);
    expect(groups[0].duration).toBe(2.5);
  });

  it("a collapsed run is drawn as its first response; its span box pads by nesting level", () => {
    const s = nestedState();
    const groups = runGroups(buildView(s));
    const v = buildView(s, { runs: groups, collapsedRuns: new Set(["run:r2"]) });
    expect([...v.nodes.keys()].sort()).toEqual(["q", "r"]);
    expect(drawnKey(v, "s")).toBe("r");
    expect(drawnKey(v, "fs")).toBe("r");
    expect(senderLabel(v, "r", v.nodes.get("r"))).toBe("researcher via lead");
    const pos = new Map([["r", { x: 0, y: 100 }], ["c", { x: 0, y: 200 }]]);
    const inner = runBox({ keys: ["r"], level: 0 }, pos, 100, 50);
    const outer = runBox({ keys: ["r", "c"], level: 1 }, pos, 100, 50);
    expect(inner).toEqual({ x: -55, y: 86, width: 110, height: 69 });
    expect(outer.x).toBeLessThan(inner.x);
    expect(outer.y).toBeLessThan(inner.y);
    expect(outer.y + outer.height).toBeGreaterThan(250);
    expect(runBox({ keys: ["zz"], level: 0 }, pos, 100, 50)).toBe(null);
  });
});
