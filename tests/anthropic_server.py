"""A real HTTP server for tests that speaks Anthropic's Messages API, streaming included.

The same HTTP layer and scripting as ``tests/sse_server.py`` (:class:`SSEServer`: replies, pauses, hang-up
detection, ``requests``/``headers``, ``in_thread()``), with Anthropic's wire format. ``POST /v1/messages`` with
``"stream": true`` answers ``text/event-stream`` (chunked) as the API sends it, each event an ``event: <type>``
line and a ``data: {json}`` line:

``message_start`` (the message with the model and ``usage.input_tokens``), then for the text a
``content_block_start`` (``{"type": "text", "text": ""}``), a ``ping``, one ``content_block_delta``
(``text_delta``) per token and ``content_block_stop``; per tool call a ``content_block_start`` (``tool_use`` with
``id``, ``name`` and ``input: {}``), ``input_json_delta`` deltas (an empty first piece, then the call's pieces) and
``content_block_stop``; then ``message_delta`` (``stop_reason``, ``stop_sequence``, ``usage.output_tokens``) and
``message_stop``. ``Reply.error`` sends an ``error`` event instead of the end (``{"type": "error", "error":
{"type": "overloaded_error", "message": ...}}``), ``drop`` cuts the connection there; ``status`` answers an HTTP
error with Anthropic's error body (``{"type": "error", "error": {"type", "message"}, "request_id"}``).

The input token count is the number of words of the system prompt and the messages' texts; the output count the
number of tokens and argument pieces. ``base_url`` has no ``/v1`` (the SDK adds ``/v1/messages``).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from .sse_server import Call, Reply, SSEServer

__all__ = ["AnthropicServer", "Call", "Reply"]

#: HTTP status -> the ``error.type`` Anthropic sends with it
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


def _words(value: Any) -> int:
    """Words of the text in a system prompt or a message's content (a string or a list of blocks)."""
    if isinstance(value, str):
        return len(value.split())
    if isinstance(value, list):
        return sum(_words(b.get("text") or b.get("content") or "") for b in value if isinstance(b, dict))
    return 0


class AnthropicServer(SSEServer):
    route = "/v1/messages"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _event(self, writer: asyncio.StreamWriter, data: dict) -> None:
        payload = f"event: {data['type']}\ndata: {json.dumps(data)}\n\n".encode()
        await self._send_chunk(writer, payload)

    async def _stream(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: dict, reply: Reply
    ) -> None:
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\ncache-control: no-cache\r\n"
            b"request-id: req_scripted\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n"
        )
        model = reply.model or request.get("model", "scripted")
        prompt = _words(request.get("system")) + sum(_words(m.get("content")) for m in request.get("messages", []))
        await self._event(
            writer,
            {
                "type": "message_start",
                "message": {
                    "id": "msg_scripted",
                    "type": "message",
                    "role": "assistant",
                    "model": model,
                    "content": [],
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": {"input_tokens": prompt, "output_tokens": 1},
                },
            },
        )
        index = 0
        if reply.reasoning:  # extended thinking: a thinking block first, signed at its end
            await self._event(
                writer,
                {"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": ""}},
            )
            for thought in reply.reasoning:
                await self._event(
                    writer,
                    {
                        "type": "content_block_delta",
                        "index": 0,
                        "delta": {"type": "thinking_delta", "thinking": thought},
                    },
                )
            await self._event(
                writer,
                {"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": "sig-1"}},
            )
            await self._event(writer, {"type": "content_block_stop", "index": 0})
            index = 1
        if reply.tokens or reply.pause_after is not None:
            await self._event(
                writer,
                {"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}},
            )
            await self._event(writer, {"type": "ping"})
            at = index

            def delta(tok: str) -> dict:
                return {"type": "content_block_delta", "index": at, "delta": {"type": "text_delta", "text": tok}}

            await self._stream_tokens(reader, writer, reply, delta)
            await self._event(writer, {"type": "content_block_stop", "index": at})
            index += 1
        for i, call in enumerate(reply.tool_calls, start=index):
            await self._event(
                writer,
                {
                    "type": "content_block_start",
                    "index": i,
                    "content_block": {
                        "type": "tool_use",
                        "id": call.id or f"toolu_{i}",
                        "name": call.name,
                        "input": {},
                    },
                },
            )
            for piece in ["", *call.pieces]:
                await self._event(
                    writer,
                    {
                        "type": "content_block_delta",
                        "index": i,
                        "delta": {"type": "input_json_delta", "partial_json": piece},
                    },
                )
            await self._event(writer, {"type": "content_block_stop", "index": i})
        if reply.drop:
            writer.transport.abort()  # no message_stop, no terminating chunk
            return
        if reply.error is not None:
            await self._event(writer, {"type": "error", "error": {"type": "overloaded_error", "message": reply.error}})
        else:
            reason = reply.finish_reason or ("tool_use" if reply.tool_calls else "end_turn")
            output = len(reply.tokens) + sum(len(c.pieces) for c in reply.tool_calls)
            await self._event(
                writer,
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": reason, "stop_sequence": None},
                    "usage": {"output_tokens": output},
                },
            )
            await self._event(writer, {"type": "message_stop"})
        writer.write(b"0\r\n\r\n")
        await self._drain(writer)

    async def _send_event(self, writer: asyncio.StreamWriter, data: Any) -> None:
        await self._event(writer, data)  # (the events _stream_tokens sends)

    async def _send_error(self, writer: asyncio.StreamWriter, status: int, message: str) -> None:
        await self._send_json(
            writer,
            status,
            {
                "type": "error",
                "error": {"type": ERROR_TYPES.get(status, "api_error"), "message": message},
                "request_id": "req_scripted",
            },
            extra_headers="request-id: req_scripted\r\n",
        )

    async def _send_completion(self, writer: asyncio.StreamWriter, request: dict, reply: Reply) -> None:
        content = [{"type": "text", "text": "".join(reply.tokens)}] if reply.tokens else []
        content += [
            {"type": "tool_use", "id": c.id or f"toolu_{i}", "name": c.name, "input": json.loads("".join(c.pieces))}
            for i, c in enumerate(reply.tool_calls, start=len(content))
        ]
        await self._send_json(
            writer,
            200,
            {
                "id": "msg_scripted",
                "type": "message",
                "role": "assistant",
                "model": reply.model or request.get("model", "scripted"),
                "content": content,
                "stop_reason": reply.finish_reason or ("tool_use" if reply.tool_calls else "end_turn"),
                "stop_sequence": None,
                "usage": {"input_tokens": 0, "output_tokens": len(reply.tokens)},
            },
        )
