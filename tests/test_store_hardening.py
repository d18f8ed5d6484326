"""The SQLite store under stress and abuse: several processes creating one file at once, rows tampered with
behind the store's back (corrupt fields, ids that do not match, parent cycles), read-only files and directories,
the bounded in-process message cache, and the in-place upgrade of files written before the side tables."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import random
import sqlite3
import tempfile
import threading
from pathlib import Path

import pytest

import agentforum_nb as af
from agentforum_nb.messages import EMPTY_METADATA, rebuild
from agentforum_nb.store import MemoryStore, SQLiteStore, walk_history
from agentforum_nb.store.sqlite import LAYOUT_VERSION

try:
    FORK = multiprocessing.get_context("fork")
except ValueError:  # pragma: no cover - platforms without fork
    FORK = None

needs_fork = pytest.mark.skipif(FORK is None, reason="needs the fork start method")
NOBODY = 65534


def tamper(path, sql: str, *args) -> None:
    con = sqlite3.connect(path)
    con.execute(sql, args)
    con.commit()
    con.close()


def post_chain(forum: af.Forum, n: int, parent=None, tag: str = "m") -> list[af.Message]:
    out = []
    for i in range(n):
        parent = forum.post(f"{tag}{i}", parent=parent)
        out.append(parent)
    return out


def close(forum: af.Forum) -> None:
    if not forum.closed:
        asyncio.run(forum.aclose())


def in_thread(fn, timeout: float = 60.0):
    """Run ``fn`` in a thread: a call that never returns fails the test instead of hanging it."""
    box: dict = {}

    def target():
        try:
            box["value"] = fn()
        except BaseException as exc:
            box["error"] = exc

    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(timeout)
    assert not t.is_alive(), f"{fn} did not return within {timeout} s (an endless loop?)"
    if "error" in box:
        raise box["error"]
    return box["value"]


# -- 1. several processes creating one file at the same moment ----------------------------------------------------

ROUNDS = 25  # the race lasts a few milliseconds: the processes race on 25 fresh files, one after another


def _create_and_post(directory: str, barrier, index: int, results) -> None:
    ids, failures = [], []
    for r in range(ROUNDS):
        try:
            barrier.wait(timeout=60)  # all eight open the same new file at the same moment
            forum = af.Forum(SQLiteStore(os.path.join(directory, f"race{r}.sqlite")))
            ids.append([forum.post(f"process {index} message {i}", sender=f"p{index}").id for i in range(5)])
            forum.store.close()
        except BaseException as exc:
            failures.append(f"round {r}: {type(exc).__name__}: {exc}")
            ids.append([])
    results.put((index, failures, ids))


@needs_fork
def test_eight_processes_create_one_new_file_at_once(tmp_path):
    barrier = FORK.Barrier(8)
    results = FORK.Queue()
    procs = [FORK.Process(target=_create_and_post, args=(str(tmp_path), barrier, i, results)) for i in range(8)]
    for p in procs:
        p.start()
    try:
        reports = [results.get(timeout=300) for _ in procs]
    finally:
        for p in procs:
            p.join(timeout=60)
    failures = [(i, f) for i, fs, _ in reports for f in fs]
    assert not failures, failures
    assert all(p.exitcode == 0 for p in procs)
    for r in range(ROUNDS):
        forum = af.Forum(tmp_path / f"race{r}.sqlite")
        try:
            assert len(forum) == 40
            for _, _, ids in reports:
                assert all(mid in forum and forum.get(mid).verify() for mid in ids[r])
            assert forum.verify() == 40
        finally:
            close(forum)


# -- 2. tampered rows -------------------------------------------------------------------------------------------------


def build(path) -> tuple[af.Message, af.Message, af.Message]:
    """root <- a <- b, plus a cache entry; the file is closed afterwards."""
    forum = af.Forum(path)
    root = forum.post("root")
    a = forum.post("a", parent=root, metadata={"k": [1, 2]})
    b = forum.post("b", parent=a)
    close(forum)
    return root, a, b


TAMPERS = {
    "metadata is not JSON": ("UPDATE messages SET metadata = '{not json' WHERE id = ?", "metadata"),
    "NaN in metadata": ("""UPDATE messages SET metadata = '{"k":NaN}' WHERE id = ?""", "NaN"),
    "Infinity in metadata": ("""UPDATE messages SET metadata = '{"k":[1,-Infinity]}' WHERE id = ?""", "Infinity"),
    "metadata is not an object": ("UPDATE messages SET metadata = '[1,2]' WHERE id = ?", "metadata"),
    "bad kind": ("UPDATE messages SET kind = 'note' WHERE id = ?", "kind"),
    "bad status": ("UPDATE messages SET status = 'done' WHERE id = ?", "status"),
    "empty sender": ("UPDATE messages SET sender = '' WHERE id = ?", "sender"),
    "content is a blob": ("UPDATE messages SET content = X'6576696c' WHERE id = ?", "content"),
    "content is not UTF-8": ("UPDATE messages SET content = CAST(X'61ff62' AS TEXT) WHERE id = ?", "UTF-8"),
    "content changed (id mismatch)": ("UPDATE messages SET content = 'evil' WHERE id = ?", "does not match"),
    "metadata changed (id mismatch)": (
        """UPDATE messages SET metadata = '{"k":[1,3]}' WHERE id = ?""",
        "does not match",
    ),
    "reply_to changed (id mismatch)": ("UPDATE messages SET reply_to_id = parent_id WHERE id = ?", "does not match"),
}


@pytest.mark.parametrize("variant", list(TAMPERS))
def test_every_read_of_a_tampered_row_raises_integrity_error_naming_it(tmp_path, variant):
    path = tmp_path / "t.sqlite"
    root, a, b = build(path)
    sql, words = TAMPERS[variant]
    tamper(path, sql, a.id)

    reads = {
        "get": lambda s: s.get(a.id),
        "get_many": lambda s: s.get_many([root.id, a.id]),
        "children": lambda s: s.children(root.id),
        "history of a": lambda s: s.history(a.id),
        "history of its child": lambda s: s.history(b.id),
    }
    for name, read in reads.items():
        store = SQLiteStore(path)  # nothing cached: the row is read from the file
        with pytest.raises(af.IntegrityError) as ei:
            read(store)
        assert a.id in str(ei.value), name
        assert words in str(ei.value), (name, str(ei.value))
        assert not isinstance(ei.value.__cause__, (sqlite3.Error, json.JSONDecodeError)), name
        # the rows around it still read
        assert store.get(root.id) == root and store.get(b.id) == b and store.history(root.id) == [root]
        assert store.children(a.id) == [b]
        store.close()

    store = SQLiteStore(path)  # scan() reports the bad row and carries on
    scanned = list(store.scan())
    assert [mid for mid, _ in scanned] == [root.id, a.id, b.id]
    assert scanned[0][1] == root and scanned[2][1] == b
    assert isinstance(scanned[1][1], af.IntegrityError) and a.id in str(scanned[1][1])
    store.close()

    forum = af.Forum(path)  # the forum's verify() lists it
    with pytest.raises(af.IntegrityError, match=a.id):
        forum.verify()
    # nothing else was lost, and posting the true message rewrites the row
    assert forum.post("a", parent=root, metadata={"k": [1, 2]}) == a
    assert forum.verify() == 3
    close(forum)
    store = SQLiteStore(path)
    assert store.get(a.id).fields() == a.fields() and store.history(b.id) == [root, a, b]
    assert all(not isinstance(v, af.IntegrityError) for _, v in store.scan())
    store.close()


def test_tampered_root_and_iteration(tmp_path):
    path = tmp_path / "t.sqlite"
    root, a, b = build(path)
    other = af.Forum(path)
    second = other.post("second root")
    close(other)
    tamper(path, "UPDATE messages SET content = 'evil' WHERE id = ?", second.id)
    store = SQLiteStore(path)
    with pytest.raises(af.IntegrityError, match=second.id):
        store.roots()
    # iteration yields a row whose fields are valid but do not match its id as stored (verify() raises on it),
    # so that forum.verify() can list it among the problems
    listed = list(SQLiteStore(path))
    assert [m.id for m in listed] == [root.id, a.id, b.id, second.id] and listed[3].content == "evil"
    with pytest.raises(af.IntegrityError):
        listed[3].verify()
    assert store.get(b.id) == b  # the evil row was not cached in place of anything
    with pytest.raises(af.IntegrityError, match=second.id):
        store.get(second.id)
    store.close()
    # a row that is no message at all stops iteration with an IntegrityError naming it
    tamper(path, "UPDATE messages SET kind = 'note' WHERE id = ?", a.id)
    with pytest.raises(af.IntegrityError, match=a.id):
        list(SQLiteStore(path))
    forum = af.Forum(path)
    with pytest.raises(af.IntegrityError, match=a.id):
        forum.verify()
    close(forum)


def test_changed_id_column(tmp_path):
    path = tmp_path / "t.sqlite"
    root, a, b = build(path)
    fake = "f" * 64
    tamper(path, "UPDATE messages SET id = ? WHERE id = ?", fake, a.id)
    store = SQLiteStore(path)
    with pytest.raises(af.IntegrityError, match=fake):
        store.get(fake)
    with pytest.raises(af.IntegrityError, match=fake):
        store.children(root.id)
    assert store.get(a.id) is None
    with pytest.raises(KeyError):  # b's parent is gone (the forum reports a broken branch)
        store.history(b.id)
    assert [(mid, type(v).__name__) for mid, v in store.scan()] == [
        (root.id, "Message"),
        (fake, "IntegrityError"),
        (b.id, "Message"),
    ]
    store.close()
    forum = af.Forum(path)
    assert forum.post("a", parent=root, metadata={"k": [1, 2]}) == a  # stored again (a new row)
    assert [m.id for m in forum.history(b)] == [root.id, a.id, b.id]
    close(forum)
    store = SQLiteStore(path)  # cold: b's link to the re-stored a was rebuilt in the file
    assert store.history(b.id) == [root, a, b]
    store.close()


def test_deleted_and_restored_row_relinks_its_children(tmp_path):
    path = tmp_path / "d.sqlite"
    forum = af.Forum(path)
    msgs = post_chain(forum, 6)
    close(forum)
    tamper(path, "DELETE FROM messages WHERE id = ?", msgs[2].id)
    store = SQLiteStore(path)
    with pytest.raises(KeyError) as ei:
        store.history(msgs[5].id)
    assert ei.value.args[0] == msgs[2].id
    store.add(msgs[2])
    store.close()
    store = SQLiteStore(path)
    assert store.history(msgs[5].id) == msgs
    assert store.children(msgs[2].id) == [msgs[3]]
    store.close()


# -- parent cycles ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["two rows", "four rows", "self"])
def test_sqlite_history_of_a_parent_cycle_raises(tmp_path, shape):
    path = tmp_path / "c.sqlite"
    forum = af.Forum(path)
    msgs = post_chain(forum, 6)
    close(forum)
    target = {"two rows": msgs[1], "four rows": msgs[3], "self": msgs[0]}[shape]
    tamper(path, "UPDATE messages SET parent_id = ? WHERE id = ?", target.id, msgs[0].id)
    store = SQLiteStore(path)
    for mid in (msgs[5].id, msgs[1].id, msgs[0].id):
        with pytest.raises(af.IntegrityError, match="cycle"):
            in_thread(lambda mid=mid: store.history(mid))
    store.close()
    forum = af.Forum(path)
    with pytest.raises(af.IntegrityError, match="cycle"):
        in_thread(lambda: forum.history(msgs[5]))
    close(forum)


def fake(mid: str, parent: str | None, content: str = "x") -> af.Message:
    return rebuild(mid, "message", content, "user", parent, None, None, "complete", EMPTY_METADATA)


def test_memory_history_of_a_parent_cycle_raises():
    a, b, c, d = ("a" * 64, "b" * 64, "c" * 64, "d" * 64)
    store = MemoryStore()
    for m in (fake(a, b), fake(b, c), fake(c, a), fake(d, c)):
        store.add(m)
    for mid in (a, d):
        with pytest.raises(af.IntegrityError, match="cycle") as ei:
            in_thread(lambda mid=mid: store.history(mid))
        assert a in str(ei.value) or b in str(ei.value) or c in str(ei.value)
    forum = af.Forum(store)
    with pytest.raises(af.IntegrityError, match="cycle"):
        in_thread(lambda: forum.history(d))
    # walk_history without a bound: a set of seen ids finds it
    table = {m.id: m for m in (fake(a, b), fake(b, a), fake(c, c))}
    for mid in (a, b, c):
        with pytest.raises(af.IntegrityError, match="cycle"):
            in_thread(lambda mid=mid: walk_history(table.get, mid))
    good = {a: fake(a, None), b: fake(b, a)}
    assert [m.id for m in walk_history(good.get, b)] == [a, b] == [m.id for m in walk_history(good.get, b, 2)]


def test_memory_scan():
    store = MemoryStore()
    good = af.Message("fine")
    store.add(good)
    store.add(fake("e" * 64, None, "not what the id says"))
    out = list(store.scan())
    assert out[0] == (good.id, good)
    assert out[1][0] == "e" * 64 and isinstance(out[1][1], af.IntegrityError)


# -- 3. read-only files ---------------------------------------------------------------------------------------------


def filled(path) -> list[af.Message]:
    forum = af.Forum(path)
    msgs = post_chain(forum, 5)
    forum.post("side", parent=msgs[1])
    forum.store.cache_put("k" * 64, [msgs[4].id], agent="bot")
    close(forum)
    return msgs


def test_readonly_true_reads_everything_and_refuses_every_write(tmp_path):
    path = tmp_path / "ro.sqlite"
    msgs = filled(path)
    before = path.read_bytes()
    store = SQLiteStore(path, readonly=True)
    assert store.readonly and len(store) == 6 and msgs[3].id in store
    assert store.get(msgs[2].id) == msgs[2] and store.history(msgs[4].id) == msgs
    assert [m.content for m in store.children(msgs[1].id)] == ["m2", "side"]
    assert store.roots() == [msgs[0]] and len(list(store)) == 6
    assert all(isinstance(v, af.Message) for _, v in store.scan())
    assert store.cache_get("k" * 64) == (msgs[4].id,) and len(store.cache_entries()) == 1
    writes = {
        "add": lambda: store.add(af.Message("new")),
        "add_many": lambda: store.add_many([af.Message("new")]),
        "repair": lambda: store.repair(msgs[0]),
        "cache_put": lambda: store.cache_put("x", []),
        "cache_delete": lambda: store.cache_delete("k" * 64),
        "cache_clear": lambda: store.cache_clear(),
    }
    for name, write in writes.items():
        with pytest.raises(af.UsageError, match="read-only") as ei:
            write()
        assert str(path) in str(ei.value), name
    fresh = SQLiteStore(path, readonly=True)  # adding a stored message needs no write: it is returned
    assert fresh.add(af.Message("m0")) == msgs[0] and fresh.add(msgs[3]) == msgs[3]
    fresh.close()
    forum = af.Forum(store)
    with pytest.raises(af.UsageError, match="read-only"):
        forum.post("hello")
    assert forum.post("m0") == msgs[0]
    assert forum.history(msgs[4]) == msgs and forum.verify() == 6
    close(forum)
    assert path.read_bytes() == before and len(SQLiteStore(path)) == 6


def test_readonly_sees_what_a_writer_stores(tmp_path):
    path = tmp_path / "ro.sqlite"
    msgs = filled(path)
    writer = SQLiteStore(path)
    reader = SQLiteStore(path, readonly=True)
    new = writer.add(af.Message("later", parent_id=msgs[4].id))
    assert reader.get(new.id) == new and reader.history(new.id) == [*msgs, new]
    reader.close()
    writer.close()


def test_readonly_refuses_missing_and_foreign_files(tmp_path):
    missing = tmp_path / "missing.sqlite"
    with pytest.raises(af.UsageError, match="does not exist") as ei:
        SQLiteStore(missing, readonly=True)
    assert str(missing) in str(ei.value) and not missing.exists()
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database" * 100)
    with pytest.raises(af.IntegrityError):
        SQLiteStore(junk, readonly=True)
    other = tmp_path / "other.sqlite"
    tamper(other, "CREATE TABLE people (name TEXT)")
    with pytest.raises(af.IntegrityError, match="not an agentforum_nb forum"):
        SQLiteStore(other, readonly=True)
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    with pytest.raises(af.UsageError, match="not an initialized forum"):
        SQLiteStore(empty, readonly=True)
    for bad in (1, "yes", None):
        with pytest.raises(af.UsageError, match="readonly"):
            SQLiteStore(tmp_path / "x.sqlite", readonly=bad)


def _as_unprivileged(queue, fn, args) -> None:
    try:
        if os.geteuid() == 0:
            os.setgid(NOBODY)
            os.setuid(NOBODY)
        queue.put(("ok", fn(*args)))
    except BaseException as exc:
        queue.put((type(exc).__name__, str(exc)))


def unprivileged(fn, *args):
    """Run ``fn`` where file permissions apply: in a forked child that drops root to ``nobody`` (root may write
    a chmod-444 file), or directly in a child when the tests do not run as root."""
    q = FORK.Queue()
    p = FORK.Process(target=_as_unprivileged, args=(q, fn, args))
    p.start()
    try:
        return q.get(timeout=60)
    finally:
        p.join(timeout=60)


def _open_rw(path: str):
    store = SQLiteStore(path)
    try:
        store.add(af.Message("written"))
    finally:
        store.close()
    return "opened and wrote"


def _open_ro(path: str):
    store = SQLiteStore(path, readonly=True)
    try:
        tip = next(m for m in store if m.content == "m4")
        return [m.content for m in store.history(tip.id)] + [len(store)]
    finally:
        store.close()


@pytest.fixture
def shared_dir():
    """A directory under /tmp that ``nobody`` can reach (pytest's tmp_path is private to root)."""
    d = Path(tempfile.mkdtemp(prefix="af-ro-"))
    os.chmod(d, 0o755)
    yield d
    os.chmod(d, 0o755)
    for p in d.iterdir():
        os.chmod(p, 0o644)
        p.unlink()
    d.rmdir()


def owned_by_tester(*paths) -> None:
    if os.geteuid() == 0:
        for p in paths:
            os.chown(p, NOBODY, NOBODY)


@needs_fork
def test_read_only_file(shared_dir):
    path = shared_dir / "f.sqlite"
    filled(path)
    owned_by_tester(shared_dir, path)
    os.chmod(path, 0o444)
    status, text = unprivileged(_open_rw, str(path))
    assert status == "UsageError", (status, text)
    assert "read-only" in text and str(path) in text and "readonly=True" in text
    assert unprivileged(_open_ro, str(path)) == ("ok", ["m0", "m1", "m2", "m3", "m4", 6])
    os.chmod(path, 0o644)
    assert len(SQLiteStore(path, readonly=True)) == 6  # nothing was written


@needs_fork
def test_file_in_read_only_directory(shared_dir):
    path = shared_dir / "f.sqlite"
    filled(path)  # closed cleanly: no -wal or -shm file left
    owned_by_tester(path)  # the file is writable, the directory (root's, or 0555) is not
    if os.geteuid() != 0:
        os.chmod(shared_dir, 0o555)
    try:
        status, text = unprivileged(_open_rw, str(path))
        assert status == "UsageError", (status, text)
        assert "read-only" in text and str(shared_dir) in text and "not a SQLite database" not in text
        # readonly=True reads it even though SQLite cannot create its -shm index there
        assert unprivileged(_open_ro, str(path)) == ("ok", ["m0", "m1", "m2", "m3", "m4", 6])
        status, text = unprivileged(_open_rw, str(shared_dir / "new.sqlite"))
        assert status == "UsageError" and "read-only" in text and str(shared_dir) in text, (status, text)
    finally:
        os.chmod(shared_dir, 0o755)
    assert not (shared_dir / "new.sqlite").exists() and len(SQLiteStore(path, readonly=True)) == 6


# -- 4. the bounded message cache -----------------------------------------------------------------------------------


def test_message_cache_is_bounded_by_bytes_and_forgets_the_oldest(tmp_path):
    path = tmp_path / "m.sqlite"
    msgs, parent = [], None
    for i in range(400):
        m = af.Message(f"{i:04d}" + "x" * 1000, parent_id=parent, metadata={"i": i})
        msgs.append(m)
        parent = m.id
    SQLiteStore(path).add_many(msgs)
    store = SQLiteStore(path, cache_bytes=100_000)
    first = store.get(msgs[0].id)
    for m in msgs[1:]:
        assert store.get(m.id) == m
    info = store.message_cache_info()
    assert info["limit"] == 100_000 and 0 < info["bytes"] <= 100_000
    assert 20 < info["messages"] < 100  # about 1.6 KB each
    assert store.get(msgs[-1].id) is store.get(msgs[-1].id)  # the newest are held
    assert store.get(msgs[0].id) is not first  # the oldest was forgotten (and read again)
    hist = store.history(msgs[-1].id)  # a long read: too big to cache whole, still returned whole
    assert hist == msgs and store.message_cache_info()["bytes"] <= 100_000
    store.close()

    off = SQLiteStore(path, cache_bytes=0)  # no cache at all: everything still works
    assert off.history(msgs[-1].id) == msgs and off.message_cache_info()["messages"] == 0
    forum = af.Forum(off)
    posted = post_chain(forum, 20, parent=msgs[-1])
    assert forum.history(posted[-1]) == msgs + posted and off.message_cache_info()["messages"] == 0
    close(forum)
    for bad in (-1, 1.5, "64MB", True, None):
        with pytest.raises(af.UsageError, match="cache_bytes"):
            SQLiteStore(path, cache_bytes=bad)


def test_reading_a_big_file_keeps_memory_bounded(tmp_path):
    psutil = pytest.importorskip("psutil")
    path = tmp_path / "big.sqlite"
    pad = "y" * 10_000
    msgs = [af.Message(f"{i} {pad}", sender="bot") for i in range(6000)]  # ~60 MB of content
    writer = SQLiteStore(path)
    writer.add_many(msgs)
    writer.close()
    del msgs, writer
    proc = psutil.Process()
    store = SQLiteStore(path, cache_bytes=4 * 1024 * 1024)
    before = proc.memory_info().rss
    peak = before
    n = 0
    for i, m in enumerate(store):  # streams; the cache keeps about 4 MB of it
        n += len(m.content)
        if i % 500 == 0:
            peak = max(peak, proc.memory_info().rss)
    peak = max(peak, proc.memory_info().rss)
    assert n > 60_000_000 and store.message_cache_info()["bytes"] <= 4 * 1024 * 1024
    assert peak - before < 30 * 1024 * 1024, f"RSS grew by {(peak - before) / 2**20:.0f} MB"
    store.close()


def test_iteration_ends_at_what_was_stored_when_it_began(tmp_path):
    store = SQLiteStore(tmp_path / "i.sqlite")
    store.add_many([af.Message(f"m{i}") for i in range(1200)])  # more than one batch
    seen = 0
    for m in store:
        seen += 1
        store.add(af.Message(f"added while iterating {m.content}"))
    assert seen == 1200 and len(store) == 2400
    store.close()


# -- 5. files written before the side tables ----------------------------------------------------------------------

# the schema exactly as the first release of schema_version 1 wrote it (no edges/suspect tables, user_version 0)
V1_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    content TEXT NOT NULL,
    sender TEXT NOT NULL,
    parent_id TEXT,
    reply_to_id TEXT,
    original_id TEXT,
    status TEXT NOT NULL,
    metadata TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_parent ON messages (parent_id, seq);
CREATE TABLE IF NOT EXISTS cache (
    key TEXT PRIMARY KEY,
    agent TEXT NOT NULL,
    response_ids TEXT NOT NULL
);
"""


def write_v1_file(path) -> tuple[list[af.Message], af.Message]:
    msgs, parent = [], None
    for i in range(30):
        m = af.Message(f"old {i}", parent_id=parent, metadata={"i": i} if i % 3 else None)
        msgs.append(m)
        parent = m.id
    side = af.Message("side branch", parent_id=msgs[10].id, sender="bot")
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.executescript(V1_SCHEMA)
    con.execute(
        "INSERT INTO meta VALUES ('application', 'agentforum_nb'), ('schema_version', '1'), "
        "('message_format', 'agentforum-message 1')"
    )
    for m in [*msgs[:15], side, *msgs[15:]]:
        con.execute(
            "INSERT INTO messages (id, kind, content, sender, parent_id, reply_to_id, original_id, status, "
            "metadata) VALUES (?,?,?,?,?,?,?,?,?)",
            (m.id, m.kind, m.content, m.sender, m.parent_id, m.reply_to_id, m.original_id, m.status, m.metadata_json()),
        )
    con.execute("INSERT INTO cache VALUES (?, ?, ?)", ("c" * 64, "bot", json.dumps([side.id])))
    con.close()
    return msgs, side


def objects(path) -> tuple[int, set[str]]:
    con = sqlite3.connect(path)
    version = con.execute("PRAGMA user_version").fetchone()[0]
    names = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
    con.close()
    return version, names


def test_v1_file_is_upgraded_in_place(tmp_path):
    path = tmp_path / "v1.sqlite"
    msgs, side = write_v1_file(path)
    assert objects(path)[0] == 0 and "edges" not in objects(path)[1]
    store = SQLiteStore(path)
    version, names = objects(path)
    side_objects = {"edges", "suspect", "messages_edges", "messages_suspect", "search_text"}
    assert version == LAYOUT_VERSION and side_objects <= names
    con = sqlite3.connect(path)
    assert con.execute("SELECT count(*) FROM edges").fetchone()[0] == 30  # every message with a parent
    cols = [r[1] for r in con.execute("PRAGMA table_info(messages)")]
    meta = dict(con.execute("SELECT key, value FROM meta"))
    con.close()
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
        "annotations",  # schema version 2
        "attachments",  # added to schema 2 with the attachments table
    ]
    assert meta == {"application": "agentforum_nb", "schema_version": "2", "message_format": "agentforum-message 1"}
    assert store.history(msgs[-1].id) == msgs and store.cache_get("c" * 64) == (side.id,)
    store.close()
    forum = af.Forum(path)
    assert forum.verify() == 31 and forum.history(side) == [*msgs[:11], side]
    new = post_chain(forum, 3, parent=msgs[-1])
    close(forum)
    store = SQLiteStore(path)  # cold, after the upgrade
    assert store.history(new[-1].id) == msgs + new and store.children(msgs[10].id) == [msgs[11], side]
    store.close()
    tamper(path, "UPDATE messages SET content = 'evil' WHERE id = ?", msgs[5].id)  # detected once upgraded
    store = SQLiteStore(path)
    with pytest.raises(af.IntegrityError, match=msgs[5].id):
        store.history(msgs[-1].id)
    store.close()
    SQLiteStore(path).close()  # opening again changes nothing
    assert objects(path)[0] == LAYOUT_VERSION


def test_v1_file_opened_read_only_is_not_upgraded_and_still_checked(tmp_path):
    path = tmp_path / "v1.sqlite"
    msgs, side = write_v1_file(path)
    tamper(path, "UPDATE messages SET content = 'evil' WHERE id = ?", msgs[7].id)
    store = SQLiteStore(path, readonly=True)
    assert objects(path) == (
        0,
        {
            "meta",
            "messages",
            "messages_by_parent",
            "cache",
            "sqlite_autoindex_meta_1",
            "sqlite_autoindex_messages_1",
            "sqlite_autoindex_cache_1",
        },
    )
    assert store.history(msgs[6].id) == msgs[:7]
    with pytest.raises(af.IntegrityError, match=msgs[7].id):  # without the suspect table every row is re-hashed
        store.history(msgs[-1].id)
    assert [mid for mid, v in store.scan() if isinstance(v, af.IntegrityError)] == [msgs[7].id]
    store.close()


def test_dropped_side_tables_are_rebuilt(tmp_path):
    path = tmp_path / "s.sqlite"
    forum = af.Forum(path)
    msgs = post_chain(forum, 8)
    close(forum)
    con = sqlite3.connect(path)
    con.executescript("DROP TRIGGER messages_edges; DROP TABLE edges;")
    con.close()
    store = SQLiteStore(path)
    assert store.history(msgs[-1].id) == msgs
    store.close()
    assert {"edges", "messages_edges"} <= objects(path)[1]
    store = SQLiteStore(path)
    assert store.add(af.Message("more", parent_id=msgs[-1].id)) and len(store.history(msgs[-1].id)) == 8
    store.close()


def test_cycle_among_cached_rows_ends(tmp_path):
    # with the marking trigger dropped, changed rows are trusted (only verify() re-hashes them) and cached
    # as read: the walk over cached messages must still end
    path = tmp_path / "c.sqlite"
    forum = af.Forum(path)
    msgs = post_chain(forum, 4)
    close(forum)
    con = sqlite3.connect(path)
    con.execute("DROP TRIGGER messages_suspect")
    con.execute("UPDATE messages SET parent_id = ? WHERE id = ?", (msgs[1].id, msgs[0].id))
    con.commit()
    con.close()
    store = SQLiteStore(path)
    with pytest.raises(af.IntegrityError, match="cycle"):
        in_thread(lambda: store.history(msgs[3].id))
    for m in msgs:
        store.get(m.id)  # all four now cached, their parents forming a cycle
    with pytest.raises(af.IntegrityError, match="cycle"):
        in_thread(lambda: store.history(msgs[3].id))
    store.close()
    forum = af.Forum(path)
    with pytest.raises(af.IntegrityError, match=msgs[0].id):
        forum.verify()
    close(forum)


# -- damaged files (disk corruption): IntegrityError, never a raw sqlite3 error, and the file left as it was --------


def forum_file(path) -> af.Message:
    """A SQLite forum of 400 messages in branches of ten, written the same way every time (no timestamps) and
    checkpointed into the one file; returns the last message."""
    store = SQLiteStore(path)
    last = None
    for i in range(400):
        parent = None if last is None or i % 10 == 0 else last.id
        last = store.add(af.Message(f"message number {i} " + "x" * (i % 50), parent_id=parent, metadata={"i": i}))
    store.close()
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return last


def raw_rows(path) -> object:
    """What plain sqlite3 reads of the file's messages (or the error it raises), to show the store changed none."""
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return con.execute("SELECT * FROM messages ORDER BY seq").fetchall()
        finally:
            con.close()
    except (sqlite3.Error, UnicodeDecodeError) as exc:
        return repr(exc)


def use(path, last: af.Message) -> str:
    """Open, verify and read a forum file: "ok", or where an IntegrityError came (any other exception fails)."""
    try:
        forum = af.Forum(path)
    except af.IntegrityError:
        return "IntegrityError opening"
    try:
        forum.verify()
        assert len(list(forum)) == len(forum)
        forum.history(last)
        forum.roots()
        return "ok"
    except af.IntegrityError:
        return "IntegrityError reading"
    finally:
        close(forum)


def test_bit_flipped_files_raise_integrity_errors(tmp_path):
    last = forum_file(tmp_path / "base.sqlite")
    data = (tmp_path / "base.sqlite").read_bytes()
    rng = random.Random(19)  # flips that hit pages, the schema and the header alike (4 raised raw sqlite3 errors)
    outcomes = []
    for t in range(8):
        flipped = bytearray(data)
        for _ in range(20):
            pos = rng.randrange(len(data))
            flipped[pos] ^= 1 << rng.randrange(8)
        path = tmp_path / f"flipped{t}.sqlite"
        path.write_bytes(flipped)
        before = raw_rows(path)
        outcomes.append(use(path, last))
        assert raw_rows(path) == before  # nothing stored was changed or lost
    assert outcomes.count("ok") < 4, outcomes


@pytest.mark.parametrize("damage", ["a renamed column", "a smashed page"])
def test_damaged_schemas_and_pages_raise_integrity_errors(tmp_path, damage):
    path = tmp_path / "f.sqlite"
    last = forum_file(path)
    con = sqlite3.connect(path)
    root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'messages'").fetchone()[0]
    start = (root - 1) * con.execute("PRAGMA page_size").fetchone()[0]
    con.close()
    data = path.read_bytes()
    if damage == "a renamed column":
        data = data.replace(b"content TEXT NOT NULL", b"contenx TEXT NOT NULL", 1)
    else:  # the header of the messages table's first page
        data = data[:start] + b"\xff" * 12 + data[start + 12 :]
    path.write_bytes(data)
    before = raw_rows(path)
    assert use(path, last) == "IntegrityError opening"
    with pytest.raises(af.IntegrityError, match="damaged"):
        SQLiteStore(path, readonly=True)
    assert raw_rows(path) == before and path.read_bytes() == data


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_message_caches_forget_the_least_recently_used(tmp_path, request, kind):
    if kind == "sqlite":
        store = SQLiteStore(tmp_path / "lru.sqlite", cache_bytes=5_000)
    else:
        from agentforum_nb.store.postgres import PostgresStore

        store = PostgresStore(request.getfixturevalue("pg_server").create_database(), cache_bytes=5_000)
    a, b, c = (store.add(af.Message(t + "x" * 1000)) for t in "abc")  # about 1.6 KB each: three fit in 5,000
    assert store.get(a.id) is a  # held; reading it marks it used
    store.add(af.Message("d" + "x" * 1000))  # one must go: b, the least recently used, not a, the oldest
    info = store.message_cache_info()
    assert info["messages"] == 3 and info["evicted"] == 1 and info["bytes"] <= info["limit"] == 5_000
    assert store.get(a.id) is a
    assert store.get(b.id) == b and store.get(b.id) is not b  # read again from the database
    store.close()
