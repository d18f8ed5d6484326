"""``af.llm``: an agent backed by a chat model, streamed: an OpenAI-compatible chat-completions API (the official
``openai`` SDK; the default) or Anthropic's Messages API (``provider="anthropic"``, the official ``anthropic`` SDK,
see :mod:`agentforum_nb.models.anthropic`).

Works with OpenAI and with local servers that speak the same protocol (vLLM, llama.cpp's ``llama-server``,
Ollama): pass ``base_url`` or set ``OPENAI_BASE_URL``. The SDKs are imported only when an ``llm`` agent is created
(``pip install 'agentforum_nb[openai]'`` / ``'agentforum_nb[anthropic]'``), never by ``import agentforum_nb``.

The branch (``await ctx.history()``: root .. last request, then the run's own responses: its tool calls and their
results) becomes the chat, see :func:`branch_turns` and :func:`to_chat_messages`:

- the system prompt, if any, comes first (``{"role": "system"}``);
- a message whose ``sender`` is this agent's name is an ``assistant`` turn; when it asked for tools
  (``metadata["tool_calls"]``) the turn carries them as ``tool_calls``;
- a result of one of those calls (``metadata["tool_call_id"]``) is a ``{"role": "tool"}`` message; a call with
  no result on the branch (the run was cancelled while it ran) gets a placeholder result, as the API needs one;
- every other message is a ``user`` turn; its content is prefixed with ``"<sender>: "`` when the sender is
  neither ``"user"`` nor this agent (another agent, or a tool result of another agent's call), so a debate
  between agents reads naturally;
- ``kind="error"`` messages are left out, and so are the forwards an agent used as a tool leaves (its answer
  streaming through; the tool result carries the text) and this agent's tool approvals (the question
  ``metadata["tool_approval"]`` and the user's answer under it: the call's result tells the model the
  outcome); cancelled and failed messages are included with their partial text; a forward counts as said by
  whoever forwarded it (its ``sender``), with the original's text and attachments;
- attachments (``message.attachments``): in a ``user`` turn each image the API takes (PNG, JPEG, GIF, WebP) is an
  ``image_url`` content part holding a ``data:`` URL of its bytes, after the text part; every other attachment
  (and every attachment of an ``assistant`` or ``tool`` turn, which take no images) is named in the text, on a
  line of its own: ``[attachment: notes.pdf (application/pdf, 12,345 bytes)]``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import re
import weakref
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from .._canonical import freeze_metadata, metadata_json, thaw
from ..attachments import AttachmentRef
from ..errors import InvalidMessageError, UsageError
from ..messages import Message
from .base import APPROVAL_KEY, ModelAgent, ModelRequest, check_model_request
from .pricing import cost_usd
from .tools import ToolCall

if TYPE_CHECKING:  # pragma: no cover
    from .anthropic import AnthropicModel

__all__ = [
    "LLMAgent",
    "OpenAIModel",
    "ToolArgumentsError",
    "Turn",
    "attachment_note",
    "branch_turns",
    "llm",
    "parse_arguments",
    "to_chat_messages",
]

#: Used as the API key when only a base URL is given: local servers (vLLM, llama.cpp, Ollama) need none, but
#: the SDK refuses to start without one.
PLACEHOLDER_KEY = "not-needed"

#: the providers ``af.llm(provider=...)`` speaks
PROVIDERS = ("openai", "anthropic")

#: set by the agent itself (``tools``: by the agent's constructor, from its ``tools=[...]``)
_RESERVED = ("messages", "stream", "tools")

#: the result a tool call gets in the chat when the branch has none (the run was cancelled while it ran)
NO_RESULT = "(no result: the tool call did not complete)"


class ToolArgumentsError(ValueError):
    """A model asked for a tool with arguments that are not a JSON object (most often: the answer was cut off by
    ``max_tokens`` in the middle of them). The stream fails with it: the text so far is stored as a failed
    message, then the run's error message names this class and shows the start of the arguments."""


def parse_arguments(name: str, raw: str) -> dict[str, Any]:
    """The arguments a model streamed for tool ``name`` (the joined pieces), as a dict; ``""`` is ``{}``."""
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise ToolArgumentsError(
            f"the model asked for tool {name!r} with arguments that are not valid JSON ({exc}): {raw[:200]!r}"
        ) from None
    if not isinstance(value, dict):
        raise ToolArgumentsError(
            f"the model asked for tool {name!r} with arguments that are not a JSON object: {raw[:200]!r}"
        )
    return value


@dataclass
class PartialCall:
    """A tool call being streamed: its id and name (they arrive first) and the pieces of its JSON arguments."""

    id: str | None = None
    name: str = ""
    pieces: list[str] = field(default_factory=list)
    initial: Any = None  # arguments given whole when the call started (some servers), used when no pieces came

    def finish(self) -> ToolCall:
        if not self.name:
            raise ToolArgumentsError(f"the model asked for a tool call without a tool name (id {self.id!r})")
        raw = "".join(self.pieces)
        if not raw and isinstance(self.initial, dict):
            return ToolCall(self.name, self.initial, self.id)
        return ToolCall(self.name, parse_arguments(self.name, raw), self.id)


@dataclass(frozen=True)
class Turn:
    """One step of the branch as every provider sees it: ``role`` ``"user"`` (``text``), ``"assistant"``
    (``text`` and the ``calls`` it asked for: ``{"id", "name", "arguments"}``) or ``"tool"`` (the result
    ``text`` of call ``call_id`` to tool ``tool``; ``is_error`` when it failed); ``attachments``: the message's
    attachment descriptors."""

    role: Literal["user", "assistant", "tool"]
    text: str
    calls: tuple[dict[str, Any], ...] = ()
    call_id: str = ""
    tool: str = ""
    is_error: bool = False
    message_id: str = ""  # the message an assistant turn is (what a provider may need sent back with it)
    attachments: tuple[AttachmentRef, ...] = ()

    def parts(self, read: Callable[[str], bytes] | None, images: bool) -> tuple[str, list[tuple[AttachmentRef, str]]]:
        """The turn's text with a note naming each attachment not sent as an image, and the images to send
        (``images``: the turn's role may hold them; ``read``: the bytes by sha256, as base64), each once."""
        notes: list[str] = []
        sent: list[tuple[AttachmentRef, str]] = []
        seen: set[str] = set()
        for a in self.attachments:
            if images and read is not None and a.is_image:
                if a.sha256 not in seen:
                    seen.add(a.sha256)
                    sent.append((a, base64.b64encode(read(a.sha256)).decode("ascii")))
            else:
                notes.append(attachment_note(a))
        text = self.text
        if notes:
            text = "\n".join([text, *notes]) if text else "\n".join(notes)
        return text, sent


def attachment_note(a: AttachmentRef) -> str:
    """How the text of a turn names an attachment the model does not get as an image."""
    what = f"{a.name} ({a.media_type}, {a.size:,} bytes)" if a.name else f"{a.media_type}, {a.size:,} bytes"
    return f"[attachment: {what}]"


def _calls_of(m: Message) -> tuple[dict[str, Any], ...]:
    out = []
    raw = m.metadata.get("tool_calls")
    for i, c in enumerate(raw if isinstance(raw, (list, tuple)) else ()):
        if not isinstance(c, dict) or not isinstance(c.get("name"), str):
            continue  # not something a model agent stored
        args = thaw(c.get("arguments"))
        call_id = c.get("id")
        out.append(
            {
                "id": call_id if isinstance(call_id, str) and call_id else f"call_{i + 1}",
                "name": c["name"],
                "arguments": args if isinstance(args, dict) else {},
            }
        )
    return tuple(out)


def branch_turns(history: Iterable[Message], agent_name: str) -> list[Turn]:
    """The branch as :class:`Turn` objects, the provider-neutral step of the mapping (module docstring)."""
    out: list[Turn] = []
    pending: dict[str, str] = {}  # id -> tool name: the calls of this agent's last message, not answered yet

    def settle() -> None:
        for call_id, tool in pending.items():
            out.append(Turn("tool", NO_RESULT, call_id=call_id, tool=tool, is_error=True))
        pending.clear()

    approvals: set[str] = set()  # tool approvals asked on the branch: they and their answers are left out
    for m in history:
        if m.kind == "error":
            continue
        if APPROVAL_KEY in m.metadata and m.sender == agent_name:
            approvals.add(m.id)
            continue
        if m.parent_id in approvals and m.sender == "user":
            continue
        call_id = m.metadata.get("tool_call_id")
        if m.kind == "forward" and call_id is not None:
            continue  # an agent used as a tool, streaming through: its result message carries the text
        if isinstance(call_id, str) and call_id in pending and m.sender != agent_name:
            del pending[call_id]
            error, attached = "tool_error" in m.metadata, m.attachments
            out.append(Turn("tool", m.content, call_id=call_id, tool=m.sender, is_error=error, attachments=attached))
            continue
        settle()
        if m.sender == agent_name:
            calls = _calls_of(m)
            out.append(Turn("assistant", m.content, calls, message_id=m.id, attachments=m.attachments))
            pending.update((c["id"], c["name"]) for c in calls)
        elif m.sender == "user":
            out.append(Turn("user", m.content, attachments=m.attachments))
        elif m.content or m.attachments or "tool_calls" not in m.metadata:  # a bare tool request says nothing
            out.append(Turn("user", f"{m.sender}: {m.content}", attachments=m.attachments))
    settle()
    return out


def to_chat_messages(
    history: Iterable[Message],
    agent_name: str,
    system: str | None = None,
    *,
    attachment: Callable[[str], bytes] | None = None,
) -> list[dict[str, Any]]:
    """The branch as chat-completions messages (see the module docstring for the mapping); ``attachment`` gives
    an attachment's bytes by sha256 (``forum.attachment``): without it images are only named in the text."""
    out: list[dict[str, Any]] = []
    if system:
        out.append({"role": "system", "content": system})
    for t in branch_turns(history, agent_name):
        text, images = t.parts(attachment, t.role == "user")
        if t.role == "tool":
            out.append({"role": "tool", "tool_call_id": t.call_id, "content": text})
        elif t.role == "assistant" and t.calls:
            out.append(
                {
                    "role": "assistant",
                    "content": text or None,
                    "tool_calls": [
                        {"id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": _json(c)}}
                        for c in t.calls
                    ],
                }
            )
        elif images:
            content: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
            content.extend(
                {"type": "image_url", "image_url": {"url": f"data:{a.media_type};base64,{data}"}} for a, data in images
            )
            out.append({"role": t.role, "content": content})
        else:
            out.append({"role": t.role, "content": text})
    return out


def _json(call: dict[str, Any]) -> str:
    return json.dumps(call["arguments"], ensure_ascii=False)


def schema_name(name: str) -> str:
    """``output_name`` as a JSON-schema response format name (``[a-zA-Z0-9_-]``, at most 64 characters)."""
    return re.sub(r"[^a-zA-Z0-9_-]+", "_", name).strip("_")[:64] or "output"


def with_error_detail(exc: BaseException) -> None:
    """``exc`` with the provider's error body (the SDKs' ``APIError.body``: what the server said, which the
    exception's text often leaves out, e.g. "Error code: 422") as its ``error_detail``, which the run records on
    the error message (``metadata["error_detail"]``)."""
    body = getattr(exc, "body", None)
    if body is not None and getattr(exc, "error_detail", None) is None:
        try:
            exc.error_detail = body  # type: ignore[attr-defined]
        except AttributeError:  # pragma: no cover - an exception class with __slots__
            pass


class SdkStream:
    """What the providers' stream readers share: the SDK's stream and its iterator (``_items``), what the stream
    said about itself (``_notes``: the model, then the finish reason and usage as they arrive), the tool calls
    ready to be yielded (``_ready``), and closing the HTTP response."""

    def __init__(self, stream: Any, model: str, provider: str = "openai", base_url: str | None = None) -> None:
        self._stream = stream
        self._items = stream.__aiter__()
        self._notes: dict[str, Any] = {"model": model}
        self._ready: list[ToolCall] = []
        self._reasoning: list[str] = []  # the model's reasoning text so far (not part of the answer)
        self._where = (provider, base_url)

    def stream_annotations(self) -> dict[str, Any]:
        """``model``, and when the server reported them, ``finish_reason``, ``usage`` (input/output tokens) and what
        that cost (``cost_usd``, priced by genai-prices), and the model's ``reasoning``."""
        notes = dict(self._notes)
        if self._reasoning:
            notes["reasoning"] = "".join(self._reasoning)
        usage = self._usage()
        if usage is not None:
            notes["usage"] = usage
            cost = cost_usd(self._where[0], self._where[1], notes["model"], usage)
            if cost is not None:
                notes["cost_usd"] = cost
        return notes

    def _usage(self) -> dict[str, int] | None:
        """The usage to record (the server's report, as far as it came)."""
        usage: dict[str, int] | None = self._notes.get("usage")
        return usage

    def live_annotations(self) -> dict[str, Any]:
        """What is known while the answer streams (the widgets show it live): the reasoning so far."""
        return {"reasoning": "".join(self._reasoning)} if self._reasoning else {}

    async def _next_item(self) -> Any:
        """The SDK stream's next item; an error the server sent mid-stream keeps its body (``error_detail``)."""
        try:
            return await self._items.__anext__()
        except StopAsyncIteration:
            raise
        except Exception as exc:
            with_error_detail(exc)
            raise

    async def aclose(self) -> None:
        try:
            await self._stream.close()  # closes the HTTP response: the server sees the connection end
        finally:
            aclose = getattr(self._items, "aclose", None)
            if aclose is not None:
                await aclose()


class _Tokens(SdkStream):
    """The text deltas of a chat-completions stream, then the tool calls it asked for.

    Tool calls stream as deltas of ``choices[0].delta.tool_calls``: each names the call it continues by
    ``index``; the call's ``id`` and ``function.name`` come first, ``function.arguments`` in pieces over many
    chunks (several calls may interleave). The pieces are joined per call and parsed as JSON once the stream has
    ended; the ``ToolCall`` objects are yielded then, in the order of their indexes.

    A class rather than an async generator so that ``aclose()`` (which the runtime calls when the response is
    cancelled or fails) closes the HTTP response even if iteration never started.
    """

    def __init__(self, stream: Any, model: str, provider: str = "openai", base_url: str | None = None) -> None:
        super().__init__(stream, model, provider, base_url)
        self._calls: dict[int, PartialCall] = {}
        self._last: int | None = None
        self._ended = False

    def __aiter__(self) -> _Tokens:
        return self

    async def __anext__(self) -> str | ToolCall:
        if self._ready:
            return self._ready.pop(0)
        if self._ended:
            raise StopAsyncIteration
        try:
            while True:
                chunk = await self._next_item()
                self._note(chunk)
                # chunks without choices (usage reports) or without text (role, finish_reason) carry no tokens
                if not chunk.choices:
                    continue
                delta = getattr(chunk.choices[0], "delta", None)
                if delta is None:
                    continue
                calls = getattr(delta, "tool_calls", None)
                if calls:
                    self._add(calls)
                # reasoning models on OpenAI-compatible servers stream their thinking beside the answer:
                # reasoning_content (DeepSeek, vLLM), or reasoning (OpenRouter, Ollama)
                thought = getattr(delta, "reasoning_content", None) or getattr(delta, "reasoning", None)
                if isinstance(thought, str) and thought:
                    self._reasoning.append(thought)
                if delta.content:
                    text: str = delta.content  # the openai client is untyped (no stubs)
                    return text
        except StopAsyncIteration:
            self._ended = True
            await self.aclose()
            calls = [self._calls[i] for i in sorted(self._calls)]
            self._calls.clear()
            self._ready = [c.finish() for c in calls]  # ToolArgumentsError: the stream fails
            if self._ready:
                return self._ready.pop(0)
            raise

    def _add(self, deltas: Iterable[Any]) -> None:
        for d in deltas:
            call_id = getattr(d, "id", None)
            index = getattr(d, "index", None)
            if type(index) is not int:  # servers that leave the index out: a new id starts a new call
                last = self._calls.get(self._last) if self._last is not None else None
                if last is None or (call_id and last.id and call_id != last.id):
                    index = max(self._calls, default=-1) + 1
                else:
                    index = self._last
            assert isinstance(index, int)
            self._last = index
            call = self._calls.setdefault(index, PartialCall())
            if isinstance(call_id, str) and call_id and call.id is None:
                call.id = call_id
            fn = getattr(d, "function", None)
            name = getattr(fn, "name", None)
            if isinstance(name, str) and name and not call.name:  # it arrives whole; some servers repeat it
                call.name = name
            piece = getattr(fn, "arguments", None)
            if isinstance(piece, str) and piece:
                call.pieces.append(piece)

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


class ChatModel:
    """What the models behind ``af.llm`` share: their settings (``model``, ``system``, ``base_url``, ``defaults``:
    the extra keyword arguments of each request), the call's settings over them, and one SDK client per event
    loop, made at first use (an HTTP connection pool belongs to one loop) and reused; ``await model.aclose()``
    closes the running loop's client. An injected ``client=`` is used as it is, on any loop, and never closed."""

    provider = "openai"

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

    def settings(self, request: ModelRequest) -> tuple[dict[str, Any], str, str | None]:
        """``(params, model, system)`` for one request: the agent's defaults under the call's kwargs."""
        params = {**self.defaults, **request.params}
        for key in _RESERVED:
            if key in params:
                raise UsageError(f"{request.agent}: {key}= is set by af.llm itself; remove it from the call")
        chosen_model = params.pop("model", None) or self.model
        chosen_system = params.pop("system", self.system)
        return params, chosen_model, chosen_system

    def client(self) -> Any:
        """The SDK client for the running event loop (created on first use)."""
        if self._client is not None:
            return self._client
        loop = asyncio.get_running_loop()
        c = self._clients.get(loop)
        if c is None:
            c = self._clients[loop] = self._new_client()
        return c

    def request_client(self, agent: str) -> Any:
        """:meth:`client`, once the request it is for is allowed (see ``models.base.ALLOW_MODEL_REQUESTS``)."""
        c = self.client()
        url = getattr(c, "base_url", None)
        check_model_request(getattr(url, "host", None) if url is not None else None, agent)
        return c

    def _new_client(self) -> Any:
        import openai

        return openai.AsyncOpenAI(api_key=self.api_key, base_url=self.base_url, **self._client_options)

    async def aclose(self) -> None:
        """Close the HTTP client made for the running loop (a later call makes a new one)."""
        try:
            c = self._clients.pop(asyncio.get_running_loop(), None)
        except RuntimeError:  # pragma: no cover - no running loop
            return
        if c is not None:
            await c.close()


class OpenAIModel(ChatModel):
    """An OpenAI-compatible chat-completions model (the :class:`~agentforum_nb.models.Model` behind ``af.llm``).

    ``model``, ``system``, ``base_url`` and ``defaults`` are what it was created with (``defaults``: the extra
    keyword arguments passed to ``chat.completions.create``). It makes one ``openai.AsyncOpenAI`` client per
    event loop (see :class:`ChatModel`). Tools are sent as function tools; an output schema as
    ``response_format={"type": "json_schema", ...}`` (unless the call sets ``response_format`` itself).
    """

    provider = "openai"

    async def stream(self, request: ModelRequest) -> AsyncIterator[str | ToolCall]:
        params, chosen_model, chosen_system = self.settings(request)
        if request.sample:  # another answer: another seed (the provider's way to vary samples reproducibly)
            seed = params.get("seed")
            params["seed"] = (seed if type(seed) is int else 0) + request.sample
        messages = to_chat_messages(request.history, request.agent, chosen_system, attachment=request.attachment)
        if request.tools:
            params["tools"] = [_function_tool(spec) for spec in request.tools]
        if request.output_schema is not None and "response_format" not in params:
            params["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": schema_name(request.output_name), "schema": request.output_schema},
            }
        # ask for the usage at the end of the stream (OpenAI, vLLM, llama.cpp, Ollama report it when asked);
        # stream_options={} (per agent or per call) does not ask
        params.setdefault("stream_options", {"include_usage": True})
        if not params["stream_options"]:
            del params["stream_options"]
        # errors before the first token (HTTP 4xx/5xx, connection refused) raise here: an error message
        try:
            stream = await self.request_client(request.agent).chat.completions.create(
                messages=messages, model=chosen_model, stream=True, **params
            )
        except Exception as exc:
            with_error_detail(exc)
            raise
        return _Tokens(stream, chosen_model, self.provider, self.base_url)


def _function_tool(spec: dict[str, Any]) -> dict[str, Any]:
    function: dict[str, Any] = {"name": spec["name"], "parameters": spec["parameters"]}
    if spec.get("description"):
        function["description"] = spec["description"]
    return {"type": "function", "function": function}


class LLMAgent(ModelAgent):
    """The agent :func:`llm` returns: a :class:`~agentforum_nb.models.ModelAgent` over an :class:`OpenAIModel`
    or an :class:`~agentforum_nb.models.anthropic.AnthropicModel`, whose settings it shows (``provider``,
    ``model``, ``system``, ``base_url``, ``defaults``); ``client()`` and ``aclose()`` are the model's."""

    backend: OpenAIModel | AnthropicModel

    def __init__(
        self,
        model: OpenAIModel | AnthropicModel,
        *,
        name: str,
        cache: bool,
        version: str | None,
        tools: Iterable[Any] = (),
        max_tool_rounds: int = 10,
        output_type: Any = None,
        output_retries: int = 2,
    ) -> None:
        super().__init__(
            model,
            name=name,
            cache=cache,
            version=version,
            tools=tools,
            max_tool_rounds=max_tool_rounds,
            output_type=output_type,
            output_retries=output_retries,
        )

    @property
    def provider(self) -> str:
        return self.backend.provider

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
        provider = f" provider={self.provider!r}" if self.provider != "openai" else ""
        where = f" base_url={self.base_url!r}" if self.base_url else ""
        tools = f" tools={[t.name for t in self.tools]}" if self.tools else ""
        return (
            f"<LLMAgent {self.name!r}{provider} model={self.model!r}{where}{tools} version={self.version!r}"
            f"{'' if self.cache else ' cache=False'}>"
        )


def llm(
    name: str = "assistant",
    *,
    provider: str = "openai",
    model: str | None = None,
    system: str | None = None,
    base_url: str | None = None,
    api_key: str | None = None,
    cache: bool = True,
    version: str | None = None,
    client: Any = None,
    max_retries: int = 2,
    timeout: float | None = 120.0,
    tools: Iterable[Any] = (),
    max_tool_rounds: int = 10,
    output_type: Any = None,
    output_retries: int = 2,
    **defaults: Any,
) -> LLMAgent:
    """An agent that answers with a chat model, streaming its tokens.

    ``provider="openai"`` (default): any OpenAI-compatible chat-completions API. ``model`` defaults to
    ``$AGENTFORUM_MODEL``, then ``$OPENAI_MODEL``; ``base_url`` to ``$OPENAI_BASE_URL``; ``api_key`` to
    ``$OPENAI_API_KEY``, else a placeholder when a base URL is set (local servers need no key).

    ``provider="anthropic"``: Anthropic's Messages API. ``model`` defaults to ``$ANTHROPIC_MODEL``, then
    ``$AGENTFORUM_MODEL``; ``base_url`` to ``$ANTHROPIC_BASE_URL``; ``api_key`` to ``$ANTHROPIC_API_KEY`` (else a
    placeholder when a base URL is set); ``max_tokens`` (which the API requires) to 4096.

    Other keyword arguments (``temperature``, ``max_tokens``, ``top_p``, ``stop``, ``seed``...) are passed to
    the SDK's create call; a call's kwargs override them, and ``model``/``system`` too, per call:
    ``agent.quick_call("hi", temperature=0)``. ``tools``, ``max_tool_rounds``, ``output_type`` and
    ``output_retries`` are those of :class:`~agentforum_nb.models.ModelAgent`. ``version`` defaults to a digest
    of the provider, model, system prompt and defaults (and of the tools and output type), so changing any of
    them misses the cache. ``client`` injects an SDK client (``openai.AsyncOpenAI`` /
    ``anthropic.AsyncAnthropic``; then ``base_url``, ``api_key``, ``max_retries`` and ``timeout`` are not used);
    ``max_retries`` and ``timeout`` configure the clients the agent makes itself.
    """
    if provider not in PROVIDERS:
        raise UsageError(f"af.llm: unknown provider {provider!r} (use one of: {', '.join(PROVIDERS)})")
    try:
        __import__(provider)  # fail early; the client is made at first use, inside the running loop
    except ImportError as exc:
        raise UsageError(
            f"af.llm(provider={provider!r}) needs the {provider} package: pip install 'agentforum_nb[{provider}]'"
        ) from exc
    if provider == "openai":
        env = ("AGENTFORUM_MODEL", "OPENAI_MODEL")
        base_var, key_var = "OPENAI_BASE_URL", "OPENAI_API_KEY"
        where = ""
    else:
        # the provider's own variable first: $AGENTFORUM_MODEL often names an OpenAI or a local model
        env = ("ANTHROPIC_MODEL", "AGENTFORUM_MODEL")
        base_var, key_var = "ANTHROPIC_BASE_URL", "ANTHROPIC_API_KEY"
        where = f"(provider={provider!r}) "
    model = model or next((os.environ[v] for v in env if os.environ.get(v)), None)
    if not model:
        raise UsageError(f"af.llm{where} needs a model: pass model='...' or set ${env[0]} (or ${env[1]})")
    base_url = base_url or os.environ.get(base_var) or None
    api_key = api_key or os.environ.get(key_var) or (PLACEHOLDER_KEY if base_url else None)
    if client is None and api_key is None:
        raise UsageError(
            f"af.llm{where} needs an API key (api_key= or ${key_var}) or the base_url of a local server "
            f"(base_url= or ${base_var})"
        )
    for key in _RESERVED:
        if key in defaults:
            raise UsageError(f"af.llm sets {key}= itself; remove it")
    if system is not None and not isinstance(system, str):
        raise UsageError(f"system must be a str, not {type(system).__name__}")
    if provider == "anthropic":
        from .anthropic import DEFAULT_MAX_TOKENS

        defaults.setdefault("max_tokens", DEFAULT_MAX_TOKENS)
    shape: dict[str, Any] = {"model": model, "system": system, "defaults": defaults}
    if provider != "openai":  # (OpenAI versions stay what they were before there were providers)
        shape["provider"] = provider
    try:
        frozen, fast = freeze_metadata(shape)
    except InvalidMessageError as exc:
        raise UsageError(f"af.llm options must be JSON values (they are part of its cache version): {exc}") from None
    # canonical (RFC 8785) JSON of what shapes the answers
    fingerprint = "llm:" + hashlib.sha256(metadata_json(frozen, fast).encode("utf-8")).hexdigest()[:16]
    options: dict[str, Any] = {
        "model": model,
        "system": system,
        "base_url": base_url,
        "api_key": api_key,
        "defaults": defaults,
        "client": client,
        "client_options": {"max_retries": max_retries, "timeout": timeout},
        "fingerprint": fingerprint,
    }
    backend: OpenAIModel | AnthropicModel
    if provider == "anthropic":
        from .anthropic import AnthropicModel

        backend = AnthropicModel(**options)
    else:
        backend = OpenAIModel(**options)
    return LLMAgent(
        backend,
        name=name,
        cache=cache,
        version=version,
        tools=tools,
        max_tool_rounds=max_tool_rounds,
        output_type=output_type,
        output_retries=output_retries,
    )
