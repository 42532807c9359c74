"""What every workbook needs (`Book`: the labels of its language, the time of the run,
the sheets made so far), and what every sheet of the allocation workbook needs besides
(`ReportContext`: the result, display names, the explanations of `explain`).

The allocation workbook's sheets are written by mixins of `ReportContext` (`summary`,
`department`, `inputs`, and `excel` for the rest); `excel.WorkbookBuilder` puts them
together. The council's comparison and frontier, the robustness and the review workbooks
are `Book`s too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from openpyxl import Workbook

from .. import __version__
from ..concentration import Concentration, concentrations
from ..explain import Explanation, explain
from ..result import ProgrammeResult, Result
from ..scenario import COMPONENT_IDS, PAZOS_OWNER, Programme, Target
from .labels import Labels
from .xlsx import Sheet, Styles, new_workbook


@dataclass
class _Names:
    departments: dict[str, str]
    programmes: dict[str, str]
    clusters: dict[str, str]
    targets: dict[str, str]
    metrics: dict[str, str]  # output metric id -> display name (the id when not named)
    sheets: dict[str, str] = field(default_factory=dict)  # department id -> sheet name


def format_time(when: datetime) -> str:
    """'2024-05-02 14:03 (-05:00)': the time of the run, with its UTC offset."""
    text = when.strftime("%Y-%m-%d %H:%M")
    offset = when.strftime("%z")
    return f"{text} ({offset[:3]}:{offset[3:]})" if offset else text


class Book:
    """A workbook in one language: its labels, the time of the run, its sheets."""

    def __init__(
        self,
        lang: str,
        currency: str,
        run_at: datetime,
        components: Mapping[str, str] | None = None,
    ) -> None:
        self.L = Labels(lang, currency, components=components)
        self.cur = self.L.currency
        self.when = format_time(run_at)
        self.wb = new_workbook()
        self.styles = Styles()
        self.sheets: list[Sheet] = []

    def new_sheet(self, title: str) -> Sheet:
        sheet = Sheet(self.wb, title, self.styles, first=not self.sheets)
        self.sheets.append(sheet)
        return sheet

    def finish(self, footer: str) -> Workbook:
        """Every sheet finished with `footer` and page numbers: the workbook."""
        for sheet in self.sheets:
            sheet.finish(footer, self.L("page"))
        return self.wb


class ReportContext(Book):
    """The result and everything derived once for all sheets."""

    def __init__(self, result: Result, lang: str, run_at: datetime) -> None:
        self.r = result
        self.s = result.scenario
        cur, components = self.s.scenario.currency, self.s.given_component_names()
        super().__init__(lang, cur, run_at, components)
        self.explanations: dict[str, Explanation] = explain(result)
        self.concentrations: dict[str, Concentration] = concentrations(result)
        self.names = _Names(
            departments={d.id: d.name for d in self.s.departments},
            programmes={p.id: p.name for p in self.s.programmes},
            clusters={c.id: c.name for c in self.s.clusters},
            targets={t.id: t.name or t.id for _, t in self.s.all_targets()},
            metrics={m: self.s.metric_name(m) for p in self.s.programmes for m in p.outputs},
        )
        self.targets: dict[str, Target] = {t.id: t for _, t in self.s.all_targets()}
        self.owners: dict[str, str | None] = {t.id: owner for owner, t in self.s.all_targets()}

    # ----------------------------------------------------------------- helpers
    def owner_name(self, owner: str) -> str:
        if owner == PAZOS_OWNER:
            return self.L("owner.pazos")
        return self.names.departments.get(owner, owner)

    def subtitle(self) -> str:
        return self.L("subtitle", name=self.s.scenario.name, id=self.s.scenario.id, when=self.when)

    def footer(self) -> str:
        return self.L(
            "footer",
            id=self.s.scenario.id,
            sha=self.r.sha256[:16],
            version=__version__,
            when=self.when,
        )

    def component_spend(self) -> dict[str, float]:
        spend = dict.fromkeys(COMPONENT_IDS, 0.0)
        for pr in self.r.programmes:
            spend[pr.component] += pr.spend
        return spend


def units_by_cluster(p: Programme, pr: ProgrammeResult) -> list[tuple[str | None, float]]:
    """(cluster id, or None for a city-wide programme, units) with units > 0."""
    if p.city_wide:
        return [(None, pr.units)] if pr.units > 0 else []
    return [(c, u) for c, u in pr.clusters.items() if u > 0]
