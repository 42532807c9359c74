"""The terminal summary of a result (rich tables), and of a diagnosis.

Every string from a scenario goes through `display.markup` (or is printed with
markup off through `display.visible`): names are data, never markup or escape codes."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from .display import markup, visible
from .explain import top_marginal_clusters
from .i18n import Said, separators, shown_difference
from .marginal import MarginalValue, NotExact
from .reports.labels import Labels
from .result import RowResult, StageStatus, unservable_text
from .scenario import PAZOS_OWNER, TargetKind
from .tolerances import ZERO

if TYPE_CHECKING:  # analysis and diagnose are imported only by the commands that use them
    from .alternatives import Alternatives
    from .analysis import Comparison, Sweep
    from .findings import Finding
    from .result import Result
    from .robust import Robust
    from .scenario import Scenario
    from .solve import Progress, SolveControl

#: The terminal's words when no language is given (tests, a library caller).
EN = Labels("en")


def _tightness(row: RowResult) -> tuple[float, float]:
    """How close a row is to failing: its shortfall, then (every row met) the least
    margin over what it requires. A target of several rows is at least so much in each
    place (a share of spend, the one "at most" kind, has a single row)."""
    margin = (row.achieved - row.required) / max(abs(row.required), ZERO)
    return (row.relative_shortfall, -margin)


def labels(lang: str | None, currency: str = "") -> Labels:
    """The terminal's words in `lang` (the scenario's language unless --lang says)."""
    return Labels(lang or "en", currency)


def money(x: float | None, L: Labels | None = None) -> str:
    if x is None:
        return "—"
    return (L or EN).num(x, 1)


def number(x: float, L: Labels | None = None) -> str:
    return (L or EN).count(x)


def pct(x: float, decimals: int, L: Labels | None = None) -> str:
    """A share as a percentage: 12.5% (en), 12,5 % (es); never -0.0%."""
    L = L or EN
    return L.num(100 * x, decimals) + (" %" if L.lang == "es" else "%")


def percent(x: float, L: Labels | None = None) -> str:
    """A relative gap as a percentage that stays readable when small: 0.0011%, 2.5%."""
    L = L or EN
    if x < 0.01:
        text = f"{x * 100 + 0.0:.2g}".replace(".", L.num(0.5, 1)[1])
        return text + (" %" if L.lang == "es" else "%")
    return pct(x, 1, L)


def sig(x: float, L: Labels | None = None) -> str:
    """Six significant digits, grouped by thousands ('-0' never)."""
    L = L or EN
    text = f"{x + 0.0:,.6g}"
    decimal, group = separators(L.lang)
    return text.replace(",", "\0").replace(".", decimal).replace("\0", group)


def progress_line(p: Progress, L: Labels | None = None) -> str:
    """'Solving stage 4 of 5 (final): best 53,440.2, bound 53,449.3, gap 0.02% · 5.8 s'."""
    L = L or EN
    stage = p.stage.text(L.lang)
    text = L("term.progress.stage", number=p.number, stages=p.stages, stage=stage)
    if p.incumbent is not None:
        text += L("term.progress.best", best=sig(p.incumbent, L))
        if p.bound is not None:
            text += L("term.progress.bound", bound=sig(p.bound, L))
        if p.gap is not None:
            text += L("term.progress.gap", gap=percent(p.gap, L))
    elif p.bound is not None:
        text += L("term.progress.no_plan", bound=sig(p.bound, L))
    return L("term.progress.tail", text=text, seconds=L.num(p.elapsed, 1))


@contextlib.contextmanager
def solve_progress(
    console: Console, control: SolveControl, lang: str | None = None
) -> Iterator[None]:
    """A live progress line on `console` while a solve runs, only if it is a terminal
    (never in a pipe, a file or a JSON stream); it disappears when the solve ends."""
    if not console.is_terminal:
        yield
        return
    L = labels(lang)
    # The CLI's consoles soft-wrap (a long located message stays one line to copy), and
    # a live line that soft-wraps is cropped at the terminal's width: on 80 columns the
    # gap, the seconds and "Ctrl-C keeps the best plan found" were cut off. The
    # progress line wraps instead, while it is shown.
    soft_wrap = console.soft_wrap
    console.soft_wrap = False
    with contextlib.ExitStack() as restore:
        restore.callback(setattr, console, "soft_wrap", soft_wrap)
        status = restore.enter_context(console.status(L("term.progress.solving")))

        def show(p: Progress) -> None:
            status.update(markup(progress_line(p, L)))

        def phase(text: Said) -> None:
            status.update(markup(L("term.progress.phase", text=text.text(L.lang))))

        control.on_progress = show
        control.on_phase = phase
        try:
            yield
        finally:
            control.on_progress = None
            control.on_phase = None


def status_word(status: str, L: Labels) -> str:
    """A solve or stage status in the terminal's words (as given if it has none)."""
    key = f"term.status.{status}"
    return L(key) if key in L.texts else status


def stage_status(status: StageStatus, gap: float | None, L: Labels | None = None) -> str:
    """'' for a proven optimum; ' (feasible, gap 0.02%)' or ' (not run)' otherwise."""
    L = L or EN
    if status == StageStatus.OPTIMAL:
        return ""
    if status == StageStatus.NOT_RUN:
        return L("term.stage.not_run")
    word = status_word(status, L)
    if gap is None:
        return L("term.stage.gap_unknown", status=word)
    return L("term.stage.gap", status=word, gap=percent(gap, L))


def _stages_table(r: Result, L: Labels) -> Table:
    """One row per stage of the solve: its objective and what that objective measures."""
    stages = Table(title=L("term.stages.title"), title_justify="left")
    stages.add_column(L("term.col.stage"))
    stages.add_column(L("term.col.objective"), justify="right")
    stages.add_column(L("term.col.meaning"))
    for st in r.stages:
        if st.priority is not None:
            stages.add_row(
                L("term.stage.priority", priority=st.priority) + stage_status(st.status, st.gap, L),
                f"{st.objective + 0.0:.6g}".replace(".", separators(L.lang)[0]),
                L("term.stage.shortfall"),
            )
        elif st.final == "maximize_weighted_reach":
            stages.add_row(
                L("term.stage.final") + stage_status(st.status, st.gap, L),
                number(st.objective, L),
                L("term.stage.reach"),
            )
        elif st.final == "maximize_min_coverage":
            stages.add_row(
                L("term.stage.final") + stage_status(st.status, st.gap, L),
                pct(st.objective, 1, L),
                L("term.stage.min_coverage"),
            )
        else:
            stages.add_row(
                L("term.stage.final") + stage_status(st.status, st.gap, L),
                money(st.objective, L),
                L("term.stage.spend", currency=markup(L.currency)),
            )
    return stages


def _targets_table(r: Result, L: Labels, width: int) -> Table:
    """One row per target. In a terminal narrower than `WIDE_TARGETS` the eight columns
    become four (owner, kind and whether it is hard under the target's name; the row with
    the largest shortfall under its figures), so that no name is cut short."""
    tt = Table(title=L("term.targets.title"), title_justify="left")
    names = _names(r, L)
    wide = width >= WIDE_TARGETS
    cols = (
        ("target", "owner", "kind", "prio", "hard", "status", "worst", "achieved")
        if wide
        else ("target", "prio", "status", "achieved")
    )
    for col in cols:
        tt.add_column(
            L(f"term.col.{col}"),
            justify="right" if col == "prio" else "left",
            # a long name folds rather than ending in "…"; the figures never break
            overflow="fold",
            no_wrap=col == "status" and not wide,
        )
    for t in r.targets:
        worst = max(t.rows, key=_tightness, default=None)
        owner = markup(names.get(t.owner, t.owner))
        kind = markup(L.kind(t.kind))
        hard = L("term.yes") if t.hard else L("term.no")
        status = L("term.met") if t.met else L("term.not_met")
        worst_name = markup(_row_name(worst.key, names)) if worst else "—"
        figures = (
            f"{_fmt_row(t.kind, worst.achieved, L)} / {_fmt_row(t.kind, worst.required, L)}"
            if worst
            else "—"
        )
        name = markup(t.name or t.id)
        if wide:
            tt.add_row(name, owner, kind, str(t.priority), hard, status, worst_name, figures)
        else:
            about = f"{owner} · {kind}" + (f" · {L('term.col.hard').lower()}" if t.hard else "")
            where = f"\n[dim]{worst_name}[/]" if worst else ""
            tt.add_row(f"{name}\n[dim]{about}[/]", str(t.priority), status, figures + where)
    return tt


def _longest_word(text: str) -> int:
    return max((len(w) for w in text.split()), default=0)


def _widest_line(head: str, rows: Sequence[Sequence[str]], j: int) -> int:
    """The width a figures column needs so that neither a word of its header nor a line
    of its figures is ever cut (figures carry no markup). Given as the column's fixed
    `width`: rich 14 lays out a `min_width` wider than the terminal."""
    lines = [line for row in rows for line in row[j].splitlines()]
    return max([_longest_word(head), *map(len, lines)])


def _departments_table(r: Result, L: Labels) -> Table:
    """One row per department: its envelope, spend, programmes funded and goals met."""
    deps = Table(title=L("term.deps.title", currency=markup(L.currency)), title_justify="left")
    rows = []
    for d in r.departments:
        used = pct(d.spend / d.budget, 0, L) if d.budget else "—"
        rows.append(
            [
                markup(d.name),
                money(d.budget, L),
                money(d.spend, L),
                used,
                money(d.unspent, L),
                f"{d.programmes_funded}/{d.programmes_submitted}",
                f"{d.goals_met}/{d.goals_total}",
            ]
        )
    cols = ("department", "envelope", "spend", "used", "unspent", "programmes", "goals_met")
    # A department's name folds in the room the figures leave; it never ends in "…".
    deps.add_column(L(f"term.col.{cols[0]}"), overflow="fold")
    for j, col in enumerate(cols[1:], 1):
        head = L(f"term.col.{col}")
        deps.add_column(head, justify="right", width=_widest_line(head, rows, j))
    for row in rows:
        deps.add_row(*row)
    return deps


def print_result(console: Console, r: Result, lang: str | None = None) -> None:
    s = r.scenario
    cur = s.scenario.currency
    L = labels(lang or s.scenario.language, cur)
    status = r.status.value
    console.print(
        L(
            "term.head",
            name=f"[bold]{markup(s.scenario.name)}[/]",
            id=markup(s.scenario.id),
            status=f"[bold]{status_word(status, L)}[/]",
            solver=markup(r.solver),
            seconds=L.num(r.seconds, 2),
        )
    )
    for note in r.notes:
        console.print(f"[yellow]{markup(note.text(L.lang))}[/]")
    met, total = r.targets_met()
    console.print(
        L(
            "term.budget_line",
            budget=money(r.budget, L),
            currency=markup(L.currency),
            spend=money(r.spend, L),
            unspent=money(r.unspent, L),
            youth=number(round(r.youth_reached), L),
            participations=number(round(r.participations), L),
            coverage=pct(r.prioritized_coverage, 1, L),
            met=met,
            total=total,
        )
    )
    console.print(marginal_youth_sentence(r, L.lang), markup=False)

    console.print(_stages_table(r, L))
    console.print(_departments_table(r, L))

    print_clusters(console, r, L.lang)

    console.print(_targets_table(r, L, console.width))
    unservable = [t for t in r.targets if t.reason]
    if unservable:
        console.print(L("term.unservable"))
        for t in unservable:
            # In English the warning's own words (as validate prints them); in another
            # language the workbook's sentence, with the scenario's names.
            if L.lang == "en":
                why = f"{t.reason}."
            else:
                why = " ".join(unservable_text(u, r.scenario, L.lang) for u in t.unservable)
            console.print(visible(f"  - {t.name}: {why}"), markup=False)
    planned = [pr for pr in r.programmes if pr.current_units is not None]
    if planned:
        ct = Table(title=L("term.current.title"), title_justify="left")
        for k, col in enumerate(("programme", "current_units", "optimized_units", "change")):
            ct.add_column(L(f"term.col.{col}"), justify="left" if k == 0 else "right")
        ct.add_column(L("term.col.spend_in", currency=markup(L.currency)), justify="right")
        for pr in planned:
            current = pr.current_units or 0.0
            if current:
                change = pct(pr.units / current - 1, 0, L)
                change = change if change.startswith("-") else "+" + change
            else:
                change = L("term.new")
            ct.add_row(
                markup(pr.name or pr.id),
                number(current, L),
                number(pr.units, L),
                change,
                f"{money(pr.current_spend, L)} → {money(pr.spend, L)}",
            )
        console.print(ct)
    if r.marginal_values:
        print_marginal(console, r.marginal_values, cur, L.lang)
    else:
        console.print(L("term.marginal.off"))


def _names(r: Result, L: Labels) -> dict[str, str]:
    """Display names of the ids a target row may name: departments, clusters, metrics,
    components, the spend share of a share target and the youth metric."""
    s = r.scenario
    names = {"share": L("unit.share"), "youth": L("unit.young_people")}
    names[PAZOS_OWNER] = L("owner.pazos")
    names.update({d.id: d.name for d in s.departments})
    names.update({c.id: c.name for c in s.clusters})
    names.update({m: s.metric_name(m) for p in s.programmes for m in p.outputs})
    names.update({cid: L.component(cid) for cid in s.component_names()})
    return names


def _row_name(key: str, names: dict[str, str]) -> str:
    """'Zamorano / Arte' for the row key 'zamorano/arts'."""
    return " / ".join(names.get(part, part) for part in key.split("/"))


#: The terminal lists at most this many clusters (the workbook has them all).
TERMINAL_CLUSTERS = 24
# Below this many columns the targets table shows four columns instead of eight.
WIDE_TARGETS = 120
# Below this many columns the clusters table shows six columns instead of eight.
WIDE_CLUSTERS = 100


def print_clusters(console: Console, r: Result, lang: str | None = None) -> None:
    """Distinct youth beside participations, per cluster, by name (a long name folds in
    its column), the prioritized ones with the lowest coverage first when there are too
    many to list."""
    cur = r.scenario.scenario.currency
    L = labels(lang or r.scenario.scenario.language, cur)
    clusters = r.clusters
    title = L("term.clusters.title", currency=L.currency)
    if len(clusters) > TERMINAL_CLUSTERS:
        clusters = sorted(clusters, key=lambda c: (not c.prioritized, c.coverage, c.id))
        clusters = clusters[:TERMINAL_CLUSTERS]
        title += L("term.clusters.lowest", n=TERMINAL_CLUSTERS, total=len(r.clusters))
    table = Table(title=title, title_justify="left")
    per = L.money_unit("per", cur).removeprefix(L("term.one_more_prefix"))
    # Below WIDE_CLUSTERS columns whether a cluster is prioritized and its youth go under
    # its name: the seven figures alone would take 78 columns.
    wide = console.width >= WIDE_CLUSTERS
    first: tuple[str, ...] = ("cluster", "prio", "youth") if wide else ("cluster",)
    cols = (*first, "distinct", "participations", "coverage", "spend")
    # Headers broken by hand so that the numbers never wrap.
    for col in cols:
        if col == "cluster":
            # never squeezed away: a cluster's name folds, it does not vanish
            table.add_column(L("term.col.cluster"), overflow="fold", min_width=10)
        else:
            table.add_column(L(f"term.col.c.{col}"), justify="right", no_wrap=True)
    # "cada millón más" on two lines: the column stays as narrow as its numbers allow
    head = L("term.col.c.extra", per=per.replace(" ", "\n", 1))
    table.add_column(head, justify="right", no_wrap=True)
    for c in clusters:
        figures = (
            whole(c.youth_reached, L),
            whole(c.participations, L),
            pct(c.coverage, 1, L),
            money(c.spend, L),
            L.num(c.marginal_youth_per_money, 2),
        )
        name = markup(c.name or c.id)
        if wide:
            prio = L("term.yes") if c.prioritized else L("term.no")
            table.add_row(name, prio, L.num(c.youth_population, 0), *figures)
        else:
            about = f"{L.num(c.youth_population, 0)} {L('unit.young_people')}"
            if c.prioritized:
                about += f" · {L('col.prioritized').lower()}"
            table.add_row(f"{name}\n[dim]{about}[/]", *figures)
    console.print(table)


def one_more(currency: str, lang: str = "en") -> str:
    """'one more million' (money in COP millions) or 'one more <unit>'."""
    return labels(lang, currency).money_unit("per", currency)


def about(x: float, L: Labels | None = None) -> str:
    """A count of young people as the summary sentence gives it."""
    return (L or EN).about(x)


def marginal_youth_sentence(r: Result, lang: str | None = None) -> str:
    """'One more million in Zamorano reaches about 120 more young people; in Rozo, 95.'"""
    cur = r.scenario.scenario.currency
    L = labels(lang or r.scenario.scenario.language, cur)
    return L.marginal_youth_sentence(top_marginal_clusters(r), cur)


def _fmt_row(kind: TargetKind, x: float, L: Labels | None = None) -> str:
    return pct(x, 1, L) if kind == TargetKind.SPEND_SHARE else number(x, L)


def print_marginal(
    console: Console, values: list[MarginalValue], currency: str, lang: str = "en"
) -> None:
    L = labels(lang, currency)
    console.print(L("term.marginal.title"))
    if values and all(m.reason_code == NotExact.PLAN_NOT_OPTIMAL for m in values):
        # One reason for every source: say it once.
        console.print("  " + L("term.marginal.plan_not_optimal"), markup=False)
        return
    for m in values:
        console.print("  " + visible(L.marginal_sentence(m)), markup=False)


def print_diagnosis(
    console: Console,
    diagnosis: Sequence[Finding],
    lang: str = "en",
    scenario: Scenario | None = None,
) -> None:
    """The diagnosis: in English the findings' own messages; in another language (with
    the scenario, for its names) each finding said from its figures."""
    from .diagnose import diagnosis_header_key, diagnosis_lines

    L = labels(lang)
    if scenario is not None:
        L = Labels(L.lang, scenario.scenario.currency, scenario.given_component_names())
    key = diagnosis_header_key(diagnosis)
    header = "" if key == "fallback" else L(f"term.diagnosis.{key}")
    console.print(L("term.infeasible") + (f" {markup(header)}" if header else ""))
    if L.lang == "en" or scenario is None:
        lines = diagnosis_lines(diagnosis, L("term.diagnosis.or_instead"), L("term.diagnosis.and"))
    else:
        from .reports.diagnosis import diagnosis_places, finding_sentence

        places = diagnosis_places(L, scenario)
        clusters = {c.id for c in scenario.clusters}
        lines = []
        for f in diagnosis:
            lines.append(f"  - {finding_sentence(L, scenario, f)}")
            if f.alternatives:
                alternatives = L("term.diagnosis.and").join(
                    L.alternative(a, places, clusters) for a in f.alternatives
                )
                lines.append(L("term.diagnosis.or_instead", alternatives=alternatives))
    for line in lines:
        console.print(visible(line, newlines=True), markup=False)


def whole(x: float, L: Labels | None = None) -> str:
    """Compact figures for the side-by-side tables (the workbook has the decimals)."""
    return (L or EN).num(x, 0)


def _signed(x: float, decimals: int, L: Labels | None = None) -> str:
    if abs(x) < ZERO:
        return ""
    text = (L or EN).num(x, decimals)
    if text.strip("-0,.") == "":
        return ""
    return f" ({text if text.startswith('-') else '+' + text})"


def print_comparison(console: Console, c: Comparison, lang: str | None = None) -> None:
    """Key figures of each scenario, with the change against the base (the first)."""
    cur = c.base.scenario.scenario.currency
    L = labels(lang or c.base.scenario.scenario.language, cur)
    table = Table(title=L("term.cmp.title", currency=markup(L.currency)), title_justify="left")
    figures = c.key_figures()
    # the ids are how the workbook names the scenarios: never cut them (in a narrow
    # terminal a long id folds onto a second line)
    table.add_column(L("term.col.scenario"), overflow="fold")
    rows = []
    base = figures[0]
    shown = c.shown(L.lang)
    for k, f in enumerate(figures):
        # the changes of the figures as shown (whole), so that they add up on the screen
        d = {
            key: shown_difference(f[key], base[key], 0)
            for key in ("budget", "spend", "youth_reached", "weighted_coverage")
        } | {"targets_met": f["targets_met"] - base["targets_met"]}
        show = k > 0
        row = [
            markup(shown[k]) + (L("term.cmp.base") if not show else ""),
            whole(f["budget"], L) + (_signed(d["budget"], 0, L) if show else ""),
            whole(f["spend"], L) + (_signed(d["spend"], 0, L) if show else ""),
            whole(f["youth_reached"], L) + (_signed(d["youth_reached"], 0, L) if show else ""),
            whole(f["weighted_coverage"], L)
            + (_signed(d["weighted_coverage"], 0, L) if show else ""),
            f"{f['targets_met']}/{f['targets_total']}"
            + (_signed(d["targets_met"], 0, L) if show else ""),
        ]
        # the change against the base goes under the figure: a column as narrow as that
        rows.append([row[0]] + [cell.replace(" (", "\n(", 1) for cell in row[1:]])
    for j, col in enumerate(("budget", "spend", "youth", "weighted", "targets_met"), 1):
        head = L(f"term.col.k.{col}")
        table.add_column(head, justify="right", width=_widest_line(head, rows, j))
    for row in rows:
        table.add_row(*row)
    console.print(table)


def print_frontier(console: Console, sw: Sweep, lang: str | None = None) -> None:
    """The budget frontier, one line per point."""
    from .analysis import PointStatus, frontier_rows

    rows = frontier_rows(sw)
    cur = sw.scenario.scenario.currency
    L = labels(lang or sw.scenario.scenario.language, cur)
    scaled = bool(sw.points) and sw.points[0].scale is not None
    table = Table(title=L("term.frontier.title", currency=markup(L.currency)), title_justify="left")
    heads = [L("term.col.scale")] if scaled else []
    heads += [L(f"term.col.k.{col}") for col in ("budget", "spend", "youth", "weighted")]
    heads += [L("term.col.k.targets_met"), L("term.col.extra_per_unit")]
    lines: list[list[str]] = []
    figures: list[list[str]] = []  # the rows of figures, which set the columns' widths
    for row in rows:
        scale_cell = [f"{row.scale:g}".replace(".", L.num(0.5, 1)[1])] if scaled else []
        f = row.figures
        if f is None:
            status = (
                L("term.not_solved")
                if row.status == PointStatus.NOT_SOLVED
                else L("term.no_solution")
            )
            lines.append([*scale_cell, whole(row.budget, L), f"[dim]{status}[/]", "", "", "", ""])
            continue
        per = f.youth_per_unit
        cells = [
            *scale_cell,
            whole(row.budget, L),
            whole(f.spend, L),
            whole(f.youth_reached, L),
            whole(f.weighted_coverage, L),
            f"{f.targets_met}/{f.targets_total}",
            "—" if per is None else L.num(per, 3),
        ]
        lines.append(cells)
        figures.append(cells)
    for j, title in enumerate(heads):
        # no word of a header and no figure is ever cut
        table.add_column(title, justify="right", width=_widest_line(title, figures, j))
    for cells in lines:
        table.add_row(*cells)
    console.print(table)


def print_alternatives(
    console: Console, alts: Alternatives, *, brief: bool = False, lang: str | None = None
) -> None:
    """The alternatives found, or why there are fewer than asked."""
    o = alts.options
    s = alts.plan.scenario
    L = labels(lang or s.scenario.language, s.scenario.currency)
    if alts.found and not brief:
        table = Table(
            title=L("term.alt.title", gap=percent(o.gap, L), currency=markup(L.currency)),
            title_justify="left",
        )
        for key in ("plan", "difference", "spend", "youth", "final"):
            table.add_column(L(f"term.alt.col.{key}"), justify="left" if key == "plan" else "right")
        rows = [(L("term.alt.plan"), None, alts.plan)] + [
            (L("term.alt.alternative", n=a.number), a.difference, a.result) for a in alts.found
        ]
        for name, diff, r in rows:
            final = r.stages[-1].objective if r.stages else 0.0
            table.add_row(
                name,
                "—" if diff is None else pct(diff, 1, L),
                money(r.spend, L),
                whole(r.youth_reached, L),
                L.num(final, 2),
            )
        console.print(table)
    if alts.note:
        note = alts.note
        if L.lang != "en":  # the workbook's sentence (`Alternatives.note` is English)
            from .reports.alternatives import note_text

            note = note_text(L, alts)
        console.print(L("term.alt.note", note=visible(note)), markup=False)


def print_robust(console: Console, r: Robust, lang: str | None = None) -> None:
    """The plan across the sampled worlds: youth and spend, then each target."""
    from .robust import robust_json

    doc = robust_json(r)
    s = r.loaded.scenario
    L = labels(lang or s.scenario.language, s.scenario.currency)
    youth, spend, best = doc["youth_reached"], doc["spend"], doc["best_per_world"]

    def spread(d: dict[str, Any]) -> str:
        if d["p50"] is None:
            return "—"
        return L(
            "term.robust.spread",
            p50=whole(d["p50"], L),
            p5=whole(d["p5"], L),
            p95=whole(d["p95"], L),
        )

    done = (
        L("term.robust.done_of", done=doc["evaluated"], samples=r.samples)
        if r.interrupted
        else str(r.samples)
    )
    one = not r.interrupted and r.samples == 1  # "1 mundo simulado"; "3 de 200 mundos"
    console.print(L(f"term.robust.head.{'one' if one else 'other'}", done=done, seed=r.seed))
    console.print(L("term.robust.youth", plan=whole(youth["plan"], L), spread=spread(youth)))
    console.print(
        L(
            "term.robust.spend",
            currency=markup(L.currency),
            plan=whole(spend["plan"], L),
            spread=spread(spend),
        )
    )
    if doc["hard_target_failure_share"] is not None:
        console.print(
            L("term.robust.hard_fail", share=percent(doc["hard_target_failure_share"], L))
        )
    line = L(
        "term.robust.best",
        youth=spread(best["youth_reached"]),
        gain=spread(best["youth_gain"]),
    )
    if best["infeasible"]:
        line += L.agreeing("term.robust.infeasible", best["infeasible"])
    console.print(line)
    table = Table(title=L("term.robust.targets"), title_justify="left")
    names = {t.id: t.name or t.id for _, t in s.all_targets()}
    owners = {d.id: d.name for d in s.departments}
    owner_names = [L("owner.pazos"), *owners.values()]
    for key in ("target", "owner", "hard", "in_plan", "held", "best"):
        # names wrap between words in a narrow terminal, never cut ("PAZOS (cross-cuttin…"):
        # a name column is as wide as its longest word (up to 24 characters)
        words = {"target": list(names.values()), "owner": owner_names}.get(key, [])
        longest = max((len(w) for n in words for w in n.split()), default=0)
        table.add_column(
            L(f"term.robust.col.{key}"),
            justify="left" if key in ("target", "owner") else "right",
            overflow="fold",
            min_width=min(longest, 24) or None,
        )
    for t in doc["targets"]:
        p, b = t["probability_met"], t["best_probability_met"]
        owner = t["owner"]
        table.add_row(
            markup(names.get(t["id"], t["id"])),
            markup(L("owner.pazos") if owner == PAZOS_OWNER else owners.get(owner, owner)),
            L("term.yes") if t["hard"] else "",
            L("term.robust.met") if t["met_in_plan"] else L("term.robust.not_met"),
            "—" if p is None else percent(p, L),
            "—" if b is None else percent(b, L),
        )
    console.print(table)
