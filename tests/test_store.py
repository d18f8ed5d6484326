"""The forum's tree API over both stores (one behaviour suite), JSONL export/import, graphviz, integrity."""

from __future__ import annotations

import json
import sqlite3

import graphviz
import pytest

import agentforum_nb as af


@pytest.fixture(params=["memory", "sqlite"])
def store(request, tmp_path):
    return None if request.param == "memory" else str(tmp_path / "forum.sqlite")


@pytest.fixture
def f(store):
    forum = af.Forum(store)
    yield forum
    if not forum.closed:
        forum.store.close()


def chain(forum, n, parent=None):
    out = []
    for i in range(n):
        parent = forum.post(f"m{i}", parent=parent)
        out.append(parent)
    return out


def test_post_get_contains_len_iter(f):
    a = f.post("a")
    b = f.post("b", parent=a, sender="bot", metadata={"k": [1]})
    assert f.get(a.id) == a and f.get(b.id).metadata == {"k": (1,)}
    assert a.id in f and b in f and "0" * 64 not in f and 5 not in f
    assert len(f) == 2 and list(f) == [a, b]
    assert b.parent_id == a.id and b.sender == "bot"


def test_identical_post_returns_existing(f):
    a = f.post("same")
    again = f.post("same")
    assert again == a and len(f) == 1


def test_children_roots_history_order(f, store):
    root = f.post("root")
    kids = [f.post(f"child {i}", parent=root) for i in (3, 1, 2)]
    other = f.post("other root")
    grandchild = f.post("gc", parent=kids[1])
    assert f.children(root) == kids and f.roots() == [root, other]
    assert f.history(grandchild) == [root, kids[1], grandchild]
    assert f.history(grandchild.id) == f.history(grandchild)
    if store:
        f.store.close()
        g = af.Forum(store)
        assert g.children(root.id) == kids and g.roots() == [root, other]
        assert [m.id for m in g.history(grandchild.id)] == [root.id, kids[1].id, grandchild.id]
        assert len(g) == 6 and g.verify() == 6
        g.store.close()


def test_deep_history_is_iterative(f, store):
    # 100,000 messages; built directly through the store for speed, then read through the forum
    parent = None
    msgs = []
    for i in range(100_000):
        m = af.Message(str(i), parent_id=parent)
        msgs.append(m)
        parent = m.id
    f.store.add_many(msgs)
    hist = f.history(msgs[-1].id)
    assert len(hist) == 100_000 and hist[0] == msgs[0] and hist[-1] == msgs[-1]
    if store:  # a fresh process view: nothing cached in memory
        f.store.close()
        g = af.Forum(store)
        assert len(g.history(msgs[-1].id)) == 100_000
        g.store.close()


def test_unknown_ids_raise_message_not_found(f):
    a = f.post("a")
    unknown = "0" * 64
    for call in (lambda: f.get(unknown), lambda: f.history(unknown), lambda: f.children(unknown),
                 lambda: f.post("x", parent=unknown), lambda: f.post("x", reply_to=unknown),
                 lambda: f.forward(unknown, to=a)):
        with pytest.raises(af.MessageNotFound) as ei:
            call()
        assert isinstance(ei.value, KeyError) and unknown in str(ei.value)
    assert len(f) == 1


def test_reply_and_forward(f):
    a = f.post("question")
    b = f.post("elsewhere")
    r = f.post("answer", parent=b, reply_to=a)
    assert r.reply_to_id == a.id
    fwd = f.forward(a, to=b)
    assert fwd.kind == "forward" and fwd.original_id == a.id and fwd.content == "question"
    assert fwd.sender == "user" and fwd.parent_id == b.id
    root_fwd = f.forward(a.id, to=None)
    assert root_fwd.parent_id is None and root_fwd in f.roots()


def test_foreign_messages_are_values(f):
    other = af.Forum()
    a = other.post("from elsewhere")
    b = other.post("child elsewhere", parent=a)
    with pytest.raises(af.MessageNotFound):
        f.post("x", parent=b)  # b's parent is not here
    assert len(f) == 0
    stored_a = f.add(a)  # a root: stored as it is, same id
    assert stored_a.id == a.id and f.get(a.id) == a
    reply = f.post("reply", parent=b)  # now b's parent is here: b is stored as it is
    assert f.get(b.id) == b and reply.parent_id == b.id


def test_bad_input_leaves_forum_unchanged(f):
    a = f.post("a")
    before = list(f)
    for bad in (lambda: f.post("x", metadata={"s": {1}}), lambda: f.post(b"x"),  # type: ignore[arg-type]
                lambda: f.post("x", metadata={"n": float("nan")}), lambda: f.post("x\ud800"),
                lambda: f.post("x", parent="not an id")):
        with pytest.raises((af.InvalidMessageError, af.MessageNotFound)):
            bad()
    with pytest.raises(af.UsageError, match="forward"):
        f.post(a)  # type: ignore[arg-type]
    assert list(f) == before


def test_jsonl_round_trip(f, tmp_path):
    root = f.post("root")
    kids = [f.post(f"k{i}", parent=root) for i in range(3)]
    f.forward(kids[0], to=kids[2])
    f.post("reply", parent=kids[1], reply_to=kids[0], metadata={"x": [1, {"y": 2.5}]})
    path = tmp_path / "export.jsonl"
    assert f.export_jsonl(path) == 6
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert set(lines[0]) == {"id", "kind", "content", "sender", "parent_id", "reply_to_id", "original_id", "status",
                             "metadata"}
    g = af.Forum()
    assert g.import_jsonl(path) == 6
    assert [m.id for m in g] == [m.id for m in f]
    assert g.children(root.id) == kids
    assert g.import_jsonl(path) == 0  # idempotent


def corrupt_variants(lines: list[str]) -> dict[str, tuple[list[str], int]]:
    tampered = json.loads(lines[2])
    tampered["content"] = "tampered"
    missing = af.Message("orphan", parent_id="ab" * 32).to_dict()
    return {
        "bad json": (lines[:1] + ["{not json"] + lines[1:], 2),
        "id mismatch": (lines[:2] + [json.dumps(tampered)] + lines[3:], 3),
        "missing parent": (lines + [json.dumps(missing)], len(lines) + 1),
        "truncated": (lines[:-1] + [lines[-1][: len(lines[-1]) // 2]], len(lines)),
        "not an object": (lines[:1] + ["[1, 2]"] + lines[1:], 2),
    }


@pytest.mark.parametrize("variant", ["bad json", "id mismatch", "missing parent", "truncated", "not an object"])
def test_corrupt_import_names_the_line_and_stores_nothing(f, tmp_path, variant):
    src = af.Forum()
    chain(src, 5)
    path = tmp_path / "good.jsonl"
    src.export_jsonl(path)
    lines, lineno = corrupt_variants(path.read_text().splitlines())[variant]
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines))  # no final newline: a truncated file
    existing = f.post("already here")
    with pytest.raises(af.IntegrityError) as ei:
        f.import_jsonl(bad)
    assert ei.value.line == lineno and f"line {lineno}" in str(ei.value)
    assert list(f) == [existing]


def test_graphviz_export(f):
    a = f.post('quote " backslash \\ newline\n <b>bold</b>')
    b = f.post("answer", parent=a, sender="bot")
    f.forward(a, to=b)
    f.post("re", parent=b, reply_to=a)
    g = f.to_graphviz()
    assert isinstance(g, graphviz.Digraph)
    src = g.source
    assert '\\"' in src and "\\\\" in src and "<b>bold</b>" in src
    assert src.count("style=dashed") == 1 and src.count("style=dotted") == 1
    sub = f.to_graphviz(root=b)
    assert a.id[:12] + '" [' not in sub.source


def test_tree_text(f):
    a = f.post("root")
    f.post("one", parent=a)
    f.post("two", parent=a)
    text = f.tree_text()
    assert text.splitlines()[0].endswith("user: root")
    assert "├─ " in text and "└─ " in text


def test_closed_forum_raises_usage_error(f):
    import asyncio

    asyncio.run(f.aclose())
    for call in (lambda: f.post("x"), lambda: f.get("0" * 64), lambda: len(f), lambda: list(f)):
        with pytest.raises(af.UsageError, match="closed"):
            call()


def test_sqlite_verify_detects_tampered_row(tmp_path):
    path = tmp_path / "t.sqlite"
    f = af.Forum(path)
    msgs = chain(f, 3)
    assert f.verify() == 3
    f.store.close()
    con = sqlite3.connect(path)
    con.execute("UPDATE messages SET content = 'evil' WHERE id = ?", (msgs[1].id,))
    con.commit()
    con.close()
    g = af.Forum(path)
    with pytest.raises(af.IntegrityError) as ei:
        g.verify()
    assert msgs[1].id in str(ei.value) and len(ei.value.problems) == 1
    g.store.close()


def test_sqlite_refuses_foreign_files(tmp_path):
    other = tmp_path / "other.sqlite"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE people (name TEXT)")
    con.commit()
    con.close()
    with pytest.raises(af.IntegrityError, match="not an agentforum_nb forum"):
        af.Forum(other)
    newer = tmp_path / "newer.sqlite"
    af.Forum(newer).store.close()
    con = sqlite3.connect(newer)
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.commit()
    con.close()
    with pytest.raises(af.IntegrityError, match="schema version 99"):
        af.Forum(newer)
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(af.IntegrityError):
        af.Forum(junk)


def test_two_forums_on_one_file_see_each_other(tmp_path):
    path = tmp_path / "shared.sqlite"
    one, two = af.Forum(path), af.Forum(path)
    a = one.post("from one")
    assert a.id in two and two.get(a.id) == a
    b = two.post("from two", parent=a.id)
    assert [m.id for m in one.history(b.id)] == [a.id, b.id]
    assert one.children(a) == [b] and len(one) == 2
    one.store.close()
    two.store.close()
