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
