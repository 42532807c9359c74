"""Work per lexicographic stage of an integer scenario: nodes and LP iterations.

On a shared machine wall time says more about the other jobs than about the model; the
branch-and-bound nodes and simplex iterations HiGHS needs for each stage do not. This
runs the stages the way `solve.py` does (the scaled model, each optimum held, each stage
started from the one before, the spend tie-break's node limit and RENS off, the cell
tie-break's whole units fixed) and prints, per stage, its status, objective, nodes, LP
iterations and seconds, so that one HiGHS option or one formulation can be compared with
another:

    .venv/bin/python benchmarks/mip_stages.py scenarios/palmira-2023.yaml
    .venv/bin/python benchmarks/mip_stages.py scenarios/palmira-2023.yaml \\
        --set scale_budgets=-20% --option mip_allow_restart=false --time-limit 600
    .venv/bin/python benchmarks/mip_stages.py LP.yaml --option simplex_strategy=0 --hold-by duals
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import highspy
import numpy as np

from pazos_budget.loader import load_scenario
from pazos_budget.model import Sense, build_model, hold_bound
from pazos_budget.scaling import scale_model
from pazos_budget.solve import DEFAULT_THREADS, PRESOLVE_RULES_OFF, highs_lp
from pazos_budget.tolerances import (
    DEFAULT_MIP_GAP,
    HIGHS_DUAL_FEASIBILITY,
    HIGHS_SMALL_MATRIX_VALUE,
)


def _value(text: str) -> Any:
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text, text)


def _start(h: Any, scaled: Any) -> None:
    given = highspy.HighsSolution()
    given.col_value = scaled
    given.value_valid = True
    h.setSolution(given)


def _hold_by_row(h: Any, st: Any, cost: Any, bound: float) -> None:
    """Hold a stage's optimum as solve.py does: one row over its objective's columns."""
    inf = highspy.kHighsInf
    nz = np.flatnonzero(cost).astype(np.int32)
    lo, hi = (-inf, bound) if st.sense == Sense.MIN else (bound, inf)
    h.addRow(lo, hi, len(nz), nz, cost[nz])


def _hold_by_duals(h: Any, tol: float) -> tuple[int, int]:
    """Restrict an LP to the optimal face of the stage just solved (complementary
    slackness with its dual solution): every column with a nonzero reduced cost stays at
    the bound it is at, every row with a nonzero dual stays at its active bound."""
    sol, lp = h.getSolution(), h.getLp()
    x = np.asarray(sol.col_value, dtype=float)
    lower, upper = np.asarray(lp.col_lower_, dtype=float), np.asarray(lp.col_upper_, dtype=float)
    fix = np.flatnonzero(np.abs(np.asarray(sol.col_dual, dtype=float)) > tol).astype(np.int32)
    near_lower = np.abs(x[fix] - lower[fix]) <= np.abs(x[fix] - upper[fix])
    at = np.where(near_lower, lower[fix], upper[fix])
    h.changeColsBounds(len(fix), fix, at, at)
    activity = np.asarray(sol.row_value, dtype=float)
    row_lower, row_upper = (
        np.asarray(lp.row_lower_, dtype=float),
        np.asarray(lp.row_upper_, dtype=float),
    )
    rows = np.flatnonzero(np.abs(np.asarray(sol.row_dual, dtype=float)) > tol)
    for i in rows:
        near = (
            row_lower[i]
            if abs(activity[i] - row_lower[i]) <= abs(activity[i] - row_upper[i])
            else row_upper[i]
        )
        h.changeRowBounds(int(i), float(near), float(near))
    return len(fix), len(rows)


def _arguments() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario")
    ap.add_argument("--set", dest="overrides", action="append", default=[])
    ap.add_argument("--option", action="append", default=[], help="HiGHS KEY=VALUE")
    ap.add_argument("--hold", type=float, default=1e-9, help="relative hold of each optimum")
    ap.add_argument("--time-limit", type=float, default=600.0)
    ap.add_argument(
        "--hold-by",
        choices=["row", "duals"],
        default="row",
        help="how an LP stage's optimum is held: one row over its objective (solve.py), or "
        "an experiment, not what solve.py does: by what the stage's duals prove (columns "
        "with a nonzero reduced cost fixed at their bound, rows with a nonzero dual made "
        "equalities at their active bound: the optimal face itself, and no dense row)",
    )
    ap.add_argument("--dual-tol", type=float, default=1e-7, help="a dual counts above this")
    ap.add_argument(
        "--restart-nodes",
        type=int,
        default=0,
        help="an experiment, not what solve.py does: after this many nodes a stage not yet "
        "proven runs again from its best plan with HiGHS's restarts off (0: never)",
    )
    ap.add_argument(
        "--write-stage",
        nargs=2,
        metavar=("LABEL", "PREFIX"),
        help="write that stage as HiGHS has it (PREFIX.mps, earlier optima held) and its "
        "start (PREFIX.start, scaled values) before solving it",
    )
    return ap.parse_args()


def _configured(options: list[str]) -> Any:
    """A HiGHS instance with solve.py's options, then the ones given (KEY=VALUE)."""
    h: Any = highspy.Highs()  # type: ignore[no-untyped-call]  # highspy leaves it untyped
    h.setOptionValue("output_flag", False)
    for key, val in (
        ("random_seed", 0),
        ("small_matrix_value", HIGHS_SMALL_MATRIX_VALUE),
        ("dual_feasibility_tolerance", HIGHS_DUAL_FEASIBILITY),
        ("mip_rel_gap", DEFAULT_MIP_GAP),
        ("threads", DEFAULT_THREADS),
        ("presolve_rule_off", PRESOLVE_RULES_OFF),
        *(tuple(o.split("=", 1)) for o in options),
    ):
        h.setOptionValue(key, _value(val) if isinstance(val, str) else val)
    return h


def main() -> None:
    args = _arguments()

    m = build_model(load_scenario(args.scenario, args.overrides).scenario)
    sc = scale_model(m)
    h = _configured(args.option)
    h.passModel(highs_lp(m, sc, highspy))
    print(
        f"{args.scenario} {' '.join(args.overrides)}: {m.n_cols} columns, {m.n_rows} rows, "
        f"{int(m.integrality.sum())} integer; options {args.option or 'as solve.py'}"
    )
    cols = np.arange(m.n_cols, dtype=np.int32)
    values = None
    began = time.perf_counter()
    cpu_began = time.process_time()
    for st in m.stages:
        t0 = time.perf_counter()
        c0 = time.process_time()
        h.changeObjectiveSense(
            highspy.ObjSense.kMinimize if st.sense == Sense.MIN else highspy.ObjSense.kMaximize
        )
        cost, factor = sc.cost(st.cost)
        h.changeColsCost(m.n_cols, cols, cost)
        h.setOptionValue("time_limit", max(args.time_limit - (t0 - began), 0.1))
        if st.fix_integers and values is not None:
            fixed = np.flatnonzero(m.integrality).astype(np.int32)
            whole = np.round(values[fixed])
            h.changeColsBounds(len(fixed), fixed, whole, whole)
        if st.node_limit is not None:
            h.setOptionValue("mip_max_nodes", int(st.node_limit))
        if st.from_start:
            h.setOptionValue("mip_heuristic_run_rens", False)
        settle = args.restart_nodes > 0 and st.node_limit is None and not st.fix_integers
        if settle:
            h.setOptionValue("mip_max_nodes", args.restart_nodes)
        if args.write_stage and st.label == args.write_stage[0] and values is not None:
            h.writeModel(f"{args.write_stage[1]}.mps")
            np.savetxt(f"{args.write_stage[1]}.start", sc.to_scaled(values), fmt="%.17g")
        if values is not None:
            _start(h, sc.to_scaled(values))
        h.run()
        info = h.getInfo()
        nodes = info.mip_node_count
        if st.from_start:
            h.setOptionValue("mip_heuristic_run_rens", True)
        if settle:
            h.setOptionValue("mip_max_nodes", highspy.kHighsIInf)
            if h.getModelStatus() == highspy.HighsModelStatus.kSolutionLimit:
                # Not proven within the restart nodes: again from its best plan, no restarts.
                _start(h, np.asarray(h.getSolution().col_value, dtype=float))
                h.setOptionValue("mip_allow_restart", False)
                h.run()
                h.setOptionValue("mip_allow_restart", True)
                info = h.getInfo()
                nodes = f"{nodes}+{info.mip_node_count}"
        status = h.modelStatusToString(h.getModelStatus())
        if st.node_limit is not None:
            h.setOptionValue("mip_max_nodes", highspy.kHighsIInf)
            if status == "Solution limit reached" or "node" in status.lower():
                status = "Optimal"  # the node limit is part of the stage (solve.py)
        values = sc.from_scaled(np.asarray(h.getSolution().col_value, dtype=float))
        objective = float(st.cost @ values)
        print(
            f"  {st.label:18} {status:18} objective {objective:<14.10g} "
            f"nodes {nodes:>7} LP iterations {info.simplex_iteration_count:>8} "
            f"{time.perf_counter() - t0:8.2f} s wall {time.process_time() - c0:8.2f} s CPU",
            flush=True,
        )
        if status != "Optimal":
            break
        if args.hold_by == "duals" and not m.is_mip:
            fixed_cols, equal_rows = _hold_by_duals(h, args.dual_tol)
            print(f"    held by duals: {fixed_cols} columns fixed, {equal_rows} rows equalities")
        else:
            _hold_by_row(h, st, cost, factor * hold_bound(objective, st.sense, args.hold))
    print(
        f"  total {time.perf_counter() - began:.2f} s wall, "
        f"{time.process_time() - cpu_began:.2f} s CPU"
    )


if __name__ == "__main__":
    main()
