"""The allocation workbook, read back: its figures are those of the JSON result, it has one
sheet per department, its es/en labels are complete and different, and no scenario string
ever becomes a formula.

Workbooks are read with openpyxl (cell values and types, not bytes) and pandas; the
rendering itself is checked by eye (LibreOffice to PDF to PNG, see docs/summary-es.png).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
import stat
import string
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from rich.console import Console

from conftest import tiny_cluster, tiny_programme, tiny_scenario
from pazos_budget.analysis import compare, solve_with_marginal_values
from pazos_budget.errors import ReportError
from pazos_budget.execution import load_execution
from pazos_budget.explain import Funding, top_marginal_clusters
from pazos_budget.files import write_json
from pazos_budget.loader import load_scenario
from pazos_budget.marginal import MarginalValue
from pazos_budget.pipeline import solve_scenario
from pazos_budget.reports.council import write_comparison
from pazos_budget.reports.excel import build_workbook, write_workbook
from pazos_budget.reports.labels import SAME_IN_BOTH, TEXTS, Labels
from pazos_budget.reports.review import build_review
from pazos_budget.reports.xlsx import (
    HEADER_FILL,
    MAX_SHEET_NAME,
    SECTION,
    SHEET_NAME_FORBIDDEN,
    page_ends,
    safe_text,
    sheet_name,
    text_lines,
)
from pazos_budget.result import Result, to_json
from pazos_budget.review import load_plan, review
from pazos_budget.solve import SolveOptions
from pazos_budget.terminal import print_marginal

ES, EN = TEXTS["es"], TEXTS["en"]

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = ROOT / "examples" / "minimal.yaml"
RUN_AT = datetime(2024, 5, 2, 14, 3, tzinfo=UTC)
PALMIRA_AND_CUT = ("palmira-2023.yaml", "palmira-2023-recorte-10.yaml")
REL = 1e-9

#: Strings a spreadsheet could take for formulas, and one with a control character.
INJECTIONS = [
    '=HYPERLINK("http://example.com","click")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "=cmd|' /C calc'!A0",
]

INJECTION_SCENARIO = """\
scenario:
  id: injection
  name: '=1+1 scenario'
  year: 2024
  currency: '=COP'
  language: es
  notes: "@notes with a bell"
budget:
  total: 1000
clusters:
  - {id: north, name: '=HYPERLINK("http://example.com","click")', youth_population: 2000}
  - {id: south, name: '+1+1', youth_population: 1500, notes: '-2+3'}
departments:
  - id: culture
    name: '=cmd|'' /C calc''!A0'
    budget: 600
    goals:
      - {id: art-goal, name: '@SUM(A1:A2)', kind: metric, metric: workshops, at_least: 5}
  - id: security
    name: 'Secretaría de: [Seguridad]/Convivencia*?'
    budget: 500
  - id: security-two
    name: 'Secretaría de: [Seguridad]/Convivencia*?'
    budget: 100
programmes:
  - id: art-school
    name: '=1+2'
    department: culture
    component: prevention
    unit: '-unit'
    unit_cost: 10
    clusters: all
    youth_per_unit: 25
    outputs: {workshops: 1}
  - id: interrupters
    name: '+interrupters'
    department: security
    component: interruption
    unit: '@year'
    unit_cost: 40
    integer: true
    clusters: [north, south]
    youth_per_unit: {north: 30, south: 40}
    outputs: {mediations: 60}
    cofunding: {security: 0.5, security-two: 0.5}
targets:
  - {id: reach, name: '=2+2', kind: youth_reach, share: 0.10}
"""


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def minimal() -> Result:
    return solve_with_marginal_values(load_scenario(MINIMAL))


@pytest.fixture(scope="module")
def injection(tmp_path_factory: pytest.TempPathFactory) -> Result:
    path = tmp_path_factory.mktemp("inj") / "injection.yaml"
    path.write_text(INJECTION_SCENARIO, encoding="utf-8")
    loaded = load_scenario(path)
    # The loader refuses control characters in text (test_names_are_data); a scenario
    # built in Python may still carry one, and the workbook must replace it.
    s = loaded.scenario
    info = s.scenario.model_copy(update={"notes": "@notes \x07 with a bell"})
    loaded = dataclasses.replace(loaded, scenario=s.model_copy(update={"scenario": info}))
    return solve_with_marginal_values(loaded)


def written(result: Result, tmp_path: Path, lang: str) -> openpyxl.Workbook:
    path = tmp_path / f"out-{lang}.xlsx"
    write_workbook(result, path, lang=lang, run_at=RUN_AT)
    return openpyxl.load_workbook(path)


def find(ws: Worksheet, text: str, col: int = 1) -> int:
    """The first row whose cell in `col` is `text`."""
    for row in range(1, ws.max_row + 1):
        if ws.cell(row=row, column=col).value == text:
            return row
    raise AssertionError(f"{text!r} not found in column {col} of {ws.title!r}")


def table(ws: Worksheet, header_row: int) -> list[dict[str, Any]]:
    """The rows under a header row, until an empty first cell, keyed by header text."""
    headers = {
        col: ws.cell(row=header_row, column=col).value
        for col in range(1, ws.max_column + 1)
        if ws.cell(row=header_row, column=col).value is not None
    }
    rows = []
    r = header_row + 1
    while r <= ws.max_row and ws.cell(row=r, column=1).value is not None:
        rows.append({h: ws.cell(row=r, column=c).value for c, h in headers.items()})
        r += 1
    return rows


def close(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=REL, abs_tol=1e-9)


# --------------------------------------------------------------------------- figures
@pytest.mark.parametrize("lang", ["es", "en"])
def test_figures_equal_the_json_result(minimal: Result, tmp_path: Path, lang: str) -> None:
    check_figures(minimal, written(minimal, tmp_path, lang), lang)


@pytest.mark.slow
def test_palmira_workbook(tmp_path: Path) -> None:
    """The real scenario: one sheet per department, and the same figures as its JSON."""
    palmira = ROOT / "scenarios" / "palmira-2023.yaml"
    if not palmira.exists():
        pytest.skip("scenarios/palmira-2023.yaml is not there")
    result = solve_scenario(load_scenario(palmira))
    wb = written(result, tmp_path, "es")
    assert len(wb.sheetnames) == 6 + len(result.scenario.departments)
    check_figures(result, wb, "es")
    # Output metrics by the names the scenario gives them, not by their ids.
    L = Labels("es", result.scenario.scenario.currency)
    ws = wb[L("sheet.targets")]
    metric = {r[L("col.target")]: r[L("col.metric")] for r in table(ws, find(ws, L("col.target")))}
    assert metric["camaras-40"] == "cámaras de videovigilancia"
    named = result.scenario.metrics or {}
    assert all(m in named for p in result.scenario.programmes for m in p.outputs)


def check_figures(result: Result, wb: openpyxl.Workbook, lang: str) -> None:
    doc = to_json(result)
    s = result.scenario
    L = Labels(lang, s.scenario.currency, components=s.given_component_names())

    # Summary: the key figures
    ws = wb[L("sheet.summary")]
    key = {
        row[L("col.indicator")]: row[L("col.value")]
        for row in table(ws, find(ws, L("col.indicator")))
    }
    totals = doc["totals"]
    assert close(key[L("sum.budget")], totals["budget"])
    assert close(key[L("sum.spend")], totals["spend"])
    assert close(key[L("sum.unspent")], totals["unspent"])
    assert close(key[L("sum.youth")], totals["youth_reached"])
    assert close(key[L("sum.participations")], totals["participations"])
    # distinct youth never exceed the population, nor the participations
    population = sum(c["youth_population"] for c in doc["clusters"])
    assert key[L("sum.youth")] <= min(population, totals["participations"]) + 1e-6
    assert close(key[L("sum.coverage")], totals["prioritized_coverage"])
    assert close(key[L("sum.weighted")], totals["weighted_coverage"])
    assert key[L("sum.all_met")] == sum(t["met"] for t in doc["targets"])
    assert key[L("sum.solver")] == doc["solver"]["name"]
    assert key[L("sum.scenario")] == doc["scenario"]["id"]
    # Summary: spend by component adds up to the total
    components = table(ws, find(ws, L("col.component")))
    spend = defaultdict(float)
    for p in doc["programmes"]:
        spend[L.component(p["component"])] += p["spend"]
    for row in components[:-1]:
        assert close(row[L("col.spend", currency=L.currency)], spend[row[L("col.component")]])
    assert close(components[-1][L("col.spend", currency=L.currency)], totals["spend"])
    # Summary: marginal values, one row per source, with the sentence
    marginal = table(ws, find(ws, L("col.source"))) if doc["marginal_values"] else []
    assert len(marginal) == len(doc["marginal_values"])
    for row, m in zip(marginal, doc["marginal_values"], strict=True):
        assert close(row[L("col.extra", currency=L.currency)], m["extra"])
        assert close(row[L("col.extra_youth")], m["youth_reached"])
        assert row[L("col.sentence")] == L.marginal_sentence(MarginalValue.from_json(m))
    assert len(ws._charts) == 3
    # Summary: "one more million in Zamorano reaches about N more young people; ..."
    sentence = L.marginal_youth_sentence(
        top_marginal_clusters(result), result.scenario.scenario.currency
    )
    texts = {c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert sentence in texts

    # Departments
    ws = wb[L("sheet.departments")]
    rows = table(ws, find(ws, L("col.department")))
    by_id = {d["id"]: d for d in doc["departments"]}
    for row in rows[:-1]:
        d = by_id[row[L("col.department_id")]]
        assert close(row[L("col.envelope", currency=L.currency)], d["budget"])
        assert close(row[L("col.allocated", currency=L.currency)], d["spend"])
        assert row[L("col.funded")] == d["programmes_funded"]
        assert row[L("col.submitted")] == d["programmes_submitted"]
        assert row[L("col.goals_met")] == d["goals_met"]
    assert len(rows) == len(doc["departments"]) + 1  # and the total
    assert close(rows[-1][L("col.allocated", currency=L.currency)], totals["spend"])

    # Clusters
    ws = wb[L("sheet.clusters")]
    marginal_col = L(
        "col.marginal_youth", per=L.money_unit("per", result.scenario.scenario.currency)
    )
    rows = table(ws, find(ws, L("col.cluster")))
    for row, c in zip(rows, doc["clusters"], strict=False):
        assert row[L("col.cluster")] == c["id"]
        assert row[L("col.population")] == c["youth_population"]
        assert close(row[L("col.youth")], c["youth_reached"])
        assert row[L("col.youth")] <= c["youth_population"] + 1e-6
        assert close(row[L("col.participations")], c["participations"])
        assert close(row[L("col.coverage")], c["coverage"])
        assert close(row[L("col.spend", currency=L.currency)], c["spend"])
        assert close(row[marginal_col], c["marginal_youth_per_money"])
    assert close(rows[-1][L("col.youth")], totals["youth_reached"])
    assert close(rows[-1][L("col.participations")], totals["participations"])
    assert close(rows[-1][L("col.spend", currency=L.currency)], totals["spend"])

    # Targets: every row of every target, in order
    ws = wb[L("sheet.targets")]
    rows = table(ws, find(ws, L("col.target")))
    expected = [(t, r) for t in doc["targets"] for r in t["rows"]]
    assert len(rows) == len(expected)
    for row, (t, r) in zip(rows, expected, strict=True):
        assert row[L("col.target")] == t["id"]
        assert close(row[L("col.required")], r["required"])
        assert close(row[L("col.achieved")], r["achieved"])
        assert close(row[L("col.shortfall")], r["shortfall"])
        assert row[L("col.row_met")] == L.met(r["met"])


@pytest.mark.parametrize("lang", ["es", "en"])
def test_allocation_sheet_adds_up(minimal: Result, tmp_path: Path, lang: str) -> None:
    doc = to_json(minimal)
    L = Labels(lang, minimal.scenario.scenario.currency)
    path = tmp_path / "a.xlsx"
    write_workbook(minimal, path, lang=lang, run_at=RUN_AT)
    frame = pd.read_excel(path, sheet_name=L("sheet.allocation"))
    spend_col = L("col.spend", currency=L.currency)
    assert math.isclose(frame[spend_col].sum(), doc["totals"]["spend"], rel_tol=REL)
    by_programme = frame.groupby(L("col.programme_id"))
    for p in doc["programmes"]:
        if not p["funded"]:
            assert p["id"] not in by_programme.groups
            continue
        rows = by_programme.get_group(p["id"])
        assert math.isclose(rows[L("col.units")].sum(), p["units"], rel_tol=REL)
        assert math.isclose(rows[spend_col].sum(), p["spend"], rel_tol=REL)
        for cluster, units in p["clusters"].items():
            cell = rows[rows[L("col.cluster")] == cluster]
            assert math.isclose(cell[L("col.units")].sum(), units, rel_tol=REL)
    ws = openpyxl.load_workbook(path)[L("sheet.allocation")]
    assert ws.auto_filter.ref is not None and ws.auto_filter.ref.startswith("A1:")
    assert ws.freeze_panes == "A2"


def test_one_sheet_per_department(minimal: Result, tmp_path: Path) -> None:
    L = Labels("en")
    wb = written(minimal, tmp_path, "en")
    fixed = [L(f"sheet.{k}") for k in ("summary", "targets", "departments")]
    after = [L(f"sheet.{k}") for k in ("clusters", "allocation", "scenario")]
    departments = minimal.scenario.departments
    assert wb.sheetnames[:3] == fixed
    assert wb.sheetnames[-3:] == after
    assert wb.sheetnames[3:-3] == [d.name for d in departments]
    doc = to_json(minimal)
    for d in departments:
        ws = wb[d.name]
        assert ws["A1"].value == d.name
        rows = table(ws, find(ws, L("col.programme")))
        mine = {p.name: p for p in minimal.scenario.programmes if d.id in p.funders()}
        assert {r[L("col.programme")] for r in rows} == set(mine)
        units = {p["id"]: p["units"] for p in doc["programmes"]}
        for r in rows:
            assert close(r[L("col.units")], units[mine[r[L("col.programme")]].id])
    # every department sheet is linked from the departments sheet
    ws = wb[L("sheet.departments")]
    first = find(ws, L("col.department")) + 1
    links = [ws.cell(row=first + i, column=2).hyperlink for i in range(len(departments))]
    assert [link.location for link in links] == [f"'{d.name}'!A1" for d in departments]


def test_department_sheet_explains_programmes(minimal: Result, tmp_path: Path) -> None:
    """The unfunded lighting programme nobody asks for says so, in both languages."""
    for lang in ("es", "en"):
        L = Labels(lang)
        wb = written(minimal, tmp_path, lang)
        ws = wb["Security"]
        texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
        assert L("reason.not_needed") in texts
        assert L.funding(Funding.NONE) in texts


@pytest.mark.parametrize("lang", ["es", "en"])
def test_department_cells_add_up_to_its_programmes(tmp_path: Path, lang: str) -> None:
    """The department sheet's units-by-cluster table accounts for all of a programme's
    spend: a fixed cost (paid once, in no cluster) has its own row, as on the allocation
    sheet, so a head adding up the rows finds the programme's total."""
    loaded = tiny_scenario(
        total=100,
        clusters=[tiny_cluster("a", 100), tiny_cluster("b", 100)],
        programmes=[
            tiny_programme("route", "d1", 10, youth=5, fixed_cost=15, max_units_per_cluster=3),
            tiny_programme("wide", "d1", 4, clusters=[], fixed_cost=6, mandatory=True, min_units=2),
        ],
    )
    result = solve_scenario(loaded)
    doc = to_json(result)
    L = Labels(lang, loaded.scenario.scenario.currency)
    ws = written(result, tmp_path, lang)["D1"]
    rows = table(ws, find(ws, L("col.cluster"), col=2))
    spend = defaultdict(float)
    for r in rows:
        spend[r[L("col.programme")]] += r[L("col.spend", currency=L.currency)]
    for p in doc["programmes"]:
        assert p["funded"] and p["spend"] > 0
        assert close(spend[p["name"]], p["spend"]), (p["name"], spend[p["name"]], p["spend"])
    fixed = [r for r in rows if r[L("col.cluster")] == L("fixed_cost")]
    assert [(r[L("col.programme")], r[L("col.spend", currency=L.currency)]) for r in fixed] == [
        ("Route", 15),
        ("Wide", 6),
    ]


# --------------------------------------------------------------------------- labels
def test_labels_are_complete_and_differ() -> None:
    assert set(ES) == set(EN), set(ES) ^ set(EN)
    same = {k for k in ES if ES[k] == EN[k]}
    assert same == set(SAME_IN_BOTH), same ^ set(SAME_IN_BOTH)
    for key in ES:
        fields_es = {f for _, f, _, _ in string.Formatter().parse(ES[key]) if f}
        fields_en = {f for _, f, _, _ in string.Formatter().parse(EN[key]) if f}
        assert fields_es == fields_en, key


def test_workbooks_in_es_and_en_differ(minimal: Result, tmp_path: Path) -> None:
    es = written(minimal, tmp_path, "es")
    en = written(minimal, tmp_path, "en")
    assert es.sheetnames[:3] == ["Resumen", "Metas", "Secretarías"]
    assert en.sheetnames[:3] == ["Summary", "Targets", "Departments"]
    es_text = texts(es)
    en_text = texts(en)
    assert {"Presupuesto", "Asignado", "Sin asignar"} <= es_text
    assert {"Budget", "Spent", "Unspent"} <= en_text
    # distinct youth and participations, labelled so that no one confuses them
    assert {"Jóvenes distintos alcanzados (estimado)", "Jóvenes distintos (estimado)"} <= es_text
    assert {"Participaciones", "participaciones"} <= es_text
    assert {"Distinct youth reached (estimated)", "Distinct youth (estimated)"} <= en_text
    assert {"Participations", "participations"} <= en_text
    # no label of the other language slipped in
    only_en = {v for k, v in EN.items() if k not in SAME_IN_BOTH and "{" not in v}
    only_es = {v for k, v in ES.items() if k not in SAME_IN_BOTH and "{" not in v}
    assert not es_text & (only_en - only_es)
    assert not en_text & (only_es - only_en)


def texts(wb: openpyxl.Workbook) -> set[str]:
    return {
        c.value
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str)
    }


def test_spanish_words_and_numbers() -> None:
    L = Labels("es", "COP millions")
    assert L.currency == "millones de COP"
    assert L.component("interruption") == "Interrupción de la violencia"
    assert L.component("access_to_justice") == "Acceso a la justicia"
    assert L.met(True) == "✔ Cumplida" and L.met(False) == "✘ No cumplida"
    assert L.money(1234567.25) == "1.234.567,2" or L.money(1234567.25) == "1.234.567,3"
    assert Labels("en").money(1234567.25) in ("1,234,567.2", "1,234,567.3")
    assert L.count(29234) == "29.234"


def test_english_marginal_sentence_is_the_terminals(minimal: Result) -> None:
    L = Labels("en", minimal.scenario.scenario.currency)
    assert minimal.marginal_values
    console = Console(record=True, width=10_000)
    print_marginal(console, minimal.marginal_values, minimal.scenario.scenario.currency)
    printed = [line.strip() for line in console.export_text().splitlines()[1:]]
    assert printed == [L.marginal_sentence(m) for m in minimal.marginal_values]


def test_unknown_language_is_refused(minimal: Result, tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="use es or en"):
        write_workbook(minimal, tmp_path / "x.xlsx", lang="fr")
    assert not (tmp_path / "x.xlsx").exists()


# --------------------------------------------------------------------------- safety
@pytest.mark.parametrize("lang", ["es", "en"])
def test_scenario_strings_stay_text(injection: Result, tmp_path: Path, lang: str) -> None:
    path = tmp_path / "inj.xlsx"
    write_workbook(injection, path, lang=lang, run_at=RUN_AT)
    wb = openpyxl.load_workbook(path)
    seen: set[str] = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate}: {cell.value!r}"
                if isinstance(cell.value, str):
                    seen.add(cell.value)
                    if cell.value.startswith(("=", "+", "-", "@")):
                        assert cell.data_type == "s"
    for text in [*INJECTIONS, "=1+1 scenario", "=1+2", "+interrupters", "-unit", "=2+2"]:
        assert text in seen, text
    assert any("\ufffd" in s for s in seen)  # the bell of the notes, replaced
    # pandas reads them as the same strings
    frame = pd.read_excel(path, sheet_name=Labels(lang)("sheet.allocation"))
    assert "=1+2" in set(frame.iloc[:, 1])


def test_department_sheet_names_are_safe(injection: Result, tmp_path: Path) -> None:
    wb = written(injection, tmp_path, "es")
    names = wb.sheetnames
    assert len(names) == len({n.casefold() for n in names})
    for name in names:
        assert len(name) <= MAX_SHEET_NAME
        assert not SHEET_NAME_FORBIDDEN.search(name)
        assert not name.startswith("'") and not name.endswith("'")
    assert len(names) == 6 + len(injection.scenario.departments)
    assert "Seguridad Convivencia" in names and "Seguridad Convivencia (2)" in names


def test_sheet_name_rules() -> None:
    assert sheet_name("Secretaría de Cultura", []) == "Cultura"
    assert sheet_name("Cultura", ["cultura"]) == "Cultura (2)"
    assert sheet_name("Cultura", ["Cultura", "Cultura (2)"]) == "Cultura (3)"
    assert sheet_name("a/b\\c[d]e:f*g?h", []) == "A b c d e f g h"
    assert sheet_name("''", [], fallback="culture") == "Culture"
    assert sheet_name("History", []) == "History (2)"
    long = sheet_name("IMDER – Instituto Municipal del Deporte y la Recreación", [])
    assert len(long) <= MAX_SHEET_NAME and long.endswith("…")
    many = [sheet_name("x" * 40, [])]
    for _ in range(12):
        many.append(sheet_name("x" * 40, many))
    assert all(len(n) <= MAX_SHEET_NAME for n in many)
    assert len({n.casefold() for n in many}) == len(many)


def test_safe_text() -> None:
    assert safe_text("a\x00b\x1fc\td\ne") == "a\ufffdb\ufffdc\td\ne"
    assert len(safe_text("x" * 40_000)) == 32_767


def test_text_lines() -> None:
    assert text_lines("short", 20) == 1
    assert text_lines("one\ntwo\nthree", 20) == 3
    assert text_lines("word " * 40, 10) > 10


def test_print_setup(minimal: Result, tmp_path: Path) -> None:
    wb = written(minimal, tmp_path, "es")
    departments = wb.sheetnames[3 : 3 + len(minimal.scenario.departments)]
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.oddFooter.left.text and minimal.sha256[:16] in ws.oddFooter.left.text
        assert ws.freeze_panes is not None, ws.title
        if ws.title in [*departments, "Escenario"]:
            # broken into pages by the tool, at a scale that fits the width (Excel keeps
            # manual breaks only on a sheet that does not fit to pages)
            assert ws.print_title_rows, ws.title
            assert not ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
            assert (50 if ws.title in departments else 10) <= ws.page_setup.scale <= 100
        elif ws.title != "Resumen":
            assert ws.print_title_rows, ws.title
            assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
            assert ws.page_setup.fitToWidth == 1, ws.title
    # numbers carry thousands separators; money headers name the money unit
    ws = wb["Secretarías"]
    header = find(ws, "Secretaría o dependencia")
    assert ws.cell(row=header, column=4).value == "Techo presupuestal (millones de COP)"
    assert ws.cell(row=header + 1, column=4).number_format == "#,##0.0"


# --------------------------------------------------------------------------- printed pages
#: LibreOffice's printed points per unit of column width (Arial 10), measured on its PDF.
LIBREOFFICE_POINTS_PER_WIDTH = 5.54


def print_scale(ws: Worksheet) -> float:
    """The scale a sheet prints at: its own, or the one LibreOffice fits it to the page's
    width with (a whole percentage, never above 100)."""
    if not ws.sheet_properties.pageSetUpPr.fitToPage:
        return (ws.page_setup.scale or 100) / 100
    m = ws.page_margins
    fit = 100 * (11 * 72 - 72 * (m.left + m.right)) / (LIBREOFFICE_POINTS_PER_WIDTH * width(ws))
    return min(100, math.floor(fit)) / 100


def width(ws: Worksheet) -> float:
    """The width of a sheet's columns, in units (8.43 where a column's is not set)."""
    dims = ws.column_dimensions
    return sum(
        dims[letter].width if letter in dims and dims[letter].width else 8.43
        for letter in map(get_column_letter, range(1, ws.max_column + 1))
    )


def printed_pages(ws: Worksheet) -> list[list[int]]:
    """The rows of each printed page of a sheet (letter landscape), from its row heights
    (15 points where none is set), scale, margins, repeated rows and manual breaks."""
    m = ws.page_margins

    def height(r: int) -> float:
        h = ws.row_dimensions[r].height
        return 15.0 if h is None else float(h)

    repeated = int(ws.print_title_rows.split(":")[1].strip("$")) if ws.print_title_rows else 0
    page = (8.5 * 72 - 72 * (m.top + m.bottom)) / print_scale(ws)
    page -= sum(height(r) for r in range(1, repeated + 1))
    breaks = {b.id for b in ws.row_breaks.brk}
    pages: list[list[int]] = [[]]
    used = 0.0
    for r in range(repeated + 1, ws.max_row + 1):
        if pages[-1] and used + height(r) > page:
            pages.append([])
            used = 0.0
        pages[-1].append(r)
        used += height(r)
        if r in breaks:
            pages.append([])
            used = 0.0
    return [p for p in pages if p]


def is_heading(ws: Worksheet, r: int) -> bool:
    """A section's heading (bold, 11 points) or a table's header row (dark fill)."""
    cell = ws.cell(row=r, column=1)
    header = cell.fill.fgColor.rgb == HEADER_FILL.fgColor.rgb
    return header or (bool(cell.font.b) and cell.font.sz == SECTION.sz)


@pytest.fixture(scope="module")
def palmira() -> Result:
    return solve_scenario(load_scenario(ROOT / "scenarios" / "palmira-2023.yaml"))


def orphans(sheets: Iterable[Worksheet]) -> list[str]:
    """Every heading or table header that is the last row printed on a page."""
    found = []
    for ws in sheets:
        for page in printed_pages(ws)[:-1]:
            last = max(r for r in page if ws.cell(row=r, column=1).value is not None)
            if is_heading(ws, last):
                found.append(f"{ws.title}: {ws.cell(row=last, column=1).value}")
    return found


def assert_paginated(sheets: Iterable[Worksheet]) -> None:
    """Every page ends at one of the sheet's breaks, none where the spreadsheet must, and
    the sheet's columns fit the page's width."""
    for ws in sheets:
        assert len(printed_pages(ws)) == len(ws.row_breaks.brk) + 1, ws.title
        assert print_scale(ws) * width(ws) * LIBREOFFICE_POINTS_PER_WIDTH <= 72 * (11 - 0.8), (
            ws.title
        )


def headed(wb: openpyxl.Workbook) -> list[Worksheet]:
    """The sheets of more than one heading (a section's or a table's)."""
    return [
        ws for ws in wb.worksheets if sum(is_heading(ws, r) for r in range(1, ws.max_row + 1)) > 1
    ]


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["es", "en"])
def test_no_heading_ends_a_printed_page(palmira: Result, tmp_path: Path, lang: str) -> None:
    """On Palmira's department sheets, "Por qué cada programa recibe lo que recibe..."
    and its table's header printed alone at the foot of a page (LibreOffice to PDF), the
    table on the next. Now no page ends with a heading or a header row: each prints with
    its table's first rows; and a page holds what it is given (no row spills over). So
    on the "Escenario" sheet (the inputs), whose tables grow with the scenario."""
    wb = written(palmira, tmp_path, lang)
    departments = wb.worksheets[3 : 3 + len(palmira.scenario.departments)]
    paginated = [*departments, wb[Labels(lang)("sheet.scenario")]]
    assert orphans(headed(wb)) == []
    assert_paginated(paginated)


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["es", "en"])
def test_no_heading_ends_a_printed_page_of_the_review(tmp_path: Path, lang: str) -> None:
    """Palmira with 10% more money, reviewed in June: on the Education sheet "Las metas
    de mi secretaría" and its table's header printed alone at the foot of page 1
    (LibreOffice to PDF), the goals on page 2. Now the review's summary and department
    sheets are broken into pages by the tool, and no page ends with a heading."""
    path = ROOT / "scenarios" / "palmira-2023-aumento-10.yaml"
    loaded = load_scenario(path)
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(to_json(solve_scenario(loaded))), encoding="utf-8")
    june = load_execution(
        ROOT / "scenarios" / "palmira-2023-ejecucion-junio-ilustrativa.csv", loaded.scenario
    )
    done = review(loaded, load_plan(plan, loaded), june)
    out = tmp_path / "review.xlsx"
    build_review(done, lang=lang, run_at=RUN_AT).save(out)
    wb = openpyxl.load_workbook(out)
    assert orphans(headed(wb)) == []
    assert_paginated(wb.worksheets[:1] + wb.worksheets[-len(done.departments) :])


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["es", "en"])
def test_no_heading_ends_a_printed_page_of_the_comparison(tmp_path: Path, lang: str) -> None:
    """The comparison's "what is cut first" lists every programme and cluster that loses
    money: a deep cut makes it pages long. It is broken into pages by the tool; the
    council summary is one page, whatever it holds."""
    both = [load_scenario(ROOT / "scenarios" / f) for f in PALMIRA_AND_CUT]
    out = tmp_path / "compare.xlsx"
    write_comparison(compare(both, SolveOptions(), jobs=1), out, lang=lang, run_at=RUN_AT)
    wb = openpyxl.load_workbook(out)
    assert orphans(h for h in headed(wb) if h.page_setup.fitToHeight != 1) == []
    assert_paginated([wb[Labels(lang)("sheet.cmp.cuts")]])
    assert wb.worksheets[0].page_setup.fitToHeight == 1


def test_page_ends_keep_rows_together() -> None:
    """A page ends before a kept range that would not fit whole, and anywhere inside one
    taller than a page."""
    assert page_ends([10.0] * 10, 45.0) == [3, 7]
    assert page_ends([10.0] * 10, 45.0, [(3, 5)]) == [2, 6]
    assert page_ends([10.0] * 10, 45.0, [(2, 8)]) == [3, 7]
    assert page_ends([10.0, 50.0, 10.0], 45.0) == [0, 1]


def test_scenario_sheet_traces_the_inputs(minimal: Result, tmp_path: Path) -> None:
    L = Labels("en")
    wb = written(minimal, tmp_path, "en")
    ws = wb[L("sheet.scenario")]
    facts = {r[L("col.field")]: r[L("col.value")] for r in table(ws, find(ws, L("col.field")))}
    assert facts[L("sc.sha256")] == minimal.sha256
    assert facts[L("sc.solver")] == minimal.solver
    assert facts[L("sc.run_at")] == "2024-05-02 14:03 (+00:00)"
    assert re.fullmatch(r"pazos-budget \S+", facts[L("sc.tool")])
    programmes = table(ws, find(ws, L("col.programme_id")))
    assert [r[L("col.programme_id")] for r in programmes] == [
        p.id for p in minimal.scenario.programmes
    ]


# --------------------------------------------------------------------------- files and CLI
def test_never_over_the_scenario(minimal: Result, tmp_path: Path) -> None:
    scenario = tmp_path / "s.xlsx"
    scenario.write_text("not really a scenario")
    with pytest.raises(ReportError, match="refusing to overwrite"):
        write_workbook(minimal, scenario, lang="en", inputs=[scenario])
    assert scenario.read_text() == "not really a scenario"


def test_reports_get_ordinary_permissions(minimal: Result, tmp_path: Path) -> None:
    """A new report is readable as the umask allows (not private like a temporary file);
    a replaced one keeps its permissions."""
    mask = os.umask(0o027)
    try:
        fresh = tmp_path / "new.xlsx"
        write_workbook(minimal, fresh, lang="en")
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o640
        write_json(tmp_path / "new.json", {"a": 1})
        assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == 0o640
    finally:
        os.umask(mask)
    old = tmp_path / "old.json"
    old.write_text("{}")
    old.chmod(0o604)
    write_json(old, {"a": 1})
    assert stat.S_IMODE(old.stat().st_mode) == 0o604


def test_json_is_streamed_whole_or_not_at_all(minimal: Result, tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    doc = to_json(minimal)
    write_json(target, doc)
    expected = json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    assert target.read_text(encoding="utf-8") == expected
    with pytest.raises(ValueError):
        write_json(target, {**doc, "bad": math.nan})  # fails half-way through the stream
    assert target.read_text(encoding="utf-8") == expected  # the old file, untouched
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]  # no temporary file left


def test_atomic_write_replaces_whole(minimal: Result, tmp_path: Path) -> None:
    target = tmp_path / "w.xlsx"
    target.write_text("old")
    write_workbook(minimal, target, lang="en")
    assert openpyxl.load_workbook(target).sheetnames[0] == "Summary"
    assert [p.name for p in tmp_path.iterdir()] == ["w.xlsx"]  # no temporary file left


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from pazos_budget.cli import main; main()", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def test_cli_writes_the_workbook(tmp_path: Path) -> None:
    out = tmp_path / "m.xlsx"
    done = cli("solve", str(MINIMAL), "--output", str(out), "--no-marginal", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"Workbook written to {out}" in done.stdout
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "Summary"  # the scenario's language is en
    done = cli(
        "solve", str(MINIMAL), "-o", str(out), "--lang", "es", "-q", "--no-marginal", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert openpyxl.load_workbook(out).sheetnames[0] == "Resumen"


@pytest.mark.parametrize(
    ("output", "message"),
    [
        ("missing-folder/m.xlsx", "does not exist"),
        ("a-folder", "is a directory"),
        ("m.csv", "must be a .xlsx file"),
    ],
)
def test_cli_unwritable_output(tmp_path: Path, output: str, message: str) -> None:
    (tmp_path / "a-folder").mkdir()
    if output == "a-folder":
        output = "a-folder.xlsx"
        (tmp_path / output).mkdir()
    done = cli("solve", str(MINIMAL), "--output", output, "-q", "--no-marginal", cwd=tmp_path)
    assert done.returncode == 2  # bad command-line input, refused before solving
    assert message in done.stderr
    assert done.stderr.startswith("error: ")
    assert "Traceback" not in done.stderr


def test_cli_read_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        if (folder / "probe").exists() or _writable(folder):
            pytest.skip("running as a user who can write anywhere")
        done = cli(
            "solve", str(MINIMAL), "-o", str(folder / "m.xlsx"), "-q", "--no-marginal", cwd=tmp_path
        )
        assert done.returncode == 2  # found before solving (outputs.OutputPlan)
        assert "cannot write in the folder" in done.stderr and "Traceback" not in done.stderr
    finally:
        folder.chmod(0o755)


def _writable(folder: Path) -> bool:
    try:
        (folder / "probe").write_text("x")
    except OSError:
        return False
    (folder / "probe").unlink()
    return True


def test_build_in_memory_is_deterministic_but_for_the_time(minimal: Result) -> None:
    a = build_workbook(minimal, lang="es", run_at=RUN_AT)
    b = build_workbook(minimal, lang="es", run_at=RUN_AT)
    for wa, wb_ in zip(a.worksheets, b.worksheets, strict=True):
        assert [[c.value for c in r] for r in wa.iter_rows()] == [
            [c.value for c in r] for r in wb_.iter_rows()
        ]


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_departments_sheet_says_why_its_counts_add_up_to_more_than_their_total(
    injection: Result, minimal: Result, tmp_path: Path, lang: str
) -> None:
    """A co-funded programme is in the row of each department that funds it, and the
    total counts it once: the sheet says so (a reader adding the column found one more),
    and only where a programme is co-funded."""
    L = Labels(lang)
    for result, cofunded in ((injection, 1), (minimal, 0)):
        path = tmp_path / f"{lang}-{cofunded}.xlsx"
        write_workbook(result, path, lang=lang, run_at=RUN_AT)
        ws = openpyxl.load_workbook(path)[L("sheet.departments")]
        rows = table(ws, find(ws, L("col.department")))
        submitted = [r[L("col.submitted")] for r in rows]
        assert sum(submitted[:-1]) - submitted[-1] == cofunded
        note = L("deps.cofunded_note", n=cofunded)
        texts = {c.value for row in ws.iter_rows() for c in row}
        assert (note in texts) == bool(cofunded)
