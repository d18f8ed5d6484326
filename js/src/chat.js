// ChatView front end (anywidget): the branch ending at head_id as a transcript, pending answers streaming live.

import { applyMessage, childrenOf, createState, pathTo } from "./state.js";
import { el, nodeColour, nodeStatus } from "./render.js";
import { listen } from "./widget.js";

const CSS = `
.af-chat { font: 13px var(--jp-ui-font-family, system-ui, sans-serif); border: 1px solid #d5dbe3; border-radius: 6px;
  padding: 6px; max-height: 480px; overflow: auto; background: #fff; }
.af-msg { margin: 4px 0; padding: 6px 8px; border-radius: 6px; white-space: pre-wrap; word-break: break-word; }
.af-msg .af-who { font-weight: 600; font-size: 11px; display: block; color: #323f4b; margin-bottom: 2px; }
.af-msg.af-pending { border: 1px dashed #2563eb; }
.af-msg.af-cancelled, .af-msg.af-failed { opacity: 0.7; border: 1px dashed #6b7280; }
.af-msg.af-error { background: #fee2e2 !important; border: 1px solid #dc2626; }
`;

/** The keys to show: the path to the head, then pending answers that continue it. */
export function transcriptKeys(state, head) {
  const keys = head ? pathTo(state, head) : [];
  let tip = keys.length ? keys[keys.length - 1] : null;
  for (;;) {
    const next = childrenOf(state, tip).find((k) => state.nodes.get(k)?.pending);
    if (!next) break;
    keys.push(next);
    tip = next;
  }
  return keys;
}

function render({ model, el: host }) {
  const state = createState();
  const root = el("div", { class: "af-chat" });
  root.append(el("style", {}, CSS));
  const list = el("div");
  root.append(list);
  host.append(root);

  function draw() {
    const rows = transcriptKeys(state, model.get("head_id")).map((key) => {
      const n = state.nodes.get(key);
      const status = nodeStatus(n);
      const cls = status === "complete" ? "af-msg" : `af-msg af-${status}`; // af-pending, af-error, af-failed…
      const row = el("div", { class: cls, "data-key": key });
      row.style.background = nodeColour(n);
      const label = n.kind === "forward" ? `${n.sender} (forwarded)` : n.sender;
      const badge = !n.pending && n.status !== "complete" ? ` [${n.status}]` : "";
      // the kernel sends a transcript's nodes with their whole text
      const text = n.text ?? n.snippet;
      row.append(el("span", { class: "af-who" }, label + badge), document.createTextNode(text));
      return row;
    });
    list.replaceChildren(...rows);
    root.scrollTop = root.scrollHeight;
  }

  const onCustom = (msg) => {
    if (applyMessage(state, msg)) draw();
  };
  const unlisten = listen(model, { "msg:custom": onCustom, "change:head_id": draw });
  model.send({ kind: "ready" });
  return () => {
    unlisten();
    root.remove();
  };
}

export default { render };
