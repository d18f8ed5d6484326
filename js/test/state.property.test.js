// Property test of state.js: random tree growth with streams (starting under stored nodes or under other
// streams, completing, resolving to a message that already exists, ending unstored), turned into the kernel's
// messages by a model of agentforum_nb/notebook/_tracker.py and cut into random deltas the way it batches them.
// Applying those deltas to a fresh state must give the same tree as applying one snapshot of the final forum.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { applyMessage, createState, pathTo } from "../src/state.js";
import { checkStructure, runScenario } from "./tracker_model.js";

const op = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant("post"), pick: fc.nat(50) }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant("start"), pick: fc.nat(50), text: fc.constantFrom("", "a", "Hi ") }), weight: 4 },
  { arbitrary: fc.record({ op: fc.constant("token"), pick: fc.nat(50), text: fc.constantFrom("x", "yz", " w") }), weight: 4 },
  { arbitrary: fc.record({ op: fc.constant("complete"), pick: fc.nat(50), dup: fc.boolean() }), weight: 4 },
  { arbitrary: fc.record({ op: fc.constant("end"), pick: fc.nat(50) }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant("flush") }), weight: 3 },
);

/** key -> {parent, pending, text} for every node, and each parent's children as a sorted list. */
function structure(state) {
  const nodes = {};
  for (const [k, n] of state.nodes) {
    nodes[k] = { parent: n.parentKey ?? null, pending: !!n.pending, text: n.pending ? n.text : null };
  }
  const children = {};
  for (const [p, list] of state.children) if (list.length) children[String(p)] = [...list].sort();
  return { nodes, children };
}

describe("state: deltas against a snapshot (property)", () => {
  it("any batching of any growth gives the snapshot's tree", () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 80 }), fc.nat(80), (ops, snapshotAt) => {
        const { messages, final } = runScenario(ops, snapshotAt);
        const live = createState();
        for (const m of messages) applyMessage(live, m);
        const fresh = createState();
        applyMessage(fresh, final);
        expect(structure(live)).toEqual(structure(fresh));
        checkStructure(live, pathTo);
      }),
      { numRuns: 400 },
    );
  });

  it("a stream whose parent was stored in the same delta goes under it (agents calling agents)", () => {
    // the nested-agent shape: ~2 follows ~1; ~1 is stored and ~2 starts in the same update
    const s = createState();
    applyMessage(s, { kind: "snapshot", nodes: [{ id: "q", parent: null, sender: "user" }],
      streams: [{ key: "~1", parent: "q", sender: "researcher", text: "facts" }] });
    applyMessage(s, { kind: "delta", nodes: [{ id: "r", parent: "q", sender: "researcher", snippet: "facts" }],
      streams: [{ key: "~2", parent: "r", sender: "critic", text: "" }, { key: "~3", parent: "~2", sender: "lead", text: "" }],
      text: { "~2": "so" }, resolved: [{ key: "~1", id: "r" }], ended: [] });
    expect(s.children.get(null)).toEqual(["q"]);
    expect(pathTo(s, "~3")).toEqual(["q", "r", "~2", "~3"]);
    expect(s.nodes.get("~2").text).toBe("so");
  });

  it("a stream naming a key resolved in the same delta follows the stored id", () => {
    const s = createState();
    applyMessage(s, { kind: "snapshot", nodes: [{ id: "q", parent: null }], streams: [] });
    // the stream ~1 was never seen by the browser: started and stored between two updates
    applyMessage(s, { kind: "delta", nodes: [{ id: "r", parent: "q" }], streams: [{ key: "~2", parent: "~1", text: "" }],
      text: {}, resolved: [{ key: "~1", id: "r" }], ended: [] });
    expect(pathTo(s, "~2")).toEqual(["q", "r", "~2"]);
    expect(s.children.get(null)).toEqual(["q"]);
  });
});
