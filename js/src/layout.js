// @ts-check
// The layout of the forum's tree: pure logic, no DOM. Which nodes are drawn (visibleKeys: collapsed subtrees,
// siblings past a few folded into a "+k more" item, a node budget), then where (layoutTree).
//
// Where: a layered tree, each node over its children, in blocks: a leaf's block is its box, a node's block holds
// its box and its children's blocks side by side, the node centred over its children. Children keep their
// arrival order, so a new node appears to the right of its siblings and the reading order of everything already
// drawn never changes. A tree much wider than the canvas (a node with many children, a forest of many
// conversations) wraps: the children's blocks go in rows under their parent (an indented "bus": a trunk down the
// parent's left edge and a line over each row), the conversations of a forest in rows of their own; the row width
// is chosen so that the whole reads best in a canvas of the given size (the zoom that fits it is the largest). A
// tree much taller than the canvas puts its long chains (a conversation's turns) in columns, side by side. Either
// is only used for a tree that does not fit at zoom 1, and when it makes the fitting zoom at least RATHER_WRAP
// times larger. Linear in the drawn nodes, no recursion.

import { parentOf } from "./state.js";

/** @typedef {import("./types.js").Tree} Tree */
/** @typedef {import("./types.js").LayoutItem} LayoutItem */
/** @typedef {import("./types.js").Link} Link */

/**
 * `collapsed`: drawn keys whose subtrees are hidden; `expanded`: keys whose children are all drawn (no "+k more");
 * `keep`: keys drawn whatever is folded (the selection; `headKey` too), their ancestors unfolded; above `budget`
 * visible nodes only the neighbourhood of `headKey` and `keep` is drawn. `size`: the canvas ({w, h}, CSS pixels) the
 * tree is wrapped for (null: never wrapped).
 * @typedef {{collapsed?: Set<string>, expanded?: Set<string>, headKey?: string | null, keep?: (string | null)[],
 *            budget?: number, siblings?: number, size?: {w: number, h: number} | null}} LayoutOptions
 */

/** A node's box: the sender's line and two lines of text (about 80 characters) at 11 px. */
export const NODE_W = 260;
export const NODE_H = 60;
export const GAP_X = 16;
export const GAP_Y = 34;
/** From one level's top to the next's. */
export const LEVEL = NODE_H + GAP_Y;
/** A node draws at most this many children; the rest are folded into a "+k more" item (which expands). */
export const SIBLING_LIMIT = 8;
/** Wrapped children: their rows are indented this much from the parent's left edge (the trunk runs there). */
export const INDENT = 36;
/** Between two rows of wrapped children (the line over the next row runs in it). */
export const ROW_GAP = 44;
/** Between the conversations of a forest, side by side and row from row (a conversation's title is drawn in the
 * gap over it: the gap is made at least TITLE_BAND canvas pixels tall at the zoom that fits the forest). */
export const CONV_GAP_X = 80;
export const CONV_GAP_Y = 120;
export const TITLE_BAND = 24;
/** A conversation narrower than this on screen (CSS pixels) gets no title (raster.js draws them). */
export const TITLE_MIN_W = 56;
/** Wrapping is used when the zoom that fits the wrapped tree is at least this times the unwrapped one's. */
export const RATHER_WRAP = 1.25;
/** The canvas assumed when none is given. */
export const DEFAULT_CANVAS = Object.freeze({ w: 960, h: 600 });
/** The row widths tried: NODE_W + GAP_X times a power of 2^(1/WRAP_STEPS) (quantized: a new node rarely changes it). */
const WRAP_STEPS = 4;

/** The key of the "+k more" item under `parent` (never a message id: starts with a control character). */
const MORE = "\u0001more:";
/**
 * @param {string} parent
 */
export function moreKey(parent) {
  return MORE + parent;
}
/**
 * @param {unknown} key
 * @returns {key is string}
 */
export function isMoreKey(key) {
  return typeof key === "string" && key.startsWith(MORE);
}
/**
 * The parent whose children a "+k more" item stands for.
 * @param {string} key
 */
export function moreParent(key) {
  return key.slice(MORE.length);
}

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
 * The children of `key` that are drawn when at most `limit` are (pure): the first `limit - 1` in arrival order and
 * those in `pinned` (on the way to a kept node); all of them when they are `limit` or fewer.
 * @param {string[]} kids
 * @param {number} limit
 * @param {Set<string>} pinned
 */
export function shownSiblings(kids, limit, pinned) {
  if (kids.length <= limit) return kids;
  /** @type {string[]} */
  const out = [];
  for (let i = 0; i < kids.length; i++) if (i < limit - 1 || pinned.has(kids[i])) out.push(kids[i]);
  return out;
}

/**
 * The number of nodes in the subtree of `key` (itself included; iterative).
 * @param {Tree} state
 * @param {string} key
 */
export function subtreeSize(state, key) {
  let n = 0;
  const stack = [key];
  while (stack.length) {
    const k = /** @type {string} */ (stack.pop());
    n += 1;
    const kids = state.children.get(k);
    if (kids) for (let i = 0; i < kids.length; i++) stack.push(kids[i]);
  }
  return n;
}

/**
 * Which keys are drawn. Collapsed nodes hide their subtree; a node with more than `siblings` children (and not
 * `expanded`) shows the first few and those leading to the head or a kept key, the others are counted in `more`
 * (key -> {siblings, messages}). Above `budget` visible nodes only a neighbourhood is kept: the paths from the
 * roots to the head and the kept keys with their siblings, the head's subtree (breadth first), the roots (up to a
 * quarter of the budget), then whole conversations (the kept nodes' first, each breadth first) until the budget is
 * used; every cut is reported as an elided count in `hidden` on the node kept.
 * @param {Tree} state
 * @param {LayoutOptions} [options]
 * @returns {{visible: Set<string>, hidden: Map<string, number>, focused: boolean,
 *            more: Map<string, {siblings: number, messages: number}>}}
 */
export function visibleKeys(state, options = {}) {
  const f = drawnForest(state, options);
  const visible = new Set();
  for (const k of f.keys) if (!isMoreKey(k)) visible.add(k);
  return { visible, hidden: f.hidden, focused: f.focused, more: f.more };
}

/**
 * The drawn forest (visibleKeys' choice) as arrays, breadth first: a node's children are consecutive, every child
 * after its parent, a "+k more" item last among its parent's children. `keys`, the parent's index (-1 for a root),
 * the depth, each node's first child and number of children, and its chain: how many nodes from it down a line of
 * only children (itself included) and the last of them; `hidden` and `more` as visibleKeys has them.
 * @param {Tree} state
 * @param {LayoutOptions} options
 */
function drawnForest(state, { collapsed = new Set(), expanded = new Set(), headKey = null, keep = [],
  budget = 2000, siblings = SIBLING_LIMIT } = {}) {
  /** @type {string[]} the kept keys, the head first */
  const anchors = [];
  for (const k of [headKey, ...keep]) if (k && state.nodes.has(k) && !anchors.includes(k)) anchors.push(k);
  /** @type {Set<string>} the anchors and their ancestors */
  const pinned = new Set();
  for (const a of anchors) {
    /** @type {string | null} */
    let k = a;
    while (k !== null && k !== undefined && !pinned.has(k) && state.nodes.has(k)) {
      pinned.add(k);
      k = parentOf(state, k);
    }
  }
  /**
   * The children of `k` the folds leave (a root's list is never folded); a collapsed key has none.
   * @param {string} k
   */
  const unfolded = (k) => {
    if (collapsed.size && collapsed.has(k)) return [];
    const kids = state.children.get(k);
    if (!kids) return [];
    return kids.length <= siblings || expanded.has(k) ? kids : shownSiblings(kids, siblings, pinned);
  };
  let f = forestOf(state, null, unfolded, budget, collapsed);
  if (f) return { ...f, focused: false };
  // above the budget: focus on the neighbourhood of the head and the kept keys
  /** @type {Set<string>} */
  const chosen = new Set();
  /** @param {string} k */
  const add = (k) => {
    if (chosen.size < budget) chosen.add(k);
  };
  const roots = state.children.get(null) || [];
  /** @type {string[]} the roots of the anchors' conversations */
  const anchorRoots = [];
  for (const a of anchors) {
    /** @type {string[]} */
    const path = [];
    /** @type {string | null} */
    let k = a;
    while (k !== null && k !== undefined && state.nodes.has(k)) {
      path.push(k);
      k = parentOf(state, k);
    }
    path.reverse();
    if (path.length && !anchorRoots.includes(path[0])) anchorRoots.push(path[0]);
    for (const p of path) {
      chosen.add(p); // the path itself, whatever the budget
      const parent = parentOf(state, p);
      if (parent !== null && parent !== undefined) for (const s of unfolded(parent)) add(s);
    }
  }
  /** @param {string[]} queue */
  const breadthFirst = (queue) => {
    for (let i = 0; i < queue.length && chosen.size < budget; i++) {
      for (const c of unfolded(queue[i])) {
        if (chosen.size >= budget) break;
        chosen.add(c);
        queue.push(c);
      }
    }
  };
  if (headKey && chosen.has(headKey)) breadthFirst([headKey]);
  for (const r of roots.slice(0, Math.max(1, Math.floor(budget / 4)))) add(r);
  // then whole conversations, the anchors' first, one after the other (each breadth first) until the budget
  for (const r of [...anchorRoots, ...roots.filter((r) => chosen.has(r) && !anchorRoots.includes(r))]) {
    if (chosen.size >= budget) break;
    breadthFirst([r]);
  }
  f = /** @type {NonNullable<ReturnType<typeof forestOf>>} */ (forestOf(state, chosen, unfolded, Infinity, collapsed));
  // what the budget cut, counted on the node kept
  const all = descendantCounts(state);
  for (const k of f.keys) {
    if (isMoreKey(k) || collapsed.has(k)) continue;
    let cut = 0;
    for (const c of unfolded(k)) if (!chosen.has(c)) cut += 1 + (all.get(c) || 0);
    if (cut) f.hidden.set(k, cut);
  }
  return { ...f, focused: true };
}

/**
 * The forest of the children `kidsOf` gives (only those in `chosen` when it is given), breadth first; null when
 * it has more than `budget` nodes.
 * @param {Tree} state
 * @param {Set<string> | null} chosen
 * @param {(key: string) => string[]} kidsOf
 * @param {number} budget
 * @param {Set<string>} collapsed
 */
function forestOf(state, chosen, kidsOf, budget, collapsed) {
  /** @type {string[]} */
  const keys = [];
  /** @type {number[]} */
  const parent = [];
  /** @type {number[]} */
  const depth = [];
  /** @type {Map<string, number>} key -> number of descendants not drawn */
  const hidden = new Map();
  /** @type {Map<string, {siblings: number, messages: number}>} */
  const more = new Map();
  for (const r of state.children.get(null) || []) {
    if (chosen && !chosen.has(r)) continue;
    keys.push(r);
    parent.push(-1);
    depth.push(0);
  }
  const roots = keys.length;
  /** @type {number[]} */
  const firstOf = [];
  /** @type {number[]} */
  const countOf = [];
  for (let i = 0; i < keys.length; i++) {
    if (keys.length > budget) return null;
    const k = keys[i];
    firstOf.push(keys.length);
    const all = isMoreKey(k) ? undefined : state.children.get(k);
    if (all) {
      if (collapsed.size && collapsed.has(k)) {
        hidden.set(k, subtreeSize(state, k) - 1);
      } else {
        const kids = kidsOf(k);
        const d = depth[i] + 1;
        let drawn = 0;
        for (let j = 0; j < kids.length; j++) {
          if (chosen && !chosen.has(kids[j])) continue;
          keys.push(kids[j]);
          parent.push(i);
          depth.push(d);
          drawn++;
        }
        if (kids.length < all.length && drawn) {
          // siblings folded into "+k more"
          const shown = new Set(kids);
          let messages = 0;
          for (const c of all) if (!shown.has(c)) messages += subtreeSize(state, c);
          more.set(k, { siblings: all.length - kids.length, messages });
          keys.push(moreKey(k));
          parent.push(i);
          depth.push(d);
        }
      }
    }
    countOf.push(keys.length - firstOf[i]);
  }
  if (keys.length > budget) return null;
  const n = keys.length;
  const first = Int32Array.from(firstOf), count = Int32Array.from(countOf);
  const runLen = new Int32Array(n), runEnd = new Int32Array(n);
  let longest = 1;
  for (let i = n - 1; i >= 0; i--) {
    if (count[i] === 1) {
      runLen[i] = 1 + runLen[first[i]];
      runEnd[i] = runEnd[first[i]];
      if (runLen[i] > longest) longest = runLen[i];
    } else {
      runLen[i] = 1;
      runEnd[i] = i;
    }
  }
  return { keys, parent, depth, first, count, roots, runLen, runEnd, longest, hidden, more };
}

/** @typedef {NonNullable<ReturnType<typeof forestOf>>} Forest */
/** @typedef {{w: Float64Array, h: Float64Array, cx: Float64Array, kind: Uint8Array}} Blocks */
/** Blocks' kinds: a node over its children in a row, wrapped in rows, or a chain in columns. */
const ROW = 0, WRAPPED = 1, COLUMNS = 2;
/** Between the columns of a long chain (its link to the next column runs in it). */
export const COL_GAP = 44;

/**
 * Does the chain from node `i` start there and run longer than `col` (laid out in columns)?
 * @param {Forest} f
 * @param {number} i
 * @param {number} col
 */
function inColumns(f, i, col) {
  return f.runLen[i] > col && (f.parent[i] < 0 || f.count[f.parent[i]] !== 1);
}

/**
 * The blocks of a forest for a row width `wrap` and a column height `col` (in nodes; Infinity: no wrapping):
 * per node its block's width and height, where its box's centre is from the block's left, and its kind; and the
 * whole's size.
 * @param {Forest} f
 * @param {number} wrap
 * @param {number} col
 * @param {Blocks} out
 * @param {number} [gap]   between rows of conversations
 * @param {Blocks | null} [natural]   the blocks for this `col` unwrapped (measured once): only wider ones change
 */
function measure(f, wrap, col, out, gap = CONV_GAP_Y, natural = null) {
  if (natural) {
    // the blocks no wider than `wrap` unwrapped are their natural ones: only the wider are measured again
    out.w.set(natural.w);
    out.h.set(natural.h);
    out.cx.set(natural.cx);
    out.kind.set(natural.kind);
    const nw = natural.w;
    for (let i = f.keys.length - 1; i >= 0; i--) if (nw[i] > wrap) block(f, i, wrap, col, out);
  } else {
    for (let i = f.keys.length - 1; i >= 0; i--) block(f, i, wrap, col, out);
  }
  return packForest(f, out.w, out.h, wrap, gap);
}

/**
 * Node `i`'s block (its children's measured already), for a row width `wrap` and a column height `col`.
 * @param {Forest} f
 * @param {number} i
 * @param {number} wrap
 * @param {number} col
 * @param {Blocks} out
 */
function block(f, i, wrap, col, out) {
  const { w, h, cx, kind } = out;
  const { first, count, runLen, runEnd } = f;
  const m = count[i];
  if (m === 0) {
    w[i] = NODE_W;
    h[i] = NODE_H;
    cx[i] = NODE_W / 2;
    kind[i] = ROW;
    return;
  }
  if (col < runLen[i] && inColumns(f, i, col)) {
    // a long chain: in columns of `col` nodes, the last node's block (it and what is under it) ending the last
    const e = runEnd[i], cols = Math.ceil(runLen[i] / col), rowE = (runLen[i] - 1) % col;
    w[i] = (cols - 1) * (NODE_W + COL_GAP) + w[e];
    h[i] = Math.max((col - 1) * LEVEL + NODE_H, rowE * LEVEL + h[e]);
    cx[i] = NODE_W / 2;
    kind[i] = COLUMNS;
    return;
  }
  const a = first[i];
  let natural = -GAP_X, tallest = 0;
  for (let c = a; c < a + m; c++) {
    natural += w[c] + GAP_X;
    if (h[c] > tallest) tallest = h[c];
  }
  if (natural <= wrap || m === 1) {
    const s = natural < NODE_W ? (NODE_W - natural) / 2 : 0;
    w[i] = natural < NODE_W ? NODE_W : natural;
    h[i] = LEVEL + tallest;
    cx[i] = s + (cx[a] + natural - w[a + m - 1] + cx[a + m - 1]) / 2;
    kind[i] = ROW;
    return;
  }
  const limit = Math.max(wrap - INDENT, NODE_W);
  let rowW = 0, rowH = 0, widest = 0, height = 0;
  for (let c = a; c < a + m; c++) {
    if (rowW > 0 && rowW + GAP_X + w[c] > limit) {
      widest = Math.max(widest, rowW);
      height += rowH + ROW_GAP;
      rowW = 0;
      rowH = 0;
    }
    rowW += (rowW > 0 ? GAP_X : 0) + w[c];
    rowH = Math.max(rowH, h[c]);
  }
  widest = Math.max(widest, rowW);
  height += rowH;
  w[i] = Math.max(NODE_W, INDENT + widest);
  h[i] = LEVEL + height;
  cx[i] = NODE_W / 2;
  kind[i] = WRAPPED;
}

/**
 * The forest's conversations (blocks `w` x `h`, the first `f.roots`) side by side, in rows no wider than `rowWidth`
 * (greedy, in their order), rows `gap` apart: the whole's size.
 * @param {Forest} f
 * @param {Float64Array} w
 * @param {Float64Array} h
 * @param {number} rowWidth
 * @param {number} gap
 */
function packForest(f, w, h, rowWidth, gap) {
  let rowW = 0, rowH = 0, widest = 0, height = 0;
  for (let r = 0; r < f.roots; r++) {
    if (rowW > 0 && rowW + CONV_GAP_X + w[r] > rowWidth) {
      widest = Math.max(widest, rowW);
      height += rowH + gap;
      rowW = 0;
      rowH = 0;
    }
    rowW += (rowW > 0 ? CONV_GAP_X : 0) + w[r];
    rowH = Math.max(rowH, h[r]);
  }
  return { width: Math.max(widest, rowW), height: height + rowH };
}

/**
 * The width of the forest's rows of conversations and the gap between them (room for a title of TITLE_BAND
 * pixels at the zoom that fits the whole) that fit it best in a canvas of `size`: a few rounds of a search over
 * the rows' width for the gap, then the gap for the zoom found.
 * @param {Forest} f
 * @param {Blocks} buf
 * @param {{w: number, h: number}} size
 */
function chooseRows(f, buf, size) {
  const cw = Math.max(size.w - 24, 1), ch = Math.max(size.h - 24, 1), aspect = cw / ch;
  let total = -CONV_GAP_X, widest = 0;
  for (let r = 0; r < f.roots; r++) {
    total += buf.w[r] + CONV_GAP_X;
    widest = Math.max(widest, buf.w[r]);
  }
  const widths = Array.from(buf.w.subarray(0, f.roots)).sort((a, b) => a - b);
  const median = widths[widths.length >> 1];
  let gap = CONV_GAP_Y, rowWidth = total;
  for (let round = 0; round < 3; round++) {
    // the widest row width whose rows are still wider than the canvas's shape: the height shrinks as it grows
    let lo = widest, hi = total;
    for (let i = 0; i < 40 && hi - lo > 1; i++) {
      const mid = (lo + hi) / 2;
      const s = packForest(f, buf.w, buf.h, mid, gap);
      if (s.width >= aspect * s.height) hi = mid;
      else lo = mid;
    }
    let best = total, bestZoom = 0;
    for (const width of [lo, hi]) {
      const s = packForest(f, buf.w, buf.h, width, gap);
      const z = Math.min(1, cw / s.width, ch / s.height);
      if (z > bestZoom) {
        bestZoom = z;
        best = width;
      }
    }
    rowWidth = best;
    // a title needs room across too: none for conversations that narrow at this zoom (the hover label says)
    if (median * bestZoom < TITLE_MIN_W) {
      if (gap === CONV_GAP_Y) break;
      gap = CONV_GAP_Y;
      continue;
    }
    const want = Math.max(CONV_GAP_Y, TITLE_BAND / bestZoom);
    if (want <= gap * 1.05) break;
    gap = want;
  }
  return { rowWidth, gap };
}

/**
 * The row width and column height that fit the forest best in a canvas of `size` ({w, h}): wrapped rows, long
 * chains in columns, or both; only for a tree that does not fit at zoom 1, and when the zoom that fits it is at
 * least RATHER_WRAP times the unwrapped one's (else Infinity: not wrapped).
 * @param {Forest} f
 * @param {{w: number, h: number} | null} size
 * @param {Blocks} buf
 */
function chooseWrap(f, size, buf) {
  const none = { wrap: Infinity, col: Infinity };
  if (!size || !(size.w > 0 && size.h > 0) || !f.keys.length) return none;
  const cw = Math.max(size.w - 24, 1), ch = Math.max(size.h - 24, 1), aspect = cw / ch;
  /** @param {{width: number, height: number}} s */
  const zoom = (s) => Math.min(1, cw / s.width, ch / s.height);
  const z0 = zoom(measure(f, Infinity, Infinity, buf));
  if (z0 >= 1) return none;
  const slot = NODE_W + GAP_X;
  const widthAt = (/** @type {number} */ i) => slot * 2 ** (i / WRAP_STEPS);
  /** @type {number[]} column heights tried: none, and the longest chain in 2, 3, 4, 6, 8 columns */
  const cols = [Infinity];
  if (f.longest > 3) {
    for (const k of [2, 3, 4, 6, 8]) {
      const c = Math.max(2, Math.ceil(f.longest / k));
      if (!cols.includes(c)) cols.push(c);
    }
  }
  let best = none, bestZoom = z0;
  for (const col of cols) {
    const whole = measure(f, Infinity, col, buf);
    const natural = { w: buf.w.slice(), h: buf.h.slice(), cx: buf.cx.slice(), kind: buf.kind.slice() };
    /** @type {[number, number][]} [zoom, wrap] */
    const tries = [[zoom(whole), Infinity]];
    if (whole.width > aspect * whole.height) {
      // the zoom that fits is min(aspect / width, 1 / height): the width grows with the row width, the height
      // shrinks; the best is about where aspect * height = width
      const top = Math.ceil(WRAP_STEPS * Math.log2(Math.max(1, whole.width / slot)));
      let lo = 0, hi = top;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        const s = measure(f, widthAt(mid), col, buf, CONV_GAP_Y, natural);
        if (s.width >= aspect * s.height) hi = mid;
        else lo = mid + 1;
      }
      for (const i of [lo - 1, lo]) {
        if (i >= 0 && i <= top) tries.push([zoom(measure(f, widthAt(i), col, buf, CONV_GAP_Y, natural)), widthAt(i)]);
      }
    }
    for (const [z, wrap] of tries) {
      if (z > bestZoom * 1.0001) {
        bestZoom = z;
        best = { wrap, col };
      }
    }
  }
  return bestZoom >= z0 * RATHER_WRAP ? best : none;
}

/**
 * Lay out the visible part of the tree. Returns positioned nodes (x = centre, y = top; a "+k more" item has
 * `more`: {siblings, messages}), parent links (`route`: the points of a link that does not go straight down: to a
 * wrapped row, down the parent's trunk, across and down; to the next column of a chain, out of the right side of
 * the last node of a column, up the gap and into the left side of the next column's first), the extra (forward / reply) links between visible nodes, the bounding box, and for a forest each
 * conversation's block (`groups`).
 * @param {Tree} state
 * @param {LayoutOptions} [options]
 * @returns {import("./types.js").Layout}
 */
export function layoutTree(state, options = {}) {
  const f = drawnForest(state, options);
  const { hidden, focused, more } = f;
  const n = f.keys.length;
  const buf = { w: new Float64Array(n), h: new Float64Array(n), cx: new Float64Array(n), kind: new Uint8Array(n) };
  const { wrap, col } = chooseWrap(f, options.size === undefined ? DEFAULT_CANVAS : options.size, buf);
  let size = measure(f, wrap, col, buf);
  const canvas = options.size === undefined ? DEFAULT_CANVAS : options.size;
  let rowWidth = wrap, gap = CONV_GAP_Y;
  if (f.roots > 1 && canvas && canvas.w > 0 && canvas.h > 0) {
    ({ rowWidth, gap } = chooseRows(f, buf, canvas));
    size = packForest(f, buf.w, buf.h, rowWidth, gap);
  }
  const { w, h, cx, kind } = buf;
  const { keys, first, count, depth, roots, runLen, runEnd } = f;
  const x0 = new Float64Array(n), y0 = new Float64Array(n);
  /** @type {Float64Array} each node's centre */
  const xc = new Float64Array(n).fill(NaN);
  /** @type {Uint8Array} chain nodes whose only child the chain's start placed */
  const chained = new Uint8Array(n);
  /** @type {({x: number, y: number}[] | null)[]} each node's parent link's route, when it has one */
  const route = new Array(n).fill(null);
  /** @type {import("./types.js").Conversation[]} */
  const groups = [];
  // the forest's conversations, in rows
  {
    let x = 0, y = 0, rowH = 0;
    for (let r = 0; r < roots; r++) {
      if (x > 0 && x + w[r] > rowWidth) {
        y += rowH + gap;
        x = 0;
        rowH = 0;
      }
      x0[r] = x;
      y0[r] = y;
      if (roots > 1) groups.push({ key: keys[r], x, y, width: w[r], height: h[r], count: 0, total: 0 });
      x += w[r] + CONV_GAP_X;
      rowH = Math.max(rowH, h[r]);
    }
  }
  const half = GAP_Y / 2; // the line over a wrapped row runs half a gap above it
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(xc[i])) xc[i] = x0[i] + cx[i];
    const m = count[i];
    if (!m || chained[i]) continue;
    const a = first[i];
    if (kind[i] === COLUMNS) {
      const L = runLen[i], e = runEnd[i], cols = Math.ceil(L / col);
      const lastLeft = x0[i] + (cols - 1) * (NODE_W + COL_GAP);
      let k = i;
      for (let j = 1; j < L; j++) {
        chained[k] = 1;
        const next = first[k];
        const c = Math.floor(j / col), r = j % col;
        const y = y0[i] + r * LEVEL;
        if (next === e) {
          x0[e] = lastLeft;
          y0[e] = y;
          xc[e] = lastLeft + cx[e];
        } else {
          xc[next] = c < cols - 1 ? x0[i] + c * (NODE_W + COL_GAP) + NODE_W / 2 : lastLeft + cx[e];
          y0[next] = y;
        }
        if (r === 0) {
          // on to the next column: out of the right side of the column's last node, up the gap, into the left
          // side of the next column's first
          const gx = x0[i] + c * (NODE_W + COL_GAP) - COL_GAP / 2, from = y0[k] + NODE_H / 2, to = y + NODE_H / 2;
          route[next] = [{ x: xc[k] + NODE_W / 2, y: from }, { x: gx, y: from }, { x: gx, y: to },
            { x: xc[next] - NODE_W / 2, y: to }];
        }
        k = next;
      }
      continue;
    }
    if (kind[i] === ROW) {
      let natural = -GAP_X;
      for (let c = a; c < a + m; c++) natural += w[c] + GAP_X;
      let x = x0[i] + (natural < NODE_W ? (NODE_W - natural) / 2 : 0);
      for (let c = a; c < a + m; c++) {
        x0[c] = x;
        y0[c] = y0[i] + LEVEL;
        x += w[c] + GAP_X;
      }
      continue;
    }
    const limit = Math.max(wrap - INDENT, NODE_W);
    const left = x0[i] + INDENT, trunk = x0[i] + INDENT / 2;
    let x = left, y = y0[i] + LEVEL, rowH = 0;
    for (let c = a; c < a + m; c++) {
      if (x > left && x - left + w[c] > limit) {
        y += rowH + ROW_GAP;
        x = left;
        rowH = 0;
      }
      x0[c] = x;
      y0[c] = y;
      const cc = x + cx[c];
      route[c] = [{ x: trunk, y: y0[i] + NODE_H }, { x: trunk, y: y - half }, { x: cc, y: y - half }, { x: cc, y }];
      x += w[c] + GAP_X;
      rowH = Math.max(rowH, h[c]);
    }
  }
  if (groups.length) {
    // how many nodes each conversation draws, and holds (with those cut by the budget or folded)
    const rootOf = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const p = f.parent[i];
      rootOf[i] = p < 0 ? i : rootOf[p];
      const g = groups[rootOf[i]];
      const m = isMoreKey(keys[i]) ? more.get(moreParent(keys[i])) : undefined;
      if (m) g.total += m.messages;
      else {
        g.count++;
        g.total += 1 + (hidden.get(keys[i]) || 0);
      }
    }
  }
  /** @type {LayoutItem[]} */
  const nodes = new Array(n);
  /** @type {Link[]} */
  const links = [];
  /** @type {Map<string, LayoutItem>} */
  const pos = new Map();
  const edge = state.edge;
  for (let i = 0; i < n; i++) {
    const key = keys[i];
    /** @type {LayoutItem} */
    const item = { key, x: xc[i], y: y0[i], depth: depth[i], hidden: hidden.get(key) || 0, i, link: -1 };
    if (isMoreKey(key)) item.more = more.get(moreParent(key));
    nodes[i] = item;
    pos.set(key, item);
    const p = f.parent[i];
    if (p >= 0) {
      /** @type {Link} */
      const link = { source: keys[p], target: key };
      // a link through a folded forward (view.js) is drawn in its own style
      const type = edge ? edge.get(key) : undefined;
      if (type) link.type = type;
      if (isMoreKey(key)) link.type = "more";
      const r = route[i];
      if (r) link.route = r;
      item.link = links.length;
      links.push(link);
    }
  }
  /** @type {Link[]} */
  const extra = [];
  /** @param {string} k */
  const drawn = (k) => (state.folded && state.folded.get(k)) || k;
  for (const nd of state.nodes.values()) {
    if (!nd.original && !nd.reply_to) continue;
    const key = nd.key;
    if (!pos.has(key)) continue;
    const original = nd.original && drawn(nd.original);
    if (original && original !== key && pos.has(original)) extra.push({ source: original, target: key, type: "forward" });
    const reply = nd.reply_to && drawn(nd.reply_to);
    if (reply && reply !== key && pos.has(reply)) extra.push({ source: key, target: reply, type: "reply" });
  }
  return {
    nodes, links, extra, pos, focused, groups, gap, wrap: Number.isFinite(wrap) ? wrap : 0,
    columns: Number.isFinite(col) ? col : 0,
    bounds: { x: 0, y: 0, width: n ? size.width : 0, height: n ? size.height : 0 },
  };
}
