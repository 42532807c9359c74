"""The terminal summary of a result (rich tables), and of a diagnosis."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .diagnose import diagnosis_header, diagnosis_lines
from .result import Result

MET = "[green]✔ met[/]"
NOT_MET = "[red]✘ not met[/]"


def money(x: float | None) -> str:
    return "—" if x is None else f"{x:,.1f}"


def number(x: float) -> str:
    return f"{x:,.0f}" if abs(x - round(x)) < 1e-6 else f"{x:,.2f}"


def print_result(console: Console, r: Result) -> None:
    s = r.scenario
    cur = s.scenario.currency
    console.print(
        f"[bold]{s.scenario.name}[/] ({s.scenario.id}) — status [bold]{r.status.value}[/], "
        f"solver {r.solver}, {r.seconds:.2f} s"
    )
    met, total = r.targets_met()
    console.print(
        f"Budget {money(r.budget)} {cur}; spent {money(r.spend)}; unspent {money(r.unspent)}. "
        f"Youth reached {number(r.youth_reached)}; prioritized clusters covered "
        f"{r.prioritized_coverage:.1%}. Targets and goals met: {met} of {total}."
    )

    stages = Table(title="Stage objectives", title_justify="left")
    stages.add_column("Stage")
    stages.add_column("Objective", justify="right")
    stages.add_column("Meaning")
    for st in r.stages:
        if st.priority is not None:
            stages.add_row(
                f"priority {st.priority}",
                f"{st.objective:.6g}",
                "weighted relative shortfall (0 = all met)",
            )
        elif st.final == "maximize_weighted_reach":
            stages.add_row("final", number(st.objective), "weighted coverage (youth, saturated)")
        else:
            stages.add_row("final", money(st.objective), f"total spend ({cur})")
    console.print(stages)

    deps = Table(title=f"Spend by department ({cur})", title_justify="left")
    for col in ("Department", "Envelope", "Spend", "Used", "Unspent", "Programmes", "Goals met"):
        deps.add_column(col, justify="left" if col == "Department" else "right")
    for d in r.departments:
        used = f"{d.spend / d.budget:.0%}" if d.budget else "—"
        deps.add_row(
            d.name,
            money(d.budget),
            money(d.spend),
            used,
            money(d.unspent),
            f"{d.programmes_funded}/{d.programmes_submitted}",
            f"{d.goals_met}/{d.goals_total}",
        )
    console.print(deps)

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
            t.id,
            t.owner,
            t.kind,
            str(t.priority),
            "yes" if t.hard else "no",
            MET if t.met else NOT_MET,
            worst.key if worst else "—",
            f"{_fmt_row(t.kind, worst.achieved)} / {_fmt_row(t.kind, worst.required)}"
            if worst
            else "—",
        )
    console.print(tt)
    if r.marginal_values:
        print_marginal(console, r.marginal_values, cur)


def _fmt_row(kind: str, x: float) -> str:
    return f"{x:.1%}" if kind == "spend_share" else number(x)


def marginal_sentence(m: dict[str, Any], currency: str) -> str:
    """'100 more (COP millions) for Culture reaches about 40 more young people.'"""
    who = "the total budget" if m["source"] == "total_budget" else m["name"]
    head = f"{number(m['extra'])} more ({currency}) for {who}"
    if "error" in m:
        return f"{head}: the re-solve failed ({m['error']})."
    gains = [s for s in m["stages"] if "priority" in s and s["improvement"] > 1e-9]
    closer = ", ".join(
        f"priority-{g['priority']} shortfall {g['before']:.3g} → {g['after']:.3g}" for g in gains
    )
    youth = m["youth_reached"]
    if youth > 0.5:
        reach = f"reaches about {number(youth)} more young people"
    elif youth < -0.5:
        reach = f"reaches about {number(-youth)} fewer young people"
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
    for m in values:
        console.print("  " + marginal_sentence(m, currency), markup=False)


def print_diagnosis(console: Console, diagnosis: list[dict[str, Any]]) -> None:
    header = diagnosis_header(diagnosis)
    console.print(
        "[bold red]Infeasible[/]: the hard commitments cannot all hold."
        + (f" {escape(header)}" if header else "")
    )
    for line in diagnosis_lines(diagnosis):
        console.print(line, markup=False)
