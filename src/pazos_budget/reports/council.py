"""The council's "what if" workbooks: scenarios side by side (`write_comparison`) and the
budget frontier of one scenario (`write_frontier`).

The comparison workbook opens with a council summary that prints on one page (key
figures with their change against the base, two native bar charts, the five programmes
cut first), then spend by department, cluster and component (value per scenario and
change against the base), each target's status per scenario, what is cut first and the
scenarios' files. The frontier workbook holds a line chart of youth reached, weighted
coverage and targets met against the budget, and the table of every point (the points
an interruption left unsolved included, marked).

Figures come from `analysis.Comparison` / `analysis.frontier_rows`; tables use the
allocation workbook's conventions (`xlsx.Sheet`): every scenario string is text, never a
formula. Both workbooks are written with `files.write_atomic`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import Reference, ScatterChart, Series
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.utils import get_column_letter

from .. import __version__
from ..analysis import Comparison, PointStatus, Sweep, frontier_rows
from ..scenario import COMPONENT_IDS, PAZOS_OWNER
from ..tolerances import UNSHOWN_MONEY, ZERO
from .charts import SERIES_COLOURS, _text, _title, horizontal_bars
from .context import Book
from .labels import Labels
from .summary import met_cell
from .xlsx import (
    BAD_FILL,
    GOOD_FILL,
    MONEY,
    PER_YOUTH,
    PERCENT,
    WHOLE,
    Col,
    Sheet,
    V,
    save_workbook,
)

#: A change: its sign is the symbol that goes with the fill (colour-blind and grey print).
DELTA_MONEY = "+#,##0.0;-#,##0.0;0.0"
DELTA_COUNT = "+#,##0;-#,##0;0"
DELTA_PERCENT = "+0.0%;-0.0%;0.0%"
SHORTFALL = "0.000"
#: The council summary: programmes listed, chart size, and the print page it must fit.
TOP_CUTS = 5
CHART_HEIGHT_CM = 6.5
CHART_ROWS = 14  # rows of default height under a chart of CHART_HEIGHT_CM
#: Width of the value and change columns of the comparison tables.
VALUE_WIDTH = 13.0
EVERYTHING = 1_000_000


def nice_step(raw: float) -> float:
    """1, 2 or 5 times a power of ten, at least `raw`: axis steps a reader can follow."""
    if raw <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(raw))
    return float(next(m * power for m in (1, 2, 5, 10) if m * power >= raw))


def _delta(x: float, fmt: str = DELTA_MONEY, *, less_is_better: bool = False) -> V:
    """A change against the base: orange when money (or reach) is lost, blue when gained
    (`less_is_better`: the other way round, for money left unassigned)."""
    worse, better = (x > ZERO, x < -ZERO) if less_is_better else (x < -ZERO, x > ZERO)
    fill = BAD_FILL if worse else GOOD_FILL if better else None
    return V(0.0 if abs(x) < ZERO else x, fmt, fill=fill)


def delta_points(L: Labels) -> str:
    """The format of a change of a percentage, in percentage points ("+1,2 p. p."): a
    change "-2,5 %" of a coverage of 74,6 % read as a relative fall of 2,5 %."""
    unit = L("unit.points")
    return f'+0.0" {unit}";-0.0" {unit}";0.0" {unit}"'


# --------------------------------------------------------------------------- comparison
class ComparisonBuilder(Book):
    def __init__(self, comparison: Comparison, lang: str, run_at: datetime) -> None:
        base = comparison.base.scenario
        # Components named as the scenarios name them (the base's, then what a variant
        # names), as the allocation workbook and the deck do; the built-in names otherwise.
        components: dict[str, str] = {}
        for r in comparison.results:
            for cid, name in r.scenario.given_component_names().items():
                components.setdefault(cid, name)
        super().__init__(lang, base.scenario.currency, run_at, components)
        self.c = comparison
        #: How the workbook names each scenario: its id, or (a plan and its alternatives)
        #: "Plan", "Alternativa 1" ... in the workbook's language.
        self.ids = comparison.shown(self.L.lang)
        # Display names: the base's, then what a variant added.
        self.names: dict[str, dict[str, str]] = {
            "department": {},
            "cluster": {},
            "programme": {},
            "target": {},
        }
        self.programme_dept: dict[str, str] = {}
        self.prioritized: dict[str, bool] = {}
        for r in comparison.results:
            s = r.scenario
            for d in s.departments:
                self.names["department"].setdefault(d.id, d.name)
            for c in s.clusters:
                self.names["cluster"].setdefault(c.id, c.name)
                self.prioritized.setdefault(c.id, c.prioritized)
            for p in s.programmes:
                self.names["programme"].setdefault(p.id, p.name)
                self.programme_dept.setdefault(p.id, p.department)
            for _, t in s.all_targets():
                self.names["target"].setdefault(t.id, t.name or t.id)
        self.names["component"] = {c: self.L.component(c) for c in COMPONENT_IDS}

    def build(self) -> Workbook:
        L = self.L
        self.council_sheet(self.new_sheet(L("sheet.council")))
        for key in ("department", "cluster", "component"):
            self.spend_sheet(self.new_sheet(L(f"sheet.cmp.{key}s")), key)
        self.targets_sheet(self.new_sheet(L("sheet.cmp.targets")))
        self.cuts_sheet(self.new_sheet(L("sheet.cmp.cuts")))
        self.trace_sheet(self.new_sheet(L("sheet.cmp.scenarios")))
        base = self.c.base.scenario.scenario
        wb = self.finish(
            L("cmp.footer", id=base.id, version=__version__, when=self.when),
        )
        # The council summary is one printed page, whatever the number of scenarios.
        first = self.sheets[0].ws
        first.page_setup.fitToHeight = 1
        first.print_title_rows = None
        return wb

    def subtitle(self) -> str:
        base = self.c.base.scenario.scenario
        n = len(self.ids) - 1
        return self.L(
            "title.council.sub.one" if n == 1 else "title.council.sub",
            name=base.name,
            id=base.id,
            n=n,
            when=self.when,
        )

    def value_cols(self, fmt: str | None = None) -> list[Col]:
        """Base value, then each variant's value and its change against the base."""
        L = self.L
        cols = [Col(L("col.base", id=self.ids[0]), VALUE_WIDTH, wrap=True, fmt=fmt)]
        for ident in self.ids[1:]:
            cols.append(Col(ident, VALUE_WIDTH, wrap=True, fmt=fmt))
            cols.append(Col(L("col.delta", id=ident), VALUE_WIDTH, wrap=True))
        return cols

    @staticmethod
    def value_cells(
        values: Sequence[float],
        fmt: str,
        delta_fmt: str,
        *,
        factor: float = 1.0,
        less_is_better: bool = False,
    ) -> list[Any]:
        """The base value, then each variant's and its change (times `factor`)."""
        cells: list[Any] = [V(values[0], fmt)]
        for v in values[1:]:
            change = (v - values[0]) * factor
            cells += [V(v, fmt), _delta(change, delta_fmt, less_is_better=less_is_better)]
        return cells

    # ----------------------------------------------------------------- 1. council summary
    def key_rows(self) -> list[list[Any]]:
        L, cur = self.L, self.cur
        figures = self.c.key_figures()
        youth = L("unit.youth")

        def row(label: str, unit: str, key: str, fmt: str, delta_fmt: str, **how: Any) -> list[Any]:
            values = [float(f[key]) for f in figures]
            return [label, unit, *self.value_cells(values, fmt, delta_fmt, **how)]

        rows = [
            row(L("sum.budget"), cur, "budget", MONEY, DELTA_MONEY),
            row(L("sum.spend"), cur, "spend", MONEY, DELTA_MONEY),
            row(L("sum.unspent"), cur, "unspent", MONEY, DELTA_MONEY, less_is_better=True),
            row(L("sum.youth"), youth, "youth_reached", WHOLE, DELTA_COUNT),
            row(
                L("sum.participations"),
                L("unit.participations"),
                "participations",
                WHOLE,
                DELTA_COUNT,
            ),
            row(L("sum.weighted"), L("unit.weighted"), "weighted_coverage", WHOLE, DELTA_COUNT),
            # its change in percentage points (a cell of points, as it reads)
            row(
                L("sum.coverage"),
                "",
                "prioritized_coverage",
                PERCENT,
                delta_points(L),
                factor=100.0,
            ),
        ]
        met: list[Any] = [L("sum.all_met"), ""]
        base_met = int(figures[0]["targets_met"])
        for k, f in enumerate(figures):
            m, t = int(f["targets_met"]), int(f["targets_total"])
            met.append(met_cell(m, t))
            if k:
                met.append(_delta(float(m - base_met), DELTA_COUNT))
        rows.append(met)
        total: list[Any] = [L("col.targets_total"), ""]
        for k, f in enumerate(figures):
            total.append(V(int(f["targets_total"]), WHOLE))
            if k:
                total.append(None)
        rows.append(total)
        return rows

    def council_sheet(self, sh: Sheet) -> None:
        L, cur = self.L, self.cur
        sh.title(L("title.council"), self.subtitle())
        sh.section(L("title.cmp.key"))
        sh.table(
            [Col(L("col.indicator"), 34, wrap=True), Col(L("col.unit"), 16, wrap=True)]
            + self.value_cols(),
            self.key_rows(),
            freeze=True,
        )
        sh.note(L("note.cmp.deltas"))

        # The chart data: one row per scenario (id, name, figures), read by the charts.
        sh.section(L("title.cmp.scenarios"))
        rows = []
        for ident, r in zip(self.ids, self.c.results, strict=True):
            met, total = r.targets_met()
            rows.append(
                [
                    ident,
                    r.scenario.scenario.name,
                    V(r.youth_reached, WHOLE),
                    V(r.spend, MONEY),
                    met_cell(met, total),
                ]
            )
        header, first, last = sh.table(
            [
                Col(L("col.scenario"), 34, wrap=True),
                Col(L("col.name"), wrap=True, span=3),
                Col(L("col.youth"), VALUE_WIDTH, fmt=WHOLE),
                Col(L("col.spend", currency=cur), VALUE_WIDTH, fmt=MONEY, wrap=True),
                Col(L("col.targets_met"), VALUE_WIDTH),
            ],
            rows,
        )
        # the name spans three columns: the figures are in the 5th and 6th
        youth_col, spend_col = 5, 6
        chart_row = sh.row
        height = max(CHART_HEIGHT_CM, 1.2 + 0.9 * len(self.ids))
        youth = horizontal_bars(
            L("chart.cmp.youth"),
            sh.ws,
            (1, first, last),
            (youth_col, youth_col, header, last),
            number_format=WHOLE,
            width_cm=12.5,
            height_cm=height,
            labels=True,
        )
        spend = horizontal_bars(
            L("chart.cmp.spend", currency=cur),
            sh.ws,
            (1, first, last),
            (spend_col, spend_col, header, last),
            number_format=WHOLE,
            width_cm=12.5,
            height_cm=height,
            labels=True,
        )
        for chart, values in (
            (youth, [r.youth_reached for r in self.c.results]),
            (spend, [r.spend for r in self.c.results]),
        ):
            chart.y_axis.majorUnit = nice_step(max(values, default=0.0) / 4)
        sh.ws.add_chart(youth, f"A{chart_row}")
        sh.ws.add_chart(spend, f"{get_column_letter(self.second_chart_col())}{chart_row}")
        sh.row = chart_row + round(CHART_ROWS * height / CHART_HEIGHT_CM) + 1

        cuts = self.c.cut_first("programme", TOP_CUTS)
        sh.section(L("title.cmp.top_cuts", n=TOP_CUTS))
        if cuts:
            sh.table(
                self.cut_cols("programme", compact=True),
                [self.cut_row("programme", c) for c in cuts],
            )
        else:
            sh.note(L("note.cmp.no_cuts"))
        sh.repeat = None

    def second_chart_col(self) -> int:
        """The first column right of the first chart (12.5 cm: about 66 width units)."""
        widths = [34.0, 16.0] + [VALUE_WIDTH] * (2 * len(self.ids) - 1)
        used = 0.0
        for col, w in enumerate(widths, start=1):
            if used >= 68:
                return col
            used += w
        return len(widths) + 1

    # ----------------------------------------------------------------- 2-4. spend by ...
    def spend_sheet(self, sh: Sheet, key: str) -> None:
        L = self.L
        sh.title(L(f"title.cmp.{key}s", currency=self.cur), self.subtitle())
        sh.note(L("note.cmp.deltas"))
        rows_data = self.c.spend_by(key)
        if key == "component":  # the five components in their usual order
            order = {c: k for k, c in enumerate(COMPONENT_IDS)}
            rows_data.sort(key=lambda row: order.get(row["id"], len(order)))
        label = {"department": "col.department", "cluster": "col.cluster"}.get(key, "col.component")
        names = self.names[key]
        cols = [Col(L(label), 40, wrap=True)]
        if key == "cluster":
            cols.append(Col(L("col.prioritized"), 11))
        cols += self.value_cols(MONEY)
        rows = []
        for row in rows_data:
            head: list[Any] = [names.get(row["id"], row["id"])]
            if key == "cluster":
                head.append(L.yes_no(self.prioritized.get(row["id"], False)))
            rows.append(head + self.value_cells(row["spend"], MONEY, DELTA_MONEY))
        n = len(self.ids)
        sums = [sum(row["spend"][k] for row in rows_data) for k in range(n)]
        if key == "cluster":
            # City-wide programmes and fixed costs are in no cluster: their row makes the
            # total the scenario's spend, as on the solve workbook's clusters sheet.
            elsewhere = [r.spend - sums[k] for k, r in enumerate(self.c.results)]
            if any(abs(x) > UNSHOWN_MONEY for x in elsewhere):
                rows.append(
                    [L("no_cluster_row"), ""] + self.value_cells(elsewhere, MONEY, DELTA_MONEY)
                )
                sums = [r.spend for r in self.c.results]
        total: list[Any] = [L("total")] + ([None] if key == "cluster" else [])
        total += self.value_cells(sums, MONEY, DELTA_MONEY)
        sh.table(cols, rows, freeze=True, total=total)

    # ----------------------------------------------------------------- 5. targets
    def targets_sheet(self, sh: Sheet) -> None:
        L = self.L
        sh.title(L("title.cmp.targets"), self.subtitle())
        cols = [
            Col(L("col.target"), 18, wrap=True),
            Col(L("col.name"), 40, wrap=True),
            Col(L("col.owner"), 24, wrap=True),
            Col(L("col.priority"), 9),
            Col(L("col.hard"), 11),
            Col(L("col.base", id=self.ids[0]), 15, wrap=True),
            *[Col(ident, 15, wrap=True) for ident in self.ids[1:]],
        ]
        rows = []
        for t in self.c.target_status():
            owner = (
                L("owner.pazos")
                if t["owner"] == PAZOS_OWNER
                else self.names["department"].get(t["owner"], t["owner"])
            )
            cells: list[Any] = [
                t["id"],
                self.names["target"].get(t["id"], t["id"]),
                owner,
                V(t["priority"], WHOLE),
                L.hard(bool(t["hard"])),
            ]
            for met in t["met"]:
                if met is None:
                    cells.append(V(L("cmp.absent"), muted=True))
                else:
                    cells.append(V(L.met(met), fill=GOOD_FILL if met else BAD_FILL))
            rows.append(cells)
        sh.table(cols, rows, freeze=True, autofilter=True)

    # ----------------------------------------------------------------- 6. cut first
    def cut_cols(self, key: str, *, compact: bool = False) -> list[Col]:
        """Columns of a "cut first" table; `compact` lines it up on the council summary's
        grid (name and unit columns, then value columns)."""
        L, cur = self.L, self.cur
        name = L("col.programme" if key == "programme" else "col.cluster")
        cols = [Col(name, 34 if compact else 40, wrap=True)]
        if key == "programme":
            cols.append(Col(L("col.department"), 16 if compact else 30, wrap=True))
        return cols + [
            Col(L("col.base_spend", currency=cur), VALUE_WIDTH, wrap=True, fmt=MONEY),
            Col(L("col.largest_cut", currency=cur), VALUE_WIDTH, wrap=True),
            Col(L("col.delta_pct"), VALUE_WIDTH, wrap=True),
            Col(L("col.cut_in"), None, wrap=True, span=2)
            if compact
            else Col(L("col.cut_in"), 30, wrap=True),
        ]

    def cut_row(self, key: str, cut: dict[str, Any]) -> list[Any]:
        ident = str(cut["id"])
        spend: list[float] = cut["spend"]
        worst = min(range(1, len(spend)), key=lambda k: spend[k] - spend[0])
        cells: list[Any] = [self.names[key].get(ident, ident)]
        if key == "programme":
            dept = self.programme_dept.get(ident, "")
            cells.append(self.names["department"].get(dept, dept))
        loss = float(cut["largest_cut"])
        base = float(cut["base"])
        return cells + [
            base,
            _delta(loss),
            _delta(loss / base, DELTA_PERCENT) if base > 0 else None,
            self.ids[worst],
        ]

    def cuts_sheet(self, sh: Sheet) -> None:
        L = self.L
        sh.title(L("title.cmp.cuts"), self.subtitle())
        sh.note(L("note.cmp.cuts"))
        for key, title in (
            ("programme", "title.cmp.cuts.programmes"),
            ("cluster", "title.cmp.cuts.clusters"),
        ):
            sh.section(L(title))
            cuts = self.c.cut_first(key, EVERYTHING)
            if cuts:
                sh.table(self.cut_cols(key), [self.cut_row(key, c) for c in cuts])
            else:
                sh.note(L("note.cmp.no_cuts"))
        sh.freeze_title()
        sh.paginate()  # a heading never ends a printed page

    # ----------------------------------------------------------------- 7. files
    def trace_sheet(self, sh: Sheet) -> None:
        L = self.L
        sh.title(L("title.cmp.trace"), self.subtitle())
        rows = []
        for ident, r in zip(self.ids, self.c.results, strict=True):
            rows.append(
                [
                    ident,
                    r.scenario.scenario.name,
                    r.scenario_path,
                    r.sha256,
                    r.solver,
                    L.status(r.status.value),
                    V(r.seconds, "0.00"),
                ]
            )
        sh.table(
            [
                Col(L("col.scenario"), 26, wrap=True),
                Col(L("col.name"), 40, wrap=True),
                Col(L("col.file"), 36, wrap=True),
                Col(L("col.sha256"), 34, wrap=True),
                Col(L("sc.solver"), 10),
                Col(L("col.status"), 22, wrap=True),
                Col(L("col.seconds"), 10),
            ],
            rows,
            freeze=True,
        )


def build_comparison(
    comparison: Comparison, *, lang: str, run_at: datetime | None = None
) -> Workbook:
    """The comparison workbook, in memory."""
    return ComparisonBuilder(comparison, lang, run_at or datetime.now().astimezone()).build()


def write_comparison(
    comparison: Comparison,
    path: str | Path,
    *,
    lang: str,
    inputs: Iterable[str | Path] = (),
    run_at: datetime | None = None,
) -> None:
    """Write the comparison workbook to `path`: atomically, and never over an input."""
    save_workbook(lambda: build_comparison(comparison, lang=lang, run_at=run_at), path, inputs)


# --------------------------------------------------------------------------- frontier
class FrontierBuilder(Book):
    def __init__(self, sw: Sweep, lang: str, run_at: datetime) -> None:
        super().__init__(lang, sw.scenario.scenario.currency, run_at)
        self.sw = sw
        self.rows = frontier_rows(sw)
        self.priorities = sorted({t.priority for _, t in sw.scenario.all_targets() if not t.hard})

    def build(self) -> Workbook:
        L = self.L
        chart_sheet = self.new_sheet(L("sheet.frontier.chart"))
        table_sheet = self.new_sheet(L("sheet.frontier.table"))
        header, first, last = self.table_sheet(table_sheet)
        self.chart_sheet(chart_sheet, table_sheet, header, first, last)
        s = self.sw.scenario.scenario
        wb = self.finish(L("frontier.footer", id=s.id, version=__version__, when=self.when))
        chart_sheet.ws.page_setup.fitToHeight = 1
        return wb

    def subtitle(self) -> str:
        L, s = self.L, self.sw.scenario.scenario
        points = self.sw.points
        if points and points[0].scale is not None:
            return L(
                "title.frontier.sub.scale",
                name=s.name,
                id=s.id,
                start=L.num(points[0].scale or 0.0, 2),
                stop=L.num(points[-1].scale or 0.0, 2),
                when=self.when,
            )
        return L(
            "title.frontier.sub.total",
            name=s.name,
            id=s.id,
            start=L.money(points[0].budget if points else 0.0),
            stop=L.money(points[-1].budget if points else 0.0),
            currency=self.cur,
            when=self.when,
        )

    def status_line(self) -> tuple[str, bool]:
        solved, total = len(self.sw.solved()), len(self.sw.points)
        if self.sw.interrupted:
            return self.L("frontier.interrupted", solved=solved, total=total), True
        return self.L("frontier.complete", solved=solved, total=total), False

    def table_sheet(self, sh: Sheet) -> tuple[int, int, int]:
        L, cur = self.L, self.cur
        sh.title(L("title.frontier"), self.subtitle())
        text, interrupted = self.status_line()
        if interrupted:
            sh.styles.apply(sh.ws.cell(row=sh.row, column=1, value=text), fill=BAD_FILL)
            sh.row += 1
        sh.note(L("frontier.note"))
        scaled = bool(self.sw.points) and self.sw.points[0].scale is not None
        cols = [Col(L("col.budget", currency=cur), 14, fmt=MONEY, wrap=True)]
        if scaled:
            cols.append(Col(L("col.scale"), 14, fmt="0.00", wrap=True))
        cols += [
            Col(L("col.status"), 22, wrap=True),
            Col(L("col.spend", currency=cur), 14, fmt=MONEY, wrap=True),
            Col(L("col.youth"), 13, fmt=WHOLE, wrap=True),
            Col(L("col.weighted"), 13, fmt=WHOLE, wrap=True),
            Col(L("col.prioritized_coverage"), 14, fmt=PERCENT, wrap=True),
            Col(L("col.targets_met"), 11, wrap=True),
            Col(L("col.targets_total"), 9, fmt=WHOLE, wrap=True),
            *[
                Col(L("col.shortfall_priority", priority=p), 12, fmt=SHORTFALL, wrap=True)
                for p in self.priorities
            ],
            Col(L("col.extra_youth_per_unit", currency=cur), 16, fmt=PER_YOUTH, wrap=True),
            Col(L("col.error"), 40, wrap=True),
        ]
        rows = []
        for row in self.rows:
            cells: list[Any] = [float(row.budget)]
            if scaled:
                cells.append(row.scale)
            f = row.figures
            if f is None:
                failed = row.status != PointStatus.NOT_SOLVED
                detail = row.error or ""
                status = L("status.not_solved")
                if failed:
                    infeasible = row.status == PointStatus.INFEASIBLE
                    status = L("status.infeasible" if infeasible else "status.failed")
                    # the library's message starts with the scenario's path, said above
                    head, sep, rest = detail.partition(": ")
                    if sep and head.endswith((".yaml", ".yml")):
                        detail = rest
                cells.append(V(status, fill=BAD_FILL if failed else None, muted=not failed))
                cells += [None] * (len(cols) - len(cells) - 1)
                cells.append(V(detail, muted=True) if failed else None)
                rows.append(cells)
                continue
            cells += [
                L.status(f.status.value),
                f.spend,
                f.youth_reached,
                f.weighted_coverage,
                f.prioritized_coverage,
                met_cell(f.targets_met, f.targets_total),
                f.targets_total,
                *[f.shortfalls.get(p, 0.0) for p in self.priorities],
                f.youth_per_unit,
                None,
            ]
            rows.append(cells)
        self.youth_col = 5 if scaled else 4
        return sh.table(cols, rows, freeze=True, autofilter=True)

    def chart_sheet(self, sh: Sheet, data: Sheet, header: int, first: int, last: int) -> None:
        L, cur = self.L, self.cur
        sh.title(L("title.frontier"), self.subtitle())
        text, interrupted = self.status_line()
        if interrupted:
            sh.styles.apply(sh.ws.cell(row=sh.row, column=1, value=text), fill=BAD_FILL)
            sh.row += 2
        else:
            sh.note(text)
        for col in range(1, 21):
            sh.fixed[col] = 9
        sh.repeat = None
        youth, weighted, met = self.youth_col, self.youth_col + 1, self.youth_col + 3
        totals = [row.figures.targets_total for row in self.rows if row.figures is not None]
        charts = [
            (L("chart.frontier.youth"), youth, None),
            (L("chart.frontier.weighted"), weighted, None),
            (L("chart.frontier.targets"), met, float(max(totals, default=0)) or None),
        ]
        anchors = [f"A{sh.row}", f"K{sh.row}", f"A{sh.row + 22}"]
        if last < first:  # no point at all: nothing to draw
            return
        for (title, col, maximum), anchor in zip(charts, anchors, strict=True):
            chart = line_chart(
                title,
                data.ws,
                x=(1, first, last),
                y=(col, header, last),
                x_title=L("axis.budget", currency=cur),
                number_format=WHOLE,
                maximum=maximum,
            )
            sh.ws.add_chart(chart, anchor)


def line_chart(
    title: str,
    data: Any,
    *,
    x: tuple[int, int, int],
    y: tuple[int, int, int],
    x_title: str,
    number_format: str,
    maximum: float | None = None,
) -> ScatterChart:
    """A line with markers of one column against the budget column (a scatter chart, so
    that the budget axis is numeric and an unsolved point is a gap, not a zero)."""
    chart = ScatterChart()
    chart.title = _title(title)
    chart.style = 13
    col, first, last = x
    xs = Reference(data, min_col=col, min_row=first, max_row=last)
    ycol, header, ylast = y
    ys = Reference(data, min_col=ycol, min_row=header, max_row=ylast)
    series = Series(ys, xs, title_from_data=True)
    colour = SERIES_COLOURS[0]
    series.graphicalProperties = GraphicalProperties()
    series.graphicalProperties.line.solidFill = colour
    series.graphicalProperties.line.width = 28575  # 2.25 pt
    series.marker.symbol = "circle"
    series.marker.size = 6
    series.marker.graphicalProperties = GraphicalProperties(solidFill=colour)
    series.marker.graphicalProperties.line.solidFill = colour
    series.smooth = False
    chart.series.append(series)
    chart.legend = None
    chart.x_axis.title = _title(x_title)
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.x_axis.txPr = _text(800)
    chart.y_axis.txPr = _text(800)
    chart.x_axis.number_format = WHOLE
    chart.y_axis.number_format = number_format
    chart.x_axis.majorGridlines = None
    chart.y_axis.scaling.min = 0
    if maximum is not None:
        chart.y_axis.scaling.max = maximum
    chart.width, chart.height = 16.5, 10.0
    return chart


def build_frontier(sw: Sweep, *, lang: str, run_at: datetime | None = None) -> Workbook:
    """The frontier workbook, in memory."""
    return FrontierBuilder(sw, lang, run_at or datetime.now().astimezone()).build()


def write_frontier(
    sw: Sweep,
    path: str | Path,
    *,
    lang: str,
    inputs: Iterable[str | Path] = (),
    run_at: datetime | None = None,
) -> None:
    """Write the frontier workbook to `path`: atomically, and never over an input."""
    save_workbook(lambda: build_frontier(sw, lang=lang, run_at=run_at), path, inputs)
