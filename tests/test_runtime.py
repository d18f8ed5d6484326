"""Agents, calls, promises, streaming through nesting, errors as messages, cancellation (API.md 3-5)."""

from __future__ import annotations

import asyncio

import pytest

import agentforum_nb as af
from agentforum_nb.streams import MessagePromise, TokenStream


@af.agent
async def echo(ctx: af.Context, **kwargs) -> None:
    async for request in ctx.requests:
        ctx.respond(f"You said: {await request}")


def passthrough(inner: af.Agent, name: str, **kw) -> af.Agent:
    async def fn(ctx):
        ctx.respond(inner.quick_call(ctx.requests))

    return af.Agent(fn, name=name, **kw)


def streaming_agent(name: str, source, **kw) -> af.Agent:
    async def fn(ctx):
        ctx.respond(source())

    return af.Agent(fn, name=name, **kw)


# -- basics -----------------------------------------------------------------------------------------------------
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


# -- placement --------------------------------------------------------------------------------------------------
async def test_existing_message_is_answered_on_a_new_branch(forum):
    a = forum.post("a")
    b = forum.post("b", parent=a)
    c = forum.post("c", parent=b)
    (r,) = await echo.quick_call(b, forum=forum)  # no tip: b used as is
    assert r.parent_id == b.id
    assert [m.id for m in forum.children(b)] == [c.id, r.id]


async def test_branch_then_other_branch_message_is_forwarded(forum):
    a = forum.post("a")
    other = forum.post("other")
    (r,) = await echo.quick_call(other, forum=forum, branch=a)
    fwd = forum.get(r.parent_id)
    assert fwd.kind == "forward" and fwd.original_id == other.id and fwd.parent_id == a.id
    assert fwd.sender == "user" and fwd.content == "other"


async def test_ancestor_of_tip_is_used_as_is(forum):
    a = forum.post("a")
    b = forum.post("b", parent=a)
    (r,) = await echo.quick_call(a, forum=forum, branch=b)
    assert r.parent_id == a.id  # responses chain under the last request
    assert len(forum) == 3


async def test_child_of_tip_is_used_as_is_and_moves_tip(forum):
    a = forum.post("a")
    b = forum.post("b", parent=a)
    seq = echo.quick_call(b, "more", forum=forum, branch=a)
    r1, r2 = await seq
    more = forum.get(r2.parent_id).parent_id
    assert forum.get(more).content == "more" and forum.get(more).parent_id == b.id


async def test_passing_requests_on_gives_sibling_branch(forum):
    outer = passthrough(echo, "outer")
    (fwd,) = await outer.quick_call("q", forum=forum)
    assert fwd.kind == "forward" and fwd.sender == "outer"
    inner_msg = forum.get(fwd.original_id)
    assert inner_msg.sender == "echo"
    assert inner_msg.parent_id == fwd.parent_id  # siblings under the request
    assert forum.get(fwd.parent_id).content == "q"


async def test_nested_call_inside_agent_starts_at_last_request(forum):
    @af.agent
    async def asker(ctx):
        inner = await echo.quick_call("nested question")
        ctx.respond(f"inner said {inner[0].content}")

    (r,) = await asker.quick_call("top", forum=forum)
    nested_q = [m for m in forum if m.content == "nested question"][0]
    assert nested_q.sender == "asker"
    assert forum.get(nested_q.parent_id).content == "top"
    assert r.content == "inner said You said: nested question"


async def test_request_kinds_promise_sequence_stream_list(forum):
    (first,) = await echo.quick_call("one", forum=forum)

    async def streamed():
        yield "str"
        yield "eamed"

    seq = echo.quick_call([first, echo.quick_call("two", forum=forum), streamed()], forum=forum)
    contents = [m.content for m in await seq]
    assert contents[-1] == "You said: streamed"
    assert len(contents) == 3


async def test_bad_request_and_branch(forum):
    with pytest.raises(af.UsageError, match="request must be"):
        echo.call(forum=forum).send(42)
    with pytest.raises(af.MessageNotFound):
        echo.call(forum=forum, branch="0" * 64)


# -- responding -------------------------------------------------------------------------------------------------
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

    @af.agent
    async def a(ctx):
        results.append(ctx.respond(slow()))
        results.append("after")

    seq = a.quick_call("x", forum=forum)
    async for p in seq:
        assert results == [None, "after"]
        gate_ev.set()
        assert (await p).content == "done"


# -- streaming --------------------------------------------------------------------------------------------------
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

    async def consume():
        async for p in seq:
            async for t in p:
                received.append(t)

    task = asyncio.create_task(consume())
    await g.paused.wait()
    while len(received) < 2:  # both tokens are already produced; let the consumer pick them up
        await asyncio.sleep(0)
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

    @af.agent
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


async def test_text_and_repr(forum):
    seq = echo.quick_call("a", "b", forum=forum)
    assert await seq.text() == "You said: a\n\nYou said: b"
    assert "2 message(s)" in repr(seq)
    p = seq.promises[0]
    assert "You said: a" in repr(p)


# -- errors -----------------------------------------------------------------------------------------------------
class Boom(Exception):
    pass


async def test_error_becomes_message_and_is_raised(forum):
    @af.agent
    async def bad(ctx):
        ctx.respond("before")
        raise Boom("it broke")

    seq = bad.quick_call("x", forum=forum)
    got = []
    with pytest.raises(af.AgentError) as ei:
        async for p in seq:
            got.append((await p).content)
    assert got == ["before"]
    err = ei.value.message
    assert err.kind == "error" and err.content == "Boom: it broke"
    assert err.metadata["error_type"] == f"{Boom.__module__}.Boom"
    assert isinstance(ei.value.__cause__, Boom)
    assert forum.get(err.parent_id).content == "before"
    # every consumer gets a fresh exception object
    with pytest.raises(af.AgentError) as ei2:
        await seq
    assert ei2.value is not ei.value and ei2.value.__cause__ is ei.value.__cause__


@pytest.mark.parametrize("depth", [0, 1, 3])
async def test_errors_at_each_level(forum, depth):
    @af.agent
    async def failing(ctx):
        raise Boom("deep")

    agent = failing
    for d in range(depth):
        agent = passthrough(agent, f"wrap{d}")
    with pytest.raises(af.AgentError) as ei:
        await agent.quick_call("x", forum=forum)
    assert isinstance(ei.value.__cause__, Boom)
    errors = [m for m in forum if m.kind == "error"]
    assert len(errors) == depth + 1
    assert {m.content for m in errors} == {"Boom: deep"}
    assert {m.metadata["error_type"] for m in errors} == {f"{Boom.__module__}.Boom"}
    assert ei.value.message.sender == agent.name


async def test_failed_token_stream_is_stored_as_failed(forum, gate):
    g = gate(["p1", "p2"], fail=Boom("stream died"))
    after = []
    cancelled = asyncio.Event()

    @af.agent
    async def streamer(ctx):
        ctx.respond(g.stream())
        try:
            await asyncio.Event().wait()  # the failed stream ends the call: this is cancelled
        except asyncio.CancelledError:
            after.append("cancelled")
            cancelled.set()
            raise

    seq = streamer.quick_call("x", forum=forum)
    p = await seq.__aiter__().__anext__()
    with pytest.raises(af.AgentError) as ei:
        async for _ in p:
            pass
    partial = ei.value.message
    assert partial.status == "failed" and partial.content == "p1p2"
    assert isinstance(ei.value.__cause__, Boom)
    with pytest.raises(af.AgentError) as ei2:
        await seq
    await asyncio.wait_for(cancelled.wait(), 10)
    assert after == ["cancelled"]
    errors = [m for m in forum if m.kind == "error"]
    assert len(errors) == 1 and errors[0].parent_id == partial.id
    assert ei2.value.message == partial or ei2.value.message == errors[0]


async def test_agent_function_must_be_async():
    def sync(ctx):
        pass

    with pytest.raises(af.UsageError, match="async def"):
        af.agent(sync)


async def test_send_after_finish_and_non_json_kwargs(forum):
    call = echo.call(forum=forum)
    call.finish()
    with pytest.raises(af.UsageError, match="agent.call"):
        call.send("late")
    with pytest.raises(af.UsageError, match="JSON"):
        echo.call(forum=forum, thing={1, 2})
    await call.responses


# -- cancellation -----------------------------------------------------------------------------------------------
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

    async def waiter():
        return await seq

    t = asyncio.create_task(waiter())
    await g.paused.wait()
    await asyncio.sleep(0)
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


def test_call_without_running_loop_starts_on_first_await():
    forum = af.Forum()
    seq = echo.quick_call("sync", forum=forum)
    (m,) = af.run_sync(seq)
    assert m.content == "You said: sync"
    assert af.run_sync(echo.quick_call("sync", forum=forum))[0] == m
    af.run_sync(forum.aclose())


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


async def test_failed_inner_stream_is_forwarded_as_failed(forum, gate):
    g = gate(["x", "y"], fail=Boom("inner stream broke"))
    inner = streaming_agent("inner", g.stream)
    outer = passthrough(inner, "outer")
    with pytest.raises(af.AgentError) as ei:
        await outer.quick_call("q", forum=forum)
    assert isinstance(ei.value.__cause__, Boom)
    by_sender = {(m.sender, m.kind, m.status): m for m in forum}
    inner_failed = by_sender[("inner", "message", "failed")]
    outer_fwd = by_sender[("outer", "forward", "failed")]
    assert inner_failed.content == outer_fwd.content == "xy" and outer_fwd.original_id == inner_failed.id
    assert by_sender[("outer", "error", "complete")].content == "Boom: inner stream broke"
    assert by_sender[("inner", "error", "complete")].parent_id == inner_failed.id


async def test_reply_to_a_promise(forum, gate):
    g = gate(["later"], pause_after=0)
    other = streaming_agent("other", g.stream).quick_call("elsewhere", forum=forum)
    target = await other.__aiter__().__anext__()

    @af.agent
    async def replier(ctx):
        ctx.respond("re: that", reply_to=target)

    seq = replier.quick_call("q", forum=forum)
    p = await seq.__aiter__().__anext__()
    assert not p.done()  # waits for the message it replies to
    g.release.set()
    (m,) = await seq
    assert m.reply_to_id == (await target).id


async def test_owner_cancel_leaves_a_sharer_running(forum, gate):
    g = gate(["a", "b"], pause_after=1)
    runs = []

    async def fn(ctx):
        runs.append(1)
        ctx.respond(g.stream())

    agent = af.Agent(fn, name="shared2")
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

    async def stuck():
        await never
        yield "never"

    call = echo.call(forum=forum).send(stuck())
    seq = call.finish()
    await asyncio.sleep(0)
    call.cancel()
    with pytest.raises(af.CallCancelled):
        await seq
    assert len(forum) == 0


async def test_messages_of_another_forum(forum):
    other = af.Forum()
    try:
        root_elsewhere = other.post("a root elsewhere")

        @af.agent
        async def relay_root(ctx):
            ctx.respond(af.MessageSequence.of([root_elsewhere]))

        (fwd,) = await relay_root.quick_call("q", forum=forum)
        assert forum.get(fwd.original_id) == root_elsewhere  # a root is stored here as it is
        theirs = echo.quick_call("from the other forum", forum=other)

        @af.agent
        async def relay(ctx):
            ctx.respond(theirs)  # its messages' parents are not here: an error, never a dangling reference

        with pytest.raises(af.AgentError, match="no message with id"):
            await relay.quick_call("q2", forum=forum)
        forum.verify()
    finally:
        await other.aclose()
