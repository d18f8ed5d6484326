"""Turns forum events into the widget protocol's snapshot and delta messages (no ipywidgets here).

A :class:`TreeTracker` listens to a forum, remembers what the browser already has, and on ``flush()`` returns
one ``delta`` with only what changed: new nodes, new pending streams, text appended to pending streams since
the last flush, pending streams resolved to stored ids, and pending streams that ended without a message.
Flushes are driven by the widget at most ~20 times per second, so token text is batched.
See ``docs/widget_protocol.md``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..forum import Forum, ForumEvent, LiveStream
from ..messages import Message
from ..nodes import node_columns, stored_node
from ..palette import sender_colour

#: above this many messages a snapshot is sent as columns in a binary buffer (snapshot_columns)
COMPACT_ABOVE = 1000


def stream_of(h: LiveStream, text: str, reasoning: str = "") -> dict[str, Any]:
    """A pending (streaming) response as the widgets draw it (``reasoning``: a model's so far, when it has any)."""
    out = {
        "key": h.key,
        "parent": h.parent,
        "sender": h.sender,
        "colour": sender_colour(h.sender),
        "author": h.promise.author,
        "run": h.run,
        "text": text,
    }
    if reasoning:
        out["reasoning"] = reasoning
    return out


def live_reasoning(h: LiveStream) -> str:
    """A streaming model answer's reasoning so far ("" for none)."""
    reasoning = h.promise.live_annotations().get("reasoning")
    return reasoning if isinstance(reasoning, str) else ""


class TreeTracker:
    """Keeps the browser's view of (part of) a forum in sync, as deltas.

    ``include(message)`` decides which stored messages belong to the view (e.g. a subtree); pending streams
    are shown when their parent is shown.
    """

    def __init__(
        self,
        forum: Forum,
        include: Callable[[Message], bool] | None = None,
        on_change: Callable[[], None] | None = None,
        *,
        accept_roots: bool = True,
        full_text: bool = False,
    ) -> None:
        self.forum = forum
        self.full_text = full_text  # nodes carry their whole text (a transcript), not only a snippet
        self.include = include or (lambda m: True)
        self.accept_roots = accept_roots
        self._text_out: dict[str, str] = {}
        self.on_change = on_change
        self.known: set[str] = set()
        self.pending: dict[str, LiveStream] = {}  # key -> the runtime's StreamHandle
        self.sent_len: dict[str, int] = {}
        self.sent_reasoning: dict[str, int] = {}  # key -> characters of its live reasoning sent
        self._new_nodes: list[dict[str, Any]] = []
        self._new_streams: list[dict[str, Any]] = []
        self._resolved: list[dict[str, str]] = []
        self._ended: list[str] = []
        self.runs: dict[str, str] = {}  # message id -> the run that stored it (seen live by this tracker)
        self.cached: set[str] = set()  # ids served from the cache while this tracker listened
        self._unsubscribe = forum.subscribe(self._on_event)

    def close(self) -> None:
        self._unsubscribe()

    # -- events -------------------------------------------------------------------------------------------
    def _visible_parent(self, parent: str | None) -> bool:
        return parent is None or parent in self.known or parent in self.pending

    def _on_event(self, ev: ForumEvent) -> None:
        if ev.kind == "stream-start":
            h = ev.stream
            assert h is not None, "a 'stream-start' event carries the stream"
            if h.parent is not None and not self._visible_parent(h.parent):
                return
            if h.parent is None and not self.accept_roots:
                return
            self.pending[h.key] = h
            text = h.promise.text
            self.sent_len[h.key] = len(text)
            reasoning = live_reasoning(h)
            self.sent_reasoning[h.key] = len(reasoning)
            self._new_streams.append(stream_of(h, text, reasoning))
        elif ev.kind == "message":
            m = ev.message
            assert m is not None, "a 'message' event carries the stored message"
            h = ev.stream
            if h is not None and h.key in self.pending:
                self._flush_text_of(h.key)
                del self.pending[h.key]
                self.sent_len.pop(h.key, None)
                self.sent_reasoning.pop(h.key, None)
                if h.run:
                    self.runs[m.id] = h.run
                if m.id not in self.known:
                    self.known.add(m.id)
                    self._new_nodes.append(self._node(m, ev.annotations))
                self._resolved.append({"key": h.key, "id": m.id})
                self._repoint(h.key, m.id)
            elif m.id not in self.known and self.include(m):
                self.known.add(m.id)
                self._new_nodes.append(self._node(m, ev.annotations))
        elif ev.kind == "annotated":
            m = ev.message
            if m is not None and m.id in self.known:  # badges, labels, a question that is waiting
                self._new_nodes.append(self._node(m, ev.annotations or {}))
        elif ev.kind == "cached":
            m = ev.message
            assert m is not None, "a 'cached' event carries the message served"
            self.cached.add(m.id)
            if m.id in self.known:  # drawn already: send it again, now marked
                self._new_nodes.append(self._node(m))
            elif self.include(m) and self._visible_parent(m.parent_id):
                self.known.add(m.id)
                self._new_nodes.append(self._node(m))
        elif ev.kind == "stream-end":
            h = ev.stream
            assert h is not None, "a 'stream-end' event carries the stream"
            if h.key in self.pending:
                del self.pending[h.key]
                self.sent_len.pop(h.key, None)
                self.sent_reasoning.pop(h.key, None)
                self._ended.append(h.key)
        if self.on_change is not None:
            self.on_change()

    def _repoint(self, key: str, new_id: str) -> None:
        """Streams that follow a stream just stored now follow its message, also those the browser has not
        been told about yet (so a stream and its parent's message may arrive in the same delta in any order)."""
        for h in self.pending.values():
            if h.parent == key:
                h.parent = new_id
        for s in self._new_streams:
            if s["parent"] == key:
                s["parent"] = new_id

    def _node(self, m: Message, annotations: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The node of a stored message; ``annotations`` when known (else read from the store)."""
        author = None
        if m.kind == "forward" and m.original_id is not None:
            original = self.forum.store.get(m.original_id)
            author = original.sender if original is not None else None
        notes = self.forum.store.annotations(m.id) if annotations is None else annotations
        node = stored_node(m, notes, author=author, full_text=self.full_text)
        run = self.runs.get(m.id)
        if run:
            node["run"] = run
        if m.id in self.cached:
            node["cached"] = True
        return node

    # -- output -------------------------------------------------------------------------------------------
    def snapshot(self, messages: Iterable[Message]) -> dict[str, Any]:
        """The whole view; resets the delta state."""
        self.known = set()
        nodes = []
        chosen = [m for m in messages if self.include(m)]
        all_notes = self.forum.store.annotations_many(m.id for m in chosen)
        for m in chosen:
            self.known.add(m.id)
            nodes.append(self._node(m, all_notes.get(m.id, {})))
        streams = self._streams_now()
        self._new_nodes, self._new_streams, self._resolved, self._ended = [], [], [], []
        return {"kind": "snapshot", "nodes": nodes, "streams": streams}

    def snapshot_message(self, messages: Iterable[Message]) -> tuple[dict[str, Any], list[bytes]]:
        """The whole view as the message to send (resets the delta state): a snapshot of node objects, or above
        ``COMPACT_ABOVE`` messages a compact one (:meth:`snapshot_columns`). Returns (content, buffers)."""
        chosen = [m for m in messages if self.include(m)]
        if len(chosen) > COMPACT_ABOVE:
            return self.snapshot_columns(chosen)
        return self.snapshot(chosen), []

    def snapshot_columns(self, messages: Iterable[Message]) -> tuple[dict[str, Any], list[bytes]]:
        """The whole view as a compact snapshot (resets the delta state): its nodes as columns (nodes.py
        :func:`node_columns`) in one binary buffer of UTF-8 JSON, ``{"kind": "snapshot", "columns": {"buffer": 0},
        "streams"}``: smaller than node objects, quicker to make and to read, and its JSON is made once, not walked
        again by the kernel's message encoder. Returns (content, buffers)."""
        chosen = [m for m in messages if self.include(m)]
        self.known = {m.id for m in chosen}
        all_notes = self.forum.store.annotations_many(self.known)
        authors: dict[str, str] = {}
        extras: dict[str, dict[str, Any]] = {}
        for m in chosen:
            if m.kind == "forward" and m.original_id is not None and m.original_id not in authors:
                original = self.forum.store.get(m.original_id)
                if original is not None:
                    authors[m.original_id] = original.sender
            run = self.runs.get(m.id)
            if run or m.id in self.cached or self.full_text:
                extra: dict[str, Any] = {"run": run} if run else {}
                if m.id in self.cached:
                    extra["cached"] = True
                if self.full_text:
                    extra["text"] = m.content
                    reasoning = all_notes.get(m.id, {}).get("reasoning")
                    if isinstance(reasoning, str) and reasoning:
                        extra["reasoning"] = reasoning
                extras[m.id] = extra
        columns = node_columns(chosen, all_notes, authors=authors, extras=extras)
        if columns is None:  # not message ids: the plain snapshot
            return self.snapshot(chosen), []
        data = json.dumps(columns, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        content = {"kind": "snapshot", "columns": {"buffer": 0}, "streams": self._streams_now()}
        self._new_nodes, self._new_streams, self._resolved, self._ended = [], [], [], []
        return content, [data.encode()]

    def _streams_now(self) -> list[dict[str, Any]]:
        """The pending streams as a snapshot carries them (those done are dropped)."""
        streams = []
        for key, h in list(self.pending.items()):
            if h.promise.done():
                del self.pending[key]
                continue
            text = h.promise.text
            self.sent_len[key] = len(text)
            reasoning = live_reasoning(h)
            self.sent_reasoning[key] = len(reasoning)
            streams.append(stream_of(h, text, reasoning))
        return streams

    def _flush_text_of(self, key: str) -> None:
        h = self.pending.get(key)
        if h is None:
            return
        text = h.promise.text
        sent = self.sent_len.get(key, 0)
        if len(text) > sent:
            self._text_out[key] = self._text_out.get(key, "") + text[sent:]
            self.sent_len[key] = len(text)

    def delta(self) -> dict[str, Any] | None:
        """What changed since the last call (or None when nothing did)."""
        text = self._text_out_all()
        reasoning = self._reasoning_out_all()
        if not (self._new_nodes or self._new_streams or self._resolved or self._ended or text or reasoning):
            return None
        out: dict[str, Any] = {
            "kind": "delta",
            "nodes": self._new_nodes,
            "streams": self._new_streams,
            "text": text,
            "resolved": self._resolved,
            "ended": self._ended,
        }
        if reasoning:  # {key: appended}: the reasoning of streaming answers, live, like their text
            out["reasoning"] = reasoning
        self._new_nodes, self._new_streams, self._resolved, self._ended = [], [], [], []
        return out

    def _text_out_all(self) -> dict[str, str]:
        out, self._text_out = self._text_out, {}
        for key, h in self.pending.items():
            text = h.promise.text
            sent = self.sent_len.get(key, 0)
            if len(text) > sent:
                out[key] = out.get(key, "") + text[sent:]
                self.sent_len[key] = len(text)
        return out

    def _reasoning_out_all(self) -> dict[str, str]:
        out = {}
        for key, h in self.pending.items():
            reasoning = live_reasoning(h)
            sent = self.sent_reasoning.get(key, 0)
            if len(reasoning) > sent:
                out[key] = reasoning[sent:]
                self.sent_reasoning[key] = len(reasoning)
        return out

    def has_live_streams(self) -> bool:
        return bool(self.pending)
