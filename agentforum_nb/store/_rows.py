"""Messages from stored rows, shared by the SQLite and PostgreSQL stores: the fast path for a row that was not
changed since it was stored, and the checks that name a corrupt row."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NoReturn

from .._canonical import EMPTY, freeze_trusted
from ..errors import IntegrityError, InvalidMessageError
from ..messages import Message, rebuild

__all__ = ["KIND", "STATUS", "decode_metadata", "message_from_fields", "more_than_created_at"]

# kind and status as the library's own str objects: validates them and shares one object between messages
KIND = {k: k for k in ("message", "forward", "error")}
STATUS = {s: s for s in ("complete", "cancelled", "failed")}


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")


_META_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def more_than_created_at(annotations: Mapping[str, Any]) -> bool:
    """A message stored again keeps its first ``created_at``: only other annotations are worth a write."""
    return len(annotations) > 1 or "created_at" not in annotations


def decode_metadata(name: str, meta: object) -> Any:
    """The frozen metadata of the stored row ``name`` from its JSON text; IntegrityError naming the row when it
    is not the JSON of an object."""
    if meta == "{}":
        return EMPTY
    if type(meta) is not str:
        raise IntegrityError(f"stored message {name} has corrupt metadata (not JSON text: {meta!r:.60})", expected=name)
    try:
        value = _META_DECODER.decode(meta)
    except ValueError as exc:
        raise IntegrityError(f"stored message {name} has corrupt metadata ({exc})", expected=name) from None
    if type(value) is not dict:
        raise IntegrityError(
            f"stored message {name} has corrupt metadata (a JSON {type(value).__name__}, not an object)",
            expected=name,
        )
    return freeze_trusted(value)


def message_from_fields(
    name: str,
    mid: Any,
    kind: Any,
    content: Any,
    sender: Any,
    parent_id: Any,
    reply_to_id: Any,
    original_id: Any,
    status: Any,
    metadata: Any,
    suspect: Any,
) -> Message:
    """The message of a stored row's fields. A row not marked as changed since it was stored, with valid kind,
    status, content and sender, is rebuilt as it is; any other is re-hashed: IntegrityError (with ``actual``)
    when its fields hash to another id, or naming the row when they are not a message's."""
    k = KIND.get(kind) if type(kind) is str else None
    st = STATUS.get(status) if type(status) is str else None
    if not suspect and k is not None and st is not None and type(content) is str and type(sender) is str and sender:
        return rebuild(
            mid,
            k,
            content,
            sender,
            parent_id,
            reply_to_id,
            original_id,
            st,
            metadata,
            True if metadata is EMPTY else None,
        )
    try:
        fresh = Message(
            content,
            kind=kind,
            sender=sender,
            parent_id=parent_id,
            reply_to_id=reply_to_id,
            original_id=original_id,
            status=status,
            metadata=metadata,
        )
    except (InvalidMessageError, TypeError) as exc:
        raise IntegrityError(f"stored message {name} has invalid fields: {exc}", expected=name) from None
    if fresh.id != mid:
        raise IntegrityError(
            f"stored message {name} does not match its id: its fields hash to {fresh.id} "
            f"(the row was changed after it was stored)",
            expected=name,
            actual=fresh.id,
        )
    return fresh
