"""``run_sync``: drive an awaitable to completion from synchronous code (a script or a notebook cell)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")
_loop: asyncio.AbstractEventLoop | None = None


async def _await(aw: Awaitable[T]) -> T:
    return await aw


def run_sync(awaitable: Awaitable[T]) -> T:
    """Run ``awaitable`` (a promise, a sequence, a coroutine) to completion and return its result.

    Outside any event loop, one private loop is reused across calls, so calls started by one ``run_sync`` can
    be awaited by the next. Inside a running loop (Jupyter), nest-asyncio2 lets that loop be re-entered. Its
    nested run puts off the steps of tasks whose ``contextvars.Context`` is already entered further up the stack
    until it returns: ipykernel 7 runs every shell message (the next cell, a widget's message) as a task in one
    shared Context, and the original nest-asyncio tried to step them inside the running cell ("RuntimeError:
    cannot enter context ... is already entered" on stderr) and dropped them.
    """
    global _loop
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is None:
        if _loop is None or _loop.is_closed():
            _loop = asyncio.new_event_loop()
        return _loop.run_until_complete(_await(awaitable))
    try:
        import nest_asyncio2
    except ImportError as exc:  # pragma: no cover - nest-asyncio2 is a dependency
        raise RuntimeError(
            "af.run_sync inside a running event loop needs nest-asyncio2 (pip install nest-asyncio2); "
            "or use `await` instead"
        ) from exc
    nest_asyncio2.apply(running)
    return running.run_until_complete(_await(awaitable))
