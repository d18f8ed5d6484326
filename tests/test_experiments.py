"""Experiments (API.md section 14): cases x variants x samples, judged, stored in the forum."""

from __future__ import annotations

import asyncio
import math

import pytest

import agentforum_nb as af


def _writer(style: str, calls: list[str] | None = None, *, fail_on: str | None = None) -> af.Agent:
    """A function agent answering in a style; records its calls; fails on a turn containing ``fail_on``."""

    def answer(messages, sample=0, tone="plain"):
        last = messages[-1].content
        if calls is not None:
            calls.append(f"{style}:{last}:{sample}")
        if fail_on is not None and fail_on in last:
            raise ValueError(f"cannot write about {last!r}")
        return f"{style}/{tone} slogan #{sample} for {last}"

    return af.function_agent("writer", answer, version=style)


def mentions_brand(case, run):
    return "acme" in run.output.content.lower()


def length_score(case, run):
    return {"chars": len(run.output.content), "short": len(run.output.content) < 40}


CASES = [
    "acme rockets",
    ["acme bikes", "make it shorter"],
    af.Case("tea", name="drinks", expected="something about tea", metadata={"topic": "food"}),
]


async def test_every_case_variant_and_sample_runs_as_siblings_and_is_judged(forum):
    calls: list[str] = []
    exp = af.Experiment(
        "slogans",
        cases=CASES,
        variants={"plain": _writer("plain", calls), "terse": af.Variant(_writer("terse", calls), tone="terse")},
        judges=[mentions_brand, length_score],
        samples=2,
        forum=forum,
    )
    result = await exp.run(progress=False)
    assert isinstance(result, af.ExperimentResult) and len(result.runs) == 3 * 2 * 2 and result.complete
    assert [c.name for c in result.cases] == ["0", "1", "drinks"]
    run = result.run("1", "terse", sample=1)
    assert [m.content for m in run.messages] == [
        "acme bikes",
        "terse/terse slogan #1 for acme bikes",
        "make it shorter",
        "terse/terse slogan #1 for make it shorter",
    ]
    assert run.output == run.messages[-1] and run.error is None
    assert run.scores == {
        "mentions_brand": False,
        "length_score.chars": len(run.output.content),
        "length_score.short": len(run.output.content) < 40,
    }
    # every run of a case starts from the same root: the runs are siblings in the tree
    roots = {r.messages[0].id for r in result.runs if r.case.name == "1"}
    assert len(roots) == 1 and forum.get(roots.pop()).sender == "user"
    # scores are the output's annotation too
    assert forum.annotations(run.output)["scores"]["length_score.chars"] == len(run.output.content)
    # runs are ordinary calls: annotated, with the sample
    assert forum.annotations(run.messages[1])["sample"] == 1


async def test_a_failing_run_is_a_row_with_its_error_and_is_not_judged(forum):
    judged = []

    def judge(case, run):
        judged.append(case.name)
        return 1

    exp = af.Experiment(
        "fails",
        cases=["fine", "boom"],
        variants={"v": _writer("v", fail_on="boom")},
        judges=[judge],
        forum=forum,
    )
    result = await exp.run(progress=False)
    bad = result.run("1", "v")
    assert bad.error is not None and bad.error.kind == "error" and "cannot write about" in bad.error_text
    assert bad.scores == {} and judged == ["0"]
    assert result.run("0", "v").scores == {"judge": 1}


async def test_a_judge_that_raises_gives_none_and_its_error(forum):
    def picky(case, run):
        raise RuntimeError("no opinion")

    exp = af.Experiment("picky", cases=["x"], variants={"v": _writer("v")}, judges=[picky, mentions_brand], forum=forum)
    (run,) = (await exp.run(progress=False)).runs
    assert run.scores == {"picky": None, "mentions_brand": False}
    assert run.judge_errors == {"picky": "RuntimeError: no opinion"}


async def test_an_llm_judge_asks_its_agent_under_the_output_and_its_conversation_stays(forum):
    verdicts = af.scripted_agent("grader", ['{"score": 4, "reason": "names the brand"}'] * 10)
    judge = af.llm_judge("quality", rubric="Score 1-5: does it name the brand?", agent=verdicts)
    exp = af.Experiment(
        "llm", cases=[af.Case("acme", expected="acme")], variants={"v": _writer("v")}, judges=[judge], forum=forum
    )
    (run,) = (await exp.run(progress=False)).runs
    assert run.scores == {"quality": 4.0}
    (question,) = [m for m in forum.children(run.output) if m.sender == "quality"]
    assert "Score 1-5" in question.content and "Expected: acme" in question.content
    assert "v/plain slogan #0 for acme" in question.content  # the run's conversation
    (reply,) = forum.children(question)
    assert reply.sender == "grader" and "names the brand" in reply.content  # its reason, one click away


async def test_a_judge_answer_that_is_not_a_verdict_is_the_judges_error(forum):
    grader = af.scripted_agent("grader", ["no idea"] * 10)
    exp = af.Experiment(
        "bad judge",
        cases=["x"],
        variants={"v": _writer("v")},
        judges=[af.llm_judge("q", rubric="r", agent=grader)],
        forum=forum,
    )
    (run,) = (await exp.run(progress=False)).runs
    assert run.scores == {"q": None} and "AgentError" in run.judge_errors["q"]


async def test_it_is_stored_and_read_back_executions_in_order(forum):
    exp = af.Experiment("stored", cases=CASES, variants={"a": _writer("a")}, judges=[length_score], forum=forum)
    first = await exp.run(progress=False)
    again = await exp.run(progress=False)
    assert forum.experiments() == ["stored"]
    assert (first.execution, again.execution) == (0, 1)
    read = forum.experiment("stored")
    assert read.execution == 1 and read.rows() == again.rows() and read.rows() == first.rows()
    assert forum.experiment("stored", run=0).rows() == first.rows()
    with pytest.raises(af.UsageError, match="no experiment named 'nope'"):
        forum.experiment("nope")
    with pytest.raises(af.UsageError, match="execution"):
        forum.experiment("stored", run=5)


async def test_a_rerun_of_unchanged_variants_calls_nothing_and_a_changed_variant_runs_again(forum):
    calls: list[str] = []
    base = {"a": _writer("a", calls), "b": _writer("b", calls)}
    exp = af.Experiment("rerun", cases=CASES, variants=base, judges=[mentions_brand], forum=forum)
    first = await exp.run(progress=False)
    n = len(calls)
    second = await af.Experiment("rerun", cases=CASES, variants=base, judges=[mentions_brand], forum=forum).run(
        progress=False
    )
    assert len(calls) == n and second.rows() == first.rows()
    changed = {"a": base["a"], "b": _writer("b2", calls)}
    third = await af.Experiment("rerun", cases=CASES, variants=changed, judges=[mentions_brand], forum=forum).run(
        progress=False
    )
    assert {c.split(":")[0] for c in calls[n:]} == {"b2"}  # only the changed variant ran
    assert [r["output"] for r in third.rows() if r["variant"] == "a"] == [
        r["output"] for r in first.rows() if r["variant"] == "a"
    ]


async def test_to_pandas_and_summary(forum):
    pd = pytest.importorskip("pandas")
    exp = af.Experiment(
        "table",
        cases=["acme one", "two"],
        variants={"base": _writer("base"), "loud": af.Variant(_writer("loud"), tone="LOUD")},
        judges=[mentions_brand, length_score],
        forum=forum,
    )
    result = await exp.run(progress=False)
    df = result.to_pandas()
    assert list(df.columns) == [
        "case",
        "variant",
        "sample",
        "output",
        "output_id",
        "error",
        "mentions_brand",
        "length_score.chars",
        "length_score.short",
        "duration_s",
        "tokens",
        "input_tokens",
        "output_tokens",
        "cost_usd",
    ]
    assert len(df) == 4 and df["tokens"].notna().all() and df["cost_usd"].isna().all()
    summary = result.summary(baseline="base")
    assert list(summary.index) == ["base", "loud"]
    assert summary.loc["base", "mentions_brand"] == 0.5 and summary.loc["base", "errors"] == 0
    assert summary.loc["base", "mentions_brand Δ"] == 0
    expected = (
        df[df.variant == "loud"]["length_score.chars"].mean() - df[df.variant == "base"]["length_score.chars"].mean()
    )
    assert summary.loc["loud", "length_score.chars Δ"] == pytest.approx(expected)
    assert math.isnan(summary.loc["base", "cost_usd"])
    assert isinstance(summary, pd.DataFrame)
    # against another result of the same cases (yesterday's)
    again = await af.Experiment(
        "table", cases=["acme one", "two"], variants={"base": _writer("base2")}, judges=[length_score], forum=forum
    ).run(progress=False)
    vs = again.summary(baseline=result)
    assert "length_score.chars Δ" in vs.columns
    with pytest.raises(af.UsageError, match="baseline"):
        result.summary(baseline="nope")


async def test_max_concurrency_bounds_the_runs_at_once(forum):
    running = 0
    most = 0
    gate = asyncio.Event()

    @af.agent(version="1")
    async def slow(ctx):
        nonlocal running, most
        running += 1
        most = max(most, running)
        if most >= 3:
            gate.set()
        await gate.wait()
        running -= 1
        ctx.respond("done")

    exp = af.Experiment("bounded", cases=[f"c{i}" for i in range(9)], variants={"s": slow}, forum=forum)
    result = await exp.run(max_concurrency=3, progress=False)
    assert most == 3 and len(result.runs) == 9


async def test_cancelling_run_cancels_every_run(forum):
    started = asyncio.Event()

    @af.agent(version="1")
    async def forever(ctx):
        started.set()
        await asyncio.Event().wait()

    exp = af.Experiment("cancel", cases=["a", "b"], variants={"f": forever}, forum=forum)
    task = asyncio.ensure_future(exp.run(progress=False))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert all(m.status == "complete" for m in forum)  # nothing half-stored; the calls were cancelled
    from agentforum_nb.calls import running_calls

    assert running_calls(forum) == []


async def test_shards_split_the_runs_and_merge_in_the_forum(forum):
    calls: list[str] = []
    variants = {"a": _writer("a", calls), "b": _writer("b", calls)}
    cases = [f"case {i}" for i in range(5)]
    parts = [
        await af.Experiment("sharded", cases=cases, variants=variants, forum=forum).run(shard=(i, 3), progress=False)
        for i in range(3)
    ]
    assert [len(p.runs) for p in parts] == [4, 7, 10]  # each returns the whole table stored so far
    assert len(calls) == 10 and len(forum.experiments()) == 1
    merged = forum.experiment("sharded")
    assert merged.complete and merged.execution == 0  # the three parts joined one execution
    assert sorted((r.case.name, r.variant) for r in merged.runs) == sorted(
        (str(c), v) for c in range(5) for v in ("a", "b")
    )


def test_bad_arguments_are_named():
    w = _writer("w")
    with pytest.raises(af.UsageError, match="unique"):
        af.Experiment("x", cases=[af.Case("a", name="n"), af.Case("b", name="n")], variants={"w": w})
    with pytest.raises(af.UsageError, match="variants"):
        af.Experiment("x", cases=["a"], variants={})
    with pytest.raises(af.UsageError, match=r"af\.Agent"):
        af.Variant("not an agent")  # type: ignore[arg-type]
    with pytest.raises(af.UsageError, match="JSON"):
        af.Variant(w, when=object())
    with pytest.raises(af.UsageError, match="samples"):
        af.Experiment("x", cases=["a"], variants={"w": w}, samples=0)
    with pytest.raises(af.UsageError, match="a judge needs a name"):
        af.Experiment("x", cases=["a"], variants={"w": w}, judges=[lambda c, r: 1])
    with pytest.raises(af.UsageError, match="turns"):
        af.Case([])
    with pytest.raises(af.UsageError, match="shard"):
        asyncio.run(af.Experiment("x", cases=["a"], variants={"w": w}, forum=af.Forum()).run(shard=(3, 2)))


async def test_case_from_branch_takes_the_user_turns(forum):
    q = forum.post("first")
    a = forum.post("answer", parent=q, sender="bot")
    q2 = forum.post("second", parent=a)
    case = af.Case.from_branch(forum, q2, name="replayed")
    assert case.turns == ("first", "second") and case.name == "replayed"


async def test_progress_bar_in_a_terminal(forum, capsys):
    exp = af.Experiment("bar", cases=["a", "b"], variants={"w": _writer("w")}, forum=forum)
    await exp.run(progress=True)
    err = capsys.readouterr().err
    assert "bar" in err and "2/2" in err


async def test_the_execution_in_progress_fills_in_and_listeners_hear_its_start_and_end(forum):
    """``exp.result`` is the execution in progress, its rows added as they come (an ExperimentView made while it
    runs shows them); listeners hear ``None`` at the start and at the end, and ``exp.running`` says which."""
    gate = asyncio.Event()
    seen: list[tuple[str, int, bool]] = []

    @af.agent(version="1")
    async def writer(ctx):
        (request,) = await ctx.requests
        if "slow" in request.content:
            await gate.wait()
        ctx.respond(f"re: {request.content}")

    exp = af.Experiment("live", cases=["fast one", "slow one"], variants={"v": writer}, forum=forum)
    assert exp.running is False

    def listener(run):
        live = exp.result
        seen.append(("start/end" if run is None else run.case.name, len(live.runs), exp.running))
        if run is not None and run.case.name == "0":
            assert live.runs == [run]  # the row is in the live result when the listener hears of it
            gate.set()

    exp.subscribe(listener)
    result = await exp.run(progress=False)
    assert seen == [("start/end", 0, True), ("0", 1, True), ("1", 2, True), ("start/end", 2, False)]
    assert exp.result is result and result.forum is forum and forum.experiment("live").forum is forum
    assert [r.output.content for r in result.runs] == ["re: fast one", "re: slow one"]


async def test_listeners_hear_the_end_of_an_execution_that_is_cancelled(forum):
    started = asyncio.Event()

    @af.agent(version="1", cache=False)
    async def stuck(ctx):
        started.set()
        await asyncio.Event().wait()  # never answers

    exp = af.Experiment("stuck", cases=["a"], variants={"v": stuck}, forum=forum)
    heard: list[bool] = []
    exp.subscribe(lambda run: heard.append(exp.running) if run is None else None)
    task = asyncio.ensure_future(exp.run(progress=False))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert heard == [True, False] and exp.running is False


async def test_a_run_is_found_by_its_case_position_also_when_the_cases_are_named(forum):
    exp = af.Experiment(
        "named",
        cases=[af.Case("x", name="first"), af.Case("y", name="second")],
        variants={"v": _writer("v")},
        forum=forum,
    )
    result = await exp.run(progress=False)
    assert result.run(1, "v") is result.run("second", "v")
    assert result.run(0, "v").case.name == "first"
    with pytest.raises(KeyError):
        result.run(2, "v")


async def test_a_rerun_with_a_renamed_variant_and_reordered_cases_keeps_each_row_in_its_place(forum):
    """A run is taken from an earlier execution by what it is (case, variant's agent and kwargs, sample, judges),
    whatever the case's place and the variant's name: the row taken is this execution's, under the new ones."""
    calls: list[str] = []
    cases = [af.Case("acme one", name="one"), af.Case("acme two", name="two")]
    first = await af.Experiment(
        "moved", cases=cases, variants={"old": _writer("w", calls)}, judges=[mentions_brand], forum=forum
    ).run(progress=False)
    n = len(calls)
    again = await af.Experiment(
        "moved", cases=cases[::-1], variants={"new": _writer("w", calls)}, judges=[mentions_brand], forum=forum
    ).run(progress=False)
    assert len(calls) == n  # nothing ran again
    assert [(r.case.name, r.variant) for r in again.runs] == [("two", "new"), ("one", "new")]
    assert again.run("one", "new").output == first.run("one", "old").output
    assert again.run(0, "new").output.content == "w/plain slogan #0 for acme two"
    read = forum.experiment("moved")  # stored as this execution's rows
    assert read.rows() == again.rows() and [r["case"] for r in read.rows()] == ["two", "one"]


async def test_a_changed_case_runs_again_and_the_others_are_taken(forum):
    calls: list[str] = []
    variants = {"a": _writer("a", calls)}
    await af.Experiment("cases", cases=["acme x", "acme y"], variants=variants, forum=forum).run(progress=False)
    n = len(calls)
    again = await af.Experiment("cases", cases=["acme x", "acme z"], variants=variants, forum=forum).run(progress=False)
    assert calls[n:] == ["a:acme z:0"]  # only the changed case ran
    assert [r.output.content for r in again.runs] == ["a/plain slogan #0 for acme x", "a/plain slogan #0 for acme z"]
    # the same content under another name is another case too (its name is part of what it is)
    renamed = [af.Case("acme x", name="first"), "acme z"]
    await af.Experiment("cases", cases=renamed, variants=variants, forum=forum).run(progress=False)
    assert calls[n + 1 :] == []  # ... whose calls are cache hits all the same


async def test_a_changed_judge_judges_again_without_calling_the_variant(forum):
    calls: list[str] = []
    judged: list[str] = []

    def strict(case, run):
        judged.append(run.output.content)
        return "acme" in run.output.content and len(run.output.content) < 10

    variants = {"a": _writer("a", calls)}
    first = await af.Experiment(
        "judged", cases=["acme x"], variants=variants, judges=[mentions_brand], forum=forum
    ).run(progress=False)
    n = len(calls)
    again = await af.Experiment("judged", cases=["acme x"], variants=variants, judges=[strict], forum=forum).run(
        progress=False
    )
    assert len(calls) == n and judged == ["a/plain slogan #0 for acme x"]  # judged again, the agent not called
    assert again.runs[0].output == first.runs[0].output and again.runs[0].scores == {"strict": False}
    assert first.runs[0].scores == {"mentions_brand": True}


async def test_runs_are_taken_from_an_older_execution_when_the_latest_lacks_them(forum):
    """Rows of an older execution are taken too; here some as the Run objects of a result in memory (the latest),
    the others built from the stored rows (the first result is gone): the table in its order all the same."""
    import gc

    calls: list[str] = []
    a, b = _writer("a", calls), _writer("b", calls)
    cases = ["acme 1", "acme 2"]
    await af.Experiment("older", cases=cases, variants={"a": a, "b": b}, forum=forum).run(progress=False)
    gc.collect()  # the first result is gone: its runs are read back from the store
    second = await af.Experiment("older", cases=cases, variants={"a": a}, forum=forum).run(progress=False)
    n = len(calls)
    third = await af.Experiment("older", cases=cases, variants={"a": a, "b": b}, forum=forum).run(progress=False)
    assert len(calls) == n and third.complete
    assert [(r.case.name, r.variant) for r in third.runs] == [("0", "a"), ("0", "b"), ("1", "a"), ("1", "b")]
    assert third.run(0, "a") is second.run(0, "a")
    assert third.run(1, "b").output.content == "b/plain slogan #0 for acme 2"
    assert forum.experiment("older").rows() == third.rows()


async def test_a_rerun_reads_the_stored_rows_when_the_earlier_result_is_gone(forum):
    """A re-run takes the runs of an earlier result still in memory as they are; without it, from the store."""
    import gc

    calls: list[str] = []
    exp = af.Experiment("gone", cases=CASES, variants={"a": _writer("a", calls)}, judges=[length_score], forum=forum)
    first = await exp.run(progress=False)
    rows, outputs = first.rows(), [r.output for r in first.runs]
    kept = await af.Experiment(
        "gone", cases=CASES, variants={"a": _writer("a", calls)}, judges=[length_score], forum=forum
    ).run(progress=False)
    assert all(k is f for k, f in zip(kept.runs, first.runs, strict=True))  # the very runs (immutable)
    n = len(calls)
    del first, kept, exp
    gc.collect()
    again = await af.Experiment(
        "gone", cases=CASES, variants={"a": _writer("a", calls)}, judges=[length_score], forum=forum
    ).run(progress=False)
    assert len(calls) == n and again.rows() == rows and [r.output for r in again.runs] == outputs


async def test_variants_that_swap_names_keep_their_own_runs(forum):
    calls: list[str] = []
    one, two = _writer("one", calls), _writer("two", calls)
    first = await af.Experiment("swap", cases=["acme"], variants={"a": one, "b": two}, forum=forum).run(progress=False)
    n = len(calls)
    again = await af.Experiment("swap", cases=["acme"], variants={"a": two, "b": one}, forum=forum).run(progress=False)
    assert len(calls) == n  # both taken
    assert again.run(0, "a").output == first.run(0, "b").output and again.run(0, "a").variant == "a"
    assert again.run(0, "b").output.content == "one/plain slogan #0 for acme"
    assert forum.experiment("swap").rows() == again.rows()
