// The TreeView's DOM skeleton: toolbar (agent picker, message box, buttons), error line, canvas with the SVG
// layers, details pane, status line. Built once per view; nothing here listens to events or draws nodes.

import { el, svg } from "../render.js";
import { CSS } from "./style.js";

/** The toolbar's buttons: [data-action, label, tooltip]. */
export const TOOLBAR_BUTTONS = [
  ["branch", "branch", "post the text under the selected node and ask the agent"],
  ["checkout", "check out", "make the selected node the head (backtrack)"],
  ["regenerate", "regenerate", "ask the same agent again for a sibling answer"],
  ["stop", "stop", "cancel running calls"],
  ["collapse", "collapse", "collapse or expand the selected subtree"],
  ["fit", "fit", "fit the tree in view"],
  ["export", "export SVG", "download the current view as SVG"],
];

/** Build the widget's elements into `host`; returns them by name. */
export function buildTree(host) {
  // keyboard events inside the widget are ours, not the notebook's command-mode shortcuts
  const root = el("div", { class: "af-tree", tabindex: "0", "data-lm-suppress-shortcuts": "true",
    "data-p-suppress-shortcuts": "true" });
  const style = el("style", {}, CSS);
  const toolbar = el("div", { class: "af-toolbar" });
  const agentSelect = el("select", { title: "agent to ask" });
  const input = el("input", { type: "text", placeholder: "message to branch with…" });
  const buttons = {};
  for (const [name, label, title] of TOOLBAR_BUTTONS) {
    buttons[name] = el("button", { type: "button", title, "data-action": name }, label);
  }
  toolbar.append(agentSelect, input, ...Object.values(buttons));
  const errorBox = el("div", { class: "af-error" });
  const body = el("div", { class: "af-body" });
  const canvas = el("div", { class: "af-canvas" });
  const svgRoot = svg("svg", { width: "100%", height: "100%", xmlns: "http://www.w3.org/2000/svg" });
  const viewport = svg("g", { class: "af-viewport" });
  const linkLayer = svg("g", { class: "af-links" });
  const extraLayer = svg("g", { class: "af-extras" });
  const nodeLayer = svg("g", { class: "af-nodes" });
  viewport.append(linkLayer, extraLayer, nodeLayer);
  svgRoot.append(viewport);
  canvas.append(svgRoot);
  const details = el("div", { class: "af-details" });
  body.append(canvas, details);
  const statusLine = el("div", { class: "af-status" });
  root.append(style, toolbar, errorBox, body, statusLine);
  host.append(root);
  return { root, toolbar, agentSelect, input, buttons, errorBox, body, canvas, svgRoot, viewport, linkLayer,
    extraLayer, nodeLayer, details, statusLine };
}

/** The agent picker's options (hidden when there are none). */
export function showAgents(dom, names) {
  dom.agentSelect.replaceChildren(...names.map((n) => el("option", { value: n }, n)));
  dom.agentSelect.style.display = names.length ? "" : "none";
}

/** The error line (hidden when empty). */
export function showError(dom, text) {
  dom.errorBox.textContent = text;
  dom.errorBox.style.display = text ? "" : "none";
}
