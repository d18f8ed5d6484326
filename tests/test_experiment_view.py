"""The ExperimentView without a browser: drive its comm as the front end does, assert on its messages and traits."""

from __future__ import annotations

import asyncio
import json
import math

import pytest

import agentforum_nb as af
from agentforum_nb.notebook import ExperimentView, TreeView
from agentforum_nb.notebook.experiment_view import SNIPPET

from .test_widgets import frontend, record

XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'


class Outbox(list):
    """What a widget sends, and a way to wait until it has sent something (an event per message, no sleeps)."""

    def __init__(self, widget):
        super().__init__()
        self.arrived = asyncio.Event()
        widget.send = self.put

    def put(self, content, buffers=None):
        self.append(content)
        self.arrived.set()

    async def until(self, predicate):
        while not predicate(self):
            self.arrived.clear()
            await self.arrived.wait()


def cells_sent(sent) -> int:
    return sum(len(m["cells"]) for m in sent if m["kind"] == "rows")


def writer(style: str, *, fail_on: str | None = None) -> af.Agent:
    def answer(messages, sample=0, tone="plain"):
        last = messages[-1].content
        if fail_on is not None and fail_on in last:
            raise ValueError(f"cannot write about {last!r}")
        return f"{style}/{tone} slogan #{sample} for {last} " + "and more words " * 20

    return af.function_agent("writer", answer, version=style)


def mentions_brand(case, run):
    return "acme" in run.output.content.lower()


def grader_agent() -> af.Agent:
    return af.scripted_agent("grader", ['{"score": 4, "reason": "short and catchy"}'], cycle=True)


def experiment(forum, *, samples: int = 1, name: str = "slogans", cases=None, judges=None) -> af.Experiment:
    return af.Experiment(
        name,
        cases=cases or ["acme rockets", ["acme bikes", "make it shorter"], af.Case("tea", name="drinks")],
        variants={"plain": writer("plain", fail_on="tea"), "terse": af.Variant(writer("terse"), tone="terse")},
        judges=judges
        if judges is not None
        else [mentions_brand, af.llm_judge("quality", rubric="Score 1-5", agent=grader_agent())],
        samples=samples,
        forum=forum,
    )


async def test_ready_sends_the_table_compactly(forum):
    result = await experiment(forum, samples=2).run(progress=False)
    view = ExperimentView(result)
    sent = record(view)
    frontend(view, {"kind": "ready"})
    (snap,) = sent
    assert snap["kind"] == "snapshot" and snap["name"] == "slogans" and snap["execution"] == 0
    assert snap["variants"] == ["plain", "terse"] and snap["samples"] == 2
    assert snap["cases"] == [
        {"name": "0", "turns": 1, "first": "acme rockets"},
        {"name": "1", "turns": 2, "first": "acme bikes"},
        {"name": "drinks", "turns": 1, "first": "tea"},
    ]
    assert snap["judges"] == ["mentions_brand", "quality"]
    assert snap["total"] == 12 and len(snap["cells"]) == 12 and snap["running"] is False
    cell = next(c for c in snap["cells"] if (c["c"], c["v"], c["s"]) == (1, 1, 1))
    run = result.run("1", "terse", sample=1)
    assert cell["id"] == run.output.id
    assert cell["text"] == run.output.content[:SNIPPET] and len(run.output.content) > SNIPPET
    assert cell["scores"] == {"mentions_brand": False, "quality": 4.0}
    assert set(cell["metrics"]) == {"duration_s", "tokens", "cost_usd"} and cell["error"] is None
    failed = next(c for c in snap["cells"] if (c["c"], c["v"], c["s"]) == (2, 0, 0))
    assert failed["id"] is None and "cannot write about 'tea'" in failed["error"] and failed["scores"] == {}
    json.dumps(snap, allow_nan=False)  # plain JSON
    view.close()


async def test_scores_that_are_not_json_numbers_are_sent_as_missing(forum):
    def odd(case, run):
        return {"nan": math.nan, "inf": math.inf, "ok": 1.5}

    result = await experiment(forum, judges=[odd]).run(progress=False)
    view = ExperimentView(result)
    cell = view.snapshot()["cells"][0]
    assert cell["scores"] == {"odd.nan": None, "odd.inf": None, "odd.ok": 1.5}
    view.close()


async def test_open_sends_the_conversation_and_checks_the_output_out_in_the_tree(forum):
    result = await experiment(forum).run(progress=False)
    tree = TreeView(forum)
    view = ExperimentView(result, tree=tree)
    assert view.linked is True
    sent = record(view)
    frontend(view, {"kind": "open", "case": 1, "variant": "terse", "sample": 0})
    run = result.run("1", "terse")
    assert view.opened == {"case": 1, "variant": "terse", "sample": 0}
    assert tree.head_id == run.output.id and tree.selected_id == run.output.id
    frontend(view, {"kind": "get-run", "case": 1, "variant": "terse", "sample": 0, "request_id": 3})
    (reply,) = sent
    assert reply["kind"] == "run" and reply["request_id"] == 3 and reply["tip"] == run.output.id
    assert [m["content"] for m in reply["messages"]] == [m.content for m in run.messages]
    assert [m["sender"] for m in reply["messages"]] == ["user", "writer", "user", "writer"]
    assert reply["scores"] == {"mentions_brand": False, "quality": 4.0} and reply["error"] is None
    # what the LLM judge said is one click away: its answer under the run's output
    verdicts = [(v["judge"], json.loads(v["text"])["reason"]) for v in reply["verdicts"]]
    assert verdicts == [("quality", "short and catchy")]
    # a failed run opens on its error message
    view.open_run("drinks", "plain")
    failed = result.run("drinks", "plain")
    assert failed.error is not None and tree.head_id == failed.error.id
    frontend(view, {"kind": "close-run"})
    assert view.opened == {}
    view.close()
    tree.close()


async def test_compare_two_runs_side_by_side_with_their_totals(forum):
    result = await experiment(forum).run(progress=False)
    view = ExperimentView(result)
    frontend(
        view,
        {
            "kind": "compare",
            "a": {"case": 0, "variant": "plain", "sample": 0},
            "b": {"case": 0, "variant": "terse", "sample": 0},
        },
    )
    c = view.comparison
    plain, terse = result.run("0", "plain"), result.run("0", "terse")
    assert c["a"]["variant"] == "plain" and c["b"]["variant"] == "terse"
    assert c["a"]["metrics"]["duration_s"] == plain.metrics["duration_s"]
    assert c["ancestor"] == plain.messages[0].id  # the case's first turn: every run of a case starts there
    (row,) = c["rows"]
    left = "".join(t for op, t in row["diff"] if op in "=-")
    right = "".join(t for op, t in row["diff"] if op in "=+")
    assert left == plain.output.content and right == terse.output.content
    # from Python, with runs or (case, variant) pairs
    comparison = view.compare(result.run("1", "plain"), ("1", "terse"))
    assert comparison.left.head == result.run("1", "plain").output
    frontend(view, {"kind": "close-compare"})
    assert view.comparison == {}
    view.close()


async def test_bad_browser_messages_are_reported_and_change_nothing(forum):
    result = await experiment(forum).run(progress=False)
    view = ExperimentView(result)
    sent = record(view)
    for content, problem in [
        ({"kind": "open", "case": 7, "variant": "plain"}, "no case 7"),
        ({"kind": "open", "case": "0", "variant": "loud"}, "no variant 'loud'"),
        ({"kind": "open", "case": 0, "variant": "plain", "sample": 1}, "sample must be 0..0"),
        ({"kind": "get-run", "case": [], "variant": "plain"}, "a case is its index or its name"),
        ({"kind": "compare", "a": {"case": 0, "variant": "plain"}}, "compare needs two cells"),
        ({"kind": "custom"}, "unknown message kind 'custom'"),
        ("junk", "malformed message"),
    ]:
        view.error = ""
        frontend(view, content)
        assert problem in view.error, (content, view.error)
    assert view.opened == {} and view.comparison == {} and sent == []
    # traits only the kernel sets are refused
    view.comm.handle_msg(
        {
            "content": {"data": {"method": "update", "state": {"opened": {"case": 0}}, "buffer_paths": []}},
            "buffers": [],
        }
    )
    assert view.opened == {} and "only the kernel sets" in view.error
    view.close()


async def test_bad_arguments_are_usage_errors(forum):
    with pytest.raises(af.UsageError, match="ExperimentResult"):
        ExperimentView("slogans")  # type: ignore[arg-type]
    result = await experiment(forum).run(progress=False)
    other = af.Forum()
    with pytest.raises(af.UsageError, match="same forum"):
        ExperimentView(result, tree=TreeView(other))
    with pytest.raises(af.UsageError, match=r"af\.TreeView"):
        ExperimentView(result, tree="tree")  # type: ignore[arg-type]
    await other.aclose()


async def test_a_stored_result_is_shown_as_the_one_run_gave(forum):
    result = await experiment(forum).run(progress=False)
    shown = ExperimentView(result).snapshot()
    view = ExperimentView(forum.experiment("slogans"))  # read back from the store, without running anything
    assert view.snapshot() == shown
    view.compare(("0", "plain"), ("0", "terse"))  # a stored result reads its branches from its forum
    assert view.comparison["rows"]
    view.close()


async def test_shown_from_the_experiment_it_fills_in_live_throttled(forum):
    gate = asyncio.Event()

    @af.agent(version="1")
    async def slow(ctx):
        (request,) = await ctx.requests
        if "last" in request.content:
            await gate.wait()
        ctx.respond(f"re: {request.content} {XSS}")

    cases = [f"case {i}" for i in range(40)] + ["the last one"]
    exp = af.Experiment("live", cases=cases, variants={"v": slow}, judges=[], forum=forum)
    view = ExperimentView(exp)
    sent = Outbox(view)
    assert view.result is None
    before = view.snapshot()  # before the first execution: the cases and variants, no runs
    assert before["execution"] is None and len(before["cases"]) == 41 and before["cells"] == []
    task = asyncio.ensure_future(exp.run(progress=False, max_concurrency=4))
    await sent.until(lambda s: cells_sent(s) == 40)  # the 40 quick runs; the last one waits for the gate
    assert sent[0]["kind"] == "snapshot" and sent[0]["running"] is True and sent[0]["execution"] == 0
    rows = [m for m in sent if m["kind"] == "rows"]
    assert len(rows) <= 4  # batched: 40 rows in a few updates (at most 16 a second), not one each
    assert all(m["running"] for m in rows)
    assert view.result is exp.result
    assert {c["text"] for m in rows for c in m["cells"]} >= {f"re: case 3 {XSS}"}  # text as text
    gate.set()
    await task
    await sent.until(lambda s: s[-1]["kind"] == "rows" and s[-1]["running"] is False)
    assert cells_sent(sent) == 41
    # a second execution starts again from a new snapshot (its runs are taken from the first: at once)
    n = len(sent)
    await exp.run(progress=False)
    snaps = [m for m in sent[n:] if m["kind"] == "snapshot"]
    assert snaps and snaps[0]["execution"] == 1
    assert view.snapshot()["running"] is False and len(view.snapshot()["cells"]) == 41
    assert repr(view) == "<ExperimentView 'live': 41 of 41 runs>"
    view.close()
    assert exp._listeners == []  # closing the view stops listening


async def test_a_view_made_while_it_runs_shows_the_rows_so_far(forum):
    gate = asyncio.Event()
    started = asyncio.Event()

    @af.agent(version="1")
    async def slow(ctx):
        (request,) = await ctx.requests
        if "b" in request.content:
            started.set()
            await gate.wait()
        ctx.respond("ok")

    exp = af.Experiment("mid", cases=["a", "b"], variants={"v": slow}, forum=forum)
    first = asyncio.Event()
    exp.subscribe(lambda run: first.set() if run is not None else None)
    task = asyncio.ensure_future(exp.run(progress=False))
    await started.wait()
    await first.wait()
    view = ExperimentView(exp)
    snap = view.snapshot()
    assert snap["running"] is True and [c["c"] for c in snap["cells"]] == [0]
    gate.set()
    await task
    assert view.snapshot()["running"] is False and len(view.snapshot()["cells"]) == 2
    view.close()


def test_exported_lazily():
    assert af.ExperimentView is ExperimentView
    assert "ExperimentView" in af.__all__
