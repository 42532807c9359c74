"""Numbers the optimizer can trust: any unit of money works (the model is scaled before
the solver sees it), what no scaling makes honest is refused at validation with a located
message, and a solution whose objective the solver misreports is never called optimal."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import highspy
import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import SOLVERS
from pazos_budget.cli import app
from pazos_budget.loader import LoadedScenario, load_scenario
from pazos_budget.model import build_model
from pazos_budget.pipeline import solve_scenario
from pazos_budget.result import to_json
from pazos_budget.scaling import scale_model
from pazos_budget.scenario import Scenario
from pazos_budget.solve import SolveOptions, Status, objective_disagreement, solve_model

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = ROOT / "examples" / "minimal.yaml"


def _edited(tmp_path: Path, old: str, new: str) -> Path:
    text = MINIMAL.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path = tmp_path / "s.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def _line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


# --------------------------------------------------------------------------- refused
@pytest.mark.parametrize("weight", ["1e306", "1e308"])
def test_a_huge_cluster_weight_is_refused_where_it_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, weight: str
) -> None:
    """Was: 'status optimal' spending 240 of 1000 (1e306), an OverflowError (1e308)."""
    _edited(
        tmp_path, "youth_population: 1500, weight: 2", f"youth_population: 1500, weight: {weight}"
    )
    monkeypatch.chdir(tmp_path)
    run = CliRunner().invoke(app, ["solve", "s.yaml"])
    assert run.exit_code == 2, run.output
    assert run.output == (
        f"s.yaml:16:54: clusters[1].weight: {float(weight):g} is too large: no number in a "
        "scenario may exceed 1e15\n"
    )


def test_a_unit_cost_far_below_every_other_amount_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Was: 'HiGHS refused the model' with no location."""
    path = _edited(tmp_path, "unit_cost: 5\n", "unit_cost: 1e-9\n")
    line = _line_of(path, "unit_cost: 1e-9")
    monkeypatch.chdir(tmp_path)
    run = CliRunner().invoke(app, ["validate", "s.yaml"])
    assert run.exit_code == 2, run.output
    assert run.output == (
        f"s.yaml:{line}:5: programmes[2].unit_cost: 1e-09 is more than 1e9 times smaller than "
        "the largest money amount (budget.total = 1000): no unit keeps both within what the "
        "solver can tell apart; check both for a typo\n"
    )
    assert CliRunner().invoke(app, ["solve", "s.yaml"]).exit_code == 2


def test_weights_that_span_more_than_the_hold_tolerance_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _edited(tmp_path, "youth_population: 1500, weight: 2", "youth_population: 1500, weight: 2e6")
    monkeypatch.chdir(tmp_path)
    run = CliRunner().invoke(app, ["validate", "s.yaml"])
    assert run.exit_code == 2, run.output
    assert "clusters[0].weight: 1 is more than 1e6 times smaller than the largest cluster " in (
        run.output
    )
    assert "write 0 for a weight that does not count" in run.output


def test_wide_but_honest_numbers_are_accepted(tmp_path: Path) -> None:
    """A weight of 0 does not count in the span, and 1e6 x is still allowed."""
    _edited(tmp_path, "youth_population: 1500, weight: 2", "youth_population: 1500, weight: 1e6")
    assert CliRunner().invoke(app, ["validate", str(tmp_path / "s.yaml")]).exit_code == 0


# --------------------------------------------------------------------------- any unit
def _in_unit(loaded: LoadedScenario, factor: float) -> LoadedScenario:
    """The same scenario with every money amount multiplied by `factor`."""
    data = loaded.scenario.model_dump(mode="json", exclude_none=True)
    data["budget"]["total"] *= factor
    for d in data["departments"]:
        for key in ("budget", "min_spend"):
            if key in d:
                d[key] *= factor
    for p in data["programmes"]:
        for key in ("unit_cost", "fixed_cost"):
            if key in p:
                p[key] *= factor
    return dataclasses.replace(loaded, scenario=Scenario.model_validate(data))


def _plan(doc: dict[str, Any]) -> dict[str, Any]:
    return {p["id"]: (round(p["units"], 6), p["clusters"]) for p in doc["programmes"]}


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("name", ["minimal.yaml", "cofunding.yaml", "hard-vs-soft.yaml"])
@pytest.mark.filterwarnings("ignore:Constructing LpVariable.*:DeprecationWarning")
@pytest.mark.filterwarnings("ignore:PULP_CBC_CMD is deprecated.*:DeprecationWarning")
def test_pesos_and_millions_give_the_same_plan(name: str, solver: str) -> None:
    loaded = load_scenario(ROOT / "examples" / name)
    options = SolveOptions(solver=solver)
    millions = to_json(solve_scenario(loaded, options))
    for factor in (1e6, 1e-3):  # pesos, and thousands of millions
        other = to_json(solve_scenario(_in_unit(loaded, factor), options))
        assert other["status"] == millions["status"] == "optimal"
        assert _plan(other) == _plan(millions)
        assert other["totals"]["spend"] == pytest.approx(millions["totals"]["spend"] * factor)


def test_the_scaled_model_is_well_conditioned_in_any_unit() -> None:
    """Whatever the unit, the solver sees coefficients of about 1 in every row and column."""
    loaded = load_scenario(MINIMAL)
    for factor in (1.0, 1e6, 1e-3):
        m = build_model(_in_unit(loaded, factor).scenario)
        sc = scale_model(m)
        rows = np.repeat(np.arange(m.n_rows), np.diff(m.indptr))
        row_max = np.zeros(m.n_rows)
        np.maximum.at(row_max, rows, np.abs(sc.values))
        assert np.all((row_max > 0.7) & (row_max < 1.42))
        # Scaling by powers of two loses nothing: it is undone exactly.
        assert np.array_equal(
            sc.from_scaled(sc.to_scaled(np.arange(m.n_cols, dtype=float))),
            np.arange(m.n_cols, dtype=float),
        )


# --------------------------------------------------------------------------- objective check
def test_objective_disagreement() -> None:
    assert objective_disagreement(10.0, 10.0 + 1e-9) is None
    assert objective_disagreement(10.0, 10.1) is not None
    assert objective_disagreement(float("inf"), float("inf")) is not None
    assert objective_disagreement(0.0, float("nan")) is not None


class _LyingHighs(highspy.Highs):  # type: ignore[misc]
    """HiGHS reporting a better objective than its solution has (the safety net's target)."""

    def getInfo(self) -> Any:
        info = super().getInfo()

        class Info:
            def __getattr__(self, name: str) -> Any:
                value = getattr(info, name)
                return value + 1.0 if name == "objective_function_value" else value

        return Info()


def test_a_misreported_objective_is_never_optimal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Break the solver on purpose: the solve is an error, not an optimum (exit 4)."""
    monkeypatch.setattr(highspy, "Highs", _LyingHighs)
    solution = solve_model(build_model(load_scenario(MINIMAL).scenario))
    assert solution.status == Status.ERROR
    assert "cannot be trusted" in str(solution.messages[0])
    run = CliRunner().invoke(app, ["solve", str(MINIMAL)])
    assert run.exit_code == 4, run.output
    assert "status optimal" not in run.output
    assert "the answer cannot be trusted" in run.output


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "youth_per_unit: {north: 30, south: 40}",
            "youth_per_unit: {north: 1e-12, south: 40}",
            "programmes[1].youth_per_unit.north: 1e-12 is more than 1e9 times smaller than the "
            "largest number of youth (clusters[0].youth_population = 2000)",
        ),
        (
            "outputs: {mediations: 60}",
            "outputs: {mediations: 1e-8}",
            "programmes[1].outputs.mediations: 1e-08 is more than 1e9 times smaller than the "
            "largest amount of 'mediations' (targets[1].at_least = 200)",
        ),
        (
            "unit_cost: 40",
            "unit_cost: 40\n    max_units: 1e16",
            "programmes[1].max_units: 1e+16 is too large",
        ),
        (
            "{id: reach-10pct, kind: youth_reach, share: 0.10}",
            "{id: reach-10pct, kind: youth_reach, share: 0.10, weight: 1e-7}\n"
            "  - {id: reach-n, kind: youth_reach, share: 0.2, clusters: [north]}",
            "targets[0].weight: 1e-07 is more than 1e6 times smaller than the largest weight of "
            "a priority-1 target (targets[1].weight = 1): it would weigh less than the tolerance",
        ),
    ],
)
def test_each_kind_of_number_is_checked_where_it_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, old: str, new: str, expected: str
) -> None:
    _edited(tmp_path, old, new)
    monkeypatch.chdir(tmp_path)
    run = CliRunner().invoke(app, ["validate", "s.yaml"])
    assert run.exit_code == 2, run.output
    assert expected in run.output
    assert run.output.startswith("s.yaml:")


@pytest.mark.slow
def test_palmira_in_pesos_is_the_same_plan_as_in_millions() -> None:
    """The shipped scenario, every money amount in pesos (1e6 times larger): before scaling
    this funded other programmes (79 -> 151 units of one) for the same scenario. Every stage
    optimum is the same, and so are the spend and the distinct youth reached. Which of
    several equally good integer plans is picked is the tie-break's, whose integer part
    searches a fixed number of nodes (docs/model.md): a scenario in another money unit is
    another model for the solver, and may get another of the equally good plans."""
    loaded = load_scenario(ROOT / "scenarios" / "palmira-2023.yaml")
    millions = to_json(solve_scenario(loaded))
    pesos = to_json(solve_scenario(_in_unit(loaded, 1e6)))
    assert pesos["status"] == millions["status"] == "optimal"
    for a, b in zip(pesos["stages"], millions["stages"], strict=True):
        scale = 1e6 if b.get("final") == "minimize_spend" else 1.0
        assert a["objective"] == pytest.approx(b["objective"] * scale, rel=1e-6, abs=1e-9)
    assert pesos["totals"]["spend"] == pytest.approx(millions["totals"]["spend"] * 1e6, rel=1e-6)
    assert pesos["totals"]["youth_reached"] == pytest.approx(
        millions["totals"]["youth_reached"], rel=1e-6
    )
