"""The terminal summary of a result (rich tables), and of a diagnosis.

Every string from a scenario goes through `display.markup` (or is printed with
markup off through `display.visible`): names are data, never markup or escape codes."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from .display import markup, visible
from .explain import MILLION_UNITS, top_marginal_clusters

if TYPE_CHECKING:  # analysis and diagnose are imported only by the commands that use them
    from .alternatives import Alternatives
    from .analysis import Comparison, Sweep
    from .result import Result
    from .robust import Robust
    from .solve import Progress, SolveControl

MET = "[green]✔ met[/]"
NOT_MET = "[red]✘ not met[/]"


def money(x: float | None) -> str:
    return "—" if x is None else f"{x:,.1f}"


def number(x: float) -> str:
    return f"{x:,.0f}" if abs(x - round(x)) < 1e-6 else f"{x:,.2f}"


def percent(x: float) -> str:
    """A relative gap as a percentage that stays readable when small: 0.0011%, 2.5%."""
    return f"{x * 100:.2g}%" if x < 0.01 else f"{x:.1%}"


def progress_line(p: Progress) -> str:
    """'Solving stage 4 of 5 (final): best 53,440.2, bound 53,449.3, gap 0.02% · 5.8 s'."""
    text = f"Solving stage {p.number} of {p.stages} ({p.stage})"
    if p.incumbent is not None:
        # `+ 0.0` turns a solver's -0.0 into 0: "best -0" reads as a loss.
        text += f": best {p.incumbent + 0.0:,.6g}"
        if p.bound is not None:
            text += f", bound {p.bound + 0.0:,.6g}"
        if p.gap is not None:
            text += f", gap {percent(p.gap)}"
    elif p.bound is not None:
        text += f": no plan yet, bound {p.bound + 0.0:,.6g}"
    return f"{text} · {p.elapsed:,.1f} s · Ctrl-C keeps the best plan found"


@contextlib.contextmanager
def solve_progress(console: Console, control: SolveControl) -> Iterator[None]:
    """A live progress line on `console` while a solve runs, only if it is a terminal
    (never in a pipe, a file or a JSON stream); it disappears when the solve ends."""
    if not console.is_terminal:
        yield
        return
    with console.status("Solving…") as status:

        def show(p: Progress) -> None:
            status.update(markup(progress_line(p)))

        def phase(text: str) -> None:
            status.update(markup(f"{text} · Ctrl-C keeps the plan without them"))

        control.on_progress = show
        control.on_phase = phase
        try:
            yield
        finally:
            control.on_progress = None
            control.on_phase = None


def stage_status(status: str, gap: float | None) -> str:
    """'' for a proven optimum; ' (feasible, gap 0.02%)' or ' (not run)' otherwise."""
    if status == "optimal":
        return ""
    if status == "not_run":
        return " (not run)"
    return f" ({status}, gap {percent(gap)})" if gap is not None else f" ({status}, gap unknown)"


def print_result(console: Console, r: Result) -> None:
    s = r.scenario
    cur = s.scenario.currency
    console.print(
        f"[bold]{markup(s.scenario.name)}[/] ({markup(s.scenario.id)}) — status "
        f"[bold]{r.status.value}[/], solver {markup(r.solver)}, {r.seconds:.2f} s"
    )
    for note in r.notes:
        console.print(f"[yellow]{markup(note)}[/]")
    met, total = r.targets_met()
    console.print(
        f"Budget {money(r.budget)} {markup(cur)}; spent {money(r.spend)}; "
        f"unspent {money(r.unspent)}. "
        f"Distinct youth reached (estimated) {number(round(r.youth_reached))}, from "
        f"{number(round(r.participations))} participations; prioritized clusters covered "
        f"{r.prioritized_coverage:.1%}. Targets and goals met: {met} of {total}."
    )
    console.print(marginal_youth_sentence(r), markup=False)

    stages = Table(title="Stage objectives", title_justify="left")
    stages.add_column("Stage")
    stages.add_column("Objective", justify="right")
    stages.add_column("Meaning")
    for st in r.stages:
        if st.priority is not None:
            stages.add_row(
                f"priority {st.priority}{stage_status(st.status, st.gap)}",
                f"{st.objective:.6g}",
                "weighted relative shortfall (0 = all met)",
            )
        elif st.final == "maximize_weighted_reach":
            stages.add_row(
                f"final{stage_status(st.status, st.gap)}",
                number(st.objective),
                "weighted distinct youth reached",
            )
        elif st.final == "maximize_min_coverage":
            stages.add_row(
                f"final{stage_status(st.status, st.gap)}",
                f"{st.objective:.1%}",
                "lowest coverage of a prioritized cluster",
            )
        else:
            stages.add_row(
                f"final{stage_status(st.status, st.gap)}",
                money(st.objective),
                f"total spend ({markup(cur)})",
            )
    console.print(stages)

    deps = Table(title=f"Spend by department ({markup(cur)})", title_justify="left")
    for col in ("Department", "Envelope", "Spend", "Used", "Unspent", "Programmes", "Goals met"):
        deps.add_column(col, justify="left" if col == "Department" else "right")
    for d in r.departments:
        used = f"{d.spend / d.budget:.0%}" if d.budget else "—"
        deps.add_row(
            markup(d.name),
            money(d.budget),
            money(d.spend),
            used,
            money(d.unspent),
            f"{d.programmes_funded}/{d.programmes_submitted}",
            f"{d.goals_met}/{d.goals_total}",
        )
    console.print(deps)

    print_clusters(console, r)

    tt = Table(title="Targets and goals", title_justify="left")
    for col in (
        "Target",
        "Owner",
        "Kind",
        "Prio",
        "Hard",
        "Status",
        "Worst row",
        "Achieved / required",
    ):
        tt.add_column(col, justify="right" if col in ("Prio",) else "left")
    for t in r.targets:
        worst = max(t.rows, key=lambda row: row.relative_shortfall, default=None)
        tt.add_row(
            markup(t.id),
            markup(t.owner),
            markup(t.kind),
            str(t.priority),
            "yes" if t.hard else "no",
            MET if t.met else NOT_MET,
            markup(worst.key) if worst else "—",
            f"{_fmt_row(t.kind, worst.achieved)} / {_fmt_row(t.kind, worst.required)}"
            if worst
            else "—",
        )
    console.print(tt)
    unservable = [t for t in r.targets if t.reason]
    if unservable:
        console.print("[bold]Targets nothing in their scope can serve[/] (reported unmet)")
        for t in unservable:
            console.print(visible(f"  - {t.name}: {t.reason}."), markup=False)
    planned = [pr for pr in r.programmes if pr.current_units is not None]
    if planned:
        ct = Table(title="Current plan against optimized", title_justify="left")
        for col in (
            "Programme",
            "Current units",
            "Optimized units",
            "Change",
            f"Spend ({markup(cur)})",
        ):
            ct.add_column(col, justify="left" if col == "Programme" else "right")
        for pr in planned:
            current = pr.current_units or 0.0
            change = f"{pr.units / current - 1:+.0%}" if current else "new"
            ct.add_row(
                markup(pr.id),
                number(current),
                number(pr.units),
                change,
                f"{money(pr.current_spend)} → {money(pr.spend)}",
            )
        console.print(ct)
    if r.marginal_values:
        print_marginal(console, r.marginal_values, cur)
    else:
        console.print(
            "[dim]Marginal value of money: not computed; add --marginal "
            "(one more solve per money source).[/]"
        )


#: The terminal lists at most this many clusters (the workbook has them all).
TERMINAL_CLUSTERS = 24


def print_clusters(console: Console, r: Result) -> None:
    """Distinct youth beside participations, per cluster, by id (names are long; the
    workbook has them), the prioritized ones with the lowest coverage first when there
    are too many to list."""
    cur = r.scenario.scenario.currency
    clusters = r.clusters
    title = f"Clusters (money in {cur})"
    if len(clusters) > TERMINAL_CLUSTERS:
        clusters = sorted(clusters, key=lambda c: (not c.prioritized, c.coverage, c.id))
        clusters = clusters[:TERMINAL_CLUSTERS]
        title += f": the {TERMINAL_CLUSTERS} with the lowest coverage, of {len(r.clusters)}"
    table = Table(title=title, title_justify="left")
    per = one_more(cur).removeprefix("one more ")
    # Headers broken by hand so that the numbers never wrap, even in 80 columns.
    for col in (
        "Cluster",
        "Prio",
        "Youth",
        "Distinct\nyouth\n(est.)",
        "Partici-\npations",
        "Cover-\nage",
        "Spend",
        f"Extra\nyouth per\n{per}",
    ):
        if col == "Cluster":
            table.add_column(col, overflow="fold")
        else:
            table.add_column(col, justify="right", no_wrap=True)
    for c in clusters:
        table.add_row(
            markup(c.id),
            "yes" if c.prioritized else "no",
            f"{c.youth_population:,}",
            whole(c.youth_reached),
            whole(c.participations),
            f"{c.coverage:.1%}",
            money(c.spend),
            f"{c.marginal_youth_per_money:,.2f}",
        )
    console.print(table)


def one_more(currency: str) -> str:
    """'one more million' (money in COP millions) or 'one more <unit>'."""
    return "one more million" if currency in MILLION_UNITS else f"one more {currency}"


def about(x: float) -> str:
    """A count of young people as the summary sentence gives it."""
    return f"{x:,.0f}" if x >= 9.5 else f"{x:.1f}"


def marginal_youth_sentence(r: Result) -> str:
    """'One more million in Zamorano reaches about 120 more young people; in Rozo, 95.'"""
    top = top_marginal_clusters(r)
    more = one_more(r.scenario.scenario.currency)
    if not top:
        return f"{more[0].upper()}{more[1:]} reaches no more young people in any cluster."
    (first, n), rest = top[0], top[1:]
    text = f"{more[0].upper()}{more[1:]} in {first} reaches about {about(n)} more young people"
    return text + "".join(f"; in {name}, {about(m)}" for name, m in rest) + "."


def _fmt_row(kind: str, x: float) -> str:
    return f"{x:.1%}" if kind == "spend_share" else number(x)


def marginal_sentence(m: dict[str, Any], currency: str) -> str:
    """'100 more (COP millions) for Culture reaches about 40 more young people.'"""
    who = "the total budget" if m["source"] == "total_budget" else m["name"]
    head = f"{number(m['extra'])} more ({currency}) for {who}"
    if not m.get("exact", True):
        return f"{head}: {m['reason']}."
    gains = [s for s in m["stages"] if "priority" in s and s["improvement"] > 1e-9]
    closer = ", ".join(
        f"priority-{g['priority']} shortfall {g['before']:.3g} → {g['after']:.3g}" for g in gains
    )
    youth = m["youth_reached"]
    if youth > 0.5:
        reach = f"reaches about {youth:,.0f} more young people"
    elif youth < -0.5:
        reach = f"reaches about {-youth:,.0f} fewer young people"
    else:
        reach = "reaches no more young people"
    if gains and youth < -0.5:
        return f"{head} first brings higher-priority targets closer ({closer}), so it {reach}."
    if gains:
        return f"{head} brings higher-priority targets closer ({closer}) and {reach}."
    if youth <= 0.5:
        return f"{head} {reach}: this money is not what limits the result."
    return f"{head} {reach}."


def print_marginal(console: Console, values: list[dict[str, Any]], currency: str) -> None:
    console.print("[bold]Marginal value of money[/]")
    if values and all(m.get("reason_code") == "plan_not_optimal" for m in values):
        # One reason for every source: say it once.
        console.print(
            f"  {values[0]['reason'][:1].upper()}{values[0]['reason'][1:]}.", markup=False
        )
        return
    for m in values:
        console.print("  " + visible(marginal_sentence(m, currency)), markup=False)


def print_diagnosis(console: Console, diagnosis: list[dict[str, Any]]) -> None:
    from .diagnose import diagnosis_header, diagnosis_lines

    header = diagnosis_header(diagnosis)
    console.print(
        "[bold red]Infeasible[/]: the hard commitments cannot all hold."
        + (f" {markup(header)}" if header else "")
    )
    for line in diagnosis_lines(diagnosis):
        console.print(visible(line, newlines=True), markup=False)


def whole(x: float) -> str:
    """Compact figures for the side-by-side tables (the workbook has the decimals)."""
    return f"{x:,.0f}"


def _signed(x: float, fmt: str) -> str:
    return "" if abs(x) < 1e-9 else f" ({x:+{fmt}})"


def print_comparison(console: Console, c: Comparison) -> None:
    """Key figures of each scenario, with the change against the base (the first)."""
    cur = c.base.scenario.scenario.currency
    table = Table(
        title=f"Scenarios compared (money in {markup(cur)}, rounded)", title_justify="left"
    )
    figures = c.key_figures()
    # the ids are how the workbook names the scenarios: never cut them
    widest = max(len(str(f["scenario"])) for f in figures)
    table.add_column("Scenario", no_wrap=True, min_width=widest)
    for col in ("Budget", "Spend", "Distinct youth (est.)", "Weighted coverage", "Targets met"):
        table.add_column(col, justify="right")
    base = figures[0]
    for k, f in enumerate(figures):
        d = {key: f[key] - base[key] for key in ("budget", "spend", "youth_reached")} | {
            "weighted_coverage": f["weighted_coverage"] - base["weighted_coverage"],
            "targets_met": f["targets_met"] - base["targets_met"],
        }
        show = k > 0
        table.add_row(
            markup(f["scenario"]) + (" (base)" if not show else ""),
            whole(f["budget"]) + (_signed(d["budget"], ",.0f") if show else ""),
            whole(f["spend"]) + (_signed(d["spend"], ",.0f") if show else ""),
            whole(f["youth_reached"]) + (_signed(d["youth_reached"], ",.0f") if show else ""),
            whole(f["weighted_coverage"])
            + (_signed(d["weighted_coverage"], ",.0f") if show else ""),
            f"{f['targets_met']}/{f['targets_total']}"
            + (_signed(d["targets_met"], "d") if show else ""),
        )
    console.print(table)


def print_frontier(console: Console, sw: Sweep) -> None:
    """The budget frontier, one line per point."""
    from .analysis import frontier_rows

    rows = frontier_rows(sw)
    cur = sw.scenario.scenario.currency
    scaled = bool(sw.points) and sw.points[0].scale is not None
    table = Table(title=f"Budget frontier (money in {markup(cur)}, rounded)", title_justify="left")
    if scaled:
        table.add_column("Scale", justify="right")
    for col in ("Budget", "Spend", "Distinct youth (est.)", "Weighted coverage", "Targets met"):
        table.add_column(col, justify="right")
    table.add_column("Extra youth per unit", justify="right")
    for row in rows:
        head = [f"{row['scale']:g}"] if scaled else []
        if "spend" not in row:
            status = "not solved" if row["status"] == "not solved" else "no solution"
            table.add_row(*head, whole(row["budget"]), f"[dim]{status}[/]", "", "", "", "")
            continue
        per = row["youth_per_unit"]
        table.add_row(
            *head,
            whole(row["budget"]),
            whole(row["spend"]),
            whole(row["youth_reached"]),
            whole(row["weighted_coverage"]),
            f"{row['targets_met']}/{row['targets_total']}",
            "—" if per is None else f"{per:,.3f}",
        )
    console.print(table)


def print_alternatives(console: Console, alts: Alternatives, *, brief: bool = False) -> None:
    """The alternatives found, or why there are fewer than asked."""
    o = alts.options
    if alts.found and not brief:
        cur = alts.plan.scenario.scenario.currency
        table = Table(
            title=f"Alternatives within {percent(o.gap)} of the best "
            f"(money in {markup(cur)}; difference = share of the plan's spend moved)",
            title_justify="left",
        )
        for col in ("Plan", "Difference", "Spend", "Distinct youth (est.)", "Final objective"):
            table.add_column(col, justify="right" if col != "Plan" else "left")
        rows = [("plan", None, alts.plan)] + [
            (f"alternative {a.number}", a.difference, a.result) for a in alts.found
        ]
        for name, diff, r in rows:
            final = r.stages[-1].objective if r.stages else 0.0
            table.add_row(
                name,
                "—" if diff is None else f"{diff:.1%}",
                money(r.spend),
                whole(r.youth_reached),
                f"{final:,.2f}",
            )
        console.print(table)
    if alts.note:
        console.print(f"alternatives: {visible(alts.note)}", markup=False)


def print_robust(console: Console, r: Robust) -> None:
    """The plan across the sampled worlds: youth and spend, then each target."""
    from .robust import robust_json

    doc = robust_json(r)
    cur = markup(r.loaded.scenario.scenario.currency)
    youth, spend, best = doc["youth_reached"], doc["spend"], doc["best_per_world"]

    def spread(d: dict[str, Any]) -> str:
        if d["p50"] is None:
            return "—"
        return f"{whole(d['p50'])} (90% of worlds: {whole(d['p5'])} to {whole(d['p95'])})"

    done = f"{doc['evaluated']} of {r.samples}" if r.interrupted else f"{r.samples}"
    console.print(f"[bold]The plan in {done} sampled worlds[/] (seed {r.seed})")
    console.print(f"  Distinct youth reached (est.): plan {whole(youth['plan'])}; {spread(youth)}")
    console.print(f"  Spend ({cur}): plan {whole(spend['plan'])}; {spread(spend)}")
    if doc["hard_target_failure_share"] is not None:
        console.print(
            f"  Worlds where a hard target fails: {percent(doc['hard_target_failure_share'])}"
        )
    console.print(
        f"  Best plan of each world: youth {spread(best['youth_reached'])}; "
        f"gain over the plan {spread(best['youth_gain'])}"
        + (f"; {best['infeasible']} worlds infeasible" if best["infeasible"] else "")
    )
    table = Table(title="How often each target is met", title_justify="left")
    for col in ("Target", "Owner", "Hard", "In the plan", "Plan held", "Best plan"):
        table.add_column(col, justify="left" if col in ("Target", "Owner") else "right")
    for t in doc["targets"]:
        p, b = t["probability_met"], t["best_probability_met"]
        table.add_row(
            markup(t["id"]),
            markup(t["owner"]),
            "yes" if t["hard"] else "",
            "met" if t["met_in_plan"] else "[bold]not met[/]",
            "—" if p is None else percent(p),
            "—" if b is None else percent(b),
        )
    console.print(table)
