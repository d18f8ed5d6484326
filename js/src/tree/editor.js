// @ts-check
// The message editor of the details pane ("edit"): the editor of shared/editor.js in the pane's look, holding the
// selected message's full text; "save" sends `{kind: "edit", id, text}` (the kernel stores the edit as a sibling,
// selects it and asks the agent that answered the original again), "cancel" (or Esc) closes it. Saving the text
// unchanged only closes it; a blank text is reported in the error line.

import { el } from "../render.js";
import { createEditor } from "../shared/editor.js";

/** @type {import("../shared/editor.js").EditorLook} */
export const EDITOR_LOOK = Object.freeze({
  box: "af-editor",
  text: "af-editor-text",
  rows: 8,
  bar: "af-editor-actions",
  save: "af-editor-save",
  saveLabel: "save edit",
  saveTitle: "save the edit (Ctrl+Enter)",
  busyLabel: "save edit",
  cancel: "af-editor-cancel",
  cancelTitle: "close the editor (Esc)",
  busy: "",
  note: Object.freeze({ cls: "af-editor-hint", text: "saving stores the edit as a sibling of this message and asks its agent again",
    inBar: false }),
});

/**
 * The editor of `msg` (a full message); `on`: {save(text), cancel(), report(text)}.
 * @param {{sender: string, content: string}} msg
 * @param {{save: (text: string) => void, cancel: () => void, report: (text: string) => void}} on
 */
export function messageEditor(msg, on) {
  return createEditor(msg.content, EDITOR_LOOK, {
    save: on.save,
    cancel: on.cancel,
    problem: on.report,
    header: el("div", { class: "af-section" }, `editing ${msg.sender}'s message`),
  });
}
