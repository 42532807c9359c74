"""The batch engine of `robust`, `sweep` and `compare`: independent tasks, here or on Dask.

A batch is a list of tasks, each a module-level function and its (small, picklable)
arguments: a resolved scenario and the solve options, never a built model. Where they run:

- one worker and no scheduler: here, one after another;
- `jobs` local workers (default: one per core), every task a HiGHS solve: on `jobs`
  threads of this process. HiGHS releases the GIL while it solves, so the threads keep
  every core busy without the seconds a cluster of processes takes to start and stop
  (about 3.6 s of a 2-core sweep, benchmarks/README.md). Each task's options get a stop
  control shared by the batch (a thread cannot be killed; a HiGHS solve stops at its next
  interrupt callback when told), and run in a copy of this thread's context;
- `jobs` local workers, tasks on another solver (CBC and the others run in a process of
  their own, which a thread cannot stop): on a local Dask cluster of worker processes,
  one per job, one thread each;
- `scheduler`: on an existing Dask cluster (Kubernetes, Slurm through dask-jobqueue, a
  cloud service: Dask's own deployment tools start it); `jobs` is then ignored.

A solve is single-threaded by default, so `jobs` workers solve `jobs` scenarios at once,
each with the very options it gets alone: the plan does not depend on where it runs.
Results are stored by task index as they finish, so the order of completion never changes
a figure. On a cluster at most a few tasks per worker are in flight, so the client holds a
bounded number of futures however long the batch. A task whose worker dies is run again
elsewhere by the scheduler (Dask's `allowed-failures`), and a task that raises an
unexpected error is retried (`RETRIES`), on threads too; each index is stored once.
Ctrl-C (KeyboardInterrupt in the loop, or from `on_done`) cancels what has not finished
(on threads: stops the running solves and waits for them, a moment) and keeps what has.

Dask is imported here only, inside the functions that need it: a plain `solve` never
imports it.
"""

from __future__ import annotations

import atexit
import contextvars
import logging
import os
import signal
import socket
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

from . import lprace
from .errors import BatchError, PazosBudgetError
from .i18n import Usage
from .loader import LoadedScenario
from .pipeline import solve_scenario
from .result import Result
from .solve import HIGHS, SolveControl, SolveOptions

T = TypeVar("T")

#: Times a task that raised an unexpected error is run again (a lost worker's tasks are
#: rescheduled by the scheduler itself, up to its `allowed-failures`).
RETRIES = 2
#: Tasks in flight per worker: enough to keep every worker busy while results travel back,
#: few enough that the client's memory does not grow with the batch.
IN_FLIGHT_PER_WORKER = 2
#: Seconds an existing scheduler (--scheduler) has to answer.
SCHEDULER_TIMEOUT = 20.0


def default_jobs() -> int:
    return max(1, os.cpu_count() or 1)


@dataclass
class BatchRun(Generic[T]):
    """Results in task order; None where a task never finished (interrupted)."""

    results: list[T | None]
    interrupted: bool = False
    workers: int = 1


@dataclass(frozen=True)
class Engine:
    """Where a batch runs: `jobs` local workers (default: every core), or the cluster of
    the Dask scheduler at `scheduler` (then `jobs` is ignored)."""

    jobs: int | None = None
    scheduler: str | None = None

    @property
    def local_workers(self) -> int:
        return max(1, self.jobs or default_jobs())

    def in_process(self, n_tasks: int) -> bool:
        return self.scheduler is None and min(self.local_workers, n_tasks) <= 1


def on_threads(
    one: Callable[[int], T],
    n: int,
    workers: int,
    results: list[T],
    on_done: Callable[[int], None] | None = None,
    stop: SolveControl | None = None,
) -> None:
    """Run `one(i)` for every i < n on `workers` threads of this process, storing each
    result at `results[i]` as it finishes (`on_done(i)` is called here, in this thread).

    Each task runs in a copy of this thread's context (the run's language), where a solve
    may use its share of the cores (`lprace.share_cores`: two solves at once on two cores
    do not race two LP methods each). If the loop is left early (Ctrl-C, an error,
    `on_done` raising), the tasks not started are dropped, `stop` ends the running solves,
    and they are waited for: no thread outlives the call.
    """
    workers = max(1, min(workers, n))
    context = contextvars.copy_context()
    context.run(lprace.share_cores, workers)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pazos")
    running: dict[Future[T], int] = {pool.submit(context.copy().run, one, i): i for i in range(n)}
    try:
        for future in as_completed(running):
            i = running.pop(future)
            results[i] = future.result()
            if on_done:
                on_done(i)
    finally:
        if running and stop is not None:
            stop.stop()
        pool.shutdown(wait=True, cancel_futures=True)


class Beside(Generic[T]):
    """One task on a thread of its own while this thread does other work: `result()`
    waits for it, `drop()` stops it through `stop` (its own control) and waits for it.
    Either must be called: no thread outlives the owner's use of it.

    Like a task of `on_threads`, it runs in a copy of this thread's context, counting half
    the cores (`lprace.share_cores`): this thread's work is the other solve at once."""

    def __init__(self, fn: Callable[[], T], stop: SolveControl) -> None:
        context = contextvars.copy_context()
        context.run(lprace.share_cores, 2)
        self._stop = stop
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pazos-beside")
        self._future = self._pool.submit(context.run, fn)

    def result(self) -> T:
        try:
            return self._future.result()
        except BaseException:
            self._stop.stop()  # a Ctrl-C while waiting: stop the task, then wait for it
            raise
        finally:
            self._pool.shutdown(wait=True)

    def drop(self) -> None:
        self._stop.stop()
        self._future.cancel()
        self._pool.shutdown(wait=True)


def run(
    fn: Callable[..., T],
    args: Sequence[tuple[Any, ...]],
    engine: Engine | None = None,
    *,
    on_done: Callable[[int], None] | None = None,
    keep_partial: bool = False,
    name: str = "pazos",
) -> BatchRun[T]:
    """Run `fn(*args[i])` for every i and return the results in order.

    `fn` must be a module-level function (workers import it by name). `on_done(i)` is
    called on this side as each task's result arrives. With `keep_partial`, Ctrl-C stops
    the batch and keeps what was finished; without it, the interrupt propagates.
    """
    engine = engine or Engine()
    batch: BatchRun[T] = BatchRun([None] * len(args))
    try:
        if engine.in_process(len(args)):
            for i, a in enumerate(args):
                batch.results[i] = fn(*a)
                if on_done:
                    on_done(i)
        elif engine.scheduler is None and stoppable(args):
            _run_on_threads(fn, args, engine, batch, on_done)
        else:
            _run_on_cluster(fn, args, engine, batch, on_done, name)
    except KeyboardInterrupt:
        if not keep_partial:
            raise
        batch.interrupted = True
    return batch


def stoppable(args: Sequence[tuple[Any, ...]]) -> bool:
    """Every task is a HiGHS solve, which a stop control ends from another thread."""
    options = [[x for x in a if isinstance(x, SolveOptions)] for a in args]
    return all(len(o) == 1 and o[0].solver == HIGHS for o in options)


def _stopped_by(a: tuple[Any, ...], control: SolveControl) -> tuple[Any, ...]:
    return tuple(replace(x, control=control) if isinstance(x, SolveOptions) else x for x in a)


def _run_on_threads(
    fn: Callable[..., T],
    args: Sequence[tuple[Any, ...]],
    engine: Engine,
    batch: BatchRun[T],
    on_done: Callable[[int], None] | None,
) -> None:
    control = SolveControl()  # stops every running solve; reports no progress
    tasks = [_stopped_by(a, control) for a in args]

    def attempt(i: int) -> T:
        failures = 0
        while True:
            try:
                return fn(*tasks[i])
            except Exception as e:  # what a worker process would have retried
                failures += 1
                if failures > RETRIES or control.stopping:
                    raise BatchError(
                        f"point {i + 1} of the batch could not be computed: {type(e).__name__}: {e}"
                    ) from e

    batch.workers = min(engine.local_workers, len(args))
    on_threads(attempt, len(args), batch.workers, batch.results, on_done, control)


def _run_on_cluster(
    fn: Callable[..., T],
    args: Sequence[tuple[Any, ...]],
    engine: Engine,
    batch: BatchRun[T],
    on_done: Callable[[int], None] | None,
    name: str,
) -> None:
    from distributed import as_completed

    client = _client(engine, len(args))
    try:
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        batch.workers = workers
        window = max(1, workers * IN_FLIGHT_PER_WORKER)
        token = os.urandom(6).hex()  # a run's keys never meet another run's results
        running: dict[str, tuple[int, Any]] = {}
        pending = iter(range(len(args)))

        def submit(i: int) -> Any:
            key = f"{name}-{token}-{i}"
            future = client.submit(fn, *args[i], key=key, pure=False, retries=RETRIES)
            running[key] = (i, future)
            return future

        first = [submit(i) for _, i in zip(range(window), pending, strict=False)]
        stream = as_completed(first, loop=client.loop)  # type: ignore[no-untyped-call]
        try:
            for future in stream:
                if future.key not in running:  # each point is stored once
                    continue
                i, _ = running.pop(future.key)
                try:
                    batch.results[i] = future.result()
                except Exception as e:  # a task lost on every worker it was given
                    raise BatchError(
                        f"point {i + 1} of the batch could not be computed on the cluster: "
                        f"{type(e).__name__}: {e}"
                    ) from e
                future.release()
                nxt = next(pending, None)
                if nxt is not None:
                    stream.add(submit(nxt))  # type: ignore[no-untyped-call]
                if on_done:
                    on_done(i)
        finally:
            # On Ctrl-C (or an error): drop what has not finished; what has is kept.
            if running:
                client.cancel([f for _, f in running.values()])
    finally:
        if engine.scheduler is not None:
            client.close()


#: One local cluster per number of workers, reused by the batches of one process (a test
#: session, a notebook) and closed when it exits.
_LOCAL: dict[int, Any] = {}


def _client(engine: Engine, n_tasks: int) -> Any:
    from distributed import Client

    if engine.scheduler is not None:
        check_reachable(engine.scheduler)
        try:
            return Client(  # type: ignore[no-untyped-call]
                engine.scheduler, timeout=f"{SCHEDULER_TIMEOUT}s", set_as_default=False
            )
        except (OSError, TimeoutError, ValueError) as e:
            raise Usage(
                "usage.scheduler.timeout",
                address=engine.scheduler,
                seconds=f"{SCHEDULER_TIMEOUT:g}",
                why=f"{type(e).__name__}: {e}",
            ) from None
    workers = min(engine.local_workers, n_tasks)
    if workers not in _LOCAL:
        from distributed import LocalCluster

        # Ctrl-C belongs to this process, which keeps the finished points and stops the
        # cluster: the workers are started with SIGINT ignored (inherited through exec),
        # or each would print its own KeyboardInterrupt. (Ignored here too while they
        # start, a few seconds.)
        main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
        try:
            cluster = LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
                # CRITICAL, not ERROR: after a Ctrl-C the scheduler can close before a
                # worker's heartbeat, which then logs a traceback at ERROR (seen once in
                # three CI runs). A task's own failure reaches this process as its result.
                silence_logs=logging.CRITICAL,
            )
        finally:
            if main:
                signal.signal(signal.SIGINT, previous)
        _LOCAL[workers] = (cluster, Client(cluster, set_as_default=False))  # type: ignore[no-untyped-call]
    return _LOCAL[workers][1]


def check_reachable(address: str) -> None:
    """Refuse an address no scheduler can be at before a Dask client tries it (a client
    that fails to connect complains again when it is collected, on the user's screen)."""
    from distributed.comm.addressing import parse_address, parse_host_port
    from distributed.comm.registry import backends

    try:
        scheme, where = parse_address(address)
        if scheme not in backends:
            raise ValueError(f"unknown scheme '{scheme}' (known: {', '.join(sorted(backends))})")
        if scheme != "tcp":
            return  # tls, ws, ...: the client says what is wrong
        host, port = parse_host_port(where)
        socket.create_connection((host, port), timeout=SCHEDULER_TIMEOUT).close()
    except (OSError, ValueError, TypeError) as e:
        raise Usage(
            "usage.scheduler.none", address=address, why=f"{type(e).__name__}: {e}"
        ) from None


@atexit.register
def _close_local() -> None:
    for cluster, client in _LOCAL.values():
        client.close()
        cluster.close()
    _LOCAL.clear()


# --------------------------------------------------------------------------- solves
def solve_task(loaded: LoadedScenario, options: SolveOptions) -> Result | PazosBudgetError:
    """One scenario of a batch: its verified result, or the error that stopped it (an
    infeasible point of a sweep is a result of the sweep, not a failure of the batch)."""
    try:
        return solve_scenario(loaded, options)
    except PazosBudgetError as e:
        return e


def shipped(loaded: LoadedScenario) -> LoadedScenario:
    """What a task carries of a scenario: everything a solve and its result read, without
    the raw data the workbook's inputs sheet shows (the result does not hold it)."""
    return replace(loaded, data={})


def batch_options(options: SolveOptions) -> SolveOptions:
    """The options every solve of a batch gets: the options of a solve alone (the solver's
    thread count included, so a plan does not depend on how it is run), without the
    progress control of one solve."""
    return replace(options, control=None)


def solve_scenarios(
    scenarios: Sequence[LoadedScenario],
    options: SolveOptions,
    engine: Engine | None = None,
    *,
    on_done: Callable[[int], None] | None = None,
    keep_partial: bool = False,
) -> BatchRun[Result | PazosBudgetError]:
    """Solve independent scenarios on the engine; each gives its result or its error."""
    opts = batch_options(options)
    return run(
        solve_task,
        [(shipped(one), opts) for one in scenarios],
        engine,
        on_done=on_done,
        keep_partial=keep_partial,
        name="solve",
    )
