// @ts-check
// What the toolbar's commands and a Shift-click do. In the browser: fit, export SVG, collapse, centre the head or
// the selection, unfold forwards, the runs mode, full screen, "edit" (the details pane's editor). For the kernel
// (actions.js): checkout, branch, regenerate, stop; refused while the selected answer still streams, and in a
// read-only export (no kernel) not offered. Each command dismisses the error shown: its own result replaces it.

import { setPressed } from "./dom.js";
import { downloadSvg, svgDocument } from "./export.js";

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
 * @param {() => void} deps.dismiss     dismiss the error shown
 */
export function createCommands({ state, model, readonly, dom, actions, scene, drawing, selection, navigation, sizing,
  details, comparePanel, dismiss }) {
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
      case "export": {
        const { layout, view } = scene;
        if (layout && view) downloadSvg(svgDocument(layout, view, drawing.marks, drawing.labelsOf, drawing.spans));
        return;
      }
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
        sizing.setFullscreen(!sizing.fullscreen);
        setPressed(dom.buttons.fullscreen, sizing.fullscreen);
        return;
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

  return {
    act,
    /**
     * Shift-click: compare the selection's branch with `key`'s (read-only: a plain click).
     * @param {string} key
     */
    compare(key) {
      const a = selection.selectedKey();
      if (readonly || !a || a === key) return selection.select(key);
      const na = state.nodes.get(a), nb = state.nodes.get(key);
      if ((na && na.pending) || (nb && nb.pending)) {
        return actions.report("that answer is still streaming: it can be compared once it is stored");
      }
      dismiss();
      actions.compare(a, key);
    },
    /** Escape: closes the comparison, else leaves full screen; false when there was nothing to close. */
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
  };
}
