"""The forum's tree API: one behaviour suite run over the memory, SQLite and PostgreSQL stores, then JSONL
export/import, graphviz, integrity checks and what only SQLite has (files, reopening, several handles). The
PostgreSQL runs skip when no server can be started (tests/pg_server.py), unless AGENTFORUM_REQUIRE_POSTGRES=1."""

from __future__ import annotations

import asyncio
import json
import sqlite3

import graphviz
import pytest

import agentforum_nb as af

from .plain_store import plain_store

UNKNOWN = "0" * 64


def close(forum: af.Forum) -> None:
    if not forum.closed:
        asyncio.run(forum.aclose())


def new_forum(kind: str, request, tmp_path, name: str = "f.sqlite") -> af.Forum:
    """A new empty forum of a kind: memory, a SQLite file, or a new PostgreSQL database (skipped when the tests
    have no PostgreSQL server)."""
    if kind == "memory":
        return af.Forum()
    if kind == "sqlite":
        return af.Forum(tmp_path / name)
    return af.Forum(request.getfixturevalue("pg_server").create_database())


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def f(request, tmp_path):
    forum = new_forum(request.param, request, tmp_path)
    yield forum
    close(forum)


def is_sqlite(forum: af.Forum) -> bool:
    return isinstance(forum.store, af.forum.SQLiteStore)


def reopen(forum: af.Forum) -> af.Forum:
    """The same forum as a new process would see it: a fresh Forum on the file or database (memory: the forum
    itself)."""
    if is_sqlite(forum):
        path = forum.store.path
        close(forum)
        return af.Forum(path)
    url = getattr(forum.store, "url", None)
    if url is None:
        return forum
    close(forum)
    return af.Forum(url)


def chain(forum: af.Forum, n: int, parent=None, tag: str = "m") -> list[af.Message]:
    out = []
    for i in range(n):
        parent = forum.post(f"{tag}{i}", parent=parent)
        out.append(parent)
    return out


def ids(messages) -> list[str]:
    return [m.id for m in messages]


# -- the behaviour suite ------------------------------------------------------------------------------------------


def test_post_get_contains_len_iter(f):
    assert len(f) == 0 and list(f) == [] and f.roots() == []
    a = f.post("a")
    b = f.post("b", parent=a, sender="bot", metadata={"k": [1, {"x": 2.5}]})
    c = f.post("c", parent=b.id, reply_to=a.id)
    assert isinstance(a, af.Message) and a.sender == "user" and a.parent_id is None and a.status == "complete"
    assert f.get(a.id) == a and f.get(b.id).metadata == {"k": (1, {"x": 2.5})}
    assert f.get(c.id).reply_to_id == a.id and f.get(c.id).parent_id == b.id
    assert a.id in f and b in f and c.id in f
    assert UNKNOWN not in f and af.Message("elsewhere") not in f and 5 not in f and None not in f
    assert len(f) == 3 and list(f) == [a, b, c]
    assert all(m.verify() for m in f)


def test_identical_post_returns_existing(f):
    a = f.post("same", metadata={"k": 1})
    b = f.post("child", parent=a)
    assert f.post("same", metadata={"k": 1.0}) == a and len(f) == 2
    assert f.post("child", parent=a.id) == b and len(f) == 2
    assert f.children(a) == [b]
    g = reopen(f)
    assert g.post("same", metadata={"k": 1}) == a and g.post("child", parent=a) == b and len(g) == 2
    assert g.children(a) == [b]
    close(g)


def test_children_roots_history_order(f):
    root = f.post("root")
    kids = [f.post(f"child {i}", parent=root) for i in (3, 1, 2)]  # first-stored order, not sorted
    other = f.post("other root")
    grandchild = f.post("gc", parent=kids[1])
    f.post("child 3", parent=root)  # already stored: does not move
    assert f.children(root) == kids and f.children(root.id) == kids
    assert f.children(grandchild) == [] and f.children(other) == []
    assert f.roots() == [root, other]
    assert f.history(grandchild) == [root, kids[1], grandchild]
    assert f.history(grandchild.id) == f.history(grandchild)
    assert f.history(root) == [root]
    g = reopen(f)
    assert ids(g.children(root.id)) == ids(kids) and ids(g.roots()) == [root.id, other.id]
    assert ids(g.history(grandchild.id)) == [root.id, kids[1].id, grandchild.id]
    assert ids(g) == [root.id, *ids(kids), other.id, grandchild.id]
    assert g.verify() == 6
    close(g)


@pytest.fixture(scope="module")
def long_chain() -> list[af.Message]:
    msgs, parent = [], None
    for i in range(100_000):
        m = af.Message(str(i), parent_id=parent)
        msgs.append(m)
        parent = m.id
    return msgs


@pytest.mark.parametrize(
    "kind", ["memory", pytest.param("sqlite", marks=pytest.mark.slow), pytest.param("postgres", marks=pytest.mark.slow)]
)
def test_history_of_a_100k_chain_is_iterative(kind, request, tmp_path, long_chain):
    # stored in one batch through the store (fast), read through the forum: no recursion limit is hit
    forum = new_forum(kind, request, tmp_path, "deep.sqlite")
    forum.store.add_many(long_chain)
    hist = forum.history(long_chain[-1].id)  # SQLite, PostgreSQL: nothing of it is in the in-process object cache
    assert len(hist) == 100_000 and hist[0] == long_chain[0] and hist[-1] == long_chain[-1]
    assert hist[50_000].parent_id == hist[49_999].id
    assert len(forum.history(long_chain[-2])) == 99_999
    close(forum)


def test_unknown_ids_raise_message_not_found(f):
    a = f.post("a")
    calls = {
        "get": lambda: f.get(UNKNOWN),
        "history": lambda: f.history(UNKNOWN),
        "children": lambda: f.children(UNKNOWN),
        "parent=": lambda: f.post("x", parent=UNKNOWN),
        "reply_to=": lambda: f.post("x", reply_to=UNKNOWN),
        "forward message": lambda: f.forward(UNKNOWN, to=a),
        "forward to=": lambda: f.forward(a, to=UNKNOWN),
    }
    for name, call in calls.items():
        with pytest.raises(af.MessageNotFound) as ei:
            call()
        assert isinstance(ei.value, KeyError) and isinstance(ei.value, af.AgentForumError), name
        assert UNKNOWN in str(ei.value), name
    with pytest.raises(af.MessageNotFound):
        f.get("not even an id")
    with pytest.raises(KeyError):  # what a KeyError handler catches
        f.get(UNKNOWN)
    assert len(f) == 1


def test_forward(f):
    a = f.post("question", sender="alice", metadata={"k": 1})
    b = f.post("elsewhere")
    fwd = f.forward(a, to=b)
    assert fwd.kind == "forward" and fwd.original_id == a.id and fwd.content == "question"
    assert fwd.sender == "user" and fwd.parent_id == b.id and fwd.status == "complete"
    assert fwd.metadata == {} and fwd.reply_to_id is None and fwd.verify()
    assert f.children(b) == [fwd] and f.history(fwd) == [b, fwd]  # a forward's history is its own branch
    assert f.forward(a.id, to=b.id) == fwd and len(f) == 3  # identical forward: the same message
    root_fwd = f.forward(a, to=None)
    assert root_fwd.parent_id is None and root_fwd in f.roots() and root_fwd != fwd
    cancelled = f.add(af.Message("partial", sender="bot", status="cancelled", parent_id=a.id))
    assert f.forward(cancelled, to=b).status == "cancelled"  # a forward of a cancelled message is cancelled too


def test_reply_to(f):
    a = f.post("question")
    b = f.post("other branch")
    r = f.post("answer", parent=b, reply_to=a)
    assert r.reply_to_id == a.id and r.parent_id == b.id and f.children(a) == []
    assert f.post("answer", parent=b, reply_to=a.id) == r


def test_foreign_messages_are_values(f):
    other = af.Forum()
    a = other.post("from elsewhere")
    b = other.post("child elsewhere", parent=a)
    c = other.post("grandchild elsewhere", parent=b)
    for call in (
        lambda: f.post("x", parent=b),
        lambda: f.post("x", reply_to=b),
        lambda: f.add(b),
        lambda: f.forward(b, to=None),
        lambda: f.forward(f.post("here"), to=b),
    ):
        with pytest.raises(af.MessageNotFound) as ei:  # b's parent is not here
            call()
        assert a.id in str(ei.value)
    assert a not in f and b not in f
    here = f.get(f.post("here").id)
    assert f.add(a) == a and f.get(a.id).fields() == a.fields()  # a root: stored as it is, same id
    reply = f.post("reply", parent=b)  # b's parent is here now: b is stored as it is
    assert f.get(b.id).fields() == b.fields() and reply.parent_id == b.id
    assert f.history(reply) == [a, b, reply]
    fwd = f.forward(c, to=here)  # c's parent (b) is here: c is adopted, then forwarded
    assert c in f and fwd.original_id == c.id and len(f) == 6
    assert f.add(a) == a and len(f) == 6  # adding again changes nothing
    g = reopen(f)
    assert g.get(c.id).verify() and ids(g.history(c.id)) == [a.id, b.id, c.id]
    close(g)


def test_bad_input_leaves_forum_unchanged(f):
    a = f.post("a")
    foreign_root = af.Forum().post("foreign root")
    bad_calls = [
        lambda: f.post("x", metadata={"s": {1}}),
        lambda: f.post(b"x"),  # type: ignore[arg-type]
        lambda: f.post(None),  # type: ignore[arg-type]
        lambda: f.post("x", metadata={"n": float("nan")}),
        lambda: f.post("x", metadata={1: "int key"}),
        lambda: f.post("x", metadata={"big": 2**53}),
        lambda: f.post("x\ud800"),
        lambda: f.post("x", sender=""),
        lambda: f.post("x", parent="not an id"),
        lambda: f.post("x", parent=UNKNOWN),
        # a valid foreign parent is not adopted when the new message itself is invalid
        lambda: f.post("x", parent=foreign_root, metadata={"s": {1}}),
        lambda: f.post("x", parent=foreign_root, reply_to=UNKNOWN),
        lambda: f.post("x\udfff", reply_to=foreign_root),
        lambda: f.forward(foreign_root, to=UNKNOWN),
    ]
    for bad in bad_calls:
        with pytest.raises((af.InvalidMessageError, af.MessageNotFound)):
            bad()
        assert len(f) == 1
    for misuse in (lambda: f.post(a), lambda: f.history(42), lambda: f.add("text")):  # type: ignore[arg-type]
        with pytest.raises(af.UsageError):
            misuse()
    assert list(f) == [a] and f.roots() == [a] and foreign_root not in f
    g = reopen(f)
    assert len(g) == 1
    close(g)


def test_verify_passes_on_a_good_store(f):
    root = f.post("root", metadata={"f": 0.5, "\U0001f600": [1, None]})
    kids = chain(f, 5, parent=root)
    f.forward(kids[2], to=root)
    f.post("reply", parent=kids[0], reply_to=kids[4])
    assert f.verify() == 8
    g = reopen(f)
    assert g.verify() == 8
    close(g)


def test_large_integral_floats_survive_the_store(f, tmp_path):
    # RFC 8785 writes 1e20 as 100000000000000000000; reading it back must give the same double, not an int the
    # message layer refuses
    m = f.post("big", metadata={"big": 1e20, "half": 0.5, "two53": 2.0**53, "list": [-1e300]})
    g = reopen(f)
    back = g.get(m.id)
    assert back.metadata == m.metadata and type(back.metadata["big"]) is float
    assert back.verify() and g.verify() == 1
    g.export_jsonl(tmp_path / "big.jsonl")
    fresh = af.Forum()
    assert fresh.import_jsonl(tmp_path / "big.jsonl") == 1 and fresh.get(m.id).metadata == m.metadata
    close(g)


def test_closed_forum_raises_usage_error(f):
    a = f.post("x")
    asyncio.run(f.aclose())
    assert f.closed
    calls = [
        lambda: f.post("x"),
        lambda: f.get(a.id),
        lambda: len(f),
        lambda: list(f),
        lambda: a.id in f,
        lambda: f.history(a),
        lambda: f.children(a),
        lambda: f.roots(),
        lambda: f.forward(a, to=None),
        lambda: f.verify(),
        lambda: f.to_graphviz(),
        lambda: f.export_jsonl("never.jsonl"),
        lambda: f.import_jsonl("never.jsonl"),
        lambda: f.add(a),
    ]
    for call in calls:
        with pytest.raises(af.UsageError, match="closed"):
            call()
    asyncio.run(f.aclose())  # idempotent


# -- JSONL --------------------------------------------------------------------------------------------------------


def build_tree(forum: af.Forum) -> list[af.Message]:
    root = forum.post("root")
    kids = [forum.post(f"k{i}", parent=root, sender=f"agent{i}") for i in (2, 0, 1)]
    fwd = forum.forward(kids[0], to=kids[2])
    rep = forum.post("reply", parent=kids[1], reply_to=kids[0], metadata={"x": [1, {"y": 2.5}], "\u00e9": "\u4e16"})
    err = forum.add(
        af.Message(
            "ValueError: boom",
            kind="error",
            sender="agent0",
            status="failed",
            parent_id=rep.id,
            metadata={"error_type": "builtins.ValueError"},
        )
    )
    other = forum.post('second root \U0001f600\n"quoted"')
    return [root, *kids, fwd, rep, err, other]


@pytest.mark.parametrize("target", ["memory", "sqlite", "postgres"])
def test_jsonl_round_trip(f, request, tmp_path, target):
    msgs = build_tree(f)
    path = tmp_path / "export.jsonl"
    assert f.export_jsonl(path) == len(msgs) == 8
    raw = path.read_bytes()
    assert raw.endswith(b"\n") and raw.count(b"\n") == 8
    lines = [json.loads(line) for line in raw.decode("utf-8").splitlines()]
    assert [list(d) for d in lines] == [
        [
            "id",
            "kind",
            "content",
            "sender",
            "parent_id",
            "reply_to_id",
            "original_id",
            "status",
            "metadata",
            "annotations",
        ]  # the annotations (here: created_at) follow the canonical fields
    ] * 8
    seen: set[str] = set()
    for d in lines:  # parents and originals come first
        for key in ("parent_id", "reply_to_id", "original_id"):
            assert d[key] is None or d[key] in seen
        seen.add(d["id"])
    fresh = new_forum(target, request, tmp_path, "fresh.sqlite")
    assert fresh.import_jsonl(path) == 8
    assert sorted(ids(fresh)) == sorted(ids(msgs))
    assert ids(fresh.children(msgs[0])) == ids(msgs[1:4])  # same first-stored order
    assert ids(fresh.roots()) == [msgs[0].id, msgs[-1].id]
    assert all(fresh.get(m.id).fields() == m.fields() for m in msgs)
    assert fresh.verify() == 8
    assert fresh.import_jsonl(path) == 0 and len(fresh) == 8  # importing again adds nothing
    fresh = reopen(fresh)
    assert ids(fresh.children(msgs[0].id)) == ids(msgs[1:4]) and len(fresh) == 8
    close(fresh)
    sub = tmp_path / "sub.jsonl"
    assert f.export_jsonl(sub, root=msgs[3]) == 2  # the subtree under k1: k1 and the forward under it
    partial = af.Forum()
    with pytest.raises(af.IntegrityError, match="line 1"):  # k1's parent is neither in the file nor the forum
        partial.import_jsonl(sub)


def corrupt_variants(lines: list[str]) -> dict[str, tuple[list[str], int]]:
    tampered = json.loads(lines[2])
    tampered["content"] = "tampered"
    wrong_kind = json.loads(lines[1])
    wrong_kind["kind"] = "note"
    orphan = af.Message("orphan", parent_id="ab" * 32).to_dict()
    no_id = json.loads(lines[3])
    del no_id["id"]
    return {
        "bad json": (lines[:1] + ["{not json"] + lines[1:], 2),
        "id mismatch": (lines[:2] + [json.dumps(tampered)] + lines[3:], 3),
        "invalid field": (lines[:1] + [json.dumps(wrong_kind)] + lines[2:], 2),
        "missing parent": (lines + [json.dumps(orphan)], len(lines) + 1),
        "missing id": (lines[:3] + [json.dumps(no_id)] + lines[4:], 4),
        "truncated last line": (lines[:-1] + [lines[-1][: len(lines[-1]) // 2]], len(lines)),
        "not an object": (lines[:1] + ["[1, 2]"] + lines[1:], 2),
    }


@pytest.mark.parametrize(
    "variant", list(corrupt_variants([json.dumps(af.Message(str(i)).to_dict()) for i in range(5)]))
)
def test_corrupt_import_names_the_line_and_stores_nothing(f, tmp_path, variant):
    src = af.Forum()
    chain(src, 5)
    good = tmp_path / "good.jsonl"
    src.export_jsonl(good)
    lines, lineno = corrupt_variants(good.read_text(encoding="utf-8").splitlines())[variant]
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines), encoding="utf-8")  # no final newline: the last line may be cut short
    existing = f.post("already here")
    with pytest.raises(af.IntegrityError) as ei:
        f.import_jsonl(bad)
    assert ei.value.line == lineno and f"line {lineno}" in str(ei.value)
    assert list(f) == [existing]
    g = reopen(f)
    assert ids(g) == [existing.id]
    close(g)


# -- graphviz ------------------------------------------------------------------------------------------------------


def test_graphviz_export(f):
    a = f.post('q " b \\ n\nx <b>bold</b> & end')
    b = f.post("<i>answer</i>", parent=a, sender="<bot>")  # "<...>": an HTML-like label unless escaped
    fwd = f.forward(a, to=b)
    rep = f.post("re", parent=b, reply_to=a)
    g = f.to_graphviz()
    assert isinstance(g, graphviz.Digraph)
    src = g.source
    # quotes and backslashes escaped, the newline folded into the one-line snippet, "<b>" kept as text
    assert 'label="user\\nq \\" b \\\\ n x <b>bold</b> & end"' in src
    assert 'label="<bot>\\n<i>answer</i>"' in src and "label=<" not in src
    assert f"{a.id[:12]}" in src and f"tooltip={b.id}" in src.replace('"', "")
    edges = [line.strip().replace('"', "") for line in src.splitlines() if "->" in line]  # ids: quoted or not
    assert len(edges) == 5  # a->b, b->fwd, b->rep (tree) + original->fwd, rep->a (dashed / dotted)
    fwd_edge = [e for e in edges if e.startswith(f"{a.id[:12]} -> {fwd.id[:12]}")]
    assert len(fwd_edge) == 1 and "style=dashed" in fwd_edge[0]
    rep_edge = [e for e in edges if e.startswith(f"{rep.id[:12]} -> {a.id[:12]}")]
    assert len(rep_edge) == 1 and "style=dotted" in rep_edge[0]
    tree_edges = [e for e in edges if "style=" not in e]
    assert len(tree_edges) == 3
    sub = f.to_graphviz(root=b).source  # the subtree under b: b, the forward and the reply
    assert f"{a.id[:12]}" not in sub and f"{fwd.id[:12]}" in sub and f"{rep.id[:12]}" in sub


def test_graphviz_long_text_is_truncated(f):
    f.post("word " * 100)
    src = f.to_graphviz(max_chars=20).source
    assert "word word word word…" in src and "word " * 10 not in src


# -- integrity and SQLite files ---------------------------------------------------------------------------------------


def tamper(path, sql: str, *args) -> None:
    con = sqlite3.connect(path)
    con.execute(sql, args)
    con.commit()
    con.close()


def test_sqlite_verify_detects_a_tampered_row(tmp_path):
    path = tmp_path / "t.sqlite"
    f = af.Forum(path)
    msgs = chain(f, 4)
    assert f.verify() == 4
    close(f)
    tamper(path, "UPDATE messages SET content = 'evil' WHERE id = ?", msgs[1].id)
    g = af.Forum(path)  # the file still opens
    with pytest.raises(af.IntegrityError) as ei:
        g.verify()
    assert msgs[1].id in str(ei.value) and len(ei.value.problems) == 1 and msgs[1].id in ei.value.problems[0]
    with pytest.raises(af.IntegrityError):
        g.get(msgs[1].id).verify()
    assert g.get(msgs[2].id).verify()
    # posting the true message again repairs the row (its fields are hashed anew)
    assert g.post("m1", parent=msgs[0]) == msgs[1] and g.verify() == 4
    close(g)
    assert af.Forum(path).verify() == 4


def test_sqlite_verify_detects_bad_references_and_corrupt_metadata(tmp_path):
    path = tmp_path / "t.sqlite"
    f = af.Forum(path)
    msgs = chain(f, 3)
    close(f)
    tamper(path, "DELETE FROM messages WHERE id = ?", msgs[1].id)  # msgs[2] now has a dangling parent
    g = af.Forum(path)
    with pytest.raises(af.IntegrityError) as ei:
        g.verify()
    assert f"parent_id {msgs[1].id} is missing" in str(ei.value)
    with pytest.raises(af.IntegrityError, match="broken"):
        g.history(msgs[2].id)
    close(g)
    tamper(path, "UPDATE messages SET metadata = '{not json' WHERE id = ?", msgs[0].id)
    h = af.Forum(path)
    with pytest.raises(af.IntegrityError, match=msgs[0].id):
        h.verify()
    close(h)


def test_sqlite_refuses_other_files(tmp_path):
    other = tmp_path / "other.sqlite"
    tamper(other, "CREATE TABLE people (name TEXT)")
    with pytest.raises(af.IntegrityError, match="not an agentforum_nb forum"):
        af.Forum(other)
    foreign_meta = tmp_path / "foreign_meta.sqlite"
    tamper(foreign_meta, "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    tamper(foreign_meta, "INSERT INTO meta VALUES ('application', 'something else')")
    with pytest.raises(af.IntegrityError, match="not an agentforum_nb forum"):
        af.Forum(foreign_meta)
    newer = tmp_path / "newer.sqlite"
    close(af.Forum(newer))
    tamper(newer, "UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(af.IntegrityError, match="schema version 99"):
        af.Forum(newer)
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(af.IntegrityError):
        af.Forum(junk)
    assert other.exists() and junk.read_bytes().startswith(b"this is not")  # left as they were


def test_sqlite_file_has_the_documented_schema(tmp_path):
    path = tmp_path / "s.sqlite"
    f = af.Forum(path)
    m = f.post("x", metadata={"b": 1, "a": [0.5]})
    close(f)
    con = sqlite3.connect(path)
    meta = dict(con.execute("SELECT key, value FROM meta"))
    assert meta == {"application": "agentforum_nb", "schema_version": "2", "message_format": "agentforum-message 1"}
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"meta", "messages", "cache"} <= tables
    cols = [r[1] for r in con.execute("PRAGMA table_info(messages)")]
    assert cols == [
        "seq",
        "id",
        "kind",
        "content",
        "sender",
        "parent_id",
        "reply_to_id",
        "original_id",
        "status",
        "metadata",
        "annotations",
        "attachments",
    ]
    assert [r[1:3] for r in con.execute("PRAGMA table_info(attachments)")] == [
        ("sha256", "TEXT"),
        ("media_type", "TEXT"),
        ("size", "INTEGER"),
        ("data", "BLOB"),
    ]
    row = con.execute("SELECT id, content, metadata, annotations FROM messages").fetchone()
    assert row[:3] == (m.id, "x", '{"a":[0.5],"b":1}')  # metadata as its canonical JSON
    assert list(json.loads(row[3])) == ["created_at"]  # annotations, outside the id: when it was stored
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()


def test_sqlite_reopen_holds_the_same_messages(tmp_path):
    path = tmp_path / "r.sqlite"
    f = af.Forum(path)
    msgs = build_tree(f)
    before = [m.to_dict() for m in f]
    close(f)
    g = af.Forum(path)
    assert [m.to_dict() for m in g] == before and len(g) == len(msgs)
    assert all(g.get(m.id) == m and g.get(m.id).verify() for m in msgs)
    close(g)


def test_two_forums_on_one_file_see_each_other(tmp_path):
    path = tmp_path / "shared.sqlite"
    one, two = af.Forum(path), af.Forum(path)
    a = one.post("from one")
    assert a.id in two and two.get(a.id) == a
    b = two.post("from two", parent=a.id)  # a is known to `two` only through the file
    assert b.id in one and one.get(b.id) == b
    assert ids(one.history(b.id)) == [a.id, b.id] and ids(two.history(b)) == [a.id, b.id]
    c = one.post("from one again", parent=b)
    assert ids(two.history(c.id)) == [a.id, b.id, c.id]
    assert ids(one.children(a)) == [b.id] and len(one) == len(two) == 3
    assert two.post("from one") == a and len(one) == 3  # identical post from the other handle: no duplicate
    assert one.verify() == two.verify() == 3
    close(one)
    close(two)


def test_ids_accept_a_unique_prefix_of_six_hex_characters(f):
    a = f.post("first")
    b = f.post("reply", parent=a.id[:8])  # the short ids printed everywhere work as input
    assert b.parent_id == a.id and f.get(a.id[:6]) == a and f.get(a.id[:8]) == a
    assert f.history(b.id[:10])[0] == a and f.children(a.id[:7]) == [b]
    with pytest.raises(af.MessageNotFound):
        f.get(a.id[:5])  # too short to be a prefix
    with pytest.raises(af.MessageNotFound, match="no message id starts"):
        f.get("ffffff" if not a.id.startswith("ffffff") and not b.id.startswith("ffffff") else "000000")
    # an ambiguous prefix names the matches: find two ids sharing their first 6 characters
    seen: dict[str, af.Message] = {}
    for i in range(20000):
        m = af.Message(f"m{i}")
        other = seen.get(m.id[:6])
        if other is not None:
            f.add(m)
            f.add(other)
            with pytest.raises(af.MessageNotFound, match="ambiguous") as ei:
                f.get(m.id[:6])
            assert m.id[:12] in str(ei.value) and other.id[:12] in str(ei.value)
            assert f.get(m.id[:12]) == m
            break
        seen[m.id[:6]] = m
    else:
        pytest.fail("no two ids shared a 6-character prefix")


# -- capabilities: what a forum asks of a store beyond the Store protocol -----------------------------------------


def test_capability_protocols_are_what_the_forum_uses(tmp_path):
    from agentforum_nb.store import SharedStore, SupportsGetMany, SupportsPrefix, SupportsScan

    lite = af.Forum(tmp_path / "f.sqlite")
    assert all(isinstance(lite.store, p) for p in (SharedStore, SupportsGetMany, SupportsPrefix, SupportsScan))
    memory = af.Forum()
    assert isinstance(memory.store, SupportsPrefix) and not isinstance(memory.store, SharedStore)

    plain = af.Forum(plain_store())  # the Store protocol and nothing more
    m = plain.post("hello")
    assert not plain.shared and not plain.has_changes() and plain.refresh() == []
    assert plain.get(m.id[:8]) == m and plain.verify() == 1  # a prefix by scanning; verify() by iterating
    close(lite)
