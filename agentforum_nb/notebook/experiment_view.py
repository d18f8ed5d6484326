"""``ExperimentView``: an experiment's table as a live grid, one row per case and one column per variant (an
anywidget; front end in ``js/src/experiment.js`` and ``js/src/experiment/``).

The kernel sends a compact table (``snapshot``: the cases, the variants, the score names and one *cell* per run:
the start of its output as text, its scores, its error, its metrics and its output's id) and, while an
:class:`~agentforum_nb.Experiment` runs, the rows added since the last update (``rows``, at most 16 a second). The
browser draws, sorts and colours it; the whole conversation of a run is sent only when a cell is opened
(``get-run``, answered by ``run``). Opening a cell checks its output out in a linked TreeView; two cells are
compared with :func:`~agentforum_nb.compare.compare_branches` (the ``comparison`` trait).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Mapping
from typing import Any

import traitlets as t

from ..compare import Comparison, compare_branches
from ..errors import UsageError
from ..experiments import Experiment
from ..forum import Forum
from ..messages import Message
from ..results import ExperimentResult, Run
from ._loop import LoopHandoff
from ._widget import FLUSH_INTERVAL, BrowserWidget, browser_kinds, esm
from .tree_view import TreeView

__all__ = ["ExperimentView"]

#: characters of a run's output (or error) that its cell carries: the start of it
SNIPPET = 160
#: the metrics a cell carries (the header sums them)
CELL_METRICS = ("duration_s", "tokens", "cost_usd")

CellKey = tuple[int, str, int]


def _number(value: Any) -> Any:
    """A score or metric as JSON: a bool, a finite number, or None (NaN and infinities are not JSON)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)) and math.isfinite(value):
        return value
    return None


class ExperimentView(BrowserWidget):
    """The runs of an experiment as a grid: one row per case, one column per variant (its samples together in the
    cell), each cell the start of the output and its scores, coloured by a score; a header with each variant's
    means and totals; sort by any column (in the browser).

    ``source`` is an :class:`~agentforum_nb.ExperimentResult` (``await exp.run()``, ``forum.experiment(name)``) or
    the :class:`~agentforum_nb.Experiment` itself: then the view shows its current execution and fills in live
    while ``exp.run()`` runs (and starts again with the next execution). Clicking a cell (or :meth:`open_run`) shows
    that run's conversation and, with ``tree=`` a :class:`TreeView` of the same forum, checks its output out
    there; selecting two cells (Shift- or Ctrl-click, or :meth:`compare`) compares them side by side."""

    _esm = esm("experiment.js")  # js/src/experiment.js, built into static/
    #: the run whose conversation is shown: ``{"case": index, "variant": name, "sample": n}``, or ``{}``
    opened = t.Dict().tag(sync=True)
    #: the two runs compared: ``{"a": cell, "b": cell}`` and ``Comparison.to_json()``'s fields, or ``{}``
    comparison = t.Dict().tag(sync=True)
    #: whether opening a cell checks it out in a TreeView
    linked = t.Bool(False).tag(sync=True)

    #: synced traits that only the kernel sets (the browser asks with messages)
    _browser_readonly = frozenset({"opened", "comparison", "linked"})

    def __init__(self, source: ExperimentResult | Experiment, *, tree: TreeView | None = None) -> None:
        if isinstance(source, Experiment):
            experiment: Experiment | None = source
            result = source.result
            forum: Forum | None = source.forum
        elif isinstance(source, ExperimentResult):
            experiment, result, forum = None, source, source.forum
        else:
            raise UsageError(
                f"an ExperimentView shows an af.ExperimentResult (await exp.run(), forum.experiment(name)) or an "
                f"af.Experiment, not {type(source).__name__}"
            )
        if tree is not None:
            if not isinstance(tree, TreeView):
                raise UsageError(f"tree must be an af.TreeView, not {type(tree).__name__}")
            if forum is not None and tree.forum is not forum:
                raise UsageError("the ExperimentView and its TreeView must show the same forum (the experiment's)")
            forum = tree.forum
        super().__init__(linked=tree is not None)
        self.forum = forum
        self.tree = tree
        self._experiment = experiment
        self._flush_handle: asyncio.TimerHandle | None = None
        self._last_flush = 0.0
        self._pending: list[Run] = []
        self.messages_sent = 0  # kernel -> browser custom messages (for tests and benchmarks)
        self._show(result)
        self._running = experiment.running if experiment is not None else False
        self._unsubscribe: Callable[[], None] | None = None
        if experiment is not None:
            self._unsubscribe = experiment.subscribe(self._heard)
        self._listen_to_browser()

    # -- what is shown ------------------------------------------------------------------------------------
    @property
    def result(self) -> ExperimentResult | None:
        """The result shown (for an experiment: its current execution, filling in; ``None`` before its first)."""
        return self._result

    def _show(self, result: ExperimentResult | None) -> None:
        """Show ``result`` (or, before an experiment's first execution, its cases and variants without runs)."""
        self._result = result
        exp = self._experiment
        if result is not None:
            cases, variants, samples = result.cases, result.variants, result.samples
        else:
            assert exp is not None
            cases, variants, samples = exp.cases, list(exp.variants), exp.samples
        self._cases = list(cases)
        self._variants = list(variants)
        self._samples = samples
        self._case_index = {c.name: i for i, c in enumerate(self._cases)}
        self._variant_index = {v: i for i, v in enumerate(self._variants)}
        self._runs: dict[CellKey, Run] = {}
        self._judges: dict[str, None] = {}
        for run in result.runs if result is not None else ():
            self._keep(run)
        self._pending = []

    def _keep(self, run: Run) -> CellKey | None:
        ci = self._case_index.get(run.case.name)
        if ci is None or run.variant not in self._variant_index:
            return None  # not a run of this table (cannot happen for an experiment's own rows)
        key = (ci, run.variant, run.sample)
        self._runs[key] = run
        for k in run.scores:
            self._judges.setdefault(k, None)
        return key

    def _cell(self, key: CellKey, run: Run) -> dict[str, Any]:
        out = run.output
        text = out.content[:SNIPPET] if out is not None else ""
        error = run.error_text if run.error_text is not None else (run.error.content if run.error else None)
        cell: dict[str, Any] = {
            "c": key[0],
            "v": self._variant_index[key[1]],
            "s": key[2],
            "id": out.id if out is not None else None,
            "text": text,
            "error": error[:SNIPPET] if error is not None else None,
            "scores": {k: _number(v) for k, v in run.scores.items()},
            "metrics": {m: _number(run.metrics.get(m)) for m in CELL_METRICS},
        }
        if run.judge_errors:
            cell["judge_errors"] = sorted(run.judge_errors)
        return cell

    def _status(self) -> dict[str, Any]:
        result = self._result
        return {
            "name": result.name if result is not None else (self._experiment.name if self._experiment else ""),
            "execution": result.execution if result is not None else None,
            "judges": list(self._judges),
            "total": len(self._cases) * len(self._variants) * self._samples,
            "running": self._running,
        }

    def snapshot(self) -> dict[str, Any]:
        """The whole table as the browser gets it (the answer to ``ready``)."""
        return {
            "kind": "snapshot",
            **self._status(),
            "cases": [{"name": c.name, "turns": len(c.turns), "first": c.turns[0][:SNIPPET]} for c in self._cases],
            "variants": list(self._variants),
            "samples": self._samples,
            "cells": [self._cell(k, r) for k, r in self._runs.items()],
        }

    # -- live ---------------------------------------------------------------------------------------------
    def _heard(self, run: Run | None) -> None:
        """The experiment's listener: a row added, or (``None``) an execution starting or ending."""
        exp = self._experiment
        assert exp is not None
        if run is not None:
            key = self._keep(run)
            if key is not None:
                self._pending.append(run)
                self._changed()
            return
        self._running = exp.running
        result = exp.result
        shown = self._result
        if (
            exp.running
            or result is None
            or shown is None
            or result.execution != shown.execution
            or len(result.runs) != len(self._runs)
        ):  # a new execution (or the merged table of every shard): start again from it
            self._cancel_flush()
            self._show(result)
            self._emit(self.snapshot())
            return
        self._result = result  # the same rows: only "running" changed
        self._changed()

    def _changed(self) -> None:
        """Send an update soon: at most one per ``FLUSH_INTERVAL`` (16 a second), the rows added batched."""
        if self._flush_handle is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()
            return
        delay = max(0.0, self._last_flush + FLUSH_INTERVAL - loop.time())
        self._flush_handle = loop.call_later(delay, self._timer_flush)

    def _timer_flush(self) -> None:
        self._flush_handle = None
        self.flush()

    def _cancel_flush(self) -> None:
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None

    def flush(self) -> None:
        """Send the rows added since the last update (called automatically, at most 16 times a second)."""
        self._cancel_flush()
        try:
            self._last_flush = asyncio.get_running_loop().time()
        except RuntimeError:
            pass
        pending, self._pending = self._pending, []
        cells = []
        for run in pending:
            ci = self._case_index[run.case.name]
            cells.append(self._cell((ci, run.variant, run.sample), run))
        self._emit({"kind": "rows", **self._status(), "cells": cells})

    def _emit(self, content: dict[str, Any]) -> None:
        self.messages_sent += 1
        self.send(content)

    # -- runs ---------------------------------------------------------------------------------------------
    def _key(self, case: Any, variant: Any = None, sample: Any = 0) -> CellKey:
        """The cell of a run: ``case`` a :class:`~agentforum_nb.Run`, or a case (its index or name) with a
        variant's name and a sample; an ``af.UsageError`` names what is wrong."""
        if isinstance(case, Run):
            ci = self._case_index.get(case.case.name)
            variant, sample = case.variant, case.sample
        elif isinstance(case, str):
            ci = self._case_index.get(case)
        elif type(case) is int:
            ci = case if 0 <= case < len(self._cases) else None
        else:
            raise UsageError(f"a case is its index or its name, not {case!r:.60}")
        if ci is None:
            raise UsageError(f"no case {case!r:.60} in this experiment ({len(self._cases)} cases)")
        if not isinstance(variant, str) or variant not in self._variant_index:
            raise UsageError(f"no variant {variant!r:.60} in this experiment (variants: {', '.join(self._variants)})")
        if type(sample) is not int or not 0 <= sample < self._samples:
            raise UsageError(f"sample must be 0..{self._samples - 1}, not {sample!r:.20}")
        return (ci, variant, sample)

    def run_of(self, case: Any, variant: Any = None, sample: Any = 0) -> Run:
        """The run shown in a cell (see :meth:`open_run` for the arguments)."""
        key = self._key(case, variant, sample)
        run = self._runs.get(key)
        if run is None:
            raise UsageError(f"case {self._cases[key[0]].name!r} through {key[1]!r} (sample {key[2]}) has not run yet")
        return run

    def open_run(self, case: Any, variant: str | None = None, sample: int = 0) -> Run:
        """Show a run's conversation (as a click on its cell does) and, with a linked TreeView, check its output
        out there. ``case``: a :class:`~agentforum_nb.Run`, or the case's index or name with ``variant`` (and
        ``sample``). Returns the run."""
        run = self.run_of(case, variant, sample)
        key = self._key(run)
        self.opened = {"case": key[0], "variant": key[1], "sample": key[2]}
        self.error = ""
        tip = self._tip(run)
        if self.tree is not None and tip is not None:
            self.tree.checkout(tip)
            self.tree.select(tip)
        return run

    @staticmethod
    def _tip(run: Run) -> Message | None:
        """Where a run ends: its output, else (a failed run) its error or its last message."""
        if run.output is not None:
            return run.output
        if run.error is not None:
            return run.error
        return run.messages[-1] if run.messages else None

    def compare(self, a: Any, b: Any) -> Comparison:
        """Compare two runs side by side (as selecting their two cells does): their conversations from the last
        message they share, aligned message by message with a word-level diff, and each side's totals. ``a`` and
        ``b``: each a :class:`~agentforum_nb.Run` or ``(case, variant)`` / ``(case, variant, sample)``."""
        runs = [self.run_of(*x) if isinstance(x, (tuple, list)) else self.run_of(x) for x in (a, b)]
        tips = [self._tip(r) for r in runs]
        if tips[0] is None or tips[1] is None:
            raise UsageError("a run that stored no message cannot be compared (it failed before its first turn)")
        if self.forum is None:
            raise UsageError("this result has no forum to read the branches from: pass tree=af.TreeView(forum)")
        comparison = compare_branches(self.forum, tips[0], tips[1])
        sides = []
        for run in runs:
            key = self._key(run)
            sides.append(self._cell(key, run) | {"case": key[0], "variant": key[1], "sample": key[2]})
        self.comparison = {"a": sides[0], "b": sides[1], **comparison.to_json()}
        self.error = ""
        return comparison

    def _conversation(self, key: CellKey, run: Run) -> dict[str, Any]:
        """A run's whole conversation and what its judges said (the answer to ``get-run``)."""
        tip = self._tip(run)
        verdicts = []
        forum = self.forum
        judges = {k.split(".", 1)[0] for k in run.scores} | set(run.judge_errors)
        if forum is not None and run.output is not None and judges:
            for question in forum.children(run.output):
                if question.sender not in judges:
                    continue
                answers = forum.children(question)
                if answers:
                    verdicts.append({"judge": question.sender, "id": answers[-1].id, "text": answers[-1].content})
        return {
            "case": key[0],
            "variant": key[1],
            "sample": key[2],
            "messages": [_full(m, self._author(m)) for m in run.messages],
            "tip": tip.id if tip is not None else None,
            "error": run.error_text,
            "scores": {k: _number(v) for k, v in run.scores.items()},
            "judge_errors": dict(run.judge_errors),
            "metrics": {k: _number(v) for k, v in run.metrics.items()},
            "verdicts": verdicts,
        }

    def _author(self, m: Message) -> str | None:
        """Who wrote a forward's original (the TreeView labels it "<author> via <sender>")."""
        if m.kind != "forward" or m.original_id is None or self.forum is None or m.original_id not in self.forum:
            return None
        return self.forum.get(m.original_id).sender

    # -- browser messages ---------------------------------------------------------------------------------
    def _cell_arg(self, content: Mapping[str, Any]) -> CellKey:
        return self._key(content.get("case"), content.get("variant"), content.get("sample", 0))

    def _on_ready(self, content: dict[str, Any]) -> None:
        self._cancel_flush()
        self._pending = []  # the snapshot has them
        self._emit(self.snapshot())

    def _on_open(self, content: dict[str, Any]) -> None:
        self.open_run(*self._cell_arg(content))

    def _on_get_run(self, content: dict[str, Any]) -> None:
        key = self._cell_arg(content)
        run = self.run_of(*key)
        self._emit({"kind": "run", "request_id": content.get("request_id"), **self._conversation(key, run)})

    def _on_close_run(self, content: dict[str, Any]) -> None:
        self.opened = {}

    def _on_compare(self, content: dict[str, Any]) -> None:
        a, b = content.get("a"), content.get("b")
        if not isinstance(a, Mapping) or not isinstance(b, Mapping):
            raise UsageError(f"compare needs two cells a and b ({{case, variant, sample}}), not {content!r:.80}")
        self.compare(self._cell_arg(a), self._cell_arg(b))

    def _on_close_compare(self, content: dict[str, Any]) -> None:
        self.comparison = {}

    #: the browser messages an ExperimentView takes (docs/widget_protocol.md), and what handles each
    _browser_kinds = browser_kinds(
        {
            "ready": _on_ready,
            "open": _on_open,
            "get-run": _on_get_run,
            "close-run": _on_close_run,
            "compare": _on_compare,
            "close-compare": _on_close_compare,
        }
    )

    def set_state(self, sync_data: dict[str, Any]) -> None:
        """A trait update from the browser: the kernel-set traits are refused (and reported), on the kernel's
        event loop whichever thread delivered it."""
        handoff: LoopHandoff | None = getattr(self, "_handoff", None)
        if handoff is None:
            self._set_state_now(sync_data)
        else:
            handoff.run(self._set_state_now, sync_data)

    def _set_state_now(self, sync_data: dict[str, Any]) -> None:
        ok = {}
        for key, value in sync_data.items():
            if key in self._browser_readonly:
                self._report(f"the browser tried to set {key!r:.40}, which only the kernel sets")
                continue
            ok[key] = value
        if ok:
            super().set_state(ok)

    def close(self) -> None:
        if getattr(self, "_af_closed", False):
            return
        self._af_closed = True
        unsubscribe = getattr(self, "_unsubscribe", None)
        if unsubscribe is not None:
            unsubscribe()
        if getattr(self, "_flush_handle", None) is not None:
            self._cancel_flush()
        super().close()

    def __repr__(self) -> str:
        if not hasattr(self, "_runs"):
            return "<ExperimentView>"
        name = self._status()["name"]
        return f"<ExperimentView {name!r}: {len(self._runs)} of {self._status()['total']} runs>"


def _full(m: Message, author: str | None) -> dict[str, Any]:
    """A message of a run's conversation as the details pane shows it (its text as text)."""
    out: dict[str, Any] = {"id": m.id, "sender": m.sender, "kind": m.kind, "status": m.status, "content": m.content}
    if author is not None and author != m.sender:
        out["author"] = author
    return out
