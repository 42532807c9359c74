"""The plain data of a scenario file and where each part of it was written.

The bottom of the reading layer: the loader (YAML), the tables (CSV) and the variants
(`extends:`) all build or read a `Document`, and every located message is made from a
data path (`Key`) by `Document.problem`. Nothing here reads a file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import Problem
from .messages import Joined, Text

#: A path into the plain data: ('programmes', 3, 'unit_cost').
Key = tuple[str | int, ...]
#: Where something was written: file, 1-based line, 1-based column.
Where = tuple[str, int, int]


@dataclass(frozen=True)
class Reference:
    """A header cell that names a thing of the scenario (a `cofunding:<department>`
    column): checked once the whole scenario is read, empty cells or not."""

    file: str
    line: int
    column: int
    section: str  # where the id must exist: "departments"
    id: str


@dataclass
class Document:
    """Plain data read from one YAML file plus the position of every key and item."""

    file: str
    data: Any
    positions: dict[Key, tuple[int, int]]  # 1-based line, column of a key / list item
    # Parts of the data read from other files (CSV tables, see tables.py): each maps a
    # data path to (file, line, column), or None when the path is not one of its own.
    elsewhere: list[Callable[[Key], tuple[str, int, int] | None]] = field(default_factory=list)
    # A variant merged with its base (variants.py): every data path -> (file, line, column).
    origin: dict[Key, tuple[str, int, int]] = field(default_factory=dict)
    # The CSV tables whose rows were read into `data` (tables.py).
    tables: list[Path] = field(default_factory=list)
    # The sha256 of the bytes parsed, per file read into this document (the YAML file,
    # then each table), in the order read: each input is read once (files.py).
    digests: dict[Path, str] = field(default_factory=dict)
    # The base scenario file this document extends (variants.py), None for a plain one.
    base: Path | None = None
    # Header cells of CSV tables that name departments (tables.Reference).
    references: list[Reference] = field(default_factory=list)
    # A variant's CSV tables: (section, rows, where each cell is), applied to the base as
    # changes and additions by id (variants.table_rows).
    table_rows: list[tuple[str, list[dict[str, Any]], Any]] = field(default_factory=list)
    # A citizens' vote file read before there was any programme to give its votes to (a
    # new city's skeleton, or a variant's programme changes): votes.Votes, given to the
    # programmes once a variant is merged with its base (votes.apply_pending).
    pending_votes: Any = None

    def locate(self, loc: Key) -> tuple[Key, tuple[int, int]]:
        """The longest prefix of `loc` found in the file, and its position."""
        best: Key = ()
        for n in range(len(loc), 0, -1):
            if loc[:n] in self.positions:
                best = loc[:n]
                break
        return best, self.positions.get(best, (1, 1))

    def problem(self, loc: Key, message: str) -> Problem:
        file = self.file
        from_origin = next(
            (self.origin[loc[:n]] for n in range(len(loc), -1, -1) if loc[:n] in self.origin), None
        )

        def merged(_: Key) -> tuple[str, int, int] | None:
            return from_origin

        for where in [*self.elsewhere, merged]:
            found = where(loc)
            if found is not None:
                file, line, col = found
                break
        else:
            _, (line, col) = self.locate(loc)
        return Problem(file, line, col, one_line(dotted(loc)), one_line(message))


def one_line(text: str) -> str:
    """Escape newlines and other invisible characters: one problem, one line of output.
    A catalogue message stays one (its text arguments escaped), in every language."""
    if isinstance(text, Text | Joined):
        return text if text.isprintable() else text.map_args(one_line)
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def dotted(path: Key) -> str:
    """('programmes', 3, 'unit_cost') -> 'programmes[3].unit_cost'."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
