"""Core-layer benchmarks: messages and the Forum store (not a test).

Measures, on this machine:

* ``post`` throughput for a 10,000-message chain, in memory and to SQLite (default ``synchronous="NORMAL"``,
  and ``"OFF"`` for reference), each SQLite figure next to its floor: a plain ``sqlite3`` loop inserting the
  same rows, one commit each, into a file with the same schema, indexes, triggers and pragmas (the file is
  created by ``SQLiteStore`` and closed again, so the schema cannot drift), runs interleaved with the store's;
* ``history()`` of the last message of a 10,000-message chain: memory, SQLite warm (same forum object), SQLite
  after reopening the file (a fresh process's view: nothing cached) next to its floor, a fresh plain
  ``sqlite3`` connection fetching the same rows with one recursive query over ``edges`` (no ``Message``
  objects), and for reference the version-1 query (recursive over the text ids) on the same file;
* ``Message`` construction (no metadata; JSON metadata on the stdlib fast path; metadata with floats, which
  takes the ``rfc8785`` path);
* attachments: posting a 1,000-message chain to SQLite where every message has the same 1 MB image (one
  ``af.Attachment``, made inside the timing: its bytes are hashed once) next to the same chain without it, runs
  interleaved; and how much bigger the file is (the bytes are stored once);
* peak RSS of the benchmark process (``resource.getrusage``).

Targets: >= 100,000 posts/s in memory, >= 20,000 posts/s to SQLite and >= 0.8x its floor, ``history()`` of a
10,000 chain <= 10 ms; posts sharing a 1 MB image >= 0.8x the rate of posts without it, the file about 1 MB
bigger (<= 1.2 MB). Timings on a shared VM are noisy: runs are interleaved, and ratios use medians.

Usage: ``python benchmarks/bench_store.py [--json] [--repeat N]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import agentforum_nb as af
from agentforum_nb.store import SQLiteStore

N = 10_000


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def post_chain(forum: af.Forum, n: int = N) -> af.Message:
    parent = None
    for i in range(n):
        parent = forum.post(f"message {i}", parent=parent)
    return parent


COLUMNS = "id, kind, content, sender, parent_id, reply_to_id, original_id, status, metadata"
M_COLUMNS = ", ".join("m." + c.strip() for c in COLUMNS.split(","))
# the store's history query, written out plainly: the floor of history() after reopening
FLOOR_HISTORY_SQL = f"""WITH RECURSIVE chain(seq) AS (
        SELECT seq FROM messages WHERE id = ?
        UNION ALL
        SELECT e.parent_seq FROM chain JOIN edges e ON e.seq = chain.seq)
    SELECT {M_COLUMNS}, EXISTS (SELECT 1 FROM suspect s WHERE s.seq = m.seq)
    FROM chain JOIN messages m ON m.seq = chain.seq"""
# what history() ran before the edges table (schema version 1 as first released): for reference
V1_HISTORY_SQL = f"""WITH RECURSIVE chain(id, depth) AS (
        SELECT ?, 0
        UNION ALL
        SELECT m.parent_id, chain.depth + 1 FROM messages m JOIN chain ON m.id = chain.id
        WHERE m.parent_id IS NOT NULL)
    SELECT {M_COLUMNS} FROM chain JOIN messages m ON m.id = chain.id ORDER BY chain.depth"""


def chain_rows(n: int = N) -> list[tuple]:
    """The rows of the chain post_chain() stores (same ids, so the same index order)."""
    out, parent = [], None
    for i in range(n):
        m = af.Message(f"message {i}", parent_id=parent)
        out.append(
            (
                m.id,
                m.kind,
                m.content,
                m.sender,
                m.parent_id,
                m.reply_to_id,
                m.original_id,
                m.status,
                m.metadata_json(),
                '{"created_at":"2026-12-01T21:30:43.123Z"}',  # as the store writes them, in the same INSERT
            )
        )
        parent = m.id
    return out


def floor_inserts(path: Path, rows: list[tuple], sync: str) -> float:
    """A plain sqlite3 loop: one INSERT, one commit per row, into a file with the store's schema and pragmas."""
    SQLiteStore(path, synchronous=sync).close()  # creates the schema (tables, indexes, triggers), WAL mode
    con = sqlite3.connect(str(path), isolation_level=None, timeout=30.0)
    con.execute("PRAGMA busy_timeout = 30000")
    con.execute(f"PRAGMA synchronous={sync}")
    sql = f"INSERT OR IGNORE INTO messages ({COLUMNS}, annotations) VALUES (?,?,?,?,?,?,?,?,?,?)"
    t0 = time.perf_counter()
    for row in rows:
        con.execute(sql, row)  # autocommit: each row its own committed transaction
    dt = time.perf_counter() - t0
    con.close()
    return dt


ATTACHED_N = 1_000
IMAGE_BYTES = 1024 * 1024


def attached_chain(path: Path, image: bytes | None) -> tuple[float, int]:
    """Seconds to post a 1,000-message chain to a new SQLite file (each message with the same image when given,
    as one ``af.Attachment`` made in the timing), and the file's size once closed (WAL checkpointed)."""
    forum = af.Forum(SQLiteStore(path))
    t0 = time.perf_counter()
    attachments = [af.Attachment(image, "image/png", "chart.png")] if image is not None else []
    parent = None
    for i in range(ATTACHED_N):
        parent = forum.post(f"message {i}", parent=parent, attachments=attachments)
    dt = time.perf_counter() - t0
    forum.store.close()
    return dt, path.stat().st_size


def attachment_posts(folder: Path, repeat: int) -> dict:
    image = random.Random(3).randbytes(IMAGE_BYTES)  # incompressible, like a real picture
    plain_t, image_t, growth = [], [], []
    for k in range(max(repeat, 5)):  # interleaved: both see the same state of the machine
        t, plain_size = attached_chain(folder / f"plain{k}.sqlite", None)
        plain_t.append(t)
        t, image_size = attached_chain(folder / f"image{k}.sqlite", image)
        image_t.append(t)
        growth.append(image_size - plain_size)
    return {
        "attached_plain_posts_per_s": ATTACHED_N / statistics.median(plain_t),
        "attached_image_posts_per_s": ATTACHED_N / statistics.median(image_t),
        "attached_vs_plain": statistics.median(plain_t) / statistics.median(image_t),
        "attached_growth_mb": statistics.median(growth) / 1e6,
    }


SEARCH_N = 100_000
SEARCH_NEEDLES = [("word", "quorlimba"), ("phrase", "vesta nuro"), ("two_chars", "qz")]


def search_corpus(n: int) -> list[af.Message]:
    """n messages of 8 to 20 words from a vocabulary of 4,000 made-up words (a few accented)."""
    rnd = random.Random(7)
    syllables = ["ve", "sta", "nu", "ro", "qua", "lim", "ba", "tor", "mi", "zé", "ka", "do", "ri", "fan", "ël", "po"]
    vocab = sorted({"".join(rnd.choice(syllables) for _ in range(rnd.randint(2, 4))) for _ in range(6000)})[:4000]
    vocab += ["quorlimba", "vesta", "nuro"]
    out = []
    for i in range(n):
        words = [rnd.choice(vocab) for _ in range(rnd.randint(8, 20))]
        out.append(af.Message(" ".join(words).capitalize() + f" ({i})", sender=rnd.choice(["user", "bot", "critic"])))
    return out


def run(repeat: int) -> dict:
    r: dict = {"n": N, "repeat": repeat}

    # -- Message construction ------------------------------------------------------------------------------------
    md_fast = {"model": "gpt", "tokens": 123, "tags": ["a", "b"], "ok": True}
    md_slow = {"model": "gpt", "temperature": 0.7, "scores": [0.25, 1.5]}
    for name, make in (
        ("plain", lambda i: af.Message(f"m{i}", sender="bot")),
        ("metadata", lambda i: af.Message(f"m{i}", sender="bot", metadata=md_fast)),
        ("float_metadata", lambda i: af.Message(f"m{i}", sender="bot", metadata=md_slow)),
    ):
        best = min(timed(lambda make=make: [make(i) for i in range(N)], repeat))
        r[f"message_{name}_us"] = best / N * 1e6

    # -- posting ---------------------------------------------------------------------------------------------------
    r["memory_posts_per_s"] = N / min(timed(lambda: post_chain(af.Forum()), repeat))
    rows = chain_rows()
    with tempfile.TemporaryDirectory() as d:
        counter = iter(range(1000))

        def sqlite_chain(sync: str) -> float:
            forum = af.Forum(SQLiteStore(Path(d) / f"p{next(counter)}.sqlite", synchronous=sync))
            t0 = time.perf_counter()
            post_chain(forum)
            dt = time.perf_counter() - t0
            forum.store.close()
            return dt

        for sync, key in (("NORMAL", "sqlite"), ("OFF", "sqlite_off")):
            store_t, floor_t = [], []
            for _ in range(repeat):  # interleaved, so that both see the same state of the machine
                store_t.append(sqlite_chain(sync))
                floor_t.append(floor_inserts(Path(d) / f"f{next(counter)}.sqlite", rows, sync))
            # median, not best: the cost of checkpoints (fsync) varies from run to run
            r[f"{key}_posts_per_s"] = N / statistics.median(store_t)
            r[f"{key}_floor_posts_per_s"] = N / statistics.median(floor_t)
            r[f"{key}_vs_floor"] = statistics.median(floor_t) / statistics.median(store_t)
            r[f"{key}_vs_floor_best"] = min(floor_t) / min(store_t)

        # -- attachments ------------------------------------------------------------------------------------------
        r.update(attachment_posts(Path(d), repeat))

        # -- history ----------------------------------------------------------------------------------------------
        forum = af.Forum()
        last = post_chain(forum)
        assert len(forum.history(last)) == N
        r["memory_history_ms"] = statistics.median(timed(lambda: forum.history(last.id), repeat * 3)) * 1000

        path = Path(d) / "h.sqlite"
        forum = af.Forum(path)
        last = post_chain(forum)
        r["sqlite_history_warm_ms"] = statistics.median(timed(lambda: forum.history(last.id), repeat * 3)) * 1000
        forum.store.close()
        con = sqlite3.connect(str(path))
        has_edges = con.execute("SELECT count(*) FROM sqlite_master WHERE name = 'edges'").fetchone()[0] == 1
        con.close()
        floor_sql = FLOOR_HISTORY_SQL if has_edges else V1_HISTORY_SQL  # (a store without the edges table)
        cold, floor, v1 = [], [], []
        for _ in range(max(repeat, 5)):
            reopened = af.Forum(path)
            t0 = time.perf_counter()
            hist = reopened.history(last.id)
            cold.append(time.perf_counter() - t0)
            assert len(hist) == N
            reopened.store.close()
            for sql, out in ((floor_sql, floor), (V1_HISTORY_SQL, v1)):
                con = sqlite3.connect(str(path))
                t0 = time.perf_counter()
                got = con.execute(sql, (last.id,)).fetchall()
                out.append(time.perf_counter() - t0)
                assert len(got) == N
                con.close()
        r["sqlite_history_reopen_ms"] = statistics.median(cold) * 1000
        r["sqlite_history_reopen_floor_ms"] = statistics.median(floor) * 1000
        r["sqlite_history_v1_query_ms"] = statistics.median(v1) * 1000

        # -- search over 100,000 messages ------------------------------------------------------------------------
        corpus = search_corpus(SEARCH_N)
        mem = af.Forum()
        for m in corpus:
            mem.store.add(m)
        spath = Path(d) / "search.sqlite"
        lite = af.Forum(spath)
        lite.store.add_many(corpus)
        t0 = time.perf_counter()
        lite.search("warm up the index", limit=1)
        r["search_index_build_s"] = time.perf_counter() - t0
        for label, needle in SEARCH_NEEDLES:
            for name, f in (("memory", mem), ("sqlite", lite)):
                hits = len(f.search(needle))
                r[f"search_{name}_{label}_ms"] = (
                    statistics.median(timed(lambda f=f, n=needle: f.search(n), repeat)) * 1000
                )
                r[f"search_{label}_hits"] = hits
        lite.store.close()

    r["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    r["env"] = {
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "platform": sys.platform,
    }
    return r


TARGETS = {
    "memory_posts_per_s": 100_000,
    "sqlite_posts_per_s": 20_000,
    "sqlite_vs_floor": 0.8,
    "memory_history_ms": 10,
    "sqlite_history_warm_ms": 10,
    "sqlite_history_reopen_ms": 10,
    "search_sqlite_word_ms": 50,
    "search_sqlite_phrase_ms": 50,
    "attached_vs_plain": 0.8,
    "attached_growth_mb": 1.2,
}


def verdicts(r: dict) -> dict:
    out = {}
    for key, target in TARGETS.items():
        out[key] = r[key] >= target if key.endswith(("per_s", "vs_floor", "vs_plain")) else r[key] <= target
    return out


def table(r: dict) -> str:
    ok = verdicts(r)

    def mark(key: str) -> str:
        return "met" if ok[key] else "**missed**"

    rows = [
        ("Message construction, no metadata", f"{r['message_plain_us']:.2f} µs", "", ""),
        ("Message construction, JSON metadata (fast path)", f"{r['message_metadata_us']:.2f} µs", "", ""),
        ("Message construction, metadata with floats (rfc8785)", f"{r['message_float_metadata_us']:.2f} µs", "", ""),
        (
            "post, 10,000-message chain, memory",
            f"{r['memory_posts_per_s']:,.0f} posts/s",
            ">= 100,000",
            mark("memory_posts_per_s"),
        ),
        (
            "post, 10,000-message chain, SQLite (synchronous=NORMAL, default)",
            f"{r['sqlite_posts_per_s']:,.0f} posts/s",
            ">= 20,000",
            mark("sqlite_posts_per_s"),
        ),
        (
            "    floor: plain sqlite3 loop, same rows, schema and pragmas, a commit per row",
            f"{r['sqlite_floor_posts_per_s']:,.0f} posts/s",
            "",
            "",
        ),
        (
            "    post / floor (medians; best runs in brackets)",
            f"{r['sqlite_vs_floor']:.2f}x ({r['sqlite_vs_floor_best']:.2f}x)",
            ">= 0.80x",
            mark("sqlite_vs_floor"),
        ),
        (
            "post, 10,000-message chain, SQLite (synchronous=OFF)",
            f"{r['sqlite_off_posts_per_s']:,.0f} posts/s",
            "(reference)",
            "",
        ),
        ("    floor: plain sqlite3 loop, synchronous=OFF", f"{r['sqlite_off_floor_posts_per_s']:,.0f} posts/s", "", ""),
        (
            "    post / floor (medians; best runs in brackets)",
            f"{r['sqlite_off_vs_floor']:.2f}x ({r['sqlite_off_vs_floor_best']:.2f}x)",
            "",
            "",
        ),
        (
            "post, 1,000-message chain, SQLite, every message with the same 1 MB image",
            f"{r['attached_image_posts_per_s']:,.0f} posts/s",
            "",
            "",
        ),
        (
            "    the same chain without the image",
            f"{r['attached_plain_posts_per_s']:,.0f} posts/s",
            "",
            "",
        ),
        (
            "    with / without (medians)",
            f"{r['attached_vs_plain']:.2f}x",
            ">= 0.80x",
            mark("attached_vs_plain"),
        ),
        (
            "    the file's growth from the image (stored once)",
            f"{r['attached_growth_mb']:.2f} MB",
            "<= 1.2 MB",
            mark("attached_growth_mb"),
        ),
        (
            "history() of the 10,000th message, memory",
            f"{r['memory_history_ms']:.2f} ms",
            "<= 10 ms",
            mark("memory_history_ms"),
        ),
        ("history(), SQLite warm", f"{r['sqlite_history_warm_ms']:.2f} ms", "<= 10 ms", mark("sqlite_history_warm_ms")),
        (
            "history(), SQLite after reopen",
            f"{r['sqlite_history_reopen_ms']:.2f} ms",
            "<= 10 ms",
            mark("sqlite_history_reopen_ms"),
        ),
        (
            "    floor: fresh plain sqlite3 connection, the same rows by one recursive query (no Message objects)",
            f"{r['sqlite_history_reopen_floor_ms']:.2f} ms",
            "",
            "",
        ),
        (
            "    reference: the version-1 query (recursive over text ids), rows only",
            f"{r['sqlite_history_v1_query_ms']:.2f} ms",
            "",
            "",
        ),
        (
            f"search over {SEARCH_N:,} messages: first search (indexes them), SQLite",
            f"{r['search_index_build_s']:.2f} s",
            "",
            "",
        ),
        *[
            (
                f"search {label} ({r[f'search_{label}_hits']:,} hits), memory / SQLite",
                f"{r[f'search_memory_{label}_ms']:.1f} / {r[f'search_sqlite_{label}_ms']:.1f} ms",
                "<= 50 ms" if f"search_sqlite_{label}_ms" in TARGETS else "(a scan: under 3 characters)",
                mark(f"search_sqlite_{label}_ms") if f"search_sqlite_{label}_ms" in TARGETS else "",
            )
            for label, _ in SEARCH_NEEDLES
        ],
        ("peak RSS of the benchmark process", f"{r['peak_rss_mb']:.0f} MB", "", ""),
    ]
    env = r["env"]
    lines = [
        f"Python {env['python']}, SQLite {env['sqlite']}, {env['machine']}, {env['cpus']} CPUs; "
        f"N = {r['n']:,}, {r['repeat']} runs each",
        "",
        "| measure | result | target | |",
        "|---|---|---|---|",
    ]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement (default 3)")
    args = ap.parse_args()
    r = run(max(1, args.repeat))
    if args.json:
        print(json.dumps({**r, "targets": TARGETS, "met": verdicts(r)}, indent=2))
    else:
        print(table(r))


if __name__ == "__main__":
    main()
