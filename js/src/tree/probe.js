// @ts-check
// What tests and benchmarks read from the TreeView's element (`el.afTree`): the drawn tree's structure, the view
// (pan, zoom and size), the layout's bounds, and where a node is drawn.

import { NODE_H, NODE_W } from "../layout.js";

/**
 * @param {HTMLElement & {afTree?: object}} root
 * @param {ReturnType<typeof import("./scene.js").createScene>} scene
 * @param {ReturnType<typeof import("./viewport.js").createViewport>} viewport
 */
export function exposeForTests(root, scene, viewport) {
  root.afTree = {
    structure() {
      const { layout, view } = scene;
      if (!layout || !view) return { nodes: [], edges: [], roots: [] };
      return {
        nodes: layout.nodes.map((n) => n.key).sort(),
        edges: layout.links.map((l) => `${l.source}>${l.target}${l.type ? `:${l.type}` : ""}`).sort(),
        roots: [...(view.children.get(null) || [])].sort(),
      };
    },
    view: () => ({ ...viewport.view, ...viewport.size }),
    /** The laid-out tree's bounding box (drawing units). */
    bounds: () => (scene.layout ? { ...scene.layout.bounds } : null),
    /** @param {string} key */
    position: (key) => {
      const p = scene.position(key);
      return p ? { x: p.x, y: p.y, w: NODE_W, h: NODE_H } : null;
    },
  };
}
