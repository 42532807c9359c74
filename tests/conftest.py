"""Shared test helpers.

Tiny-scenario builders (the `tiny_*` functions and `random_scenario_data`) are plain
functions so that test modules can import them (`from conftest import tiny_scenario`)
and Hypothesis tests can use them without function-scoped fixtures. A scenario is built
as plain data, validated with `Scenario.model_validate` and wrapped in `LoadedScenario`,
exactly what `loader.load_scenario` would return for the same YAML.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import tempfile
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st

from pazos_budget.errors import PazosBudgetError, VerificationError
from pazos_budget.loader import LoadedScenario
from pazos_budget.pipeline import ScenarioInfeasible, solve_scenario
from pazos_budget.result import to_json
from pazos_budget.scenario import COMPONENT_IDS, Scenario
from pazos_budget.solve import SolveOptions, available_solvers

# --------------------------------------------------------------------------- solvers
#: Every solver installed here; every solve test runs on each (linopy's test_optimization).
SOLVERS: list[str] = available_solvers()


@pytest.fixture(params=SOLVERS)
def solver(request: pytest.FixtureRequest) -> str:
    """The name of one installed solver; tests using it run once per solver."""
    return str(request.param)


#: PuLP 3.3 warns on every CBC solve that its API changes in PuLP 4.0 (pyproject pins
#: pulp<3.4). pytest turns warnings into errors, so solve tests ignore exactly these two;
#: `test_solve_known.test_cbc_solve_emits_no_warning` keeps the problem visible.
PULP_4_DEPRECATIONS = [
    pytest.mark.filterwarnings("ignore:Constructing LpVariable.*:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:PULP_CBC_CMD is deprecated.*:DeprecationWarning"),
]


# --------------------------------------------------------------------------- tiny scenarios
def tiny_cluster(
    cid: str, population: int, *, weight: float = 1.0, prioritized: bool = True
) -> dict[str, Any]:
    return {
        "id": cid,
        "name": cid.upper(),
        "youth_population": population,
        "weight": weight,
        "prioritized": prioritized,
    }


def tiny_department(
    did: str,
    *,
    budget: float | None = None,
    min_spend: float | None = None,
    goals: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {"id": did, "name": did.title()}
    if budget is not None:
        out["budget"] = budget
    if min_spend is not None:
        out["min_spend"] = min_spend
    if goals:
        out["goals"] = goals
    return out


def tiny_programme(
    pid: str,
    department: str,
    unit_cost: float,
    *,
    component: str = "prevention",
    clusters: str | list[str] = "all",
    youth: float | dict[str, float] = 0.0,
    **extra: Any,
) -> dict[str, Any]:
    """A programme; `extra` takes any other field (fixed_cost, min_units, outputs, ...)."""
    return {
        "id": pid,
        "name": pid.title(),
        "department": department,
        "component": component,
        "unit_cost": unit_cost,
        "clusters": clusters,
        "youth_per_unit": youth,
        **extra,
    }


def tiny_data(
    *,
    total: float,
    clusters: list[dict[str, Any]],
    programmes: list[dict[str, Any]],
    departments: list[dict[str, Any]] | None = None,
    targets: list[dict[str, Any]] | None = None,
    objective: str | None = None,
    sid: str = "tiny",
    reach_model: str | None = None,
) -> dict[str, Any]:
    """Scenario data with one department `d1` unless `departments` are given."""
    data: dict[str, Any] = {
        "scenario": {"id": sid, "name": f"Tiny {sid}", "year": 2024, "language": "en"},
        "budget": {"total": total},
        "clusters": clusters,
        "departments": departments or [tiny_department("d1")],
        "programmes": programmes,
        "targets": targets or [],
    }
    if objective is not None:
        data["objective"] = objective
    if reach_model is not None:
        data["reach_model"] = reach_model
    return data


def tiny_loaded(data: dict[str, Any]) -> LoadedScenario:
    """Validate scenario data and wrap it as if it had been loaded from `<id>.yaml`."""
    scenario = Scenario.model_validate(data)
    raw = json.dumps(data, sort_keys=True).encode()
    return LoadedScenario(
        scenario, Path(f"{scenario.scenario.id}.yaml"), hashlib.sha256(raw).hexdigest(), data
    )


def tiny_scenario(**kwargs: Any) -> LoadedScenario:
    """`tiny_data(**kwargs)`, validated and wrapped."""
    return tiny_loaded(tiny_data(**kwargs))


#: Counterexamples that properties and thorough runs found, one scenario a file; each file's
#: "_about" says where it was found and what it shows.
FOUND = Path(__file__).resolve().parent / "data" / "found"


def found(name: str) -> dict[str, Any]:
    """The scenario data of `tests/data/found/<name>.json` without its "_about", read
    anew at each call: a fresh copy a test may change."""
    data: dict[str, Any] = json.loads((FOUND / f"{name}.json").read_text(encoding="utf-8"))
    del data["_about"]  # every file says where it came from; a scenario has no such key
    return data


def write_package(tmp_path: Path, files: Mapping[str, str]) -> Path:
    """A throw-away `pazos_budget` package of the given files (name -> source, dedented),
    for the tests that break a source check on purpose and see it fail."""
    root = tmp_path / "pazos_budget"
    root.mkdir()
    for name, text in files.items():
        (root / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def tiny_solve_json(loaded: LoadedScenario, solver: str) -> dict[str, Any]:
    """Solve on `solver` and return the machine-readable result."""
    return to_json(solve_scenario(loaded, SolveOptions(solver=solver)))


# --------------------------------------------------------------------------- known bugs
class KnownSolveBug(Exception):
    """A failure with the signature of a reported bug, each pinned by a strict xfail in
    test_solve_known.py (section "known bugs"). Random tests skip such examples, so that
    they keep failing only on what is new; drop a signature once its bug is fixed."""


#: VerificationError lines that only say the final objective fell a hair below the
#: solver's: a near-zero one lost its sliver of units to result.py's snapping
#: (test_hold_slack_sliver_is_no_verification_error), or a CBC hold loosened to 1e-6 let
#: the tie-break take what the check's own 1e-6 allows (test_fractional_optimum_...).
_COVERAGE = re.compile(
    r"final stage: recomputed weighted coverage (\S+) is below the solver's (\S+)"
)
#: ... or that a sliver of a min_units programme slipped in with y ~ 0
#: (test_hold_slack_sliver_of_a_min_units_programme).
_MIN_UNITS_SLIVER = re.compile(r"programme \S+: (\S+) units, below its min_units")


def _hair(recomputed: float, solver: float) -> bool:
    return solver < 1e-3 or solver - recomputed <= 2e-6 * max(1.0, solver)


def solve_json_or_none(loaded: LoadedScenario, solver: str) -> dict[str, Any] | None:
    """The JSON result, or None when the scenario is infeasible.

    Raises KnownSolveBug for a failure that matches a reported CBC bug (the bundled CBC
    2.10.3 read through PuLP's 8-digit values): CBC calling a scenario infeasible that
    another installed solver solves, or returning a plan the independent check refuses
    (a column above its bound, a budget or a held stage optimum broken) where another
    solver gives a verified answer. HiGHS gets no such allowance: every HiGHS failure
    fails the test.
    """
    others = [s for s in SOLVERS if s != solver]
    try:
        return tiny_solve_json(loaded, solver)
    except ScenarioInfeasible:
        for other in others if solver == "cbc" else []:
            try:
                tiny_solve_json(loaded, other)
            except PazosBudgetError:
                continue
            raise KnownSolveBug(f"{solver} says infeasible, {other} solves it") from None
        return None
    except VerificationError as e:
        lines = [ln.strip() for ln in str(e).splitlines()[1:]]
        if solver == "cbc" and lines and all("reaches more youth than live" in ln for ln in lines):
            raise KnownSolveBug("CBC 2.10.3 returned a column above its bound") from e
        if solver == "cbc" and _another_answers(loaded, others):
            # test_cbc_plan_over_budget_of_an_infeasible_scenario and
            # test_cbc_final_stage_undoes_a_held_priority_optimum: CBC hands back a plan
            # the check refuses where another solver gives a verified answer (a plan, or
            # a proof that there is none).
            raise KnownSolveBug("CBC 2.10.3 returned a plan the check refuses") from e
        raise


def _another_answers(loaded: LoadedScenario, others: list[str]) -> bool:
    """Another solver solves the scenario with a verified plan, or proves it infeasible."""
    for other in others:
        try:
            tiny_solve_json(loaded, other)
        except ScenarioInfeasible:
            return True
        except PazosBudgetError:
            continue
        return True
    return False


# --------------------------------------------------------------------------- JSON readers
def json_programme(doc: dict[str, Any], pid: str) -> dict[str, Any]:
    return next(p for p in doc["programmes"] if p["id"] == pid)


def json_target(doc: dict[str, Any], tid: str) -> dict[str, Any]:
    return next(t for t in doc["targets"] if t["id"] == tid)


def json_department(doc: dict[str, Any], did: str) -> dict[str, Any]:
    return next(d for d in doc["departments"] if d["id"] == did)


def json_stage_values(doc: dict[str, Any]) -> list[float]:
    return [float(s["objective"]) for s in doc["stages"]]


# --------------------------------------------------------------------------- random scenarios
_NICE_COSTS = [1.0, 2.0, 2.5, 3.0, 4.0, 5.0, 8.0, 10.0, 12.0, 20.0]
_NICE_WEIGHTS = [0.0, 0.5, 1.0, 2.0, 3.0]
_METRIC = "mediations"


@st.composite
def random_scenario_data(draw: st.DrawFn, scoped: bool = False) -> dict[str, Any]:
    """Plain data of a small random scenario (1-4 clusters, 1-3 departments,
    1-6 programmes, 0-4 targets). Mostly valid; callers validate and `assume` it.

    `scoped` leans on what revision 2 changed: cofunded programmes are common and the
    targets are department-scoped youth_reach and spend_share rows.

    Numbers are small and "nice" (integers and halves) so that optima are well
    separated and float noise cannot reorder lexicographic stages.
    """
    cluster_ids, clusters = _random_clusters(draw)
    total = float(draw(st.integers(20, 300)))
    dept_ids, departments = _random_departments(draw, total)
    n_prog = draw(st.integers(1, 6))
    programmes = [_random_programme(draw, i, cluster_ids, dept_ids, scoped) for i in range(n_prog)]
    targets = _random_targets(draw, cluster_ids, departments, programmes, scoped)
    objective = draw(
        st.sampled_from(["maximize_weighted_reach", "minimize_spend", "maximize_min_coverage"])
    )
    return tiny_data(
        total=total,
        clusters=clusters,
        programmes=programmes,
        departments=departments,
        targets=targets,
        objective=objective,
        sid="random",
        reach_model=draw(st.sampled_from(["distinct", "participations"])),
    )


def _random_clusters(draw: st.DrawFn) -> tuple[list[str], list[dict[str, Any]]]:
    n_cl = draw(st.integers(1, 4))
    cluster_ids = [f"c{i + 1}" for i in range(n_cl)]
    clusters = [
        tiny_cluster(
            cid,
            draw(st.integers(10, 400)),
            weight=draw(st.sampled_from(_NICE_WEIGHTS)),
            prioritized=draw(st.booleans()) if i else True,  # at least one prioritized
        )
        for i, cid in enumerate(cluster_ids)
    ]
    return cluster_ids, clusters


def _random_departments(draw: st.DrawFn, total: float) -> tuple[list[str], list[dict[str, Any]]]:
    n_dep = draw(st.integers(1, 3))
    dept_ids = [f"d{i + 1}" for i in range(n_dep)]
    departments = []
    for did in dept_ids:
        budget = draw(st.one_of(st.none(), st.integers(10, 200).map(float)))
        min_spend = None
        if draw(st.integers(0, 9)) == 0:  # rare: a minimum spend can make it infeasible
            cap = budget if budget is not None else total
            min_spend = float(draw(st.integers(0, int(cap // 4))))
        departments.append(tiny_department(did, budget=budget, min_spend=min_spend))
    return dept_ids, departments


def _random_programme(
    draw: st.DrawFn, i: int, cluster_ids: list[str], dept_ids: list[str], scoped: bool
) -> dict[str, Any]:
    owner = draw(st.sampled_from(dept_ids))
    where = draw(st.sampled_from(["all", "some", "city"]))
    if where == "all":
        prog_clusters: str | list[str] = "all"
        runs = cluster_ids
    elif where == "some":
        runs = draw(st.lists(st.sampled_from(cluster_ids), min_size=1, unique=True))
        prog_clusters = runs
    else:
        prog_clusters, runs = [], []
    youth: float | dict[str, float]
    per_cluster = draw(st.booleans())
    if runs and per_cluster:
        youth = {c: float(draw(st.integers(0, 20))) for c in runs}
    else:
        youth = float(draw(st.integers(0, 20)))
    extra = _random_programme_options(draw, owner, dept_ids, scoped)
    return tiny_programme(
        f"p{i + 1}",
        owner,
        draw(st.sampled_from(_NICE_COSTS)),
        component=draw(st.sampled_from(COMPONENT_IDS)),
        clusters=prog_clusters,
        youth=youth,
        **extra,
    )


def _random_programme_options(
    draw: st.DrawFn, owner: str, dept_ids: list[str], scoped: bool
) -> dict[str, Any]:
    """integer, and now and then fixed_cost, min/max_units, mandatory, outputs, cofunding."""
    integer = draw(st.booleans())
    extra: dict[str, Any] = {"integer": integer}
    if draw(st.integers(0, 3)) == 0:
        extra["fixed_cost"] = float(draw(st.integers(1, 30)))
    min_units = 0.0
    if draw(st.integers(0, 3)) == 0:
        min_units = float(draw(st.integers(1, 5)))
        extra["min_units"] = min_units
    if draw(st.booleans()):
        extra["max_units"] = min_units + float(draw(st.integers(0, 15)))
    if draw(st.integers(0, 7)) == 0:
        extra["mandatory"] = True
    if draw(st.integers(0, 2)) == 0:
        extra["outputs"] = {_METRIC: float(draw(st.integers(1, 10)))}
    if len(dept_ids) > 1 and draw(st.integers(0, 1 if scoped else 3)) == 0:
        other = draw(st.sampled_from([d for d in dept_ids if d != owner]))
        share = draw(st.sampled_from([0.25, 0.5, 0.75]))
        extra["cofunding"] = {owner: share, other: 1.0 - share}
    return extra


def _random_targets(
    draw: st.DrawFn,
    cluster_ids: list[str],
    departments: list[dict[str, Any]],
    programmes: list[dict[str, Any]],
    scoped: bool,
) -> list[dict[str, Any]]:
    """0-4 targets: the scenario's own, or a department's goals (added to `departments`)."""
    dept_ids = [d["id"] for d in departments]
    n_targets = draw(st.integers(0, 4))
    targets = []
    for j in range(n_targets):
        goal_of = draw(
            st.sampled_from(dept_ids) if scoped else st.one_of(st.none(), st.sampled_from(dept_ids))
        )
        t = _random_target(draw, j, goal_of, cluster_ids, dept_ids, programmes, scoped)
        if goal_of is None:
            targets.append(t)
        else:
            dept = next(d for d in departments if d["id"] == goal_of)
            dept.setdefault("goals", []).append(t)
    return targets


def _random_target(
    draw: st.DrawFn,
    j: int,
    owner: str | None,
    cluster_ids: list[str],
    dept_ids: list[str],
    programmes: list[dict[str, Any]],
    scoped: bool,
) -> dict[str, Any]:
    kinds = ["youth_reach", "metric", "spend_share", "component_presence"]
    kind = draw(st.sampled_from(kinds[::2] if scoped else kinds))
    t: dict[str, Any] = {
        "id": f"t{j}",
        "kind": kind,
        "priority": draw(st.integers(1, 3)),
        "weight": draw(st.sampled_from([0.5, 1.0, 2.0])),
        "hard": draw(st.integers(0, 9)) == 0,
    }
    if (owner is None or scoped) and draw(st.integers(0, 1 if scoped else 2)) == 0:
        t["departments"] = draw(
            st.lists(st.sampled_from(dept_ids), min_size=1, max_size=2, unique=True)
        )
    if draw(st.integers(0, 2)) == 0:
        t["clusters"] = draw(
            st.lists(st.sampled_from(cluster_ids), min_size=1, max_size=2, unique=True)
        )
    comps = sorted({p["component"] for p in programmes})
    t.update(_random_target_amounts(draw, kind, comps))
    return t


def _random_target_amounts(draw: st.DrawFn, kind: str, comps: list[str]) -> dict[str, Any]:
    """What a target of `kind` asks for (its share, amount, metric or components)."""
    t: dict[str, Any] = {}
    if kind == "youth_reach":
        if draw(st.booleans()):
            t["share"] = draw(st.sampled_from([0.05, 0.1, 0.25, 0.5]))
        else:
            t["at_least"] = float(draw(st.integers(1, 100)))
    elif kind == "metric":
        t["metric"] = draw(st.sampled_from([_METRIC, "youth"]))
        t["at_least"] = float(draw(st.integers(1, 200)))
    elif kind == "spend_share":
        t["components"] = [draw(st.sampled_from(comps))]
        key = draw(st.sampled_from(["at_least", "at_most"]))
        t[key] = draw(st.sampled_from([0.1, 0.25, 0.5, 0.75]))
    else:
        t["components"] = draw(st.lists(st.sampled_from(comps), min_size=1, unique=True))
        t["at_least_units"] = float(draw(st.integers(1, 3)))
    return t


# CI runs a fresh clone with no example database: derandomize there, so that CI runs the
# same examples as a local `CI=true make test` and a green run stays green.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

#: `PAZOS_HYPOTHESIS=thorough` (README, Development): the properties that compare the
#: optimizer with an independent formulation run this many examples each, per solver,
#: instead of their few dozen (a run of an hour or so, not for CI).
THOROUGH_EXAMPLES = 1000


def examples(n: int) -> int:
    """`n` examples, or THOROUGH_EXAMPLES under `PAZOS_HYPOTHESIS=thorough`."""
    mode = os.environ.get("PAZOS_HYPOTHESIS", "")
    if mode not in ("", "thorough"):
        raise ValueError(f"PAZOS_HYPOTHESIS={mode!r}: only 'thorough' is known")
    return THOROUGH_EXAMPLES if mode == "thorough" else n


# --------------------------------------------------------------------------- shipped files
ROOT = Path(__file__).resolve().parents[1]
#: Every shipped scenario and example: the tests solve each one as a user would.
SHIPPED = sorted([*ROOT.glob("scenarios/*.yaml"), *ROOT.glob("examples/*.yaml")])
#: Examples that teach infeasibility: they must exit 3 with a diagnosis.
SHIPPED_INFEASIBLE = {"infeasible.yaml"}
#: The shipped scenarios whose solve alone takes over about 20 s on two cores (README,
#: Development: the `slow` marker).
SLOW_SHIPPED = frozenset({"palmira-2023-recorte-10.yaml", "palmira-2023-sin-ciclorruta.yaml"})


def shipped_params(paths: list[Path], slow: frozenset[str] = SLOW_SHIPPED) -> list[Any]:
    """`paths` as test parameters, those named in `slow` marked `slow`."""
    return [pytest.param(p, marks=pytest.mark.slow) if p.name in slow else p for p in paths]


@dataclass(frozen=True)
class CliSolve:
    exit_code: int
    output: str
    doc: dict[str, Any]


_CLI_SOLVES: dict[Path, CliSolve] = {}


def cli_solve_alone(path: Path) -> CliSolve:
    """`pazos-budget solve PATH -q --json FILE` of one shipped file, run once per session:
    the reference that compare and sweep must reproduce (tests/test_batch.py)."""
    if path not in _CLI_SOLVES:
        from typer.testing import CliRunner

        from pazos_budget.cli import app

        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "result.json"
            run = CliRunner().invoke(app, ["solve", str(path), "-q", "--json", str(out)])
            doc = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
        _CLI_SOLVES[path] = CliSolve(run.exit_code, run.output, doc)
    return _CLI_SOLVES[path]


def without_timings(doc: dict[str, Any]) -> dict[str, Any]:
    """A result@1 document without what may differ between two runs of one solve: the
    solver's seconds (and a sweep point's own `scale` / `budget` key)."""
    copy = json.loads(json.dumps(doc))
    copy["solver"].pop("seconds", None)
    copy.pop("scale", None)
    copy.pop("budget", None)
    return copy


def console_script() -> str:
    """The installed `pazos-budget` command, beside this Python (the suite runs in the
    project's .venv, where `make test` installs it)."""
    script = Path(sys.executable).with_name("pazos-budget")
    assert script.exists(), f"no console script at {script}: install the project first"
    return str(script)


def invoke_cli(*args: str) -> Any:
    """`pazos-budget ARGS...` in-process: it may exit with any code, but never with an
    exception other than SystemExit, nor print a traceback (hostile-input tests)."""
    from typer.testing import CliRunner

    from pazos_budget.cli import app

    run = CliRunner().invoke(app, list(args))
    assert run.exception is None or isinstance(run.exception, SystemExit), run.output
    assert "Traceback" not in run.output
    return run
