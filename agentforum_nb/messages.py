"""``Message``: an immutable, content-addressed node of a conversation tree.

A message knows nothing of stores, forums or event loops: its id is a pure function of its eight canonical
fields, and of its attachments' descriptors when it has any (see :mod:`agentforum_nb._canonical` and
:mod:`agentforum_nb.attachments`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from typing import Any, Literal, TypeGuard

from ._canonical import (
    EMPTY,
    ENCODE_ERRORS,
    HEADER,
    FrozenDict,
    canonical_body,
    canonical_bytes,
    freeze_metadata,
    metadata_json,
    thaw,
)
from .attachments import Attachment, AttachmentRef, AttachmentSource, attachments_json, check_attachments
from .errors import IntegrityError, InvalidMessageError

__all__ = ["KINDS", "NO_ATTACHMENTS", "STATUSES", "Message", "is_message_id", "rebuild", "with_attachment_source"]

Kind = Literal["message", "forward", "error"]
Status = Literal["complete", "cancelled", "failed"]
KINDS = frozenset(("message", "forward", "error"))
STATUSES = frozenset(("complete", "cancelled", "failed"))
_HEX = frozenset("0123456789abcdef")
_HEADER = HEADER
_sha256 = hashlib.sha256
_encode_str = json.encoder.encode_basestring
_FIELD_NAMES = ("kind", "content", "sender", "parent_id", "reply_to_id", "original_id", "status", "metadata")
#: the attachments of a message that has none
NO_ATTACHMENTS: tuple[AttachmentRef, ...] = ()


def is_message_id(value: object) -> TypeGuard[str]:
    """True when ``value`` has the form of a message id (64 lowercase hex characters)."""
    return type(value) is str and len(value) == 64 and _HEX.issuperset(value)


def _check_ref(name: str, value: object) -> None:
    if value is not None and not is_message_id(value):
        raise InvalidMessageError(
            f"{name} must be a message id (64 lowercase hex characters) or None, not {value!r:.80}", key=name
        )


_SLOTS = (
    "id",
    "kind",
    "content",
    "sender",
    "parent_id",
    "reply_to_id",
    "original_id",
    "status",
    "metadata",
    "attachments",
    "_fast",
)


class _Building:
    """Same slot layout as :class:`Message` but plainly assignable: a message is built as one of these, then
    becomes a ``Message`` by ``__class__`` assignment (about 5x cheaper than ``object.__setattr__`` per slot)."""

    __slots__ = _SLOTS


def _new(
    id: str,
    kind: str,
    content: str,
    sender: str,
    parent_id: str | None,
    reply_to_id: str | None,
    original_id: str | None,
    status: str,
    metadata: FrozenDict,
    fast: bool | None,
    attachments: tuple[AttachmentRef, ...],
) -> Message:
    b: Any = _Building()
    b.id = id
    b.kind = kind
    b.content = content
    b.sender = sender
    b.parent_id = parent_id
    b.reply_to_id = reply_to_id
    b.original_id = original_id
    b.status = status
    b.metadata = metadata
    b.attachments = attachments
    b._fast = fast
    b.__class__ = Message
    return b  # type: ignore[no-any-return]


def rebuild(
    id: str,
    kind: str,
    content: str,
    sender: str,
    parent_id: str | None,
    reply_to_id: str | None,
    original_id: str | None,
    status: str,
    metadata: FrozenDict,
    fast: bool | None = None,
    attachments: tuple[AttachmentRef, ...] = NO_ATTACHMENTS,
) -> Message:
    """A message a store has stored, rebuilt from its fields without re-hashing (stores use this; the fields
    are trusted: :meth:`Message.verify` re-checks them). ``metadata`` must already be frozen, ``attachments``
    checked descriptors."""
    return _new(id, kind, content, sender, parent_id, reply_to_id, original_id, status, metadata, fast, attachments)


def with_attachment_source(message: Message, source: AttachmentSource) -> Message:
    """``message`` (the same value) whose attachment descriptors read their bytes from ``source`` (a store that
    holds them); ``message`` itself when it has no attachments."""
    if not message.attachments:
        return message
    m = message
    refs = tuple(r.with_source(source) for r in m.attachments)
    fields = (m.id, m.kind, m.content, m.sender, m.parent_id, m.reply_to_id, m.original_id, m.status, m.metadata)
    return _new(*fields, m._fast, refs)


class Message:
    """An immutable message. Equality and ``hash()`` follow ``id``; ``str(msg)`` is its content.

    Build one with keyword arguments; ``id`` is computed from the fields and cannot be given.
    """

    __slots__ = _SLOTS

    id: str
    kind: Kind
    content: str
    sender: str
    parent_id: str | None
    reply_to_id: str | None
    original_id: str | None
    status: Status
    metadata: FrozenDict
    attachments: tuple[AttachmentRef, ...]  # descriptors of the attachments' bytes (empty: none)
    _fast: bool | None  # the fast serializer applies to metadata (None: not known yet)

    def __new__(
        cls,
        content: str,
        *,
        kind: Kind = "message",
        sender: str = "user",
        parent_id: str | None = None,
        reply_to_id: str | None = None,
        original_id: str | None = None,
        status: Status = "complete",
        metadata: Any = None,
        attachments: Iterable[Attachment | AttachmentRef] = NO_ATTACHMENTS,
    ) -> Message:
        if type(content) is not str:
            if isinstance(content, str):
                content = str.__str__(content)  # the text itself (a (str, Enum) member's value, not its str())
            else:
                raise InvalidMessageError(f"content must be a str, not {type(content).__name__}", key="content")
        if kind not in KINDS:
            raise InvalidMessageError(f"kind must be one of 'message', 'forward', 'error', not {kind!r}", key="kind")
        if status not in STATUSES:
            raise InvalidMessageError(
                f"status must be one of 'complete', 'cancelled', 'failed', not {status!r}", key="status"
            )
        if type(sender) is not str or not sender:
            raise InvalidMessageError(f"sender must be a non-empty str, not {sender!r}", key="sender")
        if parent_id is not None and not is_message_id(parent_id):
            _check_ref("parent_id", parent_id)
        if reply_to_id is not None:
            _check_ref("reply_to_id", reply_to_id)
        if kind == "forward":
            if original_id is None:
                raise InvalidMessageError(
                    "a kind='forward' message needs original_id (the forwarded message's id)", key="original_id"
                )
            _check_ref("original_id", original_id)
        elif original_id is not None:
            raise InvalidMessageError(
                f"original_id is only allowed on kind='forward' messages, not kind={kind!r}", key="original_id"
            )
        if metadata is None or metadata is EMPTY:
            frozen, fast, md = EMPTY, True, "{}"
        else:
            frozen, fast = freeze_metadata(metadata)
            md = "{}"
        if attachments:  # RFC 8785 sorts "attachments" first; a message without attachments has no such member
            attachments = check_attachments(attachments)
            head = '{"attachments":' + attachments_json(attachments) + ',"content":' if attachments else '{"content":'
        else:
            head = '{"content":'
            attachments = ()  # (None, [] ...: none)
        try:
            if frozen:
                md = metadata_json(frozen, fast)
            # the canonical body (see _canonical.canonical_body), inlined: this is the hottest path of the library
            data = _HEADER + "".join(
                (
                    head,
                    _encode_str(content),
                    ',"kind":"',
                    kind,
                    '","metadata":',
                    md,
                    ',"original_id":',
                    "null" if original_id is None else '"' + original_id + '"',
                    ',"parent_id":',
                    "null" if parent_id is None else '"' + parent_id + '"',
                    ',"reply_to_id":',
                    "null" if reply_to_id is None else '"' + reply_to_id + '"',
                    ',"sender":',
                    _encode_str(sender),
                    ',"status":"',
                    status,
                    '"}',
                )
            ).encode("utf-8")
        except ENCODE_ERRORS as exc:
            raise _surrogate_error(content, sender, frozen, exc) from None
        b: Any = _Building()
        b.id = _sha256(data).hexdigest()
        b.kind = kind
        b.content = content
        b.sender = sender
        b.parent_id = parent_id
        b.reply_to_id = reply_to_id
        b.original_id = original_id
        b.status = status
        b.metadata = frozen
        b.attachments = attachments
        b._fast = fast
        b.__class__ = Message
        return b  # type: ignore[no-any-return]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        raise TypeError("Message is a final value type; wrap it instead of subclassing it")

    # -- identity ---------------------------------------------------------------------------------------
    def canonical_body(self) -> str:
        """The RFC 8785 JSON text of the canonical fields (and of the attachments, when there are any)."""
        fast = self._fast
        if fast is None:
            fast = freeze_metadata(self.metadata)[1]
        return canonical_body(
            self.kind,
            self.content,
            self.sender,
            self.parent_id,
            self.reply_to_id,
            self.original_id,
            self.status,
            self.metadata,
            fast,
            attachments_json(self.attachments) if self.attachments else None,
        )

    def canonical_bytes(self) -> bytes:
        """The exact bytes whose SHA-256 is the id: header + UTF-8 canonical JSON."""
        return canonical_bytes(self.canonical_body())

    def verify(self) -> Message:
        """Recompute the id from the fields; raise :class:`IntegrityError` on mismatch. Returns ``self``."""
        try:
            fresh = Message(
                self.content,
                kind=self.kind,
                sender=self.sender,
                parent_id=self.parent_id,
                reply_to_id=self.reply_to_id,
                original_id=self.original_id,
                status=self.status,
                metadata=self.metadata,
                attachments=self.attachments,
            )
        except InvalidMessageError as exc:
            raise IntegrityError(f"message {self.id[:12]} has invalid fields: {exc}", expected=self.id) from exc
        if fresh.id != self.id:
            raise IntegrityError(
                f"message id mismatch: stored as {self.id}, its fields hash to {fresh.id}",
                expected=self.id,
                actual=fresh.id,
            )
        return self

    # -- conversions --------------------------------------------------------------------------------------
    def fields(self) -> dict[str, Any]:
        """The eight canonical fields as plain JSON values (mutable copies), and ``attachments`` (a list of
        descriptor dicts) when the message has any."""
        out = {
            "kind": self.kind,
            "content": self.content,
            "sender": self.sender,
            "parent_id": self.parent_id,
            "reply_to_id": self.reply_to_id,
            "original_id": self.original_id,
            "status": self.status,
            "metadata": thaw(self.metadata),
        }
        if self.attachments:
            out["attachments"] = [r.to_dict() for r in self.attachments]
        return out

    def to_dict(self) -> dict[str, Any]:
        """``{"id": ..., **fields}``: the JSONL export form."""
        return {"id": self.id, **self.fields()}

    @classmethod
    def from_dict(cls, data: Any) -> Message:
        """Build from ``to_dict()`` output; if ``data`` has an ``id`` it must match (else IntegrityError)."""
        if not isinstance(data, dict):
            raise InvalidMessageError(f"a message must be a JSON object, not {type(data).__name__}")
        unknown = set(data) - set(_FIELD_NAMES) - {"id", "attachments"}
        if unknown:
            raise InvalidMessageError(f"unknown message field(s): {', '.join(sorted(unknown))}", key=sorted(unknown)[0])
        if "content" not in data:
            raise InvalidMessageError("missing field 'content'", key="content")
        given = data.get("attachments")
        if given is not None and not isinstance(given, list):
            raise InvalidMessageError(
                f"attachments must be a list of descriptors, not {type(given).__name__}", key="attachments"
            )
        msg = cls(
            data["content"],
            kind=data.get("kind", "message"),
            sender=data.get("sender", "user"),
            parent_id=data.get("parent_id"),
            reply_to_id=data.get("reply_to_id"),
            original_id=data.get("original_id"),
            status=data.get("status", "complete"),
            metadata=data.get("metadata"),
            attachments=[AttachmentRef.from_dict(d) for d in given] if given else NO_ATTACHMENTS,
        )
        if "id" in data and data["id"] != msg.id:
            raise IntegrityError(
                f"id {data['id']!r} does not match the message's fields (they hash to {msg.id})",
                expected=data["id"],
                actual=msg.id,
            )
        return msg

    def metadata_json(self) -> str:
        fast = self._fast
        if fast is None:
            fast = freeze_metadata(self.metadata)[1]
        return metadata_json(self.metadata, fast)

    # -- value behaviour ----------------------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"Message is immutable: cannot set {name!r}; post a new message instead")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Message is immutable: cannot delete {name!r}")

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Message):
            return self.id == other.id
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.id)

    def __str__(self) -> str:
        return self.content

    def __repr__(self) -> str:
        snippet = self.content if len(self.content) <= 40 else self.content[:37] + "..."
        extra = "" if self.kind == "message" else f" {self.kind}"
        extra += "" if self.status == "complete" else f" {self.status}"
        return f"<Message {self.id[:8]} {self.sender}{extra}: {snippet!r}>"

    def __reduce__(self) -> tuple[Callable[[Any], Message], tuple[dict[str, Any]]]:
        return (Message.from_dict, (self.to_dict(),))

    def __copy__(self) -> Message:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Message:
        return self


def _surrogate_error(content: str, sender: str, metadata: FrozenDict, exc: Exception) -> InvalidMessageError:
    def bad(s: str) -> bool:
        try:
            s.encode("utf-8")
            return False
        except UnicodeEncodeError:
            return True

    def find(v: Any, path: str) -> str | None:
        if isinstance(v, str):
            return path if bad(v) else None
        if isinstance(v, dict):
            for k, x in v.items():
                if bad(k):
                    return f"{path}[{k!r}]"
                p = find(x, f"{path}[{k!r}]")
                if p:
                    return p
        if isinstance(v, tuple):
            for i, x in enumerate(v):
                p = find(x, f"{path}[{i}]")
                if p:
                    return p
        return None

    key = "content" if bad(content) else "sender" if bad(sender) else find(metadata, "metadata")
    if key is None:  # not a surrogate after all (e.g. a hand-made FrozenDict holding NaN)
        return InvalidMessageError(f"metadata: cannot be canonicalized: {exc}", key="metadata")
    return InvalidMessageError(f"{key}: text contains a lone surrogate and cannot be encoded as UTF-8", key=key)


EMPTY_METADATA = EMPTY
