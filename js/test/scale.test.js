// @vitest-environment happy-dom
// The TreeView at scale: text never below a legible size (shapes and a hover label instead), "fit" in both
// directions, search zooming to read, "+k more" folds, the minimap's shape and place, compact snapshots.
import { afterEach, describe, expect, it } from "vitest";
import tree from "../src/tree.js";
import { CSS } from "../src/tree/style.js";
import { charsFor, FAR_ZOOM, FULL_ZOOM, LABEL_FONTS, LABEL_LEVELS, labelLevel, LEGIBLE_PX, nodeLabels,
  shortLabels } from "../src/tree/draw.js";
import { hoverPlace, hoverText } from "../src/tree/hover.js";
import { MINIMAP_MIN_SIDE, MINIMAP_SIZE, minimapSize, minimapTransform } from "../src/tree/minimap.js";
import { centringZoom, READABLE_ZOOM } from "../src/tree/navigation.js";
import { pixelOf, titleOf, titleShown } from "../src/tree/raster.js";
import { filterEntries } from "../src/tree/conversations.js";
import { moreKey, SIBLING_LIMIT } from "../src/layout.js";
import { inBuffer, nodesOfColumns, nodesOfRows } from "../src/rows.js";
import { applyMessage, createState } from "../src/state.js";

const node = (id, parent, extra = {}) => ({ id, parent, sender: "user", kind: "message", status: "complete",
  snippet: `text of ${id}`, n_chars: 9, reply_to: null, original: null, ...extra });
const frame = () => new Promise((r) => requestAnimationFrame(r));

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

let mounted = [];
afterEach(() => {
  for (const c of mounted) c();
  mounted = [];
});

function mount(nodes, buffers = undefined, snapshot = null) {
  const host = document.createElement("div");
  document.body.append(host);
  const model = fakeModel({ agents: [], error: "", notice: "", head_id: "", selected_id: "", budget: 20000,
    mode: "tidy" });
  const cleanup = tree.render({ model, el: host });
  mounted.push(() => { try { cleanup(); } catch { /* done by the test */ } });
  model.emit("msg:custom", snapshot || { kind: "snapshot", streams: [], nodes }, buffers);
  const q = (s) => host.querySelector(s);
  const root = q(".af-tree");
  const view = () => root.afTree.view();
  return { host, model, q, root, view, g: (k) => q(`g.af-node[data-key="${k}"]`) };
}

/** The view's zoom set to `k` about the canvas's centre (as the wheel does), applied at once. */
function zoomTo(m, k) {
  const canvas = m.q(".af-canvas");
  const v = m.view();
  const deltaY = -Math.log(k / v.k) / 0.0015;
  const ev = new MouseEvent("wheel", { bubbles: true, cancelable: true, clientX: 400, clientY: 200, ctrlKey: true });
  Object.defineProperty(ev, "deltaY", { value: deltaY });
  canvas.dispatchEvent(ev);
}

describe("legible text", () => {
  it("draws each level of detail only where its smallest font is at least LEGIBLE_PX on screen, else shapes", () => {
    expect(LEGIBLE_PX).toBeGreaterThanOrEqual(9);
    for (let k = 0.01; k <= 4; k *= 1.01) {
      const level = labelLevel(k);
      if (level === "shapes") {
        expect(k).toBeLessThan(FAR_ZOOM);
        for (const l of LABEL_LEVELS) expect(LABEL_FONTS[l] * k).toBeLessThan(LEGIBLE_PX);
      } else {
        expect(LABEL_FONTS[level] * k).toBeGreaterThanOrEqual(LEGIBLE_PX - 1e-9);
        // and never a less detailed level than a legible one
        const better = LABEL_LEVELS.slice(0, LABEL_LEVELS.indexOf(level));
        for (const l of better) expect(LABEL_FONTS[l] * k).toBeLessThan(LEGIBLE_PX);
      }
    }
    // between zoom 0.3 and 0.5 (where labels used to be drawn at 3 to 5 px) only labels in larger fonts are
    for (let k = 0.3; k < 0.5; k += 0.01) expect(["brief", "tag"]).toContain(labelLevel(k));
    expect(labelLevel(0.6)).toBe("short"); // the sender and two lines of text in a 15-unit font: 9 px
    expect(labelLevel(1)).toBe("full");
    expect(labelLevel(FULL_ZOOM)).toBe("full");
    expect(labelLevel(FULL_ZOOM * 0.99)).toBe("short");
  });

  it("the stylesheet's node fonts are no smaller than the full labels' smallest (the threshold holds)", () => {
    // every font size set for text inside a node: the sender, the text, badges, pills
    const sizes = [];
    for (const rule of CSS.split("}")) {
      const [selector, body] = rule.split("{");
      if (!body || !/\.af-node|\.af-pill|\.af-badge/.test(selector)) continue;
      const m = /font(?:-size)?:[^;]*?([\d.]+)px/.exec(body);
      if (m) sizes.push(Number(m[1]));
    }
    expect(sizes.length).toBeGreaterThan(3);
    for (const s of sizes) expect(s).toBeGreaterThanOrEqual(LABEL_FONTS.full);
  });

  it("cuts the larger labels to what fits their fonts, wrapping the text between words", () => {
    const labels = nodeLabels(node("a", null, { sender: "researcher via lead", snippet: "word ".repeat(40) }), null);
    const short = shortLabels(labels, "short");
    expect(short.length).toBe(3);
    expect(short[0].length).toBeLessThanOrEqual(charsFor(LABEL_FONTS.short, true));
    for (const line of short.slice(1)) {
      expect(line.length).toBeLessThanOrEqual(charsFor(LABEL_FONTS.short));
      expect(line.length).toBeGreaterThan(15);
    }
    expect(short[2].endsWith("…")).toBe(true);
    const brief = shortLabels(labels, "brief");
    expect(brief.length).toBe(2);
    expect(brief[1].length).toBeLessThanOrEqual(charsFor(LABEL_FONTS.brief));
    const [tag, ...none] = shortLabels(labels, "tag");
    expect(tag.length).toBeLessThanOrEqual(charsFor(LABEL_FONTS.tag, true));
    expect(none).toEqual([]);
  });

  it("switches the SVG's level of detail with the zoom, and shows no text on the canvas far out", async () => {
    const nodes = [node("r", null)];
    for (let i = 0; i < 5; i++) nodes.push(node(`c${i}`, i ? `c${i - 1}` : "r"));
    const m = mount(nodes);
    const svg = m.q("svg.af-svg");
    zoomTo(m, 1);
    await frame();
    expect(svg.classList.contains("af-lod-full")).toBe(true);
    zoomTo(m, 0.6);
    await frame();
    expect(svg.classList.contains("af-lod-short")).toBe(true);
    expect(svg.classList.contains("af-lod-full")).toBe(false);
    const g = m.g("c2");
    const big = () => [...g.querySelectorAll("text.af-big")].map((t) => t.textContent);
    expect(big()).toEqual(["user", "text of c2", ""]);
    expect(g.querySelector("text.af-snippet").textContent).toBe("text of c2"); // kept (hidden by the level's CSS)
    zoomTo(m, 0.5);
    await frame();
    expect(svg.classList.contains("af-lod-brief")).toBe(true);
    expect(big()).toEqual(["user", "text of c2", ""]);
    zoomTo(m, 0.35);
    await frame();
    expect(svg.classList.contains("af-lod-tag")).toBe(true);
    expect(big()).toEqual(["user", "", ""]);
    zoomTo(m, 0.1);
    await frame();
    expect(svg.classList.contains("af-far")).toBe(true);
    expect(m.host.querySelectorAll("g.af-node").length).toBe(0);
  });

  it("shows the node under the pointer in a label when its text is not drawn in full", async () => {
    const nodes = [node("r", null, { sender: "moderator", snippet: "Motion: trees are the best logs" })];
    for (let i = 0; i < 3; i++) nodes.push(node(`c${i}`, "r"));
    const m = mount(nodes);
    const canvas = m.q(".af-canvas");
    canvas.getBoundingClientRect = () => ({ left: 0, top: 0, width: 800, height: 400, right: 800, bottom: 400 });
    const hover = m.q(".af-hover");
    const over = (key) => {
      const p = m.root.afTree.position(key), v = m.view();
      canvas.dispatchEvent(new MouseEvent("mousemove", { bubbles: true, clientX: p.x * v.k + v.x,
        clientY: (p.y + p.h / 2) * v.k + v.y }));
    };
    zoomTo(m, 0.4);
    await frame();
    over("r");
    await frame();
    expect(hover.style.display).toBe("");
    expect(hover.querySelector(".af-hover-title").textContent).toBe("moderator");
    expect(hover.querySelector(".af-hover-text").textContent).toBe("Motion: trees are the best logs");
    expect(hover.innerHTML).not.toContain("<script");
    canvas.dispatchEvent(new MouseEvent("mouseleave", {}));
    expect(hover.style.display).toBe("none");
    zoomTo(m, 0.1); // shapes only: the label says what is there
    await frame();
    over("c1");
    await frame();
    expect(hover.style.display).toBe("");
    expect(hover.querySelector(".af-hover-text").textContent).toBe("text of c1");
    zoomTo(m, 1.5); // full labels: no need
    await frame();
    over("c1");
    await frame();
    expect(hover.style.display).toBe("none");
  });

  it("says what a node is and keeps the label inside the canvas", () => {
    const t = hoverText(node("abcdef0123", null, { kind: "forward", status: "failed", cached: true,
      snippet: "x".repeat(500) }), "lead via panel", { hidden: 12 });
    expect(t.title).toBe("lead via panel");
    expect(t.text.length).toBeLessThanOrEqual(280);
    expect(t.facts).toBe("abcdef01 · forward · failed · cached · +12 hidden below");
    expect(hoverPlace({ x: 10, y: 10 }, { w: 100, h: 40 }, { w: 800, h: 400 })).toEqual({ x: 24, y: 24 });
    const flipped = hoverPlace({ x: 790, y: 390 }, { w: 100, h: 40 }, { w: 800, h: 400 });
    expect(flipped.x + 100).toBeLessThanOrEqual(800);
    expect(flipped.y + 40).toBeLessThanOrEqual(400);
  });
});

describe("fit, search and folds", () => {
  it("fits again in both directions after a resize, and lays the tree out again for a new shape", async () => {
    const observers = [];
    const Real = globalThis.ResizeObserver;
    globalThis.ResizeObserver = class { constructor(cb) { this.cb = cb; observers.push(this); } observe() {} disconnect() {} };
    try {
      const nodes = [];
      for (let i = 0; i < 15; i++) nodes.push(node(`t${i}`, i ? `t${i - 1}` : null)); // a debate's turns
      const m = mount(nodes);
      const canvas = m.q(".af-canvas");
      const resize = (w, h) => {
        Object.defineProperty(canvas, "clientWidth", { value: w, configurable: true });
        Object.defineProperty(canvas, "clientHeight", { value: h, configurable: true });
        for (const o of observers) o.cb([]);
      };
      const fitted = () => {
        const v = m.view(), b = m.root.afTree.bounds();
        const l = b.x * v.k + v.x, t = b.y * v.k + v.y, r = l + b.width * v.k, bottom = t + b.height * v.k;
        expect(l).toBeGreaterThanOrEqual(-0.01);
        expect(t).toBeGreaterThanOrEqual(-0.01);
        expect(r).toBeLessThanOrEqual(v.w + 0.01);
        expect(bottom).toBeLessThanOrEqual(v.h + 0.01);
        return Math.max((r - l) / v.w, (bottom - t) / v.h);
      };
      resize(1000, 250); // a wide, short canvas: the chain goes in columns across it
      expect(m.view().w).toBe(1000);
      expect(fitted()).toBeGreaterThan(0.85);
      const wide = m.root.afTree.bounds();
      expect(wide.width).toBeGreaterThan(wide.height);
      resize(300, 900); // tall and narrow: one column down it, fitted again
      expect(fitted()).toBeGreaterThan(0.85);
      const tall = m.root.afTree.bounds();
      expect(tall.height).toBeGreaterThan(tall.width);
    } finally {
      globalThis.ResizeObserver = Real;
    }
  });

  it("fit shows the whole tree in both directions and changes the view of a large tree", async () => {
    const nodes = [];
    for (let c = 0; c < 100; c++) for (let i = 0; i < 30; i++) nodes.push(node(`c${c}-${i}`, i ? `c${c}-${i - 1}` : null));
    const m = mount(nodes);
    const b = () => {
      const v = m.view(), lay = m.root.afTree.bounds();
      return { l: lay.x * v.k + v.x, t: lay.y * v.k + v.y, r: (lay.x + lay.width) * v.k + v.x,
        bottom: (lay.y + lay.height) * v.k + v.y, w: v.w, h: v.h };
    };
    let e = b();
    expect(e.l).toBeGreaterThanOrEqual(0);
    expect(e.t).toBeGreaterThanOrEqual(0);
    expect(e.r).toBeLessThanOrEqual(e.w);
    expect(e.bottom).toBeLessThanOrEqual(e.h);
    // it fills one direction and is not a strip in the other
    expect(Math.max((e.r - e.l) / e.w, (e.bottom - e.t) / e.h)).toBeGreaterThan(0.85);
    expect(Math.min((e.r - e.l) / e.w, (e.bottom - e.t) / e.h)).toBeGreaterThan(0.4);
    zoomTo(m, 1);
    await frame();
    const zoomed = m.view();
    m.q("button[data-action=fit]").click();
    expect(m.view()).not.toEqual(zoomed);
    e = b();
    expect(e.l).toBeGreaterThanOrEqual(0);
    expect(e.bottom).toBeLessThanOrEqual(e.h);
  });

  it("Enter in the search box zooms in to read the match, not only centres it", () => {
    const nodes = [];
    for (let c = 0; c < 40; c++) for (let i = 0; i < 20; i++) nodes.push(node(`c${c}-${i}`, i ? `c${c}-${i - 1}` : null));
    const m = mount(nodes);
    expect(m.view().k).toBeLessThan(FULL_ZOOM);
    const box = m.q(".af-toolbar input.af-search");
    box.value = "needle";
    box.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    const request = m.model.sent.filter((s) => s.kind === "search").at(-1);
    m.model.emit("msg:custom", { kind: "search-result", request_id: request.request_id, text: "needle",
      ids: ["c17-9"], total: 1 });
    expect(m.model.traits.selected_id).toBe("c17-9");
    const v = m.view();
    expect(v.k).toBeGreaterThanOrEqual(FULL_ZOOM);
    const p = m.root.afTree.position("c17-9");
    expect(p.x * v.k + v.x).toBeCloseTo(v.w / 2, 3);
    expect(m.g("c17-9").querySelector("text.af-snippet").textContent).toBe("text of c17-9");
    expect(m.q("svg.af-svg").classList.contains("af-lod-full")).toBe(true);
    expect(centringZoom(0.5, true)).toBe(READABLE_ZOOM);
    expect(centringZoom(0.5, false)).toBe(0.5);
    expect(centringZoom(2, true)).toBe(2);
  });

  it("folds siblings past a few into '+k more', which expands on click; a selected folded one is shown", () => {
    const nodes = [node("p", null)];
    for (let i = 0; i < 25; i++) nodes.push(node(`k${i}`, "p"));
    const m = mount(nodes);
    const more = m.g(moreKey("p"));
    expect(more).not.toBe(null);
    expect(more.querySelector("text.af-sender").textContent).toBe(`+${25 - (SIBLING_LIMIT - 1)} more`);
    expect(m.g("k20")).toBe(null);
    expect(m.q(".af-status").textContent).toContain("folded");
    // a selection among the folded siblings is drawn (the arrow keys, the search, Python)
    m.model.set("selected_id", "k20");
    expect(m.root.afTree.position("k20")).not.toBe(null);
    expect(m.root.afTree.position(moreKey("p"))).not.toBe(null);
    // a click on "+k more" shows them all
    m.g(moreKey("p")).dispatchEvent(new MouseEvent("click", { bubbles: true, cancelable: true, button: 0 }));
    expect(m.root.afTree.position(moreKey("p"))).toBe(null);
    for (let i = 0; i < 25; i++) expect(m.root.afTree.position(`k${i}`)).not.toBe(null);
    expect(m.model.traits.selected_id).toBe("k20"); // the click selected nothing
  });
});

describe("the minimap", () => {
  it("takes the tree's shape, never a line, within its largest size", () => {
    const wide = minimapSize({ x: 0, y: 0, width: 1e6, height: 100 });
    expect(wide.w).toBe(MINIMAP_SIZE.w);
    expect(wide.h).toBe(MINIMAP_MIN_SIDE);
    const tall = minimapSize({ x: 0, y: 0, width: 100, height: 1e6 });
    expect(tall).toEqual({ w: MINIMAP_MIN_SIDE, h: MINIMAP_SIZE.h });
    const forest = minimapSize({ x: 0, y: 0, width: 1800, height: 1000 });
    expect(forest.w / forest.h).toBeCloseTo(1.8, 1);
    expect(forest.w).toBeLessThanOrEqual(MINIMAP_SIZE.w);
    expect(forest.h).toBeLessThanOrEqual(MINIMAP_SIZE.h);
    // the tree fills the map
    const t = minimapTransform({ x: 0, y: 0, width: 1800, height: 1000 }, forest);
    expect(1800 * t.s).toBeGreaterThan(forest.w - 20);
  });

  it("shows when the tree does not fit, in the corner, folds to a button, and is never where a node is brought", async () => {
    const nodes = [];
    for (let c = 0; c < 20; c++) for (let i = 0; i < 10; i++) nodes.push(node(`c${c}-${i}`, i ? `c${c}-${i - 1}` : null));
    const m = mount(nodes);
    const box = m.q(".af-mm");
    await frame();
    expect(box.style.display).toBe("none"); // fitted: the whole tree is in view, nothing under the map
    zoomTo(m, 1);
    await frame();
    expect(box.style.display).toBe("");
    const canvas = m.q("canvas.af-minimap");
    const size = minimapSize(m.root.afTree.bounds());
    expect(canvas.style.width).toBe(`${size.w}px`);
    const fold = m.q(".af-mm-fold");
    expect(fold.getAttribute("aria-label")).toBe("hide the minimap");
    fold.click();
    expect(box.classList.contains("af-mm-folded")).toBe(true);
    expect(fold.getAttribute("aria-label")).toBe("show the minimap");
    fold.click();
    expect(box.classList.contains("af-mm-folded")).toBe(false);
  });
});

describe("compact snapshots", () => {
  const id = (c) => c.repeat(64);
  const columns = {
    n: 3, ids: id("a") + id("b") + id("c"), parent: [-1, 0, "f".repeat(64)], sender: [0, 1, 1],
    senders: ["user", "bot"], colours: ["#eee", "#ddd"], kind: [0, 0, 1], kinds: ["message", "forward"],
    status: [0, 0, 0], statuses: ["complete"], snippet: ["hello", "hi", "fwd"], n_chars: [5, 2, 3],
    reply_to: [[2, 1]], original: [[2, 0]], extra: [[1, { notes: { score: 3 }, author: "x" }]],
  };

  it("decodes columns from a binary buffer into the nodes the objects would give", () => {
    const buffer = new TextEncoder().encode(JSON.stringify(columns));
    const nodes = nodesOfColumns(inBuffer({ buffer: 0 }, [new DataView(buffer.buffer)]));
    expect(nodes[1]).toEqual({ id: id("b"), parent: id("a"), sender: "bot", colour: "#ddd", kind: "message",
      status: "complete", snippet: "hi", n_chars: 2, reply_to: null, original: null, notes: { score: 3 }, author: "x" });
    expect(nodes[2]).toMatchObject({ parent: "f".repeat(64), kind: "forward", reply_to: id("b"), original: id("a") });
    expect(() => inBuffer({ buffer: 1 }, [])).toThrow(/missing/);
    expect(() => nodesOfColumns({ ...columns, n: 4 })).toThrow(/form/);
    const s = createState();
    expect(applyMessage(s, { kind: "snapshot", columns: { buffer: 0 }, streams: [] }, [buffer])).toBe("layout");
    expect([...s.nodes.keys()]).toEqual([id("a"), id("b"), id("c")]);
    expect(s.children.get(id("a"))).toEqual([id("b")]);
    expect(s.children.get(null)).toEqual([id("a"), id("c")]);
  });

  it("reads the exported page's rows too", () => {
    const nodes = nodesOfRows({ senders: ["user", "bot"], colours: ["#eee", "#ddd"], rows: [
      ["a", null, 0, "message", "complete", "hello", 5],
      ["b", 0, 1, "message", "complete", "hi there", 8, { notes: { score: 3 } }, 2, null, 0],
    ] });
    expect(nodes[1]).toEqual({ id: "b", parent: "a", sender: "bot", colour: "#ddd", kind: "message", status: "complete",
      snippet: "hi", n_chars: 8, reply_to: null, original: "a", notes: { score: 3 } });
  });

  it("draws a snapshot that comes as columns in a buffer", () => {
    const buffer = new TextEncoder().encode(JSON.stringify(columns));
    const m = mount(null, [buffer], { kind: "snapshot", columns: { buffer: 0 }, streams: [] });
    expect(m.root.afTree.structure().nodes).toEqual([id("a"), id("b")]); // c, a forward of a, is drawn in a
    expect(m.g(id("b")).querySelector("text.af-snippet").textContent).toBe("hi");
  });
});

describe("forests", () => {
  const forest = (convs, len) => {
    const nodes = [];
    for (let c = 0; c < convs; c++) {
      for (let i = 0; i < len; i++) {
        nodes.push(node(`c${c}-${i}`, i ? `c${c}-${i - 1}` : null, { snippet: i ? `turn ${i}` : `Motion ${c}` }));
      }
    }
    return nodes;
  };

  it("lists the conversations; picking one shows it whole and selects its first message", () => {
    const m = mount(forest(40, 12));
    const button = m.q(".af-conv-button");
    expect(button.textContent).toBe("▤ 40 conversations");
    button.click();
    const items = [...m.host.querySelectorAll(".af-conv-item")];
    expect(items.length).toBe(40);
    expect(items[7].querySelector(".af-conv-text").textContent).toBe("Motion 7");
    expect(items[7].querySelector(".af-conv-total").textContent).toBe("12");
    const filter = m.q(".af-conv-filter");
    filter.value = "motion 3";
    filter.dispatchEvent(new Event("input"));
    expect([...m.host.querySelectorAll(".af-conv-text")].map((e) => e.textContent))
      .toEqual(["Motion 3", ...Array.from({ length: 10 }, (_, i) => `Motion ${30 + i}`)]);
    m.q(".af-conv-item").click();
    expect(m.model.traits.selected_id).toBe("c3-0");
    expect(m.q(".af-conv-panel").style.display).toBe("none");
    // the view shows that conversation whole, larger than the whole forest did
    const v = m.view(), g = m.root.afTree.position("c3-0"), last = m.root.afTree.position("c3-11");
    for (const p of [g, last]) {
      expect(p.x * v.k + v.x).toBeGreaterThanOrEqual(0);
      expect((p.x + 0) * v.k + v.x).toBeLessThanOrEqual(v.w);
      expect((p.y + p.h) * v.k + v.y).toBeLessThanOrEqual(v.h + 0.5);
    }
    m.q("button[data-action=fit]").click();
    expect(m.view().k).toBeLessThan(v.k);
  });

  it("above the budget, a picked conversation is drawn whole", () => {
    const m = mount(forest(60, 20)); // 1,200 nodes, a budget of 300 below
    m.model.set("budget", 300);
    m.q(".af-conv-button").click();
    const item = [...m.host.querySelectorAll(".af-conv-item")].find((b) => b.dataset.key === "c55-0");
    expect(item.querySelector(".af-conv-total").textContent).toBe("20"); // held, though not all drawn
    expect(m.root.afTree.position("c55-19")).toBe(null);
    item.click();
    for (let i = 0; i < 20; i++) expect(m.root.afTree.position(`c55-${i}`)).not.toBe(null);
  });

  it("filters the list by text, any case, a few hundred at most", () => {
    const entries = Array.from({ length: 900 }, (_, i) => ({ key: `k${i}`, text: `Motion ${i}`, total: 3 }));
    expect(filterEntries(entries, "").length).toBe(500);
    expect(filterEntries(entries, "MOTION 89").map((e) => e.key)).toEqual(["k89", ...Array.from({ length: 10 }, (_, i) => `k${890 + i}`)]);
  });

  it("titles each conversation where there is room, and sets far boxes as pixels", () => {
    expect(titleOf(node("r", null, { snippet: "Motion 3:  trees" }), 31)).toBe("Motion 3: trees · 31");
    expect(titleShown({ width: 1000 }, 0.2, 120)).toBe(true);
    expect(titleShown({ width: 1000 }, 0.05, 120)).toBe(false); // the gap over it is too thin
    expect(titleShown({ width: 100 }, 0.2, 120)).toBe(false); // too narrow
    expect(pixelOf("#ff8000")).toBe(0xff0080ff);
  });
});
