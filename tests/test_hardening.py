"""The bugs that fault and fuzz testing found (issue "Hardening"), each kept out by a test that failed before.

Store-level faults (concurrent creation, tampered rows, read-only files, the message cache's bound) are in
test_store_hardening.py; random schedules in test_schedules.py.
"""

from __future__ import annotations

import asyncio
import enum
import json
import shutil
import subprocess
import xml.dom.minidom

import pytest

import agentforum_nb as af

from .conftest import Gate


def tasks_left() -> list[asyncio.Task]:
    return [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]


# -- 1. lone surrogates: a clear error in the tree, and the call settles -------------------------------------------
async def test_half_an_emoji_in_a_stream_is_an_error_message():
    forum = af.Forum()

    @af.agent(cache=False)
    async def model(ctx):
        async def tokens():
            yield "smile "
            yield "\ud83d"  # a model stream split inside a surrogate pair

        ctx.respond(tokens())

    with pytest.raises(af.AgentError) as ei:
        await asyncio.wait_for(model.quick_call("hi", forum=forum), 10)
    error = ei.value.message
    assert error.kind == "error" and "lone surrogate" in error.content
    assert error.metadata["error_type"] == "agentforum_nb.errors.InvalidMessageError"
    assert isinstance(ei.value.__cause__, af.InvalidMessageError)
    assert [m.content for m in forum.history(error)] == ["hi", error.content]  # nothing half-stored
    forum.verify()
    await forum.aclose()
    assert tasks_left() == []


async def test_surrogates_in_exception_text_and_response_metadata(forum):
    @af.agent(cache=False)
    async def a(ctx):
        raise ValueError("bad name: " + b"\xff".decode("utf-8", "surrogateescape"))

    with pytest.raises(af.AgentError) as ei:
        await asyncio.wait_for(a.quick_call("x", forum=forum), 10)
    assert ei.value.message.content == "ValueError: bad name: \\udcff"  # escaped, so it can be stored

    @af.agent(cache=False)
    async def b(ctx):
        ctx.respond("fine", metadata={"note": "x\udfff"})

    with pytest.raises(af.AgentError) as ei:
        await asyncio.wait_for(b.quick_call("y", forum=forum), 10)
    assert "lone surrogate" in ei.value.message.content
    forum.verify()


async def test_surrogates_in_agent_names_kwargs_and_requests_are_refused_at_once(forum):
    async def fn(ctx):
        ctx.respond("x")

    with pytest.raises(af.UsageError, match="lone surrogate"):
        af.Agent(fn, name="bot\ud800")
    bot = af.Agent(fn, name="bot")
    with pytest.raises(af.UsageError, match="lone surrogate"):
        bot.quick_call("q", forum=forum, style="\udc80")
    with pytest.raises(af.UsageError, match="lone surrogate"):
        bot.quick_call("q", forum=forum, opts={"x": 0.5, "y": "\udc80"})  # the rfc8785 (float) path too
    with pytest.raises(af.InvalidMessageError, match="lone surrogate"):
        bot.quick_call("half \ud83d", forum=forum)
    assert len(forum) == 0


# -- 3. a forwarded nested promise that is then cancelled -----------------------------------------------------------
async def test_forward_of_a_promise_that_is_then_cancelled_settles_cleanly(forum):
    g = Gate(["partial ", "rest"], pause_after=1)
    seen = []

    @af.agent(cache=False)
    async def inner(ctx):
        ctx.respond(g.stream())

    @af.agent(version="test")
    async def outer(ctx):
        seq = inner.quick_call(ctx.requests)
        async for p in seq:
            ctx.respond(p)  # forward the inner (still streaming) message
            break
        await g.paused.wait()
        seq.cancel()  # cancels this run too; the function stops at its next await, as any cancelled task
        seen.append("cancel returned")
        await asyncio.Event().wait()
        seen.append("went on")

    loop = asyncio.get_running_loop()
    errors = []
    loop.set_exception_handler(lambda _loop, context: errors.append(context))
    with pytest.raises(af.CallCancelled):
        await asyncio.wait_for(outer.quick_call("hi", forum=forum), 10)
    assert errors == []  # no internal error
    assert forum.cache_info()["inflight"] == 0 and forum.cache_info()["entries"] == 0
    forwards = [m for m in forum if m.kind == "forward"]
    assert [(m.content, m.status) for m in forwards] == [("partial ", "cancelled")]
    assert seen == ["cancel returned"]  # cancelling what it passed on cancelled the agent's own function too
    forum.verify()
    await asyncio.wait_for(forum.aclose(), 10)  # would wait forever for a function that went on
    assert tasks_left() == []


# -- 4. an agent that cancels what it passed on, and calls started while aclose() waits ------------------------------
async def test_nothing_outlives_aclose(tmp_path):
    forum = af.Forum(tmp_path / "f.sqlite")
    release = asyncio.Event()
    started = []

    @af.agent(cache=False)
    async def slow(ctx):
        await release.wait()
        ctx.respond("slow answer")

    @af.agent(cache=False)
    async def fast(ctx):
        started.append("fast")
        await release.wait()
        ctx.respond("fast answer")

    @af.agent(cache=False)
    async def fallback(ctx):
        seq = slow.quick_call(ctx.requests)
        ctx.respond(seq)
        seq.cancel()  # too slow: its run is cancelled, and so is this one
        try:
            await asyncio.sleep(3600)
        finally:  # runs while aclose() waits: the call it starts is cancelled too
            ctx.respond(fast.quick_call(ctx.requests))

    seq = fallback.quick_call("question", forum=forum)
    with pytest.raises(af.CallCancelled):
        await asyncio.wait_for(seq, 10)
    await forum.aclose()
    assert forum.closed and tasks_left() == [] and started == []


async def test_a_call_started_inside_a_cancelled_agent_is_cancelled(forum):
    inner_seq = []

    @af.agent(cache=False)
    async def inner(ctx):
        ctx.respond("never")

    waiting = asyncio.Event()

    @af.agent(cache=False, version="1")
    async def outer(ctx):
        try:
            waiting.set()
            await asyncio.Event().wait()
        finally:
            inner_seq.append(inner.quick_call("x"))

    seq = outer.quick_call("q", forum=forum)
    await waiting.wait()  # its function runs and waits
    seq.cancel()
    with pytest.raises(af.CallCancelled):
        await seq
    contents = [m.content for m in forum]
    await forum.aclose()  # waits for outer's function to unwind through its finally
    with pytest.raises(af.CallCancelled):
        await inner_seq[0]
    assert contents == ["q"]


async def test_a_top_level_call_during_aclose_is_refused():
    forum = af.Forum()
    cancelled = asyncio.Event()
    started = asyncio.Event()

    async def tokens():
        try:
            started.set()
            yield "a"
            await asyncio.Event().wait()
        finally:
            cancelled.set()  # aclose() has begun: it cancelled this stream and is waiting for it

    @af.agent(version="test")
    async def streamer(ctx):
        ctx.respond(tokens())

    seq = streamer.quick_call("x", forum=forum)
    await started.wait()
    closing = asyncio.ensure_future(forum.aclose())
    await cancelled.wait()
    with pytest.raises(af.UsageError, match=r"closing|closed"):
        streamer.quick_call("y", forum=forum)
    await closing
    with pytest.raises(af.CallCancelled):
        await seq
    assert tasks_left() == []


# -- 7. JSONL import errors name the line -------------------------------------------------------------------------
def test_jsonl_import_of_invalid_utf8_or_deep_nesting(tmp_path):
    f = af.Forum()
    good = json.dumps(af.Message("ok").to_dict()).encode()
    for name, bad in [("utf8", b'{"id": "\xff"}'), ("deep", b"[" * 100_000 + b"]" * 100_000)]:
        path = tmp_path / f"{name}.jsonl"
        path.write_bytes(good + b"\n" + bad + b"\n")
        with pytest.raises(af.IntegrityError, match="line 2") as ei:
            f.import_jsonl(path)
        assert ei.value.line == 2
    assert len(f) == 0


# -- 10. control characters in exported SVG ------------------------------------------------------------------------
def test_control_characters_keep_the_svg_well_formed():
    f = af.Forum()
    f.post("esc \x1b[31m red, nul \x00, bell \x07, del \x7f", sender="bot\x1b")
    dot = f.to_graphviz().source
    assert "\x1b" not in dot and "\x00" not in dot and "\u241b" in dot
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed: the DOT source was checked, not the SVG")
    svg = subprocess.run(["dot", "-Tsvg"], input=dot.encode(), capture_output=True, check=True).stdout
    xml.dom.minidom.parseString(svg)  # raises on an unparseable document


# -- 11. (str, Enum) values are their JSON value ------------------------------------------------------------------
class Colour(str, enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


def test_str_and_int_enum_values_are_stored_as_json_does():
    m = af.Message(Colour.RED, metadata={"colour": Colour.RED, "level": Level.HIGH, "list": [Colour.RED]})
    assert m.content == "red" and type(m.content) is str
    assert m.fields()["metadata"] == json.loads(
        json.dumps({"colour": Colour.RED, "level": Level.HIGH, "list": [Colour.RED]})
    )
    assert m == af.Message("red", metadata={"colour": "red", "level": 3, "list": ["red"]})


# -- 13. read-only forums --------------------------------------------------------------------------------------------
def test_a_forum_opened_read_only(tmp_path):
    path = tmp_path / "done.sqlite"
    f = af.Forum(path)
    m = f.post("finished tree")
    asyncio.run(f.aclose())
    ro = af.Forum(path, readonly=True)
    assert ro.get(m.id) == m and len(ro) == 1
    with pytest.raises(af.UsageError, match="read-only"):
        ro.post("more")
    assert len(ro) == 1
    asyncio.run(ro.aclose())
    with pytest.raises(af.UsageError, match="path"):
        af.Forum(readonly=True)


# -- memory: token chunks are kept only while something can replay them ---------------------------------------------
async def test_chunks_are_kept_only_for_cached_runs_and_bounded(forum):
    @af.agent(cache=False)
    async def streamer(ctx):
        async def tokens():
            for i in range(50):
                yield f"t{i} "

        ctx.respond(tokens())

    await streamer.quick_call("q", forum=forum)
    assert forum.response_cache.chunk_bytes == 0  # nothing can replay an uncached run's tokens

    cached = af.Agent(streamer.fn, name="cached")
    await cached.quick_call("q", forum=forum)
    kept = forum.response_cache.chunk_bytes
    assert kept > 0
    hit = cached.quick_call("q", forum=forum)
    assert [t async for p in hit async for t in p][:2] == ["t0 ", "t1 "]  # replays the same tokens
    forum.response_cache.chunk_limit = kept  # bound by bytes: one more run evicts the oldest
    await cached.quick_call("another", forum=forum)
    assert forum.response_cache.chunk_bytes <= kept
    info = forum.cache_info()
    assert info["chunks_evicted"] == 1 and info["chunk_bytes"] == forum.response_cache.chunk_bytes
