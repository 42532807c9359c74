"""Revision 2 of the model, feature by feature: the distinct-youth curve, warnings, the
equity objective's rules, marginal youth per money, the canonical tie-break and one plan
however a scenario is run. Numbers are computed by hand in the comments."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import (
    PULP_4_DEPRECATIONS,
    SOLVERS,
    tiny_cluster,
    tiny_data,
    tiny_loaded,
    tiny_programme,
    tiny_scenario,
    tiny_solve_json,
)
from pazos_budget import reach
from pazos_budget import result as result_module
from pazos_budget.analysis import compare, sweep
from pazos_budget.cli import app
from pazos_budget.errors import VerificationError
from pazos_budget.loader import load_scenario
from pazos_budget.model import build_model, cell_weight
from pazos_budget.pipeline import solve_scenario
from pazos_budget.result import to_json
from pazos_budget.scenario import Scenario
from pazos_budget.solve import SolveOptions

pytestmark = PULP_4_DEPRECATIONS
ROOT = Path(__file__).resolve().parents[1]


def f(t: float) -> float:
    return 1 - math.exp(-t)


# --------------------------------------------------------------------------- the curve
def test_the_curve_passes_through_its_points_and_is_flat_beyond() -> None:
    for t in reach.T:
        assert reach.distinct_youth(t * 200, 200) == pytest.approx(200 * f(t), rel=1e-12)
    assert reach.distinct_youth(10_000, 200) == pytest.approx(200 * f(6))
    assert reach.right_slope(0, 200) == pytest.approx(f(0.025) / 0.025)  # 0.988
    assert reach.right_slope(0, 200) == pytest.approx(0.9876, abs=1e-4)
    assert reach.right_slope(6 * 200, 200) == 0.0
    # within 0.55% of N of the exact law everywhere
    grid = np.linspace(0, 8, 4001)
    worst = max(abs(reach.distinct_youth(t, 1.0) - f(min(t, 6.0))) for t in grid)
    assert worst < 0.0055
    # participations: capped at the population, slope 1 below it
    assert reach.distinct_youth(250, 200, "participations") == 200
    assert reach.right_slope(199, 200, "participations") == 1.0
    assert reach.right_slope(200, 200, "participations") == 0.0


def test_the_chords_are_the_curve() -> None:
    for t in np.linspace(0, 7, 141):
        low = min(a + b * t for a, b in reach.chords())
        assert low == pytest.approx(reach.distinct_youth(t, 1.0), abs=1e-12)


def test_the_model_is_lean_two_nonzeros_per_chord() -> None:
    # 3 programmes x 2 clusters: each cluster's chords touch only its d and P columns.
    loaded = tiny_scenario(
        total=100,
        clusters=[tiny_cluster("c1", 100), tiny_cluster("c2", 100)],
        programmes=[tiny_programme(f"p{i}", "d1", 1, youth=1) for i in range(3)],
        targets=[{"id": "r", "kind": "youth_reach", "share": 0.3}],
    )
    m = build_model(loaded.scenario)
    lengths = np.diff(m.indptr)
    chords = [r for r, name in enumerate(m.row_names) if name.startswith("chord[")]
    assert chords and all(lengths[r] == 2 for r in chords)
    # cluster chords: 16 per cluster; the target's rows keep only chords below 30 youth
    assert sum(name.startswith("chord[r,") for name in m.row_names) == 2 * sum(
        1 for a, _ in reach.chords()[:-1] if 100 * a < 30
    )


# --------------------------------------------------------------------------- warnings
def write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")  # JSON is YAML
    return path


def test_an_unreachable_share_is_a_located_warning(tmp_path: Path) -> None:
    data = tiny_data(
        total=100,
        clusters=[tiny_cluster("c1", 100)],
        programmes=[tiny_programme("p", "d1", 1, youth=1)],
        targets=[{"id": "all-of-them", "kind": "youth_reach", "share": 0.999}],
    )
    path = write(tmp_path, data)
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 0
    (warning,) = [ln for ln in result.stderr.splitlines() if "warning" in ln]
    assert warning.startswith(f"{path}:")
    assert ": warning: targets[0].share: a share above 0.9975 cannot be met" in warning
    # the same target under participations: no warning
    data["reach_model"] = "participations"
    result = CliRunner().invoke(app, ["validate", str(write(tmp_path, data))])
    assert "warning" not in result.stderr


def test_a_hard_unreachable_share_is_infeasible() -> None:
    loaded = tiny_scenario(
        total=10_000,
        clusters=[tiny_cluster("c1", 100)],
        programmes=[tiny_programme("p", "d1", 1, youth=1)],
        targets=[{"id": "all", "kind": "youth_reach", "share": 0.999, "hard": True}],
    )
    from pazos_budget.pipeline import ScenarioInfeasible

    with pytest.raises(ScenarioInfeasible) as e:
        solve_scenario(loaded)
    assert e.value.diagnosis[0].subject == "all"


def test_min_coverage_leaves_out_an_unreachable_prioritized_cluster(tmp_path: Path) -> None:
    data = tiny_data(
        total=60,
        clusters=[tiny_cluster("c1", 100), tiny_cluster("c2", 100)],
        programmes=[tiny_programme("p", "d1", 1, youth=1, clusters=["c1"])],
        objective="maximize_min_coverage",
    )
    path = write(tmp_path, data)
    loaded = load_scenario(path)
    (warning,) = loaded.warnings
    assert ": warning: clusters[1]: prioritized cluster 'c2' is left out" in warning
    doc = to_json(solve_scenario(loaded))
    # c2 left out: the lowest coverage is c1's, 60 participations: f(0.5) + slope * 0.1
    cov = f(0.5) + (f(0.75) - f(0.5)) / 0.25 * 0.1
    assert doc["stages"][0] == {"final": "maximize_min_coverage", "objective": pytest.approx(cov)}


def test_min_coverage_without_a_prioritized_cluster_is_invalid() -> None:
    data = tiny_data(
        total=60,
        clusters=[tiny_cluster("c1", 100, prioritized=False)],
        programmes=[tiny_programme("p", "d1", 1, youth=1)],
        objective="maximize_min_coverage",
    )
    with pytest.raises(ValueError, match="maximize_min_coverage needs at least one prioritized"):
        Scenario.model_validate(data)


# --------------------------------------------------------------------------- figures
@pytest.mark.parametrize("solver", SOLVERS)
def test_marginal_youth_per_money(solver: str) -> None:
    # c1 (100 youth): p (cost 2, 1 youth per unit, at most 30 units) runs 30 units, at its
    # cap; q (cost 4, 2 youth per unit) too, 10 units: 50 participations, t = 0.5, so the
    # slope just above is that of the piece 0.5-0.75. p cannot add a unit (max_units);
    # q can: 2 / 4 = 0.5 youth per money, times the slope.
    loaded = tiny_scenario(
        total=100,
        clusters=[tiny_cluster("c1", 100)],
        programmes=[
            tiny_programme("p", "d1", 2, youth=1, max_units=30),
            tiny_programme("q", "d1", 4, youth=2, max_units=10),
            tiny_programme("r", "d1", 1, youth=0),  # reaches nobody: never the best
        ],
    )
    doc = tiny_solve_json(loaded, solver)
    (c,) = doc["clusters"]
    assert c["participations"] == pytest.approx(50)
    assert c["youth_reached"] == pytest.approx(100 * f(0.5), rel=1e-9)
    # q is at its max_units too: nobody can add a unit
    assert c["marginal_youth_per_money"] == 0.0
    loaded = tiny_scenario(
        total=100,
        clusters=[tiny_cluster("c1", 100)],
        programmes=[
            tiny_programme("p", "d1", 2, youth=1, max_units=30),
            tiny_programme("q", "d1", 4, youth=2, max_units=10),
        ],
        departments=[{"id": "d1", "name": "D1", "budget": 80}],
    )
    doc = tiny_solve_json(loaded, solver)
    (c,) = doc["clusters"]
    # 80 of envelope: p 30 units (60) and q 5 units (20): 40 participations, t = 0.4
    assert c["participations"] == pytest.approx(40)
    slope = (f(0.5) - f(0.35)) / 0.15
    assert c["marginal_youth_per_money"] == pytest.approx(slope * 2 / 4, rel=1e-9)
    assert doc["totals"]["participations"] == pytest.approx(40)


def test_json_names_versions_and_overrides(tmp_path: Path) -> None:
    path = ROOT / "examples" / "minimal.yaml"
    loaded = load_scenario(path, ["budget.total=+10%"])
    doc = to_json(solve_scenario(loaded))
    assert doc["pazos_budget_version"] == doc["tool"]["version"]
    assert doc["solver"]["version"]
    assert doc["scenario"]["overrides"] == ["budget.total=+10%"]
    assert doc["scenario"]["base"] is None
    for key in ("programmes", "departments", "clusters", "targets"):
        assert all(isinstance(e["name"], str) and e["name"] for e in doc[key]), key
    variant = load_scenario(ROOT / "examples" / "what-if-cut.yaml")
    assert to_json(solve_scenario(variant))["scenario"]["base"] == "minimal.yaml"


# --------------------------------------------------------------------------- tie-break
def test_cell_weights_are_the_hashed_ones() -> None:
    digest = hashlib.sha256(b"murals/amaime").hexdigest()
    assert cell_weight("murals", "amaime") == 1 + (int(digest[:8], 16) % 1000) / 1000
    city = hashlib.sha256(b"radio/*").hexdigest()
    assert cell_weight("radio", None) == 1 + (int(city[:8], 16) % 1000) / 1000
    assert all(1 <= cell_weight(f"p{i}", "c") < 2 for i in range(50))


@pytest.mark.parametrize("solver", SOLVERS)
def test_the_tie_break_picks_the_cell_with_the_lower_weight(solver: str) -> None:
    # A programme reaching nobody, needed for 5 mediations anywhere: every placement is
    # as good until the cell weights decide; the lighter cell gets all 5 units.
    loaded = tiny_scenario(
        total=100,
        clusters=[tiny_cluster(c, 100) for c in ("c1", "c2", "c3")],
        programmes=[tiny_programme("m", "d1", 1, outputs={"mediations": 1})],
        targets=[{"id": "t", "kind": "metric", "metric": "mediations", "at_least": 5}],
    )
    doc = tiny_solve_json(loaded, solver)
    lightest = min(("c1", "c2", "c3"), key=lambda c: cell_weight("m", c))
    assert doc["programmes"][0]["clusters"] == {lightest: pytest.approx(5)}


def test_the_spend_tie_break_of_an_integer_model_searches_from_its_start_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The spend tie-break improves the final stage's plan: HiGHS's RENS (a search for a
    first plan) is off for that stage, and for that stage only (model.Stage.from_start).
    A solve that left it off for the next solve, or never turned it off, fails here."""
    import highspy

    seen: list[bool] = []
    run = highspy.Highs.run

    def recording(self: Any) -> Any:
        seen.append(bool(self.getOptionValue("mip_heuristic_run_rens")[1]))
        return run(self)

    monkeypatch.setattr(highspy.Highs, "run", recording)
    loaded = tiny_scenario(
        total=100,
        clusters=[tiny_cluster(c, 100) for c in ("c1", "c2")],
        programmes=[tiny_programme("m", "d1", 3, youth=2, integer=True)],
    )
    stages = build_model(loaded.scenario).stages
    assert [st.from_start for st in stages] == [st.label == "tie-break: spend" for st in stages]
    for _ in range(2):  # a second solve in the same process finds RENS on again
        seen.clear()
        solve_scenario(loaded)
        assert seen == [st.label != "tie-break: spend" for st in stages]


# --------------------------------------------------------------------------- one plan
def _plan(doc: dict[str, Any]) -> dict[str, Any]:
    return {p["id"]: (p["units"], p["clusters"]) for p in doc["programmes"]}


@pytest.mark.parametrize("name", ["minimal.yaml", "cofunding.yaml", "hard-vs-soft.yaml"])
def test_one_plan_alone_in_compare_and_as_a_sweep_point(name: str) -> None:
    loaded = load_scenario(ROOT / "examples" / name)
    alone = to_json(solve_scenario(loaded))
    other = load_scenario(ROOT / "examples" / "what-if-cut.yaml")
    both = compare([other, loaded], SolveOptions(), jobs=2)
    assert _plan(to_json(both.results[1])) == _plan(alone)
    points = sweep(loaded, SolveOptions(), totals=[loaded.scenario.budget.total, 1.0], jobs=2)
    first = points.points[0].result
    assert first is not None
    assert _plan(to_json(first)) == _plan(alone)


# --------------------------------------------------------------------------- the check
def test_the_independent_check_catches_a_hard_distinct_reach_row_broken(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A hard youth_reach row under `distinct` is checked on the curve: pretend the solver
    handed back one unit less than the row needs, and the check must fail."""
    data = tiny_data(
        total=100,
        clusters=[tiny_cluster("c1", 100)],
        programmes=[tiny_programme("p", "d1", 1, youth=1, integer=True, max_units=40)],
        targets=[{"id": "half", "kind": "youth_reach", "at_least": 30, "hard": True}],
        objective="minimize_spend",
    )
    loaded = tiny_loaded(data)
    # F(P) >= 30 needs P between 0.35 N and 0.5 N: 35.x participations, 36 whole units
    good = to_json(solve_scenario(loaded))
    assert good["programmes"][0]["units"] == 36
    real = result_module.allocation_from_solution

    def one_less(model: Any, solution: Any, tidy: bool = True) -> Any:
        units, paid = real(model, solution, tidy)
        units[0] = {c: u - 1 for c, u in units[0].items()}
        return units, paid

    monkeypatch.setattr(result_module, "allocation_from_solution", one_less)
    with pytest.raises(VerificationError, match="hard target half: not met in c1"):
        solve_scenario(loaded)
