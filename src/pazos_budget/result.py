"""The allocation, every reported figure recomputed from it, and the independent check.

Nothing here trusts the solver's objective values or the model's matrix: figures are
recomputed from the units per programme and cluster using the scenario itself, and every
hard constraint of docs/model.md: the model is checked again (1e-6 relative). A failed check
raises `VerificationError`: a bug report, never a silent answer.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import __version__
from .cells import Cells, cells, group_max
from .errors import VerificationError
from .figures import clean_figure
from .findings import Finding
from .i18n import Said, texts
from .loader import LoadedScenario
from .marginal import MarginalValue
from .messages import Num, Text
from .model import Model, Sense, hold_bound
from .reach import distinct_youth, right_slope
from .scenario import (
    ALL_CLUSTERS,
    COMPONENT_IDS,
    PAZOS_OWNER,
    YOUTH_METRIC,
    ComponentPresenceTarget,
    MetricTarget,
    Objective,
    Programme,
    Scenario,
    ServingIndex,
    SpendShareTarget,
    Target,
    TargetKind,
    Unservable,
    YouthReachTarget,
)
from .solve import Solution, Status
from .tolerances import (
    CHECK_TOLERANCE,
    CONTRACT_TOLERANCE,
    MIN_SCALE,
    NOISE,
    SNAP,
    STAGE_TOLERANCE,
)

SCHEMA = "pazos-budget/result@1"


def within(lhs: float, rhs: float, at_most: bool = False) -> bool:
    """lhs >= rhs (or <= when at_most) within the relative check tolerance."""
    slack = CHECK_TOLERANCE * max(1.0, abs(rhs))
    return lhs <= rhs + slack if at_most else lhs >= rhs - slack


# --------------------------------------------------------------------------- records
@dataclass
class ProgrammeResult:
    id: str
    name: str
    department: str
    component: str
    unit: str
    units: float
    spend: float
    funded: bool
    clusters: dict[str, float]  # cluster id -> units ({} for a city-wide programme)
    cofunding: dict[str, float]  # department -> share
    # Youth reached counted as participations (sum of youth_per_unit x units): distinct
    # youth exist per cluster only (ClusterResult.youth_reached), not per programme.
    participations: float
    limited_by: list[str] = field(default_factory=list)  # set by explain.limit_codes
    current_units: float | None = None  # this year's plan, when the scenario gives it
    current_spend: float | None = None  # its cost: unit_cost x current + fixed cost if > 0

    @property
    def youth_reached(self) -> float:
        """The programme's participations (kept for readers of the first result form)."""
        return self.participations


@dataclass
class DepartmentResult:
    id: str
    name: str
    budget: float | None
    min_spend: float | None
    spend: float
    programmes_submitted: int
    programmes_funded: int
    goals_met: int
    goals_total: int
    current_spend: float | None = None  # of the programmes with current_units

    @property
    def unspent(self) -> float | None:
        return None if self.budget is None else self.budget - self.spend


@dataclass
class ClusterResult:
    id: str
    name: str
    youth_population: int
    weight: float
    prioritized: bool
    youth_reached: float  # distinct youth under the scenario's reach model (reach.py)
    coverage: float  # youth_reached / population, in [0, 1]
    spend: float  # variable cost delivered there (fixed costs are not attributed)
    components: dict[str, float]  # component -> units delivered there
    participations: float = 0.0  # sum of youth_per_unit x units there
    # Distinct youth one more unit of money would reach here at this plan: the curve's
    # right slope at `participations` times the best youth_per_unit / unit_cost of a
    # programme that runs here and can still add a unit (0 if none).
    marginal_youth_per_money: float = 0.0


@dataclass
class RowResult:
    key: str
    required: float
    achieved: float
    shortfall: float  # in the row's own unit (youth, units, metric, share)
    relative_shortfall: float  # shortfall / scale, as in the stage objective
    met: bool
    # Why nothing in the target's scope can serve this row (Scenario.unservable), or None.
    reason: str | None = None


@dataclass
class TargetResult:
    id: str
    name: str
    owner: str  # "pazos" or a department id
    kind: TargetKind
    priority: int
    weight: float
    hard: bool
    met: bool
    weighted_shortfall: float  # weight x mean relative shortfall of the rows
    rows: list[RowResult]
    # Why the target cannot be met whatever the money: what nothing in its scope can
    # serve (Scenario.unservable, also a located warning), or None.
    reason: str | None = None
    unservable: list[Unservable] = field(default_factory=list)


class StageStatus(StrEnum):
    """How a reported stage ended (its JSON `status`, written only when not optimal)."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"  # stopped at a limit or by Ctrl-C with a plan (see its gap)
    NOT_RUN = "not_run"  # an interrupted solve never ran it


@dataclass
class StageResult:
    label: str
    priority: int | None
    final: str | None
    objective: float  # recomputed from the allocation
    solver_objective: float  # NaN for a stage not run (a solve interrupted before it)
    status: StageStatus
    gap: float | None = None  # relative MIP gap of a stage stopped at a limit


@dataclass
class Result:
    scenario: Scenario
    scenario_path: str
    sha256: str
    status: Status
    solver: str
    seconds: float
    mip_gap: float
    stages: list[StageResult]
    programmes: list[ProgrammeResult]
    departments: list[DepartmentResult]
    clusters: list[ClusterResult]
    targets: list[TargetResult]
    budget: float
    spend: float
    youth_reached: float  # distinct youth, summed over clusters (city-wide units add none)
    youth_reached_in_clusters: float  # the same sum (distinct youth live in clusters)
    weighted_coverage: float  # sum of weight x distinct youth over clusters
    participations: float = 0.0  # every programme's participations, city-wide ones too
    participations_in_clusters: float = 0.0  # those delivered in clusters
    marginal_values: list[MarginalValue] = field(default_factory=list)
    overrides: tuple[str, ...] = ()  # `--set` values applied
    base: str | None = None  # the file a variant extends
    file_sha256: str = ""  # the scenario file's own bytes (`sha256` is the resolved one's)
    solver_version: str = ""
    interrupted: bool = False  # stopped by Ctrl-C: the best plan found, stages not run listed
    notes: list[Said] = field(default_factory=list)  # what the solve said (interruption ...)
    # The solver's column values the result was built from: a warm start for re-solves of
    # the same model (marginal values); never reported, never compared.
    solution_values: NDArray[np.float64] | None = field(default=None, repr=False, compare=False)

    @property
    def unspent(self) -> float:
        return self.budget - self.spend

    @property
    def participations_city_wide(self) -> float:
        """Participations of city-wide programmes (attributed to no cluster)."""
        return self.participations - self.participations_in_clusters

    @property
    def min_coverage(self) -> float:
        """The lowest coverage over the prioritized clusters some programme can reach
        (what `maximize_min_coverage` raises); 0 if there is none."""
        reach = self.scenario.equity_cluster_ids()
        covs = [c.coverage for c in self.clusters if c.id in reach]
        return min(covs) if covs else 0.0

    @property
    def prioritized_coverage(self) -> float:
        """Share of the prioritized clusters' youth reached (distinct youth)."""
        pc = [c for c in self.clusters if c.prioritized]
        pop = sum(c.youth_population for c in pc)
        return sum(c.coverage * c.youth_population for c in pc) / pop if pop else 0.0

    def targets_met(self, owner: str | None = None) -> tuple[int, int]:
        ts = [t for t in self.targets if owner is None or t.owner == owner]
        return sum(t.met for t in ts), len(ts)


# --------------------------------------------------------------------------- allocation
def allocation_from_solution(
    model: Model, solution: Solution, tidy: bool = True
) -> tuple[dict[int, dict[int, float]], dict[int, bool]]:
    """(programme index -> {cluster index or -1: units}, programme index -> fixed cost paid);
    tidied for reading (`_tidy_cells`) unless `tidy` is false."""
    cells, paid = _tidy_cells(model, solution, tidy)
    units: dict[int, dict[int, float]] = {i: {} for i in range(len(model.scenario.programmes))}
    for k in np.flatnonzero(cells):
        units[int(model.cell_programme[k])][int(model.cell_cluster[k])] = float(cells[k])
    return units, paid


def _tidy_cells(
    model: Model, solution: Solution, tidy: bool = True
) -> tuple[NDArray[np.float64], dict[int, bool]]:
    """The solver's units per cell as reported: whole where integer, 0 where the programme
    is not funded, and (when `tidy`) whole within SNAP of a whole number and 0 below NOISE."""
    values = solution.values
    cells = values[: model.n_cells].copy()
    ints = model.integrality[: model.n_cells]
    cells = np.clip(cells, 0.0, None)
    cells[ints] = np.round(cells[ints])
    if tidy:
        near = np.abs(cells - np.round(cells)) <= SNAP * np.maximum(1.0, np.abs(cells))
        cells[near] = np.round(cells[near])
        cells[cells < NOISE] = 0.0
    paid = {i: bool(values[col] > 0.5) for i, col in model.y_col.items()}
    # A programme whose "funded" decision is 0 has no units: what the solver left there is
    # within its feasibility tolerance of u <= max_units * y.
    unfunded = np.array([i for i, funded in paid.items() if not funded], dtype=np.int64)
    if len(unfunded):
        cells[np.isin(model.cell_programme, unfunded)] = 0.0
    return cells, paid


def _tidying_effect(
    s: Scenario, model: Model, solution: Solution, tidy: bool = True
) -> dict[str, float]:
    """How much tidying the allocation (`_tidy_cells`) can lower each maximized final
    objective below the solver's value for its raw columns: each unit tidied away, times
    the youth it reached, times the cluster's weight (weighted reach) or over its youth
    (coverage). The distinct-youth curve's slopes are at most 1, so this bounds it."""
    raw = np.clip(solution.values[: model.n_cells], 0.0, None)
    delta = np.abs(raw - _tidy_cells(model, solution, tidy)[0])
    weighted = coverage = 0.0
    for k in np.flatnonzero(delta > 0):
        c = int(model.cell_cluster[k])
        if c < 0:
            continue
        cl = s.clusters[c]
        youth = delta[k] * s.youth_per_unit(s.programmes[int(model.cell_programme[k])], cl.id)
        weighted += youth * cl.weight
        coverage += youth / cl.youth_population if cl.youth_population > 0 else 0.0
    return {
        Objective.MAXIMIZE_WEIGHTED_REACH.value: weighted,
        Objective.MAXIMIZE_MIN_COVERAGE.value: coverage,
    }


# --------------------------------------------------------------------------- figures
class _Figures:
    """Recomputes every figure from the allocation, using the scenario only."""

    def __init__(
        self, s: Scenario, units: dict[int, dict[int, float]], paid: dict[int, bool]
    ) -> None:
        self.s = s
        self.units = units
        self.cl = {c.id: i for i, c in enumerate(s.clusters)}
        self.prog_units = {i: math.fsum(u.values()) for i, u in units.items()}
        self.fixed_paid = {
            i: (paid.get(i, False) or p.mandatory or self.prog_units[i] > 0) and p.fixed_cost > 0
            for i, p in enumerate(s.programmes)
        }
        self.spend = {
            i: p.unit_cost * self.prog_units[i] + (p.fixed_cost if self.fixed_paid[i] else 0.0)
            for i, p in enumerate(s.programmes)
        }
        self.total_spend = math.fsum(self.spend.values())
        # The allocated cells, in programme order, grouped by cluster: per-cluster figures
        # then read only that cluster's cells instead of scanning every programme (30,000
        # programmes x 30,000 clusters on a national scenario). Sums over them use fsum, or
        # keep the programme order, so every figure is the same float as a plain scan's.
        self.cells_in: dict[int, list[tuple[int, float, float]]] = {}  # c -> (i, units, youth)
        for i, allocated in units.items():
            for c, u in allocated.items():
                self.cells_in.setdefault(c, []).append((i, u, self.youth(i, c)))
        self.component = [p.component.value for p in s.programmes]
        self.dept_spends: dict[str, float] = {}
        # member[i, j]: department j owns or co-funds programme i, the departments that
        # `Scenario.in_scope` matches a target's scope against.
        dept_index = {d.id: j for j, d in enumerate(s.departments)}
        self.member = np.zeros((len(s.programmes), len(s.departments)), dtype=bool)
        for i, p in enumerate(s.programmes):
            self.member[i, [dept_index[d] for d in {p.department, *p.funders()}]] = True
        self.dept_index = dept_index
        self.pairs = cells(s)  # every (programme, cluster) pair the scenario allows

    def youth(self, i: int, c: int) -> float:
        p = self.s.programmes[i]
        return self.s.youth_per_unit(p, self.s.clusters[c].id if c >= 0 else None) * self.units[
            i
        ].get(c, 0.0)

    def participations(self, c: int, progs: Collection[int] | None = None) -> float:
        """Participations in cluster c (of the programmes `progs`, default all)."""
        cells = self.cells_in.get(c, [])
        return math.fsum(y for i, _, y in cells if progs is None or i in progs)

    def distinct(self, c: int, progs: Collection[int] | None = None) -> float:
        """Distinct youth reached in cluster c under the scenario's reach model."""
        pop = self.s.clusters[c].youth_population
        return distinct_youth(self.participations(c, progs), pop, self.s.reach_model)

    def reach_row(self, c: int, progs: Collection[int]) -> float:
        """What a youth_reach row counts: distinct youth of the scope under `distinct`,
        participations of the scope under `participations` (docs/model.md: targets, the model)."""
        if self.s.reach_model == "distinct":
            return self.distinct(c, progs)
        return self.participations(c, progs)

    def spend_in_scope(self, owner: str | None, t: Target, scope: list[int]) -> float:
        """A spend share's numerator: the scope's own money (cofunding shares of the
        scope's departments) of the programmes in scope, in its clusters if it has any."""
        depts = self.s.target_departments(owner, t)
        share = {i: self.s.scope_money_share(self.s.programmes[i], depts) for i in scope}
        if t.clusters is not None:
            cls = set(self.target_clusters(t))
            return math.fsum(
                share[i] * self.s.programmes[i].unit_cost * u
                for i in scope
                for c, u in self.units[i].items()
                if c in cls
            )
        return math.fsum(share[i] * self.spend[i] for i in scope)

    def dept_spend(self, dep: str) -> float:
        if dep not in self.dept_spends:
            self.dept_spends[dep] = math.fsum(
                self.spend[i] * p.funders().get(dep, 0.0) for i, p in enumerate(self.s.programmes)
            )
        return self.dept_spends[dep]

    def scope(self, owner: str | None, t: Target) -> list[int]:
        """`Scenario.in_scope` for every programme at once (tests/test_scope.py)."""
        depts = self.s.target_departments(owner, t)
        mask: NDArray[np.bool_] = np.ones(len(self.s.programmes), dtype=bool)
        if depts is not None:
            mask = np.asarray(self.member[:, [self.dept_index[d] for d in depts]].any(axis=1))
        if t.components is not None:
            wanted = {c.value for c in t.components}
            mask &= np.array([comp in wanted for comp in self.component], dtype=bool)
        return [int(i) for i in np.flatnonzero(mask)]

    def target_clusters(self, t: Target) -> list[int]:
        ids = t.clusters if t.clusters is not None else self.s.prioritized_cluster_ids
        return [self.cl[c] for c in ids]

    def rows(self, owner: str | None, t: Target) -> list[tuple[RowResult, float]]:
        """(row, scale) for each row of a target, recomputed; zero-required rows left out."""
        s = self.s
        scope = self.scope(owner, t)
        in_scope_set = set(scope)
        out: list[tuple[RowResult, float]] = []

        def at_least(key: str, achieved: float, required: float) -> None:
            if required <= 0:
                return
            short = max(0.0, required - achieved)
            out.append(
                (
                    RowResult(
                        key, required, achieved, short, short / required, within(achieved, required)
                    ),
                    required,
                )
            )

        if isinstance(t, YouthReachTarget):
            for c in self.target_clusters(t):
                pop = s.clusters[c].youth_population
                req = t.at_least if t.at_least is not None else (t.share or 0.0) * pop
                at_least(s.clusters[c].id, self.reach_row(c, in_scope_set), req)
        elif isinstance(t, MetricTarget):
            at_least(t.metric, self.metric_total(t, scope), t.at_least)
        elif isinstance(t, ComponentPresenceTarget):
            for key, delivered in self.presence(t, in_scope_set):
                at_least(key, delivered, t.at_least_units)
        elif isinstance(t, SpendShareTarget):
            share = self.share_row(owner, t, scope)
            if share is not None:
                out.append(share)
        return out

    def metric_total(self, t: MetricTarget, scope: list[int]) -> float:
        """A metric target's achieved total over its scope (and clusters, if it names any)."""
        s = self.s
        cls = set(self.target_clusters(t)) if t.clusters is not None else None
        total = 0.0
        for i in scope:
            p = s.programmes[i]
            for c, u in self.units[i].items():
                if cls is not None and c not in cls:
                    continue
                if t.metric == YOUTH_METRIC:
                    total += self.youth(i, c)
                else:
                    total += p.outputs.get(t.metric, 0.0) * u
        return total

    def presence(
        self, t: ComponentPresenceTarget, in_scope_set: set[int]
    ) -> list[tuple[str, float]]:
        """(cluster/component, units delivered) for each row of a presence target."""
        s = self.s
        comps = [c.value for c in t.components] if t.components else list(COMPONENT_IDS)
        rows: list[tuple[str, float]] = []
        for c in self.target_clusters(t):
            by_component: dict[str, list[float]] = {comp: [] for comp in comps}
            for i, u, _ in self.cells_in.get(c, []):
                if i in in_scope_set and self.component[i] in by_component:
                    by_component[self.component[i]].append(u)
            for comp in comps:
                delivered = math.fsum(by_component[comp])
                rows.append((f"{s.clusters[c].id}/{comp}", delivered))
        return rows

    def share_row(
        self, owner: str | None, t: SpendShareTarget, scope: list[int]
    ) -> tuple[RowResult, float] | None:
        """A spend-share target's one row and its scale; None for a zero at-least share."""
        s = self.s
        at_most = t.at_most is not None
        frac = t.at_most if t.at_most is not None else (t.at_least or 0.0)
        if not at_most and frac <= 0:
            return None
        in_scope = self.spend_in_scope(owner, t, scope)
        if owner is not None and t.departments is None:
            base = self.dept_spend(owner)
        else:
            base = self.total_spend
        lhs = in_scope - frac * base
        cap = s.share_base_cap(owner, t)
        scale = max(frac * cap if frac > 0 else cap, MIN_SCALE)
        # The scope's money is part of its base, so the share is in [0, 1]; the clip
        # only removes float noise.
        achieved = min(max(in_scope / base, 0.0), 1.0) if base > 0 else 0.0
        gap = max(0.0, lhs) if at_most else max(0.0, -lhs)
        short = max(0.0, achieved - frac) if at_most else max(0.0, frac - achieved)
        if gap <= CHECK_TOLERANCE * max(1.0, frac * base):
            short = 0.0
        return (
            RowResult(
                "share",
                frac,
                achieved,
                short,
                gap / scale,
                within(-gap, 0.0, False) or gap <= CHECK_TOLERANCE * scale,
            ),
            scale,
        )


def _target_results(s: Scenario, fig: _Figures) -> list[TargetResult]:
    """Every target's rows, met or not and its shortfall, recomputed from the allocation."""
    targets: list[TargetResult] = []
    index = ServingIndex(s)
    for owner, t in s.all_targets():
        rows = fig.rows(owner, t)
        unservable = s.unservable(owner, t, index)
        for why in unservable:
            for r, _ in rows:
                if r.key in why.keys:
                    r.reason = why.message if r.reason is None else f"{r.reason}; {why.message}"
        rel = [r.relative_shortfall for r, _ in rows]
        targets.append(
            TargetResult(
                id=t.id,
                name=t.name or t.id,
                owner=owner or PAZOS_OWNER,
                kind=t.kind,
                priority=t.priority,
                weight=t.weight,
                hard=t.hard,
                met=all(r.met for r, _ in rows),
                weighted_shortfall=t.weight * (math.fsum(rel) / len(rel)) if rel else 0.0,
                rows=[r for r, _ in rows],
                reason="; ".join(why.message for why in unservable) or None,
                unservable=unservable,
            )
        )
    return targets


def build_result(
    loaded: LoadedScenario, model: Model, solution: Solution, *, verify: bool = True
) -> Result:
    """Recompute every figure from the solution's allocation and check the hard rules.

    The allocation is tidied for reading (whole numbers within SNAP, units below NOISE
    dropped). Tidying must never turn a plan that meets every hard rule into one the
    check refuses (a hard row met with no room to spare can need a sliver of a unit):
    when the tidied allocation fails the check, the untidied one is checked and, if it
    passes, reported instead."""
    if not solution.has_solution:
        raise ValueError("build_result needs a solution (check solution.status first)")
    result, problems = _built(loaded, model, solution, tidy=True, verify=verify)
    if problems:
        untidied, left = _built(loaded, model, solution, tidy=False, verify=True)
        if not left:
            return untidied
        raise VerificationError(
            "the independent check found the solver's answer violating the model "
            "(please report this bug):\n  " + "\n  ".join(problems),
            tuple(problems),
        )
    return result


def _built(
    loaded: LoadedScenario, model: Model, solution: Solution, *, tidy: bool, verify: bool
) -> tuple[Result, list[str]]:
    """The result of the allocation (tidied or not) and what the independent check finds
    wrong with it (nothing when not `verify`)."""
    s = loaded.scenario
    units, paid = allocation_from_solution(model, solution, tidy=tidy)
    fig = _Figures(s, units, paid)
    targets = _target_results(s, fig)

    clusters: list[ClusterResult] = []
    in_clusters = [fig.participations(c_i) for c_i in range(len(s.clusters))]
    marginal = _marginal_youth_per_money(s, fig, fig.pairs, in_clusters)
    for c_i, c in enumerate(s.clusters):
        participations = in_clusters[c_i]
        reached = distinct_youth(participations, c.youth_population, s.reach_model)
        comps = {comp: 0.0 for comp in COMPONENT_IDS}
        spend = 0.0
        for i, u, _ in fig.cells_in.get(c_i, []):  # in programme order, as a scan would add
            if u:
                comps[fig.component[i]] += u
                spend += s.programmes[i].unit_cost * u
        clusters.append(
            ClusterResult(
                c.id,
                c.name,
                c.youth_population,
                c.weight,
                c.prioritized,
                reached,
                min(reached / c.youth_population, 1.0),
                spend,
                comps,
                participations,
                marginal[c_i],
            )
        )

    programmes: list[ProgrammeResult] = []
    for i, p in enumerate(s.programmes):
        u = fig.prog_units[i]
        programmes.append(
            ProgrammeResult(
                id=p.id,
                name=p.name,
                department=p.department,
                component=p.component.value,
                unit=p.unit,
                units=u,
                spend=fig.spend[i],
                funded=u > 0 or fig.fixed_paid[i] or p.mandatory,
                clusters={s.clusters[c].id: v for c, v in sorted(units[i].items()) if c >= 0},
                cofunding=p.funders(),
                participations=math.fsum(fig.youth(i, c) for c in units[i]),
                current_units=p.current_units,
                current_spend=None
                if p.current_units is None
                else p.unit_cost * p.current_units + (p.fixed_cost if p.current_units > 0 else 0),
            )
        )

    departments: list[DepartmentResult] = []
    for d in s.departments:
        mine = [
            pr
            for pr, p in zip(programmes, s.programmes, strict=True)
            if d.id == p.department or d.id in p.funders()
        ]
        goals = [t for t in targets if t.owner == d.id]
        departments.append(
            DepartmentResult(
                d.id,
                d.name,
                d.budget,
                d.min_spend,
                fig.dept_spend(d.id),
                len(mine),
                sum(pr.funded for pr in mine),
                sum(g.met for g in goals),
                len(goals),
                _current_spend(d.id, s.programmes, programmes),
            )
        )

    weighted = math.fsum(c.weight * c.youth_reached for c in clusters)
    equity = set(s.equity_cluster_ids())
    min_cov = min((c.coverage for c in clusters if c.id in equity), default=0.0)
    stages = _stages(s, model, solution, targets, weighted, fig.total_spend, min_cov)
    result = Result(
        scenario=s,
        scenario_path=str(loaded.path),
        sha256=loaded.sha256,
        status=solution.status,
        solver=solution.solver,
        seconds=solution.seconds,
        mip_gap=solution.mip_gap,
        stages=stages,
        programmes=programmes,
        departments=departments,
        clusters=clusters,
        targets=targets,
        budget=s.budget.total,
        spend=fig.total_spend,
        youth_reached=math.fsum(c.youth_reached for c in clusters),
        youth_reached_in_clusters=math.fsum(c.youth_reached for c in clusters),
        weighted_coverage=weighted,
        participations=math.fsum(pr.participations for pr in programmes),
        participations_in_clusters=math.fsum(c.participations for c in clusters),
        overrides=loaded.overrides,
        base=None if loaded.base is None else str(loaded.base),
        file_sha256=loaded.file_sha256,
        solver_version=solver_version(solution.solver),
        interrupted=solution.interrupted,
        notes=list(solution.messages),
    )
    problems: list[str] = []
    if verify:
        problems = check_hard_constraints(s, units, fig, targets)
        problems += _check_stages(stages, _tidying_effect(s, model, solution, tidy))
    return result, problems


@dataclass(frozen=True)
class Outcome:
    """The figures of an allocation that no solve chose (a plan's money held in a sampled
    world, see robust.py), recomputed exactly as a result's are."""

    spend: float
    youth_reached: float  # distinct youth in the clusters, under the reach model
    participations: float
    targets: list[TargetResult]


def outcome(s: Scenario, units: dict[int, dict[int, float]], paid: dict[int, bool]) -> Outcome:
    """`units`: programme index -> {cluster index or -1: units}; `paid`: programme index
    -> whether its fixed cost is paid (as `allocation_from_solution` gives them)."""
    fig = _Figures(s, units, paid)
    youth = [
        distinct_youth(fig.participations(c), cl.youth_population, s.reach_model)
        for c, cl in enumerate(s.clusters)
    ]
    return Outcome(
        spend=fig.total_spend,
        youth_reached=math.fsum(youth),
        participations=math.fsum(fig.youth(i, c) for i, u in units.items() for c in u),
        targets=_target_results(s, fig),
    )


def _current_spend(
    dept: str, scenario_programmes: list[Any], programmes: list[ProgrammeResult]
) -> float | None:
    """A department's share of the current plan's cost (None if no programme has one)."""
    shares = [
        (pr.current_spend, p.funders().get(dept, 0.0))
        for p, pr in zip(scenario_programmes, programmes, strict=True)
        if pr.current_spend is not None
    ]
    return math.fsum(c * sh for c, sh in shares) if shares else None


def _marginal_youth_per_money(
    s: Scenario, fig: _Figures, pairs: Cells, participations: list[float]
) -> list[float]:
    """docs/model.md: results, for every cluster at once: the curve's right slope at the cluster's
    participations times the best youth_per_unit / unit_cost among the programmes that run
    in c and can still add a unit there (below max_units, the per-cluster cap, the allowed
    change and the population cap; a whole unit for an integer programme); 0 if none can.
    The same float operations as a loop over the pairs, on arrays."""
    progs = s.programmes
    n = len(progs)
    i, c, ypu = pairs.programme, pairs.cluster, pairs.youth_per_unit
    reach = ypu > 0
    i, c, ypu = i[reach], c[reach], ypu[reach]
    here = pairs.at(fig.units)[reach]
    pops = np.array([cl.youth_population for cl in s.clusters], dtype=np.float64)
    total = np.array([fig.prog_units[k] for k in range(n)], dtype=np.float64)
    room = pops[c] / ypu - here
    max_units = np.array([math.inf if p.max_units is None else p.max_units for p in progs])
    room = np.minimum(room, (max_units - total)[i])
    change = [s.change_bounds(p) for p in progs]
    upper = np.array([math.inf if b is None else b[1] for b in change])
    room = np.minimum(room, (upper - total)[i])
    capped = [k for k, p in enumerate(progs) if p.max_units_per_cluster is not None]
    if capped:
        cap = np.full(len(pairs.programme), math.inf)
        ids = {cl.id: k for k, cl in enumerate(s.clusters)}
        for k in capped:
            lo, hi = int(pairs.start[k]), int(pairs.start[k + 1])
            where = {int(cc): lo + j for j, cc in enumerate(pairs.cluster[lo:hi].tolist())}
            for cid, limit in s.per_cluster(progs[k], "max").items():
                if ids.get(cid) in where:
                    cap[where[ids[cid]]] = limit
        room = np.minimum(room, cap[reach] - here)
    need = np.array([1.0 - SNAP if p.integer else NOISE for p in progs])
    can = room >= need[i]
    cost = np.array([p.unit_cost for p in progs], dtype=np.float64)
    best = group_max(c[can], ypu[can] / cost[i[can]], len(s.clusters))
    out = []
    for k, cl in enumerate(s.clusters):
        slope = right_slope(participations[k], cl.youth_population, s.reach_model)
        out.append(slope * float(best[k]) if slope > 0 else 0.0)
    return out


def solver_version(solver: str) -> str:
    """The version of the solver's package (highspy for HiGHS, PuLP for the others)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("highspy" if solver == "highs" else "pulp")
    except PackageNotFoundError:  # pragma: no cover - both are dependencies
        return ""


def _stages(
    s: Scenario,
    model: Model,
    solution: Solution,
    targets: list[TargetResult],
    weighted: float,
    spend: float,
    min_coverage: float,
) -> list[StageResult]:
    """Every reported stage of the model, in order: those solved with the solver's
    objective, those an interruption left out as `not_run`, each with the value of this
    plan recomputed from the allocation."""
    done = {id(o.stage): o for o in solution.stages}
    out = []
    finals = {
        Objective.MAXIMIZE_WEIGHTED_REACH.value: weighted,
        Objective.MAXIMIZE_MIN_COVERAGE.value: min_coverage,
        Objective.MINIMIZE_SPEND.value: spend,
    }
    for st in model.stages:
        if not st.reported:
            continue
        o = done.get(id(st))
        if o is None and not solution.interrupted:
            continue
        solver_objective = math.nan if o is None else o.objective
        status = StageStatus.NOT_RUN if o is None else StageStatus(o.status.value)
        gap = None if o is None else o.gap
        if st.priority is not None:
            value = math.fsum(
                t.weighted_shortfall for t in targets if not t.hard and t.priority == st.priority
            )
            out.append(
                StageResult(st.label, st.priority, None, value, solver_objective, status, gap)
            )
        else:
            final = st.final or s.objective.value
            out.append(
                StageResult(st.label, None, final, finals[final], solver_objective, status, gap)
            )
    return out


_MAXIMIZED = (Objective.MAXIMIZE_WEIGHTED_REACH.value, Objective.MAXIMIZE_MIN_COVERAGE.value)


def _check_stages(stages: list[StageResult], tidied: Mapping[str, float]) -> list[str]:
    """The recomputed stage values must be at least as good as what the solver held (a
    maximized final one, less what tidying the allocation removed: `tidied`)."""
    problems = []
    for st in stages:
        if st.status == StageStatus.NOT_RUN:
            continue
        if st.priority is not None:
            bound = hold_bound(st.solver_objective, Sense.MIN, CONTRACT_TOLERANCE)
            if st.objective > bound + STAGE_TOLERANCE * max(1.0, abs(st.solver_objective)):
                problems.append(
                    f"stage {st.label}: recomputed shortfall {st.objective:.9g} exceeds the "
                    f"solver's {st.solver_objective:.9g}"
                )
        elif st.final in _MAXIMIZED and st.objective < (
            st.solver_objective
            - STAGE_TOLERANCE * max(1.0, abs(st.solver_objective))
            - tidied.get(st.final, 0.0)
        ):
            problems.append(
                f"final stage {st.final}: recomputed value {st.objective:.9g} is below the "
                f"solver's {st.solver_objective:.9g}"
            )
    return problems


def check_hard_constraints(
    s: Scenario, units: dict[int, dict[int, float]], fig: _Figures, targets: list[TargetResult]
) -> list[str]:
    """Every hard constraint of docs/model.md: the model, checked from the allocation alone."""
    problems: list[str] = []
    index = {cid: k for k, cid in enumerate(s.cluster_ids)}  # ids are unique
    for i, p in enumerate(s.programmes):
        problems.extend(_cell_problems(s, p, units[i], index))
        problems.extend(_unit_problems(s, i, p, units[i], fig, index))
    problems.extend(_money_problems(s, fig))
    for t in targets:
        if t.hard and not t.met:
            bad = [r.key for r in t.rows if not r.met]
            problems.append(Text("val.check.hard_target", id=t.id, rows=", ".join(bad)))
    return problems


def _cell_problems(
    s: Scenario, p: Programme, allocated: dict[int, float], index: dict[str, int]
) -> list[str]:
    """One programme's allocated cells: not negative, where it runs, whole, within youth."""
    problems: list[str] = []
    cl_ids = range(len(s.clusters))
    # Only the allocated cells are looked up: a set of every cluster of every
    # programme would hold 600,000 entries on a large scenario.
    allowed: Collection[int] = {-1}
    if p.clusters == ALL_CLUSTERS:
        allowed = range(len(s.clusters))
    elif allocated and p.clusters:
        allowed = {index[c] for c in s.programme_clusters(p)}
    for c, v in allocated.items():
        if v < -CHECK_TOLERANCE:
            problems.append(Text("val.check.negative", id=p.id, v=Num(v)))
        if c not in allowed:
            problems.append(Text("val.check.not_there", id=p.id))
        if p.integer and abs(v - round(v)) > CHECK_TOLERANCE:
            problems.append(Text("val.check.fractional", id=p.id, v=Num(v)))
        if c in cl_ids:
            cap = s.clusters[c].youth_population
            if not within(s.youth_per_unit(p, s.clusters[c].id) * v, cap, at_most=True):
                problems.append(Text("val.check.youth", id=p.id, cluster=s.clusters[c].id))
    return problems


def _unit_problems(
    s: Scenario,
    i: int,
    p: Programme,
    allocated: dict[int, float],
    fig: _Figures,
    index: dict[str, int],
) -> list[str]:
    """One programme's units against its bounds: in total, per cluster, and its change."""
    problems: list[str] = []
    u = fig.prog_units[i]
    funded = u > 0 or fig.fixed_paid[i] or p.mandatory
    if funded and p.min_units and not within(u, p.min_units):
        problems.append(Text("val.check.min_units", id=p.id, u=Num(u), low=Num(p.min_units)))
    if p.max_units is not None and not within(u, p.max_units, at_most=True):
        problems.append(Text("val.check.max_units", id=p.id, u=Num(u), high=Num(p.max_units)))
    for cid, limit in s.per_cluster(p, "max").items():
        got = allocated.get(index[cid], 0.0)
        if not within(got, limit, at_most=True):
            problems.append(Text("val.check.above", id=p.id, u=Num(got), cluster=cid, n=Num(limit)))
    if funded:
        for cid, low in s.per_cluster(p, "min").items():
            got = allocated.get(index[cid], 0.0)
            if not within(got, low):
                problems.append(
                    Text("val.check.below", id=p.id, u=Num(got), cluster=cid, n=Num(low))
                )
    bounds = s.change_bounds(p)
    if bounds is not None and not (within(u, bounds[0]) and within(u, bounds[1], True)):
        problems.append(
            Text(
                "val.check.change",
                id=p.id,
                u=Num(u),
                low=Num(bounds[0]),
                high=Num(bounds[1]),
                current=Num(p.current_units or 0.0),  # set: the change has bounds
            )
        )
    return problems


def _money_problems(s: Scenario, fig: _Figures) -> list[str]:
    """The total spend against the budget, and each department's against its bounds."""
    problems: list[str] = []
    if not within(fig.total_spend, s.budget.total, at_most=True):
        problems.append(
            Text(
                "val.check.total",
                spend=Num(fig.total_spend, ",.6g"),
                budget=Num(s.budget.total, ",.6g"),
            )
        )
    for d in s.departments:
        spend = fig.dept_spend(d.id)
        if d.budget is not None and not within(spend, d.budget, at_most=True):
            problems.append(
                Text(
                    "val.check.dept_budget",
                    id=d.id,
                    spend=Num(spend, ",.6g"),
                    budget=Num(d.budget, ",.6g"),
                )
            )
        if d.min_spend and not within(spend, d.min_spend):
            problems.append(
                Text(
                    "val.check.dept_min",
                    id=d.id,
                    spend=Num(spend, ",.6g"),
                    low=Num(d.min_spend, ",.6g"),
                )
            )
    return problems


# --------------------------------------------------------------------------- JSON
_clean = clean_figure


def to_json(result: Result) -> dict[str, Any]:
    """The machine-readable result of docs/model.md: results (`pazos-budget/result@1`)."""
    s = result.scenario
    money = result.budget  # the scale of every money figure
    return {
        "schema": SCHEMA,
        "tool": {"name": "pazos-budget", "version": __version__},
        "pazos_budget_version": __version__,
        "scenario": {
            "id": s.scenario.id,
            "name": s.scenario.name,
            "sha256": result.sha256,
            "year": s.scenario.year,
            "currency": s.scenario.currency,
            "objective": s.objective.value,
            "reach_model": s.reach_model.value,
            "file_sha256": result.file_sha256,
            "overrides": list(result.overrides),
            "base": result.base,
            "language": s.scenario.language,  # of its reports (and the council deck)
            "components": s.given_component_names(),  # display names the scenario gives
        },
        "status": result.status.value,
        "solver": {
            "name": result.solver,
            "version": result.solver_version,
            "seconds": round(result.seconds, 3),
            "mip_gap": result.mip_gap,
            "interrupted": result.interrupted,
            # What the solve said, in the result's language, and the same as codes.
            "notes": [n.text(s.scenario.language) for n in result.notes],
            "note_codes": [n.key for n in result.notes],
        },
        "stages": [
            ({"priority": st.priority} if st.priority is not None else {"final": st.final})
            | {"objective": _clean(st.objective)}
            # A stage that is not a proven optimum says so, with its gap where known.
            | (
                {}
                if st.status == StageStatus.OPTIMAL
                else {"status": st.status.value, "gap": st.gap}
            )
            for st in result.stages
        ],
        "totals": {
            "budget": _clean(result.budget, money),
            "spend": _clean(result.spend, money),
            "unspent": _clean(result.unspent, money),
            "youth_reached": _clean(result.youth_reached),
            "youth_reached_in_clusters": _clean(result.youth_reached_in_clusters),
            "participations": _clean(result.participations),
            "participations_in_clusters": _clean(result.participations_in_clusters),
            "weighted_coverage": _clean(result.weighted_coverage),
            "min_coverage": _clean(result.min_coverage),
            "prioritized_coverage": _clean(result.prioritized_coverage),
        },
        "programmes": [
            {
                "id": pr.id,
                "name": pr.name,
                "department": pr.department,
                "component": pr.component,
                "funded": pr.funded,
                "units": _clean(pr.units),
                "spend": _clean(pr.spend, money),
                "participations": _clean(pr.participations),
                "clusters": {c: _clean(u) for c, u in pr.clusters.items()},
                "cofunding": {d: _clean(v, money) for d, v in pr.cofunding.items()},
                "limited_by": pr.limited_by,
                **(
                    {
                        "current_units": _clean(pr.current_units),
                        "current_spend": _clean(pr.current_spend or 0.0, money),
                    }
                    if pr.current_units is not None
                    else {}
                ),
            }
            for pr in result.programmes
        ],
        "departments": [
            {
                "id": d.id,
                "name": d.name,
                "budget": None if d.budget is None else _clean(d.budget, money),
                "min_spend": None if d.min_spend is None else _clean(d.min_spend, money),
                "spend": _clean(d.spend, money),
                "programmes_funded": d.programmes_funded,
                "programmes_submitted": d.programmes_submitted,
                "goals_met": d.goals_met,
                **(
                    {"current_spend": _clean(d.current_spend, money)}
                    if d.current_spend is not None
                    else {}
                ),
                "goals_total": d.goals_total,
            }
            for d in result.departments
        ],
        "clusters": [
            {
                "id": c.id,
                "name": c.name,
                "youth_population": c.youth_population,
                "prioritized": c.prioritized,
                "weight": _clean(c.weight),
                "youth_reached": _clean(c.youth_reached),
                "participations": _clean(c.participations),
                "coverage": _clean(c.coverage),
                "marginal_youth_per_money": _clean(c.marginal_youth_per_money),
                "spend": _clean(c.spend, money),
                "components": {k: _clean(v) for k, v in c.components.items()},
            }
            for c in result.clusters
        ],
        "targets": [
            {
                "id": t.id,
                "name": t.name,
                "owner": t.owner,
                "kind": t.kind.value,
                "priority": t.priority,
                "weight": _clean(t.weight),
                "hard": t.hard,
                "met": t.met,
                "weighted_shortfall": _clean(t.weighted_shortfall),
                # Why nothing in its scope can serve it, in the result's language, and as
                # the stable codes of the same reasons.
                "reason": _reasons(t.unservable, s, None),
                "reason_codes": [u.code for u in t.unservable],
                "rows": [
                    {
                        "key": r.key,
                        "required": _clean(r.required),
                        "achieved": _clean(r.achieved),
                        "shortfall": _clean(r.shortfall),
                        "relative_shortfall": _clean(r.relative_shortfall),
                        "met": r.met,
                        "reason": _reasons(t.unservable, s, r.key),
                    }
                    for r in t.rows
                ],
            }
            for t in result.targets
        ],
        "marginal_values": [m.to_json() for m in result.marginal_values],
    }


def unservable_text(u: Unservable, s: Scenario, lang: str) -> str:
    """Why nothing in a target's scope can serve some of its rows, in `lang`, with the
    scenario's names (as the workbook says it)."""
    words = texts(lang)
    names = {c.id: c.name for c in s.clusters}
    shown = [names.get(c, c) for c in u.clusters]
    clusters = ", ".join(shown[:5])
    if len(shown) > 5:
        clusters = words["unservable.and_more"].format(shown=clusters, more=len(shown) - 5)
    component = ""
    if u.code.startswith("component"):
        component = s.given_component_names().get(u.subject) or words[f"component.{u.subject}"]
    return words[f"unservable.{u.code}"].format(
        metric=s.metric_name(u.subject) if u.subject else "",
        component=component,
        clusters=clusters,
    )


def _reasons(unservable: list[Unservable], s: Scenario, key: str | None) -> str | None:
    """The reasons of a target (key None) or of one of its rows, or None."""
    lang = s.scenario.language
    mine = [u for u in unservable if key is None or key in u.keys]
    if lang == "en":  # the warning's own words, as validate prints them
        return "; ".join(u.message for u in mine) or None
    return " ".join(unservable_text(u, s, lang) for u in mine) or None


def unsolved_json(
    loaded: LoadedScenario,
    status: Status,
    solver: str,
    *,
    diagnosis: Sequence[Finding] | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    """A result@1 document for a scenario without a solution: no allocation, the status,
    and the diagnosis (infeasible) or the solver's message (error)."""
    s = loaded.scenario
    return {
        "schema": SCHEMA,
        "scenario": {
            "id": s.scenario.id,
            "name": s.scenario.name,
            "sha256": loaded.sha256,
            **provenance(loaded),
        },
        "status": status.value,
        "solver": {"name": solver, "seconds": 0.0},
        "stages": [],
        "totals": {
            "budget": s.budget.total,
            "spend": 0.0,
            "youth_reached": 0.0,
            "participations": 0.0,
            "weighted_coverage": 0.0,
        },
        "programmes": [],
        "departments": [],
        "clusters": [],
        "targets": [],
        "marginal_values": [],
        **({"diagnosis": [f.to_json() for f in diagnosis]} if diagnosis is not None else {}),
        **({"error": error} if error is not None else {}),
    }


def provenance(loaded: LoadedScenario) -> dict[str, Any]:
    """What the result's `scenario` entry says about where the scenario came from: the
    `--set` values applied (`overrides`, [] if none), the file a variant extends (`base`,
    or null), and the sha256 of the scenario file's own bytes (`file_sha256`; `sha256`
    covers the resolved scenario: its tables, bases and overrides too)."""
    return {
        "file_sha256": loaded.file_sha256,
        "overrides": list(loaded.overrides),
        "base": None if loaded.base is None else str(loaded.base),
    }
