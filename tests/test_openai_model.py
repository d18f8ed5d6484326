"""af.llm against a real HTTP server on 127.0.0.1 speaking the OpenAI streaming protocol (the real SDK)."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

import agentforum_nb as af

from .sse_server import Reply, SSEServer


def make(server, name="assistant", **kw):
    import openai

    client = openai.AsyncOpenAI(base_url=server.base_url, api_key="test-key", max_retries=0)
    return af.llm(name, model="scripted-model", client=client, **kw)


async def test_tokens_stream_and_request_is_mapped(forum):
    async with SSEServer([Reply(["Hel", "lo", " there"])]) as server:
        bot = make(server, system="Be brief.", temperature=0.3)
        root = forum.post("Hi", sender="user")
        critic_msg = forum.post("I disagree.", parent=root, sender="critic")
        seq = bot.quick_call(critic_msg, forum=forum, max_tokens=50)
        tokens = [t async for p in seq async for t in p]
        (msg,) = await seq
        assert tokens == ["Hel", "lo", " there"] and msg.content == "Hello there" and msg.sender == "assistant"
        (req,) = server.requests
        assert req["model"] == "scripted-model" and req["stream"] is True
        assert req["temperature"] == 0.3 and req["max_tokens"] == 50
        assert req["messages"] == [{"role": "system", "content": "Be brief."},
                                   {"role": "user", "content": "Hi"},
                                   {"role": "user", "content": "critic: I disagree."}]


async def test_own_messages_are_assistant_turns_and_errors_are_skipped():
    history = [af.Message("q"), af.Message("a", sender="bot"), af.Message("Boom: x", sender="bot", kind="error")]
    assert af.models.openai.to_chat_messages(history, "bot") == [
        {"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]


async def test_cache_and_version(forum):
    async with SSEServer([Reply(["one"]), Reply(["two"]), Reply(["three"])]) as server:
        bot = make(server, system="A")
        first = await bot.quick_call("q", forum=forum)
        again = await bot.quick_call("q", forum=forum)
        assert again == first and len(server.requests) == 1  # served from the cache
        other = make(server, system="B")
        assert other.version != bot.version
        assert (await other.quick_call("q", forum=forum))[0].content == "two"
        assert (await bot.quick_call("q", forum=forum, model="another-model"))[0].content == "three"
        assert server.requests[-1]["model"] == "another-model"


async def test_error_mid_stream_is_a_failed_message(forum):
    async with SSEServer([Reply(["partial ", "text"], error_after=True)]) as server:
        bot = make(server)
        seq = bot.quick_call("q", forum=forum)
        with pytest.raises(af.AgentError) as ei:
            await seq
        failed = [m for m in forum if m.status == "failed"]
        assert len(failed) == 1 and failed[0].content == "partial text"
        errors = [m for m in forum if m.kind == "error"]
        assert len(errors) == 1 and errors[0].metadata["error_type"].startswith("openai.")
        assert ei.value.__cause__ is not None


async def test_http_500_is_an_agent_error(forum):
    async with SSEServer([Reply(status=500)]) as server:
        bot = make(server)
        with pytest.raises(af.AgentError) as ei:
            await bot.quick_call("q", forum=forum)
        assert ei.value.message.kind == "error"
        assert ei.value.message.metadata["error_type"] == "openai.InternalServerError"


async def test_cancel_mid_stream_closes_the_connection(forum):
    async with SSEServer([Reply(["a ", "b ", "c"], pause_after=2)]) as server:
        bot = make(server)
        seq = bot.quick_call("q", forum=forum)
        await asyncio.wait_for(server.paused.wait(), 10)
        p = seq.promises[0] if seq.promises else await seq.__aiter__().__anext__()
        while p.text != "a b ":  # both chunks were sent before the pause; let the client read them
            await asyncio.sleep(0)
        seq.cancel()
        with pytest.raises(af.CallCancelled) as ei:
            await seq
        assert ei.value.message.status == "cancelled" and ei.value.message.content == "a b "
        await asyncio.wait_for(server.client_closed.wait(), 10)  # the server saw the HTTP stream close


def test_missing_model_and_key(monkeypatch):
    for var in ("AGENTFORUM_MODEL", "OPENAI_MODEL", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(af.UsageError, match="model"):
        af.llm("x")
    with pytest.raises(af.UsageError, match="API key"):
        af.llm("x", model="m")
    assert af.llm("x", model="m", base_url="http://127.0.0.1:1/v1").name == "x"  # local servers need no key


def test_importing_the_package_does_not_import_openai():
    code = "import sys, agentforum_nb; print('openai' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"
