"""Pabulib participatory-budgeting files (`.pb`): reading them, every problem located.

A `.pb` file (pabulib.org/format) has three sections, each a line with its name and then
semicolon-separated rows under a header row: `META` (`key;value`), `PROJECTS` (at least
`project_id;cost`) and `VOTES` (at least `voter_id;vote`, the vote a comma-separated list
of project ids). Fields may be quoted with `"` (a quote inside is doubled).

A project's votes are the `votes` column of PROJECTS; where that column is absent or a
cell is empty, they are counted from the VOTES section (the number of voters whose vote
lists the project): for approval votes, its approval score.

Citizens' votes (votes.py) read a `.pb` file's projects and their votes, so that a
scenario's programmes carry the votes of the projects they are; an instance can also
become a scenario of its own, a benchmark with a known optimum (pabulib_scenario.py).
Every problem in a file is a `ScenarioError` with the file and line.
"""

from __future__ import annotations

import csv
import hashlib
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Problem, ScenarioError
from .files import read_input_bytes
from .messages import Text

#: The three sections of a `.pb` file, in the order they must appear.
META, PROJECTS, VOTES = "META", "PROJECTS", "VOTES"
SECTIONS = (META, PROJECTS, VOTES)
#: Columns each section must have.
REQUIRED_COLUMNS = {META: ("key", "value"), PROJECTS: ("project_id", "cost"), VOTES: ("vote",)}
#: Files larger than this are refused (the largest Pabulib instances are ~100 MB).
MAX_FILE_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class PabulibProject:
    id: str
    cost: float
    votes: int
    name: str
    line: int  # line of the project's row in the file


@dataclass
class PabulibInstance:
    """What a `.pb` file says, as read (before it becomes a scenario)."""

    file: str
    meta: dict[str, str]
    budget: float
    projects: list[PabulibProject]
    voters: int
    meta_lines: dict[str, int] = field(default_factory=dict)
    sha256: str = ""  # of the bytes read


@dataclass
class _Section:
    name: str
    line: int
    header: list[str] = field(default_factory=list)
    header_line: int = 0
    rows: list[tuple[int, list[str]]] = field(default_factory=list)

    def records(self) -> list[tuple[int, dict[str, str]]]:
        return [(line, dict(zip(self.header, row, strict=True))) for line, row in self.rows]

    def column(self, name: str) -> list[tuple[int, str]]:
        k = self.header.index(name)
        return [(line, row[k]) for line, row in self.rows]


# --------------------------------------------------------------------------- reading
def read_pabulib(path: str | Path) -> PabulibInstance:
    """Read and check one `.pb` file."""
    p = Path(path)
    name = str(path)
    raw = read_input_bytes(
        p,
        name,
        what="Pabulib (.pb)",
        text="Pabulib",
        limit=MAX_FILE_BYTES,
        missing=Text("val.file.missing"),
    )
    instance = _instance(_sections(_decode(raw, name), name), name)
    instance.sha256 = hashlib.sha256(raw).hexdigest()
    return instance


def fail(file: str, line: int, message: str, where: str = "") -> ScenarioError:
    return ScenarioError([Problem(file, line, 1 if line else 0, where, message)])


def _decode(raw: bytes, name: str) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise fail(name, line, Text("val.utf8", byte=f"0x{raw[e.start]:02x}")) from e
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise fail(name, 0, Text("val.empty"))
    return text


def _records(text: str, name: str) -> Iterator[tuple[int, list[str]]]:
    """(first line, fields) of each semicolon-separated record; quoted fields may span
    lines. Blank lines are skipped."""
    lines = text.splitlines(keepends=True)
    reader = csv.reader(lines, delimiter=";", quotechar='"', doublequote=True, strict=True)
    start = 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            raise fail(name, start, Text("val.pb.malformed", detail=str(e))) from e
        line, start = start, reader.line_num + 1
        if len(fields) > 1 or (fields and fields[0].strip()):  # blank lines are skipped
            yield line, fields


def _sections(text: str, name: str) -> dict[str, _Section]:
    sections: dict[str, _Section] = {}
    current: _Section | None = None
    for line, fields in _records(text, name):
        label = fields[0].strip().upper() if len(fields) == 1 else ""
        if label in SECTIONS:
            if label in sections:
                raise fail(
                    name,
                    line,
                    Text("val.pb.section_twice", label=label, line=sections[label].line),
                )
            expected = SECTIONS[len(sections)] if len(sections) < len(SECTIONS) else None
            if label != expected:
                message = Text("val.pb.order", label=label, expected=str(expected))
                raise fail(name, line, message)
            current = sections[label] = _Section(label, line)
            continue
        if current is None:
            raise fail(name, line, Text("val.pb.meta_first"))
        if not current.header:
            current.header, current.header_line = [f.strip() for f in fields], line
            _check_header(current, name)
            continue
        if len(fields) != len(current.header):
            raise fail(
                name,
                line,
                Text(
                    "val.pb.fields",
                    section=current.name,
                    n=len(fields),
                    line=current.header_line,
                    header=len(current.header),
                ),
            )
        current.rows.append((line, [f.strip() for f in fields]))
    for label in (META, PROJECTS):
        if label not in sections:
            raise fail(name, 0, Text("val.pb.no_section", label=label))
        if not sections[label].header:
            raise fail(name, sections[label].line, Text("val.pb.no_header", label=label))
    return sections


def _check_header(section: _Section, name: str) -> None:
    seen: set[str] = set()
    for column in section.header:
        if column in seen:
            message = Text("val.pb.column_twice", section=section.name, column=column)
            raise fail(name, section.header_line, message)
        seen.add(column)
    missing = [c for c in REQUIRED_COLUMNS[section.name] if c not in seen]
    if missing:
        raise fail(
            name,
            section.header_line,
            Text(
                "val.pb.lacks",
                section=section.name,
                missing=", ".join(missing),
                has=", ".join(section.header) or Text("val.intake.none"),
            ),
        )


def _number(file: str, line: int, where: str, value: str, *, positive: bool = True) -> float:
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or (number <= 0 if positive else number < 0):
        need = Text("val.pb.positive" if positive else "val.pb.non_negative")
        raise fail(file, line, Text("val.pb.number", where=where, need=need, value=value), where)
    return number


def _votes_cell(file: str, line: int, value: str) -> int:
    if not re.fullmatch(r"\d+", value):
        raise fail(file, line, Text("val.pb.votes", value=value), "votes")
    return int(value)


def _instance(sections: dict[str, _Section], name: str) -> PabulibInstance:
    meta: dict[str, str] = {}
    meta_lines: dict[str, int] = {}
    for line, row in sections[META].records():
        key = row["key"]
        if key in meta:
            raise fail(name, line, Text("val.pb.meta_twice", key=key, line=meta_lines[key]))
        meta[key], meta_lines[key] = row["value"], line
    if "budget" not in meta:
        raise fail(name, sections[META].line, Text("val.pb.no_budget"))
    budget = _number(name, meta_lines["budget"], "budget", meta["budget"])

    counted: dict[str, int] = {}
    voters = 0
    project_rows = sections[PROJECTS].records()
    if not project_rows:
        raise fail(name, sections[PROJECTS].line, Text("val.pb.no_project"))
    ids: dict[str, int] = {}
    for line, row in project_rows:
        pid = row["project_id"]
        if not pid:
            raise fail(name, line, Text("val.pb.empty_id"), "project_id")
        if pid in ids:
            raise fail(name, line, Text("val.pb.project_twice", id=pid, line=ids[pid]))
        ids[pid] = line
    need_count = any(not row.get("votes", "") for _, row in project_rows)
    if VOTES in sections:
        votes_section = sections[VOTES]
        if not votes_section.header:
            raise fail(name, votes_section.line, Text("val.pb.no_header", label="VOTES"))
        voters = len(votes_section.rows)
        for line, vote in votes_section.column("vote") if need_count else []:
            for pid in {v.strip() for v in vote.split(",")} - {""}:
                if pid not in ids:
                    raise fail(name, line, Text("val.pb.unknown", id=pid), "vote")
                counted[pid] = counted.get(pid, 0) + 1
    elif need_count:
        line = next(ln for ln, row in project_rows if not row.get("votes", ""))
        raise fail(name, line, Text("val.pb.no_votes"))

    projects = []
    for line, row in project_rows:
        pid = row["project_id"]
        cost = _number(name, line, "cost", row["cost"], positive=False)
        cell = row.get("votes", "")
        votes = _votes_cell(name, line, cell) if cell else counted.get(pid, 0)
        projects.append(PabulibProject(pid, cost, votes, row.get("name", "") or pid, line))
    return PabulibInstance(name, meta, budget, projects, voters, meta_lines)


def slug(text: str, fallback: str) -> str:
    """A text as an id (lower-case letters, digits, '-' and '_'), or `fallback`."""
    slug = re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-_")[:64].strip("-_")
    return slug or fallback


def programme_id(project_id: str) -> str:
    """The programme id a project becomes (`p-` and its id as a slug)."""
    return "p-" + slug(project_id, "project")[:60]
