// @ts-check
// What the toolbar's commands, the keys, a node's right-click menu and a Shift-click do. In the browser: fit, export
// SVG, collapse, centre the head or the selection, unfold forwards, the runs mode, full screen (the tree is moved to
// the page's body while it fills the window: a host's containers, e.g. JupyterLab's, would otherwise hold a fixed
// element inside the cell), the details pane shown or hidden (kept per widget model: it survives re-renders), the
// "?" overlay, the overflow menu, "edit" (the details pane's editor), copy id. For the kernel (actions.js): checkout,
// branch, regenerate, stop, replay, bookmark, follow, sort; refused while the selected answer still streams, and in
// a read-only export (no kernel) not offered. Each command dismisses the error shown: its own result replaces it.

import { setPressed } from "./dom.js";
import { downloadSvg, svgDocument } from "./export.js";
import { isBookmarked } from "./badges.js";
import { MAX_SIDES, comparedHeads } from "./compare.js";

/** Per widget model, what the person set that a re-render keeps (the details pane hidden). */
const UI = new WeakMap();

/**
 * The remembered UI state of `model`'s views.
 * @param {object} model
 * @returns {{detailsHidden: boolean}}
 */
export function uiState(model) {
  let s = UI.get(model);
  if (!s) UI.set(model, (s = { detailsHidden: false }));
  return s;
}

/**
 * The ids a Shift-click on `key` compares (pure): with a comparison shown, its heads plus `key` (at most MAX_SIDES;
 * a head clicked again is left out, down to two); else the selection and `key`. null: nothing to compare.
 * @param {string[]} shown
 * @param {string | null} selected
 * @param {string} key
 * @returns {string[] | null}
 */
export function comparedIds(shown, selected, key) {
  if (shown.length >= 2) {
    if (shown.includes(key)) return shown.length > 2 ? shown.filter((k) => k !== key) : null;
    return shown.length < MAX_SIDES ? [...shown, key] : null;
  }
  return selected && selected !== key ? [selected, key] : null;
}

/**
 * Copy `text` to the clipboard (the async API where the page may, else a selected text area).
 * @param {string} text
 */
export function copyText(text) {
  const clip = typeof navigator !== "undefined" ? navigator.clipboard : undefined;
  if (clip && typeof clip.writeText === "function") {
    clip.writeText(text).catch(() => copyBySelection(text));
    return;
  }
  copyBySelection(text);
}

/**
 * @param {string} text
 */
function copyBySelection(text) {
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.append(area);
  area.select();
  try {
    document.execCommand("copy");
  } catch {
    // nothing more to try: the id is shown in full in the tooltip
  }
  area.remove();
}

/**
 * @param {object} deps
 * @param {import("../types.js").State} deps.state
 * @param {import("../types.js").Model} deps.model
 * @param {boolean} deps.readonly
 * @param {ReturnType<typeof import("./dom.js").buildTree>} deps.dom
 * @param {ReturnType<typeof import("./actions.js").createActions>} deps.actions
 * @param {ReturnType<typeof import("./scene.js").createScene>} deps.scene
 * @param {ReturnType<typeof import("./draw.js").createDrawing>} deps.drawing
 * @param {ReturnType<typeof import("./selection.js").createSelection>} deps.selection
 * @param {ReturnType<typeof import("./navigation.js").createNavigation>} deps.navigation
 * @param {ReturnType<typeof import("./sizing.js").createSizing>} deps.sizing
 * @param {ReturnType<typeof import("./details.js").createDetails>} deps.details
 * @param {ReturnType<typeof import("./compare.js").createCompare>} deps.comparePanel
 * @param {ReturnType<typeof import("./menu.js").createMenus>} deps.menus
 * @param {() => void} deps.dismiss     dismiss the error shown
 */
export function createCommands({ state, model, readonly, dom, actions, scene, drawing, selection, navigation, sizing,
  details, comparePanel, menus, dismiss }) {
  const ui = uiState(model);
  /** @type {Comment | null} where the tree goes back to when it leaves full screen */
  let placeholder = null;

  /**
   * Full screen: fill the browser's window (the tree moves to the page's body meanwhile).
   * @param {boolean} on
   */
  function setFullscreen(on) {
    const root = dom.root;
    if (on && !placeholder && root.parentNode && root.ownerDocument.body) {
      placeholder = root.ownerDocument.createComment("agentforum_nb tree (full screen)");
      root.parentNode.insertBefore(placeholder, root);
      root.ownerDocument.body.append(root);
    } else if (!on && placeholder) {
      if (placeholder.parentNode) placeholder.parentNode.insertBefore(root, placeholder);
      placeholder.remove();
      placeholder = null;
    }
    sizing.setFullscreen(on);
    setPressed(dom.buttons.fullscreen, sizing.fullscreen);
    root.focus({ preventScroll: true });
  }

  /** Show the details pane as the remembered state says. */
  function applyDetails() {
    dom.root.classList.toggle("af-details-hidden", ui.detailsHidden);
    setPressed(dom.buttons.details, !ui.detailsHidden);
  }
  applyDetails();

  function closeMore() {
    dom.morePanel.classList.remove("af-open");
    dom.buttons.more.setAttribute("aria-expanded", "false");
  }

  /**
   * @param {string | null} key
   */
  function bookmark(key) {
    const n = key ? state.nodes.get(key) : undefined;
    if (!key || !n) return actions.report("select a node first");
    if (n.pending) return actions.report("that answer is still streaming: it can be bookmarked once it is stored");
    actions.annotate(key, { bookmark: !isBookmarked(n) });
  }
  /**
   * A toolbar command (a button's `data-action`, or a key's).
   * @param {string} name
   */
  function act(name) {
    dismiss(); // an error is replaced by what the next action brings
    const key = selection.selectedKey();
    switch (name) {
      case "fit":
        return navigation.refit();
      case "collapse":
        if (!scene.toggleCollapsed(key)) actions.report("select a node first");
        return;
      case "centre-head": {
        const head = model.get("head_id");
        if (!head) return actions.report("there is no head yet: check out a node first");
        navigation.bringIntoView(head, true);
        return;
      }
      case "centre-selection":
        if (!key) return actions.report("select a node first");
        navigation.bringIntoView(key, true);
        return;
      case "unfold":
        setPressed(dom.buttons.unfold, !scene.toggleFold());
        return;
      case "runs":
        setPressed(dom.buttons.runs, scene.toggleRuns());
        return;
      case "fullscreen":
        return setFullscreen(!sizing.fullscreen);
      case "details":
        ui.detailsHidden = !ui.detailsHidden;
        applyDetails();
        return;
      case "help":
        menus.toggleHelp();
        return;
      case "more": {
        const open = dom.morePanel.classList.toggle("af-open");
        dom.buttons.more.setAttribute("aria-expanded", open ? "true" : "false");
        return;
      }
      case "export":
        closeMore();
        break;
      case "copy-id":
        if (!key) return actions.report("select a node first");
        copyText(key);
        return;
      case "follow":
        if (readonly) return;
        actions.follow(model.get("follow") === false);
        return;
      case "sort":
        if (readonly) return;
        actions.sort(model.get("sort") === "score" ? "" : "score");
        return;
      case "bookmark":
        if (readonly) return;
        return bookmark(key);
      case "replay": {
        if (readonly) return;
        if (!key) return actions.report("select a node first");
        const n = state.nodes.get(key);
        if (n && n.pending) return actions.report("that answer is still streaming: it can be replayed once it is stored");
        actions.replay(key);
        return;
      }
      default:
        break;
    }
    switch (name) {
      case "export": {
        const { layout, view } = scene;
        if (layout && view) downloadSvg(svgDocument(layout, view, drawing.marks, drawing.labelsOf, drawing.spans));
        return;
      }
      case "edit":
        if (readonly) return;
        if (key && details.key !== key) selection.syncDetails();
        details.openEditor();
        return;
      default:
        break;
    }
    const n = key ? state.nodes.get(key) : undefined;
    if (n && n.pending && name !== "stop") {
      return actions.report("that answer is still streaming: it can be used once it is stored");
    }
    if (readonly && (name === "branch" || name === "regenerate" || name === "stop")) return;
    if (actions.run(name, key, dom.input.value, dom.agentSelect.value, dom.count.value) && name === "branch") {
      dom.input.value = "";
    }
  }

  /**
   * Shift-click (and the menu's "compare"): compare the selection's branch with `key`'s; with a comparison shown,
   * add `key`'s branch to it (N-way; clicking a compared node again takes it out). Read-only: a plain click.
   * @param {string} key
   */
  function compare(key) {
    const shown = comparePanel.shown ? comparedHeads(model.get("comparison")) : [];
    const ids = readonly ? null : comparedIds(shown, selection.selectedKey(), key);
    if (!ids) return shown.length ? actions.report(`a comparison shows 2 to ${MAX_SIDES} branches`) : selection.select(key);
    if (ids.some((k) => state.nodes.get(k)?.pending)) {
      return actions.report("that answer is still streaming: it can be compared once it is stored");
    }
    dismiss();
    if (ids.length === 2) actions.compare(ids[0], ids[1]);
    else actions.compareMany(ids);
  }

  return {
    act,
    compare,
    /**
     * A node's right-click menu item `action` on `key`.
     * @param {string} action
     * @param {string} key
     */
    menu(action, key) {
      // reading and marking leave the selection where it is; the rest acts on the node selected
      if (action === "compare") return compare(key);
      if (action === "copy-id") return copyText(key);
      if (action === "bookmark") return readonly ? undefined : bookmark(key);
      if (action === "replay") {
        if (readonly) return;
        dismiss();
        return actions.replay(key);
      }
      selection.select(key);
      if (action === "branch") {
        if (dom.input.value.trim()) return act("branch");
        dom.input.focus();
        return;
      }
      act(action);
    },
    /** Escape: closes a menu, the keys' overlay, the comparison, else leaves full screen; false when there was
     * nothing to close. */
    escape() {
      if (menus.closeMenu() || menus.closeHelp()) return true;
      if (dom.morePanel.classList.contains("af-open")) {
        closeMore();
        return true;
      }
      if (comparePanel.shown) {
        actions.closeCompare();
        return true;
      }
      if (!sizing.fullscreen) return false;
      setFullscreen(false);
      return true;
    },
    closeMore,
    destroy() {
      if (placeholder) setFullscreen(false);
    },
  };
}
