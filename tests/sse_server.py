"""A real HTTP server for tests that speaks the OpenAI streaming chat-completions protocol (server-sent events).

It runs on 127.0.0.1 in the test's own event loop (asyncio streams, real sockets). Each request takes the next
scripted reply: a list of tokens, optionally with ``pause_after`` (wait for ``release`` before the rest), an
error event after the tokens (``error_after=True``), or an HTTP status (``status=500``). The server records the
request bodies and sets ``client_closed`` when a client hangs up mid-stream.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field


@dataclass
class Reply:
    tokens: list[str] = field(default_factory=list)
    pause_after: int | None = None
    error_after: bool = False
    status: int = 200


class SSEServer:
    def __init__(self, replies: list[Reply]) -> None:
        self.replies = list(replies)
        self.requests: list[dict] = []
        self.paused = asyncio.Event()
        self.release = asyncio.Event()
        self.client_closed = asyncio.Event()
        self._server: asyncio.AbstractServer | None = None
        self._handlers: set[asyncio.Task] = set()

    async def __aenter__(self) -> "SSEServer":
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc) -> None:
        self._server.close()
        for t in list(self._handlers):
            t.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        await self._server.wait_closed()

    @property
    def base_url(self) -> str:
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/v1"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._handlers.add(asyncio.current_task())
        try:
            await self._serve(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            self.client_closed.set()
        finally:
            self._handlers.discard(asyncio.current_task())
            writer.close()

    async def _serve(self, reader, writer) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        headers = {}
        for line in head.decode("latin-1").split("\r\n")[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        self.requests.append(json.loads(body))
        reply = self.replies.pop(0) if self.replies else Reply(["(no more scripted replies)"])
        if reply.status != 200:
            payload = json.dumps({"error": {"message": "scripted failure", "type": "server_error"}}).encode()
            writer.write(f"HTTP/1.1 {reply.status} Error\r\ncontent-type: application/json\r\n"
                         f"content-length: {len(payload)}\r\nconnection: close\r\n\r\n".encode() + payload)
            await writer.drain()
            return
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n"
                     b"connection: close\r\n\r\n")
        for i, tok in enumerate(reply.tokens):
            if reply.pause_after is not None and i == reply.pause_after:
                self.paused.set()
                closed = asyncio.ensure_future(reader.read(1))  # b"" when the client hangs up
                released = asyncio.ensure_future(self.release.wait())
                done, pending = await asyncio.wait({closed, released}, return_when=asyncio.FIRST_COMPLETED)
                for t in pending:
                    t.cancel()
                if closed in done:
                    self.client_closed.set()
                    return
            chunk = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 0, "model": "scripted",
                     "choices": [{"index": 0, "delta": {"content": tok}, "finish_reason": None}]}
            writer.write(f"data: {json.dumps(chunk)}\n\n".encode())
            await writer.drain()
        if reply.error_after:
            writer.write(b'data: {"error": {"message": "the model crashed", "type": "server_error"}}\n\n')
            await writer.drain()
            return
        done = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 0, "model": "scripted",
                "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        writer.write(f"data: {json.dumps(done)}\n\ndata: [DONE]\n\n".encode())
        await writer.drain()
