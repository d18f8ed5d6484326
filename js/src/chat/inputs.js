// The transcript's inputs: the inline editor of a message ("edit") and the answer box of a question an agent is
// waiting on (ctx.ask). Each is one element kept by chat.js across redraws (what was typed survives tokens
// streaming in and rows being rebuilt) and mounted into its row. Text goes in and out through `value` and
// `textContent` only: nothing typed or received is ever parsed as HTML.

/** The browser -> kernel message that saves an edit. */
export function editMessage(id, text) {
  return { kind: "edit", id, text };
}

/** The browser -> kernel message that answers a waiting question. */
export function answerMessage(id, text) {
  return { kind: "answer", id, text };
}

/** The question a node asks, when an agent is waiting on it: `{choices}` (a list of str, maybe empty), else null. */
export function questionOf(n) {
  if (!n || n.pending || typeof n.id !== "string") return null;
  if (!n.notes || n.notes.awaiting !== "user") return null;
  const choices = Array.isArray(n.choices) ? n.choices.filter((c) => typeof c === "string") : [];
  return { choices };
}

/** Whether a stored node offers "edit": every stored message but an error (its text is an exception's). */
export function editable(n) {
  return Boolean(n && !n.pending && typeof n.id === "string" && n.kind !== "error");
}

function make(tag, cls, text = null) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== null) e.textContent = text;
  return e;
}

function rowsFor(text) {
  return Math.min(16, Math.max(3, String(text).split("\n").length + 1));
}

/**
 * An inline editor of message `id` holding `text` (the message's whole text): a textarea, "save" and "cancel".
 * Ctrl/⌘+Enter saves, Esc cancels. `onSave(text)` is called with a changed, non-blank text (an unchanged one
 * cancels: there is nothing to make); the editor then waits (`busy`) until chat.js drops it (the branch moved to
 * the edit) or calls `fail()` (the kernel reported a problem: the text is kept to fix).
 * Returns `{el, textarea, id, original, busy, fail(), focus()}`.
 */
export function createEditor(id, text, { onSave, onCancel }) {
  const original = String(text ?? "");
  const box = make("div", "af-chat-editor");
  const area = make("textarea", "af-chat-edit-text");
  area.value = original;
  area.rows = rowsFor(original);
  area.spellcheck = true;
  area.setAttribute("aria-label", "the message's new text");
  const bar = make("div", "af-chat-edit-bar");
  const save = make("button", "af-chat-save", "save");
  save.type = "button";
  save.title = "save as a new branch (Ctrl/⌘+Enter)";
  const cancel = make("button", "af-chat-cancel", "cancel");
  cancel.type = "button";
  cancel.title = "keep the message as it is (Esc)";
  const note = make("span", "af-chat-edit-note", "Ctrl/⌘+Enter saves as a new branch · Esc cancels");
  bar.append(save, cancel, note);
  box.append(area, bar);

  const editor = {
    el: box,
    textarea: area,
    id,
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
  function setBusy(busy) {
    editor.busy = busy;
    area.readOnly = busy;
    save.disabled = busy;
    save.textContent = busy ? "saving…" : "save";
    box.classList.toggle("af-chat-busy", busy);
  }
  function submit() {
    if (editor.busy) return;
    const value = area.value;
    if (value === original) {
      onCancel();
      return;
    }
    if (!value.trim()) {
      note.textContent = "type some text first (or cancel)";
      area.focus();
      return;
    }
    setBusy(true);
    onSave(value);
  }
  save.addEventListener("click", submit);
  cancel.addEventListener("click", () => onCancel());
  area.addEventListener("input", () => {
    area.rows = rowsFor(area.value);
  });
  area.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      e.stopPropagation(); // Jupyter must not run the cell
      submit();
    } else if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation(); // nor leave edit mode
      onCancel();
    }
  });
  return editor;
}

/**
 * The answer box of question `id`: a button per choice, a text input and "send" (Enter sends too).
 * `onSend(text)` gets the answer; the box then waits (`busy`) until chat.js drops it (the question stopped
 * waiting) or calls `fail()`. Returns `{el, input, id, busy, fail()}`.
 */
export function createAnswerBox(id, question, { onSend }) {
  const box = make("div", "af-chat-answer");
  const choices = make("div", "af-chat-choices");
  const buttons = [];
  for (const choice of question.choices) {
    const b = make("button", "af-chat-choice", choice);
    b.type = "button";
    b.title = "answer with this choice";
    b.addEventListener("click", () => send(choice));
    buttons.push(b);
    choices.append(b);
  }
  const line = make("div", "af-chat-answer-line");
  const input = make("input", "af-chat-answer-text");
  input.type = "text";
  input.placeholder = question.choices.length ? "or type an answer" : "your answer";
  input.setAttribute("aria-label", "your answer");
  const go = make("button", "af-chat-send", "send");
  go.type = "button";
  go.title = "send this answer (Enter)";
  line.append(input, go);
  if (buttons.length) box.append(choices);
  box.append(line);

  const answer = {
    el: box,
    input,
    id,
    busy: false,
    fail() {
      setBusy(false);
    },
  };
  function setBusy(busy) {
    answer.busy = busy;
    for (const b of [...buttons, go]) b.disabled = busy;
    input.readOnly = busy;
    box.classList.toggle("af-chat-busy", busy);
  }
  function send(text) {
    if (answer.busy || !String(text).trim()) return;
    setBusy(true);
    onSend(text);
  }
  go.addEventListener("click", () => send(input.value));
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.isComposing) {
      e.preventDefault();
      e.stopPropagation();
      send(input.value);
    }
  });
  return answer;
}
