"""Who owns the runtime's tasks: :class:`Scope`, and starting a task eagerly.

A :class:`Scope` is like anyio's task group or asyncio's ``TaskGroup``, without blocking: it owns the tasks it
starts and its child scopes; :meth:`Scope.cancel` cancels all of them, and any task started in a cancelled scope
is cancelled before it runs; the scope *finishes* only once its owner's own work is over and every task and
child has finished. Each agent call has one scope (a child of the calling agent's scope, or of its forum's
:class:`Host`), so ``call.cancel()`` and ``forum.aclose()`` are one mechanism: cancelling scopes.

Tasks start *eagerly* (:func:`start_task`): the task object is made first, and its first step runs at once,
inside the caller, with the new task as ``asyncio.current_task()`` and in the task's own context. A call whose
agent has not awaited anything yet so costs no loop iteration, and an agent that answers without waiting (a
pass-through agent, an echo) completes inside ``quick_call``. Python 3.12 does exactly this with
``eager_start=True``; on 3.11 the same is built from asyncio's task-switching functions (``_enter_task`` and
``_leave_task``, which asyncio itself uses for every step; 3.12's own eager start is not used because it runs the
first step before the task's owner can register it). Agent code that runs before its first ``await`` thus
sees what it would see in a task: its own current task (so ``asyncio.timeout`` and ``TaskGroup`` bind to it), its
own copy of the context variables, cancellation delivered at its first suspension.
"""

from __future__ import annotations

import asyncio
import collections.abc
import contextvars
import logging
from collections.abc import Callable, Coroutine, Generator
from typing import Any, Protocol

__all__ = ["EAGER", "Host", "Scope", "start_task"]

log = logging.getLogger("agentforum_nb")

_enter_task: Callable[[asyncio.AbstractEventLoop, Any], None] | None = getattr(asyncio.tasks, "_enter_task", None)
_leave_task: Callable[[asyncio.AbstractEventLoop, Any], None] | None = getattr(asyncio.tasks, "_leave_task", None)
#: whether tasks start eagerly here (asyncio's task-switching functions exist, as in CPython 3.11 to 3.14)
EAGER = _enter_task is not None and _leave_task is not None
_MAX_EAGER_DEPTH = 40  # eager steps nested inside eager steps (agents calling agents): beyond, schedule normally
_depth = 0

_NOT_RUN, _YIELDED, _RETURNED, _RAISED, _RUNNING = range(5)


class _AfterFirstStep(collections.abc.Coroutine):  # type: ignore[type-arg]
    """Wraps a coroutine whose first step may already have run (eagerly): hands the task what that step produced
    (the future it waits on, its return value or its exception), then drives the coroutine as usual."""

    __slots__ = ("_coro", "_state", "_value")

    def __init__(self, coro: Coroutine[Any, Any, Any]) -> None:
        self._coro = coro
        self._state = _NOT_RUN
        self._value: Any = None

    def first_step(self) -> None:
        try:
            self._value = self._coro.send(None)
            self._state = _YIELDED
        except StopIteration as stop:
            self._value = stop.value
            self._state = _RETURNED
        except BaseException as exc:
            self._value = exc
            self._state = _RAISED

    @property
    def ended_in_first_step(self) -> bool:
        return self._state is _RETURNED or self._state is _RAISED

    def send(self, value: Any) -> Any:
        state = self._state
        if state is _RUNNING or state is _NOT_RUN:
            self._state = _RUNNING
            return self._coro.send(value)
        self._state = _RUNNING
        v, self._value = self._value, None
        if state is _YIELDED:
            return v
        if state is _RETURNED:
            raise StopIteration(v)
        raise v

    def throw(self, typ: Any, val: Any = None, tb: Any = None) -> Any:
        state = self._state
        if state is _RETURNED or state is _RAISED:
            return self.send(None)  # finished before the cancellation could reach it: keep its outcome
        self._state = _RUNNING
        self._value = None
        if val is None:
            return self._coro.throw(typ)
        return self._coro.throw(typ, val, tb)  # pragma: no cover - asyncio throws an instance

    def close(self) -> None:
        self._value = None
        self._coro.close()

    def __await__(self) -> Generator[Any, None, Any]:  # pragma: no cover - tasks call send/throw
        return self._coro.__await__()


def start_task(
    loop: asyncio.AbstractEventLoop,
    coro: Coroutine[Any, Any, Any],
    context: contextvars.Context,
    register: Callable[[asyncio.Task[Any]], None] | None = None,
) -> tuple[asyncio.Task[Any], bool]:
    """A task of ``loop`` running ``coro`` in ``context``, whose first step has already run (see the module doc),
    and whether ``coro`` already ended in that step (the task then only hands over its outcome when it runs).

    ``register(task)`` is called once the task exists and before its first step, so that its owner can cancel
    it from inside that step."""
    global _depth
    if not EAGER or _depth >= _MAX_EAGER_DEPTH:  # (``loop`` is the running loop: spawn() checked)
        task = loop.create_task(coro, context=context)
        if register is not None:
            register(task)
        return task, False
    wrapper = _AfterFirstStep(coro)
    task = loop.create_task(wrapper, context=context)  # its first scheduled step hands over what ran below
    if register is not None:
        register(task)
    assert _enter_task is not None and _leave_task is not None
    prev = asyncio.current_task(loop)
    if prev is not None:
        _leave_task(loop, prev)
    _enter_task(loop, task)
    _depth += 1
    try:
        context.run(wrapper.first_step)
    finally:
        _depth -= 1
        _leave_task(loop, task)
        if prev is not None:
            _enter_task(loop, prev)
    return task, wrapper.ended_in_first_step


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


class Cancellable(Protocol):
    def cancel(self) -> None: ...


class Scope:
    """Owns tasks and child scopes; see the module docstring.

    ``owner``: what cancelling this scope from its parent means (an agent call's ``cancel()``, which may only
    detach the call from a run it shares); without one, :meth:`cancel`. ``on_finished`` is called once, when the
    scope has finished.
    """

    __slots__ = ("parent", "owner", "tasks", "children", "cancelled", "work_done", "finished", "on_finished")

    def __init__(self, parent: Scope | None, owner: Cancellable | None = None) -> None:
        self.parent = parent
        self.owner = owner
        self.tasks: set[asyncio.Task[Any]] | None = None
        self.children: set[Scope] | None = None
        self.cancelled = False
        self.work_done = False
        self.finished = False
        self.on_finished: Callable[[], None] | None = None
        if parent is not None:
            if parent.children is None:
                parent.children = {self}
            else:
                parent.children.add(self)
            if parent.cancelled:
                self.cancelled = True  # made inside a cancelled scope: cancelled from the start

    # -- tasks ------------------------------------------------------------------------------------------------
    def spawn(self, coro: Coroutine[Any, Any, Any], context: contextvars.Context) -> bool | None:
        """Start ``coro`` as a task owned by this scope (eagerly). Returns whether it is still running after its
        first step (``False``: it already ended), or ``None`` (and ``coro`` is closed) when the scope is cancelled
        or there is no running loop."""
        loop = _running_loop()
        if self.cancelled or loop is None:
            coro.close()
            return None
        task, ended = start_task(loop, coro, context, self._register)
        if ended:
            # its coroutine already ended: nothing is left to cancel or wait for, so the scope lets go of it now
            # (and with it of everything the run holds); the task only hands over the outcome, read on its own
            self.tasks.discard(task)  # type: ignore[union-attr]
            task.remove_done_callback(self._task_done)
            task.add_done_callback(_read_outcome)
            self.maybe_finish()
            return False
        return True

    def _register(self, task: asyncio.Task[Any]) -> None:
        if self.tasks is None:
            self.tasks = {task}
        else:
            self.tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
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
        cb, self.on_finished = self.on_finished, None
        if cb is not None:
            cb()
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
