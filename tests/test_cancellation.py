"""Cancellation, aclose, outside cancellation, full duplex, shared runs (API.md section 5)."""

from __future__ import annotations

import asyncio

import pytest

import agentforum_nb as af

from .agents import echo, passthrough, streaming_agent


async def test_cancel_mid_token_at_depth_4(forum, gate):
    g = gate(["a", "b", "c", "d"], pause_after=2)
    leaf = streaming_agent("leaf", g.stream, cache=False)
    agent = leaf
    for d in range(4):
        agent = passthrough(agent, f"lvl{d}", cache=False)
    seq = agent.quick_call("x", forum=forum)
    await g.paused.wait()
    seq.cancel()
    seq.cancel()  # idempotent
    with pytest.raises(af.CallCancelled) as ei:
        await seq
    assert ei.value.message is not None and ei.value.message.content == "ab"
    cancelled = [m for m in forum if m.status == "cancelled"]
    assert len(cancelled) == 5 and {m.content for m in cancelled} == {"ab"}
    await forum.aclose()  # waits for the cancelled tasks: the token source was closed
    assert g.closed
    with pytest.raises(af.CallCancelled):
        async for p in seq:
            async for _ in p:
                pass


async def test_call_cancel_before_start_and_after_done(forum):
    call = echo.call(forum=forum).send("x")
    call.cancel()
    with pytest.raises(af.CallCancelled):
        await call.finish()
    seq = echo.quick_call("y", forum=forum)
    await seq
    seq.cancel()  # after completion: nothing changes
    assert [m.content for m in await seq] == ["You said: y"]


async def test_outside_cancellation_of_caller_propagates(forum, gate):
    g = gate(["a", "b"], pause_after=1)
    seq = streaming_agent("s", g.stream).quick_call("x", forum=forum)

    waiting = asyncio.Event()

    async def waiter():
        waiting.set()
        return await seq

    t = asyncio.create_task(waiter())
    await g.paused.wait()
    await waiting.wait()  # the waiter is suspended in `await seq`: the cancellation lands there
    t.cancel()
    with pytest.raises(asyncio.CancelledError):
        await t
    g.release.set()
    (m,) = await seq  # the run itself was not cancelled or turned into a value
    assert m.content == "ab" and m.status == "complete"


async def test_aclose_with_calls_in_flight(gate):
    forum = af.Forum()
    g = gate(["a", "b"], pause_after=1)
    seq = streaming_agent("s", g.stream).quick_call("x", forum=forum)
    await g.paused.wait()
    await forum.aclose()
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []
    with pytest.raises(af.CallCancelled):
        await seq
    with pytest.raises(af.UsageError, match="closed"):
        forum.post("x")
    with pytest.raises(af.UsageError):
        echo.quick_call("x", forum=forum)


async def test_full_duplex_without_cache(forum):
    @af.agent(cache=False)
    async def live(ctx):
        async for r in ctx.requests:
            ctx.respond(f"got {(await r).content}")

    call = live.call(forum=forum)
    call.send("one")
    it = call.responses.__aiter__()
    p1 = await it.__anext__()
    assert p1.text == "got one" and not p1.done()  # streams before the call is finished, id comes later
    call.send("two")
    p2 = await it.__anext__()
    assert p2.text == "got two"
    call.finish()
    m1, m2 = await p1, await p2
    assert forum.get(m1.parent_id).content == "two" and m2.parent_id == m1.id


async def test_owner_cancel_leaves_a_sharer_running(forum, gate):
    g = gate(["a", "b"], pause_after=1)
    runs = []

    async def fn(ctx):
        runs.append(1)
        ctx.respond(g.stream())

    agent = af.Agent(fn, name="shared2", version="test")
    root = forum.post("q")
    owner = agent.quick_call(root, forum=forum)
    sharer = agent.quick_call(root, forum=forum)
    await g.paused.wait()
    owner.cancel()
    with pytest.raises(af.CallCancelled):
        await owner
    g.release.set()
    (m,) = await sharer
    assert m.content == "ab" and runs == [1]


async def test_cancel_while_placing_requests(forum):
    never = asyncio.get_running_loop().create_future()
    placing = asyncio.Event()

    async def stuck():
        placing.set()
        await never
        yield "never"

    call = echo.call(forum=forum).send(stuck())
    seq = call.finish()
    await placing.wait()  # the placement task is reading the streamed request
    call.cancel()
    with pytest.raises(af.CallCancelled):
        await seq
    assert len(forum) == 0
