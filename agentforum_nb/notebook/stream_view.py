"""``StreamView``: a promise or sequence shown as a cell's result, its tokens appearing live."""

from __future__ import annotations

import asyncio
from typing import Any

import anywidget
import traitlets as t

from ..errors import AgentForumError, UsageError
from ..forum import Forum
from ..streams import MessagePromise, MessageSequence, source_of
from ._loop import LoopHandoff
from ._widget import FLUSH_INTERVAL, MAX_TEXT, esm


class StreamView(anywidget.AnyWidget):
    """A promise or sequence shown as a cell's result: its messages' tokens appear live. A question its agent is
    waiting on (``ctx.ask``) shows an input box (and buttons for its choices): answering posts a user message
    under it and the agent goes on, streaming here."""

    _esm = esm("stream.js")  # js/src/stream.js, built into static/
    items = t.List(t.Dict()).tag(sync=True)
    error = t.Unicode("").tag(sync=True)

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
        self._handoff = LoopHandoff()  # browser messages are handled on the loop this view was made on
        self.on_msg(self._on_custom)
        self.refresh()

    def _on_custom(self, _widget: Any, content: Any, _buffers: Any) -> None:
        self._handoff.run(self._answer, content)

    def _answer(self, content: Any) -> None:
        try:
            if not isinstance(content, dict) or content.get("kind") != "answer":
                raise UsageError(f"unknown message from the browser: {content!r:.120}")
            text, qid = content.get("text"), content.get("id")
            if not isinstance(text, str) or not text.strip():
                raise UsageError("type an answer first")
            if len(text) > MAX_TEXT:
                raise UsageError(f"the answer is too long ({len(text)} characters; at most {MAX_TEXT})")
            forum = self._forum
            waiting = {q.id: q for q in forum.questions()} if forum is not None and not forum.closed else {}
            if not isinstance(qid, str) or qid not in waiting:
                raise UsageError("that question is not waiting for an answer any more")
            forum.post(text, parent=waiting[qid], sender="user")  # type: ignore[union-attr]
            self.error = ""
        except AgentForumError as exc:
            self.error = str(exc)
        self.refresh()

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
        waiting = {q.id for q in forum.questions()} if forum is not None and not forum.closed else set()
        items = []
        for p in self._promises():
            status: str  # a message's status, or "streaming" while its promise is pending
            m = p.settled_message() if p.done() else None
            if p.done():
                status = m.status if m is not None else "cancelled"
            else:
                status = "streaming"
            item: dict[str, Any] = {"sender": p.sender, "text": p.text, "status": status}
            if p.author != p.sender:  # a forward: labelled "<author> via <sender>", as in the TreeView
                item["author"] = p.author
            if m is not None and m.id in waiting:
                item["id"] = m.id
                item["awaiting"] = True
                choices = m.metadata.get("choices")
                if isinstance(choices, tuple):
                    item["choices"] = [c for c in choices if isinstance(c, str)]
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
