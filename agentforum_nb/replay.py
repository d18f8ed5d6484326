"""Replay (API.md section 15): the same conversation through changed agents.

``await forum.replay(message, agents=None)`` walks the branch ending at ``message``. The first message is reused as
it is; every later user turn is posted under the new branch's tip (the same text under the same tip is the same
message, so unchanged turns are shared). For each user turn that an agent answered on this branch, the call that
answered it (its ``calls`` annotation: agent, version, kwargs, sample) is made again, with the agent of the same
name from ``agents`` when given, else the same agent (found alive in this process by name and version). Calls of
unchanged agents are served from the cache, so the new branch shares the original's messages up to the first
answer that changed; when nothing changed the replay returns ``message`` itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._canonical import thaw
from .agents import Agent, live_agent
from .errors import UsageError
from .forum import Forum, set_replayer
from .messages import Message

__all__ = ["replay"]


async def replay(forum: Forum, message: Any, agents: Mapping[str, Agent] | None = None) -> Message:
    """See the module docstring."""
    replacements = _replacements(agents)
    original = forum.resolve(message, "message")
    branch = forum.history(original.id)
    turns = [i for i, m in enumerate(branch) if _is_user_turn(m)]
    tip = branch[0]  # reused as it is
    changed = False
    for k, i in enumerate(turns):
        turn = branch[i]
        if i > 0:
            posted = forum.post(
                turn.content, parent=tip, sender="user", metadata=turn.metadata or None, attachments=turn.attachments
            )
            changed = changed or posted.id != turn.id
            turn = posted
        end = turns[k + 1] if k + 1 < len(turns) else len(branch)
        answered = branch[i + 1 : end]  # what the original call gave on this branch
        if not answered:
            tip = turn
            continue
        agent, kwargs, sample = _call_of(forum, branch[i], answered[0], replacements)
        out = await agent.quick_call(turn, forum=forum, sample=sample, **kwargs)
        tip = out[-1] if out else turn
        same = [m.id for m in out[: len(answered)]] == [m.id for m in answered]
        changed = changed or not same or (len(out) != len(answered) and end != len(branch))
    return original if not changed else tip


def _is_user_turn(m: Message) -> bool:
    return m.sender == "user" and m.kind == "message"


def _replacements(agents: Mapping[str, Agent] | None) -> dict[str, Agent]:
    if agents is None:
        return {}
    if not isinstance(agents, Mapping):
        raise UsageError(f"agents must map agent names to agents (e.g. {{'writer': new_writer}}), not {agents!r:.80}")
    out = {}
    for name, agent in agents.items():
        if not isinstance(name, str) or not isinstance(agent, Agent):
            raise UsageError(f"agents must map agent names (str) to af.Agent objects; got {name!r}: {agent!r:.60}")
        out[name] = agent
    return out


def _call_of(
    forum: Forum, turn: Message, first_answer: Message, replacements: dict[str, Agent]
) -> tuple[Agent, dict[str, Any], int]:
    """The call that answered ``turn`` on this branch (the one whose agent wrote or forwarded ``first_answer``),
    with the agent to call again: its replacement, or the same agent, alive in this process."""
    notes = forum.annotations(first_answer)
    name = first_answer.sender
    sample = notes.get("sample", 0)
    entries = [c for c in forum.annotations(turn).get("calls") or () if c.get("agent") == name]
    entry = next((c for c in entries if c.get("sample") == sample), entries[0] if entries else None)
    if entry is not None:
        kwargs = dict(entry.get("kwargs") or {})
        sample = entry.get("sample", 0)
        version = entry.get("version")
    else:  # a forum from before calls were recorded: the agent that answered, without kwargs
        kwargs, version = {}, None
    agent = replacements.get(name)
    if agent is None and isinstance(version, str):
        agent = live_agent(name, version)
    if agent is None:
        raise UsageError(
            f"replay needs the agent {name!r} that answered {turn.id[:8]} ({turn.content[:40]!r})"
            + (f", version {version[:16]!r}" if isinstance(version, str) else "")
            + f": it is not alive in this process; pass it as agents={{{name!r}: ...}}"
        )
    return agent, {k: thaw(v) for k, v in kwargs.items()}, sample if type(sample) is int and sample >= 0 else 0


set_replayer(replay)
