"""Several good plans (`solve --alternatives K`): each alternative checked independently.

The independent check reuses the second formulation of tests/test_independent.py
(`reference_stages`, scipy's milp, written from the contract's words): the optimum of
every stage, and each alternative's allocation fixed in that formulation, which must
be feasible (every hard constraint) and give stage values with every priority stage at
the optimum and every final stage within the gap. Its `difference` is recomputed from
the JSON by the contract's formula: half the sum over (programme, cluster) cells of
|spend in the alternative - spend in the plan|, divided by the plan's total spend.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from openpyxl import load_workbook
from pydantic import ValidationError

from conftest import (
    PULP_4_DEPRECATIONS,
    ROOT,
    KnownSolveBug,
    found,
    invoke_cli,
    random_scenario_data,
    solve_json_or_none,
    tiny_cluster,
    tiny_loaded,
    tiny_programme,
    tiny_scenario,
)
from pazos_budget import alternatives as alt_module
from pazos_budget.alternatives import (
    AlternativeOptions,
    alternatives_json,
    check_held,
    find_alternatives,
    held_model,
    plan_start,
)
from pazos_budget.errors import VerificationError
from pazos_budget.loader import LoadedScenario, load_scenario
from pazos_budget.model import build_model
from pazos_budget.pipeline import solve_scenario
from pazos_budget.result import to_json
from pazos_budget.scenario import Scenario
from pazos_budget.solve import SolveControl, SolveOptions, Status
from pazos_budget.tolerances import HOLD_RELATIVE_TOLERANCE
from test_independent import ReferenceInfeasible, reference_stages

pytestmark = PULP_4_DEPRECATIONS

#: Shipped examples with room for alternatives (infeasible.yaml has no plan).
EXAMPLES = ["minimal", "cofunding", "hard-vs-soft", "what-if-cut", "sweep-frontier"]
REL = 1e-6
#: Absolute slack of "held": the solver's feasibility tolerance (1e-7 on a scaled row)
#: and the slivers the figures snap away (see test_independent.NOISE).
ABS = 1e-5
#: Absolute slack of a difference (a share of the plan's spend) recomputed from the units
#: the JSON writes: each written figure is rounded at NOISE_REL (1e-9) relative, so the
#: spend moved between two plans, a difference of spends, carries about 1e-9 of the two
#: plans' spend, however small the amount moved (tests/data/found/alternative-difference-
#: rounding.json: 1.15e-8 relative on a difference of 0.0135).
WRITTEN_DIFFERENCE = 1e-8
MAXIMIZED = ("maximize_weighted_reach", "maximize_min_coverage")


# --------------------------------------------------------------------------- helpers
def cell_spend(s: Scenario, doc: dict[str, Any]) -> dict[tuple[str, str | None], float]:
    """unit_cost x units per (programme, cluster) cell, read from a JSON document."""
    cost = {p.id: p.unit_cost for p in s.programmes}
    out: dict[tuple[str, str | None], float] = {}
    for pr in doc["programmes"]:
        if pr["clusters"]:
            for cid, units in pr["clusters"].items():
                out[(pr["id"], cid)] = cost[pr["id"]] * units
        elif pr["units"]:
            out[(pr["id"], None)] = cost[pr["id"]] * pr["units"]
    return out


def allocation(
    doc: dict[str, Any],
) -> tuple[dict[tuple[str, str | None], float], dict[str, bool]]:
    units: dict[tuple[str, str | None], float] = {}
    for pr in doc["programmes"]:
        if pr["clusters"]:
            for cid, u in pr["clusters"].items():
                units[(pr["id"], cid)] = float(u)
        elif pr["units"]:
            units[(pr["id"], None)] = float(pr["units"])
    return units, {pr["id"]: bool(pr["funded"]) for pr in doc["programmes"]}


def contract_difference(s: Scenario, plan: dict[str, Any], other: dict[str, Any]) -> float:
    a, b = cell_spend(s, plan), cell_spend(s, other)
    moved = 0.5 * sum(abs(a.get(k, 0.0) - b.get(k, 0.0)) for k in set(a) | set(b))
    return moved / float(plan["totals"]["spend"])


def check_independently(
    loaded: LoadedScenario, doc: dict[str, Any], gap: float, min_difference: float, noise: float
) -> None:
    """Every alternative of `doc` (a `solve --alternatives` document) against the
    reference formulation: hard constraints, every stage held, final within the gap,
    its difference by the contract's formula, and at least min_difference from the plan
    and from every alternative before it."""
    s = loaded.scenario
    best = reference_stages(s)
    earlier = [doc]
    for entry in doc["alternatives"]:
        try:
            values = reference_stages(s, allocation(entry))
        except ReferenceInfeasible:
            pytest.fail(f"alternative {entry['alternative']} breaks a hard constraint")
        assert len(values) == len(best) == len(entry["stages"])
        for st, v, b in zip(entry["stages"], values, best, strict=True):
            slack = REL * max(1.0, abs(b)) + noise
            if "priority" in st:
                assert v <= b + slack, f"priority {st['priority']} not held: {v} > {b}"
            elif st["final"] in MAXIMIZED:
                assert v >= b - gap * abs(b) - slack, f"{st['final']}: {v} below {b} by > gap"
            else:
                assert v <= b + gap * abs(b) + slack, f"{st['final']}: {v} above {b} by > gap"
            # the product's own figures are this allocation's
            assert st["objective"] == pytest.approx(v, rel=REL, abs=slack)
        assert entry["difference"] == pytest.approx(
            contract_difference(s, doc, entry), rel=1e-8, abs=WRITTEN_DIFFERENCE
        )
        closest = min(contract_difference(s, doc | e, entry) for e in earlier)
        assert closest >= min_difference - WRITTEN_DIFFERENCE
        assert entry["closest_difference"] == pytest.approx(
            closest, rel=1e-8, abs=WRITTEN_DIFFERENCE
        )
        # ... and by the product's own rule, on the figures it wrote
        assert entry["closest_difference"] >= min_difference
        earlier.append({"programmes": entry["programmes"]})


def solve_with_alternatives(loaded: LoadedScenario, wanted: AlternativeOptions) -> dict[str, Any]:
    options = SolveOptions()
    plan = solve_scenario(loaded, options)
    return to_json(plan) | alternatives_json(find_alternatives(loaded, plan, options, wanted))


def unique_plan() -> LoadedScenario:
    """One programme, one cluster, all the money needed: the plan is the only good one."""
    return tiny_scenario(
        total=100,
        clusters=[tiny_cluster("c1", 1000)],
        programmes=[tiny_programme("p", "d1", 10, youth=5)],
    )


def two_equal_clusters() -> LoadedScenario:
    """The same programme in two equal clusters: putting the money in the other one is
    an alternative as good as the plan (its difference is 1: all the money moved)."""
    return tiny_scenario(
        total=100,
        clusters=[tiny_cluster("c1", 1000), tiny_cluster("c2", 1000)],
        programmes=[
            tiny_programme("p", "d1", 10, youth=5, clusters=["c1"]),
            tiny_programme("q", "d1", 10, youth=5, clusters=["c2"]),
        ],
        reach_model="participations",
    )


# --------------------------------------------------------------------------- examples
@pytest.mark.parametrize("name", EXAMPLES)
def test_examples_alternatives_hold_every_stage(name: str) -> None:
    loaded = load_scenario(ROOT / "examples" / f"{name}.yaml")
    wanted = AlternativeOptions(2, gap=0.01, min_difference=0.01)
    doc = solve_with_alternatives(loaded, wanted)
    assert doc["alternatives"], doc["alternatives_note"]
    check_independently(loaded, doc, wanted.gap, wanted.min_difference, ABS)


def test_a_hand_solved_alternative() -> None:
    """Two equal clusters: the plan funds one (the tie-break's pick), the alternative the
    other, with the same reach; everything moved, so the difference is 1."""
    doc = solve_with_alternatives(two_equal_clusters(), AlternativeOptions(3))
    (alt,) = doc["alternatives"]
    plan_cells = {k for k, v in cell_spend(two_equal_clusters().scenario, doc).items() if v}
    alt_cells = {k for k, v in cell_spend(two_equal_clusters().scenario, alt).items() if v}
    assert plan_cells.isdisjoint(alt_cells)
    assert alt["difference"] == pytest.approx(1.0)
    assert alt["stages"][-1]["objective"] == pytest.approx(doc["stages"][-1]["objective"])
    assert "only 1 of 3 alternatives" in doc["alternatives_note"]


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(data=random_scenario_data())
def test_random_alternatives_match_the_independent_formulation(data: dict[str, Any]) -> None:
    try:
        loaded = tiny_loaded(data)
    except ValidationError:
        assume(False)
        return
    try:
        if solve_json_or_none(loaded, "highs") is None:
            assume(False)  # infeasible: no plan, no alternatives
            return
    except KnownSolveBug:
        assume(False)
        return
    wanted = AlternativeOptions(2, gap=0.05, min_difference=0.01)
    doc = solve_with_alternatives(loaded, wanted)
    event(f"alternatives found: {len(doc['alternatives'])}")
    assert (doc["alternatives_note"] is None) == (len(doc["alternatives"]) == 2)
    check_independently(loaded, doc, wanted.gap, wanted.min_difference, 1e-4)


def test_a_difference_recomputed_from_written_units_agrees_within_their_rounding() -> None:
    """A found case: the alternative's difference, recomputed from the rounded units the
    JSON writes, is 1.15e-8 relative off (within WRITTEN_DIFFERENCE, not within 1e-8
    relative); the product's own figure is the exact one of its unrounded plan."""
    loaded = tiny_loaded(found("alternative-difference-rounding"))
    wanted = AlternativeOptions(2, gap=0.05, min_difference=0.01)
    doc = solve_with_alternatives(loaded, wanted)
    assert doc["alternatives"], "the found case has alternatives"
    check_independently(loaded, doc, wanted.gap, wanted.min_difference, 1e-4)
    s, earlier, worst = loaded.scenario, [doc], 0.0
    for entry in doc["alternatives"]:
        closest = min(contract_difference(s, doc | e, entry) for e in earlier)
        off = abs(entry["closest_difference"] - closest)
        assert off <= WRITTEN_DIFFERENCE
        worst = max(worst, off / closest)
        earlier.append({"programmes": entry["programmes"]})
    # the case still shows what it was pinned for: beyond 1e-8 relative
    assert worst > 1e-8


# --------------------------------------------------------------------------- no difference
def test_no_alternative_is_invented_where_the_plan_is_the_only_one(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    path = tmp_path / "unique.yaml"
    path.write_text(json.dumps(unique_plan().data), encoding="utf-8")
    run = invoke_cli("solve", str(path), "--alternatives", "3", "--json", str(out))
    assert run.exit_code == 0, run.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["alternatives"] == []
    note = doc["alternatives_note"]
    assert note.startswith("no alternative within 1.00% of the best differs from the plan")
    assert f"alternatives: {note}" in run.output.replace("\n", " ")


def test_min_difference_filters_alternatives() -> None:
    """minimal.yaml's alternative moves about 10% of the spend: asked for 50%, none."""
    loaded = load_scenario(ROOT / "examples" / "minimal.yaml")
    doc = solve_with_alternatives(loaded, AlternativeOptions(2, min_difference=0.5))
    assert doc["alternatives"] == []
    assert "at least 50.00% of its spend" in doc["alternatives_note"]


# --------------------------------------------------------------------------- the same plans
def test_the_same_alternatives_however_run(tmp_path: Path) -> None:
    """solve --alternatives twice and compare --alternatives: the same allocations."""
    example = str(ROOT / "examples" / "what-if-cut.yaml")
    docs = []
    for k in range(2):
        out = tmp_path / f"r{k}.json"
        run = invoke_cli("solve", example, "-q", "--alternatives", "2", "--json", str(out))
        assert run.exit_code == 0, run.output
        docs.append(json.loads(out.read_text(encoding="utf-8")))
    assert docs[0]["alternatives"] == docs[1]["alternatives"]
    batch = tmp_path / "c.json"
    book = tmp_path / "c.xlsx"
    run = invoke_cli(
        "compare", example, "--alternatives", "2", "-o", str(book), "--json", str(batch)
    )
    assert run.exit_code == 0, run.output
    compared = json.loads(batch.read_text(encoding="utf-8"))
    found = docs[0]["alternatives"]
    assert len(compared["results"]) == 1 + len(found)
    assert compared["results"][0]["programmes"] == docs[0]["programmes"]
    for entry, result in zip(found, compared["results"][1:], strict=True):
        assert result["programmes"] == entry["programmes"]
    assert compared["differences"] == [0.0, *(e["difference"] for e in found)]
    # the council workbook sets the plans side by side under their names
    first = load_workbook(book).worksheets[0]
    texts = {c for row in first.iter_rows(values_only=True) for c in row if isinstance(c, str)}
    assert {"Plan", *(f"Alternative {e['alternative']}" for e in found)} <= texts


@pytest.mark.parametrize(
    ("lang", "plan", "alternative", "change"),
    [("es", "Plan", "Alternativa", "Variación"), ("en", "Plan", "Alternative", "Change")],
)
def test_compare_alternatives_names_the_plans_in_the_run_s_language(
    tmp_path: Path, lang: str, plan: str, alternative: str, change: str
) -> None:
    """The workbook (every sheet) and the terminal name the plans in the run's language;
    the ids `plan`, `alternative-1` stay the JSON's, where no person reads them."""
    book = tmp_path / "c.xlsx"
    example = str(ROOT / "examples" / "minimo-es.yaml")
    run = invoke_cli("compare", example, "--alternatives", "1", "--lang", lang, "-o", str(book))
    assert run.exit_code == 0, run.output
    assert f"{plan} (base)" in run.output
    assert f"{alternative} 1" in run.output
    assert "alternative-" not in run.output
    wb = load_workbook(book)
    for ws in wb.worksheets:
        texts = [c for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
        assert not [t for t in texts if "alternative-" in t], ws.title
    first = wb.worksheets[0]
    texts = {c for row in first.iter_rows(values_only=True) for c in row if isinstance(c, str)}
    assert {plan, f"{alternative} 1", f"{change}: {alternative} 1"} <= texts
    trace = {c for row in wb.worksheets[-1].iter_rows(values_only=True) for c in row}
    assert {plan, f"{alternative} 1"} <= trace
    loaded = load_scenario(ROOT / "examples" / "minimo-es.yaml")
    comparison, _ = alt_module.compare_alternatives(loaded, SolveOptions(), AlternativeOptions(1))
    assert comparison.names == ["plan", "alternative-1"]
    assert comparison.shown(lang) == [plan, f"{alternative} 1"]


# --------------------------------------------------------------------------- workbook
@pytest.mark.parametrize(
    ("lang", "sheet", "robust"),
    [("es", "Alternativas", "Robusta"), ("en", "Alternatives", "Robust")],
)
def test_workbook_sheet_shows_robust_and_free_decisions(
    tmp_path: Path, lang: str, sheet: str, robust: str
) -> None:
    book = tmp_path / "a.xlsx"
    example = str(ROOT / "examples" / "minimal.yaml")
    run = invoke_cli("solve", example, "-q", "--alternatives", "2", "-o", str(book), "--lang", lang)
    assert run.exit_code == 0, run.output
    wb = load_workbook(book)
    assert wb.sheetnames[1] == sheet
    cells = [c for row in wb[sheet].iter_rows(values_only=True) for c in row if c is not None]
    texts = [c for c in cells if isinstance(c, str)]
    assert any(t.startswith(robust) for t in texts)
    free = "Libre elección" if lang == "es" else "Free choice"
    assert any(t.startswith(free) for t in texts)
    # the plan's spend and the alternative's, as numbers: 1,000 and about 997.2
    assert 1000.0 in cells
    assert any(isinstance(c, float) and 997 < c < 998 for c in cells)


def test_workbook_without_alternatives_says_why(tmp_path: Path) -> None:
    path = tmp_path / "unique.yaml"
    path.write_text(json.dumps(unique_plan().data), encoding="utf-8")
    book = tmp_path / "a.xlsx"
    run = invoke_cli("solve", str(path), "-q", "--alternatives", "2", "-o", str(book))
    assert run.exit_code == 0, run.output
    texts = [
        c for row in load_workbook(book)["Alternatives"].iter_rows(values_only=True) for c in row
    ]
    assert any(isinstance(t, str) and t.startswith("No alternative within 1%") for t in texts)


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--alternatives", "0"], "--alternatives 0: give a number of alternatives from 1 to 20"),
        (["--alternatives", "2", "--gap", "1.5"], "--gap 1.5: give a relative gap"),
        (["--alternatives", "2", "--min-difference", "-1"], "--min-difference -1: give a share"),
        (["--gap", "0.05"], "--gap and --min-difference need --alternatives K"),
    ],
)
def test_bad_alternative_options_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    out = tmp_path / "r.json"
    run = invoke_cli("solve", str(ROOT / "examples" / "minimal.yaml"), *args, "--json", str(out))
    assert run.exit_code == 2
    assert message in run.output
    assert not out.exists()


def test_compare_alternatives_takes_one_scenario(tmp_path: Path) -> None:
    example = str(ROOT / "examples" / "minimal.yaml")
    run = invoke_cli(
        "compare", example, example, "--alternatives", "2", "-o", str(tmp_path / "c.xlsx")
    )
    assert run.exit_code == 2
    assert "compare --alternatives K takes one scenario" in run.output


# --------------------------------------------------------------------------- safety nets
def test_check_held_catches_a_stage_given_away() -> None:
    """The stage check fails on an alternative that gives up reach beyond the gap."""
    loaded = load_scenario(ROOT / "examples" / "minimal.yaml")
    plan = solve_scenario(loaded, SolveOptions())
    alts = find_alternatives(loaded, plan, SolveOptions(), AlternativeOptions(1))
    (alt,) = alts.found
    assert check_held(plan, alt.result, 0.01) == []
    assert check_held(plan, alt.result, 0.001)  # it is 1% below, not 0.1%


def test_a_held_model_that_leaves_the_gap_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """Break the held model on purpose (a gap 50 times wider than asked): the
    independent stage check refuses the alternative."""
    real = alt_module.held_model

    def too_loose(model: Any, plan: Any, gap: float, overlap: Any, tolerance: float) -> Any:
        return real(model, plan, gap * 50, overlap, tolerance)

    monkeypatch.setattr(alt_module, "held_model", too_loose)
    loaded = load_scenario(ROOT / "examples" / "minimal.yaml")
    plan = solve_scenario(loaded, SolveOptions())
    with pytest.raises(VerificationError, match=r"more than 1\.00% below the plan's"):
        find_alternatives(loaded, plan, SolveOptions(), AlternativeOptions(1))


def test_a_stopped_search_keeps_what_it_found_and_says_so() -> None:
    """Ctrl-C (SolveControl.stop) during the search: no half-solved alternative, a note."""
    loaded = load_scenario(ROOT / "examples" / "minimal.yaml")
    plan = solve_scenario(loaded, SolveOptions())
    control = SolveControl()
    control.stop()
    alts = find_alternatives(loaded, plan, SolveOptions(control=control), AlternativeOptions(2))
    assert alts.found == []
    assert alts.note == "interrupted: 0 of 2 alternatives found before the search was stopped"


def test_no_alternatives_from_a_plan_that_is_not_optimal() -> None:
    loaded = load_scenario(ROOT / "examples" / "minimal.yaml")
    plan = solve_scenario(loaded, SolveOptions())
    plan.status = Status.FEASIBLE  # as after a time limit
    alts = find_alternatives(loaded, plan, SolveOptions(), AlternativeOptions(2))
    assert alts.found == []
    assert alts.note is not None and "not a proven optimum" in alts.note


def test_the_plan_meets_every_hold_of_its_alternatives() -> None:
    """The held model is the plan's own model plus holds the plan meets: the plan, as a
    start (`plan_start`, an integer scenario), is feasible for every row and bound."""
    loaded = tiny_scenario(
        total=95,
        clusters=[tiny_cluster("c1", 300), tiny_cluster("c2", 200)],
        programmes=[
            tiny_programme("p", "d1", 10, youth=7, integer=True, fixed_cost=5),
            tiny_programme("q", "d1", 4, youth=2, clusters=["c2"], integer=True),
        ],
        targets=[{"id": "r", "kind": "youth_reach", "share": 0.1, "priority": 1}],
    )
    options = SolveOptions()
    plan = solve_scenario(loaded, options)
    model = build_model(loaded.scenario)
    start = plan_start(model, plan, options)
    assert start is not None
    held = held_model(model, plan, 0.0, np.zeros(model.n_cols), HOLD_RELATIVE_TOLERANCE)
    # A x, computed here from the model's own CSR arrays (the model has no such method)
    rows = np.repeat(np.arange(held.n_rows), np.diff(held.indptr))
    activity = np.zeros(held.n_rows)
    np.add.at(activity, rows, held.values * start[held.indices])
    slack = 1e-7 * np.maximum(1.0, np.abs(activity))
    assert np.all(activity >= held.row_lower - slack)
    assert np.all(activity <= held.row_upper + slack)
    assert np.all(start >= held.col_lower - 1e-9)
    assert np.all(start <= held.col_upper + 1e-9)


def test_a_failing_alternatives_workbook_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """All the outputs or none, with --alternatives too (outputs.OutputPlan)."""

    def full(*_: Any, **__: Any) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("pazos_budget.reports.alternatives.AlternativesSheet.build", full)
    out, book = tmp_path / "r.json", tmp_path / "r.xlsx"
    example = str(ROOT / "examples" / "minimal.yaml")
    run = invoke_cli(
        "solve", example, "-q", "--alternatives", "1", "--json", str(out), "-o", str(book)
    )
    assert run.exit_code == 1
    assert "No space left on device; no output was written" in run.output
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_the_command_line_defaults_are_the_library_s() -> None:
    """cli.py spells the defaults of --gap and --min-difference without importing the
    search (a quick start for every other command): they must stay the library's."""
    from pazos_budget import cli

    assert (cli.DEFAULT_GAP, cli.DEFAULT_MIN_DIFFERENCE) == (
        alt_module.DEFAULT_GAP,
        alt_module.DEFAULT_MIN_DIFFERENCE,
    )
