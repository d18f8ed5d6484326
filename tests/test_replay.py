"""Replay (API.md section 15): the same conversation through changed agents."""

from __future__ import annotations

import pytest

import agentforum_nb as af


def _writer(name: str, style: str, runs: list[str]) -> af.Agent:
    async def fn(ctx, tone="plain"):
        runs.append(name)
        history = await ctx.history()
        ctx.respond(f"{style} {tone} answer to {history[-1].content!r} after {len(history)} messages")

    return af.Agent(fn, name="writer", version=style)


async def _conversation(forum, writer):
    first = await writer.quick_call("Write a slogan.", forum=forum, tone="dry")
    turn2 = forum.post("Shorter, please.", parent=first[-1])
    (answer2,) = await writer.quick_call(turn2, forum=forum, tone="dry")
    return first[-1], turn2, answer2


async def test_nothing_changed_returns_the_message_itself_from_the_cache(forum):
    runs: list[str] = []
    writer = _writer("v1", "v1", runs)
    _, _, last = await _conversation(forum, writer)
    n, ran = len(forum), len(runs)
    assert await forum.replay(last) == last
    assert len(forum) == n and len(runs) == ran  # every call served from the cache, nothing stored


async def test_a_changed_agent_gives_a_new_branch_from_its_first_answer(forum):
    runs: list[str] = []
    v1 = _writer("v1", "v1", runs)
    answer1, turn2, last = await _conversation(forum, v1)
    v2 = _writer("v2", "v2", runs)
    new_last = await forum.replay(last, agents={"writer": v2})
    new_branch = forum.history(new_last.id)
    old_branch = forum.history(last.id)
    assert new_branch[0] == old_branch[0]  # the first message is reused as it is
    assert [m.content for m in new_branch] == [
        "Write a slogan.",
        "v2 dry answer to 'Write a slogan.' after 1 messages",  # same kwargs (tone) as the original call
        "Shorter, please.",  # the later turn posted again, under the new answer
        "v2 dry answer to 'Shorter, please.' after 3 messages",
    ]
    assert new_branch[2] != turn2 and new_branch[2].sender == "user"
    assert forum.common_ancestor(new_last, last) == old_branch[0]
    # replaying again is served from the cache: the same branch, no new run
    ran = len(runs)
    assert await forum.replay(last, agents={"writer": v2}) == new_last
    assert len(runs) == ran


async def test_the_agent_that_answered_on_this_branch_is_called_again(forum):
    # a moderator was called on the motion, and passed it on to pro: replaying calls the moderator again
    runs: list[str] = []
    pro = af.function_agent("pro", lambda messages: f"pro on {messages[-1].content}")

    @af.agent(version="1")
    async def moderator(ctx, rounds):
        runs.append(f"moderator {rounds}")
        ctx.respond(pro.quick_call(ctx.requests))

    (fwd,) = await moderator.quick_call("the motion", forum=forum, rounds=2)
    assert await forum.replay(fwd) == fwd
    pro2 = af.function_agent("pro", lambda messages: f"pro, changed, on {messages[-1].content}")

    @af.agent(name="moderator", version="2")  # the cell edited and run again
    async def moderator2(ctx, rounds):
        runs.append(f"moderator2 {rounds}")
        ctx.respond(pro2.quick_call(ctx.requests))

    new = await forum.replay(fwd, agents={"moderator": moderator2})
    assert runs[-1] == "moderator2 2" and new.sender == "moderator" and new.content == "pro, changed, on the motion"


async def test_bad_agents_and_missing_agents_are_named(forum):
    with pytest.raises(af.UsageError, match="map agent names"):
        await forum.replay(forum.post("x"), agents=["writer"])
    with pytest.raises(af.UsageError, match=r"af\.Agent"):
        await forum.replay(forum.post("y"), agents={"writer": "not an agent"})
    q = forum.post("q")
    a = forum.post("an answer from an agent that is gone", parent=q, sender="ghost")
    with pytest.raises(af.UsageError, match="'ghost'"):
        await forum.replay(a)
    with pytest.raises(af.MessageNotFound):
        await forum.replay("f" * 64)
