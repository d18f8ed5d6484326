// ChatView front end (anywidget): the branch ending at head_id as a transcript, pending answers streaming live.
// Message text is rendered as markdown through chat/markdown.js (elements built from tokens, never HTML).
// Each message whose parent has several children shows `‹ 2/3 ›`: an arrow asks the kernel to switch to that
// sibling's branch ({kind: "switch", id}); "regenerate" asks the linked TreeView's agent again.

import { applyMessage, childrenOf, createState, pathTo } from "./state.js";
import { el } from "./render.js";
import { listen } from "./widget.js";
import { applySiblings } from "./chat/branches.js";
import { CSS } from "./chat/style.js";
import { buildRow, messageView } from "./chat/view.js";

export const HINT = "no branch yet: check out a message in the TreeView, or pass head=";

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

/** The browser -> kernel message of a clicked button (null for none). */
export function actionMessage(button) {
  const action = button.getAttribute("data-action");
  const row = button.closest("[data-key]");
  const key = row ? row.getAttribute("data-key") : null;
  if (action === "prev" || action === "next") {
    const id = button.getAttribute("data-id");
    return id ? { kind: "switch", id } : null;
  }
  if ((action === "regenerate" || action === "edit") && key && !key.startsWith("~")) return { kind: action, id: key };
  return null;
}

const NEAR_BOTTOM = 40; // px: a reader this close to the end keeps following new text

function render({ model, el: host }) {
  const state = createState();
  const siblings = new Map();
  const root = el("div", { class: "af-chat" });
  const style = el("style", {}, CSS);
  const error = el("div", { class: "af-chat-error" });
  const hint = el("div", { class: "af-chat-hint" }, HINT);
  const list = el("div", { class: "af-chat-list" });
  root.append(style, error, hint, list);
  host.append(root);
  let rows = new Map(); // key -> {sig, row}: rows whose content did not change are kept (and their scroll)

  function draw(jumped = false) {
    const head = model.get("head_id") || "";
    const problem = model.get("error") || "";
    error.textContent = problem;
    error.hidden = !problem;
    hint.hidden = Boolean(head);
    const agents = new Set(model.get("agents") || []);
    const stick = jumped || list.scrollHeight - list.scrollTop - list.clientHeight < NEAR_BOTTOM;
    const next = new Map();
    const wanted = transcriptKeys(state, head).map((key) => {
      const view = messageView(state.nodes.get(key), siblings, agents);
      const sig = JSON.stringify({ ...view, text: null }); // the text is compared apart: usually the same string
      const old = rows.get(key);
      const row = old && old.sig === sig && old.text === view.text ? old.row : buildRow(view);
      next.set(key, { sig, text: view.text, row });
      return row;
    });
    rows = next;
    wanted.forEach((row, i) => {
      const at = list.children[i];
      if (at !== row) list.insertBefore(row, at || null);
    });
    while (list.children.length > wanted.length) list.lastChild.remove();
    list.hidden = wanted.length === 0;
    if (stick) list.scrollTop = list.scrollHeight;
  }

  const onCustom = (msg) => {
    const sib = applySiblings(siblings, msg);
    const changed = applyMessage(state, msg);
    if (changed || sib) draw(msg && msg.kind === "snapshot");
  };
  const onClick = (event) => {
    const b = event.target instanceof Element ? event.target.closest("button[data-action]") : null;
    if (!b || b.disabled || !list.contains(b)) return;
    const msg = actionMessage(b);
    if (msg) model.send(msg);
  };
  list.addEventListener("click", onClick);
  const unlisten = listen(model, {
    "msg:custom": onCustom,
    "change:head_id": () => draw(true),
    "change:error": () => draw(),
    "change:agents": () => draw(),
  });
  draw(true);
  model.send({ kind: "ready" });
  return () => {
    unlisten();
    list.removeEventListener("click", onClick);
    root.remove();
  };
}

export default { render };
