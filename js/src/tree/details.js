// @ts-check
// The details pane: the whole selected message (its full text is asked of the kernel, which answers with a
// `message` carrying the request id, all the message's annotations, and for an error message the Python traceback
// behind it while it is alive), or a pending answer's streamed text, updated as it streams. When the pending
// answer is stored, the pane asks for the stored message (the renderer calls show() again with its id).
// For a stored message it also shows: the answer box of a question waiting for the user (question.js), every
// annotation and the form editing label / bookmark / note / score (annotate.js), the totals of its subtree, and on
// "edit" the message editor (editor.js). A read-only export (no kernel) shows the annotations without the form,
// the answer box or the editor. When the shown node is sent again (new notes), refresh() asks for the message
// again and updates the pane in place: what the user is typing stays.

import { el } from "../render.js";
import { annotationRows, createAnnotationForm, totalsText } from "./annotate.js";
import { questionOf } from "../shared/answer.js";
import { answerBox } from "./question.js";
import { messageEditor } from "./editor.js";

/**
 * A whole message, as the kernel's `message` reply carries it (agentforum_nb/nodes.py full_message).
 * @typedef {{id: string, parent_id: string | null, reply_to_id: string | null, original_id: string | null, kind: string,
 *            sender: string, status: string, content: string, metadata: Record<string, unknown>}} FullMessage
 * @typedef {{request_id?: unknown, message?: FullMessage, annotations?: unknown, traceback?: unknown}} MessageReply
 */

/**
 * @typedef {object} DetailsDeps
 * @property {(key: string) => number} requestMessage   asks the kernel for a message; the request's id
 * @property {boolean} [readonly]
 * @property {(key: string, values: Record<string, unknown>) => void} [annotate]
 * @property {(key: string, text: string) => void} [edit]
 * @property {(key: string, text: string) => void} [answer]
 * @property {(text: string) => void} [report]
 * @property {(key: string) => import("./annotate.js").Totals | null} [totals]
 */

/** @typedef {"ask" | "head" | "content" | "annots" | "form" | "totals" | "traceback"} SlotName */
const SLOTS = /** @type {SlotName[]} */ (["ask", "head", "content", "annots", "form", "totals", "traceback"]);

/** @type {[string, keyof FullMessage][]} */
const FIELDS = [["id", "id"], ["sender", "sender"], ["kind", "kind"], ["status", "status"], ["parent", "parent_id"],
  ["reply to", "reply_to_id"], ["original", "original_id"]];

/**
 * The rows describing a full message: [label, text] pairs (absent fields left out, metadata as JSON).
 * @param {FullMessage} msg
 * @returns {[string, string][]}
 */
export function detailRows(msg) {
  /** @type {[string, string][]} */
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

/**
 * The header of a streaming answer (who, and whose text when it is a forward in progress).
 * @param {import("../types.js").TreeNode} n
 */
export function pendingTitle(n) {
  const who = n.author && n.author !== n.sender ? `${n.author} via ${n.sender}` : n.sender;
  return `${who} (streaming${n.run ? `, run ${n.run}` : ""})`;
}

/**
 * @param {[string, string][]} rows
 * @param {string} [cls]
 */
function rowsList(rows, cls) {
  const dl = el("dl", cls ? { class: cls } : {});
  for (const [label, text] of rows) dl.append(el("dt", {}, label), el("dd", {}, text));
  return dl;
}

/**
 * The pane `pane`. `deps` is `requestMessage(key)` (asks the kernel for a message, returns the request's id), or
 * {requestMessage, readonly, annotate(id, values), edit(id, text), answer(id, text), report(text), totals(key)}.
 * @param {HTMLElement} pane
 * @param {DetailsDeps | ((key: string) => number)} deps
 */
export function createDetails(pane, deps) {
  /** @type {DetailsDeps} */
  const d = typeof deps === "function" ? { requestMessage: deps } : deps;
  const readonly = !!d.readonly;
  const report = d.report || (() => {});
  /** @type {number | null} the request whose answer is shown (an older answer arriving late is ignored) */
  let pending = null;
  /** @type {string | null} the key shown */
  let shownKey = null;
  /** @type {import("../types.js").TreeNode | null} its node */
  let node = null;
  /** @type {HTMLElement | null} the <pre> of a streaming answer */
  let streamText = null;
  /** @type {FullMessage | null} the full message shown, once it arrived */
  let msg = null;
  /** @type {Record<SlotName, HTMLElement> | null} the stored message's sections */
  let slots = null;
  /** @type {ReturnType<typeof createAnnotationForm> | null} */
  let form = null;
  /** @type {ReturnType<typeof messageEditor> | null} */
  let editor = null;
  let wantEdit = false; // "edit" before the message arrived
  /** @type {string | null | undefined} */
  let askSig = null;
  /** @type {ReturnType<typeof answerBox> | null} the answer box shown */
  let ask = null;

  function makeSlots() {
    const made = /** @type {Record<SlotName, HTMLElement>} */ ({});
    for (const name of SLOTS) made[name] = el("div", { class: `af-slot af-slot-${name}` });
    slots = made;
    pane.replaceChildren(...SLOTS.map((name) => made[name]));
    form = null;
    editor = null;
    askSig = null;
    ask = null;
    return made;
  }

  function renderAsk() {
    if (!slots) return;
    const q = !readonly && d.answer && msg ? questionOf(node) : null;
    const sig = q ? JSON.stringify(q.choices) : null;
    if (sig === askSig) return;
    askSig = sig;
    ask = q && shownKey && node && d.answer ? answerBox(shownKey, node, q, d.answer, report) : null;
    slots.ask.replaceChildren(...(ask ? [ask.el] : []));
  }

  function renderContent() {
    if (!slots || !msg) return;
    if (editor) {
      slots.content.replaceChildren(editor.el);
      return;
    }
    const pre = el("pre", { class: "af-content" }, msg.content);
    slots.content.replaceChildren(pre);
    if (!msg.content) slots.content.append(el("div", { class: "af-muted" }, "(no text)"));
  }

  function renderTotals() {
    if (!slots || !msg || !d.totals || !shownKey) return;
    const t = d.totals(shownKey);
    slots.totals.replaceChildren(...(t ? [el("div", { class: "af-section" }, "subtree"),
      el("div", { class: "af-totals" }, totalsText(t))] : []));
  }

  /**
   * @param {MessageReply} reply
   */
  function showMessage(reply) {
    if (!reply.message) return;
    const m = reply.message;
    msg = m;
    const s = slots || makeSlots();
    s.head.replaceChildren(rowsList(detailRows(m)));
    if (wantEdit) {
      wantEdit = false;
      openEditor();
    }
    renderContent();
    const annotations = reply.annotations && typeof reply.annotations === "object" ? reply.annotations : {};
    const rows = annotationRows(annotations);
    s.annots.replaceChildren(...(rows.length ? [el("div", { class: "af-section" }, "annotations"),
      rowsList(rows, "af-annots")] : []));
    const annotate = d.annotate;
    if (!readonly && annotate) {
      if (!form) {
        form = createAnnotationForm((values) => {
          if (shownKey) annotate(shownKey, values);
        }, report);
        s.form.replaceChildren(form.element);
      }
      form.set(annotations);
    }
    renderAsk();
    renderTotals();
    const tb = reply.traceback;
    s.traceback.replaceChildren(...(typeof tb === "string" && tb
      ? [el("div", { class: "af-tb-title" }, "traceback"), el("pre", { class: "af-traceback" }, tb)] : []));
  }

  function openEditor() {
    const edit = d.edit;
    if (readonly || !edit) return false;
    if (!shownKey || !node || node.pending) {
      report(node && node.pending ? "that answer is still streaming: it can be edited once it is stored"
        : "select a node first");
      return false;
    }
    if (!msg) {
      wantEdit = true; // opens when the message arrives
      return true;
    }
    const key = shownKey;
    const ed = messageEditor(msg, {
      save: (text) => edit(key, text),
      cancel: () => closeEditor(),
      report,
    });
    editor = ed;
    if (slots) {
      renderContent();
      ed.textarea.focus({ preventScroll: true });
    }
    return true;
  }

  function closeEditor() {
    editor = null;
    wantEdit = false;
    if (slots && msg) renderContent();
  }

  return {
    get key() {
      return shownKey;
    },
    get editing() {
      return !!editor;
    },
    /**
     * Show the node `n` (key `key`): a pending one at once, a stored one once the kernel answers.
     * @param {string | null} key
     * @param {import("../types.js").TreeNode | null | undefined} n
     */
    show(key, n) {
      shownKey = n ? key : null;
      node = n || null;
      streamText = null;
      msg = null;
      slots = null;
      form = null;
      editor = null;
      wantEdit = false;
      if (!n) {
        pending = null;
        pane.replaceChildren();
        return;
      }
      if (n.pending) {
        pending = null;
        streamText = el("pre", {}, n.text ?? "");
        pane.replaceChildren(el("div", { class: "af-live" }, pendingTitle(n)), streamText);
        return;
      }
      pane.replaceChildren();
      pending = key === null ? null : d.requestMessage(key);
    },
    /**
     * The shown pending node's text grew.
     * @param {string} key
     * @param {import("../types.js").TreeNode | undefined} n
     */
    update(key, n) {
      if (key === shownKey && streamText && n && n.pending) streamText.textContent = n.text ?? "";
    },
    /**
     * The shown stored node was sent again (its notes changed): ask for the message again, update in place.
     * @param {string} key
     * @param {import("../types.js").TreeNode | undefined} n
     */
    refresh(key, n) {
      if (key !== shownKey || !n || n.pending) return;
      node = n;
      renderAsk();
      pending = d.requestMessage(key);
    },
    /** The tree changed: the subtree's totals. */
    refreshTotals: renderTotals,
    /**
     * The kernel's `message` answer.
     * @param {MessageReply} reply
     */
    receive(reply) {
      if (reply.request_id === pending && reply.message) showMessage(reply);
    },
    /** "edit": the selected message's text in the editor; false when it cannot be edited. */
    openEditor,
    closeEditor,
    /** The kernel reported a problem: what was sent may be tried again (the editor and the answer box). */
    unlock() {
      if (editor && editor.busy) editor.fail();
      if (ask && ask.busy) ask.fail();
    },
  };
}
