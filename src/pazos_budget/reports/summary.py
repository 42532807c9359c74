"""The summary sheet: key figures and three charts on the first printed page; the tables
behind the charts, the optimization stages and the marginal value of money on the next."""

from __future__ import annotations

from typing import Any

from openpyxl.worksheet.pagebreak import Break

from ..explain import top_marginal_clusters
from ..marginal import MoneySource
from ..result import StageStatus
from ..scenario import COMPONENT_IDS, PAZOS_OWNER, Objective
from .charts import horizontal_bars
from .context import ReportContext
from .xlsx import (
    BAD_FILL,
    GENERAL,
    GOOD_FILL,
    MONEY,
    PERCENT,
    SHARE,
    WHOLE,
    Col,
    Sheet,
    V,
    count_fmt,
)

#: Counts of targets met, with the symbol a colour-blind reader relies on.
MET_COUNT = '"✔ "#,##0'
NOT_MET_COUNT = '"✘ "#,##0'
#: Layout: where the charts go and where the second printed page starts.
SUMMARY_CHART_COLUMN = "E"
SUMMARY_LAST_COLUMN = "M"
SUMMARY_CHART_COLUMNS = range(5, 14)  # E to M, nine columns of width 9 under the charts
SUMMARY_SECOND_PAGE_ROW = 47
SUMMARY_PRINT_SCALE = 72
CHART_WIDTH_CM = 15.5
SUMMARY_COLUMNS = (40.0, 22.0, 26.0)
#: A chart shows at most this many bars (clusters, departments): more cannot be read.
MAX_CHART_BARS = 24


def met_cell(met: int, total: int, *, bold: bool = False) -> V:
    """A count of targets met: ✔ on blue when all are, ✘ on orange when not."""
    if met == total:
        return V(met, MET_COUNT, fill=GOOD_FILL, bold=bold)
    return V(met, NOT_MET_COUNT, fill=BAD_FILL, bold=bold)


class SummarySheet(ReportContext):
    def key_figures(self) -> list[list[Any]]:
        L, r, cur = self.L, self.r, self.cur
        met, total = r.targets_met()
        pazos_met, pazos_total = r.targets_met(PAZOS_OWNER)
        youth = L("unit.youth")
        return [
            [L("sum.scenario"), self.s.scenario.id, ""],
            [L("sum.date"), self.when, ""],
            [L("sum.solver"), r.solver, ""],
            [L("sum.status"), L.status(r.status.value), ""],
            [L("sum.budget"), V(r.budget, MONEY), cur],
            [L("sum.spend"), V(r.spend, MONEY), cur],
            [L("sum.unspent"), V(r.unspent, MONEY), cur],
            [L("sum.used"), V(r.spend / r.budget if r.budget else 0.0, PERCENT), ""],
            [L("sum.youth"), V(r.youth_reached, WHOLE), youth],
            [
                L("sum.participations"),
                V(r.participations, count_fmt(r.participations)),
                L("unit.participations"),
            ],
            [L("sum.coverage"), V(r.prioritized_coverage, PERCENT), ""],
            [
                L("sum.weighted"),
                V(r.weighted_coverage, count_fmt(r.weighted_coverage)),
                L("unit.weighted"),
            ],
            [L("sum.pazos_met"), met_cell(pazos_met, pazos_total), L("unit.of", total=pazos_total)],
            [
                L("sum.goals_met"),
                met_cell(met - pazos_met, total - pazos_total),
                L("unit.of", total=total - pazos_total),
            ],
            [L("sum.all_met"), met_cell(met, total, bold=True), L("unit.of", total=total)],
        ]

    def summary_sheet(self, sh: Sheet) -> None:
        """Page 1: the key figures and three charts. Page 2: the tables behind the charts,
        the optimization stages and the marginal value of money."""
        L, r = self.L, self.r
        sh.title(L("title.summary"), self.subtitle())
        cols3 = SUMMARY_COLUMNS
        key_header, _, key_last = sh.table(
            [
                Col(L("col.indicator"), cols3[0]),
                Col(L("col.value"), cols3[1]),
                Col(L("col.unit"), cols3[2]),
            ],
            self.key_figures(),
            freeze=True,
        )
        sh.fixed[4] = 2  # a gutter between the tables and the charts
        for col in SUMMARY_CHART_COLUMNS:
            sh.fixed[col] = 9
        sh.repeat = None
        # Why each cluster gets what it gets, in one sentence under the key figures.
        sh.row = key_last + 2
        sh.note(L.marginal_youth_sentence(top_marginal_clusters(r), self.s.scenario.currency))
        chart_rows = sh.row

        sh.row = max(sh.row, SUMMARY_SECOND_PAGE_ROW)
        sh.ws.row_breaks.append(Break(id=sh.row - 1))
        sh.section(L("title.components"))
        spend = self.component_spend()
        c_header, c_first, c_last = sh.table(
            [
                Col(L("col.component"), cols3[0]),
                Col(L("col.spend", currency=self.cur), cols3[1]),
                Col(L("col.share_of_spend"), cols3[2]),
            ],
            [
                [
                    L.component(c),
                    V(spend[c], MONEY),
                    V(spend[c] / r.spend if r.spend else 0.0, PERCENT),
                ]
                for c in COMPONENT_IDS
            ],
            total=[L("total"), V(r.spend, MONEY), V(1.0 if r.spend else 0.0, PERCENT)],
        )
        cov_title, cov_rows = self.coverage_rows()
        sh.section(cov_title)
        v_header, v_first, v_last = sh.table(
            [
                Col(L("col.cluster"), cols3[0], wrap=True),
                Col(L("col.coverage"), cols3[1], fmt=PERCENT),
                Col(L("col.youth"), cols3[2]),
            ],
            cov_rows,
        )
        dep_title, dep_rows = self.envelope_rows()
        sh.section(dep_title)
        d_header, d_first, d_last = sh.table(
            [
                Col(L("col.department"), cols3[0], wrap=True),
                Col(L("col.allocated", currency=self.cur), cols3[1], fmt=MONEY),
                Col(L("col.envelope", currency=self.cur), cols3[2], fmt=MONEY),
            ],
            dep_rows,
        )

        sh.section(L("title.stages"))
        sh.table(
            [
                Col(L("col.stage"), cols3[0]),
                Col(L("col.value"), cols3[1]),
                Col(L("col.meaning"), cols3[2], wrap=True),
            ],
            [
                self.stage_row(st.priority, st.final, st.objective, st.status, st.gap)
                for st in r.stages
            ],
        )
        sh.section(L("title.marginal"))
        if r.marginal_values:
            rows = []
            for m in r.marginal_values:
                source = (
                    L("marginal.total_budget.source")
                    if m.source == MoneySource.TOTAL_BUDGET
                    else m.name
                )
                # An entry that is not exact has no figures: its cell stays empty.
                youth = m.youth_reached
                rows.append(
                    [
                        source,
                        V(m.extra, MONEY),
                        V(None) if youth is None else V(youth, count_fmt(youth)),
                        L.marginal_sentence(m),
                    ]
                )
            # the sentence spans the gutter and the chart columns, empty on this page
            sh.table(
                [
                    Col(L("col.source"), cols3[0], wrap=True),
                    Col(L("col.extra", currency=self.cur), cols3[1]),
                    Col(L("col.extra_youth"), cols3[2]),
                    Col(L("col.sentence"), wrap=True, span=1 + len(SUMMARY_CHART_COLUMNS)),
                ],
                rows,
            )
        else:
            sh.note(L("marginal.none"))
        sh.scale = SUMMARY_PRINT_SCALE
        sh.ws.print_area = f"A1:{SUMMARY_LAST_COLUMN}{sh.row}"

        # Page 1: three charts around the key figures, drawn from the tables of page 2.
        ws = sh.ws
        charts = [
            (
                horizontal_bars(
                    L("chart.components", currency=self.cur),
                    ws,
                    (1, c_first, c_last),
                    (2, 2, c_header, c_last),
                    number_format=WHOLE,
                    width_cm=CHART_WIDTH_CM,
                    height_cm=7.2,
                    labels=True,
                ),
                f"{SUMMARY_CHART_COLUMN}{key_header}",
            ),
            (
                horizontal_bars(
                    cov_title,
                    ws,
                    (1, v_first, v_last),
                    (2, 2, v_header, v_last),
                    number_format=SHARE,
                    width_cm=15.4,
                    height_cm=11.5,
                    labels=True,
                    maximum=1.0,
                ),
                f"A{chart_rows}",
            ),
            (
                horizontal_bars(
                    dep_title,
                    ws,
                    (1, d_first, d_last),
                    (2, 3, d_header, d_last),
                    number_format=WHOLE,
                    width_cm=CHART_WIDTH_CM,
                    height_cm=11.5,
                ),
                f"{SUMMARY_CHART_COLUMN}{chart_rows}",
            ),
        ]
        for chart, anchor in charts:
            ws.add_chart(chart, anchor)

    def coverage_rows(self) -> tuple[str, list[list[Any]]]:
        """(title, rows) of coverage by cluster: every cluster, or, when there are too
        many to chart, the prioritized ones with the lowest coverage."""
        L, clusters = self.L, self.r.clusters
        if len(clusters) <= MAX_CHART_BARS:
            title = L("title.coverage")
        else:
            total = len(clusters)
            clusters = sorted((c for c in clusters if c.prioritized), key=lambda c: c.coverage)[
                :MAX_CHART_BARS
            ]
            title = L.agreeing("title.coverage.lowest", len(clusters), total=total)
        return title, [[c.name, c.coverage, V(c.youth_reached, WHOLE)] for c in clusters]

    def envelope_rows(self) -> tuple[str, list[list[Any]]]:
        """(title, rows) of spend against envelope: every department, or, when there are
        too many to chart, those with the largest envelopes."""
        L, deps = self.L, self.r.departments
        title = L("title.envelopes", currency=self.cur)
        if len(deps) > MAX_CHART_BARS:
            total = len(deps)
            deps = sorted(deps, key=lambda d: -(d.budget or d.spend))[:MAX_CHART_BARS]
            title = L("title.envelopes.largest", n=len(deps), total=total, currency=self.cur)
        return title, [[d.name, d.spend, d.budget] for d in deps]

    def stage_row(
        self,
        priority: int | None,
        final: str | None,
        value: float,
        status: StageStatus = StageStatus.OPTIMAL,
        gap: float | None = None,
    ) -> list[Any]:
        L = self.L
        name = L("stage.priority", priority=priority) if priority is not None else L("stage.final")
        # A stage that is not a proven optimum says so (a solve stopped by Ctrl-C or a limit).
        if status == StageStatus.NOT_RUN:
            name = L("stage.not_run", stage=name)
        elif status != StageStatus.OPTIMAL and gap is None:
            name = L("stage.feasible_no_gap", stage=name)
        elif status != StageStatus.OPTIMAL and gap is not None:
            digits = f"{gap * 100:.2g}" if gap < 0.01 else f"{gap * 100:.1f}"
            if L.lang == "es":
                digits = digits.replace(".", ",")
            name = L("stage.feasible", stage=name, gap=f"{digits} %")
        if priority is not None:
            return [name, V(value, GENERAL), L("stage.shortfall")]
        if final == Objective.MAXIMIZE_MIN_COVERAGE.value:
            return [name, V(value, PERCENT), L("stage.min_coverage")]
        if final == Objective.MAXIMIZE_WEIGHTED_REACH.value:
            return [name, V(value, count_fmt(value)), L("stage.reach")]
        return [name, V(value, MONEY), L("stage.spend", currency=self.cur)]
