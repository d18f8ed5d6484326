// @ts-check
// User input on the TreeView, turned into intents: toolbar buttons, Enter in the message box, the regenerate
// count and "jump to", Enter, Escape and the arrows on the tree (the widget keeps its keys from the notebook; keys
// typed into a text field, e.g. the details pane's, stay there), clicks and double clicks on nodes (on the SVG
// near, found through the layout's index on the far canvas), Shift-clicks (compare with the selection), clicks
// on a run's label, the error's dismiss button. Pan and zoom are in viewport.js; the search box, the bookmarks
// and the details pane bind their own. `on` is {act(name), select(key), compare(key), arrow(key), jump(text),
// toggleRun(id), dismiss(), escape(), hitTest(ev)}: what an intent does is the renderer's business.

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
 */

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
  canvas.addEventListener("dblclick", (ev) => {
    const key = nodeAt(ev);
    if (!key || ev.shiftKey) return;
    ev.stopPropagation();
    on.select(key);
    on.act("checkout");
  });
  void spanLayer;

  for (const [name, button] of Object.entries(buttons)) button.addEventListener("click", () => on.act(name));
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
