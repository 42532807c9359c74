"""The deck's comparison page (several results: the first is the base): its title says
what the comparison is, by the compared budgets against the base's; and the ids under
its bars fit side by side, uncut, for two, three and four results with long ids."""

from __future__ import annotations

import copy
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import pazos_budget.reports.deck as deck
from pazos_budget.loader import load_scenario
from pazos_budget.pipeline import solve_scenario
from pazos_budget.reports.labels import Labels
from pazos_budget.result import to_json

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = ROOT / "examples" / "minimal.yaml"


@pytest.fixture(scope="module")
def by_budget() -> dict[float, dict[str, Any]]:
    """The minimal example's result at its budget (1000) and at 800 and 1200."""
    out = {}
    for total in (1000.0, 800.0, 1200.0):
        doc = to_json(solve_scenario(load_scenario(MINIMAL, [f"budget.total={total:g}"])))
        doc["scenario"]["id"] = f"minimal-{total:g}"
        out[total] = doc
    return out


TITLES = {
    "cut": ("Lo que cuesta un recorte", "What a cut costs"),
    "increase": ("Lo que aporta un aumento", "What an increase buys"),
    "same": ("Mismo presupuesto, otros planes", "Same budget, other plans"),
    "mixed": ("Otros presupuestos frente a la base", "Other budgets against the base"),
}


@pytest.mark.parametrize(
    ("compared", "kind"),
    [
        ([800.0], "cut"),
        ([800.0, 800.0], "cut"),
        ([1200.0], "increase"),
        ([1200.0, 1200.0], "increase"),
        ([1000.0], "same"),
        ([1000.0, 1000.0, 1000.0], "same"),
        ([800.0, 1200.0], "mixed"),
        ([1000.0, 800.0], "mixed"),
        ([1200.0, 1000.0], "mixed"),
    ],
)
def test_the_comparison_title_says_what_the_comparison_is(
    by_budget: dict[float, dict[str, Any]], compared: list[float], kind: str
) -> None:
    base = by_budget[1000.0]
    others = []
    for k, total in enumerate(compared):
        other = copy.deepcopy(by_budget[total])
        other["scenario"]["id"] = f"other-{k}"  # another plan, at that budget
        others.append(other)
    docs = [base, *others]
    assert deck.comparison(docs) == kind
    for lang, title in zip(("es", "en"), TITLES[kind], strict=True):
        fig = deck._cut_page(docs, Labels(lang, "COP millions"))
        assert fig.texts[0].get_text() == title


def _page_text(fig: Figure) -> str:
    return "\n".join(t.get_text() for t in fig.texts)


def test_what_each_million_buys_or_costs_is_said_for_a_cut_and_an_increase(
    by_budget: dict[float, dict[str, Any]],
) -> None:
    """A cut that reaches fewer says what each million less leaves unreached; an increase
    that reaches more, what each million more reaches (it said nothing before), with the
    figure computed from the two results' youth and budgets."""
    base, cut, more = by_budget[1000.0], by_budget[800.0], by_budget[1200.0]
    youth = {k: d["totals"]["youth_reached"] for k, d in by_budget.items()}
    assert youth[800.0] < youth[1000.0] < youth[1200.0]
    L = Labels("en", "COP millions")
    text = _page_text(deck._cut_page([base, cut, more], L))
    less = L.about((youth[1000.0] - youth[800.0]) / 200)
    gain = L.about((youth[1200.0] - youth[1000.0]) / 200)
    assert f"Each million less leaves about {less} young people unreached" in text
    assert f"Each million more reaches about {gain} more young people" in text
    es = _page_text(deck._cut_page([base, more], Labels("es", "COP millions")))
    assert "Cada millón más llega a unos" in es
    # the same budget: no such line
    same = _page_text(deck._cut_page([base, copy.deepcopy(base)], L))
    assert "Each million" not in same


LONG_IDS = [
    "palmira-2023",
    "palmira-2023-sin-ciclorruta",
    "palmira-2023-cambio-acotado",
    "palmira-2023-recorte-10",
]


def drawn(fig: Figure) -> Any:
    FigureCanvasAgg(fig)
    fig.canvas.draw()
    return fig.canvas.get_renderer()  # type: ignore[attr-defined]


def layout_problems(fig: Figure, ids: list[str]) -> list[str]:
    """What does not fit on a drawn comparison page: ids under the bars that overlap, are
    cut, or leave the page; the lines below running into the ids or off the page."""
    renderer = drawn(fig)
    page = fig.bbox
    problems = []
    for ax in fig.axes:
        labels = ax.get_xticklabels()
        boxes = [t.get_window_extent(renderer) for t in labels]
        for t, box in zip(labels, boxes, strict=True):
            if not page.contains(box.x0, box.y0) or not page.contains(box.x1, box.y1):
                problems.append(f"{t.get_text()!r} leaves the page")
        for (a, box_a), (b, box_b) in combinations(zip(labels, boxes, strict=True), 2):
            if box_a.overlaps(box_b):
                problems.append(f"{a.get_text()!r} overlaps {b.get_text()!r}")
        shown = [t.get_text().replace("\n", "") for t in labels]
        if shown != ids:
            problems.append(f"ids cut: {shown}")
        lines = fig.texts[-1]  # the comparison's lines, last drawn
        below = lines.get_window_extent(renderer)
        if any(below.overlaps(box) for box in boxes):
            problems.append("the lines below run into the ids")
        if below.x1 > page.x1 or below.y0 < page.y0:
            problems.append("the lines below leave the page")
    return problems


@pytest.mark.parametrize("n", [2, 3, 4])
@pytest.mark.parametrize("lang", ["es", "en"])
def test_long_ids_fit_under_the_bars(
    by_budget: dict[float, dict[str, Any]], n: int, lang: str
) -> None:
    docs = []
    for k, total in enumerate([1000.0, 1000.0, 1000.0, 800.0][:n]):
        doc = copy.deepcopy(by_budget[total])
        doc["scenario"]["id"] = LONG_IDS[k]
        docs.append(doc)
    fig = deck._cut_page(docs, Labels(lang, "COP millions"))
    assert layout_problems(fig, LONG_IDS[:n]) == []
    # Read from the back of a room: the ids no smaller than the smallest size allowed.
    sizes = {t.get_fontsize() for ax in fig.axes for t in ax.get_xticklabels()}
    assert min(sizes) >= min(deck.ID_SIZES)


def test_the_old_fixed_wrap_did_not_fit(
    by_budget: dict[float, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Break it: the ids wrapped at 22 characters whatever the number of bars, as before,
    overlap under four bars; the layout check sees it."""
    docs = []
    for k in range(4):
        doc = copy.deepcopy(by_budget[1000.0])
        doc["scenario"]["id"] = LONG_IDS[k]
        docs.append(doc)

    def old(ids: list[str], slot: float) -> tuple[list[str], float]:
        return [deck._wrap(i, 22) for i in ids], deck.SMALL_PT + 1

    monkeypatch.setattr(deck, "_fitted_ids", old)
    problems = layout_problems(deck._cut_page(docs, Labels("es", "COP millions")), LONG_IDS)
    assert any("overlaps" in p for p in problems), problems


def test_an_id_too_long_to_fit_whole_is_cut_to_fit() -> None:
    long = "palmira-2023-" + "x" * 51
    names, size = deck._fitted_ids(["palmira-2023", long, long, long], 90.0)
    assert size == min(deck.ID_SIZES)
    assert all(deck._text_width(n, size) <= 90.0 * deck.ID_FILL for n in names)
    assert names[1].endswith("…") and names[1].count("\n") < deck.ID_LINES


def test_a_line_too_wide_is_wrapped_at_its_semicolons() -> None:
    line = "palmira-2023-aumento-10: presupuesto 17.600 (+1.600); jóvenes 11.672 (+330); " + (
        "metas cumplidas 30 de 30 (+2)"
    )
    width = deck._text_width(line, deck.TICK_PT) - 1
    text, size = deck._fitted_lines([line], width)
    assert size == deck.TICK_PT
    assert text.split("\n") == [
        "palmira-2023-aumento-10: presupuesto 17.600 (+1.600); jóvenes 11.672 (+330);",
        "    metas cumplidas 30 de 30 (+2)",
    ]


def test_results_of_one_scenario_at_other_budgets_are_told_apart(
    by_budget: dict[float, dict[str, Any]],
) -> None:
    """Two results of one scenario solved with `--set` read as the same id under the bars
    and in the lines below (the council could not tell the -5% bar from the -15% one),
    and ids cut at their ends all read alike: each result is named with its changes, and
    the bars show what tells them apart."""
    ids = [
        "palmira-2023",
        "palmira-2023-aumento-10",
        "palmira-2023-cambio-acotado",
        "palmira-2023-incierto",
        "palmira-2023",
        "palmira-2023",
    ]
    changes: list[list[str]] = [[], [], [], [], ["scale_budgets=-5%"], ["scale_budgets=-15%"]]
    docs = []
    for ident, change in zip(ids, changes, strict=True):
        doc = copy.deepcopy(by_budget[1000.0])
        doc["scenario"]["id"], doc["scenario"]["overrides"] = ident, change
        docs.append(doc)
    fig = deck._cut_page(docs, Labels("es", "COP millions"))
    for ax in fig.axes:
        shown = [t.get_text() for t in ax.get_xticklabels()]
        assert len(set(shown)) == len(shown), shown
        assert shown[0].replace("\n", "") == "palmira-2023"
    text = _page_text(fig)
    assert "palmira-2023 (scale_budgets=-5%): presupuesto" in text
    assert "palmira-2023 (scale_budgets=-15%): presupuesto" in text


def test_the_beginning_all_ids_share_is_left_out_of_all_but_the_base() -> None:
    tails = deck._distinct_tails
    assert tails(["palmira-2023", "palmira-2023-aumento-10", "palmira-2023-recorte-10"]) == [
        "palmira-2023",
        "…aumento-10",
        "…recorte-10",
    ]
    # cut at the last separator of the shared part, never inside a word
    assert tails(["city-x1", "city-x2"]) == ["city-x1", "…x2"]
    assert tails(["alpha", "beta"]) == ["alpha", "beta"]
    # an id that is the shared beginning itself stays whole
    assert tails(["palmira-2023-b", "palmira-2023"]) == ["palmira-2023-b", "palmira-2023"]


def test_the_changes_are_those_of_the_figures_shown(
    by_budget: dict[float, dict[str, Any]],
) -> None:
    """A reader checks a change against the two figures beside it: 10,955 against 11,342
    is -387, though the exact figures (10,955.34 and 11,341.57) differ by 386.23, which
    read "-386"; a budget of 799.5 against 1,000 reads 800 (-200), not (-201)."""
    base, cut = copy.deepcopy(by_budget[1000.0]), copy.deepcopy(by_budget[800.0])
    base["totals"]["youth_reached"], cut["totals"]["youth_reached"] = 11341.57161, 10955.34149
    cut["totals"]["budget"] = 799.5
    cut["scenario"]["id"] = "cut"
    text = _page_text(deck._cut_page([base, cut], Labels("en", "COP millions")))
    assert "cut: budget 800 (-200); young people 10,955 (-387);" in text
