"""Agent calls: :class:`AgentCall` (the caller's handle), the run behind it, and :class:`Context` (the agent's ``ctx``).

A call places its requests (:mod:`~agentforum_nb.placement`), then serves its responses from the cache, shares an
identical call's live run, or runs the agent function, whose responses form a chain (:mod:`~agentforum_nb.chain`).
Each call owns one :class:`~agentforum_nb.scope.Scope`, a child of the calling agent's call (or of its forum's
:class:`~agentforum_nb.scope.Host`), which is the only owner of every task the call starts: the function, the
pumps of streamed responses, and the placement task when a request has to be awaited. Cancelling a call cancels
its scope, hence every call its agent started; ``forum.aclose()`` cancels the host's. A call that is at hand (its
start and requests need no waiting: the usual case) places its requests and looks up the cache synchronously; the
agent function itself always starts as a task, at the loop's next task switch.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from . import telemetry
from ._canonical import EMPTY, ENCODE_ERRORS, FrozenDict, freeze_metadata, metadata_json, thaw
from .attachments import check_attachments
from .cache import cache_key
from .chain import Chain, error_text_of, error_type_of, safe_text
from .errors import AgentError, AgentForumError, CallCancelled, InvalidMessageError, MessageNotFound, UsageError
from .forum import SENDER, Forum, ForumEvent, default_forum
from .messages import NO_ATTACHMENTS, Message
from .placement import SEQUENCE, TEXT, UNSET, Item, Placement, at_hand, classify
from .scope import Host, Scope
from .streams import Failure, Feed, MessagePromise, MessageSequence, Signal, bind, detach, release_source

if TYPE_CHECKING:  # pragma: no cover
    from .agents import Agent

__all__ = ["AgentCall", "Context", "current_run", "host_of", "running_calls"]

log = logging.getLogger("agentforum_nb")
_RUN: contextvars.ContextVar[_Run | None] = contextvars.ContextVar("agentforum_nb.run", default=None)


def current_run() -> _Run | None:
    """The run whose agent code is executing here (``None`` at top level)."""
    return _RUN.get()


def host_of(forum: Forum) -> Host:
    """The root scope of ``forum``'s calls."""
    return forum.service(Host, Host)


def running_calls(forum: Forum) -> list[AgentCall]:
    """The top-level calls of ``forum`` that have not finished (for a widget's "stop")."""
    host = forum.service(Host, Host)
    out = []
    for scope in list(host.children or ()):
        call = scope.owner
        if isinstance(call, AgentCall) and not call.done():
            out.append(call)
    return out


class Context:
    """What an agent function receives as ``ctx``: ``requests`` (a :class:`MessageSequence`), ``forum``, ``agent``
    and ``kwargs``; :meth:`respond` and :meth:`history`."""

    __slots__ = ("_run", "_requests", "forum", "agent", "kwargs", "sample")

    def __init__(self, run: _Run) -> None:
        call = run.call
        self._run = run
        self._requests: MessageSequence | None = None
        self.forum = call.forum
        self.agent = call.agent
        self.kwargs = call.kwargs
        self.sample: int = call.sample  # which answer this call is (0, or the sample= it was asked for)

    @property
    def requests(self) -> MessageSequence:
        """The call's requests, as they are placed (a :class:`MessageSequence` of their promises)."""
        seq = self._requests
        if seq is None:
            seq = self._requests = MessageSequence(self._run.call.placement.requests)
        return seq

    def respond(self, item: Any, *, reply_to: Any = None, metadata: Any = None, attachments: Any = None) -> None:
        """Append a response: a ``str``, ``Message``, ``MessagePromise``, ``MessageSequence``, an async iterator
        of ``str`` (a streamed message), or a list of these.

        Never blocks; responses keep the order of ``respond`` calls. A ``Message`` or promise is recorded as a
        forward (with its original's attachments); another agent's sequence is passed through while it streams.
        ``attachments`` (:class:`~agentforum_nb.Attachment` objects) go with a text response (a ``str``).
        """
        run = self._run
        if reply_to is None and metadata is None and attachments is None and not run.chain.function_done:
            run.chain.respond(item, None, None)  # the common case, without the checks below
        else:
            run.respond(item, reply_to, metadata, attachments=attachments)

    async def ask(
        self, question: str, *, choices: list[str] | None = None, metadata: Mapping[str, Any] | None = None
    ) -> Message:
        """Ask the user: ``question`` is recorded as this agent's next response (``metadata["choices"]`` when
        given, with ``metadata``'s other keys: JSON values that tell what the question is about, e.g. the tool
        call a tool approval asks about), then this waits for the answer, a message with sender ``"user"`` stored
        as a child of the question (``forum.post(text, parent=question)``, or a widget's input box), and returns
        it. Later responses go under the answer. A question that already has user answers (a re-run asks the same
        question: it is the same message) returns the latest at once. While waiting the question is annotated
        ``awaiting: "user"`` and listed by ``forum.questions()``. A run that asked is not cached."""
        if not isinstance(question, str):
            raise UsageError(f"ask() needs the question as a str, not {type(question).__name__}")
        if choices is not None and (
            not isinstance(choices, (list, tuple)) or not all(isinstance(c, str) for c in choices)
        ):
            raise UsageError(f"choices must be a list of str, not {choices!r:.80}")
        if metadata is not None and not isinstance(metadata, Mapping):
            raise InvalidMessageError(
                f"metadata must be a dict of JSON values, not {type(metadata).__name__}", key="metadata"
            )
        if metadata is not None and "choices" in metadata:
            raise UsageError("ask(): pass the choices as choices=[...], not in metadata")
        fields = {**(metadata or {}), **({"choices": list(choices)} if choices else {})}
        run = self._run
        run.asked = True
        frozen = freeze_metadata(fields)[0] if fields else None
        promise = run.chain.respond_text(question, frozen)
        if promise is None:
            raise asyncio.CancelledError  # the run is over: this function is being cancelled
        asked = await promise
        answer = _latest_answer(self.forum, asked)
        if answer is None:
            answer = await _wait_for_answer(self.forum, asked)
        run.chain.continue_from(answer)
        return answer

    async def history(self, *, responses: bool = False) -> list[Message]:
        """The branch up to and including the last request (waits until the requests are placed); with
        ``responses=True``, then this run's responses so far too (waits until they are stored)."""
        placement = self._run.call.placement
        while not placement.complete:
            await placement.requests.changed()
        if responses:
            chain = self._run.chain
            promises = chain.feed.promises
            if promises:
                await promises[-1]  # stored in order: the last one stored means every one is
            if chain.parent is not UNSET and chain.parent is not None:
                return self.forum.history(chain.parent)
        anchor = placement.anchor
        return [] if anchor is None else self.forum.history(anchor.id)

    def respond_as(self, sender: str, item: Any, *, metadata: Any = None) -> None:
        """Respond with ``item`` on behalf of ``sender`` (a tool's result: the library's model agents record tool
        results this way); otherwise as :meth:`respond`."""
        if not isinstance(sender, str) or not sender or sender == "user":
            raise UsageError(f"respond_as needs a sender name other than 'user', not {sender!r}")
        self._run.respond(item, None, metadata, sender)

    def __repr__(self) -> str:
        return f"<Context of {self.agent.name!r}>"


def _latest_answer(forum: Forum, question: Message) -> Message | None:
    answers = [m for m in forum.children(question) if m.sender == "user"]
    return answers[-1] if answers else None


async def _wait_for_answer(forum: Forum, question: Message) -> Message:
    """Wait for a user's message under ``question`` (posted here, or seen by ``forum.refresh()``)."""
    loop = asyncio.get_running_loop()
    answered: asyncio.Future[Message] = loop.create_future()

    def listen(ev: ForumEvent) -> None:
        m = ev.message
        if (
            ev.kind == "message"
            and m is not None
            and m.parent_id == question.id
            and m.sender == "user"
            and not answered.done()
        ):
            answered.set_result(m)

    unsubscribe = forum.subscribe(listen)
    host = forum.service(Host, Host)
    host.questions[question.id] = question
    try:
        forum.write_annotations(question, {"awaiting": "user"})
        late = _latest_answer(forum, question)  # answered between the check and the subscription
        return late if late is not None else await answered
    finally:
        unsubscribe()
        host.questions.pop(question.id, None)
        if not forum.closed:
            forum.write_annotations(question, {"awaiting": None})


def _enter_run(run: _Run) -> None:
    _RUN.set(run)
    SENDER.set(run.call.agent.name)


class _Run:
    """One execution of an agent function: its task and its response chain. Callers sharing it (identical calls
    made while it runs) are ``sharers``; it is cancelled when the last of them cancels."""

    __slots__ = ("call", "chain", "key", "sharers", "ended", "asked", "span")

    def __init__(self, call: AgentCall, key: str | None) -> None:
        self.call = call
        self.chain = Chain(call.forum, call.agent.name, self)
        self.chain.sample = call.sample
        self.key = key
        self.sharers = 1
        self.ended = False
        self.asked = False  # the function asked the user: its answers come from the user, so it is not cached
        self.span: Any = None  # its OpenTelemetry span (af.instrument), ended when its call's scope finishes

    def start(self) -> None:
        """Start the agent function as a task (it runs at the loop's next task switch, in a copy of the caller's
        context, where it names itself as the current run and sender)."""
        if not self.call.scope.spawn(self._execute(), contextvars.copy_context()):
            self.chain.cancel()  # the call's scope was cancelled meanwhile

    async def _execute(self) -> None:
        call = self.call
        chain = self.chain
        _RUN.set(self)
        SENDER.set(call.agent.name)
        if telemetry.ON:
            self.span = telemetry.run_started(call.agent, call.sample)
        try:
            if call.kwargs:
                result = await call.agent.fn(Context(self), **thaw(call.kwargs))
            else:
                result = await call.agent.fn(Context(self))
            if result is not None:
                self.respond(result, None, None)
        except BaseException as exc:
            if isinstance(exc, Exception):
                chain.fail(exc)  # an error message; raised to every consumer
            elif not chain.ending:
                chain.cancel()  # cancelled from outside (e.g. the loop shutting down): as if cancel() was called
            if not isinstance(exc, Exception):
                raise
        finally:
            chain.function_returned()

    def respond(
        self, item: Any, reply_to: Any, metadata: Any, sender: str | None = None, attachments: Any = None
    ) -> None:
        chain = self.chain
        if chain.function_done:
            raise UsageError(
                f"{self.call.agent.name}: respond() after the agent function returned; respond before "
                f"returning (a response may be an async iterator or a promise that is still running)"
            )
        frozen: FrozenDict | None = None
        if metadata is not None:
            frozen = freeze_metadata(metadata)[0]
        refs = NO_ATTACHMENTS
        if attachments is not None:
            if not isinstance(item, str):
                raise UsageError(
                    f"{self.call.agent.name}: attachments= goes with a text response (a str), not "
                    f"{type(item).__name__}; respond with the text and its attachments together"
                )
            refs = check_attachments(attachments)
            item = str.__str__(item)  # the text itself (a str subclass would be classified as something else)
        if reply_to is not None and type(reply_to) is not MessagePromise:
            reply_to = self.call.forum.resolve(reply_to, "reply_to")
        chain.respond(item, reply_to, frozen, sender, refs)

    # -- ChainOwner -----------------------------------------------------------------------------------------------
    def spawn(self, coro: Any) -> None:
        ctx = contextvars.copy_context()  # the caller's (the agent's code, as a rule), naming this run in any case
        ctx.run(_enter_run, self)
        self.call.scope.spawn(coro, ctx)

    def stop(self) -> None:
        self.call.scope.cancel()

    def chain_ended(self, chain: Chain) -> None:
        self.ended = True
        call = self.call
        cache = call.forum.response_cache
        key = self.key
        if key is not None:
            try:
                if chain.feed.state == "done" and not call.forum.closed and not self.asked:
                    cache.put(key, call.agent.name, *chain.stored())
            finally:
                cache.end(key, self)
        call.scope.done_working()

    # -- sharing ----------------------------------------------------------------------------------------------------
    def join(self) -> None:
        self.sharers += 1

    def leave(self) -> None:
        self.sharers -= 1
        if self.sharers <= 0:
            self.cancel()

    def cancel(self) -> None:
        chain = self.chain
        if chain.parent is UNSET and self.call.placement.tip is not UNSET:
            chain.set_parent(self.call.placement.anchor)  # full duplex: answer under what is placed so far
        chain.cancel()
        self.call.scope.cancel()


_NEW, _STARTED = 0, 1


class AgentCall:
    """A call to an agent: send requests, finish, read the responses. Returned by ``agent.call()``."""

    agent: Agent
    forum: Forum
    kwargs: FrozenDict
    sender: str
    cache: bool
    parent: _Run | None
    scope: Scope
    placement: Placement
    responses: MessageSequence
    sample: int

    __slots__ = (
        "agent",
        "forum",
        "kwargs",
        "sender",
        "cache",
        "parent",
        "scope",
        "placement",
        "_branch",
        "_pending",
        "_finished",
        "_wakeup",
        "responses",
        "_run",
        "_shared",
        "_state",
        "_cancelled",
        "cache_hit",
        "sample",
        "__weakref__",
    )

    def __init__(
        self,
        agent: Agent,
        *,
        forum: Forum | None,
        branch: Any,
        cache: bool | None,
        kwargs: dict[str, Any],
        sample: int = 0,
        _autostart: bool = True,
    ) -> None:
        parent = _RUN.get()
        if type(sample) is not int or sample < 0:
            raise UsageError(f"sample must be an int >= 0 (0: the first answer), not {sample!r}")
        if forum is None:
            forum = parent.call.forum if parent is not None else default_forum()
        elif not isinstance(forum, Forum):
            raise UsageError(f"forum must be an af.Forum, not {type(forum).__name__}")
        forum.check_open()
        if cache is not None and type(cache) is not bool:
            raise UsageError(f"cache must be True, False or None, not {cache!r}")
        self.agent = agent
        self.forum = forum
        self.kwargs = _check_kwargs(kwargs) if kwargs else EMPTY
        self.sender = SENDER.get()
        self.cache = forum.response_cache.enabled and (agent.cache if cache is None else cache)
        self.sample = sample
        self.parent = parent
        if branch is not None and type(branch) is not MessagePromise and type(branch) is not MessageSequence:
            branch = forum.resolve(branch, "branch")  # an unknown id: MessageNotFound now, not later
        self._branch = branch
        if parent is not None:
            scope_parent: Scope = parent.call.scope
        else:
            host = forum.service(Host, Host)
            if host.closing:
                raise UsageError("this forum is closing (aclose() was called); open a new Forum to go on")
            scope_parent = host
        self.scope = Scope(scope_parent, self)
        self.placement = Placement(forum, self.sender)
        self._pending: list[Item] = []
        self._finished = False
        self._wakeup: Signal | None = None
        self.responses = MessageSequence(None, self)
        self._run: _Run | None = None
        self._shared: _Run | None = None
        self._state = _NEW
        self._cancelled = False
        self.cache_hit = False
        if self.scope.cancelled:  # made inside a cancelled agent: cancelled from the start
            self.cancel()
        elif _autostart:
            self.start()

    # -- the public handle ------------------------------------------------------------------------------------------
    def send(self, *requests: Any) -> AgentCall:
        """Queue requests (str, Message, promise, sequence, async iterator of str, or lists). Chainable."""
        if self._finished:
            raise UsageError(
                "send() after finish(): this call's requests are closed; start a new call with "
                "agent.call(branch=...) to continue the conversation"
            )
        pending = self._pending
        for r in requests:
            if type(r) is str:
                _check_text(r)
                pending.append((TEXT, r))
            else:
                for item in classify(r, "a request"):
                    if item[0] is TEXT:
                        _check_text(item[1])
                    pending.append(item)
        if self._wakeup is not None:
            self._wakeup.notify()
        return self

    def finish(self) -> MessageSequence:
        """Close the requests; returns the responses (a :class:`MessageSequence`)."""
        self._finished = True
        if self._wakeup is not None:
            self._wakeup.notify()
        return self.responses

    def cancel(self) -> None:
        """Cancel this call (idempotent): its run stops (unless another caller still shares it), and with it every
        call its agent started; a message being streamed is stored as cancelled."""
        if self._cancelled:
            self.scope.cancel()  # e.g. calls its agent started that are still running after it finished
            return
        self._cancelled = True
        shared = self._shared
        if shared is not None:  # sharing another call's run: detach this caller only
            self._detach()
            self.scope.cancel()
            self.scope.done_working()
            shared.leave()
            return
        run = self._run
        if run is not None and run.sharers > 1:  # others share this call's run: it goes on for them
            self._detach()
            run.leave()
            return
        failure = Failure(CallCancelled, f"the call to {self.agent.name!r} was cancelled")
        if not self.placement.complete:
            self.placement.fail(failure)
        if run is not None:
            run.cancel()
            return
        if self.responses.feed is None:
            bind(self.responses, Feed.failed(failure))
        self.scope.cancel()
        self.scope.done_working()

    def done(self) -> bool:
        """True when every response is stored (or the call failed or was cancelled)."""
        return self.responses.done()

    def start(self) -> None:
        """Start the call on the running loop if it has not started (calls start by themselves once a loop runs;
        a call made with no running loop starts when its responses are first awaited or iterated)."""
        if self._state is not _NEW or self._cancelled:
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        self._state = _STARTED
        if not self.cache:  # full duplex: the agent starts at once, its responses get ids once placed
            run = self._new_run(None)
            if self._finished and self._at_hand():
                if self._place_now():
                    run.chain.set_parent(self.placement.anchor)
                else:
                    return
                run.start()
            else:
                run.start()
                self.scope.spawn(self._place_later(run), contextvars.copy_context())
            return
        if self._finished and self._at_hand():
            if self._place_now():
                self._serve()
        else:
            self.scope.spawn(self._place_later(None), contextvars.copy_context())

    @property
    def anchor(self) -> Message | None:
        """Where the responses go: the last request, or the tip when there are none (None: new roots)."""
        return self.placement.anchor

    def placed_requests(self) -> MessageSequence:
        """The requests as this call places them (a sequence that completes once they are all placed): other
        calls can be sent these to answer the very same branch (``agent.samples()`` does)."""
        return MessageSequence(self.placement.requests)

    def __repr__(self) -> str:
        state = "done" if self.done() else "running"
        return f"<AgentCall {self.agent.name!r} {state}>"

    # -- placing ----------------------------------------------------------------------------------------------------
    def _at_hand(self) -> bool:
        """Can the start and every queued request be placed without awaiting anything?"""
        branch = self._branch
        if branch is None:
            parent = self.parent
            if parent is not None and parent.call.forum is self.forum and not parent.call.placement.complete:
                return False
        elif type(branch) is MessagePromise:
            if branch.message is None:
                return False
        elif type(branch) is MessageSequence and (not at_hand(SEQUENCE, branch) or not branch.feed.promises):  # type: ignore[union-attr]
            return False
        return all(kind is TEXT or at_hand(kind, value) for kind, value in self._pending)

    def _start_at(self) -> None:
        branch = self._branch
        if branch is None:
            parent = self.parent
            tip = parent.call.placement.anchor if parent is not None and parent.call.forum is self.forum else None
        elif type(branch) is Message:
            tip = branch
        else:
            settled = branch.settled_message()
            if settled is None:
                raise UsageError("branch= is an empty sequence: there is no message to continue from")
            tip = self.forum.resolve(settled, "branch")
        self.placement.start(tip)

    def _place_now(self) -> bool:
        """Place everything synchronously; False (and the call failed) if something could not be placed."""
        placement = self.placement
        try:
            self._start_at()
            pending = self._pending
            if pending:
                last = len(pending) - 1
                for i, (kind, value) in enumerate(pending):
                    if i == last and kind is TEXT:  # the anchor: recorded with the call in the same write
                        placement.place_text(value, {"calls": [self._call_entry()]})
                    else:
                        placement.place_now(kind, value)
                pending.clear()
        except Exception as exc:
            self._placement_failed(exc)
            return False
        placement.finish()
        if not placement.noted:
            self._record_call()
        return True

    async def _place_later(self, run: _Run | None) -> None:
        """The placement task: wait for what the start depends on, then place each request as it comes."""
        placement = self.placement
        try:
            branch = self._branch
            if branch is None:
                parent = self.parent
                if parent is not None and parent.call.forum is self.forum:
                    requests = parent.call.placement.requests
                    while not parent.call.placement.complete:
                        await requests.changed()
            elif type(branch) is MessagePromise or type(branch) is MessageSequence:
                await branch
            self._start_at()
            pending = self._pending
            while True:
                while pending:
                    kind, value = pending.pop(0)
                    await placement.place(kind, value)
                if self._finished:
                    break
                if self._wakeup is None:
                    self._wakeup = Signal()
                await self._wakeup.changed()
        except Exception as exc:
            self._placement_failed(exc)
            return
        placement.finish()
        self._record_call()
        if run is not None:
            run.chain.set_parent(placement.anchor)
        else:
            self._serve()

    def _record_call(self) -> None:
        """Annotate the message this call answers (its last request) with the call (``calls``: agent, version,
        kwargs, sample), once per distinct call: what an edit or a replay of that message calls again."""
        anchor = self.placement.anchor
        if anchor is None:
            return
        try:
            self.forum.append_annotation(anchor, "calls", self._call_entry())
        except AgentForumError:  # the store refused the write (e.g. read-only): the call goes on without it
            log.exception("agentforum_nb: the call of %s could not be recorded on its request", self.agent.name)

    def _call_entry(self) -> dict[str, Any]:
        """This call as the ``calls`` annotation records it: agent, version, kwargs, sample, and ``by``: who made
        it ("user" for a call made outside any agent, else the calling agent's name)."""
        agent = self.agent
        kwargs = thaw(self.kwargs) if self.kwargs else {}
        return {
            "agent": agent.name,
            "version": agent.version,
            "kwargs": kwargs,
            "sample": self.sample,
            "by": self.sender,
        }

    def _placement_failed(self, exc: BaseException) -> None:
        """A request could not be placed: the call fails and stores nothing (no response, no error message);
        its readers get :class:`MessageNotFound` for a message that is not here, else :class:`AgentError`."""
        text = safe_text(f"{self.agent.name}: a request could not be placed: {error_text_of(exc)}")
        error = MessageNotFound if isinstance(exc, MessageNotFound) else AgentError
        failure = Failure(error, text, getattr(exc, "message", None), exc, error_type_of(exc))
        self.placement.fail(failure)
        run = self._run
        if run is not None:  # full duplex: the function is already running; what it responded is dropped
            run.chain.abandon(failure)
            return
        bind(self.responses, Feed.failed(failure))
        self.scope.done_working()

    # -- serving ------------------------------------------------------------------------------------------------------
    def _new_run(self, key: str | None) -> _Run:
        run = self._run = _Run(self, key)
        bind(self.responses, run.chain.feed)
        return run

    def _serve(self) -> None:
        """The requests are placed (caching on): a cache hit, a live identical run to share, or a new run."""
        anchor = self.placement.anchor
        anchor_id = None if anchor is None else anchor.id
        agent = self.agent
        key = cache_key(agent.name, agent.version, anchor_id, self.kwargs, self.sample)
        cache = self.forum.response_cache
        live: _Run | None = cache.running(key)
        if live is not None and not live.ended and not live.chain.ending:
            cache.shared += 1
            live.join()
            self._shared = live
            bind(self.responses, live.chain.feed)
            self.scope.done_working()
            return
        hit = cache.lookup(key, anchor_id)
        if hit is not None:
            self.cache_hit = True
            bind(self.responses, Feed.of([MessagePromise.resolved(m, chunks) for m, chunks in hit]))
            if telemetry.ON:
                telemetry.served_from_cache(agent, self.sample, anchor, [m for m, _ in hit])
            if self.forum.has_listeners:
                for m, _ in hit:
                    self.forum.emit(ForumEvent("cached", m))
            self.scope.done_working()
            return
        run = self._new_run(key)
        cache.start(key, run)
        run.chain.set_parent(anchor)
        run.start()

    def _detach(self) -> None:
        detach(self.responses, Failure(CallCancelled, f"the call to {self.agent.name!r} was cancelled"))

    def scope_finished(self) -> None:
        """The call's scope has finished: a settled sequence may outlive it without keeping it alive (one still
        streaming, e.g. that of a caller sharing another call's run, keeps it so that it can be cancelled); the span
        of its run ends here, once every task of the run and of the calls it made has finished (af.instrument)."""
        run = self._run
        if run is not None and run.span is not None:
            telemetry.run_ended(run.span, run.chain, self.placement.anchor if self.placement.complete else None)
        if self.responses.done():
            release_source(self.responses)


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidMessageError(
            "a request: text contains a lone surrogate and cannot be encoded as UTF-8", key="content"
        ) from None


def _check_kwargs(kwargs: dict[str, Any]) -> FrozenDict:
    try:
        frozen, fast = freeze_metadata(kwargs)
        metadata_json(frozen, fast).encode("utf-8")
    except InvalidMessageError as exc:
        raise UsageError(f"agent kwargs must be JSON values: {exc}".replace("metadata", "kwargs")) from None
    except ENCODE_ERRORS:
        raise UsageError(
            "agent kwargs must be JSON values: a string contains a lone surrogate and cannot be encoded as UTF-8"
        ) from None
    return frozen
