"""Experiment benchmarks E1-E4 (issue "experiments"), each next to its floor measured in the same run (not a test).

E1  1,000 cases x 3 variants of function models that answer at once, two function judges, the table built
    (``to_pandas()``): target <= 0.6 s, and <= 1.5x the same calls made directly with ``asyncio.gather`` (post the
    case's turn, call the variant, judge with the two functions) in the same run.
E2  the same experiment run again unchanged: target <= 5% of E1; with one variant changed: that variant's time
    (a third of E1's calls) plus at most 10%.
E3  ``forum.experiment(name)`` of that experiment from a reopened SQLite file: <= 200 ms; ``to_pandas()`` <= 100 ms.

Each timed part starts from a collected heap (``gc.collect()``, not timed), so none pays for a full collection of the
objects the part before it left (a re-run after E1 would otherwise pay for a collection of E1's forum: ~25-60 ms on
this machine, whatever the re-run itself does).

Usage:  python benchmarks/bench_experiments.py [--json] [--cases 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import agentforum_nb as af


def writer(style: str) -> af.Agent:
    return af.function_agent(
        "writer", lambda messages, sample=0: f"{style} slogan for {messages[-1].content}", version=style
    )


def mentions(case, run):
    return "acme" in run.output.content


def length(case, run):
    return len(run.output.content)


def cases(n: int) -> list[str]:
    return [f"acme product {i}" for i in range(n)]


async def direct(n: int, path: str | None) -> dict:
    """The floor: the same calls, gathered directly."""
    forum = af.Forum(path) if path else af.Forum()
    variants = [writer("a"), writer("b"), writer("c")]
    rows = []

    async def one(text: str, agent: af.Agent) -> None:
        root = forum.post(text, sender="user")
        (out,) = await agent.quick_call(root, forum=forum)
        rows.append((out.content, "acme" in out.content, len(out.content)))

    gc.collect()
    t0 = time.perf_counter()
    await asyncio.gather(*(one(c, v) for c in cases(n) for v in variants))
    dt = time.perf_counter() - t0
    await forum.aclose()
    return {"seconds": dt}


async def experiment(n: int, path: str | None) -> dict:
    forum = af.Forum(path) if path else af.Forum()
    spec = {"a": writer("a"), "b": writer("b"), "c": writer("c")}
    gc.collect()
    t0 = time.perf_counter()
    result = await af.Experiment("bench", cases=cases(n), variants=spec, judges=[mentions, length], forum=forum).run(
        progress=False
    )
    result.to_pandas()
    first = time.perf_counter() - t0
    gc.collect()
    t0 = time.perf_counter()
    again = await af.Experiment("bench", cases=cases(n), variants=spec, judges=[mentions, length], forum=forum).run(
        progress=False
    )
    again.to_pandas()
    rerun = time.perf_counter() - t0
    changed = {**spec, "c": writer("c2")}
    gc.collect()
    t0 = time.perf_counter()
    third = await af.Experiment("bench", cases=cases(n), variants=changed, judges=[mentions, length], forum=forum).run(
        progress=False
    )
    third.to_pandas()
    one_changed = time.perf_counter() - t0
    await forum.aclose()
    return {"first_s": first, "rerun_s": rerun, "one_changed_s": one_changed}


def reopen(path: str) -> dict:
    gc.collect()
    t0 = time.perf_counter()
    forum = af.Forum(path)
    result = forum.experiment("bench")
    read = time.perf_counter() - t0
    t0 = time.perf_counter()
    result.to_pandas()
    table = time.perf_counter() - t0
    asyncio.run(forum.aclose())
    return {"read_s": read, "to_pandas_s": table, "runs": len(result.runs)}


def run_one(name: str, n: int) -> dict:
    import pandas  # noqa: F401 - imported before timing: a notebook has it loaded (its import is not the table)

    if name == "direct":
        return asyncio.run(direct(n, None))
    if name == "experiment":
        return asyncio.run(experiment(n, None))
    folder = tempfile.mkdtemp()
    try:
        path = os.path.join(folder, "bench.sqlite")
        asyncio.run(experiment(n, path))
        return reopen(path)
    finally:
        shutil.rmtree(folder)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--cases", type=int, default=1000)
    ap.add_argument("--one")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.cases)))
        return
    best: dict[str, dict] = {}
    for _ in range(args.repeat):
        for name in ("direct", "experiment", "sqlite"):
            out = subprocess.run(
                [sys.executable, __file__, "--one", name, "--cases", str(args.cases)],
                capture_output=True,
                text=True,
                check=True,
            )
            for k, v in json.loads(out.stdout).items():
                slot = best.setdefault(name, {})
                slot[k] = min(v, slot.get(k, v))
    if args.json:
        print(json.dumps(best, indent=2))
        return
    d, e, s = best["direct"], best["experiment"], best["sqlite"]
    n = args.cases * 3
    print(f"{args.cases:,} cases x 3 variants ({n:,} runs), two function judges; best of {args.repeat}\n")
    print("| measure | result | floor (same run) | ratio | target |")
    print("|---|---|---|---|---|")
    print(
        f"| E1 first run, table built | {e['first_s']:.3f} s | the same calls gathered directly {d['seconds']:.3f} s "
        f"| {e['first_s'] / d['seconds']:.2f}x | <= 0.6 s, <= 1.5x |"
    )
    print(f"| E2 re-run unchanged | {e['rerun_s'] * 1000:.0f} ms | | {e['rerun_s'] / e['first_s']:.1%} of E1 | <= 5% |")
    print(
        f"| E2 re-run, one variant changed | {e['one_changed_s']:.3f} s | a third of E1: {e['first_s'] / 3:.3f} s | "
        f"{e['one_changed_s'] / (e['first_s'] / 3):.2f}x | <= 1.1x |"
    )
    print(f"| E3 forum.experiment() from a reopened SQLite file | {s['read_s'] * 1000:.0f} ms | | | <= 200 ms |")
    print(f"| E3 to_pandas() | {s['to_pandas_s'] * 1000:.0f} ms | | | <= 100 ms |")


if __name__ == "__main__":
    main()
