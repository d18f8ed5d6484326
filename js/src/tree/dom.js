// @ts-check
// The TreeView's DOM skeleton: toolbar (one row of icon buttons with tooltips and accessible names, as map and
// graph tools have: agent picker, message box, branch; check out, regenerate and its count, edit, stop; the search
// box and its count (of a fixed width: nothing moves when it appears); fit, centring, collapse, bookmarks, unfold,
// runs; follow, details pane, full screen, "?" (the keys), and "⋯", the overflow menu: export, sort by score, jump
// to, filter by sender, expand to a depth), error line (with a dismiss button), notice line, the canvas (a <canvas>
// for far zoom levels under the SVG layers, the minimap, the wheel hint), details pane (collapsible), the keys'
// overlay, the nodes' right-click menu and the runs' tooltip (menu.js), the comparison panel's place over them,
// status line and the resize handle.
// Built once per view; nothing here listens to events or draws nodes. Read-only (an exported file, no kernel):
// the root has the class af-readonly, which hides the elements marked af-kernel and fills the container.

import { el, svg } from "../render.js";
import { CSS } from "./style.js";
import { SCALE_CSS } from "./scalestyle.js";
import { ATTACHMENT_CSS } from "../shared/attachments.js";
import { REASONING_CSS } from "../shared/reasoning.js";
import { MINIMAP_SIZE } from "./minimap.js";
import { icon } from "./icons.js";

/** @typedef {ReturnType<typeof buildTree>} TreeDom */

/** The toolbar's buttons: [data-action, accessible name, tooltip]; each is an icon (icons.js) with its name as
 * aria-label and its tooltip as title; the toggles show their state with aria-pressed. Those in MORE are in the
 * overflow menu ("⋯"), as text. */
export const TOOLBAR_BUTTONS = [
  ["branch", "branch", "branch: post the text under the selected node and ask the agent (Enter in the box)"],
  ["checkout", "check out", "check out: make the selected node the head (backtrack) (Enter)"],
  ["regenerate", "regenerate", "regenerate: ask the same agent again for sibling answers (as many as the count next to it) (r)"],
  ["edit", "edit", "edit the selected message's text: saved as a sibling, and its agent is asked again (e)"],
  ["stop", "stop", "stop: cancel running calls"],
  ["fit", "fit", "fit the whole tree in view (f)"],
  ["centre-head", "centre head", "centre on the head (h)"],
  ["centre-selection", "centre selection", "centre on the selected node (c)"],
  ["collapse", "collapse or expand the selection", "collapse or expand the selected subtree (Space)"],
  ["unfold", "unfold forwards", "unfold forwards: draw forwards as nodes of their own (folded: drawn in their original)"],
  ["runs", "runs", "runs: group each agent call's responses in a span; hover one to see what it received"],
  ["follow", "follow the latest run", "follow the latest run: the head moves to the newest run's answers"],
  ["details", "details pane", "show or hide the details pane (d)"],
  ["fullscreen", "full screen", "full screen: fill the window with the tree (Esc leaves)"],
  ["help", "keyboard shortcuts", "keyboard shortcuts (?)"],
  ["more", "more", "more: collapse, follow the latest run, sort, export, jump to an id, filter, expand"],
  ["export", "export SVG", "download the whole tree as an SVG file"],
  ["sort", "sort siblings by score", "order each node's children by their score, highest first"],
];
export const TOGGLES = ["unfold", "runs", "follow", "details", "fullscreen", "sort"];
/** The actions that need the kernel (hidden in a read-only export). */
export const KERNEL_ACTIONS = ["branch", "regenerate", "edit", "stop", "follow", "sort"];
/** The overflow menu's buttons. */
export const MORE = ["collapse", "follow", "sort", "export"];
/** Where a separator goes: before these buttons. */
const GROUP_STARTS = new Set(["checkout", "fit", "details"]);

/**
 * Build the widget's elements into `host`; returns them by name. `readonly`: an export without a kernel.
 * @param {HTMLElement} host
 * @param {{readonly?: boolean}} [options]
 */
export function buildTree(host, { readonly = false } = {}) {
  // keyboard events inside the widget are ours, not the notebook's command-mode shortcuts
  const root = el("div", { class: `af-tree${readonly ? " af-readonly" : ""}`, tabindex: "0",
    "data-lm-suppress-shortcuts": "true", "data-p-suppress-shortcuts": "true" });
  const style = el("style", {}, CSS + SCALE_CSS + ATTACHMENT_CSS + REASONING_CSS);
  const toolbar = el("div", { class: "af-toolbar" });
  const agentSelect = /** @type {HTMLSelectElement} */ (el("select", { title: "agent to ask", "aria-label": "agent to ask", class: "af-kernel" }));
  const input = /** @type {HTMLInputElement} */ (el("input", { type: "text", class: "af-message af-kernel",
    placeholder: "message to branch with…", "aria-label": "message to branch with" }));
  /** @type {Record<string, HTMLButtonElement>} */
  const buttons = {};
  for (const [name, label, title] of TOOLBAR_BUTTONS) {
    const inMenu = MORE.includes(name);
    const b = /** @type {HTMLButtonElement} */ (el("button", { type: "button", title, "aria-label": label,
      "data-action": name, class: inMenu ? "af-menu-item" : "af-tool-button" }, inMenu ? label : null));
    if (!inMenu) {
      const i = icon(name);
      if (i) b.append(i);
    } else b.setAttribute("role", "menuitem");
    if (TOGGLES.includes(name)) b.setAttribute("aria-pressed", "false");
    if (KERNEL_ACTIONS.includes(name)) b.classList.add("af-kernel");
    buttons[name] = b;
  }
  buttons.more.setAttribute("aria-haspopup", "menu");
  buttons.more.setAttribute("aria-expanded", "false");
  const count = /** @type {HTMLInputElement} */ (el("input", { type: "number", class: "af-count af-kernel", min: "1", max: "8", step: "1", value: "1",
    title: "how many answers regenerate asks for (1 to 8)", "aria-label": "regenerate count" }));
  const jump = /** @type {HTMLInputElement} */ (el("input", { type: "text", class: "af-jump", placeholder: "jump to id…",
    spellcheck: "false", title: "type 6 or more characters of a message id, then Enter", "aria-label": "jump to id" }));
  const filter = /** @type {HTMLInputElement} */ (el("input", { type: "text", class: "af-filter af-kernel",
    placeholder: "e.g. judge, pro", spellcheck: "false",
    title: "only these senders stand out (names separated by commas; empty: all), then Enter",
    "aria-label": "filter by sender" }));
  const depth = /** @type {HTMLInputElement} */ (el("input", { type: "number", class: "af-depth af-kernel", min: "0",
    max: "10000", step: "1", value: "0", title: "expand the tree to this many levels (0: all), then Enter",
    "aria-label": "expand to depth" }));
  const search = /** @type {HTMLInputElement} */ (el("input", { type: "search", class: "af-search", placeholder: "search…", spellcheck: "false",
    title: "search the messages' text: Enter for the next match, Shift+Enter the previous, Esc clears (/)",
    "aria-label": "search" }));
  const searchCount = el("span", { class: "af-search-count", role: "status" });
  const bookmarksButton = el("button", { type: "button", class: "af-bm-button af-tool-button", "aria-haspopup": "true",
    title: "the bookmarked and labelled messages", "aria-label": "bookmarks" });
  const star = icon("bookmarks");
  if (star) bookmarksButton.append(star);
  const bookmarksPanel = el("div", { class: "af-bm-panel", role: "menu" });
  const bookmarks = el("span", { class: "af-bm" });
  bookmarks.append(bookmarksButton, bookmarksPanel);
  const morePanel = el("div", { class: "af-more-panel", role: "menu", "aria-label": "more" });
  /**
   * @param {string} text
   * @param {HTMLElement} control
   * @param {string} [cls]
   */
  const row = (text, control, cls = "") => {
    const label = el("label", { class: `af-more-row ${cls}`.trim() });
    label.append(el("span", {}, text), control);
    return label;
  };
  morePanel.append(...MORE.map((n) => buttons[n]), row("jump to", jump), row("filter", filter, "af-kernel"),
    row("expand to", depth, "af-kernel"));
  const more = el("span", { class: "af-more" });
  more.append(buttons.more, morePanel);
  const sep = () => el("span", { class: "af-sep", "aria-hidden": "true" });
  /** @type {HTMLElement[]} */
  const tools = [];
  for (const [name] of TOOLBAR_BUTTONS) {
    if (MORE.includes(name) || name === "more" || name === "branch") continue;
    if (GROUP_STARTS.has(name)) tools.push(sep());
    tools.push(buttons[name]);
    if (name === "regenerate") tools.push(count);
    if (name === "centre-selection") tools.push(bookmarks);
    if (name === "stop") tools.push(sep(), search, searchCount);
  }
  toolbar.setAttribute("role", "toolbar");
  toolbar.setAttribute("aria-label", "tree");
  toolbar.append(agentSelect, input, buttons.branch, ...tools, more);
  const errorText = el("span", { class: "af-error-text" });
  const dismiss = el("button", { type: "button", class: "af-dismiss", title: "dismiss", "aria-label": "dismiss" }, "×");
  const errorBox = el("div", { class: "af-error", role: "alert" });
  errorBox.append(errorText, dismiss);
  const notice = el("div", { class: "af-notice", role: "status" });
  const body = el("div", { class: "af-body" });
  const canvas = el("div", { class: "af-canvas" });
  const raster = /** @type {HTMLCanvasElement} */ (el("canvas", { class: "af-raster" }));
  const svgRoot = svg("svg", { class: "af-svg", width: "100%", height: "100%", xmlns: "http://www.w3.org/2000/svg" });
  const viewport = svg("g", { class: "af-viewport" });
  const spanLayer = svg("g", { class: "af-spans" });
  const linkLayer = svg("g", { class: "af-links" });
  const extraLayer = svg("g", { class: "af-extras" });
  const nodeLayer = svg("g", { class: "af-nodes" });
  viewport.append(spanLayer, linkLayer, extraLayer, nodeLayer);
  svgRoot.append(viewport);
  const minimap = /** @type {HTMLCanvasElement} */ (el("canvas", { class: "af-minimap",
    title: "the whole tree: click or drag to move the view" }));
  minimap.style.width = `${MINIMAP_SIZE.w}px`;
  minimap.style.height = `${MINIMAP_SIZE.h}px`;
  const hint = el("div", { class: "af-hint" }, "Ctrl + wheel (⌘ + wheel) zooms; or click the tree first");
  canvas.append(raster, svgRoot, minimap, hint);
  const details = el("div", { class: "af-details", role: "region", "aria-label": "details" });
  const help = el("div", { class: "af-help", role: "dialog", "aria-label": "keyboard shortcuts", hidden: "" });
  const menu = el("div", { class: "af-menu", role: "menu", "aria-label": "node", hidden: "" });
  const tip = el("div", { class: "af-tip", role: "tooltip", hidden: "" });
  body.append(canvas, details, help, menu, tip);
  const statusLine = el("div", { class: "af-status" });
  const handle = el("div", { class: "af-resize", title: "drag to resize" });
  root.append(style, toolbar, errorBox, notice, body, statusLine, handle);
  host.append(root);
  return { host, root, toolbar, agentSelect, input, buttons, count, jump, filter, depth, search, searchCount,
    bookmarksButton, bookmarksPanel, morePanel, help, menu, tip, errorBox, errorText, dismiss, notice, body, canvas, raster, svgRoot, viewport, spanLayer,
    linkLayer, extraLayer, nodeLayer, minimap, hint, details, statusLine, handle, readonly };
}

/**
 * The agent picker's options (hidden when there are none).
 * @param {TreeDom} dom
 * @param {string[]} names
 */
export function showAgents(dom, names) {
  dom.agentSelect.replaceChildren(...names.map((n) => el("option", { value: n }, n)));
  dom.agentSelect.style.display = names.length ? "" : "none";
}

/**
 * The error line (hidden when empty).
 * @param {TreeDom} dom
 * @param {string} text
 */
export function showError(dom, text) {
  dom.errorText.textContent = text;
  dom.errorBox.style.display = text ? "" : "none";
}

/**
 * A toggle button's state.
 * @param {Element} button
 * @param {boolean} on
 */
export function setPressed(button, on) {
  button.setAttribute("aria-pressed", on ? "true" : "false");
  button.classList.toggle("af-on", !!on);
}
