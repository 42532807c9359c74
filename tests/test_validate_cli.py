"""`pazos-budget validate` on bad input: the exit code and the exact located messages.

Every case is a small edit of `BASE`, a valid scenario whose line numbers the expected
messages refer to (keep it unchanged, or update every expected line). A case's file is
written as `s.yaml` in a temporary working directory, so messages read `s.yaml:LINE:COL`.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from conftest import console_script
from pazos_budget import loader
from pazos_budget.cli import app

# The expected messages cite BASE's line numbers; test_base_landmarks pins them.
BASE = """\
scenario:
  id: base
  name: Base scenario
  year: 2024
  currency: COP millions
  language: en
budget:
  total: 1000
clusters:
  - id: north
    name: North
    youth_population: 2000
  - id: south
    name: South
    youth_population: 1500
    weight: 2
departments:
  - id: culture
    name: Culture
    budget: 600
  - id: security
    name: Security
    budget: 500
    min_spend: 0
programmes:
  - id: art-school
    name: Art school workshops
    department: culture
    component: prevention
    unit: workshop
    unit_cost: 10
    fixed_cost: 0
    clusters: all
    youth_per_unit: 25
    cofunding: {culture: 0.75, security: 0.25}
  - id: interrupters
    name: Violence interrupters
    department: security
    component: interruption
    unit: interrupter-year
    unit_cost: 40
    integer: true
    min_units: 1
    max_units: 10
    clusters: [north, south]
    youth_per_unit: {north: 30, south: 40}
    outputs: {mediations: 60}
targets:
  - id: reach-10pct
    kind: youth_reach
    share: 0.1
  - id: mediations
    kind: metric
    metric: mediations
    at_least: 200
"""

BASE_SUMMARY = (
    "s.yaml: ok: 2 clusters (2 prioritized), 2 departments, 2 programmes, "
    "2 targets and goals, total budget 1,000.0 COP millions"
)

TOP_FIELDS = (
    "budget, clusters, components, departments, max_change, metrics, objective, programmes, "
    "reach_model, scenario, targets, uncertainty"
)
COMPONENTS = "interruption, intervention, prevention, safe_environments, access_to_justice"

runner = CliRunner()


def variant(*edits: tuple[str, str]) -> str:
    """BASE with each `old` text (which must occur exactly once) replaced by `new`."""
    text = BASE
    for old, new in edits:
        assert text.count(old) == 1, f"{old!r} must occur exactly once in BASE"
        text = text.replace(old, new)
    return text


def validate(*files: str) -> Result:
    result = runner.invoke(app, ["validate", *files])
    # An uncaught exception would show up here instead of a SystemExit from typer.Exit.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(path: Path, content: str | bytes) -> None:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


def assert_invalid(result: Result, expected: list[str]) -> None:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.splitlines() == expected


# ----------------------------------------------------------------------------- the base
def test_base_is_valid(workdir: Path) -> None:
    write(workdir / "s.yaml", BASE)
    result = validate("s.yaml")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [BASE_SUMMARY]
    assert result.stderr == ""


LANDMARKS = {
    8: "  total: 1000",
    18: "  - id: culture",
    21: "  - id: security",
    24: "    min_spend: 0",
    26: "  - id: art-school",
    31: "    unit_cost: 10",
    33: "    clusters: all",
    35: "    cofunding: {culture: 0.75, security: 0.25}",
    36: "  - id: interrupters",
    41: "    unit_cost: 40",
    44: "    max_units: 10",
    46: "    youth_per_unit: {north: 30, south: 40}",
    48: "targets:",
    54: "    metric: mediations",
}


def test_base_landmarks() -> None:
    """Editing BASE shifts the lines every expected message cites: update them together."""
    lines = BASE.splitlines()
    assert len(lines) == 55
    assert {n: lines[n - 1] for n in LANDMARKS} == LANDMARKS


# ----------------------------------------------------------------------------- catalogue
CATALOGUE = [
    # --- numbers
    pytest.param(
        variant(("unit_cost: 10", "unit_cost: 0")),
        ["s.yaml:31:5: programmes[0].unit_cost: must be greater than 0"],
        id="unit-cost-zero",
    ),
    pytest.param(
        variant(("fixed_cost: 0", "fixed_cost: -5")),
        ["s.yaml:32:5: programmes[0].fixed_cost: must be at least 0"],
        id="negative-fixed-cost",
    ),
    pytest.param(
        variant(("unit_cost: 10", "unit_cost: .nan")),
        ["s.yaml:31:5: programmes[0].unit_cost: must be a finite number (not NaN or infinity)"],
        id="nan",
    ),
    pytest.param(
        variant(("total: 1000", "total: .inf")),
        ["s.yaml:8:3: budget.total: must be a finite number (not NaN or infinity)"],
        id="inf",
    ),
    pytest.param(
        variant(("total: 1000", "total: 1e400")),
        ["s.yaml:8:3: budget.total: must be a finite number (not NaN or infinity)"],
        id="float-overflow-is-inf",
    ),
    pytest.param(
        variant(("unit_cost: 10", 'unit_cost: "10"')),
        ["s.yaml:31:5: programmes[0].unit_cost: must be a number"],
        id="quoted-number",
    ),
    pytest.param(
        variant(("youth_population: 2000", "youth_population: 2000.5")),
        ["s.yaml:12:5: clusters[0].youth_population: must be a whole number"],
        id="fractional-population",
    ),
    pytest.param(
        variant(("year: 2024", "year: 1492")),
        ["s.yaml:4:3: scenario.year: must be at least 1900"],
        id="year-out-of-range",
    ),
    pytest.param(
        variant(("integer: true", "integer: yes")),
        ["s.yaml:42:5: programmes[1].integer: must be true or false; write true (not 'yes')"],
        id="yes-is-not-a-boolean",
    ),
    pytest.param(
        variant(("max_units: 10", "max_units: 10.5")),
        ["s.yaml:44:5: programmes[1].max_units: must be a whole number for an integer programme"],
        id="integer-programme-fractional-max",
    ),
    pytest.param(
        variant(("min_units: 1", "min_units: 12")),
        ["s.yaml:43:5: programmes[1].min_units: must not exceed max_units (10)"],
        id="min-units-above-max",
    ),
    pytest.param(
        variant(("min_spend: 0", "min_spend: 700")),
        ["s.yaml:24:5: departments[1].min_spend: must not exceed the department's budget (500)"],
        id="min-spend-above-budget",
    ),
    # --- keys and sections
    pytest.param(
        variant(("unit: workshop", "unti: workshop")),
        ["s.yaml:30:5: programmes[0].unti: unknown field 'unti'; did you mean 'unit'?"],
        id="unknown-key-did-you-mean",
    ),
    pytest.param(
        variant(("unit: workshop", "colour: red")),
        [
            "s.yaml:30:5: programmes[0].colour: unknown field 'colour' (allowed: clusters, "
            "cofunding, component, current_units, department, fixed_cost, id, integer, "
            "mandatory, max_change, max_units, max_units_per_cluster, min_units, "
            "min_units_per_cluster, name, notes, outputs, unit, unit_cost, youth_per_unit)"
        ],
        id="unknown-key-allowed-list",
    ),
    pytest.param(
        variant(("targets:", "target:")),
        ["s.yaml:48:1: target: unknown field 'target'; did you mean 'targets'?"],
        id="misspelled-top-level-section",
    ),
    pytest.param(
        BASE + "reporting: {format: pdf}\n",
        [f"s.yaml:56:1: reporting: unknown field 'reporting' (allowed: {TOP_FIELDS})"],
        id="unknown-top-level-section",
    ),
    pytest.param(
        variant(("    name: Culture\n", "    nmae: Culture\n")),
        [
            "s.yaml:18:5: departments[0].name: is required",
            "s.yaml:19:5: departments[0].nmae: unknown field 'nmae'; did you mean 'name'?",
        ],
        id="required-key-renamed",
    ),
    pytest.param(
        variant(("budget:\n  total: 1000\n", "")),
        ["s.yaml:1:1: budget: is required"],
        id="missing-section",
    ),
    pytest.param(
        variant(("    unit_cost: 40\n    integer: true", "    unit_cost: 40\n    unit_cost: 4")),
        [
            "s.yaml:42:5: duplicate key 'unit_cost' (first given at line 41); "
            "a key may appear only once in a mapping"
        ],
        id="duplicate-key",
    ),
    pytest.param(
        variant(("{north: 30, south: 40}", "{north: 30, north: 40}")),
        [
            "s.yaml:46:33: duplicate key 'north' (first given at line 46); "
            "a key may appear only once in a mapping"
        ],
        id="duplicate-key-flow-mapping",
    ),
    # --- ids and references
    pytest.param(
        variant(("component: prevention", "component: prevension")),
        [
            f"s.yaml:29:5: programmes[0].component: must be one of {COMPONENTS}; "
            "did you mean 'prevention'?"
        ],
        id="misspelled-component",
    ),
    pytest.param(
        variant(("department: culture", "department: culutre")),
        [
            "s.yaml:28:5: programmes[0].department: unknown department 'culutre'; "
            "did you mean 'culture'?"
        ],
        id="unknown-department",
    ),
    pytest.param(
        variant(("clusters: all", "clusters: [north, suoth]")),
        ["s.yaml:33:23: programmes[0].clusters[1]: unknown cluster 'suoth'; did you mean 'south'?"],
        id="unknown-cluster",
    ),
    pytest.param(
        variant(("clusters: all", "clusters: everywhere")),
        ["s.yaml:33:5: programmes[0].clusters: must be one of all, or a list"],
        id="clusters-neither-all-nor-list",
    ),
    pytest.param(
        variant(("  - id: interrupters", "  - id: art-school")),
        ["s.yaml:36:5: programmes[1].id: duplicate id 'art-school' (also programmes[0])"],
        id="duplicate-programme-id",
    ),
    pytest.param(
        variant(("  - id: mediations", "  - id: reach-10pct")),
        ["s.yaml:52:5: targets[1].id: duplicate target id 'reach-10pct' (also at targets[0])"],
        id="duplicate-target-id",
    ),
    pytest.param(
        variant(("  - id: art-school", "  - id: Art School")),
        [
            "s.yaml:26:5: programmes[0].id: must be an id of lowercase letters, digits, '-' and "
            "'_', starting with a letter or digit (for example 'youth-centre')"
        ],
        id="id-not-a-slug",
    ),
    pytest.param(
        variant(("security: 0.25}", "security: 0.2}")),
        ["s.yaml:35:5: programmes[0].cofunding: shares must sum to 1 (they sum to 0.95)"],
        id="cofunding-shares-not-one",
    ),
    pytest.param(
        variant(("security: 0.25}", "securty: 0.25}")),
        [
            "s.yaml:35:32: programmes[0].cofunding.securty: unknown department 'securty'; "
            "did you mean 'security'?"
        ],
        id="cofunding-unknown-department",
    ),
    pytest.param(
        variant(("{north: 30, south: 40}", "{north: 30}")),
        [
            "s.yaml:46:5: programmes[1].youth_per_unit: no value for cluster 'south' "
            "(write 0 if a unit reaches no youth there)"
        ],
        id="youth-per-unit-map-missing-cluster",
    ),
    pytest.param(
        variant(("language: en", "language: fr")),
        ["s.yaml:6:3: scenario.language: must be one of es, en"],
        id="unknown-language",
    ),
    # --- targets
    pytest.param(
        variant(("kind: youth_reach", "kind: youth_rech")),
        [
            "s.yaml:50:5: targets[0].kind: kind 'youth_rech' is not one of youth_reach, metric, "
            "spend_share, component_presence; did you mean 'youth_reach'?"
        ],
        id="target-kind-misspelled",
    ),
    pytest.param(
        variant(("    kind: youth_reach\n", "")),
        [
            "s.yaml:49:5: targets[0].kind: needs 'kind' (youth_reach, metric, spend_share or "
            "component_presence)"
        ],
        id="target-kind-missing",
    ),
    pytest.param(
        variant(("share: 0.1", "share: 0.1\n    at_least: 100")),
        ["s.yaml:49:5: targets[0]: give exactly one of 'share' or 'at_least'"],
        id="youth-reach-share-and-at-least",
    ),
    pytest.param(
        variant(("share: 0.1", "share: 10")),
        ["s.yaml:51:5: targets[0].share: must be at most 1 (a share); did you mean 0.1?"],
        id="share-as-a-percent",
    ),
    pytest.param(
        variant(("share: 0.1", "share: 150")),
        ["s.yaml:51:5: targets[0].share: must be at most 1"],
        id="share-above-one",
    ),
    pytest.param(
        variant(
            (
                "metric: mediations\n    at_least: 200",
                "metric: mediations\n    at_least: 200\n    hard: no",
            )
        ),
        ["s.yaml:56:5: targets[1].hard: must be true or false; write false (not 'no')"],
        id="hard-no-on-a-metric-target-is-at-hard",
    ),
    # --- YAML itself
    pytest.param(
        variant(("total: 1000", "total: !foo 1000")),
        ["s.yaml:8:3: budget.total: YAML tag '!foo' is not allowed; write plain data"],
        id="custom-tag",
    ),
    pytest.param(
        variant(("clusters: all", "clusters: !!set {north, south}")),
        ["s.yaml:33:5: programmes[0].clusters: YAML tag '!!set' is not allowed; write plain data"],
        id="set-tag",
    ),
    pytest.param(
        variant(("  id: base", "  !!python/name:os.system id: base")),
        ["s.yaml:2:3: scenario: YAML tag '!!python/name:os.system' is not allowed on a key"],
        id="tag-on-a-key",
    ),
    pytest.param(
        variant(("    name: Culture", "    name: [Culture")),
        [
            "s.yaml:20:11: not valid YAML: while parsing a flow sequence: "
            "expected ',' or ']', but got ':'"
        ],
        id="syntax-error",
    ),
    pytest.param(
        variant(("    name: North", "\tname: North")),
        [
            "s.yaml:11:1: not valid YAML: while scanning for the next token: "
            "found character '\\t' that cannot start any token"
        ],
        id="tab-indentation",
    ),
    pytest.param(
        variant(("  total: 1000", "  total: *budget")),
        ["s.yaml:8:10: not valid YAML: found undefined alias 'budget'"],
        id="undefined-alias",
    ),
    pytest.param(
        "- scenario: {id: x}\n- budget: {total: 1}\n",
        ["s.yaml:1:1: expected a mapping of sections (scenario:, budget:, ...)"],
        id="top-level-list",
    ),
    pytest.param(
        "just some text\n",
        ["s.yaml:1:1: expected a mapping of sections (scenario:, budget:, ...)"],
        id="top-level-scalar",
    ),
    pytest.param(
        BASE + "---\nscenario: {id: second}\n",
        [
            "s.yaml:56:1: not valid YAML: expected a single document in the stream: "
            "but found another document"
        ],
        id="two-documents",
    ),
    pytest.param(
        variant(("total: 1000", "total: " + "9" * 5000)),
        ["s.yaml:8:10: number too long (more than 4300 digits)"],
        id="number-with-5000-digits",
    ),
    pytest.param(
        "a: !!omap [x: 1, x: 2]\n",
        # Refused as a tag, located, before anything reads the ordered map.
        ["s.yaml:1:1: a: YAML tag '!!omap' is not allowed; write plain data"],
        id="omap-duplicate-key",
    ),
    pytest.param(
        "a: &a {<<: *a}\n",
        ["s.yaml:1:8: not valid YAML: a mapping is merged into itself ('<<')"],
        id="mapping-merged-into-itself",
    ),
    # --- the file itself
    pytest.param(b"", ["s.yaml: file is empty"], id="empty-file"),
    pytest.param(b"  \n\n\t\n", ["s.yaml: file is empty"], id="whitespace-only"),
    pytest.param(
        "# a scenario will go here\n\n# later\n",
        ["s.yaml:1:1: file holds no data (only comments?)"],
        id="comments-only",
    ),
    pytest.param(
        variant(("name: Base scenario", "name: Caf\udce9")).encode("utf-8", "surrogateescape"),
        ["s.yaml:3:12: not valid UTF-8 (byte 0xe9); save the file as UTF-8"],
        id="latin-1-bytes",
    ),
    pytest.param(
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
        ["s.yaml: binary file (contains NUL bytes); expected a YAML text file"],
        id="binary-garbage",
    ),
    # --- metric names
    pytest.param(
        BASE + "metrics:\n  mediatons: mediaciones\n  youth: jóvenes\n",
        [
            "s.yaml:57:3: metrics.mediatons: no programme lists 'mediatons' in its outputs; "
            "did you mean 'mediations'?",
            "s.yaml:58:3: metrics.youth: 'youth' is built in (youth reached); it has no name here",
        ],
        id="metric-names",
    ),
    pytest.param(
        BASE + "metrics: {mediations: ''}\n",
        ["s.yaml:56:11: metrics.mediations: must not be empty"],
        id="metric-name-empty",
    ),
    pytest.param(
        b"\xef\xbb\xbf" + BASE.encode("utf-8").replace(b"unit_cost: 10", b"unit_cost: -1"),
        ["s.yaml:31:5: programmes[0].unit_cost: must be greater than 0"],
        id="utf8-bom-keeps-positions",
    ),
]


@pytest.mark.parametrize(("content", "expected"), CATALOGUE)
def test_invalid_scenario(workdir: Path, content: str | bytes, expected: list[str]) -> None:
    write(workdir / "s.yaml", content)
    assert_invalid(validate("s.yaml"), expected)


def test_metric_names_of_removed_programmes_are_kept(workdir: Path) -> None:
    # A variant can remove a programme but not a name: a name nobody produces is no error.
    write(workdir / "s.yaml", BASE + "metrics: {mediations: mediaciones, cameras: cámaras}\n")
    result = validate("s.yaml")
    assert result.exit_code == 0, result.output


def test_plain_tags_are_accepted(workdir: Path) -> None:
    """Tags that only restate plain YAML are data, not code."""
    write(workdir / "s.yaml", variant(("  name: Base scenario", "  name: !!str 2024")))
    result = validate("s.yaml")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [BASE_SUMMARY]


def test_several_errors_all_reported_sorted_by_line(workdir: Path) -> None:
    text = variant(
        ("language: en", "language: english"),
        ("total: 1000", "total: -1"),
        ("    name: Security", "    nme: Security"),
        ("unit_cost: 10", "unit_cost: 0"),
        ("max_units: 10", 'max_units: "ten"'),
        ("share: 0.1", "share: 1.5"),
    )
    write(workdir / "s.yaml", text)
    assert_invalid(
        validate("s.yaml"),
        [
            "s.yaml:6:3: scenario.language: must be one of es, en",
            "s.yaml:8:3: budget.total: must be at least 0",
            "s.yaml:21:5: departments[1].name: is required",
            "s.yaml:22:5: departments[1].nme: unknown field 'nme'; did you mean 'name'?",
            "s.yaml:31:5: programmes[0].unit_cost: must be greater than 0",
            "s.yaml:44:5: programmes[1].max_units: must be a number",
            "s.yaml:51:5: targets[0].share: must be at most 1 (a share); did you mean 0.015?",
        ],
    )


def test_several_rule_violations_all_reported(workdir: Path) -> None:
    """Cross-reference rules are checked together, once every field is well formed."""
    text = variant(
        ("department: culture", "department: culutre"),
        ("  - id: interrupters", "  - id: art-school"),
        (
            "kind: youth_reach\n    share: 0.1",
            "kind: youth_reach\n    share: 0.1\n    clusters: [nort]",
        ),
    )
    write(workdir / "s.yaml", text)
    assert_invalid(
        validate("s.yaml"),
        [
            "s.yaml:28:5: programmes[0].department: unknown department 'culutre'; "
            "did you mean 'culture'?",
            "s.yaml:36:5: programmes[1].id: duplicate id 'art-school' (also programmes[0])",
            "s.yaml:52:16: targets[0].clusters[0]: unknown cluster 'nort'; did you mean 'north'?",
        ],
    )


@pytest.mark.parametrize(
    ("metric", "expected"),
    [
        (
            "mediations",
            "s.yaml:21:46: warning: departments[0].goals[0].metric: this target cannot be met "
            "(the solve goes on and reports it unmet): no programme in scope "
            "(of department culture) produces 'mediations'; produced only by interrupters, "
            "outside the scope",
        ),
        (
            "mediation",
            "s.yaml:21:46: warning: departments[0].goals[0].metric: this target cannot be met "
            "(the solve goes on and reports it unmet): no programme in scope "
            "(of department culture) produces 'mediation'; no programme lists it in its "
            "outputs; did you mean 'mediations'?",
        ),
    ],
    ids=["produced-outside-scope", "produced-by-nobody"],
)
def test_department_goal_metric_outside_its_scope(
    workdir: Path, metric: str, expected: str
) -> None:
    """A goal nothing in its scope can serve is valid: a located warning
    (docs/model.md: results)."""
    goal = f"    goals: [{{id: culture-goal, kind: metric, metric: {metric}, at_least: 1}}]\n"
    write(workdir / "s.yaml", variant(("    budget: 600\n", f"    budget: 600\n{goal}")))
    result = validate("s.yaml")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [expected]
    assert result.stdout.splitlines() == [BASE_SUMMARY.replace("2 targets", "3 targets")]


# ----------------------------------------------------------------------------- YAML code
def test_python_tag_is_never_executed(workdir: Path) -> None:
    marker = workdir / "pwned"
    text = variant(("total: 1000", f'total: !!python/object/apply:os.system ["touch {marker}"]'))
    write(workdir / "s.yaml", text)
    assert_invalid(
        validate("s.yaml"),
        [
            "s.yaml:8:3: budget.total: YAML tag '!!python/object/apply:os.system' is not "
            "allowed; write plain data"
        ],
    )
    assert not marker.exists()


def test_python_tag_on_the_whole_document_is_never_executed(workdir: Path) -> None:
    marker = workdir / "pwned"
    write(workdir / "s.yaml", f"!!python/object/apply:os.system\nargs: ['touch {marker}']\n")
    assert_invalid(
        validate("s.yaml"),
        ["s.yaml:1:1: YAML tag '!!python/object/apply:os.system' is not allowed; write plain data"],
    )
    assert not marker.exists()


# ----------------------------------------------------------------------------- files
def test_missing_file(workdir: Path) -> None:
    assert_invalid(validate("nope.yaml"), ["nope.yaml: no such file"])


def test_directory(workdir: Path) -> None:
    (workdir / "scenarios").mkdir()
    assert_invalid(validate("scenarios"), ["scenarios: is a directory, not a scenario file"])


def test_file_over_the_size_limit(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "MAX_FILE_BYTES", 100)
    write(workdir / "s.yaml", BASE)
    assert_invalid(
        validate("s.yaml"), ["s.yaml: file is too large (more than the limit of 100 bytes)"]
    )


def test_alias_bomb_fails_fast(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """'Billion laughs': 10**9 values from a 600-byte file are refused, not expanded."""
    monkeypatch.setattr(loader, "MAX_NODES", 10_000)
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    write(workdir / "s.yaml", "\n".join(lines) + "\n")
    start = time.perf_counter()
    result = validate("s.yaml")
    assert time.perf_counter() - start < 5
    assert_invalid(
        result,
        ["s.yaml:1:55: a3[7][8][8][9]: too many or too deeply nested values (alias bomb?)"],
    )


def test_deep_nesting(workdir: Path) -> None:
    write(workdir / "s.yaml", "a: " + "[" * 300 + "]" * 300 + "\n")
    assert_invalid(
        validate("s.yaml"),
        ["s.yaml:1:67: YAML nesting is too deep (more than 64 levels of lists and mappings)"],
    )


# ----------------------------------------------------------------------------- several files
def test_valid_and_invalid_files_together(workdir: Path) -> None:
    write(workdir / "s.yaml", BASE)
    write(workdir / "bad.yaml", variant(("unit_cost: 10", "unit_cost: 0")))
    result = validate("bad.yaml", "s.yaml", "missing.yaml")
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [BASE_SUMMARY]
    assert result.stderr.splitlines() == [
        "bad.yaml:31:5: programmes[0].unit_cost: must be greater than 0",
        "missing.yaml: no such file",
    ]


def test_several_valid_files(workdir: Path) -> None:
    write(workdir / "s.yaml", BASE)
    result = validate("s.yaml", "s.yaml")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [BASE_SUMMARY, BASE_SUMMARY]
    assert result.stderr == ""


# ----------------------------------------------------------------------------- entry point
def test_console_script_reports_without_traceback(workdir: Path) -> None:
    marker = workdir / "pwned"
    write(
        workdir / "bad.yaml",
        variant(
            ("unit_cost: 10", "unit_cost: .nan"),
            ("total: 1000", f'total: !!python/object/apply:os.system ["touch {marker}"]'),
        ),
    )
    write(workdir / "s.yaml", BASE)
    write(workdir / "garbage.yaml", b"\x00\x01\x02\xff")
    proc = subprocess.run(
        [console_script(), "validate", "bad.yaml", "s.yaml", "garbage.yaml", "nope.yaml"],
        capture_output=True,
        text=True,
        cwd=workdir,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.stdout.splitlines() == [BASE_SUMMARY]
    assert proc.stderr.splitlines() == [
        "bad.yaml:8:3: budget.total: YAML tag '!!python/object/apply:os.system' is not "
        "allowed; write plain data",
        "garbage.yaml: binary file (contains NUL bytes); expected a YAML text file",
        "nope.yaml: no such file",
    ]
    assert not marker.exists()


def test_console_script_valid_file_exits_zero(workdir: Path) -> None:
    write(workdir / "s.yaml", BASE)
    proc = subprocess.run(
        [console_script(), "validate", "s.yaml"],
        capture_output=True,
        text=True,
        cwd=workdir,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [BASE_SUMMARY]
    assert proc.stderr == ""


def test_version_is_the_installed_one() -> None:
    """`--version` prints the version written in the package, which pyproject installs."""
    from importlib.metadata import version

    from pazos_budget import __version__

    assert __version__ == version("pazos-budget")
    run = CliRunner().invoke(app, ["--version"])
    assert run.exit_code == 0
    assert run.output.strip() == f"pazos-budget {__version__}"


def test_issue_examples_right_field_hints_and_one_round(workdir: Path) -> None:
    """`hard: yes` on a metric target is reported at its own field with a hint; a share
    written as a percent suggests the share; an unknown reference is reported in the same
    round as the field errors, not after they are fixed."""
    metric, department = "metric: mediations\n    at_least: 200", "department: security\n"
    text = variant(
        (metric, metric + "\n    hard: yes"),
        ("share: 0.1", "share: 15"),
        (
            department + "    component: interruption",
            "department: securty\n    component: interruption",
        ),
    )
    write(workdir / "s.yaml", text)
    assert_invalid(
        validate("s.yaml"),
        [
            "s.yaml:38:5: programmes[1].department: unknown department 'securty'; "
            "did you mean 'security'?",
            "s.yaml:51:5: targets[0].share: must be at most 1 (a share); did you mean 0.15?",
            "s.yaml:56:5: targets[1].hard: must be true or false; write true (not 'yes')",
        ],
    )


def test_a_rule_of_a_programme_listing_its_clusters_does_not_hide_the_references(
    workdir: Path,
) -> None:
    """A programme's own rule broken (minimum above maximum, shares that do not sum to 1)
    on a programme that lists its clusters (`clusters: [north, south]`) is reported with
    an unknown cluster elsewhere in the same round (the references were dropped: the list
    of cluster ids was taken for a list of items to rebuild)."""
    text = variant(
        ("min_units: 1", "min_units: 12"),
        ("share: 0.1", "share: 0.1\n    clusters: [nort]"),
    )
    write(workdir / "s.yaml", text)
    assert_invalid(
        validate("s.yaml"),
        [
            "s.yaml:43:5: programmes[1].min_units: must not exceed max_units (10)",
            "s.yaml:52:16: targets[0].clusters[0]: unknown cluster 'nort'; did you mean 'north'?",
        ],
    )


def test_the_summary_counts_in_the_singular_for_one() -> None:
    """'1 cluster', '1 clúster', never '1 clusters' or '1 secretarías'."""
    from pazos_budget.reports.labels import Labels

    en, es = Labels("en"), Labels("es")
    assert en.counted("noun.cluster", 1) == "1 cluster"
    assert en.counted("noun.department", 2) == "2 departments"
    assert es.counted("noun.department", 1) == "1 secretaría"
    assert es.counted("noun.cluster", 1_200) == "1.200 clústeres"
    assert es.counted("noun.target_or_goal", 0) == "0 metas"


def test_a_department_may_not_be_called_pazos(workdir: Path) -> None:
    """ "pazos" owns the city-wide targets in a result: a department of that id would be
    credited with all of them (Palmira's PAZOS office read "7 of 7" for its one goal)."""
    write(workdir / "s.yaml", BASE.replace("  - id: culture\n", "  - id: pazos\n"))
    result = CliRunner().invoke(app, ["validate", "s.yaml"])
    assert result.exit_code == 2, result.output
    assert (
        "departments[0].id: 'pazos' is reserved for the city-wide PAZOS targets (their owner "
        "in a result): give the department another id, e.g. gerencia-pazos"
    ) in result.output
