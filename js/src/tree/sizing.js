// @ts-check
// The widget's size: the height ipywidgets' layout gives the widget's element (`view.layout.height = "600px"`;
// the tree fills it), else a default height; the handle at the bottom edge resizes it with the mouse; the
// full-screen toggle fills the window. `onChange()` is told after each change (the canvas is re-measured by its
// ResizeObserver too).

export const MIN_HEIGHT = 240;
export const MAX_HEIGHT = 4000;

/**
 * The height a drag of the handle gives (pure): the start height moved by the pointer, clamped.
 * @param {number} start
 * @param {number} fromY
 * @param {number} toY
 */
export function draggedHeight(start, fromY, toY) {
  return Math.round(Math.max(MIN_HEIGHT, Math.min(MAX_HEIGHT, start + toY - fromY)));
}

/**
 * @param {import("./dom.js").TreeDom} dom
 * @param {() => void} [onChange]
 */
export function createSizing(dom, onChange = () => {}) {
  const { host, root, handle } = dom;
  /** @type {string | null} the host height we set by dragging (ignored by the observer) */
  let ownHeight = null;
  /** @type {{y: number, h: number} | null} */
  let drag = null;

  function sync() {
    root.classList.toggle("af-sized", !!(host.style && host.style.height));
    onChange();
  }
  sync();
  const observer = typeof MutationObserver !== "undefined" ? new MutationObserver(() => {
    if (host.style.height !== ownHeight) {
      ownHeight = null;
      root.style.height = "";
    }
    sync();
  }) : null;
  if (observer) observer.observe(host, { attributes: true, attributeFilter: ["style"] });

  handle.addEventListener("mousedown", (ev) => {
    if (ev.button !== 0) return;
    ev.preventDefault();
    ev.stopPropagation();
    drag = { y: ev.clientY, h: root.getBoundingClientRect().height };
  });
  /**
   * @param {MouseEvent} ev
   */
  const onMove = (ev) => {
    if (!drag) return;
    const h = draggedHeight(drag.h, drag.y, ev.clientY);
    if (host.style.height) {
      // the layout gave a height: the drag changes it (until the kernel sets another)
      ownHeight = `${h}px`;
      host.style.height = ownHeight;
    } else {
      root.style.height = `${h}px`;
    }
    onChange();
  };
  const onUp = () => {
    drag = null;
  };
  window.addEventListener("mousemove", onMove);
  window.addEventListener("mouseup", onUp);

  return {
    get fullscreen() {
      return root.classList.contains("af-fullscreen");
    },
    /**
     * @param {boolean} on
     */
    setFullscreen(on) {
      root.classList.toggle("af-fullscreen", !!on);
      onChange();
    },
    destroy() {
      if (observer) observer.disconnect();
      window.removeEventListener("mousemove", onMove);
      window.removeEventListener("mouseup", onUp);
    },
  };
}
