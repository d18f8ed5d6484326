"""Finding and comparing (API.md section 9): forum.search and forum.common_ancestor, the same in every store."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import agentforum_nb as af

TEXTS = [
    "Hello World",
    "hello there",
    "Straße",
    "STRASSE",
    "ǅemal",
    "İstanbul",
    "naïve café",
    "日本語のテキスト",
    "emoji 😀 here",
    "a",
    "ab",
    "",
    "x" * 50,
    "quote \" and 'single'",
    "50% off_under",
    "back\\slash",
]


@pytest.fixture(params=["sqlite", "postgres"])
def store_kind(request, tmp_path_factory):
    """Opens a new forum of the store compared with memory: a SQLite file, or a PostgreSQL forum in a schema of
    its own (one database per test; skipped without a server)."""
    if request.param == "sqlite":
        return lambda: af.Forum(tmp_path_factory.mktemp("s") / "s.sqlite")
    url = request.getfixturevalue("pg_url")
    return lambda: af.Forum(f"{url}?schema=s_{uuid.uuid4().hex[:12]}")


def both(make, texts, senders=("user", "bot")):
    """A memory forum and one of the store under test, holding the same messages."""
    forums = [af.Forum(), make()]
    for f in forums:
        parent = None
        for i, t in enumerate(texts):
            parent = f.post(t, parent=parent if i % 3 else None, sender=senders[i % len(senders)])
    return forums


def close(*forums):
    for f in forums:
        asyncio.run(f.aclose())


def expected(forum, needle, **fields):
    return [
        m
        for m in forum
        if needle.casefold() in m.content.casefold() and all(getattr(m, k) == v for k, v in fields.items())
    ]


@pytest.mark.parametrize(
    "needle",
    [
        "",
        "hello",
        "HELLO",
        "o",
        "lo w",
        "straße",
        "ss",
        "İ",
        "i̇",
        "é",
        "本語",
        "😀",
        '"',
        "%",
        "_",
        "\\",
        "nothing like it",
        "a",
        "ab",
        "x" * 50,
        "x" * 51,
    ],
)
def test_search_is_case_folded_substring_matching_in_every_store(store_kind, needle):
    mem, other = both(store_kind, TEXTS)
    want = expected(mem, needle)
    assert mem.search(needle) == want
    assert other.search(needle) == want  # the same, in first-stored order
    close(mem, other)


def test_search_filters_and_limit(store_kind):
    mem, other = both(store_kind, TEXTS * 2)
    for f in (mem, other):
        bot_hellos = f.search("hello", sender="bot")
        assert bot_hellos == expected(f, "hello", sender="bot") and bot_hellos
        assert f.search("", kind="message", status="complete", limit=3) == list(f)[:3]
        assert f.search("hello", limit=0) == []
        marked = f.search("")[5]
        f.annotate(marked, bookmark=True, label="five")
        f.annotate(f.search("")[6], bookmark=1)  # 1 is not True
        assert f.search(annotations={"bookmark": True}) == [marked]
        assert f.search("", annotations={"bookmark": True, "label": "five"}) == [marked]
        assert f.search("", annotations={"label": "other"}) == []
        with pytest.raises(af.UsageError):
            f.search(3)  # type: ignore[arg-type]
    close(mem, other)


def test_another_process_sees_new_messages_in_search(tmp_path):
    path = tmp_path / "shared.sqlite"
    one, two = af.Forum(path), af.Forum(path)
    one.post("first entry")
    assert [m.content for m in two.search("entry")] == ["first entry"]  # indexes what is there
    one.post("second entry")  # stored after the index was built: indexed by the next search
    assert [m.content for m in two.search("entry")] == ["first entry", "second entry"]
    assert [m.content for m in one.search("second")] == ["second entry"]
    close(one, two)
    ro = af.Forum(path, readonly=True)
    assert [m.content for m in ro.search("ENTRY")] == ["first entry", "second entry"]  # read-only: a scan
    close(ro)


def test_another_process_sees_new_messages_in_search_postgres(pg_url):
    one, two = af.Forum(pg_url), af.Forum(pg_url)
    one.post("first entry")
    assert [m.content for m in two.search("entry")] == ["first entry"]
    one.post("second ENTRY")  # folded and indexed as it is stored, by whichever process stores it
    assert [m.content for m in two.search("Entry")] == ["first entry", "second ENTRY"]
    assert [m.content for m in two.search("nd en")] == ["second ENTRY"]
    close(one, two)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(max_size=12), min_size=1, max_size=12), st.data())
def test_search_equals_plain_substring_matching(store_kind, texts, data):
    texts = [t for t in texts if _encodable(t)]
    if not texts:
        return
    source = data.draw(st.sampled_from(texts))
    start = data.draw(st.integers(0, len(source)))
    needle = data.draw(st.sampled_from([source[start : start + 3], source[start : start + 1], source.upper(), "zz"]))
    mem, other = both(store_kind, texts)
    want = expected(mem, needle)
    assert mem.search(needle) == want and other.search(needle) == want
    close(mem, other)


NUL_TEXTS = ["x\x00abcdef", "00\x00", "\x00", "plain abcdef", "a\x00\x00b", "\uffff stand-in"]


@pytest.mark.parametrize("needle", ["abc", "def", "00\x00", "\x00", "\x00a", "a\x00\x00b", "\uffff", "x\x00abc"])
def test_search_finds_text_around_nul_characters(store_kind, needle):
    mem, other = both(store_kind, NUL_TEXTS)
    want = expected(mem, needle)
    assert want  # every needle is in some text
    assert other.search(needle) == want
    close(mem, other)


def test_a_search_index_cut_short_at_nul_by_an_earlier_version_is_rebuilt(tmp_path):
    import sqlite3

    path = tmp_path / "old.sqlite"
    f = af.Forum(path)
    f.post("x\x00abcdef")
    assert [m.content for m in f.search("abc")] == ["x\x00abcdef"]
    close(f)
    con = sqlite3.connect(str(path))  # make it look as an earlier version left it: the raw text, no format row
    con.execute("DELETE FROM search_text")
    con.execute("INSERT INTO search_text (rowid, folded) SELECT seq, content FROM messages")
    con.execute("DELETE FROM meta WHERE key = 'search_format'")
    con.commit()
    assert con.execute("SELECT rowid FROM search_text WHERE folded MATCH '\"abc\"'").fetchall() == []  # the bug
    con.close()
    f = af.Forum(path)
    assert [m.content for m in f.search("abc")] == ["x\x00abcdef"]
    close(f)


def _encodable(s):
    try:
        s.encode()
        return True
    except UnicodeEncodeError:
        return False


def test_common_ancestor(store_kind):
    for f in (af.Forum(), store_kind()):
        root = f.post("root")
        a = f.post("a", parent=root)
        a1 = f.post("a1", parent=a)
        b = f.post("b", parent=root)
        b1 = f.post("b1", parent=b)
        other = f.post("other root")
        assert f.common_ancestor(a1, b1) == root
        assert f.common_ancestor(a, a1) == a and f.common_ancestor(a1, a) == a  # a itself when one descends
        assert f.common_ancestor(a1, a1) == a1
        assert f.common_ancestor(a1, other) is None
        assert f.common_ancestor(a1.id[:8], b1.id) == root
        close(f)
