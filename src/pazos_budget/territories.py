"""Territories and their indicators: the composite index that weighs and prioritizes them.

A territories file (CSV, or .xlsx: its first sheet) has the columns `id, name,
youth_population`, then one column per indicator, each a count for the same period
(`youth_homicides, injuries, domestic_violence, sexual_crimes`, ...).

The index of territory t (docs/replication.md):

    rate[t,i]     = count[t,i] / youth_population[t]          (per young person)
    city_rate[i]  = sum_t count[t,i] / sum_t youth_population[t]
    relative[t,i] = rate[t,i] / city_rate[i]                   (1 = the city's rate)
    index[t]      = sum_i w[i] * relative[t,i] / sum_i w[i]    (weighted mean)

so a territory at the city's rate of every indicator has index 1, and the youth-weighted
mean of the index over the city is exactly 1. The arithmetic is exact (fractions), so
that the order of the territories is the index's own, not an accident of rounding: more
events in one territory never lower its index (its rate grows at least as fast as the
city's). Every problem with the file is reported at its cell, all at once:
`FILE:ROW:COL: column: message` (CSV; the header is row 1) or `FILE:SHEET!CELL: ...`.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from .errors import Problem, ScenarioError, UsageError
from .messages import Num, Text
from .scenario import SLUG_PATTERN

#: The columns every territories file starts with (then one column per indicator).
ID, NAME, YOUTH = "id", "name", "youth_population"
BASE_COLUMNS = (ID, NAME, YOUTH)
#: Largest territories file read (a national file of 1,100 municipalities is ~100 KB).
MAX_FILE_BYTES = 20 * 1024 * 1024
#: Problems reported before giving up.
MAX_PROBLEMS = 50
#: The move of an indicator's weight that `--explain` tries beside the exact limits.
EXPLAIN_FACTORS = (0.5, 2.0)
_SLUG = re.compile(SLUG_PATTERN)
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


@dataclass(frozen=True)
class Territory:
    id: str
    name: str
    youth_population: int
    counts: Mapping[str, Fraction]  # indicator -> count, exact as written
    row: str  # its row in the file: "ROW" (CSV) or "SHEET!ROW" (.xlsx), for comments


@dataclass(frozen=True)
class Territories:
    file: str
    indicators: tuple[str, ...]  # the indicator columns, in file order
    items: tuple[Territory, ...]

    @property
    def total_youth(self) -> int:
        return sum(t.youth_population for t in self.items)

    def total(self, indicator: str) -> Fraction:
        return sum((t.counts[indicator] for t in self.items), Fraction(0))


@dataclass(frozen=True)
class CompositeIndex:
    """The index of every territory under one set of indicator weights."""

    territories: Territories
    weights: Mapping[str, Fraction]  # indicator -> weight as given (only those > 0)
    city_rate: Mapping[str, Fraction]  # indicator -> events per young person, city-wide
    relative: Mapping[str, Mapping[str, Fraction]]  # territory -> indicator -> rate / city's
    index: Mapping[str, Fraction]  # territory -> weighted mean of `relative`

    def ranking(self) -> list[str]:
        """Territory ids, highest index first (ties: in id order, so the ranking is one)."""
        return sorted(self.index, key=lambda t: (-self.index[t], t))

    def top(self, k: int) -> list[str]:
        return self.ranking()[:k]


# --------------------------------------------------------------------------- reading
@dataclass(frozen=True)
class _Cell:
    text: str
    where: str  # "FILE:ROW:COL" or "FILE:SHEET!A1"


def read_territories(path: str | Path) -> Territories:
    """Read and check a territories file (CSV or .xlsx); every problem at its cell."""
    p = Path(path)
    name = str(path)
    if p.suffix.lower() in (".xlsm", ".xltm"):
        raise _fail(name, Text("val.init.terr.macros"))
    return _territories(name, read_rows(p, name))


def read_rows(path: Path, name: str) -> list[tuple[str, list[_Cell]]]:
    """A CSV or .xlsx file's rows of text cells, each cell with its location, every row
    as wide as the widest (blank cells added)."""
    rows = _xlsx_rows(path, name) if path.suffix.lower() == ".xlsx" else _csv_rows(path, name)
    _refuse_controls(rows)
    return rows


def _refuse_controls(rows: list[tuple[str, list[_Cell]]]) -> None:
    """Cells holding control characters, at their cells: names are printed on terminals
    and in workbooks (display.py), and written into the scenario."""
    from .display import control_problem

    header = [c.text for c in rows[0][1]] if rows else []
    problems: list[Problem] = []
    for r, (_, cells) in enumerate(rows):
        for j, cell in enumerate(cells):
            column = header[j] if r and j < len(header) else ""
            bad = control_problem(cell.text, column)
            if bad is not None:
                problems.append(_problem(cell.where, bad, column))
    if problems:
        raise ScenarioError(problems[:MAX_PROBLEMS])


def _fail(where: str, message: str, column: str = "") -> ScenarioError:
    return ScenarioError([_problem(where, message, column)])


def _problem(where: str, message: str, column: str = "") -> Problem:
    # `where` is already "FILE:ROW:COL" (or "FILE:SHEET!CELL"): Problem prints it as is.
    return Problem(where, 0, 0, column, message)


def _csv_rows(path: Path, name: str) -> list[tuple[str, list[_Cell]]]:
    from .tables import read_table_text  # UTF-8, BOM, size, binary and pipe checks

    return csv_rows(read_table_text(path, name, missing=Text("val.file.missing")), name)


def csv_rows(text: str, name: str) -> list[tuple[str, list[_Cell]]]:
    """CSV text's rows of located cells (as `read_rows`)."""
    first = text.split("\n", 1)[0]
    if ";" in first and "," not in first:
        raise _fail(
            f"{name}:1:1",
            Text("val.init.terr.semicolon"),
        )
    rows: list[tuple[str, list[_Cell]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    row = 0
    try:
        for record in reader:
            row += 1  # the row a spreadsheet shows (a quoted cell may span lines)
            cells = [_Cell(v.strip(), f"{name}:{row}:{j + 1}") for j, v in enumerate(record)]
            rows.append((str(row), cells))
    except csv.Error as e:
        message = Text("val.table.invalid", detail=str(e))
        raise _fail(f"{name}:{reader.line_num}:1", message) from e
    width = max((len(cells) for _, cells in rows), default=0)
    for row, (_, cells) in enumerate(rows, start=1):
        cells += [_Cell("", f"{name}:{row}:{j + 1}") for j in range(len(cells), width)]
    return rows


def _xlsx_rows(path: Path, name: str) -> list[tuple[str, list[_Cell]]]:
    """The first sheet's cells as text (cached values: formulas are never evaluated)."""
    import openpyxl  # openpyxl parses the XML with defusedxml when it is installed
    from openpyxl.utils import get_column_letter

    if not path.is_file():
        raise _fail(name, Text("val.file.missing"))
    if path.stat().st_size > MAX_FILE_BYTES:
        raise _fail(name, Text("val.file.too_large", limit=Num(MAX_FILE_BYTES, ",")))
    try:
        formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # zipfile, XML and openpyxl errors all mean "not a workbook"
        raise _fail(name, Text("val.init.terr.workbook", detail=str(e))) from e
    sheet, raw = book.worksheets[0], formulas.worksheets[0]
    rows: list[tuple[str, list[_Cell]]] = []
    problems: list[Problem] = []
    for r, (values, written) in enumerate(
        zip(sheet.iter_rows(values_only=True), raw.iter_rows(values_only=True), strict=False),
        start=1,
    ):
        cells = []
        for j, value in enumerate(values):
            where = f"{name}:{sheet.title}!{get_column_letter(j + 1)}{r}"
            formula = j < len(written) and isinstance(written[j], str) and written[j][:1] == "="
            if value is None and formula:
                problems.append(_problem(where, Text("val.init.terr.formula")))
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            cells.append(_Cell("" if value is None else str(value).strip(), where))
        rows.append((f"{sheet.title}!{r}", cells))
    width = max((len(cells) for _, cells in rows), default=0)
    for r, (_, cells) in enumerate(rows, start=1):
        cells += [
            _Cell("", f"{name}:{sheet.title}!{get_column_letter(j + 1)}{r}")
            for j in range(len(cells), width)
        ]
    book.close()
    formulas.close()
    if problems:
        raise ScenarioError(problems[:MAX_PROBLEMS])
    return rows


def _territories(name: str, rows: list[tuple[str, list[_Cell]]]) -> Territories:
    if not rows or not any(c.text for c in rows[0][1]):
        raise _fail(name, Text("val.init.terr.no_header", columns=", ".join(BASE_COLUMNS)))
    columns, indicators = _columns(rows)
    problems: list[Problem] = []
    items: list[Territory] = []
    seen: dict[str, str] = {}
    for row, cells in rows[1:]:
        if not any(c.text for c in cells):
            continue  # blank rows are skipped (their numbers still count)

        def cell(column: str, cells: list[_Cell] = cells) -> _Cell:
            return cells[columns[column]]

        ident, label, youth = cell(ID), cell(NAME), cell(YOUTH)
        bad = len(problems)
        _check_id(ident, seen, problems)
        if not label.text:
            problems.append(_problem(label.where, Text("val.init.terr.no_name"), NAME))
        population = _whole(youth.text)
        if population is None or population <= 0:
            problems.append(
                _problem(
                    youth.where,
                    Text("val.init.terr.youth", text=youth.text)
                    if youth.text
                    else Text("val.init.terr.no_youth"),
                    YOUTH,
                )
            )
        counts = _counts(ident, indicators, cell, problems)
        if len(problems) == bad:
            assert population is not None
            items.append(Territory(ident.text, label.text, population, counts, row))
        if len(problems) >= MAX_PROBLEMS:
            break
    if problems:
        raise ScenarioError(problems[:MAX_PROBLEMS])
    if not items:
        raise _fail(name, Text("val.init.terr.none"))
    return Territories(name, indicators, tuple(items))


def _columns(rows: list[tuple[str, list[_Cell]]]) -> tuple[dict[str, int], tuple[str, ...]]:
    """The header's columns (name -> index) and its indicators, or every header problem."""
    header = rows[0][1]
    problems: list[Problem] = []
    columns: dict[str, int] = {}
    for j, head in enumerate(header):
        if not head.text:
            if any(cells[j].text for _, cells in rows[1:]):
                problems.append(_problem(head.where, Text("val.init.terr.unnamed", n=j + 1)))
            continue
        if head.text in columns:
            problems.append(
                _problem(head.where, Text("val.init.terr.column_twice", name=head.text))
            )
        elif head.text not in BASE_COLUMNS and not _SLUG.fullmatch(head.text):
            problems.append(
                _problem(
                    head.where,
                    Text("val.init.terr.indicator_id", name=head.text),
                )
            )
        columns[head.text] = j
    missing = [c for c in BASE_COLUMNS if c not in columns]
    if missing:
        message = Text("val.table.missing_columns", names=", ".join(missing))
        problems.append(_problem(header[0].where, message))
    indicators = tuple(c for c in columns if c not in BASE_COLUMNS)
    if not indicators and not missing:
        problems.append(
            _problem(
                header[-1].where,
                Text("val.init.terr.no_indicator"),
            )
        )
    if problems:
        raise ScenarioError(problems)
    return columns, indicators


def _check_id(ident: _Cell, seen: dict[str, str], problems: list[Problem]) -> None:
    """A territory's id: an id, not 'all', not seen before (`seen` records it)."""
    if not _SLUG.fullmatch(ident.text) or len(ident.text) > 64:
        problems.append(
            _problem(
                ident.where,
                Text("val.init.terr.not_an_id", text=ident.text),
                ID,
            )
        )
    elif ident.text == "all":
        problems.append(_problem(ident.where, Text("val.all_reserved"), ID))
    elif ident.text in seen:
        problems.append(
            _problem(ident.where, Text("val.id_twice", id=ident.text, at=seen[ident.text]), ID)
        )
    else:
        seen[ident.text] = ident.where


def _counts(
    ident: _Cell,
    indicators: tuple[str, ...],
    cell: Callable[[str], _Cell],
    problems: list[Problem],
) -> dict[str, Fraction]:
    """A territory's count of each indicator; a blank, non-number or negative is a problem."""
    counts: dict[str, Fraction] = {}
    for indicator in indicators:
        c = cell(indicator)
        value = _count(c.text)
        if not c.text:
            problems.append(
                _problem(
                    c.where,
                    Text("val.init.terr.no_count", id=ident.text),
                    indicator,
                )
            )
        elif value is None:
            problems.append(_problem(c.where, Text("val.cell.got", text=c.text), indicator))
        elif value < 0:
            problems.append(
                _problem(c.where, Text("val.init.terr.negative", text=c.text), indicator)
            )
        else:
            counts[indicator] = value
    return counts


def _whole(text: str) -> int | None:
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    if _NUMBER.fullmatch(text) and float(text).is_integer() and math.isfinite(float(text)):
        return int(float(text))
    return None


def _count(text: str) -> Fraction | None:
    """A count as written, exactly ("2.5" is 5/2), or None when it is not a number."""
    if not _NUMBER.fullmatch(text):
        return None
    return Fraction(text)


# --------------------------------------------------------------------------- the index
def parse_weights(text: str | None, indicators: Sequence[str]) -> dict[str, Fraction]:
    """`NAME=WEIGHT,...` (e.g. `youth_homicides=0.5,injuries=0.2`) as exact weights;
    None: every indicator of the file weighs the same. Unknown names are refused."""
    if text is None:
        return {i: Fraction(1) for i in indicators}
    weights: dict[str, Fraction] = {}
    for part in (p.strip() for p in text.split(",")):
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(
                f"--indicators {text}: give NAME=WEIGHT pairs separated by commas, "
                "e.g. youth_homicides=0.5,injuries=0.2"
            )
        if name not in indicators:
            raise UsageError(
                f"--indicators: '{name}' is not a column of the territories file "
                f"(its indicators: {', '.join(indicators)})"
            )
        if name in weights:
            raise UsageError(f"--indicators: '{name}' is given twice")
        w = _count(value.strip())
        if w is None or w < 0:
            raise UsageError(f"--indicators: the weight of '{name}' must be a number >= 0")
        weights[name] = w
    if not any(weights.values()):
        raise UsageError("--indicators: at least one weight must be greater than 0")
    return weights


def composite_index(territories: Territories, weights: Mapping[str, Fraction]) -> CompositeIndex:
    """The index of every territory (module docstring). An indicator with weight > 0 that
    no territory recorded has no city rate to compare with: a located error."""
    used = {i: w for i, w in weights.items() if w > 0}
    youth = territories.total_youth
    city: dict[str, Fraction] = {}
    for i in used:
        total = territories.total(i)
        if total == 0:
            raise ScenarioError(
                [
                    _problem(
                        territories.file,
                        Text("val.init.terr.no_rate", indicator=i),
                        i,
                    )
                ]
            )
        city[i] = total / youth
    wsum = sum(used.values(), Fraction(0))
    relative: dict[str, dict[str, Fraction]] = {}
    index: dict[str, Fraction] = {}
    for t in territories.items:
        rel = {i: (t.counts[i] / t.youth_population) / city[i] for i in used}
        relative[t.id] = rel
        index[t.id] = sum((used[i] * rel[i] for i in used), Fraction(0)) / wsum
    return CompositeIndex(territories, used, city, relative, index)


# --------------------------------------------------------------------------- sensitivity
@dataclass(frozen=True)
class Move:
    """The prioritized set when one indicator's weight is multiplied by `factor`."""

    indicator: str
    factor: Fraction
    enter: tuple[str, ...]
    leave: tuple[str, ...]


@dataclass(frozen=True)
class Stability:
    """How far one indicator's weight can move before the prioritized set changes: the set
    is the same for every factor strictly between `low` and `high` (None: no limit), and
    `below` / `above` are the moves just beyond each limit."""

    indicator: str
    low: Fraction | None
    high: Fraction | None
    below: Move | None
    above: Move | None
    moves: tuple[Move, ...]  # the fixed moves (EXPLAIN_FACTORS and dropping it)


def _scaled(weights: Mapping[str, Fraction], indicator: str, f: Fraction) -> dict[str, Fraction]:
    return {i: (w * f if i == indicator else w) for i, w in weights.items()}


def _move(
    territories: Territories,
    weights: Mapping[str, Fraction],
    base: list[str],
    indicator: str,
    f: Fraction,
    k: int,
) -> Move | None:
    scaled = _scaled(weights, indicator, f)
    if not any(w > 0 for w in scaled.values()):
        return None  # dropping the only indicator leaves no index
    top = composite_index(territories, scaled).top(k)
    return Move(
        indicator,
        f,
        tuple(t for t in top if t not in base),
        tuple(t for t in base if t not in top),
    )


def sensitivity(territories: Territories, index: CompositeIndex, k: int) -> list[Stability]:
    """For each indicator with weight > 0: the range of factors on its weight within which
    the top `k` stays the same, and what enters and leaves just beyond (exact: scores are
    linear in the factor, so the limits are where an inside and an outside territory
    cross), plus the fixed moves (halved, doubled, dropped)."""
    weights = dict(index.weights)
    base = index.top(k)
    inside, outside = set(base), [t for t in index.ranking() if t not in base]
    out: list[Stability] = []
    if not outside or not base:
        return out
    for j in weights:
        # Unnormalized score s_t(f) = A_t + f * B_t; the order does not depend on the sum
        # of the weights once every territory is divided by the same sum.
        a = {
            t: sum((w * index.relative[t][i] for i, w in weights.items() if i != j), Fraction(0))
            for t in index.index
        }
        b = {t: weights[j] * index.relative[t][j] for t in index.index}
        low: Fraction | None = None
        high: Fraction | None = None
        for t in inside:
            for u in outside:
                d, c = b[t] - b[u], a[u] - a[t]  # need d * f >= c
                if d > 0:
                    bound = c / d
                    if bound > 0 and (low is None or bound > low):
                        low = bound
                elif d < 0:
                    bound = c / d
                    if high is None or bound < high:
                        high = bound
        below = (
            _move(territories, weights, base, j, low * (1 - Fraction(1, 10**9)), k) if low else None
        )
        above = (
            _move(territories, weights, base, j, high * (1 + Fraction(1, 10**9)), k)
            if high
            else None
        )
        moves = [_move(territories, weights, base, j, Fraction(f), k) for f in EXPLAIN_FACTORS]
        moves.append(_move(territories, weights, base, j, Fraction(0), k))
        out.append(Stability(j, low, high, below, above, tuple(m for m in moves if m is not None)))
    return out
