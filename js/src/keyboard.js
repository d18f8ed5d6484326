// Keyboard navigation over the tree (pure): up = parent, down = the last visited child (else the first),
// left / right = previous / next sibling. `lastChild` remembers, per node, the child visited last.

export function navigate(state, current, key, lastChild = new Map()) {
  if (current === null || current === undefined || !state.nodes.has(current)) {
    const roots = state.children.get(null) || [];
    return roots.length ? roots[0] : null;
  }
  const node = state.nodes.get(current);
  const parentKey = node.parentKey ?? null;
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

/** Remember the path to `key` so that "down" from any ancestor returns along it. */
export function rememberPath(state, key, lastChild) {
  let k = key;
  while (k !== null && k !== undefined && state.nodes.has(k)) {
    const p = state.nodes.get(k).parentKey ?? null;
    if (p === null) break;
    lastChild.set(p, k);
    k = p;
  }
}
