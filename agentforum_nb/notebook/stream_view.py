"""``StreamView``: a promise or sequence shown as a cell's result, its tokens appearing live."""

from __future__ import annotations

import asyncio
from typing import Any

import anywidget
import traitlets as t

from ..streams import MessagePromise, MessageSequence
from ._widget import FLUSH_INTERVAL, esm


class StreamView(anywidget.AnyWidget):
    """A promise or sequence shown as a cell's result: its messages' tokens appear live."""

    _esm = esm("stream.js")  # js/src/stream.js, built into static/
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
        src.start()
        return src.promises

    def refresh(self) -> None:
        """Re-read the source; while it streams, schedule the next refresh (at most ~20 per second)."""
        self._handle = None
        items = []
        for p in self._promises():
            status: str  # a message's status, or "streaming" while its promise is pending
            if p.done():
                m = p.settled_message()
                status = m.status if m is not None else "cancelled"
            else:
                status = "streaming"
            items.append({"sender": p.sender, "text": p.text, "status": status})
        src = self._source
        finished = src.done()
        if finished and isinstance(src, MessageSequence):
            failure = src.failure
            if failure is not None:
                self.error = f"{failure.error.__name__}: {failure.text}"
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


__all__ = ["StreamView", "display_stream"]
