"""Experiments stored in every store (API.md section 14): memory, SQLite and PostgreSQL; a reopened forum reads the
same table without running anything; files written before the experiment tables are upgraded; shards in several
processes join one execution."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys

import pytest

import agentforum_nb as af

from .test_shared_forums import finish, start, start_together


def writer(style: str) -> af.Agent:
    return af.function_agent("writer", lambda messages: f"{style}: {messages[-1].content}", version=style)


def length(case, run):
    return len(run.output.content)


CASES = ["one", ["two", "and then"], af.Case("three", expected=3)]


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def where(request, tmp_path):
    if request.param == "memory":
        return None
    if request.param == "sqlite":
        return str(tmp_path / "exp.sqlite")
    return request.getfixturevalue("pg_url")


def open_forum(where):
    return af.Forum() if where is None else af.Forum(where)


async def test_an_execution_is_stored_and_read_back_the_same(where):
    forum = open_forum(where)
    exp = af.Experiment(
        "stored", cases=CASES, variants={"a": writer("a"), "b": writer("b")}, judges=[length], forum=forum
    )
    first = await exp.run(progress=False)
    second = await exp.run(progress=False)
    assert forum.experiments() == ["stored"]
    assert forum.experiment("stored").rows() == second.rows() == first.rows()
    if where is None:
        await forum.aclose()
        return
    await forum.aclose()
    reopened = af.Forum(where)  # a new process would see the same: nothing runs
    assert reopened.experiments() == ["stored"]
    again = reopened.experiment("stored", run=0)
    assert again.rows() == first.rows() and again.execution == 0 and reopened.experiment("stored").execution == 1
    assert [r.messages for r in again.runs] == [r.messages for r in first.runs]
    assert again.run("1", "b").messages[-1].content == "b: and then"
    await reopened.aclose()


async def test_a_sqlite_file_without_experiment_tables_is_upgraded(tmp_path):
    path = tmp_path / "old.sqlite"
    forum = af.Forum(path)
    kept = forum.post("written before experiments existed")
    await forum.aclose()
    con = sqlite3.connect(path)  # the file as an earlier version wrote it: no experiment tables
    con.execute("DROP TABLE experiments")
    con.execute("DROP TABLE experiment_runs")
    con.commit()
    con.close()
    readonly = af.Forum(af.store.SQLiteStore(path, readonly=True))
    assert readonly.experiments() == [] and kept.id in readonly  # read-only: nothing to show, nothing changed
    await readonly.aclose()
    forum = af.Forum(path)
    result = await af.Experiment("new", cases=["x"], variants={"w": writer("w")}, forum=forum).run(progress=False)
    assert forum.experiment("new").rows() == result.rows() and forum.get(kept.id) == kept
    await forum.aclose()


async def test_a_postgres_database_without_experiment_tables_is_upgraded(pg_url):
    import psycopg

    forum = af.Forum(pg_url)
    kept = forum.post("written before experiments existed")
    await forum.aclose()
    with psycopg.connect(pg_url.split("?")[0]) as con:
        con.execute("DROP TABLE experiments")
        con.execute("DROP TABLE experiment_runs")
    forum = af.Forum(pg_url)
    result = await af.Experiment("new", cases=["x"], variants={"w": writer("w")}, forum=forum).run(progress=False)
    assert forum.experiment("new").rows() == result.rows() and forum.get(kept.id) == kept
    await forum.aclose()


SHARD = r"""
import asyncio, sys
import agentforum_nb as af

where, i, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
writer = af.function_agent("writer", lambda messages: f"w: {messages[-1].content}", version="w")
editor = af.function_agent("editor", lambda messages: f"e: {messages[-1].content}", version="e")
forum = af.Forum(where)
exp = af.Experiment("sharded", cases=[f"case {k}" for k in range(12)], variants={"w": writer, "e": editor},
                    forum=forum)
print("ready", flush=True)
sys.stdin.readline()
result = asyncio.run(exp.run(shard=(i, n), progress=False))
print(result.execution, flush=True)
forum.store.close()
"""


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_shards_in_several_processes_join_one_execution(kind, tmp_path, request):
    where = str(tmp_path / "shared.sqlite") if kind == "sqlite" else request.getfixturevalue("pg_url")
    af.Forum(where).store.close()  # created once, before the processes open it
    with open(tmp_path / "stderr", "w") as err:
        procs = [start(SHARD, where, str(i), "3", stderr=err) for i in range(3)]
        start_together(procs)
        outs = finish(procs)
    assert all(p.returncode == 0 for p in procs), (tmp_path / "stderr").read_text()
    assert {o.strip() for o in outs} == {"0"}  # every process ran its part of execution 0
    forum = af.Forum(where)
    merged = forum.experiment("sharded")
    assert merged.complete and len(merged.runs) == 24 and forum.experiments() == ["sharded"]
    assert {r.output.content for r in merged.runs if r.variant == "e"} == {f"e: case {k}" for k in range(12)}
    forum.store.close()


def test_sharded_processes_run_disjoint_parts(tmp_path):
    code = (
        "import sys; sys.path.insert(0, '.');"
        + r"""
import agentforum_nb as af
exp = af.Experiment("p", cases=[str(i) for i in range(7)], variants={"a": af.function_agent("a", lambda m: "x")},
                    samples=2, forum=af.Forum())
parts = [exp.plan((i, 3)) for i in range(3)]
flat = [r for p in parts for r in p]
print(len(flat), len(set(flat)), sorted(flat) == sorted(exp.plan()))
"""
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["14", "14", "True"]


def test_nothing_is_run_to_read_a_table(tmp_path):
    path = str(tmp_path / "f.sqlite")
    forum = af.Forum(path)
    calls = []

    def counting(messages):
        calls.append(1)
        return "ok"

    asyncio.run(
        af.Experiment("t", cases=["q"], variants={"v": af.function_agent("v", counting)}, forum=forum).run(
            progress=False
        )
    )
    forum.store.close()
    again = af.Forum(path)
    assert again.experiment("t").runs[0].output.content == "ok" and calls == [1]
    again.store.close()
