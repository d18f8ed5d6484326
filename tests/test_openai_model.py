"""af.llm with the real openai SDK against a real HTTP server on 127.0.0.1 (tests/sse_server.py) that speaks the
OpenAI streaming chat-completions protocol. No mocks of the client; no sleeps: the server pauses on events."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pydantic
import pytest

import agentforum_nb as af
from agentforum_nb.models import FunctionTool
from agentforum_nb.models.openai import NO_RESULT, schema_name, to_chat_messages

from .sse_server import Call, Reply, SSEServer

openai = pytest.importorskip("openai")

MODEL = "scripted-model"
ENV_VARS = ("AGENTFORUM_MODEL", "OPENAI_MODEL", "OPENAI_API_KEY", "OPENAI_BASE_URL")
WAIT = 5  # seconds: only a bound on waiting for an event, never a delay


@pytest.fixture
async def bots():
    """``make(server, name="assistant", **llm_kwargs)``: an af.llm agent talking to ``server``; closes the agents'
    HTTP clients at the end (an unclosed AsyncOpenAI schedules its own close on whatever loop collects it)."""
    made = []

    def make(server, name="assistant", **kw):
        kw.setdefault("model", MODEL)
        bot = af.llm(name, base_url=server.base_url, api_key="test-key", max_retries=0, **kw)
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


async def first_promise(seq):
    return await anext(aiter(seq))


# -- streaming and the request ------------------------------------------------------------------------------
async def test_tokens_stream_as_they_arrive(forum, bots):
    async with SSEServer([Reply(["Hel", "lo", " there", "!"], pause_after=2)]) as server:
        seq = bots(server).quick_call("Hi", forum=forum)
        p = await first_promise(seq)
        tokens = aiter(p)
        first = [await anext(tokens), await anext(tokens)]
        # the first tokens arrived while the server still holds back the rest of the response
        assert first == ["Hel", "lo"] and server.paused.is_set() and not p.done()
        server.release.set()
        rest = [t async for t in tokens]
        assert first + rest == ["Hel", "lo", " there", "!"]
        (msg,) = await seq
        assert msg.content == "Hello there!" and msg.sender == "assistant" and msg.status == "complete"
        assert [m.content for m in forum.history(msg.id)] == ["Hi", "Hello there!"]


async def test_request_maps_the_branch_and_passes_kwargs(forum, bots):
    async with SSEServer([["Fine."]]) as server:
        bot = bots(server, system="Be brief.", temperature=0.3, top_p=0.9, seed=7)
        root = forum.post("Tea or coffee?")
        mine = forum.post("Tea.", parent=root, sender="assistant")
        other = forum.post("I disagree.", parent=mine, sender="critic")
        (answer,) = await bot.quick_call(
            "Answer the critic.", forum=forum, branch=other, temperature=0.0, max_tokens=50, stop=["\n\n"]
        )
        (req,) = server.requests
        assert req["model"] == MODEL and req["stream"] is True
        assert req["messages"] == [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Tea or coffee?"},
            {"role": "assistant", "content": "Tea."},
            {"role": "user", "content": "critic: I disagree."},
            {"role": "user", "content": "Answer the critic."},
        ]
        # the call's temperature overrides the agent's; the other defaults and call kwargs pass through
        assert {k: req[k] for k in ("temperature", "top_p", "seed", "max_tokens", "stop")} == {
            "temperature": 0.0,
            "top_p": 0.9,
            "seed": 7,
            "max_tokens": 50,
            "stop": ["\n\n"],
        }
        assert server.headers[0]["authorization"] == "Bearer test-key"
        assert forum.history(answer.id)[-2].content == "Answer the critic."


async def test_per_call_system_and_model(forum, bots):
    async with SSEServer([["a"], ["b"]]) as server:
        bot = bots(server, system="Default prompt.")
        await bot.quick_call("q", forum=forum, system="Per-call prompt.", model="other-model")
        await bot.quick_call("q", forum=forum, system=None)
        first, second = server.requests
        assert first["model"] == "other-model"
        assert first["messages"][0] == {"role": "system", "content": "Per-call prompt."}
        assert "system" not in first and "system" not in second  # not an API parameter
        assert second["model"] == MODEL and second["messages"] == [{"role": "user", "content": "q"}]


async def test_error_messages_are_skipped_and_partial_messages_kept(forum, bots):
    critic = af.scripted_agent("critic", [ValueError("boom")])
    with pytest.raises(af.AgentError) as ei:
        await critic.quick_call("Hi", forum=forum)
    error = ei.value.message
    assert error.kind == "error" and error.sender == "critic"
    partial = af.Message("Half an ans", sender="assistant", parent_id=error.id, status="cancelled")
    async with SSEServer([["wer."]]) as server:
        await bots(server).quick_call(partial, "Go on.", forum=forum)
        assert server.requests[0]["messages"] == [
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Half an ans"},
            {"role": "user", "content": "Go on."},
        ]


def test_to_chat_messages_mapping():
    root = af.Message("q")
    history = [
        root,
        af.Message("a", sender="bot", parent_id=root.id),
        af.Message("ValueError: x", sender="bot", kind="error"),
        af.Message("hm", sender="other", status="failed"),
        af.Message("user again"),
    ]
    assert to_chat_messages(history, "bot", system="S") == [
        {"role": "system", "content": "S"},
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": "a"},
        {"role": "user", "content": "other: hm"},
        {"role": "user", "content": "user again"},
    ]
    assert to_chat_messages([], "bot") == []


# -- caching ------------------------------------------------------------------------------------------------
async def test_cache_hits_and_misses(forum, bots):
    async with SSEServer([["one"], ["two"], ["three"], ["four"]]) as server:
        bot = bots(server, system="A")
        (first,) = await bot.quick_call("q", forum=forum)
        again = bot.quick_call("q", forum=forum)
        assert [t async for p in again async for t in p] == ["one"]  # tokens replay from the cache
        assert await again == (first,) and len(server.requests) == 1  # served from the cache
        assert bots(server, system="A").version == bot.version  # same configuration, same version

        other_system = bots(server, system="B")
        assert other_system.version != bot.version
        assert (await other_system.quick_call("q", forum=forum))[0].content == "two"
        other_model = bots(server, system="A", model="model-2")
        assert other_model.version not in (bot.version, other_system.version)
        assert (await other_model.quick_call("q", forum=forum))[0].content == "three"
        assert server.requests[-1]["model"] == "model-2"
        assert (await bot.quick_call("q", forum=forum, model="model-3"))[0].content == "four"  # call kwargs
        assert (await bot.quick_call("q", forum=forum, model="model-3"))[0].content == "four"
        assert [r["model"] for r in server.requests] == [MODEL, MODEL, "model-2", "model-3"]
        assert bots(server, system="A", temperature=1).version != bot.version  # defaults count too
        assert af.llm("x", model="m", base_url="http://127.0.0.1:9/v1", version="v7").version == "v7"


# -- errors -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "reply, error_type",
    [
        (Reply(["partial ", "text"], error="the model crashed"), "openai.APIError"),
        (Reply(["partial ", "text"], drop=True), None),  # connection cut: the SDK's connection error
    ],
    ids=["error-event", "connection-dropped"],
)
async def test_failure_mid_stream_stores_the_partial_message(forum, bots, reply, error_type):
    async with SSEServer([reply]) as server:
        seq = bots(server).quick_call("q", forum=forum)
        p = await first_promise(seq)
        got = []
        with pytest.raises(af.AgentError):
            async for tok in p:
                got.append(tok)
        assert got == ["partial ", "text"]
        with pytest.raises(af.AgentError) as partial_ei:
            await p
        failed = partial_ei.value.message  # awaiting the promise: its partial message, stored first
        assert failed.status == "failed" and failed.content == "partial text" and failed.sender == "assistant"
        with pytest.raises(af.AgentError) as ei:
            await seq
        error = ei.value.message  # awaiting the sequence: the error message that ends it (API.md section 5)
        assert forum.children(failed.id) == [error]
        assert error.kind == "error" and error.sender == "assistant"
        assert isinstance(ei.value.__cause__, Exception)
        cause_type = type(ei.value.__cause__)
        assert error.metadata["error_type"] == f"{cause_type.__module__}.{cause_type.__qualname__}"
        if error_type is not None:
            assert error.metadata["error_type"] == error_type and "the model crashed" in error.content
        else:
            assert error.metadata["error_type"].split(".")[0] in ("openai", "httpx", "httpcore", "httpx2")
        assert [m.content for m in forum.history(failed.id)] == ["q", "partial text"] and len(forum) == 3


@pytest.mark.parametrize(
    "status, exc_name",
    [(500, "InternalServerError"), (401, "AuthenticationError"), (429, "RateLimitError"), (400, "BadRequestError")],
)
async def test_http_error_before_streaming_is_an_error_message(forum, bots, status, exc_name):
    async with SSEServer([Reply(status=status)]) as server:
        with pytest.raises(af.AgentError) as ei:
            await bots(server).quick_call("q", forum=forum)
        error = ei.value.message
        assert error.kind == "error" and error.content.startswith(f"{exc_name}: ")
        assert error.metadata["error_type"] == f"openai.{exc_name}"
        assert isinstance(ei.value.__cause__, getattr(openai, exc_name))
        assert [m.content for m in forum.history(error.id)][:-1] == ["q"] and len(forum) == 2
        assert len(server.requests) == 1  # max_retries=0


async def test_the_servers_error_body_is_kept_as_error_detail(forum, bots):
    # transformers serve answers a request it refuses with {"detail": ...}: the SDK's text says only the status
    body = {"detail": "Unexpected fields in the request: {'foo'}"}
    async with SSEServer([Reply(status=422, error_body=body)]) as server:
        with pytest.raises(af.AgentError) as ei:
            await bots(server).quick_call("q", forum=forum)
    error = ei.value.message
    assert error.content == "UnprocessableEntityError: Error code: 422"
    assert error.metadata["error_type"] == "openai.UnprocessableEntityError"
    assert error.metadata["error_detail"] == body


async def test_a_mid_stream_error_event_keeps_its_body_as_error_detail(forum, bots):
    # ... and a failure while streaming as an error event whose "error" is a bare string
    detail = "`top_k` has to be a strictly positive integer"
    async with SSEServer([Reply(["par", "tial"], error_body=detail)]) as server:
        bot = af.Agent(_pass_on(bots(server)), name="outer", version="1")  # passed on: kept at every level
        with pytest.raises(af.AgentError) as ei:
            await bot.quick_call("q", forum=forum)
    error = ei.value.message
    assert error.sender == "outer" and error.content == "APIError: An error occurred during streaming"
    assert error.metadata["error_detail"] == detail
    inner = [m for m in forum if m.kind == "error" and m.sender == "assistant"]
    assert len(inner) == 1 and inner[0].metadata["error_detail"] == detail


def _pass_on(inner):
    async def fn(ctx):
        ctx.respond(inner.quick_call(ctx.requests))

    return fn


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
async def test_requests_to_real_providers_are_blocked_in_tests(forum, provider):
    bot = af.llm("real", model="gpt-x", provider=provider, api_key="k", base_url="https://api.example.com/v1")
    with pytest.raises(af.AgentError) as ei:
        await bot.quick_call("q", forum=forum)
    assert ei.value.message.metadata["error_type"] == "agentforum_nb.errors.UsageError"
    assert "api.example.com" in ei.value.message.content and "ALLOW_MODEL_REQUESTS" in ei.value.message.content
    await bot.aclose()


@pytest.mark.parametrize("key", ["reasoning_content", "reasoning"])
async def test_reasoning_deltas_are_the_reasoning_annotation_not_the_content(forum, bots, key):
    reply = Reply(["The ", "answer."], reasoning=["Let me ", "think."], reasoning_key=key)
    async with SSEServer([reply]) as server:
        (m,) = await bots(server).quick_call("q", forum=forum)
    assert m.content == "The answer." and forum.annotations(m)["reasoning"] == "Let me think."


async def test_a_known_models_usage_is_priced(forum, bots):
    from genai_prices import Usage, calc_price

    async with SSEServer([Reply(["Hello ", "there"], model="gpt-4o-mini")]) as server:
        (m,) = await bots(server, model="gpt-4o-mini").quick_call("q", forum=forum)
    notes = forum.annotations(m)
    usage = notes["usage"]
    expected = calc_price(Usage(**usage), model_ref="gpt-4o-mini", provider_id="openai").total_price
    assert notes["cost_usd"] == pytest.approx(float(expected)) and notes["cost_usd"] > 0
    async with SSEServer([Reply(["hi"])]) as server:  # a model genai-prices does not know: no cost
        (m2,) = await bots(server, model="my-local-model").quick_call("q2", forum=forum)
    assert "usage" in forum.annotations(m2) and "cost_usd" not in forum.annotations(m2)


async def test_connection_refused_is_an_error_message(forum, bots):
    async with SSEServer() as server:
        bot = bots(server)
    # the server is gone: nothing listens on its port any more
    with pytest.raises(af.AgentError) as ei:
        await bot.quick_call("q", forum=forum)
    assert ei.value.message.metadata["error_type"] == "openai.APIConnectionError"


# -- cancellation -------------------------------------------------------------------------------------------
async def test_cancel_mid_stream_closes_the_http_stream(forum, bots):
    async with SSEServer([Reply(["a ", "b ", "c"], pause_after=2), ["and c."]]) as server:
        bot = bots(server)
        seq = bot.quick_call("q", forum=forum)
        p = await first_promise(seq)
        tokens = aiter(p)
        assert [await anext(tokens), await anext(tokens)] == ["a ", "b "]
        assert server.paused.is_set() and not server.client_closed.is_set()
        seq.cancel()
        with pytest.raises(af.CallCancelled) as ei:
            await seq
        with pytest.raises(af.CallCancelled):
            await anext(tokens)
        cancelled = ei.value.message
        assert cancelled.status == "cancelled" and cancelled.content == "a b " and cancelled.sender == "assistant"
        await asyncio.wait_for(server.client_closed.wait(), WAIT)  # the server saw the connection close
        # the partial answer is part of the next prompt
        (more,) = await bot.quick_call("go on", forum=forum, branch=cancelled)
        assert more.content == "and c."
        assert server.requests[-1]["messages"] == [
            {"role": "user", "content": "q"},
            {"role": "assistant", "content": "a b "},
            {"role": "user", "content": "go on"},
        ]


async def test_cancel_while_waiting_for_the_response(forum, bots):
    async with SSEServer([Reply(["never"], hold_headers=True)]) as server:
        seq = bots(server).quick_call("q", forum=forum)
        await asyncio.wait_for(server.paused.wait(), WAIT)  # the request arrived; no response headers yet
        seq.cancel()
        with pytest.raises(af.CallCancelled):
            await seq
        await asyncio.wait_for(server.client_closed.wait(), WAIT)
        assert [m.sender for m in forum] == ["user"]  # no response was started


async def test_aclose_cancels_a_streaming_llm_call():
    forum = af.Forum()
    async with SSEServer([Reply(["a ", "b"], pause_after=1)]) as server:
        bot = af.llm("bot", model=MODEL, base_url=server.base_url, max_retries=0)
        seq = bot.quick_call("q", forum=forum)
        await anext(aiter(await first_promise(seq)))
        await forum.aclose()
        await asyncio.wait_for(server.client_closed.wait(), WAIT)
        with pytest.raises(af.CallCancelled):
            await seq
        await bot.aclose()
    assert not [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]


# -- configuration ------------------------------------------------------------------------------------------
async def test_configuration_from_the_environment(forum, clean_env):
    async with SSEServer([["hi"]]) as server:
        clean_env.setenv("OPENAI_BASE_URL", server.base_url)
        clean_env.setenv("AGENTFORUM_MODEL", "env-model")
        bot = af.llm()
        try:
            assert bot.name == "assistant" and bot.model == "env-model" and bot.base_url == server.base_url
            assert (await bot.quick_call("q", forum=forum))[0].content == "hi"
        finally:
            await bot.aclose()
        assert server.requests[0]["model"] == "env-model"
        assert server.headers[0]["authorization"] == "Bearer not-needed"  # local servers need no key


def test_settings_precedence(clean_env):
    clean_env.setenv("OPENAI_MODEL", "openai-model")
    clean_env.setenv("OPENAI_API_KEY", "sk-env")
    assert af.llm().model == "openai-model"
    clean_env.setenv("AGENTFORUM_MODEL", "af-model")
    assert af.llm().model == "af-model"
    assert af.llm(model="arg-model").model == "arg-model"
    assert af.llm().backend.api_key == "sk-env" and af.llm(api_key="sk-arg").backend.api_key == "sk-arg"
    assert "af-model" in repr(af.llm("named"))


async def test_injected_client_is_used_as_is(forum):
    async with SSEServer([["hi"]]) as server:
        async with openai.AsyncOpenAI(base_url=server.base_url, api_key="injected", max_retries=0) as client:
            bot = af.llm("bot", model=MODEL, client=client)
            assert bot.client() is client
            assert (await bot.quick_call("q", forum=forum))[0].content == "hi"
            await bot.aclose()
            assert not client.is_closed()  # the caller owns it
        assert server.headers[0]["authorization"] == "Bearer injected"


def test_one_agent_on_successive_event_loops():
    """A forum is not bound to one loop: the agent makes an HTTP client per loop."""
    with SSEServer([["first"], ["second"]]).in_thread() as server:
        bot = af.llm("bot", model=MODEL, base_url=server.base_url, max_retries=0)
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
        assert [r["messages"][-1]["content"] for r in server.requests] == ["one", "two"]


async def test_usage_errors(forum, clean_env):
    with pytest.raises(af.UsageError, match="model"):
        af.llm("x")
    with pytest.raises(af.UsageError, match="API key"):
        af.llm("x", model="m")
    with pytest.raises(af.UsageError, match="messages"):
        af.llm("x", model="m", base_url="http://127.0.0.1:9/v1", messages=[])
    with pytest.raises(af.UsageError, match="JSON"):
        af.llm("x", model="m", base_url="http://127.0.0.1:9/v1", stop={"a", "b"})
    with pytest.raises(af.UsageError, match="user"):
        af.llm("user", model="m", base_url="http://127.0.0.1:9/v1")
    bot = af.llm("x", model="m", base_url="http://127.0.0.1:9/v1")  # local servers need no key
    assert isinstance(bot, af.Agent) and bot.name == "x" and bot.version.startswith("llm:")
    # a call kwarg the agent sets itself: an error message (no request is made)
    with pytest.raises(af.AgentError) as ei:
        await bot.quick_call("q", forum=forum, stream=False)
    assert ei.value.message.metadata["error_type"] == "agentforum_nb.errors.UsageError"
    await bot.aclose()


def test_importing_the_package_does_not_import_openai():
    code = """if True:
        import sys, agentforum_nb as af
        assert 'openai' not in sys.modules
        af.llm  # the lazy attribute imports agentforum_nb.models.openai, which does not import openai either
        assert 'openai' not in sys.modules
        sys.modules['openai'] = None  # as if the SDK were not installed
        try:
            af.llm('x', model='m', base_url='http://127.0.0.1:9/v1')
        except af.UsageError as exc:
            print(exc)
        del sys.modules['openai']
        af.llm('x', model='m', base_url='http://127.0.0.1:9/v1')
        print('openai' in sys.modules)
    """
    out = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    missing, imported = out.stdout.strip().splitlines()
    assert "pip install 'agentforum_nb[openai]'" in missing
    assert imported == "True"


# -- annotations ----------------------------------------------------------------------------------------------
async def test_usage_model_and_finish_reason_are_annotated(forum, bots):
    async with SSEServer([Reply(["one ", "two ", "three"], finish_reason="length")]) as server:
        (m,) = await bots(server).quick_call("count to three", forum=forum)
        assert server.requests[-1]["stream_options"] == {"include_usage": True}  # asked for the usage
    notes = forum.annotations(m)
    assert notes["model"] == MODEL and notes["finish_reason"] == "length"
    assert notes["usage"] == {"input_tokens": 3, "output_tokens": 3}
    assert notes["agent"] == "assistant" and notes["tokens"] == 3 and notes["ttft_s"] <= notes["duration_s"]


async def test_usage_is_not_asked_for_when_stream_options_is_empty(forum, bots):
    async with SSEServer([Reply(["ok"])]) as server:
        (m,) = await bots(server, stream_options={}).quick_call("q", forum=forum)
        assert "stream_options" not in server.requests[-1]
    assert "usage" not in forum.annotations(m) and forum.annotations(m)["finish_reason"] == "stop"


# -- tools and structured output ------------------------------------------------------------------------------
def get_weather(city: str, unit: str = "C") -> str:
    """The weather in a city.

    Not part of the description."""
    return f"sunny in {city}, 21{unit}"


def broken(x: int) -> str:
    """Always fails."""
    raise RuntimeError(f"broken on {x}")


class Forecast(pydantic.BaseModel):
    city: str
    high: float


async def test_tool_loop_assembles_split_deltas_and_maps_the_results(forum, bots):
    asks = Reply(
        ["Let me ", "check."],
        tool_calls=[
            Call("get_weather", ['{"ci', 'ty": "Pa', 'ris", ', '"unit"', ': "F"}'], id="call_a"),
            Call("broken", ["{", '"x"', ": 3}"], id="call_b"),
        ],
        interleave=True,  # the calls' pieces alternate: only the index tells them apart
    )
    async with SSEServer([asks, ["Paris: sunny."]]) as server:
        bot = bots(server, tools=[get_weather, broken])
        asking, weather, failed, final = await bot.quick_call("Weather in Paris?", forum=forum)
        first, second = server.requests
    assert first["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "The weather in a city.",
                "parameters": FunctionTool(get_weather).parameters,
            },
        },
        {"type": "function", "function": {"name": "broken", "description": "Always fails.", "parameters": ANY_DICT}},
    ]
    assert asking.sender == "assistant" and asking.content == "Let me check."
    assert asking.metadata["tool_calls"] == (
        {"id": "call_a", "name": "get_weather", "arguments": {"city": "Paris", "unit": "F"}},
        {"id": "call_b", "name": "broken", "arguments": {"x": 3}},
    )
    assert (weather.sender, weather.content, weather.metadata["tool_call_id"]) == (
        "get_weather",
        "sunny in Paris, 21F",
        "call_a",
    )
    assert failed.metadata["tool_error"] == "builtins.RuntimeError" and failed.content == "RuntimeError: broken on 3"
    assert final.content == "Paris: sunny." and final.parent_id == failed.id
    # the second request: the model's tool calls as an assistant turn, each result as a tool message
    assert second["messages"] == [
        {"role": "user", "content": "Weather in Paris?"},
        {
            "role": "assistant",
            "content": "Let me check.",
            "tool_calls": [
                {
                    "id": "call_a",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Paris", "unit": "F"}'},
                },
                {"id": "call_b", "type": "function", "function": {"name": "broken", "arguments": '{"x": 3}'}},
            ],
        },
        {"role": "tool", "tool_call_id": "call_a", "content": "sunny in Paris, 21F"},
        {"role": "tool", "tool_call_id": "call_b", "content": "RuntimeError: broken on 3"},
    ]
    notes = forum.annotations(asking)
    assert notes["finish_reason"] == "tool_calls" and notes["usage"]["output_tokens"] == 2 + 5 + 3
    assert forum.annotations(final)["finish_reason"] == "stop"


class _AnyDict:
    def __eq__(self, other):
        return isinstance(other, dict)


ANY_DICT = _AnyDict()


async def test_tool_calls_without_text_and_with_whole_arguments(forum, bots):
    # one delta per call with the whole arguments (as some local servers send them), no text
    asks = Reply(tool_calls=[Call("get_weather", '{"city": "Rome"}', id="c1"), Call("get_weather", "", id="c2")])
    async with SSEServer([asks, ["done"]]) as server:
        msgs = await bots(server, tools=[get_weather]).quick_call("go", forum=forum)
        assistant = server.requests[1]["messages"][1]
    assert msgs[0].content == "" and [c["arguments"] for c in msgs[0].metadata["tool_calls"]] == [{"city": "Rome"}, {}]
    assert msgs[2].metadata["tool_error"].startswith("pydantic")  # no city: the validation error goes back
    assert assistant["content"] is None and [c["function"]["arguments"] for c in assistant["tool_calls"]] == [
        '{"city": "Rome"}',
        "{}",
    ]


@pytest.mark.parametrize("pieces", [['{"city": "Pa'], ["[1, 2]"]], ids=["cut-off", "not-an-object"])
async def test_tool_arguments_that_are_not_a_json_object_fail_the_run(forum, bots, pieces):
    async with SSEServer([Reply(["Checking"], tool_calls=[Call("get_weather", pieces)], finish_reason="length")]) as s:
        with pytest.raises(af.AgentError) as ei:
            await bots(s, tools=[get_weather]).quick_call("q", forum=forum)
        assert len(s.requests) == 1  # no tool ran, the model was not asked again
    error = ei.value.message
    assert error.metadata["error_type"] == "agentforum_nb.models.openai.ToolArgumentsError"
    assert "get_weather" in error.content and repr("".join(pieces)) in error.content
    failed = forum.get(error.parent_id)
    assert failed.status == "failed" and failed.content == "Checking" and "tool_calls" not in failed.metadata


async def test_error_event_after_tool_call_deltas_runs_no_tool(forum, bots):
    ran = []

    def record(q: str) -> str:
        """Records."""
        ran.append(q)
        return q

    async with SSEServer([Reply(tool_calls=[Call("record", '{"q": "x"}')], error="overloaded")]) as server:
        with pytest.raises(af.AgentError) as ei:
            await bots(server, tools=[record]).quick_call("q", forum=forum)
    assert ei.value.message.metadata["error_type"] == "openai.APIError" and ran == []


async def test_structured_output_asks_for_the_schema_and_retries(forum, bots):
    async with SSEServer([['{"city": ', '"Paris"}'], ['{"city": "Paris", ', '"high": 21.5}']]) as server:
        bot = bots(server, output_type=Forecast)
        seq = bot.quick_call("Forecast for Paris?", forum=forum)
        bad, feedback, good = await seq
        first, second = server.requests
    assert first["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "Forecast", "schema": Forecast.model_json_schema()},
    }
    assert feedback.sender == "validation" and bad.content == '{"city": "Paris"}'
    assert second["messages"][:2] == [
        {"role": "user", "content": "Forecast for Paris?"},
        {"role": "assistant", "content": '{"city": "Paris"}'},
    ]
    assert second["messages"][2]["role"] == "user"
    assert second["messages"][2]["content"].startswith("validation: Your answer is not a valid Forecast")
    assert await seq.parse(Forecast) == Forecast(city="Paris", high=21.5)
    assert good.content == '{"city": "Paris", "high": 21.5}'


async def test_response_format_of_the_call_wins_and_schema_names_are_cleaned(forum, bots):
    async with SSEServer([["[1, 2]"], ["[3]"]]) as server:
        await bots(server, output_type=list[int]).quick_call("numbers?", forum=forum)
        own = {"type": "json_object"}
        await bots(server, output_type=list[int]).quick_call("more?", forum=forum, response_format=own)
        first, second = server.requests
    assert first["response_format"]["json_schema"] == {
        "name": "list",
        "schema": {"items": {"type": "integer"}, "type": "array"},
    }
    assert second["response_format"] == own
    assert (
        schema_name("list[int]") == "list_int"
        and schema_name("Ünïcode name!") == "n_code_name"
        and schema_name("[]") == "output"
    )


def test_to_chat_messages_maps_tool_calls_and_results():
    root = af.Message("q")
    asking = af.Message(
        "", sender="bot", parent_id=root.id, metadata={"tool_calls": [{"id": "c1", "name": "t", "arguments": {"a": 1}}]}
    )
    history = [
        root,
        asking,
        af.Message(
            "streaming through", sender="bot", kind="forward", original_id="ab" * 32, metadata={"tool_call_id": "c1"}
        ),
        af.Message("r1", sender="t", metadata={"tool_call_id": "c1"}),
        af.Message("", sender="other", metadata={"tool_calls": [{"id": "x", "name": "t", "arguments": {}}]}),
        af.Message("theirs", sender="t", metadata={"tool_call_id": "x"}),  # another agent's call: a user turn
        af.Message("", sender="bot", metadata={"tool_calls": [{"id": "c2", "name": "t", "arguments": {}}]}),
        af.Message("go on"),  # the run was cancelled while c2 ran: it gets a placeholder result
    ]
    call = {"id": "c1", "type": "function", "function": {"name": "t", "arguments": '{"a": 1}'}}
    assert to_chat_messages(history, "bot") == [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "c1", "content": "r1"},
        {"role": "user", "content": "t: theirs"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "c2", "type": "function", "function": {"name": "t", "arguments": "{}"}}],
        },
        {"role": "tool", "tool_call_id": "c2", "content": NO_RESULT},
        {"role": "user", "content": "go on"},
    ]


async def test_tools_cannot_be_set_per_call_and_providers_are_checked(forum, bots):
    async with SSEServer([]) as server:
        with pytest.raises(af.AgentError) as ei:
            await bots(server).quick_call("q", forum=forum, tools=[])
        assert ei.value.message.metadata["error_type"] == "agentforum_nb.errors.UsageError" and not server.requests
    with pytest.raises(af.UsageError, match="unknown provider 'nope'"):
        af.llm("x", model="m", base_url="http://127.0.0.1:9/v1", provider="nope")
