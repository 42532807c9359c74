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
city's). The file is read by `sheets.read_small_table` (a CSV file's separator, decimal
mark and encoding detected, so Excel's Spanish "CSV" with `;` and decimal commas reads
as is; a workbook's saved values only). Every problem with the file is reported at its
cell, all at once: `FILE:ROW:COL: column: message` (CSV; the header is row 1) or
`FILE:SHEET!CELL: ...`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from .errors import Problem, ScenarioError
from .i18n import Usage
from .messages import Text
from .scenario import MAX_MAGNITUDE, SLUG_PATTERN
from .sheets import Cell, Table, plain_number, read_small_table

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
def read_territories(path: str | Path) -> Territories:
    """Read and check a territories file (CSV or .xlsx); every problem at its cell."""
    return _territories(read_small_table(Path(path), str(path), limit=MAX_FILE_BYTES))


def _territories(table: Table) -> Territories:
    rows = table.rows
    if not rows or not any(c.text() for c in rows[0]):
        raise _fail(table.file, Text("val.init.terr.no_header", columns=", ".join(BASE_COLUMNS)))
    columns, indicators = _columns(table)
    problems: list[Problem] = []
    items: list[Territory] = []
    seen: dict[str, str] = {}
    for r in range(2, len(rows) + 1):
        if not any(c.text() for c in rows[r - 1]):
            continue  # blank rows are skipped (their numbers still count)

        def cell(column: str, r: int = r) -> Cell:
            return table.cell(r, columns[column] + 1)

        ident, label, youth = cell(ID), cell(NAME), cell(YOUTH)
        bad = len(problems)
        _check_id(ident, seen, problems)
        if not label.text():
            problems.append(label.problem(NAME, Text("val.init.terr.no_name")))
        population = _whole(youth.text(), table.decimal)
        if population is not None and population > MAX_MAGNITUDE:
            problems.append(youth.problem(YOUTH, _too_large(youth.text())))
        elif population is None or population <= 0:
            problems.append(
                youth.problem(
                    YOUTH,
                    Text("val.init.terr.youth", text=youth.text())
                    if youth.text()
                    else Text("val.init.terr.no_youth"),
                )
            )
        counts = _counts(ident, indicators, cell, table.decimal, problems)
        if len(problems) == bad:
            assert population is not None
            items.append(Territory(ident.text(), label.text(), population, counts, table.label(r)))
        if len(problems) >= MAX_PROBLEMS:
            break
    if problems:
        raise ScenarioError(problems[:MAX_PROBLEMS])
    if not items:
        raise _fail(table.file, Text("val.init.terr.none"))
    return Territories(table.file, indicators, tuple(items))


def _fail(where: str, message: str, column: str = "") -> ScenarioError:
    return ScenarioError([_problem(where, message, column)])


def _problem(where: str, message: str, column: str = "") -> Problem:
    # `where` is a file, or already "FILE:ROW:COL": Problem prints it as is.
    return Problem(where, 0, 0, column, message)


def _columns(table: Table) -> tuple[dict[str, int], tuple[str, ...]]:
    """The header's columns (name -> index) and its indicators, or every header problem."""
    width = max(len(row) for row in table.rows)
    header = [table.cell(1, j + 1) for j in range(width)]
    problems: list[Problem] = []
    columns: dict[str, int] = {}
    for j, head in enumerate(header):
        name = head.text()
        if not name:
            if any(table.cell(r, j + 1).text() for r in range(2, len(table.rows) + 1)):
                problems.append(head.problem("", Text("val.init.terr.unnamed", n=j + 1)))
            continue
        if name in columns:
            problems.append(head.problem("", Text("val.init.terr.column_twice", name=name)))
        elif name not in BASE_COLUMNS and not _SLUG.fullmatch(name):
            problems.append(
                head.problem(
                    "",
                    Text("val.init.terr.indicator_id", name=name),
                )
            )
        columns[name] = j
    missing = [c for c in BASE_COLUMNS if c not in columns]
    if missing:
        problems.append(
            header[0].problem(
                "",
                Text(
                    f"val.table.missing_columns.{'one' if len(missing) == 1 else 'other'}",
                    names=", ".join(missing),
                ),
            )
        )
    indicators = tuple(c for c in columns if c not in BASE_COLUMNS)
    if not indicators and not missing:
        problems.append(header[-1].problem("", Text("val.init.terr.no_indicator")))
    if problems:
        raise ScenarioError(problems)
    return columns, indicators


def _check_id(ident: Cell, seen: dict[str, str], problems: list[Problem]) -> None:
    """A territory's id: an id, not 'all', not seen before (`seen` records it)."""
    text = ident.text()
    if not _SLUG.fullmatch(text) or len(text) > 64:
        problems.append(
            ident.problem(
                ID,
                Text("val.init.terr.not_an_id", text=text),
            )
        )
    elif text == "all":
        problems.append(ident.problem(ID, Text("val.all_reserved")))
    elif text in seen:
        problems.append(ident.problem(ID, Text("val.id_twice", id=text, at=seen[text])))
    else:
        seen[text] = ident.where


def _counts(
    ident: Cell,
    indicators: tuple[str, ...],
    cell: Callable[[str], Cell],
    decimal: str,
    problems: list[Problem],
) -> dict[str, Fraction]:
    """A territory's count of each indicator; a blank, non-number or negative is a problem."""
    counts: dict[str, Fraction] = {}
    for indicator in indicators:
        c = cell(indicator)
        text = c.text()
        value = _count(text, decimal)
        if not text:
            problems.append(
                c.problem(
                    indicator,
                    Text("val.init.terr.no_count", id=ident.text()),
                )
            )
        elif value is None:
            problems.append(c.problem(indicator, Text("val.cell.got", text=text)))
        elif value < 0:
            problems.append(c.problem(indicator, Text("val.init.terr.negative", text=text)))
        elif value > MAX_MAGNITUDE:
            problems.append(c.problem(indicator, _too_large(text)))
        else:
            counts[indicator] = value
    return counts


def _too_large(text: str) -> str:
    # Exact fractions hold '1e400', but the skeleton writes its weights as floats, so
    # a count beyond the scenario's own limit (docs/model.md) is refused at its cell.
    return Text("val.init.too_large", text=text, limit="1e15")


def _whole(text: str, decimal: str = ".") -> int | None:
    value = _count(text, decimal)
    return int(value) if value is not None and value.denominator == 1 else None


def _count(text: str, decimal: str = ".") -> Fraction | None:
    """A count as written, exactly ("2.5" is 5/2; "2,5" too in a file with a decimal
    comma), or None when it is not a number."""
    plain = plain_number(text, decimal) if text else None
    if plain is None or not _NUMBER.fullmatch(plain):
        return None
    return Fraction(plain)


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
            raise Usage("usage.init.indicators.form", text=text)
        if name not in indicators:
            raise Usage(
                "usage.init.indicators.unknown", name=name, indicators=", ".join(indicators)
            )
        if name in weights:
            raise Usage("usage.init.indicators.twice", name=name)
        w = _count(value.strip())
        if w is None or not 0 <= w <= MAX_MAGNITUDE:
            raise Usage("usage.init.indicators.weight", name=name, limit="1e15")
        weights[name] = w
    if not any(weights.values()):
        raise Usage("usage.init.indicators.none")
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
