"""The notebooks in notebooks/ run top to bottom (offline: scripted models) in a real Jupyter kernel."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, monkeypatch):
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, errors
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert text  # the notebook printed what it streamed


def test_notebooks_exist():
    assert {p.stem for p in NOTEBOOKS} >= {"quickstart", "branching", "multi_agent"}


@pytest.mark.slow
def test_a_question_asked_while_a_cell_runs_says_the_widgets_must_wait(tmp_path):
    """In a real kernel: a cell that awaits a call whose agent asks is told (in its own output and in the
    TreeView's notice) that widget answers wait for the cell; code can still answer."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import asyncio, agentforum_nb as af\n"
            "forum = af.Forum()\n"
            "@af.agent\n"
            "async def planner(ctx):\n"
            "    answer = await ctx.ask('Which city?', choices=['Paris', 'Rome'])\n"
            "    ctx.respond(f'Planning {answer.content}')\n"
            "tree = af.TreeView(forum)\n"
            "tree"
        ),
        nbformat.v4.new_code_cell(
            "asked = asyncio.Event()\n"
            "forum.subscribe(lambda ev: ev.kind == 'annotated' and 'awaiting' in ev.annotations and asked.set())\n"
            "async def answer_from_code():\n"
            "    await asked.wait()\n"
            "    forum.post('Rome', parent=forum.questions()[0])\n"
            "helper = asyncio.ensure_future(answer_from_code())\n"
            "msgs = await planner.quick_call('Plan a trip', forum=forum)\n"
            "await helper\n"
            "print(msgs[-1].content, '|', tree.notice[:40])"
        ),
    ]
    client = NotebookClient(nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    outputs = nb.cells[1].outputs
    stderr = "".join(o.get("text", "") for o in outputs if o.get("name") == "stderr")
    stdout = "".join(o.get("text", "") for o in outputs if o.get("name") == "stdout")
    assert "planner asks 'Which city?' and waits for your answer, but a cell is still running" in stderr
    assert stdout.startswith("Planning Rome | planner asks 'Which city?'")
