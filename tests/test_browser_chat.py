"""The ChatView in a real browser: JupyterLab 4 and Notebook 7 + headless Debian Chromium via Playwright.

Opens a notebook with a TreeView and a linked ChatView over a forum whose question has three answers, clicks the
branch arrows as a person does (`‹ 3/3 ›` -> 2/3 -> 1/3, which goes down to that branch's latest reply) and checks
in the kernel that the chat's and the tree's heads moved (and in the page that the tree highlights the new head);
a sibling stored from the kernel updates the count live; "regenerate" streams a new sibling in; markdown renders
(code blocks monospaced with their own horizontal scroll, long text wrapped) and hostile text does nothing; a
ChatView without a head shows its hint. In JupyterLab also: "edit" on a user message opens an inline editor, Esc
cancels it, Ctrl+Enter saves the edit as a sibling (`‹ 2/2 ›`, no cell run) and the tree's agent answers it; an
agent waiting on `ctx.ask` (its sequence shown in a cell, not awaited) gets its answer from the ChatView's choice
buttons and goes on. A debate (a moderator passing on pro's, con's and the judge's answers) in a ChatView shown
before it ran: the view follows the run as it streams, the forwarded copies are not counted (two samples read
"pro 1/2", switched by clicking ‹ ›), an edited motion has arrows back to its original, and a provider's error body
shows under an error, folded. Screenshots go to $AGENTFORUM_ARTIFACTS (default artifacts/).
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
    "import asyncio\n"
    "gate = asyncio.Event()  # the test opens it once it has seen the reply streaming\n"
    "async def regenerate(messages):\n"
    f"    yield {REGENERATED[:12]!r}\n"
    "    await gate.wait()\n"
    f"    yield {REGENERATED[12:]!r}\n"
    "guide = af.function_agent('guide', regenerate, cache=False)\n"
    "tree = af.TreeView(forum, agents=[guide], head=c3)\n"
    "tree.layout.height = '300px'\n"
    "tree",
    "chat = af.ChatView(forum, head=tree)\nchat",
    "empty = af.ChatView(forum)\nempty",
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
                    assert "waiting for a run to start" in hint.text_content()  # it follows the latest run
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
                    kernel_eval(connection, "gate.set()")
                    row(m["regenerated"]).wait_for(timeout=30_000)
                    page.wait_for_function(
                        f"() => document.querySelector('.af-chat-msg[data-key=\"{m['regenerated']}\"] .af-chat-pos')"
                        "?.textContent === '5/5'",
                        timeout=30_000,
                    )
                    assert heads() == (m["regenerated"], m["regenerated"])
                    assert kernel_eval(connection, "print(repr(chat.error), repr(tree.error))").strip() == "'' ''"
                    assert row(m["regenerated"]).locator("button[data-action=edit]").count() == 1
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


# -- edit and questions (JupyterLab) ------------------------------------------------------------------------------

HELLO = "Hi! I would like to travel."
WHERE = "Happy to help. When would you like to go?"
SPRING = "Where should I go in spring?"
LISBON = "Lisbon: hills, tiles and custard tarts."
AUTUMN = "Where should I go in autumn? Somewhere with <b>colours</b>."
KYOTO = "Kyoto in November: maple leaves in every temple garden."
PLAN = "Plan a weekend for me"

EDIT_CELLS = [
    "import agentforum_nb as af\n"
    "forum = af.Forum()\n"
    f"q = forum.post({HELLO!r})\n"
    f"a = forum.post({WHERE!r}, parent=q, sender='guide')\n"
    f"u = forum.post({SPRING!r}, parent=a)\n"
    f"r = forum.post({LISBON!r}, parent=u, sender='guide')\n"
    f"guide = af.scripted_agent('guide', [{KYOTO!r}], delay=0.05)\n"
    "tree = af.TreeView(forum, agents=[guide], head=r)\n"
    "tree.layout.height = '420px'\n"
    "tree",
    "chat = af.ChatView(forum, head=tree)\nchat",
    "@af.agent\n"
    "async def planner(ctx):\n"
    "    city = await ctx.ask('Which city?', choices=['Paris', 'Rome'])\n"
    "    ctx.respond(f'{city.content} it is: a walk to the Pantheon, then gelato by the Trevi fountain.')\n"
    "\n"
    "trips = af.Forum()\n"
    "tree2 = af.TreeView(trips, agents=[planner])\n"
    "chat2 = af.ChatView(trips, head=tree2)\n"
    "display(chat2)\n"
    f"seq = tree2.branch({PLAN!r})  # shown, not awaited: the widgets' messages reach the kernel between cells\n"
    "seq",
]


def test_chat_edit_and_answer_in_jupyterlab():
    from playwright.sync_api import sync_playwright

    q = af.Message(HELLO).id
    a = af.Message(WHERE, parent_id=q, sender="guide").id
    u = af.Message(SPRING, parent_id=a).id
    r = af.Message(LISBON, parent_id=u, sender="guide").id
    edited = af.Message(AUTUMN, parent_id=a).id
    shots = artifacts()
    prefix = "chatview-jupyterlab"
    with tempfile.TemporaryDirectory() as d:
        write_notebook(Path(d) / "edit.ipynb", EDIT_CELLS)
        lab = JupyterLab(Path(d), app="lab")
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
                    open_and_run(page, lab, "edit.ipynb")
                    chat = page.locator(".af-chat").nth(0)
                    trips = page.locator(".af-chat").nth(1)

                    def row(view, key: str):
                        return view.locator(f'.af-chat-msg[data-key="{key}"]')

                    def kernel(code: str) -> str:
                        return kernel_eval(connection, code).strip()

                    def prompts() -> list[str]:
                        return page.locator(".jp-InputPrompt").evaluate_all("ps => ps.map(p => p.textContent)")

                    row(chat, r).wait_for(timeout=90_000)
                    page.wait_for_function(KERNEL_IDLE, timeout=90_000)
                    connection = lab.kernel_connection_files()[-1]

                    # "edit" then Esc: the editor closes, nothing changes
                    row(chat, r).locator("button[data-action=edit]").click()
                    area = row(chat, r).locator("textarea.af-chat-edit-text")
                    area.wait_for(timeout=30_000)
                    area.press("Escape")
                    area.wait_for(state="detached", timeout=30_000)
                    assert row(chat, r).locator(".af-chat-text").text_content() == LISBON

                    # "edit" on the user's question: the whole text in a textarea, focused
                    row(chat, u).locator("button[data-action=edit]").click()
                    area = row(chat, u).locator("textarea.af-chat-edit-text")
                    area.wait_for(timeout=30_000)
                    assert area.input_value() == SPRING
                    assert area.evaluate("e => document.activeElement === e")
                    area.fill(AUTUMN)
                    chat.scroll_into_view_if_needed()
                    chat.screenshot(path=str(shots / f"{prefix}-edit-1-editor.png"))
                    before = prompts()
                    area.press("Control+Enter")  # saves; Jupyter must not run a cell
                    row(chat, edited).wait_for(timeout=30_000)
                    assert row(chat, edited).locator(".af-chat-pos").text_content() == "2/2"
                    assert row(chat, u).count() == 0 and chat.locator("textarea").count() == 0
                    # the tree's agent (guide answered the original) answers the edit, streamed in and followed
                    answer = chat.locator(".af-chat-msg", has_text="maple leaves")
                    answer.wait_for(timeout=30_000)
                    page.wait_for_function(
                        "() => document.querySelector('.af-chat').querySelector('.af-chat-pending') === null",
                        timeout=30_000,
                    )
                    head = kernel("print(chat.head_id, tree.head_id)").split()
                    assert head[0] == head[1] and kernel("print(chat.head.content)") == KYOTO
                    assert kernel("print(forum.get(chat.head.parent_id).id, repr(chat.error))") == f"{edited} ''"
                    keys = chat.locator(".af-chat-msg").evaluate_all("rows => rows.map(r => r.dataset.key)")
                    assert keys == [q, a, edited, head[0]]
                    assert "<b>" in row(chat, edited).text_content()  # text, never HTML
                    assert chat.locator("b").count() == 0
                    assert prompts() == before  # no cell ran on Ctrl+Enter
                    page.wait_for_function(
                        f"() => !!document.querySelector('g.af-node.af-head[data-key=\"{head[0]}\"]')",
                        timeout=30_000,
                    )
                    chat.scroll_into_view_if_needed()
                    chat.screenshot(path=str(shots / f"{prefix}-edit-2-edited.png"))
                    # back to the original through the arrows: the first branch is still there
                    row(chat, edited).locator("button[data-action=prev]").click()
                    row(chat, r).wait_for(timeout=30_000)
                    assert row(chat, u).locator(".af-chat-pos").text_content() == "1/2"

                    # a question: the planner waits on ctx.ask; the ChatView shows the choices under it
                    box = trips.locator(".af-chat-answer")
                    box.wait_for(timeout=60_000)
                    choices = box.locator("button.af-chat-choice")
                    assert choices.evaluate_all("bs => bs.map(b => b.textContent)") == ["Paris", "Rome"]
                    question = trips.locator(".af-chat-msg.af-chat-question")
                    assert "Which city?" in question.text_content()
                    assert question.locator(".af-chat-waiting").text_content() == "waiting for your answer"
                    trips.scroll_into_view_if_needed()
                    trips.screenshot(path=str(shots / f"{prefix}-question-1-waiting.png"))
                    choices.nth(1).click()  # "Rome"
                    reply = trips.locator(".af-chat-msg", has_text="Pantheon")
                    reply.wait_for(timeout=30_000)
                    box.wait_for(state="detached", timeout=30_000)  # the question stopped waiting
                    texts = trips.locator(".af-chat-text").evaluate_all("ts => ts.map(t => t.textContent)")
                    assert texts[-3:] == [
                        "Which city?",
                        "Rome",
                        "Rome it is: a walk to the Pantheon, then gelato by the Trevi fountain.",
                    ]
                    assert kernel("print(chat2.head_id == tree2.head_id == seq.promises[-1].settled_message().id)") == (
                        "True"
                    )
                    assert kernel("print(repr(chat2.error), trips.questions())") == "'' []"
                    trips.scroll_into_view_if_needed()
                    trips.screenshot(path=str(shots / f"{prefix}-question-2-answered.png"))
                    page.screenshot(path=str(shots / f"{prefix}-edit-page.png"), full_page=True)
                finally:
                    ctx.close()
        finally:
            lab.stop()


# -- a debate: following the latest run, samples, an edit, an error's detail ---------------------------------------

MOTION = "Motion: cats make better pets than dogs."
PRO = [
    "Cats are independent: they keep themselves clean and happy while you are at work.",
    "Cats suit small flats and quiet lives; a dog needs walks you may not have time for.",
]
CON = "Independence is another word for indifference: a dog gets you outside and makes friends for you."
MOTION_EDITED = "Motion: a cat is the better pet for a small flat."

DEBATE_CELLS = [
    "import asyncio\n"
    "import agentforum_nb as af\n"
    "forum = af.Forum()\n"
    "gate = asyncio.Event()  # the test opens it once it has seen pro's opening streaming\n"
    f"PRO = {PRO!r}\n"
    "async def opening(ctx):\n"
    "    async def tokens():\n"
    "        text = PRO[ctx.sample % 2]\n"
    "        yield text[:24]\n"
    "        await gate.wait()\n"
    "        yield text[24:]\n"
    "    ctx.respond(tokens())\n"
    "pro = af.Agent(opening, name='pro', version='v1')\n"
    f"con = af.function_agent('con', lambda messages: {CON!r})\n"
    "judge = af.function_agent('judge', lambda messages: 'Having read ' + ', '.join(m.sender for m in messages)"
    " + ': pro wins, narrowly.')\n"
    "@af.agent\n"
    "async def moderator(ctx):\n"
    "    opening = pro.quick_call(ctx.requests, sample=ctx.sample)\n"
    "    ctx.respond(opening)\n"
    "    rebuttal = con.quick_call(opening)       # con answers under the opening\n"
    "    ctx.respond(rebuttal)\n"
    "    ctx.respond(judge.quick_call(rebuttal))  # the judge answers under the rebuttal\n"
    "chat = af.ChatView(forum)  # shown before anything ran: it follows the latest run\n"
    "chat",
    f"run = moderator.quick_call({MOTION!r}, forum=forum)\nrun",
    f"more = moderator.quick_call({MOTION!r}, forum=forum, sample=1)\nmore",
    "class ProviderError(Exception):\n"
    "    error_detail = {'error': {'message': 'max_tokens: 100000 > 8192, the maximum for this model',"
    " 'type': 'invalid_request_error', 'param': 'max_tokens', 'hint': '<b>lower max_tokens</b>'},"
    " 'request_id': 'req_011CXyZ'}\n"
    "@af.agent\n"
    "async def summarizer(ctx):\n"
    "    raise ProviderError('Error code: 400')\n"
    "summary = summarizer.quick_call('Summarize the debate', forum=forum)\n"
    "summary",
]


def drive_debate(app: str, prefix: str) -> None:
    from playwright.sync_api import sync_playwright

    motion = af.Message(MOTION).id
    edited = af.Message(MOTION_EDITED).id
    shots = artifacts()
    with tempfile.TemporaryDirectory() as d:
        write_notebook(Path(d) / "debate.ipynb", DEBATE_CELLS)
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
                    url = "lab/tree" if app == "lab" else "notebooks"
                    page.goto(f"{lab.base}/{url}/debate.ipynb?token={lab.token}")
                    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
                    page.wait_for_function(KERNEL_IDLE, timeout=90_000)
                    cells = page.locator(".jp-Notebook .jp-Cell")

                    def run_cell(i: int) -> None:
                        """Click into the cell and press Shift+Enter, as a person runs one cell."""
                        cells.nth(i).locator(".jp-InputArea-editor").click()
                        page.keyboard.press("Shift+Enter")

                    chat = page.locator(".af-chat").first
                    rows = chat.locator(".af-chat-msg")

                    def row(i: int):
                        return rows.nth(i)

                    def wait_js(expr: str) -> None:
                        page.wait_for_function(
                            "() => { const chat = document.querySelector('.af-chat');"
                            " const rows = chat ? [...chat.querySelectorAll('.af-chat-msg')] : [];"
                            f" return {expr}; }}",
                            timeout=30_000,
                        )

                    def kernel(code: str) -> str:
                        return kernel_eval(connection, code).strip()

                    def shoot(name: str) -> None:
                        chat.scroll_into_view_if_needed()
                        chat.screenshot(path=str(shots / f"{prefix}-{name}.png"))

                    # the view is shown before anything ran: it says it waits for a run
                    run_cell(0)
                    hint = chat.locator(".af-chat-hint")
                    hint.wait_for(state="visible", timeout=90_000)
                    assert "waiting for a run to start" in hint.text_content()
                    assert chat.locator(".af-chat-following").text_content() == "following the latest run"
                    connection = lab.kernel_connection_files()[-1]
                    shoot("debate-1-waiting")

                    # a run started from code: the view follows it as it streams (pro's opening, paused)
                    run_cell(1)
                    pending = chat.locator(".af-chat-msg.af-chat-pending")
                    pending.first.wait_for(timeout=60_000)
                    assert pending.first.locator(".af-chat-who").text_content() == "pro"
                    assert PRO[0][:24] in pending.first.locator(".af-chat-text").text_content()
                    assert kernel("print(chat.head_id == forum.roots()[0].id, chat.follow_latest)") == "True True"
                    shoot("debate-2-streaming")
                    kernel("gate.set()")
                    chat.locator(".af-chat-msg", has_text="Having read").wait_for(timeout=30_000)
                    wait_js("rows.length === 4 && !chat.querySelector('.af-chat-pending')")
                    assert chat.locator(".af-chat-who").all_text_contents() == ["user", "pro", "con", "judge"]
                    assert chat.locator(".af-chat-via").all_text_contents() == ["via moderator"] * 3
                    # the judge answered under the rebuttal: it read the motion, the opening and the rebuttal
                    assert row(3).locator(".af-chat-text").text_content() == (
                        "Having read user, pro, con: pro wins, narrowly."
                    )
                    # pro's answer and the moderator's forward of it are one answer: no arrows anywhere
                    assert kernel("print(len(forum.children(forum.roots()[0])))") == "2"
                    assert chat.locator(".af-chat-branches").count() == 0
                    shoot("debate-3-followed")

                    # a second sample, started from code: followed; two samples read 2/2, forwards not counted
                    run_cell(2)
                    wait_js("rows[1]?.querySelector('.af-chat-pos')?.textContent === '2/2'")
                    wait_js("rows.length === 4 && !chat.querySelector('.af-chat-pending')")
                    assert row(1).locator(".af-chat-text").text_content() == PRO[1]
                    assert kernel("print(len(forum.children(forum.roots()[0])))") == "4"
                    assert row(2).locator(".af-chat-branches").count() == 0  # con: one answer there
                    # "‹ 2 / 2 ›" keeps to one line in a narrow chat (nowrap)
                    assert row(1).locator(".af-chat-branches").evaluate("(a) => a.offsetHeight") <= 24
                    shoot("debate-4-second-sample")

                    # ‹ : the first sample, "pro 1/2"; a switch stops following
                    row(1).locator("button[data-action=prev]").click()
                    wait_js("rows[1]?.querySelector('.af-chat-pos')?.textContent === '1/2'")
                    assert row(1).locator(".af-chat-text").text_content() == PRO[0]
                    assert row(1).locator(".af-chat-who").text_content() == "pro"
                    assert row(1).locator("button[data-action=prev]").is_disabled()
                    assert kernel("print(chat.follow_latest, chat.head.sender, chat.head.kind)") == (
                        "False moderator forward"
                    )
                    assert chat.locator(".af-chat-bar button").text_content() == "follow the latest run"
                    shoot("debate-5-pro-1-of-2")
                    row(1).locator("button[data-action=next]").click()  # › : back to the second
                    wait_js("rows[1]?.querySelector('.af-chat-pos')?.textContent === '2/2'")
                    assert row(1).locator(".af-chat-text").text_content() == PRO[1]

                    # edit the motion: the edit has arrows back to its original
                    row(0).locator("button[data-action=edit]").click()
                    area = row(0).locator("textarea")
                    area.wait_for(timeout=30_000)
                    area.fill(MOTION_EDITED)
                    area.press("Control+Enter")
                    page.locator(f'.af-chat-msg[data-key="{edited}"]').wait_for(timeout=30_000)
                    wait_js("rows.length === 1 && rows[0].querySelector('.af-chat-pos')?.textContent === '2/2'")
                    assert row(0).locator(".af-chat-tag").all_text_contents() == ["edited"]
                    assert kernel("print(forum.annotations(chat.head)['edited_from'])") == motion
                    shoot("debate-6-edited-motion")
                    row(0).locator("button[data-action=prev]").click()  # ‹ : the original motion's debate
                    wait_js(
                        f"rows[0]?.dataset.key === '{motion}' && rows[0].querySelector('.af-chat-pos')?.textContent"
                        " === '1/2' && rows.length === 4"
                    )
                    shoot("debate-7-back-to-the-original")

                    # follow again; a provider's error body shows under the error, folded, as text
                    chat.locator(".af-chat-bar button").click()
                    chat.locator(".af-chat-following:visible").wait_for(timeout=30_000)
                    run_cell(3)
                    error = chat.locator(".af-chat-msg.af-chat-error")
                    error.wait_for(timeout=60_000)
                    detail = error.locator("details.af-chat-detail")
                    assert not detail.evaluate("d => d.open")
                    assert detail.locator("summary").text_content().startswith("error detail (")
                    shoot("debate-8-error-folded")
                    detail.locator("summary").click()
                    assert detail.evaluate("d => d.open")
                    body = detail.locator("pre").text_content()
                    assert '"param": "max_tokens"' in body and "<b>lower max_tokens</b>" in body
                    assert chat.locator("b, img, script").count() == 0
                    assert kernel("print(repr(chat.error))") == "''"
                    shoot("debate-9-error-detail")
                    page.screenshot(path=str(shots / f"{prefix}-debate-page.png"), full_page=True)
                finally:
                    ctx.close()
        finally:
            lab.stop()


def test_chat_debate_in_jupyterlab():
    drive_debate("lab", "chatview-jupyterlab")


def test_chat_debate_in_notebook7():
    drive_debate("notebook", "chatview-notebook7")
