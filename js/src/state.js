// @ts-check
// The browser-side model of a forum tree: stored nodes and pending (still streaming) responses.
// Pure logic, no DOM: it applies the kernel's `snapshot` and `delta` messages (docs/widget_protocol.md).

import { inBuffer, nodesOfColumns, nodesOfRows } from "./rows.js";

/** @typedef {import("./types.js").State} State */
/** @typedef {import("./types.js").TreeNode} TreeNode */
/** @typedef {import("./types.js").WireNode} WireNode */
/** @typedef {import("./types.js").WireStream} WireStream */
/** @typedef {import("./types.js").Tree} Tree */

/** @returns {State} */
export function createState() {
  return {
    nodes: new Map(), // key (id or "~n") -> node; pending nodes have `pending: true`
    children: new Map([[null, []]]), // parent key -> child keys in arrival order (null: roots)
    aliases: new Map(), // stream key -> the stored id it resolved to
    version: 0, // bumped when the structure changes (a relayout is needed)
    textVersion: 0, // bumped when only streaming text changed
  };
}

/** The roots' list (always there). @param {State} state */
function rootsOf(state) {
  let roots = state.children.get(null);
  if (!roots) {
    roots = [];
    state.children.set(null, roots);
  }
  return roots;
}

/**
 * @param {State} state
 * @param {string | null} parent
 * @param {string} key
 * @returns {string | null} the parent key it is linked under (null: a root)
 */
function link(state, parent, key) {
  const p = parent !== null && state.nodes.has(parent) ? parent : null;
  let list = state.children.get(p);
  if (!list) {
    list = [];
    state.children.set(p, list);
  }
  if (!list.includes(key)) list.push(key);
  const node = state.nodes.get(key);
  if (node) node.linked = true;
  return p;
}

/**
 * @param {State} state
 * @param {string | null | undefined} parent
 * @param {string} key
 */
function unlink(state, parent, key) {
  if (parent === undefined) return -1;
  const list = state.children.get(parent);
  if (!list) return -1;
  const i = list.indexOf(key);
  if (i >= 0) list.splice(i, 1);
  return i;
}

/** The fields of a node that may go away when it is sent again (an annotation removed, a question answered). */
const REPLACED = ["notes", "choices", "tool_calls", "tool_result"];

/**
 * @param {State} state
 * @param {WireNode} n
 */
function addStored(state, n) {
  const old = state.nodes.get(n.id);
  if (old) {
    const fields = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (old));
    for (const k of REPLACED) if (!(k in n)) delete fields[k];
    Object.assign(old, n, { pending: false });
    return;
  }
  /** @type {TreeNode} */
  const node = { ...n, key: n.id, pending: false };
  state.nodes.set(n.id, node);
  node.parentKey = link(state, n.parent, n.id);
  // nodes that arrived before their parent (e.g. a subtree root) are re-attached when it arrives
  const roots = rootsOf(state);
  for (const k of [...roots]) {
    const orphan = state.nodes.get(k);
    if (orphan && orphan.parent === n.id) {
      unlink(state, null, k);
      orphan.parentKey = link(state, n.id, k);
    }
  }
}

/**
 * A snapshot's nodes into an empty state: the same tree as adding them one by one (addStored), in linear time
 * (a node that comes before its parent is linked under it; children keep the snapshot's order). `owned`: the node
 * objects are new (decoded rows) and become the state's as they are; else they are copied.
 * @param {State} state
 * @param {WireNode[]} list
 * @param {boolean} [owned]
 */
function addSnapshot(state, list, owned = false) {
  const { nodes } = state;
  /** @type {TreeNode[]} */
  const added = [];
  for (const n of list) {
    if (nodes.has(n.id)) {
      addStored(state, n); // sent twice: the later fields win
      continue;
    }
    const node = /** @type {TreeNode} */ (owned ? /** @type {unknown} */ (n) : { ...n });
    node.key = n.id;
    node.pending = false;
    nodes.set(n.id, node);
    added.push(node);
  }
  const roots = rootsOf(state);
  for (const node of added) {
    const p = node.parent !== null && node.parent !== undefined && nodes.has(node.parent) ? node.parent : null;
    if (p === null) roots.push(node.key);
    else {
      let list = state.children.get(p);
      if (!list) state.children.set(p, (list = []));
      list.push(node.key);
    }
    node.parentKey = p;
    node.linked = true;
  }
}

/**
 * @param {State} state
 * @param {WireStream} s
 */
function addPending(state, s) {
  if (state.nodes.has(s.key)) return;
  /** @type {TreeNode} */
  const node = {
    key: s.key, id: null, parent: s.parent, sender: s.sender, colour: s.colour, kind: "message", status: "streaming",
    snippet: s.text || "", text: s.text || "", n_chars: (s.text || "").length, reply_to: null, original: null,
    pending: true,
  };
  if (typeof s.author === "string") node.author = s.author; // a forward in progress: whose text it is
  if (typeof s.run === "string") node.run = s.run;
  if (typeof s.reasoning === "string" && s.reasoning) node.reasoning = s.reasoning; // a model's, so far
  state.nodes.set(s.key, node);
  node.parentKey = link(state, s.parent, s.key);
}

/**
 * A pending node became a stored message: it takes the id and keeps its place among its siblings.
 * @param {State} state
 * @param {string} key
 * @param {string} id
 */
function resolve(state, key, id) {
  const pending = state.nodes.get(key);
  if (!pending || !pending.pending) {
    // the browser never saw this stream: its message, held back for it, goes under its own parent
    const stored = state.nodes.get(id);
    if (stored && !stored.linked) stored.parentKey = link(state, stored.parent, id);
    return;
  }
  const parentKey = pending.parentKey ?? null;
  const siblings = state.children.get(parentKey) || [];
  const at = siblings.indexOf(key);
  let stored = state.nodes.get(id);
  if (stored && stored.linked) {
    // the same message was already in the tree (identical content): the pending node just goes away
    if (at >= 0) siblings.splice(at, 1);
  } else {
    if (!stored) {
      stored = { ...pending, id, key: id, pending: false, status: "complete", snippet: (pending.text ?? "").slice(0, 200) };
      state.nodes.set(id, stored);
    }
    stored.parentKey = parentKey;
    stored.linked = true;
    if (stored.text === undefined) stored.text = pending.text; // the whole streamed text
    if (at >= 0) siblings.splice(at, 1, id);
    else link(state, parentKey, id);
  }
  state.nodes.delete(key);
  const kids = state.children.get(key);
  if (kids) {
    state.children.delete(key);
    let target = state.children.get(id);
    if (!target) {
      target = [];
      state.children.set(id, target);
    }
    for (const k of kids) {
      if (!target.includes(k)) target.push(k);
      const child = state.nodes.get(k);
      if (child) {
        child.parentKey = id;
        if (child.parent === key) child.parent = id;
      }
    }
  }
}

/**
 * @param {State} state
 * @param {string} key
 */
function end(state, key) {
  const node = state.nodes.get(key);
  if (!node) return;
  unlink(state, node.parentKey, key);
  state.nodes.delete(key);
  const kids = state.children.get(key) || [];
  state.children.delete(key);
  for (const k of kids) end(state, k);
}

/**
 * The key a stream's `parent` names now: a key resolved to a stored id (earlier or in this delta) is that id.
 * @param {State} state
 * @param {string | null | undefined} key
 * @returns {string | null}
 */
function currentKey(state, key) {
  let k = key ?? null;
  for (let i = 0; i < 8 && k !== null; i++) {
    const next = state.aliases.get(k);
    if (next === undefined) break;
    k = next;
  }
  return k;
}

/**
 * Is `ancestor` on the path from `key` up to its root? (guards a re-attachment against making a cycle)
 * @param {State} state
 * @param {string} ancestor
 * @param {string | null} key
 */
function isAncestorOrSelf(state, ancestor, key) {
  const seen = new Set();
  let k = key;
  while (k !== null && k !== undefined && !seen.has(k)) {
    if (k === ancestor) return true;
    seen.add(k);
    const n = state.nodes.get(k);
    k = n ? n.parentKey ?? null : null;
  }
  return false;
}

/** Roots whose `parent` names a node that is present now are moved under it (nodes that arrived before their
 * parent, a stream whose parent was stored in the same delta).
 * @param {State} state
 */
function reattachOrphans(state) {
  const roots = rootsOf(state);
  for (const k of [...roots]) {
    const node = state.nodes.get(k);
    if (!node || node.parent === null || node.parent === undefined) continue;
    const p = currentKey(state, node.parent);
    if (p !== node.parent && node.pending) node.parent = p;
    if (p === null || !state.nodes.has(p) || isAncestorOrSelf(state, k, p)) continue;
    unlink(state, null, k);
    node.parentKey = link(state, p, k);
  }
}

/**
 * Apply one kernel message; returns "layout" when the structure changed, "text" for text only, else null. A
 * snapshot carries its nodes as objects (`nodes`), as columns (`columns`, a large tree's, in one of the message's
 * binary `buffers`) or as rows (`senders`, `colours`, `rows`: the exported page's); rows.js reads both.
 * @param {State} state
 * @param {unknown} raw
 * @param {ArrayBuffer[] | ArrayBufferView[]} [buffers]
 * @returns {"layout" | "text" | null}
 */
export function applyMessage(state, raw, buffers) {
  if (!raw || typeof raw !== "object") return null;
  const msg = /** @type {{kind?: unknown, nodes?: WireNode[], streams?: WireStream[], text?: Record<string, string>,
                          reasoning?: Record<string, string>,
                          resolved?: unknown, ended?: string[], rows?: unknown, senders?: string[],
                          colours?: string[], columns?: unknown}} */ (raw);
  if (msg.kind === "snapshot") {
    // new node objects from a compact form: the state keeps them as they are
    const made = msg.nodes ? null : msg.columns ? nodesOfColumns(inBuffer(msg.columns, buffers))
      : msg.rows ? nodesOfRows({ senders: msg.senders || [], colours: msg.colours || [], rows: inBuffer(msg.rows, buffers) })
        : null;
    const fresh = createState();
    state.nodes = fresh.nodes;
    state.children = fresh.children;
    addSnapshot(state, made || msg.nodes || [], made !== null);
    for (const s of msg.streams || []) addPending(state, { ...s, parent: currentKey(state, s.parent) });
    reattachOrphans(state);
    state.version++;
    return "layout";
  }
  if (msg.kind !== "delta") return null;
  // Order (docs/widget_protocol.md): stored nodes, then new streams (a stream's parent may be a key resolved in
  // this same delta: it is looked up through `resolved`), then text, then resolved keys, then ended streams.
  let structural = false;
  /** @type {{key: string, id: string}[]} */
  const resolved = Array.isArray(msg.resolved) ? msg.resolved : [];
  for (const r of resolved) if (r && typeof r.key === "string" && typeof r.id === "string") state.aliases.set(r.key, r.id);
  const resolvedIds = new Set(resolved.map((r) => r && r.id));
  for (const n of msg.nodes || []) {
    if (resolvedIds.has(n.id) && !state.nodes.has(n.id)) {
      // not linked yet: it takes its pending node's place when `resolved` is applied below
      state.nodes.set(n.id, { ...n, key: n.id, pending: false, linked: false });
    } else {
      addStored(state, n);
    }
    structural = true;
  }
  for (const s of msg.streams || []) {
    // a parent that is still pending in the browser keeps its key until `resolved` moves its children over
    const parent = s.parent !== null && s.parent !== undefined && state.nodes.get(s.parent)?.pending
      ? s.parent : currentKey(state, s.parent);
    addPending(state, { ...s, parent });
    structural = true;
  }
  let textChanged = false;
  for (const [key, more] of Object.entries(msg.text || {})) {
    const node = state.nodes.get(key);
    if (node && node.pending) {
      const text = (node.text ?? "") + more;
      node.text = text;
      node.snippet = text.slice(0, 200);
      node.n_chars = text.length;
      textChanged = true;
    }
  }
  // the reasoning of streaming answers grows like their text (shown folded: the ChatView, the details pane)
  for (const [key, more] of Object.entries(msg.reasoning || {})) {
    const node = state.nodes.get(key);
    if (node && node.pending && typeof more === "string") {
      node.reasoning = (node.reasoning ?? "") + more;
      textChanged = true;
    }
  }
  for (const r of resolved) {
    resolve(state, r.key, r.id);
    structural = true;
  }
  for (const key of msg.ended || []) {
    end(state, key);
    structural = true;
  }
  if (structural) reattachOrphans(state);
  if (structural) state.version++;
  if (textChanged) state.textVersion++;
  return structural ? "layout" : textChanged ? "text" : null;
}

/**
 * The parent key of `key` in a tree: a state, or a drawn view of one (view.js) whose `parentOf` map says.
 * @param {Tree} tree
 * @param {string} key
 * @returns {string | null}
 */
export function parentOf(tree, key) {
  if (tree.parentOf) return tree.parentOf.get(key) ?? null;
  const n = tree.nodes.get(key);
  return n ? n.parentKey ?? null : null;
}

/**
 * Keys from the root to `key` (inclusive), following parents (in a state or a view).
 * @param {Tree} state
 * @param {string | null} key
 */
export function pathTo(state, key) {
  /** @type {string[]} */
  const out = [];
  const seen = new Set();
  let k = key;
  while (k !== null && k !== undefined && state.nodes.has(k) && !seen.has(k)) {
    seen.add(k);
    out.push(k);
    k = parentOf(state, k);
  }
  return out.reverse();
}

/**
 * The child keys of `key` (null: the roots), in arrival order.
 * @param {Tree} state
 * @param {string | null} key
 */
export function childrenOf(state, key) {
  return state.children.get(key) || [];
}
