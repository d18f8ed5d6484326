// @ts-check
// The TreeView's DOM skeleton: toolbar (a first row of kernel actions: agent picker, message box, branch, check
// out, regenerate and its count, edit, stop; a second row for the view: the search box and its count, the
// bookmarks button and its dropdown, collapse, fit, centring, toggles, export, "jump to"), error line (with a
// dismiss button), notice line, the canvas (a <canvas> for far zoom levels under the SVG layers, the minimap,
// the wheel hint), details pane, the comparison panel's place over them, status line and the resize handle.
// Built once per view; nothing here listens to events or draws nodes. Read-only (an exported file, no kernel):
// the root has the class af-readonly, which hides the elements marked af-kernel and fills the container.

import { el, svg } from "../render.js";
import { CSS } from "./style.js";
import { SCALE_CSS } from "./scalestyle.js";
import { MINIMAP_SIZE } from "./minimap.js";

/** @typedef {ReturnType<typeof buildTree>} TreeDom */

/** The toolbar's buttons: [data-action, label, tooltip]; the toggles show their state with aria-pressed. */
export const TOOLBAR_BUTTONS = [
  ["branch", "branch", "post the text under the selected node and ask the agent"],
  ["checkout", "check out", "make the selected node the head (backtrack)"],
  ["regenerate", "regenerate", "ask the same agent again for sibling answers (as many as the count next to it)"],
  ["edit", "edit", "edit the selected message's text: saved as a sibling, and its agent is asked again"],
  ["stop", "stop", "cancel running calls"],
  ["collapse", "collapse", "collapse or expand the selected subtree"],
  ["fit", "fit", "fit the tree in view"],
  ["centre-head", "centre head", "centre on the head"],
  ["centre-selection", "centre selection", "centre on the selected node"],
  ["unfold", "unfold forwards", "draw forwards as nodes of their own (folded: drawn in their original)"],
  ["runs", "runs", "group each agent call's responses in a span"],
  ["fullscreen", "full screen", "fill the window with the tree (Esc leaves)"],
  ["export", "export SVG", "download the whole tree as an SVG file"],
];
export const TOGGLES = ["unfold", "runs", "fullscreen"];
/** The actions that need the kernel (hidden in a read-only export). */
export const KERNEL_ACTIONS = ["branch", "regenerate", "edit", "stop"];
/** The buttons of the toolbar's first row (the rest are in the second). */
const FIRST_ROW = ["branch", "checkout", "regenerate", "edit", "stop"];

/**
 * Build the widget's elements into `host`; returns them by name. `readonly`: an export without a kernel.
 * @param {HTMLElement} host
 * @param {{readonly?: boolean}} [options]
 */
export function buildTree(host, { readonly = false } = {}) {
  // keyboard events inside the widget are ours, not the notebook's command-mode shortcuts
  const root = el("div", { class: `af-tree${readonly ? " af-readonly" : ""}`, tabindex: "0",
    "data-lm-suppress-shortcuts": "true", "data-p-suppress-shortcuts": "true" });
  const style = el("style", {}, CSS + SCALE_CSS);
  const toolbar = el("div", { class: "af-toolbar" });
  const agentSelect = /** @type {HTMLSelectElement} */ (el("select", { title: "agent to ask", class: "af-kernel" }));
  const input = /** @type {HTMLInputElement} */ (el("input", { type: "text", class: "af-message af-kernel",
    placeholder: "message to branch with…" }));
  /** @type {Record<string, HTMLButtonElement>} */
  const buttons = {};
  for (const [name, label, title] of TOOLBAR_BUTTONS) {
    const b = /** @type {HTMLButtonElement} */ (el("button", { type: "button", title, "data-action": name }, label));
    if (TOGGLES.includes(name)) b.setAttribute("aria-pressed", "false");
    if (KERNEL_ACTIONS.includes(name)) b.classList.add("af-kernel");
    buttons[name] = b;
  }
  const count = /** @type {HTMLInputElement} */ (el("input", { type: "number", class: "af-count af-kernel", min: "1", max: "8", step: "1", value: "1",
    title: "how many answers regenerate asks for (1 to 8)", "aria-label": "regenerate count" }));
  const jump = /** @type {HTMLInputElement} */ (el("input", { type: "text", class: "af-jump", placeholder: "jump to id…",
    spellcheck: "false", title: "type 6 or more characters of a message id, then Enter" }));
  const search = /** @type {HTMLInputElement} */ (el("input", { type: "search", class: "af-search", placeholder: "search…", spellcheck: "false",
    title: "search the messages' text: Enter for the next match, Shift+Enter the previous, Esc clears",
    "aria-label": "search" }));
  const searchCount = el("span", { class: "af-search-count", role: "status" });
  const bookmarksButton = el("button", { type: "button", class: "af-bm-button", "aria-haspopup": "true",
    title: "the bookmarked and labelled messages" }, "★ bookmarks");
  const bookmarksPanel = el("div", { class: "af-bm-panel", role: "menu" });
  const bookmarks = el("span", { class: "af-bm" });
  bookmarks.append(bookmarksButton, bookmarksPanel);
  /** @type {HTMLElement[]} */
  const first = FIRST_ROW.map((n) => buttons[n]);
  first.splice(3, 0, count); // right after "regenerate"
  const rest = Object.entries(buttons).filter(([n]) => !FIRST_ROW.includes(n)).map(([, b]) => b);
  const brk = el("div", { class: "af-break af-kernel" });
  toolbar.append(agentSelect, input, ...first, brk, search, searchCount, bookmarks, ...rest, jump);
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
  const details = el("div", { class: "af-details" });
  body.append(canvas, details);
  const statusLine = el("div", { class: "af-status" });
  const handle = el("div", { class: "af-resize", title: "drag to resize" });
  root.append(style, toolbar, errorBox, notice, body, statusLine, handle);
  host.append(root);
  return { host, root, toolbar, agentSelect, input, buttons, count, jump, search, searchCount, bookmarksButton,
    bookmarksPanel, errorBox, errorText, dismiss, notice, body, canvas, raster, svgRoot, viewport, spanLayer,
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
