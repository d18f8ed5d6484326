"""``@af.agent``: turn an ``async def`` function into an agent that can be called concurrently."""

from __future__ import annotations

import inspect
import warnings
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, overload

from .calls import AgentCall
from .errors import UsageError
from .fingerprint import VersionWarning, code_fingerprint

if TYPE_CHECKING:  # pragma: no cover
    from .forum import Forum
    from .streams import MessageSequence

__all__ = ["Agent", "agent", "code_fingerprint", "live_agent"]

#: the agents alive in this process, by (name, version): the latest one made for each (what a replay calls again)
_LIVE: weakref.WeakValueDictionary[tuple[str, str], Agent] = weakref.WeakValueDictionary()


def live_agent(name: str, version: str) -> Agent | None:
    """The agent of this process with this name and version (the latest made), if it is alive."""
    return _LIVE.get((name, version))


class Agent:
    """An agent: an ``async def fn(ctx, **kwargs)`` with a name, a cache policy and a version.

    ``agent.call(...)`` and ``agent.quick_call(...)`` return at once; the function runs as a task.
    """

    def __init__(
        self, fn: Callable[..., Any], *, name: str | None = None, cache: bool = True, version: str | None = None
    ) -> None:
        if not inspect.iscoroutinefunction(fn):
            what = "an async generator function" if inspect.isasyncgenfunction(fn) else type(fn).__name__
            raise UsageError(
                f"@af.agent needs an `async def` function taking (ctx, **kwargs), got {what} "
                f"{getattr(fn, '__qualname__', fn)!r}; respond with ctx.respond(...) instead of "
                f"returning or yielding"
            )
        if name is None:
            name = fn.__name__
        if not isinstance(name, str) or not name:
            raise UsageError(f"agent name must be a non-empty str, not {name!r}")
        try:
            name.encode("utf-8")
        except UnicodeEncodeError:
            raise UsageError(f"agent name {name!r} contains a lone surrogate; pick a name that is valid text") from None
        if name == "user":
            raise UsageError("'user' is reserved for messages posted from outside any agent; pick another name")
        if not isinstance(cache, bool):
            raise UsageError(f"cache must be True or False, not {cache!r}")
        if version is not None and not isinstance(version, str):
            raise UsageError(f"version must be a str, not {type(version).__name__}")
        self.fn = fn
        self.name = name
        self.cache = cache
        if version is None:
            if cache:
                version = code_fingerprint(fn)
            else:  # its version keys no cache entry unless a call asks for caching: no warning about it
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", VersionWarning)
                    version = code_fingerprint(fn)
        self.version = version
        self.__doc__ = fn.__doc__
        self.__wrapped__ = fn
        _LIVE[(name, version)] = self

    def call(
        self,
        *,
        forum: Forum | None = None,
        branch: Any = None,
        cache: bool | None = None,
        sample: int = 0,
        **kwargs: Any,
    ) -> AgentCall:
        """Start a call; send requests with ``.send(...)`` and close it with ``.finish()``.

        ``sample`` (reserved, not passed to the function; the agent reads ``ctx.sample``) asks for another answer
        to the same branch: each sample is a cache entry of its own, sample 0 keyed exactly as a call without it.
        """
        return AgentCall(self, forum=forum, branch=branch, cache=cache, kwargs=kwargs, sample=sample)

    def quick_call(
        self,
        *requests: Any,
        forum: Forum | None = None,
        branch: Any = None,
        cache: bool | None = None,
        sample: int = 0,
        **kwargs: Any,
    ) -> MessageSequence:
        """``call(...).send(*requests).finish()``: the responses, as a :class:`MessageSequence`."""
        call = AgentCall(self, forum=forum, branch=branch, cache=cache, kwargs=kwargs, sample=sample, _autostart=False)
        seq = call.send(*requests).finish()
        call.start()
        return seq

    def samples(
        self,
        *requests: Any,
        n: int,
        forum: Forum | None = None,
        branch: Any = None,
        cache: bool | None = None,
        **kwargs: Any,
    ) -> list[MessageSequence]:
        """``n`` calls with samples ``0 .. n-1``, all started at once: they stream concurrently. The requests are
        placed once, by the usual rules, and shared (every sample answers the same branch)."""
        if type(n) is not int or n < 1:
            raise UsageError(f"samples() needs n, a number of samples >= 1, not {n!r}")
        first = AgentCall(self, forum=forum, branch=branch, cache=cache, kwargs=kwargs, sample=0, _autostart=False)
        first.send(*requests).finish()
        placed = first.placed_requests()  # what the first call places, as it places it
        out = [first.responses]
        first.start()
        for k in range(1, n):
            call = AgentCall(
                self, forum=first.forum, branch=branch, cache=cache, kwargs=kwargs, sample=k, _autostart=False
            )
            call.send(placed).finish()
            call.start()
            out.append(call.responses)
        return out

    __call__ = quick_call

    def __repr__(self) -> str:
        return f"<Agent {self.name!r} version={self.version!r}{'' if self.cache else ' cache=False'}>"


@overload
def agent(
    fn: Callable[..., Any], *, name: str | None = None, cache: bool = True, version: str | None = None
) -> Agent: ...
@overload
def agent(
    fn: None = None, *, name: str | None = None, cache: bool = True, version: str | None = None
) -> Callable[[Callable[..., Any]], Agent]: ...
def agent(
    fn: Callable[..., Any] | None = None, *, name: str | None = None, cache: bool = True, version: str | None = None
) -> Agent | Callable[[Callable[..., Any]], Agent]:
    """Decorator: ``@af.agent`` or ``@af.agent(name=..., cache=..., version=...)``."""
    if fn is None:
        return lambda f: Agent(f, name=name, cache=cache, version=version)
    if not callable(fn):
        raise UsageError("use @af.agent or @af.agent(name=..., cache=..., version=...) with keyword arguments")
    return Agent(fn, name=name, cache=cache, version=version)
