"""Pabulib participatory-budgeting instances (`.pb` files) as scenarios.

A `.pb` file (pabulib.org/format) has three sections, each a line with its name and then
semicolon-separated rows under a header row: `META` (`key;value`), `PROJECTS` (at least
`project_id;cost`) and `VOTES` (at least `voter_id;vote`, the vote a comma-separated list
of project ids). Fields may be quoted with `"` (a quote inside is doubled).

An instance becomes a scenario whose optimum is the best set of projects within the
budget, by approval votes: one all-or-nothing programme per project (integer,
`min_units` = `max_units` = 1, `unit_cost` = the project's cost; projects of cost 0 are
left out, see `free_projects`) and one cluster whose
youth population is the sum of all votes, each project "reaching" its number of votes, so
that coverage never saturates and `maximize_weighted_reach` maximizes the votes of the
selected projects under `reach_model: participations` (votes add up; the distinct-youth
curve does not apply to them); the tie-break then picks the cheapest such set. A project's votes are
the `votes` column of PROJECTS; where that column is absent or a cell is empty, they are
counted from the VOTES section (the number of voters whose vote lists the project).

This is a benchmark on real data with a known optimum, not a PAZOS scenario: the
programmes all belong to one department and one component, which are placeholders.
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
from typing import Any

from pydantic import ValidationError

from .errors import Problem, ScenarioError
from .loader import LoadedScenario
from .scenario import Scenario

#: The three sections of a `.pb` file, in the order they must appear.
META, PROJECTS, VOTES = "META", "PROJECTS", "VOTES"
SECTIONS = (META, PROJECTS, VOTES)
#: Columns each section must have.
REQUIRED_COLUMNS = {META: ("key", "value"), PROJECTS: ("project_id", "cost"), VOTES: ("vote",)}
#: Files larger than this are refused (the largest Pabulib instances are ~100 MB).
MAX_FILE_BYTES = 512 * 1024 * 1024

DEPARTMENT_ID = "participatory-budget"
CLUSTER_ID = "voters"
COMPONENT = "prevention"  # a placeholder: Pabulib projects have no PAZOS component
DEFAULT_YEAR = 2000  # when neither `instance` nor the dates give a year
DEFAULT_CURRENCY = "money units of the instance"


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
    text = _read_text(p, name)
    sections = _sections(text, name)
    return _instance(sections, name)


def _fail(file: str, line: int, message: str, where: str = "") -> ScenarioError:
    return ScenarioError([Problem(file, line, 1 if line else 0, where, message)])


def _read_text(path: Path, name: str) -> str:
    try:
        if path.is_dir():
            raise _fail(name, 0, "is a directory, not a Pabulib (.pb) file")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise _fail(name, 0, f"file is too large ({size:,} bytes)")
        raw = path.read_bytes()
    except FileNotFoundError as e:
        raise _fail(name, 0, "no such file") from e
    except PermissionError as e:
        raise _fail(name, 0, "permission denied") from e
    except OSError as e:
        raise _fail(name, 0, f"cannot read file: {e.strerror or e}") from e
    if b"\x00" in raw:
        raise _fail(name, 0, "binary file (contains NUL bytes); expected a Pabulib text file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise _fail(
            name, line, f"not valid UTF-8 (byte 0x{raw[e.start]:02x}); save the file as UTF-8"
        ) from e
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise _fail(name, 0, "file is empty")
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
            raise _fail(name, start, f"malformed row: {e}") from e
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
                raise _fail(
                    name,
                    line,
                    f"section {label} appears twice (first at line {sections[label].line})",
                )
            expected = SECTIONS[len(sections)] if len(sections) < len(SECTIONS) else None
            if label != expected:
                raise _fail(name, line, f"section {label} out of order (expected {expected})")
            current = sections[label] = _Section(label, line)
            continue
        if current is None:
            raise _fail(name, line, "expected the section name META on the first line")
        if not current.header:
            current.header, current.header_line = [f.strip() for f in fields], line
            _check_header(current, name)
            continue
        if len(fields) != len(current.header):
            raise _fail(
                name,
                line,
                f"{current.name} row has {len(fields)} field(s) but the header at line "
                f"{current.header_line} has {len(current.header)}",
            )
        current.rows.append((line, [f.strip() for f in fields]))
    for label in (META, PROJECTS):
        if label not in sections:
            raise _fail(name, 0, f"no {label} section")
        if not sections[label].header:
            raise _fail(name, sections[label].line, f"section {label} has no header row")
    return sections


def _check_header(section: _Section, name: str) -> None:
    seen: set[str] = set()
    for column in section.header:
        if column in seen:
            raise _fail(name, section.header_line, f"{section.name} header lists '{column}' twice")
        seen.add(column)
    missing = [c for c in REQUIRED_COLUMNS[section.name] if c not in seen]
    if missing:
        raise _fail(
            name,
            section.header_line,
            f"{section.name} header lacks column(s) {', '.join(missing)} "
            f"(it has {', '.join(section.header) or 'none'})",
        )


def _number(file: str, line: int, where: str, value: str, *, positive: bool = True) -> float:
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or (number <= 0 if positive else number < 0):
        need = "a positive number" if positive else "a number >= 0"
        raise _fail(file, line, f"{where} must be {need}, got '{value}'", where)
    return number


def _votes_cell(file: str, line: int, value: str) -> int:
    if not re.fullmatch(r"\d+", value):
        raise _fail(file, line, f"votes must be a whole number >= 0, got '{value}'", "votes")
    return int(value)


def _instance(sections: dict[str, _Section], name: str) -> PabulibInstance:
    meta: dict[str, str] = {}
    meta_lines: dict[str, int] = {}
    for line, row in sections[META].records():
        key = row["key"]
        if key in meta:
            raise _fail(
                name, line, f"META key '{key}' given twice (first at line {meta_lines[key]})"
            )
        meta[key], meta_lines[key] = row["value"], line
    if "budget" not in meta:
        raise _fail(name, sections[META].line, "META has no 'budget'")
    budget = _number(name, meta_lines["budget"], "budget", meta["budget"])

    counted: dict[str, int] = {}
    voters = 0
    project_rows = sections[PROJECTS].records()
    if not project_rows:
        raise _fail(name, sections[PROJECTS].line, "section PROJECTS lists no project")
    ids: dict[str, int] = {}
    for line, row in project_rows:
        pid = row["project_id"]
        if not pid:
            raise _fail(name, line, "empty project_id", "project_id")
        if pid in ids:
            raise _fail(name, line, f"project '{pid}' listed twice (first at line {ids[pid]})")
        ids[pid] = line
    need_count = any(not row.get("votes", "") for _, row in project_rows)
    if VOTES in sections:
        votes_section = sections[VOTES]
        if not votes_section.header:
            raise _fail(name, votes_section.line, "section VOTES has no header row")
        voters = len(votes_section.rows)
        for line, vote in votes_section.column("vote") if need_count else []:
            for pid in {v.strip() for v in vote.split(",")} - {""}:
                if pid not in ids:
                    raise _fail(name, line, f"vote for unknown project '{pid}'", "vote")
                counted[pid] = counted.get(pid, 0) + 1
    elif need_count:
        line = next(ln for ln, row in project_rows if not row.get("votes", ""))
        raise _fail(name, line, "no votes for this project and no VOTES section to count them")

    projects = []
    for line, row in project_rows:
        pid = row["project_id"]
        cost = _number(name, line, "cost", row["cost"], positive=False)
        cell = row.get("votes", "")
        votes = _votes_cell(name, line, cell) if cell else counted.get(pid, 0)
        projects.append(PabulibProject(pid, cost, votes, row.get("name", "") or pid, line))
    return PabulibInstance(name, meta, budget, projects, voters, meta_lines)


# --------------------------------------------------------------------------- scenario
def _slug(text: str, fallback: str) -> str:
    slug = re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-_")[:64].strip("-_")
    return slug or fallback


def _year(meta: dict[str, str]) -> int:
    for key in ("instance", "date_begin", "date_end"):
        for found in re.findall(r"(?<!\d)(\d{4})(?!\d)", meta.get(key, "")):
            if 1900 <= int(found) <= 2200:
                return int(found)
    return DEFAULT_YEAR


def free_projects(instance: PabulibInstance) -> list[PabulibProject]:
    """Projects of cost 0: a programme needs a unit cost above 0, and every best set of
    projects includes them anyway, so the scenario leaves them out (and says so)."""
    return [p for p in instance.projects if p.cost == 0]


def instance_data(instance: PabulibInstance) -> dict[str, Any]:
    """The scenario data (as a YAML file would hold it) of a Pabulib instance."""
    meta = instance.meta
    stem = Path(instance.file).stem
    total_votes = sum(p.votes for p in instance.projects)
    programme_ids: set[str] = set()
    programmes = []
    free = free_projects(instance)
    if len(free) == len(instance.projects):
        raise _fail(instance.file, 0, "no project has a cost above 0: nothing to optimize")
    for p in instance.projects:
        if p.cost == 0:
            continue
        pid = "p-" + _slug(p.id, "project")[:60]
        base, n = pid, 1
        while pid in programme_ids:  # ids that differ only in punctuation or case
            n += 1
            pid = f"{base[:58]}-{n}"
        programme_ids.add(pid)
        programmes.append(
            {
                "id": pid,
                "name": p.name,
                "department": DEPARTMENT_ID,
                "component": COMPONENT,
                "unit": "project",
                "unit_cost": p.cost,
                "min_units": 1,
                "max_units": 1,
                "integer": True,
                "clusters": "all",
                "youth_per_unit": p.votes,
                "notes": f"Pabulib project {p.id} ({p.votes} votes), line {p.line}",
            }
        )
    area = meta.get("subunit") or meta.get("district") or meta.get("unit") or stem
    return {
        "scenario": {
            "id": _slug(stem, "pabulib"),
            "name": meta.get("description") or stem,
            "year": _year(meta),
            "currency": meta.get("currency") or DEFAULT_CURRENCY,
            "language": "en",
            "notes": (
                f"Pabulib instance {Path(instance.file).name}: {len(instance.projects)} "
                f"projects, {instance.voters} voters, vote type "
                f"{meta.get('vote_type', 'unknown')}. Youth = votes: the optimum is the "
                "set of projects with the most votes within the budget."
                + (
                    f" Left out, as they cost nothing and every best set includes them: "
                    f"{len(free)} project(s) of cost 0 ({', '.join(p.id for p in free)}; "
                    f"{sum(p.votes for p in free)} votes)."
                    if free
                    else ""
                )
            ),
        },
        "budget": {"total": instance.budget},
        "objective": "maximize_weighted_reach",
        # Votes are counted, not de-duplicated: the optimum is the knapsack's.
        "reach_model": "participations",
        "clusters": [
            {
                "id": CLUSTER_ID,
                "name": f"Voters of {area}",
                # Never below any sum of votes, so coverage never saturates.
                "youth_population": max(total_votes, 1),
            }
        ],
        "departments": [{"id": DEPARTMENT_ID, "name": "Participatory budget"}],
        "programmes": programmes,
    }


def scenario_from_instance(instance: PabulibInstance, path: str | Path) -> LoadedScenario:
    """The scenario of an instance read from `path`."""
    p = Path(path)
    data = instance_data(instance)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as e:  # a value the format allows but a scenario does not
        raise _fail(instance.file, 0, f"cannot be read as a scenario: {e}") from e
    return LoadedScenario(scenario, p, hashlib.sha256(p.read_bytes()).hexdigest(), data)


def load_pabulib(path: str | Path) -> LoadedScenario:
    """Read a `.pb` file as a scenario (see the module docstring)."""
    return scenario_from_instance(read_pabulib(path), path)
