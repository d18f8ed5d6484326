// @ts-check
// Nodes in compact forms (docs/widget_protocol.md). Rows: forum.to_html's data format 2 (agentforum_nb/_html.py),
// one array per message, parents as row indices, senders by index:
//
//   [id, parent, sender, kind, status, content, n_chars, extra, cut, reply_to, original, more_notes, metadata]
//
// `parent`, `reply_to` and `original`: a row's index, or an id not in the rows; `extra`: the node's other fields;
// the snippet is `content`, or its first `cut` UTF-16 code units when `cut` is a number. Columns: a large tree's
// snapshot from the kernel (agentforum_nb/nodes.py node_columns), one array per field, in a binary buffer of UTF-8
// JSON: the quickest to make in Python and to read here.

/** @typedef {import("./types.js").WireNode} WireNode */

/**
 * The rows' data: `senders` and their `colours` (by index), and the rows.
 * @typedef {{senders: string[], colours: string[], rows: any[][]}} Rows
 */

/**
 * The node of row `i` (a new object: the state keeps it).
 * @param {Rows} data
 * @param {number} i
 * @returns {WireNode}
 */
export function nodeOfRow(data, i) {
  const rows = data.rows;
  /** @param {unknown} r @returns {string | null} */
  const ref = (r) => (typeof r === "number" ? rows[r][0] : /** @type {string | null | undefined} */ (r) ?? null);
  const [id, parent, s, kind, status, content, nChars, extra, cut, replyTo, original] = rows[i];
  /** @type {WireNode} */
  const node = {
    id,
    parent: ref(parent),
    sender: data.senders[s],
    colour: data.colours[s],
    kind,
    status,
    snippet: typeof cut === "number" ? content.slice(0, cut) : content,
    n_chars: nChars,
    reply_to: ref(replyTo),
    original: ref(original),
  };
  return extra ? Object.assign(node, extra) : node;
}

/**
 * All the nodes of the rows, in order.
 * @param {Rows} data
 * @returns {WireNode[]}
 */
export function nodesOfRows(data) {
  const out = new Array(data.rows.length);
  for (let i = 0; i < out.length; i++) out[i] = nodeOfRow(data, i);
  return out;
}

/**
 * A snapshot's field that may come in a binary buffer: the value itself, or for `{buffer: i}` the i-th binary
 * buffer of the message, parsed (UTF-8 JSON).
 * @param {unknown} value
 * @param {ArrayBuffer[] | ArrayBufferView[] | undefined} buffers
 * @returns {any}
 */
export function inBuffer(value, buffers) {
  const at = value && typeof value === "object" && !Array.isArray(value)
    ? /** @type {{buffer?: unknown}} */ (value).buffer : undefined;
  if (at === undefined) return value;
  const buffer = typeof at === "number" && buffers ? buffers[at] : undefined;
  if (!buffer) throw new Error("agentforum_nb: a snapshot's nodes are missing from the message");
  return JSON.parse(new TextDecoder().decode(buffer));
}

/**
 * The columns of a snapshot (agentforum_nb/nodes.py node_columns).
 * @typedef {{n: number, ids: string, parent: (number | string)[], sender: number[], senders: string[],
 *            colours: string[], kind: number[], kinds: string[], status: number[], statuses: string[],
 *            snippet: string[], n_chars: number[], reply_to: [number, number | string][],
 *            original: [number, number | string][], extra: [number, Record<string, any>][]}} Columns
 */

/**
 * The nodes of columns (new objects: the state keeps them).
 * @param {Columns} c
 * @returns {WireNode[]}
 */
export function nodesOfColumns(c) {
  if (!c || typeof c.n !== "number" || typeof c.ids !== "string" || c.ids.length !== 64 * c.n) {
    throw new Error("agentforum_nb: a snapshot's columns are not in a form this page reads");
  }
  const { n, ids, parent, sender, senders, colours, kind, kinds, status, statuses, snippet, n_chars: chars } = c;
  /** @type {WireNode[]} */
  const out = new Array(n);
  const idOf = (/** @type {number} */ i) => ids.slice(64 * i, 64 * i + 64);
  for (let i = 0; i < n; i++) {
    const p = parent[i];
    const s = sender[i];
    out[i] = {
      id: idOf(i),
      parent: typeof p === "number" ? (p < 0 ? null : idOf(p)) : p,
      sender: senders[s],
      colour: colours[s],
      kind: kinds[kind[i]],
      status: statuses[status[i]],
      snippet: snippet[i],
      n_chars: chars[i],
      reply_to: null,
      original: null,
    };
  }
  /** @param {number | string} r */
  const ref = (r) => (typeof r === "number" ? idOf(r) : r);
  for (const [i, r] of c.reply_to) out[i].reply_to = ref(r);
  for (const [i, r] of c.original) out[i].original = ref(r);
  for (const [i, extra] of c.extra) Object.assign(out[i], extra);
  return out;
}
