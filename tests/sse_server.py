"""A real HTTP server for tests that speaks the OpenAI chat-completions protocol, streaming included.

It listens on 127.0.0.1 (a free port) with asyncio streams and a minimal HTTP/1.1 parser, so the real ``openai``
SDK talks to it over real sockets. ``POST /v1/chat/completions`` with ``"stream": true`` answers
``text/event-stream`` (chunked) as OpenAI sends it: a role chunk, one ``data: {chunk}`` event per token, the tool
calls' deltas, a final chunk with ``finish_reason``, the usage chunk (when the request asks for it) and
``data: [DONE]``; without ``stream`` it answers one JSON ``chat.completion``. Each response closes its connection.

Each request takes the next scripted reply: a list of tokens, a :class:`Reply`, or a callable
``fn(body) -> reply`` (sync or async; ``body`` is the parsed request JSON) that decides per request. When the
script runs out the server answers HTTP 500. A :class:`Reply` can

- ``tool_calls=[Call(name, pieces, id)]``: after the tokens, ask for tools: each call's first delta carries its
  ``index``, ``id``, ``type`` and ``function.name`` (arguments ``""``), then one delta per piece of its JSON
  arguments (``Call.arguments``: the pieces, or one string); ``interleave=True`` sends the calls' pieces round
  robin (each delta names its call by ``index``), else one call after the other as OpenAI does; the finish reason
  is then ``"tool_calls"``;
- ``status=500`` (any status): an HTTP error before streaming, with an OpenAI-style error body;
- ``pause_after=n``: stream ``n`` tokens, set ``server.paused`` and wait for ``server.release`` (or for the client
  to hang up) before the rest; ``hold_headers=True`` pauses before the response headers instead;
- ``error="..."``: after the tokens (and tool calls), send an error event (``data: {"error": {...}}``) and end
  the response;
- ``drop=True``: after the tokens (and tool calls), close the connection abruptly (no terminating chunk, no
  ``[DONE]``);
- ``finish_reason``, ``model`` (the model the chunks name; default: the request's), ``usage=False``.

``server.requests`` records every request body (parsed JSON), ``server.headers`` their headers (lower-case
names). ``server.client_closed`` is set when a client hangs up in the middle of a response.

Use it in the test's own loop (``async with SSEServer([...]) as server``) or, for code that runs several event
loops, in a thread of its own (``with SSEServer([...]).in_thread() as server``; its events then belong to the
server's loop, so pausing is for the first form).

:class:`SSEServer` is also the base of ``tests/anthropic_server.py`` (the same HTTP layer and scripting, another
wire format): a subclass sets ``route`` and overrides ``_stream``, ``_send_error`` and ``_send_completion``.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Call", "Reply", "SSEServer"]


@dataclass
class Call:
    """A tool call a scripted reply asks for; ``arguments``: the pieces of its JSON arguments as streamed (a
    list), or the whole JSON text (one piece)."""

    name: str
    arguments: list[str] | str = "{}"
    id: str | None = None

    @property
    def pieces(self) -> list[str]:
        return [self.arguments] if isinstance(self.arguments, str) else list(self.arguments)


@dataclass
class Reply:
    tokens: list[str] = field(default_factory=list)
    tool_calls: list[Call] = field(default_factory=list)
    interleave: bool = False
    status: int = 200
    pause_after: int | None = None
    hold_headers: bool = False
    error: str | None = None
    drop: bool = False
    finish_reason: str | None = None  # default: the provider's ("stop" / "tool_calls"; "end_turn" / "tool_use")
    usage: bool = True  # send the usage chunk when the request asks for it (stream_options.include_usage)
    model: str | None = None  # the model the response names (default: the request's)
    # the whole JSON body of an HTTP error (status != 200), or the "error" value of a mid-stream error event, as a
    # server other than OpenAI's may send it (transformers serve: {"detail": ...}, or a bare string)
    error_body: Any = None
    # the model's reasoning, streamed before the answer: OpenAI-compatible servers as delta["reasoning_content"] (or
    # the key reasoning_key names), Anthropic as a thinking block (with a signature)
    reasoning: list[str] = field(default_factory=list)
    reasoning_key: str = "reasoning_content"


_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    413: "Payload Too Large",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
    529: "Site Overloaded",
}


class _ClientGone(Exception):
    pass


class SSEServer:
    route = "/chat/completions"  # requests to a path ending with it are served

    def __init__(self, replies: list[Any] = ()) -> None:
        self.replies: list[Any] = list(replies)
        self.requests: list[dict] = []
        self.headers: list[dict[str, str]] = []
        self.paths: list[str] = []
        self.paused = asyncio.Event()
        self.release = asyncio.Event()
        self.client_closed = asyncio.Event()
        self._server: asyncio.AbstractServer | None = None
        self._handlers: set[asyncio.Task] = set()

    # -- lifecycle ------------------------------------------------------------------------------------------
    async def __aenter__(self) -> SSEServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._server.close()
        for t in list(self._handlers):
            t.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        await self._server.wait_closed()

    @contextlib.contextmanager
    def in_thread(self) -> Iterator[SSEServer]:
        """Serve from a thread with its own event loop (for tests that run several loops, e.g. asyncio.run)."""
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="sse-server", daemon=True)
        thread.start()
        try:
            asyncio.run_coroutine_threadsafe(self._enter_in_thread(), loop).result(10)
            yield self
        finally:
            try:
                asyncio.run_coroutine_threadsafe(self.__aexit__(None, None, None), loop).result(10)
            finally:
                loop.call_soon_threadsafe(loop.stop)
                thread.join(10)
                loop.close()

    async def _enter_in_thread(self) -> None:
        # the events must belong to the server's loop
        self.paused, self.release, self.client_closed = asyncio.Event(), asyncio.Event(), asyncio.Event()
        await self.__aenter__()

    @property
    def port(self) -> int:
        return self._server.sockets[0].getsockname()[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # -- HTTP -----------------------------------------------------------------------------------------------
    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._handlers.add(task)
        try:
            await self._serve(reader, writer)
        except _ClientGone:
            self.client_closed.set()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # a connection closed before (or instead of) a request
        finally:
            self._handlers.discard(task)
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        request_line, *lines = head.decode("latin-1").split("\r\n")
        method, path, _ = request_line.split(" ", 2)
        headers = {}
        for line in lines:
            if ":" in line:
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        if method != "POST" or not path.split("?")[0].rstrip("/").endswith(self.route):
            await self._send_error(writer, 404, f"no route for {method} {path}")
            return
        request = json.loads(body)
        self.requests.append(request)
        self.headers.append(headers)
        self.paths.append(path)
        reply = await self._next_reply(request)
        if reply.status != 200:
            if reply.error_body is not None:
                await self._send_json(writer, reply.status, reply.error_body)
            else:
                await self._send_error(writer, reply.status, "scripted failure")
            return
        if not request.get("stream"):
            await self._send_completion(writer, request, reply)
            return
        if reply.hold_headers:
            await self._pause(reader)
        await self._stream(reader, writer, request, reply)

    async def _stream(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: dict, reply: Reply
    ) -> None:
        """The streamed response, in OpenAI's wire format."""
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n"
            b"transfer-encoding: chunked\r\nconnection: close\r\n\r\n"
        )
        usage_asked = reply.usage and (request.get("stream_options") or {}).get("include_usage")

        def chunk(delta: dict, finish_reason: str | None = None) -> dict:
            c = self._chunk(request, reply, delta, finish_reason)
            if usage_asked:
                c["usage"] = None  # as OpenAI sends it: every chunk says "no usage yet" until the last one
            return c

        await self._send_event(writer, chunk({"role": "assistant", "content": "" if reply.tokens else None}))
        for thought in reply.reasoning:
            await self._send_event(writer, chunk({"content": None, reply.reasoning_key: thought}))
        await self._stream_tokens(reader, writer, reply, lambda tok: chunk({"content": tok}))
        for delta in self._tool_call_deltas(reply):
            await self._send_event(writer, chunk({"tool_calls": [delta]}))
        if reply.drop:
            writer.transport.abort()  # no terminating chunk: the client sees a truncated body
            return
        if reply.error_body is not None:
            await self._send_event(writer, {"error": reply.error_body})
        elif reply.error is not None:
            await self._send_event(writer, {"error": {"message": reply.error, "type": "server_error"}})
        else:
            reason = reply.finish_reason or ("tool_calls" if reply.tool_calls else "stop")
            await self._send_event(writer, chunk({}, reason))
            if usage_asked:
                # as OpenAI sends it: a last chunk with no choices and the counts
                prompt = sum(len(str(m.get("content") or "").split()) for m in request.get("messages", []))
                completion = len(reply.tokens) + sum(len(c.pieces) for c in reply.tool_calls)
                usage = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
                await self._send_event(writer, {**self._chunk(request, reply, {}, None), "choices": [], "usage": usage})
            await self._send_event(writer, "[DONE]")
        writer.write(b"0\r\n\r\n")
        await self._drain(writer)

    async def _stream_tokens(self, reader, writer, reply: Reply, event_of) -> None:
        """Send one event per token, pausing where the reply says."""
        for i, tok in enumerate(reply.tokens):
            if reply.pause_after is not None and i == reply.pause_after:
                await self._pause(reader)
            await self._send_event(writer, event_of(tok))
        if reply.pause_after is not None and reply.pause_after >= len(reply.tokens):
            await self._pause(reader)

    @staticmethod
    def _tool_call_deltas(reply: Reply) -> list[dict]:
        """The ``tool_calls`` deltas of a reply: per call, the head (index, id, type, name) then its pieces."""
        per_call = []
        for i, call in enumerate(reply.tool_calls):
            head = {
                "index": i,
                "id": call.id or f"call_{i}",
                "type": "function",
                "function": {"name": call.name, "arguments": ""},
            }
            per_call.append([head] + [{"index": i, "function": {"arguments": p}} for p in call.pieces])
        if not reply.interleave:
            return [d for deltas in per_call for d in deltas]
        out = []
        for step in range(max((len(d) for d in per_call), default=0)):
            out.extend(deltas[step] for deltas in per_call if step < len(deltas))
        return out

    async def _next_reply(self, request: dict) -> Reply:
        if not self.replies:
            return Reply(status=500)
        reply = self.replies.pop(0)
        if callable(reply):
            reply = reply(request)
            if inspect.isawaitable(reply):
                reply = await reply
        if isinstance(reply, str):
            reply = [reply]
        if isinstance(reply, (list, tuple)):
            reply = Reply(list(reply))
        return reply

    async def _pause(self, reader: asyncio.StreamReader) -> None:
        """Wait for ``release``; if the client hangs up meanwhile, stop serving (``client_closed``)."""
        self.paused.set()
        closed = asyncio.ensure_future(reader.read(1))  # b"" when the client hangs up
        released = asyncio.ensure_future(self.release.wait())
        try:
            done, _ = await asyncio.wait({closed, released}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            closed.cancel()
            released.cancel()
            await asyncio.gather(closed, released, return_exceptions=True)
        if closed in done and not closed.cancelled() and closed.exception() is None and closed.result() == b"":
            raise _ClientGone

    @staticmethod
    def _chunk(request: dict, reply: Reply, delta: dict, finish_reason: str | None) -> dict:
        return {
            "id": "chatcmpl-scripted",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": reply.model or request.get("model", "scripted"),
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
        }

    async def _send_event(self, writer: asyncio.StreamWriter, data: Any) -> None:
        payload = f"data: {data if isinstance(data, str) else json.dumps(data)}\n\n".encode()
        await self._send_chunk(writer, payload)

    async def _send_chunk(self, writer: asyncio.StreamWriter, payload: bytes) -> None:
        """One HTTP chunk (transfer-encoding: chunked)."""
        writer.write(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")
        await self._drain(writer)

    @staticmethod
    async def _drain(writer: asyncio.StreamWriter) -> None:
        try:
            await writer.drain()
        except ConnectionError as exc:
            raise _ClientGone from exc

    async def _send_json(self, writer: asyncio.StreamWriter, status: int, obj: Any, extra_headers: str = "") -> None:
        payload = json.dumps(obj).encode()
        writer.write(
            f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}\r\ncontent-type: application/json\r\n"
            f"{extra_headers}content-length: {len(payload)}\r\nconnection: close\r\n\r\n".encode()
            + payload
        )
        await self._drain(writer)

    async def _send_error(self, writer: asyncio.StreamWriter, status: int, message: str) -> None:
        await self._send_json(writer, status, {"error": {"message": message, "type": "server_error", "code": status}})

    async def _send_completion(self, writer: asyncio.StreamWriter, request: dict, reply: Reply) -> None:
        await self._send_json(
            writer,
            200,
            {
                "id": "chatcmpl-scripted",
                "object": "chat.completion",
                "created": 0,
                "model": reply.model or request.get("model", "scripted"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "".join(reply.tokens)},
                        "finish_reason": reply.finish_reason or "stop",
                    }
                ],
            },
        )
