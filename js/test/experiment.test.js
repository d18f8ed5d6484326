// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import experiment, { moveCursor, statusText } from "../src/experiment.js";
import { domainOf, goodness, ink, tint } from "../src/experiment/colour.js";
import { comparisonView, sideTotals } from "../src/experiment/compare.js";
import { runFacts, runReply, verdictText } from "../src/experiment/details.js";
import {
  buildSample, formatMean, measureOptions, parseCellKey, sortLabel, totalsText, visibleRange,
} from "../src/experiment/grid.js";
import {
  applyMessage, cellAt, cellValue, createTable, formatMetric, formatScore, nextSort, rowValue, sortOrder, summaries,
  thousands,
} from "../src/experiment/table.js";

const XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';

/** A cell as the kernel sends it. */
const cell = (c, v, s, scores = {}, extra = {}) => ({
  c, v, s, id: `out-${c}-${v}-${s}`, text: `answer ${c}/${v}/${s}`, error: null, scores,
  metrics: { duration_s: 1, tokens: 10, cost_usd: 0.001 }, ...extra,
});

const snapshot = (extra = {}) => ({
  kind: "snapshot", name: "slogans", execution: 0, judges: ["quality", "brand"], total: 6, running: false,
  cases: [{ name: "rockets", turns: 1, first: "acme rockets" }, { name: "bikes", turns: 2, first: "acme bikes" },
    { name: "tea", turns: 1, first: "tea" }],
  variants: ["plain", "terse"], samples: 1,
  cells: [
    cell(0, 0, 0, { quality: 3, brand: true }), cell(0, 1, 0, { quality: 5, brand: true }),
    cell(1, 0, 0, { quality: 1, brand: false }), cell(1, 1, 0, { quality: 4, brand: true }),
    cell(2, 0, 0, { quality: 2, brand: false }),
    cell(2, 1, 0, {}, { id: null, text: "", error: "ValueError: boom", metrics: { duration_s: 0.5, tokens: null } }),
  ],
  ...extra,
});

function loaded(extra) {
  const t = createTable();
  applyMessage(t, snapshot(extra));
  return t;
}

function fakeModel(traits) {
  const handlers = new Map();
  const sent = [];
  return {
    sent,
    get: (k) => traits[k],
    set(k, v) {
      traits[k] = v;
      for (const f of handlers.get(`change:${k}`) || []) f();
    },
    save_changes() {},
    send: (msg) => sent.push(msg),
    on(ev, f) { handlers.set(ev, [...(handlers.get(ev) || []), f]); },
    off(ev, f) { handlers.set(ev, (handlers.get(ev) || []).filter((g) => g !== f)); },
    emit(msg) { for (const f of handlers.get("msg:custom") || []) f(msg); },
    count: () => [...handlers.values()].reduce((n, l) => n + l.length, 0),
  };
}

function mount(traits = {}) {
  const model = fakeModel({ error: "", opened: {}, comparison: {}, linked: true, ...traits });
  const host = document.createElement("div");
  document.body.append(host);
  const cleanup = experiment.render({ model, el: host });
  return { model, host, cleanup };
}

const drawnCases = (host) => [...host.querySelectorAll(".af-exp-row")]
  .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top)).map((r) => Number(r.getAttribute("data-case")));

describe("the table: snapshots and deltas", () => {
  it("a snapshot replaces everything; rows add cells and judges; malformed cells are dropped", () => {
    const t = createTable();
    expect(applyMessage(t, { kind: "rows", cells: [cell(0, 0, 0)] })).toBe(null); // before a snapshot: nothing
    const r = applyMessage(t, snapshot({ cells: [cell(0, 0, 0, { quality: 3 })], running: true }));
    expect(r.reset).toBe(true);
    expect(t.done).toBe(1);
    expect(t.total).toBe(6);
    expect(t.running).toBe(true);
    const d = applyMessage(t, { kind: "rows", running: true, judges: ["quality", "new"], cells: [
      cell(2, 1, 0, { quality: 4, other: 1 }), cell(0, 0, 0, { quality: 2 }), // replaces a cell: not counted twice
      cell(3, 0, 0), cell(0, 2, 0), cell(0, 0, 1), { c: "x" }, null, "junk", // outside the table / malformed
    ] });
    expect(d).toEqual({ reset: false, cases: new Set([0, 2]) });
    expect(t.done).toBe(2);
    expect(t.judges).toEqual(["quality", "brand", "new", "other"]);
    expect(cellAt(t, 0, 0, 0).scores.quality).toBe(2);
    expect(cellAt(t, 2, 1, 0).text).toBe("answer 2/1/0");
    expect(applyMessage(t, { kind: "run" })).toBe(null);
    // a new execution's snapshot starts again
    applyMessage(t, snapshot({ cells: [], execution: 1 }));
    expect(t.done).toBe(0);
    expect(t.execution).toBe(1);
    expect(t.judges).toEqual(["quality", "brand"]);
  });

  it("values that are not JSON numbers or bools become missing", () => {
    const t = loaded({ cells: [cell(0, 0, 0, { quality: "high", brand: true, x: NaN }, { metrics: { tokens: "7" } })] });
    const c = cellAt(t, 0, 0, 0);
    expect(c.scores).toEqual({ quality: null, brand: true, x: null });
    expect(c.metrics.tokens).toBe(null);
    expect(cellValue(c, "score:brand")).toBe(1);
    expect(cellValue(c, "score:quality")).toBe(null);
  });

  it("any batching of the rows gives the table one snapshot of them gives", () => {
    const all = snapshot().cells;
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 6 }), fc.boolean(), (cuts, shuffled) => {
      const order = shuffled ? [...all].reverse() : all;
      const live = createTable();
      applyMessage(live, snapshot({ cells: [], running: true }));
      let i = 0;
      for (const n of [...cuts, order.length]) {
        applyMessage(live, { kind: "rows", running: true, cells: order.slice(i, i + n) });
        i += n;
        if (i >= order.length) break;
      }
      applyMessage(live, { kind: "rows", running: false, cells: [] });
      const whole = loaded();
      expect(live.cells).toEqual(whole.cells);
      expect(live.done).toBe(whole.done);
      expect(summaries(live)).toEqual(summaries(whole));
    }));
  });
});

describe("the header's aggregates", () => {
  it("means of every score (bools as 0/1, failed runs left out), errors, runs and metric sums per variant", () => {
    const [plain, terse] = summaries(loaded());
    expect(plain).toMatchObject({ runs: 3, of: 3, errors: 0, means: { quality: 2, brand: 1 / 3 } });
    expect(plain.sums).toEqual({ duration_s: 3, tokens: 30, cost_usd: 0.003 });
    expect(terse).toMatchObject({ runs: 3, errors: 1, means: { quality: 4.5, brand: 1 }, counts: { quality: 2 } });
    expect(terse.sums.tokens).toBe(20); // the failed run reported none
    expect(terse.sums.duration_s).toBe(2.5);
    expect(totalsText(terse)).toEqual({ runs: "3/3 runs", cost: "20 tokens · $0.002 · 2.5 s" });
  });

  it("a variant without runs has no means and no sums", () => {
    const [s] = summaries(loaded({ cells: [] }));
    expect(s).toMatchObject({ runs: 0, errors: 0, means: { quality: null, brand: null } });
    expect(s.sums).toEqual({ duration_s: null, tokens: null, cost_usd: null });
    expect(totalsText(s)).toEqual({ runs: "0/3 runs", cost: "" });
  });

  it("numbers read well", () => {
    expect(formatScore(true)).toBe("✓");
    expect(formatScore(false)).toBe("✗");
    expect(formatScore(4)).toBe("4");
    expect(formatScore(3.14159)).toBe("3.14");
    expect(formatScore(null)).toBe("–");
    expect(formatMean(0.666, { bool: true })).toBe("67%");
    expect(formatMean(2.5, { bool: false })).toBe("2.5");
    expect(formatMetric("tokens", 1234567)).toBe("1,234,567 tokens");
    expect(formatMetric("tokens", 1)).toBe("1 token");
    expect(formatMetric("cost_usd", 0.0012345)).toBe("$0.00123");
    expect(formatMetric("cost_usd", 12.5)).toBe("$12.50");
    expect(formatMetric("duration_s", 1.234)).toBe("1.23 s");
    expect(formatMetric("duration_s", 123.4)).toBe("123 s");
    expect(formatMetric("duration_s", null)).toBe("");
    expect(thousands(999)).toBe("999");
    expect(thousands(1000)).toBe("1,000");
  });
});

describe("sorting", () => {
  it("by a variant's score: best first, then worst first, then the cases' order; missing values last", () => {
    const t = loaded();
    let sort = nextSort(null, 1, "score:quality");
    expect(sort).toEqual({ v: 1, key: "score:quality", dir: 1 });
    expect([...sortOrder(t, sort)]).toEqual([0, 1, 2]); // 5, 4, (failed)
    sort = nextSort(sort, 1, "score:quality");
    expect([...sortOrder(t, sort)]).toEqual([1, 0, 2]); // 4, 5, (failed): missing stays last
    expect(nextSort(sort, 1, "score:quality")).toBe(null);
    expect([...sortOrder(t, null)]).toEqual([0, 1, 2]);
    expect(sortLabel({ v: 1, key: "score:quality", dir: -1 }, 1)).toBe("▲ quality, worst first");
    expect(sortLabel({ v: 1, key: "score:quality", dir: 1 }, 0)).toBe("");
    expect(sortLabel({ v: null, key: "", dir: -1 }, null)).toBe("▲ reversed");
    // another column or measure starts at best first
    expect(nextSort(sort, 0, "score:quality")).toEqual({ v: 0, key: "score:quality", dir: 1 });
    expect([...sortOrder(t, { v: 0, key: "score:quality", dir: 1 })]).toEqual([0, 2, 1]); // 3, 2, 1
    expect([...sortOrder(t, { v: 0, key: "score:brand", dir: 1 })]).toEqual([0, 1, 2]); // true, then ties by order
  });

  it("by a metric: less is better, so best first is the cheapest", () => {
    const t = loaded({ cells: [cell(0, 0, 0, {}, { metrics: { tokens: 30 } }), cell(1, 0, 0, {}, { metrics: { tokens: 5 } }),
      cell(2, 0, 0, {}, { metrics: { tokens: 12 } })] });
    expect([...sortOrder(t, { v: 0, key: "metric:tokens", dir: 1 })]).toEqual([1, 2, 0]);
    expect([...sortOrder(t, { v: 0, key: "metric:tokens", dir: -1 })]).toEqual([0, 2, 1]);
  });

  it("the case column reverses the cases' order, and goes back", () => {
    const t = loaded();
    const rev = nextSort(null, null, "score:quality");
    expect([...sortOrder(t, rev)]).toEqual([2, 1, 0]);
    expect(nextSort(rev, null, "score:quality")).toBe(null);
    expect(nextSort({ v: 1, key: "score:quality", dir: 1 }, null, "score:quality")).toBe(null);
  });

  it("a row's value is the mean of its samples", () => {
    const t = loaded({ samples: 2, cells: [cell(0, 0, 0, { quality: 2 }), cell(0, 0, 1, { quality: 5 }), cell(1, 0, 1, { quality: 4 })] });
    expect(rowValue(t, 0, 0, "score:quality")).toBe(3.5);
    expect(rowValue(t, 1, 0, "score:quality")).toBe(4);
    expect(rowValue(t, 2, 0, "score:quality")).toBe(null);
    expect([...sortOrder(t, { v: 0, key: "score:quality", dir: 1 })]).toEqual([1, 0, 2]);
  });

  it("is a stable total order for any values (property)", () => {
    fc.assert(fc.property(fc.array(fc.option(fc.integer({ min: -5, max: 5 }), { nil: null }), { minLength: 1, maxLength: 40 }),
      fc.constantFrom(1, -1), (values, dir) => {
        const cases = values.map((_, i) => ({ name: String(i), turns: 1, first: "" }));
        const t = createTable();
        applyMessage(t, { kind: "snapshot", cases, variants: ["v"], samples: 1,
          cells: values.map((x, c) => cell(c, 0, 0, x === null ? {} : { q: x })) });
        const order = [...sortOrder(t, { v: 0, key: "score:q", dir })];
        expect([...order].sort((a, b) => a - b)).toEqual(values.map((_, i) => i)); // a permutation
        for (let i = 1; i < order.length; i++) {
          const a = values[order[i - 1]];
          const b = values[order[i]];
          if (a === null) expect(b).toBe(null); // missing values last
          else if (b !== null) {
            expect(dir === 1 ? a >= b : a <= b).toBe(true);
            if (a === b) expect(order[i - 1] < order[i]).toBe(true); // ties keep the cases' order
          }
        }
      }));
  });
});

describe("the colour scale", () => {
  it("scores: red for the worst, green for the best, amber between; bools on [0, 1]", () => {
    const t = loaded();
    const q = domainOf(t, "score:quality");
    expect(q).toEqual({ min: 1, max: 5, better: 1, count: 5, bool: false });
    expect(goodness(1, q)).toBe(0);
    expect(goodness(5, q)).toBe(1);
    expect(goodness(3, q)).toBe(0.5);
    expect(tint(1, q)).toBe("hsl(0, 75%, 90%)");
    expect(tint(5, q)).toBe("hsl(120, 75%, 90%)");
    expect(tint(3, q)).toBe("hsl(60, 75%, 90%)");
    expect(ink(5, q)).toBe("hsl(120, 65%, 36%)");
    expect(tint(null, q)).toBe("");
    const b = domainOf(t, "score:brand");
    expect(b).toMatchObject({ min: 0, max: 1, bool: true });
    expect(tint(cellValue(cellAt(t, 1, 0, 0), "score:brand"), b)).toBe("hsl(0, 75%, 90%)");
  });

  it("metrics: less is better; one value everywhere is neutral; nothing to colour by is no colour", () => {
    const t = loaded();
    const d = domainOf(t, "metric:duration_s");
    expect(d).toMatchObject({ min: 0.5, max: 1, better: -1 });
    expect(goodness(0.5, d)).toBe(1);
    const same = loaded({ cells: [cell(0, 0, 0, { quality: 4 }), cell(1, 0, 0, { quality: 4 })] });
    expect(tint(4, domainOf(same, "score:quality"))).toBe("hsl(60, 75%, 90%)");
    expect(domainOf(t, "")).toBe(null);
    expect(domainOf(loaded({ cells: [] }), "score:quality")).toBe(null);
    expect(tint(3, null)).toBe("");
  });

  it("stays within red..green for any values (property)", () => {
    fc.assert(fc.property(fc.double({ noNaN: true, min: -1e6, max: 1e6 }), fc.double({ noNaN: true, min: -1e6, max: 1e6 }),
      fc.double({ noNaN: true, min: -2e6, max: 2e6 }), (a, b, x) => {
        const d = { min: Math.min(a, b), max: Math.max(a, b), better: 1, count: 2, bool: false };
        const g = goodness(x, d);
        expect(g >= 0 && g <= 1).toBe(true);
      }));
  });
});

describe("the grid", () => {
  it("draws only the rows in view (and a few around)", () => {
    expect(visibleRange(0, 480, 61, 1000, 6)).toEqual([0, 14]);
    expect(visibleRange(6100, 480, 61, 1000, 6)).toEqual([94, 114]);
    expect(visibleRange(1e9, 480, 61, 1000, 6)).toEqual([1000, 1000]);
    expect(visibleRange(0, 480, 61, 3, 6)).toEqual([0, 3]);
  });

  it("a block shows its scores, the start of its output or its error, as text, coloured by the measure", () => {
    const t = loaded({ cells: [cell(0, 0, 0, { quality: 5, brand: true }, { text: XSS }),
      cell(1, 0, 0, { quality: null }, { judge_errors: ["quality"], error: null })] });
    const look = { key: "score:quality", domain: { min: 1, max: 5, better: 1, count: 2, bool: false }, domains: {}, sort: null,
      selected: ["0:0:0"], opened: "0:0:0", cursor: null };
    const box = buildSample(t, 0, 0, 0, look);
    expect(box.querySelector(".af-exp-snippet").textContent).toBe(XSS);
    expect(box.querySelector("img, script")).toBe(null);
    expect([...box.querySelectorAll(".af-exp-chip")].map((c) => c.textContent)).toEqual(["quality 5", "brand ✓"]);
    expect(box.querySelector(".af-exp-chip.af-exp-on").textContent).toBe("quality 5");
    expect(box.style.background).toContain("hsl(120"); // happy-dom may keep or convert the colour
    expect(box.classList.contains("af-exp-opened")).toBe(true);
    expect(box.getAttribute("data-output")).toBe("out-0-0-0");
    const failed = buildSample(t, 1, 0, 0, look);
    expect(failed.querySelector(".af-exp-failed").textContent).toBe("quality !");
    const waiting = buildSample(t, 2, 1, 0, look);
    expect(waiting.classList.contains("af-exp-wait")).toBe(true);
    expect(waiting.textContent).toBe("not run");
  });

  it("the menu offers every score, then the metrics", () => {
    expect(measureOptions(["quality"]).map(([k]) => k)).toEqual(["score:quality", "metric:duration_s", "metric:tokens",
      "metric:cost_usd"]);
    expect(parseCellKey("12:3:0")).toEqual({ c: 12, v: 3, s: 0 });
    expect(parseCellKey("x")).toBe(null);
  });
});

describe("the panes", () => {
  it("a run's reply: its messages as text, its facts, what its judges said", () => {
    const r = runReply({ kind: "run", request_id: 1, case: 0, variant: "plain", sample: 0, tip: "b",
      messages: [{ id: "a", sender: "user", kind: "message", status: "complete", content: XSS },
        { id: "b", sender: "writer", kind: "forward", status: "complete", content: "hi", author: "drafter" }, "junk"],
      error: null, scores: { quality: 4, llm: null }, judge_errors: { llm: "ValueError: no JSON" },
      metrics: { duration_s: 1.5, tokens: 12, cost_usd: null },
      verdicts: [{ judge: "llm", id: "v", text: '{"score": 4, "reason": "short"}' }] });
    expect(r.messages.length).toBe(2);
    expect(runFacts(r)).toEqual(["quality: 4", "llm: failed (ValueError: no JSON)", "1.5 s", "12 tokens"]);
    expect(verdictText('{"score": 4, "reason": "short and catchy"}')).toBe("4 — short and catchy");
    expect(verdictText("not json")).toBe("not json");
    expect(runReply({ kind: "rows" })).toBe(null);
  });

  it("a comparison: each side's run and totals, the diff split into its two sides", () => {
    const v = comparisonView({ a: { case: 0, variant: "plain", sample: 0, metrics: { duration_s: 1, tokens: 20, cost_usd: 0.5 },
      scores: { q: 3 }, error: null }, b: { case: 0, variant: "terse", sample: 0, metrics: {}, scores: {} },
    ancestor: "abc", rows: [{ left: { id: "x", sender: "w" }, right: null, diff: [["=", "same "], ["-", "old"], ["+", "new"], "bad"] }] });
    expect(v.rows[0].leftRuns).toEqual([["=", "same "], ["-", "old"]]);
    expect(v.rows[0].rightRuns).toEqual([["=", "same "], ["+", "new"]]);
    expect(v.rows[0].right).toBe(null);
    expect(sideTotals(v.a)).toBe("1 s · 20 tokens · $0.5");
    expect(sideTotals(v.b)).toBe("no totals recorded");
    expect(comparisonView({})).toBe(null);
  });
});

describe("the widget", () => {
  it("asks for the table, draws a row per case and a column per variant, with the header's means", () => {
    const { model, host, cleanup } = mount();
    expect(model.sent).toEqual([{ kind: "ready" }]);
    model.emit(snapshot());
    expect(drawnCases(host)).toEqual([0, 1, 2]);
    const heads = [...host.querySelectorAll(".af-exp-head .af-exp-vname")].map((e) => e.textContent);
    expect(heads).toEqual(["case", "plain", "terse"]);
    expect([...host.querySelectorAll('.af-exp-hcell[data-v="1"] .af-exp-mean')].map((e) => e.textContent))
      .toEqual(["quality 4.5", "brand 100%"]);
    expect(host.querySelector(".af-exp-status").textContent).toBe("6/6 runs · 1 error");
    expect(host.querySelector(".af-exp-title").textContent).toBe("slogans · execution 0");
    expect(host.querySelector('.af-exp-row[data-case="1"] .af-exp-turns').textContent).toBe("2 turns");
    cleanup();
    expect(model.count()).toBe(0);
  });

  it("fills in live: the blocks of runs not finished wait, and the rows' deltas fill them", () => {
    const { model, host } = mount();
    model.emit(snapshot({ cells: [], running: true }));
    expect(host.querySelectorAll(".af-exp-wait").length).toBe(6);
    expect(host.querySelector(".af-exp-status").textContent).toBe("0/6 runs · running…");
    model.emit({ kind: "rows", running: true, judges: ["quality"], cells: [cell(1, 1, 0, { quality: 2 })] });
    expect(host.querySelectorAll(".af-exp-wait").length).toBe(5);
    expect(host.querySelector('[data-key="1:1:0"] .af-exp-snippet').textContent).toBe("answer 1/1/0");
    model.emit({ kind: "rows", running: false, cells: [] });
    expect(host.querySelector(".af-exp-status").textContent).toBe("1/6 runs · incomplete");
  });

  it("a click opens a run (the kernel checks it out and sends its conversation); Shift-click compares two", () => {
    const { model, host } = mount();
    model.emit(snapshot());
    model.sent.length = 0;
    host.querySelector('[data-key="1:0:0"]').dispatchEvent(new MouseEvent("click", { bubbles: true }));
    expect(model.sent).toEqual([
      { kind: "get-run", case: 1, variant: "plain", sample: 0, request_id: 1 },
      { kind: "open", case: 1, variant: "plain", sample: 0 },
    ]);
    const pane = host.querySelector(".af-exp-run");
    expect(pane.hidden).toBe(false);
    expect(pane.textContent).toContain("loading");
    model.emit({ kind: "run", request_id: 1, case: 1, variant: "plain", sample: 0, tip: "b", error: null,
      messages: [{ id: "a", sender: "user", kind: "message", status: "complete", content: "acme bikes" },
        { id: "b", sender: "writer", kind: "message", status: "complete", content: XSS }],
      scores: { quality: 1 }, judge_errors: {}, metrics: {}, verdicts: [] });
    expect([...pane.querySelectorAll(".af-exp-body")].map((e) => e.textContent)).toEqual(["acme bikes", XSS]);
    expect(pane.querySelector("img, script")).toBe(null);
    expect(pane.textContent).toContain("checked out in the TreeView");
    expect(host.querySelector('[data-key="1:0:0"]').classList.contains("af-exp-opened")).toBe(true);
    model.sent.length = 0;
    host.querySelector('[data-key="1:1:0"]').dispatchEvent(new MouseEvent("click", { bubbles: true, shiftKey: true }));
    expect(model.sent).toEqual([{ kind: "compare", a: { case: 1, variant: "plain", sample: 0 },
      b: { case: 1, variant: "terse", sample: 0 } }]);
    model.set("comparison", { a: { case: 1, variant: "plain", sample: 0, metrics: { tokens: 10 }, scores: {} },
      b: { case: 1, variant: "terse", sample: 0, metrics: { tokens: 12 }, scores: {} }, ancestor: "a",
      rows: [{ left: { id: "b", sender: "writer" }, right: { id: "c", sender: "writer" }, diff: [["-", "old"], ["+", "new"]] }] });
    const cmp = host.querySelector(".af-exp-compare");
    expect(cmp.hidden).toBe(false);
    expect(pane.hidden).toBe(true);
    expect(cmp.querySelector("del").textContent).toBe("old");
    expect(cmp.querySelector("ins").textContent).toBe("new");
    expect(cmp.textContent).toContain("10 tokens");
    expect(host.querySelectorAll(".af-exp-selected").length).toBe(2);
    // Esc closes the comparison; the run's pane comes back
    model.sent.length = 0;
    host.querySelector(".af-exp-scroll").dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(model.sent).toEqual([{ kind: "close-compare" }]);
    expect(cmp.hidden).toBe(true);
    expect(pane.hidden).toBe(false);
    model.set("comparison", {}); // the kernel's echo changes nothing more
    expect(pane.hidden).toBe(false);
    host.querySelector(".af-exp-scroll").dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(model.sent).toEqual([{ kind: "close-compare" }, { kind: "close-run" }]);
    expect(pane.hidden).toBe(true);
    // a cell that has not run does nothing
    model.sent.length = 0;
    model.emit({ kind: "snapshot", ...snapshot(), cells: [] });
    host.querySelector('[data-key="0:0:0"]').dispatchEvent(new MouseEvent("click", { bubbles: true }));
    expect(model.sent).toEqual([]);
  });

  it("a click on a header sorts by that column; a mean picks its score", () => {
    const { model, host } = mount();
    model.emit(snapshot());
    host.querySelector('.af-exp-head [data-sort="0"].af-exp-sortable').click();
    expect(drawnCases(host)).toEqual([0, 2, 1]); // plain's quality: 3, 2, 1
    expect(host.querySelector(".af-exp").getAttribute("data-sort")).toBe("0:score:quality:1");
    host.querySelector('.af-exp-head [data-sort="0"][data-key="score:brand"]').click();
    expect(host.querySelector(".af-exp-measure").value).toBe("score:brand");
    expect(drawnCases(host)).toEqual([0, 1, 2]);
    host.querySelector('.af-exp-head [data-sort="case"]').click();
    expect(drawnCases(host)).toEqual([0, 1, 2]);
    host.querySelector('.af-exp-head [data-sort="case"]').click();
    expect(drawnCases(host)).toEqual([2, 1, 0]);
  });

  it("opening from Python (the opened trait) asks for the conversation once", () => {
    const { model, host } = mount();
    model.emit(snapshot());
    model.sent.length = 0;
    model.set("opened", { case: 2, variant: "plain", sample: 0 });
    expect(model.sent).toEqual([{ kind: "get-run", case: 2, variant: "plain", sample: 0, request_id: 1 }]);
    model.set("opened", { case: 2, variant: "plain", sample: 0 });
    expect(model.sent.length).toBe(1);
    expect(host.querySelector('[data-key="2:0:0"]').classList.contains("af-exp-selected")).toBe(true);
    model.set("opened", {});
    expect(host.querySelector(".af-exp-run").hidden).toBe(true);
  });

  it("a run opened from Python and then compared: its conversation is kept for when the comparison closes", () => {
    const { model, host } = mount();
    model.emit(snapshot());
    model.set("opened", { case: 1, variant: "plain", sample: 0 });
    model.set("comparison", { a: { case: 0, variant: "plain", sample: 0 }, b: { case: 0, variant: "terse", sample: 0 },
      ancestor: null, rows: [] });
    model.emit({ kind: "run", request_id: 1, case: 1, variant: "plain", sample: 0, tip: "b", error: null, scores: {},
      judge_errors: {}, metrics: {}, verdicts: [],
      messages: [{ id: "a", sender: "user", kind: "message", status: "complete", content: "acme bikes" }] });
    const pane = host.querySelector(".af-exp-run");
    expect(pane.hidden).toBe(true); // the comparison is in front
    expect(host.querySelector(".af-exp-compare").hidden).toBe(false);
    model.sent.length = 0;
    host.querySelector('[data-key="1:0:0"]').dispatchEvent(new MouseEvent("click", { bubbles: true }));
    expect(pane.hidden).toBe(false);
    expect(pane.querySelector(".af-exp-body").textContent).toBe("acme bikes");
    expect(model.sent).toEqual([{ kind: "close-compare" }, { kind: "open", case: 1, variant: "plain", sample: 0 }]);
  });

  it("keys: arrows move a cursor through the blocks in the rows' order, Enter opens", () => {
    const t = loaded({ samples: 2 });
    const order = Int32Array.from([2, 0, 1]);
    const pos = Int32Array.from([1, 2, 0]);
    expect(moveCursor(t, order, pos, "2:0:0", "ArrowDown")).toBe("2:0:1");
    expect(moveCursor(t, order, pos, "2:0:1", "ArrowDown")).toBe("0:0:0");
    expect(moveCursor(t, order, pos, "0:0:0", "ArrowUp")).toBe("2:0:1");
    expect(moveCursor(t, order, pos, "2:0:0", "ArrowUp")).toBe(null);
    expect(moveCursor(t, order, pos, "2:0:0", "ArrowRight")).toBe("2:1:0");
    expect(moveCursor(t, order, pos, "2:1:0", "ArrowRight")).toBe(null);
    const { model, host } = mount();
    model.emit(snapshot());
    const grid = host.querySelector(".af-exp-scroll");
    const key = (k, extra = {}) => grid.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, ...extra }));
    key("ArrowDown"); // the first press puts the cursor on the first block
    key("ArrowDown");
    key("ArrowRight");
    expect(host.querySelector(".af-exp-cursor").getAttribute("data-key")).toBe("1:1:0");
    model.sent.length = 0;
    key("Enter");
    expect(model.sent.map((m) => m.kind)).toEqual(["get-run", "open"]);
  });

  it("shows the kernel's error, which a click dismisses; text only", () => {
    const { model, host } = mount({ error: XSS });
    const banner = host.querySelector(".af-exp-error");
    expect(banner.hidden).toBe(false);
    expect(banner.querySelector("span").textContent).toBe(XSS);
    banner.querySelector("button").click();
    expect(model.get("error")).toBe("");
    expect(banner.hidden).toBe(true);
    model.emit(snapshot({ name: XSS, cases: [{ name: XSS, turns: 1, first: XSS }], variants: [XSS], cells: [] }));
    expect(host.querySelector("img, script")).toBe(null);
    expect(statusText(createTable(), 0)).toBe("loading…");
  });
});
