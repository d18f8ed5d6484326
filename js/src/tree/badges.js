// @ts-check
// What a node's box shows besides its sender and text (pure), and the small SVG "pills" that draw it:
//   top edge, right:    "?" (a question waiting for the user), the user's label as a tag, ★ (bookmarked);
//   bottom edge, right: the run's numbers: duration ("2.3 s") and tokens ("120 tok");
//   bottom edge, left:  the model, shortened;
// the status badge in the top-right corner stays (hidden descendants, cached, cancelled/failed, streaming, tool).
// A model message that asks for tools shows its calls ("→ add({"a": 2})") as its text lines; a tool's result is
// drawn in a monospace font, red when the tool failed. Far out (raster.js) bookmarks and labels are flags.
// Everything here is text only: a label is set as an SVG text node, never parsed.

import { oneLine, svg } from "../render.js";
import { questionOf } from "../shared/answer.js";

/** At most this many characters of a label on a node, and of a model's name. */
export const LABEL_CHARS = 22;
export const MODEL_CHARS = 16;
/** A pill's height, and the width of a character in its 9.5 px font (an estimate: text is centred in it). */
export const PILL_H = 13;
const CHAR_W = 5.7;
const PILL_PAD = 10;
const PILL_GAP = 4;

/**
 * A pill: its class, its text and its tooltip.
 * @typedef {{cls: string, text: string, title: string}} Pill
 * @typedef {Pill & {x: number, y: number, width: number}} PlacedPill
 * @typedef {{top: Pill[], bottom: Pill[], bottomLeft: Pill[]}} Badges
 */

/**
 * The annotations a node carries (`notes`, see agentforum_nb/nodes.py), or {}.
 * @param {{notes?: unknown} | null | undefined} n
 * @returns {Record<string, any>}
 */
export function notesOf(n) {
  return n && n.notes && typeof n.notes === "object" ? n.notes : {};
}

/**
 * @param {import("../types.js").TreeNode} n
 */
export function isBookmarked(n) {
  return notesOf(n).bookmark === true;
}

/**
 * The node's label (a non-blank str), or null.
 * @param {import("../types.js").TreeNode} n
 * @returns {string | null}
 */
export function labelOf(n) {
  const l = notesOf(n).label;
  return typeof l === "string" && l.trim() ? l : null;
}

/**
 * Is the node a question waiting for the user's answer (ctx.ask)? The answer box's rule (shared/answer.js).
 * @param {import("../types.js").TreeNode | null | undefined} n
 */
export function isAwaiting(n) {
  return questionOf(n) !== null;
}

/**
 * @param {unknown} v
 * @returns {v is number}
 */
const finite = (v) => typeof v === "number" && Number.isFinite(v);

/**
 * "0 s", "<0.01 s", "0.42 s", "2.3 s", "12 s", "2 min 5 s".
 * @param {unknown} s
 */
export function formatDuration(s) {
  if (!finite(s) || s < 0) return "";
  if (s === 0) return "0 s";
  if (s < 0.01) return "<0.01 s";
  if (s < 1) return `${s.toFixed(2)} s`;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 60) return `${Math.round(s)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

/**
 * "120 tok", "1.2k tok", "35k tok".
 * @param {unknown} n
 */
export function formatTokens(n) {
  if (!finite(n) || n < 0) return "";
  if (n < 1000) return `${Math.round(n)} tok`;
  if (n < 10000) return `${(n / 1000).toFixed(1)}k tok`;
  return `${Math.round(n / 1000)}k tok`;
}

/** A model's name as a badge: no provider prefix ("openai/"), no date suffix ("-20241022", "-2024-08-06"); a
 * FunctionModel's ("function:outer.<locals>.reply") as "ƒ reply".
 * @param {unknown} name
 */
export function shortModel(name) {
  if (typeof name !== "string" || !name.trim()) return "";
  let m = name.trim();
  if (m.startsWith("function:")) return oneLine(`ƒ ${m.slice(m.lastIndexOf(".") + 1).replace(/^function:/, "")}`, MODEL_CHARS);
  m = m.slice(m.lastIndexOf("/") + 1) || m;
  m = m.replace(/[-@](20\d\d-?\d\d-?\d\d)$/, "");
  return oneLine(m, MODEL_CHARS);
}

/**
 * A tool call as a node's text line: "→ name(arguments)" (arguments: compact JSON, already shortened).
 * @param {{name?: unknown, arguments?: unknown} | null | undefined} call
 */
export function toolCallText(call) {
  const name = call && typeof call.name === "string" ? call.name : "?";
  const args = call && typeof call.arguments === "string" ? call.arguments : "";
  const inner = args === "{}" ? "" : args;
  return `→ ${name}(${inner})`;
}

/**
 * The tool calls a node asks for ([] for none).
 * @param {import("../types.js").TreeNode | null | undefined} n
 * @returns {import("../types.js").ToolCall[]}
 */
export function toolCallsOf(n) {
  return n && Array.isArray(n.tool_calls) ? n.tool_calls.filter((c) => c && typeof c === "object") : [];
}

/**
 * Is the node a tool's result?
 * @param {import("../types.js").TreeNode | null | undefined} n
 */
export function isToolResult(n) {
  return !!(n && n.tool_result && typeof n.tool_result === "object" && typeof n.tool_result.call_id === "string");
}

/**
 * The exception a tool's result records (its `module.QualName`), or null.
 * @param {import("../types.js").TreeNode | null | undefined} n
 * @returns {string | null}
 */
export function toolError(n) {
  const result = n && n.tool_result;
  return result && typeof result.call_id === "string" && typeof result.error === "string" ? result.error : null;
}

/**
 * The pills of a node: {top, bottom, bottomLeft}, lists of {cls, text, title}. Pending nodes have none (their
 * numbers are not known yet).
 * @param {import("../types.js").TreeNode | null | undefined} n
 * @returns {Badges}
 */
export function nodeBadges(n) {
  /** @type {Badges} */
  const out = { top: [], bottom: [], bottomLeft: [] };
  if (!n || n.pending) return out;
  const notes = notesOf(n);
  if (isAwaiting(n)) out.top.push({ cls: "af-pill-ask", text: "?", title: "waiting for your answer" });
  const label = labelOf(n);
  if (label) out.top.push({ cls: "af-pill-label", text: oneLine(label, LABEL_CHARS), title: `label: ${label}` });
  if (isBookmarked(n)) out.top.push({ cls: "af-pill-bookmark", text: "★", title: "bookmarked" });
  const d = formatDuration(notes.duration_s);
  if (d) out.bottom.push({ cls: "af-pill-metric", text: d, title: "duration of the response" });
  const t = formatTokens(notes.tokens);
  if (t) out.bottom.push({ cls: "af-pill-metric", text: t, title: "tokens streamed" });
  const m = shortModel(notes.model);
  if (m) out.bottomLeft.push({ cls: "af-pill-model", text: m, title: `model: ${notes.model}` });
  return out;
}

/**
 * The estimated width of a pill showing `text`.
 * @param {unknown} text
 */
export function pillWidth(text) {
  const wide = [...String(text)].reduce((w, ch) => w + (ch.charCodeAt(0) > 0x2000 ? 1.6 : ch === " " ? 0.6 : 1), 0);
  return Math.round(wide * CHAR_W + PILL_PAD);
}

/**
 * Where the pills of `badges` go on a box `w` x `h` (x = centre, y = top), pure: [{cls, text, title, x, y,
 * width}] with (x, y) the pill's left end on the box's edge. Top and bottom pills are right-aligned 8 units
 * in from the right edge (the first listed leftmost; listed in their order), bottom-left ones left-aligned; the parent link enters
 * the top edge at its centre, the children's leave the bottom edge there, so pills stay clear of the middle.
 * @param {Badges} badges
 * @param {number} w
 * @param {number} h
 * @returns {PlacedPill[]}
 */
export function placePills(badges, w, h) {
  /** @type {PlacedPill[]} */
  const placed = [];
  /**
   * @param {Pill[]} list
   * @param {number} y
   */
  const right = (list, y) => {
    let x = w / 2 - 8;
    /** @type {PlacedPill[]} */
    const row = [];
    for (let i = list.length - 1; i >= 0; i--) {
      const width = pillWidth(list[i].text);
      x -= width;
      row.unshift({ ...list[i], x, y, width });
      x -= PILL_GAP;
    }
    placed.push(...row);
  };
  right(badges.top, 0);
  right(badges.bottom, h);
  let x = -w / 2 + 8;
  for (const b of badges.bottomLeft) {
    const width = pillWidth(b.text);
    placed.push({ ...b, x, y: h, width });
    x += width + PILL_GAP;
  }
  return placed;
}

/**
 * A signature of a node's pills: a drawn node whose signature did not change keeps its elements.
 * @param {PlacedPill[]} placed
 */
export function pillsKey(placed) {
  return placed.map((p) => `${p.cls}\u0001${p.text}\u0001${p.x}\u0001${p.y}`).join("\u0002");
}

/**
 * The SVG elements of placed pills (text only).
 * @param {PlacedPill[]} placed
 */
export function pillElements(placed) {
  return placed.map((p) => {
    const g = svg("g", { class: `af-pill ${p.cls}`, transform: `translate(${p.x},${p.y})` });
    g.append(svg("rect", { x: 0, y: -PILL_H / 2, width: p.width, height: PILL_H, rx: PILL_H / 2 }),
      svg("text", { x: p.width / 2, y: 3.4, "text-anchor": "middle" }, p.text));
    if (p.title) g.append(svg("title", {}, p.title));
    return g;
  });
}

/**
 * The flags a node gets on the far canvas (screen-sized): "bookmark" and / or "label".
 * @param {import("../types.js").TreeNode} n
 */
export function farFlags(n) {
  /** @type {("bookmark" | "label")[]} */
  const out = [];
  if (isBookmarked(n)) out.push("bookmark");
  if (labelOf(n)) out.push("label");
  return out;
}
