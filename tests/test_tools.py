"""Tools and structured output (API.md section 12) with the shipped scripted and function models."""

from __future__ import annotations

import asyncio
import dataclasses
import json

import pydantic
import pytest

import agentforum_nb as af
from agentforum_nb.models import FunctionTool


def get_weather(city: str, unit: str = "C") -> str:
    """The weather in a city.

    More detail that is not part of the description."""
    return f"sunny in {city}, 21{unit}"


async def add(a: int, b: int) -> dict:
    """Add two numbers."""
    return {"sum": a + b}


def broken(x: int) -> str:
    """Always fails."""
    raise RuntimeError(f"broken on {x}")


async def test_a_tool_call_and_its_result_are_messages_in_the_tree(forum):
    model = af.ScriptedModel([af.ToolCall("get_weather", {"city": "Paris"}, id="call_1"), "It is sunny in Paris."])
    bot = model.agent("bot", tools=[get_weather])
    asking, result, final = await bot.quick_call("Weather in Paris?", forum=forum)
    assert asking.sender == "bot" and asking.content == ""
    assert asking.metadata["tool_calls"] == ({"id": "call_1", "name": "get_weather", "arguments": {"city": "Paris"}},)
    assert result.sender == "get_weather" and result.kind == "message" and result.content == "sunny in Paris, 21C"
    assert result.metadata["tool_call_id"] == "call_1" and "tool_error" not in result.metadata
    assert final.content == "It is sunny in Paris." and final.parent_id == result.id
    assert [m.content for m in model.prompts[1]][-2:] == ["", "sunny in Paris, 21C"]  # the model saw the result
    assert forum.annotations(asking)["finish_reason"] == "tool_calls"


def test_schemas_names_and_descriptions_come_from_the_signature():
    tool = FunctionTool(get_weather)
    assert tool.name == "get_weather" and tool.description == "The weather in a city."
    assert tool.parameters["required"] == ["city"]
    assert tool.parameters["properties"]["city"]["type"] == "string"
    assert tool.parameters["properties"]["unit"]["default"] == "C"
    with pytest.raises(af.UsageError, match="name every parameter"):
        FunctionTool(lambda *args: None)
    with pytest.raises(af.UsageError, match="unique"):
        af.scripted_agent("bot", ["x"], tools=[get_weather, get_weather])
    with pytest.raises(af.UsageError, match="a function, an agent"):
        af.scripted_agent("bot", ["x"], tools=[42])


async def test_several_calls_run_concurrently_and_results_keep_the_order_of_the_calls(forum):
    second_started = asyncio.Event()

    async def slow(tag: str) -> str:
        """Waits for the other tool."""
        await second_started.wait()  # finishes only because the other call runs at the same time
        return f"slow {tag}"

    async def quick(tag: str) -> str:
        """Returns at once."""
        second_started.set()
        return f"quick {tag}"

    model = af.ScriptedModel([[af.ToolCall("slow", {"tag": "a"}), af.ToolCall("quick", {"tag": "b"})], "done"])
    bot = model.agent("bot", tools=[slow, quick], version="test")  # the tools capture an asyncio.Event
    msgs = await asyncio.wait_for(bot.quick_call("go", forum=forum), 10)
    assert [(m.sender, m.content) for m in msgs[1:3]] == [("slow", "slow a"), ("quick", "quick b")]
    assert [m.metadata["tool_call_id"] for m in msgs[1:3]] == ["call_1", "call_2"]  # ids given when missing


async def test_errors_and_bad_arguments_go_back_to_the_model(forum):
    model = af.ScriptedModel(
        [
            [
                af.ToolCall("broken", {"x": 3}),
                af.ToolCall("add", {"a": 1, "b": "not a number"}),
                af.ToolCall("add", {"a": 1, "b": 2}),
                af.ToolCall("nope", {}),
            ],
            "recovered",
        ]
    )
    bot = model.agent("bot", tools=[broken, add])
    msgs = await bot.quick_call("go", forum=forum)
    broken_r, invalid_r, ok_r, unknown_r = msgs[1:5]
    assert (
        broken_r.content == "RuntimeError: broken on 3" and broken_r.metadata["tool_error"] == "builtins.RuntimeError"
    )
    assert invalid_r.content.startswith("ValidationError:") and "pydantic" in invalid_r.metadata["tool_error"]
    assert json.loads(ok_r.content) == {"sum": 3} and "tool_error" not in ok_r.metadata
    assert unknown_r.metadata["tool_error"] == "builtins.KeyError" and "no tool named 'nope'" in unknown_r.content
    assert msgs[-1].content == "recovered"


async def test_max_tool_rounds_fails_the_run(forum):
    call = af.ToolCall("get_weather", {"city": "Rome"})
    bot = af.scripted_agent("looper", [call], cycle=True, tools=[get_weather], max_tool_rounds=2)
    with pytest.raises(af.AgentError, match="max_tool_rounds=2") as ei:
        await bot.quick_call("loop", forum=forum)
    error = ei.value.message
    assert error.kind == "error" and error.metadata["error_type"] == "agentforum_nb.errors.AgentError"
    results = [m for m in forum.history(error) if m.sender == "get_weather"]
    assert len(results) == 2  # two rounds ran; the third request failed the run


async def test_an_agent_as_a_tool_streams_through_and_answers_with_its_text(forum):
    release = asyncio.Event()

    @af.agent(version="test")
    async def researcher(ctx):
        """Looks things up."""

        async def tokens():
            yield "found "
            await release.wait()
            yield "it"

        ctx.respond(tokens())

    model = af.ScriptedModel([af.ToolCall("researcher", {"request": "look up X"}), "Summary: found it"])
    bot = model.agent("bot", tools=[researcher])
    seq = bot.quick_call("research X", forum=forum)
    it = aiter(seq)
    asking = await anext(it)
    forwarded = await anext(it)  # the agent's message, streaming through before the tool result exists
    assert forwarded.kind == "forward" and forwarded.author == "researcher"
    assert await anext(aiter(forwarded)) == "found "
    release.set()
    msgs = await seq
    result = next(m for m in msgs if m.sender == "researcher" and m.kind == "message")
    assert (
        result.content == "found it"
        and result.metadata["tool_call_id"] == (await asking).metadata["tool_calls"][0]["id"]
    )
    assert msgs[-1].content == "Summary: found it"
    assert FunctionTool is not None and bot.tools[0].description == "Looks things up."


async def test_cancelling_during_a_tool_call_stores_nothing_half_done(forum):
    entered = asyncio.Event()

    async def forever(q: str) -> str:
        """Never returns."""
        entered.set()
        await asyncio.Event().wait()
        return "never"

    bot = af.ScriptedModel([af.ToolCall("forever", {"q": "x"}), "never"]).agent("bot", tools=[forever], version="t")
    seq = bot.quick_call("go", forum=forum)
    await entered.wait()
    seq.cancel()
    with pytest.raises(af.CallCancelled):
        await seq
    await forum.aclose()  # the tool's task was cancelled with the run
    assert [m.sender for m in forum.store] == ["user", "bot"]  # the request and the model's message, no result


@dataclasses.dataclass
class City:
    name: str
    population: int


class Forecast(pydantic.BaseModel):
    city: str
    high: float


async def test_output_type_retries_until_the_answer_validates(forum):
    model = af.ScriptedModel(['{"name": "Paris"}', '{"name": "Paris", "population": 2100000}'])
    bot = model.agent("bot", output_type=City)
    seq = bot.quick_call("biggest city?", forum=forum)
    msgs = await seq
    bad, feedback, good = msgs
    assert feedback.sender == "validation" and "not a valid City" in feedback.content
    assert await seq.parse(City) == City("Paris", 2100000)
    assert await seq.promises[-1].parse(City) == City("Paris", 2100000)
    with pytest.raises(pydantic.ValidationError):
        await seq.promises[0].parse(City)
    assert "feedback" not in bad.content


async def test_output_type_gives_up_after_output_retries(forum):
    bot = af.scripted_agent("bot", ["not json"], cycle=True, output_type=Forecast, output_retries=1)
    with pytest.raises(af.AgentError, match="not a valid Forecast after 1 retry"):
        await bot.quick_call("forecast?", forum=forum)
    assert sum(m.sender == "validation" for m in forum.store) == 1
    with pytest.raises(af.UsageError, match="output_type"):
        af.scripted_agent("bot", ["x"], output_type=object())


async def test_function_models_return_or_yield_tool_calls_and_see_the_results(forum):
    def fn(messages):
        last = messages[-1]
        if last.sender == "add":  # the branch holds the tool result
            return f"the sum is {json.loads(last.content)['sum']}"
        return af.ToolCall("add", {"a": 2, "b": 3})

    bot = af.function_agent("calc", fn, tools=[add])
    assert (await bot.quick_call("2+3?", forum=forum))[-1].content == "the sum is 5"

    def gen(messages):
        if messages[-1].sender != "get_weather":
            yield "checking "
            yield af.ToolCall("get_weather", {"city": "Oslo"})
        else:
            yield "done"

    msgs = await af.function_agent("gen", gen, tools=[get_weather]).quick_call("weather?", forum=forum)
    assert msgs[0].content == "checking " and msgs[0].metadata["tool_calls"][0]["name"] == "get_weather"


def test_the_version_covers_tools_and_output_type():
    base = af.scripted_agent("bot", ["x"])
    with_tool = af.scripted_agent("bot", ["x"], tools=[get_weather])
    with_other = af.scripted_agent("bot", ["x"], tools=[add])
    typed = af.scripted_agent("bot", ["x"], output_type=City)
    assert len({base.version, with_tool.version, with_other.version, typed.version}) == 4
    assert with_tool.version == af.scripted_agent("bot", ["x"], tools=[get_weather]).version

    def get_weather2(city: str, unit: str = "C") -> str:
        """The weather in a city."""
        return "rain"  # other code, same name and schema

    get_weather2.__name__ = "get_weather"
    assert af.scripted_agent("bot", ["x"], tools=[get_weather2]).version != with_tool.version
