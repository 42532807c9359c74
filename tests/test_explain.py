"""`explain`: why each programme got no more units, on tiny scenarios where the answer is
known by construction."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pazos_budget.explain import Explanation, Funding, MeasureKind, Why, explain, limit_codes
from pazos_budget.loader import load_scenario
from pazos_budget.pipeline import solve_scenario
from pazos_budget.reports.labels import Labels
from pazos_budget.result import Result

ROOT = Path(__file__).resolve().parents[1]


def scenario(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "scenario": {"id": "t", "name": "T", "year": 2024, "language": "en"},
        "budget": {"total": 1000},
        "clusters": [{"id": "a", "name": "Cluster A", "youth_population": 1000}],
        "departments": [{"id": "d", "name": "Dept D"}],
        "programmes": [],
        "targets": [],
    }
    base.update(overrides)
    return base


def programme(pid: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": pid,
        "name": pid.title(),
        "department": "d",
        "component": "prevention",
        "unit_cost": 10,
        "clusters": "all",
        "youth_per_unit": 1,
    } | fields


def solve(tmp_path: Path, data: dict[str, Any]) -> Result:
    path = tmp_path / "s.yaml"
    path.write_text(json.dumps(data), encoding="utf-8")  # JSON is YAML
    return solve_scenario(load_scenario(path))


def why(e: Explanation) -> list[Why]:
    return [r.why for r in e.reasons]


def test_minimal_example(tmp_path: Path) -> None:
    result = solve_scenario(load_scenario(ROOT / "examples" / "minimal.yaml"))
    ex = explain(result)
    # Lighting produces lighting points nobody asks for, and reaches no youth.
    assert ex["lighting"].funding == Funding.NONE
    assert why(ex["lighting"]) == [Why.NOT_NEEDED]
    assert ex["lighting"].serves == ()
    # Art school: Culture's envelope and the total budget are both used up.
    assert ex["art-school"].codes == ["department_budget:culture", "total_budget"]
    assert ex["art-school"].funding == Funding.OPEN
    # Interrupters: the money is gone. The art school reaches North's youth cheaper, but
    # Culture's envelope is used up, so it could not take Security's money: not named.
    inter = ex["interrupters"]
    assert why(inter) == [Why.TOTAL_BUDGET]
    assert inter.serves == ("reach-10pct", "mediations")
    assert limit_codes(result)["lighting"] == ["not_needed"]


def test_max_units(tmp_path: Path) -> None:
    result = solve(tmp_path, scenario(programmes=[programme("p", max_units=5)]))
    e = explain(result)["p"]
    assert e.funding == Funding.FULL
    assert why(e) == [Why.MAX_UNITS]
    assert e.reasons[0].units == 5


def test_population_and_needs_met(tmp_path: Path) -> None:
    """The cheap programme reaches everyone in the cluster: the dear one adds nothing.
    (Counting participations: under distinct youth a cluster is never reached in full.)"""
    data = scenario(
        clusters=[{"id": "a", "name": "Cluster A", "youth_population": 100}],
        programmes=[
            programme("cheap", unit_cost=1, youth_per_unit=10),
            programme("dear", unit_cost=5, youth_per_unit=10),
        ],
    )
    data["reach_model"] = "participations"
    ex = explain(solve(tmp_path, data))
    assert why(ex["cheap"]) == [Why.POPULATION]
    assert ex["dear"].funding == Funding.NONE
    assert why(ex["dear"]) == [Why.NEEDS_MET]


def test_a_programme_reaching_no_youth_is_never_said_to_have_covered_its_clusters(
    tmp_path: Path,
) -> None:
    """Lighting points serve a metric goal, already met, and reach no young people: the
    reason says that, not that "the clusters where it runs are fully covered"."""
    data = scenario(
        programmes=[
            programme("lamps", youth_per_unit=0, outputs={"lights": 1}),
            programme("more-lamps", unit_cost=30, youth_per_unit=0, outputs={"lights": 1}),
            programme("workshops", unit_cost=10, max_units=5),
        ],
        targets=[{"id": "lights-3", "kind": "metric", "metric": "lights", "at_least": 3}],
    )
    ex = explain(solve(tmp_path, data))
    dear = ex["more-lamps"]
    assert why(dear) == [Why.NEEDS_MET] and not dear.reasons[0].reaches_youth
    for lang, covered in (("en", "fully covered"), ("es", "cubiertos")):
        text = Labels(lang).reason(
            dear.reasons[0], departments={}, programmes={}, clusters={}, targets={}
        )
        assert covered not in text and ("no youth" in text or "no alcanza" in text), text


def test_department_envelope(tmp_path: Path) -> None:
    data = scenario(
        departments=[{"id": "d", "name": "Dept D", "budget": 50}],
        programmes=[programme("p")],
    )
    e = explain(solve(tmp_path, data))["p"]
    assert e.codes == ["department_budget:d", "cheaper_alternatives"] or e.codes == [
        "department_budget:d"
    ]
    assert Why.TOTAL_BUDGET not in why(e)


def test_integer_programme_and_money_left(tmp_path: Path) -> None:
    """15 is left but one more unit costs 40: the total budget is what binds."""
    data = scenario(
        budget={"total": 95},
        programmes=[programme("p", unit_cost=40, integer=True, youth_per_unit=5)],
    )
    result = solve(tmp_path, data)
    e = explain(result)["p"]
    budget = next(r for r in e.reasons if r.why == Why.TOTAL_BUDGET)
    assert budget.left == pytest.approx(15)
    assert budget.needed == pytest.approx(40)
    text = Labels("en", "COP millions").reason(
        budget, departments={}, programmes={}, clusters={}, targets={}
    )
    assert text == "The total budget has 15.0 left and one more unit costs 40.0 (COP millions)."
    es = Labels("es", "COP millions").reason(
        budget, departments={}, programmes={}, clusters={}, targets={}
    )
    assert es == (
        "Al presupuesto total le quedan 15,0 y una unidad más cuesta 40,0 (millones de COP)."
    )


def test_spend_share_cap(tmp_path: Path) -> None:
    """Prevention is cheap, but at most half the spend may go to it."""
    data = scenario(
        programmes=[
            programme("prev", unit_cost=1, youth_per_unit=1),
            programme("interr", component="interruption", unit_cost=10, max_units=20),
        ],
        targets=[
            {
                "id": "cap",
                "kind": "spend_share",
                "components": ["prevention"],
                "at_most": 0.5,
                "hard": True,
            }
        ],
    )
    result = solve(tmp_path, data)
    e = explain(result)["prev"]
    assert "spend_share:cap" in e.codes
    reason = next(r for r in e.reasons if r.why == Why.SPEND_SHARE)
    assert reason.at_most
    assert explain(result)["interr"].funding == Funding.FULL


def test_minimize_spend(tmp_path: Path) -> None:
    data = scenario(
        objective="minimize_spend",
        programmes=[programme("p"), programme("q", unit_cost=20)],
        targets=[{"id": "reach", "kind": "youth_reach", "at_least": 30}],
    )
    ex = explain(solve(tmp_path, data))
    assert why(ex["p"]) == [Why.NEEDS_MET]
    assert ex["p"].reasons[0].minimize_spend
    assert why(ex["q"]) == [Why.NEEDS_MET]
    text = Labels("en").reason(
        ex["q"].reasons[0], departments={}, programmes={}, clusters={}, targets={}
    )
    assert "minimizes spend" in text


def test_at_minimum_and_city_wide(tmp_path: Path) -> None:
    data = scenario(
        programmes=[
            programme("p"),
            programme(
                "analysts",
                clusters=[],
                youth_per_unit=0,
                mandatory=True,
                min_units=2,
                max_units=4,
                outputs={"bulletins": 12},
            ),
        ],
    )
    e = explain(solve(tmp_path, data))["analysts"]
    assert e.funding == Funding.PARTIAL
    assert why(e) == [Why.AT_MINIMUM, Why.NOT_NEEDED]


def test_every_reason_has_words(tmp_path: Path) -> None:
    """Every reason of the Palmira-like examples reads as a sentence in both languages."""
    result = solve_scenario(load_scenario(ROOT / "examples" / "minimal.yaml"))
    names = {p.id: p.name for p in result.scenario.programmes}
    for lang in ("es", "en"):
        labels = Labels(lang, result.scenario.scenario.currency)
        for e in explain(result).values():
            for r in e.reasons:
                text = labels.reason(r, departments={}, programmes=names, clusters={}, targets={})
                assert text.endswith(".") and "{" not in text


def test_spend_share_floor(tmp_path: Path) -> None:
    """At least half the spend must go to prevention, which is capped at 500: the cheap
    interruption programme stops at 500 too, though money is left."""
    data = scenario(
        budget={"total": 10_000},
        clusters=[{"id": "a", "name": "Cluster A", "youth_population": 100_000}],
        programmes=[
            programme("prev", unit_cost=10, max_units=50),
            programme("interr", component="interruption", unit_cost=1),
        ],
        targets=[
            {
                "id": "floor",
                "kind": "spend_share",
                "components": ["prevention"],
                "at_least": 0.5,
                "hard": True,
            }
        ],
    )
    result = solve(tmp_path, data)
    e = explain(result)["interr"]
    assert e.codes == ["spend_share:floor"]
    assert not e.reasons[0].at_most
    text = Labels("en").reason(
        e.reasons[0], departments={}, programmes={}, clusters={}, targets={"floor": "Half"}
    )
    assert text == "One more unit would lower the share of spend that the target “Half” asks for."


def test_a_cheaper_alternative_is_named_with_the_metric_name() -> None:
    from pazos_budget.explain import Measure, Reason

    r = Reason(
        Why.CHEAPER,
        alternative="b",
        measure=Measure(MeasureKind.METRIC, metric="cameras"),
        own_cost=2.0,
        alternative_cost=1.0,
    )
    names = {"b": "Cámaras B"}
    es = Labels("es", "COP millions").reason(
        r,
        departments={},
        programmes=names,
        clusters={},
        targets={},
        metrics={"cameras": "cámaras de videovigilancia"},
    )
    assert "por unidad de «cámaras de videovigilancia»" in es
    # Without a name the id is shown.
    en = Labels("en").reason(r, departments={}, programmes=names, clusters={}, targets={})
    assert "per unit of “cameras”" in en


def _cheap_and_dear(**cheap: Any) -> dict[str, Any]:
    """Two clusters; `cheap` reaches a young person for 0.1, `dear` (in Cluster A only)
    for 1; the money runs out before either is at a bound of its own making."""
    return scenario(
        budget={"total": 100},
        clusters=[
            {"id": "a", "name": "Cluster A", "youth_population": 10_000},
            {"id": "b", "name": "Cluster B", "youth_population": 10_000},
        ],
        programmes=[
            programme("cheap", unit_cost=1, youth_per_unit=10, **cheap),
            programme("dear", unit_cost=10, youth_per_unit=10, clusters=["a"]),
        ],
    )


@pytest.mark.parametrize("target", [False, True], ids=["objective", "target"])
def test_a_cheaper_alternative_is_named_when_it_could_take_more(
    tmp_path: Path, target: bool
) -> None:
    """The control case of the next test: with no bound on `cheap`, it is named."""
    data = _cheap_and_dear()
    if target:
        data["targets"] = [{"id": "half", "kind": "youth_reach", "share": 0.5, "clusters": ["a"]}]
    dear = explain(solve(tmp_path, data))["dear"]
    assert why(dear) == [Why.TOTAL_BUDGET, Why.CHEAPER]
    reason = dear.reasons[-1]
    assert reason.alternative == "cheap"
    assert reason.measure is not None and reason.measure.kind == MeasureKind.YOUTH
    assert reason.alternative_cost == pytest.approx(0.1) and reason.own_cost == pytest.approx(1)


@pytest.mark.parametrize(
    "bound",
    [
        {"max_units": 40},
        {"current_units": 40, "max_change": 0.0},
        {"max_units_per_cluster": {"a": 4}},
    ],
    ids=["max_units", "max_change", "per_cluster_cap"],
)
@pytest.mark.parametrize("target", [False, True], ids=["objective", "target"])
def test_an_alternative_at_its_bound_is_not_named(
    tmp_path: Path, bound: dict[str, Any], target: bool
) -> None:
    """`cheap` is at its maximum (in total, at the top of its change band, or at its cap in
    Cluster A, dear's only cluster): it could not take more, so "a cheaper alternative"
    naming it would be false; the reason left is the true one, the total budget. So for
    the final objective and for an unmet target alike."""
    data = _cheap_and_dear(**bound)
    if target:
        data["targets"] = [{"id": "half", "kind": "youth_reach", "share": 0.5, "clusters": ["a"]}]
    result = solve(tmp_path, data)
    assert not target or not result.targets[0].met
    ex = explain(result)
    assert result.spend == pytest.approx(100)
    assert why(ex["dear"]) == [Why.TOTAL_BUDGET]
    assert all(r.alternative is None for r in ex["dear"].reasons)


def _envelopes(dear_funder: str) -> dict[str, Any]:
    """`cheap` (Culture) uses up Culture's envelope; `other` (Security) the rest of the
    total budget; `dear` is funded by `dear_funder`."""
    return scenario(
        budget={"total": 150},
        departments=[
            {"id": "culture", "name": "Culture", "budget": 50},
            {"id": "security", "name": "Security", "budget": 1000},
        ],
        programmes=[
            programme("cheap", department="culture", unit_cost=1, youth_per_unit=10),
            programme("dear", department=dear_funder, unit_cost=20, youth_per_unit=10),
            programme("other", department="security", unit_cost=10, youth_per_unit=10),
        ],
    )


def test_an_alternative_short_of_its_envelope_is_named_only_for_its_own_department(
    tmp_path: Path,
) -> None:
    """`cheap` could take more units, but only with Culture's money, which is used up: it
    is the cheaper alternative of a Culture programme (the money that gives up could
    pay for it), not of a Security one."""
    culture = explain(solve(tmp_path, _envelopes("culture")))
    assert culture["dear"].codes == [
        "department_budget:culture",
        "total_budget",
        "cheaper_alternatives",
    ]
    assert culture["dear"].reasons[-1].alternative == "cheap"
    assert why(culture["other"]) == [Why.TOTAL_BUDGET]
    security = explain(solve(tmp_path, _envelopes("security")))
    assert [r.alternative for r in security["dear"].reasons] == [None, "other"]


def test_palmira_names_no_alternative_that_could_not_take_more() -> None:
    """Every cheaper alternative named in Palmira's plan could take more where it is
    named: not at its maximum, not at its cap in the cluster, not short of an envelope
    the explained programme does not draw on (in 2023 all 17 named Cultura vial, at its
    maximum of 120 units)."""
    result = solve_scenario(load_scenario(ROOT / "scenarios" / "palmira-2023.yaml"))
    s = result.scenario
    by_id = {p.id: (p, pr) for p, pr in zip(s.programmes, result.programmes, strict=True)}
    left = {d.id: d.budget - d.spend for d in result.departments if d.budget is not None}
    named = 0
    for pid, e in explain(result).items():
        for r in e.reasons:
            if r.alternative is None:
                continue
            named += 1
            q, qr = by_id[r.alternative]
            assert q.max_units is None or qr.units < q.max_units, (pid, q.id)
            cluster = r.measure.cluster if r.measure else None
            cap = s.per_cluster(q, "max").get(cluster or "")
            assert cap is None or qr.clusters.get(cluster or "", 0.0) < cap, (pid, q.id)
            for d, share in q.funders().items():
                if d not in by_id[pid][0].funders() and d in left:
                    assert left[d] >= q.unit_cost * share, (pid, q.id, d)
    assert named >= 5


# --------------------------------------------------------------------------- max_change and caps
def test_at_the_top_of_its_change_band_whole_units(tmp_path: Path) -> None:
    """16 units today, 30% change: at most 20.8, so 20 whole units is the top; the reason
    names the band (not the total budget, which has money left)."""
    data = scenario(
        programmes=[programme("p", integer=True, current_units=16, max_change=0.3)],
    )
    result = solve(tmp_path, data)
    e = explain(result)["p"]
    assert result.programmes[0].units == 20
    assert why(e) == [Why.MAX_CHANGE]
    assert (e.reasons[0].units, e.reasons[0].current) == (20, 16)
    assert e.funding == Funding.OPEN
    text = Labels("en").reason(e.reasons[0], departments={}, programmes={}, clusters={}, targets={})
    assert text == (
        "It is at the top of its maximum change: it may reach 20 units, against 16 in the "
        "current plan."
    )
    es = Labels("es").reason(e.reasons[0], departments={}, programmes={}, clusters={}, targets={})
    assert es.startswith("Está en el tope de su cambio máximo: puede llegar a 20 unidades")


def test_at_the_top_of_its_change_band_continuous(tmp_path: Path) -> None:
    data = scenario(programmes=[programme("p", current_units=16, max_change=0.3)])
    e = explain(solve(tmp_path, data))["p"]
    assert why(e) == [Why.MAX_CHANGE]
    assert e.reasons[0].units == pytest.approx(20.8)


def test_at_the_floor_of_its_change_band(tmp_path: Path) -> None:
    """12 units today, 30% change: at least 8.4, so 9 whole units; a cheaper programme
    takes the rest of the money, and the reason says the band holds it at 9."""
    data = scenario(
        budget={"total": 1000},
        programmes=[
            programme("dear", integer=True, unit_cost=100, current_units=12, max_change=0.3),
            programme("cheap", unit_cost=1),
        ],
    )
    result = solve(tmp_path, data)
    e = explain(result)["dear"]
    assert result.programmes[0].units == 9
    assert why(e)[0] == Why.AT_CHANGE_FLOOR
    assert (e.reasons[0].units, e.reasons[0].current) == (9, 12)
    assert Why.TOTAL_BUDGET in why(e)
    text = Labels("en").reason(e.reasons[0], departments={}, programmes={}, clusters={}, targets={})
    assert text.startswith("It may not fall below 9 units")


def test_at_its_cap_in_every_cluster(tmp_path: Path) -> None:
    """Money is left, and the programme is at max_units_per_cluster in a and b, and in c
    already reaches everyone: the caps are why it gets no more."""
    clusters = [
        {"id": "a", "name": "A", "youth_population": 1000},
        {"id": "b", "name": "B", "youth_population": 1000},
        {"id": "c", "name": "C", "youth_population": 2},
    ]
    data = scenario(
        clusters=clusters,
        programmes=[programme("p", max_units_per_cluster={"a": 3, "b": 4})],
    )
    result = solve(tmp_path, data)
    assert result.programmes[0].clusters == {"a": 3, "b": 4, "c": 2}
    e = explain(result)["p"]
    assert why(e) == [Why.CLUSTER_CAPS]
    assert limit_codes(result)["p"] == ["max_units_per_cluster"]
    # With room in c (more youth there), the caps are not the reason.
    clusters[2]["youth_population"] = 1000
    data["budget"] = {"total": 80}
    e = explain(solve(tmp_path, data))["p"]
    assert Why.CLUSTER_CAPS not in why(e)


def test_a_programme_at_its_whole_band_top_is_not_named_as_cheaper(tmp_path: Path) -> None:
    """`cheap` reaches youth for less, but it is at 20 of its 20.8 units (whole): it could
    not take the money of `dear`, so `dear`'s reason does not name it."""
    data = scenario(
        budget={"total": 300},
        programmes=[
            programme("cheap", integer=True, unit_cost=5, current_units=16, max_change=0.3),
            programme("dear", unit_cost=20),
        ],
    )
    result = solve(tmp_path, data)
    assert result.programmes[0].units == 20
    e = explain(result)["dear"]
    assert all(r.alternative != "cheap" for r in e.reasons), e.reasons


def test_a_programme_held_by_a_spend_share_cap_is_not_named_for_money_outside_it(
    tmp_path: Path,
) -> None:
    """`prev` reaches youth for the least money, but at most half the spend may go to
    prevention: interruption's money could not go to it (the share would pass the cap),
    so `dear`'s reason does not name it; a prevention programme's money could (the share
    stays), so `prev2`'s does."""
    data = scenario(
        programmes=[
            programme("prev", unit_cost=1),
            programme("prev2", unit_cost=5),
            programme("dear", component="interruption", unit_cost=10),
        ],
        targets=[
            {
                "id": "cap",
                "kind": "spend_share",
                "components": ["prevention"],
                "at_most": 0.5,
                "hard": True,
            }
        ],
    )
    result = solve(tmp_path, data)
    units = {pr.id: pr.units for pr in result.programmes}
    assert units["prev"] == pytest.approx(500) and units["dear"] == pytest.approx(50)
    ex = explain(result)
    assert "spend_share:cap" in ex["prev"].codes
    assert all(r.alternative != "prev" for r in ex["dear"].reasons), ex["dear"].reasons
    assert any(r.alternative == "prev" for r in ex["prev2"].reasons), ex["prev2"].reasons
