// @ts-check
// The TreeView's error line and passing notice: the `error` trait (a problem, with a dismiss button; the next
// action replaces it) and the `notice` trait (a remark, e.g. "the same answer again", shown for NOTICE_MS then
// faded out).

import { showError } from "./dom.js";

/** How long a notice stays (ms). */
export const NOTICE_MS = 6000;
/** How long a notice takes to fade out (ms). */
const FADE_MS = 400;

/**
 * @param {ReturnType<typeof import("./dom.js").buildTree>} dom
 * @param {import("../types.js").Model} model
 * @param {object} on
 * @param {(text: string) => void} on.report    set the `error` trait
 * @param {() => void} on.refused               an error arrived: what was refused may be sent again
 */
export function createAlerts(dom, model, { report, refused }) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let noticeTimer;
  return {
    /** `change:error`. */
    showError() {
      const text = model.get("error") || "";
      showError(dom, text);
      if (text) refused();
    },
    /** `change:notice`. */
    showNotice() {
      const text = model.get("notice") || "";
      clearTimeout(noticeTimer);
      dom.notice.textContent = text;
      dom.notice.classList.remove("af-fading");
      dom.notice.style.display = text ? "" : "none";
      if (text) {
        noticeTimer = setTimeout(() => {
          dom.notice.classList.add("af-fading");
          noticeTimer = setTimeout(() => (dom.notice.style.display = "none"), FADE_MS);
        }, NOTICE_MS);
      }
    },
    /** Dismiss the error shown (the next action's result replaces it). */
    dismiss() {
      if (model.get("error")) report("");
    },
    destroy() {
      clearTimeout(noticeTimer);
    },
  };
}
