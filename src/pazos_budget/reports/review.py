"""The review workbook: the plan against what has been executed, and the rest of the year.

Sheets, in order:
- the review: key figures, the warnings about the execution, then per department and per
  cluster planned against executed spend (% executed, variance, the re-optimized year),
  each with its chart (planned and executed bars, drawn from the table beside it);
- the targets: each target's status (`met` by what is executed, `on_track` in the
  re-optimized year, `unreachable`) and its rows: required, planned, executed, year;
- the programmes: units and spend planned, executed (as recorded, so an overrun shows in
  the recorded unit cost), still to do, and the year;
- one sheet per department, for its head: "what I have done, what I still do";
- the diagnosis, when the rest of the year has no solution.
Every label comes from `labels.py` (es / en); every figure from `review.Review`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet.pagebreak import Break

from .. import __version__
from ..findings import Finding
from ..messages import Text, render
from ..review import (
    EXECUTED_UNITS,
    MONEY_FINDINGS,
    DepartmentReview,
    ExecutionWarning,
    ProgrammeReview,
    Review,
    TargetReview,
    TargetStatus,
    WarningKind,
)
from ..scenario import Scenario, TargetKind
from ..tolerances import CHECK_TOLERANCE, TIE_MARGIN, UNSHOWN_MONEY, WRITTEN_WHOLE
from .charts import horizontal_bars
from .context import Book
from .diagnosis import finding_sentence
from .labels import Labels
from .xlsx import (
    BAD_FILL,
    GOOD_FILL,
    MID_FILL,
    MONEY,
    PERCENT,
    SHARE,
    SUBTITLE,
    Col,
    Sheet,
    V,
    count_fmt,
    sheet_name,
)

_STATUS_FILL = {
    TargetStatus.MET: GOOD_FILL,
    TargetStatus.ON_TRACK: MID_FILL,
    TargetStatus.UNREACHABLE: BAD_FILL,
}
#: Chart size: wide enough for long department names, a bar pair per row.
CHART_WIDTH_CM = 17.0
CHART_ROW_CM = 0.75
CHART_MIN_CM = 6.0
#: Height of a sheet row in cm (12.75 points), to place one chart a page.
ROW_CM = 0.45
#: Print scale of the charts sheet (a manual page break is kept only without fit-to-page).
CHART_PRINT_SCALE = 85


def _pct(done: float, planned: float) -> V | str:
    return V(done / planned, PERCENT) if planned > 0 else "—"


def _money(x: float | None) -> V | str:
    return "—" if x is None else V(x, MONEY)


def _count(x: float | None) -> V | str:
    return "—" if x is None else V(x, count_fmt(x))


#: The warnings that count delivered units (the others are money).
UNIT_WARNINGS = frozenset(
    {WarningKind.MAX_UNITS, WarningKind.CLUSTER_MAX, WarningKind.MAX_CHANGE, WarningKind.POPULATION}
)


def _one(x: float) -> int:
    """1 for an amount written as 1 (the singular's count), else 2."""
    return 1 if abs(x - 1) < WRITTEN_WHOLE else 2


def finding_said(L: Labels, s: Scenario, f: Finding) -> str:
    """A review's diagnosis finding in `L`'s language: a money finding (restated in the
    scenario's own amounts by review.py) and units already delivered by the review's own
    sentences, others as the diagnosis says them (`finding_sentence`)."""
    if f.kind == EXECUTED_UNITS:
        return L.agreeing(
            "review.finding.executed_units",
            _one(f.committed),
            name=f.name or f.subject,
            where={c.id: c.name for c in s.clusters}.get(f.key, L("city_wide")),
            committed=L.count(f.committed),
            possible=L.count(f.possible),
        )
    if f.kind not in MONEY_FINDINGS:
        return finding_sentence(L, s, f)
    return L(
        f"review.finding.{f.kind}",
        name=f.name,
        committed=L.count(f.committed),
        possible=L.count(f.possible),
        violation=L.count(f.violation),
        currency=L.currency,
    )


def warning_sentence(L: Labels, s: Scenario, w: ExecutionWarning) -> str:
    """What an execution has passed, in `L`'s language, its numbers written as it writes
    them (the workbook's sentence)."""
    key = f"review.warning.{w.kind.value}"
    if w.kind in UNIT_WARNINGS:  # "1 unidad", "2 unidades"
        key += ".one" if _one(w.amount) == 1 else ".other"
    return L(
        key,
        earlier=w.repeats,
        name=w.name,
        cluster={c.id: c.name for c in s.clusters}.get(w.cluster or "", w.cluster or ""),
        amount=L.count(w.amount),
        limit=L.count(w.limit),
        currency=L.currency,
    )


def warnings_said(r: Review, lang: str) -> list[tuple[str, str]]:
    """Each execution warning as (where, message) in `lang`, for the terminal and the
    JSON: in English the warning's own message (`field: ...`, as review.py writes it),
    otherwise the workbook's sentence after the same field."""
    if lang == "en":
        return [(w.where, w.message) for w in r.warnings]
    s = r.scenario
    L = Labels(lang, s.scenario.currency, s.given_component_names())
    return [(w.where, f"{w.field}: {warning_sentence(L, s, w)}") for w in r.warnings]


def warning_lines(r: Review, lang: str) -> list[str]:
    """The execution warnings as the terminal prints them: `FILE:ROW:COL: warning: ...`."""
    word = render(Text("val.warning"), lang)
    return [f"{where}: {word}: {message}" for where, message in warnings_said(r, lang)]


def diagnosis_said(r: Review, lang: str) -> list[str]:
    """The review's diagnosis findings said in `lang`, for the terminal and the JSON: in
    English the findings' own messages (as review.py restated them), otherwise
    `finding_said`."""
    if lang == "en":
        return [f.message for f in r.diagnosis or []]
    s = r.scenario
    L = Labels(lang, s.scenario.currency, s.given_component_names())
    return [finding_said(L, s, f) for f in r.diagnosis or []]


def review_in_language(doc: dict[str, Any], r: Review) -> dict[str, Any]:
    """A review@1 document whose diagnosis findings (and those of the remainder it holds)
    say their `message` in the scenario's language; `kind` and the figures unchanged."""
    lang = r.scenario.scenario.language
    said = diagnosis_said(r, lang)
    if lang == "en":
        return doc
    out = dict(doc)
    if isinstance(out.get("warnings"), list) and len(out["warnings"]) == len(r.warnings):
        messages = [m for _, m in warnings_said(r, lang)]
        out["warnings"] = [
            dict(w) | {"message": m} for w, m in zip(out["warnings"], messages, strict=True)
        ]
    if not said:
        return out

    def restated(findings: Any) -> Any:
        if not isinstance(findings, list) or len(findings) != len(said):
            return findings
        return [dict(f) | {"message": m} for f, m in zip(findings, said, strict=True)]

    if "diagnosis" in out:
        out["diagnosis"] = restated(out["diagnosis"])
    remainder = out.get("remainder")
    if isinstance(remainder, dict) and "diagnosis" in remainder:
        out["remainder"] = remainder | {"diagnosis": restated(remainder["diagnosis"])}
    return out


class _ReviewBook(Book):
    def __init__(self, r: Review, lang: str, run_at: datetime) -> None:
        super().__init__(lang, r.scenario.scenario.currency, run_at)
        self.r = r
        self.s = r.scenario
        self.dept_names = {d.id: d.name for d in self.s.departments}
        self.cluster_names = {c.id: c.name for c in self.s.clusters}

    def sheet(self, title: str) -> Sheet:
        return self.new_sheet(sheet_name(title, [sh.ws.title for sh in self.sheets]))

    def footer(self) -> str:
        return self.L(
            "review.footer",
            id=self.s.scenario.id,
            sha=self.r.loaded.sha256[:16],
            version=__version__,
            when=self.when,
        )

    def status(self, t: TargetReview) -> str:
        """A target's status in words; an unreachable one says whether the plan met it."""
        text = self.L(f"review.status.{t.status.value}")
        if t.status == TargetStatus.UNREACHABLE and not t.planned_met:
            text += self.L("review.status.plan_missed")
        return text

    def warning(self, w: ExecutionWarning) -> str:
        """A warning in the workbook's language, with its numbers written as it writes them."""
        return warning_sentence(self.L, self.s, w)

    def finding(self, f: Finding) -> str:
        """A diagnosis finding's sentence in the workbook's language (`finding_said`)."""
        return finding_said(self.L, self.s, f)

    def owner(self, owner: str) -> str:
        return self.L("owner.pazos") if owner == "pazos" else self.dept_names.get(owner, owner)

    # ----------------------------------------------------------------- the review
    def summary(self) -> None:
        L, cur, r = self.L, self.cur, self.r
        sh = self.sheet(L("review.sheet.summary"))
        sh.title(L("review.title"), self.subtitle())
        sh.text(
            L.agreeing(
                "review.files",
                len(r.execution.lines),
                plan=r.plan.path,
                execution=r.execution.source or "—",
                rows=L.num(len(r.execution.lines), 0),
            ),
            SUBTITLE,
            skip=2,
        )
        for sentence in L("review.lead").split("\n"):
            sh.text(sentence, SUBTITLE)
        sh.row += 1
        counts = {st: sum(t.status == st for t in r.targets) for st in TargetStatus}
        remainder = "infeasible" if r.infeasible else r.remainder_document["status"]
        facts: list[list[Any]] = [
            [L("review.budget", currency=cur), V(self.s.budget.total, MONEY)],
            [L("review.planned_spend", currency=cur), V(r.planned.spend, MONEY)],
            [L("review.executed_spend", currency=cur), V(r.executed_spend, MONEY)],
            [L("review.executed_share"), _pct(r.executed_spend, r.planned.spend)],
            [L("review.overrun", currency=cur), V(r.shift.total, MONEY)],
            [
                L("review.year_spend", currency=cur),
                _money(None if r.year is None else r.year.spend),
            ],
            [
                L("review.remainder"),
                V(
                    L(f"review.remainder.{remainder}"),
                    fill=BAD_FILL if r.infeasible else None,
                ),
            ],
            [
                L("review.targets_status"),
                " / ".join(str(counts[st]) for st in TargetStatus),
            ],
        ]
        sh.table(
            [Col(L("review.col.fact"), 30, wrap=True), Col(L("col.value"), 16, wrap=True)], facts
        )
        if r.infeasible:
            sh.note(L("review.infeasible"))
        if r.warnings:
            sh.section(L("review.warnings"))
            sh.table(
                [
                    Col(L("review.col.where"), 30, wrap=True),
                    Col(L("review.col.warning"), wrap=True, span=6),
                ],
                [[w.where, self.warning(w)] for w in r.warnings],
            )

        sh.section(L("review.title.departments"))
        d_header, d_first, d_last = sh.table(
            [
                Col(L("col.department"), 30, wrap=True),
                Col(L("review.col.planned_spend", currency=cur), 14, fmt=MONEY),
                Col(L("review.col.executed_spend", currency=cur), 14, fmt=MONEY),
                Col(L("review.col.pct"), 10),
                Col(L("review.col.variance", currency=cur), 14, fmt=MONEY),
                Col(L("review.col.year_spend", currency=cur), 14, fmt=MONEY),
                Col(L("col.budget", currency=cur), 14, fmt=MONEY),
            ],
            [
                [
                    d.name,
                    V(d.planned_spend, MONEY),
                    V(d.executed_spend, MONEY),
                    _pct(d.executed_spend, d.planned_spend),
                    V(d.executed_spend - d.planned_spend, MONEY),
                    _money(d.year_spend),
                    V(
                        d.budget,
                        MONEY,
                        fill=BAD_FILL
                        if d.executed_spend > d.budget * (1 + CHECK_TOLERANCE)
                        else None,
                    )
                    if d.budget is not None
                    else "—",
                ]
                for d in r.departments
            ],
        )

        sh.section(L("review.title.clusters"))
        rows: list[list[Any]] = [
            [
                *self._spend_cells(c.name, c.planned_spend, c.executed_spend, c.year_spend),
                V(c.planned_youth, "#,##0"),
                V(c.executed_youth, "#,##0"),
                "—" if c.year_youth is None else V(c.year_youth, "#,##0"),
            ]
            for c in r.clusters
        ]
        city = r.city_wide
        if any(
            abs(x or 0.0) >= UNSHOWN_MONEY
            for x in (city.planned_spend, city.executed_spend, city.year_spend)
        ):
            # City-wide programmes and fixed costs are in no cluster: their row makes the
            # table add up to the totals above. They reach the youth of no cluster.
            spend = (city.planned_spend, city.executed_spend, city.year_spend)
            rows.append([*self._spend_cells(L("no_cluster_row"), *spend), None, None, None])
        c_header, c_first, c_last = sh.table(
            [
                Col(L("col.cluster"), 30, wrap=True),
                Col(L("review.col.planned_spend", currency=cur), 14, fmt=MONEY),
                Col(L("review.col.executed_spend", currency=cur), 14, fmt=MONEY),
                Col(L("review.col.pct"), 10),
                Col(L("review.col.variance", currency=cur), 14, fmt=MONEY),
                Col(L("review.col.year_spend", currency=cur), 14, fmt=MONEY),
                Col(L("review.col.planned_youth"), 14),
                Col(L("review.col.executed_youth"), 14),
                Col(L("review.col.year_youth"), 14),
            ],
            rows,
        )
        sh.repeat = "title"
        sh.paginate()  # a heading never ends a printed page
        sh.finish(self.footer(), L("page"))
        # The chart is of the clusters: the row of no cluster is left out of it.
        c_last = c_first + len(r.clusters) - 1
        self.charts(sh, (d_first, d_last, d_header), (c_first, c_last, c_header))

    @staticmethod
    def _spend_cells(
        name: str, planned: float, executed: float, year: float | None
    ) -> list[V | str]:
        """A row's name, planned and executed spend, % executed, variance (executed -
        planned) and the re-optimized year, as the departments' table writes them."""
        return [
            name,
            V(planned, MONEY),
            V(executed, MONEY),
            _pct(executed, planned),
            V(executed - planned, MONEY),
            _money(year),
        ]

    def charts(
        self, data: Sheet, departments: tuple[int, int, int], clusters: tuple[int, int, int]
    ) -> None:
        """Planned and executed spend per department, then per cluster, one chart a
        printed page, drawn from the review sheet's tables."""
        L, cur = self.L, self.cur
        sh = self.sheet(L("review.sheet.charts"))
        sh.title(L("review.sheet.charts"), self.subtitle())
        sh.repeat = None
        sh.scale = CHART_PRINT_SCALE
        for col in range(1, 12):  # the page as wide as the charts and the subtitle
            sh.fixed[col] = 12.0
        row = sh.row
        for title, (first, last, header), n in (
            (L("review.chart.departments", currency=cur), departments, len(self.r.departments)),
            (L("review.chart.clusters", currency=cur), clusters, len(self.r.clusters)),
        ):
            if last < first:
                continue
            height = max(CHART_MIN_CM, CHART_ROW_CM * n + 2.5)
            chart = horizontal_bars(
                title,
                data.ws,
                (1, first, last),
                (2, 3, header, last),
                number_format="#,##0",
                width_cm=CHART_WIDTH_CM,
                height_cm=height,
            )
            sh.ws.add_chart(chart, f"A{row}")
            row += int(height / ROW_CM) + 2
            sh.ws.row_breaks.append(Break(id=row - 1))
        sh.finish(self.footer(), L("page"))

    # ----------------------------------------------------------------- targets
    def targets(self) -> None:
        L, r = self.L, self.r
        sh = self.sheet(L("review.sheet.targets"))
        sh.title(L("review.title.targets"), self.subtitle())
        rows = []
        for t in r.targets:
            status = V(self.status(t), fill=_STATUS_FILL[t.status])
            for k, row in enumerate(t.rows or [None]):
                head = (
                    [t.name, self.owner(t.owner), L.kind(t.kind), status]
                    if k == 0
                    else [
                        "",
                        "",
                        "",
                        "",
                    ]
                )
                if row is None:
                    rows.append([*head, "—", "—", "—", "—", "—"])
                    continue
                share = t.kind == TargetKind.SPEND_SHARE
                fmt = PERCENT if share else None

                def cell(x: float | None, fmt: str | None = fmt) -> V | str:
                    return "—" if x is None else V(x, fmt or count_fmt(x))

                rows.append(
                    [
                        *head,
                        self._row_key(row.key),
                        cell(row.required),
                        cell(row.planned),
                        cell(row.executed),
                        cell(row.year),
                    ]
                )
        sh.table(
            [
                Col(L("col.target"), 30, wrap=True),
                Col(L("col.owner"), 22, wrap=True),
                Col(L("col.kind"), 16, wrap=True),
                Col(L("review.col.status"), 26, wrap=True),
                Col(L("review.col.row"), 40, wrap=True),
                Col(L("col.required"), 11),
                Col(L("review.col.planned"), 11),
                Col(L("review.col.executed"), 11),
                Col(L("review.col.year"), 12),
            ],
            rows,
            freeze=True,
        )
        sh.finish(self.footer(), L("page"))

    def _row_key(self, key: str) -> str:
        """A target row's key in words: a cluster's name, "cluster / component", a metric."""
        if "/" in key:
            cid, comp = key.split("/", 1)
            return f"{self.cluster_names.get(cid, cid)} / {self.L.component(comp)}"
        if key in self.cluster_names:
            return self.cluster_names[key]
        if key == "share":
            return self.L("review.row.share")
        return self.L.metric(key, self.s.metrics)

    def subtitle(self) -> str:
        info = self.s.scenario
        return self.L("subtitle", name=info.name, id=info.id, when=self.when)

    # ----------------------------------------------------------------- programmes
    def _programme_cols(self, with_department: bool, with_share: bool = False) -> list[Col]:
        L, cur = self.L, self.cur
        cols = [Col(L("col.programme"), 30, wrap=True)]
        if with_department:
            cols.append(Col(L("col.department"), 22, wrap=True))
        cols += [
            Col(L("col.unit"), 14, wrap=True),
            Col(L("review.col.planned_units"), 10),
            Col(L("review.col.executed_units"), 10),
            # Of units: the department's and the key figures' "% executed" are of spend,
            # and an overrun (or an advance) makes the two differ.
            Col(L("review.col.pct_units"), 10),
            Col(L("review.col.to_do"), 10),
            Col(L("review.col.year_units"), 12),
            Col(L("review.col.planned_spend", currency=cur), 12, fmt=MONEY),
            Col(L("review.col.executed_spend", currency=cur), 12, fmt=MONEY),
            Col(L("review.col.unit_cost", currency=cur), 11, fmt=MONEY),
            Col(L("review.col.recorded_unit_cost", currency=cur), 11, fmt=MONEY),
            Col(L("review.col.to_spend", currency=cur), 12, fmt=MONEY),
            Col(L("review.col.year_spend", currency=cur), 12, fmt=MONEY),
        ]
        if with_share:
            cols.append(Col(L("col.dept_share"), 9, fmt=SHARE))
        return cols

    def _programme_row(
        self, p: ProgrammeReview, with_department: bool, share: float | None = None
    ) -> list[Any]:
        # The recorded spend per unit less the fixed cost, which is taken as paid with the
        # first unit (review.overruns): the plan's unit cost plus the overrun per unit.
        # Spend over units put a started programme's fixed cost in its unit cost, shaded
        # as an overrun the review does not count.
        recorded = p.unit_cost + p.overrun / p.executed_units if p.executed_units > 0 else None
        over = recorded is not None and recorded > p.unit_cost * (1 + TIE_MARGIN)
        row: list[Any] = [p.name]
        if with_department:
            row.append(self.dept_names.get(p.department, p.department))
        to_do = None if p.year_units is None else p.year_units - p.executed_units
        to_spend = None if p.year_spend is None else p.year_spend - p.executed_spend
        row += [
            p.unit,
            _count(p.planned_units),
            _count(p.executed_units),
            _pct(p.executed_units, p.planned_units),
            _count(to_do),
            _count(p.year_units),
            V(p.planned_spend, MONEY),
            V(p.executed_spend, MONEY),
            V(p.unit_cost, MONEY),
            "—" if recorded is None else V(recorded, MONEY, fill=BAD_FILL if over else None),
            _money(to_spend),
            _money(p.year_spend),
        ]
        if share is not None:
            row.append(V(share, SHARE))
        return row

    def programmes(self) -> None:
        L = self.L
        sh = self.sheet(L("review.sheet.programmes"))
        sh.title(L("review.title.programmes"), self.subtitle())
        sh.table(
            self._programme_cols(True),
            [self._programme_row(p, True) for p in self.r.programmes],
            freeze=True,
            autofilter=True,
        )
        sh.finish(self.footer(), L("page"))

    # ----------------------------------------------------------------- departments
    def department(self, d: DepartmentReview) -> None:
        L, cur, r = self.L, self.cur, self.r
        sh = self.sheet(d.name)
        sh.title(d.name, L("review.dept.sub"))
        sh.freeze_title()
        sh.paginate()  # a heading never ends a printed page
        facts: list[list[Any]] = [
            [L("review.dept.envelope", currency=cur), _money(d.budget)],
            [L("review.col.planned_spend", currency=cur), V(d.planned_spend, MONEY)],
            [L("review.col.executed_spend", currency=cur), V(d.executed_spend, MONEY)],
            [L("review.col.pct"), _pct(d.executed_spend, d.planned_spend)],
            [
                L("review.col.to_spend", currency=cur),
                _money(None if d.year_spend is None else d.year_spend - d.executed_spend),
            ],
            [L("review.col.year_spend", currency=cur), _money(d.year_spend)],
        ]
        sh.table([Col(L("review.dept.facts"), 44, wrap=True), Col(L("col.value"), 16)], facts)
        mine = [
            (p, pr)
            for p, pr in zip(self.s.programmes, r.programmes, strict=True)
            if d.id == p.department or d.id in p.funders()
        ]
        sh.section(L("title.programmes"))
        shares = [p.funders().get(d.id, 0.0) for p, _ in mine]
        if any(share < 1 for share in shares):
            # The programmes' money is each one's whole; the figures above are the
            # department's part of it.
            sh.note(L("review.dept.cofunded"))
            sh.table(
                self._programme_cols(False, with_share=True),
                [
                    self._programme_row(pr, False, share)
                    for (_, pr), share in zip(mine, shares, strict=True)
                ],
            )
        else:
            sh.table(
                self._programme_cols(False), [self._programme_row(pr, False) for _, pr in mine]
            )
        cells = r.execution.cells()
        year = {pr.id: pr for pr in r.year.programmes} if r.year is not None else {}
        rows = []
        for p, pr in mine:
            where: list[str | None] = [*self.s.programme_clusters(p)] or [None]
            for cid in where:
                done = cells.get((p.id, cid), (0.0, 0.0))[0]
                yr = year.get(p.id)
                total = None
                if yr is not None:
                    total = yr.units if cid is None else yr.clusters.get(cid, 0.0)
                planned = r.plan.units.get((p.id, cid), 0.0)
                if not (done or planned or total):
                    continue
                rows.append(
                    [
                        pr.name,
                        L("city_wide") if cid is None else self.cluster_names[cid],
                        _count(planned),
                        _count(done),
                        _count(None if total is None else total - done),
                        _count(total),
                    ]
                )
        sh.section(L("review.dept.cells"))
        sh.table(
            [
                Col(L("col.programme"), 30, wrap=True),
                Col(L("col.cluster"), 22, wrap=True),
                Col(L("review.col.planned_units"), 10),
                Col(L("review.col.executed_units"), 10),
                Col(L("review.col.to_do"), 10),
                Col(L("review.col.year_units"), 12),
            ],
            rows or [[L("none"), "", "", "", "", ""]],
        )
        goals = [t for t in r.targets if t.owner == d.id]
        sh.section(L("review.dept.goals"))
        sh.table(
            [Col(L("col.target"), 30, wrap=True), Col(L("review.col.status"), 30, wrap=True)],
            [[t.name, V(self.status(t), fill=_STATUS_FILL[t.status])] for t in goals]
            or [[L("none"), ""]],
        )
        sh.finish(self.footer(), L("page"))

    # ----------------------------------------------------------------- diagnosis
    def diagnosis(self) -> None:
        L = self.L
        sh = self.sheet(L("review.sheet.diagnosis"))
        sh.title(L("review.title.diagnosis"), self.subtitle())
        sh.note(L("review.infeasible"))
        rows = []
        for f in self.r.diagnosis or []:
            share = f.unit == "share"
            fmt = PERCENT if share else None

            def cell(x: float, fmt: str | None = fmt) -> V:
                return V(x, fmt or count_fmt(x))

            rows.append(
                [
                    L(f"review.commitment.{f.kind}")
                    if f.kind == EXECUTED_UNITS
                    else L(f"commitment.{f.kind}"),
                    f.name or L("commitment.whole_city"),
                    cell(f.committed),
                    cell(f.possible),
                    cell(f.violation),
                    self.finding(f),
                ]
            )
        sh.table(
            [
                Col(L("col.commitment"), 24, wrap=True),
                Col(L("col.about"), 26, wrap=True),
                Col(L("col.committed")),
                Col(L("col.possible")),
                Col(L("col.gives_by")),
                Col(L("col.detail"), 70, wrap=True),
            ],
            rows,
            freeze=True,
        )
        sh.finish(self.footer(), L("page"))


def build_review(r: Review, *, lang: str, run_at: datetime | None = None) -> Workbook:
    """The review workbook in `lang` (es or en)."""
    book = _ReviewBook(r, lang, run_at or datetime.now().astimezone())
    book.summary()
    if r.infeasible:
        book.diagnosis()
    book.targets()
    book.programmes()
    for d in r.departments:
        book.department(d)
    return book.wb
