"""Canonical bytes and content addresses of messages.

A message's id is ``sha256(HEADER + body)`` in lowercase hex, where ``HEADER`` is the ASCII string
``"agentforum-message 1\\n"`` (type and format version, as git puts the object type in its hashed bytes) and
``body`` is the RFC 8785 (JSON Canonicalization Scheme) serialization, UTF-8 encoded, of a JSON object with
exactly these eight members: ``content, kind, metadata, original_id, parent_id, reply_to_id, sender, status``
(absent references are ``null``), and a ninth, ``attachments``, only when the message has attachments. See
``docs/message-format.md``.

Two serializers produce the body: the reference one (the ``rfc8785`` package) and a fast path built on the
stdlib ``json`` C encoder, used only where the two provably agree: no floats anywhere in the metadata (RFC 8785
formats numbers like ECMAScript, which differs from Python's ``repr`` for floats) and no metadata key with a
character outside the Basic Multilingual Plane (RFC 8785 sorts keys by UTF-16 code units, Python by code
points; the orders agree when no key holds a surrogate pair). Strings are escaped identically by both: ``"``
and ``\\`` and the control characters below U+0020 (``\\b \\t \\n \\f \\r`` by name, the rest as
``\\u00xx`` lowercase), everything else verbatim. Property tests check the two against each other.

This module knows nothing of stores, forums or event loops.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from typing import Any, NoReturn

import rfc8785

from .errors import InvalidMessageError

__all__ = [
    "ENCODE_ERRORS",
    "FORMAT_VERSION",
    "HEADER",
    "MAX_SAFE_INT",
    "FrozenDict",
    "canonical_body",
    "canonical_bytes",
    "freeze_metadata",
    "message_id",
    "thaw",
]

FORMAT_VERSION = 1
HEADER = b"agentforum-message 1\n"
MAX_SAFE_INT = 2**53 - 1
# what encoding the body raises on text that is not valid Unicode (lone surrogates): the stdlib path fails in
# str.encode, the rfc8785 path (floats, astral keys) with its own error or in its UTF-16 key sort
ENCODE_ERRORS = (UnicodeEncodeError, rfc8785.CanonicalizationError)
_FIELDS = ("content", "kind", "metadata", "original_id", "parent_id", "reply_to_id", "sender", "status")

_encode_str = json.encoder.encode_basestring  # C-accelerated, ensure_ascii=False flavour
_dumps_fast = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False, check_circular=False
).encode


def _readonly(self: object, *args: Any, **kwargs: Any) -> NoReturn:
    raise TypeError("message metadata is read-only: build a new dict (dict(msg.metadata)) and post a new message")


class FrozenDict(dict[str, Any]):
    """A read-only ``dict``: JSON objects in message metadata. Mutating methods raise ``TypeError``."""

    __slots__ = ()
    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _readonly

    # dict declares __hash__ = None (unhashable); a frozen dict is hashable, which no dict subtype can express
    def __hash__(self) -> int:  # type: ignore[override]  # frozen, so hashable like a tuple of items
        return hash(tuple(sorted(self.items(), key=lambda kv: kv[0])))

    def __repr__(self) -> str:
        return f"FrozenDict({dict.__repr__(self)})"

    def __reduce__(self) -> tuple[type[FrozenDict], tuple[dict[str, Any]]]:
        return (FrozenDict, (dict(self),))

    def __copy__(self) -> FrozenDict:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> FrozenDict:
        return self


EMPTY = FrozenDict()


class _Walk:
    """Validates and deep-freezes a JSON value, noting whether the fast serializer applies."""

    __slots__ = ("fast",)

    def __init__(self) -> None:
        self.fast = True

    def value(self, v: Any, path: str, depth: int) -> Any:
        t = type(v)
        if t is str:
            return v
        if v is None or t is bool:
            return v
        if t is int:
            if -MAX_SAFE_INT <= v <= MAX_SAFE_INT:
                return v
            raise InvalidMessageError(
                f"{path}: integer {v} is outside the interoperable JSON range ±(2**53-1); store it as a string",
                key=path,
            )
        if t is float:
            if not math.isfinite(v):
                raise InvalidMessageError(
                    f"{path}: {v!r} is not a JSON number (NaN and infinities are not allowed)", key=path
                )
            if v.is_integer() and abs(v) <= MAX_SAFE_INT:
                return int(v)  # canonical JSON writes 1.0 as 1: keep the value equal to what the id covers
            self.fast = False
            return v
        if depth > 200:
            raise InvalidMessageError(f"{path}: metadata nested deeper than 200 levels", key=path)
        if t is list or t is tuple:
            return tuple([self.value(x, f"{path}[{i}]", depth + 1) for i, x in enumerate(v)])
        if isinstance(v, Mapping):
            return self.mapping(v, path, depth + 1)
        if isinstance(v, (str, int, float)) and not isinstance(v, bool):  # subclasses (enums, numpy scalars...)
            return self.value(_base(v), path, depth)
        raise InvalidMessageError(
            f"{path}: {type(v).__name__} is not a JSON value (use str, int, float, bool, None, list or dict)", key=path
        )

    def mapping(self, m: Mapping[Any, Any], path: str, depth: int) -> FrozenDict:
        out: dict[str, Any] = {}
        for k, v in m.items():
            if type(k) is not str:
                raise InvalidMessageError(
                    f"{path}[{k!r}]: key {k!r} is a {type(k).__name__}; JSON object keys must be str",
                    key=f"{path}[{k!r}]",
                )
            if self.fast and not k.isascii() and max(k) > "\uffff":
                self.fast = False
            out[k] = self.value(v, f"{path}[{k!r}]", depth)
        return FrozenDict(out)


def _base(v: Any) -> Any:
    """The plain JSON value of a subclass of str, int or float: what ``json.dumps`` writes (for a ``(str, Enum)``
    member its value, ``"red"``, never ``str()``'s ``"Color.RED"``)."""
    if isinstance(v, str):
        return str.__str__(v)
    if isinstance(v, int):
        return int.__index__(v)
    return float.__float__(v)


def freeze_metadata(metadata: Any) -> tuple[FrozenDict, bool]:
    """Validate ``metadata`` (a mapping of JSON values) and return ``(frozen, fast_path_ok)``."""
    if metadata is None:
        return EMPTY, True
    if type(metadata) is FrozenDict:
        return metadata, not _needs_slow(metadata)
    if not isinstance(metadata, Mapping):
        raise InvalidMessageError(
            f"metadata must be a dict of JSON values, not {type(metadata).__name__}", key="metadata"
        )
    if not metadata:
        return EMPTY, True
    w = _Walk()
    frozen = w.mapping(metadata, "metadata", 0)
    return frozen, w.fast


def freeze_trusted(value: Any) -> Any:
    """Deep-freeze a value parsed from canonical JSON (no validation)."""
    t = type(value)
    if t is dict:
        return FrozenDict({k: freeze_trusted(v) for k, v in value.items()}) if value else EMPTY
    if t is list:
        return tuple([freeze_trusted(v) for v in value])
    if t is int and not -MAX_SAFE_INT <= value <= MAX_SAFE_INT:
        # RFC 8785 writes an integral double beyond 2**53 (e.g. 1e20) without exponent; Python's json reads it
        # back as an int, which the message layer refuses. It was a float: make it one again (exactly).
        return float(value)
    return value


def _needs_slow(v: Any) -> bool:
    t = type(v)
    if t is float:
        return True
    if t is tuple:
        return any(_needs_slow(x) for x in v)
    if t is FrozenDict:
        return any((not k.isascii() and max(k) > "\uffff") or _needs_slow(x) for k, x in v.items())
    return False


def thaw(v: Any) -> Any:
    """A plain, mutable copy (dicts and lists) of a frozen JSON value."""
    if isinstance(v, dict):
        return {k: thaw(x) for k, x in v.items()}
    if isinstance(v, tuple):
        return [thaw(x) for x in v]
    return v


def metadata_json(metadata: FrozenDict, fast: bool) -> str:
    if not metadata:
        return "{}"
    if fast:
        return _dumps_fast(metadata)
    return rfc8785.dumps(thaw(metadata)).decode("utf-8")


def _ref(v: str | None) -> str:
    return "null" if v is None else '"' + v + '"'


def canonical_body(
    kind: str,
    content: str,
    sender: str,
    parent_id: str | None,
    reply_to_id: str | None,
    original_id: str | None,
    status: str,
    metadata: FrozenDict,
    fast: bool,
    attachments: str | None = None,
) -> str:
    """The RFC 8785 JSON text of the eight canonical fields (kind/status/ids must already be validated), and of
    ``attachments`` (their JSON array) when the message has any: that member sorts first, and a message without
    attachments has none (its bytes are the eight fields' alone)."""
    return "".join(
        (
            '{"content":' if attachments is None else '{"attachments":' + attachments + ',"content":',
            _encode_str(content),
            ',"kind":"',
            kind,
            '","metadata":',
            "{}" if not metadata else metadata_json(metadata, fast),
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
    )


def reference_body(fields: Mapping[str, Any]) -> bytes:
    """The body as the reference RFC 8785 implementation writes it (for tests and tools): the eight fields, and
    ``attachments`` when ``fields`` has a non-empty one (a list of descriptor objects)."""
    body = {k: thaw(fields[k]) for k in _FIELDS}
    if fields.get("attachments"):
        body["attachments"] = thaw(fields["attachments"])
    return rfc8785.dumps(body)


def canonical_bytes(body: str) -> bytes:
    return HEADER + body.encode("utf-8")


_sha256 = hashlib.sha256


def message_id(data: bytes) -> str:
    return _sha256(data).hexdigest()
