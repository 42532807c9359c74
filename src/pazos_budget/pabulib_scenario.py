"""A Pabulib instance as a scenario of its own: a benchmark on real data with a known optimum.

One all-or-nothing programme per project (integer, `min_units` = `max_units` = 1,
`unit_cost` = the project's cost; projects of cost 0 are left out, see `free_projects`)
and one cluster whose youth population is the sum of all votes, each project "reaching"
its number of votes, so that coverage never saturates and `maximize_weighted_reach`
maximizes the votes of the selected projects under `reach_model: participations` (votes
add up; the distinct-youth curve does not apply to them): the utilitarian optimum, the
most approval votes within the budget; the tie-break then picks the cheapest such set.
The programmes all belong to one department and one component, which are placeholders.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .loader import LoadedScenario
from .pabulib import PabulibInstance, PabulibProject, fail, programme_id, read_pabulib, slug
from .scenario import Scenario

DEPARTMENT_ID = "participatory-budget"
CLUSTER_ID = "voters"
COMPONENT = "prevention"  # a placeholder: Pabulib projects have no PAZOS component
DEFAULT_YEAR = 2000  # when neither `instance` nor the dates give a year
DEFAULT_CURRENCY = "money units of the instance"


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
        raise fail(instance.file, 0, "no project has a cost above 0: nothing to optimize")
    for p in instance.projects:
        if p.cost == 0:
            continue
        pid = programme_id(p.id)
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
            "id": slug(stem, "pabulib"),
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
        raise fail(instance.file, 0, f"cannot be read as a scenario: {e}") from e
    return LoadedScenario(scenario, p, instance.sha256, data)


def load_pabulib(path: str | Path) -> LoadedScenario:
    """Read a `.pb` file as a scenario (see the module docstring)."""
    return scenario_from_instance(read_pabulib(path), path)
