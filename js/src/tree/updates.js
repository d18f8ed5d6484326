// @ts-check
// The kernel's messages to the TreeView (docs/widget_protocol.md): a whole message for the details pane, an
// attachment's bytes, the search's results, the Graphviz engine's code, and the snapshots and deltas applied to the state (state.js): a
// change of structure lays the tree out again (and updates the details pane when the node it shows was sent
// again, e.g. a question answered), streamed text only refills the pending nodes and the pane. Each message ends
// with an `af-rendered` event on the widget's element (for tests and benchmarks: what arrived, and the longest
// streamed text so far).

import { applyMessage } from "../state.js";

/**
 * @param {object} deps
 * @param {import("../types.js").State} deps.state
 * @param {HTMLElement} deps.root
 * @param {ReturnType<typeof import("./scene.js").createScene>} deps.scene
 * @param {ReturnType<typeof import("./draw.js").createDrawing>} deps.drawing
 * @param {ReturnType<typeof import("./selection.js").createSelection>} deps.selection
 * @param {ReturnType<typeof import("./details.js").createDetails>} deps.details
 * @param {ReturnType<typeof import("./search.js").createSearch>} deps.search
 * @param {ReturnType<typeof import("./gvmode.js").createGraphvizMode>} deps.graphviz
 * @param {{handle: (msg: unknown) => boolean}} deps.attachments   the attachments' bytes (shared/attachments.js)
 * @param {(text: string) => void} deps.report
 * @returns {(msg: unknown, buffers?: ArrayBuffer[] | ArrayBufferView[]) => void} the handler of `msg:custom`
 */
export function createUpdates({ state, root, scene, drawing, selection, details, search, graphviz, attachments,
  report }) {
  return function receive(raw, buffers) {
    if (!raw || typeof raw !== "object") return;
    const msg = /** @type {import("../types.js").KernelMessage} */ (raw);
    if (msg.kind === "message") {
      details.receive(/** @type {import("./details.js").MessageReply} */ (msg));
      return;
    }
    if (msg.kind === "search-result") {
      search.receive(/** @type {{request_id?: unknown, ids?: unknown, total?: unknown, text?: unknown}} */ (msg));
      return;
    }
    if (msg.kind === "attachment") {
      attachments.handle(msg); // an attachment's bytes (get-attachment's answer): the thumbnails that wait for them
      return;
    }
    if (msg.kind === "graphviz-code") {
      graphviz.load(msg.code).then(() => scene.relayout())
        .catch((err) => report(`could not load the Graphviz layout: ${err}`));
      return;
    }
    let change;
    try {
      change = applyMessage(state, msg, buffers); // a snapshot's rows may come in a binary buffer
    } catch (err) {
      return report(String(err instanceof Error ? err.message : err));
    }
    if (change === "layout") {
      scene.relayout();
      selection.syncDetails();
      // the shown message was sent again (new notes: an annotation, an answered question): update the pane
      const shown = details.key;
      if (shown && msg.kind === "delta" && (msg.nodes || []).some((/** @type {{id?: string}} */ n) => n && n.id === shown)) {
        details.refresh(shown, state.nodes.get(shown));
      }
      // a streaming answer shown: its text and reasoning may have grown in the same delta
      const key = selection.selectedKey();
      if (key) details.update(key, state.nodes.get(key));
    } else if (change === "text") {
      drawing.retext();
      const key = selection.selectedKey();
      if (key) details.update(key, state.nodes.get(key));
    }
    let text = "";
    for (const n of state.nodes.values()) if (n.text && n.text.length > text.length) text = n.text;
    root.dispatchEvent(new CustomEvent("af-rendered", { detail: { kind: msg.kind, nodes: state.nodes.size, text } }));
  };
}
