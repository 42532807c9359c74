"""Start-up: a plain `solve` loads only what it uses and never starts a batch engine.

Measured, not timed: the heavy libraries (pandas, scipy, matplotlib, PuLP, a batch
engine such as Dask) cost seconds of import on a busy machine, so the paths that do not
need them must not import them at all. Each run is a fresh interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Imported by no plain solve (HiGHS, terminal summary, JSON, workbook).
HEAVY = ("pandas", "scipy", "matplotlib", "pulp", "dask", "distributed")
#: Ways to start workers that a batch (compare, sweep, marginal values) may use.
ENGINES = ("dask", "distributed", "multiprocessing.pool", "concurrent.futures.process")

PROBE = """
import atexit, json, sys, threading
from pazos_budget.cli import main

out = sys.argv[1]

def report():
    with open(out, "w") as f:
        json.dump({"modules": sorted(sys.modules),
                   "threads": [t.name for t in threading.enumerate()]}, f)

atexit.register(report)
sys.argv = ["pazos-budget", *sys.argv[2:]]
main()
"""


def _run(tmp_path: Path, *args: str) -> dict[str, list[str]]:
    report = tmp_path / "report.json"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(report), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    loaded: dict[str, list[str]] = json.loads(report.read_text())
    return loaded


@pytest.mark.parametrize(
    "extra",
    [(), ("--output", "{tmp}/plan.xlsx")],
    ids=["json", "json-and-workbook"],
)
def test_a_plain_solve_imports_no_heavy_library_and_starts_no_engine(
    tmp_path: Path, extra: tuple[str, ...]
) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in extra]
    seen = _run(
        tmp_path, "solve", "examples/minimal.yaml", "-q", "--json", str(tmp_path / "r.json"), *args
    )
    assert (tmp_path / "r.json").exists()
    modules = set(seen["modules"])
    assert not {m for m in modules if m.split(".")[0] in HEAVY}
    assert not [m for m in modules if m in ENGINES or m.split(".")[0] in ENGINES]
    assert not [t for t in seen["threads"] if t.startswith(("ThreadPoolExecutor", "Dask"))]
    if extra:
        assert (tmp_path / "plan.xlsx").exists()


def test_the_probe_sees_a_batch_engine(tmp_path: Path) -> None:
    """The check above can fail: marginal values run their re-solves in a pool."""
    seen = _run(tmp_path, "solve", "examples/minimal.yaml", "-q", "--marginal")
    assert "concurrent.futures" in seen["modules"]


def test_version_imports_no_solver(tmp_path: Path) -> None:
    seen = _run(tmp_path, "--version")
    modules = set(seen["modules"])
    assert not {m for m in modules if m.split(".")[0] in (*HEAVY, "highspy", "openpyxl")}
