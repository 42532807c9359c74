"""Clean numbers: no solver noise in the JSON, no negative zero anywhere.

`clean_figure` rounds to 10 significant digits (so it moves a figure by at most 5e-10
of itself) and writes a figure within 1e-9 of its scale as zero."""

from __future__ import annotations

import json
import math
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pazos_budget.figures import clean_figure
from pazos_budget.i18n import number
from pazos_budget.loader import load_scenario
from pazos_budget.pipeline import solve_scenario
from pazos_budget.reports.excel import write_workbook
from pazos_budget.reports.labels import Labels
from pazos_budget.reports.xlsx import shows_zero
from pazos_budget.result import Result, to_json
from pazos_budget.tolerances import NOISE_REL

MINIMAL = Path(__file__).resolve().parents[1] / "examples" / "minimal.yaml"
finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
scales = st.floats(min_value=0.0, max_value=1e12, allow_nan=False)


@given(finite, scales)
def test_cleaning_moves_a_figure_by_at_most_the_noise(x: float, scale: float) -> None:
    y = clean_figure(x, scale)
    assert abs(y - x) <= NOISE_REL * max(abs(x), abs(scale), 1.0)
    assert math.copysign(1.0, y) == 1.0 or y < 0  # never -0.0


@given(finite, scales)
def test_cleaning_is_idempotent(x: float, scale: float) -> None:
    y = clean_figure(x, scale)
    assert clean_figure(y, scale) == y


@given(st.floats(min_value=1e-3, max_value=1e9), st.floats(min_value=-1.0, max_value=1.0))
def test_solver_noise_is_rounded_away(x: float, noise: float) -> None:
    """A figure that is a round number up to noise of 1e-11 of itself comes back round."""
    round_x = float(f"{x:.6g}")
    assert clean_figure(round_x * (1 + 1e-11 * noise)) == round_x


def test_the_figures_of_the_issue() -> None:
    assert clean_figure(108.50000003) == 108.5
    assert clean_figure(-5.99999112e-07, 16_000) == 0.0
    assert clean_figure(0.200000000001, 16_000) == 0.2
    assert str(clean_figure(-0.0)) == "0.0"
    assert clean_figure(-5.99999112e-07) == -5.99999112e-07  # alone, not noise


@settings(deadline=None)  # the first call reads the CLDR locale data
@given(st.floats(min_value=-1e6, max_value=0.0), st.integers(0, 3))
def test_text_never_shows_negative_zero(x: float, decimals: int) -> None:
    for lang in ("es", "en"):
        text = number(x, decimals, lang)
        assert not (text.startswith("-") and text.strip("-0.,") == "")
        assert not Labels(lang).percent(x / 1e9).startswith("-0")


@pytest.mark.parametrize(
    ("x", "fmt", "zero"),
    [
        (-0.0004, "0.0%", True),
        (-0.0006, "0.0%", False),
        (-0.4, "#,##0", True),
        (-0.6, "#,##0", False),
        (-0.0004, "+0.0%;-0.0%;0.0%", True),
        (-0.0004, "0.000", True),
        (-0.00051, "0.000", False),
    ],
)
def test_shows_zero(x: float, fmt: str, zero: bool) -> None:
    assert shows_zero(x, fmt) is zero


@pytest.fixture(scope="module")
def minimal() -> Result:
    return solve_scenario(load_scenario(MINIMAL))


def walk(doc: object) -> list[float]:
    if isinstance(doc, dict):
        return [x for v in doc.values() for x in walk(v)]
    if isinstance(doc, list):
        return [x for v in doc for x in walk(v)]
    return [doc] if isinstance(doc, float) else []


def test_json_and_workbook_have_no_negative_zero(minimal: Result, tmp_path: Path) -> None:
    doc = json.loads(json.dumps(to_json(minimal)))
    assert all(math.copysign(1.0, x) > 0 or x < 0 for x in walk(doc))
    assert "-0.0," not in json.dumps(doc) and "-0.0}" not in json.dumps(doc)
    for lang in ("es", "en"):
        out = tmp_path / f"{lang}.xlsx"
        write_workbook(minimal, out, lang=lang)
        for ws in openpyxl.load_workbook(out).worksheets:
            for row in ws.iter_rows():
                for c in row:
                    if isinstance(c.value, float) and c.value < 0:
                        assert not shows_zero(c.value, c.number_format or "General"), c
