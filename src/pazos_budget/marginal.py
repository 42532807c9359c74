"""The marginal value of money as records: one per money source (the total budget, then
each department with an envelope), made by `analysis.marginal_values`, held by the
result, written to JSON (`to_json`, docs/model.md: results) and said by the terminal and
the workbook (`reports.labels.Labels.marginal_sentence`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class MoneySource(StrEnum):
    """Where the extra money of an entry goes (its `source`)."""

    TOTAL_BUDGET = "total_budget"
    DEPARTMENT = "department"


class NotExact(StrEnum):
    """Why a marginal-value entry has no value (its `reason_code`)."""

    PLAN_NOT_OPTIMAL = "plan_not_optimal"  # the base solve stopped at a limit
    RESOLVE_NOT_OPTIMAL = "resolve_not_optimal"  # the re-solve stopped at a limit
    RESOLVE_FAILED = "resolve_failed"  # the re-solve raised (infeasible, solver error)
    NOT_SOLVED = "not_solved"  # the re-solve never ran


#: The figures of a marginal-value entry; each is null (None) in an entry that is not exact.
MARGINAL_FIGURES = ("stages", "youth_reached", "youth_per_unit", "weighted_coverage", "spend")


@dataclass(frozen=True)
class StageGain:
    """One stage's objective without and with the extra money. A stage is a priority
    (`priority`) or the final objective (`final`), never both."""

    priority: int | None
    final: str | None
    before: float
    after: float
    improvement: float  # shortfall reduced, spend saved or weighted coverage gained
    per_unit: float  # improvement per unit of extra money

    def to_json(self) -> dict[str, Any]:
        label: dict[str, Any] = (
            {"priority": self.priority} if self.priority is not None else {"final": self.final}
        )
        return label | {
            "before": self.before,
            "after": self.after,
            "improvement": self.improvement,
            "per_unit": self.per_unit,
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> StageGain:
        return cls(
            doc.get("priority"),
            doc.get("final"),
            doc["before"],
            doc["after"],
            doc["improvement"],
            doc["per_unit"],
        )


@dataclass(frozen=True)
class MarginalValue:
    """What `extra` more money from one source buys. An entry that is not exact (`exact`
    false) says why (`reason`, `reason_code`) and has no figures (None); a re-solve that
    failed also gives its `error`."""

    source: MoneySource
    department: str | None  # the department's id; None for the total budget
    name: str
    extra: float
    re_solved: bool  # False when a proof showed the re-solve would give the plan back
    proof: str | None  # the stage from which nothing changes (unchanged.py); None if re-solved
    exact: bool
    reason: str | None = None
    reason_code: NotExact | None = None
    stages: tuple[StageGain, ...] | None = None
    youth_reached: float | None = None
    youth_per_unit: float | None = None
    weighted_coverage: float | None = None
    spend: float | None = None
    error: str | None = None  # only for NotExact.RESOLVE_FAILED

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "source": self.source.value,
            "department": self.department,
            "name": self.name,
            "extra": self.extra,
            "re_solved": self.re_solved,
            "proof": self.proof,
            "exact": self.exact,
            "reason": self.reason,
            "reason_code": None if self.reason_code is None else self.reason_code.value,
            "stages": None if self.stages is None else [s.to_json() for s in self.stages],
            "youth_reached": self.youth_reached,
            "youth_per_unit": self.youth_per_unit,
            "weighted_coverage": self.weighted_coverage,
            "spend": self.spend,
        }
        if self.reason_code == NotExact.RESOLVE_FAILED:
            doc["error"] = self.error
        return doc

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> MarginalValue:
        """The entry of a result document (`marginal_values[]`) read back."""
        code = doc.get("reason_code")
        stages = doc.get("stages")
        return cls(
            MoneySource(doc["source"]),
            doc.get("department"),
            doc["name"],
            doc["extra"],
            doc.get("re_solved", True),
            doc.get("proof"),
            doc.get("exact", True),
            reason=doc.get("reason"),
            reason_code=None if code is None else NotExact(code),
            stages=None if stages is None else tuple(StageGain.from_json(s) for s in stages),
            youth_reached=doc.get("youth_reached"),
            youth_per_unit=doc.get("youth_per_unit"),
            weighted_coverage=doc.get("weighted_coverage"),
            spend=doc.get("spend"),
            error=doc.get("error"),
        )
