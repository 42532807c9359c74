"""The council's "what if" commands: `compare` and `sweep`, their workbooks and CLI.

Comparison figures must equal the individual solves; the workbook read back must show
the Comparison's figures; along a frontier the stage results never worsen
lexicographically as money grows; an interrupted sweep keeps (and writes) what it solved;
bad ranges are refused before any solve.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet
from typer.testing import CliRunner

from conftest import tiny_cluster, tiny_data, tiny_loaded, tiny_programme, tiny_scenario
from pazos_budget import analysis, pipeline
from pazos_budget.analysis import Comparison, Sweep, compare, frontier_rows, sweep
from pazos_budget.cli import app
from pazos_budget.loader import LoadedScenario, load_scenario
from pazos_budget.pipeline import solve_scenario
from pazos_budget.reports import council
from pazos_budget.reports.council import write_comparison, write_frontier
from pazos_budget.reports.labels import TEXTS, Labels
from pazos_budget.reports.xlsx import BAD_FILL, GOOD_FILL
from pazos_budget.result import Result
from pazos_budget.scenario import COMPONENT_IDS
from pazos_budget.solve import SolveOptions

ES, EN = TEXTS["es"], TEXTS["en"]

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = ROOT / "examples" / "minimal.yaml"
OPTIONS = SolveOptions()
runner = CliRunner()


@pytest.fixture
def variant(tmp_path: Path) -> Path:
    """A variant of the minimal example with 30% less money and a name that looks like a
    formula (it must stay text in the workbook)."""
    path = tmp_path / "minimal-cut.yaml"
    path.write_text(
        f"extends: {MINIMAL}\n"
        'scenario: {id: minimal-cut, name: \'=HYPERLINK("http://x";"cut")\'}\n'
        "scale_budgets: -30%\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def comparison(variant: Path) -> Comparison:
    return compare([load_scenario(MINIMAL), load_scenario(variant)], OPTIONS, jobs=2)


def two_priorities() -> LoadedScenario:
    """Two soft targets at priorities 1 and 2 competing for one budget."""
    return tiny_scenario(
        total=100,
        clusters=[tiny_cluster("c1", 100), tiny_cluster("c2", 100, weight=2)],
        programmes=[
            tiny_programme("p1", "d1", 1.0, clusters=["c1"], youth=1.0),
            tiny_programme("p2", "d1", 2.0, clusters=["c2"], youth=1.0),
        ],
        targets=[
            {"id": "a", "kind": "youth_reach", "at_least": 60, "clusters": ["c1"], "priority": 1},
            {"id": "b", "kind": "youth_reach", "at_least": 40, "clusters": ["c2"], "priority": 2},
        ],
        # 60 participations meet target a exactly (the frontier test counts on it)
        reach_model="participations",
    )


# --------------------------------------------------------------------------- comparison
def test_comparison_equals_individual_solves(comparison: Comparison, variant: Path) -> None:
    singles = [solve_scenario(load_scenario(p), OPTIONS) for p in (MINIMAL, variant)]
    assert comparison.names == ["minimal", "minimal-cut"]
    for k, (res, single) in enumerate(zip(comparison.results, singles, strict=True)):
        assert math.isclose(res.youth_reached, single.youth_reached, abs_tol=1e-6)
        assert math.isclose(res.spend, single.spend, abs_tol=1e-6)
        for key, items in (
            ("department", {d.id: d.spend for d in single.departments}),
            ("cluster", {c.id: c.spend for c in single.clusters}),
        ):
            by = {row["id"]: row["spend"][k] for row in comparison.spend_by(key)}
            assert by.keys() == items.keys()
            for ident, value in items.items():
                assert math.isclose(by[ident], value, abs_tol=1e-6), (key, ident)
        youth = {c.id: c.youth_reached for c in res.clusters}
        assert youth == pytest.approx({c.id: c.youth_reached for c in single.clusters})
    figures = comparison.key_figures()
    assert figures[1]["budget"] == pytest.approx(0.7 * figures[0]["budget"])


def find_row(ws: Worksheet, label: str) -> list[Any]:
    for row in ws.iter_rows(values_only=True):
        if row[0] == label:
            return list(row)
    raise AssertionError(f"no row {label!r}")


@pytest.mark.parametrize("lang", ["es", "en"])
def test_comparison_workbook_reads_back(comparison: Comparison, tmp_path: Path, lang: str) -> None:
    path = tmp_path / f"council-{lang}.xlsx"
    write_comparison(comparison, path, lang=lang)
    wb = openpyxl.load_workbook(path)
    L = Labels(lang)
    assert wb.sheetnames[0] == L("sheet.council")
    ws = wb.worksheets[0]
    base, cut = comparison.key_figures()
    for label, key in (
        ("sum.budget", "budget"),
        ("sum.spend", "spend"),
        ("sum.youth", "youth_reached"),
        ("sum.weighted", "weighted_coverage"),
        ("sum.all_met", "targets_met"),
    ):
        row = find_row(ws, L(label))
        # indicator, unit, base, variant, change
        assert row[2] == pytest.approx(base[key]), label
        assert row[3] == pytest.approx(cut[key]), label
        assert row[4] == pytest.approx(cut[key] - base[key]), label
    # one printed page, landscape
    assert ws.page_setup.fitToHeight == 1 and ws.page_setup.fitToWidth == 1
    assert ws.page_setup.orientation == "landscape"
    assert len(ws._charts) == 2
    # the formula-looking scenario name is text
    cells = [c for r in ws.iter_rows() for c in r if str(c.value).startswith("=HYPERLINK")]
    assert cells and all(c.data_type == "s" for c in cells)
    # spend by department: the same figures as the Comparison
    deps = wb[L("sheet.cmp.departments")]
    for row in comparison.spend_by("department"):
        name = next(d.name for d in comparison.base.departments if d.id == row["id"])
        cells_ = find_row(deps, name)
        assert cells_[1:4] == pytest.approx([row["spend"][0], row["spend"][1], row["delta"][1]])
    # targets: the status word (symbol and fill) per scenario
    targets = wb[L("sheet.cmp.targets")]
    for t in comparison.target_status():
        row_ = find_row(targets, t["id"])
        assert row_[5:7] == [L.met(m) for m in t["met"]]


@pytest.mark.parametrize(("lang", "unit"), [("es", "p. p."), ("en", "pp")])
def test_a_coverage_change_is_in_points_and_less_unassigned_money_is_no_loss(
    comparison: Comparison, tmp_path: Path, lang: str, unit: str
) -> None:
    """The prioritized coverage's change read "-2,5 %" beside 74,6 % and 72,1 %, a relative
    fall to a reader: it is a cell of percentage points, "-2,5 p. p.". And money left
    unassigned that falls was coloured as money lost."""
    path = tmp_path / f"council-{lang}.xlsx"
    write_comparison(comparison, path, lang=lang)
    ws = openpyxl.load_workbook(path).worksheets[0]
    L = Labels(lang)
    base, cut = comparison.key_figures()
    label = L("sum.coverage")
    cells = next(r for r in ws.iter_rows() if r[0].value == label)
    change = cells[4]
    assert change.value == pytest.approx(
        100 * (cut["prioritized_coverage"] - base["prioritized_coverage"])
    )
    assert f'" {unit}"' in change.number_format and "%" not in change.number_format
    # less money unassigned is money used: blue, as more spend is; more is orange
    assert council._delta(-5.0, less_is_better=True).fill == GOOD_FILL
    assert council._delta(5.0, less_is_better=True).fill == BAD_FILL
    assert council._delta(-5.0).fill == BAD_FILL
    unspent = next(r for r in ws.iter_rows() if r[0].value == L("sum.unspent"))
    spend = next(r for r in ws.iter_rows() if r[0].value == L("sum.spend"))
    for row, less_is_better in ((unspent, True), (spend, False)):
        value, fill = row[4].value, row[4].fill.fgColor.rgb
        if abs(value) > 1e-9:
            worse = value > 0 if less_is_better else value < 0
            want = BAD_FILL if worse else GOOD_FILL
            assert fill.endswith(want.fgColor.rgb[-6:]), (row[0].value, value, fill)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_spend_by_cluster_total_is_the_scenarios_spend(tmp_path: Path, lang: str) -> None:
    """A fixed cost is in no cluster: its row stands on the sheet, so the total is the
    spend the summary says (before, the total left it out)."""
    fixed = ["programmes.art-school.fixed_cost=20"]
    both = [load_scenario(MINIMAL, fixed), load_scenario(MINIMAL, [*fixed, "budget.total=900"])]
    c = compare(both, OPTIONS, jobs=1)
    path = tmp_path / "c.xlsx"
    write_comparison(c, path, lang=lang)
    L = Labels(lang)
    sheet = openpyxl.load_workbook(path)[L("sheet.cmp.clusters")]
    spends = [r.spend for r in c.results]
    assert sum(cl.spend for cl in c.results[0].clusters) < spends[0]  # the fixed cost
    assert find_row(sheet, L("total"))[2:4] == pytest.approx(spends)
    assert find_row(sheet, L("no_cluster_row"))[2] == pytest.approx(20)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_spend_by_component_names_the_components_as_the_scenario_does(
    tmp_path: Path, lang: str
) -> None:
    """The components a scenario names (its `components` section) are called so on the
    comparison too, as on the allocation workbook and the deck; before, the comparison
    used the built-in names ("Acceso a la justicia" beside "Acceso a los servicios de
    justicia")."""
    data = tiny_data(
        total=100,
        clusters=[tiny_cluster("c1", 100)],
        programmes=[tiny_programme("p1", "d1", 1.0, clusters=["c1"], youth=1.0)],
    )
    data["components"] = [{"id": c, "name": f"Named {c}"} for c in COMPONENT_IDS]
    cut = {**data, "budget": {"total": 50}, "scenario": {**data["scenario"], "id": "cut"}}
    c = compare([tiny_loaded(data), tiny_loaded(cut)], OPTIONS, jobs=1)
    path = tmp_path / "c.xlsx"
    write_comparison(c, path, lang=lang)
    L = Labels(lang)
    sheet = openpyxl.load_workbook(path)[L("sheet.cmp.components")]
    assert find_row(sheet, "Named prevention")[1:3] == pytest.approx([100, 50])
    shown = {row[0] for row in sheet.iter_rows(min_row=7, values_only=True)}
    assert shown == {"Named prevention", L("total")}


def test_cut_first_lists_what_loses_money(comparison: Comparison) -> None:
    cuts = comparison.cut_first("programme", 10)
    assert cuts, "30% less money must cut some programme"
    assert all(c["largest_cut"] < 0 for c in cuts)
    assert [c["largest_cut"] for c in cuts] == sorted(c["largest_cut"] for c in cuts)


# --------------------------------------------------------------------------- sweep
def stage_key(r: Result) -> tuple[float, ...]:
    """Lexicographic quality (smaller is better): each priority's shortfall, then the final
    objective (negated when it is maximized)."""
    out = []
    for st in r.stages:
        if st.priority is not None or st.final == "minimize_spend":
            out.append(st.objective)
        else:
            out.append(-st.objective)
    return tuple(out)


def never_worse(a: tuple[float, ...], b: tuple[float, ...], tol: float = 1e-6) -> bool:
    """`b` (more money) is lexicographically no worse than `a`."""
    for x, y in zip(a, b, strict=True):
        if y < x - tol * max(1.0, abs(x)):
            return True
        if y > x + tol * max(1.0, abs(x)):
            return False
    return True


@pytest.mark.parametrize(
    ("loaded", "totals"),
    [
        (lambda: load_scenario(MINIMAL), [150.0, 300.0, 450.0, 600.0, 900.0, 1200.0, 1500.0]),
        (two_priorities, [10.0, 40.0, 60.0, 80.0, 100.0, 140.0, 200.0]),
    ],
    ids=["minimal", "two-priorities"],
)
def test_frontier_never_worsens(loaded: Callable[[], LoadedScenario], totals: list[float]) -> None:
    sw = sweep(loaded(), OPTIONS, totals=totals, jobs=2)
    assert not sw.interrupted
    solved = sw.solved()
    assert len(solved) >= len(totals) - 1  # the smallest budget may be infeasible
    for a, b in itertools.pairwise(solved):
        assert a.result is not None and b.result is not None
        assert never_worse(stage_key(a.result), stage_key(b.result)), (a.budget, b.budget)
        assert b.result.spend <= b.budget + 1e-6
    rows = frontier_rows(sw)
    assert [r.budget for r in rows] == totals


def test_two_priorities_frontier_settles_priority_one_first() -> None:
    sw = sweep(two_priorities(), OPTIONS, totals=[30.0, 60.0, 100.0, 140.0], jobs=1)
    shortfalls = [r.figures.shortfalls for r in frontier_rows(sw) if r.figures is not None]
    assert len(shortfalls) == 4
    # p1 shortfall falls to 0 before p2's does
    assert shortfalls[0][1] > 0 and shortfalls[0][2] > 0
    assert shortfalls[1][1] == pytest.approx(0) and shortfalls[1][2] > 0
    assert shortfalls[-1][2] == pytest.approx(0)


def interrupt_after(n: int) -> Callable[[int], None]:
    done: list[int] = []

    def on_done(i: int) -> None:
        done.append(i)
        if len(done) == n:
            raise KeyboardInterrupt

    return on_done


def test_interrupted_sweep_keeps_solved_points(tmp_path: Path) -> None:
    sw = sweep(
        load_scenario(MINIMAL),
        OPTIONS,
        totals=[400.0, 600.0, 800.0, 1000.0],
        jobs=1,
        on_done=interrupt_after(2),
    )
    assert sw.interrupted
    assert [p.budget for p in sw.solved()] == [400.0, 600.0]
    path = tmp_path / "frontier.xlsx"
    write_frontier(sw, path, lang="en")
    check_frontier_workbook(path, sw, "en")


def check_frontier_workbook(path: Path, sw: Sweep, lang: str) -> None:
    L = Labels(lang)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [L("sheet.frontier.chart"), L("sheet.frontier.table")]
    assert len(wb.worksheets[0]._charts) == 3
    ws = wb.worksheets[1]
    texts = {c.value for r in ws.iter_rows() for c in r if isinstance(c.value, str)}
    solved, total = len(sw.solved()), len(sw.points)
    if sw.interrupted:
        assert L("frontier.interrupted", solved=solved, total=total) in texts
    rows = [r for r in ws.iter_rows(values_only=True) if isinstance(r[0], float | int)]
    assert [r[0] for r in rows] == [p.budget for p in sw.points]
    for r, p in zip(rows, sw.points, strict=True):
        if p.result is None:
            assert r[1] == L("status.not_solved")
        else:
            assert r[3] == pytest.approx(p.result.youth_reached)
    assert ws.freeze_panes is not None and ws.page_setup.orientation == "landscape"


def test_cli_sweep_interrupted_writes_solved_points(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = analysis.sweep
    kept: list[Sweep] = []

    def interrupted(*args: Any, **kwargs: Any) -> Sweep:
        progress = kwargs.pop("on_done")
        stop = interrupt_after(2)

        def on_done(i: int) -> None:
            progress(i)
            stop(i)

        kwargs["jobs"] = 1
        sw = real(*args, on_done=on_done, **kwargs)
        kept.append(sw)
        return sw

    monkeypatch.setattr(analysis, "sweep", interrupted)
    out = tmp_path / "frontier.xlsx"
    result = runner.invoke(
        app, ["sweep", str(MINIMAL), "--budget", "400:1000:200", "-o", str(out), "--lang", "es"]
    )
    assert result.exit_code == 130, result.output
    assert "2 de 4 puntos resueltos" in result.output  # --lang es: the terminal too
    check_frontier_workbook(out, kept[0], "es")


def test_cli_compare_and_sweep(tmp_path: Path, variant: Path) -> None:
    out = tmp_path / "council.xlsx"
    result = runner.invoke(app, ["compare", str(MINIMAL), str(variant), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "minimal-cut" in result.output and out.exists()
    assert openpyxl.load_workbook(out).sheetnames[0] == EN["sheet.council"]
    front = tmp_path / "frontier.xlsx"
    result = runner.invoke(
        app, ["sweep", str(MINIMAL), "--scale", "0.5:1:0.25", "-o", str(front), "--jobs", "2"]
    )
    assert result.exit_code == 0, result.output
    assert openpyxl.load_workbook(front).sheetnames[1] == EN["sheet.frontier.table"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--budget", "10:5:1"], "--budget 10:5:1: the end must not be below the start"),
        (["--budget", "a:5:1"], "--budget a:5:1: FROM, TO and STEP must be numbers"),
        (["--budget", "1:5"], "--budget 1:5: give FROM:TO:STEP"),
        (["--budget", "1:5:0"], "--budget 1:5:0: the step must be positive"),
        (["--scale", "0:2000:1"], "2001 points is too many for one sweep (1,001 at most)"),
        (["--scale", "0.5:1.5:0.1", "--budget", "1:2:1"], "give exactly one of --budget"),
        ([], "give exactly one of --budget"),
        (["--scale", "0.5:1:0.5", "--lang", "fr"], "--lang must be es or en, got 'fr'"),
    ],
)
def test_cli_bad_ranges_exit_2_before_solving(
    args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_solve(*_: Any, **__: Any) -> None:
        raise AssertionError("solved before checking the options")

    monkeypatch.setattr(pipeline, "solve_model", no_solve)
    monkeypatch.setattr(analysis, "solve_scenario", no_solve)
    out = tmp_path / "f.xlsx"
    result = runner.invoke(app, ["sweep", str(MINIMAL), "-o", str(out), *args])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not out.exists()


def test_cli_compare_checks_before_solving(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_solve(*_: Any, **__: Any) -> None:
        raise AssertionError("solved before checking the options")

    monkeypatch.setattr(analysis, "solve_scenario", no_solve)
    missing = tmp_path / "nope" / "c.xlsx"
    result = runner.invoke(app, ["compare", str(MINIMAL), str(MINIMAL), "-o", str(missing)])
    assert result.exit_code == 2 and "does not exist" in result.output
    result = runner.invoke(app, ["compare", str(MINIMAL), "-o", str(tmp_path / "c.xlsx")])
    assert result.exit_code == 2 and "at least one variant" in result.output
    result = runner.invoke(
        app, ["compare", str(MINIMAL), str(MINIMAL), "-o", str(tmp_path / "c.csv")]
    )
    assert result.exit_code == 2 and ".xlsx" in result.output


# --------------------------------------------------------------------------- labels
def test_council_labels_complete_in_es_and_en() -> None:
    council = {k for k in ES if k.startswith(("sheet.cmp", "title.cmp", "frontier", "chart."))}
    assert council and council <= set(EN)
    assert ES["title.council"] == "Comparación de escenarios para el Concejo Municipal"
    assert ES["sheet.cmp.cuts"] == "Lo que se recorta primero"
    assert ES["sheet.frontier.table"] == "Frontera presupuestal"
    assert ES["col.weighted"] == "Cobertura ponderada"
    assert "Variación" in ES["col.delta"]


def test_workbooks_have_no_label_of_the_other_language(
    comparison: Comparison, tmp_path: Path
) -> None:
    for lang, other in (("es", EN), ("en", ES)):
        mine = ES if lang == "es" else EN
        path = tmp_path / f"c-{lang}.xlsx"
        write_comparison(comparison, path, lang=lang)
        wb = openpyxl.load_workbook(path)
        texts = {c.value for ws in wb for r in ws.iter_rows() for c in r}
        foreign = {v for k, v in other.items() if v != mine[k] and "{" not in v}
        assert not texts & foreign, texts & foreign
