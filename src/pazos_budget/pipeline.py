"""One solve of one scenario: model -> stages -> verified result, or a diagnosis.

This is the library entry point behind `pazos-budget solve`; analysis (marginal values,
sweeps, comparisons) calls it many times, and `analysis.solve_with_marginal_values` adds
the marginal values of money to one solve.
"""

from __future__ import annotations

from typing import Any

from .diagnose import ScenarioInfeasible as ScenarioInfeasible  # raised by solve_scenario
from .diagnose import diagnose
from .errors import SolveInterrupted, SolverError
from .export import ModelExport
from .i18n import Said, saying
from .loader import LoadedScenario
from .model import FloatArray, build_model
from .result import Result, build_result, to_json
from .solve import SolveOptions, Status, solve_model


def result_document(loaded: LoadedScenario, result: Result) -> dict[str, Any]:
    """The machine-readable result of a solve: `result.to_json`, which carries the
    scenario's provenance itself (so `compare --json` and `sweep --json` write the very
    document `solve --json` does)."""
    del loaded  # the result already holds what it says of its scenario
    return to_json(result)


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
    result = build_result(loaded, model, solution)
    from .explain import limit_codes

    codes = limit_codes(result)
    for pr in result.programmes:
        pr.limited_by = codes.get(pr.id, [])
    result.solution_values = solution.values
    return result
