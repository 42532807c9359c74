"""Time and measure the pipeline at four scenario sizes, against the solver's own floor.

    python benchmarks/run.py [--sizes palmira city national stress palmira-2023]
                             [--data DIR] [--repeat 1] [--cli-runs 5] [--no-floor]
                             [--markdown] [--json FILE]

For each size (scenarios written by `generate.py` into DIR, default `benchmarks/data`,
generated when missing) three fresh processes run one after the other, so that each peak
memory (`ru_maxrss`) is that process's alone:

1. pipeline: the library path of `pazos-budget solve` without the terminal
   output: load (YAML + CSV tables + validation) -> build (model.build_model) ->
   hand-over (solve.py up to HiGHS's `passModel`) -> solve (every lexicographic stage,
   reading each solution and holding its optimum) -> result (allocation, recomputed
   figures, the independent check and the "limited by" reasons) -> JSON (`to_json` and
   the file, what `--json` adds). These are the steps of `pipeline.solve_scenario`, timed
   by wrapping the functions it calls. Total is their sum; imports are timed apart.
2. export: builds the same model once and saves its arrays (untimed; only feeds 3).
3. floor: the same model solved by highspy directly from those arrays, as cheaply as
   highspy allows: `passModel` from the arrays, then per stage a cost change, `run`, the
   solution read back and the hold row added, with the same options as solve.py (and,
   like it, each MIP stage started from the previous stage's solution). Timed: from
   creating the Highs object to the last stage's solution. Not timed: Python start-up,
   imports, reading the arrays. Its peak memory is Python + numpy + highspy + the arrays
   + HiGHS's own working memory: the least any caller must hold to solve this model.

Then the Palmira command line end to end (imports included): `pazos-budget solve
scenarios/palmira-2023.yaml`, run `--cli-runs` times, median; also with `--quiet`, with
`--marginal --quiet`, and `pazos-budget --version` (start-up and imports alone).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SIZES = ("palmira", "city", "national", "stress")
PALMIRA = ROOT / "scenarios" / "palmira-2023.yaml"
#: The real Palmira scenario, measured like a size (not generated).
REAL = "palmira-2023"
#: The Palmira command lines timed end to end (label -> arguments after the scenario); the
#: terminal summary goes to a pipe, as it would to a file.
CLI_RUNS = {
    "solve": [],
    "solve --quiet": ["--quiet"],
    "solve --marginal --quiet": ["--marginal", "--quiet"],
}


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --------------------------------------------------------------------------- children
def child_pipeline(path: Path) -> dict[str, Any]:
    t0 = time.perf_counter()
    import highspy

    import pazos_budget.explain as explain
    import pazos_budget.pipeline as pipeline
    from pazos_budget.files import write_json
    from pazos_budget.loader import load_scenario
    from pazos_budget.result import to_json
    from pazos_budget.solve import SolveOptions

    t_import = time.perf_counter() - t0

    # Time the steps of pipeline.solve_scenario (what `solve` runs) without
    # changing it: wrap the names it calls. The end of the hand-over is marked by a Highs
    # that notes when passModel returns (solve.py looks highspy.Highs up at call time).
    spans: dict[str, float] = {}
    marks: dict[str, float] = {}
    captured: dict[str, Any] = {}

    def timed(name: str, fn: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            out = fn(*args, **kwargs)
            spans[name] = spans.get(name, 0.0) + time.perf_counter() - t
            captured[name] = out
            return out

        return wrapper

    class TimedHighs(highspy.Highs):
        def passModel(self, *args: Any) -> Any:
            status = super().passModel(*args)
            marks["passed"] = time.perf_counter()
            return status

    highspy.Highs = TimedHighs  # type: ignore[misc]  # replaced on purpose, to time it
    # pipeline's own imported names (not exported, to mypy), replaced where it looks them up
    for name, label in [
        ("build_model", "build"),
        ("solve_model", "solve_model"),
        ("build_result", "result"),
    ]:
        setattr(pipeline, name, timed(label, getattr(pipeline, name)))
    explain.limit_codes = timed("reasons", explain.limit_codes)  # imported at call time

    t = time.perf_counter()
    loaded = load_scenario(path)
    t_load = time.perf_counter() - t

    started = time.perf_counter()
    result = pipeline.solve_scenario(loaded, SolveOptions())
    t_pipeline = time.perf_counter() - started
    model, solution = captured["build"], captured["solve_model"]
    solve_started = started + spans["build"]  # solve_model runs right after build_model
    t_handover = marks["passed"] - solve_started
    t_solve = spans["solve_model"] - t_handover

    # What `--json` adds: the document and its file, as the command writes it.
    t = time.perf_counter()
    out = path.parent / f".{path.stem}.bench.json"
    write_json(out, to_json(result))
    t_json = time.perf_counter() - t
    json_bytes = out.stat().st_size
    out.unlink()

    return {
        "programmes": len(loaded.scenario.programmes),
        "clusters": len(loaded.scenario.clusters),
        "cols": model.n_cols,
        "rows": model.n_rows,
        "nnz": len(model.values),
        "mip": model.is_mip,
        "status": solution.status.value,
        "stages": [round(o.objective, 9) for o in solution.stages],
        "stage_seconds": [round(o.seconds, 3) for o in solution.stages],
        "json_bytes": json_bytes,
        "import": t_import,
        "load": t_load,
        "build": spans["build"],
        "handover": t_handover,
        "solve": t_solve,
        # Everything solve_scenario does after the solver: figures, the independent
        # check, and the "limited by" reasons (explain.limit_codes, timed apart too).
        "result": t_pipeline - spans["build"] - spans["solve_model"],
        "reasons": spans.get("reasons", 0.0),
        "json": t_json,
        "total": t_load + t_pipeline + t_json,
        "peak_mb": peak_rss_mb(),
    }


def child_export(path: Path, npz: Path) -> dict[str, Any]:
    import numpy as np

    from pazos_budget.loader import load_scenario
    from pazos_budget.model import Sense, build_model
    from pazos_budget.tolerances import (
        CONTRACT_TOLERANCE,
        DEFAULT_MIP_GAP,
        HOLD_ABSOLUTE_TOLERANCE,
        HOLD_RELATIVE_TOLERANCE,
    )

    m = build_model(load_scenario(path).scenario)
    # solve.py races simplex and interior point on an LP's first stage (lprace.py); this
    # older floor mirrors its stages with simplex, which wins on these instances.
    method = "simplex"
    np.savez(
        npz,
        col_lower=m.col_lower,
        col_upper=m.col_upper,
        row_lower=m.row_lower,
        row_upper=m.row_upper,
        indptr=m.indptr.astype(np.int32),
        indices=m.indices.astype(np.int32),
        values=m.values,
        integrality=m.integrality,
        costs=np.array([st.cost for st in m.stages]),
        maximize=np.array([st.sense == Sense.MAX for st in m.stages]),
        method=np.array(method),
        mip_gap=np.array(DEFAULT_MIP_GAP),
        hold=np.array([HOLD_RELATIVE_TOLERANCE, HOLD_ABSOLUTE_TOLERANCE, CONTRACT_TOLERANCE]),
    )
    return {"method": method}


def child_floor(npz: Path, variant: str = "same") -> dict[str, Any]:
    """`variant` "same" mirrors solve.py; "simplex-after-first" (an experiment, not the
    floor) solves the first stage as solve.py does and every later stage with the simplex
    method, which starts from the previous stage's basis instead of from scratch."""
    import highspy
    import numpy as np

    a = dict(np.load(npz))
    inf = highspy.kHighsInf
    n_cols, n_rows = len(a["col_lower"]), len(a["row_lower"])
    is_mip = bool(a["integrality"].any())
    relative, absolute, _ = (float(x) for x in a["hold"])
    col_upper = np.where(np.isinf(a["col_upper"]), inf, a["col_upper"])
    row_lower = np.where(np.isinf(a["row_lower"]), -inf, a["row_lower"])
    row_upper = np.where(np.isinf(a["row_upper"]), inf, a["row_upper"])
    integrality = a["integrality"].astype(np.int32)  # kContinuous = 0, kInteger = 1
    all_cols = np.arange(n_cols, dtype=np.int32)

    t0 = time.perf_counter()
    saved, devnull = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # HiGHS prints a banner from C++ before output_flag can be set
    h = highspy.Highs()  # type: ignore[no-untyped-call]  # highspy leaves it untyped
    os.dup2(saved, 1)
    os.close(saved)
    os.close(devnull)
    h.setOptionValue("output_flag", False)
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("mip_rel_gap", float(a["mip_gap"]))
    if not is_mip:
        h.setOptionValue("solver", str(a["method"]))
    status = h.passModel(
        n_cols,
        n_rows,
        len(a["values"]),
        int(highspy.MatrixFormat.kRowwise),
        int(highspy.ObjSense.kMinimize),
        0.0,
        np.zeros(n_cols),
        a["col_lower"],
        col_upper,
        row_lower,
        row_upper,
        a["indptr"],
        a["indices"],
        a["values"],
        integrality,  # all kContinuous (0) for an LP
    )
    if status != highspy.HighsStatus.kOk:
        raise SystemExit("floor: passModel failed")
    t_passed = time.perf_counter()
    statuses = []
    objectives: list[float] = []
    seconds = []
    values = np.zeros(0)
    for cost, maximize in zip(a["costs"], a["maximize"], strict=True):
        t_stage = time.perf_counter()
        sense = highspy.ObjSense.kMaximize if maximize else highspy.ObjSense.kMinimize
        h.changeObjectiveSense(sense)
        h.changeColsCost(n_cols, all_cols, cost)
        if is_mip and objectives:
            # As solve.py: a MIP stage starts from the previous stage's solution (solve.py
            # also checks what comes back and re-runs if needed; the floor does not).
            start = highspy.HighsSolution()
            start.col_value = values
            start.value_valid = True
            h.setSolution(start)
        h.run()
        if variant == "simplex-after-first" and not is_mip:
            h.setOptionValue("solver", "simplex")
        statuses.append(h.modelStatusToString(h.getModelStatus()))
        values = np.asarray(h.getSolution().col_value, dtype=float)
        objective = float(cost @ values)
        objectives.append(round(objective, 9))
        seconds.append(round(time.perf_counter() - t_stage, 3))
        slack = max(abs(objective) * relative, absolute)
        nz = np.flatnonzero(cost).astype(np.int32)
        if maximize:
            h.addRow(objective - slack, inf, len(nz), nz, cost[nz])
        else:
            h.addRow(-inf, objective + slack, len(nz), nz, cost[nz])
    t_end = time.perf_counter()
    return {
        "handover": t_passed - t0,
        "solve": t_end - t_passed,
        "total": t_end - t0,
        "peak_mb": peak_rss_mb(),
        "statuses": statuses,
        "stages": objectives,
        "stage_seconds": seconds,
    }


# --------------------------------------------------------------------------- parent
def run_child(*args: str, timeout: float | None = None) -> dict[str, Any]:
    """Run this script in a fresh process in one of its child modes; its last stdout line
    is its JSON report."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stderr[-3000:]}")
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def cli_seconds(args: list[str], runs: int) -> tuple[float, list[float]]:
    """Median wall time of the installed `pazos-budget` command, imports included.

    As on a user's machine, Python may cache compiled modules (PYTHONDONTWRITEBYTECODE is
    dropped from the environment; some sandboxes set it, which recompiles the package's
    modules on every run, about 0.07 s here), and one untimed run fills that cache.
    """
    exe = Path(sys.executable).parent / "pazos-budget"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    times = []
    for k in range(runs + 1):
        t = time.perf_counter()
        done = subprocess.run(
            [str(exe), *args], capture_output=True, text=True, check=False, env=env
        )
        if k:
            times.append(time.perf_counter() - t)
        if done.returncode != 0:
            raise RuntimeError(f"pazos-budget {' '.join(args)} exited {done.returncode}")
    return statistics.median(times), times


def ensure_scenario(data: Path, size: str) -> Path:
    if size == REAL:
        return PALMIRA
    path = data / size / "scenario.yaml"
    if not path.exists():
        sys.path.insert(0, str(HERE))
        from generate import write

        write(size, data / size)
    return path


def median_report(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The median of every number over repeated runs (the first run's other fields)."""
    out = dict(runs[0])
    for key, value in runs[0].items():
        if isinstance(value, float):
            out[key] = statistics.median(r[key] for r in runs)
    out["runs"] = runs if len(runs) > 1 else []
    return out


def measure(size: str, data: Path, floor: bool, repeat: int) -> dict[str, Any]:
    """Pipeline and floor, `repeat` times each, alternating (so that a busy spell of the
    machine hits both alike); the medians are reported."""
    path = ensure_scenario(data, size)
    row: dict[str, Any] = {"size": size, "scenario": str(path)}
    npz = data / f"{size}-model-arrays.npz"
    if floor:
        data.mkdir(parents=True, exist_ok=True)
        row["export"] = run_child("export", str(path), str(npz))
    pipelines, floors = [], []
    for _ in range(repeat):
        pipelines.append(run_child("pipeline", str(path)))
        if floor:
            floors.append(run_child("floor", str(npz)))
    row["pipeline"] = median_report(pipelines)
    if floor:
        npz.unlink()
        row["floor"] = median_report(floors)
        same = all(f["stages"] == p["stages"] for f in floors for p in pipelines)
        row["floor"]["same_stages"] = same
    return row


def _s(x: float) -> str:
    return f"{x:.2f}" if x < 100 else f"{x:.0f}"


def table(rows: list[dict[str, Any]], markdown: bool) -> str:
    head = [
        "size",
        "programmes x clusters",
        "cols / rows / nnz",
        "load s",
        "build s",
        "hand-over s",
        "solve s",
        "result s (reasons)",
        "JSON s",
        "total s",
        "peak MB",
        "floor s",
        "floor MB",
        "time / floor",
        "memory / floor",
    ]
    lines = []
    for r in rows:
        p = r["pipeline"]
        f = r.get("floor")
        lines.append(
            [
                r["size"],
                f"{p['programmes']:,} x {p['clusters']:,}",
                f"{p['cols']:,} / {p['rows']:,} / {p['nnz']:,}" + (" MIP" if p["mip"] else ""),
                _s(p["load"]),
                _s(p["build"]),
                _s(p["handover"]),
                _s(p["solve"]),
                f"{_s(p['result'])} ({_s(p.get('reasons', 0.0))})",
                _s(p["json"]),
                _s(p["total"]),
                f"{p['peak_mb']:.0f}",
                _s(f["total"]) if f else "-",
                f"{f['peak_mb']:.0f}" if f else "-",
                f"{p['total'] / f['total']:.2f}" if f else "-",
                f"{p['peak_mb'] / f['peak_mb']:.2f}" if f else "-",
            ]
        )
    if markdown:
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        out += ["| " + " | ".join(line) + " |" for line in lines]
        return "\n".join(out)
    widths = [max(len(h), *(len(line[k]) for line in lines)) for k, h in enumerate(head)]
    fmt = "  ".join(f"{{:>{w}}}" for w in widths)
    return "\n".join([fmt.format(*head), *(fmt.format(*line) for line in lines)])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", choices=[*SIZES, REAL], default=list(SIZES))
    parser.add_argument("--data", type=Path, default=HERE / "data")
    parser.add_argument("--cli-runs", type=int, default=5, help="0 skips the CLI timing")
    parser.add_argument("--no-floor", action="store_true", help="skip the highspy floor")
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs of pipeline and floor per size (medians)"
    )
    parser.add_argument("--markdown", action="store_true", help="print README table rows")
    parser.add_argument("--json", type=Path, help="also write every figure here")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        mode, *rest = args.child
        report = {
            "pipeline": lambda: child_pipeline(Path(rest[0])),
            "export": lambda: child_export(Path(rest[0]), Path(rest[1])),
            "floor": lambda: child_floor(Path(rest[0]), *rest[1:]),
        }[mode]()
        print(json.dumps(report))
        return

    rows = []
    for size in args.sizes:
        print(f"measuring {size} ...", file=sys.stderr, flush=True)
        rows.append(measure(size, args.data, floor=not args.no_floor, repeat=args.repeat))
        print(table(rows[-1:], markdown=False), file=sys.stderr, flush=True)

    cli: dict[str, Any] = {}
    if args.cli_runs:
        palmira = PALMIRA
        if not palmira.exists():  # fall back to the generated Palmira-size scenario
            palmira = ensure_scenario(args.data, "palmira")
        cli["scenario"] = str(
            palmira.relative_to(ROOT) if palmira.is_relative_to(ROOT) else palmira
        )
        for label, extra in CLI_RUNS.items():
            median, times = cli_seconds(["solve", str(palmira), *extra], args.cli_runs)
            cli[label] = {"median": median, "runs": times}
        median, times = cli_seconds(["--version"], args.cli_runs)
        cli["--version"] = {"median": median, "runs": times}

    print(table(rows, markdown=args.markdown))
    if cli:
        print()
        for label in [*CLI_RUNS, "--version"]:
            runs = ", ".join(f"{t:.2f}" for t in cli[label]["runs"])
            command = f"pazos-budget {label.replace('solve', 'solve ' + cli['scenario'], 1)}"
            line = f"{command}: median {cli[label]['median']:.2f} s ({runs})"
            print(("- " if args.markdown else "") + line)
    if args.json:
        machine = {"nproc": os.cpu_count(), "load_average": os.getloadavg()}
        args.json.write_text(json.dumps({"machine": machine, "sizes": rows, "cli": cli}, indent=2))


if __name__ == "__main__":
    main()
