"""The floor, and the same problem through linopy and PuLP, on a target-free scenario of
`big.py` (every programme in every cluster, distinct youth, one weighted-reach stage).

    python benchmarks/floor.py SCENARIO.yaml --tool highs --method simplex|ipm
    python benchmarks/floor.py SCENARIO.yaml --tool linopy [--method simplex|ipm]
    python benchmarks/floor.py SCENARIO.yaml --tool pulp

Each run is one whole process, timed from outside (imports included): reading the YAML
with PyYAML's LibYAML loader, the arrays (or the modelling tool's objects), one model
handed to HiGHS (CBC for PuLP), one solve. It prints the optimal weighted coverage, to be
compared with the final stage of `pazos-budget solve SCENARIO --json R.json`.

The model, written out from the scenario by hand (nothing of pazos-budget is imported):
x[p,c] >= 0 units of programme p in cluster c, at most population[c] / youth_per_unit[p]
(nobody is reached twice by one programme); P[c] = sum_p youth_per_unit[p] x[p,c]
(participations); d[c] <= a_k + b_k P[c] for each chord of the distinct-youth curve
through (t N, N (1 - exp(-t))), flat beyond t = 6; sum_c x[p,c] <= max_units[p];
sum_p unit_cost[p] sum_c x[p,c] <= budget.total; maximize sum_c weight[c] d[c].
This is the final stage of the project's model for such a scenario; the project then
holds it and runs its two tie-break stages, which the floor does not (one stage where
the problem has one).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import yaml

T_POINTS = (0, 0.025, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6)


def read(path: Path) -> dict[str, Any]:
    with path.open("rb") as f:
        data: dict[str, Any] = yaml.load(f, Loader=yaml.CSafeLoader)
    return data


def arrays(data: dict[str, Any]) -> dict[str, Any]:
    clusters, progs = data["clusters"], data["programmes"]
    pop = np.array([c["youth_population"] for c in clusters], dtype=float)
    weight = np.array([c.get("weight", 1.0) for c in clusters], dtype=float)
    cost = np.array([p["unit_cost"] for p in progs], dtype=float)
    ypu = np.array([p["youth_per_unit"] for p in progs], dtype=float)
    cap = np.array([p.get("max_units", np.inf) for p in progs], dtype=float)
    t = np.array(T_POINTS)
    # chords of the curve per unit of population: d/N <= a + b P/N
    f = 1 - np.exp(-t)
    b = np.diff(f) / np.diff(t)
    a = f[:-1] - b * t[:-1]
    return {
        "pop": pop,
        "weight": weight,
        "cost": cost,
        "ypu": ypu,
        "cap": cap,
        "a": a,
        "b": b,
        "top": f[-1],
        "total": float(data["budget"]["total"]),
    }


def solve_highs(m: dict[str, Any], method: str) -> float:
    import highspy

    n_p, n_c, n_k = len(m["cost"]), len(m["pop"]), len(m["a"])
    n_x = n_p * n_c
    # columns: x (programme-major), P, d; rows: participations (n_c), chords (n_k n_c),
    # max units (n_p), budget (1). Built column-wise (CSC).
    xp = np.repeat(np.arange(n_p), n_c)
    xc = np.tile(np.arange(n_c), n_p)
    r_part, r_chord, r_units, r_budget = 0, n_c, n_c + n_k * n_c, n_c + n_k * n_c + n_p
    n_rows = r_budget + 1
    x_index = np.stack([r_part + xc, r_units + xp, np.full(n_x, r_budget)], axis=1).ravel()
    x_value = np.stack([-m["ypu"][xp], np.ones(n_x), m["cost"][xp]], axis=1).ravel()
    chord_rows = r_chord + np.arange(n_k)[None, :] * n_c + np.arange(n_c)[:, None]
    p_index = np.concatenate([np.arange(n_c)[:, None], chord_rows], axis=1).ravel()
    p_value = np.concatenate(
        [np.ones((n_c, 1)), np.broadcast_to(-m["b"], (n_c, n_k))], axis=1
    ).ravel()
    d_index = chord_rows.ravel()
    d_value = np.ones(n_c * n_k)
    index = np.concatenate([x_index, p_index, d_index]).astype(np.int32)
    value = np.concatenate([x_value, p_value, d_value])
    start = np.concatenate(
        [
            np.arange(n_x) * 3,
            n_x * 3 + np.arange(n_c) * (n_k + 1),
            n_x * 3 + n_c * (n_k + 1) + np.arange(n_c + 1) * n_k,
        ]
    ).astype(np.int32)
    n_cols = n_x + 2 * n_c
    cost = np.concatenate([np.zeros(n_x + n_c), m["weight"]])
    lower = np.zeros(n_cols)
    upper = np.concatenate(
        [np.minimum(m["pop"][xc] / m["ypu"][xp], np.inf), np.full(n_c, np.inf), m["top"] * m["pop"]]
    )
    row_lower = np.concatenate([np.zeros(n_c), np.full(n_k * n_c + n_p + 1, -np.inf)])
    row_upper = np.concatenate(
        [
            np.zeros(n_c),
            (m["a"][:, None] * m["pop"][None, :]).ravel(),
            m["cap"],
            [m["total"]],
        ]
    )
    saved, devnull = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # HiGHS prints a banner from C++ before output_flag can be set
    h = highspy.Highs()  # type: ignore[no-untyped-call]  # highspy leaves it untyped
    os.dup2(saved, 1)
    os.close(saved)
    os.close(devnull)
    h.setOptionValue("output_flag", False)
    h.setOptionValue("solver", "simplex" if method == "simplex" else "ipm")
    status = h.passModel(
        n_cols,
        n_rows,
        len(value),
        int(highspy.MatrixFormat.kColwise),
        int(highspy.ObjSense.kMaximize),
        0.0,
        cost,
        lower,
        upper,
        row_lower,
        row_upper,
        start,
        index,
        value,
        np.zeros(n_cols, dtype=np.int32),
    )
    assert status == highspy.HighsStatus.kOk
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal, h.getModelStatus()
    return float(h.getInfo().objective_function_value)


def solve_linopy(m: dict[str, Any], method: str) -> float:
    # Optional: only this comparison uses them (not dependencies; "unused" where installed).
    import linopy  # type: ignore[import-not-found, unused-ignore]
    import xarray as xr  # type: ignore[import-not-found, unused-ignore]

    n_p, n_c = len(m["cost"]), len(m["pop"])
    P, C = np.arange(n_p), np.arange(n_c)
    pop = xr.DataArray(m["pop"], coords={"c": C})
    ypu = xr.DataArray(m["ypu"], coords={"p": P})
    model = linopy.Model()
    x = model.add_variables(lower=0, upper=pop / ypu, name="x")
    part = model.add_variables(lower=0, coords=[("c", C)], name="P")
    d = model.add_variables(lower=0, upper=m["top"] * pop, name="d")
    model.add_constraints(part == (ypu * x).sum("p"), name="participations")
    for k in range(len(m["a"])):
        model.add_constraints(d - m["b"][k] * part <= m["a"][k] * pop, name=f"chord{k}")
    cap = xr.DataArray(m["cap"], coords={"p": P})
    model.add_constraints(x.sum("c") <= cap, name="units")
    model.add_constraints(
        (xr.DataArray(m["cost"], coords={"p": P}) * x).sum() <= m["total"], name="budget"
    )
    model.add_objective((xr.DataArray(m["weight"], coords={"c": C}) * d).sum(), sense="max")
    status, _ = model.solve(
        "highs", io_api="direct", solver="simplex" if method == "simplex" else "ipm"
    )
    assert status == "ok", status
    return float(model.objective.value)


def solve_pulp(m: dict[str, Any]) -> float:
    import pulp

    n_p, n_c = len(m["cost"]), len(m["pop"])
    prob = pulp.LpProblem("floor", pulp.LpMaximize)
    x = [
        [pulp.LpVariable(f"x_{p}_{c}", 0, m["pop"][c] / m["ypu"][p]) for c in range(n_c)]
        for p in range(n_p)
    ]
    part = [pulp.LpVariable(f"P_{c}", 0) for c in range(n_c)]
    d = [pulp.LpVariable(f"d_{c}", 0, m["top"] * m["pop"][c]) for c in range(n_c)]
    for c in range(n_c):
        prob += part[c] == pulp.lpSum(m["ypu"][p] * x[p][c] for p in range(n_p))
        for k in range(len(m["a"])):
            prob += d[c] - m["b"][k] * part[c] <= m["a"][k] * m["pop"][c]
    for p in range(n_p):
        if np.isfinite(m["cap"][p]):
            prob += pulp.lpSum(x[p]) <= m["cap"][p]
    prob += pulp.lpSum(m["cost"][p] * x[p][c] for p in range(n_p) for c in range(n_c)) <= m["total"]
    prob += pulp.lpSum(m["weight"][c] * d[c] for c in range(n_c))
    prob.solve(pulp.PULP_CBC_CMD(msg=False))
    assert pulp.LpStatus[prob.status] == "Optimal", pulp.LpStatus[prob.status]
    return float(pulp.value(prob.objective))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", type=Path)
    parser.add_argument("--tool", choices=["highs", "linopy", "pulp"], default="highs")
    parser.add_argument("--method", choices=["simplex", "ipm"], default="simplex")
    args = parser.parse_args()
    t0 = time.perf_counter()
    m = arrays(read(args.scenario))
    if args.tool == "highs":
        objective = solve_highs(m, args.method)
    elif args.tool == "linopy":
        objective = solve_linopy(m, args.method)
    else:
        objective = solve_pulp(m)
    print(
        f"{args.tool} {args.method}: objective {objective:.9g} in {time.perf_counter() - t0:.2f} s"
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
