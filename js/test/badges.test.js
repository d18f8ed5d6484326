// The pure parts of the TreeView's prototyping features: badges, tool nodes, far markers, search stepping,
// annotation changes, subtree totals, the comparison's view, the bookmarks list (questions and edits:
// answer.test.js).
import { describe, expect, it } from "vitest";
import { farFlags, formatDuration, formatTokens, isAwaiting, labelOf, nodeBadges, pillWidth, placePills,
  shortModel, toolCallText, toolError } from "../src/tree/badges.js";
import { callLines, lineClass, LINE_CHARS, nodeClass, nodeLabels } from "../src/tree/draw.js";
import { FLAG_STYLE, markOf, MARK_STYLE } from "../src/tree/raster.js";
import { matchText, stepMatch } from "../src/tree/search.js";
import { annotationChanges, annotationRows, formValues, subtreeTotals, totalsText } from "../src/tree/annotate.js";
import { compareView, sideTotals } from "../src/tree/compare.js";
import { bookmarkList, bookmarksButtonText } from "../src/tree/bookmarks.js";
import { applyMessage, createState } from "../src/state.js";
import { NODE_H, NODE_W } from "../src/layout.js";
import { runGroups, runLabel } from "../src/runs.js";
import { buildView } from "../src/view.js";

const stored = (extra = {}) => ({ id: "a".repeat(64), sender: "bot", kind: "message", status: "complete",
  snippet: "hello", ...extra });
const node = (id, parent, extra = {}) => ({ id, parent, sender: "user", kind: "message", status: "complete",
  snippet: `text of ${id}`, n_chars: 9, reply_to: null, original: null, ...extra });

describe("badges", () => {
  it("formats durations, tokens and model names", () => {
    expect([0, 0.004, 0.042, 2.34, 9.96, 12.4, 125].map(formatDuration))
      .toEqual(["0 s", "<0.01 s", "0.04 s", "2.3 s", "10.0 s", "12 s", "2 min 5 s"]);
    expect([formatDuration(undefined), formatDuration(NaN), formatDuration(-1), formatDuration("2")]).toEqual(["", "", "", ""]);
    expect([7, 120, 1234, 35000].map(formatTokens)).toEqual(["7 tok", "120 tok", "1.2k tok", "35k tok"]);
    expect(formatTokens(null)).toBe("");
    expect(shortModel("openai/gpt-4o-mini-2024-07-18")).toBe("gpt-4o-mini");
    expect(shortModel("claude-3-5-sonnet-20241022")).toBe("claude-3-5-sonn…");
    expect(shortModel("scripted")).toBe("scripted");
    expect(shortModel("function:build.<locals>.guide_fn")).toBe("ƒ guide_fn");
    expect(shortModel("function:reply")).toBe("ƒ reply");
    expect(shortModel("")).toBe("");
    expect(shortModel(3)).toBe("");
  });

  it("lists a node's pills: the question, label and bookmark on top, the numbers below, the model bottom left", () => {
    const n = stored({ notes: { duration_s: 2.31, tokens: 120, model: "gpt-4o", label: "best answer",
      bookmark: true, awaiting: "user" } });
    const b = nodeBadges(n);
    expect(b.top.map((p) => p.text)).toEqual(["?", "best answer", "★"]);
    expect(b.bottom.map((p) => p.text)).toEqual(["2.3 s", "120 tok"]);
    expect(b.bottomLeft.map((p) => p.text)).toEqual(["gpt-4o"]);
    expect(nodeBadges(stored())).toEqual({ top: [], bottom: [], bottomLeft: [] });
    expect(nodeBadges({ ...n, pending: true }).top).toEqual([]); // nothing known while it streams
    // a long label is shortened on the node (its tooltip has it all); blank labels and non-true bookmarks are none
    const long = nodeBadges(stored({ notes: { label: "a label that goes on and on and on" } })).top[0];
    expect(long.text.length).toBeLessThanOrEqual(22);
    expect(long.title).toBe("label: a label that goes on and on and on");
    expect(nodeBadges(stored({ notes: { label: "  ", bookmark: "yes" } })).top).toEqual([]);
    expect(labelOf(stored({ notes: { label: 5 } }))).toBe(null);
  });

  it("places pills on the box's edges, clear of the links' ends in the middle", () => {
    const placed = placePills(nodeBadges(stored({ notes: { duration_s: 2.3, tokens: 120, model: "gpt-4o-mini",
      label: "best", bookmark: true } })), NODE_W, NODE_H);
    const top = placed.filter((p) => p.y === 0), bottom = placed.filter((p) => p.y === NODE_H);
    expect(top.map((p) => p.text)).toEqual(["best", "★"]);
    expect(top[0].x + top[0].width).toBeLessThan(top[1].x);
    for (const p of placed) {
      expect(p.x).toBeGreaterThanOrEqual(-NODE_W / 2);
      expect(p.x + p.width).toBeLessThanOrEqual(NODE_W / 2);
      expect(p.x > 8 || p.x + p.width < -8).toBe(true); // not over the centre, where the links meet the box
    }
    const right = bottom.filter((p) => p.cls === "af-pill-metric").sort((a, b) => a.x - b.x);
    expect(right[0].x + right[0].width).toBeLessThanOrEqual(right[1].x); // no overlap
    expect(bottom.find((p) => p.cls === "af-pill-model").x).toBe(-NODE_W / 2 + 8);
    expect(pillWidth("★")).toBeGreaterThan(pillWidth("x"));
  });

  it("marks waiting questions, tool results and calls, bookmarks, labels and matches in the node's class", () => {
    const marks = { head: null, selected: null, onHead: new Set(), matches: new Set(["m"]) };
    expect(nodeClass("x", stored({ notes: { awaiting: "user" } }), marks)).toBe("af-node af-awaiting");
    expect(nodeClass("x", stored({ tool_result: { call_id: "c1" } }), marks)).toBe("af-node af-tool");
    expect(nodeClass("x", stored({ tool_result: { call_id: "c1", error: "builtins.RuntimeError" } }), marks))
      .toBe("af-node af-tool af-tool-error");
    expect(nodeClass("x", stored({ tool_calls: [{ id: "c", name: "f", arguments: "{}" }] }), marks)).toBe("af-node af-calls");
    expect(nodeClass("x", stored({ notes: { bookmark: true, label: "L" } }), marks)).toBe("af-node af-bookmarked af-labelled");
    expect(nodeClass("m", stored(), marks)).toBe("af-node af-match");
    expect(nodeClass("m", stored(), { head: null, selected: null, onHead: new Set() })).toBe("af-node"); // no matches
    expect(isAwaiting({ pending: true, notes: { awaiting: "user" } })).toBe(false);
  });
});

describe("tool nodes", () => {
  const calls = [{ id: "c1", name: "add", arguments: '{"a": 2, "b": 3}' }, { id: "c2", name: "boom", arguments: "{}" },
    { id: "c3", name: "mul", arguments: '{"x": 1}' }];

  it("draws a model message's tool calls as its text lines, in monospace", () => {
    expect(toolCallText(calls[0])).toBe('→ add({"a": 2, "b": 3})');
    expect(toolCallText(calls[1])).toBe("→ boom()");
    const l = nodeLabels(stored({ snippet: "", tool_calls: calls.slice(0, 2) }));
    expect(l.lines).toEqual(['→ add({"a": 2, "b": 3})', "→ boom()"]);
    expect(l.mono).toBe(0);
    expect([lineClass(l, 0), lineClass(l, 1)]).toEqual(["af-snippet af-mono", "af-snippet af-line2 af-mono"]);
    // with text: the text first, then the calls, the rest counted
    const t = callLines("Let me compute that.", calls);
    expect(t).toEqual({ lines: ["Let me compute that.", expect.stringMatching(/^→ add\(.*\+2 more$/)], mono: 1 });
    expect(t.lines[1].length).toBeLessThanOrEqual(LINE_CHARS + 8);
    expect(callLines("", calls).lines[1]).toMatch(/^→ boom\(\) \+1 more$/);
    expect(nodeLabels(stored()).mono).toBe(-1);
  });

  it("draws a tool's result in monospace with a badge, red when the tool failed", () => {
    const ok = nodeLabels(stored({ sender: "add", snippet: "5", tool_result: { call_id: "c1" } }));
    expect(ok.badge).toBe("tool");
    expect(ok.mono).toBe(0);
    const bad = stored({ sender: "boom", snippet: "RuntimeError: no", tool_result: { call_id: "c2", error: "builtins.RuntimeError" } });
    expect(nodeLabels(bad).badge).toBe("tool error");
    expect(nodeLabels(bad).fill).toBe("#fef2f2");
    expect(toolError(bad)).toBe("builtins.RuntimeError");
    expect(toolError(stored({ tool_result: { call_id: 3 } }))).toBe(null);
  });
});

describe("far canvas", () => {
  it("outlines matches and waiting questions, and flags bookmarks and labels", () => {
    const marks = { head: "h", selected: "s", onHead: new Set(), matches: new Set(["m", "s"]) };
    expect(markOf("m", stored(), marks)).toBe(MARK_STYLE.match);
    expect(markOf("s", stored(), marks)).toBe(MARK_STYLE.selected); // the selected match is the selection
    expect(markOf("q", stored({ notes: { awaiting: "user" } }), marks)).toBe(MARK_STYLE.awaiting);
    expect(MARK_STYLE.match.ring).toBeGreaterThan(0);
    expect(farFlags(stored({ notes: { bookmark: true, label: "x" } }))).toEqual(["bookmark", "label"]);
    expect(farFlags(stored())).toEqual([]);
    expect(FLAG_STYLE.bookmark.colour).not.toBe(FLAG_STYLE.label.colour);
  });
});

describe("search", () => {
  it("counts and steps through the matches, wrapping", () => {
    expect(matchText(0)).toBe("no matches");
    expect(matchText(1)).toBe("1 match");
    expect(matchText(3)).toBe("3 matches");
    expect(matchText(3, 1)).toBe("2 of 3 matches");
    const ids = ["a", "b", "c"];
    expect(stepMatch(ids, null)).toBe("a");
    expect(stepMatch(ids, "x", -1)).toBe("c");
    expect(stepMatch(ids, "a")).toBe("b");
    expect(stepMatch(ids, "c")).toBe("a");
    expect(stepMatch(ids, "a", -1)).toBe("c");
    expect(stepMatch([], "a")).toBe(null);
  });
});

describe("annotations", () => {
  it("lists every annotation, strings as they are and the rest as JSON", () => {
    expect(annotationRows({ created_at: "2026-01-01T00:00:00.000Z", usage: { input_tokens: 3 }, bookmark: true }))
      .toEqual([["created_at", "2026-01-01T00:00:00.000Z"], ["usage", '{"input_tokens":3}'], ["bookmark", "true"]]);
    expect(annotationRows(null)).toEqual([]);
  });

  it("sends only what changed; empty fields and an unticked box remove, an empty score is null", () => {
    const was = { label: "best", bookmark: true, score: 0.5, created_at: "x" };
    expect(formValues(was)).toEqual({ label: "best", bookmark: true, note: "", score: "0.5" });
    const form = (o) => ({ ...formValues(was), ...o });
    expect(annotationChanges(was, form({}))).toEqual({ values: {} });
    expect(annotationChanges(was, form({ label: "better", note: "see the sources" })))
      .toEqual({ values: { label: "better", note: "see the sources" } });
    expect(annotationChanges(was, form({ label: "", bookmark: false, score: "" })))
      .toEqual({ values: { label: "", bookmark: false, score: null } });
    expect(annotationChanges(was, form({ score: " 0.50 " }))).toEqual({ values: {} }); // the same number
    expect(annotationChanges(was, form({ score: "0" }))).toEqual({ values: { score: 0 } }); // 0 is a score
    expect(annotationChanges({}, { label: "", bookmark: false, note: "", score: "3" })).toEqual({ values: { score: 3 } });
    expect(annotationChanges(was, form({ score: "high" })).error).toMatch(/score must be a number/);
  });

  it("sums a subtree's messages, durations and tokens from the nodes' notes", () => {
    const s = createState();
    applyMessage(s, { kind: "snapshot", streams: [{ key: "~1", parent: "c", sender: "bot", text: "…" }], nodes: [
      node("a", null), node("b", "a", { notes: { duration_s: 1.25, tokens: 10 } }),
      node("c", "b", { notes: { duration_s: 2.5, tokens: 32 } }), node("d", "a", { notes: { duration_s: "x" } })] });
    expect(subtreeTotals(s, "a")).toEqual({ messages: 4, duration_s: 3.75, tokens: 42 }); // the stream is not counted
    expect(subtreeTotals(s, "c")).toEqual({ messages: 1, duration_s: 2.5, tokens: 32 });
    expect(subtreeTotals(s, "zz")).toEqual({ messages: 0, duration_s: 0, tokens: 0 });
    expect(totalsText({ messages: 1, duration_s: 3.75, tokens: 1234 })).toBe("1 message · 3.8 s · 1,234 tokens");
    expect(totalsText({ messages: 0, duration_s: 0, tokens: 0 })).toBe("0 messages · 0 s · 0 tokens");
  });

  it("forgets notes, choices and tool fields that a node sent again no longer has", () => {
    const s = createState();
    applyMessage(s, { kind: "snapshot", streams: [], nodes: [node("q", null, { choices: ["yes"], notes: { awaiting: "user" } })] });
    applyMessage(s, { kind: "delta", nodes: [node("q", null, { notes: { created_at: "t" } })], streams: [], text: {},
      resolved: [], ended: [] });
    expect(s.nodes.get("q").notes).toEqual({ created_at: "t" });
    expect(s.nodes.get("q").choices).toBeUndefined();
    applyMessage(s, { kind: "delta", nodes: [node("q", null)], streams: [], text: {}, resolved: [], ended: [] });
    expect(s.nodes.get("q").notes).toBeUndefined();
  });

  it("reads a run's duration from its nodes' notes", () => {
    const s = createState();
    applyMessage(s, { kind: "snapshot", streams: [], nodes: [node("u", null),
      node("b1", "u", { sender: "bot", run: "r1", notes: { duration_s: 1.5 } }),
      node("b2", "b1", { sender: "bot", run: "r1", notes: { duration_s: 2.5 } })] });
    const g = runGroups(buildView(s)).get("run:r1");
    expect(runLabel(g)).toBe("▾ bot · 2 · 2.5 s");
  });
});

describe("comparison", () => {
  const c = {
    ancestor: "q".repeat(64),
    left: { head: "l".repeat(64), ids: ["l".repeat(64)], messages: 1, duration_s: 2.25, tokens: 12 },
    right: { head: "r".repeat(64), ids: ["r".repeat(64), "s".repeat(64)], messages: 2, duration_s: 0, tokens: 1 },
    rows: [
      { left: { id: "l".repeat(64), sender: "bot", kind: "message", status: "complete" },
        right: { id: "r".repeat(64), sender: "bot", kind: "message", status: "complete" },
        diff: [["=", "the "], ["-", "first"], ["+", "second"], ["=", " answer"]] },
      { left: null, right: { id: "s".repeat(64), sender: "user", kind: "message", status: "cancelled" },
        diff: [["+", "more"]] },
    ],
  };

  it("splits each row's diff into the left (= and -) and the right (= and +) runs", () => {
    const v = compareView(c);
    expect(v.ancestor).toBe("q".repeat(64));
    expect(v.rows[0].leftRuns).toEqual([["=", "the "], ["-", "first"], ["=", " answer"]]);
    expect(v.rows[0].rightRuns).toEqual([["=", "the "], ["+", "second"], ["=", " answer"]]);
    expect(v.rows[1].left).toBe(null);
    expect(v.rows[1].right.status).toBe("cancelled");
    expect(v.rows[1].leftRuns).toEqual([]);
    expect(sideTotals(v.left)).toBe("1 message · 2.3 s · 12 tokens");
    expect(sideTotals(v.right)).toBe("2 messages · 0 s · 1 token");
    expect(compareView({})).toBe(null);
    expect(compareView(null)).toBe(null);
    expect(compareView({ rows: [{ diff: "bad" }] }).rows[0]).toEqual({ left: null, right: null, leftRuns: [], rightRuns: [],
      cells: [{ m: null, runs: [] }, { m: null, runs: [] }] });
  });
});

describe("bookmarks list", () => {
  it("lists bookmarked or labelled stored nodes in arrival order", () => {
    const s = createState();
    applyMessage(s, { kind: "snapshot", streams: [{ key: "~1", parent: "a", sender: "bot", text: "…" }], nodes: [
      node("a", null, { notes: { label: "start" } }), node("b", "a"), node("c", "a", { notes: { bookmark: true } }),
      node("d", "a", { notes: { bookmark: false, label: "" } })] });
    expect(bookmarkList(s).map((e) => [e.key, e.bookmark, e.label])).toEqual([["a", false, "start"], ["c", true, null]]);
    expect(bookmarkList(s)[1].text).toBe("text of c");
    expect(bookmarksButtonText(0)).toBe("★ bookmarks");
    expect(bookmarksButtonText(2)).toBe("★ bookmarks (2)");
  });
});
