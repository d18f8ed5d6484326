"""The exception hierarchy of agentforum_nb.

Errors are named by who caused them: :class:`UsageError` is the caller's misuse, :class:`AgentError` is an
agent that failed, :class:`CallCancelled` is a run that somebody cancelled, :class:`IntegrityError` is stored
data that does not match its id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .messages import Message

__all__ = [
    "AgentError",
    "AgentForumError",
    "AttachmentNotFound",
    "CallCancelled",
    "IntegrityError",
    "InvalidMessageError",
    "MessageNotFound",
    "ToolDenied",
    "UsageError",
]


class AgentForumError(Exception):
    """Root of every exception raised by agentforum_nb."""


class InvalidMessageError(AgentForumError, ValueError):
    """A message's fields are not valid (non-JSON metadata, bad kind, lone surrogate, ...).

    Raised before anything is stored. ``key`` names the offending field or metadata path.
    """

    def __init__(self, message: str, *, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


class MessageNotFound(AgentForumError, KeyError):
    """No message with this id is in the forum."""

    def __init__(self, message_id: object, detail: str | None = None) -> None:
        super().__init__(message_id)
        self.message_id = message_id
        self.detail = detail

    def __str__(self) -> str:
        text = f"no message with id {self.message_id!r} in this forum"
        return f"{text} ({self.detail})" if self.detail else text


class AttachmentNotFound(MessageNotFound):
    """No attachment with this sha256 is in the forum (a :class:`MessageNotFound`, so a ``KeyError`` too):
    ``forum.attachment(sha256)`` of an unknown hash, or a message whose attachment bytes are neither stored nor
    at hand."""

    def __str__(self) -> str:
        text = f"no attachment with sha256 {self.message_id!r} in this forum"
        return f"{text} ({self.detail})" if self.detail else text


class IntegrityError(AgentForumError):
    """Stored or imported data does not match its content address (or is otherwise corrupt)."""

    def __init__(
        self, message: str, *, expected: str | None = None, actual: str | None = None, line: int | None = None
    ) -> None:
        super().__init__(message)
        self.expected = expected
        self.actual = actual
        self.line = line


class UsageError(AgentForumError):
    """The library was used in a way it does not support; the message says what to do instead."""


class ToolDenied(AgentForumError):
    """The user denied a tool call that needed approval (``af.tool(fn, requires_approval=True)``).

    Never raised to the caller: the model gets a tool result whose ``metadata["tool_error"]`` names this class
    (``agentforum_nb.errors.ToolDenied``) and goes on.
    """


class _MessageOutcome(AgentForumError):
    """Base of the errors that carry the stored message of a run that did not complete."""

    def __init__(self, text: str, message: Message | None = None) -> None:
        super().__init__(text)
        self.message = message


class AgentError(_MessageOutcome):
    """An agent raised, or a response's token stream raised.

    ``.message`` is the stored error (or failed partial) message; ``__cause__`` is the original exception
    while it is alive in this process.
    """


class CallCancelled(_MessageOutcome):
    """The run was cancelled with ``cancel()``; ``.message`` is the stored partial message, if any."""
