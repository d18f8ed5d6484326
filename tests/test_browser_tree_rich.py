"""Richer messages in the TreeView, in a real browser (JupyterLab 4 + headless Debian Chromium via Playwright).

A message with a PNG, an SVG holding a script and a CSV: the details pane shows the images as thumbnails (<img>
only: the SVG's script never runs, no inline <svg> appears) and the CSV as a named download, and a click on a
thumbnail enlarges it. Two answers imported with ``cost_usd``: the status line sums them, the pane shows each one's
cost, a comparison's heads each branch's. An answer from a FunctionModel agent that yields ``af.Reasoning`` and
waits on events set from later code: the pane shows the reasoning folded and live (opened by a click, it stays
open while it grows and once the answer is stored). Everything is clicked with the mouse where it is drawn.
Screenshots: $AGENTFORUM_ARTIFACTS (default artifacts/), treeview-rich-*.png.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from .browser_support import CHROMIUM, CHROMIUM_ARGS, JupyterLab, browser_available, kernel_eval, write_notebook
from .test_browser import artifacts, centre_of, open_and_run

reason = browser_available()
if reason and os.environ.get("AGENTFORUM_REQUIRE_BROWSER"):
    raise RuntimeError(f"AGENTFORUM_REQUIRE_BROWSER is set but {reason}")
pytestmark = [pytest.mark.browser, pytest.mark.skipif(reason is not None, reason=reason or "")]

SETUP = r'''
import asyncio, json, struct, tempfile, zlib
from pathlib import Path
import agentforum_nb as af

def png(w, h):
    """A real PNG: a gradient, w x h, RGB."""
    rows = b"".join(b"\x00" + bytes(c for x in range(w) for c in (x * 255 // w, 90 + y * 120 // h, 200))
                    for y in range(h))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))

SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" width="80" height="40" onload="window.__svgxss=1">'
       b'<script>window.__svgxss=2</script><rect width="80" height="40" fill="#f59e0b"/></svg>')
src = af.Forum()
root = src.post("Here are the chart, a drawing and the data.", attachments=[
    af.Attachment(png(480, 300), "image/png", name="chart.png"),
    af.Attachment(SVG, "image/svg+xml", name="drawing.svg"),
    af.Attachment(b"year,value\n2024,1\n2025,3\n", "text/csv", name="data.csv")])
cheap = src.post("The chart rises steadily.", parent=root, sender="bot")
dear = src.post("The chart rises, then levels off near the end.", parent=root, sender="bot")
# cost_usd is the library's to write: a run's JSONL brings it in
path = Path(tempfile.mkdtemp()) / "priced.jsonl"
src.export_jsonl(path)
costs = {cheap.id: 0.0112, dear.id: 0.03}
lines = [json.loads(line) for line in path.read_text().splitlines()]
for line in lines:
    if line.get("id") in costs:
        line["annotations"]["cost_usd"] = costs[line["id"]]
path.write_text("".join(json.dumps(line) + "\n" for line in lines))
forum = af.Forum()
forum.import_jsonl(path)
more_thought, answer_now = asyncio.Event(), asyncio.Event()

async def think(messages):
    yield af.Reasoning("First, look at the chart: it rises. ")
    await more_thought.wait()
    yield af.Reasoning("Then compare the two answers: both say it rises.")
    await answer_now.wait()
    yield "Both answers agree: the chart rises."

thinker = af.function_agent("thinker", think, cache=False, version="1")
tv = af.TreeView(forum, agents=[thinker])
tv.layout.height = "620px"
tv
'''
ASK = "Which answer is right?"
CELLS = [SETUP, f"thinking = tv.branch({ASK!r}, parent=root.id)"]

#: the details pane's reasoning fold
FOLD = ".af-tree .af-details details.af-reasoning"


def click_node(page, key: str) -> None:
    """A mouse click where the node is drawn, as a person clicks it."""
    node = page.locator(f'g.af-node[data-key="{key}"]')
    node.wait_for(timeout=30_000)
    page.mouse.click(*centre_of(node.bounding_box()))


def shot(page, name: str) -> None:
    page.locator(".af-tree").screenshot(path=str(artifacts() / name))


def test_tree_view_shows_attachments_reasoning_and_cost():
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as d:
        write_notebook(Path(d) / "rich.ipynb", CELLS)
        lab = JupyterLab(Path(d))
        try:
            with sync_playwright() as p:
                ctx = p.chromium.launch_persistent_context(
                    tempfile.mkdtemp(),
                    executable_path=CHROMIUM,
                    headless=True,
                    args=CHROMIUM_ARGS,
                    viewport={"width": 1280, "height": 900},
                    accept_downloads=True,
                )
                page = ctx.new_page()
                try:
                    open_and_run(page, lab, "rich.ipynb")
                    # the thinker's answer streams (its reasoning so far) and waits
                    page.locator("g.af-node.af-streaming").first.wait_for(timeout=90_000)
                    connection = lab.kernel_connection_files()[-1]
                    root_id, cheap_id, dear_id = (
                        kernel_eval(connection, "print(root.id, cheap.id, dear.id, sep='|')").strip().split("|")
                    )
                    # the status line sums what the answers cost
                    status = page.locator(".af-tree .af-status")
                    page.wait_for_function(
                        "() => document.querySelector('.af-tree .af-status').textContent"
                        ".includes('cost $0.0412 (2 priced answers)')"
                    )

                    # -- attachments: thumbnails and a named download, nothing inlined or run ---------------------
                    click_node(page, root_id)
                    page.wait_for_function(
                        "() => [...document.querySelectorAll('.af-tree .af-details .af-att-thumb img')]"
                        ".filter((i) => i.src.startsWith('blob:') && i.complete && i.naturalWidth > 0).length === 2"
                    )
                    pane = page.locator(".af-tree .af-details")
                    assert pane.locator(".af-slot-attach .af-section").text_content() == "3 attachments"
                    link = pane.locator("a.af-att-file")
                    assert link.text_content() == "⤓ data.csv (25 B)"
                    assert link.get_attribute("download") == "data.csv"
                    sizes = page.evaluate(
                        "() => [...document.querySelectorAll('.af-tree .af-details .af-att-thumb img')]"
                        ".map((i) => [i.alt, i.naturalWidth, i.naturalHeight])"
                    )
                    assert sizes == [["chart.png", 480, 300], ["drawing.svg", 80, 40]]
                    with page.expect_download() as download:
                        page.mouse.click(*centre_of(link.bounding_box()))
                    assert download.value.suggested_filename == "data.csv"
                    assert Path(download.value.path()).read_bytes() == b"year,value\n2024,1\n2025,3\n"
                    shot(page, "treeview-rich-attachments.png")
                    # a click on the chart's thumbnail enlarges it over the page; a click closes it
                    page.mouse.click(*centre_of(pane.locator(".af-att-thumb").first.bounding_box()))
                    big = page.locator(".af-att-overlay img")
                    big.wait_for(timeout=10_000)
                    box = big.bounding_box()
                    # enlarged to most of the window (a small image up to 8 times its size): far more than the
                    # 96 px thumbnail, and never past the window
                    assert 3 * 96 < box["width"] <= 0.93 * page.viewport_size["width"]
                    page.screenshot(path=str(artifacts() / "treeview-rich-enlarged.png"))
                    page.mouse.click(20, 20)
                    page.locator(".af-att-overlay").wait_for(state="detached", timeout=10_000)
                    # the SVG's script never ran, and no attachment became markup: images are <img> only
                    assert page.evaluate("() => window.__svgxss === undefined")
                    assert (
                        page.evaluate(
                            "() => document.querySelectorAll('.af-details .af-slot-attach svg, .af-details script,"
                            " .af-details iframe, .af-details object, .af-details embed').length"
                        )
                        == 0
                    )

                    # -- cost: each priced answer's, among its annotations; a comparison's heads ------------------
                    click_node(page, dear_id)
                    page.locator(".af-tree .af-details dl.af-annots dt", has_text="cost").wait_for(timeout=10_000)
                    rows = pane.locator("dl.af-annots").inner_text()
                    assert "cost\n$0.03" in rows and "cost_usd" not in rows
                    page.keyboard.down("Shift")
                    click_node(page, cheap_id)
                    page.keyboard.up("Shift")
                    page.locator(".af-compare .af-cmp-totals").first.wait_for(timeout=30_000)
                    totals = page.locator(".af-compare .af-cmp-totals").all_text_contents()
                    assert totals == ["1 message · 0 s · 0 tokens · $0.03", "1 message · 0 s · 0 tokens · $0.0112"]
                    shot(page, "treeview-rich-compare.png")
                    page.click(".af-compare .af-cmp-close")
                    page.locator(".af-compare").wait_for(state="hidden", timeout=30_000)

                    # -- reasoning: folded, live while it streams, kept open when stored --------------------------
                    streaming = page.locator("g.af-node.af-streaming").first
                    page.mouse.click(*centre_of(streaming.bounding_box()))
                    fold = page.locator(FOLD)
                    fold.wait_for(timeout=10_000)
                    assert fold.get_attribute("open") is None  # folded
                    summary = fold.locator("summary")
                    assert summary.text_content() == "reasoning… (7 words so far)"
                    page.mouse.click(*centre_of(summary.bounding_box()))
                    page.wait_for_function(f"() => document.querySelector('{FOLD}').open")
                    text = fold.locator(".af-reasoning-text")
                    assert text.text_content() == "First, look at the chart: it rises. "
                    shot(page, "treeview-rich-reasoning-live.png")
                    page.evaluate(f"() => {{ document.querySelector('{FOLD}').dataset.mark = 'same'; }}")
                    kernel_eval(connection, "more_thought.set()")
                    page.wait_for_function(
                        f"() => document.querySelector('{FOLD} .af-reasoning-text').textContent"
                        ".endsWith('say it rises.')"
                    )
                    # grown in place: the same element, still open, still live
                    assert fold.get_attribute("data-mark") == "same" and fold.get_attribute("open") is not None
                    assert "af-reasoning-live" in fold.get_attribute("class")
                    assert summary.text_content() == "reasoning… (16 words so far)"
                    shot(page, "treeview-rich-reasoning-grown.png")
                    kernel_eval(connection, "answer_now.set()")
                    page.wait_for_function(
                        f"() => {{ const f = document.querySelector('{FOLD}');"
                        " return f && !f.classList.contains('af-reasoning-live'); }"
                    )
                    assert fold.get_attribute("open") is not None  # the user opened it: it stays open
                    assert text.text_content() == (
                        "First, look at the chart: it rises. Then compare the two answers: both say it rises."
                    )
                    assert summary.text_content() == "reasoning (16 words, 84 characters)"
                    pane.locator("pre.af-content", has_text="Both answers agree").wait_for(timeout=10_000)
                    out = kernel_eval(
                        connection,
                        "m = forum.get(tv.selected_id); print(m.sender, m.content, "
                        "forum.annotations(m)['reasoning'].startswith('First'), sep='|')",
                    ).strip()
                    assert out == "thinker|Both answers agree: the chart rises.|True"
                    assert "cost $0.0412 (2 priced answers)" in status.text_content()
                    shot(page, "treeview-rich-reasoning-stored.png")
                    assert kernel_eval(connection, "print(repr(tv.error))").strip() == "''"
                except Exception:
                    page.screenshot(path=str(artifacts() / "treeview-rich-FAILED.png"), full_page=True)
                    raise
                finally:
                    ctx.close()
        finally:
            lab.stop()
