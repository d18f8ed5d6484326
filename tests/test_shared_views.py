"""Views of a shared forum refresh on their own (API.md section 13): a TreeView or ChatView of a SQLite or
PostgreSQL forum shows what another forum object or process stores, without any call from the user."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

import agentforum_nb as af
from agentforum_nb.notebook import ChatView, TreeView
from agentforum_nb.notebook._refresh import refresher

from .test_widgets import record


@pytest.fixture(params=["sqlite", "postgres"])
def where(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "shared.sqlite")
    return request.getfixturevalue("pg_url")


def next_event(forum, kind="message"):
    """An event set when ``forum`` emits the next event of ``kind`` (and the messages it carried)."""
    done, seen = asyncio.Event(), []

    def on(ev):
        if ev.kind == kind:
            seen.append(ev.message)
            done.set()

    forum.subscribe(on)
    return done, seen


async def test_a_tree_view_shows_what_another_forum_object_stores(where):
    mine, theirs = af.Forum(where), af.Forum(where)
    root = mine.post("question")
    tree = TreeView(mine)
    sent = record(tree)
    tree.flush()
    arrived, seen = next_event(mine)
    answer = theirs.post("an answer from elsewhere", parent=root, sender="colleague")
    await asyncio.wait_for(arrived.wait(), 30)  # the view's timer found it; nothing here called refresh()
    assert seen == [answer]
    tree.flush()
    (delta,) = [m for m in sent if m["kind"] == "delta"]
    assert [n["id"] for n in delta["nodes"]] == [answer.id] and delta["nodes"][0]["sender"] == "colleague"
    tree.close()
    await mine.aclose()
    await theirs.aclose()


async def test_an_unchanged_forum_is_only_checked(where, monkeypatch):
    forum = af.Forum(where)
    forum.post("x")
    tree, chat = TreeView(forum), ChatView(forum)
    shared = refresher(forum)
    assert shared.users == 2 and shared.running
    checked = asyncio.Event()
    real = forum.has_changes

    def spy():
        checked.set()
        return real()

    monkeypatch.setattr(forum, "has_changes", spy)
    for _ in range(3):
        checked.clear()
        await asyncio.wait_for(checked.wait(), 30)
    assert shared.checks >= 3 and shared.refreshes == 0  # one cheap query a tick, no refresh
    tree.close()
    assert shared.running  # the chat still shows it
    chat.close()
    assert not shared.running and shared.users == 0
    await forum.aclose()


async def test_a_memory_forum_has_no_timer(forum):
    tree = TreeView(forum)
    assert not forum.shared and not forum.has_changes()
    assert refresher(forum).users == 0
    tree.close()


POSTER = r"""
import sys
import agentforum_nb as af
f = af.Forum(sys.argv[1])
root = f.get(sys.argv[2])
m = f.post("written by another process", parent=root, sender="script")
print(m.id, flush=True)
"""


async def test_a_chat_view_follows_a_branch_another_process_grows(where):
    forum = af.Forum(where)
    root = forum.post("start")
    chat = ChatView(forum, head=root)
    arrived, _ = next_event(forum)
    proc = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-c", POSTER, where, root.id], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    await asyncio.wait_for(arrived.wait(), 30)
    assert chat.head_id == proc.stdout.strip()  # an unlinked ChatView follows new messages under its head
    chat.close()
    await forum.aclose()
