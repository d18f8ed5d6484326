from __future__ import annotations

import asyncio
import os

import pytest

import agentforum_nb as af

from . import pg_server as _pg


@pytest.fixture(autouse=True, scope="session")
def _no_real_model_requests():
    """No test reaches a real provider: model requests go only to servers on 127.0.0.1 (as pydantic-ai's tests
    set ALLOW_MODEL_REQUESTS = False)."""
    from agentforum_nb.models import base

    base.ALLOW_MODEL_REQUESTS = False
    yield
    base.ALLOW_MODEL_REQUESTS = True


@pytest.fixture
async def forum():
    f = af.Forum()
    yield f
    await f.aclose()
    leftover = [t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not _asyncgen_finalizer(t)]
    assert not leftover, f"tasks left running after aclose(): {leftover}"


def _asyncgen_finalizer(task: asyncio.Task) -> bool:
    """A task of asyncio's own that closes a third-party async generator dropped mid-iteration (the openai SDK
    leaves its SSE decoder's generators to the garbage collector after [DONE]); never one of the library's."""
    return type(task.get_coro()).__name__ == "async_generator_athrow"


class Gate:
    """An async token source that pauses after ``pause_after`` tokens until released (no sleeps)."""

    def __init__(self, tokens, pause_after: int | None = None, fail: BaseException | None = None) -> None:
        self.tokens = list(tokens)
        self.pause_after = pause_after
        self.fail = fail
        self.paused = asyncio.Event()
        self.release = asyncio.Event()
        self.closed = False

    async def stream(self):
        try:
            for i, tok in enumerate(self.tokens):
                if self.pause_after is not None and i == self.pause_after:
                    self.paused.set()
                    await self.release.wait()
                yield tok
            if self.fail is not None:
                if self.pause_after is not None and self.pause_after >= len(self.tokens):
                    self.paused.set()
                    await self.release.wait()
                raise self.fail
        finally:
            self.closed = True


@pytest.fixture
def gate():
    return Gate


# -- PostgreSQL: one throwaway server per test session (tests/pg_server.py) ------------------------------------


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server for this session, started on first use and stopped at the end. Skips the test when
    PostgreSQL (or psycopg) is not installed, unless AGENTFORUM_REQUIRE_POSTGRES=1, where it fails instead."""
    reason = _pg.missing_reason()
    if reason is not None:
        if os.environ.get("AGENTFORUM_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"AGENTFORUM_REQUIRE_POSTGRES=1 but {reason}")
        pytest.skip(reason)
    server = _pg.PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server):
    """The URL of a new, empty database on the session's server."""
    return pg_server.create_database()
