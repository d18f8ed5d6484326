// The TreeView's front end without a kernel: forum.to_html() embeds this bundle and the messages as JSON, and
// localModel() plays the kernel's part of the widget protocol (docs/widget_protocol.md) from that data: the
// snapshot, get-message, search. Actions that need the kernel (branch, regenerate, annotate ...) are reported in
// the error area. Built as an IIFE (global `agentforumStandalone`) so it can be inlined in the page.

import tree from "./tree.js";

const SNIPPET = 200;
/** Tool calls a node lists, and characters of a call's arguments (agentforum_nb/nodes.py MAX_CALLS, ARGS_CHARS). */
const MAX_CALLS = 20;
const ARGS_CHARS = 120;
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
const NEEDS_KERNEL = {
  branch: "branching",
  regenerate: "regenerating",
  edit: "editing",
  answer: "answering",
  annotate: "editing annotations",
  compare: "comparing branches",
  stop: "stopping calls",
  "load-graphviz": "the Graphviz layout",
};

/** The embedded data (format 1, agentforum_nb/_html.py) as full messages in stored order. */
export function expand(data) {
  if (!data || data.format !== 1 || !Array.isArray(data.messages)) {
    throw new Error("agentforum_nb: this file's data is not in a format this page reads");
  }
  const rows = data.messages;
  const ref = (r) => (typeof r === "number" ? rows[r][0] : r ?? null);
  return rows.map((row) => {
    const [id, parent, s, kind, status, content, replyTo, original, notes, metadata] = row;
    return {
      id,
      parent_id: ref(parent),
      reply_to_id: ref(replyTo),
      original_id: ref(original),
      sender: data.senders[s],
      colour: data.colours[s],
      kind,
      status,
      content,
      annotations: notes || {},
      metadata: metadata || {},
    };
  });
}

const SHOWN_NOTES = [
  "duration_s",
  "ttft_s",
  "tokens",
  "model",
  "usage",
  "sample",
  "label",
  "bookmark",
  "note",
  "score",
  "awaiting",
  "edited_from",
  "created_at",
];

/** JSON as Python's json.dumps(separators=(", ", ": "), ensure_ascii=False) writes it (keys in their order). */
export function compactJson(v) {
  if (v === null || v === undefined) return "null";
  if (Array.isArray(v)) return `[${v.map(compactJson).join(", ")}]`;
  if (typeof v === "object") {
    return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${compactJson(x)}`).join(", ")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

/** A tool call as a node shows it: its name and the start of its arguments as compact JSON (nodes.py _call_of). */
export function callOf(call) {
  const args = call.arguments;
  let text = args === null || args === undefined ? "" : compactJson(args);
  const chars = Array.from(text); // code points, as Python counts
  if (chars.length > ARGS_CHARS) text = chars.slice(0, ARGS_CHARS - 1).join("") + "…";
  return { id: String(call.id ?? ""), name: String(call.name ?? ""), arguments: text };
}

/** A message as the snapshot's node (the same shape agentforum_nb/nodes.py gives the live widget). */
export function nodeOf(m, byId) {
  const node = {
    id: m.id,
    parent: m.parent_id,
    sender: m.sender,
    colour: m.colour,
    kind: m.kind,
    status: m.status,
    snippet: m.content.slice(0, SNIPPET),
    n_chars: m.content.length,
    reply_to: m.reply_to_id,
    original: m.original_id,
  };
  if (m.kind === "forward" && m.original_id && byId.has(m.original_id)) node.author = byId.get(m.original_id).sender;
  const choices = m.metadata.choices;
  if (Array.isArray(choices) && choices.every((c) => typeof c === "string")) node.choices = choices;
  const calls = m.metadata.tool_calls;
  if (Array.isArray(calls) && calls.length) { // a model message that asks for tools
    node.tool_calls = calls.slice(0, MAX_CALLS).filter((c) => c && typeof c === "object" && !Array.isArray(c)).map(callOf);
  }
  const callId = m.metadata.tool_call_id;
  if (typeof callId === "string") { // a tool's result
    const error = m.metadata.tool_error;
    node.tool_result = { call_id: callId, ...(typeof error === "string" ? { error } : {}) };
  }
  const notes = {};
  for (const k of SHOWN_NOTES) if (k in m.annotations) notes[k] = m.annotations[k];
  if (Object.keys(notes).length) node.notes = notes;
  return node;
}

/** Full case folds that lower-casing leaves out (Python's str.casefold() maps these; the page has no Unicode
 * case-folding table): the letters people type. */
const FOLDS = { "ß": "ss", "ς": "σ", "ſ": "s", "ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st",
  "ﬆ": "st" };
const FOLDABLE = new RegExp(`[${Object.keys(FOLDS).join("")}]`, "gu");

/** The typed search text folded as the messages' texts are (their casefold() comes with the data). */
export function foldNeedle(text) {
  return text.toLowerCase().replace(FOLDABLE, (c) => FOLDS[c]);
}

/** A stand-in for the anywidget model: traits, change events, and the kernel's replies to custom messages. */
export function localModel(data) {
  const messages = expand(data);
  const byId = new Map(messages.map((m) => [m.id, m]));
  const folded = (data && data.folded) || {};
  const lower = messages.map((m, i) => folded[i] ?? m.content.toLowerCase());
  const traits = { ...TRAITS };
  const listeners = new Map();
  const emit = (event, ...args) => {
    for (const fn of [...(listeners.get(event) || [])]) fn(...args);
  };
  const reply = (content) => queueMicrotask(() => emit("msg:custom", content, []));
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
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event).add(fn);
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
  function handle(msg) {
    const kind = msg && msg.kind;
    if (kind === "ready") {
      reply({ kind: "snapshot", nodes: messages.map((m) => nodeOf(m, byId)), streams: [] });
    } else if (kind === "select" || kind === "checkout") {
      if (byId.has(msg.id)) model.set(kind === "select" ? "selected_id" : "head_id", msg.id);
    } else if (kind === "get-message") {
      const m = byId.get(msg.id);
      if (!m) return model.set("error", `no message ${String(msg.id).slice(0, 12)} in this file`);
      const { colour, annotations, ...fields } = m;
      reply({ kind: "message", request_id: msg.request_id, message: fields, annotations });
    } else if (kind === "search") {
      const text = foldNeedle(String(msg.text ?? ""));
      const ids = [];
      lower.forEach((c, i) => {
        if (c.includes(text)) ids.push(messages[i].id);
      });
      reply({ kind: "search-result", request_id: msg.request_id, text: msg.text, ids, total: ids.length });
    } else if (kind === "close-compare") {
      model.set("comparison", {});
    } else {
      const what = NEEDS_KERNEL[kind] || `"${String(kind).slice(0, 40)}"`;
      model.set("error", `this is an exported file: ${what} needs the notebook's kernel`);
    }
  }
  return model;
}

/** Render the tree of the embedded data into `el` (called by the exported page). */
export function show(el, data) {
  const model = localModel(data);
  if (data.title) document.title = data.title;
  tree.render({ model, el });
  return model;
}
