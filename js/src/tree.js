// @ts-check
// TreeView front end (anywidget): the forum as a live graph. See docs/widget_protocol.md. `render` only wires
// the parts together; each does one job:
//   state.js         the kernel's tree (snapshots and deltas applied)
//   tree/scene.js    the drawn tree: view.js (forwards folded, runs collapsed), runs.js, layout.js, collapsed subtrees
//   tree/dom.js      the elements (tree/style.js their CSS)
//   tree/draw.js     SVG near, only around the view, labels as detailed as the zoom leaves legible (tree/raster.js
//                    the canvas far out; tree/badges.js what a node shows besides its text); tree/minimap.js;
//                    tree/hover.js the node under the pointer when its text is not drawn in full;
//                    tree/conversations.js a forest's conversations listed, one picked to focus on
//   tree/viewport.js pan, zoom, fit, centre; tree/engagement.js whether the wheel zooms; tree/sizing.js height,
//                    resize handle, full screen
//   tree/selection.js what is selected; tree/navigation.js bringing nodes into view, arrows, "jump to", the head
//   tree/details.js  the message pane (tree/annotate.js, tree/question.js: the answer box, tree/editor.js: "edit";
//                    shared/: attachments, the reasoning's fold, the cost)
//   tree/search.js, tree/bookmarks.js, tree/compare.js   the search box, the bookmarks list, the comparison panel
//   tree/alerts.js   the error line and the notice
//   tree/controls.js user input turned into intents; tree/commands.js what the toolbar's commands do
//   tree/menu.js     the right-click menu of a node, the "?" overlay of the keys, a run's tooltip
//   tree/emphasis.js what an agent saw: the selection's branch highlighted, the rest dimmed (also the filter)
//   tree/shape.js    siblings sorted by score, the tree expanded to a depth
//   tree/actions.js  the messages to the kernel; tree/updates.js the kernel's messages
//   tree/gvmode.js   the Graphviz layout; tree/export.js export SVG; tree/probe.js what tests read
// With the trait `readonly` true (forum.to_html: standalone.js plays the kernel) everything that needs a kernel
// is hidden and the tree fills its container.

import { createState } from "./state.js";
import { listen, sendReady } from "./widget.js";
import { oneLine } from "./render.js";
import { buildTree, showAgents } from "./tree/dom.js";
import { createDrawing, keyOf } from "./tree/draw.js";
import { createHover, hoverText } from "./tree/hover.js";
import { createConversations } from "./tree/conversations.js";
import { senderLabel } from "./view.js";
import { createViewport } from "./tree/viewport.js";
import { createMinimap } from "./tree/minimap.js";
import { createSizing } from "./tree/sizing.js";
import { createEngagement } from "./tree/engagement.js";
import { createDetails } from "./tree/details.js";
import { createActions } from "./tree/actions.js";
import { bindControls } from "./tree/controls.js";
import { createGraphvizMode } from "./tree/gvmode.js";
import { createSearch } from "./tree/search.js";
import { bookmarkList, createBookmarks } from "./tree/bookmarks.js";
import { createCompare } from "./tree/compare.js";
import { subtreeTotals } from "./tree/annotate.js";
import { createScene } from "./tree/scene.js";
import { createSelection } from "./tree/selection.js";
import { createNavigation } from "./tree/navigation.js";
import { createAlerts } from "./tree/alerts.js";
import { copyText, createCommands } from "./tree/commands.js";
import { createMenus, nodeMenu, runRequests } from "./tree/menu.js";
import { contextEntries } from "./tree/details.js";
import { oneLine as short } from "./render.js";
import { setPressed } from "./tree/dom.js";
import { createUpdates } from "./tree/updates.js";
import { exposeForTests } from "./tree/probe.js";
import { createAttachmentStore } from "./shared/attachments.js";

export { NOTICE_MS } from "./tree/alerts.js";

function initialize() {
  return () => {};
}

/** @param {{model: import("./types.js").Model, el: HTMLElement}} props */
function render({ model, el: host }) {
  const readonly = model.get("readonly") === true; // an exported file: no kernel behind the model
  const state = createState();
  /** @type {Map<string, string>} per node, the child visited last (keyboard navigation) */
  const lastChild = new Map();

  const dom = buildTree(host, { readonly });
  const actions = createActions(model);
  const attachments = createAttachmentStore(model); // the bytes of the attachments the details pane shows
  const engagement = createEngagement(dom);
  const drawing = createDrawing(dom);
  const minimap = createMinimap(dom.minimap, (p) => {
    viewport.userMoved = true;
    viewport.centre(p);
  });
  const viewport = createViewport(dom.canvas, dom.viewport, (v, size) => {
    drawing.frame(v, size);
    const m = drawing.marks;
    const layout = scene.layout;
    minimap.frame(v, size, layout ? [[layout.pos.get(m.head ?? ""), "#111827"], [layout.pos.get(m.selected ?? ""), "#f59e0b"]] : []);
  }, {
    isEngaged: () => engagement.engaged,
    onEngage: () => engagement.engage(),
    onWheelRefused: () => engagement.refuseWheel(),
    onResize: (size) => {
      drawing.resize(size);
      if (scene.reshape(size)) return; // laid out again for the new shape (and fitted, unless the user moved)
      const layout = scene.layout;
      if (!viewport.userMoved && layout && layout.nodes.length) navigation.fit();
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
    context: (key) => contextEntries(state, key),
    pick: (key) => selectAndCentre(key),
    copy: copyText,
    attachments,
    resolved: (key) => state.aliases.get(key),
  });
  const graphviz = createGraphvizMode(actions.loadGraphviz);
  const scene = createScene({
    state, model, dom, drawing, minimap, viewport, graphviz,
    marks: () => selection.marks(),
    onLaidOut: () => {
      conversations.update();
      bookmarks.refresh();
      details.refreshTotals();
      navigation.afterLayout();
    },
  });
  const alerts = createAlerts(dom, model, { report: actions.report, refused: () => details.unlock() });
  const selection = createSelection({
    state, model, actions, scene, details, lastChild,
    reveal: (key) => navigation.bringIntoView(key),
  });
  const navigation = createNavigation({
    state, model, dom, scene, viewport, selection, lastChild, report: actions.report, dismiss: alerts.dismiss,
    avoid: () => minimap.rect(),
    panelWidth: () => minimap.width(),
  });
  const conversations = createConversations(dom.canvas, {
    list: () => scene.conversations(),
    pick(key) {
      const box = scene.focusOn(key);
      if (box) navigation.showBox(box);
      selection.select(key);
    },
  });
  const hover = createHover(dom.canvas, {
    nodeAt: (ev) => keyOf(ev) || scene.hitTest(ev),
    wanted: () => drawing.level !== "full",
    describe(key) {
      const { view, layout } = scene;
      const item = layout ? layout.pos.get(key) : undefined;
      if (item && item.more) {
        const { siblings, messages } = item.more;
        return { title: `+${siblings} more`, text: `${siblings} more answers here, ${messages} messages in all`,
          facts: "click to show them" };
      }
      const n = view ? view.nodes.get(key) : undefined;
      return n && view ? hoverText(n, senderLabel(view, key, n), item) : null;
    },
  });
  /**
   * Select `key` and centre it (zooming in when far out): the search's steps, the bookmarks, the comparison.
   * @param {string} key
   */
  const selectAndCentre = (key) => {
    if (!state.nodes.has(key)) return;
    selection.select(key);
    navigation.bringIntoView(key, true);
  };
  const search = createSearch(dom.search, dom.searchCount, {
    send: (text, requestId) => actions.search(text, requestId),
    matches(ids) {
      scene.setMatches(ids || []);
      scene.restyle();
    },
    step: selectAndCentre,
    current: () => selection.selectedKey(),
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
  const menus = createMenus(dom, { choose: (action, key) => commands.menu(action, key) });
  const commands = createCommands({
    state, model, readonly, dom, actions, scene, drawing, selection, navigation, sizing, details, comparePanel,
    menus, dismiss: alerts.dismiss,
  });
  /**
   * The pointer over a run's span ("runs" mode): highlight the branches of its requests, and list them.
   * @param {string | null} run
   * @param {number} x
   * @param {number} y
   */
  const runHover = (run, x, y) => {
    const found = run && scene.view ? drawing.spans.find((s) => s.group.id === run) : null;
    if (!found || !scene.view) {
      selection.highlight([]);
      menus.showTip([]);
      return;
    }
    const requests = runRequests(scene.view, found.group);
    selection.highlight(requests);
    const lines = requests.map((k) => {
      const n = state.nodes.get(k);
      return n ? `${n.sender}: ${short(n.pending ? n.text : n.snippet, 70)}` : k.slice(0, 8);
    });
    menus.showTip([`${found.group.agent} received ${requests.length} request${requests.length === 1 ? "" : "s"}` +
      " (its branch is highlighted):", ...lines], x, y);
  };
  const showToggles = () => {
    setPressed(dom.buttons.follow, model.get("follow") !== false);
    setPressed(dom.buttons.sort, model.get("sort") === "score");
  };
  showToggles();
  const receive = createUpdates({
    state, root: dom.root, scene, drawing, selection, details, search, graphviz, attachments, report: actions.report,
  });

  const showComparison = () => comparePanel.show(model.get("comparison") || {});
  showAgents(dom, model.get("agents") || []);
  alerts.showError();
  alerts.showNotice();
  showComparison(); // a comparison made in Python before the widget was shown

  bindControls(dom, {
    act: commands.act,
    compare: (key) => commands.compare(selection.picked(key)), // a folded forward: the forward, as a click

    arrow: navigation.arrow,
    jump: navigation.jump,
    hitTest: scene.hitTest,
    select: (key) => scene.expandMore(key) || selection.select(selection.picked(key)),
    toggleRun: scene.toggleRun,
    dismiss: alerts.dismiss,
    escape: commands.escape,
    menu(key, x, y) {
      const picked = selection.picked(key);
      const n = state.nodes.get(picked);
      if (!n) return;
      menus.openMenu(picked, `${n.sender}: ${short(n.pending ? n.text : n.snippet, 50)}`, nodeMenu(n, {
        readonly, comparing: !!comparePanel.shown, selected: selection.selectedKey(), key: picked,
        hasParent: !!n.parent,
      }), x, y);
    },
    runHover,
    filter: (senders) => actions.filter(senders),
    expand: (depth) => actions.expand(depth),
    closeMore: commands.closeMore,
  });
  const unlisten = listen(model, {
    "msg:custom": receive,
    "change:agents": () => showAgents(dom, model.get("agents") || []),
    "change:error": alerts.showError,
    "change:notice": alerts.showNotice,
    "change:head_id": navigation.followHead,
    "change:selected_id": selection.changed,
    "change:budget": () => scene.relayout(),
    "change:mode": () => {
      viewport.userMoved = false;
      scene.relayout();
    },
    "change:comparison": showComparison,
    "change:sender_filter": () => scene.restyle(),
    "change:depth": () => scene.relayout(),
    "change:sort": () => {
      showToggles();
      scene.relayout();
    },
    "change:follow": showToggles,
  });
  exposeForTests(dom.root, scene, viewport);
  viewport.apply();
  const unready = sendReady(model, host); // ready; says so when the host never answers (docs/hosts.md)

  return () => {
    unlisten();
    unready();
    viewport.destroy();
    hover.destroy();
    conversations.destroy();
    minimap.destroy();
    search.destroy();
    bookmarks.destroy();
    sizing.destroy();
    engagement.destroy();
    alerts.destroy();
    menus.destroy();
    commands.destroy();
    attachments.destroy();
    dom.root.remove();
  };
}

export default { initialize, render };
