// @ts-check
// The bookmarks list: a dropdown under its toolbar button listing the bookmarked or labelled messages (★, the
// label as a tag, the start of the text); clicking one selects and centres it. The button counts them. The list
// is pure (bookmarkList); createBookmarks binds it to the button and the panel. Text only.

import { el, oneLine } from "../render.js";
import { isBookmarked, labelOf } from "./badges.js";

/** @typedef {{key: string, bookmark: boolean, label: string | null, text: string, sender: string}} BookmarkEntry */

/** Characters of a message's text an entry shows. */
export const ENTRY_CHARS = 60;

/**
 * The bookmarked or labelled stored nodes of `state`, in arrival order: [{key, bookmark, label, text}].
 * @param {import("../types.js").State} state
 * @returns {BookmarkEntry[]}
 */
export function bookmarkList(state) {
  /** @type {BookmarkEntry[]} */
  const out = [];
  for (const [key, n] of state.nodes) {
    if (n.pending) continue;
    const bookmark = isBookmarked(n);
    const label = labelOf(n);
    if (!bookmark && !label) continue;
    out.push({ key, bookmark, label, text: oneLine(n.snippet, ENTRY_CHARS), sender: n.sender });
  }
  return out;
}

/**
 * The button's text: "★ bookmarks" and their number.
 * @param {number} count
 */
export function bookmarksButtonText(count) {
  return count ? `★ bookmarks (${count})` : "★ bookmarks";
}

/**
 * `button` opens and closes `panel`; `on`: {list() (bookmarkList of now), pick(key)}.
 * @param {HTMLElement} button
 * @param {HTMLElement} panel
 * @param {{list: () => BookmarkEntry[], pick: (key: string) => void}} on
 */
export function createBookmarks(button, panel, on) {
  let open = false;

  function render() {
    const entries = on.list();
    // an icon button (dom.js): the text is its accessible name and tooltip, the number a badge beside the star
    const text = bookmarksButtonText(entries.length).replace("★ ", "");
    button.setAttribute("aria-label", text);
    button.setAttribute("title", `${text}: the bookmarked and labelled messages`);
    button.setAttribute("data-count", entries.length ? String(entries.length) : "");
    if (!open) return;
    if (!entries.length) {
      panel.replaceChildren(el("div", { class: "af-bm-empty" },
        "no bookmarked or labelled messages yet (the details pane sets them)"));
      return;
    }
    panel.replaceChildren(...entries.map((e) => {
      const item = el("button", { type: "button", class: "af-bm-item", "data-key": e.key,
        title: `${e.sender}: ${e.text}` });
      if (e.bookmark) item.append(el("span", { class: "af-bm-star" }, "★"));
      if (e.label) item.append(el("span", { class: "af-tag" }, oneLine(e.label, 30)));
      item.append(el("span", { class: "af-bm-text" }, e.text || `(${e.sender}, no text)`));
      return item;
    }));
  }

  /**
   * @param {boolean} on_
   */
  function setOpen(on_) {
    open = on_;
    panel.style.display = open ? "" : "none";
    button.setAttribute("aria-expanded", open ? "true" : "false");
    render();
  }
  setOpen(false);

  button.addEventListener("click", (ev) => {
    ev.stopPropagation();
    setOpen(!open);
  });
  panel.addEventListener("click", (ev) => {
    const item = ev.target instanceof Element ? ev.target.closest(".af-bm-item") : null;
    const key = item && item.getAttribute("data-key");
    if (!key) return;
    ev.stopPropagation();
    setOpen(false);
    on.pick(key);
  });
  panel.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape") {
      ev.stopPropagation();
      setOpen(false);
      button.focus();
    }
  });
  /**
   * @param {MouseEvent} ev
   */
  const onDocDown = (ev) => {
    if (open && !(ev.target instanceof Node && panel.contains(ev.target)) && ev.target !== button) setOpen(false);
  };
  document.addEventListener("mousedown", onDocDown, true);

  return {
    get open() {
      return open;
    },
    /** The tree changed: recount (and redraw the list when open). */
    refresh: render,
    setOpen,
    destroy() {
      document.removeEventListener("mousedown", onDocDown, true);
    },
  };
}
