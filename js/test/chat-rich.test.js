// @vitest-environment happy-dom
// The ChatView's richer messages: a model's reasoning folded (live while it streams, the fold kept open as it
// grows), attachments as thumbnails or downloads (bytes asked from the kernel, never HTML), costs per answer and
// for the branch.
import { describe, expect, it } from "vitest";
import chat from "../src/chat.js";
import { messageView } from "../src/chat/view.js";
import { attachmentLabel, attachmentsOf, enlargedScale, isImage, sizeText } from "../src/shared/attachments.js";
import { costLine, costOf, costText } from "../src/shared/cost.js";
import { reasoningSummary } from "../src/shared/reasoning.js";

function fakeModel(traits) {
  const handlers = new Map();
  const sent = [];
  return {
    sent,
    get: (k) => traits[k],
    set(k, v) { traits[k] = v; for (const f of handlers.get(`change:${k}`) || []) f(); },
    send: (msg) => sent.push(msg),
    on(ev, f) { handlers.set(ev, [...(handlers.get(ev) || []), f]); },
    off(ev, f) { handlers.set(ev, (handlers.get(ev) || []).filter((g) => g !== f)); },
    emit(msg) { for (const f of handlers.get("msg:custom") || []) f(msg); },
  };
}

const ID = (c) => c.repeat(64);
const SHA = "ab".repeat(32);
const node = (id, parent, sender, text, extra = {}) => ({
  id, parent, sender, text, snippet: text.slice(0, 200), n_chars: text.length, kind: "message", status: "complete",
  reply_to: null, original: null, ...extra,
});

describe("pure parts", () => {
  it("tells images from other files and sizes for people", () => {
    expect(isImage("image/png")).toBe(true);
    expect(isImage("image/svg+xml")).toBe(true);
    expect(isImage("text/html")).toBe(false);
    expect(isImage(undefined)).toBe(false);
    expect(sizeText(812)).toBe("812 B");
    expect(sizeText(1400)).toBe("1.4 KB");
    expect(sizeText(3_200_000)).toBe("3.2 MB");
    expect(enlargedScale(96, 64, 1100, 1000)).toBe(8); // small: up to 8 times
    expect(enlargedScale(4000, 3000, 1000, 800)).toBeCloseTo(0.23, 6); // large: fitted to the width
    expect(attachmentLabel({ sha256: SHA, media_type: "image/png", size: 1 })).toBe("image abababab");
  });

  it("skips malformed descriptors", () => {
    const good = { sha256: SHA, media_type: "image/png", size: 3, name: "a.png" };
    expect(attachmentsOf([good, { sha256: "x", media_type: "image/png" }, null, "s"])).toEqual([good]);
    expect(attachmentsOf("nope")).toEqual([]);
  });

  it("sums costs of priced answers only", () => {
    const c = costOf([{ notes: { cost_usd: 0.01 } }, { notes: {} }, undefined, { notes: { cost_usd: 0.0025 } },
      { notes: { cost_usd: "1" } }]);
    expect(c.priced).toBe(2);
    expect(c.total).toBeCloseTo(0.0125);
    expect(costLine(c)).toBe("cost $0.0125 (2 priced answers)");
    expect(costLine(costOf([{}]))).toBe("");
    expect(costText(1.234)).toBe("$1.23");
    expect(costText(0)).toBe("$0");
  });

  it("summarises reasoning live and done", () => {
    expect(reasoningSummary("First, the motion.", true)).toBe("reasoning… (3 words so far)");
    expect(reasoningSummary("one", false)).toBe("reasoning (1 word, 3 characters)");
  });

  it("a row view carries the reasoning, the attachments and the cost", () => {
    const n = { ...node(ID("a"), null, "bot", "42", { notes: { cost_usd: 0.004 },
      attachments: [{ sha256: SHA, media_type: "image/png", size: 10 }] }), key: ID("a"), pending: false,
    reasoning: "because" };
    const v = messageView(n, new Map(), new Set());
    expect(v.reasoning).toBe("because");
    expect(v.live).toBe(false);
    expect(v.attachments).toBe(SHA);
    expect(v.cost).toBe("$0.004");
    expect(v.calls).toEqual([]);
    const asks = messageView({ ...node(ID("c"), null, "bot", ""), key: ID("c"), pending: false,
      tool_calls: [{ id: "c1", name: "search_web", arguments: '{"q": "<b>cats</b>"}' }] }, new Map(), new Set());
    expect(asks.calls).toEqual(['→ search_web({"q": "<b>cats</b>"})']);
  });
});

describe("the ChatView shows them", () => {
  it("folds a streaming answer's reasoning and keeps the fold open while it grows", () => {
    const model = fakeModel({ head_id: ID("a"), agents: [], linked: true });
    const host = document.createElement("div");
    document.body.append(host);
    const cleanup = chat.render({ model, el: host });
    model.emit({ kind: "snapshot", nodes: [node(ID("a"), null, "user", "why?")],
      streams: [{ key: "~1", parent: ID("a"), sender: "bot", text: "", reasoning: "First, " }] });
    const fold = host.querySelector("[data-key='~1'] details.af-reasoning");
    expect(fold).not.toBeNull();
    expect(fold.querySelector("summary").textContent).toContain("so far");
    fold.open = true; // the reader opened it
    model.emit({ kind: "delta", nodes: [], streams: [], text: { "~1": "The ans" }, resolved: [], ended: [],
      reasoning: { "~1": "the motion." } });
    const again = host.querySelector("[data-key='~1'] details.af-reasoning");
    expect(again).toBe(fold);
    expect(again.open).toBe(true);
    expect(again.querySelector(".af-reasoning-text").textContent).toBe("First, the motion.");
    // stored: the kernel's node has the whole reasoning; no longer live
    model.emit({ kind: "delta", nodes: [node(ID("b"), ID("a"), "bot", "The answer", { reasoning: "First, the motion.",
      notes: { cost_usd: 0.02 } })], streams: [], text: {}, resolved: [{ key: "~1", id: ID("b") }], ended: [] });
    model.set("head_id", ID("b")); // the kernel moves the head to the stored answer it follows
    const stored = host.querySelector(`[data-key='${ID("b")}']`);
    expect(stored).not.toBeNull();
    expect(stored.querySelector("details.af-reasoning summary").textContent).toContain("characters");
    expect(stored.querySelector(".af-chat-cost").textContent).toBe("$0.02");
    cleanup();
  });

  it("shows the branch's total cost, and attachments whose bytes it asks the kernel for", async () => {
    const model = fakeModel({ head_id: ID("b"), agents: [], linked: true });
    const host = document.createElement("div");
    document.body.append(host);
    const cleanup = chat.render({ model, el: host });
    const svg = { sha256: SHA, media_type: "image/svg+xml", size: 60, name: "x.svg" };
    const pdf = { sha256: "cd".repeat(32), media_type: "application/pdf", size: 2000, name: "<b>report</b>.pdf" };
    model.emit({ kind: "snapshot", streams: [], nodes: [
      node(ID("a"), null, "user", "look", { attachments: [svg, pdf] }),
      node(ID("b"), ID("a"), "bot", "seen", { notes: { cost_usd: 0.01 } }),
    ] });
    expect(host.querySelector(".af-chat-total").textContent).toBe("this branch: cost $0.01 (1 priced answer)");
    const asked = model.sent.filter((m) => m.kind === "get-attachment");
    expect(asked.map((m) => m.sha256).sort()).toEqual([SHA, "cd".repeat(32)]);
    const thumb = host.querySelector("button.af-att-thumb img");
    expect(thumb).not.toBeNull();
    const file = host.querySelector("a.af-att-file");
    expect(file.textContent).toBe("⤓ <b>report</b>.pdf (2.0 KB)"); // a name is text, never markup
    expect(file.querySelector("b")).toBeNull();
    const svgText = "<svg xmlns='http://www.w3.org/2000/svg'><script>window.pwned=1</script></svg>";
    const req = asked.find((m) => m.sha256 === SHA);
    model.emit({ kind: "attachment", request_id: req.request_id, sha256: SHA, data: btoa(svgText) });
    await Promise.resolve();
    await Promise.resolve();
    expect(thumb.getAttribute("src")).toMatch(/^blob:/);
    expect(host.querySelector("svg")).toBeNull(); // shown as an image, never inlined
    expect(window.pwned).toBeUndefined();
    cleanup();
  });
});
