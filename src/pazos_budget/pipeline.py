"""One solve of one scenario: model -> stages -> verified result, or a diagnosis.

This is the library entry point behind `pazos-budget solve`; analysis (marginal values,
sweeps, comparisons) calls it many times.
"""

from __future__ import annotations

from typing import Any

from .errors import InfeasibleError, SolveInterrupted, SolverError
from .loader import LoadedScenario
from .model import FloatArray, build_model
from .result import SCHEMA, Result, build_result, to_json
from .solve import SolveOptions, Status, solve_model


class ScenarioInfeasible(InfeasibleError):
    """The hard commitments cannot all hold; `diagnosis` says which must give."""

    def __init__(self, loaded: LoadedScenario, diagnosis: list[dict[str, Any]], solver: str):
        self.loaded = loaded
        self.diagnosis = diagnosis
        self.solver = solver
        from .diagnose import diagnosis_header, diagnosis_lines

        header = diagnosis_header(diagnosis)
        super().__init__(
            f"{loaded.path}: the scenario is infeasible: its hard commitments cannot all hold."
            + (f" {header}" if header else "")
            + "".join(f"\n{line}" for line in diagnosis_lines(diagnosis))
        )

    def to_json(self) -> dict[str, Any]:
        return unsolved_json(self.loaded, Status.INFEASIBLE, self.solver, diagnosis=self.diagnosis)

    def __reduce__(self) -> tuple[Any, ...]:
        # Whole across processes: an infeasible point of a batch solved on another worker.
        return (ScenarioInfeasible, (self.loaded, self.diagnosis, self.solver))


def unsolved_json(
    loaded: LoadedScenario,
    status: Status,
    solver: str,
    *,
    diagnosis: list[dict[str, Any]] | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    """A result@1 document for a scenario without a solution: no allocation, the status,
    and the diagnosis (infeasible) or the solver's message (error)."""
    s = loaded.scenario
    return {
        "schema": SCHEMA,
        "scenario": {
            "id": s.scenario.id,
            "name": s.scenario.name,
            "sha256": loaded.sha256,
            **provenance(loaded),
        },
        "status": status.value,
        "solver": {"name": solver, "seconds": 0.0},
        "stages": [],
        "totals": {
            "budget": s.budget.total,
            "spend": 0.0,
            "youth_reached": 0.0,
            "participations": 0.0,
            "weighted_coverage": 0.0,
        },
        "programmes": [],
        "departments": [],
        "clusters": [],
        "targets": [],
        "marginal_values": [],
        **({"diagnosis": diagnosis} if diagnosis is not None else {}),
        **({"error": error} if error is not None else {}),
    }


def provenance(loaded: LoadedScenario) -> dict[str, Any]:
    """What the result's `scenario` entry says about where the scenario came from: the
    `--set` values applied (`overrides`, [] if none), the file a variant extends (`base`,
    or null), and the sha256 of the scenario file's own bytes (`file_sha256`; `sha256`
    covers the resolved scenario: its tables, bases and overrides too)."""
    return {
        "file_sha256": loaded.file_sha256,
        "overrides": list(loaded.overrides),
        "base": None if loaded.base is None else str(loaded.base),
    }


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
    marginal: bool = False,
    start: FloatArray | None = None,
    diagnosis: bool = True,
) -> Result:
    """Solve one scenario and return its verified result.

    `start` is a solution of a model with the same columns to try first (see
    `solve.solve_model`). Raises ScenarioInfeasible (with a diagnosis, unless `diagnosis`
    is false: a sampled world only needs to know it is infeasible) or SolverError.
    """
    options = options or SolveOptions()
    model = build_model(loaded.scenario)
    solution = solve_model(model, options, start)
    if solution.status == Status.INFEASIBLE:
        from .diagnose import diagnose

        found = diagnose(loaded.scenario, options) if diagnosis else []
        raise ScenarioInfeasible(loaded, found, options.solver)
    if solution.interrupted and not solution.has_solution:
        raise SolveInterrupted(f"{loaded.path}: {'; '.join(solution.messages)}")
    if not solution.has_solution:
        detail = "; ".join(solution.messages) or "no solution"
        limit = f" within the time limit of {options.time_limit:g} s" if options.time_limit else ""
        raise SolverError(f"{loaded.path}: {options.solver} found no solution{limit} ({detail})")
    result = build_result(loaded, model, solution)
    from .explain import limit_codes

    codes = limit_codes(result)
    for pr in result.programmes:
        pr.limited_by = codes.get(pr.id, [])
    if marginal:
        from .analysis import marginal_values

        result.marginal_values = marginal_values(loaded, result, options, start=solution.values)
    return result
