"""Runtime benchmarks W1-W3 (issue 3), each against a raw-asyncio baseline measured in the same run.

W1  an innermost agent streams 20,000 tokens through D pass-through agents (D = 0, 1, 4, 16); the top-level
    consumer iterates the tokens. Reports tokens/s and the time to first token. Targets: >= 120,000 tokens/s at
    every D, time to first token <= 0.3 ms at D = 16.
W2  10,000 concurrent quick_calls of an agent that responds with one short message, all gathered.
    Targets: <= 0.35 s and <= 100 MB peak RSS for the process.
W3  an agent responds with 10,000 messages (a chain); the caller consumes them. Target >= 50,000 messages/s,
    and linear: 100,000 messages take no more than ~10x the time of 10,000.

Every workload runs in its own subprocess so peak RSS is its own. Usage:
    python benchmarks/bench_runtime.py            # markdown table
    python benchmarks/bench_runtime.py --json
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import resource
import subprocess
import sys
import time

import agentforum_nb as af

TOKENS = 20_000


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def token_source(n: int):
    for _ in range(n):
        await asyncio.sleep(0)  # each token arrives in its own loop iteration, as from a socket
        yield "tok "


async def w1_baseline(n: int = TOKENS) -> dict:
    q: asyncio.Queue = asyncio.Queue()

    async def produce():
        async for t in token_source(n):
            q.put_nowait(t)
        q.put_nowait(None)

    t0 = time.perf_counter()
    task = asyncio.create_task(produce())
    first = None
    count = 0
    while await q.get() is not None:
        if first is None:
            first = time.perf_counter() - t0
        count += 1
    dt = time.perf_counter() - t0
    await task
    return {"tokens_per_s": count / dt, "ttft_ms": first * 1000}


async def w1(depth: int, n: int = TOKENS) -> dict:
    forum = af.Forum(cache=False)

    @af.agent
    async def innermost(ctx):
        ctx.respond(token_source(n))

    chain = innermost
    for d in range(depth):

        def make(inner):
            async def passthrough(ctx):
                ctx.respond(inner.quick_call(ctx.requests))

            return passthrough

        chain = af.Agent(make(chain), name=f"pass{d}")
    t0 = time.perf_counter()
    seq = chain.quick_call("go", forum=forum)
    first = None
    count = 0
    text = []
    async for p in seq:
        async for tok in p:
            if first is None:
                first = time.perf_counter() - t0
            count += 1
            text.append(tok)
        await p
    dt = time.perf_counter() - t0
    assert count == n and "".join(text) == "tok " * n
    await forum.aclose()
    return {"tokens_per_s": count / dt, "ttft_ms": first * 1000}


async def w2_baseline(n: int = 10_000) -> dict:
    async def one(i):
        return f"answer {i}"

    t0 = time.perf_counter()
    res = await asyncio.gather(*(asyncio.create_task(one(i)) for i in range(n)))
    dt = time.perf_counter() - t0
    assert len(res) == n
    return {"seconds": dt}


async def w2(n: int = 10_000) -> dict:
    forum = af.Forum()

    @af.agent
    async def answer(ctx):
        async for r in ctx.requests:
            ctx.respond(f"answer to {(await r).content}")

    gc.collect()
    t0 = time.perf_counter()
    seqs = [answer.quick_call(f"q{i}", forum=forum) for i in range(n)]
    res = await asyncio.gather(*(asyncio.ensure_future(s) for s in seqs))
    dt = time.perf_counter() - t0
    assert len(res) == n and len(forum) == 2 * n
    await forum.aclose()
    return {"seconds": dt, "rss_mb": rss_mb()}


async def w3_baseline(n: int = 10_000) -> dict:
    q: asyncio.Queue = asyncio.Queue()

    async def produce():
        for i in range(n):
            q.put_nowait(f"message {i}")
        q.put_nowait(None)

    t0 = time.perf_counter()
    task = asyncio.create_task(produce())
    count = 0
    while await q.get() is not None:
        count += 1
    dt = time.perf_counter() - t0
    await task
    return {"messages_per_s": count / dt}


async def w3(n: int = 10_000) -> dict:
    forum = af.Forum()

    @af.agent
    async def chatty(ctx, n: int):
        for i in range(n):
            ctx.respond(f"message {i}")

    t0 = time.perf_counter()
    count = 0
    async for p in chatty.quick_call("go", forum=forum, n=n):
        await p
        count += 1
    dt = time.perf_counter() - t0
    assert count == n
    await forum.aclose()
    return {"messages_per_s": n / dt, "seconds": dt}


WORKLOADS = {
    "w1_base": lambda: w1_baseline(),
    **{f"w1_d{d}": (lambda d=d: w1(d)) for d in (0, 1, 4, 16)},
    "w2_base": lambda: w2_baseline(),
    "w2": lambda: w2(),
    "w3_base": lambda: w3_baseline(),
    "w3_10k": lambda: w3(10_000),
    "w3_100k": lambda: w3(100_000),
}


def run_one(name: str) -> dict:
    return asyncio.run(WORKLOADS[name]())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--one")
    ap.add_argument("--repeat", type=int, default=3, help="best of N runs per workload")
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one)))
        return
    results = {}
    for name in WORKLOADS:
        best = None
        for _ in range(args.repeat):
            out = subprocess.run([sys.executable, __file__, "--one", name], capture_output=True, text=True, check=True)
            r = json.loads(out.stdout)
            key = (
                "seconds" if name.startswith("w2") else ("tokens_per_s" if name.startswith("w1") else "messages_per_s")
            )
            better = (lambda a, b: a < b) if key == "seconds" else (lambda a, b: a > b)
            if best is None or better(r[key], best[key]):
                best = r
        results[name] = best
    if args.json:
        print(json.dumps(results, indent=2))
        return
    b1, b2, b3 = results["w1_base"], results["w2_base"], results["w3_base"]
    print("| workload | result | raw asyncio | ratio | target |")
    print("|---|---|---|---|---|")
    for d in (0, 1, 4, 16):
        r = results[f"w1_d{d}"]
        print(
            f"| W1 D={d} | {r['tokens_per_s']:,.0f} tokens/s, first token {r['ttft_ms']:.2f} ms | "
            f"{b1['tokens_per_s']:,.0f} tokens/s | {r['tokens_per_s'] / b1['tokens_per_s']:.2f} | "
            f">= 120,000 tokens/s{', TTFT <= 0.3 ms' if d == 16 else ''} |"
        )
    r = results["w2"]
    print(
        f"| W2 10,000 calls | {r['seconds']:.3f} s, peak RSS {r['rss_mb']:.0f} MB | {b2['seconds']:.3f} s | "
        f"{r['seconds'] / b2['seconds']:.1f}x | <= 0.35 s, <= 100 MB |"
    )
    r10, r100 = results["w3_10k"], results["w3_100k"]
    print(
        f"| W3 10,000 messages | {r10['messages_per_s']:,.0f} messages/s | {b3['messages_per_s']:,.0f} /s | "
        f"{r10['messages_per_s'] / b3['messages_per_s']:.2f} | >= 50,000 messages/s |"
    )
    print(
        f"| W3 100,000 messages | {r100['seconds']:.2f} s ({r100['seconds'] / r10['seconds']:.1f}x the 10k time) "
        f"| | | <= ~10x |"
    )


if __name__ == "__main__":
    main()
