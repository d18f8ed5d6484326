"""Randomized schedules of calls, errors and cancellations (hypothesis): afterwards no library task remains,
every finished call's messages are in the store and verify, and every consumer got a result or our error."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import agentforum_nb as af

BEHAVIOURS = ["text", "stream", "error", "stream-fail", "nested", "nested-error", "two-nested"]


def build_agents(gates: list[asyncio.Event]):
    async def tokens(fail: bool):
        ev = asyncio.Event()
        gates.append(ev)
        yield "t1 "
        await ev.wait()
        yield "t2"
        if fail:
            raise ValueError("stream failed")

    @af.agent(cache=False)
    async def leaf(ctx, behaviour: str):
        if behaviour == "text":
            ctx.respond("plain")
        elif behaviour == "stream":
            ctx.respond(tokens(False))
        elif behaviour == "stream-fail":
            ctx.respond(tokens(True))
        else:
            raise RuntimeError("leaf error")

    @af.agent(cache=False)
    async def top(ctx, behaviour: str):
        if behaviour.startswith("nested") or behaviour == "two-nested":
            inner = "error" if behaviour == "nested-error" else "stream"
            ctx.respond(leaf.quick_call(ctx.requests, behaviour=inner))
            if behaviour == "two-nested":
                ctx.respond(leaf.quick_call(ctx.requests, behaviour="text"))
            ctx.respond("after")
        else:
            ctx.respond(leaf.quick_call(ctx.requests, behaviour=behaviour))

    return top


schedule = st.lists(
    st.tuples(st.sampled_from(BEHAVIOURS), st.one_of(st.none(), st.integers(0, 6)), st.booleans()),
    min_size=1, max_size=5)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schedule, st.integers(0, 6))
def test_random_schedules_leave_no_tasks_and_a_consistent_store(plan, release_after):
    async def scenario():
        forum = af.Forum()
        gates: list[asyncio.Event] = []
        top = build_agents(gates)
        seqs = []
        for i, (behaviour, cancel_at, use_cache) in enumerate(plan):
            seqs.append((top.quick_call(f"q{i}", forum=forum, behaviour=behaviour, cache=use_cache), cancel_at))
        outcomes: list[object] = [None] * len(seqs)

        async def consume(k, seq):
            try:
                outcomes[k] = [t async for p in seq async for t in p]
                outcomes[k] = await seq
            except (af.AgentError, af.CallCancelled) as exc:
                outcomes[k] = exc

        consumers = [asyncio.create_task(consume(k, s)) for k, (s, _) in enumerate(seqs)]
        for step in range(8):
            for seq, cancel_at in seqs:
                if cancel_at == step:
                    seq.cancel()
            if step == release_after:
                for g in list(gates):
                    g.set()
            await asyncio.sleep(0)  # one loop iteration: a random interleaving point, not an ordering wait
        for _ in range(20):
            for g in list(gates):
                g.set()
            if all(c.done() for c in consumers):
                break
            await asyncio.wait(consumers, timeout=0.05)
        for g in gates:
            g.set()
        await asyncio.wait_for(asyncio.gather(*consumers), 10)
        for k, out in enumerate(outcomes):
            assert out is not None, f"consumer {k} got nothing"
            if isinstance(out, tuple):
                for m in out:
                    assert m.id in forum
                    assert forum.history(m.id)[0].content == f"q{k}"
        forum.verify()
        for m in forum:  # a failed stream is followed by its agent's error message, even when a caller cancels
            if m.status == "failed" and m.kind == "message":
                assert any(c.kind == "error" and c.sender == m.sender for c in forum.children(m)), m
            if m.kind == "forward":  # a forward carries its original's text and status
                original = forum.get(m.original_id)
                assert (m.content, m.status) == (original.content, original.status), m
        await forum.aclose()
        assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []
        return forum

    forum = asyncio.run(scenario())
    assert forum.closed
