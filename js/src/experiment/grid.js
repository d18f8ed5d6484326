// @ts-check
// The ExperimentView's grid: a sticky header (each variant's name, means and totals) and one row per case, a
// column per variant, its samples stacked in the cell. Rows are virtualised: only those in and near the view are
// in the DOM, each absolutely placed at its position in the current order, so 1,000 cases x 5 variants draw and
// sort as fast as 20. What a row and a header cell show is decided here from the table (text only); the wiring
// (experiment.js) says what to draw and handles the clicks.

import { el, oneLine } from "../render.js";
import { ink, tint } from "./colour.js";
import { CASE_W, GRID_H, OVERSCAN, SAMPLE_H, VARIANT_W } from "./style.js";
import { METRICS, cellAt, cellValue, formatMetric, formatScore, parseKey, scoreKey } from "./table.js";

/**
 * What the grid is drawn with besides the table: the measure (colours, bold chips), the sort, the cells
 * selected, opened and under the keyboard's cursor, and the domain of every score (the header's chips).
 * @typedef {object} Look
 * @property {string} key
 * @property {import("./colour.js").Domain | null} domain
 * @property {Record<string, import("./colour.js").Domain | null>} domains
 * @property {import("./table.js").Sort | null} sort
 * @property {string[]} selected
 * @property {string | null} opened
 * @property {string | null} cursor
 */

/**
 * A cell's key: "case:variant:sample" (indices).
 * @param {number} c
 * @param {number} v
 * @param {number} s
 */
export const cellKey = (c, v, s) => `${c}:${v}:${s}`;

/**
 * @param {string | null | undefined} key
 * @returns {{c: number, v: number, s: number} | null}
 */
export function parseCellKey(key) {
  const m = /^(\d+):(\d+):(\d+)$/.exec(key || "");
  return m ? { c: Number(m[1]), v: Number(m[2]), s: Number(m[3]) } : null;
}

/**
 * A row's height (px): a block per sample, and the row's border.
 * @param {number} samples
 */
export const rowHeight = (samples) => samples * SAMPLE_H + 1;

/**
 * The positions [first, end) of the rows to draw for a scroll offset and a view's height.
 * @param {number} scrollTop
 * @param {number} viewHeight
 * @param {number} rowH
 * @param {number} n
 * @param {number} [overscan]
 * @returns {[number, number]}
 */
export function visibleRange(scrollTop, viewHeight, rowH, n, overscan = OVERSCAN) {
  const first = Math.min(n, Math.max(0, Math.floor(scrollTop / rowH) - overscan));
  const end = Math.min(n, Math.ceil((scrollTop + viewHeight) / rowH) + overscan);
  return [first, Math.max(first, end)];
}

/**
 * The grid's column template: the case column, then one per variant.
 * @param {number} variants
 */
export const columns = (variants) =>
  `minmax(${CASE_W}px, 1fr) repeat(${variants}, minmax(${VARIANT_W}px, 1.5fr))`;

/** What the metrics are called in the header. */
const METRIC_NAMES = Object.freeze({ duration_s: "duration", tokens: "tokens", cost_usd: "cost" });

/**
 * The options of the "colour and sort by" menu: each score, then the metrics.
 * @param {string[]} judges
 * @returns {[string, string][]} [key, label]
 */
export function measureOptions(judges) {
  /** @type {[string, string][]} */
  const out = judges.map((j) => [scoreKey(j), j]);
  for (const m of METRICS) out.push([`metric:${m}`, `${METRIC_NAMES[/** @type {keyof typeof METRIC_NAMES} */ (m)]} (less is better)`]);
  return out;
}

/**
 * A variant's totals: its runs ("12/20 runs · 1 error") and what they cost ("1,234 tokens · $0.012 · 3.1 s").
 * @param {import("./table.js").Summary} s
 * @returns {{runs: string, cost: string}}
 */
export function totalsText(s) {
  const cost = [];
  for (const m of ["tokens", "cost_usd", "duration_s"]) {
    const text = formatMetric(m, s.sums[m]);
    if (text) cost.push(text);
  }
  return { runs: `${s.runs}/${s.of} runs`, cost: cost.join(" · ") };
}

/**
 * A variant's mean of a score: a share for a yes/no judge ("70%"), else the number.
 * @param {number | null} mean
 * @param {import("./colour.js").Domain | null} domain
 */
export function formatMean(mean, domain) {
  if (mean !== null && domain && domain.bool) return `${Math.round(mean * 100)}%`;
  return formatScore(mean);
}

/**
 * What a column's header says when the rows are sorted by it ("" for another column): "▼ quality, best first".
 * @param {import("./table.js").Sort | null} sort
 * @param {number | null} v
 */
export function sortLabel(sort, v) {
  if (!sort || sort.v !== v) return "";
  if (v === null) return sort.dir === 1 ? "▼" : "▲ reversed";
  return `${sort.dir === 1 ? "▼" : "▲"} ${parseKey(sort.key).name}, ${sort.dir === 1 ? "best" : "worst"} first`;
}

/**
 * @param {import("./table.js").Table} t
 * @param {import("./table.js").Summary[]} sums
 * @param {Look} look
 */
function buildHead(t, sums, look) {
  const head = el("div", { class: "af-exp-head", role: "row" });
  head.style.gridTemplateColumns = columns(t.variants.length);
  const hcase = el("div", { class: "af-exp-hcell af-exp-hcase", role: "columnheader" });
  const bcase = el("button", { type: "button", class: "af-exp-sortable", "data-sort": "case",
    title: "sort by case (again: reversed)" });
  bcase.append(el("span", { class: "af-exp-vname" }, "case"), el("span", { class: "af-exp-arrow" }, sortLabel(look.sort, null)));
  hcase.append(bcase, el("div", { class: "af-exp-totals" },
    `${t.cases.length} case${t.cases.length === 1 ? "" : "s"}` + (t.samples > 1 ? ` · ${t.samples} samples each` : "")));
  head.append(hcase);
  const measure = parseKey(look.key);
  t.variants.forEach((name, v) => {
    const s = sums[v];
    const cell = el("div", { class: "af-exp-hcell", role: "columnheader", "data-v": v });
    const title = look.key ? `sort by ${name}'s ${measure.name} (best first, again: worst first, again: off)` : "";
    const b = el("button", { type: "button", class: "af-exp-sortable", "data-sort": v, title });
    b.append(el("span", { class: "af-exp-vname" }, name), el("span", { class: "af-exp-arrow" }, sortLabel(look.sort, v)));
    const means = el("div", { class: "af-exp-means" });
    for (const j of t.judges) {
      const mean = s.means[j] ?? null;
      const key = scoreKey(j);
      const chip = el("button", { type: "button", class: "af-exp-mean" + (key === look.key ? " af-exp-on" : ""),
        "data-sort": v, "data-key": key, title: `mean of ${j} over ${s.counts[j] || 0} runs; click to sort by it` },
      `${j} ${formatMean(mean, look.domains[key] ?? null)}`);
      const colour = ink(mean, look.domains[key] ?? null);
      if (colour) chip.style.borderLeftColor = colour;
      means.append(chip);
    }
    const text = totalsText(s);
    const runs = el("div", { class: "af-exp-totals" }, text.runs);
    if (s.errors) {
      runs.append(" · ", el("span", { class: "af-exp-bad" }, `${s.errors} error${s.errors === 1 ? "" : "s"}`));
    }
    cell.append(b);
    if (t.judges.length) cell.append(means);
    cell.append(runs);
    if (text.cost) cell.append(el("div", { class: "af-exp-totals", title: "the sums over its runs" }, text.cost));
    head.append(cell);
  });
  return head;
}

/**
 * One sample's block in a cell: its scores (the measure's in bold), the start of its output (or its error, or
 * that it has not run yet), coloured by the measure.
 * @param {import("./table.js").Table} t
 * @param {number} c
 * @param {number} v
 * @param {number} s
 * @param {Look} look
 */
export function buildSample(t, c, v, s, look) {
  const key = cellKey(c, v, s);
  const cell = cellAt(t, c, v, s);
  const box = el("div", { class: "af-exp-sample", role: "gridcell", "data-key": key });
  const scores = el("div", { class: "af-exp-scores" });
  const text = el("div", { class: "af-exp-snippet" });
  box.append(scores, text);
  if (t.samples > 1) box.append(el("span", { class: "af-exp-sno" }, `#${s}`));
  if (!cell) {
    box.classList.add("af-exp-wait");
    text.textContent = t.running ? "…" : "not run";
    box.title = t.running ? "not finished yet" : "this run is not in the table (not run, or another shard's)";
    return box;
  }
  if (cell.id) box.setAttribute("data-output", cell.id);
  const failedJudges = new Set(cell.judge_errors || []);
  for (const j of t.judges) {
    if (!(j in cell.scores) && !failedJudges.has(j)) continue;
    const failed = failedJudges.has(j) || cell.scores[j] === null;
    const chip = el("span", { class: "af-exp-chip" + (scoreKey(j) === look.key ? " af-exp-on" : "") +
      (failed ? " af-exp-failed" : "") }, `${j} ${failed ? "!" : formatScore(cell.scores[j])}`);
    if (failed) chip.title = `the judge ${j} failed: open the run to read its error`;
    scores.append(chip);
  }
  if (cell.error !== null) {
    box.classList.add("af-exp-err");
    text.textContent = "error: " + oneLine(cell.error, 200);
  } else {
    text.textContent = oneLine(cell.text, 200);
    if (parseKey(look.key).kind === "metric") {
      const m = formatMetric(parseKey(look.key).name, cell.metrics[parseKey(look.key).name]);
      if (m) scores.append(el("span", { class: "af-exp-chip af-exp-on" }, m));
    }
  }
  const colour = tint(cellValue(cell, look.key), look.domain);
  if (colour && cell.error === null) box.style.background = colour;
  if (look.selected.includes(key)) box.classList.add("af-exp-selected");
  if (look.opened === key) box.classList.add("af-exp-opened");
  if (look.cursor === key) box.classList.add("af-exp-cursor");
  return box;
}

/**
 * A case's row at position `pos`.
 * @param {import("./table.js").Table} t
 * @param {number} c
 * @param {number} pos
 * @param {Look} look
 */
export function buildRow(t, c, pos, look) {
  const h = rowHeight(t.samples);
  const row = el("div", { class: "af-exp-row", role: "row", "data-case": c });
  row.style.gridTemplateColumns = columns(t.variants.length);
  row.style.top = `${pos * h}px`;
  row.style.height = `${h}px`;
  const info = t.cases[c];
  const head = el("div", { class: "af-exp-case", role: "rowheader" });
  const name = el("div", { class: "af-exp-cname" });
  name.append(el("span", {}, info.name));
  if (info.turns > 1) name.append(el("span", { class: "af-exp-turns" }, `${info.turns} turns`));
  head.append(name);
  if (info.first !== info.name) head.append(el("div", { class: "af-exp-first" }, oneLine(info.first, 200)));
  head.title = info.first;
  row.append(head);
  for (let v = 0; v < t.variants.length; v++) {
    const cell = el("div", { class: "af-exp-cell" });
    for (let s = 0; s < t.samples; s++) cell.append(buildSample(t, c, v, s, look));
    row.append(cell);
  }
  return row;
}

/**
 * The grid inside `host`: `draw(table, sums, look, order)` after any change (the header and the rows in view are
 * built again); scrolling draws the rows that come into view. `on.cell(key, event)` for a click on a run's block,
 * `on.sort(v, key)` for a click on a header (`v` null: the case column; `key` null: the measure shown).
 * @param {HTMLElement} host
 * @param {{cell: (key: string, event: MouseEvent) => void, sort: (v: number | null, key: string | null) => void}} on
 */
export function createGrid(host, on) {
  const scroll = el("div", { class: "af-exp-scroll", tabindex: "0", role: "grid",
    "aria-label": "experiment runs: a row per case, a column per variant" });
  let head = el("div", { class: "af-exp-head" });
  const sizer = el("div", { class: "af-exp-sizer", role: "rowgroup" });
  const empty = el("div", { class: "af-exp-empty" }, "loading the table…");
  scroll.append(head, sizer, empty);
  host.append(scroll);
  /** @type {Map<number, {row: HTMLElement, pos: number}>} case -> its row in the DOM */
  let drawn = new Map();
  /** @type {{t: import("./table.js").Table, look: Look, order: Int32Array} | null} */
  let current = null;
  let frame = 0;

  /**
   * Draw the rows in view: rows already drawn stay (moved when their position changed) unless `rebuild`.
   * @param {boolean} rebuild
   */
  function drawRows(rebuild) {
    if (!current) return;
    const { t, look, order } = current;
    const h = rowHeight(t.samples);
    const view = scroll.clientHeight || GRID_H;
    const [first, end] = visibleRange(Math.max(0, scroll.scrollTop - head.offsetHeight), view, h, order.length);
    /** @type {Map<number, {row: HTMLElement, pos: number}>} */
    const next = new Map();
    /** @type {HTMLElement[]} */
    const fresh = [];
    for (let pos = first; pos < end; pos++) {
      const c = order[pos];
      const old = drawn.get(c);
      if (old && !rebuild) {
        if (old.pos !== pos) old.row.style.top = `${pos * h}px`;
        next.set(c, { row: old.row, pos });
        drawn.delete(c);
        continue;
      }
      const row = buildRow(t, c, pos, look);
      next.set(c, { row, pos });
      fresh.push(row);
    }
    for (const { row } of drawn.values()) row.remove();
    if (fresh.length) sizer.append(...fresh);
    drawn = next;
  }

  /**
   * @param {import("./table.js").Table} t
   * @param {import("./table.js").Summary[]} sums
   * @param {Look} look
   * @param {Int32Array} order
   */
  function draw(t, sums, look, order) {
    current = { t, look, order };
    const fresh = buildHead(t, sums, look);
    head.replaceWith(fresh);
    head = fresh;
    const width = CASE_W + t.variants.length * VARIANT_W;
    head.style.minWidth = `${width}px`;
    sizer.style.minWidth = `${width}px`;
    const rowsHeight = order.length * rowHeight(t.samples);
    sizer.style.height = `${rowsHeight}px`;
    const wanted = Math.min(GRID_H, head.offsetHeight + rowsHeight + (t.loaded && t.cases.length ? 0 : 48) + 18);
    if (scroll.style.height !== `${wanted}px`) scroll.style.height = `${wanted}px`;
    empty.hidden = t.loaded && t.cases.length > 0;
    if (t.loaded) empty.textContent = "no cases";
    drawRows(true);
  }

  /**
   * Scroll so that the row at `pos` is in view (the least scrolling).
   * @param {number} pos
   */
  function reveal(pos) {
    if (!current) return;
    const h = rowHeight(current.t.samples);
    const top = pos * h;
    const viewTop = scroll.scrollTop;
    const viewH = (scroll.clientHeight || GRID_H) - head.offsetHeight;
    if (top < viewTop) scroll.scrollTop = top;
    else if (top + h > viewTop + viewH) scroll.scrollTop = top + h - viewH;
    drawRows(false);
  }

  const onScroll = () => {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      drawRows(false);
    });
  };
  /** @param {MouseEvent} event */
  const onClick = (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    const sort = target.closest("[data-sort]");
    if (sort && head.contains(sort)) {
      const v = sort.getAttribute("data-sort");
      on.sort(v === "case" ? null : Number(v), sort.getAttribute("data-key"));
      return;
    }
    const sample = target.closest(".af-exp-sample");
    const key = sample && sample.getAttribute("data-key");
    if (key) on.cell(key, event);
  };
  scroll.addEventListener("scroll", onScroll, { passive: true });
  scroll.addEventListener("click", onClick);
  return {
    element: scroll,
    draw,
    reveal,
    /** The cases drawn now, by position (for tests). */
    drawnCases: () => [...drawn.entries()].sort((a, b) => a[1].pos - b[1].pos).map(([c]) => c),
    destroy() {
      if (frame) cancelAnimationFrame(frame);
      scroll.removeEventListener("scroll", onScroll);
      scroll.removeEventListener("click", onClick);
    },
  };
}
