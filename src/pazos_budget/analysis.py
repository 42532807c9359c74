"""Analyses that drive the solver several times: marginal value of money (and, later,
sweeps and comparisons).

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
from dataclasses import replace
from typing import Any

from .errors import PazosBudgetError
from .loader import LoadedScenario
from .pipeline import solve_scenario
from .result import Result
from .scenario import Budget, Scenario
from .solve import SolveOptions


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

    A department's envelope grows alone; the total budget grows with it only when the
    total would otherwise cap it (so the question is "what if Culture had more?").
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


def solve_many(
    loaded: LoadedScenario,
    variants: Sequence[Scenario],
    options: SolveOptions,
    jobs: int | None = None,
    on_done: Callable[[int], None] | None = None,
) -> list[Result | PazosBudgetError]:
    """Solve independent variants of one scenario, in parallel threads.

    HiGHS releases the GIL while it solves, so threads use every core without the start-up
    cost of processes. Each solve gets one solver thread when several run at once. A variant
    that fails gives its error in its place; `on_done(i)` is called as each one finishes.
    """
    jobs = max(1, min(jobs or default_jobs(), len(variants)))
    sequential = replace(options, write_model=None)
    # HiGHS keeps one scheduler per calling thread, sized by the first solve in that
    # thread: a pool worker may ask for one thread, the main thread must keep its setting.
    parallel = replace(sequential, threads=1)

    def one(i: int, opts: SolveOptions = parallel) -> Result | PazosBudgetError:
        try:
            return solve_scenario(replace(loaded, scenario=variants[i]), opts)
        except PazosBudgetError as e:
            return e

    results: list[Result | PazosBudgetError | None] = [None] * len(variants)
    if jobs == 1:
        for i in range(len(variants)):
            results[i] = one(i, sequential)
            if on_done:
                on_done(i)
    else:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(one, i): i for i in range(len(variants))}
            try:
                for fut in as_completed(futures):
                    i = futures[fut]
                    results[i] = fut.result()
                    if on_done:
                        on_done(i)
            except KeyboardInterrupt:
                for fut in futures:
                    fut.cancel()
                raise
    return [r for r in results if r is not None]


def marginal_values(
    loaded: LoadedScenario,
    base: Result,
    options: SolveOptions,
    step: float | None = None,
    jobs: int | None = None,
) -> list[dict[str, Any]]:
    """One entry per money source: total budget, then each department with an envelope."""
    s = loaded.scenario
    delta = step or money_step(s.budget.total)
    sources: list[tuple[str | None, str]] = [(None, "total budget")]
    sources += [(d.id, d.name) for d in s.departments if d.budget is not None]
    solved = solve_many(
        loaded, [with_more_money(s, dept, delta) for dept, _ in sources], options, jobs
    )
    out = []
    for (dept, name), more in zip(sources, solved, strict=True):
        entry: dict[str, Any] = {
            "source": "total_budget" if dept is None else "department",
            "department": dept,
            "name": name,
            "extra": delta,
        }
        if isinstance(more, PazosBudgetError):  # a re-solve that fails is reported, not fatal
            entry["error"] = str(more).splitlines()[0]
            out.append(entry)
            continue
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
            "stages": stages,
            "youth_reached": _r(youth),
            "youth_per_unit": _r(youth / delta),
            "weighted_coverage": _r(more.weighted_coverage - base.weighted_coverage),
            "spend": _r(more.spend - base.spend),
        }
        out.append(entry)
    return out


def _r(x: float) -> float:
    return 0.0 if abs(x) < 1e-9 else float(f"{x:.9g}")
