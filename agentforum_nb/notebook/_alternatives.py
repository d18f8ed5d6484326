"""The branch arrows' rule, in one place: which messages are *alternatives* of one another (the ChatView's ‹ 2/3 ›).

The children of one message are not all alternatives. In a debate the moderator passes pro's answer on: it is
stored once by pro and once as the moderator's forward, both under the motion; they are one answer, not two. So
the children of a message are grouped, and each group is one alternative:

* a forward and its original are the same alternative (also a forward of a forward, and a forward of a message
  further down a child's branch: a sub-agent's answer to a request its caller posted under the message);
* a child whose answer is passed on further down another child's chain (the messages of that child's sender
  under it: an agent that asked two sub-agents in parallel on the same request and passed both answers on) is part
  of that child's alternative (passed on by several, e.g. samples of an agent that pass on the same cached answer,
  it joins the first of them, and they stay apart);
* every other child is an alternative of its own: a sample (the same request asked again, ``sample`` annotation),
  an edit (``edited_from``, made by ``forum.edit``), a message a person posted under the same parent, an answer
  of a call started on the same message (from a widget or code).

* an answer of a call that another agent made on the message (the ``calls`` annotation's ``by``) and no person
  made is part of that agent's alternative, passed on or not: the caller's run asked for it.

A root's alternatives are its edits (and the message it was edited from): the other roots of a forum are other
conversations.

The browser is sent, for each message of the branch shown, the list of its alternatives (one message per group,
in first-stored order, the message itself at its place: see :func:`alternatives`); it draws the arrows from that
list as it is (``js/src/chat/branches.js``).
"""

from __future__ import annotations

from typing import Any

from ..errors import AgentForumError
from ..forum import Forum
from ..messages import Message

__all__ = ["WALK_BUDGET", "WALK_PER_CHILD", "alternative_groups", "alternatives", "edit_family", "pick"]

#: messages the walk down the children's chains visits at most, per message whose children are grouped (and per
#: child: WALK_PER_CHILD times their number, when that is more)
WALK_BUDGET = 256
WALK_PER_CHILD = 16
_HOPS = 16  # a forward of a forward of ...: originals followed at most


def alternatives(forum: Forum, message: Message) -> list[str]:
    """The ids of ``message``'s alternatives, one per group, in first-stored order, with ``message.id`` in its own
    group's place: the branch arrows' list (fewer than two: no arrows). For another group the message shown is the
    one most like ``message`` (:func:`pick`): arrows on the moderator's forward go to the moderator's forwards."""
    if message.parent_id is None:
        return [m.id for m in edit_family(forum, message)]
    out = []
    for group in alternative_groups(forum, message.parent_id):
        if any(m.id == message.id for m in group):
            out.append(message.id)
        else:
            out.append(pick(group, message).id)
    return out


def pick(group: list[Message], like: Message) -> Message:
    """The message of ``group`` to show in place of ``like``: the first with its sender and kind, else with its
    sender, else the first that is not a forward (the original), else the first."""
    for m in group:
        if m.sender == like.sender and m.kind == like.kind:
            return m
    for m in group:
        if m.sender == like.sender:
            return m
    for m in group:
        if m.kind != "forward":
            return m
    return group[0]


def alternative_groups(forum: Forum, parent: Message | str) -> list[list[Message]]:
    """The children of ``parent`` grouped into alternatives (the module's rule), each group in first-stored order,
    the groups in the order of their first child."""
    pid = parent if isinstance(parent, str) else parent.id
    kids = forum.children(pid)
    if len(kids) < 2:
        return [kids] if kids else []
    index = {m.id: i for i, m in enumerate(kids)}
    root = list(range(len(kids)))

    def find(i: int) -> int:
        while root[i] != i:
            root[i] = root[root[i]]
            i = root[i]
        return i

    def union(i: int, j: int) -> None:
        a, b = find(i), find(j)
        if a != b:
            root[max(a, b)] = min(a, b)

    def child_of(mid: str) -> int | None:
        """The child of ``parent`` that ``mid`` is or descends from."""
        if mid in index:
            return index[mid]
        try:
            branch = forum.history(mid)
        except AgentForumError:
            return None
        for m in branch:
            if m.parent_id == pid:
                return index.get(m.id)
        return None

    def origins(forward: Message) -> list[int]:
        """The children of ``parent`` that ``forward`` passes on (its original is or descends from one; also
        through a forward of a forward)."""
        out: list[int] = []
        seen: set[str] = set()
        m: Message | None = forward
        for _ in range(_HOPS):
            if m is None or m.kind != "forward" or m.original_id is None or m.original_id in seen:
                break
            seen.add(m.original_id)
            j = child_of(m.original_id)
            if j is not None:
                out.append(j)
            try:
                m = forum.get(m.original_id)
            except AgentForumError:
                break
        return out

    # a forward among the children and what it passes on are one message
    for i, kid in enumerate(kids):
        for j in origins(kid):
            union(i, j)
    # a child passed on down another child's chain (the messages of that child's sender under it) is part of that
    # alternative; one passed on by several (samples of an agent that pass on the same cached answer) joins the
    # first of them without joining them together
    absorbed: dict[int, list[int]] = {}
    budget = max(WALK_BUDGET, WALK_PER_CHILD * len(kids))
    for i, kid in enumerate(kids):
        frontier = [kid]
        while frontier and budget > 0:
            below: list[Message] = []
            for m in frontier:
                for c in forum.children(m):
                    budget -= 1
                    if c.sender == kid.sender:
                        for j in origins(c):
                            if j != i:
                                absorbed.setdefault(j, []).append(i)
                        below.append(c)
                    if budget <= 0:
                        break
                if budget <= 0:
                    break
            frontier = below
    for j, by in sorted(absorbed.items()):
        others = [i for i in by if find(i) != find(j)]
        if others:
            union(j, others[0])
    # an answer of a call another agent made on ``parent`` (its ``calls`` entry says ``by``), and no person made,
    # is part of that agent's alternative: the caller's run asked it, whether it passed the answer on or not
    callers: dict[tuple[str, Any], set[str]] = {}  # (agent, sample) -> who made such calls
    for entry in forum.annotations(pid).get("calls") or ():
        agent, by = entry.get("agent"), entry.get("by")
        if isinstance(agent, str) and isinstance(by, str):
            callers.setdefault((agent, entry.get("sample", 0)), set()).add(by)
    first_of: dict[str, int] = {}
    for i, kid in enumerate(kids):
        first_of.setdefault(kid.sender, i)
    sizes: dict[int, int] = {}
    for k in range(len(kids)):
        sizes[find(k)] = sizes.get(find(k), 0) + 1
    notes = forum.store.annotations_many(m.id for m in kids) if callers else {}
    for i, kid in enumerate(kids):
        note = notes.get(kid.id, {})
        made = callers.get((kid.sender, note.get("sample", 0)))
        answered = note.get("agent") == kid.sender  # a run's response, not a person's edit
        if made and "user" not in made and answered and sizes[find(i)] == 1:  # asked, and not passed on
            for caller in sorted(made):
                target = first_of.get(caller)
                if target is not None and target != i:
                    union(i, target)
                    break
    groups: dict[int, list[Message]] = {}
    for i, kid in enumerate(kids):
        groups.setdefault(find(i), []).append(kid)
    return [groups[k] for k in sorted(groups)]


def edit_family(forum: Forum, root: Message) -> list[Message]:
    """The roots linked to ``root`` by ``edited_from`` (its edits, the message it was edited from, theirs), in
    first-stored order (``root`` alone when it has none)."""
    roots = forum.roots()
    notes = forum.store.annotations_many(m.id for m in roots)
    by_id = {m.id: m for m in roots}
    links: dict[str, set[str]] = {}
    for m in roots:
        origin = notes.get(m.id, {}).get("edited_from")
        if isinstance(origin, str) and origin in by_id and origin != m.id:
            links.setdefault(m.id, set()).add(origin)
            links.setdefault(origin, set()).add(m.id)
    if root.id not in links:
        return [root]
    family = _component(root.id, links)
    return [m for m in roots if m.id in family]


def _component(start: str, links: dict[str, set[str]]) -> set[str]:
    found = {start}
    todo: list[str] = [start]
    while todo:
        for other in links.get(todo.pop(), ()):
            if other not in found:
                found.add(other)
                todo.append(other)
    return found
