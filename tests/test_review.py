"""Plan against execution (review.py): what is executed is never changed by the
re-optimization, an empty execution leaves the plan, an execution equal to the plan
changes nothing, an overspent envelope is a located warning and a diagnosis, and a plan
of another scenario is refused with both hashes."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import PULP_4_DEPRECATIONS
from pazos_budget.errors import ScenarioError
from pazos_budget.execution import Execution, ExecutionLine
from pazos_budget.loader import LoadedScenario, load_scenario
from pazos_budget.messages import problem_line
from pazos_budget.pipeline import solve_scenario
from pazos_budget.reports.labels import Labels
from pazos_budget.reports.review import build_review, diagnosis_said, warnings_said
from pazos_budget.result import to_json
from pazos_budget.review import (
    Plan,
    Review,
    TargetStatus,
    check_review,
    load_plan,
    review,
    review_json,
)
from pazos_budget.solve import SolveOptions

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = ROOT / "examples" / "minimal.yaml"
COFUNDING = ROOT / "examples" / "cofunding.yaml"

_PLANS: dict[Path, tuple[LoadedScenario, Plan]] = {}


def adopted(path: Path, tmp: Path) -> tuple[LoadedScenario, Plan]:
    """The scenario and its plan as `solve --json` writes it (solved once per session)."""
    if path not in _PLANS:
        loaded = load_scenario(path)
        out = tmp / f"{path.stem}-plan.json"
        out.write_text(json.dumps(to_json(solve_scenario(loaded))), encoding="utf-8")
        _PLANS[path] = (loaded, load_plan(out, loaded))
    return _PLANS[path]


@pytest.fixture(scope="module")
def minimal(tmp_path_factory: pytest.TempPathFactory) -> tuple[LoadedScenario, Plan]:
    return adopted(MINIMAL, tmp_path_factory.mktemp("plans"))


def line(
    programme: str, cluster: str | None, units: float, spend: float, row: int = 2
) -> ExecutionLine:
    return ExecutionLine(programme, cluster, units, spend, None, f"execution.csv:{row}:1")


def year_cells(r: Review) -> dict[tuple[str, str | None], float]:
    """(programme, cluster) -> units of the re-optimized year, from its result@1."""
    out: dict[tuple[str, str | None], float] = {}
    for p in r.remainder_document["programmes"]:
        if p["clusters"]:
            out.update({(p["id"], c): u for c, u in p["clusters"].items() if u})
        elif p["units"]:
            out[(p["id"], None)] = p["units"]
    return out


def plan_execution(loaded: LoadedScenario, plan: Plan) -> Execution:
    """Everything the plan asks for, delivered at the plan's prices."""
    cost = {p.id: p for p in loaded.scenario.programmes}
    paid: set[str] = set()
    lines = []
    for k, ((pid, cid), u) in enumerate(plan.units.items()):
        p = cost[pid]
        fixed = p.fixed_cost if pid not in paid else 0.0
        paid.add(pid)
        lines.append(line(pid, cid, u, p.unit_cost * u + fixed, k + 2))
    return Execution("execution.csv", lines)


# --------------------------------------------------------------------------- acceptance
def test_empty_execution_leaves_the_plan(minimal: tuple[LoadedScenario, Plan]) -> None:
    loaded, plan = minimal
    r = review(loaded, plan, Execution("execution.csv", []))
    assert not r.infeasible
    assert year_cells(r) == plan.units
    assert r.remainder_document["totals"]["spend"] == plan.document["totals"]["spend"]
    assert all(t.status == TargetStatus.ON_TRACK for t in r.targets)
    assert all(p.executed_units == 0 and p.executed_spend == 0 for p in r.programmes)


def test_a_share_of_spend_is_never_met_by_the_executed_part_alone(tmp_path: Path) -> None:
    """With nothing spent, "at least 40% in South" holds of the executed part (0 of 0):
    it is the year that decides a share, so the status is the year's."""
    text = MINIMAL.read_text(encoding="utf-8") + (
        "  - {id: south-share, kind: spend_share, clusters: [south], at_least: 0.4}\n"
        "  - {id: youth-count, kind: metric, metric: youth, at_least: 100}\n"
    )
    scenario = tmp_path / "share.yaml"
    scenario.write_text(text, encoding="utf-8")
    loaded, plan = adopted(scenario, tmp_path)
    r = review(loaded, plan, Execution("execution.csv", []))
    share = next(t for t in r.targets if t.id == "south-share")
    assert share.status == TargetStatus.ON_TRACK
    presence = plan_execution(loaded, plan)
    done = review(loaded, plan, presence)
    assert next(t for t in done.targets if t.id == "south-share").status == TargetStatus.ON_TRACK
    assert next(t for t in done.targets if t.id == "mediations").status == TargetStatus.MET
    # The built-in metric is named in the workbook's words, never by its id.
    for lang, words in (("es", "jóvenes alcanzados"), ("en", "youth reached")):
        sheet = build_review(done, lang=lang).worksheets[2]
        values = [c.value for row in sheet.iter_rows() for c in row]
        assert "youth" not in values and words in values, (lang, values)


def test_execution_equal_to_the_plan_changes_nothing(
    minimal: tuple[LoadedScenario, Plan],
) -> None:
    loaded, plan = minimal
    r = review(loaded, plan, plan_execution(loaded, plan))
    assert year_cells(r) == plan.units
    assert r.shift.total == pytest.approx(0.0, abs=1e-9)
    for p in r.programmes:
        assert p.year_units == pytest.approx(p.executed_units)
        assert p.year_spend == pytest.approx(p.executed_spend)
    # the plan met every target, so what is executed now does
    assert all(t.status == TargetStatus.MET for t in r.targets)


def test_executed_units_are_held_even_off_the_plan(
    minimal: tuple[LoadedScenario, Plan],
) -> None:
    """Units delivered where the plan had none (interrupters in the north, lighting) stay,
    and the JSON's executed entries are the file's own figures."""
    loaded, plan = minimal
    ex = Execution(
        "execution.csv",
        [
            line("interrupters", "north", 3, 120, 2),
            line("lighting", "south", 7, 35, 3),
            line("art-school", "north", 20, 200, 4),
            line("art-school", "north", 5, 50, 5),  # a second delivery of the same cell
        ],
    )
    r = review(loaded, plan, ex)
    cells = year_cells(r)
    assert cells[("interrupters", "north")] >= 3
    assert cells[("lighting", "south")] >= 7
    assert cells[("art-school", "north")] >= 25
    doc = review_json(r)
    assert doc["executed"] == [
        {"programme": "interrupters", "cluster": "north", "units": 3.0, "spend": 120.0},
        {"programme": "lighting", "cluster": "south", "units": 7.0, "spend": 35.0},
        {"programme": "art-school", "cluster": "north", "units": 25.0, "spend": 250.0},
    ]
    assert check_review(loaded.scenario, ex, r.year) == []  # type: ignore[arg-type]


def test_recorded_spend_is_never_changed(minimal: tuple[LoadedScenario, Plan]) -> None:
    """An overrun (interrupters recorded at 60 a unit, planned at 40) is money gone: the
    year's spend is the recorded spend plus the plan's price of what is still to do, and
    the envelope holds with it."""
    loaded, plan = minimal
    ex = Execution("execution.csv", [line("interrupters", "south", 4, 240)])
    r = review(loaded, plan, ex)
    inter = next(p for p in r.programmes if p.id == "interrupters")
    assert inter.executed_spend == 240
    assert inter.overrun == pytest.approx(80.0)
    assert inter.year_spend == pytest.approx(240 + 40 * (inter.year_units - 4))  # type: ignore[operator]
    security = next(d for d in r.departments if d.id == "security")
    assert security.year_spend is not None and security.year_spend <= 500 + 1e-6
    doc = review_json(r)
    assert doc["executed"][0]["spend"] == 240
    assert doc["totals"]["overrun"] == pytest.approx(80.0)
    remainder = {p["id"]: p for p in doc["remainder"]["programmes"]}
    assert remainder["interrupters"]["spend"] == pytest.approx(inter.year_spend)


@settings(max_examples=12, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(
                [
                    ("art-school", "north"),
                    ("art-school", "south"),
                    ("interrupters", "north"),
                    ("interrupters", "south"),
                    ("lighting", "north"),
                ]
            ),
            st.integers(0, 6),
            st.floats(0, 150, allow_nan=False),
        ),
        max_size=4,
    )
)
def test_property_execution_is_held(cells: list[tuple[tuple[str, str], int, float]]) -> None:
    """Whatever is executed, every executed cell keeps at least its units in the year and
    every programme's year spend starts from its recorded spend; or the year is
    infeasible and diagnosed."""
    loaded, plan = _PLANS.get(MINIMAL) or adopted(MINIMAL, Path(__import__("tempfile").mkdtemp()))
    ex = Execution(
        "execution.csv",
        [line(p, c, u, sp, k + 2) for k, ((p, c), u, sp) in enumerate(cells)],
    )
    r = review(loaded, plan, ex)
    if r.infeasible:
        assert r.diagnosis
        return
    held = year_cells(r)
    for key, (u, _) in ex.cells().items():
        assert held.get(key, 0.0) >= u - 1e-6
    for p in r.programmes:
        assert p.year_spend is not None and p.year_spend >= p.executed_spend - 1e-6


def test_overspent_envelope_is_a_located_warning_and_a_diagnosis(
    minimal: tuple[LoadedScenario, Plan],
) -> None:
    loaded, plan = minimal
    ex = Execution(
        "execution.csv",
        [line("interrupters", "south", 2, 300, 2), line("lighting", "north", 10, 400, 3)],
    )
    r = review(loaded, plan, ex)
    assert r.infeasible
    assert [str(w) for w in r.warnings] == [
        "execution.csv:3:1: warning: spend: department Security (security) has recorded 700 "
        "by this row, beyond its envelope of 500 (COP millions); the rest of the year is "
        "diagnosed"
    ]
    (finding,) = r.diagnosis or []
    assert finding.kind == "department_budget"
    assert finding.subject == "security"
    # in the scenario's own amounts: the envelope the user wrote, what the year needs
    # (700 recorded, two more interrupters for the hard mediations: 780)
    assert finding.committed == 500
    assert finding.violation == pytest.approx(280)
    assert "envelope of 500" in finding.message
    assert all(t.status == TargetStatus.UNREACHABLE for t in r.targets)
    doc = review_json(r)
    assert doc["status"] == "infeasible"
    assert doc["remainder"]["status"] == "infeasible"
    assert doc["remainder"]["diagnosis"] == doc["diagnosis"]


def test_spend_typed_in_pesos_is_diagnosed_as_money_not_as_a_contradictory_scenario(
    minimal: tuple[LoadedScenario, Plan],
) -> None:
    """Spend typed in pesos where the scenario counts millions: the rest of the year is
    overspent a hundred thousand times over. The diagnosis said "the scenario's structure
    is contradictory ... please report" (a budget could give by at most ten times its
    size, not its size below 0); it names the money that must give, in the amounts the
    user wrote (the envelope as written, not rounded at the overrun's size)."""
    loaded, plan = minimal
    ex = Execution("execution.csv", [line("interrupters", "south", 2, 300_000_000.5, 2)])
    r = review(loaded, plan, ex)
    assert r.infeasible
    findings = r.diagnosis or []
    assert findings and all(f.kind != "structure" for f in findings), findings
    s = loaded.scenario
    own = {"total_budget": s.budget.total}
    own |= {d.id: d.budget for d in s.departments if d.budget is not None}
    for f in findings:
        assert f.kind in ("total_budget", "department_budget"), f
        assert f.committed == own[f.subject if f.kind == "department_budget" else f.kind]
        assert f.possible == pytest.approx(f.committed + f.violation, abs=1e-6)
        assert f.violation > 299_000_000


def test_a_plan_of_another_scenario_is_refused_with_both_hashes(
    minimal: tuple[LoadedScenario, Plan], tmp_path: Path
) -> None:
    loaded, _ = minimal
    other, _ = adopted(COFUNDING, tmp_path)
    plan_path = tmp_path / "cofunding-plan.json"
    with pytest.raises(ScenarioError) as e:
        load_plan(plan_path, loaded)
    message = str(e.value)
    assert other.sha256 in message and loaded.sha256 in message
    # at the plan's scenario hash (JSON on one line: the column of its value)
    col = plan_path.read_text(encoding="utf-8").index(f'"{other.sha256}"') + 1
    assert message.startswith(f"{plan_path}:1:{col}: the plan is of another scenario")


@pytest.mark.parametrize("lang", ["es", "en"])
def test_a_department_sheet_adds_up_with_cofunded_programmes(tmp_path: Path, lang: str) -> None:
    """A department's planned and executed spend is its part of each programme: the sheet
    shows each programme's whole and the part it pays, and the parts add up."""
    loaded, plan = adopted(COFUNDING, tmp_path)
    r = review(loaded, plan, plan_execution(loaded, plan))
    book = build_review(r, lang=lang)
    share_word = "Parte a cargo" if lang == "es" else "Share paid"
    for d in r.departments:
        sheet = book[next(n for n in book.sheetnames if n.startswith(d.name[:20]))]
        rows = [[c.value for c in row] for row in sheet.iter_rows()]
        header = next(row for row in rows if share_word in row)
        share = header.index(share_word)
        planned = header.index(rows[5][0])  # "Planned spend (...)", as the facts name it
        assert rows[5][1] == pytest.approx(d.planned_spend)
        start = rows.index(header) + 1
        body = [row for row in rows[start:] if isinstance(row[share], float | int)]
        assert body, d.id
        assert sum(row[planned] * row[share] for row in body) == pytest.approx(d.planned_spend)


@pytest.mark.parametrize(
    ("lang", "of_units", "of_spend"),
    [
        ("es", "% de unidades ejecutadas", "% ejecutado"),
        ("en", "% of units executed", "% executed"),
    ],
)
def test_a_programmes_percentage_says_it_is_of_units(
    minimal: tuple[LoadedScenario, Plan], lang: str, of_units: str, of_spend: str
) -> None:
    """The programmes' percentage is of units, the department's of spend: with an
    overrun they differ, and both were headed "% executed" ("% ejecutado")."""
    loaded, plan = minimal
    planned = {c: u for (p, c), u in plan.units.items() if p == "interrupters"}
    cluster = next(iter(planned))
    lines = [line("interrupters", cluster, 1, 2 * 40)]  # one unit, at twice its cost
    r = review(loaded, plan, Execution("execution.csv", lines))
    book = build_review(r, lang=lang)
    security = next(d for d in r.departments if d.id == "security")
    sheet = book[next(n for n in book.sheetnames if n.startswith(security.name[:20]))]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert [of_spend, pytest.approx(security.executed_spend / security.planned_spend)] == [
        *rows[7][:2]
    ]
    for name in (book.sheetnames[3], sheet.title):
        rows = [[c.value for c in row] for row in book[name].iter_rows()]
        header = next(row for row in rows if of_units in row)
        assert of_spend not in header
        body = next(row for row in rows if row[0] == "Violence interrupters")
        assert body[header.index(of_units)] == pytest.approx(1 / sum(planned.values()))


def test_a_plan_breaking_the_scenario_is_refused(
    minimal: tuple[LoadedScenario, Plan], tmp_path: Path
) -> None:
    """A hand-edited plan (half the interrupters: the hard mediations fail) is not a
    baseline."""
    loaded, plan = minimal
    doc = json.loads(json.dumps(plan.document))
    for p in doc["programmes"]:
        if p["id"] == "interrupters":
            p["clusters"] = {"south": 1.0}
            p["units"] = 1.0
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ScenarioError, match="breaks a hard constraint") as caught:
        review(loaded, load_plan(path, loaded), Execution("", []))
    # The user's own file, so no "please report this bug", and every word in the
    # language of the run.
    (problem,) = caught.value.problems
    assert "report this bug" not in str(problem.message)
    assert problem_line(problem, "es") == (
        f"{path}: el plan incumple una restricción obligatoria del escenario: la meta "
        "obligatoria mediations no se cumple (filas: mediations)"
    )


# --------------------------------------------------------------------------- safety net
def test_the_independent_check_catches_an_executed_cell_undone(
    minimal: tuple[LoadedScenario, Plan],
) -> None:
    """Break the year on purpose: the check must fail (a check that cannot fail is none)."""
    loaded, plan = minimal
    ex = Execution("execution.csv", [line("interrupters", "north", 3, 120)])
    r = review(loaded, plan, ex)
    assert r.year is not None
    undone = [
        dataclasses.replace(p, clusters={**p.clusters, "north": 1.0})
        if p.id == "interrupters"
        else p
        for p in r.year.programmes
    ]
    broken = dataclasses.replace(r.year, programmes=undone)
    problems = check_review(loaded.scenario, ex, broken)
    assert problems == ["programme interrupters: 1 units in north, below the 3 executed"]
    cheaper = [
        dataclasses.replace(p, spend=p.spend - 50) if p.id == "interrupters" else p
        for p in r.year.programmes
    ]
    problems = check_review(loaded.scenario, ex, dataclasses.replace(r.year, programmes=cheaper))
    assert any("programme interrupters: reported year spend" in p for p in problems)


def test_units_beyond_a_maximum_change_are_kept_and_the_limit_is_diagnosed(
    tmp_path: Path,
) -> None:
    """Delivered beyond what max_change allows: a located warning, and the diagnosis says
    the delivered units stand and a limit of the scenario must change (they cannot give)."""
    variant = tmp_path / "bounded.yaml"
    variant.write_text(
        f"extends: {MINIMAL}\n"
        "scenario: {id: minimal-bounded, name: Minimal with a bounded change}\n"
        "programmes:\n"
        "  change:\n"
        "    art-school: {current_units: 40, max_change: 0.25}\n",
        encoding="utf-8",
    )
    loaded, plan = adopted(variant, tmp_path)
    ex = Execution("execution.csv", [line("art-school", "north", 55, 550)])
    r = review(loaded, plan, ex)
    assert [str(w) for w in r.warnings] == [
        "execution.csv:2:1: warning: units: programme art-school has delivered 55 units by "
        "this row, above the 50 its maximum change allows; the rest of the year is diagnosed"
    ]
    assert r.infeasible
    (finding,) = r.diagnosis or []
    assert finding.kind == "executed_units"
    assert (finding.committed, finding.possible) == (55, 50)
    assert finding.message.startswith(
        "Programme “Art school workshops”: 55 units (workshop) are already delivered in North"
    )


def test_one_unit_delivered_is_said_in_the_singular(tmp_path: Path) -> None:
    """One unit beyond a limit is "1 unit" ("1 unidad") in the warning and the diagnosis,
    in both languages (both read "1 units", "1 unidades")."""
    variant = tmp_path / "one.yaml"
    variant.write_text(
        f"extends: {MINIMAL}\n"
        "scenario: {id: minimal-one, name: Minimal with a small change}\n"
        "programmes:\n"
        "  change:\n"
        "    art-school: {current_units: 0.5, max_change: 0.5}\n",
        encoding="utf-8",
    )
    loaded, plan = adopted(variant, tmp_path)
    r = review(loaded, plan, Execution("execution.csv", [line("art-school", "north", 1, 10)]))
    assert [str(w) for w in r.warnings] == [
        "execution.csv:2:1: warning: units: programme art-school has delivered 1 unit by "
        "this row, above the 0.75 its maximum change allows; the rest of the year is diagnosed"
    ]
    assert warnings_said(r, "es") == [
        (
            "execution.csv:2:1",
            "units: «Art school workshops» entregó 1 unidad hasta esta fila, más de las 0,75 "
            "que permite su cambio máximo; el resto del año se diagnostica.",
        )
    ]
    (finding,) = r.diagnosis or []
    assert finding.message.startswith(
        "Programme “Art school workshops”: 1 unit (workshop) is already delivered in North"
    )
    (said,) = diagnosis_said(r, "es")
    assert said.startswith("«Art school workshops»: ya se entregó 1 unidad (North), pero")


@pytest.mark.parametrize(("spend", "unit_cost"), [(2 * 10 + 30, 10), (2 * 12 + 30, 12)])
def test_the_recorded_unit_cost_leaves_out_the_fixed_cost(
    tmp_path: Path, spend: float, unit_cost: float
) -> None:
    """A started programme's fixed cost is taken as paid with its first unit, so it is no
    overrun; the recorded unit cost showed it per unit (2 workshops and their 30 of
    set-up read 25 a workshop against 10, shaded as an overrun the review did not count)."""
    variant = tmp_path / "fixed.yaml"
    variant.write_text(
        f"extends: {MINIMAL}\n"
        "scenario: {id: minimal-fixed, name: Minimal with a set-up cost}\n"
        "programmes:\n"
        "  change:\n"
        "    art-school: {fixed_cost: 30}\n",
        encoding="utf-8",
    )
    loaded, plan = adopted(variant, tmp_path)
    r = review(loaded, plan, Execution("execution.csv", [line("art-school", "north", 2, spend)]))
    assert r.shift.total == pytest.approx(2 * (unit_cost - 10))
    book = build_review(r, lang="en")
    rows = [list(row) for row in book["Programmes"].iter_rows()]
    header = next([c.value for c in row] for row in rows if row[0].value == "Programme")
    (art,) = [row for row in rows if row[0].value == "Art school workshops"]
    recorded = art[next(k for k, h in enumerate(header) if h.startswith("Recorded unit cost"))]
    assert recorded.value == pytest.approx(unit_cost)
    shaded = recorded.fill.fgColor.rgb not in (None, "00000000")
    assert shaded == (unit_cost > 10)


@PULP_4_DEPRECATIONS[0]
@PULP_4_DEPRECATIONS[1]
def test_every_solver_holds_the_execution(
    minimal: tuple[LoadedScenario, Plan], solver: str
) -> None:
    """On every installed solver the re-optimized year holds what is executed and passes
    the review's independent check (review() raises VerificationError otherwise)."""
    loaded, plan = minimal
    ex = Execution(
        "execution.csv",
        [line("interrupters", "north", 3, 150, 2), line("art-school", "south", 12, 110, 3)],
    )
    r = review(loaded, plan, ex, SolveOptions(solver=solver))
    assert r.year is not None
    cells = year_cells(r)
    assert cells[("interrupters", "north")] >= 3 and cells[("art-school", "south")] >= 12
    assert check_review(loaded.scenario, ex, r.year) == []


def _city_wide_scenario(tmp_path: Path) -> Path:
    """Minimal with a city-wide programme (crime analysis) and a fixed cost: spend that
    belongs to no cluster."""
    text = MINIMAL.read_text(encoding="utf-8").replace(
        "targets:\n",
        "  - {id: analysis, name: Crime analysis, department: security,"
        " component: interruption, unit: report, unit_cost: 30, min_units: 2,"
        " max_units: 2, mandatory: true, outputs: {reports: 1}}\n"
        "targets:\n",
    )
    text = text.replace("    unit_cost: 40\n", "    unit_cost: 40\n    fixed_cost: 20\n")
    path = tmp_path / "city-wide.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_clusters_table_has_the_variance_the_year_and_a_row_of_no_cluster(
    tmp_path: Path, lang: str
) -> None:
    """As for the departments, each cluster shows the variance (executed - planned) and the
    re-optimized year; a row of no cluster (city-wide programmes, fixed costs) makes each
    spend column add up to the totals; the JSON says the same."""
    loaded, plan = adopted(_city_wide_scenario(tmp_path), tmp_path)
    ex = Execution(
        "execution.csv",
        [line("analysis", None, 1, 35, 2), line("interrupters", "south", 2, 110, 3)],
    )
    r = review(loaded, plan, ex)
    assert r.year is not None
    sheet = build_review(r, lang=lang).worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    cluster_word = "Clúster" if lang == "es" else "Cluster"
    header = next(row for row in rows if row[0] == cluster_word)
    variance = "Variación" if lang == "es" else "Variance"
    year = "Gasto del año" if lang == "es" else "Spend of the re-optimized year"
    at = {
        "planned": 1,
        "executed": 2,
        "variance": next(k for k, v in enumerate(header) if str(v).startswith(variance)),
        "year": next(k for k, v in enumerate(header) if str(v).startswith(year)),
    }
    start = rows.index(header) + 1
    body = rows[start : start + len(loaded.scenario.clusters) + 1]
    names = [c.name for c in loaded.scenario.clusters]
    no_cluster = Labels(lang)("no_cluster_row")
    assert [row[0] for row in body] == [*names, no_cluster]
    for row in body:
        assert row[at["variance"]] == pytest.approx(row[at["executed"]] - row[at["planned"]])
    assert sum(row[at["planned"]] for row in body) == pytest.approx(r.planned.spend)
    assert sum(row[at["executed"]] for row in body) == pytest.approx(r.executed_spend)
    assert sum(row[at["year"]] for row in body) == pytest.approx(r.year.spend)
    assert body[-1][at["planned"]] == pytest.approx(60 + 20)  # the reports, the fixed cost
    assert body[-1][at["executed"]] == pytest.approx(35)
    doc = review_json(r)
    assert doc["city_wide"]["spend_variance"] == pytest.approx(35 - 80)
    for c in doc["clusters"]:
        assert c["spend_variance"] == pytest.approx(c["executed_spend"] - c["planned_spend"])
    for key, total in (("planned_spend", "planned_spend"), ("year_spend", "year_spend")):
        spend = sum(c[key] for c in doc["clusters"]) + doc["city_wide"][key]
        assert spend == pytest.approx(doc["totals"][total])


# --------------------------------------------------------------------------- a plan edited by hand
def _edited_plan(plan: Plan, tmp_path: Path, edit: object) -> Path:
    doc = json.loads(json.dumps(plan.document))
    assert callable(edit)
    edit(doc)
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return path


def _where(path: Path, needle: str) -> tuple[int, int]:
    """Line and column (1-based) of the first `needle` in the file, found in its text."""
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return n, line.index(needle) + 1
    raise AssertionError(needle)


def _set_units(doc: dict[str, object], value: object) -> None:
    programmes = doc["programmes"]
    assert isinstance(programmes, list)
    programmes[1]["units"] = value


def _set_cell(doc: dict[str, object], value: object) -> None:
    programmes = doc["programmes"]
    assert isinstance(programmes, list)
    cell = next(p for p in programmes if p["clusters"])
    cell["clusters"][next(iter(cell["clusters"]))] = value


@pytest.mark.parametrize(
    ("edit", "needle", "words"),
    [
        (lambda d: _set_units(d, "many"), '"many"', "programmes[1]: units and clusters"),
        (lambda d: _set_cell(d, "three"), '"three"', "units must be a number"),
        (lambda d: _set_cell(d, -7.25), "-7.25", "-7.25 units: a plan's units are never negative"),
        (lambda d: d["programmes"][0].__setitem__("id", "ghost"), '"ghost"', "programmes[0]"),
        (lambda d: d.__setitem__("status", "infeasible"), '"infeasible"', "infeasible"),
        (lambda d: d.__setitem__("schema", "x@1"), '"x@1"', "x@1"),
    ],
)
def test_a_hand_edited_plan_is_refused_at_the_value_that_is_wrong(
    minimal: tuple[LoadedScenario, Plan], tmp_path: Path, edit: object, needle: str, words: str
) -> None:
    """The problem points at the line and column of the value (read back from the file's
    text here, not from the reader the product uses)."""
    loaded, plan = minimal
    path = _edited_plan(plan, tmp_path, edit)
    with pytest.raises(ScenarioError) as caught:
        load_plan(path, loaded)
    (problem,) = caught.value.problems
    line, col = _where(path, needle)
    assert (problem.file, problem.line, problem.column) == (str(path), line, col), problem
    assert words in problem_line(problem, "en")
    assert problem_line(problem, "en").startswith(f"{path}:{line}:{col}: ")


def test_a_plan_nested_too_deeply_is_refused_not_crashed(
    minimal: tuple[LoadedScenario, Plan], tmp_path: Path
) -> None:
    loaded, _ = minimal
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_plan(path, loaded)
    assert "nested too deeply" in problem_line(caught.value.problems[0], "en")
