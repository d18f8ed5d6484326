from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol, runtime_checkable

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
    * The cache maps a key (str) to a tuple of response ids; the messages themselves live once in the store.
    """

    def get(self, message_id: str) -> Message | None: ...
    def __contains__(self, message_id: object) -> bool: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Message]: ...
    def add(self, message: Message) -> Message: ...
    def add_many(self, messages: Sequence[Message]) -> None: ...
    def repair(self, message: Message) -> None: ...
    def children(self, message_id: str) -> list[Message]: ...
    def roots(self) -> list[Message]: ...
    def history(self, message_id: str) -> list[Message] | None: ...

    def cache_get(self, key: str) -> tuple[str, ...] | None: ...
    def cache_put(self, key: str, response_ids: Iterable[str], *, agent: str = "") -> None: ...
    def cache_delete(self, key: str) -> None: ...
    def cache_clear(self) -> int: ...
    def cache_entries(self) -> list[tuple[str, str, tuple[str, ...]]]: ...

    def close(self) -> None: ...


def walk_history(get, message_id: str) -> list[Message] | None:
    """Root-to-message path by following ``parent_id`` iteratively (no recursion limit)."""
    out = []
    msg = get(message_id)
    if msg is None:
        return None
    while msg is not None:
        out.append(msg)
        pid = msg.parent_id
        if pid is None:
            break
        msg = get(pid)
        if msg is None:
            raise KeyError(pid)
    out.reverse()
    return out
