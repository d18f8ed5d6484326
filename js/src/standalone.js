// @ts-check
// The TreeView's front end without a kernel: forum.to_html() embeds this bundle and the messages as JSON, and
// localModel() plays the kernel's part of the widget protocol (docs/widget_protocol.md) from that data: the
// snapshot, get-message, search, get-attachment. Actions that need the kernel (branch, regenerate, annotate ...) are
// reported in the error area. Built as an IIFE (global `agentforumStandalone`) so it can be inlined in the page.

import tree from "./tree.js";
import { nodeOfRow } from "./rows.js";

export { nodesOfRows } from "./rows.js";

/** The names of the notebook traits the front end reads, with a read-only export's values. */
const TRAITS = {
  selected_id: "",
  head_id: "",
  agents: [],
  root_id: "",
  error: "",
  notice: "",
  mode: "tidy",
  budget: 20000,
  comparison: {},
  readonly: true,
};
/** The browser messages only a kernel can answer, and what they are for. */
const NEEDS_KERNEL = new Map([
  ["branch", "branching"],
  ["regenerate", "regenerating"],
  ["edit", "editing"],
  ["answer", "answering"],
  ["annotate", "editing annotations"],
  ["compare", "comparing branches"],
  ["stop", "stopping calls"],
  ["load-graphviz", "the Graphviz layout"],
]);

/**
 * The embedded data (format 2, agentforum_nb/_html.py; see its docstring for the rows).
 * @typedef {{format: number, title?: string, senders: string[], colours: string[], messages: any[][],
 *            folded?: Record<string, string>, attachments?: Record<string, [string, string]>}} EmbeddedData
 * @typedef {import("./types.js").WireNode} WireNode
 * @typedef {{node: WireNode, message: import("./tree/details.js").FullMessage, annotations: Record<string, unknown>}} Expanded
 */

/**
 * The embedded data (format 2, agentforum_nb/_html.py): each message's node as agentforum_nb/nodes.py made it for
 * the live TreeView, rebuilt from its compact row without computing anything again (the snippet is cut where the
 * row says), and its whole message and annotations for the details pane. In stored order.
 * @param {EmbeddedData} data
 * @returns {Expanded[]}
 */
export function expand(data) {
  if (!data || data.format !== 2 || !Array.isArray(data.messages)) {
    throw new Error("agentforum_nb: this file's data is not in a format this page reads");
  }
  const rows = { senders: data.senders, colours: data.colours, rows: data.messages };
  return data.messages.map((row, i) => {
    const [id, , , kind, status, content, , , , , , more, metadata] = row;
    const node = nodeOfRow(rows, i);
    const message = {
      id,
      parent_id: node.parent,
      reply_to_id: node.reply_to,
      original_id: node.original,
      kind,
      sender: node.sender,
      status,
      content,
      metadata: metadata || {},
    };
    return { node, message, annotations: { ...(node.notes || {}), ...(more || {}) } };
  });
}

/**
 * The snapshot's nodes of the embedded data: what the live TreeView's first snapshot of the forum holds.
 * @param {EmbeddedData} data
 */
export function snapshotNodes(data) {
  return expand(data).map((m) => m.node);
}

/** Full case folds that lower-casing leaves out (Python's str.casefold() maps these; the page has no Unicode
 * case-folding table): the letters people type. */
/** @type {Record<string, string>} */
const FOLDS = { "ß": "ss", "ς": "σ", "ſ": "s", "ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st",
  "ﬆ": "st" };
const FOLDABLE = new RegExp(`[${Object.keys(FOLDS).join("")}]`, "gu");

/**
 * The typed search text folded as the messages' texts are (their casefold() comes with the data).
 * @param {string} text
 */
export function foldNeedle(text) {
  return text.toLowerCase().replace(FOLDABLE, (c) => FOLDS[c]);
}

/**
 * A stand-in for the anywidget model: traits, change events, and the kernel's replies to custom messages. The
 * messages it answers are a fixed table (kind -> handler); any other kind is refused in the error area.
 * @param {EmbeddedData} data
 */
export function localModel(data) {
  const messages = expand(data);
  const byId = new Map(messages.map((m) => [m.node.id, m]));
  /** @type {Record<string, string>} */
  const folded = (data && data.folded) || {};
  const lower = messages.map((m, i) => folded[i] ?? m.message.content.toLowerCase());
  /** @type {Record<string, unknown>} */
  const traits = { ...TRAITS };
  /** @type {Map<string, Set<(...args: any[]) => void>>} */
  const listeners = new Map();
  /**
   * @param {string} event
   * @param {...unknown} args
   */
  const emit = (event, ...args) => {
    for (const fn of [...(listeners.get(event) || [])]) fn(...args);
  };
  /** @param {Record<string, unknown>} content */
  const reply = (content) => queueMicrotask(() => emit("msg:custom", content, []));
  /** @type {import("./types.js").Model & {messages: Expanded[]}} */
  const model = {
    messages,
    get: (name) => traits[name],
    set(name, value) {
      if (traits[name] === value) return;
      traits[name] = value;
      emit(`change:${name}`, model, value);
    },
    save_changes() {},
    on(event, fn) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(fn);
    },
    off(event, fn) {
      if (!event) listeners.clear();
      else if (!fn) listeners.delete(event);
      else listeners.get(event)?.delete(fn);
    },
    send(content) {
      queueMicrotask(() => handle(content));
    },
  };
  /** @typedef {(msg: Record<string, any>) => void} Handler */
  const handlers = new Map(/** @type {[string, Handler][]} */ ([
    // the rows themselves (rows.js): the state makes its nodes from them, no copies
    ["ready", () => reply({ kind: "snapshot", senders: data.senders, colours: data.colours, rows: data.messages,
      streams: [] })],
    ["select", (msg) => {
      if (byId.has(msg.id)) model.set("selected_id", msg.id);
    }],
    ["checkout", (msg) => {
      if (byId.has(msg.id)) model.set("head_id", msg.id);
    }],
    ["get-message", (msg) => {
      const m = byId.get(msg.id);
      if (!m) return model.set("error", `no message ${String(msg.id).slice(0, 12)} in this file`);
      reply({ kind: "message", request_id: msg.request_id, message: m.message, annotations: m.annotations });
    }],
    ["search", (msg) => {
      const text = foldNeedle(String(msg.text ?? ""));
      /** @type {string[]} */
      const ids = [];
      lower.forEach((c, i) => {
        if (c.includes(text)) ids.push(messages[i].node.id);
      });
      reply({ kind: "search-result", request_id: msg.request_id, text: msg.text, ids, total: ids.length });
    }],
    ["close-compare", () => model.set("comparison", {})],
    // the file's attachments' bytes ({sha256: [media_type, base64]}): the details pane's thumbnails and downloads
    ["get-attachment", (msg) => {
      const found = data.attachments && typeof msg.sha256 === "string" ? data.attachments[msg.sha256] : undefined;
      if (!Array.isArray(found)) {
        return model.set("error", `the attachment ${String(msg.sha256).slice(0, 12)} is not in this file`);
      }
      reply({ kind: "attachment", request_id: msg.request_id, sha256: msg.sha256, data: found[1] });
    }],
  ]));
  /** @param {unknown} raw */
  function handle(raw) {
    const msg = raw && typeof raw === "object" ? /** @type {Record<string, any>} */ (raw) : {};
    const kind = typeof msg.kind === "string" ? msg.kind : "";
    const handler = handlers.get(kind);
    if (handler) return handler(msg);
    const what = NEEDS_KERNEL.get(kind) || `"${String(msg.kind).slice(0, 40)}"`;
    model.set("error", `this is an exported file: ${what} needs the notebook's kernel`);
  }
  return model;
}

/**
 * Render the tree of the embedded data into `el` (called by the exported page).
 * @param {HTMLElement} el
 * @param {EmbeddedData} data
 */
export function show(el, data) {
  const model = localModel(data);
  if (data.title) document.title = data.title;
  tree.render({ model, el });
  return model;
}
