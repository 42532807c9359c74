"""The scenario sheet: the inputs as read (scenario, clusters, departments, programmes,
targets, in the scenario file's own words), the resolved scenario's sha256 (of the file's
bytes for a plain file; of its tables, bases and --set values too otherwise), the tool's
version, the solver and the time of the run, so that any printed sheet can be traced to
its inputs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import __version__
from ..result import SCHEMA
from ..scenario import (
    ALL_CLUSTERS,
    PAZOS_OWNER,
    MetricTarget,
    Programme,
    SpendShareTarget,
    Target,
    YouthReachTarget,
)
from ..tolerances import EXACT_DECIMAL
from .context import ReportContext
from .xlsx import GENERAL, MONEY, WEIGHT, WHOLE, Col, Sheet, V


class ScenarioSheet(ReportContext):
    def scenario_sheet(self, sh: Sheet) -> None:
        L, s, r = self.L, self.s, self.r
        info = s.scenario
        none = L("none")
        sh.title(L("title.scenario"), self.subtitle())
        rows: list[list[Any]] = [
            [L("sc.file"), r.scenario_path],
            [L("sc.sha256"), r.sha256],
            [L("sc.file_sha256"), r.file_sha256 or none],
            [L("sc.base"), r.base or none],
            [L("sc.overrides"), "\n".join(f"--set {o}" for o in r.overrides) or none],
            [L("sc.id"), info.id],
            [L("sc.name"), info.name],
            [L("sc.year"), V(info.year, "0")],
            [L("sc.currency"), info.currency],
            [L("sc.language"), info.language],
            [L("sc.workbook_lang"), L.lang],
            [L("sc.objective"), L(f"objective.{s.objective.value}")],
            [L("sc.budget"), V(s.budget.total, MONEY)],
            [L("sc.notes"), info.notes or none],
            [L("sc.tool"), f"pazos-budget {__version__}"],
            [L("sc.schema"), SCHEMA],
            [L("sc.solver"), r.solver],
            [L("sc.status"), L.status(r.status.value)],
            [L("sc.seconds"), V(r.seconds, "0.00")],
            [L("sc.mip_gap"), V(r.mip_gap, "0.0E+00")],
            [L("sc.run_at"), self.when],
        ]
        # The input tables below share these columns: ids, names, then narrower fields.
        w = (28, 60, 16, 14, 14, 12, 12, 12, 12, 10, 12, 24, 24, 24, 24)
        sh.table(
            [Col(L("col.field"), w[0]), Col(L("col.value"), w[1], wrap=True)], rows, freeze=True
        )
        sh.repeat = "title"
        sh.paginate()  # a heading never ends a printed page

        sh.section(L("title.inputs.clusters"))
        sh.table(
            [
                Col(L("col.cluster"), w[0]),
                Col(L("col.name"), w[1], wrap=True),
                Col(L("col.population"), w[2], fmt=WHOLE),
                Col(L("col.weight"), w[3], fmt=WEIGHT),
                Col(L("col.prioritized"), w[4]),
                Col(L("col.notes"), w[5], wrap=True),
            ],
            [
                [c.id, c.name, c.youth_population, c.weight, L.yes_no(c.prioritized), c.notes]
                for c in s.clusters
            ],
        )
        sh.section(L("title.inputs.departments"))
        sh.table(
            [
                Col(L("col.department_id"), w[0]),
                Col(L("col.name"), w[1], wrap=True),
                Col(L("col.envelope", currency=self.cur), w[2], fmt=MONEY),
                Col(L("col.min_spend", currency=self.cur), w[3], fmt=MONEY),
                Col(L("col.goals"), w[4], fmt=WHOLE),
                Col(L("col.notes"), w[5], wrap=True),
            ],
            [[d.id, d.name, d.budget, d.min_spend, len(d.goals), d.notes] for d in s.departments],
        )
        sh.section(L("title.inputs.programmes"))
        sh.table(
            [
                Col(L("col.programme_id"), w[0]),
                Col(L("col.name"), w[1], wrap=True),
                Col(L("col.department_id"), w[2], wrap=True),
                Col(L("col.component"), w[3], wrap=True),
                Col(L("col.unit_label"), w[4], wrap=True),
                Col(L("col.unit_cost", currency=self.cur), w[5], fmt=GENERAL),
                Col(L("col.fixed_cost", currency=self.cur), w[6], fmt=GENERAL),
                Col(L("col.min_units"), w[7], fmt=GENERAL),
                Col(L("col.max_units"), w[8], fmt=GENERAL),
                Col(L("col.integer"), w[9]),
                Col(L("col.mandatory"), w[10]),
                Col(L("col.clusters"), w[11], wrap=True),
                Col(L("col.youth_per_unit"), w[12], wrap=True),
                Col(L("col.outputs"), w[13], wrap=True),
                Col(L("col.cofunding_input"), w[14], wrap=True),
            ],
            [
                [
                    p.id,
                    p.name,
                    p.department,
                    self.as_read(L.component(p.component.value), p.component.value),
                    p.unit,
                    p.unit_cost,
                    p.fixed_cost,
                    p.min_units,
                    p.max_units,
                    L.yes_no(p.integer),
                    L.yes_no(p.mandatory),
                    self.clusters_text(p),
                    self.mapping_text(p.youth_per_unit),
                    self.mapping_text(p.outputs),
                    self.mapping_text(p.cofunding) if p.cofunding else none,
                ]
                for p in s.programmes
            ],
        )
        if s.metrics:
            sh.section(L("title.inputs.metrics"))
            sh.table(
                [Col(L("col.metric_id"), w[0]), Col(L("col.name"), w[1], wrap=True)],
                [[metric, name] for metric, name in s.metrics.items()],
            )
        sh.section(L("title.inputs.targets"))
        sh.table(
            [
                Col(L("col.target"), w[0]),
                Col(L("col.name"), w[1], wrap=True),
                Col(L("col.owner"), w[2], wrap=True),
                Col(L("col.kind"), w[3], wrap=True),
                Col(L("col.priority"), w[4], fmt=WHOLE),
                Col(L("col.weight"), w[5], fmt=WEIGHT),
                Col(L("col.hard"), w[6]),
                Col(L("col.departments"), w[7], wrap=True),
                Col(L("col.clusters"), w[8], wrap=True),
                Col(L("col.components"), w[9], wrap=True),
                Col(L("col.metric"), w[10], wrap=True),
                Col(L("col.condition"), w[11]),
                Col(L("col.amount"), w[12], fmt=GENERAL),
            ],
            [self.target_input_row(owner, t) for owner, t in s.all_targets()],
        )

    def target_input_row(self, owner: str | None, t: Target) -> list[Any]:
        none = self.L("none")
        condition, amount = target_amount(t)
        return [
            t.id,
            t.name or none,
            owner or PAZOS_OWNER,
            self.as_read(self.L.kind(t.kind.value), t.kind.value),
            t.priority,
            t.weight,
            self.L.hard(t.hard),
            ", ".join(t.departments) if t.departments is not None else none,
            ", ".join(t.clusters) if t.clusters is not None else none,
            ", ".join(c.value for c in t.components) if t.components is not None else none,
            self.as_read(self.s.metric_name(t.metric), t.metric)
            if isinstance(t, MetricTarget)
            else none,
            self.L(f"input.cond.{condition}"),
            amount,
        ]

    def as_read(self, name: str, value: str) -> str:
        """A display name with the scenario file's own word beside it: 'Prevención
        (prevention)'; the word alone when they are the same."""
        return value if name == value else self.L("input.as_read", name=name, id=value)

    def clusters_text(self, p: Programme) -> str:
        if p.clusters == ALL_CLUSTERS:
            return self.L("input.all_clusters")
        assert isinstance(p.clusters, list)
        return ", ".join(p.clusters) if p.clusters else self.L("city_wide")

    def mapping_text(self, value: float | Mapping[str, float]) -> str:
        if isinstance(value, Mapping):
            if not value:
                return self.L("none")
            return "; ".join(f"{k}: {self.L.num(v, decimals(v))}" for k, v in value.items())
        return self.L.num(value, decimals(value))


def decimals(x: float) -> int:
    """The fewest decimals (up to 6) that write `x` exactly."""
    for d in range(7):
        if abs(x - round(x, d)) < EXACT_DECIMAL:
            return d
    return 6


def target_amount(t: Target) -> tuple[str, float]:
    """(the scenario's field name, its value) of a target's required amount: the words of
    the scenario file, untranslated, as this sheet shows the inputs as read."""
    if isinstance(t, YouthReachTarget):
        return ("share", t.share) if t.share is not None else ("at_least", t.at_least or 0.0)
    if isinstance(t, MetricTarget):
        return "at_least", t.at_least
    if isinstance(t, SpendShareTarget):
        if t.at_most is not None:
            return "at_most", t.at_most
        return "at_least", t.at_least or 0.0
    return "at_least_units", t.at_least_units
