"""The shipped test doubles: ScriptedModel and FunctionModel."""

from __future__ import annotations

import pytest

import agentforum_nb as af
from agentforum_nb.models import split_tokens


def test_split_tokens_round_trips():
    text = "  Hello,  world!\nNew line\ttab "
    assert "".join(split_tokens(text)) == text
    assert split_tokens("a b") == ["a", " b"]


async def test_scripted_replies_stream_in_order_and_record_prompts(forum):
    model = af.ScriptedModel(["first reply here", ["ex", "act"], ValueError("scripted")])
    bot = model.agent("bot", cache=False)
    seq = bot.quick_call("q1", forum=forum)
    assert [t async for p in seq async for t in p] == ["first", " reply", " here"]
    (m2,) = await bot.quick_call("q2", forum=forum)
    assert m2.content == "exact"
    with pytest.raises(af.AgentError) as ei:
        await bot.quick_call("q3", forum=forum)
    assert isinstance(ei.value.__cause__, ValueError)
    assert [[m.content for m in p] for p in model.prompts] == [["q1"], ["q2"], ["q3"]]
    with pytest.raises(af.AgentError, match="ran out of replies"):
        await bot.quick_call("q4", forum=forum)


async def test_scripted_cycle_and_version(forum):
    a = af.scripted_agent("bot", ["x"], cycle=True, cache=False)
    assert [(await a.quick_call(f"q{i}", forum=forum))[0].content for i in range(3)] == ["x", "x", "x"]
    assert af.scripted_agent("bot", ["x"]).version == af.scripted_agent("bot", ["x"]).version
    assert af.scripted_agent("bot", ["x"]).version != af.scripted_agent("bot", ["y"]).version
    with pytest.raises(af.UsageError):
        af.ScriptedModel([])
    with pytest.raises(af.UsageError):
        af.ScriptedModel([42])


@pytest.mark.parametrize("kind", ["str", "sync-gen", "async", "async-gen", "list"])
async def test_function_model_shapes(forum, kind):
    def as_str(messages, **kw):
        return f"{len(messages)}:{messages[-1].content}:{kw.get('style', '-')}"

    def sync_gen(messages, **kw):
        yield "a"
        yield "b"

    async def async_fn(messages, **kw):
        return "async!"

    async def async_gen(messages, **kw):
        yield "x"
        yield "y"

    def as_list(messages, **kw):
        return ["l1", "l2"]

    fn = {"str": as_str, "sync-gen": sync_gen, "async": async_fn, "async-gen": async_gen, "list": as_list}[kind]
    bot = af.function_agent("fbot", fn)
    seq = bot.quick_call("hello", forum=forum, style="terse")
    tokens = [t async for p in seq async for t in p]
    expected = {
        "str": ["1:hello:terse"],
        "sync-gen": ["a", "b"],
        "async": ["async!"],
        "async-gen": ["x", "y"],
        "list": ["l1", "l2"],
    }[kind]
    assert tokens == expected
    (m,) = await seq
    assert m.content == "".join(expected) and m.sender == "fbot"


async def test_function_model_bad_return(forum):
    bot = af.function_agent("bad", lambda messages: 42)
    with pytest.raises(af.AgentError, match="must return or yield str"):
        await bot.quick_call("x", forum=forum)


async def test_model_agents_annotate_model_usage_and_finish_reason(forum):
    bot = af.scripted_agent("bot", ["three word answer"])
    (m,) = await bot.quick_call("two words", forum=forum)
    notes = forum.annotations(m)
    assert notes["model"] == "scripted" and notes["finish_reason"] == "stop"
    assert notes["usage"] == {"input_tokens": 2, "output_tokens": 3} and notes["tokens"] == 3

    def reply(messages):
        return "fine"

    (m2,) = await af.function_agent("fn", reply).quick_call("q", forum=forum)
    assert forum.annotations(m2)["model"].startswith("function:") and "usage" not in forum.annotations(m2)
