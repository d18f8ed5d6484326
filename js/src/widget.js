// anywidget plumbing shared by the widgets (TreeView, ChatView, StreamView).

/**
 * Subscribe each handler of `handlers` ({event: function}) to the model's `event`; returns the function that
 * unsubscribes them all (what a widget's render returns as its cleanup, with its own teardown).
 */
export function listen(model, handlers) {
  const entries = Object.entries(handlers);
  for (const [event, fn] of entries) model.on(event, fn);
  return () => {
    for (const [event, fn] of entries) model.off(event, fn);
  };
}
