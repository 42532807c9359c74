"""The findings of an infeasibility diagnosis as records: made by `diagnose.diagnose`,
carried by `ScenarioInfeasible`, restated by the mid-year review, written to JSON
(`to_json`: the `diagnosis` of a result document, docs/model.md: results) and said by the
terminal and the workbooks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from .model import CommitmentKind


class FallbackKind(StrEnum):
    """Findings that are not a commitment: the diagnosis itself could not name one."""

    STRUCTURE = "structure"  # even the elastic model has no solution
    UNDIAGNOSED = "undiagnosed"  # the diagnosis solve failed or ran out of time
    NUMERICAL = "numerical"  # every commitment can hold: the infeasibility was numerical


class RestatedKind(StrEnum):
    """Findings that only the mid-year review states (review.restate_diagnosis)."""

    #: Units already delivered (the remainder's minimum units of a started programme):
    #: they cannot give, so a limit of the scenario must.
    EXECUTED_UNITS = "executed_units"


#: What a finding is about: a commitment, a fallback, or a review's restatement.
FindingKind = CommitmentKind | FallbackKind | RestatedKind

#: The commitments about money (their amounts are in the scenario's currency).
MONEY_KINDS = (
    CommitmentKind.TOTAL_BUDGET,
    CommitmentKind.DEPARTMENT_BUDGET,
    CommitmentKind.DEPARTMENT_MIN_SPEND,
)


def finding_kind(text: str) -> FindingKind:
    for kind in (CommitmentKind, FallbackKind, RestatedKind):
        if text in kind._value2member_map_:
            return kind(text)
    raise ValueError(f"unknown finding kind '{text}'")


class Money(StrEnum):
    """Whether money limits a commitment that gives (the `money` key of a finding)."""

    LIMITS = "limits"  # with the budgets free, the commitment holds
    PARTLY = "partly"  # with the budgets free, it gives less, but still gives
    NO = "no"  # more money would not help
    UNKNOWN = "unknown"  # not checked (spend shares, budgets, or no time left)


@dataclass(frozen=True)
class AlternativeRow:
    """What one row of a hard target that could give instead can reach."""

    key: str
    possible: float

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "possible": self.possible}


@dataclass(frozen=True)
class Alternative:
    """A commitment that could give instead, as small a set: a hard target with what
    each of its rows can reach (`rows`, in `unit`), or another commitment with its
    amount and the new value (`amount`, `to`); `label` is the words of the terminal."""

    kind: CommitmentKind
    subject: str
    key: str
    name: str
    label: str
    rows: tuple[AlternativeRow, ...] | None = None  # a hard target
    unit: str | None = None  # a hard target: "share" or "units"
    amount: float | None = None  # any other commitment
    to: float | None = None

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "kind": self.kind.value,
            "subject": self.subject,
            "key": self.key,
            "name": self.name,
        }
        if self.rows is not None:
            doc["rows"] = [r.to_json() for r in self.rows]
            doc["unit"] = self.unit
        else:
            doc["amount"] = self.amount
            doc["to"] = self.to
        doc["label"] = self.label
        return doc

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Alternative:
        rows = doc.get("rows")
        return cls(
            CommitmentKind(doc["kind"]),
            doc.get("subject", ""),
            doc.get("key", ""),
            doc.get("name", ""),
            doc.get("label", ""),
            None if rows is None else tuple(AlternativeRow(r["key"], r["possible"]) for r in rows),
            doc.get("unit"),
            doc.get("amount"),
            doc.get("to"),
        )


@dataclass(frozen=True)
class FindingRow:
    """One row of a hard target whose several rows give (a merged finding's `rows`)."""

    key: str
    committed: float
    possible: float
    violation: float
    relative: float
    money: Money

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "committed": self.committed,
            "possible": self.possible,
            "violation": self.violation,
            "relative": self.relative,
            "money": self.money.value,
        }


@dataclass(frozen=True)
class Finding:
    """One hard commitment that must give, in the user's terms: from `committed` to
    `possible` (`violation` apart, in `unit`; `relative` to the commitment's scale).
    `unavoidable` is true when it is in every smallest set, false when `alternatives`
    could give instead, None when not checked; `proven` false when the diagnosis stopped
    at a limit. `message` is the English sentence."""

    kind: FindingKind
    subject: str
    name: str
    key: str
    owner: str
    committed: float
    possible: float
    violation: float
    unit: str
    relative: float
    money: Money
    unavoidable: bool | None
    alternatives: tuple[Alternative, ...]
    proven: bool
    message: str
    rows: tuple[FindingRow, ...] | None = None  # a hard target with several rows giving

    @property
    def is_fallback(self) -> bool:
        return isinstance(self.kind, FallbackKind)

    def restated(self, **changes: Any) -> Finding:
        """The same finding with some figures or words changed (the mid-year review)."""
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "kind": self.kind.value,
            "subject": self.subject,
            "name": self.name,
            "key": self.key,
            "owner": self.owner,
            "committed": self.committed,
            "possible": self.possible,
            "violation": self.violation,
            "unit": self.unit,
            "relative": self.relative,
            "money": self.money.value,
            "unavoidable": self.unavoidable,
            "alternatives": [a.to_json() for a in self.alternatives],
            "proven": self.proven,
            "message": self.message,
        }
        if self.rows is not None:
            doc["rows"] = [r.to_json() for r in self.rows]
        return doc

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Finding:
        """A finding of a result document (`diagnosis[]`) read back."""
        rows = doc.get("rows")
        return cls(
            finding_kind(doc["kind"]),
            doc.get("subject", ""),
            doc.get("name", ""),
            doc.get("key", ""),
            doc.get("owner", ""),
            doc.get("committed", 0.0),
            doc.get("possible", 0.0),
            doc.get("violation", 0.0),
            doc.get("unit", ""),
            doc.get("relative", 0.0),
            Money(doc.get("money", Money.UNKNOWN.value)),
            doc.get("unavoidable"),
            tuple(Alternative.from_json(a) for a in doc.get("alternatives", [])),
            doc.get("proven", True),
            doc.get("message", ""),
            None if rows is None else tuple(_row(r) for r in rows),
        )


def _row(doc: Mapping[str, Any]) -> FindingRow:
    return FindingRow(
        doc["key"],
        doc["committed"],
        doc["possible"],
        doc["violation"],
        doc["relative"],
        Money(doc["money"]),
    )
