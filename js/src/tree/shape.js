// @ts-check
// Reading many runs (pure): siblings sorted by score (the `score` annotation, highest first; unscored ones after,
// in their order) and the tree expanded to a depth (the nodes at that depth with children are drawn collapsed,
// "+n"). The TreeView's traits `sort` and `depth` (set from Python, the overflow menu or the keys) choose them;
// scene.js applies shapeView to the drawn tree before the layout.

/** @typedef {import("../types.js").View} View */

/**
 * A node's score, or null.
 * @param {import("../types.js").TreeNode | undefined} n
 */
export function scoreOf(n) {
  const notes = n && n.notes && typeof n.notes === "object" ? n.notes : null;
  const s = notes ? notes.score : undefined;
  return typeof s === "number" && Number.isFinite(s) ? s : null;
}

/**
 * `keys` ordered by score, highest first; unscored ones after the scored, each group in its order (stable).
 * @param {string[]} keys
 * @param {Map<string, import("../types.js").TreeNode>} nodes
 */
export function byScore(keys, nodes) {
  const scored = keys.map((k, i) => ({ k, i, s: scoreOf(nodes.get(k)) }));
  scored.sort((a, b) => (a.s === null ? (b.s === null ? a.i - b.i : 1) : b.s === null ? -1 : b.s - a.s || a.i - b.i));
  return scored.map((x) => x.k);
}

/**
 * The drawn nodes at `depth` levels below the roots that have children (pure): what "expand to a depth" collapses.
 * @param {{children: Map<string | null, string[]>}} tree
 * @param {number} depth
 * @returns {Set<string>}
 */
export function collapsedAtDepth(tree, depth) {
  /** @type {Set<string>} */
  const out = new Set();
  if (!(depth > 0)) return out;
  let level = [...(tree.children.get(null) || [])];
  for (let d = 0; d < depth && level.length; d++) {
    /** @type {string[]} */
    const next = [];
    for (const k of level) for (const c of tree.children.get(k) || []) next.push(c);
    level = next;
  }
  for (const k of level) if ((tree.children.get(k) || []).length) out.add(k);
  return out;
}

/**
 * The drawn tree `view` shaped by `options` (pure): `sort` "score" sorts every node's children by score; `depth`
 * > 0 gives the nodes to draw collapsed. Without either, the view itself and no collapsed nodes.
 * @param {View} view
 * @param {{sort?: unknown, depth?: unknown}} options
 * @returns {{view: View, collapsed: Set<string>}}
 */
export function shapeView(view, { sort = "", depth = 0 } = {}) {
  let v = view;
  if (sort === "score") {
    /** @type {Map<string | null, string[]>} */
    const children = new Map();
    for (const [k, kids] of view.children) children.set(k, kids.length > 1 ? byScore(kids, view.nodes) : kids);
    v = { ...view, children };
  }
  const d = typeof depth === "number" && Number.isFinite(depth) ? Math.floor(depth) : 0;
  return { view: v, collapsed: collapsedAtDepth(v, d) };
}
