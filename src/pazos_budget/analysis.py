"""Analyses that drive the solver several times: marginal value of money, sweeps and
comparisons.

Marginal values are measured by re-solving with a little more money (exact for integer
models too, unlike LP duals, and read in the user's terms): for the total budget and for
each department envelope, the change of every stage objective and of youth reached per
unit of money.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import partial
from typing import Any

from .batch import Beside, Engine, default_jobs, on_threads, solve_scenarios
from .errors import InfeasibleError, PazosBudgetError, SolveInterrupted
from .export import ModelExport
from .i18n import Said, Usage, texts
from .loader import LoadedScenario
from .marginal import MarginalValue, MoneySource, NotExact, StageGain
from .messages import Num
from .model import FloatArray, build_model
from .pipeline import ScenarioInfeasible, solve_scenario
from .result import Result, to_json, unsolved_json
from .scenario import MAX_MAGNITUDE, Budget, Scenario
from .solve import HIGHS, SolveControl, SolveOptions, Status
from .tolerances import FLOAT_ROUNDING, STEP_ROUNDING, ZERO
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
        if m * power >= raw * STEP_ROUNDING:
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


def solve_with_marginal_values(
    loaded: LoadedScenario,
    options: SolveOptions | None = None,
    *,
    start: FloatArray | None = None,
    export: ModelExport | None = None,
) -> Result:
    """`pipeline.solve_scenario`, then the marginal values of money on its result
    (`solve --marginal`): every stage re-solved with more money, from scratch. `export`
    keeps the plan's model (`--write-model`), not a re-solve's.

    A re-solve does not depend on the plan, and a plan's own solve keeps one core busy:
    on a machine with two or more cores the total budget's re-solve (the source least
    often proven unchanged) runs beside it, with HiGHS (whose solve a control can stop;
    another solver's runs in a process of its own). Its answer is the one `marginal_values` would
    compute (the same solve, the same options); it is dropped when the plan is not a
    proven optimum, and not used when a proof makes the re-solve needless.
    """
    options = options or SolveOptions()
    ahead: Beside[Result | PazosBudgetError] | None = None
    if default_jobs() >= 2 and options.solver == HIGHS:
        total = more_money_variants(loaded.scenario)[0][1]
        side = SolveControl() if options.control is None else options.control.child()
        ahead = Beside(partial(_solve_variant, loaded, total, replace(options, control=side)), side)
    try:
        result = solve_scenario(loaded, options, start=start, export=export)
        known: dict[int, Result | PazosBudgetError] = {}
        if ahead is not None and result.status == Status.OPTIMAL:
            # Waited for before the marginal values begin (it ends about when the plan's
            # solve does), so a stop during them never cuts a re-solve that was nearly done.
            known[0] = ahead.result()
        result.marginal_values = marginal_values(loaded, result, options, solved_ahead=known)
    finally:
        if ahead is not None:
            ahead.drop()  # stops it if it was not waited for (a failure, an unproven plan)
    return result


def _solve_variant(
    loaded: LoadedScenario,
    variant: Scenario,
    options: SolveOptions,
    start: FloatArray | None = None,
) -> Result | PazosBudgetError:
    """One re-solve of the marginal values: the variant alone, with `options` unchanged
    (one solver thread by default, whatever the number of jobs), so it solves as
    `solve` solves it; from scratch unless `start` is given. Its error in its place."""
    try:
        return solve_scenario(replace(loaded, scenario=variant), options, start=start)
    except PazosBudgetError as e:
        return e


def more_money_variants(
    s: Scenario, step: float | None = None
) -> list[tuple[tuple[str | None, str], Scenario]]:
    """Every money source of `s` (the total budget, then each department with an
    envelope: its id or None, and its name) with its variant of `s` holding `step` more
    (default: `money_step`)."""
    delta = step or money_step(s.budget.total)
    # The total budget's name is said in the scenario's language (a department's is data).
    total = texts(s.scenario.language)["json.marginal.total_budget"]
    sources: list[tuple[str | None, str]] = [(None, total)]
    sources += [(d.id, d.name) for d in s.departments if d.budget is not None]
    return [(src, with_more_money(s, src[0], delta)) for src in sources]


def marginal_values(
    loaded: LoadedScenario,
    base: Result,
    options: SolveOptions,
    step: float | None = None,
    jobs: int | None = None,
    start: FloatArray | None = None,
    solved_ahead: Mapping[int, Result | PazosBudgetError] | None = None,
) -> list[MarginalValue]:
    """One entry per money source: total budget, then each department with an envelope.

    Each re-solve is the variant's solve alone, from scratch, so a value is the difference
    between the plans `solve` gives the two scenarios. `start` (a plan feasible with more
    money, such as the base's) starts each re-solve instead: in an integer model that can
    be faster or slower, and can land on another plan of the same optima. From the base
    plan, Palmira's six re-solves took 13.3 s where they take 10.4 s from scratch
    (benchmarks/README.md). A value is given only when the base and the re-solve are both
    proven optima; otherwise the entry says why (`exact` false, a `reason`, the figures
    None). `solved_ahead` holds re-solves already run (by source index, from scratch, as
    here), used where no proof makes them needless.

    Each source is one task on `jobs` threads: its proof (unchanged.py), then its re-solve
    if there is no proof, so a re-solve starts as soon as its own proof fails, not after
    every proof. Which sources are proven, and every figure, is the same whatever `jobs`.
    """
    s = loaded.scenario
    delta = step or money_step(s.budget.total)
    pairs = more_money_variants(s, delta)
    sources = [src for src, _ in pairs]
    variants = [v for _, v in pairs]
    ahead = dict(solved_ahead or {})
    if ahead and start is not None:
        raise ValueError("re-solves run ahead are from scratch: no start")
    settled: Sequence[tuple[Proof | None, Result | PazosBudgetError | None]]
    settled = [(None, None)] * len(sources)
    # A difference against a plan that is not proven optimal measures the gap as much
    # as the money: no re-solve can make it exact, so none is run.
    if base.status == Status.OPTIMAL:
        if options.control is not None:
            options.control.phase(Said("solver.phase.marginal", {"sources": len(sources)}))
        settled = _settle(loaded, base, variants, options, jobs, start, ahead)
    proofs = [proof for proof, _ in settled]
    solved = [more for _, more in settled]
    out = []
    for (dept, name), more, proof in zip(sources, solved, proofs, strict=True):
        source = MoneySource.TOTAL_BUDGET if dept is None else MoneySource.DEPARTMENT
        re_solved = proof is None and more is not None
        proved = None if proof is None else proof.stage
        # What every entry of this source says first, exact or not.
        entry = partial(MarginalValue, source, dept, name, delta, re_solved, proved)
        code = _not_exact(base, more)
        if code is not None:
            lang = s.scenario.language
            error = ""
            if isinstance(more, PazosBudgetError):
                error = said_in(more, lang).splitlines()[0]
            out.append(
                entry(
                    exact=False,
                    reason=texts(lang)[f"json.marginal.{code.value}"].format(error=error),
                    reason_code=code,
                    # a re-solve that fails is reported, not fatal
                    error=error if code == NotExact.RESOLVE_FAILED else None,
                )
            )
            continue
        assert isinstance(more, Result)
        youth = more.youth_reached - base.youth_reached
        out.append(
            entry(
                exact=True,
                stages=_stage_gains(base, more, delta),
                youth_reached=_r(youth),
                youth_per_unit=_r(youth / delta),
                weighted_coverage=_r(more.weighted_coverage - base.weighted_coverage),
                spend=_r(more.spend - base.spend),
            )
        )
    return out


def _stage_gains(base: Result, more: Result, delta: float) -> tuple[StageGain, ...]:
    gains = []
    for a, b in zip(base.stages, more.stages, strict=False):
        if a.priority is not None:
            gain = a.objective - b.objective  # shortfall reduced
        elif a.final == "minimize_spend":
            gain = a.objective - b.objective  # spend saved
        else:
            gain = b.objective - a.objective  # weighted coverage gained
        gains.append(
            StageGain(
                a.priority,
                None if a.priority is not None else a.final,
                before=_r(a.objective),
                after=_r(b.objective),
                improvement=_r(gain),
                per_unit=_r(gain / delta),
            )
        )
    return tuple(gains)


#: Why an entry has no value, in English (the JSON says it in the result's language,
#: `json.marginal.<code>` of the catalogues).
NOT_EXACT_REASONS = {code: texts("en")[f"json.marginal.{code.value}"] for code in NotExact}


def _settle(
    loaded: LoadedScenario,
    base: Result,
    variants: Sequence[Scenario],
    options: SolveOptions,
    jobs: int | None,
    start: FloatArray | None,
    ahead: Mapping[int, Result | PazosBudgetError],
) -> list[tuple[Proof | None, Result | PazosBudgetError]]:
    """For each variant, its proof and the plan it proves (`base`), or no proof and the
    variant's re-solve: one task per variant, on `jobs` threads."""
    # Every re-solve gets the very options a solve alone gets (the solver's thread count
    # included), whatever `jobs` is: the plan must not depend on how the batch is run.
    # A control stops these solves too (Ctrl-C during marginal values) but shows no
    # progress: the progress line belongs to one solve.
    control = SolveControl() if options.control is None else options.control.silent()
    opts = replace(options, control=control)
    prove = _prover(loaded.scenario, base, options)

    def one(i: int) -> tuple[Proof | None, Result | PazosBudgetError]:
        proof = prove(variants[i])
        if proof is not None:
            return proof, base  # the re-solve's answer, proven (unchanged.py)
        if i in ahead:
            return None, ahead[i]
        return None, _solve_variant(loaded, variants[i], opts, start)

    jobs = max(1, min(jobs or default_jobs(), len(variants)))
    if jobs == 1:
        return [one(i) for i in range(len(variants))]
    out: list[tuple[Proof | None, Result | PazosBudgetError]] = [(None, base)] * len(variants)
    on_threads(one, len(variants), jobs, out, None, control)
    return out


def _prover(
    scenario: Scenario, base: Result, options: SolveOptions
) -> Callable[[Scenario], Proof | None]:
    """A proof for a variant of `scenario` (with more money in one source) that its
    re-solve gives the plan `base` back (unchanged.py), or None where it must be re-solved.
    A proof is a linear programme (or a node-limited branch and bound), the same whatever
    thread asks it, so which sources are skipped does not depend on the run."""
    optima = [st.solver_objective for st in base.stages]
    if not all(math.isfinite(v) for v in optima):
        return lambda v: None
    # The plan's values carry the proof into a linear model's tie-break only when the
    # tie-break ran (the solve says when it was skipped).
    values = None if base.notes else base.solution_values
    model = build_model(scenario)
    return lambda v: more_money_changes_nothing(model, build_model(v), optima, options, values)


def prove_unchanged(
    scenario: Scenario,
    base: Result,
    variants: Sequence[Scenario],
    options: SolveOptions,
    jobs: int | None = None,
) -> list[Proof | None]:
    """For each variant of `scenario`, its proof (`_prover`) or None, on `jobs` threads."""
    prove = _prover(scenario, base, options)
    jobs = max(1, min(jobs or default_jobs(), len(variants)))
    if jobs == 1:
        return [prove(v) for v in variants]
    proofs: list[Proof | None] = [None] * len(variants)
    on_threads(lambda i: prove(variants[i]), len(variants), jobs, proofs)
    return proofs


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
    return 0.0 if abs(x) < ZERO else float(f"{x:.9g}")


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


#: The most points one sweep solves.
MAX_SWEEP_POINTS = 1001


def check_point_money(
    s: Scenario, totals: Sequence[float] | None = None, scales: Sequence[float] | None = None
) -> None:
    """A usage error (`i18n.Usage`) at the first point whose money passes the limit on
    every number of a scenario (docs/model.md): a point is built from the validated
    scenario without being validated again, so `--budget 1e20:1e20:1` or `--scale
    1e300:...` would otherwise be solved, and printed, as given."""
    points = [(t, [("budget.total", t)]) for t in totals or ()]
    for f in scales or ():
        amounts = [("budget.total", s.budget.total * f)]
        for d in s.departments:
            amounts += [
                (f"departments.{d.id}.{key}", value * f)
                for key, value in (("budget", d.budget), ("min_spend", d.min_spend))
                if value is not None
            ]
        points.append((f, amounts))
    for point, amounts in points:
        for path, value in amounts:
            if value > MAX_MAGNITUDE:
                raise Usage(
                    "usage.range.too_large",
                    point=Num(point),
                    path=path,
                    value=Num(value),
                    limit="1e15",
                )


def frange(start: float, stop: float, step: float) -> list[float]:
    """start, start+step, ..., stop (inclusive, without float drift); a usage error
    (`i18n.Usage`) for a step, an order or a count a sweep cannot take."""
    if step <= 0:
        raise Usage("usage.range.step")
    if stop < start:
        raise Usage("usage.range.order")
    n = math.floor((stop - start) / step + FLOAT_ROUNDING)
    if n > MAX_SWEEP_POINTS - 1:
        raise Usage("usage.range.too_many", points=str(n + 1), most=MAX_SWEEP_POINTS)
    return [round(start + k * step, 12) for k in range(n + 1)]


class PointStatus(StrEnum):
    """How one point of a sweep ended."""

    SOLVED = "solved"  # a plan (optimal, or feasible at a limit: its result says)
    INFEASIBLE = "infeasible"  # its hard commitments cannot all hold (a diagnosis)
    FAILED = "failed"  # the solver found no plan (an error)
    NOT_SOLVED = "not_solved"  # an interrupted sweep stopped it, or never solved it


@dataclass(frozen=True)
class SweepPoint:
    budget: float  # the total budget at this point
    scale: float | None  # the factor on every money limit, for --scale sweeps
    result: Result | None
    error: str | None = None  # in the scenario's language
    document: dict[str, Any] | None = None  # result@1 of a point that failed (see sweep)
    status: PointStatus = PointStatus.NOT_SOLVED

    @property
    def where(self) -> dict[str, float]:
        """The point's own key in `sweep --json`: its scale, or its total budget."""
        return {"scale": self.scale} if self.scale is not None else {"budget": self.budget}


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
        where: list[tuple[float, float | None]] = [(t, None) for t in totals]
    else:
        assert scales is not None
        variants = [scaled_budgets(s, f) for f in scales]
        where = [(s.budget.total * f, f) for f in scales]
    batch = solve_scenarios(
        [replace(loaded, scenario=v) for v in variants],
        options,
        Engine(jobs, scheduler),
        on_done=on_done,
        keep_partial=True,
    )
    lang = s.scenario.language
    points = []
    for (budget, scale), variant, res in zip(where, variants, batch.results, strict=True):
        if isinstance(res, Result):
            points.append(SweepPoint(budget, scale, res, status=PointStatus.SOLVED))
        elif res is not None:
            points.append(
                SweepPoint(
                    budget,
                    scale,
                    None,
                    said_in(res, lang).splitlines()[0],
                    _failure_json(replace(loaded, scenario=variant), res, options),
                    _failed(res),
                )
            )
        else:
            points.append(SweepPoint(budget, scale, None, texts(lang)["json.sweep.not_solved"]))
    return Sweep(s, points, batch.interrupted)


def _failed(error: PazosBudgetError) -> PointStatus:
    if isinstance(error, InfeasibleError):
        return PointStatus.INFEASIBLE
    if isinstance(error, SolveInterrupted):  # Ctrl-C before the point had any plan
        return PointStatus.NOT_SOLVED
    return PointStatus.FAILED


def _failure_json(
    loaded: LoadedScenario, error: PazosBudgetError, options: SolveOptions
) -> dict[str, Any]:
    """The result@1 document of a point without a solution: infeasible with its
    diagnosis, or a solver error with its message."""
    if isinstance(error, ScenarioInfeasible):
        return error.to_json()
    lang = loaded.scenario.scenario.language
    return unsolved_json(loaded, Status.ERROR, options.solver, error=said_in(error, lang))


def said_in(error: PazosBudgetError, lang: str) -> str:
    """An error's message in `lang` when it has one as a catalogue key, else as raised."""
    return error.said.text(lang) if isinstance(error.said, Said) else str(error)


def sweep_json(sw: Sweep) -> dict[str, Any]:
    """`sweep --json`: one result@1 document per point, in order, each with the point's
    `scale` (a --scale sweep) or `budget` (a --budget sweep). Points an interrupted sweep
    never solved are listed in `not_solved`, not as results."""
    results: list[dict[str, Any]] = []
    not_solved: list[dict[str, float]] = []
    for p in sw.points:
        if p.result is not None:
            results.append(to_json(p.result) | p.where)
        elif p.document is not None:
            results.append(p.document | p.where)
        else:
            not_solved.append(p.where)
    return {
        "schema": BATCH_SCHEMA,
        "command": "sweep",
        "interrupted": sw.interrupted,
        "results": results,
        "not_solved": not_solved,
    }


@dataclass(frozen=True)
class FrontierFigures:
    """What a solved point of the frontier achieves."""

    status: Status  # optimal, or feasible (stopped at a limit)
    spend: float
    youth_reached: float
    weighted_coverage: float
    prioritized_coverage: float
    targets_met: int
    targets_total: int
    shortfalls: Mapping[int, float]  # priority -> that stage's weighted shortfall
    final_objective: float | None
    youth_per_unit: float | None  # marginal youth per unit of money since the last solved point


@dataclass(frozen=True)
class FrontierRow:
    """One point of the frontier, as the terminal and the workbook show it: its figures,
    or (None) why it has none."""

    budget: float
    scale: float | None
    status: PointStatus
    error: str | None
    figures: FrontierFigures | None


def frontier_rows(sw: Sweep) -> list[FrontierRow]:
    """One row per point: the figures of the frontier, and the marginal youth per unit of
    money between this point and the previous solved one."""
    priorities = sorted({t.priority for _, t in sw.scenario.all_targets() if not t.hard})
    rows: list[FrontierRow] = []
    prev: SweepPoint | None = None
    for p in sw.points:
        r = p.result
        if r is None:
            rows.append(FrontierRow(p.budget, p.scale, p.status, p.error, None))
            continue
        met, total = r.targets_met()
        shortfalls = {
            prio: next((st.objective for st in r.stages if st.priority == prio), 0.0)
            for prio in priorities
        }
        final = next((st for st in r.stages if st.final), None)
        per_unit = None
        if prev is not None and prev.result is not None and p.budget != prev.budget:
            per_unit = (r.youth_reached - prev.result.youth_reached) / (p.budget - prev.budget)
        figures = FrontierFigures(
            r.status,
            r.spend,
            r.youth_reached,
            r.weighted_coverage,
            r.prioritized_coverage,
            met,
            total,
            shortfalls,
            final.objective if final else None,
            per_unit,
        )
        rows.append(FrontierRow(p.budget, p.scale, p.status, p.error, figures))
        prev = p
    return rows


# --------------------------------------------------------------------------- comparison
@dataclass
class Comparison:
    """Scenarios side by side; the first is the base the deltas are measured against.

    `names` are the ids (a scenario's id; `plan`, `alternative-1` ... for
    `compare --alternatives`); `titles`, when given, are how a person reads each one
    (`Alternativa 1`), said in the run's language by `shown`."""

    names: list[str]
    results: list[Result]
    titles: list[Said] | None = None

    def shown(self, lang: str) -> list[str]:
        """The names as a person reads them, in `lang`: the titles, else the ids."""
        if self.titles is None:
            return list(self.names)
        return [t.text(lang) for t in self.titles]

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
            if loss < -ZERO:
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
