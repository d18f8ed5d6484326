"""The TreeView's prototyping features in a real browser (JupyterLab 4 + headless Debian Chromium via Playwright),
API.md sections 8-12: badges and the details pane's annotations, the search box, Shift-click compare, regenerate
with a count, edit, answering a question (ctx.ask); then the same forum exported with forum.to_html and opened
from a file:// URL: read a node's full text and annotations, search, and a message full of HTML stays text.

Nodes are clicked with the mouse at their coordinates; every step waits for a condition, never for a time.
Screenshots go to artifacts/ (or $AGENTFORUM_ARTIFACTS).
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path

import pytest

from .browser_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    KERNEL_IDLE,
    JupyterLab,
    browser_available,
    kernel_eval,
    write_notebook,
)
from .test_browser import artifacts, centre_of, open_and_run

reason = browser_available()
if reason and os.environ.get("AGENTFORUM_REQUIRE_BROWSER"):
    raise RuntimeError(f"AGENTFORUM_REQUIRE_BROWSER is set but {reason}")
pytestmark = [pytest.mark.browser, pytest.mark.skipif(reason is not None, reason=reason or "")]

XSS = "</script><img src=x onerror=\"window.__xss=1;alert('xss')\"> and <b>bold</b>"
LONG = "Packing list: " + "sunscreen, comfortable shoes, a light jacket; " * 8 + "THE END OF THE LIST"

CELLS = [
    "import agentforum_nb as af\n"
    "forum = af.Forum()\n"
    "root = forum.post('Plan a weekend in Lisbon')\n"
    "def guide_fn(messages, sample=0):\n"
    "    return (f'Plan {sample}: for {messages[-1].content!r}, walk the Alfama at dawn'\n"
    "            f' and take tram {28 + sample} to Belém.')\n"
    "guide = af.function_agent('guide', guide_fn)\n"
    "@af.agent\n"
    "async def planner(ctx):\n"
    "    answer = await ctx.ask('Book the 9:40 flight to Lisbon?', choices=['yes', 'no'])\n"
    "    ctx.respond(f'Booking confirmed: {answer.content}')\n"
    "question = forum.post('What should we see?', parent=root)\n"
    "(first,) = await guide.quick_call(question, forum=forum)\n"
    f"xss = forum.post({XSS!r}, parent=root)\n"
    f"packing = forum.post({LONG!r}, parent=root)\n"
    "tv = af.TreeView(forum, agents=[guide, planner])\n"
    "tv.layout.height = '640px'\n"
    "tv",
]

#: how many stored messages the first TreeView of the page draws (tree.js exposes its structure on its element;
#: keys of answers still streaming start with "~")
STORED = "document.querySelector('.af-tree').afTree.structure().nodes.filter((k) => !k.startsWith('~')).length"


def selected(key: str) -> str:
    return f"() => !!document.querySelector('g.af-node.af-selected[data-key=\"{key}\"]')"


def click_node(page, key: str, *, shift: bool = False) -> None:
    """Fit the tree in view, then click the node with the mouse at its centre."""
    page.click(".af-tree .af-toolbar button[data-action=fit]")
    node = page.locator(f'.af-tree g.af-node[data-key="{key}"]')
    node.wait_for()
    x, y = centre_of(node.locator(":scope > rect").bounding_box())
    if shift:
        page.keyboard.down("Shift")
    page.mouse.click(x, y)
    if shift:
        page.keyboard.up("Shift")


def ids(connection, code: str) -> dict:
    return json.loads(kernel_eval(connection, f"import json\nprint(json.dumps({code}))"))


def test_prototyping_in_jupyterlab_and_the_exported_file():
    from playwright.sync_api import sync_playwright

    out = artifacts()
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        write_notebook(folder / "proto.ipynb", CELLS)
        lab = JupyterLab(folder)
        try:
            with sync_playwright() as p:
                ctx = p.chromium.launch_persistent_context(
                    tempfile.mkdtemp(),
                    executable_path=CHROMIUM,
                    headless=True,
                    args=CHROMIUM_ARGS,
                    viewport={"width": 1400, "height": 1000},
                )
                dialogs: list[str] = []
                ctx.on("page", lambda pg: pg.on("dialog", lambda dlg: (dialogs.append(dlg.message), dlg.dismiss())))
                page = ctx.new_page()
                try:
                    known = in_jupyterlab(page, lab, folder, out, dialogs)
                    export(ctx, folder / "tree.html", known, out, dialogs)
                except Exception:
                    page.screenshot(path=str(out / "proto-FAILED.png"), full_page=True)
                    raise
                finally:
                    ctx.close()
        finally:
            lab.stop()


def in_jupyterlab(page, lab: JupyterLab, folder: Path, out: Path, dialogs: list[str]) -> dict:
    """The steps in JupyterLab; returns the ids the export checks."""
    open_and_run(page, lab, "proto.ipynb")
    page.locator(".af-tree g.af-node").first.wait_for(timeout=90_000)
    page.wait_for_function(KERNEL_IDLE, timeout=90_000)
    connection = lab.kernel_connection_files()[-1]
    known = ids(connection, "dict(root=root.id, question=question.id, first=first.id, xss=xss.id, packing=packing.id)")
    tree = page.locator(".af-tree").first
    tree.scroll_into_view_if_needed()
    page.wait_for_function(f"() => {STORED} === 5")

    # -- badges: the answer shows its duration, tokens and model ------------------------------------
    first_pills = tree.locator(f'g.af-node[data-key="{known["first"]}"] .af-pill text').all_text_contents()
    assert any(t.endswith(" s") for t in first_pills) and "1 tok" in first_pills, first_pills
    assert "ƒ guide_fn" in first_pills, first_pills
    # the message full of HTML is text, nothing ran, nothing was injected
    xss_text = tree.locator(f'g.af-node[data-key="{known["xss"]}"] text.af-snippet').first.text_content()
    assert "<img" in xss_text, xss_text

    # -- click a node, edit its label in the details pane by typing -----------------------------------
    click_node(page, known["root"])
    page.wait_for_function(selected(known["root"]))
    label = tree.locator(".af-details .af-annot input[name=label]")
    label.wait_for()
    label.click()
    page.keyboard.type("trip idea")
    page.keyboard.press("Enter")
    # the kernel stored it and sent the node back: its label tag is drawn
    tree.locator(f'g.af-node[data-key="{known["root"]}"] .af-pill-label').wait_for(timeout=30_000)
    notes = kernel_eval(connection, "print(dict(forum.annotations(root)).get('label'))").strip()
    assert notes == "trip idea", notes
    tree.locator(".af-details .af-annot-status", has_text="saved").wait_for()
    dts = tree.locator(".af-details dl.af-annots dt").all_text_contents()
    assert "created_at" in dts and "label" in dts, dts
    assert tree.locator(".af-details .af-totals").text_content().startswith("5 messages")
    tree.screenshot(path=str(out / "proto-label.png"))

    # -- regenerate with a count of 3: three new sibling answers --------------------------------------
    click_node(page, known["first"])
    page.wait_for_function(selected(known["first"]))
    tree.locator("input.af-count").fill("3")
    tree.locator("button[data-action=regenerate]").click()
    page.wait_for_function(f"() => {STORED} === 8", timeout=60_000)
    page.wait_for_function(KERNEL_IDLE, timeout=60_000)
    answers = ids(connection, "[(m.id, m.content) for m in forum.children(question)]")
    assert [c[:7] for _, c in answers] == ["Plan 0:", "Plan 1:", "Plan 2:", "Plan 3:"], answers
    plan = {c[:6]: i for i, c in answers}

    # -- search: type, Enter selects and centres the first match, the count shows -------------------
    box = tree.locator("input.af-search")
    box.click()
    page.keyboard.type("alfama")
    page.keyboard.press("Enter")
    count = tree.locator(".af-search-count")
    page.wait_for_function(
        "() => document.querySelector('.af-tree .af-search-count').textContent === '1 of 4 matches'",
        timeout=30_000,
    )
    page.wait_for_function(selected(plan["Plan 0"]))
    assert tree.locator("g.af-node.af-match").count() == 4
    page.keyboard.press("Enter")
    page.wait_for_function(selected(plan["Plan 1"]))
    assert count.text_content() == "2 of 4 matches"
    page.wait_for_function(
        "() => document.querySelector('.af-tree .af-details .af-content')?.textContent.startsWith('Plan 1')"
    )
    assert kernel_eval(connection, "print(tv.selected_id)").strip() == plan["Plan 1"]
    tree.screenshot(path=str(out / "proto-search.png"))
    page.keyboard.press("Escape")
    page.wait_for_function("() => !document.querySelector('.af-tree g.af-node.af-match')")

    # -- Shift-click a second node: the two branches side by side, with the word diff -----------------
    click_node(page, plan["Plan 0"])
    page.wait_for_function(selected(plan["Plan 0"]))
    click_node(page, plan["Plan 2"], shift=True)
    panel = tree.locator(".af-compare")
    panel.wait_for(state="visible", timeout=30_000)
    assert tree.locator(".af-cmp-rows .af-cmp-left del").all_text_contents() == ["0", "28"]
    assert tree.locator(".af-cmp-rows .af-cmp-right ins").all_text_contents() == ["2", "30"]
    left = tree.locator(".af-cmp-rows .af-cmp-left .af-cmp-text").text_content()
    assert left.startswith("Plan 0: for 'What should we see?'"), left
    assert tree.locator(".af-cmp-rows .af-cmp-sender").all_text_contents() == ["guide", "guide"]
    totals = tree.locator(".af-cmp-totals").all_text_contents()
    assert all(t.startswith("1 message · ") and t.endswith("1 token") for t in totals), totals
    heads = kernel_eval(connection, "print(tv.comparison['left']['head'], tv.comparison['right']['head'])")
    assert heads.split() == [plan["Plan 0"], plan["Plan 2"]]
    assert kernel_eval(connection, "print(tv.selected_id)").strip() == plan["Plan 0"]
    tree.screenshot(path=str(out / "proto-compare.png"))
    tree.locator(".af-cmp-close").click()
    panel.wait_for(state="hidden")
    assert kernel_eval(connection, "print(tv.comparison)").strip() == "{}"

    # -- edit a message: a sibling with the new text, and the agent's new answer under it -------------
    click_node(page, known["question"])
    page.wait_for_function(selected(known["question"]))
    tree.locator("button[data-action=edit]").click()
    editor = tree.locator(".af-editor textarea")
    editor.wait_for()
    assert editor.input_value() == "What should we see?"
    editor.fill("What should we eat?")
    tree.locator(".af-editor-save").click()
    page.wait_for_function(f"() => {STORED} === 10", timeout=60_000)
    page.wait_for_function(KERNEL_IDLE, timeout=60_000)
    edited = ids(
        connection,
        "[(m.id, m.content, dict(forum.annotations(m)).get('edited_from'),"
        " [k.content for k in forum.children(m)]) for m in forum.children(root)"
        " if m.content == 'What should we eat?']",
    )
    ((edit_id, _, edited_from, kids),) = edited
    assert edited_from == known["question"]
    assert kids == ["Plan 0: for 'What should we eat?', walk the Alfama at dawn and take tram 28 to Belém."]
    page.wait_for_function(selected(edit_id))
    tree.screenshot(path=str(out / "proto-edit.png"))

    # -- a question (ctx.ask): marked in the tree, answered with a choice button, while a cell awaits the
    # call (JupyterLab hands widget messages to a kernel subshell thread; the widget passes them to the loop)
    waiting_cell: dict[str, object] = {}

    def run_awaiting_cell() -> None:
        try:
            waiting_cell["out"] = kernel_eval(
                connection,
                "went_on = await planner.quick_call('Book our flights', forum=forum, branch=root)\n"
                "print([m.content for m in went_on])",
                timeout=120,
            ).strip()
        except Exception as exc:  # reported by the assertion below
            waiting_cell["out"] = repr(exc)

    cell = threading.Thread(target=run_awaiting_cell, name="awaiting-cell")
    cell.start()
    awaiting = tree.locator("g.af-node.af-awaiting")
    awaiting.wait_for(timeout=30_000)
    q_id = awaiting.get_attribute("data-key")
    assert tree.locator(f'g.af-node[data-key="{q_id}"] .af-pill-ask text').text_content() == "?"
    click_node(page, q_id)
    choice = tree.locator('.af-details .af-ask-choice[data-choice="yes"]')
    choice.wait_for(timeout=30_000)
    tree.screenshot(path=str(out / "proto-question.png"))
    choice.click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.af-tree g.af-node .af-snippet')]"
        ".some((t) => t.textContent.includes('Booking confirmed: yes'))",
        timeout=30_000,
    )
    cell.join(timeout=120)
    went_on = waiting_cell.get("out")
    assert went_on == "['Book the 9:40 flight to Lisbon?', 'Booking confirmed: yes']", went_on
    page.wait_for_function(
        "() => !document.querySelector('.af-tree g.af-node.af-awaiting') && !document.querySelector('.af-tree .af-ask')"
    )
    assert kernel_eval(connection, "print(repr(tv.error))").strip() == "''"
    assert page.evaluate("() => window.__xss === undefined") and not dialogs
    assert page.evaluate("() => document.querySelectorAll('.af-tree img, .af-tree script').length") == 0
    page.click(".af-tree .af-toolbar button[data-action=fit]")
    tree.screenshot(path=str(out / "proto-jupyterlab.png"))

    # -- the exported file, opened from disk: no kernel ------------------------------------------------
    kernel_eval(
        connection,
        f"forum.annotate(packing, note='for both of us', score=4)\nforum.to_html({str(folder / 'tree.html')!r})",
    )
    return known


def export(ctx, path: Path, known: dict, out: Path, dialogs: list[str]) -> None:
    page = ctx.new_page()
    try:
        page.goto(path.as_uri())
        page.locator("g.af-node").first.wait_for(timeout=30_000)
        # read-only: what needs a kernel is hidden; the tree fills the window's height
        assert not page.locator("button[data-action=branch]").is_visible()
        assert not page.locator("button[data-action=regenerate]").is_visible()
        assert not page.locator("button[data-action=edit]").is_visible()
        assert page.locator("button[data-action=checkout]").is_visible()
        height = page.locator(".af-tree").bounding_box()["height"]
        assert abs(height - 1000) <= 2, height
        # click a node: its whole text (past the 200-character snippet) and all its annotations
        click_node(page, known["packing"])
        page.wait_for_function(selected(known["packing"]))
        content = page.locator(".af-details pre.af-content")
        content.wait_for()
        assert content.text_content() == LONG
        rows = dict(
            zip(
                page.locator(".af-details dl.af-annots dt").all_text_contents(),
                page.locator(".af-details dl.af-annots dd").all_text_contents(),
                strict=True,
            )
        )
        assert rows["note"] == "for both of us" and rows["score"] == "4" and "created_at" in rows, rows
        assert page.locator(".af-details .af-annot").count() == 0  # no editing without a kernel
        # the root's label, typed in JupyterLab, is in the file
        assert page.locator(f'g.af-node[data-key="{known["root"]}"] .af-pill-label text').text_content() == "trip idea"
        # search
        page.locator("input.af-search").click()
        page.keyboard.type("tram")
        page.keyboard.press("Enter")
        page.wait_for_function(
            "() => document.querySelector('.af-search-count').textContent === '1 of 5 matches'", timeout=10_000
        )
        assert page.locator("g.af-node.af-match").count() == 5
        page.wait_for_function("() => document.querySelector('g.af-node.af-selected.af-match')")
        # the message full of HTML renders as plain text
        xss = page.locator(f'g.af-node[data-key="{known["xss"]}"] text.af-snippet').first.text_content()
        assert xss.startswith("</script><img src=x"), xss
        assert page.evaluate("() => window.__xss === undefined")
        assert page.evaluate("() => document.querySelectorAll('img, b').length") == 0
        assert not dialogs, dialogs
        page.screenshot(path=str(out / "proto-export.png"))
    finally:
        page.close()
