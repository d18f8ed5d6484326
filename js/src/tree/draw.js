// @ts-check
// Drawing a layout. Near (zoom >= FAR_ZOOM): SVG, only for the nodes in and around the view (a window 1.7 times
// the view each way, redrawn when the view leaves it): one <g> per node (cloned from a prototype), three paths
// for the parent links (on the head's path, through a folded forward, the rest), one path per forward / reply
// link, the runs' spans; each node's badges (badges.js: duration, tokens, model, label, bookmark, a waiting
// question) as pills on its edges. Far (zoom < FAR_ZOOM): the whole tree on a <canvas> (raster.js), no labels,
// the head, the selection, search matches, waiting questions and errors outlined with strokes and markers of a
// fixed size on screen, bookmarks and labels flagged.
// Text is never drawn below LEGIBLE_PX on screen. The level of detail follows the zoom (labelLevel): "full"
// labels (sender, two lines, badges, pills) while their smallest font is legible; below, labels in larger fonts
// and fewer lines: "short" (the sender and two lines of text), "brief" (the sender and a line), "tag" (the sender
// alone), then shapes only (the canvas). hover.js shows the node under the pointer whenever the labels are not
// full.
// A node's look is decided in one place per renderer: nodeClass (SVG: its classes) and raster.js's nodeLook
// (canvas: fill and outline); both take the same marks.
// The decisions (classes, labels, paths, level of detail, status line) are pure functions; createDrawing
// applies them.

import { pathTo } from "../state.js";
import { NODE_H, NODE_W } from "../layout.js";
import { senderLabel } from "../view.js";
import { runBox, runLabel } from "../runs.js";
import { nodeColour, nodeStatus, oneLine, svg } from "../render.js";
import { createIndex } from "./spatial.js";
import { containsRect, growRect, visibleRect } from "./viewport.js";
import { createRaster } from "./raster.js";
import { contextKeys, emphasis } from "./emphasis.js";
import { isAwaiting, isBookmarked, isToolResult, labelOf, nodeBadges, pillElements, pillsKey, placePills,
  toolCallsOf, toolCallText, toolError } from "./badges.js";

/** @typedef {import("../types.js").TreeNode} TreeNode */
/**
 * The marks a drawing shows: the head and the selection (drawn keys), the keys on the head's path, the matches;
 * the selection's context (emphasis.js: highlighted, the rest dimmed) and the senders a filter keeps.
 * @typedef {{head: string | null, selected: string | null, onHead: Set<string>, matches: Set<string>,
 *            context?: Set<string>, senders?: Set<string>}} DrawMarks
 * @typedef {{fill: string, sender: string, lines: string[], mono: number, badge: string,
 *            pills: import("./badges.js").PlacedPill[]}} NodeLabels
 * @typedef {{group: import("../runs.js").RunGroup, box: import("../types.js").Box, collapsed: boolean}} DrawnSpan
 */

/** No text is drawn smaller than this on screen (CSS pixels). */
export const LEGIBLE_PX = 9;
/**
 * The fonts of a node's labels, in drawing units: "full" labels' smallest is the pills' (style.js: sender 11,
 * text 10.5, monospace and badge 10, pills 9.5); the larger ones' (scalestyle.js draws them in these sizes).
 */
export const LABEL_FONTS = Object.freeze({ full: 9.5, short: 15, brief: 20, tag: 30 });
/** The levels of detail, most detailed first; how many lines of text each shows under the sender's. */
export const LABEL_LEVELS = /** @type {const} */ (["full", "short", "brief", "tag"]);
export const LABEL_LINES = Object.freeze({ short: 2, brief: 1, tag: 0 });
/** Where the lines of a larger level go in the box (baselines, drawing units): the sender's, then the text's. */
export const LABEL_BASELINES = Object.freeze({ short: [16, 35, 53], brief: [25, 50], tag: [41] });
/** @typedef {"full" | "short" | "brief" | "tag" | "shapes"} LabelLevel */
/** @typedef {"short" | "brief" | "tag"} LargerLevel */

/**
 * Level of detail (pure): the most detailed labels whose smallest font is at least LEGIBLE_PX on screen at the
 * zoom `k`; "shapes" (no text) when none is.
 * @param {number} k
 * @returns {LabelLevel}
 */
export function labelLevel(k) {
  for (const level of LABEL_LEVELS) if (LABEL_FONTS[level] * k >= LEGIBLE_PX - 1e-9) return level;
  return "shapes";
}

/** From this zoom up the full labels are drawn (and searching or centring on a node zooms in to it). */
export const FULL_ZOOM = LEGIBLE_PX / LABEL_FONTS.full;
/** Below this zoom no text is legible: the tree is drawn on a canvas, as shapes. */
export const FAR_ZOOM = LEGIBLE_PX / LABEL_FONTS.tag;
/** Characters per text line of a node, and lines. */
export const LINE_CHARS = 40;
export const TEXT_LINES = 2;
/** The SVG window is the view grown by this much of its size on each side. */
const WINDOW_MARGIN = 0.35;
/** Room for text in a node's box, in drawing units (8 on each side). */
const TEXT_ROOM = NODE_W - 16;

/**
 * Level of detail (pure): is the zoom `k` too far out for any text (shapes on the canvas)?
 * @param {number} k
 */
export function isFar(k) {
  return labelLevel(k) === "shapes";
}

/**
 * How many characters of a `font`-unit font fit on a line of a node's box (an estimate: an average character is
 * 0.56 em wide, a bold one 0.62).
 * @param {number} font
 * @param {boolean} [bold]
 */
export function charsFor(font, bold = false) {
  return Math.max(4, Math.floor(TEXT_ROOM / (font * (bold ? 0.62 : 0.56))));
}

/**
 * The labels of a node at a larger `level` (pure): the sender's line and the level's lines of text (wrapped
 * between words), each cut to fit the box in the level's font.
 * @param {NodeLabels} labels
 * @param {LargerLevel} level
 * @returns {string[]}
 */
export function shortLabels(labels, level) {
  const font = LABEL_FONTS[level];
  const out = [oneLine(labels.sender, charsFor(font, true))];
  const n = LABEL_LINES[level];
  if (n) out.push(...wrapLines(labels.lines.join(" "), charsFor(font), n));
  return out;
}

const STATUS_CLASS = new Map([["pending", "af-streaming"], ["error", "af-error"], ["cancelled", "af-cancelled"],
  ["failed", "af-failed"]]);

/**
 * The class of a node's status ("" for a complete message).
 * @param {TreeNode} n
 */
export function statusClass(n) {
  return STATUS_CLASS.get(nodeStatus(n)) || "";
}

/**
 * The keys on the path from a root to `head` (empty without a head); `tree` is a state or a view.
 * @param {import("../types.js").Tree} tree
 * @param {string | null} head
 * @returns {Set<string>}
 */
export function headPath(tree, head) {
  return new Set(head ? pathTo(tree, head) : []);
}

/**
 * A node's class attribute; `marks` is {head, selected, onHead (a Set of keys), matches (a Set, optional)}.
 * @param {string} key
 * @param {TreeNode} n
 * @param {{head: string | null, selected: string | null, onHead: Set<string>, matches?: Set<string>,
 *          context?: Set<string>, senders?: Set<string>}} marks
 */
export function nodeClass(key, n, marks) {
  const c = ["af-node", statusClass(n), emphasis(key, n, marks)];
  if (n.cached) c.push("af-cached");
  if (isToolResult(n)) c.push(toolError(n) ? "af-tool af-tool-error" : "af-tool");
  if (toolCallsOf(n).length) c.push("af-calls");
  if (isAwaiting(n)) c.push("af-awaiting");
  if (isBookmarked(n)) c.push("af-bookmarked");
  if (labelOf(n)) c.push("af-labelled");
  if (marks.matches && marks.matches.has(key)) c.push("af-match");
  if (marks.onHead.has(key)) c.push("af-onhead");
  if (key === marks.head) c.push("af-head");
  if (key === marks.selected) c.push("af-selected");
  return c.filter(Boolean).join(" ");
}

/**
 * `text` on at most `lines` lines of at most `width` characters, broken between words where it can; the last
 * line ends with "…" when the text does not fit.
 * @param {unknown} text
 * @param {number} [width]
 * @param {number} [lines]
 */
export function wrapLines(text, width = LINE_CHARS, lines = TEXT_LINES) {
  const t = String(text ?? "").replace(/\s+/g, " ").trim();
  /** @type {string[]} */
  const out = [];
  let rest = t;
  while (rest && out.length < lines) {
    if (rest.length <= width) {
      out.push(rest);
      break;
    }
    if (out.length === lines - 1) {
      out.push(rest.slice(0, width - 1).trimEnd() + "…");
      break;
    }
    let cut = rest.lastIndexOf(" ", width);
    if (cut < width / 2) cut = width; // a long word: cut it
    out.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  return out;
}

/**
 * The text lines of a model message asking for tools: its text (if any) on the first, then the calls.
 * @param {string} text
 * @param {import("../types.js").ToolCall[]} calls
 */
export function callLines(text, calls) {
  const shown = calls.map((c) => oneLine(toolCallText(c), LINE_CHARS));
  const first = String(text ?? "").trim() ? wrapLines(text, LINE_CHARS, 1) : [];
  const room = TEXT_LINES - first.length;
  const lines = shown.slice(0, room);
  const more = calls.length - lines.length;
  if (more > 0 && lines.length) {
    const tail = ` +${more} more`;
    lines[lines.length - 1] = oneLine(toolCallText(calls[lines.length - 1]), LINE_CHARS - tail.length) + tail;
  }
  return { lines: [...first, ...lines], mono: first.length };
}

/**
 * What a node's box shows: its fill, the sender's line, the text lines (`mono`: the index of the first line in a
 * monospace font, tool calls and results; -1 for none), the status badge (`item`: its layout entry; `sender`:
 * the sender's label, see view.js senderLabel) and the pills on its edges (badges.js).
 * @param {TreeNode} n
 * @param {{hidden?: number} | null | undefined} item
 * @param {string | null} [sender]
 * @returns {NodeLabels}
 */
export function nodeLabels(n, item, sender = null) {
  /** @type {string[]} */
  const marks = [];
  if (item && item.hidden) marks.push(`+${item.hidden}`);
  if (n.cached) marks.push("cached");
  if (isToolResult(n)) marks.push(toolError(n) ? "tool error" : "tool");
  if (!n.pending && n.status !== "complete") marks.push(n.status);
  if (n.pending) marks.push("…");
  const text = n.pending ? (n.text ?? "").slice(-LINE_CHARS * TEXT_LINES) : n.snippet;
  const calls = n.pending ? [] : toolCallsOf(n);
  /** @type {string[]} */
  let lines;
  let mono = -1;
  if (calls.length) ({ lines, mono } = callLines(text, calls));
  else {
    lines = wrapLines(text);
    if (isToolResult(n)) mono = 0;
  }
  const label = sender ?? (n.kind === "forward" ? "↪ " : "") + n.sender;
  return {
    fill: n.kind === "error" ? "#fee2e2" : toolError(n) ? "#fef2f2" : nodeColour(n),
    sender: oneLine(label, 40),
    lines,
    mono,
    badge: marks.join(" "),
    pills: placePills(nodeBadges(n), NODE_W, NODE_H),
  };
}

/**
 * What a "+k more" item shows (folded siblings; layout.js): "+k more", the messages they hold, "click to show".
 * @param {{siblings: number, messages: number}} more
 * @returns {NodeLabels}
 */
export function moreLabels(more) {
  const m = more.messages;
  return {
    fill: "#f8fafc",
    sender: `+${more.siblings} more`,
    lines: [`${m} message${m === 1 ? "" : "s"} folded here`, "click to show them"],
    mono: -1,
    badge: "",
    pills: [],
  };
}

/**
 * A node's tooltip: sender, short id and the full snippet (or streamed text).
 * @param {TreeNode} n
 */
export function tooltipText(n) {
  return `${n.sender}${n.id ? " " + n.id.slice(0, 12) : ""}\n${oneLine(n.pending ? n.text : n.snippet, 300)}`;
}

/**
 * The class of text line `i` of a node's labels.
 * @param {{mono: number}} labels
 * @param {number} i
 */
export function lineClass(labels, i) {
  const base = i === 0 ? "af-snippet" : "af-snippet af-line2";
  return labels.mono >= 0 && i >= labels.mono ? `${base} af-mono` : base;
}

/**
 * A parent link: a vertical S-curve from the bottom of `a` to the top of `b` (x = centre, y = top); one with a
 * `route` (layout.js: to a wrapped row, to the next column of a chain) follows its points.
 * @param {{x: number, y: number}} a
 * @param {{x: number, y: number}} b
 * @param {{x: number, y: number}[] | null} [route]
 */
export function linkPath(a, b, route = null) {
  const y1 = a.y + NODE_H, y2 = b.y, my = (y1 + y2) / 2;
  if (route) return route.map((p, i) => `${i ? "L" : "M"}${p.x},${p.y}`).join("");
  return `M${a.x},${y1}C${a.x},${my} ${b.x},${my} ${b.x},${y2}`;
}

/**
 * A forward / reply link: a curve between the two boxes' right-hand middles, bulging right.
 * @param {{x: number, y: number}} a
 * @param {{x: number, y: number}} b
 */
export function extraPath(a, b) {
  return `M${a.x + NODE_W / 2},${a.y + NODE_H / 2}Q${(a.x + b.x) / 2 + 40},${(a.y + b.y) / 2} ${b.x + NODE_W / 2},${b.y + NODE_H / 2}`;
}

/**
 * A layout's parent links as path strings: `onPath` (both ends on the head's path), `forwarded` (through a
 * folded forward) and `plain`; only links with an end in `keep` (a Set of keys) when it is given; `context`: both
 * ends in the selection's context (emphasis.js).
 * @param {import("../types.js").Layout} layout
 * @param {Set<string>} onHead
 * @param {Set<string> | null} [keep]
 * @param {Set<string> | null} [context]
 */
export function linkPaths(layout, onHead, keep = null, context = null) {
  let plain = "";
  let onPath = "";
  let forwarded = "";
  let inContext = "";
  for (const { source, target, type, route } of layout.links) {
    if (keep && !keep.has(source) && !keep.has(target)) continue;
    const d = linkPath(/** @type {import("../types.js").LayoutItem} */ (layout.pos.get(source)),
      /** @type {import("../types.js").LayoutItem} */ (layout.pos.get(target)), route);
    if (context && context.has(source) && context.has(target)) inContext += d;
    else if (onHead.has(source) && onHead.has(target)) onPath += d;
    else if (type === "forwarded") forwarded += d;
    else plain += d;
  }
  return { plain, onPath, forwarded, context: inContext };
}

/**
 * The status line: how many nodes, and how many are drawn when only the head's neighbourhood is.
 * @param {number} total
 * @param {import("../types.js").Layout} layout
 * @param {unknown} budget
 * @param {number} [folded]
 */
export function statusText(total, layout, budget, folded = 0) {
  let more = 0;
  for (const item of layout.nodes) if (item && item.more) more += item.more.siblings;
  const roots = layout.groups ? layout.groups.length : 0;
  return `${total} node${total === 1 ? "" : "s"}` +
    (roots > 1 ? ` in ${roots} conversations` : "") +
    (folded ? ` · ${folded} forward${folded === 1 ? "" : "s"} drawn in ${folded === 1 ? "its original" : "their originals"}` : "") +
    (more ? ` · ${more} sibling${more === 1 ? "" : "s"} folded into "+ more"` : "") +
    (layout.focused ? ` · showing ${layout.nodes.length} around the head (budget ${budget})` : "");
}

/**
 * The key of the node under a pointer event, or null.
 * @param {Event} ev
 */
export function keyOf(ev) {
  const g = ev.target instanceof Element ? ev.target.closest("g.af-node") : null;
  return g ? g.getAttribute("data-key") : null;
}

/**
 * The drawing of a layout into the layers of `dom` (see dom.js).
 * @param {ReturnType<typeof import("./dom.js").buildTree>} dom
 */
export function createDrawing(dom) {
  const { svgRoot, nodeLayer, linkLayer, extraLayer, spanLayer } = dom;
  /** @type {Map<string, Element>} key -> <g> (the nodes in the window) */
  const elements = new Map();
  const raster = createRaster(dom.raster);
  /** @type {import("../types.js").Layout | null} */
  let layout = null;
  /** @type {import("../types.js").View | null} the drawn tree (view.js) */
  let view = null;
  /** @type {ReturnType<typeof createIndex> | null} */
  let index = null;
  /** @type {DrawMarks} */
  let marks = { head: null, selected: null, onHead: new Set(), matches: new Set() };
  /** @type {DrawnSpan[]} */
  let spans = [];
  /** @type {import("./viewport.js").Rect | null} the drawing rectangle the SVG holds, or null: to be redrawn */
  let win = null;
  /** @type {boolean | null} */
  let far = null;
  /** @type {{view: import("./viewport.js").ViewTransform, size: import("./viewport.js").Size} | null} */
  let last = null;

  // one prototype node, cloned: much faster than building six elements per node
  const proto = svg("g", { class: "af-node" });
  proto.append(
    svg("rect", { x: -NODE_W / 2, y: 0, width: NODE_W, height: NODE_H, rx: 6 }),
    svg("text", { class: "af-sender", x: -NODE_W / 2 + 8, y: 16 }),
    svg("text", { class: "af-snippet", x: -NODE_W / 2 + 8, y: 33 }),
    svg("text", { class: "af-snippet af-line2", x: -NODE_W / 2 + 8, y: 48 }),
    svg("text", { class: "af-badge", x: NODE_W / 2 - 6, y: 16, "text-anchor": "end" }),
    svg("g", { class: "af-pills" }),
    svg("text", { class: "af-big af-big-sender", x: -NODE_W / 2 + 8 }),
    svg("text", { class: "af-big", x: -NODE_W / 2 + 8 }),
    svg("text", { class: "af-big", x: -NODE_W / 2 + 8 }),
  );
  /** The index of the larger levels' first text element in a node's <g>. */
  const LOD_AT = 6;
  /** @type {LabelLevel | null} the labels the SVG shows now */
  let level = null;

  /**
   * @param {string} key
   * @param {TreeNode} n
   * @param {{hidden?: number} | null | undefined} item
   */
  function labelsOf(key, n, item) {
    return nodeLabels(n, item, senderLabel(view, key, n));
  }

  /**
   * The short labels (the level's, none at "full") of a node.
   * @param {Element} g
   * @param {NodeLabels} labels
   */
  function fillShort(g, labels) {
    const els = /** @type {Element[]} */ ([...g.children].slice(LOD_AT, LOD_AT + 3));
    if (level === null || level === "full" || level === "shapes") {
      for (const e of els) if (e.textContent) e.textContent = "";
      return;
    }
    const lines = shortLabels(labels, level);
    const ys = LABEL_BASELINES[level];
    els.forEach((e, i) => {
      e.textContent = lines[i] || "";
      if (i < ys.length) e.setAttribute("y", String(ys[i]));
    });
  }

  /**
   * A "+k more" item (folded siblings).
   * @param {Element} g
   * @param {import("../types.js").LayoutItem} item
   */
  function fillMore(g, item) {
    const labels = moreLabels(/** @type {{siblings: number, messages: number}} */ (item.more));
    const [rect, sender, line1, line2] = /** @type {Element[]} */ ([...g.children]);
    rect.setAttribute("fill", labels.fill);
    sender.textContent = labels.sender;
    line1.textContent = labels.lines[0];
    line2.textContent = labels.lines[1];
    fillShort(g, labels);
  }

  /**
   * @param {Element} g
   * @param {string} key
   * @param {TreeNode} n
   * @param {import("../types.js").LayoutItem | undefined} item
   */
  function fillNode(g, key, n, item) {
    const [rect, sender, line1, line2, badge, pills] = /** @type {Element[]} */ ([...g.children]);
    const labels = labelsOf(key, n, item);
    fillShort(g, labels);
    rect.setAttribute("fill", labels.fill);
    sender.textContent = labels.sender;
    line1.textContent = labels.lines[0] || "";
    line2.textContent = labels.lines[1] || "";
    line1.setAttribute("class", lineClass(labels, 0));
    line2.setAttribute("class", lineClass(labels, 1));
    badge.textContent = labels.badge;
    const sig = pillsKey(labels.pills);
    if (pills.getAttribute("data-sig") !== sig) {
      pills.replaceChildren(...pillElements(labels.pills));
      pills.setAttribute("data-sig", sig);
    }
  }

  /**
   * @param {Set<string>} keep
   */
  function drawLinks(keep) {
    if (!layout) return;
    const { plain, onPath, forwarded, context } = linkPaths(layout, marks.onHead, keep, marks.context);
    linkLayer.replaceChildren(svg("path", { class: "af-link", d: plain || "M0,0" }),
      svg("path", { class: "af-link af-forwarded", d: forwarded || "M0,0" }),
      svg("path", { class: "af-link af-onhead", d: onPath || "M0,0" }),
      svg("path", { class: "af-link af-ctx", d: context || "M0,0" }));
    linkLayer.classList.toggle("af-dimming", !!(marks.context && marks.context.size));
  }

  /**
   * The SVG for the nodes in the drawing rectangle `rect`.
   * @param {import("./viewport.js").Rect} rect
   */
  function drawWindow(rect) {
    if (!layout || !view || !index) return;
    const lay = layout, v = view;
    win = rect;
    const items = index.within(rect);
    /** @type {Set<string>} */
    const keep = new Set();
    const frag = document.createDocumentFragment();
    for (const item of items) {
      const n = v.nodes.get(item.key);
      if (!n && !item.more) continue;
      keep.add(item.key);
      let g = elements.get(item.key);
      if (!g) {
        g = /** @type {Element} */ (proto.cloneNode(true));
        g.setAttribute("data-key", item.key);
        elements.set(item.key, g);
        frag.append(g);
      }
      g.setAttribute("transform", `translate(${item.x},${item.y})`);
      if (n) {
        g.setAttribute("class", nodeClass(item.key, n, marks));
        fillNode(g, item.key, n, item);
      } else {
        g.setAttribute("class", "af-node af-more");
        fillMore(g, item);
      }
    }
    nodeLayer.append(frag);
    for (const [key, g] of elements) {
      if (!keep.has(key)) {
        g.remove();
        elements.delete(key);
      }
    }
    drawLinks(keep);
    const at = (/** @type {string} */ key) => /** @type {import("../types.js").LayoutItem} */ (lay.pos.get(key));
    extraLayer.replaceChildren(...lay.extra.filter(({ source, target }) => keep.has(source) || keep.has(target))
      .map(({ source, target, type }) =>
        svg("path", { class: `af-extra af-${type}`, d: extraPath(at(source), at(target)) })));
    drawSpans(rect);
  }

  /**
   * @param {import("./viewport.js").Rect} rect
   */
  function drawSpans(rect) {
    const out = [];
    for (const { group, box, collapsed } of spans) {
      if (box.x > rect.x1 || box.x + box.width < rect.x0 || box.y > rect.y1 || box.y + box.height < rect.y0) continue;
      const g = svg("g", { class: `af-span af-level${Math.min(group.level, 3)}${collapsed ? " af-collapsed" : ""}` });
      g.append(svg("rect", { x: box.x, y: box.y, width: box.width, height: box.height, rx: 8 }),
        svg("text", { class: "af-span-label", x: box.x + 6, y: box.y + 11, "data-run": group.id },
          runLabel(group, collapsed)));
      out.push(g);
    }
    spanLayer.replaceChildren(...out);
  }

  /** The level of detail changed: the short labels of the nodes in the window follow it. */
  function refillShort() {
    if (!layout || !view) return;
    for (const [key, g] of elements) {
      const n = view.nodes.get(key);
      const item = layout.pos.get(key);
      if (n) fillShort(g, labelsOf(key, n, item));
      else if (item && item.more) fillShort(g, moreLabels(item.more));
    }
  }

  function clearSvg() {
    for (const g of elements.values()) g.remove();
    elements.clear();
    linkLayer.replaceChildren();
    extraLayer.replaceChildren();
    spanLayer.replaceChildren();
    win = null;
  }

  const drawing = {
    elements,
    get index() {
      return index;
    },
    get far() {
      return far;
    },

    /** A new layout of the drawn tree `v`; `m` is {head, selected} (drawn keys). `runSpans`: [{group, collapsed}]
     * to draw as spans (the "runs" mode), or none. Drawn at the next frame().
     * @param {import("../types.js").Layout} lay
     * @param {import("../types.js").View} v
     * @param {import("../types.js").Marks} m
     * @param {import("../runs.js").RunSpan[]} [runSpans]
     */
    setLayout(lay, v, m, runSpans = []) {
      layout = lay;
      view = v;
      index = createIndex(lay, NODE_W, NODE_H);
      marks = { head: m.head, selected: m.selected, onHead: headPath(v, m.head), matches: marks.matches,
        context: contextKeys(v, m), senders: new Set(m.senders || []) };
      spans = [];
      for (const { group, collapsed } of runSpans) {
        const box = runBox(group, lay.pos, NODE_W, NODE_H);
        if (box) spans.push({ group, box, collapsed });
      }
      svgRoot.setAttribute("data-layout", lay.engine ?? "tidy");
      svgRoot.setAttribute("data-drawable", String(lay.nodes.length));
      win = null;
      raster.setLayout(lay, v);
      // drawn by the next frame() (the renderer fits or applies the view right after)
    },

    /**
     * Draw what the view `vw` ({x, y, k}) of a canvas of `size` shows.
     * @param {import("./viewport.js").ViewTransform} vw
     * @param {import("./viewport.js").Size} size
     */
    frame(vw, size) {
      last = { view: vw, size };
      const lod = labelLevel(vw.k);
      const isFarNow = lod === "shapes";
      if (isFarNow !== far) {
        far = isFarNow;
        svgRoot.classList.toggle("af-far", far);
        if (far) clearSvg();
      }
      if (lod !== level) {
        const before = level;
        level = lod;
        if (before) svgRoot.classList.remove(`af-lod-${before}`);
        svgRoot.classList.add(`af-lod-${lod}`);
        refillShort();
      }
      if (!layout || !index) return;
      if (far) {
        raster.draw(vw, size, marks, index);
        return;
      }
      raster.draw(vw, size, marks, index, false); // the conversations' frames and titles, under the SVG
      const visible = visibleRect(vw, size);
      if (!win || !containsRect(win, visible)) drawWindow(growRect(visible, WINDOW_MARGIN));
    },

    /** Only streamed text changed: refill the pending nodes' labels. */
    retext() {
      if (!layout || !view) return;
      for (const [key, g] of elements) {
        const n = view.nodes.get(key);
        if (n && n.pending) fillNode(g, key, n, layout.pos.get(key));
      }
    },

    /**
     * Only the head or the selection changed (drawn keys): reclass the nodes, redraw the links.
     * @param {import("../types.js").Marks} m
     */
    restyle(m) {
      if (!layout || !view || !index) return;
      const v = view;
      marks = { head: m.head, selected: m.selected, onHead: headPath(v, m.head), matches: marks.matches,
        context: contextKeys(v, m), senders: new Set(m.senders || []) };
      for (const [key, g] of elements) {
        const n = v.nodes.get(key);
        if (n) g.setAttribute("class", nodeClass(key, n, marks));
      }
      if (win) drawLinks(new Set(elements.keys()));
      if (far && last) raster.draw(last.view, last.size, marks, index);
    },

    /**
     * The search's matches (a Set of drawn keys; empty: none), highlighted at the next restyle().
     * @param {Set<string>} keys
     */
    setMatches(keys) {
      marks = { ...marks, matches: keys };
    },

    /**
     * The canvas changed size.
     * @param {import("./viewport.js").Size} size
     */
    resize(size) {
      raster.resize(size);
    },

    labelsOf,
    /** The runs' spans drawn (with their boxes), for the export. */
    get spans() {
      return spans;
    },
    /** The level of detail drawn now (labelLevel). */
    get level() {
      return level;
    },
    get marks() {
      return marks;
    },
  };
  return drawing;
}
