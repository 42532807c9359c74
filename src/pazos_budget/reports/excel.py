"""The allocation workbook: one .xlsx for the planning office, each department head and
the council.

Sheets, in order: summary (key figures, three native charts, stages, spend by component,
marginal value of money), targets and goals (one line per target row), departments, one
sheet per department (its programmes, why each got what it got, units by cluster, its
goals), clusters (coverage, spend, the cluster x component presence matrix), allocation
(the long table, with an autofilter, for pivot tables) and scenario (the inputs as read,
the file's sha256, the tool's version, the solver and the time of the run).

Every figure is a number cell taken from the `Result` (the figures of `to_json` and of the
terminal summary); every string from the scenario is written as text, never as a formula
(`xlsx.put`). The workbook is built in memory, then written with `files.write_atomic`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import PatternFill

from ..explain import top_marginal_clusters
from ..result import Result
from ..scenario import (
    COMPONENT_IDS,
    YOUTH_METRIC,
    ComponentPresenceTarget,
    MetricTarget,
    SpendShareTarget,
    Target,
    TargetKind,
    Unservable,
    YouthReachTarget,
)
from .context import units_by_cluster
from .department import DepartmentSheets
from .inputs import ScenarioSheet
from .summary import SummarySheet
from .xlsx import (
    BAD_FILL,
    GOOD_FILL,
    MONEY,
    PCT_ACHIEVED,
    PER_YOUTH,
    PERCENT,
    PRESENCE,
    WEIGHT,
    WHOLE,
    Col,
    Sheet,
    V,
    count_fmt,
    save_workbook,
    sheet_name,
)


class WorkbookBuilder(SummarySheet, DepartmentSheets, ScenarioSheet):
    """Builds the workbook of one result in one language, in memory: the summary,
    department and scenario sheets come from their mixins, the others are here."""

    # ----------------------------------------------------------------- build
    def build(self) -> Workbook:
        L = self.L
        fixed = [
            L(f"sheet.{k}")
            for k in ("summary", "targets", "departments", "clusters", "allocation", "scenario")
        ]
        used = list(fixed)
        for d in self.s.departments:
            name = sheet_name(d.name, used, fallback=d.id)
            self.names.sheets[d.id] = name
            used.append(name)

        self.summary_sheet(self.new_sheet(L("sheet.summary")))
        self.targets_sheet(self.new_sheet(L("sheet.targets")))
        self.departments_sheet(self.new_sheet(L("sheet.departments")))
        for d in self.s.departments:
            self.department_sheet(self.new_sheet(self.names.sheets[d.id]), d.id)
        self.clusters_sheet(self.new_sheet(L("sheet.clusters")))
        self.allocation_sheet(self.new_sheet(L("sheet.allocation")))
        self.scenario_sheet(self.new_sheet(L("sheet.scenario")))
        return self.finish(self.footer())

    # ----------------------------------------------------------------- 2. targets
    def targets_sheet(self, sh: Sheet) -> None:
        L = self.L
        sh.title(L("title.targets"), self.subtitle())
        cols = [
            Col(L("col.target"), 18, wrap=True),
            Col(L("col.name"), 34, wrap=True),
            Col(L("col.owner"), 22, wrap=True),
            Col(L("col.kind"), 14, wrap=True),
            Col(L("col.priority"), 9),
            Col(L("col.hard"), 11),
            Col(L("col.target_met"), 14),
            Col(L("col.cluster"), 24, wrap=True),
            Col(L("col.component"), 16, wrap=True),
            Col(L("col.metric"), 16, wrap=True),
            Col(L("col.condition"), 11),
            Col(L("col.required")),
            Col(L("col.achieved")),
            Col(L("col.shortfall")),
            Col(L("col.pct_achieved")),
            Col(L("col.row_met"), 14),
            Col(L("col.unservable"), 44, wrap=True),
        ]
        rows: list[list[Any]] = []
        for t in self.r.targets:
            target = self.targets[t.id]
            at_most = isinstance(target, SpendShareTarget) and target.at_most is not None
            head: list[Any] = [
                t.id,
                t.name,
                self.owner_name(t.owner),
                L.kind(t.kind),
                V(t.priority, WHOLE),
                L.hard(t.hard),
                V(L.met(t.met), fill=GOOD_FILL if t.met else BAD_FILL),
            ]
            # Later rows of a target repeat only its id (greyed), so the eye finds the
            # next target and a filter on the id still finds every row.
            more: list[Any] = [V(t.id, muted=True)] + [None] * (len(head) - 1)
            if not t.rows:
                rows.append(head + [L("none")] * 4 + [None] * 4 + [head[-1], None])
                continue
            for i, row in enumerate(t.rows):
                cluster, component, metric = self.row_parts(row.key, target)
                fmt = PERCENT if t.kind == TargetKind.SPEND_SHARE.value else None
                pct: Any = None
                if not at_most and row.required > 0:
                    pct = V(row.achieved / row.required, PCT_ACHIEVED)
                rows.append(
                    (head if i == 0 else more)
                    + [
                        cluster,
                        component,
                        metric,
                        L("at_most") if at_most else L("at_least"),
                        V(row.required, fmt or count_fmt(row.required)),
                        V(row.achieved, fmt or count_fmt(row.achieved)),
                        V(row.shortfall, fmt or count_fmt(row.shortfall)),
                        pct,
                        V(L.met(row.met), fill=GOOD_FILL if row.met else BAD_FILL),
                        self.unservable_words(t.unservable, row.key),
                    ]
                )
        sh.table(cols, rows, freeze=True, autofilter=True)

    def unservable_words(self, unservable: list[Unservable], key: str) -> str | None:
        """Why nothing in a target's scope can serve this row, in the workbook's language."""
        words = [
            self.L.unservable(u, self.names.clusters, self.names.metrics)
            for u in unservable
            if key in u.keys
        ]
        return " ".join(words) or None

    def row_parts(self, key: str, target: Target) -> tuple[str, str, str]:
        """(cluster, component, metric) shown for one target row."""
        L, none = self.L, self.L("none")
        comps = (
            ", ".join(L.component(c.value) for c in target.components)
            if target.components
            else none
        )
        clusters = (
            ", ".join(self.names.clusters[c] for c in target.clusters) if target.clusters else none
        )
        if isinstance(target, YouthReachTarget):
            return self.names.clusters.get(key, key), comps, L("youth_metric")
        if isinstance(target, ComponentPresenceTarget):
            cid, _, comp = key.partition("/")
            return self.names.clusters.get(cid, cid), L.component(comp), none
        if isinstance(target, MetricTarget):
            metric = L("youth_metric") if key == YOUTH_METRIC else self.names.metrics.get(key, key)
            return clusters, comps, metric
        return clusters, comps, L("share_row")

    # ----------------------------------------------------------------- 3. departments
    def departments_sheet(self, sh: Sheet) -> None:
        L, cur = self.L, self.cur
        sh.title(L("title.departments"), self.subtitle())
        cols = [
            Col(L("col.department"), 34, wrap=True),
            Col(L("col.sheet"), 26),
            Col(L("col.department_id"), 14),
            Col(L("col.envelope", currency=cur), 15, fmt=MONEY),
            Col(L("col.allocated", currency=cur), 15, fmt=MONEY),
            Col(L("col.unspent", currency=cur), 15, fmt=MONEY),
            Col(L("col.used"), 11, fmt=PERCENT),
            Col(L("col.min_spend", currency=cur), 15, fmt=MONEY),
            Col(L("col.funded"), 12, fmt=WHOLE),
            Col(L("col.submitted"), 12, fmt=WHOLE),
            Col(L("col.goals_met"), 11, fmt=WHOLE),
            Col(L("col.goals_total"), 9, fmt=WHOLE),
        ]
        rows: list[list[Any]] = []
        for d in self.r.departments:
            sheet = self.names.sheets[d.id]
            quoted = sheet.replace("'", "''")
            rows.append(
                [
                    d.name,
                    V(sheet, link=f"'{quoted}'!A1"),
                    d.id,
                    d.budget,
                    d.spend,
                    d.unspent,
                    d.spend / d.budget if d.budget else None,
                    d.min_spend,
                    d.programmes_funded,
                    d.programmes_submitted,
                    V(
                        d.goals_met,
                        WHOLE,
                        fill=GOOD_FILL if d.goals_met == d.goals_total else BAD_FILL,
                    ),
                    d.goals_total,
                ]
            )
        deps = self.r.departments
        budgets = [d.budget for d in deps if d.budget is not None]
        total = [
            L("total"),
            None,
            None,
            math.fsum(budgets) if budgets else None,
            math.fsum(d.spend for d in deps),
            None,
            None,
            None,
            # each programme once, however many departments co-fund it
            sum(pr.funded for pr in self.r.programmes),
            len(self.r.programmes),
            sum(d.goals_met for d in deps),
            sum(d.goals_total for d in deps),
        ]
        sh.table(cols, rows, freeze=True, total=total)
        cofunded = sum(1 for p in self.s.programmes if len(p.funders()) > 1)
        if cofunded:  # the rows of the counts then add up to more than their total
            sh.note(L("deps.cofunded_note", n=cofunded))

    # ----------------------------------------------------------------- 5. clusters
    def clusters_sheet(self, sh: Sheet) -> None:
        L, cur, r = self.L, self.cur, self.r
        sh.title(L("title.clusters"), self.subtitle())
        raw_currency = self.s.scenario.currency
        cols = [
            Col(L("col.cluster"), 18),
            Col(L("col.name"), 30, wrap=True),
            Col(L("col.prioritized"), 11),
            Col(L("col.weight"), 9, fmt=WEIGHT),
            Col(L("col.population"), 12, fmt=WHOLE, wrap=True),
            Col(L("col.youth"), 13, wrap=True),
            Col(L("col.participations"), 14, wrap=True),
            Col(L("col.coverage"), 11, fmt=PERCENT),
            Col(L("col.spend", currency=cur), 13, fmt=MONEY, wrap=True),
            Col(L("col.spend_per_youth", currency=cur), 14, fmt=PER_YOUTH, wrap=True),
            Col(
                L("col.marginal_youth", per=L.money_unit("per", raw_currency)),
                16,
                fmt=PER_YOUTH,
                wrap=True,
            ),
        ]
        rows = []
        for c in r.clusters:
            rows.append(
                [
                    c.id,
                    c.name,
                    L.yes_no(c.prioritized),
                    c.weight,
                    c.youth_population,
                    V(c.youth_reached, WHOLE),
                    V(c.participations, count_fmt(c.participations)),
                    V(
                        c.coverage,
                        PERCENT,
                        fill=BAD_FILL if c.prioritized and not c.coverage else None,
                    ),
                    c.spend,
                    c.spend / c.youth_population,
                    c.marginal_youth_per_money,
                ]
            )
        in_clusters = math.fsum(c.spend for c in r.clusters)
        outside = r.participations - r.participations_in_clusters
        # City-wide programmes: participations, but no distinct youth of any cluster.
        rows.append(
            [
                L("none"),
                L("no_cluster_row"),
                L("none"),
                None,
                None,
                None,
                V(outside, count_fmt(outside)),
                None,
                r.spend - in_clusters,
                None,
                None,
            ]
        )
        population = sum(c.youth_population for c in r.clusters)
        total = [
            L("total"),
            None,
            None,
            None,
            population,
            V(r.youth_reached, WHOLE),
            V(r.participations, count_fmt(r.participations)),
            None,
            r.spend,
            r.spend / population if population else None,
            None,
        ]
        sh.note(L.marginal_youth_sentence(top_marginal_clusters(r), raw_currency))
        sh.table(cols, rows, freeze=True, total=total)
        sh.repeat = "title"

        sh.section(L("title.presence"))
        n = len(COMPONENT_IDS)
        presence_rows = []
        for c in r.clusters:
            present = sum(1 for comp in COMPONENT_IDS if c.components[comp] > 0)
            presence_rows.append(
                [
                    c.id,
                    c.name,
                    *[
                        V(
                            c.components[comp],
                            PRESENCE,
                            fill=self.presence_fill(c.prioritized, c.components[comp] > 0),
                        )
                        for comp in COMPONENT_IDS
                    ],
                    V(
                        L("n_of", n=present, total=n),
                        fill=self.presence_fill(c.prioritized, present == n),
                    ),
                ]
            )
        sh.table(
            [
                Col(L("col.cluster"), 18),
                Col(L("col.name"), 36, wrap=True),
                *[Col(L.component(c), 14, fmt=PRESENCE) for c in COMPONENT_IDS],
                Col(L("components_present"), 14),
            ],
            presence_rows,
        )

    @staticmethod
    def presence_fill(prioritized: bool, ok: bool) -> PatternFill | None:
        """Colour only where PAZOS asks for presence (the prioritized clusters)."""
        if ok:
            return GOOD_FILL
        return BAD_FILL if prioritized else None

    # ----------------------------------------------------------------- 6. allocation
    def allocation_sheet(self, sh: Sheet) -> None:
        L, s = self.L, self.s
        cols = [
            Col(L("col.programme_id")),
            Col(L("col.programme"), 44),
            Col(L("col.department_id")),
            Col(L("col.department"), 34),
            Col(L("col.component")),
            Col(L("col.cluster")),
            Col(L("col.cluster_name"), 36),
            Col(L("col.prioritized")),
            Col(L("col.cost_type")),
            Col(L("col.unit_label"), 24),
            Col(L("col.units")),
            Col(L("col.spend", currency=self.cur), fmt=MONEY),
            Col(L("col.participations")),
        ]
        prioritized = {c.id: c.prioritized for c in s.clusters}
        rows: list[list[Any]] = []
        for p, pr in zip(s.programmes, self.r.programmes, strict=True):
            head = [
                p.id,
                p.name,
                p.department,
                self.names.departments[p.department],
                L.component(p.component.value),
            ]
            for cid, units in units_by_cluster(p, pr):
                youth = s.youth_per_unit(p, cid) * units
                rows.append(
                    head
                    + [
                        cid or L("none"),
                        self.names.clusters[cid] if cid else L("city_wide"),
                        L.yes_no(prioritized[cid]) if cid else L("none"),
                        L("cost.variable"),
                        p.unit,
                        V(units, count_fmt(units)),
                        p.unit_cost * units,
                        V(youth, count_fmt(youth)),
                    ]
                )
            fixed = pr.spend - p.unit_cost * pr.units
            if p.fixed_cost > 0 and fixed > 0:
                rows.append(
                    head
                    + [
                        L("none"),
                        L("fixed_cost"),
                        L("none"),
                        L("cost.fixed"),
                        p.unit,
                        V(0, WHOLE),
                        fixed,
                        V(0, WHOLE),
                    ]
                )
        sh.table(cols, rows, freeze=True, autofilter=True)


# --------------------------------------------------------------------------- entry point
def build_workbook(result: Result, *, lang: str, run_at: datetime | None = None) -> Workbook:
    """The workbook of `result`, in memory."""
    return WorkbookBuilder(result, lang, run_at or datetime.now().astimezone()).build()


def write_workbook(
    result: Result,
    path: str | Path,
    *,
    lang: str,
    inputs: Iterable[str | Path] = (),
    run_at: datetime | None = None,
) -> None:
    """Write the workbook to `path`: atomically, and never over one of `inputs`."""
    save_workbook(lambda: build_workbook(result, lang=lang, run_at=run_at), path, inputs)
