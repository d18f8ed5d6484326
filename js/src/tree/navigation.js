// @ts-check
// Moving around the tree: bringing a node into view (centred; asked for by a person -- the search's Enter, "jump
// to", the centring buttons -- at a zoom where its full labels are legible; a node not laid out yet is brought into
// view once it is; a node under the minimap is not in view), fitting the whole tree in both directions until the
// user pans or zooms, the arrow keys (keyboard.js), "jump to" an id prefix (spatial.js), and following the head
// when it moves.

import { NODE_H, NODE_W } from "../layout.js";
import { navigate, rememberPath } from "../keyboard.js";
import { FULL_ZOOM, LABEL_FONTS, LEGIBLE_PX } from "./draw.js";
import { findByPrefix } from "./spatial.js";
import { boxInView, minZoomFor } from "./viewport.js";

/** The zoom from which the "short" labels (two lines of a message) are legible (draw.js labelLevel). */
const SHORT_ZOOM = LEGIBLE_PX / LABEL_FONTS.short;

/** Over a fitted forest this many pixels are left free (the conversations' button). */
export const CONTROLS_TOP = 26;

/** Centring on a node on request zooms in to at least this when its full labels are not legible (FULL_ZOOM). */
export const READABLE_ZOOM = 1;

/**
 * The zoom a node is centred at (pure): on request (`force`), READABLE_ZOOM when the zoom `k` is too far out for
 * full labels; else `k`.
 * @param {number} k
 * @param {boolean} force
 */
export function centringZoom(k, force) {
  return force && k < FULL_ZOOM ? Math.max(READABLE_ZOOM, FULL_ZOOM) : k;
}

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
 * @param {() => {x: number, y: number, w: number, h: number} | null} [deps.avoid]   a panel over the canvas
 * @param {() => number} [deps.panelWidth]   how wide the panel on the canvas's right is when shown (the minimap)
 */
export function createNavigation({ state, model, dom, scene, viewport, selection, lastChild, report, dismiss,
  avoid = () => null, panelWidth = () => 0 }) {
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
    if (!force && boxInView(viewport.view, viewport.size, box, 8, avoid())) return true;
    viewport.userMoved = true;
    viewport.centre({ x: p.x, y: p.y + NODE_H / 2 }, centringZoom(viewport.view.k, force));
    return true;
  }

  function fit() {
    const layout = scene.layout;
    // a forest: room over it for the conversations' button (conversations.js)
    if (layout) viewport.fit(layout.bounds, layout.groups && layout.groups.length > 1 ? CONTROLS_TOP : 0);
  }

  return {
    bringIntoView,
    fit,
    /**
     * Show a part of the tree whole (a conversation of a forest), clear of the minimap that shows then: the user
     * moved (no more fitting).
     * @param {import("../types.js").Box} box
     */
    showBox(box) {
      viewport.userMoved = true;
      viewport.show(box, panelWidth(), SHORT_ZOOM); // readable: a tall conversation from its start
    },
    /** "fit": fit the tree, and keep fitting it as it grows until the user pans or zooms. */
    refit() {
      viewport.userMoved = false;
      fit();
    },
    /** A new layout: fitted until the user moved, else the view applied; a node waiting to be shown, shown. */
    afterLayout() {
      const layout = scene.layout;
      if (layout && layout.nodes.length) viewport.setMinZoom(minZoomFor(layout.bounds, viewport.size));
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
