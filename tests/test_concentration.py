"""Why a programme's units sit in one cluster: each computed cause on a tiny scenario
built to have exactly it, the sentence on the department sheet, and Palmira: every
programme that puts (nearly) all its units in one cluster while it could run in several
has a reason on its department sheet naming a cause in the scenario's data (a cap, its
costs, the weights, the curve, a target), never only "a tie-break rule picked it"."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conftest import ROOT, tiny_cluster, tiny_programme, tiny_scenario
from pazos_budget.concentration import (
    DATA_CAUSES,
    Cause,
    concentrated_cluster,
    concentrations,
)
from pazos_budget.loader import LoadedScenario, load_scenario
from pazos_budget.pipeline import solve_scenario
from pazos_budget.reports.excel import write_workbook
from pazos_budget.reports.labels import TEXTS, Labels
from pazos_budget.result import Result
from pazos_budget.solve import SolveOptions

ES, EN = TEXTS["es"], TEXTS["en"]

PALMIRA = ROOT / "scenarios" / "palmira-2023.yaml"


def solve(**kwargs: Any) -> Result:
    return solve_scenario(tiny_scenario(**kwargs), SolveOptions())


def two_clusters(w1: float = 1.0, w2: float = 1.0) -> list[dict[str, Any]]:
    return [tiny_cluster("c1", 1000, weight=w1), tiny_cluster("c2", 1000, weight=w2)]


def causes_of(r: Result, pid: str = "p") -> tuple[Cause, ...]:
    found = concentrations(r)
    assert pid in found, f"{pid} is not concentrated: {r.programmes}"
    return found[pid].causes


def test_the_weights() -> None:
    r = solve(
        total=100,
        clusters=two_clusters(w1=2.0),
        programmes=[tiny_programme("p", "d1", 1.0, youth=1.0)],
    )
    assert causes_of(r) == (Cause.WEIGHTS,)
    k = concentrations(r)["p"]
    assert (k.cluster, k.other, k.weight) == ("c1", "c2", (2.0, 1.0))


def test_its_costs() -> None:
    r = solve(
        total=100,
        clusters=two_clusters(),
        programmes=[tiny_programme("p", "d1", 1.0, youth={"c1": 2.0, "c2": 1.0})],
    )
    assert causes_of(r) == (Cause.COSTS,)
    assert concentrations(r)["p"].cost_per_youth == (0.5, 1.0)


def test_a_cap() -> None:
    r = solve(
        total=100,
        clusters=two_clusters(w1=1.0, w2=3.0),
        programmes=[
            tiny_programme("p", "d1", 1.0, youth=1.0, max_units_per_cluster={"c2": 5}),
        ],
    )
    assert Cause.CAP in causes_of(r)
    assert concentrations(r)["p"].capped == ("c2",)


def test_the_curve() -> None:
    """c2 is largely reached by another programme already: p goes to c1."""
    r = solve(
        total=200,
        clusters=two_clusters(),
        programmes=[
            tiny_programme(
                "q",
                "d1",
                0.1,
                clusters=["c2"],
                youth=1.0,
                min_units=900,
                mandatory=True,
                max_units=900,
            ),
            tiny_programme("p", "d1", 1.0, youth=1.0, max_units=50),
        ],
    )
    assert causes_of(r) == (Cause.CURVE,)


def test_a_target() -> None:
    r = solve(
        total=100,
        clusters=two_clusters(w2=2.0),
        programmes=[tiny_programme("p", "d1", 1.0, youth=1.0, max_units=52)],
        targets=[
            {"id": "c1-half", "kind": "youth_reach", "clusters": ["c1"], "at_least": 50},
        ],
    )
    assert Cause.TARGET in causes_of(r)
    assert concentrations(r)["p"].targets == ("c1-half",)


def test_where_nothing_depends_on_it() -> None:
    r = solve(
        total=100,
        clusters=two_clusters(),
        programmes=[tiny_programme("p", "d1", 1.0, outputs={"lamps": 1}, integer=True)],
        targets=[{"id": "lamps", "kind": "metric", "metric": "lamps", "at_least": 10}],
    )
    assert causes_of(r) == (Cause.INDIFFERENT,)


def test_one_unit_or_one_cluster_is_not_a_concentration() -> None:
    r = solve(
        total=100,
        clusters=two_clusters(w1=2.0),
        programmes=[
            tiny_programme("one", "d1", 1.0, youth=1.0, integer=True, max_units=1),
            tiny_programme("here", "d1", 1.0, clusters=["c1"], youth=1.0, max_units=10),
        ],
    )
    assert concentrations(r) == {}
    s = r.scenario
    for p, pr in zip(s.programmes, r.programmes, strict=True):
        assert concentrated_cluster(s, p, pr) is None


@pytest.mark.parametrize("lang", ["es", "en"])
def test_sentences_in_both_languages(lang: str) -> None:
    assert {k for k in ES if k.startswith("pile.")} == {k for k in EN if k.startswith("pile.")}
    r = solve(
        total=100,
        clusters=two_clusters(w1=2.0),
        programmes=[tiny_programme("p", "d1", 1.0, youth={"c1": 2.0, "c2": 1.0})],
    )
    L = Labels(lang, "COP millions")
    text = L.concentration(concentrations(r)["p"], clusters={"c1": "Uno", "c2": "Dos"}, targets={})
    assert text.startswith(L("pile.head", share=L.percent(1.0), cluster="Uno"))
    # the data cause (cheaper youth there) is named; with it, weights are not compared
    assert ("sus costos" if lang == "es" else "its costs") in text
    assert ("millones de COP" if lang == "es" else "COP millions") in text


# --------------------------------------------------------------------------- Palmira
@pytest.fixture(scope="module")
def palmira() -> LoadedScenario:
    return load_scenario(PALMIRA)


def uncapped(loaded: LoadedScenario) -> LoadedScenario:
    """Palmira without its per-cluster caps: the data before issue 12's review."""
    s = loaded.scenario
    programmes = [p.model_copy(update={"max_units_per_cluster": None}) for p in s.programmes]
    return replace(loaded, scenario=s.model_copy(update={"programmes": programmes}))


def concentrated(r: Result) -> set[str]:
    """Programmes with >= 90% of their units in one of several clusters, counted here
    independently of `concentrations`."""
    s = r.scenario
    out = set()
    for p, pr in zip(s.programmes, r.programmes, strict=True):
        top = max(pr.clusters.values(), default=0.0)
        splittable = len(s.programme_clusters(p)) > 1 and pr.units > 0
        if splittable and (not p.integer or pr.units >= 2) and top >= 0.9 * pr.units * (1 - 1e-9):
            out.add(p.id)
    return out


def sheet_texts(r: Result, path: Path) -> list[str]:
    write_workbook(r, path, lang="es")
    wb = openpyxl.load_workbook(path)
    return [
        str(c.value)
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str)
    ]


@pytest.mark.slow
def test_palmira_concentrated_programmes_have_a_cause_in_the_data(
    palmira: LoadedScenario, tmp_path: Path
) -> None:
    """Every concentrated programme of the Palmira plan is explained on its department
    sheet by a cause in the data (its caps, costs, weights, the curve, a target)."""
    r = solve_scenario(palmira, SolveOptions())
    found = concentrations(r)
    assert set(found) == concentrated(r)
    for pid, k in found.items():
        assert set(k.causes) & DATA_CAUSES, f"{pid}: only {k.causes} (fix the scenario's data)"
    texts = sheet_texts(r, tmp_path / "palmira.xlsx")
    L = Labels("es")
    names = {c.id: c.name for c in r.scenario.clusters}
    for k in found.values():
        head = L("pile.head", share=L.percent(k.share), cluster=names[k.cluster])
        assert any(head in t for t in texts), k.programme


def test_palmira_without_its_caps_piles_and_says_it_is_only_the_tie_break(
    palmira: LoadedScenario, tmp_path: Path
) -> None:
    """The check above can fail: without the per-cluster caps the plan piles programmes
    into one cluster (interchangeable programmes, placed by the tie-break rule), and the
    department sheets say so in those words."""
    r = solve_scenario(uncapped(palmira), SolveOptions())
    found = concentrations(r)
    assert found and set(found) == concentrated(r)
    only_tie_break = [pid for pid, k in found.items() if not set(k.causes) & DATA_CAUSES]
    assert only_tie_break, "without caps some programme piles for no reason in the data"
    texts = sheet_texts(r, tmp_path / "uncapped.xlsx")
    L = Labels("es")
    names = {c.id: c.name for c in r.scenario.clusters}
    for pid in only_tie_break:
        k = found[pid]
        head = L("pile.head", share=L.percent(k.share), cluster=names[k.cluster])
        why = L(f"pile.{k.causes[0].value}", other=names.get(k.other or "", ""))
        assert any(head in t and why in t for t in texts), pid
