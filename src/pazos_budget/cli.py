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
from .errors import EXIT_CODES, PazosBudgetError, ScenarioError
from .i18n import Said, Usage
from .language import current_language, decide, result_language, run_language, running_in
from .loader import load_scenario, scenario_language
from .messages import say_in
from .solve import HIGHS, SolveControl, SolveOptions, stop_on_sigint
from .tolerances import DEFAULT_MIP_GAP, WORLD_MIP_GAP
from .usage import LocalizedGroup

# The defaults only (alternatives.py is imported by the commands that use it).
DEFAULT_GAP = 0.01
DEFAULT_MIN_DIFFERENCE = 0.01

if TYPE_CHECKING:
    from .alternatives import AlternativeOptions, Alternatives
    from .diagnose import ScenarioInfeasible
    from .export import ModelExport
    from .loader import LoadedScenario
    from .outputs import OutputPlan
    from .reports.labels import Labels, Lang

LANGUAGES = ("es", "en")

app = typer.Typer(
    name="pazos-budget",
    cls=LocalizedGroup,
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


def fail(error: PazosBudgetError, language: Callable[[], str] | None = None) -> typer.Exit:
    """Print an error the user can act on and return the exit to raise, in the run's
    language (`language`, asked only when there are problems of a scenario to tell; else
    the language decided for the run, language.py)."""
    if isinstance(error, ScenarioError):
        lang = language() if language is not None else current_language()
        for problem in error.problems:
            say(err, say_in(problem, lang))
    else:
        lang = current_language()
        message = error.said.text(lang) if isinstance(error.said, Said) else error
        say(err, words(lang)("cli.error", message=message))
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
            declared = e.language if isinstance(e, ScenarioError) else None
            language = functools.partial(
                message_language, kwargs.get("lang"), first_scenario(kwargs), declared
            )
            raise fail(e, language) from None

    return wrapper


def message_language(lang: object, scenario: Path | None, declared: str | None = None) -> str:
    """The language of a run's messages about its input, by the one rule of language.py:
    the --lang given; else the language the scenario file says it is in (read from the
    raw file, an invalid one too, and through `extends:`; for a file that cannot be read
    again, such as a pipe, `declared`: the language the loader read in it); else the
    environment's locale; else English."""
    given = str(lang) if lang in LANGUAGES else None
    if scenario is None:
        return run_language(given, declared)
    if scenario.suffix.lower() == ".json":  # present: the language recorded in the result
        return run_language(given, result_language(scenario))
    return run_language(given, scenario_language(scenario) or declared)


def first_scenario(kwargs: dict[str, object]) -> Path | None:
    """The scenario a command was given (the base one of several; for `present`, the base
    result), if any."""
    given = kwargs.get("scenario", kwargs.get("scenarios", kwargs.get("results")))
    if isinstance(given, list | tuple):
        given = given[0] if given else None
    return given if isinstance(given, Path) else None


def say_warnings(
    warnings: tuple[str, ...], lang: object, scenario: Path | None, declared: str | None = None
) -> None:
    """A scenario's located warnings on stderr, in the run's language (`declared`: the
    language of the scenario read, for a file that cannot be read again)."""
    if warnings:
        language = message_language(lang, scenario, declared)
        for warning in warnings:
            say(err, say_in(warning, language))


# Options shared by solve, compare and sweep, declared once.
SolverOpt = Annotated[str, typer.Option(help="highs (default), cbc, or another PuLP solver.")]
LangOpt = Annotated[
    str | None,
    typer.Option(
        "--lang",
        help="Language of the terminal and the workbook: es or en (default: the scenario's).",
    ),
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
        "instead of this machine.",
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


AlternativesOpt = Annotated[
    int | None,
    typer.Option(
        "--alternatives",
        help="Also find up to K other plans near the best (every priority held, the final "
        "objective within --gap), each as different as the model allows.",
    ),
]
GapOpt = Annotated[
    float, typer.Option("--gap", help="With --alternatives: relative gap of the final objective.")
]
MinDifferenceOpt = Annotated[
    float,
    typer.Option(
        "--min-difference",
        help="With --alternatives: the least share of the plan's spend an alternative moves.",
    ),
]


def alternative_options(
    count: int | None, gap: float, min_difference: float
) -> AlternativeOptions | None:
    """--alternatives K --gap G --min-difference M, checked before any solve."""
    from .alternatives import AlternativeOptions, check_alternative_options

    if count is None:
        if gap != DEFAULT_GAP or min_difference != DEFAULT_MIN_DIFFERENCE:
            raise Usage("usage.alternatives.gap_needs_k")
        return None
    wanted = AlternativeOptions(count, gap, min_difference)
    check_alternative_options(wanted)
    return wanted


def note_in(alts: Alternatives, loaded: LoadedScenario) -> dict[str, object]:
    """`alternatives_note` in the result's language, beside its stable code."""
    from .reports.alternatives import note_text

    lang = loaded.scenario.scenario.language
    note = alts.note if lang == "en" or alts.note is None else note_text(words(lang), alts)
    return {"alternatives_note": note, "alternatives_note_code": alts.shortfall}


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
    votes: Annotated[
        Path | None,
        typer.Option(
            "--votes", help="Citizens' vote file (Pabulib .pb or CSV programme,votes) to apply."
        ),
    ] = None,
) -> None:
    """Check scenario files; print a summary of each valid one, every problem otherwise."""
    bad = 0
    for path in files:
        try:
            loaded = load_scenario(path, votes=votes)
        except ScenarioError as e:
            bad += 1
            language = message_language(None, path, e.language)
            for problem in e.problems:
                say(err, say_in(problem, language))
            continue
        say_warnings(loaded.warnings, None, path, loaded.scenario.scenario.language)
        s = loaded.scenario
        targets = len(s.targets) + sum(len(d.goals) for d in s.departments)
        L = words(s.scenario.language, s.scenario.currency)
        say(
            out,
            L(
                "cli.validate.ok",
                path=path,
                clusters=L.counted("noun.cluster", len(s.clusters)),
                prioritized=L.counted("noun.prioritized", len(s.prioritized_cluster_ids)),
                departments=L.counted("noun.department", len(s.departments)),
                programmes=L.counted("noun.programme", len(s.programmes)),
                targets=L.counted("noun.target_or_goal", targets),
                budget=L.num(s.budget.total, 1),  # as the solve summary writes it
                currency=L.currency,
            ),
        )
    if bad:
        raise typer.Exit(ScenarioError.exit_code)


def _report_infeasible(
    e: ScenarioInfeasible,
    loaded: LoadedScenario,
    plan: OutputPlan,
    language: Lang,
    quiet: bool,
    json_out: Path | None,
    output: Path | None,
    export: ModelExport,
) -> None:
    """An infeasible scenario: print the diagnosis and write its JSON and workbook."""
    from .files import json_writer
    from .reports.diagnosis import document_in_language
    from .terminal import print_diagnosis

    L = words(language)
    print_diagnosis(err, e.diagnosis, language, loaded.scenario)
    infeasible = e
    if "--write-model" in plan and not export.ready:
        # All the outputs or none: refused before any solve, there is no model.
        say(err, L("cli.no_model"))
    elif plan.options:

        def diagnosis_workbook(tmp: Path) -> None:
            from .diagnose import diagnosis_header_key
            from .reports.diagnosis import build_diagnosis
            from .reports.xlsx import save_xlsx

            found = infeasible.diagnosis
            header = diagnosis_header_key(found)
            book = build_diagnosis(loaded.scenario, loaded.sha256, found, header, lang=language)
            save_xlsx(book, tmp)

        plan.commit(
            {
                "--json": json_writer(document_in_language(e.to_json(), loaded.scenario)),
                "--output": diagnosis_workbook,
                "--write-model": export.write,
            }
        )
        if not quiet:
            say_written(err, L, (json_out, "json"), (output, "diagnosis"))


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
    alternatives: AlternativesOpt = None,
    gap: GapOpt = DEFAULT_GAP,
    min_difference: MinDifferenceOpt = DEFAULT_MIN_DIFFERENCE,
) -> None:
    """Solve a scenario: print the summary, optionally write JSON, workbook and model."""
    from .analysis import solve_with_marginal_values
    from .export import MODEL_SUFFIXES, ModelExport
    from .files import json_writer
    from .outputs import Output, OutputPlan
    from .pipeline import ScenarioInfeasible, result_document, solve_scenario
    from .terminal import print_result, solve_progress

    check_time_limit(time_limit)
    wanted = alternative_options(alternatives, gap, min_difference)
    plan = OutputPlan(
        [
            Output("--json", json_out),
            Output("--output", output, (".xlsx",)),
            Output("--write-model", write_model, MODEL_SUFFIXES),
        ]
    )
    loaded = load_scenario(scenario, overrides or ())
    plan.refuse_inputs(loaded.files)  # the scenario, a base it extends, a CSV table
    say_warnings(loaded.warnings, lang, scenario, loaded.scenario.scenario.language)
    language = check_language(lang or loaded.scenario.scenario.language)
    L = words(language)
    with plan.reserved():
        control = SolveControl()
        options = SolveOptions(
            solver=solver, time_limit=time_limit, mip_gap=mip_gap, control=control
        )
        export = ModelExport()
        # With HiGHS, the first Ctrl-C stops the solve and keeps its best plan
        # (docs/model.md); another solver runs in its own process and is interrupted as
        # before.
        stopper = stop_on_sigint(control) if solver == HIGHS else contextlib.nullcontext()
        try:
            with stopper, solve_progress(err, control, language):
                result = (
                    solve_with_marginal_values(loaded, options, export=export)
                    if marginal
                    else solve_scenario(loaded, options, export=export)
                )
        except ScenarioInfeasible as e:
            _report_infeasible(e, loaded, plan, language, quiet, json_out, output, export)
            raise typer.Exit(e.exit_code) from None
        if not quiet:
            print_result(out, result, language)
        document = result_document(loaded, result)
        alts = None
        if wanted is not None:
            from .alternatives import alternatives_json, find_alternatives
            from .terminal import print_alternatives

            # Ctrl-C during the search keeps the alternatives found so far.
            again = stop_on_sigint(control) if solver == HIGHS else contextlib.nullcontext()
            with again, solve_progress(err, control, language):
                alts = find_alternatives(loaded, result, options, wanted)
            document |= alternatives_json(alts) | note_in(alts, loaded)
            print_alternatives(out if not quiet else err, alts, brief=quiet, lang=language)

        def workbook(tmp: Path) -> None:
            from .reports.excel import build_workbook
            from .reports.xlsx import save_xlsx

            if alts is None:
                save_xlsx(build_workbook(result, lang=language), tmp)
                return
            from .reports.alternatives import build_workbook_with_alternatives

            save_xlsx(build_workbook_with_alternatives(alts, lang=language), tmp)

        plan.commit(
            {
                "--json": json_writer(document),
                "--output": workbook,
                "--write-model": export.write,
            }
        )
    if not quiet:
        say_written(out, L, (json_out, "json"), (output, "workbook"), (write_model, "model"))


def parse_range(option: str, text: str) -> list[float]:
    """FROM:TO:STEP as the points of a sweep, or a UsageError naming the option."""
    from .analysis import frange

    parts = text.split(":")
    if len(parts) != 3:
        raise Usage("usage.range.form", option=option, text=text)
    try:
        start, stop, step = (float(p.replace("_", "").replace(",", "")) for p in parts)
    except ValueError:
        raise Usage("usage.range.numbers", option=option, text=text) from None
    if not all(map(math.isfinite, (start, stop, step))):
        raise Usage("usage.range.finite", option=option, text=text)
    if option == "--budget" and start < 0:
        raise Usage("usage.range.negative_budget", option=option, text=text)
    if option == "--scale" and start < 0:
        raise Usage("usage.range.negative_scale", option=option, text=text)
    try:
        return frange(start, stop, step)
    except Usage as e:
        raise Usage("usage.range.why", option=option, text=text, why=e) from None


def check_language(language: str) -> Lang:
    """The workbook language, checked before any solving."""
    if language not in LANGUAGES:
        raise Usage("usage.lang", lang=language)
    return cast("Lang", language)


def check_id(option: str, value: str | None) -> None:
    """An id given on the command line (`--id`), checked as the scenario would check it
    but told at the option, not at a line of the file it would have been written to."""
    import re

    from .messages import must
    from .scenario import SLUG_MAX_LENGTH, SLUG_PATTERN

    if value is None:
        return
    why = None
    if not re.fullmatch(SLUG_PATTERN, value):
        why = must("val.be.slug")
    elif len(value) > SLUG_MAX_LENGTH:
        why = must("val.be.max_chars", n=SLUG_MAX_LENGTH)
    if why is not None:
        raise Usage("usage.range.why", option=option, text=f"'{value}'", why=why)


def say_written(console: Console, L: Labels, *written: tuple[Path | None, str]) -> None:
    """'<what> written to <path>' for each output given (`cli.written.<what>`)."""
    for path, what in written:
        if path is not None:
            say(console, L(f"cli.written.{what}", path=path))


def words(language: str, currency: str = "") -> Labels:
    """The CLI's own messages in `language` (English for a language it does not have,
    so that refusing an unknown --lang still speaks)."""
    from .reports.labels import Labels

    return Labels(language if language in LANGUAGES else "en", currency)


def check_jobs(jobs: int | None) -> None:
    if jobs is not None and jobs < 1:
        raise Usage("usage.jobs", jobs=str(jobs))


def check_time_limit(seconds: float | None) -> None:
    """A time limit is a positive, finite number of seconds (nan, inf and 0 are not)."""
    if seconds is not None and not (math.isfinite(seconds) and seconds > 0):
        raise Usage("usage.time_limit", seconds=f"{seconds:g}")


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
    alternatives: AlternativesOpt = None,
    gap: GapOpt = DEFAULT_GAP,
    min_difference: MinDifferenceOpt = DEFAULT_MIN_DIFFERENCE,
) -> None:
    """Set scenarios side by side for the council: one workbook with the key figures,
    spend by department, cluster and component, targets, and what is cut first. With
    --alternatives K, one scenario's plan beside its alternatives."""
    from .alternatives import comparison_extras
    from .analysis import compare as compare_scenarios
    from .analysis import comparison_json
    from .files import json_writer
    from .outputs import Output, OutputPlan
    from .reports.diagnosis import batch_in_language
    from .terminal import print_comparison

    wanted = alternative_options(alternatives, gap, min_difference)
    if wanted is not None and len(scenarios) != 1:
        raise Usage("usage.compare.alternatives_one")
    if wanted is None and len(scenarios) < 2:
        raise Usage("usage.compare.needs_variant")
    check_jobs(jobs)
    check_time_limit(time_limit)
    plan = OutputPlan([Output("--output", output, (".xlsx",)), Output("--json", json_out)])
    plan.refuse_inputs(scenarios)
    loaded = [load_scenario(path) for path in scenarios]
    inputs = [f for one in loaded for f in one.files]
    plan.refuse_inputs(inputs)
    say_warnings(
        tuple(w for one in loaded for w in one.warnings),
        lang,
        scenarios[0],
        loaded[0].scenario.scenario.language,
    )
    language = check_language(lang or loaded[0].scenario.scenario.language)
    options = SolveOptions(solver=solver, time_limit=time_limit)
    with plan.reserved():
        extra: dict[str, object] = {}
        if wanted is None:
            comparison = compare_scenarios(loaded, options, jobs, scheduler)
        else:
            from .alternatives import compare_alternatives
            from .terminal import print_alternatives

            comparison, alts = compare_alternatives(loaded[0], options, wanted)
            print_alternatives(out, alts, brief=True, lang=language)
            extra = comparison_extras(alts) | note_in(alts, loaded[0])
        print_comparison(out, comparison, language)

        def workbook(tmp: Path) -> None:
            from .reports.council import build_comparison
            from .reports.xlsx import save_xlsx

            save_xlsx(build_comparison(comparison, lang=language), tmp)

        said_by = [one.scenario for one in loaded]
        document = batch_in_language(comparison_json(comparison) | extra, said_by)
        plan.commit({"--output": workbook, "--json": json_writer(document)})
    L = words(language)
    say(out, L("cli.written.workbook", path=output))
    if json_out is not None:
        say(out, L("cli.written.json_results", path=json_out))


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

    from .analysis import check_point_money, sweep_json
    from .analysis import sweep as sweep_budgets
    from .files import json_writer
    from .outputs import Output, OutputPlan
    from .reports.diagnosis import batch_in_language
    from .terminal import print_frontier

    if (budget is None) == (scale is None):
        raise Usage("usage.sweep.one_of")
    totals = parse_range("--budget", budget) if budget is not None else None
    scales = parse_range("--scale", scale) if scale is not None else None
    check_jobs(jobs)
    check_time_limit(time_limit)
    plan = OutputPlan([Output("--output", output, (".xlsx",)), Output("--json", json_out)])
    plan.refuse_inputs([scenario])
    loaded = load_scenario(scenario, overrides or ())
    plan.refuse_inputs(loaded.files)
    try:
        check_point_money(loaded.scenario, totals, scales)
    except Usage as e:
        option, text = ("--budget", budget) if budget is not None else ("--scale", scale)
        raise Usage("usage.range.why", option=option, text=text, why=e) from None
    say_warnings(loaded.warnings, lang, scenario, loaded.scenario.scenario.language)
    language = check_language(lang or loaded.scenario.scenario.language)
    L = words(language)
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
            task = progress.add_task(L("cli.sweep.solving"), total=n)
            frontier = sweep_budgets(
                loaded,
                options,
                totals=totals,
                scales=scales,
                jobs=jobs,
                on_done=lambda _: progress.advance(task),
                scheduler=scheduler,
            )
        print_frontier(out, frontier, language)

        def workbook(tmp: Path) -> None:
            from .reports.council import build_frontier
            from .reports.xlsx import save_xlsx

            save_xlsx(build_frontier(frontier, lang=language), tmp)

        document = batch_in_language(sweep_json(frontier), [loaded.scenario])
        plan.commit({"--output": workbook, "--json": json_writer(document)})
    if json_out is None:
        written = L("cli.sweep.written", path=output)
    else:
        written = L("cli.sweep.written_json", path=output, json=json_out)
    if frontier.interrupted:
        say(
            err,
            L(
                "cli.sweep.interrupted",
                solved=len(frontier.solved()),
                total=n,
                written=written,
            ),
        )
        raise typer.Exit(130)
    say(out, written[0].upper() + written[1:])


# --------------------------------------------------------------------------- intake
intake_app = typer.Typer(
    cls=LocalizedGroup,
    help="Department intake forms: one department's workbook to fill in, and filled "
    "forms back into a variant scenario.",
    no_args_is_help=True,
)
app.add_typer(intake_app, name="intake")


@intake_app.command("template")
@reports_errors
def intake_template(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (YAML).")],
    department: Annotated[str, typer.Option("--department", "-d", help="Department id.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The form to write (.xlsx).")],
    lang: Annotated[
        str | None,
        typer.Option("--lang", help="Form language: es or en (default: the scenario's)."),
    ] = None,
) -> None:
    """Write one department's intake form, pre-filled with its programmes."""
    from .outputs import Output, OutputPlan
    from .reports.intake_form import build_form
    from .reports.xlsx import save_xlsx

    plan = OutputPlan([Output("--output", output, (".xlsx",))])
    loaded = load_scenario(scenario)
    plan.refuse_inputs(loaded.files)
    book = build_form(loaded, department, check_language(lang) if lang else None)
    with plan.reserved():
        plan.commit({"--output": lambda tmp: save_xlsx(book, tmp)})
    form_lang = lang or loaded.scenario.scenario.language
    # the department as its head knows it ("Secretaría de Cultura"), not its id
    name = next(d.name for d in loaded.scenario.departments if d.id == department)
    say(out, words(form_lang)("cli.written.form", department=name, path=output))


@intake_app.command("import")
@reports_errors
def intake_import(
    scenario: Annotated[Path, typer.Argument(help="The scenario the forms were made from.")],
    forms: Annotated[list[Path], typer.Argument(help="Filled forms (.xlsx), one a department.")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The variant scenario to write (.yaml).")
    ],
    variant_id: Annotated[
        str | None, typer.Option("--id", help="The variant's id (default: SCENARIO-intake).")
    ] = None,
) -> None:
    """Read filled forms into a variant scenario (extends: SCENARIO, plus what changed)."""
    from .intake import change_lines, import_forms
    from .outputs import Output, OutputPlan

    plan = OutputPlan([Output("--output", output, (".yaml", ".yml"))])
    check_id("--id", variant_id)
    plan.refuse_inputs([scenario, *forms])
    intake = import_forms(scenario, forms, output, variant_id=variant_id)
    plan.refuse_inputs(intake.files)
    say_warnings(tuple(intake.warnings), None, scenario, intake.scenario.scenario.language)

    def write(tmp: Path) -> None:
        tmp.write_text(intake.yaml, encoding="utf-8")

    with plan.reserved():
        plan.commit({"--output": write})
    L = words(intake.scenario.scenario.language)
    for line in change_lines(intake, L):
        say(out, line)
    say(out, L("cli.written.variant", path=output))


@app.command()
@reports_errors
def review(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (YAML).")],
    plan_file: Annotated[
        Path, typer.Argument(metavar="PLAN.json", help="The adopted plan (solve --json).")
    ],
    execution: Annotated[Path, typer.Argument(help="What is executed so far (.csv or .xlsx).")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the review workbook (.xlsx).")
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the review (pazos-budget/review@1).")
    ] = None,
    lang: LangOpt = None,
    solver: SolverOpt = HIGHS,
    time_limit: TimeLimitOpt = None,
) -> None:
    """Plan against execution: planned and executed by programme, department, cluster and
    target, and the rest of the year re-optimized with what is executed held."""
    from .execution import load_execution
    from .files import json_writer
    from .outputs import Output, OutputPlan
    from .review import load_plan, review_json, summary_lines
    from .review import review as review_plan

    check_time_limit(time_limit)
    plan = OutputPlan([Output("--output", output, (".xlsx",)), Output("--json", json_out)])
    plan.refuse_inputs([scenario, plan_file, execution])
    loaded = load_scenario(scenario)
    plan.refuse_inputs(loaded.files)
    say_warnings(loaded.warnings, lang, scenario, loaded.scenario.scenario.language)
    language = check_language(lang or loaded.scenario.scenario.language)
    adopted = load_plan(plan_file, loaded)
    executed = load_execution(execution, loaded.scenario)
    with plan.reserved():
        result = review_plan(
            loaded, adopted, executed, SolveOptions(solver=solver, time_limit=time_limit)
        )
        from .reports.review import diagnosis_said, review_in_language, warning_lines

        for passed in warning_lines(result, language):
            say(err, passed)

        currency = words(language, loaded.scenario.scenario.currency).currency
        findings = diagnosis_said(result, language)
        for line in summary_lines(result, language, currency, findings):
            say(out, line)

        def workbook(tmp: Path) -> None:
            from .reports.review import build_review
            from .reports.xlsx import save_xlsx

            save_xlsx(build_review(result, lang=language), tmp)

        document = review_in_language(review_json(result), result)
        plan.commit({"--output": workbook, "--json": json_writer(document)})
    say_written(out, words(language), (output, "review_workbook"), (json_out, "review_json"))
    if result.infeasible:
        raise typer.Exit(3)


@app.command()
@reports_errors
def init(
    territories: Annotated[
        Path,
        typer.Argument(
            help="Territories file (CSV or .xlsx): id, name, youth_population, indicators."
        ),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="The scenario to write (.yaml).")],
    indicators: Annotated[
        str | None,
        typer.Option(
            "--indicators",
            help="Indicator weights NAME=WEIGHT,... (default: every indicator column, equal).",
        ),
    ] = None,
    prioritize: Annotated[
        int | None,
        typer.Option(
            "--prioritize",
            "--top",
            help="Prioritize the K highest-index territories (default: those above 1).",
        ),
    ] = None,
    departments: Annotated[
        Path | None, typer.Option("--departments", help="Departments CSV: id, name, budget, ...")
    ] = None,
    programmes: Annotated[
        Path | None,
        typer.Option("--programmes", help="Programmes CSV table to name (docs/tables.md)."),
    ] = None,
    votes: Annotated[
        Path | None,
        typer.Option("--votes", help="Citizens' votes: Pabulib .pb or CSV programme,votes."),
    ] = None,
    scenario_id: Annotated[str | None, typer.Option("--id", help="Scenario id.")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Scenario name.")] = None,
    year: Annotated[
        int | None, typer.Option("--year", help="Scenario year (default: this year).")
    ] = None,
    currency: Annotated[str, typer.Option("--currency", help="Money unit.")] = "COP millions",
    lang: Annotated[str, typer.Option("--lang", help="Scenario language: es or en.")] = "es",
    notes: Annotated[str, typer.Option("--notes", help="The scenario's notes.")] = "",
    explain: Annotated[
        bool,
        typer.Option("--explain", help="Print how the prioritized set moves with the weights."),
    ] = False,
) -> None:
    """A new city's scenario skeleton: clusters weighted by a composite index of the
    territories' indicators, the K highest prioritized, the standard PAZOS targets."""
    from .outputs import Output, OutputPlan
    from .scaffold import InitOptions, build_checked, explain_lines

    check_id("--id", scenario_id)
    options = InitOptions(
        territories,
        output,
        indicators,
        prioritize,
        departments,
        programmes,
        votes,
        scenario_id,
        name,
        year,
        currency,
        check_language(lang),
        notes,
    )
    plan = OutputPlan([Output("--output", output, (".yaml", ".yml"))])
    plan.refuse_inputs([p for p in (territories, departments, programmes, votes) if p])
    skeleton, warnings = build_checked(options)
    with plan.reserved():
        plan.commit({"--output": skeleton.write})
    for warning in warnings:
        say(err, say_in(warning, options.lang))
    if explain:
        for line in explain_lines(skeleton, options.lang):
            say(out, line)
    say(out, words(options.lang)("cli.written.scenario", path=output))


#: The most worlds one `robust` run samples.
MAX_SAMPLES = 100_000


def parse_cost_factor(text: str) -> tuple[float, float, float]:
    """--cost-factor LOW:VALUE:HIGH (e.g. 0.95:1:1.3) as (value, low, high)."""
    parts = text.split(":")
    try:
        low, value, high = (float(p) for p in parts)
    except ValueError:
        raise Usage("usage.cost_factor.form", text=text) from None
    if not all(math.isfinite(x) and x > 0 for x in (low, value, high)):
        raise Usage("usage.cost_factor.positive", text=text)
    if not low <= value <= high:
        raise Usage("usage.cost_factor.order", text=text)
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
        raise Usage("usage.samples", samples=str(samples), most=MAX_SAMPLES)
    if seed < 0:
        raise Usage("usage.seed", seed=str(seed))
    if not (math.isfinite(world_gap) and 0 <= world_gap < 1):
        raise Usage("usage.world_gap", gap=f"{world_gap:g}")
    factor = CostFactor(*parse_cost_factor(cost_factor)) if cost_factor is not None else None
    check_jobs(jobs)
    check_time_limit(time_limit)
    plan = OutputPlan([Output("--output", output, (".xlsx",)), Output("--json", json_out)])
    plan.refuse_inputs([scenario])
    loaded = load_scenario(scenario, overrides or ())
    plan.refuse_inputs(loaded.files)
    say_warnings(loaded.warnings, lang, scenario, loaded.scenario.scenario.language)
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
            task = progress.add_task(words(language)("cli.robust.solving"), total=None)
            try:
                result = run_robust(
                    loaded,
                    options,
                    samples=samples,
                    seed=seed,
                    factor=factor,
                    engine=Engine(jobs, scheduler),
                    on_plan=lambda _: progress.update(
                        task, description=words(language)("cli.robust.worlds"), total=samples
                    ),
                    on_done=lambda _: progress.advance(task),
                    world_gap=world_gap,
                )
            except ScenarioInfeasible as e:
                print_diagnosis(err, e.diagnosis)
                raise
        print_robust(out, result, language)

        def workbook(tmp: Path) -> None:
            from .reports.robust import build_robust
            from .reports.xlsx import save_xlsx

            save_xlsx(build_robust(result, lang=language), tmp)

        plan.commit({"--output": workbook, "--json": json_writer(robust_json(result))})
    L = words(language)
    say_written(out, L, (output, "workbook"), (json_out, "robust_json"))
    if result.interrupted:
        say(err, L("cli.robust.interrupted", done=len(result.worlds), samples=samples))
        raise typer.Exit(130)


@app.command()
@reports_errors
def present(
    results: Annotated[
        list[Path], typer.Argument(help="Result files (solve --json); the first is the base.")
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Write the council deck (.pdf, 16:9).")
    ],
    map_file: Annotated[
        Path | None,
        typer.Option("--map", help="Cluster outlines (GeoJSON) for a coverage map page."),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option("--lang", help="Deck language: es or en (default: the result's)."),
    ] = None,
) -> None:
    """The council deck: key figures, budget by department and component, coverage by
    cluster, targets met, how other results compare with the base (several results), a
    map, one page per department."""
    from .outputs import Output, OutputPlan
    from .present import prepare
    from .reports.deck import build_deck

    language = check_language(lang) if lang is not None else None
    plan = OutputPlan([Output("--output", output, (".pdf",))])
    plan.refuse_inputs([*results, *([map_file] if map_file else [])])
    docs, deck_lang, outlines = prepare(results, lang=language, map_file=map_file)
    with plan.reserved():
        plan.commit(
            {"--output": lambda tmp: build_deck(docs, tmp, lang=deck_lang, outlines=outlines)}
        )
    say(out, words(deck_lang)("cli.written.deck", path=output))


def main() -> None:
    """Console-script entry point: no traceback ever reaches a user for a known error."""
    L = words(decide(sys.argv[1:], reader=scenario_language))
    try:
        if sys.argv[1:].count("-") > 1:  # the standard input can be read only once
            raise Usage("usage.stdin_twice")
        app()
    except PazosBudgetError as e:
        with running_in(L.lang):
            raise SystemExit(fail(e).exit_code) from None
    except KeyboardInterrupt:
        say(err, L("cli.interrupted"))
        sys.exit(130)

    except Exception as e:  # a bug: say so plainly; the traceback on request
        if os.environ.get("PAZOS_BUDGET_DEBUG"):
            raise
        say(err, L("cli.internal_error", error=f"{type(e).__name__}: {e}"))
        sys.exit(1)
