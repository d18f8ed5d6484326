"""Notebook widgets without a browser: drive the comm like the front end does, assert on traits and messages."""

from __future__ import annotations

import asyncio

import pytest

import agentforum_nb as af
from agentforum_nb.notebook import ChatView, StreamView, TreeView


def frontend(widget, content):
    """Deliver a custom message as the browser would (through the widget's comm)."""
    widget.comm.handle_msg({"content": {"data": {"method": "custom", "content": content}}, "buffers": []})


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


async def test_ready_sends_snapshot(forum):
    a = forum.post("hello <script>alert(1)</script>")
    b = forum.post("reply", parent=a, sender="bot")
    w = TreeView(forum)
    sent = record(w)
    frontend(w, {"kind": "ready"})
    (snap,) = sent
    assert snap["kind"] == "snapshot"
    assert [n["id"] for n in snap["nodes"]] == [a.id, b.id]
    assert snap["nodes"][0]["snippet"] == "hello <script>alert(1)</script>"  # text, rendered as text by the JS
    assert snap["nodes"][1]["parent"] == a.id and snap["nodes"][1]["sender"] == "bot"
    w.close()


async def test_select_checkout_and_details(forum):
    a = forum.post("a")
    w = TreeView(forum)
    sent = record(w)
    frontend(w, {"kind": "select", "id": a.id})
    assert w.selected_id == a.id and w.selected == a
    frontend(w, {"kind": "checkout", "id": a.id})
    assert w.head_id == a.id and w.head == a
    frontend(w, {"kind": "get-message", "id": a.id, "request_id": 7})
    assert sent[-1] == {
        "kind": "message",
        "request_id": 7,
        "message": {
            "id": a.id,
            "parent_id": None,
            "reply_to_id": None,
            "original_id": None,
            "kind": "message",
            "sender": "user",
            "status": "complete",
            "content": "a",
            "metadata": {},
        },
        "annotations": {"created_at": forum.annotations(a)["created_at"]},
    }
    w.close()


async def test_branch_streams_answer_as_deltas(forum, gate):
    g = gate(["Hel", "lo ", "there"], pause_after=2)
    bot = gated_agent("bot", g)
    root = forum.post("root")
    w = TreeView(forum, agents=[bot])
    sent = record(w)
    frontend(w, {"kind": "ready"})
    frontend(w, {"kind": "branch", "id": root.id, "text": "hi bot", "agent": "bot"})
    assert w.error == ""
    (question,) = forum.children(root)
    assert question.content == "hi bot" and question.sender == "user"
    assert w.head_id == question.id
    await g.paused.wait()
    w.flush()
    deltas = [m for m in sent if m["kind"] == "delta"]
    streams = [s for d in deltas for s in d["streams"]]
    assert len(streams) == 1 and streams[0]["sender"] == "bot" and streams[0]["parent"] == question.id
    key = streams[0]["key"]
    texts = "".join(d["text"].get(key, "") for d in deltas) + streams[0]["text"]
    assert texts == "Hello "
    assert any(n["id"] == question.id for d in deltas for n in d["nodes"])
    g.release.set()
    await settle(w._calls[0])
    w.flush()
    deltas = [m for m in sent if m["kind"] == "delta"]
    resolved = [r for d in deltas for r in d["resolved"]]
    (answer,) = forum.children(question)
    assert resolved == [{"key": key, "id": answer.id}]
    all_text = streams[0]["text"] + "".join(d["text"].get(key, "") for d in deltas)
    assert all_text == answer.content == "Hello there"
    assert w.head_id == answer.id  # the head followed the new answer
    w.close()


async def test_bad_frontend_messages_are_reported_not_raised(forum):
    a = forum.post("a")
    w = TreeView(forum, agents=[])
    record(w)
    before = len(forum)
    for bad in [
        {"kind": "checkout", "id": "f" * 64},
        {"kind": "checkout", "id": 12},
        {"nokind": 1},
        {"kind": "explode"},
        {"kind": "branch", "id": a.id, "text": ""},
        {"kind": "branch", "id": a.id, "text": "x", "agent": "ghost"},
        "not a dict",
        {"kind": "regenerate", "id": a.id},
    ]:
        w.error = ""
        frontend(w, bad)
        assert w.error, bad
    assert len(forum) == before and w.head_id == ""
    w.close()


async def test_stop_cancels_running_calls(forum, gate):
    g = gate(["a", "b"], pause_after=1)
    bot = gated_agent("bot", g)
    w = TreeView(forum, agents=[bot])
    record(w)
    seq = w.branch("go")
    await g.paused.wait()
    frontend(w, {"kind": "stop"})
    with pytest.raises(af.CallCancelled):
        await seq
    assert [m.status for m in forum if m.sender == "bot"] == ["cancelled"]
    w.close()


async def test_regenerate_asks_for_the_next_unused_sample_and_is_cached(forum):
    bot = af.scripted_agent("bot", ["first answer", "second answer", "third", "fourth"])
    q = forum.post("question")
    (first,) = await bot.quick_call(q, forum=forum)
    w = TreeView(forum, agents=[bot])
    record(w)
    frontend(w, {"kind": "regenerate", "id": first.id})
    await settle(w._calls[-1])
    assert [m.content for m in forum.children(q)] == ["first answer", "second answer"]
    second = forum.children(q)[1]
    assert forum.annotations(second)["sample"] == 1 and w.head_id == second.id
    frontend(w, {"kind": "regenerate", "id": second.id, "n": 2})  # the count: two more samples at once
    for seq in w._calls[-2:]:
        await settle(seq)
    assert [forum.annotations(m)["sample"] for m in forum.children(q)] == [0, 1, 2, 3]
    again = await bot.quick_call(q, forum=forum, sample=2)  # a re-run is served from the cache
    assert again[0] == forum.children(q)[2] and forum.cache_info()["hits"] >= 1
    frontend(w, {"kind": "regenerate", "id": first.id, "n": "many"})
    assert "n must be" in w.error
    w.close()


async def test_regenerate_of_a_deterministic_agent_says_it_is_the_same_message(forum):
    @af.agent
    async def same(ctx):
        ctx.respond("always this")

    q = forum.post("question")
    (first,) = await same.quick_call(q, forum=forum)
    w = TreeView(forum, agents=[same])
    record(w)
    frontend(w, {"kind": "regenerate", "id": first.id})
    await settle(w._calls[-1])
    assert forum.children(q) == [first] and w.head_id == first.id
    assert "same message" in w.notice and first.id[:8] in w.notice


async def test_edit_from_the_widget_asks_the_agent_again(forum):
    bot = af.scripted_agent("bot", ["answer to the original", "answer to the edit"])
    q = forum.post("summarise the report")
    await bot.quick_call(q, forum=forum)
    w = TreeView(forum, agents=[bot])
    record(w)
    frontend(w, {"kind": "edit", "id": q.id, "text": "summarise the report in one line"})
    edited = w.selected
    assert edited.content == "summarise the report in one line" and forum.annotations(edited)["edited_from"] == q.id
    await settle(w._calls[-1])
    assert [m.content for m in forum.children(edited)] == ["answer to the edit"]
    assert w.head.content == "answer to the edit"  # the head follows the new answer
    frontend(w, {"kind": "edit", "id": q.id, "text": "   "})
    assert "some text" in w.error


async def test_answering_a_waiting_question_from_the_widget(forum):
    @af.agent
    async def planner(ctx):
        answer = await ctx.ask("Go ahead?", choices=["yes", "no"])
        ctx.respond(f"ok: {answer.content}")

    w = TreeView(forum, agents=[planner])
    record(w)
    seq = planner.quick_call("plan", forum=forum)
    question = await (await anext(aiter(seq)))
    assert forum.questions() == [question]
    frontend(w, {"kind": "answer", "id": question.id, "text": "yes"})
    assert (await seq)[-1].content == "ok: yes"
    frontend(w, {"kind": "answer", "id": question.id, "text": ""})
    assert "answer" in w.error


async def test_subtree_root(forum):
    a = forum.post("a")
    b = forum.post("b", parent=a)
    other = forum.post("other")
    w = TreeView(forum, root=b)
    sent = record(w)
    frontend(w, {"kind": "ready"})
    assert [n["id"] for n in sent[0]["nodes"]] == [b.id]
    c = forum.post("c", parent=b)
    forum.post("d", parent=other)
    w.flush()
    assert [n["id"] for n in sent[-1]["nodes"]] == [c.id]
    w.close()


async def test_updates_are_batched(forum):
    async def many(ctx):
        async def toks():
            for _ in range(300):
                await asyncio.sleep(0)
                yield "x"

        ctx.respond(toks())

    agent = af.Agent(many, name="many", cache=False)
    w = TreeView(forum, agents=[agent])
    sent = record(w)
    frontend(w, {"kind": "ready"})
    seq = w.branch("go")
    await seq
    w.flush()
    deltas = [m for m in sent if m["kind"] == "delta"]
    # 300 tokens arrive within a few loop iterations; they reach the browser in a handful of batched deltas
    assert 1 <= len(deltas) <= 10
    key = next(s["key"] for d in deltas for s in d["streams"])
    text = "".join(s["text"] for d in deltas for s in d["streams"]) + "".join(d["text"].get(key, "") for d in deltas)
    assert text == "x" * 300
    w.close()


async def test_chat_view_follows_tree_head(forum):
    bot = af.scripted_agent("bot", ["answer one", "answer two"])
    w = TreeView(forum, agents=[bot])
    record(w)
    chat = ChatView(forum, head=w)
    csent = record(chat)
    seq = w.branch("question")
    await seq
    assert chat.head_id == w.head_id
    assert chat.transcript == [("user", "question"), ("bot", "answer one")]
    root_q = forum.roots()[0]
    w.checkout(root_q)
    assert chat.head_id == root_q.id
    assert csent[-1]["kind"] == "snapshot" and [n["id"] for n in csent[-1]["nodes"]] == [root_q.id]
    chat.close()
    w.close()


async def test_stream_view_of_sequence(forum, gate):
    g = gate(["a", "b"], pause_after=1)
    seq = gated_agent("bot", g).quick_call("x", forum=forum)
    await g.paused.wait()
    v = StreamView(seq)
    assert v.items == [{"sender": "bot", "text": "a", "status": "streaming"}]
    g.release.set()
    await seq
    v.refresh()
    assert v.items == [{"sender": "bot", "text": "ab", "status": "complete"}]
    bundle = seq._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle and bundle["text/plain"] == "bot: ab"
    v.close()


async def test_stream_view_labels_a_forward_by_its_author_via_the_forwarder(forum):
    """A forward reaches the front end with its author, and is labelled as the TreeView labels it ("writer via
    moderator", not "moderator")."""
    writer = af.scripted_agent("writer", ["a draft"], delay=0)

    @af.agent
    async def moderator(ctx):
        ctx.respond("Let us begin.")
        ctx.respond(writer.quick_call(ctx.requests))

    seq = moderator.quick_call("Write a slogan.", forum=forum)
    view = StreamView(seq)
    updates = []  # what the comm sends the browser
    send = view.comm.send
    view.comm.send = lambda *a, **kw: (updates.append(kw["data"]), send(*a, **kw))[1]
    await seq
    view.refresh()
    own = {"sender": "moderator", "text": "Let us begin.", "status": "complete"}
    forward = {"sender": "moderator", "author": "writer", "text": "a draft", "status": "complete"}
    assert view.items == [own, forward]
    assert updates and updates[-1]["method"] == "update" and updates[-1]["state"]["items"] == [own, forward]
    bundle = seq._repr_mimebundle_()
    assert bundle["text/plain"] == "moderator: Let us begin.\nwriter via moderator: a draft"
    view.close()


def test_notebook_layer_is_separate():
    import subprocess
    import sys

    code = (
        "import sys, agentforum_nb as af; af.Forum().post('x'); "
        "assert 'ipywidgets' not in sys.modules and 'anywidget' not in sys.modules; print('ok')"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "ok"


async def test_graphviz_engine_is_sent_only_on_request(forum):
    w = TreeView(forum, mode="graphviz")
    sent = record(w)
    frontend(w, {"kind": "ready"})
    assert all(m["kind"] != "graphviz-code" for m in sent)
    frontend(w, {"kind": "load-graphviz"})
    assert sent[-1]["kind"] == "graphviz-code" and len(sent[-1]["code"]) > 100_000
    with pytest.raises(af.UsageError, match="mode"):
        TreeView(forum, mode="circular")
    with pytest.raises(af.UsageError, match="mode='graphviz'"):
        TreeView(forum, layout="graphviz")  # the old name of the option: now the widget's size
    sized = TreeView(forum, layout={"height": "600px"})
    assert sized.layout.height == "600px"
    sized.layout.height = "300px"  # settable the ipywidgets way
    assert sized.layout.height == "300px"
    w.close()


async def test_chat_view_sends_whole_texts(forum):
    long = "word " * 100
    a = forum.post(long)
    chat = ChatView(forum, head=a)
    sent = record(chat)
    frontend(chat, {"kind": "ready"})
    (node,) = sent[-1]["nodes"]
    assert node["text"] == long and len(node["snippet"]) == 200
    chat.close()


def browser_update(widget, state):
    """Deliver a trait update as the browser would."""
    widget.comm.handle_msg(
        {"content": {"data": {"method": "update", "state": state, "buffer_paths": []}}, "buffers": []}
    )


async def test_browser_trait_updates_are_validated(forum):
    root = forum.post("root")
    kid = forum.post("kid", parent=root)
    tree = TreeView(forum)
    chat = ChatView(forum, head=tree)
    for bad in ("not-an-id", "0" * 64):
        browser_update(tree, {"head_id": bad})
        assert tree.head_id == "" and chat.head_id == "" and bad[:10] in tree.error
    browser_update(tree, {"agents": ["intruder"]})
    assert tree.agents == [] and "only the kernel" in tree.error
    browser_update(tree, {"head_id": kid.id})
    assert tree.head == kid and chat.head_id == kid.id and chat.transcript == [("user", "root"), ("user", "kid")]
    browser_update(chat, {"head_id": "nope"})
    assert chat.head_id == kid.id and "not a message id" in chat.error


def test_one_sender_colour_for_graphviz_and_the_widgets():
    from agentforum_nb.nodes import node_of
    from agentforum_nb.palette import sender_colour

    f = af.Forum()
    m = f.post("hi", sender="researcher")
    assert node_of(m)["colour"] == sender_colour("researcher")
    assert f'fillcolor="{sender_colour("researcher")}"' in f.to_graphviz().source


def test_widget_packages_are_plain_dependencies():
    import tomllib
    from pathlib import Path

    meta = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())["project"]
    names = {d.split(">")[0].split("=")[0].strip() for d in meta["dependencies"]}
    assert {"anywidget", "ipywidgets", "nest-asyncio2"} <= names


async def test_stream_view_answers_a_waiting_question(forum):
    @af.agent
    async def planner(ctx):
        answer = await ctx.ask("Book the flight?", choices=["yes", "no"])
        ctx.respond(f"booking: {answer.content}")

    seq = planner.quick_call("trip", forum=forum)
    view = StreamView(seq)
    question = await (await anext(aiter(seq)))
    view.refresh()
    (item,) = view.items
    assert item["notes"] == {"awaiting": "user"} and item["id"] == question.id and item["choices"] == ["yes", "no"]
    frontend(view, {"kind": "answer", "id": question.id, "text": "yes"})
    assert (await seq)[-1].content == "booking: yes"
    view.refresh()
    assert not any("notes" in i for i in view.items) and view.items[-1]["text"] == "booking: yes"
    frontend(view, {"kind": "answer", "id": question.id, "text": "again"})
    assert "not waiting" in view.error
    view.close()


async def test_edit_asks_the_agent_that_was_called_not_the_sender_of_the_first_answer(forum):
    # the moderator was called on the motion; its first answer under the motion is pro's (passed on)
    pro = af.scripted_agent("pro", ["pro on the motion", "pro on the edit"])
    answered = []

    @af.agent
    async def moderator(ctx, rounds):
        answered.append((await ctx.requests.last()).content)
        ctx.respond(pro.quick_call(ctx.requests))

    motion = forum.post("the motion")
    await moderator.quick_call(motion, forum=forum, rounds=2)
    assert forum.children(motion)[0].sender == "pro"
    w = TreeView(forum, agents=[pro, moderator])
    record(w)
    frontend(w, {"kind": "edit", "id": motion.id, "text": "the edited motion"})
    await settle(w._calls[-1])
    assert answered == ["the motion", "the edited motion"]  # the moderator again, with its kwargs
    edited = w.selected
    assert [c["agent"] for c in forum.annotations(edited)["calls"]] == ["moderator", "pro"]
    assert forum.annotations(edited)["calls"][0]["kwargs"] == {"rounds": 2}


# -- browser messages: a fixed table of kinds per widget; one answer rule ------------------------------------------


@pytest.mark.parametrize("make", ["tree", "chat", "stream"])
async def test_a_kind_outside_the_widgets_table_is_reported_and_calls_nothing(forum, make, caplog):
    """A browser message's kind is looked up in the widget's fixed table: kinds that name internal methods (the
    comm callback "custom", the forum listener "question", "report", "dispatch") are unknown kinds like any other,
    reported in the error area, never called (before: a TypeError / AttributeError logged as an internal
    failure)."""
    root = forum.post("root")
    seq = af.scripted_agent("bot", ["hi"]).quick_call(root, forum=forum)
    if make == "tree":
        widget = TreeView(forum)
    elif make == "chat":
        widget = ChatView(forum, head=root)
    else:
        widget = StreamView(seq)
    await settle(seq)
    record(widget)
    before = len(forum)
    for kind in ("custom", "question", "question_started", "report", "dispatch", "receive", "__init__", "nope"):
        widget.error = ""
        frontend(widget, {"kind": kind, "id": root.id, "text": "x"})
        assert widget.error.startswith(f"unknown message kind {kind!r} from the browser: a {type(widget).__name__}")
    assert "callback failed" not in caplog.text
    assert len(forum) == before
    widget.close()


def asking_agent():
    @af.agent
    async def planner(ctx):
        answer = await ctx.ask("Go ahead?", choices=["yes", " ", "no"])
        ctx.respond(f"ok: {answer.content}")

    return planner


@pytest.mark.parametrize("make", ["tree", "chat", "stream"])
async def test_every_widget_answers_by_the_same_rule(forum, make):
    """The TreeView, the ChatView and the StreamView accept and refuse the same answers, with the same words
    (before: the tree posted under any message and any length, the chat under any message not answered yet, the
    stream refused a non-question as "not waiting any more")."""
    plain = forum.post("not a question")
    seq = asking_agent().quick_call("plan", forum=forum)
    question = await (await anext(aiter(seq)))
    if make == "tree":
        widget = TreeView(forum)
    elif make == "chat":
        widget = ChatView(forum, head=question)
    else:
        widget = StreamView(seq)
        widget.refresh()
        assert widget.items[-1]["choices"] == ["yes", "no"]  # the rule's choices: the non-blank ones
    record(widget)
    before = len(forum)
    for target, text, problem in [
        (plain.id, "yes", f"no agent is waiting for an answer to message {plain.id[:8]}"),
        (question.id, "  ", "type an answer first"),
        (question.id, None, "type an answer first"),
        (question.id, "x" * 100_001, "the text is too long (100001 characters; at most 100000)"),
        ("f" * 64, "yes", "the browser referred to message ffffffffffff…, which is not in this forum"),
    ]:
        widget.error = ""
        frontend(widget, {"kind": "answer", "id": target, "text": text})
        assert problem in widget.error, (target[:8], text and text[:8])
    assert len(forum) == before
    frontend(widget, {"kind": "answer", "id": question.id, "text": "yes"})
    assert widget.error == ""
    assert (await seq)[-1].content == "ok: yes"
    frontend(widget, {"kind": "answer", "id": question.id, "text": "no"})
    assert f"that question ({question.id[:8]}) was answered already and is not waiting any more" in widget.error
    assert [m.content for m in forum.children(question)] == ["yes"]
    widget.close()
