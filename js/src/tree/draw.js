// Drawing a layout: one <g> per node (cloned from a prototype, kept across redraws), two paths for all parent
// links (on the head's path, and the rest), one path per forward / reply link; classes mark a node's status,
// the head's path, the head and the selection. Level of detail: zoomed far out, labels are not painted.
// The decisions (classes, labels, paths, level of detail, status line) are pure functions; createDrawing
// applies them to the SVG layers.

import { pathTo } from "../state.js";
import { NODE_H, NODE_W } from "../layout.js";
import { nodeColour, nodeStatus, oneLine, svg } from "../render.js";

/** Below this zoom, labels are unreadable: they are neither laid out nor painted. */
export const FAR_ZOOM = 0.3;

/** Level of detail (pure): is the zoom `k` too far out for labels? */
export function isFar(k) {
  return k < FAR_ZOOM;
}

const STATUS_CLASS = new Map([["pending", "af-streaming"], ["error", "af-error"], ["cancelled", "af-cancelled"],
  ["failed", "af-failed"]]);

/** The class of a node's status ("" for a complete message). */
export function statusClass(n) {
  return STATUS_CLASS.get(nodeStatus(n)) || "";
}

/** The keys on the path from a root to `head` (empty without a head). */
export function headPath(state, head) {
  return new Set(head ? pathTo(state, head) : []);
}

/** A node's class attribute; `marks` is {head, selected, onHead (a Set of keys)}. */
export function nodeClass(key, n, marks) {
  const c = ["af-node", statusClass(n)];
  if (marks.onHead.has(key)) c.push("af-onhead");
  if (key === marks.head) c.push("af-head");
  if (key === marks.selected) c.push("af-selected");
  return c.filter(Boolean).join(" ");
}

/** What a node's box shows: its fill and the sender, snippet and badge texts (`item`: its layout entry). */
export function nodeLabels(n, item) {
  const marks = [];
  if (item && item.hidden) marks.push(`+${item.hidden}`);
  if (!n.pending && n.status !== "complete") marks.push(n.status);
  if (n.pending) marks.push("…");
  return {
    fill: n.kind === "error" ? "#fee2e2" : nodeColour(n),
    sender: oneLine((n.kind === "forward" ? "↪ " : "") + n.sender, 24),
    snippet: oneLine(n.pending ? n.text.slice(-80) : n.snippet, 24),
    badge: marks.join(" "),
  };
}

/** A node's tooltip: sender, short id and the full snippet (or streamed text). */
export function tooltipText(n) {
  return `${n.sender}${n.id ? " " + n.id.slice(0, 12) : ""}\n${oneLine(n.pending ? n.text : n.snippet, 300)}`;
}

/** A parent link: a vertical S-curve from the bottom of `a` to the top of `b` (x = centre, y = top). */
export function linkPath(a, b) {
  const y1 = a.y + NODE_H, y2 = b.y, my = (y1 + y2) / 2;
  return `M${a.x},${y1}C${a.x},${my} ${b.x},${my} ${b.x},${y2}`;
}

/** A forward / reply link: a curve between the two boxes' right-hand middles, bulging right. */
export function extraPath(a, b) {
  return `M${a.x + NODE_W / 2},${a.y + NODE_H / 2}Q${(a.x + b.x) / 2 + 40},${(a.y + b.y) / 2} ${b.x + NODE_W / 2},${b.y + NODE_H / 2}`;
}

/** All of a layout's parent links as two path strings: `onPath` (both ends on the head's path) and `plain`. */
export function linkPaths(layout, onHead) {
  let plain = "";
  let onPath = "";
  for (const { source, target } of layout.links) {
    const d = linkPath(layout.pos.get(source), layout.pos.get(target));
    if (onHead.has(source) && onHead.has(target)) onPath += d;
    else plain += d;
  }
  return { plain, onPath };
}

/** The status line: how many nodes, and how many are drawn when only the head's neighbourhood is. */
export function statusText(total, layout, budget) {
  return `${total} node${total === 1 ? "" : "s"}` +
    (layout.focused ? ` · showing ${layout.nodes.length} around the head (budget ${budget})` : "");
}

/** The key of the node under a pointer event, or null. */
export function keyOf(ev) {
  const g = ev.target.closest && ev.target.closest("g.af-node");
  return g ? g.getAttribute("data-key") : null;
}

/** The drawing of `state`'s nodes into the SVG layers of `dom` (see dom.js). */
export function createDrawing(dom, state) {
  const { svgRoot, nodeLayer, linkLayer, extraLayer } = dom;
  const elements = new Map(); // key -> <g>

  // one prototype node, cloned: much faster than building five elements per node
  const proto = svg("g", { class: "af-node" });
  proto.append(
    svg("rect", { x: -NODE_W / 2, y: 0, width: NODE_W, height: NODE_H, rx: 6 }),
    svg("text", { class: "af-sender", x: -NODE_W / 2 + 8, y: 16 }),
    svg("text", { class: "af-snippet", x: -NODE_W / 2 + 8, y: 34 }),
    svg("text", { class: "af-badge", x: NODE_W / 2 - 6, y: 16, "text-anchor": "end" }),
  );

  function makeNode(key) {
    const g = proto.cloneNode(true);
    g.setAttribute("data-key", key);
    return g;
  }

  function fillNode(g, n, item) {
    const rect = g.firstChild;
    const sender = rect.nextSibling;
    const snippet = sender.nextSibling;
    const badge = snippet.nextSibling;
    const labels = nodeLabels(n, item);
    rect.setAttribute("fill", labels.fill);
    sender.textContent = labels.sender;
    snippet.textContent = labels.snippet;
    badge.textContent = labels.badge;
  }

  function drawLinks(layout, onHead) {
    const { plain, onPath } = linkPaths(layout, onHead);
    linkLayer.replaceChildren(svg("path", { class: "af-link", d: plain || "M0,0" }),
      svg("path", { class: "af-link af-onhead", d: onPath || "M0,0" }));
  }

  // the full snippet as a tooltip, made only when hovered
  nodeLayer.addEventListener("mouseover", (ev) => {
    const key = keyOf(ev);
    const n = key && state.nodes.get(key);
    if (!n) return;
    const g = elements.get(key);
    let title = g.querySelector("title");
    if (!title) {
      title = svg("title");
      g.append(title);
    }
    title.textContent = tooltipText(n);
  });

  return {
    elements,

    /** Draw `layout` (nodes, links, extra links); `marks` is {head, selected}. */
    draw(layout, { head, selected }) {
      svgRoot.setAttribute("data-layout", layout.engine);
      const marks = { head, selected, onHead: headPath(state, head) };
      const seen = new Set();
      const frag = document.createDocumentFragment();
      for (const item of layout.nodes) {
        const n = state.nodes.get(item.key);
        if (!n) continue;
        let g = elements.get(item.key);
        if (!g) {
          g = makeNode(item.key);
          elements.set(item.key, g);
          frag.append(g);
        }
        seen.add(item.key);
        g.setAttribute("transform", `translate(${item.x},${item.y})`);
        g.setAttribute("class", nodeClass(item.key, n, marks));
        fillNode(g, n, item);
      }
      nodeLayer.append(frag);
      for (const [key, g] of elements) {
        if (!seen.has(key)) {
          g.remove();
          elements.delete(key);
        }
      }
      drawLinks(layout, marks.onHead);
      extraLayer.replaceChildren(...layout.extra.map(({ source, target, type }) =>
        svg("path", { class: `af-extra af-${type}`, d: extraPath(layout.pos.get(source), layout.pos.get(target)) })));
    },

    /** Only streamed text changed: refill the pending nodes' labels. */
    retext(layout) {
      for (const [key, n] of state.nodes) {
        if (!n.pending) continue;
        const g = elements.get(key);
        if (g) fillNode(g, n, layout && layout.pos.get(key));
      }
    },

    /** Only the head or the selection changed: reclass the nodes, redraw the parent links. */
    restyle(layout, { head, selected }) {
      const marks = { head, selected, onHead: headPath(state, head) };
      for (const [key, g] of elements) {
        const n = state.nodes.get(key);
        if (n) g.setAttribute("class", nodeClass(key, n, marks));
      }
      if (layout) drawLinks(layout, marks.onHead);
    },

    /** Level of detail for the zoom `k`. */
    setZoom(k) {
      svgRoot.classList.toggle("af-far", isFar(k));
    },
  };
}
