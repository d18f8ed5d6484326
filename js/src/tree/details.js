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
// What its agent saw: the pane lists the selected message's context (its branch from the root to its parent, as
// contextEntries gives it: sender and a short snippet, each a button that selects that message); ids are shown
// short (8 hex digits) with a copy button for the whole id, and the parent, reply and original ids select their
// message. An error message's `metadata.error_detail` (what the provider answered) is shown as text, folded when
// long.
// Richer messages (shared/): a message's attachments (images as thumbnails, click to enlarge; other files as named
// downloads; the bytes asked of the kernel by `get-attachment`, never inserted as HTML), the model's reasoning
// folded above the text (the `reasoning` annotation of a stored message; a streaming answer's `node.reasoning`,
// grown in place as it streams, the fold kept open or shut as the user left it, also when the answer is stored),
// and its cost (`cost_usd`) among the annotations as "$0.0123".

import { el, oneLine } from "../render.js";
import { pathTo } from "../state.js";
import { icon } from "./icons.js";
import { annotationRows, createAnnotationForm, totalsText } from "./annotate.js";
import { questionOf } from "../shared/answer.js";
import { answerBox } from "./question.js";
import { messageEditor } from "./editor.js";
import { attachmentsElement, attachmentsOf } from "../shared/attachments.js";
import { reasoningFold, updateReasoning } from "../shared/reasoning.js";
import { costText } from "../shared/cost.js";

/**
 * A whole message, as the kernel's `message` reply carries it (agentforum_nb/nodes.py full_message).
 * @typedef {{id: string, parent_id: string | null, reply_to_id: string | null, original_id: string | null, kind: string,
 *            sender: string, status: string, content: string, metadata: Record<string, unknown>,
 *            attachments?: import("../types.js").Attachment[]}} FullMessage
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
 * @property {(key: string) => ContextEntry[]} [context]   the selected message's context (contextEntries)
 * @property {(key: string) => void} [pick]                select a message (a context entry, a parent id)
 * @property {(text: string) => void} [copy]               copy a whole id
 * @property {ReturnType<typeof import("../shared/attachments.js").createAttachmentStore>} [attachments]  the bytes
 * @property {(key: string) => string | undefined} [resolved]  the id a pending key was stored as (state.aliases)
 */

/**
 * One message of a selected message's context: its key, sender (the author too, for a forward) and a snippet.
 * @typedef {{key: string, sender: string, snippet: string, kind: string}} ContextEntry
 */

/** How many characters of an id are shown (the whole id is copied). */
export const SHORT_ID = 8;
/** Context entries listed in full; a longer branch shows its first and last ones with "… n more" between. */
export const CONTEXT_SHOWN = { head: 5, tail: 60 };
/** A provider's error body longer than this is folded (a click unfolds it). */
export const DETAIL_FOLD = 400;

/**
 * The context of the message `key` (pure): the messages its agent was given, its branch from the root down to its
 * parent, as entries (sender: "<author> via <forwarder>" for a forward whose author is known).
 * @param {import("../types.js").State} state
 * @param {string} key
 * @returns {ContextEntry[]}
 */
export function contextEntries(state, key) {
  /** @type {ContextEntry[]} */
  const out = [];
  const path = pathTo(state, key);
  path.pop(); // the message itself is what its agent answered, not part of what it saw
  for (const k of path) {
    const n = state.nodes.get(k);
    if (!n) continue;
    const who = n.kind === "forward" && n.author && n.author !== n.sender ? `${n.author} via ${n.sender}` : n.sender;
    out.push({ key: k, sender: who, kind: n.kind, snippet: oneLine(n.pending ? n.text : n.snippet, 70) });
  }
  return out;
}

/**
 * The entries listed of a context (pure): all of a short one; of a long one the first `head` and the last `tail`
 * with a count of those left out between them (`skipped`, at that index).
 * @param {ContextEntry[]} entries
 * @returns {{shown: ContextEntry[], skipped: number, at: number}}
 */
export function listedContext(entries) {
  const { head, tail } = CONTEXT_SHOWN;
  if (entries.length <= head + tail + 1) return { shown: entries, skipped: 0, at: -1 };
  return { shown: [...entries.slice(0, head), ...entries.slice(-tail)], skipped: entries.length - head - tail, at: head };
}

/**
 * An id as shown: its first SHORT_ID characters.
 * @param {string} id
 */
export function shortId(id) {
  return id.length > SHORT_ID ? id.slice(0, SHORT_ID) : id;
}

/** @typedef {"ask" | "head" | "reasoning" | "content" | "attach" | "detail" | "context" | "annots" | "form" | "totals"
 *            | "traceback"} SlotName */
const SLOTS = /** @type {SlotName[]} */ (["ask", "head", "reasoning", "content", "attach", "detail", "context", "annots",
  "form", "totals", "traceback"]);

/** The fields holding ids: shown short, copyable; those of other messages select them. */
export const ID_FIELDS = new Set(["id", "parent", "reply to", "original"]);

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
  const shown = { ...(msg.metadata || {}) };
  delete shown.error_detail; // a section of its own (errorDetail)
  const meta = Object.keys(shown).length ? JSON.stringify(shown, null, 1) : null;
  if (meta) rows.push(["metadata", meta]);
  return rows;
}

/**
 * The rows of a message's annotations as the pane lists them (pure): `reasoning` left out (it has its fold),
 * `cost_usd` as "cost" in dollars; the rest as annotationRows gives them.
 * @param {unknown} annotations
 * @returns {[string, string][]}
 */
export function paneAnnotationRows(annotations) {
  return annotationRows(annotations).flatMap(([k, text]) => {
    if (k === "reasoning") return [];
    const v0 = /** @type {Record<string, unknown>} */ (annotations)[k];
    if (k === "calls" && Array.isArray(v0)) return [/** @type {[string, string]} */ (["calls", callsText(v0)])];
    if (k === "reasoning_blocks" && Array.isArray(v0)) {
      return [/** @type {[string, string]} */ (["reasoning_blocks", `${v0.length} signed block${v0.length === 1 ? "" : "s"}, sent back to the provider`])];
    }
    if (k === "cost_usd") {
      const v = /** @type {Record<string, unknown>} */ (annotations).cost_usd;
      return typeof v === "number" && Number.isFinite(v) ? [/** @type {[string, string]} */ (["cost", costText(v)])]
        : [/** @type {[string, string]} */ ([k, text])];
    }
    return [/** @type {[string, string]} */ ([k, text])];
  });
}

/**
 * The `calls` annotation (who was asked with this request) as people read it (pure): "moderator (asked by user);
 * pro (asked by moderator, sample 1, {"style": "terse"})".
 * @param {unknown[]} calls
 */
export function callsText(calls) {
  return calls.map((c) => {
    if (!c || typeof c !== "object") return String(c);
    const e = /** @type {Record<string, unknown>} */ (c);
    const parts = [];
    if (typeof e.by === "string") parts.push(`asked by ${e.by}`);
    if (typeof e.sample === "number" && e.sample) parts.push(`sample ${e.sample}`);
    if (e.kwargs && typeof e.kwargs === "object" && Object.keys(e.kwargs).length) parts.push(JSON.stringify(e.kwargs));
    const agent = typeof e.agent === "string" ? e.agent : "?";
    return parts.length ? `${agent} (${parts.join(", ")})` : agent;
  }).join("; ");
}

/**
 * A stored message's reasoning: the `reasoning` annotation when it is text, else "" (pure).
 * @param {unknown} annotations
 */
export function reasoningOf(annotations) {
  const r = annotations && typeof annotations === "object" ? /** @type {Record<string, unknown>} */ (annotations).reasoning
    : undefined;
  return typeof r === "string" ? r : "";
}

/**
 * The attachments' signature (pure): their hashes in order, so a message sent again keeps its thumbnails.
 * @param {unknown} list
 */
export function attachmentsKey(list) {
  return attachmentsOf(list).map((a) => a.sha256).join(",");
}

/**
 * A provider's error body carried by an error message (`metadata.error_detail`), as text, or null (pure).
 * @param {FullMessage} msg
 */
export function errorDetail(msg) {
  const d = msg.metadata ? msg.metadata.error_detail : undefined;
  if (d === undefined || d === null || d === "") return null;
  return typeof d === "string" ? d : JSON.stringify(d, null, 1);
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
 * @param {((label: string, text: string) => HTMLElement | null) | null} [cell]   a row's value as an element
 */
function rowsList(rows, cls, cell = null) {
  const dl = el("dl", cls ? { class: cls } : {});
  for (const [label, text] of rows) {
    const dd = el("dd");
    const made = cell ? cell(label, text) : null;
    if (made) dd.append(made);
    else dd.textContent = text;
    dl.append(el("dt", {}, label), dd);
  }
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
  /** @type {HTMLDetailsElement | null} the reasoning's fold shown */
  let fold = null;
  let foldOpen = false; // a new fold starts open: the user opened it on the streaming answer now stored
  /** @type {HTMLElement | null} where a streaming answer's fold goes */
  let liveReasoning = null;
  /** @type {string | null} the attachments shown (attachmentsKey) */
  let attachSig = null;
  const doc = pane.ownerDocument;

  /**
   * The reasoning's fold in `box`: grown in place when there is one (its open state and scroll kept).
   * @param {HTMLElement} box
   * @param {string} text
   * @param {boolean} live
   */
  function renderReasoning(box, text, live) {
    if (!text) {
      if (fold) box.replaceChildren();
      fold = null;
      return;
    }
    if (fold && box.contains(fold)) {
      updateReasoning(fold, text, live);
      return;
    }
    fold = reasoningFold(doc, text, live);
    if (fold && foldOpen) fold.open = true;
    box.replaceChildren(...(fold ? [fold] : []));
  }

  /**
   * The attachments of the shown message (kept as they are when the same ones come again).
   * @param {unknown} list
   */
  function renderAttachments(list) {
    if (!slots) return;
    const sig = attachmentsKey(list);
    if (sig === attachSig) return;
    attachSig = sig;
    const box = sig && d.attachments ? attachmentsElement(doc, attachmentsOf(list), d.attachments) : null;
    const n = box ? box.childElementCount : 0;
    slots.attach.replaceChildren(...(box ? [el("div", { class: "af-section" },
      `${n} attachment${n === 1 ? "" : "s"}`), box] : []));
  }

  /**
   * An id as the pane shows it: short, a button selecting its message (`selectable`), and a copy button.
   * @param {string} id
   * @param {boolean} selectable
   */
  function idCell(id, selectable) {
    const box = el("span", { class: "af-idbox" });
    const pick = d.pick;
    const text = selectable && pick
      ? el("button", { type: "button", class: "af-id af-link-id", title: `select ${id}`, "data-id": id }, shortId(id))
      : el("code", { class: "af-id", title: id }, shortId(id));
    if (selectable && pick) text.addEventListener("click", () => pick(id));
    const copy = el("button", { type: "button", class: "af-copy", title: `copy the whole id (${id})`,
      "aria-label": `copy id ${id}`, "data-id": id });
    const glyph = icon("copy");
    if (glyph) copy.append(glyph);
    copy.addEventListener("click", () => {
      if (d.copy) d.copy(id);
      copy.classList.add("af-copied");
      copy.title = "copied";
      setTimeout(() => {
        copy.classList.remove("af-copied");
        copy.title = `copy the whole id (${id})`;
      }, 1200);
    });
    box.append(text, copy);
    return box;
  }

  function renderContext() {
    if (!slots || !shownKey || !d.context) return;
    const entries = d.context(shownKey);
    const pick = d.pick;
    if (!entries.length) {
      slots.context.replaceChildren(el("div", { class: "af-section" }, "context"),
        el("div", { class: "af-muted" }, "a root: its agent saw no earlier message"));
      return;
    }
    const { shown, skipped, at } = listedContext(entries);
    const list = el("ol", { class: "af-context", start: "1" });
    shown.forEach((entry, i) => {
      if (i === at) list.append(el("li", { class: "af-ctx-more" }, `… ${skipped} more …`));
      const b = el("button", { type: "button", class: "af-ctx-entry", "data-key": entry.key,
        title: `select this message (${entry.key})` });
      b.append(el("span", { class: "af-ctx-sender" }, entry.sender), el("span", { class: "af-ctx-text" },
        entry.snippet || "(no text)"));
      if (pick) b.addEventListener("click", () => pick(entry.key));
      list.append(el("li", {}, null));
      /** @type {HTMLElement} */ (list.lastChild).append(b);
    });
    slots.context.replaceChildren(
      el("div", { class: "af-section", title: "the messages this message's agent was given: its branch from the root" },
        `what its agent saw (${entries.length} message${entries.length === 1 ? "" : "s"})`), list);
  }

  function makeSlots() {
    const made = /** @type {Record<SlotName, HTMLElement>} */ ({});
    for (const name of SLOTS) made[name] = el("div", { class: `af-slot af-slot-${name}` });
    slots = made;
    pane.replaceChildren(...SLOTS.map((name) => made[name]));
    form = null;
    editor = null;
    askSig = null;
    ask = null;
    attachSig = null;
    fold = null;
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
    s.head.replaceChildren(rowsList(detailRows(m), undefined,
      (label, text) => (ID_FIELDS.has(label) ? idCell(text, label !== "id") : null)));
    const detail = errorDetail(m);
    if (detail === null) s.detail.replaceChildren();
    else {
      const pre = el("pre", { class: "af-error-detail" }, detail);
      if (detail.length > DETAIL_FOLD) {
        const box = el("details", { class: "af-detail-fold" });
        box.append(el("summary", {}, `the provider's answer (${detail.length} characters)`), pre);
        s.detail.replaceChildren(box);
      } else s.detail.replaceChildren(el("div", { class: "af-section" }, "the provider's answer"), pre);
    }
    renderReasoning(s.reasoning, reasoningOf(reply.annotations), false);
    renderAttachments(m.attachments ?? (node ? node.attachments : undefined));
    renderContext();
    if (wantEdit) {
      wantEdit = false;
      openEditor();
    }
    renderContent();
    const annotations = reply.annotations && typeof reply.annotations === "object" ? reply.annotations : {};
    const rows = paneAnnotationRows(annotations);
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
      // the streaming answer shown was stored as `key`: its fold stays as the user left it
      foldOpen = !!(fold && fold.open && shownKey && key
        && (key === shownKey || (d.resolved && d.resolved(shownKey) === key)));
      fold = null;
      liveReasoning = null;
      attachSig = null;
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
        liveReasoning = el("div", { class: "af-slot af-slot-reasoning" });
        renderReasoning(liveReasoning, n.reasoning ?? "", true);
        pane.replaceChildren(el("div", { class: "af-live" }, pendingTitle(n)), liveReasoning, streamText);
        return;
      }
      pane.replaceChildren();
      pending = key === null ? null : d.requestMessage(key);
    },
    /**
     * The shown pending node's text (or reasoning) grew.
     * @param {string} key
     * @param {import("../types.js").TreeNode | undefined} n
     */
    update(key, n) {
      if (key !== shownKey || !streamText || !n || !n.pending) return;
      if (streamText.textContent !== (n.text ?? "")) streamText.textContent = n.text ?? "";
      if (liveReasoning) renderReasoning(liveReasoning, n.reasoning ?? "", true);
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
    /** The tree changed: the subtree's totals and the context. */
    refreshTotals() {
      renderTotals();
      renderContext();
    },
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
