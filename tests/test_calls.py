"""Agent calls: quick_call/call, kwargs, Context, default forum, loops (API.md section 3)."""

from __future__ import annotations

import asyncio

import pytest

import agentforum_nb as af

from .agents import echo, passthrough


async def test_quick_call_returns_at_once_and_responses_chain_under_last_request(forum):
    seq = echo.quick_call("hi", "there", forum=forum)
    assert isinstance(seq, af.MessageSequence)
    r1, r2 = await seq
    assert (r1.content, r2.content) == ("You said: hi", "You said: there")
    hist = forum.history(r2.id)
    assert [m.content for m in hist] == ["hi", "there", "You said: hi", "You said: there"]
    assert [m.sender for m in hist] == ["user", "user", "echo", "echo"]
    assert r1.reply_to_id is None  # a response does not set reply_to unless asked


async def test_call_send_finish_and_done(forum):
    call = echo.call(forum=forum)
    assert call.send("a").send("b") is call
    seq = call.finish()
    assert seq is call.responses
    assert [m.content for m in await seq] == ["You said: a", "You said: b"]
    assert call.done()


async def test_kwargs_reach_the_agent(forum):
    @af.agent
    async def greeter(ctx, greeting: str, times: int = 1):
        ctx.respond(" ".join([greeting] * times))

    (m,) = await greeter.quick_call("x", forum=forum, greeting="hey", times=2)
    assert m.content == "hey hey"


async def test_context_history_and_forum(forum):
    seen = {}

    @af.agent
    async def inspector(ctx):
        seen["history"] = [m.content for m in await ctx.history()]
        seen["forum"] = ctx.forum
        seen["agent"] = ctx.agent
        ctx.respond("ok")

    root = forum.post("root")
    await inspector.quick_call("q1", "q2", forum=forum, branch=root)
    assert seen["history"] == ["root", "q1", "q2"]
    assert seen["forum"] is forum and seen["agent"] is inspector


async def test_default_forum_is_used_at_top_level():
    seq = echo.quick_call("default?")
    (m,) = await seq
    assert m.id in af.default_forum()
    await af.default_forum().aclose()


async def test_forum_inherited_inside_agents(forum):
    wrapper = passthrough(echo, "wrapper")
    msgs = await wrapper.quick_call("x", forum=forum)
    assert all(m.id in forum for m in msgs)


async def test_agent_function_must_be_async():
    def sync(ctx):
        pass

    with pytest.raises(af.UsageError, match="async def"):
        af.agent(sync)


async def test_send_after_finish_and_non_json_kwargs(forum):
    call = echo.call(forum=forum)
    call.finish()
    with pytest.raises(af.UsageError, match=r"agent\.call"):
        call.send("late")
    with pytest.raises(af.UsageError, match="JSON"):
        echo.call(forum=forum, thing={1, 2})
    await call.responses


def test_call_without_running_loop_starts_on_first_await():
    forum = af.Forum()
    seq = echo.quick_call("sync", forum=forum)
    (m,) = af.run_sync(seq)
    assert m.content == "You said: sync"
    assert af.run_sync(echo.quick_call("sync", forum=forum))[0] == m
    af.run_sync(forum.aclose())


def test_forum_shared_by_successive_event_loops():
    forum = af.Forum()
    calls = []

    @af.agent
    async def counted(ctx):
        calls.append(1)
        ctx.respond("answer")

    first = asyncio.run(counted.quick_call("q", forum=forum).last())
    second = asyncio.run(counted.quick_call("q", forum=forum).last())  # another loop: served from the cache
    assert first == second and calls == [1]

    async def stream_then_close():
        seq = echo.quick_call("again", forum=forum)
        await seq
        await forum.aclose()

    asyncio.run(stream_then_close())
    assert forum.closed


async def test_text_and_repr(forum):
    seq = echo.quick_call("a", "b", forum=forum)
    assert await seq.text() == "You said: a\n\nYou said: b"
    assert "2 message(s)" in repr(seq)
    p = seq.promises[0]
    assert "You said: a" in repr(p)


#: a cell that calls ``af.run_sync`` while the kernel has queued another task in the cell's own Context, as
#: ipykernel 7 does (it runs every shell message as a task in one shared ``contextvars.Context``)
SHARED_CONTEXT_SCRIPT = """
import asyncio, contextvars, agentforum_nb as af

problems, ran = [], []

async def next_message():
    ran.append("next message")

async def cell(shared):
    asyncio.get_running_loop().create_task(next_message(), context=shared)  # queued while the cell runs
    bot = af.scripted_agent("bot", ["hello there"], delay=0.001)
    (m,) = af.run_sync(bot.quick_call("hi", forum=af.Forum()))
    print(m.content)

loop = asyncio.new_event_loop()
loop.set_exception_handler(lambda _loop, ctx: problems.append(repr(ctx.get("exception") or ctx["message"])))
shared = contextvars.copy_context()
loop.run_until_complete(loop.create_task(cell(shared), context=shared))
loop.run_until_complete(asyncio.sleep(0))  # one more turn: what was put off until the cell ended runs now
print(ran, problems)
"""


def test_run_sync_inside_a_task_leaves_tasks_of_the_same_context_for_later():
    """JupyterLab + ipykernel 7: run_sync inside a cell used to step the kernel's next queued message (a task in
    the cell's own, already entered Context): "RuntimeError: cannot enter context" on stderr, and the message was
    dropped. The nested run now puts such a step off until it returns. (A subprocess: nest-asyncio patches asyncio
    for the whole process.)"""
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", SHARED_CONTEXT_SCRIPT], capture_output=True, text=True, timeout=60, check=True
    )
    assert "Traceback" not in out.stderr and "cannot enter context" not in out.stderr, out.stderr
    assert out.stdout.splitlines() == ["hello there", "['next message'] []"], out.stdout
