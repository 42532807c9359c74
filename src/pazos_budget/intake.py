"""Department intake forms: the form's layout, and filled forms read back as a variant.

A department head fills in one workbook (written by `reports/intake_form.py` from this
layout): its programmes, where they run and whom they reach, what else they produce. The
planning office imports the forms of one or more departments:

    intake = import_forms(Path("palmira-2023.yaml"), [Path("cultura.xlsx")], Path("new.yaml"))
    text = intake.yaml          # `extends: palmira-2023.yaml` plus what the forms changed

A form is the whole truth of what it shows for its department: a programme on the base
that is missing from the form (its row deleted) or marked "withdraw" is removed; a row with
a new code is added; a field that differs from the base is changed, and nothing else is
written. What a form does not show (co-funding, per-cluster caps, the current plan) stays
as the base has it. Every problem of every form is reported at once at its cell
(`FORM.xlsx:Programas!E7: unit_cost: must be greater than 0`), including those the
scenario's own validation finds in the merged variant; nothing is written then.

Cells are read by `sheets.read_workbook` (saved values only, formulas never evaluated, macro
workbooks, external links, encrypted and oversized files refused). Columns are found by the
field key row under each header (`unit_cost`, a cluster id, a metric id), so a form in
either language, with its columns moved, reads the same.
"""

from __future__ import annotations

import math
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence, Sized
from dataclasses import dataclass, field
from difflib import get_close_matches
from enum import Enum, StrEnum
from pathlib import Path
from typing import Any

from . import yaml12
from .document import Document, Key
from .errors import Problem, ScenarioError
from .loader import LoadedScenario, load_document, load_scenario, validate_document
from .messages import Num, Text, Warned
from .reports.labels import LANGUAGES, TEXTS, Labels, Lang
from .scenario import ALL_CLUSTERS, YOUTH_METRIC, Component, Programme, Scenario
from .sheets import Book, Cell, CellError, Table, read_workbook
from .tolerances import SAME_IN_FORM
from .variants import EXTENDS, merge
from .votes import apply_pending

#: Bumped when the layout changes in a way an older form cannot be read by.
FORM_VERSION = 1
#: Rows of every table sheet: a title, a note, the headers, the field keys, then data.
HEADER_ROW = 3
KEY_ROW = 4
FIRST_ROW = 5
#: Empty rows a template offers for new programmes.
BLANK_ROWS = 15
#: Largest form read (a form has a few hundred rows).
MAX_FORM_ROWS = 2_000
MAX_FORM_COLUMNS = 200
#: The rows of the instructions sheet that identify the form (label in A, value in B).
META_ROWS = {"department": 4, "scenario": 5, "sha256": 6, "version": 7}
#: How many of another city's clusters its refusal names.
OTHER_CITY_SHOWN = 4
#: The key of the first two columns of the youth and outputs sheets.
ID_KEY = "id"
NAME_KEY = "name"
SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
#: A cell that lists cluster ids instead of choosing a "where" option.
CLUSTER_SEPARATORS = re.compile(r"[;,|]")


class Sheet(StrEnum):
    """The sheets of a form; their names come from the labels (`intake.sheet.<key>`)."""

    INSTRUCTIONS = "instructions"
    PROGRAMMES = "programmes"
    YOUTH = "youth"
    OUTPUTS = "outputs"
    ENVELOPE = "envelope"


class Kind(Enum):
    """What a programmes column holds."""

    ID = "id"
    TEXT = "text"
    COST = "cost"  # a number > 0
    AMOUNT = "amount"  # a number >= 0
    YES_NO = "yes/no"
    COMPONENT = "component"
    WHERE = "where"


class Where(StrEnum):
    """The options of the "where it runs" column."""

    ALL = "all"
    LISTED = "listed"
    CITY = "city"


@dataclass(frozen=True)
class Column:
    key: str  # the scenario field (or `remove`), written in the key row
    kind: Kind
    width: float
    required: bool = False
    money: bool = False  # the header names the scenario's currency


PROGRAMME_COLUMNS: tuple[Column, ...] = (
    Column("id", Kind.ID, 28, required=True),
    Column("name", Kind.TEXT, 36, required=True),
    Column("component", Kind.COMPONENT, 22, required=True),
    Column("unit", Kind.TEXT, 18),
    Column("unit_cost", Kind.COST, 12, required=True, money=True),
    Column("fixed_cost", Kind.AMOUNT, 11, money=True),
    Column("min_units", Kind.AMOUNT, 10),
    Column("max_units", Kind.AMOUNT, 10),
    Column("integer", Kind.YES_NO, 11),
    Column("mandatory", Kind.YES_NO, 13),
    Column("clusters", Kind.WHERE, 24),
    Column("youth_per_unit", Kind.AMOUNT, 10),
    Column("notes", Kind.TEXT, 30),
    Column("remove", Kind.YES_NO, 11),
)
COLUMNS_BY_KEY = {c.key: c for c in PROGRAMME_COLUMNS}
REMOVE = "remove"
#: The programme fields a form shows (and so decides, for the programmes it lists).
FORM_FIELDS = (
    "name",
    "component",
    "unit",
    "unit_cost",
    "fixed_cost",
    "min_units",
    "max_units",
    "integer",
    "mandatory",
    "clusters",
    "youth_per_unit",
    "notes",
    "outputs",
)
#: Fields whose blank cell on a programme the scenario has keeps the scenario's value
#: (blank means nothing for them; a blank maximum, by contrast, means "no maximum").
KEPT_WHEN_BLANK = frozenset({"unit", "integer"})
TRUE_WORDS = frozenset({"si", "sí", "yes", "true", "verdadero", "1", "x"})
FALSE_WORDS = frozenset({"no", "false", "falso", "0"})


def sheet_name(sheet: Sheet, lang: Lang) -> str:
    return TEXTS[lang][f"intake.sheet.{sheet.value}"]


def metric_ids(s: Scenario, department: str | None = None) -> list[str]:
    """The metrics a form may give per unit: those named in `metrics`, those programmes
    produce and those targets ask for, in that order ('youth' is built in: youth per
    unit). For one department's form, only those its programmes produce and its goals
    or the PAZOS targets ask for (a sheet of every metric would not print)."""
    seen: dict[str, None] = dict.fromkeys(s.metrics or {}) if department is None else {}
    for p in s.programmes:
        if department is None or p.department == department:
            seen.update(dict.fromkeys(p.outputs))
    for owner, t in s.all_targets():
        metric = getattr(t, "metric", None)
        if isinstance(metric, str) and (department is None or owner in (None, department)):
            seen[metric] = None
    seen.pop(YOUTH_METRIC, None)
    if department is not None:  # in the scenario's order
        order = metric_ids(s)
        return sorted(seen, key=order.index)
    return list(seen)


# --------------------------------------------------------------------------- the form's view
@dataclass(frozen=True)
class View:
    """What a form shows of one programme, in comparable terms."""

    name: str
    component: str
    unit: str
    unit_cost: float | None
    fixed_cost: float
    min_units: float
    max_units: float | None
    integer: bool
    mandatory: bool
    where: Where
    # Youth per unit where it runs: one number per cluster (all or listed), or one
    # number for a city-wide programme.
    youth: dict[str, float] | float
    notes: str
    outputs: dict[str, float]


def view_of(p: Programme, s: Scenario) -> View:
    """A scenario programme as its form row shows it."""
    ids = [c.id for c in s.clusters]
    if p.clusters == ALL_CLUSTERS:
        where, runs = Where.ALL, ids
    elif p.clusters:
        where, runs = Where.LISTED, [c for c in ids if c in p.clusters]
    else:
        where, runs = Where.CITY, []
    youth: dict[str, float] | float
    if where == Where.CITY:
        youth = float(p.youth_per_unit) if not isinstance(p.youth_per_unit, dict) else 0.0
    elif isinstance(p.youth_per_unit, dict):
        youth = {c: float(p.youth_per_unit.get(c, 0.0)) for c in runs}
    else:
        youth = dict.fromkeys(runs, float(p.youth_per_unit))
    return View(
        name=p.name,
        component=p.component.value,
        unit=p.unit,
        unit_cost=p.unit_cost,
        fixed_cost=p.fixed_cost,
        min_units=p.min_units,
        max_units=p.max_units,
        integer=p.integer,
        mandatory=p.mandatory,
        where=where,
        youth=youth,
        notes=p.notes,
        outputs={k: float(v) for k, v in p.outputs.items()},
    )


def _same(a: Any, b: Any) -> bool:
    """Equal as a form shows them (numbers to 12 significant digits: a spreadsheet
    program saving the form again may write the last digit differently)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=SAME_IN_FORM, abs_tol=SAME_IN_FORM)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)


def scenario_fields(v: View, cluster_ids: Sequence[str]) -> dict[str, Any]:
    """The scenario fields of a form view, as a variant writes them (defaults left out
    for a new programme; see `changes` for a changed one)."""
    out: dict[str, Any] = {
        "name": v.name,
        "component": v.component,
        "unit": v.unit,
        "unit_cost": v.unit_cost,
        "fixed_cost": v.fixed_cost,
        "min_units": v.min_units,
        "max_units": v.max_units,
        "integer": v.integer,
        "mandatory": v.mandatory,
        "notes": v.notes,
        "outputs": dict(v.outputs),
    }
    out.update(_where_fields(v, cluster_ids))
    return out


def _where_fields(v: View, cluster_ids: Sequence[str]) -> dict[str, Any]:
    if v.where == Where.CITY:
        return {
            "clusters": [],
            "youth_per_unit": _plain(v.youth if isinstance(v.youth, float) else 0.0),
        }
    assert isinstance(v.youth, dict)
    values = list(v.youth.values())
    youth: Any = (
        _plain(values[0])
        if values and all(_same(x, values[0]) for x in values)
        else {c: _plain(v.youth[c]) for c in cluster_ids if c in v.youth}
    )
    if not values:
        youth = 0
    clusters: Any = (
        ALL_CLUSTERS if v.where == Where.ALL else [c for c in cluster_ids if c in v.youth]
    )
    return {"clusters": clusters, "youth_per_unit": youth}


def _plain(x: float | None) -> Any:
    """12.0 -> 12 in the YAML, as a person writes it."""
    if x is None:
        return None
    return int(x) if float(x).is_integer() and abs(x) < 1e15 else float(f"{x:.12g}")


# --------------------------------------------------------------------------- reading a form
@dataclass
class Row:
    """One programme row of a form, read; `cells` locates each field."""

    id: str
    view: View
    remove: bool
    cells: dict[str, Cell]  # field (or `youth_per_unit.<cluster>`, `outputs.<metric>`)
    row: int


@dataclass
class Form:
    """One department's filled form, read."""

    path: Path
    display: str
    sha256: str
    lang: Lang
    department: str
    department_cell: Cell
    scenario_sha256: str
    sha_cell: Cell
    scenario_id: str  # the scenario the form was made for (its id, as the form says)
    scenario_cell: Cell
    rows: list[Row] = field(default_factory=list)
    # Codes of rows with a problem: left as the scenario has them while the rest of the
    # form is checked, so that every problem is reported in one round.
    unread: set[str] = field(default_factory=set)


class _Reader:
    """Reads one form, collecting every problem instead of stopping at the first."""

    def __init__(self, book: Book, scenario: Scenario, scenario_path: str = "") -> None:
        self.book = book
        self.s = scenario
        self.scenario_path = scenario_path  # as the command line names it
        self.problems: list[Problem] = []
        self.cluster_ids = [c.id for c in scenario.clusters]
        self.known = {p.id for p in scenario.programmes}
        self.deleted: set[str] = set()  # the form's own programmes its sheet no longer lists
        self.metrics = metric_ids(scenario)
        self.lang: Lang = "es"  # the form's, once its sheets are read
        self.unread: set[str] = set()  # codes of rows not read (a bad or repeated code)

    def problem(self, cell: Cell, path: str, message: str) -> None:
        self.problems.append(cell.problem(path, message))

    # ------------------------------------------------------------- sheets
    def language(self) -> Lang | None:
        names = set(self.book.sheets)
        needed = (Sheet.INSTRUCTIONS, Sheet.PROGRAMMES, Sheet.YOUTH, Sheet.OUTPUTS)
        for lang in LANGUAGES:
            if all(sheet_name(s, lang) in names for s in needed):
                return lang
        best = max(LANGUAGES, key=lambda lang: sum(sheet_name(s, lang) in names for s in needed))
        missing = [sheet_name(s, best) for s in needed if sheet_name(s, best) not in names]
        self.problems.append(
            Problem(
                self.book.file,
                0,
                0,
                "",
                Text(
                    "val.intake.not_a_form",
                    missing=", ".join(repr(m) for m in missing),
                    sheets=", ".join(repr(n) for n in self.book.sheets) or Text("val.intake.none"),
                ),
            )
        )
        return None

    def keys(
        self, table: Table, fixed: Sequence[str], allowed: Sequence[str], what: str
    ) -> dict[str, int]:
        """Key -> column from the key row; unknown, duplicate and missing keys reported."""
        columns: dict[str, int] = {}
        row = table.rows[KEY_ROW - 1] if len(table.rows) >= KEY_ROW else []
        for cell in row:
            if cell.empty:
                continue
            try:
                key = cell.text()
            except CellError as e:
                self.problems += e.problems
                continue
            if key in columns:
                message = Text("val.intake.key_twice", key=key, column=columns[key])
                self.problem(cell, "", message)
            elif key not in fixed and key not in allowed:
                close = get_close_matches(key, [*fixed, *allowed], n=1, cutoff=0.6)
                hint = Text("val.hint.mean", name=close[0]) if close else ""
                self.problem(cell, "", Text(f"val.intake.unknown.{what}", key=key, hint=hint))
            else:
                columns[key] = cell.column
        missing = [k for k in fixed if k not in columns]
        if missing:
            self.problem(
                table.cell(KEY_ROW, 1),
                "",
                Text(
                    f"val.intake.key_row.{'one' if len(missing) == 1 else 'other'}",
                    row=KEY_ROW,
                    columns=", ".join(missing),
                ),
            )
        return columns

    # ------------------------------------------------------------- the form
    def read(self, path: Path, display: str, sha256: str) -> Form | None:
        lang = self.language()
        if lang is None:
            return None
        self.lang = lang
        sheets = {s: self.book.sheets.get(sheet_name(s, lang)) for s in Sheet}
        meta = sheets[Sheet.INSTRUCTIONS]
        assert meta is not None
        dept_cell = meta.cell(META_ROWS["department"], 2)
        scenario_cell = meta.cell(META_ROWS["scenario"], 2)
        sha_cell = meta.cell(META_ROWS["sha256"], 2)
        version_cell = meta.cell(META_ROWS["version"], 2)
        scenario_id = self.text(scenario_cell, "scenario")
        if self.other_city(scenario_id, scenario_cell, sheets[Sheet.YOUTH]):
            return None  # its cells would only tell the same, one by one
        department = self.text(dept_cell, "department")
        departments = [d.id for d in self.s.departments]
        if not department:
            self.problem(dept_cell, "department", Text("val.intake.no_department"))
            return None
        if department not in departments:
            close = get_close_matches(department, departments, n=1, cutoff=0.6)
            hint = Text("val.hint.mean", name=close[0]) if close else ""
            message = Text("val.intake.department", id=department, hint=hint)
            self.problem(dept_cell, "department", message)
            return None
        try:
            version = version_cell.number("version")
        except CellError as e:
            self.problems += e.problems
            version = None
        if version is not None and version > FORM_VERSION:
            self.problem(
                version_cell,
                "version",
                Text("val.intake.version", version=Num(version), max=FORM_VERSION),
            )
        form = Form(
            path,
            display,
            sha256,
            lang,
            department,
            dept_cell,
            self.text(sha_cell, "sha256"),
            sha_cell,
            scenario_id,
            scenario_cell,
        )
        programmes = sheets[Sheet.PROGRAMMES]
        assert programmes is not None
        rows = self.programmes(programmes, lang)
        # A programme of the department whose row was deleted from the programmes sheet
        # is removed (`_removed`): its rows on the other sheets go with it.
        self.deleted = {
            p.id for p in self.s.programmes if p.department == department and p.id not in rows
        }
        youth = self.per_programme(sheets[Sheet.YOUTH], self.cluster_ids, "cluster", rows)
        outputs = self.per_programme(sheets[Sheet.OUTPUTS], self.metrics, "metric", rows)
        for pid, raw in rows.items():
            built = self.build(pid, raw, youth.get(pid, {}), outputs.get(pid, {}))
            if built is not None:
                form.rows.append(built)
            else:
                form.unread.add(pid)
        form.unread |= self.unread
        return form

    def other_city(self, scenario_id: str, cell: Cell, youth: Table | None) -> bool:
        """A form made for another scenario none of whose clusters is one of this
        scenario's (another city's form) is refused at its scenario cell. A form made for
        another scenario of the same city (last year's) is read, with a warning
        (`import_forms`)."""
        if not scenario_id or scenario_id == self.s.scenario.id or youth is None:
            return False
        keys = youth.rows[KEY_ROW - 1] if len(youth.rows) >= KEY_ROW else []
        clusters = []
        for key_cell in keys:
            try:
                key = key_cell.text()
            except CellError:
                continue
            if key and key not in (ID_KEY, NAME_KEY):
                clusters.append(key)
        if not clusters or set(clusters) & set(self.cluster_ids):
            return False
        message = Text(
            "val.intake.other_city",
            was=scenario_id,
            now=self.s.scenario.id,
            clusters=", ".join(clusters[:OTHER_CITY_SHOWN])
            + (", …" if len(clusters) > OTHER_CITY_SHOWN else ""),
            scenario=self.scenario_path,
        )
        self.problem(cell, "scenario", message)
        return True

    def text(self, cell: Cell, path: str) -> str:
        try:
            return cell.text(path)
        except CellError as e:
            self.problems += e.problems
            return ""

    def programmes(self, table: Table, lang: Lang) -> dict[str, dict[str, Any]]:
        """Programme id -> its cells and values, in row order (rows without an id are
        reported when they hold anything)."""
        columns = self.keys(
            table,
            [c.key for c in PROGRAMME_COLUMNS if c.required],
            [c.key for c in PROGRAMME_COLUMNS],
            "column",
        )
        out: dict[str, dict[str, Any]] = {}
        first_row: dict[str, int] = {}
        components = _choices(
            {c.value: [TEXTS[la][f"component.{c.value}"] for la in LANGUAGES] for c in Component}
        )
        wheres = _choices(
            {w.value: [TEXTS[la][f"intake.where.{w.value}"] for la in LANGUAGES] for w in Where}
        )
        for r in range(FIRST_ROW, len(table.rows) + 1):
            cells = {key: table.cell(r, col) for key, col in columns.items()}
            if all(c.empty for c in cells.values()):
                continue
            values: dict[str, Any] = {"_row": r, "_cells": cells}
            for key, cell in cells.items():
                column = COLUMNS_BY_KEY[key]
                values[key] = self.value(cell, column, components, wheres)
            pid = values.get("id")
            id_cell = cells.get("id", table.cell(r, 1))
            if not pid:
                if "id" in columns:
                    self.problem(
                        id_cell,
                        "id",
                        Text("val.intake.no_code"),
                    )
                continue
            if pid is _BAD:
                continue
            if pid in first_row:
                message = Text("val.intake.code_twice", id=pid, row=first_row[pid])
                self.problem(id_cell, "id", message)
                self.unread.add(pid)
                continue
            first_row[pid] = r
            # A new programme's unit is required like its name; on a programme the
            # scenario has, a cleared unit or "whole units?" keeps the scenario's (see
            # _changed_fields).
            new = pid not in self.known
            for column in PROGRAMME_COLUMNS:
                given = cells.get(column.key)
                required = column.required or (new and column.key == "unit")
                if required and given is not None and given.empty:
                    self.problem(given, column.key, Text("val.intake.required"))
                    values["_bad"] = True
            out[pid] = values
        return out

    def value(
        self, cell: Cell, column: Column, components: dict[str, str], wheres: dict[str, str]
    ) -> Any:
        key = column.key
        try:
            if column.kind in (Kind.COST, Kind.AMOUNT):
                return cell.number(key)
            if column.kind == Kind.YES_NO:
                return self.yes_no(cell, key)
            text = cell.text(key)
        except CellError as e:
            self.problems += e.problems
            return _BAD
        if column.kind == Kind.ID:
            if text and not SLUG.fullmatch(text):
                self.problem(
                    cell,
                    key,
                    Text("val.intake.not_a_code", text=text),
                )
                return _BAD
            return text
        if column.kind == Kind.COMPONENT and text:
            found = components.get(_fold(text))
            if found is None:
                shown = ", ".join(repr(TEXTS[self.lang][f"component.{c.value}"]) for c in Component)
                message = Text("val.intake.component", text=text, shown=shown)
                self.problem(cell, key, message)
                return _BAD
            return found
        if column.kind == Kind.WHERE and text:
            found = wheres.get(_fold(text))
            if found is not None:
                return Where(found)
            listed = [part.strip() for part in CLUSTER_SEPARATORS.split(text) if part.strip()]
            unknown = [c for c in listed if c not in self.cluster_ids]
            if unknown:
                close = get_close_matches(unknown[0], self.cluster_ids, n=1, cutoff=0.6)
                hint = Text("val.hint.mean", name=close[0]) if close else ""
                self.problem(cell, key, Text("val.intake.cluster", id=unknown[0], hint=hint))
                return _BAD
            return listed
        return text

    def yes_no(self, cell: Cell, key: str) -> bool | None:
        if cell.empty:
            return None
        if isinstance(cell.value, bool):
            return cell.value
        text = _fold(cell.text(key))
        if text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False
        raise cell.fail(key, Text("val.intake.yes_no", text=cell.text(key)))

    def per_programme(
        self, table: Table | None, allowed: Sequence[str], what: str, rows: Mapping[str, Any]
    ) -> dict[str, dict[str, tuple[float, Cell]]]:
        """Programme id -> key (cluster or metric) -> (number, its cell)."""
        out: dict[str, dict[str, tuple[float, Cell]]] = {}
        if table is None:
            return out
        columns = self.keys(table, [ID_KEY], [NAME_KEY, *allowed], what)
        if ID_KEY not in columns:
            return out
        seen: dict[str, int] = {}
        for r in range(FIRST_ROW, len(table.rows) + 1):
            id_cell = table.cell(r, columns[ID_KEY])
            cells = {k: table.cell(r, c) for k, c in columns.items() if k not in (ID_KEY, NAME_KEY)}
            pid = self.text(id_cell, "id")
            if not pid:
                filled = [c for c in cells.values() if not c.empty]
                if filled:
                    self.problem(
                        id_cell,
                        "id",
                        Text("val.intake.row_code", cell=filled[0].where.rsplit("!", 1)[-1]),
                    )
                continue
            if pid in seen:
                self.problem(id_cell, "id", Text("val.intake.code_twice", id=pid, row=seen[pid]))
                continue
            seen[pid] = r
            if pid not in rows:
                if pid not in self.deleted and any(not c.empty for c in cells.values()):
                    self.problem(id_cell, "id", Text("val.intake.no_programme", id=pid))
                continue
            values: dict[str, tuple[float, Cell]] = {}
            for k, cell in cells.items():
                try:
                    number = cell.number(
                        f"{'youth_per_unit' if what == 'cluster' else 'outputs'}.{k}"
                    )
                except CellError as e:
                    self.problems += e.problems
                    rows[pid]["_bad"] = True
                    continue
                if number is not None:
                    values[k] = (number, cell)
            out[pid] = values
        return out

    def build(
        self,
        pid: str,
        raw: dict[str, Any],
        youth: dict[str, tuple[float, Cell]],
        outputs: dict[str, tuple[float, Cell]],
    ) -> Row | None:
        if raw.get("_bad") or any(v is _BAD for v in raw.values()):
            return None
        cells: dict[str, Cell] = dict(raw["_cells"])
        where = raw.get("clusters")
        listed: list[str] | None = None
        if isinstance(where, list):
            listed, where = where, Where.LISTED
        where = where or Where.ALL
        uniform = raw.get("youth_per_unit")
        youth_view: dict[str, float] | float
        if where == Where.CITY:
            youth_view = float(uniform or 0.0)
            if youth:
                first = next(iter(youth.values()))[1]
                self.problem(
                    first,
                    f"youth_per_unit.{first_key(youth)}",
                    Text("val.intake.city_wide"),
                )
                return None
        else:
            runs = (
                self.cluster_ids
                if where == Where.ALL
                else (listed if listed is not None else [c for c in self.cluster_ids if c in youth])
            )
            youth_view = {}
            for c in runs:
                if c in youth:
                    youth_view[c] = youth[c][0]
                    cells[f"youth_per_unit.{c}"] = youth[c][1]
                elif uniform is not None:
                    youth_view[c] = float(uniform)
                elif youth:
                    cell = cells.get("clusters") or cells["id"]
                    self.problem(
                        cell,
                        f"youth_per_unit.{c}",
                        Text("val.intake.no_youth", id=c),
                    )
                    return None
                else:
                    youth_view[c] = 0.0
            if listed is not None:
                for c, (_, cell) in youth.items():
                    if c not in listed:
                        self.problem(
                            cell,
                            f"youth_per_unit.{c}",
                            Text("val.intake.not_listed", id=c, listed=", ".join(listed)),
                        )
                        return None
            if where == Where.LISTED and not runs:
                cell = cells.get("clusters") or cells["id"]
                self.problem(
                    cell,
                    "clusters",
                    Text("val.intake.none_marked"),
                )
                return None
        for k, (_, cell) in outputs.items():
            cells[f"outputs.{k}"] = cell
        view = View(
            name=raw.get("name") or "",
            component=raw.get("component") or "",
            unit=raw.get("unit") or "unit",
            unit_cost=raw.get("unit_cost"),
            fixed_cost=raw.get("fixed_cost") or 0.0,
            min_units=raw.get("min_units") or 0.0,
            max_units=raw.get("max_units"),
            integer=bool(raw.get("integer")),
            mandatory=bool(raw.get("mandatory")),
            where=where,
            youth=youth_view,
            notes=raw.get("notes") or "",
            outputs={k: v for k, (v, _) in outputs.items()},
        )
        return Row(pid, view, bool(raw.get(REMOVE)), cells, raw["_row"])


def first_key(d: Mapping[str, Any]) -> str:
    return next(iter(d))


class _Bad:
    """A cell already reported: its row is not imported."""


_BAD = _Bad()


def _fold(text: str) -> str:
    """Lower case, no accents, single spaces: 'Sí' == 'si', 'PREVENCIÓN' == 'prevencion'."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).split())


def _choices(options: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """Folded label (in either language) or id -> id."""
    out: dict[str, str] = {}
    for key, labels in options.items():
        out[_fold(key)] = key
        for label in labels:
            out[_fold(label)] = key
    return out


# --------------------------------------------------------------------------- import
@dataclass(frozen=True)
class Change:
    """What the forms change in one department."""

    department: str
    form: str
    added: tuple[str, ...]
    changed: dict[str, tuple[str, ...]]  # programme id -> the fields changed
    removed: tuple[str, ...]


@dataclass(frozen=True)
class Intake:
    """The variant the forms make, validated: its data, YAML text and what changed."""

    variant: dict[str, Any]
    yaml: str
    changes: tuple[Change, ...]
    scenario: Scenario
    warnings: tuple[str, ...]
    files: tuple[Path, ...] = ()  # the files of the base scenario (never overwritten)


def change_lines(intake: Intake, L: Labels) -> list[str]:
    """One line per form: what it adds, changes and removes, in the words of `L`."""

    def said(what: str, items: Sized, **values: str) -> str:
        # Spanish agrees in number ("1 agregado", "2 agregados").
        n = len(items)
        return L(f"intake.change.{what}.{'one' if n == 1 else 'other'}", n=n, **values)

    lines = []
    for c in intake.changes:
        parts = []
        if c.added:
            parts.append(said("added", c.added, ids=", ".join(c.added)))
        if c.changed:
            shown = "; ".join(f"{pid}: {', '.join(fields)}" for pid, fields in c.changed.items())
            parts.append(said("changed", c.changed, shown=shown))
        if c.removed:
            parts.append(said("removed", c.removed, ids=", ".join(c.removed)))
        lines.append(f"{c.form}: {c.department}: {', '.join(parts) or L('intake.change.none')}")
    return lines


def import_forms(
    scenario_path: Path,
    forms: Sequence[Path],
    output: Path,
    *,
    variant_id: str | None = None,
) -> Intake:
    """The variant of `scenario_path` that the filled `forms` make, to be written at
    `output` (its `extends:` is relative to it). Raises ScenarioError with every problem
    of every form, located at its cell."""
    if str(scenario_path) == "-" or (
        scenario_path.exists() and not scenario_path.is_file() and not scenario_path.is_dir()
    ):
        # The variant written names its base by path: a pipe cannot be read again.
        raise ScenarioError(
            [Problem(str(scenario_path), 0, 0, "", Text("val.intake.base_not_a_file"))]
        )
    base = load_scenario(scenario_path)
    s = base.scenario
    problems: list[Problem] = []
    warnings: list[str] = []
    read: list[Form] = []
    by_department: dict[str, Form] = {}
    for path in forms:
        display = str(path)
        try:
            book = read_workbook(
                path, display, max_rows=MAX_FORM_ROWS, max_columns=MAX_FORM_COLUMNS
            )
        except ScenarioError as e:
            problems += e.problems
            continue
        reader = _Reader(book, s, str(scenario_path))
        form = reader.read(path, display, book.sha256)
        problems += reader.problems
        if form is None:
            continue
        other = by_department.get(form.department)
        if other is not None:
            problems.append(
                form.department_cell.problem(
                    "department",
                    Text("val.intake.second", id=form.department, first=other.display),
                )
            )
            continue
        by_department[form.department] = form
        if form.scenario_id and form.scenario_id != s.scenario.id:
            # Another scenario of the same city (last year's form, say): read, and said
            # plainly; its sha256 differs too, which this warning already implies.
            message = Text(
                "val.intake.other_scenario",
                was=form.scenario_id,
                now=s.scenario.id,
                scenario=str(scenario_path),
            )
            warnings.append(Warned(Problem(form.scenario_cell.where, 0, 0, "", message)))
        elif form.scenario_sha256 and form.scenario_sha256 != base.sha256:
            message = Text(
                "val.intake.other_version",
                scenario=str(scenario_path),
                was=form.scenario_sha256[:12],
                now=base.sha256[:12],
            )
            warnings.append(Warned(Problem(form.sha_cell.where, 0, 0, "", message)))
        read.append(form)
    owners = {p.id: p.department for p in s.programmes}
    for form in read:
        for row in form.rows:
            owner = owners.get(row.id)
            if owner is not None and owner != form.department:
                form.unread.add(row.id)
                problems.append(
                    row.cells["id"].problem(
                        "id",
                        Text("val.intake.owned", id=row.id, owner=owner),
                    )
                )
    # The rows that were read are checked by the scenario's rules even when others have
    # problems, so that every problem comes in one round.
    variant, changes, cells = _variant(base, read, output, variant_id)
    try:
        scenario, more = _validate(scenario_path, base, variant, output, cells, forms)
    except ScenarioError as e:
        raise ScenarioError(_ordered([*problems, *e.problems])) from None
    if problems:
        raise ScenarioError(_ordered(problems))
    text = variant_yaml(variant, scenario_path, read, base)
    return Intake(variant, text, tuple(changes), scenario, (*warnings, *more), base.files)


def _variant(
    base: LoadedScenario, forms: Sequence[Form], output: Path, variant_id: str | None
) -> tuple[dict[str, Any], list[Change], dict[tuple[str, str], Cell]]:
    s = base.scenario
    cluster_ids = [c.id for c in s.clusters]
    programmes = {p.id: p for p in s.programmes}
    add: list[dict[str, Any]] = []
    change: dict[str, dict[str, Any]] = {}
    remove: list[str] = []
    cells: dict[tuple[str, str], Cell] = {}
    changes: list[Change] = []
    for form in forms:
        added: list[str] = []
        changed: dict[str, tuple[str, ...]] = {}
        removed = _removed(s, form)
        remove.extend(removed)
        for row in form.rows:
            if row.id in form.unread:
                continue
            for key, cell in row.cells.items():
                cells[(row.id, key)] = cell
            if row.remove:
                continue
            new = scenario_fields(row.view, cluster_ids)
            known = programmes.get(row.id)
            if known is None:
                add.append(_added_programme(row.id, form.department, new))
                added.append(row.id)
                continue
            fields, named = _changed_fields(s, known, row, new, cluster_ids)
            if fields:
                change[row.id] = fields
                changed[row.id] = named
        changes.append(Change(form.department, form.display, tuple(added), changed, tuple(removed)))
    return _variant_document(base, output, variant_id, add, change, remove), changes, cells


def _removed(s: Scenario, form: Form) -> list[str]:
    """The ids of the department's programmes the form removes or no longer lists."""
    listed = {row.id: row for row in form.rows}
    removed: list[str] = []
    for p in s.programmes:
        if p.department != form.department:
            continue
        row = listed.get(p.id)
        if p.id in form.unread:
            continue  # a row with a problem: reported, the programme left as it is
        if row is None or row.remove:
            removed.append(p.id)
    return removed


def _added_programme(pid: str, department: str, new: dict[str, Any]) -> dict[str, Any]:
    """A new programme's scenario item: the form's values, without those at their default."""
    item = {"id": pid, "name": new["name"], "department": department}
    defaults = {
        "unit": "unit",
        "fixed_cost": 0.0,
        "min_units": 0.0,
        "max_units": None,
        "integer": False,
        "mandatory": False,
        "notes": "",
        "outputs": {},
    }
    for key in FORM_FIELDS[1:]:  # the name is already there
        value = new[key]
        if key in defaults and _same(value, defaults[key]):
            continue
        item[key] = _plain(value) if isinstance(value, float) else value
    return item


def _changed_fields(
    s: Scenario, known: Programme, row: Row, new: dict[str, Any], cluster_ids: list[str]
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The fields of a known programme the form changes, with their new values, and the
    names of those it changes (what the import's summary lists).

    `clusters` changes when the clusters where it runs do; `youth_per_unit` when the
    youth per unit changes in a cluster where it runs before and after (or a city-wide
    programme's, or it moves between city-wide and clusters). When only the clusters
    change, `youth_per_unit` is written again only if the scenario's value does not fit
    the new clusters (a map must give exactly its clusters), with the same values, and
    is not named."""
    before = view_of(known, s)
    old = scenario_fields(before, cluster_ids)
    fields: dict[str, Any] = {}
    for key in FORM_FIELDS:
        if key in ("clusters", "youth_per_unit"):
            continue
        if key in KEPT_WHEN_BLANK and (key not in row.cells or row.cells[key].empty):
            continue  # a cleared cell says nothing: what the scenario has stays
        if not _same(new[key], old[key]):
            fields[key] = _plain(new[key]) if isinstance(new[key], float) else new[key]
    named = list(fields)
    after = row.view
    runs_changed = before.where != after.where or (
        isinstance(before.youth, dict)
        and isinstance(after.youth, dict)
        and before.youth.keys() != after.youth.keys()
    )
    if isinstance(before.youth, dict) and isinstance(after.youth, dict):
        common = [c for c in before.youth if c in after.youth]
        youth_changed = any(not _same(before.youth[c], after.youth[c]) for c in common)
    else:
        youth_changed = not _same(old["youth_per_unit"], new["youth_per_unit"])
    if runs_changed:
        fields["clusters"] = new["clusters"]
        named.append("clusters")
    if youth_changed or (runs_changed and not _same(old["youth_per_unit"], new["youth_per_unit"])):
        fields["youth_per_unit"] = new["youth_per_unit"]
    if youth_changed:
        named.append("youth_per_unit")
    return fields, tuple(named)


def _variant_document(
    base: LoadedScenario,
    output: Path,
    variant_id: str | None,
    add: list[dict[str, Any]],
    change: dict[str, dict[str, Any]],
    remove: list[str],
) -> dict[str, Any]:
    """The variant file's document: extends the base, then removes, changes and adds."""
    info = base.scenario.scenario
    suffix = {"es": "con los formularios de las dependencias", "en": "with the departments' forms"}
    variant: dict[str, Any] = {
        EXTENDS: os.path.relpath(base.path.resolve(), output.resolve().parent),
        "scenario": {
            "id": variant_id or f"{info.id}-intake",
            "name": f"{info.name} · {suffix[info.language]}",
        },
    }
    ops: dict[str, Any] = {}
    if remove:
        ops["remove"] = remove
    if change:
        ops["change"] = change
    if add:
        ops["add"] = add
    if ops:
        variant["programmes"] = ops
    return variant


def _validate(
    scenario_path: Path,
    base: LoadedScenario,
    variant: dict[str, Any],
    output: Path,
    cells: Mapping[tuple[str, str], Cell],
    forms: Sequence[Path],
) -> tuple[Scenario, list[str]]:
    """The variant merged with its base and validated; its problems located at the
    form cells that gave the values (the base's own lines for what the forms do not show)."""
    base_doc, digests = load_document(scenario_path, str(scenario_path))
    if digests.get(scenario_path) != base.file_sha256:  # read twice: the same bytes?
        raise ScenarioError([Problem(str(scenario_path), 0, 0, "", Text("val.intake.changed"))])
    display = str(output)
    data, origin = merge(base_doc, Document(display, variant, {}))
    merged = Document(display, data, {}, origin=origin, references=base_doc.references)

    def at_form(loc: Key) -> tuple[str, int, int] | None:
        if len(loc) < 2 or loc[0] != "programmes" or not isinstance(loc[1], int):
            return None
        items = data.get("programmes") or []
        if not 0 <= loc[1] < len(items) or not isinstance(items[loc[1]], dict):
            return None
        pid = str(items[loc[1]].get("id"))
        rest = [str(part) for part in loc[2:]]
        for n in range(len(rest), 0, -1):
            key = ".".join(rest[:n])
            if rest[0] == "clusters" and n > 1:
                continue
            if (pid, key) in cells:
                return cells[(pid, key)].origin
        # A field the form does not show: the base alone is valid, so what breaks it is
        # what the form changed in that programme; its row says where (the code cell).
        # A programme no form lists: where the base has it.
        cell = cells.get((pid, "id"))
        return cell.origin if cell is not None else None

    merged.elsewhere.append(at_form)
    try:
        merged = apply_pending(merged, base_doc)  # a new city's votes wait for programmes
        scenario = validate_document(merged)
    except ScenarioError as e:
        raise ScenarioError(_ordered([_short_path(p, forms) for p in e.problems])) from e
    warnings = [
        _warning(_short_path(merged.problem(path, message), forms))
        for path, message in scenario.warnings()
    ]
    return scenario, warnings


_PROGRAMME_PATH = re.compile(r"^programmes\[\d+\]\.?")


def _short_path(p: Problem, forms: Sequence[Path]) -> Problem:
    """At a form cell, the field alone (`unit_cost`): the cell says which programme."""
    if any(p.file.startswith(f"{f}:") for f in forms):
        path = _PROGRAMME_PATH.sub("", p.path) or "id"
        return Problem(p.file, p.line, p.column, path, p.message)
    return p


def _warning(p: Problem) -> str:
    return Warned(p)


SHEET_ORDER = {sheet_name(sh, lang): k for k, sh in enumerate(Sheet) for lang in LANGUAGES}
_CELL = re.compile(r"^(?P<file>.*?):(?P<sheet>[^:]*)!(?P<col>[A-Z]+)(?P<row>\d+)$")


def _ordered(problems: Iterable[Problem]) -> list[Problem]:
    """Problems by file, sheet, row and column (a workbook cell's location is text, so
    C10 would otherwise come before C7)."""

    def key(p: Problem) -> tuple[str, str, int, int, int, str]:
        m = _CELL.match(p.file)
        if m is None:
            return (p.file, "", p.line, 0, p.column, p.message)
        col = 0
        for ch in m["col"]:
            col = col * 26 + ord(ch) - 64
        sheet = f"{SHEET_ORDER.get(m['sheet'], 9)}{m['sheet']}"  # the form's own order
        return (m["file"], sheet, int(m["row"]), 1, col, p.message)

    return sorted(dict.fromkeys(problems), key=key)


# --------------------------------------------------------------------------- YAML
def variant_yaml(
    variant: Mapping[str, Any], scenario_path: Path, forms: Sequence[Form], base: LoadedScenario
) -> str:
    """The variant as a YAML file a person can read, with where it came from."""
    text = yaml12.dump(_plain_data(variant))
    lines = [
        f"# Written by 'pazos-budget intake import' from {scenario_path}",
        f"# (sha256 {base.sha256}) and the forms:",
        *(f"#   {f.display} ({f.department}, sha256 {f.sha256})" for f in forms),
        "# The forms are the source: change them and import again rather than editing this file.",
    ]
    return "\n".join(lines) + "\n" + text


def _plain_data(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain_data(v) for v in value]
    return value
