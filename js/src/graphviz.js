// The Graphviz WASM layout engine, bundled on its own (never part of tree.js); see gvlayout.js.
import { instance } from "@viz-js/viz";

let viz = null;

export async function load() {
  viz = viz || (await instance());
  return { renderJson: (dot) => viz.renderJSON(dot) };
}

export default { load };
