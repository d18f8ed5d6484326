"""Forums of three-agent debates as experiments produce them, for the TreeView's scale tests and benchmarks.

A moderator calls pro, con and a judge for six rounds (the real runtime, scripted agents: offline and
deterministic); a debate is about 30 messages with its forwards. ``debate_forum(n)`` holds ``n`` debates, each
under its own motion (a forest); some debates also get a second sample of the judge and an edited motion, as a
person prototyping would add.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

import agentforum_nb as af
from agentforum_nb.nodes import stored_node

MOTIONS = [
    "Content-addressed message trees should be the default log format for agents",
    "Agents should always see the whole branch they answer",
    "Caching model calls by branch is worth its storage",
    "A judge agent should never see the moderator's notes",
    "Samples beat retries when a model answer is weak",
    "Every tool call should be a message of its own",
    "Streaming tokens through nested agents is worth the complexity",
    "Human review should gate every branch an agent starts",
]


def debate_agents() -> tuple[af.Agent, ...]:
    """The moderator (the debate) and the agents it calls."""
    pro = af.scripted_agent(
        "pro",
        [
            "Yes: a stable id for every conversation state makes runs reproducible and branches free.",
            "The cost is small: ids are hashes, and caching pays for the bytes many times over.",
        ],
        cycle=True,
    )
    con = af.scripted_agent(
        "con",
        [
            "No: ids change whenever metadata changes, and that breaks links people already shared.",
            "Storage grows with every variation; pruning content-addressed data is hard in practice.",
        ],
        cycle=True,
    )
    judge = af.scripted_agent(
        "judge",
        [
            "Pro wins on reproducibility; con is right that pruning needs a plan. Verdict: adopt, with a retention policy.",  # noqa: E501
            "Con wins narrowly: the migration cost is real. Verdict: pilot it on one team first.",
        ],
        cycle=True,
    )

    @af.agent
    async def moderator(ctx: af.Context, rounds: int = 6) -> None:
        opening = pro.quick_call(ctx.requests)
        ctx.respond(opening)
        reply = opening
        for _ in range(rounds):
            rebuttal = con.quick_call(reply)
            ctx.respond(rebuttal)
            reply = pro.quick_call(rebuttal)
            ctx.respond(reply)
        ctx.respond(judge.quick_call(reply))

    return moderator, pro, con, judge


async def add_debates(forum: af.Forum, n: int, start: int = 0) -> list[af.Message]:
    """Run ``n`` debates into ``forum`` (motions numbered from ``start``); returns the motions' messages."""
    moderator, _pro, _con, judge = debate_agents()
    motions = []
    for i in range(start, start + n):
        motion = forum.post(f"Motion {i + 1}: {MOTIONS[i % len(MOTIONS)]}.", sender="user")
        motions.append(motion)
        out = await moderator.quick_call(motion, forum=forum)
        if i % 7 == 3:  # a second sample of the judge's verdict
            await judge.quick_call(out[-2], forum=forum, sample=1)
        if i % 11 == 5:  # the motion edited, debated again
            edited = forum.edit(motion, f"Motion {i + 1} (edited): {MOTIONS[(i + 3) % len(MOTIONS)]}.")
            await moderator.quick_call(edited, forum=forum, rounds=2)
    return motions


def debate_forum(n: int) -> af.Forum:
    """A new in-memory forum of ``n`` debates (about 30 messages each)."""
    forum = af.Forum()
    asyncio.run(add_debates(forum, n))
    return forum


def forum_nodes(forum: af.Forum) -> list[dict[str, Any]]:
    """The TreeView's snapshot nodes of ``forum`` (nodes.py, as the kernel sends them)."""
    nodes = []
    for m in forum:
        author = forum.get(m.original_id).sender if m.kind == "forward" and m.original_id else None
        nodes.append(stored_node(m, forum.annotations(m), author=author))
    return nodes


def copied_nodes(nodes: list[dict[str, Any]], copies: int) -> list[dict[str, Any]]:
    """``nodes`` repeated ``copies`` times under new ids (the same shapes and texts): a 100,000-message forest from a
    3,000-message one without running 3,000 more debates."""
    out = []
    for c in range(copies):

        def new(mid: str | None, c: int = c) -> str | None:
            return None if mid is None else (mid if c == 0 else hashlib.sha256(f"{c}:{mid}".encode()).hexdigest())

        for n in nodes:
            out.append(
                {
                    **n,
                    "id": new(n["id"]),
                    "parent": new(n["parent"]),
                    "reply_to": new(n["reply_to"]),
                    "original": new(n["original"]),
                }
            )
    return out
