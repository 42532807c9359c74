"""How the plan holds up when unit costs and youth per unit are not what was estimated.

`robust` solves the plan once (the scenario's `value`s), then evaluates it in N sampled
worlds (uncertainty.py). In a world the plan's money per (programme, cluster) cell is held,
since contracts are budgeted in money: the units bought are that money divided by the
world's unit cost (for an integer programme too: a gestor-year that costs 8% more is
0.93 of a year, not none; rounding down would drop every cell of one unit), never more than
the programme's `max_units` and `max_units_per_cluster` (the extra money is not spent) and
never more than the cluster's youth can take (`youth_per_unit x units <= population`);
fixed costs are paid as planned. Youth, outputs, spend and every target then follow from
those units, recomputed exactly as a solve's figures are (result.outcome). Each world is
also re-solved from scratch (what the best plan would have been there: what flexibility
would buy).

Worlds are the tasks of a batch (batch.py): each carries the resolved scenario, the plan's
money per cell, the seed and its own index, so its draws and figures do not depend on
which worker runs it, and the summary is taken in index order.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .batch import Engine, batch_options, check_reachable, run, shipped
from .errors import PazosBudgetError
from .loader import LoadedScenario
from .pipeline import ScenarioInfeasible, solve_scenario
from .result import Result, outcome, to_json
from .scenario import Scenario
from .solve import SolveOptions, Status
from .tolerances import WORLD_MIP_GAP, ZERO
from .uncertainty import CostFactor, count_ranges, world

#: The machine-readable document of `robust --json`.
ROBUST_SCHEMA = "pazos-budget/robust@1"
#: The percentiles reported of every distribution.
PERCENTILES = (5, 50, 95)


@dataclass(frozen=True)
class Cell:
    programme: int  # index in the scenario's programmes
    cluster: int  # index in the scenario's clusters, -1 for a city-wide programme
    money: float  # the plan's variable spend in the cell (unit cost x units)


@dataclass(frozen=True)
class HeldPlan:
    """The plan as a world holds it: money per cell, and which fixed costs are paid."""

    cells: tuple[Cell, ...]
    paid: tuple[bool, ...]  # per programme

    @classmethod
    def of(cls, s: Scenario, plan: Result) -> HeldPlan:
        cl = {c.id: k for k, c in enumerate(s.clusters)}
        cells: list[Cell] = []
        for i, (p, pr) in enumerate(zip(s.programmes, plan.programmes, strict=True)):
            cost = float(p.unit_cost)
            if p.city_wide:
                if pr.units > 0:
                    cells.append(Cell(i, -1, cost * pr.units))
                continue
            for cid, units in pr.clusters.items():
                if units > 0:
                    cells.append(Cell(i, cl[cid], cost * units))
        return cls(tuple(cells), tuple(pr.funded for pr in plan.programmes))


def held_units(s: Scenario, plan: HeldPlan) -> dict[int, dict[int, float]]:
    """The units the plan's money buys in world `s` (see the module doc)."""
    units: dict[int, dict[int, float]] = {i: {} for i in range(len(s.programmes))}
    for cell in plan.cells:
        p = s.programmes[cell.programme]
        u = cell.money / p.unit_cost
        if cell.cluster >= 0:
            c = s.clusters[cell.cluster]
            cap = s.per_cluster(p, "max").get(c.id)
            if cap is not None:
                u = min(u, cap)
            youth = s.youth_per_unit(p, c.id)
            if youth > 0:
                u = min(u, c.youth_population / youth)
        units[cell.programme][cell.cluster] = u
    for i, p in enumerate(s.programmes):
        total = math.fsum(units[i].values())
        if p.max_units is not None and total > p.max_units:
            units[i] = {c: u * p.max_units / total for c, u in units[i].items()}
    return units


@dataclass(frozen=True)
class WorldRecord:
    """What one world says: the plan held there, and the best plan there."""

    index: int
    cost_factor: float
    spend: float
    youth_reached: float
    met: tuple[bool, ...]  # per target, in the result's order
    shortfall: tuple[float, ...]  # per target: mean relative shortfall of its rows
    hard_failed: bool
    best_status: Status  # of the world's own best plan (error: the solver found none)
    best_youth_reached: float | None
    best_spend: float | None
    best_met: tuple[bool, ...] | None
    # CPU seconds the world's thread took (benchmarks): not a figure of the world, so
    # neither compared nor written to the JSON.
    cpu_seconds: float = field(default=0.0, compare=False)


def world_task(
    loaded: LoadedScenario,
    plan: HeldPlan,
    seed: int,
    index: int,
    factor: CostFactor | None,
    options: SolveOptions,
) -> WorldRecord:
    """World `index`: sample it, hold the plan there, and re-solve it."""
    started = time.thread_time()
    w = world(loaded.scenario, seed, index, factor)
    held = outcome(w.scenario, held_units(w.scenario, plan), dict(enumerate(plan.paid)))
    rel = [
        math.fsum(r.relative_shortfall for r in t.rows) / len(t.rows) if t.rows else 0.0
        for t in held.targets
    ]
    best: Result | None = None
    try:
        best = solve_scenario(replace(loaded, scenario=w.scenario), options, diagnosis=False)
        status = best.status
    except ScenarioInfeasible:
        status = Status.INFEASIBLE
    except PazosBudgetError:
        status = Status.ERROR
    return WorldRecord(
        index=index,
        cost_factor=w.cost_factor,
        spend=held.spend,
        youth_reached=held.youth_reached,
        met=tuple(t.met for t in held.targets),
        shortfall=tuple(rel),
        hard_failed=any(t.hard and not t.met for t in held.targets),
        best_status=status,
        best_youth_reached=None if best is None else best.youth_reached,
        best_spend=None if best is None else best.spend,
        best_met=None if best is None else tuple(t.met for t in best.targets),
        cpu_seconds=time.thread_time() - started,
    )


@dataclass
class Robust:
    loaded: LoadedScenario
    plan: Result
    samples: int
    seed: int
    factor: CostFactor
    worlds: list[WorldRecord]  # the evaluated worlds, in index order
    interrupted: bool = False
    world_gap: float = WORLD_MIP_GAP  # the MIP gap of each world's re-solve

    @property
    def ranges(self) -> int:
        """How many numbers were sampled from a range (the cost factor included)."""
        return count_ranges(self.loaded.scenario) + int(self.factor.high > self.factor.low)


def robust(
    loaded: LoadedScenario,
    options: SolveOptions,
    *,
    samples: int,
    seed: int,
    factor: CostFactor | None = None,
    engine: Engine | None = None,
    on_plan: Callable[[Result], None] | None = None,
    on_done: Callable[[int], None] | None = None,
    world_gap: float = WORLD_MIP_GAP,
) -> Robust:
    """Solve the plan, then evaluate it in `samples` worlds. Ctrl-C during the worlds
    keeps those evaluated (`interrupted`). Raises what a solve raises for the plan."""
    if engine is not None and engine.scheduler is not None:
        check_reachable(engine.scheduler)  # before the plan's solve, not after
    plan = solve_scenario(loaded, options)
    if on_plan:
        on_plan(plan)
    held = HeldPlan.of(loaded.scenario, plan)
    f = factor or CostFactor.of(loaded.scenario)
    task = shipped(loaded)
    opts = replace(batch_options(options), mip_gap=world_gap)
    batch = run(
        world_task,
        [(task, held, seed, k, f, opts) for k in range(samples)],
        engine,
        on_done=on_done,
        keep_partial=True,
        name="world",
    )
    worlds = [w for w in batch.results if w is not None]
    return Robust(loaded, plan, samples, seed, f, worlds, batch.interrupted, world_gap)


# --------------------------------------------------------------------------- summary
def _r(x: float) -> float:
    return 0.0 if abs(x) < ZERO else float(f"{x:.9g}")


def percentiles(values: list[float]) -> dict[str, float | None]:
    """p5, p50, p95 (linear interpolation between the sorted values); None if empty."""
    if not values:
        return {f"p{q}": None for q in PERCENTILES}
    qs = np.percentile(np.asarray(values, dtype=float), PERCENTILES)
    return {f"p{q}": _r(float(v)) for q, v in zip(PERCENTILES, qs, strict=True)}


def share(flags: list[bool]) -> float | None:
    return _r(sum(flags) / len(flags)) if flags else None


def target_rows(r: Robust) -> list[dict[str, Any]]:
    """Per target: met in the plan, how often met in the worlds (plan held, and best plan
    of each world), and the percentiles of its relative shortfall."""
    solved = [w for w in r.worlds if w.best_met is not None]
    rows = []
    for k, t in enumerate(r.plan.targets):
        rows.append(
            {
                "id": t.id,
                "name": t.name,
                "owner": t.owner,
                "kind": t.kind,
                "priority": t.priority,
                "hard": t.hard,
                "met_in_plan": t.met,
                "probability_met": share([w.met[k] for w in r.worlds]),
                "shortfall": percentiles([w.shortfall[k] for w in r.worlds]),
                "best_probability_met": share(
                    [w.best_met[k] for w in solved if w.best_met is not None]
                ),
            }
        )
    return rows


def robust_json(r: Robust) -> dict[str, Any]:
    """`robust --json` (`pazos-budget/robust@1`, documented in docs/model.md)."""
    worlds = r.worlds
    best = [w for w in worlds if w.best_youth_reached is not None]
    return {
        "schema": ROBUST_SCHEMA,
        "command": "robust",
        "samples": r.samples,
        "seed": r.seed,
        "evaluated": len(worlds),
        "interrupted": r.interrupted,
        "cost_factor": r.factor.to_json(),
        "ranges": r.ranges,
        "plan": to_json(r.plan),
        "targets": target_rows(r),
        "youth_reached": percentiles([w.youth_reached for w in worlds])
        | {"plan": _r(r.plan.youth_reached)},
        "spend": percentiles([w.spend for w in worlds]) | {"plan": _r(r.plan.spend)},
        "hard_target_failure_share": share([w.hard_failed for w in worlds]),
        "best_per_world": {
            "mip_gap": r.world_gap,
            "solved": len(best),
            "infeasible": sum(w.best_status == Status.INFEASIBLE for w in worlds),
            "failed": sum(w.best_status == Status.ERROR for w in worlds),
            "youth_reached": percentiles([w.best_youth_reached or 0.0 for w in best]),
            "spend": percentiles([w.best_spend or 0.0 for w in best]),
            "youth_gain": percentiles(
                [(w.best_youth_reached or 0.0) - w.youth_reached for w in best]
            ),
        },
        "worlds": [
            {
                "index": w.index,
                "cost_factor": _r(w.cost_factor),
                "spend": _r(w.spend),
                "youth_reached": _r(w.youth_reached),
                "targets_met": sum(w.met),
                "hard_failed": w.hard_failed,
                "best_status": w.best_status.value,
                "best_youth_reached": None
                if w.best_youth_reached is None
                else _r(w.best_youth_reached),
            }
            for w in worlds
        ],
    }
