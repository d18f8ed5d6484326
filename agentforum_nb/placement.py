"""Where requests go: what was sent, classified once, and the *tip* rules of API section 3.

:func:`classify` turns a request or response (a ``str``, ``Message``, ``MessagePromise``, ``MessageSequence``, an
async iterator of ``str``, or a list of these) into a flat list of ``(kind, value)`` items, raising
:class:`UsageError` for anything else; the rest of the runtime dispatches on ``kind``. :class:`Placement` keeps a
call's tip and places each request by the rules below, synchronously when the request is at hand
(:func:`at_hand`), else by awaiting it; both paths end in the same :meth:`Placement.place_now`.

| request | placed as | tip |
|---|---|---|
| the tip or one of its ancestors | used as it is | unchanged |
| with no tip, the first request, a message | used as it is | moves to it |
| new content (text, or a streamed async iterator of text) | a child of the tip, sent by the caller | moves to it |
| an existing message whose parent is the tip | used as it is | moves to it |
| an existing message that descends from the tip | used as it is | moves to it |
| any other existing message | a ``kind="forward"`` child of the tip | moves to it |
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from .errors import AgentError, CallCancelled, UsageError
from .forum import Forum
from .messages import Message
from .streams import (
    CANCELLED,
    DONE,
    FAILED,
    OPEN,
    Failure,
    Feed,
    MessagePromise,
    MessageSequence,
    TokenStream,
    pump,
    reject,
    resolve,
)

__all__ = [
    "MESSAGE",
    "PROMISE",
    "SEQUENCE",
    "STREAM",
    "TEXT",
    "UNSET",
    "Placement",
    "at_hand",
    "classify",
]

TEXT, MESSAGE, PROMISE, SEQUENCE, STREAM = range(5)
Item = tuple[int, Any]


class _Unset:
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNSET"


#: a tip that is not known yet (placement has not started)
UNSET: Any = _Unset()


def classify(value: Any, what: str) -> list[Item]:
    """``value`` as a flat list of ``(kind, value)``; :class:`UsageError` naming ``what`` for anything else."""
    t = type(value)
    if t is str:
        return [(TEXT, value)]
    if t is Message:
        return [(MESSAGE, value)]
    if t is MessagePromise:
        return [(PROMISE, value)]
    if t is MessageSequence:
        return [(SEQUENCE, value)]
    if t is list or t is tuple:
        out: list[Item] = []
        for x in value:
            out.extend(classify(x, what))
        return out
    if isinstance(value, str):  # str subclasses (enums ...) are their text
        return [(TEXT, str.__str__(value))]
    if hasattr(value, "__anext__"):
        return [(STREAM, value)]
    if hasattr(value, "__aiter__"):
        return [(STREAM, value.__aiter__())]
    raise UsageError(
        f"{what} must be a str, Message, MessagePromise, MessageSequence, an async iterator of str, "
        f"or a list of these; got {type(value).__name__}"
    )


def at_hand(kind: int, value: Any) -> bool:
    """Can this request be placed without awaiting anything?"""
    if kind is TEXT or kind is MESSAGE:
        return True
    if kind is PROMISE:
        return value.message is not None
    if kind is SEQUENCE:
        feed = value.feed
        if feed is None or feed.state is not DONE or value.failure is not None:
            return False
        return all(p.message is not None for p in feed.promises)
    return False


class Placement:
    """A call's tip and its placed requests (``requests``: a :class:`Feed` of their promises, which the agent reads
    as ``ctx.requests``; it closes once every request is placed)."""

    __slots__ = ("forum", "sender", "tip", "last_request", "_ancestors", "requests", "noted")

    def __init__(self, forum: Forum, sender: str) -> None:
        self.forum = forum
        self.sender = sender
        self.tip: Any = UNSET
        self.last_request: Message | None = None
        self._ancestors: set[str] | None = None
        self.requests = Feed()
        self.noted = False  # the last request was stored by place_text with its annotations

    @property
    def complete(self) -> bool:
        """Every request is placed (or placement ended)."""
        return self.requests.state is not OPEN

    @property
    def anchor(self) -> Message | None:
        """Where responses go: the last request, or the tip when there are none (``None``: new roots)."""
        if self.last_request is not None:
            return self.last_request
        tip = self.tip
        return None if tip is UNSET else tip

    def start(self, tip: Message | None) -> None:
        self.tip = tip

    def finish(self) -> None:
        self.requests.close(DONE)

    def fail(self, failure: Failure) -> None:
        self.requests.close(CANCELLED if failure.cancelled else FAILED, failure)

    # -- placing ----------------------------------------------------------------------------------------------
    def place_text(self, text: str, notes: dict[str, Any] | None = None) -> None:
        """Post new text under the tip, annotated with ``notes`` when it is stored now (``noted`` says whether it
        was: an identical message already stored keeps its annotations)."""
        msg = Message(text, sender=self.sender, parent_id=self._tip_id())
        stored = self.forum.record(msg, None, notes)
        self._placed(stored, True)
        self.noted = notes is not None and stored is msg

    def place_now(self, kind: int, value: Any) -> None:
        """Place a request that is at hand."""
        if kind is TEXT:
            self.place_text(value)
        elif kind is MESSAGE:
            self.place_message(value)
        elif kind is PROMISE:
            self.place_message(value.message)
        else:  # SEQUENCE
            for p in value.feed.promises:
                self.place_message(p.message)

    async def place(self, kind: int, value: Any) -> None:
        """Place any request, awaiting it when it is not at hand."""
        if at_hand(kind, value):
            self.place_now(kind, value)
        elif kind is PROMISE:
            self.place_message(await value)
        elif kind is SEQUENCE:
            async for p in value:
                self.place_message(await p)
        else:
            await self._place_stream(value)

    async def _place_stream(self, chunks: AsyncIterator[Any]) -> None:
        stream = TokenStream()
        promise = MessagePromise(stream, self.sender)
        self.requests.append(promise)
        try:
            await pump(stream, chunks, "a streamed request")
            if stream.state is FAILED:
                raise stream.error  # type: ignore[misc]
            msg = self.forum.record(Message(stream.text(), sender=self.sender, parent_id=self._tip_id()))
        except BaseException as exc:
            cancelled = stream.state is CANCELLED or not isinstance(exc, Exception)
            reject(
                promise,
                Failure(CallCancelled if cancelled else AgentError, "the streamed request did not complete", None, exc),
            )
            raise
        resolve(promise, msg)
        self._move(msg)
        self.last_request = msg

    def _tip_id(self) -> str | None:
        tip = self.tip
        return None if tip is None or tip is UNSET else tip.id

    def _placed(self, msg: Message, move: bool) -> None:
        self.noted = False  # a new last request (place_text says whether it stored its notes)
        self.requests.append(MessagePromise.resolved(msg))
        self.last_request = msg
        if move:
            self._move(msg)

    def _move(self, msg: Message) -> None:
        self.tip = msg
        if self._ancestors is not None:
            self._ancestors.add(msg.id)

    def place_message(self, msg: Message) -> None:
        """An existing message, by the tip rules."""
        forum = self.forum
        tip = self.tip
        if tip is None or tip is UNSET:
            self._placed(forum.resolve(msg, "a request"), True)
            return
        if msg.id == tip.id:
            self._placed(tip, False)
            return
        if msg.parent_id == tip.id:
            self._placed(forum.resolve(msg, "a request"), True)
            return
        if self._ancestors is None:
            self._ancestors = {m.id for m in forum.history(tip.id)}
        if msg.id in self._ancestors:
            self._placed(forum.resolve(msg, "a request"), False)
            return
        original = forum.resolve(msg, "a request")
        branch = forum.history(original.id)
        if any(m.id == tip.id for m in branch):
            # it descends from the tip (e.g. an answer to an earlier request of the caller): its branch already
            # holds the tip's context, so it is used as it is and the tip moves down to it
            self._placed(original, False)
            self.tip = original
            self._ancestors = {m.id for m in branch}
            return
        fwd = forum.record(
            Message(
                original.content,
                kind="forward",
                sender=self.sender,
                parent_id=tip.id,
                original_id=original.id,
                status=original.status,
                attachments=original.attachments,
            )
        )
        self._placed(fwd, True)
