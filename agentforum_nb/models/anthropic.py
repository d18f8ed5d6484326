"""``af.llm(..., provider="anthropic")``: Anthropic's Messages API through the official ``anthropic`` SDK.

The same behaviour as the OpenAI path (:mod:`agentforum_nb.models.openai`): tokens stream as they arrive,
errors before the stream raise at ``await model.stream(...)`` (an error message naming the SDK's exception),
errors during it leave the partial text as a failed message, cancelling closes the HTTP response, one
``anthropic.AsyncAnthropic`` client per event loop. The ``anthropic`` package is imported only when a client is
made (``pip install 'agentforum_nb[anthropic]'``).

The branch becomes ``messages=`` (see :func:`to_anthropic_messages`), from the same provider-neutral turns as the
chat-completions mapping (:func:`~agentforum_nb.models.openai.branch_turns`):

- the system prompt is the ``system=`` parameter, not a message;
- this agent's messages are ``assistant`` turns: a ``text`` block (when there is text) and a ``tool_use`` block
  (``id``, ``name``, ``input``) per tool call;
- the results of those calls are ``user`` turns of ``tool_result`` blocks (``tool_use_id``, ``content``,
  ``is_error`` when the tool failed), first in their turn as the API asks;
- everything else is a ``user`` turn, prefixed with ``"<sender>: "`` for other agents; empty or blank texts are
  left out (the API refuses empty text blocks);
- attachments: each image the API takes (PNG, JPEG, GIF, WebP) of a ``user`` turn or a tool result is an
  ``image`` block (``{"type": "base64", "media_type", "data"}`` source) after its text (in a tool result, the
  result's ``content`` is then a list of blocks); every other attachment, and those of this agent's own messages,
  is named in the text (``[attachment: notes.pdf (application/pdf, 12,345 bytes)]``);
- consecutive turns of the same role are merged into one (the API wants user and assistant to alternate); a turn
  that is a single text block is sent as a plain string.

Structured output (``output_type=``): the JSON Schema is described in the system prompt (works with every model
and every Anthropic-compatible server); the answer is then validated, and a failed validation goes back to the
model (``output_retries``). Native constrained decoding (``output_config={"format": {...}}`` on the models that
have it) can be passed as an option of the agent or the call; it is sent as it is.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from typing import Any

from ..messages import Message
from .base import ModelRequest
from .openai import ChatModel, PartialCall, SdkStream, branch_turns, with_error_detail
from .tools import ToolCall

__all__ = ["DEFAULT_MAX_TOKENS", "AnthropicModel", "schema_prompt", "to_anthropic_messages"]

#: ``max_tokens`` when neither the agent nor the call sets it (the API requires it; every Claude model allows it)
DEFAULT_MAX_TOKENS = 4096


def to_anthropic_messages(
    history: Iterable[Message],
    agent_name: str,
    notes: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    attachment: Callable[[str], bytes] | None = None,
) -> list[dict[str, Any]]:
    """The branch as Messages API ``messages`` (see the module docstring for the mapping); ``notes`` (annotations
    by id) give the signed thinking blocks of the agent's earlier answers, sent back first in their turns as the
    API requires during a tool loop; ``attachment`` gives an attachment's bytes by sha256 (``forum.attachment``):
    without it images are only named in the text."""
    out: list[dict[str, Any]] = []

    def add(role: str, block: dict[str, Any]) -> None:
        if out and out[-1]["role"] == role:
            out[-1]["content"].append(block)
        else:
            out.append({"role": role, "content": [block]})

    for t in branch_turns(history, agent_name):
        text, images = t.parts(attachment, t.role != "assistant")
        pictures = [
            {"type": "image", "source": {"type": "base64", "media_type": a.media_type, "data": data}}
            for a, data in images
        ]
        if t.role == "assistant":
            blocks = (notes or {}).get(t.message_id, {}).get("reasoning_blocks")
            for b in blocks if isinstance(blocks, (list, tuple)) else ():
                if isinstance(b, Mapping) and b.get("type") in ("thinking", "redacted_thinking"):
                    add("assistant", dict(b))
            if text.strip():
                add("assistant", {"type": "text", "text": text})
            for c in t.calls:
                add("assistant", {"type": "tool_use", "id": c["id"], "name": c["name"], "input": c["arguments"]})
        elif t.role == "tool":
            block: dict[str, Any] = {"type": "tool_result", "tool_use_id": t.call_id}
            if pictures:
                block["content"] = [{"type": "text", "text": text}, *pictures] if text else pictures
            elif text:
                block["content"] = text
            if t.is_error:
                block["is_error"] = True
            add("user", block)
        else:
            if text.strip():
                add("user", {"type": "text", "text": text})
            for picture in pictures:
                add("user", picture)
    for m in out:
        if m["role"] == "user":  # tool results first in their turn (a stable sort keeps the rest in order)
            m["content"].sort(key=lambda b: b["type"] != "tool_result")
        if len(m["content"]) == 1 and m["content"][0]["type"] == "text":
            m["content"] = m["content"][0]["text"]
    return out


def schema_prompt(name: str, schema: dict[str, Any]) -> str:
    """What the system prompt says about the answer when the agent has an ``output_type``."""
    return (
        f"Answer with a single JSON value, a valid {name}, and nothing else (no prose, no Markdown code fence). "
        f"It must follow this JSON Schema:\n{json.dumps(schema, ensure_ascii=False)}"
    )


class _Events(SdkStream):
    """The text of a Messages API stream, and its tool calls.

    ``content_block_start`` opens a block: ``text``, or ``tool_use`` with the call's ``id`` and ``name``; its
    ``content_block_delta`` events carry ``text_delta`` text (yielded at once) or ``input_json_delta`` pieces of
    the call's JSON input (joined and parsed at ``content_block_stop``, when the ``ToolCall`` is yielded).
    ``message_start`` names the model and the input tokens, ``message_delta`` the ``stop_reason`` and the output
    tokens (cumulative): the annotations' ``finish_reason`` is the ``stop_reason``. ``ping`` events are skipped,
    an ``error`` event raises (the SDK's ``APIStatusError``).
    """

    def __init__(self, stream: Any, model: str, provider: str = "anthropic", base_url: str | None = None) -> None:
        super().__init__(stream, model, provider, base_url)
        self._blocks: dict[int, PartialCall] = {}
        self._input: int | None = None
        self._output: int | None = None
        self._deltas = 0  # content deltas received: what streamed, when the final count never comes
        self._final = False  # message_delta reported the final output tokens
        self._thinking: dict[int, dict[str, Any]] = {}  # thinking blocks by index: sent back on the next turn

    def stream_annotations(self) -> dict[str, Any]:
        """As every stream's, and ``reasoning_blocks``: the signed thinking blocks, as the API must get them back
        on the next turn of a tool loop."""
        notes = super().stream_annotations()
        blocks = [self._thinking[i] for i in sorted(self._thinking)]
        if blocks:
            notes["reasoning_blocks"] = blocks
        return notes

    def _usage(self) -> dict[str, int] | None:
        """As every stream's; a message that ended before ``message_delta`` (cancelled, failed) counts at least
        one output token per content delta that streamed, not ``message_start``'s placeholder."""
        if not self._final and self._input is not None and self._deltas > (self._output or 0):
            return {"input_tokens": self._input, "output_tokens": self._deltas}
        return super()._usage()

    def __aiter__(self) -> _Events:
        return self

    async def __anext__(self) -> str | ToolCall:
        if self._ready:
            return self._ready.pop(0)
        try:
            while True:
                event = await self._next_item()
                kind = getattr(event, "type", None)
                if kind == "content_block_delta":
                    self._deltas += 1
                    delta = event.delta
                    dtype = getattr(delta, "type", None)
                    if dtype == "text_delta":
                        if delta.text:
                            text: str = delta.text
                            return text
                    elif dtype == "thinking_delta":  # extended thinking: the reasoning annotation
                        thought = getattr(delta, "thinking", None)
                        if isinstance(thought, str) and thought:
                            self._reasoning.append(thought)
                            block = self._thinking.get(event.index)
                            if block is not None:
                                block["thinking"] += thought
                    elif dtype == "signature_delta":
                        block = self._thinking.get(event.index)
                        signature = getattr(delta, "signature", None)
                        if block is not None and isinstance(signature, str):
                            block["signature"] = block.get("signature", "") + signature
                    elif dtype == "input_json_delta":
                        call = self._blocks.get(event.index)
                        if call is not None and isinstance(delta.partial_json, str):
                            call.pieces.append(delta.partial_json)
                elif kind == "content_block_start":
                    block = event.content_block
                    btype = getattr(block, "type", None)
                    if btype == "tool_use":
                        self._blocks[event.index] = PartialCall(block.id, block.name, initial=block.input or None)
                    elif btype == "thinking":
                        self._thinking[event.index] = {"type": "thinking", "thinking": block.thinking or ""}
                    elif btype == "redacted_thinking":
                        self._thinking[event.index] = {"type": "redacted_thinking", "data": block.data}
                    elif btype == "text" and block.text:
                        text = block.text
                        return text
                elif kind == "content_block_stop":
                    call = self._blocks.pop(event.index, None)
                    if call is not None:
                        return call.finish()  # ToolArgumentsError: the stream fails
                elif kind == "message_start":
                    self._start(event.message)
                elif kind == "message_delta":
                    reason = getattr(event.delta, "stop_reason", None)
                    if isinstance(reason, str):
                        self._notes["finish_reason"] = reason
                    self._final = True
                    self._count(getattr(event, "usage", None))
        except StopAsyncIteration:
            await self.aclose()
            blocks = [self._blocks[i] for i in sorted(self._blocks)]  # blocks the stream left open
            self._blocks.clear()
            self._ready = [c.finish() for c in blocks]
            if self._ready:
                return self._ready.pop(0)
            raise

    def _start(self, message: Any) -> None:
        model = getattr(message, "model", None)
        if isinstance(model, str) and model:
            self._notes["model"] = model
        self._count(getattr(message, "usage", None))

    def _count(self, usage: Any) -> None:
        """Input tokens (with the prompt cache's: what the prompt cost) and output tokens, as reported so far."""
        if usage is None:
            return
        base = getattr(usage, "input_tokens", None)
        if type(base) is int:
            cached = [getattr(usage, k, None) for k in ("cache_creation_input_tokens", "cache_read_input_tokens")]
            self._input = base + sum(n for n in cached if type(n) is int)
        out = getattr(usage, "output_tokens", None)
        if type(out) is int:
            self._output = out
        if self._input is not None and self._output is not None:
            self._notes["usage"] = {"input_tokens": self._input, "output_tokens": self._output}


class AnthropicModel(ChatModel):
    """A Claude model through Anthropic's Messages API (the model behind ``af.llm(..., provider="anthropic")``).

    ``defaults`` are extra keyword arguments of ``messages.create`` (``max_tokens``, ``temperature``,
    ``stop_sequences``, ``tool_choice``, ``thinking``...); a call's kwargs override them, ``model`` and
    ``system`` included. One ``anthropic.AsyncAnthropic`` per event loop (see
    :class:`~agentforum_nb.models.openai.ChatModel`).
    """

    provider = "anthropic"

    async def stream(self, request: ModelRequest) -> AsyncIterator[str | ToolCall]:
        params, chosen_model, chosen_system = self.settings(request)
        if request.output_schema is not None:
            described = schema_prompt(request.output_name, request.output_schema)
            chosen_system = f"{chosen_system}\n\n{described}" if chosen_system else described
        if chosen_system:
            params["system"] = chosen_system
        if request.tools:
            params["tools"] = [_tool(spec) for spec in request.tools]
        params.setdefault("max_tokens", DEFAULT_MAX_TOKENS)
        messages = to_anthropic_messages(request.history, request.agent, request.notes, attachment=request.attachment)
        create = self.request_client(request.agent).messages.create
        _unnamed_to_body(create, params)
        # errors before the first token (HTTP 4xx/5xx, connection refused) raise here: an error message
        try:
            stream = await create(messages=messages, model=chosen_model, stream=True, **params)
        except Exception as exc:
            with_error_detail(exc)
            raise
        return _Events(stream, chosen_model, self.provider, self.base_url)

    def _new_client(self) -> Any:
        import anthropic

        return anthropic.AsyncAnthropic(api_key=self.api_key, base_url=self.base_url, **self._client_options)


def _unnamed_to_body(create: Any, params: dict[str, Any]) -> None:
    """Move the options ``create`` does not name (the SDK's releases differ: some have no ``temperature`` or
    ``top_k``) into ``extra_body``, so that they reach the API as they are instead of raising ``TypeError``."""
    try:
        named = inspect.signature(create).parameters.values()
    except (TypeError, ValueError):  # pragma: no cover - a stand-in without a signature: pass everything
        return
    if any(p.kind is p.VAR_KEYWORD for p in named):
        return
    names = {p.name for p in named}
    unnamed = {k: params.pop(k) for k in [k for k in params if k not in names]}
    if unnamed:
        params["extra_body"] = {**unnamed, **(params.get("extra_body") or {})}


def _tool(spec: dict[str, Any]) -> dict[str, Any]:
    tool: dict[str, Any] = {"name": spec["name"], "input_schema": spec["parameters"]}
    if spec.get("description"):
        tool["description"] = spec["description"]
    return tool
