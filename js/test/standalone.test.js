// The exported page's stand-in for the kernel (src/standalone.js): the embedded data read back, the replies it
// gives the front end, and the actions it refuses.
import { describe, expect, it } from "vitest";
import { callOf, compactJson, expand, foldNeedle, localModel, nodeOf } from "../src/standalone.js";

const A = "a".repeat(64);
const B = "b".repeat(64);
const C = "c".repeat(64);
const OUTSIDE = "d".repeat(64);
const data = {
  format: 1,
  title: "t",
  senders: ["user", "bot"],
  colours: ["#f1f5f9", "#dbeafe"],
  messages: [
    [A, OUTSIDE, 0, "message", "complete", "Rain in </script> Spain"],
    [B, 0, 1, "message", "complete", "x".repeat(250), null, null, { label: "good", created_at: "2026", custom: 1 }],
    [C, 0, 1, "forward", "complete", "x".repeat(250), null, 1, null, { choices: ["yes", "no"] }],
  ],
};

function next(model, kind) {
  return new Promise((resolve) => {
    const fn = (content) => {
      if (content.kind === kind) {
        model.off("msg:custom", fn);
        resolve(content);
      }
    };
    model.on("msg:custom", fn);
  });
}

describe("standalone data", () => {
  it("expands indexes back to ids", () => {
    const [a, b, c] = expand(data);
    expect(a.parent_id).toBe(OUTSIDE);
    expect(b.parent_id).toBe(A);
    expect(c.original_id).toBe(B);
    expect(b.sender).toBe("bot");
    expect(b.annotations.custom).toBe(1);
    expect(a.annotations).toEqual({});
  });

  it("builds the live widget's node shape", () => {
    const msgs = expand(data);
    const byId = new Map(msgs.map((m) => [m.id, m]));
    const b = nodeOf(msgs[1], byId);
    expect(b.snippet.length).toBe(200);
    expect(b.n_chars).toBe(250);
    expect(b.notes).toEqual({ label: "good", created_at: "2026" });
    const c = nodeOf(msgs[2], byId);
    expect(c.author).toBe("bot");
    expect(c.choices).toEqual(["yes", "no"]);
    expect(nodeOf(msgs[0], byId).notes).toBeUndefined();
  });

  it("mirrors the kernel's tool fields: calls with compact JSON arguments (at most 120 characters), results", () => {
    expect(compactJson({ a: 2, b: [1, "x"], c: { d: null } })).toBe('{"a": 2, "b": [1, "x"], "c": {"d": null}}');
    expect(compactJson("é\n")).toBe('"é\\n"');
    const m = (metadata, content = "") => ({ id: A, parent_id: null, reply_to_id: null, original_id: null, sender: "bot",
      colour: "#fff", kind: "message", status: "complete", content, annotations: {}, metadata });
    const ask = nodeOf(m({ tool_calls: [{ id: "c1", name: "add", arguments: { a: 2, b: 3 } },
      { id: "c2", name: "big", arguments: { text: "x".repeat(200) } }, "not a call"] }), new Map());
    expect(ask.tool_calls[0]).toEqual({ id: "c1", name: "add", arguments: '{"a": 2, "b": 3}' });
    expect(ask.tool_calls[1].arguments.length).toBe(120);
    expect(ask.tool_calls[1].arguments.endsWith("…")).toBe(true);
    expect(ask.tool_calls.length).toBe(2);
    expect(callOf({ name: "f" })).toEqual({ id: "", name: "f", arguments: "" });
    expect(nodeOf(m({ tool_call_id: "c1" }, "5"), new Map()).tool_result).toEqual({ call_id: "c1" });
    expect(nodeOf(m({ tool_call_id: "c2", tool_error: "builtins.RuntimeError" }), new Map()).tool_result)
      .toEqual({ call_id: "c2", error: "builtins.RuntimeError" });
    const plain = nodeOf(m({ tool_calls: [] }), new Map());
    expect(plain.tool_calls).toBeUndefined();
    expect(plain.tool_result).toBeUndefined();
  });

  it("refuses data of another format", () => {
    expect(() => expand({ format: 2, messages: [] })).toThrow(/format/);
  });
});

describe("local model", () => {
  it("answers ready with a snapshot and get-message with the whole message", async () => {
    const model = localModel(data);
    let p = next(model, "snapshot");
    model.send({ kind: "ready" });
    const snap = await p;
    expect(snap.nodes.map((n) => n.id)).toEqual([A, B, C]);
    p = next(model, "message");
    model.send({ kind: "get-message", id: B, request_id: 4 });
    const msg = await p;
    expect(msg.request_id).toBe(4);
    expect(msg.message.content).toBe("x".repeat(250));
    expect(msg.message.parent_id).toBe(A);
    expect(msg.annotations.custom).toBe(1);
    expect(msg.message.colour).toBeUndefined();
  });

  it("searches the whole text, case-insensitively", async () => {
    const model = localModel(data);
    const p = next(model, "search-result");
    model.send({ kind: "search", text: "RAIN", request_id: 1 });
    expect(await p).toEqual({ kind: "search-result", request_id: 1, text: "RAIN", ids: [A], total: 1 });
  });

  it("searches as Python's casefold does: folded texts come with the data, the typed text is folded", async () => {
    const withFolds = { ...data, messages: [...data.messages, [OUTSIDE, 0, 0, "message", "complete", "STRAẞE ﬁne"]],
      folded: { 3: "strasse fine" } };
    for (const typed of ["strasse", "Straße", "STRASSE FI"]) {
      const model = localModel(withFolds);
      const p = next(model, "search-result");
      model.send({ kind: "search", text: typed, request_id: 2 });
      expect((await p).ids).toEqual([OUTSIDE]);
    }
    expect(foldNeedle("Straße ﬂ ς")).toBe("strasse fl σ");
  });

  it("sets traits with change events and refuses what needs a kernel", async () => {
    const model = localModel(data);
    const seen = [];
    model.on("change:selected_id", (_m, v) => seen.push(v));
    model.send({ kind: "select", id: B });
    model.send({ kind: "select", id: "nope" });
    model.send({ kind: "branch", id: B, text: "hi" });
    await new Promise((r) => queueMicrotask(r));
    expect(seen).toEqual([B]);
    expect(model.get("error")).toMatch(/exported file: branching needs the notebook's kernel/);
    expect(model.get("readonly")).toBe(true);
  });
});
