import { describe, expect, it } from "vitest";
import { applyMessage, createState } from "../src/state.js";
import { layoutTree, NODE_H, NODE_W } from "../src/layout.js";
import { nodeColour, nodeStatus } from "../src/render.js";
import { extraPath, FAR_ZOOM, headPath, isFar, linkPath, linkPaths, nodeClass, nodeLabels, statusClass, statusText,
  tooltipText } from "../src/tree/draw.js";

const stored = (extra = {}) => ({ id: "a".repeat(64), sender: "bot", kind: "message", status: "complete",
  snippet: "hello", ...extra });
const pending = (text) => ({ key: "~1", sender: "bot", text, pending: true, status: "complete", kind: "message" });

describe("level of detail", () => {
  it("hides labels only when zoomed out past FAR_ZOOM", () => {
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
  it("shows sender, a one-line snippet and badges", () => {
    const l = nodeLabels(stored({ snippet: "line one\n  line two and a good deal more text", colour: "#dcfce7" }),
      { hidden: 0 });
    expect(l).toEqual({ fill: "#dcfce7", sender: "bot", snippet: "line one line two and a…", badge: "" });
    expect(l.snippet.length).toBe(24);
    expect(nodeLabels(stored({ status: "cancelled" }), { hidden: 12 }).badge).toBe("+12 cancelled");
    expect(nodeLabels(stored({ kind: "forward" })).sender).toBe("↪ bot");
    expect(nodeLabels(stored({ kind: "error" })).fill).toBe("#fee2e2");
    // the kernel's colour is used as it is; anything that is not a #rrggbb colour falls back to neutral grey
    expect(nodeColour({ colour: "red;background:url(x)" })).toBe("#eef2f7");
    expect(nodeLabels(stored({})).fill).toBe("#eef2f7");
  });

  it("shows the tail of a streaming answer and an ellipsis", () => {
    const l = nodeLabels(pending("x".repeat(100) + " the latest tokens"));
    expect(l.badge).toBe("…");
    expect(l.snippet).toBe("xxxxxxxxxxxxxxxxxxxxxxx…");
    expect(nodeLabels(pending("short")).snippet).toBe("short");
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
  });

  it("counts the nodes, and says when only the head's neighbourhood is drawn", () => {
    expect(statusText(1, { focused: false, nodes: [1] }, 2000)).toBe("1 node");
    expect(statusText(0, { focused: false, nodes: [] }, 2000)).toBe("0 nodes");
    expect(statusText(5000, { focused: true, nodes: new Array(1999) }, 2000))
      .toBe("5000 nodes · showing 1999 around the head (budget 2000)");
  });
});
