// @vitest-environment happy-dom
// Richer messages in the TreeView: the details pane's attachments (thumbnails, downloads), the reasoning's fold
// (live while the answer streams, its open state kept), the cost among the annotations, in the subtree's totals, in
// the status line and in a comparison's sides; the shared parts they use (shared/attachments.js, reasoning.js,
// cost.js) and the exported page's stand-in kernel answering get-attachment.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import tree from "../src/tree.js";
import { attachmentsKey, callsText, createDetails, paneAnnotationRows, reasoningOf } from "../src/tree/details.js";
import { subtreeTotals, totalsText } from "../src/tree/annotate.js";
import { compareView, sideTotals } from "../src/tree/compare.js";
import { createState, applyMessage } from "../src/state.js";
import { attachmentLabel, attachmentsElement, attachmentsOf, createAttachmentStore, isImage, sizeText }
  from "../src/shared/attachments.js";
import { reasoningFold, reasoningSummary, updateReasoning } from "../src/shared/reasoning.js";
import { costLine, costOf, costText } from "../src/shared/cost.js";
import { localModel } from "../src/standalone.js";

const SHA_PNG = "a".repeat(64);
const SHA_SVG = "b".repeat(64);
const SHA_CSV = "c".repeat(64);
const PNG = { sha256: SHA_PNG, media_type: "image/png", size: 68, name: "dot.png" };
const SVG = { sha256: SHA_SVG, media_type: "image/svg+xml", size: 90, name: "evil.svg" };
const CSV = { sha256: SHA_CSV, media_type: "text/csv", size: 12345, name: "data.csv" };

let blobs = 0;
beforeAll(() => {
  // happy-dom has no blob URLs: count them instead
  URL.createObjectURL = () => `blob:test/${++blobs}`;
  URL.revokeObjectURL = () => {};
});

function fakeModel(traits) {
  const handlers = new Map();
  const sent = [];
  return {
    sent, traits,
    get: (k) => traits[k],
    set(k, v) {
      if (traits[k] === v) return;
      traits[k] = v;
      for (const f of handlers.get(`change:${k}`) || []) f();
    },
    save_changes() {},
    send(m) { sent.push(m); },
    on(ev, f) { handlers.set(ev, [...(handlers.get(ev) || []), f]); },
    off(ev, f) { handlers.set(ev, (handlers.get(ev) || []).filter((g) => g !== f)); },
    emit(ev, ...args) { for (const f of handlers.get(ev) || []) f(...args); },
  };
}

const node = (id, parent, extra = {}) => ({ id, parent, sender: "user", kind: "message", status: "complete",
  snippet: `text of ${id}`, n_chars: 9, reply_to: null, original: null, ...extra });
const delta = (d) => ({ kind: "delta", nodes: [], streams: [], text: {}, resolved: [], ended: [], ...d });
const settle = () => new Promise((r) => setTimeout(r, 0));

let mounted = [];
afterEach(() => {
  for (const c of mounted) c();
  mounted = [];
});

function mount(snapshot) {
  const host = document.createElement("div");
  document.body.append(host);
  const model = fakeModel({ agents: ["bot"], error: "", notice: "", head_id: "", selected_id: "", budget: 2000,
    mode: "tidy" });
  const cleanup = tree.render({ model, el: host });
  mounted.push(() => {
    try { cleanup(); } catch { /* already */ }
    host.remove();
  });
  model.emit("msg:custom", snapshot);
  const q = (s) => host.querySelector(s);
  const click = (target) => target.dispatchEvent(new MouseEvent("click", { bubbles: true, cancelable: true, button: 0 }));
  return { host, model, q, click, g: (k) => q(`g.af-node[data-key="${k}"]`) };
}

describe("the shared parts", () => {
  it("cost: sums, text, the total's line", () => {
    expect(costText(0)).toBe("$0");
    expect(costText(0.000412)).toBe("$0.000412");
    expect(costText(0.0123456)).toBe("$0.0123");
    expect(costText(1.256)).toBe("$1.26");
    expect(costText(Number.NaN)).toBe("$0");
    const c = costOf([{ notes: { cost_usd: 0.01 } }, { notes: { cost_usd: 0.0025 } }, { notes: {} }, undefined,
      { notes: { cost_usd: "1" } }, { notes: { cost_usd: -1 } }]);
    expect(c).toEqual({ total: 0.0125, priced: 2, count: 5 });
    expect(costLine(c)).toBe("cost $0.0125 (2 priced answers)");
    expect(costLine({ total: 0.5, priced: 1 })).toBe("cost $0.5 (1 priced answer)");
    expect(costLine({ total: 0, priced: 0 })).toBe("");
  });

  it("attachments: which are images, sizes, labels, malformed descriptors skipped", () => {
    expect(isImage("image/PNG")).toBe(true);
    expect(isImage("image/svg+xml")).toBe(true);
    expect(isImage("text/html")).toBe(false);
    expect(isImage(undefined)).toBe(false);
    expect([sizeText(812), sizeText(1400), sizeText(12345), sizeText(3.2e6), sizeText(-4)])
      .toEqual(["812 B", "1.4 KB", "12 KB", "3.2 MB", "0 B"]);
    expect(attachmentsOf([PNG, { sha256: "x", media_type: "image/png" }, null, { sha256: SHA_CSV }, CSV]))
      .toEqual([PNG, CSV]);
    expect(attachmentsOf("no")).toEqual([]);
    expect(attachmentLabel({ ...PNG, name: null })).toBe(`image ${SHA_PNG.slice(0, 8)}`);
    expect(attachmentLabel({ ...CSV, name: "" })).toBe(`file ${SHA_CSV.slice(0, 8)}`);
  });

  it("the store asks the kernel once per sha256 and turns its answer into a blob URL", async () => {
    const model = fakeModel({});
    const store = createAttachmentStore(model);
    const one = store.url(PNG);
    expect(store.url({ ...PNG, name: "again" })).toBe(one);
    expect(model.sent).toEqual([{ kind: "get-attachment", sha256: SHA_PNG, request_id: expect.any(String) }]);
    expect(store.handle({ kind: "attachment", request_id: "someone else's" })).toBe(false);
    expect(store.handle({ kind: "message" })).toBe(false);
    expect(store.handle({ kind: "attachment", request_id: model.sent[0].request_id, sha256: SHA_PNG, data: "iVBORw==" }))
      .toBe(true);
    expect(await one).toMatch(/^blob:/);
    const late = store.url(CSV);
    store.destroy();
    await expect(late).rejects.toThrow("closed");
  });

  it("images are <img> elements only (an SVG too: never inlined), other files named downloads", async () => {
    const model = fakeModel({});
    const store = createAttachmentStore(model);
    const box = attachmentsElement(document, [PNG, SVG, CSV], store);
    expect(attachmentsElement(document, [], store)).toBe(null);
    expect(box.querySelectorAll("button.af-att-thumb img").length).toBe(2);
    expect(box.querySelector("svg")).toBe(null);
    const link = box.querySelector("a.af-att-file");
    expect(link.getAttribute("download")).toBe("data.csv");
    expect(link.textContent).toBe("⤓ data.csv (12 KB)");
    for (const m of model.sent) store.handle({ kind: "attachment", request_id: m.request_id, sha256: m.sha256, data: "" });
    await settle();
    expect([...box.querySelectorAll("img")].every((i) => i.src.startsWith("blob:"))).toBe(true);
    expect(link.href).toMatch(/^blob:/);
    // a click enlarges the image over the page; a click on the overlay closes it
    box.querySelector("button.af-att-thumb").click();
    const overlay = document.querySelector(".af-att-overlay");
    expect(overlay.querySelector("img").src).toMatch(/^blob:/);
    overlay.click();
    expect(document.querySelector(".af-att-overlay")).toBe(null);
    store.destroy();
  });

  it("the reasoning's fold: text only, grown in place, its open state kept", () => {
    expect(reasoningFold(document, "", false)).toBe(null);
    expect(reasoningSummary("one two three", true)).toBe("reasoning… (3 words so far)");
    expect(reasoningSummary("one", false)).toBe("reasoning (1 word, 3 characters)");
    const fold = reasoningFold(document, "<b>not bold</b>", true);
    expect(fold.querySelector("b")).toBe(null);
    expect(fold.querySelector(".af-reasoning-text").textContent).toBe("<b>not bold</b>");
    expect(fold.classList.contains("af-reasoning-live")).toBe(true);
    fold.open = true;
    updateReasoning(fold, "<b>not bold</b> and more", false);
    expect(fold.open).toBe(true);
    expect(fold.classList.contains("af-reasoning-live")).toBe(false);
    expect(fold.querySelector("summary").textContent).toBe("reasoning (4 words, 24 characters)");
  });
});

describe("the details pane's pure parts", () => {
  it("annotations: the reasoning left to its fold, the cost in dollars", () => {
    expect(paneAnnotationRows({ reasoning: "long thoughts", cost_usd: 0.0123456, tokens: 12, label: "x" }))
      .toEqual([["cost", "$0.0123"], ["tokens", "12"], ["label", "x"]]);
    expect(paneAnnotationRows({ cost_usd: "odd" })).toEqual([["cost_usd", "odd"]]);
    // who was asked with this request, as people read it; signed reasoning blocks counted, not dumped
    const calls = [{ agent: "moderator", version: "code:1", kwargs: {}, sample: 0, by: "user" },
      { agent: "pro", version: "scripted:2", kwargs: { style: "terse" }, sample: 1, by: "moderator" }];
    expect(callsText(calls)).toBe('moderator (asked by user); pro (asked by moderator, sample 1, {"style":"terse"})');
    expect(paneAnnotationRows({ calls, reasoning_blocks: [{ type: "thinking" }] })).toEqual([
      ["calls", 'moderator (asked by user); pro (asked by moderator, sample 1, {"style":"terse"})'],
      ["reasoning_blocks", "1 signed block, sent back to the provider"],
    ]);
    expect(paneAnnotationRows(null)).toEqual([]);
    expect(reasoningOf({ reasoning: "r" })).toBe("r");
    expect(reasoningOf({ reasoning: 3 })).toBe("");
    expect(reasoningOf(undefined)).toBe("");
    expect(attachmentsKey([PNG, { sha256: "bad" }, CSV])).toBe(`${SHA_PNG},${SHA_CSV}`);
    expect(attachmentsKey(undefined)).toBe("");
  });

  it("a subtree's totals sum the cost when an answer was priced", () => {
    const s = createState();
    applyMessage(s, { kind: "snapshot", streams: [{ key: "~1", parent: "a", sender: "bot", text: "" }],
      nodes: [node("a", null), node("b", "a", { notes: { cost_usd: 0.01, tokens: 3 } }),
        node("c", "b", { notes: { cost_usd: 0.0025 } }), node("d", "a", { notes: { tokens: 2 } })] });
    const t = subtreeTotals(s, "a");
    expect(t).toEqual({ messages: 4, duration_s: 0, tokens: 5, cost_usd: 0.0125, priced: 2 });
    expect(totalsText(t)).toBe("4 messages · 0 s · 5 tokens · $0.0125");
    expect(subtreeTotals(s, "d")).toEqual({ messages: 1, duration_s: 0, tokens: 2 });
    expect(totalsText(subtreeTotals(s, "d"))).toBe("1 message · 0 s · 2 tokens");
  });

  it("a comparison's side shows its cost when one of its answers was priced", () => {
    const v = compareView({ rows: [], sides: [
      { head: "x", messages: 2, duration_s: 1, tokens: 10, cost_usd: 0.0042, priced: 2 },
      { head: "y", messages: 1, duration_s: 0, tokens: 1, cost_usd: null, priced: 0 },
      { head: "z", messages: 1, duration_s: 0, tokens: 1, cost_usd: "free" }] });
    expect(v.sides.map(sideTotals)).toEqual(["2 messages · 1.0 s · 10 tokens · $0.0042",
      "1 message · 0 s · 1 token", "1 message · 0 s · 1 token"]);
    // a comparison made before sides had costs
    expect(sideTotals(compareView({ rows: [], left: { head: "x", messages: 1 }, right: {} }).left))
      .toBe("1 message · 0 s · 0 tokens");
  });
});

describe("the TreeView's details pane", () => {
  it("shows a stored message's reasoning folded, its cost, and its attachments (bytes asked once)", async () => {
    const { model, q, click, g } = mount({ kind: "snapshot", streams: [], nodes: [node("a", null),
      node("b", "a", { sender: "bot", notes: { cost_usd: 0.0123 }, attachments: [PNG, SVG, CSV] })] });
    click(g("b"));
    const ask = model.sent.filter((m) => m.kind === "get-message").at(-1);
    const reply = { kind: "message", request_id: ask.request_id,
      message: { id: "b", sender: "bot", content: "Here.", attachments: [PNG, SVG, CSV] },
      annotations: { reasoning: "I thought <i>hard</i>.", cost_usd: 0.0123 } };
    model.emit("msg:custom", reply);
    const fold = q(".af-details details.af-reasoning");
    expect(fold.open).toBe(false);
    expect(fold.querySelector(".af-reasoning-text").textContent).toBe("I thought <i>hard</i>.");
    expect(q(".af-details i")).toBe(null);
    const rows = [...q(".af-details dl.af-annots").querySelectorAll("dt")].map((dt) => dt.textContent);
    expect(rows).toEqual(["cost"]);
    expect(q(".af-details dl.af-annots dd").textContent).toBe("$0.0123");
    expect(q(".af-details .af-slot-attach .af-section").textContent).toBe("3 attachments");
    expect(q(".af-details").querySelectorAll("img").length).toBe(2);
    expect(q(".af-details .af-slot-attach svg")).toBe(null);
    const wanted = model.sent.filter((m) => m.kind === "get-attachment");
    expect(wanted.map((m) => m.sha256)).toEqual([SHA_PNG, SHA_SVG, SHA_CSV]);
    for (const m of wanted) model.emit("msg:custom", { kind: "attachment", request_id: m.request_id, sha256: m.sha256, data: "" });
    await settle();
    expect([...q(".af-details").querySelectorAll("img")].every((i) => i.src.startsWith("blob:"))).toBe(true);
    // the message sent again (an annotation): the fold stays open, the thumbnails stay, no bytes asked again
    fold.open = true;
    const img = q(".af-details img");
    model.emit("msg:custom", delta({ nodes: [node("b", "a", { sender: "bot", notes: { cost_usd: 0.0123, label: "ok" },
      attachments: [PNG, SVG, CSV] })] }));
    const again = model.sent.filter((m) => m.kind === "get-message").at(-1);
    expect(again.request_id).not.toBe(ask.request_id);
    model.emit("msg:custom", { ...reply, request_id: again.request_id,
      annotations: { ...reply.annotations, label: "ok" } });
    expect(q(".af-details details.af-reasoning")).toBe(fold);
    expect(fold.open).toBe(true);
    expect(q(".af-details img")).toBe(img);
    expect(model.sent.filter((m) => m.kind === "get-attachment").length).toBe(3);
  });

  it("shows a streaming answer's reasoning live, keeps the fold open as it grows and when the answer is stored", () => {
    const { model, q, click, g } = mount({ kind: "snapshot", nodes: [node("a", null)],
      streams: [{ key: "~1", parent: "a", sender: "bot", text: "", reasoning: "First, " }] });
    click(g("~1"));
    let fold = q(".af-details details.af-reasoning");
    expect(fold.querySelector("summary").textContent).toBe("reasoning… (1 word so far)");
    expect(fold.classList.contains("af-reasoning-live")).toBe(true);
    click(fold.querySelector("summary")); // happy-dom toggles <details> on a click of its summary
    fold.open = true;
    model.emit("msg:custom", delta({ reasoning: { "~1": "the motion." } }));
    expect(q(".af-details details.af-reasoning")).toBe(fold);
    expect(fold.open).toBe(true);
    expect(fold.querySelector(".af-reasoning-text").textContent).toBe("First, the motion.");
    // reasoning and text in a delta that also brings a new node (a structural change): the fold still grows
    model.emit("msg:custom", delta({ nodes: [node("z", "a")], text: { "~1": "The answer" },
      reasoning: { "~1": " Then." } }));
    expect(fold.querySelector(".af-reasoning-text").textContent).toBe("First, the motion. Then.");
    expect(q(".af-details pre").textContent).toBe("The answer");
    // stored: the pane asks for the message; the stored reasoning's fold opens as the user left it
    model.emit("msg:custom", delta({ nodes: [node("e", "a", { sender: "bot" })], resolved: [{ key: "~1", id: "e" }] }));
    const ask = model.sent.filter((m) => m.kind === "get-message").at(-1);
    expect(ask.id).toBe("e");
    model.emit("msg:custom", { kind: "message", request_id: ask.request_id,
      message: { id: "e", sender: "bot", content: "The answer" },
      annotations: { reasoning: "First, the motion. Then." } });
    fold = q(".af-details details.af-reasoning");
    expect(fold.open).toBe(true);
    expect(fold.classList.contains("af-reasoning-live")).toBe(false);
    expect(fold.querySelector("summary").textContent).toBe("reasoning (4 words, 24 characters)");
  });

  it("a streaming answer without reasoning has no fold until its reasoning starts; another node's fold is shut", () => {
    const { model, q, click, g } = mount({ kind: "snapshot", nodes: [node("a", null)],
      streams: [{ key: "~1", parent: "a", sender: "bot", text: "" }, { key: "~2", parent: "a", sender: "bot",
        text: "", reasoning: "other" }] });
    click(g("~1"));
    expect(q(".af-details details.af-reasoning")).toBe(null);
    model.emit("msg:custom", delta({ reasoning: { "~1": "Now." } }));
    const fold = q(".af-details details.af-reasoning");
    expect(fold.querySelector(".af-reasoning-text").textContent).toBe("Now.");
    fold.open = true;
    click(g("~2"));
    expect(q(".af-details details.af-reasoning").open).toBe(false);
  });

  it("the status line says what the tree's answers cost once one is priced", () => {
    const { model, q } = mount({ kind: "snapshot", streams: [], nodes: [node("a", null), node("b", "a")] });
    expect(q(".af-status").textContent).toBe("2 nodes");
    model.emit("msg:custom", delta({ nodes: [node("c", "a", { notes: { cost_usd: 0.03 } }),
      node("d", "a", { notes: { cost_usd: 0.0112 } })] }));
    expect(q(".af-status").textContent).toBe("4 nodes · cost $0.0412 (2 priced answers)");
  });

  it("a comparison's heads show each branch's cost", () => {
    const { model, q } = mount({ kind: "snapshot", streams: [], nodes: [node("a", null), node("b", "a"), node("c", "a")] });
    model.set("comparison", { ancestor: "a", rows: [], sides: [
      { head: "b", messages: 1, duration_s: 0, tokens: 0, cost_usd: 0.02, priced: 1 },
      { head: "c", messages: 1, duration_s: 0, tokens: 0, cost_usd: null, priced: 0 }] });
    const totals = [...q(".af-compare").querySelectorAll(".af-cmp-totals")].map((e) => e.textContent);
    expect(totals).toEqual(["1 message · 0 s · 0 tokens · $0.02", "1 message · 0 s · 0 tokens"]);
  });

  it("works without an attachment store (a pane made alone) and shows no attachments then", () => {
    const pane = document.createElement("div");
    let n = 0;
    const details = createDetails(pane, () => ++n);
    details.show("b", node("b", null, { attachments: [PNG] }));
    details.receive({ request_id: 1, message: { id: "b", content: "x", attachments: [PNG] }, annotations: {} });
    expect(pane.querySelector(".af-attachments")).toBe(null);
    expect(pane.querySelector("pre").textContent).toBe("x");
  });
});

describe("the exported page", () => {
  it("answers get-attachment from the file's bytes, and reports one it does not hold", async () => {
    const model = localModel({ format: 2, senders: ["user"], colours: ["#000"], messages: [],
      attachments: { [SHA_PNG]: ["image/png", "iVBORw=="] } });
    const got = [];
    model.on("msg:custom", (m) => got.push(m));
    model.send({ kind: "get-attachment", sha256: SHA_PNG, request_id: "att-1" });
    await settle();
    expect(got).toEqual([{ kind: "attachment", request_id: "att-1", sha256: SHA_PNG, data: "iVBORw==" }]);
    model.send({ kind: "get-attachment", sha256: SHA_CSV, request_id: "att-2" });
    await settle();
    expect(model.get("error")).toBe(`the attachment ${SHA_CSV.slice(0, 12)} is not in this file`);
  });
});
