"""The marimo app in a real browser: notebooks/marimo_tree.py under `marimo run` + headless Chromium.

Serves a copy of the shipped notebook (in a temporary directory) with `marimo run`, opens it in Debian Chromium
and uses it as a person would: checks that the TreeView and the ChatView show the conversation, clicks a node with
the mouse and reads the details pane, types a question into the toolbar, presses "branch" and waits until the lead
agent's answers are in the tree and the chat. marimo puts each anywidget in an open shadow root
(<marimo-anywidget>): Playwright's CSS locators pierce it, document.querySelector does not, so page functions get
the widget's root element as their argument. Screenshots go to artifacts/ (or $AGENTFORUM_ARTIFACTS) as marimo-*.png.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from .browser_support import CHROMIUM, CHROMIUM_ARGS, browser_available, free_port, wait_until_serving
from .test_browser import artifacts

reason = browser_available()
if reason is None and importlib.util.find_spec("marimo") is None:
    reason = "marimo is not installed (pip install -e '.[browser]')"
if reason and os.environ.get("AGENTFORUM_REQUIRE_BROWSER"):
    raise RuntimeError(f"AGENTFORUM_REQUIRE_BROWSER is set but {reason}")
pytestmark = [pytest.mark.browser, pytest.mark.skipif(reason is not None, reason=reason or "")]

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "marimo_tree.py"
# what the notebook's scripted agents say (cycle=True: the same for every question)
FACTS = "Facts: the sky looks blue because air scatters short blue wavelengths far more than red ones."
CRITIQUE = "Critique: right about Rayleigh scattering, but it leaves out why the sky is not violet."
SUMMARY = "Summary: scattering makes the sky blue; our eyes explain why it is not violet."
QUESTION = "And why are sunsets red?"

#: true once the tree (the argument) draws new nodes for the question and the three answers, chained
#: (question -> researcher -> critic -> summarizer, the forwards folded into their originals) and none streaming;
#: a node shows two lines of its text, so the answers are recognised by their first word
TREE_ANSWERED = """([tree, old, question, starts]) => {
  const fresh = [...tree.querySelectorAll("g.af-node")].filter((g) => !old.includes(g.getAttribute("data-key")));
  if (fresh.some((g) => g.classList.contains("af-streaming"))) return false;
  const find = (t) => fresh.filter((g) => g.textContent.includes(t)).map((g) => g.getAttribute("data-key"));
  const chain = [find(question), ...starts.map(find)];
  if (chain.some((keys) => keys.length !== 1)) return false;
  const edges = new Set(tree.afTree.structure().edges.map((e) => e.split(":")[0]));
  return chain.slice(1).every((keys, i) => edges.has(`${chain[i][0]}>${keys[0]}`));
}"""

#: true once the chat (the argument) ends with the question and the three answers in order, none streaming
CHAT_ANSWERED = """([chat, old, question, texts]) => {
  const rows = [...chat.querySelectorAll(".af-chat-msg")];
  if (rows.some((r) => r.classList.contains("af-chat-pending"))) return false;
  const tail = rows.slice(-4);
  if (tail.length < 4 || tail.some((r) => old.includes(r.getAttribute("data-key")))) return false;
  const want = [question, ...texts];
  return tail.every((r, i) => r.querySelector(".af-chat-text")
    ? r.querySelector(".af-chat-text").textContent.trim() === want[i] : r.textContent.includes(want[i]));
}"""


class MarimoApp:
    """`marimo run notebook --headless` on 127.0.0.1 (a free port, no token); stop() ends it."""

    def __init__(self, notebook: Path) -> None:
        self.port = free_port()
        self.tmp = Path(tempfile.mkdtemp(prefix="af-marimo-"))
        env = dict(os.environ)
        for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY"):  # scripted agents only
            env.pop(var, None)
        # marimo's config, state and caches go to the temporary directory, not the user's
        for var in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
            env[var] = str(self.tmp / var.lower())
        cmd = [
            sys.executable,
            "-m",
            "marimo",
            "run",
            str(notebook),
            "--headless",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--no-token",
            "--no-sandbox",
        ]
        self.log = open(self.tmp / "marimo.log", "w")  # noqa: SIM115 - open while the server runs, closed in stop()
        self.proc = subprocess.Popen(cmd, env=env, stdout=self.log, stderr=subprocess.STDOUT, cwd=notebook.parent)
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _wait_ready(self) -> None:
        wait_until_serving(self.proc, f"{self.base}/health", "marimo", self.server_log)

    def server_log(self) -> str:
        self.log.flush()
        return (self.tmp / "marimo.log").read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


@contextlib.contextmanager
def marimo_app() -> Iterator[MarimoApp]:
    with tempfile.TemporaryDirectory() as d:
        notebook = Path(d) / NOTEBOOK.name
        shutil.copy(NOTEBOOK, notebook)
        app = MarimoApp(notebook)
        try:
            yield app
        finally:
            app.stop()


def centre(box: dict[str, float]) -> tuple[float, float]:
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_marimo_app_tree_and_chat_click_and_branch():
    from playwright.sync_api import expect, sync_playwright

    with marimo_app() as app, tempfile.TemporaryDirectory(prefix="af-chromium-") as profile, sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1600, "height": 1100},
        )
        page = ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        try:
            page.goto(app.base)
            tree, chat = page.locator(".af-tree"), page.locator(".af-chat")
            # the conversation the notebook ran: drawn in the tree, transcribed in the chat
            tree.locator("g.af-node", has_text="Why is the sky blue?").wait_for(timeout=90_000)
            tree.locator("g.af-node.af-head", has_text="Summary:").wait_for(timeout=30_000)
            for text in ("Questions about the sky", "Why is the sky blue?", FACTS, CRITIQUE, SUMMARY):
                chat.locator(".af-chat-msg", has_text=text).wait_for(timeout=30_000)
            assert tree.count() == 1 and chat.count() == 1
            assert tree.locator("g.af-node").count() >= 5
            # the chat ends at the tree's head (a forward is drawn in its original's node)
            position = "(t, key) => JSON.stringify(t.afTree.position(key))"
            head_key = tree.locator("g.af-node.af-head").get_attribute("data-key")
            last_key = chat.locator(".af-chat-msg").last.get_attribute("data-key")
            assert tree.evaluate(position, last_key) == tree.evaluate(position, head_key) != "null"
            # side by side, as mo.hstack(widths=[3, 2]) lays them out
            t, c = tree.bounding_box(), chat.bounding_box()
            assert t["width"] >= 400 and c["width"] >= 300, (t, c)
            assert t["x"] + t["width"] <= c["x"] + 1, (t, c)
            page.screenshot(path=str(artifacts() / "marimo-app.png"), full_page=True)

            # a person clicks the critic's node: it is selected and the details pane shows its message
            node = tree.locator("g.af-node", has_text="Critique:")
            node.scroll_into_view_if_needed()
            page.mouse.click(*centre(node.bounding_box()))
            expect(tree.locator(".af-details")).to_contain_text(CRITIQUE, timeout=15_000)
            expect(node).to_have_class(re.compile(r"\baf-selected\b"), timeout=15_000)
            tree.screenshot(path=str(artifacts() / "marimo-details.png"))

            # ... then the last answer, types a follow-up question and presses "branch"
            last = tree.locator("g.af-node.af-head")
            page.mouse.click(*centre(last.bounding_box()))
            expect(tree.locator(".af-details")).to_contain_text(SUMMARY, timeout=15_000)
            old_nodes = list(tree.locator("g.af-node").evaluate_all("gs => gs.map(g => g.dataset.key)"))
            old_rows = list(chat.locator(".af-chat-msg").evaluate_all("rs => rs.map(r => r.dataset.key)"))
            box = tree.get_by_placeholder("message to branch with…")
            assert tree.locator("select").first.input_value() == "lead"  # the agent the branch asks
            box.click()
            page.keyboard.type(QUESTION)
            tree.get_by_role("button", name="branch", exact=True).click()
            # the lead's answers (the researcher's, the critic's and the summarizer's, forwarded) stream in
            texts = [FACTS, CRITIQUE, SUMMARY]
            tree_el, chat_el = tree.element_handle(), chat.element_handle()
            starts = ["Facts:", "Critique:", "Summary:"]
            page.wait_for_function(TREE_ANSWERED, arg=[tree_el, old_nodes, QUESTION, starts], timeout=60_000)
            page.wait_for_function(CHAT_ANSWERED, arg=[chat_el, old_rows, QUESTION, texts], timeout=60_000)
            # the head moved to the new summary, and the chat follows it
            head = tree.locator("g.af-node.af-head")
            expect(head).to_contain_text("Summary:")
            assert head.get_attribute("data-key") not in old_nodes
            last_key = chat.locator(".af-chat-msg").last.get_attribute("data-key")
            assert tree.evaluate(position, last_key) == tree.evaluate(position, head.get_attribute("data-key"))
            assert box.input_value() == ""  # the message box was cleared for the next question

            # no host notice (the kernel answered both views' first message), no error shown, no page error
            assert page.locator(".af-host-notice").count() == 0
            assert tree.locator(".af-error-text").text_content() == ""
            assert not tree.locator(".af-error[role=alert]").is_visible()
            assert chat.locator(".af-chat-error:not(.af-chat-msg)").text_content() == ""
            assert chat.locator(".af-chat-msg.af-chat-error").count() == 0
            assert errors == []
            page.screenshot(path=str(artifacts() / "marimo-branched.png"), full_page=True)
        except Exception:
            page.screenshot(path=str(artifacts() / "marimo-FAILED.png"), full_page=True)
            print(app.server_log())
            raise
        finally:
            ctx.close()
