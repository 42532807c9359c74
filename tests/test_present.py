"""`present`: the council deck from result files, in the result's language, with an
optional coverage map; bad inputs refused with located messages and nothing written."""

from __future__ import annotations

import copy
import json
import re
import subprocess
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from typer.testing import CliRunner

from conftest import console_script
from pazos_budget.cli import app
from pazos_budget.errors import ScenarioError
from pazos_budget.loader import load_scenario
from pazos_budget.outlines import load_outlines
from pazos_budget.pipeline import solve_scenario
from pazos_budget.reports.deck import (
    MAX_BARS,
    _cluster_order,
    _coverage_page,
    _department_page,
    _departments_page,
    build_deck,
)
from pazos_budget.reports.labels import Labels
from pazos_budget.result import to_json

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = ROOT / "examples" / "minimal.yaml"
PALMIRA_MAP = ROOT / "examples" / "palmira-2023-clusters.geojson"
runner = CliRunner()

MAP = """{"type": "FeatureCollection", "features": [
 {"type": "Feature", "properties": {"cluster": "north"},
  "geometry": {"type": "Polygon", "coordinates": [[[0, 1], [1, 1], [1, 2], [0, 2], [0, 1]]]}},
 {"type": "Feature", "properties": {"cluster": "south"},
  "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}}
]}
"""


@pytest.fixture(scope="module")
def minimal_doc() -> dict[str, Any]:
    return to_json(solve_scenario(load_scenario(MINIMAL)))


@pytest.fixture(scope="module")
def cut_doc() -> dict[str, Any]:
    loaded = load_scenario(MINIMAL, ["budget.total=800"])
    doc = to_json(solve_scenario(loaded))
    doc["scenario"]["id"] = "minimal-cut"
    return doc


def write(tmp: Path, name: str, doc: Any) -> Path:
    path = tmp / name
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    return path


def pages(pdf: Path) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))


def deck_texts(
    monkeypatch: pytest.MonkeyPatch, docs: list[dict[str, Any]], lang: str, tmp: Path, **kw: Any
) -> list[str]:
    """Every text drawn on the deck's pages (read from the figures as they are saved)."""
    seen: list[str] = []
    real = PdfPages.savefig

    def keep(self: PdfPages, figure: Figure | None = None, **kwargs: Any) -> None:
        assert figure is not None
        seen.extend(t.get_text() for t in figure.findobj(Text) if t.get_text())
        real(self, figure, **kwargs)

    monkeypatch.setattr(PdfPages, "savefig", keep)
    build_deck(docs, tmp / f"{lang}.pdf", lang=lang, **kw)
    return seen


def test_present_writes_a_deck_in_the_results_language(
    minimal_doc: dict[str, Any], cut_doc: dict[str, Any], tmp_path: Path
) -> None:
    base, cut = write(tmp_path, "base.json", minimal_doc), write(tmp_path, "cut.json", cut_doc)
    (tmp_path / "map.geojson").write_text(MAP, encoding="utf-8")
    out = tmp_path / "concejo.pdf"
    args = ["present", str(base), str(cut), "-o", str(out), "--map", str(tmp_path / "map.geojson")]
    run = runner.invoke(app, args)
    assert run.exit_code == 0, run.output
    assert run.output.strip() == f"Deck written to {out}"  # minimal.yaml is in English
    # title, departments, components, coverage, targets, cut, map, annex, 2 departments
    assert pages(out) == 10
    run = runner.invoke(app, ["present", str(base), "-o", str(out), "--lang", "es"])
    assert run.exit_code == 0, run.output
    assert run.output.strip() == f"Presentación escrita en {out}"
    assert pages(out) == 8


ENGLISH = {"budget", "targets", "met", "coverage", "department", "departments", "the", "of"}
SPANISH = {"presupuesto", "metas", "cumplidas", "cobertura", "secretaría", "de", "la", "del"}


@pytest.mark.parametrize(
    ("lang", "own", "other"), [("es", SPANISH, ENGLISH), ("en", ENGLISH, SPANISH)]
)
def test_every_text_of_the_deck_is_in_its_language(
    minimal_doc: dict[str, Any],
    cut_doc: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    lang: str,
    own: set[str],
    other: set[str],
) -> None:
    outlines = load_outlines(write(tmp_path, "m.geojson", json.loads(MAP)), {"north", "south"})
    texts = deck_texts(monkeypatch, [minimal_doc, cut_doc], lang, tmp_path, outlines=outlines)
    # the scenario's own names are data, in whatever language it was written
    data = {"minimal", "example", "culture", "security", "north", "south", "art", "school"}
    tokens = (t.lower().replace("pazos-budget", "") for t in texts)  # the tool's name
    words = {w for t in tokens for w in re.findall(r"[^\W\d_]+", t)} - data
    assert words & own
    assert not words & other, words & other
    # numbers as the language writes them
    budget = "1.000" if lang == "es" else "1,000"
    assert budget in texts


def test_the_palmira_example_map_fits_its_clusters() -> None:
    palmira = load_scenario(ROOT / "scenarios" / "palmira-2023.yaml").scenario
    outlines = load_outlines(PALMIRA_MAP, {c.id for c in palmira.clusters})
    assert {o.cluster for o in outlines} == {c.id for c in palmira.clusters}


def bad_map(tmp: Path, text: str) -> list[str]:
    path = tmp / "bad.geojson"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as e:
        load_outlines(path, {"north", "south"})
    return [str(p).replace(str(path), "bad.geojson") for p in e.value.problems]


def test_map_problems_are_located(tmp_path: Path) -> None:
    text = MAP.replace('"cluster": "south"', '"cluster": "west"')
    assert bad_map(tmp_path, text) == [
        "bad.geojson:4:48: features[1].properties.cluster: unknown cluster 'west' "
        "(known: north, south)"
    ]
    text = MAP.replace('"Polygon", "coordinates": [[[0, 0]', '"Point", "coordinates": [[[0, 0]')
    assert bad_map(tmp_path, text) == [
        "bad.geojson:5:15: features[1].geometry: must be a Polygon or a MultiPolygon"
    ]
    text = MAP.replace("[0, 1], [1, 1], [1, 2], [0, 2], [0, 1]", "[0, 1], [1, 1], [1, 2], [0, 2]")
    assert bad_map(tmp_path, text) == [
        "bad.geojson:3:51: features[0].geometry.coordinates[0]: a ring must end where it starts"
    ]
    assert bad_map(tmp_path, MAP[:-3]) == [
        "bad.geojson:6:1: not valid JSON: Expecting ',' delimiter"
    ]
    assert bad_map(tmp_path, "[]") == ["bad.geojson:1:1: must be a GeoJSON FeatureCollection"]


def test_map_problems_are_told_in_the_results_language(
    minimal_doc: dict[str, Any], tmp_path: Path
) -> None:
    spanish = copy.deepcopy(minimal_doc)
    spanish["scenario"]["language"] = "es"
    base = write(tmp_path, "base.json", spanish)
    (tmp_path / "bad.geojson").write_text(MAP.replace("north", "east"), encoding="utf-8")
    out = tmp_path / "deck.pdf"
    args = ["present", str(base), "-o", str(out), "--map", str(tmp_path / "bad.geojson")]
    run = runner.invoke(app, args)
    assert run.exit_code == 2 and not out.exists()
    assert "features[0].properties.cluster: clúster desconocido 'east'" in run.output, run.output


def test_bad_inputs_exit_2_and_write_nothing(minimal_doc: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "deck.pdf"
    base = write(tmp_path, "base.json", minimal_doc)
    run = runner.invoke(app, ["present", str(MINIMAL), "-o", str(out)])
    assert run.exit_code == 2 and not out.exists()
    assert run.output.startswith(f"{MINIMAL}:1:1: not valid JSON"), run.output
    odd = copy.deepcopy(minimal_doc)
    odd["schema"] = "something/else@1"
    run = runner.invoke(app, ["present", str(write(tmp_path, "odd.json", odd)), "-o", str(out)])
    assert run.exit_code == 2 and not out.exists()
    assert ":2:12: schema: not a pazos-budget result" in run.output, run.output
    (tmp_path / "bad.geojson").write_text(MAP.replace("north", "east"), encoding="utf-8")
    args = ["present", str(base), "-o", str(out), "--map", str(tmp_path / "bad.geojson")]
    run = runner.invoke(app, args)
    assert run.exit_code == 2 and not out.exists()
    assert "features[0].properties.cluster: unknown cluster 'east'" in run.output
    run = runner.invoke(app, ["present", str(base), "-o", str(tmp_path / "deck.xlsx")])
    assert run.exit_code == 2 and "pdf" in run.output


def test_a_department_page_shows_what_it_pays_of_each_programme() -> None:
    """The bars of a department page add up to its spend written beside them: a cofunded
    programme counts only the department's share (the cofunding example: a programme two
    departments pay for)."""
    doc = to_json(solve_scenario(load_scenario(ROOT / "examples" / "cofunding.yaml")))
    assert any(len(p.get("cofunding") or {}) > 1 and p["spend"] > 0 for p in doc["programmes"])
    for d in doc["departments"]:
        fig = _department_page(doc, d, Labels("es"))
        bars = [r.get_width() for ax in fig.axes for r in ax.patches if isinstance(r, Rectangle)]
        assert sum(bars) == pytest.approx(d["spend"]), d["id"]


def bar_name_problems(fig: Figure, names: list[str]) -> list[str]:
    """What does not fit among the names beside a drawn page's horizontal bars: names
    whose boxes overlap, or leave the page, or are not `names` (cut)."""
    FigureCanvasAgg(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    (ax,) = fig.axes
    labels = ax.get_yticklabels()
    boxes = [t.get_window_extent(renderer) for t in labels]
    problems = [
        f"{a.get_text()!r} overlaps {b.get_text()!r}"
        for (a, box_a), (b, box_b) in combinations(zip(labels, boxes, strict=True), 2)
        if box_a.overlaps(box_b)
    ]
    problems += [
        f"{t.get_text()!r} leaves the page"
        for t, box in zip(labels, boxes, strict=True)
        if box.x0 < 0
    ]
    shown = [" ".join(t.get_text().split("\n")) for t in labels]
    if shown != names:
        problems.append(f"names cut: {shown}")
    return problems


@pytest.fixture(scope="module")
def palmira_names() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Palmira's clusters and departments as a result lists them (coverage made up)."""
    s = load_scenario(ROOT / "scenarios" / "palmira-2023.yaml").scenario
    clusters = [
        {"id": c.id, "name": c.name, "prioritized": c.prioritized, "coverage": 0.1 * (k % 9)}
        for k, c in enumerate(s.clusters)
    ]
    departments = [
        {"id": d.id, "name": d.name, "budget": 100.0 + k, "spend": 90.0}
        for k, d in enumerate(s.departments)
    ]
    return clusters, departments


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_names_beside_the_bars_fit_whole(
    minimal_doc: dict[str, Any],
    palmira_names: tuple[list[dict[str, Any]], list[dict[str, Any]]],
    lang: str,
) -> None:
    """Palmira's coverage page: "Resto de la zona rural – La Torre, Palmaseca, Matapalo,
    Obando (no priorizado)" ran, on two lines, into the names above and below it (and
    was cut); the names of the budget page nearly touched. Each now fits its bar's slot,
    uncut."""
    doc = copy.deepcopy(minimal_doc)
    doc["clusters"], doc["departments"] = palmira_names
    L = Labels(lang)
    fig = _coverage_page(doc, L)
    assert bar_name_problems(fig, [c["name"] for c in _cluster_order(doc)]) == []
    fig = _departments_page(doc, L)
    names = [d["name"] for d in sorted(doc["departments"], key=lambda d: -d["budget"])]
    assert bar_name_problems(fig, names) == []


def test_names_too_long_for_their_bars_are_cut_to_fit(minimal_doc: dict[str, Any]) -> None:
    """As many bars as a page shows, each with a name longer than the page: cut, each
    within its slot, none over another."""
    doc = copy.deepcopy(minimal_doc)
    name = "Resto de la zona rural – La Torre, Palmaseca, Matapalo, Obando (no priorizado)"
    doc["clusters"] = [
        {"id": f"c{k:02d}", "name": f"{name} {k} {name}", "prioritized": k % 2, "coverage": 0.5}
        for k in range(MAX_BARS)
    ]
    problems = bar_name_problems(_coverage_page(doc, Labels("es")), [])
    assert [p for p in problems if not p.startswith("names cut")] == []


def test_results_of_another_city_or_twice_are_refused(
    minimal_doc: dict[str, Any], tmp_path: Path
) -> None:
    """A deck compares plans of one city; the file problems are told in the base result's
    language when no --lang is given."""
    out = tmp_path / "deck.pdf"
    base = write(tmp_path, "base.json", minimal_doc)
    other = copy.deepcopy(minimal_doc)
    other["clusters"][0]["id"] = "east"  # as another city's result would
    elsewhere = write(tmp_path, "elsewhere.json", other)
    run = runner.invoke(app, ["present", str(base), str(elsewhere), str(base), "-o", str(out)])
    assert run.exit_code == 2 and not out.exists()
    lines = run.stderr.splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith(f"{elsewhere}:") and lines[0].endswith(
        f"clusters: its clusters are not those of the base result ({base}): a deck compares "
        "plans of one city"
    )
    assert lines[1] == f"{base}: the same result twice (already given as {base})"
    spanish = copy.deepcopy(minimal_doc)
    spanish["scenario"]["language"] = "es"
    spanish["schema"] = "pazos-budget/result@0"
    old = write(tmp_path, "old.json", spanish)
    run = runner.invoke(app, ["present", str(old), "-o", str(out)], env={"LANG": "en_US.UTF-8"})
    assert run.exit_code == 2 and "su campo «schema» es pazos-budget/result@0" in run.stderr
    run = runner.invoke(app, ["present", str(write(tmp_path, "list.json", [])), "-o", str(out)])
    assert run.exit_code == 2 and "None" not in run.stderr


def test_a_result_read_from_the_standard_input(
    minimal_doc: dict[str, Any], cut_doc: dict[str, Any], tmp_path: Path
) -> None:
    """`present - cut.json -o deck.pdf < base.json`: '-' is the standard input here too."""
    cut = write(tmp_path, "cut.json", cut_doc)
    out = tmp_path / "deck.pdf"
    proc = subprocess.run(
        [console_script(), "present", "-", str(cut), "-o", str(out)],
        input=json.dumps(minimal_doc).encode(),
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert pages(out) >= 5
