// @ts-check
// What is selected: the `selected_id` trait (a stored message; the kernel is told), or a streaming answer
// selected here (only the browser knows its key; once it is stored, also after "stop" as cancelled, the stored
// message is selected). The details pane follows the selection. A click on a node with forwards folded into it
// picks a forward (the message of the branch the conversation goes on from): the one on the head's branch, else
// the first (pickedKey). A selection made in Python is brought into view; one made here by a click is where it is
// already (the keyboard asks for it). The marks carry what emphasis.js highlights: the selection's branch (its
// state key), a hovered run's requests, the sender filter.

import { rememberPath } from "../keyboard.js";
import { pathTo } from "../state.js";

/**
 * What a click on the drawn node `key` selects (pure): with forwards folded into it (`view.members`), the forward
 * on the head's branch (the head itself, or one of its ancestors), else the first forward; else `key`.
 * @param {import("../types.js").View} view
 * @param {import("../types.js").State} state
 * @param {string} key
 * @param {string | null | undefined} head
 */
export function pickedKey(view, state, key, head) {
  const members = (view.members.get(key) || []).filter((k) => {
    const n = state.nodes.get(k);
    return n && n.kind === "forward";
  });
  if (!members.length || head === key) return key;
  if (head && state.nodes.has(head)) {
    const onHead = new Set(pathTo(state, head));
    const found = members.find((k) => onHead.has(k));
    if (found) return found;
  }
  return members[0];
}

/** @typedef {import("../types.js").Marks} Marks */

/**
 * @param {object} deps
 * @param {import("../types.js").State} deps.state
 * @param {import("../types.js").Model} deps.model
 * @param {ReturnType<typeof import("./actions.js").createActions>} deps.actions
 * @param {ReturnType<typeof import("./scene.js").createScene>} deps.scene
 * @param {ReturnType<typeof import("./details.js").createDetails>} deps.details
 * @param {Map<string, string>} deps.lastChild     per node, the child visited last (keyboard navigation)
 * @param {(key: string) => void} deps.reveal      bring the node of `key` into view when it is not
 */
export function createSelection({ state, model, actions, scene, details, lastChild, reveal }) {
  /** @type {string | null} a streaming answer selected here */
  let local = null;
  /** @type {string[]} state keys whose branches are highlighted besides the selection's (a hovered run's) */
  let extra = [];
  let revealNext = false; // the selection on its way to the kernel is to be brought into view
  let telling = false; // this view is setting `selected_id`

  /** @param {string} key */
  function tell(key) {
    telling = true;
    try {
      actions.select(key);
    } finally {
      telling = false;
    }
  }

  /** The selected key: a streaming answer selected here, else the `selected_id` trait. */
  function selectedKey() {
    if (local !== null) {
      if (state.nodes.has(local)) return local;
      const id = state.aliases.get(local);
      local = null;
      if (id && state.nodes.has(id)) {
        tell(id); // the answer was stored (also after "stop", as cancelled): select the stored message
        return id;
      }
    }
    return /** @type {string} */ (model.get("selected_id")) || null;
  }

  /** @returns {Marks} the head and the selection as drawn keys */
  function marks() {
    if (!scene.view) return { head: null, selected: null };
    const focus = selectedKey();
    const senders = model.get("sender_filter");
    return { head: scene.drawnKey(model.get("head_id") || null), selected: scene.drawnKey(focus), focus, extra,
      senders: Array.isArray(senders) ? senders.filter((x) => typeof x === "string") : [] };
  }

  /** The details pane shows the selection. */
  function syncDetails() {
    const key = selectedKey();
    if (key === details.key) return;
    details.show(key, key ? state.nodes.get(key) : null);
  }

  /**
   * Select `key` (`reveal`: bring it into view).
   * @param {string} key
   * @param {{reveal?: boolean}} [options]
   */
  function select(key, { reveal: wantReveal = false } = {}) {
    const n = state.nodes.get(key);
    if (!n) return;
    rememberPath(scene.view || state, key, lastChild);
    if (n.pending) {
      local = key;
      scene.restyle();
      details.show(key, n);
      if (wantReveal) reveal(key);
      return;
    }
    local = null;
    if (model.get("selected_id") === key) {
      scene.restyle();
      if (details.key !== key) details.show(key, n);
      if (wantReveal) reveal(key);
      return;
    }
    revealNext = wantReveal;
    tell(key); // change:selected_id does the rest
  }

  return {
    selectedKey,
    marks,
    syncDetails,
    select,
    /**
     * What a click on the drawn node `key` picks (pickedKey).
     * @param {string} key
     */
    picked(key) {
      return scene.view ? pickedKey(scene.view, state, key, model.get("head_id") || null) : key;
    },
    /**
     * Highlight the branches of `keys` too (a hovered run's requests; [] to stop).
     * @param {string[]} keys
     */
    highlight(keys) {
      if (!keys.length && !extra.length) return;
      extra = keys;
      scene.restyle();
    },
    /** `change:selected_id`: restyle, the details pane, and into view unless a click here made it. */
    changed() {
      local = null;
      const key = model.get("selected_id") || null;
      scene.restyle();
      syncDetails();
      if (key && (revealNext || !telling)) reveal(key);
      revealNext = false;
    },
  };
}
