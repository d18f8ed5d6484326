// @ts-check
// The drawn tree (pure, no DOM): the state's tree with forwards folded into their originals and, in the "runs"
// mode, collapsed runs folded into their first response. A view has the shape layout.js and keyboard.js walk
// (`nodes`, `children` with null for the roots, `parentOf`), and says what was folded where:
//   folded:  key of a node not drawn -> the drawn key that stands for it
//   members: drawn key -> the keys folded into it
//   vias:    drawn key -> the senders that forwarded it (its label says "<author> via <forwarder>")
//   edge:    drawn key -> "forwarded" when its parent link runs through a folded forward (drawn in its own style)
// Without anything to fold the view is the state itself (no copy: big trees stay cheap).

import { parentOf } from "./state.js";

/** @typedef {import("./types.js").State} State */
/** @typedef {import("./types.js").View} View */
/** @typedef {import("./types.js").Tree} Tree */
/** @typedef {import("./types.js").TreeNode} TreeNode */

/**
 * A view that draws `state` as it is.
 * @param {State} state
 * @returns {View}
 */
function identityView(state) {
  return { nodes: state.nodes, children: state.children, folded: new Map(), members: new Map(), vias: new Map(),
    edge: new Map(), source: state };
}

/**
 * Keys of `tree` in pre-order (roots first, children in their order); iterative.
 * @param {{children: Map<string | null, string[]>}} tree
 */
export function preorder(tree) {
  /** @type {string[]} */
  const out = [];
  const stack = [...(tree.children.get(null) || [])].reverse();
  const seen = new Set();
  while (stack.length) {
    const k = /** @type {string} */ (stack.pop());
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(k);
    const kids = tree.children.get(k);
    if (kids) for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
  }
  return out;
}

/**
 * Fold the keys of `rep` (key -> the key it is drawn as; chains allowed) out of `base` (a state or a view).
 * A folded node's children hang under the node it is drawn as, with a "forwarded" edge when `edgeKind` says so.
 * @param {State | View} base
 * @param {Map<string, string>} rep
 * @param {string} [edgeKind]
 * @returns {View}
 */
export function foldTree(base, rep, edgeKind = "forwarded") {
  /** @param {string} k */
  const target = (k) => {
    let r = k;
    for (let i = 0; i < 64; i++) {
      const next = rep.get(r);
      if (next === undefined) break;
      r = next;
    }
    return r;
  };
  const order = preorder(base);
  /** @type {Map<string, TreeNode>} */
  const nodes = new Map();
  /** @type {string[]} */
  const roots = [];
  /** @type {Map<string | null, string[]>} */
  const children = new Map([[null, roots]]);
  /** @type {Map<string, string | null>} */
  const parent = new Map();
  /** @type {Map<string, string>} */
  const folded = new Map();
  /** @type {Map<string, string[]>} */
  const members = new Map();
  /** @type {Map<string, string>} */
  const edge = new Map();
  const baseEdge = "edge" in base ? base.edge : null;
  /**
   * @template K, V
   * @param {Map<K, V[]>} map
   * @param {K} key
   */
  const listOf = (map, key) => {
    let list = map.get(key);
    if (!list) {
      list = [];
      map.set(key, list);
    }
    return list;
  };
  for (const k of order) {
    const t = target(k);
    if (t !== k && base.nodes.has(t)) {
      folded.set(k, t);
      listOf(members, t).push(k);
    }
  }
  for (const k of order) {
    if (folded.has(k)) continue;
    const n = base.nodes.get(k);
    if (n) nodes.set(k, n);
    const p0 = parentOf(base, k);
    let p = p0 === null ? null : folded.get(p0) ?? p0;
    if (p === k || (p !== null && !base.nodes.has(p))) p = null;
    parent.set(k, p);
    if (p0 !== null && folded.has(p0)) edge.set(k, edgeKind);
    else if (baseEdge && baseEdge.has(k)) edge.set(k, /** @type {string} */ (baseEdge.get(k)));
  }
  // children in pre-order of the base: a node's own children, and those of the forwards folded into it
  for (const k of order) {
    if (folded.has(k)) continue;
    listOf(children, parent.get(k) ?? null).push(k);
  }
  // a cycle (impossible with stored messages, whose ids hash their parents) would hide nodes: they become roots
  const reached = new Set(preorder({ children }));
  for (const k of nodes.keys()) {
    if (reached.has(k)) continue;
    const list = children.get(parent.get(k) ?? null);
    if (list) list.splice(list.indexOf(k), 1);
    parent.set(k, null);
    roots.push(k);
    const stack = [k];
    while (stack.length) {
      const x = /** @type {string} */ (stack.pop());
      if (reached.has(x)) continue;
      reached.add(x);
      for (const c of children.get(x) || []) stack.push(c);
    }
  }
  const source = "source" in base ? base.source : base;
  return { nodes, children, parentOf: parent, folded, members, edge, vias: new Map(), source };
}

/**
 * Compose the folds of `inner` (a view of a view) with those of its base `outer`.
 * @param {View} outer
 * @param {View} inner
 * @returns {View}
 */
function compose(outer, inner) {
  const folded = new Map(inner.folded);
  for (const [k, t] of outer.folded) folded.set(k, inner.folded.get(t) ?? t);
  /** @type {Map<string, string[]>} */
  const members = new Map();
  for (const [k, t] of folded) {
    const list = members.get(t);
    if (list) list.push(k);
    else members.set(t, [k]);
  }
  /** @type {Map<string, string[]>} */
  const vias = new Map();
  for (const [k, list] of outer.vias) {
    const t = inner.folded.get(k) ?? k;
    vias.set(t, [...new Set([...(vias.get(t) || []), ...list])]);
  }
  return { ...inner, folded, members, vias, source: outer.source };
}

/**
 * Forwards whose original is in the tree, each mapped to its original (a forward of a forward: to that one).
 * @param {State} state
 */
export function forwardFolds(state) {
  /** @type {Map<string, string>} */
  const rep = new Map();
  for (const [k, n] of state.nodes) {
    if (!n.pending && n.kind === "forward" && n.original && n.original !== k && state.nodes.has(n.original)) {
      rep.set(k, n.original);
    }
  }
  return rep;
}

/**
 * The drawn tree of `state`. `fold` (default true): forwards are drawn folded into their originals.
 * `runs` (the groups of runs.js over the forward-folded view) and `collapsedRuns` (their ids): each collapsed
 * run is drawn as its first response.
 * @param {State} state
 * @param {{fold?: boolean, runs?: Map<string, import("./runs.js").RunGroup> | null,
 *          collapsedRuns?: Set<string> | null}} [options]
 * @returns {View}
 */
export function buildView(state, { fold = true, runs = null, collapsedRuns = null } = {}) {
  let view = identityView(state);
  if (fold) {
    const rep = forwardFolds(state);
    if (rep.size) {
      view = foldTree(state, rep);
      for (const [k, t] of view.folded) {
        const n = state.nodes.get(k);
        if (!n) continue;
        const vias = view.vias.get(t) || [];
        view.vias.set(t, vias);
        if (!vias.includes(n.sender)) vias.push(n.sender);
      }
    }
  }
  if (runs && collapsedRuns && collapsedRuns.size) {
    /** @type {Map<string, string>} */
    const rep = new Map();
    for (const g of runs.values()) {
      if (!collapsedRuns.has(g.id)) continue;
      for (const k of g.keys) if (k !== g.keys[0] && !rep.has(k)) rep.set(k, g.keys[0]);
    }
    if (rep.size) view = compose(view, foldTree(view, rep, "run"));
  }
  return view;
}

/**
 * The drawn key standing for `key` (itself, or the node it is folded into), or null.
 * @param {View} view
 * @param {string | null | undefined} key
 * @returns {string | null}
 */
export function drawnKey(view, key) {
  if (key === null || key === undefined) return null;
  const k = view.folded.get(key) ?? key;
  return view.nodes.has(k) ? k : null;
}

/** The label of a drawn node's sender: "<author> via <forwarder>" for a forward (folded, or one that still
 * streams), "↪ <forwarder>" for an unfolded stored forward.
 * @param {View | null} view
 * @param {string} key
 * @param {TreeNode} n
 */
export function senderLabel(view, key, n) {
  const vias = view && view.vias.get(key);
  if (vias && vias.length) return `${n.sender} via ${vias.join(", ")}`;
  if (n.pending && n.author && n.author !== n.sender) return `${n.author} via ${n.sender}`;
  if (n.kind === "forward") return n.author ? `↪ ${n.sender} (from ${n.author})` : `↪ ${n.sender}`;
  return n.sender;
}
