// @ts-check
// StreamView front end (anywidget): a promise's or sequence's messages as a cell's result, one row of sender +
// text each, updated live as tokens arrive (the `items` trait: [{sender, author?, text, status}]: a forward has its
// original's author and is labelled "<author> via <sender>"; a question an agent waits on also {id, notes:
// {awaiting: "user"}, choices}), and an error line (the `error` trait). A waiting question gets the answer box of
// shared/answer.js (an input and a button per choice); answering sends {kind: "answer", id, text}. Text is only
// ever set as text, never parsed as HTML.

import { el } from "./render.js";
import { answerMessage, createAnswerBox, questionOf } from "./shared/answer.js";
import { listen } from "./widget.js";

/**
 * One message of the `items` trait.
 * @typedef {{sender: string, author?: string, text: string, status: string, id?: string,
 *            notes?: Record<string, unknown>, choices?: string[]}} StreamItem
 * @typedef {import("./shared/answer.js").AnswerBox} AnswerBox
 */

const ROW_STYLE = "margin:2px 0;font-family:var(--jp-code-font-family,monospace);white-space:pre-wrap";
const NOTE =
  "Answers reach the kernel between cells: show the call's sequence as a cell's result (do not await it in the " +
  "cell), then answer here.";

/** @type {import("./shared/answer.js").AnswerLook} */
export const ANSWER_LOOK = Object.freeze({
  box: "af-stream-answer",
  title: "",
  choices: "", // the buttons, the input and "answer" on one wrapping line
  choice: "af-stream-choice",
  line: "",
  input: "af-stream-input",
  send: "af-stream-send",
  sendLabel: "answer",
  busy: "",
  placeholder: () => "your answer",
});

/**
 * The answer box of a waiting question: an input, Enter or "answer" to send, a button per choice.
 * @param {string} id
 * @param {import("./types.js").Question} question
 * @param {(content: Record<string, unknown>) => void} send
 * @returns {AnswerBox}
 */
export function answerBox(id, question, send) {
  const box = createAnswerBox(id, question, ANSWER_LOOK, { send: (text) => send(answerMessage(id, text)) });
  box.el.style.cssText = "margin:4px 0 6px 1.5em;display:flex;gap:4px;flex-wrap:wrap;align-items:center";
  box.input.style.cssText = "flex:1;min-width:12em";
  const note = el("div", { class: "af-stream-note" }, NOTE);
  note.style.cssText = "flex-basis:100%;font-size:11px;opacity:0.7";
  box.el.append(note);
  return box;
}

/**
 * The answer boxes drawn in `host`, by question id (kept across redraws: the text typed so far survives tokens
 * streaming elsewhere).
 * @param {HTMLElement & {afAnswerBoxes?: Map<string, AnswerBox>}} host
 */
export function answerBoxesOf(host) {
  return host.afAnswerBoxes || (host.afAnswerBoxes = new Map());
}

/**
 * Who an item is from: its sender, or for a forward "<author> via <sender>" (as the TreeView labels it).
 * @param {StreamItem} item
 */
export function itemLabel(item) {
  return item.author && item.author !== item.sender ? `${item.author} via ${item.sender}` : item.sender;
}

/**
 * Replace the contents of `host` with the rows of `items` and the `error` line.
 * @param {HTMLElement} host
 * @param {StreamItem[]} items
 * @param {string} error
 * @param {(content: Record<string, unknown>) => void} [send]
 */
export function drawStream(host, items, error, send = () => {}) {
  const boxes = answerBoxesOf(host);
  const live = new Set();
  host.replaceChildren();
  for (const item of items) {
    const row = el("div");
    row.style.cssText = ROW_STYLE;
    const text = el("span", {}, item.text);
    if (item.status !== "complete") text.style.opacity = item.status === "streaming" ? "0.85" : "0.6";
    row.append(el("b", {}, itemLabel(item) + ": "), text);
    // a message that ended otherwise than complete (cancelled, failed...) says so
    if (item.status !== "complete" && item.status !== "streaming") row.append(el("i", {}, " [" + item.status + "]"));
    host.append(row);
    const question = questionOf(item);
    if (question && item.id) {
      live.add(item.id);
      let box = boxes.get(item.id);
      if (!box) {
        box = answerBox(item.id, question, send);
        boxes.set(item.id, box);
      }
      host.append(box.el);
    }
  }
  for (const id of [...boxes.keys()]) if (!live.has(id)) boxes.delete(id);
  if (error) {
    const e = el("div", {}, error);
    e.style.color = "#b91c1c";
    host.append(e);
  }
}

/** @param {{model: import("./types.js").Model, el: HTMLElement}} props */
function render({ model, el: host }) {
  /** @param {Record<string, unknown>} content */
  const send = (content) => {
    model.send(content);
  };
  const redraw = () => drawStream(host, model.get("items") || [], model.get("error") || "", send);
  const onError = () => {
    // the kernel refused an answer: its box can be used again
    if (model.get("error")) for (const box of answerBoxesOf(host).values()) if (box.busy) box.fail();
    redraw();
  };
  const unlisten = listen(model, { "change:items": redraw, "change:error": onError });
  redraw();
  return unlisten;
}

export default { render };
