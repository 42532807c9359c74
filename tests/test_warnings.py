"""Warnings instead of refusals (docs/model.md: results): a target that nothing in its
scope can serve.

A PAZOS target asks for all five components while no department has submitted an
`access_to_justice` programme yet: the scenario is valid, `validate` and `solve` print a
located warning, the solve goes on, and the target is reported unmet with that reason in
the JSON, on the terminal and in the workbook. The same target made hard is infeasible,
and the diagnosis names it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner, Result

from conftest import PULP_4_DEPRECATIONS
from pazos_budget.cli import app
from pazos_budget.loader import load_scenario

pytestmark = PULP_4_DEPRECATIONS

# Line numbers below are cited by the expected messages.
SCENARIO = """\
scenario: {id: waiting, name: Waiting for Justice, year: 2024, currency: COP millions, language: en}
budget: {total: 1000}
clusters:
  - {id: north, name: North, youth_population: 2000}
  - {id: south, name: South, youth_population: 1500}
departments:
  - {id: culture, name: Culture}
  - {id: security, name: Security}
programmes:
  - {id: art, name: Art school, department: culture, component: prevention, unit_cost: 1,
     clusters: all, youth_per_unit: 5}
  - {id: interrupters, name: Interrupters, department: security, component: interruption,
     unit_cost: 10, clusters: all, youth_per_unit: 5}
  - {id: psychosocial, name: Psychosocial care, department: security, component: intervention,
     unit_cost: 10, clusters: all, youth_per_unit: 5}
  - {id: lighting, name: Lighting, department: security, component: safe_environments,
     unit_cost: 10, clusters: all}
targets:
  - {id: all-five, name: All five components, kind: component_presence}
  - {id: reach, kind: youth_reach, share: 0.1, departments: [security], clusters: [north]}
"""

NO_JUSTICE = "no programme in the scenario belongs to component 'access_to_justice'"
SOFT_WARNING = (
    "s.yaml:19:5: warning: targets[0]: this target cannot be met (the solve goes on and "
    f"reports it unmet): {NO_JUSTICE}"
)
HARD_WARNING = (
    "s.yaml:19:5: warning: targets[0]: this hard target cannot be met, so the scenario is "
    f"infeasible: {NO_JUSTICE}"
)

runner = CliRunner()


def invoke(*args: str) -> Result:
    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.yaml").write_text(SCENARIO, encoding="utf-8")
    return tmp_path


def test_validate_warns_and_accepts(workdir: Path) -> None:
    result = invoke("validate", "s.yaml")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [SOFT_WARNING]
    assert result.stdout.startswith("s.yaml: ok: 2 clusters")


def test_solve_goes_on_and_reports_the_target_unmet_with_its_reason(workdir: Path) -> None:
    result = invoke("solve", "s.yaml", "--json", "r.json", "--output", "r.xlsx")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [SOFT_WARNING]
    assert (
        "  - All five components: no programme in the scenario belongs to component "
        "'access_to_justice'."
    ) in result.stdout.splitlines()
    doc = json.loads((workdir / "r.json").read_text(encoding="utf-8"))
    target = next(t for t in doc["targets"] if t["id"] == "all-five")
    assert target["met"] is False
    assert target["reason"] == NO_JUSTICE
    reasons = {r["key"]: r["reason"] for r in target["rows"]}
    assert reasons == {
        "north/interruption": None,
        "north/intervention": None,
        "north/prevention": None,
        "north/safe_environments": None,
        "north/access_to_justice": NO_JUSTICE,
        "south/interruption": None,
        "south/intervention": None,
        "south/prevention": None,
        "south/safe_environments": None,
        "south/access_to_justice": NO_JUSTICE,
    }
    # Everything else is planned: the four components are present, the reach goal is met.
    assert all(r["met"] for r in target["rows"] if r["reason"] is None)
    reach = next(t for t in doc["targets"] if t["id"] == "reach")
    assert reach["met"] is True and reach["reason"] is None
    # The workbook says why, in its language.
    sheet = load_workbook(workdir / "r.xlsx")["Targets"]
    cells = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert (
        cells.count("No programme in its scope belongs to the component “Access to justice”.") == 2
    )


def test_spanish_workbook_says_why_in_spanish(workdir: Path) -> None:
    result = invoke("solve", "s.yaml", "-q", "--output", "r.xlsx", "--lang", "es")
    assert result.exit_code == 0, result.output
    sheet = load_workbook(workdir / "r.xlsx")["Metas"]
    cells = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert "Por qué no puede cumplirse" in cells
    assert any(
        isinstance(c, str) and c.startswith("Ningún programa de su ámbito pertenece al componente")
        for c in cells
    )


def test_a_cluster_nobody_reaches_is_a_warning_for_that_row_only(workdir: Path) -> None:
    text = (
        SCENARIO.replace("clusters: [north]}", "clusters: [north, south]}")
        .replace(
            "component: interruption,\n     unit_cost: 10, clusters: all",
            "component: interruption,\n     unit_cost: 10, clusters: [north]",
        )
        .replace(
            "component: intervention,\n     unit_cost: 10, clusters: all, youth_per_unit: 5",
            "component: intervention,\n     unit_cost: 10, clusters: all, "
            "youth_per_unit: {north: 5, south: 0}",
        )
    )
    (workdir / "s.yaml").write_text(text, encoding="utf-8")
    loaded = load_scenario("s.yaml")
    lead = "this target cannot be met (the solve goes on and reports it unmet)"
    assert list(loaded.warnings) == [
        f"s.yaml:19:5: warning: targets[0]: {lead}: no programme in the scenario of component "
        "'interruption' runs in cluster south",
        f"s.yaml:19:5: warning: targets[0]: {lead}: {NO_JUSTICE}",
        f"s.yaml:20:73: warning: targets[1].clusters: {lead}: no programme in scope (of "
        "department security) reaches youth in cluster south",
    ]


def test_hard_target_nothing_can_serve_is_infeasible_and_named(workdir: Path) -> None:
    text = SCENARIO.replace("kind: component_presence}", "kind: component_presence, hard: true}")
    (workdir / "s.yaml").write_text(text, encoding="utf-8")
    validated = invoke("validate", "s.yaml")
    assert validated.exit_code == 0, validated.output
    assert validated.stderr.splitlines() == [HARD_WARNING]
    result = invoke("solve", "s.yaml")
    assert result.exit_code == 3, result.output
    lines = result.stderr.splitlines()
    assert lines[0] == HARD_WARNING
    assert lines[1:] == [
        "Infeasible: the hard commitments cannot all hold. The smallest set of commitments "
        "that must give:",
        "  - Target “All five components” (hard), 2 of its rows: no units of component "
        "access to justice can be delivered in cluster North (no programme in its scope "
        "delivers this component there); no units of component access to justice can be "
        "delivered in cluster South (no programme in its scope delivers this component there).",
    ]


def test_compare_and_sweep_print_the_warnings_too(workdir: Path) -> None:
    (workdir / "cut.yaml").write_text(
        "extends: s.yaml\nscenario: {id: cut, name: Cut}\nbudget: {total: 800}\n",
        encoding="utf-8",
    )
    compared = invoke("compare", "s.yaml", "cut.yaml", "-o", "c.xlsx", "-j", "1")
    assert compared.exit_code == 0, compared.output
    # The variant's target is the base's: its warning points at the base file.
    assert compared.stderr.splitlines() == [SOFT_WARNING, SOFT_WARNING]
    swept = invoke("sweep", "s.yaml", "-o", "f.xlsx", "--budget", "500:1000:500", "-j", "1")
    assert swept.exit_code == 0, swept.output
    assert swept.stderr.splitlines()[0] == SOFT_WARNING
