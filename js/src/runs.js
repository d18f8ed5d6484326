// @ts-check
// The "runs" mode (pure): each agent call's responses as one group, drawn as a collapsible span with the agent's
// name. A node the kernel saw stored live names its run (`run`, e.g. "r7"); a forward folded into its original
// (view.js) brings its own run along, so an agent that passes sub-agents' answers on spans them all. Without
// `run`, consecutive responses of one sender under one request are a group. A node's `duration_s` (in its
// `notes`, the runtime's annotation) is shown with its group.

import { parentOf } from "./state.js";
import { preorder } from "./view.js";

/**
 * One run's group: `keys` (drawn keys, top first), `duration` (seconds or null), `level` (0 for a group containing
 * no smaller group, else one more than the deepest it contains); drawn, `count` is how many responses it has.
 * @typedef {{id: string, agent: string, keys: string[], duration: number | null, level: number, count?: number}} RunGroup
 * @typedef {{group: RunGroup, collapsed: boolean}} RunSpan
 */

/**
 * The groups of the drawn `view`, by id.
 * @param {import("./types.js").View} view
 * @returns {Map<string, RunGroup>}
 */
export function runGroups(view) {
  /** @type {Map<string, RunGroup>} */
  const groups = new Map();
  /**
   * @param {string} id
   * @param {string} agent
   * @param {string} key
   * @param {import("./types.js").TreeNode} node
   */
  const add = (id, agent, key, node) => {
    let g = groups.get(id);
    if (!g) {
      g = { id, agent, keys: [], duration: null, level: 0 };
      groups.set(id, g);
    }
    if (!g.keys.includes(key)) g.keys.push(key);
    const d = node && (node.notes && typeof node.notes === "object" ? node.notes.duration_s : node.duration_s);
    if (typeof d === "number" && Number.isFinite(d)) g.duration = Math.max(g.duration ?? 0, d);
  };
  const source = view.source || view;
  /** @type {Map<string, string>} drawn key -> its group id (nodes without `run`) */
  const synthetic = new Map();
  for (const key of preorder(view)) {
    const n = view.nodes.get(key);
    if (!n) continue;
    const contributions = [n];
    for (const k of view.members.get(key) || []) {
      const m = source.nodes.get(k);
      if (m) contributions.push(m);
    }
    let named = false;
    for (const c of contributions) {
      if (typeof c.run === "string" && c.run) {
        add(`run:${c.run}`, c.sender, key, c);
        named = true;
      }
    }
    if (named || n.sender === "user") continue;
    const p = parentOf(view, key);
    const pn = p !== null ? view.nodes.get(p) : null;
    const id = (p !== null && pn && pn.sender === n.sender && synthetic.get(p)) || `seq:${key}`;
    synthetic.set(key, id);
    add(id, n.sender, key, n);
  }
  // nesting levels: a group's level is above those of the smaller groups it shares a node with
  /** @type {Map<string, RunGroup[]>} key -> groups */
  const covering = new Map();
  for (const g of groups.values()) {
    for (const k of g.keys) {
      const list = covering.get(k);
      if (list) list.push(g);
      else covering.set(k, [g]);
    }
  }
  const bySize = [...groups.values()].sort((a, b) => a.keys.length - b.keys.length);
  for (const g of bySize) {
    let level = 0;
    for (const k of g.keys) {
      for (const h of covering.get(k) || []) if (h !== g && h.keys.length < g.keys.length) level = Math.max(level, h.level + 1);
    }
    g.level = level;
  }
  return groups;
}

/**
 * A group's label: the agent, how many responses (`count`, else its keys), and the duration when known
 * ("lead · 3 · 1.2 s").
 * @param {RunGroup} g
 * @param {boolean} [collapsed]
 */
export function runLabel(g, collapsed = false) {
  const parts = [g.agent, `${g.count ?? g.keys.length}`];
  if (g.duration !== null && g.duration !== undefined) {
    parts.push(g.duration < 10 ? `${g.duration.toFixed(1)} s` : `${Math.round(g.duration)} s`);
  }
  return (collapsed ? "▸ " : "▾ ") + parts.join(" · ");
}

/**
 * The box of a group drawn in a layout (null when none of its nodes is drawn): padded by its level, the label
 * in the top band. `w`, `h`: a node's size.
 * @param {RunGroup} g
 * @param {Map<string, {x: number, y: number}>} pos
 * @param {number} w
 * @param {number} h
 * @returns {import("./types.js").Box | null}
 */
export function runBox(g, pos, w, h) {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const k of g.keys) {
    const p = pos.get(k);
    if (!p) continue;
    x0 = Math.min(x0, p.x - w / 2);
    x1 = Math.max(x1, p.x + w / 2);
    y0 = Math.min(y0, p.y);
    y1 = Math.max(y1, p.y + h);
  }
  if (x0 === Infinity) return null;
  const pad = 5 + 6 * g.level;
  const top = 14 + 14 * g.level; // room for the labels of the groups inside it
  return { x: x0 - pad, y: y0 - top, width: x1 - x0 + 2 * pad, height: y1 - y0 + top + pad };
}
