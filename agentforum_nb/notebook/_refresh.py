"""Views of a shared forum (SQLite, PostgreSQL) refresh on their own: one timer per forum while any widget shows
it, asking the store whether anything is new (one cheap query) and calling ``forum.refresh()`` only then, so a
tree that another process is growing shows up within about a second and an unchanged one costs next to nothing."""

from __future__ import annotations

import asyncio
import logging

from ..forum import Forum

__all__ = ["REFRESH_INTERVAL", "Refresher", "refresher"]

log = logging.getLogger("agentforum_nb")
REFRESH_INTERVAL = 0.5  # seconds between checks


class Refresher:
    """The timer of one forum's views (a forum service: ``forum.aclose()`` stops it)."""

    def __init__(self, forum: Forum) -> None:
        self.forum = forum
        self.users = 0
        self.checks = 0  # has_changes() calls (for tests and benchmarks)
        self.refreshes = 0  # refresh() calls
        self._handle: asyncio.TimerHandle | None = None
        self._failing = False  # a failure is logged once, not every half second

    @property
    def running(self) -> bool:
        return self._handle is not None

    def acquire(self) -> None:
        """A view starts showing the forum (the timer starts with the first, when an event loop runs)."""
        self.users += 1
        if self._handle is None:
            self._schedule()

    def release(self) -> None:
        """A view stops showing it (the timer stops with the last)."""
        self.users = max(0, self.users - 1)
        if self.users == 0:
            self._cancel()

    def _schedule(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop (a plain script): views refresh with view.refresh()
            return
        self._handle = loop.call_later(REFRESH_INTERVAL, self._tick)

    def _cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _tick(self) -> None:
        self._handle = None
        if self.users == 0 or self.forum.closed:
            return
        try:
            self.checks += 1
            if self.forum.has_changes():
                self.refreshes += 1
                self.forum.refresh()  # emits a `message` event per new message: every view updates
        except Exception:
            if not self._failing:
                log.warning("agentforum_nb: refreshing the forum's views failed; trying again", exc_info=True)
            self._failing = True
        else:
            self._failing = False
        self._schedule()

    async def aclose(self) -> None:
        self.users = 0
        self._cancel()


def refresher(forum: Forum) -> Refresher:
    """The forum's refresher (made on first use)."""
    return forum.service(Refresher, Refresher)
