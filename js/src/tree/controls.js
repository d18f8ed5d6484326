// User input on the TreeView, turned into intents: toolbar buttons, Enter in the message box, Enter and the
// arrows on the tree (the widget keeps its keys from the notebook), clicks on nodes. Pan and zoom are in
// viewport.js. `on` is {act(name), select(key), arrow(key)}: what an intent does is the renderer's business.

import { keyOf } from "./draw.js";

export function bindControls(dom, on) {
  const { root, input, agentSelect, buttons, nodeLayer } = dom;

  // one set of listeners for all nodes (event delegation)
  nodeLayer.addEventListener("click", (ev) => {
    const key = keyOf(ev);
    if (!key) return;
    ev.stopPropagation();
    root.focus({ preventScroll: true });
    on.select(key);
  });
  nodeLayer.addEventListener("dblclick", (ev) => {
    const key = keyOf(ev);
    if (!key) return;
    ev.stopPropagation();
    on.select(key);
    on.act("checkout");
  });
  nodeLayer.addEventListener("mousedown", (ev) => {
    if (keyOf(ev)) ev.stopPropagation(); // clicking a node does not start a pan
  });

  for (const [name, button] of Object.entries(buttons)) button.addEventListener("click", () => on.act(name));
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") {
      ev.preventDefault();
      ev.stopPropagation();
      on.act("branch");
    }
  });

  root.addEventListener("keydown", (ev) => {
    if (ev.target === input || ev.target === agentSelect) return;
    if (ev.key === "Enter") {
      ev.preventDefault();
      ev.stopPropagation();
      on.act("checkout");
      return;
    }
    if (!ev.key.startsWith("Arrow")) return;
    ev.preventDefault();
    ev.stopPropagation();
    on.arrow(ev.key);
  });
}
