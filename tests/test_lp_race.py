"""One plan however an LP is solved: the first stage by simplex, by interior point, or by
a race of the two (lprace.py) gives the same allocation and the same JSON document.

Every shipped scenario and example is a MIP (whole units, fixed costs), so each is also
solved as its linear relaxation: every programme continuous, no fixed cost, the minimum
units of a programme that is not mandatory dropped (they would need a yes/no column).
"""

from __future__ import annotations

import dataclasses
import math
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings

from conftest import (
    SHIPPED,
    SHIPPED_INFEASIBLE,
    examples,
    random_scenario_data,
    tiny_loaded,
    without_timings,
)
from pazos_budget import lprace
from pazos_budget.errors import UsageError
from pazos_budget.loader import LoadedScenario, load_scenario
from pazos_budget.model import build_model
from pazos_budget.pipeline import ScenarioInfeasible, solve_scenario
from pazos_budget.result import to_json
from pazos_budget.solve import SolveOptions, solve_model

FORCED = (lprace.SIMPLEX, lprace.IPM)


def linear(loaded: LoadedScenario) -> LoadedScenario:
    """The scenario with every programme continuous and no yes/no decision left."""
    s = loaded.scenario
    programmes = [
        p.model_copy(
            update={
                "integer": False,
                "fixed_cost": 0.0,
                "min_units": p.min_units if p.mandatory else 0.0,
            }
        )
        for p in s.programmes
    ]
    return dataclasses.replace(loaded, scenario=s.model_copy(update={"programmes": programmes}))


def documents(loaded: LoadedScenario) -> dict[str, Any]:
    """The JSON document of each way of solving the first stage (None if infeasible)."""
    out: dict[str, Any] = {}
    for method in (*FORCED, lprace.RACE):
        try:
            result = solve_scenario(loaded, SolveOptions(lp_method=method), diagnosis=False)
        except ScenarioInfeasible:
            out[method] = None
            continue
        out[method] = without_timings(to_json(result))
    return out


FEASIBLE = [p for p in SHIPPED if p.name not in SHIPPED_INFEASIBLE]


@pytest.mark.parametrize("path", FEASIBLE, ids=[p.name for p in FEASIBLE])
def test_linear_shipped_scenarios_same_document_whichever_method(path: Path) -> None:
    loaded = linear(load_scenario(path))
    assert not build_model(loaded.scenario).is_mip
    docs = documents(loaded)
    assert docs[lprace.SIMPLEX] is not None
    assert docs[lprace.IPM] == docs[lprace.SIMPLEX]
    assert docs[lprace.RACE] == docs[lprace.SIMPLEX]


def test_forced_method_is_the_one_that_solved_the_first_stage() -> None:
    model = build_model(linear(load_scenario(FEASIBLE[0])).scenario)
    values = {}
    for method in FORCED:
        solution = solve_model(model, SolveOptions(lp_method=method))
        assert solution.lp_method == method
        values[method] = solution.values
    # Bit for bit, not within a tolerance: the canonical last solve (solve.py).
    assert np.array_equal(values[lprace.SIMPLEX], values[lprace.IPM])
    raced = solve_model(model, SolveOptions(lp_method=lprace.RACE))
    assert raced.lp_method in FORCED
    assert np.array_equal(raced.values, values[lprace.SIMPLEX])


def _linear_data(data: dict[str, Any]) -> dict[str, Any]:
    for p in data["programmes"]:
        p["integer"] = False
        p.pop("fixed_cost", None)
        if not p.get("mandatory"):
            p.pop("min_units", None)
            if "max_units" in p:
                p["max_units"] = max(p["max_units"], 0.0)
    return data


@settings(
    max_examples=examples(25),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(data=random_scenario_data())
def test_small_lps_same_document_whichever_method(data: dict[str, Any]) -> None:
    try:
        loaded = tiny_loaded(_linear_data(data))
    except ValueError:
        assume(False)
        return
    assume(not build_model(loaded.scenario).is_mip)
    docs = documents(loaded)
    assert docs[lprace.IPM] == docs[lprace.SIMPLEX]
    assert docs[lprace.RACE] == docs[lprace.SIMPLEX]


# --------------------------------------------------------------------------- the rule
def test_a_mip_is_never_raced() -> None:
    assert lprace.methods(lprace.AUTO, True, 10, 8) == (lprace.SIMPLEX,)
    assert lprace.methods(lprace.RACE, True, 10, 8) == (lprace.SIMPLEX,)


def test_race_on_two_cores_simplex_on_one() -> None:
    mid = lprace.RACE_MIN_NONZEROS
    assert lprace.methods(lprace.AUTO, False, mid, 2) == (lprace.SIMPLEX, lprace.IPM)
    assert lprace.methods(lprace.AUTO, False, mid, 1) == (lprace.SIMPLEX,)


def test_no_race_for_a_small_lp() -> None:
    """Simplex alone is faster than starting a second instance (`race` still races it)."""
    small = lprace.RACE_MIN_NONZEROS - 1
    assert lprace.methods(lprace.AUTO, False, small, 2) == (lprace.SIMPLEX,)
    assert lprace.methods(lprace.RACE, False, small, 2) == (lprace.SIMPLEX, lprace.IPM)


def test_no_race_above_the_memory_bound() -> None:
    big = lprace.RACE_MAX_NONZEROS + 1
    assert lprace.methods(lprace.AUTO, False, big, 2) == (lprace.SIMPLEX,)
    assert lprace.methods(lprace.RACE, False, big, 2) == (lprace.SIMPLEX, lprace.IPM)


def test_forced_method_is_alone() -> None:
    for method in FORCED:
        assert lprace.methods(method, False, 10, 8) == (method,)


def test_unknown_lp_method_is_a_usage_error() -> None:
    model = build_model(linear(load_scenario(FEASIBLE[0])).scenario)
    with pytest.raises(UsageError, match="unknown LP method 'barrier'"):
        solve_model(model, SolveOptions(lp_method="barrier"))


# --------------------------------------------------------------------------- the race
class _Callbacks:
    """What highspy's callback descriptors do for `+=` and `-=`."""

    def __init__(self) -> None:
        self.handlers: list[Any] = []

    def __iadd__(self, handler: Any) -> _Callbacks:
        self.handlers.append(handler)
        return self

    def __isub__(self, handler: Any) -> _Callbacks:
        self.handlers.remove(handler)
        return self


class _Event:
    def __init__(self) -> None:
        self.stopped = False

    def interrupt(self) -> None:
        self.stopped = True


class _Entrant:
    """A stand-in for a HiGHS instance: `quick` returns at once with an optimum; a slow
    one iterates (calling its interrupt callbacks) until interrupted, or gives up."""

    def __init__(self, quick: bool, optimal: bool = True) -> None:
        self.quick = quick
        self.optimal = optimal
        self.interrupted = False
        self.cbSimplexInterrupt = _Callbacks()
        self.cbIpmInterrupt = _Callbacks()
        self.started = threading.Event()

    def run(self) -> None:
        self.started.set()
        if self.quick:
            return
        for _ in range(200_000):
            event = _Event()
            for handler in [*self.cbSimplexInterrupt.handlers, *self.cbIpmInterrupt.handlers]:
                handler(event)
            if event.stopped:
                self.interrupted = True
                self.optimal = False
                return
            threading.Event().wait(0.0005)


def test_first_optimum_wins_and_the_other_is_interrupted() -> None:
    slow, quick = _Entrant(quick=False), _Entrant(quick=True)
    outcome = lprace.race([slow, quick], lambda e: e.optimal)
    assert outcome.winner == 1
    assert outcome.finished == [1, 0]
    assert slow.interrupted and not quick.interrupted
    # The race's callbacks are gone: the instance that goes on is not stopped later.
    assert not slow.cbSimplexInterrupt.handlers and not quick.cbIpmInterrupt.handlers


def test_no_optimum_waits_for_all_and_keeps_the_first_entrant() -> None:
    a, b = _Entrant(quick=True, optimal=False), _Entrant(quick=True, optimal=False)
    outcome = lprace.race([a, b], lambda e: e.optimal)
    assert outcome.winner == 0
    assert sorted(outcome.finished) == [0, 1]


def test_a_non_optimal_first_finisher_does_not_win() -> None:
    # Infeasible (or stopped) first: the other one's optimum is still waited for.
    failed, slow = _Entrant(quick=True, optimal=False), _Entrant(quick=False)
    slow.quick = True  # finishes, later, with an optimum
    outcome = lprace.race([failed, slow], lambda e: e.optimal)
    assert outcome.winner == 1


# --------------------------------------------------------------------------- canonical run
def test_columns_at_a_bound_are_fixed_there() -> None:
    inf = math.inf
    values = np.array([0.0, 3e-8, 5.0, 10.0 - 5e-7, 2.0, -1e-9, 7.0])
    lower = np.array([0.0, 0.0, 0.0, 0.0, 2.0, 0.0, 0.0])
    upper = np.array([inf, 4.0, 9.0, 10.0, 3.0, inf, inf])
    lo, hi = lprace.at_bounds(values, lower, upper)
    # At 0 (within noise, either side), at 10 (relative to the value), at a lower of 2.
    assert lo.tolist() == [0.0, 0.0, 0.0, 10.0, 2.0, 0.0, 0.0]
    assert hi.tolist() == [0.0, 0.0, 9.0, 10.0, 2.0, 0.0, inf]
    # The bounds given are not changed.
    assert upper[0] == inf and lower[3] == 0.0


def test_a_failed_canonical_run_keeps_the_plan_found(monkeypatch: pytest.MonkeyPatch) -> None:
    # A safety net that can fail: if the canonical run is broken (no column may move),
    # the plan of the first run stands and the solve stays optimal.
    model = build_model(linear(load_scenario(FEASIBLE[0])).scenario)
    plain = solve_model(model, SolveOptions(lp_method=lprace.SIMPLEX))

    def everything_fixed(values: Any, lower: Any, upper: Any) -> Any:
        return values - 1.0, values - 1.0  # infeasible on purpose

    monkeypatch.setattr(lprace, "at_bounds", everything_fixed)
    broken = solve_model(model, SolveOptions(lp_method=lprace.SIMPLEX))
    assert broken.status == plain.status
    assert broken.values.shape == plain.values.shape
