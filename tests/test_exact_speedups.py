"""The solver speed-ups change no answer.

Three things make integer scenarios faster (benchmarks/README.md), and each must leave
every stage optimum exactly where it was:

- coverage columns declared integer where every allocation's coverage is a whole number
  (`model.integral_coverage`);
- each stage of a MIP starts from the previous stage's solution, and a re-solve with more
  money (marginal values) from the base solution; a started run's solution is kept only
  if its own objective is the one HiGHS reports (HiGHS 1.16 can hand back the start itself);
- so any start, even a useless or infeasible one, gives the same optima as no start.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from conftest import (
    found,
    random_scenario_data,
    tiny_cluster,
    tiny_loaded,
    tiny_programme,
    tiny_scenario,
)
from pazos_budget import model as model_module
from pazos_budget import solve as solve_module
from pazos_budget.analysis import marginal_values
from pazos_budget.loader import LoadedScenario, load_scenario
from pazos_budget.model import Model, build_model, integral_coverage
from pazos_budget.pipeline import solve_scenario
from pazos_budget.scenario import Scenario
from pazos_budget.solve import Solution, SolveOptions, Status, solve_model

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

SETTINGS = settings(
    max_examples=40,
    derandomize=True,  # the same examples on every run (a found defect is pinned below)
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def _scenario(data: dict[str, Any]) -> Scenario:
    try:
        return tiny_loaded(data).scenario
    except ValidationError:
        assume(False)
        raise


def _optima(solution: Solution) -> list[float]:
    return [o.objective for o in solution.stages if o.stage.reported]


def _same(a: list[float], b: list[float]) -> bool:
    """Two solves' stage optima agree: each is within the MIP gap (1e-6, relative above 1
    and absolute below) of the true optimum, so the two are within twice that of each
    other (a zero optimum may come back as 0 from one and 1.008e-6 from the other)."""
    return len(a) == len(b) and all(
        abs(x - y) <= 2e-6 * max(1.0, abs(x), abs(y)) for x, y in zip(a, b, strict=True)
    )


# --------------------------------------------------------------------------- integer coverage
def _cells(pop: list[float], cells: list[tuple[int, float, bool]]) -> tuple[Any, Any, Any, Any]:
    """(population, cell cluster, youth per unit, cell integer) arrays; cluster -1 = city."""
    return (
        np.array(pop, dtype=float),
        np.array([c for c, _, _ in cells], dtype=np.int64),
        np.array([y for _, y, _ in cells], dtype=float),
        np.array([i for _, _, i in cells], dtype=bool),
    )


def test_coverage_is_integer_only_where_every_reaching_cell_is_whole() -> None:
    pop, cc, cy, integer = _cells(
        [100, 100, 100, 100, 100, 100.5],
        [
            (0, 10.0, True),  # c0: integer units, whole youth: integer
            (1, 10.0, True),
            (1, 2.5, True),  # c1: 2.5 youth per unit breaks it
            (2, 10.0, False),  # c2: continuous units break it
            (3, 0.0, False),  # c3: a continuous cell reaching nobody does not count,
            (3, 4.0, True),  # ... so c3 is integer
            (-1, 3.0, False),  # the city-wide cell counts in no cluster
            (5, 1.0, True),  # c5: half a young person of population breaks it
        ],
    )
    # c4: no cell reaches it, so it stays continuous (an LP must stay an LP).
    got = integral_coverage(pop, cc, cy, integer)
    assert got.tolist() == [True, False, False, True, False, False]


def test_an_lp_stays_an_lp() -> None:
    loaded = tiny_scenario(
        total=100,
        clusters=[tiny_cluster("c1", 50), tiny_cluster("c2", 50)],
        programmes=[tiny_programme("p", "d1", 10, youth=5, clusters=["c1"])],
    )
    assert not build_model(loaded.scenario).is_mip


def test_the_palmira_coverage_is_integer_under_participations() -> None:
    # The scenario the speed-up was measured on: every cluster qualifies when reach counts
    # participations (distinct youth follow a curve and are never declared whole).
    path = ROOT / "scenarios" / "palmira-2023.yaml"
    m = build_model(load_scenario(path, ["reach_model=participations"]).scenario)
    assert m.integrality[m.cov_cols].all()
    distinct = build_model(load_scenario(path).scenario)
    assert not distinct.integrality[distinct.cov_cols].any()


@SETTINGS
@given(data=random_scenario_data())
def test_integer_coverage_changes_no_optimum(data: dict[str, Any]) -> None:
    data["reach_model"] = "participations"  # the only model with whole coverage
    s = _scenario(data)
    with_integer = build_model(s)
    assume(with_integer.cov_cols.min(initial=0) >= 0)
    assume(bool(with_integer.integrality[with_integer.cov_cols].any()))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(
            model_module, "integral_coverage", lambda pop, *_: np.zeros(len(pop), dtype=bool)
        )
        continuous = build_model(s)
    assert not continuous.integrality[continuous.cov_cols].any()
    a, b = solve_model(with_integer), solve_model(continuous)
    assert a.status == b.status
    if a.has_solution:
        assert _same(_optima(a), _optima(b)), (_optima(a), _optima(b))


# Run outside Hypothesis, the property's `assume` warns (HypothesisDeprecationWarning),
# which the suite's warnings-as-errors would turn into the failure: the xfail would then
# hold whatever the solver does. Only the assertion it pins may make it fail.
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="BUG: with continuous coverage columns the final stage counts the youth of an "
    "integer column HiGHS leaves a sliver from whole (its integrality tolerance): weighted "
    "reach 1.1e-5 where whole coverage gives 0",
)
def test_integer_coverage_changes_no_optimum_on_a_found_example() -> None:
    test_integer_coverage_changes_no_optimum.hypothesis.inner_test(found("integrality-sliver"))


# --------------------------------------------------------------------------- starts
def _with_start(m: Model, start: Any) -> Solution:
    return solve_model(m, SolveOptions(), np.asarray(start, dtype=float))


@SETTINGS
@given(data=random_scenario_data(), seed=st.integers(0, 2**32 - 1))
def test_any_start_gives_the_same_optima(data: dict[str, Any], seed: int) -> None:
    m = build_model(_scenario(data))
    plain = solve_model(m)
    rng = np.random.default_rng(seed)
    finite_upper = np.where(np.isinf(m.col_upper), 50.0, m.col_upper)
    # A model whose bounds contradict each other (a mandatory minimum above a cap) is
    # infeasible before any solve; a start "within its bounds" is then one within the
    # widest interval they allow.
    low, high = np.minimum(m.col_lower, finite_upper), np.maximum(m.col_lower, finite_upper)
    starts = [
        np.zeros(m.n_cols),  # often infeasible (mandatory programmes, minimum spends)
        rng.uniform(low, high),  # anything within the bounds
    ]
    if plain.has_solution:
        starts.append(plain.values)  # the optimum itself
    for start in starts:
        started = _with_start(m, start)
        assert started.status == plain.status
        if plain.has_solution:
            assert _same(_optima(started), _optima(plain))
            # the same plan, not only the same optima (the canonical tie-break)
            cells = slice(0, m.n_cells)
            assert np.allclose(started.values[cells], plain.values[cells], rtol=1e-6, atol=1e-6)


def test_a_start_handed_back_unchanged_is_solved_again() -> None:
    solution = solve_model(build_model(tiny_loaded(found("start-returned")).scenario))
    assert solution.status == Status.OPTIMAL
    assert _optima(solution) == [0.0, 0.0, pytest.approx(5.0, rel=1e-9)]


def test_an_inconsistent_started_run_runs_again_without_its_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Whatever HiGHS version is installed: pretend the first started run came back wrong.
    loaded = tiny_scenario(
        total=100,
        clusters=[tiny_cluster("c1", 1000)],
        programmes=[tiny_programme("p", "d1", 30, youth=10, integer=True)],
        targets=[{"id": "t", "kind": "metric", "metric": "youth", "at_least": 10}],
        reach_model="participations",
    )
    m = build_model(loaded.scenario)
    calls: list[bool] = []
    real = solve_module._HighsRun._consistent

    def first_fails(h: Any, cost: Any) -> bool:
        calls.append(True)
        return len(calls) > 1 and real(h, cost)

    monkeypatch.setattr(solve_module._HighsRun, "_consistent", staticmethod(first_fails))
    solution = solve_model(m)
    assert solution.restarts == 1
    assert _optima(solution) == [0.0, pytest.approx(30.0)]  # floor(100 / 30) x 10 youth


@pytest.mark.parametrize("name", ["minimal.yaml", "cofunding.yaml", "hard-vs-soft.yaml"])
def test_marginal_values_from_the_base_solution_equal_those_from_scratch(name: str) -> None:
    loaded: LoadedScenario = load_scenario(EXAMPLES / name)
    base = solve_scenario(loaded)
    m = build_model(loaded.scenario)
    start = solve_model(m).values
    options = SolveOptions()
    assert marginal_values(loaded, base, options, start=start, jobs=1) == marginal_values(
        loaded, base, options, jobs=1
    )
