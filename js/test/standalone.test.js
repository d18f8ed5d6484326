// The exported page's stand-in for the kernel (src/standalone.js): the embedded data read back, the replies it
// gives the front end, and the actions it refuses.
import { describe, expect, it } from "vitest";
import { expand, foldNeedle, localModel, snapshotNodes } from "../src/standalone.js";
import { nodesOfRows } from "../src/rows.js";

const A = "a".repeat(64);
const B = "b".repeat(64);
const C = "c".repeat(64);
const OUTSIDE = "d".repeat(64);
const ROCKETS = "🚀".repeat(150) + "x".repeat(100); // 250 characters, 400 UTF-16 units
// format 2 (agentforum_nb/_html.py): [id, parent, sender, kind, status, content, n_chars, extra, cut, reply_to,
// original, more_notes, metadata], trailing nulls left out
const data = {
  format: 2,
  title: "t",
  senders: ["user", "bot"],
  colours: ["#f1f5f9", "#dbeafe"],
  messages: [
    [A, OUTSIDE, 0, "message", "complete", "Rain in </script> Spain", 23],
    [B, 0, 1, "message", "complete", ROCKETS, 250, { notes: { label: "good", created_at: "2026" } }, 350, null, null,
      { custom: 1 }],
    [C, 0, 1, "forward", "complete", ROCKETS, 250, { author: "bot", choices: ["yes", "no"] }, 350, null, 1, null,
      { choices: ["yes", "no"] }],
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
  it("rebuilds the nodes the kernel made, without computing them again", () => {
    const [a, b, c] = snapshotNodes(data);
    expect(a).toEqual({ id: A, parent: OUTSIDE, sender: "user", colour: "#f1f5f9", kind: "message", status: "complete",
      snippet: "Rain in </script> Spain", n_chars: 23, reply_to: null, original: null });
    expect(b.parent).toBe(A);
    expect(b.snippet).toBe("🚀".repeat(150) + "x".repeat(50)); // cut where the row says (Python's 200 characters)
    expect(b.n_chars).toBe(250); // the kernel's count, not the 400 units of the string
    expect(b.notes).toEqual({ label: "good", created_at: "2026" });
    expect(c.author).toBe("bot");
    expect(c.choices).toEqual(["yes", "no"]);
    expect(c.original).toBe(B);
  });

  it("holds the whole message and every annotation for the details pane", () => {
    const [, b, c] = expand(data);
    expect(b.message).toEqual({ id: B, parent_id: A, reply_to_id: null, original_id: null, kind: "message",
      sender: "bot", status: "complete", content: ROCKETS, metadata: {} });
    expect(b.annotations).toEqual({ label: "good", created_at: "2026", custom: 1 });
    expect(c.message.metadata).toEqual({ choices: ["yes", "no"] });
    expect(c.annotations).toEqual({});
  });

  it("refuses data of another format", () => {
    expect(() => expand({ format: 1, messages: [] })).toThrow(/format/);
  });
});

describe("local model", () => {
  it("answers ready with a snapshot and get-message with the whole message", async () => {
    const model = localModel(data);
    let p = next(model, "snapshot");
    model.send({ kind: "ready" });
    const snap = await p;
    expect(nodesOfRows(snap).map((n) => n.id)).toEqual([A, B, C]); // the embedded rows, as a large snapshot has them
    expect(nodesOfRows(snap)).toEqual(snapshotNodes(data));
    p = next(model, "message");
    model.send({ kind: "get-message", id: B, request_id: 4 });
    const msg = await p;
    expect(msg.request_id).toBe(4);
    expect(msg.message.content).toBe(ROCKETS);
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
    const withFolds = { ...data, messages: [...data.messages, [OUTSIDE, 0, 0, "message", "complete", "STRAẞE ﬁne", 10]],
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

describe("the local kernel's table of messages", () => {
  it("refuses kinds that are not in it, also names an object has (before: 'constructor' printed a function)", async () => {
    for (const kind of ["constructor", "__proto__", "toString", "nope", 7]) {
      const model = localModel(data);
      model.send({ kind, id: B });
      await new Promise((r) => queueMicrotask(r));
      expect(model.get("error")).toBe(`this is an exported file: "${String(kind)}" needs the notebook's kernel`);
    }
  });
});
