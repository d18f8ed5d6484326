// The message editor of the details pane ("edit"): the selected message's full text in a textarea; "save" sends
// `{kind: "edit", id, text}` (the kernel stores the edit as a sibling, selects it and asks the agent that answered
// the original again), "cancel" (or Esc) closes it. Saving the text unchanged only closes it.

import { el } from "../render.js";

/** What saving sends (pure): {text} to send, {close: true} for an unchanged text, or {error}. */
export function editResult(original, text) {
  if (!String(text).trim()) return { error: "an edit needs some text" };
  if (text === original) return { close: true };
  return { text };
}

/** The editor of `msg` (a full message); `on`: {save(text), cancel(), report(text)}. */
export function createEditor(msg, on) {
  const box = el("div", { class: "af-editor" });
  const area = el("textarea", { class: "af-editor-text", rows: "8", spellcheck: "true" });
  area.value = msg.content;
  const save = el("button", { type: "button", class: "af-editor-save", title: "save the edit (Ctrl+Enter)" },
    "save edit");
  const cancel = el("button", { type: "button", class: "af-editor-cancel", title: "close the editor (Esc)" }, "cancel");
  const hint = el("div", { class: "af-editor-hint" },
    "saving stores the edit as a sibling of this message and asks its agent again");
  const row = el("div", { class: "af-editor-actions" });
  row.append(save, cancel);
  box.append(el("div", { class: "af-section" }, `editing ${msg.sender}'s message`), area, row, hint);

  const submit = () => {
    const r = editResult(msg.content, area.value);
    if (r.error) return on.report(r.error);
    if (r.close) return on.cancel();
    save.disabled = true;
    on.save(r.text);
  };
  save.addEventListener("click", submit);
  cancel.addEventListener("click", () => on.cancel());
  area.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      ev.stopPropagation();
      submit();
    } else if (ev.key === "Escape") {
      ev.preventDefault();
      ev.stopPropagation();
      on.cancel();
    }
  });
  return {
    element: box,
    textarea: area,
    /** The kernel refused the edit (an error): the user may try again. */
    enable() {
      save.disabled = false;
    },
  };
}
