"""Where requests go: the tip rules, request kinds, messages of another forum (API.md section 3)."""

from __future__ import annotations

import pytest

import agentforum_nb as af

from .agents import echo, passthrough


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

        @af.agent(version="test")  # it captures test objects that no fingerprint covers
        async def relay(ctx):
            ctx.respond(theirs)  # its messages' parents are not here: an error, never a dangling reference

        with pytest.raises(af.AgentError, match="no message with id"):
            await relay.quick_call("q2", forum=forum)
        forum.verify()
    finally:
        await other.aclose()


# -- the descendant rule (API.md section 3, revised: issue "what each agent saw") ---------------------------------
def _sees(name):
    """A function agent that answers with what it saw: the senders and texts of its branch."""
    return af.function_agent(name, lambda messages: f"{name} saw " + " / ".join(m.content for m in messages))


async def test_a_request_that_descends_from_the_tip_is_used_as_it_is(forum):
    pro, con, judge = _sees("pro"), _sees("con"), _sees("judge")

    @af.agent
    async def moderator(ctx):
        opening = pro.quick_call(ctx.requests)
        ctx.respond(opening)
        rebuttal = con.quick_call(opening)
        ctx.respond(rebuttal)
        ctx.respond(judge.quick_call(rebuttal))  # the natural code: the judge sees the whole debate

    motion = forum.post("Motion: X")
    out = await moderator.quick_call(motion, forum=forum)
    opening, rebuttal, verdict = (forum.get(m.original_id) for m in out)
    assert verdict.content == f"judge saw Motion: X / {opening.content} / {rebuttal.content}"
    assert verdict.parent_id == rebuttal.id and rebuttal.parent_id == opening.id  # drawn where its context is
    assert not [m for m in forum if m.kind == "forward" and m.sender != "moderator"]  # no forward was needed


async def test_a_message_of_another_branch_is_still_forwarded(forum):
    a = forum.post("a")
    b = forum.post("b", parent=a)
    c = forum.post("c", parent=b)  # descends from a: used as it is under branch=a
    (r,) = await echo.quick_call(c, forum=forum, branch=a)
    assert r.parent_id == c.id and len(forum) == 4
    other = forum.post("x", parent=forum.post("elsewhere"))
    (r2,) = await echo.quick_call(other, forum=forum, branch=c)  # not below c: forwarded under it
    fwd = forum.get(r2.parent_id)
    assert fwd.kind == "forward" and fwd.original_id == other.id and fwd.parent_id == c.id


# -- the calls annotation (API.md section 15) ------------------------------------------------------------------
async def test_each_distinct_call_on_a_request_is_annotated_once(forum):
    q = forum.post("question")
    await echo.quick_call(q, forum=forum)
    await echo.quick_call(q, forum=forum)  # the same call again (a cache hit): nothing added
    await echo.quick_call(q, forum=forum, sample=1)
    await echo.quick_call(q, forum=forum, cache=False, tone="dry")
    calls = forum.annotations(q)["calls"]
    base = {"agent": "echo", "version": echo.version, "by": "user"}
    assert [dict(c) for c in calls] == [
        {**base, "kwargs": {}, "sample": 0},
        {**base, "kwargs": {}, "sample": 1},
        {**base, "kwargs": {"tone": "dry"}, "sample": 0},
    ]
    (r,) = await echo.quick_call("new text", forum=forum)  # a posted request: annotated as well
    assert [c["agent"] for c in forum.annotations(r.parent_id)["calls"]] == ["echo"]
    with pytest.raises(af.UsageError, match="calls"):
        forum.annotate(q, calls=[])  # reserved


async def test_nested_calls_are_recorded_on_the_request_they_answer(forum):
    inner = passthrough(echo, "inner")
    outer = passthrough(inner, "outer")
    q = forum.post("q")
    await outer.quick_call(q, forum=forum)
    calls = forum.annotations(q)["calls"]
    assert [(c["agent"], c["by"]) for c in calls] == [("outer", "user"), ("inner", "outer"), ("echo", "inner")]
