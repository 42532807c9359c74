"""The command line: parses options, calls the library, maps errors to exit codes.

Nothing here computes anything; every command is a few calls into the library.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from . import __version__
from .errors import EXIT_CODES, PazosBudgetError, ScenarioError
from .loader import load_scenario

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


def main() -> None:
    """Console-script entry point: no traceback ever reaches a user for a known error."""
    try:
        app()
    except PazosBudgetError as e:
        raise SystemExit(fail(e).exit_code) from None
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
