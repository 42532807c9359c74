"""The command line: parses options, calls the library, maps errors to exit codes.

Nothing here computes anything; every command is a few calls into the library.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, ParamSpec

import typer
from rich.console import Console

from . import __version__
from .errors import EXIT_CODES, PazosBudgetError, ScenarioError
from .loader import load_scenario
from .solve import DEFAULT_MIP_GAP, HIGHS, SolveOptions

app = typer.Typer(
    name="pazos-budget",
    help="Budget targeting and cross-department spending optimizer for PAZOS (Palmira).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    epilog="Exit codes: " + "; ".join(f"{code} {meaning}" for code, meaning in EXIT_CODES.items()),
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(error: PazosBudgetError) -> typer.Exit:
    """Print an error the user can act on and return the exit to raise."""
    if isinstance(error, ScenarioError):
        for problem in error.problems:
            err.print(str(problem), markup=False)
    else:
        err.print(f"error: {error}", markup=False)
    return typer.Exit(error.exit_code)


P = ParamSpec("P")


def reports_errors(command: Callable[P, None]) -> Callable[P, None]:
    """Turn the library's errors into a message and an exit code, inside the command, so
    that the app behaves the same from the console script and from Python (tests)."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            command(*args, **kwargs)
        except PazosBudgetError as e:
            raise fail(e) from None

    return wrapper


def version_callback(value: bool) -> None:
    if value:
        out.print(f"pazos-budget {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool | None,
        typer.Option("--version", callback=version_callback, is_eager=True, help="Show version."),
    ] = None,
) -> None:
    """Budget targeting and cross-department spending optimizer for PAZOS (Palmira)."""


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Scenario files to check.")],
) -> None:
    """Check scenario files; print a summary of each valid one, every problem otherwise."""
    bad = 0
    for path in files:
        try:
            loaded = load_scenario(path)
        except ScenarioError as e:
            bad += 1
            for problem in e.problems:
                err.print(str(problem), markup=False)
            continue
        s = loaded.scenario
        targets = len(s.targets) + sum(len(d.goals) for d in s.departments)
        out.print(
            f"{path}: ok: {len(s.clusters)} clusters "
            f"({len(s.prioritized_cluster_ids)} prioritized), {len(s.departments)} departments, "
            f"{len(s.programmes)} programmes, {targets} targets and goals, "
            f"total budget {s.budget.total:,.0f} {s.scenario.currency}",
            markup=False,
        )
    if bad:
        raise typer.Exit(ScenarioError.exit_code)


@app.command()
@reports_errors
def solve(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (YAML).")],
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the machine-readable result here.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the allocation workbook (.xlsx).")
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option("--lang", help="Workbook language: es or en (default: the scenario's)."),
    ] = None,
    solver: Annotated[
        str, typer.Option(help="highs (default), cbc, or another PuLP solver.")
    ] = HIGHS,
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", help="Seconds for the whole solve.")
    ] = None,
    mip_gap: Annotated[
        float, typer.Option("--mip-gap", help="Relative MIP gap (default 1e-6).")
    ] = DEFAULT_MIP_GAP,
    write_model: Annotated[
        Path | None, typer.Option("--write-model", help="Export the model as .lp or .mps.")
    ] = None,
    marginal: Annotated[
        bool, typer.Option("--marginal/--no-marginal", help="Compute the marginal value of money.")
    ] = True,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No terminal summary.")] = False,
    overrides: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="Change one value, e.g. budget.total=10800 or "
            "departments.culture.budget=+20% (repeatable).",
        ),
    ] = None,
) -> None:
    """Solve a scenario: print the summary, optionally write JSON, workbook and model."""
    from .files import write_json
    from .pipeline import ScenarioInfeasible, solve_scenario
    from .result import to_json
    from .terminal import print_diagnosis, print_result

    loaded = load_scenario(scenario, overrides or ())
    options = SolveOptions(
        solver=solver, time_limit=time_limit, mip_gap=mip_gap, write_model=write_model
    )
    inputs = [scenario]
    try:
        result = solve_scenario(loaded, options, marginal=marginal)
    except ScenarioInfeasible as e:
        print_diagnosis(err, e.diagnosis)
        if json_out is not None:
            write_json(json_out, e.to_json(), inputs)
        raise typer.Exit(e.exit_code) from None
    if not quiet:
        print_result(out, result)
    if json_out is not None:
        write_json(json_out, to_json(result), inputs)
        if not quiet:
            out.print(f"JSON result written to {json_out}", markup=False)
    if output is not None:
        from .reports.excel import write_workbook

        write_workbook(
            result, output, lang=lang or result.scenario.scenario.language, inputs=inputs
        )
        if not quiet:
            out.print(f"Workbook written to {output}", markup=False)


def main() -> None:
    """Console-script entry point: no traceback ever reaches a user for a known error."""
    try:
        app()
    except PazosBudgetError as e:
        raise SystemExit(fail(e).exit_code) from None
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except Exception as e:  # a bug: say so plainly; the traceback on request
        if os.environ.get("PAZOS_BUDGET_DEBUG"):
            raise
        err.print(
            f"internal error: {type(e).__name__}: {e}\n"
            "This is a bug in pazos-budget. Run again with PAZOS_BUDGET_DEBUG=1 for the "
            "traceback and report it.",
            markup=False,
        )
        sys.exit(1)
