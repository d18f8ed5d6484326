// TreeView front end (anywidget): the forum as a live graph. See docs/widget_protocol.md.
// This module only wires the parts: tree/dom.js (the elements), tree/draw.js (nodes and links, level of detail),
// tree/viewport.js (pan, zoom, fit), tree/details.js (the message pane), tree/actions.js (messages to the
// kernel), tree/controls.js (buttons, keys, clicks), tree/gvmode.js (the Graphviz layout), tree/export.js.

import { applyMessage, createState } from "./state.js";
import { layoutTree } from "./layout.js";
import { navigate, rememberPath } from "./keyboard.js";
import { listen } from "./widget.js";
import { buildTree, showAgents, showError } from "./tree/dom.js";
import { createDrawing, statusText } from "./tree/draw.js";
import { createViewport } from "./tree/viewport.js";
import { createDetails } from "./tree/details.js";
import { createActions } from "./tree/actions.js";
import { bindControls } from "./tree/controls.js";
import { createGraphvizMode } from "./tree/gvmode.js";
import { downloadSvg } from "./tree/export.js";

function initialize({ model }) {
  return () => {};
}

function render({ model, el: host }) {
  const state = createState();
  const collapsed = new Set();
  const lastChild = new Map(); // per node, the child visited last (keyboard navigation)
  let layout = null;

  const dom = buildTree(host);
  const actions = createActions(model);
  const drawing = createDrawing(dom, state);
  const viewport = createViewport(dom.canvas, dom.viewport, (view) => drawing.setZoom(view.k));
  const details = createDetails(dom.details, actions.requestMessage);
  const graphviz = createGraphvizMode(actions.loadGraphviz);

  const selectedKey = () => model.get("selected_id") || null;
  const marks = () => ({ head: model.get("head_id") || null, selected: selectedKey() });

  // -- traits --------------------------------------------------------------------------------------------
  const renderAgents = () => showAgents(dom, model.get("agents") || []);
  const renderError = () => showError(dom, model.get("error") || "");
  renderAgents();
  renderError();

  // -- drawing -------------------------------------------------------------------------------------------
  function fit() {
    if (layout) viewport.fit(layout.bounds);
  }

  function relayout() {
    if (!layout) viewport.measure();
    const head = model.get("head_id") || null;
    layout = layoutTree(state, { collapsed, headKey: head, budget: model.get("budget") || 2000 });
    layout.engine = "tidy";
    if (model.get("mode") === "graphviz") {
      const note = graphviz.apply(layout);
      if (note) dom.statusLine.textContent = note;
    }
    drawing.draw(layout, marks());
    dom.statusLine.textContent = statusText(state.nodes.size, layout, model.get("budget"));
    if (!viewport.userMoved && layout.nodes.length) fit();
  }

  const retext = () => drawing.retext(layout);
  const restyle = () => drawing.restyle(layout, marks());

  // -- user actions --------------------------------------------------------------------------------------
  function select(key) {
    const n = state.nodes.get(key);
    if (!n) return;
    rememberPath(state, key, lastChild);
    if (!n.pending) actions.select(key);
    restyle();
    details.show(key, n);
  }

  function act(name) {
    const key = selectedKey();
    if (name === "fit") {
      viewport.userMoved = false;
      return fit();
    }
    if (name === "export") return downloadSvg(dom.svgRoot);
    if (name === "collapse") {
      if (!key) return;
      if (collapsed.has(key)) collapsed.delete(key);
      else collapsed.add(key);
      return relayout();
    }
    if (actions.run(name, key, dom.input.value, dom.agentSelect.value) && name === "branch") dom.input.value = "";
  }

  function arrow(key) {
    const next = navigate(state, selectedKey(), key, lastChild);
    if (next && next !== selectedKey()) select(next);
  }

  bindControls(dom, { act, select, arrow });

  // -- kernel messages --------------------------------------------------------------------------------------
  function onCustom(msg) {
    if (!msg || typeof msg !== "object") return;
    if (msg.kind === "message") {
      details.receive(msg);
      return;
    }
    if (msg.kind === "graphviz-code") {
      graphviz.load(msg.code).then(() => relayout())
        .catch((err) => actions.report(`could not load the Graphviz layout: ${err}`));
      return;
    }
    const change = applyMessage(state, msg);
    if (change === "layout") relayout();
    else if (change === "text") retext();
    // for tests and benchmarks: what arrived, and the longest streamed text assembled so far
    let text = "";
    for (const n of state.nodes.values()) if (n.text && n.text.length > text.length) text = n.text;
    dom.root.dispatchEvent(new CustomEvent("af-rendered", { detail: { kind: msg.kind, nodes: state.nodes.size, text } }));
  }
  const onHead = () => {
    const head = model.get("head_id");
    if (head) rememberPath(state, head, lastChild);
    if (layout && layout.focused) relayout();
    else restyle();
  };
  const onLayout = () => {
    viewport.userMoved = false;
    relayout();
  };
  const unlisten = listen(model, {
    "msg:custom": onCustom,
    "change:agents": renderAgents,
    "change:error": renderError,
    "change:head_id": onHead,
    "change:selected_id": restyle,
    "change:budget": () => relayout(),
    "change:mode": onLayout,
  });
  viewport.apply();
  actions.ready();

  return () => {
    unlisten();
    viewport.destroy();
    dom.root.remove();
  };
}

export default { initialize, render };
