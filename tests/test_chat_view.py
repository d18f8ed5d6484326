"""ChatView without a browser: driven through its comm as the front end does (custom messages, trait updates).

Following a TreeView's head through branch / checkout / regenerate sequences, following the latest run, the
branch arrows (the alternatives of each message in snapshots and live `alternatives` messages: samples, edits,
branches a person made, never a forward next to its original; `switch` messages), regenerate through the linked
tree, edit (through the linked tree, which asks its agent again, or on the forum), answering a waiting question
(ctx.ask) and following the agent on, an error's detail, and bad input reported in the `error` trait, never raised.
"""

from __future__ import annotations

import asyncio
import json

import pytest

import agentforum_nb as af
from agentforum_nb.notebook import ChatView, TreeView
from agentforum_nb.palette import sender_colour

from .test_widgets import frontend, record


def browser_update(widget, state):
    """Deliver a trait update as the browser would."""
    widget.comm.handle_msg(
        {"content": {"data": {"method": "update", "state": state, "buffer_paths": []}}, "buffers": []}
    )


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
    assert last_snapshot(sent)["alternatives"] == {q.id: [q.id]}  # an only root, never edited
    second = forum.post("second", parent=q, sender="bot")
    assert chat.head_id == second.id
    chat.flush()
    assert shown_ids(sent) == [q.id, second.id]
    assert sent[-1] == {"kind": "alternatives", "alternatives": {second.id: [first.id, second.id]}}
    chat.close()


# -- branch arrows ------------------------------------------------------------------------------------------------


async def test_snapshot_carries_the_alternatives_of_each_message(forum):
    q, a1, a2, a3, u1, r1, r1b = tree_of(forum)
    chat = ChatView(forum, head=r1)
    sent = record(chat)
    frontend(chat, {"kind": "ready"})
    snap = last_snapshot(sent)
    assert [n["id"] for n in snap["nodes"]] == [q.id, a1.id, u1.id, r1.id]
    assert snap["alternatives"] == {
        q.id: [q.id],  # a root's alternatives are its edits: other roots are other conversations
        a1.id: [a1.id, a2.id, a3.id],  # first-stored order
        u1.id: [u1.id],
        r1.id: [r1.id, r1b.id],
    }
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
    assert snap["alternatives"][a1.id] == [a1.id, a2.id, a3.id] and snap["alternatives"][r1b.id] == [r1.id, r1b.id]
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
        "kind": "alternatives",
        "alternatives": {a1.id: [a1.id, a2.id, a3.id, a4.id], r1b.id: [r1.id, r1b.id, r1c.id]},
    }
    assert chat.head_id == r1b.id  # a sibling of a message shown is not followed
    # an agent answering beside the head, live: the count grows once its answer is stored
    mark = len(sent)
    g = gate(["new ", "reply"], pause_after=1)
    seq = gated_agent("bot", g).quick_call(u1, forum=forum)
    await g.paused.wait()
    chat.flush()
    assert all(m["kind"] != "alternatives" for m in sent[mark:])  # a streaming answer has no id to switch to yet
    g.release.set()
    await settle(seq)
    chat.flush()
    newest = forum.children(u1)[-1]
    assert newest.content == "new reply"
    assert sent[-1] == {"kind": "alternatives", "alternatives": {r1b.id: [r1.id, r1b.id, r1c.id, newest.id]}}
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
    assert last_snapshot(sent)["alternatives"][second.id] == [first.id, second.id]
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
    assert snap["alternatives"][edited.id] == [u.id, edited.id]  # the browser draws ‹ 2/2 ›
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
    assert snap["alternatives"][edited.id] == [u.id, edited.id]
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
    assert sent == [{"kind": "snapshot", "nodes": [], "streams": [], "alternatives": {}}]  # the browser shows its hint
    assert chat.head is None and chat.transcript == []
    chat.close()


# -- the alternatives of a debate (issue "what each agent saw") --------------------------------------------------


def debate(pro=None):
    """A moderator passing on pro's opening (the moderator's sample is pro's), con's rebuttal and the judge's verdict,
    each stored by its agent and again as the moderator's forward. Each speaker says what it saw."""

    def speaker(name):
        def fn(messages, sample=0):
            return f"{name} #{sample} saw " + " / ".join(m.sender for m in messages)

        return af.function_agent(name, fn)

    pro = pro or speaker("pro")
    con, judge = speaker("con"), speaker("judge")

    @af.agent
    async def moderator(ctx):
        opening = pro.quick_call(ctx.requests, sample=ctx.sample)
        ctx.respond(opening)
        rebuttal = con.quick_call(opening)  # answers under the opening (runtime.md: the descendant rule)
        ctx.respond(rebuttal)
        ctx.respond(judge.quick_call(rebuttal))  # answers under the rebuttal

    return moderator


def leaf(forum, m):
    """The last-stored descendant of ``m`` (down the last child)."""
    while kids := forum.children(m):
        m = kids[-1]
    return m


async def test_arrows_count_samples_edits_and_branches_never_the_forwarded_copies(forum):
    """The bug: "pro 1/3" where 2/3 and 3/3 were the moderator's and the judge's copies of one answer."""
    moderator = debate()
    for seq in moderator.samples("Motion: cats", n=2, forum=forum):
        await seq
    (motion,) = forum.roots()
    pro0, pro1 = [m for m in forum.children(motion) if m.sender == "pro"]
    fwd0, fwd1 = [m for m in forum.children(motion) if m.kind == "forward"]
    assert (fwd0.original_id, fwd1.original_id) == (pro0.id, pro1.id) and len(forum.children(motion)) == 4
    chat = ChatView(forum, head=leaf(forum, fwd0))  # the moderator's transcript of sample 0
    sent = record(chat)
    frontend(chat, {"kind": "ready"})
    alts = last_snapshot(sent)["alternatives"]
    assert alts[fwd0.id] == [fwd0.id, fwd1.id]  # "pro 1/2": the other sample, as the moderator passed it on
    assert [len(alts[m.id]) for m in forum.history(chat.head_id)] == [1, 2, 1, 1]  # con and judge: one each
    forwards = [n for n in last_snapshot(sent)["nodes"] if n["kind"] == "forward"]
    assert [(n["author"], n["author_colour"]) for n in forwards] == [
        (a, sender_colour(a)) for a in ("pro", "con", "judge")
    ]  # shown as the author's message, in the author's colour, passed on by the moderator
    frontend(chat, {"kind": "switch", "id": fwd1.id})  # the arrow: the other sample's transcript
    assert chat.head_id == leaf(forum, fwd1).id and chat.transcript[1] == ("moderator", "pro #1 saw user")
    chat.head_id = leaf(forum, pro0).id  # the originals' branch: pro, con under it, the judge under con
    assert chat.transcript == [
        ("user", "Motion: cats"),
        ("pro", "pro #0 saw user"),
        ("con", "con #0 saw user / pro"),
        ("judge", "judge #0 saw user / pro / con"),
    ]
    assert last_snapshot(sent)["alternatives"][pro0.id] == [pro0.id, pro1.id]
    # a third sample: one more alternative once pro's answer is stored, and still one once it is passed on
    sent.clear()
    await moderator.quick_call(motion, forum=forum, sample=2)
    chat.flush()
    updates = [m["alternatives"][pro0.id] for m in sent if m["kind"] == "alternatives"]
    assert len(updates) == 1 and len(updates[0]) == 3 and updates[0][:2] == [pro0.id, pro1.id]
    # what a person made next to it: a message posted under the motion, an edit, a call started on the motion
    mine = forum.post("What about dogs?", parent=motion)
    edited = forum.edit(pro0, "Cats are the best.")
    other = await af.scripted_agent("critic", ["No."]).quick_call(motion, forum=forum)
    sent.clear()
    chat.flush()
    assert len(forum.children(motion)) == 9  # 3 samples x (answer + forward), the post, the edit, the critic
    (update,) = [m for m in sent if m["kind"] == "alternatives"]
    alts = update["alternatives"][pro0.id]
    assert len(alts) == 6  # 3 samples, the post, the edit, the critic's answer
    assert alts[:3] == updates[0] and alts[3:] == [mine.id, edited.id, other[0].id]
    chat.close()


async def test_answers_passed_on_together_are_one_alternative(forum):
    """A moderator asking two speakers in parallel on the same request and passing both answers on: the two
    answers and the forwards are one alternative (no arrows)."""
    pro, con = af.scripted_agent("pro", ["Yes."]), af.scripted_agent("con", ["No."])

    @af.agent
    async def panel(ctx):
        a, b = pro.quick_call(ctx.requests), con.quick_call(ctx.requests)
        ctx.respond(a)
        ctx.respond(b)

    await panel.quick_call("Motion: cats", forum=forum)
    (motion,) = forum.roots()
    assert sorted(m.sender for m in forum.children(motion)) == ["con", "panel", "pro"]
    for head in [leaf(forum, m) for m in forum.children(motion)]:
        chat = ChatView(forum, head=head)
        sent = record(chat)
        frontend(chat, {"kind": "ready"})
        assert all(len(v) == 1 for v in last_snapshot(sent)["alternatives"].values())
        chat.close()


async def test_samples_passing_on_the_same_answer_stay_apart(forum):
    """Two samples of a host that introduces the debate in its own words, then passes on pro's (cached, so the same)
    answer: two alternatives. Pro's answer is part of the first, and does not join the two together."""
    pro = af.scripted_agent("pro", ["Cats are independent."])

    @af.agent
    async def host(ctx):
        ctx.respond(f"Round {ctx.sample + 1}: pro opens.")
        ctx.respond(pro.quick_call(ctx.requests))

    for seq in host.samples("Motion: cats", n=2, forum=forum):
        await seq
    (motion,) = forum.roots()
    intros = [m for m in forum.children(motion) if m.sender == "host"]
    (opening,) = [m for m in forum.children(motion) if m.sender == "pro"]
    assert len(intros) == 2 and all(forum.children(i)[0].original_id == opening.id for i in intros)
    chat = ChatView(forum, head=leaf(forum, intros[1]))
    sent = record(chat)
    frontend(chat, {"kind": "ready"})
    assert last_snapshot(sent)["alternatives"][intros[1].id] == [intros[0].id, intros[1].id]
    chat.close()


async def test_an_edited_message_has_arrows_back_to_its_original(forum):
    moderator = debate()
    await moderator.quick_call("Motion: cats", forum=forum)
    (motion,) = forum.roots()
    fwd = next(m for m in forum.children(motion) if m.kind == "forward")
    chat = ChatView(forum, head=leaf(forum, fwd))
    sent = record(chat)
    frontend(chat, {"kind": "ready"})
    # the moderator's forward of pro's opening, edited: the edit and the forward, not pro's original too
    edited = chat.edit(fwd, "Cats are fine.")
    assert last_snapshot(sent)["alternatives"][edited.id] == [fwd.id, edited.id]
    # the motion (a root), edited: its arrows go back to the original, and the original's to the edit
    other = forum.post("Motion: tea")  # another conversation: never an alternative
    dogs = chat.edit(motion, "Motion: dogs")
    assert last_snapshot(sent)["alternatives"][dogs.id] == [motion.id, dogs.id]
    frontend(chat, {"kind": "switch", "id": motion.id})
    assert chat.head_id == leaf(forum, motion).id
    assert last_snapshot(sent)["alternatives"][motion.id] == [motion.id, dogs.id]
    # a live edit of the root shown (from code): its arrows count it
    sent.clear()
    birds = forum.edit(dogs, "Motion: birds")  # an edit of the edit: the same family
    forum.post("Motion: coffee")
    chat.flush()
    assert sent == [{"kind": "alternatives", "alternatives": {motion.id: [motion.id, dogs.id, birds.id]}}]
    assert other.id not in str(sent)
    chat.close()


# -- following the latest run ---------------------------------------------------------------------------------------


async def test_a_chat_shown_before_a_run_follows_it_as_it_streams(forum, gate):
    """The bug: a ChatView shown before a run started from code stayed "no branch yet"."""
    g = gate(["Cats ", "purr."], pause_after=1)

    async def opening(ctx):
        ctx.respond(g.stream())

    moderator = debate(af.Agent(opening, name="pro", version="gated"))
    chat = ChatView(forum)
    assert chat.follow_latest and not chat.linked and chat.head_id == ""
    sent = record(chat)
    frontend(chat, {"kind": "ready"})
    seq = moderator.quick_call("Motion: cats", forum=forum)
    await g.paused.wait()
    (motion,) = forum.roots()
    assert chat.head_id == motion.id  # the run's request, shown at once
    chat.flush()
    streams = [s for m in sent if m["kind"] in ("snapshot", "delta") for s in m["streams"]]
    assert {(s["parent"], s["sender"]) for s in streams} == {(motion.id, "pro"), (motion.id, "moderator")}
    texts = {s["text"] + "".join(m["text"].get(s["key"], "") for m in sent if m["kind"] == "delta") for s in streams}
    assert texts == {"Cats "}  # streaming live (pro's answer, and the moderator passing it on)
    g.release.set()
    out = await seq
    chat.flush()
    assert chat.head_id == out[-1].id  # the moderator's transcript: its own responses, forwards included
    assert [s for s, _ in chat.transcript] == ["user", "moderator", "moderator", "moderator"]
    assert [m["kind"] for m in sent].count("snapshot") == 2  # the empty one, then the request: deltas carried the rest
    assert {m.id for m in forum.history(chat.head_id)} <= set(shown_ids(sent))
    assert chat.follow_latest
    # the next run is followed; so is a run answered from the cache (over before the view hears of it)
    dogs = await moderator.quick_call("Motion: dogs", forum=forum)
    assert chat.head_id == dogs[-1].id
    again = await moderator.quick_call("Motion: cats", forum=forum)
    assert again[-1].id == out[-1].id and chat.head_id == out[-1].id
    # a switch stops following; so does a head set from outside; follow_latest starts again
    frontend(chat, {"kind": "switch", "id": dogs[0].id})
    assert not chat.follow_latest and chat.head_id == dogs[-1].id
    await moderator.quick_call("Motion: tea", forum=forum)
    assert chat.head_id == dogs[-1].id
    frontend(chat, {"kind": "follow", "on": True})
    assert chat.follow_latest and chat.error == ""
    birds = await moderator.quick_call("Motion: birds", forum=forum)
    assert chat.head_id == birds[-1].id
    owls = [await seq for seq in moderator.samples("Motion: owls", n=3, forum=forum)]
    assert chat.head_id == owls[2][-1].id  # several runs started at once: the newest (the last sample)
    chat.head_id = dogs[-1].id
    assert not chat.follow_latest
    chat.follow_latest = True
    frontend(chat, {"kind": "follow", "on": "yes"})
    assert "true or false" in chat.error and chat.follow_latest
    frontend(chat, {"kind": "follow", "on": False})
    assert not chat.follow_latest
    browser_update(chat, {"follow_latest": True})  # only the kernel sets the trait: the browser sends "follow"
    assert not chat.follow_latest and "only the kernel sets" in chat.error
    chat.close()


async def test_a_chat_with_a_head_or_a_tree_does_not_follow_runs(forum):
    bot = af.scripted_agent("bot", ["one", "two"])
    q = forum.post("q")
    chat = ChatView(forum, head=q)
    assert not chat.follow_latest
    await bot.quick_call("elsewhere", forum=forum)
    assert chat.head_id == q.id
    tree = TreeView(forum, agents=[bot], head=q)
    linked = ChatView(head=tree)
    assert not linked.follow_latest and linked.linked
    with pytest.raises(af.UsageError, match="TreeView"):
        linked.follow_latest = True
    assert not linked.follow_latest
    frontend(linked, {"kind": "follow", "on": True})
    assert not linked.follow_latest and "TreeView" in linked.error
    await bot.quick_call("again", forum=forum)  # a linked view shows the tree's head: the tree's head wins
    assert linked.head_id == tree.head_id == q.id
    for w in (chat, linked, tree):
        w.close()


async def test_a_followed_run_that_asks_is_answered_in_the_chat(forum):
    chat = ChatView(forum)
    planner = planner_agent()
    seq = planner.quick_call("Plan a weekend", forum=forum)
    question = await waiting_question(forum)
    assert chat.head_id == question.id
    chat.answer(question, "Rome")
    assert chat.follow_latest  # answering the followed run goes on following it
    out = await seq
    assert chat.head_id == out[-1].id and chat.transcript[-2:] == [
        ("user", "Rome"),
        ("planner", "Rome it is: a weekend of walks."),
    ]
    chat.close()


# -- errors -------------------------------------------------------------------------------------------------------


class ProviderError(Exception):
    def __init__(self, detail):
        super().__init__("Error code: 400")
        self.error_detail = detail  # as the model layer sets it: the provider's error body


async def test_an_error_shows_its_detail(forum):
    detail = {"error": {"message": "<b>max_tokens</b> is too large", "type": "invalid_request_error"}}

    @af.agent
    async def llm(ctx):
        raise ProviderError(detail)

    chat = ChatView(forum)
    sent = record(chat)
    frontend(chat, {"kind": "ready"})
    with pytest.raises(af.AgentError):
        await llm.quick_call("hi", forum=forum)
    chat.flush()
    error = forum.get(chat.head_id)
    assert error.kind == "error" and error.metadata["error_detail"]["error"]["type"] == "invalid_request_error"
    (node,) = node_updates(sent, error.id)
    assert node["error_detail"] == json.dumps(detail, indent=2, ensure_ascii=False)  # text: the browser sets it as text
    chat.head_id = ""
    chat.head_id = error.id
    assert last_snapshot(sent)["nodes"][-1]["error_detail"] == node["error_detail"]
    assert "error_detail" not in last_snapshot(sent)["nodes"][0]
    text = forum.post("plain", parent=forum.post("root"), sender="bot", metadata={"error_detail": "not an error"})
    chat.head_id = text.id
    assert all("error_detail" not in n for n in last_snapshot(sent)["nodes"])
    chat.close()


async def test_a_long_or_odd_error_detail_is_cut_and_kept_as_text(forum):
    from agentforum_nb.notebook.chat_view import MAX_DETAIL, error_detail_text

    q = forum.post("q")

    def error(detail):
        return forum.add(af.Message("AgentError: x", kind="error", sender="bot", parent_id=q.id, metadata=detail))

    assert error_detail_text(error({"error_detail": "plain text"})) == "plain text"
    assert error_detail_text(error({"error_detail": "  "})) is None
    assert error_detail_text(error({})) is None
    long = error_detail_text(error({"error_detail": "x" * (MAX_DETAIL + 50)}))
    assert long is not None and len(long) == MAX_DETAIL and long.endswith("…")
    assert error_detail_text(error({"error_detail": [1, "é"]})) == '[\n  1,\n  "é"\n]'


async def test_an_answer_an_agent_asked_for_and_kept_is_not_an_alternative(forum):
    """The moderator asks pro on the motion and only summarises: pro's answer is part of the moderator's run (its
    call was made by the moderator: the calls annotation's "by"), not an answer a person made next to it."""
    pro = af.scripted_agent("pro", ["Cats are calm."])

    @af.agent
    async def moderator(ctx):
        heard = await pro.quick_call(ctx.requests)
        ctx.respond(f"Summary: {heard[-1].content}")

    (summary,) = await moderator.quick_call("Motion: cats", forum=forum)
    (motion,) = forum.roots()
    assert sorted(m.sender for m in forum.children(motion)) == ["moderator", "pro"]
    chat = ChatView(forum, head=summary)
    sent = record(chat)
    frontend(chat, {"kind": "ready"})
    assert last_snapshot(sent)["alternatives"].get(summary.id, [summary.id]) == [summary.id]  # no arrows
    # a person asking pro on the motion themselves: that is an alternative
    await af.scripted_agent("pro", ["Dogs!"]).quick_call(motion, forum=forum, sample=1)
    sent.clear()
    chat.flush()
    (update,) = [m for m in sent if m["kind"] == "alternatives"]
    assert len(update["alternatives"][summary.id]) == 2
    chat.close()
