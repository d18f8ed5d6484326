"""Text the browser sends (a message to branch with, an edit, an answer): one check for all the widgets."""

from __future__ import annotations

from typing import Any

from ..errors import UsageError

__all__ = ["MAX_TEXT", "check_text"]

#: the most characters a text typed into a widget may have
MAX_TEXT = 100_000


def check_text(text: Any, empty: str) -> str:
    """``text`` when it is a non-blank str of at most ``MAX_TEXT`` characters; else an ``af.UsageError`` (``empty``
    says what to do when it is missing or blank)."""
    if not isinstance(text, str) or not text.strip():
        raise UsageError(empty)
    if len(text) > MAX_TEXT:
        raise UsageError(f"the text is too long ({len(text)} characters; at most {MAX_TEXT})")
    return text
