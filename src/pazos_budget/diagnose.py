"""Infeasibility diagnosis: which hard commitments must give, and by how much.

MODEL.md section 5: never a bare "infeasible". The elastic model of
`model.build_model(elastic=True)` lets every hard commitment give (the total budget, the
department envelopes and minimum spends, the mandatory programmes' minimum units, the
maximum change from current units, the hard targets' rows) and has four stages: the fewest
commitments that give; among those, the preferred kinds (`model.GIVE_PREFERENCE`: hard
targets, then budgets, then promises about programmes); the least money missing; then the
smallest other relative violations. So "the budget must grow by at least X" is exact, and
every other amount is what that budget allows. Each commitment that gives becomes one
finding, in the user's terms. The elastic model always has a solution (no units at all,
with every commitment giving fully, satisfies every row), so a finding that names no
commitment (`FallbackKind`) means solver trouble, not a contradictory scenario.

Two small follow-up solves per finding make the wording honest:
- alternatives: with this commitment held, can another set of the same size give instead?
  If not, the commitment is in every smallest set (`unavoidable`); if so, the finding names
  what could give instead, and the header says the set is one example;
- money: with every budget free to grow, would this commitment still have to give? This
  decides between "with this budget" and "even with more money".

Every figure is read from the elastic solution (units, spend, rows), never from the
solver's objective values.
"""

from __future__ import annotations

import dataclasses
import math
import time
from enum import StrEnum
from typing import Any

import numpy as np

from .errors import SolverError
from .model import (
    CONTRACT_TOLERANCE,
    Commitment,
    CommitmentKind,
    FloatArray,
    Model,
    Sense,
    Stage,
    build_model,
)
from .scenario import (
    YOUTH_METRIC,
    ComponentPresenceTarget,
    MetricTarget,
    Scenario,
    SpendShareTarget,
    Target,
    YouthReachTarget,
)
from .solve import Solution, SolveOptions, Status, solve_model

#: A commitment gives when its violation exceeds this, relative to max(1, its scale).
GIVE_TOLERANCE = 1e-6
#: The follow-up solves (alternatives, money) are made for at most this many findings.
MAX_FOLLOW_UPS = 10
#: Under a time limit, no solve is started with less time than this left.
MIN_SOLVE_SECONDS = 0.05
#: Owner of a PAZOS cross-cutting target (department goals are owned by their department).
PAZOS_OWNER = "pazos"

_BUDGET_KINDS = (CommitmentKind.TOTAL_BUDGET, CommitmentKind.DEPARTMENT_BUDGET)
_KIND_ORDER = {kind: i for i, kind in enumerate(CommitmentKind)}


class FallbackKind(StrEnum):
    """Findings that are not a commitment: the diagnosis itself could not name one."""

    STRUCTURE = "structure"  # even the elastic model has no solution
    UNDIAGNOSED = "undiagnosed"  # the diagnosis solve failed or ran out of time
    NUMERICAL = "numerical"  # every commitment can hold: the infeasibility was numerical


class Money(StrEnum):
    """Whether money limits a commitment that gives (the `money` key of a finding)."""

    LIMITS = "limits"  # with the budgets free, the commitment holds
    PARTLY = "partly"  # with the budgets free, it gives less, but still gives
    NO = "no"  # more money would not help
    UNKNOWN = "unknown"  # not checked (spend shares, budgets, or no time left)


# --------------------------------------------------------------------------- entry point
def diagnose(scenario: Scenario, options: SolveOptions) -> list[dict[str, Any]]:
    """One finding per hard commitment that must give, in a deterministic order.

    Each finding has `kind` (a `CommitmentKind` value, or a `FallbackKind` value when no
    commitment could be named), `subject`, `key`, `owner`, `committed`, `possible`,
    `violation` (in `unit`), `relative`, `money`, `unavoidable`, `alternatives`, `proven`
    and `message`.
    """
    # The user's --write-model file holds the model they asked to solve, not this one.
    options = dataclasses.replace(options, write_model=None)
    deadline = time.perf_counter() + options.time_limit if options.time_limit else None
    model = build_model(scenario, elastic=True)
    try:
        solution = _solve_elastic(model, options, deadline)
    except SolverError as e:
        return [_fallback(FallbackKind.UNDIAGNOSED, str(e))]
    if solution is None or not solution.has_solution:
        if solution is not None and solution.status == Status.INFEASIBLE:
            return [_fallback(FallbackKind.STRUCTURE)]
        detail = "no time left" if solution is None else _status_words(solution)
        return [_fallback(FallbackKind.UNDIAGNOSED, detail)]

    values = solution.values
    giving = [k for k in model.commitments if _gives(k, values)]
    if not giving:
        return [_fallback(FallbackKind.NUMERICAL)]

    proven = solution.status == Status.OPTIMAL
    reader = _Reader(model, values)
    findings = []
    for i, k in enumerate(sorted(giving, key=lambda c: _order(model, c))):
        unavoidable: bool | None = None
        alternatives: list[Commitment] = []
        money = Money.UNKNOWN
        limit_free = math.nan
        if proven and i < MAX_FOLLOW_UPS:
            unavoidable, alternatives = _alternatives(model, giving, k, options, deadline)
            if _money_matters(model, k):
                money, limit_free = _money_check(model, giving, k, values, options, deadline)
        findings.append(
            _finding(
                reader,
                k,
                single=len(giving) == 1,
                budget_gives=_grown_budget_limits(model, giving, k),
                proven=proven,
                unavoidable=unavoidable,
                alternatives=alternatives,
                money=money,
                violation_free=limit_free,
            )
        )
    return findings


# --------------------------------------------------------------------------- wording
def diagnosis_header(findings: list[dict[str, Any]]) -> str:
    """The sentence that introduces the findings ("" when they speak for themselves).

    "The smallest set" only when every finding is in every smallest set; "for example"
    when another, equally small set exists (each such finding says what could give
    instead); a set found at a time limit is not called the smallest.
    """
    if not findings:
        return "(No diagnosis could be computed.)"
    if any(f["kind"] in {k.value for k in FallbackKind} for f in findings):
        return ""
    if not all(f.get("proven", True) for f in findings):
        return (
            "A set of commitments that must give (the diagnosis stopped at its time limit, "
            "so a smaller set may exist):"
        )
    if any(f.get("unavoidable") is False for f in findings):
        return (
            "One smallest set of commitments that must give, for example "
            "('or instead' names equally small alternatives):"
        )
    if all(f.get("unavoidable") is True for f in findings):
        return "The smallest set of commitments that must give:"
    return "A smallest set of commitments that must give:"


def diagnosis_lines(findings: list[dict[str, Any]]) -> list[str]:
    """The findings as indented lines: each message, then what could give instead."""
    lines = []
    for f in findings:
        lines.append(f"  - {f['message']}")
        if f.get("alternatives"):
            lines.append("    or instead: " + " and ".join(a["label"] for a in f["alternatives"]))
    return lines


# --------------------------------------------------------------------------- solving
def _gives(k: Commitment, values: FloatArray) -> bool:
    return bool(values[k.elastic_col] > GIVE_TOLERANCE * max(1.0, k.scale))


def _order(model: Model, k: Commitment) -> tuple[int, str, int]:
    return _KIND_ORDER[k.kind], k.subject, model.commitments.index(k)


def _run(
    model: Model,
    stages: list[Stage],
    lower: FloatArray,
    upper: FloatArray,
    options: SolveOptions,
    deadline: float | None,
) -> Solution | None:
    """Solve `stages` of `model` with other column bounds (None: no time left)."""
    opts = options
    if deadline is not None:
        left = deadline - time.perf_counter()
        if left < MIN_SOLVE_SECONDS:
            return None
        opts = dataclasses.replace(options, time_limit=left)
    variant = dataclasses.replace(model, col_lower=lower, col_upper=upper, stages=stages)
    return solve_model(variant, opts)


def _solve_elastic(model: Model, options: SolveOptions, deadline: float | None) -> Solution | None:
    """The elastic stages, in three runs with bounds set here between them.

    1. which commitments give: the fewest, then the preferred kinds (integer objectives,
       held exactly by the solver);
    2. with that set fixed (which takes the binaries out), the least money missing;
    3. with each budget's growth fixed at that, the smallest other violations.
    Holding an amount by a column bound of our own, rather than by the solver's hold row,
    keeps CBC's 8-digit solution files from making the next run infeasible.
    """
    chosen = _run(model, model.stages[:2], model.col_lower, model.col_upper, options, deadline)
    if chosen is None or not chosen.has_solution:
        return chosen
    lower, upper = model.col_lower.copy(), model.col_upper.copy()
    for k in model.commitments:
        if chosen.values[k.indicator_col] > 0.5 or _gives(k, chosen.values):
            lower[k.indicator_col] = 1.0
        else:
            upper[[k.elastic_col, k.indicator_col]] = 0.0
    money = _run(model, model.stages[2:3], lower, upper, options, deadline)
    if money is None or not money.has_solution:
        return _not_structural(money)
    for k in model.commitments:
        if k.kind in _BUDGET_KINDS:
            grown = float(money.values[k.elastic_col])
            upper[k.elastic_col] = min(
                upper[k.elastic_col], grown + CONTRACT_TOLERANCE * max(1.0, grown)
            )
    amounts = _run(model, model.stages[3:], lower, upper, options, deadline)
    if amounts is None or not amounts.has_solution:
        return _not_structural(amounts)
    runs = (chosen, money, amounts)
    optimal = all(r.status == Status.OPTIMAL for r in runs)
    return dataclasses.replace(
        amounts,
        status=Status.OPTIMAL if optimal else Status.FEASIBLE,
        stages=[o for r in runs for o in r.stages],
        seconds=sum(r.seconds for r in runs),
    )


def _not_structural(solution: Solution | None) -> Solution | None:
    """A later run found nothing the first run had found: numerical trouble, which must
    not read as a contradictory scenario."""
    if solution is None or solution.status != Status.INFEASIBLE:
        return solution
    return dataclasses.replace(
        solution,
        status=Status.ERROR,
        messages=[
            *solution.messages,
            "the set found turned infeasible when its amounts were fixed",
        ],
    )


def _follow_up(
    model: Model,
    upper: FloatArray,
    stages: list[Stage],
    options: SolveOptions,
    deadline: float | None,
) -> Solution | None:
    try:
        return _run(model, stages, model.col_lower, upper, options, deadline)
    except SolverError:  # a follow-up only refines the wording; never lose the diagnosis
        return None


def _alternatives(
    model: Model,
    giving: list[Commitment],
    k: Commitment,
    options: SolveOptions,
    deadline: float | None,
) -> tuple[bool | None, list[Commitment]]:
    """Whether `k` is in every smallest set; if not, what gives in its place."""
    upper = model.col_upper.copy()
    upper[[k.elastic_col, k.indicator_col]] = 0.0
    solution = _follow_up(model, upper, model.stages[:2], options, deadline)
    if solution is None:
        return None, []
    if solution.status == Status.INFEASIBLE:
        return True, []
    if solution.status != Status.OPTIMAL:
        return None, []
    count = solution.stages[0].objective
    if count > len(giving) + 0.5:
        return True, []
    v = solution.values
    alt = [
        c
        for c in model.commitments
        if c not in giving and (v[c.indicator_col] > 0.5 or _gives(c, v))
    ]
    return False, sorted(alt, key=lambda c: _order(model, c))


def _money_check(
    model: Model,
    giving: list[Commitment],
    k: Commitment,
    values: FloatArray,
    options: SolveOptions,
    deadline: float | None,
) -> tuple[Money, float]:
    """How little `k` would give if every budget could grow (the others holding)."""
    upper = model.col_upper.copy()
    for c in model.commitments:
        if c not in giving and c.kind not in _BUDGET_KINDS:
            upper[[c.elastic_col, c.indicator_col]] = 0.0
    cost = np.zeros(model.n_cols)
    cost[k.elastic_col] = 1.0 / k.scale
    stage = Stage("more money", None, Sense.MIN, cost)
    solution = _follow_up(model, upper, [stage], options, deadline)
    if solution is None or solution.status != Status.OPTIMAL:
        return Money.UNKNOWN, math.nan
    free = float(solution.values[k.elastic_col])
    tol = GIVE_TOLERANCE * max(1.0, k.scale)
    if free <= tol:
        return Money.LIMITS, 0.0
    if free < values[k.elastic_col] - tol:
        return Money.PARTLY, free
    return Money.NO, free


def _grown_budget_limits(model: Model, giving: list[Commitment], k: Commitment) -> bool:
    """Whether a budget that gives also bounds `k`'s row: the total budget, or the envelope
    of a department that funds a programme counting for `k`. Then "this budget", in `k`'s
    message, is the grown one."""
    s = model.scenario
    if k.kind in (CommitmentKind.MANDATORY_MIN_UNITS, CommitmentKind.MAX_CHANGE):
        programmes = [p for p in s.programmes if p.id == k.subject]
    elif k.kind == CommitmentKind.DEPARTMENT_MIN_SPEND:
        programmes = [p for p in s.programmes if k.subject in p.funders()]
    else:
        cols = model.indices[model.indptr[k.row] : model.indptr[k.row + 1]]
        cells = cols[cols < model.n_cells]
        programmes = [s.programmes[i] for i in np.unique(model.cell_programme[cells])]
    funders = {d for p in programmes for d in p.funders()}
    return any(
        c.kind == CommitmentKind.TOTAL_BUDGET
        or (c.kind == CommitmentKind.DEPARTMENT_BUDGET and c.subject in funders)
        for c in giving
    )


def _money_matters(model: Model, k: Commitment) -> bool:
    """Whether more money could let `k` give less: not for budgets themselves, spend
    shares (a ratio) or a programme pushed above its maximum change."""
    if k.kind in _BUDGET_KINDS or (k.kind == CommitmentKind.MAX_CHANGE and k.key == "above"):
        return False
    if k.kind == CommitmentKind.HARD_TARGET:
        return not isinstance(_target(model, k.subject)[1], SpendShareTarget)
    return True


def _target(model: Model, target_id: str) -> tuple[str | None, Target]:
    for info in model.targets:
        if info.id == target_id:
            return info.owner, info.target
    raise KeyError(target_id)  # pragma: no cover - commitments come from model.targets


# --------------------------------------------------------------------------- reading
class _Reader:
    """Figures of the elastic solution: spend per programme and per cell."""

    def __init__(self, model: Model, values: FloatArray) -> None:
        self.model = model
        self.s = model.scenario
        self.values = values
        s = self.s
        x = values[: model.n_cells]
        cost = np.array([p.unit_cost for p in s.programmes])
        self.cell_spend = cost[model.cell_programme] * x
        self.spend = np.bincount(
            model.cell_programme, weights=self.cell_spend, minlength=len(s.programmes)
        )
        for i, col in model.y_col.items():
            self.spend[i] += s.programmes[i].fixed_cost * values[col]

    def row_cells(self, k: Commitment) -> int:
        """How many x columns a row has (0: nothing in scope can ever count)."""
        m = self.model
        cols = m.indices[m.indptr[k.row] : m.indptr[k.row + 1]]
        return int((cols < m.n_cells).sum())

    def share(self, owner: str | None, t: SpendShareTarget) -> tuple[float, str]:
        """The achieved spend share of a spend-share target, and what it is a share of."""
        s, m = self.s, self.model
        depts = s.target_departments(owner, t)
        in_scope = np.array([s.in_scope(p, depts, t) for p in s.programmes], dtype=bool)
        if t.clusters is not None:
            ids = {s.cluster_ids.index(c) for c in t.clusters}
            cell_in = in_scope[m.cell_programme] & np.isin(m.cell_cluster, list(ids))
            num = float(self.cell_spend[cell_in].sum())
        else:
            num = float(self.spend[in_scope].sum())
        if owner is not None and t.departments is None:
            weights = np.array([p.funders().get(owner, 0.0) for p in s.programmes])
            base = float((self.spend * weights).sum())
            base_words = f"department `{owner}`'s spend"
        else:
            base = float(self.spend.sum())
            base_words = "total spend"
        return (num / base if base > 0 else 0.0), base_words


def _finding(
    r: _Reader,
    k: Commitment,
    *,
    single: bool,
    budget_gives: bool,
    proven: bool,
    unavoidable: bool | None,
    alternatives: list[Commitment],
    money: Money,
    violation_free: float,
) -> dict[str, Any]:
    s = r.s
    cur = s.scenario.currency
    e = float(r.values[k.elastic_col])
    owner = ""
    if k.kind == CommitmentKind.TOTAL_BUDGET:
        committed, possible, unit = k.limit, k.limit + e, cur
        every = "every hard commitment" if single else "every hard commitment not listed here"
        message = (
            f"The total budget of {_num(committed)} ({cur}) must grow by at least "
            f"{_num(e)} (to {_num(possible)}) to meet {every}."
        )
    elif k.kind == CommitmentKind.DEPARTMENT_BUDGET:
        committed, possible, unit = k.limit, k.limit + e, cur
        message = (
            f"Department `{k.subject}`: its commitments need {_num(e)} more than its "
            f"envelope of {_num(committed)} ({cur})."
        )
    elif k.kind == CommitmentKind.DEPARTMENT_MIN_SPEND:
        committed, possible, unit = k.limit, k.limit - e, cur
        message = (
            f"Department `{k.subject}` can spend at most {_num(possible)} of its minimum "
            f"spend of {_num(committed)} ({cur}){_because(money, budget_gives)}"
            f"{_more(money, k.limit - violation_free)}."
        )
    elif k.kind == CommitmentKind.MANDATORY_MIN_UNITS:
        committed, possible, unit = k.limit, k.limit - e, "units"
        where = f" in cluster `{k.key}`" if k.key else ""
        message = (
            f"Programme `{k.subject}` (mandatory): only {_num(possible)} of its minimum "
            f"{_num(committed)} units{_unit_label(r, k)}{where} fit"
            f"{_because(money, budget_gives)}{_more(money, k.limit - violation_free)}."
        )
    elif k.kind == CommitmentKind.MAX_CHANGE:
        programme = next(p for p in s.programmes if p.id == k.subject)
        change = programme.max_change if programme.max_change is not None else s.max_change
        rule = (
            f"its maximum change (at most {_pct(change or 0.0)} from its current "
            f"{_num(programme.current_units or 0.0)})"
        )
        unit = "units"
        if k.key == "below":
            committed, possible = k.limit, k.limit - e
            message = (
                f"Programme `{k.subject}` can keep at most {_num(possible)} units"
                f"{_unit_label(r, k)}{_because(money, budget_gives)}"
                f"{_more(money, k.limit - violation_free)}; {rule} requires at least "
                f"{_num(committed)}."
            )
        else:
            committed, possible = k.limit, k.limit + e
            message = (
                f"Programme `{k.subject}` needs at least {_num(possible)} units"
                f"{_unit_label(r, k)}; {rule} allows at most {_num(committed)}."
            )
    else:
        t_owner, target = _target(r.model, k.subject)
        owner = t_owner or PAZOS_OWNER
        committed, possible, unit, message = _target_finding(
            r, k, t_owner, target, e, money, violation_free, budget_gives
        )
    violation = abs(committed - possible)
    return {
        "kind": k.kind.value,
        "subject": k.subject,
        "key": k.key,
        "owner": owner,
        "committed": _clean(committed),
        "possible": _clean(possible),
        "violation": _clean(violation),
        "unit": unit,
        "relative": _clean(e / k.scale),
        "money": money.value,
        "unavoidable": unavoidable,
        "alternatives": [
            {"kind": a.kind.value, "subject": a.subject, "key": a.key, "label": _label(r, a)}
            for a in alternatives
        ],
        "proven": proven,
        "message": message,
    }


def _target_finding(
    r: _Reader,
    k: Commitment,
    owner: str | None,
    t: Target,
    e: float,
    money: Money,
    violation_free: float,
    budget_gives: bool,
) -> tuple[float, float, str, str]:
    """(committed, possible, unit, message) of a hard target row that gives."""
    s = r.s
    who = f"Target `{t.id}`" if owner is None else f"Goal `{t.id}` of department `{owner}`"
    who += " (hard)"
    achieved = k.limit - e
    free = k.limit - violation_free  # reachable with the budgets free (PARTLY only)
    if isinstance(t, YouthReachTarget):
        pop = next(c.youth_population for c in s.clusters if c.id == k.key)
        if t.share is not None:
            more = f"; {_pct(free / pop)} with more money" if money == Money.PARTLY else ""
            return (
                t.share,
                achieved / pop,
                "share",
                f"{who} can reach at most {_pct(achieved / pop)} in cluster `{k.key}`"
                f"{_because(money, budget_gives)} (required {_pct(t.share)}{more}).",
            )
        more = f"; {_num(free)} with more money" if money == Money.PARTLY else ""
        return (
            k.limit,
            achieved,
            "youth",
            f"{who} can reach at most {_num(achieved)} youth in cluster `{k.key}`"
            f"{_because(money, budget_gives)} (required {_num(k.limit)}{more}).",
        )
    if isinstance(t, MetricTarget):
        what = "youth reached" if t.metric == YOUTH_METRIC else t.metric
        where = ""
        if t.clusters is not None:
            where = " in cluster" + ("s " if len(t.clusters) > 1 else " ")
            where += ", ".join(f"`{c}`" for c in t.clusters)
        return (
            k.limit,
            achieved,
            t.metric,
            f"{who} can reach at most {_num(achieved)} of the {_num(k.limit)} {what} "
            f"required{where}{_because(money, budget_gives)}{_more(money, free)}.",
        )
    if isinstance(t, ComponentPresenceTarget):
        cluster, comp = k.key.split("/", 1)
        if r.row_cells(k) == 0:
            because = " (no programme in its scope delivers this component there)"
        else:
            because = _because(money, budget_gives) + _more(money, free)
        if achieved <= GIVE_TOLERANCE:
            text = f"no units of component `{comp}` can be delivered in cluster `{cluster}`"
        else:
            text = (
                f"only {_num(achieved)} of the {_num(k.limit)} units of component `{comp}` "
                f"required in cluster `{cluster}` can be delivered"
            )
        return k.limit, achieved, "units", f"{who}: {text}{because}."
    assert isinstance(t, SpendShareTarget)
    share, base_words = r.share(owner, t)
    if t.at_most is not None:
        return (
            t.at_most,
            share,
            "share",
            f"{who}: spend in its scope cannot fall below {_pct(share)} of {base_words} "
            f"(required at most {_pct(t.at_most)}).",
        )
    required = t.at_least or 0.0
    return (
        required,
        share,
        "share",
        f"{who}: spend in its scope can reach at most {_pct(share)} of {base_words} "
        f"(required at least {_pct(required)}).",
    )


def _unit_label(r: _Reader, k: Commitment) -> str:
    """ " (workshop)" after "units" when the programme names its unit."""
    unit = next(p.unit for p in r.s.programmes if p.id == k.subject)
    return "" if unit == "unit" else f" ({unit})"


def _because(money: Money, budget_gives: bool) -> str:
    """Whether money is what limits a commitment. When a budget gives too, "the budget"
    is the one the findings above grow, not the scenario's."""
    if money in (Money.LIMITS, Money.PARTLY):
        return " with the budget grown as above" if budget_gives else " with this budget"
    if money == Money.NO:
        return ", even with more money"
    return ""


def _more(money: Money, amount: float) -> str:
    """What more money would reach, when it helps only partly (the amount is NaN when the
    money check did not run, so it is formatted only then)."""
    return f" ({_num(amount)} with more money)" if money == Money.PARTLY else ""


def _label(r: _Reader, k: Commitment) -> str:
    """A commitment named in a few words (for 'or instead')."""
    if k.kind == CommitmentKind.TOTAL_BUDGET:
        return "the total budget"
    if k.kind == CommitmentKind.DEPARTMENT_BUDGET:
        return f"the envelope of department `{k.subject}`"
    if k.kind == CommitmentKind.DEPARTMENT_MIN_SPEND:
        return f"the minimum spend of department `{k.subject}`"
    if k.kind == CommitmentKind.MANDATORY_MIN_UNITS:
        where = f" in cluster `{k.key}`" if k.key else ""
        return f"the minimum units of programme `{k.subject}`{where}"
    if k.kind == CommitmentKind.MAX_CHANGE:
        return f"the maximum change of programme `{k.subject}`"
    owner, t = _target(r.model, k.subject)
    who = f"target `{t.id}`" if owner is None else f"goal `{t.id}` of department `{owner}`"
    if isinstance(t, YouthReachTarget):
        return f"{who} in cluster `{k.key}`"
    if isinstance(t, ComponentPresenceTarget):
        cluster, comp = k.key.split("/", 1)
        return f"{who} for component `{comp}` in cluster `{cluster}`"
    return who


def _status_words(solution: Solution) -> str:
    words = f"{solution.solver}: {solution.status.value}"
    return "; ".join([words, *solution.messages])


def _fallback(kind: FallbackKind, detail: str = "") -> dict[str, Any]:
    if kind == FallbackKind.STRUCTURE:
        message = (
            "Even with every hard commitment allowed to give, no allocation exists: the "
            "scenario's structure is contradictory (programmes, clusters, caps or fixed "
            "costs that admit no allocation at all). This should not happen; please report "
            "the scenario."
        )
    elif kind == FallbackKind.UNDIAGNOSED:
        message = (
            f"The diagnosis could not finish ({detail}), so the commitments that must give "
            "are not named. Try a longer --time-limit or another --solver."
        )
    else:
        message = (
            "Every hard commitment can hold in the diagnosis model, yet the solver found the "
            "scenario infeasible: this is numerical trouble (amounts of very different "
            "sizes, for example). Try another --solver, or express money in larger units."
        )
    return {
        "kind": kind.value,
        "subject": "",
        "key": "",
        "owner": "",
        "committed": 0.0,
        "possible": 0.0,
        "violation": 0.0,
        "unit": "",
        "relative": 0.0,
        "money": Money.UNKNOWN.value,
        "unavoidable": None,
        "alternatives": [],
        "proven": False,
        "message": message,
    }


# --------------------------------------------------------------------------- numbers
def _snap(x: float) -> float:
    r = round(x)
    return float(r) if abs(x - r) <= 1e-6 * max(1.0, abs(x)) else x


def _num(x: float) -> str:
    """1234.5 -> '1,234.5'; whole numbers without decimals; at most two decimals."""
    x = _snap(x)
    if x == int(x):
        return f"{int(x):,}"
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def _pct(x: float) -> str:
    """0.41 -> '41%', 0.405 -> '40.5%'."""
    text = f"{100 * x:.1f}".rstrip("0").rstrip(".")
    return f"{text}%"


def _clean(x: float) -> float:
    """Plain JSON numbers: whole numbers snapped, float noise rounded away."""
    if not math.isfinite(x) or x == 0:
        return 0.0
    return float(f"{_snap(x):.12g}")
