"""Sweep speed: one solve against a whole budget sweep, on one core and on every core.

    .venv/bin/python benchmarks/sweep.py [SCENARIO] [--points N] [--repeat R]

Prints, for the scenario (default: scenarios/palmira-2023.yaml): the time of one solve, the
time of an N-point `--scale 0.5:1.5` sweep with one job and with every core, the cost per
point against one solve, and the speed-up of the parallel sweep. Median of R runs each.
Figures, not assertions: record them in benchmarks/README.md with the machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from pazos_budget.analysis import sweep
from pazos_budget.loader import load_scenario
from pazos_budget.pipeline import solve_scenario
from pazos_budget.solve import SolveOptions

ROOT = Path(__file__).resolve().parents[1]


def timed(fn: object, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios/palmira-2023.yaml"))
    parser.add_argument("--points", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    loaded = load_scenario(args.scenario)
    options = SolveOptions()
    n = args.points
    scales = [0.5 + k * (1.0 / (n - 1)) for k in range(n)] if n > 1 else [1.0]
    cores = os.cpu_count() or 1

    one = timed(lambda: solve_scenario(loaded, options), args.repeat)
    serial = timed(lambda: sweep(loaded, options, scales=scales, jobs=1), args.repeat)
    parallel = timed(lambda: sweep(loaded, options, scales=scales, jobs=cores), args.repeat)

    print(f"scenario: {args.scenario}")
    print(f"cores: {cores}; points: {n}; median of {args.repeat} runs")
    print(f"one solve:                  {one:8.2f} s")
    for label, seconds in (("1 job", serial), (f"{cores} jobs", parallel)):
        per_point = seconds / n / one
        print(f"sweep, {label:7s} {seconds:8.2f} s  ({per_point:.2f} x one solve per point)")
    print(f"speed-up from {cores} cores:       {serial / parallel:8.2f} x")


if __name__ == "__main__":
    main()
