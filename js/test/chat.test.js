// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";
import chat, { HINT, actionMessage, transcriptKeys } from "../src/chat.js";
import { applySiblings, arrowLabel, siblingArrows } from "../src/chat/branches.js";
import { buildRow, messageView } from "../src/chat/view.js";
import { applyMessage, createState } from "../src/state.js";

function fakeModel(traits) {
  const handlers = new Map();
  const sent = [];
  return {
    sent,
    get: (k) => traits[k],
    set(k, v) {
      traits[k] = v;
      for (const f of handlers.get(`change:${k}`) || []) f();
    },
    send: (msg) => sent.push(msg),
    on(ev, f) { handlers.set(ev, [...(handlers.get(ev) || []), f]); },
    off(ev, f) { handlers.set(ev, (handlers.get(ev) || []).filter((g) => g !== f)); },
    emit(msg) { for (const f of handlers.get("msg:custom") || []) f(msg); },
    count: () => [...handlers.values()].reduce((n, l) => n + l.length, 0),
  };
}

const node = (id, parent, sender, text, extra = {}) => ({
  id, parent, sender, text, snippet: text.slice(0, 200), n_chars: text.length, kind: "message", status: "complete",
  reply_to: null, original: null, ...extra,
});

// q -> a1, a2, a3; the branch shown: q, a2, u (a2 -> u)
const SNAPSHOT = {
  kind: "snapshot",
  nodes: [node("q", null, "user", "question"), node("a2", "q", "bot", "answer **two**"), node("u", "a2", "user", "more?")],
  streams: [],
  siblings: { a2: ["a1", "a2", "a3"], u: ["u"] },
};

function mount(traits = {}) {
  const model = fakeModel({ head_id: "u", error: "", agents: ["bot"], ...traits });
  const host = document.createElement("div");
  document.body.append(host);
  const cleanup = chat.render({ model, el: host });
  return { model, host, cleanup, row: (key) => host.querySelector(`.af-chat-msg[data-key="${key}"]`) };
}

describe("branch arrows (logic)", () => {
  it("gives position, count and the neighbours to switch to", () => {
    const map = new Map([["b", ["a", "b", "c"]], ["only", ["only"]]]);
    expect(siblingArrows(map, "b")).toEqual({ index: 2, count: 3, prev: "a", next: "c" });
    expect(arrowLabel(siblingArrows(map, "b"))).toBe("2/3");
    const first = new Map([["a", ["a", "b"]]]);
    expect(siblingArrows(first, "a")).toEqual({ index: 1, count: 2, prev: null, next: "b" });
    expect(siblingArrows(new Map([["b", ["a", "b"]]]), "b")).toEqual({ index: 2, count: 2, prev: "a", next: null });
    expect(siblingArrows(map, "only")).toBe(null); // no siblings: no arrows
    expect(siblingArrows(map, "unknown")).toBe(null);
    expect(siblingArrows(new Map([["x", ["a", "b"]]]), "x")).toBe(null); // not in its own list
    expect(siblingArrows(map, null)).toBe(null);
  });

  it("takes the snapshot's siblings, then merges updates, ignoring bad data", () => {
    const map = new Map([["old", ["old", "x"]]]);
    expect(applySiblings(map, SNAPSHOT)).toBe(true);
    expect([...map.keys()]).toEqual(["a2", "u"]);
    expect(applySiblings(map, { kind: "siblings", siblings: { a2: ["a1", "a2", "a3", "a4"], bad: [1, 2], worse: "x" } })).toBe(true);
    expect(map.get("a2")).toEqual(["a1", "a2", "a3", "a4"]);
    expect(map.has("bad") || map.has("worse")).toBe(false);
    expect(applySiblings(map, { kind: "delta" })).toBe(false);
    expect(applySiblings(map, null)).toBe(false);
    expect(applySiblings(map, { kind: "snapshot", nodes: [] })).toBe(true); // an old kernel: no siblings at all
    expect(map.size).toBe(0);
  });

  it("a button's message: switch to the arrow's sibling or regenerate the row's message (edit opens an editor)", () => {
    const view = messageView({ ...SNAPSHOT.nodes[1], key: "a2" }, new Map([["a2", ["a1", "a2", "a3"]]]), new Set(["bot"]), { edit: true, regenerate: true });
    const row = buildRow(view);
    const msg = (action) => actionMessage(row.querySelector(`button[data-action=${action}]`));
    expect(msg("prev")).toEqual({ kind: "switch", id: "a1" });
    expect(msg("next")).toEqual({ kind: "switch", id: "a3" });
    expect(msg("regenerate")).toEqual({ kind: "regenerate", id: "a2" });
    expect(msg("edit")).toBe(null); // the browser opens the editor; saving it sends the message
    expect(messageView({ ...SNAPSHOT.nodes[1], key: "a2" }, new Map(), new Set(), { edit: false, regenerate: false }).edit).toBe(false);
  });
});

describe("ChatView", () => {
  it("shows a hint when there is no head, and the transcript once there is", () => {
    const { model, host, cleanup } = mount({ head_id: "" });
    const hint = host.querySelector(".af-chat-hint");
    expect(hint.textContent).toBe(HINT);
    expect(HINT).toContain("check out a message in the TreeView, or pass head=");
    expect(hint.hidden).toBe(false);
    expect(model.sent).toEqual([{ kind: "ready" }]);
    model.emit(SNAPSHOT);
    expect(host.querySelectorAll(".af-chat-msg").length).toBe(0);
    model.set("head_id", "u");
    expect(hint.hidden).toBe(true);
    expect([...host.querySelectorAll(".af-chat-msg")].map((r) => r.getAttribute("data-key"))).toEqual(["q", "a2", "u"]);
    cleanup();
  });

  it("draws ‹ 2/3 › on a message with siblings; an arrow asks to switch; counts follow updates", () => {
    const { model, row, cleanup } = mount();
    model.emit(SNAPSHOT);
    expect(row("q").querySelector(".af-chat-branches")).toBe(null);
    expect(row("u").querySelector(".af-chat-branches")).toBe(null); // an only child
    const box = row("a2").querySelector(".af-chat-branches");
    expect(box.textContent).toBe("‹2/3›");
    box.querySelector("button[data-action=next]").click();
    box.querySelector("button[data-action=prev]").click();
    expect(model.sent.slice(1)).toEqual([{ kind: "switch", id: "a3" }, { kind: "switch", id: "a1" }]);
    model.emit({ kind: "siblings", siblings: { a2: ["a1", "a2", "a3", "a4"] } }); // another branch grew
    expect(row("a2").querySelector(".af-chat-pos").textContent).toBe("2/4");
    cleanup();
  });

  it("disables the arrow at either end", () => {
    const { model, row, cleanup } = mount({ head_id: "a1" });
    model.emit({ ...SNAPSHOT, nodes: [SNAPSHOT.nodes[0], node("a1", "q", "bot", "first")], siblings: { a1: ["a1", "a2"] } });
    const prev = row("a1").querySelector("button[data-action=prev]");
    expect(prev.disabled).toBe(true);
    prev.click();
    expect(model.sent).toEqual([{ kind: "ready" }]);
    expect(row("a1").querySelector("button[data-action=next]").disabled).toBe(false);
    cleanup();
  });

  it("offers regenerate for the linked tree's agents only, and edit on every stored message", () => {
    const { model, row, host, cleanup } = mount();
    model.emit(SNAPSHOT);
    expect(row("a2").querySelector("button[data-action=regenerate]")).not.toBe(null);
    expect(row("u").querySelector("button[data-action=regenerate]")).toBe(null); // the user is not an agent
    expect(row("q").querySelector("button[data-action=regenerate]")).toBe(null);
    expect(host.querySelectorAll("button[data-action=edit]").length).toBe(3);
    row("a2").querySelector("button[data-action=regenerate]").click();
    expect(model.sent[model.sent.length - 1]).toEqual({ kind: "regenerate", id: "a2" });
    model.set("agents", []);
    expect(row("a2").querySelector("button[data-action=regenerate]")).toBe(null);
    cleanup();
  });

  it("streams a pending answer live, as markdown, and marks how messages ended", () => {
    const { model, row, cleanup } = mount();
    model.emit(SNAPSHOT);
    const kept = row("a2");
    model.emit({ kind: "delta", nodes: [], streams: [{ key: "~1", parent: "u", sender: "bot", text: "Hel" }], text: {}, resolved: [], ended: [] });
    const pending = row("~1");
    expect(pending.classList.contains("af-chat-pending")).toBe(true);
    expect(pending.querySelector(".af-chat-tag").textContent).toBe("streaming…");
    expect(pending.querySelector(".af-chat-text").textContent).toBe("Hel");
    expect(pending.querySelector("button")).toBe(null); // nothing to switch to or regenerate yet
    model.emit({ kind: "delta", nodes: [], streams: [], text: { "~1": "lo *world*\n```\ncode\n```" }, resolved: [], ended: [] });
    expect(row("~1").querySelector(".af-chat-text em").textContent).toBe("world");
    expect(row("~1").querySelector("pre code").textContent).toBe("code");
    expect(row("a2")).toBe(kept); // rows that did not change are kept as they are
    model.emit({
      kind: "delta", nodes: [node("c", "u", "bot", "Hello *world*", { status: "cancelled" })], streams: [], text: {},
      resolved: [{ key: "~1", id: "c" }], ended: [],
    });
    model.set("head_id", "c");
    expect(row("~1")).toBe(null);
    expect(row("c").classList.contains("af-chat-cancelled")).toBe(true);
    expect(row("c").querySelector(".af-chat-tag").textContent).toBe("cancelled");
    for (const [extra, cls, tag] of [[{ status: "failed" }, "af-chat-failed", "failed"], [{ kind: "error" }, "af-chat-error", "error"]]) {
      model.emit({ kind: "delta", nodes: [node("c", "u", "bot", "x", extra)], streams: [], text: {}, resolved: [], ended: [] });
      expect(row("c").classList.contains(cls)).toBe(true);
      expect(row("c").querySelector(".af-chat-tag").textContent).toBe(tag);
    }
    cleanup();
  });

  it("shows the error trait, and sets every text as text", () => {
    const XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';
    const { model, host, cleanup } = mount({ head_id: "x", agents: [XSS] });
    model.emit({ kind: "snapshot", nodes: [node("x", null, XSS, XSS + " [a](javascript:alert(1))")], streams: [], siblings: {} });
    model.set("error", XSS);
    expect(host.querySelector(".af-chat-error").textContent).toBe(XSS);
    expect(host.querySelector(".af-chat-error").hidden).toBe(false);
    expect(host.querySelector(".af-chat-who").textContent).toBe(XSS);
    expect(host.querySelectorAll("img, script, a").length).toBe(0);
    expect(window.__xss).toBe(undefined);
    model.set("error", "");
    expect(host.querySelector(".af-chat-error").hidden).toBe(true);
    cleanup();
  });

  it("labels forwards with their author, and cached answers", () => {
    const v = messageView(node("f", "q", "relay", "t", { kind: "forward", author: "bot", cached: true }), new Map(), new Set());
    expect(v.label).toBe("relay (forwarded from bot)");
    expect(v.tags).toEqual(["cached"]);
  });

  it("cleans up its listeners", () => {
    const { model, host, cleanup } = mount();
    expect(model.count()).toBeGreaterThanOrEqual(4); // its four, and the watch for the kernel's first answer
    cleanup();
    expect(model.count()).toBe(0);
    expect(host.querySelector(".af-chat")).toBe(null);
  });

  it("transcriptKeys: the path to the head, then the pending answers that continue it", () => {
    const state = createState();
    applyMessage(state, SNAPSHOT);
    applyMessage(state, { kind: "delta", streams: [{ key: "~1", parent: "u", sender: "bot", text: "" }, { key: "~2", parent: "a2", sender: "bot", text: "" }] });
    expect(transcriptKeys(state, "u")).toEqual(["q", "a2", "u", "~1"]);
    expect(transcriptKeys(state, "")).toEqual([]);
  });
});
