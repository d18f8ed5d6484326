"""PostgreSQL store benchmarks (not a test): a throwaway server (tests/pg_server.py), or ``--url`` of yours.

Measures, each figure next to a floor measured in the same run on the same server:

* ``post`` throughput of a chain, 1 writer, next to a plain psycopg loop inserting the same rows (same table,
  indexes and trigger: the tables are created by ``PostgresStore``), one autocommit ``INSERT`` each; runs
  interleaved. Also the same store without the trigram index, to show what search's index costs a post;
* ``post`` throughput with 4 writer processes at once (each its own chain), next to 4 plain psycopg loops;
* ``history()`` of the last message of a 10,000 chain: warm (the same forum object), cold (a fresh forum: nothing
  cached) next to its floor, a fresh psycopg connection running the same recursive query (no ``Message``);
* ``search()`` over 100,000 messages: a rare word (the trigram index), a common word, a 2-character needle
  (scan), next to the same ``SELECT`` in psycopg, and the memory store for reference;
* ``refresh()`` latency: one process posts at random moments, another calls ``forum.refresh()`` every 0.5 s
  (target: <= 0.5 s from ``post`` returning to ``refresh()`` returning the message), and the same with
  ``store.has_changes()`` every 0.05 s.

The server runs with ``fsync=on`` (the default here, as a real server would: each commit waits for the disk) or
``--fsync off`` (what the tests use). Timings on a shared VM are noisy: runs are interleaved, medians reported.

Usage: ``python benchmarks/bench_postgres.py [--json] [--repeat N] [--fsync on|off] [--url postgresql://...]``
(``--url``: a database you can create tables in; each run uses new schemas in it and drops them afterwards).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import random
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

import agentforum_nb as af  # noqa: E402
from agentforum_nb.store.postgres import _values  # noqa: E402
from tests.pg_server import PostgresServer, missing_reason  # noqa: E402

N_POSTS = 2000
N_HISTORY = 10_000
N_SEARCH = 100_000
INSERT = (
    "INSERT INTO {s}.messages (id, kind, content, sender, parent_id, reply_to_id, original_id, status, metadata, "
    "nul_text, annotations, folded, attachments, writer) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) "
    "ON CONFLICT (id) DO NOTHING RETURNING seq"
)
COLS = "id, kind, content, sender, parent_id, reply_to_id, original_id, status, metadata, nul_text, suspect"


class Place:
    """Where forums go: new schemas in one database (dropped at the end)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.schemas: list[str] = []

    def new(self, tag: str) -> str:
        name = f"bench_{tag}_{uuid.uuid4().hex[:8]}"
        self.schemas.append(name)
        return f"{self.url}{'&' if '?' in self.url else '?'}schema={name}"

    def drop(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            for name in self.schemas:
                conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')  # type: ignore[arg-type]


def schema_of(url: str) -> str:
    return '"' + url.rsplit("schema=", 1)[1] + '"'


def base_url(url: str) -> str:
    return url.rsplit("?schema=", 1)[0] if "?schema=" in url else url.rsplit("&schema=", 1)[0]


def close(forum: af.Forum) -> None:
    asyncio.run(forum.aclose())


def chain_messages(n: int, tag: str = "message") -> list[af.Message]:
    out, parent = [], None
    for i in range(n):
        m = af.Message(f"{tag} {i}", parent_id=parent)
        out.append(m)
        parent = m.id
    return out


# -- posting ---------------------------------------------------------------------------------------------------


def post_store(url: str, n: int, tag: str, span: list[float] | None = None) -> float:
    f = af.Forum(url)
    t0, w0 = time.perf_counter(), time.time()
    parent = None
    for i in range(n):
        parent = f.post(f"{tag} {i}", parent=parent)
    dt = time.perf_counter() - t0
    if span is not None:
        span += [w0, time.time()]
    close(f)
    return n / dt


def post_floor(url: str, n: int, tag: str, span: list[float] | None = None) -> float:
    close(af.Forum(url))  # the same tables, indexes and trigger
    msgs = chain_messages(n, tag)
    stamp = "2026-01-01T00:00:00.000Z"
    q = INSERT.format(s=schema_of(url))
    with psycopg.connect(base_url(url), autocommit=True) as conn:
        cur = conn.cursor()
        t0, w0 = time.perf_counter(), time.time()
        for m in msgs:  # the values are computed inside the loop, as the store must
            cur.execute(q, (*_values(m, {"created_at": stamp}), 1)).fetchall()  # type: ignore[arg-type]
        dt = time.perf_counter() - t0
        if span is not None:
            span += [w0, time.time()]
    return n / dt


def post_without_trigram(url: str, n: int, tag: str) -> float:
    close(af.Forum(url))
    with psycopg.connect(base_url(url), autocommit=True) as conn:
        conn.execute(f"DROP INDEX {schema_of(url)}.messages_folded_trgm")  # type: ignore[arg-type]
    return post_store(url, n, tag)


def _writer(url: str, n: int, k: int, floor: bool, barrier: Any, out: Any) -> None:
    span: list[float] = []
    barrier.wait()
    (post_floor if floor else post_store)(url, n, f"w{k}", span)
    out.put(span)


def post_parallel(url: str, n: int, floor: bool, writers: int = 4) -> float:
    """Posts per second of ``writers`` processes at once: every post, over the time from the first one's start
    to the last one's end (each process's loop, not its start-up)."""
    close(af.Forum(url))
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(writers)
    out = ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(url, n, k, floor, barrier, out)) for k in range(writers)]
    for p in procs:
        p.start()
    spans = [out.get(timeout=600) for _ in procs]
    for p in procs:
        p.join(60)
    return writers * n / (max(e for _, e in spans) - min(s for s, _ in spans))


# -- history ---------------------------------------------------------------------------------------------------


def history_bench(url: str, repeat: int) -> dict[str, float]:
    msgs = chain_messages(N_HISTORY)
    f = af.Forum(url)
    f.store.add_many(msgs)
    last = msgs[-1].id
    f.history(last)  # warm: the chain is in the forum's message cache now
    warm = statistics.median(timed(lambda: f.history(last), repeat))
    cold_runs, floor_runs = [], []
    q = f"""WITH RECURSIVE chain({COLS}) AS (
            SELECT {", ".join("m." + c for c in COLS.split(", "))} FROM {schema_of(url)}.messages m WHERE m.id = %s
          UNION
            SELECT {", ".join("m." + c for c in COLS.split(", "))} FROM {schema_of(url)}.messages m
            JOIN chain c ON m.id = c.parent_id)
        SELECT * FROM chain"""
    for _ in range(repeat):
        g = af.Forum(url)
        t0 = time.perf_counter()
        assert len(g.history(last)) == N_HISTORY
        cold_runs.append(time.perf_counter() - t0)
        close(g)
        with psycopg.connect(base_url(url), autocommit=True) as conn:
            t0 = time.perf_counter()
            rows = conn.execute(q, (last,)).fetchall()  # type: ignore[arg-type]
            floor_runs.append(time.perf_counter() - t0)
            assert len(rows) == N_HISTORY
    close(f)
    return {
        "history_warm_ms": warm * 1000,
        "history_cold_ms": statistics.median(cold_runs) * 1000,
        "history_floor_ms": statistics.median(floor_runs) * 1000,
    }


def timed(fn: Any, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


# -- search ----------------------------------------------------------------------------------------------------

WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "theta", "kappa", "lambda", "sigma"]


def search_corpus(n: int) -> list[af.Message]:
    rng = random.Random(7)
    out = []
    for i in range(n):
        words = " ".join(rng.choice(WORDS) for _ in range(8))
        extra = " Needle-Rare" if i % 10_000 == 5 else ""
        out.append(af.Message(f"{words} Message {i}{extra}", sender="bot" if i % 2 else "user"))
    return out


def search_bench(url: str, repeat: int) -> dict[str, Any]:
    msgs = search_corpus(N_SEARCH)
    f = af.Forum(url)
    t0 = time.perf_counter()
    f.store.add_many(msgs)
    load = time.perf_counter() - t0
    mem = af.Forum()
    mem.store.add_many(msgs)
    out: dict[str, Any] = {"search_load_s": load}
    s = schema_of(url)
    cases = {
        "rare": (
            "needle-rare",
            f"SELECT {COLS} FROM {s}.messages m WHERE m.folded LIKE %s ORDER BY seq",
            "%needle-rare%",
        ),
        "common": ("lambda", f"SELECT {COLS} FROM {s}.messages m WHERE m.folded LIKE %s ORDER BY seq", "%lambda%"),
        "short": ("9", f"SELECT {COLS} FROM {s}.messages m WHERE strpos(m.folded, %s) > 0 ORDER BY seq", "9"),
    }
    for name, (needle, query, arg) in cases.items():
        g = af.Forum(url)  # nothing cached: every match is read from the server
        want = mem.search(needle)
        assert [m.id for m in g.search(needle)] == [m.id for m in want]
        cold = statistics.median(timed(lambda g=g, needle=needle: g.search(needle), repeat))
        close(g)
        with psycopg.connect(base_url(url), autocommit=True) as conn:
            floor = statistics.median(
                timed(lambda conn=conn, query=query, arg=arg: conn.execute(query, (arg,)).fetchall(), repeat)
            )
        memory = statistics.median(timed(lambda needle=needle: mem.search(needle), repeat))
        out[f"search_{name}"] = {
            "matches": len(want),
            "store_ms": cold * 1000,
            "floor_ms": floor * 1000,
            "memory_ms": memory * 1000,
        }
    close(f)
    return out


# -- refresh latency -------------------------------------------------------------------------------------------


def _poster(url: str, n: int, ready: Any, out: Any) -> None:
    f = af.Forum(url)
    rng = random.Random(3)
    ready.wait()
    for i in range(n):
        time.sleep(rng.uniform(0.05, 0.6))
        m = f.post(f"live {i}")
        out.put((m.id, time.time()))  # after post() returned: committed
    f.store.close()


def refresh_latency(url: str, n: int, interval: float, cheap: bool) -> dict[str, float]:
    close(af.Forum(url))
    watcher = af.Forum(url)
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    out = ctx.Queue()
    proc = ctx.Process(target=_poster, args=(url, n, ready, out))
    proc.start()
    seen_at: dict[str, float] = {}
    ready.set()
    deadline = time.monotonic() + 120
    while len(seen_at) < n and time.monotonic() < deadline:
        time.sleep(interval)
        if cheap and not watcher.store.has_changes():
            continue
        now = time.time()
        for m in watcher.refresh():
            seen_at[m.id] = now
    posted = dict(out.get(timeout=30) for _ in range(n))
    proc.join(60)
    close(watcher)
    lat = [seen_at[mid] - t for mid, t in posted.items()]
    return {"median_s": statistics.median(lat), "max_s": max(lat), "interval_s": interval}


# -- main ------------------------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--fsync", choices=["on", "off"], default="on")
    ap.add_argument("--url", default=None, help="a database to use instead of a throwaway server")
    args = ap.parse_args()
    server = None
    if args.url is None:
        reason = missing_reason()
        if reason:
            sys.exit(f"cannot start a throwaway PostgreSQL server: {reason}")
        server = PostgresServer(fsync=args.fsync == "on").start()
        url = server.create_database("bench")
    else:
        url = args.url
    place = Place(url)
    results: dict[str, Any] = {
        "python": platform.python_version(),
        "psycopg": psycopg.__version__,
        "cpus": os.cpu_count(),
        "fsync": args.fsync if server else "(your server)",
    }
    try:
        with psycopg.connect(url) as conn:
            results["server"] = conn.info.server_version
        store_runs, floor_runs, bare_runs = [], [], []
        for r in range(args.repeat):  # interleaved
            store_runs.append(post_store(place.new("post"), N_POSTS, f"r{r}"))
            floor_runs.append(post_floor(place.new("floor"), N_POSTS, f"r{r}"))
            bare_runs.append(post_without_trigram(place.new("notrgm"), N_POSTS, f"r{r}"))
        results["posts_per_s_1_writer"] = statistics.median(store_runs)
        results["posts_per_s_1_writer_floor"] = statistics.median(floor_runs)
        results["posts_per_s_1_writer_no_trigram_index"] = statistics.median(bare_runs)
        par, par_floor = [], []
        for _ in range(max(1, args.repeat // 2)):
            par.append(post_parallel(place.new("par"), N_POSTS, floor=False))
            par_floor.append(post_parallel(place.new("parfloor"), N_POSTS, floor=True))
        results["posts_per_s_4_writers"] = statistics.median(par)
        results["posts_per_s_4_writers_floor"] = statistics.median(par_floor)
        results.update(history_bench(place.new("history"), args.repeat))
        results.update(search_bench(place.new("search"), args.repeat))
        results["refresh_every_0.5s"] = refresh_latency(place.new("refresh"), 12, 0.5, cheap=False)
        results["has_changes_every_0.05s"] = refresh_latency(place.new("cheap"), 12, 0.05, cheap=True)
    finally:
        if server is not None:
            server.stop()
        else:
            place.drop()
    if args.json:
        print(json.dumps(results, indent=2))
        return
    r = results
    print(
        f"PostgreSQL {r['server']}, psycopg {r['psycopg']}, Python {r['python']}, {r['cpus']} CPUs, fsync {r['fsync']}"
    )
    one, one_floor = r["posts_per_s_1_writer"], r["posts_per_s_1_writer_floor"]
    four, four_floor = r["posts_per_s_4_writers"], r["posts_per_s_4_writers_floor"]
    print(
        f"post, 1 writer:   {one:8.0f} posts/s   floor (psycopg loop) {one_floor:8.0f}   ratio {one / one_floor:.2f}"
        f"   without the trigram index {r['posts_per_s_1_writer_no_trigram_index']:.0f}"
    )
    print(
        f"post, 4 writers:  {four:8.0f} posts/s   floor (4 psycopg loops) {four_floor:8.0f}   "
        f"ratio {four / four_floor:.2f}"
    )
    print(
        f"history, {N_HISTORY:,} chain: warm {r['history_warm_ms']:.1f} ms, cold {r['history_cold_ms']:.1f} ms, "
        f"floor (the recursive query in psycopg) {r['history_floor_ms']:.1f} ms"
    )
    print(f"search over {N_SEARCH:,} messages (loaded with add_many in {r['search_load_s']:.1f} s):")
    for name in ("rare", "common", "short"):
        c = r[f"search_{name}"]
        print(
            f"  {name:6s} {c['matches']:6d} matches: store {c['store_ms']:7.1f} ms   floor (SELECT in psycopg) "
            f"{c['floor_ms']:7.1f} ms   memory store {c['memory_ms']:7.1f} ms"
        )
    for key in ("refresh_every_0.5s", "has_changes_every_0.05s"):
        c = r[key]
        print(f"{key}: post -> seen median {c['median_s']:.3f} s, max {c['max_s']:.3f} s")


if __name__ == "__main__":
    main()
