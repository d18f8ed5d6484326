// The details pane: the whole selected message (its full text is asked of the kernel, which answers with a
// `message` carrying the request id; an error message may come with the Python traceback behind it), or a
// pending answer's streamed text, updated as it streams. When the pending answer is stored, the pane asks for
// the stored message (the renderer calls show() again with its id).

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

/** The header of a streaming answer (who, and whose text when it is a forward in progress). */
export function pendingTitle(n) {
  const who = n.author && n.author !== n.sender ? `${n.author} via ${n.sender}` : n.sender;
  return `${who} (streaming${n.run ? `, run ${n.run}` : ""})`;
}

/** The pane `pane`; `requestMessage(key)` asks the kernel for a message and returns the request's id. */
export function createDetails(pane, requestMessage) {
  let pending = null; // the request whose answer is shown (an older answer arriving late is ignored)
  let shownKey = null; // the key shown
  let streamText = null; // the <pre> of a streaming answer

  function showMessage(msg, traceback) {
    const dl = el("dl");
    for (const [label, text] of detailRows(msg)) dl.append(el("dt", {}, label), el("dd", {}, text));
    const parts = [dl, el("pre", {}, msg.content)];
    if (typeof traceback === "string" && traceback) {
      parts.push(el("div", { class: "af-tb-title" }, "traceback"), el("pre", { class: "af-traceback" }, traceback));
    }
    pane.replaceChildren(...parts);
  }

  return {
    get key() {
      return shownKey;
    },
    /** Show the node `n` (key `key`): a pending one at once, a stored one once the kernel answers. */
    show(key, n) {
      shownKey = n ? key : null;
      streamText = null;
      if (!n) {
        pending = null;
        pane.replaceChildren();
        return;
      }
      if (n.pending) {
        pending = null;
        streamText = el("pre", {}, n.text);
        pane.replaceChildren(el("div", { class: "af-live" }, pendingTitle(n)), streamText);
        return;
      }
      pending = requestMessage(key);
    },
    /** The shown pending node's text grew. */
    update(key, n) {
      if (key === shownKey && streamText && n && n.pending) streamText.textContent = n.text;
    },
    /** The kernel's `message` answer. */
    receive(reply) {
      if (reply.request_id === pending && reply.message) showMessage(reply.message, reply.traceback);
    },
  };
}
