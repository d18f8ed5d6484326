// @ts-check
// What an agent saw, drawn (pure): selecting a node highlights its branch (root to node: exactly the messages its
// agent was given) and dims the rest; in the "runs" mode a hovered run adds the branches of its requests; a
// filter by sender dims the other senders' nodes. The drawing (draw.js near, raster.js far) asks `emphasis()` for
// each node where it sets the node's style, and draws the context's links in their own style.
//
// The context is computed on the state (the stored tree), then mapped to drawn keys: a forward folded into its
// original (view.js) highlights that original's node, so the drawn branch is exactly the stored one.

import { pathTo } from "../state.js";

/** @typedef {import("../types.js").View} View */

/**
 * The messages `key` (a state key) was answered with: its branch from the root, as state keys (pure).
 * @param {import("../types.js").Tree} state
 * @param {string | null | undefined} key
 * @returns {string[]}
 */
export function contextOf(state, key) {
  return key ? pathTo(state, key) : [];
}

/**
 * The drawn keys to highlight for the marks `m` (pure): the branches of the selection (`focus`, a state key; else
 * the drawn `selected`) and of the `extra` keys (a hovered run's requests). Empty: nothing is highlighted.
 * @param {View} view
 * @param {import("../types.js").Marks} m
 * @returns {Set<string>}
 */
export function contextKeys(view, m) {
  /** @type {Set<string>} */
  const out = new Set();
  const source = view.source || view;
  const focus = m.focus ?? m.selected ?? null;
  for (const key of [focus, ...(m.extra || [])]) {
    if (!key) continue;
    const tree = source.nodes.has(key) ? source : view;
    for (const k of contextOf(tree, key)) out.add(view.folded.get(k) ?? k);
  }
  return out;
}

/**
 * How a drawn node is emphasised (pure): "af-ctx" on the highlighted context, "af-dim" when something is
 * highlighted or filtered and the node is not part of it, "" otherwise. `marks.context`: the drawn keys of the
 * context (contextKeys); `marks.senders`: the senders a filter keeps (empty or absent: no filter).
 * @param {string} key
 * @param {{sender?: string} | undefined} n
 * @param {{context?: Set<string>, senders?: Set<string> | string[]}} marks
 * @returns {"" | "af-ctx" | "af-dim"}
 */
export function emphasis(key, n, marks) {
  const ctx = marks.context;
  if (ctx && ctx.has(key)) return "af-ctx";
  const senders = marks.senders;
  const filtering = senders && (Array.isArray(senders) ? senders.length : senders.size);
  if (filtering && senders) {
    const s = n && n.sender ? n.sender : "";
    const kept = Array.isArray(senders) ? senders.includes(s) : senders.has(s);
    return kept ? "" : "af-dim";
  }
  return ctx && ctx.size ? "af-dim" : "";
}

/** The style of a dimmed node on the far canvas (its fill's opacity) and of the context's links. */
export const EMPHASIS_STYLE = Object.freeze({ dimAlpha: 0.28, context: { colour: "#d97706", width: 3 } });
