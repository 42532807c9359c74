"""Names, not ids, where a person reads; the plural of the compare subtitle; the funding
status column; a co-funded programme counted once on the departments sheet."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import openpyxl
from rich.console import Console

from pazos_budget import analysis
from pazos_budget.explain import Funding
from pazos_budget.loader import load_scenario
from pazos_budget.pipeline import solve_scenario
from pazos_budget.reports.council import build_comparison
from pazos_budget.reports.excel import write_workbook
from pazos_budget.reports.labels import Labels
from pazos_budget.solve import SolveOptions
from pazos_budget.terminal import print_comparison, print_result

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = ROOT / "examples" / "minimal.yaml"
COFUNDING = ROOT / "examples" / "cofunding.yaml"


def cells(wb: openpyxl.Workbook) -> list[object]:
    return [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row]


def test_the_scenarios_component_names_are_used(tmp_path: Path) -> None:
    loaded = load_scenario(MINIMAL)
    data = loaded.scenario.model_copy(
        update={
            "components": [
                c.model_copy(update={"name": "Prevención comunitaria"})
                for c in load_scenario(ROOT / "scenarios" / "palmira-2023.yaml").scenario.components
                or []
                if c.id.value == "prevention"
            ]
        }
    )
    L = Labels("es", components=data.given_component_names())
    assert L.component("prevention") == "Prevención comunitaria"
    assert L.component("interruption") == Labels("es")("component.interruption")
    result = solve_scenario(loaded)
    result = dataclasses.replace(result, scenario=data)
    out = tmp_path / "w.xlsx"
    write_workbook(result, out, lang="es")
    assert "Prevención comunitaria" in cells(openpyxl.load_workbook(out))


def test_terminal_names_targets_owners_and_rows() -> None:
    result = solve_scenario(load_scenario(COFUNDING))
    console = Console(record=True, width=200)
    print_result(console, result, "en")
    text = console.export_text()
    for t in result.targets:
        if t.name:
            assert t.name in text
    assert "PAZOS (cross-cutting)" in text or all(t.owner != "pazos" for t in result.targets)


def test_one_alternative_is_singular() -> None:
    loaded = [load_scenario(MINIMAL), load_scenario(MINIMAL, ["budget.total=800"])]
    comparison = analysis.compare(loaded, SolveOptions(), jobs=1)
    es = cells(build_comparison(comparison, lang="es"))
    en = cells(build_comparison(comparison, lang="en"))
    assert any(isinstance(v, str) and "frente a 1 alternativa ·" in v for v in es)
    assert any(isinstance(v, str) and "against 1 alternative ·" in v for v in en)
    assert not any(isinstance(v, str) and "1 alternativas" in v for v in es)


def test_funding_reads_as_a_funding_status() -> None:
    assert Labels("es").funding(Funding.OPEN) == "Con financiación (sin tope de unidades)"
    assert Labels("en").funding(Funding.OPEN) == "Funded (no unit maximum)"


def test_departments_total_counts_a_cofunded_programme_once(tmp_path: Path) -> None:
    result = solve_scenario(load_scenario(COFUNDING))
    cofunded = [p for p in result.scenario.programmes if p.cofunding]
    assert cofunded  # the example is about it
    out = tmp_path / "w.xlsx"
    write_workbook(result, out, lang="es")
    L = Labels("es")
    ws = openpyxl.load_workbook(out)[L("sheet.departments")]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    header = next(r for r in rows if L("col.submitted") in r)
    total = next(r for r in rows if r[0] == L("total"))
    submitted = total[header.index(L("col.submitted"))]
    funded = total[header.index(L("col.funded"))]
    assert submitted == len(result.scenario.programmes)
    assert funded == sum(pr.funded for pr in result.programmes)
    # each department still counts the programmes it pays for, the co-funded one included
    per_department = sum(d.programmes_submitted for d in result.departments)
    assert per_department == len(result.scenario.programmes) + sum(
        len(p.cofunding or {}) - 1 for p in cofunded
    )


PALMIRA = ROOT / "scenarios" / "palmira-2023.yaml"


def _first_column(text: str) -> str:
    """The first cell of every table line, joined without spaces: a name that folds
    over several lines (or inside a word) reads whole again."""
    cells = [line.split("│")[1] for line in text.splitlines() if line.startswith("│")]
    return "".join("".join(cells).split())


def test_an_80_column_terminal_cuts_no_name_short() -> None:
    # Before, the departments and targets tables ended long words in "…" at 80 columns
    # ("Secretar…", "Cantid…"): the names were lost from the summary (and from a report
    # piped to a file, which rich prints 80 columns wide).
    result = solve_scenario(load_scenario(PALMIRA))
    for lang in ("es", "en"):
        for width in (80, 100, 119, 120, 160):
            # (soft_wrap as the command line's console: lines are never cut to fit)
            console = Console(record=True, width=width, soft_wrap=True)
            print_result(console, result, lang)
            text = console.export_text()
            assert "…" not in text, (lang, width)
            first = _first_column(text)
            lines = text.splitlines()
            for k, line in enumerate(lines):
                # every table fits the terminal (a wider line would wrap in it)
                if line.startswith("┏"):
                    assert len(line.rstrip()) <= width, (lang, width, lines[k - 1])
            for d in result.departments:
                assert "".join(d.name.split()) in first, (lang, width, d.name)
            for c in result.clusters:
                assert c.name is not None
                assert "".join(c.name.split()) in first, (lang, width, c.name)
            for t in result.targets:
                assert t.name is not None
                assert "".join(t.name.split()) in first, (lang, width, t.name)


def test_the_comparison_cuts_no_figure_at_80_columns() -> None:
    # Before, a change against the base ended in "…" ("(-1.60…" for -1,600 million) and
    # the column headers lost their ends.
    base = load_scenario(PALMIRA)
    cut = load_scenario(PALMIRA, ["budget.total=14400"])
    comparison = analysis.compare([base, cut], SolveOptions(), jobs=2)
    for lang in ("es", "en"):
        console = Console(record=True, width=80, soft_wrap=True)
        print_comparison(console, comparison, lang)
        text = console.export_text()
        assert "…" not in text
        assert all(len(line.rstrip()) <= 80 for line in text.splitlines() if "━" in line)
        budget_change = Labels(lang).num(-1600, 0)
        assert f"({budget_change})" in text
