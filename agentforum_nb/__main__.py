"""``python -m agentforum_nb demo``: a small multi-agent conversation in the terminal.

Two scripted agents (a researcher and a critic) answer through a panel agent that passes their streams
through (nested streaming); the demo then branches from an earlier message, prints the tree and writes it as
DOT (and SVG when a Graphviz binary is installed). ``--db PATH`` makes the forum persistent: a second run is
served from the cache and says so.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import time
from pathlib import Path
from typing import TextIO

import agentforum_nb as af

QUESTION = "Should our team adopt content-addressed message trees for agent logs?"

RESEARCHER = af.ScriptedModel(
    [
        "Yes. Content addressing gives every conversation state a stable id, so runs are reproducible, "
        "branches are cheap, and identical work can be served from a cache instead of paying for it twice.",
        "Shorter: stable ids, cheap branches, free caching.",
    ],
    delay=0.02,
)
CRITIC = af.ScriptedModel(
    [
        "Mostly agree, but note the cost: ids change when any field changes, so metadata must be chosen with "
        "care, and deleting a message means rewriting its descendants.",
        "On its own: the idea is sound if storage is append-only; plan how you will prune old branches.",
    ],
    delay=0.02,
)
researcher = RESEARCHER.agent("researcher")
critic = CRITIC.agent("critic")


@af.agent(version="demo-1")
async def panel(ctx: af.Context) -> None:
    """Ask the researcher, then have the critic answer the researcher (both streams pass through)."""
    answer = researcher.quick_call(ctx.requests)
    ctx.respond(answer)
    ctx.respond(critic.quick_call(answer))


async def stream_to_terminal(seq: af.MessageSequence, out: TextIO) -> tuple[af.Message, ...]:
    async for promise in seq:
        who = promise.author if promise.author == promise.sender else f"{promise.author} via {promise.sender}"
        out.write(f"\n{who:>20} │ ")
        async for token in promise:
            out.write(token)
            out.flush()
        await promise
    out.write("\n")
    return await seq


async def demo(db: str | None, out_dir: Path, fast: bool, out: TextIO = sys.stdout) -> int:
    if fast:
        RESEARCHER.delay = CRITIC.delay = 0.0
    async with af.Forum(db) as forum:
        before = len(forum)
        t0 = time.perf_counter()
        out.write(f"{'user':>20} │ {QUESTION}\n")
        first = await stream_to_terminal(panel.quick_call(QUESTION, forum=forum), out)
        follow_up = "Can you say that in one line?"
        out.write(f"\n{'user':>20} │ {follow_up}\n")
        await stream_to_terminal(researcher.quick_call(follow_up, forum=forum, branch=first[-1]), out)

        question = forum.history(first[0].id)[0]
        out.write(f"\n── branch: asking the critic alone, from the first question ({question.id[:8]}) ──\n")
        await stream_to_terminal(critic.quick_call(question, forum=forum), out)
        elapsed = time.perf_counter() - t0

        out.write("\nThe tree (every line is a message: id prefix, sender, text):\n")
        out.write(forum.tree_text(max_chars=70) + "\n")
        out_dir.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - a demo writing two small files at its end
        graph = forum.to_graphviz()
        dot_path = out_dir / "agentforum_demo.dot"
        dot_path.write_text(graph.source, encoding="utf-8")
        out.write(f"\nWrote {dot_path}")
        if shutil.which("dot"):
            svg = graph.pipe(format="svg")
            (out_dir / "agentforum_demo.svg").write_bytes(svg)
            out.write(f" and {out_dir / 'agentforum_demo.svg'}")
        out.write("\n")
        info = forum.cache_info()
        new = len(forum) - before
        if db and new == 0 and info["hits"]:
            out.write(
                f"Served from the cache in {db}: {info['hits']} calls, no agent ran, no new messages "
                f"({elapsed:.2f} s).\n"
            )
        elif db:
            out.write(
                f"Stored {new} new messages in {db}; run the same command again to see it served from the cache.\n"
            )
        else:
            out.write(
                f"{len(forum)} messages in memory. Add --db demo.sqlite to keep them and cache the agents' answers.\n"
            )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m agentforum_nb", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("demo", help="run a small multi-agent conversation with streaming and print its tree")
    d.add_argument("--db", help="SQLite file to keep the forum in (a second run is served from the cache)")
    d.add_argument("--out", default=".", help="folder for agentforum_demo.dot / .svg (default: .)")
    d.add_argument("--fast", action="store_true", help="no per-token delay")
    args = parser.parse_args(argv)
    if args.command == "demo":
        return asyncio.run(demo(args.db, Path(args.out), args.fast))
    return 2  # pragma: no cover


if __name__ == "__main__":
    sys.exit(main())
