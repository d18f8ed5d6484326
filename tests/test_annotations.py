"""Annotations (API.md section 8): what is known about a message, outside its id; in every store."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import agentforum_nb as af
from agentforum_nb.cache import cache_key

from .conftest import Gate

ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def forum_kind(request, tmp_path):
    """A function that opens the forum under test (memory: a new one each time; SQLite and PostgreSQL: the
    same file or database again, as another process would)."""
    if request.param == "memory":
        return af.Forum
    where = tmp_path / "a.sqlite" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    return lambda: af.Forum(where)


def close(f):
    asyncio.run(f.aclose())


def test_created_at_and_annotate(forum_kind):
    f = forum_kind()
    m = f.post("hello")
    notes = f.annotations(m)
    assert list(notes) == ["created_at"] and ISO.fullmatch(notes["created_at"])
    with pytest.raises(TypeError):
        notes["x"] = 1  # read-only
    got = f.annotate(m, label="greeting", bookmark=True, score=0.5, note="first", tags=["a", "b"])
    assert dict(got) == {
        **dict(notes),
        "label": "greeting",
        "bookmark": True,
        "score": 0.5,
        "note": "first",
        "tags": ("a", "b"),
    }
    assert f.annotations(m.id[:8]) == got  # an id prefix, a Message, a promise or a sequence
    assert dict(f.annotate(m, note=None)) == {k: v for k, v in got.items() if k != "note"}  # None removes
    assert f.get(m.id) == m and m.verify() and f.verify() == 1  # no id changed
    again = f.post("hello")  # stored again: the first created_at stays
    assert again == m and f.annotations(m)["created_at"] == notes["created_at"]
    close(f)


def test_annotate_refuses_bad_values_and_unknown_messages(forum_kind):
    f = forum_kind()
    m = f.post("x")
    with pytest.raises(af.InvalidMessageError, match="annotations") as ei:
        f.annotate(m, score=float("nan"))
    assert "score" in ei.value.key
    with pytest.raises(af.InvalidMessageError):
        f.annotate(m, thing=object())
    with pytest.raises(af.InvalidMessageError, match="surrogate"):
        f.annotate(m, note="\udc80")
    with pytest.raises(af.MessageNotFound):
        f.annotate("0" * 64, label="x")
    with pytest.raises(af.UsageError, match="written by the library"):
        f.annotate(m, created_at="2020-01-01T00:00:00.000Z")
    assert list(f.annotations(m)) == ["created_at"]  # nothing changed
    close(f)


@pytest.mark.parametrize("forum_kind", ["sqlite", "postgres"], indirect=True)
def test_a_reopened_forum_and_another_process_read_the_same_annotations(forum_kind):
    one = forum_kind()
    m = one.post("shared")
    one.annotate(m, label="from one")
    two = forum_kind()
    assert two.annotations(m)["label"] == "from one"
    two.annotate(m, bookmark=True)
    assert dict(one.annotations(m)) == dict(two.annotations(m))
    close(one), close(two)
    three = forum_kind()
    assert three.annotations(m)["bookmark"] is True and three.annotations(m)["label"] == "from one"
    close(three)


def test_jsonl_carries_annotations(forum_kind, tmp_path):
    f = forum_kind()
    a = f.post("a")
    b = f.post("b", parent=a)
    f.annotate(b, label="keep", score=3)
    f.export_jsonl(tmp_path / "out.jsonl")
    lines = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert lines[1]["annotations"]["label"] == "keep" and "created_at" in lines[0]["annotations"]
    g = af.Forum()
    early = "2000-01-01T00:00:00.000Z"
    g.post("a")
    g.annotate(g.get(a.id), label="mine", note="local")
    lines[0]["annotations"]["created_at"] = early  # the earlier time wins
    lines[0]["annotations"]["label"] = "theirs"  # keys from the file replace the forum's
    (tmp_path / "in.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    assert g.import_jsonl(tmp_path / "in.jsonl") == 1
    assert g.annotations(a)["created_at"] == early and g.annotations(a)["label"] == "theirs"
    assert g.annotations(a)["note"] == "local" and g.annotations(b)["score"] == 3
    bad = dict(lines[1], annotations=["not", "an", "object"])
    (tmp_path / "bad.jsonl").write_text(json.dumps(lines[0]) + "\n" + json.dumps(bad) + "\n")
    with pytest.raises(af.IntegrityError, match="line 2"):
        af.Forum().import_jsonl(tmp_path / "bad.jsonl")
    close(f)


async def test_the_runtime_annotates_every_response(forum):
    g = Gate(["a ", "b ", "c"], pause_after=1)

    @af.agent(version="test")
    async def streamer(ctx):
        ctx.respond("at once")
        ctx.respond(g.stream())

    seq = streamer.quick_call("q", forum=forum)
    await g.paused.wait()
    g.release.set()
    first, second = await seq
    a1, a2 = forum.annotations(first), forum.annotations(second)
    assert a1["agent"] == a2["agent"] == "streamer" and ISO.fullmatch(a1["created_at"])
    assert a1["tokens"] == 1 and a1["ttft_s"] == 0.0
    assert a2["tokens"] == 3 and 0.0 <= a2["ttft_s"] <= a2["duration_s"]
    request = forum.get(first.parent_id)
    assert "agent" not in forum.annotations(request)  # a request is not a response
    hits_before = forum.cache_info()["hits"]
    again = await streamer.quick_call("q", forum=forum)  # a cache hit writes nothing
    assert again == (first, second) and forum.cache_info()["hits"] == hits_before + 1
    assert forum.annotations(second) == a2


async def test_errors_are_annotated_with_their_agent(forum):
    @af.agent
    async def broken(ctx):
        raise ValueError("no")

    with pytest.raises(af.AgentError) as ei:
        await broken.quick_call("q", forum=forum)
    assert forum.annotations(ei.value.message)["agent"] == "broken"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.dictionaries(
        st.from_regex(r"[a-z]{1,6}", fullmatch=True).filter(lambda k: k not in af.forum.RESERVED_ANNOTATIONS),
        st.none() | st.booleans() | st.integers(-1000, 1000) | st.text(max_size=10),
        max_size=4,
    )
)
def test_annotating_never_changes_an_id_or_a_cache_key(values):
    f = af.Forum()
    m = f.post("question")
    before = (m.id, m.canonical_bytes(), cache_key("bot", "v1", m.id, None), f.history(m))
    f.annotate(m, **values)
    stored = f.get(m.id)
    assert (stored.id, stored.canonical_bytes(), cache_key("bot", "v1", stored.id, None), f.history(m)) == before


def test_sqlite_file_of_the_previous_release_is_upgraded_keeping_everything(tmp_path):
    """A schema-1 file as the previous release wrote it (its SQL, copied here): opened for writing, it gains the
    annotations column and the search index in place, and keeps its messages and cache."""
    path = tmp_path / "old.sqlite"
    con = sqlite3.connect(path)
    con.executescript("""
        PRAGMA journal_mode=WAL;
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE messages (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,
            content TEXT NOT NULL, sender TEXT NOT NULL, parent_id TEXT, reply_to_id TEXT, original_id TEXT,
            status TEXT NOT NULL, metadata TEXT NOT NULL);
        CREATE INDEX messages_by_parent ON messages (parent_id, seq);
        CREATE TABLE cache (key TEXT PRIMARY KEY, agent TEXT NOT NULL, response_ids TEXT NOT NULL);
        INSERT INTO meta VALUES ('application', 'agentforum_nb'), ('schema_version', '1'),
            ('message_format', 'agentforum-message 1');
    """)
    root = af.Message("old question")
    reply = af.Message("old answer", sender="bot", parent_id=root.id)
    for m in (root, reply):
        con.execute(
            "INSERT INTO messages (id, kind, content, sender, parent_id, reply_to_id, original_id, status, "
            "metadata) VALUES (?,?,?,?,?,?,?,?,?)",
            (m.id, m.kind, m.content, m.sender, m.parent_id, m.reply_to_id, m.original_id, m.status, "{}"),
        )
    con.execute("INSERT INTO cache VALUES (?, 'bot', ?)", ("k" * 64, json.dumps([reply.id])))
    con.commit()
    con.close()
    f = af.Forum(path)
    assert f.history(reply) == [root, reply] and f.verify() == 2 and f.annotations(root) == {}
    f.annotate(reply, label="kept")
    assert f.search("OLD") == [root, reply] and f.cache_entries()[0]["response_ids"] == [reply.id]
    close(f)
    g = af.Forum(path)
    assert g.annotations(reply)["label"] == "kept"
    con = sqlite3.connect(path)
    assert dict(con.execute("SELECT key, value FROM meta"))["schema_version"] == "2"
    con.close()
    close(g)
