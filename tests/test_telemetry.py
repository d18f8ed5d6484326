"""af.instrument: OpenTelemetry spans of agent runs, model requests and tool calls (GenAI semantic conventions),
each leading back to the tree by message ids; checked with the SDK's in-memory exporter and over OTLP/HTTP."""

from __future__ import annotations

import asyncio
import http.server
import subprocess
import sys
import textwrap
import threading

import pytest
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

import agentforum_nb as af

from .sse_server import Reply, SSEServer

WAIT = 5  # seconds: only a bound on waiting for an event, never a delay


class Spans(SpanProcessor):
    """The finished spans of an instrumented test (the SDK's in-memory exporter), by name; :meth:`ended` waits
    for spans to end (a run's span ends once its tasks have finished, just after its caller got the answer)."""

    def __init__(self, *processors: SpanProcessor) -> None:
        self.exporter = InMemorySpanExporter()
        self.provider = TracerProvider()
        self.provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        for p in processors:  # others the spans go to as well
            self.provider.add_span_processor(p)
        self.provider.add_span_processor(self)
        self.changed = asyncio.Event()

    def on_end(self, span) -> None:
        self.changed.set()

    async def ended(self, *names: str) -> None:
        """Wait until a span of each of ``names`` has ended (as many as a name is given)."""

        async def wait() -> None:
            while not all(len(self.named(n)) >= names.count(n) for n in names):
                self.changed.clear()
                await self.changed.wait()

        await asyncio.wait_for(wait(), WAIT)

    def all(self):
        return list(self.exporter.get_finished_spans())

    def named(self, name):
        return [s for s in self.all() if s.name == name]

    def one(self, name):
        found = self.named(name)
        assert len(found) == 1, (name, [s.name for s in self.all()])
        return found[0]

    def parent_of(self, span):
        parents = [s for s in self.all() if s.context.span_id == span.parent.span_id] if span.parent else []
        return parents[0] if parents else None


@pytest.fixture
def spans():
    s = Spans()
    af.instrument(s.provider)
    yield s
    af.uninstrument()
    s.provider.shutdown()


# -- turning it on ------------------------------------------------------------------------------------------------
def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60)


@pytest.mark.slow
def test_importing_and_running_never_loads_opentelemetry():
    out = run_python(
        """
        import sys
        import agentforum_nb as af

        @af.agent
        async def echo(ctx):
            ctx.respond("ok")

        assert af.run_sync(echo.quick_call("hi"))[0].content == "ok"
        loaded = sorted(m for m in sys.modules if m.split(".")[0] == "opentelemetry")
        print(loaded)
        """
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@pytest.mark.slow
@pytest.mark.parametrize("hidden", ["opentelemetry", "opentelemetry.sdk"])
def test_without_the_sdk_instrument_says_what_to_install(hidden):
    out = run_python(
        f"""
        import sys
        sys.modules[{hidden!r}] = None  # as if it were not installed: importing it raises ImportError
        import agentforum_nb as af
        try:
            af.instrument()
        except af.UsageError as exc:
            print(exc)
        else:
            print("no error")
        """
    )
    assert out.returncode == 0, out.stderr
    assert "pip install 'agentforum_nb[otel]'" in out.stdout


def test_instrument_needs_a_tracer_provider():
    with pytest.raises(af.UsageError, match="TracerProvider"):
        af.instrument("http://localhost:4318")


@pytest.mark.slow
def test_none_means_the_global_provider():
    out = run_python(
        """
        from opentelemetry import trace
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
        import agentforum_nb as af

        exporter = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        af.instrument()  # before the global provider is set: the spans go to it once it is
        trace.set_tracer_provider(provider)

        @af.agent
        async def echo(ctx):
            ctx.respond("ok")

        af.run_sync(echo.quick_call("hi"))
        print([s.name for s in exporter.get_finished_spans()])
        """
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['invoke_agent echo']"


async def test_uninstrument_stops_new_spans_and_running_ones_still_end(forum, spans, gate):
    g = gate(["a", "b"], pause_after=1)

    @af.agent(version="test")
    async def slow(ctx):
        ctx.respond(g.stream())

    seq = slow.quick_call("go", forum=forum)
    await g.paused.wait()
    af.uninstrument()

    @af.agent
    async def later(ctx):
        ctx.respond("after")

    await later.quick_call("q", forum=forum)
    g.release.set()
    await seq
    await spans.ended("invoke_agent slow")
    assert [s.name for s in spans.all()] == ["invoke_agent slow"]
    assert spans.one("invoke_agent slow").attributes["agentforum.outcome"] == "done"


# -- agent runs ---------------------------------------------------------------------------------------------------
async def test_nested_agents_give_nested_spans_that_lead_back_to_the_tree(forum, spans):
    @af.agent
    async def inner(ctx):
        ctx.respond("inner says hi")
        ctx.respond("and bye")

    @af.agent
    async def middle(ctx):
        ctx.respond(inner.quick_call(ctx.requests))

    @af.agent
    async def outer(ctx):
        ctx.respond("outer first")
        ctx.respond(middle.quick_call("to middle"))

    result = await outer.quick_call("hello", forum=forum)
    await spans.ended("invoke_agent outer")

    o, m, i = spans.one("invoke_agent outer"), spans.one("invoke_agent middle"), spans.one("invoke_agent inner")
    assert o.parent is None
    assert spans.parent_of(m) is o and spans.parent_of(i) is m
    assert o.context.trace_id == m.context.trace_id == i.context.trace_id
    for s, name in ((o, "outer"), (m, "middle"), (i, "inner")):
        assert s.kind is SpanKind.INTERNAL
        assert s.status.status_code is StatusCode.UNSET
        a = s.attributes
        assert a["gen_ai.operation.name"] == "invoke_agent" and a["gen_ai.agent.name"] == name
        assert a["gen_ai.provider.name"] == "agentforum_nb"
        assert a["agentforum.outcome"] == "done"
    assert o.attributes["gen_ai.agent.version"] == outer.version
    # a parent's span covers its children's
    assert o.start_time <= m.start_time <= i.start_time <= i.end_time <= m.end_time <= o.end_time

    # the ids are the tree's: what each run answered and what it stored
    (request,) = forum.roots()
    assert request.content == "hello"
    assert o.attributes["agentforum.request_id"] == request.id
    assert list(o.attributes["agentforum.message_ids"]) == [msg.id for msg in result]
    assert [msg.content for msg in result] == ["outer first", "inner says hi", "and bye"]
    assert result[0].parent_id == request.id and all(msg.sender == "outer" for msg in result)
    to_middle = forum.get(m.attributes["agentforum.request_id"])
    assert to_middle.content == "to middle" and to_middle.sender == "outer"
    assert i.attributes["agentforum.request_id"] == to_middle.id
    inner_msgs = [forum.get(x) for x in i.attributes["agentforum.message_ids"]]
    assert [x.content for x in inner_msgs] == ["inner says hi", "and bye"]
    assert all(x.sender == "inner" and x.kind == "message" for x in inner_msgs)
    middle_msgs = [forum.get(x) for x in m.attributes["agentforum.message_ids"]]
    assert [x.original_id for x in middle_msgs] == [x.id for x in inner_msgs]  # its forwards of inner's


async def test_concurrent_calls_are_separate_traces(forum, spans):
    @af.agent
    async def leaf(ctx):
        ctx.respond("leaf")

    @af.agent
    async def root(ctx, n: int):
        ctx.respond(leaf.quick_call(f"from {n}"))

    await asyncio.gather(*(root.quick_call(f"q{n}", forum=forum, n=n) for n in range(3)))
    await spans.ended(*["invoke_agent root"] * 3)
    roots, leaves = spans.named("invoke_agent root"), spans.named("invoke_agent leaf")
    assert len(roots) == len(leaves) == 3
    assert len({s.context.trace_id for s in roots}) == 3
    for leaf_span in leaves:
        parent = spans.parent_of(leaf_span)
        assert parent in roots and parent.context.trace_id == leaf_span.context.trace_id
        request = forum.get(leaf_span.attributes["agentforum.request_id"])  # "from <n>", under "q<n>"
        asked = forum.get(parent.attributes["agentforum.request_id"])
        assert request.parent_id == asked.id and asked.content == "q" + request.content.removeprefix("from ")


async def test_a_failed_run_is_an_error_span_with_the_trees_error_type(forum, spans):
    @af.agent
    async def broken(ctx):
        ctx.respond("partial work")
        raise ValueError("no good")

    with pytest.raises(af.AgentError) as ei:
        await broken.quick_call("q", forum=forum)
    await spans.ended("invoke_agent broken")
    error_message = ei.value.message
    s = spans.one("invoke_agent broken")
    assert s.status.status_code is StatusCode.ERROR and "ValueError: no good" in s.status.description
    assert s.attributes["error.type"] == error_message.metadata["error_type"] == "builtins.ValueError"
    assert s.attributes["agentforum.outcome"] == "failed"
    ids = list(s.attributes["agentforum.message_ids"])
    assert ids[-1] == error_message.id and forum.get(ids[-1]).kind == "error"
    assert forum.get(ids[0]).content == "partial work"
    assert [e.name for e in s.events] == ["exception"]
    assert s.events[0].attributes["exception.type"] == "ValueError"


async def test_a_cancelled_run_is_visible_and_not_an_error(forum, spans, gate):
    g = gate(["one ", "two ", "three"], pause_after=2)

    @af.agent(version="test")
    async def streamer(ctx):
        ctx.respond(g.stream())

    @af.agent
    async def boss(ctx):
        ctx.respond(streamer.quick_call(ctx.requests))

    call = boss.call(forum=forum)
    call.send("go")
    seq = call.finish()
    await g.paused.wait()
    call.cancel()
    with pytest.raises(af.CallCancelled):
        await seq
    await spans.ended("invoke_agent boss")
    for name in ("invoke_agent boss", "invoke_agent streamer"):
        s = spans.one(name)
        assert s.attributes["agentforum.outcome"] == "cancelled"
        assert s.status.status_code is StatusCode.UNSET and "error.type" not in s.attributes
    (partial_id,) = spans.one("invoke_agent streamer").attributes["agentforum.message_ids"]
    partial = forum.get(partial_id)
    assert partial.status == "cancelled" and partial.content == "one two "


async def test_a_cache_hit_is_a_span_with_the_cached_ids(forum, spans):
    @af.agent
    async def answer(ctx):
        ctx.respond("forty-two")

    (first,) = await answer.quick_call("question", forum=forum)
    (again,) = await answer.quick_call("question", forum=forum)
    await spans.ended("invoke_agent answer", "invoke_agent answer")
    assert again.id == first.id
    run, hit = sorted(spans.named("invoke_agent answer"), key=lambda s: s.start_time)
    assert "agentforum.cache_hit" not in run.attributes
    assert hit.attributes["agentforum.cache_hit"] is True
    assert list(hit.attributes["agentforum.message_ids"]) == [first.id]
    assert hit.attributes["agentforum.request_id"] == run.attributes["agentforum.request_id"] == first.parent_id


async def test_samples_are_told_apart(forum, spans):
    @af.agent
    async def poet(ctx):
        ctx.respond(f"take {ctx.sample}")

    await asyncio.gather(poet.quick_call("a poem", forum=forum), poet.quick_call("a poem", forum=forum, sample=2))
    await spans.ended("invoke_agent poet", "invoke_agent poet")
    by_sample = {s.attributes.get("agentforum.sample", 0): s for s in spans.named("invoke_agent poet")}
    assert set(by_sample) == {0, 2}
    assert forum.get(by_sample[2].attributes["agentforum.message_ids"][0]).content == "take 2"


async def test_a_sampler_that_drops_everything_costs_the_runs_nothing(forum):
    from opentelemetry.sdk.trace.sampling import ALWAYS_OFF

    exporter = InMemorySpanExporter()
    provider = TracerProvider(sampler=ALWAYS_OFF)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    af.instrument(provider)
    try:
        bot = af.scripted_agent("bot", [af.ToolCall("nope", {}, "n1"), "fine"])

        @af.agent
        async def front(ctx):
            ctx.respond(bot.quick_call(ctx.requests))

        out = await front.quick_call("go", forum=forum)
    finally:
        af.uninstrument()
        provider.shutdown()
    assert [m.content for m in out][-1] == "fine" and exporter.get_finished_spans() == ()


# -- model requests -----------------------------------------------------------------------------------------------
async def test_a_model_request_is_a_chat_span_with_usage(forum, spans):
    bot = af.scripted_agent("bot", ["Hello there, friend."])
    (m,) = await bot.quick_call("hi", forum=forum, temperature=0.5)
    await spans.ended("invoke_agent bot")
    run, chat = spans.one("invoke_agent bot"), spans.one("chat scripted")
    assert spans.parent_of(chat) is run
    a = chat.attributes
    notes = forum.annotations(m)
    assert a["gen_ai.operation.name"] == "chat" and chat.kind is SpanKind.INTERNAL  # an in-process model
    assert a["gen_ai.request.model"] == a["gen_ai.response.model"] == notes["model"] == "scripted"
    assert a["gen_ai.usage.input_tokens"] == notes["usage"]["input_tokens"]
    assert a["gen_ai.usage.output_tokens"] == notes["usage"]["output_tokens"] == 3
    assert list(a["gen_ai.response.finish_reasons"]) == [notes["finish_reason"]] == ["stop"]
    assert a["gen_ai.request.temperature"] == 0.5 and a["gen_ai.agent.name"] == "bot"
    assert a["agentforum.message_id"] == m.id and a["agentforum.request_id"] == m.parent_id
    assert list(run.attributes["agentforum.message_ids"]) == [m.id]


async def test_llm_over_http_gives_a_client_chat_span_with_the_servers_usage(forum, spans):
    async with SSEServer([Reply(["Hel", "lo ", "you"], model="gpt-4o-mini-2024-07-18")]) as server:
        port = int(server.base_url.split(":")[2].split("/")[0])
        bot = af.llm("assistant", model="gpt-4o-mini", base_url=server.base_url, api_key="k", max_retries=0)
        try:
            (m,) = await bot.quick_call("Hi there", forum=forum, max_tokens=50)
        finally:
            await bot.aclose()
    await spans.ended("invoke_agent assistant")
    run, chat = spans.one("invoke_agent assistant"), spans.one("chat gpt-4o-mini")
    assert spans.parent_of(chat) is run
    assert (
        run.attributes["gen_ai.provider.name"] == "openai" and run.attributes["gen_ai.request.model"] == "gpt-4o-mini"
    )
    a = chat.attributes
    notes = forum.annotations(m)
    assert chat.kind is SpanKind.CLIENT
    assert a["gen_ai.provider.name"] == "openai" and a["gen_ai.request.model"] == "gpt-4o-mini"
    assert a["gen_ai.response.model"] == notes["model"] == "gpt-4o-mini-2024-07-18"
    assert a["server.address"] == "127.0.0.1" and a["server.port"] == port
    assert a["gen_ai.request.max_tokens"] == 50 and a["gen_ai.request.stream"] is True
    usage = notes["usage"]
    assert (a["gen_ai.usage.input_tokens"], a["gen_ai.usage.output_tokens"]) == (
        usage["input_tokens"],
        usage["output_tokens"],
    )
    assert usage["output_tokens"] == 3  # the server's count, one per token it sent
    assert list(a["gen_ai.response.finish_reasons"]) == ["stop"]
    assert a["agentforum.cost_usd"] == notes["cost_usd"] > 0
    assert a["agentforum.message_id"] == m.id and forum.get(m.parent_id).content == "Hi there"


async def test_a_failed_model_request_is_an_error_chat_span(forum, spans):
    async with SSEServer([Reply(status=500)]) as server:
        bot = af.llm("assistant", model="m", base_url=server.base_url, api_key="k", max_retries=0)
        try:
            with pytest.raises(af.AgentError) as ei:
                await bot.quick_call("Hi", forum=forum)
        finally:
            await bot.aclose()
    await spans.ended("invoke_agent assistant")
    error_type = ei.value.message.metadata["error_type"]
    assert error_type == "openai.InternalServerError"
    for s in (spans.one("chat m"), spans.one("invoke_agent assistant")):
        assert s.status.status_code is StatusCode.ERROR and s.attributes["error.type"] == error_type
        assert s.attributes["agentforum.outcome"] == "failed"


async def test_a_stream_failing_midway_points_at_the_failed_message(forum, spans):
    def fn(messages):
        yield "so far "
        yield "so good"
        raise ConnectionResetError("the model went away")

    bot = af.function_agent("fragile", fn)
    with pytest.raises(af.AgentError) as ei:
        await bot.quick_call("q", forum=forum)
    await spans.ended("invoke_agent fragile")
    (chat,) = [s for s in spans.all() if s.name.startswith("chat function:")]  # the function's qualified name
    run = spans.one("invoke_agent fragile")
    assert spans.parent_of(chat) is run
    assert chat.status.status_code is StatusCode.ERROR and run.status.status_code is StatusCode.ERROR
    error_type = ei.value.message.metadata["error_type"]
    assert (
        chat.attributes["error.type"] == run.attributes["error.type"] == error_type == "builtins.ConnectionResetError"
    )
    assert chat.attributes["agentforum.outcome"] == "failed"
    assert chat.end_time <= run.end_time  # it ended when the stream failed, before the run stored its error
    partial_id, error_id = run.attributes["agentforum.message_ids"]
    partial = forum.get(partial_id)
    assert partial.status == "failed" and partial.content == "so far so good"
    assert error_id == ei.value.message.id


# -- tool calls ---------------------------------------------------------------------------------------------------
async def test_tool_calls_are_execute_tool_spans_that_point_at_their_results(forum, spans):
    @af.tool
    def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    @af.tool
    def divide(a: int, b: int) -> float:
        """Divide."""
        return a / b

    calc = af.scripted_agent(
        "calc",
        [[af.ToolCall("add", {"a": 2, "b": 3}, "c1"), af.ToolCall("divide", {"a": 1, "b": 0}, "c2")], "5, and no."],
        tools=[add, divide],
    )
    out = await calc.quick_call("2+3 and 1/0?", forum=forum)
    await spans.ended("invoke_agent calc")
    run = spans.one("invoke_agent calc")
    first_chat, second_chat = sorted(spans.named("chat scripted"), key=lambda s: s.start_time)
    ok, bad = spans.one("execute_tool add"), spans.one("execute_tool divide")
    for s in (first_chat, second_chat, ok, bad):
        assert spans.parent_of(s) is run
    asking = forum.get(first_chat.attributes["agentforum.message_id"])
    assert [c["id"] for c in asking.metadata["tool_calls"]] == ["c1", "c2"]
    assert list(first_chat.attributes["gen_ai.response.finish_reasons"]) == ["tool_calls"]
    for s, call_id, name in ((ok, "c1", "add"), (bad, "c2", "divide")):
        a = s.attributes
        assert s.kind is SpanKind.INTERNAL and a["gen_ai.operation.name"] == "execute_tool"
        assert a["gen_ai.tool.name"] == name and a["gen_ai.tool.call.id"] == call_id
        assert a["agentforum.request_id"] == asking.id
        result = forum.get(a["agentforum.message_id"])
        assert result.sender == name and result.metadata["tool_call_id"] == call_id
        # the span ends when the tool returned, before the model is asked again
        assert first_chat.end_time <= s.start_time <= s.end_time <= second_chat.start_time
    assert ok.attributes["gen_ai.tool.description"] == "Add two numbers."
    assert forum.get(ok.attributes["agentforum.message_id"]).content == "5"
    assert ok.status.status_code is StatusCode.UNSET and ok.attributes["agentforum.outcome"] == "done"
    bad_result = forum.get(bad.attributes["agentforum.message_id"])
    assert bad.status.status_code is StatusCode.ERROR and bad.attributes["agentforum.outcome"] == "failed"
    assert bad.attributes["error.type"] == bad_result.metadata["tool_error"] == "builtins.ZeroDivisionError"
    assert second_chat.attributes["agentforum.request_id"] == bad_result.id
    assert run.status.status_code is StatusCode.UNSET  # the model got the error as a result and answered
    assert list(run.attributes["agentforum.message_ids"]) == [m.id for m in out]


async def test_an_agent_called_by_a_tool_nests_in_the_tool_span(forum, spans):
    @af.agent
    async def researcher(ctx):
        """Looks things up."""
        ctx.respond("the answer is 42")

    lead = af.scripted_agent(
        "lead", [af.ToolCall("researcher", {"request": "look it up"}, "r1"), "It is 42."], tools=[researcher]
    )
    await lead.quick_call("what is it?", forum=forum)
    await spans.ended("invoke_agent lead")
    tool = spans.one("execute_tool researcher")
    sub = spans.one("invoke_agent researcher")
    assert spans.parent_of(sub) is tool and spans.parent_of(tool) is spans.one("invoke_agent lead")
    assert forum.get(sub.attributes["agentforum.request_id"]).content == "look it up"
    result = forum.get(tool.attributes["agentforum.message_id"])
    assert result.content == "the answer is 42" and result.metadata["tool_call_id"] == "r1"


async def test_a_call_of_an_unknown_tool_is_a_failed_span(forum, spans):
    bot = af.scripted_agent("bot", [af.ToolCall("nope", {}, "n1"), "sorry"])
    await bot.quick_call("go", forum=forum)
    await spans.ended("invoke_agent bot")
    tool = spans.one("execute_tool nope")
    result = forum.get(tool.attributes["agentforum.message_id"])
    assert tool.status.status_code is StatusCode.ERROR
    assert tool.attributes["error.type"] == result.metadata["tool_error"] == "builtins.KeyError"
    assert "gen_ai.tool.description" not in tool.attributes


async def test_a_cancelled_tool_is_visible(forum, spans):
    started = asyncio.Event()

    async def wait_forever() -> str:
        """Never returns."""
        started.set()
        await asyncio.Event().wait()
        return "never"

    model = af.ScriptedModel([af.ToolCall("wait_forever", {}, "w1"), "done"])
    agent = model.agent("waiter", tools=[wait_forever], version="test")
    seq = agent.quick_call("go", forum=forum)
    await started.wait()
    seq.cancel()
    with pytest.raises(af.CallCancelled):
        await seq
    await spans.ended("invoke_agent waiter")
    tool = spans.one("execute_tool wait_forever")
    assert tool.attributes["agentforum.outcome"] == "cancelled" and tool.status.status_code is StatusCode.UNSET
    assert "agentforum.message_id" not in tool.attributes
    assert spans.one("invoke_agent waiter").attributes["agentforum.outcome"] == "cancelled"


# -- over OTLP/HTTP -----------------------------------------------------------------------------------------------
class _Receiver(http.server.ThreadingHTTPServer):
    """An OTLP/HTTP trace receiver on 127.0.0.1: decodes each ExportTraceServiceRequest and keeps its spans."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _ReceiverHandler)
        self.spans: list = []
        self.paths: list[str] = []
        self.lock = threading.Lock()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1/traces"


class _ReceiverHandler(http.server.BaseHTTPRequestHandler):
    server: _Receiver

    def do_POST(self) -> None:
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
            ExportTraceServiceRequest,
            ExportTraceServiceResponse,
        )

        body = self.rfile.read(int(self.headers["Content-Length"]))
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        with self.server.lock:
            self.server.paths.append(self.path)
            for resource_spans in request.resource_spans:
                for scope_spans in resource_spans.scope_spans:
                    self.server.spans.extend(scope_spans.spans)
        reply = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format, *args) -> None:  # quiet
        pass


def _attributes(span) -> dict:
    out = {}
    for kv in span.attributes:
        v = kv.value
        kind = v.WhichOneof("value")
        out[kv.key] = [x.string_value for x in v.array_value.values] if kind == "array_value" else getattr(v, kind)
    return out


@pytest.fixture
def receiver():
    server = _Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


async def test_spans_arrive_over_otlp_http_with_their_attributes(forum, receiver):
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    spans = Spans(BatchSpanProcessor(OTLPSpanExporter(endpoint=receiver.endpoint)))
    provider = spans.provider
    af.instrument(provider)

    @af.tool
    def shout(text: str) -> str:
        """Upper-case."""
        return text.upper()

    bot = af.scripted_agent("bot", [af.ToolCall("shout", {"text": "hey"}, "s1"), "HEY, said the tool."], tools=[shout])

    @af.agent
    async def front(ctx):
        ctx.respond(bot.quick_call(ctx.requests))

    try:
        out = await front.quick_call("say hey", forum=forum)
        await spans.ended("invoke_agent front")
        assert provider.force_flush(10_000)  # the batch is sent now: no waiting for the processor's timer
    finally:
        af.uninstrument()
        provider.shutdown()

    assert set(receiver.paths) == {"/v1/traces"}
    names = sorted(s.name for s in receiver.spans)
    assert names == ["chat scripted", "chat scripted", "execute_tool shout", "invoke_agent bot", "invoke_agent front"]
    by_name = {s.name: s for s in receiver.spans}
    front_span, bot_span = by_name["invoke_agent front"], by_name["invoke_agent bot"]
    assert bot_span.parent_span_id == front_span.span_id
    assert all(s.parent_span_id == bot_span.span_id for s in receiver.spans if s.name.split()[0] != "invoke_agent")
    assert len({s.trace_id for s in receiver.spans}) == 1
    assert bot_span.kind == bot_span.SPAN_KIND_INTERNAL
    a = _attributes(front_span)
    assert a["gen_ai.operation.name"] == "invoke_agent" and a["gen_ai.agent.name"] == "front"
    assert a["agentforum.message_ids"] == [m.id for m in out]
    assert forum.get(a["agentforum.request_id"]).content == "say hey"
    tool = _attributes(by_name["execute_tool shout"])
    assert tool["gen_ai.tool.name"] == "shout" and tool["gen_ai.tool.call.id"] == "s1"
    assert forum.get(tool["agentforum.message_id"]).content == "HEY"
    chats = [_attributes(s) for s in receiver.spans if s.name == "chat scripted"]
    assert sorted(c["gen_ai.response.finish_reasons"][0] for c in chats) == ["stop", "tool_calls"]
    assert all(c["gen_ai.usage.output_tokens"] >= 0 and c["gen_ai.request.model"] == "scripted" for c in chats)
    final = next(c for c in chats if c["gen_ai.response.finish_reasons"] == ["stop"])
    assert forum.get(final["agentforum.message_id"]).content == "HEY, said the tool."
