// @vitest-environment happy-dom
// The TreeView's modules wired together (tree.js) in a DOM, with a fake anywidget model.
import { afterEach, describe, expect, it, vi } from "vitest";
import tree, { NOTICE_MS } from "../src/tree.js";
import { createDetails } from "../src/tree/details.js";
import { createViewport } from "../src/tree/viewport.js";
import { NODE_H } from "../src/layout.js";

function fakeModel(traits) {
  const handlers = new Map();
  const sent = [];
  return {
    sent, traits,
    get: (k) => traits[k],
    set(k, v) {
      if (traits[k] === v) return; // like Backbone: no change, no event
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
/** A wheel event (happy-dom's WheelEvent does not take pointer coordinates) */
function wheelEvent(init) {
  const { deltaY = 0, ...rest } = init;
  const ev = new MouseEvent("wheel", { bubbles: true, cancelable: true, clientX: 0, clientY: 0, ...rest });
  Object.defineProperty(ev, "deltaY", { value: deltaY });
  return ev;
}
const frame = () => new Promise((r) => requestAnimationFrame(r));
const delta = (d) => ({ kind: "delta", nodes: [], streams: [], text: {}, resolved: [], ended: [], ...d });

let mounted = [];
afterEach(() => {
  for (const m of mounted) m.cleanup();
  mounted = [];
  vi.useRealTimers();
});

function mount(snapshot = null) {
  const host = document.createElement("div");
  document.body.append(host);
  const model = fakeModel({ agents: ["bot"], error: "", notice: "", head_id: "", selected_id: "", budget: 2000,
    mode: "tidy" });
  const cleanup = tree.render({ model, el: host });
  model.emit("msg:custom", snapshot || { kind: "snapshot",
    streams: [{ key: "~1", parent: "b", sender: "bot", text: "stream" }],
    nodes: [node("a", null), node("b", "a", { sender: "bot", status: "failed" }), node("c", "a", { kind: "error" }),
      node("d", "c", { kind: "forward", original: "b" })] });
  const q = (s) => host.querySelector(s);
  const click = (target, type = "click", init = {}) =>
    target.dispatchEvent(new MouseEvent(type, { bubbles: true, cancelable: true, button: 0, ...init }));
  const m = { host, model, cleanup, q, click, g: (k) => q(`g.af-node[data-key="${k}"]`),
    keys: () => [...host.querySelectorAll("g.af-node")].map((g) => g.getAttribute("data-key")).sort(),
    view: () => {
      const t = q(".af-viewport").getAttribute("transform");
      const [, x, y, k] = /translate\(([-\d.e]+),([-\d.e]+)\) scale\(([-\d.e]+)\)/.exec(t).map(Number);
      return { x, y, k };
    } };
  mounted.push({ cleanup: () => { try { cleanup(); } catch { /* cleaned up by the test */ } } });
  return m;
}

describe("TreeView", () => {
  it("builds the toolbar and draws the snapshot, the forward folded into its original", () => {
    const { host, model, q, g, keys } = mount();
    expect(model.sent[0]).toEqual({ kind: "ready" });
    expect([...host.querySelectorAll(".af-toolbar button")].map((b) => b.dataset.action))
      .toEqual(["branch", "checkout", "regenerate", "edit", "stop", "fit", "centre-head", "centre-selection",
        undefined, "unfold", "runs", "details", "fullscreen", "help", "more", "collapse", "follow", "sort", "export"]);
    // undefined: the bookmarks button; every control has an accessible name and a tooltip
    for (const c of host.querySelectorAll(".af-toolbar button, .af-toolbar input, .af-toolbar select")) {
      expect(c.getAttribute("aria-label"), c.outerHTML).toBeTruthy();
      expect(c.getAttribute("title") || c.getAttribute("placeholder"), c.outerHTML).toBeTruthy();
    }
    expect(q(".af-toolbar select").options.length).toBe(1);
    expect(q(".af-toolbar input.af-jump")).not.toBe(null);
    expect(keys()).toEqual(["a", "b", "c", "~1"]); // d is drawn in b
    expect(g("b").getAttribute("class")).toBe("af-node af-failed");
    expect(g("b").querySelector(".af-sender").textContent).toBe("bot via user");
    expect(g("c").getAttribute("class")).toBe("af-node af-error");
    expect(g("~1").getAttribute("class")).toBe("af-node af-streaming");
    expect(q("path.af-link.af-forwarded").getAttribute("d")).toBe("M0,0"); // d has no children
    expect(q(".af-status").textContent).toBe("5 nodes · 1 forward drawn in its original");
    expect(q("svg.af-svg").getAttribute("data-layout")).toBe("tidy");
    expect(q("svg.af-svg").getAttribute("data-drawable")).toBe("4");
  });

  it("unfolds forwards into nodes of their own and back", () => {
    const { q, click, g, keys } = mount();
    click(q("button[data-action=unfold]"));
    expect(q("button[data-action=unfold]").getAttribute("aria-pressed")).toBe("true");
    expect(keys()).toEqual(["a", "b", "c", "d", "~1"]);
    expect(g("d").querySelector(".af-sender").textContent).toBe("↪ user");
    expect(q("path.af-extra.af-forward")).not.toBe(null);
    click(q("button[data-action=unfold]"));
    expect(keys()).toEqual(["a", "b", "c", "~1"]);
  });

  it("maps the head and the selection on a folded forward to its node", () => {
    const { model, g } = mount();
    model.set("head_id", "d");
    expect(g("b").getAttribute("class")).toBe("af-node af-failed af-onhead af-head");
    model.set("selected_id", "d");
    expect(g("b").getAttribute("class")).toContain("af-selected");
  });

  it("a click on a node with a forward folded in selects the forward (the message of this branch)", () => {
    const { model, click, g } = mount();
    model.set("head_id", "d");
    click(g("b").querySelector("rect"));
    expect(model.traits.selected_id).toBe("d");
    expect(g("b").getAttribute("class")).toContain("af-selected");
    model.set("head_id", "a");
    click(g("b").querySelector("rect"));
    expect(model.traits.selected_id).toBe("d"); // the head elsewhere: the first forward folded in
    model.set("head_id", "b");
    click(g("b").querySelector("rect"));
    expect(model.traits.selected_id).toBe("b"); // the original is the head: it is the message of this branch
  });

  it("selects on click, asks for the message and shows the latest answer only", () => {
    const { model, q, click, g } = mount();
    click(g("a").querySelector("rect"));
    expect(model.traits.selected_id).toBe("a");
    expect(g("a").getAttribute("class")).toContain("af-selected");
    // the trait is set first (its change asks for the message), then the kernel is told
    expect(model.sent.slice(-2)).toEqual([{ kind: "get-message", id: "a", request_id: 1 }, { kind: "select", id: "a" }]);
    click(g("b"));
    model.emit("msg:custom", { kind: "message", request_id: 1, message: { id: "a", content: "stale" } });
    expect(q(".af-details").textContent).toBe("");
    model.emit("msg:custom", { kind: "message", request_id: 2,
      message: { id: "b", sender: "bot", content: "<img src=x onerror=alert(1)>" } });
    expect(q(".af-details pre").textContent).toBe("<img src=x onerror=alert(1)>");
    expect(q(".af-details img")).toBe(null);
  });

  it("shows the traceback the kernel sends with an error message", () => {
    const { model, q, click, g } = mount();
    click(g("c"));
    const id = model.sent.filter((m) => m.kind === "get-message").at(-1).request_id;
    model.emit("msg:custom", { kind: "message", request_id: id, traceback: "Traceback (most recent call last):\n  boom",
      message: { id: "c", kind: "error", content: "ValueError: boom" } });
    expect(q(".af-details pre.af-traceback").textContent).toContain("most recent call last");
  });

  it("a streaming node can be selected: its pane streams, and shows the stored message once it is stored", () => {
    const { model, q, click, g } = mount();
    click(g("~1"));
    expect(model.traits.selected_id).toBe(""); // only the browser knows a stream's key
    expect(g("~1").getAttribute("class")).toContain("af-selected");
    expect(q(".af-details pre").textContent).toBe("stream");
    model.emit("msg:custom", delta({ text: { "~1": "ing on" } }));
    expect(q(".af-details pre").textContent).toBe("streaming on");
    // stopped: the stream is stored as cancelled; the pane follows it
    model.emit("msg:custom", delta({ nodes: [node("e", "b", { sender: "bot", status: "cancelled" })],
      resolved: [{ key: "~1", id: "e" }] }));
    expect(model.traits.selected_id).toBe("e");
    expect(g("e").getAttribute("class")).toContain("af-selected");
    const ask = model.sent.filter((m) => m.kind === "get-message").at(-1);
    expect(ask).toEqual({ kind: "get-message", id: "e", request_id: expect.any(Number) });
    model.emit("msg:custom", { kind: "message", request_id: ask.request_id,
      message: { id: "e", status: "cancelled", content: "streaming on" } });
    expect(q(".af-details").textContent).toContain("cancelled");
  });

  it("after branch the pane shows the new selection, also when its node arrives after the trait", () => {
    const { model, q } = mount();
    model.set("selected_id", "f"); // the kernel selects the posted message
    model.emit("msg:custom", delta({ nodes: [node("f", "a", { snippet: "Tell me more" })] }));
    expect(model.sent.at(-1)).toEqual({ kind: "get-message", id: "f", request_id: expect.any(Number) });
    model.emit("msg:custom", { kind: "message", request_id: model.sent.at(-1).request_id,
      message: { id: "f", content: "Tell me more" } });
    expect(q(".af-details pre").textContent).toBe("Tell me more");
  });

  it("checks out on double-click and Enter, navigates with arrows", () => {
    const { model, q, click, g } = mount();
    click(g("b"), "dblclick");
    expect(model.sent.at(-1)).toEqual({ kind: "checkout", id: "d" }); // the forward folded into b
    const root = q(".af-tree");
    root.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowUp", bubbles: true }));
    expect(model.traits.selected_id).toBe("a");
    root.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    expect(model.sent.at(-1)).toEqual({ kind: "checkout", id: "a" });
  });

  it("branches with the typed text and reports what is missing; errors can be dismissed", () => {
    const { model, q, click, g } = mount();
    click(q("button[data-action=branch]"));
    expect(model.traits.error).toBe("select a node first");
    expect(q(".af-error-text").textContent).toBe("select a node first");
    expect(q(".af-error").style.display).toBe("");
    click(q(".af-error button.af-dismiss"));
    expect(model.traits.error).toBe("");
    expect(q(".af-error").style.display).toBe("none");
    model.set("error", "the kernel said no");
    click(g("a"));
    q(".af-toolbar input.af-message").value = "more please";
    click(q("button[data-action=branch]")); // the next action replaces the error
    expect(model.traits.error).toBe("");
    expect(model.sent.at(-1)).toEqual({ kind: "branch", id: "a", text: "more please", agent: "bot" });
    expect(q(".af-toolbar input.af-message").value).toBe("");
    click(q("button[data-action=stop]"));
    expect(model.sent.at(-1)).toEqual({ kind: "stop" });
  });

  it("shows a notice for a while", () => {
    vi.useFakeTimers();
    const { model, q } = mount();
    expect(q(".af-notice").style.display).toBe("none");
    model.set("notice", "bot gave the same answer again");
    expect(q(".af-notice").textContent).toBe("bot gave the same answer again");
    expect(q(".af-notice").style.display).toBe("");
    vi.advanceTimersByTime(NOTICE_MS + 500);
    expect(q(".af-notice").style.display).toBe("none");
  });

  it("collapses the selected subtree", () => {
    const { click, g, q, keys } = mount();
    click(g("a"));
    click(q("button[data-action=collapse]"));
    expect(keys()).toEqual(["a"]);
    expect(g("a").querySelector(".af-badge").textContent).toBe("+3");
    click(q("button[data-action=collapse]"));
    expect(keys()).toEqual(["a", "b", "c", "~1"]);
  });

  it("highlights the head's path", () => {
    const { model, g, q } = mount();
    model.set("head_id", "c");
    expect(g("c").getAttribute("class")).toBe("af-node af-error af-onhead af-head");
    expect(g("a").getAttribute("class")).toBe("af-node af-onhead");
    expect(q("path.af-link.af-onhead").getAttribute("d")).not.toBe("M0,0");
  });

  it("streams text into the pending node", () => {
    const { model, g } = mount();
    model.emit("msg:custom", delta({ text: { "~1": "ing" } }));
    expect(g("~1").querySelector(".af-snippet").textContent).toBe("streaming");
  });

  it("marks a node served from the cache", () => {
    const { model, g } = mount();
    model.emit("msg:custom", delta({ nodes: [node("b", "a", { sender: "bot", status: "failed", cached: true })] }));
    expect(g("b").getAttribute("class")).toContain("af-cached");
    expect(g("b").querySelector(".af-badge").textContent).toBe("cached failed");
  });

  it("groups runs in spans that collapse", () => {
    const { model, q, click, keys } = mount({ kind: "snapshot", streams: [], nodes: [node("q", null),
      node("r", "q", { sender: "researcher", run: "r1" }),
      node("fr", "q", { sender: "lead", kind: "forward", original: "r", run: "r2" }),
      node("c", "r", { sender: "critic", run: "r3" }),
      node("fc", "fr", { sender: "lead", kind: "forward", original: "c", run: "r2" })] });
    expect(keys()).toEqual(["c", "q", "r"]);
    expect(q(".af-span")).toBe(null);
    click(q("button[data-action=runs]"));
    const labels = [...model.traits && document.querySelectorAll(".af-span-label")].map((t) => t.textContent).sort();
    expect(labels).toEqual(["▾ critic · 1", "▾ lead · 2", "▾ researcher · 1"]);
    const lead = [...document.querySelectorAll(".af-span-label")].find((t) => t.textContent.includes("lead"));
    click(lead);
    expect(keys()).toEqual(["q", "r"]);
    expect([...document.querySelectorAll(".af-span-label")].map((t) => t.textContent)).toContain("▸ lead · 2");
  });

  it("in the runs mode, the pointer over a run's span highlights and lists the requests it received", () => {
    const { q, click, g } = mount({ kind: "snapshot", streams: [], nodes: [node("q", null, { snippet: "Why blue?" }),
      node("r", "q", { sender: "researcher", run: "r1" }),
      node("fr", "q", { sender: "lead", kind: "forward", original: "r", run: "r2" }),
      node("c", "r", { sender: "critic", run: "r3" }),
      node("fc", "fr", { sender: "lead", kind: "forward", original: "c", run: "r2" })] });
    click(q("button[data-action=runs]"));
    const span = [...document.querySelectorAll(".af-span")].find((s) => s.textContent.includes("critic"));
    span.querySelector("rect").dispatchEvent(new MouseEvent("mousemove", { bubbles: true, clientX: 5, clientY: 5 }));
    const tip = q(".af-tip");
    expect(tip.hidden).toBe(false);
    expect(tip.textContent).toContain("critic received 1 request");
    expect(tip.textContent).toContain("researcher: text of r");
    for (const k of ["q", "r"]) expect(g(k).getAttribute("class")).toContain("af-ctx"); // r's branch
    q(".af-canvas").dispatchEvent(new MouseEvent("mouseleave"));
    expect(tip.hidden).toBe(true);
    expect(g("q").getAttribute("class")).not.toContain("af-ctx");
  });

  it("jumps to a node by an id prefix", () => {
    const id = "abcdef" + "1".repeat(58);
    const { model, q } = mount({ kind: "snapshot", streams: [], nodes: [node("0".repeat(64), null), node(id, "0".repeat(64))] });
    const jump = q(".af-toolbar input.af-jump");
    jump.value = "abcd";
    jump.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    expect(model.traits.error).toMatch(/at least 6/);
    jump.value = "ABCDEF1";
    jump.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    expect(model.traits.selected_id).toBe(id);
    expect(model.traits.error).toBe("");
    expect(jump.value).toBe("");
  });

  it("brings a node selected or checked out in Python into view; centres on the head and the selection", async () => {
    const nodes = [node("r", null)];
    for (let i = 0; i < 40; i++) nodes.push(node(`n${i}`, "r"));
    const { model, q, click, view } = mount({ kind: "snapshot", streams: [], nodes });
    // the user zooms in on the left (Ctrl + wheel) and the last child is far off to the right
    const canvas = q(".af-canvas");
    for (let i = 0; i < 20; i++) canvas.dispatchEvent(wheelEvent({ deltaY: -200, ctrlKey: true, cancelable: true, bubbles: true }));
    await frame();
    const before = view();
    expect(before.k).toBeGreaterThan(0.9);
    model.set("selected_id", "n39");
    const after = view();
    expect(after).not.toEqual(before);
    const size = { w: 800, h: 400 };
    const p = [...document.querySelectorAll("g.af-node")].find((g) => g.dataset.key === "n39");
    expect(p).not.toBe(undefined); // drawn: it is in view now
    const [, px] = /translate\(([-\d.e]+),/.exec(p.getAttribute("transform")).map(Number);
    expect(px * after.k + after.x).toBeCloseTo(size.w / 2, 3);
    click(q("button[data-action=centre-head]"));
    expect(model.traits.error).toMatch(/no head/);
    model.set("head_id", "n0");
    const h = view();
    const n0 = [...document.querySelectorAll("g.af-node")].find((g) => g.dataset.key === "n0");
    const [, hx, hy] = /translate\(([-\d.e]+),([-\d.e]+)\)/.exec(n0.getAttribute("transform")).map(Number);
    expect(hx * h.k + h.x).toBeCloseTo(400, 3);
    expect((hy + NODE_H / 2) * h.k + h.y).toBeCloseTo(200, 3);
    click(q("button[data-action=centre-selection]"));
    const s = view();
    expect(px * s.k + s.x).toBeCloseTo(400, 3);
    click(q("button[data-action=centre-head]"));
    expect(hx * view().k + view().x).toBeCloseTo(400, 3);
  });

  it("zooms with the wheel only with Ctrl or once clicked into; a drag on a node pans and selects nothing", async () => {
    const { model, q, g, view } = mount();
    const canvas = q(".af-canvas");
    const wheel = (init) => {
      const ev = wheelEvent({ deltaY: 300, cancelable: true, bubbles: true, ...init });
      canvas.dispatchEvent(ev);
      return ev.defaultPrevented;
    };
    expect(wheel({})).toBe(false); // the page scrolls
    expect(q(".af-hint").classList.contains("af-show")).toBe(true);
    expect(wheel({ ctrlKey: true })).toBe(true);
    await frame();
    const rect = g("a").querySelector("rect");
    const start = view();
    rect.dispatchEvent(new MouseEvent("mousedown", { bubbles: true, cancelable: true, button: 0, clientX: 100, clientY: 100 }));
    window.dispatchEvent(new MouseEvent("mousemove", { clientX: 160, clientY: 130 }));
    window.dispatchEvent(new MouseEvent("mouseup", {}));
    rect.dispatchEvent(new MouseEvent("click", { bubbles: true, cancelable: true, clientX: 160, clientY: 130 }));
    await frame();
    expect(view().x).toBeCloseTo(start.x + 60, 6);
    expect(view().y).toBeCloseTo(start.y + 30, 6);
    expect(model.traits.selected_id).toBe(""); // the click ending the drag selected nothing
    expect(wheel({})).toBe(true); // clicked into: the wheel zooms
  });

  it("resizes with the handle, fills a height the layout gives, goes full screen", () => {
    const { host, q, click } = mount();
    const root = q(".af-tree");
    root.getBoundingClientRect = () => ({ left: 0, top: 0, width: 800, height: 560 });
    const handle = q(".af-resize");
    handle.dispatchEvent(new MouseEvent("mousedown", { bubbles: true, cancelable: true, button: 0, clientY: 600 }));
    window.dispatchEvent(new MouseEvent("mousemove", { clientY: 740 }));
    window.dispatchEvent(new MouseEvent("mouseup", {}));
    expect(root.style.height).toBe("700px");
    host.style.height = "300px"; // view.layout.height = "300px"
    return new Promise((r) => setTimeout(r, 0)).then(() => {
      expect(root.classList.contains("af-sized")).toBe(true);
      expect(root.style.height).toBe("");
      click(q("button[data-action=fullscreen]"));
      expect(root.classList.contains("af-fullscreen")).toBe(true);
      root.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
      expect(root.classList.contains("af-fullscreen")).toBe(false);
    });
  });

  it("asks for the Graphviz engine once", () => {
    const { model } = mount();
    model.set("mode", "graphviz");
    model.set("budget", 1000);
    expect(model.sent.filter((m) => m.kind === "load-graphviz").length).toBe(1);
  });

  it("cleans up its listeners and elements", () => {
    const { host, model, cleanup } = mount();
    expect(model.count()).toBe(13);
    cleanup();
    expect(model.count()).toBe(0);
    expect(host.children.length).toBe(0);
  });

  it("exports the whole tree, whatever the pan and zoom, with a viewBox, a sans-serif font and full labels", async () => {
    const long = "a long message that goes on well past twenty-four characters";
    const { q, click } = mount({ kind: "snapshot", streams: [], nodes: [node("a", null, { snippet: long }),
      node("b", "a", { sender: "a-sender-with-a-rather-long-name" })] });
    const blobs = [];
    const orig = URL.createObjectURL;
    URL.createObjectURL = (b) => {
      blobs.push(b);
      return "blob:x";
    };
    try {
      click(q("button[data-action=export]"));
      q(".af-canvas").dispatchEvent(wheelEvent({ deltaY: 900, ctrlKey: true, cancelable: true, bubbles: true }));
      click(q("button[data-action=export]"));
    } finally {
      URL.createObjectURL = orig;
    }
    const [first, second] = await Promise.all(blobs.map((b) => b.text()));
    expect(first).toBe(second); // independent of the view
    expect(first.startsWith("<svg")).toBe(true);
    expect(first).toMatch(/viewBox="[-\d.]+ [-\d.]+ [\d.]+ [\d.]+"/);
    expect(first).toContain("sans-serif");
    expect(first).toContain("a long message that goes on well past");
    expect(first).toContain("a-sender-with-a-rather-long-name");
    expect(first).toContain('data-key="b"');
    expect(first).not.toContain("<script");
  });
});

describe("viewport events", () => {
  it("zooms on the wheel, pans on drag, fits; draws once per frame", async () => {
    const canvas = document.createElement("div");
    const group = document.createElementNS("http://www.w3.org/2000/svg", "g");
    canvas.getBoundingClientRect = () => ({ left: 10, top: 10, width: 800, height: 400 });
    const seen = [];
    const vp = createViewport(canvas, group, (view) => seen.push(view.k), { isEngaged: () => true });
    vp.apply();
    expect(group.getAttribute("transform")).toBe("translate(20,20) scale(1)");
    expect(vp.userMoved).toBe(false);
    const wheel = wheelEvent({ clientX: 110, clientY: 60, cancelable: true, deltaY: 5000 });
    canvas.dispatchEvent(wheel);
    canvas.dispatchEvent(wheelEvent({ clientX: 110, clientY: 60, cancelable: true, deltaY: 10 }));
    expect(wheel.defaultPrevented).toBe(true);
    expect(vp.userMoved).toBe(true);
    expect(vp.view.k).toBe(0.02);
    await new Promise((r) => requestAnimationFrame(r));
    expect(seen).toEqual([1, 0.02]); // two events, one frame
    canvas.dispatchEvent(new MouseEvent("mousedown", { button: 0, clientX: 0, clientY: 0 }));
    window.dispatchEvent(new MouseEvent("mousemove", { clientX: 2, clientY: 1 })); // under the threshold: a click
    expect(canvas.classList.contains("af-dragging")).toBe(false);
    const before = vp.view;
    window.dispatchEvent(new MouseEvent("mousemove", { clientX: 15, clientY: -5 }));
    expect(canvas.classList.contains("af-dragging")).toBe(true);
    expect(vp.view.x).toBeCloseTo(before.x + 15, 9);
    expect(vp.view.y).toBeCloseTo(before.y - 5, 9);
    window.dispatchEvent(new MouseEvent("mouseup"));
    expect(canvas.classList.contains("af-dragging")).toBe(false);
    vp.fit({ x: -80, y: 0, width: 160, height: 52 });
    expect(group.getAttribute("transform")).toBe("translate(400,12) scale(1)");
    vp.destroy();
    window.dispatchEvent(new MouseEvent("mousemove", { clientX: 500, clientY: 500 }));
    expect(vp.view.x).toBe(400);
  });
});

describe("details pane", () => {
  it("shows a pending node at once, updates it, and a stored one when its answer arrives", () => {
    const pane = document.createElement("div");
    let n = 0;
    const details = createDetails(pane, () => ++n);
    details.show("~1", { pending: true, sender: "lead", author: "critic", run: "r2", text: "so far" });
    expect(pane.querySelector(".af-live").textContent).toBe("critic via lead (streaming, run r2)");
    expect(pane.querySelector("pre").textContent).toBe("so far");
    details.update("~1", { pending: true, text: "so far, more" });
    expect(pane.querySelector("pre").textContent).toBe("so far, more");
    details.update("~2", { pending: true, text: "other" });
    expect(pane.querySelector("pre").textContent).toBe("so far, more");
    details.show("a", { sender: "user" });
    details.receive({ request_id: 1, message: { id: "a", sender: "user", metadata: { k: "v" }, content: "whole" } });
    expect([...pane.querySelectorAll("dt")].map((e) => e.textContent)).toEqual(["id", "sender", "metadata"]);
    expect(pane.querySelector("pre").textContent).toBe("whole");
    details.show("zz", undefined);
    expect(pane.children.length).toBe(0);
  });
});

describe("TreeView: what each agent saw, the menu, the keys", () => {
  const debate = () => ({ kind: "snapshot", streams: [], nodes: [
    node("m", null, { snippet: "Motion: tea beats coffee" }),
    node("q", "m", { sender: "moderator", snippet: "Pro, open." }),
    node("p", "q", { sender: "pro", snippet: "Tea is calmer." }),
    node("fp", "q", { sender: "moderator", kind: "forward", original: "p", author: "pro", snippet: "Tea is calmer." }),
    node("c", "fp", { sender: "con", snippet: "Coffee is faster." }),
    node("x", "m", { sender: "pro", snippet: "another branch" }),
  ] });

  it("selecting a node highlights its branch, dims the rest, and lists the context, each entry clickable", () => {
    const { model, q, click, g } = mount(debate());
    click(g("c").querySelector("rect"));
    expect(model.traits.selected_id).toBe("c");
    for (const k of ["m", "q", "p", "c"]) expect(g(k).getAttribute("class")).toContain("af-ctx");
    expect(g("x").getAttribute("class")).toContain("af-dim");
    expect(q(".af-links").classList.contains("af-dimming")).toBe(true);
    expect(q("path.af-link.af-ctx").getAttribute("d")).not.toBe("M0,0");
    const id = model.sent.filter((m) => m.kind === "get-message").at(-1).request_id;
    model.emit("msg:custom", { kind: "message", request_id: id, message: { id: "c", parent_id: "fp", reply_to_id: null,
      original_id: null, kind: "message", sender: "con", status: "complete", content: "Coffee is faster.",
      metadata: {} } });
    const entries = [...document.querySelectorAll(".af-details .af-ctx-entry")];
    expect(entries.map((e) => e.textContent)).toEqual(["userMotion: tea beats coffee", "moderatorPro, open.",
      "pro via moderatorTea is calmer."]);
    expect(q(".af-details .af-slot-context .af-section").textContent).toBe("what its agent saw (3 messages)");
    // ids: short, the parent's selects it, each with a copy button holding the whole id
    expect(q(".af-details button.af-link-id").textContent).toBe("fp");
    expect(q(".af-details button.af-copy").getAttribute("data-id")).toBe("c");
    click(entries[0]);
    expect(model.traits.selected_id).toBe("m");
    click(g("x").querySelector("rect"));
    expect(g("c").getAttribute("class")).toContain("af-dim");
  });

  it("a right click opens the node's menu; its items act on that node", () => {
    const { model, q, click, g } = mount(debate());
    click(g("x").querySelector("rect"));
    click(g("c").querySelector("rect"), "contextmenu", { clientX: 10, clientY: 10 });
    const menu = q(".af-menu");
    expect(menu.hidden).toBe(false);
    expect([...menu.querySelectorAll("button")].map((b) => b.dataset.menu)).toEqual(["checkout", "branch",
      "regenerate", "edit", "compare", "replay", "bookmark", "copy-id"]);
    click(menu.querySelector("[data-menu=bookmark]"));
    expect(model.sent.at(-1)).toEqual({ kind: "annotate", id: "c", values: { bookmark: true } });
    expect(menu.hidden).toBe(true);
    click(g("c").querySelector("rect"), "contextmenu");
    click(q(".af-menu [data-menu=compare]")); // with the selection (x)
    expect(model.sent.at(-1)).toEqual({ kind: "compare", a: "x", b: "c" });
    click(g("p").querySelector("rect"), "contextmenu");
    click(q(".af-menu [data-menu=replay]"));
    expect(model.sent.at(-1)).toEqual({ kind: "replay", id: "fp" }); // the forward folded into p: this branch's
    click(g("c").querySelector("rect"), "contextmenu");
    click(q(".af-menu [data-menu=regenerate]"));
    expect(model.sent.at(-1)).toEqual({ kind: "regenerate", id: "c", n: 1 });
    expect(model.traits.selected_id).toBe("c");
  });

  it("Shift-click adds branches to a comparison shown", () => {
    const { model, click, g } = mount(debate());
    model.set("comparison", { ancestor: "m", left: { head: "x" }, right: { head: "c" },
      sides: [{ head: "x" }, { head: "c" }], rows: [] });
    click(g("p").querySelector("rect"), "click", { shiftKey: true });
    expect(model.sent.at(-1)).toEqual({ kind: "compare", ids: ["x", "c", "fp"] }); // p holds the forward fp
  });

  it("keys: ? lists them, d hides the details pane (kept across re-renders), f fits; the filter and depth boxes", () => {
    const first = mount(debate());
    const root = first.q(".af-tree");
    const key = (k) => root.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true }));
    key("?");
    expect(first.q(".af-help").hidden).toBe(false);
    expect(first.q(".af-help").textContent).toContain("what its agent saw");
    key("Escape");
    expect(first.q(".af-help").hidden).toBe(true);
    key("d");
    expect(root.classList.contains("af-details-hidden")).toBe(true);
    expect(first.q("button[data-action=details]").getAttribute("aria-pressed")).toBe("false");
    // the same model shown again (a re-render): the pane stays hidden
    const host2 = document.createElement("div");
    document.body.append(host2);
    const cleanup2 = tree.render({ model: first.model, el: host2 });
    expect(host2.querySelector(".af-tree").classList.contains("af-details-hidden")).toBe(true);
    cleanup2();
    key("d");
    expect(root.classList.contains("af-details-hidden")).toBe(false);
    first.click(first.q("button[data-action=more]"));
    expect(first.q(".af-more-panel").classList.contains("af-open")).toBe(true);
    const filter = first.q(".af-more-panel input.af-filter");
    filter.value = "pro, con";
    filter.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    expect(first.model.sent.at(-1)).toEqual({ kind: "filter", senders: ["pro", "con"] });
    first.model.set("sender_filter", ["con"]);
    expect(first.g("x").getAttribute("class")).toContain("af-dim");
    expect(first.g("c").getAttribute("class")).not.toContain("af-dim");
    const depth = first.q(".af-more-panel input.af-depth");
    depth.value = "2";
    depth.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    expect(first.model.sent.at(-1)).toEqual({ kind: "expand", depth: 2 });
    first.model.set("depth", 1);
    expect(first.keys()).toEqual(["m", "q", "x"]); // q's subtree collapsed
    first.click(first.q("button[data-action=sort]"));
    expect(first.model.sent.at(-1)).toEqual({ kind: "sort", by: "score" });
    first.click(first.q("button[data-action=follow]"));
    expect(first.model.sent.at(-1)).toEqual({ kind: "follow", on: false });
  });

  it("shows a provider's error body in the details pane as text, folded when long", () => {
    const { model, q, click, g } = mount(debate());
    click(g("x").querySelector("rect"));
    const id = model.sent.filter((m) => m.kind === "get-message").at(-1).request_id;
    const body = "<script>x</script> " + "rate limited ".repeat(50);
    model.emit("msg:custom", { kind: "message", request_id: id, message: { id: "x", parent_id: "m",
      reply_to_id: null, original_id: null, kind: "error", sender: "pro", status: "complete", content: "failed",
      metadata: { error_detail: body } } });
    expect(q(".af-details details.af-detail-fold pre.af-error-detail").textContent).toBe(body);
    expect(q(".af-details script")).toBe(null);
  });
});
