"""Attachments: bytes sent with a message (images, files), kept once per content (API.md section 16).

:class:`Attachment` is what a caller gives: the bytes, their media type and an optional file name, hashed once
when it is made. A message holds only :class:`AttachmentRef` descriptors (``sha256``, ``media_type``, ``size``,
``name``), which its id covers (see ``docs/message-format.md``); the bytes live in the forum's store, once per
``sha256``, and are read with ``forum.attachment(sha256)``.

A descriptor may know where its bytes can be read (its *source*: the :class:`Attachment` it was made from, or the
store that read it), so that a message of one forum can be stored in another with its bytes
(``forum.add(message)``, forwards). The source is not part of the value: equality, ``hash()``, the message's id,
``to_dict()`` and pickling ignore it.

This module knows nothing of stores, forums or event loops (a source is anything with ``read_attachment``).
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import os
import re
from collections.abc import Iterable, Mapping
from typing import Any, NoReturn, Protocol

from .errors import AttachmentNotFound, IntegrityError, InvalidMessageError, UsageError

__all__ = [
    "IMAGE_TYPES",
    "MAX_ATTACHMENTS",
    "MAX_BYTES",
    "Attachment",
    "AttachmentRef",
    "AttachmentSource",
    "BytesSource",
    "attachments_json",
    "check_attachments",
    "checked_bytes",
    "read_bytes",
    "refs_from_json",
]

#: the most bytes one attachment may have, and all the attachments of one message together (20 MiB)
MAX_BYTES = 20 * 1024 * 1024
#: the most attachments one message may have
MAX_ATTACHMENTS = 100
#: the image types chat providers take as images (OpenAI-compatible image parts, Anthropic image blocks)
IMAGE_TYPES = frozenset(("image/png", "image/jpeg", "image/gif", "image/webp"))
_HEX = frozenset("0123456789abcdef")
# RFC 6838 restricted names, lowercase: type "/" subtype, nothing else (no parameters, no spaces)
_MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}")
_MAX_NAME = 255
_sha256 = hashlib.sha256
_encode_str = json.encoder.encode_basestring  # RFC 8785's string escaping (see _canonical)


class AttachmentSource(Protocol):
    """Where a descriptor's bytes can be read: ``read_attachment(sha256)`` gives the bytes, or None when they are
    not there (stores implement it, and so does :class:`Attachment`)."""

    def read_attachment(self, sha256: str) -> bytes | None: ...


def _is_sha256(value: object) -> bool:
    return type(value) is str and len(value) == 64 and _HEX.issuperset(value)


def _bad(text: str, key: str) -> NoReturn:
    raise InvalidMessageError(text, key=key)


def _check_media_type(value: object, key: str) -> str:
    if type(value) is not str or not _MEDIA_TYPE.fullmatch(value):
        _bad(
            f"{key}: a media type is lowercase type/subtype such as 'image/png' (no parameters), not {value!r:.80}",
            key,
        )
    return value


def _check_name(value: object, key: str) -> str | None:
    if value is None:
        return None
    if type(value) is not str:
        _bad(f"{key}: an attachment's name is a str or None, not {type(value).__name__}", key)
    problem = None
    if not value or value in (".", ".."):
        problem = "is empty or a directory name"
    elif len(value) > _MAX_NAME:
        problem = f"is longer than {_MAX_NAME} characters"
    elif "/" in value or "\\" in value:
        problem = "holds a path separator (give the file's name only)"
    elif not value.isprintable() and any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in value):
        problem = "holds a control character"
    else:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            problem = "holds a lone surrogate (not UTF-8 text)"
    if problem is not None:
        _bad(f"{key}: the attachment name {value!r:.80} {problem}", key)
    return value


def _check_size(size: int, key: str) -> None:
    if size > MAX_BYTES:
        _bad(f"{key}: the attachment is {size:,} bytes; the limit is {MAX_BYTES:,} bytes (20 MiB)", key)


class AttachmentRef:
    """An attachment as a message holds it: ``sha256`` (of the bytes, 64 lowercase hex), ``media_type``, ``size``
    (bytes) and ``name`` (a file name, or None). Read-only; equal when the four fields are."""

    __slots__ = ("sha256", "media_type", "size", "name", "_source", "_json")

    sha256: str
    media_type: str
    size: int
    name: str | None
    _source: AttachmentSource | None
    _json: str  # its RFC 8785 JSON (see attachments_json)

    def __init__(self, sha256: str, media_type: str, size: int, name: str | None = None, *, source: Any = None) -> None:
        key = "attachments"
        if not _is_sha256(sha256):
            _bad(f"{key}: sha256 must be 64 lowercase hex characters, not {sha256!r:.80}", key)
        if type(size) is not int or size < 0:
            _bad(f"{key}: size must be an int >= 0, not {size!r:.40}", key)
        _check_size(size, key)
        setter = object.__setattr__
        setter(self, "sha256", sha256)
        setter(self, "media_type", _check_media_type(media_type, key))
        setter(self, "size", size)
        setter(self, "name", _check_name(name, key))
        setter(self, "_source", source)
        # RFC 8785: members sorted; the media type and hash are plain ASCII, the name a JSON string, size an integer
        text = '{"media_type":"' + media_type + '","name":' + ("null" if name is None else _encode_str(name))
        setter(self, "_json", text + ',"sha256":"' + sha256 + '","size":' + str(size) + "}")

    @classmethod
    def from_dict(cls, data: Any) -> AttachmentRef:
        """From ``to_dict()`` output (``name`` may be left out); InvalidMessageError naming what is wrong."""
        if not isinstance(data, Mapping):
            _bad(f"attachments: a descriptor is a JSON object, not {type(data).__name__}", "attachments")
        unknown = set(data) - {"sha256", "media_type", "size", "name"}
        if unknown:
            _bad(f"attachments: unknown descriptor member(s): {', '.join(sorted(map(str, unknown)))}", "attachments")
        missing = [k for k in ("sha256", "media_type", "size") if k not in data]
        if missing:
            _bad(f"attachments: a descriptor needs {', '.join(missing)}", "attachments")
        return cls(data["sha256"], data["media_type"], data["size"], data.get("name"))

    def to_dict(self) -> dict[str, Any]:
        """``{"sha256", "media_type", "size", "name"}`` (the JSONL and widget form)."""
        return {"sha256": self.sha256, "media_type": self.media_type, "size": self.size, "name": self.name}

    def with_source(self, source: AttachmentSource | None) -> AttachmentRef:
        """The same descriptor, its bytes to be read from ``source`` (the library's internal API: a store that
        holds the bytes makes the descriptors it gives out point at itself)."""
        if source is self._source:
            return self
        copy = object.__new__(AttachmentRef)  # the fields are checked already
        setter = object.__setattr__
        for name in ("sha256", "media_type", "size", "name", "_json"):
            setter(copy, name, getattr(self, name))
        setter(copy, "_source", source)
        return copy

    @property
    def canonical_json(self) -> str:
        """Its RFC 8785 JSON text: ``{"media_type","name","sha256","size"}`` (``name`` null when None)."""
        return self._json

    @property
    def source(self) -> AttachmentSource | None:
        """Where this descriptor's bytes can be read, when known (not part of the value)."""
        source: AttachmentSource | None = self._source
        return source

    @property
    def is_image(self) -> bool:
        """Whether chat providers take it as an image (PNG, JPEG, GIF, WebP; an SVG is a file)."""
        return self.media_type in IMAGE_TYPES

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"an attachment descriptor is read-only: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"an attachment descriptor is read-only: cannot delete {name!r}")

    def _key(self) -> tuple[str, str, int, str | None]:
        return (self.sha256, self.media_type, self.size, self.name)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, AttachmentRef):
            return self._key() == other._key()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        name = f" {self.name!r}" if self.name is not None else ""
        return f"<AttachmentRef {self.sha256[:8]} {self.media_type} {self.size:,} bytes{name}>"

    def __reduce__(self) -> tuple[type[AttachmentRef], tuple[str, str, int, str | None]]:
        return (AttachmentRef, self._key())

    def __copy__(self) -> AttachmentRef:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> AttachmentRef:
        return self


class Attachment:
    """Bytes to send with a message: ``af.Attachment(data, media_type, name=None)``.

    ``data`` is bytes-like (``bytes``, ``bytearray``, ``memoryview``; copied when not ``bytes``), at most
    :data:`MAX_BYTES`; ``media_type`` is ``type/subtype`` (``"image/png"``; given in any case, kept lowercase);
    ``name`` a file name without a path. Its ``sha256`` is computed once, here: post it as often as you like.
    Read-only. Refused with ``af.InvalidMessageError`` naming the problem."""

    __slots__ = ("data", "media_type", "name", "sha256", "ref")

    data: bytes
    media_type: str
    name: str | None
    sha256: str
    ref: AttachmentRef

    def __init__(self, data: bytes | bytearray | memoryview, media_type: str, name: str | None = None) -> None:
        given: object = data  # checked at run time: callers are not always type-checked
        if isinstance(given, (bytes, bytearray, memoryview)):
            data = given if type(given) is bytes else bytes(given)  # a copy: the bytes cannot change afterwards
        else:
            hint = " (encode text first: text.encode())" if isinstance(given, str) else ""
            _bad(f"an attachment's data must be bytes-like, not {type(given).__name__}{hint}", "data")
        _check_size(len(data), "data")
        if type(media_type) is str:
            media_type = media_type.strip().lower()
        _check_media_type(media_type, "media_type")
        _check_name(name, "name")
        setter = object.__setattr__
        setter(self, "data", data)
        setter(self, "media_type", media_type)
        setter(self, "name", name)
        setter(self, "sha256", _sha256(data).hexdigest())
        setter(self, "ref", AttachmentRef(self.sha256, media_type, len(data), name, source=self))

    @classmethod
    def from_path(cls, path: str | os.PathLike[str], media_type: str | None = None) -> Attachment:
        """The file at ``path``, named by its file name; its media type guessed from the name (``mimetypes``;
        ``application/octet-stream`` when unknown) unless given. A missing or unreadable file raises
        ``af.UsageError``, one over the limit ``af.InvalidMessageError`` (before it is read)."""
        if not isinstance(path, (str, os.PathLike)):
            raise UsageError(f"Attachment.from_path() takes a file path (a str or pathlib.Path), not {path!r:.80}")
        text = os.fspath(path)
        if not isinstance(text, str):
            raise UsageError(f"Attachment.from_path() takes a text path, not {text!r:.80}")
        try:
            with open(text, "rb") as f:
                size = os.fstat(f.fileno()).st_size
                _check_size(size, "data")
                data = f.read(MAX_BYTES + 1)
        except OSError as exc:
            raise UsageError(f"Attachment.from_path(): cannot read {text!r}: {exc.strerror or exc}") from None
        guessed = mimetypes.guess_type(text, strict=False)[0]
        return cls(data, media_type or guessed or "application/octet-stream", os.path.basename(text) or None)

    @property
    def size(self) -> int:
        return len(self.data)

    def read_attachment(self, sha256: str) -> bytes | None:
        """``AttachmentSource``: its own bytes."""
        return self.data if sha256 == self.sha256 else None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"an Attachment is read-only: cannot set {name!r}")

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Attachment):
            return self.ref == other.ref
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.ref)

    def __repr__(self) -> str:
        name = f" {self.name!r}" if self.name is not None else ""
        return f"<Attachment {self.sha256[:8]} {self.media_type} {len(self.data):,} bytes{name}>"

    def __reduce__(self) -> tuple[type[Attachment], tuple[bytes, str, str | None]]:
        return (Attachment, (self.data, self.media_type, self.name))


class BytesSource:
    """An :class:`AttachmentSource` over bytes at hand, by sha256 (a JSONL file's attachments on import)."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, bytes]) -> None:
        self._data = dict(data)

    def read_attachment(self, sha256: str) -> bytes | None:
        return self._data.get(sha256)


def check_attachments(value: Any) -> tuple[AttachmentRef, ...]:
    """The descriptors of ``value`` (an iterable of :class:`Attachment` and :class:`AttachmentRef` objects), in
    order, within the limits (:data:`MAX_ATTACHMENTS`, :data:`MAX_BYTES` together); else InvalidMessageError."""
    if isinstance(value, (Attachment, AttachmentRef, str, bytes, Mapping)) or not isinstance(value, Iterable):
        _bad(
            f"attachments must be a list of af.Attachment objects (or descriptors), not {type(value).__name__}",
            "attachments",
        )
    out: list[AttachmentRef] = []
    total = 0
    for i, item in enumerate(value):
        if type(item) is Attachment:
            ref = item.ref
        elif type(item) is AttachmentRef:
            ref = item
        else:
            _bad(
                f"attachments[{i}]: an attachment is an af.Attachment (or a message's descriptor), "
                f"not {type(item).__name__}",
                "attachments",
            )
        out.append(ref)
        total += ref.size
    if len(out) > MAX_ATTACHMENTS:
        _bad(f"attachments: {len(out)} attachments; a message may have at most {MAX_ATTACHMENTS}", "attachments")
    if total > MAX_BYTES:
        _bad(
            f"attachments: together {total:,} bytes; a message's attachments may have at most {MAX_BYTES:,} "
            f"bytes (20 MiB)",
            "attachments",
        )
    return tuple(out)


def attachments_json(refs: tuple[AttachmentRef, ...]) -> str:
    """The RFC 8785 JSON of the descriptors (an array of ``{"media_type","name","sha256","size"}``): what the id
    covers, and what the SQL stores keep. Every member is written exactly as RFC 8785 does: the media type and
    hash are plain ASCII, ``name`` a JSON string (``null`` when None), ``size`` an integer."""
    if len(refs) == 1:
        return "[" + refs[0].canonical_json + "]"
    return "[" + ",".join([r.canonical_json for r in refs]) + "]"


def refs_from_json(items: Any, source: AttachmentSource | None = None) -> tuple[AttachmentRef, ...]:
    """Descriptors from parsed JSON (a list of descriptor objects), reading their bytes from ``source``;
    InvalidMessageError when it is not that."""
    if not isinstance(items, list) or not items:
        _bad(f"attachments: a non-empty JSON array of descriptors, not {items!r:.80}", "attachments")
    refs = check_attachments([AttachmentRef.from_dict(d) for d in items])
    return tuple(r.with_source(source) for r in refs) if source is not None else refs


def checked_bytes(sha256: str, data: bytes) -> bytes:
    """``data`` when its SHA-256 is ``sha256``; else IntegrityError (stored bytes changed behind the store)."""
    actual = _sha256(data).hexdigest()
    if actual != sha256:
        raise IntegrityError(
            f"the bytes stored for attachment {sha256} hash to {actual} (they were changed after they were stored)",
            expected=sha256,
            actual=actual,
        )
    return data


def read_bytes(ref: AttachmentRef) -> bytes:
    """The bytes of ``ref`` from its source (checked against its hash unless the source is the
    :class:`Attachment` that hashed them); :class:`AttachmentNotFound` when it has none or they are not there."""
    source = ref.source
    if source is None:
        raise AttachmentNotFound(ref.sha256, "its bytes are in neither this forum nor the message given")
    try:
        data = source.read_attachment(ref.sha256)
    except Exception as exc:  # e.g. the forum the message came from is closed
        raise AttachmentNotFound(
            ref.sha256, f"its bytes could not be read where the message came from: {exc}"
        ) from None
    if data is None:
        raise AttachmentNotFound(ref.sha256, "its bytes are in neither this forum nor where the message came from")
    if type(source) is Attachment:
        return data
    return checked_bytes(ref.sha256, data)
