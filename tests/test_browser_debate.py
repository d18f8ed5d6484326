"""A debate read as a person reads it, in a real JupyterLab 4 + headless Debian Chromium (issue "what each agent
saw"): a moderator calls pro, con and a judge (scripted agents; the judge answers under the rebuttal). The test
clicks a node at its coordinates and reads what its agent saw in the details pane, clicks a context entry, fits,
right-clicks nodes and uses the menu (edit the motion: the moderator answers again; regenerate for samples; compare
two, then three samples), opens the keys' overlay, collapses the details pane and goes full screen. A screenshot of
each step goes to artifacts/ (or $AGENTFORUM_ARTIFACTS), debate-*.png.
"""

from __future__ import annotations

import os
import tempfile
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
from .test_browser import NEXT_FRAMES, artifacts, open_and_run

reason = browser_available()
if reason and os.environ.get("AGENTFORUM_REQUIRE_BROWSER"):
    raise RuntimeError(f"AGENTFORUM_REQUIRE_BROWSER is set but {reason}")
pytestmark = [pytest.mark.browser, pytest.mark.skipif(reason is not None, reason=reason or "")]

MOTION = "Motion: tea is a better work drink than coffee."
EDITED = "Motion: green tea is a better work drink than espresso."

CELLS = [
    "import agentforum_nb as af\n"
    "forum = af.Forum()\n"
    "pro = af.scripted_agent('pro', ['Tea keeps you calm and focused for hours.',"
    " 'Tea has less caffeine, so no afternoon crash.', 'A pot of tea is a ritual that structures the day.',"
    " 'Green tea carries L-theanine: alert but calm.'], cycle=True)\n"
    "con = af.scripted_agent('con', ['Coffee works faster when a deadline is close.',"
    " 'Calm is nice; shipping is nicer. Coffee ships.', 'Rituals take time that coffee saves.',"
    " 'Espresso is one sip of focus.'], cycle=True)\n"
    "judge = af.scripted_agent('judge', ['Pro wins: steadier focus beats a quick jolt.',"
    " 'Con wins: the deadline argument lands.', 'A draw: both sides argued well.',"
    " 'Pro wins on health grounds.'], cycle=True)\n"
    "@af.agent\n"
    "async def moderator(ctx):\n"
    "    opening = pro.quick_call(ctx.requests, sample=ctx.sample); ctx.respond(opening)\n"
    "    rebuttal = con.quick_call(opening, sample=ctx.sample); ctx.respond(rebuttal)\n"
    "    ctx.respond(judge.quick_call(rebuttal, sample=ctx.sample))\n"
    f"debate = await moderator.quick_call({MOTION!r}, forum=forum)\n"
    "tv = af.TreeView(forum, agents=[moderator, pro, con, judge])\n"
    "tv.layout.height = '640px'\n"
    "tv",
    # a forest of 40 debates: the context highlight at a size where the tree is drawn on the canvas
    "big = af.Forum()\n"
    "debates = [await moderator.quick_call(f'Motion {i}: meetings should be shorter.', forum=big, sample=i)"
    " for i in range(40)]\n"
    "tvbig = af.TreeView(big, agents=[moderator])\n"
    "tvbig.layout.height = '560px'\n"
    "tvbig",
]

#: where the drawn node of a key is on the screen (client coordinates), from the tree's view
SCREEN_XY = """
([i, key]) => {
  const t = document.querySelectorAll('.af-tree')[i];
  const p = t.afTree.position(key), v = t.afTree.view();
  const r = t.querySelector('.af-canvas').getBoundingClientRect();
  return [r.left + v.x + p.x * v.k, r.top + v.y + (p.y + p.h / 2) * v.k];
}
"""


def centre_of(box: dict) -> tuple[float, float]:
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def ids_of(connection: Path, code: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in kernel_eval(connection, code).split())


def test_a_person_reads_a_debate_in_jupyterlab():
    from playwright.sync_api import sync_playwright

    out = artifacts()
    with tempfile.TemporaryDirectory() as d:
        write_notebook(Path(d) / "debate.ipynb", CELLS)
        lab = JupyterLab(Path(d))
        try:
            with sync_playwright() as p:
                ctx = p.chromium.launch_persistent_context(
                    tempfile.mkdtemp(),
                    executable_path=CHROMIUM,
                    headless=True,
                    args=CHROMIUM_ARGS,
                    viewport={"width": 1440, "height": 960},
                )
                page = ctx.new_page()
                shot = lambda name: tree.screenshot(path=str(out / f"debate-{name}.png"))  # noqa: E731
                try:
                    open_and_run(page, lab, "debate.ipynb")
                    tree = page.locator(".af-tree").first
                    tree.locator("g.af-node").first.wait_for(timeout=90_000)
                    page.wait_for_function(KERNEL_IDLE, timeout=90_000)
                    connection = lab.kernel_connection_files()[-1]
                    ids = ids_of(
                        connection,
                        "first = {m.sender: m for m in forum if m.kind == 'message'}\n"
                        "for who in ('user', 'pro', 'con', 'judge'):\n"
                        "    print(who + '=' + first[who].id)\n"
                        "print('verdict=' + debate[-1].id)\n"
                        "print('rebuttal_fwd=' + debate[1].id)",
                    )
                    tree.scroll_into_view_if_needed()
                    tree.locator("button[data-action=fit]").click()
                    shot("1-tree")

                    # -- select the judge's node with the mouse: its branch is what the judge saw -----------------
                    judge = tree.locator(f'g.af-node[data-key="{ids["judge"]}"]')
                    page.mouse.click(*centre_of(judge.bounding_box()))
                    # the node holds the moderator's forward of the verdict (the message of this branch): selected
                    page.wait_for_function(
                        "(id) => document.querySelector('.af-tree').afTree && "
                        "document.querySelectorAll('.af-details .af-ctx-entry').length === 3",
                        arg=ids["verdict"],
                        timeout=30_000,
                    )
                    assert kernel_eval(connection, "print(tv.selected_id)").strip() == ids["verdict"]
                    entries = tree.locator(".af-details .af-ctx-entry")
                    texts = [entries.nth(i).text_content() for i in range(entries.count())]
                    assert texts[0].startswith("user") and MOTION[:20] in texts[0]
                    assert texts[1].startswith("pro via moderator") and "calm and focused" in texts[1]
                    assert (
                        texts[2].startswith("con via moderator") and "deadline" in texts[2]
                    )  # the rebuttal, under which it answers
                    for key in ("user", "pro", "con"):  # its branch stands out, nothing else is there to dim yet
                        cls = tree.locator(f'g.af-node[data-key="{ids[key]}"]').get_attribute("class")
                        assert "af-ctx" in cls, (key, cls)
                    assert tree.locator("path.af-link.af-ctx").get_attribute("d") != "M0,0"
                    shot("2-what-the-judge-saw")

                    # -- a context entry selects that message ------------------------------------------------------
                    entries.nth(0).click()
                    page.wait_for_function(
                        "(id) => !!document.querySelector(`g.af-node.af-selected[data-key='${id}']`)", arg=ids["user"]
                    )
                    assert kernel_eval(connection, "print(tv.selected_id)").strip() == ids["user"]
                    tree.locator("button[data-action=fit]").click()
                    shot("3-fit")

                    # -- right-click the motion, edit it: the moderator answers the edited motion -----------------
                    motion = tree.locator(f'g.af-node[data-key="{ids["user"]}"]')
                    x, y = centre_of(motion.bounding_box())
                    page.mouse.click(x, y, button="right")
                    menu = tree.locator(".af-menu")
                    menu.wait_for()
                    labels = menu.locator("button").all_text_contents()
                    assert labels[:4] == [
                        "Check out (make it the head)",
                        "Branch from here…",
                        "Regenerate (another sample)",
                        "Edit…",
                    ]
                    assert {"Replay with the view's agents", "Bookmark", "Copy id"} <= set(labels)
                    shot("4-menu")
                    menu.locator("[data-menu=edit]").click()
                    editor = tree.locator(".af-details textarea.af-editor-text")
                    editor.wait_for()
                    editor.fill(EDITED)
                    tree.locator(".af-details .af-editor-save").click()
                    tree.locator("g.af-node", has_text="green tea").wait_for(timeout=30_000)
                    page.wait_for_function(
                        "() => document.querySelectorAll('.af-tree g.af-node').length >= 8"
                        " && !document.querySelector('.af-tree g.af-node.af-streaming')",
                        timeout=60_000,
                    )
                    page.wait_for_function(KERNEL_IDLE, timeout=30_000)
                    edited = kernel_eval(
                        connection,
                        "e = next(m for m in forum if m.content.startswith('Motion: green'))\n"
                        "print(sorted(m.sender for m in forum.children(e)))",
                    ).strip()
                    assert edited == "['moderator', 'pro']", edited  # the moderator answered again (pro under it)
                    tree.locator("button[data-action=fit]").click()
                    shot("5-edited-motion")

                    # -- regenerate for samples: two more debates on the first motion ------------------------------
                    tree.locator("input.af-count").fill("2")
                    pro_node = tree.locator(f'g.af-node[data-key="{ids["pro"]}"]')
                    page.mouse.click(*centre_of(pro_node.bounding_box()), button="right")
                    menu.locator("[data-menu=regenerate]").click()
                    # three debates on the first motion (3 x pro, con, judge) and the edited one's (4 drawn)
                    page.wait_for_function(
                        "() => { const t = document.querySelector('.af-tree');"
                        " return t.querySelectorAll('g.af-node').length >= 14"
                        " && !t.querySelector('g.af-node.af-streaming'); }",
                        timeout=60_000,
                    )
                    page.wait_for_function(KERNEL_IDLE, timeout=30_000)
                    samples = ids_of(
                        connection,
                        "root = next(m for m in forum if m.content == " + repr(MOTION) + ")\n"
                        "mods = [m for m in forum.children(root) if m.sender == 'moderator']\n"
                        "for i, f in enumerate(mods):\n"
                        "    print(f'v{i}=' + forum.get(forum.get(f.id).id).id)\n"
                        "js = [m for m in forum if m.sender == 'judge' and forum.history(m)[0].id == root.id]\n"
                        "for i, j in enumerate(js):\n"
                        "    print(f'j{i}=' + j.id)",
                    )
                    assert len([k for k in samples if k.startswith("j")]) >= 3, samples
                    tree.locator("button[data-action=fit]").click()
                    shot("6-samples")

                    # -- compare two samples, then three (Shift-click adds a branch) ------------------------------
                    judges = [samples[k] for k in sorted(k for k in samples if k.startswith("j"))]
                    a, b, c = [j for j in judges if tree.locator(f'g.af-node[data-key="{j}"]').count()][:3]
                    at = lambda key: centre_of(tree.locator(f'g.af-node[data-key="{key}"]').bounding_box())  # noqa: E731
                    page.mouse.click(*at(a))
                    page.keyboard.down("Shift")
                    page.mouse.click(*at(b))
                    page.keyboard.up("Shift")
                    panel = tree.locator(".af-compare")
                    panel.locator(".af-cmp-right").first.wait_for(timeout=30_000)
                    heads = kernel_eval(
                        connection, "print([forum.get(s['head']).original_id for s in tv.comparison['sides']])"
                    ).strip()
                    assert heads == repr([a, b]), heads  # the forwards of the two verdicts (their branches)
                    shot("7-compare-two")
                    page.keyboard.press("Escape")
                    page.wait_for_function("() => document.querySelector('.af-compare').style.display === 'none'")
                    # the three samples' openings (pro's nodes, above the panel): select one, Shift-click two more
                    openings = [tree.locator(f'g.af-node[data-key="{j}"]') for j in (a, b, c)]
                    del openings
                    pros = kernel_eval(
                        connection,
                        "print(' '.join(m.id for m in forum.children(root) if m.sender == 'pro'))",
                    ).split()
                    assert len(pros) == 3, pros
                    page.mouse.click(*at(pros[0]))
                    page.keyboard.down("Shift")
                    page.mouse.click(*at(pros[1]))
                    panel.locator(".af-cmp-right").first.wait_for(timeout=30_000)
                    page.mouse.click(*at(pros[2]))  # with the comparison shown: adds the third
                    page.keyboard.up("Shift")
                    panel.locator(".af-cmp-col2").first.wait_for(timeout=30_000)
                    assert panel.locator(".af-cmp-heads > div").count() == 3
                    shot("8-compare-three")
                    page.keyboard.press("Escape")
                    page.wait_for_function("() => document.querySelector('.af-compare').style.display === 'none'")

                    # -- keys: "?" lists them ----------------------------------------------------------------------
                    tree.locator(".af-canvas").click(position={"x": 5, "y": 5})
                    page.keyboard.press("?")
                    tree.locator(".af-help").wait_for()
                    assert "what its agent saw" in tree.locator(".af-help").text_content()
                    shot("9-keys")
                    page.keyboard.press("Escape")
                    assert tree.locator(".af-help").is_hidden()

                    # -- collapse the details pane: the graph gets the space ---------------------------------------
                    before = tree.locator(".af-canvas").bounding_box()["width"]
                    tree.locator("button[data-action=details]").click()
                    assert tree.locator(".af-details").is_hidden()
                    after = tree.locator(".af-canvas").bounding_box()["width"]
                    assert after > before + 200, (before, after)
                    shot("10-details-collapsed")
                    tree.locator("button[data-action=details]").click()

                    # -- full screen fills the window --------------------------------------------------------------
                    tree.locator("button[data-action=fullscreen]").click()
                    box = page.locator(".af-tree.af-fullscreen").bounding_box()
                    assert box["width"] >= 1440 - 2 and box["height"] >= 960 - 2, box
                    page.screenshot(path=str(out / "debate-11-full-screen.png"))
                    page.keyboard.press("Escape")
                    page.wait_for_function("() => !document.querySelector('.af-tree.af-fullscreen')")
                    assert page.locator(".jp-Cell .af-tree").count() == 2  # back in its cell
                    assert kernel_eval(connection, "print(repr(tv.error))").strip() == "''"

                    # -- a forest of 40 debates, fitted: a click on the canvas shows what that judge saw ------------
                    forest = page.locator(".af-tree").nth(1)
                    forest.scroll_into_view_if_needed()
                    forest.locator("button[data-action=fit]").click()
                    page.evaluate(NEXT_FRAMES)
                    verdict = kernel_eval(connection, "print(debates[17][-1].original_id)").strip()
                    page.mouse.click(*page.evaluate(SCREEN_XY, [1, verdict]))
                    page.wait_for_function(
                        "() => document.querySelectorAll('.af-tree')[1]"
                        ".querySelectorAll('.af-details .af-ctx-entry').length === 3",
                        timeout=30_000,
                    )
                    selected = kernel_eval(connection, "print(tvbig.selected_id == debates[17][-1].id)").strip()
                    assert selected == "True"
                    forest.screenshot(path=str(out / "debate-12-forest-selected.png"))
                    forest.locator("button[data-action=centre-selection]").click()
                    page.evaluate(NEXT_FRAMES)
                    forest.screenshot(path=str(out / "debate-13-forest-centred.png"))
                except Exception:
                    page.screenshot(path=str(out / "debate-FAILED.png"), full_page=True)
                    raise
                finally:
                    ctx.close()
        finally:
            lab.stop()
