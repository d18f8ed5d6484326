"""af.tool and tool approvals (API.md section 16, "Approvals"): the run asks the user before a tool runs."""

from __future__ import annotations

import asyncio

import pytest

import agentforum_nb as af
from agentforum_nb.models import FunctionTool, WrappedTool
from agentforum_nb.models.openai import to_chat_messages
from agentforum_nb.notebook import ChatView, TreeView

from .sse_server import Call, Reply, SSEServer
from .test_widgets import frontend, record

DENIED = "agentforum_nb.errors.ToolDenied"


SEARCHES: list[str] = []  # the calls of search_web (emptied by the `search` fixture)


def search_web(q: str) -> str:
    """Search the web."""
    SEARCHES.append(q)
    return f"3 results for {q}"


class Searches:
    calls = SEARCHES


@pytest.fixture
def search():
    SEARCHES.clear()
    yield Searches()
    SEARCHES.clear()


def searching_model(messages):
    """Asks for search_web until it has a result, then answers with it."""
    last = messages[-1]
    if last.metadata.get("tool_call_id"):
        return f"answer from: {last.content}"
    return af.ToolCall("search_web", {"q": "cats"}, id="call_1")


def make_bot(name="bot", model=searching_model, **kw):
    return af.function_agent(name, model, tools=[af.tool(search_web, requires_approval=True)], **kw)


async def next_question(seq, after=None):
    """The next message of ``seq`` with choices (a question), after the message ``after``."""
    seen = after is None
    async for promise in seq:
        message = await promise
        if seen and "choices" in message.metadata:
            return message
        seen = seen or message == after
    raise AssertionError("no question")


async def test_approve_runs_the_tool_and_the_tree_holds_question_and_answer(forum, search):
    seq = make_bot().quick_call("Find cats", forum=forum)
    question = await next_question(seq)
    assert question.content == 'Run search_web({"q": "cats"})?' and question.sender == "bot"
    assert question.metadata["choices"] == ("approve", "deny")
    assert question.metadata["tool_approval"] == {"id": "call_1", "name": "search_web", "arguments": {"q": "cats"}}
    assert forum.questions() == [question] and search.calls == []  # nothing runs before the answer
    answer = forum.post("approve", parent=question)
    asking, asked, result, final = await seq
    assert asked == question and search.calls == ["cats"]
    assert (result.sender, result.content, result.metadata["tool_call_id"]) == (
        "search_web",
        "3 results for cats",
        "call_1",
    )
    assert "tool_error" not in result.metadata and final.content == "answer from: 3 results for cats"
    request = forum.history(asking.id)[0]
    assert forum.history(final.id) == [request, asking, question, answer, result, final]


async def test_deny_gives_the_model_a_tool_denied_result_and_the_tool_never_runs(forum, search):
    seq = make_bot().quick_call("Find cats", forum=forum)
    question = await next_question(seq)
    forum.post("deny", parent=question)
    _, _, result, final = await seq
    assert search.calls == []
    assert result.sender == "search_web" and result.metadata == {"tool_call_id": "call_1", "tool_error": DENIED}
    assert result.content == "ToolDenied: the user denied the call of search_web"
    assert final.content == f"answer from: {result.content}"  # the model goes on


async def test_any_other_answer_denies_and_is_passed_on_as_the_reason(forum, search):
    seq = make_bot().quick_call("Find cats", forum=forum)
    forum.post("no: search for dogs instead", parent=await next_question(seq))
    _, _, result, _ = await seq
    assert search.calls == [] and result.metadata["tool_error"] == DENIED
    assert result.content == "ToolDenied: the user denied the call of search_web (no: search for dogs instead)"


async def test_a_rerun_replays_the_answers_and_a_new_answer_changes_the_next_run(forum, search):
    bot = make_bot()
    seq = bot.quick_call("Find cats", forum=forum)
    question = await next_question(seq)
    forum.post("approve", parent=question)
    first = await seq
    assert forum.cache_info()["stores"] == 0  # a run that asked is not cached
    again = await bot.quick_call("Find cats", forum=forum)  # asks the same question: answered already
    assert again == first and search.calls == ["cats", "cats"]
    forum.post("deny", parent=question)  # the latest answer counts
    third = await bot.quick_call("Find cats", forum=forum)
    assert third[2].metadata["tool_error"] == DENIED and search.calls == ["cats", "cats"]
    assert third[1] == question and forum.questions() == []


async def test_several_calls_ask_one_after_the_other_then_run(forum, search):
    calls = [af.ToolCall("search_web", {"q": "cats"}, id="a"), af.ToolCall("search_web", {"q": "dogs"}, id="b")]
    model = af.ScriptedModel([calls, "done"])
    bot = model.agent("bot", tools=[af.tool(search_web, requires_approval=True)])
    seq = bot.quick_call("Find pets", forum=forum)
    first = await next_question(seq)
    assert first.content == 'Run search_web({"q": "cats"})?' and forum.questions() == [first]
    answer = forum.post("deny", parent=first)
    second = await next_question(seq, after=first)
    assert second.content == 'Run search_web({"q": "dogs"})?' and second.parent_id == answer.id
    assert forum.questions() == [second] and search.calls == []
    forum.post("approve", parent=second)
    _, _, _, cats, dogs, done = await seq
    assert search.calls == ["dogs"]
    assert (cats.metadata["tool_call_id"], cats.metadata["tool_error"]) == ("a", DENIED)
    assert (dogs.metadata["tool_call_id"], dogs.content) == ("b", "3 results for dogs") and done.content == "done"


async def test_a_treeview_answers_the_approval_like_any_question(forum, search):
    bot = make_bot()
    view = TreeView(forum, agents=[bot])
    record(view)
    seq = bot.quick_call("Find cats", forum=forum)
    question = await next_question(seq)
    frontend(view, {"kind": "answer", "id": question.id, "text": "approve"})
    assert (await seq)[-1].content == "answer from: 3 results for cats" and search.calls == ["cats"]
    view.close()


async def test_a_treeview_that_branched_follows_the_approval_to_the_answer(forum, search):
    """The head follows the agent a branch asked: to its question, the user's answer, the approved tool's result
    and the final answer (it stayed on the question before)."""
    bot = make_bot()
    view = TreeView(forum, agents=[bot])
    record(view)
    frontend(view, {"kind": "ready"})
    seq = view.branch("Find cats", agent="bot")
    question = await next_question(seq)
    await wait_for_head(view, question.id)
    frontend(view, {"kind": "answer", "id": question.id, "text": "approve"})
    final = (await seq)[-1]
    await wait_for_head(view, final.id)
    assert [m.sender for m in forum.history(view.head_id)][-4:] == ["bot", "user", "search_web", "bot"]
    view.close()


async def test_a_following_chatview_goes_on_through_the_approved_tool_to_the_answer(forum, search):
    """A ChatView following the latest run shows the approval's question, takes the click, then the tool's result
    under the user's answer and the agent's final answer (it stopped at the answer before)."""
    chat = ChatView(forum)
    record(chat)
    frontend(chat, {"kind": "ready"})
    seq = make_bot().quick_call("Find cats", forum=forum)
    question = await next_question(seq)
    await wait_for_head(chat, question.id)
    frontend(chat, {"kind": "answer", "id": question.id, "text": "approve"})
    final = (await seq)[-1]
    await wait_for_head(chat, final.id)
    assert chat.follow_latest and [s for s, _ in chat.transcript][-4:] == ["bot", "user", "search_web", "bot"]
    chat.close()


async def wait_for_head(view, mid, rounds=200):
    """The view's head reaches ``mid`` within a few loop iterations (it moves on forum events, no sleeps)."""
    for _ in range(rounds):
        if view.head_id == mid:
            return
        await asyncio.sleep(0)
    raise AssertionError(f"the view's head is {view.head_id[:8]}, not {mid[:8]}")


async def test_cancelling_while_waiting_runs_nothing(forum, search):
    call = make_bot().call(forum=forum).send("Find cats")
    seq = call.finish()
    await next_question(seq)
    call.cancel()
    with pytest.raises(af.CallCancelled):
        await seq
    await forum.aclose()  # the run's task has ended
    assert search.calls == []


async def test_an_agent_as_a_tool_can_require_approval(forum, search):
    helper = af.scripted_agent("helper", ["helped with it"])
    model = af.ScriptedModel([af.ToolCall("ask_helper", {"request": "help"}, id="c"), "thanks"])
    bot = model.agent("bot", tools=[af.tool(helper, name="ask_helper", requires_approval=True)])
    seq = bot.quick_call("go", forum=forum)
    question = await next_question(seq)
    assert question.content == 'Run ask_helper({"request": "help"})?'
    forum.post("approve", parent=question)
    messages = await seq
    assert messages[-2].sender == "ask_helper" and messages[-2].content == "helped with it"


async def test_the_provider_sees_the_call_and_its_result_not_the_approval(forum, search):
    asks = Reply(tool_calls=[Call("search_web", '{"q": "cats"}', id="call_1")])
    async with SSEServer([asks, ["Cats found."]]) as server:
        bot = af.llm(
            "assistant",
            model="m",
            base_url=server.base_url,
            api_key="k",
            max_retries=0,
            tools=[af.tool(search_web, requires_approval=True)],
        )
        try:
            seq = bot.quick_call("Find cats", forum=forum)
            forum.post("approve", parent=await next_question(seq))
            messages = await seq
        finally:
            await bot.aclose()
        second = server.requests[1]["messages"]
    assert [m.sender for m in messages] == ["assistant", "assistant", "search_web", "assistant"]
    assert [m["role"] for m in second] == ["user", "assistant", "tool"]
    assert second[2] == {"role": "tool", "tool_call_id": "call_1", "content": "3 results for cats"}
    assert to_chat_messages(forum.history(messages[-1].id), "assistant")[-1] == {
        "role": "assistant",
        "content": "Cats found.",
    }


# -- af.tool --------------------------------------------------------------------------------------------------
def lookup(key: str) -> str:
    """Look a key up."""
    return key


def test_af_tool_names_and_wraps_functions_agents_and_tools():
    plain = af.tool(lookup)
    assert isinstance(plain, FunctionTool) and plain.name == "lookup" and not plain.requires_approval
    assert plain.fingerprint == FunctionTool(lookup).fingerprint
    named = af.tool(lookup, name="find")
    assert named.name == "find" and named.description == "Look a key up." and named.fingerprint != plain.fingerprint
    guarded = af.tool(lookup, requires_approval=True)
    assert guarded.requires_approval and guarded.fingerprint != plain.fingerprint
    helper = af.scripted_agent("helper", ["x"])
    agent_tool = af.tool(helper, name="ask", requires_approval=True)
    assert agent_tool.name == "ask" and agent_tool.requires_approval
    assert agent_tool.parameters["required"] == ["request"]
    assert af.tool(plain) is plain
    wrapped = af.tool(plain, name="fetch", requires_approval=True)
    assert isinstance(wrapped, WrappedTool) and wrapped.name == "fetch" and wrapped.parameters == plain.parameters
    assert wrapped.requires_approval and wrapped.fingerprint not in (plain.fingerprint, guarded.fingerprint)
    bot_a = af.scripted_agent("bot", ["x"], tools=[plain])
    bot_b = af.scripted_agent("bot", ["x"], tools=[guarded])
    assert bot_a.version != bot_b.version  # asking first changes what the agent does
    for bad in (42, "lookup"):
        with pytest.raises(af.UsageError, match=r"af\.tool"):
            af.tool(bad)
    with pytest.raises(af.UsageError, match="name"):
        af.tool(lookup, name="")
    with pytest.raises(af.UsageError, match="requires_approval"):
        af.tool(lookup, requires_approval="yes")


async def test_a_wrapped_tool_runs_the_tool_it_wraps_under_its_new_name(forum):
    model = af.ScriptedModel([af.ToolCall("fetch", {"key": "k1"}, id="c"), "ok"])
    bot = model.agent("bot", tools=[af.tool(af.tool(lookup), name="fetch")])
    _, result, _ = await bot.quick_call("go", forum=forum)
    assert (result.sender, result.content) == ("fetch", "k1")


async def test_ask_takes_metadata_but_not_choices_in_it(forum):
    @af.agent(cache=False)
    async def asker(ctx):
        answer = await ctx.ask("Sure?", choices=["yes"], metadata={"about": {"n": 1}})
        ctx.respond(f"got {answer}")

    seq = asker.quick_call("go", forum=forum)
    question = await next_question(seq)
    assert dict(question.metadata) == {"about": {"n": 1}, "choices": ("yes",)}
    forum.post("yes", parent=question)
    assert (await seq)[-1].content == "got yes"

    @af.agent(cache=False)
    async def bad(ctx, metadata):
        await ctx.ask("?", choices=["a"], metadata=metadata)

    with pytest.raises(af.AgentError, match="choices"):
        await bad.quick_call("go", forum=forum, metadata={"choices": ["b"]})
    with pytest.raises(af.AgentError, match="metadata"):
        await bad.quick_call("go", forum=forum, metadata=["not", "a", "dict"])
