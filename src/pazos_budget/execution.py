"""What has been delivered and spent so far: the execution record of a review.

An execution file (CSV, Spanish-locale CSV, or .xlsx) has the columns `programme,
cluster, units, spend` and an optional `date`, one row per delivery (several rows of the
same programme and cluster add up, as a dated log does). The cluster is blank for a
city-wide programme. Reading the file's cells is `sheets.py`'s job; this module turns
located cells into an `Execution` checked against the scenario, every problem at once,
each at its cell (`FILE.csv:12:3: units: ...`, `FILE.xlsx:Sheet!C7: units: ...`).

No solving and no reporting here: `review.py` compares an `Execution` with the plan.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from .errors import Problem, ScenarioError
from .scenario import Scenario

#: The columns of an execution file, and the header words accepted for each (Spanish
#: and English, compared without case, accents or surrounding blanks).
COLUMNS: dict[str, tuple[str, ...]] = {
    "programme": ("programme", "program", "programa"),
    "cluster": ("cluster", "clúster", "clusteres"),
    "units": ("units", "unidades"),
    "spend": ("spend", "gasto", "gasto ejecutado"),
    "date": ("date", "fecha"),
}
REQUIRED = ("programme", "cluster", "units", "spend")
#: At most this many problems are reported for one file (the rest are counted).
MAX_PROBLEMS = 50


class LocatedCell(Protocol):
    """A cell as the shared reader gives it: its value and where it is."""

    @property
    def value(self) -> object: ...

    @property
    def where(self) -> str: ...


@dataclass(frozen=True)
class Cell:
    """A plain located cell (tests, and callers that already hold the values)."""

    value: object
    where: str


@dataclass(frozen=True)
class ExecutionLine:
    """One row of an execution file, checked."""

    programme: str
    cluster: str | None  # None for a city-wide programme
    units: float
    spend: float  # in the scenario's money unit, as recorded
    date: str | None  # ISO date, when the file gives one
    where: str  # the row's location, e.g. "execution.csv:12" or "exec.xlsx:Ejecución!A7"


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


def _problem(where: str, path: str, message: str) -> Problem:
    """A problem at a located cell: `where` is already `FILE:ROW:COL` or `FILE:SHEET!CELL`."""
    return Problem(where, 0, 0, path, message)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def parse_number(value: object) -> float | None:
    """A cell's number: a number as is, a text in plain notation (`1234.5`); None if it
    is not one. Locale forms (`1.234,5`) are the reader's to convert (sheets.py)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        text = value.strip().replace("\u00a0", "").replace(" ", "")
        if _NUMBER.match(text):
            return float(text)
    return None


def _date(value: object) -> str | ValueError | None:
    if _blank(value):
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            return ValueError(f"'{value.strip()}' is not a date; write it as YYYY-MM-DD")
    return ValueError("is not a date; write it as YYYY-MM-DD")


def parse_execution(
    source: str,
    header: Sequence[LocatedCell],
    rows: Iterable[Sequence[LocatedCell]],
    scenario: Scenario,
    *,
    sha256: str = "",
) -> Execution:
    """Check the cells of an execution file against the scenario.

    `header` is the first non-blank row; `rows` the rows below it. Every problem is
    collected and raised at once as a ScenarioError (exit 2), each at its cell.
    """
    problems: list[Problem] = []
    where_file = source or "execution"
    columns: dict[str, int] = {}
    for j, cell in enumerate(header):
        if _blank(cell.value):
            continue
        name = _ALIASES.get(_fold(str(cell.value)))
        if name is None:
            problems.append(
                _problem(
                    cell.where,
                    "header",
                    f"unknown column '{str(cell.value).strip()}'; the columns are "
                    "programme, cluster, units, spend and optionally date",
                )
            )
        elif name in columns:
            problems.append(_problem(cell.where, "header", f"column '{name}' appears twice"))
        else:
            columns[name] = j
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        at = header[0].where if header else where_file
        problems.append(
            _problem(
                at,
                "header",
                f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} (the "
                "first row names the columns: programme, cluster, units, spend, and "
                "optionally date)",
            )
        )
        raise ScenarioError(problems)

    programmes = {p.id: p for p in scenario.programmes}
    clusters = set(scenario.cluster_ids)
    lines: list[ExecutionLine] = []
    for row in rows:
        values = {name: row[j] if j < len(row) else None for name, j in columns.items()}
        if all(c is None or _blank(c.value) for c in values.values()):
            continue  # a blank row
        row_where = next(c for c in row if c is not None).where

        def cell_at(
            name: str, values: dict[str, LocatedCell | None] = values, at: str = row_where
        ) -> tuple[object, str]:
            c = values[name]
            return (None, at) if c is None else (c.value, c.where)

        ok = True
        pid_value, pid_where = cell_at("programme")
        pid = "" if _blank(pid_value) else str(pid_value).strip()
        programme = programmes.get(pid)
        if not pid:
            problems.append(_problem(pid_where, "programme", "missing: name a programme id"))
            ok = False
        elif programme is None:
            problems.append(
                _problem(pid_where, "programme", f"unknown programme '{pid}' in this scenario")
            )
            ok = False
        cl_value, cl_where = cell_at("cluster")
        cid = None if _blank(cl_value) else str(cl_value).strip()
        if programme is not None:
            runs = scenario.programme_clusters(programme)
            if cid is not None and cid not in clusters:
                problems.append(_problem(cl_where, "cluster", f"unknown cluster '{cid}'"))
                ok = False
            elif cid is not None and not runs:
                problems.append(
                    _problem(
                        cl_where,
                        "cluster",
                        f"programme '{pid}' is city-wide: leave the cluster blank",
                    )
                )
                ok = False
            elif cid is not None and cid not in runs:
                problems.append(
                    _problem(
                        cl_where,
                        "cluster",
                        f"programme '{pid}' does not run in cluster '{cid}' "
                        f"(it runs in {', '.join(runs)})",
                    )
                )
                ok = False
            elif cid is None and runs:
                problems.append(
                    _problem(
                        cl_where,
                        "cluster",
                        f"missing: programme '{pid}' runs in clusters; name the one "
                        f"delivered in ({', '.join(runs)})",
                    )
                )
                ok = False
        amounts: dict[str, float] = {}
        for name in ("units", "spend"):
            value, where = cell_at(name)
            if _blank(value):
                amounts[name] = 0.0  # nothing recorded in that column yet
                continue
            number = parse_number(value)
            if number is None:
                problems.append(_problem(where, name, f"'{value}' is not a number"))
                ok = False
            elif not math.isfinite(number):
                problems.append(_problem(where, name, "must be a finite number"))
                ok = False
            elif number < 0:
                problems.append(
                    _problem(
                        where,
                        name,
                        f"must not be negative (got {number:g}); record "
                        "what was delivered and spent so far",
                    )
                )
                ok = False
            else:
                amounts[name] = number
                if (
                    name == "units"
                    and programme is not None
                    and programme.integer
                    and not number.is_integer()
                ):
                    problems.append(
                        _problem(
                            where,
                            name,
                            f"must be a whole number: '{pid}' is delivered in whole units "
                            f"(got {number:g})",
                        )
                    )
                    ok = False
        when: str | None = None
        if "date" in columns:
            value, where = cell_at("date")
            parsed = _date(value)
            if isinstance(parsed, ValueError):
                problems.append(_problem(where, "date", str(parsed)))
                ok = False
            else:
                when = parsed
        if ok:
            lines.append(
                ExecutionLine(pid, cid, amounts["units"], amounts["spend"], when, row_where)
            )
        if len(problems) >= MAX_PROBLEMS:
            problems.append(
                _problem(where_file, "", f"stopped after {MAX_PROBLEMS} problems; fix these first")
            )
            break
    if problems:
        raise ScenarioError(problems)
    return Execution(source, lines, sha256)
