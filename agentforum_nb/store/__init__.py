"""Message stores: where a forum keeps its messages and its response cache.

``MemoryStore`` (the default), ``SQLiteStore`` (an embedded file) and ``PostgresStore`` (a PostgreSQL database
that many processes share; needs ``pip install 'agentforum_nb[postgres]'``, imported on first use so that
importing agentforum_nb never imports psycopg) implement :class:`Store`; any object with the same methods can
back a forum (``af.Forum(store=my_store)``). The optional capabilities a forum uses when a store has them are
protocols of their own (:class:`SupportsGetMany`, :class:`SupportsPrefix`, :class:`SupportsScan`,
:class:`SupportsAttachments`, :class:`SharedStore`). The two SQL stores share one core (``_sql.py``); each keeps
its dialect, connection and search index. Stores hold values only: they know nothing of agents or event loops.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._base import (
    SharedStore,
    Store,
    SupportsAttachments,
    SupportsGetMany,
    SupportsPrefix,
    SupportsScan,
    check_search,
    merge_annotations,
    usable_key,
    walk_history,
)
from ._lru import ByteLRU
from .copy import copy_forum
from .memory import MemoryStore
from .sqlite import SQLiteStore

if TYPE_CHECKING:  # pragma: no cover
    from .postgres import PostgresStore

__all__ = [
    "ByteLRU",
    "MemoryStore",
    "PostgresStore",
    "SQLiteStore",
    "SharedStore",
    "Store",
    "SupportsAttachments",
    "SupportsGetMany",
    "SupportsPrefix",
    "SupportsScan",
    "check_search",
    "copy_forum",
    "merge_annotations",
    "usable_key",
    "walk_history",
]


def __getattr__(name: str) -> Any:
    if name == "PostgresStore":  # lazily: psycopg is imported only by those who use PostgreSQL
        from .postgres import PostgresStore

        return PostgresStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
