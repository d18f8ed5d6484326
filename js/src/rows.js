// @ts-check
// Compact rows of nodes (agentforum_nb/nodes.py node_rows; forum.to_html's data format 2, agentforum_nb/_html.py):
// one array per message instead of an object, parents as row indices, senders by index. A large tree's snapshot
// comes this way (docs/widget_protocol.md), in a binary buffer of UTF-8 JSON; the exported file embeds the same
// rows with each message's whole text.
//
//   [id, parent, sender, kind, status, content, n_chars, extra, cut, reply_to, original, more_notes, metadata]
//
// `parent`, `reply_to` and `original`: a row's index, or an id not in the rows; `extra`: the node's other fields;
// the snippet is `content`, or its first `cut` UTF-16 code units when `cut` is a number.

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
 * The rows of a snapshot: `rows` itself, or `{buffer: i}`, the i-th binary buffer of the message (UTF-8 JSON).
 * @param {unknown} rows
 * @param {ArrayBuffer[] | ArrayBufferView[] | undefined} buffers
 * @returns {any[][]}
 */
export function rowsOf(rows, buffers) {
  if (Array.isArray(rows)) return rows;
  const at = rows && typeof rows === "object" ? /** @type {{buffer?: unknown}} */ (rows).buffer : undefined;
  const buffer = typeof at === "number" && buffers ? buffers[at] : undefined;
  if (!buffer) throw new Error("agentforum_nb: a snapshot's rows are missing from the message");
  const parsed = JSON.parse(new TextDecoder().decode(buffer));
  if (!Array.isArray(parsed)) throw new Error("agentforum_nb: a snapshot's rows are not a list");
  return parsed;
}
