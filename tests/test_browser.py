"""The TreeView in a real browser: JupyterLab 4 (and Notebook 7) + headless Debian Chromium via Playwright.

Opens a notebook, runs it, clicks a node, branches from it with a typed message, and checks in the kernel that
the new message and the agent's streamed answer are in the forum; a message full of HTML/JS must render as
text and run nothing. A screenshot is saved for humans (artifacts/, or $AGENTFORUM_ARTIFACTS).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

import agentforum_nb as af

from .browser_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    KERNEL_IDLE,
    JupyterLab,
    browser_available,
    kernel_eval,
    write_notebook,
)

reason = browser_available()
if reason and os.environ.get("AGENTFORUM_REQUIRE_BROWSER"):
    raise RuntimeError(f"AGENTFORUM_REQUIRE_BROWSER is set but {reason}")
pytestmark = [pytest.mark.browser, pytest.mark.skipif(reason is not None, reason=reason or "")]

XSS = (
    'Hi <img src=x onerror="window.__xss=1"> <script>window.__xss=2</script> '
    '<a href="javascript:window.__xss=3">click</a>'
)
ANSWER = "Streamed <b>answer</b> from the bot, token by token."
QUESTION = "Tell me more"

CELLS = [
    "import agentforum_nb as af\n"
    "forum = af.Forum()\n"
    f"root = forum.post({XSS!r})\n"
    f"bot = af.scripted_agent('bot', [{ANSWER!r}], delay=0.05)\n"
    "tv = af.TreeView(forum, agents=[bot])\n"
    "tv",
    "chat = af.ChatView(forum, head=tv)\nchat",
]


def artifacts() -> Path:
    d = Path(os.environ.get("AGENTFORUM_ARTIFACTS", Path(__file__).resolve().parent.parent / "artifacts"))
    d.mkdir(parents=True, exist_ok=True)
    return d


def open_and_run(page, lab: JupyterLab, name: str) -> None:
    if lab.app == "lab":
        page.goto(f"{lab.base}/lab/tree/{name}?token={lab.token}")
        page.wait_for_function(KERNEL_IDLE, timeout=90_000)
        page.evaluate("window.jupyterapp.commands.execute('runmenu:run-all')")
    else:
        page.goto(f"{lab.base}/notebooks/{name}?token={lab.token}")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
        page.wait_for_function(KERNEL_IDLE, timeout=90_000)
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")


def drive_tree_view(app: str, shot: str) -> None:
    from playwright.sync_api import sync_playwright

    root_id = af.Message(XSS).id
    question_id = af.Message(QUESTION, parent_id=root_id).id
    answer_id = af.Message(ANSWER, sender="bot", parent_id=question_id).id
    with tempfile.TemporaryDirectory() as d:
        write_notebook(Path(d) / "tree.ipynb", CELLS)
        lab = JupyterLab(Path(d), app=app)
        try:
            with sync_playwright() as p:
                ctx = p.chromium.launch_persistent_context(
                    tempfile.mkdtemp(),
                    executable_path=CHROMIUM,
                    headless=True,
                    args=CHROMIUM_ARGS,
                    viewport={"width": 1280, "height": 900},
                )
                try:
                    page = ctx.new_page()
                    open_and_run(page, lab, "tree.ipynb")
                    node = page.locator(f'g.af-node[data-key="{root_id}"]')
                    node.wait_for(timeout=60_000)
                    assert "<img" in node.locator("text.af-snippet").text_content()  # shown as text
                    node.click()
                    connection = lab.kernel_connection_files()[-1]
                    page.wait_for_function(
                        f"() => !!document.querySelector('g.af-node.af-selected[data-key=\"{root_id}\"]')"
                    )
                    page.fill(".af-toolbar input[type=text]", QUESTION)
                    page.click(".af-toolbar button[data-action=branch]")
                    # the answer streams into a pending node, then becomes the stored message
                    page.locator("g.af-node.af-streaming").first.wait_for(timeout=30_000)
                    page.locator(f'g.af-node[data-key="{answer_id}"]').wait_for(timeout=30_000)
                    page.locator(".af-chat", has_text="answer").first.wait_for(timeout=30_000)
                    out = kernel_eval(
                        connection,
                        (
                            f"m = forum.get({answer_id!r}); q = forum.get(m.parent_id)\n"
                            "print(tv.selected_id == root.id or tv.selected_id == q.id, q.content, q.parent_id == root.id,"  # noqa: E501
                            " m.sender, m.status, m.content, sep='|')"
                        ),
                    )
                    selected_ok, q_text, q_parent_ok, sender, status, content = out.strip().split("|")
                    assert selected_ok == "True" and q_text == QUESTION and q_parent_ok == "True"
                    assert (sender, status, content) == ("bot", "complete", ANSWER)
                    head = kernel_eval(connection, "print(tv.head_id)").strip()
                    assert head == answer_id  # the head followed the answer
                    # nothing from the message text was executed or turned into elements
                    assert page.evaluate("() => window.__xss === undefined")
                    assert (
                        page.evaluate(
                            "() => document.querySelectorAll('.af-tree img, .af-tree script, .af-chat img,"
                            " .af-chat script, .af-chat a').length"
                        )
                        == 0
                    )
                    # keyboard: up goes to the parent, Enter checks it out
                    page.locator(f'g.af-node[data-key="{answer_id}"]').click()
                    page.keyboard.press("ArrowUp")
                    page.keyboard.press("Enter")
                    page.wait_for_function(
                        f"() => !!document.querySelector('g.af-node.af-head[data-key=\"{question_id}\"]')"
                    )
                    assert kernel_eval(connection, "print(tv.head_id)").strip() == question_id
                    # the Graphviz layout: its 1.5 MB engine is sent by the kernel only when asked for
                    kernel_eval(connection, "tv.mode = 'graphviz'")
                    page.wait_for_function(
                        "() => !!document.querySelector('.af-tree svg[data-layout=graphviz]')", timeout=60_000
                    )
                    assert kernel_eval(connection, "print(repr(tv.error))").strip() == "''"
                    # export the current view as an SVG file from the browser
                    with page.expect_download() as download:
                        page.click(".af-toolbar button[data-action=export]")
                    svg_text = Path(download.value.path()).read_text()
                    assert svg_text.startswith("<svg") and "af-node" in svg_text and "<script" not in svg_text
                    page.screenshot(path=str(artifacts() / shot), full_page=True)
                finally:
                    ctx.close()
        finally:
            lab.stop()


def test_tree_view_in_jupyterlab():
    drive_tree_view("lab", "treeview-jupyterlab.png")


def test_tree_view_in_notebook7():
    drive_tree_view("notebook", "treeview-notebook7.png")
