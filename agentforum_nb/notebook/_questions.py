"""The answer box's rule, one for every widget: which message is a question waiting for the user, what it offers,
and whether an answer to it may be posted.

A question is the message ``ctx.ask`` records. It is *waiting* while it is annotated ``awaiting: "user"``: the
asking call sets that annotation when it starts waiting and removes it once an answer is stored (or the call
ends), and the annotation is in the store, so a forum shared between processes agrees on it. The browser draws
the same rule from a node's ``notes.awaiting`` (``js/src/shared/answer.js`` ``questionOf``). Its ``choices``
(``metadata["choices"]``, the non-blank strings) are offered as buttons; any non-blank text is an answer (``ask``
returns whatever the user posted). The TreeView, the ChatView and the StreamView all answer through
:func:`check_answer`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import UsageError
from ..forum import Forum
from ..messages import Message
from ._text import check_text

__all__ = ["WaitingQuestion", "check_answer", "choices_of", "waiting_question"]


@dataclass(frozen=True)
class WaitingQuestion:
    """A question an agent waits on, and the choices its box offers."""

    message: Message
    choices: tuple[str, ...]


def choices_of(m: Message) -> tuple[str, ...]:
    """The answers a question offers as buttons: its ``metadata["choices"]`` that are non-blank strings."""
    raw = m.metadata.get("choices")
    if not isinstance(raw, tuple):
        return ()
    return tuple(c for c in raw if isinstance(c, str) and c.strip())


def waiting_question(forum: Forum, m: Message, annotations: Mapping[str, Any] | None = None) -> WaitingQuestion | None:
    """``m`` as a question waiting for the user's answer, or None. ``annotations``: ``m``'s, when known (else read)."""
    notes = forum.annotations(m) if annotations is None else annotations
    if notes.get("awaiting") != "user":
        return None
    return WaitingQuestion(m, choices_of(m))


def check_answer(forum: Forum, question: Any, text: Any) -> WaitingQuestion:
    """The question ``text`` may be posted under as its answer, or an ``af.UsageError`` naming what is wrong: the
    text is missing, blank or too long, ``question`` is not a message of this forum, or no agent waits on it (it
    was answered already, or it is not a question). Nothing is stored either way."""
    check_text(text, "type an answer first")
    if isinstance(question, Message):
        m = forum.get(question.id)  # a message of this forum (never stores another forum's)
    else:
        m = forum.resolve(question, "question")
    waiting = waiting_question(forum, m)
    if waiting is not None:
        return waiting
    if any(c.sender == "user" for c in forum.children(m)):
        raise UsageError(
            f"that question ({m.id[:8]}) was answered already and is not waiting any more; to add another answer "
            "for the next run, post it: forum.post(text, parent=question)"
        )
    raise UsageError(
        f"no agent is waiting for an answer to message {m.id[:8]} (it is not a question asked with ctx.ask)"
    )
