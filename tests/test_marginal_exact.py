"""Marginal values only from exact solves: a plan or a re-solve that stopped at a limit
(status feasible) gives no value, and every output says so plainly."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from pazos_budget import analysis
from pazos_budget.analysis import marginal_values
from pazos_budget.loader import load_scenario
from pazos_budget.marginal import MARGINAL_FIGURES, MarginalValue
from pazos_budget.pipeline import solve_scenario
from pazos_budget.reports.labels import Labels
from pazos_budget.result import Result
from pazos_budget.solve import SolveOptions, Status

MINIMAL = Path(__file__).resolve().parent.parent / "examples" / "minimal.yaml"


@pytest.fixture(scope="module")
def base() -> Result:
    return solve_scenario(load_scenario(MINIMAL))


def _feasible(r: Result) -> Result:
    """The same plan as if its solve had stopped at a limit."""
    return dataclasses.replace(r, status=Status.FEASIBLE)


def _assert_no_value(entry: MarginalValue, code: str) -> None:
    assert entry.exact is False
    assert entry.reason_code == code
    assert entry.reason is not None and entry.reason.startswith("not computed: ")
    for key in MARGINAL_FIGURES:
        assert getattr(entry, key) is None, key


def test_exact_solves_give_values(base: Result) -> None:
    values = marginal_values(load_scenario(MINIMAL), base, SolveOptions(), jobs=1)
    assert values and all(v.exact is True and v.reason is None for v in values)
    assert all(isinstance(v.youth_reached, float) for v in values)


def test_a_plan_stopped_at_a_limit_gives_no_value(
    base: Result, monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("no re-solve can make a feasible plan's difference exact")

    monkeypatch.setattr(analysis, "_solve_variant", never)
    values = marginal_values(load_scenario(MINIMAL), _feasible(base), SolveOptions())
    assert len(values) == 3  # the total budget and two envelopes
    for v in values:
        _assert_no_value(v, "plan_not_optimal")
        assert "not proven optimal" in (v.reason or "")


def test_a_re_solve_stopped_at_a_limit_gives_no_value(
    base: Result, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = analysis._solve_variant
    total = load_scenario(MINIMAL).scenario.budget.total

    def stopped(loaded: Any, variant: Any, *args: Any) -> Any:
        more = real(loaded, variant, *args)
        assert isinstance(more, Result)
        if variant.budget.total > total:
            return _feasible(more)  # the total budget's re-solve hit its limit
        return more

    monkeypatch.setattr(analysis, "_solve_variant", stopped)
    values = marginal_values(load_scenario(MINIMAL), base, SolveOptions(), jobs=1)
    _assert_no_value(values[0], "resolve_not_optimal")
    assert "was stopped (time limit or Ctrl-C)" in (values[0].reason or "")
    assert all(v.exact for v in values[1:])
    # Said plainly in the terminal and in both workbook languages; the English workbook
    # says what the terminal says.
    line = Labels("en", "COP millions").marginal_sentence(values[0])
    assert line == f"10 more (COP millions) for the total budget: {values[0].reason}."
    es = Labels("es", "COP millones").marginal_sentence(values[0])
    assert "no se calculó" in es and "no sería exacta" in es


def test_a_failed_re_solve_gives_no_value(base: Result, monkeypatch: pytest.MonkeyPatch) -> None:
    from pazos_budget.errors import SolverError

    def failed(*args: Any) -> SolverError:
        return SolverError("highs failed: boom")

    monkeypatch.setattr(analysis, "_solve_variant", failed)
    monkeypatch.setattr(analysis, "_prover", lambda *a: lambda variant: None)
    values = marginal_values(load_scenario(MINIMAL), base, SolveOptions())
    for v in values:
        _assert_no_value(v, "resolve_failed")
        assert v.error == "highs failed: boom"
        assert v.reason == "not computed: the re-solve failed (highs failed: boom)"


def test_the_total_budgets_name_is_in_the_scenarios_language(
    base: Result, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`name` of the total budget's entry: the scenario's language (a department's name is
    the scenario's own data). No re-solve is needed to say it."""
    monkeypatch.setattr(analysis, "_solve_variant", lambda *a: pytest.fail("no re-solve"))
    english = marginal_values(load_scenario(MINIMAL), _feasible(base), SolveOptions())
    assert english[0].name == "total budget"
    spanish_file = tmp_path / "minimal-es.yaml"
    text = MINIMAL.read_text(encoding="utf-8").replace("  language: en\n", "  language: es\n")
    spanish_file.write_text(text, encoding="utf-8")
    spanish = marginal_values(load_scenario(spanish_file), _feasible(base), SolveOptions())
    assert spanish[0].name == "presupuesto total"
    assert spanish[0].to_json()["name"] == "presupuesto total"
    assert [v.name for v in spanish[1:]] == [v.name for v in english[1:]]
