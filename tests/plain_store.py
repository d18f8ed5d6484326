"""A store with the Store protocol's methods and nothing more (every optional capability left out), by delegation
to a real store. Its methods are defined on the class, as a user's store defines them: ``isinstance`` checks of
runtime protocols look them up statically on Python 3.12+ (``__getattr__`` delegation is not seen)."""

from __future__ import annotations

from typing import Any

from agentforum_nb.store import MemoryStore, Store

DUNDERS = ("__contains__", "__len__", "__iter__")


def plain_store(inner: Any = None) -> Any:
    """A new store object that forwards exactly the :class:`Store` protocol's methods to ``inner`` (a MemoryStore
    by default)."""
    names = [n for n, v in vars(Store).items() if callable(v) and (not n.startswith("_") or n in DUNDERS)]

    def forward(name: str) -> Any:
        def method(self: Any, *args: Any, **kwargs: Any) -> Any:
            return getattr(self.inner, name)(*args, **kwargs)

        method.__name__ = name
        return method

    cls = type("PlainStore", (), {n: forward(n) for n in names})
    obj = cls()
    obj.inner = inner if inner is not None else MemoryStore()
    return obj
