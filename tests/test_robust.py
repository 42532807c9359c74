"""Ranges, sampled worlds and `robust` (issue 17), on the small example with ranges.

Ranges are validated at their key; a plain solve uses `value`; world k of a seed is the
same whoever draws it; the plan's money held in a world with the scenario's own numbers
gives the plan's figures back, and a world whose costs double buys half the units; the
CLI writes the workbook (es and en, read back) and robust@1. The same figures with one
worker and with a cluster are checked in tests/test_dask_cluster.py.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from conftest import ROOT, invoke_cli, without_timings
from pazos_budget.batch import Engine
from pazos_budget.loader import load_scenario
from pazos_budget.pipeline import solve_scenario
from pazos_budget.reports.labels import Labels
from pazos_budget.reports.robust import CHART_COLUMNS, CHART_FRAME_CM, build_robust
from pazos_budget.reports.xlsx import POINTS_PER_LINE, text_lines
from pazos_budget.result import outcome
from pazos_budget.robust import (
    ROBUST_SCHEMA,
    HeldPlan,
    held_units,
    robust,
    robust_json,
)
from pazos_budget.scenario import Estimate
from pazos_budget.solve import SolveOptions
from pazos_budget.uncertainty import CostFactor, count_ranges, world

UNCERTAIN = ROOT / "examples" / "uncertain-costs.yaml"
MINIMAL = ROOT / "examples" / "minimal.yaml"


def write(tmp_path: Path, old: str, new: str) -> Path:
    text = UNCERTAIN.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "s.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- ranges
@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "{value: 10, low: 8, high: 14}",
            "{value: 10, low: 12, high: 14}",
            ":26:28: programmes[0].unit_cost.low: must not be above value (10)",
        ),
        (
            "{value: 10, low: 8, high: 14}",
            "{value: 10, low: 8, high: 9}",
            ":26:36: programmes[0].unit_cost.high: must not be below value (10)",
        ),
        (
            "{value: 10, low: 8, high: 14}",
            "{value: 10, low: 0, high: 14}",
            ":26:28: programmes[0].unit_cost.low: must be greater than 0",
        ),
        (
            "{value: 10, low: 8, high: 14}",
            "{value: 10, low: 8, hihg: 14}",
            ":26:36: programmes[0].unit_cost.hihg: unknown field 'hihg' (a range has value, "
            "low, high)",
        ),
        (
            "{value: 10, low: 8, high: 14}",
            "{value: 10, low: 8}",
            ":26:5: programmes[0].unit_cost.high: is required (a range is {value, low, high})",
        ),
        (
            "{value: 25, low: 15, high: 30}",
            "{value: 25, low: -1, high: 30}",
            ":28:33: programmes[0].youth_per_unit.low: must be at least 0",
        ),
        (
            "north: {value: 30, low: 20, high: 35}",
            'north: {value: 30, low: "20", high: 35}',
            ":37:41: programmes[1].youth_per_unit.north.low: must be a number",
        ),
        (
            "common_cost_factor: {value: 1, low: 0.95, high: 1.25}",
            "common_cost_factor: {value: 1, low: 1.1, high: 1.25}",
            ":49:34: uncertainty.common_cost_factor.low: must not be above value (1)",
        ),
    ],
)
def test_a_bad_range_is_reported_at_its_key(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    path = write(tmp_path, old, new)
    run = invoke_cli("validate", str(path))
    assert run.exit_code == 2
    assert f"{path}{message}" in run.output.splitlines()


def test_a_plain_solve_uses_value() -> None:
    """The example with ranges solves to the plan of minimal.yaml, its plain twin."""
    with_ranges = solve_scenario(load_scenario(UNCERTAIN))
    plain = solve_scenario(load_scenario(MINIMAL))
    assert [p.clusters for p in with_ranges.programmes] == [p.clusters for p in plain.programmes]
    assert with_ranges.youth_reached == plain.youth_reached
    s = load_scenario(UNCERTAIN).scenario
    cost = s.programmes[0].unit_cost
    assert isinstance(cost, Estimate) and (float(cost), cost.low, cost.high) == (10, 8, 14)
    assert count_ranges(s) == 4


# --------------------------------------------------------------------------- worlds
def test_world_k_is_the_same_whoever_draws_it() -> None:
    s = load_scenario(UNCERTAIN).scenario
    forward = [world(s, 11, k) for k in range(6)]
    backward = [world(s, 11, k) for k in reversed(range(6))][::-1]
    assert forward == backward
    assert world(s, 12, 0) != forward[0]  # another seed, another world
    assert len({w.cost_factor for w in forward}) == 6
    for w in forward:
        p = w.scenario.programmes
        assert 0.95 <= w.cost_factor <= 1.25
        assert 8 * 0.95 <= p[0].unit_cost <= 14 * 1.25
        assert p[2].unit_cost == pytest.approx(5 * w.cost_factor)  # known cost, common factor
        assert not isinstance(p[0].unit_cost, Estimate)  # a world's numbers are plain


def test_draws_follow_the_triangular_distribution() -> None:
    """The mean of a triangular (low, value, high) is their average."""
    s = load_scenario(UNCERTAIN).scenario
    costs = [world(s, 5, k, CostFactor()).scenario.programmes[0].unit_cost for k in range(4000)]
    assert min(costs) >= 8 and max(costs) <= 14
    assert np.mean(costs) == pytest.approx((8 + 10 + 14) / 3, rel=0.01)


def test_the_plan_held_in_its_own_world_is_the_plan() -> None:
    loaded = load_scenario(UNCERTAIN)
    s = loaded.scenario
    plan = solve_scenario(loaded)
    held = HeldPlan.of(s, plan)
    same = outcome(s, held_units(s, held), dict(enumerate(held.paid)))
    assert same.spend == pytest.approx(plan.spend, rel=1e-12)
    assert same.youth_reached == pytest.approx(plan.youth_reached, rel=1e-12)
    assert [t.met for t in same.targets] == [t.met for t in plan.targets]


def test_a_dearer_world_buys_fewer_units_with_the_same_money() -> None:
    loaded = load_scenario(UNCERTAIN)
    s = loaded.scenario
    plan = solve_scenario(loaded)
    dear = world(s, 0, 0, CostFactor(2.0, 2.0, 2.0)).scenario
    held = HeldPlan.of(s, plan)
    units = held_units(dear, held)
    for i, (p, pr) in enumerate(zip(s.programmes, plan.programmes, strict=True)):
        for c, cl in enumerate(s.clusters):
            planned = pr.clusters.get(cl.id, 0.0)
            if not planned:
                continue
            # the money held, an integer programme's too (a year at twice the cost is
            # half a year); each cost is also drawn from its range, then doubled
            bought = planned * p.unit_cost / dear.programmes[i].unit_cost
            assert units[i][c] == pytest.approx(bought, rel=1e-12)
            assert units[i][c] < planned


# --------------------------------------------------------------------------- robust
def test_robust_json_and_an_interrupted_run() -> None:
    loaded = load_scenario(UNCERTAIN)
    r = robust(loaded, SolveOptions(), samples=12, seed=3, engine=Engine(1))
    doc = robust_json(r)
    assert doc["schema"] == ROBUST_SCHEMA and doc["samples"] == doc["evaluated"] == 12
    assert json.loads(json.dumps(doc, allow_nan=False)) == doc
    assert [w["index"] for w in doc["worlds"]] == list(range(12))
    assert [t["id"] for t in doc["targets"]] == ["reach-10pct", "mediations"]
    for t in doc["targets"]:
        met = sum(w.met[doc["targets"].index(t)] for w in r.worlds)
        assert t["probability_met"] == pytest.approx(met / 12)
    youth = sorted(w.youth_reached for w in r.worlds)
    assert doc["youth_reached"]["p50"] == pytest.approx(np.percentile(youth, 50))
    failed = [w.hard_failed for w in r.worlds]
    assert doc["hard_target_failure_share"] == pytest.approx(sum(failed) / 12)
    # Same seed, same figures; the first worlds of a longer run are the same worlds.
    again = robust(loaded, SolveOptions(), samples=14, seed=3, engine=Engine(1))
    assert again.worlds[:12] == r.worlds

    def stop_after_five(i: int) -> None:
        if i == 4:
            raise KeyboardInterrupt

    cut = robust(
        loaded, SolveOptions(), samples=12, seed=3, engine=Engine(1), on_done=stop_after_five
    )
    assert cut.interrupted and cut.worlds == r.worlds[:5]
    assert robust_json(cut)["evaluated"] == 5


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_chart_sheet_subtitle_prints_whole(lang: str) -> None:
    """The chart sheet prints as wide as its chart; its subtitle (scenario, worlds, seed,
    cost factor, time) is longer than that, and ran off the printed page ("(+00" cut).
    It wraps over the chart's columns instead, in a row tall enough for its lines."""
    name = "scenario.name=PAZOS 2023 — uncertain costs and reach of every department"
    loaded = load_scenario(UNCERTAIN, [name])
    r = robust(loaded, SolveOptions(), samples=2, seed=1, engine=Engine(1))
    ws = build_robust(r, lang=lang).worksheets[0]
    cell = ws["A2"]
    assert cell.value.endswith(")") and cell.alignment.wrap_text
    span = f"A2:{get_column_letter(CHART_COLUMNS)}2"
    assert span in {str(m) for m in ws.merged_cells.ranges}
    width = sum(ws.column_dimensions[get_column_letter(c)].width for c in range(1, 17))
    lines = text_lines(cell.value, width)
    assert lines > 1
    assert ws.row_dimensions[2].height >= POINTS_PER_LINE * lines


def test_the_chart_labels_never_overlap() -> None:
    """Palmira's chart wrote "100,0 %" beside both bars of every target (the plan held
    and each world's best plan): two labels, each taller than its bar, over each other.
    Only the plan's bars carry labels now, and each target's bars are tall enough for
    its label."""
    loaded = load_scenario(ROOT / "scenarios" / "palmira-2023-incierto.yaml")
    r = robust(loaded, SolveOptions(), samples=2, seed=1, engine=Engine(1))
    (chart,) = build_robust(r, lang="es").worksheets[0]._charts
    assert chart.dataLabels is None  # labels on no series but those given them
    labelled = [x for x in chart.series if x.dLbls is not None and x.dLbls.showVal]
    assert labelled == [chart.series[0]]  # the plan held
    size = labelled[0].dLbls.txPr.p[0].pPr.defRPr.sz / 100  # points
    ref = chart.series[0].cat.numRef or chart.series[0].cat.strRef
    cells = re.fullmatch(r".*\$A\$(\d+):\$A\$(\d+)", ref.f)
    assert cells is not None
    targets = int(cells[2]) - int(cells[1]) + 1
    assert targets == len(robust_json(r)["targets"]) > 20
    slot = (chart.height - CHART_FRAME_CM) / targets * 72 / 2.54  # points per target
    assert slot >= 1.2 * size


def read_sheet(ws: Any) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in ws.iter_rows(values_only=True)]


@pytest.mark.parametrize("lang", ["es", "en"])
def test_cli_robust_writes_the_workbook_and_json(tmp_path: Path, lang: str) -> None:
    out, doc_path = tmp_path / "robust.xlsx", tmp_path / "robust.json"
    run = invoke_cli(
        "robust", str(UNCERTAIN), "--samples", "8", "--seed", "2", "-j", "1",
        "-o", str(out), "--json", str(doc_path), "--lang", lang,
    )  # fmt: skip
    assert run.exit_code == 0, run.output
    head = {
        "es": "El plan en 8 mundos simulados (semilla 2)",
        "en": "The plan in 8 sampled worlds (seed 2)",
    }
    assert head[lang] in run.output
    doc = json.loads(doc_path.read_text(encoding="utf-8"))
    L = Labels(lang)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [L("sheet.robust.chart"), L("sheet.robust"), L("sheet.robust.worlds")]
    assert len(wb.worksheets[0]._charts) == 1
    rows = read_sheet(wb.worksheets[1])
    by_name = {r[0]: r for r in rows if r and r[0] is not None}
    departments = {d.id: d.name for d in load_scenario(UNCERTAIN).scenario.departments}
    for t in doc["targets"]:
        row = by_name[t["name"]]
        # Its owner by name, as every sheet a person reads names it.
        assert row[1] == departments.get(t["owner"], L("owner.pazos")), row
        assert row[4] == pytest.approx(t["probability_met"])
        assert row[5] == pytest.approx(t["best_probability_met"])
    youth = by_name[L("robust.row.youth")]
    assert youth[1:5] == pytest.approx(
        [doc["youth_reached"][k] for k in ("plan", "p5", "p50", "p95")]
    )
    worlds = [r for r in read_sheet(wb.worksheets[2]) if isinstance(r[0], int)]
    assert [r[0] for r in worlds] == list(range(1, 9))
    assert [r[3] for r in worlds] == pytest.approx([w["youth_reached"] for w in doc["worlds"]])
    # The plan inside is what `solve --json` writes for the scenario.
    alone = tmp_path / "alone.json"
    assert invoke_cli("solve", str(UNCERTAIN), "-q", "--json", str(alone)).exit_code == 0
    plan = json.loads(alone.read_text(encoding="utf-8"))
    assert without_timings(doc["plan"]) == without_timings(plan)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--samples", "0"], "--samples 0: give 1 to 100,000"),
        (["--seed", "-1"], "--seed -1: give a whole number >= 0"),
        (["--cost-factor", "1.3:1:0.9"], "--cost-factor 1.3:1:0.9: give LOW <= VALUE <= HIGH"),
        (["--cost-factor", "a:b"], "--cost-factor a:b: give LOW:VALUE:HIGH, e.g. --cost-factor"),
        (["--cost-factor", "0:1:1"], "LOW, VALUE and HIGH must be positive numbers"),
    ],
)
def test_cli_robust_refuses_bad_options(tmp_path: Path, args: list[str], message: str) -> None:
    out = tmp_path / "r.xlsx"
    run = invoke_cli("robust", str(UNCERTAIN), *args, "-o", str(out))
    assert run.exit_code == 2
    assert message in run.output
    assert not out.exists()


@pytest.mark.parametrize("command", ["robust", "sweep"])
def test_a_scheduler_that_does_not_answer_is_exit_2(tmp_path: Path, command: str) -> None:
    """Before anything is solved, with the address, and without a Dask traceback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{s.getsockname()[1]}"  # nobody listens there
    out = tmp_path / "r.xlsx"
    extra = ["--budget", "400:600:200"] if command == "sweep" else ["--samples", "3"]
    run = invoke_cli(command, str(UNCERTAIN), *extra, "--scheduler", address, "-o", str(out))
    assert run.exit_code == 2
    assert f"error: --scheduler {address}: no Dask scheduler answers there" in run.output
    assert not out.exists()


def test_the_cli_default_world_gap_is_the_library_one() -> None:
    from pazos_budget import cli, robust

    assert cli.WORLD_MIP_GAP == robust.WORLD_MIP_GAP


def test_stdout_survives_highs_instances_made_on_many_threads() -> None:
    """HiGHS instances made on several threads at once (marginal values' re-solves and
    proofs do) leave the process's stdout as it was: without the lock around silencing
    the constructor's banner, an interleaving left file descriptor 1 on /dev/null, and a
    `solve --marginal` then printed nothing (seen once in CI)."""
    code = (
        "from concurrent.futures import ThreadPoolExecutor\n"
        "from pazos_budget.solve import _quiet_stdout\n"
        "import highspy, time\n"
        "def make(_):\n"
        "    with _quiet_stdout():\n"
        "        h = highspy.Highs()\n"
        "        time.sleep(0.001)\n"
        "    return h is not None\n"
        "with ThreadPoolExecutor(8) as pool:\n"
        "    assert all(pool.map(make, range(400)))\n"
        "print('still here')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "still here"


def test_a_plain_solve_never_imports_dask() -> None:
    """Marginal values included (their re-solves run on threads in the solve's process)."""
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from pazos_budget.cli import app\n"
        f"run = CliRunner().invoke(app, ['solve', {str(UNCERTAIN)!r}, '-q', '--marginal'])\n"
        "assert run.exit_code == 0, run.output\n"
        "print(sorted(m for m in ('dask', 'distributed') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_terminal_table_cuts_no_name(monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    """In a narrow terminal the targets' table cut names short ("PAZOS (cross-cuttin…"):
    they wrap between words, a name column as wide as its longest word."""
    monkeypatch.setenv("COLUMNS", "60")
    run = invoke_cli(
        "robust", str(UNCERTAIN), "--samples", "8", "--seed", "2", "-j", "1", "--lang", lang
    )
    assert run.exit_code == 0, run.output
    assert "…" not in run.stdout
    owner = {"es": "(transversal)", "en": "(cross-cutting)"}[lang]
    assert owner in run.stdout


@pytest.mark.parametrize(
    ("lang", "head", "sub"),
    [
        ("es", "El plan en 1 mundo simulado (semilla 0)", "mundos simulados: 1 · semilla 0"),
        ("en", "The plan in 1 sampled world (seed 0)", "sampled worlds: 1 · seed 0"),
    ],
)
def test_one_world_is_said_in_the_singular(tmp_path: Path, lang: str, head: str, sub: str) -> None:
    """`--samples 1` read "El plan en 1 mundos simulados" and "· 1 mundos simulados ·"."""
    out = tmp_path / "r.xlsx"
    run = invoke_cli(
        "robust", str(UNCERTAIN), "--samples", "1", "-j", "1", "--lang", lang, "-o", str(out)
    )
    assert run.exit_code == 0, run.output
    assert head in run.stdout
    texts = [c.value for row in openpyxl.load_workbook(out).worksheets[0].iter_rows() for c in row]
    assert any(isinstance(t, str) and sub in t for t in texts), texts[:5]
