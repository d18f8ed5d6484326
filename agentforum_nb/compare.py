"""Branches side by side: from their common ancestor, aligned message by message, with a word-level diff.

``compare_branches(forum, a, b, *more)`` is what ``TreeView.compare(a, b, ...)`` (and Shift-click) shows::

    c = compare_branches(forum, answer_v1, answer_v2)
    c.ancestor          # the last message both branches share (None: no common root)
    c.left.messages     # the messages after it, down to a
    c.left.duration_s   # the side's totals of the runtime's annotations (duration_s, tokens, cost_usd)
    for row in c.rows:  # message k of each side, and the diff of their texts
        print(row.left, row.right, row.diff)

More than two branches (N-way, e.g. three samples) share one ancestor, the last message on all of them; row ``k``
holds message ``k`` of every side below it (``None`` past a shorter side), and each side's text is diffed against
the first side's (``row.diffs[i]``; ``row.diffs[0]`` is the first text itself, all ``"="``)::

    c = compare_branches(forum, s0, s1, s2)
    c.sides             # three Side objects (c.left is c.sides[0], c.right is c.sides[1])
    c.rows[0].messages  # (message 0 of s0's side, of s1's, of s2's)

A diff is a tuple of ``(op, text)`` runs: ``"="`` in both, ``"-"`` only on the left, ``"+"`` only on the right;
the left text is the ``"="`` and ``"-"`` runs in order, the right text the ``"="`` and ``"+"`` runs.
"""

from __future__ import annotations

import difflib
import itertools
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import UsageError
from .messages import Message

if TYPE_CHECKING:
    from .forum import Forum, MessageRef

__all__ = ["Comparison", "Row", "Side", "compare_branches", "word_diff"]

_WORDS = re.compile(r"\w+|\s+|[^\w\s]")
_LINES = re.compile(r"[^\n]*\n|[^\n]+")
#: above this many words on a side the diff works on lines (difflib is quadratic in the worst case)
WORD_LIMIT = 4000

Diff = tuple[tuple[str, str], ...]


def _add(out: list[tuple[str, str]], op: str, text: str) -> None:
    """Append a run, joined to the last one when it has the same op (empty text adds nothing)."""
    if not text:
        return
    if out and out[-1][0] == op:
        out[-1] = (op, out[-1][1] + text)
    else:
        out.append((op, text))


def _runs(a: list[str], b: list[str]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            _add(out, "=", "".join(a[i1:i2]))
        else:
            _add(out, "-", "".join(a[i1:i2]))
            _add(out, "+", "".join(b[j1:j2]))
    return out


def word_diff(left: str, right: str) -> Diff:
    """The word-level diff of two texts: ``(op, text)`` runs, ``op`` one of ``"="``, ``"-"``, ``"+"``.

    Words, runs of white space and punctuation marks are the units; long texts are compared line by line
    first and the changed lines word by word (so any size stays fast)."""
    if left == right:
        return (("=", left),) if left else ()
    a, b = _WORDS.findall(left), _WORDS.findall(right)
    if len(a) <= WORD_LIMIT and len(b) <= WORD_LIMIT:
        return tuple(_runs(a, b))
    out: list[tuple[str, str]] = []
    la, lb = _LINES.findall(left), _LINES.findall(right)
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, la, lb, autojunk=False).get_opcodes():
        if tag == "equal":
            runs = [("=", "".join(la[i1:i2]))]
        else:
            wa, wb = _WORDS.findall("".join(la[i1:i2])), _WORDS.findall("".join(lb[j1:j2]))
            if len(wa) <= WORD_LIMIT and len(wb) <= WORD_LIMIT:
                runs = _runs(wa, wb)
            else:
                runs = [("-", "".join(wa)), ("+", "".join(wb))]
        for op, text in runs:
            _add(out, op, text)
    return tuple(out)


@dataclass(frozen=True)
class Side:
    """One branch below the common ancestor: its messages (down to ``head``) and their totals (``cost_usd``: the
    sum of its messages' ``cost_usd`` annotations, None when none has one; ``priced``: how many have one)."""

    head: Message
    messages: tuple[Message, ...]
    duration_s: float
    tokens: int
    cost_usd: float | None = None
    priced: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "head": self.head.id,
            "ids": [m.id for m in self.messages],
            "messages": len(self.messages),
            "duration_s": self.duration_s,
            "tokens": self.tokens,
            "cost_usd": self.cost_usd,
            "priced": self.priced,
        }


@dataclass(frozen=True)
class Row:
    """Message ``k`` of each side below the ancestor (``None`` past a shorter side) and the diffs of their texts:
    ``diffs[i]`` is side ``i``'s text against the first side's (``diffs[0]`` the first text, unchanged)."""

    messages: tuple[Message | None, ...]
    diffs: tuple[Diff, ...]

    @property
    def left(self) -> Message | None:
        return self.messages[0]

    @property
    def right(self) -> Message | None:
        return self.messages[1]

    @property
    def diff(self) -> Diff:
        """The diff of the first two sides' texts."""
        return self.diffs[1]


def _brief(m: Message | None) -> dict[str, Any] | None:
    if m is None:
        return None
    return {"id": m.id, "sender": m.sender, "kind": m.kind, "status": m.status}


@dataclass(frozen=True)
class Comparison:
    """Two or more branches from their common ancestor (see the module docstring)."""

    ancestor: Message | None
    sides: tuple[Side, ...]
    rows: tuple[Row, ...]

    @property
    def left(self) -> Side:
        return self.sides[0]

    @property
    def right(self) -> Side:
        return self.sides[1]

    def to_json(self) -> dict[str, Any]:
        """The widget protocol's ``comparison`` payload (texts only inside the diff runs): ``sides`` and each row's
        ``messages`` and ``diffs`` for every side; ``left``, ``right`` and each row's ``left``, ``right`` and
        ``diff`` for the first two."""
        return {
            "ancestor": None if self.ancestor is None else self.ancestor.id,
            "sides": [s.to_json() for s in self.sides],
            "left": self.left.to_json(),
            "right": self.right.to_json(),
            "rows": [
                {
                    "messages": [_brief(m) for m in r.messages],
                    "diffs": [[list(d) for d in diff] for diff in r.diffs],
                    "left": _brief(r.left),
                    "right": _brief(r.right),
                    "diff": [list(d) for d in r.diff],
                }
                for r in self.rows
            ],
        }

    def __str__(self) -> str:
        def side(s: Side) -> str:
            cost = "" if s.cost_usd is None else f", ${s.cost_usd:.4g}"
            return f"{len(s.messages)} messages, {s.duration_s:.2f} s, {s.tokens} tokens{cost}"

        names = ["left", "right"] if len(self.sides) == 2 else [f"side {i + 1}" for i in range(len(self.sides))]
        lines = [
            f"from {self.ancestor.id[:8] if self.ancestor else '(no common ancestor)'}: "
            + "; ".join(f"{n} {side(s)}" for n, s in zip(names, self.sides, strict=True))
        ]
        for r in self.rows:
            who = " | ".join(m.sender if m else "-" for m in r.messages)
            texts = ["".join(t if op == "=" else f"[{op}{t}]" for op, t in d) for d in r.diffs[1:]]
            lines.append(f"{who}: {' || '.join(' '.join(t.split())[:200] for t in texts)}")
        return "\n".join(lines)


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)


def _number(value: Any) -> float:
    return float(value) if _is_number(value) else 0.0


def _side(forum: Forum, history: list[Message], start: int) -> Side:
    below = tuple(history[start:])
    notes = forum.store.annotations_many(m.id for m in below)
    duration = sum(_number(notes.get(m.id, {}).get("duration_s")) for m in below)
    tokens = sum(int(_number(notes.get(m.id, {}).get("tokens"))) for m in below)
    costs = [_number(c) for m in below if _is_number(c := notes.get(m.id, {}).get("cost_usd"))]
    cost = round(sum(costs), 12) if costs else None
    return Side(history[-1], below, round(duration, 6), tokens, cost, len(costs))


#: the most branches one comparison shows side by side
MAX_SIDES = 8


def compare_branches(forum: Forum, a: MessageRef, b: MessageRef, *more: MessageRef) -> Comparison:
    """The branches ending at ``a``, ``b`` (and ``more``), from the last message all of them share."""
    if len(more) + 2 > MAX_SIDES:
        raise UsageError(f"compare shows at most {MAX_SIDES} branches side by side, not {len(more) + 2}")
    histories = [forum.history(ref) for ref in (a, b, *more)]
    shared = 0
    for column in zip(*histories, strict=False):
        if any(m.id != column[0].id for m in column):
            break
        shared += 1
    ancestor = histories[0][shared - 1] if shared else None
    sides = tuple(_side(forum, h, shared) for h in histories)
    rows = []
    for cells in itertools.zip_longest(*(s.messages for s in sides)):
        first = cells[0].content if cells[0] is not None else ""
        diffs = tuple(word_diff(first, m.content if m is not None else "") for m in cells)
        rows.append(Row(tuple(cells), diffs))
    return Comparison(ancestor, sides, tuple(rows))
