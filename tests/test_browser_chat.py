"""The ChatView in a real browser: JupyterLab 4 and Notebook 7 + headless Debian Chromium via Playwright.

Opens a notebook with a TreeView and a linked ChatView over a forum whose question has three answers, clicks the
branch arrows as a person does (`‹ 3/3 ›` -> 2/3 -> 1/3, which goes down to that branch's latest reply) and checks
in the kernel that the chat's and the tree's heads moved (and in the page that the tree highlights the new head);
a sibling stored from the kernel updates the count live; "regenerate" streams a new sibling in; markdown renders
(code blocks monospaced with their own horizontal scroll, long text wrapped) and hostile text does nothing; a
ChatView without a head shows its hint. Screenshots go to $AGENTFORUM_ARTIFACTS (default artifacts/).
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

QUESTION = "Where should I travel in spring?"
A1 = (
    "Try **Lisbon**: hills, `tiles` and custard tarts.\n\n"
    "```python\nprint('" + "a very long line of code that must scroll sideways, not wrap " * 3 + "')\n```"
)
A2 = (
    'Try *Kyoto*: temples and gardens. <img src=x onerror="window.__xss=1"> <script>window.__xss=2</script> '
    "[click me](javascript:window.__xss=3) " + "averyveryverylongwordwithoutanyspaces" * 6
)
A3 = "Try Valparaíso: murals, funiculars and [the Pacific](https://en.wikipedia.org/wiki/Pacific_Ocean)."
FOLLOW_UP = "And in autumn?"
R1 = "Autumn in Lisbon is mild and golden."
CUT = "Half an answer, cut short"
PORTO = "Or Porto, by the river."
REGENERATED = "Try Seville: orange trees and flamenco."

CELLS = [
    "import agentforum_nb as af\n"
    "forum = af.Forum()\n"
    f"q = forum.post({QUESTION!r})\n"
    f"a1 = forum.post({A1!r}, parent=q, sender='guide')\n"
    f"a2 = forum.post({A2!r}, parent=q, sender='guide')\n"
    f"a3 = forum.post({A3!r}, parent=q, sender='guide')\n"
    f"u1 = forum.post({FOLLOW_UP!r}, parent=a1)\n"
    f"r1 = forum.post({R1!r}, parent=u1, sender='guide')\n"
    f"c3 = forum.add(af.Message({CUT!r}, parent_id=a3.id, sender='guide', status='cancelled'))\n"
    f"guide = af.scripted_agent('guide', [{REGENERATED!r}], delay=0.1)\n"
    "tree = af.TreeView(forum, agents=[guide], head=c3)\n"
    "tree.layout.height = '300px'\n"
    "tree",
    "chat = af.ChatView(forum, head=tree)\nchat",
    "empty = af.ChatView(forum)\nempty",
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


def ids() -> dict[str, str]:
    q = af.Message(QUESTION).id
    a1 = af.Message(A1, parent_id=q, sender="guide").id
    u1 = af.Message(FOLLOW_UP, parent_id=a1).id
    return {
        "q": q,
        "a1": a1,
        "a2": af.Message(A2, parent_id=q, sender="guide").id,
        "a3": af.Message(A3, parent_id=q, sender="guide").id,
        "u1": u1,
        "r1": af.Message(R1, parent_id=u1, sender="guide").id,
        "c3": af.Message(
            CUT, parent_id=af.Message(A3, parent_id=q, sender="guide").id, sender="guide", status="cancelled"
        ).id,
        "porto": af.Message(PORTO, parent_id=q, sender="guide").id,
        "regenerated": af.Message(REGENERATED, parent_id=q, sender="guide").id,
    }


def drive_chat_view(app: str, prefix: str) -> None:
    from playwright.sync_api import sync_playwright

    m = ids()
    shots = artifacts()
    with tempfile.TemporaryDirectory() as d:
        write_notebook(Path(d) / "chat.ipynb", CELLS)
        lab = JupyterLab(Path(d), app=app)
        try:
            with sync_playwright() as p:
                ctx = p.chromium.launch_persistent_context(
                    tempfile.mkdtemp(),
                    executable_path=CHROMIUM,
                    headless=True,
                    args=CHROMIUM_ARGS,
                    viewport={"width": 1100, "height": 1000},
                )
                try:
                    page = ctx.new_page()
                    open_and_run(page, lab, "chat.ipynb")
                    chat = page.locator(".af-chat", has=page.locator(".af-chat-msg")).first

                    def row(key: str):
                        return chat.locator(f'.af-chat-msg[data-key="{key}"]')

                    def heads() -> tuple[str, str]:
                        out = kernel_eval(connection, "print(chat.head_id, tree.head_id)").split()
                        return out[0], out[1]

                    def wait_tree_head(key: str) -> None:
                        page.wait_for_function(
                            f"() => !!document.querySelector('g.af-node.af-head[data-key=\"{key}\"]')",
                            timeout=30_000,
                        )

                    row(m["c3"]).wait_for(timeout=90_000)
                    connection = lab.kernel_connection_files()[-1]
                    assert row(m["a3"]).locator(".af-chat-pos").text_content() == "3/3"
                    assert row(m["a3"]).locator("a").get_attribute("href").startswith("https://")
                    assert row(m["a3"]).locator("a").get_attribute("rel").startswith("noopener")
                    # how a message ended is visible
                    assert "af-chat-cancelled" in row(m["c3"]).get_attribute("class")
                    assert row(m["c3"]).locator(".af-chat-tag").text_content() == "cancelled"
                    assert row(m["q"]).locator(".af-chat-branches").count() == 0  # a root: no arrows
                    # a ChatView without a head says what to do
                    hint = page.locator(".af-chat-hint:visible")
                    hint.wait_for(timeout=30_000)
                    assert "check out a message in the TreeView, or pass head=" in hint.text_content()
                    chat.scroll_into_view_if_needed()
                    chat.screenshot(path=str(shots / f"{prefix}-1-three-answers.png"))

                    # ‹ : the previous answer (a leaf): the chat and the tree both show it
                    row(m["a3"]).locator("button[data-action=prev]").click()
                    row(m["a2"]).wait_for(timeout=30_000)
                    assert row(m["a2"]).locator(".af-chat-pos").text_content() == "2/3"
                    assert heads() == (m["a2"], m["a2"])
                    wait_tree_head(m["a2"])
                    chat.scroll_into_view_if_needed()
                    chat.screenshot(path=str(shots / f"{prefix}-2-hostile-text-wrapped.png"))
                    # hostile text did nothing; the only links are http(s) ones
                    assert page.evaluate("() => window.__xss === undefined")
                    assert chat.locator("img, script, iframe").count() == 0
                    assert chat.locator("a").count() == 0  # the javascript: link stayed text
                    assert "[click me](javascript:window.__xss=3)" in row(m["a2"]).text_content()
                    # long words wrap inside the transcript instead of widening it
                    assert page.evaluate(
                        "() => { const l = document.querySelector('.af-chat-list');"
                        " return l.scrollWidth <= l.clientWidth + 1; }"
                    )

                    # ‹ again: the first answer's branch, down to its latest reply
                    row(m["a2"]).locator("button[data-action=prev]").click()
                    row(m["r1"]).wait_for(timeout=30_000)
                    keys = chat.locator(".af-chat-msg").evaluate_all("rows => rows.map(r => r.dataset.key)")
                    assert keys == [m["q"], m["a1"], m["u1"], m["r1"]]
                    assert heads() == (m["r1"], m["r1"])
                    wait_tree_head(m["r1"])
                    assert row(m["a1"]).locator("button[data-action=prev]").is_disabled()
                    # markdown: bold, inline code, a monospaced code block with its own horizontal scroll
                    assert row(m["a1"]).locator("strong").text_content() == "Lisbon"
                    code = row(m["a1"]).locator("pre.af-md-code")
                    assert "monospace" in code.evaluate("e => getComputedStyle(e).fontFamily")
                    assert code.evaluate("e => getComputedStyle(e).overflowX") == "auto"
                    assert code.evaluate("e => e.scrollWidth > e.clientWidth")
                    chat.scroll_into_view_if_needed()
                    chat.screenshot(path=str(shots / f"{prefix}-3-switched-to-first-branch.png"))

                    # ›: back to the second answer
                    row(m["a1"]).locator("button[data-action=next]").click()
                    row(m["a2"]).wait_for(timeout=30_000)
                    assert heads() == (m["a2"], m["a2"])

                    # another branch grows (stored from the kernel): the count follows, live
                    kernel_eval(connection, f"forum.post({PORTO!r}, parent=q, sender='guide')")
                    page.wait_for_function(
                        f"() => document.querySelector('.af-chat-msg[data-key=\"{m['a2']}\"] .af-chat-pos')"
                        "?.textContent === '2/4'",
                        timeout=30_000,
                    )
                    assert heads() == (m["a2"], m["a2"])  # a sibling appearing does not move the view

                    # regenerate: the tree's agent answers again; the new sibling streams in and is followed
                    row(m["a2"]).locator("button[data-action=regenerate]").click()
                    pending = chat.locator(".af-chat-msg.af-chat-pending")
                    pending.wait_for(timeout=30_000)
                    assert pending.locator(".af-chat-tag").text_content() == "streaming…"
                    chat.screenshot(path=str(shots / f"{prefix}-4-streaming.png"))
                    row(m["regenerated"]).wait_for(timeout=30_000)
                    page.wait_for_function(
                        f"() => document.querySelector('.af-chat-msg[data-key=\"{m['regenerated']}\"] .af-chat-pos')"
                        "?.textContent === '5/5'",
                        timeout=30_000,
                    )
                    assert heads() == (m["regenerated"], m["regenerated"])
                    assert kernel_eval(connection, "print(repr(chat.error), repr(tree.error))").strip() == "'' ''"
                    assert chat.locator("button[data-action=edit]").count() == 0  # lands with a later issue
                    chat.scroll_into_view_if_needed()
                    chat.screenshot(path=str(shots / f"{prefix}-5-regenerated.png"))
                    page.screenshot(path=str(shots / f"{prefix}-page.png"), full_page=True)
                finally:
                    ctx.close()
        finally:
            lab.stop()


def test_chat_view_in_jupyterlab():
    drive_chat_view("lab", "chatview-jupyterlab")


def test_chat_view_in_notebook7():
    drive_chat_view("notebook", "chatview-notebook7")
