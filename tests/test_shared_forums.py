"""Shared forums (API.md section 13): several processes writing one forum at once, on SQLite and PostgreSQL.

* four processes post hundreds of messages each into one forum, part of them identical across processes:
  nothing lost, no duplicate, children in a stable first-stored order, ``verify()`` clean, and a forum that
  watched with ``refresh()`` meanwhile saw every message exactly once;
* a writer killed with SIGKILL mid-way: everything it reported as posted is there (PostgreSQL; SQLite has its
  own test in test_sqlite_kill.py);
* two processes making the same cached call at the same moment: both get the same correct answer, the forum
  holds it once and the cache one entry (the second process runs the agent too: there is no cross-process
  in-flight sharing); a third process later gets a cache hit;
* ``refresh()`` in one process sees what another process posts, quickly.

The children are separate interpreters (``subprocess``), synchronized through their pipes: each says "ready",
then waits for "go" on its stdin, so all of them start at once. No sleeps decide an outcome.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time

import pytest

import agentforum_nb as af

KINDS = ["sqlite", "postgres"]


def close(*forums: af.Forum) -> None:
    for f in forums:
        if not f.closed:
            asyncio.run(f.aclose())


@pytest.fixture(params=KINDS)
def where(request, tmp_path) -> str:
    """Where the shared forum lives: a SQLite path or a new PostgreSQL database's URL."""
    if request.param == "sqlite":
        return str(tmp_path / "shared.sqlite")
    return request.getfixturevalue("pg_url")


def start(code: str, *args: str, stderr) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
    )


def start_together(procs: list[subprocess.Popen[str]]) -> None:
    for p in procs:
        line = p.stdout.readline()
        assert line.strip() == "ready", line
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()


def finish(procs: list[subprocess.Popen[str]], timeout: float = 240) -> list[str]:
    outs = []
    for p in procs:
        out, _ = p.communicate(timeout=timeout)
        outs.append(out)
    return outs


# -- four writers at once -------------------------------------------------------------------------------------

N = 150  # rounds per writer: 2 posts each (one shared by every writer, one of its own), plus the shared root

WRITER = r"""
import sys
import agentforum_nb as af

where, k, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
forum = af.Forum(where)
print("ready", flush=True)
sys.stdin.readline()
root = forum.post("shared root")  # identical in every process: one message
out = [root.id]
for i in range(n):
    common = forum.post(f"common {i}", parent=root)  # identical in every process
    own = forum.post(f"writer {k} message {i}", parent=common, sender=f"w{k}", metadata={"k": k, "i": i})
    out += [common.id, own.id]
print(" ".join(out), flush=True)
forum.store.close()
"""


def test_four_processes_post_into_one_forum(where, tmp_path):
    first = af.Forum(where)  # creates the forum; it also watches with refresh() while the writers run
    assert first.shared  # SQLite and PostgreSQL forums see what other processes store (refresh)
    errors = open(tmp_path / "writers.stderr", "w")  # noqa: SIM115
    try:
        procs = [start(WRITER, where, str(k), str(N), stderr=errors) for k in range(4)]
        start_together(procs)
        seen: list[af.Message] = []
        while any(p.poll() is None for p in procs):
            seen += first.refresh()  # while the writers are in the middle of their transactions
            time.sleep(0.02)
        outs = finish(procs)
    finally:
        errors.close()
    assert all(p.returncode == 0 for p in procs), (tmp_path / "writers.stderr").read_text()
    reported = [out.split() for out in outs]
    assert all(len(r) == 1 + 2 * N for r in reported)
    distinct = {mid for r in reported for mid in r}
    assert len(distinct) == 1 + N + 4 * N  # the shared messages once, each writer's own

    g = af.Forum(where)  # a fresh view
    stored = [m.id for m in g]
    assert len(stored) == len(set(stored)) == len(distinct) and set(stored) == distinct  # no loss, no duplicate
    assert g.verify() == len(distinct)
    root = g.get(reported[0][0])
    commons = g.children(root)
    assert [m.content for m in commons] == [f"common {i}" for i in range(N)]  # first-stored order
    for i, common in enumerate(commons):
        kids = g.children(common)
        assert sorted(m.content for m in kids) == sorted(f"writer {k} message {i}" for k in range(4))
    again = af.Forum(where)
    assert [[m.id for m in again.children(c)] for c in commons] == [[m.id for m in g.children(c)] for c in commons]
    for r in reported:  # each writer's branches
        own = g.get(r[-1])
        assert [m.id for m in g.history(own)] == [root.id, r[-2], r[-1]]
    seen += first.refresh()
    ids = [m.id for m in seen]
    assert len(ids) == len(set(ids)) and set(ids) == distinct  # every message once, none missed
    assert first.refresh() == []
    close(first, g, again)


# -- a writer killed mid-way --------------------------------------------------------------------------------------

KILLED = r"""
import sys
import agentforum_nb as af

forum = af.Forum(sys.argv[1])
parent = None
root = None
i = 0
while True:
    if i % 7 == 3:
        msg = forum.post(f"side {i} \u00e9\U0001F600", parent=root, reply_to=parent, metadata={"i": i, "f": i / 3})
    else:
        msg = forum.post(f"message {i} " + "x" * (i % 50), parent=parent, metadata={"i": i})
        parent = msg
    root = root or msg
    if i % 5 == 0:
        forum.annotate(msg, label=f"l{i}")
    print(msg.id, flush=True)  # reported only after post() returned
    i += 1
"""


def test_sigkill_mid_way_loses_nothing_reported_postgres(pg_url, tmp_path):
    errors = tmp_path / "child.stderr"
    with open(errors, "w") as err:
        proc = subprocess.Popen([sys.executable, "-c", KILLED, pg_url], stdout=subprocess.PIPE, stderr=err, text=True)
    reported: list[str] = []
    try:
        for line in proc.stdout:
            reported.append(line.strip())
            if len(reported) >= 300:
                proc.send_signal(signal.SIGKILL)  # mid-way through the next post()
                break
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
        proc.stdout.close()
    assert len(reported) == 300, errors.read_text()
    assert proc.returncode == -signal.SIGKILL
    forum = af.Forum(pg_url)
    try:
        assert len(forum) >= 300
        assert all(mid in forum and forum.get(mid).verify().id == mid for mid in reported)
        assert forum.verify() == len(forum)
        main_branch = [m.id for m in forum.history(reported[-1])]
        assert set(main_branch) <= set(reported) and main_branch[0] == reported[0]
        assert forum.post("after the crash", parent=reported[-1]).verify()
    finally:
        close(forum)


# -- the same cached call in two processes at once ---------------------------------------------------------------

CALLER = r"""
import asyncio, json, sys
import agentforum_nb as af

runs = []

@af.agent(version="1")
async def slow_echo(ctx):
    async for request in ctx.requests:
        text = str(await request)
        runs.append(text)
        if sys.argv[2] == "wait":  # inside the run: say so, and go on when told (both processes are in theirs)
            print("running", flush=True)
            await asyncio.to_thread(sys.stdin.readline)
        ctx.respond(f"answer to {text!r}")

async def main():
    forum = af.Forum(sys.argv[1])
    print("ready", flush=True)
    sys.stdin.readline()
    messages = await slow_echo.quick_call("the same question", forum=forum)
    info = forum.cache_info()
    print(json.dumps({"ids": [m.id for m in messages], "text": messages[-1].content, "runs": len(runs),
                      "hits": info["hits"]}), flush=True)
    await forum.aclose()

asyncio.run(main())
"""


def test_two_processes_make_the_same_cached_call_at_once(where, tmp_path):
    close(af.Forum(where))  # the forum exists before they race
    errors = open(tmp_path / "callers.stderr", "w")  # noqa: SIM115
    try:
        procs = [start(CALLER, where, "wait", stderr=errors) for _ in range(2)]
        start_together(procs)
        for p in procs:  # both are inside their runs at once: neither found the other's cache entry
            assert p.stdout.readline().strip() == "running"
        for p in procs:
            p.stdin.write("continue\n")
            p.stdin.flush()
        outs = finish(procs)
        late = start(CALLER, where, "no-wait", stderr=errors)  # afterwards: a cache hit, the agent does not run
        start_together([late])
        outs += finish([late])
    finally:
        errors.close()
    assert all(p.returncode == 0 for p in [*procs, late]), (tmp_path / "callers.stderr").read_text()
    results = [json.loads(out.strip().splitlines()[-1]) for out in outs]
    assert all(r["text"] == "answer to 'the same question'" for r in results)
    assert results[0]["ids"] == results[1]["ids"] == results[2]["ids"]  # the same messages (content-addressed)
    assert [r["runs"] for r in results[:2]] == [1, 1]  # both ran: no cross-process sharing of a run in flight
    assert results[2]["runs"] == 0 and results[2]["hits"] == 1
    f = af.Forum(where)
    assert len(f) == 2 and f.verify() == 2  # the question and its answer, once each
    entries = f.cache_entries()
    assert len(entries) == 1 and entries[0]["response_ids"] == results[0]["ids"]
    close(f)


# -- refresh() ----------------------------------------------------------------------------------------------------


def test_refresh_returns_what_other_forums_stored_once(where):
    one, two = af.Forum(where), af.Forum(where)
    assert one.shared
    before = one.post("stored before the observer opened")
    observer = af.Forum(where)
    events = []
    observer.subscribe(events.append)
    assert observer.refresh() == [] and not observer.store.has_changes()
    a = one.post("from one")
    b = two.post("from two", parent=a)
    mine = observer.post("from the observer", parent=a)
    assert observer.store.has_changes()
    assert observer.refresh() == [a, b]  # first-stored order, not its own, not what was there before it opened
    assert [e.message for e in events if e.kind == "message"][-2:] == [a, b]
    assert "created_at" in events[-1].annotations  # the event carries the annotations, like a post's
    assert observer.refresh() == [] and not observer.store.has_changes()
    assert one.refresh() == [b, mine] and two.refresh() == [before, a, mine]
    assert two.post("from one") == a and one.refresh() == []  # stored again: nothing new
    batch = [af.Message(f"imported {i}", parent_id=b.id) for i in range(3)]
    two.store.add_many(batch)  # a batch (JSONL import) is seen too; not by the forum that stored it
    assert observer.refresh() == batch and two.refresh() == []
    assert af.Forum().refresh() == []  # memory: nobody else writes it
    close(one, two, observer)


# -- refresh() sees another process's posts ----------------------------------------------------------------------

POSTER = r"""
import sys, time
import agentforum_nb as af

forum = af.Forum(sys.argv[1])
print("ready", flush=True)
for line in sys.stdin:
    if line.strip() == "stop":
        break
    m = forum.post(line.strip())
    print(m.id, time.time(), flush=True)
forum.store.close()
"""


def test_refresh_sees_what_another_process_committed_at_once(where, tmp_path):
    f = af.Forum(where)
    assert f.shared
    mine = f.post("my own")
    events: list[af.ForumEvent] = []
    f.subscribe(events.append)
    with open(tmp_path / "poster.stderr", "w") as err:
        proc = start(POSTER, where, stderr=err)
    try:
        assert proc.stdout.readline().strip() == "ready"
        for i in range(5):
            proc.stdin.write(f"post {i}\n")
            proc.stdin.flush()
            mid, _ = proc.stdout.readline().split()  # stored (committed) by the other process
            assert f.has_changes()
            got = f.refresh()  # committed before it said so: the next look finds it (benchmarks time the lag)
            assert [m.id for m in got] == [mid] and got[0].content == f"post {i}"
            assert not f.has_changes()
        proc.stdin.write("stop\n")
        proc.stdin.flush()
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    assert [e.message.content for e in events if e.kind == "message"] == [f"post {i}" for i in range(5)]
    assert mine not in f.refresh() and f.refresh() == []
    close(f)
