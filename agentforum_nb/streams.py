"""Token streams, message promises and message sequences: what consumers read, and how the runtime writes it.

Every object here is a :class:`Signal`: the one small primitive that wakes whoever waits for a change, coroutines
(a future of their own running loop, made only when someone waits) and callbacks. On top of it:

* :class:`TokenStream`: chunks of text with one writer and any number of replaying readers, and an explicit
  terminal state (``DONE``, ``FAILED``, ``CANCELLED``);
* :class:`MessagePromise`: a token stream and the :class:`~agentforum_nb.Message` it becomes once stored; a forward
  of a message that is still streaming shares the original's stream object, so passing tokens through any number
  of agents costs nothing per token per level;
* :class:`Feed`: the growing list of promises behind a sequence, *sealed* once no promise will be added and
  *closed* once the run behind it ended (with a :class:`Failure` when it did not complete);
* :class:`MessageSequence`: a replayable view of a feed (a call's responses, an agent's requests).

Consumers use the public methods. The runtime writes through the functions at the bottom (``resolve``,
``reject``, ``bind``, ``detach``) and the writer methods of :class:`TokenStream` and :class:`Feed`; nothing
outside this module touches the private fields. Readers get a fresh exception object each time a failure is
raised, whose ``__cause__`` is the original exception.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Generator, Mapping
from time import perf_counter
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from .errors import AgentError, CallCancelled, InvalidMessageError, MessageNotFound, UsageError

if TYPE_CHECKING:  # pragma: no cover
    from .messages import Message

__all__ = [
    "CANCELLED",
    "DONE",
    "FAILED",
    "OPEN",
    "Failure",
    "Feed",
    "MessagePromise",
    "MessageSequence",
    "SequenceSource",
    "Signal",
    "TokenStream",
    "bind",
    "check_chunk",
    "detach",
    "pump",
    "reject",
    "resolve",
    "set_display_hook",
]

OPEN, DONE, FAILED, CANCELLED = "open", "done", "failed", "cancelled"
T = TypeVar("T")


class Signal:
    """Wakes what waits for a change of this object: coroutines awaiting :meth:`changed` (each with a future of
    its own running loop) and callbacks added with :meth:`listen` (called on every :meth:`notify` until removed).
    Both lists are made only when needed."""

    __slots__ = ("_futures", "_listeners")

    def __init__(self) -> None:
        self._futures: list[asyncio.Future[None]] | None = None
        self._listeners: list[Callable[[], None]] | None = None

    def notify(self) -> None:
        futures = self._futures
        if futures is not None:
            self._futures = None
            for fut in futures:
                if not fut.done():
                    try:
                        fut.set_result(None)
                    except RuntimeError:  # its loop is closed: nobody can be waiting on it any more
                        pass
        listeners = self._listeners
        if listeners:
            for cb in tuple(listeners):
                cb()

    def changed(self) -> asyncio.Future[None]:
        """A future of the running loop, done at the next :meth:`notify`."""
        fut = asyncio.get_running_loop().create_future()
        if self._futures is None:
            self._futures = [fut]
        else:
            self._futures.append(fut)
        return fut

    def listen(self, callback: Callable[[], None]) -> None:
        if self._listeners is None:
            self._listeners = [callback]
        else:
            self._listeners.append(callback)

    def unlisten(self, callback: Callable[[], None]) -> None:
        if self._listeners:
            try:
                self._listeners.remove(callback)
            except ValueError:
                pass


class Failure:
    """Why something did not complete, kept until somebody reads it: ``error`` is :class:`AgentError`,
    :class:`CallCancelled` or (a request that could not be placed) :class:`MessageNotFound`, ``message`` the stored
    message that carries it (an error message, or a cancelled or failed partial), ``cause`` the original exception,
    ``error_type`` the ``module.QualName`` to record, ``detail`` what the error message records as ``error_detail``
    (when known from another error message rather than from ``cause``)."""

    __slots__ = ("error", "text", "message", "cause", "error_type", "detail")

    def __init__(
        self,
        error: type[AgentError] | type[CallCancelled] | type[MessageNotFound],
        text: str,
        message: Message | None = None,
        cause: BaseException | None = None,
        error_type: str | None = None,
        detail: Any = None,
    ) -> None:
        self.error = error
        self.text = text
        self.message = message
        self.cause = cause
        self.error_type = error_type
        self.detail = detail  # more than the text says (a provider's error body), as recorded: a JSON value

    @property
    def cancelled(self) -> bool:
        return self.error is CallCancelled

    def exception(self) -> AgentError | CallCancelled | MessageNotFound:
        """A fresh exception for this failure (never the same object twice)."""
        exc: AgentError | CallCancelled | MessageNotFound
        cause = self.cause
        error = self.error
        if error is AgentError or error is CallCancelled:
            exc = error(self.text, self.message)
        elif isinstance(cause, MessageNotFound):  # a request that could not be placed: the message is not here
            exc = MessageNotFound(cause.message_id, cause.detail)
        else:
            exc = MessageNotFound(None, self.text)
        exc.__cause__ = cause
        return exc

    def with_message(self, message: Message | None) -> Failure:
        return Failure(self.error, self.text, message, self.cause, self.error_type, self.detail)

    def __repr__(self) -> str:
        return f"<Failure {self.error.__name__}: {self.text[:60]!r}>"


class TokenStream(Signal):
    """Chunks of text with one writer and many replaying readers. ``push`` appends, ``close`` ends it once.
    ``first_at`` / ``closed_at``: ``time.perf_counter()`` of the first chunk and of the end (0.0 until then)."""

    __slots__ = ("chunks", "state", "error", "first_at", "closed_at")

    def __init__(self, chunks: tuple[str, ...] | list[str] | None = None, state: str = OPEN) -> None:
        self._futures = self._listeners = None  # Signal's fields, set here: one call less on a hot path
        self.chunks: list[str] | tuple[str, ...] = [] if chunks is None else chunks
        self.state = state
        self.error: BaseException | None = None
        self.first_at = self.closed_at = 0.0

    @classmethod
    def complete(cls, text: str) -> TokenStream:
        return cls((text,) if text else (), DONE)

    def text(self) -> str:
        return "".join(self.chunks)

    def push(self, chunk: str) -> None:
        if self.state is not OPEN:
            return  # closed (e.g. cancelled): late chunks are not part of the message
        if not self.chunks:
            self.first_at = perf_counter()
        self.chunks.append(chunk)  # type: ignore[union-attr]
        if self._futures is not None:
            self.notify()

    def close(self, state: str = DONE, error: BaseException | None = None) -> None:
        if self.state is not OPEN:
            return
        self.state = state
        self.error = error
        self.closed_at = perf_counter()
        self.chunks = tuple(self.chunks)  # final: a tuple of str is not tracked by the garbage collector
        if self._futures is not None or self._listeners:
            self.notify()

    async def wait_closed(self) -> None:
        while self.state is OPEN:
            await self.changed()

    def __aiter__(self) -> _ChunkReader:
        return _ChunkReader(self)


class _ChunkReader:
    __slots__ = ("_stream", "_i")

    def __init__(self, stream: TokenStream) -> None:
        self._stream = stream
        self._i = 0

    def __aiter__(self) -> _ChunkReader:
        return self

    async def __anext__(self) -> str:
        s = self._stream
        while True:
            i = self._i
            if i < len(s.chunks):
                self._i = i + 1
                return s.chunks[i]
            if s.state is not OPEN:
                raise StopAsyncIteration
            await s.changed()


class MessagePromise(Signal):
    """A message that may still be streaming. ``await p`` gives the stored :class:`~agentforum_nb.Message`;
    ``async for token in p`` gives its text chunks as produced (every consumer from the first chunk).

    ``sender`` is who responds with it, ``author`` who wrote the text (for a forward, the original's author),
    ``kind`` is ``"message"`` or ``"forward"``.
    """

    __slots__ = ("sender", "kind", "author", "_stream", "_chunks", "_message", "_failure", "_live", "__weakref__")

    def __init__(
        self, stream: TokenStream | None, sender: str, kind: str = "message", author: str | None = None
    ) -> None:
        self._futures = self._listeners = None  # Signal's fields, set here: one call less on a hot path
        self.sender = sender
        self.kind = kind
        self.author = sender if author is None else author
        self._stream = stream
        self._chunks: tuple[str, ...] = ()  # the whole text, when there is no stream object yet
        self._message: Message | None = None
        self._failure: Failure | None = None
        self._live: Callable[[], Mapping[str, Any]] | None = None

    @classmethod
    def resolved(cls, message: Message, chunks: tuple[str, ...] | None = None) -> MessagePromise:
        """A promise that is already settled with a stored message (replaying ``chunks`` when given)."""
        p = cls(None, message.sender, message.kind)
        p._chunks = chunks if chunks else ((message.content,) if message.content else ())
        p._message = message
        return p

    @classmethod
    def complete(cls, text: str, sender: str) -> MessagePromise:
        """A promise of a message whose text is all there (stored later)."""
        p = cls(None, sender)
        p._chunks = (text,) if text else ()
        return p

    @property
    def stream(self) -> TokenStream:
        """The token stream (shared by forwards of this message), made on first use for a text known whole."""
        s = self._stream
        if s is None:
            s = self._stream = TokenStream(self._chunks, DONE)
        return s

    def done(self) -> bool:
        """True once the message is stored (or the run failed or was cancelled)."""
        return self._message is not None or self._failure is not None

    @property
    def message(self) -> Message | None:
        """The stored message, or ``None`` while it is not (yet) complete."""
        return self._message

    @property
    def failure(self) -> Failure | None:
        """Why this promise did not complete (``None`` while running or once complete)."""
        return self._failure

    def settled_message(self) -> Message | None:
        """The stored message once settled: the complete one, or the partial of a cancelled or failed one."""
        if self._message is not None:
            return self._message
        return None if self._failure is None else self._failure.message

    def timing(self) -> tuple[int, float, float]:
        """``(chunks, first_at, closed_at)`` of the text (``perf_counter`` times; 0.0 for a text given whole)."""
        s = self._stream
        if s is None:
            return len(self._chunks), 0.0, 0.0
        return len(s.chunks), s.first_at, s.closed_at

    @property
    def text(self) -> str:
        """The text streamed so far."""
        s = self._stream
        return "".join(self._chunks) if s is None else s.text()

    def watch_live(self, report: Callable[[], Mapping[str, Any]]) -> None:
        """Set what :meth:`live_annotations` asks: the producer's report of what it knows while it streams."""
        self._live = report

    def live_annotations(self) -> Mapping[str, Any]:
        """What is known about the message while it streams, before its annotations are stored (a model's
        ``reasoning`` so far); empty once it is settled, or when its producer reports nothing."""
        report = self._live
        if report is None or self.done():
            return {}
        try:
            return report()
        except Exception:  # a report is a view of a stream's state: a faulty one must not break a widget's flush
            logging.getLogger("agentforum_nb").exception("agentforum_nb: a stream's live annotations could not be read")
            return {}

    @property
    def streaming(self) -> bool:
        s = self._stream
        return s is not None and s.state is OPEN

    def result(self) -> Message:
        """The stored message now; raises if it failed, :class:`UsageError` if it is not done yet."""
        if self._message is not None:
            return self._message
        if self._failure is not None:
            raise self._failure.exception()
        raise UsageError("this message is not complete yet: `await` the promise (or use af.run_sync(promise))")

    async def _wait(self) -> Message:
        while self._message is None and self._failure is None:
            await self.changed()
        return self.result()

    def __await__(self) -> Generator[Any, None, Message]:
        if self._message is not None:  # settled: no coroutine object at all
            return _ready(self._message)
        return self._wait().__await__()

    def __aiter__(self) -> AsyncIterator[str]:
        return _TokenReader(self)

    async def parse(self, type_: type[T] | Any) -> T:
        """The message's content as JSON validated for ``type_`` (any type pydantic validates); pydantic's
        ``ValidationError`` when it is not."""
        import pydantic

        message = await self
        result: T = pydantic.TypeAdapter(type_).validate_json(message.content)
        return result

    def __repr__(self) -> str:
        if self._message is not None:
            return f"<MessagePromise {self._message!r}>"
        state = "failed" if self._failure is not None else "streaming"
        text = self.text
        snippet = text if len(text) <= 30 else text[:27] + "..."
        return f"<MessagePromise {state} {self.sender}: {snippet!r}>"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> Any:
        return _display_hook(self)


def _ready(value: T) -> Generator[Any, None, T]:
    """An awaitable's iterator that returns ``value`` at once (no coroutine object for a settled promise)."""
    yield from ()
    return value


class _TokenReader(_ChunkReader):
    """Tokens of a promise; at the end of a failed or cancelled stream, raises the promise's error."""

    __slots__ = ("_promise",)

    def __init__(self, promise: MessagePromise) -> None:
        _ChunkReader.__init__(self, promise.stream)
        self._promise = promise

    async def __anext__(self) -> str:
        s = self._stream
        while True:
            i = self._i
            if i < len(s.chunks):
                self._i = i + 1
                return s.chunks[i]
            if s.state is not OPEN:
                if s.state is not DONE:
                    await self._promise._wait()  # raises CallCancelled / AgentError with the stored partial
                raise StopAsyncIteration
            await s.changed()


class Feed(Signal):
    """The growing list of promises behind :class:`MessageSequence` views.

    ``sealed``: no promise will be added (a run whose function returned and whose nested sequences are sealed);
    ``state`` leaves ``OPEN`` when the run behind it ended, with a :class:`Failure` unless it completed.
    """

    __slots__ = ("promises", "state", "failure", "sealed")

    def __init__(self) -> None:
        self._futures = self._listeners = None  # Signal's fields, set here: one call less on a hot path
        self.promises: list[MessagePromise] = []
        self.state = OPEN
        self.failure: Failure | None = None
        self.sealed = False

    @classmethod
    def of(cls, promises: list[MessagePromise]) -> Feed:
        feed = cls()
        feed.promises = promises
        feed.state = DONE
        feed.sealed = True
        return feed

    @classmethod
    def failed(cls, failure: Failure) -> Feed:
        feed = cls()
        feed.close(CANCELLED if failure.cancelled else FAILED, failure)
        return feed

    def append(self, promise: MessagePromise) -> None:
        self.promises.append(promise)
        if self._futures is not None or self._listeners:
            self.notify()

    def seal(self) -> None:
        if not self.sealed:
            self.sealed = True
            self.notify()

    def close(self, state: str = DONE, failure: Failure | None = None) -> None:
        if self.state is not OPEN:
            return
        self.state = state
        self.failure = failure
        self.sealed = True
        if self._futures is not None or self._listeners:
            self.notify()


class AnnotatingStream(Protocol):
    """A streamed response that can say something about itself once it has ended (a model agent's token stream:
    its model, usage, finish reason): the chain stores ``stream_annotations()`` with the message."""

    def stream_annotations(self) -> Mapping[str, Any]: ...


class SequenceSource(Protocol):
    """What produces a sequence's feed (an :class:`~agentforum_nb.AgentCall`): started when the sequence is
    first read, and told when a reader cancels."""

    def start(self) -> None: ...

    def cancel(self) -> None: ...


class MessageSequence(Signal):
    """A replayable, growing sequence of :class:`MessagePromise` (an agent's responses or requests).

    ``async for p in seq`` yields promises as their messages start; ``await seq`` gives a tuple of messages;
    ``seq.cancel()`` cancels the call behind it (or detaches this caller from a shared run).
    """

    __slots__ = ("_feed", "_source", "_detached", "__weakref__")

    def __init__(self, feed: Feed | None = None, source: SequenceSource | None = None) -> None:
        self._futures = self._listeners = None  # Signal's fields, set here: one call less on a hot path
        self._feed = feed
        self._source = source
        self._detached: Failure | None = None

    @classmethod
    def of(cls, items: list[Message]) -> MessageSequence:
        """A finished sequence of stored messages."""
        return cls(Feed.of([MessagePromise.resolved(m) for m in items]))

    @property
    def feed(self) -> Feed | None:
        """The feed this view reads (``None`` until the call behind it knows where its responses come from)."""
        return self._feed

    @property
    def failure(self) -> Failure | None:
        """Why this sequence ended without completing (this caller detached, or the run failed or was cancelled)."""
        if self._detached is not None:
            return self._detached
        return None if self._feed is None else self._feed.failure

    def start(self) -> None:
        """Start the call behind this sequence if it has not started (on the running loop)."""
        if self._feed is None and self._source is not None:
            self._source.start()

    async def feed_ready(self) -> Feed:
        """The feed, once bound (starting the call behind it if needed); raises if this caller detached first."""
        self.start()
        while self._feed is None:
            if self._detached is not None:
                raise self._detached.exception()
            await self.changed()
        return self._feed

    def __aiter__(self) -> AsyncIterator[MessagePromise]:
        return _SequenceReader(self)

    async def _gather(self) -> tuple[Message, ...]:
        out = []
        reader = _SequenceReader(self)
        async for p in reader:
            try:
                out.append(await p)
            except (AgentError, CallCancelled):
                # a message that did not complete ends its run too: raise what the sequence ends with (for a
                # failed stream, AgentError carrying the run's error message, as iterating gives)
                async for _ in reader:
                    pass
                raise
        return tuple(out)

    def __await__(self) -> Generator[Any, None, tuple[Message, ...]]:
        return self._gather().__await__()

    async def text(self) -> str:
        """The contents of all messages joined with blank lines."""
        return "\n\n".join(m.content for m in await self)

    async def parse(self, type_: type[T] | Any) -> T:
        """The last message's content as JSON validated for ``type_`` (see :meth:`MessagePromise.parse`)."""
        import pydantic

        result: T = pydantic.TypeAdapter(type_).validate_json((await self.last()).content)
        return result

    async def last(self) -> Message:
        """The last message (raises :class:`UsageError` for an empty sequence)."""
        messages = await self
        if not messages:
            raise UsageError("this sequence has no messages")
        return messages[-1]

    def cancel(self) -> None:
        """Cancel the call behind this sequence (idempotent). On a shared run, detach only this caller."""
        if self._source is not None:
            self._source.cancel()

    def done(self) -> bool:
        """True once every message is stored (or the call failed or was cancelled)."""
        if self._detached is not None:
            return True
        feed = self._feed
        if feed is None or feed.state is OPEN:
            return False
        return all(p._message is not None or p._failure is not None for p in feed.promises)

    def settled_message(self) -> Message | None:
        """The last message once the sequence has ended (the partial of a cancelled or failed one too)."""
        feed = self._feed
        if feed is None or feed.state is OPEN or not feed.promises:
            return None
        return feed.promises[-1].settled_message()

    @property
    def promises(self) -> list[MessagePromise]:
        """The promises known so far (a snapshot)."""
        return [] if self._feed is None else list(self._feed.promises)

    def __repr__(self) -> str:
        feed = self._feed
        if feed is None:
            return "<MessageSequence pending>"
        return f"<MessageSequence {len(feed.promises)} message(s), {feed.state}>"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> Any:
        return _display_hook(self)


class _SequenceReader:
    __slots__ = ("_seq", "_i")

    def __init__(self, seq: MessageSequence) -> None:
        self._seq = seq
        self._i = 0

    def __aiter__(self) -> _SequenceReader:
        return self

    async def __anext__(self) -> MessagePromise:
        seq = self._seq
        feed = seq._feed
        if feed is None:
            feed = await seq.feed_ready()
        while True:
            if seq._detached is not None:
                raise seq._detached.exception()
            promises = feed.promises
            i = self._i
            if i < len(promises):
                self._i = i + 1
                return promises[i]
            if feed.state is not OPEN:
                if feed.failure is not None:
                    raise feed.failure.exception()
                raise StopAsyncIteration
            await feed.changed()


def check_chunk(chunk: Any, what: str) -> str:
    """A streamed chunk must be a ``str`` (one rule for requests and responses: otherwise the content is invalid)."""
    if type(chunk) is str:
        return chunk
    if isinstance(chunk, str):
        return str.__str__(chunk)
    raise InvalidMessageError(f"{what} must yield str chunks, got {type(chunk).__name__}", key="content")


async def pump(stream: TokenStream, chunks: AsyncIterator[Any], what: str) -> None:
    """Push every chunk of ``chunks`` into ``stream``, then close it: ``DONE``; ``FAILED`` with the exception when
    the iterator raised or gave something that is not text; ``CANCELLED`` when cancelled (re-raised). An iterator
    that did not finish is closed (``aclose()``: e.g. an HTTP response is closed)."""
    try:
        async for chunk in chunks:
            if type(chunk) is not str:
                chunk = check_chunk(chunk, what)
            stream.push(chunk)
    except asyncio.CancelledError:
        stream.close(CANCELLED)
        raise
    except Exception as exc:
        stream.close(FAILED, exc)
    else:
        stream.close(DONE)
    finally:
        if stream.state is not DONE:
            aclose = getattr(chunks, "aclose", None)
            if aclose is not None:
                try:
                    await aclose()
                except Exception:
                    logging.getLogger("agentforum_nb").exception("agentforum_nb: closing a stream failed")


# -- the runtime's writer API -------------------------------------------------------------------------------------
def resolve(promise: MessagePromise, message: Message) -> None:
    """Settle ``promise`` with its stored message."""
    promise._message = message
    if promise._futures is not None or promise._listeners:
        promise.notify()
        promise._listeners = None  # settled once: nothing more to tell


def reject(promise: MessagePromise, failure: Failure) -> None:
    """Settle ``promise`` with a failure (``failure.message``: its stored partial message, if any)."""
    promise._failure = failure
    if promise._futures is not None or promise._listeners:
        promise.notify()
        promise._listeners = None


def bind(seq: MessageSequence, feed: Feed) -> None:
    """Point ``seq`` at the feed its responses come from."""
    seq._feed = feed
    if seq._futures is not None or seq._listeners:
        seq.notify()


def detach(seq: MessageSequence, failure: Failure) -> None:
    """End ``seq`` for its readers with ``failure`` (a caller that cancelled), whatever its feed does next."""
    if seq._detached is None:
        seq._detached = failure
        seq.notify()
        if seq._feed is not None:
            seq._feed.notify()  # wake readers waiting on the feed


def source_of(seq: MessageSequence) -> SequenceSource | None:
    """The call behind ``seq``, if any."""
    return seq._source


def release_source(seq: MessageSequence) -> None:
    """Forget the call behind a finished sequence, so the sequence does not keep the call alive."""
    seq._source = None


def _plain_display(obj: Any) -> dict[str, str]:
    return {"text/plain": repr(obj)}


_display_hook: Callable[[Any], Any] = _plain_display


def set_display_hook(hook: Callable[[Any], Any]) -> None:
    """Used by the notebook layer to render promises and sequences live."""
    global _display_hook
    _display_hook = hook
