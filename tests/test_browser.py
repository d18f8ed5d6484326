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
    artifacts,
    browser_available,
    kernel_eval,
    write_notebook,
)

#: resolves after the next two animation frames: a view change the widget applies in a frame is then on screen
NEXT_FRAMES = "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"

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
                    assert "<img" in node.locator("text.af-snippet").first.text_content()  # shown as text
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
                        page.click(".af-toolbar button[data-action=more]")  # the overflow menu
                        page.click(".af-toolbar button[data-action=export]")
                    svg_text = Path(download.value.path()).read_text()
                    assert svg_text.startswith("<svg") and "af-node" in svg_text and "<script" not in svg_text
                    page.screenshot(path=str(artifacts() / shot), full_page=True)
                except Exception:
                    page.screenshot(path=str(artifacts() / shot.replace(".png", "-FAILED.png")), full_page=True)
                    raise
                finally:
                    ctx.close()
        finally:
            lab.stop()


def test_tree_view_in_jupyterlab():
    drive_tree_view("lab", "treeview-jupyterlab.png")


def test_tree_view_in_notebook7():
    drive_tree_view("notebook", "treeview-notebook7.png")


# -- agents calling agents, drawn live; resizing, folded forwards, centring, jump to, a 2,000-node tree ----------

RESEARCH = "Facts: the sky looks blue because air scatters short blue wavelengths of sunlight far more than red ones."
CRITIQUE = "Critique: right about Rayleigh scattering, but it leaves out why the sky is not violet instead."
SUMMARY = "Summary: scattering makes the sky blue; our eyes explain why it is not violet."
ASK = "Why is the sky blue?"

NESTED_CELLS = [
    "import random, agentforum_nb as af\n"
    "forum = af.Forum()\n"
    "root = forum.post('Questions about the sky')\n"
    f"researcher = af.scripted_agent('researcher', [{RESEARCH!r}], delay=0.06)\n"
    f"critic = af.scripted_agent('critic', [{CRITIQUE!r}], delay=0.06)\n"
    f"summarizer = af.scripted_agent('summarizer', [{SUMMARY!r}], delay=0.06)\n"
    "@af.agent\n"
    "async def lead(ctx):\n"
    "    r = researcher.quick_call(ctx.requests); ctx.respond(r)\n"
    "    c = critic.quick_call(r); ctx.respond(c)\n"
    "    ctx.respond(summarizer.quick_call(c))\n"
    "tv = af.TreeView(forum, agents=[lead])\n"
    "tv",
    "big = af.Forum()\n"
    "rnd = random.Random(7)\n"
    "ids = [big.post('the first message of a big forum').id]\n"
    "for i in range(1, 2000):\n"
    "    ids.append(big.post(f'message {i}: ' + 'some words ' * rnd.randrange(1, 9),"
    " parent=ids[rnd.randrange(max(0, i - 40), i)], sender=rnd.choice(['user', 'alice', 'bob'])).id)\n"
    "tvbig = af.TreeView(big, head=ids[1500])\n"
    "tvbig",
]

#: the drawn structure of each TreeView on the page (tree.js exposes it on the widget's element for tests)
STRUCTURES = "() => [...document.querySelectorAll('.af-tree')].map((t) => t.afTree.structure())"


def centre_of(box: dict) -> tuple[float, float]:
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def drive_nested_tree(app: str, tag: str) -> None:
    from playwright.sync_api import sync_playwright

    out = artifacts()
    with tempfile.TemporaryDirectory() as d:
        write_notebook(Path(d) / "nested.ipynb", NESTED_CELLS)
        lab = JupyterLab(Path(d), app=app)
        try:
            with sync_playwright() as p:
                ctx = p.chromium.launch_persistent_context(
                    tempfile.mkdtemp(),
                    executable_path=CHROMIUM,
                    headless=True,
                    args=CHROMIUM_ARGS,
                    viewport={"width": 1400, "height": 1000},
                )
                try:
                    page = ctx.new_page()
                    open_and_run(page, lab, "nested.ipynb")
                    trees = page.locator(".af-tree")
                    page.wait_for_function("() => document.querySelectorAll('.af-tree').length >= 2", timeout=90_000)
                    page.wait_for_function(KERNEL_IDLE, timeout=90_000)
                    live, big = trees.nth(0), trees.nth(1)
                    connection = lab.kernel_connection_files()[-1]
                    root_id = kernel_eval(connection, "print(root.id)").strip()

                    # -- ask `lead` from the widget, as a person does; watch the tree while it streams ----------
                    live.scroll_into_view_if_needed()
                    node = live.locator(f'g.af-node[data-key="{root_id}"]')
                    node.wait_for()
                    page.mouse.click(*centre_of(node.bounding_box()))
                    live.locator("input.af-message").click()
                    page.keyboard.type(ASK)
                    # count the roots of the drawn tree after every update while the agents stream
                    page.evaluate(
                        "() => { const t = document.querySelectorAll('.af-tree')[0]; window.afRoots = [];"
                        " window.afStreams = 0; t.addEventListener('af-rendered', () => {"
                        " window.afRoots.push(t.afTree.structure().roots.length);"
                        " window.afStreams = Math.max(window.afStreams,"
                        " t.querySelectorAll('g.af-node.af-streaming').length); }); }"
                    )
                    page.keyboard.press("Enter")
                    live.locator("g.af-node.af-streaming").first.wait_for(timeout=30_000)
                    live.screenshot(path=str(out / f"treeview-nested-streaming-{tag}.png"))
                    # done: the three agents' answers and lead's forwards of them are stored
                    page.wait_for_function(
                        "() => { const t = document.querySelectorAll('.af-tree')[0];"
                        " return t.afTree.structure().nodes.length === 5"
                        " && !t.querySelector('g.af-node.af-streaming'); }",
                        timeout=60_000,
                    )
                    stored = kernel_eval(
                        connection,
                        "print(len(forum), sorted(m.sender for m in forum if m.kind == 'forward'), sep='|')",
                    ).strip()
                    assert stored == "8|['lead', 'lead', 'lead']", stored  # the summarizer got the critique itself
                    assert page.evaluate("() => window.afStreams") >= 1  # it was drawn while streaming
                    assert set(page.evaluate("() => window.afRoots")) == {1}, page.evaluate("() => window.afRoots")

                    # -- folded forwards: one chain question -> researcher -> critic -> summarizer ----------------
                    ids = dict(
                        line.split("=")
                        for line in kernel_eval(
                            connection,
                            "q = next(m for m in forum if m.content == " + repr(ASK) + ")\n"
                            "for who in ('researcher', 'critic', 'summarizer'):\n"
                            "    print(who + '=' + next(m.id for m in forum if m.sender == who))\n"
                            "print('question=' + q.id)",
                        ).split()
                    )
                    r_id, c_id, s_id, q_id = ids["researcher"], ids["critic"], ids["summarizer"], ids["question"]
                    live_structure = page.evaluate(STRUCTURES)[0]
                    assert live_structure["roots"] == [root_id]
                    assert live_structure["edges"] == sorted(
                        [f"{root_id}>{q_id}", f"{q_id}>{r_id}", f"{r_id}>{c_id}", f"{c_id}>{s_id}"]
                    ), live_structure
                    sender = live.locator(f'g.af-node[data-key="{r_id}"] text.af-sender').text_content()
                    assert sender == "researcher via lead", sender
                    live.locator("button[data-action=runs]").click()
                    live.locator(".af-span-label", has_text="lead · 3").wait_for()
                    live.screenshot(path=str(out / f"treeview-nested-runs-{tag}.png"))
                    live.locator("button[data-action=runs]").click()

                    # -- a fresh TreeView of the same forum draws the same tree -----------------------------------
                    page.evaluate(
                        "() => { const nb = window.jupyterapp.shell.currentWidget.content;"
                        " nb.activeCellIndex = nb.widgets.length - 1;"
                        " return window.jupyterapp.commands.execute('notebook:insert-cell-below'); }"
                    )
                    page.wait_for_function("() => document.querySelectorAll('.jp-Notebook .jp-Cell').length >= 3")
                    editor = page.locator(".jp-Notebook .jp-Cell.jp-mod-active .cm-content")
                    editor.scroll_into_view_if_needed()
                    editor.click()  # edit the new cell
                    page.keyboard.type("fresh = af.TreeView(forum)\nfresh")
                    page.keyboard.press("Shift+Enter")
                    page.wait_for_function("() => document.querySelectorAll('.af-tree').length >= 3", timeout=60_000)
                    page.wait_for_function(
                        "() => document.querySelectorAll('.af-tree')[2].afTree.structure().nodes.length === 5",
                        timeout=30_000,
                    )
                    structures = page.evaluate(STRUCTURES)
                    assert structures[2] == live_structure, (structures[2], live_structure)
                    # unfolded, both show all eight messages with the forum's own parent links
                    for i in (0, 2):
                        trees.nth(i).locator("button[data-action=unfold]").click()
                    page.wait_for_function(
                        "() => [0, 2].every((i) => document.querySelectorAll('.af-tree')[i]"
                        ".afTree.structure().nodes.length === 8)"
                    )
                    structures = page.evaluate(STRUCTURES)
                    assert structures[0] == structures[2] and len(structures[0]["roots"]) == 1
                    parents = kernel_eval(
                        connection, "print(sorted(f'{m.parent_id}>{m.id}' for m in forum if m.parent_id))"
                    ).strip()
                    assert parents == repr(structures[0]["edges"]), (parents, structures[0]["edges"])
                    labels = live.locator("g.af-node text.af-sender").all_text_contents()
                    assert "↪ lead (from researcher)" in labels, labels
                    live.locator("button[data-action=unfold]").click()
                    page.wait_for_function(
                        "() => document.querySelectorAll('.af-tree')[0].afTree.structure().nodes.length === 5"
                    )

                    # -- resize: drag the handle at the bottom edge, then the layout from Python ----------------
                    live.scroll_into_view_if_needed()
                    before = live.bounding_box()["height"]
                    handle = live.locator(".af-resize")
                    x, y = centre_of(handle.bounding_box())
                    page.mouse.move(x, y)
                    page.mouse.down()
                    page.mouse.move(x, y + 80, steps=4)
                    page.mouse.move(x, y + 150, steps=4)
                    page.mouse.up()
                    after = live.bounding_box()["height"]
                    assert abs(after - before - 150) <= 3, (before, after)
                    kernel_eval(connection, "tv.layout.height = '420px'")
                    page.wait_for_function(
                        "() => Math.abs(document.querySelectorAll('.af-tree')[0].getBoundingClientRect().height - 420)"
                        " <= 3",
                        timeout=30_000,
                    )
                    canvas_h = live.locator(".af-canvas").bounding_box()["height"]
                    assert canvas_h > 250, canvas_h  # the drawing fills what the layout gives

                    # -- select, pan away with a drag that starts on a node, centre on the selection -------------
                    live.scroll_into_view_if_needed()
                    s_node = live.locator(f'g.af-node[data-key="{s_id}"]')
                    page.mouse.click(*centre_of(s_node.bounding_box()))
                    page.wait_for_function(
                        f"() => !!document.querySelector('g.af-node.af-selected[data-key=\"{s_id}\"]')"
                    )
                    # the node holds the head (the lead's forward of the summary, folded in): the click selects the
                    # head, so "branch" goes on from the conversation it is in
                    picked = kernel_eval(
                        connection, "m = tv.selected\nprint(m.id == tv.head_id, m.kind, m.original_id)"
                    ).split()
                    assert picked == ["True", "forward", s_id], picked
                    picked_id = kernel_eval(connection, "print(tv.selected_id)").strip()
                    canvas = live.locator(".af-canvas").bounding_box()
                    x, y = centre_of(live.locator(f'g.af-node[data-key="{q_id}"]').bounding_box())
                    page.mouse.move(x, y)
                    page.mouse.down()
                    page.mouse.move(x - 300, y - 200, steps=6)
                    page.mouse.up()
                    assert page.evaluate("() => window.getSelection().toString()") == ""  # no text selected
                    assert (
                        kernel_eval(connection, "print(tv.selected_id)").strip() == picked_id
                    )  # the drag selected nothing
                    live.locator("button[data-action=centre-selection]").click()
                    page.evaluate(NEXT_FRAMES)  # the view is applied at the next animation frame
                    sx, sy = centre_of(s_node.bounding_box())
                    cx, cy = centre_of(canvas)
                    assert abs(sx - cx) < 4 and abs(sy - cy) < 4, ((sx, sy), (cx, cy))
                    # the kernel checks out a node: it is brought into view
                    page.mouse.move(cx, cy)
                    page.mouse.down()
                    page.mouse.move(cx + 600, cy + 300, steps=6)
                    page.mouse.up()
                    kernel_eval(connection, f"tv.checkout({r_id!r})")
                    page.wait_for_function(f"() => !!document.querySelector('g.af-node.af-head[data-key=\"{r_id}\"]')")
                    page.evaluate(NEXT_FRAMES)  # the view is applied at the next animation frame
                    hx, hy = centre_of(live.locator(f'g.af-node[data-key="{r_id}"]').bounding_box())
                    assert canvas["x"] <= hx <= canvas["x"] + canvas["width"], (hx, canvas)
                    assert canvas["y"] <= hy <= canvas["y"] + canvas["height"], (hy, canvas)
                    live.locator("button[data-action=centre-head]").click()
                    page.evaluate(NEXT_FRAMES)  # the view is applied at the next animation frame
                    hx, hy = centre_of(live.locator(f'g.af-node[data-key="{r_id}"]').bounding_box())
                    assert abs(hx - cx) < 4 and abs(hy - cy) < 4

                    # -- the 2,000-node tree: far zoom on a canvas, the minimap, jump to an id prefix -------------
                    big.scroll_into_view_if_needed()
                    assert big.locator("svg.af-svg").get_attribute("data-drawable") == "2000"
                    # fitted whole, in both directions: no minimap over it (it shows once zoomed in, below)
                    assert not big.locator(".af-minimap").is_visible()
                    big.screenshot(path=str(out / f"treeview-2000-{tag}.png"))
                    target = kernel_eval(connection, "print(ids[1234])").strip()
                    big.locator("button[data-action=more]").click()  # "jump to" is in the overflow menu
                    big.locator("input.af-jump").click()
                    page.keyboard.type(target[:8])
                    page.keyboard.press("Enter")
                    page.wait_for_function(
                        f"() => !!document.querySelector('g.af-node.af-selected[data-key=\"{target}\"]')",
                        timeout=30_000,
                    )
                    assert kernel_eval(connection, "print(tvbig.selected_id)").strip() == target
                    bx, by = centre_of(big.locator(f'g.af-node[data-key="{target}"]').bounding_box())
                    bc = big.locator(".af-canvas").bounding_box()
                    assert abs(bx - (bc["x"] + bc["width"] / 2)) < 4 and abs(by - (bc["y"] + bc["height"] / 2)) < 4
                    assert big.locator(".af-minimap").is_visible()
                    big.screenshot(path=str(out / f"treeview-2000-jump-{tag}.png"))
                    # the wheel over the widget zooms once it was clicked into (it was: the jump box)
                    page.mouse.move(bx, by)
                    for _ in range(8):
                        page.mouse.wheel(0, 400)
                    page.wait_for_function(
                        "() => document.querySelectorAll('.af-tree')[1].afTree.view().k < 0.3", timeout=10_000
                    )
                    big.screenshot(path=str(out / f"treeview-2000-far-{tag}.png"))
                    assert kernel_eval(connection, "print(repr(tv.error), repr(tvbig.error))").strip() == "'' ''"
                    page.screenshot(path=str(out / f"treeview-nested-{tag}.png"), full_page=True)
                except Exception:
                    page.screenshot(path=str(out / f"treeview-nested-FAILED-{tag}.png"), full_page=True)
                    raise
                finally:
                    ctx.close()
        finally:
            lab.stop()


def test_nested_agents_tree_in_jupyterlab():
    drive_nested_tree("lab", "jupyterlab")


def test_nested_agents_tree_in_notebook7():
    drive_nested_tree("notebook", "notebook7")
