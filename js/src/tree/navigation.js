// @ts-check
// Moving around the tree: bringing a node into view (centred, zooming in to a readable size when far out; a node
// not laid out yet is brought into view once it is), fitting the tree until the user pans or zooms, the arrow keys
// (keyboard.js), "jump to" an id prefix (spatial.js), and following the head when it moves.

import { NODE_H, NODE_W } from "../layout.js";
import { navigate, rememberPath } from "../keyboard.js";
import { FAR_ZOOM } from "./draw.js";
import { findByPrefix } from "./spatial.js";
import { boxInView } from "./viewport.js";

/** Centring on a node zooms in to at least this when the view is too far out to read it. */
export const READABLE_ZOOM = 1;

/**
 * @param {object} deps
 * @param {import("../types.js").State} deps.state
 * @param {import("../types.js").Model} deps.model
 * @param {ReturnType<typeof import("./dom.js").buildTree>} deps.dom
 * @param {ReturnType<typeof import("./scene.js").createScene>} deps.scene
 * @param {ReturnType<typeof import("./viewport.js").createViewport>} deps.viewport
 * @param {ReturnType<typeof import("./selection.js").createSelection>} deps.selection
 * @param {Map<string, string>} deps.lastChild
 * @param {(text: string) => void} deps.report     show a problem in the error line
 * @param {() => void} deps.dismiss                dismiss the error shown
 */
export function createNavigation({ state, model, dom, scene, viewport, selection, lastChild, report, dismiss }) {
  /** @type {string | null} a key to bring into view once it is laid out */
  let pending = null;

  /**
   * Centre the drawn node of `key` when it is not wholly in view (`force`: always, at a readable zoom). False when
   * it is not laid out yet: then it is brought into view once it is.
   * @param {string} key
   * @param {boolean} [force]
   */
  function bringIntoView(key, force = false) {
    const p = scene.position(key);
    if (!p) {
      pending = key;
      return false;
    }
    pending = null;
    const box = { x: p.x - NODE_W / 2, y: p.y, width: NODE_W, height: NODE_H };
    if (!force && boxInView(viewport.view, viewport.size, box, 8)) return true;
    viewport.userMoved = true;
    const zoom = force && viewport.view.k < FAR_ZOOM ? READABLE_ZOOM : viewport.view.k;
    viewport.centre({ x: p.x, y: p.y + NODE_H / 2 }, zoom);
    return true;
  }

  function fit() {
    if (scene.layout) viewport.fit(scene.layout.bounds);
  }

  return {
    bringIntoView,
    fit,
    /** "fit": fit the tree, and keep fitting it as it grows until the user pans or zooms. */
    refit() {
      viewport.userMoved = false;
      fit();
    },
    /** A new layout: fitted until the user moved, else the view applied; a node waiting to be shown, shown. */
    afterLayout() {
      const layout = scene.layout;
      if (!viewport.userMoved && layout && layout.nodes.length) fit();
      else viewport.apply();
      if (pending !== null) bringIntoView(pending);
    },
    /**
     * An arrow key: the parent, a child, a sibling of the selection.
     * @param {string} key
     */
    arrow(key) {
      const view = scene.view;
      if (!view) return;
      const current = scene.drawnKey(selection.selectedKey());
      const next = navigate(view, current, key, lastChild);
      if (next && next !== current) selection.select(next, { reveal: true });
    },
    /**
     * "jump to": select the message whose id starts with `text` and centre it.
     * @param {string} text
     */
    jump(text) {
      /** @type {string[]} */
      const ids = [];
      for (const [k, n] of state.nodes) if (!n.pending) ids.push(k);
      const found = findByPrefix(ids, text);
      if (found.error !== undefined) return report(found.error);
      dismiss();
      dom.jump.value = "";
      selection.select(found.key);
      bringIntoView(found.key, true);
    },
    /** `change:head_id`: the path to the head is remembered (arrow down follows it), the head brought into view. */
    followHead() {
      const head = model.get("head_id");
      const view = scene.view;
      if (head && view) rememberPath(view, scene.drawnKey(head) || head, lastChild);
      const layout = scene.layout;
      if (layout && layout.focused) scene.relayout(); // above the budget the head's neighbourhood is drawn
      else scene.restyle();
      if (head) bringIntoView(head);
    },
  };
}
