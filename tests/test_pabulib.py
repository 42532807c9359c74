"""Real Pabulib instances: the optimizer finds the best set of projects within the budget.

`pabulib_scenario.load_pabulib` turns each project into an all-or-nothing programme whose
"youth" are its votes, so the final stage maximizes the votes of the selected projects
(the utilitarian optimum: the total approval score of the funded projects) and its
tie-break picks the cheapest such set. The optimum is checked against brute-force
enumeration (<= 20 projects) and against an independent knapsack (dynamic programme over
votes) for larger instances.

The instances are copies kept with the tests (tests/data/pabulib/, provenance and licence
in its SOURCES.md), so these tests never skip.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from conftest import PULP_4_DEPRECATIONS, SOLVERS
from pazos_budget.errors import ScenarioError
from pazos_budget.loader import LoadedScenario
from pazos_budget.pabulib import PabulibInstance, read_pabulib
from pazos_budget.pabulib_scenario import (
    CLUSTER_ID,
    free_projects,
    load_pabulib,
    scenario_from_instance,
)
from pazos_budget.pipeline import solve_scenario
from pazos_budget.result import to_json
from pazos_budget.solve import SolveOptions

pytestmark = PULP_4_DEPRECATIONS

DATA = Path(__file__).parent / "data" / "pabulib"
FILES = sorted(DATA.glob("*.pb"))
BRUTE_FORCE_MAX = 20


@cache
def _instance(path: Path) -> PabulibInstance:
    return read_pabulib(path)


@cache
def _loaded(path: Path) -> LoadedScenario:
    return scenario_from_instance(_instance(path), path)


def _costs_votes(instance: PabulibInstance) -> tuple[np.ndarray, np.ndarray]:
    costs = np.array([p.cost for p in instance.projects], dtype=float)
    votes = np.array([p.votes for p in instance.projects], dtype=np.int64)
    return costs, votes


def brute_force(costs: np.ndarray, votes: np.ndarray, budget: float) -> tuple[int, float]:
    """(most votes of a set within the budget, least cost of such a set), all 2^n sets."""
    assert len(costs) <= BRUTE_FORCE_MAX
    cost, value = np.zeros(1), np.zeros(1, dtype=np.int64)
    for c, v in zip(costs, votes, strict=True):  # each set without, then with, project k
        cost, value = np.concatenate([cost, cost + c]), np.concatenate([value, value + v])
    ok = cost <= budget * (1 + 1e-12)
    best = value[ok].max()
    return int(best), float(cost[ok & (value == best)].min())


def knapsack(costs: np.ndarray, votes: np.ndarray, budget: float) -> tuple[int, float]:
    """The same by dynamic programming over votes: least[v] = least cost of exactly v."""
    total = int(votes.sum())
    least = np.full(total + 1, np.inf)
    least[0] = 0.0
    for c, v in zip(costs, votes, strict=True):
        if v == 0:
            continue  # adds cost, never votes: never in a cheapest best set
        least[v:] = np.minimum(least[v:], least[:-v] + c)  # right side read before writing
    within = np.flatnonzero(least <= budget * (1 + 1e-12))
    best = int(within.max())
    return best, float(least[best])


def _solve(path: Path, solver: str) -> dict[str, Any]:
    return to_json(solve_scenario(_loaded(path), SolveOptions(solver=solver)))


# --------------------------------------------------------------------------- reading
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_instance_is_read_as_its_meta_says(path: Path) -> None:
    instance = _instance(path)
    assert instance.budget == float(instance.meta["budget"])
    assert len(instance.projects) == int(instance.meta["num_projects"])
    assert instance.voters == int(instance.meta["num_votes"])
    loaded = _loaded(path)
    s = loaded.scenario
    free = free_projects(instance)
    assert len(s.programmes) == len(instance.projects) - len(free)
    assert s.budget.total == instance.budget
    assert all(p.integer and p.min_units == 1 and p.max_units == 1 for p in s.programmes)
    assert s.clusters[0].youth_population >= sum(p.votes for p in instance.projects)


def test_the_shipped_copies_are_the_two_instances() -> None:
    assert [p.name for p in FILES] == [
        "poland_czestochowa_2020_grabowka.pb",
        "poland_warszawa_2019_las.pb",
    ]


def test_quoted_names_and_counted_votes_in_the_real_files() -> None:
    grabowka = _instance(DATA / "poland_czestochowa_2020_grabowka.pb")
    names = {p.id: p.name for p in grabowka.projects}
    assert names["47"].startswith('"Odkupmy" i my - zakup')  # """Odkupmy"" i my ..."
    # Las: the votes column agrees with the approvals counted from its VOTES section.
    text = (DATA / "poland_warszawa_2019_las.pb").read_text(encoding="utf-8")
    without = text.replace("project_id;cost;category;votes;", "project_id;cost;category;x;")
    counted = read_pabulib(_copy(without))
    las = _instance(DATA / "poland_warszawa_2019_las.pb")
    assert {p.id: p.votes for p in counted.projects} == {p.id: p.votes for p in las.projects}
    assert {p.id: p.votes for p in las.projects}["1137"] == 103


def _copy(text: str) -> Path:
    import tempfile

    folder = Path(tempfile.mkdtemp())
    path = folder / "copy.pb"
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- optimum
def _check_optimum(path: Path, solver: str, best: int, least_cost: float) -> None:
    instance = _instance(path)
    free_votes = sum(p.votes for p in free_projects(instance))
    doc = _solve(path, solver)
    assert doc["status"] == "optimal"
    assert doc["stages"] == [{"final": "maximize_weighted_reach", "objective": best - free_votes}]
    chosen = [p for p in doc["programmes"] if p["units"]]
    assert all(p["units"] == 1 for p in chosen)
    by_id = {f"p-{p.id}": p for p in instance.projects}
    assert sum(by_id[p["id"]].votes for p in chosen) + free_votes == best
    # The tie-break picks the cheapest of the best sets.
    assert doc["totals"]["spend"] == pytest.approx(least_cost, rel=1e-9)
    assert doc["totals"]["spend"] <= instance.budget
    assert doc["clusters"][0]["id"] == CLUSTER_ID


def _declared_projects(path: Path) -> int:
    """META's num_projects, read without parsing the whole file (collection stays fast;
    test_instance_is_read_as_its_meta_says checks it against the projects read)."""
    with path.open(encoding="utf-8") as f:
        for line in f:
            key, _, value = line.strip().partition(";")
            if key == "num_projects":
                return int(value)
            if key == "PROJECTS":
                break
    return 0


SMALL = [p for p in FILES if _declared_projects(p) <= BRUTE_FORCE_MAX]


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("path", SMALL, ids=lambda p: p.stem)
def test_small_instance_optimum_equals_brute_force(path: Path, solver: str) -> None:
    instance = _instance(path)
    costs, votes = _costs_votes(instance)
    best, least_cost = brute_force(costs, votes, instance.budget)
    assert knapsack(costs, votes, instance.budget) == (best, least_cost)  # guards the guard
    _check_optimum(path, solver, best, least_cost)


def test_knapsack_on_the_real_instances_equals_brute_force() -> None:
    """The dynamic programme that checks larger instances agrees with brute force here."""
    for path in FILES:
        instance = _instance(path)
        costs, votes = _costs_votes(instance)
        assert knapsack(costs, votes, instance.budget) == brute_force(costs, votes, instance.budget)


def test_free_projects_are_left_out_and_counted(tmp_path: Path) -> None:
    text = GOOD.replace("c;40;Library", "c;40;Library\nd;0;Free bench")
    text = text.replace("4;c", "4;c,d")
    instance = read_pabulib(_write(tmp_path, text))
    assert [p.id for p in free_projects(instance)] == ["d"]
    loaded = load_pabulib(_write(tmp_path, text))
    assert [p.id for p in loaded.scenario.programmes] == ["p-a", "p-b", "p-c"]
    assert "1 project(s) of cost 0 (d; 1 votes)" in loaded.scenario.scenario.notes


# --------------------------------------------------------------------------- robustness
GOOD = """\
META
key;value
description;Tiny test instance
budget;100
vote_type;approval
PROJECTS
project_id;cost;name
a;60;"Park; with a ""quoted"" name"
b;50;Lights
c;40;Library
VOTES
voter_id;vote
1;a,b
2;a,c
3;b,c
4;c
"""


def _write(tmp_path: Path, text: str, *, name: str = "tiny.pb", newline: str = "\n") -> Path:
    path = tmp_path / name
    path.write_bytes(text.replace("\n", newline).encode("utf-8"))
    return path


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_votes_are_counted_when_the_column_is_missing(tmp_path: Path, newline: str) -> None:
    instance = read_pabulib(_write(tmp_path, GOOD, newline=newline))
    assert {p.id: p.votes for p in instance.projects} == {"a": 2, "b": 2, "c": 3}
    assert instance.projects[0].name == 'Park; with a "quoted" name'
    assert instance.voters == 4


def test_empty_votes_cells_are_counted_and_a_bom_is_ignored(tmp_path: Path) -> None:
    text = GOOD.replace("project_id;cost;name", "project_id;cost;votes;name")
    text = text.replace('a;60;"Park', 'a;60;7;"Park').replace("b;50;", "b;50;;")
    text = text.replace("c;40;", "c;40;1;")
    instance = read_pabulib(_write(tmp_path, "\ufeff" + text))
    assert {p.id: p.votes for p in instance.projects} == {"a": 7, "b": 2, "c": 1}


@pytest.mark.parametrize("solver", SOLVERS)
def test_tiny_instance_optimum(tmp_path: Path, solver: str) -> None:
    # Budget 100: {a, c} costs 100 for 2 + 3 = 5 votes; {b, c} 90 for 5; {a, b} 110 > 100.
    # Best 5 votes; the tie-break takes the cheaper {b, c}: spend 90.
    loaded = load_pabulib(_write(tmp_path, GOOD))
    doc = to_json(solve_scenario(loaded, SolveOptions(solver=solver)))
    assert doc["stages"] == [{"final": "maximize_weighted_reach", "objective": 5.0}]
    assert {p["id"]: p["units"] for p in doc["programmes"]} == {"p-a": 0, "p-b": 1, "p-c": 1}
    assert doc["totals"]["spend"] == 90


@pytest.mark.parametrize(
    ("edit", "line", "message"),
    [
        (lambda t: t.replace("b;50;Lights", "b;fifty;Lights"), 9, "cost must be a number"),
        (
            lambda t: t.replace("b;50;Lights", "b;50"),
            9,
            "PROJECTS row: 2, in its header at line 7: 3",
        ),
        (lambda t: t.replace("3;b,c", "3;b,z"), 15, "vote for unknown project 'z'"),
        (lambda t: t.replace("c;40;Library", "a;40;Library"), 10, "project 'a' listed twice"),
        (lambda t: t.replace("budget;100", "budget;-5"), 4, "budget must be a positive"),
        (lambda t: t.replace("budget;100\n", ""), 1, "META has no 'budget'"),
        (
            lambda t: t.replace("project_id;cost;name", "id;cost;name"),
            7,
            "missing from the PROJECTS header: project_id",
        ),
        (lambda t: t.replace("b;50;Lights", 'b;50;"Lights'), 9, "malformed row"),
        (lambda t: t.replace("PROJECTS", "PROJECT"), 6, "fields in the"),
        (lambda t: "garbage\n" + t, 1, "expected the section name META"),
        (lambda t: t.replace("VOTES", "META"), 11, "section META appears twice"),
    ],
    ids=[
        "bad-cost",
        "short-row",
        "unknown-vote",
        "duplicate-id",
        "negative-budget",
        "no-budget",
        "no-project-id",
        "open-quote",
        "misspelt-section",
        "no-meta",
        "meta-twice",
    ],
)
def test_malformed_input_names_file_and_line(
    tmp_path: Path, edit: object, line: int, message: str
) -> None:
    path = _write(tmp_path, edit(GOOD))  # type: ignore[operator]
    with pytest.raises(ScenarioError) as err:
        load_pabulib(path)
    assert f"{path}:{line}:" in str(err.value)
    assert message in str(err.value)


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.pb"
    path.write_bytes(GOOD.replace("Lights", "Luz clara é").encode("latin-1"))
    with pytest.raises(ScenarioError, match=r"latin1\.pb:9:.*not valid UTF-8"):
        load_pabulib(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "file is empty"), (b"META\x00", "binary file")],
)
def test_empty_or_binary_file(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.pb"
    path.write_bytes(content)
    with pytest.raises(ScenarioError, match=message):
        load_pabulib(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no such file"):
        load_pabulib(tmp_path / "nope.pb")
