"""Annotations: what is known about a message outside its id (API.md section 8).

The names the library writes are reserved (:data:`RESERVED_ANNOTATIONS`); :func:`reserved_problem` says whether a
value is one the library could have written under such a name (``import_jsonl`` refuses a line where it is not).
:func:`check_annotations` checks any annotation values as JSON; :func:`utc_now` is the time format of
``created_at``; :func:`json_equal` compares JSON values as annotation searches do.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from ._canonical import ENCODE_ERRORS, freeze_metadata, metadata_json, thaw
from .errors import InvalidMessageError

__all__ = ["RESERVED_ANNOTATIONS", "check_annotations", "json_equal", "reserved_problem", "utc_now"]

_second: list[Any] = [-1, ""]


def utc_now() -> str:
    """Now as UTC ISO 8601 with milliseconds, ``"2026-12-01T21:30:43.123Z"`` (the seconds formatted once a second)."""
    now = time.time()
    sec = int(now)
    if sec != _second[0]:
        _second[0], _second[1] = sec, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec))
    return f"{_second[1]}.{int((now - sec) * 1000):03d}Z"


def json_equal(a: Any, b: Any) -> bool:
    """Equality of JSON values (``True`` is not ``1``; ``1`` is ``1.0``; lists and tuples alike)."""
    if type(a) is bool or type(b) is bool:
        return type(a) is type(b) and a == b
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    return bool(a == b)


def check_annotations(values: Mapping[str, Any]) -> dict[str, Any]:
    """JSON-checked, plain (thawed) annotation values; ``None`` kept (it removes a key)."""
    present = {k: v for k, v in values.items() if v is not None}
    try:
        frozen, fast = freeze_metadata(present)
        metadata_json(frozen, fast).encode("utf-8")
    except InvalidMessageError as exc:
        raise InvalidMessageError(
            str(exc).replace("metadata", "annotations"), key=(exc.key or "").replace("metadata", "annotations")
        ) from None
    except ENCODE_ERRORS:
        raise InvalidMessageError(
            "annotations: a string contains a lone surrogate and cannot be encoded as UTF-8", key="annotations"
        ) from None
    return {k: None if v is None else thaw(frozen[k]) for k, v in values.items()}


_CREATED_AT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z")
_ID = re.compile(r"[0-9a-f]{64}")


def _is_count(v: object) -> bool:
    return type(v) is int and v >= 0


def _is_seconds(v: object) -> bool:
    return (type(v) is int or type(v) is float) and v >= 0


def _is_call(v: object) -> bool:
    """One entry of ``calls``: a call made on the message (agent, version, kwargs, sample)."""
    return (
        isinstance(v, Mapping)
        and isinstance(v.get("agent"), str)
        and isinstance(v.get("version"), str)
        and isinstance(v.get("kwargs"), Mapping)
        and _is_count(v.get("sample"))
    )


def _is_time(v: object) -> bool:
    if not isinstance(v, str) or not _CREATED_AT.fullmatch(v):
        return False
    try:
        datetime.fromisoformat(v[:-1])  # a real date and time of day
    except ValueError:
        return False
    return True


#: each name the library writes (API.md section 8, and the features that add to it): a check of what it holds, and
#: what that is, said when the check fails
_RESERVED_VALUES: dict[str, tuple[Callable[[object], bool], str]] = {
    "created_at": (_is_time, 'UTC ISO 8601 with milliseconds as the library writes it ("2026-12-01T21:30:43.123Z")'),
    "agent": (lambda v: isinstance(v, str), "an agent's name (a str)"),
    "ttft_s": (_is_seconds, "a number of seconds >= 0"),
    "duration_s": (_is_seconds, "a number of seconds >= 0"),
    "tokens": (_is_count, "an int >= 0"),
    "model": (lambda v: isinstance(v, str), "a model's name (a str)"),
    "usage": (
        lambda v: isinstance(v, Mapping) and all(isinstance(k, str) and _is_count(n) for k, n in v.items()),
        'an object of token counts (ints >= 0), e.g. {"input_tokens": 21, "output_tokens": 17}',
    ),
    "finish_reason": (lambda v: isinstance(v, str), "the provider's finish reason (a str)"),
    "sample": (_is_count, "an int >= 0"),
    "edited_from": (lambda v: isinstance(v, str) and _ID.fullmatch(v) is not None, "a message id (64 hex digits)"),
    "awaiting": (lambda v: isinstance(v, str), 'who is awaited (a str: "user")'),
    "scores": (
        lambda v: (
            isinstance(v, Mapping)
            and all(isinstance(k, str) and (v[k] is None or isinstance(v[k], (int, float))) for k in v)
        ),
        "judge names to scores (numbers, bools or null)",
    ),
    "calls": (
        lambda v: isinstance(v, (list, tuple)) and all(_is_call(c) for c in v),
        'a list of calls: {"agent": str, "version": str, "kwargs": {...}, "sample": int >= 0}',
    ),
}
#: annotation names the library writes: ``forum.annotate()`` refuses them, ``import_jsonl`` checks their values
RESERVED_ANNOTATIONS = frozenset(_RESERVED_VALUES)


def reserved_problem(key: str, value: object) -> str | None:
    """What is wrong with ``value`` under the reserved annotation name ``key`` (``None``: nothing, or not a
    reserved name); ``None`` as a value removes a key and is always fine."""
    check = _RESERVED_VALUES.get(key)
    if check is None or value is None or check[0](value):
        return None
    shown = repr(value)
    return f"annotation {key!r} must be {check[1]}, not {shown if len(shown) <= 80 else shown[:79] + '…'}"
