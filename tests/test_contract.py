"""The runtime contract of API.md sections 3, 5 and 11 as revised by the issue "promises kept": each test here
failed before the fix it names."""

from __future__ import annotations

import asyncio
import gc

import pytest

import agentforum_nb as af


# -- 1. the agent function never runs inside quick_call() ---------------------------------------------------------
async def test_agent_body_runs_on_a_later_task_switch_not_inside_quick_call(forum):
    ran: list[str] = []

    @af.agent
    async def eager(ctx):
        ran.append("body")  # before its first await
        ctx.respond("hi")

    seq = eager.quick_call("go", forum=forum)
    assert ran == [], "the agent's body ran inside quick_call()"
    call = eager.call(forum=forum, cache=False)
    call.send("x")
    call.finish()
    assert ran == []
    await asyncio.sleep(0)  # one task switch: now it runs
    assert ran and ran[0] == "body"
    assert [m.content for m in await seq] == ["hi"]
    await call.responses


async def test_a_cached_agent_body_runs_later_too(forum):
    ran: list[str] = []

    @af.agent(cache=True)
    async def body(ctx):
        ran.append(ctx.agent.name)
        ctx.respond("x")

    seq = body.quick_call("go", forum=forum)
    assert ran == []
    await seq
    assert ran == ["body"]


@pytest.mark.parametrize("cache", [True, False])
async def test_back_to_back_awaited_calls_let_other_tasks_run_and_leave_nothing_pending(cache):
    @af.agent
    async def echo(ctx):
        async for r in ctx.requests:

            async def toks(text):
                yield "you said: "
                yield text

            ctx.respond(toks((await r).content))

    @af.agent
    async def nest(ctx):
        ctx.respond(echo.quick_call(ctx.requests))

    ticks = 0
    stop = asyncio.Event()

    async def ticker():
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            await asyncio.sleep(0)

    async with af.Forum(cache=cache) as forum:
        t = asyncio.create_task(ticker())
        await asyncio.sleep(0)
        before = len(asyncio.all_tasks())
        ticks = 0
        for i in range(300):
            out = await nest.quick_call(f"q{i}", forum=forum)
            assert out[0].content == f"you said: q{i}"
        assert ticks > 0, "a concurrent task never ran during 300 awaited calls"
        # no task piles up behind the loop (each call's tasks are done once its responses are awaited)
        for _ in range(3):
            await asyncio.sleep(0)
        assert len(asyncio.all_tasks()) <= before + 1
        stop.set()
        await t
    gc.collect()


# -- 2. a failed passed-on sequence ends the chain ----------------------------------------------------------------
async def _words(text):
    for w in text.split(" "):
        await asyncio.sleep(0)  # each token in a loop iteration of its own, as from a socket
        yield w + " "


async def test_a_failed_passed_on_sequence_ends_each_chain_that_passed_it_on(forum):
    # MiniAgents' scenario: agents 1-3 each respond "msg 1", "msg 2", pass on the next agent's sequence, then
    # "msg 3"; agent 4 fails after two messages. The error takes the failed sequence's place at every level.
    read_all = asyncio.Event()

    @af.agent(name="agent4", version="1")
    async def agent4(ctx):
        ctx.respond(_words("agent 4 msg 1"))
        ctx.respond(_words("agent 4 msg 2"))
        await read_all.wait()
        raise ValueError("agent 4 broke")

    def level(n, inner):
        async def fn(ctx):
            ctx.respond(_words(f"agent {n} msg 1"))
            ctx.respond(_words(f"agent {n} msg 2"))
            ctx.respond(inner.quick_call(ctx.requests))
            ctx.respond(_words(f"agent {n} msg 3"))

        return af.Agent(fn, name=f"agent{n}", version="1")

    agent1 = level(1, level(2, level(3, agent4)))
    got = []
    with pytest.raises(af.AgentError) as err:
        async for p in agent1.quick_call("go", forum=forum):
            got.append((await p).content.strip())
            if got[-1] == "agent 4 msg 2":
                read_all.set()
    assert got == [f"agent {n} msg {k}" for n in (1, 2, 3, 4) for k in (1, 2)]
    assert err.value.message.content == "ValueError: agent 4 broke"
    # nothing after the failed sequence is stored either: each chain ends with the error in its place
    assert not any(m.content.strip().endswith("msg 3") for m in forum)
    errors = [m for m in forum if m.kind == "error"]
    assert sorted(m.sender for m in errors) == ["agent1", "agent2", "agent3", "agent4"]
    for e in errors:  # each right after the forwards of what came before it
        assert forum.get(e.parent_id).content.strip() == "agent 4 msg 2"


async def test_a_failed_sequence_passed_on_after_its_function_returned_ends_the_chain(forum, gate):
    # the inner agent's function returns while its last message still streams; the stream then fails
    g = gate(["a", "b"], pause_after=1, fail=RuntimeError("stream broke"))

    @af.agent(version="1")
    async def inner(ctx):
        ctx.respond(g.stream())

    @af.agent
    async def outer(ctx):
        ctx.respond(inner.quick_call(ctx.requests))
        ctx.respond("after")

    seq = outer.quick_call("go", forum=forum)
    it = aiter(seq)
    first = await anext(it)
    await g.paused.wait()
    g.release.set()
    with pytest.raises(af.AgentError):
        await first
    later = []
    with pytest.raises(af.AgentError) as err:
        async for p in it:
            later.append(p)
    assert err.value.message.content == "RuntimeError: stream broke"
    for p in later:  # yielded before the failure was known (its agent had returned): never completed
        with pytest.raises(af.AgentError):
            await p
    assert "after" not in [m.content for m in forum]


# -- 3. a request that cannot be placed stores nothing ------------------------------------------------------------
@pytest.mark.parametrize("cache", [True, False])
async def test_a_request_that_cannot_be_placed_stores_nothing(forum, cache):
    elsewhere = af.Forum()
    root = elsewhere.post("only there")
    stray = elsewhere.post("child", parent=root)

    @af.agent
    async def echo(ctx):
        async for r in ctx.requests:
            ctx.respond((await r).content)

    before = len(forum)
    with pytest.raises(af.MessageNotFound):
        await echo.quick_call(stray, forum=forum, cache=cache)
    assert len(forum) == before, [m.content for m in forum]
    inside = af.Agent(_ask_stray(echo, stray), name="inside")
    with pytest.raises(af.AgentError):
        await inside.quick_call("go", forum=forum)
    assert not any("could not be placed" in m.content and m.parent_id is None for m in forum)
    await elsewhere.aclose()


def _ask_stray(echo, stray):
    async def fn(ctx):
        ctx.respond(echo.quick_call(stray))

    return fn


# -- 4. ctx.ask after passing a sequence on marks the question ----------------------------------------------------
async def test_ask_after_passing_on_a_sequence_marks_the_question(forum):
    inner_may_end = asyncio.Event()

    @af.agent(version="1")
    async def inner(ctx):
        ctx.respond(_words("first answer"))
        await inner_may_end.wait()  # still running when the question is asked

    asked = asyncio.Event()

    @af.agent(version="1")
    async def host(ctx):
        ctx.respond(inner.quick_call(ctx.requests))
        asked.set()
        vote = await ctx.ask("Who convinced you?", choices=["a", "b"])
        ctx.respond(f"got {vote.content}")

    seq = host.quick_call("go", forum=forum)
    await asked.wait()
    inner_may_end.set()
    for _ in range(100):  # yields to the loop until the run waits for the answer (no timing involved)
        if forum.questions():
            break
        await asyncio.sleep(0)
    (question,) = forum.questions()
    assert question.content == "Who convinced you?" and question.kind == "message"
    assert list(question.metadata["choices"]) == ["a", "b"]
    assert forum.annotations(question).get("awaiting") == "user"
    forum.post("a", parent=question)
    out = await seq
    assert [m.content for m in out] == ["first answer ", "Who convinced you?", "got a"]
    assert forum.history(out[-1].id)[-3:] == [question, forum.children(question)[0], out[-1]]
