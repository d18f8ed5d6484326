"""Errors as messages, at every level of nesting; failed token streams (API.md section 5)."""

from __future__ import annotations

import asyncio

import pytest

import agentforum_nb as af

from .agents import Boom, passthrough, streaming_agent


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
