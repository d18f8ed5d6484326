// What the TreeView sends to the kernel (docs/widget_protocol.md, "Browser → kernel"): ready, select, checkout,
// branch, regenerate, stop, get-message (with a request id), load-graphviz. Python validates all of it.

/**
 * The kernel message of a toolbar action (pure): `{message}` to send, `{error}` to show instead, or null when
 * `name` is not an action of the kernel's. `key` is the selected node, `text` the message box, `agent` the
 * chosen agent ("" or null: the kernel's default).
 */
export function actionMessage(name, key, text = "", agent = null) {
  if (name === "stop") return { message: { kind: "stop" } };
  if (!key) return { error: "select a node first" };
  if (name === "checkout") return { message: { kind: "checkout", id: key } };
  if (name === "regenerate") return { message: { kind: "regenerate", id: key } };
  if (name === "branch") {
    if (!text.trim()) return { error: "type a message to branch with" };
    return { message: { kind: "branch", id: key, text, agent: agent || null } };
  }
  return null;
}

/** The sender of a view's messages over the anywidget `model`. */
export function createActions(model) {
  let requestId = 0;
  const actions = {
    ready() {
      model.send({ kind: "ready" });
    },
    /** Select a stored node: the `selected_id` trait, and tell the kernel. */
    select(key) {
      // the trait first: the kernel's `select` then finds it set already and sends no update back (one sent
      // back could arrive after a newer selection made here, and undo it for a moment)
      model.set("selected_id", key);
      model.save_changes();
      model.send({ kind: "select", id: key });
    },
    /** Ask for a whole message; returns the request id its answer will carry. */
    requestMessage(key) {
      const id = ++requestId;
      model.send({ kind: "get-message", id: key, request_id: id });
      return id;
    },
    loadGraphviz() {
      model.send({ kind: "load-graphviz" });
    },
    /** Show a problem in the error line (the `error` trait). */
    report(text) {
      model.set("error", text);
      model.save_changes();
    },
    /** Run a kernel action (see actionMessage); true if it was sent, false if not (an error is shown). */
    run(name, key, text, agent) {
      const result = actionMessage(name, key, text, agent);
      if (!result) return false;
      if (result.error) {
        actions.report(result.error);
        return false;
      }
      model.send(result.message);
      return true;
    },
  };
  return actions;
}
