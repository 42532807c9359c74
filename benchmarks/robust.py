"""`robust` on Palmira with 1 and 2 workers: wall time, worlds per second, CPU per world.

    .venv/bin/python benchmarks/robust.py --samples 200 --workers 1 2 \
        --json benchmarks/results-robust.json

Each worker count runs the whole batch (the plan, then `--samples` worlds, each held and
re-solved) on the batch engine as `pazos-budget robust -j N` does: in this process for 1
worker, on N threads of this process otherwise (HiGHS; with `--solver cbc`, on a local
Dask cluster of N processes, whose start-up is timed apart).
`--max-seconds` stops a run after that long, keeping the worlds evaluated (as Ctrl-C
does), so that a loaded machine still gives a throughput. Besides wall time, every world
reports the CPU seconds its worker spent on it: a per-solve cost that the machine's other
jobs disturb much less than they disturb wall time. The figures of the runs must agree
(the same seed gives the same worlds whatever the workers): the script checks it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

from pazos_budget.batch import Engine, _client, stoppable
from pazos_budget.loader import load_scenario
from pazos_budget.robust import robust
from pazos_budget.solve import SolveOptions

ROOT = Path(__file__).resolve().parents[1]
PALMIRA = ROOT / "scenarios" / "palmira-2023-incierto.yaml"


def one_run(
    path: Path, samples: int, seed: int, workers: int, max_seconds: float, solver: str
) -> Any:
    loaded = load_scenario(path)
    engine = Engine(workers)
    options = SolveOptions(solver=solver)
    start_up = 0.0
    if workers > 1 and not stoppable([(options,)]):  # a local cluster: started untimed
        t0 = time.perf_counter()
        _client(engine, samples)
        start_up = time.perf_counter() - t0
    arrivals: list[float] = []
    t0 = time.perf_counter()
    plan_done: list[float] = []

    def on_done(_: int) -> None:
        arrivals.append(time.perf_counter() - t0)
        if arrivals[-1] > max_seconds:
            raise KeyboardInterrupt  # keep what was evaluated (as Ctrl-C does)

    r = robust(
        loaded,
        options,
        samples=samples,
        seed=seed,
        engine=engine,
        on_plan=lambda _: plan_done.append(time.perf_counter() - t0),
        on_done=on_done,
    )
    wall = time.perf_counter() - t0
    plan = plan_done[0]
    worlds = len(r.worlds)
    cpu = [w.cpu_seconds for w in r.worlds]
    return r, {
        "workers": workers,
        "samples": samples,
        "evaluated": worlds,
        "interrupted": r.interrupted,
        "cluster_start_seconds": round(start_up, 2),
        "plan_seconds": round(plan, 2),
        "worlds_seconds": round(wall - plan, 2),
        "worlds_per_second": round(worlds / (wall - plan), 4) if worlds else None,
        "cpu_seconds_per_world": {
            "median": round(statistics.median(cpu), 3) if cpu else None,
            "min": round(min(cpu), 3) if cpu else None,
            "max": round(max(cpu), 3) if cpu else None,
        },
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scenario", nargs="?", type=Path, default=PALMIRA)
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--max-seconds", type=float, default=float("inf"))
    ap.add_argument("--json", type=Path)
    ap.add_argument("--solver", default="highs", help="highs (threads) or cbc (a local cluster)")
    ap.add_argument("--output", type=Path, help="Also write the last run's workbook (es).")
    args = ap.parse_args()
    runs = []
    worlds = []
    r: Any = None
    for n in args.workers:
        r, figures = one_run(
            args.scenario, args.samples, args.seed, n, args.max_seconds, args.solver
        )
        runs.append(figures)
        worlds.append(r.worlds)
        print(json.dumps(figures))
    # The same worlds, whatever the workers (those that every run evaluated).
    by_index = [{w.index: w for w in run} for run in worlds]
    common = set.intersection(*(set(b) for b in by_index))
    assert all(b[k] == by_index[0][k] for b in by_index for k in common), "runs disagree"
    if args.output and r is not None:
        from pazos_budget.reports.robust import build_robust
        from pazos_budget.reports.xlsx import save_xlsx

        save_xlsx(build_robust(r, lang="es"), args.output)
    if args.json:
        doc = {"scenario": str(args.scenario.relative_to(ROOT)), "seed": args.seed, "runs": runs}
        args.json.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
