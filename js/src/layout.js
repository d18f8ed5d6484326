// @ts-check
// Tidy-tree layout of the forum (d3-hierarchy), with collapsed subtrees and a node budget.
// Pure logic, no DOM. Children keep their arrival order, so a new node appears to the right of its siblings
// and the left-to-right order of everything already drawn never changes.

import { hierarchy, tree } from "d3-hierarchy";
import { parentOf } from "./state.js";

/** @typedef {import("./types.js").Tree} Tree */
/** @typedef {import("./types.js").LayoutItem} LayoutItem */
/** @typedef {import("./types.js").Link} Link */

/**
 * `collapsed`: drawn keys whose subtrees are hidden; above `budget` visible nodes only the neighbourhood of
 * `headKey` is drawn.
 * @typedef {{collapsed?: Set<string>, headKey?: string | null, budget?: number}} LayoutOptions
 */

/** A node's box: the sender's line and two lines of text (about 80 characters) at 11 px. */
export const NODE_W = 260;
export const NODE_H = 60;
export const GAP_X = 16;
export const GAP_Y = 34;

/**
 * Number of descendants of every key (iterative: deep chains are fine).
 * @param {Tree} state
 */
export function descendantCounts(state) {
  /** @type {Map<string, number>} */
  const counts = new Map();
  /** @type {string[]} */
  const order = [];
  const stack = [...(state.children.get(null) || [])];
  while (stack.length) {
    const k = /** @type {string} */ (stack.pop());
    order.push(k);
    for (const c of state.children.get(k) || []) stack.push(c);
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const k = order[i];
    let n = 0;
    for (const c of state.children.get(k) || []) n += 1 + (counts.get(c) || 0);
    counts.set(k, n);
  }
  return counts;
}

/**
 * Which keys are drawn. Collapsed nodes hide their subtree. Above `budget` visible nodes, only the head's
 * neighbourhood is kept: the path root..head, the siblings of every node on it, and the head's subtree
 * (breadth first) until the budget is used; every cut is reported as an elided count on the node kept.
 * @param {Tree} state
 * @param {LayoutOptions} [options]
 * @returns {{visible: Set<string>, hidden: Map<string, number>, focused: boolean}}
 */
export function visibleKeys(state, { collapsed = new Set(), headKey = null, budget = 2000 } = {}) {
  /** @type {Map<string, number> | null} descendant counts: only computed when something is hidden */
  let counts = null;
  const countsOf = () => counts || (counts = descendantCounts(state));
  /** @type {Map<string, number>} key -> number of descendants not drawn */
  const hidden = new Map();
  /** @type {Set<string>} */
  const visible = new Set();
  const stack = [...(state.children.get(null) || [])];
  while (stack.length) {
    const k = /** @type {string} */ (stack.pop());
    visible.add(k);
    if (collapsed.size && collapsed.has(k)) {
      const n = countsOf().get(k);
      if (n) hidden.set(k, n);
      continue;
    }
    const kids = state.children.get(k);
    if (kids) for (const c of kids) stack.push(c);
  }
  if (visible.size <= budget) return { visible, hidden, focused: false };
  const all = countsOf();

  // focus on the head's neighbourhood
  /** @type {Set<string>} */
  const keep = new Set();
  /** @type {string[]} */
  let path = [];
  if (headKey && state.nodes.has(headKey)) {
    /** @type {string | null} */
    let k = headKey;
    while (k !== null && k !== undefined && state.nodes.has(k)) {
      path.push(k);
      k = parentOf(state, k);
    }
    path.reverse();
  } else {
    path = (state.children.get(null) || []).slice(0, 1);
  }
  const roots = state.children.get(null) || [];
  for (const r of roots.slice(0, Math.max(1, Math.floor(budget / 10)))) keep.add(r);
  for (const k of path) {
    keep.add(k);
    for (const s of state.children.get(parentOf(state, k)) || []) {
      if (keep.size >= budget) break;
      keep.add(s);
    }
  }
  const queue = path.length ? [path[path.length - 1]] : [];
  while (queue.length && keep.size < budget) {
    const k = /** @type {string} */ (queue.shift());
    if (collapsed.has(k)) continue;
    for (const c of state.children.get(k) || []) {
      if (keep.size >= budget) break;
      keep.add(c);
      queue.push(c);
    }
  }
  const hiddenFocused = new Map();
  for (const k of keep) {
    const kids = state.children.get(k) || [];
    let cut = 0;
    for (const c of kids) if (!keep.has(c)) cut += 1 + (all.get(c) || 0);
    if (collapsed.has(k)) cut = all.get(k) || 0;
    if (cut) hiddenFocused.set(k, cut);
  }
  return { visible: keep, hidden: hiddenFocused, focused: true };
}

/**
 * Lay out the visible part of the tree. Returns positioned nodes (x = centre, y = top), parent links, and the
 * extra (forward / reply) links between visible nodes, plus the bounding box.
 * @param {Tree} state
 * @param {LayoutOptions} [options]
 * @returns {import("./types.js").Layout}
 */
export function layoutTree(state, options = {}) {
  const { visible, hidden, focused } = visibleKeys(state, options);
  const VIRTUAL = "\u0000root";
  /** @param {string} k */
  const kidsOf = (k) => {
    const list = k === VIRTUAL ? state.children.get(null) || [] : state.children.get(k) || [];
    return list.filter((c) => visible.has(c));
  };
  const root = hierarchy(VIRTUAL, (k) => {
    const kids = kidsOf(k);
    return kids.length ? kids : null;
  });
  tree().nodeSize([NODE_W + GAP_X, NODE_H + GAP_Y]).separation((a, b) => (a.parent === b.parent ? 1 : 1.15))(root);
  /** @type {LayoutItem[]} */
  const nodes = [];
  /** @type {Link[]} */
  const links = [];
  /** @type {Map<string, LayoutItem>} */
  const pos = new Map();
  let minX = Infinity, maxX = -Infinity, maxY = 0;
  root.each((d) => {
    if (d.data === VIRTUAL) return;
    const y = (d.depth - 1) * (NODE_H + GAP_Y);
    const x = d.x ?? 0;
    const item = { key: d.data, x, y, depth: d.depth - 1, hidden: hidden.get(d.data) || 0 };
    nodes.push(item);
    pos.set(d.data, item);
    minX = Math.min(minX, x);
    maxX = Math.max(maxX, x);
    maxY = Math.max(maxY, y);
    if (d.parent && d.parent.data !== VIRTUAL) {
      // a link through a folded forward (view.js) is drawn in its own style
      const type = state.edge ? state.edge.get(d.data) : undefined;
      links.push(type ? { source: d.parent.data, target: d.data, type } : { source: d.parent.data, target: d.data });
    }
  });
  /** @type {Link[]} */
  const extra = [];
  /** @param {string} k */
  const drawn = (k) => (state.folded && state.folded.get(k)) || k;
  for (const item of nodes) {
    const n = state.nodes.get(item.key);
    if (!n) continue;
    const original = n.original && drawn(n.original);
    if (original && original !== item.key && pos.has(original)) extra.push({ source: original, target: item.key, type: "forward" });
    const reply = n.reply_to && drawn(n.reply_to);
    if (reply && reply !== item.key && pos.has(reply)) extra.push({ source: item.key, target: reply, type: "reply" });
  }
  if (!nodes.length) minX = maxX = 0;
  return {
    nodes, links, extra, pos, focused,
    bounds: { x: minX - NODE_W / 2, y: 0, width: maxX - minX + NODE_W, height: maxY + NODE_H },
  };
}
