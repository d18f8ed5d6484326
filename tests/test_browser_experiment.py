"""The ExperimentView in a real browser: JupyterLab 4 + headless Debian Chromium via Playwright.

A notebook runs an experiment (ten cases through two variants of a function agent, two function judges) in the
background with an ExperimentView and a linked TreeView shown before it starts: the grid fills in live (the last
case waits on a gate the test opens from a second kernel client). Then, as a person does: a click on a cell reads
that run (its conversation in the pane, and the TreeView checks its output out), a Shift-click on a second cell
compares the two (a word diff, each side's totals), a click on a column's header sorts the rows by it (best first,
then worst first), arrow keys and Enter open a run, Esc closes the pane; hostile text does nothing. A pre-computed
result of 1,000 cases x 5 variants (built in the kernel, nothing run) renders and sorts in the same page.
Screenshots go to $AGENTFORUM_ARTIFACTS (default artifacts/).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest

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

reason = browser_available()
if reason and os.environ.get("AGENTFORUM_REQUIRE_BROWSER"):
    raise RuntimeError(f"AGENTFORUM_REQUIRE_BROWSER is set but {reason}")
pytestmark = [pytest.mark.browser, pytest.mark.skipif(reason is not None, reason=reason or "")]

XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
PRODUCTS = [
    "acme rockets",
    "acme bikes",
    "green tea",
    "night lamps",
    "river kayaks",
    "quiet keyboards",
    "solar kettles",
    "paper planes",
    f"hostile {XSS}",
    "the last product",
]

CELLS = [
    "import asyncio, agentforum_nb as af\n"
    "forum = af.Forum()\n"
    "gate = asyncio.Event()  # the test opens it once it has seen the grid fill in without the last case\n"
    "\n"
    "def writer(style, words):\n"
    "    @af.agent(name='writer', version=style)\n"
    "    async def write(ctx):\n"
    "        (request,) = await ctx.requests\n"
    "        if 'last' in request.content:\n"
    "            await gate.wait()\n"
    "        product = request.content\n"
    "        filler = ' '.join(['really'] * (len(product) % words))\n"
    "        ctx.respond(f'{product.title()}: {filler} good, {style} and yours.')\n"
    "    return write\n"
    "\n"
    "def brand(case, run):\n"
    "    return 'acme' in run.output.content.lower()\n"
    "\n"
    "def brevity(case, run):\n"
    "    return 10 - len(run.output.content.split())\n"
    "\n"
    f"products = {PRODUCTS!r}\n"
    "exp = af.Experiment('slogans', cases=[p if 'hostile' in p else af.Case(p, name=p) for p in products],\n"
    "                    variants={'plain': writer('plain', 5), 'terse': writer('terse', 2)},\n"
    "                    judges=[brand, brevity], forum=forum)\n"
    "tree = af.TreeView(forum)\n"
    "tree.layout.height = '280px'\n"
    "view = af.ExperimentView(exp, tree=tree)\n"
    "view",
    "tree",
    "task = asyncio.ensure_future(exp.run(progress=False, max_concurrency=4))  # in the background: the view fills in",
    # a pre-computed table of 1,000 cases x 5 variants: messages posted, nothing run
    "big_forum = af.Forum()\n"
    "variants = ['baseline', 'terse', 'playful', 'formal', 'emoji']\n"
    "cases = [af.Case(f'Write a slogan for product number {i}', name=f'product {i}') for i in range(1000)]\n"
    "runs = []\n"
    "for i, case in enumerate(cases):\n"
    "    root = big_forum.post(case.turns[0])\n"
    "    for k, v in enumerate(variants):\n"
    "        out = big_forum.post(f'{v} slogan {i}: ' + 'bright and bold ' * (1 + (i * 3 + k) % 6), parent=root,\n"
    "                             sender='writer')\n"
    "        scores = {'quality': 1 + (i * 7 + k * 3) % 5, 'brand': (i + k) % 3 > 0}\n"
    "        metrics = {'duration_s': 0.5 + (i % 10) / 10, 'tokens': 40 + i % 50, 'cost_usd': 0.0001 * (1 + k)}\n"
    "        runs.append(af.Run(case, v, 0, (root, out), out, scores=scores, metrics=metrics))\n"
    "big = af.ExperimentResult('big', 0, runs, cases=cases, variants=variants, forum=big_forum)\n"
    "big_view = af.ExperimentView(big)\n"
    "big_view",
]


def drawn_order(view) -> list[int]:
    """The cases of the rows drawn, top to bottom."""
    return view.evaluate(
        "v => [...v.querySelectorAll('.af-exp-row')].sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))"
        ".map(r => Number(r.dataset.case))"
    )


def test_experiment_view_in_jupyterlab():
    from playwright.sync_api import sync_playwright

    shots = artifacts()
    with tempfile.TemporaryDirectory() as d:
        write_notebook(Path(d) / "exp.ipynb", CELLS)
        lab = JupyterLab(Path(d), app="lab")
        try:
            with sync_playwright() as p:
                ctx = p.chromium.launch_persistent_context(
                    tempfile.mkdtemp(),
                    executable_path=CHROMIUM,
                    headless=True,
                    args=CHROMIUM_ARGS,
                    viewport={"width": 1280, "height": 1000},
                )
                try:
                    page = ctx.new_page()
                    page.goto(f"{lab.base}/lab/tree/exp.ipynb?token={lab.token}")
                    page.wait_for_function(KERNEL_IDLE, timeout=90_000)
                    page.evaluate("window.jupyterapp.commands.execute('runmenu:run-all')")
                    view = page.locator(".af-exp").first
                    big = page.locator(".af-exp").nth(1)

                    def kernel(code: str) -> str:
                        return kernel_eval(connection, code).strip()

                    # live: every run but the last case's two is in, and the view says it is still running
                    page.wait_for_function(
                        "() => { const v = document.querySelector('.af-exp');"
                        " return v && v.dataset.done === '18' && v.dataset.running === 'true'; }",
                        timeout=90_000,
                    )
                    page.wait_for_function(KERNEL_IDLE, timeout=90_000)
                    connection = lab.kernel_connection_files()[-1]
                    assert view.locator(".af-exp-status").text_content() == "18/20 runs · running…"
                    assert view.locator(".af-exp-sample.af-exp-wait").count() == 2  # the last case's two cells
                    view.scroll_into_view_if_needed()
                    view.screenshot(path=str(shots / "experimentview-1-filling-in.png"))
                    kernel("gate.set()")
                    page.wait_for_function(
                        "() => { const v = document.querySelector('.af-exp');"
                        " return v.dataset.done === '20' && v.dataset.running === 'false'; }",
                        timeout=30_000,
                    )
                    assert view.locator(".af-exp-status").text_content() == "20/20 runs"
                    assert view.locator(".af-exp-row").count() == 10  # ten cases: all drawn
                    view.screenshot(path=str(shots / "experimentview-2-ten-cases.png"))

                    # a click on a cell reads the run, and the linked TreeView checks its output out
                    cell = view.locator('.af-exp-sample[data-key="3:1:0"]')
                    output = cell.get_attribute("data-output")
                    assert output and kernel(f"print(forum.get({output!r}).sender)") == "writer"
                    cell.click()
                    pane = view.locator(".af-exp-run")
                    pane.locator(".af-exp-msg").nth(1).wait_for(timeout=30_000)
                    expected = json.loads(
                        kernel("import json; print(json.dumps(exp.result.run('night lamps', 'terse').output.content))")
                    )
                    assert pane.locator(".af-exp-body").nth(1).text_content() == expected
                    assert pane.locator(".af-exp-body").nth(0).text_content() == "night lamps"
                    assert "checked out in the TreeView" in pane.text_content()
                    night = "exp.result.run('night lamps', 'terse').output.id"
                    assert kernel(f"print(tree.head_id == tree.selected_id == {night})") == "True"
                    assert kernel("print(view.opened)") == "{'case': 3, 'variant': 'terse', 'sample': 0}"
                    page.wait_for_function(  # the tree's details pane follows its new selection
                        "(text) => document.querySelector('.af-tree .af-details')?.textContent.includes(text)",
                        arg=expected,
                        timeout=30_000,
                    )
                    assert "af-exp-opened" in cell.get_attribute("class")
                    view.screenshot(path=str(shots / "experimentview-3-run-opened.png"))

                    # Shift-click on a second cell compares the two runs
                    view.locator('.af-exp-sample[data-key="3:0:0"]').click(modifiers=["Shift"])
                    compare = view.locator(".af-exp-compare")
                    compare.locator(".af-exp-ccell").first.wait_for(timeout=30_000)
                    assert pane.is_hidden()
                    assert "compare case night lamps · terse" in compare.locator(".af-exp-ptitle").text_content()
                    assert compare.locator("del").count() >= 1 and compare.locator("ins").count() >= 1
                    totals = compare.locator(".af-exp-cside").first.text_content()
                    assert " s" in totals  # its run's duration
                    assert view.locator(".af-exp-sample.af-exp-selected").count() == 2
                    assert kernel("print(view.comparison['a']['variant'], view.comparison['b']['variant'])") == (
                        "terse plain"
                    )
                    view.screenshot(path=str(shots / "experimentview-4-compared.png"))

                    # Esc closes the comparison (the run's pane comes back), Esc again closes that
                    view.locator(".af-exp-scroll").focus()
                    page.keyboard.press("Escape")
                    pane.wait_for(state="visible", timeout=30_000)
                    assert compare.is_hidden()
                    page.keyboard.press("Escape")
                    pane.wait_for(state="hidden", timeout=30_000)

                    # sort by a column: terse's brevity, best first; then worst first; the kernel agrees
                    scores = json.loads(
                        kernel(
                            "import json; print(json.dumps([exp.result.run(c.name, 'terse').scores['brevity'] "
                            "for c in exp.cases]))"
                        )
                    )
                    view.locator(".af-exp-measure").select_option("score:brevity")
                    view.locator('.af-exp-head .af-exp-sortable[data-sort="1"]').click()
                    best = sorted(range(10), key=lambda c: (-scores[c], c))
                    assert drawn_order(view) == best
                    assert view.get_attribute("data-sort") == "1:score:brevity:1"
                    view.locator('.af-exp-head .af-exp-sortable[data-sort="1"]').click()
                    assert drawn_order(view) == sorted(range(10), key=lambda c: (scores[c], c))
                    view.screenshot(path=str(shots / "experimentview-5-sorted.png"))

                    # keys: arrows move a cursor over the cells (in the rows' new order), Enter opens that run
                    worst = sorted(range(10), key=lambda c: (scores[c], c))
                    assert "af-exp-cursor" in view.locator('.af-exp-sample[data-key="3:0:0"]').get_attribute("class")
                    view.locator(".af-exp-scroll").focus()
                    page.keyboard.press("ArrowDown")  # from the last cell clicked (case 3, plain): the next row
                    page.keyboard.press("ArrowRight")  # its terse cell
                    page.keyboard.press("Enter")
                    below = worst[worst.index(3) + 1]
                    pane.locator(".af-exp-msg").nth(1).wait_for(timeout=30_000)
                    page.wait_for_function(
                        f"() => document.querySelector('.af-exp-sample[data-key=\"{below}:1:0\"]')"
                        ".classList.contains('af-exp-opened')",
                        timeout=30_000,
                    )
                    assert kernel("print(view.opened)") == f"{{'case': {below}, 'variant': 'terse', 'sample': 0}}"

                    # hostile text (a case and the runs' outputs) is only ever text
                    assert page.evaluate("() => window.__xss === undefined")
                    assert view.locator("img, script").count() == 0
                    assert XSS in view.locator('.af-exp-row[data-case="8"] .af-exp-first').text_content()
                    assert kernel("print(repr(view.error), repr(tree.error))") == "'' ''"

                    # 1,000 cases x 5 variants from a pre-computed result: only the rows in view are drawn
                    page.wait_for_function(
                        "() => document.querySelectorAll('.af-exp')[1]?.dataset.done === '5000'", timeout=60_000
                    )
                    big.scroll_into_view_if_needed()
                    assert big.locator(".af-exp-row").count() < 40
                    assert big.locator(".af-exp-status").text_content() == "5000/5000 runs"
                    big.screenshot(path=str(shots / "experimentview-6-thousand-cases.png"))
                    ms = big.evaluate(
                        "async (v) => { const t0 = performance.now();"
                        " v.querySelector('.af-exp-head .af-exp-sortable[data-sort=\"2\"]').click();"
                        " await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));"
                        " return performance.now() - t0; }"
                    )
                    first = drawn_order(big)[:3]
                    assert all(kernel(f"print(big.run({c}, 'playful').scores['quality'])") == "5" for c in first), first
                    print(f"1,000 x 5 sorted in JupyterLab in {ms:.0f} ms")
                    big.locator(".af-exp-scroll").evaluate("s => { s.scrollTop = 30000; }")
                    page.wait_for_function(
                        "() => [...document.querySelectorAll('.af-exp')[1].querySelectorAll('.af-exp-row')]"
                        ".some((r) => parseFloat(r.style.top) > 29000)",
                        timeout=30_000,
                    )
                    big.screenshot(path=str(shots / "experimentview-7-thousand-sorted-scrolled.png"))
                    page.screenshot(path=str(shots / "experimentview-page.png"), full_page=True)
                finally:
                    ctx.close()
        finally:
            lab.stop()
