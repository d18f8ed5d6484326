"""Responding and streaming: respond kinds and order, tokens through nesting, consumers, ids in order (API.md 3-4)."""

from __future__ import annotations

import asyncio

import pytest

import agentforum_nb as af
from agentforum_nb.streams import MessagePromise, TokenStream

from .agents import echo, passthrough, streaming_agent


async def test_respond_kinds_keep_order_and_forward(forum):
    base = forum.post("base")

    async def tokens():
        yield "a"
        yield "b"

    @af.agent
    async def multi(ctx):
        ctx.respond(["s1", tokens()])
        ctx.respond(base)  # a Message: recorded as a forward
        ctx.respond(echo.quick_call("inner"))
        ctx.respond("last", metadata={"k": [1, 2]})

    msgs = await multi.quick_call("go", forum=forum)
    assert [m.content for m in msgs] == ["s1", "ab", "base", "You said: inner", "last"]
    assert [m.kind for m in msgs] == ["message", "message", "forward", "forward", "message"]
    assert msgs[2].original_id == base.id
    assert msgs[4].metadata == {"k": (1, 2)}
    for prev, m in zip(msgs, msgs[1:], strict=False):
        assert m.parent_id == prev.id


async def test_reply_to(forum):
    target = forum.post("target")

    @af.agent
    async def replier(ctx):
        ctx.respond("re", reply_to=target)

    (m,) = await replier.quick_call("x", forum=forum)
    assert m.reply_to_id == target.id


async def test_respond_after_return_raises(forum):
    holder = {}

    @af.agent
    async def leaky(ctx):
        holder["ctx"] = ctx
        ctx.respond("ok")

    await leaky.quick_call("x", forum=forum)
    with pytest.raises(af.UsageError, match="after the agent function returned"):
        holder["ctx"].respond("late")


async def test_respond_returns_none_and_never_blocks(forum):
    gate_ev = asyncio.Event()

    async def slow():
        await gate_ev.wait()
        yield "done"

    results = []

    @af.agent(version="test")  # it captures test objects that no fingerprint covers
    async def a(ctx):
        results.append(ctx.respond(slow()))
        results.append("after")

    seq = a.quick_call("x", forum=forum)
    async for p in seq:
        assert results == [None, "after"]
        gate_ev.set()
        assert (await p).content == "done"


async def test_tokens_stream_through_before_inner_finishes(forum, gate):
    g = gate(["t1", "t2", "t3"], pause_after=1)
    inner = streaming_agent("inner", g.stream)
    outer = passthrough(inner, "outer")
    seq = outer.quick_call("go", forum=forum)
    p = await seq.__aiter__().__anext__()
    it = p.__aiter__()
    assert await it.__anext__() == "t1"
    assert g.paused.is_set() and not p.done()  # first token arrived while the inner agent is still running
    g.release.set()
    assert [t async for t in it] == ["t2", "t3"]
    msg = await p
    assert msg.kind == "forward" and msg.content == "t1t2t3"


@pytest.mark.parametrize("depth", [1, 4, 16])
async def test_nesting_depth(forum, gate, depth):
    g = gate([f"w{i} " for i in range(5)], pause_after=2)
    agent = streaming_agent("leaf", g.stream)
    for d in range(depth):
        agent = passthrough(agent, f"level{d}")
    seq = agent.quick_call("deep", forum=forum)
    received = []
    two = asyncio.Event()

    async def consume():
        async for p in seq:
            async for t in p:
                received.append(t)
                if len(received) == 2:
                    two.set()

    task = asyncio.create_task(consume())
    await g.paused.wait()
    await two.wait()  # both tokens reached the consumer while the leaf is paused after them
    assert received == ["w0 ", "w1 "]
    g.release.set()
    await task
    (top,) = await seq
    assert top.content == "w0 w1 w2 w3 w4 " and top.sender == f"level{depth - 1}"
    # the chain of forwards leads to the leaf's message
    m, hops = top, 0
    while m.kind == "forward":
        m = forum.get(m.original_id)
        hops += 1
    assert hops == depth and m.sender == "leaf"


async def test_five_consumers_at_different_times_and_late_consumer(forum, gate):
    g = gate([str(i) for i in range(10)], pause_after=4)
    agent = streaming_agent("talker", g.stream)
    seq = agent.quick_call("x", forum=forum)
    results: dict[int, list[str]] = {}

    async def consumer(k):
        out = []
        async for p in seq:
            async for t in p:
                out.append(t)
        results[k] = out

    tasks = [asyncio.create_task(consumer(0)), asyncio.create_task(consumer(1))]
    await g.paused.wait()
    tasks += [asyncio.create_task(consumer(k)) for k in (2, 3, 4)]
    g.release.set()
    await asyncio.gather(*tasks)
    expected = [str(i) for i in range(10)]
    assert all(results[k] == expected for k in range(5))
    # late consumer after completion replays everything
    late = [t async for p in seq async for t in p]
    assert late == expected
    assert [m.content for m in await seq] == ["".join(expected)]


async def test_consumer_stopping_early_does_not_break_others(forum, gate):
    g = gate(["a", "b", "c"], pause_after=1)
    seq = streaming_agent("s", g.stream).quick_call("x", forum=forum)

    async def quitter():
        async for p in seq:
            async for t in p:
                return t

    async def full():
        return [t async for p in seq async for t in p]

    q = asyncio.create_task(quitter())
    f = asyncio.create_task(full())
    assert await q == "a"
    g.release.set()
    assert await f == ["a", "b", "c"]


async def test_two_subagents_stream_at_the_same_time(forum, gate):
    g1 = gate(["a1", "a2"], pause_after=1)
    g2 = gate(["b1", "b2"], pause_after=1)
    a1 = streaming_agent("one", g1.stream)
    a2 = streaming_agent("two", g2.stream)

    @af.agent
    async def both(ctx):
        ctx.respond(a1.quick_call(ctx.requests))
        ctx.respond(a2.quick_call(ctx.requests))

    seq = both.quick_call("x", forum=forum)
    await g1.paused.wait()
    await g2.paused.wait()  # the second sub-agent streams while the first is still running
    promises = []
    it = seq.__aiter__()
    promises.append(await it.__anext__())
    g1.release.set()
    await promises[0]
    promises.append(await it.__anext__())
    second = promises[1].__aiter__()
    assert await second.__anext__() == "b1"  # produced while the first was streaming, replayed
    g2.release.set()
    msgs = await seq
    assert [m.content for m in msgs] == ["a1a2", "b1b2"]


async def test_promise_ids_assigned_in_order(forum, gate):
    g = gate(["slow"], pause_after=0)

    @af.agent(version="test")  # it captures test objects that no fingerprint covers
    async def two(ctx):
        ctx.respond(g.stream())
        ctx.respond("fast")

    seq = two.quick_call("x", forum=forum)
    it = seq.__aiter__()
    p1 = await it.__anext__()
    p2 = await it.__anext__()
    assert p2.text == "fast" and not p2.streaming
    assert not p2.done()  # its id waits for the previous response
    g.release.set()
    m1, m2 = await p1, await p2
    assert m2.parent_id == m1.id


async def test_token_stream_primitives():
    s = TokenStream()
    s.push("a")
    p = MessagePromise(s, "x")
    assert p.text == "a" and p.streaming and not p.done()
    with pytest.raises(af.UsageError, match="not complete"):
        p.result()
    s.close()
    s.push("ignored")
    assert p.text == "a"


async def test_reply_to_a_promise(forum, gate):
    g = gate(["later"], pause_after=0)
    other = streaming_agent("other", g.stream).quick_call("elsewhere", forum=forum)
    target = await other.__aiter__().__anext__()

    @af.agent(version="test")  # it captures test objects that no fingerprint covers
    async def replier(ctx):
        ctx.respond("re: that", reply_to=target)

    seq = replier.quick_call("q", forum=forum)
    p = await seq.__aiter__().__anext__()
    assert not p.done()  # waits for the message it replies to
    g.release.set()
    (m,) = await seq
    assert m.reply_to_id == (await target).id


async def test_second_subagent_is_yielded_while_the_first_still_streams(forum, gate):
    # fix 1: after sub1's function returned, while its one message is still streaming, the caller's sequence
    # yields sub2's (complete) message at once; only the ids wait for order
    g1 = gate(["a1", "a2"], pause_after=1)
    sub1 = streaming_agent("sub1", g1.stream)

    @af.agent
    async def sub2(ctx):
        ctx.respond("b, complete")

    @af.agent(version="test")
    async def both(ctx):
        ctx.respond(sub1.quick_call(ctx.requests))
        ctx.respond(sub2.quick_call(ctx.requests))

    seq = both.quick_call("x", forum=forum)
    await g1.paused.wait()
    it = seq.__aiter__()
    first = await it.__anext__()
    second = await asyncio.wait_for(it.__anext__(), 10)  # not held back by the first, still streaming
    assert first.streaming and first.text == "a1"
    assert second.text == "b, complete" and not second.done()  # its id waits for the first's
    g1.release.set()
    m1, m2 = await first, await second
    assert m2.parent_id == m1.id and [m.content for m in await seq] == ["a1a2", "b, complete"]
