"""Two branches side by side: from their common ancestor, aligned message by message, with a word-level diff.

``compare_branches(forum, a, b)`` is what ``TreeView.compare(a, b)`` (and Shift-click) shows::

    c = compare_branches(forum, answer_v1, answer_v2)
    c.ancestor          # the last message both branches share (None: no common root)
    c.left.messages     # the messages after it, down to a
    c.left.duration_s   # the side's totals of the runtime's annotations
    for row in c.rows:  # message k of each side, and the diff of their texts
        print(row.left, row.right, row.diff)

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
    """One branch below the common ancestor: its messages (down to ``head``) and their totals."""

    head: Message
    messages: tuple[Message, ...]
    duration_s: float
    tokens: int

    def to_json(self) -> dict[str, Any]:
        return {
            "head": self.head.id,
            "ids": [m.id for m in self.messages],
            "messages": len(self.messages),
            "duration_s": self.duration_s,
            "tokens": self.tokens,
        }


@dataclass(frozen=True)
class Row:
    """Message ``k`` of each side below the ancestor (``None`` past the shorter side) and the diff of their
    texts."""

    left: Message | None
    right: Message | None
    diff: Diff


@dataclass(frozen=True)
class Comparison:
    """Two branches from their common ancestor (see the module docstring)."""

    ancestor: Message | None
    left: Side
    right: Side
    rows: tuple[Row, ...]

    def to_json(self) -> dict[str, Any]:
        """The widget protocol's ``comparison`` payload (texts only inside the diff runs)."""

        def brief(m: Message | None) -> dict[str, Any] | None:
            if m is None:
                return None
            return {"id": m.id, "sender": m.sender, "kind": m.kind, "status": m.status}

        return {
            "ancestor": None if self.ancestor is None else self.ancestor.id,
            "left": self.left.to_json(),
            "right": self.right.to_json(),
            "rows": [
                {"left": brief(r.left), "right": brief(r.right), "diff": [list(d) for d in r.diff]} for r in self.rows
            ],
        }

    def __str__(self) -> str:
        def side(s: Side) -> str:
            return f"{len(s.messages)} messages, {s.duration_s:.2f} s, {s.tokens} tokens"

        lines = [
            f"from {self.ancestor.id[:8] if self.ancestor else '(no common ancestor)'}:"
            f" left {side(self.left)}; right {side(self.right)}"
        ]
        for r in self.rows:
            who = f"{r.left.sender if r.left else '-'} | {r.right.sender if r.right else '-'}"
            text = "".join(t if op == "=" else f"[{op}{t}]" for op, t in r.diff)
            lines.append(f"{who}: {' '.join(text.split())[:200]}")
        return "\n".join(lines)


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return 0.0
    return float(value)


def _side(forum: Forum, history: list[Message], start: int) -> Side:
    below = tuple(history[start:])
    notes = forum.store.annotations_many(m.id for m in below)
    duration = sum(_number(notes.get(m.id, {}).get("duration_s")) for m in below)
    tokens = sum(int(_number(notes.get(m.id, {}).get("tokens"))) for m in below)
    return Side(history[-1], below, round(duration, 6), tokens)


def compare_branches(forum: Forum, a: MessageRef, b: MessageRef) -> Comparison:
    """The branches ending at ``a`` and ``b``, from their common ancestor (``forum.common_ancestor``)."""
    ha, hb = forum.history(a), forum.history(b)
    shared = 0
    for x, y in zip(ha, hb, strict=False):
        if x.id != y.id:
            break
        shared += 1
    ancestor = ha[shared - 1] if shared else None
    left, right = _side(forum, ha, shared), _side(forum, hb, shared)
    rows = []
    for x, y in itertools.zip_longest(left.messages, right.messages):
        rows.append(Row(x, y, word_diff(x.content if x else "", y.content if y else "")))
    return Comparison(ancestor, left, right, tuple(rows))
