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
from .base import ModelAgent, ModelRequest, ModelStream

__all__ = ["ScriptedModel", "scripted_agent", "split_tokens"]

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
                raise UsageError(
                    f"a scripted reply must be a str, a list of str tokens or an exception, not {type(r).__name__}"
                )
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
        tokens = list(reply) if isinstance(reply, (list, tuple)) else split_tokens(reply)
        prompt = sum(len(split_tokens(m.content)) for m in request.history)
        notes = {
            "model": "scripted",
            "usage": {"input_tokens": prompt, "output_tokens": len(tokens)},
            "finish_reason": "stop",
        }
        return ModelStream(self._tokens(tokens), notes)

    async def _tokens(self, tokens: list[str]) -> AsyncIterator[str]:
        for tok in tokens:
            if self.delay:
                await asyncio.sleep(self.delay)
            yield tok

    def agent(self, name: str, *, cache: bool = True, version: str | None = None) -> ModelAgent:
        """An agent that answers each call with the next scripted reply, streamed."""
        return ModelAgent(self, name=name, cache=cache, version=version)


def scripted_agent(
    name: str, replies: Iterable[Any], *, delay: float = 0.0, cycle: bool = False, cache: bool = True
) -> ModelAgent:
    """One line: an agent that streams the scripted ``replies`` in order (see :class:`ScriptedModel`)."""
    return ScriptedModel(replies, delay=delay, cycle=cycle).agent(name, cache=cache)
