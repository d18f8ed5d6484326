// @ts-check
// What the TreeView sends to the kernel (docs/widget_protocol.md, "Browser → kernel"): ready, select, checkout,
// branch, regenerate (with a count), stop, get-message (with a request id), load-graphviz, and for the details pane,
// the search box and the comparison: annotate, edit, answer, search, compare (two, or N ids), close-compare; the
// node menu's replay; the reading tools: filter, expand, sort, follow. Python validates all of it.

/** The most samples one "regenerate" asks for (agentforum_nb/notebook/tree_view.py MAX_SAMPLES). */
export const MAX_SAMPLES = 8;

/**
 * The regenerate count box's value as a count (pure): an integer clamped to 1..MAX_SAMPLES, 1 when not one.
 * @param {unknown} value
 */
export function sampleCount(value) {
  const n = Math.round(Number(value));
  if (!Number.isFinite(n) || n < 1) return 1;
  return Math.min(MAX_SAMPLES, n);
}

/**
 * The kernel message of a toolbar action (pure): `{message}` to send, `{error}` to show instead, or null when
 * `name` is not an action of the kernel's. `key` is the selected node, `text` the message box, `agent` the
 * chosen agent ("" or null: the kernel's default).
 * @param {string} name
 * @param {string | null} key
 * @param {string} [text]
 * @param {string | null} [agent]
 * @param {unknown} [n]
 * @returns {{message: Record<string, unknown>, error?: undefined} | {error: string, message?: undefined} | null}
 */
export function actionMessage(name, key, text = "", agent = null, n = 1) {
  if (name === "stop") return { message: { kind: "stop" } };
  if (!key) return { error: "select a node first" };
  if (name === "checkout") return { message: { kind: "checkout", id: key } };
  if (name === "regenerate") return { message: { kind: "regenerate", id: key, n: sampleCount(n) } };
  if (name === "branch") {
    if (!text.trim()) return { error: "type a message to branch with" };
    return { message: { kind: "branch", id: key, text, agent: agent || null } };
  }
  return null;
}

/**
 * The sender of a view's messages over the anywidget `model`.
 * @param {import("../types.js").Model} model
 */
export function createActions(model) {
  let requestId = 0;
  const actions = {
    ready() {
      model.send({ kind: "ready" });
    },
    /**
     * Select a stored node: the `selected_id` trait, and tell the kernel.
     * @param {string} key
     */
    select(key) {
      // the trait first: the kernel's `select` then finds it set already and sends no update back (one sent
      // back could arrive after a newer selection made here, and undo it for a moment)
      model.set("selected_id", key);
      model.save_changes();
      model.send({ kind: "select", id: key });
    },
    /**
     * Ask for a whole message; returns the request id its answer will carry.
     * @param {string} key
     */
    requestMessage(key) {
      const id = ++requestId;
      model.send({ kind: "get-message", id: key, request_id: id });
      return id;
    },
    loadGraphviz() {
      model.send({ kind: "load-graphviz" });
    },
    /**
     * The details pane's form: `values` of label / bookmark / note / score ("" / false / null remove).
     * @param {string} key
     * @param {Record<string, unknown>} values
     */
    annotate(key, values) {
      model.send({ kind: "annotate", id: key, values });
    },
    /**
     * @param {string} key
     * @param {string} text
     */
    edit(key, text) {
      model.send({ kind: "edit", id: key, text });
    },
    /**
     * @param {string} key
     * @param {string} text
     */
    answer(key, text) {
      model.send({ kind: "answer", id: key, text });
    },
    /**
     * @param {string} text
     * @param {number} requestId
     */
    search(text, requestId) {
      model.send({ kind: "search", text, request_id: requestId });
    },
    /**
     * @param {string} a
     * @param {string} b
     */
    compare(a, b) {
      model.send({ kind: "compare", a, b });
    },
    closeCompare() {
      model.send({ kind: "close-compare" });
    },
    /**
     * Compare the branches ending at `ids` (2 to 8; N-way).
     * @param {string[]} ids
     */
    compareMany(ids) {
      model.send({ kind: "compare", ids });
    },
    /**
     * Re-run the branch ending at `key` with the view's agents (its result is shown compared with it).
     * @param {string} key
     */
    replay(key) {
      model.send({ kind: "replay", id: key });
    },
    /**
     * Only these senders stand out ([]: all).
     * @param {string[]} senders
     */
    filter(senders) {
      model.send({ kind: "filter", senders });
    },
    /**
     * Expand the tree to `depth` levels (0: all).
     * @param {number} depth
     */
    expand(depth) {
      model.send({ kind: "expand", depth });
    },
    /**
     * Order siblings: "score" or "" (as stored).
     * @param {string} by
     */
    sort(by) {
      model.send({ kind: "sort", by });
    },
    /**
     * The head follows the newest run (or not).
     * @param {boolean} on
     */
    follow(on) {
      model.send({ kind: "follow", on });
    },
    /**
     * Show a problem in the error line (the `error` trait).
     * @param {string} text
     */
    report(text) {
      model.set("error", text);
      model.save_changes();
    },
    /**
     * Run a kernel action (see actionMessage); true if it was sent, false if not (an error is shown).
     * @param {string} name
     * @param {string | null} key
     * @param {string} text
     * @param {string | null} agent
     * @param {unknown} [n]
     */
    run(name, key, text, agent, n = 1) {
      const result = actionMessage(name, key, text, agent, n);
      if (!result) return false;
      if (result.error !== undefined) {
        actions.report(result.error);
        return false;
      }
      model.send(result.message);
      return true;
    },
  };
  return actions;
}
