"""``StreamView``: a promise or sequence shown as a cell's result, its tokens appearing live."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import traitlets as t

from ..errors import UsageError
from ..forum import Forum
from ..streams import MessagePromise, MessageSequence, source_of
from ._questions import check_answer, waiting_question
from ._widget import FLUSH_INTERVAL, BrowserWidget, browser_kinds, esm, message_arg


class StreamView(BrowserWidget):
    """A promise or sequence shown as a cell's result: its messages' tokens appear live. A question its agent is
    waiting on (``ctx.ask``) shows an input box (and buttons for its choices): answering posts a user message
    under it and the agent goes on, streaming here."""

    _esm = esm("stream.js")  # js/src/stream.js, built into static/
    #: one per message: {sender, text, status}, and for a question an agent waits on {id, notes: {awaiting:
    #: "user"}, choices} (the fields of a node that the answer box reads)
    items = t.List(t.Dict()).tag(sync=True)

    def __init__(self, source: MessagePromise | MessageSequence) -> None:
        super().__init__()
        self._source = source
        self._handle: asyncio.TimerHandle | None = None
        self._forum: Forum | None = None
        if isinstance(source, MessageSequence):
            call = source_of(source)
            forum = getattr(call, "forum", None)
            self._forum = forum if isinstance(forum, Forum) else None
        self.updates = 0
        self._listen_to_browser()
        self.refresh()

    def _on_answer(self, content: dict[str, Any]) -> None:
        """``{kind: "answer", id, text}``: ``text`` posted under the waiting question ``id`` (the rule:
        ``notebook/_questions.py``)."""
        try:
            forum = self._forum
            if forum is None or forum.closed:
                raise UsageError("that question is not waiting for an answer any more")
            question = check_answer(forum, message_arg(forum, content), content.get("text"))
            forum.post(content["text"], parent=question.message, sender="user")
            self.error = ""
        finally:
            self.refresh()

    #: the browser messages a StreamView takes, and what handles each
    _browser_kinds = browser_kinds({"answer": _on_answer})

    def _promises(self) -> list[MessagePromise]:
        src = self._source
        if isinstance(src, MessagePromise):
            return [src]
        src.start()
        return src.promises

    def refresh(self) -> None:
        """Re-read the source; while it streams, schedule the next refresh (at most ~20 per second)."""
        if self._handle is not None:
            self._handle.cancel()
        self._handle = None
        forum = self._forum
        promises = self._promises()
        settled = [p.settled_message() if p.done() else None for p in promises]
        notes: Mapping[str, Mapping[str, Any]] = {}
        if forum is not None and not forum.closed:
            notes = forum.store.annotations_many(m.id for m in settled if m is not None)
        items = []
        for p, m in zip(promises, settled, strict=True):
            status: str  # a message's status, or "streaming" while its promise is pending
            if p.done():
                status = m.status if m is not None else "cancelled"
            else:
                status = "streaming"
            item: dict[str, Any] = {"sender": p.sender, "text": p.text, "status": status}
            if p.author != p.sender:  # a forward: labelled "<author> via <sender>", as in the TreeView
                item["author"] = p.author
            question = None if forum is None or m is None else waiting_question(forum, m, notes.get(m.id, {}))
            if question is not None:
                item.update(id=question.message.id, notes={"awaiting": "user"}, choices=list(question.choices))
            items.append(item)
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
    data["text/plain"] = "\n".join(f"{item_label(i)}: {i['text']}" for i in view.items) or repr(obj)
    return data


def item_label(item: dict[str, Any]) -> str:
    """Who an item is from: its sender, or for a forward "<author> via <sender>" (as the TreeView says)."""
    author = item.get("author")
    return f"{author} via {item['sender']}" if author and author != item["sender"] else str(item["sender"])


__all__ = ["StreamView", "display_stream"]
