"""Scenario tables in CSV files (`tables:`): loading, solving, and located errors.

Each test writes a small scenario into a temporary folder and runs from there, so file
names in messages are short and exact ("programmes.csv:3:7: ...").
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pazos_budget.cli import app
from pazos_budget.errors import ScenarioError
from pazos_budget.loader import load_scenario
from pazos_budget.pipeline import solve_scenario
from pazos_budget.result import to_json
from pazos_budget.scenario import Cluster, Programme
from pazos_budget.tables import CLUSTERS, PROGRAMMES

ROOT = Path(__file__).resolve().parent.parent

# The same scenario as examples/minimal.yaml, with its clusters and programmes in CSV.
YAML = """\
scenario: {id: minimal, name: Minimal example, year: 2023, currency: COP millions, language: en}
budget: {total: 1000}
tables: {programmes: programmes.csv, clusters: clusters.csv}
departments:
  - {id: culture, name: Culture, budget: 600}
  - {id: security, name: Security, budget: 500}
targets:
  - {id: reach-10pct, kind: youth_reach, share: 0.10}
  - {id: mediations, kind: metric, metric: mediations, at_least: 200, hard: true}
"""
CLUSTERS_CSV = """\
id,name,youth_population,weight,prioritized
north,North,2000,,
south,South,1500,2,true
"""
HEADER = (
    "id,name,department,component,unit,unit_cost,integer,clusters,youth_per_unit,"
    "output:mediations,output:lighting_points"
)
ART = "art-school,Art school workshops,culture,prevention,workshop,10,,all,25,,"
INTERRUPTERS = (
    "interrupters,Violence interrupters,security,interruption,interrupter-year,40,true,"
    "north;south,north:30|south:40,60,"
)
LIGHTING = "lighting,Street lighting points,security,safe_environments,lighting point,5,,all,,,1"


def write(folder: Path, programmes: str, clusters: str = CLUSTERS_CSV, yaml: str = YAML) -> Path:
    (folder / "s.yaml").write_text(yaml, encoding="utf-8")
    (folder / "programmes.csv").write_text(programmes, encoding="utf-8")
    (folder / "clusters.csv").write_text(clusters, encoding="utf-8")
    return Path("s.yaml")


def rows(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def problems(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return [str(p) for p in caught.value.problems]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def comparable(doc: dict[str, object]) -> str:
    """The JSON result without what legitimately differs between two files."""
    doc = dict(doc)
    doc.pop("scenario")
    solver = dict(doc.pop("solver"))  # type: ignore[call-overload]
    solver.pop("seconds")
    return json.dumps({**doc, "solver": solver}, sort_keys=True)


# --------------------------------------------------------------------------- valid
def test_csv_scenario_loads_and_solves_like_its_yaml_twin(tmp_path: Path) -> None:
    path = write(tmp_path, rows(HEADER, ART, INTERRUPTERS, LIGHTING))
    loaded = load_scenario(path)
    s = loaded.scenario
    assert [c.id for c in s.clusters] == ["north", "south"]
    assert s.clusters[0].weight == 1.0 and s.clusters[1].weight == 2.0
    interrupters = s.programmes[1]
    assert interrupters.integer is True
    assert interrupters.clusters == ["north", "south"]
    assert interrupters.youth_per_unit == {"north": 30.0, "south": 40.0}
    assert interrupters.outputs == {"mediations": 60.0}
    assert s.programmes[0].outputs == {} and s.programmes[0].clusters == "all"

    twin = load_scenario(ROOT / "examples" / "minimal.yaml")
    assert s == twin.scenario
    assert comparable(to_json(solve_scenario(loaded))) == comparable(to_json(solve_scenario(twin)))


def test_inline_rows_come_first_then_the_csv_rows(tmp_path: Path) -> None:
    yaml = YAML + (
        "programmes:\n"
        "  - {id: inline, name: Inline, department: culture, component: prevention,"
        " unit_cost: 1, clusters: all, youth_per_unit: 1}\n"
    )
    path = write(tmp_path, rows(HEADER, ART, INTERRUPTERS, "", LIGHTING), yaml=yaml)
    ids = [p.id for p in load_scenario(path).scenario.programmes]
    assert ids == ["inline", "art-school", "interrupters", "lighting"]  # blank row skipped


def test_cofunding_columns_and_byte_order_mark(tmp_path: Path) -> None:
    header = "id,name,department,component,unit_cost,clusters,cofunding:culture,cofunding:security"
    csv = rows(
        "\ufeff" + header,
        "shared,Shared,culture,prevention,10,all,0.25,0.75",
        "alone,Alone,security,interruption,5,,,",
    )
    no_targets = YAML.split("targets:")[0]
    path = write(tmp_path, csv, yaml=no_targets)
    shared, alone = load_scenario(path).scenario.programmes
    assert shared.cofunding == {"culture": 0.25, "security": 0.75}
    assert alone.cofunding is None and alone.city_wide


def test_table_columns_match_the_scenario_fields() -> None:
    """A new Programme or Cluster field must get its CSV column (or a decision not to)."""
    assert set(PROGRAMMES.columns) | set(PROGRAMMES.prefixes.values()) == set(
        Programme.model_fields
    )
    assert set(CLUSTERS.columns) == set(Cluster.model_fields)


# --------------------------------------------------------------------------- bad cells
def test_bad_cells_are_reported_at_file_row_column(tmp_path: Path) -> None:
    csv = rows(
        HEADER,
        ART.replace(",10,", ",ten,"),
        INTERRUPTERS.replace(",true,", ",maybe,"),
        "",
        LIGHTING.replace("safe_environments", "safe_environment").replace(",5,", ",-5,") + "x",
    )
    assert problems(write(tmp_path, csv)) == [
        "programmes.csv:2:6: programmes[0].unit_cost: must be a number",
        "programmes.csv:3:7: programmes[1].integer: must be true or false",
        "programmes.csv:5:4: programmes[2].component: must be one of interruption, "
        "intervention, prevention, safe_environments, access_to_justice; "
        "did you mean 'safe_environments'?",
        "programmes.csv:5:6: programmes[2].unit_cost: must be greater than 0",
        "programmes.csv:5:11: programmes[2].outputs.lighting_points: must be a number",
    ]


def test_cross_reference_problems_point_at_the_cell(tmp_path: Path) -> None:
    csv = rows(
        HEADER,
        ART,
        INTERRUPTERS.replace(",security,", ",securty,").replace("north;south", "north;east"),
        LIGHTING,
    )
    references = [
        "programmes.csv:3:3: programmes[1].department: unknown department 'securty'; "
        "did you mean 'security'?",
        "programmes.csv:3:8: programmes[1].clusters[1]: unknown cluster 'east'",
        "programmes.csv:3:9: programmes[1].youth_per_unit.south: "
        "cluster 'south' is not one of the programme's clusters",
    ]
    # Independent problems in one round: a field error does not hide the references.
    clusters = rows("id,name,youth_population", "north,North,2000", "south,South,1500.5")
    assert problems(write(tmp_path, csv, clusters)) == [
        "clusters.csv:3:3: clusters[1].youth_population: must be a whole number",
        *references,
    ]
    clusters = rows("id,name,youth_population", "north,North,2000", "south,South,1500")
    assert problems(write(tmp_path, csv, clusters)) == references


def test_yaml_problems_come_before_table_problems(tmp_path: Path) -> None:
    yaml = YAML.replace("budget: {total: 1000}", "budget: {total: -1}")
    path = write(tmp_path, rows(HEADER, ART.replace(",10,", ",0,"), LIGHTING), yaml=yaml)
    assert problems(path) == [
        "s.yaml:2:10: budget.total: must be at least 0",
        "programmes.csv:2:6: programmes[0].unit_cost: must be greater than 0",
    ]


def test_cli_reports_table_problems_with_exit_code_2(tmp_path: Path) -> None:
    path = write(tmp_path, rows(HEADER, ART.replace(",10,", ",ten,")))
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert result.stderr == "programmes.csv:2:6: programmes[0].unit_cost: must be a number\n"


# --------------------------------------------------------------------------- bad files
def test_missing_csv_file(tmp_path: Path) -> None:
    path = write(tmp_path, rows(HEADER, ART))
    (tmp_path / "clusters.csv").unlink()
    assert problems(path) == [
        "clusters.csv: no such file (table paths are relative to the scenario file)"
    ]


def test_table_paths_are_relative_to_the_scenario_file(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", rows(HEADER, ART))
    (tmp_path / "sub" / "programmes.csv").unlink()
    assert problems(Path("sub/s.yaml")) == [
        "sub/programmes.csv: no such file (table paths are relative to the scenario file)"
    ]


def test_non_utf8_csv(tmp_path: Path) -> None:
    """Excel's plain "CSV" on a Spanish Windows writes Windows-1252: read as such, unless
    the table's entry declares UTF-8, when the bad byte is located."""
    path = write(tmp_path, "")
    text = rows(HEADER, ART.replace("Art school", "Años de arte"))
    (tmp_path / "programmes.csv").write_bytes(text.encode("cp1252"))
    assert load_scenario(path).scenario.programmes[0].name == "Años de arte workshops"
    declared = YAML.replace(
        "programmes: programmes.csv", "programmes: {file: programmes.csv, encoding: utf-8}"
    )
    write(tmp_path, "", yaml=declared)
    (tmp_path / "programmes.csv").write_bytes(text.encode("cp1252"))
    assert problems(path) == [
        "programmes.csv:2:2: not valid UTF-8 (byte 0xf1); save the file as 'CSV UTF-8'"
    ]
    # 0x81 is neither UTF-8 nor Windows-1252.
    write(tmp_path, "")
    (tmp_path / "programmes.csv").write_bytes(
        text.encode("cp1252").replace(b"shops,", b"shop\x81,")
    )
    assert problems(path) == [
        "programmes.csv:2:2: neither UTF-8 nor Windows-1252 text (byte 0x81); save the file "
        "as 'CSV UTF-8'"
    ]


def test_duplicate_column_header(tmp_path: Path) -> None:
    path = write(tmp_path, rows(HEADER + ",unit_cost", ART + ",12"))
    assert problems(path) == ["programmes.csv:1:12: duplicate column 'unit_cost' (also column 6)"]


def test_unknown_and_missing_columns(tmp_path: Path) -> None:
    csv = rows("id,name,department,component,unit_costs,outputs:mediations", "a,A,culture,x,1,2")
    assert problems(write(tmp_path, csv)) == [
        "programmes.csv:1:1: missing column: unit_cost",
        "programmes.csv:1:5: unknown column 'unit_costs'; did you mean 'unit_cost'?",
        "programmes.csv:1:6: unknown column 'outputs:mediations'; "
        "did you mean 'output:mediations'?",
    ]


def test_ragged_row_and_semicolon_file(tmp_path: Path) -> None:
    path = write(tmp_path, rows(HEADER, ART + ",extra"))
    assert problems(path) == ["programmes.csv:2:12: row has 12 cells but the header has 11 columns"]
    path = write(tmp_path, rows(HEADER.replace(",", ";"), ART.replace(",", ";") + ";extra"))
    assert problems(path) == ["programmes.csv:2:12: row has 12 cells but the header has 11 columns"]


# A table as Excel saves it in Colombia ("CSV (delimitado por comas)"): ';' between cells,
# decimal commas, thousands points, a byte-order mark, and ';' lists inside quoted cells.
SPANISH_CSV = (
    "\ufeffid;name;department;component;unit;unit_cost;integer;clusters;youth_per_unit;"
    "output:mediations;output:lighting_points\r\n"
    "art-school;Art school workshops;culture;prevention;workshop;10;;all;25;;\r\n"
    "interrupters;Violence interrupters;security;interruption;interrupter-year;40,0;true;"
    '"north;south";"north:30|south:40";60;\r\n'
    "lighting;Street lighting points;security;safe_environments;lighting point;5;;all;;;1\r\n"
)


def test_spanish_locale_csv_reads_like_its_yaml_twin(tmp_path: Path) -> None:
    path = write(tmp_path, "")
    (tmp_path / "programmes.csv").write_bytes(SPANISH_CSV.encode("utf-8"))
    twin = load_scenario(ROOT / "examples" / "minimal.yaml")
    assert load_scenario(path).scenario == twin.scenario
    # Decimal commas and thousands points are numbers; a point alone is not (1.5 could be
    # fifteen hundred written short, or one and a half: it is refused at its cell).
    grouped = SPANISH_CSV.replace(";10;;all;25;", ";1.000,5;;all;2,5;")
    (tmp_path / "programmes.csv").write_bytes(grouped[1:].encode("cp1252"))
    art = load_scenario(path).scenario.programmes[0]
    assert (art.unit_cost, art.youth_per_unit) == (1000.5, 2.5)
    (tmp_path / "programmes.csv").write_text(SPANISH_CSV.replace(";10;;all", ";1.5;;all"), "utf-8")
    assert problems(path) == ["programmes.csv:2:6: programmes[0].unit_cost: must be a number"]


def test_declared_separator_and_decimal(tmp_path: Path) -> None:
    """A `;` file written with a decimal point is detected; what detection cannot tell
    is declared in the table's entry, and a bad declaration is located."""
    point = SPANISH_CSV.replace(";40,0;", ";40.5;")
    path = write(tmp_path, "")
    (tmp_path / "programmes.csv").write_text(point, "utf-8")
    assert load_scenario(path).scenario.programmes[1].unit_cost == 40.5
    entry = 'programmes: {file: programmes.csv, delimiter: ";", decimal: ","}'
    write(tmp_path, "", yaml=YAML.replace("programmes: programmes.csv", entry))
    (tmp_path / "programmes.csv").write_text(point, "utf-8")
    assert problems(path) == ["programmes.csv:3:6: programmes[1].unit_cost: must be a number"]
    bad = 'programmes: {file: programmes.csv, decimal: ";", sep: ","}'
    write(tmp_path, "", yaml=YAML.replace("programmes: programmes.csv", bad))
    assert problems(path) == [
        "s.yaml:3:45: tables.programmes.decimal: must be '.' or ','",
        "s.yaml:3:59: tables.programmes.sep: unknown key 'sep' (allowed: file, delimiter, "
        "decimal, encoding)",
    ]


def test_bad_tables_entry(tmp_path: Path) -> None:
    yaml = YAML.replace(
        "tables: {programmes: programmes.csv, clusters: clusters.csv}",
        "tables: {programmes: programmes.csv, cluster: clusters.csv}",
    )
    assert problems(write(tmp_path, rows(HEADER, ART), yaml=yaml)) == [
        "s.yaml:3:38: tables.cluster: unknown table 'cluster'; did you mean 'clusters'?"
    ]


def test_a_table_with_a_header_only(tmp_path: Path) -> None:
    # No programme yet (a new city's table, say): valid, with a warning at the table.
    loaded = load_scenario(write(tmp_path, rows(HEADER)))
    assert loaded.scenario.programmes == []
    assert loaded.warnings[0].startswith("s.yaml:3:10: warning: programmes: no programme yet")


# --------------------------------------------------------------------------- tracing
def test_sha256_covers_the_tables(tmp_path: Path) -> None:
    path = write(tmp_path, rows(HEADER, ART, INTERRUPTERS, LIGHTING))
    loaded = load_scenario(path)
    assert loaded.files == (path, Path("clusters.csv"), Path("programmes.csv"))
    before = loaded.sha256
    assert load_scenario(path).sha256 == before  # the same files, the same hash
    (tmp_path / "clusters.csv").write_text(CLUSTERS_CSV.replace("2000", "2001"), "utf-8")
    assert load_scenario(path).sha256 != before


@pytest.mark.parametrize("target", ["programmes.csv", "clusters.csv", "s.yaml"])
def test_the_json_result_never_overwrites_an_input(tmp_path: Path, target: str) -> None:
    path = write(tmp_path, rows(HEADER, ART, INTERRUPTERS, LIGHTING))
    before = (tmp_path / target).read_bytes()
    run = CliRunner().invoke(app, ["solve", str(path), "--json", target, "-q"])
    assert run.exit_code == 2  # refused before solving (outputs.OutputPlan)
    assert (
        run.stderr == f"error: --json {target}: is the input file {target}; choose another name\n"
    )
    assert (tmp_path / target).read_bytes() == before


# --------------------------------------------------------------------------- variants
VARIANT = """\
extends: s.yaml
scenario: {id: minimal-changes, name: Changes from a table}
tables: {programmes: changes.csv}
programmes:
  remove: [lighting]
"""


def test_a_variant_adds_and_changes_programmes_from_a_table(tmp_path: Path) -> None:
    """A row whose id the base has changes it (empty cells keep the base's values); a
    row with a new id adds a programme; the YAML may still remove (a Spanish-locale CSV)."""
    write(tmp_path, rows(HEADER, ART, INTERRUPTERS, LIGHTING))
    (tmp_path / "v.yaml").write_text(VARIANT, encoding="utf-8")
    (tmp_path / "changes.csv").write_text(
        "id;name;department;component;unit_cost;clusters;youth_per_unit;output:mediations\n"
        "interrupters;;;;45,5;;;\n"
        "patrols;Youth patrols;security;prevention;12,5;south;15;2\n",
        encoding="utf-8",
    )
    s = load_scenario(Path("v.yaml")).scenario
    assert [p.id for p in s.programmes] == ["art-school", "interrupters", "patrols"]
    interrupters, patrols = s.programmes[1], s.programmes[2]
    assert interrupters.unit_cost == 45.5
    assert interrupters.youth_per_unit == {"north": 30.0, "south": 40.0}  # kept
    assert interrupters.outputs == {"mediations": 60.0} and interrupters.integer
    assert (patrols.unit_cost, patrols.clusters, patrols.youth_per_unit) == (12.5, ["south"], 15)
    assert patrols.outputs == {"mediations": 2.0}


def test_a_variant_table_row_is_located_at_its_cell(tmp_path: Path) -> None:
    write(tmp_path, rows(HEADER, ART, INTERRUPTERS, LIGHTING))
    (tmp_path / "v.yaml").write_text(VARIANT, encoding="utf-8")
    (tmp_path / "changes.csv").write_text(
        "id;name;department;component;unit_cost;clusters\n"
        "interrupters;;;;-4;\n"
        "patrols;Youth patrols;securty;prevention;12;east\n"
        "interrupters;;;;5;\n",
        encoding="utf-8",
    )
    assert problems(Path("v.yaml")) == [
        "changes.csv:4:1: id: programme 'interrupters' is changed twice"
    ]
    (tmp_path / "changes.csv").write_text("id;unit_cost\ninterrupters;-4\nnew;3\n", "utf-8")
    assert problems(Path("v.yaml")) == [  # a table of two columns changes one field
        "changes.csv:2:2: programmes[1].unit_cost: must be greater than 0",
        "changes.csv:3:1: programmes[2].component: is required",
        "changes.csv:3:1: programmes[2].department: is required",
        "changes.csv:3:1: programmes[2].name: is required",
    ]
    header = "id;name;department;component;unit_cost;clusters\n"
    new = "patrols;Youth patrols;securty;prevention;12;east\n"
    (tmp_path / "changes.csv").write_text(header + new, "utf-8")
    assert problems(Path("v.yaml")) == [
        "changes.csv:2:3: programmes[2].department: unknown department 'securty'; did you "
        "mean 'security'?",
        "changes.csv:2:6: programmes[2].clusters[0]: unknown cluster 'east'",
    ]
