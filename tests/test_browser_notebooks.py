"""The shipped notebooks in a real browser: JupyterLab 4 + headless Chromium.

Runs each notebook as it is shipped (a copy, in a temporary directory) with JupyterLab's Run All:
- notebooks/multi_agent.ipynb: its TreeView and ChatView render side by side at 1400 x 900 (their bounding boxes)
  and stack when the page is narrower, with the critique loop drawn and transcribed. The screenshot goes to
  artifacts/ (or $AGENTFORUM_ARTIFACTS); docs/img/multi_agent.png was copied from it by hand (a review selected:
  its branch highlighted, what its agent saw listed in the details pane).
- notebooks/branching.ipynb: every cell runs, and no cell output holds a traceback (its `af.run_sync` cell printed
  "cannot enter context" tracebacks in JupyterLab, where nbclient showed none).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from .browser_support import CHROMIUM, CHROMIUM_ARGS, KERNEL_IDLE, JupyterLab, browser_available
from .test_browser import artifacts, open_and_run

reason = browser_available()
if reason and os.environ.get("AGENTFORUM_REQUIRE_BROWSER"):
    raise RuntimeError(f"AGENTFORUM_REQUIRE_BROWSER is set but {reason}")
pytestmark = [pytest.mark.browser, pytest.mark.skipif(reason is not None, reason=reason or "")]

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
QUESTION = "Write a slogan for agentforum_nb."

#: the notebook's cells as saved (code cells: execution_count, outputs), read from JupyterLab's model
CELLS = "() => window.jupyterapp.shell.currentWidget.content.model.toJSON().cells"
#: true once every code cell of the notebook has run (Run All) and the kernel is idle
ALL_RAN = (
    "() => { const w = window.jupyterapp.shell.currentWidget; const k = w.sessionContext.session.kernel;"
    " return k.status === 'idle' && w.content.model.toJSON().cells"
    ".every((c) => c.cell_type !== 'code' || c.execution_count !== null); }"
)
#: what a traceback looks like in a cell's output: a raised error, or one printed on stderr (asyncio's
#: "Exception in callback", a logged exception)
TRACEBACK_MARKS = ("Traceback (most recent call last)", "Exception in callback", "exception was never retrieved")


def widget_cell() -> int:
    """The index of the notebook's cell that shows the widgets."""
    nb = nbformat.read(NOTEBOOKS / "multi_agent.ipynb", as_version=4)
    return next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "widgets.HBox" in c.source)


@contextlib.contextmanager
def notebook_in_lab(name: str, viewport: dict[str, int], monkeypatch) -> Iterator:
    """A page of JupyterLab on a copy of notebooks/``name``, Run All started; a failing test leaves a screenshot."""
    from playwright.sync_api import sync_playwright

    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"):
        monkeypatch.delenv(var, raising=False)  # the kernel inherits them: scripted models only
    with tempfile.TemporaryDirectory() as d:
        shutil.copy(NOTEBOOKS / name, Path(d) / name)
        lab = JupyterLab(Path(d))
        try:
            with sync_playwright() as p:
                ctx = p.chromium.launch_persistent_context(
                    tempfile.mkdtemp(), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, viewport=viewport
                )
                page = ctx.new_page()
                try:
                    open_and_run(page, lab, name)
                    yield page
                except Exception:
                    shot = artifacts() / f"{Path(name).stem}-jupyterlab-FAILED.png"
                    page.screenshot(path=str(shot), full_page=True)
                    raise
                finally:
                    ctx.close()
        finally:
            lab.stop()


def test_branching_notebook_runs_in_jupyterlab_without_tracebacks(monkeypatch):
    with notebook_in_lab("branching.ipynb", {"width": 1400, "height": 900}, monkeypatch) as page:
        page.wait_for_function(ALL_RAN, timeout=120_000)
        cells = [c for c in page.evaluate(CELLS) if c["cell_type"] == "code"]
        outputs = [(i, o) for i, c in enumerate(cells) for o in c["outputs"]]
        errors = [(i, o["ename"], o["evalue"]) for i, o in outputs if o["output_type"] == "error"]
        assert not errors, errors

        def text(o) -> str:
            t = o.get("text", "")
            return t if isinstance(t, str) else "".join(t)

        printed = [(i, text(o)) for i, o in outputs if any(mark in text(o) for mark in TRACEBACK_MARKS)]
        assert not printed, printed
        # the last cell (af.run_sync from a plain function) printed its answer
        last = "".join(text(o) for o in cells[-1]["outputs"] if o.get("name") == "stdout")
        assert last.startswith("Try "), cells[-1]["outputs"]


def test_multi_agent_notebook_shows_tree_and_chat_side_by_side(monkeypatch):
    with notebook_in_lab("multi_agent.ipynb", {"width": 1400, "height": 900}, monkeypatch) as page:
        page.wait_for_function(KERNEL_IDLE, timeout=90_000)
        # JupyterLab draws only the cells near the view: bring the widgets' cell there
        page.evaluate("(i) => window.jupyterapp.shell.currentWidget.content.scrollToItem(i, 'start')", widget_cell())
        tree, chat = page.locator(".af-tree"), page.locator(".af-chat")
        tree.locator("g.af-node").first.wait_for(timeout=60_000)  # near enough to draw labelled nodes
        # everything the notebook ran is drawn; the chat shows the session's branch
        chat.locator(".af-chat-msg", has_text=QUESTION).wait_for(timeout=30_000)
        tree.locator("g.af-node", has_text="the pricing service").wait_for(timeout=30_000)
        tree.locator("g.af-node", has_text="word0").wait_for(timeout=30_000)  # the cancelled talk
        head = tree.locator("g.af-node.af-head")
        head.wait_for()
        rows = chat.locator(".af-chat-msg")
        # the chat ends at the tree's head (a forward is drawn in its original's node)
        position = "(t, key) => JSON.stringify(t.afTree.position(key))"
        last_key, head_key = rows.last.get_attribute("data-key"), head.get_attribute("data-key")
        assert tree.evaluate(position, last_key) == tree.evaluate(position, head_key) != "null"
        assert rows.count() >= 6  # the question, the drafts and the reviews
        assert tree.locator(".af-error-text").text_content() == ""
        assert not chat.locator(".af-chat-error").is_visible()
        assert page.locator(".af-host-notice").count() == 0  # the kernel answered both views

        # 1400 px wide, file browser open: one row, the tree on the left, each at least its flex basis
        row = page.locator(".widget-hbox", has=tree)
        row.scroll_into_view_if_needed()
        t, c, r = tree.bounding_box(), chat.bounding_box(), row.bounding_box()
        assert t["width"] >= 600 and c["width"] >= 320, (t, c)
        assert t["x"] + t["width"] <= c["x"] + 1, (t, c)  # the chat starts where the tree ends
        assert abs(t["y"] - c["y"]) < 1, (t, c)  # same row
        assert c["x"] + c["width"] <= r["x"] + r["width"] + 1, (c, r)  # within the output
        assert r["width"] - t["width"] - c["width"] < 20, (t, c, r)  # the row is filled (8 px gap)
        # the chat's buttons keep their words on one line at that width ("edit", not "ed" over "it")
        heights = chat.locator(".af-chat-top button").evaluate_all("(bs) => bs.map((b) => b.offsetHeight)")
        assert heights and max(heights) <= 24, heights
        # (the branch arrows' one line is checked where a chat has alternatives: test_browser_chat.py's debate)
        # a person selects the reviewer's second review: its branch (what the reviewer saw) is highlighted and
        # listed in the details pane (docs/img/multi_agent.png shows this)
        box = tree.locator("g.af-node", has_text="Concrete and memorable").bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        tree.locator(".af-details .af-ctx-entry").nth(3).wait_for(timeout=30_000)
        cell = page.locator(".jp-Cell", has=row)
        cell.screenshot(path=str(artifacts() / "multi_agent-jupyterlab.png"))

        # a little narrower (a scrollbar, a wider file browser) still fits one row: 600 + 8 + 360 px just filled it
        page.set_viewport_size({"width": 1380, "height": 900})
        page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
        t, c = tree.bounding_box(), chat.bounding_box()
        assert abs(t["y"] - c["y"]) < 1 and t["x"] + t["width"] <= c["x"] + 1, (t, c)

        # narrower: the chat goes below the tree, both as wide as the row
        page.set_viewport_size({"width": 1000, "height": 900})
        page.wait_for_function(
            "([t, c]) => t.getBoundingClientRect().bottom <= c.getBoundingClientRect().top",
            arg=[tree.element_handle(), chat.element_handle()],
            timeout=10_000,
        )
        t, c, r = tree.bounding_box(), chat.bounding_box(), row.bounding_box()
        assert abs(t["width"] - r["width"]) < 1 and abs(c["width"] - r["width"]) < 1, (t, c, r)
        assert abs(t["x"] - c["x"]) < 1, (t, c)
