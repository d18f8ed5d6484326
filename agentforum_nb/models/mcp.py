"""``af.mcp_tools``: the tools of a Model Context Protocol server, through the official ``mcp`` SDK.

``af.mcp_tools(server)`` connects to ``server`` (a command line: the stdio transport; an ``http(s)://`` URL: the
streamable HTTP transport), lists its tools and returns them as :class:`MCPTool` objects for ``tools=[...]`` of any
model agent. It is synchronous: the listing runs in a short-lived worker thread with its own event loop (so it works
the same in a script and in a notebook cell, whose loop is already running) and that connection is closed before
it returns. The tools' names, descriptions and input schemas are the server's (``name=`` prefixes the names,
``"<name>_<tool>"``, to keep two servers' tools apart); each tool's fingerprint, part of its agents' version,
covers the server's name and version and the tool's name, description and schema, so an agent misses the cache
when the server's tools change (``af.mcp_tools`` is called again, e.g. when the cell runs again).

Calls go through a session that the forum owns (:class:`MCPSessions`, the forum's ``service``): one per server
and event loop, opened on the first call and kept open for the next ones; ``forum.aclose()`` closes it (a forum
shared by several event loops has one session per loop). The SDK's async context managers must be entered and
left by one task: each session is a task (:class:`_Connection`) that opens the transport and the session, serves
until it is told to stop, and closes them; tool calls send their requests through the session from the agent's
task. A session whose connection was lost (the server exited) is closed, and the next call opens a new one.

A result's text content is the tool result's content; other content is described in text (images, audio and
binary resources by type and size, resource links by name and URI), structured content without text as JSON. An
error result (``isError``) gives a result whose ``tool_error`` is :class:`MCPToolError`; an exception (a lost
connection, a protocol error) the exception's name, as API.md section 12 says for every tool. A server that cannot
be reached (a command that does not exist or exits, a URL nothing listens on, no answer within ``timeout``
seconds) raises :class:`~agentforum_nb.UsageError` naming it.

The ``mcp`` package is an optional dependency (``pip install 'agentforum_nb[mcp]'``), imported by the first
``mcp_tools()`` call, never by ``import agentforum_nb``.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hashlib
import importlib
import json
import logging
import re
import shlex
import tempfile
from collections.abc import AsyncIterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from ..calls import Context, host_of
from ..errors import AgentForumError, UsageError
from ..forum import Forum
from .tools import Tool, ToolCall, ToolResult, error_result, plain_json

if TYPE_CHECKING:  # pragma: no cover
    from mcp import ClientSession

__all__ = ["CONNECT_TIMEOUT", "MCPEndpoint", "MCPSessions", "MCPTool", "MCPToolError", "mcp_tools", "result_text"]

log = logging.getLogger("agentforum_nb")

#: seconds a server has to start and answer the handshake (and the tool listing) before it counts as unreachable
CONNECT_TIMEOUT = 30.0
INSTALL = "pip install 'agentforum_nb[mcp]'"
_CONNECTION_CLOSED = -32000  # the SDK's error code for a connection that ended (mcp.types.CONNECTION_CLOSED)
_STDERR_TAIL = 800  # characters of a server's stderr quoted when it cannot be reached


class MCPToolError(AgentForumError):
    """An MCP server answered a tool call with an error result (``isError``). Never raised: it names the
    ``tool_error`` of that call's result (``agentforum_nb.models.mcp.MCPToolError``)."""


@dataclass(frozen=True)
class MCPEndpoint:
    """Where an MCP server is: ``command`` (program and arguments, the stdio transport; ``env``: extra environment
    variables for it) or ``url`` (the streamable HTTP transport)."""

    command: tuple[str, ...] = ()
    url: str | None = None
    env: tuple[tuple[str, str], ...] = ()

    @property
    def label(self) -> str:
        """The server as a person wrote it: the URL or the command line."""
        return self.url if self.url is not None else shlex.join(self.command)

    @classmethod
    def parse(cls, server: Any, env: Mapping[str, str] | None = None) -> MCPEndpoint:
        if env is not None and (
            not isinstance(env, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in env.items())
        ):
            raise UsageError(f"af.mcp_tools: env must be a dict of str to str, not {env!r:.80}")
        extra = tuple(sorted(env.items())) if env else ()
        if isinstance(server, str):
            text = server.strip()
            if re.match(r"(?i)https?://", text):
                if extra:
                    raise UsageError("af.mcp_tools: env= is for a server started as a command (stdio), not a URL")
                return cls(url=text)
            if re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", text):
                raise UsageError(
                    f"af.mcp_tools: {server!r}: give an http(s):// URL (streamable HTTP) or a command line (stdio)"
                )
            try:
                parts = tuple(shlex.split(text))
            except ValueError as exc:
                raise UsageError(f"af.mcp_tools: cannot split the command line {server!r} ({exc})") from None
            if parts:
                return cls(command=parts, env=extra)
        elif (
            isinstance(server, Sequence)
            and not isinstance(server, (str, bytes))
            and server
            and all(isinstance(p, str) and p for p in server)
        ):
            return cls(command=tuple(server), env=extra)
        raise UsageError(
            f"af.mcp_tools needs a server: a command line (a str, or a list of str: program and arguments) or an "
            f"http(s):// URL, not {server!r:.80}"
        )


def _require_mcp() -> None:
    try:
        importlib.import_module("mcp")
    except ImportError as exc:
        raise UsageError(f"af.mcp_tools needs the official MCP SDK: {INSTALL} ({exc})") from None


def _leaf(exc: BaseException) -> BaseException:
    """The first real error inside the SDK's exception groups (anyio's task groups wrap what they raise)."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


def _unreachable(server: MCPEndpoint, exc: BaseException, errlog: TextIO | None, timeout: float) -> UsageError:
    cause = _leaf(exc)
    if isinstance(cause, TimeoutError):
        detail = f"no answer within {timeout:g} s"
    else:
        text = str(cause)
        detail = f"{type(cause).__name__}: {text}" if text else type(cause).__name__
    message = f"the MCP server {server.label!r} cannot be reached or did not answer ({detail})"
    if errlog is not None:
        try:
            errlog.seek(0)
            err = errlog.read().strip()
        except (OSError, ValueError):  # a closed or unreadable log: the message is complete without it
            err = ""
        if err:
            message += f"; it wrote to stderr: {err[-_STDERR_TAIL:]}"
    return UsageError(message)


@contextlib.asynccontextmanager
async def _session(
    server: MCPEndpoint, seconds: float, errlog: TextIO
) -> AsyncIterator[tuple[ClientSession, dict[str, Any]]]:
    """An initialized session with ``server`` and the server's handshake (its wire form). Entered and left by one
    task. Errors come out of the SDK's task groups, often wrapped in exception groups (see :func:`_leaf`)."""
    from mcp import ClientSession

    async with contextlib.AsyncExitStack() as stack:
        if server.url is not None:
            try:
                from mcp.client.streamable_http import streamable_http_client
            except ImportError as exc:  # an old 1.x SDK
                raise UsageError(f"af.mcp_tools over HTTP needs a newer MCP SDK: {INSTALL} ({exc})") from None
            streams = await stack.enter_async_context(streamable_http_client(server.url))
        else:
            from mcp import StdioServerParameters
            from mcp.client.stdio import stdio_client

            params = StdioServerParameters(
                command=server.command[0], args=list(server.command[1:]), env=dict(server.env) or None
            )
            streams = await stack.enter_async_context(stdio_client(params, errlog=errlog))
        session = await stack.enter_async_context(ClientSession(streams[0], streams[1]))
        async with asyncio.timeout(seconds):
            init = await session.initialize()
        yield session, init.model_dump(mode="json", by_alias=True, exclude_none=True)


async def _list_tools(server: MCPEndpoint, seconds: float) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The server's handshake and its tools (wire form), listed over a connection of its own."""
    from mcp import types

    with contextlib.suppress(ImportError):
        # the SDK validates structured results with jsonschema, imported on the first call: import it here, in
        # the worker thread, rather than on the event loop of the first tool call
        importlib.import_module("jsonschema")
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as errlog:
        try:
            async with _session(server, seconds, errlog) as (session, init):
                tools: list[dict[str, Any]] = []
                cursor: str | None = None
                async with asyncio.timeout(seconds):
                    while True:
                        if cursor is None:
                            page = await session.list_tools()
                        else:
                            page = await session.list_tools(params=types.PaginatedRequestParams(cursor=cursor))
                        tools.extend(t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in page.tools)
                        cursor = getattr(page, "next_cursor", None) or getattr(page, "nextCursor", None)
                        if not cursor:
                            return init, tools
        except Exception as exc:
            cause = _leaf(exc)
            if isinstance(cause, UsageError):
                raise cause from None
            raise _unreachable(server, cause, errlog, seconds) from cause
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def _run_fresh(server: MCPEndpoint, seconds: float) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """:func:`_list_tools` on a new event loop of this (worker) thread, closed afterwards. ``asyncio.Runner`` rather
    than ``asyncio.run``, which nest-asyncio (``af.run_sync`` in a notebook) replaces with a version that reuses and
    never closes a loop."""
    with asyncio.Runner() as runner:
        return runner.run(_list_tools(server, seconds))


def result_text(result: Mapping[str, Any]) -> str:
    """The text of a tool result (``CallToolResult`` in its wire form), see the module docstring."""
    parts: list[str] = []
    for block in result.get("content") or ():
        kind = block.get("type")
        if kind == "text":
            parts.append(str(block.get("text", "")))
        elif kind in ("image", "audio"):
            parts.append(f"[{kind}: {block.get('mimeType', '?')}, {_size(block.get('data'))} bytes]")
        elif kind == "resource_link":
            named = " ".join(str(block[k]) for k in ("name", "uri") if block.get(k))
            parts.append(f"[resource link: {named}]")
        elif kind == "resource":
            res = block.get("resource") or {}
            if "text" in res:
                parts.append(str(res["text"]))
            else:
                mime = res.get("mimeType", "application/octet-stream")
                parts.append(f"[resource: {res.get('uri', '')}, {mime}, {_size(res.get('blob'))} bytes]")
        else:
            parts.append(json.dumps(block, ensure_ascii=False))
    if not parts and result.get("structuredContent") is not None:
        return json.dumps(result["structuredContent"], ensure_ascii=False)
    return "\n".join(parts)


def _size(data: Any) -> int:
    if not isinstance(data, str):
        return 0
    try:
        return len(base64.b64decode(data))
    except (binascii.Error, ValueError):
        return len(data)


class MCPTool(Tool):
    """One tool of an MCP server (made by :func:`mcp_tools`): ``remote_name`` is its name on the server, ``name``
    the name the model sees; ``server`` where it is. Calling it calls the server's tool through the forum's session
    (:class:`MCPSessions`)."""

    def __init__(
        self,
        server: MCPEndpoint,
        spec: Mapping[str, Any],
        server_info: Mapping[str, Any],
        *,
        prefix: str | None,
        timeout: float,
    ) -> None:
        self.server = server
        self.remote_name = str(spec["name"])
        self.name = f"{prefix}_{self.remote_name}" if prefix else self.remote_name
        self.description = str(spec.get("description") or "")
        schema = spec.get("inputSchema")
        self.parameters = dict(schema) if isinstance(schema, Mapping) else {"type": "object", "properties": {}}
        self.timeout = timeout
        body = json.dumps(
            {
                "server": {k: server_info.get(k) for k in ("name", "version")},
                "tool": {"name": self.remote_name, "description": self.description, "inputSchema": self.parameters},
                "as": self.name,
            },
            sort_keys=True,
            ensure_ascii=False,
        )
        self.fingerprint = "mcp:" + hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()[:16]

    async def run(self, ctx: Context, call: ToolCall) -> ToolResult:
        sessions = ctx.forum.service(MCPSessions, MCPSessions)
        try:
            conn = await sessions.connection(self.server, self.timeout)
            result = await conn.session.call_tool(self.remote_name, plain_json(call.arguments))
        except UsageError as exc:  # the server cannot be reached now
            return error_result(exc)
        except Exception as exc:
            if getattr(getattr(exc, "error", None), "code", None) == _CONNECTION_CLOSED:
                await sessions.drop(self.server)  # the next call connects again
            return error_result(exc)
        wire = result.model_dump(mode="json", by_alias=True, exclude_none=True)
        text = result_text(wire)
        if wire.get("isError"):
            return error_result(MCPToolError(text or f"{self.remote_name} failed"))
        return ToolResult(text)

    def __repr__(self) -> str:
        return f"<MCPTool {self.name!r} of {self.server.label!r}>"


class _Connection:
    """One session with one server on the running event loop: a task that enters the SDK's transport and session,
    serves until :meth:`close`, and leaves them (in the same task, as the SDK requires). Its owner is the forum's
    :class:`MCPSessions`, which closes it (or asyncio.run's cleanup cancels it when its loop ends first)."""

    def __init__(self, server: MCPEndpoint, seconds: float) -> None:
        self.server = server
        self.loop = asyncio.get_running_loop()
        self.ready: asyncio.Future[ClientSession] = self.loop.create_future()
        self.ready.add_done_callback(_mark_read)
        self.stop = asyncio.Event()
        self.task = self.loop.create_task(self._serve(seconds), name=f"agentforum_nb MCP session {server.label}")
        self.task.add_done_callback(_report)

    @property
    def session(self) -> ClientSession:
        return self.ready.result()

    async def opened(self) -> _Connection:
        """Wait until the session is open (shielded: a caller that is cancelled leaves it opening for others);
        raises :class:`UsageError` when the server cannot be reached."""
        await asyncio.shield(self.ready)
        return self

    async def _serve(self, seconds: float) -> None:
        with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as errlog:
            try:
                async with _session(self.server, seconds, errlog) as (session, _init):
                    self.ready.set_result(session)
                    await self.stop.wait()
            except Exception as exc:
                cause = _leaf(exc)
                if not self.ready.done():
                    if not isinstance(cause, UsageError):
                        cause = _unreachable(self.server, cause, errlog, seconds)
                    self.ready.set_exception(cause)
                else:  # the session was open: its calls saw the failure; closing it failed too
                    log.warning("closing the MCP session with %s failed: %r", self.server.label, _leaf(exc))
            finally:
                if not self.ready.done():  # cancelled while opening
                    self.ready.set_exception(UsageError(f"the MCP session with {self.server.label!r} was closed"))

    async def close(self) -> None:
        """Stop serving and wait until the session and transport are closed (the server process has ended)."""
        self.stop.set()
        await asyncio.wait([self.task])


def _report(task: asyncio.Task[None]) -> None:
    """A session task ends by returning or being cancelled; anything else is a bug of the library: reported."""
    if not task.cancelled() and task.exception() is not None:
        task.get_loop().call_exception_handler(
            {"message": "agentforum_nb MCP session task failed", "exception": task.exception(), "task": task}
        )


def _mark_read(future: asyncio.Future[Any]) -> None:
    """The outcome of opening is read by the calls waiting for it; one that nobody waited for is not an error."""
    if not future.cancelled():
        future.exception()


class MCPSessions:
    """The MCP sessions of one forum (``forum.service(MCPSessions, MCPSessions)``): one :class:`_Connection` per
    server and event loop, opened by the first call that needs it. ``aclose()`` (run by ``forum.aclose()``) first
    stops the forum's running calls (which may be using a session), then closes every session of the running loop
    and waits for them; a session of another loop is told to stop, on its loop."""

    def __init__(self, forum: Forum) -> None:
        self.forum = forum
        self.connections: dict[tuple[asyncio.AbstractEventLoop, MCPEndpoint], _Connection] = {}
        self.closing = False

    async def connection(self, server: MCPEndpoint, seconds: float) -> _Connection:
        if self.closing:
            raise UsageError("this forum is closing: its MCP sessions are closed")
        loop = asyncio.get_running_loop()
        for old in [k for k in self.connections if k[0] is not loop and k[0].is_closed()]:
            del self.connections[old]  # sessions of loops that have ended (asyncio.run cancelled them)
        key = (loop, server)
        conn = self.connections.get(key)
        if conn is None or conn.task.done():
            conn = self.connections[key] = _Connection(server, seconds)
        try:
            return await conn.opened()
        except UsageError:
            if self.connections.get(key) is conn:
                del self.connections[key]  # the next call tries again
            raise

    async def drop(self, server: MCPEndpoint) -> None:
        """Close this loop's session with ``server`` (its connection was lost)."""
        conn = self.connections.pop((asyncio.get_running_loop(), server), None)
        if conn is not None:
            await conn.close()

    async def aclose(self) -> None:
        self.closing = True
        await host_of(self.forum).aclose()  # the calls first: none of them is left using a session
        loop = asyncio.get_running_loop()
        conns, self.connections = list(self.connections.values()), {}
        here = []
        for conn in conns:
            if conn.loop is loop:
                here.append(conn.close())
            elif not conn.loop.is_closed():
                conn.loop.call_soon_threadsafe(conn.stop.set)
        for closing in here:
            await closing


def mcp_tools(
    server: str | Sequence[str],
    *,
    name: str | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = CONNECT_TIMEOUT,
) -> list[MCPTool]:
    """``af.mcp_tools``: the tools of the MCP server ``server`` for ``tools=[...]`` (see the module docstring).

    ``server``: a command line (``"python server.py"``, or a list: program and arguments) started as a subprocess
    that speaks the stdio transport, with the SDK's default environment plus ``env``; or an ``http(s)://`` URL of a
    streamable HTTP endpoint. ``name``: a prefix for the tools' names (``"<name>_<tool>"``), to keep two servers'
    tools apart. ``timeout``: seconds the server has to start and answer. Synchronous (it blocks until the tools
    are listed, also inside a running event loop); raises :class:`UsageError` when the server cannot be reached.
    """
    if name is not None and (not isinstance(name, str) or not name):
        raise UsageError(f"af.mcp_tools: name must be a non-empty str (a prefix of the tools' names), not {name!r}")
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise UsageError(f"af.mcp_tools: timeout must be a number of seconds > 0, not {timeout!r}")
    target = MCPEndpoint.parse(server, env)
    _require_mcp()
    with ThreadPoolExecutor(1, thread_name_prefix="agentforum_nb-mcp") as pool:
        info, specs = pool.submit(_run_fresh, target, float(timeout)).result()
    server_info = info.get("serverInfo") or {}
    tools = [MCPTool(target, spec, server_info, prefix=name, timeout=float(timeout)) for spec in specs]
    names = [t.name for t in tools]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise UsageError(f"the MCP server {target.label!r} lists the tool {dupes[0]!r} twice")
    return tools
