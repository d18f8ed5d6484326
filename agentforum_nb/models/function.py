"""``FunctionModel``: a model whose answers come from your function of the branch."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

from ..errors import UsageError
from ..fingerprint import code_fingerprint
from ..messages import Message
from .base import MakesAgents, ModelAgent, ModelRequest, ModelStream
from .tools import Reasoning, ToolCall

__all__ = ["FunctionModel", "function_agent"]


class FunctionModel(MakesAgents):
    """Calls ``fn(messages, **kwargs)`` with the branch (a list of :class:`Message`) for each call.

    ``fn`` may be sync or async and may return a str, or yield tokens (a generator or async generator), or
    return an (async) iterable of str; :class:`~agentforum_nb.Reasoning` items among them are the answer's
    ``reasoning`` annotation (live while it streams), not its text. It runs inside the response's stream: an
    exception it raises, even before its first token, stores the text so far as a failed message, then the error
    message.
    """

    def __init__(self, fn: Callable[..., Any]) -> None:
        if not callable(fn):
            raise UsageError(f"FunctionModel needs a callable, not {type(fn).__name__}")
        self.fn = fn
        self.prompts: list[list[Message]] = []
        try:  # a function with a `sample` parameter is told which sample it answers
            self._takes_sample = "sample" in inspect.signature(fn).parameters
        except (TypeError, ValueError):
            self._takes_sample = False

    @property
    def fingerprint(self) -> str:
        return "function:" + code_fingerprint(self.fn)

    async def stream(self, request: ModelRequest) -> AsyncIterator[str]:
        self.prompts.append(request.history)
        name = getattr(self.fn, "__qualname__", None) or type(self.fn).__name__
        params = request.params
        if self._takes_sample:
            params = {**params, "sample": request.sample}
        return ModelStream(self._run(request.history, params), {"model": f"function:{name}"})

    async def _run(self, messages: list[Message], params: dict[str, Any]) -> AsyncIterator[str | ToolCall | Reasoning]:
        result = self.fn(messages, **params)
        if inspect.isawaitable(result):
            result = await result
        if isinstance(result, (str, ToolCall, Reasoning)):
            yield result
        elif hasattr(result, "__aiter__"):
            async for tok in result:
                yield tok
        elif isinstance(result, Iterable):
            for tok in result:
                yield tok
        else:
            raise UsageError(
                f"a FunctionModel function must return or yield str (or ToolCall), not {type(result).__name__}"
            )


def function_agent(
    name: str,
    fn: Callable[..., Any],
    *,
    cache: bool = True,
    version: str | None = None,
    tools: Iterable[Any] = (),
    max_tool_rounds: int = 10,
    output_type: Any = None,
    output_retries: int = 2,
) -> ModelAgent:
    """One line: an agent whose replies come from ``fn(messages, **kwargs)`` (see :class:`FunctionModel`): a str,
    tokens, or :class:`~agentforum_nb.ToolCall` objects (returned or yielded) to call its tools."""
    return FunctionModel(fn).agent(
        name,
        cache=cache,
        version=version,
        tools=tools,
        max_tool_rounds=max_tool_rounds,
        output_type=output_type,
        output_retries=output_retries,
    )
