// @vitest-environment happy-dom
// The TreeView's modules wired together (tree.js) in a DOM, with a fake anywidget model.
import { describe, expect, it } from "vitest";
import tree from "../src/tree.js";
import { createDetails } from "../src/tree/details.js";
import { createViewport } from "../src/tree/viewport.js";
import { svgDocument } from "../src/tree/export.js";

function fakeModel(traits) {
  const handlers = new Map();
  const sent = [];
  return {
    sent, traits,
    get: (k) => traits[k],
    set(k, v) {
      traits[k] = v;
      for (const f of handlers.get(`change:${k}`) || []) f();
    },
    save_changes() {},
    send(m) { sent.push(m); },
    on(ev, f) { handlers.set(ev, [...(handlers.get(ev) || []), f]); },
    off(ev, f) { handlers.set(ev, (handlers.get(ev) || []).filter((g) => g !== f)); },
    emit(ev, ...args) { for (const f of handlers.get(ev) || []) f(...args); },
    count: () => [...handlers.values()].reduce((n, l) => n + l.length, 0),
  };
}

const node = (id, parent, extra = {}) => ({ id, parent, sender: "user", kind: "message", status: "complete",
  snippet: `text of ${id}`, n_chars: 9, reply_to: null, original: null, ...extra });

function mount() {
  const host = document.createElement("div");
  document.body.append(host);
  const model = fakeModel({ agents: ["bot"], error: "", head_id: "", selected_id: "", budget: 2000, layout: "tidy" });
  const cleanup = tree.render({ model, el: host });
  model.emit("msg:custom", { kind: "snapshot", streams: [{ key: "~1", parent: "b", sender: "bot", text: "stream" }],
    nodes: [node("a", null), node("b", "a", { sender: "bot", status: "failed" }), node("c", "a", { kind: "error" }),
      node("d", "c", { kind: "forward", original: "b" })] });
  const q = (s) => host.querySelector(s);
  const click = (target, type = "click") => target.dispatchEvent(new MouseEvent(type, { bubbles: true }));
  return { host, model, cleanup, q, click, g: (k) => q(`g.af-node[data-key="${k}"]`) };
}

describe("TreeView", () => {
  it("builds the toolbar and draws the snapshot", () => {
    const { host, model, q, g } = mount();
    expect(model.sent[0]).toEqual({ kind: "ready" });
    expect([...host.querySelectorAll(".af-toolbar button")].map((b) => b.dataset.action))
      .toEqual(["branch", "checkout", "regenerate", "stop", "collapse", "fit", "export"]);
    expect(q(".af-toolbar select").options.length).toBe(1);
    expect(host.querySelectorAll("g.af-node").length).toBe(5);
    expect(g("b").getAttribute("class")).toBe("af-node af-failed");
    expect(g("c").getAttribute("class")).toBe("af-node af-error");
    expect(g("~1").getAttribute("class")).toBe("af-node af-streaming");
    expect(g("d").querySelector(".af-sender").textContent).toBe("↪ user");
    expect(q("path.af-extra.af-forward")).not.toBe(null);
    expect(q(".af-status").textContent).toBe("5 nodes");
    expect(q("svg").getAttribute("data-layout")).toBe("tidy");
  });

  it("selects on click, asks for the message and shows the latest answer only", () => {
    const { model, q, click, g } = mount();
    click(g("a").querySelector("rect"));
    expect(model.traits.selected_id).toBe("a");
    expect(g("a").getAttribute("class")).toContain("af-selected");
    expect(model.sent.slice(-2)).toEqual([{ kind: "select", id: "a" }, { kind: "get-message", id: "a", request_id: 1 }]);
    click(g("b"));
    model.emit("msg:custom", { kind: "message", request_id: 1, message: { id: "a", content: "stale" } });
    expect(q(".af-details").textContent).toBe("");
    model.emit("msg:custom", { kind: "message", request_id: 2,
      message: { id: "b", sender: "bot", content: "<img src=x onerror=alert(1)>" } });
    expect(q(".af-details pre").textContent).toBe("<img src=x onerror=alert(1)>");
    expect(q(".af-details img")).toBe(null);
  });

  it("checks out on double-click and Enter, navigates with arrows", () => {
    const { model, q, click, g } = mount();
    click(g("b"), "dblclick");
    expect(model.sent.at(-1)).toEqual({ kind: "checkout", id: "b" });
    const root = q(".af-tree");
    root.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowUp", bubbles: true }));
    expect(model.traits.selected_id).toBe("a");
    root.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    expect(model.sent.at(-1)).toEqual({ kind: "checkout", id: "a" });
  });

  it("branches with the typed text and reports what is missing", () => {
    const { model, q, click, g } = mount();
    click(q("button[data-action=branch]"));
    expect(model.traits.error).toBe("select a node first");
    expect(q(".af-error").textContent).toBe("select a node first");
    click(g("a"));
    q(".af-toolbar input").value = "more please";
    click(q("button[data-action=branch]"));
    expect(model.sent.at(-1)).toEqual({ kind: "branch", id: "a", text: "more please", agent: "bot" });
    expect(q(".af-toolbar input").value).toBe("");
    click(q("button[data-action=stop]"));
    expect(model.sent.at(-1)).toEqual({ kind: "stop" });
  });

  it("collapses the selected subtree", () => {
    const { host, click, g, q } = mount();
    click(g("a"));
    click(q("button[data-action=collapse]"));
    expect(host.querySelectorAll("g.af-node").length).toBe(1);
    expect(g("a").querySelector(".af-badge").textContent).toBe("+4");
    click(q("button[data-action=collapse]"));
    expect(host.querySelectorAll("g.af-node").length).toBe(5);
  });

  it("highlights the head's path", () => {
    const { model, g, q } = mount();
    model.set("head_id", "d");
    expect(g("d").getAttribute("class")).toBe("af-node af-onhead af-head");
    expect(g("c").getAttribute("class")).toBe("af-node af-error af-onhead");
    expect(q("path.af-link.af-onhead").getAttribute("d")).not.toBe("M0,0");
  });

  it("streams text into the pending node", () => {
    const { model, g } = mount();
    model.emit("msg:custom", { kind: "delta", nodes: [], streams: [], text: { "~1": "ing" }, resolved: [], ended: [] });
    expect(g("~1").querySelector(".af-snippet").textContent).toBe("streaming");
  });

  it("asks for the Graphviz engine once", () => {
    const { model } = mount();
    model.set("layout", "graphviz");
    model.set("budget", 1000);
    expect(model.sent.filter((m) => m.kind === "load-graphviz").length).toBe(1);
  });

  it("cleans up its listeners and elements", () => {
    const { host, model, cleanup } = mount();
    expect(model.count()).toBe(7);
    cleanup();
    expect(model.count()).toBe(0);
    expect(host.children.length).toBe(0);
  });

  it("exports the drawing with its stylesheet", () => {
    const { q } = mount();
    const text = svgDocument(q("svg"));
    expect(text.startsWith("<svg")).toBe(true);
    expect(text).toContain(".af-node");
    expect(text).toContain('data-key="a"');
  });
});

describe("viewport events", () => {
  it("zooms on the wheel, marks far zoom, pans on drag, fits", () => {
    const canvas = document.createElement("div");
    const group = document.createElementNS("http://www.w3.org/2000/svg", "g");
    canvas.getBoundingClientRect = () => ({ left: 10, top: 10, width: 800, height: 400 });
    const seen = [];
    const vp = createViewport(canvas, group, (view) => seen.push(view.k));
    vp.apply();
    expect(group.getAttribute("transform")).toBe("translate(20,20) scale(1)");
    expect(vp.userMoved).toBe(false);
    const wheel = new MouseEvent("wheel", { clientX: 110, clientY: 60, cancelable: true });
    Object.defineProperty(wheel, "deltaY", { value: 5000 });
    canvas.dispatchEvent(wheel);
    expect(wheel.defaultPrevented).toBe(true);
    expect(vp.userMoved).toBe(true);
    expect(vp.view.k).toBe(0.02);
    expect(seen.at(-1)).toBe(0.02);
    canvas.dispatchEvent(new MouseEvent("mousedown", { button: 0, clientX: 0, clientY: 0 }));
    expect(canvas.classList.contains("af-dragging")).toBe(true);
    const before = vp.view;
    window.dispatchEvent(new MouseEvent("mousemove", { clientX: 15, clientY: -5 }));
    expect(vp.view.x).toBeCloseTo(before.x + 15, 9);
    expect(vp.view.y).toBeCloseTo(before.y - 5, 9);
    window.dispatchEvent(new MouseEvent("mouseup"));
    expect(canvas.classList.contains("af-dragging")).toBe(false);
    vp.fit({ x: -80, y: 0, width: 160, height: 52 });
    expect(group.getAttribute("transform")).toBe("translate(400,10) scale(1)");
    vp.destroy();
    window.dispatchEvent(new MouseEvent("mousemove", { clientX: 500, clientY: 500 }));
    expect(vp.view.x).toBe(400);
  });
});

describe("details pane", () => {
  it("shows a pending node at once and a stored one when its answer arrives", () => {
    const pane = document.createElement("div");
    let n = 0;
    const details = createDetails(pane, () => ++n);
    details.show("~1", { pending: true, sender: "bot", text: "so far" });
    expect(pane.querySelector("pre").textContent).toBe("bot (streaming)\n\nso far");
    details.show("a", { sender: "user" });
    details.receive({ request_id: 1, message: { id: "a", sender: "user", metadata: { k: "v" }, content: "whole" } });
    expect([...pane.querySelectorAll("dt")].map((e) => e.textContent)).toEqual(["id", "sender", "metadata"]);
    expect(pane.querySelector("pre").textContent).toBe("whole");
    details.show("zz", undefined);
    expect(pane.children.length).toBe(0);
  });
});
