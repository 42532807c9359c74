"""HiGHS 1.16: Fourier-Motzkin presolve with a MIP start proves a wrong optimum.

The reduced model (`tests/data/highs-fm/min-coverage.mps`, 16 rows, 15 columns, one
integer) is a `maximize_min_coverage` stage of a random scenario found by the thorough
independent run (tests/data/found/presolve-min-coverage.json), cut down by deleting
rows and columns (a deleted column fixed at its start value) while the bug stayed;
`start.txt` is the previous stage's plan, feasible for it. Started from it, HiGHS reports
0.0257 "optimal"; without the start, with presolve off, or with only the Fourier-Motzkin
rule off (`presolve_rule_off` bit 22), 0.0433, the true optimum. The first stage of
the product's model ended at 0. solve.py keeps that one rule off.

    .venv/bin/python benchmarks/highs_fm_repro.py
"""

from __future__ import annotations

from pathlib import Path

import highspy
import numpy as np

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "highs-fm"
FOURIER_MOTZKIN = 1 << 22


def solve(start: bool, rules_off: int = 0, presolve: str = "choose") -> tuple[str, float]:
    """Status and objective of the reduced model under the given presolve settings."""
    h = highspy.Highs()  # type: ignore[no-untyped-call]  # highspy leaves it untyped
    h.setOptionValue("output_flag", False)
    h.readModel(str(DATA / "min-coverage.mps"))
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("presolve", presolve)
    h.setOptionValue("presolve_rule_off", rules_off)
    if start:
        given = highspy.HighsSolution()
        given.col_value = list(np.loadtxt(DATA / "start.txt"))
        given.value_valid = True
        h.setSolution(given)
    h.run()
    return h.modelStatusToString(h.getModelStatus()), float(h.getInfo().objective_function_value)


def main() -> None:
    # highspy leaves it untyped
    version = highspy.Highs().version()  # type: ignore[no-untyped-call]
    print(f"HiGHS {version}")
    for label, args in [
        ("started, default presolve", (True, 0)),
        ("not started, default presolve", (False, 0)),
        ("started, presolve off", (True, 0, "off")),
        ("started, Fourier-Motzkin off", (True, FOURIER_MOTZKIN)),
    ]:
        status, objective = solve(*args)  # type: ignore[arg-type]
        print(f"  {label:32} {status:10} {objective:.10f}")


if __name__ == "__main__":
    main()
