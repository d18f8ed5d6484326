// @vitest-environment happy-dom
// The ChatView's inline editor ("edit") and the answer box of a waiting question (ctx.ask): their DOM, the
// messages they send, and that everything in them is text.
import { describe, expect, it } from "vitest";
import chat from "../src/chat.js";
import { createAnswerBox, createEditor, editMessage, editable } from "../src/chat/inputs.js";
import { answerMessage, questionOf } from "../src/shared/answer.js";
import { messageView } from "../src/chat/view.js";

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
  };
}

const node = (id, parent, sender, text, extra = {}) => ({
  id, parent, sender, text, snippet: text.slice(0, 200), n_chars: text.length, kind: "message", status: "complete",
  reply_to: null, original: null, ...extra,
});

const LONG = "Plan a trip to Italy. " + "Mention the trains, the food and the museums. ".repeat(10); // > 200 chars
const XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';

function mount(nodes, head, alternatives = {}) {
  const model = fakeModel({ head_id: head, error: "", agents: ["bot"] });
  const host = document.createElement("div");
  document.body.append(host);
  const cleanup = chat.render({ model, el: host });
  model.emit({ kind: "snapshot", nodes, streams: [], alternatives });
  const row = (key) => host.querySelector(`.af-chat-msg[data-key="${key}"]`);
  const sent = () => model.sent.filter((m) => m.kind !== "ready");
  return { model, host, cleanup, row, sent };
}

function key(target, k, extra = {}) {
  target.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true, ...extra }));
}

function type(area, text) {
  area.value = text;
  area.dispatchEvent(new Event("input", { bubbles: true }));
}

describe("what a row offers", () => {
  it("edit on stored messages but errors; an answer box while an agent waits", () => {
    expect(editable(node("a", null, "user", "x"))).toBe(true);
    expect(editable(node("a", null, "bot", "x", { kind: "forward" }))).toBe(true);
    expect(editable(node("a", null, "bot", "Boom", { kind: "error" }))).toBe(false);
    expect(editable({ key: "~1", id: null, pending: true, text: "" })).toBe(false);
    const q = node("q", "u", "bot", "Which city?", { notes: { awaiting: "user" }, choices: ["Paris", 3, " ", "Rome"] });
    expect(questionOf(q)).toEqual({ choices: ["Paris", "Rome"] });
    expect(questionOf({ ...q, choices: undefined })).toEqual({ choices: [] });
    expect(questionOf({ ...q, notes: {} })).toBe(null); // answered: no box
    expect(questionOf({ ...q, notes: { awaiting: "someone" } })).toBe(null);
    expect(questionOf(node("x", null, "bot", "hi"))).toBe(null);
    expect(messageView(q, new Map(), new Set(), { edit: true }).question).toEqual({ choices: ["Paris", "Rome"] });
    expect(messageView(node("e", "q", "user", "x", { notes: { edited_from: "d" } }), new Map(), new Set()).tags).toEqual(["edited"]);
    expect(editMessage("i", "t")).toEqual({ kind: "edit", id: "i", text: "t" });
    expect(answerMessage("i", "t")).toEqual({ kind: "answer", id: "i", text: "t" });
  });
});

describe("the inline editor", () => {
  const NODES = [node("q", null, "user", "question"), node("a", "q", "bot", "answer"), node("u", "a", "user", LONG)];

  it("opens on the message's whole text; Ctrl+Enter saves it as {kind: edit, id, text}", () => {
    const { row, sent, cleanup } = mount(NODES, "u");
    row("u").querySelector("button[data-action=edit]").click();
    const area = row("u").querySelector("textarea.af-chat-edit-text");
    expect(area.value).toBe(LONG); // the full text, not the 200-character snippet
    expect(document.activeElement).toBe(area);
    expect(row("u").querySelector(".af-chat-text")).toBe(null); // the editor takes the text's place
    expect(row("u").querySelector("button[data-action=edit]")).toBe(null);
    expect(row("u").classList.contains("af-chat-editing")).toBe(true);
    expect(sent()).toEqual([]); // opening is the browser's own business
    type(area, "Plan a trip to Spain.");
    key(area, "Enter"); // a plain Enter is a new line
    expect(sent()).toEqual([]);
    key(area, "Enter", { ctrlKey: true });
    expect(sent()).toEqual([{ kind: "edit", id: "u", text: "Plan a trip to Spain." }]);
    const save = row("u").querySelector("button.af-chat-save");
    expect(save.disabled).toBe(true); // waiting for the kernel
    expect(save.textContent).toBe("saving…");
    key(area, "Enter", { metaKey: true });
    expect(sent().length).toBe(1); // not twice
    cleanup();
  });

  it("goes away once the branch moves to the edit; the edit's arrows show", () => {
    const { model, row, host, cleanup } = mount(NODES, "u");
    row("u").querySelector("button[data-action=edit]").click();
    type(row("u").querySelector("textarea"), "Spain instead");
    row("u").querySelector("button.af-chat-save").click();
    expect(model.sent.at(-1)).toEqual({ kind: "edit", id: "u", text: "Spain instead" });
    const edited = node("u2", "a", "user", "Spain instead", { notes: { edited_from: "u" } });
    model.set("head_id", "u2");
    model.emit({ kind: "snapshot", nodes: [NODES[0], NODES[1], edited], streams: [], alternatives: { a: ["a"], u2: ["u", "u2"] } });
    expect(host.querySelector(".af-chat-editor")).toBe(null);
    expect(row("u2").querySelector(".af-chat-text").textContent).toBe("Spain instead");
    expect(row("u2").querySelector(".af-chat-pos").textContent).toBe("2/2");
    expect([...row("u2").querySelectorAll(".af-chat-tag")].map((t) => t.textContent)).toEqual(["edited"]);
    // back on the original: it shows its text, no editor
    model.set("head_id", "u");
    model.emit({ kind: "snapshot", nodes: NODES, streams: [], alternatives: { u: ["u", "u2"] } });
    expect(row("u").querySelector(".af-chat-text").textContent).toBe(LONG.trim());
    expect(host.querySelector(".af-chat-editor")).toBe(null);
    cleanup();
  });

  it("Esc or cancel closes it and sends nothing; an unchanged text is a cancel, a blank one is refused", () => {
    const { row, sent, cleanup } = mount(NODES, "u");
    row("a").querySelector("button[data-action=edit]").click(); // an agent's message can be edited too
    key(row("a").querySelector("textarea"), "Escape");
    expect(row("a").querySelector("textarea")).toBe(null);
    expect(row("a").querySelector(".af-chat-text").textContent).toBe("answer");
    row("a").querySelector("button[data-action=edit]").click();
    row("a").querySelector("button.af-chat-cancel").click();
    expect(row("a").querySelector("textarea")).toBe(null);
    row("a").querySelector("button[data-action=edit]").click();
    key(row("a").querySelector("textarea"), "Enter", { ctrlKey: true }); // nothing changed
    expect(row("a").querySelector("textarea")).toBe(null);
    row("a").querySelector("button[data-action=edit]").click();
    type(row("a").querySelector("textarea"), "   \n ");
    row("a").querySelector("button.af-chat-save").click();
    expect(row("a").querySelector("textarea")).not.toBe(null);
    expect(row("a").querySelector(".af-chat-edit-note").textContent).toContain("type some text");
    expect(sent()).toEqual([]);
    cleanup();
  });

  it("keeps what was typed (and the focus) while the transcript redraws; an error lets it be used again", () => {
    const { model, row, cleanup } = mount(NODES, "u", { a: ["a"] });
    row("a").querySelector("button[data-action=edit]").click();
    const area = row("a").querySelector("textarea");
    type(area, "a better answer");
    // an answer streaming in below, then another branch growing next to the row being edited (rebuilds it)
    model.emit({ kind: "delta", nodes: [], streams: [{ key: "~1", parent: "u", sender: "bot", text: "Hel" }], text: {}, resolved: [], ended: [] });
    model.emit({ kind: "delta", nodes: [], streams: [], text: { "~1": "lo" }, resolved: [], ended: [] });
    model.emit({ kind: "alternatives", alternatives: { a: ["a", "b"] } });
    expect(row("a").querySelector(".af-chat-pos").textContent).toBe("1/2");
    expect(row("a").querySelector("textarea")).toBe(area);
    expect(area.value).toBe("a better answer");
    expect(document.activeElement).toBe(area);
    row("a").querySelector("button.af-chat-save").click();
    expect(model.sent.at(-1)).toEqual({ kind: "edit", id: "a", text: "a better answer" });
    expect(area.readOnly).toBe(true);
    model.set("error", "edit needs some text");
    expect(area.readOnly).toBe(false);
    expect(row("a").querySelector("button.af-chat-save").disabled).toBe(false);
    expect(area.value).toBe("a better answer");
    cleanup();
  });

  it("holds hostile text as text", () => {
    const { row, host, cleanup } = mount([node("x", null, "user", XSS)], "x");
    row("x").querySelector("button[data-action=edit]").click();
    expect(row("x").querySelector("textarea").value).toBe(XSS);
    expect(host.querySelectorAll("img, script").length).toBe(0);
    expect(window.__xss).toBe(undefined);
    cleanup();
  });

  it("a standalone editor: the save and cancel callbacks", () => {
    const saved = [];
    let cancelled = 0;
    const ed = createEditor("m", "old", { onSave: (t) => saved.push(t), onCancel: () => cancelled++ });
    ed.textarea.value = "new";
    ed.el.querySelector("button.af-chat-save").click();
    expect(saved).toEqual(["new"]);
    expect(ed.busy).toBe(true);
    ed.fail();
    expect(ed.busy).toBe(false);
    ed.el.querySelector("button.af-chat-cancel").click();
    expect(cancelled).toBe(1);
  });
});

describe("the answer box", () => {
  const Q = node("q", "u", "bot", "Which city?", { notes: { awaiting: "user" }, choices: ["Paris", "Rome"] });
  const NODES = [node("u", null, "user", "Plan a weekend"), Q];

  it("shows a button per choice and a text input under a waiting question", () => {
    const { row, sent, cleanup } = mount(NODES, "q");
    const box = row("q").querySelector(".af-chat-answer");
    expect([...box.querySelectorAll("button.af-chat-choice")].map((b) => b.textContent)).toEqual(["Paris", "Rome"]);
    expect(box.querySelector("input.af-chat-answer-text").placeholder).toBe("or type an answer");
    expect(row("q").querySelector(".af-chat-waiting").textContent).toBe("waiting for your answer");
    expect(row("u").querySelector(".af-chat-answer")).toBe(null);
    box.querySelectorAll("button.af-chat-choice")[1].click();
    expect(sent()).toEqual([{ kind: "answer", id: "q", text: "Rome" }]);
    expect([...box.querySelectorAll("button")].every((b) => b.disabled)).toBe(true); // sent: waiting
    box.querySelectorAll("button.af-chat-choice")[0].click();
    expect(sent().length).toBe(1);
    cleanup();
  });

  it("sends typed text with Enter or send; an error lets it answer again", () => {
    const { model, row, sent, cleanup } = mount([NODES[0], { ...Q, choices: undefined }], "q");
    const box = row("q").querySelector(".af-chat-answer");
    expect(box.querySelectorAll("button.af-chat-choice").length).toBe(0);
    const input = box.querySelector("input");
    expect(input.placeholder).toBe("your answer");
    key(input, "Enter"); // empty: nothing to send
    expect(sent()).toEqual([]);
    input.value = "Lisbon";
    key(input, "Enter");
    expect(sent()).toEqual([{ kind: "answer", id: "q", text: "Lisbon" }]);
    expect(input.readOnly).toBe(true);
    model.set("error", "that question was answered already");
    expect(input.readOnly).toBe(false);
    input.value = "Porto";
    box.querySelector("button.af-chat-send").click();
    expect(sent().at(-1)).toEqual({ kind: "answer", id: "q", text: "Porto" });
    cleanup();
  });

  it("survives redraws with what was typed, and goes once the question stops waiting", () => {
    const { model, row, host, cleanup } = mount(NODES, "q");
    const box = row("q").querySelector(".af-chat-answer");
    box.querySelector("input").value = "half typed";
    model.emit({ kind: "alternatives", alternatives: { q: ["q", "q2"] } }); // the row is rebuilt
    expect(row("q").querySelector(".af-chat-answer")).toBe(box);
    expect(box.querySelector("input").value).toBe("half typed");
    // answered elsewhere (another widget, forum.post): the annotation update arrives as a node delta
    model.emit({ kind: "delta", nodes: [{ ...Q, notes: { created_at: "2026-01-01T00:00:00.000Z" } }], streams: [], text: {}, resolved: [], ended: [] });
    expect(host.querySelector(".af-chat-answer")).toBe(null);
    expect(row("q").querySelector(".af-chat-waiting")).toBe(null);
    expect(row("q").classList.contains("af-chat-question")).toBe(false);
    cleanup();
  });

  it("sets choices as text", () => {
    const box = createAnswerBox("q", { choices: [XSS] }, { onSend: () => {} });
    expect(box.el.querySelector("button.af-chat-choice").textContent).toBe(XSS);
    expect(box.el.querySelectorAll("img, script").length).toBe(0);
  });
});
