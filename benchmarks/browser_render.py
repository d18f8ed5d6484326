"""Widget benchmarks in headless Chromium (Debian's /usr/bin/chromium via Playwright).

R1  first render of a 2,000- and a 10,000-node tree: from the snapshot message to the nodes painted (a fake
    anywidget model feeds the built bundle), all nodes drawable (budget 20,000); and 10,000 nodes under the
    default budget (2,000 drawn around the head). Target <= 0.5 s for 10,000 all drawable.
R3  frames per second while the user zooms (wheel, with Ctrl) and pans (drag) a 10,000-node tree, all drawn:
    one input event per animation frame for 2 s, fitted (far zoom: the canvas) and at zoom 1 around a node in
    the middle of the tree (near: SVG around the view). Target >= 30.
R4  forum.to_html of a 10,000-message forum (a random tree, every tenth message scored): the file's size, the time
    to write it, and from opening the file:// URL to its nodes painted.
R5  select with the context highlight (issue "what each agent saw"): in a 100,000-node tree, all drawable, from
    setting `selected_id` (what a click does) to the next frame painted with the node's branch highlighted and the
    rest dimmed; fitted (far: the canvas) and at zoom 1 around the node (near: SVG). The median of 15 selections
    of random nodes. Target <= 50 ms.
R2  a real JupyterLab kernel streams 1,000 tokens/s into a TreeView for 10 s: kernel->browser messages per
    second (target <= 20/s) and whether the final text arrived whole (no dropped text).

Usage: python benchmarks/browser_render.py [--skip-lab] [--json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, KERNEL_IDLE, JupyterLab, write_notebook  # noqa: E402

FAKE = """
async (code) => {
  const url = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
  const widget = (await import(url)).default;
  window.makeWidget = (traits) => {
    const handlers = {};
    const model = {
      get: (k) => traits[k], set: (k, v) => { traits[k] = v; (handlers["change:" + k] || []).forEach((f) => f()); },
      save_changes() {}, on(ev, f) { (handlers[ev] ||= []).push(f); }, off() {}, send() {},
      emit(msg) { (handlers["msg:custom"] || []).forEach((f) => f(msg)); },
    };
    const el = document.createElement("div");
    el.style.width = "1200px";
    document.body.append(el);
    widget.render({ model, el });
    return model;
  };
}
"""

RENDER = """
async ([snapshot, budget]) => {
  const model = window.makeWidget({ agents: ["bot"], error: "", notice: "", head_id: "", selected_id: "", budget,
    mode: "tidy" });
  window.afModel = model;
  const t0 = performance.now();
  model.emit(snapshot);
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const ms = performance.now() - t0;
  const svg = document.querySelector(".af-tree svg.af-svg");
  // drawable: laid out and shown when in view (the widget says how many; older builds drew every node as SVG)
  const drawn = Number(svg.getAttribute("data-drawable") || document.querySelectorAll("g.af-node").length);
  return { ms, drawn };
}
"""

# One synthetic input event per animation frame for `seconds`: frames/s is how many frames the page managed.
FRAMES = """
async ([kind, near, seconds, target]) => {
  const canvas = document.querySelector(".af-canvas");
  const r = canvas.getBoundingClientRect();
  const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
  const wheel = (deltaY) => canvas.dispatchEvent(new WheelEvent("wheel", { deltaY, clientX: cx, clientY: cy,
    ctrlKey: true, bubbles: true, cancelable: true }));
  const frame = () => new Promise((res) => requestAnimationFrame(res));
  const jump = document.querySelector(".af-tree input.af-jump");
  if (near && jump) {  // "jump to" a node in the middle of the tree: centred at zoom 1, among its neighbours
    jump.value = target.slice(0, 12);
    jump.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
  } else if (near) {  // older builds: zoom to about 1 around the centre (exp(-deltaY * 0.0015) per event)
    for (let i = 0; i < 40; i++) { wheel(-100); await frame(); }
  }
  await frame(); await frame();
  let frames = 0, i = 0;
  const t0 = performance.now();
  if (kind === "drag") canvas.dispatchEvent(new MouseEvent("mousedown", { button: 0, clientX: cx, clientY: cy,
    bubbles: true }));
  while (performance.now() - t0 < seconds * 1000) {
    i++;
    if (kind === "wheel") wheel(i % 20 < 10 ? 40 : -40);
    else window.dispatchEvent(new MouseEvent("mousemove", { clientX: cx + 200 * Math.sin(i / 15),
      clientY: cy + 120 * Math.cos(i / 15), bubbles: true }));
    await frame();
    frames++;
  }
  const fps = frames / ((performance.now() - t0) / 1000);
  if (kind === "drag") window.dispatchEvent(new MouseEvent("mouseup", { bubbles: true }));
  const svgNodes = document.querySelectorAll("g.af-node").length;
  return { fps, svgNodes };
}
"""


def node_id(i: int) -> str:
    """Ids like the forum's (64 hex digits), distinct in their first characters ("jump to" needs that)."""
    return hashlib.sha256(f"node {i}".encode()).hexdigest()


def snapshot(n: int, seed: int = 1) -> dict:
    rnd = random.Random(seed)
    nodes = []
    for i in range(n):
        parent = None if i == 0 else node_id(rnd.randrange(i))
        nodes.append(
            {
                "id": node_id(i),
                "parent": parent,
                "sender": rnd.choice(["user", "alice", "bob", "critic"]),
                "kind": "message",
                "status": "complete",
                "snippet": f"message number {i} " * 3,
                "n_chars": 60,
                "reply_to": None,
                "original": None,
            }
        )
    return {"kind": "snapshot", "nodes": nodes, "streams": []}


def _page(p):
    ctx = p.chromium.launch_persistent_context(
        tempfile.mkdtemp(),
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        viewport={"width": 1280, "height": 800},
    )
    page = ctx.new_page()
    page.set_content("<html><body></body></html>")
    page.evaluate(FAKE, (ROOT / "agentforum_nb" / "static" / "tree.js").read_text())
    return ctx, page


def r1(p) -> dict:
    out = {}
    for n, budget in ((2000, 20000), (10000, 20000), (10000, 2000)):
        best = None
        for _ in range(5):  # the best of five: a 2-core machine shared with other work is noisy
            ctx, page = _page(p)
            r = page.evaluate(RENDER, [snapshot(n), budget])
            assert r["drawn"] == min(n, budget), r
            best = r["ms"] if best is None else min(best, r["ms"])
            ctx.close()
        out[f"render_{n}_ms" if budget >= n else f"render_{n}_budget_{budget}_ms"] = best
    return out


def r3(p) -> dict:
    out = {}
    ctx, page = _page(p)
    try:
        r = page.evaluate(RENDER, [snapshot(10000), 20000])
        assert r["drawn"] == 10000, r
        for near in (False, True):
            for kind in ("wheel", "drag"):
                if near:  # start each near measure from the fitted view
                    page.evaluate("() => document.querySelector('.af-toolbar button[data-action=fit]').click()")
                r = page.evaluate(FRAMES, [kind, near, 2, node_id(5000)])
                out[f"fps_{kind}_{'near' if near else 'far'}"] = r["fps"]
                out[f"svg_nodes_{kind}_{'near' if near else 'far'}"] = r["svgNodes"]
    finally:
        ctx.close()
    return out


def r4(p) -> dict:
    import agentforum_nb as af

    rnd = random.Random(4)
    forum = af.Forum()
    msgs = [forum.post("Plan a weekend in Lisbon")]
    for i in range(1, 10_000):
        parent = msgs[rnd.randrange(len(msgs))]
        m = forum.post(
            f"message number {i}: " + "tram 28, custard tarts, the Alfama at dawn " * 2,
            parent=parent,
            sender=rnd.choice(["user", "guide", "critic"]),
        )
        forum.annotate(m, score=i % 5, note="seen") if i % 10 == 0 else None
        msgs.append(m)
    out: dict = {}
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "tree.html"
        t0 = time.perf_counter()
        forum.to_html(path)
        out["html_write_s"] = time.perf_counter() - t0
        out["html_mb"] = path.stat().st_size / 1e6
        best = None
        for _ in range(3):
            ctx = p.chromium.launch_persistent_context(
                tempfile.mkdtemp(),
                executable_path=CHROMIUM,
                headless=True,
                args=CHROMIUM_ARGS,
                viewport={"width": 1280, "height": 800},
            )
            page = ctx.new_page()
            t0 = time.perf_counter()
            page.goto(path.as_uri())
            page.wait_for_function(  # laid out and drawn (fitted, 10,000 nodes are painted on the canvas)
                "() => Number(document.querySelector('.af-tree svg.af-svg')?.getAttribute('data-drawable')) > 0",
                timeout=60_000,
            )
            page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
            ms = (time.perf_counter() - t0) * 1000
            best = ms if best is None else min(best, ms)
            ctx.close()
        out["html_open_ms"] = best
    return out


STREAM_CELLS = [
    "import asyncio, agentforum_nb as af\n"
    "forum = af.Forum()\n"
    "N = 10_000\n"
    "@af.agent(cache=False)\n"
    "async def fast(ctx):\n"
    "    async def tokens():\n"
    "        loop = asyncio.get_running_loop(); start = loop.time()\n"
    "        for i in range(N):\n"
    "            yield f'{i} '\n"
    "            await asyncio.sleep(max(0.0, start + (i + 1) / 1000 - loop.time()))  # 1,000 tokens/s\n"
    "    ctx.respond(tokens())\n"
    "tv = af.TreeView(forum, agents=[fast])\n"
    "tv",
    "seq = tv.branch('stream please')",
]


def r2(p) -> dict:
    with tempfile.TemporaryDirectory() as d:
        write_notebook(Path(d) / "s.ipynb", STREAM_CELLS)
        lab = JupyterLab(Path(d))
        try:
            ctx = p.chromium.launch_persistent_context(
                tempfile.mkdtemp(), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            page = ctx.new_page()
            page.goto(f"{lab.base}/lab/tree/s.ipynb?token={lab.token}")
            page.wait_for_function(KERNEL_IDLE, timeout=90_000)
            page.evaluate(
                "() => { window.afMsgs = []; window.afStreamText = '';"
                " document.addEventListener('af-rendered', (e) => { window.afMsgs.push(performance.now());"
                " if (e.detail.text.length > window.afStreamText.length) window.afStreamText = e.detail.text; }, true); }"  # noqa: E501
            )
            page.evaluate("window.jupyterapp.commands.execute('runmenu:run-all')")
            expected = "".join(f"{i} " for i in range(10_000))
            t0 = time.monotonic()
            page.wait_for_function("(n) => window.afStreamText.length >= n", arg=len(expected), timeout=60_000)
            page.wait_for_function(
                "() => document.querySelectorAll('g.af-node').length >= 2"
                " && !document.querySelector('g.af-node.af-streaming')",
                timeout=60_000,
            )
            wall = time.monotonic() - t0
            stamps = page.evaluate("window.afMsgs")
            # no dropped text: the streamed text the browser assembled equals what the kernel stored
            ok = page.evaluate("() => window.afStreamText") == expected
            ctx.close()
        finally:
            lab.stop()
    span = (stamps[-1] - stamps[0]) / 1000 if len(stamps) > 1 else 1
    per_s = [0] * (int(span) + 1)
    for s in stamps:
        per_s[int((s - stamps[0]) / 1000)] += 1
    return {
        "stream_seconds": wall,
        "messages": len(stamps),
        "messages_per_s_avg": len(stamps) / max(span, 1e-9),
        "messages_per_s_max": max(per_s),
        "text_complete": bool(ok),
    }


SELECT = """
async ([ids, near]) => {
  const model = window.afModel;
  const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
  const times = [];
  if (near) {
    const jump = document.querySelector(".af-tree input.af-jump");
    jump.value = ids[0].slice(0, 12);
    jump.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
  } else document.querySelector(".af-toolbar button[data-action=fit]").click();
  await frame(); await frame();
  for (const id of ids) {
    const t0 = performance.now();
    model.set("selected_id", id);  // what a click does (selection.js), then the frame that paints it
    await frame();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const dimmed = document.querySelectorAll("g.af-node.af-dim").length;
  return { median: times[Math.floor(times.length / 2)], max: times[times.length - 1], dimmed };
}
"""


def r5_select(p) -> dict:
    """R5: select with the context highlight at 100,000 nodes (tree-ux's measure)."""
    out = {}
    ctx, page = _page(p)
    try:
        r = page.evaluate(RENDER, [snapshot(100_000), 200_000])
        assert r["drawn"] == 100_000, r
        rnd = random.Random(5)
        for near in (False, True):
            ids = [node_id(rnd.randrange(100_000)) for _ in range(15)]
            r = page.evaluate(SELECT, [ids, near])
            out[f"select_100000_{'near' if near else 'far'}_ms"] = r["median"]
            out[f"select_100000_{'near' if near else 'far'}_max_ms"] = r["max"]
    finally:
        ctx.close()
    return out


def main() -> None:
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--skip-lab", action="store_true")
    ap.add_argument("--only-select", action="store_true", help="R5 only (select with the context highlight)")
    args = ap.parse_args()
    if args.only_select:
        with sync_playwright() as p:
            res = r5_select(p)
        print(json.dumps(res, indent=2) if args.json else _select_rows(res))
        return
    with sync_playwright() as p:
        res = r1(p)
        res.update(r3(p))
        res.update(r4(p))
        res.update(r5_select(p))
        if not args.skip_lab:
            res.update(r2(p))
    if args.json:
        print(json.dumps(res, indent=2))
        return
    print("| measure | result | target |")
    print("|---|---|---|")
    print(f"| R1 first render, 2,000 nodes | {res['render_2000_ms']:.0f} ms | |")
    print(f"| R1 first render, 10,000 nodes, all drawable | {res['render_10000_ms']:.0f} ms | <= 500 ms |")
    print(f"| R1 first render, 10,000 nodes, budget 2,000 | {res['render_10000_budget_2000_ms']:.0f} ms | |")
    for key in ("fps_wheel_far", "fps_drag_far", "fps_wheel_near", "fps_drag_near"):
        kind, where = key.split("_")[1:]
        svg = res[key.replace("fps", "svg_nodes")]
        print(f"| R3 {kind} at {where} zoom, 10,000 drawn ({svg} as SVG) | {res[key]:.0f} frames/s | >= 30 |")
    print(
        f"| R4 forum.to_html, 10,000 messages: open the file to nodes painted | {res['html_open_ms']:.0f} ms "
        f"({res['html_mb']:.1f} MB, written in {res['html_write_s']:.2f} s) | |"
    )
    print(_select_rows(res))
    if "messages" in res:
        print(
            f"| R2 1,000 tokens/s for 10 s into a TreeView | {res['messages_per_s_avg']:.1f} messages/s on average, "
            f"{res['messages_per_s_max']} in the busiest second; text complete: {res['text_complete']} | "
            f"<= 20/s, no dropped text |"
        )


def _select_rows(res: dict) -> str:
    return "\n".join(
        f"| R5 select with the context highlight, 100,000 nodes, {where} | "
        f"{res[f'select_100000_{where}_ms']:.0f} ms"
        f" (slowest {res[f'select_100000_{where}_max_ms']:.0f} ms) | <= 50 ms |"
        for where in ("far", "near")
    )


if __name__ == "__main__":
    main()
