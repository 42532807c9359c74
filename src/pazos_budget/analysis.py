"""Analyses that drive the solver several times: marginal value of money, sweeps and
comparisons.

Marginal values are measured by re-solving with a little more money (exact for integer
models too, unlike LP duals, and read in the user's terms): for the total budget and for
each department envelope, the change of every stage objective and of youth reached per
unit of money.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from .batch import Engine, solve_scenarios
from .errors import PazosBudgetError
from .loader import LoadedScenario
from .model import FloatArray, build_model
from .pipeline import ScenarioInfeasible, solve_scenario
from .result import Result, to_json, unsolved_json
from .scenario import Budget, Scenario
from .solve import SolveOptions, Status
from .unchanged import Proof, more_money_changes_nothing

#: The machine-readable document of `compare --json` and `sweep --json`.
BATCH_SCHEMA = "pazos-budget/batch@1"


def money_step(total: float) -> float:
    """A round amount of about 1% of the budget (1, 2 or 5 times a power of ten)."""
    if total <= 0:
        return 1.0
    raw = total * 0.01
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * power >= raw * 0.999:
            return float(m * power)
    return float(10 * power)


def with_more_money(s: Scenario, department: str | None, amount: float) -> Scenario:
    """The same scenario with `amount` more in the total budget or one envelope.

    A department's envelope grows alone and the total budget stays as it is: the question
    is what raising that ceiling is worth within the same total (docs/model.md).
    """
    if department is None:
        return s.model_copy(update={"budget": Budget(total=s.budget.total + amount)})
    depts = [
        d.model_copy(update={"budget": (d.budget or 0.0) + amount}) if d.id == department else d
        for d in s.departments
    ]
    return s.model_copy(update={"departments": depts})


def default_jobs() -> int:
    return max(1, os.cpu_count() or 1)


@dataclass
class Batch:
    """Results of independent solves, in input order; None where a solve never ran."""

    results: list[Result | PazosBudgetError | None]
    interrupted: bool = False


def solve_many(
    loaded: LoadedScenario,
    variants: Sequence[Scenario],
    options: SolveOptions,
    jobs: int | None = None,
    on_done: Callable[[int], None] | None = None,
    keep_partial: bool = False,
    start: FloatArray | None = None,
) -> Batch:
    """Solve independent variants of one scenario (see `solve_all`)."""
    return solve_all(
        [replace(loaded, scenario=v) for v in variants],
        options,
        jobs,
        on_done,
        keep_partial,
        start,
    )


def solve_all(
    scenarios: Sequence[LoadedScenario],
    options: SolveOptions,
    jobs: int | None = None,
    on_done: Callable[[int], None] | None = None,
    keep_partial: bool = False,
    start: FloatArray | None = None,
) -> Batch:
    """Solve independent scenarios in parallel threads, each from `start` if given.

    HiGHS releases the GIL while it solves, so threads use every core without the start-up
    cost of processes. Each solve runs with `options` unchanged (one solver thread by
    default), so a variant solves the same here as alone, with any `jobs`. A variant
    that fails gives its error in its place; `on_done(i)` is called as each one finishes.
    With `keep_partial`, Ctrl-C stops the batch and keeps what was solved.
    """
    jobs = max(1, min(jobs or default_jobs(), len(scenarios)))
    # Every solve gets the very options a solve alone gets (the solver's thread count
    # included), whatever `jobs` is: the plan must not depend on how the batch is run.
    # Only the model export is dropped (one file, not one per variant), and a control
    # stops these solves too (Ctrl-C during marginal values) but shows no progress: the
    # progress line belongs to one solve.
    control = None if options.control is None else options.control.silent()
    opts = replace(options, write_model=None, control=control)

    def one(i: int) -> Result | PazosBudgetError:
        try:
            return solve_scenario(scenarios[i], opts, start=start)
        except PazosBudgetError as e:
            return e

    batch = Batch([None] * len(scenarios))
    try:
        if jobs == 1:
            for i in range(len(scenarios)):
                batch.results[i] = one(i)
                if on_done:
                    on_done(i)
        else:
            pool = ThreadPoolExecutor(max_workers=jobs)
            futures = {pool.submit(one, i): i for i in range(len(scenarios))}
            try:
                for fut in as_completed(futures):
                    i = futures[fut]
                    batch.results[i] = fut.result()
                    if on_done:
                        on_done(i)
            finally:
                # On Ctrl-C: drop what has not started; running solves end on their own.
                pool.shutdown(wait=False, cancel_futures=True)
    except KeyboardInterrupt:
        if not keep_partial:
            raise
        batch.interrupted = True
    return batch


def solve_with_marginal_values(
    loaded: LoadedScenario, options: SolveOptions | None = None, *, start: FloatArray | None = None
) -> Result:
    """`pipeline.solve_scenario`, then the marginal values of money on its result
    (`solve --marginal`): every stage re-solved with more money, from the plan."""
    options = options or SolveOptions()
    result = solve_scenario(loaded, options, start=start)
    result.marginal_values = marginal_values(loaded, result, options)
    return result


def marginal_values(
    loaded: LoadedScenario,
    base: Result,
    options: SolveOptions,
    step: float | None = None,
    jobs: int | None = None,
    start: FloatArray | None = None,
) -> list[dict[str, Any]]:
    """One entry per money source: total budget, then each department with an envelope.

    `start` is the base solution (by default the one `base` was built from): with more
    money it is still feasible, so each re-solve starts from it. A value is given only when
    the base and the re-solve are both proven optima; otherwise the entry says why (`exact`
    false, a `reason`, the figures None).
    """
    if start is None:
        start = base.solution_values
    s = loaded.scenario
    delta = step or money_step(s.budget.total)
    sources: list[tuple[str | None, str]] = [(None, "total budget")]
    sources += [(d.id, d.name) for d in s.departments if d.budget is not None]
    variants = [with_more_money(s, dept, delta) for dept, _ in sources]
    solved: list[Result | PazosBudgetError | None] = [None] * len(sources)
    proofs: list[Proof | None] = [None] * len(sources)
    # A difference against a plan that is not proven optimal measures the gap as much
    # as the money: no re-solve can make it exact, so none is run.
    if base.status == Status.OPTIMAL:
        if options.control is not None:
            options.control.phase(
                f"Marginal value of money: {len(sources)} money sources, each proven "
                "unchanged or solved again"
            )
        proofs = prove_unchanged(s, base, variants, options, jobs)
        todo = [i for i, proof in enumerate(proofs) if proof is None]
        again = solve_many(loaded, [variants[i] for i in todo], options, jobs, start=start)
        for i, more in zip(todo, again.results, strict=True):
            solved[i] = more
        for i, proof in enumerate(proofs):
            if proof is not None:
                solved[i] = base  # the re-solve's answer, proven (unchanged.py)
    out = []
    for (dept, name), more, proof in zip(sources, solved, proofs, strict=True):
        entry: dict[str, Any] = {
            "source": "total_budget" if dept is None else "department",
            "department": dept,
            "name": name,
            "extra": delta,
            "re_solved": proof is None and more is not None,
            "proof": None if proof is None else proof.stage,
        }
        code = _not_exact(base, more)
        if code is not None:
            error = "" if more is None or isinstance(more, Result) else str(more).splitlines()[0]
            entry |= {
                "exact": False,
                "reason": NOT_EXACT_REASONS[code].format(error=error),
                "reason_code": code.value,
            }
            entry |= dict.fromkeys(MARGINAL_FIGURES)
            if code == NotExact.RESOLVE_FAILED:
                entry["error"] = error  # a re-solve that fails is reported, not fatal
            out.append(entry)
            continue
        assert isinstance(more, Result)
        stages = []
        for a, b in zip(base.stages, more.stages, strict=False):
            if a.priority is not None:
                gain = a.objective - b.objective  # shortfall reduced
            elif a.final == "minimize_spend":
                gain = a.objective - b.objective  # spend saved
            else:
                gain = b.objective - a.objective  # weighted coverage gained
            label = {"priority": a.priority} if a.priority is not None else {"final": a.final}
            stages.append(
                label
                | {
                    "before": _r(a.objective),
                    "after": _r(b.objective),
                    "improvement": _r(gain),
                    "per_unit": _r(gain / delta),
                }
            )
        youth = more.youth_reached - base.youth_reached
        entry |= {
            "exact": True,
            "reason": None,
            "reason_code": None,
            "stages": stages,
            "youth_reached": _r(youth),
            "youth_per_unit": _r(youth / delta),
            "weighted_coverage": _r(more.weighted_coverage - base.weighted_coverage),
            "spend": _r(more.spend - base.spend),
        }
        out.append(entry)
    return out


class NotExact(StrEnum):
    """Why a marginal-value entry has no value (its `reason_code`)."""

    PLAN_NOT_OPTIMAL = "plan_not_optimal"  # the base solve stopped at a limit
    RESOLVE_NOT_OPTIMAL = "resolve_not_optimal"  # the re-solve stopped at a limit
    RESOLVE_FAILED = "resolve_failed"  # the re-solve raised (infeasible, solver error)
    NOT_SOLVED = "not_solved"  # the re-solve never ran


#: The figures of a marginal-value entry; each is null (None) in an entry that is not exact.
MARGINAL_FIGURES = ("stages", "youth_reached", "youth_per_unit", "weighted_coverage", "spend")


#: What an entry without a value says (`reason`), by `reason_code`; the workbook says the
#: same (reports/labels.py, `marginal.<code>`).
NOT_EXACT_REASONS = {
    NotExact.PLAN_NOT_OPTIMAL: (
        "not computed: the plan itself is not proven optimal (its solve was stopped by the "
        "time limit or Ctrl-C), so a difference would measure its gap, not the money"
    ),
    NotExact.RESOLVE_NOT_OPTIMAL: (
        "not computed: the re-solve with more money was stopped (time limit or Ctrl-C) "
        "before proving its optimum, so the difference would not be exact"
    ),
    NotExact.RESOLVE_FAILED: "not computed: the re-solve failed ({error})",
    NotExact.NOT_SOLVED: "not computed: the re-solve did not run",
}


def prove_unchanged(
    scenario: Scenario,
    base: Result,
    variants: Sequence[Scenario],
    options: SolveOptions,
    jobs: int | None = None,
) -> list[Proof | None]:
    """For each variant of `scenario` (with more money in one source), a proof that its
    re-solve gives the plan `base` back (unchanged.py), or None where it must be re-solved.

    The proofs are linear programmes, run on threads like the re-solves; each is the
    same whatever `jobs` is, so which sources are skipped does not depend on it.
    """
    optima = [st.solver_objective for st in base.stages]
    if not all(math.isfinite(v) for v in optima):
        return [None] * len(variants)
    # The plan's values carry the proof into a linear model's tie-break only when the
    # tie-break ran (the solve says when it was skipped).
    values = None if base.notes else base.solution_values
    model = build_model(scenario)

    def one(v: Scenario) -> Proof | None:
        return more_money_changes_nothing(model, build_model(v), optima, options, values)

    jobs = max(1, min(jobs or default_jobs(), len(variants)))
    if jobs == 1:
        return [one(v) for v in variants]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(one, variants))


def _not_exact(base: Result, more: Result | PazosBudgetError | None) -> NotExact | None:
    """Why a marginal value cannot be given; None when the base and the re-solve are both
    proven optima (a feasible solve, stopped at a limit, proves nothing about the money)."""
    if base.status != Status.OPTIMAL:
        return NotExact.PLAN_NOT_OPTIMAL
    if more is None:
        return NotExact.NOT_SOLVED
    if not isinstance(more, Result):
        return NotExact.RESOLVE_FAILED
    if more.status != Status.OPTIMAL:
        return NotExact.RESOLVE_NOT_OPTIMAL
    return None


def _r(x: float) -> float:
    return 0.0 if abs(x) < 1e-9 else float(f"{x:.9g}")


# --------------------------------------------------------------------------- sweeps
def scaled_budgets(s: Scenario, factor: float) -> Scenario:
    """Every money limit times `factor`: total budget, envelopes and minimum spends."""
    depts = [
        d.model_copy(
            update={
                "budget": None if d.budget is None else d.budget * factor,
                "min_spend": None if d.min_spend is None else d.min_spend * factor,
            }
        )
        for d in s.departments
    ]
    return s.model_copy(
        update={"budget": Budget(total=s.budget.total * factor), "departments": depts}
    )


def with_total(s: Scenario, total: float) -> Scenario:
    return s.model_copy(update={"budget": Budget(total=total)})


def frange(start: float, stop: float, step: float) -> list[float]:
    """start, start+step, ..., stop (inclusive, without float drift)."""
    if step <= 0:
        raise ValueError("the step must be positive")
    if stop < start:
        raise ValueError("the end must not be below the start")
    n = math.floor((stop - start) / step + 1e-9)
    if n > 1000:
        raise ValueError(f"{n + 1} points is too many for one sweep (1,001 at most)")
    return [round(start + k * step, 12) for k in range(n + 1)]


@dataclass
class SweepPoint:
    budget: float  # the total budget at this point
    scale: float | None  # the factor on every money limit, for --scale sweeps
    result: Result | None
    error: str | None = None
    document: dict[str, Any] | None = None  # result@1 of a point that failed (see sweep)


@dataclass
class Sweep:
    scenario: Scenario
    points: list[SweepPoint]
    interrupted: bool

    def solved(self) -> list[SweepPoint]:
        return [p for p in self.points if p.result is not None]


def sweep(
    loaded: LoadedScenario,
    options: SolveOptions,
    *,
    totals: Sequence[float] | None = None,
    scales: Sequence[float] | None = None,
    jobs: int | None = None,
    on_done: Callable[[int], None] | None = None,
    scheduler: str | None = None,
) -> Sweep:
    """The budget frontier: one solve per total budget (or per scale of all budgets), as
    a batch (batch.py: `jobs` local workers, or the Dask cluster at `scheduler`)."""
    s = loaded.scenario
    if (totals is None) == (scales is None):
        raise ValueError("give either totals or scales")
    if totals is not None:
        variants = [with_total(s, t) for t in totals]
        points = [SweepPoint(t, None, None) for t in totals]
    else:
        assert scales is not None
        variants = [scaled_budgets(s, f) for f in scales]
        points = [SweepPoint(s.budget.total * f, f, None) for f in scales]
    batch = solve_scenarios(
        [replace(loaded, scenario=v) for v in variants],
        options,
        Engine(jobs, scheduler),
        on_done=on_done,
        keep_partial=True,
    )
    for point, variant, res in zip(points, variants, batch.results, strict=True):
        if isinstance(res, Result):
            point.result = res
        elif res is not None:
            point.error = str(res).splitlines()[0]
            point.document = _failure_json(replace(loaded, scenario=variant), res, options)
        else:
            point.error = "not solved (interrupted)"
    return Sweep(s, points, batch.interrupted)


def _failure_json(
    loaded: LoadedScenario, error: PazosBudgetError, options: SolveOptions
) -> dict[str, Any]:
    """The result@1 document of a point without a solution: infeasible with its
    diagnosis, or a solver error with its message."""
    if isinstance(error, ScenarioInfeasible):
        return error.to_json()
    return unsolved_json(loaded, Status.ERROR, options.solver, error=str(error))


def sweep_json(sw: Sweep) -> dict[str, Any]:
    """`sweep --json`: one result@1 document per point, in order, each with the point's
    `scale` (a --scale sweep) or `budget` (a --budget sweep). Points an interrupted sweep
    never solved are listed in `not_solved`, not as results."""
    results: list[dict[str, Any]] = []
    not_solved: list[dict[str, float]] = []
    for p in sw.points:
        where = {"scale": p.scale} if p.scale is not None else {"budget": p.budget}
        if p.result is not None:
            results.append(to_json(p.result) | where)
        elif p.document is not None:
            results.append(p.document | where)
        else:
            not_solved.append(where)
    return {
        "schema": BATCH_SCHEMA,
        "command": "sweep",
        "interrupted": sw.interrupted,
        "results": results,
        "not_solved": not_solved,
    }


def frontier_rows(sw: Sweep) -> list[dict[str, Any]]:
    """One row per point: the figures of the frontier, and the marginal youth per unit of
    money between this point and the previous solved one."""
    priorities = sorted({t.priority for _, t in sw.scenario.all_targets() if not t.hard})
    rows: list[dict[str, Any]] = []
    prev: SweepPoint | None = None
    for p in sw.points:
        row: dict[str, Any] = {"budget": p.budget, "scale": p.scale}
        r = p.result
        if r is None:
            row |= {
                "status": "error" if p.error and "interrupted" not in p.error else "not solved",
                "error": p.error,
            }
            rows.append(row)
            continue
        met, total = r.targets_met()
        row |= {
            "status": r.status.value,
            "spend": r.spend,
            "youth_reached": r.youth_reached,
            "weighted_coverage": r.weighted_coverage,
            "prioritized_coverage": r.prioritized_coverage,
            "targets_met": met,
            "targets_total": total,
        }
        for prio in priorities:
            row[f"shortfall_p{prio}"] = next(
                (st.objective for st in r.stages if st.priority == prio), 0.0
            )
        final = next((st for st in r.stages if st.final), None)
        row["final_objective"] = final.objective if final else None
        if prev is not None and prev.result is not None and p.budget != prev.budget:
            row["youth_per_unit"] = (r.youth_reached - prev.result.youth_reached) / (
                p.budget - prev.budget
            )
        else:
            row["youth_per_unit"] = None
        rows.append(row)
        prev = p
    return rows


# --------------------------------------------------------------------------- comparison
@dataclass
class Comparison:
    """Scenarios side by side; the first is the base the deltas are measured against."""

    names: list[str]
    results: list[Result]

    @property
    def base(self) -> Result:
        return self.results[0]

    def key_figures(self) -> list[dict[str, Any]]:
        out = []
        for name, r in zip(self.names, self.results, strict=True):
            met, total = r.targets_met()
            out.append(
                {
                    "scenario": name,
                    "budget": r.budget,
                    "spend": r.spend,
                    "unspent": r.unspent,
                    "youth_reached": r.youth_reached,
                    "participations": r.participations,
                    "weighted_coverage": r.weighted_coverage,
                    "prioritized_coverage": r.prioritized_coverage,
                    "targets_met": met,
                    "targets_total": total,
                }
            )
        return out

    def _by(self, key: str) -> dict[str, list[float]]:
        """id -> spend in each scenario, for departments / clusters / components."""
        table: dict[str, list[float]] = {}
        n = len(self.results)
        for k, r in enumerate(self.results):
            if key == "department":
                items = [(d.id, d.spend) for d in r.departments]
            elif key == "cluster":
                items = [(c.id, c.spend) for c in r.clusters]
            elif key == "component":
                sums: dict[str, float] = {}
                for pr in r.programmes:
                    sums[pr.component] = sums.get(pr.component, 0.0) + pr.spend
                items = list(sums.items())
            else:
                items = [(pr.id, pr.spend) for pr in r.programmes]
            for ident, value in items:
                table.setdefault(ident, [0.0] * n)[k] = value
        return table

    def spend_by(self, key: str) -> list[dict[str, Any]]:
        """Rows of spend per scenario and delta against the base: key is department,
        cluster, component or programme."""
        rows = []
        for ident, values in self._by(key).items():
            rows.append({"id": ident, "spend": values, "delta": [v - values[0] for v in values]})
        return rows

    def target_status(self) -> list[dict[str, Any]]:
        ids: dict[str, dict[str, Any]] = {}
        for k, r in enumerate(self.results):
            for t in r.targets:
                row = ids.setdefault(
                    t.id,
                    {
                        "id": t.id,
                        "owner": t.owner,
                        "priority": t.priority,
                        "hard": t.hard,
                        "met": [None] * len(self.results),
                    },
                )
                row["met"][k] = t.met
        return list(ids.values())

    def cut_first(self, key: str = "programme", top: int = 10) -> list[dict[str, Any]]:
        """What loses most money against the base, summed over the other scenarios
        (programmes or clusters), largest loss first."""
        rows = []
        for ident, values in self._by(key).items():
            loss = min((v - values[0] for v in values[1:]), default=0.0)
            if loss < -1e-9:
                rows.append({"id": ident, "base": values[0], "largest_cut": loss, "spend": values})
        rows.sort(key=lambda row: (row["largest_cut"], row["id"]))
        return rows[:top]


def compare(
    loaded: Sequence[LoadedScenario],
    options: SolveOptions,
    jobs: int | None = None,
    scheduler: str | None = None,
) -> Comparison:
    """Solve each scenario (the first is the base) as a batch (batch.py), and set them
    side by side.

    Raises the first scenario's error if any of them cannot be solved.
    """
    batch = solve_scenarios(loaded, options, Engine(jobs, scheduler))
    results: list[Result] = []
    for res in batch.results:
        if not isinstance(res, Result):
            raise res if res is not None else PazosBudgetError("a scenario was not solved")
        results.append(res)
    return Comparison([one.scenario.scenario.id for one in loaded], results)


def comparison_json(c: Comparison) -> dict[str, Any]:
    """`compare --json`: one result@1 document per scenario, the base first, each the
    document `solve --json` writes for that scenario alone."""
    return {
        "schema": BATCH_SCHEMA,
        "command": "compare",
        "interrupted": False,
        "results": [to_json(r) for r in c.results],
        "not_solved": [],
    }
