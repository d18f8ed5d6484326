"""The shipped notebooks in a real browser: notebooks/multi_agent.ipynb in JupyterLab 4 + headless Chromium.

Runs the notebook as it is shipped (a copy, in a temporary directory) and checks that its TreeView and ChatView
render side by side (their bounding boxes) with the critique loop drawn and transcribed. The screenshot goes to
artifacts/ (or $AGENTFORUM_ARTIFACTS); docs/img/multi_agent.png was copied from it by hand (a node selected: its branch
highlighted, the context listed in the details pane).
"""

from __future__ import annotations

import os
import shutil
import tempfile
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


def widget_cell() -> int:
    """The index of the notebook's cell that shows the widgets."""
    nb = nbformat.read(NOTEBOOKS / "multi_agent.ipynb", as_version=4)
    return next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "widgets.HBox" in c.source)


def test_multi_agent_notebook_shows_tree_and_chat_side_by_side(monkeypatch):
    from playwright.sync_api import sync_playwright

    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):  # the kernel inherits them: scripted models only
        monkeypatch.delenv(var, raising=False)
    with tempfile.TemporaryDirectory() as d:
        shutil.copy(NOTEBOOKS / "multi_agent.ipynb", Path(d) / "multi_agent.ipynb")
        lab = JupyterLab(Path(d))
        try:
            with sync_playwright() as p:
                ctx = p.chromium.launch_persistent_context(
                    tempfile.mkdtemp(),
                    executable_path=CHROMIUM,
                    headless=True,
                    args=CHROMIUM_ARGS,
                    viewport={"width": 1920, "height": 1100},
                )
                page = ctx.new_page()
                try:
                    open_and_run(page, lab, "multi_agent.ipynb")
                    page.wait_for_function(KERNEL_IDLE, timeout=90_000)
                    # JupyterLab draws only the cells near the view: bring the widgets' cell there
                    page.evaluate(
                        "(i) => window.jupyterapp.shell.currentWidget.content.scrollToItem(i, 'start')", widget_cell()
                    )
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

                    # side by side: one row, the tree on the left, each with a usable width
                    row = page.locator(".widget-hbox", has=tree)
                    row.scroll_into_view_if_needed()
                    t, c, r = tree.bounding_box(), chat.bounding_box(), row.bounding_box()
                    assert t["width"] >= 400 and c["width"] >= 300, (t, c)
                    assert t["x"] + t["width"] <= c["x"] + 1, (t, c)  # the chat starts where the tree ends
                    assert t["y"] < c["y"] + c["height"] and c["y"] < t["y"] + t["height"], (t, c)  # same row
                    assert c["x"] + c["width"] <= r["x"] + r["width"] + 1, (c, r)  # within the output
                    assert abs(t["width"] / c["width"] - 1.5) < 0.3, (t, c)  # flex 3 : 2
                    # a person selects the reviewer's second review: its branch (what the reviewer saw) is highlighted
                    # and listed in the details pane (docs/img/multi_agent.png shows this)
                    review = tree.locator("g.af-node", has_text="Concrete and memorable")
                    box = review.bounding_box()
                    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
                    tree.locator(".af-details .af-ctx-entry").nth(3).wait_for(timeout=30_000)
                    cell = page.locator(".jp-Cell", has=row)
                    cell.screenshot(path=str(artifacts() / "multi_agent-jupyterlab.png"))
                except Exception:
                    page.screenshot(path=str(artifacts() / "multi_agent-jupyterlab-FAILED.png"), full_page=True)
                    raise
                finally:
                    ctx.close()
        finally:
            lab.stop()
