"""ChatView without a browser: driven through its comm as the front end does (custom messages, trait updates).

Following a TreeView's head through branch / checkout / regenerate sequences, the branch arrows (sibling data in
snapshots and live `siblings` messages, `switch` messages), regenerate through the linked tree, edit (through the
linked tree, which asks its agent again, or on the forum), answering a waiting question (ctx.ask) and following
the agent on, and bad input reported in the `error` trait, never raised.
"""

from __future__ import annotations

import asyncio

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
            for n in m["nodes"]:
                if n["id"] not in ids:  # a node sent again (annotated, cached) keeps its place
                    ids.append(n["id"])
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
    tree = TreeView(forum, agents=[bot], follow=False)  # following the newest run: see test_tree_actions.py
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
    tree = TreeView(forum, head=a1, follow=False)  # the head stays where the person put it
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


# -- regenerate ---------------------------------------------------------------------------------------------------


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


# -- edit ---------------------------------------------------------------------------------------------------------


def conversation(forum):
    """hi -> hello (bot) -> where? (user) -> answer (bot): a user message in the middle, answered by bot."""
    q = forum.post("hi")
    a = forum.post("hello", parent=q, sender="bot")
    u = forum.post("Where should I go in spring?", parent=a)
    r = forum.post("Lisbon", parent=u, sender="bot")
    return q, a, u, r


async def test_edit_through_the_tree_asks_its_agent_again_and_streams_the_answer(forum, gate):
    q, a, u, r = conversation(forum)
    g = gate(["Sev", "ille"], pause_after=1)
    bot = gated_agent("bot", g)
    tree = TreeView(forum, agents=[bot], head=r)
    chat = ChatView(forum, head=tree)
    sent = record(chat)
    frontend(chat, {"kind": "ready"})
    frontend(chat, {"kind": "edit", "id": u.id, "text": "Where should I go in autumn?"})
    assert chat.error == ""
    (edited,) = [m for m in forum.children(a) if m.id != u.id]
    assert edited.content == "Where should I go in autumn?" and edited.sender == "user"
    assert forum.annotations(edited)["edited_from"] == u.id
    assert chat.head_id == tree.head_id == tree.selected_id == edited.id  # the tree's edit: selected, checked out
    snap = last_snapshot(sent)
    assert [n["id"] for n in snap["nodes"]] == [q.id, a.id, edited.id]
    assert snap["siblings"][edited.id] == [u.id, edited.id]  # the browser draws ‹ 2/2 ›
    assert snap["nodes"][-1]["notes"]["edited_from"] == u.id
    await g.paused.wait()  # bot (who answered the original) is asked again on the edit
    chat.flush()
    streams = [s for m in sent[sent.index(snap) :] if m["kind"] in ("snapshot", "delta") for s in m["streams"]]
    assert [(s["parent"], s["sender"]) for s in streams] == [(edited.id, "bot")]
    g.release.set()
    await settle(tree._calls[-1])
    chat.flush()
    assert chat.head_id == tree.head_id == forum.children(edited)[0].id
    assert chat.transcript == [
        ("user", "hi"),
        ("bot", "hello"),
        ("user", "Where should I go in autumn?"),
        ("bot", "Seville"),
    ]
    assert shown_ids(sent) == [m.id for m in forum.history(chat.head_id)]
    chat.close()
    tree.close()


async def test_edit_without_a_tree_moves_the_chat_to_the_edit(forum):
    q, a, u, r = conversation(forum)
    chat = ChatView(forum, head=r)
    sent = record(chat)
    frontend(chat, {"kind": "ready"})
    before = len(forum)
    edited = chat.edit(u, "Where should I go in winter?")  # the same as the browser's {kind: "edit"}
    assert len(forum) == before + 1  # the edit only: no agent to ask
    assert edited.parent_id == a.id and forum.annotations(edited)["edited_from"] == u.id
    assert chat.head_id == edited.id and chat.error == ""
    snap = last_snapshot(sent)
    assert [n["id"] for n in snap["nodes"]] == [q.id, a.id, edited.id]
    assert snap["siblings"][edited.id] == [u.id, edited.id]
    # unlinked, the view follows what is stored under its head: an answer to the edit from code
    reply = forum.post("Vienna", parent=edited, sender="bot")
    chat.flush()
    assert chat.head_id == reply.id and shown_ids(sent) == [q.id, a.id, edited.id, reply.id]
    # an agent's message can be edited too; the same text changes nothing
    assert chat.edit(reply, "Vienna") == reply and chat.head_id == reply.id and len(forum) == before + 2
    frontend(chat, {"kind": "edit", "id": a.id, "text": "hello!"})
    assert chat.error == "" and forum.get(chat.head_id).content == "hello!" and chat.head.parent_id == q.id
    with pytest.raises(af.UsageError, match="some text"):
        chat.edit(u, " ")
    chat.close()


async def test_edit_with_the_same_text_keeps_the_branch(forum):
    q, a, u, r = conversation(forum)
    tree = TreeView(forum, head=r)
    chat = ChatView(forum, head=tree)
    sent = record(chat)
    frontend(chat, {"kind": "ready"})
    n_sent, before = len(sent), len(forum)
    frontend(chat, {"kind": "edit", "id": u.id, "text": u.content})
    assert chat.error == "" and len(forum) == before
    assert chat.head_id == tree.head_id == r.id and len(sent) == n_sent
    chat.close()
    tree.close()


# -- questions (ctx.ask) -------------------------------------------------------------------------------------------


def planner_agent():
    @af.agent
    async def planner(ctx):
        city = await ctx.ask("Which city?", choices=["Paris", "Rome"])
        ctx.respond(f"{city.content} it is: a weekend of walks.")

    return planner


async def waiting_question(forum):
    """The question a call is waiting on, once its `awaiting` annotation is written (an event, not a sleep)."""
    loop = asyncio.get_running_loop()
    asked: asyncio.Future = loop.create_future()

    def on(ev):
        if ev.kind == "annotated" and (ev.annotations or {}).get("awaiting") == "user" and not asked.done():
            asked.set_result(ev.message)

    unsubscribe = forum.subscribe(on)
    try:
        now = forum.questions()
        if now:
            return now[0]
        async with asyncio.timeout(10):
            return await asked
    finally:
        unsubscribe()


def node_updates(sent, mid):
    """Every node of ``mid`` the browser got (snapshots and deltas), in order."""
    return [n for m in sent if m["kind"] in ("snapshot", "delta") for n in m["nodes"] if n["id"] == mid]


async def test_answer_through_the_tree_follows_the_agent_on(forum):
    planner = planner_agent()
    tree = TreeView(forum, agents=[planner])
    chat = ChatView(forum, head=tree)
    sent = record(chat)
    frontend(chat, {"kind": "ready"})
    seq = tree.branch("Plan a weekend for me")
    question = await waiting_question(forum)
    chat.flush()
    assert chat.head_id == tree.head_id == question.id  # the tree followed its agent to the question
    shown = node_updates(sent, question.id)[-1]
    assert shown["notes"]["awaiting"] == "user" and shown["choices"] == ["Paris", "Rome"]  # the answer box
    frontend(chat, {"kind": "answer", "id": question.id, "text": "Rome"})
    assert chat.error == ""
    (answer,) = forum.children(question)
    assert (answer.sender, answer.content) == ("user", "Rome")
    assert chat.head_id == tree.head_id == answer.id
    await seq
    chat.flush()
    assert chat.transcript[-3:] == [
        ("planner", "Which city?"),
        ("user", "Rome"),
        ("planner", "Rome it is: a weekend of walks."),
    ]
    assert chat.head.content == "Rome it is: a weekend of walks." and tree.head_id == chat.head_id
    assert "awaiting" not in node_updates(sent, question.id)[-1]["notes"]  # the box goes
    assert shown_ids(sent) == [m.id for m in forum.history(chat.head_id)]
    frontend(chat, {"kind": "answer", "id": question.id, "text": "Paris"})  # answered already: refused
    assert "answered already" in chat.error and len(forum.children(question)) == 1
    chat.close()
    tree.close()


async def test_answer_in_a_chat_linked_to_a_tree_that_did_not_start_the_call(forum):
    """The call runs from code (a sequence shown in a cell); the tree was checked out at the question by hand, so
    it follows nothing: the chat follows the agent it answered."""
    planner = planner_agent()
    tree = TreeView(forum, agents=[planner])
    chat = ChatView(forum, head=tree)
    sent = record(chat)
    frontend(chat, {"kind": "ready"})
    seq = planner.quick_call("Plan a weekend", forum=forum)
    question = await waiting_question(forum)
    tree.checkout(question)
    answer = chat.answer(question, "Paris")  # the Python method
    assert answer.parent_id == question.id and chat.head_id == tree.head_id == answer.id
    await seq
    chat.flush()
    assert chat.head.content == "Paris it is: a weekend of walks." and tree.head_id == chat.head_id
    assert shown_ids(sent) == [m.id for m in forum.history(chat.head_id)]
    chat.close()
    tree.close()


async def test_answer_without_a_tree_posts_and_follows(forum):
    planner = planner_agent()
    request = forum.post("Plan a weekend")
    chat = ChatView(forum, head=request)
    sent = record(chat)
    frontend(chat, {"kind": "ready"})
    seq = planner.quick_call(request, forum=forum)
    question = await waiting_question(forum)
    chat.flush()
    assert chat.head_id == question.id  # followed by itself
    assert node_updates(sent, question.id)[-1]["notes"]["awaiting"] == "user"
    frontend(chat, {"kind": "answer", "id": question.id, "text": "Rome"})
    assert chat.error == ""
    await seq
    chat.flush()
    assert chat.transcript == [
        ("user", "Plan a weekend"),
        ("planner", "Which city?"),
        ("user", "Rome"),
        ("planner", "Rome it is: a weekend of walks."),
    ]
    assert [m["kind"] for m in sent].count("snapshot") == 1  # every step down came as a delta
    assert shown_ids(sent) == [m.id for m in forum.history(chat.head_id)]
    assert "awaiting" not in node_updates(sent, question.id)[-1]["notes"]
    with pytest.raises(af.UsageError, match="type an answer"):
        chat.answer(question, "")
    chat.close()


async def test_the_response_after_an_answer_streams_under_the_answer(forum, gate):
    g = gate(["Rome ", "it is"], pause_after=1)

    async def fn(ctx):
        await ctx.ask("Which city?", choices=["Paris", "Rome"])
        ctx.respond(g.stream())

    planner = af.Agent(fn, name="planner", cache=False)
    request = forum.post("Plan a weekend")
    chat = ChatView(forum, head=request)
    sent = record(chat)
    frontend(chat, {"kind": "ready"})
    seq = planner.quick_call(request, forum=forum)
    try:
        question = await waiting_question(forum)
        answer = chat.answer(question, "Rome")
        await g.paused.wait()
        chat.flush()
        streams = [s for m in sent if m["kind"] in ("snapshot", "delta") for s in m["streams"]]
        assert streams[-1]["parent"] == answer.id  # shown under the head (the answer) while it streams
    finally:
        g.release.set()
        await settle(seq)
        chat.close()


async def test_a_question_answered_elsewhere_loses_its_box(forum):
    planner = planner_agent()
    request = forum.post("Plan a weekend")
    tree = TreeView(forum, agents=[planner], head=request)
    chat = ChatView(forum, head=tree)
    sent = record(chat)
    frontend(chat, {"kind": "ready"})
    seq = tree.branch("Somewhere warm", parent=request)
    question = await waiting_question(forum)
    chat.flush()
    assert node_updates(sent, question.id)[-1]["notes"]["awaiting"] == "user"
    forum.post("Paris", parent=question)  # answered from code (or another widget)
    await seq
    chat.flush()
    # the annotation update reached the chat as a node delta: the browser drops the box
    assert "awaiting" not in node_updates(sent, question.id)[-1]["notes"]
    before = len(forum)
    frontend(chat, {"kind": "answer", "id": question.id, "text": "Rome"})
    assert "not waiting any more" in chat.error and len(forum) == before
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
        (chat, {"kind": "edit", "id": a1.id}),  # no text
        (chat, {"kind": "edit", "id": a1.id, "text": "  \n "}),
        (chat, {"kind": "edit", "id": a1.id, "text": 42}),
        (chat, {"kind": "edit", "id": a1.id, "text": "x" * 100_001}),
        (chat, {"kind": "edit", "id": None, "text": "new"}),
        (lone, {"kind": "edit", "id": "f" * 64, "text": "new"}),
        (lone, {"kind": "edit", "id": a2.id}),
        (chat, {"kind": "answer", "id": a1.id}),
        (lone, {"kind": "answer", "id": a2.id, "text": ""}),
        (lone, {"kind": "answer", "id": "e" * 64, "text": "yes"}),
        (chat, {"kind": "explode"}),
        (chat, ["not", "a", "dict"]),
    ]:
        widget.error = ""
        frontend(widget, bad)
        assert widget.error, bad
    frontend(chat, {"kind": "edit", "id": a1.id, "text": ""})
    assert "edit needs some text" in chat.error
    frontend(chat, {"kind": "edit", "id": a1.id, "text": ""})  # reported again: cleared first, so the browser sees it
    assert "edit needs some text" in chat.error
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
