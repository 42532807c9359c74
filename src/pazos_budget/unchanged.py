"""Proofs that a little more money changes nothing, so that its re-solve need not run.

A marginal value (docs/model.md: marginal value of money) re-solves every stage with more
money in one source: the total budget or one envelope. The re-solve's model is the plan's
model with one row's ceiling raised (`more` against `base`), so every plan of the old
model is a plan of the new one, and the only new plans are those that spend more than the
old ceiling `U` in that row. Two linear programmes over the *relaxed* new model (integer
columns made continuous, which only adds plans) then prove, stage by stage, what the
re-solve would find:

- **the stage cannot improve** when no new plan that holds the earlier stages does better
  at this stage than the plan: the best of `stage` over {relaxed new model, earlier stages
  held, row >= U} is no better than the plan's optimum (or there is no such plan). The
  stage's optimum is then the plan's; its set of optimal plans may still have grown.
- **nothing changes from this stage on** when no new plan is as good as the plan at this
  stage and the earlier ones: the largest the row can be over {relaxed new model, earlier
  stages held, this stage at least as good as the plan} is at most `U`. Every plan the
  re-solve can keep from this stage on is then a plan of the old model: the same
  problem, the same optima, the same plan.

A source is skipped when the stages up to one of them cannot improve and nothing changes
from that one on; otherwise it is re-solved. For a linear model this is the slack rule
(a row with slack at every stage's optimum cannot gain: the value is convex in the
ceiling and flat below it, so flat above), proven on the optimal faces themselves; for an
integer model the relaxation is the bound, and a question it cannot settle is asked of
the integer model itself, as "is there any plan at all that ...?", with a branch and
bound of at most PROOF_NODES nodes (only "there is none" proves anything). On Palmira a
proof takes 0.01-0.7 s of CPU, against about 4 s for a re-solve. The tolerances are
the contract's: a plan that exceeds the ceiling by less than 1e-6 relative, or a stage
that improves by less, is within what a re-solve itself can tell apart.

No other difference between the models is allowed, except the budget's own bounds: a
programme without `max_units` is bounded by what the whole budget buys (a column bound or
a `units` row that grows with the total budget), which every plan within the old total
already meets (checked here, not assumed). A stage whose objective changes with the money
(a spend-share goal is scaled by its budget) is a different question: never skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from .model import FloatArray, IntArray, Model, Sense, Stage
from .solve import HIGHS, SolveOptions, Status, solve_model
from .tolerances import CONTRACT_TOLERANCE, FLOAT_ROUNDING, IMPLIED_BOUND_NOISE

#: Relative tolerance of every comparison here: the contract's (docs/model.md).
PROOF_TOLERANCE = CONTRACT_TOLERANCE
#: Branch-and-bound nodes an integer proof may search before it gives up (the source is
#: then re-solved): a count, not a time, so that what is skipped never depends on the run.
PROOF_NODES = 1000


@dataclass(frozen=True)
class Proof:
    """Why a source's re-solve would give the plan back: the stages up to `stage` cannot
    improve, and from `stage` on every plan as good as this one is a plan of the old
    model."""

    stage: str  # the label of the stage from which nothing changes
    row: str  # the model row whose ceiling grew
    checks: int  # questions asked: linear programmes and branch and bounds


def more_money_changes_nothing(
    base: Model,
    more: Model,
    optima: Sequence[float],
    options: SolveOptions,
    values: FloatArray | None = None,
) -> Proof | None:
    """A proof that the lexicographic solve of `more` gives the optima `optima` of `base`
    (one per reported stage, in order) and the same plan; None when there is none.

    `values` (the plan, one value per column) extends the proof past the reported stages
    into the tie-break of a linear model (its stages are exact there; in an integer model
    the spend tie-break is node-limited, so the proof stops at the reported stages).
    """
    row = _source_row(base, more)
    if row is None:
        return None
    ceiling = float(base.row_upper[row])
    g = _dense_row(more, row)
    reported = [s for s in more.stages if s.reported]
    if len(reported) != len(optima):
        return None
    stages: list[tuple[Stage, float]] = [
        (st, float(v)) for st, v in zip(reported, optima, strict=True)
    ]
    if values is not None and not more.is_mip:
        stages += [(st, float(st.cost @ values)) for st in more.stages if not st.reported]
    relaxed = replace(more, integrality=np.zeros(more.n_cols, dtype=bool))
    # HiGHS answers the proofs whatever solver re-solves: they are exact questions about
    # the model, not part of the plan, and run in process in milliseconds.
    quiet = replace(
        options,
        solver=HIGHS,
        mip_gap=0.0,
        control=None if options.control is None else options.control.silent(),
    )
    held: list[tuple[FloatArray, float, float]] = []
    checks = 0
    slack = PROOF_TOLERANCE * max(1.0, abs(ceiling))
    overspends = (g, ceiling + slack, np.inf)
    for stage, optimum in stages:
        as_good = _as_good_row(stage, optimum)
        # Nothing changes from here on: no plan as good as this one spends beyond U.
        top = _optimum(relaxed, [*held, as_good], g, Sense.MAX, quiet)
        checks += 1
        if top is not None and top[0] == Status.INFEASIBLE:
            return None  # the plan itself lies there: a numerical failure, prove nothing
        if top is not None and top[1] <= ceiling + slack:
            return Proof(stage.label, more.row_names[row], checks)
        # This stage cannot improve: no plan beyond U does better than the plan. Asked of
        # the integer model only where the relaxation does better (a plan found there
        # means the money buys something: no proof can follow).
        beyond = (g, ceiling, np.inf)
        best = _optimum(relaxed, [*held, beyond], stage.cost, stage.sense, quiet)
        checks += 1
        if best is None:
            return None
        if best[0] != Status.INFEASIBLE and _better(best[1], optimum, stage.sense):
            if not more.is_mip:
                return None
            checks += 1
            if not _empty(more, [*held, beyond, _better_row(stage, optimum)], quiet):
                return None
        if more.is_mip:
            checks += 1
            if _empty(more, [*held, as_good, overspends], quiet):
                return Proof(stage.label, more.row_names[row], checks)
        held.append(as_good)
    return None


def _source_row(base: Model, more: Model) -> int | None:
    """The one row whose ceiling grew, when nothing else differs but the total budget's
    own caps (see the module's docstring); None otherwise."""
    same_shape = (
        base.n_cols == more.n_cols
        and base.n_rows == more.n_rows
        and len(base.stages) == len(more.stages)
        and np.array_equal(base.indptr, more.indptr)
        and np.array_equal(base.indices, more.indices)
        and np.array_equal(base.values, more.values)
        and np.array_equal(base.col_lower, more.col_lower)
        and np.array_equal(base.integrality, more.integrality)
        and np.array_equal(base.row_lower, more.row_lower)
    )
    if not same_shape:
        return None
    for a, b in zip(base.stages, more.stages, strict=True):
        if (a.sense, a.reported, a.fix_integers, a.node_limit, a.from_start) != (
            b.sense,
            b.reported,
            b.fix_integers,
            b.node_limit,
            b.from_start,
        ) or not np.array_equal(a.cost, b.cost):
            return None  # the money changes what a stage weighs: another question
    if np.any(more.row_upper < base.row_upper) or np.any(more.col_upper < base.col_upper):
        return None
    grew = np.flatnonzero(more.row_upper > base.row_upper)
    if len(grew) == 0:
        return None
    budget = [r for r in grew.tolist() if base.row_names[r] == "budget[total]"]
    source = budget[0] if budget else (int(grew[0]) if len(grew) == 1 else None)
    if source is None:
        return None
    others = [r for r in grew.tolist() if r != source]
    cols = np.flatnonzero(more.col_upper > base.col_upper)
    if (others or len(cols)) and not _implied_by(base, source, others, cols):
        return None
    return source


def _implied_by(base: Model, source: int, rows: list[int], cols: IntArray) -> bool:
    """Every plan with row `source` within its old ceiling meets the old ceilings of
    `rows` and the old upper bounds of `cols`: the source row has no negative coefficient
    and its columns no negative lower bound (so it bounds each of its terms), and each of
    those ceilings is at least what the source row's ceiling implies for it."""
    g = _dense_row(base, source)
    ceiling = float(base.row_upper[source])
    support = np.flatnonzero(g)
    if np.any(g < 0) or np.any(base.col_lower[support] < 0) or ceiling < 0:
        return False
    for j in cols.tolist():
        if g[j] <= 0:
            return False
        implied = ceiling / g[j]
        if base.integrality[j]:
            implied = np.floor(implied + FLOAT_ROUNDING)
        if base.col_upper[j] < implied * (1 - IMPLIED_BOUND_NOISE):
            return False
    for r in rows:
        a = _dense_row(base, r)
        if np.any(a < 0):
            return False
        cover = np.flatnonzero(a)
        if np.any(g[cover] <= 0):
            return False
        # a.x <= max(a_j / g_j) * g.x <= that * ceiling; whole units round down.
        implied = float(np.max(a[cover] / g[cover])) * ceiling
        whole = bool(np.all(base.integrality[cover])) and bool(np.all(a[cover] == 1.0))
        if whole:
            implied = float(np.floor(implied + FLOAT_ROUNDING))
        if base.row_upper[r] < implied * (1 - IMPLIED_BOUND_NOISE):
            return False
    return True


def _dense_row(m: Model, r: int) -> FloatArray:
    row = np.zeros(m.n_cols)
    lo, hi = int(m.indptr[r]), int(m.indptr[r + 1])
    row[m.indices[lo:hi]] = m.values[lo:hi]
    return row


def _as_good_row(stage: Stage, optimum: float) -> tuple[FloatArray, float, float]:
    """`stage` at least as good as `optimum`, within the contract's tolerance."""
    slack = PROOF_TOLERANCE * max(1.0, abs(optimum))
    if stage.sense == Sense.MIN:
        return (stage.cost, -np.inf, optimum + slack)
    return (stage.cost, optimum - slack, np.inf)


def _better_row(stage: Stage, optimum: float) -> tuple[FloatArray, float, float]:
    """`stage` better than `optimum` by more than the contract's tolerance."""
    slack = PROOF_TOLERANCE * max(1.0, abs(optimum))
    if stage.sense == Sense.MIN:
        return (stage.cost, -np.inf, optimum - slack)
    return (stage.cost, optimum + slack, np.inf)


def _empty(m: Model, rows: list[tuple[FloatArray, float, float]], options: SolveOptions) -> bool:
    """No integer plan of `m` meets `rows`: the branch and bound proves it within
    PROOF_NODES nodes (a deterministic limit; beyond it, nothing is proven). It has no
    objective: any plan that meets the rows ends the search (searching toward the
    stage's objective took ten times longer on Palmira)."""
    found = _optimum(m, rows, np.zeros(m.n_cols), Sense.MIN, options, node_limit=PROOF_NODES)
    return found is not None and found[0] == Status.INFEASIBLE


def _better(value: float, optimum: float, sense: Sense) -> bool:
    """`value` improves on `optimum` by more than the contract's tolerance."""
    slack = PROOF_TOLERANCE * max(1.0, abs(optimum))
    return value < optimum - slack if sense == Sense.MIN else value > optimum + slack


def _optimum(
    m: Model,
    rows: list[tuple[FloatArray, float, float]],
    cost: FloatArray,
    sense: Sense,
    options: SolveOptions,
    node_limit: int | None = None,
) -> tuple[Status, float] | None:
    """The optimum of `cost` over `m` with `rows` added: (OPTIMAL, value), (INFEASIBLE,
    nan), or None when the solver could not say (no proof rests on it)."""
    extra = np.array([r[0] for r in rows]) if rows else np.zeros((0, m.n_cols))
    nz_r, nz_c = np.nonzero(extra)
    indptr = np.concatenate(
        [m.indptr, m.indptr[-1] + np.cumsum(np.bincount(nz_r, minlength=len(rows)))]
    )
    model = replace(
        m,
        row_lower=np.concatenate([m.row_lower, [r[1] for r in rows]]),
        row_upper=np.concatenate([m.row_upper, [r[2] for r in rows]]),
        row_names=[*m.row_names, *(f"proof[{k}]" for k in range(len(rows)))],
        indptr=indptr.astype(m.indptr.dtype),
        indices=np.concatenate([m.indices, nz_c.astype(m.indices.dtype)]),
        values=np.concatenate([m.values, extra[nz_r, nz_c]]),
        stages=[Stage("proof", None, sense, cost, node_limit=node_limit)],
    )
    solution = solve_model(model, options)
    if solution.status == Status.INFEASIBLE:
        return (Status.INFEASIBLE, float("nan"))
    if solution.status != Status.OPTIMAL or not solution.stages:
        return None
    return (Status.OPTIMAL, solution.stages[0].objective)
