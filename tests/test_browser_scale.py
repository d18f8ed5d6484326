"""The TreeView at 30, 3,000 and 100,000 messages in a real browser, used as a person would: the wheel zooms, a
drag pans, "fit" shows the whole tree, the search box's Enter zooms in to read the match, the pointer over a node
says what it is. JupyterLab 4 + headless Debian Chromium (tests/browser_support.py); the 100,000-message forest is
drawn by the same bundle on a blank page fed a snapshot as the kernel sends it (a JupyterLab round of 100,000
messages is benchmarks/browser_render.py's R7). Screenshots go to $AGENTFORUM_ARTIFACTS (artifacts/):
treeview-scale-30*.png, treeview-scale-3000*.png, treeview-scale-100k*.png.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest

from agentforum_nb.nodes import BULK_NOTES, ROW_FIELDS

from .browser_support import CHROMIUM, CHROMIUM_ARGS, KERNEL_IDLE, JupyterLab, browser_available, write_notebook
from .debates import copied_nodes, debate_forum, forum_nodes
from .test_browser import artifacts, open_and_run

reason = browser_available()
if reason and os.environ.get("AGENTFORUM_REQUIRE_BROWSER"):
    raise RuntimeError(f"AGENTFORUM_REQUIRE_BROWSER is set but {reason}")
pytestmark = [pytest.mark.browser, pytest.mark.skipif(reason is not None, reason=reason or "")]

#: no text below this on screen (js/src/tree/draw.js LEGIBLE_PX), and the zoom from which full labels are drawn
LEGIBLE_PX = 9
FULL_ZOOM = LEGIBLE_PX / 9.5

NEXT_FRAMES = "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"

CELLS = [
    "import asyncio, agentforum_nb as af\n"
    "from debates import add_debates\n"
    "one = af.Forum()\n"
    "await add_debates(one, 1)\n"
    "many = af.Forum()\n"
    "await add_debates(many, 100)\n"
    "len(list(one)), len(list(many))",
    "tv30 = af.TreeView(one)\ntv30",
    "tv3k = af.TreeView(many)\ntv3k",
]

#: what a widget shows: its view, the layout's bounds, the level of detail, the minimap, how many SVG nodes
STATE = """(i) => {
  const t = document.querySelectorAll('.af-tree')[i];
  const svg = t.querySelector('svg.af-svg');
  const mm = t.querySelector('.af-mm');
  const lod = [...svg.classList].find((c) => c.startsWith('af-lod-')) || '';
  return { view: t.afTree.view(), bounds: t.afTree.bounds(), lod: lod.slice(7), far: svg.classList.contains('af-far'),
    minimap: mm.style.display !== 'none' ? mm.querySelector('canvas').getBoundingClientRect().toJSON() : null,
    canvas: t.querySelector('.af-canvas').getBoundingClientRect().toJSON(),
    svgNodes: t.querySelectorAll('g.af-node').length, status: t.querySelector('.af-status').textContent };
}"""

#: the smallest font size of the text shown in a widget's nodes, on screen (CSS pixels)
SMALLEST_TEXT = """(i) => {
  const t = document.querySelectorAll('.af-tree')[i];
  let smallest = Infinity, shown = 0, which = '';
  const displayed = (el) => { // its own display and its ancestors' (checkVisibility() misses SVG ancestors)
    for (let e = el; e && e.tagName.toLowerCase() !== 'svg'; e = e.parentElement) {
      if (getComputedStyle(e).display === 'none') return false;
    }
    return true;
  };
  for (const el of t.querySelectorAll('g.af-node text')) {
    if (!el.textContent || !displayed(el)) continue;
    const size = parseFloat(getComputedStyle(el).fontSize) * t.afTree.view().k;
    shown++;
    if (size < smallest) which = `${el.getAttribute('class')} in ${el.parentNode.getAttribute('class')}`;
    smallest = Math.min(smallest, size);
  }
  return { smallest, shown, which };
}"""


def in_view(s: dict) -> dict:
    """Where the laid-out tree is on the canvas (CSS pixels) and how much of it it fills."""
    v, b = s["view"], s["bounds"]
    left, top = b["x"] * v["k"] + v["x"], b["y"] * v["k"] + v["y"]
    right, bottom = left + b["width"] * v["k"], top + b["height"] * v["k"]
    return {
        "inside": left >= -1 and top >= -1 and right <= v["w"] + 1 and bottom <= v["h"] + 1,
        "fill": max((right - left) / v["w"], (bottom - top) / v["h"]),
        "other": min((right - left) / v["w"], (bottom - top) / v["h"]),
    }


def check_fitted(page, i: int) -> dict:
    s = page.evaluate(STATE, i)
    fit = in_view(s)
    assert fit["inside"], s  # the whole tree, in both directions
    assert fit["fill"] > 0.85, (fit, s)  # and as large as the canvas allows
    assert s["minimap"] is None, s  # nothing is under the minimap at "fit": it is not shown
    return s


def check_legible(page, i: int) -> None:
    text = page.evaluate(SMALLEST_TEXT, i)
    assert text["smallest"] >= LEGIBLE_PX - 0.01, text  # no text drawn below a legible size


def wheel(page, box: dict, dy: float, times: int) -> None:
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(times):
        page.mouse.wheel(0, dy)
    page.evaluate(NEXT_FRAMES)


def drive_lab(page, out: Path) -> None:
    trees = page.locator(".af-tree")
    page.wait_for_function("() => document.querySelectorAll('.af-tree').length >= 2", timeout=90_000)
    page.wait_for_function(KERNEL_IDLE, timeout=120_000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.af-tree')].every((t) => t.afTree.structure().nodes.length > 10)",
        timeout=60_000,
    )
    small, big = trees.nth(0), trees.nth(1)

    # -- a 30-message debate: fitted, its text legible, full labels --------------------------------------------
    small.scroll_into_view_if_needed()
    page.evaluate(NEXT_FRAMES)
    s = check_fitted(page, 0)
    # the debate reads at "fit": its turns in columns, each with its sender and two lines of text at least
    assert s["lod"] in ("full", "short"), s
    check_legible(page, 0)
    text = page.evaluate(SMALLEST_TEXT, 0)
    assert text["shown"] >= 3 * 15, text
    small.screenshot(path=str(out / "treeview-scale-30.png"))
    canvas = small.locator(".af-canvas").bounding_box()
    small.locator(".af-canvas").click(position={"x": 5, "y": 5})  # into the widget: the wheel zooms it now
    wheel(page, canvas, 150, 1)  # zoom out: labels in a larger font, never small text
    s = page.evaluate(STATE, 0)
    assert s["view"]["k"] < FULL_ZOOM and s["lod"] in ("short", "brief", "tag"), s
    check_legible(page, 0)
    # the pointer over a node: a label with its sender and text
    node = small.locator("g.af-node").nth(3)
    page.mouse.move(*centre_of(node.bounding_box()))
    hover = small.locator(".af-hover")
    hover.wait_for(state="visible", timeout=10_000)
    assert "moderator" in hover.locator(".af-hover-title").text_content()
    assert len(hover.locator(".af-hover-text").text_content()) > 20
    small.screenshot(path=str(out / "treeview-scale-30-zoomed-out.png"))
    # a drag pans; "fit" brings the whole tree back
    before = page.evaluate(STATE, 0)["view"]
    x, y = canvas["x"] + canvas["width"] / 2, canvas["y"] + canvas["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 120, y + 60, steps=5)
    page.mouse.up()
    page.evaluate(NEXT_FRAMES)
    moved = page.evaluate(STATE, 0)["view"]
    assert abs(moved["x"] - before["x"] - 120) < 2 and abs(moved["y"] - before["y"] - 60) < 2
    small.locator("button[data-action=fit]").click()
    page.evaluate(NEXT_FRAMES)
    check_fitted(page, 0)

    # -- 3,000 messages in 109 conversations: a forest wrapped to the canvas, not a strip ----------------------
    big.scroll_into_view_if_needed()
    page.evaluate(NEXT_FRAMES)
    s = check_fitted(page, 1)
    fit = in_view(s)
    assert fit["other"] > 0.6, (fit, s)  # it fills the canvas both ways: rows of conversations
    assert "109 conversations" in s["status"], s
    check_legible(page, 1)
    big.screenshot(path=str(out / "treeview-scale-3000.png"))
    fitted = s["view"]
    # the pointer over a node far out: what it is
    canvas = big.locator(".af-canvas").bounding_box()
    page.mouse.move(canvas["x"] + canvas["width"] * 0.3, canvas["y"] + canvas["height"] * 0.3)
    page.mouse.move(canvas["x"] + canvas["width"] * 0.31, canvas["y"] + canvas["height"] * 0.31)
    # zoom in with the wheel: the minimap shows, shaped like the forest, in the corner
    big.locator(".af-canvas").click(position={"x": 3, "y": 3})
    wheel(page, canvas, -300, 4)
    s = page.evaluate(STATE, 1)
    assert s["view"]["k"] > fitted["k"] * 2, s
    mm = s["minimap"]
    assert mm is not None, s
    aspect = s["bounds"]["width"] / s["bounds"]["height"]
    assert abs(mm["width"] / mm["height"] - aspect) < 0.35 * aspect, (mm, aspect)  # the forest's shape, not a line
    assert mm["height"] >= 40 and mm["right"] <= s["canvas"]["right"] and mm["bottom"] <= s["canvas"]["bottom"]
    check_legible(page, 1)
    big.screenshot(path=str(out / "treeview-scale-3000-zoomed.png"))
    # the search box: type, Enter: the match is selected, centred and readable
    search = big.locator("input.af-search")
    search.click()
    page.keyboard.type("Motion 57:")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.querySelectorAll('.af-tree')[1].querySelector('g.af-node.af-selected')", timeout=20_000
    )
    page.evaluate(NEXT_FRAMES)
    s = page.evaluate(STATE, 1)
    assert s["view"]["k"] >= FULL_ZOOM and s["lod"] == "full", s
    selected = big.locator("g.af-node.af-selected")
    assert "Motion 57:" in selected.locator("text.af-snippet").first.text_content()
    sx, sy = centre_of(selected.bounding_box())
    assert big.locator(".af-canvas").bounding_box() == canvas  # the toolbar did not re-flow when the count appeared
    assert abs(sx - (canvas["x"] + canvas["width"] / 2)) < 4 and abs(sy - (canvas["y"] + canvas["height"] / 2)) < 4
    check_legible(page, 1)
    big.screenshot(path=str(out / "treeview-scale-3000-search.png"))
    # fit: the whole forest again, and a view that differs from the zoomed one
    big.locator("button[data-action=fit]").click()
    page.evaluate(NEXT_FRAMES)
    s = check_fitted(page, 1)
    assert abs(s["view"]["k"] - fitted["k"]) < 1e-6
    # the conversations listed: filter, pick one; it fills the view, readable, its motion selected
    big.locator(".af-conv-button").click()
    page.keyboard.type("Motion 42")
    item = big.locator(".af-conv-item").first
    assert item.locator(".af-conv-text").text_content().startswith("Motion 42:")
    item.click()
    page.evaluate(NEXT_FRAMES)
    s = page.evaluate(STATE, 1)
    assert s["lod"] in ("full", "short"), s
    check_legible(page, 1)
    selected = big.locator("g.af-node.af-selected")
    assert selected.locator("text.af-snippet").first.text_content().startswith("Motion 42:")
    big.screenshot(path=str(out / "treeview-scale-3000-conversation.png"))


def test_scale_in_jupyterlab():
    from playwright.sync_api import sync_playwright

    out = artifacts()
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "debates.py").write_text((Path(__file__).parent / "debates.py").read_text())
        write_notebook(Path(d) / "scale.ipynb", CELLS)
        lab = JupyterLab(Path(d))
        try:
            with sync_playwright() as p:
                ctx = p.chromium.launch_persistent_context(
                    tempfile.mkdtemp(),
                    executable_path=CHROMIUM,
                    headless=True,
                    args=CHROMIUM_ARGS,
                    viewport={"width": 1280, "height": 1000},
                )
                page = ctx.new_page()
                try:
                    open_and_run(page, lab, "scale.ipynb")
                    drive_lab(page, out)
                except Exception:
                    page.screenshot(path=str(out / "treeview-scale-FAILED.png"), full_page=True)
                    raise
                finally:
                    ctx.close()
        finally:
            lab.stop()


#: a stand-in for the anywidget model in a blank page (as benchmarks/browser_render.py has it), which answers the
#: search itself (the kernel's part) from the snippets
FAKE = """
async ([code, nodes]) => {
  const url = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
  const widget = (await import(url)).default;
  const handlers = {};
  const traits = { agents: [], error: "", notice: "", head_id: "", selected_id: "", budget: 20000, mode: "tidy" };
  const model = {
    get: (k) => traits[k], set: (k, v) => { traits[k] = v; (handlers["change:" + k] || []).forEach((f) => f()); },
    save_changes() {}, on(ev, f) { (handlers[ev] ||= []).push(f); }, off() {},
    emit(msg, buffers = []) { (handlers["msg:custom"] || []).forEach((f) => f(msg, buffers)); },
    send(msg) {
      if (msg.kind === "select") queueMicrotask(() => model.set("selected_id", msg.id));
      if (msg.kind === "search") {
        const ids = nodes.filter((n) => n.snippet.includes(msg.text)).map((n) => n.id);
        queueMicrotask(() => model.emit({ kind: "search-result", request_id: msg.request_id, text: msg.text,
          ids: ids.slice(0, 1000), total: ids.length }));
      }
    },
  };
  window.afModel = model;
  const el = document.createElement("div");
  el.style.cssText = "width: 1200px; height: 620px";
  document.body.append(el);
  widget.render({ model, el });
}
"""


def test_scale_100k_messages():
    """100,000 messages: 3,300 debates (the 3,000-message forest's shapes and texts under new ids), the snapshot as
    the kernel sends a large one (columns in a binary buffer), the default budget of 20,000 drawn."""
    from playwright.sync_api import sync_playwright

    out = artifacts()
    nodes = copied_nodes(forum_nodes(debate_forum(100)), 33)
    assert len(nodes) > 100_000
    columns = columns_of(nodes)
    with sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            tempfile.mkdtemp(),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1240, "height": 700},
        )
        try:
            page = ctx.new_page()
            page.set_content("<html><body style='margin: 8px'></body></html>")
            bundle = (Path(__file__).resolve().parent.parent / "agentforum_nb" / "static" / "tree.js").read_text()
            small = [{"id": n["id"], "snippet": n["snippet"]} for n in nodes]
            page.evaluate(FAKE, [bundle, small])
            ms = page.evaluate(
                """async (text) => { const t0 = performance.now();
                  window.afModel.emit({ kind: "snapshot", columns: { buffer: 0 }, streams: [] },
                    [new TextEncoder().encode(text)]);
                  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
                  return performance.now() - t0; }""",
                json.dumps(columns),
            )
            assert ms < 30_000
            s = check_fitted(page, 0)
            assert "showing 20" in s["status"] and "conversations" in s["status"], s
            assert in_view(s)["other"] > 0.6, s
            check_legible(page, 0)
            page.screenshot(path=str(out / "treeview-scale-100k.png"))
            tree = page.locator(".af-tree")
            canvas = tree.locator(".af-canvas").bounding_box()
            tree.locator(".af-canvas").click(position={"x": 3, "y": 3})
            wheel(page, canvas, -300, 5)
            s = page.evaluate(STATE, 0)
            assert s["minimap"] is not None
            check_legible(page, 0)
            page.screenshot(path=str(out / "treeview-scale-100k-zoomed.png"))
            tree.locator("input.af-search").click()
            page.keyboard.type("Motion 17 (edited)")
            page.keyboard.press("Enter")
            page.wait_for_function("() => document.querySelector('g.af-node.af-selected')", timeout=20_000)
            page.evaluate(NEXT_FRAMES)
            s = page.evaluate(STATE, 0)
            assert s["view"]["k"] >= FULL_ZOOM and s["lod"] == "full", s
            check_legible(page, 0)
            page.screenshot(path=str(out / "treeview-scale-100k-search.png"))
            tree.locator("button[data-action=fit]").click()
            page.evaluate(NEXT_FRAMES)
            check_fitted(page, 0)
            # a conversation the budget cut (the last), picked from the list: drawn whole, readable
            tree.locator(".af-conv-button").click()
            page.keyboard.type("Motion 100:")
            items = tree.locator(".af-conv-item")
            items.last.click()
            page.evaluate(NEXT_FRAMES)
            s = page.evaluate(STATE, 0)
            assert s["lod"] in ("full", "short"), s
            check_legible(page, 0)
            page.screenshot(path=str(out / "treeview-scale-100k-conversation.png"))
        except Exception:
            page.screenshot(path=str(out / "treeview-scale-100k-FAILED.png"))
            raise
        finally:
            ctx.close()


def columns_of(nodes: list[dict]) -> dict:
    """Snapshot nodes as the columns nodes.py node_columns makes (the same layout and notes, from node dicts)."""
    index = {n["id"]: i for i, n in enumerate(nodes)}
    senders: dict[str, int] = {}
    kinds: dict[str, int] = {}
    statuses: dict[str, int] = {}
    colours: dict[str, str] = {}
    extra = []
    for i, n in enumerate(nodes):
        colours.setdefault(n["sender"], n.get("colour", "#eef2f7"))
        fields = {k: v for k, v in n.items() if k not in ROW_FIELDS}
        notes = {k: v for k, v in fields.pop("notes", {}).items() if k in BULK_NOTES}
        if notes:
            fields["notes"] = notes
        if fields:
            extra.append([i, fields])
    return {
        "n": len(nodes),
        "ids": "".join(n["id"] for n in nodes),
        "parent": [-1 if n["parent"] is None else index.get(n["parent"], n["parent"]) for n in nodes],
        "sender": [senders.setdefault(n["sender"], len(senders)) for n in nodes],
        "senders": list(senders),
        "colours": [colours[s] for s in senders],
        "kind": [kinds.setdefault(n["kind"], len(kinds)) for n in nodes],
        "kinds": list(kinds),
        "status": [statuses.setdefault(n["status"], len(statuses)) for n in nodes],
        "statuses": list(statuses),
        "snippet": [n["snippet"] for n in nodes],
        "n_chars": [n["n_chars"] for n in nodes],
        "reply_to": [[i, index.get(n["reply_to"], n["reply_to"])] for i, n in enumerate(nodes) if n["reply_to"]],
        "original": [[i, index.get(n["original"], n["original"])] for i, n in enumerate(nodes) if n["original"]],
        "extra": extra,
    }


def centre_of(box: dict) -> tuple[float, float]:
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
