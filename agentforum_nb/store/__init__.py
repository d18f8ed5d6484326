"""Message stores: where a forum keeps its messages and its response cache.

``MemoryStore`` (the default) and ``SQLiteStore`` (an embedded file) implement :class:`Store`; any object
with the same methods can back a forum (``af.Forum(store=my_store)``). Stores hold values only: they know
nothing of agents or event loops.
"""

from ._base import Store, merge_annotations, walk_history
from .memory import MemoryStore
from .sqlite import SQLiteStore

__all__ = ["MemoryStore", "SQLiteStore", "Store", "merge_annotations", "walk_history"]
