"""The command line: parses options, calls the library, maps errors to exit codes.

Nothing here computes anything; every command is a few calls into the library.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, ParamSpec, cast

import typer
from rich.console import Console

from . import __version__
from .display import visible
from .errors import EXIT_CODES, PazosBudgetError, ScenarioError, UsageError
from .loader import load_scenario
from .solve import DEFAULT_MIP_GAP, HIGHS, SolveControl, SolveOptions, stop_on_sigint

if TYPE_CHECKING:
    from .reports.labels import Lang

LANGUAGES = ("es", "en")

app = typer.Typer(
    name="pazos-budget",
    help="Budget targeting and cross-department spending optimizer for PAZOS (Palmira).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    epilog="Exit codes: " + "; ".join(f"{code} {meaning}" for code, meaning in EXIT_CODES.items()),
)
# No highlighting and no emoji codes: a name such as 'Plan :fire:' is printed as written.
out = Console(highlight=False, soft_wrap=True, emoji=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)


def say(console: Console, text: object) -> None:
    """Print plain text that may quote user input (a path, a name): never as markup,
    control characters shown visibly (display.visible)."""
    console.print(visible(text, newlines=True), markup=False)


def fail(error: PazosBudgetError) -> typer.Exit:
    """Print an error the user can act on and return the exit to raise."""
    if isinstance(error, ScenarioError):
        for problem in error.problems:
            say(err, problem)
    else:
        say(err, f"error: {error}")
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


# Options shared by solve, compare and sweep, declared once.
SolverOpt = Annotated[str, typer.Option(help="highs (default), cbc, or another PuLP solver.")]
LangOpt = Annotated[
    str | None,
    typer.Option("--lang", help="Workbook language: es or en (default: the scenario's)."),
]
TimeLimitOpt = Annotated[float | None, typer.Option("--time-limit", help="Seconds for each solve.")]
JobsOpt = Annotated[
    int | None, typer.Option("--jobs", "-j", help="Solves at once (default: every core).")
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="Run the batch on the Dask cluster of this scheduler (e.g. tcp://10.0.0.5:8786) "
        "instead of local worker processes.",
    ),
]
BatchJsonOpt = Annotated[
    Path | None,
    typer.Option(
        "--json",
        help="Also write every result, as solve --json would, in one document "
        "(pazos-budget/batch@1).",
    ),
]


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
                say(err, problem)
            continue
        for warning in loaded.warnings:
            say(err, warning)
        s = loaded.scenario
        targets = len(s.targets) + sum(len(d.goals) for d in s.departments)
        say(
            out,
            f"{path}: ok: {len(s.clusters)} clusters "
            f"({len(s.prioritized_cluster_ids)} prioritized), {len(s.departments)} departments, "
            f"{len(s.programmes)} programmes, {targets} targets and goals, "
            f"total budget {s.budget.total:,.0f} {s.scenario.currency}",
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
    lang: LangOpt = None,
    solver: SolverOpt = HIGHS,
    time_limit: TimeLimitOpt = None,
    mip_gap: Annotated[
        float, typer.Option("--mip-gap", help="Relative MIP gap (default 1e-6).")
    ] = DEFAULT_MIP_GAP,
    write_model: Annotated[
        Path | None, typer.Option("--write-model", help="Export the model as .lp or .mps.")
    ] = None,
    marginal: Annotated[
        bool,
        typer.Option(
            "--marginal/--no-marginal",
            help="Also compute the marginal value of money: one more exact solve per money "
            "source (the total budget and each envelope).",
        ),
    ] = False,
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
    from .files import json_writer
    from .outputs import WRITTEN, Output, OutputPlan
    from .pipeline import ScenarioInfeasible, result_document, solve_scenario
    from .terminal import print_diagnosis, print_result, solve_progress

    check_time_limit(time_limit)
    plan = OutputPlan(
        [
            Output("--json", json_out),
            Output("--output", output, (".xlsx",)),
            Output("--write-model", write_model, (".lp", ".mps")),
        ]
    )
    loaded = load_scenario(scenario, overrides or ())
    plan.refuse_inputs(loaded.files)  # the scenario, a base it extends, a CSV table
    for warning in loaded.warnings:
        say(err, warning)
    language = lang or loaded.scenario.scenario.language
    if output is not None and language not in ("es", "en"):
        raise UsageError(f"--lang must be es or en, got '{language}'")
    with plan.reserved():
        control = SolveControl()
        options = SolveOptions(
            solver=solver,
            time_limit=time_limit,
            mip_gap=mip_gap,
            write_model=plan.temp("--write-model"),
            control=control,
        )
        # With HiGHS, the first Ctrl-C stops the solve and keeps its best plan
        # (docs/model.md); another solver runs in its own process and is interrupted as
        # before.
        stopper = stop_on_sigint(control) if solver == HIGHS else contextlib.nullcontext()
        try:
            with stopper, solve_progress(err, control):
                result = solve_scenario(loaded, options, marginal=marginal)
        except ScenarioInfeasible as e:
            print_diagnosis(err, e.diagnosis)
            infeasible = e
            model = plan.temp("--write-model")
            if model is not None and not model.exists():
                # All the outputs or none: refused before any solve, there is no model.
                say(err, "no output written: an infeasible scenario has nothing for --write-model")
            elif plan.options:

                def diagnosis_workbook(tmp: Path) -> None:
                    from .diagnose import diagnosis_header_key
                    from .reports.diagnosis import build_diagnosis
                    from .reports.xlsx import save_xlsx

                    found = infeasible.diagnosis
                    header = diagnosis_header_key(found)
                    book = build_diagnosis(
                        loaded.scenario, loaded.sha256, found, header, lang=language
                    )
                    save_xlsx(book, tmp)

                plan.commit(
                    {
                        "--json": json_writer(e.to_json()),
                        "--output": diagnosis_workbook,
                        "--write-model": WRITTEN,
                    }
                )
                if not quiet:
                    for path, what in ((json_out, "JSON result"), (output, "Diagnosis workbook")):
                        if path is not None:
                            say(err, f"{what} written to {path}")
            raise typer.Exit(e.exit_code) from None
        if not quiet:
            print_result(out, result)

        def workbook(tmp: Path) -> None:
            from .reports.excel import build_workbook
            from .reports.xlsx import save_xlsx

            save_xlsx(build_workbook(result, lang=language), tmp)

        plan.commit(
            {
                "--json": json_writer(result_document(loaded, result)),
                "--output": workbook,
                "--write-model": WRITTEN,
            }
        )
    if not quiet:
        for path, what in ((json_out, "JSON result"), (output, "Workbook"), (write_model, "Model")):
            if path is not None:
                say(out, f"{what} written to {path}")


def parse_range(option: str, text: str) -> list[float]:
    """FROM:TO:STEP as the points of a sweep, or a UsageError naming the option."""
    from .analysis import frange

    parts = text.split(":")
    if len(parts) != 3:
        raise UsageError(f"{option} {text}: give FROM:TO:STEP, e.g. {option} 12000:20000:1000")
    try:
        start, stop, step = (float(p.replace("_", "").replace(",", "")) for p in parts)
    except ValueError:
        raise UsageError(f"{option} {text}: FROM, TO and STEP must be numbers") from None
    if not all(map(math.isfinite, (start, stop, step))):
        raise UsageError(f"{option} {text}: FROM, TO and STEP must be finite numbers")
    if option == "--budget" and start < 0:
        raise UsageError(f"{option} {text}: a budget cannot be negative")
    if option == "--scale" and start < 0:
        raise UsageError(f"{option} {text}: a scale cannot be negative")
    try:
        return frange(start, stop, step)
    except ValueError as e:
        raise UsageError(f"{option} {text}: {e}") from None


def check_language(language: str) -> Lang:
    """The workbook language, checked before any solving."""
    if language not in LANGUAGES:
        raise UsageError(f"--lang must be es or en, got '{language}'")
    return cast("Lang", language)


def check_jobs(jobs: int | None) -> None:
    if jobs is not None and jobs < 1:
        raise UsageError(f"--jobs {jobs}: give at least 1")


def check_time_limit(seconds: float | None) -> None:
    """A time limit is a positive, finite number of seconds (nan, inf and 0 are not)."""
    if seconds is not None and not (math.isfinite(seconds) and seconds > 0):
        raise UsageError(
            f"--time-limit {seconds:g}: give a positive number of seconds, e.g. --time-limit 60"
        )


@app.command()
@reports_errors
def compare(
    scenarios: Annotated[
        list[Path], typer.Argument(help="The base scenario, then one or more variants (YAML).")
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Write the comparison workbook (.xlsx).")
    ],
    json_out: BatchJsonOpt = None,
    lang: LangOpt = None,
    solver: SolverOpt = HIGHS,
    time_limit: TimeLimitOpt = None,
    jobs: JobsOpt = None,
    scheduler: SchedulerOpt = None,
) -> None:
    """Set scenarios side by side for the council: one workbook with the key figures,
    spend by department, cluster and component, targets, and what is cut first."""
    from .analysis import compare as compare_scenarios
    from .analysis import comparison_json
    from .files import json_writer
    from .outputs import Output, OutputPlan
    from .terminal import print_comparison

    if len(scenarios) < 2:
        raise UsageError("compare needs a base scenario and at least one variant")
    check_jobs(jobs)
    check_time_limit(time_limit)
    plan = OutputPlan([Output("--output", output, (".xlsx",)), Output("--json", json_out)])
    plan.refuse_inputs(scenarios)
    loaded = [load_scenario(path) for path in scenarios]
    inputs = [f for one in loaded for f in one.files]
    plan.refuse_inputs(inputs)
    for warning in (w for one in loaded for w in one.warnings):
        say(err, warning)
    language = check_language(lang or loaded[0].scenario.scenario.language)
    options = SolveOptions(solver=solver, time_limit=time_limit)
    with plan.reserved():
        comparison = compare_scenarios(loaded, options, jobs, scheduler)
        print_comparison(out, comparison)

        def workbook(tmp: Path) -> None:
            from .reports.council import build_comparison
            from .reports.xlsx import save_xlsx

            save_xlsx(build_comparison(comparison, lang=language), tmp)

        plan.commit({"--output": workbook, "--json": json_writer(comparison_json(comparison))})
    say(out, f"Workbook written to {output}")
    if json_out is not None:
        say(out, f"JSON results written to {json_out}")


@app.command()
@reports_errors
def sweep(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (YAML).")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Write the frontier workbook (.xlsx).")
    ],
    budget: Annotated[
        str | None,
        typer.Option("--budget", help="Total budgets FROM:TO:STEP, e.g. 12000:20000:1000."),
    ] = None,
    scale: Annotated[
        str | None,
        typer.Option(
            "--scale", help="Factors on every money limit FROM:TO:STEP, e.g. 0.5:1.5:0.1."
        ),
    ] = None,
    json_out: BatchJsonOpt = None,
    lang: LangOpt = None,
    solver: SolverOpt = HIGHS,
    time_limit: TimeLimitOpt = None,
    jobs: JobsOpt = None,
    scheduler: SchedulerOpt = None,
    overrides: Annotated[
        list[str] | None,
        typer.Option("--set", help="Change one value before sweeping (repeatable)."),
    ] = None,
) -> None:
    """The budget frontier: solve at every budget (or scale of all budgets) and write the
    table and its charts. Ctrl-C keeps the points already solved."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from .analysis import sweep as sweep_budgets
    from .analysis import sweep_json
    from .files import json_writer
    from .outputs import Output, OutputPlan
    from .terminal import print_frontier

    if (budget is None) == (scale is None):
        raise UsageError("give exactly one of --budget FROM:TO:STEP or --scale FROM:TO:STEP")
    totals = parse_range("--budget", budget) if budget is not None else None
    scales = parse_range("--scale", scale) if scale is not None else None
    check_jobs(jobs)
    check_time_limit(time_limit)
    plan = OutputPlan([Output("--output", output, (".xlsx",)), Output("--json", json_out)])
    plan.refuse_inputs([scenario])
    loaded = load_scenario(scenario, overrides or ())
    plan.refuse_inputs(loaded.files)
    for warning in loaded.warnings:
        say(err, warning)
    language = check_language(lang or loaded.scenario.scenario.language)
    options = SolveOptions(solver=solver, time_limit=time_limit)
    n = len(totals or scales or [])
    with plan.reserved():
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        ) as progress:
            task = progress.add_task("Solving", total=n)
            frontier = sweep_budgets(
                loaded,
                options,
                totals=totals,
                scales=scales,
                jobs=jobs,
                on_done=lambda _: progress.advance(task),
                scheduler=scheduler,
            )
        print_frontier(out, frontier)

        def workbook(tmp: Path) -> None:
            from .reports.council import build_frontier
            from .reports.xlsx import save_xlsx

            save_xlsx(build_frontier(frontier, lang=language), tmp)

        plan.commit({"--output": workbook, "--json": json_writer(sweep_json(frontier))})
    written = f"workbook written to {output}" + (
        f" and JSON results to {json_out}" if json_out is not None else ""
    )
    if frontier.interrupted:
        say(
            err,
            f"interrupted: {len(frontier.solved())} of {n} points solved; "
            f"{written} with those points",
        )
        raise typer.Exit(130)
    say(out, written[0].upper() + written[1:])


#: The most worlds one `robust` run samples.
MAX_SAMPLES = 100_000
#: The default MIP gap of each world's re-solve (robust.WORLD_MIP_GAP, without importing
#: the batch engine for every command).
WORLD_MIP_GAP = 1e-4


def parse_cost_factor(text: str) -> tuple[float, float, float]:
    """--cost-factor LOW:VALUE:HIGH (e.g. 0.95:1:1.3) as (value, low, high)."""
    parts = text.split(":")
    try:
        low, value, high = (float(p) for p in parts)
    except ValueError:
        raise UsageError(
            f"--cost-factor {text}: give LOW:VALUE:HIGH, e.g. --cost-factor 0.95:1:1.3"
        ) from None
    if not all(math.isfinite(x) and x > 0 for x in (low, value, high)):
        raise UsageError(f"--cost-factor {text}: LOW, VALUE and HIGH must be positive numbers")
    if not low <= value <= high:
        raise UsageError(f"--cost-factor {text}: give LOW <= VALUE <= HIGH")
    return value, low, high


@app.command()
@reports_errors
def robust(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (YAML), with ranges.")],
    samples: Annotated[
        int, typer.Option("--samples", "-n", help="Sampled worlds to evaluate the plan in.")
    ] = 200,
    seed: Annotated[
        int, typer.Option("--seed", help="Seed of the draws: the same seed, the same figures.")
    ] = 0,
    cost_factor: Annotated[
        str | None,
        typer.Option(
            "--cost-factor",
            help="A common factor on every unit cost, LOW:VALUE:HIGH (e.g. 0.95:1:1.3), "
            "instead of the scenario's uncertainty.common_cost_factor.",
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the robustness workbook (.xlsx).")
    ] = None,
    json_out: Annotated[
        Path | None,
        typer.Option("--json", help="Write the figures (pazos-budget/robust@1) here."),
    ] = None,
    world_gap: Annotated[
        float,
        typer.Option(
            "--world-mip-gap",
            help="Relative MIP gap of each world's re-solve (default 1e-4; the plan itself "
            "is solved to 1e-6).",
        ),
    ] = WORLD_MIP_GAP,
    lang: LangOpt = None,
    solver: SolverOpt = HIGHS,
    time_limit: TimeLimitOpt = None,
    jobs: JobsOpt = None,
    scheduler: SchedulerOpt = None,
    overrides: Annotated[
        list[str] | None,
        typer.Option("--set", help="Change one value before sampling (repeatable)."),
    ] = None,
) -> None:
    """How sure is the plan? Solve it, then hold its money in sampled worlds (costs and
    youth per unit drawn from their ranges): how often each target is met, youth and
    spend, and what the best plan of each world would reach. Ctrl-C keeps the worlds
    already evaluated."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from .batch import Engine
    from .files import json_writer
    from .outputs import Output, OutputPlan
    from .pipeline import ScenarioInfeasible
    from .robust import robust as run_robust
    from .robust import robust_json
    from .terminal import print_diagnosis, print_robust
    from .uncertainty import CostFactor

    if not 1 <= samples <= MAX_SAMPLES:
        raise UsageError(f"--samples {samples}: give 1 to {MAX_SAMPLES:,}")
    if seed < 0:
        raise UsageError(f"--seed {seed}: give a whole number >= 0")
    if not (math.isfinite(world_gap) and 0 <= world_gap < 1):
        raise UsageError(f"--world-mip-gap {world_gap:g}: give a relative gap in [0, 1)")
    factor = CostFactor(*parse_cost_factor(cost_factor)) if cost_factor is not None else None
    check_jobs(jobs)
    check_time_limit(time_limit)
    plan = OutputPlan([Output("--output", output, (".xlsx",)), Output("--json", json_out)])
    plan.refuse_inputs([scenario])
    loaded = load_scenario(scenario, overrides or ())
    plan.refuse_inputs(loaded.files)
    for warning in loaded.warnings:
        say(err, warning)
    language = check_language(lang or loaded.scenario.scenario.language)
    options = SolveOptions(solver=solver, time_limit=time_limit)
    with plan.reserved():
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        ) as progress:
            task = progress.add_task("Solving the plan", total=None)
            try:
                result = run_robust(
                    loaded,
                    options,
                    samples=samples,
                    seed=seed,
                    factor=factor,
                    engine=Engine(jobs, scheduler),
                    on_plan=lambda _: progress.update(
                        task, description="Sampled worlds", total=samples
                    ),
                    on_done=lambda _: progress.advance(task),
                    world_gap=world_gap,
                )
            except ScenarioInfeasible as e:
                print_diagnosis(err, e.diagnosis)
                raise
        print_robust(out, result)

        def workbook(tmp: Path) -> None:
            from .reports.robust import build_robust
            from .reports.xlsx import save_xlsx

            save_xlsx(build_robust(result, lang=language), tmp)

        plan.commit({"--output": workbook, "--json": json_writer(robust_json(result))})
    for path, what in ((output, "Workbook"), (json_out, "JSON figures")):
        if path is not None:
            say(out, f"{what} written to {path}")
    if result.interrupted:
        say(err, f"interrupted: {len(result.worlds)} of {samples} worlds evaluated")
        raise typer.Exit(130)


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
        say(
            err,
            f"internal error: {type(e).__name__}: {e}\n"
            "This is a bug in pazos-budget. Run again with PAZOS_BUDGET_DEBUG=1 for the "
            "traceback and report it.",
        )
        sys.exit(1)
