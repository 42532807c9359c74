"""One plan however a scenario is run, and the batch documents of compare and sweep.

Every shipped scenario and example is solved alone (`solve --json`, once per session, see
conftest.cli_solve_alone) and inside `compare -j 2` (all of them in one batch, in reverse
order); Palmira and every example also as the matching point of `sweep` (scale 1.0, and
Palmira at its own budget). The allocation and the whole JSON document must be the same,
the solver's seconds aside.
`compare --json` and `sweep --json` write `pazos-budget/batch@1`: one result@1 document
per scenario or point, in order, checked and written like every other output.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from conftest import (
    ROOT,
    SHIPPED,
    SHIPPED_INFEASIBLE,
    cli_solve_alone,
    shipped_params,
    tiny_cluster,
    tiny_programme,
    tiny_scenario,
    without_timings,
)
from pazos_budget import analysis
from pazos_budget.analysis import (
    BATCH_SCHEMA,
    comparison_json,
    sweep,
    sweep_json,
)
from pazos_budget.cli import app
from pazos_budget.errors import PazosBudgetError
from pazos_budget.loader import LoadedScenario, load_scenario
from pazos_budget.pipeline import solve_scenario
from pazos_budget.result import SCHEMA, Result
from pazos_budget.solve import SolveOptions

runner = CliRunner()
FEASIBLE = [p for p in SHIPPED if p.name not in SHIPPED_INFEASIBLE]
PALMIRA = ROOT / "scenarios" / "palmira-2023.yaml"
MINIMAL = ROOT / "examples" / "minimal.yaml"


def ids(paths: list[Path]) -> list[str]:
    return [str(p.relative_to(ROOT)) for p in paths]


def allocation(doc: dict[str, Any]) -> dict[str, dict[str, float]]:
    """programme -> cluster -> units (city-wide under "*"), from a result@1 document."""
    return {
        p["id"]: (dict(p["clusters"]) if p["clusters"] else {"*": p["units"]})
        for p in doc["programmes"]
    }


def assert_same_plan(doc: dict[str, Any], alone: dict[str, Any], how: str) -> None:
    assert allocation(doc) == allocation(alone), f"{how}: a different allocation"
    assert without_timings(doc) == without_timings(alone), f"{how}: a different document"


# --------------------------------------------------------------------------- one plan
def test_a_solve_gets_the_same_options_whatever_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cause of issue 12's "compare -j 2 gives another base plan": each solve of a
    parallel batch ran with one solver thread while a solve alone ran with HiGHS's
    default (half the machine's cores). A solve's options must not depend on -j: here
    the marginal values' re-solves, on 1, 2 and 3 threads."""
    loaded = load_scenario(MINIMAL)
    base = solve_scenario(loaded)
    seen: list[tuple[int, SolveOptions]] = []

    def record(loaded: LoadedScenario, options: SolveOptions, **_: Any) -> Any:
        seen.append((jobs, options))
        return PazosBudgetError("not solved here")

    monkeypatch.setattr(analysis, "solve_scenario", record)
    monkeypatch.setattr(analysis, "_prover", lambda *a: lambda variant: None)  # re-solve all
    options = SolveOptions(time_limit=30.0)
    for jobs in (1, 2, 3):
        analysis.marginal_values(loaded, base, options, jobs=jobs)
    assert {j for j, _ in seen} == {1, 2, 3} and len(seen) == 9  # 3 money sources each
    assert {opts for _, opts in seen} == {options}
    # ... and a solve alone uses a fixed thread count, not one chosen by the machine.
    assert isinstance(SolveOptions().threads, int) and SolveOptions().threads >= 1


#: In the compare test: Palmira, its 10% cut and every example. The other Palmira
#: variants are left out only for time (two of them take 30-40 s a solve on two cores);
#: they are solved alone by test_examples_solve.
COMPARED = [
    p
    for p in FEASIBLE
    if p.parent.name == "examples" or p.stem in ("palmira-2023", "palmira-2023-recorte-10")
]


@pytest.mark.slow
def test_compare_j2_gives_every_scenario_its_plan_alone(tmp_path: Path) -> None:
    """CLI level: Palmira, its cut and every feasible example in one `compare -j 2
    --json`, in reverse order (so none is where a run alone would put it), against
    `solve --json` of each."""
    files = list(reversed(COMPARED))
    out, doc_path = tmp_path / "council.xlsx", tmp_path / "council.json"
    args = ["compare", *map(str, files), "-j", "2", "-o", str(out), "--json", str(doc_path)]
    args += ["--lang", "en"]  # the messages below; Palmira alone would speak Spanish
    run = runner.invoke(app, args)
    assert run.exit_code == 0, run.output
    assert f"JSON results written to {doc_path}" in run.output
    doc = json.loads(doc_path.read_text(encoding="utf-8"))
    assert doc["schema"] == BATCH_SCHEMA and doc["command"] == "compare"
    assert [r["schema"] for r in doc["results"]] == [SCHEMA] * len(files)
    for path, entry in zip(files, doc["results"], strict=True):
        alone = cli_solve_alone(path)
        assert alone.exit_code == 0, alone.output
        assert_same_plan(entry, alone.doc, f"{path.name} in compare -j 2")
    # What the council sees of the 10% cut: less spend, fewer youth, fewer participations.
    by_id = {r["scenario"]["id"]: r["totals"] for r in doc["results"]}
    base, cut = by_id["palmira-2023"], by_id["palmira-2023-recorte-10"]
    for key in ("spend", "youth_reached", "participations", "weighted_coverage"):
        assert cut[key] < base[key], key


#: Palmira and every example as a sweep point (the Palmira variants are in the compare
#: test above; each costs a full solve, 5 to 25 s on two busy cores).
SWEPT = [PALMIRA, *(p for p in FEASIBLE if p.parent.name == "examples")]


# Palmira's point: a sweep and the plan alone, about 20 s of CPU.
@pytest.mark.parametrize("path", shipped_params(SWEPT, frozenset({PALMIRA.name})), ids=ids(SWEPT))
def test_sweep_point_is_the_plan_alone(path: Path) -> None:
    """Library level: the sweep point at scale 1.0 (and, for Palmira, at its own total
    budget) is the solve alone, in the batch document too."""
    alone = cli_solve_alone(path).doc
    loaded = load_scenario(path)
    sweeps = [sweep(loaded, SolveOptions(), scales=[1.0], jobs=2)]
    if path == PALMIRA:
        sweeps.append(sweep(loaded, SolveOptions(), totals=[loaded.scenario.budget.total]))
    for sw in sweeps:
        (point,) = sw.points
        assert isinstance(point.result, Result), point.error
        (entry,) = sweep_json(sw)["results"]
        key = "scale" if point.scale is not None else "budget"
        assert entry[key] == (1.0 if key == "scale" else loaded.scenario.budget.total)
        assert_same_plan(entry, alone, f"{path.name} as the sweep point {key}")


# --------------------------------------------------------------------------- batch@1
def hard_reach() -> LoadedScenario:
    """A hard target of 60 distinct youth of 100: about 92 participations, so infeasible
    with a budget of 40, feasible with 100."""
    return tiny_scenario(
        total=120,
        clusters=[tiny_cluster("c1", 100)],
        programmes=[tiny_programme("p1", "d1", 1.0, clusters=["c1"], youth=1.0)],
        targets=[{"id": "hard", "kind": "youth_reach", "at_least": 60, "hard": True}],
    )


def test_sweep_json_keeps_every_point_in_order() -> None:
    """A point that is infeasible is a result@1 document with its diagnosis, in place."""
    sw = sweep(hard_reach(), SolveOptions(), totals=[40.0, 100.0, 120.0], jobs=2)
    doc = sweep_json(sw)
    assert doc["schema"] == BATCH_SCHEMA and doc["command"] == "sweep"
    assert not doc["interrupted"] and doc["not_solved"] == []
    assert [r["budget"] for r in doc["results"]] == [40.0, 100.0, 120.0]
    assert all("scale" not in r for r in doc["results"])
    assert [r["schema"] for r in doc["results"]] == [SCHEMA] * 3
    assert [r["status"] for r in doc["results"]] == ["infeasible", "optimal", "optimal"]
    infeasible = doc["results"][0]
    assert infeasible["diagnosis"] and infeasible["totals"]["budget"] == 40.0
    for r, p in zip(doc["results"][1:], sw.points[1:], strict=True):
        assert p.result is not None
        assert r["totals"]["spend"] == pytest.approx(p.result.spend)


def test_interrupted_sweep_json_lists_what_was_not_solved() -> None:
    def interrupt_after_one(i: int) -> None:
        raise KeyboardInterrupt

    sw = sweep(
        load_scenario(MINIMAL),
        SolveOptions(),
        scales=[0.5, 1.0],
        jobs=1,
        on_done=interrupt_after_one,
    )
    doc = sweep_json(sw)
    assert doc["interrupted"] is True
    assert [r["scale"] for r in doc["results"]] == [0.5]
    assert doc["not_solved"] == [{"scale": 1.0}]


def test_comparison_json_is_one_result_per_scenario() -> None:
    loaded = [load_scenario(MINIMAL), hard_reach()]
    comparison = analysis.compare(loaded, SolveOptions(), jobs=2)
    doc = comparison_json(comparison)
    assert [r["scenario"]["id"] for r in doc["results"]] == comparison.names
    assert json.loads(json.dumps(doc, allow_nan=False)) == doc


def test_cli_sweep_json(tmp_path: Path) -> None:
    out, doc_path = tmp_path / "frontier.xlsx", tmp_path / "frontier.json"
    args = ["sweep", str(MINIMAL), "--budget", "400:800:200", "-o", str(out)]
    run = runner.invoke(app, [*args, "--json", str(doc_path), "-j", "2"])
    assert run.exit_code == 0, run.output
    assert f"Workbook written to {out} and JSON results to {doc_path}" in run.output
    doc = json.loads(doc_path.read_text(encoding="utf-8"))
    assert [r["budget"] for r in doc["results"]] == [400.0, 600.0, 800.0]
    assert [r["totals"]["budget"] for r in doc["results"]] == [400.0, 600.0, 800.0]


@pytest.mark.parametrize("command", ["compare", "sweep"])
@pytest.mark.parametrize("case", ["same-as-output", "missing-folder", "the-scenario"])
def test_cli_batch_json_checked_before_solving(
    command: str, case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_solve(*_: Any, **__: Any) -> None:
        raise AssertionError("solved before checking the outputs")

    monkeypatch.setattr(analysis, "solve_scenario", no_solve)
    scenario = tmp_path / "minimal.yaml"
    scenario.write_bytes(MINIMAL.read_bytes())
    before = scenario.read_bytes()
    out = tmp_path / "out.xlsx"
    target, message = {
        "same-as-output": (out, "is the same file as --output"),
        "missing-folder": (tmp_path / "nope" / "r.json", "does not exist"),
        "the-scenario": (scenario, "is the input file"),
    }[case]
    args = [str(scenario), str(scenario)] if command == "compare" else [str(scenario)]
    if command == "sweep":
        args += ["--scale", "0.5:1:0.5"]
    run = runner.invoke(app, [command, *args, "-o", str(out), "--json", str(target)])
    assert message in run.output
    if case == "same-as-output":
        assert run.exit_code == 2, run.output
    else:  # refused exactly as `solve --json` refuses the same path
        alone = runner.invoke(app, ["solve", str(scenario), "-q", "--json", str(target)])
        assert message in alone.output
        assert run.exit_code == alone.exit_code != 0, run.output
    assert not out.exists()
    assert scenario.read_bytes() == before
