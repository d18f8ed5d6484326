"""TreeView actions of API.md sections 8-9 through the widget protocol: the search box, the details pane's
annotation fields, compare / Shift-click (no browser: the comm is driven as the front end drives it)."""

from __future__ import annotations

import asyncio

import pytest

from agentforum_nb.notebook import TreeView

from .test_widgets import frontend, record


def replies(sent, kind):
    return [m for m in sent if m.get("kind") == kind]


async def test_search_box_gets_the_matching_ids_and_count(forum):
    a = forum.post("Rain in Spain")
    b = forum.post("the RAIN falls", parent=a, sender="bot")
    forum.post("sunshine", parent=a, sender="bot")
    w = TreeView(forum)
    sent = record(w)
    frontend(w, {"kind": "search", "text": "rain", "request_id": 3})
    (r,) = replies(sent, "search-result")
    assert r == {"kind": "search-result", "request_id": 3, "text": "rain", "ids": [a.id, b.id], "total": 2}
    w.close()


async def test_search_of_a_subtree_view_finds_only_its_messages(forum):
    r1 = forum.post("rain one")
    r2 = forum.post("rain two")
    kid = forum.post("more rain", parent=r2, sender="bot")
    w = TreeView(forum, root=r2)
    assert w.search("rain") == [r2, kid]
    assert r1 not in w.search("")
    w.close()


async def test_bad_search_is_reported(forum):
    w = TreeView(forum)
    frontend(w, {"kind": "search", "text": 5})
    assert "search text must be a str" in w.error
    w.close()


async def test_details_pane_edits_label_bookmark_note_score(forum):
    a = forum.post("answer")
    w = TreeView(forum)
    sent = record(w)
    frontend(w, {"kind": "ready"})
    frontend(w, {"kind": "annotate", "id": a.id, "values": {"label": "best", "bookmark": True, "score": 0.5}})
    assert w.error == ""
    notes = forum.annotations(a)
    assert (notes["label"], notes["bookmark"], notes["score"]) == ("best", True, 0.5)
    w.flush()
    (delta,) = replies(sent, "delta")
    (node,) = delta["nodes"]
    assert node["id"] == a.id and node["notes"]["label"] == "best" and node["notes"]["bookmark"] is True
    # empty text and an unticked bookmark remove the annotation; a score of 0 is a score
    frontend(w, {"kind": "annotate", "id": a.id, "values": {"label": "", "bookmark": False, "score": 0}})
    notes = forum.annotations(a)
    assert "label" not in notes and "bookmark" not in notes and notes["score"] == 0
    frontend(w, {"kind": "annotate", "id": a.id, "values": {"score": None, "note": "check the sources"}})
    assert "score" not in forum.annotations(a) and forum.annotations(a)["note"] == "check the sources"
    w.close()


async def test_details_pane_refuses_other_names_and_wrong_types(forum):
    a = forum.post("answer")
    forum.annotate(a, label="kept")
    w = TreeView(forum)
    for values, problem in [
        ({"duration_s": 1}, "not 'duration_s'"),
        ({"label": 3}, "label must be a str"),
        ({"bookmark": "yes"}, "bookmark must be true or false"),
        ({"score": "high"}, "score must be a number"),
        ({"score": True}, "score must be a number"),
        ({"score": float("inf")}, "score must be a number"),
        ({"label": "x" * 201}, "label must be a str"),
        ({}, "annotate needs values"),
        ("label", "annotate needs values"),
    ]:
        w.error = ""
        frontend(w, {"kind": "annotate", "id": a.id, "values": values})
        assert problem in w.error, (values, w.error)
    assert dict(forum.annotations(a)).items() >= {"label": "kept"}.items()
    assert "duration_s" not in forum.annotations(a)
    w.close()


async def test_get_message_carries_all_annotations(forum):
    a = forum.post("answer")
    forum.annotate(a, label="L", custom={"x": 1})
    w = TreeView(forum)
    sent = record(w)
    frontend(w, {"kind": "get-message", "id": a.id, "request_id": 1})
    (r,) = replies(sent, "message")
    assert r["annotations"]["custom"] == {"x": 1} and r["annotations"]["label"] == "L"
    assert "created_at" in r["annotations"]
    w.close()


async def test_compare_from_python_and_by_shift_click(forum):
    q = forum.post("q")
    a1 = forum.post("the first answer", parent=q, sender="bot")
    a2 = forum.post("the second answer", parent=q, sender="bot")
    w = TreeView(forum)
    c = w.compare(a1, a2)
    assert c.ancestor == q and w.comparison == c.to_json()
    assert w.comparison["rows"][0]["diff"] == [["=", "the "], ["-", "first"], ["+", "second"], ["=", " answer"]]
    frontend(w, {"kind": "close-compare"})
    assert w.comparison == {}
    frontend(w, {"kind": "compare", "a": a2.id, "b": a1.id})  # Shift-click: the selection, then the other
    assert w.comparison["left"]["head"] == a2.id and w.comparison["right"]["head"] == a1.id
    frontend(w, {"kind": "compare", "a": a2.id, "b": "nope"})
    assert "'b' from the browser is not a message id" in w.error
    assert w.comparison["left"]["head"] == a2.id  # kept
    w.close()


async def test_browser_cannot_set_the_comparison(forum):
    from .test_widgets import browser_update

    w = TreeView(forum)
    browser_update(w, {"comparison": {"rows": []}})
    assert w.comparison == {} and "only the kernel sets" in w.error
    w.close()


async def test_head_follows_the_called_agents_own_answers_not_its_sub_agents(forum):
    import agentforum_nb as af

    researcher = af.scripted_agent("researcher", ["facts"])
    critic = af.scripted_agent("critic", ["a doubt"])

    @af.agent
    async def lead(ctx):
        found = researcher.quick_call(ctx.requests)
        ctx.respond(found)
        ctx.respond(critic.quick_call(found))

    w = TreeView(forum, agents=[lead])
    seq = w.branch("question")
    msgs = await seq
    assert [m.sender for m in msgs] == ["lead", "lead"]  # forwards of the sub-agents' answers
    assert w.head_id == msgs[-1].id
    # the same branch again is a cache hit: the head follows the cached answers too
    w.select(None)
    w.checkout(None)
    again = await w.branch("question")  # the same root message
    assert again == msgs and w.head_id == msgs[-1].id


async def test_head_follows_a_model_agent_through_its_tool_calls(forum):
    import agentforum_nb as af

    def add(a: int, b: int) -> int:
        return a + b

    bot = af.scripted_agent("bot", [af.ToolCall("add", {"a": 2, "b": 3}), "5"], tools=[add])
    w = TreeView(forum, agents=[bot])
    msgs = await w.branch("2+3?")
    assert [m.sender for m in msgs] == ["bot", "add", "bot"]
    assert w.head_id == msgs[-1].id and msgs[-1].content == "5"


async def test_nodes_show_tool_calls_and_results(forum):
    import agentforum_nb as af

    def add(a: int, b: int) -> int:
        return a + b

    def boom() -> str:
        raise RuntimeError("no")

    bot = af.scripted_agent(
        "bot", [[af.ToolCall("add", {"a": 2, "b": 3}, id="c1"), af.ToolCall("boom", {})], "5"], tools=[add, boom]
    )
    w = TreeView(forum, agents=[bot])
    sent = record(w)
    msgs = await w.branch("2+3?")
    frontend(w, {"kind": "ready"})
    nodes = {n["id"]: n for n in replies(sent, "snapshot")[-1]["nodes"]}
    ask, r1, r2 = (nodes[m.id] for m in msgs[:3])
    assert ask["tool_calls"][0] == {"id": "c1", "name": "add", "arguments": '{"a": 2, "b": 3}'}
    assert ask["tool_calls"][1]["name"] == "boom"
    assert r1["tool_result"] == {"call_id": "c1"}
    assert r2["tool_result"]["error"] == "builtins.RuntimeError"
    assert "tool_calls" not in nodes[msgs[-1].id] and "tool_result" not in nodes[msgs[-1].id]
    w.close()


# -- issue "what each agent saw": N-way compare, replay, filter / expand / sort, follow the newest run ---------


async def test_compare_three_samples_side_by_side_and_by_shift_clicks(forum):
    q = forum.post("a slogan?")
    s = [forum.post(f"answer number {k}", parent=q, sender="bot") for k in range(3)]
    w = TreeView(forum)
    c = w.compare(*s)
    assert [side["head"] for side in w.comparison["sides"]] == [m.id for m in s]
    (row,) = w.comparison["rows"]
    assert [m["id"] for m in row["messages"]] == [m.id for m in s]
    assert row["diffs"][0] == [["=", "answer number 0"]]  # the first side, unchanged
    assert row["diffs"][2] == [["=", "answer number "], ["-", "0"], ["+", "2"]]  # the third against the first
    assert row["left"]["id"] == s[0].id and row["right"]["id"] == s[1].id  # the two-side fields stay
    assert c.ancestor == q and len(c.sides) == 3
    # the browser sends the heads shown plus the Shift-clicked node
    frontend(w, {"kind": "compare", "ids": [s[2].id, s[0].id]})
    assert [side["head"] for side in w.comparison["sides"]] == [s[2].id, s[0].id]
    frontend(w, {"kind": "compare", "ids": [s[2].id, s[0].id, s[1].id]})
    assert len(w.comparison["sides"]) == 3 and w.error == ""
    for bad, problem in [
        ([s[0].id], "compare needs a list of 2 to 8"),
        ([s[0].id] * 9, "compare needs a list of 2 to 8"),
        ("nope", "compare needs a list"),
        ([s[0].id, "x"], "'id' from the browser is not a message id"),
    ]:
        frontend(w, {"kind": "compare", "ids": bad})
        assert problem in w.error, (bad, w.error)
    assert len(w.comparison["sides"]) == 3  # kept
    w.close()


async def test_search_counts_a_forward_drawn_in_its_original_once(forum):
    import agentforum_nb as af

    pro = af.scripted_agent("pro", ["rain is good"])

    @af.agent
    async def moderator(ctx):
        ctx.respond(pro.quick_call(ctx.requests))

    msgs = await moderator.quick_call("debate the rain", forum=forum)
    assert msgs[-1].kind == "forward"
    w = TreeView(forum)
    sent = record(w)
    frontend(w, {"kind": "search", "text": "rain is", "request_id": 1})
    (r,) = replies(sent, "search-result")
    assert len(r["ids"]) == 2 and r["total"] == 1  # the answer and its forward: one node drawn, one match
    w.close()


def _writer(style: str, runs: list[str]):
    import agentforum_nb as af

    async def fn(ctx):
        runs.append(style)
        history = await ctx.history()
        ctx.respond(f"{style} slogan for {history[-1].content!r}")

    return af.Agent(fn, name="writer", version=style)


async def test_replay_reruns_a_branch_with_the_views_agents_and_compares_old_and_new(forum):
    runs: list[str] = []
    v1 = _writer("plain", runs)
    w = TreeView(forum, agents=[v1])
    (old,) = await w.branch("a slogan for tea")
    # the agent's cell was edited and run again: set the view's agents anew
    v2 = _writer("bold", runs)
    w.agents = [v2]
    assert w.agents == ["writer"]
    sent = record(w)
    new = await w.replay(old)
    assert new != old and new.content.startswith("bold slogan") and runs == ["plain", "bold"]
    assert [s["head"] for s in w.comparison["sides"]] == [old.id, new.id]
    assert w.head_id == w.selected_id == new.id and w.error == ""
    # from the browser, through the menu: the same branch again is served from the cache (nothing changed)
    frontend(w, {"kind": "replay", "id": new.id})
    (task,) = w._tasks
    assert await task == new and "nothing changed" in w.notice
    assert runs == ["plain", "bold"]
    del sent
    w.close()


async def test_replay_problems_are_named_in_the_error_area(forum):
    runs: list[str] = []
    v1 = _writer("plain", runs)
    (old,) = await v1.quick_call("a slogan for tea", forum=forum)
    w = TreeView(forum)  # no agents: the recorded one is alive in this process, so it is used

    class Broken(Exception):
        pass

    import agentforum_nb as af

    async def broken(ctx):
        raise Broken("the provider said no")

    w.agents = [af.Agent(broken, name="writer", version="broken")]
    task = w.replay(old)
    with pytest.raises(Exception, match="the provider said no"):
        await task
    assert "replay of" in w.error and old.id[:8] in w.error
    w.error = ""
    frontend(w, {"kind": "replay", "id": "nope"})
    assert "'id' from the browser is not a message id" in w.error
    with pytest.raises(af.UsageError, match=r"agents must be af\.Agent objects"):
        w.agents = ["nobody"]
    w.close()


async def test_stop_cancels_a_running_replay(forum, gate):
    from .test_widgets import gated_agent

    done = gate(["an ", "answer"])
    w = TreeView(forum, agents=[gated_agent("bot", done)], follow=False)
    (old,) = await w.branch("question")
    slow = gate(["slow ", "answer"], pause_after=1)
    w.agents = [gated_agent("bot", slow)]
    task = w.replay(old)
    await slow.paused.wait()
    assert w.stop() >= 1
    with pytest.raises(asyncio.CancelledError):
        await task
    assert "stopped" in w.notice and w.error == ""
    w.close()


async def test_filter_expand_and_sort_from_python_and_the_browser(forum):
    w = TreeView(forum)
    w.filter("judge", "pro")
    assert w.sender_filter == ["judge", "pro"]
    frontend(w, {"kind": "filter", "senders": []})
    assert w.sender_filter == []
    frontend(w, {"kind": "expand", "depth": 3})
    assert w.depth == 3
    frontend(w, {"kind": "sort", "by": "score"})
    assert w.sort == "score"
    frontend(w, {"kind": "sort", "by": ""})
    assert w.sort == ""
    frontend(w, {"kind": "follow", "on": False})
    assert w.follow is False
    for msg, problem in [
        ({"kind": "filter", "senders": "judge"}, "filter needs a list"),
        ({"kind": "filter", "senders": [3]}, "filter takes sender names"),
        ({"kind": "expand", "depth": -1}, "expand takes a depth"),
        ({"kind": "expand", "depth": "2"}, "expand takes a depth"),
        ({"kind": "sort", "by": "length"}, "siblings sort by 'score'"),
        ({"kind": "follow", "on": "yes"}, "follow needs on"),
    ]:
        w.error = ""
        frontend(w, msg)
        assert problem in w.error, (msg, w.error)
    assert (w.depth, w.sort, w.follow) == (3, "", False)  # kept
    from .test_widgets import browser_update

    browser_update(w, {"depth": 1})
    assert w.depth == 3 and "only the kernel sets" in w.error
    w.close()


async def test_head_follows_the_newest_run_started_from_code(forum):
    import agentforum_nb as af

    pro = af.scripted_agent("pro", ["yes"], cycle=True)
    con = af.scripted_agent("con", ["no"], cycle=True)
    w = TreeView(forum)
    (opening,) = await pro.quick_call("motion: tea beats coffee", forum=forum)
    assert w.head_id == opening.id  # a run started in a cell, not from the view
    (rebuttal,) = await con.quick_call(opening, forum=forum)
    assert w.head_id == rebuttal.id
    w.checkout(rebuttal)
    (again,) = await pro.quick_call("motion: tea beats coffee", forum=forum)
    assert w.head_id == again.id  # served from the cache or asked again: the newest run's answer
    w.follow = False
    await con.quick_call("another motion", forum=forum)
    assert w.head_id == opening.id  # stays where it was
    w.close()
    pinned = TreeView(forum, head=opening)  # a view opened at a head stays there unless asked to follow
    assert pinned.follow is False
    await pro.quick_call("a third motion", forum=forum)
    assert pinned.head_id == opening.id
    pinned.close()
    asked = TreeView(forum, head=opening, follow=True)
    assert asked.follow is True
    asked.close()
