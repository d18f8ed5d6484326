"""A run's response chain: promises in the order of ``respond``, stored as a chain of messages, errors as messages.

Each ``ctx.respond(item)`` adds entries (see :func:`~agentforum_nb.placement.classify`): an own message (text, or
an async iterator streamed into a :class:`TokenStream` by a pump task), a forward of a stored message or of a
promise (sharing its stream), or another agent's sequence, passed through message by message. An entry is
*exposed* (its promise appended to the run's :class:`Feed`, so consumers get it) as soon as its message has started
and the entries before it are exposed; a passed-on sequence holds back the entries after it only until it is
*sealed* (its agent will add no more messages), so two sub-agents passed on one after the other stream at the same
time. Messages are *stored* strictly in order: each once it is complete and the one before it is stored, with that
one (or the last request) as its parent; a passed-on sequence is followed by a barrier that waits for its run to
end, so a failure there is recorded at its place.

A run ends in one of three ways. *Done*: the function returned and everything is stored. *Failed*: the function
raised, a response's stream raised (its partial message is stored as ``failed``), or something passed on failed;
responses already exposed are stored (open streams as ``cancelled``), then an error message
(``"<Type>: <text>"``, ``metadata["error_type"]`` = the exception class's ``module.QualName``). *Cancelled*: the run
was cancelled, or something it passed on was; open streams are stored as ``cancelled``. A message that cannot be
stored (a lone surrogate in streamed text, a message of another forum whose parent is not here) fails the run with
an error message saying why, so a run always settles.

The chain never raises into whoever advanced it (a stream, a promise, a callback): everything becomes a message.
"""

from __future__ import annotations

import collections
import itertools
import logging
from collections.abc import AsyncIterator, Coroutine
from time import perf_counter
from typing import Any, Protocol

from ._canonical import FrozenDict, freeze_metadata
from .attachments import AttachmentRef
from .errors import AgentError, AgentForumError, CallCancelled
from .forum import Forum, ForumEvent
from .messages import NO_ATTACHMENTS, Kind, Message, Status
from .placement import MESSAGE, PROMISE, SEQUENCE, TEXT, UNSET, classify
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

__all__ = ["Chain", "ChainOwner", "StreamHandle", "error_detail_of", "error_text_of", "error_type_of", "safe_text"]

log = logging.getLogger("agentforum_nb")
_handle_keys = itertools.count(1)
_run_keys = itertools.count(1)


def error_type_of(exc: BaseException | type[BaseException]) -> str:
    """``module.QualName`` of an exception (its class)."""
    cls = exc if isinstance(exc, type) else type(exc)
    return f"{cls.__module__}.{cls.__qualname__}"


def safe_text(text: str) -> str:
    """``text`` with lone surrogates (which no message can hold) replaced by ``\\udxxx`` escapes."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def error_detail_of(exc: BaseException | None) -> Any:
    """What an exception holds beyond its text, for the error message's ``metadata["error_detail"]``: its
    ``error_detail`` attribute (the model layer sets it to a provider's error body; any exception may carry one),
    as a JSON value (anything else as its ``str``); ``None`` when there is none."""
    detail = getattr(exc, "error_detail", None) if exc is not None else None
    if detail is None:
        return None
    try:
        return freeze_metadata({"error_detail": detail})[0]["error_detail"]
    except AgentForumError:
        return safe_text(str(detail))


def error_text_of(exc: BaseException) -> str:
    """``"<Type>: <message>"`` (or just the type), always storable."""
    try:
        text = str(exc)
    except Exception:
        text = "<the exception's str() failed>"
    return safe_text(f"{type(exc).__name__}: {text}" if text else type(exc).__name__)


class StreamHandle:
    """A response that is streaming and has no id yet, as forum listeners (widgets) see it.

    ``key`` is a temporary name (``"~12"``); ``parent`` is the id or key of the message it will follow;
    ``promise`` gives its text so far (``promise.text``) and its message once stored; ``run`` names the agent
    run it belongs to (``"r7"``, the same for every response of one run).
    """

    __slots__ = ("key", "promise", "sender", "parent", "run")

    def __init__(self, promise: MessagePromise, sender: str, parent: str | None, run: str = "") -> None:
        self.key = f"~{next(_handle_keys)}"
        self.promise = promise
        self.sender = sender
        self.parent = parent
        self.run = run

    def __repr__(self) -> str:
        return f"<StreamHandle {self.key} {self.sender} parent={self.parent}>"


class ChainOwner(Protocol):
    """What a chain needs from the run it belongs to."""

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Start ``coro`` as a task of the run (pumping a streamed response)."""

    def stop(self) -> None:
        """Stop the run's work: cancel its function, its pumps and every call it started."""

    def chain_ended(self, chain: Chain) -> None:
        """Everything is stored (or the run failed or was cancelled): ``chain.feed`` is closed."""


_OWN, _FORWARD_MESSAGE, _FORWARD_PROMISE = range(3)
_ENDED: Any = object()
_NONE: Any = ()  # an empty queue of a chain that has not needed one yet


class _Slot:
    """One response message: its promise, where its content comes from, and what it replies to."""

    __slots__ = ("how", "promise", "source", "reply_to", "metadata", "handle", "at", "attachments")

    def __init__(
        self,
        how: int,
        promise: MessagePromise,
        source: Any,
        reply_to: Any,
        metadata: FrozenDict | None,
        attachments: tuple[AttachmentRef, ...] = NO_ATTACHMENTS,
    ) -> None:
        self.how = how
        self.promise = promise
        # _OWN: None, or the async iterator streamed into it; _FORWARD_MESSAGE: the Message; _FORWARD_PROMISE:
        # the MessagePromise
        self.source = source
        self.reply_to = reply_to  # None, a Message, or a MessagePromise (its id is known once it settles)
        self.metadata = metadata
        self.handle: StreamHandle | None = None
        self.at = perf_counter()  # when it was responded with (its ttft_s and duration_s count from here)
        self.attachments = attachments  # of an own text response (a forward carries its original's)


class _Nested:
    """A sequence passed on, expanded into forward slots as its feed grows."""

    __slots__ = ("seq", "taken", "feed", "waiting", "reply_to", "metadata")

    def __init__(self, seq: MessageSequence, reply_to: Any, metadata: FrozenDict | None) -> None:
        self.seq = seq
        self.taken = 0
        self.waiting = False  # listening to the sequence until it is bound
        self.feed: Feed | None = None  # once bound (and listened to)
        self.reply_to = reply_to
        self.metadata = metadata


class _Barrier:
    """After the last forward of a passed-on sequence: storing waits here until the sequence's run has ended."""

    __slots__ = ("nested",)

    def __init__(self, nested: _Nested) -> None:
        self.nested = nested


class Chain:
    """The responses of one run; see the module docstring. ``feed`` is what the run's callers read."""

    __slots__ = (
        "forum",
        "name",
        "owner",
        "feed",
        "parent",
        "entries",
        "slots",
        "last_exposed",
        "function_done",
        "cancelled",
        "failure",
        "finished",
        "ending",
        "run_key",
        "sample",
        "_busy",
        "_again",
    )

    def __init__(self, forum: Forum, name: str, owner: ChainOwner) -> None:
        self.forum = forum
        self.name = name
        self.owner = owner
        self.feed = Feed()
        self.parent: Any = UNSET  # the id of the last stored message of the branch (None: new roots)
        # made on first use (most runs answer with stored text at once and never need them): () until then
        self.entries: collections.deque[_Slot | _Nested] = _NONE  # not exposed yet
        self.slots: collections.deque[_Slot | _Barrier] = _NONE  # exposed, not stored yet
        self.last_exposed: _Slot | None = None
        self.function_done = False
        self.cancelled = False
        self.failure: Failure | None = None
        self.finished = False
        self.ending = False  # failing or cancelled: nothing new is added
        self.run_key = ""  # named when a listener first needs it (widgets group a run's messages)
        self.sample = 0  # the call's sample (annotated on its responses when not 0)
        self._busy = False
        self._again = False

    def _entries(self) -> collections.deque[_Slot | _Nested]:
        entries = self.entries
        if entries is _NONE:
            entries = self.entries = collections.deque()
        return entries

    def _slots(self) -> collections.deque[_Slot | _Barrier]:
        slots = self.slots
        if slots is _NONE:
            slots = self.slots = collections.deque()
        return slots

    def _drop_entries(self) -> None:
        if self.entries:
            self.entries.clear()  # the same object: a loop exposing them sees it emptied

    # -- adding ---------------------------------------------------------------------------------------------------
    def respond(
        self,
        item: Any,
        reply_to: Any,
        metadata: FrozenDict | None,
        sender: str | None = None,
        attachments: tuple[AttachmentRef, ...] = NO_ATTACHMENTS,
    ) -> None:
        """Add the response(s) ``item`` (already checked: see :func:`classify`), sent by the run's agent (or by
        ``sender``: a tool's result); ``attachments`` (checked descriptors) go with a text ``item``."""
        if self.ending:
            return  # the run is over; its function is being cancelled
        name = self.name if sender is None else sender
        entries = self.entries
        if type(item) is str:  # the common case, without classifying
            if (
                not entries
                and not self.slots
                and not self._busy
                and self.parent is not UNSET
                and type(reply_to) is not MessagePromise
                and not self.forum.has_listeners
            ):
                self._store_text_now(item, reply_to, metadata, name, attachments)
                return
            if entries is _NONE:
                entries = self.entries = collections.deque()
            entries.append(_Slot(_OWN, MessagePromise.complete(item, name), None, reply_to, metadata, attachments))
            self.advance()
            return
        if entries is _NONE:
            entries = self.entries = collections.deque()
        for kind, value in classify(item, "a response"):
            if kind is TEXT:
                entries.append(_Slot(_OWN, MessagePromise.complete(value, name), None, reply_to, metadata))
            elif kind is MESSAGE:
                original = self.forum.resolve(value, "a response")
                p = MessagePromise(TokenStream.complete(original.content), name, "forward", original.sender)
                entries.append(_Slot(_FORWARD_MESSAGE, p, original, reply_to, metadata))
            elif kind is PROMISE:
                p = MessagePromise(value.stream, name, "forward", value.author)
                entries.append(_Slot(_FORWARD_PROMISE, p, value, reply_to, metadata))
            elif kind is SEQUENCE:
                value.start()  # a call made with no running loop starts now
                entries.append(_Nested(value, reply_to, metadata))
            else:  # STREAM
                stream = TokenStream()
                promise = MessagePromise(stream, name)
                live = getattr(value, "live_annotations", None)
                if live is not None:  # a model's stream: what it knows while it streams (its reasoning so far)
                    promise.watch_live(live)
                entries.append(_Slot(_OWN, promise, value, reply_to, metadata))
                self.owner.spawn(self._pump(stream, value))
        self.advance()

    async def _pump(self, stream: TokenStream, chunks: AsyncIterator[Any]) -> None:
        try:
            await pump(stream, chunks, "a streamed response")
        finally:
            self.advance()

    def _store_text_now(
        self,
        text: str,
        reply_to: Message | None,
        metadata: FrozenDict | None,
        sender: str,
        attachments: tuple[AttachmentRef, ...] = NO_ATTACHMENTS,
    ) -> None:
        """A text response with nothing before it to wait for: exposed and stored at once (the hot path)."""
        try:
            msg = Message(
                text,
                sender=sender,
                parent_id=self.parent,
                reply_to_id=None if reply_to is None else reply_to.id,
                metadata=metadata,
                attachments=attachments,
            )
        except AgentForumError:  # e.g. a lone surrogate: the general path turns it into the run's failure
            promise = MessagePromise.complete(text, sender)
            self._entries().append(_Slot(_OWN, promise, None, reply_to, metadata, attachments))
            self.advance()
            return
        promise = MessagePromise.complete(text, sender)
        self.feed.append(promise)
        self.last_exposed = None
        notes: dict[str, Any] = (
            {"agent": self.name, "ttft_s": 0.0, "duration_s": 0.0, "tokens": 1}
            if text
            else {"agent": self.name, "duration_s": 0.0, "tokens": 0}
        )
        if self.sample:
            notes["sample"] = self.sample
        try:
            stored = self.forum.record(msg, None, notes)
        except AgentForumError as exc:
            failure = Failure(
                AgentError,
                f"{self.name}: a response could not be stored: {error_text_of(exc)}",
                None,
                exc,
                error_type_of(exc),
            )
            self.fail_with(failure)
            reject(promise, failure)
            return
        self.parent = stored.id
        resolve(promise, stored)

    def respond_text(self, text: str, metadata: FrozenDict | None) -> MessagePromise | None:
        """One text response; returns its promise (``None`` when the run is over). Used by ``ctx.ask``."""
        if self.ending:
            return None
        promise = MessagePromise.complete(text, self.name)
        self._entries().append(_Slot(_OWN, promise, None, None, metadata))
        self.advance()
        return promise

    def continue_from(self, message: Message) -> None:
        """The next responses go under ``message`` (a user's answer to this run's question) instead of the last
        response: the branch reads request, question, answer, the rest."""
        if not self.entries and not self.slots and self.parent is not UNSET:
            self.parent = message.id
            self.last_exposed = None  # what streams next is announced under the answer, not the question

    def set_parent(self, parent: Message | None) -> None:
        """The responses go under ``parent`` (the last request; ``None``: they are new roots)."""
        if self.parent is UNSET:
            self.parent = None if parent is None else parent.id
            if self.entries or self.slots or self.function_done or self.ending:
                self.advance()

    def function_returned(self) -> None:
        self.function_done = True
        if (
            not self.entries
            and not self.slots
            and not self._busy
            and self.parent is not UNSET
            and not self.ending
            and not self.finished
        ):
            self._close(DONE, None)
            return
        self.advance()

    # -- ending ---------------------------------------------------------------------------------------------------
    def fail(self, exc: BaseException) -> None:
        """The function raised ``exc``: end the run with an error message after what is exposed."""
        self.fail_with(Failure(AgentError, error_text_of(exc), None, exc, error_type_of(exc)))

    def fail_with(self, failure: Failure) -> None:
        if self.ending:
            return
        self.ending = True
        self.failure = failure
        self._drop_entries()  # responses not exposed yet are dropped
        self._stop_streams()
        self.owner.stop()
        self._again = True
        self.advance()

    def cancel(self) -> None:
        """The run is cancelled: stop everything; what is exposed is stored as it is (open streams cancelled)."""
        if self.finished or self.ending:
            return
        self.ending = True
        self.cancelled = True
        self._drop_entries()
        self._stop_streams()
        self.owner.stop()
        if self.parent is UNSET:
            self.parent = None  # never placed: nothing can be stored, the promises are dropped below
            self._drop_all()
        self._again = True
        self.advance()

    def abandon(self, failure: Failure) -> None:
        """The call could not place its requests: end with ``failure`` and store nothing (what was responded is
        dropped; there is no place for an error message either)."""
        if self.finished:
            return
        self.ending = True
        self.failure = failure
        self._drop_entries()
        self._stop_streams()
        self.owner.stop()
        drop = failure if failure.message is None else failure.with_message(None)
        while self.slots:
            s = self.slots.popleft()
            if type(s) is _Slot:
                self._drop(s, drop)
        self._close(FAILED, failure)

    def _stop_streams(self) -> None:
        for s in self.slots:
            if type(s) is _Slot and s.how is _OWN:
                s.promise.stream.close(CANCELLED)

    def _drop_all(self) -> None:
        """Settle every exposed promise without storing it (the run never knew where its responses go)."""
        failure = self._drop_failure()
        while self.slots:
            s = self.slots.popleft()
            if type(s) is _Slot:
                self._drop(s, failure)

    def _drop_failure(self) -> Failure:
        if self.failure is not None and not self.cancelled:
            return Failure(
                AgentError,
                "the message was not completed: the run failed first",
                None,
                self.failure.cause,
                self.failure.error_type,
            )
        return Failure(CallCancelled, f"the call to {self.name!r} was cancelled before this message was stored")

    # -- advancing ------------------------------------------------------------------------------------------------
    def advance(self) -> None:
        """Expose, store and finish what can be (called back by streams, promises and feeds; never raises)."""
        if self._busy:
            self._again = True
            return
        self._busy = True
        try:
            while True:
                self._again = False
                try:
                    if self.entries:
                        self._expose()
                    if self.slots and self.parent is not UNSET:
                        self._store()
                    if not self.finished:
                        self._maybe_finish()
                except Exception as exc:
                    log.exception("agentforum_nb: internal error in %s's response chain", self.name)
                    self._internal_error(exc)
                if not self._again:
                    break
        finally:
            self._busy = False

    def _internal_error(self, exc: BaseException) -> None:
        if self.finished:
            return
        if not self.ending:
            self.fail(exc)
            return
        # already ending and still failing: settle everything without storing more
        self._drop_all()
        self._drop_entries()
        self._close(
            FAILED if not self.cancelled else CANCELLED,
            (self.failure or Failure(CallCancelled, f"the call to {self.name!r} was cancelled")),
        )

    def _expose(self) -> None:
        entries = self.entries
        while entries:
            e = entries[0]
            if type(e) is _Slot:
                entries.popleft()
                self._expose_slot(e)
                continue
            nested: _Nested = e  # type: ignore[assignment]
            feed = nested.feed
            if feed is None:
                feed = nested.seq.feed
                if feed is None:  # the sequence's call does not know yet where its responses come from
                    if nested.seq.failure is not None:  # detached before it was bound
                        if nested.waiting:
                            nested.seq.unlisten(self.advance)
                        entries.popleft()
                        self._slots().append(_Barrier(nested))
                        return  # the chain ends at its barrier: nothing after it is exposed
                    if not nested.waiting:
                        nested.waiting = True
                        nested.seq.listen(self.advance)
                    return
                if nested.waiting:
                    nested.seq.unlisten(self.advance)
                    nested.waiting = False
                nested.feed = feed
                feed.listen(self.advance)
            promises = feed.promises
            while nested.taken < len(promises):
                src = promises[nested.taken]
                nested.taken += 1
                p = MessagePromise(src.stream, self.name, "forward", src.author)
                self._expose_slot(_Slot(_FORWARD_PROMISE, p, src, nested.reply_to, nested.metadata))
            if not feed.sealed and nested.seq.failure is None:
                return  # more messages may come: later entries wait (only to be exposed)
            entries.popleft()
            self._slots().append(_Barrier(nested))
            if nested.seq.failure is not None:
                return  # it failed: the chain ends at its barrier, nothing after it is exposed

    def _expose_slot(self, slot: _Slot) -> None:
        if self.forum.has_listeners:
            self._announce(slot)
        self._slots().append(slot)
        self.last_exposed = slot
        self.feed.append(slot.promise)
        if slot.how is _FORWARD_PROMISE:
            slot.source.listen(self.advance)
        if type(slot.reply_to) is MessagePromise:
            slot.reply_to.listen(self.advance)

    def _announce(self, slot: _Slot) -> None:
        """Tell forum listeners (widgets) that a response started streaming, before it has an id."""
        prev = self.last_exposed
        parent: str | None
        if prev is not None and prev.promise.settled_message() is not None:
            parent = prev.promise.settled_message().id  # type: ignore[union-attr]
        elif prev is not None and prev.handle is not None:
            parent = prev.handle.key
        elif self.parent is not UNSET:
            parent = self.parent
        else:
            parent = None
        if not self.run_key:
            self.run_key = f"r{next(_run_keys)}"
        slot.handle = StreamHandle(slot.promise, slot.promise.sender, parent, self.run_key)
        self.forum.emit(ForumEvent("stream-start", None, slot.handle))

    def _end_stream(self, slot: _Slot) -> None:
        if slot.handle is not None:
            self.forum.emit(ForumEvent("stream-end", None, slot.handle))

    def _store(self) -> None:
        slots = self.slots
        while slots and self.parent is not UNSET:
            s = slots[0]
            if type(s) is _Barrier:
                nested = s.nested
                failure = nested.seq.failure
                if nested.feed is not None and nested.feed.state is OPEN and failure is None and not self.ending:
                    return  # its run has not ended: a failure there is recorded here, at its place
                slots.popleft()
                if nested.feed is not None:
                    nested.feed.unlisten(self.advance)
                if failure is not None and not self.ending:
                    self._passed_on_failed(failure)
                continue
            slot: _Slot = s  # type: ignore[assignment]
            fields = self._fields(slot)
            if fields is None:
                if not self.ending:
                    return
                slots.popleft()  # it cannot complete and the run is ending: drop it
                self._drop(slot, self._drop_failure())
                continue
            slots.popleft()
            if fields is _ENDED:  # a passed-on promise that ended without a stored message
                failure = slot.source.failure
                if failure.cancelled:
                    if not self.ending:
                        self.cancel()
                    self._drop(
                        slot,
                        Failure(
                            CallCancelled,
                            f"{self.name}: the message passed on was cancelled before it was stored",
                            None,
                            failure.cause,
                        ),
                    )
                else:
                    f = Failure(AgentError, failure.text, None, failure.cause, failure.error_type)
                    self._fail_here(f)
                    self._drop(slot, f)
                continue
            self._store_slot(slot, *fields)

    def _drop(self, slot: _Slot, failure: Failure) -> None:
        """Settle an exposed response that will not be stored."""
        self._end_stream(slot)
        if slot.how is _FORWARD_PROMISE:
            slot.source.unlisten(self.advance)
        if type(slot.reply_to) is MessagePromise:
            slot.reply_to.unlisten(self.advance)
        reject(slot.promise, failure)

    def _fields(self, slot: _Slot) -> Any:
        """(kind, content, status, original, cause) once the slot can be stored; None while it cannot;
        ``_ENDED`` for a passed-on promise that ended without a stored message."""
        reply = slot.reply_to
        if type(reply) is MessagePromise and not reply.done():
            return None
        how = slot.how
        if how is _OWN:
            stream = slot.promise.stream
            st = stream.state
            if st is OPEN:
                return None
            status = "complete" if st is DONE else ("cancelled" if st is CANCELLED else "failed")
            return ("message", stream.text(), status, None, stream.error)
        if how is _FORWARD_MESSAGE:
            m: Message = slot.source
            return ("forward", m.content, m.status, m, None)
        src: MessagePromise = slot.source
        if not src.done():
            return None
        original = src.settled_message()
        if original is None:
            return _ENDED
        return (
            "forward",
            original.content,
            original.status,
            original,
            None if src.failure is None else src.failure.cause,
        )

    def _store_slot(
        self,
        slot: _Slot,
        kind: Kind,
        content: str,
        status: Status,
        original: Message | None,
        cause: BaseException | None,
    ) -> None:
        forum = self.forum
        promise = slot.promise
        reply = slot.reply_to
        reply_msg = reply.settled_message() if type(reply) is MessagePromise else reply
        try:
            if original is not None or reply_msg is not None:
                for ref in (original, reply_msg):
                    if ref is not None and ref.id not in forum:
                        forum.add(ref)  # a message of another forum: stored here as it is, or MessageNotFound
            msg = forum.record(
                Message(
                    content,
                    kind=kind,
                    sender=promise.sender,
                    parent_id=self.parent,
                    reply_to_id=None if reply_msg is None else reply_msg.id,
                    original_id=None if original is None else original.id,
                    status=status,
                    metadata=self._metadata_of(slot),
                    attachments=slot.attachments if original is None else original.attachments,
                ),
                slot.handle,
                self._annotations_of(slot),
            )
        except AgentForumError as exc:  # it cannot be stored here (a lone surrogate, a foreign parent ...)
            text = f"{self.name}: a response could not be stored: {error_text_of(exc)}"
            failure = Failure(AgentError, text, None, exc, error_type_of(exc))
            self._fail_here(failure)
            self._drop(slot, failure if not self.cancelled else Failure(CallCancelled, text, None, exc))
            return
        self.parent = msg.id
        if slot.how is _OWN:
            slot.source = None  # the iterator it streamed from is done with: let it (an HTTP stream) go now
        if status == "complete":
            resolve(promise, msg)
            return
        if status == "cancelled":
            if not self.ending:  # something this run passed on was cancelled (or a stream was): so is the run
                self.cancel()
            reject(
                promise,
                Failure(CallCancelled, f"{self.name}: the message was cancelled after {len(content)} characters", msg),
            )
            return
        text = error_text_of(cause) if cause is not None else "the message's token stream failed"
        # record the failure before anyone hears of it: a caller reacting to the rejection may cancel this run,
        # and the error message must still be stored
        self._fail_here(
            Failure(
                AgentError, text, None, cause, error_type_of(cause) if cause is not None else error_type_of(AgentError)
            )
        )
        reject(promise, Failure(AgentError, text, msg, cause))

    @staticmethod
    def _metadata_of(slot: _Slot) -> FrozenDict | None:
        """The response's metadata: what it was responded with, and what its stream reports once it has ended
        (a model's tool calls)."""
        if slot.how is _OWN and slot.source is not None:
            report = getattr(slot.source, "stream_metadata", None)
            if report is not None:
                extra = report()
                if extra:
                    return freeze_metadata({**(slot.metadata or {}), **extra})[0]
        return slot.metadata

    def _annotations_of(self, slot: _Slot) -> dict[str, Any]:
        """What the run knows about a response it stores: its agent, time to first token, duration, token count
        (and what a model agent's stream reports about itself)."""
        n, first, closed = slot.promise.timing()
        at = slot.at
        notes: dict[str, Any] = {"agent": self.name}
        if self.sample:
            notes["sample"] = self.sample
        if n:
            notes["ttft_s"] = round(max(0.0, first - at), 6) if first else 0.0
        notes["duration_s"] = round(max(0.0, closed - at), 6) if closed else 0.0
        notes["tokens"] = n
        if slot.how is _OWN and slot.source is not None:
            report = getattr(slot.source, "stream_annotations", None)
            if report is not None:
                try:
                    extra = report()
                except Exception:
                    log.exception("agentforum_nb: %s's stream could not report its annotations", self.name)
                else:
                    if extra:
                        notes.update(extra)
        return notes

    def _fail_here(self, failure: Failure) -> None:
        """What is being stored failed (a stream, a message passed on, a passed-on sequence): the run ends here,
        with the error message in its place; the responses after it are dropped, neither stored nor completed."""
        if self.ending:
            return
        self.fail_with(failure)
        self._drop_all()

    def _passed_on_failed(self, failure: Failure) -> None:
        """A sequence this run passed on ended without completing: so does this run, in the same way."""
        if failure.cancelled:
            self.cancel()
            return
        msg = failure.message
        if msg is not None and msg.kind == "error":
            error_type = msg.metadata.get("error_type")
            text = msg.content
        else:
            error_type, text = failure.error_type, failure.text
        detail = msg.metadata.get("error_detail") if msg is not None and msg.kind == "error" else failure.detail
        if not isinstance(error_type, str):
            error_type = error_type_of(failure.cause) if failure.cause is not None else error_type_of(AgentError)
        self._fail_here(Failure(AgentError, text, None, failure.cause, error_type, detail))

    def _maybe_finish(self) -> None:
        if self.function_done and not self.entries and not self.feed.sealed and not self.ending:
            self.feed.seal()  # every response is exposed: a caller passing this run on may expose what follows
        if self.finished or self.parent is UNSET or self.slots:
            return
        if self.failure is not None and not self.cancelled:
            f = self.failure
            err: Message | None = None
            metadata: dict[str, Any] = {"error_type": f.error_type or error_type_of(AgentError)}
            detail = f.detail if f.detail is not None else error_detail_of(f.cause)
            if detail is not None:
                metadata["error_detail"] = detail
            try:
                err = self.forum.record(
                    Message(f.text, kind="error", sender=self.name, parent_id=self.parent, metadata=metadata),
                    None,
                    {"agent": self.name},
                )
                self.parent = err.id
            except AgentForumError:
                log.exception("agentforum_nb: %s's error message could not be stored", self.name)
            self._close(FAILED, Failure(AgentError, f.text, err, f.cause, f.error_type, detail))
        elif self.cancelled:
            last = self.last_exposed.promise.settled_message() if self.last_exposed is not None else None
            self._close(
                CANCELLED,
                Failure(
                    CallCancelled,
                    f"the call to {self.name!r} was cancelled",
                    last if last is not None and last.status == "cancelled" else None,
                ),
            )
        elif self.function_done and not self.entries:
            self._close(DONE, None)

    def stored(self) -> tuple[list[Message], list[tuple[str, ...] | None]]:
        """The stored messages of a completed chain and, for each, its token chunks when it streamed several."""
        messages = []
        chunks: list[tuple[str, ...] | None] = []
        for p in self.feed.promises:
            messages.append(p.result())
            c = p.stream.chunks
            chunks.append(c if len(c) > 1 else None)  # type: ignore[arg-type]
        return messages, chunks

    def _close(self, state: str, failure: Failure | None) -> None:
        self.finished = True
        self._drop_entries()
        self.feed.close(state, failure)
        self.owner.chain_ended(self)
