"""Whether a notebook cell is running right now (IPython's ``pre_run_cell`` / ``post_run_cell`` events).

Unless the front end gives widgets a kernel subshell (JupyterLab 4 with ipykernel 7 does), Jupyter hands widget
messages to the kernel only between cells: while a cell runs (for example one that awaits a call whose agent asks
the user), a click in a widget waits. The widgets say so, until a click has come in on a subshell.
"""

from __future__ import annotations

import sys
from typing import Any

from ._loop import clicks_arrive_while_cells_run

__all__ = ["busy_cell_notice", "cell_running", "watch_cells"]

_state = {"registered": False, "running": 0}


def _pre(*_args: Any) -> None:
    _state["running"] = 1


def _post(*_args: Any) -> None:
    _state["running"] = 0


def watch_cells() -> bool:
    """Follow cell execution in the current IPython kernel (once); False outside IPython."""
    if _state["registered"]:
        return True
    ipython_module = sys.modules.get("IPython")
    shell = ipython_module.get_ipython() if ipython_module is not None else None
    if shell is None:
        return False
    shell.events.register("pre_run_cell", _pre)
    shell.events.register("post_run_cell", _post)
    _state["registered"] = True
    _state["running"] = 1  # widgets are made by a cell, which is running now; its post_run_cell clears this
    return True


def cell_running() -> bool:
    """True while a cell of this kernel executes (as far as IPython's events tell; False outside IPython)."""
    return bool(_state["running"])


_told: set[str] = set()


def busy_cell_notice(question_id: str, sender: str, text: str) -> str | None:
    """What to say, once per question, when an agent starts waiting for the user while a cell runs."""
    if not cell_running() or question_id in _told or clicks_arrive_while_cells_run():
        return None
    _told.add(question_id)
    return (
        f"{sender} asks {' '.join(text.split())[:80]!r} and waits for your answer, but a cell is still running, and"
        " unless this Jupyter gives widgets a kernel subshell (JupyterLab 4 with ipykernel 7 does), it hands widget"
        " clicks to the kernel only once the cell ends. If an answer in the widget does not go through and that cell"
        " awaits the call, interrupt it and display the sequence instead (seq = agent.quick_call(...); seq as the"
        " cell's last line), then answer in the widget; code can answer too: forum.post(answer, parent=question)."
    )
