"""``af.llm``: an agent backed by an OpenAI-compatible chat-completions API (the official ``openai`` SDK).

Works with OpenAI and with local servers that speak the same protocol (vLLM, llama.cpp's ``llama-server``,
Ollama): pass ``base_url`` or set ``OPENAI_BASE_URL``. The ``openai`` package is imported only when an ``llm``
agent is created (``pip install 'agentforum_nb[openai]'``), never by ``import agentforum_nb``.

The branch (``await ctx.history()``: root .. last request) becomes the chat, see :func:`to_chat_messages`:

- the system prompt, if any, comes first (``{"role": "system"}``);
- a message whose ``sender`` is this agent's name is an ``assistant`` turn;
- every other message is a ``user`` turn; its content is prefixed with ``"<sender>: "`` when the sender is
  neither ``"user"`` nor this agent (another agent), so a debate between agents reads naturally;
- ``kind="error"`` messages are left out; cancelled and failed messages are included with their partial text;
  a forward counts as said by whoever forwarded it (its ``sender``), with the original's text.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import weakref
from collections.abc import AsyncIterator, Iterable
from typing import Any

from .._canonical import freeze_metadata, metadata_json
from ..errors import InvalidMessageError, UsageError
from ..messages import Message
from .base import ModelAgent, ModelRequest

__all__ = ["LLMAgent", "OpenAIModel", "llm", "to_chat_messages"]

#: Used as the API key when only a base URL is given: local servers (vLLM, llama.cpp, Ollama) need none, but
#: the SDK refuses to start without one.
PLACEHOLDER_KEY = "not-needed"

_RESERVED = ("messages", "stream")  # set by the agent itself


def to_chat_messages(history: Iterable[Message], agent_name: str, system: str | None = None) -> list[dict[str, str]]:
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
    """The text deltas of a chat-completions stream.

    A class rather than an async generator so that ``aclose()`` (which the runtime calls when the response is
    cancelled or fails) closes the HTTP response even if iteration never started.
    """

    def __init__(self, stream: Any, model: str) -> None:
        self._stream = stream
        self._chunks = stream.__aiter__()
        self._notes: dict[str, Any] = {"model": model}

    def __aiter__(self) -> _Tokens:
        return self

    async def __anext__(self) -> str:
        try:
            while True:
                chunk = await self._chunks.__anext__()
                self._note(chunk)
                # chunks without choices (usage reports) or without text (role, finish_reason) carry no tokens
                if chunk.choices and chunk.choices[0].delta.content:
                    text: str = chunk.choices[0].delta.content  # the openai client is untyped (no stubs)
                    return text
        except StopAsyncIteration:
            await self.aclose()
            raise

    def _note(self, chunk: Any) -> None:
        """What the stream says about itself: the model that answered, the finish reason, the usage."""
        model = getattr(chunk, "model", None)
        if isinstance(model, str) and model:
            self._notes["model"] = model
        if chunk.choices:
            reason = getattr(chunk.choices[0], "finish_reason", None)
            if isinstance(reason, str):
                self._notes["finish_reason"] = reason
        usage = getattr(chunk, "usage", None)
        if usage is not None:
            prompt, completion = getattr(usage, "prompt_tokens", None), getattr(usage, "completion_tokens", None)
            if type(prompt) is int and type(completion) is int:
                self._notes["usage"] = {"input_tokens": prompt, "output_tokens": completion}

    def stream_annotations(self) -> dict[str, Any]:
        """``model``, and when the server reported them, ``finish_reason`` and ``usage`` (input/output tokens)."""
        return dict(self._notes)

    async def aclose(self) -> None:
        try:
            await self._stream.close()  # closes the HTTP response: the server sees the connection end
        finally:
            aclose = getattr(self._chunks, "aclose", None)
            if aclose is not None:
                await aclose()


class OpenAIModel:
    """An OpenAI-compatible chat-completions model (the :class:`~agentforum_nb.models.Model` behind ``af.llm``).

    ``model``, ``system``, ``base_url`` and ``defaults`` are what it was created with (``defaults``: the extra
    keyword arguments passed to ``chat.completions.create``). It makes one ``openai.AsyncOpenAI`` client per
    event loop, at first use (an HTTP connection pool belongs to one loop), and reuses it; ``await
    model.aclose()`` closes the running loop's client. An injected ``client=`` is used as it is, on any loop, and
    never closed.
    """

    def __init__(
        self,
        *,
        model: str,
        system: str | None,
        base_url: str | None,
        api_key: str | None,
        defaults: dict[str, Any],
        client: Any,
        client_options: dict[str, Any],
        fingerprint: str,
    ) -> None:
        self.model = model
        self.system = system
        self.base_url = base_url
        self.defaults = dict(defaults)
        self.api_key = api_key
        self._client = client
        self._client_options = client_options
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = weakref.WeakKeyDictionary()
        self._fingerprint = fingerprint

    @property
    def fingerprint(self) -> str:
        return self._fingerprint

    async def stream(self, request: ModelRequest) -> AsyncIterator[str]:
        params = {**self.defaults, **request.params}
        for key in _RESERVED:
            if key in params:
                raise UsageError(f"{request.agent}: {key}= is set by af.llm itself; remove it from the call")
        chosen_model = params.pop("model", None) or self.model
        chosen_system = params.pop("system", self.system)
        if request.sample:  # another answer: another seed (the provider's way to vary samples reproducibly)
            seed = params.get("seed")
            params["seed"] = (seed if type(seed) is int else 0) + request.sample
        messages = to_chat_messages(request.history, request.agent, chosen_system)
        # ask for the usage at the end of the stream (OpenAI, vLLM, llama.cpp, Ollama report it when asked);
        # stream_options={} (per agent or per call) does not ask
        params.setdefault("stream_options", {"include_usage": True})
        if not params["stream_options"]:
            del params["stream_options"]
        # errors before the first token (HTTP 4xx/5xx, connection refused) raise here: an error message
        stream = await self.client().chat.completions.create(
            messages=messages, model=chosen_model, stream=True, **params
        )
        return _Tokens(stream, chosen_model)

    def client(self) -> Any:
        """The ``openai.AsyncOpenAI`` client for the running event loop (created on first use)."""
        if self._client is not None:
            return self._client
        loop = asyncio.get_running_loop()
        c = self._clients.get(loop)
        if c is None:
            import openai

            c = openai.AsyncOpenAI(api_key=self.api_key, base_url=self.base_url, **self._client_options)
            self._clients[loop] = c
        return c

    async def aclose(self) -> None:
        """Close the HTTP client made for the running loop (a later call makes a new one)."""
        try:
            c = self._clients.pop(asyncio.get_running_loop(), None)
        except RuntimeError:  # pragma: no cover - no running loop
            return
        if c is not None:
            await c.close()


class LLMAgent(ModelAgent):
    """The agent :func:`llm` returns: a :class:`~agentforum_nb.models.ModelAgent` over an :class:`OpenAIModel`,
    whose settings it shows (``model``, ``system``, ``base_url``, ``defaults``); ``client()`` and ``aclose()``
    are the model's."""

    backend: OpenAIModel

    def __init__(self, model: OpenAIModel, *, name: str, cache: bool, version: str | None) -> None:
        super().__init__(model, name=name, cache=cache, version=version)

    @property
    def model(self) -> str:
        return self.backend.model

    @property
    def system(self) -> str | None:
        return self.backend.system

    @property
    def base_url(self) -> str | None:
        return self.backend.base_url

    @property
    def defaults(self) -> dict[str, Any]:
        return self.backend.defaults

    def client(self) -> Any:
        return self.backend.client()

    async def aclose(self) -> None:
        await self.backend.aclose()

    def __repr__(self) -> str:
        where = f" base_url={self.base_url!r}" if self.base_url else ""
        return (
            f"<LLMAgent {self.name!r} model={self.model!r}{where} version={self.version!r}"
            f"{'' if self.cache else ' cache=False'}>"
        )


def llm(
    name: str = "assistant",
    *,
    model: str | None = None,
    system: str | None = None,
    base_url: str | None = None,
    api_key: str | None = None,
    cache: bool = True,
    version: str | None = None,
    client: Any = None,
    max_retries: int = 2,
    timeout: float | None = 120.0,
    **defaults: Any,
) -> LLMAgent:
    """An agent that answers with an OpenAI-compatible chat model, streaming its tokens.

    ``model`` defaults to ``$AGENTFORUM_MODEL``, then ``$OPENAI_MODEL``; ``base_url`` to ``$OPENAI_BASE_URL``;
    ``api_key`` to ``$OPENAI_API_KEY``, else a placeholder when a base URL is set (local servers need no key).
    Other keyword arguments (``temperature``, ``max_tokens``, ``top_p``, ``stop``, ``seed``...) are passed to
    ``chat.completions.create``; a call's kwargs override them, and ``model``/``system`` too, per call:
    ``agent.quick_call("hi", temperature=0)``. ``version`` defaults to a digest of the model, system prompt and
    defaults, so changing any of them misses the cache. ``client`` injects an ``openai.AsyncOpenAI`` (then
    ``base_url``, ``api_key``, ``max_retries`` and ``timeout`` are not used); ``max_retries`` and ``timeout``
    configure the clients the agent makes itself.
    """
    try:
        import openai
    except ImportError as exc:
        raise UsageError("af.llm needs the openai package: pip install 'agentforum_nb[openai]'") from exc
    del openai  # imported here to fail early; the client is made at first use, inside the running loop
    model = model or os.environ.get("AGENTFORUM_MODEL") or os.environ.get("OPENAI_MODEL")
    if not model:
        raise UsageError("af.llm needs a model: pass model='...' or set $AGENTFORUM_MODEL (or $OPENAI_MODEL)")
    base_url = base_url or os.environ.get("OPENAI_BASE_URL") or None
    api_key = api_key or os.environ.get("OPENAI_API_KEY") or (PLACEHOLDER_KEY if base_url else None)
    if client is None and api_key is None:
        raise UsageError(
            "af.llm needs an API key (api_key= or $OPENAI_API_KEY) or the base_url of a local server "
            "(base_url= or $OPENAI_BASE_URL)"
        )
    for key in _RESERVED:
        if key in defaults:
            raise UsageError(f"af.llm sets {key}= itself; remove it")
    if system is not None and not isinstance(system, str):
        raise UsageError(f"system must be a str, not {type(system).__name__}")
    try:
        frozen, fast = freeze_metadata({"model": model, "system": system, "defaults": defaults})
    except InvalidMessageError as exc:
        raise UsageError(f"af.llm options must be JSON values (they are part of its cache version): {exc}") from None
    # canonical (RFC 8785) JSON of what shapes the answers
    fingerprint = "llm:" + hashlib.sha256(metadata_json(frozen, fast).encode("utf-8")).hexdigest()[:16]
    backend = OpenAIModel(
        model=model,
        system=system,
        base_url=base_url,
        api_key=api_key,
        defaults=defaults,
        client=client,
        client_options={"max_retries": max_retries, "timeout": timeout},
        fingerprint=fingerprint,
    )
    return LLMAgent(backend, name=name, cache=cache, version=version)
