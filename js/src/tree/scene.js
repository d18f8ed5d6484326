// @ts-check
// The drawn tree: what the TreeView shows of the state (view.js: forwards folded into their originals unless
// "unfold forwards"; in the "runs" mode each agent call a span, the collapsed ones folded into their first
// response; the subtrees the user collapsed hidden; siblings past a few folded into "+k more" until it is clicked),
// laid out (layout.js, wrapped to the canvas's shape; or Graphviz in its mode) and handed to the drawing, the
// minimap and the status line (with what the tree's answers cost, when any was priced). The head and the selection
// are always drawn: selecting a node folded away (the keys, the search) lays the tree out again with it. The
// search's matches are kept as ids and marked on the drawn nodes they fall in. `relayout()` rebuilds all of it, `restyle()` only the marks (head, selection,
// matches).

import { isMoreKey, layoutTree, moreParent } from "../layout.js";
import { runGroups } from "../runs.js";
import { buildView, drawnKey } from "../view.js";
import { statusText } from "./draw.js";
import { toDrawing } from "./viewport.js";
import { shapeView } from "./shape.js";
import { costLine, costOf } from "../shared/cost.js";

/** @typedef {import("../types.js").View} View */
/** @typedef {import("../types.js").Layout} Layout */
/** @typedef {import("../types.js").Marks} Marks */
/** @typedef {import("../runs.js").RunSpan} RunSpan */

/**
 * @param {object} deps
 * @param {import("../types.js").State} deps.state
 * @param {import("../types.js").Model} deps.model
 * @param {ReturnType<typeof import("./dom.js").buildTree>} deps.dom
 * @param {ReturnType<typeof import("./draw.js").createDrawing>} deps.drawing
 * @param {ReturnType<typeof import("./minimap.js").createMinimap>} deps.minimap
 * @param {ReturnType<typeof import("./viewport.js").createViewport>} deps.viewport
 * @param {ReturnType<typeof import("./gvmode.js").createGraphvizMode>} deps.graphviz
 * @param {() => Marks} deps.marks        the head and the selection, as drawn keys of the current view
 * @param {() => void} deps.onLaidOut     after each relayout (the parts that follow the tree: lists, the view)
 */
export function createScene({ state, model, dom, drawing, minimap, viewport, graphviz, marks, onLaidOut }) {
  /** @type {Set<string>} drawn keys whose subtrees are hidden */
  const collapsed = new Set();
  /** @type {Set<string>} drawn keys whose children are all drawn (their "+k more" was clicked) */
  const expanded = new Set();
  /** @type {{w: number, h: number} | null} the canvas the layout was wrapped for */
  let laidFor = null;
  /** @type {Set<string>} marked keys that were not laid out: laid out again once for each (see restyle) */
  const revealed = new Set();
  /** @type {string | null} the conversation focused on (the conversations' list): drawn whole, also above the budget */
  let focusKey = null;
  /** @type {Set<string>} ids of the runs drawn as their first response */
  const collapsedRuns = new Set();
  let fold = true; // forwards drawn in their originals
  let runsMode = false;
  /** @type {View | null} */
  let view = null;
  /** @type {Layout | null} */
  let layout = null;
  /** @type {string[]} the search's matches (ids) */
  let matchIds = [];

  /** The matches as drawn keys (a folded forward's match is its original's node). */
  function applyMatches() {
    /** @type {Set<string>} */
    const keys = new Set();
    if (view) {
      for (const id of matchIds) {
        const k = drawnKey(view, id);
        if (k !== null) keys.add(k);
      }
    }
    drawing.setMatches(keys);
  }

  function relayout() {
    if (!layout) viewport.measure();
    const folded = buildView(state, { fold });
    const groups = runsMode ? runGroups(folded) : null;
    const built = groups && collapsedRuns.size ? buildView(state, { fold, runs: groups, collapsedRuns }) : folded;
    // sorted by score, expanded to a depth (shape.js; the traits `sort` and `depth`)
    const shaped = shapeView(built, { sort: model.get("sort"), depth: model.get("depth") });
    const v = shaped.view;
    view = v;
    const m = marks();
    const hidden = shaped.collapsed.size ? new Set([...collapsed, ...shaped.collapsed]) : collapsed;
    const graphvizMode = model.get("mode") === "graphviz";
    const size = viewport.size;
    laidFor = size.w > 0 && size.h > 0 ? { w: size.w, h: size.h } : null;
    const lay = layoutTree(v, { collapsed: hidden, expanded, headKey: m.head, keep: [m.selected, focusKey],
      budget: model.get("budget") || 20000, size: graphvizMode ? null : laidFor });
    lay.engine = "tidy";
    layout = lay;
    let note = null;
    if (graphvizMode) {
      note = graphviz.apply(lay);
      if (lay.engine === "graphviz") lay.groups = []; // its own places: no conversations' frames
    }
    /** @type {RunSpan[]} */
    const spans = [];
    if (groups) {
      for (const g of groups.values()) {
        const keys = [...new Set(g.keys.map((k) => drawnKey(v, k)).filter((k) => k !== null))];
        spans.push({ group: { ...g, keys, count: g.keys.length }, collapsed: collapsedRuns.has(g.id) });
      }
    }
    for (const k of [m.head, m.selected]) if (k && lay.pos.has(k)) revealed.delete(k);
    drawing.setLayout(lay, v, m, spans);
    applyMatches();
    minimap.setLayout(lay, v);
    const cost = costLine(costOf(state.nodes.values())); // "cost $0.0412 (5 priced answers)", "" when none is
    dom.statusLine.textContent = (note || statusText(state.nodes.size, lay, model.get("budget"), v.folded.size)) +
      (cost ? ` · ${cost}` : "");
    onLaidOut();
  }

  const scene = {
    /** The drawn tree, once there is one. */
    get view() {
      return view;
    },
    get layout() {
      return layout;
    },
    relayout,
    /** Only the marks changed: reclass the nodes (and the minimap's dots at the next frame); a head or a selection
     * that is not drawn (folded into "+k more", cut by the budget) is laid out again with it, once. */
    restyle() {
      const m = marks();
      if (layout && view) {
        for (const k of [m.head, m.selected]) {
          if (k && !layout.pos.has(k) && !revealed.has(k) && view.nodes.has(k)) {
            revealed.add(k);
            relayout();
            return;
          }
        }
      }
      drawing.restyle(m);
      viewport.schedule();
    },
    /**
     * A "+k more" item was clicked: its parent's children are all drawn (false when `key` is not one).
     * @param {string | null} key
     */
    expandMore(key) {
      if (!isMoreKey(key)) return false;
      expanded.add(moreParent(key));
      relayout();
      return true;
    },
    /** A forest's conversations, for their list: each root's key, its text and how many messages it holds. */
    conversations() {
      if (!layout || !view || !layout.groups) return [];
      const v = view;
      return layout.groups.map((g) => {
        const n = v.nodes.get(g.key);
        return { key: g.key, text: n ? n.snippet || n.text || "" : "", total: g.total };
      });
    },
    /**
     * Focus on the conversation of root `key`: drawn whole (laid out again when the budget cut it); returns its
     * block (with room for its title over it), or null.
     * @param {string} key
     */
    focusOn(key) {
      const find = () => (layout && layout.groups ? layout.groups.find((g) => g.key === key) : undefined);
      let g = find();
      if (g && g.total > g.count) {
        focusKey = key;
        relayout();
        g = find();
      }
      if (!g || !layout) return null;
      const band = Math.min(g.y - layout.bounds.y, layout.gap || 0);
      return { x: g.x, y: g.y - band, width: g.width, height: g.height + band };
    },
    /**
     * The canvas changed size: when it changed much (a quarter either way), the tree is wrapped for the new one
     * (true).
     * @param {{w: number, h: number}} size
     */
    reshape(size) {
      if (!layout || !layout.nodes.length || !laidFor || !(size.w > 0 && size.h > 0)) return false;
      const rw = size.w / laidFor.w, rh = size.h / laidFor.h;
      if (rw < 1.25 && rw > 0.8 && rh < 1.25 && rh > 0.8) return false;
      relayout();
      return true;
    },
    /**
     * The drawn key standing for `key` (itself, or the node it is folded into), or null when it is not drawn.
     * @param {string | null | undefined} key
     */
    drawnKey(key) {
      if (isMoreKey(key)) return layout && layout.pos.has(key) ? key : null; // a "+k more" item is its own
      return view ? drawnKey(view, key ?? null) : null;
    },
    /**
     * Where the drawn node of `key` is laid out, or null.
     * @param {string | null | undefined} key
     */
    position(key) {
      const k = scene.drawnKey(key);
      return (k !== null && layout && layout.pos.get(k)) || null;
    },
    /**
     * Hide or show the subtree of the drawn node of `key`; false when it is not drawn.
     * @param {string | null} key
     */
    toggleCollapsed(key) {
      const k = scene.drawnKey(key);
      if (!k) return false;
      if (collapsed.has(k)) collapsed.delete(k);
      else collapsed.add(k);
      relayout();
      return true;
    },
    /** "unfold forwards": returns whether forwards are folded now. */
    toggleFold() {
      fold = !fold;
      relayout();
      return fold;
    },
    /** The "runs" mode: returns whether it is on now. */
    toggleRuns() {
      runsMode = !runsMode;
      relayout();
      return runsMode;
    },
    /**
     * A run's label was clicked: collapse it into its first response, or expand it.
     * @param {string | null} id
     */
    toggleRun(id) {
      if (!id) return;
      if (collapsedRuns.has(id)) collapsedRuns.delete(id);
      else collapsedRuns.add(id);
      relayout();
    },
    /**
     * The search's matches (ids), marked at the next restyle.
     * @param {string[]} ids
     */
    setMatches(ids) {
      matchIds = ids;
      applyMatches();
    },
    /**
     * The drawn node under a pointer event on the far canvas (found through the layout's index), or null.
     * @param {MouseEvent} ev
     */
    hitTest(ev) {
      if (!layout || !drawing.index) return null;
      const r = dom.canvas.getBoundingClientRect();
      const p = toDrawing(viewport.view, { x: ev.clientX - r.left, y: ev.clientY - r.top });
      const slack = drawing.far ? 6 / viewport.view.k : 0; // a few pixels around a tiny box
      const item = drawing.index.at(p.x, p.y, slack);
      return item ? item.key : null;
    },
  };
  return scene;
}
