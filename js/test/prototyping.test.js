// @vitest-environment happy-dom
// The TreeView's prototyping features wired together (tree.js) in a DOM with a fake anywidget model: badges,
// the details pane's annotations, totals, editor and answer box, the search box, the bookmarks, Shift-click
// compare and the comparison panel, the regenerate count, tool nodes, and the read-only export mode.
import { afterEach, describe, expect, it, vi } from "vitest";
import tree from "../src/tree.js";
import { SEARCH_DEBOUNCE_MS } from "../src/tree/search.js";

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
const SNAPSHOT = { kind: "snapshot", streams: [], nodes: [
  node("a", null, { snippet: "Plan a weekend in Lisbon" }),
  node("b", "a", { sender: "guide", snippet: "walk the Alfama", notes: { duration_s: 2.31, tokens: 40, model: "gpt-4o-mini-2024-07-18" } }),
  node("c", "a", { sender: "guide", snippet: "ride tram 28", notes: { duration_s: 1.2, tokens: 30, bookmark: true } }),
  node("d", "c", { sender: "planner", snippet: "Book the flight?", choices: ["yes", "no"], notes: { awaiting: "user" } }),
] };

let mounted = [];
afterEach(() => {
  for (const m of mounted) m();
  mounted = [];
  vi.useRealTimers();
});

function mount(snapshot = SNAPSHOT, traits = {}) {
  const host = document.createElement("div");
  document.body.append(host);
  const model = fakeModel({ agents: ["guide"], error: "", notice: "", head_id: "", selected_id: "", budget: 2000,
    mode: "tidy", comparison: {}, ...traits });
  const cleanup = tree.render({ model, el: host });
  mounted.push(() => {
    try { cleanup(); } catch { /* cleaned up by the test */ }
    host.remove();
  });
  model.emit("msg:custom", snapshot);
  const q = (s) => host.querySelector(s);
  const qa = (s) => [...host.querySelectorAll(s)];
  const click = (target, init = {}) =>
    target.dispatchEvent(new MouseEvent("click", { bubbles: true, cancelable: true, button: 0, ...init }));
  const key = (target, k, init = {}) =>
    target.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true, ...init }));
  const g = (k) => q(`g.af-node[data-key="${k}"]`);
  const lastAsk = () => model.sent.filter((m) => m.kind === "get-message").at(-1);
  /** Answer the last get-message with `message` fields and `annotations`. */
  const answer = (fields = {}, annotations = {}) => {
    const ask = lastAsk();
    model.emit("msg:custom", { kind: "message", request_id: ask.request_id, annotations,
      message: { id: ask.id, sender: "user", kind: "message", status: "complete", content: `full text of ${ask.id}`,
        parent_id: null, metadata: {}, ...fields } });
  };
  return { host, model, q, qa, click, key, g, lastAsk, answer };
}

const pills = (g) => [...g.querySelectorAll(".af-pill text")].map((t) => t.textContent);

describe("badges on nodes", () => {
  it("draws duration, tokens, model, bookmark, label and a waiting question; follows new notes", () => {
    const { model, g } = mount();
    expect(pills(g("b"))).toEqual(["2.3 s", "40 tok", "gpt-4o-mini"]);
    expect(pills(g("c"))).toEqual(["★", "1.2 s", "30 tok"]);
    expect(g("c").getAttribute("class")).toContain("af-bookmarked");
    expect(pills(g("d"))).toEqual(["?"]);
    expect(g("d").getAttribute("class")).toContain("af-awaiting");
    expect(pills(g("a"))).toEqual([]);
    model.emit("msg:custom", delta({ nodes: [node("a", null, { snippet: "Plan a weekend in Lisbon", notes: { label: "<b>start</b>" } })] }));
    expect(pills(g("a"))).toEqual(["<b>start</b>"]); // as text
    expect(g("a").querySelector("b")).toBe(null);
    expect(g("a").getAttribute("class")).toContain("af-labelled");
    model.emit("msg:custom", delta({ nodes: [node("a", null, { snippet: "Plan a weekend in Lisbon" })] }));
    expect(pills(g("a"))).toEqual([]);
  });

  it("draws tool calls and tool results", () => {
    const { g } = mount({ kind: "snapshot", streams: [], nodes: [node("u", null),
      node("m", "u", { sender: "bot", snippet: "", tool_calls: [{ id: "c1", name: "add", arguments: '{"a": 2, "b": 3}' }] }),
      node("r", "m", { sender: "add", snippet: "5", tool_result: { call_id: "c1" } }),
      node("e", "m", { sender: "boom", snippet: "RuntimeError: no", tool_result: { call_id: "c2", error: "builtins.RuntimeError" } })] });
    expect(g("m").querySelector(".af-snippet").textContent).toBe('→ add({"a": 2, "b": 3})');
    expect(g("m").querySelector(".af-snippet").getAttribute("class")).toContain("af-mono");
    expect(g("r").getAttribute("class")).toBe("af-node af-tool");
    expect(g("r").querySelector(".af-badge").textContent).toBe("tool");
    expect(g("e").getAttribute("class")).toBe("af-node af-tool af-tool-error");
    expect(g("e").querySelector(".af-badge").textContent).toBe("tool error");
  });
});

describe("details pane", () => {
  it("shows every annotation and the subtree's totals; edits the label and follows the node sent back", () => {
    const { model, q, qa, click, key, g, answer, lastAsk } = mount();
    click(g("a"));
    answer({ content: "Plan a weekend in Lisbon, please" }, { created_at: "2026-01-01T10:00:00.000Z", custom: { x: 1 } });
    const annots = qa(".af-details dl.af-annots dt").map((e) => e.textContent);
    expect(annots).toEqual(["created_at", "custom"]);
    expect(q(".af-details dl.af-annots").textContent).toContain('{"x":1}');
    expect(q(".af-details .af-totals").textContent).toBe("4 messages · 3.5 s · 70 tokens");
    const label = q(".af-annot input[name=label]");
    expect(label.value).toBe("");
    label.value = "start";
    key(label, "Enter");
    expect(model.sent.at(-1)).toEqual({ kind: "annotate", id: "a", values: { label: "start" } });
    expect(model.traits.selected_id).toBe("a"); // Enter in the field did not check out
    expect(model.sent.some((m) => m.kind === "checkout")).toBe(false);
    expect(q(".af-annot-status").textContent).toBe("saving…");
    // the kernel sends the node again with its new notes: the pane asks for the message again and updates in place
    const asked = lastAsk().request_id;
    model.emit("msg:custom", delta({ nodes: [node("a", null, { snippet: "Plan a weekend in Lisbon", notes: { label: "start" } })] }));
    expect(lastAsk().request_id).toBeGreaterThan(asked);
    q(".af-annot textarea[name=note]").value = "typed, not saved yet";
    answer({ content: "Plan a weekend in Lisbon, please" }, { created_at: "2026-01-01T10:00:00.000Z", label: "start" });
    expect(qa(".af-details dl.af-annots dt").map((e) => e.textContent)).toEqual(["created_at", "label"]);
    expect(q(".af-annot input[name=label]").value).toBe("start");
    expect(q(".af-annot textarea[name=note]").value).toBe("typed, not saved yet"); // kept
    expect(q(".af-annot-status").textContent).toBe("");
    expect(pills(g("a"))).toEqual(["start"]);
    // untick / empty: removal; the score
    q(".af-annot textarea[name=note]").value = "";
    const score = q(".af-annot input[name=score]");
    score.value = "0.75";
    click(q(".af-annot-save"));
    expect(model.sent.at(-1)).toEqual({ kind: "annotate", id: "a", values: { score: 0.75 } });
    q(".af-annot input[name=label]").value = "";
    const box = q(".af-annot input[name=bookmark]");
    box.checked = true;
    box.dispatchEvent(new Event("change", { bubbles: true }));
    expect(model.sent.at(-1)).toEqual({ kind: "annotate", id: "a", values: { label: "", bookmark: true, score: 0.75 } });
    Object.defineProperty(score, "validity", { value: { badInput: true } }); // letters typed into a number box
    click(q(".af-annot-save"));
    expect(model.traits.error).toMatch(/score must be a number/);
  });

  it("updates the totals as the subtree grows", () => {
    const { model, q, click, g, answer } = mount();
    click(g("c"));
    answer();
    expect(q(".af-details .af-totals").textContent).toBe("2 messages · 1.2 s · 30 tokens");
    model.emit("msg:custom", delta({ nodes: [node("e", "d", { notes: { duration_s: 0.5, tokens: 5 } })] }));
    expect(q(".af-details .af-totals").textContent).toBe("3 messages · 1.7 s · 35 tokens");
  });

  it("edits a message: its full text in an editor, save sends the edit, cancel closes", () => {
    const { model, q, click, g, answer } = mount();
    click(g("a"));
    click(q("button[data-action=edit]")); // before the message arrived: the editor opens when it does
    expect(q(".af-editor")).toBe(null);
    answer({ content: "Plan a weekend in Lisbon, please" });
    const area = q(".af-editor textarea");
    expect(area.value).toBe("Plan a weekend in Lisbon, please");
    expect(q(".af-details pre.af-content")).toBe(null);
    area.value = "Plan a week in Porto";
    click(q(".af-editor-save"));
    expect(model.sent.at(-1)).toEqual({ kind: "edit", id: "a", text: "Plan a week in Porto" });
    expect(q(".af-editor-save").disabled).toBe(true);
    model.set("error", "the kernel said no");
    expect(q(".af-editor-save").disabled).toBe(false); // may be tried again
    click(q(".af-editor-cancel"));
    expect(q(".af-editor")).toBe(null);
    expect(q(".af-details pre.af-content").textContent).toBe("Plan a weekend in Lisbon, please");
    // the kernel selects the edit: the pane shows it
    click(q("button[data-action=edit]"));
    expect(q(".af-editor")).not.toBe(null);
    model.emit("msg:custom", delta({ nodes: [node("a2", null, { snippet: "Plan a week in Porto" })] }));
    model.set("selected_id", "a2");
    expect(q(".af-editor")).toBe(null);
    click(g("b"));
    click(q("button[data-action=edit]"));
    answer({ content: "walk the Alfama" });
    q(".af-editor textarea").value = "   ";
    click(q(".af-editor-save"));
    expect(model.traits.error).toBe("an edit needs some text");
  });

  it("answers a question waiting for the user: a choice button, or typed text", () => {
    const { model, q, qa, click, key, g, answer } = mount();
    click(g("d"));
    answer({ content: "Book the flight?", sender: "planner", metadata: { choices: ["yes", "no"] } }, { awaiting: "user" });
    expect(q(".af-ask-title").textContent).toBe("planner is waiting for your answer");
    expect(qa(".af-ask-choice").map((b) => b.textContent)).toEqual(["yes", "no"]);
    click(qa(".af-ask-choice")[0]);
    expect(model.sent.at(-1)).toEqual({ kind: "answer", id: "d", text: "yes" });
    expect(qa(".af-ask button").every((b) => b.disabled)).toBe(true);
    // answered: the question is sent again without `awaiting`; the box goes, the marks too
    model.emit("msg:custom", delta({ nodes: [node("d", "c", { sender: "planner", snippet: "Book the flight?",
      choices: ["yes", "no"] }), node("y", "d", { snippet: "yes" })] }));
    expect(q(".af-ask")).toBe(null);
    expect(g("d").getAttribute("class")).not.toContain("af-awaiting");
    // a question without choices: type the answer
    model.emit("msg:custom", delta({ nodes: [node("w", "y", { sender: "planner", snippet: "Which day?",
      notes: { awaiting: "user" } })] }));
    click(g("w"));
    answer({ content: "Which day?", sender: "planner" });
    const input = q(".af-ask-input");
    input.value = "Saturday";
    key(input, "Enter");
    expect(model.sent.at(-1)).toEqual({ kind: "answer", id: "w", text: "Saturday" });
  });
});

describe("search box", () => {
  it("sends debounced searches, ignores stale replies, highlights, steps with Enter, clears with Esc", () => {
    vi.useFakeTimers();
    const { model, q, key, g, click } = mount();
    click(g("c")); // a match is selected already: the first Enter still goes to the first match
    const box = q(".af-toolbar input.af-search");
    const type = (text) => {
      box.value = text;
      box.dispatchEvent(new Event("input", { bubbles: true }));
    };
    type("li");
    type("lis");
    expect(model.sent.filter((m) => m.kind === "search")).toEqual([]); // debounced
    vi.advanceTimersByTime(SEARCH_DEBOUNCE_MS);
    expect(model.sent.at(-1)).toEqual({ kind: "search", text: "lis", request_id: 1 });
    type("lisbon");
    vi.advanceTimersByTime(SEARCH_DEBOUNCE_MS);
    expect(model.sent.at(-1)).toEqual({ kind: "search", text: "lisbon", request_id: 2 });
    model.emit("msg:custom", { kind: "search-result", request_id: 1, text: "lis", ids: ["a", "b", "c"], total: 3 });
    expect(q(".af-search-count").style.visibility).toBe("hidden"); // stale
    expect(g("b").getAttribute("class")).not.toContain("af-match");
    model.emit("msg:custom", { kind: "search-result", request_id: 2, text: "lisbon", ids: ["a", "c"], total: 2 });
    expect(q(".af-search-count").textContent).toBe("2 matches");
    expect(g("a").getAttribute("class")).toContain("af-match");
    expect(g("c").getAttribute("class")).toContain("af-match");
    expect(g("b").getAttribute("class")).not.toContain("af-match");
    key(box, "Enter");
    expect(model.traits.selected_id).toBe("a");
    expect(q(".af-search-count").textContent).toBe("1 of 2 matches");
    key(box, "Enter");
    expect(model.traits.selected_id).toBe("c");
    key(box, "Enter");
    expect(model.traits.selected_id).toBe("a"); // wraps
    key(box, "Enter", { shiftKey: true });
    expect(model.traits.selected_id).toBe("c");
    expect(model.sent.some((m) => m.kind === "checkout")).toBe(false); // Enter in the box is the box's
    key(box, "Escape");
    expect(box.value).toBe("");
    expect(q(".af-search-count").style.visibility).toBe("hidden");
    expect(g("a").getAttribute("class")).not.toContain("af-match");
  });

  it("Enter before the reply searches at once and selects the first match when it comes", () => {
    vi.useFakeTimers();
    const { model, q, key } = mount();
    const box = q(".af-toolbar input.af-search");
    box.value = "tram";
    box.dispatchEvent(new Event("input", { bubbles: true }));
    key(box, "Enter");
    const sent = model.sent.filter((m) => m.kind === "search");
    expect(sent).toEqual([{ kind: "search", text: "tram", request_id: 1 }]);
    vi.advanceTimersByTime(SEARCH_DEBOUNCE_MS * 2);
    expect(model.sent.filter((m) => m.kind === "search").length).toBe(1); // the debounced one was replaced
    model.emit("msg:custom", { kind: "search-result", request_id: 1, text: "tram", ids: ["c"], total: 1 });
    expect(model.traits.selected_id).toBe("c");
    expect(q(".af-search-count").textContent).toBe("1 of 1 match");
    model.emit("msg:custom", { kind: "search-result", request_id: 1, text: "tram", ids: [], total: 0 }); // again: stale
    expect(q(".af-search-count").textContent).toBe("1 of 1 match");
  });
});

describe("bookmarks", () => {
  it("lists bookmarked and labelled nodes; a click selects and centres one", () => {
    const { model, q, qa, click, g } = mount();
    const button = q(".af-bm-button");
    expect(button.getAttribute("aria-label")).toBe("bookmarks (1)");
    expect(button.getAttribute("data-count")).toBe("1");
    expect(q(".af-bm-panel").style.display).toBe("none");
    click(button);
    expect(q(".af-bm-panel").style.display).toBe("");
    expect(qa(".af-bm-item").map((b) => b.getAttribute("data-key"))).toEqual(["c"]);
    model.emit("msg:custom", delta({ nodes: [node("b", "a", { sender: "guide", snippet: "walk the Alfama",
      notes: { label: "favourite" } })] }));
    expect(button.getAttribute("aria-label")).toBe("bookmarks (2)");
    expect(qa(".af-bm-item").map((b) => b.textContent)).toEqual(["favouritewalk the Alfama", "★ride tram 28"]);
    click(qa(".af-bm-item")[0]);
    expect(model.traits.selected_id).toBe("b");
    expect(q(".af-bm-panel").style.display).toBe("none");
    expect(g("b").getAttribute("class")).toContain("af-selected");
  });
});

describe("compare", () => {
  const comparison = {
    ancestor: "a",
    left: { head: "b", ids: ["b"], messages: 1, duration_s: 2.31, tokens: 40 },
    right: { head: "c", ids: ["c"], messages: 1, duration_s: 1.2, tokens: 30 },
    rows: [{ left: { id: "b", sender: "guide", kind: "message", status: "complete" },
      right: { id: "c", sender: "guide", kind: "message", status: "complete" },
      diff: [["-", "walk the Alfama"], ["+", "ride tram 28"], ["=", " <img src=x>"]] }],
  };

  it("Shift-click on a second node asks for the comparison; the panel shows it and closes", () => {
    const { model, q, qa, click, g } = mount();
    click(g("b"));
    click(g("c"), { shiftKey: true });
    expect(model.sent.at(-1)).toEqual({ kind: "compare", a: "b", b: "c" });
    expect(model.traits.selected_id).toBe("b"); // the selection stays
    expect(q(".af-compare").style.display).toBe("none");
    model.set("comparison", comparison);
    expect(q(".af-compare").style.display).toBe("");
    expect(qa(".af-cmp-left del.af-del").map((e) => e.textContent)).toEqual(["walk the Alfama"]);
    expect(qa(".af-cmp-right ins.af-ins").map((e) => e.textContent)).toEqual(["ride tram 28"]);
    expect(q(".af-cmp-rows .af-cmp-left").textContent).not.toContain("ride tram"); // the left has no "+" runs
    expect(q(".af-cmp-rows img")).toBe(null); // text only
    expect(q(".af-cmp-rows .af-cmp-left .af-cmp-text").textContent).toBe("walk the Alfama <img src=x>");
    expect(qa(".af-cmp-totals").map((e) => e.textContent)).toEqual(["1 message · 2.3 s · 40 tokens",
      "1 message · 1.2 s · 30 tokens"]);
    expect(q(".af-cmp-title").textContent).toContain("Plan a weekend in Lisbon");
    expect(qa(".af-cmp-rows .af-cmp-sender").map((e) => e.textContent)).toEqual(["guide", "guide"]);
    click(qa(".af-cmp-rows .af-cmp-sender")[1]);
    expect(model.traits.selected_id).toBe("c");
    click(q(".af-cmp-close"));
    expect(model.sent.at(-1)).toEqual({ kind: "close-compare" });
    model.set("comparison", {});
    expect(q(".af-compare").style.display).toBe("none");
  });

  it("shows a comparison made in Python before the widget was displayed", () => {
    const { q } = mount(SNAPSHOT, { comparison });
    expect(q(".af-compare").style.display).toBe("");
    expect(q(".af-cmp-rows del").textContent).toBe("walk the Alfama");
  });

  it("Shift-click without a selection selects", () => {
    const { model, click, g } = mount();
    click(g("b"), { shiftKey: true });
    expect(model.traits.selected_id).toBe("b");
    expect(model.sent.some((m) => m.kind === "compare")).toBe(false);
  });
});

describe("regenerate count", () => {
  it("sends the count with regenerate, clamped to 1..8", () => {
    const { model, q, click, key, g } = mount();
    click(g("b"));
    const count = q(".af-toolbar input.af-count");
    expect(count.value).toBe("1");
    expect(count.previousElementSibling.getAttribute("data-action")).toBe("regenerate");
    count.value = "3";
    click(q("button[data-action=regenerate]"));
    expect(model.sent.at(-1)).toEqual({ kind: "regenerate", id: "b", n: 3 });
    count.value = "20";
    key(count, "Enter");
    expect(model.sent.at(-1)).toEqual({ kind: "regenerate", id: "b", n: 8 });
  });
});

describe("read-only export mode", () => {
  it("hides what needs the kernel, fills its container, reads annotations without editing them", () => {
    const { model, host, q, qa, click, g, answer } = mount(SNAPSHOT, { readonly: true, agents: [] });
    const root = q(".af-tree");
    expect(root.classList.contains("af-readonly")).toBe(true);
    const hidden = qa(".af-kernel").map((e) => e.getAttribute("data-action") || e.className.split(" ")[0]);
    expect(hidden).toEqual(expect.arrayContaining(["af-message", "branch", "regenerate", "af-count", "edit", "stop"]));
    expect(q("button[data-action=checkout]").classList.contains("af-kernel")).toBe(false);
    expect(q(".af-toolbar input.af-search").classList.contains("af-kernel")).toBe(false);
    expect(root.querySelector("style").textContent).toContain(".af-readonly .af-kernel");
    click(g("b"));
    click(g("c"), { shiftKey: true }); // no comparison without a kernel: a plain click
    expect(model.traits.selected_id).toBe("c");
    expect(model.sent.some((m) => m.kind === "compare")).toBe(false);
    answer({ content: "ride tram 28 to Belém" }, { bookmark: true, created_at: "2026" });
    expect(q(".af-details pre").textContent).toBe("ride tram 28 to Belém");
    expect(qa(".af-details dl.af-annots dt").map((e) => e.textContent)).toEqual(["bookmark", "created_at"]);
    expect(q(".af-annot")).toBe(null);
    click(q("button[data-action=edit]"));
    expect(q(".af-editor")).toBe(null);
    click(g("d"));
    answer({ content: "Book the flight?" }, { awaiting: "user" });
    expect(q(".af-ask")).toBe(null);
    expect(host.querySelector(".af-details .af-totals")).not.toBe(null);
  });
});
