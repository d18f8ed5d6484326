"""A cache bounded by bytes that forgets the least recently used entries first: the in-process message caches of
the SQLite and PostgreSQL stores, and the token chunks the response cache keeps for replay."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

__all__ = ["ByteLRU"]

K = TypeVar("K")
V = TypeVar("V")


class ByteLRU(Generic[K, V]):
    """Values with their sizes in bytes (as the caller counts them), at most ``limit`` bytes in all.

    ``get`` marks an entry as used; ``peek`` (the dict's own ``get``: the lookup of hot loops) does not. An entry
    larger than ``limit`` is not kept; ``limit`` may be changed (the next ``put`` evicts down to it). Writers
    hold a lock; lookups do not need it."""

    __slots__ = ("limit", "peek", "evicted", "_data", "_sizes", "_bytes", "_lock")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.evicted = 0  # entries dropped to stay within the limit, since the cache was made
        self._data: OrderedDict[K, V] = OrderedDict()
        self._sizes: dict[K, int] = {}
        self._bytes = 0
        self._lock = threading.Lock()
        #: the value of a key, or None, without marking it as used
        self.peek = self._data.get

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    @property
    def bytes(self) -> int:
        """The bytes held (at most ``limit`` after every write)."""
        return self._bytes

    def get(self, key: K) -> V | None:
        """The value of ``key`` (marked as used), or None."""
        value = self._data.get(key)
        if value is not None:
            try:
                self._data.move_to_end(key)
            except KeyError:  # evicted by another thread meanwhile: still a valid answer
                pass
        return value

    def put(self, key: K, value: V, nbytes: int) -> None:
        """Keep ``value`` under ``key`` as the most recently used entry."""
        if nbytes > self.limit:
            return
        with self._lock:
            old = self._sizes.get(key)
            if old is not None:
                self._bytes -= old
                self._data.move_to_end(key)
            self._data[key] = value
            self._sizes[key] = nbytes
            self._bytes += nbytes
            if self._bytes > self.limit:
                self._evict()

    def put_many(self, keys: list[K], values: list[V], sizes: list[int]) -> None:
        """``put`` each key with its value and size in turn (the last one is the most recently used)."""
        limit = self.limit
        if not keys or max(sizes) > limit:  # an entry larger than the whole cache is not kept
            kept = [(k, v, n) for k, v, n in zip(keys, values, sizes, strict=True) if n <= limit]
            if not kept:
                return
            keys, values, sizes = (list(column) for column in zip(*kept, strict=True))
        with self._lock:
            data, known = self._data, self._sizes
            before = len(known)
            for key in keys if not known.keys().isdisjoint(keys) else ():
                if key in data:  # held already: now the most recently used
                    data.move_to_end(key)
            data.update(zip(keys, values, strict=True))  # at C speed: this is the cache of every read
            known.update(zip(keys, sizes, strict=True))
            if len(known) - before == len(keys):  # all new (the common case)
                self._bytes += sum(sizes)
            else:  # some were held already, or came twice: count again
                self._bytes = sum(known.values())
            self._evict()

    def _evict(self) -> None:  # with the lock held
        data, limit = self._data, self.limit
        while self._bytes > limit and data:
            key, _ = data.popitem(last=False)
            self._bytes -= self._sizes.pop(key)
            self.evicted += 1

    def pop(self, key: K) -> V | None:
        """Forget ``key``; its value, or None."""
        with self._lock:
            value = self._data.pop(key, None)
            if value is not None:
                self._bytes -= self._sizes.pop(key)
            return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._sizes.clear()
            self._bytes = 0

    def info(self, entries: str = "entries") -> dict[str, int]:
        """How many entries are held (under the key ``entries``), their ``bytes``, the ``limit``, and how many
        entries were ``evicted`` so far."""
        return {entries: len(self._data), "bytes": self._bytes, "limit": self.limit, "evicted": self.evicted}
