"""Analyses that drive the solver several times: marginal value of money (and, later,
sweeps and comparisons).

Marginal values are measured by re-solving with a little more money (exact for integer
models too, unlike LP duals, and read in the user's terms): for the total budget and for
each department envelope, the change of every stage objective and of youth reached per
unit of money.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from .errors import PazosBudgetError
from .loader import LoadedScenario
from .model import build_model
from .result import Result, build_result
from .scenario import Budget, Scenario
from .solve import SolveOptions, solve_model


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


def marginal_values(
    loaded: LoadedScenario, base: Result, options: SolveOptions, step: float | None = None
) -> list[dict[str, Any]]:
    """One entry per money source: total budget, then each department with an envelope."""
    s = loaded.scenario
    delta = step or money_step(s.budget.total)
    sources: list[tuple[str | None, str]] = [(None, "total budget")]
    sources += [(d.id, d.name) for d in s.departments if d.budget is not None]
    out = []
    for dept, name in sources:
        variant = with_more_money(s, dept, delta)
        entry: dict[str, Any] = {
            "source": "total_budget" if dept is None else "department",
            "department": dept,
            "name": name,
            "extra": delta,
        }
        try:
            model = build_model(variant)
            sol = solve_model(model, replace(options, write_model=None))
            if not sol.has_solution:
                raise PazosBudgetError(sol.status.value)
            more = build_result(replace(loaded, scenario=variant), model, sol)
        except PazosBudgetError as e:  # a re-solve that fails is reported, not fatal
            entry["error"] = str(e)
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
            stages.append(label | {"improvement": _r(gain), "per_unit": _r(gain / delta)})
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
