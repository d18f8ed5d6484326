// @ts-check
// The ExperimentView's table in the browser (pure): the kernel's `snapshot` and `rows` messages applied
// (agentforum_nb/notebook/experiment_view.py), what a cell's measure is worth, each variant's means and totals
// (the header), and the order of the rows for a sort. Cells live in one flat array, index (case * variants +
// variant) * samples + sample, so 1,000 cases x 5 variants stay cheap to aggregate and sort.

/**
 * One run as the kernel sends it: case index `c`, variant index `v`, sample `s`, its output's id, the start of
 * its output (text), its error, its scores (judge -> number | bool | null) and metrics.
 * @typedef {{c: number, v: number, s: number, id: string | null, text: string, error: string | null,
 *            scores: Record<string, number | boolean | null>, metrics: Record<string, number | null>,
 *            judge_errors?: string[]}} Cell
 * @typedef {{name: string, turns: number, first: string}} CaseInfo
 * @typedef {object} Table
 * @property {boolean} loaded     a snapshot arrived
 * @property {string} name
 * @property {number | null} execution
 * @property {CaseInfo[]} cases
 * @property {string[]} variants
 * @property {number} samples
 * @property {string[]} judges   score names, in the order they were first seen
 * @property {number} total      runs in the whole execution
 * @property {boolean} running
 * @property {(Cell | undefined)[]} cells
 * @property {number} done       cells that arrived
 * @property {Uint32Array} stamps  per case: bumped when one of its cells changes (rows are redrawn then)
 */

/** The metrics the header sums, and whether less is better (for colours and "best first"). */
export const METRICS = Object.freeze(["duration_s", "tokens", "cost_usd"]);

/** @returns {Table} */
export function createTable() {
  return { loaded: false, name: "", execution: null, cases: [], variants: [], samples: 1, judges: [], total: 0,
    running: false, cells: [], done: 0, stamps: new Uint32Array(0) };
}

/**
 * @param {Table} t
 * @param {number} c
 * @param {number} v
 * @param {number} s
 */
export function cellIndex(t, c, v, s) {
  return (c * t.variants.length + v) * t.samples + s;
}

/**
 * @param {Table} t
 * @param {number} c
 * @param {number} v
 * @param {number} s
 * @returns {Cell | undefined}
 */
export function cellAt(t, c, v, s) {
  return t.cells[cellIndex(t, c, v, s)];
}

/**
 * @param {unknown} x
 * @returns {x is Record<string, any>}
 */
const isObject = (x) => typeof x === "object" && x !== null && !Array.isArray(x);

/**
 * A cell from the wire, or null when it is malformed or outside the table.
 * @param {Table} t
 * @param {unknown} raw
 * @returns {Cell | null}
 */
function cellOf(t, raw) {
  if (!isObject(raw)) return null;
  const { c, v, s } = raw;
  if (!Number.isInteger(c) || !Number.isInteger(v) || !Number.isInteger(s)) return null;
  if (c < 0 || c >= t.cases.length || v < 0 || v >= t.variants.length || s < 0 || s >= t.samples) return null;
  /** @type {Record<string, number | boolean | null>} */
  const scores = isObject(raw.scores) ? raw.scores : {};
  for (const k in scores) {
    const x = scores[k];
    if (!(typeof x === "boolean" || (typeof x === "number" && Number.isFinite(x)))) scores[k] = null;
  }
  /** @type {Record<string, number | null>} */
  const metrics = isObject(raw.metrics) ? raw.metrics : {};
  for (const k in metrics) {
    const x = metrics[k];
    if (!(typeof x === "number" && Number.isFinite(x))) metrics[k] = null;
  }
  /** @type {Cell} */
  const cell = {
    c, v, s,
    id: typeof raw.id === "string" ? raw.id : null,
    text: typeof raw.text === "string" ? raw.text : "",
    error: typeof raw.error === "string" ? raw.error : null,
    scores,
    metrics,
  };
  if (Array.isArray(raw.judge_errors)) cell.judge_errors = raw.judge_errors.filter((x) => typeof x === "string");
  return cell;
}

/**
 * @param {Table} t
 * @param {Record<string, any>} msg
 */
function applyStatus(t, msg) {
  if (typeof msg.name === "string") t.name = msg.name;
  if (msg.execution === null || Number.isInteger(msg.execution)) t.execution = msg.execution;
  if (Number.isInteger(msg.total) && msg.total >= 0) t.total = msg.total;
  if (typeof msg.running === "boolean") t.running = msg.running;
  if (Array.isArray(msg.judges)) {
    for (const j of msg.judges) if (typeof j === "string" && !t.judges.includes(j)) t.judges.push(j);
  }
}

/**
 * @param {Table} t
 * @param {unknown[]} cells
 * @param {Set<number>} touched
 */
function putCells(t, cells, touched) {
  const known = new Set(t.judges);
  for (const raw of cells) {
    const cell = cellOf(t, raw);
    if (!cell) continue;
    const i = cellIndex(t, cell.c, cell.v, cell.s);
    if (!t.cells[i]) t.done++;
    t.cells[i] = cell;
    for (const k in cell.scores) {
      if (!known.has(k)) {
        known.add(k);
        t.judges.push(k);
      }
    }
    t.stamps[cell.c]++;
    touched.add(cell.c);
  }
}

/**
 * Apply a kernel message to the table. Returns null when it is not a table message (or is one that cannot be
 * applied yet: rows before the first snapshot), else {reset: a snapshot replaced everything, cases: the case
 * indices whose cells changed}.
 * @param {Table} t
 * @param {unknown} msg
 * @returns {{reset: boolean, cases: Set<number>} | null}
 */
export function applyMessage(t, msg) {
  if (!isObject(msg)) return null;
  if (msg.kind === "snapshot") {
    const cases = Array.isArray(msg.cases) ? msg.cases : [];
    t.cases = cases.map((/** @type {any} */ c, /** @type {number} */ i) => ({
      name: isObject(c) && typeof c.name === "string" ? c.name : String(i),
      turns: isObject(c) && Number.isInteger(c.turns) ? c.turns : 1,
      first: isObject(c) && typeof c.first === "string" ? c.first : "",
    }));
    t.variants = Array.isArray(msg.variants) ? msg.variants.map(String) : [];
    t.samples = Number.isInteger(msg.samples) && msg.samples > 0 ? msg.samples : 1;
    t.judges = [];
    t.cells = new Array(t.cases.length * t.variants.length * t.samples);
    t.done = 0;
    t.stamps = new Uint32Array(t.cases.length);
    t.execution = null;
    t.running = false;
    t.total = t.cells.length;
    applyStatus(t, msg);
    /** @type {Set<number>} */
    const touched = new Set();
    putCells(t, Array.isArray(msg.cells) ? msg.cells : [], touched);
    t.loaded = true;
    return { reset: true, cases: touched };
  }
  if (msg.kind === "rows") {
    if (!t.loaded) return null;
    applyStatus(t, msg);
    /** @type {Set<number>} */
    const touched = new Set();
    putCells(t, Array.isArray(msg.cells) ? msg.cells : [], touched);
    return { reset: false, cases: touched };
  }
  return null;
}

// -- measures ------------------------------------------------------------------------------------------------

/**
 * A measure: what cells are coloured and rows sorted by: `score:<judge>` or `metric:<name>`.
 * @param {string} judge
 */
export const scoreKey = (judge) => `score:${judge}`;

/**
 * @param {string} key
 * @returns {{kind: "score" | "metric" | "none", name: string}}
 */
export function parseKey(key) {
  if (key.startsWith("score:")) return { kind: "score", name: key.slice(6) };
  if (key.startsWith("metric:")) return { kind: "metric", name: key.slice(7) };
  return { kind: "none", name: "" };
}

/**
 * Whether a larger value of the measure is better (scores) or worse (duration, tokens, cost).
 * @param {string} key
 */
export const higherIsBetter = (key) => parseKey(key).kind !== "metric";

/**
 * A cell's value for a measure: a number (a bool counts as 0/1), or null (no value, not run, or failed).
 * @param {Cell | undefined} cell
 * @param {string} key
 * @returns {number | null}
 */
export function cellValue(cell, key) {
  return valueOf(key)(cell);
}

/**
 * The function that gives a cell's value for a measure (the key parsed once, for loops over every cell).
 * @param {string} key
 * @returns {(cell: Cell | undefined) => number | null}
 */
export function valueOf(key) {
  const { kind, name } = parseKey(key);
  if (kind === "none") return () => null;
  const field = kind === "score" ? "scores" : "metrics";
  return (cell) => {
    if (!cell) return null;
    const x = cell[field][name];
    if (typeof x === "boolean") return x ? 1 : 0;
    return typeof x === "number" ? x : null;
  };
}

/**
 * A row's value in a variant's column: the mean of its samples' values (null when none has one).
 * @param {Table} t
 * @param {number} c
 * @param {number} v
 * @param {string} key
 */
export function rowValue(t, c, v, key) {
  return rowMean(t, c, v, valueOf(key));
}

/**
 * @param {Table} t
 * @param {number} c
 * @param {number} v
 * @param {(cell: Cell | undefined) => number | null} value
 */
function rowMean(t, c, v, value) {
  let sum = 0;
  let n = 0;
  const base = cellIndex(t, c, v, 0);
  for (let s = 0; s < t.samples; s++) {
    const x = value(t.cells[base + s]);
    if (x !== null) {
      sum += x;
      n++;
    }
  }
  return n ? sum / n : null;
}

/**
 * One variant's header: runs that arrived (of `of`), errors, the mean of every score (bools as 0/1; null when no
 * run has it) and the sums of the metrics (null when no run reports one).
 * @typedef {{runs: number, of: number, errors: number, means: Record<string, number | null>,
 *            counts: Record<string, number>, sums: Record<string, number | null>}} Summary
 */

/**
 * Every variant's header, in one pass over the cells.
 * @param {Table} t
 * @returns {Summary[]}
 */
export function summaries(t) {
  const V = t.variants.length;
  /** @type {Summary[]} */
  const out = [];
  /** @type {Record<string, number>[]} */
  const totals = [];
  for (let v = 0; v < V; v++) {
    out.push({ runs: 0, of: t.cases.length * t.samples, errors: 0, means: {}, counts: {}, sums: {} });
    totals.push({});
    for (const m of METRICS) out[v].sums[m] = null;
  }
  for (const cell of t.cells) {
    if (!cell) continue;
    const s = out[cell.v];
    s.runs++;
    if (cell.error !== null) s.errors++;
    const sums = totals[cell.v];
    for (const k in cell.scores) {
      const x = cell.scores[k];
      if (x === null) continue;
      sums[k] = (sums[k] || 0) + (x === true ? 1 : x === false ? 0 : x);
      s.counts[k] = (s.counts[k] || 0) + 1;
    }
    for (const m of METRICS) {
      const x = cell.metrics[m];
      if (typeof x === "number") s.sums[m] = (s.sums[m] ?? 0) + x;
    }
  }
  for (let v = 0; v < V; v++) {
    for (const j of t.judges) out[v].means[j] = out[v].counts[j] ? totals[v][j] / out[v].counts[j] : null;
  }
  return out;
}

// -- sorting -------------------------------------------------------------------------------------------------

/**
 * A sort: by the case column (`v` null: the cases' order) or by a variant's column and a measure; `dir` 1 puts
 * the best first (the largest score, the smallest cost), -1 the worst first.
 * @typedef {{v: number | null, key: string, dir: 1 | -1}} Sort
 */

/**
 * The case indices in the order of `sort` (rows without a value last, ties in the cases' order).
 * @param {Table} t
 * @param {Sort | null} sort
 * @returns {Int32Array}
 */
export function sortOrder(t, sort) {
  const n = t.cases.length;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (!sort) return order;
  if (sort.v === null) {
    if (sort.dir === -1) order.reverse();
    return order;
  }
  const v = sort.v;
  const sign = (higherIsBetter(sort.key) ? -1 : 1) * sort.dir; // ascending values when sign is 1
  const values = new Float64Array(n);
  const value = valueOf(sort.key);
  for (let c = 0; c < n; c++) {
    const x = rowMean(t, c, v, value);
    values[c] = x === null ? NaN : x;
  }
  const arr = Array.from(order);
  arr.sort((a, b) => {
    const x = values[a];
    const y = values[b];
    const nx = Number.isNaN(x);
    const ny = Number.isNaN(y);
    if (nx || ny) return nx === ny ? a - b : nx ? 1 : -1;
    return x === y ? a - b : (x < y ? -1 : 1) * sign;
  });
  return Int32Array.from(arr);
}

/**
 * The next sort after a click on a column's header (with a measure): best first, then worst first, then the
 * cases' order again. The case column: the cases' order reversed, then (or after a variant's sort) as it was.
 * @param {Sort | null} current
 * @param {number | null} v
 * @param {string} key
 * @returns {Sort | null}
 */
export function nextSort(current, v, key) {
  if (v === null) return current === null ? { v: null, key, dir: -1 } : null; // cases' order <-> reversed
  if (!current || current.v !== v || current.key !== key) return { v, key, dir: 1 };
  return current.dir === 1 ? { v, key, dir: -1 } : null;
}

// -- numbers -------------------------------------------------------------------------------------------------

/**
 * A score as shown: ✓ / ✗ for bools, whole numbers as they are, else two decimals (trailing zeros dropped).
 * @param {number | boolean | null | undefined} x
 */
export function formatScore(x) {
  if (x === true) return "✓";
  if (x === false) return "✗";
  if (typeof x !== "number") return "–";
  if (Number.isInteger(x)) return String(x);
  return String(Number(x.toFixed(Math.abs(x) >= 100 ? 0 : 2)));
}

/**
 * A metric as shown: "1.2 s", "1,234 tokens", "$0.0123".
 * @param {string} name
 * @param {number | null | undefined} x
 */
export function formatMetric(name, x) {
  if (typeof x !== "number") return "";
  if (name === "duration_s") return x >= 100 ? `${Math.round(x)} s` : x >= 10 ? `${x.toFixed(1)} s` : `${Number(x.toFixed(2))} s`;
  if (name === "cost_usd") return x === 0 ? "$0" : x >= 1 ? `$${x.toFixed(2)}` : `$${Number(x.toPrecision(3))}`;
  if (name === "tokens") return `${thousands(Math.round(x))} token${Math.round(x) === 1 ? "" : "s"}`;
  return String(x);
}

/**
 * A whole number with commas between its thousands: 1234567 -> "1,234,567" (without Intl, which is slow to
 * start).
 * @param {number} n
 */
export function thousands(n) {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}
