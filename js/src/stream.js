// StreamView front end (anywidget): a promise's or sequence's messages as a cell's result, one row of sender +
// text each, updated live as tokens arrive (the `items` trait: [{sender, text, status}]), and an error line
// (the `error` trait). Text is only ever set as text (textContent), never parsed as HTML.

import { el } from "./render.js";
import { listen } from "./widget.js";

const ROW_STYLE = "margin:2px 0;font-family:var(--jp-code-font-family,monospace);white-space:pre-wrap";

/** Replace the contents of `host` with the rows of `items` and the `error` line. */
export function drawStream(host, items, error) {
  host.replaceChildren();
  for (const item of items) {
    const row = el("div");
    row.style.cssText = ROW_STYLE;
    const text = el("span", {}, item.text);
    if (item.status !== "complete") text.style.opacity = item.status === "streaming" ? "0.85" : "0.6";
    row.append(el("b", {}, item.sender + ": "), text);
    // a message that ended otherwise than complete (cancelled, failed...) says so
    if (item.status !== "complete" && item.status !== "streaming") row.append(el("i", {}, " [" + item.status + "]"));
    host.append(row);
  }
  if (error) {
    const e = el("div", {}, error);
    e.style.color = "#b91c1c";
    host.append(e);
  }
}

function render({ model, el: host }) {
  const redraw = () => drawStream(host, model.get("items"), model.get("error"));
  const unlisten = listen(model, { "change:items": redraw, "change:error": redraw });
  redraw();
  return unlisten;
}

export default { render };
