"""One sheet per department, written for its head: the department at a glance, its
programmes (money, units, youth), why each got what it got and which targets it serves,
who pays which share of a co-funded programme, units by cluster, and the targets cited."""

from __future__ import annotations

from typing import Any

from ..explain import Explanation, Funding
from ..result import ProgrammeResult
from ..scenario import Programme
from .context import ReportContext, units_by_cluster
from .xlsx import (
    BAD_FILL,
    GOOD_FILL,
    MID_FILL,
    MONEY,
    PERCENT,
    SHARE,
    WHOLE,
    Col,
    Sheet,
    V,
    count_fmt,
)

#: Column widths of a department sheet: every table there lines up on these ten columns.
DEPARTMENT_GRID = (32.0, 13.0, 17.0, 15.0, 9.0, 9.0, 12.0, 9.0, 12.0, 15.0)


class DepartmentSheets(ReportContext):
    def department_sheet(self, sh: Sheet, dept_id: str) -> None:
        """The sheet for a department head. Its tables share one grid of ten columns
        (`DEPARTMENT_GRID`; wider cells span several), so that it prints large."""
        L, cur, s = self.L, self.cur, self.s
        dr = next(d for d in self.r.departments if d.id == dept_id)
        for col, width in enumerate(DEPARTMENT_GRID, start=1):
            sh.fixed[col] = width
        sh.title(L("title.department", name=dr.name), L("title.department.sub"))
        sh.freeze_title()
        sh.paginate()  # a heading never ends a printed page
        none = L("none")
        facts: list[list[Any]] = [
            [
                L("col.envelope", currency=cur),
                V(dr.budget, MONEY) if dr.budget is not None else none,
            ],
            [L("col.allocated", currency=cur), V(dr.spend, MONEY)],
            [
                L("col.unspent", currency=cur),
                V(dr.unspent, MONEY) if dr.unspent is not None else none,
            ],
            [L("col.used"), V(dr.spend / dr.budget, PERCENT) if dr.budget else none],
            [L("col.funded"), L("n_of", n=dr.programmes_funded, total=dr.programmes_submitted)],
            [L("col.goals_met"), L("n_of", n=dr.goals_met, total=dr.goals_total)],
        ]
        sh.table([Col(L("dept.facts"), wrap=True), Col(L("col.value"))], facts)

        mine = [
            (p, pr)
            for p, pr in zip(s.programmes, self.r.programmes, strict=True)
            if dept_id in p.funders()
        ]
        sh.section(L("title.programmes"))
        if mine:
            self.department_programmes(sh, dept_id, mine)
        else:
            sh.note(L("dept.no_programmes"))

        cited = {t.id for t in self.r.targets if t.owner == dept_id}
        for p, _ in mine:
            cited |= {
                t for t in self.explanations[p.id].serves if self.owners[t] in (None, dept_id)
            }
        sh.section(L("title.goals"))
        if not cited:
            sh.note(L("dept.no_goals"))
            return
        sh.table(
            [
                Col(L("col.target"), wrap=True),
                Col(L("col.status")),
                Col(L("col.name"), wrap=True, span=4),
                Col(L("col.owner"), wrap=True, span=2),
                Col(L("col.hard")),
                Col(L("col.priority"), fmt=WHOLE),
            ],
            [
                [
                    t.id,
                    V(L.met(t.met), fill=GOOD_FILL if t.met else BAD_FILL),
                    t.name,
                    self.owner_name(t.owner),
                    L.hard(t.hard),
                    t.priority,
                ]
                # the department's own goals first, then the PAZOS targets
                for t in sorted(
                    (t for t in self.r.targets if t.id in cited),
                    key=lambda t: t.owner != dept_id,
                )
            ],
        )

    def department_programmes(
        self, sh: Sheet, dept_id: str, mine: list[tuple[Programme, ProgrammeResult]]
    ) -> None:
        """Programmes of (or co-funded by) a department: money, reasons, cofunding, and
        units by cluster."""
        L, cur, s = self.L, self.cur, self.s
        rows = []
        for p, pr in mine:
            share = p.funders()[dept_id]
            rows.append(
                [
                    pr.name,
                    self.funding_cell(self.explanations[p.id]),
                    L.component(pr.component),
                    pr.unit,
                    V(pr.units, count_fmt(pr.units)),
                    V(p.max_units, count_fmt(p.max_units))
                    if p.max_units is not None
                    else L("none"),
                    pr.spend,
                    share,
                    pr.spend * share,
                    V(pr.participations, count_fmt(pr.participations)),
                ]
            )
        sh.table(
            [
                Col(L("col.programme"), wrap=True),
                Col(L("col.funding"), wrap=True),
                Col(L("col.component"), wrap=True),
                Col(L("col.unit_label"), wrap=True),
                Col(L("col.units")),
                Col(L("col.max_units")),
                Col(L("col.spend_total", currency=cur), fmt=MONEY),
                Col(L("col.dept_share"), fmt=SHARE),
                Col(L("col.dept_spend", currency=cur), fmt=MONEY),
                Col(L("col.participations"), wrap=True),
            ],
            rows,
        )

        planned = [(p, pr) for p, pr in mine if pr.current_units is not None]
        if planned:
            # Current against optimized (a scenario with current_units, e.g. max_change).
            sh.section(L("title.current"))
            current_rows = []
            for _, pr in planned:
                current = pr.current_units or 0.0
                change: Any = V(pr.units / current - 1, PERCENT) if current else L("none")
                current_rows.append(
                    [
                        pr.name,
                        V(current, count_fmt(current)),
                        V(pr.units, count_fmt(pr.units)),
                        change,
                        pr.current_spend,
                        pr.spend,
                    ]
                )
            sh.table(
                [
                    Col(L("col.programme"), wrap=True, span=3),
                    Col(L("col.current_units"), wrap=True),
                    Col(L("col.optimized_units"), wrap=True),
                    Col(L("col.change")),
                    Col(L("col.current_spend", currency=cur), fmt=MONEY, wrap=True, span=2),
                    Col(L("col.optimized_spend", currency=cur), fmt=MONEY, wrap=True, span=2),
                ],
                current_rows,
            )

        sh.section(L("title.reasons"))
        reason_rows = []
        for p, pr in mine:
            goals, pazos = self.served_by(p, dept_id)
            reason = self.reason_text(self.explanations[p.id])
            if p.id in self.concentrations:  # "why all in one cluster?", computed
                where = self.L.concentration(
                    self.concentrations[p.id],
                    clusters=self.names.clusters,
                    targets=self.names.targets,
                )
                reason = f"{reason} {where}"
            reason_rows.append([pr.name, reason, goals, pazos])
        sh.table(
            [
                Col(L("col.programme"), wrap=True),
                Col(L("col.reason"), wrap=True, span=5),
                Col(L("col.dept_goals"), wrap=True, span=2),
                Col(L("col.pazos_targets"), wrap=True, span=2),
            ],
            reason_rows,
        )

        shared = [(p, pr) for p, pr in mine if len(p.funders()) > 1]
        if shared:
            sh.section(L("title.cofunding"))
            sh.table(
                [
                    Col(L("col.programme"), wrap=True),
                    Col(L("col.owner"), wrap=True, span=3),
                    Col(L("col.cofunding"), wrap=True, span=6),
                ],
                [
                    [pr.name, self.names.departments[p.department], self.cofunding_text(p)]
                    for p, pr in shared
                ],
            )

        sh.section(L("title.by_cluster"))
        cell_rows = []
        for p, pr in mine:
            for cid, units in units_by_cluster(p, pr):
                youth = s.youth_per_unit(p, cid) * units
                cell_rows.append(
                    [
                        pr.name,
                        self.names.clusters[cid] if cid else L("city_wide"),
                        V(units, count_fmt(units)),
                        V(p.unit_cost * units, MONEY),
                        V(youth, count_fmt(youth)),
                    ]
                )
            # A fixed cost is paid once and belongs to no cluster: its own row (as on the
            # allocation sheet), so that the rows add up to the programme's total spend.
            fixed = pr.spend - p.unit_cost * pr.units
            if p.fixed_cost > 0 and fixed > 0:
                cell_rows.append(
                    [pr.name, L("fixed_cost"), V(0, WHOLE), V(fixed, MONEY), V(0, WHOLE)]
                )
        if not cell_rows:
            sh.note(L("dept.no_cells"))
            return
        sh.table(
            [
                Col(L("col.programme"), wrap=True),
                Col(L("col.cluster"), wrap=True, span=3),
                Col(L("col.units")),
                Col(L("col.spend", currency=cur), span=2),
                Col(L("col.participations"), span=3),
            ],
            cell_rows,
        )

    def funding_cell(self, e: Explanation) -> V:
        fill = {
            Funding.FULL: GOOD_FILL,
            Funding.OPEN: GOOD_FILL,
            Funding.PARTIAL: MID_FILL,
            Funding.NONE: BAD_FILL,
        }[e.funding]
        return V(self.L.funding(e.funding), fill=fill)

    def reason_text(self, e: Explanation) -> str:
        n = self.names
        return " ".join(
            self.L.reason(
                r,
                departments=n.departments,
                programmes=n.programmes,
                clusters=n.clusters,
                targets=n.targets,
                metrics=n.metrics,
            )
            for r in e.reasons
        )

    def served_by(self, p: Programme, dept_id: str) -> tuple[str, str]:
        """Names of the department's goals and of the PAZOS targets that `p` counts
        toward (ids only for a target without a name)."""
        goals, pazos = [], []
        for t in self.explanations[p.id].serves:
            name = self.names.targets.get(t, t)
            if self.owners[t] is None:
                pazos.append(name)
            elif self.owners[t] == dept_id:
                goals.append(name)
        none = self.L("none")
        return "\n".join(goals) or none, "\n".join(pazos) or none

    def cofunding_text(self, p: Programme) -> str:
        """'Secretaría A 50 %; Secretaría B 50 %'."""
        return "; ".join(
            f"{self.names.departments[d]} {self.L.num(100 * v, 0)} %"
            for d, v in p.funders().items()
        )
