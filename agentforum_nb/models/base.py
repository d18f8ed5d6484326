"""The one protocol behind every shipped model, and the one agent wrapper around it.

A :class:`Model` answers a :class:`ModelRequest` (the branch, who is answering, the call's settings, the tools it
may call, the schema its answer must follow) with a stream: ``await model.stream(request)`` does whatever must
happen before the first token (an HTTP request; an exception there becomes the run's error message), and
iterating the result yields text chunks and :class:`~agentforum_nb.ToolCall` objects.

:class:`ModelAgent` turns any model into an agent, and is the single place where what every model agent does is
written once: the tool loop (run the calls a model asks for, concurrently, record each result as the run's next
response, ask the model again, at most ``max_tool_rounds`` rounds; calls of tools that require approval first ask
the user, see :func:`_run_tools`), structured output (``output_type``: the last
answer must validate, else the error goes back to the model, at most ``output_retries`` times), and what is
known about each answer (model, usage, finish reason, sample) as annotations.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, cast, runtime_checkable

from .. import telemetry
from ..agents import Agent
from ..calls import Context
from ..errors import AgentError, UsageError
from ..messages import Message
from .tools import (
    APPROVAL_CHOICES,
    APPROVE,
    Reasoning,
    Tool,
    ToolCall,
    ToolResult,
    approval_question,
    as_tools,
    denial,
)

__all__ = [
    "ALLOW_MODEL_REQUESTS",
    "APPROVAL_KEY",
    "VALIDATION_SENDER",
    "MakesAgents",
    "Model",
    "ModelAgent",
    "ModelRequest",
    "ModelStream",
    "check_model_request",
]

#: the sender of the message that tells a model its answer did not validate (a user turn for the model)
VALIDATION_SENDER = "validation"

#: the metadata key of a tool approval's question: the call it asks about (``{"id", "name", "arguments"}``); the
#: chat mappings of the providers leave such questions and their answers out (the model sees the outcome as the
#: call's result)
APPROVAL_KEY = "tool_approval"

#: whether models may send requests to servers other than this machine's (a test suite sets it to ``False``, as
#: pydantic-ai's ``ALLOW_MODEL_REQUESTS`` does, so that no test reaches a real provider by mistake)
ALLOW_MODEL_REQUESTS = True
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
_UNTRACED = contextlib.nullcontext()


def check_model_request(host: str | None, agent: str) -> None:
    """Refuse a request to ``host`` (``None``: the provider's default server) while :data:`ALLOW_MODEL_REQUESTS`
    is ``False``, unless it is this machine (a test server on 127.0.0.1)."""
    if not ALLOW_MODEL_REQUESTS and (host or "").lower() not in _LOOPBACK:
        raise UsageError(
            f"{agent}: model requests to {host or 'the provider'} are blocked "
            "(agentforum_nb.models.base.ALLOW_MODEL_REQUESTS is False, as in tests: use a scripted or function "
            "model, or a server on 127.0.0.1)"
        )


@dataclass(frozen=True)
class ModelRequest:
    """What a model is asked: ``history`` (the branch: root .. last request, then this run's responses so far:
    its own earlier messages, tool results and tool approvals), ``agent`` (the name of the agent answering: its
    messages in the history are the model's earlier turns), ``params`` (the call's kwargs: model settings such as
    ``temperature``), ``sample`` (which answer is asked for: models make samples differ where they can),
    ``tools`` (``[{"name", "description", "parameters"}]``) and ``output_schema`` (JSON Schema the answer must
    follow, named ``output_name``), both empty when not used."""

    history: list[Message]
    agent: str
    params: dict[str, Any] = field(default_factory=dict)
    sample: int = 0
    tools: list[dict[str, Any]] = field(default_factory=list)
    output_schema: dict[str, Any] | None = None
    output_name: str = "output"
    #: what the agent's own earlier messages of the branch carry that a provider may need sent back (by id):
    #: ``reasoning_blocks`` (Anthropic's signed thinking blocks, required again during a tool loop)
    notes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: the bytes of an attachment of the branch's messages, by its sha256 (``forum.attachment``; None: not known)
    attachment: Callable[[str], bytes] | None = None


@runtime_checkable
class Model(Protocol):
    """A source of answers. ``fingerprint`` names what shapes them (part of the default version of its agents)."""

    @property
    def fingerprint(self) -> str: ...

    async def stream(self, request: ModelRequest) -> AsyncIterator[Any]:
        """Start answering ``request``; iterate the result for text chunks (``str``) and ``ToolCall`` objects."""
        ...


class ModelAgent(Agent):
    """An agent that answers each call with its model (see the module docstring). ``agent.backend`` is the model,
    ``agent.tools`` its tools; ``version`` defaults to a digest of the model's fingerprint, the tools' and the
    output type's schema, so changing any of them misses the cache."""

    def __init__(
        self,
        model: Model,
        *,
        name: str,
        cache: bool = True,
        version: str | None = None,
        tools: Iterable[Any] = (),
        max_tool_rounds: int = 10,
        output_type: Any = None,
        output_retries: int = 2,
    ) -> None:
        if not isinstance(model, Model):
            raise UsageError(f"ModelAgent needs a model (with fingerprint and stream()), not {type(model).__name__}")
        if type(max_tool_rounds) is not int or max_tool_rounds < 0:
            raise UsageError(f"max_tool_rounds must be an int >= 0, not {max_tool_rounds!r}")
        if type(output_retries) is not int or output_retries < 0:
            raise UsageError(f"output_retries must be an int >= 0, not {output_retries!r}")
        self.backend = model
        self.tools = as_tools(tools)
        self.max_tool_rounds = max_tool_rounds
        self.output_type = output_type
        self.output_retries = output_retries
        adapter, schema, output_name = _output(output_type)
        by_name = {t.name: t for t in self.tools}
        specs = [t.spec() for t in self.tools]
        agent_name = name

        async def answer(ctx: Context, **kwargs: Any) -> None:
            rounds = retries = 0
            while True:
                history = await ctx.history(responses=True)
                own = [m.id for m in history if m.sender == agent_name and m.kind == "message"]
                notes = {
                    mid: n
                    for mid, n in (ctx.forum.store.annotations_many(own).items() if own else ())
                    if "reasoning_blocks" in n
                }
                request = ModelRequest(
                    history, agent_name, kwargs, ctx.sample, specs, schema, output_name, notes, ctx.forum.attachment
                )
                span = telemetry.chat(agent_name, model, kwargs, history) if telemetry.ON else None
                with span or _UNTRACED:  # af.instrument: a chat span from the request to its answer stored
                    tokens = await model.stream(request)
                    stream = tokens if isinstance(tokens, ModelStream) else ModelStream(tokens, {})
                    stream.annotations.setdefault("sample", ctx.sample)
                    stream.observer = span
                    ctx.respond(stream)
                    message = (await ctx.history(responses=True))[-1]  # the model's message, stored
                    if span is not None:
                        span.stored(message)
                if stream.tool_calls:
                    if rounds >= max_tool_rounds:
                        raise AgentError(
                            f"{agent_name} asked for tools again after {max_tool_rounds} round(s) of tool calls "
                            f"(max_tool_rounds={max_tool_rounds})"
                        )
                    rounds += 1
                    spans = telemetry.ToolRound(agent_name, message) if telemetry.ON else None
                    results = await _run_tools(ctx, stream.tool_calls, by_name, spans)
                    for call, result in zip(stream.tool_calls, results, strict=True):
                        metadata: dict[str, Any] = {"tool_call_id": call.id}
                        if result.error_type is not None:
                            metadata["tool_error"] = result.error_type
                        ctx.respond_as(call.name, result.content, metadata=metadata)
                    if spans is not None:
                        await spans.stored(ctx, [str(call.id) for call in stream.tool_calls])
                    continue
                if adapter is None:
                    return
                try:
                    adapter.validate_json(message.content)
                    return
                except Exception as exc:  # pydantic's ValidationError: goes back to the model
                    if retries >= output_retries:
                        raise AgentError(
                            f"{agent_name}'s answer is not a valid {output_name} after {output_retries} "
                            f"retr{'y' if output_retries == 1 else 'ies'}: {exc}"
                        ) from exc
                    retries += 1
                    ctx.respond_as(
                        VALIDATION_SENDER,
                        f"Your answer is not a valid {output_name}: {exc}\n"
                        f"Answer again with JSON that follows this schema: {json.dumps(schema)}",
                        metadata={"validation_error": True},
                    )

        answer.__qualname__ = f"ModelAgent({type(model).__name__}).answer"
        if version is None:
            parts = [model.fingerprint, *[t.fingerprint for t in self.tools]]
            if schema is not None or max_tool_rounds != 10 or output_retries != 2:
                parts.append(json.dumps([schema, max_tool_rounds, output_retries], sort_keys=True))
            version = (
                parts[0]
                if len(parts) == 1
                else ("model:" + hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:16])
            )
        super().__init__(answer, name=name, cache=cache, version=version)

    def __repr__(self) -> str:
        tools = f" tools={[t.name for t in self.tools]}" if self.tools else ""
        return (
            f"<ModelAgent {self.name!r} {type(self.backend).__name__}{tools} version={self.version!r}"
            f"{'' if self.cache else ' cache=False'}>"
        )


def _output(output_type: Any) -> tuple[Any, dict[str, Any] | None, str]:
    """(pydantic TypeAdapter, JSON Schema, name) of an output type, or (None, None, "output")."""
    if output_type is None:
        return None, None, "output"
    import pydantic

    try:
        adapter = pydantic.TypeAdapter(output_type)
        schema = adapter.json_schema()
    except Exception as exc:  # pydantic's error for a type it cannot validate
        raise UsageError(f"output_type {output_type!r} is not a type pydantic can validate ({exc})") from exc
    name = getattr(output_type, "__name__", None) or str(output_type)
    return adapter, schema, name


async def _run_tools(
    ctx: Context, calls: list[ToolCall], tools: dict[str, Tool], spans: telemetry.ToolRound | None = None
) -> list[ToolResult]:
    """Run the calls concurrently (owned by a TaskGroup inside the agent's task: cancelling the run cancels
    them, and nothing of them is stored); results in the order of the calls.

    Calls of tools that require approval ask the user first, one question after the other in the order of the
    calls (a run asks one question at a time: each next response goes under the answer), before any tool of the
    round runs; then the approved calls run with the others. ``spans``: the calls' spans (``af.instrument``)."""
    decided: dict[int, ToolResult] = {}
    for i, call in enumerate(calls):
        tool = tools.get(call.name)
        if tool is not None and tool.requires_approval:
            answer = await ctx.ask(
                approval_question(call), choices=list(APPROVAL_CHOICES), metadata={APPROVAL_KEY: call.to_json()}
            )
            if answer.content.strip().lower() != APPROVE:
                decided[i] = denial(call, answer.content)

    async def one(i: int, call: ToolCall) -> ToolResult:
        if spans is not None:  # af.instrument: an execute_tool span around the call
            tool = tools.get(call.name)
            description = tool.description if tool is not None else None
            result: ToolResult = await spans.run(call.name, description, str(call.id), run(i, call))
            return result
        return await run(i, call)

    async def run(i: int, call: ToolCall) -> ToolResult:
        if i in decided:
            return decided[i]
        tool = tools.get(call.name)
        if tool is None:
            known = ", ".join(sorted(tools)) or "none"
            return ToolResult(f"KeyError: no tool named {call.name!r} (tools: {known})", "builtins.KeyError")
        return await tool.run(ctx, call)

    if len(calls) == 1:
        return [await one(0, calls[0])]
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(one(i, c)) for i, c in enumerate(calls)]
    return [t.result() for t in tasks]


class MakesAgents:
    """What a model class inherits for ``model.agent(name, ...)``: a :class:`ModelAgent` around the model."""

    def agent(
        self,
        name: str,
        *,
        cache: bool = True,
        version: str | None = None,
        tools: Iterable[Any] = (),
        max_tool_rounds: int = 10,
        output_type: Any = None,
        output_retries: int = 2,
    ) -> ModelAgent:
        """An agent that answers with this model, streamed (with tools and structured output as
        :class:`ModelAgent` has them)."""
        return ModelAgent(
            cast(Model, self),
            name=name,
            cache=cache,
            version=version,
            tools=tools,
            max_tool_rounds=max_tool_rounds,
            output_type=output_type,
            output_retries=output_retries,
        )


class ModelStream:
    """A model's stream as the runtime sees it: text chunks pass through, ``ToolCall`` objects are kept
    (``tool_calls``, each with an id) and stored with the message (``metadata["tool_calls"]``); what the model
    reports about the answer once it has ended (``model``, ``usage``, ``finish_reason``) and ``annotations``
    are stored as the message's annotations."""

    __slots__ = ("_chunks", "annotations", "tool_calls", "observer", "reasoning")

    def __init__(self, chunks: AsyncIterator[Any], annotations: dict[str, Any]) -> None:
        self._chunks = chunks
        self.annotations = annotations
        self.tool_calls: list[ToolCall] = []
        self.reasoning: list[str] = []  # Reasoning items the stream gave (a FunctionModel's), in order
        self.observer: telemetry.ChatSpan | None = None  # told when the stream ends (af.instrument's chat span)

    def __aiter__(self) -> ModelStream:
        return self

    async def __anext__(self) -> Any:
        while True:
            try:
                item = await self._chunks.__anext__()
            except BaseException as exc:  # its end, its failure or its cancellation
                if self.observer is not None:
                    self.observer.stream_ended(self, exc)
                raise
            if isinstance(item, ToolCall):
                if item.id is None:
                    item = ToolCall(item.name, item.arguments, f"call_{len(self.tool_calls) + 1}")
                self.tool_calls.append(item)
                continue
            if isinstance(item, Reasoning):
                self.reasoning.append(item.text)
                continue
            return item

    async def aclose(self) -> None:
        aclose = getattr(self._chunks, "aclose", None)
        if aclose is not None:
            await aclose()

    def stream_annotations(self) -> dict[str, Any]:
        inner = getattr(self._chunks, "stream_annotations", None)
        notes = {**(inner() if inner is not None else {}), **self.annotations}
        if self.reasoning and "reasoning" not in notes:
            notes["reasoning"] = "".join(self.reasoning)
        return notes

    def live_annotations(self) -> dict[str, Any]:
        """What the provider's stream knows while it streams (its reasoning so far), for the widgets."""
        inner = getattr(self._chunks, "live_annotations", None)
        notes = dict(inner()) if inner is not None else {}
        if self.reasoning and "reasoning" not in notes:
            notes["reasoning"] = "".join(self.reasoning)
        return notes

    def stream_metadata(self) -> dict[str, Any]:
        """The message's metadata that is known only once the stream ended: the tool calls it asked for."""
        return {"tool_calls": [c.to_json() for c in self.tool_calls]} if self.tool_calls else {}
