"""Models shipped with the library: deterministic test doubles and (optionally) an OpenAI-compatible client.

``ScriptedModel`` replays given replies token by token and records the prompts it received; ``FunctionModel``
calls your code. Both become agents in one line (``model.agent("name")``, or ``af.scripted_agent``).
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import json
import re
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

from ..agents import Agent, code_fingerprint
from ..calls import Context
from ..errors import UsageError
from ..messages import Message

__all__ = ["ScriptedModel", "FunctionModel", "scripted_agent", "function_agent", "split_tokens"]

_TOKEN = re.compile(r"\s*\S+|\s+")


def split_tokens(text: str) -> list[str]:
    """Split text into word-like tokens (each with its leading whitespace); ``"".join`` gives the text back."""
    return _TOKEN.findall(text)


class ScriptedModel:
    """Replays ``replies`` in order, one per call, streamed token by token.

    A reply is a str (split into word tokens), a list of str (the exact tokens) or an exception instance
    (raised, to script failures). ``delay`` sleeps between tokens so demos look like real streaming.
    ``cycle=True`` starts over when the replies run out (else ``UsageError``). ``prompts`` records the branch
    (list of messages) each call received.
    """

    def __init__(self, replies: Iterable[Any], *, delay: float = 0.0, cycle: bool = False) -> None:
        self.replies = list(replies)
        if not self.replies:
            raise UsageError("ScriptedModel needs at least one reply")
        for r in self.replies:
            if not isinstance(r, (str, list, tuple, BaseException)):
                raise UsageError(f"a scripted reply must be a str, a list of str tokens or an exception, "
                                 f"not {type(r).__name__}")
        self.delay = delay
        self.cycle = cycle
        self.prompts: list[list[Message]] = []
        self._next = 0

    @property
    def fingerprint(self) -> str:
        def enc(r: Any) -> Any:
            return {"raise": f"{type(r).__qualname__}: {r}"} if isinstance(r, BaseException) else r

        body = json.dumps([enc(r) for r in self.replies], ensure_ascii=False)
        return "scripted:" + hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()[:16]

    def next_reply(self) -> Any:
        if self._next >= len(self.replies):
            if not self.cycle:
                raise UsageError(f"ScriptedModel ran out of replies after {len(self.replies)} call(s); "
                                 f"give more replies or cycle=True")
            self._next = 0
        reply = self.replies[self._next]
        self._next += 1
        return reply

    async def stream(self, reply: Any) -> AsyncIterator[str]:
        if isinstance(reply, BaseException):
            raise reply
        tokens = list(reply) if isinstance(reply, (list, tuple)) else split_tokens(reply)
        for tok in tokens:
            if self.delay:
                await asyncio.sleep(self.delay)
            yield tok

    def agent(self, name: str, *, cache: bool = True, version: str | None = None) -> Agent:
        """An agent that answers each call with the next scripted reply, streamed."""
        model = self

        async def scripted(ctx: Context, **kwargs: Any) -> None:
            model.prompts.append(await ctx.history())
            reply = model.next_reply()
            if isinstance(reply, BaseException):
                raise reply
            ctx.respond(model.stream(reply))

        return Agent(scripted, name=name, cache=cache, version=version or self.fingerprint)


class FunctionModel:
    """Calls ``fn(messages, **kwargs)`` with the branch (a list of :class:`Message`) for each call.

    ``fn`` may be sync or async and may return a str, or yield tokens (a generator or async generator), or
    return an (async) iterable of str.
    """

    def __init__(self, fn: Callable[..., Any]) -> None:
        if not callable(fn):
            raise UsageError(f"FunctionModel needs a callable, not {type(fn).__name__}")
        self.fn = fn
        self.prompts: list[list[Message]] = []

    async def stream(self, messages: list[Message], **kwargs: Any) -> AsyncIterator[str]:
        result = self.fn(messages, **kwargs)
        if inspect.isawaitable(result):
            result = await result
        if isinstance(result, str):
            yield result
        elif hasattr(result, "__aiter__"):
            async for tok in result:
                yield tok
        elif isinstance(result, Iterable):
            for tok in result:
                yield tok
        else:
            raise UsageError(f"a FunctionModel function must return or yield str, not {type(result).__name__}")

    def agent(self, name: str, *, cache: bool = True, version: str | None = None) -> Agent:
        model = self

        async def function(ctx: Context, **kwargs: Any) -> None:
            history = await ctx.history()
            model.prompts.append(history)
            ctx.respond(model.stream(history, **kwargs))

        return Agent(function, name=name, cache=cache, version=version or "function:" + code_fingerprint(self.fn))


def scripted_agent(name: str, replies: Iterable[Any], *, delay: float = 0.0, cycle: bool = False,
                   cache: bool = True) -> Agent:
    """One line: an agent that streams the scripted ``replies`` in order (see :class:`ScriptedModel`)."""
    return ScriptedModel(replies, delay=delay, cycle=cycle).agent(name, cache=cache)


def function_agent(name: str, fn: Callable[..., Any], *, cache: bool = True, version: str | None = None) -> Agent:
    """One line: an agent whose replies come from ``fn(messages, **kwargs)`` (see :class:`FunctionModel`)."""
    return FunctionModel(fn).agent(name, cache=cache, version=version)
