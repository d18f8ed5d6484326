"""Core-layer benchmarks: messages and the Forum store (not a test).

Measures, on this machine:

* ``post`` throughput for a 10,000-message chain, in memory and to SQLite (default ``synchronous="NORMAL"``,
  and ``"OFF"`` for reference);
* ``history()`` of the last message of a 10,000-message chain: memory, SQLite warm (same forum object), SQLite
  after reopening the file (a fresh process's view: nothing cached);
* ``Message`` construction (no metadata; JSON metadata on the stdlib fast path; metadata with floats, which
  takes the ``rfc8785`` path);
* peak RSS of the benchmark process (``resource.getrusage``).

Targets: >= 100,000 posts/s in memory, >= 20,000 posts/s to SQLite, ``history()`` of a 10,000 chain <= 10 ms.

Usage: ``python benchmarks/bench_store.py [--json] [--repeat N]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
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


def run(repeat: int) -> dict:
    r: dict = {"n": N, "repeat": repeat}

    # -- Message construction ------------------------------------------------------------------------------------
    md_fast = {"model": "gpt", "tokens": 123, "tags": ["a", "b"], "ok": True}
    md_slow = {"model": "gpt", "temperature": 0.7, "scores": [0.25, 1.5]}
    for name, make in (("plain", lambda i: af.Message(f"m{i}", sender="bot")),
                       ("metadata", lambda i: af.Message(f"m{i}", sender="bot", metadata=md_fast)),
                       ("float_metadata", lambda i: af.Message(f"m{i}", sender="bot", metadata=md_slow))):
        best = min(timed(lambda make=make: [make(i) for i in range(N)], repeat))
        r[f"message_{name}_us"] = best / N * 1e6

    # -- posting ---------------------------------------------------------------------------------------------------
    r["memory_posts_per_s"] = N / min(timed(lambda: post_chain(af.Forum()), repeat))
    with tempfile.TemporaryDirectory() as d:
        counter = iter(range(1000))

        def sqlite_chain(sync: str) -> None:
            forum = af.Forum(SQLiteStore(Path(d) / f"p{next(counter)}.sqlite", synchronous=sync))
            post_chain(forum)
            forum.store.close()

        # median, not best: the cost of checkpoints (fsync) varies from run to run
        r["sqlite_posts_per_s"] = N / statistics.median(timed(lambda: sqlite_chain("NORMAL"), repeat))
        r["sqlite_off_posts_per_s"] = N / statistics.median(timed(lambda: sqlite_chain("OFF"), repeat))

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
        cold = []
        for _ in range(repeat):
            reopened = af.Forum(path)
            t0 = time.perf_counter()
            hist = reopened.history(last.id)
            cold.append(time.perf_counter() - t0)
            assert len(hist) == N
            reopened.store.close()
        r["sqlite_history_reopen_ms"] = statistics.median(cold) * 1000

    r["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    r["env"] = {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
                "machine": platform.machine(), "cpus": os.cpu_count(), "platform": sys.platform}
    return r


TARGETS = {"memory_posts_per_s": 100_000, "sqlite_posts_per_s": 20_000, "memory_history_ms": 10,
           "sqlite_history_warm_ms": 10, "sqlite_history_reopen_ms": 10}


def verdicts(r: dict) -> dict:
    out = {}
    for key, target in TARGETS.items():
        out[key] = r[key] >= target if key.endswith("per_s") else r[key] <= target
    return out


def table(r: dict) -> str:
    ok = verdicts(r)

    def mark(key: str) -> str:
        return "met" if ok[key] else "**missed**"

    rows = [
        ("Message construction, no metadata", f"{r['message_plain_us']:.2f} µs", "", ""),
        ("Message construction, JSON metadata (fast path)", f"{r['message_metadata_us']:.2f} µs", "", ""),
        ("Message construction, metadata with floats (rfc8785)", f"{r['message_float_metadata_us']:.2f} µs", "", ""),
        ("post, 10,000-message chain, memory", f"{r['memory_posts_per_s']:,.0f} posts/s", ">= 100,000",
         mark("memory_posts_per_s")),
        ("post, 10,000-message chain, SQLite (synchronous=NORMAL, default)",
         f"{r['sqlite_posts_per_s']:,.0f} posts/s", ">= 20,000", mark("sqlite_posts_per_s")),
        ("post, 10,000-message chain, SQLite (synchronous=OFF)", f"{r['sqlite_off_posts_per_s']:,.0f} posts/s",
         "(reference)", ""),
        ("history() of the 10,000th message, memory", f"{r['memory_history_ms']:.2f} ms", "<= 10 ms",
         mark("memory_history_ms")),
        ("history(), SQLite warm", f"{r['sqlite_history_warm_ms']:.2f} ms", "<= 10 ms",
         mark("sqlite_history_warm_ms")),
        ("history(), SQLite after reopen", f"{r['sqlite_history_reopen_ms']:.2f} ms", "<= 10 ms",
         mark("sqlite_history_reopen_ms")),
        ("peak RSS of the benchmark process", f"{r['peak_rss_mb']:.0f} MB", "", ""),
    ]
    env = r["env"]
    lines = [f"Python {env['python']}, SQLite {env['sqlite']}, {env['machine']}, {env['cpus']} CPUs; "
             f"N = {r['n']:,}, {r['repeat']} runs each", "",
             "| measure | result | target | |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    ap.add_argument("--repeat", type=int, default=5, help="runs per measurement (default 5)")
    args = ap.parse_args()
    r = run(max(1, args.repeat))
    if args.json:
        print(json.dumps({**r, "targets": TARGETS, "met": verdicts(r)}, indent=2))
    else:
        print(table(r))


if __name__ == "__main__":
    main()
