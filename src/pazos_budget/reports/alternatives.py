"""The alternatives sheet: the plan beside its near-optimal alternatives (`solve
--alternatives`), per department and per cluster, and which (programme, cluster)
decisions are the same in all of them ("decisiones robustas") and which a free choice.

Figures come from `alternatives.Alternatives` (each alternative a verified `Result`);
the sheet goes right after the summary of the plan's own workbook.
"""

from __future__ import annotations

import textwrap
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from ..alternatives import (
    FREE,
    FUNDED_IN_ALL,
    SAME,
    Alternatives,
    decisions,
    spend_table,
)
from ..result import Result
from ..tolerances import EXACT_DECIMAL, SAME_SPEND
from .excel import WorkbookBuilder
from .labels import Labels
from .summary import met_cell
from .xlsx import (
    BOLD,
    GOOD_FILL,
    MID_FILL,
    MONEY,
    PERCENT,
    SUBTITLE,
    WHOLE,
    Col,
    Sheet,
    V,
    count_fmt,
    sheet_name,
)

#: How each kind of decision is shown: its label key and fill.
DECISION_STYLE = {
    SAME: ("alt.decision.same", GOOD_FILL),
    FUNDED_IN_ALL: ("alt.decision.funded_in_all", GOOD_FILL),
    FREE: ("alt.decision.free", MID_FILL),
}


class AlternativesSheet(WorkbookBuilder):
    """The plan's workbook builder, with the alternatives sheet."""

    def __init__(self, alts: Alternatives, lang: str, run_at: datetime) -> None:
        super().__init__(alts.plan, lang, run_at)
        self.alts = alts

    def build(self) -> Workbook:
        wb = super().build()
        sh = self.new_sheet(sheet_name(self.L("sheet.alternatives"), wb.sheetnames))
        self.alternatives_sheet(sh)
        sh.finish(self.footer(), self.L("page"))
        wb.move_sheet(sh.ws, offset=-(len(wb.sheetnames) - 2))  # right after the summary
        return wb

    # ----------------------------------------------------------------- layout
    def plan_names(self) -> list[str]:
        return [self.L("alt.plan")] + [
            self.L("alt.alternative", n=a.number) for a in self.alts.found
        ]

    def plan_cols(self) -> list[Col]:
        return [Col(name, 14, wrap=True, fmt=MONEY) for name in self.plan_names()]

    def alternatives_sheet(self, sh: Sheet) -> None:
        L, alts, o = self.L, self.alts, self.alts.options
        sh.title(L("title.alternatives"), self.subtitle())
        sh.freeze_title()
        explain = L("alt.explain", gap=share_text(L, o.gap), least=share_text(L, o.min_difference))
        lines(sh, explain, SUBTITLE)
        if alts.shortfall is not None:
            lines(sh, self.shortfall_text(), BOLD)
        self.figures_table(sh)
        if not alts.found:
            return
        self.spend_section(sh, "department")
        self.spend_section(sh, "cluster")
        self.decisions_section(sh)

    def shortfall_text(self) -> str:
        return note_text(self.L, self.alts)

    def figures_table(self, sh: Sheet) -> None:
        L, cur = self.L, self.cur
        sh.section(L("alt.figures"))
        results: list[Result] = self.alts.results
        diffs = [V(0.0, PERCENT)] + [V(a.difference, PERCENT) for a in self.alts.found]
        rows: list[list[Any]] = [[L("alt.difference"), *diffs]]
        rows.append([L("col.spend", currency=cur), *(V(r.spend, MONEY) for r in results)])
        rows.append([L("sum.youth"), *(V(r.youth_reached, WHOLE) for r in results)])
        for k, st in enumerate(self.r.stages):
            if st.priority is not None:
                label = L("alt.stage.priority", priority=st.priority)
            else:
                label = L(f"alt.stage.{st.final}", currency=cur)
            values = [r.stages[k].objective for r in results]
            rows.append([label, *(V(v, count_fmt(v)) for v in values)])
        totals = [r.targets_met() for r in results]
        of = L("unit.of", total=totals[0][1])
        rows.append([f"{L('sum.all_met')} ({of})", *(met_cell(m, t) for m, t in totals)])
        cols = [Col(L("col.indicator"), 44, wrap=True), *self.plan_cols()]
        sh.table(cols, rows)

    def spread_cells(self, values: list[float], verdict: str, fill: Any) -> list[Any]:
        """Range across the plans, as money and as a share of the plan's spend, and the
        verdict on it."""
        spread = max(values) - min(values)
        return [V(spread, MONEY), V(spread / self.r.spend, PERCENT), V(verdict, fill=fill)]

    def spread_cols(self, verdict: str) -> list[Col]:
        L = self.L
        return [
            Col(L("alt.spread", currency=self.cur), 16, wrap=True),
            Col(L("alt.spread_share"), 13, wrap=True),
            Col(verdict, 26, wrap=True),
        ]

    def spend_section(self, sh: Sheet, key: str) -> None:
        L, cur = self.L, self.cur
        names = self.names.departments if key == "department" else self.names.clusters
        sh.section(L(f"alt.by_{key}", currency=cur))
        tol = SAME_SPEND * max(1.0, self.r.spend)
        rows: list[list[Any]] = []
        for ident, values in spend_table(self.alts, key):
            same = max(values) - min(values) <= tol
            verdict = L("alt.same" if same else "alt.changes")
            rows.append(
                [
                    names.get(ident, ident),
                    *values,
                    *self.spread_cells(values, verdict, GOOD_FILL if same else MID_FILL),
                ]
            )
        cols = [
            Col(L("col.department" if key == "department" else "col.cluster"), 44, wrap=True),
            *self.plan_cols(),
            *self.spread_cols(L("alt.in_all")),
        ]
        sh.table(cols, rows)

    def decisions_section(self, sh: Sheet) -> None:
        L, cur = self.L, self.cur
        found = decisions(self.alts)
        count = {kind: sum(1 for d in found if d.kind == kind) for kind in DECISION_STYLE}
        sh.section(L("alt.decisions", currency=cur))
        summary = L(
            "alt.decisions.count",
            robust=count[SAME] + count[FUNDED_IN_ALL],
            same=count[SAME],
            funded=count[FUNDED_IN_ALL],
            free=count[FREE],
            total=len(found),
        )
        lines(sh, summary, SUBTITLE)
        rows: list[list[Any]] = []
        for d in found:
            pid, cid = d.cell
            key, fill = DECISION_STYLE[d.kind]
            where = self.names.clusters.get(cid, cid) if cid else L("city_wide")
            rows.append(
                [
                    f"{self.names.programmes.get(pid, pid)} · {where}",
                    *d.spend,
                    *self.spread_cells(d.spend, L(key), fill),
                    self.names.departments.get(d.department, d.department),
                ]
            )
        cols = [
            Col(L("alt.cell"), 44, wrap=True),
            *self.plan_cols(),
            *self.spread_cols(L("alt.decision")),
            Col(L("col.department"), 28, wrap=True),
        ]
        sh.table(cols, rows, autofilter=True)


#: A sentence above a table is cut into lines this long: a cell's text does not wrap
#: over the columns beside it, and one long line would shrink the printed page.
LINE_CHARS = 120


def lines(sh: Sheet, text: str, font: Font) -> None:
    """A paragraph in lines of at most LINE_CHARS characters, then a blank row."""
    for line in textwrap.wrap(text, LINE_CHARS):
        sh.text(line, font)
    sh.row += 1


def note_text(L: Labels, alts: Alternatives) -> str:
    """Why fewer alternatives than asked were found, in L's language (the workbook's
    sentence; `Alternatives.note` is the English one)."""
    o = alts.options
    rejected = alts.rejected
    which = "next" if alts.found else "first"
    return L(
        f"alt.note.{alts.shortfall}",
        found=len(alts.found),
        count=o.count,
        gap=share_text(L, o.gap),
        least=share_text(L, o.min_difference),
        next=L(f"alt.{which}.repeats")
        if rejected is None or rejected < SAME_SPEND
        else L(f"alt.{which}.moves", moved=share_text(L, rejected)),
    )


def share_text(L: Labels, x: float) -> str:
    """A share as a percentage in the language's way, one decimal when it has one
    (1 %, 0,5 %)."""
    pct = 100 * x
    text = L.num(pct, 0 if abs(pct - round(pct)) < EXACT_DECIMAL else 1 if pct >= 0.1 else 2)
    return text + (" %" if L.lang == "es" else "%")


def build_workbook_with_alternatives(
    alts: Alternatives, *, lang: str, run_at: datetime | None = None
) -> Workbook:
    """The plan's workbook with the alternatives sheet right after its summary."""
    return AlternativesSheet(alts, lang, run_at or datetime.now().astimezone()).build()
