"""Marginal values skipped on a proof (unchanged.py) are the values the re-solve gives.

Every skipped entry is compared with the full re-solve it stands for: on every example,
on Palmira, and on random scenarios (Hypothesis). A broken proof check is shown to give a
wrong value that this comparison catches, so the comparison is a check that can fail.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, event, given, settings

from conftest import (
    found,
    random_scenario_data,
    tiny_cluster,
    tiny_department,
    tiny_loaded,
    tiny_programme,
    tiny_scenario,
)
from pazos_budget import analysis, unchanged
from pazos_budget.analysis import marginal_values, money_step, prove_unchanged, with_more_money
from pazos_budget.batch import on_threads
from pazos_budget.errors import PazosBudgetError
from pazos_budget.loader import LoadedScenario, load_scenario
from pazos_budget.model import build_model
from pazos_budget.pipeline import ScenarioInfeasible, solve_scenario
from pazos_budget.result import Result
from pazos_budget.solve import SolveOptions, Status

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*.yaml") if p.stem != "infeasible")
PALMIRA = ROOT / "scenarios" / "palmira-2023.yaml"
#: What an entry says besides how it was found.
HOW = ("re_solved", "proof")


def _entries(*args: Any, **kwargs: Any) -> list[dict[str, Any]]:
    """The marginal values as the JSON writes them (`marginal_values[]` of result@1)."""
    return [m.to_json() for m in marginal_values(*args, **kwargs)]


def _never(scenario: Any, base: Any, options: Any) -> Any:
    """A prover that proves nothing: every source is re-solved."""
    return lambda variant: None


def _figures(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if k not in HOW}


def _assert_same(skipped: dict[str, Any], solved: dict[str, Any]) -> None:
    """The same entry, each figure within the contract's tolerance (1e-6 relative)."""
    assert skipped["re_solved"] is False and skipped["proof"] is not None
    assert solved["re_solved"] is True and solved["proof"] is None
    a, b = _figures(skipped), _figures(solved)
    assert a.keys() == b.keys()
    for key in a:
        if key == "stages":
            assert len(a[key]) == len(b[key])
            for x, y in zip(a[key], b[key], strict=True):
                assert x.keys() == y.keys()
                for k in x:
                    if isinstance(x[k], float):
                        assert x[k] == pytest.approx(y[k], rel=1e-6, abs=1e-6), (x, y)
                    else:
                        assert x[k] == y[k], (x, y)
        elif isinstance(a[key], float):
            assert a[key] == pytest.approx(b[key], rel=1e-6, abs=1e-6), (skipped["name"], key)
        else:
            assert a[key] == b[key], key


def _compare(loaded: LoadedScenario, monkeypatch: pytest.MonkeyPatch) -> int:
    """Marginal values with proofs against the same with every source re-solved; the
    number of sources skipped."""
    base = solve_scenario(loaded)
    fast = _entries(loaded, base, SolveOptions(), jobs=1)
    with monkeypatch.context() as m:
        m.setattr(analysis, "_prover", _never)
        full = _entries(loaded, base, SolveOptions(), jobs=1)
    skipped = 0
    for a, b in zip(fast, full, strict=True):
        if a["proof"] is None:
            assert a == b
        else:
            _assert_same(a, b)
            skipped += 1
    return skipped


def test_skipped_values_equal_the_re_solves_on_every_example(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    skipped = {p.name: _compare(load_scenario(p), monkeypatch) for p in EXAMPLES}
    # Not vacuous: the examples have sources that a proof skips (an envelope with room
    # to spare, a total budget that binds nothing).
    assert sum(skipped.values()) >= 4, skipped


@pytest.mark.slow
def test_skipped_values_equal_the_re_solves_on_palmira() -> None:
    """Palmira's sources a proof skips are the seven with room to spare; re-solved in
    full, they give the plan's figures back."""
    loaded = load_scenario(PALMIRA)
    base = solve_scenario(loaded)
    s = loaded.scenario
    delta = money_step(s.budget.total)
    sources = [d.id for d in s.departments if d.budget is not None]
    proofs = prove_unchanged(
        s, base, [with_more_money(s, d, delta) for d in sources], SolveOptions(), 2
    )
    proven = [d for d, proof in zip(sources, proofs, strict=True) if proof is not None]
    # The seven envelopes with room to spare (docs/model.md: 8 of 12 gain nothing; the
    # eighth, Social Integration, weighs a spend-share goal by its envelope, so it is
    # another question and is re-solved).
    assert proven == [
        "government",
        "gerencia-pazos",
        "culture",
        "education",
        "infrastructure",
        "mobility",
        "participation",
    ]
    # Three of the seven re-solved in full (all seven take about 40 s of CPU; the suite
    # stays within CI's time): one of each kind of envelope, spread over the list.
    checked = proven[::3]
    variants = [with_more_money(s, d, delta) for d in checked]
    solved: list[Any] = [None] * len(variants)
    on_threads(
        lambda i: analysis._solve_variant(
            loaded, variants[i], SolveOptions(), start=base.solution_values
        ),
        len(variants),
        2,
        solved,
    )
    for d, more in zip(checked, solved, strict=True):
        assert isinstance(more, Result) and more.status == Status.OPTIMAL
        for a, b in zip(base.stages, more.stages, strict=True):
            assert b.objective == pytest.approx(a.objective, rel=1e-6, abs=1e-6), d
        assert more.youth_reached == pytest.approx(base.youth_reached, rel=1e-6), d
        assert more.spend == pytest.approx(base.spend, rel=1e-6), d
        assert more.weighted_coverage == pytest.approx(base.weighted_coverage, rel=1e-6)


def _gaining() -> LoadedScenario:
    """d1's envelope binds on a programme that reaches youth; d2's has room to spare."""
    return tiny_scenario(
        total=200.0,
        clusters=[tiny_cluster("c1", 1000)],
        departments=[tiny_department("d1", budget=50.0), tiny_department("d2", budget=100.0)],
        programmes=[
            tiny_programme("reach", "d1", 10.0, youth=10.0),
            tiny_programme("lights", "d2", 5.0, max_units=4),
        ],
    )


def test_a_source_that_gains_is_not_proven_and_a_broken_proof_is_caught(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """d1's envelope buys youth: no proof is found (d2's, with room to spare, is proven).
    With the proof reading the wrong row on purpose (every plan then seems to stay
    within the ceiling), a proof is claimed for d1, and the comparison with the re-solve
    fails on it."""
    loaded = _gaining()
    base = solve_scenario(loaded)
    entries = _entries(loaded, base, SolveOptions(), jobs=1)
    by = {e["department"]: e for e in entries}
    assert by["d1"]["proof"] is None and by["d1"]["youth_reached"] > 1.0
    assert by["d2"]["proof"] is not None

    monkeypatch.setattr(unchanged, "_dense_row", lambda m, r: np.zeros(m.n_cols))
    broken = {e["department"]: e for e in _entries(loaded, base, SolveOptions(), jobs=1)}
    assert broken["d1"]["proof"] is not None  # the broken check claims nothing changes
    with pytest.raises(AssertionError):
        _assert_same(broken["d1"], by["d1"] | {"re_solved": True})


def test_what_is_skipped_does_not_depend_on_jobs() -> None:
    loaded = load_scenario(ROOT / "examples" / "cofunding.yaml")
    base = solve_scenario(loaded)
    one = _entries(loaded, base, SolveOptions(), jobs=1)
    two = _entries(loaded, base, SolveOptions(), jobs=2)
    assert one == two
    assert any(e["proof"] is not None for e in one)


@pytest.mark.parametrize("broken", [False, True])
def test_the_total_budget_solved_beside_the_plan_is_the_re_solve(
    broken: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On two cores the total budget's re-solve runs beside the plan's solve: the values
    are those of one core, where it runs after its proof. Broken on purpose (the side
    solves the plan's own scenario, not the one with more money), the comparison fails."""
    loaded = tiny_scenario(  # the total budget binds on a programme that reaches youth
        total=45.0,
        clusters=[tiny_cluster("c1", 1000)],
        departments=[tiny_department("d1", budget=100.0)],
        programmes=[tiny_programme("reach", "d1", 10.0, youth=10.0)],
    )
    monkeypatch.setattr(analysis, "default_jobs", lambda: 1)
    one = [m.to_json() for m in analysis.solve_with_marginal_values(loaded).marginal_values]
    assert one[0]["re_solved"] and one[0]["youth_reached"] != 0  # no proof: it counts
    beside: list[Any] = []
    solve_variant = analysis._solve_variant

    def spy(ld: LoadedScenario, variant: Any, options: SolveOptions, start: Any = None) -> Any:
        if variant.budget.total > loaded.scenario.budget.total:  # the total budget's
            beside.append(threading.current_thread().name)
            if broken:
                variant = loaded.scenario
        return solve_variant(ld, variant, options, start)

    monkeypatch.setattr(analysis, "default_jobs", lambda: 2)
    monkeypatch.setattr(analysis, "_solve_variant", spy)
    two = [m.to_json() for m in analysis.solve_with_marginal_values(loaded).marginal_values]
    assert len(beside) == 1  # the total budget, solved once, beside the plan
    assert beside[0].startswith("pazos-beside")
    if broken:
        assert two[0] != one[0] and two[1:] == one[1:]
    else:
        assert two == one


def test_the_solve_beside_an_infeasible_plan_is_stopped_and_waited_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No plan, no marginal values: the total budget's re-solve started beside the plan's
    solve is stopped, and its thread has ended when the error reaches the caller."""
    monkeypatch.setattr(analysis, "default_jobs", lambda: 2)
    with pytest.raises(ScenarioInfeasible):
        analysis.solve_with_marginal_values(load_scenario(ROOT / "examples" / "infeasible.yaml"))
    assert not [t for t in threading.enumerate() if t.name.startswith("pazos-beside")]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(random_scenario_data())
def test_a_proof_never_hides_a_change(data: dict[str, Any]) -> None:
    """Whenever a source is proven unchanged, its re-solve has the plan's every stage
    optimum and spend; in a linear model also its youth reached and weighted coverage.
    (In an integer model the re-solve may pick another plan of the same optima, whose
    youth reached differs: the integer tie-break is not canonical, docs/model.md; pinned
    by test_an_integer_re_solve_may_pick_another_plan_of_the_same_optima.)"""
    try:
        loaded = tiny_loaded(data)
        base = solve_scenario(loaded)
    except (PazosBudgetError, ValueError):
        assume(False)
        return
    assume(base.status == Status.OPTIMAL)
    s = loaded.scenario
    delta = money_step(s.budget.total)
    sources = [None] + [d.id for d in s.departments if d.budget is not None]
    variants = [with_more_money(s, d, delta) for d in sources]
    proofs = prove_unchanged(s, base, variants, SolveOptions())
    for variant, proof in zip(variants, proofs, strict=True):
        if proof is None:
            continue
        event(f"proven from {proof.stage}")
        more = solve_scenario(tiny_loaded_like(loaded, variant))
        assert more.status == Status.OPTIMAL
        for a, b in zip(base.stages, more.stages, strict=True):
            assert b.objective == pytest.approx(a.objective, rel=1e-6, abs=1e-6), proof
        assert more.spend == pytest.approx(base.spend, rel=1e-6, abs=1e-6)
        if not build_model(s).is_mip:
            assert more.youth_reached == pytest.approx(base.youth_reached, rel=1e-6, abs=1e-6)
            assert more.weighted_coverage == pytest.approx(
                base.weighted_coverage, rel=1e-6, abs=1e-6
            )


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="LIMITATION (issue 12, item 5): in an integer model the tie-break after the "
    "final stage moves only continuous units; one more unit of d1's envelope, proven "
    "unchanged, re-solves to the same optima and spend but p1's whole unit in another "
    "cluster (youth reached 13.841 instead of 13.832)",
)
def test_an_integer_re_solve_may_pick_another_plan_of_the_same_optima() -> None:
    loaded = tiny_loaded(found("integer-tie-break-youth"))
    base = solve_scenario(loaded)
    s = loaded.scenario
    more_money = with_more_money(s, "d1", money_step(s.budget.total))
    proof = prove_unchanged(s, base, [more_money], SolveOptions())[0]
    assert proof is not None and proof.stage == "final"
    more = solve_scenario(tiny_loaded_like(loaded, more_money))
    assert [st.objective for st in more.stages] == pytest.approx(
        [st.objective for st in base.stages], rel=1e-6
    )
    assert more.youth_reached == pytest.approx(base.youth_reached, rel=1e-6)


def tiny_loaded_like(loaded: LoadedScenario, scenario: Any) -> LoadedScenario:
    return replace(loaded, scenario=scenario)
