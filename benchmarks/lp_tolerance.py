"""Simplex iterations of a linear scenario's first stage, by HiGHS dual feasibility tolerance.

    python benchmarks/lp_tolerance.py SCENARIO.yaml [--tolerance 1e-7 1e-8 1e-9]

The first stage of the scenario's model, scaled as solve.py hands it to HiGHS (scaling.py:
rows, columns and the objective divided by powers of two), is solved by dual simplex
alone, once per tolerance, on one thread; each line prints the tolerance, the status, the
objective, the simplex iterations and the CPU seconds of the run (`time.process_time`).
The objective is the same at every tolerance; the iterations are not: with each stage's
objective scaled to a largest coefficient of about 1, HiGHS's default 1e-7 took 10,466
iterations on the 600 x 200 instance of big.py where 1e-8 takes 4,631 (README.md).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

from pazos_budget.loader import load_scenario
from pazos_budget.model import FloatArray, Model, Sense, build_model
from pazos_budget.scaling import Scaled, scale_model
from pazos_budget.solve import highs_lp


def first_stage(path: Path) -> tuple[Model, Scaled, FloatArray, Sense]:
    """The scaled arrays of the scenario's first stage, as solve.py passes them."""
    m = build_model(load_scenario(path).scenario)
    sc = scale_model(m)
    cost, _ = sc.cost(m.stages[0].cost)
    return m, sc, cost, m.stages[0].sense


def run(path: Path, tolerance: float) -> str:
    import highspy

    m, sc, cost, sense = first_stage(path)
    saved, devnull = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # HiGHS prints a banner from C++ before output_flag can be set
    h: Any = highspy.Highs()  # type: ignore[no-untyped-call]
    os.dup2(saved, 1)
    os.close(saved)
    os.close(devnull)
    for option, value in (
        ("output_flag", False),
        ("solver", "simplex"),
        ("threads", 1),
        ("random_seed", 0),
        ("dual_feasibility_tolerance", tolerance),
    ):
        h.setOptionValue(option, value)
    lp = highs_lp(m, sc, highspy)
    lp.col_cost_ = cost
    lp.sense_ = highspy.ObjSense.kMaximize if sense == Sense.MAX else highspy.ObjSense.kMinimize
    h.passModel(lp)
    started = time.process_time()
    h.run()
    seconds = time.process_time() - started
    info = h.getInfo()
    return (
        f"{tolerance:g}\t{h.modelStatusToString(h.getModelStatus())}\t"
        f"{info.objective_function_value:.9g}\t{info.simplex_iteration_count}\t{seconds:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", type=Path)
    parser.add_argument("--tolerance", type=float, nargs="+", default=[1e-7, 1e-8, 1e-9])
    args = parser.parse_args()
    print("tolerance\tstatus\tobjective\titerations\tcpu_s")
    for tolerance in args.tolerance:
        print(run(args.scenario, tolerance), flush=True)


if __name__ == "__main__":
    main()
