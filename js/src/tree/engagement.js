// @ts-check
// Whether the TreeView was clicked into: then a plain wheel zooms it; until then (or once the user clicks
// elsewhere on the page) the wheel scrolls the page past it, and a hint says how to zoom.

/** How long the hint stays (ms). */
export const HINT_MS = 1200;

/** @param {ReturnType<typeof import("./dom.js").buildTree>} dom */
export function createEngagement(dom) {
  let engaged = false;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let hintTimer;
  /** @param {MouseEvent} ev */
  const onDocDown = (ev) => {
    if (!(ev.target instanceof Node) || !dom.root.contains(ev.target)) engaged = false;
  };
  document.addEventListener("mousedown", onDocDown, true);
  dom.root.addEventListener("mousedown", () => {
    engaged = true;
  });
  return {
    get engaged() {
      return engaged;
    },
    /** A press in the canvas: engaged, and the widget takes the keys. */
    engage() {
      engaged = true;
      dom.root.focus({ preventScroll: true });
    },
    /** A plain wheel over an idle widget: the hint. */
    refuseWheel() {
      dom.hint.classList.add("af-show");
      clearTimeout(hintTimer);
      hintTimer = setTimeout(() => dom.hint.classList.remove("af-show"), HINT_MS);
    },
    destroy() {
      document.removeEventListener("mousedown", onDocDown, true);
      clearTimeout(hintTimer);
    },
  };
}
