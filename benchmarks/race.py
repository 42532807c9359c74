"""The LP method race, measured in process: each way of solving a linear scenario's first
stage, its CPU and wall seconds, its peak memory, and whether the plans are identical.

    python benchmarks/race.py SCENARIO.yaml [--methods simplex ipm race]

Each method runs in a fresh process (so that one's memory does not count for the next),
one after another. `simplex` and `ipm` force the first stage's method (every later stage
is warm simplex either way); `race` is what `solve` does on two or more cores. Printed:
the method that solved the first stage, the seconds of each stage (the canonical run's
included), CPU and wall seconds of the solve, the process's peak memory, and at the end
whether every method gave the same values to the last bit.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import time
from pathlib import Path


def child(path: Path, method: str) -> dict[str, object]:
    from pazos_budget.loader import load_scenario
    from pazos_budget.model import build_model
    from pazos_budget.solve import SolveOptions, solve_model

    model = build_model(load_scenario(path).scenario)
    cpu, wall = time.process_time(), time.perf_counter()
    solution = solve_model(model, SolveOptions(lp_method=method))
    return {
        "method": method,
        "status": str(solution.status),
        "first_stage_by": solution.lp_method,
        "stages": [(o.stage.label, round(o.seconds, 2)) for o in solution.stages],
        "cpu_s": round(time.process_time() - cpu, 2),
        "wall_s": round(time.perf_counter() - wall, 2),
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "values_sha256": hashlib.sha256(solution.values.tobytes()).hexdigest()[:16],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", type=Path)
    parser.add_argument("--methods", nargs="+", default=["simplex", "ipm", "race"])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.scenario, args.child)))
        return
    hashes = set()
    for method in args.methods:
        out = subprocess.run(
            [sys.executable, __file__, str(args.scenario), "--child", method],
            check=True,
            capture_output=True,
            text=True,
        )
        row = json.loads(out.stdout)
        hashes.add(row["values_sha256"])
        print(json.dumps(row), flush=True)
    print("identical plans:", "yes" if len(hashes) == 1 else f"NO ({len(hashes)} different)")


if __name__ == "__main__":
    main()
