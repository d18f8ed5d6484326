// TreeView front end (anywidget): the forum as a live graph. See docs/widget_protocol.md.

import { applyMessage, createState, pathTo } from "./state.js";
import { layoutTree, NODE_H, NODE_W } from "./layout.js";
import { navigate, rememberPath } from "./keyboard.js";
import { el, oneLine, senderColour, svg } from "./render.js";
import { GRAPHVIZ_MAX_NODES, positionsFromJson, toDot } from "./gvlayout.js";

const CSS = `
.af-tree { font: 12px var(--jp-ui-font-family, system-ui, sans-serif); color: #1f2933; border: 1px solid #d5dbe3;
  border-radius: 6px; display: flex; flex-direction: column; background: #fff; outline: none; }
.af-toolbar { display: flex; flex-wrap: wrap; gap: 4px; padding: 6px; border-bottom: 1px solid #e4e7eb; align-items: center; }
.af-toolbar input[type=text] { flex: 1 1 180px; min-width: 120px; padding: 3px 6px; }
.af-toolbar button, .af-toolbar select { padding: 2px 8px; cursor: pointer; }
.af-error { color: #b91c1c; background: #fef2f2; padding: 4px 8px; white-space: pre-wrap; }
.af-body { display: flex; min-height: 200px; height: 420px; }
.af-canvas { flex: 1; overflow: hidden; cursor: grab; background: #fbfcfd; }
.af-canvas.af-dragging { cursor: grabbing; }
.af-details { width: 260px; border-left: 1px solid #e4e7eb; padding: 6px 8px; overflow: auto; font-size: 11px; }
.af-details pre { white-space: pre-wrap; word-break: break-word; font: 11px var(--jp-code-font-family, monospace); margin: 4px 0; }
.af-details dt { font-weight: 600; margin-top: 4px; }
.af-details dd { margin: 0 0 0 6px; word-break: break-all; }
.af-node rect { stroke: #7b8794; stroke-width: 1; }
.af-node { cursor: pointer; }
.af-node text { pointer-events: none; }
.af-node .af-sender { font-weight: 600; font-size: 11px; fill: #323f4b; }
.af-node .af-snippet { font-size: 11px; fill: #3e4c59; }
.af-node.af-streaming rect { stroke: #2563eb; stroke-dasharray: 5 3; animation: af-dash 1s linear infinite; }
.af-node.af-cancelled rect { stroke: #6b7280; stroke-dasharray: 3 3; opacity: 0.75; }
.af-node.af-failed rect { stroke: #ea580c; stroke-width: 2; }
.af-node.af-error rect { stroke: #dc2626; stroke-width: 2; fill: #fee2e2 !important; }
.af-node.af-onhead rect { stroke: #111827; stroke-width: 2; }
.af-node.af-head rect { stroke: #111827; stroke-width: 3; }
.af-node.af-selected rect { stroke: #f59e0b; stroke-width: 3; }
.af-link { fill: none; stroke: #9aa5b1; stroke-width: 1.2; }
.af-link.af-onhead { stroke: #111827; stroke-width: 2.5; }
.af-extra { fill: none; stroke-width: 1; stroke-dasharray: 4 3; opacity: 0.7; }
.af-extra.af-forward { stroke: #7c3aed; }
.af-extra.af-reply { stroke: #0891b2; }
.af-badge { font-size: 10px; fill: #52606d; }
.af-status { padding: 2px 8px; color: #52606d; font-size: 11px; }
.af-far .af-node text { display: none; }
.af-far .af-node rect { stroke-width: 0; }
@keyframes af-dash { to { stroke-dashoffset: -16; } }
`;

function statusClass(n) {
  if (n.pending) return "af-streaming";
  if (n.kind === "error") return "af-error";
  if (n.status === "cancelled") return "af-cancelled";
  if (n.status === "failed") return "af-failed";
  return "";
}

function initialize({ model }) {
  return () => {};
}

function render({ model, el: host }) {
  const state = createState();
  const collapsed = new Set();
  const lastChild = new Map();
  const elements = new Map(); // key -> <g>
  let layout = null;
  let view = { x: 20, y: 20, k: 1 };
  let userMoved = false; // fit automatically until the user pans or zooms
  let graphviz = null; // the Graphviz engine, once the kernel has sent its bundle
  let graphvizRequested = false;
  let requestId = 0;
  let pendingDetail = null;

  // keyboard events inside the widget are ours, not the notebook's command-mode shortcuts
  const root = el("div", { class: "af-tree", tabindex: "0", "data-lm-suppress-shortcuts": "true",
    "data-p-suppress-shortcuts": "true" });
  const style = el("style", {}, CSS);
  const toolbar = el("div", { class: "af-toolbar" });
  const agentSelect = el("select", { title: "agent to ask" });
  const input = el("input", { type: "text", placeholder: "message to branch with…" });
  const buttons = {};
  for (const [name, label, title] of [
    ["branch", "branch", "post the text under the selected node and ask the agent"],
    ["checkout", "check out", "make the selected node the head (backtrack)"],
    ["regenerate", "regenerate", "ask the same agent again for a sibling answer"],
    ["stop", "stop", "cancel running calls"],
    ["collapse", "collapse", "collapse or expand the selected subtree"],
    ["fit", "fit", "fit the tree in view"],
    ["export", "export SVG", "download the current view as SVG"],
  ]) {
    buttons[name] = el("button", { type: "button", title, "data-action": name }, label);
  }
  toolbar.append(agentSelect, input, ...Object.values(buttons));
  const errorBox = el("div", { class: "af-error" });
  const body = el("div", { class: "af-body" });
  const canvas = el("div", { class: "af-canvas" });
  const svgRoot = svg("svg", { width: "100%", height: "100%", xmlns: "http://www.w3.org/2000/svg" });
  const viewport = svg("g", { class: "af-viewport" });
  const linkLayer = svg("g", { class: "af-links" });
  const extraLayer = svg("g", { class: "af-extras" });
  const nodeLayer = svg("g", { class: "af-nodes" });
  viewport.append(linkLayer, extraLayer, nodeLayer);
  svgRoot.append(viewport);
  canvas.append(svgRoot);
  const details = el("div", { class: "af-details" });
  body.append(canvas, details);
  const statusLine = el("div", { class: "af-status" });
  root.append(style, toolbar, errorBox, body, statusLine);
  host.append(root);

  // -- traits --------------------------------------------------------------------------------------------
  function renderAgents() {
    const names = model.get("agents") || [];
    agentSelect.replaceChildren(...names.map((n) => el("option", { value: n }, n)));
    agentSelect.style.display = names.length ? "" : "none";
  }
  function renderError() {
    const text = model.get("error") || "";
    errorBox.textContent = text;
    errorBox.style.display = text ? "" : "none";
  }
  renderAgents();
  renderError();

  // -- drawing -------------------------------------------------------------------------------------------
  function applyView() {
    viewport.setAttribute("transform", `translate(${view.x},${view.y}) scale(${view.k})`);
    // zoomed far out, labels are unreadable: do not lay them out or paint them (level of detail)
    svgRoot.classList.toggle("af-far", view.k < 0.3);
  }

  let canvasSize = { w: 800, h: 400 };
  const measure = () => {
    // read the size only while the DOM is clean, never right after adding thousands of nodes
    canvasSize = { w: canvas.clientWidth || canvasSize.w, h: canvas.clientHeight || canvasSize.h };
  };
  const resizeObserver = typeof ResizeObserver !== "undefined" ? new ResizeObserver(measure) : null;
  if (resizeObserver) resizeObserver.observe(canvas);

  function fit() {
    if (!layout) return;
    const { w, h } = canvasSize;
    const b = layout.bounds;
    const k = Math.max(0.05, Math.min(1, (w - 20) / Math.max(b.width, 1), (h - 20) / Math.max(b.height, 1)));
    view = { k, x: (w - b.width * k) / 2 - b.x * k, y: 10 };
    applyView();
  }

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

  function keyOf(ev) {
    const g = ev.target.closest && ev.target.closest("g.af-node");
    return g ? g.getAttribute("data-key") : null;
  }
  // one set of listeners for all nodes (event delegation)
  nodeLayer.addEventListener("click", (ev) => {
    const key = keyOf(ev);
    if (!key) return;
    ev.stopPropagation();
    root.focus({ preventScroll: true });
    select(key);
  });
  nodeLayer.addEventListener("dblclick", (ev) => {
    const key = keyOf(ev);
    if (!key) return;
    ev.stopPropagation();
    select(key);
    act("checkout");
  });
  nodeLayer.addEventListener("mousedown", (ev) => {
    if (keyOf(ev)) ev.stopPropagation(); // clicking a node does not start a pan
  });
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
    title.textContent = `${n.sender}${n.id ? " " + n.id.slice(0, 12) : ""}\n${oneLine(n.pending ? n.text : n.snippet, 300)}`;
  });

  function fillNode(g, n, item) {
    const rect = g.firstChild;
    const sender = rect.nextSibling;
    const snippet = sender.nextSibling;
    const badge = snippet.nextSibling;
    rect.setAttribute("fill", n.kind === "error" ? "#fee2e2" : senderColour(n.sender));
    sender.textContent = oneLine((n.kind === "forward" ? "↪ " : "") + n.sender, 24);
    snippet.textContent = oneLine(n.pending ? n.text.slice(-80) : n.snippet, 24);
    const marks = [];
    if (item && item.hidden) marks.push(`+${item.hidden}`);
    if (!n.pending && n.status !== "complete") marks.push(n.status);
    if (n.pending) marks.push("…");
    badge.textContent = marks.join(" ");
  }

  function classes(key, n, onHead) {
    const c = ["af-node", statusClass(n)];
    if (onHead.has(key)) c.push("af-onhead");
    if (key === model.get("head_id")) c.push("af-head");
    if (key === model.get("selected_id")) c.push("af-selected");
    return c.filter(Boolean).join(" ");
  }

  function relayout() {
    if (!layout) measure();
    const head = model.get("head_id") || null;
    layout = layoutTree(state, { collapsed, headKey: head, budget: model.get("budget") || 2000 });
    layout.engine = "tidy";
    if (model.get("layout") === "graphviz") applyGraphviz();
    svgRoot.setAttribute("data-layout", layout.engine);
    const onHead = new Set(head ? pathTo(state, head) : []);
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
      g.setAttribute("class", classes(item.key, n, onHead));
      fillNode(g, n, item);
    }
    nodeLayer.append(frag);
    for (const [key, g] of elements) {
      if (!seen.has(key)) {
        g.remove();
        elements.delete(key);
      }
    }
    drawLinks(onHead);
    const extras = layout.extra.map(({ source, target, type }) => {
      const a = layout.pos.get(source);
      const b = layout.pos.get(target);
      return svg("path", { class: `af-extra af-${type}`,
        d: `M${a.x + NODE_W / 2},${a.y + NODE_H / 2}Q${(a.x + b.x) / 2 + 40},${(a.y + b.y) / 2} ${b.x + NODE_W / 2},${b.y + NODE_H / 2}` });
    });
    extraLayer.replaceChildren(...extras);
    finishLayout();
  }

  function applyGraphviz() {
    if (layout.nodes.length > GRAPHVIZ_MAX_NODES) {
      statusLine.textContent = `Graphviz layout is for trees up to ${GRAPHVIZ_MAX_NODES} nodes: using the tidy layout`;
      return;
    }
    if (!graphviz) {
      if (!graphvizRequested) {
        graphvizRequested = true;
        model.send({ kind: "load-graphviz" });
      }
      return;
    }
    const keys = layout.nodes.map((n) => n.key);
    const positions = positionsFromJson(graphviz.renderJson(toDot(keys, layout.links)), keys);
    let minX = Infinity, maxX = -Infinity, maxY = 0;
    for (const item of layout.nodes) {
      const p = positions.get(item.key);
      if (!p) continue;
      item.x = p.x;
      item.y = p.y;
      minX = Math.min(minX, p.x);
      maxX = Math.max(maxX, p.x);
      maxY = Math.max(maxY, p.y);
    }
    if (layout.nodes.length) {
      layout.bounds = { x: minX - NODE_W / 2, y: 0, width: maxX - minX + NODE_W, height: maxY + NODE_H };
    }
    layout.engine = "graphviz";
  }

  async function loadGraphviz(code) {
    const url = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
    try {
      graphviz = await (await import(/* @vite-ignore */ url)).default.load();
    } finally {
      URL.revokeObjectURL(url);
    }
    relayout();
  }

  function drawLinks(onHead) {
    let plain = "";
    let onPath = "";
    for (const { source, target } of layout.links) {
      const a = layout.pos.get(source);
      const b = layout.pos.get(target);
      const y1 = a.y + NODE_H, y2 = b.y, my = (y1 + y2) / 2;
      const d = `M${a.x},${y1}C${a.x},${my} ${b.x},${my} ${b.x},${y2}`;
      if (onHead.has(source) && onHead.has(target)) onPath += d;
      else plain += d;
    }
    linkLayer.replaceChildren(svg("path", { class: "af-link", d: plain || "M0,0" }),
      svg("path", { class: "af-link af-onhead", d: onPath || "M0,0" }));
  }

  function finishLayout() {
    const total = state.nodes.size;
    statusLine.textContent = `${total} node${total === 1 ? "" : "s"}` +
      (layout.focused ? ` · showing ${layout.nodes.length} around the head (budget ${model.get("budget")})` : "");
    if (!userMoved && layout.nodes.length) fit();
  }

  function retext() {
    for (const [key, n] of state.nodes) {
      if (!n.pending) continue;
      const g = elements.get(key);
      if (g) fillNode(g, n, layout && layout.pos.get(key));
    }
  }

  function restyle() {
    const head = model.get("head_id") || null;
    const onHead = new Set(head ? pathTo(state, head) : []);
    for (const [key, g] of elements) {
      const n = state.nodes.get(key);
      if (n) g.setAttribute("class", classes(key, n, onHead));
    }
    if (layout) drawLinks(onHead);
  }

  // -- details ----------------------------------------------------------------------------------------------
  function showDetails(msg) {
    const dl = el("dl");
    for (const [k, v] of [["id", msg.id], ["sender", msg.sender], ["kind", msg.kind], ["status", msg.status],
      ["parent", msg.parent_id], ["reply to", msg.reply_to_id], ["original", msg.original_id]]) {
      if (v === null || v === undefined) continue;
      dl.append(el("dt", {}, k), el("dd", {}, String(v)));
    }
    const meta = msg.metadata && Object.keys(msg.metadata).length ? JSON.stringify(msg.metadata, null, 1) : null;
    if (meta) dl.append(el("dt", {}, "metadata"), el("dd", {}, meta));
    details.replaceChildren(dl, el("pre", {}, msg.content));
  }

  function requestDetails(key) {
    const n = state.nodes.get(key);
    if (!n) {
      details.replaceChildren();
      return;
    }
    if (n.pending) {
      details.replaceChildren(el("dl", {}, null), el("pre", {}, `${n.sender} (streaming)\n\n${n.text}`));
      return;
    }
    pendingDetail = ++requestId;
    model.send({ kind: "get-message", id: key, request_id: pendingDetail });
  }

  // -- actions ----------------------------------------------------------------------------------------------
  function select(key) {
    const n = state.nodes.get(key);
    if (!n) return;
    rememberPath(state, key, lastChild);
    if (!n.pending) {
      model.set("selected_id", key);
      model.save_changes();
      model.send({ kind: "select", id: key });
    }
    restyle();
    requestDetails(key);
  }

  function selectedKey() {
    return model.get("selected_id") || null;
  }

  function act(name) {
    const key = selectedKey();
    if (name === "fit") {
      userMoved = false;
      return fit();
    }
    if (name === "export") return exportSvg();
    if (name === "stop") return model.send({ kind: "stop" });
    if (name === "collapse") {
      if (!key) return;
      if (collapsed.has(key)) collapsed.delete(key);
      else collapsed.add(key);
      return relayout();
    }
    if (!key) {
      model.set("error", "select a node first");
      model.save_changes();
      return;
    }
    if (name === "checkout") model.send({ kind: "checkout", id: key });
    else if (name === "regenerate") model.send({ kind: "regenerate", id: key });
    else if (name === "branch") {
      const text = input.value;
      if (!text.trim()) {
        model.set("error", "type a message to branch with");
        model.save_changes();
        return;
      }
      model.send({ kind: "branch", id: key, text, agent: agentSelect.value || null });
      input.value = "";
    }
  }

  function exportSvg() {
    const clone = svgRoot.cloneNode(true);
    clone.setAttribute("xmlns", "http://www.w3.org/2000/svg");
    clone.insertBefore(svg("style", {}, CSS), clone.firstChild);
    const data = new XMLSerializer().serializeToString(clone);
    const url = URL.createObjectURL(new Blob([data], { type: "image/svg+xml" }));
    const a = el("a", { href: url, download: "agentforum-tree.svg" });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  for (const [name, button] of Object.entries(buttons)) button.addEventListener("click", () => act(name));
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") {
      ev.preventDefault();
      ev.stopPropagation();
      act("branch");
    }
  });

  root.addEventListener("keydown", (ev) => {
    if (ev.target === input || ev.target === agentSelect) return;
    if (ev.key === "Enter") {
      ev.preventDefault();
      ev.stopPropagation();
      act("checkout");
      return;
    }
    if (!ev.key.startsWith("Arrow")) return;
    ev.preventDefault();
    ev.stopPropagation();
    const next = navigate(state, selectedKey(), ev.key, lastChild);
    if (next && next !== selectedKey()) select(next);
  });

  // pan and zoom
  let drag = null;
  canvas.addEventListener("mousedown", (ev) => {
    if (ev.button !== 0) return;
    drag = { x: ev.clientX, y: ev.clientY, vx: view.x, vy: view.y };
    userMoved = true;
    canvas.classList.add("af-dragging");
  });
  const onMove = (ev) => {
    if (!drag) return;
    view.x = drag.vx + ev.clientX - drag.x;
    view.y = drag.vy + ev.clientY - drag.y;
    applyView();
  };
  const onUp = () => {
    drag = null;
    canvas.classList.remove("af-dragging");
  };
  window.addEventListener("mousemove", onMove);
  window.addEventListener("mouseup", onUp);
  canvas.addEventListener("wheel", (ev) => {
    ev.preventDefault();
    userMoved = true;
    const r = canvas.getBoundingClientRect();
    const mx = ev.clientX - r.left, my = ev.clientY - r.top;
    const k = Math.max(0.02, Math.min(4, view.k * Math.exp(-ev.deltaY * 0.0015)));
    view.x = mx - ((mx - view.x) * k) / view.k;
    view.y = my - ((my - view.y) * k) / view.k;
    view.k = k;
    applyView();
  }, { passive: false });

  // -- kernel messages --------------------------------------------------------------------------------------
  function onCustom(msg) {
    if (!msg || typeof msg !== "object") return;
    if (msg.kind === "message") {
      if (msg.request_id === pendingDetail && msg.message) showDetails(msg.message);
      return;
    }
    if (msg.kind === "graphviz-code") {
      loadGraphviz(msg.code).catch((err) => {
        model.set("error", `could not load the Graphviz layout: ${err}`);
        model.save_changes();
      });
      return;
    }
    const change = applyMessage(state, msg);
    if (change === "layout") relayout();
    else if (change === "text") retext();
    // for tests and benchmarks: what arrived, and the longest streamed text assembled so far
    let text = "";
    for (const n of state.nodes.values()) if (n.text && n.text.length > text.length) text = n.text;
    root.dispatchEvent(new CustomEvent("af-rendered", { detail: { kind: msg.kind, nodes: state.nodes.size, text } }));
  }
  const onHead = () => {
    const head = model.get("head_id");
    if (head) rememberPath(state, head, lastChild);
    if (layout && layout.focused) relayout();
    else restyle();
  };
  const onSelected = () => restyle();
  model.on("msg:custom", onCustom);
  model.on("change:agents", renderAgents);
  model.on("change:error", renderError);
  model.on("change:head_id", onHead);
  model.on("change:selected_id", onSelected);
  model.on("change:budget", relayout);
  const onLayout = () => {
    userMoved = false;
    relayout();
  };
  model.on("change:layout", onLayout);
  applyView();
  model.send({ kind: "ready" });

  return () => {
    model.off("msg:custom", onCustom);
    model.off("change:agents", renderAgents);
    model.off("change:error", renderError);
    model.off("change:head_id", onHead);
    model.off("change:selected_id", onSelected);
    model.off("change:budget", relayout);
    model.off("change:layout", onLayout);
    window.removeEventListener("mousemove", onMove);
    window.removeEventListener("mouseup", onUp);
    if (resizeObserver) resizeObserver.disconnect();
    root.remove();
  };
}

export default { initialize, render };
