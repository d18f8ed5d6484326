"""What an experiment produced (API.md section 14), as values the forum stores and reads back: :class:`Case`,
:class:`Run` (one row) and :class:`ExperimentResult` (the table, with ``to_pandas()`` and ``summary()``).

These are the storage layer's: ``forum.experiment(name)`` builds a result from what the store holds, without the
runtime. Running an experiment is :mod:`agentforum_nb.experiments`.

A stored execution is a *spec* (the cases, the variants' agents and kwargs, the judges, the samples) and its *rows*:
one per run, ``{"case": index, "variant", "sample", "messages": [ids], "output": id, "error": id, "error_text",
"scores", "judge_errors", "metrics", "key", "shard"}``. Both are JSON.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from ._canonical import freeze_metadata, thaw
from .errors import IntegrityError, InvalidMessageError, MessageNotFound, UsageError
from .messages import Message

if TYPE_CHECKING:  # pragma: no cover
    import pandas

    from .forum import Forum

__all__ = ["METRICS", "Case", "ExperimentResult", "Run", "case_of", "run_from_row"]

#: the columns every row has besides the scores: what the run cost and how long it took
METRICS = ("duration_s", "tokens", "input_tokens", "output_tokens", "cost_usd")


def _json(value: Any, what: str) -> Any:
    """``value`` as a plain JSON value (validated like metadata), or :class:`UsageError` naming ``what``."""
    if value is None:
        return None
    try:
        return thaw(freeze_metadata({"v": value})[0]["v"])
    except (InvalidMessageError, UnicodeEncodeError) as exc:
        raise UsageError(f"{what} must be JSON values: {exc}".replace("metadata", what)) from None


@dataclass(frozen=True, init=False, slots=True)
class Case:
    """One conversation to run: ``turns`` (the user's messages, each sent once the previous turn's responses are
    complete), a ``name`` (default: its position in the experiment's cases), ``expected`` and ``metadata`` (JSON
    values for the judges)."""

    turns: tuple[str, ...]
    name: str | None
    expected: Any
    metadata: Mapping[str, Any]

    def __init__(
        self, turns: str | Sequence[str], *, name: str | None = None, expected: Any = None, metadata: Any = None
    ) -> None:
        items = (turns,) if isinstance(turns, str) else tuple(turns) if isinstance(turns, (list, tuple)) else None
        if not items or not all(isinstance(t, str) for t in items):
            raise UsageError(f"a case's turns are a str or a non-empty list of str, not {turns!r:.80}")
        for t in items:
            if t.isascii():
                continue
            try:
                t.encode("utf-8")
            except UnicodeEncodeError:
                raise UsageError("a case's turn contains a lone surrogate and cannot be encoded as UTF-8") from None
        if name is not None and (not isinstance(name, str) or not name):
            raise UsageError(f"a case's name must be a non-empty str, not {name!r}")
        if metadata is not None and not isinstance(metadata, Mapping):
            raise UsageError(f"a case's metadata must be a dict, not {type(metadata).__name__}")
        object.__setattr__(self, "turns", items)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "expected", _json(expected, "expected"))
        object.__setattr__(self, "metadata", _json(dict(metadata), "metadata") if metadata else {})

    @classmethod
    def from_branch(cls, forum: Forum, message: Any, *, name: str | None = None, expected: Any = None) -> Case:
        """A case of the user turns (sender ``"user"``, in order) of the branch ending at ``message``."""
        turns = [m.content for m in forum.history(forum.resolve(message, "message").id) if _is_turn(m)]
        if not turns:
            raise UsageError("this branch has no user turns (messages with sender 'user') to make a case of")
        return cls(turns, name=name, expected=expected)

    def named(self, name: str) -> Case:
        return Case(self.turns, name=name, expected=self.expected, metadata=self.metadata or None)

    def to_json(self) -> dict[str, Any]:
        return {"turns": list(self.turns), "name": self.name, "expected": self.expected, "metadata": self.metadata}

    @classmethod
    def from_json(cls, data: Any) -> Case:
        if not isinstance(data, Mapping):
            raise IntegrityError(f"a stored case is not an object: {data!r:.80}")
        try:
            return cls(
                data.get("turns"),  # type: ignore[arg-type]
                name=data.get("name"),
                expected=data.get("expected"),
                metadata=data.get("metadata") or None,
            )
        except UsageError as exc:
            raise IntegrityError(f"a stored case is damaged: {exc}") from None


def _is_turn(m: Message) -> bool:
    return m.sender == "user" and m.kind == "message"


def case_of(item: Any, position: int) -> Case:
    """An item of ``cases`` as a :class:`Case` named (its name, or its position as a str)."""
    if isinstance(item, Case):
        return item if item.name is not None else item.named(str(position))
    if isinstance(item, (str, list, tuple)):
        return Case(item, name=str(position))
    raise UsageError(f"a case is a str, a list of str or an af.Case, not {type(item).__name__}")


@dataclass(frozen=True, slots=True)
class Run:
    """One case through one variant with one sample: a row of an :class:`ExperimentResult`.

    ``messages``: the run's messages in order (turns and responses); ``output``: the last response (``None`` when
    there is none); ``error``: the error message when the run failed (``error_text`` also when no message could be
    stored); ``scores``: judge name -> value (``None`` for a judge that raised: its error text is in
    ``judge_errors``); ``metrics``: ``duration_s`` (the run's wall time), ``tokens``, ``input_tokens``,
    ``output_tokens`` and ``cost_usd`` summed over its responses (missing values are ``None``)."""

    case: Case
    variant: str
    sample: int
    messages: tuple[Message, ...] = ()
    output: Message | None = None
    error: Message | None = None
    error_text: str | None = None
    scores: Mapping[str, Any] = field(default_factory=dict)
    judge_errors: Mapping[str, str] = field(default_factory=dict)
    metrics: Mapping[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.error is not None or self.error_text is not None

    def __repr__(self) -> str:
        state = f"error {self.error_text!r:.40}" if self.failed else f"{len(self.messages)} messages"
        return f"<Run {self.case.name!r} {self.variant!r} sample {self.sample}: {state}, scores {dict(self.scores)}>"


class ExperimentResult:
    """The runs of one execution of an experiment: ``runs`` (a list of :class:`Run`, cases in order, then variants,
    then samples), ``name``, ``execution`` (0, 1, ... in the order they happened), ``cases``, ``variants`` and
    ``judges`` (the score names, in order). ``to_pandas()`` and ``summary()`` make tables of it. ``forum``: the
    forum its messages are in (``None`` when it was made without one)."""

    def __init__(
        self,
        name: str,
        execution: int,
        runs: Iterable[Run],
        *,
        cases: Sequence[Case] = (),
        variants: Sequence[str] = (),
        samples: int = 1,
        forum: Forum | None = None,
    ) -> None:
        self.name = name
        self.execution = execution
        self.cases = list(cases)
        self.variants = list(variants)
        self.samples = samples
        self.forum = forum
        self._order = {c.name: i for i, c in enumerate(self.cases)}
        self._vorder = {v: i for i, v in enumerate(self.variants)}
        self.runs = sorted(runs, key=self._position)
        self.judges: list[str] = []
        self.settle()

    def _position(self, r: Run) -> tuple[int, int, int]:
        case = self._order.get(r.case.name, len(self._order))
        return (case, self._vorder.get(r.variant, len(self._vorder)), r.sample)

    def add(self, run: Run) -> None:
        """Add a row in its place (cases, then variants, then samples): how an execution in progress fills in."""
        bisect.insort(self.runs, run, key=self._position)
        for k in run.scores:
            if k not in self.judges:
                self.judges.append(k)

    def settle(self) -> None:
        """The score names (:attr:`judges`) in the order the rows first have them (rows added as they finished
        may have given another)."""
        names: dict[str, None] = {}
        for r in self.runs:
            for k in r.scores:
                names.setdefault(k, None)
        self.judges = list(names)

    def extend(self, runs: Iterable[Run], *, in_order: bool = False) -> None:
        """Add many rows at once, each in its place (one sort, however many there are; none when ``in_order``:
        the rows are in the table's order already and there are none yet)."""
        new = list(runs)
        if in_order and not self.runs:
            self.runs = new[:]
        else:
            self.runs.extend(new)
            self.runs.sort(key=self._position)
        judges = dict.fromkeys(self.judges)
        for r in new:
            for k in r.scores:
                judges.setdefault(k, None)
        self.judges = list(judges)

    @property
    def complete(self) -> bool:
        """Every run of every case, variant and sample is here (all shards stored theirs)."""
        return len(self.runs) == len(self.cases) * len(self.variants) * self.samples

    def run(self, case: str | int, variant: str, sample: int = 0) -> Run:
        """The run of a case (its name, or its position) through a variant."""
        if isinstance(case, int) and not isinstance(case, bool) and 0 <= case < len(self.cases):
            key = self.cases[case].name  # its position: the case there, whatever its name
        else:
            key = str(case) if isinstance(case, int) else case
        for r in self.runs:
            if r.case.name == key and r.variant == variant and r.sample == sample:
                return r
        raise KeyError(f"no run of case {case!r} through {variant!r} (sample {sample}) in {self.name!r}")

    def rows(self) -> list[dict[str, Any]]:
        """One plain dict per run with the columns of :meth:`to_pandas`."""
        out = []
        for r in self.runs:
            row: dict[str, Any] = {
                "case": r.case.name,
                "variant": r.variant,
                "sample": r.sample,
                "output": r.output.content if r.output is not None else None,
                "output_id": r.output.id if r.output is not None else None,
                "error": r.error_text,
            }
            for j in self.judges:
                row[j] = r.scores.get(j)
            for m in METRICS:
                row[m] = r.metrics.get(m)
            out.append(row)
        return out

    def to_pandas(self) -> pandas.DataFrame:
        """A ``pandas.DataFrame``, one row per run: ``case``, ``variant``, ``sample``, ``output`` (text),
        ``output_id``, ``error``, one column per score, ``duration_s``, ``tokens``, ``input_tokens``,
        ``output_tokens``, ``cost_usd`` (missing values as NaN/None)."""
        pd = _pandas()
        runs = self.runs
        names = ["case", "variant", "sample", "output", "output_id", "error", *self.judges, *METRICS]
        judges, n = self.judges, len(self.judges)
        # one tuple per run (its scores and metrics read by map, in C), turned into columns by zip
        table = [
            (
                r.case.name,
                r.variant,
                r.sample,
                None if (o := r.output) is None else o.content,
                None if o is None else o.id,
                r.error_text,
                *(map(r.scores.get, judges) if n else ()),
                *map(r.metrics.get, METRICS),
            )
            for r in runs
        ]
        if not table:  # no rows: the columns of scores and metrics as numbers
            empty = pd.DataFrame([], columns=names)
            return empty.astype(dict.fromkeys(names[6:], "int64"))
        columns: dict[str, Any] = dict(zip(names, map(list, zip(*table, strict=True)), strict=True))
        for c in names[6:]:  # numbers, bools and None only (judges and metrics give nothing else)
            column = pd.Series(columns[c])
            # None as NaN; bools count as 0/1 in means
            columns[c] = pd.to_numeric(column, errors="coerce") if column.dtype == object else column
        return pd.DataFrame(columns, columns=names)

    def summary(self, baseline: str | ExperimentResult | None = None) -> pandas.DataFrame:
        """One row per variant: the mean of every score, the number of errors, and the sums of ``tokens``,
        ``input_tokens``, ``output_tokens``, ``cost_usd`` and ``duration_s``. With ``baseline`` (a variant name,
        or another result of the same cases) also each mean's difference to it (columns ``<score> Δ``)."""
        pd = _pandas()
        frame = self.to_pandas()
        frame["errors"] = frame["error"].notna().astype(int)
        sums = ["tokens", "input_tokens", "output_tokens", "cost_usd", "duration_s"]
        agg: dict[str, Any] = dict.fromkeys(self.judges, "mean")
        agg["errors"] = "sum"
        agg.update({m: lambda s: s.sum(min_count=1) for m in sums})
        table = frame.groupby("variant", sort=False).agg(agg).reindex(self.variants)
        table["runs"] = frame.groupby("variant", sort=False).size().reindex(self.variants)
        if baseline is not None:
            if isinstance(baseline, str):
                if baseline not in self.variants:
                    raise UsageError(f"baseline {baseline!r} is not a variant of {self.name!r}: {self.variants}")
                reference = table.loc[baseline]
                for j in self.judges:
                    table[f"{j} Δ"] = table[j] - reference[j]
            elif isinstance(baseline, ExperimentResult):
                if [c.turns for c in baseline.cases] != [c.turns for c in self.cases]:
                    raise UsageError("baseline is a result of other cases: compare results of the same cases")
                other = baseline.summary()
                for j in self.judges:
                    ref = other[j] if j in other.columns else pd.Series(math.nan, index=other.index)
                    table[f"{j} Δ"] = table[j] - ref.reindex(table.index)
            else:
                raise UsageError(f"baseline is a variant name or an ExperimentResult, not {type(baseline).__name__}")
        return table

    def __len__(self) -> int:
        return len(self.runs)

    def __repr__(self) -> str:
        return (
            f"<ExperimentResult {self.name!r} execution {self.execution}: {len(self.runs)} runs, "
            f"{len(self.cases)} cases x {len(self.variants)} variants x {self.samples} samples>"
        )

    # -- stored form ----------------------------------------------------------------------------------------------
    @classmethod
    def from_stored(
        cls, forum: Forum, name: str, execution: int, spec: Mapping[str, Any], rows: Iterable[Mapping[str, Any]]
    ) -> ExperimentResult:
        """The result of a stored execution (its spec and rows), its messages read from ``forum``."""
        try:
            cases = [Case.from_json(c) for c in spec["cases"]]
            variants = list(spec["variants"])
            samples = int(spec["samples"])
        except (KeyError, TypeError, ValueError) as exc:
            raise IntegrityError(f"the stored experiment {name!r} (execution {execution}) is damaged: {exc}") from None
        rows = list(rows)
        messages = forum.get_many(mid for row in rows for mid in _ids_of(row))
        runs = [run_from_row(messages, cases, row) for row in rows]
        return cls(name, execution, runs, cases=cases, variants=variants, samples=samples, forum=forum)


def _ids_of(row: Mapping[str, Any]) -> list[Any]:
    ids = row.get("messages")
    out = list(ids) if isinstance(ids, list) else []
    for key in ("output", "error"):
        if row.get(key) is not None:
            out.append(row[key])
    return out


_new = object.__new__
_RUN_SLOTS = tuple(getattr(Run, f.name).__set__ for f in fields(Run))  # each field's slot setter, in order


def run_from_row(messages: Mapping[str, Message], cases: Sequence[Case], row: Mapping[str, Any]) -> Run:
    """The :class:`Run` of a stored row, its messages taken from ``messages`` (by id: all of them must be there)."""
    try:
        case, variant, sample, ids = cases[row["case"]], row["variant"], row["sample"], row["messages"]
        output, error = row.get("output"), row.get("error")
        scores, judge_errors, metrics = row.get("scores") or {}, row.get("judge_errors") or {}, row.get("metrics") or {}
        if not isinstance(ids, list):
            raise TypeError("its messages are not a list")
    except (KeyError, IndexError, TypeError) as exc:
        raise IntegrityError(f"a stored experiment row is damaged ({exc}): {dict(row)!r:.120}") from None
    try:
        # a frozen dataclass's __init__ sets each field through object.__setattr__: thousands of rows are made
        # faster by setting the new instance's slots directly (the same value: fields, eq, hash and repr read them)
        run = _new(Run)
        s_case, s_variant, s_sample, s_messages, s_output, s_error, s_text, s_scores, s_judged, s_metrics = _RUN_SLOTS
        s_case(run, case)
        s_variant(run, variant)
        s_sample(run, sample)
        s_messages(run, tuple([messages[mid] for mid in ids]))
        s_output(run, messages[output] if output is not None else None)
        s_error(run, messages[error] if error is not None else None)
        s_text(run, row.get("error_text"))
        s_scores(run, dict(scores))
        s_judged(run, dict(judge_errors))
        s_metrics(run, dict(metrics))
        return run
    except (KeyError, TypeError, ValueError) as exc:
        missing = MessageNotFound(exc.args[0] if exc.args else None, "a message of an experiment's run")
        raise IntegrityError(f"a stored experiment row refers to a message that is not here: {missing}") from None


def _pandas() -> Any:
    try:
        import pandas
    except ImportError:
        raise UsageError(
            "to_pandas() and summary() need pandas: pip install 'agentforum_nb[pandas]' (or pip install pandas)"
        ) from None
    return pandas
