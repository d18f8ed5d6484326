// @ts-check
// The Graphviz layout mode: the engine (static/graphviz.js, ~1.5 MB) is asked of the kernel once, loaded from
// the code it sends, then places each layout's nodes. Trees above GRAPHVIZ_MAX_NODES keep the tidy layout.

import { GRAPHVIZ_MAX_NODES, applyPositions, positionsFromJson, toDot } from "../gvlayout.js";

/**
 * `requestEngine()` asks the kernel for the engine's code (which arrives as `graphviz-code`).
 * @param {() => void} requestEngine
 */
export function createGraphvizMode(requestEngine) {
  /** @type {{renderJson: (dot: string) => any} | null} */
  let engine = null;
  let requested = false;
  return {
    /**
     * Place `layout` (in place) with Graphviz once the engine is here; returns a note if the tree is too large.
     * @param {import("../types.js").Layout} layout
     * @returns {string | null}
     */
    apply(layout) {
      if (layout.nodes.length > GRAPHVIZ_MAX_NODES) {
        return `Graphviz layout is for trees up to ${GRAPHVIZ_MAX_NODES} nodes: using the tidy layout`;
      }
      if (!engine) {
        if (!requested) {
          requested = true;
          requestEngine();
        }
        return null;
      }
      const keys = layout.nodes.map((n) => n.key);
      applyPositions(layout, positionsFromJson(engine.renderJson(toDot(keys, layout.links)), keys));
      return null;
    },
    /**
     * Load the engine from the bundle's code (an ES module whose default export has `load()`).
     * @param {string} code
     */
    async load(code) {
      const url = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
      try {
        engine = await (await import(/* @vite-ignore */ url)).default.load();
      } finally {
        URL.revokeObjectURL(url);
      }
    },
  };
}
