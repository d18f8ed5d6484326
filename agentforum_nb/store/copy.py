"""``copy_forum``: every message (with its attachments' bytes), annotation and cache entry of one forum or store
into another (e.g. a SQLite file into a PostgreSQL database)."""

from __future__ import annotations

from typing import Any

from ..errors import UsageError
from ._base import Store

__all__ = ["copy_forum"]


def copy_forum(source: Any, target: Any) -> int:
    """Copy every message of ``source`` (a Forum or a Store, e.g. a SQLite forum) into ``target`` (e.g. a
    PostgreSQL forum), with their annotations, their attachments' bytes (read from ``source`` through the
    messages' descriptors) and the response cache; returns how many messages were new there.

    The messages are re-hashed first (a bad one raises :class:`IntegrityError` and nothing is copied), then
    stored in one transaction of the target (``add_many``: all or nothing), in first-stored order. Annotations
    are merged (``created_at`` keeps the earlier time); cache entries are copied as they are."""
    stores = []
    for name, given in (("source", source), ("target", target)):
        store = given if isinstance(given, Store) else getattr(given, "store", None)  # a Forum has its store
        if not isinstance(store, Store):
            raise UsageError(f"copy_forum: {name} must be a Forum or a Store, not {type(given).__name__}")
        stores.append(store)
    src, dst = stores
    messages = list(src)
    for m in messages:
        m.verify()
    notes = src.annotations_many([m.id for m in messages])
    before = len(dst)
    dst.add_many(messages, notes)
    for key, agent, ids in src.cache_entries():
        dst.cache_put(key, ids, agent=agent)
    return len(dst) - before
