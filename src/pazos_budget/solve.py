"""The only place that chooses and calls a solver, and translates its statuses.

HiGHS (highspy, in-process) is the default: the model's arrays are handed over in one
`passModel` call, and each lexicographic stage changes the objective and adds one row
that holds the previous optimum. PuLP is the bridge to its bundled CBC and to any other
solver a user has (GLPK, Gurobi, CPLEX ...), and the way to export `.lp` / `.mps`
(export.py).

Known traps handled here (each measured on this project's models):
- `pulp.HiGHS` says "Optimal" with objective 0 when HiGHS stopped at its time limit, so
  HiGHS is always driven through highspy and its own model status is read.
- CBC through PuLP also says "Optimal" after a time limit; a CBC run that used its whole
  limit is reported as "feasible", never as "optimal".
- Duals are never read from PuLP (their signs flip on maximisation problems).
- Neither LP method is faster on every model and no size rule tells which will be, so
  an LP's first stage races simplex against interior point on two or more cores
  (lprace.py); every later stage is warm simplex from the previous basis.
- Each MIP stage starts from the previous stage's solution (feasible for it: it meets
  the optimum just held), which made the Palmira scenario 2-3x faster. HiGHS 1.16 can
  return such a start unchanged while reporting the better objective it found in the
  presolved space (tests/test_independent.py caught it), so a started run's solution is
  accepted only if its own objective equals the one HiGHS reports; otherwise the stage
  runs again without a start (`_HighsRun._run_stage`).
- HiGHS's tolerances are absolute, so it is handed the model scaled by powers of two
  (scaling.py): pesos and millions of pesos are solved alike. After every stage the
  objective recomputed from the solution must equal the one HiGHS reports
  (`objective_disagreement`), or the solve is an error, never an optimum.
- HiGHS 1.16's Fourier-Motzkin presolve rule, on a stage started from the previous
  stage's plan, proved a wrong optimum (tests/data/highs-fm): that one rule is off.
- CBC 2.10's preprocessing mishandles a fractional bound on a whole-unit column (a
  population cap of 5.75 units): PuLP is handed the bounds rounded inward (`whole_bounds`).
- CBC's `-threads 1` is its threaded search with one worker, which can wait seconds on
  a timer for nothing: one thread is asked for as no thread count (`CBC_SERIAL_THREADS`).
- Each stage's objective is scaled to a largest coefficient of about 1, beside which
  HiGHS's default dual feasibility tolerance (1e-7) doubled the simplex iterations of a
  large first stage: it is 1e-8 (`tolerances.HIGHS_DUAL_FEASIBILITY`).
- A `SolveControl` watches a HiGHS solve through its interrupt callbacks (progress for a
  terminal line) and stops it (Ctrl-C through `stop_on_sigint`): the stage running keeps
  its best solution, later stages are not run, and the solve is `feasible`.
- LP/MPS names are the model's names escaped reversibly (`lp_name`, `model_name`), so ids
  that differ only by `-` and `_` cannot collide once PuLP folds `-` into `_`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np

from . import lprace
from .errors import SolverError
from .i18n import Said, Usage, texts
from .model import (
    FloatArray,
    Model,
    Sense,
    Stage,
    hold_bound,
)
from .scaling import Scaled, scale_model
from .tolerances import (
    BOUND_CROSSING,
    CBC_TIME_USED,
    CONTRACT_TOLERANCE,
    DEFAULT_MIP_GAP,
    HIGHS_CONSISTENT,
    HIGHS_DUAL_FEASIBILITY,
    HIGHS_MIP_FEASIBILITY,
    HIGHS_SMALL_MATRIX_VALUE,
    HOLD_RELATIVE_TOLERANCE,
    OBJECTIVE_AGREEMENT,
    WHOLE_BOUND_TOLERANCE,
)

#: Solver threads of every solve, whatever `-j` is: one plan however a scenario is run
#: (HiGHS's MIP search depends on its thread count, and so would the plan).
DEFAULT_THREADS = 1
#: HiGHS presolve rules never used (`presolve_rule_off` bit mask): Fourier-Motzkin
#: elimination (bit 22 in HiGHS 1.16). With a MIP start it ended a min-coverage stage at
#: 0 where 0.0433 exists (tests/data/highs-fm: the reduced model, its start, and why).
PRESOLVE_FOURIER_MOTZKIN = 1 << 22
#: ... and probing (bit 15). With the previous stage's plan as its start and that stage's
#: optimum held at 1e-9, a least-spend stage ended at 79.72 in 0 nodes where 76.32 exists
#: (without the start: "infeasible"; tests/data/highs-presolve). Turning off the
#: doubleton-equation or the aggregator rule instead also fixes it; probing off also made
#: every council question of `scenarios/` faster, the -20% point 6x (benchmarks/README.md).
PRESOLVE_PROBING = 1 << 15
PRESOLVE_RULES_OFF = PRESOLVE_FOURIER_MOTZKIN | PRESOLVE_PROBING
HIGHS = "highs"
CBC = "cbc"
#: CBC is handed no thread count for one thread: its serial search is one thread already,
#: while `-threads 1` starts its threaded search with one worker, whose hand-over waits
#: on a timer (a tiny model's solve took 3 to 10 s of wall time and milliseconds of CPU,
#: one solve in several; a CI run of the suite took 13 minutes instead of 4).
CBC_SERIAL_THREADS = 1


class Status(StrEnum):
    OPTIMAL = "optimal"
    FEASIBLE = "feasible"  # a limit was reached with a solution in hand
    INFEASIBLE = "infeasible"
    ERROR = "error"


@dataclass(frozen=True)
class SolveOptions:
    solver: str = HIGHS
    time_limit: float | None = None  # seconds, for the whole lexicographic run
    mip_gap: float = DEFAULT_MIP_GAP
    # The first stage's LP method (HiGHS, LPs only; lprace.py): "auto" races simplex and
    # interior point on two or more cores; "simplex" / "ipm" force the winner. Never
    # changes the plan, only how fast it comes.
    lp_method: str = lprace.AUTO
    threads: int = DEFAULT_THREADS  # the same for every solve (see DEFAULT_THREADS)
    # HiGHS's MIP feasibility tolerance: its own default, tightened only for the re-solve
    # of a plan the independent check refused (pipeline.solve_scenario).
    mip_feasibility: float = HIGHS_MIP_FEASIBILITY
    # Watches the solve and can stop it (HiGHS only); never part of what is solved.
    control: SolveControl | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Progress:
    """Where a running solve is, for a progress line."""

    stage: Said  # the stage as a person reads it ("priority 1", "final", "tie-break")
    number: int  # 1-based among the model's stages
    stages: int
    incumbent: float | None  # best objective found so far in this stage (MIP only)
    bound: float | None  # the best objective still possible (MIP only)
    gap: float | None  # relative gap between the two (MIP only)
    elapsed: float  # seconds since the solve began


class SolveControl:
    """Watch a HiGHS solve and stop it.

    `on_progress` is called from inside the solve (in its thread) at most every
    `interval` seconds. `stop()`, from anywhere (a signal handler: `stop_on_sigint`), makes
    the stage running end with its best solution so far; later stages are not run and the
    solve is `feasible`, with that stage's gap (or an error if no plan was found yet).
    """

    def __init__(
        self, on_progress: Callable[[Progress], None] | None = None, interval: float = 0.25
    ) -> None:
        self.on_progress = on_progress
        self.interval = interval
        #: Told what the run does between solves (a progress line's text).
        self.on_phase: Callable[[Said], None] | None = None
        self._stop = threading.Event()
        self._parent: SolveControl | None = None

    def phase(self, text: Said) -> None:
        """Say what the run does next (e.g. 'marginal value of money: 13 more solves')."""
        if self.on_phase is not None:
            self.on_phase(text)

    def stop(self) -> None:
        self._stop.set()

    def silent(self) -> SolveControl:
        """A control that stops when this one does, and reports no progress."""
        child = SolveControl()
        child._stop = self._stop
        return child

    def child(self) -> SolveControl:
        """A control that stops when this one does or when it is stopped itself (which
        leaves this one running), and reports no progress."""
        child = SolveControl()
        child._parent = self
        return child

    @property
    def stopping(self) -> bool:
        return self._stop.is_set() or (self._parent is not None and self._parent.stopping)


@contextlib.contextmanager
def stop_on_sigint(control: SolveControl) -> Iterator[None]:
    """While inside, the first Ctrl-C stops the solve through `control` (the best plan so
    far is kept); a second one interrupts as usual (KeyboardInterrupt). Outside the main
    thread, where no signal handler can be set, Ctrl-C is left as it is."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)

    def first(signum: int, frame: object) -> None:
        control.stop()
        signal.signal(signal.SIGINT, previous)

    signal.signal(signal.SIGINT, first)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@dataclass(frozen=True)
class StageOutcome:
    stage: Stage
    status: Status
    objective: float  # the solver's objective value for this stage
    seconds: float
    gap: float | None = None  # relative MIP gap of a stage stopped at a limit (else None)


@dataclass
class Solution:
    status: Status
    values: FloatArray  # one value per column (empty unless a solution exists)
    stages: list[StageOutcome]
    solver: str
    seconds: float
    mip_gap: float
    messages: list[Said] = field(default_factory=list)
    restarts: int = 0  # stages run again without their start (see _HighsRun._run_stage)
    interrupted: bool = False  # stopped by SolveControl.stop (Ctrl-C): later stages not run
    refused: bool = False  # contradictory bounds: no solver ran (no model to export)
    #: The LP method that solved the first stage (lprace.py; None for a MIP or another
    #: solver): what a race was won by, for the benchmarks and the tests.
    lp_method: str | None = None

    @property
    def has_solution(self) -> bool:
        return self.status in (Status.OPTIMAL, Status.FEASIBLE)


def available_solvers() -> list[str]:
    """Solver names usable here: 'highs' plus whatever PuLP finds installed."""
    names = [HIGHS]
    try:
        import pulp

        for name in pulp.listSolvers(onlyAvailable=True):
            short = _PULP_NAMES_REVERSE.get(name)
            if short and short not in names:
                names.append(short)
    except Exception:  # pragma: no cover - pulp import problems are reported on use
        pass
    return names


_PULP_NAMES = {
    CBC: "PULP_CBC_CMD",
    "glpk": "GLPK_CMD",
    "gurobi": "GUROBI",
    "gurobi_cmd": "GUROBI_CMD",
    "cplex": "CPLEX_PY",
    "cplex_cmd": "CPLEX_CMD",
    "scip": "SCIP_CMD",
    "copt": "COPT",
    "mosek": "MOSEK",
    "xpress": "XPRESS",
}
_PULP_NAMES_REVERSE = {v: k for k, v in _PULP_NAMES.items()}


def solve_model(
    model: Model, options: SolveOptions | None = None, start: FloatArray | None = None
) -> Solution:
    """Run the lexicographic stages of `model` on the chosen solver.

    `start`, one value per column, is a solution to try first (HiGHS, MIPs only): a
    re-solve with more money starts from the allocation it improves on. It need not be
    feasible; HiGHS then ignores it.
    """
    options = options or SolveOptions()
    check_options(options)
    bad = np.flatnonzero(model.col_lower > model.col_upper + BOUND_CROSSING)
    if len(bad):
        # Contradictory bounds (e.g. a mandatory minimum above a cap): infeasible before
        # any solve. CBC crashes on such a column instead of saying so.
        names = ", ".join(model.col_names[j] for j in bad[:3])
        return Solution(
            Status.INFEASIBLE,
            np.zeros(0),
            [],
            options.solver,
            0.0,
            options.mip_gap,
            [Said("solver.contradictory_bounds", {"names": names})],
            refused=True,
        )
    if options.solver == HIGHS:
        return _HighsRun(model, options, start).run()
    return _PulpRun(model, options).run()  # a name check_options knows


def check_options(options: SolveOptions) -> None:
    """Refuse unusable options before any work is done (exit code 2)."""
    if not 0 <= options.mip_gap < 1:
        raise Usage("usage.solve.mip_gap", gap=f"{options.mip_gap:g}")
    if options.time_limit is not None and options.time_limit <= 0:
        raise Usage("usage.solve.time_limit", seconds=f"{options.time_limit:g}")
    if options.lp_method not in lprace.LP_METHODS:
        raise Usage("usage.solve.lp_method", method=options.lp_method)
    if options.solver != HIGHS and options.solver not in _PULP_NAMES:
        known = ", ".join([HIGHS, *_PULP_NAMES])
        raise Usage("usage.solve.solver", solver=options.solver, known=known)


def _deadline(options: SolveOptions) -> float | None:
    return time.perf_counter() + options.time_limit if options.time_limit else None


def _remaining(deadline: float | None) -> float | None:
    if deadline is None:
        return None
    return max(deadline - time.perf_counter(), 0.01)


#: One HiGHS constructor at a time silences stdout: threads (marginal values' re-solves
#: and proofs, the LP race) each create instances, and two interleaved save/restore pairs
#: of file descriptor 1 would leave it pointing at /dev/null for the rest of the process
#: (every later line of the terminal lost).
_STDOUT_LOCK = threading.Lock()


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Silence file descriptor 1: HiGHS prints its banner from C++ in its constructor,
    before `output_flag` can be set, and that must not pollute a report on stdout."""
    with _STDOUT_LOCK:
        sys.stdout.flush()
        try:
            saved = os.dup(1)
        except OSError:  # no real stdout (embedded use): nothing to protect
            yield
            return
        try:
            with open(os.devnull, "wb") as devnull:
                os.dup2(devnull.fileno(), 1)
                yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)


def _worse(a: Status, b: Status) -> Status:
    order = [Status.OPTIMAL, Status.FEASIBLE, Status.INFEASIBLE, Status.ERROR]
    return a if order.index(a) >= order.index(b) else b


def highs_lp(
    model: Model,
    sc: Scaled,
    highspy: Any,
    col_lower: FloatArray | None = None,
    col_upper: FloatArray | None = None,
) -> Any:
    """The scaled model as one HiGHS `HighsLp`, as every solve hands it over (row-wise,
    infinite bounds as HiGHS's, whole-unit columns marked), with no objective: each stage
    sets its own. The benchmarks build theirs with it, so they time the same hand-over."""
    lower = sc.col_lower if col_lower is None else col_lower
    upper = sc.col_upper if col_upper is None else col_upper
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_ = model.n_cols
    lp.num_row_ = model.n_rows
    lp.col_cost_ = np.zeros(model.n_cols)
    lp.col_lower_ = lower
    lp.col_upper_ = np.where(np.isinf(upper), inf, upper)
    lp.row_lower_ = np.where(np.isinf(sc.row_lower), -inf, sc.row_lower)
    lp.row_upper_ = np.where(np.isinf(sc.row_upper), inf, sc.row_upper)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = model.n_cols
    lp.a_matrix_.num_row_ = model.n_rows
    lp.a_matrix_.start_ = model.indptr.astype(np.int32)
    lp.a_matrix_.index_ = model.indices.astype(np.int32)
    lp.a_matrix_.value_ = sc.values
    if model.is_mip:
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
            for i in model.integrality
        ]
    return lp


# --------------------------------------------------------------------------- HiGHS
class _HighsRun:
    def __init__(self, model: Model, options: SolveOptions, start: FloatArray | None) -> None:
        self.model = model
        self.options = options
        usable = start is not None and model.is_mip and len(start) == model.n_cols
        self.start = np.asarray(start, dtype=float) if usable else None
        self.restarts = 0  # started runs that had to run again without their start
        self.lp_method: str | None = None  # the first stage's LP method (lprace.py)
        self.last_highs: Any = None  # the instance that solved the last stage run
        self.deadline: float | None = None
        self.started = 0.0  # perf_counter at the start of run()
        self.current: tuple[Said, int, float] = (Said("solver.stage.other", {"label": ""}), 0, 1.0)
        # (the stage running, its number, its objective scale)
        self.keyboard_interrupt = False  # a Ctrl-C that reached a callback (re-raised)

    def run(self) -> Solution:
        import highspy

        self.started = time.perf_counter()
        self.deadline = _deadline(self.options)
        # The solver sees the scaled model (scaling.py): any unit of money works.
        sc = scale_model(self.model)
        first, rivals = self._rivals(highspy, sc)
        solution = self._stages(highspy, sc, rivals, first)
        rivals.clear()  # the instance that goes on is self.last_highs
        if self.model.is_mip or solution.status != Status.OPTIMAL or solution.messages:
            return solution
        return self._canonical(highspy, sc, solution)

    def _stages(self, highspy: Any, sc: Any, rivals: list[Any], first: Sequence[str]) -> Solution:
        """Every stage in turn, the first one raced if there are several `rivals`; the
        instance that solved the last stage is left in `self.last_highs`."""
        started = self.started
        deadline = self.deadline
        m = self.model
        h = self.last_highs = rivals[0]
        outcomes: list[StageOutcome] = []
        factors: list[float] = []  # each held stage's objective scale
        messages: list[Said] = []
        status = Status.OPTIMAL
        values = np.zeros(0)
        control = self.options.control
        if control is not None:
            for rival in rivals:
                self._watch(rival, highspy, control, started)
        for number, stage in enumerate(m.stages, 1):
            t0 = time.perf_counter()
            remaining = _remaining(deadline)
            cost, factor = sc.cost(stage.cost)
            self.current = (stage_name(stage), number, factor)
            for rival in rivals:
                self._objective(rival, highspy, stage, cost, remaining)
            if len(rivals) > 1:
                h = self.last_highs = self._race(highspy, rivals, first)
                stage_status = self._status(h, highspy)
            else:
                stage_status = self._solve_stage(h, highspy, sc, stage, cost, values)
            if self.keyboard_interrupt:
                raise KeyboardInterrupt
            interrupted = control is not None and control.stopping
            if interrupted and stage_status in (Status.INFEASIBLE, Status.ERROR):
                # Stopped before this stage found a solution: the previous stage's plan,
                # which meets every hard constraint and the optima held so far, is the
                # best one found.
                found = len(values) > 0
                return self._solution(
                    Status.FEASIBLE if found else Status.ERROR,
                    values,
                    outcomes,
                    [_interrupted_message(stage, found, m.stages[number - 1 :])],
                    interrupted=True,
                )
            if stage_status in (Status.INFEASIBLE, Status.ERROR) and outcomes and stage.reported:
                stage_status = self._loosened_retry(h, highspy, outcomes, factors)
            if stage_status in (Status.INFEASIBLE, Status.ERROR):
                why = Said(
                    "solver.highs_status",
                    {
                        "stage": stage_name(stage),
                        "status": solver_status(h.modelStatusToString(h.getModelStatus())),
                    },
                )
                if not stage.reported and len(values):
                    # The tie-break only tidies unspent money: keep the final stage's answer.
                    messages.append(Said("solver.tie_break_skipped", {"why": why}))
                    break
                return self._solution(
                    stage_status,
                    np.zeros(0),
                    outcomes,
                    [why],
                )
            previous = values
            scaled = np.asarray(h.getSolution().col_value, dtype=float)
            values = sc.from_scaled(scaled)
            objective = float(stage.cost @ values)
            disagreement = objective_disagreement(
                float(cost @ scaled), float(h.getInfo().objective_function_value)
            )
            if disagreement is not None:
                return self._disagreed(stage, number, disagreement, interrupted, previous, outcomes)
            gap = self._gap(h, stage_status)
            outcomes.append(
                StageOutcome(stage, stage_status, objective, time.perf_counter() - t0, gap)
            )
            factors.append(factor)
            status = _worse(status, stage_status)
            if interrupted:
                messages.append(_interrupted_message(stage, True, m.stages[number:]))
                return self._solution(
                    _worse(status, Status.FEASIBLE),
                    values,
                    outcomes,
                    messages,
                    interrupted=True,
                )
            self._hold(h, highspy, stage, cost, factor, objective)
        return self._solution(
            status,
            values,
            outcomes,
            messages,
        )

    def _canonical(self, highspy: Any, sc: Any, found: Solution) -> Solution:
        """The LP's plan computed so that the path to it does not show.

        Both LP methods reach the same optimum of the tie-break, but each one's numbers
        carry the rounding of its own path (which method won the race, which bases came
        before: 1e-13 relative, up to HiGHS's 1e-7 tolerance near a bound), and so do the
        optima each stage holds. So every column the plan has at one of its bounds is fixed
        there (`lprace.at_bounds`) and the stages run once more, from scratch, on a fresh
        HiGHS instance: an input that no longer depends on the path, hence the same
        numbers to the last bit whichever method won. With most columns fixed, presolve
        leaves a small LP. The first instance is released first: one copy of the model at
        a time. If this run fails (it should not), the plan found stands."""
        scaled = np.asarray(self.last_highs.getSolution().col_value, dtype=float)
        lower, upper = lprace.at_bounds(scaled, sc.col_lower, sc.col_upper)
        del scaled
        self._drop_last()
        fresh = self._configured(highspy, lprace.SIMPLEX)
        control = self.options.control
        if control is not None:
            self._watch(fresh, highspy, control, self.started)
        self._pass_model(fresh, highspy, sc, lower, upper)
        del lower, upper
        method, restarts = self.lp_method, self.restarts
        again = self._stages(highspy, sc, [fresh], (lprace.SIMPLEX,))
        del fresh
        self._drop_last()
        self.lp_method = method
        if again.status != Status.OPTIMAL or again.messages:
            return found
        stages = [
            dataclasses.replace(o, seconds=o.seconds + f.seconds)
            for o, f in zip(again.stages, found.stages, strict=True)
        ]
        return dataclasses.replace(
            again, stages=stages, restarts=restarts + again.restarts, lp_method=method
        )

    def _hold(
        self,
        h: Any,
        highspy: Any,
        stage: Stage,
        cost: FloatArray,
        factor: float,
        objective: float,
    ) -> None:
        """Hold this optimum while the next stages run (`cost` and the row scaled by
        `factor`)."""
        nz = np.flatnonzero(cost).astype(np.int32)
        bound = factor * hold_bound(objective, stage.sense)
        lo, hi = (
            (-highspy.kHighsInf, bound) if stage.sense == Sense.MIN else (bound, highspy.kHighsInf)
        )
        h.addRow(lo, hi, len(nz), nz, cost[nz])

    def _rivals(self, highspy: Any, sc: Any) -> tuple[tuple[str, ...], list[Any]]:
        """One HiGHS instance per LP method of the first stage: two make a race
        (lprace.py); a MIP or a forced method gets one."""
        m = self.model
        first = lprace.methods(
            self.options.lp_method, m.is_mip, len(m.values), lprace.usable_cores()
        )
        rivals = []
        for method in first:
            rival = self._configured(highspy, method)
            self._pass_model(rival, highspy, sc)
            rivals.append(rival)
        self.lp_method = None if m.is_mip else first[0]
        return first, rivals

    def _objective(
        self, h: Any, highspy: Any, stage: Stage, cost: FloatArray, remaining: float | None
    ) -> None:
        """Give `h` the stage's objective (and what is left of the time limit)."""
        if remaining is not None:
            h.setOptionValue("time_limit", float(remaining))
        h.changeObjectiveSense(
            highspy.ObjSense.kMinimize if stage.sense == Sense.MIN else highspy.ObjSense.kMaximize
        )
        n = self.model.n_cols
        h.changeColsCost(n, np.arange(n, dtype=np.int32), cost)

    def _drop_last(self) -> None:
        """Destroy the instance that solved the last stage (its last reference is here)."""
        h, self.last_highs = self.last_highs, None
        if h is not None:
            h.clear()
        del h
        lprace.collect(len(self.model.values))

    def _race(self, highspy: Any, rivals: list[Any], first: Sequence[str]) -> Any:
        """Solve the first stage with every LP method at once; keep the winner's instance
        (the others are released at once: their copy of the model is the race's cost)."""
        outcome = lprace.race(rivals, lambda r: self._status(r, highspy) == Status.OPTIMAL)
        self.lp_method = first[outcome.winner]
        winner = rivals[outcome.winner]
        # The caller's list loses the others too, and they are destroyed at once.
        rivals[:] = [winner]
        lprace.collect(len(self.model.values))
        self._warm_from_here(winner)
        return winner

    def _warm_from_here(self, h: Any) -> None:
        """Every stage after an LP's first starts from the previous stage's basis
        (interior point ends with a crossover to one): warm simplex, never from scratch.

        A new objective (and a hold row, met by the basis) leaves that basis primal
        feasible, where HiGHS's own choice is its primal simplex; its default, the dual
        simplex, first has to repair a dual infeasible basis: on the 600 x 200 benchmark
        the least-spend tie-break took 1 primal iteration against more than 80 s dual."""
        if self.model.is_mip:
            return
        h.setOptionValue("solver", lprace.SIMPLEX)
        h.setOptionValue("simplex_strategy", lprace.SIMPLEX_CHOOSE)

    def _configured(self, highspy: Any, method: str) -> Any:
        """A HiGHS instance with every option a solve of this model uses, the first
        stage's LP method (`method`, see lprace.py) included."""
        m = self.model
        with _quiet_stdout():
            h: Any = highspy.Highs()  # highspy: no stubs
            h.setOptionValue("output_flag", False)
        h.setOptionValue("random_seed", 0)
        h.setOptionValue("small_matrix_value", HIGHS_SMALL_MATRIX_VALUE)
        h.setOptionValue("dual_feasibility_tolerance", HIGHS_DUAL_FEASIBILITY)
        h.setOptionValue("mip_feasibility_tolerance", self.options.mip_feasibility)
        h.setOptionValue("mip_rel_gap", self.options.mip_gap)
        h.setOptionValue("threads", int(self.options.threads))
        # HiGHS 1.16's Fourier-Motzkin presolve, on a stage started from the previous
        # stage's plan, can prove a wrong optimum (tests/data/highs-fm); the rest of
        # presolve stays on. An older HiGHS without the rule refuses the mask: nothing to do.
        h.setOptionValue("presolve_rule_off", PRESOLVE_RULES_OFF)
        if not m.is_mip:
            h.setOptionValue("solver", method)
        return h

    def _pass_model(
        self,
        h: Any,
        highspy: Any,
        sc: Any,
        col_lower: FloatArray | None = None,
        col_upper: FloatArray | None = None,
    ) -> None:
        """Hand the scaled model to HiGHS, in one call (with other column bounds if given)."""
        lp = highs_lp(self.model, sc, highspy, col_lower, col_upper)
        if h.passModel(lp) != highspy.HighsStatus.kOk:
            # A warning too: HiGHS then drops coefficients it finds too small or large,
            # which would solve another model than the scenario's.
            raise SolverError(
                "HiGHS refused the model: its numbers span more than the solver can hold "
                "(see 'Numbers the optimizer can trust' in docs/model.md)"
            )
        # HiGHS holds its own copy now; the hand-over copy would otherwise stay resident
        # through every stage (about 150 MB for a million-column model).
        del lp

    def _solve_stage(
        self, h: Any, highspy: Any, sc: Any, stage: Any, cost: FloatArray, values: FloatArray
    ) -> Status:
        """Run one stage from the plan so far (or the given start)."""
        m = self.model
        if stage.fix_integers and len(values):
            # Integer columns are never scaled (scaling.py): their values are the same
            # on both sides of the scaling.
            fixed = np.flatnonzero(m.integrality).astype(np.int32)
            whole = np.round(values[fixed])
            h.changeColsBounds(len(fixed), fixed, whole, whole)
        start = values if len(values) else self.start
        if stage.node_limit is not None and m.is_mip:
            h.setOptionValue("mip_max_nodes", int(stage.node_limit))
        if stage.from_start and m.is_mip:
            h.setOptionValue("mip_heuristic_run_rens", False)
        try:
            stage_status = self._run_stage(
                h, highspy, cost, None if start is None else sc.to_scaled(start)
            )
        finally:
            if stage.from_start and m.is_mip:
                h.setOptionValue("mip_heuristic_run_rens", True)
        self._warm_from_here(h)
        if stage.node_limit is not None and m.is_mip:
            h.setOptionValue("mip_max_nodes", highspy.kHighsIInf)
            if stage_status == Status.FEASIBLE and not stage.reported:
                # The node limit is part of the stage: the reported stages are exact.
                stage_status = Status.OPTIMAL
        return stage_status

    def _loosened_retry(
        self, h: Any, highspy: Any, outcomes: list[StageOutcome], factors: list[float]
    ) -> Status:
        """Earlier optima are held very tightly, which a later stage can find numerically
        infeasible (or HiGHS fails with "Solve error"): loosen every hold to the contract's
        tolerance and try again, then without presolve."""
        m = self.model
        for k, prev in enumerate(outcomes):
            loose = factors[k] * hold_bound(
                prev.objective, prev.stage.sense, CONTRACT_TOLERANCE, CONTRACT_TOLERANCE
            )
            row = m.n_rows + k
            if prev.stage.sense == Sense.MIN:
                h.changeRowBounds(row, -highspy.kHighsInf, loose)
            else:
                h.changeRowBounds(row, loose, highspy.kHighsInf)
        h.run()
        stage_status = self._status(h, highspy)
        if stage_status in (Status.INFEASIBLE, Status.ERROR):
            h.setOptionValue("presolve", "off")
            h.run()
            stage_status = self._status(h, highspy)
            h.setOptionValue("presolve", "choose")
        return stage_status

    def _disagreed(
        self,
        stage: Any,
        number: int,
        disagreement: Said,
        interrupted: bool,
        previous: FloatArray,
        outcomes: list[StageOutcome],
    ) -> Solution:
        """The solution is not the one whose objective the solver proved."""
        if interrupted and len(previous):
            # Stopped with a solution that is not what HiGHS says it is: keep the plan of
            # the stage before, which is.
            return self._solution(
                Status.FEASIBLE,
                previous,
                outcomes,
                [_interrupted_message(stage, True, self.model.stages[number - 1 :])],
                interrupted=True,
            )
        # Whatever its status, nothing about it can be reported as optimal.
        return self._solution(
            Status.ERROR,
            np.zeros(0),
            outcomes,
            [Said("solver.at_stage", {"stage": stage_name(stage), "why": disagreement})],
        )

    def _gap(self, h: Any, stage_status: Status) -> float | None:
        """The MIP gap HiGHS reports for a stage it stopped short of proving."""
        if stage_status == Status.FEASIBLE and self.model.is_mip:
            reported = float(h.getInfo().mip_gap)
            return reported if math.isfinite(reported) and reported < 1e30 else None
        return None

    def _solution(
        self,
        status: Status,
        values: FloatArray,
        outcomes: list[StageOutcome],
        messages: list[Said],
        *,
        interrupted: bool = False,
    ) -> Solution:
        """The run's answer, timed from its start, with its gap and restarts."""
        return Solution(
            status,
            values,
            outcomes,
            HIGHS,
            time.perf_counter() - self.started,
            self.options.mip_gap,
            messages,
            self.restarts,
            interrupted=interrupted,
            lp_method=self.lp_method,
        )

    def _watch(self, h: Any, highspy: Any, control: SolveControl, started: float) -> None:
        """Report progress and honour `control.stop()` from HiGHS's interrupt callbacks."""
        n = len(self.model.stages)
        mip_event = highspy.cb.HighsCallbackType.kCallbackMipInterrupt
        last = [-math.inf]

        def finite(x: float) -> float | None:
            return x if math.isfinite(x) and abs(x) < 1e30 else None

        def event(e: Any) -> None:
            try:
                if control.stopping:
                    e.interrupt()
                    return
                now = time.perf_counter()
                if control.on_progress is None or now - last[0] < control.interval:
                    return
                last[0] = now
                label, number, factor = self.current
                out = e.data_out
                mip = e.callback_type == mip_event
                incumbent = finite(out.mip_primal_bound) if mip else None
                bound = finite(out.mip_dual_bound) if mip else None
                control.on_progress(
                    Progress(
                        label,
                        number,
                        n,
                        None if incumbent is None else incumbent / factor,
                        None if bound is None else bound / factor,
                        finite(out.mip_gap) if mip and incumbent is not None else None,
                        now - started,
                    )
                )
            except KeyboardInterrupt:
                # A Ctrl-C while no handler holds it (see stop_on_sigint): stop here and
                # raise it once HiGHS has returned, not through HiGHS's C++ frames.
                self.keyboard_interrupt = True
                control.stop()
                e.interrupt()
            except Exception:  # a broken progress display must not break the solve
                pass

        h.cbMipInterrupt += event
        h.cbSimplexInterrupt += event
        h.cbIpmInterrupt += event

    def _run_stage(
        self, h: Any, highspy: Any, cost: FloatArray, start: FloatArray | None
    ) -> Status:
        """Run one stage, from `start` when the model is a MIP, and check what came back."""
        if start is None or not self.model.is_mip:
            h.run()
            return self._status(h, highspy)
        given = highspy.HighsSolution()
        given.col_value = start
        given.value_valid = True
        h.setSolution(given)
        h.run()
        status = self._status(h, highspy)
        control = self.options.control
        stopping = control is not None and control.stopping
        if (
            status in (Status.OPTIMAL, Status.FEASIBLE)
            and not stopping
            and not self._consistent(h, cost)
        ):
            # The solution handed back is not the one whose objective HiGHS reports (it
            # can be the start itself): solve this stage again without a start.
            self.restarts += 1
            h.clearSolver()
            remaining = _remaining(self.deadline)
            if remaining is not None:
                h.setOptionValue("time_limit", float(remaining))
            h.run()
            status = self._status(h, highspy)
        return status

    @staticmethod
    def _consistent(h: Any, cost: FloatArray) -> bool:
        """The returned solution's own objective equals the objective HiGHS reports."""
        values = np.asarray(h.getSolution().col_value, dtype=float)
        mine = float(cost @ values)
        claimed = float(h.getInfo().objective_function_value)
        return abs(mine - claimed) <= HIGHS_CONSISTENT * max(1.0, abs(mine), abs(claimed))

    @staticmethod
    def _status(h: object, highspy: object) -> Status:
        hs = highspy  # local alias, typed loosely: highspy ships no stubs
        ms = h.getModelStatus()  # type: ignore[attr-defined]
        MS = hs.HighsModelStatus  # type: ignore[attr-defined]
        if ms == MS.kOptimal:
            return Status.OPTIMAL
        if ms in (MS.kInfeasible, MS.kUnboundedOrInfeasible):
            return Status.INFEASIBLE
        limits = (MS.kTimeLimit, MS.kIterationLimit, MS.kSolutionLimit, MS.kInterrupt)
        if ms in limits:
            info = h.getInfo()  # type: ignore[attr-defined]
            if info.primal_solution_status == hs.kSolutionStatusFeasible:  # type: ignore[attr-defined]
                return Status.FEASIBLE
        return Status.ERROR


def stage_name(stage: Stage) -> Said:
    """A stage as a person reads it ("priority 2", "final", "tie-break: spend")."""
    if stage.priority is not None:
        return Said("solver.stage.priority", {"number": str(stage.priority)})
    key = "solver.stage." + re.sub(r"[^a-z0-9]+", "_", stage.label.lower()).strip("_")
    return Said(key) if key in texts("en") else Said("solver.stage.other", {"label": stage.label})


def solver_status(text: str, family: str = "highs") -> Said:
    """A solver's own status string ("Time limit reached"), in our words where we have
    them, as the solver spells it otherwise."""
    key = f"solver.{family}." + re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    return Said(key) if key in texts("en") else Said("solver.status_as_given", {"status": text})


def _interrupted_message(stage: Stage, found: bool, rest: Sequence[Stage] = ()) -> Said:
    """What an interrupted solve says: where it stopped and what was not run."""
    if not found:
        return Said("solver.interrupted.no_plan", {"stage": stage_name(stage)})
    head = Said("solver.interrupted.kept", {"stage": stage_name(stage)})
    skipped = tuple(stage_name(st) for st in rest if st.reported)
    if skipped:
        return Said("solver.interrupted.not_run", {"head": head, "stages": skipped})
    if rest:
        return Said("solver.interrupted.no_tie_break", {"head": head})
    return head


def objective_disagreement(recomputed: float, claimed: float) -> Said | None:
    """Why a stage's solution cannot be trusted (None when the solver's objective is the
    one recomputed from its solution, within OBJECTIVE_AGREEMENT)."""
    if not (math.isfinite(recomputed) and math.isfinite(claimed)):
        return Said(
            "solver.not_finite", {"claimed": f"{claimed:g}", "recomputed": f"{recomputed:g}"}
        )
    if abs(recomputed - claimed) > OBJECTIVE_AGREEMENT * max(1.0, abs(recomputed), abs(claimed)):
        return Said(
            "solver.disagreement", {"claimed": f"{claimed:.9g}", "recomputed": f"{recomputed:.9g}"}
        )
    return None


# --------------------------------------------------------------------------- PuLP
def to_pulp(
    model: Model,
    stage: Stage,
    holds: Sequence[tuple[Stage, float]] = (),
    tolerance: float = HOLD_RELATIVE_TOLERANCE,
    fixed: Mapping[int, float] | None = None,
) -> object:
    """The model as a PuLP problem with `stage`'s objective and earlier optima held, and
    the columns in `fixed` (column -> value) fixed."""
    import pulp

    fixed = fixed or {}

    sense = pulp.LpMinimize if stage.sense == Sense.MIN else pulp.LpMaximize
    prob = pulp.LpProblem(lp_name(f"pazos_{model.scenario.scenario.id}"), sense)
    names = _unique_names(model.col_names)
    lower, upper = whole_bounds(model.col_lower, model.col_upper, model.integrality)
    xs = [
        pulp.LpVariable(
            names[j],
            lowBound=fixed[j] if j in fixed else (None if np.isinf(lower[j]) else float(lower[j])),
            upBound=fixed[j] if j in fixed else (None if np.isinf(upper[j]) else float(upper[j])),
            cat=pulp.LpInteger if model.integrality[j] else pulp.LpContinuous,
        )
        for j in range(model.n_cols)
    ]
    prob.setObjective(_expr(pulp, xs, stage.cost))
    row_names = _unique_names(model.row_names)
    for r in range(model.n_rows):
        a, b = model.indptr[r], model.indptr[r + 1]
        expr = pulp.LpAffineExpression(
            [
                (xs[int(j)], float(v))
                for j, v in zip(model.indices[a:b], model.values[a:b], strict=True)
            ]
        )
        lo, hi = model.row_lower[r], model.row_upper[r]
        if np.isfinite(lo) and np.isfinite(hi) and lo == hi:
            prob += pulp.LpConstraint(expr, pulp.LpConstraintEQ, row_names[r], float(lo))
            continue
        if np.isfinite(lo):
            prob += pulp.LpConstraint(
                expr,
                pulp.LpConstraintGE,
                row_names[r] + ("_lo" if np.isfinite(hi) else ""),
                float(lo),
            )
        if np.isfinite(hi):
            prob += pulp.LpConstraint(
                expr,
                pulp.LpConstraintLE,
                row_names[r] + ("_hi" if np.isfinite(lo) else ""),
                float(hi),
            )
    for k, (held, value) in enumerate(holds):
        bound = hold_bound(value, held.sense, tolerance)
        kind = pulp.LpConstraintLE if held.sense == Sense.MIN else pulp.LpConstraintGE
        prob += pulp.LpConstraint(_expr(pulp, xs, held.cost), kind, f"hold_{k + 1}", bound)
    return prob


def whole_bounds(
    lower: FloatArray, upper: FloatArray, integrality: np.ndarray
) -> tuple[FloatArray, FloatArray]:
    """Column bounds with each integer column's rounded inward to whole numbers.

    The same integer plans, stated so that a solver cannot mishandle a fractional bound on
    a whole-unit column (a population cap of 69 youth at 12 a unit is x <= 5.75, that is
    x <= 5): CBC 2.10's preprocessing, handed x <= 5.75, proved 52 the least spend where
    49 is (tests/test_solve_known.py, test_least_spend_of_a_thorough_example)."""
    lo = np.array(lower, dtype=float)
    hi = np.array(upper, dtype=float)
    whole = np.asarray(integrality, dtype=bool)
    fin_lo = whole & np.isfinite(lo)
    fin_hi = whole & np.isfinite(hi)
    slack_lo = WHOLE_BOUND_TOLERANCE * np.maximum(1.0, np.abs(lo[fin_lo]))
    slack_hi = WHOLE_BOUND_TOLERANCE * np.maximum(1.0, np.abs(hi[fin_hi]))
    lo[fin_lo] = np.ceil(lo[fin_lo] - slack_lo)
    hi[fin_hi] = np.floor(hi[fin_hi] + slack_hi)
    return lo, hi


def _expr(pulp: object, xs: list[object], cost: FloatArray) -> object:
    nz = np.flatnonzero(cost)
    return pulp.LpAffineExpression([(xs[int(j)], float(cost[j])) for j in nz])  # type: ignore[attr-defined]


#: How a model name is spelled in an LP/MPS file (`lp_name`): letters and digits stay,
#: the brackets of `x[p,c]` become parentheses, and everything else is escaped after an
#: underscore. The escape is reversible (`model_name`), so two ids that differ only by
#: `-` and `_` (art-school, art_school) can never meet in one exported name, and an
#: auditor reads `x(art_dschool,north)` back as `x[art-school,north]`.
_LP_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789,.")
_LP_ESCAPES = {"_": "__", "-": "_d", "/": "_s", ":": "_c", "[": "(", "]": ")"}
_LP_UNESCAPES = {"_": "_", "d": "-", "s": "/", "c": ":"}
_LP_CODE = re.compile("u[0-9a-f]{6}")


def lp_name(name: str) -> str:
    """The LP-format spelling of a model name: reversible, and free of every character
    PuLP rewrites (`-+[] ->/`) or the LP format refuses."""
    out = []
    for ch in name:
        if ch in _LP_PLAIN:
            out.append(ch)
        elif ch in _LP_ESCAPES:
            out.append(_LP_ESCAPES[ch])
        else:
            out.append(f"_u{ord(ch):06x}")
    return "".join(out)


def model_name(spelled: str) -> str:
    """The model name an LP/MPS name stands for (the inverse of `lp_name`); a name that
    `lp_name` cannot produce (a hold row, a duplicate's suffix) raises ValueError."""
    out = []
    i = 0
    while i < len(spelled):
        ch = spelled[i]
        if ch == "(":
            out.append("[")
        elif ch == ")":
            out.append("]")
        elif ch in _LP_PLAIN:
            out.append(ch)
        elif ch == "_" and i + 1 < len(spelled) and spelled[i + 1] in _LP_UNESCAPES:
            out.append(_LP_UNESCAPES[spelled[i + 1]])
            i += 1
        elif ch == "_" and _LP_CODE.fullmatch(spelled[i + 1 : i + 8]):
            out.append(chr(int(spelled[i + 2 : i + 8], 16)))
            i += 7
        else:
            raise ValueError(f"not a model name: {spelled!r}")
        i += 1
    return "".join(out)


def _unique_names(raw: list[str]) -> list[str]:
    """`lp_name` of each name; a repeated model name gets `_2`, `_3`, ... (an underscore
    and a digit, which no escape produces, so a suffixed name meets no other)."""
    seen: dict[str, int] = {}
    out = []
    for name in raw:
        spelled = lp_name(name)
        count = seen.get(spelled, 0) + 1
        seen[spelled] = count
        out.append(spelled if count == 1 else f"{spelled}_{count}")
    return out


class _PulpRun:
    def __init__(self, model: Model, options: SolveOptions) -> None:
        self.model = model
        self.options = options

    def _solver(self, time_limit: float | None) -> object:
        import pulp

        name = _PULP_NAMES[self.options.solver]
        wanted: dict[str, object] = {
            "msg": False,
            "timeLimit": time_limit,
            "gapRel": self.options.mip_gap,
        }
        if self.options.threads and not (
            self.options.solver == CBC and self.options.threads == CBC_SERIAL_THREADS
        ):
            wanted["threads"] = self.options.threads
        solver = None
        # Not every PuLP solver takes every option (GLPK has no gapRel): drop what it refuses.
        while solver is None:
            try:
                solver = pulp.getSolver(name, **wanted)
            except TypeError as e:
                refused = [k for k in wanted if f"'{k}'" in str(e)]
                if not refused:
                    raise SolverError(f"solver '{self.options.solver}' cannot be used: {e}") from e
                del wanted[refused[0]]
            except pulp.PulpSolverError as e:
                raise SolverError(f"solver '{self.options.solver}' cannot be used: {e}") from e
        if not solver.available():
            raise SolverError(
                f"solver '{self.options.solver}' is not installed here "
                f"(available: {', '.join(available_solvers())})"
            )
        return solver

    def _solve_stage(
        self,
        stage: Stage,
        holds: list[tuple[Stage, float]],
        remaining: float | None,
        tolerance: float,
        fixed: Mapping[int, float] | None = None,
    ) -> tuple[Any, int]:
        import pulp

        prob: Any = to_pulp(self.model, stage, holds, tolerance, fixed)
        solver = self._solver(remaining)
        try:
            code = int(prob.solve(solver))
        except pulp.PulpSolverError as e:
            raise SolverError(f"{self.options.solver} failed: {e}") from e
        return prob, code

    def run(self) -> Solution:
        import pulp

        started = time.perf_counter()
        deadline = _deadline(self.options)
        m = self.model
        outcomes: list[StageOutcome] = []
        holds: list[tuple[Stage, float]] = []
        messages: list[Said] = []
        status = Status.OPTIMAL
        values = np.zeros(0)
        for stage in m.stages:
            t0 = time.perf_counter()
            remaining = _remaining(deadline)
            fixed = None
            if stage.fix_integers and len(values):
                fixed = {int(j): float(round(values[j])) for j in np.flatnonzero(m.integrality)}
            prob, code = self._solve_stage(stage, holds, remaining, HOLD_RELATIVE_TOLERANCE, fixed)
            if code == pulp.LpStatusInfeasible and outcomes:
                # CBC reports values to about 8 digits, so the tightly held optimum of the
                # previous stage can read as violated: loosen it to the contract's tolerance.
                prob, code = self._solve_stage(
                    stage, holds, _remaining(deadline), CONTRACT_TOLERANCE, fixed
                )
            elapsed = time.perf_counter() - t0
            sol_status = prob.sol_status
            usable = (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
            if not stage.reported and len(values) and sol_status not in usable:
                # A tie-break only picks among equal plans: keep the plan already found.
                why = Said(
                    "solver.at_stage",
                    {"stage": stage_name(stage), "why": solver_status(pulp.LpStatus[code], "pulp")},
                )
                messages.append(Said("solver.tie_break_skipped", {"why": why}))
                break
            if code == pulp.LpStatusInfeasible:
                return Solution(
                    Status.INFEASIBLE,
                    np.zeros(0),
                    outcomes,
                    self.options.solver,
                    time.perf_counter() - started,
                    self.options.mip_gap,
                )
            if sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
                return Solution(
                    Status.ERROR,
                    np.zeros(0),
                    outcomes,
                    self.options.solver,
                    time.perf_counter() - started,
                    self.options.mip_gap,
                    [
                        Said(
                            "solver.at_stage",
                            {
                                "stage": stage_name(stage),
                                "why": solver_status(pulp.LpStatus[code], "pulp"),
                            },
                        )
                    ],
                )
            stage_status = Status.OPTIMAL
            # CBC says "Optimal" even when it stopped at its time limit.
            if sol_status == pulp.LpSolutionIntegerFeasible or (
                remaining is not None and elapsed >= CBC_TIME_USED * remaining
            ):
                stage_status = Status.FEASIBLE
            variables = prob.variables()
            by_name = {v.name: v.varValue for v in variables}
            names = _unique_names(m.col_names)
            values = np.array([float(by_name.get(n) or 0.0) for n in names])
            objective = float(stage.cost @ values)
            outcomes.append(StageOutcome(stage, stage_status, objective, elapsed))
            holds.append((stage, objective))
            status = _worse(status, stage_status)
        return Solution(
            status,
            values,
            outcomes,
            self.options.solver,
            time.perf_counter() - started,
            self.options.mip_gap,
            messages,
        )
