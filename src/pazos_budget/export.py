"""The model export of `solve --write-model FILE.lp|.mps`, for an auditor.

The file is the last stage solved, with the earlier stage optima held, in the scenario's
own numbers (docs/model.md, "Exported models"). A solve keeps what the file needs in a
`ModelExport` (`pipeline.solve_scenario(..., export=...)`); the command writes it at the
end through its output plan (outputs.py: a temporary file renamed onto the target with
the run's other outputs, all or none). The solver options never carry the file, so the
many solves behind one command (marginal values, alternatives, batches, the diagnosis)
cannot write it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError
from .model import Model
from .solve import Solution, to_pulp

#: The formats PuLP writes, by the file's suffix.
MODEL_SUFFIXES = (".lp", ".mps")


@dataclass
class ModelExport:
    """The model and solution of one solve, to be written as .lp or .mps.

    Empty until a solve keeps them; it stays empty when the scenario was refused before
    any solve (contradictory bounds): there is then no model to write."""

    model: Model | None = None
    solution: Solution | None = None

    def keep(self, model: Model, solution: Solution) -> None:
        self.model, self.solution = model, solution

    @property
    def ready(self) -> bool:
        return self.model is not None and self.solution is not None

    def write(self, path: Path) -> None:
        """Write the file at `path` (an output plan's temporary file): the format is
        chosen by its suffix. OSError is left to the output plan, which reports it."""
        if self.model is None or self.solution is None:
            raise RuntimeError("ModelExport.write before a solve kept its model")
        suffix = path.suffix.lower()
        if suffix not in MODEL_SUFFIXES:
            raise UsageError(f"{path}: --write-model needs a .lp or .mps file name")
        done = self.solution.stages
        stage = done[-1].stage if done else self.model.stages[0]
        holds = [(o.stage, o.objective) for o in done[:-1]]
        prob = to_pulp(self.model, stage, holds)
        if suffix == ".lp":
            prob.writeLP(str(path))  # type: ignore[attr-defined]
        else:
            prob.writeMPS(str(path))  # type: ignore[attr-defined]
