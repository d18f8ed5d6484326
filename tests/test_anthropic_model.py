"""af.llm(provider="anthropic") with the real anthropic SDK against a real HTTP server on 127.0.0.1
(tests/anthropic_server.py) that speaks the Messages API's streaming protocol. No mocks of the client; no sleeps:
the server pauses on events."""

from __future__ import annotations

import asyncio
import hashlib
import json
import sys

import pydantic
import pytest

import agentforum_nb as af
from agentforum_nb._canonical import freeze_metadata, metadata_json
from agentforum_nb.models import FunctionTool
from agentforum_nb.models.anthropic import DEFAULT_MAX_TOKENS, schema_prompt, to_anthropic_messages
from agentforum_nb.models.openai import NO_RESULT

from .anthropic_server import AnthropicServer, Call, Reply

anthropic = pytest.importorskip("anthropic")

MODEL = "claude-scripted"
ENV_VARS = (
    "AGENTFORUM_MODEL",
    "ANTHROPIC_MODEL",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "ANTHROPIC_BASE_URL",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
)
WAIT = 5  # seconds: only a bound on waiting for an event, never a delay


@pytest.fixture
async def bots():
    """``make(server, name="assistant", **llm_kwargs)``: an Anthropic af.llm agent talking to ``server``; closes
    the agents' HTTP clients at the end."""
    made = []

    def make(server, name="assistant", **kw):
        kw.setdefault("model", MODEL)
        bot = af.llm(name, provider="anthropic", base_url=server.base_url, api_key="test-key", max_retries=0, **kw)
        made.append(bot)
        return bot

    yield make
    for bot in made:
        await bot.aclose()


@pytest.fixture
def clean_env(monkeypatch):
    for var in ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    return monkeypatch


def sent_key(headers):
    """The API key a request carried (this SDK release sends it as a bearer token, older ones as x-api-key)."""
    return headers.get("x-api-key") or headers["authorization"].removeprefix("Bearer ")


async def first_promise(seq):
    return await anext(aiter(seq))


def get_weather(city: str, unit: str = "C") -> str:
    """The weather in a city."""
    return f"sunny in {city}, 21{unit}"


def broken(x: int) -> str:
    """Always fails."""
    raise RuntimeError(f"broken on {x}")


class Forecast(pydantic.BaseModel):
    city: str
    high: float


# -- streaming and the request ------------------------------------------------------------------------------
async def test_tokens_stream_as_they_arrive(forum, bots):
    async with AnthropicServer([Reply(["Hel", "lo", " there", "!"], pause_after=2)]) as server:
        seq = bots(server).quick_call("Hi", forum=forum)
        p = await first_promise(seq)
        tokens = aiter(p)
        first = [await anext(tokens), await anext(tokens)]
        assert first == ["Hel", "lo"] and server.paused.is_set() and not p.done()
        server.release.set()
        rest = [t async for t in tokens]
        assert first + rest == ["Hel", "lo", " there", "!"]
        (msg,) = await seq
        assert msg.content == "Hello there!" and msg.sender == "assistant" and msg.status == "complete"
        assert server.paths == ["/v1/messages"] and sent_key(server.headers[0]) == "test-key"


async def test_request_maps_the_branch_and_passes_kwargs(forum, bots):
    async with AnthropicServer([["Fine."], ["Again."]]) as server:
        bot = bots(server, system="Be brief.", temperature=0.3, top_k=5)
        root = forum.post("Tea or coffee?")
        mine = forum.post("Tea.", parent=root, sender="assistant")
        other = forum.post("I disagree.", parent=mine, sender="critic")
        await bot.quick_call("Answer the critic.", forum=forum, branch=other, temperature=0.0, stop_sequences=["\n"])
        await bot.quick_call("q", forum=forum, system=None, max_tokens=50, model="claude-other")
        first, second = server.requests
    assert first["model"] == MODEL and first["stream"] is True and first["system"] == "Be brief."
    assert first["messages"] == [
        {"role": "user", "content": "Tea or coffee?"},
        {"role": "assistant", "content": "Tea."},
        # consecutive user turns merged into one (the API wants the roles to alternate)
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "critic: I disagree."},
                {"type": "text", "text": "Answer the critic."},
            ],
        },
    ]
    assert first["max_tokens"] == DEFAULT_MAX_TOKENS and first["temperature"] == 0.0 and first["top_k"] == 5
    assert first["stop_sequences"] == ["\n"] and "tools" not in first
    assert "system" not in second and second["max_tokens"] == 50 and second["model"] == "claude-other"
    assert bot.defaults == {"temperature": 0.3, "top_k": 5, "max_tokens": DEFAULT_MAX_TOKENS}


def test_to_anthropic_messages_mapping():
    root = af.Message("q")
    asking = af.Message(
        "Checking.",
        sender="bot",
        parent_id=root.id,
        metadata={"tool_calls": [{"id": "t1", "name": "t", "arguments": {"a": 1}}, {"id": "t2", "name": "u"}]},
    )
    history = [
        root,
        af.Message("ValueError: x", sender="bot", kind="error"),
        asking,
        af.Message("through", sender="bot", kind="forward", original_id="ab" * 32, metadata={"tool_call_id": "t1"}),
        af.Message("r1", sender="t", metadata={"tool_call_id": "t1"}),
        af.Message("Boom", sender="u", metadata={"tool_call_id": "t2", "tool_error": "builtins.RuntimeError"}),
        af.Message("Not valid.", sender="validation"),
        af.Message("", sender="bot"),  # a cancelled answer with no text: nothing to send
        af.Message("   ", sender="other"),  # blank
        af.Message("", sender="bot", metadata={"tool_calls": [{"id": "t3", "name": "t", "arguments": {}}]}),
        af.Message("go on"),  # t3 never got its result (the run was cancelled): a placeholder
    ]
    assert to_anthropic_messages(history, "bot") == [
        {"role": "user", "content": "q"},
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Checking."},
                {"type": "tool_use", "id": "t1", "name": "t", "input": {"a": 1}},
                {"type": "tool_use", "id": "t2", "name": "u", "input": {}},
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "t1", "content": "r1"},
                {"type": "tool_result", "tool_use_id": "t2", "content": "Boom", "is_error": True},
                {"type": "text", "text": "validation: Not valid."},
                {"type": "text", "text": "other:    "},
            ],
        },
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t3", "name": "t", "input": {}}]},
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "t3", "content": NO_RESULT, "is_error": True},
                {"type": "text", "text": "go on"},
            ],
        },
    ]
    assert to_anthropic_messages([], "bot") == []


# -- tools --------------------------------------------------------------------------------------------------
async def test_tool_loop_assembles_input_json_deltas_and_maps_the_results(forum, bots):
    asks = Reply(
        ["Let me ", "check."],
        tool_calls=[
            Call("get_weather", ['{"ci', 'ty": "Pa', 'ris", ', '"unit"', ': "F"}'], id="toolu_a"),
            Call("broken", ["{", '"x"', ": 3}"], id="toolu_b"),
        ],
    )
    async with AnthropicServer([asks, ["Paris: sunny."]]) as server:
        bot = bots(server, tools=[get_weather, broken])
        asking, weather, failed, final = await bot.quick_call("Weather in Paris?", forum=forum)
        first, second = server.requests
    assert first["tools"] == [
        {
            "name": "get_weather",
            "input_schema": FunctionTool(get_weather).parameters,
            "description": "The weather in a city.",
        },
        {"name": "broken", "input_schema": FunctionTool(broken).parameters, "description": "Always fails."},
    ]
    assert asking.content == "Let me check." and asking.metadata["tool_calls"] == (
        {"id": "toolu_a", "name": "get_weather", "arguments": {"city": "Paris", "unit": "F"}},
        {"id": "toolu_b", "name": "broken", "arguments": {"x": 3}},
    )
    assert weather.content == "sunny in Paris, 21F" and weather.metadata["tool_call_id"] == "toolu_a"
    assert failed.metadata["tool_error"] == "builtins.RuntimeError"
    assert final.content == "Paris: sunny."
    assert second["messages"] == [
        {"role": "user", "content": "Weather in Paris?"},
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Let me check."},
                {"type": "tool_use", "id": "toolu_a", "name": "get_weather", "input": {"city": "Paris", "unit": "F"}},
                {"type": "tool_use", "id": "toolu_b", "name": "broken", "input": {"x": 3}},
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_a", "content": "sunny in Paris, 21F"},
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_b",
                    "content": "RuntimeError: broken on 3",
                    "is_error": True,
                },
            ],
        },
    ]
    notes = forum.annotations(asking)
    assert notes["finish_reason"] == "tool_use" and notes["usage"]["output_tokens"] == 2 + 5 + 3
    assert forum.annotations(final)["finish_reason"] == "end_turn"


async def test_an_agent_as_a_tool_is_mapped_by_its_result(forum, bots):
    researcher = af.scripted_agent("researcher", ["found it"])
    asks = Reply(tool_calls=[Call("researcher", '{"request": "look up X"}', id="toolu_r")])
    async with AnthropicServer([asks, ["Summary: found it"]]) as server:
        msgs = await bots(server, tools=[researcher]).quick_call("research X", forum=forum)
        second = server.requests[1]
    assert any(m.kind == "forward" for m in msgs) and msgs[-1].content == "Summary: found it"
    assert second["messages"][1:] == [
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "toolu_r", "name": "researcher", "input": {"request": "look up X"}}],
        },
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_r", "content": "found it"}]},
    ]


async def test_tool_input_that_is_not_json_fails_the_run(forum, bots):
    async with AnthropicServer(
        [Reply(["Checking"], tool_calls=[Call("get_weather", ['{"city": "Pa'])], finish_reason="max_tokens")]
    ) as server:
        with pytest.raises(af.AgentError) as ei:
            await bots(server, tools=[get_weather]).quick_call("q", forum=forum)
        assert len(server.requests) == 1
    error = ei.value.message
    assert error.metadata["error_type"] == "agentforum_nb.models.openai.ToolArgumentsError"
    assert "not valid JSON" in error.content and "get_weather" in error.content
    assert forum.get(error.parent_id).status == "failed"


# -- structured output ----------------------------------------------------------------------------------------
async def test_structured_output_describes_the_schema_and_retries(forum, bots):
    async with AnthropicServer([['{"city": "Paris"}'], ['{"city": "Paris", "high": 21.5}']]) as server:
        bot = bots(server, system="You forecast.", output_type=Forecast)
        seq = bot.quick_call("Forecast for Paris?", forum=forum)
        bad, feedback, good = await seq
        first, second = server.requests
    schema = Forecast.model_json_schema()
    assert first["system"] == "You forecast.\n\n" + schema_prompt("Forecast", schema)
    assert json.dumps(schema) in first["system"] and "output_config" not in first
    assert feedback.sender == "validation"
    assert second["messages"][:2] == [
        {"role": "user", "content": "Forecast for Paris?"},
        {"role": "assistant", "content": '{"city": "Paris"}'},
    ]
    assert second["messages"][2]["content"].startswith("validation: Your answer is not a valid Forecast")
    assert await seq.parse(Forecast) == Forecast(city="Paris", high=21.5) and good.status == "complete"


# -- annotations ----------------------------------------------------------------------------------------------
async def test_usage_model_and_stop_reason_are_annotated(forum, bots):
    reply = Reply(["one ", "two ", "three"], finish_reason="max_tokens", model="claude-scripted-20250101")
    async with AnthropicServer([reply]) as server:
        (m,) = await bots(server, system="Count.").quick_call("count to three", forum=forum)
    notes = forum.annotations(m)
    assert notes["model"] == "claude-scripted-20250101" and notes["finish_reason"] == "max_tokens"
    assert notes["usage"] == {"input_tokens": 1 + 3, "output_tokens": 3}  # system + message words
    assert notes["agent"] == "assistant" and notes["tokens"] == 3


# -- errors -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "status, exc_name, error_type",
    [
        (400, "BadRequestError", "invalid_request_error"),
        (401, "AuthenticationError", "authentication_error"),
        (429, "RateLimitError", "rate_limit_error"),
        (500, "InternalServerError", "api_error"),
        (529, "OverloadedError", "overloaded_error"),
    ],
)
async def test_http_error_before_streaming_is_an_error_message(forum, bots, status, exc_name, error_type):
    async with AnthropicServer([Reply(status=status)]) as server:
        with pytest.raises(af.AgentError) as ei:
            await bots(server).quick_call("q", forum=forum)
        assert len(server.requests) == 1  # max_retries=0
    error = ei.value.message
    assert error.kind == "error" and error.content.startswith(f"{exc_name}: ")
    assert error_type in error.content and "scripted failure" in error.content  # the error body, parsed
    assert error.metadata["error_type"] == f"anthropic.{exc_name}"
    assert isinstance(ei.value.__cause__, getattr(anthropic, exc_name))
    assert [m.content for m in forum.history(error.id)][:-1] == ["q"] and len(forum) == 2


async def test_connection_refused_is_an_error_message(forum, bots):
    async with AnthropicServer() as server:
        bot = bots(server)
    with pytest.raises(af.AgentError) as ei:
        await bot.quick_call("q", forum=forum)
    assert ei.value.message.metadata["error_type"] == "anthropic.APIConnectionError"


@pytest.mark.parametrize(
    "reply, error_type",
    [
        (Reply(["partial ", "text"], error="Overloaded"), "anthropic.APIStatusError"),
        (Reply(["partial ", "text"], drop=True), None),  # connection cut: the HTTP client's error
    ],
    ids=["error-event", "connection-dropped"],
)
async def test_failure_mid_stream_stores_the_partial_message(forum, bots, reply, error_type):
    async with AnthropicServer([reply]) as server:
        seq = bots(server).quick_call("q", forum=forum)
        p = await first_promise(seq)
        got = []
        with pytest.raises(af.AgentError):
            async for tok in p:
                got.append(tok)
        assert got == ["partial ", "text"]
        with pytest.raises(af.AgentError) as partial_ei:
            await p
        failed = partial_ei.value.message
        assert failed.status == "failed" and failed.content == "partial text" and failed.sender == "assistant"
        with pytest.raises(af.AgentError) as ei:
            await seq
    error = ei.value.message
    assert forum.children(failed.id) == [error] and error.kind == "error"
    cause_type = type(ei.value.__cause__)
    assert error.metadata["error_type"] == f"{cause_type.__module__}.{cause_type.__qualname__}"
    if error_type is not None:
        assert error.metadata["error_type"] == error_type
        assert "overloaded_error" in error.content and "Overloaded" in error.content
    else:
        assert error.metadata["error_type"].split(".")[0] in ("anthropic", "httpx", "httpcore", "httpx2")
    assert [m.content for m in forum.history(failed.id)] == ["q", "partial text"] and len(forum) == 3


# -- cancellation -------------------------------------------------------------------------------------------
async def test_cancel_mid_stream_closes_the_http_stream(forum, bots):
    async with AnthropicServer([Reply(["a ", "b ", "c"], pause_after=2), ["and c."]]) as server:
        bot = bots(server)
        seq = bot.quick_call("q", forum=forum)
        tokens = aiter(await first_promise(seq))
        assert [await anext(tokens), await anext(tokens)] == ["a ", "b "]
        assert server.paused.is_set() and not server.client_closed.is_set()
        seq.cancel()
        with pytest.raises(af.CallCancelled) as ei:
            await seq
        cancelled = ei.value.message
        assert cancelled.status == "cancelled" and cancelled.content == "a b "
        await asyncio.wait_for(server.client_closed.wait(), WAIT)  # the server saw the connection close
        (more,) = await bot.quick_call("go on", forum=forum, branch=cancelled)
        assert more.content == "and c."
        assert server.requests[-1]["messages"] == [
            {"role": "user", "content": "q"},
            {"role": "assistant", "content": "a b "},
            {"role": "user", "content": "go on"},
        ]


async def test_a_cancelled_message_records_the_usage_of_what_streamed(forum, bots):
    # message_start says output_tokens=1; the final count (message_delta) never comes for a cancelled message
    async with AnthropicServer([Reply(["a ", "b ", "c ", "d ", "e ", "f"], pause_after=5)]) as server:
        seq = bots(server).quick_call("q", forum=forum)
        tokens = aiter(await first_promise(seq))
        assert [await anext(tokens) for _ in range(5)] == ["a ", "b ", "c ", "d ", "e "]
        seq.cancel()
        with pytest.raises(af.CallCancelled) as ei:
            await seq
    cancelled = ei.value.message
    usage = forum.annotations(cancelled)["usage"]
    assert usage["input_tokens"] == 1 and usage["output_tokens"] >= 5


async def test_thinking_is_the_reasoning_annotation_and_the_answer_is_priced(forum, bots):
    from genai_prices import Usage, calc_price

    reply = Reply(["Four."], reasoning=["Two plus two ", "is four."], model="claude-sonnet-4-5")
    async with AnthropicServer([reply]) as server:
        (m,) = await bots(server, model="claude-sonnet-4-5").quick_call("2+2?", forum=forum)
    notes = forum.annotations(m)
    assert m.content == "Four." and notes["reasoning"] == "Two plus two is four."
    expected = calc_price(Usage(**notes["usage"]), model_ref="claude-sonnet-4-5", provider_id="anthropic")
    assert notes["cost_usd"] == pytest.approx(float(expected.total_price))


async def test_the_servers_error_body_is_kept_as_error_detail(forum, bots):
    body = {"type": "error", "error": {"type": "invalid_request_error", "message": "top_k: must be positive"}}
    async with AnthropicServer([Reply(status=400, error_body=body)]) as server:
        with pytest.raises(af.AgentError) as ei:
            await bots(server).quick_call("q", forum=forum)
    assert ei.value.message.metadata["error_detail"] == body


async def test_cancel_while_waiting_for_the_response(forum, bots):
    async with AnthropicServer([Reply(["never"], hold_headers=True)]) as server:
        seq = bots(server).quick_call("q", forum=forum)
        await asyncio.wait_for(server.paused.wait(), WAIT)  # the request arrived; no response headers yet
        seq.cancel()
        with pytest.raises(af.CallCancelled):
            await seq
        await asyncio.wait_for(server.client_closed.wait(), WAIT)
        assert [m.sender for m in forum] == ["user"]


async def test_cancel_while_a_tool_runs_closes_nothing_half_done(forum, bots):
    entered = asyncio.Event()

    async def forever(q: str) -> str:
        """Never returns."""
        entered.set()
        await asyncio.Event().wait()
        return "never"

    async with AnthropicServer([Reply(tool_calls=[Call("forever", '{"q": "x"}', id="toolu_f")]), ["ok"]]) as server:
        bot = bots(server, tools=[forever], version="t")
        seq = bot.quick_call("go", forum=forum)
        await asyncio.wait_for(entered.wait(), WAIT)
        seq.cancel()
        with pytest.raises(af.CallCancelled):
            await seq
        asking = [m for m in forum if m.sender == "assistant"]
        assert [m.metadata["tool_calls"][0]["id"] for m in asking] == ["toolu_f"]
        # asking again on that branch: the unanswered call gets a placeholder result, as the API needs
        await bot.quick_call("go on", forum=forum, branch=asking[0])
        assert server.requests[-1]["messages"][-1] == {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_f", "content": NO_RESULT, "is_error": True},
                {"type": "text", "text": "go on"},
            ],
        }


# -- configuration and versions -----------------------------------------------------------------------------
async def test_configuration_from_the_environment(forum, clean_env):
    async with AnthropicServer([["hi"], ["again"]]) as server:
        clean_env.setenv("ANTHROPIC_BASE_URL", server.base_url)
        clean_env.setenv("ANTHROPIC_MODEL", "claude-env")
        clean_env.setenv("AGENTFORUM_MODEL", "not-for-anthropic")
        bot = af.llm(provider="anthropic")
        try:
            assert bot.provider == "anthropic" and bot.model == "claude-env" and bot.base_url == server.base_url
            assert (await bot.quick_call("q", forum=forum))[0].content == "hi"
            clean_env.setenv("ANTHROPIC_API_KEY", "sk-ant-env")
            clean_env.delenv("ANTHROPIC_MODEL")
            keyed = af.llm("keyed", provider="anthropic", max_retries=0)
            assert keyed.model == "not-for-anthropic"  # then $AGENTFORUM_MODEL
            assert (await keyed.quick_call("q", forum=forum))[0].content == "again"
            await keyed.aclose()
        finally:
            await bot.aclose()
    assert [r["model"] for r in server.requests] == ["claude-env", "not-for-anthropic"]
    assert sent_key(server.headers[0]) == "not-needed"  # only a base URL: a placeholder key
    assert sent_key(server.headers[1]) == "sk-ant-env"
    assert "anthropic-version" in server.headers[0]  # the SDK's own headers: a real client


def test_usage_errors(clean_env, monkeypatch):
    with pytest.raises(af.UsageError, match=r"ANTHROPIC_MODEL"):
        af.llm("x", provider="anthropic")
    with pytest.raises(af.UsageError, match=r"ANTHROPIC_API_KEY"):
        af.llm("x", provider="anthropic", model="m")
    clean_env.setenv("OPENAI_API_KEY", "sk-openai")  # another provider's key is not used
    with pytest.raises(af.UsageError, match=r"ANTHROPIC_API_KEY"):
        af.llm("x", provider="anthropic", model="m")
    with pytest.raises(af.UsageError, match="tools"):
        af.llm("x", provider="anthropic", model="m", base_url="http://127.0.0.1:9", max_tokens=10).backend.settings(
            af.models.ModelRequest([], "x", {"tools": []})
        )
    monkeypatch.setitem(sys.modules, "anthropic", None)  # as if the SDK were not installed
    with pytest.raises(af.UsageError, match=r"pip install 'agentforum_nb\[anthropic\]'"):
        af.llm("x", provider="anthropic", model="m", base_url="http://127.0.0.1:9")


def test_the_version_differs_by_provider_model_and_tools(clean_env):
    where = {"base_url": "http://127.0.0.1:9"}
    openai_bot = af.llm("bot", model="m", **where)
    claude = af.llm("bot", provider="anthropic", model="m", **where)
    assert claude.version != openai_bot.version and claude.version.startswith("llm:")
    assert af.llm("bot", provider="anthropic", model="m", **where).version == claude.version
    assert af.llm("bot", provider="anthropic", model="m2", **where).version != claude.version
    assert af.llm("bot", provider="anthropic", model="m", max_tokens=100, **where).version != claude.version
    with_tool = af.llm("bot", provider="anthropic", model="m", tools=[get_weather], **where)
    with_other = af.llm("bot", provider="anthropic", model="m", tools=[broken], **where)
    openai_tool = af.llm("bot", model="m", tools=[get_weather], **where)
    typed = af.llm("bot", provider="anthropic", model="m", output_type=Forecast, **where)
    versions = {claude.version, with_tool.version, with_other.version, openai_tool.version, typed.version}
    assert len(versions) == 5 and openai_bot.version not in versions
    # the OpenAI version is what it was before there were providers (existing caches stay valid)
    frozen, fast = freeze_metadata({"model": "m", "system": None, "defaults": {}})
    assert openai_bot.version == "llm:" + hashlib.sha256(metadata_json(frozen, fast).encode()).hexdigest()[:16]
    assert "provider='anthropic'" in repr(claude) and "provider" not in repr(openai_bot)
    assert "tools=['get_weather']" in repr(with_tool)


async def test_injected_client_is_used_as_is(forum):
    async with AnthropicServer([["hi"]]) as server:
        async with anthropic.AsyncAnthropic(base_url=server.base_url, api_key="injected", max_retries=0) as client:
            bot = af.llm("bot", provider="anthropic", model=MODEL, client=client)
            assert bot.client() is client
            assert (await bot.quick_call("q", forum=forum))[0].content == "hi"
            await bot.aclose()
            assert not client.is_closed()
        assert sent_key(server.headers[0]) == "injected"


def test_one_agent_on_successive_event_loops():
    """A forum is not bound to one loop: the agent makes an HTTP client per loop."""
    with AnthropicServer([["first"], ["second"]]).in_thread() as server:
        bot = af.llm("bot", provider="anthropic", model=MODEL, base_url=server.base_url, max_retries=0)
        forum = af.Forum()
        clients = []

        async def ask(question):
            try:
                clients.append(bot.client())
                return (await bot.quick_call(question, forum=forum))[0].content
            finally:
                await bot.aclose()

        assert asyncio.run(ask("one")) == "first"
        assert asyncio.run(ask("two")) == "second"
        asyncio.run(forum.aclose())
        assert clients[0] is not clients[1] and all(c.is_closed() for c in clients)
        assert isinstance(clients[0], anthropic.AsyncAnthropic)
