"""The explanations read the final objective's (programme, cluster) pairs as arrays
(explain.Explainer._final_objective); here a plain loop over the pairs, written the way
the explanations were computed before, must give the same reasons on random scenarios.
A programme is named as a cheaper alternative only if it could take more there: not at
its `max_units`, its `max_change` band's top, its per-cluster cap, its cluster's youth,
nor short of an envelope that does not fund the programme explained."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings

from conftest import random_scenario_data, tiny_loaded
from pazos_budget.errors import PazosBudgetError
from pazos_budget.explain import Explainer, Why
from pazos_budget.pipeline import solve_scenario
from pazos_budget.result import ProgrammeResult, Result, within
from pazos_budget.scenario import Objective, Programme
from pazos_budget.tolerances import CHEAPER_MARGIN, CHECK_TOLERANCE, SLIVER


def _short(r: Result, p: Programme, pr: ProgrammeResult) -> set[str]:
    """The envelopes with less left than their share of one more unit of `p`."""
    step = p.unit_cost if p.integer else p.unit_cost * SLIVER
    tol = CHECK_TOLERANCE * max(1.0, r.budget)
    out = set()
    for d in r.departments:
        share = p.funders().get(d.id, 0.0)
        if share > 0 and d.budget is not None:
            left = d.budget - d.spend
            if left < step * share - tol or left <= tol:
                out.add(d.id)
    return out


def _can_take_more(r: Result, p: Programme, pr: ProgrammeResult, cid: str) -> bool:
    s = r.scenario
    if p.max_units is not None and within(pr.units, p.max_units):
        return False
    band = s.change_bounds(p)
    if band is not None and within(pr.units, band[1]):
        return False
    units = pr.clusters.get(cid, 0.0)
    cap = s.per_cluster(p, "max").get(cid)
    if cap is not None and within(units, cap):
        return False
    population = next(c.youth_population for c in r.clusters if c.id == cid)
    return not within(s.youth_per_unit(p, cid) * units, population)


def _reference(r: Result) -> dict[str, tuple[bool, str | None]]:
    """Programme id -> (limited by the population, cheapest alternative in a cluster),
    by a loop over every pair."""
    s = r.scenario
    clusters = {c.id: c for c in r.clusters}
    final = s.objective == Objective.MAXIMIZE_WEIGHTED_REACH
    cheapest: dict[str, list[tuple[float, str]]] = {}
    short: dict[str, set[str]] = {}
    for p, pr in zip(s.programmes, r.programmes, strict=True):
        short[p.id] = _short(r, p, pr)
        for cid in s.programme_clusters(p):
            if pr.units > 0 and final and clusters[cid].weight > 0:
                ypu = s.youth_per_unit(p, cid)
                if ypu > 0 and _can_take_more(r, p, pr, cid):
                    cheapest.setdefault(cid, []).append((p.unit_cost / ypu, p.id))
    for best in cheapest.values():
        best.sort()
    out: dict[str, tuple[bool, str | None]] = {}
    for p, pr in zip(s.programmes, r.programmes, strict=True):
        runs = s.programme_clusters(p)
        youth = [c for c in runs if s.youth_per_unit(p, c) > 0]
        full = bool(youth) and all(
            within(s.youth_per_unit(p, c) * pr.clusters.get(c, 0.0), clusters[c].youth_population)
            for c in youth
        )
        alternative = None
        for cid in runs:
            c = clusters[cid]
            ypu = s.youth_per_unit(p, cid)
            covered = c.youth_reached >= c.youth_population * (1 - CHECK_TOLERANCE)
            if not final or c.weight <= 0 or ypu <= 0 or covered:
                continue
            own = p.unit_cost / ypu
            able = [
                (cost, q)
                for cost, q in cheapest.get(cid, [])
                if q != p.id and short[q] <= set(p.funders())
            ]
            found = [q for cost, q in able]
            costs = [cost for cost, q in able]
            if found and costs[0] < own * (1 - CHEAPER_MARGIN):
                alternative = found[0]
                break
        out[p.id] = (full, alternative)
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=random_scenario_data())
def test_final_objective_reasons_match_a_loop_over_pairs(data: dict[str, Any]) -> None:
    try:
        r = solve_scenario(tiny_loaded(data))
    except PazosBudgetError:
        return
    ex = Explainer(r)
    expected = _reference(r)
    for p, pr in zip(r.scenario.programmes, r.programmes, strict=True):
        full, alternative = expected[p.id]
        got = ex.explain(p, pr)
        whys = [reason.why for reason in got.reasons]
        if Why.MAX_UNITS in whys:
            continue
        assert (Why.POPULATION in whys) == full, (p.id, got)
        if full or ex.contributions[p.id]:
            continue  # a target's row, not a cluster, names the alternative
        named = [x.alternative for x in got.reasons if x.why == Why.CHEAPER and x.measure]
        if named:
            assert named == [alternative], (p.id, got)
        elif Why.NEEDS_MET not in whys and Why.NOT_NEEDED not in whys:
            assert alternative is None, (p.id, got)


def test_reference_is_not_vacuous() -> None:
    """The property above compares something: a scenario where one programme is named."""
    data = {
        "scenario": {"id": "t", "name": "T", "year": 2024, "language": "en"},
        "budget": {"total": 100},
        "clusters": [{"id": "a", "name": "A", "youth_population": 10000}],
        "departments": [{"id": "d", "name": "D"}],
        "programmes": [
            {
                "id": "cheap",
                "name": "Cheap",
                "department": "d",
                "component": "prevention",
                "unit_cost": 1,
                "clusters": "all",
                "youth_per_unit": 10,
                "max_units": 500,
            },
            {
                "id": "dear",
                "name": "Dear",
                "department": "d",
                "component": "prevention",
                "unit_cost": 10,
                "clusters": "all",
                "youth_per_unit": 10,
            },
        ],
        "targets": [],
    }
    r = solve_scenario(tiny_loaded(data))
    assert _reference(r)["dear"] == (False, "cheap")
    dear = Explainer(r).explain(r.scenario.programmes[1], r.programmes[1])
    assert [x.alternative for x in dear.reasons if x.why == Why.CHEAPER] == ["cheap"]
