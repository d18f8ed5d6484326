// The TreeView's DOM skeleton: toolbar (agent picker, message box, buttons, "jump to"), error line (with a
// dismiss button), notice line, the canvas (a <canvas> for far zoom levels under the SVG layers, the minimap,
// the wheel hint), details pane, status line and the resize handle. Built once per view; nothing here listens to
// events or draws nodes.

import { el, svg } from "../render.js";
import { CSS } from "./style.js";
import { MINIMAP_SIZE } from "./minimap.js";

/** The toolbar's buttons: [data-action, label, tooltip]; the toggles show their state with aria-pressed. */
export const TOOLBAR_BUTTONS = [
  ["branch", "branch", "post the text under the selected node and ask the agent"],
  ["checkout", "check out", "make the selected node the head (backtrack)"],
  ["regenerate", "regenerate", "ask the same agent again for a sibling answer"],
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

/** Build the widget's elements into `host`; returns them by name. */
export function buildTree(host) {
  // keyboard events inside the widget are ours, not the notebook's command-mode shortcuts
  const root = el("div", { class: "af-tree", tabindex: "0", "data-lm-suppress-shortcuts": "true",
    "data-p-suppress-shortcuts": "true" });
  const style = el("style", {}, CSS);
  const toolbar = el("div", { class: "af-toolbar" });
  const agentSelect = el("select", { title: "agent to ask" });
  const input = el("input", { type: "text", class: "af-message", placeholder: "message to branch with…" });
  const buttons = {};
  for (const [name, label, title] of TOOLBAR_BUTTONS) {
    buttons[name] = el("button", { type: "button", title, "data-action": name }, label);
    if (TOGGLES.includes(name)) buttons[name].setAttribute("aria-pressed", "false");
  }
  const jump = el("input", { type: "text", class: "af-jump", placeholder: "jump to id…", spellcheck: "false",
    title: "type 6 or more characters of a message id, then Enter" });
  toolbar.append(agentSelect, input, ...Object.values(buttons), jump);
  const errorText = el("span", { class: "af-error-text" });
  const dismiss = el("button", { type: "button", class: "af-dismiss", title: "dismiss", "aria-label": "dismiss" }, "×");
  const errorBox = el("div", { class: "af-error", role: "alert" });
  errorBox.append(errorText, dismiss);
  const notice = el("div", { class: "af-notice", role: "status" });
  const body = el("div", { class: "af-body" });
  const canvas = el("div", { class: "af-canvas" });
  const raster = el("canvas", { class: "af-raster" });
  const svgRoot = svg("svg", { class: "af-svg", width: "100%", height: "100%", xmlns: "http://www.w3.org/2000/svg" });
  const viewport = svg("g", { class: "af-viewport" });
  const spanLayer = svg("g", { class: "af-spans" });
  const linkLayer = svg("g", { class: "af-links" });
  const extraLayer = svg("g", { class: "af-extras" });
  const nodeLayer = svg("g", { class: "af-nodes" });
  viewport.append(spanLayer, linkLayer, extraLayer, nodeLayer);
  svgRoot.append(viewport);
  const minimap = el("canvas", { class: "af-minimap", title: "the whole tree: click or drag to move the view" });
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
  return { host, root, toolbar, agentSelect, input, buttons, jump, errorBox, errorText, dismiss, notice, body, canvas,
    raster, svgRoot, viewport, spanLayer, linkLayer, extraLayer, nodeLayer, minimap, hint, details, statusLine,
    handle };
}

/** The agent picker's options (hidden when there are none). */
export function showAgents(dom, names) {
  dom.agentSelect.replaceChildren(...names.map((n) => el("option", { value: n }, n)));
  dom.agentSelect.style.display = names.length ? "" : "none";
}

/** The error line (hidden when empty). */
export function showError(dom, text) {
  dom.errorText.textContent = text;
  dom.errorBox.style.display = text ? "" : "none";
}

/** A toggle button's state. */
export function setPressed(button, on) {
  button.setAttribute("aria-pressed", on ? "true" : "false");
  button.classList.toggle("af-on", !!on);
}
