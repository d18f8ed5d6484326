// TreeView front end (anywidget): the forum as a live graph. See docs/widget_protocol.md.
// This module only wires the parts: state.js (the kernel's tree), view.js (forwards folded, runs collapsed),
// runs.js (the "runs" mode's groups), layout.js (the tidy tree), tree/dom.js (the elements), tree/draw.js (SVG
// near, tree/raster.js far), tree/minimap.js, tree/viewport.js (pan, zoom, fit, centre), tree/sizing.js (height,
// resize handle, full screen), tree/details.js (the message pane, with tree/annotate.js: annotations and their
// form, subtree totals; tree/question.js: the answer box; tree/editor.js: "edit"), tree/badges.js (what a node
// shows besides its text), tree/search.js (the search box), tree/bookmarks.js (the bookmarks list),
// tree/compare.js (the comparison panel), tree/actions.js (messages to the kernel), tree/controls.js (buttons,
// keys, clicks), tree/spatial.js (what is where; "jump to"), tree/gvmode.js (the Graphviz layout),
// tree/export.js. With the trait `readonly` true (forum.to_html: standalone.js plays the kernel) everything that
// needs a kernel is hidden and the tree fills its container.

import { applyMessage, createState } from "./state.js";
import { layoutTree, NODE_H, NODE_W } from "./layout.js";
import { navigate, rememberPath } from "./keyboard.js";
import { buildView, drawnKey } from "./view.js";
import { runGroups } from "./runs.js";
import { listen, sendReady } from "./widget.js";
import { buildTree, setPressed, showAgents, showError } from "./tree/dom.js";
import { createDrawing, FAR_ZOOM, statusText } from "./tree/draw.js";
import { boxInView, createViewport, toDrawing } from "./tree/viewport.js";
import { createMinimap } from "./tree/minimap.js";
import { createSizing } from "./tree/sizing.js";
import { createDetails } from "./tree/details.js";
import { createActions } from "./tree/actions.js";
import { bindControls } from "./tree/controls.js";
import { findByPrefix } from "./tree/spatial.js";
import { createGraphvizMode } from "./tree/gvmode.js";
import { downloadSvg, svgDocument } from "./tree/export.js";
import { createSearch } from "./tree/search.js";
import { bookmarkList, createBookmarks } from "./tree/bookmarks.js";
import { createCompare } from "./tree/compare.js";
import { subtreeTotals } from "./tree/annotate.js";
import { oneLine } from "./render.js";

/** How long a notice stays (ms). */
export const NOTICE_MS = 6000;
/** Centring on a node zooms in to at least this when the view is too far out to read it. */
const READABLE_ZOOM = 1;

function initialize({ model }) {
  return () => {};
}

function render({ model, el: host }) {
  const readonly = model.get("readonly") === true; // an exported file: no kernel behind the model
  const state = createState();
  const collapsed = new Set(); // drawn keys whose subtrees are hidden
  const collapsedRuns = new Set(); // ids of the runs drawn as their first response
  const lastChild = new Map(); // per node, the child visited last (keyboard navigation)
  let fold = true; // forwards drawn in their originals
  let runsMode = false;
  let view = null; // the drawn tree (view.js)
  let layout = null;
  let runSpans = [];
  let localSelection = null; // a streaming answer selected: only the browser knows its key
  let reveal = null; // a key to bring into view once it is laid out
  let engaged = false; // clicked into: the wheel zooms
  let noticeTimer = null;
  let hintTimer = null;
  let matchIds = []; // the search's matches (ids)

  const dom = buildTree(host, { readonly });
  const actions = createActions(model);
  const drawing = createDrawing(dom);
  const minimap = createMinimap(dom.minimap, (p) => {
    viewport.userMoved = true;
    viewport.centre(p);
  });
  const viewport = createViewport(dom.canvas, dom.viewport, (v, size) => {
    drawing.frame(v, size);
    const m = drawing.marks;
    minimap.frame(v, size, layout ? [[layout.pos.get(m.head), "#111827"], [layout.pos.get(m.selected), "#f59e0b"]] : []);
  }, {
    isEngaged: () => engaged,
    onEngage: () => {
      engaged = true;
      dom.root.focus({ preventScroll: true });
    },
    onWheelRefused: () => {
      dom.hint.classList.add("af-show");
      clearTimeout(hintTimer);
      hintTimer = setTimeout(() => dom.hint.classList.remove("af-show"), 1200);
    },
    onResize: (size) => {
      drawing.resize(size);
      if (!viewport.userMoved && layout && layout.nodes.length) viewport.fit(layout.bounds);
    },
  });
  const sizing = createSizing(dom, () => viewport.schedule());
  const details = createDetails(dom.details, {
    requestMessage: actions.requestMessage,
    readonly,
    annotate: actions.annotate,
    edit: actions.edit,
    answer: actions.answer,
    report: actions.report,
    totals: (key) => (state.nodes.has(key) ? subtreeTotals(state, key) : null),
  });
  const graphviz = createGraphvizMode(actions.loadGraphviz);
  /** Select `key` and centre it (zooming in when far out): the search's steps, the bookmarks, the comparison. */
  const selectAndCentre = (key) => {
    if (!state.nodes.has(key)) return;
    select(key);
    bringIntoView(key, true);
  };
  const search = createSearch(dom.search, dom.searchCount, {
    send: (text, requestId) => actions.search(text, requestId),
    matches(ids) {
      matchIds = ids || [];
      applyMatches();
      restyle();
    },
    step: selectAndCentre,
    current: () => selectedKey(),
    known: (id) => state.nodes.has(id),
  });
  const bookmarks = createBookmarks(dom.bookmarksButton, dom.bookmarksPanel, {
    list: () => bookmarkList(state),
    pick: selectAndCentre,
  });
  const comparePanel = createCompare(dom.body, {
    close: () => actions.closeCompare(),
    pick: selectAndCentre,
    describe(id) {
      const n = state.nodes.get(id);
      return n ? `${n.sender}: ${oneLine(n.snippet, 80)}` : null;
    },
  });
  /** The matches as drawn keys (a folded forward's match is its original's node). */
  function applyMatches() {
    const keys = new Set();
    if (view) for (const id of matchIds) {
      const k = drawnKey(view, id);
      if (k !== null) keys.add(k);
    }
    drawing.setMatches(keys);
  }

  // -- what is selected ------------------------------------------------------------------------------------
  /** The selected key: a streaming answer selected here, else the `selected_id` trait. */
  function selectedKey() {
    if (localSelection !== null) {
      if (state.nodes.has(localSelection)) return localSelection;
      const id = state.aliases.get(localSelection);
      localSelection = null;
      if (id && state.nodes.has(id)) {
        // the answer was stored (also after "stop", as cancelled): select the stored message
        actions.select(id);
        return id;
      }
    }
    return model.get("selected_id") || null;
  }
  const marks = () => (view ? { head: drawnKey(view, model.get("head_id") || null), selected: drawnKey(view, selectedKey()) }
    : { head: null, selected: null });

  // -- traits --------------------------------------------------------------------------------------------
  const renderAgents = () => showAgents(dom, model.get("agents") || []);
  const renderError = () => {
    const text = model.get("error") || "";
    showError(dom, text);
    if (text) details.unlock(); // what was refused may be sent again
  };
  const renderComparison = () => comparePanel.show(model.get("comparison") || {});
  function renderNotice() {
    const text = model.get("notice") || "";
    clearTimeout(noticeTimer);
    dom.notice.textContent = text;
    dom.notice.classList.remove("af-fading");
    dom.notice.style.display = text ? "" : "none";
    if (text) {
      noticeTimer = setTimeout(() => {
        dom.notice.classList.add("af-fading");
        noticeTimer = setTimeout(() => (dom.notice.style.display = "none"), 400);
      }, NOTICE_MS);
    }
  }
  renderAgents();
  renderError();
  renderNotice();
  renderComparison(); // a comparison made in Python before the widget was shown

  // -- drawing -------------------------------------------------------------------------------------------
  function fit() {
    if (layout) viewport.fit(layout.bounds);
  }

  function relayout() {
    if (!layout) viewport.measure();
    const folded = buildView(state, { fold });
    const groups = runsMode ? runGroups(folded) : null;
    view = groups && collapsedRuns.size ? buildView(state, { fold, runs: groups, collapsedRuns }) : folded;
    const m = marks();
    layout = layoutTree(view, { collapsed, headKey: m.head, budget: model.get("budget") || 20000 });
    layout.engine = "tidy";
    let note = null;
    if (model.get("mode") === "graphviz") note = graphviz.apply(layout);
    runSpans = [];
    if (groups) {
      for (const g of groups.values()) {
        const keys = [...new Set(g.keys.map((k) => drawnKey(view, k)).filter((k) => k !== null))];
        runSpans.push({ group: { ...g, keys, count: g.keys.length }, collapsed: collapsedRuns.has(g.id) });
      }
    }
    drawing.setLayout(layout, view, m, runSpans);
    applyMatches();
    minimap.setLayout(layout, view);
    bookmarks.refresh();
    details.refreshTotals();
    dom.statusLine.textContent = note || statusText(state.nodes.size, layout, model.get("budget"), view.folded.size);
    if (!viewport.userMoved && layout.nodes.length) fit();
    else viewport.apply();
    if (reveal !== null) bringIntoView(reveal);
  }

  const restyle = () => {
    drawing.restyle(marks());
    viewport.schedule(); // the minimap's dots
  };

  /** Centre the drawn node of `key` when it is not wholly in view (`force`: always, at a readable zoom). */
  function bringIntoView(key, force = false) {
    const k = view && drawnKey(view, key);
    const p = k && layout && layout.pos.get(k);
    if (!p) {
      reveal = key; // not laid out yet: when it is
      return false;
    }
    reveal = null;
    const box = { x: p.x - NODE_W / 2, y: p.y, width: NODE_W, height: NODE_H };
    if (!force && boxInView(viewport.view, viewport.size, box, 8)) return true;
    viewport.userMoved = true;
    const zoom = force && viewport.view.k < FAR_ZOOM ? READABLE_ZOOM : viewport.view.k;
    viewport.centre({ x: p.x, y: p.y + NODE_H / 2 }, zoom);
    return true;
  }

  function syncDetails() {
    const key = selectedKey();
    if (key === details.key) return;
    details.show(key, key ? state.nodes.get(key) : null);
  }

  // -- user actions --------------------------------------------------------------------------------------
  let revealNext = false;
  function select(key, { reveal: wantReveal = false } = {}) {
    const n = state.nodes.get(key);
    if (!n) return;
    rememberPath(view || state, key, lastChild);
    if (n.pending) {
      localSelection = key;
      restyle();
      details.show(key, n);
      if (wantReveal) bringIntoView(key);
      return;
    }
    localSelection = null;
    if (model.get("selected_id") === key) {
      restyle();
      if (details.key !== key) details.show(key, n);
      if (wantReveal) bringIntoView(key);
      return;
    }
    revealNext = wantReveal;
    actions.select(key); // change:selected_id does the rest
  }

  function dismissError() {
    if (model.get("error")) actions.report("");
  }

  function act(name) {
    dismissError(); // an error is replaced by what the next action brings
    const key = selectedKey();
    switch (name) {
      case "fit":
        viewport.userMoved = false;
        return fit();
      case "export":
        if (layout) downloadSvg(svgDocument(layout, view, drawing.marks, drawing.labelsOf, drawing.spans));
        return;
      case "collapse": {
        const k = view && drawnKey(view, key);
        if (!k) return actions.report("select a node first");
        if (collapsed.has(k)) collapsed.delete(k);
        else collapsed.add(k);
        return relayout();
      }
      case "centre-head": {
        const head = model.get("head_id");
        if (!head) return actions.report("there is no head yet: check out a node first");
        return bringIntoView(head, true);
      }
      case "centre-selection":
        if (!key) return actions.report("select a node first");
        return bringIntoView(key, true);
      case "unfold":
        fold = !fold;
        setPressed(dom.buttons.unfold, !fold);
        return relayout();
      case "runs":
        runsMode = !runsMode;
        setPressed(dom.buttons.runs, runsMode);
        return relayout();
      case "fullscreen":
        sizing.setFullscreen(!sizing.fullscreen);
        setPressed(dom.buttons.fullscreen, sizing.fullscreen);
        return;
      case "edit":
        if (readonly) return;
        if (key && details.key !== key) syncDetails();
        details.openEditor();
        return;
      default:
        break;
    }
    const n = key && state.nodes.get(key);
    if (n && n.pending && name !== "stop") {
      return actions.report("that answer is still streaming: it can be used once it is stored");
    }
    if (readonly && (name === "branch" || name === "regenerate" || name === "stop")) return;
    if (actions.run(name, key, dom.input.value, dom.agentSelect.value, dom.count.value) && name === "branch") {
      dom.input.value = "";
    }
  }

  function arrow(key) {
    if (!view) return;
    const current = drawnKey(view, selectedKey());
    const next = navigate(view, current, key, lastChild);
    if (next && next !== current) select(next, { reveal: true });
  }

  function jump(text) {
    const ids = [];
    for (const [k, n] of state.nodes) if (!n.pending) ids.push(k);
    const found = findByPrefix(ids, text);
    if (found.error) return actions.report(found.error);
    dismissError();
    dom.jump.value = "";
    select(found.key);
    bringIntoView(found.key, true);
  }

  function hitTest(ev) {
    if (!layout || !drawing.index) return null;
    const r = dom.canvas.getBoundingClientRect();
    const p = toDrawing(viewport.view, { x: ev.clientX - r.left, y: ev.clientY - r.top });
    const slack = drawing.far ? 6 / viewport.view.k : 0; // a few pixels around a tiny box
    const item = drawing.index.at(p.x, p.y, slack);
    return item ? item.key : null;
  }

  /** Shift-click: compare the selection's branch with `key`'s (read-only: a plain click). */
  function compare(key) {
    const a = selectedKey();
    if (readonly || !a || a === key) return select(key);
    const na = state.nodes.get(a), nb = state.nodes.get(key);
    if ((na && na.pending) || (nb && nb.pending)) {
      return actions.report("that answer is still streaming: it can be compared once it is stored");
    }
    dismissError();
    actions.compare(a, key);
  }

  /** What a click on the drawn node `key` picks: the head when it is folded into that node (a forward drawn in its
   * original), so that "branch" goes on from the conversation the head is in; else the node itself. */
  function picked(key) {
    const head = model.get("head_id");
    return head && head !== key && view && drawnKey(view, head) === key && state.nodes.has(head) ? head : key;
  }

  bindControls(dom, {
    act, compare, arrow, jump, hitTest,
    select: (key) => select(picked(key)),
    toggleRun(id) {
      if (!id) return;
      if (collapsedRuns.has(id)) collapsedRuns.delete(id);
      else collapsedRuns.add(id);
      relayout();
    },
    dismiss: dismissError,
    escape() {
      if (comparePanel.shown) {
        actions.closeCompare();
        return true;
      }
      if (!sizing.fullscreen) return false;
      sizing.setFullscreen(false);
      setPressed(dom.buttons.fullscreen, false);
      return true;
    },
  });
  // clicked into: the wheel zooms; clicking elsewhere on the page lets it scroll the page again
  const onDocDown = (ev) => {
    if (!dom.root.contains(ev.target)) engaged = false;
  };
  document.addEventListener("mousedown", onDocDown, true);
  dom.root.addEventListener("mousedown", () => {
    engaged = true;
  });

  // -- kernel messages --------------------------------------------------------------------------------------
  function onCustom(msg) {
    if (!msg || typeof msg !== "object") return;
    if (msg.kind === "message") {
      details.receive(msg);
      return;
    }
    if (msg.kind === "search-result") {
      search.receive(msg);
      return;
    }
    if (msg.kind === "graphviz-code") {
      graphviz.load(msg.code).then(() => relayout())
        .catch((err) => actions.report(`could not load the Graphviz layout: ${err}`));
      return;
    }
    const change = applyMessage(state, msg);
    if (change === "layout") {
      relayout();
      syncDetails();
      // the shown message was sent again (new notes: an annotation, an answered question): update the pane
      const shown = details.key;
      if (shown && msg.kind === "delta" && (msg.nodes || []).some((n) => n && n.id === shown)) {
        details.refresh(shown, state.nodes.get(shown));
      }
    } else if (change === "text") {
      drawing.retext();
      const key = selectedKey();
      if (key) details.update(key, state.nodes.get(key));
    }
    // for tests and benchmarks: what arrived, and the longest streamed text assembled so far
    let text = "";
    for (const n of state.nodes.values()) if (n.text && n.text.length > text.length) text = n.text;
    dom.root.dispatchEvent(new CustomEvent("af-rendered", { detail: { kind: msg.kind, nodes: state.nodes.size, text } }));
  }
  const onHead = () => {
    const head = model.get("head_id");
    if (head && view) rememberPath(view, drawnKey(view, head) || head, lastChild);
    if (layout && layout.focused) relayout();
    else restyle();
    if (head) bringIntoView(head);
  };
  // a selection made in Python is brought into view (a click is where it is already; the keyboard asks for it)
  let selfSelecting = false;
  const sendSelect = actions.select;
  actions.select = (key) => {
    selfSelecting = true;
    try {
      sendSelect(key);
    } finally {
      selfSelecting = false;
    }
  };
  const onSelected = () => {
    localSelection = null;
    const key = model.get("selected_id") || null;
    restyle();
    syncDetails();
    if (key && (revealNext || !selfSelecting)) bringIntoView(key);
    revealNext = false;
  };
  const onMode = () => {
    viewport.userMoved = false;
    relayout();
  };
  const unlisten = listen(model, {
    "msg:custom": onCustom,
    "change:agents": renderAgents,
    "change:error": renderError,
    "change:notice": renderNotice,
    "change:head_id": onHead,
    "change:selected_id": onSelected,
    "change:budget": () => relayout(),
    "change:mode": onMode,
    "change:comparison": renderComparison,
  });
  // for tests and benchmarks: the drawn tree's structure and the view, read from the element
  dom.root.afTree = {
    structure() {
      if (!layout) return { nodes: [], edges: [], roots: [] };
      return {
        nodes: layout.nodes.map((n) => n.key).sort(),
        edges: layout.links.map((l) => `${l.source}>${l.target}${l.type ? `:${l.type}` : ""}`).sort(),
        roots: [...(view.children.get(null) || [])].sort(),
      };
    },
    view: () => ({ ...viewport.view, ...viewport.size }),
    position: (key) => {
      const p = layout && view && layout.pos.get(drawnKey(view, key));
      return p ? { x: p.x, y: p.y, w: NODE_W, h: NODE_H } : null;
    },
  };
  viewport.apply();
  const unready = sendReady(model, host); // ready; says so when the host never answers (docs/hosts.md)

  return () => {
    unlisten();
    unready();
    viewport.destroy();
    minimap.destroy();
    search.destroy();
    bookmarks.destroy();
    sizing.destroy();
    document.removeEventListener("mousedown", onDocDown, true);
    clearTimeout(noticeTimer);
    clearTimeout(hintTimer);
    dom.root.remove();
  };
}

export default { initialize, render };
