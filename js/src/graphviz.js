// @ts-check
// The Graphviz WASM layout engine, bundled on its own (never part of tree.js); see gvlayout.js.
import { instance } from "@viz-js/viz";

/** @type {import("@viz-js/viz").Viz | null} */
let viz = null;

/** The engine: `renderJson(dot)` lays a DOT graph out and returns Graphviz's JSON. */
export async function load() {
  const engine = viz || (viz = await instance());
  return { renderJson: (/** @type {string} */ dot) => engine.renderJSON(dot) };
}

export default { load };
