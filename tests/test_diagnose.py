"""Infeasibility diagnosis: the smallest set of hard commitments that must give.

Every case is a small infeasible scenario written out as YAML (HEAD plus its own
departments, programmes and targets), loaded with the real loader, and diagnosed on every
solver; the diagnosis must name exactly the right commitments, amounts and words.
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from typer.testing import CliRunner

from conftest import PULP_4_DEPRECATIONS, found, random_scenario_data
from pazos_budget.cli import app
from pazos_budget.diagnose import diagnose, diagnosis_header
from pazos_budget.export import ModelExport
from pazos_budget.findings import Finding
from pazos_budget.loader import load_scenario
from pazos_budget.model import GIVE_PREFERENCE, CommitmentKind, build_model
from pazos_budget.pipeline import ScenarioInfeasible, solve_scenario
from pazos_budget.scenario import Scenario
from pazos_budget.solve import SolveOptions, Status, solve_model

pytestmark = PULP_4_DEPRECATIONS

SOLVERS = ["highs", "cbc"]
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "infeasible.yaml"

HEAD = """\
scenario: {id: diag, name: Diagnosis case, year: 2024, currency: COP millions, language: en}
budget: {total: TOTAL}
clusters:
  - {id: north, name: North, youth_population: 2000}
  - {id: south, name: South, youth_population: 1500}
  - {id: c3, name: Cluster 3, youth_population: 1000}
"""

LEAD = "Infeasible: the hard commitments cannot all hold. "
#: Header of a diagnosis whose set is the only smallest one.
ONLY = "The smallest set of commitments that must give:"
#: Header of a diagnosis whose set is one of several equally small ones.
EXAMPLE_HEADER = (
    "One smallest set of commitments that must give, for example "
    "('or instead' names equally small alternatives):"
)


def scenario_text(total: float, body: str) -> str:
    return HEAD.replace("TOTAL", f"{total:g}") + body


def run(tmp_path: Path, total: float, body: str, solver: str) -> list[Finding]:
    path = tmp_path / "s.yaml"
    path.write_text(scenario_text(total, body), encoding="utf-8")
    loaded = load_scenario(path)
    # The scenario itself must be infeasible, or the case tests nothing. (Checked on HiGHS:
    # CBC errors out on a column whose lower bound exceeds its upper bound, see
    # test_solve_known.test_mandatory_units_beyond_their_bound_are_infeasible.)
    plain = solve_model(build_model(loaded.scenario), SolveOptions())
    assert plain.status == Status.INFEASIBLE
    return diagnose(loaded.scenario, SolveOptions(solver=solver))


def named(findings: list[Finding]) -> list[tuple[str, str, str]]:
    return [(f.kind, f.subject, f.key) for f in findings]


@pytest.fixture(params=SOLVERS)
def solver(request: pytest.FixtureRequest) -> str:
    return str(request.param)


# --------------------------------------------------------------------------- the cases
# Six mandatory programmes of 200 each need 1,200; no single one can absorb the 250
# missing, so the total budget is the only commitment whose giving suffices.
TOTAL_TOO_SMALL = """\
departments:
  - {id: culture, name: Culture}
programmes:
""" + "".join(
    f"  - {{id: p{i}, name: P{i}, department: culture, component: prevention, "
    f"unit_cost: 20, min_units: 10, mandatory: true, clusters: all, youth_per_unit: 5}}\n"
    for i in range(1, 7)
)


def test_total_budget_too_small_for_mandatory_programmes(tmp_path: Path, solver: str) -> None:
    findings = run(tmp_path, 950, TOTAL_TOO_SMALL, solver)
    assert named(findings) == [("total_budget", "", "")]
    (f,) = findings
    assert f.committed == 950
    assert f.possible == pytest.approx(1200)
    assert f.violation == pytest.approx(250)
    assert f.unit == "COP millions"
    assert f.unavoidable is True
    assert f.alternatives == ()
    assert f.proven is True
    assert f.message == (
        "The total budget of 950 (COP millions) must grow by at least 250 (to 1,200) "
        "to meet every hard commitment."
    )
    assert diagnosis_header(findings) == ONLY


ENVELOPE_TOO_SMALL = """\
departments:
  - {id: culture, name: Culture}
  - {id: security, name: Security, budget: 100}
programmes:
  - {id: art, name: Art, department: culture, component: prevention, unit_cost: 10,
     clusters: all, youth_per_unit: 20}
  - {id: interrupters, name: Interrupters, department: security, component: interruption,
     unit_cost: 30, min_units: 5, mandatory: true, integer: true, clusters: [north, south],
     youth_per_unit: 10}
  - {id: lighting, name: Lighting, department: security, component: safe_environments,
     unit_cost: 5, min_units: 30, mandatory: true, clusters: all}
"""


def test_department_envelope_too_small_for_its_mandatory_programmes(
    tmp_path: Path, solver: str
) -> None:
    findings = run(tmp_path, 1000, ENVELOPE_TOO_SMALL, solver)
    assert named(findings) == [("department_budget", "security", "")]
    (f,) = findings
    assert (f.committed, f.possible) == (100, pytest.approx(300))
    assert f.violation == pytest.approx(200)
    assert f.unavoidable is True
    assert f.message == (
        "Department Security: its commitments need 200 more than its envelope of "
        "100 (COP millions)."
    )


MIN_SPEND_CAPPED = """\
departments:
  - {id: culture, name: Culture, budget: 200, min_spend: 120}
  - {id: security, name: Security}
programmes:
  - {id: art, name: Art, department: culture, component: prevention, unit_cost: 10,
     max_units: 8, clusters: all, youth_per_unit: 20}
  - {id: lighting, name: Lighting, department: security, component: safe_environments,
     unit_cost: 5, clusters: all}
"""


def test_min_spend_out_of_reach_because_of_max_units(tmp_path: Path, solver: str) -> None:
    findings = run(tmp_path, 1000, MIN_SPEND_CAPPED, solver)
    assert named(findings) == [("department_min_spend", "culture", "")]
    (f,) = findings
    assert (f.committed, f.possible, f.violation) == (120, 80, 40)
    assert f.money == "no"
    assert f.message == (
        "Department Culture can spend at most 80 of its minimum spend of 120 "
        "(COP millions), even with more money."
    )


METRIC_CAPPED = """\
departments:
  - {id: security, name: Security}
programmes:
  - {id: interrupters, name: Interrupters, department: security, component: interruption,
     unit_cost: 10, max_units: 30, clusters: all, youth_per_unit: 10,
     outputs: {mediations: 15}}
targets:
  - {id: mediations, kind: metric, metric: mediations, at_least: 600, hard: true}
"""


def test_hard_metric_target_beyond_reach(tmp_path: Path, solver: str) -> None:
    findings = run(tmp_path, 1000, METRIC_CAPPED, solver)
    assert named(findings) == [("hard_target", "mediations", "mediations")]
    (f,) = findings
    assert (f.committed, f.possible, f.violation) == (600, 450, 150)
    assert f.owner == "pazos"
    assert f.unit == "mediations"
    assert f.message == (
        "Target “mediations” (hard) can reach at most 450 of the 600 mediations required, "
        "even with more money: the programmes that count are at their limits: "
        "“Interrupters” at most 30 units (its max_units)."
    )


def test_hard_metric_target_beyond_the_budget_names_the_budget_as_alternative(
    tmp_path: Path, solver: str
) -> None:
    # Without max_units the target needs 40 units (400); the total budget is 300. The
    # target gives (a hard target says what the money can reach); the budget could instead.
    body = METRIC_CAPPED.replace("max_units: 30, ", "")
    findings = run(tmp_path, 300, body, solver)
    assert named(findings) == [("hard_target", "mediations", "mediations")]
    (f,) = findings
    assert (f.possible, f.violation) == (450, 150)
    assert f.money == "limits"
    assert f.unavoidable is False
    assert [a.to_json() for a in f.alternatives] == [
        {
            "kind": "total_budget",
            "subject": "",
            "key": "",
            "name": "",
            "amount": 100,
            "to": 400,
            "label": "raise the total budget by 100 (to 400; COP millions)",
        }
    ]
    assert f.message == (
        "Target “mediations” (hard) can reach at most 450 of the 600 mediations required "
        "with this budget."
    )
    assert diagnosis_header(findings) == EXAMPLE_HEADER


REACH_IN_C3 = """\
departments:
  - {id: culture, name: Culture}
programmes:
  - {id: art, name: Art, department: culture, component: prevention, unit_cost: 10,
     max_units: 20, clusters: [c3], youth_per_unit: 20}
  - {id: sport, name: Sport, department: culture, component: prevention, unit_cost: 10,
     max_units: 10, clusters: [c3], youth_per_unit: 1}
  - {id: tutoring, name: Tutoring, department: culture, component: prevention, unit_cost: 1,
     clusters: [north, south], youth_per_unit: 10}
targets:
  - {id: reach-99pct, kind: youth_reach, share: 0.99, hard: true}
reach_model: participations
"""


def test_hard_youth_reach_share_beyond_max_units_in_one_cluster(
    tmp_path: Path, solver: str
) -> None:
    findings = run(tmp_path, 1000, REACH_IN_C3, solver)
    assert named(findings) == [("hard_target", "reach-99pct", "c3")]
    (f,) = findings
    assert f.committed == 0.99
    assert f.possible == pytest.approx(0.41)
    assert f.unit == "share"
    assert f.message == (
        "Target “reach-99pct” (hard) can reach at most 41% in cluster Cluster 3, even with more "
        "money (required 99%): the programmes that count are at their limits: “Art” at most "
        "20 units (its max_units); “Sport” at most 10 units (its max_units)."
    )


def test_hard_youth_reach_count_beyond_the_population_cap(tmp_path: Path, solver: str) -> None:
    # One programme reaches at most the 1,000 youth who live in c3 (docs/model.md: the model).
    body = """\
departments:
  - {id: culture, name: Culture}
programmes:
  - {id: art, name: Art, department: culture, component: prevention, unit_cost: 1,
     clusters: all, youth_per_unit: 50}
targets:
  - {id: reach-1200, kind: youth_reach, at_least: 1200, clusters: [c3, north], hard: true}
reach_model: participations
"""
    findings = run(tmp_path, 1000, body, solver)
    assert named(findings) == [("hard_target", "reach-1200", "c3")]
    (f,) = findings
    assert (f.committed, f.possible, f.violation) == (1200, 1000, 200)
    assert f.message == (
        "Target “reach-1200” (hard) can reach at most 1,000 youth in cluster Cluster 3, even "
        "with more money (required 1,200): the programmes that count are at their limits: "
        "“Art” reaches every young person it may in Cluster 3 (a programme cannot reach more "
        "youth than live there)."
    )


PRESENCE_IMPOSSIBLE = """\
departments:
  - {id: culture, name: Culture}
  - id: security
    name: Security
    goals:
      - {id: safe-c3, kind: component_presence, clusters: [c3],
         components: [safe_environments], at_least_units: 2, hard: true}
programmes:
  - {id: art, name: Art, department: culture, component: prevention, unit_cost: 10,
     clusters: [north, south], youth_per_unit: 20}
  - {id: lighting, name: Lighting, department: security, component: safe_environments,
     unit_cost: 5, clusters: [north]}
targets:
  - {id: prevention-c3, kind: component_presence, clusters: [c3], components: [prevention],
     hard: true}
"""


def test_hard_component_presence_where_no_programme_can_run(tmp_path: Path, solver: str) -> None:
    findings = run(tmp_path, 1000, PRESENCE_IMPOSSIBLE, solver)
    # Two structural problems, ordered by subject: the department goal, then the target.
    assert named(findings) == [
        ("hard_target", "prevention-c3", "c3/prevention"),
        ("hard_target", "safe-c3", "c3/safe_environments"),
    ]
    first, second = findings
    assert (first.committed, first.possible, first.owner) == (1, 0, "pazos")
    assert (second.committed, second.possible, second.owner) == (2, 0, "security")
    assert [f.message for f in findings] == [
        "Target “prevention-c3” (hard): no units of component prevention can be delivered "
        "in cluster Cluster 3 (no programme in its scope delivers this component there).",
        "Goal “safe-c3” of department Security (hard): no units of component "
        "safe environments can be delivered in cluster Cluster 3 (no programme in its scope "
        "delivers this component there).",
    ]
    assert all(f.unavoidable is True for f in findings)


def test_two_independent_problems_are_both_named(tmp_path: Path, solver: str) -> None:
    # The security envelope of ENVELOPE_TOO_SMALL and the capped culture minimum spend.
    body = """\
departments:
  - {id: culture, name: Culture, budget: 200, min_spend: 120}
  - {id: security, name: Security, budget: 100}
programmes:
  - {id: art, name: Art, department: culture, component: prevention, unit_cost: 10,
     max_units: 8, clusters: all, youth_per_unit: 20}
  - {id: interrupters, name: Interrupters, department: security, component: interruption,
     unit_cost: 30, min_units: 5, mandatory: true, integer: true, clusters: [north, south],
     youth_per_unit: 10}
  - {id: lighting, name: Lighting, department: security, component: safe_environments,
     unit_cost: 5, min_units: 30, mandatory: true, clusters: all}
"""
    findings = run(tmp_path, 1000, body, solver)
    assert named(findings) == [
        ("department_budget", "security", ""),
        ("department_min_spend", "culture", ""),
    ]
    assert [f.violation for f in findings] == [pytest.approx(200), pytest.approx(40)]
    assert [f.message for f in findings] == [
        "Department Security: its commitments need 200 more than its envelope of "
        "100 (COP millions).",
        "Department Culture can spend at most 80 of its minimum spend of 120 "
        "(COP millions), even with more money.",
    ]
    assert diagnosis_header(findings) == ONLY


def test_equally_small_sets_the_budget_is_preferred_and_the_other_named(
    tmp_path: Path, solver: str
) -> None:
    # One mandatory programme costing 1,250 against a budget of 1,000: the budget or the
    # programme's minimum units could give. The money missing is what is reported.
    body = """\
departments:
  - {id: culture, name: Culture}
programmes:
  - {id: art, name: Art, department: culture, component: prevention, unit: workshop,
     unit_cost: 125, min_units: 10, mandatory: true, integer: true, clusters: all,
     youth_per_unit: 20}
"""
    findings = run(tmp_path, 1000, body, solver)
    assert named(findings) == [("total_budget", "", "")]
    (f,) = findings
    assert f.violation == pytest.approx(250)
    assert f.unavoidable is False
    assert [a.to_json() for a in f.alternatives] == [
        {
            "kind": "mandatory_min_units",
            "subject": "art",
            "key": "",
            "name": "Art",
            "amount": 2,
            "to": 8,
            "label": "lower the minimum units of “Art” by 2 (to 8)",
        }
    ]
    assert diagnosis_header(findings) == EXAMPLE_HEADER


def test_mandatory_programme_capped_by_population(tmp_path: Path, solver: str) -> None:
    # 100 youth per unit in c3 (1,000 youth): at most 10 units fit, whatever the money.
    body = """\
departments:
  - {id: security, name: Security}
programmes:
  - {id: mentors, name: Mentors, department: security, component: intervention,
     unit: mentor, unit_cost: 1, min_units: 12, mandatory: true, clusters: [c3],
     youth_per_unit: 100}
"""
    findings = run(tmp_path, 1000, body, solver)
    assert named(findings) == [("mandatory_min_units", "mentors", "")]
    (f,) = findings
    assert (f.committed, f.possible, f.violation) == (12, 10, 2)
    assert f.message == (
        "Programme “Mentors” (mandatory): only 10 of its minimum 12 units (mentor) fit, "
        "even with more money: “Mentors” reaches every young person it may in Cluster 3 "
        "(a programme cannot reach more youth than live there)."
    )


def test_per_cluster_minimum_of_a_mandatory_programme(tmp_path: Path, solver: str) -> None:
    body = """\
departments:
  - {id: culture, name: Culture}
programmes:
  - {id: art, name: Art, department: culture, component: prevention, unit_cost: 10,
     mandatory: true, clusters: all, youth_per_unit: 100, min_units_per_cluster: {c3: 12}}
"""
    findings = run(tmp_path, 1000, body, solver)
    assert named(findings) == [("mandatory_min_units", "art", "c3")]
    (f,) = findings
    assert (f.committed, f.possible, f.violation) == (12, 10, 2)
    assert f.message == (
        "Programme “Art” (mandatory): only 10 of its minimum 12 units in cluster Cluster 3 fit, "
        "even with more money: “Art” reaches every young person it may in Cluster 3 "
        "(a programme cannot reach more youth than live there)."
    )


def test_max_change_below_the_allowed_cut(tmp_path: Path, solver: str) -> None:
    # Current 20 workshops, at most 30% change: at least 14; max_units caps it at 10.
    body = """\
departments:
  - {id: culture, name: Culture}
programmes:
  - {id: art, name: Art, department: culture, component: prevention, unit: workshop,
     unit_cost: 10, max_units: 10, clusters: all, youth_per_unit: 20, current_units: 20,
     max_change: 0.3}
"""
    findings = run(tmp_path, 1000, body, solver)
    assert named(findings) == [("max_change", "art", "below")]
    (f,) = findings
    assert (f.committed, f.possible, f.violation) == (14, 10, 4)
    assert f.message == (
        "Programme “Art” can keep at most 10 units (workshop), even with more money; its "
        "maximum change (at most 30% from its current 20) requires at least 14."
    )


def test_max_change_above_the_allowed_growth(tmp_path: Path, solver: str) -> None:
    # A minimum of 30 units and a minimum spend of 300 both need 30; the scenario-wide
    # maximum change lets art grow only to 26. Letting that one bound give is smallest.
    body = """\
departments:
  - {id: culture, name: Culture, min_spend: 300}
programmes:
  - {id: art, name: Art, department: culture, component: prevention, unit_cost: 10,
     min_units: 30, mandatory: true, clusters: all, youth_per_unit: 20, current_units: 20}
max_change: 0.3
"""
    findings = run(tmp_path, 1000, body, solver)
    assert named(findings) == [("max_change", "art", "above")]
    (f,) = findings
    assert (f.committed, f.possible, f.violation) == (26, 30, 4)
    assert f.message == (
        "Programme “Art” needs at least 30 units; its maximum change (at most 30% from its "
        "current 20) allows at most 26."
    )


def test_every_commitment_kind_has_a_preference_and_an_order() -> None:
    assert set(GIVE_PREFERENCE) == set(CommitmentKind)


def test_hard_spend_share_out_of_reach(tmp_path: Path, solver: str) -> None:
    # A mandatory 600 on interruption, prevention capped at 100: at most 100/700.
    body = """\
departments:
  - {id: culture, name: Culture}
  - {id: security, name: Security}
programmes:
  - {id: art, name: Art, department: culture, component: prevention, unit_cost: 10,
     max_units: 10, clusters: all, youth_per_unit: 20}
  - {id: interrupters, name: Interrupters, department: security, component: interruption,
     unit_cost: 60, min_units: 10, mandatory: true, clusters: all, youth_per_unit: 10}
targets:
  - {id: prevention-half, kind: spend_share, components: [prevention], at_least: 0.5,
     hard: true}
"""
    findings = run(tmp_path, 1000, body, solver)
    assert named(findings) == [("hard_target", "prevention-half", "share")]
    (f,) = findings
    assert f.committed == 0.5
    assert f.possible == pytest.approx(100 / 700)
    assert f.unavoidable is False  # the mandatory minimum could give instead
    assert f.message == (
        "Target “prevention-half” (hard): spend in its scope can reach at most 14.3% of "
        "total spend (required at least 50%)."
    )


def test_partly_money_limited_reach_says_what_more_money_buys(tmp_path: Path, solver: str) -> None:
    # In c3 (1,000 youth), art reaches 20 youth per unit at 10 each; the budget of 300
    # buys 30 units, 600 participations: distinct youth on the curve between t = 0.5 and
    # 0.75, 1000 * (f(0.5) + (f(0.75) - f(0.5)) * 0.4) = 447.1 with f(t) = 1 - exp(-t),
    # 44.7%. With more money art is capped at 40 units, 800 participations:
    # 1000 * (f(0.75) + (f(1) - f(0.75)) * 0.2) = 548.5, 54.9%.
    body = """\
departments:
  - {id: culture, name: Culture}
programmes:
  - {id: art, name: Art, department: culture, component: prevention, unit_cost: 10,
     max_units: 40, clusters: [c3], youth_per_unit: 20}
targets:
  - {id: reach-90pct, kind: youth_reach, share: 0.9, clusters: [c3], hard: true}
"""
    findings = run(tmp_path, 300, body, solver)
    assert named(findings) == [("hard_target", "reach-90pct", "c3")]
    (f,) = findings
    f_t = lambda t: 1 - math.exp(-t)  # noqa: E731
    assert f.possible == pytest.approx(f_t(0.5) + (f_t(0.75) - f_t(0.5)) * 0.4)
    assert f.money == "partly"
    assert f.message == (
        "Target “reach-90pct” (hard) can reach at most 44.7% in cluster Cluster 3 with this "
        "budget (required 90%; 54.9% with more money)."
    )


# --------------------------------------------------------------------------- library path
def test_pipeline_raises_with_the_diagnosis(tmp_path: Path, solver: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(scenario_text(950, TOTAL_TOO_SMALL), encoding="utf-8")
    with pytest.raises(ScenarioInfeasible) as info:
        solve_scenario(load_scenario(path), SolveOptions(solver=solver))
    e = info.value
    assert e.exit_code == 3
    assert named(e.diagnosis) == [("total_budget", "", "")]
    assert "must grow by at least 250" in str(e)
    doc = e.to_json()
    assert doc["status"] == "infeasible"
    assert doc["diagnosis"] == [f.to_json() for f in e.diagnosis]


def test_diagnosis_does_not_overwrite_the_users_model_file(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(scenario_text(950, TOTAL_TOO_SMALL), encoding="utf-8")
    lp = tmp_path / "model.lp"
    export = ModelExport()
    with pytest.raises(ScenarioInfeasible):
        solve_scenario(load_scenario(path), SolveOptions(), export=export)
    export.write(lp)
    # The file is the model the user asked to solve, not the elastic one.
    assert "e(total__budget)" not in lp.read_text()
    assert "budget(total)" in lp.read_text()


def test_commitments_of_the_elastic_model() -> None:
    """Each hard commitment has its elastic column in its own row, with a tight big-M."""
    path = Path(__file__).resolve().parent.parent / "examples" / "minimal.yaml"
    loaded = load_scenario(path)
    model = build_model(loaded.scenario, elastic=True)
    kinds = [(k.kind, k.subject, k.key) for k in model.commitments]
    assert kinds == [
        (CommitmentKind.TOTAL_BUDGET, "", ""),
        (CommitmentKind.DEPARTMENT_BUDGET, "culture", ""),
        (CommitmentKind.DEPARTMENT_BUDGET, "security", ""),
        (CommitmentKind.HARD_TARGET, "mediations", "mediations"),
    ]
    target = model.commitments[-1]
    assert model.col_upper[target.elastic_col] == 200  # a metric row gives at most its rhs
    for k in model.commitments:
        a, b = model.indptr[k.row], model.indptr[k.row + 1]
        assert k.elastic_col in model.indices[a:b]
        assert model.row_names[k.row].startswith(("budget", "department", "target"))


# --------------------------------------------------------------------------- CLI
runner = CliRunner()


def test_cli_exit_code_messages_and_json(tmp_path: Path, solver: str) -> None:
    body = ENVELOPE_TOO_SMALL.replace("budget: 100}", "budget: 100, min_spend: 0}")
    body = body.replace(
        "  - {id: culture, name: Culture}",
        "  - {id: culture, name: Culture, budget: 200, min_spend: 120}",
    ).replace(
        "unit_cost: 10,\n     clusters: all", "unit_cost: 10, max_units: 8,\n     clusters: all"
    )
    path = tmp_path / "s.yaml"
    path.write_text(scenario_text(1000, body), encoding="utf-8")
    out = tmp_path / "r.json"
    result = runner.invoke(
        app, ["solve", str(path), "--solver", solver, "--json", str(out), "--no-marginal"]
    )
    assert result.exit_code == 3, result.output
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        LEAD + ONLY,
        "  - Department Security: its commitments need 200 more than its envelope of 100 "
        "(COP millions).",
        "  - Department Culture can spend at most 80 of its minimum spend of 120 "
        "(COP millions), even with more money.",
        f"JSON result written to {out}",
    ]
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["status"] == "infeasible"
    assert [(d["kind"], d["subject"]) for d in doc["diagnosis"]] == [
        ("department_budget", "security"),
        ("department_min_spend", "culture"),
    ]
    assert doc["diagnosis"][0]["violation"] == 200


def test_cli_prints_the_alternatives(tmp_path: Path, solver: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(scenario_text(300, METRIC_CAPPED.replace("max_units: 30, ", "")))
    result = runner.invoke(app, ["solve", str(path), "--solver", solver])
    assert result.exit_code == 3, result.output
    assert result.stderr.splitlines() == [
        LEAD + EXAMPLE_HEADER,
        "  - Target “mediations” (hard) can reach at most 450 of the 600 mediations "
        "required with this budget.",
        "    or instead: raise the total budget by 100 (to 400; COP millions)",
    ]


def test_example_infeasible_scenario(solver: str) -> None:
    """examples/infeasible.yaml: two independent problems, each with an equally small
    alternative (its comment names both)."""
    result = runner.invoke(app, ["solve", str(EXAMPLE), "--solver", solver])
    assert result.exit_code == 3, result.output
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        LEAD + EXAMPLE_HEADER,
        "  - Department Culture: its commitments need 60 more than its envelope of 100 "
        "(COP millions).",
        "    or instead: lower the minimum units of “Municipal art school courses” by 3 (to 5)",
        "  - Goal “mediations-400” of department Security (hard) can reach at most 240 of "
        "the 400 mediations required with this budget.",
        "    or instead: raise the envelope of Security by 200 (to 500; COP millions)",
    ]


# --------------------------------------------------------------------------- fallbacks
def test_no_time_left_gives_one_finding_that_says_so(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(scenario_text(950, TOTAL_TOO_SMALL), encoding="utf-8")
    findings = diagnose(load_scenario(path).scenario, SolveOptions(time_limit=1e-9))
    assert [f.kind for f in findings] == ["undiagnosed"]
    assert findings[0].message.startswith("The diagnosis could not finish (no time left)")
    assert diagnosis_header(findings) == ""


def test_headers() -> None:
    def finding(**kw: Any) -> Finding:
        return Finding.from_json(
            {"kind": "total_budget", "proven": True, "unavoidable": True, **kw}
        )

    assert diagnosis_header([]) == "(No diagnosis could be computed.)"
    assert diagnosis_header([finding()]) == ONLY
    assert diagnosis_header([finding(), finding(unavoidable=False)]) == EXAMPLE_HEADER
    assert diagnosis_header([finding(unavoidable=None)]) == (
        "A smallest set of commitments that must give:"
    )
    assert diagnosis_header([finding(proven=False, unavoidable=None)]) == (
        "A set of commitments that must give (the diagnosis stopped at its time limit, "
        "so a smaller set may exist):"
    )


# --------------------------------------------------------------------------- property
def _tightened(draw: st.DrawFn) -> dict[str, Any]:
    """A random scenario with its budget cut and some targets made hard: mostly infeasible."""
    data = draw(random_scenario_data())
    cut = draw(st.sampled_from([0.1, 0.3, 1.0]))
    data["budget"]["total"] = float(int(data["budget"]["total"] * cut))
    goals = [g for d in data["departments"] for g in d.get("goals", [])]
    for target in data["targets"] + goals:
        target["hard"] = draw(st.booleans())
    return data


tightened = st.composite(_tightened)


def relaxed(data: dict[str, Any], findings: list[Finding], slack: float = 1e-6) -> dict[str, Any]:
    """`data` with each named commitment given by the amount the diagnosis names."""
    out = copy.deepcopy(data)
    goals = [g for d in out["departments"] for g in d.get("goals", [])]
    for f in findings:
        kind, subject, possible = f.kind, f.subject, f.possible
        if kind == "total_budget":
            out["budget"]["total"] = possible * (1 + slack)
        elif kind == "department_budget":
            next(d for d in out["departments"] if d["id"] == subject)["budget"] = possible * (
                1 + slack
            )
        elif kind == "department_min_spend":
            dept = next(d for d in out["departments"] if d["id"] == subject)
            dept["min_spend"] = max(0.0, possible * (1 - slack) - slack)
        elif kind == "mandatory_min_units":
            prog = next(p for p in out["programmes"] if p["id"] == subject)
            units = max(0.0, possible * (1 - slack) - slack)
            prog["min_units"] = float(math.floor(units + 1e-6)) if prog.get("integer") else units
        else:
            assert kind == "hard_target", f
            t = next(g for g in out["targets"] + goals if g["id"] == subject)
            # A target of several rows is one finding; its rows each say what is possible.
            rows = [r.possible for r in f.rows or [f]]
            possible = max(rows) if t["kind"] == "spend_share" and "at_most" in t else min(rows)
            if t["kind"] == "spend_share" and "at_most" in t:
                if possible + slack <= 1:
                    t["at_most"] = max(t["at_most"], possible + slack)
                else:  # full credit over a cofunding-weighted base can exceed 100%
                    t["hard"] = False
                continue
            field = {"component_presence": "at_least_units", "youth_reach": "at_least"}.get(
                t["kind"], "at_least"
            )
            if t["kind"] == "youth_reach" and "share" in t:
                field = "share"
            lowered = max(0.0, possible * (1 - slack) - (slack if field != "share" else 0.0))
            t[field] = min(t.get(field, 1.0), lowered)
    return out


# HiGHS only: on some random elastic MIPs (big-M indicators) the bundled CBC takes minutes;
# the diagnosis on CBC is covered by every named scenario above.
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(data=tightened())
@pytest.mark.parametrize("solver_name", ["highs"])
def test_giving_what_the_diagnosis_names_makes_the_scenario_feasible(
    solver_name: str, data: dict[str, Any]
) -> None:
    """Property: every infeasible scenario gets commitment findings (never a fallback),
    and giving each named commitment by its named amount makes the scenario feasible.
    Feasibility is judged by HiGHS, whichever solver diagnosed."""
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError:
        assume(False)
        return
    plain = solve_model(build_model(scenario), SolveOptions())
    assume(plain.status == Status.INFEASIBLE)
    findings = diagnose(scenario, SolveOptions(solver=solver_name))
    assert findings and all(f.kind in set(CommitmentKind) for f in findings), findings
    # CBC's amounts reach us with about 8 digits (PuLP's solution file): give them 1e-5.
    fixed = Scenario.model_validate(relaxed(data, findings, 1e-5 if solver_name == "cbc" else 1e-6))
    assert solve_model(build_model(fixed), SolveOptions()).status != Status.INFEASIBLE


def test_a_finding_without_a_money_check_names_no_amount() -> None:
    """Hypothesis found it: past MAX_FOLLOW_UPS findings, the money check does not run and
    its amount is NaN, which was formatted anyway (ValueError: cannot convert NaN)."""
    data = found("unchecked-money-finding")
    findings = diagnose(Scenario.model_validate(data), SolveOptions())
    assert findings
    assert not any("nan" in f.message for f in findings)


def test_spend_share_counts_the_scopes_own_money(tmp_path: Path, solver: str) -> None:
    """A department goal's spend in scope is its own share of cofunded programmes (as in
    the model): 1 of 3 units of a programme it pays a quarter of is 1/12 of the money,
    not 1/3 (a found case where the diagnosis read 66.7% for a goal of 25% it missed)."""
    body = """\
departments:
  - id: d1
    name: D1
    goals:
      - {id: t0, kind: spend_share, hard: true, clusters: [north], components: [interruption],
         at_least: 0.25}
  - {id: d2, name: D2}
programmes:
  - {id: p1, name: P1, department: d1, component: intervention, unit_cost: 1, fixed_cost: 1,
     mandatory: true, clusters: all}
  - {id: p2, name: P2, department: d1, component: interruption, unit_cost: 1, fixed_cost: 1,
     mandatory: true, clusters: all, cofunding: {d1: 0.25, d2: 0.75}}
  - {id: p3, name: P3, department: d1, component: interruption, unit_cost: 1,
     mandatory: true, clusters: all, cofunding: {d1: 0.25, d2: 0.75}}
"""
    findings = run(tmp_path, 3, body, solver)
    assert named(findings) == [("hard_target", "t0", "share")]
    (f,) = findings
    assert f.possible < f.committed == 0.25
    assert f.possible == pytest.approx(1 / 6, abs=1e-6)
