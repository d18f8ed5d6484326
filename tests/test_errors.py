"""Errors as messages, at every level of nesting; failed token streams (API.md section 5)."""

from __future__ import annotations

import asyncio

import pytest

import agentforum_nb as af

from .agents import Boom, echo, passthrough, streaming_agent


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

    @af.agent(version="test")  # it captures test objects that no fingerprint covers
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


async def test_awaiting_a_failed_sequence_gives_its_error_message(forum, gate):
    # fix 2: `.message` is the error message from iterating or awaiting the sequence; the failed promise keeps
    # its partial message
    g = gate(["p1"], pause_after=1, fail=Boom("stream died"))
    agent = streaming_agent("s", g.stream)
    seq = agent.quick_call("x", forum=forum)
    g.release.set()
    with pytest.raises(af.AgentError) as awaited:
        await seq
    with pytest.raises(af.AgentError) as iterated:
        async for p in seq:
            with pytest.raises(af.AgentError) as partial:
                await p
    error = awaited.value.message
    assert error.kind == "error" and error.content == "Boom: stream died"
    assert iterated.value.message == error
    assert partial.value.message.status == "failed" and partial.value.message.content == "p1"
    assert error.parent_id == partial.value.message.id


async def test_error_type_is_always_module_qualname(forum, gate):
    # fix 3: every error message names the exception class as module.QualName, also when it is propagated from
    # a message that ended without being stored
    g = gate(["never stored"], pause_after=0)
    foreign = streaming_agent("foreign", g.stream).quick_call("elsewhere", forum=forum)
    foreign_promise = await foreign.__aiter__().__anext__()

    @af.agent(version="test")
    async def inner(ctx):
        ctx.respond(foreign_promise)  # a promise this run does not own, still streaming
        raise Boom("inner failed")

    @af.agent(version="test")
    async def outer(ctx):
        ctx.respond(inner.quick_call(ctx.requests))

    with pytest.raises(af.AgentError):
        await outer.quick_call("q", forum=forum)
    g.release.set()
    await foreign
    errors = [m for m in forum if m.kind == "error"]
    assert errors and {m.metadata["error_type"] for m in errors} == {f"{Boom.__module__}.Boom"}


async def test_a_chunk_that_is_not_text_is_invalid_content_in_requests_and_responses(forum):
    # fix 4: one rule, named by its cause
    async def numbers():
        yield "one "
        yield 2

    @af.agent(cache=False)
    async def streamer(ctx):
        ctx.respond(numbers())

    with pytest.raises(af.AgentError) as ei:
        await streamer.quick_call("q", forum=forum)
    assert isinstance(ei.value.__cause__, af.InvalidMessageError)
    assert ei.value.message.metadata["error_type"] == "agentforum_nb.errors.InvalidMessageError"
    with pytest.raises(af.AgentError) as ei:
        await echo.quick_call(numbers(), forum=forum)
    assert isinstance(ei.value.__cause__, af.InvalidMessageError)
