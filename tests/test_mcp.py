"""af.mcp_tools (API.md section 16, "MCP tools") against real MCP servers written with the official SDK
(tests/mcp_server.py): one started over stdio with this interpreter, one over streamable HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

import agentforum_nb as af
from agentforum_nb.models.mcp import MCPSessions, MCPToolError, result_text

from . import mcp_server
from .mcp_server import HTTPServer
from .sse_server import Call, Reply, SSEServer

pytest.importorskip("mcp")

SERVER = str(Path(__file__).with_name("mcp_server.py"))
STDIO = [sys.executable, SERVER]
TOOL_ERROR = f"{MCPToolError.__module__}.{MCPToolError.__qualname__}"


@pytest.fixture(scope="module")
def http_server():
    with HTTPServer() as server:
        yield server


@pytest.fixture(scope="module")
def stdio_tools():
    return af.mcp_tools(STDIO)


@pytest.fixture(scope="module")
def http_tools(http_server):
    return af.mcp_tools(http_server.url)


def by_name(tools):
    return {t.name: t for t in tools}


def server_processes():
    return [p for p in psutil.Process().children(recursive=True) if SERVER in p.cmdline()]


# -- listing ---------------------------------------------------------------------------------------------------
def test_names_descriptions_and_schemas_come_from_the_server(stdio_tools, http_tools):
    tools = by_name(stdio_tools)
    assert list(tools) == ["add", "greet", "fail", "hold", "crash"]
    assert tools["add"].description == "Add two numbers."
    assert tools["greet"].description == "Greet someone by name."
    greet = tools["greet"].parameters
    assert greet["type"] == "object" and greet["required"] == ["name"]
    assert greet["properties"]["name"]["type"] == "string" and greet["properties"]["punctuation"]["default"] == "!"
    # the same server over HTTP lists the same tools, with the same fingerprints (the transport is not part of them)
    assert [t.spec() for t in http_tools] == [t.spec() for t in stdio_tools]
    assert [t.fingerprint for t in http_tools] == [t.fingerprint for t in stdio_tools]


def test_name_prefixes_the_tools(http_server, http_tools):
    tools = af.mcp_tools(http_server.url, name="calc")
    assert [t.name for t in tools] == ["calc_add", "calc_greet", "calc_fail", "calc_hold", "calc_crash"]
    assert [t.spec()["parameters"] for t in tools] == [t.parameters for t in http_tools]
    assert tools[0].fingerprint != http_tools[0].fingerprint  # the model sees another name
    with pytest.raises(af.UsageError, match="two tools have the name 'add'"):
        af.scripted_agent("bot", ["x"], tools=[*http_tools, *http_tools])


async def test_the_schema_the_provider_sees_is_the_servers(forum, http_tools):
    tools = by_name(http_tools)
    async with SSEServer([Reply(tool_calls=[Call("add", '{"a": 20, "b": 22}', id="c1")]), ["42."]]) as server:
        bot = af.llm("assistant", model="m", base_url=server.base_url, api_key="k", max_retries=0, tools=http_tools)
        try:
            asking, result, final = await bot.quick_call("What is 20 + 22?", forum=forum)
        finally:
            await bot.aclose()
        first, second = server.requests
    sent = {t["function"]["name"]: t["function"] for t in first["tools"]}
    assert list(sent) == ["add", "greet", "fail", "hold", "crash"]
    assert sent["add"] == {"name": "add", "description": "Add two numbers.", "parameters": tools["add"].parameters}
    assert sent["add"]["parameters"]["properties"]["a"]["type"] == "integer"
    assert (result.sender, result.content, result.metadata["tool_call_id"]) == ("add", "42", "c1")
    assert second["messages"][-1] == {"role": "tool", "tool_call_id": "c1", "content": "42"}
    assert final.content == "42."


# -- calls -----------------------------------------------------------------------------------------------------
async def test_a_call_over_stdio_is_recorded_as_the_tool_result(forum, stdio_tools):
    bot = af.scripted_agent(
        "bot", [af.ToolCall("greet", {"name": "Ada"}, id="call_g"), "Greeted."], tools=stdio_tools, cache=False
    )
    asking, result, final = await bot.quick_call("Say hello to Ada", forum=forum)
    assert asking.metadata["tool_calls"] == ({"id": "call_g", "name": "greet", "arguments": {"name": "Ada"}},)
    assert result.sender == "greet" and result.content == "Hello, Ada!" and result.kind == "message"
    assert result.metadata["tool_call_id"] == "call_g" and "tool_error" not in result.metadata
    assert final.parent_id == result.id
    assert len(server_processes()) == 1  # the forum's session
    await forum.aclose()
    assert server_processes() == []  # closed with the forum; the fixture checks that no task is left


async def test_concurrent_calls_share_one_session_and_errors_are_tool_results(forum, http_tools):
    calls = [
        af.ToolCall("add", {"a": 2, "b": 3}, id="c1"),
        af.ToolCall("fail", {"why": "it must"}, id="c2"),
        af.ToolCall("add", {"a": "two"}, id="c3"),  # invalid arguments: the server says so
        af.ToolCall("greet", {"name": "Bo", "punctuation": "?"}, id="c4"),
    ]
    model = af.ScriptedModel([calls, "done"])
    _, added, failed, invalid, greeted, final = await model.agent("bot", tools=http_tools).quick_call("go", forum=forum)
    assert [m.sender for m in (added, failed, invalid, greeted)] == ["add", "fail", "add", "greet"]
    assert [m.metadata["tool_call_id"] for m in (added, failed, invalid, greeted)] == ["c1", "c2", "c3", "c4"]
    assert added.content == "5" and greeted.content == "Hello, Bo?"
    for m in (failed, invalid):
        assert m.metadata["tool_error"] == TOOL_ERROR and m.content.startswith("MCPToolError: ")
    assert "fail" in failed.content and "validation error" in invalid.content
    assert final.content == "done"
    assert [m.content for m in model.prompts[1]][-4:] == [added.content, failed.content, invalid.content, "Hello, Bo?"]
    assert len(forum.service(MCPSessions, MCPSessions).connections) == 1


async def test_a_server_that_goes_away_gives_an_error_result_and_the_next_call_reconnects(forum, stdio_tools):
    model = af.ScriptedModel([af.ToolCall("crash", {}, id="c1"), af.ToolCall("add", {"a": 1, "b": 1}, id="c2"), "ok"])
    _, crashed, _, added, _ = await model.agent("bot", tools=stdio_tools).quick_call("go", forum=forum)
    # the SDK's error for a lost connection (MCPError in 2.x, McpError in 1.x)
    assert crashed.metadata["tool_error"].lower() == "mcp.shared.exceptions.mcperror"
    assert "Connection closed" in crashed.content
    assert added.content == "2" and "tool_error" not in added.metadata


async def test_a_rerun_is_served_from_the_cache_without_calling_the_server(forum, tmp_path):
    log = tmp_path / "calls.jsonl"
    tools = af.mcp_tools(STDIO, env={"AGENTFORUM_MCP_LOG": str(log)})

    def model(messages):
        if messages[-1].metadata.get("tool_call_id"):
            return f"The sum is {messages[-1].content}."
        return af.ToolCall("add", {"a": 40, "b": 2}, id="c1")

    bot = af.function_agent("bot", model, tools=tools)
    first = await bot.quick_call("40 + 2?", forum=forum)
    assert first[-1].content == "The sum is 42."
    assert [json.loads(line) for line in log.read_text().splitlines()] == [
        {"tool": "add", "arguments": {"a": 40, "b": 2}}
    ]
    hits = forum.cache_info()["hits"]
    again = await bot.quick_call("40 + 2?", forum=forum)
    assert again == first and forum.cache_info()["hits"] == hits + 1
    assert len(log.read_text().splitlines()) == 1  # the server was not called again


def test_the_version_changes_when_the_servers_tools_change(stdio_tools):
    changed = af.mcp_tools(STDIO, env={"AGENTFORUM_MCP_VARIANT": "2"})
    assert by_name(changed)["add"].description == "Add two integers and return their sum."
    assert by_name(changed)["add"].fingerprint != by_name(stdio_tools)["add"].fingerprint
    assert by_name(changed)["greet"].fingerprint == by_name(stdio_tools)["greet"].fingerprint
    before = af.scripted_agent("bot", ["x"], tools=stdio_tools)
    after = af.scripted_agent("bot", ["x"], tools=changed)
    assert before.version != after.version


async def test_an_mcp_tool_can_require_approval(forum, http_tools):
    guarded = af.tool(by_name(http_tools)["greet"], requires_approval=True)
    model = af.ScriptedModel([af.ToolCall("greet", {"name": "Cy"}, id="c"), "done"])
    seq = model.agent("bot", tools=[guarded]).quick_call("go", forum=forum)
    question = None
    async for promise in seq:
        question = await promise
        if "choices" in question.metadata:
            break
    assert question.content == 'Run greet({"name": "Cy"})?'
    forum.post("approve", parent=question)
    assert [m.content for m in await seq][-2:] == ["Hello, Cy!", "done"]


async def test_closing_the_forum_stops_a_call_in_flight_before_its_session(http_tools):
    forum = af.Forum()
    mcp_server.HELD.clear()
    mcp_server.RELEASE.clear()
    stored = []
    forum.subscribe(lambda ev: ev.kind == "message" and stored.append(ev.message))
    model = af.ScriptedModel([af.ToolCall("hold", {}, id="c"), "done"])
    seq = model.agent("bot", tools=http_tools).quick_call("go", forum=forum)
    try:
        assert await asyncio.to_thread(mcp_server.HELD.wait, 30)
        await forum.aclose()
    finally:
        mcp_server.RELEASE.set()
    with pytest.raises(af.CallCancelled):
        await seq
    # the call was cancelled while its session was open: no error result from a closed session was recorded
    assert [m.sender for m in stored] == ["user", "bot"]
    assert not [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]


def test_a_forum_used_by_successive_event_loops_has_a_session_per_loop(stdio_tools):
    forum = af.Forum()
    bot = af.scripted_agent("bot", [af.ToolCall("add", {"a": 1, "b": 2}), "done"], tools=stdio_tools, cycle=True)

    async def ask():
        msgs = await bot.quick_call("1 + 2?", forum=forum, cache=False)
        return msgs[1].content, len(server_processes())

    assert asyncio.run(ask()) == ("3", 1)
    assert server_processes() == []  # the loop ended: asyncio.run cancelled its session, which closed
    assert asyncio.run(ask()) == ("3", 1)
    asyncio.run(forum.aclose())
    assert server_processes() == []


# -- unreachable servers and bad input ------------------------------------------------------------------------
def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens there once the socket is closed


@pytest.mark.parametrize(
    ("server", "says"),
    [
        (["agentforum-no-such-mcp-server"], "No such file"),
        ([sys.executable, "-c", "import sys; sys.exit('server exploded')"], "server exploded"),  # its stderr
        (f"http://127.0.0.1:{_closed_port()}/mcp", "ConnectError"),
    ],
)
def test_an_unreachable_server_raises_usage_error_naming_it(server, says):
    with pytest.raises(af.UsageError, match="cannot be reached") as info:
        af.mcp_tools(server, timeout=20)
    label = server if isinstance(server, str) else server[0]
    assert label in str(info.value) and says in str(info.value)


def test_a_server_that_never_answers_times_out():
    with pytest.raises(af.UsageError, match=r"no answer within 0\.5 s"):
        af.mcp_tools([sys.executable, "-c", "import sys; sys.stdin.read()"], timeout=0.5)


def test_bad_arguments_are_usage_errors():
    for bad in ("", [], [""], 42, "ws://127.0.0.1:1/mcp", "python 'unclosed"):
        with pytest.raises(af.UsageError):
            af.mcp_tools(bad)
    with pytest.raises(af.UsageError, match="name"):
        af.mcp_tools(STDIO, name="")
    with pytest.raises(af.UsageError, match="timeout"):
        af.mcp_tools(STDIO, timeout=0)
    with pytest.raises(af.UsageError, match="env"):
        af.mcp_tools(STDIO, env={"A": 1})


def test_without_the_sdk_mcp_tools_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "mcp", None)  # `import mcp` raises ImportError
    with pytest.raises(af.UsageError, match=r"pip install 'agentforum_nb\[mcp\]'"):
        af.mcp_tools(STDIO)


def test_importing_the_package_does_not_import_the_sdk():
    code = "import sys, agentforum_nb as af; af.tool; af.mcp_tools; assert 'mcp' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# -- results ---------------------------------------------------------------------------------------------------
def test_result_text_describes_content_that_is_not_text():
    assert result_text({"content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}) == "a\nb"
    assert result_text({"content": [], "structuredContent": {"sum": 3}}) == '{"sum": 3}'
    image = {"type": "image", "data": "aGVsbG8=", "mimeType": "image/png"}
    link = {"type": "resource_link", "name": "notes", "uri": "file:///notes.txt"}
    blob = {"type": "resource", "resource": {"uri": "file:///x.bin", "blob": "AAEC", "mimeType": "application/x"}}
    text = {"type": "resource", "resource": {"uri": "file:///t.txt", "text": "inside"}}
    assert result_text({"content": [image, link, blob, text]}).splitlines() == [
        "[image: image/png, 5 bytes]",
        "[resource link: notes file:///notes.txt]",
        "[resource: file:///x.bin, application/x, 3 bytes]",
        "inside",
    ]
    assert json.loads(result_text({"content": [{"type": "other", "x": 1}]})) == {"type": "other", "x": 1}


async def test_a_closed_forum_refuses_new_sessions(http_tools):
    forum = af.Forum()
    sessions = forum.service(MCPSessions, MCPSessions)
    await forum.aclose()
    with pytest.raises(af.UsageError, match="closing"):
        await sessions.connection(http_tools[0].server, 5)
    assert not [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
