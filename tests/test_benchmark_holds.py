"""The experiment of benchmarks/README.md ("holding an LP stage by its duals") reports
the stage optima the project's own holds give: `benchmarks/mip_stages.py --hold-by duals`
against `--hold-by row`, on small target-free LPs written by `benchmarks/big.py`. The
benchmark's figures rest on this; a hold that cut optima off would show here."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STAGE = re.compile(r"^  (\S.*?)\s{2,}Optimal\s+objective (\S+)", re.M)


def _optima(scenario: Path, hold: str, *extra: str) -> dict[str, float]:
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "mip_stages.py"), str(scenario)]
        + ["--option", "simplex_strategy=0", "--hold-by", hold, *extra],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return {label: float(v) for label, v in STAGE.findall(run.stdout)}


@pytest.mark.parametrize(("programmes", "clusters", "seed"), [(30, 20, 0), (12, 60, 1)])
def test_the_duals_hold_the_same_optima_as_a_row(
    programmes: int, clusters: int, seed: int, tmp_path: Path
) -> None:
    scenario = _lp(tmp_path, programmes, clusters, seed)
    row, duals = _optima(scenario, "row"), _optima(scenario, "duals")
    assert list(row) == ["final", "tie-break: spend", "tie-break: cells"]
    assert list(duals) == list(row)
    for label in row:
        assert duals[label] == pytest.approx(row[label], rel=1e-6), label


def test_a_hold_that_cuts_optima_off_is_seen(tmp_path: Path) -> None:
    """Broken on purpose (every dual counted as nonzero: every column fixed, every row an
    equality), the next stage is infeasible and the comparison above fails."""
    scenario = _lp(tmp_path, 30, 20, 0)
    broken = _optima(scenario, "duals", "--dual-tol", "-1")
    assert list(broken) == ["final"]


def _lp(tmp_path: Path, programmes: int, clusters: int, seed: int) -> Path:
    scenario = tmp_path / "lp.yaml"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "big.py"), str(scenario)]
        + ["--programmes", str(programmes), "--clusters", str(clusters), "--seed", str(seed)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return scenario
