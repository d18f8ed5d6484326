"""``StreamView``: a promise or sequence shown as a cell's result, its tokens appearing live."""

from __future__ import annotations

import asyncio
from typing import Any

import anywidget
import traitlets as t

from ..streams import MessagePromise, MessageSequence
from ._widget import FLUSH_INTERVAL

_STREAM_ESM = """
function draw(model, el) {
  el.replaceChildren();
  for (const item of model.get("items")) {
    const row = document.createElement("div");
    row.style.cssText = "margin:2px 0;font-family:var(--jp-code-font-family,monospace);white-space:pre-wrap";
    const who = document.createElement("b");
    who.textContent = item.sender + ": ";
    const text = document.createElement("span");
    text.textContent = item.text;
    if (item.status !== "complete") text.style.opacity = item.status === "streaming" ? "0.85" : "0.6";
    row.append(who, text);
    if (item.status !== "complete" && item.status !== "streaming") {
      const badge = document.createElement("i");
      badge.textContent = " [" + item.status + "]";
      row.append(badge);
    }
    el.append(row);
  }
  const err = model.get("error");
  if (err) { const e = document.createElement("div"); e.style.color = "#b91c1c"; e.textContent = err; el.append(e); }
}
export default { render({ model, el }) {
  const redraw = () => draw(model, el);
  model.on("change:items", redraw); model.on("change:error", redraw); redraw();
  return () => { model.off("change:items", redraw); model.off("change:error", redraw); };
} };
"""


class StreamView(anywidget.AnyWidget):
    """A promise or sequence shown as a cell's result: its messages' tokens appear live."""

    _esm = _STREAM_ESM
    items = t.List(t.Dict()).tag(sync=True)
    error = t.Unicode("").tag(sync=True)

    def __init__(self, source: MessagePromise | MessageSequence) -> None:
        super().__init__()
        self._source = source
        self._handle: asyncio.TimerHandle | None = None
        self.updates = 0
        self.refresh()

    def _promises(self) -> list[MessagePromise]:
        src = self._source
        if isinstance(src, MessagePromise):
            return [src]
        if src._feed is None and src._owner is not None:
            try:
                src._owner._ensure_started()
            except RuntimeError:
                pass
        return src.promises

    def refresh(self) -> None:
        """Re-read the source; while it streams, schedule the next refresh (at most ~20 per second)."""
        self._handle = None
        items = []
        for p in self._promises():
            if p.done():
                m = p._settled_message()
                status = m.status if m is not None else "cancelled"
            else:
                status = "streaming"
            items.append({"sender": p.sender, "text": p.text, "status": status})
        src = self._source
        finished = src.done()
        if finished and isinstance(src, MessageSequence):
            feed = src._feed
            outcome = src._detached or (feed.outcome if feed is not None else None)
            if outcome is not None:
                self.error = f"{outcome.cls.__name__}: {outcome.text}"
        if items != self.items:
            self.items = items
            self.updates += 1
        if not finished:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return
            self._handle = loop.call_later(FLUSH_INTERVAL, self.refresh)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
        super().close()


def display_stream(obj: MessagePromise | MessageSequence) -> Any:
    """The rich display of a promise or sequence: a live StreamView, with a plain-text fallback."""
    view = StreamView(obj)
    bundle = view._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    data = dict(data or {})
    data["text/plain"] = "\n".join(f"{i['sender']}: {i['text']}" for i in view.items) or repr(obj)
    return data


__all__ = ["ChatView", "StreamView", "display_stream"]
