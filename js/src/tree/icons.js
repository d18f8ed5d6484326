// @ts-check
// The toolbar's icons: small inline SVGs (16 x 16, drawn with the text colour), no fonts or network needed. Each
// button also has a tooltip and an accessible name (dom.js); the icons are decoration (aria-hidden).

import { svg } from "../render.js";

/** name -> the path data of its icon (strokes, round caps). */
export const ICONS = Object.freeze({
  branch: "M3 8h8M8 4.5 11.5 8 8 11.5M13 3v10",
  checkout: "M3 8.5l3 3 7-7",
  regenerate: "M12.5 6A5 5 0 1 0 13 9.5M12.5 2.5V6H9",
  edit: "M10.5 3.5l2 2L6 12H4v-2zM9 5l2 2",
  stop: "M4.5 4.5h7v7h-7z",
  collapse: "M3 3h10v10H3zM5.5 8h5",
  fit: "M2.5 6V2.5H6M10 2.5h3.5V6M13.5 10v3.5H10M6 13.5H2.5V10",
  "centre-head": "M8 2v3M8 11v3M2 8h3M11 8h3M8 6.2A1.8 1.8 0 1 1 8 9.8 1.8 1.8 0 1 1 8 6.2z",
  "centre-selection": "M4 4h8v8H4zM8 1.5v3M8 11.5v3M1.5 8h3M11.5 8h3",
  unfold: "M8 2v4M5.5 4.5 8 7l2.5-2.5M8 14v-4M5.5 11.5 8 9l2.5 2.5",
  runs: "M2.5 3.5h11v9h-11zM2.5 6h11",
  bookmarks: "M8 2l1.8 3.8 4.2.5-3.1 2.9.8 4.1L8 11.3 4.3 13.3l.8-4.1L2 6.3l4.2-.5z",
  follow: "M3 3v10M6 5l5 3-5 3z",
  details: "M2.5 3h11v10h-11zM10 3v10",
  fullscreen: "M2.5 6V2.5H6M10 2.5h3.5V6M13.5 10v3.5H10M6 13.5H2.5V10M5.5 5.5l-3-3M10.5 5.5l3-3M10.5 10.5l3 3M5.5 10.5l-3 3",
  help: "M6 6a2 2 0 1 1 2.8 1.8C8.3 8 8 8.5 8 9.2M8 11.5v.5",
  more: "M3.5 8h.5M7.75 8h.5M12 8h.5",
  export: "M8 2.5v7M5 7l3 3 3-3M3 12.5h10",
  compare: "M2.5 3h4.5v10H2.5zM9 3h4.5v10H9z",
  replay: "M4 3.5v9l8-4.5z",
  copy: "M5.5 5.5h7v7h-7zM3.5 10.5v-7h7",
});

/**
 * The icon `name` as an <svg> element (aria-hidden), or null when there is none.
 * @param {string} name
 */
export function icon(name) {
  const d = /** @type {Record<string, string>} */ (ICONS)[name];
  if (!d) return null;
  const root = svg("svg", { class: "af-icon", viewBox: "0 0 16 16", width: 16, height: 16, "aria-hidden": "true",
    focusable: "false" });
  root.append(svg("path", { d, fill: "none", stroke: "currentColor", "stroke-width": 1.5, "stroke-linecap": "round",
    "stroke-linejoin": "round" }));
  return root;
}
