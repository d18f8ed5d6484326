"""Experiments (API.md section 14): every case through every variant (and sample), judged, kept in the forum.

``af.Experiment(name, cases=..., variants=..., judges=..., samples=..., forum=...)`` and ``await exp.run()``. A run
is one case through one variant with one sample: the case's first turn posted as a root with sender ``"user"`` (so
every run of a case starts from the same message and the runs are siblings), the variant's agent called on it with
``sample=s`` and the variant's kwargs, then each later turn posted under the last response and the agent called
again. Runs are ordinary calls: cached, annotated, visible live in a TreeView. Each run that completed is judged;
the scores are stored as the annotation ``scores`` on the run's output and in the execution's row.

Executions are stored in the forum (:meth:`Forum.experiment`). A run whose case, variant (agent, version, kwargs),
sample and judges are unchanged since one of the last three executions, and that completed there, is taken from it
without calling anything: its calls would all be cache hits giving the same messages. A run is known by a key of
what it is (not its case's place or its variant's name); the rows taken are stored in one store call, and the runs
of an earlier result still in memory are taken as they are (else built from the stored rows and messages). So
running an experiment again costs only what changed.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import json
import logging
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from time import perf_counter
from typing import Any

from ._canonical import freeze_metadata, thaw
from .agents import Agent
from .chain import error_text_of
from .errors import AgentError, AgentForumError, CallCancelled, IntegrityError, UsageError
from .fingerprint import code_fingerprint
from .forum import Forum, default_forum
from .messages import Message
from .results import METRICS, Case, ExperimentResult, Run, case_of, run_from_row

__all__ = ["Experiment", "LLMJudge", "Variant", "Verdict", "judge_name", "llm_judge"]

log = logging.getLogger("agentforum_nb")
# the results :meth:`Experiment.run` returned in this process, while something else keeps them, by (id of the forum,
# name, execution): a re-run takes the runs it reuses from there as they are (a Run is immutable) instead of
# building them again from the stored rows and messages. (A result keeps its forum: the id is not reused meanwhile.)
_recent: weakref.WeakValueDictionary[tuple[int, str, int], ExperimentResult] = weakref.WeakValueDictionary()
Judge = Callable[[Case, Run], Any]


class Variant:
    """An agent and the kwargs sent with every call of it in an experiment: ``af.Variant(panel, style="terse")``."""

    __slots__ = ("agent", "kwargs")
    kwargs: dict[str, Any]

    def __init__(self, agent: Agent, /, **kwargs: Any) -> None:
        if not isinstance(agent, Agent):
            raise UsageError(f"a variant needs an af.Agent, not {type(agent).__name__}")
        if "sample" in kwargs or "forum" in kwargs or "branch" in kwargs or "cache" in kwargs:
            raise UsageError("a variant's kwargs are the agent's own: sample, forum, branch and cache are set by runs")
        try:
            self.kwargs: dict[str, Any] = thaw(freeze_metadata(kwargs)[0]) if kwargs else {}
        except AgentForumError as exc:
            raise UsageError(f"a variant's kwargs must be JSON values: {exc}".replace("metadata", "kwargs")) from None
        self.agent = agent

    def spec(self) -> dict[str, Any]:
        return {"agent": self.agent.name, "version": self.agent.version, "kwargs": self.kwargs}

    def __repr__(self) -> str:
        args = "".join(f", {k}={v!r}" for k, v in self.kwargs.items())
        return f"Variant({self.agent.name!r}{args})"


class Verdict:
    """What an :func:`llm_judge` asks its agent for: JSON ``{"score": number, "reason": str}``."""

    @staticmethod
    def model() -> Any:
        import pydantic

        class JudgeVerdict(pydantic.BaseModel):
            score: float
            reason: str

        return JudgeVerdict


class LLMJudge:
    """A judge that asks an agent: see :func:`llm_judge`."""

    def __init__(self, name: str, rubric: str, agent: Agent) -> None:
        if not isinstance(name, str) or not name:
            raise UsageError(f"a judge needs a name (a non-empty str), not {name!r}")
        if not isinstance(rubric, str) or not rubric.strip():
            raise UsageError("llm_judge needs a rubric: what a good answer is, and how to score it")
        if not isinstance(agent, Agent):
            raise UsageError(f"llm_judge needs an agent (af.llm(...), or a scripted/function agent), not {agent!r:.60}")
        self.__name__ = name
        self.rubric = rubric
        self.agent = _with_verdict(agent)

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(f"llm_judge\n{self.rubric}\n{self.agent.name}\n{self.agent.version}".encode()).hexdigest()

    def request(self, case: Case, run: Run) -> str:
        """The judge's request: the rubric, the case's turns, what was expected and the run's conversation."""
        parts = [
            self.rubric.strip(),
            "The user's turns:\n" + "\n".join(f"- {t}" for t in case.turns),
        ]
        if case.expected is not None:
            parts.append(
                "Expected: " + (case.expected if isinstance(case.expected, str) else json.dumps(case.expected))
            )
        parts.append("The conversation:\n" + "\n".join(f"{m.sender}: {m.content}" for m in run.messages))
        parts.append('Answer with JSON: {"score": <a number>, "reason": "<why, in one or two sentences>"}.')
        return "\n\n".join(parts)

    async def __call__(self, case: Case, run: Run) -> float:
        assert run.output is not None
        forum = self._forum
        question = forum.post(self.request(case, run), parent=run.output, sender=self.__name__)
        seq = self.agent.quick_call(question, forum=forum)
        try:
            verdict = await seq.parse(Verdict.model())
        except asyncio.CancelledError:
            seq.cancel()
            raise
        return float(verdict.score)

    _forum: Forum  # set by the experiment that runs it (the forum its conversations go to)


def _with_verdict(agent: Agent) -> Agent:
    """A model agent asked for a :class:`Verdict` (validated, retried as section 12's ``output_type``); another
    agent as it is (its last message is validated after the call)."""
    from .models.base import ModelAgent

    if isinstance(agent, ModelAgent) and agent.output_type is None:
        return ModelAgent(
            agent.backend,
            name=agent.name,
            cache=agent.cache,
            tools=agent.tools,
            max_tool_rounds=agent.max_tool_rounds,
            output_type=Verdict.model(),
            output_retries=agent.output_retries,
        )
    return agent


def llm_judge(name: str, *, rubric: str, agent: Agent) -> LLMJudge:
    """A judge that asks ``agent`` (a model agent: ``af.llm(...)``, or a scripted/function agent in tests) on a new
    branch under the run's output, with the rubric, the case's turns, ``expected`` and the run's conversation in its
    request, for JSON ``{"score": number, "reason": str}``; the score is the judge's value and the conversation stays
    in the tree (its reason is one click away)."""
    return LLMJudge(name, rubric, agent)


def judge_name(judge: Any) -> str:
    name = getattr(judge, "__name__", None)
    if not isinstance(name, str) or not name or name == "<lambda>":
        raise UsageError(f"a judge needs a name: use a def function (or llm_judge(name, ...)), not {judge!r:.60}")
    return name


def _judge_fingerprint(judge: Any) -> str:
    fp = getattr(judge, "fingerprint", None)
    if isinstance(fp, str):
        return fp
    try:
        return code_fingerprint(judge)
    except (UsageError, TypeError):
        return judge_name(judge)


class Experiment:
    """Cases x variants x samples, judged; see the module docstring and API.md section 14."""

    def __init__(
        self,
        name: str,
        *,
        cases: Iterable[Any],
        variants: Mapping[str, Agent | Variant],
        judges: Sequence[Any] = (),
        samples: int = 1,
        forum: Forum | None = None,
    ) -> None:
        if not isinstance(name, str) or not name.strip():
            raise UsageError(f"an experiment needs a name (a non-empty str), not {name!r}")
        if isinstance(cases, (str, bytes)) or not isinstance(cases, Iterable):
            raise UsageError("cases must be a list (of str, lists of str, or af.Case)")
        self.cases = [case_of(c, i) for i, c in enumerate(cases)]
        if not self.cases:
            raise UsageError("an experiment needs at least one case")
        seen: set[str] = set()
        for c in self.cases:
            assert c.name is not None
            if c.name in seen:
                raise UsageError(f"two cases are named {c.name!r}: case names must be unique")
            seen.add(c.name)
        if not isinstance(variants, Mapping) or not variants:
            raise UsageError("variants must be a non-empty dict of names to agents or af.Variant(agent, **kwargs)")
        self.variants: dict[str, Variant] = {}
        for vname, v in variants.items():
            if not isinstance(vname, str) or not vname:
                raise UsageError(f"a variant's name must be a non-empty str, not {vname!r}")
            self.variants[vname] = v if isinstance(v, Variant) else Variant(v)
        self.judges = list(judges)
        names = [judge_name(j) for j in self.judges]
        if len(set(names)) != len(names):
            raise UsageError(f"judge names must be unique: {names}")
        for j in self.judges:
            if not callable(j):
                raise UsageError(f"a judge is a function judge(case, run) or af.llm_judge(...), not {j!r:.60}")
        if type(samples) is not int or samples < 1:
            raise UsageError(f"samples must be an int >= 1, not {samples!r}")
        self.samples = samples
        if forum is not None and not isinstance(forum, Forum):
            raise UsageError(f"forum must be an af.Forum, not {type(forum).__name__}")
        self.forum = forum if forum is not None else default_forum()
        self.name = name
        self.result: ExperimentResult | None = None  # the execution running now, filled in live
        self.running = False  # between an execution's start and its end (done, failed or cancelled)
        self._listeners: list[Callable[[Run | None], None]] = []

    # -- what is run ---------------------------------------------------------------------------------------------
    def spec(self) -> dict[str, Any]:
        """What defines this experiment's results: cases, variants (agents, versions, kwargs), judges, samples."""
        return {
            "cases": [c.to_json() for c in self.cases],
            "variants": {n: v.spec() for n, v in self.variants.items()},
            "judges": [{"name": judge_name(j), "fingerprint": _judge_fingerprint(j)} for j in self.judges],
            "samples": self.samples,
        }

    def plan(self, shard: tuple[int, int] | None = None) -> list[tuple[int, str, int]]:
        """The runs ``(case index, variant, sample)`` in order; with ``shard=(i, n)`` part ``i`` of ``n``."""
        runs = [(ci, v, s) for ci in range(len(self.cases)) for v in self.variants for s in range(self.samples)]
        if shard is None:
            return runs
        i, n = shard
        return [r for k, r in enumerate(runs) if k % n == i]

    def subscribe(self, listener: Callable[[Run | None], None]) -> Callable[[], None]:
        """Call ``listener(run)`` for each row as it is added while :meth:`run` runs (``None`` when an execution
        starts and when it ends, also by an error or a cancellation: :attr:`running` says which); returns a function
        that removes the listener (the ExperimentView's way to fill in live)."""
        self._listeners.append(listener)

        def remove() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return remove

    # -- running --------------------------------------------------------------------------------------------------
    async def run(
        self, *, max_concurrency: int = 8, shard: tuple[int, int] | None = None, progress: bool = True
    ) -> ExperimentResult:
        """Run every case through every variant and sample (at most ``max_concurrency`` at once), judge each run,
        store the execution in the forum and return its :class:`ExperimentResult`. With ``shard=(i, n)`` only part
        ``i`` of a deterministic split into ``n`` (processes sharing a SQLite or PostgreSQL forum each run a part:
        ``forum.experiment(name)`` merges them). A failing run is a row with ``error``; cancelling cancels every
        run. ``progress``: a live display (a widget in a notebook, a text bar in a terminal)."""
        if type(max_concurrency) is not int or max_concurrency < 1:
            raise UsageError(f"max_concurrency must be an int >= 1, not {max_concurrency!r}")
        if shard is not None and (
            not isinstance(shard, tuple)
            or len(shard) != 2
            or not all(type(x) is int for x in shard)
            or not 0 <= shard[0] < shard[1]
        ):
            raise UsageError(f"shard must be (i, n) with 0 <= i < n, not {shard!r}")
        forum = self.forum
        forum.check_open()
        for j in self.judges:
            if isinstance(j, LLMJudge):
                j._forum = forum
        spec = self.spec()
        fingerprint = _digest(spec)
        shards = 1 if shard is None else shard[1]
        part = 0 if shard is None else shard[0]
        plan = self._keyed(spec, self.plan(shard))
        reuse = self._reusable(spec, {key for *_, key in plan})
        execution = forum.experiment_begin(self.name, fingerprint, spec, shards, part)
        live = self.result = ExperimentResult(
            self.name, execution, (), cases=self.cases, variants=list(self.variants), samples=self.samples, forum=forum
        )
        self.running = True
        self._tell(None)
        bar = None
        try:
            bar = _progress(len(plan), self.name, progress)
            result = await self._execute(plan, execution, part, reuse, live, bar, max_concurrency)
            if shard is not None:  # the whole table: what every process stored so far
                result = forum.experiment(self.name, run=execution)
            self.result = result
            _recent[id(forum), self.name, execution] = result  # while it lives, its runs are the next one's
        finally:
            if bar is not None:
                bar.close()
            self.running = False
            self._tell(None)  # the end, also of an execution that failed or was cancelled
        return result

    async def _execute(
        self,
        plan: list[tuple[int, str, int, str]],
        execution: int,
        part: int,
        reuse: dict[str, tuple[int, Mapping[str, Any]]],
        live: ExperimentResult,
        bar: Any,
        max_concurrency: int,
    ) -> ExperimentResult:
        """The runs of ``plan`` (with their keys): those taken from an earlier execution at once (their rows copied
        in one store call), the others at most ``max_concurrency`` at a time; each row stored, added to ``live`` and
        told to the listeners. Returns ``live``, complete."""
        forum = self.forum
        counts = {"cached": 0, "errors": 0}

        async def worker(todo: Iterator[tuple[int, str, int, str]]) -> None:
            for ci, vname, sample, key in todo:  # the next run not started yet, in the plan's order
                run = await self._run_one(ci, vname, sample)
                forum.experiment_put(self.name, execution, self._row(ci, run, key, part))
                if run.failed:
                    counts["errors"] += 1
                live.add(run)
                self._tell(run)
                if bar is not None:
                    bar.set_postfix(counts, refresh=False)
                    bar.update(1)

        todo: list[tuple[int, str, int, str]] = []
        # (the execution it is from, the row as this execution's, whether it is where it was: the same case place
        # and variant name)
        taken: list[tuple[int, Mapping[str, Any], bool]] = []
        for ci, vname, sample, key in plan:
            found = reuse.get(key)
            if found is None:
                todo.append((ci, vname, sample, key))
                continue
            ex, row = found
            same = row.get("case") == ci and row.get("variant") == vname
            if not same or row.get("shard") != part:
                # the row as this execution's: its case's place and its variant's name may have changed
                row = {**row, "case": ci, "variant": vname, "sample": sample, "shard": part}
            taken.append((ex, row, same))
        names = [c.name for c in self.cases]
        earlier = self._earlier_runs({ex for ex, _, same in taken if same})
        # the same run of an earlier result still in memory: the very Run (immutable); else None (read below)
        found_runs: list[Run | None] = [
            earlier.get((ex, names[row["case"]], row["variant"], row["sample"])) if same else None
            for ex, row, same in taken
        ]
        unread = [row for (_, row, _), run in zip(taken, found_runs, strict=True) if run is None]
        known = forum.get_many(i for row in unread for i in row["messages"]) if unread else {}
        copied: list[Run] = []  # in the plan's order
        rows: list[Mapping[str, Any]] = []
        for (_, row, _), prior in zip(taken, found_runs, strict=True):
            if prior is None:  # read from the store (its messages at once, above), without a task
                try:
                    prior = run_from_row(known, self.cases, row)
                except IntegrityError:  # a message of it is gone: run it again
                    todo.append((row["case"], row["variant"], row["sample"], row["key"]))
                    continue
            copied.append(prior)
            rows.append(row)
        if rows:
            forum.experiment_put_many(self.name, execution, rows)
            counts["cached"] = len(copied)
            live.extend(copied, in_order=True)  # in the plan's order: cases, variants, samples
            for run in copied:
                self._tell(run)
            if bar is not None:
                bar.set_postfix(counts, refresh=False)
                bar.update(len(copied))
        # max_concurrency workers taking the runs in turn (not a task per run: a task's frames for each of
        # thousands of runs waiting would be made, kept and collected for nothing)
        shared = iter(todo)
        async with asyncio.TaskGroup() as group:
            for _ in range(min(max_concurrency, len(todo))):
                group.create_task(worker(shared))
        if todo:
            live.settle()  # the score names in the rows' order, not the order the runs finished in
        return live

    async def _run_one(self, ci: int, vname: str, sample: int) -> Run:
        """One case through one variant: the turns and the agent's answers, then the judges."""
        case = self.cases[ci]
        variant = self.variants[vname]
        forum = self.forum
        messages: list[Message] = []
        output: Message | None = None
        error: Message | None = None
        error_text: str | None = None
        t0 = perf_counter()
        tip: Message | None = None
        try:
            for turn in case.turns:
                tip = forum.post(turn, parent=tip, sender="user")
                messages.append(tip)
                seq = variant.agent.quick_call(tip, forum=forum, sample=sample, **variant.kwargs)
                try:
                    answers = await seq
                except asyncio.CancelledError:
                    seq.cancel()
                    raise
                messages.extend(answers)
                if answers:
                    tip = output = answers[-1]
        except AgentError as exc:
            error = exc.message if exc.message is not None and exc.message.kind == "error" else None
            error_text = error.content if error is not None else error_text_of(exc)
            partial = exc.message if exc.message is not None and exc.message not in messages else None
            if partial is not None:
                messages.append(partial)
        except (CallCancelled, AgentForumError) as exc:
            error_text = error_text_of(exc)
        duration = perf_counter() - t0
        metrics = _metrics(forum, messages, duration)
        run = Run(case, vname, sample, tuple(messages), output, error, error_text, {}, {}, metrics)
        if run.failed or not self.judges:
            return run
        scores, judge_errors = await self._judge(case, run)
        if output is not None and scores:
            forum.merge_annotation(output, "scores", scores)
        return Run(case, vname, sample, run.messages, output, None, None, scores, judge_errors, metrics)

    async def _judge(self, case: Case, run: Run) -> tuple[dict[str, Any], dict[str, str]]:
        scores: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for judge in self.judges:
            name = judge_name(judge)
            try:
                value = judge(case, run)
                if inspect.isawaitable(value):
                    value = await value
                for k, v in _score_items(name, value):
                    scores[k] = v
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                scores[name] = None
                errors[name] = error_text_of(exc)
        return scores, errors

    # -- rows -----------------------------------------------------------------------------------------------------
    def _row(self, ci: int, run: Run, key: str, shard: int) -> dict[str, Any]:
        return {
            "case": ci,
            "variant": run.variant,
            "sample": run.sample,
            "messages": [m.id for m in run.messages],
            "output": run.output.id if run.output is not None else None,
            "error": run.error.id if run.error is not None else None,
            "error_text": run.error_text,
            "scores": dict(run.scores),
            "judge_errors": dict(run.judge_errors),
            "metrics": dict(run.metrics),
            "key": key,
            "shard": shard,
            "reusable": not run.failed
            and self.forum.cache_enabled
            and self.variants[run.variant].agent.cache
            and all(getattr(j, "agent", None) is None or j.agent.cache for j in self.judges),
        }

    def _earlier_runs(self, executions: set[int]) -> dict[tuple[int, str | None, str, int], Run]:
        """The runs of this experiment's ``executions`` whose results are still in memory (returned by a
        :meth:`run` of this process, on this forum), by ``(execution, case name, variant, sample)``."""
        out: dict[tuple[int, str | None, str, int], Run] = {}
        for ex in executions:
            result = _recent.get((id(self.forum), self.name, ex))
            if result is not None and result.forum is self.forum:
                for r in result.runs:
                    if not r.failed:
                        out[ex, r.case.name, r.variant, r.sample] = r
        return out

    def _keyed(self, spec: dict[str, Any], plan: list[tuple[int, str, int]]) -> list[tuple[int, str, int, str]]:
        """Each run of ``plan`` with its key: a digest of its case, variant (agent, version, kwargs), sample and
        judges, the same whatever the case's place and the variant's name (each part digested once)."""
        judged = _digest(spec["judges"])
        heads = [_case_digest(c).encode() for c in spec["cases"]]
        tails = {
            (n, s): f" {_digest(v)} {s} {judged}".encode()
            for n, v in spec["variants"].items()
            for s in range(self.samples)
        }
        sha = hashlib.sha256
        return [(ci, v, s, sha(heads[ci] + tails[v, s]).hexdigest()) for ci, v, s in plan]

    def _reusable(self, spec: dict[str, Any], wanted: set[str]) -> dict[str, tuple[int, Mapping[str, Any]]]:
        """Rows of this experiment's latest executions (at most 3, the latest first) that can be taken as they are
        (completed, cacheable), by the row's key, for the keys in ``wanted``. An execution's rows are read only
        while keys are missing and when its spec has the same judges and one of the variants still missing.
        (Their messages are read when taken: a row whose messages are gone runs again.)"""
        forum = self.forum
        if not forum.cache_enabled or not wanted:
            return {}
        out: dict[str, tuple[int, Mapping[str, Any]]] = {}
        missing = set(wanted)
        judged = _digest(spec["judges"])
        variants = {_digest(v) for v in spec["variants"].values()}
        for ex in reversed(forum.experiment_executions(self.name)[-3:]):  # the latest first
            old = ex.get("spec")
            old_variants = old.get("variants") if isinstance(old, dict) else None
            if (
                not isinstance(old_variants, dict)
                or _digest(old.get("judges")) != judged
                or variants.isdisjoint(_digest(v) for v in old_variants.values())
            ):
                continue  # none of its rows has a key wanted here
            for row in forum.experiment_rows(self.name, ex["execution"]):
                key = row.get("key")
                if isinstance(key, str) and key in missing and row.get("reusable") and row.get("messages"):
                    out[key] = (ex["execution"], row)
                    missing.discard(key)
            if not missing:
                break
        return out

    def _tell(self, run: Run | None) -> None:
        if not self._listeners:
            return
        for listener in tuple(self._listeners):
            try:
                listener(run)
            except Exception:
                log.exception("agentforum_nb: an experiment listener failed")

    def __repr__(self) -> str:
        return (
            f"<Experiment {self.name!r}: {len(self.cases)} cases x {len(self.variants)} variants x {self.samples} "
            f"samples, {len(self.judges)} judges>"
        )


def _score_items(name: str, value: Any) -> list[tuple[str, Any]]:
    """A judge's return value as scores: a number or bool under its name, a dict under ``"<judge>.<key>"``."""
    if type(value) is bool or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return [(name, value)]
    if isinstance(value, Mapping):
        out = []
        for k, v in value.items():
            if not isinstance(k, str) or not (isinstance(v, (int, float)) or v is None):
                raise UsageError(f"judge {name!r} returned {value!r:.80}: a dict's values must be numbers or bools")
            out.append((f"{name}.{k}", v))
        return out
    raise UsageError(f"judge {name!r} returned {value!r:.80}: a judge returns a number, a bool or a dict of them")


def _metrics(forum: Forum, messages: Sequence[Message], duration: float) -> dict[str, Any]:
    """The run's wall time and what its responses report (summed; None when none reports it)."""
    sums: dict[str, Any] = dict.fromkeys(METRICS)
    sums["duration_s"] = round(duration, 6)
    notes = forum.store.annotations_many(m.id for m in messages if m.sender != "user")
    for n in notes.values():
        usage = n.get("usage") or {}
        for key, value in (
            ("tokens", n.get("tokens")),
            ("input_tokens", usage.get("input_tokens")),
            ("output_tokens", usage.get("output_tokens")),
            ("cost_usd", n.get("cost_usd")),
        ):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                sums[key] = value if sums[key] is None else sums[key] + value
    return sums


_encode = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode
_text = json.encoder.encode_basestring  # a str as JSON text (not ASCII-escaped), as _encode writes it


def _digest(value: Any) -> str:
    """A digest of a JSON value the experiment made (keys sorted: the same value, the same digest)."""
    return hashlib.sha256(_encode(value).encode("utf-8", "surrogatepass")).hexdigest()


def _case_digest(case: dict[str, Any]) -> str:
    """``_digest`` of a case's JSON (``Case.to_json()``); a case without ``expected`` and ``metadata`` (most) is
    written here as ``_encode`` writes it, without the encoder's work per value."""
    if case["expected"] is None and not case["metadata"] and len(case) == 4:
        turns = ",".join(map(_text, case["turns"]))
        text = f'{{"expected":null,"metadata":{{}},"name":{_text(case["name"])},"turns":[{turns}]}}'
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return _digest(case)


def _progress(total: int, name: str, enabled: bool) -> Any:
    """A tqdm bar (a widget in a notebook, text in a terminal) or None."""
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=name, unit="run")
