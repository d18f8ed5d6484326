// @ts-check
// The editor of a message's whole text ("edit"), for the TreeView's details pane (tree/editor.js) and the
// ChatView's rows (chat/inputs.js), each in its own look: a textarea, "save" and "cancel"; Ctrl/⌘+Enter saves,
// Esc cancels. Saving a changed, non-blank text calls `on.save(text)` (the widget sends `{kind: "edit", id,
// text}`) and the editor waits (`busy`) until the widget drops it or calls `fail()` (the kernel reported a
// problem: the text is kept to fix). Saving the text unchanged cancels: there is nothing to make.

/**
 * What saving `text` over `original` does (pure): {text} to send, {close: true} for an unchanged text, or {error}.
 * @param {string} original
 * @param {string} text
 * @returns {{text: string} | {close: true} | {error: string}}
 */
export function editResult(original, text) {
  if (text === original) return { close: true };
  if (!text.trim()) return { error: "an edit needs some text" };
  return { text };
}

/**
 * How one widget draws the editor: class names and words. `rows`: the textarea's height in lines, or "auto"
 * (as many as the text has, 3 to 16). `note`: a line of help, in the bar of buttons or under it.
 * @typedef {object} EditorLook
 * @property {string} box
 * @property {string} text
 * @property {number | "auto"} rows
 * @property {string} bar
 * @property {string} save
 * @property {string} saveLabel
 * @property {string} saveTitle
 * @property {string} busyLabel
 * @property {string} cancel
 * @property {string} cancelTitle
 * @property {string} busy          a class the editor has while the edit is on its way ("" for none)
 * @property {{cls: string, text: string, inBar: boolean}} note
 */

/**
 * @typedef {object} Editor
 * @property {HTMLElement} el
 * @property {HTMLTextAreaElement} textarea
 * @property {HTMLElement} note
 * @property {string} original
 * @property {boolean} busy
 * @property {() => void} fail     the kernel refused the edit: usable again
 * @property {() => void} focus    the focus, with the caret at the end
 */

/** @param {string} text */
function rowsFor(text) {
  return Math.min(16, Math.max(3, text.split("\n").length + 1));
}

/**
 * @param {string} tag
 * @param {string} cls
 * @param {string | null} [text]
 */
function make(tag, cls, text = null) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== null) e.textContent = text;
  return e;
}

/**
 * An editor of `text` (a message's whole text) in `look`. `on.save(text)`, `on.cancel()`; `on.problem(text)`
 * is told what is wrong with what was saved (a blank text). `header`: an element put above the textarea.
 * @param {string} text
 * @param {EditorLook} look
 * @param {{save: (text: string) => void, cancel: () => void, problem: (text: string) => void,
 *          header?: HTMLElement | null, label?: string}} on
 * @returns {Editor}
 */
export function createEditor(text, look, on) {
  const original = text;
  const box = make("div", look.box);
  const area = /** @type {HTMLTextAreaElement} */ (make("textarea", look.text));
  area.value = original;
  area.rows = look.rows === "auto" ? rowsFor(original) : look.rows;
  area.spellcheck = true;
  area.setAttribute("aria-label", on.label || "the message's new text");
  const bar = make("div", look.bar);
  const save = /** @type {HTMLButtonElement} */ (make("button", look.save, look.saveLabel));
  save.type = "button";
  save.title = look.saveTitle;
  const cancel = /** @type {HTMLButtonElement} */ (make("button", look.cancel, "cancel"));
  cancel.type = "button";
  cancel.title = look.cancelTitle;
  const note = make(look.note.inBar ? "span" : "div", look.note.cls, look.note.text);
  bar.append(save, cancel);
  if (look.note.inBar) bar.append(note);
  if (on.header) box.append(on.header);
  box.append(area, bar);
  if (!look.note.inBar) box.append(note);

  /** @type {Editor} */
  const editor = {
    el: box,
    textarea: area,
    note,
    original,
    busy: false,
    fail() {
      setBusy(false);
      area.focus();
    },
    focus() {
      area.focus();
      area.setSelectionRange(area.value.length, area.value.length);
    },
  };
  /** @param {boolean} busy */
  function setBusy(busy) {
    editor.busy = busy;
    area.readOnly = busy;
    save.disabled = busy;
    save.textContent = busy ? look.busyLabel : look.saveLabel;
    if (look.busy) box.classList.toggle(look.busy, busy);
  }
  function submit() {
    if (editor.busy) return;
    const r = editResult(original, area.value);
    if ("close" in r) return on.cancel();
    if ("error" in r) {
      on.problem(r.error);
      area.focus();
      return;
    }
    setBusy(true);
    on.save(r.text);
  }
  save.addEventListener("click", submit);
  cancel.addEventListener("click", () => on.cancel());
  if (look.rows === "auto") {
    area.addEventListener("input", () => {
      area.rows = rowsFor(area.value);
    });
  }
  area.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      e.stopPropagation(); // Jupyter must not run the cell
      submit();
    } else if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation(); // nor leave edit mode
      on.cancel();
    }
  });
  return editor;
}
