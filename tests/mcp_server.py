"""A real MCP server for tests, written with the official SDK (``MCPServer`` in mcp 2.x, ``FastMCP`` in 1.x).

Run as a script it serves over stdio (``python tests/mcp_server.py``); :class:`HTTPServer` serves a fresh one over
streamable HTTP with uvicorn on 127.0.0.1 (a free port), in a thread of its own. Every tool call is appended, as
one JSON line, to the file named by ``$AGENTFORUM_MCP_LOG`` when it is set (so tests count the calls a server got);
``$AGENTFORUM_MCP_VARIANT=2`` changes ``add``'s description (a server whose tools changed). ``hold`` waits until
:data:`RELEASE` is set (after setting :data:`HELD`): a call in flight, for the in-thread HTTP server.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
from typing import Any

try:
    from mcp.server.mcpserver import MCPServer as _Server
except ImportError:  # the 1.x SDK
    from mcp.server.fastmcp import FastMCP as _Server  # type: ignore[no-redef]


HELD = threading.Event()  # a call of `hold` has reached the server
RELEASE = threading.Event()  # lets calls of `hold` return


def _log(tool: str, arguments: dict[str, Any]) -> None:
    path = os.environ.get("AGENTFORUM_MCP_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"tool": tool, "arguments": arguments}) + "\n")


def make_server() -> Any:
    server = _Server("agentforum-test", log_level="WARNING")
    variant = os.environ.get("AGENTFORUM_MCP_VARIANT", "1")

    def add(a: int, b: int) -> int:
        _log("add", {"a": a, "b": b})
        return a + b

    add.__doc__ = "Add two numbers." if variant == "1" else "Add two integers and return their sum."
    server.tool()(add)

    @server.tool()
    def greet(name: str, punctuation: str = "!") -> str:
        """Greet someone by name."""
        _log("greet", {"name": name, "punctuation": punctuation})
        return f"Hello, {name}{punctuation}"

    @server.tool()
    def fail(why: str) -> str:
        """Always fails."""
        _log("fail", {"why": why})
        raise ValueError(f"failed because {why}")

    @server.tool()
    async def hold() -> str:
        """Waits until the test releases it."""
        import anyio.to_thread

        _log("hold", {})
        HELD.set()
        await anyio.to_thread.run_sync(RELEASE.wait)
        return "released"

    @server.tool()
    def crash() -> str:
        """Ends the server process (a server that goes away in the middle of a session)."""
        _log("crash", {})
        os._exit(3)

    return server


class HTTPServer:
    """``with HTTPServer() as s:`` a fresh test server over streamable HTTP at ``s.url``, stopped at the end."""

    def __init__(self) -> None:
        import uvicorn

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/mcp"
        started = self.started = threading.Event()

        class Server(uvicorn.Server):
            async def startup(self, sockets: Any = None) -> None:
                await super().startup(sockets=sockets)
                started.set()

        app = make_server().streamable_http_app()
        self.server = Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> HTTPServer:
        self.thread.start()
        if not self.started.wait(30):
            raise RuntimeError("the test MCP server did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(30)
        self.sock.close()


if __name__ == "__main__":
    if len(sys.argv) > 1:
        raise SystemExit(f"usage: {sys.argv[0]} (serves over stdio)")
    make_server().run("stdio")
