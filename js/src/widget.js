// @ts-check
// anywidget plumbing shared by the widgets (TreeView, ChatView, StreamView).

/**
 * Subscribe each handler of `handlers` ({event: function}) to the model's `event`; returns the function that
 * unsubscribes them all (what a widget's render returns as its cleanup, with its own teardown).
 */
/**
 * @param {import("./types.js").Model} model
 * @param {Record<string, (...args: any[]) => void>} handlers
 */
export function listen(model, handlers) {
  const entries = Object.entries(handlers);
  for (const [event, fn] of entries) model.on(event, fn);
  return () => {
    for (const [event, fn] of entries) model.off(event, fn);
  };
}

/** How long a view waits for the kernel's answer to `{kind: "ready"}` before it says that none came (ms). */
export const READY_TIMEOUT_MS = 5000;

/** What a view shows when the kernel does not answer (docs/hosts.md). */
export const NO_KERNEL =
  "this host does not pass widget messages to the kernel (no answer to the view's first message): " +
  "the view cannot load the forum, and its buttons do nothing. A static page or a viewer without a live kernel " +
  "cannot run it; if the kernel is only busy, the view fills in by itself when the running cell ends.";

const NOTICE_STYLE =
  "margin:0 0 4px;padding:6px 10px;border-left:3px solid #d97706;background:#fffbeb;color:#92400e;" +
  "font:12px/1.4 system-ui,sans-serif;white-space:normal";

/**
 * Send the view's `{kind: "ready"}` and watch for the kernel's answer (any custom message). When none comes
 * within `timeout` ms, or sending fails, a notice (text only) is put first in `host`; it goes away when an
 * answer arrives after all. Returns the cleanup (stops watching, removes the notice).
 */
/**
 * @param {import("./types.js").Model} model
 * @param {HTMLElement} host
 * @param {{timeout?: number}} [options]
 */
export function sendReady(model, host, { timeout = READY_TIMEOUT_MS } = {}) {
  /** @type {HTMLElement | null} */
  let notice = null;
  /** @type {ReturnType<typeof setTimeout> | null} */
  let timer = null;
  let over = false; // answered, or cleaned up

  /** @param {string} text */
  function show(text) {
    if (over) return;
    if (!notice) {
      notice = host.ownerDocument.createElement("div");
      notice.className = "af-host-notice";
      notice.setAttribute("role", "status");
      notice.style.cssText = NOTICE_STYLE;
      host.prepend(notice);
    }
    notice.textContent = text;
  }
  function stop() {
    over = true;
    if (timer !== null) clearTimeout(timer);
    timer = null;
    model.off("msg:custom", onAnswer);
    if (notice) notice.remove();
    notice = null;
  }
  const onAnswer = () => stop();
  /** @param {unknown} err */
  const failed = (err) => show(`${NO_KERNEL} (sending failed: ${err instanceof Error ? err.message : err})`);

  model.on("msg:custom", onAnswer);
  timer = setTimeout(() => {
    timer = null;
    show(NO_KERNEL);
  }, timeout);
  try {
    const sent = model.send({ kind: "ready" });
    if (sent instanceof Promise) sent.then(null, failed); // a host whose send is a promise
  } catch (err) {
    failed(err);
  }
  return stop;
}
