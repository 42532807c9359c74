"""Current versus optimized: `current_units` is reported beside the optimum, and
`max_change` keeps every programme within its allowed move from the current plan."""

from __future__ import annotations

from pathlib import Path

import pytest

from pazos_budget.loader import load_scenario
from pazos_budget.pipeline import solve_scenario
from pazos_budget.result import to_json

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = ROOT / "examples" / "minimal.yaml"
CURRENT = {"art-school": 20.0, "interrupters": 6.0, "lighting": 10.0}


def variant(tmp_path: Path, max_change: float | None) -> Path:
    lines = [f"extends: {MINIMAL}", "programmes:", "  change:"]
    lines += [f"    {pid}: {{current_units: {units}}}" for pid, units in CURRENT.items()]
    if max_change is not None:
        lines.append(f"max_change: {max_change}")
    path = tmp_path / f"v{max_change}.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("max_change", [0.0, 0.1, 0.3, 0.5])
def test_max_change_is_respected(tmp_path: Path, max_change: float) -> None:
    doc = to_json(solve_scenario(load_scenario(variant(tmp_path, max_change))))
    for p in doc["programmes"]:
        current = CURRENT[p["id"]]
        assert p["current_units"] == current
        assert (1 - max_change) * current - 1e-6 <= p["units"] <= (1 + max_change) * current + 1e-6


def test_without_a_bound_the_optimum_moves_further(tmp_path: Path) -> None:
    free = to_json(solve_scenario(load_scenario(variant(tmp_path, None))))
    bounded = to_json(solve_scenario(load_scenario(variant(tmp_path, 0.3))))
    moves = [abs(p["units"] / CURRENT[p["id"]] - 1) for p in free["programmes"]]
    assert max(moves) > 0.3  # the free optimum reshuffles ...
    assert bounded["totals"]["weighted_coverage"] <= free["totals"]["weighted_coverage"]
    # ... and the department figures carry the current plan's cost beside the optimum.
    culture = next(d for d in bounded["departments"] if d["id"] == "culture")
    assert culture["current_spend"] == pytest.approx(20 * 10)


def test_a_programme_own_max_change_overrides_the_scenario(tmp_path: Path) -> None:
    path = variant(tmp_path, 0.5)
    path.write_text(
        path.read_text().replace(
            "art-school: {current_units: 20.0}", "art-school: {current_units: 20.0, max_change: 0}"
        )
    )
    doc = to_json(solve_scenario(load_scenario(path)))
    art = next(p for p in doc["programmes"] if p["id"] == "art-school")
    assert art["units"] == pytest.approx(20)


def test_department_sheet_shows_current_against_optimized(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from pazos_budget.reports.excel import write_workbook

    result = solve_scenario(load_scenario(variant(tmp_path, 0.3)))
    out = tmp_path / "w.xlsx"
    write_workbook(result, out, lang="en", inputs=[])
    book = load_workbook(out)
    texts = {
        str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value
    }
    assert "Current plan against the optimized allocation" in texts
    assert "Current units" in texts
