// @ts-check
// ExperimentView front end (anywidget): an experiment's runs as a grid of cases x variants, filling in live. It
// only wires the parts in js/src/experiment/: table.js (the kernel's `snapshot` and `rows` applied; aggregates and
// sorting), colour.js (the colour scale), grid.js (the virtualised grid and its header), details.js (a run's
// conversation) and compare.js (two runs side by side), style.js (the CSS).
//
// A click on a run's block selects it and opens it (`{kind: "open", case, variant, sample}`: the kernel checks
// it out in a linked TreeView; and `{kind: "get-run", ..., request_id}`: its conversation); Shift-, Ctrl- or
// Cmd-click on a second block compares the two (`{kind: "compare", a, b}`). A click on a column's header sorts the
// rows by that variant's measure (the "colour and sort by" menu; a mean in the header picks that score); the case
// column sorts by the cases' order. Keys: arrows move a cursor over the blocks, Enter opens (Shift+Enter compares),
// Esc closes the pane. Text is only ever set as text, never parsed as HTML.

import { el } from "./render.js";
import { listen, sendReady } from "./widget.js";
import { domainOf } from "./experiment/colour.js";
import { createComparePane } from "./experiment/compare.js";
import { createDetails, runReply } from "./experiment/details.js";
import { cellKey, createGrid, measureOptions, parseCellKey } from "./experiment/grid.js";
import { CSS } from "./experiment/style.js";
import { applyMessage, cellAt, createTable, nextSort, scoreKey, sortOrder, summaries } from "./experiment/table.js";

export const HINT = "click a run to read it · Shift-click a second to compare · click a column's header to sort";

/**
 * The status line: "12/20 runs · 1 error · running…".
 * @param {import("./experiment/table.js").Table} t
 * @param {number} errors
 */
export function statusText(t, errors) {
  if (!t.loaded) return "loading…";
  const parts = [`${t.done}/${t.total} runs`];
  if (errors) parts.push(`${errors} error${errors === 1 ? "" : "s"}`);
  if (t.running) parts.push("running…");
  else if (t.done < t.total) parts.push(t.execution === null ? "not run yet" : "incomplete");
  return parts.join(" · ");
}

/**
 * The cell a keyboard move lands on from `key` (arrows: up/down through the samples and the rows in their current
 * order, left/right through the variants), or null when it does not move.
 * @param {import("./experiment/table.js").Table} t
 * @param {Int32Array} order
 * @param {Int32Array} position  case -> its position in `order`
 * @param {string} key
 * @param {string} arrow
 */
export function moveCursor(t, order, position, key, arrow) {
  const at = parseCellKey(key);
  if (!at || !order.length) return null;
  let pos = position[at.c];
  let { v, s } = at;
  if (arrow === "ArrowDown") {
    if (s + 1 < t.samples) s++;
    else if (pos + 1 < order.length) {
      pos++;
      s = 0;
    } else return null;
  } else if (arrow === "ArrowUp") {
    if (s > 0) s--;
    else if (pos > 0) {
      pos--;
      s = t.samples - 1;
    } else return null;
  } else if (arrow === "ArrowRight") {
    if (v + 1 >= t.variants.length) return null;
    v++;
  } else if (arrow === "ArrowLeft") {
    if (v === 0) return null;
    v--;
  } else return null;
  return cellKey(order[pos], v, s);
}

/** @param {{model: import("./types.js").Model, el: HTMLElement}} props */
function render({ model, el: host }) {
  const table = createTable();
  const root = el("div", { class: "af-exp" });
  const bar = el("div", { class: "af-exp-bar" });
  const title = el("span", { class: "af-exp-title" }, "experiment");
  const status = el("span", { class: "af-exp-status" }, "loading…");
  const select = /** @type {HTMLSelectElement} */ (el("select", { class: "af-exp-measure",
    title: "what the cells are coloured and the rows sorted by" }));
  const label = el("label", {}, "colour & sort by");
  label.append(select);
  const legend = el("span", { class: "af-exp-legend" });
  const hint = el("span", { class: "af-exp-hint" }, HINT);
  bar.append(title, status, el("span", { class: "af-exp-spacer" }), label, legend, hint);
  const error = el("div", { class: "af-exp-error", role: "alert" });
  const errorText = el("span");
  const dismiss = el("button", { type: "button", title: "dismiss", "aria-label": "dismiss" }, "×");
  error.append(errorText, dismiss);
  root.append(el("style", {}, CSS), bar, error);
  host.append(root);

  /** @type {import("./experiment/grid.js").Look} */
  const look = { key: "", domain: null, domains: {}, sort: null, selected: [], opened: null, cursor: null };
  let chosen = false; // the user picked a measure: keep it
  /** @type {Int32Array} */
  let order = new Int32Array(0);
  let position = new Int32Array(0);
  let errors = 0;
  let options = "";
  let requestId = 0;
  let waiting = -1; // the get-run request whose answer the pane waits for
  let loaded = ""; // the cell whose conversation is shown (or asked for)
  /** @type {"run" | "compare" | null} */
  let pane = null;

  const grid = createGrid(root, { cell: onCell, sort: onSort });
  const details = createDetails(root, { close: closePane });
  const compare = createComparePane(root, { close: closePane, label: sideLabel });

  /**
   * @param {{case: number, variant: string, sample: number}} s
   */
  function sideLabel(s) {
    const c = table.cases[s.case];
    return `case ${c ? c.name : s.case} · ${s.variant}` + (table.samples > 1 ? ` · #${s.sample}` : "");
  }

  /** @param {string} key */
  function keyLabel(key) {
    const at = parseCellKey(key);
    if (!at) return key;
    return sideLabel({ case: at.c, variant: table.variants[at.v] ?? "?", sample: at.s });
  }

  /** Colours, order, header and rows from the table and the look (after any change). */
  function refresh() {
    const sums = summaries(table);
    errors = sums.reduce((n, s) => n + s.errors, 0);
    if (!chosen || !look.key) look.key = table.judges.length ? scoreKey(table.judges[0]) : look.key;
    const opts = measureOptions(table.judges);
    const sig = JSON.stringify(opts);
    if (sig !== options) {
      options = sig;
      select.replaceChildren(el("option", { value: "" }, "(nothing)"),
        ...opts.map(([value, text]) => el("option", { value }, text)));
    }
    select.value = look.key;
    look.domains = {};
    for (const j of table.judges) look.domains[scoreKey(j)] = domainOf(table, scoreKey(j));
    look.domain = look.key in look.domains ? look.domains[look.key] : domainOf(table, look.key);
    drawLegend();
    order = sortOrder(table, look.sort);
    position = new Int32Array(table.cases.length);
    order.forEach((c, pos) => {
      position[c] = pos;
    });
    title.textContent = (table.name || "experiment") + (table.execution !== null ? ` · execution ${table.execution}` : "");
    status.textContent = statusText(table, errors);
    status.classList.toggle("af-exp-live", table.running);
    root.setAttribute("data-done", String(table.done));
    root.setAttribute("data-running", String(table.running));
    root.setAttribute("data-sort", look.sort ? `${look.sort.v === null ? "case" : look.sort.v}:${look.sort.key}:${look.sort.dir}` : "");
    grid.draw(table, sums, look, order);
  }

  function drawLegend() {
    const d = look.domain;
    if (!d) {
      legend.replaceChildren();
      return;
    }
    const lo = d.better === 1 ? d.min : d.max;
    const hi = d.better === 1 ? d.max : d.min;
    /** @param {number} x */
    const fmt = (x) => (Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(3))));
    legend.replaceChildren(el("span", {}, fmt(lo)), el("span", { class: "af-exp-ramp", title: "worst … best" }),
      el("span", {}, fmt(hi)));
  }

  /**
   * @param {string} key
   * @param {MouseEvent | KeyboardEvent | null} event
   */
  function onCell(key, event) {
    const at = parseCellKey(key);
    if (!at || !cellAt(table, at.c, at.v, at.s)) return; // not run yet
    look.cursor = key;
    const adding = event && (event.shiftKey || event.ctrlKey || event.metaKey);
    const base = look.selected.length ? look.selected[look.selected.length - 1] : null;
    if (adding && base && base !== key) {
      look.selected = [base, key];
      const a = parseCellKey(base);
      if (a) model.send({ kind: "compare", a: ref(a), b: ref(at) });
      refresh();
      return;
    }
    look.selected = [key];
    open(key);
    if (pane === "compare" || Object.keys(model.get("comparison") || {}).length) model.send({ kind: "close-compare" });
    model.send({ kind: "open", ...ref(at) });
    refresh();
  }

  /**
   * @param {{c: number, v: number, s: number}} at
   */
  const ref = (at) => ({ case: at.c, variant: table.variants[at.v], sample: at.s });

  /**
   * Show a run's pane and ask the kernel for its conversation (unless it is shown or asked for already).
   * @param {string} key
   */
  function open(key) {
    const at = parseCellKey(key);
    if (!at) return;
    look.opened = key;
    pane = "run";
    compare.hide();
    if (loaded === key) {
      details.element.hidden = false;
      return;
    }
    loaded = key;
    waiting = ++requestId;
    details.loading(keyLabel(key));
    model.send({ kind: "get-run", ...ref(at), request_id: waiting });
  }

  /** Close the pane: a comparison gives way to the run shown before it (if any); a run's pane closes. */
  function closePane() {
    if (pane === "compare") {
      model.send({ kind: "close-compare" });
      compare.hide();
      pane = loaded ? "run" : null;
      details.element.hidden = !loaded;
      look.selected = loaded ? [loaded] : [];
      refresh();
      return;
    }
    if (pane === "run") model.send({ kind: "close-run" });
    hidePane();
  }

  function hidePane() {
    pane = null;
    loaded = "";
    look.opened = null;
    details.hide();
    compare.hide();
    refresh();
  }

  /**
   * @param {number | null} v
   * @param {string | null} key
   */
  function onSort(v, key) {
    if (key) {
      look.key = key;
      chosen = true;
    }
    if (v !== null && !look.key) return; // nothing to sort a variant's column by
    look.sort = nextSort(look.sort, v, look.key);
    refresh();
  }

  /** The kernel's `opened` trait: a run opened from Python (or the echo of a click). */
  function onOpened() {
    const o = model.get("opened") || {};
    const v = table.variants.indexOf(o.variant);
    if (!Number.isInteger(o.case) || v < 0) {
      if (pane === "run") hidePane();
      return;
    }
    const key = cellKey(o.case, v, Number.isInteger(o.sample) ? o.sample : 0);
    if (!look.selected.includes(key)) look.selected = [key];
    look.cursor = key;
    open(key);
    grid.reveal(position[o.case] ?? 0);
    refresh();
  }

  /** The kernel's `comparison` trait. */
  function onComparison() {
    const c = model.get("comparison") || {};
    if (compare.show(c)) {
      pane = "compare";
      details.element.hidden = true;
      const a = c.a && table.variants.indexOf(c.a.variant);
      const b = c.b && table.variants.indexOf(c.b.variant);
      if (a >= 0 && b >= 0) look.selected = [cellKey(c.a.case, a, c.a.sample), cellKey(c.b.case, b, c.b.sample)];
      refresh();
    } else if (pane === "compare") {
      if (loaded) {
        pane = "run";
        details.element.hidden = false;
      } else {
        pane = null;
      }
      refresh();
    }
  }

  function onError() {
    const text = model.get("error") || "";
    errorText.textContent = text;
    error.hidden = !text;
    if (text && waiting >= 0 && pane === "run") {
      // the kernel refused the request: the pane says so rather than "loading…"
      loaded = "";
      waiting = -1;
    }
  }

  /** @param {unknown} msg */
  function onCustom(msg) {
    const reply = runReply(msg);
    if (reply) {
      const id = /** @type {any} */ (msg).request_id;
      if (id !== waiting) return; // an answer to an earlier request
      waiting = -1;
      details.show(reply, keyLabel(loaded), model.get("linked") ? "checked out in the TreeView" : "");
      details.element.hidden = pane !== "run"; // a comparison shown meanwhile stays in front
      return;
    }
    const changed = applyMessage(table, msg);
    if (!changed) return;
    if (changed.reset && look.cursor && !parseCellKey(look.cursor)) look.cursor = null;
    refresh();
    if (changed.reset) {
      onOpened();
      onComparison();
    }
  }

  /** @param {KeyboardEvent} event */
  function onKey(event) {
    if (event.key === "Escape") {
      if (pane) {
        closePane();
        event.preventDefault();
      }
      return;
    }
    if (event.key === "Enter") {
      if (look.cursor) {
        onCell(look.cursor, event);
        event.preventDefault();
      }
      return;
    }
    if (!event.key.startsWith("Arrow")) return;
    const start = look.cursor || look.opened || (order.length ? cellKey(order[0], 0, 0) : null);
    if (!start) return;
    const next = look.cursor ? moveCursor(table, order, position, start, event.key) : start;
    event.preventDefault();
    if (!next) return;
    look.cursor = next;
    const at = parseCellKey(next);
    if (at) grid.reveal(position[at.c]);
    refresh();
  }

  select.addEventListener("change", () => {
    look.key = select.value;
    chosen = true;
    if (look.sort && look.sort.v !== null) look.sort = look.key ? { ...look.sort, key: look.key } : null;
    refresh();
  });
  dismiss.addEventListener("click", () => {
    model.set("error", "");
    model.save_changes();
  });
  grid.element.addEventListener("keydown", onKey);
  const unlisten = listen(model, {
    "msg:custom": onCustom,
    "change:opened": onOpened,
    "change:comparison": onComparison,
    "change:error": onError,
  });
  onError();
  refresh();
  const unready = sendReady(model, host);
  return () => {
    unlisten();
    unready();
    grid.destroy();
    root.remove();
  };
}

export default { render };
