// @ts-check
// One transcript row: what it shows (pure: messageView) and its elements (buildRow). Message text goes through
// the safe markdown renderer; the sender and every label are set as text.

import { nodeColour, nodeStatus } from "../render.js";
import { alternativeArrows, arrowLabel } from "./branches.js";
import { questionOf } from "../shared/answer.js";
import { editable } from "./inputs.js";
import { renderMarkdown } from "./markdown.js";
import { attachmentsOf } from "../shared/attachments.js";
import { costText } from "../shared/cost.js";
import { toolCallText, toolCallsOf } from "../tree/badges.js";

/**
 * What a row shows (plain data: an unchanged row is recognised and kept).
 * @typedef {object} RowView
 * @property {string} key
 * @property {string} status
 * @property {string} label
 * @property {string} via        a forward: who passed it on ("" for a message of its own)
 * @property {string[]} tags
 * @property {string} colour
 * @property {string} text
 * @property {import("./branches.js").Arrows | null} arrows
 * @property {boolean} regenerate
 * @property {boolean} edit
 * @property {boolean} editing
 * @property {import("../types.js").Question | null} question
 * @property {string} detail     an error's `error_detail` (a provider's error body), as text ("" when none)
 * @property {boolean} detailOpen the detail is short: shown unfolded
 * @property {string} reasoning  the model's reasoning ("" for none; live while it streams): shown folded
 * @property {boolean} live       still streaming
 * @property {string} attachments the attachments' hashes, joined ("" for none; the elements come from chat.js)
 * @property {string} cost       what the answer cost ("" when not priced)
 * @property {string[]} calls     the tools a model message asks for ("→ name(arguments)"), as text
 */

/** An error detail up to this many characters and lines is shown unfolded; a longer one is folded. */
export const DETAIL_OPEN = { chars: 240, lines: 4 };

/**
 * Whether an error detail is short enough to show unfolded.
 * @param {string} text
 */
export function detailIsShort(text) {
  return text.length <= DETAIL_OPEN.chars && text.split("\n").length <= DETAIL_OPEN.lines;
}

/** @param {unknown} c */
const isColour = (c) => typeof c === "string" && /^#[0-9a-f]{6}$/i.test(c);

/** Which per-message actions are offered: "edit" (an edited sibling, its branch shown) and "regenerate". */
export const FEATURES = { edit: true, regenerate: true };

/** @type {Record<string, string>} */
const TAGS = { pending: "streaming…", cancelled: "cancelled", failed: "failed", error: "error" };

/**
 * What a row of node `n` shows: plain data, so that an unchanged row is recognised and kept as it is.
 * `editing`: the id whose editor is open (its row shows the editor instead of its text). A forward is shown as its
 * author's message (name and colour: the kernel sends `author` and `author_colour`), passed on "via" its sender.
 * @param {import("../types.js").TreeNode} n
 * @param {Map<string, string[]>} alternatives  id -> its alternatives (the kernel's lists)
 * @param {Set<string>} agents
 * @param {{edit?: boolean, regenerate?: boolean}} [features]
 * @param {string | null} [editing]
 * @returns {RowView}
 */
export function messageView(n, alternatives, agents, features = FEATURES, editing = null) {
  const status = nodeStatus(n);
  const tags = [];
  if (TAGS[status]) tags.push(TAGS[status]);
  else if (status !== "complete" && typeof status === "string") tags.push(status);
  if (n.cached) tags.push("cached");
  if (n.notes && typeof n.notes.edited_from === "string") tags.push("edited");
  const extra = /** @type {{error_detail?: unknown, author_colour?: unknown}} */ (n);
  const forwarded = n.kind === "forward" || Boolean(n.pending && n.author && n.author !== n.sender);
  const author = forwarded && n.author ? String(n.author) : "";
  const label = author || String(n.sender ?? "");
  const via = forwarded ? String(n.sender ?? "") : "";
  const stored = !n.pending && typeof n.id === "string";
  const detail = status === "error" && typeof extra.error_detail === "string" ? extra.error_detail : "";
  return {
    key: n.key,
    status,
    label,
    via,
    tags,
    colour: author && isColour(extra.author_colour) ? String(extra.author_colour) : nodeColour(n),
    text: String(n.text ?? n.snippet ?? ""), // the kernel sends a transcript's nodes with their whole text
    arrows: stored ? alternativeArrows(alternatives, n.id) : null,
    regenerate: Boolean(features.regenerate && stored && n.parent && agents.has(n.sender)),
    edit: Boolean(features.edit && editable(n)),
    editing: Boolean(stored && editing !== null && n.id === editing),
    question: questionOf(n), // {choices} while an agent waits for the answer: the row gets an answer box
    detail,
    detailOpen: detail !== "" && detailIsShort(detail),
    reasoning: typeof n.reasoning === "string" ? n.reasoning : "",
    live: Boolean(n.pending),
    attachments: attachmentsOf(n.attachments).map((a) => a.sha256).join(" "),
    cost: n.notes && typeof n.notes.cost_usd === "number" ? costText(n.notes.cost_usd) : "",
    calls: toolCallsOf(n).map(toolCallText),
  };
}

/**
 * @param {string} action
 * @param {string} text
 * @param {string} title
 * @param {string | null} [id]
 */
function button(action, text, title, id) {
  const b = document.createElement("button");
  b.type = "button";
  b.setAttribute("data-action", action);
  if (id) b.setAttribute("data-id", id);
  b.title = title;
  b.textContent = text;
  return b;
}

/**
 * An error's detail (a provider's error body) as text under the error: a <details> box, open when it is short.
 * @param {string} text
 * @param {boolean} open
 */
export function detailBox(text, open) {
  const box = document.createElement("details");
  box.className = "af-chat-detail";
  box.open = open;
  const summary = document.createElement("summary");
  const lines = text.split("\n").length;
  summary.textContent = open ? "error detail" : `error detail (${lines} line${lines === 1 ? "" : "s"}, ${text.length} characters)`;
  const body = document.createElement("pre");
  body.className = "af-chat-detail-text";
  body.textContent = text;
  box.append(summary, body);
  return box;
}

/**
 * The elements of a row (see messageView); buttons carry data-action (+ data-id for the arrows). `inputs`: the
 * elements chat.js keeps for the row, mounted here: `editor` (in place of the text while editing) and `answer`
 * (under the text of a waiting question), `reasoning` (the fold, over the text) and `attachments` (under it).
 * @param {RowView} view
 * @param {{editor?: HTMLElement | null, answer?: HTMLElement | null, reasoning?: HTMLElement | null,
 *          attachments?: HTMLElement | null}} [inputs]
 */
export function buildRow(view, inputs = {}) {
  const row = document.createElement("div");
  const classes = ["af-chat-msg"];
  if (view.status !== "complete") classes.push(`af-chat-${view.status}`);
  if (view.editing) classes.push("af-chat-editing");
  if (view.question) classes.push("af-chat-question");
  row.className = classes.join(" ");
  row.setAttribute("data-key", view.key);
  row.style.background = view.colour;
  const top = document.createElement("div");
  top.className = "af-chat-top";
  const who = document.createElement("span");
  who.className = "af-chat-who";
  who.textContent = view.label;
  top.append(who);
  if (view.via) {
    const via = document.createElement("span");
    via.className = "af-chat-via";
    via.textContent = `via ${view.via}`;
    via.title = `passed on by ${view.via}: a forward of ${view.label}'s message`;
    top.append(via);
  }
  for (const t of view.tags) {
    const tag = document.createElement("span");
    tag.className = "af-chat-tag";
    tag.textContent = t;
    top.append(tag);
  }
  if (view.cost) {
    const cost = document.createElement("span");
    cost.className = "af-chat-tag af-chat-cost";
    cost.textContent = view.cost;
    cost.title = "what this answer cost (cost_usd, priced by genai-prices)";
    top.append(cost);
  }
  const spacer = document.createElement("span");
  spacer.className = "af-chat-spacer";
  top.append(spacer);
  if (view.question) {
    const tag = document.createElement("span");
    tag.className = "af-chat-tag af-chat-waiting";
    tag.textContent = "waiting for your answer";
    top.append(tag);
  }
  if (view.edit && !view.editing) top.append(button("edit", "edit", "edit this message: a new branch from here"));
  if (view.regenerate) top.append(button("regenerate", "regenerate", "ask the same agent again: a sibling answer"));
  if (view.arrows) {
    const a = view.arrows;
    const box = document.createElement("span");
    box.className = "af-chat-branches";
    const prev = button("prev", "‹", "previous branch", a.prev);
    const next = button("next", "›", "next branch", a.next);
    prev.disabled = !a.prev;
    next.disabled = !a.next;
    const pos = document.createElement("span");
    pos.className = "af-chat-pos";
    pos.textContent = arrowLabel(a);
    box.append(prev, pos, next);
    top.append(box);
  }
  row.append(top);
  if (inputs.reasoning) row.append(inputs.reasoning);
  if (view.editing && inputs.editor) {
    row.append(inputs.editor);
  } else {
    const text = document.createElement("div");
    text.className = "af-chat-text";
    text.append(renderMarkdown(view.text));
    row.append(text);
  }
  if (view.calls.length) {
    const calls = document.createElement("div");
    calls.className = "af-chat-calls";
    for (const c of view.calls) {
      const code = document.createElement("code");
      code.textContent = c;
      calls.append(code);
    }
    row.append(calls);
  }
  if (inputs.attachments) row.append(inputs.attachments);
  if (view.detail) row.append(detailBox(view.detail, view.detailOpen));
  if (view.question && inputs.answer) row.append(inputs.answer);
  return row;
}
