// @ts-check
// The TreeView's answer box: the box of shared/answer.js in the details pane's look, titled "<sender> is
// waiting for your answer" (and "answered: <text>" while the answer is on its way). The kernel posts the answer
// under the question and the agent goes on; the question's `awaiting` note goes away, and with it the box.

import { createAnswerBox } from "../shared/answer.js";

/** @type {import("../shared/answer.js").AnswerLook} */
export const ANSWER_LOOK = Object.freeze({
  box: "af-ask",
  title: "af-ask-title",
  choices: "af-ask-choices",
  choice: "af-ask-choice",
  line: "af-ask-row",
  input: "af-ask-input",
  send: "af-ask-send",
  sendLabel: "send",
  busy: "",
  placeholder: () => "your answer…",
});

/**
 * The answer box of node `n` (key `key`), which asks `question`; `answer(key, text)` sends, `report(text)` shows
 * a problem.
 * @param {string} key
 * @param {import("../types.js").TreeNode} n
 * @param {import("../types.js").Question} question
 * @param {(key: string, text: string) => void} answer
 * @param {(text: string) => void} report
 */
export function answerBox(key, n, question, answer, report) {
  return createAnswerBox(key, question, ANSWER_LOOK, {
    send: (text) => answer(key, text),
    blank: () => report("type an answer first"),
    title: `${n.sender} is waiting for your answer`,
  });
}
