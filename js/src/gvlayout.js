// @ts-check
// Graphviz (dot) layout for small trees: pure helpers. The Graphviz WASM build itself lives in a separate
// bundle (static/graphviz.js, ~1.5 MB) that the kernel sends only when a widget asks for this layout.

import { NODE_H, NODE_W } from "./layout.js";

export const GRAPHVIZ_MAX_NODES = 1000;

/**
 * DOT text for the drawn nodes (named n0..nK in `keys` order) and their parent edges.
 * @param {string[]} keys
 * @param {import("./types.js").Link[]} links
 */
export function toDot(keys, links) {
  const index = new Map(keys.map((k, i) => [k, i]));
  const lines = [
    "digraph G {",
    "graph [rankdir=TB, nodesep=0.25, ranksep=0.45];",
    `node [shape=box, fixedsize=true, width=${(NODE_W / 72).toFixed(3)}, height=${(NODE_H / 72).toFixed(3)}, label=""];`,
  ];
  for (let i = 0; i < keys.length; i++) lines.push(`n${i};`);
  for (const { source, target } of links) {
    if (index.has(source) && index.has(target)) lines.push(`n${index.get(source)} -> n${index.get(target)};`);
  }
  lines.push("}");
  return lines.join("\n");
}

/**
 * Node positions (x = centre, y = top, in our pixels) from Graphviz's JSON output.
 * @param {{bb?: string, objects?: {name?: string, pos?: string}[]}} json
 * @param {string[]} keys
 * @returns {Map<string, {x: number, y: number}>}
 */
export function positionsFromJson(json, keys) {
  const bb = (json.bb || "0,0,0,0").split(",").map(Number);
  const height = bb[3];
  const out = new Map();
  for (const obj of json.objects || []) {
    const m = /^n(\d+)$/.exec(obj.name || "");
    if (!m || !obj.pos) continue;
    const [x, y] = obj.pos.split(",").map(Number);
    out.set(keys[Number(m[1])], { x, y: height - y - NODE_H / 2 });
  }
  return out;
}

/**
 * Move a layout's nodes to `positions` (from positionsFromJson) and recompute its bounds, in place.
 * @param {import("./types.js").Layout} layout
 * @param {Map<string, {x: number, y: number}>} positions
 */
export function applyPositions(layout, positions) {
  let minX = Infinity, maxX = -Infinity, maxY = 0;
  for (const item of layout.nodes) {
    const p = positions.get(item.key);
    if (!p) continue;
    item.x = p.x;
    item.y = p.y;
    minX = Math.min(minX, p.x);
    maxX = Math.max(maxX, p.x);
    maxY = Math.max(maxY, p.y);
  }
  if (layout.nodes.length) {
    layout.bounds = { x: minX - NODE_W / 2, y: 0, width: maxX - minX + NODE_W, height: maxY + NODE_H };
  }
  layout.engine = "graphviz";
  return layout;
}
