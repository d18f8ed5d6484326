"""What a forum tells its listeners (:meth:`Forum.subscribe <agentforum_nb.Forum.subscribe>`): a
:class:`ForumEvent` of one :data:`EventKind`, and a :class:`LiveStream` for a response that is still streaming (the
runtime's ``StreamHandle``, described here as a protocol so that this layer needs nothing of the runtime).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, Protocol

from .messages import Message

__all__ = ["EventKind", "ForumEvent", "LiveStream", "StreamText"]

#: what a :class:`ForumEvent` tells
EventKind = Literal["message", "stream-start", "stream-end", "cached", "annotated"]


class StreamText(Protocol):
    """What a listener reads of a streaming response's promise (an :class:`~agentforum_nb.MessagePromise`)."""

    @property
    def text(self) -> str:
        """The text streamed so far."""

    @property
    def author(self) -> str:
        """Who wrote the text (for a forward, the original's author)."""

    def done(self) -> bool:
        """Whether it has settled (stored, failed or cancelled)."""

    def live_annotations(self) -> Mapping[str, Any]:
        """What is known while it streams (a model's ``reasoning`` so far); empty once settled."""


class LiveStream(Protocol):
    """A response that is streaming and has no id yet, as forum listeners see it (the runtime's
    ``StreamHandle``): ``key`` is a temporary name (``"~12"``); ``parent`` the id or key of the message it will
    follow (listeners repoint it to the id once that message is stored); ``run`` names the agent run."""

    key: str
    parent: str | None

    @property
    def sender(self) -> str: ...

    @property
    def run(self) -> str: ...

    @property
    def promise(self) -> StreamText: ...


class ForumEvent:
    """Something happened in a forum: ``kind`` is ``"message"`` (a message was stored), ``"stream-start"``
    (a response started streaming: ``stream`` is its live handle), ``"stream-end"`` (it ended unstored),
    ``"cached"`` (a call was answered from the cache with ``message``, already stored) or ``"annotated"``
    (``message``'s annotations changed: ``annotations`` holds them)."""

    __slots__ = ("kind", "message", "stream", "annotations")

    def __init__(
        self,
        kind: EventKind,
        message: Message | None = None,
        stream: LiveStream | None = None,
        annotations: Mapping[str, Any] | None = None,
    ) -> None:
        self.kind: EventKind = kind
        self.message = message
        #: "stream-start" and "stream-end": the response streaming; "message": the handle it streamed under
        self.stream = stream
        self.annotations = annotations  # "message" and "annotated": the message's annotations, when known

    def __repr__(self) -> str:
        return f"ForumEvent({self.kind!r}, message={self.message!r})"
