// @ts-check
// ChatView front end (anywidget): the branch ending at head_id as a transcript, pending answers streaming live.
// Message text is rendered as markdown through chat/markdown.js (elements built from tokens, never HTML).
// Each message with alternatives (the kernel's lists: samples, edits, branches a person made) shows `‹ 2/3 ›`: an
// arrow asks the kernel to switch to that alternative's branch ({kind: "switch", id}); "regenerate" asks the linked
// TreeView's agent again; "edit" opens the message's text in an inline editor whose save sends {kind: "edit", id,
// text}; a question an agent waits on (notes.awaiting) gets an answer box under it that sends {kind: "answer", id,
// text}. A view linked to no TreeView follows the latest run (the follow_latest trait): its bar says so and has a
// button that sends {kind: "follow", on}.

import { applyMessage, childrenOf, createState, pathTo } from "./state.js";
import { el } from "./render.js";
import { listen, sendReady } from "./widget.js";
import { applyAlternatives } from "./chat/branches.js";
import { CSS } from "./chat/style.js";
import { answerMessage } from "./shared/answer.js";
import { createAnswerBox, createEditor, editMessage } from "./chat/inputs.js";
import { FEATURES, buildRow, messageView } from "./chat/view.js";
import { attachmentsElement, attachmentsOf, createAttachmentStore } from "./shared/attachments.js";
import { reasoningFold, updateReasoning } from "./shared/reasoning.js";
import { costLine, costOf } from "./shared/cost.js";

export const HINT = "no branch yet: check out a message in the TreeView, or pass head=";
export const FOLLOW_HINT = "no branch yet: waiting for a run to start (e.g. agent.quick_call(…, forum=forum)), or pass head=";

/**
 * What the bar of an unlinked view says and offers (null: no bar, a view linked to a TreeView).
 * @param {{linked?: unknown, follow_latest?: unknown}} traits
 * @returns {{text: string, button: string, title: string, on: boolean} | null}
 */
export function followBar(traits) {
  if (traits.linked) return null;
  return traits.follow_latest
    ? { text: "following the latest run", button: "stop following", title: "stay on this branch when another run starts", on: false }
    : { text: "", button: "follow the latest run", title: "show each run started in this forum as it streams", on: true };
}

/**
 * The keys to show: the path to the head, then pending answers that continue it.
 * @param {import("./types.js").State} state
 * @param {string | null} head
 */
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

/**
 * The browser -> kernel message of a clicked button (null for none; "edit" opens the editor in the browser).
 * @param {Element} button
 * @returns {{kind: string, id: string} | null}
 */
export function actionMessage(button) {
  const action = button.getAttribute("data-action");
  const row = button.closest("[data-key]");
  const key = row ? row.getAttribute("data-key") : null;
  if (action === "prev" || action === "next") {
    const id = button.getAttribute("data-id");
    return id ? { kind: "switch", id } : null;
  }
  if (action === "regenerate" && key && !key.startsWith("~")) return { kind: action, id: key };
  return null;
}

const NEAR_BOTTOM = 40; // px: a reader this close to the end keeps following new text

/**
 * The element with the focus and its selection, when it is one of the transcript's inputs.
 * @param {HTMLElement} root
 * @returns {{active: HTMLInputElement | HTMLTextAreaElement, start: number | null, end: number | null} | null}
 */
function focusOf(root) {
  const active = root.ownerDocument.activeElement;
  if (!(active instanceof HTMLInputElement || active instanceof HTMLTextAreaElement) || !root.contains(active)) return null;
  return { active, start: active.selectionStart, end: active.selectionEnd };
}

/**
 * Give the focus back to an input that a rebuilt row moved (moving an element takes its focus away).
 * @param {ReturnType<typeof focusOf>} saved
 */
function refocus(saved) {
  if (!saved || !saved.active.isConnected || saved.active.ownerDocument.activeElement === saved.active) return;
  saved.active.focus();
  try {
    saved.active.setSelectionRange(saved.start, saved.end);
  } catch {
    // an input type without a selection
  }
}

/**
 * @param {{model: import("./types.js").Model, el: HTMLElement}} props
 */
function render({ model, el: host }) {
  const state = createState();
  const alternatives = new Map();
  const root = el("div", { class: "af-chat" });
  const style = el("style", {}, CSS);
  const error = el("div", { class: "af-chat-error" });
  const bar = el("div", { class: "af-chat-bar" });
  const following = el("span", { class: "af-chat-following" });
  const followButton = el("button", { type: "button", class: "af-chat-follow" });
  bar.append(following, followButton);
  const hint = el("div", { class: "af-chat-hint" }, HINT);
  const total = el("div", { class: "af-chat-total" });
  const list = el("div", { class: "af-chat-list" });
  root.append(style, error, bar, hint, total, list);
  const files = createAttachmentStore(model);
  /** @type {Map<string, HTMLDetailsElement>} key -> its reasoning fold, kept (open or not) as the text grows */
  let folds = new Map();
  /** @type {Map<string, {sig: string, el: HTMLElement}>} key -> its attachments' element */
  let attached = new Map();
  host.append(root);
  /** @type {Map<string, {sig: string, text: string, row: HTMLElement}>} rows whose content did not change are kept */
  let rows = new Map();
  /** @type {ReturnType<typeof createEditor> | null} the open editor (one at a time), kept with what was typed */
  let editor = null;
  /** @type {Map<string, ReturnType<typeof createAnswerBox>>} question id -> its answer box, while it waits */
  const answers = new Map();

  /**
   * @param {boolean} [jumped]
   */
  function draw(jumped = false) {
    const head = model.get("head_id") || "";
    const problem = model.get("error") || "";
    error.textContent = problem;
    error.hidden = !problem;
    const follow = followBar({ linked: model.get("linked"), follow_latest: model.get("follow_latest") });
    bar.hidden = !follow;
    if (follow) {
      following.textContent = follow.text;
      following.hidden = !follow.text;
      followButton.textContent = follow.button;
      followButton.title = follow.title;
    }
    hint.textContent = follow && !follow.on ? FOLLOW_HINT : HINT;
    hint.hidden = Boolean(head);
    const agents = new Set(model.get("agents") || []);
    const stick = jumped || list.scrollHeight - list.scrollTop - list.clientHeight < NEAR_BOTTOM;
    const focused = focusOf(list);
    const keys = transcriptKeys(state, head);
    if (editor && !keys.includes(editor.id)) editor = null; // its message left the transcript (e.g. saved)
    const waiting = new Set();
    /** @type {typeof rows} */
    const next = new Map();
    /** @type {typeof folds} */
    const nextFolds = new Map();
    /** @type {typeof attached} */
    const nextAttached = new Map();
    const priced = costLine(costOf(keys.map((k) => state.nodes.get(k))));
    total.textContent = priced ? `this branch: ${priced}` : "";
    total.hidden = !priced;
    const open = editor;
    /** @type {HTMLElement[]} */
    const wanted = [];
    for (const key of keys) {
      const n = state.nodes.get(key);
      if (!n) continue;
      const view = messageView(n, alternatives, agents, FEATURES, open ? open.id : null);
      let answer = null;
      const id = n.id;
      if (view.question && id) {
        waiting.add(id);
        answer = answers.get(id);
        if (!answer) {
          answer = createAnswerBox(id, view.question, { onSend: (text) => model.send(answerMessage(id, text)) });
          answers.set(id, answer);
        }
      }
      let fold = folds.get(key) || null;
      if (!fold && view.reasoning && !n.pending) {
        // a streamed answer just stored (resolved in a delta, or in the snapshot of the branch the view followed
        // it to): its fold, open or not, stays, under the message's id
        for (const [k, f] of folds) {
          if (!k.startsWith("~")) continue;
          const same = f.querySelector(".af-reasoning-text")?.textContent === view.reasoning;
          if (state.aliases.get(k) === key || same) fold = f;
        }
      }
      if (view.reasoning) {
        if (fold) updateReasoning(fold, view.reasoning, view.live);
        else fold = reasoningFold(document, view.reasoning, view.live);
        if (fold) nextFolds.set(key, fold);
      }
      let files_ = null;
      if (view.attachments) {
        const had = attached.get(key);
        files_ = had && had.sig === view.attachments ? had.el : attachmentsElement(document, attachmentsOf(n.attachments), files);
        if (files_) nextAttached.set(key, { sig: view.attachments, el: files_ });
      }
      // the text and the reasoning are compared apart (usually the same strings); the fold grows in place
      const sig = JSON.stringify({ ...view, text: null, reasoning: view.reasoning ? 1 : 0 });
      const old = rows.get(key);
      const inputs = { editor: view.editing && open ? open.el : null, answer: answer ? answer.el : null,
        reasoning: fold, attachments: files_ };
      const row = old && old.sig === sig && old.text === view.text ? old.row : buildRow(view, inputs);
      next.set(key, { sig, text: view.text, row });
      wanted.push(row);
    }
    for (const id of [...answers.keys()]) if (!waiting.has(id)) answers.delete(id); // answered (here or elsewhere)
    // a stream's fold not shown in this draw (stored, the head not moved to it yet) is kept for its message
    const used = new Set(nextFolds.values());
    for (const [k, f] of folds) {
      if (k.startsWith("~") && !used.has(f) && (state.nodes.has(k) || state.aliases.has(k))) nextFolds.set(k, f);
    }
    rows = next;
    folds = nextFolds;
    attached = nextAttached;
    wanted.forEach((row, i) => {
      const at = list.children[i];
      if (at !== row) list.insertBefore(row, at || null);
    });
    while (list.children.length > wanted.length) list.lastElementChild?.remove();
    list.hidden = wanted.length === 0;
    refocus(focused);
    if (stick) list.scrollTop = list.scrollHeight;
  }

  /**
   * @param {string} key
   */
  function openEditor(key) {
    const n = state.nodes.get(key);
    if (!n || n.pending || !n.id) return;
    const id = n.id;
    const ed = createEditor(id, n.text ?? n.snippet ?? "", {
      onSave: (text) => model.send(editMessage(id, text)),
      onCancel: () => {
        if (editor && editor.id === id) editor = null;
        draw();
      },
    });
    editor = ed;
    draw();
    ed.focus();
  }

  /**
   * @param {unknown} msg
   */
  const onCustom = (msg) => {
    if (files.handle(msg)) return;
    const alts = applyAlternatives(alternatives, msg);
    const changed = applyMessage(state, msg);
    if (changed || alts) draw(!!msg && typeof msg === "object" && "kind" in msg && msg.kind === "snapshot");
  };
  const onError = () => {
    if (model.get("error")) {
      // the kernel refused what was sent: the editor and the answer boxes can be used again
      if (editor && editor.busy) editor.fail();
      for (const a of answers.values()) if (a.busy) a.fail();
    }
    draw();
  };
  /**
   * @param {MouseEvent} event
   */
  const onClick = (event) => {
    const b = event.target instanceof Element ? event.target.closest("button[data-action]") : null;
    if (!(b instanceof HTMLButtonElement) || b.disabled || !list.contains(b)) return;
    if (b.getAttribute("data-action") === "edit") {
      const row = b.closest("[data-key]");
      const key = row && row.getAttribute("data-key");
      if (key) openEditor(key);
      return;
    }
    const msg = actionMessage(b);
    if (msg) model.send(msg);
  };
  const onFollow = () => {
    const follow = followBar({ linked: model.get("linked"), follow_latest: model.get("follow_latest") });
    if (follow) model.send({ kind: "follow", on: follow.on });
  };
  list.addEventListener("click", onClick);
  followButton.addEventListener("click", onFollow);
  const unlisten = listen(model, {
    "msg:custom": onCustom,
    "change:head_id": () => draw(true),
    "change:error": onError,
    "change:agents": () => draw(),
    "change:follow_latest": () => draw(),
    "change:linked": () => draw(),
  });
  draw(true);
  const unready = sendReady(model, host); // says so when the host never answers (docs/hosts.md)
  return () => {
    unlisten();
    unready();
    list.removeEventListener("click", onClick);
    followButton.removeEventListener("click", onFollow);
    files.destroy();
    root.remove();
  };
}

export default { render };
