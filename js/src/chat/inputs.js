// @ts-check
// The transcript's inputs: the inline editor of a message ("edit", shared/editor.js) and the answer box of a
// question an agent is waiting on (ctx.ask, shared/answer.js), in the ChatView's look. Each is one element kept by
// chat.js across redraws (what was typed survives tokens streaming in and rows being rebuilt) and mounted into its
// row.

import { createAnswerBox as sharedAnswerBox } from "../shared/answer.js";
import { createEditor as sharedEditor } from "../shared/editor.js";

/**
 * The browser -> kernel message that saves an edit.
 * @param {string} id
 * @param {string} text
 */
export function editMessage(id, text) {
  return { kind: "edit", id, text };
}

/**
 * Whether a stored node offers "edit": every stored message but an error (its text is an exception's).
 * @param {{id?: string | null, pending?: boolean, kind?: string} | null | undefined} n
 */
export function editable(n) {
  return Boolean(n && !n.pending && typeof n.id === "string" && n.kind !== "error");
}

/** @type {import("../shared/editor.js").EditorLook} */
export const EDITOR_LOOK = Object.freeze({
  box: "af-chat-editor",
  text: "af-chat-edit-text",
  rows: "auto",
  bar: "af-chat-edit-bar",
  save: "af-chat-save",
  saveLabel: "save",
  saveTitle: "save as a new branch (Ctrl/⌘+Enter)",
  busyLabel: "saving…",
  cancel: "af-chat-cancel",
  cancelTitle: "keep the message as it is (Esc)",
  busy: "af-chat-busy",
  note: Object.freeze({ cls: "af-chat-edit-note", text: "Ctrl/⌘+Enter saves as a new branch · Esc cancels", inBar: true }),
});

/** @type {import("../shared/answer.js").AnswerLook} */
export const ANSWER_LOOK = Object.freeze({
  box: "af-chat-answer",
  title: "",
  choices: "af-chat-choices",
  choice: "af-chat-choice",
  line: "af-chat-answer-line",
  input: "af-chat-answer-text",
  send: "af-chat-send",
  sendLabel: "send",
  busy: "af-chat-busy",
  placeholder: (q) => (q.choices.length ? "or type an answer" : "your answer"),
});

/**
 * An inline editor of message `id` holding `text` (the message's whole text). `onSave(text)` is called with a
 * changed, non-blank text (an unchanged one cancels; a blank one says so in the editor's note); the editor then
 * waits (`busy`) until chat.js drops it (the branch moved to the edit) or calls `fail()`.
 * @param {string} id
 * @param {string} text
 * @param {{onSave: (text: string) => void, onCancel: () => void}} on
 * @returns {import("../shared/editor.js").Editor & {id: string}}
 */
export function createEditor(id, text, { onSave, onCancel }) {
  const editor = sharedEditor(String(text ?? ""), EDITOR_LOOK, {
    save: onSave,
    cancel: onCancel,
    problem: () => {
      editor.note.textContent = "type some text first (or cancel)";
    },
  });
  return Object.assign(editor, { id });
}

/**
 * The answer box of question `id`: a button per choice, a text input and "send" (Enter sends too). `onSend(text)`
 * gets a non-blank answer; the box then waits (`busy`) until chat.js drops it (the question stopped waiting) or
 * calls `fail()`.
 * @param {string} id
 * @param {import("../types.js").Question} question
 * @param {{onSend: (text: string) => void}} on
 */
export function createAnswerBox(id, question, { onSend }) {
  return sharedAnswerBox(id, question, ANSWER_LOOK, { send: onSend });
}
