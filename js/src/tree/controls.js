// @ts-check
// User input on the TreeView, turned into intents: toolbar buttons, Enter in the message box, the regenerate
// count and "jump to", Enter, Escape and the arrows on the tree (the widget keeps its keys from the notebook; keys
// typed into a text field, e.g. the details pane's, stay there), clicks and double clicks on nodes (on the SVG
// near, found through the layout's index on the far canvas), Shift-clicks (compare with the selection), clicks
// on a run's label, the error's dismiss button; a right click on a node (its menu, menu.js), the pointer over a
// run's span (what it received), the overflow menu's filter and depth boxes, and the keys of KEY_ACTIONS (the "?"
// overlay lists them). Pan and zoom are in viewport.js; the search box, the bookmarks and the details pane bind
// their own. `on` says what to do with each intent: that is the renderer's business.

import { keyOf } from "./draw.js";

/**
 * @typedef {object} Intents
 * @property {(name: string) => void} act
 * @property {(key: string) => void} select
 * @property {(key: string) => void} compare
 * @property {(key: string) => void} arrow
 * @property {(text: string) => void} jump
 * @property {(id: string | null) => void} toggleRun
 * @property {() => void} dismiss
 * @property {() => boolean} escape
 * @property {(ev: MouseEvent) => string | null} hitTest
 * @property {(key: string, x: number, y: number) => void} menu       a right click on a node
 * @property {(run: string | null, x: number, y: number) => void} runHover   the pointer over a run's span (null: off)
 * @property {(senders: string[]) => void} filter
 * @property {(depth: number) => void} expand
 * @property {() => void} closeMore
 */

/** Keys on the tree and the command each runs (a toolbar `data-action`, or "search"). */
export const KEY_ACTIONS = Object.freeze({ f: "fit", h: "centre-head", c: "centre-selection", r: "regenerate",
  e: "edit", b: "bookmark", d: "details", " ": "collapse", "?": "help", "/": "search" });

/**
 * The senders named in a filter box (pure): comma- or space-separated names, without blanks and repeats.
 * @param {string} text
 */
export function filterSenders(text) {
  return [...new Set(String(text).split(/[,\s]+/).map((x) => x.trim()).filter(Boolean))];
}

/**
 * @param {import("./dom.js").TreeDom} dom
 * @param {Intents} on
 */
export function bindControls(dom, on) {
  const { root, input, count, jump, buttons, canvas, spanLayer, dismiss } = dom;
  const nodeAt = (/** @type {MouseEvent} */ ev) => keyOf(ev) || on.hitTest(ev);

  // one set of listeners for all nodes (event delegation on the canvas)
  canvas.addEventListener("click", (ev) => {
    const target = ev.target instanceof Element ? ev.target : null;
    if (target && target.closest(".af-minimap")) return;
    const label = target && target.closest(".af-span-label");
    if (label) {
      ev.stopPropagation();
      on.toggleRun(label.getAttribute("data-run"));
      return;
    }
    const key = nodeAt(ev);
    if (!key) return;
    ev.stopPropagation();
    root.focus({ preventScroll: true });
    if (ev.shiftKey) on.compare(key);
    else on.select(key);
  });
  canvas.addEventListener("contextmenu", (ev) => {
    const key = nodeAt(ev);
    if (!key) return;
    ev.preventDefault();
    ev.stopPropagation();
    on.menu(key, ev.clientX, ev.clientY);
  });
  /** @type {string | null} */
  let hovered = null;
  canvas.addEventListener("mousemove", (ev) => {
    const target = ev.target instanceof Element ? ev.target : null;
    const span = target && target.closest(".af-span");
    const label = span && span.querySelector(".af-span-label");
    const run = label ? label.getAttribute("data-run") : null;
    if (run === hovered) return;
    hovered = run;
    on.runHover(run, ev.clientX, ev.clientY);
  });
  canvas.addEventListener("mouseleave", () => {
    if (hovered === null) return;
    hovered = null;
    on.runHover(null, 0, 0);
  });
  canvas.addEventListener("dblclick", (ev) => {
    const key = nodeAt(ev);
    if (!key || ev.shiftKey) return;
    ev.stopPropagation();
    on.select(key);
    on.act("checkout");
  });
  void spanLayer;

  for (const [name, button] of Object.entries(buttons)) {
    button.addEventListener("click", () => {
      on.act(name);
      if (button.closest(".af-more-panel")) on.closeMore(); // an overflow menu item: the menu closes
    });
  }
  dismiss.addEventListener("click", () => on.dismiss());
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") {
      ev.preventDefault();
      ev.stopPropagation();
      on.act("branch");
    }
  });
  count.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") {
      ev.preventDefault();
      ev.stopPropagation();
      on.act("regenerate");
    }
  });
  jump.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") {
      ev.preventDefault();
      ev.stopPropagation();
      on.jump(jump.value);
    }
  });
  dom.filter.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") {
      ev.preventDefault();
      ev.stopPropagation();
      on.filter(filterSenders(dom.filter.value));
    }
  });
  dom.depth.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") {
      ev.preventDefault();
      ev.stopPropagation();
      const n = Math.round(Number(dom.depth.value));
      on.expand(Number.isFinite(n) && n > 0 ? n : 0);
    }
  });
  // the overflow menu closes on a click elsewhere
  root.addEventListener("mousedown", (ev) => {
    const t = ev.target instanceof Element ? ev.target : null;
    if (!t || !t.closest(".af-more")) on.closeMore();
  });

  root.addEventListener("keydown", (ev) => {
    if (isTextEntry(ev.target)) return; // typing
    if (isControl(ev.target) && (ev.key === "Enter" || ev.key === " ")) return; // a button's own key
    if (ev.key === "Escape") {
      if (on.escape()) {
        ev.preventDefault();
        ev.stopPropagation();
      }
      return;
    }
    if (ev.key === "Enter") {
      ev.preventDefault();
      ev.stopPropagation();
      on.act("checkout");
      return;
    }
    const command = ev.ctrlKey || ev.metaKey || ev.altKey ? undefined
      : /** @type {Record<string, string>} */ (KEY_ACTIONS)[ev.key];
    if (command && !(ev.key === " " && isControl(ev.target))) {
      ev.preventDefault();
      ev.stopPropagation();
      if (command === "search") dom.search.focus();
      else on.act(command);
      return;
    }
    if (!ev.key.startsWith("Arrow")) return;
    ev.preventDefault();
    ev.stopPropagation();
    on.arrow(ev.key);
  });
}

/**
 * Is `t` a control that takes typed keys (text inputs, text areas, selects)?
 * @param {EventTarget | null} t
 */
export function isTextEntry(t) {
  if (!(t instanceof HTMLElement)) return false;
  const tag = t.tagName.toLowerCase();
  if (tag === "textarea" || tag === "select") return true;
  if (t instanceof HTMLInputElement) {
    return !["checkbox", "radio", "button", "submit", "reset"].includes((t.type || "").toLowerCase());
  }
  return !!t.isContentEditable;
}

/**
 * Is `t` a button or a box that Enter and Space act on?
 * @param {EventTarget | null} t
 */
function isControl(t) {
  if (!(t instanceof Element)) return false;
  const tag = t.tagName.toLowerCase();
  return tag === "button" || tag === "input";
}
