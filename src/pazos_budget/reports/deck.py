"""The council deck: a short 16:9 PDF made from one or more `solve --json` results.

A council is shown slides, not a 45-page workbook. The deck has a title page with the
key figures, the budget by department and by PAZOS component, youth coverage by cluster,
targets met by priority, a comparison with the base (when several results are given: the
first is the base; titled by the compared budgets: a cut, an increase, other plans at
the same budget, or a mix), a coverage map (when cluster outlines are given, see
`outlines`), and an annex with one page per department. Every text comes from the
catalogues in the result's language; fonts are large enough to read from the back of a
room (16 pt and more on a 13.3-inch-wide page, titles 30 pt; the footer, and labels that
must fit side by side, 12 to 14 pt).

Charts are drawn with matplotlib's object API (`Figure`, no pyplot state) and written
with `PdfPages`; the figures are the result's own (already verified when it was solved,
and checked again by `present` as it reads them, `result_file`).
"""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from matplotlib import colormaps
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Polygon
from matplotlib.textpath import TextPath, TextToPath
from matplotlib.ticker import MaxNLocator

from .. import __version__
from ..explain import MILLION_UNITS
from ..i18n import shown_difference
from ..outlines import Outline
from .context import format_time
from .labels import Labels

#: 16:9 at the size of a laptop screen (inches); fonts in points on that page.
PAGE = (13.333, 7.5)
TITLE_PT, BODY_PT, TICK_PT, SMALL_PT, BIG_PT = 30, 20, 16, 13, 40
#: Bars on one chart before the rest are left to the workbook.
MAX_BARS = 14
#: Colours: allocated money, envelopes, prioritized clusters, the others, met, not met.
BLUE, LIGHT, GREEN, GREY, RED = "#1f5a96", "#c9d6e3", "#2e7d32", "#9e9e9e", "#c62828"
MAP_COLOURS = "YlGn"


def build_deck(
    docs: Sequence[Mapping[str, Any]],
    path: Path,
    *,
    lang: str,
    outlines: Sequence[Outline] = (),
    run_at: datetime | None = None,
) -> None:
    """Write the deck of `docs` (result JSON documents; the first is the base) to `path`."""
    base = docs[0]
    info = base["scenario"]
    L = Labels(lang, info["currency"], components=info.get("components") or {})
    when = format_time(run_at or datetime.now().astimezone())
    footer = L("deck.footer", id=info["id"], version=__version__, when=when)
    metadata = {"Title": L("deck.title", year=info["year"]), "Creator": "pazos-budget"}
    with PdfPages(path, metadata=metadata) as pdf:
        pages = [
            _title_page(base, L),
            _departments_page(base, L),
            _components_page(base, L),
            _coverage_page(base, L),
            _targets_page(base, L),
        ]
        if len(docs) > 1:
            pages.append(_cut_page(docs, L))
        if outlines:
            pages.append(_map_page(base, outlines, L))
        pages.append(_section_page(L("deck.annex"), L))
        pages += [_department_page(base, d, L) for d in base["departments"]]
        for fig in pages:
            fig.text(0.99, 0.015, footer, ha="right", va="bottom", fontsize=SMALL_PT, color=GREY)
            pdf.savefig(fig)


# --------------------------------------------------------------------------- helpers
def _page(title: str, subtitle: str = "") -> Figure:
    fig = Figure(figsize=PAGE)
    fig.text(0.04, 0.93, title, fontsize=TITLE_PT, weight="bold", va="top", color=BLUE)
    if subtitle:
        fig.text(0.04, 0.855, subtitle, fontsize=TICK_PT, va="top", color="#444444")
    return fig


def _wrap(text: str, width: int, lines: int = 2) -> str:
    return textwrap.fill(text, width, max_lines=lines, placeholder="…")


#: Where horizontal bars may start (a share of the page's width), nearest the left first:
#: the names beside them take the room to the left (`_bars`).
BAR_LEFTS = (0.36, 0.46, 0.56)
#: The bars' axes: bottom and height (figure fractions).
BARS_BOTTOM, BARS_HEIGHT = 0.15, 0.67
#: Font sizes the names beside bars may take, largest first; lines they wrap into.
NAME_SIZES, NAME_LINES = (TICK_PT, SMALL_PT + 1, SMALL_PT), 3
#: The share of a bar's slot (its height) a name may take: the rest keeps neighbours
#: apart; and the points left of the bars that a name may not take (the tick, its pad,
#: a margin at the page's edge).
NAME_FILL, NAME_MARGIN = 0.9, 14.0
TEXT_TO_PATH = TextToPath()
#: Lines of text are this many times the font size apart (matplotlib's default).
LINE_SPACING = 1.2


def _bars(
    fig: Figure,
    names: list[str],
    values: list[float],
    *,
    back: list[float] | None = None,
    colours: list[str] | None = None,
    labels: list[str] | None = None,
    lefts: Sequence[float] = BAR_LEFTS,
    right: float = 0.95,
) -> Any:
    """Horizontal bars, the first name on top; `back` are lighter bars behind them. The
    bars start at the first of `lefts` where every name fits beside its bar whole
    (`_fitted_names`), else at the last, the names cut to fit there."""
    slot = BARS_HEIGHT * PAGE[1] * 72 / max(1, len(names))  # points per bar
    for left in lefts:
        width = left * PAGE[0] * 72 - NAME_MARGIN
        fitted = _fitted_names(names, width, slot)
        if fitted is not None:
            break
    else:
        fitted = _cut_names(names, width, slot)
    shown, size = fitted
    ax = fig.add_axes((left, BARS_BOTTOM, right - left, BARS_HEIGHT))
    ys = list(range(len(names)))[::-1]
    if back is not None:
        ax.barh(ys, back, color=LIGHT, height=0.8)
    ax.barh(ys, values, color=colours or BLUE, height=0.55 if back is not None else 0.7)
    ax.set_ylim(-0.5, len(names) - 0.5)  # each bar its slot, as the names were fitted
    ax.set_yticks(ys, shown, fontsize=size)
    ax.tick_params(axis="x", labelsize=TICK_PT)
    ax.spines[["top", "right"]].set_visible(False)
    top = max([*values, *(back or []), 0.0]) or 1.0
    ax.set_xlim(0, top * 1.18)
    for y, v, text in zip(ys, values, labels or [], strict=False):
        ax.text(v + top * 0.01, y, text, va="center", fontsize=TICK_PT)
    return ax


def _name_lines(size: float, slot: float) -> int:
    """How many lines of `size` points fit in a bar's slot of `slot` points."""
    return min(NAME_LINES, int(slot * NAME_FILL / (size * LINE_SPACING)))


def _fitted_names(
    names: Sequence[str], width: float, slot: float
) -> tuple[list[str], float] | None:
    """The names wrapped whole into lines of at most `width` points, at the largest size
    at which each fits the height of its bar's slot (`slot` points); None if none does."""
    for size in NAME_SIZES:
        lines = _name_lines(size, slot)
        wrapped = [_wrapped_name(n, width, size) for n in names]
        if lines and all(w.count("\n") < lines for w in wrapped):
            return wrapped, size
    return None


def _wrapped_name(name: str, width: float, size: float) -> str:
    """`name` in the fewest lines of at most `width` points (a word too long for a line
    is split)."""
    for chars in range(_chars_within(name, width, size), 0, -1):
        lines = textwrap.wrap(name, chars)
        if all(_line_width(line, size) <= width for line in lines):
            return "\n".join(lines)
    return name


def _chars_within(text: str, width: float, size: float) -> int:
    """A little more than the characters of `text` that `width` points hold at `size`:
    where to start looking for the widest wrap that fits."""
    whole = _line_width(text, size)
    return len(text) if whole <= width else min(len(text), int(len(text) * width / whole) + 4)


def _cut_names(names: Sequence[str], width: float, slot: float) -> tuple[list[str], float]:
    """The names at the smallest size, each in as many lines as its slot holds, cut with
    an ellipsis where it is longer (the workbook has them whole)."""
    size = NAME_SIZES[-1]
    lines = max(1, _name_lines(size, slot))
    out = []
    for name in names:
        for chars in range(_chars_within(name, width, size), 0, -1):
            cut = textwrap.fill(name, chars, max_lines=lines, placeholder="…")
            if all(_line_width(line, size) <= width for line in cut.split("\n")):
                break
        out.append(cut)
    return out, size


def _money_axis(ax: Any, L: Labels) -> None:
    ax.xaxis.set_major_formatter(lambda x, _pos: L.num(x, 0))
    ax.set_xlabel(L.currency, fontsize=TICK_PT)


def _targets(doc: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list(doc["targets"])


def _youth(doc: Mapping[str, Any]) -> float:
    return float(doc["totals"]["youth_reached"])


def _met(doc: Mapping[str, Any]) -> tuple[int, int]:
    targets = _targets(doc)
    return sum(bool(t["met"]) for t in targets), len(targets)


# --------------------------------------------------------------------------- pages
def _title_page(doc: Mapping[str, Any], L: Labels) -> Figure:
    info, totals = doc["scenario"], doc["totals"]
    fig = Figure(figsize=PAGE)
    fig.patch.set_facecolor("white")
    fig.text(0.05, 0.86, L("deck.title", year=info["year"]), fontsize=BIG_PT, weight="bold")
    fig.text(0.05, 0.77, L("deck.title.sub"), fontsize=BODY_PT + 2, color=BLUE)
    fig.text(0.05, 0.70, _wrap(info["name"], 80), fontsize=TICK_PT, va="top", color="#444444")
    met, total = _met(doc)
    budget = float(totals["budget"])
    share = float(totals["spend"]) / budget if budget else 0.0
    kpis = [
        (L.num(budget, 0), L("deck.kpi.budget", currency=L.currency)),
        (L.num(float(totals["spend"]), 0), L("deck.kpi.spend", share=L.percent(share))),
        (L.num(_youth(doc), 0), L("deck.kpi.youth")),
        (L("n_of", n=met, total=total), L("deck.kpi.targets")),
        (L.percent(float(totals["prioritized_coverage"])), L("deck.kpi.coverage")),
    ]
    for k, (value, label) in enumerate(kpis):
        x, y = 0.05 + (k % 3) * 0.31, 0.42 - (k // 3) * 0.24
        fig.text(x, y, value, fontsize=BIG_PT, weight="bold", color=BLUE)
        fig.text(x, y - 0.05, _wrap(label, 30), fontsize=TICK_PT, va="top")
    if doc.get("status") == "feasible":
        fig.text(0.05, 0.07, L("deck.status.feasible"), fontsize=TICK_PT, color=RED)
    return fig


def _departments_page(doc: Mapping[str, Any], L: Labels) -> Figure:
    deps = sorted(doc["departments"], key=lambda d: -(d["budget"] or d["spend"]))
    sub = ""
    if len(deps) > MAX_BARS:
        sub = L("deck.departments.more", n=MAX_BARS, total=len(deps))
        deps = deps[:MAX_BARS]
    fig = _page(L("deck.departments.title"), sub)
    spend = [float(d["spend"]) for d in deps]
    back = [float(d["budget"] or d["spend"]) for d in deps]
    labels = [L.percent(s / b) if b else L.num(s, 0) for s, b in zip(spend, back, strict=True)]
    ax = _bars(fig, [d["name"] for d in deps], spend, back=back, labels=labels)
    _money_axis(ax, L)
    ax.legend(
        [L("deck.envelope"), L("deck.allocated")],
        fontsize=TICK_PT,
        loc="lower right",
        frameon=False,
    )
    return fig


def _components_page(doc: Mapping[str, Any], L: Labels) -> Figure:
    spend: dict[str, float] = {}
    for p in doc["programmes"]:
        spend[p["component"]] = spend.get(p["component"], 0.0) + float(p["spend"])
    total = sum(spend.values()) or 1.0
    order = sorted(spend, key=lambda c: -spend[c])
    fig = _page(L("deck.components.title"))
    values = [spend[c] for c in order]
    labels = [f"{L.num(v, 0)} · {L.percent(v / total)}" for v in values]
    ax = _bars(fig, [L.component(c) for c in order], values, labels=labels)
    _money_axis(ax, L)
    return fig


def _cluster_order(doc: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return sorted(doc["clusters"], key=lambda c: (not c["prioritized"], c["coverage"], c["id"]))


def _coverage_page(doc: Mapping[str, Any], L: Labels) -> Figure:
    clusters = _cluster_order(doc)
    sub = ""
    if len(clusters) > MAX_BARS:
        sub = L("deck.coverage.lowest", n=MAX_BARS, total=len(clusters))
        clusters = clusters[:MAX_BARS]
    fig = _page(L("deck.coverage.title"), sub)
    values = [float(c["coverage"]) for c in clusters]
    colours = [GREEN if c["prioritized"] else GREY for c in clusters]
    ax = _bars(
        fig,
        [c["name"] for c in clusters],
        values,
        colours=colours,
        labels=[L.percent(v) for v in values],
    )
    ax.set_xlim(0, 1.12)
    ax.xaxis.set_major_formatter(lambda x, _pos: L.percent(x))
    ax.set_xlabel(L("deck.coverage.axis"), fontsize=TICK_PT)
    handles = [
        Polygon([(0, 0)], color=GREEN, label=L("deck.prioritized")),
        Polygon([(0, 0)], color=GREY, label=L("deck.not_prioritized")),
    ]
    ax.legend(handles=handles, fontsize=TICK_PT, loc="lower right", frameon=False)
    return fig


def _targets_page(doc: Mapping[str, Any], L: Labels) -> Figure:
    targets = _targets(doc)
    fig = _page(L("deck.targets.title"))
    priorities = sorted({int(t["priority"]) for t in targets})
    ax = fig.add_axes((0.06, 0.12, 0.4, 0.68))
    met = [sum(1 for t in targets if t["priority"] == p and t["met"]) for p in priorities]
    unmet = [sum(1 for t in targets if t["priority"] == p and not t["met"]) for p in priorities]
    xs = list(range(len(priorities)))
    ax.bar(xs, met, color=GREEN, label=L("deck.targets.met"))
    ax.bar(xs, unmet, bottom=met, color=RED, label=L("deck.targets.not_met"))
    ax.set_xticks(xs, [L("deck.targets.priority", priority=p) for p in priorities])
    ax.tick_params(labelsize=TICK_PT)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.spines[["top", "right"]].set_visible(False)
    for x, m, u in zip(xs, met, unmet, strict=True):
        ax.text(x, m + u, L("n_of", n=m, total=m + u), ha="center", va="bottom", fontsize=TICK_PT)
    ax.set_ylim(0, max([m + u for m, u in zip(met, unmet, strict=True)] + [1]) * 1.15)
    ax.legend(fontsize=TICK_PT, frameon=False, loc="upper right")
    missed = [t for t in targets if not t["met"]]
    fig.text(0.52, 0.8, L("deck.targets.unmet_title"), fontsize=BODY_PT, weight="bold", va="top")
    lines = [f"• {_wrap(t['name'] or t['id'], 46)}" for t in missed[:6]]
    if len(missed) > 6:
        lines.append(L("deck.targets.more", n=len(missed) - 6))
    text = "\n".join(lines) if missed else L("deck.targets.all_met")
    fig.text(0.52, 0.72, text, fontsize=TICK_PT, va="top", linespacing=1.5)
    return fig


def _signed(L: Labels, x: float, decimals: int = 0) -> str:
    text = L.num(x, decimals)
    return text if text.startswith("-") or text.strip("0,.") == "" else "+" + text


#: The comparison page's title, by the compared budgets against the base's: all lower,
#: all higher, all the same, or some of each.
COMPARISON_TITLES = {
    "cut": "deck.cut.title",
    "increase": "deck.cut.title.increase",
    "same": "deck.cut.title.same",
    "mixed": "deck.cut.title.mixed",
}


def comparison(docs: Sequence[Mapping[str, Any]]) -> str:
    """What the compared results are to the base (the first): "cut" (every budget lower),
    "increase" (every one higher), "same" (every one the base's budget: other plans of the
    same money) or "mixed". Budgets are compared as the results write them
    (`totals.budget`, the scenarios' own totals)."""
    base = float(docs[0]["totals"]["budget"])
    budgets = [float(d["totals"]["budget"]) for d in docs[1:]]
    if all(b < base for b in budgets):
        return "cut"
    if all(b > base for b in budgets):
        return "increase"
    if all(b == base for b in budgets):
        return "same"
    return "mixed"


#: The comparison page's two charts: where each starts, and their common size (figure
#: fractions). Wide enough for four results' ids side by side under the bars.
CUT_LEFTS, CUT_BOTTOM, CUT_WIDTH, CUT_HEIGHT = (0.08, 0.57), 0.46, 0.41, 0.36
#: Where the comparison's lines start, below the ids (at most three lines of them), and
#: how many are written.
CUT_LINES_TOP, CUT_MAX_LINES = 0.33, 8
#: Font sizes the ids under the bars may take, largest first; lines they wrap into.
ID_SIZES, ID_LINES = (SMALL_PT + 1, SMALL_PT, SMALL_PT - 1), 3
#: The share of a bar's slot an id may take (the rest keeps neighbours apart).
ID_FILL = 0.9


def _text_width(text: str, size: float) -> float:
    """The width (points) of the widest line of `text` at `size` points."""
    prop = FontProperties(size=size)
    return max(TextPath((0, 0), line, prop=prop).get_extents().width for line in text.split("\n"))


@functools.lru_cache(maxsize=4096)
def _line_width(line: str, size: float) -> float:
    """The width (points) `line` takes as drawn at `size` points: what matplotlib lays
    out (its advance), much faster to measure than the outline `_text_width` measures."""
    width, _, _ = TEXT_TO_PATH.get_text_width_height_descent(line, FontProperties(size=size), False)
    return float(width)


def _fitted_ids(ids: Sequence[str], slot: float) -> tuple[list[str], float]:
    """The ids wrapped (at most ID_LINES lines each) to fit side by side in bar slots of
    `slot` points, and their size: the largest size, then the fewest lines, that fits
    without cutting an id; failing that, the same with the part every id begins with
    left out of all but the base's (`_distinct_tails`: ids cut at their ends would all
    read "palmira-2023-…"); failing that too, each cut to fit at the smallest size (the
    lines below the charts name them in full)."""
    tails = _distinct_tails(ids)
    for names, split in ((ids, False), (ids, True), (tails, False), (tails, True)):
        whole = _whole_fit(names, slot, split)
        if whole is not None:
            return whole
    size = ID_SIZES[-1]
    # Cut at separators where that fits, else inside words too.
    cuts = [
        [
            textwrap.fill(i, width, max_lines=ID_LINES, placeholder="…", break_long_words=split)
            for i in tails
        ]
        for split in (False, True)
        for width in range(22, 0, -1)
    ]
    return next((cut for cut in cuts if _fits(cut, size, slot)), cuts[-1]), size


def _fits(names: Sequence[str], size: float, slot: float) -> bool:
    return all(_text_width(name, size) <= slot * ID_FILL for name in names)


def _whole_fit(ids: Sequence[str], slot: float, split: bool) -> tuple[list[str], float] | None:
    """The ids wrapped whole into at most ID_LINES lines that fit, at the largest size
    (then the fewest lines) that does, words split across lines only if `split`; None
    if none does."""
    for size in ID_SIZES:
        for width in range(22, 5, -1):
            wrapped = [textwrap.wrap(i, width, break_long_words=split) for i in ids]
            if max(len(lines) for lines in wrapped) > ID_LINES:
                break  # narrower only takes more lines
            names = ["\n".join(lines) for lines in wrapped]
            if _fits(names, size, slot):
                return names, size
    return None


#: Where an id may be split in two for `_distinct_tails`.
ID_SEPARATORS = "-_ ("


def _distinct_tails(ids: Sequence[str]) -> list[str]:
    """The base's id (the first) whole, and every other id without the beginning all of
    them share (up to a separator), marked by an ellipsis: `palmira-2023`,
    `…aumento-10`, `…(scale_budgets=-5%)`. The ids themselves where they share none."""
    if len(ids) < 2:
        return list(ids)
    # The length of the beginning all ids share, character by character.
    cut = next((k for k, chars in enumerate(zip(*ids, strict=False)) if len(set(chars)) > 1), None)
    cut = min(len(i) for i in ids) if cut is None else cut
    common = ids[0][:cut]
    if not all(len(i) == cut or i[cut] in ID_SEPARATORS for i in ids):
        cut = max((common.rfind(c) for c in ID_SEPARATORS), default=-1) + 1
    if cut == 0:
        return list(ids)
    tails = [ids[0]]
    for i in ids[1:]:
        rest = i[cut:].lstrip("-_ ")
        tails.append("…" + rest if rest else i)
    return tails


def result_labels(docs: Sequence[Mapping[str, Any]]) -> list[str]:
    """How the deck names each result: its scenario's id, and where another result has
    the same id (one scenario solved at two budgets), the `--set` changes it was solved
    with: `palmira-2023 (scale_budgets=-5%)`."""
    idents = [str(d["scenario"]["id"]) for d in docs]
    labels = []
    for ident, doc in zip(idents, docs, strict=True):
        changes = [str(c) for c in doc["scenario"].get("overrides") or []]
        shared = idents.count(ident) > 1
        labels.append(f"{ident} ({', '.join(changes)})" if shared and changes else ident)
    return labels


def _cut_page(docs: Sequence[Mapping[str, Any]], L: Labels) -> Figure:
    base = docs[0]
    fig = _page(L(COMPARISON_TITLES[comparison(docs)]))
    n = len(docs)
    slot = CUT_WIDTH * PAGE[0] * 72 / n  # points per bar (x from -0.5 to n - 0.5)
    labels = result_labels(docs)
    names, size = _fitted_ids(labels, slot)
    youth = [_youth(d) for d in docs]
    counts = [L("n_of", n=m, total=t) for m, t in (_met(d) for d in docs)]
    # The figures over the bars, as large as fits their slots.
    over = [L.num(v, 0) for v in youth] + counts
    value_pt = next(
        (pt for pt in (TICK_PT, *ID_SIZES) if _text_width("\n".join(over), pt) <= slot * ID_FILL),
        ID_SIZES[-1],
    )
    ax = fig.add_axes((CUT_LEFTS[0], CUT_BOTTOM, CUT_WIDTH, CUT_HEIGHT))
    ax.bar(range(n), youth, color=[BLUE] + [LIGHT] * (n - 1))
    ax.set_xticks(range(n), names, fontsize=size)
    ax.set_xlim(-0.5, n - 0.5)
    ax.yaxis.set_major_formatter(lambda y, _pos: L.num(y, 0))
    ax.tick_params(axis="y", labelsize=TICK_PT)
    ax.set_title(L("deck.cut.youth"), fontsize=TICK_PT, loc="left")
    for x, v in enumerate(youth):
        ax.text(x, v, L.num(v, 0), ha="center", va="bottom", fontsize=value_pt)
    ax.set_ylim(0, max(youth + [1.0]) * 1.15)
    ax.spines[["top", "right"]].set_visible(False)
    ax2 = fig.add_axes((CUT_LEFTS[1], CUT_BOTTOM, CUT_WIDTH, CUT_HEIGHT))
    met = [_met(d)[0] for d in docs]
    ax2.bar(range(n), met, color=[GREEN] + [LIGHT] * (n - 1))
    ax2.set_xticks(range(n), names, fontsize=size)
    ax2.set_xlim(-0.5, n - 0.5)
    ax2.tick_params(axis="y", labelsize=TICK_PT)
    ax2.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax2.set_title(L("deck.cut.targets"), fontsize=TICK_PT, loc="left")
    for x, (m, text) in enumerate(zip(met, counts, strict=True)):
        ax2.text(x, m, text, ha="center", va="bottom", fontsize=value_pt)
    ax2.set_ylim(0, max([_met(d)[1] for d in docs] + [1]) * 1.15)
    ax2.spines[["top", "right"]].set_visible(False)
    lines = []
    b_budget, b_youth, (b_met, _) = float(base["totals"]["budget"]), _youth(base), _met(base)
    for d, label in zip(docs[1:], labels[1:], strict=True):
        budget, y, (m, total) = float(d["totals"]["budget"]), _youth(d), _met(d)
        lines.append(
            L(
                "deck.cut.line",
                name=label,
                budget=L.num(budget, 0),
                dbudget=_signed(L, shown_difference(budget, b_budget, 0)),
                youth=L.num(y, 0),
                dyouth=_signed(L, shown_difference(y, b_youth, 0)),
                met=m,
                total=total,
                dmet=_signed(L, m - b_met),
            )
        )
        # What each unit of money changed reaches, when money and youth move together: a
        # cut that reaches fewer, an increase that reaches more.
        change = budget - b_budget
        if change * (y - b_youth) > 0:
            raw = base["scenario"]["currency"]
            way = "cut" if change < 0 else "increase"
            unit = "million" if raw in MILLION_UNITS else "unit"
            per = L.about((y - b_youth) / change)
            lines.append("    " + L(f"deck.{way}.per.{unit}", youth=per, currency=L.currency))
    text, size = _fitted_lines(lines, (0.98 - 0.06) * PAGE[0] * 72)
    spacing = 1.5 if size == TICK_PT else 1.35
    fig.text(0.06, CUT_LINES_TOP, text, fontsize=size, va="top", linespacing=spacing)
    return fig


def _fitted_lines(lines: Sequence[str], width: float) -> tuple[str, float]:
    """The comparison's lines as written below the charts, and their size: each line
    wrapped to `width` points (at its "; ", the rest indented); TICK_PT when that makes
    at most six lines, else SMALL_PT; at most CUT_MAX_LINES lines."""
    for size in (TICK_PT, SMALL_PT):
        out = [part for line in lines for part in _wrapped_line(line, width, size)]
        if len(out) <= 6:
            break
    return "\n".join(out[:CUT_MAX_LINES]), size


def _wrapped_line(line: str, width: float, size: float) -> list[str]:
    """`line` in lines of at most `width` points at `size`: broken after a "; " where it
    can be, else between words; the lines after the first indented."""
    if _text_width(line, size) <= width:
        return [line]
    indent = " " * (len(line) - len(line.lstrip()) + 4)
    out: list[str] = []
    for part in line.split("; "):
        joined = f"{out[-1]}; {part}" if out else part
        if out and _text_width(joined, size) <= width:
            out[-1] = joined
        else:
            out.append(part if not out else indent + part)
    if all(_text_width(part, size) <= width for part in out):
        out[:-1] = [part + ";" for part in out[:-1]]
        return out
    chars = max(20, int(len(line) * width / _text_width(line, size)) - 2)
    return textwrap.wrap(line, chars, subsequent_indent=indent)


def _map_page(doc: Mapping[str, Any], outlines: Sequence[Outline], L: Labels) -> Figure:
    """Clusters coloured by coverage, numbered on the map and named in a list beside it
    (names do not fit inside small urban clusters)."""
    clusters = {c["id"]: c for c in doc["clusters"]}
    fig = _page(L("deck.map.title"), L("deck.map.note"))
    ax = fig.add_axes((0.03, 0.06, 0.46, 0.76))
    norm = Normalize(0.0, 1.0)
    cmap = colormaps[MAP_COLOURS]
    xs: list[float] = []
    ys: list[float] = []
    legend: list[str] = []
    for k, o in enumerate(outlines, start=1):
        c = clusters[o.cluster]
        for polygon in o.polygons:
            outer = polygon[0]
            xs += [p[0] for p in outer]
            ys += [p[1] for p in outer]
            ax.add_patch(
                Polygon(
                    outer,
                    closed=True,
                    facecolor=cmap(norm(float(c["coverage"]))),
                    edgecolor="#222222",
                    linewidth=3.0 if c["prioritized"] else 0.8,
                )
            )
        biggest = max(o.polygons, key=lambda p: len(p[0]))[0]
        cx = sum(p[0] for p in biggest[:-1]) / (len(biggest) - 1)
        cy = sum(p[1] for p in biggest[:-1]) / (len(biggest) - 1)
        cx, cy = o.label_point or (cx, cy)
        ax.text(cx, cy, str(k), ha="center", va="center", fontsize=TICK_PT, weight="bold")
        entry = f"{k:>2}  {c['name']} · {L.percent(float(c['coverage']))}"
        legend.append(textwrap.fill(entry, 40, subsequent_indent="      "))
    pad_x, pad_y = (max(xs) - min(xs)) * 0.03, (max(ys) - min(ys)) * 0.03
    ax.set_xlim(min(xs) - pad_x, max(xs) + pad_x)
    ax.set_ylim(min(ys) - pad_y, max(ys) + pad_y)
    ax.set_aspect("equal")
    ax.set_axis_off()
    bar_ax = fig.add_axes((0.5, 0.12, 0.015, 0.6))
    bar = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), cax=bar_ax)
    bar.ax.tick_params(labelsize=TICK_PT)
    bar.ax.yaxis.set_major_formatter(lambda v, _pos: L.percent(v))
    bar.set_label(L("deck.map.scale"), fontsize=TICK_PT)
    bar.ax.yaxis.set_label_position("left")  # the ticks' side is the list's
    size = TICK_PT if len(legend) <= 12 else SMALL_PT
    fig.text(0.6, 0.8, "\n".join(legend[:20]), fontsize=size, va="top", linespacing=1.35)
    drawn = {o.cluster for o in outlines}
    missing = [c["name"] for c in doc["clusters"] if c["id"] not in drawn]
    if missing:
        text = _wrap(L("deck.map.missing", names=", ".join(missing)), 60)
        fig.text(0.6, 0.08, text, fontsize=SMALL_PT, va="bottom")
    return fig


def _section_page(title: str, L: Labels) -> Figure:
    fig = Figure(figsize=PAGE)
    fig.text(0.5, 0.5, title, fontsize=BIG_PT, weight="bold", ha="center", color=BLUE)
    return fig


#: Where a department page's bars start and end (its figures are right of them).
DEPARTMENT_LEFT, DEPARTMENT_RIGHT = 0.36, 0.64


def _share_paid(p: Mapping[str, Any], department: str) -> float:
    """The part of programme `p`'s spend that `department` pays."""
    cofunding = p.get("cofunding")
    if cofunding:
        return float(cofunding.get(department, 0.0))
    return 1.0 if p["department"] == department else 0.0


def _department_page(doc: Mapping[str, Any], d: Mapping[str, Any], L: Labels) -> Figure:
    fig = _page(d["name"])
    # What the department pays of each programme: a cofunded one only its share, so the
    # bars add up to the spend written beside them.
    paid = [(p, float(p["spend"]) * _share_paid(p, d["id"])) for p in doc["programmes"]]
    mine = sorted([(p, v) for p, v in paid if v > 0], key=lambda pv: -pv[1])
    shown = mine[:10]
    if shown:
        values = [v for _, v in shown]
        ax = _bars(
            fig,
            [p["name"] for p, _ in shown],
            values,
            labels=[L.num(v, 0) for v in values],
            lefts=(DEPARTMENT_LEFT,),
            right=DEPARTMENT_RIGHT,
        )
        _money_axis(ax, L)
        ax.set_title(L("deck.department.programmes", currency=L.currency), fontsize=TICK_PT)
        rest = len(mine) - len(shown)
        if rest > 0:
            fig.text(0.3, 0.03, L.agreeing("deck.department.more", rest), fontsize=SMALL_PT)
    else:
        fig.text(0.04, 0.7, L("deck.department.no_programmes"), fontsize=BODY_PT)
    budget = d.get("budget")
    spend = float(d["spend"])
    figures = L(
        "deck.department.figures",
        budget=L.num(float(budget), 0) if budget is not None else L("deck.department.no_envelope"),
        spend=L.num(spend, 0),
        used=L.percent(spend / float(budget)) if budget else "—",
        funded=d["programmes_funded"],
        submitted=d["programmes_submitted"],
        met=d["goals_met"],
        total=d["goals_total"],
    )
    fig.text(0.7, 0.8, figures, fontsize=BODY_PT - 2, va="top", linespacing=1.6)
    unmet = [t for t in _targets(doc) if t["owner"] == d["id"] and not t["met"]]
    if unmet:
        lines = [L("deck.department.unmet")]
        lines += [f"• {_wrap(t['name'] or t['id'], 30)}" for t in unmet[:4]]
        fig.text(0.7, 0.42, "\n".join(lines), fontsize=TICK_PT, va="top", color=RED)
    return fig
