// @ts-check
// Keyboard navigation over the tree (pure): up = parent, down = the last visited child (else the first),
// left / right = previous / next sibling. `lastChild` remembers, per node, the child visited last. `state` is a
// state or a drawn view of one (view.js: folded forwards move with their original).

import { parentOf } from "./state.js";

/**
 * The key an arrow key moves to from `current` (the first root when nothing is selected).
 * @param {import("./types.js").Tree} state
 * @param {string | null | undefined} current
 * @param {string} key
 * @param {Map<string, string>} [lastChild]
 * @returns {string | null}
 */
export function navigate(state, current, key, lastChild = new Map()) {
  if (current === null || current === undefined || !state.nodes.has(current)) {
    const roots = state.children.get(null) || [];
    return roots.length ? roots[0] : null;
  }
  const parentKey = parentOf(state, current);
  const siblings = state.children.get(parentKey) || [];
  const i = siblings.indexOf(current);
  switch (key) {
    case "ArrowUp":
      if (parentKey !== null) {
        lastChild.set(parentKey, current);
        return parentKey;
      }
      return current;
    case "ArrowDown": {
      const kids = state.children.get(current) || [];
      if (!kids.length) return current;
      const remembered = lastChild.get(current);
      return remembered !== undefined && kids.includes(remembered) ? remembered : kids[0];
    }
    case "ArrowLeft":
      return i > 0 ? siblings[i - 1] : current;
    case "ArrowRight":
      return i >= 0 && i < siblings.length - 1 ? siblings[i + 1] : current;
    default:
      return current;
  }
}

/**
 * Remember the path to `key` so that "down" from any ancestor returns along it.
 * @param {import("./types.js").Tree} state
 * @param {string | null} key
 * @param {Map<string, string>} lastChild
 */
export function rememberPath(state, key, lastChild) {
  let k = key;
  while (k !== null && k !== undefined && state.nodes.has(k)) {
    const p = parentOf(state, k);
    if (p === null) break;
    lastChild.set(p, k);
    k = p;
  }
}
