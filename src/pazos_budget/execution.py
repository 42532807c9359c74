"""What has been delivered and spent so far: the execution record of a review.

An execution file (CSV, Spanish-locale CSV, or .xlsx) has the columns `programme,
cluster, units, spend` and optional `date` and `notes` (not read), one row per delivery
(several rows of the same programme and cluster add up, as a dated log does). The
cluster is blank for a city-wide programme. Reading the file's cells is `sheets.py`'s
job; this module turns located cells into an `Execution` checked against the scenario,
every problem at once, each at its cell (`FILE.csv:12:3: units: ...`,
`FILE.xlsx:Sheet!C7: units: ...`).

No solving and no reporting here: `review.py` compares an `Execution` with the plan.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from .errors import Problem, ScenarioError
from .files import read_input_bytes
from .messages import Joined, Num, Text, message_of
from .scenario import MAX_MAGNITUDE, Programme, Scenario
from .sheets import MAX_CSV_BYTES, MAX_WORKBOOK_BYTES, Cell, CellError, Table, read_table

#: The columns of an execution file, and the header words accepted for each (Spanish
#: and English, compared without case, accents or surrounding blanks).
COLUMNS: dict[str, tuple[str, ...]] = {
    "programme": ("programme", "program", "programa"),
    "cluster": ("cluster", "clúster", "clusteres"),
    "units": ("units", "unidades"),
    "spend": ("spend", "gasto", "gasto ejecutado"),
    "date": ("date", "fecha"),
    "notes": ("notes", "note", "nota", "notas", "observaciones"),
}
REQUIRED = ("programme", "cluster", "units", "spend")
#: At most this many problems are reported for one file (the rest are counted).
MAX_PROBLEMS = 50


@dataclass(frozen=True)
class ExecutionLine:
    """One row of an execution file, checked."""

    programme: str
    cluster: str | None  # None for a city-wide programme
    units: float
    spend: float  # in the scenario's money unit, as recorded
    date: str | None  # ISO date, when the file gives one
    where: str  # the programme cell, e.g. "execution.csv:12:1" or "exec.xlsx:Ejecución!A7"
    units_where: str = ""
    spend_where: str = ""


@dataclass
class Execution:
    """What has been executed, per (programme, cluster) cell, with the rows it came from."""

    source: str  # the file as named on the command line ("" for an in-memory record)
    lines: list[ExecutionLine] = field(default_factory=list)
    sha256: str = ""  # of the file's bytes

    def cells(self) -> dict[tuple[str, str | None], tuple[float, float]]:
        """(programme, cluster) -> (units, spend), rows of the same cell added up, in the
        order cells first appear."""
        units: dict[tuple[str, str | None], list[float]] = {}
        spend: dict[tuple[str, str | None], list[float]] = {}
        for line in self.lines:
            key = (line.programme, line.cluster)
            units.setdefault(key, []).append(line.units)
            spend.setdefault(key, []).append(line.spend)
        return {k: (math.fsum(units[k]), math.fsum(spend[k])) for k in units}

    def programme_totals(self) -> dict[str, tuple[float, float]]:
        """programme -> (units, spend) over its cells."""
        units: dict[str, list[float]] = {}
        spend: dict[str, list[float]] = {}
        for (pid, _), (u, sp) in self.cells().items():
            units.setdefault(pid, []).append(u)
            spend.setdefault(pid, []).append(sp)
        return {p: (math.fsum(units[p]), math.fsum(spend[p])) for p in units}


def _fold(text: str) -> str:
    """A header word without case, accents or extra blanks."""
    table = str.maketrans("áéíóúüñ", "aeiouun")
    return " ".join(text.strip().lower().translate(table).replace("_", " ").split())


_ALIASES = {_fold(alias): name for name, words in COLUMNS.items() for alias in words}


_DAY_FIRST = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def _date(value: object) -> str | ValueError | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        text = value.strip()
        day_first = _DAY_FIRST.match(text)
        try:
            if day_first:  # 31/03/2023, as a Colombian spreadsheet writes dates
                d, m, y = (int(g) for g in day_first.groups())
                return date(y, m, d).isoformat()
            return date.fromisoformat(text).isoformat()
        except ValueError:
            return ValueError(Text("val.exec.date", text=text))
    return ValueError(Text("val.exec.no_date"))


def _header_row(table: Table) -> int:
    """The index of the first row with a value (the header), -1 if the table is empty."""
    return next((k for k, row in enumerate(table.rows) if any(not c.empty for c in row)), -1)


def _is_execution(table: Table) -> bool:
    k = _header_row(table)
    if k < 0:
        return False
    return any(
        _ALIASES.get(_fold(c.text())) == "programme" for c in table.rows[k] if c.error is None
    )


def _column(name: str) -> Text:
    """A column's name as the message's language writes it (`cluster`, `clúster`)."""
    return Text(f"val.exec.col.{name}")


def parse_execution(table: Table, scenario: Scenario, *, sha256: str = "") -> Execution:
    """Check the cells of an execution table against the scenario.

    The first row with a value names the columns; the rows below are deliveries (blank
    rows are skipped). Every problem is collected and raised at once as a ScenarioError
    (exit 2), each at its cell.
    """
    problems: list[Problem] = []
    decimal = table.dialect.decimal if table.dialect is not None else "."
    k0 = _header_row(table)
    if k0 < 0:
        raise ScenarioError(
            [
                Problem(
                    table.name,
                    0,
                    0,
                    "",
                    Text("val.exec.no_rows"),
                )
            ]
        )
    header = table.rows[k0]
    columns: dict[str, int] = {}
    for j, cell in enumerate(header):
        try:
            text = cell.text("header")
        except CellError as e:
            problems += e.problems
            continue
        if not text:
            continue
        name = _ALIASES.get(_fold(text))
        if name is None:
            problems.append(
                cell.problem(
                    "header",
                    Text("val.exec.unknown_column", name=text),
                )
            )
        elif name in columns:
            problems.append(cell.problem("header", Text("val.exec.twice", name=_column(name))))
        else:
            columns[name] = j
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        problems.append(
            header[0].problem(
                "header",
                Text(
                    "val.exec.missing_columns" if len(missing) > 1 else "val.exec.missing_column",
                    names=Joined([_column(c) for c in missing], ", "),
                ),
            )
        )
        raise ScenarioError(problems)

    headed = set(columns.values())
    lines: list[ExecutionLine] = []
    for r in range(k0 + 2, len(table.rows) + 1):
        cells = {name: table.cell(r, j + 1) for name, j in columns.items() if name != "notes"}
        stray = _unheaded(table, r, headed)
        if all(c.empty for c in cells.values()):
            problems += stray  # a blank row, unless a value stands beyond the header
            continue
        found = _parse_row(cells, scenario, decimal, problems)
        if found is not None and not stray:
            lines.append(found)
        problems += stray
        if len(problems) >= MAX_PROBLEMS:
            message = Text("val.exec.stopped", n=MAX_PROBLEMS)
            problems.append(Problem(table.name, 0, 0, "", message))
            break
    if problems:
        raise ScenarioError(problems)
    return Execution(table.name, lines, sha256)


def _unheaded(table: Table, row: int, headed: set[int]) -> list[Problem]:
    """A problem for each value of row `row` in a column with no header. In a CSV file
    that is most often a cell split in two by its own separator (`94,08` in a
    comma-separated file, a note with a `;` in a semicolon one): read as it stands, the
    row would lose the part beyond the header without a word."""
    found = []
    for j, cell in enumerate(table.rows[row - 1] if row <= len(table.rows) else []):
        if j in headed or cell.empty:
            continue
        value = cell.text() if cell.error is None else ""
        if table.dialect is not None:
            message = Text("val.exec.unheaded_csv", value=value, sep=table.dialect.delimiter)
        else:
            message = Text("val.exec.unheaded", value=value)
        found.append(cell.problem("", message))
    return found


def _parse_row(
    cells: dict[str, Cell], s: Scenario, decimal: str, problems: list[Problem]
) -> ExecutionLine | None:
    """One delivery, or None with its problems appended."""
    before = len(problems)
    programmes = {p.id: p for p in s.programmes}

    def text(name: str) -> str:
        try:
            return cells[name].text(name)
        except CellError as e:
            problems.extend(e.problems)
            return ""

    pcell, ccell = cells["programme"], cells["cluster"]
    pid = text("programme")
    programme = programmes.get(pid)
    if not pid and pcell.error is None:
        problems.append(pcell.problem("programme", Text("val.exec.no_programme")))
    elif pid and programme is None:
        problems.append(pcell.problem("programme", Text("val.exec.unknown_programme", id=pid)))
    cid = text("cluster") or None
    if programme is not None and ccell.error is None:
        _check_cluster(s, programme, pid, cid, ccell, problems)
    amounts = _amounts(cells, decimal, programme, pid, problems)
    when = _delivery_date(cells, problems)
    if len(problems) > before or programme is None:
        return None
    return ExecutionLine(
        pid,
        cid,
        amounts["units"],
        amounts["spend"],
        when,
        pcell.where,
        cells["units"].where,
        cells["spend"].where,
    )


def _check_cluster(
    s: Scenario,
    programme: Programme,
    pid: str,
    cid: str | None,
    ccell: Cell,
    problems: list[Problem],
) -> None:
    """The delivery's cluster against where its programme runs; problems appended."""
    runs = s.programme_clusters(programme)
    if cid is not None and cid not in s.cluster_ids:
        problems.append(ccell.problem("cluster", Text("val.unknown.cluster", id=cid, hint="")))
    elif cid is not None and not runs:
        problems.append(ccell.problem("cluster", Text("val.exec.city_wide", id=pid)))
    elif cid is not None and cid not in runs:
        message = Text("val.exec.not_there", id=pid, cluster=cid, runs=", ".join(runs))
        problems.append(ccell.problem("cluster", message))
    elif cid is None and runs:
        message = Text("val.exec.which_cluster", id=pid, runs=", ".join(runs))
        problems.append(ccell.problem("cluster", message))


def _amounts(
    cells: dict[str, Cell],
    decimal: str,
    programme: Programme | None,
    pid: str,
    problems: list[Problem],
) -> dict[str, float]:
    """The units and spend read (blank as 0), without those that have problems."""
    amounts: dict[str, float] = {}
    for name in ("units", "spend"):
        cell = cells[name]
        try:
            number = cell.number(name, decimal)
        except CellError as e:
            problems.extend(e.problems)
            continue
        if number is None:
            amounts[name] = 0.0  # nothing recorded in that column yet
        elif not abs(number) <= MAX_MAGNITUDE:
            # The scenario's own limit (docs/model.md): '1e400' reads as infinity, and
            # sums beyond it would reach the solver and the reports as nonsense.
            message = Text("val.exec.too_large", text=cell.text(), limit="1e15")
            problems.append(cell.problem(name, message))
        elif number < 0:
            problems.append(
                cell.problem(
                    name,
                    Text("val.exec.negative", number=Num(number)),
                )
            )
        else:
            amounts[name] = number
            if (
                name == "units"
                and programme is not None
                and programme.integer
                and not number.is_integer()
            ):
                problems.append(
                    cell.problem(
                        name,
                        Text("val.exec.whole", id=pid, number=Num(number)),
                    )
                )
    return amounts


def _delivery_date(cells: dict[str, Cell], problems: list[Problem]) -> str | None:
    """The delivery's date, if the file has a date column and it reads; else None."""
    if "date" not in cells:
        return None
    dcell = cells["date"]
    if dcell.error is not None:
        problems.append(dcell.problem("date", dcell.error))
    else:
        parsed = _date(dcell.value)
        if isinstance(parsed, ValueError):
            problems.append(dcell.problem("date", message_of(parsed)))
        else:
            return parsed
    return None


def load_execution(path: Path, scenario: Scenario, display: str | None = None) -> Execution:
    """Read an execution file (.csv, or the execution sheet of an .xlsx: the first whose
    header names a programme column) through the shared reader (sheets.py) and check it.
    """
    name = display or str(path)
    suffix = Path(path).suffix.lower()
    tables = read_table(path, name)
    table = next((t for t in tables if _is_execution(t)), tables[0] if tables else None)
    if table is None:
        raise ScenarioError([Problem(name, 0, 0, "", Text("val.exec.no_sheet"))])
    problems = table.errors()
    if problems:
        raise ScenarioError(problems)
    # The hash is of the file as it is now (read again: the reader keeps no digest).
    raw = read_input_bytes(
        Path(path),
        name,
        what=Text("val.what.execution"),
        text="CSV" if suffix == ".csv" else "workbook",
        limit=MAX_CSV_BYTES if suffix == ".csv" else MAX_WORKBOOK_BYTES,
        missing=Text("val.file.missing"),
        binary=suffix != ".csv",
    )
    return parse_execution(table, scenario, sha256=hashlib.sha256(raw).hexdigest())
