"""Context variables shared by the forum and the runtime (which agent run is executing now)."""

from __future__ import annotations

import contextvars
from typing import Any

#: the ``Run`` of the agent whose code is executing in this task (None at top level)
current_run: contextvars.ContextVar[Any] = contextvars.ContextVar("agentforum_nb.current_run", default=None)


def current_sender() -> str:
    run = current_run.get()
    return "user" if run is None else run.agent.name
