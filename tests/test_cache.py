"""Response caching (API.md section 5): hits, misses, versions, in-flight sharing, persistence, repair."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import textwrap

import pytest

import agentforum_nb as af


def counting_agent(name="counter", **kw):
    calls = []

    async def fn(ctx, **kwargs):
        calls.append(kwargs)
        async for r in ctx.requests:
            ctx.respond(f"{name}: {(await r).content}")

    return af.Agent(fn, name=name, **kw), calls


async def test_hit_returns_same_messages_without_running(forum):
    agent, calls = counting_agent()
    first = await agent.quick_call("q", forum=forum)
    n = len(forum)
    call = agent.call(forum=forum).send("q")
    second = await call.finish()
    assert second == first and [m.id for m in second] == [m.id for m in first]
    assert len(calls) == 1 and len(forum) == n and call.cache_hit
    info = forum.cache_info()
    assert info["hits"] == 1 and info["entries"] == 1


async def test_hit_replays_tokens(forum):
    async def fn(ctx):
        async def toks():
            for t in ["a", "b", "c"]:
                yield t

        ctx.respond(toks())

    agent = af.Agent(fn, name="tok")
    seq1 = agent.quick_call("x", forum=forum)
    assert [t async for p in seq1 async for t in p] == ["a", "b", "c"]
    seq2 = agent.quick_call("x", forum=forum)
    assert [t async for p in seq2 async for t in p] == ["a", "b", "c"]  # same chunks in this process


async def test_edited_function_misses(forum):
    async def agent_v1(ctx):
        ctx.respond("v1")

    async def agent_v2(ctx):
        ctx.respond("v2")

    a1 = af.Agent(agent_v1, name="editable")
    a2 = af.Agent(agent_v2, name="editable")
    assert a1.version != a2.version
    assert (await a1.quick_call("q", forum=forum))[0].content == "v1"
    assert (await a2.quick_call("q", forum=forum))[0].content == "v2"
    # same code again (a notebook re-run of the same cell) hits
    a1_again = af.Agent(agent_v1, name="editable")
    assert a1_again.version == a1.version
    assert (await a1_again.quick_call("q", forum=forum))[0].content == "v1"
    assert forum.cache_info()["hits"] == 1


def test_version_covers_constants_names_and_nested_functions():
    def make(const, helper_name):
        src = f"""
async def agent_fn(ctx):
    def helper():
        return {const!r}
    ctx.respond({helper_name}() if False else helper())
"""
        ns = {}
        exec(src, ns)
        return af.Agent(ns["agent_fn"], name="x")

    base = make("a", "h1").version
    assert make("a", "h1").version == base
    assert make("b", "h1").version != base  # a nested function's constant
    assert make("a", "h2").version != base  # a name


async def test_explicit_version(forum):
    calls = []

    async def fn(ctx):
        calls.append(1)
        ctx.respond(f"run {len(calls)}")

    a = af.Agent(fn, name="pinned", version="1")
    await a.quick_call("q", forum=forum)
    await af.Agent(fn, name="pinned", version="1").quick_call("q", forum=forum)
    assert len(calls) == 1
    await af.Agent(fn, name="pinned", version="2").quick_call("q", forum=forum)
    assert len(calls) == 2


async def test_kwargs_are_part_of_the_key(forum):
    agent, calls = counting_agent()
    await agent.quick_call("q", forum=forum, temperature=0.5)
    await agent.quick_call("q", forum=forum, temperature=0.5)
    await agent.quick_call("q", forum=forum, temperature=0.7)
    assert calls == [{"temperature": 0.5}, {"temperature": 0.7}]


async def test_cache_switches_and_precedence():
    agent, calls = counting_agent()
    async with af.Forum(cache=False) as f:
        await agent.quick_call("q", forum=f)
        await agent.quick_call("q", forum=f, cache=True)  # Forum(cache=False) always wins
        assert len(calls) == 2
    agent2, calls2 = counting_agent(cache=False)
    async with af.Forum() as f:
        await agent2.quick_call("q", forum=f)
        await agent2.quick_call("q", forum=f)
        assert len(calls2) == 2
        await agent2.quick_call("q", forum=f, cache=True)  # the call's explicit value beats the agent's
        await agent2.quick_call("q", forum=f, cache=True)
        assert len(calls2) == 3
        await agent.quick_call("z", forum=f, cache=False)
        await agent.quick_call("z", forum=f, cache=False)
        assert len(calls) == 4


async def test_inflight_dedup_shares_live_stream(forum, gate):
    g = gate(["x", "y", "z"], pause_after=1)
    runs = []

    async def fn(ctx):
        runs.append(1)
        ctx.respond(g.stream())

    agent = af.Agent(fn, name="shared", version="1")  # it captures a Gate, which no fingerprint covers
    root = forum.post("q")
    s1 = agent.quick_call(root, forum=forum)
    s2 = agent.quick_call(root, forum=forum)
    assert forum.cache_info()["shared"] == 1  # the second caller joined the first one's live run
    await g.paused.wait()

    async def tokens(seq):
        return [t async for p in seq async for t in p]

    t1 = asyncio.create_task(tokens(s1))
    t2 = asyncio.create_task(tokens(s2))
    g.release.set()
    assert await t1 == await t2 == ["x", "y", "z"]
    assert runs == [1]
    assert await s1 == await s2


async def test_cancel_on_shared_run_detaches_only_that_caller(forum, gate):
    g = gate(["a", "b"], pause_after=1)

    async def fn(ctx):
        ctx.respond(g.stream())

    agent = af.Agent(fn, name="sharedcancel", version="1")
    root = forum.post("q")
    s1 = agent.quick_call(root, forum=forum)
    s2 = agent.quick_call(root, forum=forum)
    assert forum.cache_info()["shared"] == 1  # placed and attached at once: the root is at hand
    await g.paused.wait()
    s2.cancel()
    with pytest.raises(af.CallCancelled):
        await s2
    g.release.set()
    (m,) = await s1
    assert m.content == "ab" and m.status == "complete"


async def test_errors_and_cancellations_are_not_cached(forum, gate):
    attempts = []

    async def flaky(ctx):
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("first time fails")
        ctx.respond("ok")

    agent = af.Agent(flaky, name="flaky")
    with pytest.raises(af.AgentError):
        await agent.quick_call("q", forum=forum)
    assert (await agent.quick_call("q", forum=forum))[0].content == "ok"
    assert len(attempts) == 2

    g = gate(["a", "b"], pause_after=1)
    runs = []

    async def slow(ctx):
        runs.append(1)
        ctx.respond(g.stream() if len(runs) == 1 else "second")

    s_agent = af.Agent(slow, name="slow", version="1")
    seq = s_agent.quick_call("q2", forum=forum)
    await g.paused.wait()
    seq.cancel()
    with pytest.raises(af.CallCancelled):
        await seq
    assert (await s_agent.quick_call("q2", forum=forum))[0].content == "second"


async def test_nested_pipeline_reruns_only_changed_agents(forum):
    runs = {"a": 0, "b": 0}

    async def a_fn(ctx):
        runs["a"] += 1
        ctx.respond("A says hi")

    async def b_fn(ctx):
        runs["b"] += 1
        ctx.respond("B says hi")

    a = af.Agent(a_fn, name="a")
    b = af.Agent(b_fn, name="b")

    def pipeline(b_agent, suffix):
        async def pipe(ctx):
            ctx.respond(a.quick_call(ctx.requests))
            ctx.respond(b_agent.quick_call(ctx.requests))
            ctx.respond(suffix)

        return af.Agent(pipe, name="pipe")

    await pipeline(b, "v1").quick_call("go", forum=forum)
    await pipeline(b, "v2").quick_call("go", forum=forum)  # the pipeline changed, its sub-agents did not
    assert runs == {"a": 1, "b": 1}


async def test_corrupt_entry_is_a_miss_and_is_repaired(tmp_path):
    path = tmp_path / "c.sqlite"
    agent, calls = counting_agent()
    async with af.Forum(path) as f:
        (m,) = await agent.quick_call("q", forum=f)
    con = sqlite3.connect(path)
    con.execute("UPDATE messages SET content = 'tampered' WHERE id = ?", (m.id,))
    con.commit()
    con.close()
    async with af.Forum(path) as f:
        await agent.quick_call("q", forum=f)
        assert len(calls) == 2 and f.cache_info()["repairs"] == 1
    con = sqlite3.connect(path)
    con.execute("UPDATE cache SET response_ids = 'not json'")
    con.commit()
    con.close()
    async with af.Forum(path) as f:
        await agent.quick_call("q", forum=f)
        assert len(calls) == 3
        await agent.quick_call("q", forum=f)
        assert len(calls) == 3  # repaired entry now serves


async def test_cache_clear(forum):
    agent, calls = counting_agent()
    await agent.quick_call("q", forum=forum)
    assert forum.cache_clear() == 1
    await agent.quick_call("q", forum=forum)
    assert len(calls) == 2
    entries = forum.cache_entries()
    assert len(entries) == 1 and entries[0]["agent"] == "counter"


SCRIPT = textwrap.dedent("""
    import asyncio, sys, agentforum_nb as af
    runs = []
    @af.agent(version="1")
    async def persistent(ctx):
        runs.append(1)
        ctx.respond("stored answer")
    async def main():
        async with af.Forum(sys.argv[1]) as f:
            seq = persistent.quick_call("question", forum=f)
            tokens = [t async for p in seq async for t in p]
            (m,) = await seq
            print(m.id, len(runs), len(f), tokens)
    asyncio.run(main())
""")


def test_cache_survives_restart_in_new_process(tmp_path):
    path = str(tmp_path / "persist.sqlite")
    out1 = subprocess.run([sys.executable, "-c", SCRIPT, path], capture_output=True, text=True, check=True).stdout
    out2 = subprocess.run([sys.executable, "-c", SCRIPT, path], capture_output=True, text=True, check=True).stdout
    id1, runs1, n1, _ = out1.split(" ", 3)
    id2, runs2, n2, tokens2 = out2.split(" ", 3)
    assert id1 == id2 and runs1 == "1" and runs2 == "0" and n1 == n2 == "2"
    assert tokens2.strip() == "['stored answer']"  # after a restart: the content as one chunk
