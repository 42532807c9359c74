"""Plan against execution through the year, and the rest of the year re-optimized.

`review` takes the adopted plan (a result@1 document whose scenario hash must match the
scenario's), what has been executed so far (`execution.Execution`) and reports, by
programme, department, cluster and target, planned against executed; then it solves the
rest of the year with what is executed held:

- executed units are lower bounds: a programme with executed units is funded (it is
  `mandatory` in the remainder) and keeps at least those units in every cell
  (`min_units_per_cluster`, or `min_units` for a city-wide programme). A cap that the
  execution already passed (`max_units`, a per-cluster maximum) is raised to what was
  delivered, with a located warning: a unit delivered is not undone;
- money spent is counted as recorded. The model prices a programme's units at its
  `unit_cost` (plus its fixed cost once it is funded); the difference between what was
  recorded and that price for the executed units (the overrun; negative when the
  execution came cheaper) is money that is gone, so it is taken from every envelope the
  programme draws on (the total, each funder's budget and minimum spend, by cofunding
  share). The units still to deliver are priced at the scenario's unit cost. So a
  programme's year spend is its recorded spend plus `unit_cost` x the units still to do
  (plus its fixed cost if it starts only now).

The remainder is solved by the same model and verified like a solve (`result.py` checks
the remainder scenario); `check_review` then checks, independently of the model, that
every executed cell is held and that the year's spend, recomputed from the allocation and
the recorded spend, is within the scenario's own envelopes. Spending beyond an envelope
is never refused: it is a located warning, and the infeasible remainder is diagnosed.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__
from .errors import Problem, ScenarioError, VerificationError
from .execution import Execution
from .files import read_input_bytes
from .findings import (
    MONEY_KINDS,
    Alternative,
    Finding,
    FindingKind,
    Money,
    RestatedKind,
)
from .i18n import number, texts
from .json_document import Positions, parse_json
from .loader import LoadedScenario
from .messages import Joined, Num, Text
from .model import CommitmentKind, build_model
from .pipeline import ScenarioInfeasible, solve_scenario
from .result import (
    SCHEMA as RESULT_SCHEMA,
)
from .result import (
    Result,
    _clean,
    build_result,
    to_json,
    unsolved_json,
    within,
)
from .scenario import Scenario, TargetKind
from .solve import Solution, SolveOptions, Status
from .tolerances import CHECK_TOLERANCE, RECORD_NOISE, TIE_MARGIN, UNSHOWN_MONEY, WRITTEN_WHOLE

SCHEMA = "pazos-budget/review@1"
#: A plan file larger than this is refused (a result@1 of a national scenario is far less).
MAX_PLAN_BYTES = 200 * 1024 * 1024
CITY = None  # the cluster of a city-wide programme's cell
PAZOS = "pazos"


class TargetStatus(StrEnum):
    MET = "met"  # the executed part alone meets it
    ON_TRACK = "on_track"  # the re-optimized year meets it
    UNREACHABLE = "unreachable"  # not even the re-optimized year does (or it is infeasible)


Cellkey = tuple[str, str | None]


# --------------------------------------------------------------------------- the plan
@dataclass(frozen=True)
class Plan:
    """The adopted plan: its document as read and its allocation."""

    path: str
    sha256: str  # of the file's bytes
    document: dict[str, Any]
    units: dict[Cellkey, float]  # (programme, cluster or None) -> units


def load_plan(path: Path, loaded: LoadedScenario) -> Plan:
    """Read PLAN.json, a result@1 of this very scenario (same sha256), or a ScenarioError
    (exit 2) that says what is wrong, both hashes when the scenario is another."""
    import hashlib

    name = str(path)
    at: Positions = {}

    def fail(message: str, where: str = "") -> ScenarioError:
        """A problem of the plan, at the line and column of its value `where`."""
        line, col = at.get(where, (0, 0)) if where else (0, 0)
        return ScenarioError([Problem(name, line, col, "", message)])

    raw = read_input_bytes(
        path,
        name,
        what=Text("val.what.plan"),
        text="JSON",
        limit=MAX_PLAN_BYTES,
        missing=Text("val.file.missing"),
    )
    try:
        # "utf-8-sig": a plan re-saved by Windows Notepad starts with a byte-order mark.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise fail(Text("val.plan.utf8", byte=e.start)) from e
    # Read with where each value is, so that a problem deep in the plan is pointed at (the
    # JSON reader's own, English, words follow the colon of a syntax error).
    doc, found = parse_json(text, name)
    at.update(found)
    if not isinstance(doc, dict) or doc.get("schema") != RESULT_SCHEMA:
        got = doc.get("schema") if isinstance(doc, dict) else None
        what = Text("val.plan.schema", schema=repr(got)) if got else Text("val.plan.no_schema")
        where = "schema" if isinstance(doc, dict) and "schema" in doc else ""
        raise fail(Text("val.plan.not_a_plan", expected=RESULT_SCHEMA, got=what), where)
    scenario = doc.get("scenario") if isinstance(doc.get("scenario"), dict) else {}
    theirs = scenario.get("sha256") if isinstance(scenario, dict) else None
    if theirs != loaded.sha256:
        raise fail(
            Text(
                "val.plan.other_scenario",
                theirs=theirs or Text("val.plan.missing"),
                path=str(loaded.path),
                ours=loaded.sha256,
            ),
            "scenario.sha256" if theirs else "scenario" if "scenario" in doc else "",
        )
    if doc.get("status") not in (Status.OPTIMAL.value, Status.FEASIBLE.value):
        where = "status" if "status" in doc else ""
        raise fail(Text("val.plan.no_allocation", status=str(doc.get("status"))), where)
    units = _plan_units(doc, loaded.scenario, fail)
    return Plan(name, hashlib.sha256(raw).hexdigest(), doc, units)


def _plan_units(
    doc: dict[str, Any], s: Scenario, fail: Callable[[str, str], ScenarioError]
) -> dict[Cellkey, float]:
    """The plan's allocation, (programme, cluster or None) -> units, checked against `s`."""
    by_id = {p.id: p for p in s.programmes}
    units: dict[Cellkey, float] = {}
    entries = doc.get("programmes")
    if not isinstance(entries, list):
        raise fail(Text("val.plan.programmes"), "programmes" if "programmes" in doc else "")
    for k, entry in enumerate(entries):
        at = f"programmes[{k}]"
        if not isinstance(entry, dict) or entry.get("id") not in by_id:
            where = f"{at}.id" if isinstance(entry, dict) and "id" in entry else at
            raise fail(Text("val.plan.not_ours", at=at), where)
        p = by_id[entry["id"]]
        clusters = entry.get("clusters")
        total = entry.get("units")
        if not isinstance(clusters, dict) or not _number(total):
            bad = "clusters" if not isinstance(clusters, dict) else "units"
            where = f"{at}.{bad}" if bad in entry else at
            raise fail(Text("val.plan.units", at=at), where)
        if s.programme_clusters(p):
            for cid, u in clusters.items():
                at_cell = f"{at}.clusters.{cid}"
                if cid not in s.programme_clusters(p):
                    raise fail(Text("val.plan.cluster", at=at_cell), at_cell)
                if not _number(u):
                    raise fail(Text("val.plan.cell_units", at=at_cell), at_cell)
                if u < 0:  # hand-edited: the independent check would call it a bug
                    raise fail(Text("val.plan.negative", at=at_cell, units=Num(u)), at_cell)
                if u:
                    units[(p.id, cid)] = float(u)
        elif total:
            if total < 0:
                raise fail(Text("val.plan.negative", at=at, units=Num(total)), f"{at}.units")
            units[(p.id, CITY)] = float(total)
    return units


def _number(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


# --------------------------------------------------------------------------- evaluation
def evaluate(loaded: LoadedScenario, units: dict[Cellkey, float], *, verify: bool) -> Result:
    """Every figure of an allocation (units per cell) recomputed by `result.py`, as for a
    solve; with `verify`, its hard constraints checked too."""
    s = loaded.scenario
    model = build_model(s)
    index = {c: k for k, c in enumerate(s.cluster_ids)}
    pos = {
        (int(model.cell_programme[k]), int(model.cell_cluster[k])): k for k in range(model.n_cells)
    }
    prog = {p.id: i for i, p in enumerate(s.programmes)}
    values = np.zeros(model.n_cols)
    funded = np.zeros(len(s.programmes), dtype=bool)
    for (pid, cid), u in units.items():
        i = prog[pid]
        values[pos[(i, -1 if cid is None else index[cid])]] = u
        funded[i] |= u > 0
    for i, col in model.y_col.items():
        values[col] = 1.0 if funded[i] or s.programmes[i].mandatory else 0.0
    solution = Solution(Status.FEASIBLE, values, [], "evaluation", 0.0, 0.0)
    return build_result(loaded, model, solution, verify=verify)


# --------------------------------------------------------------------------- remainder
@dataclass(frozen=True)
class Shift:
    """The money that execution has already settled beyond the model's price of it."""

    programme: dict[str, float]  # overrun per programme (recorded - modelled cost)
    cell: dict[Cellkey, float]  # recorded - unit_cost x units, per cell
    department: dict[str, float]  # cofunding-weighted sum of the programmes' overruns
    total: float


def overruns(s: Scenario, execution: Execution) -> Shift:
    """Recorded spend against the model's price of the executed units: per cell
    `spend - unit_cost x units`; per programme the same less its fixed cost once it has
    delivered a unit (the fixed cost is paid, and recorded, when it starts)."""
    by_id = {p.id: p for p in s.programmes}
    cell = {k: sp - by_id[k[0]].unit_cost * u for k, (u, sp) in execution.cells().items()}
    programme: dict[str, float] = {}
    for pid, (u, sp) in execution.programme_totals().items():
        p = by_id[pid]
        programme[pid] = sp - p.unit_cost * u - (p.fixed_cost if u > 0 else 0.0)
    department: dict[str, float] = {}
    for pid, over in programme.items():
        for dep, share in by_id[pid].funders().items():
            department[dep] = department.get(dep, 0.0) + share * over
    return Shift(programme, cell, department, math.fsum(programme.values()))


def remainder_scenario(s: Scenario, execution: Execution) -> tuple[Scenario, Shift]:
    """The scenario of the rest of the year: executed units held, recorded money gone."""
    shift = overruns(s, execution)
    cells = execution.cells()
    totals = execution.programme_totals()
    programmes = []
    for p in s.programmes:
        units = totals.get(p.id, (0.0, 0.0))[0]
        if units <= 0:
            programmes.append(p)
            continue
        update: dict[str, Any] = {"mandatory": True}
        if p.max_units is not None and units > p.max_units:
            update["max_units"] = units
        if s.programme_clusters(p):
            mins = s.per_cluster(p, "min")
            caps = s.per_cluster(p, "max")
            for (pid, cid), (u, _) in cells.items():
                if pid != p.id or cid is None or u <= 0:
                    continue
                mins[cid] = max(mins.get(cid, 0.0), u)
                if cid in caps and u > caps[cid]:
                    caps[cid] = u
            update["min_units_per_cluster"] = mins
            if caps:
                update["max_units_per_cluster"] = caps
        else:
            update["min_units"] = max(p.min_units, units)
        programmes.append(p.model_copy(update=update))
    departments = []
    for d in s.departments:
        over = shift.department.get(d.id, 0.0)
        update = {}
        if d.budget is not None:
            update["budget"] = d.budget - over
        if d.min_spend is not None:
            update["min_spend"] = max(0.0, d.min_spend - over)
        departments.append(d.model_copy(update=update) if update else d)
    budget = s.budget.model_copy(update={"total": s.budget.total - shift.total})
    scenario = s.model_copy(
        update={"programmes": programmes, "departments": departments, "budget": budget}
    )
    return scenario, shift


def whole_year(remainder: Result, s: Scenario, shift: Shift, execution: Execution) -> Result:
    """The remainder's result in the scenario's own terms: the year's spend at the recorded
    spend (the overruns added back) and the scenario's own envelopes."""
    by_dep = {d.id: d for d in s.departments}
    cl_over: dict[str, float] = {}
    for (_, cid), over in shift.cell.items():
        if cid is not None:
            cl_over[cid] = cl_over.get(cid, 0.0) + over
    del execution
    programmes = [
        dataclasses.replace(pr, spend=pr.spend + shift.programme.get(pr.id, 0.0))
        for pr in remainder.programmes
    ]
    departments = [
        dataclasses.replace(
            d,
            spend=d.spend + shift.department.get(d.id, 0.0),
            budget=by_dep[d.id].budget,
            min_spend=by_dep[d.id].min_spend,
        )
        for d in remainder.departments
    ]
    clusters = [
        dataclasses.replace(c, spend=c.spend + cl_over.get(c.id, 0.0)) for c in remainder.clusters
    ]
    return dataclasses.replace(
        remainder,
        scenario=s,
        programmes=programmes,
        departments=departments,
        clusters=clusters,
        budget=s.budget.total,
        spend=remainder.spend + shift.total,
    )


def check_review(s: Scenario, execution: Execution, year: Result) -> list[str]:
    """The review's own hard constraints, from the allocation and the recorded spend alone
    (not from the model): every executed cell is held, and the year's spend (recorded,
    plus unit cost x the units still to do, plus a fixed cost that starts only now) is
    what is reported and within the total and every envelope."""
    problems: list[str] = []
    held = {pr.id: pr for pr in year.programmes}
    spent = execution.programme_totals()
    for (pid, cid), (u, _) in execution.cells().items():
        pr = held[pid]
        got = pr.units if cid is None else pr.clusters.get(cid, 0.0)
        if not within(got, u):
            where = "city-wide" if cid is None else f"in {cid}"
            problems.append(f"programme {pid}: {got:g} units {where}, below the {u:g} executed")
    spend: dict[str, float] = {}
    for p in s.programmes:
        pr = held[p.id]
        done_units, recorded = spent.get(p.id, (0.0, 0.0))
        starts_now = done_units <= 0 and pr.funded  # its fixed cost is paid this year
        spend[p.id] = (
            recorded + p.unit_cost * (pr.units - done_units) + (p.fixed_cost if starts_now else 0.0)
        )
        if not within(pr.spend, spend[p.id]) or not within(pr.spend, spend[p.id], True):
            problems.append(
                f"programme {p.id}: reported year spend {pr.spend:,.6g}, recomputed "
                f"{spend[p.id]:,.6g}"
            )
    total = math.fsum(spend.values())
    if not within(total, s.budget.total, at_most=True):
        problems.append(f"year spend {total:,.6g} exceeds budget.total {s.budget.total:,.6g}")
    for d in s.departments:
        mine = math.fsum(spend[p.id] * p.funders().get(d.id, 0.0) for p in s.programmes)
        if d.budget is not None and not within(mine, d.budget, at_most=True):
            problems.append(f"department {d.id}: year spend {mine:,.6g} exceeds {d.budget:,.6g}")
        if d.min_spend and not within(mine, d.min_spend):
            problems.append(f"department {d.id}: year spend {mine:,.6g} below {d.min_spend:,.6g}")
    if not within(year.spend, total) or not within(year.spend, total, True):
        problems.append(f"reported year spend {year.spend:,.6g}, recomputed {total:,.6g}")
    return problems


# --------------------------------------------------------------------------- the review
@dataclass
class ProgrammeReview:
    id: str
    name: str
    department: str
    unit: str
    unit_cost: float
    planned_units: float
    planned_spend: float
    executed_units: float
    executed_spend: float  # as recorded
    overrun: float  # recorded - the model's price of the executed units
    year_units: float | None  # the re-optimized year (None when infeasible)
    year_spend: float | None


@dataclass
class DepartmentReview:
    id: str
    name: str
    budget: float | None
    planned_spend: float
    executed_spend: float  # cofunding-weighted, as recorded
    year_spend: float | None


@dataclass
class ClusterReview:
    id: str
    name: str
    prioritized: bool
    youth_population: int
    planned_spend: float
    executed_spend: float  # as recorded, in the cluster's cells
    planned_youth: float
    executed_youth: float
    year_youth: float | None
    year_spend: float | None


@dataclass
class CityWideReview:
    """The spend in no cluster: city-wide programmes and fixed costs, so that the clusters
    and this add up to the totals."""

    planned_spend: float
    executed_spend: float  # as recorded in the city-wide cells
    year_spend: float | None


@dataclass
class RowReview:
    key: str
    required: float
    planned: float
    executed: float
    year: float | None


@dataclass
class TargetReview:
    id: str
    name: str
    owner: str
    kind: TargetKind
    priority: int
    hard: bool
    status: TargetStatus
    planned_met: bool  # whether the adopted plan met it
    rows: list[RowReview]


@dataclass
class Review:
    loaded: LoadedScenario
    plan: Plan
    execution: Execution
    planned: Result  # the plan's allocation, recomputed and verified
    executed: Result  # the executed units alone (figures only; not a plan)
    year: Result | None  # the re-optimized whole year, or None when infeasible
    remainder_document: dict[str, Any]  # result@1 of the whole year (or its diagnosis)
    diagnosis: list[Finding] | None
    shift: Shift
    programmes: list[ProgrammeReview]
    departments: list[DepartmentReview]
    clusters: list[ClusterReview]
    city_wide: CityWideReview
    targets: list[TargetReview]
    warnings: list[ExecutionWarning] = field(default_factory=list)

    @property
    def scenario(self) -> Scenario:
        return self.loaded.scenario

    @property
    def infeasible(self) -> bool:
        return self.year is None

    @property
    def executed_spend(self) -> float:
        return math.fsum(sp for _, sp in self.execution.cells().values())


class WarningKind(StrEnum):
    """What an execution has already passed (a limit of the scenario)."""

    TOTAL_BUDGET = "total_budget"
    DEPARTMENT_BUDGET = "department_budget"
    MAX_UNITS = "max_units"
    CLUSTER_MAX = "cluster_max"
    MAX_CHANGE = "max_change"
    POPULATION = "population"
    REPEATED_ROW = "repeated_row"  # not a limit: a row the same as an earlier one


@dataclass(frozen=True)
class ExecutionWarning:
    """A located warning: by the row at `where`, the execution passed `limit`."""

    where: str  # the cell, `FILE:ROW:COL` or `FILE.xlsx:SHEET!CELL`
    kind: WarningKind
    subject: str  # department or programme id ("" for the total budget)
    name: str  # its display name
    cluster: str | None  # the cluster's id (per-cluster limits), else None
    amount: float  # spend recorded or units delivered by that row
    limit: float
    message: str  # in English, as the terminal prints it
    repeats: str = ""  # a repeated row: where the row it repeats is

    def __str__(self) -> str:
        return f"{self.where}: warning: {self.message}"

    @property
    def field(self) -> str:
        """The execution file's column the warning is about (its message starts with it)."""
        return self.message.split(":", 1)[0]


def execution_warnings(s: Scenario, execution: Execution) -> list[ExecutionWarning]:
    """Where the execution has passed a limit, each once, at the row that passed it: the
    total budget or a department's envelope (spend), a programme's maximum units,
    per-cluster maximum or maximum change, or a cluster's youth population (units); and
    each row identical to an earlier one (a row entered twice is counted twice)."""
    out: list[ExecutionWarning] = []
    cur = s.scenario.currency
    by_id = {p.id: p for p in s.programmes}
    departments = {d.id: d for d in s.departments}
    pops = {c.id: c.youth_population for c in s.clusters}
    dep_spend: dict[str, float] = {}
    prog_units: dict[str, float] = {}
    cell_units: dict[Cellkey, float] = {}
    total = 0.0
    warned: set[tuple[WarningKind, str, str | None]] = set()

    def warn(
        kind: WarningKind,
        where: str,
        subject: str,
        name: str,
        cluster: str | None,
        amount: float,
        limit: float,
        message: str,
    ) -> None:
        if (kind, subject, cluster) not in warned:
            warned.add((kind, subject, cluster))
            out.append(
                ExecutionWarning(where, kind, subject, name, cluster, amount, limit, message)
            )

    seen: dict[tuple[str, str | None, float, float, str | None], str] = {}
    for line in execution.lines:
        p = by_id[line.programme]
        at_spend, at_units = line.spend_where or line.where, line.units_where or line.where
        # Rows of one cell add up (a dated log of deliveries), so a row pasted twice
        # would double its cell without a word: an identical row is said, and counted.
        same = (line.programme, line.cluster, line.units, line.spend, line.date)
        if same in seen:
            out.append(
                ExecutionWarning(
                    line.where,
                    WarningKind.REPEATED_ROW,
                    p.id,
                    p.name,
                    line.cluster,
                    line.units,
                    line.spend,
                    f"programme: this row repeats the row at {seen[same]} (same programme, "
                    "cluster, units, spend and date); both are counted: if it was entered "
                    "twice, delete one",
                    seen[same],
                )
            )
        seen.setdefault(same, line.where)
        total += line.spend
        if total > s.budget.total * (1 + CHECK_TOLERANCE):
            warn(
                WarningKind.TOTAL_BUDGET,
                at_spend,
                "",
                "",
                None,
                total,
                s.budget.total,
                f"spend: the spend recorded by this row, {total:,.6g} ({cur}), passes the "
                f"total budget of {s.budget.total:,.6g}; the rest of the year is diagnosed",
            )
        for dep, share in p.funders().items():
            dep_spend[dep] = dep_spend.get(dep, 0.0) + share * line.spend
            d = departments[dep]
            if d.budget is not None and dep_spend[dep] > d.budget * (1 + CHECK_TOLERANCE):
                warn(
                    WarningKind.DEPARTMENT_BUDGET,
                    at_spend,
                    d.id,
                    d.name,
                    None,
                    dep_spend[dep],
                    d.budget,
                    f"spend: department {d.name} ({d.id}) has recorded "
                    f"{dep_spend[dep]:,.6g} by this row, beyond its envelope of "
                    f"{d.budget:,.6g} ({cur}); the rest of the year is diagnosed",
                )
        units = prog_units[p.id] = prog_units.get(p.id, 0.0) + line.units
        key = (p.id, line.cluster)
        here = cell_units[key] = cell_units.get(key, 0.0) + line.units
        if p.max_units is not None and units > p.max_units + RECORD_NOISE:
            warn(
                WarningKind.MAX_UNITS,
                at_units,
                p.id,
                p.name,
                None,
                units,
                p.max_units,
                f"units: programme {p.id} has delivered {_units(units)} by this row, above "
                f"its max_units {p.max_units:g}; the rest of the year keeps them (a unit "
                "delivered is not undone)",
            )
        bounds = s.change_bounds(p)
        if bounds is not None and units > bounds[1] + RECORD_NOISE:
            warn(
                WarningKind.MAX_CHANGE,
                at_units,
                p.id,
                p.name,
                None,
                units,
                bounds[1],
                f"units: programme {p.id} has delivered {_units(units)} by this row, above "
                f"the {bounds[1]:g} its maximum change allows; the rest of the year is "
                "diagnosed",
            )
        if line.cluster is None:
            continue
        cap = s.per_cluster(p, "max").get(line.cluster)
        if cap is not None and here > cap + RECORD_NOISE:
            warn(
                WarningKind.CLUSTER_MAX,
                at_units,
                p.id,
                p.name,
                line.cluster,
                here,
                cap,
                f"units: programme {p.id} has delivered {_units(here)} in {line.cluster}, "
                f"above its per-cluster maximum {cap:g}; the rest of the year keeps them",
            )
        pop = pops[line.cluster]
        if s.youth_per_unit(p, line.cluster) * here > pop * (1 + CHECK_TOLERANCE):
            warn(
                WarningKind.POPULATION,
                at_units,
                p.id,
                p.name,
                line.cluster,
                here,
                pop,
                f"units: programme {p.id} has delivered {_units(here)} in {line.cluster}, "
                f"for more youth than live there ({pop:,}); the rest of the year is diagnosed",
            )
    return out


def review(
    loaded: LoadedScenario,
    plan: Plan,
    execution: Execution,
    options: SolveOptions | None = None,
) -> Review:
    """Planned against executed, and the rest of the year re-optimized and verified."""
    options = options or SolveOptions()
    s = loaded.scenario
    try:
        planned = evaluate(loaded, plan.units, verify=True)
    except VerificationError as e:
        raise ScenarioError(
            [
                Problem(plan.path, 0, 0, "", Text("val.plan.breaks", detail=Joined(broken, "; ")))
                for broken in [e.violations or (str(e),)]
            ]
        ) from e
    cells = execution.cells()
    executed_units = {k: u for k, (u, _) in cells.items() if u > 0}
    # The executed part alone: a mandatory programme nobody has started has not paid its
    # fixed cost yet.
    unstarted = s.model_copy(
        update={"programmes": [p.model_copy(update={"mandatory": False}) for p in s.programmes]}
    )
    executed = evaluate(
        dataclasses.replace(loaded, scenario=unstarted), executed_units, verify=False
    )
    warnings = execution_warnings(s, execution)
    rest, shift = remainder_scenario(s, execution)
    year: Result | None = None
    diagnosis: list[Finding] | None = None
    try:
        solved = solve_scenario(dataclasses.replace(loaded, scenario=rest), options)
    except ScenarioInfeasible as e:
        diagnosis = restate_diagnosis(e.diagnosis, s, shift, execution)
        remainder_document = unsolved_json(
            loaded, Status.INFEASIBLE, options.solver, diagnosis=diagnosis
        )
    else:
        year = whole_year(solved, s, shift, execution)
        problems = check_review(s, execution, year)
        if problems:
            raise VerificationError(
                "the independent check of the review found the re-optimized year violating "
                "what is executed or an envelope (please report this bug):\n  "
                + "\n  ".join(problems)
            )
        remainder_document = to_json(year)
    return Review(
        loaded=loaded,
        plan=plan,
        execution=execution,
        planned=planned,
        executed=executed,
        year=year,
        remainder_document=remainder_document,
        diagnosis=diagnosis,
        shift=shift,
        programmes=_programmes(s, planned, execution, shift, year),
        departments=_departments(s, planned, execution, year),
        clusters=_clusters(s, planned, executed, execution, year),
        city_wide=_city_wide(planned, execution, year),
        targets=_targets(planned, executed, year),
        warnings=warnings,
    )


def _programmes(
    s: Scenario, planned: Result, execution: Execution, shift: Shift, year: Result | None
) -> list[ProgrammeReview]:
    done = execution.programme_totals()
    out = []
    for i, p in enumerate(s.programmes):
        pl = planned.programmes[i]
        u, sp = done.get(p.id, (0.0, 0.0))
        yr = year.programmes[i] if year is not None else None
        out.append(
            ProgrammeReview(
                p.id,
                p.name,
                p.department,
                p.unit,
                p.unit_cost,
                pl.units,
                pl.spend,
                u,
                sp,
                shift.programme.get(p.id, 0.0),
                None if yr is None else yr.units,
                None if yr is None else yr.spend,
            )
        )
    return out


def _departments(
    s: Scenario, planned: Result, execution: Execution, year: Result | None
) -> list[DepartmentReview]:
    done = execution.programme_totals()
    out = []
    for j, d in enumerate(s.departments):
        executed = math.fsum(
            done.get(p.id, (0.0, 0.0))[1] * p.funders().get(d.id, 0.0) for p in s.programmes
        )
        out.append(
            DepartmentReview(
                d.id,
                d.name,
                d.budget,
                planned.departments[j].spend,
                executed,
                None if year is None else year.departments[j].spend,
            )
        )
    return out


def _clusters(
    s: Scenario, planned: Result, executed: Result, execution: Execution, year: Result | None
) -> list[ClusterReview]:
    recorded: dict[str, list[float]] = {}
    for (_, cid), (_, sp) in execution.cells().items():
        if cid is not None:
            recorded.setdefault(cid, []).append(sp)
    out = []
    for k, c in enumerate(s.clusters):
        out.append(
            ClusterReview(
                c.id,
                c.name,
                c.prioritized,
                c.youth_population,
                planned.clusters[k].spend,
                math.fsum(recorded.get(c.id, [])),
                planned.clusters[k].youth_reached,
                executed.clusters[k].youth_reached,
                None if year is None else year.clusters[k].youth_reached,
                None if year is None else year.clusters[k].spend,
            )
        )
    return out


def _city_wide(planned: Result, execution: Execution, year: Result | None) -> CityWideReview:
    """What is spent in no cluster: the total less the clusters' spend (city-wide
    programmes and fixed costs); executed, the spend recorded without a cluster."""

    def outside(r: Result) -> float:
        return _clean(r.spend - math.fsum(c.spend for c in r.clusters))

    return CityWideReview(
        outside(planned),
        math.fsum(sp for (_, cid), (_, sp) in execution.cells().items() if cid is None),
        None if year is None else outside(year),
    )


def _targets(planned: Result, executed: Result, year: Result | None) -> list[TargetReview]:
    out = []
    for k, t in enumerate(planned.targets):
        ex = executed.targets[k]
        yr = year.targets[k] if year is not None else None
        # A share of spend is the year's: what is still to be spent moves it either way
        # (with nothing spent yet, every share target holds), so the executed part alone
        # never settles it. Every other target only grows with what is delivered.
        if ex.met and t.kind != TargetKind.SPEND_SHARE:
            status = TargetStatus.MET
        elif yr is not None and yr.met:
            status = TargetStatus.ON_TRACK
        else:
            status = TargetStatus.UNREACHABLE
        ex_rows = {r.key: r for r in ex.rows}
        yr_rows = {r.key: r for r in yr.rows} if yr is not None else {}
        rows = [
            RowReview(
                r.key,
                r.required,
                r.achieved,
                ex_rows[r.key].achieved if r.key in ex_rows else 0.0,
                yr_rows[r.key].achieved if r.key in yr_rows else None,
            )
            for r in t.rows
        ]
        out.append(
            TargetReview(t.id, t.name, t.owner, t.kind, t.priority, t.hard, status, t.met, rows)
        )
    return out


# --------------------------------------------------------------------------- diagnosis
MONEY_FINDINGS = MONEY_KINDS


#: A finding about units already delivered (the remainder's minimum units of a started
#: programme): they cannot give, so a limit of the scenario must.
EXECUTED_UNITS = RestatedKind.EXECUTED_UNITS


def restate_diagnosis(
    findings: Sequence[Finding], s: Scenario, shift: Shift, execution: Execution
) -> list[Finding]:
    """The remainder's diagnosis in the scenario's own amounts.

    The remainder's envelopes are the scenario's less the overruns (`remainder_scenario`);
    a finding about money is restated against the scenario's envelope, counting the spend
    recorded: the amount that must give is the same, the envelope is the one the user
    wrote. A finding that the minimum units of a started programme must give is about
    units already delivered (`executed_units`): what must change is a limit that does not
    let them stand. Other findings are kept as they are."""
    cur = s.scenario.currency
    cells = execution.cells()
    totals = execution.programme_totals()
    out = []
    for f in findings:
        if f.kind == CommitmentKind.MANDATORY_MIN_UNITS and f.subject in totals:
            key = f.key or None
            done = (
                totals[f.subject][0] if key is None else cells.get((f.subject, key), (0.0, 0.0))[0]
            )
            if done > 0 and abs(f.committed - done) <= TIE_MARGIN * max(1.0, done):
                f = f.restated(kind=EXECUTED_UNITS)
                f = f.restated(message=_executed_sentence(f, s))
        if f.kind in MONEY_FINDINGS:
            # The envelope as the user wrote it, not the remainder's plus the overrun:
            # the remainder's is rounded at its own size, which may be far larger.
            own = _own_amount(s, f.kind, f.subject)
            if own is None:
                own = f.committed + _overrun(shift, f.kind, f.subject)
            gives = f.violation if f.kind != CommitmentKind.DEPARTMENT_MIN_SPEND else -f.violation
            f = f.restated(committed=_clean(own), possible=_clean(own + gives))
            f = f.restated(message=_money_sentence(f, cur))
        alternatives = []
        for a in f.alternatives:
            if a.kind in MONEY_FINDINGS and a.to is not None:
                a = dataclasses.replace(a, to=_clean(a.to + _overrun(shift, a.kind, a.subject)))
                a = dataclasses.replace(a, label=_money_label(a, cur))
            alternatives.append(a)
        out.append(f.restated(alternatives=tuple(alternatives)))
    return out


def _own_amount(s: Scenario, kind: FindingKind, subject: str) -> float | None:
    """The scenario's own amount of a money commitment (None if it has none)."""
    if kind == CommitmentKind.TOTAL_BUDGET:
        return s.budget.total
    d = next((d for d in s.departments if d.id == subject), None)
    if d is None:
        return None
    return d.budget if kind == CommitmentKind.DEPARTMENT_BUDGET else d.min_spend


def _overrun(shift: Shift, kind: FindingKind, subject: str) -> float:
    """What the spend recorded took beyond the plan from this money commitment."""
    if kind == CommitmentKind.TOTAL_BUDGET:
        return shift.total
    return shift.department.get(subject, 0.0)


def _units(x: float, written: Callable[[float], str] = lambda x: f"{x:g}") -> str:
    """A count of units as a sentence says it: "1 unit", "2 units", "1.5 units"."""
    text = written(x)
    return f"{text} unit" if text == "1" else f"{text} units"


def _num(x: float) -> str:
    return f"{x:,.0f}" if abs(x - round(x)) < WRITTEN_WHOLE else f"{x:,.2f}"


def _money_sentence(f: Finding, cur: str) -> str:
    e = f.violation
    if f.kind == CommitmentKind.TOTAL_BUDGET:
        return (
            f"The total budget of {_num(f.committed)} ({cur}) must grow by at least "
            f"{_num(e)} (to {_num(f.possible)}) for the rest of the year to meet every hard "
            "commitment, counting the spend recorded so far."
        )
    if f.kind == CommitmentKind.DEPARTMENT_BUDGET:
        return (
            f"Department {f.name}: with the spend recorded so far, its commitments for the "
            f"year need {_num(e)} more than its envelope of {_num(f.committed)} ({cur})."
        )
    return (
        f"Department {f.name} can spend at most {_num(f.possible)} of its minimum spend "
        f"of {_num(f.committed)} ({cur}) this year, counting the spend recorded so far."
    )


def _executed_sentence(f: Finding, s: Scenario) -> str:
    p = next(p for p in s.programmes if p.id == f.subject)
    unit = "" if p.unit == "unit" else f" ({p.unit})"
    where = ""
    if f.key:
        where = " in " + next(c.name for c in s.clusters if c.id == f.key)
    because = {Money.LIMITS: " with this budget", Money.PARTLY: " with this budget"}.get(
        f.money, ", even with more money" if f.money == Money.NO else ""
    )
    return (
        f"Programme “{p.name}”: {_units(f.committed, _num)}{unit} "
        f"{'is' if _num(f.committed) == '1' else 'are'} already delivered{where}, "
        f"but the rest of the year's commitments let only {_num(f.possible)} stand{because}; "
        "a unit delivered is not undone, so a limit of the scenario (maximum units, maximum "
        "change, a cluster's population) or a hard commitment must change."
    )


def _money_label(a: Alternative, cur: str) -> str:
    amount, to = _num(a.amount or 0.0), _num(a.to or 0.0)
    if a.kind == CommitmentKind.TOTAL_BUDGET:
        return f"raise the total budget by {amount} (to {to}; {cur})"
    if a.kind == CommitmentKind.DEPARTMENT_BUDGET:
        return f"raise the envelope of {a.name} by {amount} (to {to}; {cur})"
    return f"lower the minimum spend of {a.name} by {amount} (to {to}; {cur})"


# --------------------------------------------------------------------------- JSON
def _pct(done: float, planned: float) -> float | None:
    return _clean(done / planned) if planned > 0 else None


def review_json(r: Review) -> dict[str, Any]:
    """The machine-readable review (`pazos-budget/review@1`, docs/model.md)."""
    s = r.scenario

    def opt(x: float | None) -> float | None:
        return None if x is None else _clean(x)

    planned_total = r.planned.spend
    return {
        "schema": SCHEMA,
        "pazos_budget_version": __version__,
        "scenario": {"id": s.scenario.id, "name": s.scenario.name, "sha256": r.loaded.sha256},
        "plan_file": {"path": r.plan.path, "sha256": r.plan.sha256},
        "execution_file": {
            "path": r.execution.source,
            "sha256": r.execution.sha256,
            "rows": len(r.execution.lines),
        },
        "status": Status.INFEASIBLE.value if r.infeasible else r.remainder_document["status"],
        "warnings": [
            {
                "where": w.where,
                "kind": w.kind.value,
                "subject": w.subject,
                "cluster": w.cluster,
                "amount": _clean(w.amount),
                "limit": _clean(w.limit),
                "message": w.message,
                **({"repeats": w.repeats} if w.repeats else {}),
            }
            for w in r.warnings
        ],
        "executed": [
            {"programme": pid, "cluster": cid, "units": _clean(u), "spend": _clean(sp)}
            for (pid, cid), (u, sp) in r.execution.cells().items()
        ],
        "totals": {
            "budget": _clean(s.budget.total),
            "planned_spend": _clean(planned_total),
            "executed_spend": _clean(r.executed_spend),
            "executed_share": _pct(r.executed_spend, planned_total),
            "overrun": _clean(r.shift.total),
            "year_spend": None if r.year is None else _clean(r.year.spend),
        },
        "programmes": [
            {
                "id": p.id,
                "name": p.name,
                "department": p.department,
                "planned_units": _clean(p.planned_units),
                "executed_units": _clean(p.executed_units),
                "executed_units_share": _pct(p.executed_units, p.planned_units),
                "units_variance": _clean(p.executed_units - p.planned_units),
                "planned_spend": _clean(p.planned_spend),
                "executed_spend": _clean(p.executed_spend),
                "executed_spend_share": _pct(p.executed_spend, p.planned_spend),
                "spend_variance": _clean(p.executed_spend - p.planned_spend),
                "overrun": _clean(p.overrun),
                "year_units": opt(p.year_units),
                "year_spend": opt(p.year_spend),
            }
            for p in r.programmes
        ],
        "departments": [
            {
                "id": d.id,
                "name": d.name,
                "budget": opt(d.budget),
                "planned_spend": _clean(d.planned_spend),
                "executed_spend": _clean(d.executed_spend),
                "executed_spend_share": _pct(d.executed_spend, d.planned_spend),
                "spend_variance": _clean(d.executed_spend - d.planned_spend),
                "year_spend": opt(d.year_spend),
            }
            for d in r.departments
        ],
        "clusters": [
            {
                "id": c.id,
                "name": c.name,
                "planned_spend": _clean(c.planned_spend),
                "executed_spend": _clean(c.executed_spend),
                "executed_spend_share": _pct(c.executed_spend, c.planned_spend),
                "spend_variance": _clean(c.executed_spend - c.planned_spend),
                "planned_youth_reached": _clean(c.planned_youth),
                "executed_youth_reached": _clean(c.executed_youth),
                "year_youth_reached": opt(c.year_youth),
                "year_spend": opt(c.year_spend),
            }
            for c in r.clusters
        ],
        "city_wide": {
            "planned_spend": _clean(r.city_wide.planned_spend),
            "executed_spend": _clean(r.city_wide.executed_spend),
            "executed_spend_share": _pct(r.city_wide.executed_spend, r.city_wide.planned_spend),
            "spend_variance": _clean(r.city_wide.executed_spend - r.city_wide.planned_spend),
            "year_spend": opt(r.city_wide.year_spend),
        },
        "targets": [
            {
                "id": t.id,
                "name": t.name,
                "owner": t.owner,
                "kind": t.kind.value,
                "priority": t.priority,
                "hard": t.hard,
                "status": t.status.value,
                "planned_met": t.planned_met,
                "rows": [
                    {
                        "key": row.key,
                        "required": _clean(row.required),
                        "planned": _clean(row.planned),
                        "executed": _clean(row.executed),
                        "year": opt(row.year),
                    }
                    for row in t.rows
                ],
            }
            for t in r.targets
        ],
        "plan": r.plan.document,
        "remainder": r.remainder_document,
        **({"diagnosis": [f.to_json() for f in r.diagnosis]} if r.diagnosis is not None else {}),
    }


def summary_lines(
    r: Review,
    lang: str = "en",
    currency: str | None = None,
    findings: Sequence[str] | None = None,
) -> list[str]:
    """What the terminal prints, in `lang`: the money, each department, each target's
    status (`review.term.*` of the catalogues); `currency` as the language names it;
    `findings` the diagnosis's findings as said in `lang` (their own messages when not
    given)."""
    s = r.scenario
    words = texts(lang)

    def said(key: str, **values: object) -> str:
        return words[f"review.term.{key}"].format(**values)

    def num(x: float) -> str:
        return number(x, 0 if abs(x - round(x)) < WRITTEN_WHOLE else 2, lang)

    cur = currency or s.scenario.currency
    share = ""
    if r.planned.spend > 0:
        part = r.executed_spend / r.planned.spend
        share = said(
            "share", share=f"{part:.1%}" if lang == "en" else f"{number(part * 100, 1, lang)} %"
        )
    overrun = ""
    if abs(r.shift.total) >= UNSHOWN_MONEY:
        way = "above" if r.shift.total > 0 else "below"
        overrun = said(f"overrun_{way}", amount=num(abs(r.shift.total)))
    rows = len(r.execution.lines)
    lines = [
        said(
            f"head.{'one' if rows == 1 else 'other'}",  # "1 fila", "2 filas"
            name=s.scenario.name,
            id=s.scenario.id,
            source=r.execution.source or said("execution"),
            rows=number(rows, 0, lang),
            plan=r.plan.path,
        ),
        said(
            "executed",
            executed=num(r.executed_spend),
            planned=num(r.planned.spend),
            currency=cur,
            share=share,
            overrun=overrun,
        ),
    ]
    for d in r.departments:
        year = "" if d.year_spend is None else said("year", amount=num(d.year_spend))
        budget = "" if d.budget is None else said("of_budget", amount=num(d.budget))
        lines.append(
            said(
                "department",
                name=d.name,
                executed=num(d.executed_spend),
                planned=num(d.planned_spend),
                year=year,
                budget=budget,
            )
        )
    if r.infeasible:
        lines.append(said("infeasible"))
        told = [f.message for f in r.diagnosis or []] if findings is None else findings
        lines += [f"  {message}" for message in told]
    counts = {st: sum(t.status == st for t in r.targets) for st in TargetStatus}
    # Spanish agrees in number ("1 cumplida", "2 cumplidas").
    statuses = ", ".join(
        said(f"count.{st.value}.{'one' if counts[st] == 1 else 'other'}", count=counts[st])
        for st in TargetStatus
    )
    lines.append(said("targets", statuses=statuses))
    for t in r.targets:
        if t.status == TargetStatus.UNREACHABLE:
            lines.append(said("unreachable", name=t.name, owner=t.owner))
    return lines
