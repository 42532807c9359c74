"""Which LP method solves a linear model's first stage: dual simplex and interior point
raced against each other, or simplex alone.

No rule by size picks the faster of HiGHS's two LP methods: the old 50,000-column rule
picked interior point where simplex is twice as fast (600 x 200, benchmarks/README.md);
which one wins depends on the model's shape more than on its size. So on a machine with
two or more cores both run, each on its own HiGHS instance in its own thread (HiGHS
releases the GIL while it solves); the first to finish with an optimum wins and the other
is stopped through its interrupt callbacks. With one core, simplex alone.

A solve of a batch that runs several at once on threads (`compare`, `sweep`, `robust`,
the marginal values' re-solves) counts only its share of the cores (`share_cores`): two
solves at once on two cores each get one, so neither races; the cores are already busy
with the other solve.

Only the first stage is raced. Every later stage starts from the winner's basis (interior
point ends with a crossover to a basis) and is solved by simplex, warm: one HiGHS instance
from then on, so the second copy of the model lives only while the first stage runs.
Racing holds two copies of HiGHS's model and workspaces while the first stage runs (and
uses both cores), so above `RACE_MAX_NONZEROS` the race is not run and simplex alone
solves it.

Which method wins never changes the plan: the canonical tie-break (docs/model.md) picks
one optimum however the stages were reached, and a last canonical run (solve.py,
`_canonical`: the columns at a bound fixed, the stages again on a fresh instance) makes
its numbers the same to the last bit. The tests solve the linear relaxation of every
shipped scenario and small random LPs with each method forced (`SolveOptions.lp_method`)
and compare the documents.
"""

from __future__ import annotations

import contextvars
import ctypes
import functools
import gc
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .tolerances import AT_BOUND

FloatArray = NDArray[np.float64]

SIMPLEX = "simplex"
IPM = "ipm"
RACE = "race"
AUTO = "auto"
#: What `SolveOptions.lp_method` may be: `auto` races where it pays (see `races`),
#: `race` always races, `simplex` / `ipm` force the first stage's method (the tests).
LP_METHODS = (AUTO, RACE, SIMPLEX, IPM)
#: Above this many matrix nonzeros `auto` does not race: the second instance costs about
#: 230 bytes per nonzero while the first stage runs (interior point's workspace; on the
#: 600 x 200 benchmark, 366,600 nonzeros, the peak went from 210 to 293 MB), so this
#: bounds the race's memory at about 45 MB. Above it, simplex alone: it won the first
#: stage on every benchmark instance measured (benchmarks/README.md).
RACE_MAX_NONZEROS = 200_000
#: Below this many nonzeros `auto` does not race either: simplex solves such an LP in
#: milliseconds, less than a second instance and two threads cost (on the minimal
#: example's LP, 5 ms of CPU a solve alone against 8 ms raced).
RACE_MIN_NONZEROS = 20_000
#: HiGHS's `simplex_strategy` that lets it choose primal or dual simplex from the start
#: basis (primal when the basis is primal feasible): every LP stage after the first.
SIMPLEX_CHOOSE = 0


#: The cores one solve may use when a batch runs several at once on threads of this
#: process (batch.on_threads sets it in each task's context): its share, so that two
#: solves at once on two cores do not race two methods each. None: every core.
_SHARE: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "pazos_budget_cores_per_solve", default=None
)


def usable_cores() -> int:
    """The processors a solve may run on: this process's (its affinity, not the machine's
    count), or its share of them in a batch (`share_cores`)."""
    share = _SHARE.get()
    if share is not None:
        return share
    return process_cores()


def process_cores() -> int:
    """The processors this process may run on (its affinity, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def share_cores(solves: int) -> None:
    """In the current context, each of `solves` solves at once gets its share of the
    cores. Only the speed can change: which method wins never changes the plan."""
    _SHARE.set(max(1, usable_cores() // max(1, solves)))


def methods(lp_method: str, is_mip: bool, nonzeros: int, cores: int) -> tuple[str, ...]:
    """The LP methods to start the first stage with: two means a race.

    A MIP is HiGHS's branch and bound whatever the LP method, so it is never raced."""
    if is_mip:
        return (SIMPLEX,)
    if lp_method in (SIMPLEX, IPM):
        return (lp_method,)
    if lp_method == RACE or (cores >= 2 and RACE_MIN_NONZEROS <= nonzeros <= RACE_MAX_NONZEROS):
        return (SIMPLEX, IPM)
    return (SIMPLEX,)


@dataclass
class RaceOutcome:
    winner: int  # index into the entrants
    finished: list[int]  # entrants in the order they returned


def race(entrants: Sequence[Any], optimal: Callable[[Any], bool]) -> RaceOutcome:
    """Run `h.run()` of every HiGHS instance at once, each in its own thread.

    The first to return with `optimal(h)` wins, and every other one is interrupted at its
    next callback (simplex iterations, interior point iterations). If none is optimal
    (infeasible, a time limit, an error), all are waited for and the first entrant's
    answer stands (simplex: the one a single-core machine would give).
    """
    decided = threading.Event()
    lock = threading.Lock()
    winner: list[int] = []
    finished: list[int] = []
    handlers: list[Callable[[Any], None]] = []
    for i, h in enumerate(entrants):

        def stop_if_lost(event: Any, i: int = i) -> None:
            if decided.is_set() and winner and winner[0] != i:
                event.interrupt()

        handlers.append(stop_if_lost)
        h.cbSimplexInterrupt += stop_if_lost
        h.cbIpmInterrupt += stop_if_lost

    def run(i: int, h: Any) -> None:
        try:
            h.run()
        finally:
            with lock:
                finished.append(i)
                if not winner and optimal(h):
                    winner.append(i)
                    decided.set()

    threads = [
        threading.Thread(target=run, args=(i, h), name=f"lp-race-{i}", daemon=True)
        for i, h in enumerate(entrants)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for h, handler in zip(entrants, handlers, strict=True):
        h.cbSimplexInterrupt -= handler
        h.cbIpmInterrupt -= handler
    return RaceOutcome(winner[0] if winner else 0, finished)


def at_bounds(
    values: FloatArray, lower: FloatArray, upper: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Column bounds with every column that `values` has at a bound (within AT_BOUND)
    fixed there: the input of the canonical run (solve.py, `_canonical`)."""
    tol = AT_BOUND * np.maximum(1.0, np.abs(values))
    at_lo = np.abs(values - lower) <= tol
    at_hi = np.isfinite(upper) & ~at_lo & (np.abs(values - upper) <= tol)
    lower, upper = lower.copy(), upper.copy()
    upper[at_lo] = lower[at_lo]
    lower[at_hi] = upper[at_hi]
    return lower, upper


#: Below this many nonzeros the instances are left to Python's own collector: their
#: memory is small, and a full collection costs far more than a small model's solve
#: (in a large process, such as a test run, 20 ms and more each time).
COLLECT_MIN_NONZEROS = 20_000


def collect(nonzeros: int) -> None:
    """Destroy the HiGHS instances no longer referred to, now, and give their memory
    back to the system (for a model of `nonzeros` nonzeros; nothing below
    COLLECT_MIN_NONZEROS).

    An instance's `clear()` keeps the memory of its vectors, and a highspy instance refers
    to itself through its callbacks, so only the cycle collector frees it. Freed, glibc
    keeps the pages, and the next instance did not reuse most of them: on the 600 x 200
    benchmark the canonical run then peaked 40 MB above the first run; with the pages
    returned (`malloc_trim`) it peaks where the first run did (210 MB)."""
    if nonzeros < COLLECT_MIN_NONZEROS:
        return
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Any:
    """glibc's malloc_trim, or None where there is none (macOS, Windows, musl)."""
    try:
        return getattr(ctypes.CDLL("libc.so.6"), "malloc_trim", None)
    except OSError:
        return None
