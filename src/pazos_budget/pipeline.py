"""One solve of one scenario: model -> stages -> verified result, or a diagnosis.

This is the library entry point behind `pazos-budget solve`; analysis (marginal values,
sweeps, comparisons) calls it many times, and `analysis.solve_with_marginal_values` adds
the marginal values of money to one solve.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .diagnose import ScenarioInfeasible as ScenarioInfeasible  # raised by solve_scenario
from .diagnose import diagnose
from .errors import SolveInterrupted, SolverError, VerificationError
from .export import ModelExport
from .i18n import Said, saying
from .loader import LoadedScenario
from .model import FloatArray, Model, build_model
from .result import Result, build_result, to_json
from .solve import HIGHS, Solution, SolveOptions, Status, solve_model
from .tolerances import HIGHS_MIP_FEASIBILITY_STRICT


def result_document(loaded: LoadedScenario, result: Result) -> dict[str, Any]:
    """The machine-readable result of a solve: `result.to_json`, which carries the
    scenario's provenance itself (so `compare --json` and `sweep --json` write the very
    document `solve --json` does)."""
    del loaded  # the result already holds what it says of its scenario
    return to_json(result)


def _may_tighten(model: Model, options: SolveOptions) -> bool:
    """A refused plan may come from HiGHS's MIP tolerance, not yet tightened."""
    return (
        options.solver == HIGHS
        and model.is_mip
        and options.mip_feasibility > HIGHS_MIP_FEASIBILITY_STRICT
    )


def _solved(
    loaded: LoadedScenario,
    model: Model,
    options: SolveOptions,
    start: FloatArray | None,
    diagnosis: bool,
    export: ModelExport | None,
) -> Solution:
    """The model's solution, or the error that says why there is none."""
    solution = solve_model(model, options, start)
    if export is not None and not solution.refused:
        export.keep(model, solution)
    if solution.status == Status.INFEASIBLE:
        found = diagnose(loaded.scenario, options) if diagnosis else []
        raise ScenarioInfeasible(loaded, found, options.solver)
    if solution.interrupted and not solution.has_solution:
        raise saying(
            SolveInterrupted, "solver.at_file", path=str(loaded.path), why=list(solution.messages)
        )
    if not solution.has_solution:
        detail = list(solution.messages) or Said("solver.no_detail")
        limit = (
            Said("solver.within_limit", {"seconds": f"{options.time_limit:g}"})
            if options.time_limit
            else ""
        )
        raise saying(
            SolverError,
            "solver.no_solution",
            path=str(loaded.path),
            solver=options.solver,
            limit=limit,
            detail=detail,
        )
    return solution


def solve_scenario(
    loaded: LoadedScenario,
    options: SolveOptions | None = None,
    *,
    start: FloatArray | None = None,
    diagnosis: bool = True,
    export: ModelExport | None = None,
) -> Result:
    """Solve one scenario and return its verified result.

    `start` is a solution of a model with the same columns to try first (see
    `solve.solve_model`). Raises ScenarioInfeasible (with a diagnosis, unless `diagnosis`
    is false: a sampled world only needs to know it is infeasible) or SolverError.
    `export`, when given, keeps the model and solution for `--write-model` (export.py),
    infeasible or not, unless the scenario was refused before any solve.
    """
    options = options or SolveOptions()
    model = build_model(loaded.scenario)
    solution = _solved(loaded, model, options, start, diagnosis, export)
    try:
        result = build_result(loaded, model, solution)
    except VerificationError:
        if not _may_tighten(model, options):
            raise
        # HiGHS accepts an integer plan that misses a row by its MIP tolerance (1e-6,
        # absolute on the scaled row): on a row whose bound is small beside its
        # coefficients that is more than the contract allows, and the independent check
        # refuses it. Solved once more with that tolerance tightened; the same input
        # takes the same path, so the plan is still one however it is run.
        strict = replace(options, mip_feasibility=HIGHS_MIP_FEASIBILITY_STRICT)
        solution = _solved(loaded, model, strict, start, diagnosis, export)
        result = build_result(loaded, model, solution)
    from .explain import limit_codes

    codes = limit_codes(result)
    for pr in result.programmes:
        pr.limited_by = codes.get(pr.id, [])
    result.solution_values = solution.values
    return result
