import { describe, expect, it } from "vitest";
import { applyMessage, createState, pathTo } from "../src/state.js";

const node = (id, parent, extra = {}) => ({ id, parent, sender: "user", kind: "message", status: "complete",
  snippet: id, n_chars: id.length, reply_to: null, original: null, ...extra });

describe("state", () => {
  it("applies a snapshot in arrival order", () => {
    const s = createState();
    expect(applyMessage(s, { kind: "snapshot", nodes: [node("a", null), node("b", "a"), node("c", "a")], streams: [] }))
      .toBe("layout");
    expect(s.children.get(null)).toEqual(["a"]);
    expect(s.children.get("a")).toEqual(["b", "c"]);
    expect(pathTo(s, "c")).toEqual(["a", "c"]);
  });

  it("streams text into a pending node, then resolves it in place", () => {
    const s = createState();
    applyMessage(s, { kind: "snapshot", nodes: [node("a", null), node("x", "a")], streams: [] });
    applyMessage(s, { kind: "delta", nodes: [], streams: [{ key: "~1", parent: "a", sender: "bot", text: "He" }],
      text: {}, resolved: [], ended: [] });
    expect(s.children.get("a")).toEqual(["x", "~1"]);
    expect(applyMessage(s, { kind: "delta", nodes: [], streams: [], text: { "~1": "llo" }, resolved: [], ended: [] }))
      .toBe("text");
    expect(s.nodes.get("~1").text).toBe("Hello");
    // a second pending node chained after the first
    applyMessage(s, { kind: "delta", nodes: [], streams: [{ key: "~2", parent: "~1", sender: "bot", text: "" }],
      text: {}, resolved: [], ended: [] });
    applyMessage(s, { kind: "delta", nodes: [node("h", "a", { sender: "bot", snippet: "Hello" })], streams: [],
      text: {}, resolved: [{ key: "~1", id: "h" }], ended: [] });
    expect(s.nodes.has("~1")).toBe(false);
    expect(s.children.get("a")).toEqual(["x", "h"]);
    expect(s.children.get("h")).toEqual(["~2"]);
    expect(s.nodes.get("~2").parentKey).toBe("h");
    expect(pathTo(s, "~2")).toEqual(["a", "h", "~2"]);
  });

  it("drops ended streams and their pending children", () => {
    const s = createState();
    applyMessage(s, { kind: "snapshot", nodes: [node("a", null)],
      streams: [{ key: "~1", parent: "a", sender: "b", text: "" }, { key: "~2", parent: "~1", sender: "b", text: "" }] });
    applyMessage(s, { kind: "delta", nodes: [], streams: [], text: {}, resolved: [], ended: ["~1"] });
    expect([...s.nodes.keys()]).toEqual(["a"]);
    expect(s.children.get("a")).toEqual([]);
  });

  it("a resolved stream whose message already exists just disappears", () => {
    const s = createState();
    applyMessage(s, { kind: "snapshot", nodes: [node("a", null), node("b", "a")],
      streams: [{ key: "~1", parent: "a", sender: "b", text: "b" }] });
    applyMessage(s, { kind: "delta", nodes: [], streams: [], text: {}, resolved: [{ key: "~1", id: "b" }], ended: [] });
    expect(s.children.get("a")).toEqual(["b"]);
  });

  it("attaches a subtree root whose parent is not shown as a root", () => {
    const s = createState();
    applyMessage(s, { kind: "snapshot", nodes: [node("b", "outside"), node("c", "b")], streams: [] });
    expect(s.children.get(null)).toEqual(["b"]);
    expect(s.children.get("b")).toEqual(["c"]);
  });

  it("ignores garbage", () => {
    const s = createState();
    expect(applyMessage(s, null)).toBe(null);
    expect(applyMessage(s, { kind: "unknown" })).toBe(null);
  });
});
