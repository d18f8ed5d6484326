"""Richer messages in a real browser (JupyterLab 4 + headless Debian Chromium via Playwright): the ChatView shows a
user message's attachments (a PNG as a thumbnail that a click enlarges, an SVG with a script shown only as an image,
a PDF as a named download), what each answer cost and the branch's total, and a model's reasoning folded: live
while the answer streams (the reader opens the fold with a click and it stays open as the reasoning grows and the
answer is stored). Screenshots go to $AGENTFORUM_ARTIFACTS (default artifacts/)."""

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
    artifacts,
    browser_available,
    kernel_eval,
    write_notebook,
)

reason = browser_available()
if reason and os.environ.get("AGENTFORUM_REQUIRE_BROWSER"):
    raise RuntimeError(f"AGENTFORUM_REQUIRE_BROWSER is set but {reason}")
pytestmark = [pytest.mark.browser, pytest.mark.skipif(reason is not None, reason=reason or "")]

SETUP = '''\
import asyncio, json, os, struct, tempfile, warnings, zlib
import agentforum_nb as af

def png(width, height):
    """A real PNG: an orange-to-blue sunset gradient."""
    rows = b"".join(
        b"\\x00" + b"".join(bytes((255 - 200 * y // height, 120 + 60 * x // width, 60 + 180 * y // height))
                           for x in range(width))
        for y in range(height))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))

SVG = (b"<svg xmlns='http://www.w3.org/2000/svg' width='40' height='40'><script>window.pwned = 1</script>"
       b"<circle cx='20' cy='20' r='16' fill='purple'/></svg>")
forum = af.Forum()
source = af.Forum()
q = source.post("What is in this picture?", attachments=[
    af.Attachment(png(96, 64), "image/png", "sunset.png"),
    af.Attachment(SVG, "image/svg+xml", "<b>evil.svg"),
    af.Attachment(b"%PDF-1.4 not really", "application/pdf", "notes.pdf"),
])
seen = source.post("A sunset over the sea: orange sky, blue water.", parent=q, sender="vision")
path = os.path.join(tempfile.mkdtemp(), "run.jsonl")
source.export_jsonl(path)
lines = [json.loads(line) for line in open(path)]
for line in lines:
    if line.get("id") == seen.id:
        line["annotations"]["cost_usd"] = 0.0123  # as a priced model answer brings it (genai-prices)
open(path, "w").write("".join(json.dumps(line) + "\\n" for line in lines))
forum.import_jsonl(path)
follow = forum.post("Why is the sky orange?", parent=seen.id)
gate = asyncio.Event()  # the test opens it once it has read the reasoning live

async def think(messages):
    yield af.Reasoning("The light crosses more air at sunset. ")
    await asyncio.sleep(0)
    yield af.Reasoning("Blue is scattered away; red and orange remain.")
    await gate.wait()
    yield "Because sunlight travels through more atmosphere at dusk, "
    yield "so blue light is scattered out and the warm colours are left."

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the gate has no stable fingerprint (cache=False: nothing is shared)
    thinker = af.function_agent("thinker", think, cache=False)
def search_web(q: str) -> str:
    """Search the web."""
    return f"3 results for {q}"

def searching(messages):
    last = messages[-1]
    if last.metadata.get("tool_call_id"):
        return f"answer from: {last.content}"
    return af.ToolCall("search_web", {"q": "cats"})

bot = af.function_agent("bot", searching, tools=[af.tool(search_web, requires_approval=True)])
chat = af.ChatView(forum)
chat.layout.height = "620px"
chat'''

RUN = "run = thinker.quick_call(follow, forum=forum)\nNone"


def test_chat_view_shows_attachments_cost_and_live_reasoning():
    from playwright.sync_api import sync_playwright

    shots = artifacts()
    with tempfile.TemporaryDirectory() as d:
        write_notebook(Path(d) / "rich.ipynb", [SETUP, RUN])
        lab = JupyterLab(Path(d))
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
                    errors: list[str] = []
                    page.on("pageerror", lambda e: errors.append(str(e)))
                    page.goto(f"{lab.base}/lab/tree/rich.ipynb?token={lab.token}")
                    page.wait_for_function(KERNEL_IDLE, timeout=90_000)
                    page.evaluate("window.jupyterapp.commands.execute('runmenu:run-all')")
                    chat = page.locator(".af-chat").first
                    # the view follows the run: the branch, then the thinker's answer streaming its reasoning
                    fold = chat.locator(".af-chat-msg", has_text="thinker").locator("details.af-reasoning")
                    fold.wait_for(timeout=60_000)
                    summary = fold.locator("summary")
                    page.wait_for_function(
                        "() => [...document.querySelectorAll('.af-chat details.af-reasoning summary')]"
                        ".some((s) => s.textContent.includes('so far'))",
                        timeout=30_000,
                    )
                    assert not fold.evaluate("(d) => d.open")
                    box = summary.bounding_box()
                    assert box is not None
                    page.mouse.click(box["x"] + 20, box["y"] + box["height"] / 2)  # a person opens the fold
                    assert fold.evaluate("(d) => d.open")
                    text = fold.locator(".af-reasoning-text")
                    page.wait_for_function(
                        "() => [...document.querySelectorAll('.af-chat .af-reasoning-text')]"
                        ".some((t) => t.textContent.includes('red and orange remain'))",
                        timeout=30_000,
                    )
                    assert "The light crosses more air at sunset." in text.text_content()
                    assert (
                        "red and orange"
                        not in chat.locator(".af-chat-msg", has_text="thinker").locator(".af-chat-text").text_content()
                    )  # reasoning is never the answer's text
                    # attachments: a thumbnail of the real PNG, the SVG only as an <img>, the PDF as a download
                    thumb = chat.locator("button.af-att-thumb[title^='sunset.png'] img")
                    page.wait_for_function(
                        "() => { const i = document.querySelector(\".af-chat button.af-att-thumb[title^='sunset.png']"
                        ' img"); return i && i.complete && i.naturalWidth === 96; }',
                        timeout=30_000,
                    )
                    assert thumb.get_attribute("src").startswith("blob:")
                    evil = chat.locator("button.af-att-thumb[title^='<b>evil.svg'] img")
                    assert evil.get_attribute("alt") == "<b>evil.svg"
                    assert chat.locator("svg circle").count() == 0  # never inlined
                    assert chat.locator("a.af-att-file").text_content() == "⤓ notes.pdf (19 B)"
                    assert chat.locator("a.af-att-file").get_attribute("download") == "notes.pdf"
                    # what it cost: the priced answer's tag and the branch's total
                    assert chat.locator(".af-chat-cost").first.text_content() == "$0.0123"
                    assert (
                        chat.locator(".af-chat-total").text_content() == "this branch: cost $0.0123 (1 priced answer)"
                    )
                    chat.screenshot(path=str(shots / "chatview-rich-1-reasoning-live.png"))
                    # the answer goes on and is stored: the fold stays open, now whole
                    conn = lab.kernel_connection_files()[-1]
                    kernel_eval(conn, "gate.set()")
                    page.wait_for_function(
                        "() => [...document.querySelectorAll('.af-chat details.af-reasoning summary')]"
                        ".some((s) => s.textContent.includes('characters'))",
                        timeout=30_000,
                    )
                    stored = chat.locator(".af-chat-msg", has_text="warm colours are left")
                    stored.wait_for(timeout=30_000)
                    assert stored.locator("details.af-reasoning").evaluate("(d) => d.open")
                    stored_reasoning = kernel_eval(
                        conn, "print(forum.annotations(forum.children(follow)[0])['reasoning'])"
                    ).strip()
                    assert stored_reasoning == (
                        "The light crosses more air at sunset. Blue is scattered away; red and orange remain."
                    )
                    chat.screenshot(path=str(shots / "chatview-rich-2-reasoning-stored.png"))
                    # a click enlarges the thumbnail over the page; Escape closes it
                    tb = thumb.bounding_box()
                    assert tb is not None
                    page.mouse.click(tb["x"] + tb["width"] / 2, tb["y"] + tb["height"] / 2)
                    overlay = page.locator(".af-att-overlay img")
                    overlay.wait_for(timeout=10_000)
                    big = overlay.bounding_box()
                    assert big is not None and big["width"] > 3 * tb["width"]
                    page.screenshot(path=str(shots / "chatview-rich-3-enlarged.png"))
                    page.keyboard.press("Escape")
                    page.locator(".af-att-overlay").wait_for(state="detached", timeout=10_000)
                    assert page.evaluate("() => window.pwned") is None
                    # approvals: a tool that asks first; the view follows the new run to its question, whose
                    # approve / deny buttons a person clicks
                    kernel_eval(conn, "approval = bot.quick_call('Find cats', forum=forum)")
                    approve = chat.locator("button.af-chat-choice", has_text="approve")
                    approve.wait_for(timeout=30_000)
                    assert chat.locator("button.af-chat-choice", has_text="deny").is_visible()
                    question = chat.locator(".af-chat-msg.af-chat-question")
                    assert 'Run search_web({"q": "cats"})?' in question.text_content()
                    chat.screenshot(path=str(shots / "chatview-rich-4-approval.png"))
                    ab = approve.bounding_box()
                    assert ab is not None
                    page.mouse.click(ab["x"] + ab["width"] / 2, ab["y"] + ab["height"] / 2)
                    chat.locator(".af-chat-msg", has_text="answer from: 3 results for cats").wait_for(timeout=30_000)
                    chat.screenshot(path=str(shots / "chatview-rich-5-approved.png"))
                    told = kernel_eval(
                        conn,
                        "msgs = await approval\n"
                        "print(forum.children(msgs[1])[0].sender, forum.children(msgs[1])[0].content, msgs[2].sender)",
                    ).strip()
                    assert told == "user approve search_web"  # the click is the user's answer; then the tool ran
                    assert not errors, errors
                except Exception:
                    page.screenshot(path=str(shots / "chatview-rich-failed.png"))
                    raise
                finally:
                    ctx.close()
        finally:
            lab.stop()
