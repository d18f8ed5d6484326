"""ChatView without a browser: driven through its comm as the front end does (custom messages, trait updates).

Following a TreeView's head through branch / checkout / regenerate sequences, the branch arrows (sibling data in
snapshots and live `siblings` messages, `switch` messages), regenerate through the linked tree, and bad input
reported in the `error` trait, never raised.
"""

from __future__ import annotations

import pytest

import agentforum_nb as af
from agentforum_nb.notebook import ChatView, TreeView


def frontend(widget, content):
    """Deliver a custom message as the browser would (through the widget's comm)."""
    widget.comm.handle_msg({"content": {"data": {"method": "custom", "content": content}}, "buffers": []})


def browser_update(widget, state):
    """Deliver a trait update as the browser would."""
    widget.comm.handle_msg(
        {"content": {"data": {"method": "update", "state": state, "buffer_paths": []}}, "buffers": []}
    )


def record(widget):
    sent = []
    widget.send = lambda content, buffers=None: sent.append(content)
    return sent


def gated_agent(name, gate):
    async def fn(ctx):
        ctx.respond(gate.stream())

    return af.Agent(fn, name=name, cache=False)


async def settle(seq):
    try:
        await seq
    except (af.AgentError, af.CallCancelled):
        pass


def last_snapshot(sent):
    return next(m for m in reversed(sent) if m["kind"] == "snapshot")


def shown_ids(sent):
    """The stored ids the browser holds after the messages in ``sent`` (snapshots reset, deltas add)."""
    ids: list[str] = []
    for m in sent:
        if m["kind"] == "snapshot":
            ids = [n["id"] for n in m["nodes"]]
        elif m["kind"] == "delta":
            ids += [n["id"] for n in m["nodes"] if n["id"] not in ids]
    return ids


def tree_of(forum):
    """q -> a1, a2, a3 (siblings, in that order); a1 -> u1 -> r1, r1b (r1b stored last)."""
    q = forum.post("question")
    a1 = forum.post("answer one", parent=q, sender="bot")
    a2 = forum.post("answer two", parent=q, sender="bot")
    a3 = forum.post("answer three", parent=q, sender="bot")
    u1 = forum.post("follow up", parent=a1)
    r1 = forum.post("reply", parent=u1, sender="bot")
    r1b = forum.post("another reply", parent=u1, sender="bot")
    return q, a1, a2, a3, u1, r1, r1b


# -- following a TreeView ---------------------------------------------------------------------------------------


async def test_linked_chat_keeps_the_tree_head_when_a_message_is_stored_under_it(forum):
    """The bug of notebooks/branching.ipynb: a call made outside the tree (its last cell, `ask_sync`) stored an
    answer under the head; the chat followed it on its own, the tree did not, and from then on the two showed
    different branches (checking the head out again changed nothing: the tree's head_id did not change)."""
    bot = af.scripted_agent("bot", ["from code"])
    tree = TreeView(forum, agents=[bot])
    chat = ChatView(forum, head=tree)
    sent = record(chat)
    q = forum.post("question")
    tree.checkout(q)
    await bot.quick_call("one more idea?", forum=forum, branch=q)  # posts under the head, then answers
    assert chat.head_id == tree.head_id == q.id
    assert shown_ids(sent) == [q.id]
    tree.checkout(q)
    assert chat.head_id == tree.head_id == q.id
    chat.close()
    tree.close()


async def test_chat_follows_the_tree_through_the_branching_notebook(forum):
    guide = af.scripted_agent("guide", ["Lisbon", "Kyoto", "Valparaíso"], cycle=True)
    tree = TreeView(forum, agents=[guide])
    chat = ChatView(forum, head=tree)
    sent = record(chat)

    def same():
        assert chat.head_id == tree.head_id
        assert shown_ids(sent) == [m.id for m in forum.history(tree.head_id)]

    await tree.branch("Where should I travel in spring?")
    same()
    answer = tree.head
    await tree.regenerate(answer)
    same()
    question = forum.get(answer.parent_id)
    a, b = forum.children(question)[:2]
    tree.checkout(a)
    same()
    await tree.branch("And in autumn?", parent=a)
    same()
    assert chat.transcript[-2:] == [("user", "And in autumn?"), ("guide", "Valparaíso")]
    await guide.quick_call("One more idea?", forum=forum, branch=tree.head)  # the notebook's ask_sync
    same()
    tree.checkout(b)
    same()
    browser_update(tree, {"head_id": a.id})  # the tree's own front end moves its head
    same()
    chat.close()
    tree.close()


async def test_moving_the_chat_moves_the_linked_tree(forum):
    q, a1, a2, *_ = tree_of(forum)
    tree = TreeView(forum)
    chat = ChatView(head=tree)  # the forum is the tree's
    assert chat.forum is forum
    browser_update(chat, {"head_id": a2.id})
    assert tree.head_id == chat.head_id == a2.id
    chat.head_id = a1.id
    assert tree.head_id == a1.id
    with pytest.raises(af.UsageError, match="same forum"):
        ChatView(af.Forum(), head=tree)
    chat.close()
    tree.close()


async def test_unlinked_chat_follows_answers_under_its_head(forum):
    q = forum.post("q")
    first = forum.post("first", parent=q, sender="bot")
    chat = ChatView(forum, head=q)
    sent = record(chat)
    frontend(chat, {"kind": "ready"})
    assert last_snapshot(sent)["siblings"] == {}
    second = forum.post("second", parent=q, sender="bot")
    assert chat.head_id == second.id
    chat.flush()
    assert shown_ids(sent) == [q.id, second.id]
    assert sent[-1] == {"kind": "siblings", "siblings": {second.id: [first.id, second.id]}}
    chat.close()


# -- branch arrows ------------------------------------------------------------------------------------------------


async def test_snapshot_carries_the_siblings_of_each_message(forum):
    q, a1, a2, a3, u1, r1, r1b = tree_of(forum)
    chat = ChatView(forum, head=r1)
    sent = record(chat)
    frontend(chat, {"kind": "ready"})
    snap = last_snapshot(sent)
    assert [n["id"] for n in snap["nodes"]] == [q.id, a1.id, u1.id, r1.id]
    assert snap["siblings"] == {
        a1.id: [a1.id, a2.id, a3.id],  # first-stored order
        u1.id: [u1.id],
        r1.id: [r1.id, r1b.id],
    }  # a root has no siblings entry: other roots are other conversations
    chat.close()


async def test_switch_goes_to_the_siblings_latest_descendant_and_moves_the_tree(forum):
    q, a1, a2, a3, u1, r1, r1b = tree_of(forum)
    tree = TreeView(forum, head=a3)
    chat = ChatView(forum, head=tree)
    sent = record(chat)
    frontend(chat, {"kind": "ready"})
    frontend(chat, {"kind": "switch", "id": a1.id})
    assert chat.error == ""
    assert chat.head_id == tree.head_id == r1b.id  # a1 -> u1 -> its last-stored child
    snap = last_snapshot(sent)
    assert [n["id"] for n in snap["nodes"]] == [q.id, a1.id, u1.id, r1b.id]
    assert snap["siblings"][a1.id] == [a1.id, a2.id, a3.id] and snap["siblings"][r1b.id] == [r1.id, r1b.id]
    frontend(chat, {"kind": "switch", "id": r1.id})  # a leaf: itself
    assert chat.head_id == tree.head_id == r1.id
    assert chat.switch(a2) == a2 and tree.head == a2  # the same from Python
    chat.close()
    tree.close()


async def test_sibling_counts_follow_other_branches_growing(forum, gate):
    q, a1, a2, a3, u1, r1, r1b = tree_of(forum)
    chat = ChatView(forum, head=r1b)
    sent = record(chat)
    frontend(chat, {"kind": "ready"})
    n_before = len(sent)
    forum.post("elsewhere", parent=a2)  # not next to the branch shown: nothing to send
    chat.flush()
    assert len(sent) == n_before
    a4 = forum.post("answer four", parent=q, sender="bot")
    r1c = forum.post("a third reply", parent=u1, sender="bot")
    chat.flush()
    assert sent[-1] == {
        "kind": "siblings",
        "siblings": {a1.id: [a1.id, a2.id, a3.id, a4.id], r1b.id: [r1.id, r1b.id, r1c.id]},
    }
    assert chat.head_id == r1b.id  # a sibling of a message shown is not followed
    # an agent answering beside the head, live: the count grows once its answer is stored
    mark = len(sent)
    g = gate(["new ", "reply"], pause_after=1)
    seq = gated_agent("bot", g).quick_call(u1, forum=forum)
    await g.paused.wait()
    chat.flush()
    assert all(m["kind"] != "siblings" for m in sent[mark:])  # a streaming answer has no id to switch to yet
    g.release.set()
    await settle(seq)
    chat.flush()
    newest = forum.children(u1)[-1]
    assert newest.content == "new reply"
    assert sent[-1] == {"kind": "siblings", "siblings": {r1b.id: [r1.id, r1b.id, r1c.id, newest.id]}}
    chat.close()


async def test_switch_into_a_branch_that_is_streaming_shows_the_stream(forum, gate):
    q = forum.post("q")
    a1 = forum.post("answer one", parent=q, sender="bot")
    u2 = forum.post("second question", parent=q)
    tree = TreeView(forum, head=a1)
    chat = ChatView(forum, head=tree)
    sent = record(chat)
    frontend(chat, {"kind": "ready"})
    g = gate(["Hel", "lo"], pause_after=1)
    seq = gated_agent("bot", g).quick_call(u2, forum=forum)  # streams under u2 while a1's branch is shown
    await g.paused.wait()
    chat.flush()
    assert not any(s for m in sent if m["kind"] == "delta" for s in m["streams"])  # not on the branch shown
    frontend(chat, {"kind": "switch", "id": u2.id})
    assert chat.head_id == tree.head_id == u2.id
    snap = last_snapshot(sent)
    (stream,) = snap["streams"]
    assert stream["parent"] == u2.id and stream["text"] == "Hel"
    g.release.set()
    await settle(seq)
    chat.flush()
    (answer,) = forum.children(u2)
    after = sent[sent.index(snap) + 1 :]
    assert "".join(m["text"].get(stream["key"], "") for m in after if m["kind"] == "delta") == "lo"
    assert {"key": stream["key"], "id": answer.id} in [r for m in after if m["kind"] == "delta" for r in m["resolved"]]
    chat.close()
    tree.close()


# -- regenerate, edit ---------------------------------------------------------------------------------------------


async def test_regenerate_from_the_chat_asks_the_trees_agent(forum, gate):
    g = gate(["second ", "answer"], pause_after=1)
    bot = gated_agent("bot", g)
    q = forum.post("question")
    first = forum.post("first answer", parent=q, sender="bot")
    tree = TreeView(forum, agents=[bot], head=first)
    chat = ChatView(forum, head=tree)
    assert chat.agents == ["bot"]  # the browser offers "regenerate" for these senders only
    sent = record(chat)
    frontend(chat, {"kind": "ready"})
    frontend(chat, {"kind": "regenerate", "id": first.id})
    assert chat.error == "" and chat.head_id == tree.head_id == q.id
    await g.paused.wait()
    chat.flush()
    streams = [s for m in sent if m["kind"] in ("snapshot", "delta") for s in m["streams"]]
    assert [(s["parent"], s["sender"]) for s in streams] == [(q.id, "bot")]  # streaming live in the chat
    g.release.set()
    await settle(tree._calls[-1])
    chat.flush()
    second = forum.children(q)[-1]
    assert second.content == "second answer"
    assert chat.head_id == tree.head_id == second.id
    assert last_snapshot(sent)["siblings"][second.id] == [first.id, second.id]
    chat.close()
    tree.close()


async def test_bad_browser_messages_are_reported_not_raised(forum):
    q, a1, a2, *_ = tree_of(forum)
    tree = TreeView(forum, head=a1)  # no agents
    chat = ChatView(forum, head=tree)
    lone = ChatView(forum, head=a2)  # not linked: nothing to regenerate with
    record(chat)
    record(lone)
    before = len(forum)
    for widget, bad in [
        (chat, {"kind": "switch", "id": "f" * 64}),
        (chat, {"kind": "switch", "id": 12}),
        (chat, {"kind": "switch"}),
        (chat, {"kind": "switch", "id": "<script>alert(1)</script>"}),
        (chat, {"kind": "regenerate", "id": a1.id}),  # bot is not one of the tree's agents
        (chat, {"kind": "regenerate", "id": q.id}),  # a root
        (lone, {"kind": "regenerate", "id": a2.id}),
        (chat, {"kind": "edit", "id": a1.id}),  # the hook exists; editing lands later
        (chat, {"kind": "edit", "id": None}),
        (chat, {"kind": "explode"}),
        (chat, ["not", "a", "dict"]),
    ]:
        widget.error = ""
        frontend(widget, bad)
        assert widget.error, bad
    frontend(chat, {"kind": "edit", "id": a1.id})
    assert "not available yet" in chat.error
    assert len(forum) == before
    assert chat.head_id == tree.head_id == a1.id and lone.head_id == a2.id
    frontend(chat, {"kind": "switch", "id": a2.id})  # a good message clears the error
    assert chat.error == "" and tree.head_id == a2.id
    for w in (chat, lone, tree):
        w.close()


async def test_no_head_is_an_empty_snapshot(forum):
    chat = ChatView(forum)
    sent = record(chat)
    frontend(chat, {"kind": "ready"})
    assert sent == [{"kind": "snapshot", "nodes": [], "streams": [], "siblings": {}}]  # the browser shows its hint
    assert chat.head is None and chat.transcript == []
    chat.close()
