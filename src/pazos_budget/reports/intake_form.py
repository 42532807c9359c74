"""One department's intake form: the workbook a department head fills in (intake.py reads
it back).

Sheets, in the scenario's language: instructions (with the form's identity: department
code, scenario, the scenario's sha256, the form's version); programmes, pre-filled with
the department's programmes and followed by empty rows for new ones; youth per unit by
cluster; other outputs per unit; the department's envelope and goals, read only.

Only the input cells (yellow) are unlocked; every sheet is protected without a password
(a guard against slips, not a lock). Dropdowns (data validation lists) give the component,
where a programme runs and the yes/no fields; numbers are validated (a cost > 0, units and
amounts >= 0). Each table has its headers and, under them, the field keys the import
reads (so a form reads the same whatever its language or column order). Every sheet is
print-ready: landscape, one page wide, header rows repeated, a footer naming the form.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from .. import __version__
from ..i18n import Usage
from ..intake import (
    BLANK_ROWS,
    FIRST_ROW,
    FORM_VERSION,
    HEADER_ROW,
    ID_KEY,
    KEY_ROW,
    META_ROWS,
    NAME_KEY,
    PROGRAMME_COLUMNS,
    Column,
    Kind,
    Sheet,
    View,
    Where,
    metric_ids,
    view_of,
)
from ..loader import LoadedScenario
from ..scenario import Component, Department, MetricTarget, SpendShareTarget, Target
from ..scenario import YouthReachTarget as YouthTarget
from ..sheets import FORMULA_START, put
from .labels import Labels
from .xlsx import (
    BOLD,
    FONT,
    FONT_NAME,
    GRID,
    HEADER_ALIGN,
    HEADER_FILL,
    HEADER_FONT,
    MUTED,
    POINTS_PER_LINE,
    SECTION,
    SUBTITLE,
    TITLE,
    new_workbook,
    text_lines,
)

INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")  # yellow: to fill in
LOCKED_FILL = PatternFill("solid", fgColor="EDEDED")  # grey: read only
KEY_FONT = Font(name=FONT_NAME, size=7, color="808080")
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
UNLOCKED = Protection(locked=False)
#: Width of a per-cluster or per-metric column, and of the id and name columns.
MATRIX_WIDTH = 13.0
ID_WIDTH = 28.0
NAME_WIDTH = 36.0
#: The widest text of the instructions sheet (columns A and B together).
INSTRUCTION_WIDTHS = (34.0, 86.0)


def build_form(loaded: LoadedScenario, department: str, lang: str | None = None) -> Workbook:
    """The intake form of `department` (an id of the scenario), in `lang` (default: the
    scenario's language)."""
    s = loaded.scenario
    dept = next((d for d in s.departments if d.id == department), None)
    if dept is None:
        known = ", ".join(d.id for d in s.departments)
        raise Usage("usage.department", department=department, known=known)
    L = Labels(lang or s.scenario.language, s.scenario.currency)
    form = _Form(loaded, dept, L)
    return form.build()


class _Form:
    def __init__(self, loaded: LoadedScenario, dept: Department, L: Labels) -> None:
        self.loaded = loaded
        self.s = loaded.scenario
        self.dept = dept
        self.L = L
        self.programmes = [p for p in self.s.programmes if p.department == dept.id]
        self.views = {p.id: view_of(p, self.s) for p in self.programmes}
        self.last_row = FIRST_ROW + len(self.programmes) + BLANK_ROWS - 1
        self.footer = L(
            "intake.footer", department=dept.name, id=self.s.scenario.id, version=__version__
        )

    def name(self, sheet: Sheet) -> str:
        return self.L(f"intake.sheet.{sheet.value}")

    def build(self) -> Workbook:
        wb = new_workbook()
        first: Worksheet = wb.active
        first.title = self.name(Sheet.INSTRUCTIONS)
        self.instructions(first)
        self.programmes_sheet(wb.create_sheet(self.name(Sheet.PROGRAMMES)))
        self.youth_sheet(wb.create_sheet(self.name(Sheet.YOUTH)))
        self.outputs_sheet(wb.create_sheet(self.name(Sheet.OUTPUTS)))
        self.envelope_sheet(wb.create_sheet(self.name(Sheet.ENVELOPE)))
        return wb

    # ------------------------------------------------------------- cells
    def cell(
        self,
        ws: Worksheet,
        row: int,
        col: int,
        value: Any,
        *,
        font: Font = FONT,
        fill: PatternFill | None = None,
        fmt: str | None = None,
        wrap: bool = False,
        editable: bool = False,
    ) -> Any:
        c = put(ws, row, col, value)
        c.font = font
        if fill is not None:
            c.fill = fill
        c.alignment = WRAP if wrap else TOP
        if fmt and isinstance(value, int | float) and not isinstance(value, bool):
            c.number_format = fmt
        if isinstance(value, str) and value.startswith(FORMULA_START):
            c.quotePrefix = True  # stays text when someone edits the cell
        if editable:
            c.protection = UNLOCKED
        return c

    def title(self, ws: Worksheet, title: str, note: str, span: int = 0) -> None:
        """Title and note; with `span`, the note wraps over that many columns."""
        self.cell(ws, 1, 1, title, font=TITLE)
        c = self.cell(ws, 2, 1, note, font=SUBTITLE)
        if span:
            c.alignment = WRAP
            ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=span)
            lines = text_lines(note, sum(INSTRUCTION_WIDTHS[:span]))
            ws.row_dimensions[2].height = POINTS_PER_LINE * lines + 4

    def header(self, ws: Worksheet, columns: Sequence[tuple[str, str, float]]) -> None:
        """(header text, field key, width) per column, in rows HEADER_ROW and KEY_ROW."""
        for j, (text, key, width) in enumerate(columns, 1):
            c = self.cell(ws, HEADER_ROW, j, text, font=HEADER_FONT, fill=HEADER_FILL)
            c.alignment = HEADER_ALIGN
            c.border = GRID
            self.cell(ws, KEY_ROW, j, key, font=KEY_FONT, fill=LOCKED_FILL).border = GRID
            ws.column_dimensions[get_column_letter(j)].width = width
        widest = max(
            text_lines(text, width, 0.95) for text, _, width in columns
        )  # headers wrap: say how tall the row is
        ws.row_dimensions[HEADER_ROW].height = POINTS_PER_LINE * widest + 4

    def finish(self, ws: Worksheet, columns: int, rows: int) -> None:
        ws.protection.sheet = True  # no password: a guard against slips
        ws.protection.formatColumns = False  # widening a column stays possible
        ws.protection.formatRows = False
        ws.protection.deleteRows = False  # a withdrawn programme's row may be deleted
        setup = ws.page_setup
        setup.orientation = "landscape"
        setup.paperSize = ws.PAPERSIZE_LETTER
        setup.fitToWidth = 1
        setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.6, footer=0.25)
        ws.print_area = f"A1:{get_column_letter(columns)}{rows}"
        ws.oddFooter.left.text = self.footer.replace("&", "&&")
        ws.oddFooter.left.size = 7
        ws.oddFooter.right.text = self.L("page")
        ws.oddFooter.right.size = 7

    def validation(
        self, ws: Worksheet, col: int, kind: str, formula: str, message: str, first: int = FIRST_ROW
    ) -> None:
        operator = {"list": None, "cost": "greaterThan", "amount": "greaterThanOrEqual"}[kind]
        dv = DataValidation(
            type="list" if kind == "list" else "decimal",
            operator=operator,
            formula1=formula,
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=self.L("intake.valid.title"),
            error=message,
        )
        letter = get_column_letter(col)
        dv.add(f"{letter}{first}:{letter}{self.last_row}")
        ws.add_data_validation(dv)

    def choice_list(self, options: Sequence[str]) -> str:
        text = ",".join(options)
        assert len(text) <= 250 and '"' not in text, text  # Excel's limit on a typed list
        return f'"{text}"'

    # ------------------------------------------------------------- instructions
    def instructions(self, ws: Worksheet) -> None:
        L, s = self.L, self.s
        self.title(ws, L("intake.title", department=self.dept.name), self.subtitle(), span=2)
        meta = {
            "department": self.dept.id,
            "scenario": s.scenario.id,
            "sha256": self.loaded.sha256,
            "version": FORM_VERSION,
        }
        for key, row in META_ROWS.items():
            self.cell(ws, row, 1, L(f"intake.meta.{key}"), font=BOLD, fill=LOCKED_FILL)
            self.cell(ws, row, 2, meta[key], font=MUTED if key == "sha256" else FONT)
            ws.cell(row, 2).alignment = Alignment(horizontal="left")
        row = max(META_ROWS.values()) + 2
        self.cell(ws, row, 1, L("intake.steps.title"), font=SECTION)
        width = sum(INSTRUCTION_WIDTHS)
        for step in L("intake.steps", currency=L.currency).split("\n"):
            row += 1
            self.cell(ws, row, 1, step, wrap=True)
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
            ws.row_dimensions[row].height = POINTS_PER_LINE * text_lines(step, width) + 4
        row += 2
        self.cell(ws, row, 1, L("intake.legend.input"), fill=INPUT_FILL).border = GRID
        self.cell(ws, row + 1, 1, L("intake.legend.locked"), fill=LOCKED_FILL).border = GRID
        row += 3
        office = L("intake.office")
        self.cell(ws, row, 1, office, font=MUTED, wrap=True)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        ws.row_dimensions[row].height = POINTS_PER_LINE * text_lines(office, width) + 4
        for j, w in enumerate(INSTRUCTION_WIDTHS, 1):
            ws.column_dimensions[get_column_letter(j)].width = w
        self.finish(ws, 2, row)
        setup = ws.page_setup
        setup.orientation = "portrait"

    def subtitle(self) -> str:
        info = self.s.scenario
        return self.L(
            "intake.subtitle",
            name=info.name,
            id=info.id,
            year=info.year,
            currency=self.L.currency,
        )

    # ------------------------------------------------------------- programmes
    def programmes_sheet(self, ws: Worksheet) -> None:
        L = self.L
        self.title(
            ws,
            L("intake.programmes.title", department=self.dept.name),
            L("intake.programmes.note", currency=L.currency),
        )
        headers = []
        for c in PROGRAMME_COLUMNS:
            text = L(f"intake.col.{c.key}")
            if c.money:
                text = f"{text} ({L.currency})"
            headers.append((text, c.key, float(c.width)))
        self.header(ws, headers)
        for k, p in enumerate(self.programmes):
            self.programme_row(ws, FIRST_ROW + k, p.id, self.views[p.id])
        for r in range(FIRST_ROW + len(self.programmes), self.last_row + 1):
            for j in range(1, len(PROGRAMME_COLUMNS) + 1):
                self.cell(ws, r, j, None, fill=INPUT_FILL, editable=True).border = GRID
        yes_no = self.choice_list([L("yes"), L("no")])
        components = self.choice_list([L.component(c.value) for c in Component])
        wheres = self.choice_list([L(f"intake.where.{w.value}") for w in Where])
        for j, c in enumerate(PROGRAMME_COLUMNS, 1):
            if c.kind == Kind.YES_NO:
                self.validation(ws, j, "list", yes_no, L("intake.valid.list"))
            elif c.kind == Kind.COMPONENT:
                self.validation(ws, j, "list", components, L("intake.valid.list"))
            elif c.kind == Kind.WHERE:
                # Not strict: a list of cluster codes is accepted too (intake.py).
                self.validation(ws, j, "list", wheres, L("intake.valid.list"))
                ws.data_validations.dataValidation[-1].showErrorMessage = False
            elif c.kind == Kind.COST:
                self.validation(ws, j, "cost", "0", L("intake.valid.cost"))
            elif c.kind == Kind.AMOUNT:
                self.validation(ws, j, "amount", "0", L("intake.valid.number"))
        ws.freeze_panes = ws.cell(FIRST_ROW, 3)
        ws.print_title_rows = f"{HEADER_ROW}:{KEY_ROW}"
        self.finish(ws, len(PROGRAMME_COLUMNS), self.last_row)

    def programme_row(self, ws: Worksheet, r: int, pid: str, v: View) -> None:
        L = self.L
        uniform: float | None = None
        if v.where == Where.CITY:
            uniform = v.youth if isinstance(v.youth, float) and v.youth else None
        elif v.where == Where.ALL and isinstance(v.youth, dict):
            youth = list(v.youth.values())
            if youth and all(x == youth[0] for x in youth):
                uniform = youth[0]
        values: dict[str, Any] = {
            "id": pid,
            "name": v.name,
            "component": L.component(v.component),
            "unit": v.unit,
            "unit_cost": v.unit_cost,
            "fixed_cost": v.fixed_cost,
            "min_units": v.min_units,
            "max_units": v.max_units,
            "integer": L.yes_no(v.integer),
            "mandatory": L.yes_no(v.mandatory),
            "clusters": L(f"intake.where.{v.where.value}"),
            "youth_per_unit": uniform,
            "notes": v.notes or None,
            "remove": L("no"),
        }
        lines = 1
        for j, c in enumerate(PROGRAMME_COLUMNS, 1):
            locked = c.key == "id"  # a code stays: a new programme gets a new row
            value = values[c.key]
            wrap = c.kind in (Kind.TEXT, Kind.COMPONENT, Kind.WHERE)
            self.cell(
                ws,
                r,
                j,
                value,
                fill=LOCKED_FILL if locked else INPUT_FILL,
                fmt=_number_format(c),
                editable=not locked,
                wrap=wrap,
            ).border = GRID
            if wrap and isinstance(value, str):
                lines = max(lines, text_lines(value, c.width))
        if lines > 1:
            ws.row_dimensions[r].height = POINTS_PER_LINE * lines + 3

    # ------------------------------------------------------------- youth and outputs
    def matrix(
        self,
        ws: Worksheet,
        title: str,
        note: str,
        keys: Sequence[tuple[str, str]],
        values: dict[str, dict[str, float]],
    ) -> None:
        """One row per programme (then the empty rows), one column per key (a cluster or
        a metric): (key, header) in `keys`."""
        L = self.L
        self.title(ws, title, note)
        columns = [
            (L("intake.col.id"), ID_KEY, ID_WIDTH),
            (L("intake.col.name"), NAME_KEY, NAME_WIDTH),
            *((header, key, MATRIX_WIDTH) for key, header in keys),
        ]
        self.header(ws, columns)
        for k, p in enumerate(self.programmes):
            r = FIRST_ROW + k
            self.cell(ws, r, 1, p.id, fill=LOCKED_FILL).border = GRID
            self.cell(ws, r, 2, p.name, fill=LOCKED_FILL, wrap=True).border = GRID
            if text_lines(p.name, NAME_WIDTH) > 1:
                ws.row_dimensions[r].height = POINTS_PER_LINE * text_lines(p.name, NAME_WIDTH) + 3
            for j, (key, _) in enumerate(keys, 3):
                value = values.get(p.id, {}).get(key)
                self.cell(
                    ws, r, j, value, fill=INPUT_FILL, fmt=AMOUNT_FORMAT, editable=True
                ).border = GRID
        for r in range(FIRST_ROW + len(self.programmes), self.last_row + 1):
            for j in range(1, len(columns) + 1):
                self.cell(ws, r, j, None, fill=INPUT_FILL, editable=True).border = GRID
        for j in range(3, len(columns) + 1):
            self.validation(ws, j, "amount", "0", L("intake.valid.number"))
        ws.freeze_panes = ws.cell(FIRST_ROW, 3)
        ws.print_title_rows = f"{HEADER_ROW}:{KEY_ROW}"
        self.finish(ws, len(columns), self.last_row)

    def youth_sheet(self, ws: Worksheet) -> None:
        values: dict[str, dict[str, float]] = {}
        for pid, v in self.views.items():
            if not isinstance(v.youth, dict):
                continue
            shown = list(v.youth.values())
            same = bool(shown) and all(x == shown[0] for x in shown)
            if v.where == Where.LISTED or not same:  # else the uniform column says it
                values[pid] = dict(v.youth)
        keys = [(c.id, c.name) for c in self.s.clusters]
        L = self.L
        self.matrix(ws, L("intake.youth.title"), L("intake.youth.note"), keys, values)

    def outputs_sheet(self, ws: Worksheet) -> None:
        names = self.s.metrics or {}
        keys = [(m, names.get(m, m)) for m in metric_ids(self.s, self.dept.id)]
        values = {pid: dict(v.outputs) for pid, v in self.views.items()}
        L = self.L
        self.matrix(ws, L("intake.outputs.title"), L("intake.outputs.note"), keys, values)

    # ------------------------------------------------------------- envelope and goals
    def envelope_sheet(self, ws: Worksheet) -> None:
        L, d = self.L, self.dept
        self.title(ws, L("intake.envelope.title", department=d.name), self.subtitle())
        rows: list[tuple[str, Any]] = [
            (
                L("intake.envelope.budget", currency=L.currency),
                d.budget if d.budget is not None else L("intake.envelope.none"),
            ),
            (L("intake.envelope.min_spend", currency=L.currency), d.min_spend or 0.0),
            (L("intake.envelope.total", currency=L.currency), self.s.budget.total),
        ]
        for k, (label, value) in enumerate(rows):
            self.cell(ws, 4 + k, 1, label, font=BOLD, fill=LOCKED_FILL).border = GRID
            self.cell(ws, 4 + k, 2, value, fmt="#,##0.0").border = GRID
        r = 4 + len(rows) + 1
        self.cell(ws, r, 1, L("intake.goals.title"), font=SECTION)
        r += 1
        heads = ["goal", "kind", "requirement", "priority", "hard"]
        widths = [46.0, 26.0, 50.0, 10.0, 14.0]
        for j, key in enumerate(heads, 1):
            c = self.cell(ws, r, j, L(f"intake.col.{key}"), font=HEADER_FONT, fill=HEADER_FILL)
            c.alignment = HEADER_ALIGN
            c.border = GRID
        if not d.goals:
            r += 1
            self.cell(ws, r, 1, L("intake.goals.none"), font=MUTED)
        for t in d.goals:
            r += 1
            name, requirement = t.name or t.id, self.requirement(t)
            row = [name, L.kind(t.kind.value), requirement, t.priority, L.yes_no(t.hard)]
            for j, value in enumerate(row, 1):
                self.cell(ws, r, j, value, wrap=j in (1, 3)).border = GRID
            lines = max(text_lines(name, widths[0]), text_lines(requirement, widths[2]))
            ws.row_dimensions[r].height = POINTS_PER_LINE * lines + 4
        for j, w in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(j)].width = w
        self.finish(ws, len(widths), r)

    def requirement(self, t: Target) -> str:
        L = self.L

        def pct(x: float) -> str:
            return f"{L.num(100 * x, 0 if float(100 * x).is_integer() else 1)} %"

        if isinstance(t, YouthTarget):
            if t.share is not None:
                return L("intake.req.share", pct=pct(t.share))
            return L("intake.req.youth", amount=L.count(t.at_least or 0.0))
        if isinstance(t, MetricTarget):
            return L(
                "intake.req.metric",
                amount=L.count(t.at_least),
                metric=L.metric(t.metric, self.s.metrics),
            )
        if isinstance(t, SpendShareTarget):
            if t.at_most is not None:
                return L("intake.req.spend_at_most", pct=pct(t.at_most))
            return L("intake.req.spend_at_least", pct=pct(t.at_least or 0.0))
        amount = float(getattr(t, "at_least_units", 1.0))
        units = (
            L("intake.req.unit") if amount == 1 else L("intake.req.units", amount=L.count(amount))
        )
        components = (
            ", ".join(L.component(c.value) for c in t.components)
            if t.components
            else L("intake.req.every_component")
        )
        return L("intake.req.presence", units=units, components=components)


#: An editable amount's format: "General" shows what a person types (2.5 as 2,5 in a
#: Spanish spreadsheet). A format chosen by the pre-filled value ("#,##0" for a whole 10)
#: showed a typed 2.5 as "3", and the import then said "must be whole" of a cell reading 3.
AMOUNT_FORMAT = "General"


def _number_format(c: Column) -> str | None:
    if c.kind == Kind.COST:
        return "#,##0.0##"
    if c.kind == Kind.AMOUNT:
        return AMOUNT_FORMAT
    return None
