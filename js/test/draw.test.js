import { describe, expect, it } from "vitest";
import { applyMessage, createState } from "../src/state.js";
import { layoutTree, NODE_H, NODE_W } from "../src/layout.js";
import { nodeColour, nodeStatus } from "../src/render.js";
import { extraPath, FAR_ZOOM, headPath, isFar, LINE_CHARS, linkPath, linkPaths, nodeClass, nodeLabels, statusClass,
  statusText, tooltipText, wrapLines } from "../src/tree/draw.js";
import { markOf, MARK_STYLE } from "../src/tree/raster.js";

const stored = (extra = {}) => ({ id: "a".repeat(64), sender: "bot", kind: "message", status: "complete",
  snippet: "hello", ...extra });
const pending = (text) => ({ key: "~1", sender: "bot", text, pending: true, status: "complete", kind: "message" });

describe("level of detail", () => {
  it("draws no text at all only when zoomed out past FAR_ZOOM", () => {
    expect(isFar(1)).toBe(false);
    expect(isFar(FAR_ZOOM)).toBe(false);
    expect(isFar(FAR_ZOOM - 0.01)).toBe(true);
    expect(isFar(0.02)).toBe(true);
  });
});

describe("node classes", () => {
  it("marks the status: streaming first, then error messages, cancelled, failed", () => {
    expect(nodeStatus(pending(""))).toBe("pending");
    expect(statusClass(pending(""))).toBe("af-streaming");
    expect(statusClass(stored({ kind: "error", status: "failed" }))).toBe("af-error");
    expect(statusClass(stored({ status: "cancelled" }))).toBe("af-cancelled");
    expect(statusClass(stored({ status: "failed" }))).toBe("af-failed");
    expect(statusClass(stored())).toBe("");
    expect(statusClass(stored({ status: "toString" }))).toBe(""); // no inherited names
  });

  it("marks the head's path, the head and the selection", () => {
    const marks = { head: "h", selected: "s", onHead: new Set(["r", "h"]) };
    expect(nodeClass("x", stored(), marks)).toBe("af-node");
    expect(nodeClass("r", stored(), marks)).toBe("af-node af-onhead");
    expect(nodeClass("h", stored({ status: "failed" }), marks)).toBe("af-node af-failed af-onhead af-head");
    expect(nodeClass("s", pending(""), marks)).toBe("af-node af-streaming af-selected");
    expect(nodeClass("x", stored({ cached: true }), marks)).toBe("af-node af-cached");
  });

  it("marks the head, the selection, errors and streams on the far canvas, the selection first", () => {
    const marks = { head: "h", selected: "s", onHead: new Set(["r", "h"]) };
    expect(markOf("s", stored({ kind: "error" }), marks)).toBe(MARK_STYLE.selected);
    expect(markOf("h", stored(), marks)).toBe(MARK_STYLE.head);
    expect(markOf("e", stored({ kind: "error" }), marks)).toBe(MARK_STYLE.error);
    expect(markOf("p", pending(""), marks)).toBe(MARK_STYLE.pending);
    expect(markOf("r", stored(), marks)).toBe(null); // the head's path: its links are drawn thicker
    expect(markOf("x", stored(), marks)).toBe(null);
    // sizes in screen pixels: visible however far out
    expect(MARK_STYLE.selected.ring).toBeGreaterThan(MARK_STYLE.head.ring);
    expect(MARK_STYLE.head.width).toBeGreaterThanOrEqual(3);
  });

  it("finds the head's path", () => {
    const s = createState();
    const n = (id, parent) => ({ id, parent, sender: "u", kind: "message", status: "complete", snippet: "",
      n_chars: 0, reply_to: null, original: null });
    applyMessage(s, { kind: "snapshot", nodes: [n("a", null), n("b", "a"), n("c", "b"), n("d", "a")], streams: [] });
    expect([...headPath(s, "c")]).toEqual(["a", "b", "c"]);
    expect(headPath(s, null).size).toBe(0);
  });
});

describe("node labels", () => {
  it("shows sender, two lines of text (about 80 characters) and badges", () => {
    const l = nodeLabels(stored({ snippet: "line one\n  line two and a good deal more text, which goes on and on for a while longer than two lines",
      colour: "#dcfce7" }), { hidden: 0 });
    expect(l.fill).toBe("#dcfce7");
    expect(l.sender).toBe("bot");
    expect(l.lines).toEqual(["line one line two and a good deal more", "text, which goes on and on for a while…"]);
    expect(l.lines.join(" ").length).toBeGreaterThan(70);
    expect(l.badge).toBe("");
    expect(nodeLabels(stored({ status: "cancelled" }), { hidden: 12 }).badge).toBe("+12 cancelled");
    expect(nodeLabels(stored({ cached: true })).badge).toBe("cached");
    expect(nodeLabels(stored({ kind: "forward" })).sender).toBe("↪ bot");
    expect(nodeLabels(stored(), null, "researcher via lead").sender).toBe("researcher via lead");
    expect(nodeLabels(stored({ kind: "error" })).fill).toBe("#fee2e2");
    // the kernel's colour is used as it is; anything that is not a #rrggbb colour falls back to neutral grey
    expect(nodeColour({ colour: "red;background:url(x)" })).toBe("#eef2f7");
    expect(nodeLabels(stored({})).fill).toBe("#eef2f7");
  });

  it("wraps between words, cuts a long word, ends a text too long with an ellipsis", () => {
    expect(wrapLines("")).toEqual([]);
    expect(wrapLines("short")).toEqual(["short"]);
    expect(wrapLines("aaaa bbbb cccc", 9, 2)).toEqual(["aaaa bbbb", "cccc"]);
    expect(wrapLines("aaaa bbbb cccc dddd eeee", 9, 2)).toEqual(["aaaa bbbb", "cccc ddd…"]);
    expect(wrapLines("x".repeat(30), 10, 2)).toEqual(["x".repeat(10), "x".repeat(9) + "…"]);
    for (const line of wrapLines("word ".repeat(40))) expect(line.length).toBeLessThanOrEqual(LINE_CHARS);
  });

  it("shows the tail of a streaming answer and an ellipsis", () => {
    const l = nodeLabels(pending("x".repeat(100) + " the latest tokens"));
    expect(l.badge).toBe("…");
    expect(l.lines.join(" ")).toContain("the latest tokens");
    expect(nodeLabels(pending("short")).lines).toEqual(["short"]);
  });

  it("puts the full snippet in the tooltip", () => {
    expect(tooltipText(stored({ snippet: "a  b" }))).toBe(`bot ${"a".repeat(12)}\na b`);
    expect(tooltipText(pending("streamed"))).toBe("bot\nstreamed");
  });
});

describe("links and status line", () => {
  it("draws parent links as curves from the bottom of a box to the top of the next", () => {
    expect(linkPath({ x: 0, y: 0 }, { x: 100, y: 100 }))
      .toBe(`M0,${NODE_H}C0,${(NODE_H + 100) / 2} 100,${(NODE_H + 100) / 2} 100,100`);
    expect(extraPath({ x: 0, y: 0 }, { x: 0, y: 200 }))
      .toBe(`M${NODE_W / 2},${NODE_H / 2}Q40,100 ${NODE_W / 2},${200 + NODE_H / 2}`);
  });

  it("splits parent links into the head's path and the rest", () => {
    const s = createState();
    const n = (id, parent) => ({ id, parent, sender: "u", kind: "message", status: "complete", snippet: "",
      n_chars: 0, reply_to: null, original: null });
    applyMessage(s, { kind: "snapshot", nodes: [n("a", null), n("b", "a"), n("c", "a")], streams: [] });
    const layout = layoutTree(s);
    const { plain, onPath } = linkPaths(layout, headPath(s, "b"));
    expect(onPath).toBe(linkPath(layout.pos.get("a"), layout.pos.get("b")));
    expect(plain).toBe(linkPath(layout.pos.get("a"), layout.pos.get("c")));
    expect(linkPaths(layout, new Set()).onPath).toBe("");
    // only the links with an end drawn; links through a folded forward apart
    expect(linkPaths(layout, new Set(), new Set(["c"])).plain).toBe(plain);
    layout.links[1].type = "forwarded";
    expect(linkPaths(layout, new Set()).forwarded).toBe(linkPath(layout.pos.get(layout.links[1].source),
      layout.pos.get(layout.links[1].target)));
  });

  it("counts the nodes, and says when only the head's neighbourhood is drawn", () => {
    expect(statusText(1, { focused: false, nodes: [1] }, 2000)).toBe("1 node");
    expect(statusText(0, { focused: false, nodes: [] }, 2000)).toBe("0 nodes");
    expect(statusText(9, { focused: false, nodes: [] }, 2000, 4)).toBe("9 nodes · 4 forwards drawn in their originals");
    expect(statusText(5000, { focused: true, nodes: new Array(1999) }, 2000))
      .toBe("5000 nodes · showing 1999 around the head (budget 2000)");
  });
});
