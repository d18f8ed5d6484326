"""OpenTelemetry spans of agent runs, model requests and tool calls: :func:`instrument` turns them on.

The spans follow the OpenTelemetry GenAI semantic conventions, so runs open in any OTLP backend (Phoenix,
Langfuse, Jaeger); ``docs/observability.md`` lists what each span carries. Three kinds:

- ``invoke_agent {agent}`` (INTERNAL): one agent run, from the moment its function starts until every response is
  stored (or the run failed or was cancelled) and every task of the run and of the calls it made has finished
  (its call's scope: so a run's span always covers its children's), made current in the run's task, so the runs
  of the calls its code makes (and their model requests and tools) are its children. A call served from the
  cache is a span too (``agentforum.cache_hit``); callers that share one live run share its span.
- ``chat {model}`` (CLIENT for a provider's server, INTERNAL for in-process models): one model request of a model
  agent, from the request to its answer stored, with the usage and finish reason the model reported.
- ``execute_tool {tool}`` (INTERNAL): one tool call, while the tool runs; it carries the id of the tool's result
  message, so it ends (at the time the tool returned) once that message is stored.

Every span leads back to the tree: ``agentforum.request_id`` is the message the operation answers,
``agentforum.message_id`` (chat, execute_tool) the message it produced, ``agentforum.message_ids`` (invoke_agent)
every response the run stored, the error message included.

Nothing here imports OpenTelemetry until :func:`instrument` is called; the runtime checks :data:`ON` (one module
attribute) before calling any hook, so a program that never instruments pays nothing else.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .chain import error_type_of
from .errors import AgentError, CallCancelled, UsageError
from .streams import FAILED

if TYPE_CHECKING:  # pragma: no cover
    from opentelemetry.trace import Span, Tracer, TracerProvider

    from .agents import Agent
    from .calls import Context
    from .chain import Chain
    from .messages import Message

__all__ = [
    "ON",
    "ChatSpan",
    "ToolRound",
    "chat",
    "instrument",
    "run_ended",
    "run_started",
    "served_from_cache",
    "uninstrument",
]

log = logging.getLogger("agentforum_nb")

#: whether spans are made (set by :func:`instrument` and :func:`uninstrument`): the runtime's only check
ON = False
_tracer: Tracer | None = None

#: what ``gen_ai.provider.name`` says of a run or model that no provider serves (plain agents, scripted and
#: function models): the conventions ask for a custom value then
FRAMEWORK = "agentforum_nb"
_HOSTS = {"openai": "api.openai.com", "anthropic": "api.anthropic.com"}
#: the call settings recorded on chat spans, by the name the providers' APIs give them
_SETTINGS = {
    "temperature": "gen_ai.request.temperature",
    "top_p": "gen_ai.request.top_p",
    "max_tokens": "gen_ai.request.max_tokens",
    "max_completion_tokens": "gen_ai.request.max_tokens",
    "seed": "gen_ai.request.seed",
    "top_k": "gen_ai.request.top_k",
    "frequency_penalty": "gen_ai.request.frequency_penalty",
    "presence_penalty": "gen_ai.request.presence_penalty",
}
_STATUS_TEXT = 400  # a span's status description: the start of the error text


def instrument(tracer_provider: TracerProvider | None = None) -> None:
    """From now on, every agent run, model request and tool call is an OpenTelemetry span (see
    ``docs/observability.md``), made by ``tracer_provider`` (``None``: OpenTelemetry's global provider, as
    ``opentelemetry.trace.set_tracer_provider`` sets it). Calling it again switches to another provider;
    :func:`uninstrument` turns the spans off. Needs the OpenTelemetry SDK: ``pip install 'agentforum_nb[otel]'``."""
    global ON, _tracer
    try:
        import opentelemetry.sdk.trace  # noqa: F401 - the SDK is what records and exports spans
        from opentelemetry import trace
    except ImportError:
        raise UsageError(
            "af.instrument needs the OpenTelemetry SDK (opentelemetry-api and opentelemetry-sdk): "
            "pip install 'agentforum_nb[otel]'"
        ) from None
    if tracer_provider is not None and not isinstance(tracer_provider, trace.TracerProvider):
        raise UsageError(
            f"af.instrument needs an OpenTelemetry TracerProvider (or None: the global one), "
            f"not {type(tracer_provider).__name__}"
        )
    import importlib.metadata

    try:
        version: str | None = importlib.metadata.version("agentforum_nb")
    except importlib.metadata.PackageNotFoundError:  # running from a source tree that is not installed
        version = None
    _tracer = trace.get_tracer("agentforum_nb", version, tracer_provider)
    ON = True


def uninstrument() -> None:
    """Stop making spans (runs already started still end theirs). Idempotent."""
    global ON, _tracer
    ON = False
    _tracer = None


# -- agent runs ---------------------------------------------------------------------------------------------------
def _agent_attributes(agent: Agent, sample: int) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.provider.name": FRAMEWORK,
        "gen_ai.agent.name": agent.name,
        "gen_ai.agent.version": agent.version,
    }
    backend = getattr(agent, "backend", None)  # a model agent's model
    if backend is not None:
        provider = getattr(backend, "provider", None)
        if isinstance(provider, str):
            attributes["gen_ai.provider.name"] = provider
        model = getattr(backend, "model", None)
        if isinstance(model, str) and model:
            attributes["gen_ai.request.model"] = model
    if sample:
        attributes["agentforum.sample"] = sample
    return attributes


def run_started(agent: Agent, sample: int) -> Span | None:
    """The span of a run whose function is starting, made current in the run's task (whose context is its own
    copy: nothing to restore). Called from inside that task; ``None`` when spans are off."""
    tracer = _tracer
    if tracer is None:
        return None
    try:
        from opentelemetry import context, trace

        span = tracer.start_span(
            f"invoke_agent {agent.name}", kind=trace.SpanKind.INTERNAL, attributes=_agent_attributes(agent, sample)
        )
        context.attach(trace.set_span_in_context(span))
        return span
    except Exception:  # a span must never stop a run
        log.exception("agentforum_nb: the span of %s's run could not be started", agent.name)
        return None


def run_ended(span: Span, chain: Chain, anchor: Message | None) -> None:
    """End a run's span: what it answered, what it stored, how it ended (called once its chain has ended and its
    call's scope has finished)."""
    try:
        if span.is_recording():
            attributes: dict[str, Any] = {"agentforum.outcome": chain.feed.state}
            if anchor is not None:
                attributes["agentforum.request_id"] = anchor.id
            ids = []
            for p in chain.feed.promises:
                m = p.settled_message()
                if m is not None:
                    ids.append(m.id)
            failure = chain.feed.failure
            if failure is not None and failure.message is not None and failure.message.kind == "error":
                ids.append(failure.message.id)
            attributes["agentforum.message_ids"] = ids
            span.set_attributes(attributes)
            if chain.feed.state is FAILED and failure is not None:
                _failed(span, failure.error_type or error_type_of(AgentError), failure.text, failure.cause)
        span.end()
    except Exception:
        log.exception("agentforum_nb: the span of %s's run could not be ended", chain.name)


def served_from_cache(agent: Agent, sample: int, anchor: Message | None, messages: Sequence[Message]) -> None:
    """A call answered from the response cache: a span of its own, ended at once."""
    tracer = _tracer
    if tracer is None:
        return
    try:
        from opentelemetry import trace

        attributes = _agent_attributes(agent, sample)
        attributes["agentforum.cache_hit"] = True
        attributes["agentforum.outcome"] = "done"
        if anchor is not None:
            attributes["agentforum.request_id"] = anchor.id
        attributes["agentforum.message_ids"] = [m.id for m in messages]
        tracer.start_span(f"invoke_agent {agent.name}", kind=trace.SpanKind.INTERNAL, attributes=attributes).end()
    except Exception:
        log.exception("agentforum_nb: the span of %s's cached answer could not be made", agent.name)


def _failed(span: Span, error_type: str, text: str, cause: BaseException | None) -> None:
    from opentelemetry.trace import Status, StatusCode

    span.set_attribute("error.type", error_type)
    if isinstance(cause, Exception):
        span.record_exception(cause)
    span.set_status(Status(StatusCode.ERROR, text[:_STATUS_TEXT]))


def _ended_by(span: Span, exc: BaseException, message: Message | None) -> None:
    """An operation ended by ``exc``: cancelled (``agentforum.outcome``, status left unset: nobody failed), or
    failed with the error type the tree records for it (a stream's error arrives wrapped in an AgentError)."""
    if message is not None:
        span.set_attribute("agentforum.message_id", message.id)
    if isinstance(exc, (CallCancelled, GeneratorExit)) or not isinstance(exc, Exception):
        span.set_attribute("agentforum.outcome", "cancelled")
        return
    cause = exc.__cause__ if isinstance(exc, AgentError) and exc.__cause__ is not None else exc
    span.set_attribute("agentforum.outcome", "failed")
    _failed(span, error_type_of(cause), str(exc) or type(exc).__name__, cause)


# -- model requests -----------------------------------------------------------------------------------------------
class ChatSpan:
    """The span of one model request: a context manager around it (current while it runs), told by the model's
    :class:`~agentforum_nb.models.base.ModelStream` when the stream ends (``observer``) and by the model agent when
    the answer is stored."""

    __slots__ = ("span", "token", "named", "ended_at", "error", "stream")

    def __init__(self, span: Span, named: bool) -> None:
        self.span = span
        self.token: object = None
        self.named = named  # the span's name already says the model
        self.ended_at: int | None = None  # when the stream ended (ns)
        self.error: BaseException | None = None  # what ended it, if not its end
        self.stream: Any = None

    def __enter__(self) -> ChatSpan:
        from opentelemetry import context, trace

        if self.span.get_span_context().is_valid:  # (one that records nothing leaves the run's span current)
            self.token = context.attach(trace.set_span_in_context(self.span))
        return self

    def stream_ended(self, stream: Any, exc: BaseException) -> None:
        """The model's stream ended (``StopAsyncIteration``), failed or was cancelled (``exc``)."""
        self.ended_at = time.time_ns()
        self.stream = stream
        if not isinstance(exc, StopAsyncIteration):
            self.error = exc

    def stored(self, message: Message) -> None:
        """The model's answer is stored as ``message``."""
        if self.span.is_recording():
            self.span.set_attributes({"agentforum.message_id": message.id, "agentforum.outcome": "done"})
            self._reported()

    def _reported(self) -> None:
        """What the stream reported about the answer: model, usage, finish reason, cost."""
        report = getattr(self.stream, "stream_annotations", None)
        try:
            annotations = report() if report is not None else {}
        except Exception:  # the chain logged it when it stored the answer
            return
        attributes: dict[str, Any] = {}
        model = annotations.get("model")
        if isinstance(model, str) and model:
            attributes["gen_ai.response.model"] = model
            if not self.named:  # an in-process model names itself only once it has answered
                attributes["gen_ai.request.model"] = model
                self.span.update_name(f"chat {model}")
        usage = annotations.get("usage")
        if isinstance(usage, dict):
            for key in ("input_tokens", "output_tokens"):
                if type(usage.get(key)) is int:
                    attributes[f"gen_ai.usage.{key}"] = usage[key]
        reason = annotations.get("finish_reason")
        if isinstance(reason, str):
            attributes["gen_ai.response.finish_reasons"] = [reason]
        cost = annotations.get("cost_usd")
        if isinstance(cost, (int, float)) and not isinstance(cost, bool):
            attributes["agentforum.cost_usd"] = float(cost)
        self.span.set_attributes(attributes)

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        from opentelemetry import context

        span = self.span
        try:
            if exc is None:
                span.end()
                return
            if span.is_recording():
                # the stream's own failure first: the run's task then only sees itself cancelled
                cause = self.error if self.error is not None else exc
                _ended_by(span, cause, getattr(exc, "message", None) if isinstance(exc, AgentError) else None)
                if self.stream is not None:
                    self._reported()
            span.end(end_time=self.ended_at)  # a failed stream: when it failed, not when its run noticed
        except Exception:
            log.exception("agentforum_nb: a chat span could not be ended")
        finally:
            if self.token is not None:
                context.detach(self.token)  # type: ignore[arg-type]


def chat(agent: str, model: Any, params: dict[str, Any], history: list[Message]) -> ChatSpan:
    """The span of a model request of ``agent`` to ``model`` with the call's ``params``, answering the last message
    of ``history``; use it as a context manager around the request until its answer is stored."""
    from opentelemetry import trace

    tracer = _tracer
    if tracer is not None:
        try:
            return _chat(tracer, agent, model, params, history)
        except Exception:  # a span must never stop a model request
            log.exception("agentforum_nb: the span of %s's model request could not be started", agent)
    return ChatSpan(trace.INVALID_SPAN, True)  # one that records nothing


def _chat(tracer: Tracer, agent: str, model: Any, params: dict[str, Any], history: list[Message]) -> ChatSpan:
    from opentelemetry import trace

    provider = getattr(model, "provider", None)
    remote = isinstance(provider, str)
    settings = {**getattr(model, "defaults", {}), **params} if remote else params
    chosen = settings.get("model") or getattr(model, "model", None)
    attributes: dict[str, Any] = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": provider if remote else FRAMEWORK,
        "gen_ai.agent.name": agent,
    }
    if isinstance(chosen, str) and chosen:
        attributes["gen_ai.request.model"] = chosen
    else:
        chosen = None
    if remote:
        attributes["gen_ai.request.stream"] = True
        base_url = getattr(model, "base_url", None)
        where = urlsplit(base_url) if isinstance(base_url, str) else None
        host = where.hostname if where is not None else _HOSTS.get(str(provider))
        if host:
            attributes["server.address"] = host
            try:
                port = where.port if where is not None else None
            except ValueError:  # a malformed port in base_url: the request itself will say so
                port = None
            scheme = where.scheme if where is not None else "https"
            attributes["server.port"] = port or (80 if scheme == "http" else 443)
    for key, name in _SETTINGS.items():
        value = settings.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            attributes[name] = value
    stop = settings.get("stop", settings.get("stop_sequences"))  # (OpenAI's name, Anthropic's)
    if isinstance(stop, str):
        attributes["gen_ai.request.stop_sequences"] = [stop]
    elif isinstance(stop, list) and all(isinstance(s, str) for s in stop):
        attributes["gen_ai.request.stop_sequences"] = stop
    if history:
        attributes["agentforum.request_id"] = history[-1].id
    kind = trace.SpanKind.CLIENT if remote else trace.SpanKind.INTERNAL
    span = tracer.start_span(f"chat {chosen}" if chosen else "chat", kind=kind, attributes=attributes)
    return ChatSpan(span, chosen is not None)


# -- tool calls ---------------------------------------------------------------------------------------------------
class ToolRound:
    """The spans of one round of tool calls: each is current while its tool runs (calls the tool makes nest in
    it) and ends at the time its tool returned, once :meth:`stored` has given it its result message's id."""

    __slots__ = ("agent", "request", "open")

    def __init__(self, agent: str, request: Message) -> None:
        self.agent = agent
        self.request = request  # the model's message that asked for the calls
        self.open: list[tuple[str, Span, int]] = []  # (call id, span, when its tool returned), not ended yet

    async def run(self, name: str, description: str | None, call_id: str, work: Any) -> Any:
        """Await ``work`` (the call's :class:`~agentforum_nb.models.tools.ToolResult`) inside the call's span."""
        from opentelemetry import trace

        tracer = _tracer
        if tracer is None:
            return await work
        attributes: dict[str, Any] = {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": name,
            "gen_ai.tool.call.id": call_id,
            "gen_ai.tool.type": "function",
            "gen_ai.agent.name": self.agent,
            "agentforum.request_id": self.request.id,
        }
        if description:
            attributes["gen_ai.tool.description"] = description
        span = tracer.start_span(f"execute_tool {name}", kind=trace.SpanKind.INTERNAL, attributes=attributes)
        try:
            with trace.use_span(span, record_exception=False, set_status_on_exception=False):
                result = await work
        except BaseException as exc:
            if span.is_recording():
                _ended_by(span, exc, None)
            span.end()
            raise
        if span.is_recording():
            span.set_attribute("agentforum.outcome", "done" if result.error_type is None else "failed")
            if result.error_type is not None:
                _failed(span, result.error_type, result.content, None)
        self.open.append((call_id, span, time.time_ns()))
        return result

    async def stored(self, ctx: Context, call_ids: list[str]) -> None:
        """The results of the calls ``call_ids`` were just responded (in this order): once they are stored, end
        their spans with their messages' ids."""
        try:
            history = await ctx.history(responses=True)
            results = history[-len(call_ids) :] if call_ids else []
            for call_id, message in zip(call_ids, results, strict=False):
                if message.metadata.get("tool_call_id") != call_id:
                    continue
                for i, (open_id, span, ended) in enumerate(self.open):
                    if open_id == call_id:
                        del self.open[i]
                        span.set_attribute("agentforum.message_id", message.id)
                        span.end(end_time=ended)
                        break
        finally:
            for _, span, ended in self.open:  # not stored (the run failed or was cancelled meanwhile)
                span.end(end_time=ended)
            self.open.clear()
