from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from ..errors import IntegrityError
from ..messages import Message


@runtime_checkable
class Store(Protocol):
    """The protocol a forum's backend implements. Messages are immutable and keyed by id.

    Rules every store follows:

    * ``add`` is idempotent: adding a message whose id is stored returns the stored one and changes nothing.
      The forum has already checked that the parent exists; the store only keeps first-stored order.
    * ``add_many`` stores all the messages or none of them (used by JSONL import).
    * ``children`` returns direct children in the order they were first stored; ``roots`` likewise.
    * ``repair`` overwrites the stored fields of ``message.id`` with a message that verifies (a corrupted row).
    * ``get`` of an unknown id returns ``None``; a store may serve messages that another process stored.
    * ``ids_with_prefix(prefix, limit)`` (optional): up to ``limit`` stored ids starting with ``prefix``, for ids
      given by a unique prefix (a forum scans ``iter(store)`` when a store has no such method).
    * The cache maps a key (str) to a tuple of response ids; the messages themselves live once in the store.
    * ``history`` of a stored chain whose parent references form a cycle (a tampered file) raises
      :class:`~agentforum_nb.errors.IntegrityError` mentioning "cycle"; it never loops.
    * Annotations: a mutable dict of JSON values per message, outside its id. ``add(message, annotations)``
      stores them with a new message in the same write; for a message that is already stored they are merged
      (:func:`merge_annotations`). ``annotate(id, changes)`` merges changes (``None`` removes a key) and returns
      the new dict; ``annotations(id)`` and ``annotations_many(ids)`` return copies (``{}`` / absent when none).
    * ``search(text, sender=, kind=, status=)`` yields the messages whose case-folded content contains
      ``text.casefold()`` and whose fields equal the given ones, in first-stored order (the forum filters by
      annotations itself).

    Optional methods (a forum uses them when present, so they are not part of the runtime check):

    * ``get_many(ids) -> dict[str, Message]``: batch lookup (serves large cache hits quickly).
    * ``scan() -> Iterator[tuple[str, Message | IntegrityError]]``: every stored entry in first-stored order,
      each re-checked on its own: ``(id, message)`` when the entry decodes and its fields hash to ``id``, else
      ``(id, IntegrityError)`` naming the id. A bad entry does not stop the scan, so a caller such as
      ``forum.verify()`` can list every problem (references between messages are the caller's to check).
    * ``poll() -> list[Message]``: the messages that other writers (other processes, other store objects on the
      same file or database) stored since the last ``poll()`` (the first time: since the store was opened), in
      first-stored order, each once; never the ones this store object stored itself. ``forum.refresh()`` calls
      it and emits them as ``message`` events; a store without it (``MemoryStore``: nobody else writes it) makes
      ``refresh()`` return ``[]``. It must not miss a message that commits late: PostgreSQL draws ``seq`` when
      an insert starts, so ``PostgresStore`` polls by transaction id, not by ``seq``.
    * ``has_changes() -> bool``: whether ``poll()`` would find something, in one cheap query, for a view that
      checks on a timer (it does not consume what it finds; it may answer True when ``poll()`` then returns
      nothing new, never False when there is something).
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
    get: Callable[[str], Message | None], message_id: str, limit: int | None = None
) -> list[Message] | None:
    """Root-to-message path by following ``parent_id`` iteratively (no recursion limit).

    ``None`` for an unknown ``message_id``; ``KeyError(missing_id)`` for a broken chain; IntegrityError for a
    parent cycle. ``limit`` (the number of stored messages, when cheap to know) bounds the walk instead of a set
    of the ids seen: a chain longer than the store holds has a cycle.
    """
    msg = get(message_id)
    if msg is None:
        return None
    out = [msg]
    append = out.append
    if limit is not None:
        for _ in range(limit):  # a chain of every stored message ends within `limit` steps
            pid = msg.parent_id
            if pid is None:
                out.reverse()
                return out
            msg = get(pid)
            if msg is None:
                raise KeyError(pid)
            append(msg)
        raise _cycle(message_id, out)
    seen = {msg.id}
    while True:
        pid = msg.parent_id
        if pid is None:
            out.reverse()
            return out
        if pid in seen:
            raise _cycle(message_id, out)
        msg = get(pid)
        if msg is None:
            raise KeyError(pid)
        seen.add(pid)
        append(msg)


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
