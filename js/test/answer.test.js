// @vitest-environment happy-dom
// The answer box and the message editor that every widget draws (src/shared/): the one rule of what a waiting
// question is, what the box sends, and how it waits for the kernel and recovers when the kernel refuses.
import { describe, expect, it } from "vitest";
import { answerMessage, createAnswerBox, questionOf } from "../src/shared/answer.js";
import { createEditor, editResult } from "../src/shared/editor.js";
import { ANSWER_LOOK as TREE_ANSWER } from "../src/tree/question.js";
import { EDITOR_LOOK as TREE_EDITOR } from "../src/tree/editor.js";

const stored = (extra = {}) => ({ id: "a".repeat(64), sender: "bot", kind: "message", status: "complete",
  snippet: "hello", ...extra });

const XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';

function key(target, k, extra = {}) {
  target.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true, ...extra }));
}

describe("the question rule", () => {
  it("a stored node annotated awaiting 'user' is a waiting question; its choices are its non-blank strings", () => {
    expect(questionOf(stored({ notes: { awaiting: "user" }, choices: ["yes", "no", 3, " ", ""] })))
      .toEqual({ choices: ["yes", "no"] });
    expect(questionOf(stored({ notes: { awaiting: "user" } }))).toEqual({ choices: [] });
    expect(questionOf(stored({ notes: { awaiting: "user" }, choices: "yes" }))).toEqual({ choices: [] });
    expect(questionOf(stored({ choices: ["yes"] }))).toBe(null); // answered: no longer waiting
    expect(questionOf(stored({ notes: { awaiting: "someone" } }))).toBe(null);
    expect(questionOf({ key: "~1", id: null, pending: true, notes: { awaiting: "user" } })).toBe(null); // streaming
    expect(questionOf(null)).toBe(null);
    expect(answerMessage("q", "yes")).toEqual({ kind: "answer", id: "q", text: "yes" });
  });
});

describe("the answer box", () => {
  it("sends a choice or the typed text once, waits, and can be used again when the kernel refuses", () => {
    const sent = [];
    const blanks = [];
    const box = createAnswerBox("q", { choices: ["yes", XSS] }, TREE_ANSWER, {
      send: (t) => sent.push(t), blank: () => blanks.push(1), title: "planner is waiting for your answer",
    });
    document.body.append(box.el);
    const q = (s) => box.el.querySelector(s);
    expect(q(".af-ask-title").textContent).toBe("planner is waiting for your answer");
    expect([...box.el.querySelectorAll(".af-ask-choice")].map((b) => b.textContent)).toEqual(["yes", XSS]);
    expect(box.el.querySelectorAll("img, script").length).toBe(0); // text, never HTML
    q(".af-ask-send").click(); // blank
    expect(sent).toEqual([]);
    expect(blanks.length).toBe(1);
    box.input.value = "Friday";
    key(box.input, "Enter", { isComposing: true }); // an IME composing: not a send
    expect(sent).toEqual([]);
    key(box.input, "Enter");
    expect(sent).toEqual(["Friday"]);
    expect(box.busy).toBe(true);
    expect(box.buttons.every((b) => b.disabled) && box.input.readOnly).toBe(true);
    expect(q(".af-ask-title").textContent).toBe("answered: Friday");
    q(".af-ask-choice").click(); // busy: nothing
    expect(sent).toEqual(["Friday"]);
    box.fail();
    expect(box.busy).toBe(false);
    expect(box.input.value).toBe("Friday");
    expect(q(".af-ask-title").textContent).toBe("planner is waiting for your answer");
    q(".af-ask-choice").click();
    expect(sent).toEqual(["Friday", "yes"]);
    box.el.remove();
  });

  it("keeps Enter from the notebook (it must not run the cell)", () => {
    const box = createAnswerBox("q", { choices: [] }, TREE_ANSWER, { send: () => {} });
    const outer = document.createElement("div");
    outer.append(box.el);
    let reached = 0;
    outer.addEventListener("keydown", () => reached++);
    box.input.value = "x";
    key(box.input, "Enter");
    expect(reached).toBe(0);
  });
});

describe("the message editor", () => {
  it("sends an edit only when the text changed and is not blank", () => {
    expect(editResult("old", "new")).toEqual({ text: "new" });
    expect(editResult("old", "old")).toEqual({ close: true });
    expect(editResult("old", "  \n")).toEqual({ error: "an edit needs some text" });
  });

  it("saves with Ctrl+Enter, cancels with Esc or an unchanged text, waits while the edit is on its way", () => {
    const log = [];
    const ed = createEditor("old text", TREE_EDITOR, {
      save: (t) => log.push(["save", t]), cancel: () => log.push(["cancel"]), problem: (t) => log.push(["problem", t]),
    });
    expect(ed.textarea.value).toBe("old text");
    expect(Number(ed.textarea.rows)).toBe(8);
    key(ed.textarea, "Enter", { ctrlKey: true }); // unchanged: a cancel
    ed.textarea.value = " ";
    key(ed.textarea, "Enter", { metaKey: true });
    ed.textarea.value = "new text";
    key(ed.textarea, "Enter", { ctrlKey: true });
    expect(ed.busy).toBe(true);
    key(ed.textarea, "Enter", { ctrlKey: true }); // busy: not sent twice
    ed.fail();
    expect(ed.busy).toBe(false);
    key(ed.textarea, "Escape");
    expect(log).toEqual([["cancel"], ["problem", "an edit needs some text"], ["save", "new text"], ["cancel"]]);
  });
});
