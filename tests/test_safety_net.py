"""The safety net, tested: the independent check, exit codes 1 and 4, status `feasible`,
and every marginal-value sentence.

A check that cannot fail is not a check. Each hard rule of the model gets a hand-made
allocation that breaks it, fed to `result.build_result` exactly as a solver's answer
would be, and the check must name the broken rule; the same allocation with the
violation removed must pass. `test_the_cases_depend_on_the_check` switches the check
off and shows that each of those allocations then goes through unnoticed, so the cases
test the check and nothing else.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rich.console import Console
from typer.testing import CliRunner

from conftest import (
    PULP_4_DEPRECATIONS,
    SOLVERS,
    tiny_cluster,
    tiny_data,
    tiny_department,
    tiny_loaded,
    tiny_programme,
)
from pazos_budget import pipeline, result
from pazos_budget.analysis import NOT_EXACT_REASONS, solve_with_marginal_values
from pazos_budget.cli import app
from pazos_budget.errors import VerificationError
from pazos_budget.i18n import texts
from pazos_budget.loader import LoadedScenario
from pazos_budget.marginal import MARGINAL_FIGURES, MarginalValue, NotExact
from pazos_budget.model import Model, build_model
from pazos_budget.pipeline import solve_scenario
from pazos_budget.reports.labels import Labels
from pazos_budget.result import Result, build_result, to_json
from pazos_budget.solve import Solution, SolveOptions, Status, available_solvers
from pazos_budget.terminal import print_marginal

pytestmark = PULP_4_DEPRECATIONS

runner = CliRunner()
CITY = "*"  # the cell of a city-wide programme in a hand-made allocation
LEAD = (
    "the independent check found the solver's answer violating the model (please report this bug):"
)

Allocation = Mapping[str, Mapping[str, float]]  # programme id -> {cluster id or CITY: units}


# --------------------------------------------------------------------------- hand-made plans
def hand_solution(model: Model, allocation: Allocation) -> Solution:
    """A solver's answer carrying exactly `allocation`: units in the x columns, 1 in the
    funding decision of every programme with units (or mandatory), 0 elsewhere."""
    s = model.scenario
    cells = {
        (s.programmes[int(p)].id, s.clusters[int(c)].id if c >= 0 else CITY): k
        for k, (p, c) in enumerate(zip(model.cell_programme, model.cell_cluster, strict=True))
    }
    values = np.zeros(model.n_cols)
    for pid, where in allocation.items():
        for cid, units in where.items():
            values[cells[(pid, cid)]] = units  # KeyError: the model has no such column
    for i, col in model.y_col.items():
        p = s.programmes[i]
        values[col] = 1.0 if p.mandatory or any(allocation.get(p.id, {}).values()) else 0.0
    return Solution(Status.OPTIMAL, values, [], "hand", 0.0, 1e-6)


def run_cell(model: Model, pid: str, cid: str) -> int:
    """The x column of programme `pid` in cluster `cid`."""
    s = model.scenario
    i = next(k for k, p in enumerate(s.programmes) if p.id == pid)
    c = s.cluster_ids.index(cid)
    return int(np.flatnonzero((model.cell_programme == i) & (model.cell_cluster == c))[0])


def as_if_continuous(model: Model) -> Model:
    """A model builder bug: every column declared continuous (integer or not)."""
    return replace(model, integrality=np.zeros_like(model.integrality))


def moved_to_c2(model: Model) -> Model:
    """A model builder bug: programme p's column in c1 is read back as its units in c2."""
    cell_cluster = model.cell_cluster.copy()
    cell_cluster[run_cell(model, "p", "c1")] = model.scenario.cluster_ids.index("c2")
    return replace(model, cell_cluster=cell_cluster)


def hand_result(
    loaded: LoadedScenario, allocation: Allocation, bug: Callable[[Model], Model] | None = None
) -> Result:
    """`build_result` (figures and the independent check) on a hand-made allocation."""
    model = build_model(loaded.scenario)
    if bug is not None:
        model = bug(model)
    return build_result(loaded, model, hand_solution(model, allocation))


def problems(error: VerificationError) -> list[str]:
    lead, *lines = str(error).splitlines()
    assert lead == LEAD
    return [line.strip() for line in lines]


# --------------------------------------------------------------------------- one case per rule
@dataclass(frozen=True)
class Case:
    """A tiny scenario, an allocation that breaks one hard rule, the same allocation with
    the violation removed, and the one problem the check must report."""

    rule: str
    data: dict[str, Any]
    bad: Allocation
    good: Allocation
    problem: str
    bug: Callable[[Model], Model] | None = None  # a builder bug the bad allocation needs
    good_bug: Callable[[Model], Model] | None = None
    spend: float = 0.0  # the good allocation's total spend, as build_result recomputes it

    def loaded(self) -> LoadedScenario:
        return tiny_loaded(self.data)


def tiny(
    *programme_extra: dict[str, Any],
    total: float = 1000,
    clusters: list[dict[str, Any]] | None = None,
    departments: list[dict[str, Any]] | None = None,
    targets: list[dict[str, Any]] | None = None,
    **scenario_extra: Any,
) -> dict[str, Any]:
    """Scenario data: programme p (cost 10, 1 youth a unit, department d1, prevention) in
    clusters c1 and c2 (1,000 youth each), then q, r ... with the given fields."""
    programmes = []
    for k, extra in enumerate(programme_extra or ({},)):
        fields = {"clusters": ["c1", "c2"], "youth": 1.0} | extra
        programmes.append(tiny_programme("pqrs"[k], "d1", fields.pop("unit_cost", 10), **fields))
    data = tiny_data(
        total=total,
        clusters=clusters or [tiny_cluster("c1", 1000), tiny_cluster("c2", 1000)],
        programmes=programmes,
        departments=departments,
        targets=targets,
    )
    return data | scenario_extra


def hard(tid: str, kind: str, **fields: Any) -> dict[str, Any]:
    return {"id": tid, "kind": kind, "hard": True, **fields}


CASES = [
    Case(
        "total budget",
        tiny(total=100),
        bad={"p": {"c1": 11}},
        good={"p": {"c1": 10}},
        problem="total spend 110 exceeds budget.total 100",
        spend=100,
    ),
    Case(
        "total budget, a city-wide programme with a fixed cost",
        tiny({"fixed_cost": 15, "clusters": []}, total=100),
        bad={"p": {CITY: 9}},
        good={"p": {CITY: 8}},
        problem="total spend 105 exceeds budget.total 100",
        spend=95,
    ),
    Case(
        "department envelope",
        tiny(departments=[tiny_department("d1", budget=50)]),
        bad={"p": {"c1": 3, "c2": 3}},
        good={"p": {"c1": 3, "c2": 2}},
        problem="department d1: spend 60 exceeds its budget 50",
        spend=50,
    ),
    Case(
        "department envelope, through co-funding",
        tiny(
            {"cofunding": {"d1": 0.5, "d2": 0.5}},
            departments=[tiny_department("d1"), tiny_department("d2", budget=20)],
        ),
        bad={"p": {"c1": 5}},
        good={"p": {"c1": 4}},
        problem="department d2: spend 25 exceeds its budget 20",
        spend=40,
    ),
    Case(
        "department minimum spend",
        tiny(departments=[tiny_department("d1", min_spend=30)]),
        bad={"p": {"c1": 2}},
        good={"p": {"c1": 2, "c2": 1}},
        problem="department d1: spend 20 below its min_spend 30",
        spend=30,
    ),
    Case(
        "min_units",
        tiny({"min_units": 3}),
        bad={"p": {"c1": 1}},
        good={"p": {"c1": 1, "c2": 2}},
        problem="programme p: 1 units, below its min_units 3",
        spend=30,
    ),
    Case(
        "max_units",
        tiny({"max_units": 4}),
        bad={"p": {"c1": 3, "c2": 2}},
        good={"p": {"c1": 2, "c2": 2}},
        problem="programme p: 5 units, above its max_units 4",
        spend=40,
    ),
    Case(
        "integrality",
        tiny({"integer": True}),
        bad={"p": {"c1": 2.5}},
        good={"p": {"c1": 2}},
        problem="programme p: fractional units 2.5 of an integer programme",
        bug=as_if_continuous,
        good_bug=as_if_continuous,
        spend=20,
    ),
    Case(
        "population cap",
        tiny({"youth": 10}, clusters=[tiny_cluster("c1", 50), tiny_cluster("c2", 50)]),
        bad={"p": {"c1": 6}},
        good={"p": {"c1": 5}},
        problem="programme p: reaches more youth than live in c1",
        spend=50,
    ),
    Case(
        "a cluster where the programme cannot run",
        tiny({"clusters": ["c1"]}),
        bad={"p": {"c2": 1}},  # read back from its c1 column by the builder bug
        good={"p": {"c1": 1}},
        problem="programme p: units in a cluster where it cannot run",
        bug=moved_to_c2,
        spend=10,
    ),
    Case(
        "max_units_per_cluster",
        tiny({"max_units_per_cluster": 2}),
        bad={"p": {"c1": 2, "c2": 3}},
        good={"p": {"c1": 2, "c2": 2}},
        problem="programme p: 3 units in c2, above 2",
        spend=40,
    ),
    Case(
        "min_units_per_cluster",
        tiny({"min_units_per_cluster": {"c1": 2}}),
        bad={"p": {"c1": 1, "c2": 4}},
        good={"p": {"c1": 2, "c2": 4}},
        problem="programme p: 1 units in c1, below 2",
        spend=60,
    ),
    Case(
        "hard youth_reach target",
        tiny(targets=[hard("reach", "youth_reach", at_least=20, clusters=["c1"])]),
        bad={"p": {"c1": 10, "c2": 30}},
        good={"p": {"c1": 40, "c2": 30}},
        problem="hard target reach: not met in c1",
        spend=700,
    ),
    Case(
        "hard youth_reach target, as a share",
        tiny(total=2000, targets=[hard("reach", "youth_reach", share=0.05)]),
        bad={"p": {"c1": 80, "c2": 20}},
        good={"p": {"c1": 80, "c2": 80}},
        problem="hard target reach: not met in c2",
        spend=1600,
    ),
    Case(
        "hard metric target",
        tiny(
            {"outputs": {"mediations": 2}},
            targets=[hard("med", "metric", metric="mediations", at_least=10)],
        ),
        bad={"p": {"c1": 2, "c2": 2}},
        good={"p": {"c1": 3, "c2": 2}},
        problem="hard target med: not met in mediations",
        spend=50,
    ),
    Case(
        "hard spend_share target (at_least)",
        tiny(
            {},
            {"component": "interruption"},
            targets=[hard("share", "spend_share", components=["prevention"], at_least=0.5)],
        ),
        bad={"p": {"c1": 1}, "q": {"c1": 2}},
        good={"p": {"c1": 2}, "q": {"c1": 2}},
        problem="hard target share: not met in share",
        spend=40,
    ),
    Case(
        "hard spend_share target (at_most)",
        tiny(
            {},
            {"component": "interruption"},
            targets=[hard("share", "spend_share", components=["prevention"], at_most=0.5)],
        ),
        bad={"p": {"c1": 3}, "q": {"c1": 1}},
        good={"p": {"c1": 1}, "q": {"c1": 1}},
        problem="hard target share: not met in share",
        spend=20,
    ),
    Case(
        "hard component_presence target",
        tiny(
            {},
            {"component": "interruption"},
            targets=[
                hard("presence", "component_presence", components=["prevention"], clusters=["c1"])
            ],
        ),
        bad={"p": {"c2": 1}, "q": {"c1": 1}},
        good={"p": {"c1": 1, "c2": 1}, "q": {"c1": 1}},
        problem="hard target presence: not met in c1/prevention",
        spend=30,
    ),
    Case(
        "max_change of a programme",
        tiny({"current_units": 10, "max_change": 0.2}),
        bad={"p": {"c1": 13}},
        good={"p": {"c1": 12}},
        problem="programme p: 13 units, outside its allowed change [8, 12] from current units 10",
        spend=120,
    ),
    Case(
        "max_change of the scenario",
        tiny({"current_units": 4}, max_change=0.5),
        bad={"p": {"c1": 1}},
        good={"p": {"c1": 2}},
        problem="programme p: 1 units, outside its allowed change [2, 6] from current units 4",
        spend=20,
    ),
    Case(
        "mandatory programme left unfunded",
        tiny({"mandatory": True, "min_units": 2}, {}),
        bad={"q": {"c1": 5}},
        good={"p": {"c1": 2}, "q": {"c1": 5}},
        problem="programme p: 0 units, below its min_units 2",
        spend=70,
    ),
]
IDS = [c.rule for c in CASES]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_check_catches_each_broken_rule(case: Case) -> None:
    loaded = case.loaded()
    with pytest.raises(VerificationError) as caught:
        hand_result(loaded, case.bad, case.bug)
    assert problems(caught.value) == [case.problem]
    fixed = hand_result(loaded, case.good, case.good_bug)
    assert fixed.spend == pytest.approx(case.spend, rel=1e-12)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_cases_depend_on_the_check(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the independent check switched off, every broken allocation goes through:
    each case above fails for the check's sake, not for some other error on the way."""
    monkeypatch.setattr(result, "check_hard_constraints", lambda *args: [])
    hand_result(case.loaded(), case.bad, case.bug)  # no VerificationError


def test_every_problem_the_check_reports_has_a_case() -> None:
    """Each message of the check (the catalogue texts it says its problems with) matches
    some case's problem, so a rule added to the check without a case here fails this
    test."""
    parts = (
        result.check_hard_constraints,
        result._cell_problems,
        result._unit_problems,
        result._money_problems,
    )  # the check and the helpers it is split into
    source = "".join(inspect.getsource(part) for part in parts)
    keys = re.findall(r'Text\(\s*"(val\.check\.[a-z_]+)"', source)
    assert len(keys) == len(set(keys)) >= 12
    templates = [texts("en")[key] for key in keys]
    missing = []
    for template in templates:
        literal = re.split(r"\{[^}]*\}", template)
        pattern = ".+?".join(re.escape(part) for part in literal)
        if not any(re.match(pattern, c.problem) for c in CASES):
            missing.append(template)
    # The read-back clips a solver's negative units to 0, so no solution can show them.
    assert missing == ["programme {id}: negative units {v}"]


# --------------------------------------------------------------------------- exit 1, no plan
def write_scenario(tmp_path: Path, data: dict[str, Any]) -> Path:
    """The scenario as a file (JSON is YAML too)."""
    path = tmp_path / "s.yaml"
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return path


def test_a_solve_failing_the_check_exits_1_and_writes_no_plan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The solver's answer is doctored to spend twice the budget: the command says it is
    a bug, exits 1, prints no plan and writes neither the JSON nor the workbook."""
    data = tiny_data(
        total=100,
        clusters=[tiny_cluster("c1", 1000)],
        programmes=[tiny_programme("p", "d1", 10, youth=1.0)],
    )
    path = write_scenario(tmp_path, data)
    real = pipeline.solve_model

    def doctored(model: Model, *args: Any, **kwargs: Any) -> Solution:
        solution = real(model, *args, **kwargs)
        assert solution.values[0] == pytest.approx(10)  # the plan: 10 units, all the money
        solution.values[0] = 20.0
        return solution

    monkeypatch.setattr(pipeline, "solve_model", doctored)
    json_out, xlsx_out = tmp_path / "r.json", tmp_path / "r.xlsx"
    run = runner.invoke(app, ["solve", str(path), "--json", str(json_out), "-o", str(xlsx_out)])
    assert run.exit_code == 1, run.output
    assert run.stdout == ""
    assert run.stderr.splitlines() == [
        "error: " + LEAD,
        "  total spend 200 exceeds budget.total 100",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]


# --------------------------------------------------------------------------- exit 4
@pytest.mark.skipif("glpk" in SOLVERS, reason="GLPK is installed here")
def test_a_missing_solver_exits_4(tmp_path: Path) -> None:
    path = write_scenario(
        tmp_path,
        tiny_data(
            total=100,
            clusters=[tiny_cluster("c1", 1000)],
            programmes=[tiny_programme("p", "d1", 10, youth=1.0)],
        ),
    )
    json_out = tmp_path / "r.json"
    run = runner.invoke(app, ["solve", str(path), "--solver", "glpk", "--json", str(json_out)])
    assert run.exit_code == 4, run.output
    assert run.stdout == ""
    assert run.stderr.splitlines() == [
        f"error: solver 'glpk' is not installed here (available: {', '.join(available_solvers())})"
    ]
    assert not json_out.exists()


def split_matrix() -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """What each of 4 departments pays for each of 30 programmes (1-99), and the halves."""
    a = np.random.default_rng(0).integers(1, 100, size=(4, 30))
    return a, a.sum(axis=1) // 2


def market_split(*, exact: bool) -> dict[str, Any]:
    """30 whole programmes of at most one unit, each co-funded by four departments in
    random proportions, and each department held to half of what all of them would cost it
    (a "market split" problem: Cornuejols and Dawande, 1999).

    exact=True: each department must spend exactly that half (budget = min_spend). No
    allocation does: the instance is checked to have no solution (by meet in the middle,
    2 x 2^15 sums), so no solver can ever find one, and HiGHS does not prove it in a minute.
    exact=False: the budgets are only caps and soft targets ask for the half (a metric
    per department): doing nothing is a solution, the best one is as hard to prove.
    """
    a, half = split_matrix()
    departments, targets = [], []
    for i, b in enumerate(half.tolist()):
        departments.append(
            tiny_department(f"d{i}", budget=float(b), min_spend=float(b) if exact else None)
        )
        if not exact:
            targets.append({"id": f"t{i}", "kind": "metric", "metric": f"m{i}", "at_least": b})
    programmes = [
        tiny_programme(
            f"p{j}",
            "d0",
            float(a[:, j].sum()),
            integer=True,
            max_units=1,
            cofunding={f"d{i}": float(a[i, j] / a[:, j].sum()) for i in range(4)},
            outputs={f"m{i}": float(a[i, j]) for i in range(4)},
        )
        for j in range(30)
    ]
    return tiny_data(
        total=float(a.sum()),
        clusters=[tiny_cluster("c1", 1000)],
        programmes=programmes,
        departments=departments,
        targets=targets,
        objective="minimize_spend",
        sid="split",
    )


def test_the_market_split_instance_has_no_exact_solution() -> None:
    """Guards the guard: no 0/1 choice of the 30 programmes splits all four exactly."""
    a, half = split_matrix()
    bits = (np.arange(2**15)[:, None] >> np.arange(15)) & 1
    left = {tuple(v) for v in (bits @ a[:, :15].T).tolist()}
    right = half - bits @ a[:, 15:].T
    assert not any(tuple(v) in left for v in right.tolist())
    data = market_split(exact=True)
    assert [d["budget"] for d in data["departments"]] == half.tolist()


NO_SOLUTION_DETAIL = {
    "highs": "final: HiGHS model status Time limit reached",
    "cbc": "final: Not Solved",
}


@pytest.mark.parametrize("solver", [s for s in SOLVERS if s in NO_SOLUTION_DETAIL])
def test_a_time_limit_without_a_solution_exits_4(tmp_path: Path, solver: str) -> None:
    path = write_scenario(tmp_path, market_split(exact=True))
    json_out, xlsx_out = tmp_path / "r.json", tmp_path / "r.xlsx"
    run = runner.invoke(
        app,
        ["solve", str(path), "--solver", solver, "--time-limit", "0.3"]
        + ["--json", str(json_out), "-o", str(xlsx_out)],
    )
    assert run.exit_code == 4, run.output
    assert run.stdout == ""
    assert run.stderr.splitlines() == [
        f"error: {path}: {solver} found no solution within the time limit of 0.3 s "
        f"({NO_SOLUTION_DETAIL[solver]})"
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]


def test_a_time_limited_mip_with_a_solution_is_feasible_not_optimal() -> None:
    """HiGHS stops at the limit holding a plan it cannot prove best: the result, its
    JSON and the stage the limit cut short all say `feasible`, and the plan is verified."""
    r = solve_scenario(tiny_loaded(market_split(exact=False)), SolveOptions(time_limit=0.3))
    assert r.status == Status.FEASIBLE
    assert to_json(r)["status"] == "feasible"
    assert (r.stages[0].label, r.stages[0].status) == ("priority 1", "feasible")
    assert r.stages[0].objective > 0  # no exact split exists: the targets stay short


# --------------------------------------------------------------------------- marginal sentences
def entry(
    youth: float,
    *,
    gains: tuple[tuple[int, float, float], ...] = (),
    department: str | None = None,
    error: str | None = None,
    final_gain: float = 0.0,
) -> MarginalValue:
    """A marginal-value entry as `analysis.marginal_values` writes it (extra 1500), read
    back from its JSON."""
    m: dict[str, Any] = {
        "source": "total_budget" if department is None else "department",
        "department": department and department.lower(),
        "name": department or "total budget",
        "extra": 1500.0,
    }
    if error is not None:
        # A re-solve that failed: no figures, the reason instead (analysis.marginal_values).
        reason = NOT_EXACT_REASONS[NotExact.RESOLVE_FAILED].format(error=error)
        figures = dict.fromkeys(MARGINAL_FIGURES)
        return MarginalValue.from_json(
            m
            | figures
            | {"exact": False, "reason": reason, "reason_code": "resolve_failed"}
            | {"error": error}
        )
    stages = [
        {"priority": p, "before": b, "after": a, "improvement": b - a, "per_unit": (b - a) / 1500}
        for p, b, a in gains
    ]
    # a priority stage that did not move, and the final stage, are never "brought closer"
    stages += [
        {"priority": 9, "before": 0.5, "after": 0.5, "improvement": 0.0, "per_unit": 0.0},
        {
            "final": "maximize_weighted_reach",
            "before": 10.0,
            "after": 10.0 + final_gain,
            "improvement": final_gain,
            "per_unit": final_gain / 1500,
        },
    ]
    return MarginalValue.from_json(m | {"stages": stages, "youth_reached": youth})


def printed(m: MarginalValue) -> str:
    """The entry's line as the terminal prints it (`solve --marginal`)."""
    console = Console(record=True, width=10_000)
    print_marginal(console, [m], "COP millions")
    return console.export_text().splitlines()[1].strip()


TWO_GAINS = ((1, 0.125, 0.0625), (2, 0.5, 0.25))
#: (branch, entry, terminal (en), workbook en, workbook es)
SENTENCES = [
    (
        "re-solve failed",
        entry(0, error="highs found no solution"),
        "1,500 more (COP millions) for the total budget: not computed: the re-solve failed "
        "(highs found no solution).",
        "1,500 more (COP millions) for the total budget: not computed: the re-solve failed "
        "(highs found no solution).",
        "Con 1.500 más (millones de COP) en el presupuesto total: no se calculó: no se pudo "
        "volver a resolver (highs found no solution).",
    ),
    (
        "closer, so fewer youth",
        entry(-2300, gains=TWO_GAINS, department="Culture"),
        "1,500 more (COP millions) for Culture first brings higher-priority targets closer "
        "(priority-1 shortfall 0.125 → 0.0625, priority-2 shortfall 0.5 → 0.25), so it "
        "reaches about 2,300 fewer young people.",
        "1,500 more (COP millions) for Culture first brings higher-priority targets closer "
        "(priority-1 shortfall 0.125 → 0.0625, priority-2 shortfall 0.5 → 0.25), so it "
        "reaches about 2,300 fewer young people.",
        "Con 1.500 más (millones de COP) en el techo de «Culture» primero se acercan las "
        "metas de mayor prioridad (déficit de la prioridad 1: 0,125 → 0,0625, déficit de "
        "la prioridad 2: 0,5 → 0,25), así que se alcanzan unos 2.300 jóvenes menos.",
    ),
    (
        "closer and more youth",
        entry(40.25, gains=TWO_GAINS[:1], final_gain=40.25),
        "1,500 more (COP millions) for the total budget brings higher-priority targets "
        "closer (priority-1 shortfall 0.125 → 0.0625) and reaches about 40 more young "
        "people.",
        "1,500 more (COP millions) for the total budget brings higher-priority targets "
        "closer (priority-1 shortfall 0.125 → 0.0625) and reaches about 40 more young "
        "people.",
        "Con 1.500 más (millones de COP) en el presupuesto total se acercan las metas de "
        "mayor prioridad (déficit de la prioridad 1: 0,125 → 0,0625) y se alcanzan unos 40 "
        "jóvenes más.",
    ),
    (
        "closer, no more youth",
        entry(0.4, gains=TWO_GAINS[1:], department="Culture"),
        "1,500 more (COP millions) for Culture brings higher-priority targets closer "
        "(priority-2 shortfall 0.5 → 0.25) and reaches no more young people.",
        "1,500 more (COP millions) for Culture brings higher-priority targets closer "
        "(priority-2 shortfall 0.5 → 0.25) and reaches no more young people.",
        "Con 1.500 más (millones de COP) en el techo de «Culture» se acercan las metas de "
        "mayor prioridad (déficit de la prioridad 2: 0,5 → 0,25) y no se alcanzan más jóvenes.",
    ),
    (
        "not what limits",
        entry(-0.4),
        "1,500 more (COP millions) for the total budget reaches no more young people: this "
        "money is not what limits the result.",
        "1,500 more (COP millions) for the total budget reaches no more young people: this "
        "money is not what limits the result.",
        "Con 1.500 más (millones de COP) en el presupuesto total no se alcanzan más jóvenes: "
        "este dinero no es lo que limita el resultado.",
    ),
    (
        "fewer youth, no target closer",
        entry(-3, department="Culture"),
        "1,500 more (COP millions) for Culture reaches about 3 fewer young people: this "
        "money is not what limits the result.",
        "1,500 more (COP millions) for Culture reaches about 3 fewer young people: this "
        "money is not what limits the result.",
        "Con 1.500 más (millones de COP) en el techo de «Culture» se alcanzan unos 3 jóvenes "
        "menos: este dinero no es lo que limita el resultado.",
    ),
    (
        "more youth",
        entry(1234.5, department="Culture", final_gain=1234.5),
        "1,500 more (COP millions) for Culture reaches about 1,235 more young people.",
        "1,500 more (COP millions) for Culture reaches about 1,235 more young people.",
        "Con 1.500 más (millones de COP) en el techo de «Culture» se alcanzan unos 1.235 "
        "jóvenes más.",
    ),
]


@pytest.mark.parametrize(
    ("m", "terminal", "english", "spanish"),
    [s[1:] for s in SENTENCES],
    ids=[s[0] for s in SENTENCES],
)
def test_every_marginal_sentence(
    m: MarginalValue, terminal: str, english: str, spanish: str
) -> None:
    assert printed(m) == terminal
    assert Labels("en", "COP millions").marginal_sentence(m) == english
    assert Labels("es", "COP millions").marginal_sentence(m) == spanish


def test_more_money_can_reach_fewer_youth_for_more_weighted_coverage() -> None:
    """The case of the bug below is real: one more unit of money buys a whole programme
    in a cluster of weight 3 instead of 100 single places in a cluster of weight 1."""
    data = tiny_data(
        total=100,
        clusters=[tiny_cluster("c1", 1000, weight=3), tiny_cluster("c2", 1000)],
        programmes=[
            tiny_programme("p", "d1", 101, clusters=["c1"], youth=40, integer=True),
            tiny_programme("q", "d1", 1, clusters=["c2"], youth=1),
        ],
    )
    # Whole numbers by hand: youth reached are participations here (capped at the
    # population), not the distinct-youth curve.
    loaded = tiny_loaded({**data, "reach_model": "participations"})
    (m,) = solve_with_marginal_values(loaded).marginal_values
    assert (m.extra, m.youth_reached, m.weighted_coverage) == (1, -60, 20)
    assert [s.priority for s in m.stages or ()] == [None]  # no target to bring closer


def test_a_sentence_does_not_call_money_idle_when_the_final_objective_rose() -> None:
    m = entry(-60, final_gain=20)
    assert "not what limits" not in printed(m)
    assert "not what limits" not in Labels("en", "COP millions").marginal_sentence(m)
    assert "no es lo que limita" not in Labels("es", "COP millions").marginal_sentence(m)
    # It says what the money did instead (1 more buys a whole programme in a cluster of
    # weight 3: weighted coverage 100 -> 120, 60 fewer young people).
    assert printed(m) == (
        "1,500 more (COP millions) for the total budget raises the final objective "
        "(weighted coverage: 10 → 30), but it reaches about 60 fewer young people."
    )
    assert Labels("es", "COP millions").marginal_sentence(m) == (
        "Con 1.500 más (millones de COP) en el presupuesto total mejora el objetivo final "
        "(cobertura ponderada: 10 → 30), pero se alcanzan unos 60 jóvenes menos."
    )
    # The lowest coverage reads as a percentage, a large weighted coverage with one decimal.
    low = dataclasses.replace(
        m,
        stages=tuple(
            dataclasses.replace(g, final="maximize_min_coverage", before=0.3085, after=0.3121)
            if g.final
            else g
            for g in m.stages or ()
        ),
    )
    assert "(lowest coverage of a prioritized cluster: 30.85% → 31.21%)" in printed(low)
    big = dataclasses.replace(
        m,
        stages=tuple(
            dataclasses.replace(g, before=38994.8905, after=38996.27) if g.final else g
            for g in m.stages or ()
        ),
    )
    assert "(cobertura ponderada: 38.994,9 → 38.996,3)" in Labels(
        "es", "COP millions"
    ).marginal_sentence(big)
