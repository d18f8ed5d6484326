from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from ..attachments import AttachmentRef, read_bytes
from ..errors import IntegrityError, UsageError
from ..messages import Message

__all__ = [
    "SharedStore",
    "Store",
    "SupportsAttachments",
    "SupportsGetMany",
    "SupportsPrefix",
    "SupportsScan",
    "check_search",
    "encodable",
    "merge_annotations",
    "missing_bytes",
    "more_than_created_at",
    "usable_key",
    "walk_history",
]


@runtime_checkable
class Store(Protocol):
    """The protocol a forum's backend implements. Messages are immutable and keyed by id.

    Rules every store follows:

    * ``add`` is idempotent: adding a message whose id is stored returns the stored one and changes nothing.
      The forum has already checked that the parent exists; the store only keeps first-stored order.
    * ``add_many`` stores all the messages or none of them (used by JSONL import).
    * ``children`` returns direct children in the order they were first stored; ``roots`` likewise.
    * ``repair`` overwrites the stored fields of ``message.id`` with a message that verifies (a corrupted row).
    * ``get`` of an unknown id returns ``None``, also for a value that no id can be (not a str, a lone
      surrogate, U+0000: see :func:`usable_key`); a store may serve messages that another process stored.
    * The cache maps a key (str) to a tuple of response ids; the messages themselves live once in the store.
    * ``history`` of a stored chain whose parent references form a cycle (a tampered file) raises
      :class:`~agentforum_nb.errors.IntegrityError` mentioning "cycle"; it never loops.
    * Annotations: a mutable dict of JSON values per message, outside its id. ``add(message, annotations)``
      stores them with a new message in the same write; for a message that is already stored they are merged
      (:func:`merge_annotations`). ``annotate(id, changes)`` merges changes (``None`` removes a key) and returns
      the new dict; ``annotations(id)`` and ``annotations_many(ids)`` return copies (``{}`` / absent when none).
    * ``search(text, sender=, kind=, status=)`` yields the messages whose case-folded content contains
      ``text.casefold()`` and whose fields equal the given ones, in first-stored order (the forum filters by
      annotations itself); arguments that are not str (UTF-8 text) raise UsageError (:func:`check_search`).

    Optional capabilities, each a protocol of its own that a forum checks with ``isinstance`` (so they are not
    part of ``Store``): :class:`SupportsGetMany`, :class:`SupportsPrefix`, :class:`SupportsScan`,
    :class:`SupportsAttachments` and :class:`SharedStore` (``poll``/``has_changes``). A forum works without any of
    them (without ``SupportsAttachments`` it refuses messages with attachments).
    """

    def get(self, message_id: str) -> Message | None: ...
    def __contains__(self, message_id: object) -> bool: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Message]: ...
    def add(self, message: Message, annotations: Mapping[str, Any] | None = None) -> Message: ...
    def add_many(
        self, messages: Sequence[Message], annotations: Mapping[str, Mapping[str, Any]] | None = None
    ) -> None: ...
    def repair(self, message: Message) -> None: ...
    def children(self, message_id: str) -> list[Message]: ...
    def roots(self) -> list[Message]: ...
    def history(self, message_id: str) -> list[Message] | None: ...

    def annotations(self, message_id: str) -> dict[str, Any]: ...
    def annotations_many(self, message_ids: Iterable[str]) -> dict[str, dict[str, Any]]: ...
    def annotate(self, message_id: str, changes: Mapping[str, Any]) -> dict[str, Any]: ...
    def search(
        self, text: str = "", *, sender: str | None = None, kind: str | None = None, status: str | None = None
    ) -> Iterator[Message]: ...

    def cache_get(self, key: str) -> tuple[str, ...] | None: ...
    def cache_put(self, key: str, response_ids: Iterable[str], *, agent: str = "") -> None: ...
    def cache_delete(self, key: str) -> None: ...
    def cache_clear(self) -> int: ...
    def cache_entries(self) -> list[tuple[str, str, tuple[str, ...]]]: ...

    def close(self) -> None: ...


@runtime_checkable
class SupportsAttachments(Protocol):
    """Attachment bytes, stored once per sha256 (API.md section 16). A store with this capability follows these
    rules besides the ``Store`` ones:

    * ``add`` and ``add_many`` of a message with attachments store the bytes of each attachment that is not
      stored yet, read from its descriptor (``attachments.read_bytes``), in the same transaction as the message;
      bytes that are neither stored nor readable raise :class:`~agentforum_nb.errors.AttachmentNotFound` and
      nothing is stored. Bytes are never removed.
    * The messages it gives out (``get``, ``history``...) have descriptors that read from the store itself.
    * ``read_attachment(sha256)``: the stored bytes, as stored (the forum checks them against their hash), or
      None; ``has_attachments(hashes)``: which of them are stored; ``scan_attachments()``: ``(sha256, bytes)`` of
      every stored attachment, for ``forum.verify()`` (``(sha256, IntegrityError)`` for one that cannot be read).
    """

    def read_attachment(self, sha256: str) -> bytes | None: ...
    def has_attachments(self, hashes: Iterable[str]) -> set[str]: ...
    def scan_attachments(self) -> Iterator[tuple[str, bytes | IntegrityError]]: ...


@runtime_checkable
class SupportsGetMany(Protocol):
    """A batch lookup: the stored messages among ``message_ids``, by id (serves large cache hits quickly)."""

    def get_many(self, message_ids: list[str]) -> dict[str, Message]: ...


@runtime_checkable
class SupportsPrefix(Protocol):
    """Up to ``limit`` stored ids starting with ``prefix``, for ids given by a unique prefix (a forum scans
    ``iter(store)`` when a store cannot do this)."""

    def ids_with_prefix(self, prefix: str, limit: int) -> list[str]: ...


@runtime_checkable
class SupportsScan(Protocol):
    """Every stored entry in first-stored order, each re-checked on its own: ``(id, message)`` when the entry
    decodes and its fields hash to ``id``, else ``(id, IntegrityError)`` naming the id. A bad entry does not stop
    the scan, so ``forum.verify()`` can list every problem (references between messages are the caller's to
    check). Without it, ``verify()`` iterates the store."""

    def scan(self) -> Iterator[tuple[str, Message | IntegrityError]]: ...


@runtime_checkable
class SharedStore(Protocol):
    """A store that other writers (other processes, other store objects on the same file or database) can add
    to, and that can say what they added.

    * ``poll()``: the messages other writers stored since the last ``poll()`` (the first time: since the store
      was opened), in first-stored order, each once; never the ones this store object stored itself.
      ``forum.refresh()`` emits them as ``message`` events. It must not miss a message that commits late:
      PostgreSQL draws ``seq`` when an insert starts, so ``PostgresStore`` polls by transaction id.
    * ``has_changes()``: whether ``poll()`` would find something, in one cheap query, for a view that checks on
      a timer (it does not consume what it finds; it may answer True when ``poll()`` then returns nothing new,
      never False when there is something).

    A forum whose store is not shared (``MemoryStore``: nobody else writes it) refreshes to ``[]``."""

    def poll(self) -> list[Message]: ...
    def has_changes(self) -> bool: ...


def missing_bytes(messages: Iterable[Message], stored: Callable[[list[str]], set[str]]) -> dict[str, tuple[str, bytes]]:
    """The attachments of ``messages`` that a store must write: ``{sha256: (media_type, bytes)}`` for every hash
    that ``stored(hashes)`` does not report as stored, the bytes read from the descriptors
    (:class:`~agentforum_nb.errors.AttachmentNotFound` when they cannot be). Every read happens before the store
    writes anything."""
    wanted: dict[str, AttachmentRef] = {}
    for m in messages:
        for ref in m.attachments:
            known = wanted.get(ref.sha256)
            if known is None or (known.source is None and ref.source is not None):
                wanted[ref.sha256] = ref
    if not wanted:
        return {}
    have = stored(list(wanted))
    return {sha: (ref.media_type, read_bytes(ref)) for sha, ref in wanted.items() if sha not in have}


def encodable(text: str) -> bool:
    """Whether UTF-8 can encode ``text`` (it holds no lone surrogate)."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def usable_key(value: object) -> bool:
    """Whether ``value`` can be an id or a cache key in a store: a str of UTF-8 text without U+0000 (anything
    else is stored nowhere: a lookup finds nothing)."""
    return type(value) is str and "\x00" not in value and encodable(value)


def check_search(text: object, sender: object, kind: object, status: object) -> None:
    """UsageError naming the argument of ``search`` that is not a str of UTF-8 text (or None for a field)."""
    for name, value in (("text", text), ("sender", sender), ("kind", kind), ("status", status)):
        if value is None and name != "text":
            continue
        if type(value) is not str:
            allowed = "a str" if name == "text" else "a str or None"
            raise UsageError(f"search {name} must be {allowed}, not {type(value).__name__}")
        if not encodable(value):
            raise UsageError(
                f"search {name} {value!r:.60} contains a lone surrogate: it is not UTF-8 text, and no stored "
                f"message can match it"
            )


def more_than_created_at(annotations: Mapping[str, Any]) -> bool:
    """A message stored again keeps its first ``created_at``: only other annotations are worth a write."""
    return len(annotations) > 1 or "created_at" not in annotations


def merge_annotations(current: Mapping[str, Any] | None, changes: Mapping[str, Any]) -> dict[str, Any]:
    """``current`` updated by ``changes``: a value ``None`` removes its key; ``created_at`` keeps the earlier time
    (ISO 8601 UTC strings of one format order as the times do)."""
    out = dict(current) if current else {}
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        elif key == "created_at" and key in out and isinstance(out[key], str) and isinstance(value, str):
            out[key] = min(out[key], value)
        else:
            out[key] = value
    return out


def walk_history(
    get: Callable[[str], Message | None],
    message_id: str,
    limit: int | Callable[[], int] | None = None,
    fetch: Callable[[str], Message | None] | None = None,
) -> list[Message] | None:
    """Root-to-message path by following ``parent_id`` iteratively (no recursion limit): every store's history.

    ``get`` looks a message up; ``fetch`` (optional) is asked for what ``get`` does not have (a SQL store reads the
    rest of the branch there at once). ``None`` for an unknown ``message_id``; ``KeyError(missing_id)`` for a
    broken chain; IntegrityError for a parent cycle. ``limit`` is how many messages ``get`` and ``fetch`` can
    return (an int, or a function for a store that learns more as it reads; None when unknown): the walk looks
    for a repeated id only when it gets longer than that, so the common case costs no set of the ids seen.
    """
    msg = get(message_id)
    if msg is None and fetch is not None:
        msg = fetch(message_id)
    if msg is None:
        return None
    out = [msg]
    append = out.append
    size: Callable[[], int] = limit if callable(limit) else (lambda: len(out) if limit is None else limit)
    bound = size()
    while (pid := msg.parent_id) is not None:
        msg = get(pid)
        if msg is None:
            msg = fetch(pid) if fetch is not None else None
            if msg is None:
                raise KeyError(pid)
        append(msg)
        if len(out) > bound:  # longer than the messages there are, or a doubling: a cycle is possible
            if len({m.id for m in out}) < len(out):
                raise _cycle(message_id, out)
            bound = len(out) + size()
    out.reverse()
    return out


def _cycle(message_id: str, path: list[Message]) -> IntegrityError:
    ids = [m.id for m in path]
    first: dict[str, int] = {}
    for i, mid in enumerate(ids):
        if mid in first:
            loop = ids[first[mid] : i]
            break
        first[mid] = i
    else:
        loop = ids[-1:]
        nxt = path[-1].parent_id
        if nxt in first:
            loop = ids[first[nxt] :]
    return IntegrityError(
        f"the branch of {message_id} has a parent cycle through {', '.join(loop[:5])}"
        f"{' ...' if len(loop) > 5 else ''} (a message cannot be its own ancestor; the stored "
        f"messages were tampered with)",
        expected=message_id,
    )
