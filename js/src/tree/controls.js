// User input on the TreeView, turned into intents: toolbar buttons, Enter in the message box and in "jump to",
// Enter, Escape and the arrows on the tree (the widget keeps its keys from the notebook), clicks and double
// clicks on nodes (on the SVG near, found through the layout's index on the far canvas), clicks on a run's
// label, the error's dismiss button. Pan and zoom are in viewport.js. `on` is {act(name), select(key),
// checkout(key), arrow(key), jump(text), toggleRun(id), dismiss(), escape(), hitTest(ev)}: what an intent does
// is the renderer's business.

import { keyOf } from "./draw.js";

export function bindControls(dom, on) {
  const { root, input, agentSelect, jump, buttons, canvas, spanLayer, dismiss } = dom;
  const nodeAt = (ev) => keyOf(ev) || on.hitTest(ev);

  // one set of listeners for all nodes (event delegation on the canvas)
  canvas.addEventListener("click", (ev) => {
    if (ev.target.closest && ev.target.closest(".af-minimap")) return;
    const label = ev.target.closest && ev.target.closest(".af-span-label");
    if (label) {
      ev.stopPropagation();
      on.toggleRun(label.getAttribute("data-run"));
      return;
    }
    const key = nodeAt(ev);
    if (!key) return;
    ev.stopPropagation();
    root.focus({ preventScroll: true });
    on.select(key);
  });
  canvas.addEventListener("dblclick", (ev) => {
    const key = nodeAt(ev);
    if (!key) return;
    ev.stopPropagation();
    on.select(key);
    on.act("checkout");
  });
  void spanLayer;

  for (const [name, button] of Object.entries(buttons)) button.addEventListener("click", () => on.act(name));
  dismiss.addEventListener("click", () => on.dismiss());
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") {
      ev.preventDefault();
      ev.stopPropagation();
      on.act("branch");
    }
  });
  jump.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") {
      ev.preventDefault();
      ev.stopPropagation();
      on.jump(jump.value);
    }
  });

  root.addEventListener("keydown", (ev) => {
    if (ev.target === input || ev.target === agentSelect || ev.target === jump) return;
    if (ev.key === "Escape") {
      if (on.escape()) {
        ev.preventDefault();
        ev.stopPropagation();
      }
      return;
    }
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
