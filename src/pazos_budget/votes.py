"""Citizens' votes: a participatory vote file becomes the built-in metric `votes`.

A scenario may say

    votes: votos.csv        # or a Pabulib file: votos.pb (path relative to the YAML file)

A CSV vote file (or an .xlsx, its first sheet; read by `sheets.read_small_table`) has
the columns `programme, votes` (a whole number >= 0 per programme);
a Pabulib file (pabulib.org/format, read by pabulib.py) gives each project's votes (its
`votes` column, or the voters who approve it): a project is the programme with the same
id, or `p-<project id>` (the id a Pabulib project takes in pabulib_scenario.py).

Each programme listed gets `outputs.votes` = its votes before validation, so the votes
are one more output metric, and a target such as

    - {id: citizen-votes, kind: metric, metric: votes, at_least: 1200}

asks that the funded programmes carry at least 1,200 votes (half of the 2,400 cast,
say). Votes count per unit, so a programme with votes must be all-or-nothing (`integer:
true`, `max_units: 1`): funded or not. Every problem is reported at its row of the vote
file (`FILE:ROW:COL`), or at the programme in the scenario. A new city's skeleton names
its vote file before any programme exists: the votes wait (`Document.pending_votes`)
until a variant that adds programmes (the one `intake import` writes) is merged.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import Problem, ScenarioError
from .messages import Text, must
from .pabulib import programme_id, read_pabulib
from .sheets import plain_number, read_small_table
from .tolerances import FLOAT_ROUNDING

if TYPE_CHECKING:  # the loader imports this module; only its types are needed here
    from .document import Document

#: The key of a scenario file that names its vote file.
VOTES_KEY = "votes"
#: The built-in metric the votes become.
VOTES_METRIC = "votes"
#: Columns of a CSV vote file.
PROGRAMME, VOTES = "programme", "votes"
PABULIB_SUFFIX = ".pb"


@dataclass(frozen=True)
class Vote:
    id: str  # the programme (CSV) or project (Pabulib) id as written
    votes: int
    where: str  # "FILE:ROW:COL" of its row


@dataclass(frozen=True)
class Votes:
    file: str
    items: tuple[Vote, ...]
    pabulib: bool
    sha256: str  # of the bytes read (each input is read once)

    @property
    def total(self) -> int:
        """Every vote in the file: the city's votes a share is taken of."""
        return sum(v.votes for v in self.items)


def read_votes(path: Path, name: str | None = None) -> Votes:
    """A vote file, CSV or .xlsx (`programme, votes`) or Pabulib (`.pb`); problems at
    their rows."""
    display = name or str(path)
    if path.suffix.lower() == PABULIB_SUFFIX:
        instance = read_pabulib(path)
        items = tuple(Vote(p.id, p.votes, f"{display}:{p.line}:1") for p in instance.projects)
        return Votes(display, items, True, instance.sha256)
    return _read_table(path, display)


def _read_table(path: Path, name: str) -> Votes:
    table = read_small_table(path, name)
    header = [c.text() for c in table.rows[0]] if table.rows else []
    missing = [c for c in (PROGRAMME, VOTES) if c not in header]
    if missing:
        raise ScenarioError(
            [
                table.cell(1, 1).problem(
                    "",
                    Text(
                        f"val.votes.columns.{'one' if len(missing) == 1 else 'other'}",
                        missing=", ".join(missing),
                        columns=f"{PROGRAMME}, {VOTES}",
                    ),
                )
            ]
        )
    pj, vj = header.index(PROGRAMME) + 1, header.index(VOTES) + 1
    problems: list[Problem] = []
    items: list[Vote] = []
    seen: dict[str, str] = {}
    for r in range(2, len(table.rows) + 1):
        if not any(c.text() for c in table.rows[r - 1]):
            continue
        pid, count = table.cell(r, pj), table.cell(r, vj)
        ident, written = pid.text(), count.text()
        if not ident:
            problems.append(pid.problem(PROGRAMME, Text("val.votes.no_id")))
            continue
        if ident in seen:
            twice = Text("val.votes.twice", id=ident, at=seen[ident])
            problems.append(pid.problem(PROGRAMME, twice))
            continue
        seen[ident] = pid.where
        plain = plain_number(written, table.decimal) if written else None
        if plain is None or not re.fullmatch(r"\d+", plain):
            got = Text("val.votes.got", text=written) if written else Text("val.votes.empty")
            problems.append(count.problem(VOTES, Text("val.votes.count", got=got)))
            continue
        items.append(Vote(ident, int(plain), pid.where))
    if problems:
        raise ScenarioError(problems[:50])
    if not items:
        raise ScenarioError([Problem(name, 0, 0, "", Text("val.votes.none"))])
    return Votes(name, tuple(items), False, table.sha256)


def _all_or_nothing(programme: dict[str, Any]) -> bool:
    cap = programme.get("max_units")
    return programme.get("integer") is True and isinstance(cap, int | float) and cap == 1


# --------------------------------------------------------------------------- the hook
def expand_votes(doc: Document, folder: Path) -> Document:
    """Give each programme named in the scenario's vote file its `outputs.votes`.

    `folder` is the YAML file's folder (the vote file's path is relative to it)."""
    if not isinstance(doc.data, dict) or VOTES_KEY not in doc.data:
        return doc
    ref = doc.data.pop(VOTES_KEY)
    if not isinstance(ref, str) or not ref.strip():
        raise ScenarioError([doc.problem((VOTES_KEY,), must("val.be.vote_file"))])
    return apply_votes(doc, folder / ref, str(Path(doc.file).parent / ref))


def apply_votes(doc: Document, path: Path, display: str) -> Document:
    """Give each programme of `doc` named in the vote file at `path` its `outputs.votes`
    (`display` names the file in messages): the scenario's own `votes:` file, or the one
    `validate --votes` gives. With no programme yet (a new city's skeleton, or a variant
    whose programmes are changes to its base's), the votes wait in `doc.pending_votes`
    for the programmes (`apply_pending`)."""
    votes = read_votes(path, display)
    doc.tables.append(path)
    doc.digests[path] = votes.sha256
    if not _entries(doc):
        doc.pending_votes = votes
        return doc
    return _give(doc, votes)


def apply_pending(merged: Document, *sources: Document) -> Document:
    """After a variant is merged with its base: the vote file that waits in the first of
    `sources` (the variant, then its base), given to the merged programmes (or waiting
    still, if the merged scenario has none either)."""
    pending = next((d.pending_votes for d in sources if d.pending_votes is not None), None)
    if pending is None:
        return merged
    if not _entries(merged):
        merged.pending_votes = pending
        return merged
    return _give(merged, pending)


def _entries(doc: Document) -> list[dict[str, Any]]:
    programmes = doc.data.get("programmes") if isinstance(doc.data, dict) else None
    return [p for p in programmes if isinstance(p, dict)] if isinstance(programmes, list) else []


def _give(doc: Document, votes: Votes) -> Document:
    """Each programme named in `votes` gets `outputs.votes`; every problem at once."""
    display = votes.file
    entries = _entries(doc)
    by_id = {str(p.get("id")): (i, p) for i, p in enumerate(entries)}
    problems: list[Problem] = []
    for vote in votes.items:
        found = by_id.get(vote.id)
        if found is None and votes.pabulib:
            found = by_id.get(programme_id(vote.id))
        if found is None:
            if votes.pabulib and vote.votes == 0:
                continue  # a project nobody voted for need not be a programme
            close = get_close_matches(vote.id, list(by_id), n=1, cutoff=0.6)
            hint = Text("val.hint.mean", name=close[0]) if close else ""
            message = Text("val.votes.unknown", id=vote.id, hint=hint)
            problems.append(Problem(vote.where, 0, 0, PROGRAMME, message))
            continue
        i, programme = found
        outputs = programme.setdefault("outputs", {})
        if not isinstance(outputs, dict):
            continue  # validation reports the outputs field itself
        if VOTES_METRIC in outputs:
            problems.append(
                doc.problem(
                    ("programmes", i, "outputs", VOTES_METRIC),
                    Text("val.votes.in_outputs", file=display),
                )
            )
            continue
        if vote.votes and not _all_or_nothing(programme):
            problems.append(
                Problem(
                    vote.where,
                    0,
                    0,
                    PROGRAMME,
                    Text("val.votes.all_or_nothing", id=str(programme.get("id"))),
                )
            )
            continue
        outputs[VOTES_METRIC] = vote.votes
    if problems:
        raise ScenarioError(problems[:50])
    return doc


def share_of(total: float, share: float) -> float:
    """`share` of `total` votes as a whole number of votes, rounded up: "at least half" of
    2,401 votes is 1,201."""
    return float(math.ceil(share * total - FLOAT_ROUNDING))
