"""Hypothesis: invalid input never escapes as anything but a clean, located error.

Two kinds of damage to a valid scenario (`BASE`, richer than the CLI catalogue's: every
section and target kind):
1. text damage (lines deleted, duplicated or swapped, characters flipped, random bytes,
   numbers made negative/NaN/huge/quoted, keys dropped or invented, YAML tags added):
   `load_scenario` returns or raises `ScenarioError` with usable problems, and
   `pazos-budget validate` exits 0 or 2 without a traceback;
2. structural damage to the parsed data, dumped back as well-formed YAML: every problem
   points at a line inside the file.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from pazos_budget.cli import app
from pazos_budget.errors import Problem, ScenarioError
from pazos_budget.loader import MAX_PROBLEMS, load_scenario, parse_yaml, scenario_language
from pazos_budget.messages import problem_line

BASE = """\
scenario:
  id: fuzz-base
  name: Fuzz base
  year: 2024
  currency: COP millions
  language: es
  notes: "A richer scenario: every section and target kind."
budget:
  total: 5000
objective: maximize_weighted_reach
clusters:
  - {id: north, name: North, youth_population: 2000, weight: 1.5}
  - {id: south, name: South, youth_population: 1500}
  - id: rural
    name: Rural
    youth_population: 800
    prioritized: false
components:
  - {id: interruption, name: Interrupción}
  - {id: intervention, name: Intervención}
  - {id: prevention, name: Prevención}
  - {id: safe_environments, name: Entornos seguros}
  - {id: access_to_justice, name: Acceso a la justicia}
departments:
  - id: culture
    name: Culture
    budget: 2000
    min_spend: 100
    goals:
      - {id: culture-prevention, kind: spend_share, components: [prevention], at_least: 0.5}
  - id: security
    name: Security
    budget: 2500
    goals:
      - id: security-mediations
        kind: metric
        metric: mediations
        at_least: 100
        clusters: [north]
        priority: 2
  - id: justice
    name: Justice
programmes:
  - id: art-school
    name: Art school
    department: culture
    component: prevention
    unit: workshop
    unit_cost: 10
    fixed_cost: 50
    clusters: all
    youth_per_unit: 25
    cofunding: {culture: 0.8, security: 0.2}
  - id: interrupters
    name: Interrupters
    department: security
    component: interruption
    unit_cost: 40
    integer: true
    min_units: 2
    max_units: 20
    mandatory: true
    clusters: [north, south]
    youth_per_unit: {north: 30, south: 40}
    outputs: {mediations: 60}
  - id: therapy
    name: Therapy
    department: culture
    component: intervention
    unit_cost: 15
    clusters: [north, south, rural]
    youth_per_unit: 5
  - id: lighting
    name: Lighting
    department: security
    component: safe_environments
    unit_cost: 5
    clusters: all
    outputs: {lighting_points: 1}
  - id: houses-of-justice
    name: Houses of justice
    department: justice
    component: access_to_justice
    unit_cost: 100
    youth_per_unit: 12
targets:
  - {id: reach, kind: youth_reach, share: 0.1, priority: 1, weight: 2}
  - {id: reach-rural, kind: youth_reach, at_least: 50, clusters: [rural], hard: false}
  - {id: all-five, kind: component_presence, clusters: [north, south]}
  - {id: lights, kind: metric, metric: lighting_points, at_least: 30, hard: true}
  - {id: youth-total, kind: metric, metric: youth, at_least: 500, priority: 3}
  - {id: justice-cap, kind: spend_share, departments: [justice], at_most: 0.3}
"""

# Each example parses YAML a few times (~25 ms each): keep the default run to a few seconds;
# PAZOS_FUZZ_EXAMPLES=5000 for a long hunt.
FUZZ = settings(
    max_examples=int(os.environ.get("PAZOS_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

runner = CliRunner()

# A file that a YAML tag would create if anything in it were ever executed.
MARKER = "pazos-pwned"

# ----------------------------------------------------------------------------- text damage
NASTY_VALUES = [
    b"-1",
    b"-0.0",
    b"0",
    b".nan",
    b".NaN",
    b".inf",
    b"-.inf",
    b"1e400",
    b"-1e400",
    b"99999999999999999999999999999999",
    b"9" * 5000,
    b'"5"',
    b"'5'",
    b"1.5",
    b"0x1F",
    b"1_000",
    b"true",
    b"yes",
    b"null",
    b"~",
    b"[]",
    b"{}",
    b"[1, [2, {3: 4}]]",
    b"2024-01-01",
    b"12:30:00",
    b"&anchor 1",
    b"*anchor",
    b"*undefined",
    b"|\n  block",
    b"x" * 300,
    b"'unterminated",
    b"{a: 1, a: 2}",
    "Bogotá ñ \u202e".encode(),
]

TAGS = [
    b"!foo",
    b"!!python/object/apply:os.system ['touch " + MARKER.encode() + b"']",
    b"!!python/object/new:os.system",
    b"!!python/name:os.system",
    b"!!python/tuple",
    b"!!set",
    b"!!omap",
    b"!!pairs",
    b"!!binary",
    b"!!timestamp",
    b"!!str",
    b"!!int",
    b"!!float",
    b"!!bool",
    b"!!null",
    b"!!map",
    b"!!seq",
    b"!<tag:example.com,2000:x>",
    b"!e!x",
]

KEYS = [
    "scenario",
    "budget",
    "total",
    "clusters",
    "departments",
    "programmes",
    "targets",
    "id",
    "name",
    "kind",
    "unit_cost",
    "youth_population",
    "department",
    "component",
    "metric",
    "at_least",
    "share",
]

JUNK_CHARS = list(":-[]{}&*!#|>%@`'\",?\t \n\\") + ["\u00a0", "\ufeff", "ñ", "0", "a"]


def _numbers(line: bytes) -> list[int]:
    """Start offsets of the numbers in a line."""
    out = []
    for i, ch in enumerate(line):
        if chr(ch).isdigit() and (i == 0 or not chr(line[i - 1]).isalnum()):
            out.append(i)
    return out


def _replace_number(line: bytes, start: int, value: bytes) -> bytes:
    end = start
    while end < len(line) and (chr(line[end]).isdigit() or line[end] in b"._"):
        end += 1
    return line[:start] + value + line[end:]


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    """BASE with 1-4 random kinds of damage."""
    lines = BASE.encode("utf-8").split(b"\n")
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(
            st.sampled_from(
                [
                    "delete",
                    "duplicate",
                    "swap",
                    "flip",
                    "bytes",
                    "number",
                    "drop-key",
                    "unknown-key",
                    "tag",
                    "indent",
                ]
            )
        )
        if op == "delete" and len(lines) > 1:
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "flip" and lines[i]:
            k = draw(st.integers(0, len(lines[i]) - 1))
            ch = draw(st.sampled_from(JUNK_CHARS)).encode("utf-8")
            lines[i] = lines[i][:k] + ch + lines[i][k + 1 :]
        elif op == "bytes":
            k = draw(st.integers(0, len(lines[i])))
            junk = draw(st.binary(min_size=1, max_size=8))
            lines[i] = lines[i][:k] + junk + lines[i][k:]
        elif op == "number" and _numbers(lines[i]):
            start = draw(st.sampled_from(_numbers(lines[i])))
            lines[i] = _replace_number(lines[i], start, draw(st.sampled_from(NASTY_VALUES)))
        elif op == "drop-key":
            key = draw(st.sampled_from(KEYS)).encode()
            hits = [n for n, line in enumerate(lines) if line.lstrip(b" -{").startswith(key + b":")]
            if hits:
                del lines[draw(st.sampled_from(hits))]
        elif op == "unknown-key":
            indent = len(lines[i]) - len(lines[i].lstrip(b" "))
            key = draw(st.sampled_from(["unit_cots", "budgets", "zzz", "kind", "id", "<<"]))
            lines.insert(i + 1, b" " * indent + key.encode() + b": 1")
        elif op == "tag" and b": " in lines[i]:
            head, _, tail = lines[i].partition(b": ")
            lines[i] = head + b": " + draw(st.sampled_from(TAGS)) + b" " + tail
        elif op == "indent":
            lines[i] = b" " * draw(st.integers(0, 5)) + lines[i].lstrip(b" ")
    return b"\n".join(lines)


def assert_clean(problems: list[Problem]) -> None:
    assert problems
    for p in problems:
        assert isinstance(p, Problem)
        assert p.message.strip()
        assert p.line >= 0
        assert p.column >= 0
        assert "Traceback" not in str(p)
        assert "\n" not in str(p), "one problem, one line"


@FUZZ
@given(content=damaged())
def test_damaged_text_fails_cleanly(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "s.yaml"
    path.write_bytes(content)
    problems: list[Problem] = []
    try:
        load_scenario(path)
    except ScenarioError as e:
        problems = e.problems
        assert_clean(problems)
    expected_exit = 2 if problems else 0

    result = runner.invoke(app, ["validate", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == expected_exit
    assert "Traceback" not in result.output
    if expected_exit == 2:
        assert result.stdout == ""
        # In the language the damaged file still says it is in (English if none).
        lang = scenario_language(path) or "en"
        assert result.stderr.splitlines() == [problem_line(p, lang) for p in problems]
    assert not (tmp_path / MARKER).exists()
    assert not Path(MARKER).exists()


# ----------------------------------------------------------------------------- structure
def _plain(text: str) -> Any:
    return parse_yaml(text, "s.yaml").data


def _paths(node: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside `node` (not the root itself)."""
    out: list[tuple[Any, ...]] = []
    if isinstance(node, dict):
        for k, v in node.items():
            out.append((*at, k))
            out += _paths(v, (*at, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.append((*at, i))
            out += _paths(v, (*at, i))
    return out


def _containers(node: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a mapping or list, the root included."""
    out = [at] if isinstance(node, dict | list) else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _containers(v, (*at, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _containers(v, (*at, i))
    return out


def _get(node: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        node = node[part]
    return node


BASE_DATA = _plain(BASE)

values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from(["", "5", "all", "north", "culture", "prevention", "youth_reach", "x y"])
    | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(KEYS + ["zzz"]), children, max_size=3)
    ),
    max_leaves=6,
)


@st.composite
def restructured(draw: st.DrawFn) -> Any:
    """BASE's data with 1-3 structural changes."""
    data = copy.deepcopy(BASE_DATA)
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["delete", "replace", "insert", "duplicate", "rename"]))
        paths = _paths(data)
        if op in ("delete", "replace", "rename", "duplicate") and not paths:
            continue
        if op == "delete":
            path = draw(st.sampled_from(paths))
            del _get(data, path[:-1])[path[-1]]
        elif op == "replace":
            path = draw(st.sampled_from(paths))
            _get(data, path[:-1])[path[-1]] = draw(values)
        elif op == "insert":
            parent = _get(data, draw(st.sampled_from(_containers(data))))
            if isinstance(parent, dict):
                parent[draw(st.sampled_from([*KEYS, "zzz", "unit_cots"]))] = draw(values)
            else:
                parent.insert(draw(st.integers(0, len(parent))), draw(values))
        elif op == "duplicate":
            lists = [p for p in _containers(data) if isinstance(_get(data, p), list)]
            lst = _get(data, draw(st.sampled_from(lists))) if lists else []
            if lst:
                lst.append(lst[draw(st.integers(0, len(lst) - 1))])
        elif op == "rename":
            maps = [p for p in paths if isinstance(p[-1], str)]
            if maps:
                path = draw(st.sampled_from(maps))
                parent = _get(data, path[:-1])
                new = draw(st.sampled_from([*KEYS, path[-1][:-1] or "x", path[-1] + "s"]))
                if new not in parent:
                    parent[new] = parent.pop(path[-1])
    return data


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, default_flow_style=False, sort_keys=False, allow_unicode=True)


@FUZZ
@given(data=restructured())
def test_restructured_problems_point_inside_the_file(tmp_path: Path, data: Any) -> None:
    text = _dump(data)
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    n_lines = len(text.splitlines())
    try:
        load_scenario(path)
    except ScenarioError as e:
        assert_clean(e.problems)
        located = [p for p in e.problems if p.line]
        for p in e.problems:
            if p.line == 0:  # only the "... and N more" summary may be unlocated
                assert p.message.startswith("... and ") and len(e.problems) > MAX_PROBLEMS
            else:
                assert 1 <= p.line <= n_lines, (p, text)
                assert 1 <= p.column <= len(text.splitlines()[p.line - 1]) + 1, (p, text)
        lines = [(p.line, p.column) for p in located]
        assert lines == sorted(lines), "problems must be sorted by line"


def test_base_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(BASE, encoding="utf-8")
    loaded = load_scenario(path)
    assert loaded.scenario.scenario.id == "fuzz-base"
    # The dumped form of the same data is valid too, so structural damage is the only cause.
    path.write_text(_dump(_plain(BASE)), encoding="utf-8")
    assert load_scenario(path).scenario == loaded.scenario
