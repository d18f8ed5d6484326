"""What only the PostgreSQL store has (API.md section 13): its schema and meta checks, connection errors, rows
tampered with behind its back, U+0000, reconnecting after a server restart, all-or-nothing batches, privileges,
``poll()``/``forum.refresh()`` (including a transaction that commits a lower ``seq`` after a higher one was
seen), concurrent annotations and cache entries, forked children, and moving a SQLite forum over.

The behaviour shared with the other stores is tested by the suites parametrized over every store
(test_store.py, test_annotations.py, test_search.py); several processes at once are in test_shared_forums.py.
Each test gets a new database on the session's throwaway server (tests/pg_server.py); the tests skip when
PostgreSQL is not installed, unless AGENTFORUM_REQUIRE_POSTGRES=1.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import threading
import time

import pytest

import agentforum_nb as af

try:
    import psycopg
except ImportError:  # pragma: no cover - depends on the installation
    if os.environ.get("AGENTFORUM_REQUIRE_POSTGRES") == "1":
        raise
    pytest.skip("psycopg is not installed (pip install 'agentforum_nb[postgres]')", allow_module_level=True)

from agentforum_nb.messages import EMPTY_METADATA, rebuild
from agentforum_nb.store.postgres import SCHEMA_VERSION, PostgresStore, _values, copy_forum

try:
    FORK = multiprocessing.get_context("fork")
except ValueError:  # pragma: no cover - platforms without fork
    FORK = None


def close(*forums: af.Forum) -> None:
    for f in forums:
        if not f.closed:
            asyncio.run(f.aclose())


def sql(url: str, statement: str, *args):
    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.execute(statement, args or None)
        return cur.fetchall() if cur.description else []


def chain(forum: af.Forum, n: int, parent=None, tag: str = "m") -> list[af.Message]:
    out = []
    for i in range(n):
        parent = forum.post(f"{tag}{i}", parent=parent)
        out.append(parent)
    return out


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
    assert not t.is_alive(), f"{fn} did not return within {timeout} s"
    if "error" in box:
        raise box["error"]
    return box["value"]


# -- opening: the package, the schema, foreign databases ----------------------------------------------------------


def test_importing_agentforum_nb_does_not_import_psycopg():
    code = (
        "import sys, agentforum_nb as af, agentforum_nb.store as s\n"
        "assert 'psycopg' not in sys.modules, 'imported psycopg'\n"
        "af.Forum().post('x')\n"
        "assert 'psycopg' not in sys.modules\n"
        "assert s.PostgresStore.__name__ == 'PostgresStore' and 'psycopg' in sys.modules\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_a_new_database_gets_the_documented_schema(pg_url):
    f = af.Forum(pg_url)
    assert isinstance(f.store, PostgresStore) and f.store.schema == "public"
    m = f.post("Hello Straße", metadata={"b": 1, "a": [0.5]})
    close(f)
    meta = dict(sql(pg_url, "SELECT key, value FROM meta"))
    assert meta == {
        "application": "agentforum_nb",
        "schema_version": str(SCHEMA_VERSION),
        "message_format": "agentforum-message 1",
        "store": "postgresql",
    }
    tables = {r[0] for r in sql(pg_url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert tables == {"meta", "messages", "cache", "experiments", "experiment_runs", "attachments"}
    cols = [
        r[0]
        for r in sql(
            pg_url,
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'messages' "
            "ORDER BY ordinal_position",
        )
    ]
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
        "nul_text",
        "folded",
        "writer",
        "xact",
        "suspect",
    ]
    row = sql(pg_url, "SELECT id, content, metadata, annotations, folded, nul_text, suspect FROM messages")[0]
    assert row[:3] == (m.id, "Hello Straße", '{"a":[0.5],"b":1}')  # metadata as its canonical JSON
    assert list(json.loads(row[3])) == ["created_at"]
    assert row[4] == "hello strasse" and row[5] is None and row[6] is False  # folded by Python's casefold()
    indexes = {r[0] for r in sql(pg_url, "SELECT indexname FROM pg_indexes WHERE tablename = 'messages'")}
    assert {"messages_by_parent", "messages_by_xact", "messages_folded_trgm"} <= indexes  # pg_trgm is there
    assert sql(pg_url, "SELECT tgname FROM pg_trigger WHERE tgname = 'messages_suspect'")
    g = af.Forum(pg_url.replace("postgresql://", "postgres://"))  # both spellings; reopening checks meta
    assert g.get(m.id) == m and g.verify() == 1
    close(g)


def test_a_schema_of_its_own(pg_url):
    sql(pg_url, "CREATE TABLE people (name text)")  # the database holds something else too
    with pytest.raises(af.IntegrityError, match="not an agentforum_nb forum") as ei:
        af.Forum(pg_url)
    assert "?schema=" in str(ei.value)
    a = af.Forum(pg_url + "?schema=team a")  # created, quoted as an identifier
    b = af.Forum(PostgresStore(pg_url, schema="team b"))
    ma, mb = a.post("in a"), b.post("in b")
    assert ma not in b and mb not in a and len(a) == len(b) == 1
    assert sql(pg_url, 'SELECT content FROM "team a".messages') == [("in a",)]
    with pytest.raises(af.UsageError, match="disagree"):
        PostgresStore(pg_url + "?schema=x", schema="y")
    with pytest.raises(af.UsageError, match="schema"):
        PostgresStore(pg_url, schema="")
    assert sql(pg_url, "SELECT name FROM people") == []  # left alone
    close(a, b)


def test_foreign_and_newer_forums_are_refused(pg_server):
    other_app = pg_server.create_database()
    sql(other_app, "CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL)")
    sql(other_app, "INSERT INTO meta VALUES ('application', 'something else')")
    with pytest.raises(af.IntegrityError, match="not an agentforum_nb forum"):
        af.Forum(other_app)
    odd_meta = pg_server.create_database()
    sql(odd_meta, "CREATE TABLE meta (name text)")
    sql(odd_meta, "INSERT INTO meta VALUES ('x')")
    with pytest.raises(af.IntegrityError, match="not an agentforum_nb forum"):
        af.Forum(odd_meta)
    newer = pg_server.create_database()
    close(af.Forum(newer))
    sql(newer, "UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(af.IntegrityError, match="schema version 99"):
        af.Forum(newer)
    assert sql(other_app, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(1,)]  # nothing added
    latin = "latin_" + os.urandom(4).hex()
    pg_server.sql(f"CREATE DATABASE {latin} ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0")
    with pytest.raises(af.UsageError, match="UTF8"):
        af.Forum(pg_server.url(latin))


def test_readonly_applies_to_sqlite_only(pg_url):
    with pytest.raises(af.UsageError, match="SELECT privileges"):
        af.Forum(pg_url, readonly=True)


# -- connection errors ------------------------------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_refusing_or_silent_server_raises_usage_error_within_seconds(pg_server):
    port = closed_port()
    t0 = time.monotonic()
    with pytest.raises(af.UsageError, match=f"127.0.0.1:{port}") as ei:
        af.Forum(f"postgresql://someone:s3cret@127.0.0.1:{port}/db")
    assert time.monotonic() - t0 < 5 and "s3cret" not in str(ei.value) and "refused" in str(ei.value).lower()
    silent = socket.socket()  # accepts connections (the kernel does) and never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        t0 = time.monotonic()
        with pytest.raises(af.UsageError, match="cannot connect") as ei:
            af.Forum(f"postgresql://u@127.0.0.1:{silent.getsockname()[1]}/db?connect_timeout=1")
        assert time.monotonic() - t0 < 5 and "127.0.0.1" in str(ei.value)
        t0 = time.monotonic()
        with pytest.raises(af.UsageError, match=r"127\.0\.0\.1"):  # the default timeout is a few seconds too
            PostgresStore(f"postgresql://u@127.0.0.1:{silent.getsockname()[1]}/db", connect_timeout=2)
        assert time.monotonic() - t0 < 6
    finally:
        silent.close()
    with pytest.raises(af.UsageError, match="no_such_db"):
        af.Forum(pg_server.url("no_such_db"))
    with pytest.raises(af.UsageError, match="nobody_here"):
        af.Forum(pg_server.url("postgres", user="nobody_here"))
    for bad in ("postgresql://[oops", "postgresql://h/db?nonsense_option=1"):
        with pytest.raises(af.UsageError):
            af.Forum(bad)
    with pytest.raises(af.UsageError, match="cache_bytes"):
        PostgresStore(pg_server.url(), cache_bytes=-1)


def test_password_is_never_shown(pg_server):
    db = pg_server.create_database().rsplit("/", 1)[1]
    store = PostgresStore(f"postgresql://postgres:s3cret@127.0.0.1:{pg_server.port}/{db}")  # trust: accepted
    assert "s3cret" not in repr(store) and "127.0.0.1" in repr(store)
    store.close()
    with pytest.raises(af.UsageError, match="closed"):
        store.get("0" * 64)


# -- rows changed behind the store's back -------------------------------------------------------------------------


def test_a_tampered_row_is_reported_and_repaired(pg_url):
    f = af.Forum(pg_url)
    msgs = chain(f, 4)
    close(f)
    sql(pg_url, "UPDATE messages SET content = 'evil' WHERE id = %s", msgs[1].id)
    assert sql(pg_url, "SELECT suspect FROM messages WHERE id = %s", msgs[1].id) == [(True,)]  # the trigger
    sql(pg_url, "UPDATE messages SET annotations = '{\"x\":1}' WHERE id = %s", msgs[2].id)
    assert sql(pg_url, "SELECT suspect FROM messages WHERE id = %s", msgs[2].id) == [(False,)]  # outside the id
    g = af.Forum(pg_url)
    with pytest.raises(af.IntegrityError) as ei:
        g.verify()
    assert len(ei.value.problems) == 1 and msgs[1].id in ei.value.problems[0]
    for read in (lambda: g.get(msgs[1].id), lambda: g.history(msgs[3].id), lambda: g.children(msgs[0].id)):
        with pytest.raises(af.IntegrityError, match=msgs[1].id):
            read()
    assert g.get(msgs[2].id).verify() and g.annotations(msgs[2])["x"] == 1
    assert g.post("m1", parent=msgs[0]) == msgs[1] and g.verify() == 4  # posting it again rewrites the row
    assert sql(pg_url, "SELECT content, suspect FROM messages WHERE id = %s", msgs[1].id) == [("m1", False)]
    close(g)


def test_corrupt_fields_missing_rows_and_parent_cycles(pg_url):
    f = af.Forum(pg_url)
    msgs = chain(f, 3)
    close(f)
    sql(pg_url, "UPDATE messages SET metadata = '{not json' WHERE id = %s", msgs[0].id)
    sql(pg_url, "DELETE FROM messages WHERE id = %s", msgs[1].id)
    g = af.Forum(pg_url)
    with pytest.raises(af.IntegrityError) as ei:
        g.verify()
    text = "\n".join(ei.value.problems)
    assert f"parent_id {msgs[1].id} is missing" in text and "corrupt metadata" in text
    with pytest.raises(af.IntegrityError, match="broken"):
        g.history(msgs[2].id)
    close(g)
    # a cycle: a's parent is b and b's parent is a (with the trigger off, as a careless script might)
    sql(pg_url, "DELETE FROM messages")
    h = af.Forum(pg_url)
    a = h.post("a")
    b = h.post("b", parent=a)
    close(h)
    sql(pg_url, "ALTER TABLE messages DISABLE TRIGGER messages_suspect")
    sql(pg_url, "UPDATE messages SET parent_id = %s WHERE id = %s", b.id, a.id)
    h = af.Forum(pg_url)  # no trigger: every row read is re-hashed
    with pytest.raises(af.IntegrityError, match=r"cycle|does not match"):
        in_thread(lambda: h.history(b.id))
    with pytest.raises(af.IntegrityError):
        h.verify()
    close(h)


def test_history_of_a_cycle_among_trusted_rows_ends(pg_url):
    # rows inserted by another program with ids that close a loop, trusted (not suspect): history must end
    f = af.Forum(pg_url)
    a = af.Message("a")
    fake_b = rebuild("b" * 64, "message", "b", "user", "c" * 64, None, None, "complete", EMPTY_METADATA)
    fake_c = rebuild("c" * 64, "message", "c", "user", "b" * 64, None, None, "complete", EMPTY_METADATA)
    f.store.add_many([a, fake_b, fake_c])
    close(f)
    g = af.Forum(pg_url)
    with pytest.raises(af.IntegrityError, match="cycle"):
        in_thread(lambda: g.history("b" * 64))
    assert in_thread(lambda: g.history(a.id)) == [a]
    close(g)


# -- U+0000, which PostgreSQL text cannot hold -------------------------------------------------------------------


def test_nul_characters_round_trip_exactly(pg_url):
    f = af.Forum(pg_url)
    a = f.post("before\x00after", sender="bot\x00x", metadata={"k\x00": "v\x00"})
    b = f.post("plain", parent=a)
    f.annotate(a, note="n\x00te")
    g = af.Forum(pg_url)
    got = g.get(a.id)
    assert got.content == "before\x00after" and got.sender == "bot\x00x" and dict(got.metadata) == {"k\x00": "v\x00"}
    assert got.verify() and g.verify() == 2 and g.history(b.id) == [a, b]
    assert g.annotations(a)["note"] == "n\x00te"
    assert g.search("\x00") == [a] and g.search("E\x00A") == [a] and g.search("\ufffd") == []
    assert g.search("", sender="bot\x00x") == [a] and g.search("", sender="bot\ufffdx") == []
    assert sql(pg_url, "SELECT content FROM messages WHERE id = %s", a.id) == [("before\ufffdafter",)]
    assert g.post("before\x00after", sender="bot\x00x", metadata={"k\x00": "v\x00"}) == a and len(g) == 2
    close(f, g)


# -- the server goes away -----------------------------------------------------------------------------------------


def test_server_restart_while_a_forum_is_open(pg_server, pg_url):
    f = af.Forum(pg_url)
    g = af.Forum(pg_url)
    a = f.post("before the restart")
    pg_server.restart()  # fast shutdown: every connection is closed by the server
    b = f.post("after the restart", parent=a)  # the next operation reconnects
    assert f.history(b) == [a, b] and g.history(b.id) == [a, b] and g.refresh() == [a, b]
    pg_server.restart(mode="immediate")  # a crash: the server recovers from its WAL
    c = g.post("after the crash", parent=b)
    assert f.get(c.id) == c and f.verify() == 3
    pg_server.halt()  # the server is down: a clear error naming it, within seconds, nothing half-written
    try:
        t0 = time.monotonic()
        with pytest.raises(af.UsageError, match=r"127\.0\.0\.1") as ei:
            f.post("while it is down", parent=c)
        assert time.monotonic() - t0 < 10 and "could not reconnect" in str(ei.value)
        with pytest.raises(af.UsageError):
            f.store.add_many([af.Message(f"batch {i}") for i in range(10)])
    finally:
        pg_server.launch()
    assert len(f) == 3 and f.verify() == 3  # and the store works again
    assert f.post("while it is down", parent=c).parent_id == c.id and len(g) == 4
    close(f, g)


def test_a_connection_killed_inside_a_transaction_is_retried_whole(pg_url):
    f = af.Forum(pg_url)
    root = f.post("root")
    batch = [af.Message(f"child {i}", parent_id=root.id) for i in range(3000)]
    pid = sql(
        pg_url,
        "SELECT pid FROM pg_stat_activity WHERE application_name = 'agentforum_nb' AND datname = current_database()",
    )
    assert len(pid) == 1
    with psycopg.connect(pg_url) as blocker:  # holds a lock the batch waits for, then its backend is terminated
        blocker.execute("LOCK TABLE messages IN SHARE MODE")
        worker = threading.Thread(target=lambda: f.store.add_many(batch))
        worker.start()
        for _ in range(200):
            waiting = sql(pg_url, "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
            if waiting:
                break
            time.sleep(0.02)
        assert waiting == pid
        sql(pg_url, "SELECT pg_terminate_backend(%s, 10000)", pid[0][0])  # returns once the backend is gone
        blocker.rollback()  # releases the lock: the retried batch goes through
    worker.join(60)
    assert not worker.is_alive()
    assert len(f) == 3001 and [m.id for m in f.children(root)] == [m.id for m in batch]
    close(f)


def test_add_many_is_all_or_nothing(pg_url):
    f = af.Forum(pg_url)
    keep = f.post("kept")
    sql(pg_url, "ALTER TABLE messages ADD CONSTRAINT no_boom CHECK (content <> 'boom')")
    batch = [af.Message(f"m{i}") for i in range(4500)] + [af.Message("boom")]  # fails in the third statement
    with pytest.raises(psycopg.errors.CheckViolation):
        f.store.add_many(batch)
    assert list(f) == [keep] and f.verify() == 1
    sql(pg_url, "ALTER TABLE messages DROP CONSTRAINT no_boom")
    f.store.add_many([keep, *batch], {batch[0].id: {"label": "first"}, keep.id: {"label": "kept"}})
    f.store.add_many([keep, batch[0]], {keep.id: {"created_at": "1999-01-01T00:00:00.000Z"}})
    assert len(f) == 4502 and f.annotations(keep)["label"] == "kept"
    assert f.annotations(keep)["created_at"] == "1999-01-01T00:00:00.000Z"  # the earlier time
    assert f.annotations(batch[0]) == {"label": "first"}
    close(f)


# -- privileges ------------------------------------------------------------------------------------------------


def test_privileges_a_forum_needs(pg_server, pg_url):
    owner = af.Forum(pg_url)
    m = owner.post("hello")
    db = pg_url.rsplit("/", 1)[1]
    suffix = os.urandom(3).hex()
    reader, writer = f"reader_{suffix}", f"writer_{suffix}"
    # the grants docs/stores.md lists
    for stmt in (
        f"CREATE ROLE {reader} LOGIN",
        f"CREATE ROLE {writer} LOGIN",
        f"GRANT USAGE ON SCHEMA public TO {reader}, {writer}",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {reader}",
        f"GRANT SELECT, INSERT, UPDATE ON meta, messages TO {writer}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON cache TO {writer}",
        f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {writer}",
    ):
        sql(pg_url, stmt)
    ro = af.Forum(pg_server.url(db, user=reader))
    assert ro.get(m.id) == m and ro.search("HELLO") == [m] and ro.refresh() == []
    with pytest.raises(af.UsageError, match=f"role '{reader}' may not store a message") as ei:
        ro.post("not allowed")
    assert "docs/stores.md" in str(ei.value)
    with pytest.raises(af.UsageError, match="may not annotate"):
        ro.annotate(m, label="x")
    rw = af.Forum(pg_server.url(db, user=writer))
    n = rw.post("allowed", parent=m)
    rw.annotate(n, label="y")
    rw.store.cache_put("k", [n.id], agent="a")
    assert rw.cache_clear() == 1 and owner.refresh() == [n] and ro.refresh() == [n]
    nobody = pg_server.create_database()
    sql(nobody, "REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    with pytest.raises(af.UsageError, match=f"role '{writer}' may not open the forum"):
        af.Forum(pg_server.url(nobody.rsplit("/", 1)[1], user=writer))
    close(owner, ro, rw)


# -- what others stored: poll() and forum.refresh() ----------------------------------------------------------------


def test_refresh_finds_a_lower_seq_committed_after_a_higher_one(pg_url):
    observer = af.Forum(pg_url)
    writer = af.Forum(pg_url)
    slow = af.Message("slow transaction")
    v = _values(slow, {"created_at": "2020-01-01T00:00:00.000Z"})
    with psycopg.connect(pg_url) as conn:  # a transaction that draws its seq first and commits last
        conn.execute(
            "INSERT INTO messages (id, kind, content, sender, parent_id, reply_to_id, original_id, status, "
            "metadata, nul_text, annotations, folded, attachments) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
            v,
        )
        fast = writer.post("fast transaction")
        assert observer.refresh() == [fast]
        assert not observer.store.has_changes()
        conn.commit()
    seqs = dict(sql(pg_url, "SELECT id, seq FROM messages"))
    assert seqs[slow.id] < seqs[fast.id]  # stored first, committed later
    assert observer.store.has_changes()
    assert observer.refresh() == [slow] and observer.refresh() == []
    assert [m.id for m in observer] == [slow.id, fast.id]
    close(observer, writer)


def test_has_changes_stays_cheap_and_exact(pg_url):
    f, other = af.Forum(pg_url), af.Forum(pg_url)
    for i in range(50):
        f.post(f"own {i}")
    assert not f.store.has_changes() and f.refresh() == []  # its own posts are not changes
    other.post("theirs")
    assert f.store.has_changes() and f.store.has_changes()  # asking does not consume
    assert [m.content for m in f.refresh()] == ["theirs"]
    assert not f.store.has_changes()
    close(f, other)


# -- several writers at once, in one process ---------------------------------------------------------------------


def test_concurrent_annotations_lose_nothing(pg_url):
    f = af.Forum(pg_url)
    m = f.post("annotated by many")
    forums = [af.Forum(pg_url) for _ in range(4)]
    barrier = threading.Barrier(4)

    def annotate(i: int) -> None:
        barrier.wait()
        for j in range(25):
            forums[i].annotate(m, **{f"k{i}_{j}": j})

    threads = [threading.Thread(target=annotate, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    notes = f.annotations(m)
    assert all(notes[f"k{i}_{j}"] == j for i in range(4) for j in range(25)) and len(notes) == 101
    close(f, *forums)


def test_cache_put_is_an_upsert_shared_by_every_store(pg_url):
    one, two = PostgresStore(pg_url), PostgresStore(pg_url)
    one.cache_put("k", ["a" * 64], agent="bot")
    two.cache_put("k", ["b" * 64], agent="bot")
    assert one.cache_get("k") == ("b" * 64,) and len(one.cache_entries()) == 1
    two.cache_put("j", [], agent="other\x00")
    assert [k for k, _, _ in one.cache_entries()] == ["k", "j"]
    sql(pg_url, "UPDATE cache SET response_ids = 'oops' WHERE key = 'k'")
    assert one.cache_get("k") == ("<corrupt entry>",)  # the forum treats it as a miss and repairs it
    assert two.cache_clear() == 2 and one.cache_get("k") is None
    one.close()
    two.close()


def _post_in_child(forum: af.Forum, queue) -> None:
    try:
        queue.put(("ok", forum.post("from the child").id))
    except BaseException as exc:
        queue.put(("error", repr(exc)))


@pytest.mark.skipif(FORK is None, reason="needs the fork start method")
def test_a_forked_child_opens_its_own_connection(pg_url):
    f = af.Forum(pg_url)
    a = f.post("from the parent")
    q = FORK.Queue()
    p = FORK.Process(target=_post_in_child, args=(f, q))
    p.start()
    status, mid = q.get(timeout=60)
    p.join(60)
    assert status == "ok", mid
    assert f.get(mid).content == "from the child" and f.refresh()[0].id == mid  # another process wrote it
    assert f.post("parent again", parent=a).parent_id == a.id  # the parent's connection is intact
    close(f)


# -- moving a SQLite forum into PostgreSQL -----------------------------------------------------------------------


def test_copy_a_sqlite_forum_into_postgres(tmp_path, pg_url):
    lite = af.Forum(tmp_path / "team.sqlite")
    root = lite.post("root")
    kids = [lite.post(f"k{i}", parent=root, sender=f"agent{i}") for i in (2, 0, 1)]
    lite.forward(kids[0], to=kids[2])
    lite.annotate(kids[1], label="good")
    lite.store.cache_put("key", [kids[1].id], agent="agent0")
    pg = af.Forum(pg_url)
    assert copy_forum(lite, pg) == 5 and copy_forum(lite, pg) == 0
    assert [m.id for m in pg] == [m.id for m in lite] and pg.verify() == 5
    assert [m.id for m in pg.children(root)] == [m.id for m in kids]
    assert pg.annotations(kids[1]) == lite.annotations(kids[1])
    assert pg.cache_entries() == lite.cache_entries()
    with pytest.raises(af.UsageError, match="Forum or a Store"):
        copy_forum("nope", pg)
    close(lite, pg)
