// The browser-side model of a forum tree: stored nodes and pending (still streaming) responses.
// Pure logic, no DOM: it applies the kernel's `snapshot` and `delta` messages (docs/widget_protocol.md).

/**
 * @typedef {{id: string, parent: string|null, sender: string, kind: string, status: string, snippet: string,
 *            n_chars: number, reply_to: string|null, original: string|null}} StoredNode
 * @typedef {{key: string, parent: string|null, sender: string, text: string}} PendingNode
 */

export function createState() {
  return {
    /** @type {Map<string, any>} key (id or "~n") -> node; pending nodes have `pending: true` */
    nodes: new Map(),
    /** @type {Map<string|null, string[]>} parent key -> child keys in arrival order (null: roots) */
    children: new Map([[null, []]]),
    /** @type {Map<string, string>} stream key -> the stored id it resolved to */
    aliases: new Map(),
    version: 0, // bumped when the structure changes (a relayout is needed)
    textVersion: 0, // bumped when only streaming text changed
  };
}

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

function unlink(state, parent, key) {
  const list = state.children.get(parent);
  if (!list) return -1;
  const i = list.indexOf(key);
  if (i >= 0) list.splice(i, 1);
  return i;
}

/** The fields of a node that may go away when it is sent again (an annotation removed, a question answered). */
const REPLACED = ["notes", "choices", "tool_calls", "tool_result"];

function addStored(state, n) {
  if (state.nodes.has(n.id)) {
    const node = state.nodes.get(n.id);
    for (const k of REPLACED) if (!(k in n)) delete node[k];
    Object.assign(node, n, { pending: false });
    return;
  }
  const node = { ...n, key: n.id, pending: false };
  state.nodes.set(n.id, node);
  node.parentKey = link(state, n.parent, n.id);
  // nodes that arrived before their parent (e.g. a subtree root) are re-attached when it arrives
  const roots = state.children.get(null);
  for (const k of [...roots]) {
    const orphan = state.nodes.get(k);
    if (orphan && orphan.parent === n.id) {
      unlink(state, null, k);
      orphan.parentKey = link(state, n.id, k);
    }
  }
}

function addPending(state, s) {
  if (state.nodes.has(s.key)) return;
  const node = {
    key: s.key, id: null, parent: s.parent, sender: s.sender, colour: s.colour, kind: "message", status: "streaming",
    snippet: s.text || "", text: s.text || "", n_chars: (s.text || "").length, reply_to: null, original: null,
    pending: true,
  };
  if (typeof s.author === "string") node.author = s.author; // a forward in progress: whose text it is
  if (typeof s.run === "string") node.run = s.run;
  state.nodes.set(s.key, node);
  node.parentKey = link(state, s.parent, s.key);
}

/** A pending node became a stored message: it takes the id and keeps its place among its siblings. */
function resolve(state, key, id) {
  const pending = state.nodes.get(key);
  if (!pending || !pending.pending) {
    // the browser never saw this stream: its message, held back for it, goes under its own parent
    const stored = state.nodes.get(id);
    if (stored && !stored.linked) stored.parentKey = link(state, stored.parent, id);
    return;
  }
  const parentKey = pending.parentKey;
  const siblings = state.children.get(parentKey) || [];
  const at = siblings.indexOf(key);
  let stored = state.nodes.get(id);
  if (stored && stored.linked) {
    // the same message was already in the tree (identical content): the pending node just goes away
    if (at >= 0) siblings.splice(at, 1);
  } else {
    if (!stored) {
      stored = { ...pending, id, key: id, pending: false, status: "complete", snippet: pending.text.slice(0, 200) };
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

function end(state, key) {
  const node = state.nodes.get(key);
  if (!node) return;
  unlink(state, node.parentKey, key);
  state.nodes.delete(key);
  const kids = state.children.get(key) || [];
  state.children.delete(key);
  for (const k of kids) end(state, k);
}

/** The key a stream's `parent` names now: a key resolved to a stored id (earlier or in this delta) is that id. */
function currentKey(state, key) {
  let k = key;
  for (let i = 0; i < 8 && k !== null && k !== undefined && state.aliases.has(k); i++) k = state.aliases.get(k);
  return k ?? null;
}

/** Is `ancestor` on the path from `key` up to its root? (guards a re-attachment against making a cycle) */
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
 * parent, a stream whose parent was stored in the same delta). */
function reattachOrphans(state) {
  const roots = state.children.get(null);
  for (const k of [...roots]) {
    const node = state.nodes.get(k);
    if (!node || node.parent === null || node.parent === undefined) continue;
    const p = currentKey(state, node.parent);
    if (p !== node.parent && node.pending) node.parent = p;
    if (!state.nodes.has(p) || isAncestorOrSelf(state, k, p)) continue;
    unlink(state, null, k);
    node.parentKey = link(state, p, k);
  }
}

/** Apply one kernel message; returns "layout" when the structure changed, "text" for text only, else null. */
export function applyMessage(state, msg) {
  if (!msg || typeof msg !== "object") return null;
  if (msg.kind === "snapshot") {
    const fresh = createState();
    state.nodes = fresh.nodes;
    state.children = fresh.children;
    for (const n of msg.nodes || []) addStored(state, n);
    for (const s of msg.streams || []) addPending(state, { ...s, parent: currentKey(state, s.parent) });
    reattachOrphans(state);
    state.version++;
    return "layout";
  }
  if (msg.kind !== "delta") return null;
  // Order (docs/widget_protocol.md): stored nodes, then new streams (a stream's parent may be a key resolved in
  // this same delta: it is looked up through `resolved`), then text, then resolved keys, then ended streams.
  let structural = false;
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
    const parent = s.parent !== null && s.parent !== undefined && state.nodes.has(s.parent) && state.nodes.get(s.parent).pending
      ? s.parent : currentKey(state, s.parent);
    addPending(state, { ...s, parent });
    structural = true;
  }
  let textChanged = false;
  for (const [key, more] of Object.entries(msg.text || {})) {
    const node = state.nodes.get(key);
    if (node && node.pending) {
      node.text += more;
      node.snippet = node.text.slice(0, 200);
      node.n_chars = node.text.length;
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

/** The parent key of `key` in a tree: a state, or a drawn view of one (view.js) whose `parentOf` map says. */
export function parentOf(tree, key) {
  if (tree.parentOf) return tree.parentOf.get(key) ?? null;
  const n = tree.nodes.get(key);
  return n ? n.parentKey ?? null : null;
}

/** Keys from the root to `key` (inclusive), following parents (in a state or a view). */
export function pathTo(state, key) {
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

export function childrenOf(state, key) {
  return state.children.get(key) || [];
}
