"""Tiny scenarios whose optimum was computed by hand, one feature each.

Every solve test runs on every installed solver (the `solver` fixture of conftest.py).
The arithmetic behind each expected number is in the comment beside the scenario; unless
said otherwise a scenario has one department `d1`, one cluster and no targets, and the
final objective is `maximize_weighted_reach` (with its spend-minimising tie-break).

The hand computations count youth as participations capped at the population, so these
scenarios say `reach_model: participations` (the local `tiny_scenario`); what the
distinct-youth curve changes is computed by hand in test_independent.py and in the
`distinct` tests at the end of this file.
"""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from conftest import (
    PULP_4_DEPRECATIONS,
    SOLVERS,
    found,
    json_department,
    json_programme,
    json_target,
    tiny_cluster,
    tiny_department,
    tiny_loaded,
    tiny_programme,
    tiny_solve_json,
)
from conftest import tiny_scenario as _tiny_scenario
from pazos_budget import pipeline
from pazos_budget.errors import VerificationError
from pazos_budget.model import build_model
from pazos_budget.pipeline import ScenarioInfeasible
from pazos_budget.solve import (
    CBC,
    PRESOLVE_FOURIER_MOTZKIN,
    PRESOLVE_RULES_OFF,
    SolveOptions,
    _PulpRun,
    model_name,
    to_pulp,
    whole_bounds,
)
from pazos_budget.tolerances import CONTRACT_TOLERANCE, HIGHS_MIP_FEASIBILITY_STRICT

pytestmark = PULP_4_DEPRECATIONS

REACH = "maximize_weighted_reach"
SPEND = "minimize_spend"


def tiny_scenario(**kwargs: Any) -> Any:
    """conftest.tiny_scenario under `reach_model: participations` unless told otherwise."""
    kwargs.setdefault("reach_model", "participations")
    return _tiny_scenario(**kwargs)


def approx(value: float, rel: float = 1e-6) -> Any:
    """The brief's comparison: 1e-6 relative, 1e-7 absolute."""
    return pytest.approx(value, rel=rel, abs=1e-7)


def assert_stages(
    doc: dict[str, Any], expected: list[tuple[str, int | str, float]], rel: float = 1e-6
) -> None:
    """`expected` is [("priority", 1, 0.0), ..., ("final", REACH, 30.0)]."""
    got = [(k, v) for st in doc["stages"] for k, v in st.items() if k != "objective"]
    assert got == [(k, v) for k, v, _ in expected]
    assert [st["objective"] for st in doc["stages"]] == [approx(x, rel) for _, _, x in expected]


def units(doc: dict[str, Any], pid: str) -> float:
    return float(json_programme(doc, pid)["units"])


def cluster_units(doc: dict[str, Any], pid: str) -> dict[str, float]:
    return {c: float(u) for c, u in json_programme(doc, pid)["clusters"].items() if u}


C1 = [tiny_cluster("c1", 1000)]


# --------------------------------------------------------------------------- units
def test_integer_units(solver: str) -> None:
    # floor(100 / 30) = 3 workshops (a 4th would cost 120 > 100); 3 x 10 youth = 30.
    # Continuous units would buy 3.33 of them.
    loaded = tiny_scenario(
        total=100, clusters=C1, programmes=[tiny_programme("p", "d1", 30, youth=10, integer=True)]
    )
    doc = tiny_solve_json(loaded, solver)
    assert units(doc, "p") == 3
    assert doc["totals"]["spend"] == approx(90)
    assert_stages(doc, [("final", REACH, 30)])


@pytest.mark.parametrize(
    ("total", "a_units", "b_units", "spend", "reach"),
    [
        # y_a = 1: 50 + 10(a + b) <= 80 -> a <= 3 -> 20 x 3 = 60 youth.
        # y_a = 0: b = 80 / 10 = 8 -> 10 x 8 = 80 youth. 80 > 60: A unfunded, no fixed cost.
        (80, 0, 8, 80, 80),
        # y_a = 1: 10(a + b) <= 150 -> a = 15 -> 20 x 15 = 300 youth.
        # y_a = 0: b = 20 -> 200 youth. 300 > 200: A funded, spend 50 + 150 = 200.
        (200, 15, 0, 200, 300),
    ],
)
def test_fixed_cost_paid_only_when_units_are_bought(
    solver: str, total: float, a_units: float, b_units: float, spend: float, reach: float
) -> None:
    loaded = tiny_scenario(
        total=total,
        clusters=C1,
        programmes=[
            tiny_programme("a", "d1", 10, youth=20, fixed_cost=50),
            tiny_programme("b", "d1", 10, youth=10),
        ],
    )
    doc = tiny_solve_json(loaded, solver)
    assert units(doc, "a") == approx(a_units)
    assert units(doc, "b") == approx(b_units)
    a = json_programme(doc, "a")
    assert a["funded"] is (a_units > 0)
    assert a["spend"] == approx(50 + 10 * a_units if a_units else 0)
    assert doc["totals"]["spend"] == approx(spend)
    assert_stages(doc, [("final", REACH, reach)])


def test_mandatory_programme_gets_its_min_units(solver: str) -> None:
    # m is mandatory with min_units 4 though b reaches 5x more youth per peso:
    # m = 4 (40), b = 60 / 10 = 6 -> 4 x 1 + 6 x 5 = 34 youth.
    loaded = tiny_scenario(
        total=100,
        clusters=C1,
        programmes=[
            tiny_programme("m", "d1", 10, youth=1, mandatory=True, min_units=4),
            tiny_programme("b", "d1", 10, youth=5),
        ],
    )
    doc = tiny_solve_json(loaded, solver)
    assert units(doc, "m") == approx(4)
    assert units(doc, "b") == approx(6)
    assert_stages(doc, [("final", REACH, 34)])


def test_mandatory_programme_pays_its_fixed_cost(solver: str) -> None:
    # m: mandatory, fixed 15 + min_units 2 x 10 = 35; b: (100 - 35) / 10 = 6.5 units.
    # Reach 2 x 1 + 6.5 x 5 = 34.5.
    loaded = tiny_scenario(
        total=100,
        clusters=C1,
        programmes=[
            tiny_programme("m", "d1", 10, youth=1, mandatory=True, min_units=2, fixed_cost=15),
            tiny_programme("b", "d1", 10, youth=5),
        ],
    )
    doc = tiny_solve_json(loaded, solver)
    assert units(doc, "m") == approx(2)
    assert json_programme(doc, "m")["spend"] == approx(35)
    assert units(doc, "b") == approx(6.5)
    assert_stages(doc, [("final", REACH, 34.5)])


def test_min_units_makes_a_programme_all_or_nothing(solver: str) -> None:
    # q (3 youth per 10) would be best, but needs >= 5 units = 50 > 40 if funded at all:
    # q = 0, b = 40 / 10 = 4 -> 4 x 2 = 8 youth (without min_units: q = 4 -> 12).
    loaded = tiny_scenario(
        total=40,
        clusters=C1,
        programmes=[
            tiny_programme("q", "d1", 10, youth=3, min_units=5),
            tiny_programme("b", "d1", 10, youth=2),
        ],
    )
    doc = tiny_solve_json(loaded, solver)
    assert units(doc, "q") == 0
    assert json_programme(doc, "q")["funded"] is False
    assert units(doc, "b") == approx(4)
    assert_stages(doc, [("final", REACH, 8)])


@pytest.mark.parametrize(
    "programme",
    [
        # 3 youth per unit in a cluster of 10: x <= 3.33, but a mandatory 4 units.
        tiny_programme("p", "d1", 1, youth=3, mandatory=True, min_units=4),
        # 5 mandatory units at 5 each cost 25 > the budget of 20 (u <= 20 / 5 = 4).
        tiny_programme("p", "d1", 5, clusters=[], mandatory=True, min_units=5),
    ],
    ids=["population-cap", "budget-cap"],
)
def test_mandatory_units_beyond_their_bound_are_infeasible(
    solver: str, programme: dict[str, Any]
) -> None:
    # Found as a CBC crash (a column with lower > upper bound: SolverError, exit 4); the
    # scenario is infeasible, and says so, on every solver.
    loaded = tiny_scenario(total=20, clusters=[tiny_cluster("c1", 10)], programmes=[programme])
    with pytest.raises(ScenarioInfeasible):
        tiny_solve_json(loaded, solver)


# --------------------------------------------------------------------------- money
def test_cofunding_splits_spend_and_credits_both_funders(solver: str) -> None:
    # p costs 10/unit, d1 pays 30%, d2 70%. d1's envelope: 0.3 x 10x <= 30 -> x <= 10;
    # d2's: 0.7 x 10x <= 100 -> x <= 14.3. So x = 10, spend 100 = d1 30 + d2 70.
    # Full credit: each department's goal "10 youth" sees all 10 youth (a split credit
    # would give d1 3 and d2 7, both short). Stage 1 = 0; reach 10.
    goal = {"kind": "metric", "metric": "youth", "at_least": 10}
    loaded = tiny_scenario(
        total=1000,
        clusters=C1,
        departments=[
            tiny_department("d1", budget=30, goals=[{"id": "g1", **goal}]),
            tiny_department("d2", budget=100, goals=[{"id": "g2", **goal}]),
        ],
        programmes=[tiny_programme("p", "d1", 10, youth=1, cofunding={"d1": 0.3, "d2": 0.7})],
    )
    doc = tiny_solve_json(loaded, solver)
    assert units(doc, "p") == approx(10)
    assert json_department(doc, "d1")["spend"] == approx(30)
    assert json_department(doc, "d2")["spend"] == approx(70)
    assert json_target(doc, "g1")["met"] and json_target(doc, "g2")["met"]
    assert json_target(doc, "g2")["rows"][0]["achieved"] == approx(10)
    assert_stages(doc, [("priority", 1, 0), ("final", REACH, 10)])


def test_department_envelope_binds(solver: str) -> None:
    # a (d1) reaches 5 per 10, b (d2) 2 per 10. d1's envelope 20 -> a = 2;
    # the other 80 go to b = 8. Reach 2 x 5 + 8 x 2 = 26.
    loaded = tiny_scenario(
        total=100,
        clusters=C1,
        departments=[tiny_department("d1", budget=20), tiny_department("d2")],
        programmes=[
            tiny_programme("a", "d1", 10, youth=5),
            tiny_programme("b", "d2", 10, youth=2),
        ],
    )
    doc = tiny_solve_json(loaded, solver)
    assert units(doc, "a") == approx(2)
    assert units(doc, "b") == approx(8)
    assert json_department(doc, "d1")["spend"] == approx(20)
    assert_stages(doc, [("final", REACH, 26)])


@pytest.mark.parametrize(
    ("objective", "a_units", "b_units", "final"),
    [
        # max a + 5b s.t. 10a >= 30 (d1's min_spend), 10(a + b) <= 100 -> a = 3, b = 7:
        # 3 + 35 = 38 (without the min_spend: b = 10 -> 50).
        (REACH, 3, 7, 38),
        # min 10(a + b) s.t. 10a >= 30 -> a = 3, b = 0, spend 30.
        (SPEND, 3, 0, 30),
    ],
)
def test_department_min_spend_forces_spend(
    solver: str, objective: str, a_units: float, b_units: float, final: float
) -> None:
    loaded = tiny_scenario(
        total=100,
        clusters=C1,
        objective=objective,
        departments=[tiny_department("d1", min_spend=30), tiny_department("d2")],
        programmes=[
            tiny_programme("a", "d1", 10, youth=1),
            tiny_programme("b", "d2", 10, youth=5),
        ],
    )
    doc = tiny_solve_json(loaded, solver)
    assert units(doc, "a") == approx(a_units)
    assert units(doc, "b") == approx(b_units)
    assert json_department(doc, "d1")["spend"] == approx(30)
    assert_stages(doc, [("final", objective, final)])


# --------------------------------------------------------------------------- coverage
def test_saturated_cluster_sends_money_elsewhere(solver: str) -> None:
    # c1: 50 youth, weight 2; c2: 1000 youth, weight 1. q (c1 only) reaches 2 youth per
    # peso, p 1 per peso anywhere. Coverage of c1 saturates at 50: q = 25 (cost 25) covers
    # it; p's units then go to c2: (200 - 25) / 1 = 175. Objective 2 x 50 + 175 = 275.
    # (Were reach not capped at the population, p would also buy 50 units in c1: 325.)
    loaded = tiny_scenario(
        total=200,
        clusters=[tiny_cluster("c1", 50, weight=2), tiny_cluster("c2", 1000)],
        programmes=[
            tiny_programme("q", "d1", 1, clusters=["c1"], youth=2),
            tiny_programme("p", "d1", 1, youth=1),
        ],
    )
    doc = tiny_solve_json(loaded, solver)
    assert cluster_units(doc, "q") == {"c1": approx(25)}
    assert cluster_units(doc, "p") == {"c2": approx(175)}
    coverage = {c["id"]: c["coverage"] for c in doc["clusters"]}
    assert coverage == {"c1": approx(1.0), "c2": approx(0.175)}
    assert_stages(doc, [("final", REACH, 275)])


def test_population_caps_a_programme_reach(solver: str) -> None:
    # 10 youth per unit in a cluster of 30: 10x <= 30 -> x <= 3. The youth metric reaches
    # 30 of 100: shortfall 70 / 100 = 0.7. Coverage 30; the tie-break buys no more: spend 3.
    loaded = tiny_scenario(
        total=100,
        clusters=[tiny_cluster("c1", 30)],
        programmes=[tiny_programme("p", "d1", 1, youth=10)],
        targets=[{"id": "youth-100", "kind": "metric", "metric": "youth", "at_least": 100}],
    )
    doc = tiny_solve_json(loaded, solver)
    assert units(doc, "p") == approx(3)
    assert doc["totals"]["spend"] == approx(3)
    target = json_target(doc, "youth-100")
    assert target["met"] is False
    assert target["rows"][0]["achieved"] == approx(30)
    assert_stages(doc, [("priority", 1, 0.7), ("final", REACH, 30)])


def test_reach_tie_break_spends_nothing_that_buys_nothing(solver: str) -> None:
    # c1 has 10 youth: coverage 10 is the maximum whatever the spend. The tie-break then
    # minimises spend: p (1 per youth) x 10 = 10, q (2 per youth) unused, 90 unspent.
    loaded = tiny_scenario(
        total=100,
        clusters=[tiny_cluster("c1", 10)],
        programmes=[
            tiny_programme("p", "d1", 1, youth=1),
            tiny_programme("q", "d1", 2, youth=1),
        ],
    )
    doc = tiny_solve_json(loaded, solver)
    assert units(doc, "p") == approx(10)
    assert units(doc, "q") == 0
    assert doc["totals"]["spend"] == approx(10)
    assert_stages(doc, [("final", REACH, 10)])


def test_minimize_spend(solver: str) -> None:
    # 30 youth needed; p costs 2 per youth, q 3 per 2 youth = 1.5 per youth:
    # q = 15, spend 45; stage 1 shortfall 0.
    loaded = tiny_scenario(
        total=100,
        clusters=C1,
        objective=SPEND,
        programmes=[
            tiny_programme("p", "d1", 2, youth=1),
            tiny_programme("q", "d1", 3, youth=2),
        ],
        targets=[{"id": "reach-30", "kind": "youth_reach", "at_least": 30}],
    )
    doc = tiny_solve_json(loaded, solver)
    assert units(doc, "p") == 0
    assert units(doc, "q") == approx(15)
    assert json_target(doc, "reach-30")["met"] is True
    assert_stages(doc, [("priority", 1, 0), ("final", SPEND, 45)])


# --------------------------------------------------------------------------- target kinds
TWO = [tiny_cluster("c1", 100), tiny_cluster("c2", 200)]


def test_youth_reach_share(solver: str) -> None:
    # share 0.5: rows c1 >= 50, c2 >= 100; 120 youth can be bought, so 30 fall short.
    # Stage = mean(s1/50, s2/100): a youth short in c2 costs half as much -> s2 = 30:
    # (0 + 30/100) / 2 = 0.15, with c1 = 50, c2 = 70. Reach 120.
    loaded = tiny_scenario(
        total=120,
        clusters=TWO,
        programmes=[tiny_programme("p", "d1", 1, youth=1)],
        targets=[{"id": "half", "kind": "youth_reach", "share": 0.5}],
    )
    doc = tiny_solve_json(loaded, solver)
    assert cluster_units(doc, "p") == {"c1": approx(50), "c2": approx(70)}
    rows = {r["key"]: r for r in json_target(doc, "half")["rows"]}
    assert rows["c1"]["required"] == approx(50) and rows["c2"]["required"] == approx(100)
    assert rows["c2"]["shortfall"] == approx(30)
    assert json_target(doc, "half")["met"] is False
    assert_stages(doc, [("priority", 1, 0.15), ("final", REACH, 120)])


def test_youth_reach_at_least_in_named_clusters(solver: str) -> None:
    # c1 weighs 3, but 60 youth are required in c2: c2 = 60, c1 = 40 -> 3 x 40 + 60 = 180.
    loaded = tiny_scenario(
        total=100,
        clusters=[tiny_cluster("c1", 1000, weight=3), tiny_cluster("c2", 1000)],
        programmes=[tiny_programme("p", "d1", 1, youth=1)],
        targets=[{"id": "c2-60", "kind": "youth_reach", "at_least": 60, "clusters": ["c2"]}],
    )
    doc = tiny_solve_json(loaded, solver)
    assert cluster_units(doc, "p") == {"c1": approx(40), "c2": approx(60)}
    assert [r["key"] for r in json_target(doc, "c2-60")["rows"]] == ["c2"]
    assert_stages(doc, [("priority", 1, 0), ("final", REACH, 180)])


MEDIATION_PROGRAMMES = [
    # m: 10 mediations per unit anywhere, 5 youth in c1 but 1 in c2.
    tiny_programme("m", "d1", 10, youth={"c1": 5, "c2": 1}, outputs={"mediations": 10}),
    # h: a cheap city-wide hotline, 10 mediations per unit, no youth.
    tiny_programme("h", "d1", 1, clusters=[], outputs={"mediations": 10}),
]
EQUAL = [tiny_cluster("c1", 1000), tiny_cluster("c2", 1000)]


def test_metric_counts_city_wide_units_without_clusters(solver: str) -> None:
    # 190 mediations over the city. Max 5 m1 + m2 s.t. 10 m1 + 10 m2 + h <= 100 and
    # 10 (m1 + m2 + h) >= 190. m2 only loses youth, so m2 = 0; h = 100 - 10 m1 ->
    # 10 m1 + 1000 - 100 m1 >= 190 -> m1 <= 9: m1 = 9, h = 10 -> 90 + 100 = 190; reach 45.
    loaded = tiny_scenario(
        total=100,
        clusters=EQUAL,
        programmes=MEDIATION_PROGRAMMES,
        targets=[{"id": "med", "kind": "metric", "metric": "mediations", "at_least": 190}],
    )
    doc = tiny_solve_json(loaded, solver)
    assert cluster_units(doc, "m") == {"c1": approx(9)}
    assert units(doc, "h") == approx(10)
    assert json_programme(doc, "h")["clusters"] == {}
    assert json_target(doc, "med")["rows"][0]["achieved"] == approx(190)
    assert_stages(doc, [("priority", 1, 0), ("final", REACH, 45)])


def test_metric_with_clusters_counts_only_units_there(solver: str) -> None:
    # 50 mediations in c2: neither the city-wide h nor m's units in c1 count, so m2 = 5
    # (cost 50); the other 50 buy m1 = 5. Reach 5 x 5 + 5 x 1 = 30; h unused.
    loaded = tiny_scenario(
        total=100,
        clusters=EQUAL,
        programmes=MEDIATION_PROGRAMMES,
        targets=[
            {
                "id": "med-c2",
                "kind": "metric",
                "metric": "mediations",
                "at_least": 50,
                "clusters": ["c2"],
            }
        ],
    )
    doc = tiny_solve_json(loaded, solver)
    assert cluster_units(doc, "m") == {"c1": approx(5), "c2": approx(5)}
    assert units(doc, "h") == 0
    assert_stages(doc, [("priority", 1, 0), ("final", REACH, 30)])


def test_builtin_youth_metric_with_clusters(solver: str) -> None:
    # 20 youth in c2 (weight 1) though c1 weighs 2: c2 = 20, c1 = 30 -> 2 x 30 + 20 = 80.
    # The city-wide y reaches youth more cheaply, but city-wide units count neither for
    # a metric restricted to clusters nor for any cluster's coverage: y unused.
    loaded = tiny_scenario(
        total=50,
        clusters=[tiny_cluster("c1", 1000, weight=2), tiny_cluster("c2", 1000)],
        programmes=[
            tiny_programme("p", "d1", 1, youth=1),
            tiny_programme("y", "d1", 0.5, clusters=[], youth=1),
        ],
        targets=[
            {"id": "y-c2", "kind": "metric", "metric": "youth", "at_least": 20, "clusters": ["c2"]}
        ],
    )
    doc = tiny_solve_json(loaded, solver)
    assert cluster_units(doc, "p") == {"c1": approx(30), "c2": approx(20)}
    assert units(doc, "y") == 0
    assert_stages(doc, [("priority", 1, 0), ("final", REACH, 80)])


SHARE_PROGRAMMES = [
    tiny_programme("prev", "d1", 1, component="prevention", youth=1),
    tiny_programme("intr", "d1", 1, component="interruption", youth=3),
]


@pytest.mark.parametrize(
    ("target", "prev", "intr", "final"),
    [
        # prevention >= 0.5 of total spend: x1 >= (x1 + x2) / 2, x1 + x2 = 100 ->
        # x1 = x2 = 50: 50 + 150 = 200 (unconstrained: all interruption, 300).
        ({"components": ["prevention"], "at_least": 0.5}, 50, 50, 200),
        # interruption <= 0.25 of total spend: x2 <= (x1 + x2) / 4 -> x1 = 75, x2 = 25:
        # 75 + 75 = 150.
        ({"components": ["interruption"], "at_most": 0.25}, 75, 25, 150),
    ],
)
def test_spend_share_of_total_spend(
    solver: str, target: dict[str, Any], prev: float, intr: float, final: float
) -> None:
    loaded = tiny_scenario(
        total=100,
        clusters=C1,
        programmes=SHARE_PROGRAMMES,
        targets=[{"id": "share", "kind": "spend_share", **target}],
    )
    doc = tiny_solve_json(loaded, solver)
    assert units(doc, "prev") == approx(prev)
    assert units(doc, "intr") == approx(intr)
    assert json_target(doc, "share")["met"] is True
    assert_stages(doc, [("priority", 1, 0), ("final", REACH, final)])


def test_department_spend_share_is_of_its_cofunding_weighted_spend(solver: str) -> None:
    # d1's goal: prevention >= 0.5 of d1's spend. intr is co-funded 50/50 with d2, so
    # d1's spend is x1 + 0.5 x2 and the goal reads x1 >= 0.5 (x1 + 0.5 x2) -> x1 >= x2 / 2.
    # Max x1 + 3 x2 s.t. x1 + x2 <= 90 -> x2 = 60, x1 = 30: 30 + 180 = 210.
    # (A base of total spend, or of intr's full cost, would give x1 = x2 = 45: 180.)
    loaded = tiny_scenario(
        total=90,
        clusters=C1,
        departments=[
            tiny_department(
                "d1",
                goals=[
                    {
                        "id": "d1-prevention",
                        "kind": "spend_share",
                        "components": ["prevention"],
                        "at_least": 0.5,
                    }
                ],
            ),
            tiny_department("d2"),
        ],
        programmes=[
            tiny_programme("prev", "d1", 1, component="prevention", youth=1),
            tiny_programme(
                "intr",
                "d1",
                1,
                component="interruption",
                youth=3,
                cofunding={"d1": 0.5, "d2": 0.5},
            ),
        ],
    )
    doc = tiny_solve_json(loaded, solver)
    assert units(doc, "prev") == approx(30)
    assert units(doc, "intr") == approx(60)
    assert json_department(doc, "d1")["spend"] == approx(60)
    assert json_target(doc, "d1-prevention")["met"] is True
    assert_stages(doc, [("priority", 1, 0), ("final", REACH, 210)])


def test_spend_share_with_clusters_counts_variable_cost_there(solver: str) -> None:
    # Spend in c1 (variable cost only) >= 0.25 of total spend. Fixed cost 20 is spent,
    # not attributed to a cluster: x1 + x2 <= 80 and x1 >= 0.25 (20 + x1 + x2) = 25.
    # c2 weighs 3: x1 = 25, x2 = 55 -> 25 + 165 = 190.
    loaded = tiny_scenario(
        total=100,
        clusters=[tiny_cluster("c1", 1000), tiny_cluster("c2", 1000, weight=3)],
        programmes=[tiny_programme("p", "d1", 1, youth=1, fixed_cost=20)],
        targets=[{"id": "c1-quarter", "kind": "spend_share", "clusters": ["c1"], "at_least": 0.25}],
    )
    doc = tiny_solve_json(loaded, solver)
    assert cluster_units(doc, "p") == {"c1": approx(25), "c2": approx(55)}
    assert doc["totals"]["spend"] == approx(100)
    assert_stages(doc, [("priority", 1, 0), ("final", REACH, 190)])


def test_component_presence(solver: str) -> None:
    # Rows: prioritized clusters c1, c2 (not c3) x {prevention, interruption}: 4 rows of
    # 1 unit, 40 in all -> stage 0. The last 10 buy one more prevention unit in c1
    # (2 youth x weight 10). Reach 10 x (2 x 2 + 1) + 1 x (2 + 1) = 53.
    loaded = tiny_scenario(
        total=50,
        clusters=[
            tiny_cluster("c1", 1000, weight=10),
            tiny_cluster("c2", 1000),
            tiny_cluster("c3", 1000, weight=0, prioritized=False),
        ],
        programmes=[
            tiny_programme("prev", "d1", 10, component="prevention", youth=2),
            tiny_programme("intr", "d1", 10, component="interruption", youth=1),
        ],
        targets=[
            {
                "id": "presence",
                "kind": "component_presence",
                "components": ["prevention", "interruption"],
            }
        ],
    )
    doc = tiny_solve_json(loaded, solver)
    assert cluster_units(doc, "prev") == {"c1": approx(2), "c2": approx(1)}
    assert cluster_units(doc, "intr") == {"c1": approx(1), "c2": approx(1)}
    rows = json_target(doc, "presence")["rows"]
    assert sorted(r["key"] for r in rows) == [
        "c1/interruption",
        "c1/prevention",
        "c2/interruption",
        "c2/prevention",
    ]
    assert_stages(doc, [("priority", 1, 0), ("final", REACH, 53)])


# --------------------------------------------------------------------------- lexicographic
def _two_clusters_80_each(targets: list[dict[str, Any]]) -> Any:
    return tiny_scenario(
        total=100,
        clusters=EQUAL,
        programmes=[tiny_programme("p", "d1", 1, youth=1)],
        targets=targets,
    )


def _at_least_80(tid: str, cluster: str, **extra: Any) -> dict[str, Any]:
    return {"id": tid, "kind": "youth_reach", "at_least": 80, "clusters": [cluster], **extra}


@pytest.mark.parametrize("first", ["c1", "c2"])
def test_priority_one_is_met_at_the_expense_of_priority_three(solver: str, first: str) -> None:
    # 100 youth for 80 + 80: priority 1 gets its 80, priority 3 the other 20:
    # shortfall 60 / 80 = 0.75. Stages are named by priority numbers (1 and 3).
    second = "c2" if first == "c1" else "c1"
    loaded = _two_clusters_80_each(
        [_at_least_80("first", first), _at_least_80("second", second, priority=3)]
    )
    doc = tiny_solve_json(loaded, solver)
    assert cluster_units(doc, "p") == {first: approx(80), second: approx(20)}
    assert json_target(doc, "first")["met"] is True
    assert json_target(doc, "second")["met"] is False
    assert_stages(doc, [("priority", 1, 0), ("priority", 3, 0.75), ("final", REACH, 100)])


@pytest.mark.parametrize("heavy", ["c1", "c2"])
def test_weights_within_a_stage(solver: str, heavy: str) -> None:
    # One stage: min 3 s_heavy / 80 + s_light / 80 with s_heavy + s_light = 60:
    # s_heavy = 0, s_light = 60 -> 60 / 80 = 0.75.
    light = "c2" if heavy == "c1" else "c1"
    loaded = _two_clusters_80_each(
        [_at_least_80("heavy", heavy, weight=3), _at_least_80("light", light)]
    )
    doc = tiny_solve_json(loaded, solver)
    assert cluster_units(doc, "p") == {heavy: approx(80), light: approx(20)}
    assert json_target(doc, "heavy")["weighted_shortfall"] == 0
    assert json_target(doc, "light")["weighted_shortfall"] == approx(0.75)
    assert_stages(doc, [("priority", 1, 0.75), ("final", REACH, 100)])


def test_hard_target_holds_and_makes_no_stage(solver: str) -> None:
    # Hard: c2 >= 60 though c1 weighs 5: c2 = 60, c1 = 40 -> 5 x 40 + 60 = 260.
    loaded = tiny_scenario(
        total=100,
        clusters=[tiny_cluster("c1", 1000, weight=5), tiny_cluster("c2", 1000)],
        programmes=[tiny_programme("p", "d1", 1, youth=1)],
        targets=[_at_least_80("hard-c2", "c2", hard=True, at_least=60)],
    )
    doc = tiny_solve_json(loaded, solver)
    assert cluster_units(doc, "p") == {"c1": approx(40), "c2": approx(60)}
    assert json_target(doc, "hard-c2")["met"] is True
    assert_stages(doc, [("final", REACH, 260)])


def test_unreachable_hard_target_is_infeasible(solver: str) -> None:
    # 200 youth in c2 at 1 per peso need 200 > 100.
    loaded = tiny_scenario(
        total=100,
        clusters=EQUAL,
        programmes=[tiny_programme("p", "d1", 1, youth=1)],
        targets=[_at_least_80("hard-c2", "c2", hard=True, at_least=200)],
    )
    with pytest.raises(ScenarioInfeasible):
        tiny_solve_json(loaded, solver)


# --------------------------------------------------------------------------- known bugs
# Each test below pins a bug found by these tests and reported to the lead; it is marked
# xfail(strict=True) on the solvers where it fails, so fixing the bug turns it into an
# XPASS failure: then remove the mark (and the matching signature in
# conftest.solve_json_or_none, which lets the random tests skip the bug meanwhile).
def _xfail_on(reasons: dict[str, str]) -> list[Any]:
    return [
        pytest.param(s, marks=pytest.mark.xfail(strict=True, reason=reasons[s]))
        if s in reasons
        else s
        for s in SOLVERS
    ]


@pytest.mark.parametrize("solver_name", SOLVERS)
def test_minimize_spend_after_a_priority_stage(solver_name: str) -> None:
    # Guards the starts between stages: HiGHS 1.16, started from stage 1's solution (which
    # spends the whole budget), handed that start back as "optimal" at 71 instead of 9.
    # solve.py now runs such a stage again without its start (test_exact_speedups.py).
    # Stage 1: one prevention unit in c1 (p3, 2.5) meets the goal: 0. Final: least spend
    # with d1's min_spend 9 (every programme is d1's): 9, e.g. p3 = 3.6 units. p4 needs a
    # binary y (min_units 5, fixed cost 18), which makes the model a MIP.
    loaded = tiny_scenario(
        total=71,
        clusters=[tiny_cluster("c1", 276)],
        objective=SPEND,
        departments=[
            tiny_department(
                "d1",
                min_spend=9,
                goals=[{"id": "t0", "kind": "component_presence", "components": ["prevention"]}],
            )
        ],
        programmes=[
            tiny_programme("p1", "d1", 10, component="safe_environments"),
            tiny_programme("p2", "d1", 8, component="interruption", clusters=[]),
            tiny_programme("p3", "d1", 2.5, component="prevention"),
            tiny_programme(
                "p4",
                "d1",
                10,
                component="intervention",
                clusters=[],
                fixed_cost=18,
                min_units=5,
            ),
        ],
    )
    doc = tiny_solve_json(loaded, solver_name)
    assert doc["totals"]["spend"] == approx(9)
    assert_stages(doc, [("priority", 1, 0), ("final", SPEND, 9)])


SLIVER = (
    "BUG: the final stage buys ~8e-8 units of b inside the 1e-9 hold of stage 1; result.py "
    "snaps them to 0 and its own check then compares coverage 0 with the solver's 8e-6 "
    "(1e-6 absolute) and raises VerificationError on a valid scenario"
)


@pytest.mark.parametrize("solver_name", SOLVERS)
def test_hold_slack_sliver_is_no_verification_error(solver_name: str) -> None:
    # 80 mediations wanted, 50 money, a gives 1 per peso: a = 50, shortfall 30/80 = 0.375.
    # Nothing is left for b (100 youth per peso): the final objective is 0, give or take
    # what the contract's hold tolerance lets through (< 1e-4 here).
    loaded = tiny_scenario(
        total=50,
        clusters=[tiny_cluster("c1", 100_000)],
        programmes=[
            tiny_programme("a", "d1", 1, outputs={"mediations": 1}),
            tiny_programme("b", "d1", 1, youth=100),
        ],
        targets=[{"id": "med", "kind": "metric", "metric": "mediations", "at_least": 80}],
    )
    doc = tiny_solve_json(loaded, solver_name)
    assert units(doc, "a") == approx(50)
    assert doc["stages"][0]["objective"] == approx(0.375)
    assert doc["stages"][1]["objective"] == pytest.approx(0, abs=1e-4)


@pytest.mark.parametrize("solver_name", SOLVERS)
def test_hold_slack_sliver_of_a_min_units_programme(solver_name: str) -> None:
    # Stage 1: d2's mediations >= 1 need p1, all-or-nothing at >= 3 units: 24 money, 0.
    # Stage 2: p2's variable spend in c1/c3 >= 0.1 x total spend (scale 0.1 x 872 = 87.2).
    # With k units of p2 (fixed 26): s = 0.1 (24 + 26 + k) - k = 5 - 0.9 k, least at the
    # max k = 5: s = 0.5 -> 0.5 x 0.5 / 87.2; any further spend raises s by a tenth of it.
    # Final: the 5 units of p2 go to c1 (18 youth, weight 3): 3 x 90 = 270; p4 gets none.
    loaded = tiny_scenario(
        total=872,
        clusters=[
            tiny_cluster("c1", 152, weight=3),
            tiny_cluster("c2", 378),
            tiny_cluster("c3", 69),
        ],
        departments=[tiny_department("d1"), tiny_department("d2", budget=98)],
        programmes=[
            tiny_programme(
                "p1",
                "d2",
                8,
                component="interruption",
                clusters=[],
                min_units=3,
                outputs={"mediations": 10},
            ),
            tiny_programme(
                "p2",
                "d1",
                1,
                component="access_to_justice",
                clusters=["c3", "c2", "c1"],
                youth={"c3": 11, "c2": 5, "c1": 18},
                integer=True,
                fixed_cost=26,
                max_units=5,
            ),
            tiny_programme("p3", "d2", 8, clusters=["c1", "c3", "c2"], youth=19, integer=True),
            tiny_programme("p4", "d1", 4, component="interruption", youth=18, min_units=1),
        ],
        targets=[
            {
                "id": "t1",
                "kind": "metric",
                "weight": 0.5,
                "departments": ["d2"],
                "metric": "mediations",
                "at_least": 1,
            },
            {
                "id": "t3",
                "kind": "spend_share",
                "priority": 2,
                "weight": 0.5,
                "departments": ["d1"],
                "clusters": ["c1", "c3"],
                "components": ["access_to_justice"],
                "at_least": 0.1,
            },
        ],
    )
    doc = tiny_solve_json(loaded, solver_name)
    assert units(doc, "p1") == approx(3)
    assert cluster_units(doc, "p2") == {"c1": 5}
    assert units(doc, "p4") == pytest.approx(0, abs=1e-6)
    assert_stages(
        doc, [("priority", 1, 0), ("priority", 2, 0.5 * 0.5 / 87.2), ("final", REACH, 270)]
    )


@pytest.mark.parametrize("solver_name", SOLVERS)
def test_tie_break_failure_on_a_spent_budget(solver_name: str) -> None:
    # Stage 1 (mediations in c1/c2 >= 119): p4 is cheapest per mediation, 3 units (max)
    # = 30 -> 21; p1 then takes the other 79: 29 fixed + 20 x 2.5 -> 17.5. Shortfall
    # (119 - 38.5) / 119 = 0.67647. Stage 3 (prevention >= 3 units in prioritized c1, c3):
    # p1 has 2.5 in c1, none in c3: 0.5 x mean(0.5/3, 3/3) = 7/24. Nothing is left to
    # reach anyone: final 0.
    loaded = tiny_scenario(
        total=109,
        clusters=[
            tiny_cluster("c1", 277, weight=0),
            tiny_cluster("c2", 162, weight=2, prioritized=False),
            tiny_cluster("c3", 117, weight=2),
        ],
        programmes=[
            tiny_programme(
                "p1",
                "d1",
                20,
                clusters=["c1"],
                fixed_cost=29,
                max_units=7,
                outputs={"mediations": 7},
            ),
            tiny_programme(
                "p2",
                "d1",
                1,
                component="safe_environments",
                clusters=["c3"],
                youth={"c3": 3},
                integer=True,
                max_units=7,
            ),
            tiny_programme(
                "p3",
                "d1",
                4,
                component="intervention",
                clusters=["c2", "c3", "c1"],
                youth={"c2": 6, "c3": 4, "c1": 3},
            ),
            tiny_programme(
                "p4",
                "d1",
                10,
                component="interruption",
                clusters=["c1"],
                integer=True,
                max_units=3,
                outputs={"mediations": 7},
            ),
        ],
        targets=[
            {
                "id": "t0",
                "kind": "metric",
                "metric": "mediations",
                "at_least": 119,
                "clusters": ["c2", "c1"],
            },
            {
                "id": "t1",
                "kind": "component_presence",
                "priority": 3,
                "weight": 0.5,
                "departments": ["d1"],
                "components": ["prevention"],
                "at_least_units": 3,
            },
        ],
    )
    doc = tiny_solve_json(loaded, solver_name)
    assert units(doc, "p4") == 3
    assert units(doc, "p1") == approx(2.5)
    assert [st["objective"] for st in doc["stages"][:2]] == [approx(80.5 / 119), approx(7 / 24)]
    assert doc["stages"][2]["objective"] == pytest.approx(0, abs=1e-4)


@pytest.mark.parametrize("solver_name", SOLVERS)
def test_near_zero_final_stage_is_not_infeasible(solver_name: str) -> None:
    # Stage 2: access_to_justice spend >= 0.75 of total spend: 0 (met).
    # Stage 3 (weight 2 each): t0 = 3 rows in c1, t1 = 6 rows in c2, c3; 3 units per row.
    # p2 (access, <= 6 units) -> 3 in c1, 3 in c2/c3. Held share: 20 x 6 = 120 >=
    # 0.75 (120 + rest) -> rest <= 40 -> p3 (safe, 10) x 4: 3 in c1, 1 in c2.
    # A unit in c1 is worth 2/9, elsewhere 1/9: 4 - (3 + 3) x 2/9 - (3 + 1) x 1/9 = 20/9.
    # Final: intervention p5 is the only reach in c1 (weight 0.5) and gets nothing: 0.
    comps = ["safe_environments", "access_to_justice", "intervention"]
    loaded = tiny_scenario(
        total=217,
        clusters=[
            tiny_cluster("c1", 118, weight=0.5),
            tiny_cluster("c2", 200, weight=0, prioritized=False),
            tiny_cluster("c3", 308, weight=0, prioritized=False),
        ],
        departments=[
            tiny_department(
                "d1",
                goals=[
                    {
                        "id": "t1",
                        "kind": "component_presence",
                        "priority": 3,
                        "weight": 2,
                        "clusters": ["c2", "c3"],
                        "components": comps,
                        "at_least_units": 3,
                    }
                ],
            )
        ],
        programmes=[
            tiny_programme("p2", "d1", 20, component="access_to_justice", max_units=6),
            tiny_programme("p3", "d1", 10, component="safe_environments", max_units=6),
            tiny_programme("p5", "d1", 20, component="intervention", youth=6, fixed_cost=1),
        ],
        targets=[
            {
                "id": "t0",
                "kind": "component_presence",
                "priority": 3,
                "weight": 2,
                "components": comps,
                "at_least_units": 3,
            },
            {
                "id": "t2",
                "kind": "spend_share",
                "priority": 2,
                "weight": 0.5,
                "components": ["access_to_justice"],
                "at_least": 0.75,
            },
        ],
    )
    doc = tiny_solve_json(loaded, solver_name)
    assert units(doc, "p2") == approx(6)
    assert [st["objective"] for st in doc["stages"][:2]] == [approx(0), approx(20 / 9)]
    assert doc["stages"][2]["objective"] == pytest.approx(0, abs=1e-4)


@pytest.mark.parametrize(
    "solver_name",
    _xfail_on(
        {
            CBC: "BUG: PuLP reads CBC's values to ~8 digits; 200/3 = 66.666667 is held as "
            "the optimum and the tie-break stage cannot reach it. Was ScenarioInfeasible; "
            "since the hold falls back to the contract's 1e-6, the tie-break drops reach "
            "to 66.6666: within the contract, but 1e-6 short of the optimum it holds"
        }
    ),
)
def test_fractional_optimum_rounded_up_is_held(solver_name: str) -> None:
    # 200 / 3 = 66.67 units of 1 youth each.
    loaded = tiny_scenario(
        total=200, clusters=C1, programmes=[tiny_programme("p", "d1", 3, youth=1)]
    )
    doc = tiny_solve_json(loaded, solver_name)
    # Held means within a tenth of the contract's 1e-6, not at its edge. Compared at the
    # brief's 1e-6, CBC's 66.6666 missed 200/3 by 1e-6 plus 2e-15: two 1e-6 tolerances
    # (this comparison and the hold's fallback) met, and float noise decided the xfail.
    assert_stages(doc, [("final", REACH, 200 / 3)], rel=CONTRACT_TOLERANCE / 10)


@pytest.mark.parametrize("solver_name", SOLVERS)
def test_tie_break_does_not_eat_into_a_met_target(solver_name: str) -> None:
    # 1 youth is needed in c1. p2 (2 per youth, mandatory without min_units) or p5 (1 per
    # unit + fixed 1) reach it for 2 either way; stage 1 = 0. Weight 0: reach is worth
    # nothing, so the tie-break spends the least: 2.
    loaded = tiny_scenario(
        total=20,
        clusters=[tiny_cluster("c1", 10, weight=0)],
        programmes=[
            tiny_programme("p1", "d1", 1, component="interruption", mandatory=True),
            tiny_programme("p2", "d1", 2, component="interruption", youth=1, mandatory=True),
            tiny_programme("p5", "d1", 1, component="interruption", youth=1, fixed_cost=1),
        ],
        targets=[
            {"id": "t0", "kind": "youth_reach", "weight": 0.5, "clusters": ["c1"], "at_least": 1}
        ],
    )
    doc = tiny_solve_json(loaded, solver_name)
    assert json_target(doc, "t0")["rows"][0]["achieved"] == approx(1)
    assert doc["totals"]["spend"] == approx(2)
    assert_stages(doc, [("priority", 1, 0), ("final", REACH, 0)])


# CBC 2.10.3 used to return x[p4,c1] = 11 above its column bound 10 in the spend
# tie-break (result.py's check caught it); since the canonical tie-break ends with the
# cell weights, CBC's last stage is another problem and the bug does not show here.
@pytest.mark.parametrize("solver_name", SOLVERS)
def test_population_cap_holds_with_a_hard_metric(solver_name: str) -> None:
    # Hard: 11 mediations in c1/c2, only from p4 (1 per unit, 1 youth per unit, at most
    # 10 units per cluster of 10). Weights 0: the tie-break spends the least: p4 = 11,
    # at most 10 in either cluster; p1, p2 (mandatory, no min_units) and p3 get nothing.
    loaded = tiny_scenario(
        total=20,
        clusters=[tiny_cluster(f"c{i}", 10, weight=0, prioritized=i == 1) for i in range(1, 5)],
        departments=[
            tiny_department(
                "d1",
                goals=[
                    {
                        "id": "t0",
                        "kind": "metric",
                        "hard": True,
                        "clusters": ["c1", "c2"],
                        "metric": "mediations",
                        "at_least": 11,
                    }
                ],
            )
        ],
        programmes=[
            tiny_programme("p1", "d1", 1, component="interruption", mandatory=True),
            tiny_programme("p2", "d1", 1, component="interruption", mandatory=True),
            tiny_programme("p3", "d1", 1, component="interruption", min_units=1),
            tiny_programme(
                "p4",
                "d1",
                1,
                component="interruption",
                youth=1,
                mandatory=True,
                outputs={"mediations": 1},
            ),
        ],
    )
    doc = tiny_solve_json(loaded, solver_name)
    assert units(doc, "p4") == approx(11)
    assert max(cluster_units(doc, "p4").values()) <= 10
    assert doc["totals"]["spend"] == approx(11)


@pytest.mark.parametrize("solver_name", SOLVERS)
def test_cbc_plan_over_budget_of_an_infeasible_scenario(solver_name: str) -> None:
    # Found by test_solve_properties (Hypothesis). CBC 2.10.3 reported an optimum spending
    # 21 of 20 while p1's whole units were bounded by fractional population caps; handed
    # whole bounds (solve.whole_bounds) it proves the scenario infeasible, as HiGHS does.
    # Mandatory minimums: p1 1 unit x 2 whole, p3 2 + 1 fixed, p5 1 + 1 fixed, p6 1 + 1
    # fixed, p4's fixed 1, and the 69 youth of the hard goal in c2/c4 need 5 more units of
    # p1 (13 youth each): 21 > 20.
    goal = {
        "id": "t0",
        "kind": "metric",
        "hard": True,
        "clusters": ["c4", "c2"],
        "metric": "youth",
        "at_least": 69,
        "weight": 0.5,
    }
    pops = {"c1": 10, "c2": 25, "c3": 10, "c4": 53}
    loaded = tiny_scenario(
        total=20,
        clusters=[tiny_cluster(c, n, weight=0, prioritized=c == "c1") for c, n in pops.items()],
        departments=[tiny_department("d1", goals=[goal])],
        programmes=[
            tiny_programme(
                "p1",
                "d1",
                2,
                component="interruption",
                youth=13,
                integer=True,
                min_units=1,
                mandatory=True,
            ),
            tiny_programme("p2", "d1", 1, component="interruption", mandatory=True),
            tiny_programme(
                "p3", "d1", 2, component="interruption", fixed_cost=1, min_units=1, mandatory=True
            ),
            tiny_programme("p4", "d1", 1, component="interruption", fixed_cost=1, mandatory=True),
            tiny_programme(
                "p5",
                "d1",
                1,
                component="interruption",
                youth=1,
                fixed_cost=1,
                min_units=1,
                mandatory=True,
            ),
            tiny_programme(
                "p6", "d1", 1, component="interruption", fixed_cost=1, min_units=1, mandatory=True
            ),
        ],
        objective="minimize_spend",
    )
    with pytest.raises(ScenarioInfeasible):
        tiny_solve_json(loaded, solver_name)


@pytest.mark.parametrize("solver_name", SOLVERS)
def test_cbc_final_stage_undoes_a_held_priority_optimum(solver_name: str) -> None:
    # Found by test_solve_properties (Hypothesis). CBC 2.10.3's minimize_spend stage gave
    # up the held priority-1 optimum (shortfall 0.0063 -> 0.089) while p1's whole units had
    # fractional population caps; handed whole bounds (solve.whole_bounds) it holds it.
    # 79 youth in c2/c4 (soft goal): p1 (13 youth per whole unit, at most 6) gives 78, p5
    # (1 youth, fixed cost 1) the last one; the best shortfall is 1/79 x 0.5, and holding
    # it costs 20 of 20.
    goal = {
        "id": "t0",
        "kind": "metric",
        "clusters": ["c4", "c2"],
        "metric": "youth",
        "at_least": 79,
        "weight": 0.5,
    }
    pops = {"c1": 10, "c2": 25, "c3": 10, "c4": 53}
    mandatory = {"component": "interruption", "mandatory": True}
    loaded = tiny_scenario(
        total=20,
        clusters=[tiny_cluster(c, n, weight=0, prioritized=c == "c1") for c, n in pops.items()],
        departments=[tiny_department("d1", goals=[goal])],
        programmes=[
            tiny_programme("p1", "d1", 1, youth=13, integer=True, max_units=6, **mandatory),
            tiny_programme("p2", "d1", 1, **mandatory),
            tiny_programme("p3", "d1", 1, **mandatory),
            tiny_programme("p4", "d1", 1, **mandatory),
            tiny_programme("p5", "d1", 1, component="interruption", youth=1, fixed_cost=1),
            tiny_programme("p6", "d1", 1, fixed_cost=1, **mandatory),
        ],
        objective="minimize_spend",
    )
    doc = tiny_solve_json(loaded, solver_name)
    assert doc["stages"][0]["objective"] == approx(0.5 / 79)


@pytest.mark.skipif(CBC not in SOLVERS, reason="CBC is not installed")
@pytest.mark.xfail(
    strict=True,
    reason="BUG: every CBC solve emits PuLP 4.0 DeprecationWarnings (LpVariable(...) and "
    "PULP_CBC_CMD), which pytest's warnings-as-errors turns into failures; solve tests "
    "ignore exactly these two (conftest.PULP_4_DEPRECATIONS)",
)
def test_cbc_solve_emits_no_warning() -> None:
    loaded = tiny_scenario(total=10, clusters=C1, programmes=[tiny_programme("p", "d1", 1)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tiny_solve_json(loaded, CBC)


@pytest.mark.parametrize("solver_name", SOLVERS)
def test_min_coverage_after_a_tightly_held_priority(solver_name: str) -> None:
    # HiGHS ended this stage at 0 while its Fourier-Motzkin presolve rule was on
    # (test_highs_fourier_motzkin_with_a_start).
    doc = tiny_solve_json(tiny_loaded(found("presolve-min-coverage")), solver_name)
    final = [st for st in doc["stages"] if st.get("final") == "maximize_min_coverage"]
    tol = 1e-4 if solver_name == "cbc" else 1e-6
    assert final[0]["objective"] == pytest.approx(0.04327009880782357, rel=tol)


HIGHS_FM = Path(__file__).parent / "data" / "highs-fm"


def _reduced_min_coverage(rules_off: int) -> float:
    """The optimum HiGHS proves for the reduced min-coverage stage, started from its
    start (tests/data/highs-fm/README.md), with `rules_off` as the presolve rule mask."""
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.readModel(str(HIGHS_FM / "min-coverage.mps"))
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("presolve_rule_off", rules_off)
    given = highspy.HighsSolution()
    given.col_value = [float(v) for v in (HIGHS_FM / "start.txt").read_text().split()]
    given.value_valid = True
    h.setSolution(given)
    h.run()
    assert h.modelStatusToString(h.getModelStatus()) == "Optimal"
    return float(h.getInfo().objective_function_value)


def test_highs_fourier_motzkin_with_a_start() -> None:
    # With the rules solve.py turns off, HiGHS proves the true optimum of the reduced
    # stage; with every rule on (HiGHS's default) it proves a worse one. When a HiGHS
    # release fixes the rule, the second assertion fails: then PRESOLVE_RULES_OFF can go.
    assert _reduced_min_coverage(PRESOLVE_RULES_OFF) == pytest.approx(0.0432700988, rel=1e-6)
    assert _reduced_min_coverage(0) == pytest.approx(0.0256685666, rel=1e-6)


@pytest.mark.parametrize("solver_name", SOLVERS)
def test_least_spend_after_a_tightly_held_priority(solver_name: str) -> None:
    # HiGHS ended this least-spend stage at 79.72 while its probing presolve rule was on
    # (test_highs_probing_with_a_start); CBC and presolve off find 76.3195.
    doc = tiny_solve_json(tiny_loaded(found("presolve-least-spend")), solver_name)
    tol = 1e-4 if solver_name == "cbc" else 1e-6
    assert doc["stages"][0]["objective"] == pytest.approx(0.1522346904, rel=tol)
    assert doc["stages"][-1]["objective"] == pytest.approx(76.3194732, rel=tol)


HIGHS_PRESOLVE = Path(__file__).parent / "data" / "highs-presolve"


def _least_spend_stage(rules_off: int, start: bool) -> tuple[str, float]:
    """What HiGHS proves for the least-spend stage of tests/data/highs-presolve (its
    status and objective, scaled as solve.py hands it over), with `rules_off` as the
    presolve rule mask, from the stage's start or from nothing."""
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.readModel(str(HIGHS_PRESOLVE / "least-spend.mps"))
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("mip_rel_gap", 1e-6)
    h.setOptionValue("presolve_rule_off", rules_off)
    if start:
        given = highspy.HighsSolution()
        values = (HIGHS_PRESOLVE / "start.txt").read_text().split()
        given.col_value = [float(v) for v in values]
        given.value_valid = True
        h.setSolution(given)
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    return status, float(h.getInfo().objective_function_value)


def test_highs_probing_with_a_start() -> None:
    # With the rules solve.py turns off, HiGHS proves the true least spend of the stage
    # (76.3195, scaled by 1/2), with or without its start; with only Fourier-Motzkin off
    # it proves the start's 79.72, and without the start it calls the stage infeasible.
    # When a HiGHS release fixes this, the last two assertions fail: then probing can go
    # from PRESOLVE_RULES_OFF.
    for start in (True, False):
        status, value = _least_spend_stage(PRESOLVE_RULES_OFF, start)
        assert status == "Optimal" and 2 * value == pytest.approx(76.3194732, rel=1e-6)
    assert _least_spend_stage(PRESOLVE_FOURIER_MOTZKIN, True)[1] * 2 == pytest.approx(79.7194742)
    assert _least_spend_stage(PRESOLVE_FOURIER_MOTZKIN, False)[0] == "Infeasible"


@pytest.mark.parametrize("solver_name", SOLVERS)
def test_least_spend_of_a_thorough_example(solver_name: str) -> None:
    doc = tiny_solve_json(tiny_loaded(found("cbc-minimize-spend")), solver_name)
    assert doc["stages"][-1]["objective"] == pytest.approx(49.0, rel=1e-6)


def test_whole_bounds_round_integer_columns_inward() -> None:
    lower = np.array([0.0, 0.25, -np.inf, 0.5, 2.0 - 1e-12])
    upper = np.array([5.75, 6.0 - 1e-12, np.inf, 5.75, 7.0])
    integer = np.array([True, True, True, False, True])
    lo, hi = whole_bounds(lower, upper, integer)
    assert lo.tolist() == [0.0, 1.0, -np.inf, 0.5, 2.0]
    assert hi.tolist() == [5.0, 6.0, np.inf, 5.75, 7.0]


@pytest.mark.skipif(CBC not in SOLVERS, reason="CBC is not installed")
def test_cbc_with_a_fractional_integer_bound() -> None:
    # The least spend of cbc-minimize-spend's model, with the whole-unit bounds CBC is
    # handed (49) and with the model's own fractional ones put back (52: CBC's bug). When
    # a CBC release gets 49 both ways, the second assertion fails: whole_bounds can go.
    import pulp

    model = build_model(tiny_loaded(found("cbc-minimize-spend")).scenario)
    stage = model.stages[0]

    def least_spend(restore: bool) -> float:
        prob: Any = to_pulp(model, stage)
        if restore:
            column = {name: j for j, name in enumerate(model.col_names)}
            for var in prob.variables():
                var.upBound = float(model.col_upper[column[model_name(var.name)]])
        prob.solve(pulp.PULP_CBC_CMD(msg=False, gapRel=1e-6, threads=1))
        return float(pulp.value(prob.objective))

    assert least_spend(restore=False) == pytest.approx(49.0)
    assert least_spend(restore=True) == pytest.approx(52.0)


def test_tidying_keeps_a_hard_row_met() -> None:
    """Tidying drops 8.5e-8 units the hard distinct-youth row needs (it would read
    0.99999894 of 1, below the check's 1e-6): the untidied allocation is reported."""
    doc = tiny_solve_json(tiny_loaded(found("tidied-hard-row")), "highs")
    assert json_target(doc, "t0")["met"]


def test_an_untidied_allocation_that_still_fails_is_refused(monkeypatch: Any) -> None:
    """The fallback is no escape: a plan that breaks a hard row tidied or not is refused."""
    import pazos_budget.result as result_module
    from pazos_budget.errors import VerificationError

    real = result_module.allocation_from_solution

    def none_at_all(model: Any, solution: Any, tidy: bool = True) -> Any:
        units, paid = real(model, solution, tidy)
        return {i: {} for i in units}, paid

    monkeypatch.setattr(result_module, "allocation_from_solution", none_at_all)
    with pytest.raises(VerificationError, match="t0"):
        tiny_solve_json(tiny_loaded(found("tidied-hard-row")), "highs")


@pytest.mark.skipif(CBC not in SOLVERS, reason="CBC is not installed")
def test_cbc_gets_no_thread_count_for_one_thread() -> None:
    """`-threads 1` starts CBC's threaded search with one worker, whose hand-over waits on
    a timer: tiny models took seconds of wall time for milliseconds of CPU, and a CI run
    of the suite took 13 minutes instead of 4. One thread is CBC's serial search."""
    model = build_model(
        tiny_scenario(total=10, clusters=C1, programmes=[tiny_programme("p", "d1", 1)]).scenario
    )
    one = _PulpRun(model, SolveOptions(solver=CBC))._solver(None)
    assert "threads" not in one.optionsDict  # type: ignore[attr-defined]
    two = _PulpRun(model, SolveOptions(solver=CBC, threads=2))._solver(None)
    assert two.optionsDict["threads"] == 2  # type: ignore[attr-defined]


def test_a_min_spend_met_within_the_solvers_tolerance_only() -> None:
    """HiGHS accepts an integer plan that misses a row by its MIP tolerance (1e-6 on the
    scaled row): d1's min_spend of 3 read 2.9999969 (0.37499961 units of cost 8), 1.04e-6
    relative below it, and the independent check refused the solve as a solver bug. The
    refused plan is now solved once more with that tolerance tightened, and it holds."""
    doc = tiny_solve_json(tiny_loaded(found("min-spend-sliver")), "highs")
    d1 = next(d for d in doc["departments"] if d["id"] == "d1")
    assert d1["spend"] >= 3 * (1 - 1e-6)
    assert doc["status"] == "optimal"


def test_without_the_tightened_re_solve_the_sliver_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The case above still needs the re-solve: with HiGHS's own tolerance alone the
    independent check refuses its plan (else the test above would prove nothing)."""
    monkeypatch.setattr(pipeline, "_may_tighten", lambda model, options: False)
    with pytest.raises(VerificationError, match=r"d1: spend .* below its min_spend 3"):
        tiny_solve_json(tiny_loaded(found("min-spend-sliver")), "highs")


def test_a_plan_refused_after_the_tightened_re_solve_is_still_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The re-solve is one more try, not a way round the check: a plan the check refuses
    at the tightened tolerance too is still reported as a bug (exit 1)."""
    tries: list[float] = []
    real = pipeline.solve_model

    def sliver_every_time(model: Any, options: SolveOptions, start: Any = None) -> Any:
        tries.append(options.mip_feasibility)
        return real(model, dataclasses.replace(options, mip_feasibility=1e-6), start)

    monkeypatch.setattr(pipeline, "solve_model", sliver_every_time)
    with pytest.raises(VerificationError, match="below its min_spend"):
        tiny_solve_json(tiny_loaded(found("min-spend-sliver")), "highs")
    assert tries == [1e-6, HIGHS_MIP_FEASIBILITY_STRICT]
