// @ts-check
// "export SVG": the whole drawn tree as a standalone SVG file, whatever the pan and zoom: a viewBox around the
// tree, a sans-serif font, every node with its full labels (the sender's line, two lines of text, its badges), the
// links and the runs' spans, and a stylesheet of its own. Text is only ever set as text.

import { NODE_H, NODE_W } from "../layout.js";
import { svg } from "../render.js";
import { extraPath, lineClass, linkPaths, nodeClass } from "./draw.js";
import { pillElements } from "./badges.js";
import { runLabel } from "../runs.js";

export const EXPORT_CSS = `
svg { font-family: "Helvetica Neue", Helvetica, Arial, sans-serif; }
text { font-family: "Helvetica Neue", Helvetica, Arial, sans-serif; }
.af-node > rect { stroke: #7b8794; stroke-width: 1; }
.af-sender { font-weight: 600; font-size: 11px; fill: #323f4b; }
.af-snippet { font-size: 11px; fill: #3e4c59; }
.af-badge { font-size: 10px; fill: #52606d; }
.af-node.af-streaming > rect { stroke: #2563eb; stroke-dasharray: 5 3; }
.af-node.af-cancelled > rect { stroke: #6b7280; stroke-dasharray: 3 3; }
.af-node.af-failed > rect { stroke: #ea580c; stroke-width: 2; }
.af-node.af-error > rect { stroke: #dc2626; stroke-width: 2; fill: #fee2e2; }
.af-node.af-onhead > rect { stroke: #111827; stroke-width: 2; }
.af-node.af-head > rect { stroke: #111827; stroke-width: 3; }
.af-node.af-selected > rect { stroke: #f59e0b; stroke-width: 3; }
.af-link { fill: none; stroke: #9aa5b1; stroke-width: 1.2; }
.af-link.af-onhead { stroke: #111827; stroke-width: 2.5; }
.af-link.af-forwarded { stroke: #7c3aed; stroke-width: 1.6; stroke-dasharray: 6 3; }
.af-extra { fill: none; stroke-width: 1; stroke-dasharray: 4 3; opacity: 0.7; }
.af-extra.af-forward { stroke: #7c3aed; }
.af-extra.af-reply { stroke: #0891b2; }
.af-span rect { fill: none; stroke: #818cf8; stroke-width: 1; stroke-dasharray: 3 2; }
.af-span-label { font-size: 10px; fill: #4338ca; font-weight: 600; }
.af-mono { font-family: Menlo, Consolas, monospace; font-size: 10px; }
.af-tool-error > rect { stroke: #dc2626; stroke-width: 2; }
.af-awaiting > rect { stroke: #d97706; stroke-width: 2.5; stroke-dasharray: 6 3; }
.af-pill text { font-size: 9.5px; font-weight: 600; }
.af-pill-metric rect { fill: #ffffff; stroke: #9aa5b1; }
.af-pill-metric text { fill: #3e4c59; }
.af-pill-model rect { fill: #f1f5f9; stroke: #94a3b8; }
.af-pill-model text { fill: #334155; }
.af-pill-label rect { fill: #4f46e5; stroke: #4338ca; }
.af-pill-label text { fill: #ffffff; }
.af-pill-bookmark rect { fill: #fef3c7; stroke: #d97706; }
.af-pill-bookmark text { fill: #b45309; }
.af-pill-ask rect { fill: #f59e0b; stroke: #b45309; }
.af-pill-ask text { fill: #ffffff; }
`;

// characters XML 1.0 does not allow (an SVG file with them does not open)
// eslint-disable-next-line no-control-regex -- the control characters are what it finds
const BAD_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/**
 * @param {unknown} t
 */
const clean = (t) => String(t ?? "").replace(BAD_XML, "\uFFFD");

/**
 * The SVG document of a layout (a string): `view` the drawn tree, `marks` {head, selected, onHead},
 * `labelsOf(key, n, item)` the labels (draw.js), `spans` [{group, box, collapsed}] of the runs mode.
 * @param {import("../types.js").Layout} layout
 * @param {import("../types.js").View} view
 * @param {import("./draw.js").DrawMarks} marks
 * @param {(key: string, n: import("../types.js").TreeNode, item: import("../types.js").LayoutItem) => import("./draw.js").NodeLabels} labelsOf
 * @param {import("./draw.js").DrawnSpan[]} [spans]
 */
export function svgDocument(layout, view, marks, labelsOf, spans = []) {
  const m = 20;
  const b = layout.bounds;
  let x0 = b.x, y0 = b.y, x1 = b.x + b.width, y1 = b.y + b.height;
  for (const { box } of spans) {
    x0 = Math.min(x0, box.x);
    y0 = Math.min(y0, box.y);
    x1 = Math.max(x1, box.x + box.width);
    y1 = Math.max(y1, box.y + box.height);
  }
  const w = x1 - x0 + 2 * m, h = y1 - y0 + 2 * m;
  const root = svg("svg", { xmlns: "http://www.w3.org/2000/svg", viewBox: `${x0 - m} ${y0 - m} ${w} ${h}`,
    width: Math.round(w), height: Math.round(h), "font-family": "Helvetica, Arial, sans-serif" });
  root.append(svg("style", {}, EXPORT_CSS), svg("rect", { x: x0 - m, y: y0 - m, width: w, height: h, fill: "#ffffff" }));
  for (const { group, box, collapsed } of spans) {
    const g = svg("g", { class: "af-span" });
    g.append(svg("rect", { x: box.x, y: box.y, width: box.width, height: box.height, rx: 8 }),
      svg("text", { class: "af-span-label", x: box.x + 6, y: box.y + 11 }, clean(runLabel(group, collapsed))));
    root.append(g);
  }
  const { plain, onPath, forwarded } = linkPaths(layout, marks.onHead);
  const at = (/** @type {string} */ key) => /** @type {import("../types.js").LayoutItem} */ (layout.pos.get(key));
  for (const [cls, d] of [["af-link", plain], ["af-link af-forwarded", forwarded], ["af-link af-onhead", onPath]]) {
    if (d) root.append(svg("path", { class: cls, d }));
  }
  for (const { source, target, type } of layout.extra) {
    root.append(svg("path", { class: `af-extra af-${type}`, d: extraPath(at(source), at(target)) }));
  }
  for (const item of layout.nodes) {
    const n = view.nodes.get(item.key);
    if (!n) continue;
    const labels = labelsOf(item.key, n, item);
    const g = svg("g", { class: nodeClass(item.key, n, marks), transform: `translate(${item.x},${item.y})`,
      "data-key": item.key });
    g.append(svg("rect", { x: -NODE_W / 2, y: 0, width: NODE_W, height: NODE_H, rx: 6, fill: labels.fill }),
      svg("text", { class: "af-sender", x: -NODE_W / 2 + 8, y: 16 }, clean(labels.sender)),
      svg("text", { class: lineClass(labels, 0), x: -NODE_W / 2 + 8, y: 33 }, clean(labels.lines[0] || "")),
      svg("text", { class: lineClass(labels, 1), x: -NODE_W / 2 + 8, y: 48 }, clean(labels.lines[1] || "")),
      svg("text", { class: "af-badge", x: NODE_W / 2 - 6, y: 16, "text-anchor": "end" }, clean(labels.badge)),
      ...pillElements((labels.pills || []).map((p) => ({ ...p, text: clean(p.text), title: clean(p.title) }))));
    root.append(g);
  }
  return new XMLSerializer().serializeToString(root);
}

/**
 * Download an SVG document as agentforum-tree.svg.
 * @param {string} text
 */
export function downloadSvg(text) {
  const url = URL.createObjectURL(new Blob([text], { type: "image/svg+xml" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = "agentforum-tree.svg";
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
