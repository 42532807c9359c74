"""Several good plans: near-optimal alternatives to the plan, for the council.

After the plan (a solve, every stage optimal), each alternative is the solve of the same
model with every priority stage held at the plan's optimum (as a solve holds it), every
final stage within the relative `gap` of the plan's optimum, and one more objective:

    minimize  sum over cells (p, c) of  n[p,c] * unit_cost[p] * x[p,c]

where n[p,c] is how many of the plans before it (the plan, then the alternatives already
found) put money in that (programme, cluster) cell. The spend an alternative leaves in
cells the earlier plans funded is as small as the model allows, so the money goes where
they did not put it; n[p,c] makes a cell that every earlier plan funded the first to
empty. That optimum is then held, and the canonical tie-break of the solve (least total
spend, then the fixed hashed cell weights) picks one plan among equal ones, so the same
scenario gives the same alternatives however it is run. Between the two, the final
objective is optimized once more with that least overlap held: of the most different
plans, the best (else the spend tie-break would always take the whole gap, spending
less for less reach).

The model is the solve's own (`model.build_model`) with rows appended (`held_model`),
and its own tie-break stages after the new objective: `solve.solve_model` runs it as it
runs any model, and `result.build_result` recomputes and checks its figures like the
plan's. Each alternative's `difference` from the plan is half the sum over cells of
|spend in the alternative - spend in the plan| divided by the plan's total spend (the
share of the plan's money that moved); cell spend is variable cost, unit_cost x units
(fixed costs belong to no cluster). An alternative is kept only if it differs by at
least `min_difference` from the plan and from every alternative before it; the first
that does not ends the search (the next ones would be searched from the same plans and
be the same), and a note says so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

import numpy as np

from .analysis import Comparison
from .errors import SolverError, VerificationError
from .i18n import Said, Usage, saying
from .loader import LoadedScenario
from .model import (
    FloatArray,
    Model,
    Sense,
    Stage,
    build_model,
    hold_bound,
)
from .result import Result, StageResult, build_result, to_json
from .solve import Solution, SolveOptions, StageOutcome, Status, solve_model
from .tolerances import (
    CONTRACT_TOLERANCE,
    HOLD_ABSOLUTE_TOLERANCE,
    HOLD_RELATIVE_TOLERANCE,
    SAME_SPEND,
    STAGE_TOLERANCE,
)

DEFAULT_GAP = 0.01
DEFAULT_MIN_DIFFERENCE = 0.01
#: More alternatives than this is not a choice a council can read.
MAX_ALTERNATIVES = 20
#: The label of the stage that moves money away from the earlier plans' cells.
OVERLAP_STAGE = "alternative: spend in earlier plans' cells"
#: Branch-and-bound nodes of the search for the most different plan in an integer model:
#: a deterministic amount of work (proving the least overlap optimal took minutes on
#: Palmira's scenario); the plan found meets every hold exactly, it may only be a little
#: less different than the most different one.
OVERLAP_NODES = 500

#: (programme id, cluster id or None for a city-wide programme)
Cell = tuple[str, str | None]


@dataclass(frozen=True)
class AlternativeOptions:
    """What `solve --alternatives K --gap G --min-difference M` asks for."""

    count: int
    gap: float = DEFAULT_GAP
    min_difference: float = DEFAULT_MIN_DIFFERENCE


def check_alternative_options(o: AlternativeOptions) -> None:
    """Refuse unusable options before any solve (exit code 2)."""
    if not 1 <= o.count <= MAX_ALTERNATIVES:
        raise Usage("usage.alternatives.count", count=str(o.count), most=MAX_ALTERNATIVES)
    if not (math.isfinite(o.gap) and 0 <= o.gap < 1):
        raise Usage("usage.alternatives.gap", gap=f"{o.gap:g}")
    if not (math.isfinite(o.min_difference) and 0 <= o.min_difference <= 1):
        raise Usage("usage.alternatives.min_difference", share=f"{o.min_difference:g}")


@dataclass
class Alternative:
    number: int  # 1-based, in the order found
    result: Result  # verified like the plan
    difference: float  # from the plan (share of the plan's spend moved)
    closest: float  # smallest difference from the plan and each earlier alternative


class Shortfall(StrEnum):
    """Why fewer alternatives than asked were found."""

    NONE_DIFFERENT = "none_different"  # not one differs by min_difference
    FEWER = "fewer"  # some did, then the next one did not
    NOT_OPTIMAL = "not_optimal"  # the plan is not a proven optimum
    NO_SPEND = "no_spend"  # the plan spends nothing
    INTERRUPTED = "interrupted"  # Ctrl-C


@dataclass
class Alternatives:
    plan: Result
    options: AlternativeOptions
    found: list[Alternative] = field(default_factory=list)
    shortfall: Shortfall | None = None  # why fewer than asked (None when all were found)
    #: The smallest difference of the first alternative left out from the earlier plans.
    rejected: float | None = None

    @property
    def results(self) -> list[Result]:
        """The plan, then each alternative."""
        return [self.plan, *(a.result for a in self.found)]

    @property
    def note(self) -> str | None:
        """What `alternatives_note` says (None when every alternative asked was found)."""
        o = self.options
        near = f"within {o.gap:.2%} of the best"
        least = f"{o.min_difference:.2%}"
        left_out = ""
        if self.rejected is not None and self.rejected < SAME_SPEND:
            left_out = (
                " (the next one would repeat an earlier plan)"
                if self.found
                else " (the most different one is the plan itself)"
            )
        elif self.rejected is not None:
            which = "the next one would move" if self.found else "the most different one moves"
            left_out = f" ({which} only {self.rejected:.2%})"
        match self.shortfall:
            case None:
                return None
            case Shortfall.NONE_DIFFERENT:
                return (
                    f"no alternative {near} differs from the plan by at least {least} of its "
                    f"spend{left_out}: every decision of the plan is all but fixed"
                )
            case Shortfall.FEWER:
                return (
                    f"only {len(self.found)} of {o.count} alternatives {near} differ by at "
                    f"least {least} of the plan's spend from the plan and from each other"
                    f"{left_out}"
                )
            case Shortfall.NOT_OPTIMAL:
                return (
                    "no alternatives: the plan is not a proven optimum (a limit was reached), "
                    "so there is no best to stay near"
                )
            case Shortfall.NO_SPEND:
                return "no alternatives: the plan spends nothing, so there is no money to move"
            case Shortfall.INTERRUPTED:
                return (
                    f"interrupted: {len(self.found)} of {o.count} alternatives found before "
                    "the search was stopped"
                )


# --------------------------------------------------------------------------- cells
def cell_spend(r: Result) -> dict[Cell, float]:
    """Variable spend (unit_cost x units) in each funded cell of a result."""
    out: dict[Cell, float] = {}
    for p, pr in zip(r.scenario.programmes, r.programmes, strict=True):
        if p.city_wide:
            if pr.units > 0:
                out[(p.id, None)] = p.unit_cost * pr.units
            continue
        for cid, units in pr.clusters.items():
            if units > 0:
                out[(p.id, cid)] = p.unit_cost * units
    return out


def moved(a: dict[Cell, float], b: dict[Cell, float]) -> float:
    """Half the sum over cells of |a - b|: the money that moved between two plans."""
    cells = sorted(set(a) | set(b), key=lambda cell: (cell[0], cell[1] or ""))
    return 0.5 * math.fsum(abs(a.get(k, 0.0) - b.get(k, 0.0)) for k in cells)


# --------------------------------------------------------------------------- model
def held_model(
    model: Model, plan: Result, gap: float, overlap: FloatArray, tolerance: float
) -> Model:
    """`model` with the plan's stages held and `overlap` as the first objective.

    Rows appended: each priority stage at the plan's optimum (`hold_bound`, relative
    `tolerance`, like a solve's holds), each final stage within `gap` of the plan's
    optimum. Stages: minimize `overlap`; then, that held, each final stage again (the
    best of the most different plans, not the worst the gap allows); then the model's
    own tie-break stages.
    """
    reported = [st for st in model.stages if st.reported]
    lo: list[float] = []
    hi: list[float] = []
    rows: list[FloatArray] = []
    for st, sr in zip(reported, plan.stages, strict=True):
        value = sr.solver_objective
        absolute = HOLD_ABSOLUTE_TOLERANCE if tolerance <= HOLD_RELATIVE_TOLERANCE else tolerance
        bound = hold_bound(value, st.sense, tolerance, absolute)
        if st.priority is None:  # a final stage: within the gap
            slack = gap * abs(value)
            bound = (
                min(bound, value - slack) if st.sense == Sense.MAX else max(bound, value + slack)
            )
        rows.append(st.cost)
        lo.append(bound if st.sense == Sense.MAX else -np.inf)
        hi.append(np.inf if st.sense == Sense.MAX else bound)
    nnz = [np.flatnonzero(c) for c in rows]
    indices = np.concatenate([model.indices, *nnz]).astype(model.indices.dtype)
    values = np.concatenate([model.values, *(c[nz] for c, nz in zip(rows, nnz, strict=True))])
    ends = model.indptr[-1] + np.cumsum([len(nz) for nz in nnz], dtype=np.int64)
    stages = [
        Stage(
            OVERLAP_STAGE,
            None,
            Sense.MIN,
            overlap,
            reported=False,
            node_limit=OVERLAP_NODES if model.is_mip else None,
        ),
        # Among the plans that differ most, the best: each final stage again, held.
        *(
            replace(
                st,
                label=f"alternative: {st.label}",
                reported=False,
                node_limit=OVERLAP_NODES if model.is_mip else None,
            )
            for st in reported
            if st.priority is None
        ),
        *(st for st in model.stages if not st.reported),
    ]
    return replace(
        model,
        row_lower=np.concatenate([model.row_lower, lo]),
        row_upper=np.concatenate([model.row_upper, hi]),
        row_names=[*model.row_names, *(f"alternative_hold[{st.label}]" for st in reported)],
        indptr=np.concatenate([model.indptr, ends]).astype(model.indptr.dtype),
        indices=indices,
        values=values,
        stages=stages,
    )


def overlap_cost(model: Model, earlier: Sequence[dict[Cell, float]]) -> FloatArray:
    """n[p,c] x unit_cost[p] on each cell column: n = earlier plans that funded the cell."""
    s = model.scenario
    cost = np.zeros(model.n_cols)
    ids = s.cluster_ids
    for k, (i, c) in enumerate(
        zip(model.cell_programme.tolist(), model.cell_cluster.tolist(), strict=True)
    ):
        p = s.programmes[i]
        key = (p.id, ids[c] if c >= 0 else None)
        n = sum(1 for plan in earlier if plan.get(key, 0.0) > 0)
        cost[k] = n * p.unit_cost
    return cost


# --------------------------------------------------------------------------- search
def find_alternatives(
    loaded: LoadedScenario, plan: Result, options: SolveOptions, wanted: AlternativeOptions
) -> Alternatives:
    """Up to `wanted.count` alternatives to `plan` (a result of `solve_scenario` on
    `loaded` with the same `options`), each verified; the note says why fewer."""
    check_alternative_options(wanted)
    out = Alternatives(plan, wanted)
    if plan.status != Status.OPTIMAL:
        out.shortfall = Shortfall.NOT_OPTIMAL
        return out
    if plan.spend <= 0:
        out.shortfall = Shortfall.NO_SPEND
        return out
    model = build_model(loaded.scenario)
    earlier = [cell_spend(plan)]
    for number in range(1, wanted.count + 1):
        if options.control is not None:
            options.control.phase(
                Said("solver.phase.alternative", {"number": number, "count": wanted.count})
            )
        result = _solve_one(loaded, model, plan, options, wanted.gap, overlap_cost(model, earlier))
        if result is None:
            out.shortfall = Shortfall.INTERRUPTED
            return out
        spends = cell_spend(result)
        closest = min(moved(e, spends) for e in earlier) / plan.spend
        if closest < wanted.min_difference:
            out.rejected = closest
            out.shortfall = Shortfall.FEWER if out.found else Shortfall.NONE_DIFFERENT
            break
        out.found.append(
            Alternative(number, result, moved(earlier[0], spends) / plan.spend, closest)
        )
        earlier.append(spends)
    return out


def plan_start(model: Model, plan: Result, options: SolveOptions) -> FloatArray | None:
    """The plan as a value for every column of `model` (integer models only): its units
    and funded decisions fixed, the other columns (shortfalls, coverage) from the
    model's own stages. A start that meets every hold: the search for the most
    different plan, stopped after OVERLAP_NODES nodes, always has a plan in hand."""
    if not model.is_mip:
        return None
    s = model.scenario
    ids = s.cluster_ids
    lower, upper = model.col_lower.copy(), model.col_upper.copy()
    for k, (i, c) in enumerate(
        zip(model.cell_programme.tolist(), model.cell_cluster.tolist(), strict=True)
    ):
        pr = plan.programmes[i]
        units = pr.units if c < 0 else pr.clusters.get(ids[c], 0.0)
        lower[k] = upper[k] = units
    for i, col in model.y_col.items():
        lower[col] = upper[col] = 1.0 if plan.programmes[i].funded else 0.0
    fixed = replace(
        model,
        col_lower=lower,
        col_upper=upper,
        stages=[st for st in model.stages if st.reported],
    )
    solution = solve_model(fixed, replace(options, control=None))
    return solution.values if solution.status == Status.OPTIMAL else None


def _solve_one(
    loaded: LoadedScenario,
    model: Model,
    plan: Result,
    options: SolveOptions,
    gap: float,
    overlap: FloatArray,
) -> Result | None:
    """One alternative, solved and verified (None if the search was stopped: Ctrl-C).
    The holds are first as tight as a solve's; if the solver finds that numerically
    infeasible, at the contract's 1e-6."""
    solution: Solution | None = None
    start = plan_start(model, plan, options)
    for tolerance in (HOLD_RELATIVE_TOLERANCE, CONTRACT_TOLERANCE):
        held = held_model(model, plan, gap, overlap, tolerance)
        solution = solve_model(held, options, start)
        if solution.has_solution or solution.interrupted:
            break
    assert solution is not None
    if solution.interrupted:
        return None
    if not solution.has_solution:
        detail = list(solution.messages) or solution.status.value
        raise saying(SolverError, "solver.alternative_failed", path=str(loaded.path), detail=detail)
    # The result is read against the solve's own model (the same columns): its stages
    # are the plan's stages, valued at this allocation.
    outcomes = [
        StageOutcome(st, Status.OPTIMAL, float(st.cost @ solution.values), 0.0)
        for st in model.stages
        if st.reported
    ]
    status = Status.OPTIMAL if solution.status == Status.OPTIMAL else Status.FEASIBLE
    as_solved = replace(solution, status=status, stages=outcomes)
    result = build_result(loaded, model, as_solved)
    from .explain import limit_codes

    codes = limit_codes(result)
    for pr in result.programmes:
        pr.limited_by = codes.get(pr.id, [])
    problems = check_held(plan, result, gap)
    if problems:
        raise VerificationError(
            "the independent check found an alternative leaving the plan's optimum "
            "(please report this bug):\n  " + "\n  ".join(problems)
        )
    return result


def check_held(plan: Result, alternative: Result, gap: float) -> list[str]:
    """Every priority stage of `alternative` at the plan's optimum (1e-6 relative, plus
    the slivers the figures snap away), every final stage within `gap` of the plan's;
    both from recomputed figures. Empty when all hold."""
    problems = []
    for mine, best in zip(alternative.stages, plan.stages, strict=True):
        slack = STAGE_TOLERANCE * max(1.0, abs(best.objective))
        if best.priority is not None:
            bound = hold_bound(best.objective, Sense.MIN, CONTRACT_TOLERANCE) + slack
            if mine.objective > bound:
                problems.append(
                    f"stage {best.label}: shortfall {mine.objective:.9g} above the plan's "
                    f"{best.objective:.9g}"
                )
            continue
        maximized = _maximized(best)
        room = gap * abs(best.objective) + slack
        if maximized and mine.objective < best.objective - room:
            problems.append(
                f"final stage {best.final}: {mine.objective:.9g} is more than {gap:.2%} below "
                f"the plan's {best.objective:.9g}"
            )
        if not maximized and mine.objective > best.objective + room:
            problems.append(
                f"final stage {best.final}: {mine.objective:.9g} is more than {gap:.2%} above "
                f"the plan's {best.objective:.9g}"
            )
    return problems


def _maximized(st: StageResult) -> bool:
    return st.final in ("maximize_weighted_reach", "maximize_min_coverage")


# --------------------------------------------------------------------------- robustness
#: How a (programme, cluster) decision compares across the plan and its alternatives.
SAME = "same"  # the same spend in every plan (a robust decision)
FUNDED_IN_ALL = "funded_in_all"  # funded in every plan, by different amounts
FREE = "free"  # funded in some plans only: a free choice


@dataclass(frozen=True)
class Decision:
    cell: Cell
    department: str
    spend: list[float]  # the plan, then each alternative
    kind: str  # SAME, FUNDED_IN_ALL or FREE


def decisions(alts: Alternatives) -> list[Decision]:
    """Every cell funded by at least one plan, in programme then cluster order."""
    results = alts.results
    spends = [cell_spend(r) for r in results]
    s = alts.plan.scenario
    tol = SAME_SPEND * max(1.0, alts.plan.spend)
    order = {c: k for k, c in enumerate(s.cluster_ids)}
    programme = {p.id: k for k, p in enumerate(s.programmes)}
    cells = sorted(
        set().union(*spends),
        key=lambda c: (programme[c[0]], -1 if c[1] is None else order[c[1]]),
    )
    out = []
    dept = {p.id: p.department for p in s.programmes}
    for cell in cells:
        values = [sp.get(cell, 0.0) for sp in spends]
        if max(values) - min(values) <= tol:
            kind = SAME
        elif min(values) > 0:
            kind = FUNDED_IN_ALL
        else:
            kind = FREE
        out.append(Decision(cell, dept[cell[0]], values, kind))
    return out


def spend_table(alts: Alternatives, key: str) -> list[tuple[str, list[float]]]:
    """(department or cluster id, spend in the plan then each alternative)."""
    rows = []
    for k in range(len(alts.plan.departments if key == "department" else alts.plan.clusters)):
        if key == "department":
            ident = alts.plan.departments[k].id
            values = [r.departments[k].spend for r in alts.results]
        else:
            ident = alts.plan.clusters[k].id
            values = [r.clusters[k].spend for r in alts.results]
        rows.append((ident, values))
    return rows


# --------------------------------------------------------------------------- JSON
def _clean(x: float) -> float:
    """A plain JSON number, float noise rounded away (12 significant digits, as the
    result's own figures)."""
    return float(f"{x:.12g}") if x and math.isfinite(x) else 0.0


#: The parts of each alternative's result@1 document that `alternatives [...]` carries.
ALTERNATIVE_KEYS = (
    "status",
    "stages",
    "totals",
    "programmes",
    "departments",
    "clusters",
    "targets",
)


def alternatives_json(alts: Alternatives) -> dict[str, Any]:
    """The keys `solve --alternatives` adds to the result@1 document."""
    entries = []
    for a in alts.found:
        doc = to_json(a.result)
        entries.append(
            {
                "alternative": a.number,
                "difference": _clean(a.difference),
                "closest_difference": _clean(a.closest),
                **{k: doc[k] for k in ALTERNATIVE_KEYS},
            }
        )
    o = alts.options
    return {
        "alternatives_settings": {
            "requested": o.count,
            "gap": o.gap,
            "min_difference": o.min_difference,
            "measure": "spend in (programme, cluster) cells the earlier plans funded, minimized",
        },
        "alternatives": entries,
        "alternatives_note": alts.note,
    }


# --------------------------------------------------------------------------- compare
#: How `compare --alternatives` names the plans: stable ids, the same in every language
#: (`Comparison.names`); a person reads them as `alt.plan` and `alt.alternative`
#: ("Plan", "Alternativa 1"), in the run's language (`Comparison.titles`).
PLAN_NAME = "plan"


def alternative_name(number: int) -> str:
    return f"alternative-{number}"


def plan_titles(alts: Alternatives) -> list[Said]:
    """The plan and each alternative as the workbook and the terminal name them."""
    return [Said("alt.plan"), *(Said("alt.alternative", {"n": a.number}) for a in alts.found)]


def compare_alternatives(
    loaded: LoadedScenario, options: SolveOptions, wanted: AlternativeOptions
) -> tuple[Comparison, Alternatives]:
    """The plan and its alternatives side by side, as `compare` sets scenarios: the
    same plan and the same alternatives as `solve --alternatives` finds."""
    from .pipeline import solve_scenario

    check_alternative_options(wanted)
    plan = solve_scenario(loaded, options)
    alts = find_alternatives(loaded, plan, options, wanted)
    names = [PLAN_NAME, *(alternative_name(a.number) for a in alts.found)]
    return Comparison(names, alts.results, plan_titles(alts)), alts


def comparison_extras(alts: Alternatives) -> dict[str, Any]:
    """What `compare --alternatives --json` adds to the batch document: each result's
    difference from the plan (the plan first, 0) and the note."""
    return {
        "differences": [0.0, *(_clean(a.difference) for a in alts.found)],
        "alternatives_note": alts.note,
    }
