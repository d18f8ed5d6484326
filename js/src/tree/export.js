// "export SVG": the current view as a standalone SVG file, with the widget's stylesheet so it looks the same.

import { el, svg } from "../render.js";
import { CSS } from "./style.js";

/** The SVG document of `svgRoot` (a copy, with the stylesheet inlined). */
export function svgDocument(svgRoot) {
  const clone = svgRoot.cloneNode(true);
  clone.setAttribute("xmlns", "http://www.w3.org/2000/svg");
  clone.insertBefore(svg("style", {}, CSS), clone.firstChild);
  return new XMLSerializer().serializeToString(clone);
}

/** Download `svgRoot` as agentforum-tree.svg. */
export function downloadSvg(svgRoot) {
  const url = URL.createObjectURL(new Blob([svgDocument(svgRoot)], { type: "image/svg+xml" }));
  const a = el("a", { href: url, download: "agentforum-tree.svg" });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
