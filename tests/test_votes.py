"""Citizens' votes (votes.py): a vote file becomes the `votes` metric of the programmes.

Checked: the CSV and Pabulib routes give each named programme its votes; bad vote files
are located at their rows; a skeleton's vote file waits for the programmes a variant adds
(the shipped new city, tests/test_example_city.py, is built so).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import PULP_4_DEPRECATIONS, ROOT, invoke_cli
from pazos_budget.errors import ScenarioError
from pazos_budget.loader import load_scenario
from pazos_budget.pabulib import read_pabulib
from pazos_budget.pabulib_scenario import instance_data
from pazos_budget.pipeline import solve_scenario
from pazos_budget.result import to_json
from pazos_budget.solve import SolveOptions
from pazos_budget.votes import read_votes, share_of

pytestmark = PULP_4_DEPRECATIONS

INPUTS = ROOT / "examples" / "nueva-ciudad"
LAS = ROOT / "tests" / "data" / "pabulib" / "poland_warszawa_2019_las.pb"

YAML = """\
scenario: {id: v, name: V, year: 2026}
budget: {total: 100}
clusters:
  - {id: a, name: A, youth_population: 1000}
departments:
  - {id: d, name: D}
programmes:
  - {id: park, name: Park, department: d, component: prevention, unit_cost: 60,
     integer: true, max_units: 1, clusters: all, youth_per_unit: 10}
  - {id: lights, name: Lights, department: d, component: prevention, unit_cost: 50,
     integer: true, max_units: 1, clusters: all, youth_per_unit: 10}
  - {id: school, name: School, department: d, component: prevention, unit_cost: 5,
     clusters: all, youth_per_unit: 3}
votes: votes.csv
targets:
  - {id: half, kind: metric, metric: votes, at_least: 50}
"""


def write(tmp_path: Path, votes: str, yaml: str = YAML, name: str = "votes.csv") -> Path:
    (tmp_path / name).write_text(votes, encoding="utf-8")
    path = tmp_path / "s.yaml"
    path.write_text(yaml, encoding="utf-8")
    return path


def test_csv_votes_become_the_votes_metric(tmp_path: Path) -> None:
    path = write(tmp_path, "programme,votes\npark,70\nlights,30\n")
    loaded = load_scenario(path)
    outputs = {p.id: p.outputs for p in loaded.scenario.programmes}
    assert outputs == {"park": {"votes": 70.0}, "lights": {"votes": 30.0}, "school": {}}
    assert tmp_path / "votes.csv" in loaded.files  # traced, and never written over
    before = loaded.sha256
    (tmp_path / "votes.csv").write_text("programme,votes\npark,71\nlights,30\n", "utf-8")
    assert load_scenario(path).sha256 != before
    doc = to_json(solve_scenario(load_scenario(path), SolveOptions()))
    half = next(t for t in doc["targets"] if t["id"] == "half")
    # Only one of the two projects fits in 100 with room to spare: the park carries 71.
    assert half["met"] and half["rows"][0]["achieved"] == 71
    assert {p["id"]: p["units"] for p in doc["programmes"]}["park"] == 1


@pytest.mark.parametrize(
    ("votes", "expected"),
    [
        (
            "programme,votes\npark,70\nparc,3\n",
            "votes.csv:3:1: programme: unknown programme 'parc'",
        ),
        (
            "programme,votes\npark,-2\n",
            "votes.csv:2:2: votes: must be a whole number >= 0; got '-2'",
        ),
        ("programme,votes\npark,\n", "votes.csv:2:2: votes: must be a whole number >= 0; the cell"),
        ("programme,votes\npark,1\npark,2\n", "votes.csv:3:1: programme: 'park' listed twice"),
        ("id,votes\npark,1\n", "votes.csv:1:1: missing column programme"),
        (
            "programme,votes\nschool,4\n",
            "votes.csv:2:1: programme: programme 'school' is not all-or-nothing: votes count "
            "per unit, so give it integer: true and max_units: 1",
        ),
    ],
    ids=["unknown", "negative", "empty", "twice", "no-column", "not-all-or-nothing"],
)
def test_bad_vote_files_are_located(tmp_path: Path, votes: str, expected: str) -> None:
    path = write(tmp_path, votes)
    with pytest.raises(ScenarioError) as e:
        load_scenario(path)
    assert expected.replace("votes.csv", str(tmp_path / "votes.csv")) in str(e.value)


def test_a_vote_workbook_reads_like_the_csv_and_is_located_at_its_cells(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Votos"
    for row in (["programme", "votes"], ["park", 70], ["lights", 30]):
        ws.append(row)
    wb.save(tmp_path / "votes.xlsx")
    path = write(tmp_path, "", YAML.replace("votes: votes.csv", "votes: votes.xlsx"))
    outputs = {p.id: p.outputs for p in load_scenario(path).scenario.programmes}
    assert outputs == {"park": {"votes": 70.0}, "lights": {"votes": 30.0}, "school": {}}
    ws["B3"] = -3
    wb.save(tmp_path / "votes.xlsx")
    with pytest.raises(ScenarioError) as e:
        load_scenario(path)
    assert str(e.value) == (
        f"{tmp_path / 'votes.xlsx'}:Votos!B3: votes: must be a whole number >= 0; got '-3'"
    )


def test_votes_listed_twice_are_refused_at_the_programme(tmp_path: Path) -> None:
    yaml = YAML.replace(
        "clusters: all, youth_per_unit: 10}", "clusters: all, outputs: {votes: 1}}", 1
    )
    path = write(tmp_path, "programme,votes\npark,70\n", yaml)
    with pytest.raises(
        ScenarioError,
        match=r"s\.yaml:9:60: programmes\[0\]\.outputs\.votes: the votes come from .*; do not",
    ):
        load_scenario(path)


def test_validate_takes_a_vote_file(tmp_path: Path) -> None:
    path = write(tmp_path, "programme,votes\npark,70\n", YAML.replace("votes: votes.csv\n", ""))
    (tmp_path / "other.csv").write_text("programme,votes\npark,5\nlight,2\n", "utf-8")
    run = invoke_cli("validate", str(path), "--votes", str(tmp_path / "votes.csv"))
    assert run.exit_code == 0, run.output
    assert run.stderr == ""  # the votes target is served
    run = invoke_cli("validate", str(path))  # told in the scenario's language (es)
    assert "advertencia: targets[0].metric: esta meta no se puede cumplir" in run.stderr
    run = invoke_cli("validate", str(path), "--votes", str(tmp_path / "other.csv"))
    assert run.exit_code == 2
    assert run.stderr == (
        f"{tmp_path / 'other.csv'}:3:1: programme: programa desconocido 'light'; "
        "¿quiso decir 'lights'?\n"
    )


def test_a_missing_vote_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(YAML, encoding="utf-8")
    run = invoke_cli("validate", str(path))
    assert run.exit_code == 2
    assert f"{tmp_path / 'votes.csv'}: el archivo no existe" in run.stderr  # the scenario's es


def test_a_real_pabulib_file_gives_its_projects_votes(tmp_path: Path) -> None:
    """Las (Warsaw 2019) as the programmes of a scenario, its .pb file as the vote file:
    every project's approval score becomes its programme's votes."""
    instance = read_pabulib(LAS)
    data = instance_data(instance)
    data["votes"] = str(LAS)
    votes = read_votes(LAS)
    half = share_of(votes.total, 0.5)
    data["targets"] = [
        {"id": "half", "kind": "metric", "metric": "votes", "at_least": half, "hard": True}
    ]
    data["objective"] = "minimize_spend"
    path = tmp_path / "las.yaml"
    path.write_text(json.dumps(data), encoding="utf-8")  # JSON is YAML
    loaded = load_scenario(path)
    by_id = {f"p-{p.id}": p.votes for p in instance.projects}
    assert {p.id: p.outputs["votes"] for p in loaded.scenario.programmes} == by_id
    doc = to_json(solve_scenario(loaded, SolveOptions()))
    funded = [p["id"] for p in doc["programmes"] if p["units"]]
    assert sum(by_id[p] for p in funded) >= half
    # The cheapest set carrying half the votes, by brute force over all 2^13 sets.
    costs = {f"p-{p.id}": p.cost for p in instance.projects}
    ids = sorted(costs)
    best = min(
        sum(costs[i] for k, i in enumerate(ids) if mask >> k & 1)
        for mask in range(1 << len(ids))
        if sum(by_id[i] for k, i in enumerate(ids) if mask >> k & 1) >= half
    )
    assert doc["totals"]["spend"] == pytest.approx(best, rel=1e-9)


# --------------------------------------------------------------------------- a new city
VARIANT = """\
extends: base.yaml
scenario: {id: v2, name: V2}
programmes:
  add:
    - {id: park, name: Park, department: d, component: prevention, unit_cost: 60,
       integer: true, max_units: 1, clusters: all, youth_per_unit: 10}
    - {id: school, name: School, department: d, component: prevention, unit_cost: 5,
       clusters: all, youth_per_unit: 3}
"""


def test_a_skeletons_votes_count_for_the_programmes_a_variant_adds(tmp_path: Path) -> None:
    """A new city's skeleton names its vote file before any programme exists; the
    programmes come later, in a variant (what `intake import` writes): the votes are given
    to them once the variant is merged with its base, and a bad vote is still located."""
    base = YAML.split("programmes:")[0] + "programmes: []\nvotes: votes.csv\n"
    base += YAML.split("votes: votes.csv\n")[1]
    (tmp_path / "base.yaml").write_text(base, encoding="utf-8")
    (tmp_path / "votes.csv").write_text("programme,votes\npark,70\n", encoding="utf-8")
    variant = tmp_path / "v.yaml"
    variant.write_text(VARIANT, encoding="utf-8")
    loaded = load_scenario(variant)
    assert {p.id: p.outputs for p in loaded.scenario.programmes} == {
        "park": {"votes": 70.0},
        "school": {},
    }
    assert tmp_path / "votes.csv" in loaded.files and loaded.warnings == ()
    doc = to_json(solve_scenario(loaded, SolveOptions()))
    half = next(t for t in doc["targets"] if t["id"] == "half")
    assert half["met"] and half["rows"][0]["achieved"] == 70
    # Without the deferral the votes would be lost and the target unserved: the same
    # variant, its vote file naming the school (not all-or-nothing), fails at the vote's row.
    (tmp_path / "votes.csv").write_text("programme,votes\nschool,4\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"votes\.csv:2:1: programme: programme 'school' is"):
        load_scenario(variant)


def test_votes_before_any_programme_wait_for_them(tmp_path: Path) -> None:
    """A skeleton with a vote file but no programme yet validates (with warnings)."""
    shutil.copytree(INPUTS, tmp_path / "c")
    output = tmp_path / "c.yaml"
    run = invoke_cli(
        "init",
        str(tmp_path / "c" / "territorios.csv"),
        "--votes",
        str(tmp_path / "c" / "votos.csv"),
        "--prioritize",
        "2",
        "-o",
        str(output),
    )
    assert run.exit_code == 0, run.output
    # In the skeleton's language (Spanish unless --lang en).
    assert "advertencia: targets[3].metric: esta meta no se puede cumplir" in run.stderr
    loaded = load_scenario(output)
    assert tmp_path / "c" / "votos.csv" in loaded.files
    target = loaded.scenario.targets[3]
    assert target.id == "votos-ciudadanos" and target.at_least == 1330
