// @ts-check
// A forest's conversations listed: a button in the drawing's top-left corner ("▤ 109 conversations", shown when
// the tree has several roots) opens a list of them -- each its first message's text and how many messages it
// holds, a box to filter them by text -- and picking one focuses on it: the view fits that conversation (drawn
// whole, also above the node budget) and its first message is selected. Escape or a click elsewhere closes the list.
// Text only: every entry is set with textContent.

import { el, oneLine } from "../render.js";

/** An entry of the list: a conversation's root, its title and how many messages it holds. */
/** @typedef {{key: string, text: string, total: number}} Entry */

/** The list shows at most this many entries (the filter finds the others). */
export const MAX_SHOWN = 500;

/**
 * The entries whose text holds `filter` (any case), in order, at most `max` (pure).
 * @param {Entry[]} entries
 * @param {string} filter
 * @param {number} [max]
 */
export function filterEntries(entries, filter, max = MAX_SHOWN) {
  const f = filter.trim().toLowerCase();
  /** @type {Entry[]} */
  const out = [];
  for (const e of entries) {
    if (f && !e.text.toLowerCase().includes(f)) continue;
    out.push(e);
    if (out.length >= max) break;
  }
  return out;
}

/**
 * @param {HTMLElement} canvas
 * @param {{list: () => Entry[], pick: (key: string) => void}} on
 */
export function createConversations(canvas, on) {
  const box = el("div", { class: "af-conv" });
  const button = /** @type {HTMLButtonElement} */ (el("button", { type: "button", class: "af-conv-button",
    "aria-haspopup": "true", "aria-expanded": "false", title: "the conversations of this forest: pick one to focus on it" }));
  const panel = el("div", { class: "af-conv-panel", role: "menu" });
  const filter = /** @type {HTMLInputElement} */ (el("input", { type: "search", class: "af-conv-filter",
    placeholder: "filter conversations…", "aria-label": "filter conversations", spellcheck: "false" }));
  const rows = el("div", { class: "af-conv-rows" });
  const more = el("div", { class: "af-conv-more" });
  panel.append(filter, rows, more);
  panel.style.display = "none";
  box.append(button, panel);
  canvas.append(box);
  let count = -1;

  function fill() {
    const entries = on.list();
    const shown = filterEntries(entries, filter.value);
    rows.replaceChildren(...shown.map((e, i) => {
      const row = el("button", { type: "button", class: "af-conv-item", role: "menuitem", "data-key": e.key });
      row.append(el("span", { class: "af-conv-text" }, oneLine(e.text, 120) || "(empty)"),
        el("span", { class: "af-conv-total" }, String(e.total)));
      row.title = `conversation ${i + 1}: ${oneLine(e.text, 300)}`;
      return row;
    }));
    const hidden = filter.value.trim() ? 0 : entries.length - shown.length;
    more.textContent = hidden > 0 ? `${hidden} more: filter to find them` : shown.length ? "" : "no conversation matches";
  }

  /** @param {boolean} on */
  function open(on) {
    panel.style.display = on ? "" : "none";
    button.setAttribute("aria-expanded", on ? "true" : "false");
    if (on) {
      fill();
      filter.focus({ preventScroll: true });
    }
  }

  // the drawing's own handlers (drag, click to select, wheel) never see what happens in here
  for (const type of ["mousedown", "click", "dblclick", "wheel", "keydown"]) {
    box.addEventListener(type, (ev) => ev.stopPropagation());
  }
  button.addEventListener("click", () => open(panel.style.display === "none"));
  filter.addEventListener("input", fill);
  panel.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape") {
      ev.preventDefault();
      open(false);
      button.focus({ preventScroll: true });
    }
  });
  rows.addEventListener("click", (ev) => {
    const row = ev.target instanceof Element ? ev.target.closest(".af-conv-item") : null;
    const key = row && row.getAttribute("data-key");
    if (!key) return;
    open(false);
    on.pick(key);
  });
  /** @param {MouseEvent} ev */
  const outside = (ev) => {
    if (panel.style.display !== "none" && ev.target instanceof Node && !box.contains(ev.target)) open(false);
  };
  document.addEventListener("mousedown", outside, true);

  return {
    /** A new layout: the button says how many conversations there are (hidden for one). */
    update() {
      const n = on.list().length;
      if (n === count) return;
      count = n;
      box.style.display = n > 1 ? "" : "none";
      button.textContent = `▤ ${n} conversations`;
      if (panel.style.display !== "none") fill();
    },
    /** Is the list open? (tests) */
    get open() {
      return panel.style.display !== "none";
    },
    destroy() {
      document.removeEventListener("mousedown", outside, true);
      box.remove();
    },
  };
}
