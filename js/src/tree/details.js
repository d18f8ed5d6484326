// The details pane: the whole selected message (its full text is asked of the kernel, which answers with a
// `message` carrying the request id), or a pending answer's streamed text.

import { el } from "../render.js";

const FIELDS = [["id", "id"], ["sender", "sender"], ["kind", "kind"], ["status", "status"], ["parent", "parent_id"],
  ["reply to", "reply_to_id"], ["original", "original_id"]];

/** The rows describing a full message: [label, text] pairs (absent fields left out, metadata as JSON). */
export function detailRows(msg) {
  const rows = [];
  for (const [label, field] of FIELDS) {
    const v = msg[field];
    if (v === null || v === undefined) continue;
    rows.push([label, String(v)]);
  }
  const meta = msg.metadata && Object.keys(msg.metadata).length ? JSON.stringify(msg.metadata, null, 1) : null;
  if (meta) rows.push(["metadata", meta]);
  return rows;
}

/** The pane `pane`; `requestMessage(key)` asks the kernel for a message and returns the request's id. */
export function createDetails(pane, requestMessage) {
  let pending = null; // the request whose answer is shown (an older answer arriving late is ignored)

  function showMessage(msg) {
    const dl = el("dl");
    for (const [label, text] of detailRows(msg)) dl.append(el("dt", {}, label), el("dd", {}, text));
    pane.replaceChildren(dl, el("pre", {}, msg.content));
  }

  return {
    /** Show the node `n` (key `key`): a pending one at once, a stored one once the kernel answers. */
    show(key, n) {
      if (!n) {
        pane.replaceChildren();
        return;
      }
      if (n.pending) {
        pane.replaceChildren(el("dl", {}, null), el("pre", {}, `${n.sender} (streaming)\n\n${n.text}`));
        return;
      }
      pending = requestMessage(key);
    },
    /** The kernel's `message` answer. */
    receive(reply) {
      if (reply.request_id === pending && reply.message) showMessage(reply.message);
    },
  };
}
