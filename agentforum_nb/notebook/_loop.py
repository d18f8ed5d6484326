"""Run widget callbacks on the kernel's event loop, whichever thread the kernel hands them to.

ipykernel 7 can deliver comm messages on a subshell thread (JupyterLab 4 asks for one for widgets), while the
forum, the calls and the widgets' timers belong to the kernel's event loop in the main thread: a message posted
from the subshell thread would wake no one until the loop woke for some other reason. Each widget remembers the
loop that was running when it was made and hands browser messages over to it; with no loop (plain Python) or on
the loop's own thread, the callback runs at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

__all__ = ["LoopHandoff", "clicks_arrive_while_cells_run"]

log = logging.getLogger("agentforum_nb")
_seen = {"other_thread": False}


def clicks_arrive_while_cells_run() -> bool:
    """True once a browser message reached a widget on a thread of its own (a kernel subshell): then clicks are
    handled even while a cell runs (as long as the cell awaits rather than blocks)."""
    return _seen["other_thread"]


class LoopHandoff:
    """The loop a widget was made on, and a way to run callbacks there."""

    __slots__ = ("loop", "handed_over")

    def __init__(self) -> None:
        try:
            self.loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            self.loop = None
        self.handed_over = 0  # callbacks that arrived on another thread (for tests)

    def elsewhere(self) -> bool:
        """True when called on a thread other than the loop's, with the loop still open."""
        loop = self.loop
        if loop is None or loop.is_closed():
            return False
        try:
            return asyncio.get_running_loop() is not loop
        except RuntimeError:
            return True

    def run(self, fn: Callable[..., Any], *args: Any) -> None:
        """Call ``fn(*args)`` now when on the loop's thread, else as soon as the loop gets to it."""
        if not self.elsewhere():
            fn(*args)
            return
        self.handed_over += 1
        _seen["other_thread"] = True
        assert self.loop is not None
        self.loop.call_soon_threadsafe(self._guarded, fn, args)

    @staticmethod
    def _guarded(fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        try:
            fn(*args)
        except Exception:  # the callbacks report their own errors; anything else is a bug: log it, loudly
            log.exception("agentforum_nb widget callback failed")
