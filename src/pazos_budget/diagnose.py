"""Infeasibility diagnosis: which hard commitments must give, and by how much.

docs/model.md: results: never a bare "infeasible". The elastic model of
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
from collections.abc import Sequence
from typing import Any

import numpy as np

from .errors import InfeasibleError, SolverError
from .findings import Alternative, AlternativeRow, FallbackKind, Finding, FindingRow, Money
from .i18n import Said
from .loader import LoadedScenario
from .model import (
    ColKind,
    Commitment,
    CommitmentKind,
    FloatArray,
    Model,
    Sense,
    Stage,
    build_model,
)
from .result import unsolved_json
from .scenario import (
    PAZOS_OWNER,
    YOUTH_METRIC,
    ComponentPresenceTarget,
    MetricTarget,
    Scenario,
    SpendShareTarget,
    Target,
    YouthReachTarget,
)
from .solve import Solution, SolveOptions, Status, solve_model
from .tolerances import BINDING, CONTRACT_TOLERANCE, GIVE_TOLERANCE, SNAP

#: The follow-up solves (alternatives, money) are made for at most this many findings.
MAX_FOLLOW_UPS = 10
#: At most this many equally small alternatives are named for one finding.
MAX_ALTERNATIVES = 4
#: Under a time limit, no solve is started with less time than this left.
MIN_SOLVE_SECONDS = 0.05
#: Owner of a PAZOS cross-cutting target (department goals are owned by their department).

_BUDGET_KINDS = (CommitmentKind.TOTAL_BUDGET, CommitmentKind.DEPARTMENT_BUDGET)
_KIND_ORDER = {kind: i for i, kind in enumerate(CommitmentKind)}


# --------------------------------------------------------------------------- entry point
def diagnose(scenario: Scenario, options: SolveOptions) -> list[Finding]:
    """One finding per hard commitment that must give, in a deterministic order (a
    `FallbackKind` finding when no commitment could be named; findings.py)."""
    deadline = time.perf_counter() + options.time_limit if options.time_limit else None
    model = one_per_target(build_model(scenario, elastic=True))
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
    groups = _groups(model)
    giving = [g for g in groups if g.gives(values)]
    if not giving:
        return [_fallback(FallbackKind.NUMERICAL)]
    giving_rows = [k for g in giving for k in g.commitments if _gives(k, values)]

    proven = solution.status == Status.OPTIMAL
    reader = _Reader(model, values)
    findings = []
    follow_ups = 0
    for g in sorted(giving, key=lambda g: _order(model, g.commitments[0])):
        unavoidable: bool | None = None
        alternatives: list[tuple[_Group, _Reader]] = []
        if proven and follow_ups < MAX_FOLLOW_UPS:
            unavoidable, alternatives = _alternatives(model, groups, giving, g, options, deadline)
        parts = []
        for k in g.commitments:
            if not _gives(k, values):
                continue
            money = Money.UNKNOWN
            limit_free = math.nan
            if proven and follow_ups < MAX_FOLLOW_UPS and _money_matters(model, k):
                money, limit_free = _money_check(model, giving_rows, k, values, options, deadline)
            follow_ups += 1
            parts.append(
                _finding(
                    reader,
                    k,
                    single=len(giving) == 1,
                    budget_gives=_grown_budget_limits(model, giving_rows, k),
                    proven=proven,
                    unavoidable=unavoidable,
                    alternatives=alternatives,
                    money=money,
                    violation_free=limit_free,
                )
            )
        findings.append(_merge(parts))
    return findings


# --------------------------------------------------------------------------- wording
def diagnosis_header(findings: Sequence[Finding]) -> str:
    """The sentence that introduces the findings ("" when they speak for themselves).

    "The smallest set" only when every finding is in every smallest set; "for example"
    when another, equally small set exists (each such finding says what could give
    instead); a set found at a time limit is not called the smallest.
    """
    return HEADERS[diagnosis_header_key(findings)]


#: The sentences of `diagnosis_header`, by `diagnosis_header_key` (reports translate the key).
HEADERS = {
    "none": "(No diagnosis could be computed.)",
    "fallback": "",
    "limit": (
        "A set of commitments that must give (the diagnosis stopped at its time limit, "
        "so a smaller set may exist):"
    ),
    "example": (
        "One smallest set of commitments that must give, for example "
        "('or instead' names equally small alternatives):"
    ),
    "only": "The smallest set of commitments that must give:",
    "some": "A smallest set of commitments that must give:",
}


def diagnosis_header_key(findings: Sequence[Finding]) -> str:
    """Which `HEADERS` sentence introduces the findings."""
    if not findings:
        return "none"
    if any(f.is_fallback for f in findings):
        return "fallback"
    if not all(f.proven for f in findings):
        return "limit"
    if any(f.unavoidable is False for f in findings):
        return "example"
    if all(f.unavoidable is True for f in findings):
        return "only"
    return "some"


def diagnosis_lines(
    findings: Sequence[Finding],
    or_instead: str = "    or instead: {alternatives}",
    joined: str = " and ",
) -> list[str]:
    """The findings as indented lines: each message, then what could give instead
    (`or_instead` and `joined` are the words of the terminal's language)."""
    lines = []
    for f in findings:
        lines.append(f"  - {f.message}")
        if f.alternatives:
            labels = joined.join(a.label for a in f.alternatives)
            lines.append(or_instead.format(alternatives=labels))
    return lines


# --------------------------------------------------------------------------- commitments
@dataclasses.dataclass(frozen=True)
class _Group:
    """One commitment in the user's terms: a budget, a promise about a programme, or a
    hard target with all its rows (docs/model.md, diagnosis: a target is one commitment however
    many rows it expands to). `indicator` is the binary counted in the diagnosis."""

    commitments: tuple[Commitment, ...]
    indicator: int

    def gives(self, values: FloatArray) -> bool:
        return any(_gives(k, values) for k in self.commitments)

    def hold(self, upper: FloatArray) -> None:
        """Let none of it give (column upper bounds of its elastic and indicator columns)."""
        for k in self.commitments:
            upper[[k.elastic_col, k.indicator_col]] = 0.0
        upper[self.indicator] = 0.0

    @property
    def kind(self) -> CommitmentKind:
        return self.commitments[0].kind

    @property
    def subject(self) -> str:
        return self.commitments[0].subject


def _groups(model: Model) -> list[_Group]:
    """The commitments of an elastic model built by `one_per_target`, grouped."""
    by_target: dict[str, list[Commitment]] = {}
    out: list[_Group] = []
    for k in model.commitments:
        if k.kind == CommitmentKind.HARD_TARGET:
            by_target.setdefault(k.subject, []).append(k)
        else:
            out.append(_Group((k,), k.indicator_col))
    for subject, rows in by_target.items():
        indicator = (
            model.col_names.index(f"w[{subject}]") if len(rows) > 1 else rows[0].indicator_col
        )
        out.append(_Group(tuple(rows), indicator))
    return out


def one_per_target(model: Model) -> Model:
    """The elastic model with one binary per hard target of several rows, at least each
    of its rows' indicators, counted (and preferred) instead of them: dropping a target of
    six clusters is one commitment that gives, like growing the total budget."""
    rows_of: dict[str, list[Commitment]] = {}
    for k in model.commitments:
        if k.kind == CommitmentKind.HARD_TARGET:
            rows_of.setdefault(k.subject, []).append(k)
    multi = {t: ks for t, ks in rows_of.items() if len(ks) > 1}
    if not multi:
        return model
    n = model.n_cols
    new_cols = list(range(n, n + len(multi)))
    indptr = [int(model.indptr[-1])]
    indices: list[int] = []
    values: list[float] = []
    names = []
    count_fix: dict[int, float] = {}
    for w, (subject, ks) in zip(new_cols, multi.items(), strict=True):
        for k in ks:
            indices += [k.indicator_col, w]
            values += [1.0, -1.0]
            indptr.append(indptr[-1] + 2)
            names.append(f"one_target[{subject},{k.key}]")
            count_fix[k.indicator_col] = 0.0
    stages = []
    for st in model.stages[:2]:  # the count and the preference
        cost = np.concatenate([st.cost, np.zeros(len(multi))])
        weight = float(
            max((st.cost[k.indicator_col] for ks in multi.values() for k in ks), default=1.0)
        )
        for col in count_fix:
            cost[col] = 0.0
        cost[new_cols] = weight
        stages.append(dataclasses.replace(st, cost=cost))
    for st in model.stages[2:]:
        stages.append(dataclasses.replace(st, cost=np.concatenate([st.cost, np.zeros(len(multi))])))
    k_extra = len(multi)
    return dataclasses.replace(
        model,
        col_kind=[*model.col_kind, *([ColKind.INDICATOR] * k_extra)],
        col_names=[*model.col_names, *(f"w[{t}]" for t in multi)],
        col_lower=np.concatenate([model.col_lower, np.zeros(k_extra)]),
        col_upper=np.concatenate([model.col_upper, np.ones(k_extra)]),
        integrality=np.concatenate([model.integrality, np.ones(k_extra, dtype=bool)]),
        row_lower=np.concatenate([model.row_lower, np.full(len(names), -np.inf)]),
        row_upper=np.concatenate([model.row_upper, np.zeros(len(names))]),
        row_names=[*model.row_names, *names],
        indptr=np.concatenate([model.indptr, np.array(indptr[1:], dtype=model.indptr.dtype)]),
        indices=np.concatenate([model.indices, np.array(indices, dtype=model.indices.dtype)]),
        values=np.concatenate([model.values, np.array(values)]),
        stages=stages,
    )


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
            Said("solver.fixed_infeasible"),
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
    groups: list[_Group],
    giving: list[_Group],
    g: _Group,
    options: SolveOptions,
    deadline: float | None,
) -> tuple[bool | None, list[tuple[_Group, _Reader]]]:
    """Whether `g` is in every smallest set; if not, every commitment that could give in
    its place in a set as small (up to MAX_ALTERNATIVES), each with the figures of the
    elastic solution where it does (its amount: the least money, then the smallest
    violations, as in the diagnosis itself)."""
    upper = model.col_upper.copy()
    g.hold(upper)
    found: list[tuple[_Group, _Reader]] = []
    while len(found) < MAX_ALTERNATIVES:
        variant = dataclasses.replace(model, col_upper=upper.copy())
        solution = _follow_up(variant, variant.col_upper, model.stages[:2], options, deadline)
        if solution is None or solution.status not in (Status.OPTIMAL, Status.INFEASIBLE):
            return (None, []) if not found else (False, found)
        if solution.status == Status.INFEASIBLE or solution.stages[0].objective > len(giving) + 0.5:
            break
        v = solution.values
        new = [
            h for h in groups if h not in giving and h.gives(v) and h not in (a for a, _ in found)
        ]
        if not new:
            break
        try:
            amounts = _solve_elastic(variant, options, deadline)
        except SolverError:
            amounts = None
        if amounts is None or not amounts.has_solution:
            break
        reader = _Reader(model, amounts.values)
        for h in sorted(new, key=lambda h: _order(model, h.commitments[0])):
            if h.gives(amounts.values):
                found.append((h, reader))
            h.hold(upper)
    if not found:
        return True, []
    return False, found


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

    def dept(self, did: str) -> str:
        return next((d.name for d in self.s.departments if d.id == did), did)

    def prog(self, pid: str) -> str:
        return "“" + next((p.name for p in self.s.programmes if p.id == pid), pid) + "”"

    def cluster(self, cid: str) -> str:
        return next((c.name for c in self.s.clusters if c.id == cid), cid)

    def component(self, cid: str) -> str:
        return self.s.component_names().get(cid, cid).replace("_", " ")

    def who(self, owner: str | None, t: Target) -> str:
        """'target “Reach 10%”' or 'goal “Mediations” of department Security'."""
        name = f"“{t.name or t.id}”"
        return (
            f"target {name}" if owner is None else f"goal {name} of department {self.dept(owner)}"
        )

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
        # Spend in scope counts the scope's own money (its departments' cofunding shares).
        own = np.array([s.scope_money_share(p, depts) for p in s.programmes])
        if t.clusters is not None:
            ids = {s.cluster_ids.index(c) for c in t.clusters}
            cell_in = in_scope[m.cell_programme] & np.isin(m.cell_cluster, list(ids))
            num = float((self.cell_spend * own[m.cell_programme])[cell_in].sum())
        else:
            num = float((self.spend * own)[in_scope].sum())
        if owner is not None and t.departments is None:
            weights = np.array([p.funders().get(owner, 0.0) for p in s.programmes])
            base = float((self.spend * weights).sum())
            base_words = f"{self.dept(owner)}'s spend"
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
    alternatives: list[tuple[_Group, _Reader]],
    money: Money,
    violation_free: float,
) -> Finding:
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
            f"Department {r.dept(k.subject)}: its commitments need {_num(e)} more than its "
            f"envelope of {_num(committed)} ({cur})."
        )
    elif k.kind == CommitmentKind.DEPARTMENT_MIN_SPEND:
        committed, possible, unit = k.limit, k.limit - e, cur
        message = (
            f"Department {r.dept(k.subject)} can spend at most {_num(possible)} of its minimum "
            f"spend of {_num(committed)} ({cur}){_because(money, budget_gives)}"
            f"{_more(money, k.limit - violation_free)}."
        )
    elif k.kind == CommitmentKind.MANDATORY_MIN_UNITS:
        committed, possible, unit = k.limit, k.limit - e, "units"
        where = f" in cluster {r.cluster(k.key)}" if k.key else ""
        message = (
            f"Programme {r.prog(k.subject)} (mandatory): only {_num(possible)} of its minimum "
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
                f"Programme {r.prog(k.subject)} can keep at most {_num(possible)} units"
                f"{_unit_label(r, k)}{_because(money, budget_gives)}"
                f"{_more(money, k.limit - violation_free)}; {rule} requires at least "
                f"{_num(committed)}."
            )
        else:
            committed, possible = k.limit, k.limit + e
            message = (
                f"Programme {r.prog(k.subject)} needs at least {_num(possible)} units"
                f"{_unit_label(r, k)}; {rule} allows at most {_num(committed)}."
            )
    else:
        t_owner, target = _target(r.model, k.subject)
        owner = t_owner or PAZOS_OWNER
        committed, possible, unit, message = _target_finding(
            r, k, t_owner, target, e, money, violation_free, budget_gives
        )
    violation = abs(committed - possible)
    if money == Money.NO and k.kind in (
        CommitmentKind.HARD_TARGET,
        CommitmentKind.MANDATORY_MIN_UNITS,
    ):
        cause = _capacity(r, k)
        if cause and message.endswith("."):
            message = f"{message[:-1]}: {cause}."
    return Finding(
        k.kind,
        k.subject,
        _subject_name(r, k),
        k.key,
        owner,
        _clean(committed),
        _clean(possible),
        _clean(violation),
        unit,
        _clean(e / k.scale),
        money,
        unavoidable,
        tuple(_alternative(ra, a) for a, ra in alternatives),
        proven,
        message,
    )


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
    who = r.who(owner, t)
    who = who[:1].upper() + who[1:] + " (hard)"
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
                f"{who} can reach at most {_pct(achieved / pop)} in cluster {r.cluster(k.key)}"
                f"{_because(money, budget_gives)} (required {_pct(t.share)}{more}).",
            )
        more = f"; {_num(free)} with more money" if money == Money.PARTLY else ""
        return (
            k.limit,
            achieved,
            "youth",
            f"{who} can reach at most {_num(achieved)} youth in cluster {r.cluster(k.key)}"
            f"{_because(money, budget_gives)} (required {_num(k.limit)}{more}).",
        )
    if isinstance(t, MetricTarget):
        what = "youth reached" if t.metric == YOUTH_METRIC else s.metric_name(t.metric)
        where = ""
        if t.clusters is not None:
            where = " in cluster" + ("s " if len(t.clusters) > 1 else " ")
            where += ", ".join(r.cluster(c) for c in t.clusters)
        return (
            k.limit,
            achieved,
            t.metric,
            f"{who} can reach at most {_num(achieved)} of the {_num(k.limit)} {what} "
            f"required{where}{_because(money, budget_gives)}{_more(money, free)}.",
        )
    if isinstance(t, ComponentPresenceTarget):
        cluster_id, comp_id = k.key.split("/", 1)
        cluster, comp = r.cluster(cluster_id), r.component(comp_id)
        if r.row_cells(k) == 0:
            because = " (no programme in its scope delivers this component there)"
        else:
            because = _because(money, budget_gives) + _more(money, free)
        if achieved <= GIVE_TOLERANCE:
            text = f"no units of component {comp} can be delivered in cluster {cluster}"
        else:
            text = (
                f"only {_num(achieved)} of the {_num(k.limit)} units of component {comp} "
                f"required in cluster {cluster} can be delivered"
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


def _capacity(r: _Reader, k: Commitment) -> str:
    """Why more money would not help: the bounds that bind on the programmes that count
    for `k`'s row ("“Interrupters” at most 2 per cluster x 6 clusters = 12")."""
    m, s = r.model, r.s
    cols = m.indices[m.indptr[k.row] : m.indptr[k.row + 1]]
    cells = cols[cols < m.n_cells]
    x = r.values[: m.n_cells]
    causes = []
    for i in np.unique(m.cell_programme[cells]):
        p = s.programmes[int(i)]
        mine = cells[m.cell_programme[cells] == i]
        units = float(x[m.cell_programme == i].sum())
        tol = BINDING * max(1.0, units)
        name = r.prog(p.id)
        if p.max_units is not None and units >= p.max_units - tol:
            causes.append(f"{name} at most {_num(p.max_units)} units (its max_units)")
            continue
        caps = s.per_cluster(p, "max")
        where = [s.clusters[int(c)].id for c in m.cell_cluster[mine] if c >= 0]
        at_cap = [c for c in where if c in caps]
        if where and len(at_cap) == len(where):
            values = {caps[c] for c in at_cap}
            if len(values) == 1:
                cap = values.pop()
                causes.append(
                    f"{name} at most {_num(cap)} per cluster x {len(at_cap)} "
                    f"cluster{'s' if len(at_cap) > 1 else ''} = {_num(cap * len(at_cap))}"
                )
            else:
                causes.append(f"{name} at its max_units_per_cluster in {len(at_cap)} clusters")
            continue
        pops = [
            c
            for c in mine
            if m.cell_cluster[c] >= 0
            and s.youth_per_unit(p, s.clusters[int(m.cell_cluster[c])].id) > 0
            and x[c] * s.youth_per_unit(p, s.clusters[int(m.cell_cluster[c])].id)
            >= s.clusters[int(m.cell_cluster[c])].youth_population * (1 - BINDING)
        ]
        if pops:
            names = [r.cluster(s.clusters[int(m.cell_cluster[c])].id) for c in pops]
            causes.append(
                f"{name} reaches every young person it may in {_and(names[:5])} "
                "(a programme cannot reach more youth than live there)"
            )
    if not causes:
        return ""
    if k.kind != CommitmentKind.HARD_TARGET:
        return "; ".join(causes)
    return "the programmes that count are at their limits: " + "; ".join(causes)


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


def _label(r: _Reader, g: _Group) -> str:
    """What could give instead, in a few words with its amount (read from `r`, the
    diagnosis where it gives): "raise the envelope of Security by 6,000"."""
    k = g.commitments[0]
    e = float(r.values[k.elastic_col])
    cur = r.s.scenario.currency
    if k.kind == CommitmentKind.TOTAL_BUDGET:
        return f"raise the total budget by {_num(e)} (to {_num(k.limit + e)}; {cur})"
    if k.kind == CommitmentKind.DEPARTMENT_BUDGET:
        return (
            f"raise the envelope of {r.dept(k.subject)} by {_num(e)} "
            f"(to {_num(k.limit + e)}; {cur})"
        )
    if k.kind == CommitmentKind.DEPARTMENT_MIN_SPEND:
        return (
            f"lower the minimum spend of {r.dept(k.subject)} by {_num(e)} "
            f"(to {_num(k.limit - e)}; {cur})"
        )
    if k.kind == CommitmentKind.MANDATORY_MIN_UNITS:
        where = f" in cluster {r.cluster(k.key)}" if k.key else ""
        return (
            f"lower the minimum units of {r.prog(k.subject)}{where} by {_num(e)} "
            f"(to {_num(k.limit - e)})"
        )
    if k.kind == CommitmentKind.MAX_CHANGE:
        way = "below" if k.key == "below" else "above"
        return f"let {r.prog(k.subject)} move {_num(e)} units {way} what its maximum change allows"
    owner, t = _target(r.model, k.subject)
    rows = [c for c in g.commitments if _gives(c, r.values)]
    parts = []
    for c in rows:
        e = float(r.values[c.elastic_col])
        possible = c.limit + e if _target_at_most(t) else c.limit - e
        parts.append(_row_amount(r, c, t, possible))
    return f"lower the hard {r.who(owner, t)} to " + _and(parts)


def _alternative(r: _Reader, g: _Group) -> Alternative:
    """What could give instead: what it is, its amount (`amount` and the new value `to`;
    for a hard target, what each of its rows that gives can reach, in `rows`, and their
    `unit`), and `label`, the words of the terminal."""
    k = g.commitments[0]
    key = k.key if len(g.commitments) == 1 else ""
    name = _subject_name(r, k)
    label = _label(r, g)
    if k.kind == CommitmentKind.HARD_TARGET:
        t = _target(r.model, k.subject)[1]
        share = isinstance(t, SpendShareTarget) or (
            isinstance(t, YouthReachTarget) and t.share is not None
        )
        rows = []
        for c in g.commitments:
            if not _gives(c, r.values):
                continue
            e = float(r.values[c.elastic_col])
            possible = c.limit + e if _target_at_most(t) else c.limit - e
            if isinstance(t, YouthReachTarget) and t.share is not None:
                pop = next(cl.youth_population for cl in r.s.clusters if cl.id == c.key)
                possible /= pop
            elif isinstance(t, SpendShareTarget):
                possible = r.share(_target(r.model, t.id)[0], t)[0]
            rows.append(AlternativeRow(c.key, _clean(possible)))
        unit = "share" if share else "units"
        return Alternative(k.kind, k.subject, key, name, label, rows=tuple(rows), unit=unit)
    e = float(r.values[k.elastic_col])
    grows = k.kind in _BUDGET_KINDS or (k.kind == CommitmentKind.MAX_CHANGE and k.key == "above")
    to = _clean(k.limit + e if grows else k.limit - e)
    return Alternative(k.kind, k.subject, key, name, label, amount=_clean(e), to=to)


def _subject_name(r: _Reader, k: Commitment) -> str:
    """The display name of what a commitment is about ("" for the total budget)."""
    if k.kind == CommitmentKind.TOTAL_BUDGET:
        return ""
    if k.kind in (CommitmentKind.DEPARTMENT_BUDGET, CommitmentKind.DEPARTMENT_MIN_SPEND):
        return r.dept(k.subject)
    if k.kind == CommitmentKind.HARD_TARGET:
        t = _target(r.model, k.subject)[1]
        return t.name or t.id
    return next((p.name for p in r.s.programmes if p.id == k.subject), k.subject)


def _target_at_most(t: Target) -> bool:
    return isinstance(t, SpendShareTarget) and t.at_most is not None


def _row_amount(r: _Reader, k: Commitment, t: Target, possible: float) -> str:
    """A hard target row's reachable amount, in its own unit and place."""
    if isinstance(t, YouthReachTarget):
        pop = next(c.youth_population for c in r.s.clusters if c.id == k.key)
        amount = _pct(possible / pop) if t.share is not None else f"{_num(possible)} youth"
        return f"{amount} in {r.cluster(k.key)}"
    if isinstance(t, ComponentPresenceTarget):
        cluster, comp = k.key.split("/", 1)
        return f"{_num(possible)} units of {r.component(comp)} in {r.cluster(cluster)}"
    if isinstance(t, SpendShareTarget):
        share, _ = r.share(_target(r.model, t.id)[0], t)
        return _pct(share)
    assert isinstance(t, MetricTarget)
    what = "youth reached" if t.metric == YOUTH_METRIC else r.s.metric_name(t.metric)
    return f"{_num(possible)} {what}"


def _and(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _merge(parts: list[Finding]) -> Finding:
    """One finding per commitment: a hard target whose several rows give is one finding,
    its rows listed in `rows` and its message naming each."""
    if len(parts) == 1:
        return parts[0]
    head, sep, _ = parts[0].message.partition(" (hard)")
    bodies = [p.message.partition(" (hard)")[2].strip().rstrip(".") for p in parts]
    bodies = [b.removeprefix(": ") for b in bodies]
    return dataclasses.replace(
        parts[0],
        key="",
        violation=max(p.violation for p in parts),
        relative=max(p.relative for p in parts),
        message=f"{head}{sep}, {len(parts)} of its rows: " + "; ".join(bodies) + ".",
        rows=tuple(
            FindingRow(p.key, p.committed, p.possible, p.violation, p.relative, p.money)
            for p in parts
        ),
    )


def _status_words(solution: Solution) -> str:
    words = f"{solution.solver}: {solution.status.value}"
    return "; ".join([words, *map(str, solution.messages)])


def _fallback(kind: FallbackKind, detail: str = "") -> Finding:
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
    return Finding(
        kind, "", "", "", "", 0.0, 0.0, 0.0, "", 0.0, Money.UNKNOWN, None, (), False, message
    )


# --------------------------------------------------------------------------- numbers
def _snap(x: float) -> float:
    r = round(x)
    return float(r) if abs(x - r) <= SNAP * max(1.0, abs(x)) else x


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
    return float(f"{_snap(x):.12g}") + 0.0  # + 0.0: no negative zero


class ScenarioInfeasible(InfeasibleError):
    """The hard commitments cannot all hold; `diagnosis` says which must give."""

    def __init__(self, loaded: LoadedScenario, diagnosis: list[Finding], solver: str):
        self.loaded = loaded
        self.diagnosis = diagnosis
        self.solver = solver
        header = diagnosis_header(diagnosis)
        super().__init__(
            f"{loaded.path}: the scenario is infeasible: its hard commitments cannot all hold."
            + (f" {header}" if header else "")
            + "".join(f"\n{line}" for line in diagnosis_lines(diagnosis))
        )

    def to_json(self) -> dict[str, Any]:
        return unsolved_json(self.loaded, Status.INFEASIBLE, self.solver, diagnosis=self.diagnosis)

    def __reduce__(self) -> tuple[Any, ...]:
        # Whole across processes: an infeasible point of a batch solved on another worker.
        return (ScenarioInfeasible, (self.loaded, self.diagnosis, self.solver))
