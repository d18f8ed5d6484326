"""``af.llm``: an agent backed by an OpenAI-compatible chat-completions API (the official ``openai`` SDK).

Works with OpenAI and with local servers that speak the same protocol (vLLM, llama.cpp's server, Ollama):
pass ``base_url`` or set ``OPENAI_BASE_URL``. The ``openai`` package is imported only when an ``llm`` agent is
created (``pip install 'agentforum_nb[openai]'``).

The branch becomes the chat: messages sent by this agent are ``assistant`` turns; every other message is a
``user`` turn, prefixed with ``"<sender>: "`` when the sender is another agent; error messages are left out; an
optional system prompt comes first.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import weakref
from typing import Any

from ..agents import Agent
from ..calls import Context
from ..errors import UsageError
from ..messages import Message

__all__ = ["llm", "to_chat_messages"]

_CLIENT_KEYS = ("model", "system")


def to_chat_messages(history: list[Message], agent_name: str, system: str | None = None) -> list[dict[str, str]]:
    """The branch as chat-completions messages (see the module docstring for the mapping)."""
    out: list[dict[str, str]] = []
    if system:
        out.append({"role": "system", "content": system})
    for m in history:
        if m.kind == "error":
            continue
        if m.sender == agent_name:
            out.append({"role": "assistant", "content": m.content})
        elif m.sender == "user":
            out.append({"role": "user", "content": m.content})
        else:
            out.append({"role": "user", "content": f"{m.sender}: {m.content}"})
    return out


class _Tokens:
    """The text deltas of a chat-completions stream; ``aclose()`` (called on cancellation) closes the HTTP
    response even if iteration never started."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._chunks = stream.__aiter__()

    def __aiter__(self) -> "_Tokens":
        return self

    async def __anext__(self) -> str:
        try:
            while True:
                chunk = await self._chunks.__anext__()
                if chunk.choices and chunk.choices[0].delta.content:
                    return chunk.choices[0].delta.content
        except StopAsyncIteration:
            await self.aclose()
            raise

    async def aclose(self) -> None:
        await self._stream.close()


def llm(name: str = "assistant", *, model: str | None = None, system: str | None = None,
        base_url: str | None = None, api_key: str | None = None, cache: bool = True, version: str | None = None,
        client: Any = None, max_retries: int = 2, timeout: float | None = 120.0, **defaults: Any) -> Agent:
    """An agent that answers with an OpenAI-compatible chat model, streaming its tokens.

    ``model`` defaults to ``$AGENTFORUM_MODEL`` or ``$OPENAI_MODEL``; ``base_url`` to ``$OPENAI_BASE_URL``;
    ``api_key`` to ``$OPENAI_API_KEY`` (a placeholder when only a base URL is given: local servers need none).
    Other keyword arguments (``temperature``, ``max_tokens``, ``top_p``, ``stop``, ``seed``…) are passed to
    ``chat.completions.create``; a call's kwargs override them and ``model``/``system`` per call, e.g.
    ``agent.quick_call("hi", temperature=0)``. ``version`` defaults to a digest of the model, system prompt and
    defaults, so changing any of them misses the cache.
    """
    try:
        import openai
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise UsageError("af.llm needs the openai package: pip install 'agentforum_nb[openai]'") from exc
    model = model or os.environ.get("AGENTFORUM_MODEL") or os.environ.get("OPENAI_MODEL")
    base_url = base_url or os.environ.get("OPENAI_BASE_URL") or None
    api_key = api_key or os.environ.get("OPENAI_API_KEY") or ("not-needed" if base_url else None)
    if not model:
        raise UsageError("af.llm needs a model: pass model='...' or set $AGENTFORUM_MODEL (or $OPENAI_MODEL)")
    if client is None and api_key is None:
        raise UsageError("af.llm needs an API key (api_key= or $OPENAI_API_KEY) or a base_url of a local server "
                         "(base_url= or $OPENAI_BASE_URL)")
    try:
        json.dumps(defaults)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"af.llm options must be JSON values: {exc}") from None
    if version is None:
        body = json.dumps({"model": model, "system": system, "defaults": defaults}, sort_keys=True)
        version = "llm:" + hashlib.sha256(body.encode()).hexdigest()[:16]
    clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def get_client() -> Any:
        if client is not None:
            return client
        loop = asyncio.get_running_loop()  # an httpx client belongs to one event loop
        c = clients.get(loop)
        if c is None:
            c = openai.AsyncOpenAI(api_key=api_key, base_url=base_url, max_retries=max_retries, timeout=timeout)
            clients[loop] = c
        return c


    async def llm_agent(ctx: Context, **kwargs: Any) -> None:
        params = {**defaults, **kwargs}
        chosen_model = params.pop("model", None) or model
        chosen_system = params.pop("system", system)
        messages = to_chat_messages(await ctx.history(), name, chosen_system)
        # errors before the first token (HTTP 4xx/5xx, connection refused) raise here: an error message
        stream = await get_client().chat.completions.create(messages=messages, model=chosen_model, stream=True,
                                                            **params)
        ctx.respond(_Tokens(stream))

    agent = Agent(llm_agent, name=name, cache=cache, version=version)
    agent.model = model  # type: ignore[attr-defined]
    return agent
