"""Who owns the runtime's tasks: :class:`Scope`.

A :class:`Scope` is like anyio's task group or asyncio's ``TaskGroup``, without blocking: it owns the tasks it
starts and its child scopes; :meth:`Scope.cancel` cancels all of them, and any task started in a cancelled scope
is cancelled before it runs; the scope *finishes* only once its owner's own work is over and every task and
child has finished. Each agent call has one scope (a child of the calling agent's scope, or of its forum's
:class:`Host`), so ``call.cancel()`` and ``forum.aclose()`` are one mechanism: cancelling scopes.

Tasks start the asyncio way: :meth:`Scope.spawn` creates the task and returns; its coroutine (an agent's function,
a stream's pump: user code) runs at the loop's next task switch, never inside the call that scheduled it. The
library's own bookkeeping (placing requests, a cache lookup) is synchronous and needs no task.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Coroutine
from typing import Any, Protocol

__all__ = ["Host", "Scope"]

log = logging.getLogger("agentforum_nb")


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _read_outcome(task: asyncio.Task[Any]) -> None:
    """Read a finished task's outcome (its owner's duty): the runtime's task coroutines turn every failure into a
    message, so an exception here is a bug of the library and is reported, never dropped."""
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None:
        task.get_loop().call_exception_handler(
            {"message": "agentforum_nb internal task failed", "exception": exc, "task": task}
        )


class Owner(Protocol):
    """What a scope's owner (an agent call) does when the scope is cancelled from its parent, and hears when the
    scope has finished."""

    def cancel(self) -> None: ...

    def scope_finished(self) -> None: ...


class Scope:
    """Owns tasks and child scopes; see the module docstring.

    ``owner``: what cancelling this scope from its parent means (an agent call's ``cancel()``, which may only
    detach the call from a run it shares; without one, :meth:`cancel`), told once when the scope has finished.
    A scope is its tasks' done callback (calling it with a finished task), which saves a bound method per task.
    """

    __slots__ = ("parent", "owner", "tasks", "children", "cancelled", "work_done", "finished")

    def __init__(self, parent: Scope | None, owner: Owner | None = None) -> None:
        self.parent = parent
        self.owner = owner
        self.tasks: set[asyncio.Task[Any]] | None = None
        self.children: set[Scope] | None = None
        self.cancelled = False
        self.work_done = False
        self.finished = False
        if parent is not None:
            if parent.children is None:
                parent.children = {self}
            else:
                parent.children.add(self)
            if parent.cancelled:
                self.cancelled = True  # made inside a cancelled scope: cancelled from the start

    # -- tasks ------------------------------------------------------------------------------------------------
    def spawn(self, coro: Coroutine[Any, Any, Any], context: contextvars.Context) -> bool:
        """Start ``coro`` as a task owned by this scope; it runs at the loop's next task switch. Returns ``False``
        (and ``coro`` is closed) when the scope is cancelled or there is no running loop."""
        loop = _running_loop()
        if self.cancelled or loop is None:
            coro.close()
            return False
        task = loop.create_task(coro, context=context)
        if self.tasks is None:
            self.tasks = {task}
        else:
            self.tasks.add(task)
        task.add_done_callback(self)
        return True

    def __call__(self, task: asyncio.Task[Any]) -> None:
        """A task of this scope has finished."""
        if self.tasks is not None:
            self.tasks.discard(task)
        _read_outcome(task)
        self.maybe_finish()

    # -- cancellation -----------------------------------------------------------------------------------------
    def cancel(self) -> None:
        """Cancel every task and child of this scope, and every task started in it later."""
        if self.cancelled:
            return
        self.cancelled = True
        if self.children:
            for child in list(self.children):
                if child.owner is not None:
                    child.owner.cancel()
                else:
                    child.cancel()
        if self.tasks:
            for t in list(self.tasks):  # the running one too: it stops at its next await
                t.cancel()

    # -- finishing --------------------------------------------------------------------------------------------
    def done_working(self) -> None:
        """The owner's own work is over (e.g. a call's responses are all stored)."""
        self.work_done = True
        self.maybe_finish()

    def maybe_finish(self) -> None:
        if self.finished or not self.work_done or self.tasks or self.children:
            return
        self.finished = True
        if self.owner is not None:
            self.owner.scope_finished()
        parent = self.parent
        if parent is not None and parent.children is not None:
            parent.children.discard(self)
            parent.maybe_finish()

    def all_tasks(self) -> list[asyncio.Task[Any]]:
        """Every unfinished task of this scope and its descendants."""
        out: list[asyncio.Task[Any]] = []
        stack = [self]
        while stack:
            s = stack.pop()
            if s.tasks:
                out.extend(t for t in s.tasks if not t.done())
            if s.children:
                stack.extend(s.children)
        return out


class Host(Scope):
    """The root scope of one forum's calls (kept as the forum's ``service(Host)``): ``aclose()`` cancels every
    call and waits until every task of the running loop has finished; a top-level call made while it closes is
    refused (``closing``)."""

    __slots__ = ("closing", "questions")

    def __init__(self, forum: Any = None) -> None:
        Scope.__init__(self, None)
        self.closing = False
        self.questions: dict[str, Any] = {}  # questions running calls are waiting on (ctx.ask), by id
        self.work_done = True  # a host has no work of its own

    def waiting_questions(self) -> list[Any]:
        return list(self.questions.values())

    async def aclose(self) -> None:
        self.closing = True
        self.cancel()
        loop = asyncio.get_running_loop()
        while True:
            pending = [t for t in self.all_tasks() if t.get_loop() is loop]
            if not pending:
                return
            await asyncio.wait(pending)
