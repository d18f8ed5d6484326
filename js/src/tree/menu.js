// @ts-check
// Menus over the tree: the right-click (context) menu of a node, the "?" overlay listing the keys, and the small
// tooltip of a run's span in the "runs" mode (what the run received). What a menu offers is pure (nodeMenu,
// KEYS); createMenus builds the elements (text only, never HTML) and says which item was chosen.

import { el, oneLine } from "../render.js";
import { parentOf } from "../state.js";

/**
 * A node menu's item: its action (commands.js `menu`), its text, and why it is not offered now (disabled).
 * @typedef {{action: string, label: string, disabled?: string}} MenuItem
 */

/** The keys of the tree (the "?" overlay; docs/widget_protocol.md lists them too). */
export const KEYS = Object.freeze([
  ["click", "select a node: its branch (what its agent saw) is highlighted, the rest dimmed"],
  ["Shift + click", "compare with the selection; once a comparison is shown, add the node's branch to it"],
  ["right click", "the node's menu: check out, branch, regenerate, edit, compare, replay, bookmark, copy id"],
  ["double click / Enter", "check out (make the node the head)"],
  ["← → ↑ ↓", "move to a sibling, the parent, a child"],
  ["f", "fit the whole tree"],
  ["h / c", "centre the head / the selection"],
  ["r / e", "regenerate / edit the selection"],
  ["b", "bookmark the selection (or remove its bookmark)"],
  ["Space", "collapse or expand the selected subtree"],
  ["d", "show or hide the details pane"],
  ["/", "search"],
  ["?", "this list"],
  ["Esc", "close a menu, this list or the comparison; leave full screen"],
  ["Ctrl + wheel", "zoom (or click the tree first, then the wheel zooms)"],
]);

/**
 * The items of the right-click menu of the node `key` (pure). `readonly`: an export without a kernel (only copy
 * and compare-free reading); `n`: its node; `comparing`: a comparison is shown (compare adds to it).
 * @param {import("../types.js").TreeNode | undefined} n
 * @param {{readonly?: boolean, comparing?: boolean, selected?: string | null, key: string,
 *          hasParent?: boolean}} ctx
 * @returns {MenuItem[]}
 */
export function nodeMenu(n, ctx) {
  const streaming = n && n.pending ? "the answer is still streaming" : "";
  const bookmarked = !!(n && n.notes && typeof n.notes === "object" && n.notes.bookmark === true);
  /** @type {MenuItem[]} */
  const items = [
    { action: "checkout", label: "Check out (make it the head)" },
    { action: "branch", label: "Branch from here…" },
    { action: "regenerate", label: "Regenerate (another sample)" },
    { action: "edit", label: "Edit…" },
    { action: "compare", label: ctx.comparing ? "Add to the comparison" : "Compare with the selection" },
    { action: "replay", label: "Replay with the view's agents" },
    { action: "bookmark", label: bookmarked ? "Remove the bookmark" : "Bookmark" },
    { action: "copy-id", label: "Copy id" },
  ];
  if (ctx.readonly) return items.filter((i) => i.action === "copy-id");
  for (const item of items) {
    if (streaming && item.action !== "copy-id") item.disabled = streaming;
    else if (item.action === "regenerate" && !ctx.hasParent) item.disabled = "a root has nothing to regenerate from";
    else if (item.action === "compare" && !ctx.comparing && (!ctx.selected || ctx.selected === ctx.key)) {
      item.disabled = "select another node first";
    }
  }
  return items;
}

/**
 * What a run received (pure): the requests its first responses answer (the parents outside the group), as drawn
 * keys, in order.
 * @param {import("../types.js").View} view
 * @param {{keys: string[]}} group
 * @returns {string[]}
 */
export function runRequests(view, group) {
  const inside = new Set(group.keys);
  /** @type {string[]} */
  const out = [];
  for (const k of group.keys) {
    const p = parentOf(view, k);
    if (p !== null && !inside.has(p) && !out.includes(p)) out.push(p);
  }
  return out;
}

/**
 * @param {import("./dom.js").TreeDom} dom
 * @param {{choose: (action: string, key: string) => void}} on
 */
export function createMenus(dom, on) {
  const { menu, help, tip, body } = dom;
  /** @type {string | null} */
  let menuKey = null;

  /**
   * Place the floating element `box` at the pointer (client coordinates), inside the body.
   * @param {HTMLElement} box
   * @param {number} x
   * @param {number} y
   */
  function place(box, x, y) {
    const r = body.getBoundingClientRect();
    box.hidden = false;
    const w = box.offsetWidth || 220, h = box.offsetHeight || 200;
    const left = Math.max(4, Math.min(x - r.left, r.width - w - 4));
    const top = Math.max(4, Math.min(y - r.top, r.height - h - 4));
    box.style.left = `${left}px`;
    box.style.top = `${top}px`;
  }

  function closeMenu() {
    if (menu.hidden) return false;
    menu.hidden = true;
    menuKey = null;
    return true;
  }

  menu.addEventListener("keydown", (ev) => {
    const items = /** @type {HTMLButtonElement[]} */ ([...menu.querySelectorAll("button:not([disabled])")]);
    const i = items.indexOf(/** @type {HTMLButtonElement} */ (document.activeElement));
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      ev.stopPropagation();
      const next = items[(i + (ev.key === "ArrowDown" ? 1 : items.length - 1)) % items.length];
      if (next) next.focus();
    } else if (ev.key === "Escape") {
      ev.preventDefault();
      ev.stopPropagation();
      closeMenu();
      dom.root.focus({ preventScroll: true });
    }
  });
  const outside = (/** @type {Event} */ ev) => {
    if (!menu.hidden && !(ev.target instanceof Node && menu.contains(ev.target))) closeMenu();
  };
  document.addEventListener("mousedown", outside, true);

  return {
    /**
     * Open the menu of `key` with `items` at the pointer.
     * @param {string} key
     * @param {string} title
     * @param {MenuItem[]} items
     * @param {number} x
     * @param {number} y
     */
    openMenu(key, title, items, x, y) {
      menuKey = key;
      const buttons = items.map((item) => {
        const b = /** @type {HTMLButtonElement} */ (el("button", { type: "button", role: "menuitem",
          "data-menu": item.action, title: item.disabled || item.label }, item.label));
        if (item.disabled) b.disabled = true;
        b.addEventListener("click", () => {
          const k = menuKey;
          closeMenu();
          if (k) on.choose(item.action, k);
        });
        return b;
      });
      menu.replaceChildren(el("div", { class: "af-menu-title" }, oneLine(title, 60)), ...buttons);
      place(menu, x, y);
      const first = buttons.find((b) => !b.disabled);
      if (first) first.focus({ preventScroll: true });
    },
    closeMenu,
    get menuOpen() {
      return !menu.hidden;
    },
    /** The "?" overlay: shown or hidden; returns whether it is shown now. */
    toggleHelp() {
      if (!help.hidden) {
        help.hidden = true;
        return false;
      }
      const list = el("dl", { class: "af-keys" });
      for (const [key, what] of KEYS) list.append(el("dt", {}, key), el("dd", {}, what));
      const close = el("button", { type: "button", class: "af-help-close", title: "close (Esc)",
        "aria-label": "close" }, "×");
      close.addEventListener("click", () => {
        help.hidden = true;
        dom.root.focus({ preventScroll: true });
      });
      help.replaceChildren(el("div", { class: "af-help-title" }, "Keyboard and mouse"), close, list);
      help.hidden = false;
      return true;
    },
    closeHelp() {
      if (help.hidden) return false;
      help.hidden = true;
      return true;
    },
    /**
     * The tooltip of a run: `lines` (text) at the pointer; no lines hide it.
     * @param {string[]} lines
     * @param {number} [x]
     * @param {number} [y]
     */
    showTip(lines, x = 0, y = 0) {
      if (!lines.length) {
        tip.hidden = true;
        return;
      }
      tip.replaceChildren(...lines.map((line, i) => el("div", { class: i ? "af-tip-line" : "af-tip-title" }, line)));
      place(tip, x + 12, y + 12);
    },
    destroy() {
      document.removeEventListener("mousedown", outside, true);
    },
  };
}
