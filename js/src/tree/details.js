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

function rowsList(rows, cls) {
  const dl = el("dl", cls ? { class: cls } : {});
  for (const [label, text] of rows) dl.append(el("dt", {}, label), el("dd", {}, text));
  return dl;
}

/**
 * The pane `pane`. `deps` is `requestMessage(key)` (asks the kernel for a message, returns the request's id), or
 * {requestMessage, readonly, annotate(id, values), edit(id, text), answer(id, text), report(text), totals(key)}.
 */
export function createDetails(pane, deps) {
  const d = typeof deps === "function" ? { requestMessage: deps } : deps;
  const readonly = !!d.readonly;
  const report = d.report || (() => {});
  let pending = null; // the request whose answer is shown (an older answer arriving late is ignored)
  let shownKey = null; // the key shown
  let node = null; // its node
  let streamText = null; // the <pre> of a streaming answer
  let msg = null; // the full message shown, once it arrived
  let slots = null; // the stored message's sections
  let form = null;
  let editor = null;
  let wantEdit = false; // "edit" before the message arrived
  let askSig = null;
  let ask = null; // the answer box shown

  function makeSlots() {
    slots = {};
    for (const name of ["ask", "head", "content", "annots", "form", "totals", "traceback"]) {
      slots[name] = el("div", { class: `af-slot af-slot-${name}` });
    }
    pane.replaceChildren(...Object.values(slots));
    form = null;
    editor = null;
    askSig = null;
    ask = null;
  }

  function renderAsk() {
    if (!slots) return;
    const q = !readonly && d.answer && msg ? questionOf(node) : null;
    const sig = q ? JSON.stringify(q.choices) : null;
    if (sig === askSig) return;
    askSig = sig;
    ask = q ? answerBox(shownKey, node, q, d.answer, report) : null;
    slots.ask.replaceChildren(...(ask ? [ask.el] : []));
  }

  function renderContent() {
    if (editor) {
      slots.content.replaceChildren(editor.el);
      return;
    }
    const pre = el("pre", { class: "af-content" }, msg.content);
    slots.content.replaceChildren(pre);
    if (!msg.content) slots.content.append(el("div", { class: "af-muted" }, "(no text)"));
  }

  function renderTotals() {
    if (!slots || !msg || !d.totals) return;
    const t = d.totals(shownKey);
    slots.totals.replaceChildren(...(t ? [el("div", { class: "af-section" }, "subtree"),
      el("div", { class: "af-totals" }, totalsText(t))] : []));
  }

  function showMessage(reply) {
    msg = reply.message;
    if (!slots) makeSlots();
    slots.head.replaceChildren(rowsList(detailRows(msg)));
    if (wantEdit) {
      wantEdit = false;
      openEditor();
    }
    renderContent();
    const annotations = reply.annotations && typeof reply.annotations === "object" ? reply.annotations : {};
    const rows = annotationRows(annotations);
    slots.annots.replaceChildren(...(rows.length ? [el("div", { class: "af-section" }, "annotations"),
      rowsList(rows, "af-annots")] : []));
    if (!readonly && d.annotate) {
      if (!form) {
        form = createAnnotationForm((values) => d.annotate(shownKey, values), report);
        slots.form.replaceChildren(form.element);
      }
      form.set(annotations);
    }
    renderAsk();
    renderTotals();
    const tb = reply.traceback;
    slots.traceback.replaceChildren(...(typeof tb === "string" && tb
      ? [el("div", { class: "af-tb-title" }, "traceback"), el("pre", { class: "af-traceback" }, tb)] : []));
  }

  function openEditor() {
    if (readonly || !d.edit) return false;
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
    editor = messageEditor(msg, {
      save: (text) => d.edit(key, text),
      cancel: () => closeEditor(),
      report,
    });
    if (slots) {
      renderContent();
      editor.textarea.focus({ preventScroll: true });
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
    /** Show the node `n` (key `key`): a pending one at once, a stored one once the kernel answers. */
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
        streamText = el("pre", {}, n.text);
        pane.replaceChildren(el("div", { class: "af-live" }, pendingTitle(n)), streamText);
        return;
      }
      pane.replaceChildren();
      pending = d.requestMessage(key);
    },
    /** The shown pending node's text grew. */
    update(key, n) {
      if (key === shownKey && streamText && n && n.pending) streamText.textContent = n.text;
    },
    /** The shown stored node was sent again (its notes changed): ask for the message again, update in place. */
    refresh(key, n) {
      if (key !== shownKey || !n || n.pending) return;
      node = n;
      renderAsk();
      pending = d.requestMessage(key);
    },
    /** The tree changed: the subtree's totals. */
    refreshTotals: renderTotals,
    /** The kernel's `message` answer. */
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
