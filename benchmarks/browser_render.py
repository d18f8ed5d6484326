"""Widget benchmarks in headless Chromium (Debian's /usr/bin/chromium via Playwright).

R1  first render of a 2,000-, a 10,000- and a 100,000-node tree: from the snapshot message to the nodes painted (a
    fake anywidget model feeds the built bundle), all nodes drawable (budget above the size); and 10,000 nodes under
    a budget of 2,000, 100,000 under the default budget (20,000 drawn around the head). Targets: <= 0.5 s for
    10,000 and <= 1 s for 100,000, all drawable.
R3  frames per second while the user zooms (wheel, with Ctrl) and pans (drag) a 10,000- and a 100,000-node tree,
    all drawn: one input event per animation frame for 2 s, fitted (far zoom: the canvas) and at zoom 1 around a
    node in the middle of the tree (near: SVG around the view). Target >= 30.
R5  "fit" of a 10,000-node tree after a pan: from the click to the view painted. Target <= 100 ms.
R6  selecting a node of a 100,000-node tree (a click; the fake model answers `select` as the kernel does), near
    (SVG) and far (canvas): from the click to the selection painted. Target <= 50 ms.
R7  100,000 messages in a real JupyterLab: from `af.TreeView(forum)` (kernel clock) to the nodes painted (browser
    clock, the same machine), the snapshot's transfer included. Target <= 3 s.
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
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agentforum_nb.notebook._tracker import COMPACT_ABOVE  # noqa: E402
from agentforum_nb.palette import sender_colour  # noqa: E402
from tests.browser_support import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    KERNEL_IDLE,
    JupyterLab,
    kernel_eval,
    write_notebook,
)

FAKE = """
async (code) => {
  const url = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
  const widget = (await import(url)).default;
  window.makeWidget = (traits) => {
    const handlers = {};
    const model = {
      get: (k) => traits[k], set: (k, v) => { traits[k] = v; (handlers["change:" + k] || []).forEach((f) => f()); },
      save_changes() {}, on(ev, f) { (handlers[ev] ||= []).push(f); }, off() {},
      // the kernel's part that the view waits for: a selection comes back as the trait
      send(msg) { if (msg && msg.kind === "select") queueMicrotask(() => model.set("selected_id", msg.id)); },
      emit(msg, buffers = []) { (handlers["msg:custom"] || []).forEach((f) => f(msg, buffers)); },
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
  // a large snapshot's rows come in a binary buffer, as the kernel sends them (agentforum_nb/notebook/_tracker.py)
  const buffers = snapshot.bufferText ? [new TextEncoder().encode(snapshot.bufferText)] : [];
  const message = { ...snapshot };
  delete message.bufferText;
  const t0 = performance.now();
  model.emit(message, buffers);
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


# "fit" after a drag: from the click to the view painted.
FIT = """
async () => {
  const canvas = document.querySelector(".af-canvas");
  const r = canvas.getBoundingClientRect();
  const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
  const frame = () => new Promise((res) => requestAnimationFrame(res));
  const times = [];
  for (let i = 0; i < 5; i++) {
    canvas.dispatchEvent(new MouseEvent("mousedown", { button: 0, clientX: cx, clientY: cy, bubbles: true }));
    window.dispatchEvent(new MouseEvent("mousemove", { clientX: cx + 300, clientY: cy + 200, bubbles: true }));
    window.dispatchEvent(new MouseEvent("mouseup", { bubbles: true }));
    await frame(); await frame();
    const t0 = performance.now();
    document.querySelector(".af-tree [data-action=fit]").click();
    await frame(); await frame();
    times.push(performance.now() - t0);
  }
  return { ms: Math.min(...times), view: document.querySelector(".af-tree").afTree.view() };
}
"""

# A click on a node (near: its SVG element; far: the canvas under its centre), then the selection painted.
SELECT = """
async ([keys, near]) => {
  const frame = () => new Promise((res) => requestAnimationFrame(res));
  const root = document.querySelector(".af-tree");
  const canvas = document.querySelector(".af-canvas");
  const times = [];
  for (const key of keys) {
    const t0 = performance.now();
    if (near) {
      const g = document.querySelector(`g.af-node[data-key="${key}"]`);
      if (!g) return { error: "not drawn: " + key };
      const b = g.getBoundingClientRect();
      g.dispatchEvent(new MouseEvent("click", { clientX: b.left + b.width / 2, clientY: b.top + b.height / 2,
        bubbles: true }));
    } else {
      const p = root.afTree.position(key), v = root.afTree.view(), r = canvas.getBoundingClientRect();
      canvas.dispatchEvent(new MouseEvent("click", { clientX: r.left + p.x * v.k + v.x,
        clientY: r.top + (p.y + p.h / 2) * v.k + v.y, bubbles: true }));
    }
    await new Promise((res) => queueMicrotask(res));
    await frame(); await frame();
    times.push(performance.now() - t0);
    // far out a box is a pixel or less: the click picks the node nearest the pointer, not always this one
    const got = window.afModel.get("selected_id");
    if (near ? got !== key : !got) return { error: "not selected: " + key };
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)] };
}
"""


def node_id(i: int) -> str:
    """Ids like the forum's (64 hex digits), distinct in their first characters ("jump to" needs that)."""
    return hashlib.sha256(f"node {i}".encode()).hexdigest()


def snapshot(n: int, seed: int = 1) -> dict:
    """A random tree's snapshot as the kernel sends it: node objects, or above COMPACT_ABOVE nodes columns in a
    binary buffer (here as `bufferText`, made into the buffer in the page before the clock starts)."""
    rnd = random.Random(seed)
    senders = ["user", "alice", "bob", "critic"]
    parents = [None if i == 0 else rnd.randrange(i) for i in range(n)]
    who = [rnd.randrange(len(senders)) for _ in range(n)]
    if n > COMPACT_ABOVE:
        columns = {
            "n": n,
            "ids": "".join(node_id(i) for i in range(n)),
            "parent": [-1 if p is None else p for p in parents],
            "sender": who,
            "senders": senders,
            "colours": [sender_colour(s) for s in senders],
            "kind": [0] * n,
            "kinds": ["message"],
            "status": [0] * n,
            "statuses": ["complete"],
            "snippet": [f"message number {i} " * 3 for i in range(n)],
            "n_chars": [60] * n,
            "reply_to": [],
            "original": [],
            "extra": [],
        }
        return {
            "kind": "snapshot",
            "columns": {"buffer": 0},
            "streams": [],
            "bufferText": json.dumps(columns, separators=(",", ":")),
        }
    nodes = []
    for i in range(n):
        p = parents[i]
        nodes.append(
            {
                "id": node_id(i),
                "parent": None if p is None else node_id(p),
                "sender": senders[who[i]],
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
    page.evaluate(FAKE, Path(os.environ.get("AF_BUNDLE", ROOT / "agentforum_nb" / "static" / "tree.js")).read_text())
    return ctx, page


def r1(p) -> dict:
    out = {}
    for n, budget in ((2000, 20000), (10000, 20000), (10000, 2000), (100_000, 200_000), (100_000, 20_000)):
        best = None
        snap = snapshot(n)
        for _ in range(5 if n <= 10_000 else 3):  # the best of five: a 2-core machine shared with other work is noisy
            ctx, page = _page(p)
            r = page.evaluate(RENDER, [snap, budget])
            # drawable: all, but siblings past a few are folded into "+k more" items (5 to 15% of a random tree)
            assert 0.8 * min(n, budget) <= r["drawn"] <= 1.05 * min(n, budget), r
            best = r["ms"] if best is None else min(best, r["ms"])
            ctx.close()
        out[f"render_{n}_ms" if budget >= n else f"render_{n}_budget_{budget}_ms"] = best
    return out


def r3(p) -> dict:
    out = {}
    for n in (10_000, 100_000):
        suffix = "" if n == 10_000 else "_100k"
        ctx, page = _page(p)
        try:
            r = page.evaluate(RENDER, [snapshot(n), 2 * n])
            assert r["drawn"] >= 0.8 * n, r
            for near in (False, True):
                for kind in ("wheel", "drag"):
                    if near:  # start each near measure from the fitted view
                        page.evaluate("() => document.querySelector('.af-tree [data-action=fit]').click()")
                    r = page.evaluate(FRAMES, [kind, near, 2, node_id(n // 2)])
                    out[f"fps_{kind}_{'near' if near else 'far'}{suffix}"] = r["fps"]
                    out[f"svg_nodes_{kind}_{'near' if near else 'far'}{suffix}"] = r["svgNodes"]
        finally:
            ctx.close()
    return out


def r5(p) -> dict:
    ctx, page = _page(p)
    try:
        r = page.evaluate(RENDER, [snapshot(10_000), 20_000])
        assert r["drawn"] >= 8_000, r
        r = page.evaluate(FIT)
        return {"fit_10000_ms": r["ms"]}
    finally:
        ctx.close()


def r6(p) -> dict:
    out = {}
    ctx, page = _page(p)
    try:
        n = 100_000
        r = page.evaluate(RENDER, [snapshot(n), 2 * n])
        assert r["drawn"] >= 0.8 * n, r
        # far: the fitted view, nodes picked on the canvas
        keys = [node_id(i) for i in (1, 5000, 20_000, 50_000, 90_000)]
        r = page.evaluate(SELECT, [keys, False])
        assert "error" not in r, r
        out["select_far_100k_ms"] = r["ms"]
        # near: "jump to" a node, then click it and its neighbours drawn as SVG around it
        page.evaluate(FRAMES, ["wheel", True, 0, node_id(n // 2)])
        drawn = page.evaluate("() => [...document.querySelectorAll('g.af-node')].map((g) => g.dataset.key)")
        keys = [node_id(n // 2)] + [k for k in drawn if k != node_id(n // 2)][:4]
        r = page.evaluate(SELECT, [keys, True])
        assert "error" not in r, r
        out["select_near_100k_ms"] = r["ms"]
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


LAB_CELLS = [
    "import random, time, agentforum_nb as af\n"
    "forum = af.Forum()\n"
    "rnd = random.Random(7)\n"
    "msgs = []\n"
    "for i in range(100_000):\n"
    "    parent = msgs[rnd.randrange(len(msgs))] if msgs and i % 33 else None  # about 3,000 conversations\n"
    "    msgs.append(forum.post(f'message {i}: ' + 'the motion, the rebuttal and the verdict ' * 2, parent=parent,\n"
    "                           sender=rnd.choice(['user', 'moderator', 'pro', 'con', 'judge'])))",
    "T0 = time.time()\ntv = af.TreeView(forum)\ntv",
]


def r7(p) -> dict:
    """From af.TreeView(forum) of 100,000 messages to the nodes painted, in a real JupyterLab."""
    with tempfile.TemporaryDirectory() as d:
        write_notebook(Path(d) / "big.ipynb", LAB_CELLS)
        lab = JupyterLab(Path(d))
        try:
            ctx = p.chromium.launch_persistent_context(
                tempfile.mkdtemp(),
                executable_path=CHROMIUM,
                headless=True,
                args=CHROMIUM_ARGS,
                viewport={"width": 1280, "height": 900},
            )
            page = ctx.new_page()
            page.goto(f"{lab.base}/lab/tree/big.ipynb?token={lab.token}")
            page.wait_for_function(KERNEL_IDLE, timeout=90_000)
            # the page notes when the snapshot's nodes are painted: two frames after the widget rendered them
            page.evaluate(
                "() => document.addEventListener('af-rendered', (e) => { if (e.detail.kind === 'snapshot'"
                " && !window.afPainted) requestAnimationFrame(() => requestAnimationFrame(() => {"
                " window.afPainted = Date.now(); })); }, true)"
            )
            page.evaluate("window.jupyterapp.commands.execute('runmenu:run-all')")
            page.wait_for_function("() => window.afPainted", timeout=120_000)
            painted = page.evaluate("() => window.afPainted")
            drawable = int(page.get_attribute(".af-tree svg.af-svg", "data-drawable") or 0)
            page.wait_for_function(KERNEL_IDLE, timeout=90_000)
            t0 = float(kernel_eval(lab.kernel_connection_files()[-1], "print(repr(T0))").strip())
            ctx.close()
        finally:
            lab.stop()
    return {"lab_100k_s": painted / 1000 - t0, "lab_100k_drawable": drawable}


def main() -> None:
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--skip-lab", action="store_true")
    ap.add_argument("--only", help="comma-separated parts to run, e.g. r1,r5 (default: all)")
    args = ap.parse_args()
    parts = {"r1": r1, "r3": r3, "r5": r5, "r6": r6, "r4": r4, "r7": r7, "r2": r2}
    chosen = args.only.split(",") if args.only else [k for k in parts if not (args.skip_lab and k in ("r2", "r7"))]
    res: dict = {}
    with sync_playwright() as p:
        for name in chosen:
            res.update(parts[name](p))
    if args.json:
        print(json.dumps(res, indent=2))
        return
    print("| measure | result | target |")
    print("|---|---|---|")
    if "render_2000_ms" in res:
        print(f"| R1 first render, 2,000 nodes | {res['render_2000_ms']:.0f} ms | |")
        print(f"| R1 first render, 10,000 nodes, all drawable | {res['render_10000_ms']:.0f} ms | <= 500 ms |")
        print(f"| R1 first render, 10,000 nodes, budget 2,000 | {res['render_10000_budget_2000_ms']:.0f} ms | |")
        print(f"| R1 first render, 100,000 nodes, all drawable | {res['render_100000_ms']:.0f} ms | <= 1 s |")
        print(
            f"| R1 first render, 100,000 nodes, default budget 20,000 | "
            f"{res['render_100000_budget_20000_ms']:.0f} ms | |"
        )
    for n, suffix in (("10,000", ""), ("100,000", "_100k")):
        for key in ("fps_wheel_far", "fps_drag_far", "fps_wheel_near", "fps_drag_near"):
            if key + suffix not in res:
                continue
            kind, where = key.split("_")[1:]
            svg = res[key.replace("fps", "svg_nodes") + suffix]
            print(f"| R3 {kind} at {where} zoom, {n} drawn ({svg} as SVG) | {res[key + suffix]:.0f} frames/s | >= 30 |")
    if "fit_10000_ms" in res:
        print(f"| R5 fit, 10,000 nodes: click to painted | {res['fit_10000_ms']:.0f} ms | <= 100 ms |")
    if "select_far_100k_ms" in res:
        print(
            "| R6 select a node of 100,000 (its branch highlighted, the rest dimmed): near (SVG) / far (canvas), "
            f"click to painted | "
            f"{res['select_near_100k_ms']:.0f} / {res['select_far_100k_ms']:.0f} ms | <= 50 ms |"
        )
    if "html_open_ms" in res:
        print(
            f"| R4 forum.to_html, 10,000 messages: open the file to nodes painted | {res['html_open_ms']:.0f} ms "
            f"({res['html_mb']:.1f} MB, written in {res['html_write_s']:.2f} s) | |"
        )
    if "lab_100k_s" in res:
        print(
            f"| R7 JupyterLab, af.TreeView(forum) of 100,000 messages to nodes painted | {res['lab_100k_s']:.2f} s "
            f"({res['lab_100k_drawable']} drawn) | <= 3 s |"
        )
    if "messages" in res:
        print(
            f"| R2 1,000 tokens/s for 10 s into a TreeView | {res['messages_per_s_avg']:.1f} messages/s on average, "
            f"{res['messages_per_s_max']} in the busiest second; text complete: {res['text_complete']} | "
            f"<= 20/s, no dropped text |"
        )


if __name__ == "__main__":
    main()
