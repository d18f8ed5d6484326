"""Core store benchmarks (issue 2): posts/s for a 10,000-message chain (memory and SQLite), history() of the
last message, Message construction, peak RSS.

Targets: >= 100,000 posts/s in memory, >= 20,000 posts/s to SQLite, history() of a 10,000 chain <= 10 ms.
Usage: python benchmarks/bench_store.py [--json]
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

import agentforum_nb as af
from agentforum_nb.store import SQLiteStore

N = 10_000


def best(fn, repeat=3):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def post_chain(forum, n=N, tag=""):
    parent = None
    for i in range(n):
        parent = forum.post(f"message {tag}{i}", parent=parent)
    return parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    r = {}
    r["message_us"] = best(lambda: [af.Message(f"m{i}", sender="bot") for i in range(N)]) / N * 1e6
    r["memory_posts_per_s"] = N / best(lambda: post_chain(af.Forum()))
    forum = af.Forum()
    last = post_chain(forum)
    r["memory_history_ms"] = best(lambda: forum.history(last.id)) * 1000
    with tempfile.TemporaryDirectory() as d:
        runs = iter(range(100))
        r["sqlite_posts_per_s"] = N / best(lambda: post_chain(af.Forum(Path(d) / f"b{next(runs)}.sqlite")))
        r["sqlite_off_posts_per_s"] = N / best(lambda: post_chain(af.Forum(
            SQLiteStore(Path(d) / f"b{next(runs)}.sqlite", synchronous="OFF"))))
        path = Path(d) / "h.sqlite"
        f = af.Forum(path)
        last = post_chain(f)
        r["sqlite_history_warm_ms"] = best(lambda: f.history(last.id)) * 1000
        f.store.close()

        def cold():
            g = af.Forum(path)
            g.history(last.id)
            g.store.close()

        r["sqlite_history_reopen_ms"] = best(cold) * 1000
    r["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if args.json:
        print(json.dumps(r, indent=2))
        return
    print("| measure | result | target |")
    print("|---|---|---|")
    print(f"| Message construction | {r['message_us']:.1f} µs | |")
    print(f"| post, 10,000-message chain, memory | {r['memory_posts_per_s']:,.0f} posts/s | >= 100,000 |")
    print(f"| post, 10,000-message chain, SQLite | {r['sqlite_posts_per_s']:,.0f} posts/s "
          f"(synchronous=OFF: {r['sqlite_off_posts_per_s']:,.0f}) | >= 20,000 |")
    print(f"| history() of the 10,000th message, memory | {r['memory_history_ms']:.2f} ms | <= 10 ms |")
    print(f"| history(), SQLite (warm / after reopen) | {r['sqlite_history_warm_ms']:.2f} ms / "
          f"{r['sqlite_history_reopen_ms']:.2f} ms | <= 10 ms |")
    print(f"| peak RSS of the benchmark process | {r['peak_rss_mb']:.0f} MB | |")


if __name__ == "__main__":
    main()
