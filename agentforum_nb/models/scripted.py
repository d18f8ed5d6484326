"""``ScriptedModel``: a deterministic test double that replays given replies, token by token."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import AsyncIterator, Iterable
from typing import Any

from ..errors import UsageError
from ..messages import Message
from .base import MakesAgents, ModelAgent, ModelRequest, ModelStream
from .tools import ToolCall

__all__ = ["ScriptedModel", "scripted_agent", "split_tokens"]

_TOKEN = re.compile(r"\s*\S+|\s+")


def split_tokens(text: str) -> list[str]:
    """Split text into word-like tokens (each with its leading whitespace); ``"".join`` gives the text back."""
    return _TOKEN.findall(text)


class ScriptedModel(MakesAgents):
    """Replays ``replies`` in order, one per call, streamed token by token.

    A reply is a str (split into word tokens), a list of str (the exact tokens), an exception instance (raised,
    to script failures), or a :class:`~agentforum_nb.ToolCall` or a list of them (the model asks for those
    tools; a tool loop of a model agent runs them and asks again with their results in the branch). ``delay``
    sleeps between tokens so demos look like real streaming. ``cycle=True`` starts over when the replies run
    out (else ``UsageError``). ``prompts`` records the branch (list of messages) each call received.
    """

    def __init__(self, replies: Iterable[Any], *, delay: float = 0.0, cycle: bool = False) -> None:
        self.replies = list(replies)
        if not self.replies:
            raise UsageError("ScriptedModel needs at least one reply")
        for r in self.replies:
            items = r if isinstance(r, (list, tuple)) else [r]
            if isinstance(r, BaseException):
                continue
            if not items or not (all(isinstance(x, str) for x in items) or all(isinstance(x, ToolCall) for x in items)):
                raise UsageError(
                    f"a scripted reply must be a str, a list of str tokens, an exception, or a ToolCall or a list "
                    f"of them, not {r!r:.80}"
                )
        self.delay = delay
        self.cycle = cycle
        self.prompts: list[list[Message]] = []
        self._next = 0

    @property
    def fingerprint(self) -> str:
        def enc(r: Any) -> Any:
            if isinstance(r, BaseException):
                return {"raise": f"{type(r).__qualname__}: {r}"}
            if isinstance(r, ToolCall):
                return {"tool_call": r.to_json()}
            if isinstance(r, (list, tuple)):
                return [enc(x) for x in r]
            return r

        body = json.dumps([enc(r) for r in self.replies], ensure_ascii=False)
        return "scripted:" + hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()[:16]

    def next_reply(self) -> Any:
        if self._next >= len(self.replies):
            if not self.cycle:
                raise UsageError(
                    f"ScriptedModel ran out of replies after {len(self.replies)} call(s); "
                    f"give more replies or cycle=True"
                )
            self._next = 0
        reply = self.replies[self._next]
        self._next += 1
        return reply

    async def stream(self, request: ModelRequest) -> AsyncIterator[str]:
        self.prompts.append(request.history)
        reply = self.next_reply()
        if isinstance(reply, BaseException):
            raise reply
        if isinstance(reply, ToolCall):
            reply = [reply]
        tokens = list(reply) if isinstance(reply, (list, tuple)) else split_tokens(reply)
        prompt = sum(len(split_tokens(m.content)) for m in request.history)
        texts = [t for t in tokens if isinstance(t, str)]
        notes = {
            "model": "scripted",
            "usage": {"input_tokens": prompt, "output_tokens": len(texts)},
            "finish_reason": "stop" if len(texts) == len(tokens) else "tool_calls",
        }
        return ModelStream(self._tokens(tokens), notes)

    async def _tokens(self, tokens: list[Any]) -> AsyncIterator[Any]:
        for tok in tokens:
            if self.delay:
                await asyncio.sleep(self.delay)
            yield tok


def scripted_agent(
    name: str,
    replies: Iterable[Any],
    *,
    delay: float = 0.0,
    cycle: bool = False,
    cache: bool = True,
    tools: Iterable[Any] = (),
    max_tool_rounds: int = 10,
    output_type: Any = None,
    output_retries: int = 2,
) -> ModelAgent:
    """One line: an agent that streams the scripted ``replies`` in order (see :class:`ScriptedModel`)."""
    return ScriptedModel(replies, delay=delay, cycle=cycle).agent(
        name,
        cache=cache,
        tools=tools,
        max_tool_rounds=max_tool_rounds,
        output_type=output_type,
        output_retries=output_retries,
    )
