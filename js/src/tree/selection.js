// @ts-check
// What is selected: the `selected_id` trait (a stored message; the kernel is told), or a streaming answer
// selected here (only the browser knows its key; once it is stored, also after "stop" as cancelled, the stored
// message is selected). The details pane follows the selection. A click on a node holding the head (a forward
// folded into its original) picks the head, so that "branch" goes on from the conversation the head is in.
// A selection made in Python is brought into view; one made here by a click is where it is already (the keyboard
// asks for it).

import { rememberPath } from "../keyboard.js";

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
    return { head: scene.drawnKey(model.get("head_id") || null), selected: scene.drawnKey(selectedKey()) };
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
     * What a click on the drawn node `key` picks: the head when it is folded into that node, else the node itself.
     * @param {string} key
     */
    picked(key) {
      const head = model.get("head_id");
      return head && head !== key && scene.drawnKey(head) === key && state.nodes.has(head) ? head : key;
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
