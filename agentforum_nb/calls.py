"""Agent calls and runs: request placement, response chains, errors as messages, cancellation, caching.

An :class:`AgentCall` is the caller's handle: it places the requests in the tree (the *tip* rules of the API),
then either serves the responses from the cache, shares an identical call's live run, or starts a
:class:`_Run` that executes the agent function. A run's responses form a chain of messages under the last
request; each response is stored (and gets its id) once it is complete and the previous one is stored.

Every task started here belongs to a call, every call to its forum: ``forum.aclose()`` cancels and awaits them.
Callbacks (stream closed, promise settled, feed grew) drive the chain; no task exists per message except one per
streamed (async iterator) response.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import hashlib
import json
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from ._canonical import freeze_metadata, metadata_json, thaw
from ._context import current_run, current_sender
from .errors import AgentError, AgentForumError, CallCancelled, InvalidMessageError, MessageNotFound, UsageError
from .forum import ForumEvent
from .messages import Message
from .streams import (CANCELLED, DONE, FAILED, OPEN, MessagePromise, MessageSequence, TokenStream, _Feed,
                      _Outcome)

if TYPE_CHECKING:  # pragma: no cover
    from .agents import Agent
    from .forum import Forum

__all__ = ["AgentCall", "Context", "default_forum", "cache_key"]

log = logging.getLogger("agentforum_nb")
_UNKNOWN: Any = object()
_default_forum: "Forum | None" = None


def default_forum() -> "Forum":
    """The in-memory forum used by top-level calls that name none (created on first use)."""
    global _default_forum
    if _default_forum is None or _default_forum.closed:
        from .forum import Forum

        _default_forum = Forum()
    return _default_forum


def _exc_type_name(exc: BaseException) -> str:
    cls = type(exc)
    return f"{cls.__module__}.{cls.__qualname__}"


def _exc_text(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


_encode_str = json.encoder.encode_basestring


def cache_key(agent_name: str, version: str, last_id: str | None, kwargs: Any) -> str:
    """The cache key of a call: agent name + version + last request id + canonical kwargs.

    ``sha256("agentforum-cache 1\n" + JSON array [agent, version, last_id, kwargs])`` with the kwargs in the
    canonical (RFC 8785) form used for message metadata.
    """
    body = "".join(("agentforum-cache 1\n[", _encode_str(agent_name), ",", _encode_str(version), ",",
                    "null" if last_id is None else '"' + last_id + '"', ",",
                    "{}" if not kwargs else metadata_json(kwargs, freeze_metadata(kwargs)[1]), "]"))
    return hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()


def _is_async_iter(item: Any) -> bool:
    return hasattr(item, "__anext__") or (hasattr(item, "__aiter__") and not isinstance(
        item, (MessagePromise, MessageSequence)))


def _settled(item: Any) -> bool:
    """Can this request be placed without awaiting anything?"""
    if isinstance(item, (str, Message)):
        return True
    if isinstance(item, MessagePromise):
        return item._message is not None
    if isinstance(item, MessageSequence):
        feed = item._feed
        return feed is not None and feed.state is DONE and item._detached is None and all(
            p._message is not None for p in feed.promises)
    if isinstance(item, (list, tuple)):
        return all(_settled(x) for x in item)
    return False


def _check_item(item: Any, what: str) -> None:
    if isinstance(item, (str, Message, MessagePromise, MessageSequence)):
        return
    if isinstance(item, (list, tuple)):
        for x in item:
            _check_item(x, what)
        return
    if _is_async_iter(item):
        return
    raise UsageError(f"{what} must be a str, Message, MessagePromise, MessageSequence, an async iterator of str, "
                     f"or a list of these; got {type(item).__name__}")


class Context:
    """What an agent function receives as ``ctx``."""

    __slots__ = ("_run", "requests", "forum", "agent", "kwargs")

    def __init__(self, run: "_Run", requests: MessageSequence) -> None:
        self._run = run
        self.requests = requests
        self.forum = run.forum
        self.agent = run.agent
        self.kwargs = run.kwargs

    def respond(self, item: Any, *, reply_to: Any = None, metadata: dict[str, Any] | None = None) -> None:
        """Append a response (str, Message, promise, sequence, async iterator of str, or a list of these).

        Never blocks; responses keep the order of ``respond`` calls. A ``Message`` or promise is recorded as a
        forward; another agent's sequence is passed through while it streams.
        """
        self._run.respond(item, reply_to, metadata)

    async def history(self) -> list[Message]:
        """The branch up to and including the last request."""
        call = self._run.owner
        await call._requests_complete()
        anchor = call.anchor
        return [] if anchor is None else self.forum.history(anchor.id)

    def __repr__(self) -> str:
        return f"<Context of {self.agent.name!r}>"


_handle_keys = itertools.count(1)


class StreamHandle:
    """A response that is streaming and has no id yet, as forum listeners (widgets) see it.

    ``key`` is a temporary name (``"~12"``); ``parent`` is the id or key of the message it will follow;
    ``promise`` gives its text so far (``promise.text``) and its message once stored.
    """

    __slots__ = ("key", "promise", "sender", "parent")

    def __init__(self, promise: MessagePromise, sender: str, parent: str | None) -> None:
        self.key = f"~{next(_handle_keys)}"
        self.promise = promise
        self.sender = sender
        self.parent = parent

    def __repr__(self) -> str:
        return f"<StreamHandle {self.key} {self.sender} parent={self.parent}>"


class _Slot:
    """One response message of a run: its promise, where its content comes from, and how to store it."""

    __slots__ = ("promise", "stream", "source", "reply_to", "metadata", "dropped", "handle")

    def __init__(self, promise: MessagePromise, stream: TokenStream | None, source: Any, reply_to: Any,
                 metadata: Any) -> None:
        self.promise = promise
        self.stream = stream  # own stream (str or async iterator); None for a forward
        self.source = source  # forward: the Message or MessagePromise forwarded
        self.reply_to = reply_to
        self.metadata = metadata
        self.dropped = False
        self.handle: StreamHandle | None = None


class _Nested:
    __slots__ = ("seq", "taken", "listening", "reply_to", "metadata")

    def __init__(self, seq: MessageSequence, reply_to: Any, metadata: Any) -> None:
        self.seq = seq
        self.taken = 0
        self.listening = False
        self.reply_to = reply_to
        self.metadata = metadata


class _Failure:
    """The terminal entry of a failed run: an error message is stored after everything before it."""

    __slots__ = ("text", "error_type", "cause")

    def __init__(self, text: str, error_type: str, cause: BaseException | None) -> None:
        self.text = text
        self.error_type = error_type
        self.cause = cause


class _Run:
    """One execution of an agent function and the chain of its responses."""

    __slots__ = ("owner", "agent", "forum", "kwargs", "key", "feed", "callers", "children", "tasks", "task",
                 "entries", "slots", "last_slot", "parent", "function_done", "cancelled", "failure", "finished",
                 "_advancing", "_again", "ctx")

    def __init__(self, owner: "AgentCall", key: str | None) -> None:
        self.owner = owner
        self.agent: Agent = owner.agent
        self.forum: Forum = owner.forum
        self.kwargs = owner.kwargs
        self.key = key
        self.feed = _Feed()
        self.callers: set[AgentCall] = {owner}
        self.children: set[AgentCall] = set()
        self.tasks: set[asyncio.Task] = set()
        self.task: asyncio.Task | None = None
        self.entries: collections.deque = collections.deque()
        self.slots: collections.deque[_Slot] = collections.deque()  # responses not stored yet, in order
        self.last_slot: _Slot | None = None  # the most recently started response
        self.parent: Any = _UNKNOWN
        self.function_done = False
        self.cancelled = False
        self.failure: _Failure | None = None
        self.finished = False
        self._advancing = False
        self._again = False
        self.ctx = Context(self, MessageSequence(owner.req_feed))

    # -- executing the function -----------------------------------------------------------------------------
    async def execute(self) -> None:
        self.task = asyncio.current_task()
        token = current_run.set(self)
        try:
            kwargs = self.kwargs
            if kwargs:
                result = await self.agent.fn(self.ctx, **thaw(kwargs))
            else:
                result = await self.agent.fn(self.ctx)
            if result is not None:
                self.respond(result, None, None)
        except asyncio.CancelledError:
            if not self.cancelled:  # cancelled from outside (loop shutdown): record it like cancel()
                self.cancel()
            raise
        except Exception as exc:  # noqa: BLE001 - recorded as an error message and raised to every consumer
            if not self.cancelled and self.failure is None:
                self.fail(exc)
        finally:
            current_run.reset(token)
            self.function_done = True
            self.advance()

    # -- responding -----------------------------------------------------------------------------------------
    def respond(self, item: Any, reply_to: Any, metadata: Any) -> None:
        if self.function_done:
            raise UsageError(f"{self.agent.name}: respond() after the agent function returned; respond before "
                             f"returning (a response may be an async iterator or a promise that is still running)")
        if self.cancelled or self.failure is not None:
            return  # the run is over; the function is being cancelled
        _check_item(item, "a response")
        frozen = None
        if metadata is not None:
            frozen, _ = freeze_metadata(metadata)
        if reply_to is not None and not isinstance(reply_to, MessagePromise):
            reply_to = self.forum._resolve(reply_to, "reply_to")
        self._add(item, reply_to, frozen)
        self.advance()

    def _add(self, item: Any, reply_to: Any, metadata: Any) -> None:
        name = self.agent.name
        if isinstance(item, str):
            stream = TokenStream.complete(item)
            self.entries.append(_Slot(MessagePromise(stream, name), stream, None, reply_to, metadata))
        elif isinstance(item, Message):
            original = self.forum._resolve(item, "a response")
            p = MessagePromise(TokenStream.complete(original.content), name, "forward", original.sender)
            self.entries.append(_Slot(p, None, original, reply_to, metadata))
        elif isinstance(item, MessagePromise):
            self.entries.append(_Slot(MessagePromise(item._stream, name, "forward", item.author), None, item,
                                      reply_to, metadata))
        elif isinstance(item, MessageSequence):
            owner = item._owner
            if owner is not None:
                owner._ensure_started()
            self.entries.append(_Nested(item, reply_to, metadata))
        elif isinstance(item, (list, tuple)):
            for x in item:
                self._add(x, reply_to, metadata)
        else:
            stream = TokenStream()
            slot = _Slot(MessagePromise(stream, name), stream, None, reply_to, metadata)
            self.entries.append(slot)
            stream.on_close(self.advance)
            aiter = item.__aiter__() if not hasattr(item, "__anext__") else item
            self._spawn(self._pump(stream, aiter))

    def _spawn(self, coro) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:  # a bug of ours: never lose it
            task.get_loop().call_exception_handler({"message": "agentforum_nb internal task failed",
                                                    "exception": task.exception(), "task": task})
        self.owner._maybe_release()

    async def _pump(self, stream: TokenStream, aiter: AsyncIterator[str]) -> None:
        try:
            async for chunk in aiter:
                if type(chunk) is not str:
                    raise InvalidMessageError(f"a streamed response must yield str chunks, got "
                                              f"{type(chunk).__name__}", key="content")
                stream.push(chunk)
        except asyncio.CancelledError:
            stream.close(CANCELLED)
            raise
        except Exception as exc:  # noqa: BLE001 - stored as a failed message, raised to consumers
            stream.close(FAILED, exc)
        else:
            stream.close(DONE)
        finally:
            aclose = getattr(aiter, "aclose", None)
            if aclose is not None and stream.state is not DONE:
                try:
                    await aclose()
                except Exception:  # noqa: BLE001
                    log.exception("agentforum_nb: closing a streamed response failed")

    # -- the chain ------------------------------------------------------------------------------------------
    def set_parent(self, parent: Message | None) -> None:
        if self.parent is _UNKNOWN:
            self.parent = None if parent is None else parent.id
            self.advance()

    def advance(self, *_: Any) -> None:
        """Store what can be stored, in order (called back by streams, promises and feeds)."""
        if self._advancing:
            self._again = True
            return
        self._advancing = True
        try:
            while True:
                self._again = False
                self._expand()
                self._store_ready()
                self._maybe_finish()
                if not self._again:
                    break
        finally:
            self._advancing = False

    def _expand(self) -> None:
        entries = self.entries
        feed = self.feed
        while entries:
            e = entries[0]
            if type(e) is _Slot:
                entries.popleft()
                if self.forum._listeners:
                    self._announce(e)
                self.slots.append(e)
                self.last_slot = e
                feed.append(e.promise)
                if e.stream is None and isinstance(e.source, MessagePromise):
                    e.source._on_settle(self.advance)
                if isinstance(e.reply_to, MessagePromise):
                    e.reply_to._on_settle(self.advance)
                continue
            if type(e) is _Failure:
                return
            inner = e.seq._feed
            if inner is None:
                if self.cancelled:
                    entries.popleft()
                    continue
                if not e.listening:
                    e.listening = True
                    e.seq._on_bind(self.advance)
                return
            if e.listening != "feed":
                e.listening = "feed"
                inner.listen(self.advance)
            promises = inner.promises
            while e.taken < len(promises):
                src = promises[e.taken]
                e.taken += 1
                slot = _Slot(MessagePromise(src._stream, self.agent.name, "forward", src.author), None, src,
                             e.reply_to, e.metadata)
                if self.forum._listeners:
                    self._announce(slot)
                self.slots.append(slot)
                self.last_slot = slot
                feed.append(slot.promise)
                src._on_settle(self.advance)
                if isinstance(e.reply_to, MessagePromise):
                    e.reply_to._on_settle(self.advance)
            if inner.state is OPEN:
                if self.cancelled:
                    entries.popleft()  # a sequence this run does not own: stop waiting for it
                    continue
                return
            entries.popleft()
            outcome = inner.outcome
            if outcome is not None and not self.cancelled:
                if outcome.cls is CallCancelled:
                    self.cancel()
                    return
                msg = outcome.message
                if msg is not None and msg.kind == "error":
                    text, etype = msg.content, msg.metadata.get("error_type", "builtins.Exception")
                else:
                    text, etype = outcome.text, _exc_type_name(outcome.cause) if outcome.cause else "AgentError"
                self._begin_failure(_Failure(text, etype, outcome.cause))
                return

    def _announce(self, slot: _Slot) -> None:
        """Tell forum listeners (widgets) that a response started streaming, before it has an id."""
        parent: str | None = None
        prev = self.last_slot
        if prev is not None and prev.promise._settled_message() is not None:
            parent = prev.promise._settled_message().id  # type: ignore[union-attr]
        elif prev is not None and prev.handle is not None:
            parent = prev.handle.key
        elif self.parent is not _UNKNOWN:
            parent = self.parent  # the last stored response, or the last request
        else:
            anchor = self.owner.anchor
            parent = None if anchor is None else anchor.id
        slot.handle = StreamHandle(slot.promise, self.agent.name, parent)
        self.forum._emit(ForumEvent("stream-start", None, slot.handle))

    def _slot_fields(self, slot: _Slot) -> tuple | None:
        """(kind, content, status, original message, cause) when the slot can be stored, else None."""
        reply = slot.reply_to
        if isinstance(reply, MessagePromise):
            if not reply.done():
                return None
        if slot.stream is not None:
            st = slot.stream.state
            if st is OPEN:
                return None
            status = "complete" if st is DONE else ("cancelled" if st is CANCELLED else "failed")
            return ("message", slot.stream.text(), status, None, slot.stream.error)
        src = slot.source
        if isinstance(src, Message):
            return ("forward", src.content, src.status, src, None)
        if not src.done():
            return None
        if src._message is not None:
            m = src._message
            return ("forward", m.content, m.status, m, None)
        outcome = src._outcome
        if outcome.message is None:
            slot.dropped = True
            return None
        m = outcome.message
        return ("forward", m.content, m.status, m, outcome.cause)

    def _store_ready(self) -> None:
        forum = self.forum
        slots = self.slots
        while slots and self.parent is not _UNKNOWN:
            slot = slots[0]
            fields = self._slot_fields(slot)
            if fields is None:
                if slot.dropped or self.cancelled or self.failure is not None:
                    slots.popleft()
                    if slot.handle is not None:
                        forum._emit(ForumEvent("stream-end", None, slot.handle))
                    cls = AgentError if (self.failure is not None and not self.cancelled) else CallCancelled
                    slot.promise._reject(_Outcome(cls, "the message was not completed: the run ended first", None,
                                                  self.failure.cause if self.failure else None))
                    continue
                return
            kind, content, status, original, cause = fields
            reply = slot.reply_to
            reply_msg = None
            if reply is not None:
                reply_msg = reply._settled_message() if isinstance(reply, MessagePromise) else reply
            try:  # a promise of another forum: its message is stored here as it is (or cannot be)
                for ref in (original, reply_msg):
                    if ref is not None and ref.id not in forum._store:
                        forum._adopt(ref)
            except MessageNotFound as exc:
                slots.popleft()
                text = f"{self.agent.name}: cannot record a message of another forum here: {exc}"
                if self.failure is None and not self.cancelled:
                    self._begin_failure(_Failure(text, _exc_type_name(exc), exc))
                slot.promise._reject(_Outcome(AgentError, text, None, exc))
                continue
            msg = Message(content, kind=kind, sender=self.agent.name, parent_id=self.parent,
                          reply_to_id=None if reply_msg is None else reply_msg.id,
                          original_id=None if original is None else original.id, status=status,
                          metadata=slot.metadata)
            msg = forum._store_message(msg, slot.handle)
            self.parent = msg.id
            slots.popleft()
            if status == "complete":
                if slot.stream is not None and len(slot.stream.chunks) > 1:
                    forum._remember_chunks(msg.id, slot.stream.chunks)
                slot.promise._resolve(msg)
            elif status == "cancelled":
                slot.promise._reject(_Outcome(CallCancelled, f"{self.agent.name}: the message was cancelled "
                                                             f"after {len(content)} characters", msg, None))
            else:
                if cause is None and slot.stream is not None:
                    cause = slot.stream.error
                text = _exc_text(cause) if cause is not None else "the message's token stream failed"
                if self.failure is None and not self.cancelled:
                    # record the failure before anyone hears of it: a caller reacting to the rejection may
                    # cancel this run, and the error message must still be stored
                    self._begin_failure(_Failure(text, _exc_type_name(cause) if cause else "builtins.Exception",
                                                 cause))
                slot.promise._reject(_Outcome(AgentError, text, msg, cause))

    def _maybe_finish(self) -> None:
        if self.finished or self.parent is _UNKNOWN or self.slots:
            return
        entries = self.entries
        if self.failure is not None:
            if entries and type(entries[0]) is not _Failure:
                return
            f = self.failure
            err = Message(f.text, kind="error", sender=self.agent.name, parent_id=self.parent,
                          metadata={"error_type": f.error_type})
            err = self.forum._store_message(err)
            self.parent = err.id
            entries.clear()
            self._finish(FAILED, _Outcome(AgentError, f.text, err, f.cause))
        elif self.cancelled:
            last = self.last_slot.promise._settled_message() if self.last_slot is not None else None
            self._finish(CANCELLED, _Outcome(CallCancelled, f"the call to {self.agent.name!r} was cancelled",
                                             last if last is not None and last.status == "cancelled" else None,
                                             None))
        elif self.function_done and not entries:
            self._finish(DONE, None)

    def _finish(self, state: str, outcome: _Outcome | None) -> None:
        self.finished = True
        self.feed.close(state, outcome)
        if state is DONE and self.key is not None:
            ids = [p._message.id for p in self.feed.promises]  # type: ignore[union-attr]
            self.forum._cache_store(self.key, self.agent.name, ids)
        if self.key is not None and self.forum._inflight.get(self.key) is self:
            del self.forum._inflight[self.key]
        for call in list(self.callers):
            call._maybe_release()

    # -- failure and cancellation -----------------------------------------------------------------------------
    def fail(self, exc: BaseException) -> None:
        self._begin_failure(_Failure(_exc_text(exc), _exc_type_name(exc), exc))

    def _begin_failure(self, failure: _Failure) -> None:
        """End the run with an error message after what is already in the chain (the function is cancelled)."""
        if self.failure is not None or self.cancelled:
            return
        self.failure = failure
        # drop responses not yet started; stop streams and the function
        self.entries.clear()
        self.entries.append(failure)
        self._stop_work()
        for slot in list(self.slots):
            if slot.stream is not None:
                slot.stream.close(CANCELLED)
        self._again = True
        self.advance()

    def _stop_work(self) -> None:
        for call in list(self.children):
            call.cancel()
        for t in list(self.tasks):
            t.cancel()
        task = self.task
        if task is not None and not task.done() and not self.function_done and task is not asyncio.current_task():
            task.cancel()

    def cancel(self) -> None:
        """Cancel the function, its streams and every call it started; store partial messages as cancelled."""
        if self.finished or self.cancelled:
            return
        self.cancelled = True
        self._stop_work()
        for slot in list(self.slots):
            if slot.stream is not None:
                slot.stream.close(CANCELLED)
        for e in list(self.entries):
            if type(e) is _Slot and e.stream is not None:
                e.stream.close(CANCELLED)
        if self.parent is _UNKNOWN:
            anchor = self.owner.anchor
            self.parent = None if anchor is None else anchor.id
        self.advance()

    def detach(self, call: "AgentCall") -> None:
        self.callers.discard(call)
        if not self.callers:
            self.cancel()


class AgentCall:
    """A call to an agent: send requests, finish, read the responses. Returned by ``agent.call()``."""

    __slots__ = ("agent", "forum", "kwargs", "sender", "cache", "parent_run", "_branch", "tip", "last_request",
                 "_ancestors", "req_feed", "_pending", "_finished", "_wakeup", "responses", "run", "task",
                 "_cancelled", "_released", "cache_hit", "shared", "__weakref__")

    def __init__(self, agent: "Agent", *, forum: "Forum | None", branch: Any, cache: bool | None,
                 kwargs: dict[str, Any], _autostart: bool = True) -> None:
        parent_run = current_run.get()
        if forum is None:
            forum = parent_run.forum if parent_run is not None else default_forum()
        forum._check_open()
        if cache is not None and not isinstance(cache, bool):
            raise UsageError(f"cache must be True, False or None, not {cache!r}")
        try:
            frozen, _ = freeze_metadata(kwargs)
        except InvalidMessageError as exc:
            raise UsageError(f"agent kwargs must be JSON values: {exc}".replace("metadata", "kwargs")) from None
        self.agent = agent
        self.forum = forum
        self.kwargs = frozen
        self.sender = current_sender()
        self.cache = forum.cache_enabled and (agent.cache if cache is None else cache)
        self.parent_run: _Run | None = parent_run
        self._branch = branch
        if branch is not None and not isinstance(branch, (MessagePromise, MessageSequence)):
            self._branch = forum._resolve(branch, "branch")  # unknown id: MessageNotFound now, not later
        self.tip: Any = _UNKNOWN
        self.last_request: Message | None = None
        self._ancestors: set[str] | None = None
        self.req_feed = _Feed()
        self._pending: collections.deque = collections.deque()
        self._finished = False
        self._wakeup: list[asyncio.Future] | None = None
        self.responses = MessageSequence(None, self)
        self.run: _Run | None = None
        self.task: asyncio.Task | None = None
        self._cancelled = False
        self._released = False
        self.cache_hit = False
        self.shared = False
        if parent_run is not None:
            parent_run.children.add(self)
        if _autostart:
            self._start_if_loop()

    def _start_if_loop(self) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # started by the loop that first awaits or iterates the responses
        self._ensure_started()

    @property
    def anchor(self) -> Message | None:
        """Where the responses go: the last request, or the tip when there are none (None: new roots)."""
        if self.last_request is not None:
            return self.last_request
        return None if self.tip is _UNKNOWN else self.tip

    # -- the public handle ------------------------------------------------------------------------------------
    def send(self, *requests: Any) -> "AgentCall":
        """Queue requests (str, Message, promise, sequence, async iterator of str, or lists). Chainable."""
        if self._finished:
            raise UsageError("send() after finish(): this call's requests are closed; start a new call with "
                             "agent.call(branch=...) to continue the conversation")
        for r in requests:
            _check_item(r, "a request")
        self._pending.extend(requests)
        self._wake()
        return self

    def finish(self) -> MessageSequence:
        """Close the requests; returns the responses (a :class:`MessageSequence`)."""
        self._finished = True
        self._wake()
        return self.responses

    def cancel(self) -> None:
        """Cancel this call (idempotent): its run stops unless another caller still shares it."""
        self._cancel_from(None)

    def done(self) -> bool:
        """True when every response is stored (or the call failed or was cancelled)."""
        return self.responses.done()

    def __repr__(self) -> str:
        state = "done" if self.done() else "running"
        return f"<AgentCall {self.agent.name!r} {state}>"

    # -- lifecycle ----------------------------------------------------------------------------------------------
    def _ensure_started(self) -> None:
        if self.task is not None or self._cancelled or self.cache_hit or self.shared:
            return
        loop = asyncio.get_running_loop()
        self.forum._runs.add(self)
        if self._finished and not self._pending_needs_await():
            coro = self._start_now()  # everything is at hand: place, look up and start without a hop
            if coro is None:
                self._maybe_release()
                return
        else:
            coro = self._main()
        self.task = loop.create_task(coro)
        self.task.add_done_callback(self._task_done)

    def _pending_needs_await(self) -> bool:
        """True unless the start and every queued request can be placed synchronously."""
        branch = self._branch
        if isinstance(branch, (MessagePromise, MessageSequence)) and branch._settled_message() is None:
            return True
        if branch is None and self.parent_run is not None and self.parent_run.forum is self.forum \
                and self.parent_run.owner.req_feed.state is OPEN:
            return True
        return not all(_settled(item) for item in self._pending)

    def _start_now(self):
        """Synchronous start: returns the coroutine to run as the call's task, or None (cache hit, shared run)."""
        self._resolve_start_now()
        while self._pending:
            self._place_now(self._pending.popleft())
        self.req_feed.close(DONE)
        anchor = self.anchor
        if not self.cache:
            run = self._new_run(None)
            run.parent = None if anchor is None else anchor.id
            return run.execute()
        return self._lookup_or_run(anchor)

    def _lookup_or_run(self, anchor: Message | None):
        key = cache_key(self.agent.name, self.agent.version, None if anchor is None else anchor.id, self.kwargs)
        shared = self.forum._inflight.get(key)
        if shared is not None and not shared.finished and not shared.cancelled:
            self.run = shared
            self.shared = True
            shared.callers.add(self)
            self.responses._bind(shared.feed)
            return None
        hit = self.forum._cache_lookup(key, None if anchor is None else anchor.id)
        if hit is not None:
            self.cache_hit = True
            self.responses._bind(_Feed.of(hit))
            return None
        run = self._new_run(key)
        self.forum._inflight[key] = run
        run.parent = None if anchor is None else anchor.id
        return run.execute()

    def _resolve_start_now(self) -> None:
        branch = self._branch
        if branch is None:
            parent = self.parent_run
            if parent is not None and parent.forum is self.forum:
                self.tip = parent.owner.anchor
            else:
                self.tip = None
        elif isinstance(branch, Message):
            self.tip = branch
        else:
            self.tip = self.forum._resolve(branch._settled_message(), "branch")

    def _place_now(self, item: Any) -> None:
        if isinstance(item, str):
            self._placed(self.forum._store_message(Message(
                item, sender=self.sender, parent_id=None if self.tip is None else self.tip.id)), move=True)
        elif isinstance(item, Message):
            self._place_message(item)
        elif isinstance(item, MessagePromise):
            self._place_message(item.result())
        elif isinstance(item, MessageSequence):
            for p in item._feed.promises:  # type: ignore[union-attr]
                self._place_message(p.result())
        else:
            for x in item:
                self._place_now(x)

    def _task_done(self, task: asyncio.Task) -> None:
        if not task.cancelled() and task.exception() is not None:
            task.get_loop().call_exception_handler({"message": "agentforum_nb call task failed",
                                                    "exception": task.exception(), "task": task})
        self._maybe_release()

    def _all_tasks(self) -> list[asyncio.Task]:
        tasks = [] if self.task is None else [self.task]
        run = self.run
        if run is not None and run.owner is self:
            tasks.extend(run.tasks)
            if run.task is not None:
                tasks.append(run.task)
        return tasks

    def _maybe_release(self) -> None:
        if self._released:
            return
        if any(not t.done() for t in self._all_tasks()):
            return
        run = self.run
        if run is not None and run.owner is self and not run.finished:
            return
        self._released = True
        self.forum._runs.discard(self)
        if self.parent_run is not None:
            self.parent_run.children.discard(self)
        if run is not None and run.owner is self and run.finished and not self.responses._detached:
            # everything is stored: let the sequence outlive this call without keeping it (and its run) alive
            self.responses._owner = None
            run.last_slot = None

    async def wait_closed(self) -> None:
        """Wait until every task of this call has ended (used by ``forum.aclose()``)."""
        loop = asyncio.get_running_loop()
        while True:
            pending = [t for t in self._all_tasks() if not t.done() and t.get_loop() is loop]
            if not pending:
                return
            await asyncio.wait(pending)

    def _wake(self) -> None:
        waiters, self._wakeup = self._wakeup, None
        for fut in waiters or ():
            if not fut.done():
                fut.set_result(None)

    async def _requests_complete(self) -> None:
        while self.req_feed.state is OPEN:
            await self.req_feed.changed()

    def _cancel_from(self, view: MessageSequence | None) -> None:
        run = self.run
        if run is not None and (len(run.callers) > 1 or run.owner is not self):
            if self in run.callers:  # a shared run: detach this caller only
                self._detach_view()
                run.detach(self)
            return
        if self._cancelled:
            return
        self._cancelled = True
        if run is not None:
            run.cancel()
        else:
            self._detach_view()
            task = self.task
            if task is not None and not task.done() and task is not asyncio.current_task():
                task.cancel()
        if self.req_feed.state is OPEN:
            self.req_feed.close(CANCELLED, _Outcome(CallCancelled, "the call was cancelled", None, None))
        self._maybe_release()

    def _detach_view(self) -> None:
        view = self.responses
        if view._detached is None:
            view._detached = _Outcome(CallCancelled, f"the call to {self.agent.name!r} was cancelled", None, None)
            if view._feed is not None:
                view._feed._notify()
            else:
                view._bind(_Feed.of([]))
                view._detached = _Outcome(CallCancelled, f"the call to {self.agent.name!r} was cancelled",
                                          None, None)

    # -- the main task ------------------------------------------------------------------------------------------
    async def _main(self) -> None:
        try:
            await self._resolve_start()
            run = None
            if not self.cache:  # full duplex: the agent starts at once
                run = self._new_run(None)
                run.task = run._spawn(run.execute())
                run.tasks.discard(run.task)
            await self._place_all()
            if run is not None:
                run.set_parent(self.anchor)
                return
            coro = self._lookup_or_run(self.anchor)
            if coro is not None:
                await coro
        except asyncio.CancelledError:
            if self.run is None and not self._cancelled:
                self._cancel_from(None)
            raise
        except AgentForumError as exc:
            self._placement_failed(exc)
        except Exception as exc:  # noqa: BLE001 - e.g. a streamed request that raised
            self._placement_failed(exc)

    def _new_run(self, key: str | None) -> _Run:
        run = _Run(self, key)
        self.run = run
        self.responses._bind(run.feed)
        return run

    def _placement_failed(self, exc: BaseException) -> None:
        text = f"{self.agent.name}: a request could not be placed: {_exc_text(exc)}"
        outcome = _Outcome(AgentError, text, getattr(exc, "message", None), exc)
        if self.req_feed.state is OPEN:
            self.req_feed.close(FAILED, outcome)
        run = self.run
        if run is not None:  # full duplex: the function is already running
            run._begin_failure(_Failure(text, _exc_type_name(exc), exc))
            if run.parent is _UNKNOWN:
                run.set_parent(self.anchor)
        else:
            self.responses._bind(_Feed())
            self.responses._feed.close(FAILED, outcome)  # type: ignore[union-attr]

    async def _resolve_start(self) -> None:
        """Wait for what the start depends on, then resolve it like the synchronous path does."""
        branch = self._branch
        if branch is None:
            parent = self.parent_run
            if parent is not None and parent.forum is self.forum:
                await parent.owner._requests_complete()
        elif isinstance(branch, MessagePromise):
            await branch
        elif isinstance(branch, MessageSequence):
            if not await branch:
                raise UsageError("branch= is an empty sequence: there is no message to continue from")
        self._resolve_start_now()

    async def _place_all(self) -> None:
        while True:
            while self._pending:
                await self._place(self._pending.popleft())
            if self._finished and not self._pending:
                break
            fut = asyncio.get_running_loop().create_future()
            if self._wakeup is None:
                self._wakeup = []
            self._wakeup.append(fut)
            await fut
        self.req_feed.close(DONE)

    async def _place(self, item: Any) -> None:
        if isinstance(item, (str, Message)):
            self._place_now(item)
        elif isinstance(item, MessagePromise):
            self._place_message(await item)
        elif isinstance(item, MessageSequence):
            async for p in item:
                self._place_message(await p)
        elif isinstance(item, (list, tuple)):
            for x in item:
                await self._place(x)
        else:
            stream = TokenStream()
            promise = MessagePromise(stream, self.sender)
            self.req_feed.append(promise)
            aiter = item.__aiter__() if not hasattr(item, "__anext__") else item
            try:
                async for chunk in aiter:
                    if type(chunk) is not str:
                        raise UsageError(f"a streamed request must yield str chunks, got {type(chunk).__name__}")
                    stream.push(chunk)
            except BaseException as exc:
                stream.close(CANCELLED if isinstance(exc, asyncio.CancelledError) else FAILED)
                promise._reject(_Outcome(CallCancelled if isinstance(exc, asyncio.CancelledError) else AgentError,
                                         "the streamed request did not complete", None, exc))
                raise
            stream.close(DONE)
            msg = self.forum._store_message(Message(stream.text(), sender=self.sender,
                                                    parent_id=None if self.tip is None else self.tip.id))
            promise._resolve(msg)
            self._set_tip(msg)
            self.last_request = msg

    def _placed(self, msg: Message, *, move: bool) -> None:
        self.req_feed.append(MessagePromise.resolved(msg))
        self.last_request = msg
        if move:
            self._set_tip(msg)

    def _set_tip(self, msg: Message) -> None:
        self.tip = msg
        if self._ancestors is not None:
            self._ancestors.add(msg.id)

    def _place_message(self, msg: Message) -> None:
        forum = self.forum
        tip = self.tip
        if tip is None:
            self._placed(forum._resolve(msg, "a request"), move=True)
            return
        if msg.id == tip.id:
            self._placed(tip, move=False)
            return
        if msg.parent_id == tip.id:
            self._placed(forum._resolve(msg, "a request"), move=True)
            return
        if self._ancestors is None:
            self._ancestors = {m.id for m in forum.history(tip.id)}
        if msg.id in self._ancestors:
            self._placed(forum._resolve(msg, "a request"), move=False)
            return
        original = forum._resolve(msg, "a request")
        fwd = forum._store_message(Message(original.content, kind="forward", sender=self.sender,
                                           parent_id=tip.id, original_id=original.id, status=original.status))
        self._placed(fwd, move=True)
