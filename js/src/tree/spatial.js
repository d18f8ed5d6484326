// @ts-check
// Where things are in a layout (pure): a grid index of the node boxes, for the nodes in a rectangle (what to
// draw) and the node under a point (clicks on the raster); and the id-prefix lookup of "jump to".

/** Grid cells of this many drawing units. */
export const CELL = 600;

/**
 * An index of `layout.nodes` (x = centre, y = top; boxes `w` x `h`).
 * @param {{nodes: import("../types.js").LayoutItem[]}} layout
 * @param {number} w
 * @param {number} h
 */
export function createIndex(layout, w, h) {
  /** @type {Map<number, import("../types.js").LayoutItem[]>} */
  const cells = new Map();
  /**
   * @param {number} cx
   * @param {number} cy
   */
  const cellKey = (cx, cy) => cx * 1048576 + cy;
  for (const item of layout.nodes) {
    const cx0 = Math.floor((item.x - w / 2) / CELL), cx1 = Math.floor((item.x + w / 2) / CELL);
    const cy0 = Math.floor(item.y / CELL), cy1 = Math.floor((item.y + h) / CELL);
    for (let cx = cx0; cx <= cx1; cx++) {
      for (let cy = cy0; cy <= cy1; cy++) {
        const k = cellKey(cx, cy);
        let list = cells.get(k);
        if (!list) cells.set(k, (list = []));
        list.push(item);
      }
    }
  }
  return {
    /**
     * The layout items whose boxes meet the rectangle {x0, y0, x1, y1} (drawing units).
     * @param {import("./viewport.js").Rect} rect
     */
    within({ x0, y0, x1, y1 }) {
      /** @type {import("../types.js").LayoutItem[]} */
      const out = [];
      const seen = new Set();
      const cx0 = Math.floor(x0 / CELL), cx1 = Math.floor(x1 / CELL);
      const cy0 = Math.floor(y0 / CELL), cy1 = Math.floor(y1 / CELL);
      if ((cx1 - cx0 + 1) * (cy1 - cy0 + 1) > cells.size) {
        // a rectangle larger than the tree: every item is a candidate
        for (const item of layout.nodes) if (meets(item, x0, y0, x1, y1, w, h)) out.push(item);
        return out;
      }
      for (let cx = cx0; cx <= cx1; cx++) {
        for (let cy = cy0; cy <= cy1; cy++) {
          for (const item of cells.get(cellKey(cx, cy)) || []) {
            if (seen.has(item)) continue;
            seen.add(item);
            if (meets(item, x0, y0, x1, y1, w, h)) out.push(item);
          }
        }
      }
      return out;
    },
    /**
     * The item whose box holds the drawing point (x, y), widened by `slack` units on each side; or null.
     * @param {number} x
     * @param {number} y
     * @param {number} [slack]
     * @returns {import("../types.js").LayoutItem | null}
     */
    at(x, y, slack = 0) {
      let best = null;
      let bestD = Infinity;
      for (const item of this.within({ x0: x - slack, y0: y - slack, x1: x + slack, y1: y + slack })) {
        const d = Math.abs(item.x - x) + Math.abs(item.y + h / 2 - y);
        if (d < bestD) {
          best = item;
          bestD = d;
        }
      }
      return best;
    },
  };
}

/**
 * @param {import("../types.js").LayoutItem} item
 * @param {number} x0
 * @param {number} y0
 * @param {number} x1
 * @param {number} y1
 * @param {number} w
 * @param {number} h
 */
function meets(item, x0, y0, x1, y1, w, h) {
  return item.x + w / 2 >= x0 && item.x - w / 2 <= x1 && item.y + h >= y0 && item.y <= y1;
}

/**
 * "jump to": the stored node whose id starts with `prefix` (at least `min` hex characters, any case).
 * Returns {key} or {error}; `keys` are the candidate ids (pending keys "~n" never match).
 * @param {Iterable<unknown>} keys
 * @param {unknown} prefix
 * @param {number} [min]
 * @returns {{key: string, error?: undefined} | {error: string, key?: undefined}}
 */
export function findByPrefix(keys, prefix, min = 6) {
  const p = String(prefix ?? "").trim().toLowerCase();
  if (!/^[0-9a-f]*$/.test(p)) return { error: "an id is hexadecimal (0-9, a-f)" };
  if (p.length < min) return { error: `type at least ${min} characters of an id` };
  /** @type {string[]} */
  const found = [];
  for (const k of keys) {
    if (typeof k === "string" && k.startsWith(p)) {
      found.push(k);
      if (found.length > 1) break;
    }
  }
  if (!found.length) return { error: `no message id starts with ${p}` };
  if (found.length > 1) return { error: `more than one message id starts with ${p}: type more of it` };
  return { key: found[0] };
}
