// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";
import chat, { FOLLOW_HINT, HINT, actionMessage, followBar, transcriptKeys } from "../src/chat.js";
import { alternativeArrows, applyAlternatives, arrowLabel } from "../src/chat/branches.js";
import { DETAIL_OPEN, buildRow, detailIsShort, messageView } from "../src/chat/view.js";
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
  alternatives: { a2: ["a1", "a2", "a3"], u: ["u"] },
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
    expect(alternativeArrows(map, "b")).toEqual({ index: 2, count: 3, prev: "a", next: "c" });
    expect(arrowLabel(alternativeArrows(map, "b"))).toBe("2/3");
    const first = new Map([["a", ["a", "b"]]]);
    expect(alternativeArrows(first, "a")).toEqual({ index: 1, count: 2, prev: null, next: "b" });
    expect(alternativeArrows(new Map([["b", ["a", "b"]]]), "b")).toEqual({ index: 2, count: 2, prev: "a", next: null });
    expect(alternativeArrows(map, "only")).toBe(null); // no alternatives: no arrows
    expect(alternativeArrows(map, "unknown")).toBe(null);
    expect(alternativeArrows(new Map([["x", ["a", "b"]]]), "x")).toBe(null); // not in its own list
    expect(alternativeArrows(map, null)).toBe(null);
  });

  it("takes the snapshot's alternatives, then merges updates, ignoring bad data", () => {
    const map = new Map([["old", ["old", "x"]]]);
    expect(applyAlternatives(map, SNAPSHOT)).toBe(true);
    expect([...map.keys()]).toEqual(["a2", "u"]);
    expect(applyAlternatives(map, { kind: "alternatives", alternatives: { a2: ["a1", "a2", "a3", "a4"], bad: [1, 2], worse: "x" } })).toBe(true);
    expect(map.get("a2")).toEqual(["a1", "a2", "a3", "a4"]);
    expect(map.has("bad") || map.has("worse")).toBe(false);
    expect(applyAlternatives(map, { kind: "delta" })).toBe(false);
    expect(applyAlternatives(map, null)).toBe(false);
    expect(applyAlternatives(map, { kind: "snapshot", nodes: [] })).toBe(true); // no alternatives at all
    expect(map.size).toBe(0);
  });

  it("a button's message: switch to the arrow's alternative or regenerate the row's message (edit opens an editor)", () => {
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

  it("draws ‹ 2/3 › on a message with alternatives; an arrow asks to switch; counts follow updates", () => {
    const { model, row, cleanup } = mount();
    model.emit(SNAPSHOT);
    expect(row("q").querySelector(".af-chat-branches")).toBe(null);
    expect(row("u").querySelector(".af-chat-branches")).toBe(null); // an only child
    const box = row("a2").querySelector(".af-chat-branches");
    expect(box.textContent).toBe("‹2/3›");
    box.querySelector("button[data-action=next]").click();
    box.querySelector("button[data-action=prev]").click();
    expect(model.sent.slice(1)).toEqual([{ kind: "switch", id: "a3" }, { kind: "switch", id: "a1" }]);
    model.emit({ kind: "alternatives", alternatives: { a2: ["a1", "a2", "a3", "a4"] } }); // another branch grew
    expect(row("a2").querySelector(".af-chat-pos").textContent).toBe("2/4");
    cleanup();
  });

  it("disables the arrow at either end", () => {
    const { model, row, cleanup } = mount({ head_id: "a1" });
    model.emit({ ...SNAPSHOT, nodes: [SNAPSHOT.nodes[0], node("a1", "q", "bot", "first")], alternatives: { a1: ["a1", "a2"] } });
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
    model.emit({ kind: "snapshot", nodes: [node("x", null, XSS, XSS + " [a](javascript:alert(1))")], streams: [], alternatives: {} });
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

  it("shows a forward as its author's message passed on via its sender, and cached answers", () => {
    const v = messageView(
      node("f", "q", "relay", "t", { kind: "forward", author: "bot", cached: true, colour: "#111111", author_colour: "#dbeafe" }),
      new Map(), new Set(),
    );
    expect([v.label, v.via, v.colour]).toEqual(["bot", "relay", "#dbeafe"]);
    expect(v.tags).toEqual(["cached"]);
    const row = buildRow(v);
    expect(row.querySelector(".af-chat-who").textContent).toBe("bot");
    expect(row.querySelector(".af-chat-via").textContent).toBe("via relay");
    const own = messageView(node("m", "q", "bot", "t", { colour: "#111111", author_colour: "#dbeafe" }), new Map(), new Set());
    expect([own.label, own.via, own.colour]).toEqual(["bot", "", "#111111"]); // not a forward: its sender's colour
    expect(buildRow(own).querySelector(".af-chat-via")).toBe(null);
    const unknown = messageView(node("g", "q", "relay", "t", { kind: "forward" }), new Map(), new Set());
    expect([unknown.label, unknown.via]).toEqual(["relay", "relay"]); // the original is not known here
    const streaming = messageView({ key: "~3", id: null, parent: "q", sender: "relay", author: "bot", pending: true, text: "" }, new Map(), new Set());
    expect([streaming.label, streaming.via]).toEqual(["bot", "relay"]); // a sequence passed on while it streams
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

describe("a debate's arrows, error details and following the latest run", () => {
  // motion -> pro#0, fwd(pro#0) by the moderator, pro#1, fwd(pro#1): the kernel groups a forward with its original
  const debate = {
    kind: "snapshot",
    nodes: [
      node("m", null, "user", "Motion: cats"),
      node("f0", "m", "moderator", "Cats are great.", { kind: "forward", original: "p0", author: "pro" }),
    ],
    streams: [],
    alternatives: { m: ["m"], f0: ["f0", "f1"] },
  };

  it("draws the kernel's alternatives as they are: pro 1/2 for two samples, forwards not counted", () => {
    const { model, row, cleanup } = mount({ head_id: "f0", agents: [] });
    model.emit(debate);
    const r = row("f0");
    expect(r.querySelector(".af-chat-who").textContent).toBe("pro");
    expect(r.querySelector(".af-chat-via").textContent).toBe("via moderator");
    expect(r.querySelector(".af-chat-pos").textContent).toBe("1/2");
    expect(row("m").querySelector(".af-chat-branches")).toBe(null);
    r.querySelector("button[data-action=next]").click();
    expect(model.sent[model.sent.length - 1]).toEqual({ kind: "switch", id: "f1" });
    // an edited root: the kernel sends the root's alternatives (the original and its edit)
    model.emit({ kind: "alternatives", alternatives: { m: ["m", "m2"] } });
    expect(row("m").querySelector(".af-chat-pos").textContent).toBe("1/2");
    row("m").querySelector("button[data-action=next]").click();
    expect(model.sent[model.sent.length - 1]).toEqual({ kind: "switch", id: "m2" });
    cleanup();
  });

  it("shows an error's detail under its text, as text, folded when long", () => {
    const XSS = '<img src=x onerror="window.__xss=3">';
    expect(detailIsShort('{"error": "bad key"}')).toBe(true);
    expect(detailIsShort("x".repeat(DETAIL_OPEN.chars + 1))).toBe(false);
    expect(detailIsShort("a\nb\nc\nd\ne")).toBe(false);
    const long = JSON.stringify({ error: { message: XSS, type: "invalid_request_error", param: "messages" } }, null, 2) + "\n".repeat(6);
    const { model, row, cleanup } = mount({ head_id: "e2", agents: [] });
    model.emit({
      kind: "snapshot",
      nodes: [
        node("q", null, "user", "hi"),
        node("e1", "q", "bot", "AgentError: 401", { kind: "error", error_detail: XSS }),
        node("e2", "e1", "bot", "AgentError: 400", { kind: "error", error_detail: long }),
        node("e3", "q", "bot", "fine", { error_detail: "not an error: never shown" }),
      ],
      streams: [],
      alternatives: {},
    });
    const short = row("e1").querySelector("details.af-chat-detail");
    expect(short.open).toBe(true);
    expect(short.querySelector("pre").textContent).toBe(XSS);
    expect(row("e1").querySelector(".af-chat-text").textContent).toBe("AgentError: 401"); // under the error text
    const folded = row("e2").querySelector("details.af-chat-detail");
    expect(folded.open).toBe(false);
    expect(folded.querySelector("summary").textContent).toMatch(/^error detail \(\d+ lines, \d+ characters\)$/);
    expect(folded.querySelector("pre").textContent).toBe(long);
    expect(document.querySelectorAll(".af-chat img").length).toBe(0);
    expect(window.__xss).toBe(undefined);
    model.set("head_id", "e3");
    expect(row("e3").querySelector("details")).toBe(null);
    cleanup();
  });

  it("an unlinked view says it follows the latest run, and its button turns that off and on", () => {
    expect(followBar({ linked: true, follow_latest: false })).toBe(null);
    expect(followBar({ linked: false, follow_latest: true })).toMatchObject({ text: "following the latest run", on: false });
    expect(followBar({ linked: false, follow_latest: false })).toMatchObject({ text: "", on: true });
    const { model, host, cleanup } = mount({ head_id: "", agents: [], linked: false, follow_latest: true });
    const bar = host.querySelector(".af-chat-bar");
    expect(bar.hidden).toBe(false);
    expect(bar.querySelector(".af-chat-following").textContent).toBe("following the latest run");
    expect(host.querySelector(".af-chat-hint").textContent).toBe(FOLLOW_HINT);
    bar.querySelector("button").click();
    expect(model.sent[model.sent.length - 1]).toEqual({ kind: "follow", on: false });
    model.set("follow_latest", false);
    expect(bar.querySelector(".af-chat-following").hidden).toBe(true);
    expect(bar.querySelector("button").textContent).toBe("follow the latest run");
    expect(host.querySelector(".af-chat-hint").textContent).toBe(HINT);
    bar.querySelector("button").click();
    expect(model.sent[model.sent.length - 1]).toEqual({ kind: "follow", on: true });
    model.set("linked", true);
    expect(bar.hidden).toBe(true);
    cleanup();
  });
});
