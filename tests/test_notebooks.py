"""The notebooks in notebooks/ run top to bottom (offline: scripted models) in a real Jupyter kernel."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))

#: what Python prints on stderr for an exception that no cell raised (asyncio's "Exception in callback ...",
#: "Task exception was never retrieved", a logged exception): the cell itself ends without an error
TRACEBACK_MARKS = ("Traceback (most recent call last)", "Exception in callback", "exception was never retrieved")


def stderr_tracebacks(outputs) -> list[str]:
    """The stderr texts among a cell's (or notebook's) outputs that show a traceback."""
    texts = [o.get("text", "") for o in outputs if o.get("output_type") == "stream" and o.get("name") == "stderr"]
    return [t for t in texts if any(mark in t for mark in TRACEBACK_MARKS)]


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
    printed = stderr_tracebacks(o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert not printed, printed
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


#: the first of two cells sent at once (as JupyterLab's Run All does): run_sync while the kernel already holds the
#: second cell's request. ipykernel 7 makes a task per shell message, in one Context shared with this cell.
QUEUED_FIRST = """
import asyncio, agentforum_nb as af

async def next_request_queued():
    for _ in range(2000):  # bounded: the second request is sent right after this one
        if sum("shell_main" in repr(t) for t in asyncio.all_tasks()) >= 2:
            return "queued"
        await asyncio.sleep(0.005)
    return "not queued"

bot = af.scripted_agent("bot", ["hello"], delay=0.001)
print(af.run_sync(next_request_queued()), af.run_sync(bot.quick_call("hi", forum=af.Forum()))[-1].content)
"""


@pytest.mark.slow
def test_run_sync_in_a_cell_while_the_next_cell_is_queued(tmp_path):
    """Run All in JupyterLab: a cell using af.run_sync printed "cannot enter context" tracebacks (asyncio's
    "Exception in callback Task.__step()") and the queued next cell never ran."""
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3", cwd=str(tmp_path))
    try:
        first, second = kc.execute(QUEUED_FIRST), kc.execute("print('second cell ran')")
        replies = {}
        while len(replies) < 2:
            reply = kc.get_shell_msg(timeout=60)  # before the fix the second reply never came
            if reply["parent_header"].get("msg_id") in (first, second):  # not a late kernel_info reply
                replies[reply["parent_header"]["msg_id"]] = reply["content"]["status"]
        assert replies == {first: "ok", second: "ok"}
        outputs: dict[str, list[dict]] = {first: [], second: []}
        idle: set[str] = set()
        while idle != {first, second}:
            msg = kc.get_iopub_msg(timeout=30)
            parent = msg["parent_header"].get("msg_id")
            if parent not in outputs:
                continue
            if msg["msg_type"] == "stream":
                outputs[parent].append({"output_type": "stream", **msg["content"]})
            elif msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                idle.add(parent)
        stdout = ["".join(o["text"] for o in outputs[m] if o["name"] == "stdout") for m in (first, second)]
        assert stdout == ["queued hello\n", "second cell ran\n"], outputs
        assert not stderr_tracebacks(outputs[first]), outputs[first]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
