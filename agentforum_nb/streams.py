"""Token streams, message promises and message sequences.

A :class:`TokenStream` has one writer and any number of replaying readers, and an explicit terminal state.
A :class:`MessagePromise` pairs a token stream with the message it becomes once stored; a forward of a
message that is still streaming shares the original's stream object, so passing a stream through any
number of agents costs nothing per token per level. A :class:`MessageSequence` is a replayable view of a
growing list of promises (a call's responses, or an agent's requests).

Readers wait on futures of their own running loop; every failure is re-raised as a fresh exception object
whose ``__cause__`` is the original exception.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Generator
from typing import TYPE_CHECKING, Any

from .errors import UsageError

if TYPE_CHECKING:  # pragma: no cover
    from .messages import Message

__all__ = ["TokenStream", "MessagePromise", "MessageSequence", "OPEN", "DONE", "FAILED", "CANCELLED"]

OPEN, DONE, FAILED, CANCELLED = "open", "done", "failed", "cancelled"


def _wake(waiters: list) -> None:
    for fut in waiters:
        if not fut.done():
            try:
                fut.set_result(None)
            except RuntimeError:  # the future's loop is closed: nobody can be waiting on it any more
                pass


def _add_waiter(obj: Any) -> asyncio.Future:
    """A future of the running loop, woken with the others of ``obj`` (lists are created lazily)."""
    fut = asyncio.get_running_loop().create_future()
    waiters = obj._waiters
    if waiters is None:
        obj._waiters = [fut]
    else:
        waiters.append(fut)
    return fut


class _Outcome:
    """A stored failure: re-raised as a fresh exception each time."""

    __slots__ = ("cls", "text", "message", "cause")

    def __init__(self, cls: type, text: str, message: "Message | None", cause: BaseException | None) -> None:
        self.cls, self.text, self.message, self.cause = cls, text, message, cause

    def exception(self) -> BaseException:
        exc = self.cls(self.text, self.message)
        exc.__cause__ = self.cause
        return exc


class TokenStream:
    """Chunks of text with one writer and many replaying readers."""

    __slots__ = ("chunks", "state", "error", "_waiters", "_callbacks")

    def __init__(self, chunks: list[str] | None = None, state: str = OPEN) -> None:
        self.chunks: list[str] = [] if chunks is None else chunks
        self.state = state
        self.error: BaseException | None = None
        self._waiters: list[asyncio.Future] | None = None
        self._callbacks: list[Callable[[TokenStream], None]] | None = None

    @classmethod
    def complete(cls, text: str) -> "TokenStream":
        return cls((text,) if text else (), DONE)  # type: ignore[arg-type]

    def text(self) -> str:
        return "".join(self.chunks)

    def push(self, chunk: str) -> None:
        if self.state is not OPEN:
            return  # closed (e.g. cancelled): late chunks are not part of the message
        self.chunks.append(chunk)
        waiters = self._waiters
        if waiters is not None:
            self._waiters = None
            _wake(waiters)

    def close(self, state: str = DONE, error: BaseException | None = None) -> None:
        if self.state is not OPEN:
            return
        self.state = state
        self.error = error
        self.chunks = tuple(self.chunks)  # type: ignore[assignment]  # final: a tuple of str is not GC-tracked
        waiters = self._waiters
        if waiters is not None:
            self._waiters = None
            _wake(waiters)
        callbacks, self._callbacks = self._callbacks, None
        if callbacks:
            for cb in callbacks:
                cb(self)

    def on_close(self, callback: Callable[["TokenStream"], None]) -> None:
        if self.state is not OPEN:
            callback(self)
        elif self._callbacks is None:
            self._callbacks = [callback]
        else:
            self._callbacks.append(callback)

    async def wait_closed(self) -> None:
        while self.state is OPEN:
            await _add_waiter(self)

    def __aiter__(self) -> "_StreamReader":
        return _StreamReader(self)


class _StreamReader:
    __slots__ = ("_s", "_i")

    def __init__(self, stream: TokenStream) -> None:
        self._s = stream
        self._i = 0

    def __aiter__(self) -> "_StreamReader":
        return self

    async def __anext__(self) -> str:
        s = self._s
        while True:
            i = self._i
            if i < len(s.chunks):
                self._i = i + 1
                return s.chunks[i]
            if s.state is not OPEN:
                raise StopAsyncIteration
            await _add_waiter(s)


class MessagePromise:
    """A message that may still be streaming. ``await p`` gives the stored :class:`Message`;
    ``async for token in p`` gives its text chunks as produced (every consumer from the first chunk)."""

    __slots__ = ("sender", "kind", "author", "_stream", "_message", "_outcome", "_waiters", "_callbacks",
                 "__weakref__")

    def __init__(self, stream: TokenStream, sender: str, kind: str = "message", author: str | None = None) -> None:
        self.sender = sender
        self.kind = kind
        #: who wrote the text: the sender, or for a forward the author of the forwarded message
        self.author = sender if author is None else author
        self._stream = stream
        self._message: Message | None = None
        self._outcome: _Outcome | None = None
        self._waiters: list[asyncio.Future] | None = None
        self._callbacks: list[Callable[[MessagePromise], None]] | None = None

    @classmethod
    def resolved(cls, message: "Message", chunks: list[str] | None = None) -> "MessagePromise":
        stream = TokenStream(tuple(chunks) if chunks else ((message.content,) if message.content else ()), DONE)
        p = cls(stream, message.sender, message.kind)
        p._message = message
        return p

    # -- producer side --------------------------------------------------------------------------------------
    def _resolve(self, message: "Message") -> None:
        self._message = message
        self._settled()

    def _reject(self, outcome: _Outcome) -> None:
        self._outcome = outcome
        self._settled()

    def _settled(self) -> None:
        waiters = self._waiters
        if waiters is not None:
            self._waiters = None
            _wake(waiters)
        callbacks, self._callbacks = self._callbacks, None
        if callbacks:
            for cb in callbacks:
                cb(self)

    def _on_settle(self, callback: Callable[["MessagePromise"], None]) -> None:
        if self.done():
            callback(self)
        elif self._callbacks is None:
            self._callbacks = [callback]
        else:
            self._callbacks.append(callback)

    def _settled_message(self) -> "Message | None":
        if self._message is not None:
            return self._message
        if self._outcome is not None:
            return self._outcome.message
        return None

    # -- consumer side --------------------------------------------------------------------------------------
    def done(self) -> bool:
        """True once the message is stored (or the run failed or was cancelled)."""
        return self._message is not None or self._outcome is not None

    @property
    def message(self) -> "Message | None":
        """The stored message, or ``None`` while it is not (yet) complete."""
        return self._message

    @property
    def text(self) -> str:
        """The text streamed so far."""
        return self._stream.text()

    @property
    def streaming(self) -> bool:
        return self._stream.state is OPEN

    def result(self) -> "Message":
        """The stored message now; raises if it failed, :class:`UsageError` if it is not done yet."""
        if self._message is not None:
            return self._message
        if self._outcome is not None:
            raise self._outcome.exception()
        raise UsageError("this message is not complete yet: `await` the promise (or use af.run_sync(promise))")

    async def _wait(self) -> "Message":
        while not self.done():
            await _add_waiter(self)
        return self.result()

    def __await__(self) -> Generator[Any, None, "Message"]:
        return self._wait().__await__()

    def __aiter__(self) -> AsyncIterator[str]:
        return _TokenReader(self)

    def __repr__(self) -> str:
        if self._message is not None:
            return f"<MessagePromise {self._message!r}>"
        state = "failed" if self._outcome is not None else "streaming"
        text = self._stream.text()
        snippet = text if len(text) <= 30 else text[:27] + "..."
        return f"<MessagePromise {state} {self.sender}: {snippet!r}>"

    # notebook display: the notebook layer installs a renderer here (keeps this module free of Jupyter)
    def _repr_mimebundle_(self, include=None, exclude=None):
        return _display_hook(self)


class _TokenReader(_StreamReader):
    """Tokens of a promise; at the end of a failed or cancelled stream, raises the promise's error."""

    __slots__ = ("_p",)

    def __init__(self, promise: MessagePromise) -> None:
        super().__init__(promise._stream)
        self._p = promise

    async def __anext__(self) -> str:
        try:
            return await _StreamReader.__anext__(self)
        except StopAsyncIteration:
            if self._s.state is not DONE:
                await self._p._wait()  # raises CallCancelled / AgentError carrying the stored partial message
            raise


class _Feed:
    """The writable list of promises behind one or more :class:`MessageSequence` views."""

    __slots__ = ("promises", "state", "outcome", "_waiters", "_listeners")

    def __init__(self) -> None:
        self.promises: list[MessagePromise] = []
        self.state = OPEN
        self.outcome: _Outcome | None = None
        self._waiters: list[asyncio.Future] | None = None
        self._listeners: list[Callable[[], None]] | None = None

    @classmethod
    def of(cls, promises: list[MessagePromise]) -> "_Feed":
        feed = cls()
        feed.promises = promises
        feed.state = DONE
        return feed

    def append(self, promise: MessagePromise) -> None:
        self.promises.append(promise)
        self._notify()

    def close(self, state: str = DONE, outcome: _Outcome | None = None) -> None:
        if self.state is not OPEN:
            return
        self.state = state
        self.outcome = outcome
        self._notify()

    def _notify(self) -> None:
        waiters = self._waiters
        if waiters is not None:
            self._waiters = None
            _wake(waiters)
        if self._listeners:
            for cb in tuple(self._listeners):
                cb()

    def listen(self, callback: Callable[[], None]) -> None:
        if self._listeners is None:
            self._listeners = [callback]
        else:
            self._listeners.append(callback)

    async def changed(self) -> None:
        await _add_waiter(self)


class MessageSequence:
    """A replayable, growing sequence of :class:`MessagePromise` (an agent's responses or requests).

    ``async for p in seq`` yields promises as their messages start; ``await seq`` gives a tuple of messages;
    ``seq.cancel()`` cancels the run behind it (or detaches this caller from a shared run).
    """

    __slots__ = ("_feed", "_owner", "_bound", "_bind_callbacks", "_detached", "__weakref__")

    def __init__(self, feed: _Feed | None = None, owner: Any = None) -> None:
        self._feed = feed
        self._owner = owner
        self._bound: list[asyncio.Future] | None = None  # waiters for the feed (created when needed)
        self._bind_callbacks: list[Callable[[], None]] | None = None
        self._detached: _Outcome | None = None

    @classmethod
    def of(cls, items: list["Message"]) -> "MessageSequence":
        """A finished sequence of stored messages."""
        return cls(_Feed.of([MessagePromise.resolved(m) for m in items]))

    def _bind(self, feed: _Feed) -> None:
        self._feed = feed
        waiters, self._bound = self._bound, None
        if waiters:
            _wake(waiters)
        callbacks, self._bind_callbacks = self._bind_callbacks, None
        if callbacks:
            for cb in callbacks:
                cb()

    def _on_bind(self, callback: Callable[[], None]) -> None:
        if self._feed is not None:
            callback()
        elif self._bind_callbacks is None:
            self._bind_callbacks = [callback]
        else:
            self._bind_callbacks.append(callback)

    async def _feed_ready(self) -> _Feed:
        owner = self._owner
        if owner is not None:
            owner._ensure_started()
        while self._feed is None:
            if self._detached is not None:
                raise self._detached.exception()
            fut = asyncio.get_running_loop().create_future()
            if self._bound is None:
                self._bound = []
            self._bound.append(fut)
            await fut
        return self._feed

    def __aiter__(self) -> AsyncIterator[MessagePromise]:
        return _SequenceReader(self)

    async def _gather(self) -> tuple["Message", ...]:
        out = []
        async for p in self:
            out.append(await p)
        return tuple(out)

    def __await__(self) -> Generator[Any, None, tuple["Message", ...]]:
        return self._gather().__await__()

    async def text(self) -> str:
        """The contents of all messages joined with blank lines."""
        return "\n\n".join(m.content for m in await self)

    async def last(self) -> "Message":
        """The last message (raises :class:`UsageError` for an empty sequence)."""
        messages = await self
        if not messages:
            raise UsageError("this sequence has no messages")
        return messages[-1]

    def cancel(self) -> None:
        """Cancel the run behind this sequence (idempotent). On a shared run, detach only this caller."""
        if self._owner is not None:
            self._owner._cancel_from(self)

    def done(self) -> bool:
        feed = self._feed
        return self._detached is not None or (
            feed is not None and feed.state is not OPEN and all(p.done() for p in feed.promises))

    def _settled_message(self) -> "Message | None":
        feed = self._feed
        if feed is None or feed.state is OPEN or not feed.promises:
            return None
        return feed.promises[-1]._settled_message()

    @property
    def promises(self) -> list[MessagePromise]:
        """The promises known so far (a snapshot)."""
        return [] if self._feed is None else list(self._feed.promises)

    def __repr__(self) -> str:
        feed = self._feed
        if feed is None:
            return "<MessageSequence pending>"
        return f"<MessageSequence {len(feed.promises)} message(s), {feed.state}>"

    def _repr_mimebundle_(self, include=None, exclude=None):
        return _display_hook(self)


class _SequenceReader:
    __slots__ = ("_seq", "_i")

    def __init__(self, seq: MessageSequence) -> None:
        self._seq = seq
        self._i = 0

    def __aiter__(self) -> "_SequenceReader":
        return self

    async def __anext__(self) -> MessagePromise:
        seq = self._seq
        feed = seq._feed
        if feed is None:
            feed = await seq._feed_ready()
        while True:
            if seq._detached is not None:
                raise seq._detached.exception()
            promises = feed.promises
            i = self._i
            if i < len(promises):
                self._i = i + 1
                return promises[i]
            if feed.state is not OPEN:
                if feed.outcome is not None:
                    raise feed.outcome.exception()
                raise StopAsyncIteration
            await feed.changed()


def _plain_display(obj: Any) -> dict:
    return {"text/plain": repr(obj)}


_display_hook: Callable[[Any], Any] = _plain_display


def set_display_hook(hook: Callable[[Any], Any]) -> None:
    """Used by the notebook layer to render promises and sequences live."""
    global _display_hook
    _display_hook = hook


def rejected(cls: type, text: str, message: "Message | None", cause: BaseException | None) -> _Outcome:
    return _Outcome(cls, text, message, cause)


