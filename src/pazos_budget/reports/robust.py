"""The robustness workbook of `robust`: how the plan holds up in sampled worlds.

The first sheet prints on one page: the key figures (youth and spend of the plan held,
the best plan of each world, percentiles), the share of worlds in which a hard target
fails, each target's probability of being met (the plan held and each world's best
plan) with a native bar chart of those probabilities. The second sheet lists every world.
Figures come from `robust.robust_json`, so the workbook and the JSON say the same.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from openpyxl import Workbook

from .. import __version__
from ..robust import Robust, robust_json
from ..sheets import put
from .charts import horizontal_bars
from .context import Book
from .xlsx import (
    BAD_FILL,
    CHARS_PER_WIDTH,
    DECIMAL,
    GOOD_FILL,
    MID_FILL,
    PERCENT,
    SUBTITLE,
    WHOLE,
    WRAP_TOP,
    Col,
    Sheet,
    V,
)

#: Shortfalls are relative (0.25 = a quarter short of the required amount).
SHORTFALL = "0.0%"
#: A probability this high reads as "safe", this low as "at risk" (cell colours only).
LIKELY = 0.9
UNLIKELY = 0.5
#: Columns the method note spans (the width of the targets table).
NOTE_SPAN = 8
#: The chart's height: per target, and at most what a landscape page holds under a title.
CHART_CM_PER_TARGET = 0.55
CHART_MAX_CM = 16.5
#: What of the chart's height is not its bars (title, value axis, legend).
CHART_FRAME_CM = 3.0
#: The least height a target's bars may take for its label to be written beside them
#: (a 7-point label and a gap): with more targets, the table beside has the figures.
LABEL_SLOT_CM = 0.35
#: Columns of width 9 under the chart (24 cm) and its title.
CHART_COLUMNS = 16


def _probability(p: float | None) -> V:
    if p is None:
        return V(None)
    fill = GOOD_FILL if p >= LIKELY else BAD_FILL if p < UNLIKELY else MID_FILL
    return V(p, PERCENT, fill=fill)


class RobustBuilder(Book):
    def __init__(self, r: Robust, lang: str, run_at: datetime) -> None:
        super().__init__(lang, r.loaded.scenario.scenario.currency, run_at)
        self.r = r
        self.doc = robust_json(r)

    def build(self) -> Workbook:
        L = self.L
        table = self.summary_sheet(self.new_sheet(L("sheet.robust")))
        self.worlds_sheet(self.new_sheet(L("sheet.robust.worlds")))
        chart = self.new_sheet(L("sheet.robust.chart"))
        self.chart_sheet(chart, self.sheets[0], *table)
        # The chart opens the workbook (as the frontier's does); its data stays in the table.
        self.wb.move_sheet(chart.ws, offset=-(len(self.wb.sheetnames) - 1))
        self.wb.active = 0
        s = self.r.loaded.scenario.scenario
        return self.finish(
            L("robust.footer", id=s.id, seed=self.r.seed, version=__version__, when=self.when)
        )

    def subtitle(self) -> str:
        L, r = self.L, self.r
        s = r.loaded.scenario.scenario
        f = r.factor
        return L(
            "title.robust.sub",
            name=s.name,
            id=s.id,
            samples=L.count(r.samples),
            seed=r.seed,
            low=L.num(f.low, 2),
            high=L.num(f.high, 2),
            value=L.num(f.value, 2),
            when=self.when,
        )

    def head(self, sh: Sheet, *, short: bool = False) -> None:
        L, r = self.L, self.r
        s = r.loaded.scenario.scenario
        brief = L(
            "title.robust.sub.short", name=s.name, id=s.id, samples=L.count(r.samples), seed=r.seed
        )
        sh.title(L("title.robust"), brief if short else self.subtitle())
        if r.interrupted:
            text = L("robust.interrupted", done=len(r.worlds), samples=r.samples)
            sh.styles.apply(sh.ws.cell(row=sh.row, column=1, value=text), fill=BAD_FILL)
            sh.row += 2

    def summary_sheet(self, sh: Sheet) -> tuple[int, int, int]:
        L, doc = self.L, self.doc
        self.head(sh, short=True)  # the chart sheet, first, says it all
        note = L("robust.note")
        sh.styles.apply(put(sh.ws, sh.row, 1, note), font=SUBTITLE, alignment=WRAP_TOP)
        sh.ws.merge_cells(start_row=sh.row, start_column=1, end_row=sh.row, end_column=NOTE_SPAN)
        sh.wrapped.setdefault(sh.row, []).append((1, NOTE_SPAN, note, CHARS_PER_WIDTH))
        sh.row += 2
        sh.section(L("robust.key"))
        best = doc["best_per_world"]

        def row(label: str, d: dict[str, Any], fmt: str, plan: float | None) -> list[Any]:
            return [label, V(plan, fmt), *(V(d[f"p{q}"], fmt) for q in (5, 50, 95))]

        cols = [
            Col(L("robust.col.figure"), 46, wrap=True),
            Col(L("robust.col.plan"), 14, wrap=True),
            Col(L("robust.col.p5"), 13, wrap=True),
            Col(L("robust.col.p50"), 13, wrap=True),
            Col(L("robust.col.p95"), 13, wrap=True),
        ]
        money = "#,##0.0"
        sh.table(
            cols,
            [
                row(
                    L("robust.row.youth"), doc["youth_reached"], WHOLE, doc["youth_reached"]["plan"]
                ),
                row(
                    L("robust.row.spend", currency=self.cur),
                    doc["spend"],
                    money,
                    doc["spend"]["plan"],
                ),
                row(L("robust.row.best_youth"), best["youth_reached"], WHOLE, None),
                row(L("robust.row.gain"), best["youth_gain"], WHOLE, None),
            ],
        )
        share = doc["hard_target_failure_share"]
        if share is not None:
            percent = L.num(share * 100, 1) + (" %" if L.lang == "es" else "%")
            text = L("robust.hard_fail", share=percent)
            sh.styles.apply(
                sh.ws.cell(row=sh.row - 1, column=1, value=text),
                fill=BAD_FILL if share > 0 else GOOD_FILL,
            )
            sh.row += 1
        if best["infeasible"]:
            sh.text(L.agreeing("robust.infeasible", best["infeasible"]), skip=2)
        sh.section(L("robust.targets"))
        tcols = [
            Col(L("robust.col.target"), 46, wrap=True),
            Col(L("robust.col.owner"), 14, wrap=True),
            Col(L("robust.col.hard"), 13, wrap=True),
            Col(L("robust.col.in_plan"), 13, wrap=True),
            Col(L("robust.col.probability"), 13, wrap=True),
            Col(L("robust.col.best_probability"), 13, wrap=True),
            Col(L("robust.col.shortfall_p50"), 12, wrap=True),
            Col(L("robust.col.shortfall_p95"), 12, wrap=True),
        ]
        owners = {d.id: d.name for d in self.r.loaded.scenario.departments}
        owners["pazos"] = L("owner.pazos")
        rows = []
        for t in doc["targets"]:
            rows.append(
                [
                    t["name"],
                    owners.get(t["owner"], t["owner"]),
                    L.yes_no(t["hard"]),
                    V(L.met(t["met_in_plan"]), fill=GOOD_FILL if t["met_in_plan"] else BAD_FILL),
                    _probability(t["probability_met"]),
                    _probability(t["best_probability_met"]),
                    V(t["shortfall"]["p50"], SHORTFALL),
                    V(t["shortfall"]["p95"], SHORTFALL),
                ]
            )
        return sh.table(tcols, rows)

    def chart_sheet(self, sh: Sheet, data: Sheet, header: int, first: int, last: int) -> None:
        """How likely each target is to be met, the plan held beside each world's best
        plan: one bar each, drawn from the targets table."""
        L = self.L
        for col in range(1, CHART_COLUMNS + 1):  # the page is as wide as the chart
            sh.fixed[col] = 9
        self.head(sh)
        # The full subtitle is wider than the chart: wrapped over the chart's columns, so
        # that the printed page shows all of it (it ran off the page's edge).
        row = sh.title_rows
        subtitle = sh.ws.cell(row=row, column=1)
        sh.styles.apply(subtitle, font=SUBTITLE, alignment=WRAP_TOP)
        sh.ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=CHART_COLUMNS)
        sh.wrapped.setdefault(row, []).append(
            (1, CHART_COLUMNS, str(subtitle.value), CHARS_PER_WIDTH)
        )
        sh.repeat = None
        if last < first:  # no target at all: nothing to draw
            return
        targets = last - first + 1
        height = min(CHART_MAX_CM, max(6.0, CHART_CM_PER_TARGET * targets + CHART_FRAME_CM))
        chart = horizontal_bars(
            L("robust.chart"),
            data.ws,
            categories=(1, first, last),
            values=(5, 6, header, last),
            number_format="0%",
            width_cm=24.0,
            height_cm=height,
            labels=(height - CHART_FRAME_CM) / targets >= LABEL_SLOT_CM,
            maximum=1.0,
        )
        sh.ws.add_chart(chart, f"A{sh.row}")

    def worlds_sheet(self, sh: Sheet) -> None:
        L = self.L
        self.head(sh, short=True)
        sh.section(L("robust.worlds"))
        cols = [
            Col(L("robust.col.world"), 9, fmt=WHOLE),
            Col(L("robust.col.cost_factor"), 11, fmt=DECIMAL, wrap=True),
            Col(L("robust.col.spend", currency=self.cur), 14, fmt="#,##0.0", wrap=True),
            Col(L("robust.col.youth"), 13, fmt=WHOLE, wrap=True),
            Col(L("robust.col.targets_met"), 10, fmt=WHOLE, wrap=True),
            Col(L("robust.col.hard_failed"), 12, wrap=True),
            Col(L("robust.col.best_status"), 22, wrap=True),
            Col(L("robust.col.best_youth"), 13, fmt=WHOLE, wrap=True),
        ]
        rows = []
        for w in self.doc["worlds"]:
            failed = w["hard_failed"]
            rows.append(
                [
                    w["index"] + 1,
                    w["cost_factor"],
                    w["spend"],
                    w["youth_reached"],
                    w["targets_met"],
                    V(L.yes_no(failed), fill=BAD_FILL if failed else None),
                    L.status(w["best_status"]),
                    w["best_youth_reached"],
                ]
            )
        sh.table(cols, rows, freeze=True, autofilter=True)


def build_robust(r: Robust, *, lang: str, run_at: datetime | None = None) -> Workbook:
    """The robustness workbook, in memory."""
    return RobustBuilder(r, lang, run_at or datetime.now().astimezone()).build()
