"""Fuzzed input over all of Unicode (lone surrogates included), floats near 2**53 and deep nesting: for message
text, metadata, agent kwargs, agent names and exception texts. Bad input is a clear error of ours naming the
problem (InvalidMessageError / UsageError), never a foreign exception or a hang; good input round-trips through
SQLite and JSONL unchanged; a run always settles."""

from __future__ import annotations

import asyncio
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import agentforum_nb as af

from .test_store import close, new_forum

ANY_CHAR = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, blacklist_categories=())  # surrogates too
TEXT = st.text(ANY_CHAR, max_size=40)
NEAR_2_53 = st.sampled_from(
    [2.0**53, 2.0**53 + 2, -(2.0**53), 2.0**53 - 1, 1e20, 1e21, 1.5e300, 5e-324, 9007199254740993.0, 0.1, -0.0]
)
FLOATS = st.floats(allow_nan=False, allow_infinity=False) | NEAR_2_53
SCALARS = st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | FLOATS | TEXT
JSON = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3), max_leaves=12
)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def encodable(s: str) -> bool:
    try:
        s.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def all_text(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in [k, *all_text(v)]]
    if isinstance(value, list):
        return [t for v in value for t in all_text(v)]
    return []


def nested(depth: int) -> object:
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


@FUZZ
@given(TEXT, TEXT, st.dictionaries(TEXT, JSON, max_size=4))
def test_messages_are_valid_or_refused_and_round_trip(tmp_path_factory, content, sender, metadata):
    valid = all(encodable(t) for t in [content, sender, *all_text(metadata)]) and sender != ""
    try:
        m = af.Message(content, sender=sender, metadata=metadata)
    except af.InvalidMessageError as exc:
        assert not valid, exc
        assert exc.key
        return
    assert valid
    m.verify()
    path = tmp_path_factory.mktemp("rt")
    forum = af.Forum(path / "f.sqlite")
    forum.add(m)
    forum.export_jsonl(path / "f.jsonl")
    asyncio.run(forum.aclose())
    again = af.Forum(path / "f.sqlite")
    back = again.get(m.id)
    assert back.fields() == m.fields() and back.verify()
    fresh = af.Forum()
    assert fresh.import_jsonl(path / "f.jsonl") == 1 and fresh.get(m.id).fields() == m.fields()
    asyncio.run(again.aclose())


@FUZZ
@given(st.integers(0, 260))
def test_deep_nesting_is_refused_past_the_limit(depth):
    try:
        m = af.Message("x", metadata={"v": nested(depth)})
    except af.InvalidMessageError as exc:
        assert depth > 190 and "deeper" in str(exc)
    else:
        assert depth <= 201 and m.verify()


@FUZZ
@given(st.dictionaries(st.from_regex(r"[a-z]{1,8}", fullmatch=True), JSON, max_size=3))
def test_kwargs_reach_the_agent_or_are_refused(kwargs):
    valid = all(encodable(t) for t in all_text(kwargs))
    received = []

    @af.agent
    async def probe(ctx, **kw):
        received.append(kw)
        ctx.respond("ok")

    async def scenario():
        forum = af.Forum()
        try:
            try:
                seq = probe.quick_call("q", forum=forum, **kwargs)
            except af.UsageError as exc:
                assert not valid and "kwargs" in str(exc)
                return
            assert valid
            (m,) = await asyncio.wait_for(seq, 10)
            assert m.content == "ok" and received == [equal_json(kwargs)]
        finally:
            await forum.aclose()

    asyncio.run(scenario())


def equal_json(value: object) -> object:
    """What an agent receives: the JSON value (integral floats become ints, as in the canonical form)."""
    if isinstance(value, float) and value.is_integer() and abs(value) <= 2**53 - 1:
        return int(value)
    if isinstance(value, dict):
        return {k: equal_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [equal_json(v) for v in value]
    return value


@FUZZ
@given(TEXT, TEXT)
def test_agent_names_and_exception_texts_never_hang_a_call(name, text):
    async def raises(ctx):
        raise ValueError(text)

    try:
        agent = af.Agent(raises, name=name, cache=False)
    except af.UsageError:
        assert name in ("", "user") or not encodable(name)
        return

    async def scenario():
        forum = af.Forum()
        try:
            await asyncio.wait_for(agent.quick_call("q", forum=forum), 10)
        except af.AgentError as exc:
            error = exc.message
            assert error.kind == "error" and error.sender == name
            assert error.metadata["error_type"] == "builtins.ValueError"
            assert error.content.startswith("ValueError")
            forum.verify()
        else:
            raise AssertionError("the agent raised: the call must fail")
        finally:
            await forum.aclose()

    asyncio.run(scenario())


def test_floats_near_2_53_keep_their_value_and_type(tmp_path):
    values = [2.0**53, 2.0**53 + 2, 1e20, 1e21, -1e20, 9007199254740993.0, 123456789012345680000.0]
    m = af.Message("x", metadata={"v": values})
    forum = af.Forum(tmp_path / "f.sqlite")
    forum.add(m)
    asyncio.run(forum.aclose())
    back = af.Forum(tmp_path / "f.sqlite").get(m.id)
    got = back.fields()["metadata"]["v"]
    assert all(
        type(a) is type(b) and (a == b or math.isclose(a, b))
        for a, b in zip(got, m.fields()["metadata"]["v"], strict=True)
    )
    assert back.verify()


# -- arguments no message can match: named errors, for every store, and nothing stored changes -------------------

LONE = "\ud800"  # a lone surrogate: not UTF-8 text


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def any_forum(request, tmp_path):
    forum = new_forum(request.param, request, tmp_path)
    yield forum
    close(forum)


def test_ids_that_cannot_be_stored_are_not_found(any_forum):
    f = any_forum
    m = f.post("hello")
    for bad in (LONE, "a\x00b", "\udcff" * 64):
        with pytest.raises(af.MessageNotFound):
            f.get(bad)
        with pytest.raises(af.MessageNotFound):
            f.annotations(bad)
        assert bad not in f and f.store.get(bad) is None and f.store.children(bad) == []
        assert f.store.history(bad) is None and f.store.annotations_many([bad, m.id]) == {m.id: f.annotations(m)}
        assert f.store.cache_get(bad) is None
        with pytest.raises(af.UsageError, match="cache key"):
            f.store.cache_put(bad, [m.id])
    assert len(f) == 1 and f.verify() == 1 and f.get(m.id) == m


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"text": LONE}, "lone surrogate"),
        ({"text": "h", "sender": ["x"]}, "sender must be a str"),
        ({"text": "h", "kind": LONE}, "kind"),
        ({"text": "h", "status": 1}, "status must be a str"),
        ({"text": b"h"}, "text must be a str"),
        ({"text": "h", "annotations": "label"}, "annotations must be a mapping"),
    ],
)
def test_search_arguments_are_checked(any_forum, kwargs, named):
    m = any_forum.post("hello")
    with pytest.raises(af.UsageError, match=named):
        any_forum.search(**kwargs)
    if "annotations" not in kwargs:
        with pytest.raises(af.UsageError, match=named):
            any_forum.store.search(**kwargs)  # the store checks too (eagerly, not at the first result)
    assert any_forum.search("hello") == [m]


@pytest.mark.parametrize("name", ["", "   ", "x" * 5000, LONE + ".sqlite", "a\x00b.sqlite", 42])
def test_sqlite_paths_that_cannot_be_files_are_named(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(af.UsageError, match=r"path|SQLite forum"):
        af.Forum(name) if isinstance(name, str) else af.store.SQLiteStore(name)
    with pytest.raises(af.UsageError):
        af.Forum(tmp_path / ("y" * 300) / "f.sqlite")  # a name longer than a file name can be
    assert list(tmp_path.iterdir()) == []  # nothing was created
