"""The one protocol behind every shipped model, and the one agent wrapper around it.

A :class:`Model` answers a :class:`ModelRequest` (the branch, who is answering, the call's settings) with a
stream of text: ``await model.stream(request)`` does whatever must happen before the first token (an HTTP
request; an exception there becomes the run's error message), and iterating the result yields the chunks.
:class:`ModelAgent` turns any model into an agent. It is the single place where what every model agent does is
written once (the later tool loop, structured output and usage reports belong here).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from ..agents import Agent
from ..calls import Context
from ..errors import UsageError
from ..messages import Message

__all__ = ["Model", "ModelAgent", "ModelRequest", "ModelStream"]


@dataclass(frozen=True)
class ModelRequest:
    """What a model is asked: ``history`` (the branch, root .. last request), ``agent`` (the name of the agent
    answering: its own messages in the history are the model's earlier turns) and ``params`` (the call's kwargs:
    model settings such as ``temperature``)."""

    history: list[Message]
    agent: str
    params: dict[str, Any] = field(default_factory=dict)
    sample: int = 0  # which answer is asked for (API.md section 10): models make samples differ where they can


@runtime_checkable
class Model(Protocol):
    """A source of answers. ``fingerprint`` names what shapes them (the default version of its agents)."""

    @property
    def fingerprint(self) -> str: ...

    async def stream(self, request: ModelRequest) -> AsyncIterator[str]:
        """Start answering ``request``; iterate the result for the text chunks."""
        ...


class ModelAgent(Agent):
    """An agent that answers each call with its model: the branch goes to ``model.stream``, the text streams
    back as one response. ``agent.backend`` is the model; ``version`` defaults to ``model.fingerprint``."""

    def __init__(self, model: Model, *, name: str, cache: bool = True, version: str | None = None) -> None:
        if not isinstance(model, Model):
            raise UsageError(f"ModelAgent needs a model (with fingerprint and stream()), not {type(model).__name__}")
        self.backend = model
        agent_name = name

        async def answer(ctx: Context, **kwargs: Any) -> None:
            request = ModelRequest(await ctx.history(), agent_name, kwargs, ctx.sample)
            ctx.respond(ModelStream(await model.stream(request), {"sample": ctx.sample}))

        answer.__qualname__ = f"ModelAgent({type(model).__name__}).answer"
        super().__init__(answer, name=name, cache=cache, version=version or model.fingerprint)

    def __repr__(self) -> str:
        return (
            f"<ModelAgent {self.name!r} {type(self.backend).__name__} version={self.version!r}"
            f"{'' if self.cache else ' cache=False'}>"
        )


class ModelStream:
    """A model's token stream that also says what is known about the answer once it has ended (``model``,
    ``usage``, ``finish_reason``): the runtime stores ``stream_annotations()`` with the message."""

    __slots__ = ("_chunks", "annotations")

    def __init__(self, chunks: AsyncIterator[str], annotations: dict[str, Any]) -> None:
        self._chunks = chunks
        self.annotations = annotations  # may be filled while streaming; what ``chunks`` reports is added

    def __aiter__(self) -> ModelStream:
        return self

    def __anext__(self) -> Any:
        return self._chunks.__anext__()

    async def aclose(self) -> None:
        aclose = getattr(self._chunks, "aclose", None)
        if aclose is not None:
            await aclose()

    def stream_annotations(self) -> dict[str, Any]:
        inner = getattr(self._chunks, "stream_annotations", None)
        return {**(inner() if inner is not None else {}), **self.annotations}
