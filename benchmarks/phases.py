"""CPU seconds of each step of a solve, in one process (load, build, solve, result,
reasons, JSON), for a quick look at where the time goes after the solve.

    python benchmarks/phases.py SCENARIO.yaml
"""

from __future__ import annotations

import sys
import time

from pazos_budget import explain
from pazos_budget.loader import load_scenario
from pazos_budget.model import build_model
from pazos_budget.result import build_result, to_json
from pazos_budget.solve import SolveOptions, solve_model


def main() -> None:
    clock = time.process_time
    spans: dict[str, float] = {}
    t = clock()
    loaded = load_scenario(sys.argv[1])
    spans["load"], t = clock() - t, clock()
    model = build_model(loaded.scenario)
    spans["build"], t = clock() - t, clock()
    solution = solve_model(model, SolveOptions())
    spans["solve"], t = clock() - t, clock()
    result = build_result(loaded, model, solution)
    spans["result"], t = clock() - t, clock()
    explain.limit_codes(result)
    spans["reasons"], t = clock() - t, clock()
    to_json(result)
    spans["json"] = clock() - t
    print("  ".join(f"{k} {v:.2f} s" for k, v in spans.items()))


if __name__ == "__main__":
    main()
