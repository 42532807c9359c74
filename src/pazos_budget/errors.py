"""One exception root for everything pazos-budget raises on purpose.

The command line turns each subclass into a message on stderr and a documented exit code
(see `EXIT_CODES`); a user never sees a traceback for bad input.
"""

from __future__ import annotations

from dataclasses import dataclass


class PazosBudgetError(Exception):
    """Root of every error the tool raises deliberately."""

    exit_code = 1
    #: The message as a catalogue key and values (`i18n.Said`), when it has one: the
    #: command line then says it in the run's language (`i18n.saying`).
    said: object | None = None


@dataclass(frozen=True, order=True)
class Problem:
    """One located problem in an input file, printed in compiler form."""

    file: str
    line: int  # 1-based; 0 when unknown
    column: int  # 1-based; 0 when unknown
    path: str  # field path such as "programmes[3].unit_cost", "" for the whole file
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}:{self.column}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ScenarioError(PazosBudgetError):
    """The scenario file cannot be read or does not describe a valid scenario."""

    exit_code = 2

    def __init__(self, problems: list[Problem], language: str | None = None) -> None:
        self.problems = problems
        #: The language the scenario whose problems these are declares, as the loader
        #: read it from the text it parsed (None: not known). The command line tells the
        #: problems in it when the file cannot be read again for it (a pipe).
        self.language = language
        super().__init__("\n".join(str(p) for p in problems))

    def __reduce__(self) -> tuple[type[ScenarioError], tuple[list[Problem], str | None]]:
        # Whole across processes (a batch's task on another worker).
        return (ScenarioError, (self.problems, self.language))


class UsageError(PazosBudgetError):
    """A command-line option has a value the tool cannot use."""

    exit_code = 2


class InfeasibleError(PazosBudgetError):
    """The hard commitments of a scenario cannot all hold; carries the diagnosis."""

    exit_code = 3


class SolverError(PazosBudgetError):
    """The solver is missing, failed, or found no solution within its limits."""

    exit_code = 4


class SolveInterrupted(PazosBudgetError):
    """Ctrl-C stopped a solve before it had found any plan (with a plan, the solve is
    `feasible` instead and its outputs are written)."""

    exit_code = 130


class ReportError(PazosBudgetError):
    """A report could not be written (unwritable path, refused overwrite, ...)."""

    exit_code = 1


class OutputBusyError(PazosBudgetError):
    """Another run holds the lock of an output this run would write (outputs.py)."""

    exit_code = 5


class BatchError(PazosBudgetError):
    """A batch task could not be computed on the cluster (its workers kept dying)."""

    exit_code = 1


class VerificationError(PazosBudgetError):
    """The independent check found a hard constraint violated: a bug, never an answer.
    `violations` are what it found, each a message of its own (a plan read from a file
    rather than solved is refused with them, in the user's language)."""

    exit_code = 1

    def __init__(self, message: str, violations: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.violations = violations

    def __reduce__(self) -> tuple[type[VerificationError], tuple[str, tuple[str, ...]]]:
        return (VerificationError, (str(self), self.violations))


EXIT_CODES = {
    0: "solved (or every file valid)",
    1: "unexpected error, report not writable, or a failed verification (a bug)",
    2: "invalid scenario or bad command-line input",
    3: "infeasible: the hard commitments cannot all hold (a diagnosis is printed)",
    4: "solver failure, solver missing, or no solution within the time limit",
    5: "an output is being written by another pazos-budget run (its lock is held)",
    130: "interrupted (Ctrl-C): solve before it had any plan, sweep and robust with the points "
    "solved; "
    "143 and 129: stopped by SIGTERM or SIGHUP",
}
