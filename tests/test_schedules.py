"""Random schedules of nested calls, forwards, errors and cancellations (hypothesis).

Whatever happens: ``aclose()`` never raises, no library task is left, every sequence settles (a result or our
error), the store verifies, every failed stream is followed by its agent's error message, every error message
names its exception class as ``module.QualName``, and a forward carries its original's text and status.

The CI run uses a few hundred examples; set ``AGENTFORUM_FUZZ_EXAMPLES`` (e.g. 5000) for a long run
(``benchmarks/fuzz_schedules.sh``).
"""

from __future__ import annotations

import asyncio
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import agentforum_nb as af

EXAMPLES = int(os.environ.get("AGENTFORUM_FUZZ_EXAMPLES", "300"))
BEHAVIOURS = [
    "text",
    "stream",
    "error",
    "stream-fail",
    "nested",
    "nested-error",
    "two-nested",
    "forward-cancel",
    "cancel-passed-on",
    "call-while-closing",
    "bad-chunk",
    "surrogate",
]


def build_agents(gates: list[asyncio.Event]):
    async def tokens(fail: bool):
        ev = asyncio.Event()
        gates.append(ev)
        yield "t1 "
        await ev.wait()
        yield "t2"
        if fail:
            raise ValueError("stream failed")

    async def odd_tokens(kind: str):
        yield "ok "
        yield 3 if kind == "bad-chunk" else "\ud83d"

    @af.agent(cache=False)
    async def leaf(ctx, behaviour: str):
        if behaviour == "text":
            ctx.respond("plain")
        elif behaviour == "stream":
            ctx.respond(tokens(False))
        elif behaviour == "stream-fail":
            ctx.respond(tokens(True))
        elif behaviour in ("bad-chunk", "surrogate"):
            ctx.respond(odd_tokens(behaviour))
        else:
            raise RuntimeError("leaf error")

    @af.agent(cache=False)
    async def top(ctx, behaviour: str):
        if behaviour == "forward-cancel":  # forward a promise that is then cancelled
            seq = leaf.quick_call(ctx.requests, behaviour="stream")
            async for p in seq:
                ctx.respond(p)
                break
            seq.cancel()
            await asyncio.sleep(0)
            ctx.respond("after")
        elif behaviour == "cancel-passed-on":  # cancel what was passed on, then go on
            seq = leaf.quick_call(ctx.requests, behaviour="stream")
            ctx.respond(seq)
            seq.cancel()
            await asyncio.sleep(0)
            ctx.respond(leaf.quick_call(ctx.requests, behaviour="text"))
        elif behaviour == "call-while-closing":  # start a call while being cancelled (e.g. by aclose)
            try:
                ctx.respond(leaf.quick_call(ctx.requests, behaviour="stream"))
                await asyncio.Event().wait()
            finally:
                ctx.respond(leaf.quick_call(ctx.requests, behaviour="text"))
        elif behaviour.startswith("nested") or behaviour == "two-nested":
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
    min_size=1,
    max_size=5,
)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schedule, st.integers(0, 6), st.booleans())
def test_random_schedules_leave_no_tasks_and_a_consistent_store(plan, release_after, close_early):
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
        if close_early:  # close with calls in flight: everything must still settle
            stored = list(forum)
            await forum.aclose()
            assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task() and t not in consumers] == []
            await asyncio.wait_for(asyncio.gather(*consumers), 10)
            check_messages(stored)
            return forum
        for _ in range(50):
            for g in list(gates):
                g.set()
            if all(c.done() for c in consumers):
                break
            await asyncio.sleep(0)
        for seq, _ in seqs:  # agents that wait forever ("call-while-closing") end when cancelled
            if not seq.done():
                seq.cancel()
        await asyncio.wait_for(asyncio.gather(*consumers), 10)
        for k, out in enumerate(outcomes):
            assert out is not None, f"consumer {k} got nothing"
            if isinstance(out, tuple):
                for m in out:
                    assert m.id in forum
                    assert forum.history(m.id)[0].content == f"q{k}"
        forum.verify()
        check_messages(list(forum), forum)
        assert forum.cache_info()["inflight"] == 0
        await forum.aclose()
        assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []
        return forum

    forum = asyncio.run(scenario())
    assert forum.closed


def check_messages(messages: list[af.Message], forum: af.Forum | None = None) -> None:
    by_id = {m.id: m for m in messages}
    children: dict[str | None, list[af.Message]] = {}
    for m in messages:
        children.setdefault(m.parent_id, []).append(m)
    for m in messages:
        m.verify()
        if m.kind == "error":
            error_type = m.metadata["error_type"]
            assert "." in error_type and not error_type.startswith("."), m
        if m.status == "failed" and m.kind == "message":  # followed by its agent's error message
            assert any(c.kind == "error" and c.sender == m.sender for c in children.get(m.id, [])), m
        if m.kind == "forward" and m.original_id in by_id:  # a forward carries its original's text and status
            original = by_id[m.original_id]
            assert (m.content, m.status) == (original.content, original.status), m
