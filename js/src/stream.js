// StreamView front end (anywidget): a promise's or sequence's messages as a cell's result, one row of sender +
// text each, updated live as tokens arrive (the `items` trait: [{sender, author?, text, status, awaiting?, id?,
// choices?}]; a forward has its original's author and is labelled "<author> via <sender>"),
// and an error line (the `error` trait). A question its agent waits on (ctx.ask) gets an input box and a button
// per choice; answering sends {kind: "answer", id, text}. Text is only ever set as text, never parsed as HTML.

import { el } from "./render.js";
import { listen } from "./widget.js";

const ROW_STYLE = "margin:2px 0;font-family:var(--jp-code-font-family,monospace);white-space:pre-wrap";
const NOTE =
  "Answers reach the kernel between cells: show the call's sequence as a cell's result (do not await it in the " +
  "cell), then answer here.";

/** The answer box of a waiting question: an input, Enter or "answer" to send, a button per choice. */
export function answerBox(item, send) {
  const box = el("div", { class: "af-stream-answer" });
  box.style.cssText = "margin:4px 0 6px 1.5em;display:flex;gap:4px;flex-wrap:wrap;align-items:center";
  for (const choice of item.choices || []) {
    const b = el("button", { type: "button", class: "af-stream-choice" }, choice);
    b.addEventListener("click", () => send({ kind: "answer", id: item.id, text: choice }));
    box.append(b);
  }
  const input = el("input", { type: "text", placeholder: "your answer", class: "af-stream-input" });
  input.style.cssText = "flex:1;min-width:12em";
  const go = el("button", { type: "button", class: "af-stream-send" }, "answer");
  const submit = () => {
    if (input.value.trim()) send({ kind: "answer", id: item.id, text: input.value });
  };
  go.addEventListener("click", submit);
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") submit();
  });
  const note = el("div", { class: "af-stream-note" }, NOTE);
  note.style.cssText = "flex-basis:100%;font-size:11px;opacity:0.7";
  box.append(input, go, note);
  return box;
}

/** Who an item is from: its sender, or for a forward "<author> via <sender>" (as the TreeView labels it). */
export function itemLabel(item) {
  return item.author && item.author !== item.sender ? `${item.author} via ${item.sender}` : item.sender;
}

/** Replace the contents of `host` with the rows of `items` and the `error` line. */
export function drawStream(host, items, error, send = () => {}) {
  // answer boxes are kept across redraws (the text typed so far survives tokens streaming elsewhere)
  const boxes = host.afAnswerBoxes || (host.afAnswerBoxes = new Map());
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
    if (item.awaiting && item.id) {
      live.add(item.id);
      if (!boxes.has(item.id)) boxes.set(item.id, answerBox(item, send));
      host.append(boxes.get(item.id));
    }
  }
  for (const id of [...boxes.keys()]) if (!live.has(id)) boxes.delete(id);
  if (error) {
    const e = el("div", {}, error);
    e.style.color = "#b91c1c";
    host.append(e);
  }
}

function render({ model, el: host }) {
  const send = (content) => model.send(content);
  const redraw = () => drawStream(host, model.get("items"), model.get("error"), send);
  const unlisten = listen(model, { "change:items": redraw, "change:error": redraw });
  redraw();
  return unlisten;
}

export default { render };
