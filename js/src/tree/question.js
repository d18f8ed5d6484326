// The answer box of a question an agent is waiting on (`ctx.ask`: the node's notes say `awaiting: "user"`): in
// the details pane, a text input and "send", and one button per `choices` of the question; each sends
// `{kind: "answer", id, text}`. The kernel posts the answer under the question and the agent goes on; the
// question's `awaiting` note goes away, and with it the box. Text only.

import { el } from "../render.js";
import { isAwaiting } from "./badges.js";

/** What the box of node `n` offers (pure): null when it is not waiting, else {choices: [str]}. */
export function questionOf(n) {
  if (!isAwaiting(n)) return null;
  const choices = Array.isArray(n.choices) ? n.choices.filter((c) => typeof c === "string" && c.trim()) : [];
  return { choices };
}

/** The answer box for node `n` (key `key`), or null; `answer(key, text)` sends, `report(text)` shows a problem. */
export function answerBox(key, n, answer, report) {
  const q = questionOf(n);
  if (!q) return null;
  const box = el("div", { class: "af-ask" });
  const title = el("div", { class: "af-ask-title" }, `${n.sender} is waiting for your answer`);
  const input = el("input", { type: "text", class: "af-ask-input", placeholder: "your answer…" });
  const send = el("button", { type: "button", class: "af-ask-send" }, "send");
  const row = el("div", { class: "af-ask-row" });
  row.append(input, send);
  const choices = el("div", { class: "af-ask-choices" });
  const buttons = [send];
  const go = (text) => {
    if (!String(text).trim()) return report("type an answer first");
    for (const b of buttons) b.disabled = true;
    input.disabled = true;
    title.textContent = `answered: ${text}`;
    answer(key, text);
  };
  for (const c of q.choices) {
    const b = el("button", { type: "button", class: "af-ask-choice", "data-choice": c }, c);
    b.addEventListener("click", () => go(c));
    buttons.push(b);
    choices.append(b);
  }
  send.addEventListener("click", () => go(input.value));
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") {
      ev.preventDefault();
      ev.stopPropagation();
      go(input.value);
    }
  });
  box.append(title);
  if (q.choices.length) box.append(choices);
  box.append(row);
  return box;
}
