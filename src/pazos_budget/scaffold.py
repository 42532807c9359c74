"""`pazos-budget init`: a new city's scenario skeleton from its territories file.

The skeleton holds the clusters (one per territory, `weight` = the composite index of
territories.py, the K highest `prioritized`), the standard PAZOS targets as editable
defaults, the departments of an optional CSV file (`id, name, budget, min_spend, notes`),
optionally the programmes' CSV table and a citizens' vote file, and YAML comments that say
how every number was computed, in the scenario's language. The text is built here and
checked by the loader before anything is written: it validates as written, with warnings
where the programmes are still missing.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from . import __version__
from .errors import Problem, ScenarioError
from .i18n import Usage, separators
from .messages import Num, Text
from .pabulib import slug
from .reports.labels import Labels
from .scenario import MAX_MAGNITUDE, SLUG_PATTERN
from .sheets import Cell, parse_number, read_small_table
from .territories import (
    CompositeIndex,
    Stability,
    Territories,
    composite_index,
    parse_weights,
    read_territories,
    sensitivity,
)
from .votes import VOTES_METRIC, read_votes, share_of

#: Decimals of a cluster's weight as written (rounding is monotone: the order is kept).
WEIGHT_DECIMALS = 4
#: The standard PAZOS targets' defaults (the Palmira baseline's spirit, editable).
REACH_SHARE = 0.20
FOCUS_SHARE = 0.60
VOTES_SHARE = 0.5
#: Columns of a departments CSV file.
DEPARTMENT_COLUMNS = ("id", "name", "budget", "min_spend", "notes")
TARGET_IDS = {
    "es": ("cinco-componentes", "alcance-juvenil", "foco-territorial", "votos-ciudadanos"),
    "en": ("all-five-components", "youth-reach", "territorial-focus", "citizen-votes"),
}


@dataclass(frozen=True)
class InitOptions:
    territories: Path
    output: Path
    indicators: str | None = None  # NAME=WEIGHT,...; None: equal weights
    prioritize: int | None = None  # K; None: every territory above the city's rate
    departments: Path | None = None
    programmes: Path | None = None  # a programmes CSV table to name under `tables:`
    votes: Path | None = None  # a citizens' vote file (.pb or CSV) to name under `votes:`
    scenario_id: str | None = None
    name: str | None = None
    year: int | None = None  # None: this year
    currency: str = "COP millions"
    lang: str = "es"
    notes: str = ""


@dataclass(frozen=True)
class DepartmentRow:
    id: str
    name: str
    budget: float | None
    min_spend: float | None
    notes: str
    row: str


@dataclass
class Skeleton:
    """What `init` computed, and the YAML text it writes."""

    text: str
    index: CompositeIndex
    prioritized: list[str]
    stability: list[Stability] = field(default_factory=list)

    def write(self, path: Path) -> None:
        path.write_text(self.text, encoding="utf-8")


# --------------------------------------------------------------------------- departments
def read_departments(path: Path) -> list[DepartmentRow]:
    """A departments file, CSV or .xlsx (`id, name, budget, min_spend, notes`; budget and
    the rest optional), every problem at its cell."""
    name = str(path)
    table = read_small_table(path, name)
    if not table.rows:
        raise ScenarioError([Problem(name, 0, 0, "", Text("val.csv.empty"))])
    width = max(len(row) for row in table.rows)
    heads = [table.cell(1, j + 1) for j in range(width)]
    header = [c.text() for c in heads]
    problems = _header_problems(name, header, heads)
    if problems:
        raise ScenarioError(problems)
    out: list[DepartmentRow] = []
    seen: set[str] = set()
    for r in range(2, len(table.rows) + 1):
        cells = [table.cell(r, j + 1) for j in range(width)]
        if not any(c.text() for c in cells):
            continue
        by = {header[j]: cells[j] for j in range(width) if header[j]}
        ident = by["id"].text()
        if not re.fullmatch(SLUG_PATTERN, ident) or len(ident) > 64:
            problems.append(by["id"].problem("id", Text("val.init.not_an_id", text=ident)))
        elif ident in seen:
            problems.append(by["id"].problem("id", Text("val.init.id_twice", id=ident)))
        seen.add(ident)
        if not by["name"].text():
            problems.append(by["name"].problem("name", Text("val.init.terr.no_name")))
        money: dict[str, float | None] = {}
        for key in ("budget", "min_spend"):
            cell = by.get(key)
            money[key] = None
            if cell is None or not cell.text():
                continue
            value = _amount(cell.text(), table.decimal)
            if value is None:
                problems.append(cell.problem(key, Text("val.init.amount", text=cell.text())))
                continue
            if value > MAX_MAGNITUDE:  # at its cell, not in the skeleton never written
                message = Text("val.init.too_large", text=cell.text(), limit="1e15")
                problems.append(cell.problem(key, message))
                continue
            money[key] = value
        budget, least = money["budget"], money["min_spend"]
        if budget is not None and least is not None and least > budget:
            message = Text("val.init.min_spend", budget=Num(budget))
            problems.append(by["min_spend"].problem("min_spend", message))
        notes = by["notes"].text() if "notes" in by else ""
        out.append(DepartmentRow(ident, by["name"].text(), budget, least, notes, table.label(r)))
    if problems:
        raise ScenarioError(problems[:50])
    return out


def _header_problems(name: str, header: list[str], heads: list[Cell]) -> list[Problem]:
    """The departments file's header: unknown columns at their cells, missing ones."""
    problems: list[Problem] = []
    for j, column in enumerate(header):
        if column and column not in DEPARTMENT_COLUMNS:
            problems.append(
                heads[j].problem(
                    "",
                    Text(
                        "val.table.unknown_column",
                        name=column,
                        hint=Text("val.hint.allowed", names=", ".join(DEPARTMENT_COLUMNS)),
                    ),
                )
            )
    for required in ("id", "name"):
        if required not in header:
            message = Text("val.init.missing_column", name=required)
            problems.append(Problem(f"{name}:1:1", 0, 0, "", message))
    return problems


def _amount(text: str, decimal: str = ".") -> float | None:
    """A budget or min_spend cell's number, or None unless it is a finite number >= 0."""
    value = parse_number(text, decimal)
    return value if value is not None and 0 <= value < float("inf") else None


# --------------------------------------------------------------------------- the text
def _q(text: str) -> str:
    """A YAML scalar: a JSON string is a valid YAML double-quoted one."""
    return json.dumps(text, ensure_ascii=False)


def _num(x: float) -> str:
    """A number as YAML reads it back exactly (no trailing .0 for whole numbers)."""
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _comment(text: str, indent: str = "", width: int = 92) -> list[str]:
    """`# text`, wrapped at words."""
    lines: list[str] = []
    words = text.split()
    current = ""
    for w in words:
        if current and len(indent) + 2 + len(current) + 1 + len(w) > width:
            lines.append(f"{indent}# {current}")
            current = w
        else:
            current = f"{current} {w}" if current else w
    if current:
        lines.append(f"{indent}# {current}")
    return lines


def _rel(path: Path, output: Path) -> str:
    """`path` as written in the scenario: relative to the scenario's folder."""
    return Path(os.path.relpath(path.resolve(), output.resolve().parent)).as_posix()


def choose_prioritized(index: CompositeIndex, k: int | None) -> list[str]:
    """The K highest-index territories; without K, those above the city's rate (> 1)."""
    n = len(index.index)
    if k is None:
        return [t for t in index.ranking() if index.index[t] > 1]
    if not 0 <= k <= n:
        raise Usage("usage.init.prioritize", k=k, n=n)
    return index.top(k)


def build(options: InitOptions) -> Skeleton:
    """The skeleton's text and what it was computed from (nothing is written here)."""
    L = Labels(options.lang)
    territories = read_territories(options.territories)
    weights = parse_weights(options.indicators, territories.indicators)
    index = composite_index(territories, weights)
    prioritized = choose_prioritized(index, options.prioritize)
    k = len(prioritized)
    stability = sensitivity(territories, index, k)
    departments = read_departments(options.departments) if options.departments else []
    vote_total = float(read_votes(options.votes).total) if options.votes else None
    lines = _header(options, territories, index, prioritized, stability, L)
    lines += _scenario_block(options, departments, L)
    lines += _clusters_block(options, territories, index, prioritized, L)
    lines += _departments_block(options, departments, L)
    lines += _programmes_block(options, L)
    lines += _targets_block(options, prioritized, vote_total, L)
    return Skeleton("\n".join(lines) + "\n", index, prioritized, stability)


def _pct(x: float, L: Labels) -> str:
    return f"{L.num(100 * x, 0)}%"


def _frac(x: Fraction, L: Labels, decimals: int = 2) -> str:
    return L.num(float(x), decimals)


def _header(
    o: InitOptions,
    territories: Territories,
    index: CompositeIndex,
    prioritized: list[str],
    stability: list[Stability],
    L: Labels,
) -> list[str]:
    file = _rel(o.territories, o.output)
    lines = _comment(
        L("init.head", file=file, n=len(territories.items), m=len(territories.indicators))
    )
    lines.append(f"# pazos-budget {__version__}")
    if o.departments is None or o.programmes is None:
        lines += _comment(L("init.fill"))
    lines.append("#")
    lines += _comment(L("init.method"))
    total = sum(index.weights.values(), Fraction(0))
    shown = ", ".join(
        f"{i} {_frac(w, L, 3)} ({_pct(float(w / total), L)})" for i, w in index.weights.items()
    )
    lines += _comment(L("init.weights", weights=shown))
    unused = [i for i in territories.indicators if i not in index.weights]
    if unused:
        lines += _comment(L("init.unused", names=", ".join(unused)))
    youth = territories.total_youth
    rates = ", ".join(
        f"{i} {_frac(1000 * r, L)} ({L.count(float(territories.total(i)))} / {L.count(youth)})"
        for i, r in index.city_rate.items()
    )
    lines += _comment(L("init.city_rates", rates=rates))
    key = "init.prioritized" if o.prioritize is not None else "init.prioritized_default"
    ids = ", ".join(prioritized) or L("init.explain.none")
    lines += _comment(L(key, k=len(prioritized), ids=ids))
    ranking = index.ranking()
    k = len(prioritized)
    if 0 < k < len(ranking) and index.index[ranking[k - 1]] == index.index[ranking[k]]:
        lines += _comment(L("init.tie", inside=ranking[k - 1], outside=ranking[k]))
    for s in _stability_lines(index, prioritized, stability, L):
        lines += _comment(s)
    return lines


def _scenario_block(o: InitOptions, departments: list[DepartmentRow], L: Labels) -> list[str]:
    sid = o.scenario_id or slug(o.output.stem, "new-city")
    name = o.name or o.output.stem
    lines = [
        "scenario:",
        f"  id: {_q(sid)}",
        f"  name: {_q(name)}",
        f"  year: {o.year or date.today().year}",
        f"  currency: {_q(o.currency)}",
        f"  language: {o.lang}",
    ]
    if o.notes:
        lines.append(f"  notes: {_q(o.notes)}")
    lines += [
        "budget:",
    ]
    envelopes = [d.budget for d in departments if d.budget is not None]
    if envelopes:
        assert o.departments is not None  # envelopes come from the departments file
        lines += _comment(L("init.budget_sum", file=_rel(o.departments, o.output)), "  ")
        lines.append(f"  total: {_num(sum(envelopes))}")
    else:
        lines += _comment(L("init.budget_none"), "  ")
        lines.append("  total: 0")
    return lines


def _clusters_block(
    o: InitOptions,
    territories: Territories,
    index: CompositeIndex,
    prioritized: list[str],
    L: Labels,
) -> list[str]:
    lines = ["clusters:"]
    ranking = index.ranking()
    wsum = sum(index.weights.values(), Fraction(0))
    for t in territories.items:
        value = index.index[t.id]
        weight = round(float(value), WEIGHT_DECIMALS)
        lines += _comment(
            L(
                "init.cluster",
                name=t.name,
                row=f"{_rel(o.territories, o.output)}:{t.row}",
                index=_frac(value, L, WEIGHT_DECIMALS),
                rank=ranking.index(t.id) + 1,
                n=len(ranking),
            ),
            "  ",
        )
        for i in index.weights:
            lines += _comment(
                L(
                    "init.term",
                    indicator=i,
                    count=L.count(float(t.counts[i])),
                    youth=L.count(t.youth_population),
                    rate=_frac(1000 * t.counts[i] / t.youth_population, L),
                    relative=_frac(index.relative[t.id][i], L, 3),
                ),
                "  ",
            )
        terms = " + ".join(
            f"{_frac(w, L, 3)} × {_frac(index.relative[t.id][i], L, 3)}"
            for i, w in index.weights.items()
        )
        lines += _comment(
            L(
                "init.formula",
                terms=terms,
                wsum=L.count(float(wsum)),
                index=_frac(value, L, WEIGHT_DECIMALS),
            ),
            "  ",
        )
        lines.append(f"  - id: {t.id}")
        lines.append(f"    name: {_q(t.name)}")
        lines.append(f"    youth_population: {t.youth_population}")
        lines.append(f"    weight: {_num(weight)}")
        lines.append(f"    prioritized: {'true' if t.id in prioritized else 'false'}")
    return lines


def _departments_block(o: InitOptions, departments: list[DepartmentRow], L: Labels) -> list[str]:
    if not departments:
        return [*_comment(L("init.departments_none")), "departments: []"]
    assert o.departments is not None  # departments come from the departments file
    lines = [
        *_comment(L("init.departments_from", file=_rel(o.departments, o.output))),
        "departments:",
    ]
    for d in departments:
        lines.append(f"  - id: {d.id}")
        lines.append(f"    name: {_q(d.name)}")
        if d.budget is not None:
            lines.append(f"    budget: {_num(d.budget)}")
        if d.min_spend is not None:
            lines.append(f"    min_spend: {_num(d.min_spend)}")
        if d.notes:
            lines.append(f"    notes: {_q(d.notes)}")
    return lines


def _programmes_block(o: InitOptions, L: Labels) -> list[str]:
    lines: list[str] = []
    if o.programmes is not None:
        table = _rel(o.programmes, o.output)
        lines += _comment(L("init.programmes_table", file=table))
        lines.append(f"tables: {{programmes: {_q(table)}}}")
    else:
        lines += _comment(L("init.programmes_none"))
        lines.append("programmes: []")
    if o.votes is not None:
        lines.append(f"votes: {_q(_rel(o.votes, o.output))}")
        lines.append(f"metrics: {{{VOTES_METRIC}: {_q(L('init.votes_metric'))}}}")
    return lines


def _targets_block(
    o: InitOptions, prioritized: list[str], vote_total: float | None, L: Labels
) -> list[str]:
    ids = TARGET_IDS[L.lang]
    default = L("init.default")
    lines = [*_comment(L("init.targets")), "targets:"]
    if not prioritized:
        return [*lines[:-1], "targets: []"]
    lines += _comment(L("init.presence_note"), "  ")
    lines += [
        f"  - id: {ids[0]}",
        f"    name: {_q(L('init.target.presence'))}",
        "    kind: component_presence",
        "    at_least_units: 1".ljust(30) + f"# {default}",
        "    priority: 1",
        f"  - id: {ids[1]}",
        f"    name: {_q(L('init.target.reach', share=_pct(REACH_SHARE, L)))}",
        "    kind: youth_reach",
        f"    share: {_num(REACH_SHARE)}".ljust(30) + f"# {default}",
        "    priority: 1".ljust(30) + f"# {default}",
        f"  - id: {ids[2]}",
        f"    name: {_q(L('init.target.focus', share=_pct(FOCUS_SHARE, L)))}",
        "    kind: spend_share",
        f"    clusters: [{', '.join(prioritized)}]",
        f"    at_least: {_num(FOCUS_SHARE)}".ljust(30) + f"# {default}",
        "    priority: 2".ljust(30) + f"# {default}",
    ]
    if o.votes is not None and vote_total is not None:
        at_least = share_of(vote_total, VOTES_SHARE)
        lines += _comment(
            L(
                "init.votes",
                file=_rel(o.votes, o.output),
                total=L.count(vote_total),
                share=_pct(VOTES_SHARE, L),
                at_least=L.count(at_least),
            ),
            "  ",
        )
        lines += [
            f"  - id: {ids[3]}",
            f"    name: {_q(L('init.target.votes', share=_pct(VOTES_SHARE, L)))}",
            "    kind: metric",
            f"    metric: {VOTES_METRIC}",
            f"    at_least: {_num(at_least)}",
            "    priority: 2".ljust(30) + f"# {default}",
        ]
    return lines


# --------------------------------------------------------------------------- sensitivity
def _factor(x: Fraction, L: Labels) -> str:
    try:
        return L.sig(float(x))
    except OverflowError:
        # A weight far below the others (`--indicators a=1,b=1e-400`) moves the set only
        # at a factor beyond a float's range: written from the exact fraction instead.
        exact = Decimal(x.numerator) / Decimal(x.denominator)
        return f"{exact:.3g}".replace(".", separators(L.lang)[0])


def _range(s: Stability, index: CompositeIndex, L: Labels) -> str:
    """The factors on one indicator's weight that keep the prioritized set, in words."""
    values = {"indicator": s.indicator, "weight": _frac(index.weights[s.indicator], L, 3)}
    if s.low is not None and s.high is not None:
        return L("init.explain.range", low=_factor(s.low, L), high=_factor(s.high, L), **values)
    if s.low is not None:
        return L("init.explain.range_low", low=_factor(s.low, L), **values)
    if s.high is not None:
        return L("init.explain.range_high", high=_factor(s.high, L), **values)
    return L("init.explain.range_any", **values)


def _change(enter: Sequence[str], leave: Sequence[str], L: Labels) -> str:
    if not enter and not leave:
        return L("init.explain.same")
    none = L("init.explain.none")
    return L("init.explain.change", enter=", ".join(enter) or none, leave=", ".join(leave) or none)


def _stability_lines(
    index: CompositeIndex, prioritized: list[str], stability: list[Stability], L: Labels
) -> list[str]:
    """One line per indicator: the range of its weight that keeps the prioritized set."""
    k = len(prioritized)
    if k in (0, len(index.index)):
        return [L("init.explain.all")]
    lines = [L("init.explain.head", k=k)]
    lines += [_range(s, index, L) for s in stability]
    return lines


def explain_lines(skeleton: Skeleton, lang: str) -> list[str]:
    """The `--explain` report: per indicator, the range of its weight that keeps the
    prioritized set, what enters and leaves just beyond, and the fixed moves."""
    L = Labels(lang)
    index, k = skeleton.index, len(skeleton.prioritized)
    if k in (0, len(index.index)):
        return [L("init.explain.all")]
    out = [L("init.explain.head", k=k)]
    for s in skeleton.stability:
        out.append("- " + _range(s, index, L))
        if s.below is not None and s.low is not None:
            change = _change(s.below.enter, s.below.leave, L)
            out.append("    " + L("init.explain.below", factor=_factor(s.low, L), change=change))
        if s.above is not None and s.high is not None:
            change = _change(s.above.enter, s.above.leave, L)
            out.append("    " + L("init.explain.above", factor=_factor(s.high, L), change=change))
        for m in s.moves:
            change = _change(m.enter, m.leave, L)
            if m.factor == 0:
                out.append("    " + L("init.explain.drop", change=change))
            else:
                out.append(
                    "    " + L("init.explain.move", factor=L.sig(float(m.factor)), change=change)
                )
    return out


def check(text: str, output: Path) -> tuple[str, ...]:
    """Validate the skeleton's text as the loader reads the file it becomes (its tables
    and vote file relative to `output`): the located warnings, or a ScenarioError."""
    from .loader import check_text

    return check_text(text, output)


def build_checked(options: InitOptions) -> tuple[Skeleton, tuple[str, ...]]:
    """The skeleton, validated as the file it becomes: (skeleton, located warnings)."""
    skeleton = build(options)
    return skeleton, check(skeleton.text, options.output)
