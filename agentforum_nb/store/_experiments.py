"""How stores keep experiments (API.md section 14): per experiment name, its executions (a spec and which shards
started) and their rows (one JSON object per run). :class:`SupportsExperiments` is the capability a forum uses;
:class:`MemoryExperiments` keeps them in dicts (the memory store's, and the rules every store follows)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

__all__ = ["MemoryExperiments", "SupportsExperiments", "run_key"]


def run_key(row: Mapping[str, Any]) -> str:
    """The row's place in its execution: case index, variant, sample (a row stored again replaces it)."""
    return f"{row['case']}\x1f{row['variant']}\x1f{row['sample']}"


@runtime_checkable
class SupportsExperiments(Protocol):
    """A store that keeps experiments.

    * ``experiment_begin(name, fingerprint, spec, shards, shard)`` returns the execution to store rows in: with
      ``shards > 1``, the latest execution of ``name`` with the same fingerprint and shard count that has not started
      ``shard`` yet (processes running the parts of one execution join it), else a new one, numbered 0, 1, ... in
      the order they were begun; the check and the update are one transaction.
    * ``experiment_put(name, execution, row)`` stores a row (replacing the row of the same case, variant and sample);
      ``experiment_put_many(name, execution, rows)`` stores many, in order, at once (one transaction).
    * ``experiment_executions(name)`` lists the executions in order (``execution``, ``fingerprint``, ``spec``,
      ``shards``, ``started``, ``created_at``); ``experiment_rows`` the rows of one, in the order stored;
      ``experiment_names`` the names, in the order first begun.
    """

    def experiment_begin(self, name: str, fingerprint: str, spec: Any, shards: int, shard: int, at: str) -> int: ...
    def experiment_put(self, name: str, execution: int, row: Mapping[str, Any]) -> None: ...
    def experiment_put_many(self, name: str, execution: int, rows: Sequence[Mapping[str, Any]]) -> None: ...
    def experiment_executions(self, name: str) -> list[dict[str, Any]]: ...
    def experiment_rows(self, name: str, execution: int) -> list[dict[str, Any]]: ...
    def experiment_names(self) -> list[str]: ...


class MemoryExperiments:
    """Experiments in dicts (the memory store's)."""

    def __init__(self) -> None:
        self._executions: dict[str, list[dict[str, Any]]] = {}
        self._rows: dict[tuple[str, int], dict[str, dict[str, Any]]] = {}

    def experiment_begin(self, name: str, fingerprint: str, spec: Any, shards: int, shard: int, at: str) -> int:
        # the spec is JSON the experiment made for this call and never changes: kept as it is (no copy)
        executions = self._executions.setdefault(name, [])
        if shards > 1:
            for ex in reversed(executions):
                if ex["fingerprint"] == fingerprint and ex["shards"] == shards:
                    if shard not in ex["started"]:
                        ex["started"].append(shard)
                        return int(ex["execution"])
                    break
        number = len(executions)
        executions.append(
            {
                "execution": number,
                "fingerprint": fingerprint,
                "spec": spec,
                "shards": shards,
                "started": [shard],
                "created_at": at,
            }
        )
        return number

    def experiment_put(self, name: str, execution: int, row: Mapping[str, Any]) -> None:
        # rows are JSON the experiment made for this call and never changes: kept as they are (no copy)
        self._rows.setdefault((name, execution), {})[run_key(row)] = dict(row)

    def experiment_put_many(self, name: str, execution: int, rows: Sequence[Mapping[str, Any]]) -> None:
        # rows the experiment made for this call (and never changes): kept as they are, one dict each
        stored = self._rows.setdefault((name, execution), {})
        for row in rows:
            stored[run_key(row)] = row if type(row) is dict else dict(row)

    def experiment_executions(self, name: str) -> list[dict[str, Any]]:
        return list(self._executions.get(name, []))  # read-only for the caller, as the specs are

    def experiment_rows(self, name: str, execution: int) -> list[dict[str, Any]]:
        return list(self._rows.get((name, execution), {}).values())  # read-only for the caller

    def experiment_names(self) -> list[str]:
        return list(self._executions)
