// What each agent saw (issue 19): the context of a node, its emphasis in the drawing, the folded forward a click
// selects, the node menu, N-way comparison alignment, sort / depth / filter, the sender colours (pure parts).
import { describe, expect, it } from "vitest";
import { applyMessage, createState } from "../src/state.js";
import { buildView } from "../src/view.js";
import { contextKeys, emphasis } from "../src/tree/emphasis.js";
import { CONTEXT_SHOWN, contextEntries, errorDetail, detailRows, listedContext, shortId } from "../src/tree/details.js";
import { pickedKey } from "../src/tree/selection.js";
import { nodeMenu, runRequests, KEYS } from "../src/tree/menu.js";
import { comparedIds } from "../src/tree/commands.js";
import { compareView, comparedHeads } from "../src/tree/compare.js";
import { byScore, collapsedAtDepth, shapeView } from "../src/tree/shape.js";
import { filterSenders, KEY_ACTIONS } from "../src/tree/controls.js";
import { subtreeTotals } from "../src/tree/annotate.js";
import { looksLikeError, nodeColour } from "../src/render.js";
import { nodeClass } from "../src/tree/draw.js";

const node = (id, parent, extra = {}) => ({ id, parent, sender: "user", kind: "message", status: "complete",
  snippet: `text of ${id}`, n_chars: 9, reply_to: null, original: null, ...extra });

/** A debate: m (motion) -> moderator's request q; pro answers p under q, the moderator forwards it (fp, under q);
 * con answers c under fp (what con saw: m, q, fp), the moderator forwards it (fc under fp); a judge answers j
 * under fc. */
function debate() {
  const s = createState();
  applyMessage(s, { kind: "snapshot", streams: [], nodes: [
    node("m", null, { snippet: "Motion: tea beats coffee" }),
    node("q", "m", { sender: "moderator", snippet: "Pro, open." }),
    node("p", "q", { sender: "pro", snippet: "Tea is calmer." }),
    node("fp", "q", { sender: "moderator", kind: "forward", original: "p", author: "pro", snippet: "Tea is calmer." }),
    node("c", "fp", { sender: "con", snippet: "Coffee is faster." }),
    node("fc", "fp", { sender: "moderator", kind: "forward", original: "c", author: "con", snippet: "Coffee is faster." }),
    node("j", "fc", { sender: "judge", snippet: "Con wins.", notes: { score: 1 } }),
    node("x", "m", { sender: "pro", snippet: "another branch", notes: { score: 3 } }),
  ] });
  return s;
}

describe("what an agent saw", () => {
  it("lists a node's context: its branch from the root down to its parent, forwards named by their author", () => {
    const s = debate();
    expect(contextEntries(s, "j").map((e) => [e.key, e.sender, e.snippet])).toEqual([
      ["m", "user", "Motion: tea beats coffee"], ["q", "moderator", "Pro, open."],
      ["fp", "pro via moderator", "Tea is calmer."], ["fc", "con via moderator", "Coffee is faster."]]);
    expect(contextEntries(s, "m")).toEqual([]); // a root saw nothing before it
    const many = Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, sender: "u", snippet: "", kind: "message" }));
    const listed = listedContext(many);
    expect(listed.shown.length).toBe(CONTEXT_SHOWN.head + CONTEXT_SHOWN.tail);
    expect(listed.skipped).toBe(100 - CONTEXT_SHOWN.head - CONTEXT_SHOWN.tail);
    expect(listed.shown.at(-1).key).toBe("k99");
    expect(listedContext(many.slice(0, 10))).toEqual({ shown: many.slice(0, 10), skipped: 0, at: -1 });
    expect(shortId("0123456789abcdef")).toBe("01234567");
  });

  it("highlights the selection's branch (drawn keys: a forward's branch on its original's node) and dims the rest", () => {
    const s = debate();
    const v = buildView(s);
    expect(v.folded.get("fp")).toBe("p");
    const ctx = contextKeys(v, { head: null, selected: "c", focus: "fc" });
    expect([...ctx].sort()).toEqual(["c", "m", "p", "q"]); // fc's branch: m, q, fp (drawn in p), fc (in c)
    const marks = { context: ctx, senders: new Set() };
    expect(emphasis("p", s.nodes.get("p"), marks)).toBe("af-ctx");
    expect(emphasis("x", s.nodes.get("x"), marks)).toBe("af-dim");
    expect(emphasis("j", s.nodes.get("j"), marks)).toBe("af-dim");
    expect(emphasis("x", s.nodes.get("x"), { context: new Set() })).toBe(""); // nothing selected: nothing dimmed
    // a hovered run's requests add their branches
    const both = contextKeys(v, { head: null, selected: null, focus: null, extra: ["x"] });
    expect([...both].sort()).toEqual(["m", "x"]);
    // the filter by sender: the others are dimmed, the selection's branch still stands out
    const filtered = { context: new Set(["m"]), senders: new Set(["judge"]) };
    expect(emphasis("j", s.nodes.get("j"), filtered)).toBe("");
    expect(emphasis("x", s.nodes.get("x"), filtered)).toBe("af-dim");
    expect(emphasis("m", s.nodes.get("m"), filtered)).toBe("af-ctx");
    // the drawing's class carries it
    const cls = nodeClass("x", s.nodes.get("x"), { head: null, selected: "c", onHead: new Set(), context: ctx });
    expect(cls.split(" ")).toContain("af-dim");
  });

  it("a click on a node with forwards folded in selects the forward on the head's branch, else the first", () => {
    const s = debate();
    const v = buildView(s);
    expect(pickedKey(v, s, "c", "j")).toBe("fc"); // the head's branch goes through fc
    expect(pickedKey(v, s, "c", "x")).toBe("fc"); // elsewhere: the first forward
    expect(pickedKey(v, s, "c", "c")).toBe("c"); // the original is the head
    expect(pickedKey(v, s, "x", "j")).toBe("x"); // nothing folded in
  });

  it("shows a provider's error body as text and leaves it out of the metadata", () => {
    const msg = { id: "e", parent_id: null, reply_to_id: null, original_id: null, kind: "error", sender: "bot",
      status: "complete", content: "boom", metadata: { error_detail: "<b>429</b> slow down", x: 1 } };
    expect(errorDetail(msg)).toBe("<b>429</b> slow down");
    expect(detailRows(msg).find(([l]) => l === "metadata")[1]).not.toContain("error_detail");
    expect(errorDetail({ ...msg, metadata: { error_detail: { code: 1 } } })).toContain('"code": 1');
    expect(errorDetail({ ...msg, metadata: {} })).toBe(null);
  });

  it("in the runs mode, a run received the requests outside its group", () => {
    const s = debate();
    const v = buildView(s);
    expect(runRequests(v, { keys: ["c", "j"] })).toEqual(["p"]);
    expect(runRequests(v, { keys: ["p", "x"] })).toEqual(["q", "m"]);
  });
});

describe("node menu and comparison", () => {
  it("offers the node's actions, disabled with a reason when they cannot run", () => {
    const s = debate();
    const items = nodeMenu(s.nodes.get("j"), { key: "j", selected: "x", hasParent: true });
    expect(items.map((i) => i.action)).toEqual(["checkout", "branch", "regenerate", "edit", "compare", "replay",
      "bookmark", "copy-id"]);
    expect(items.every((i) => !i.disabled)).toBe(true);
    const root = nodeMenu(s.nodes.get("m"), { key: "m", selected: "m", hasParent: false });
    expect(root.find((i) => i.action === "regenerate").disabled).toMatch(/root/);
    expect(root.find((i) => i.action === "compare").disabled).toMatch(/select another/);
    expect(nodeMenu(s.nodes.get("m"), { key: "m", comparing: true }).find((i) => i.action === "compare").label)
      .toBe("Add to the comparison");
    const marked = nodeMenu({ ...s.nodes.get("j"), notes: { bookmark: true } }, { key: "j", hasParent: true });
    expect(marked.find((i) => i.action === "bookmark").label).toBe("Remove the bookmark");
    expect(nodeMenu({ ...s.nodes.get("j"), pending: true }, { key: "j" }).filter((i) => !i.disabled)
      .map((i) => i.action)).toEqual(["copy-id"]);
    expect(nodeMenu(s.nodes.get("j"), { key: "j", readonly: true }).map((i) => i.action)).toEqual(["copy-id"]);
    expect(KEYS.map(([k]) => k)).toContain("?");
    expect(KEY_ACTIONS["?"]).toBe("help");
  });

  it("Shift-click compares with the selection, then adds branches (N-way) and takes a compared one out", () => {
    expect(comparedIds([], "a", "b")).toEqual(["a", "b"]);
    expect(comparedIds([], "a", "a")).toBe(null);
    expect(comparedIds([], null, "a")).toBe(null);
    expect(comparedIds(["a", "b"], "a", "c")).toEqual(["a", "b", "c"]);
    expect(comparedIds(["a", "b", "c"], "a", "b")).toEqual(["a", "c"]);
    expect(comparedIds(["a", "b"], "a", "b")).toBe(null); // two is the least
    expect(comparedIds(["1", "2", "3", "4", "5", "6", "7", "8"], null, "9")).toBe(null);
  });

  it("aligns N branches row by row, each column's text against the first", () => {
    const brief = (id) => ({ id, sender: "bot", kind: "message", status: "complete" });
    const c = {
      ancestor: "q", left: { head: "a" }, right: { head: "b" },
      sides: [{ head: "a", messages: 1 }, { head: "b", messages: 2 }, { head: "c", messages: 1 }],
      rows: [
        { messages: [brief("a"), brief("b"), brief("c")], diffs: [[["=", "one"]], [["-", "one"], ["+", "two"]],
          [["=", "one"], ["+", "!"]]], left: brief("a"), right: brief("b"), diff: [["-", "one"], ["+", "two"]] },
        { messages: [null, brief("b2"), null], diffs: [[], [["+", "more"]], []], left: null, right: brief("b2"),
          diff: [["+", "more"]] },
      ],
    };
    const v = compareView(c);
    expect(v.sides.map((s) => s.head)).toEqual(["a", "b", "c"]);
    expect(v.rows[0].cells.map((x) => x.m.id)).toEqual(["a", "b", "c"]);
    expect(v.rows[0].cells[1].runs).toEqual([["+", "two"]]); // what side 2 says that side 1 does not
    expect(v.rows[0].cells[2].runs).toEqual([["=", "one"], ["+", "!"]]);
    expect(v.rows[1].cells.map((x) => x.m && x.m.id)).toEqual([null, "b2", null]);
    expect(comparedHeads(c)).toEqual(["a", "b", "c"]);
    expect(comparedHeads({ left: { head: "a" }, right: { head: "b" }, rows: [] })).toEqual(["a", "b"]);
    expect(comparedHeads({})).toEqual([]);
  });
});

describe("reading many runs", () => {
  it("sorts siblings by score, expands to a depth, filters by sender", () => {
    const s = debate();
    const v = buildView(s);
    expect(v.children.get("m")).toEqual(["q", "x"]);
    const sorted = shapeView(v, { sort: "score" });
    expect(sorted.view.children.get("m")).toEqual(["x", "q"]); // x has score 3, q none
    expect(byScore(["a", "b", "c"], new Map([["a", {}], ["b", { notes: { score: 1 } }], ["c", { notes: { score: 2 } }]])))
      .toEqual(["c", "b", "a"]);
    expect(shapeView(v, {}).view).toBe(v); // nothing to do: the view itself
    expect([...collapsedAtDepth(v, 1)]).toEqual(["q"]); // m's children; x has none
    expect([...shapeView(v, { depth: 2 }).collapsed]).toEqual(["p"]);
    expect(shapeView(v, { depth: 0 }).collapsed.size).toBe(0);
    expect(filterSenders(" judge, pro  judge,,")).toEqual(["judge", "pro"]);
  });

  it("counts a forward drawn in its original once in the subtree's totals", () => {
    const s = debate();
    expect(subtreeTotals(s, "q").messages).toBe(4); // q, p, c, j: fp and fc are p and c again
    expect(subtreeTotals(s, "m").messages).toBe(6);
    expect(subtreeTotals(s, "fp").messages).toBe(3); // fp's subtree is drawn as p, c, j
  });

  it("never gives a sender a colour that looks like an error", () => {
    expect(looksLikeError("#fee2e2")).toBe(true);
    expect(looksLikeError("#dc2626")).toBe(true);
    expect(looksLikeError("#fce7f3")).toBe(false); // pink, far enough from red
    for (const c of ["#dbeafe", "#dcfce7", "#fef3c7", "#f5e1fb", "#e0e7ff", "#ccfbf1", "#cffafe", "#f3e8ff", "#ecfccb",
      "#e0f2fe", "#f1f5f9"]) expect(looksLikeError(c), c).toBe(false); // agentforum_nb/palette.py
    expect(nodeColour({ colour: "#fee2e2" })).toBe("#eef2f7");
    expect(nodeColour({ colour: "#dbeafe" })).toBe("#dbeafe");
  });
});
