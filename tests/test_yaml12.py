"""The YAML reader (yaml12.py): YAML 1.2 core typing on PyYAML's parsers, LibYAML and pure
Python giving the same tree, and limits that hold on hostile nesting."""

from __future__ import annotations

import math
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pazos_budget import yaml12
from pazos_budget.errors import ScenarioError
from pazos_budget.loader import MAX_DEPTH, parse_yaml
from pazos_budget.messages import problem_line

INF = math.inf
NAN = math.nan

#: Plain scalars and what the project's earlier reader (ruamel.yaml, YAML 1.2) made of
#: them, recorded from it when the reader moved to PyYAML/LibYAML: the typing must not move.
TABLE: list[tuple[str, Any]] = [
    ("01130", 1130),
    ("0o17", 15),
    ("0x1F", 31),
    ("0b101", 5),
    ("1_000", 1000),
    ("1_0.5", 10.5),
    ("+5", 5),
    ("-0", 0),
    ("0", 0),
    ("007", 7),
    ("08", 8),
    ("09.5", 9.5),
    ("1e3", 1000.0),
    ("1E3", 1000.0),
    ("1.0e+3", 1000.0),
    ("1.", 1.0),
    (".5", 0.5),
    ("-.5", -0.5),
    (".inf", INF),
    ("-.Inf", -INF),
    ("+.INF", INF),
    (".nan", NAN),
    (".NaN", NAN),
    ("NaN", "NaN"),
    ("inf", "inf"),
    ("yes", "yes"),
    ("no", "no"),
    ("on", "on"),
    ("off", "off"),
    ("y", "y"),
    ("n", "n"),
    ("Y", "Y"),
    ("N", "N"),
    ("Yes", "Yes"),
    ("NO", "NO"),
    ("true", True),
    ("True", True),
    ("TRUE", True),
    ("tRue", "tRue"),
    ("false", False),
    ("False", False),
    ("FALSE", False),
    ("null", None),
    ("Null", None),
    ("NULL", None),
    ("nULL", "nULL"),
    ("~", None),
    ("", None),
    ("16:40", "16:40"),
    ("1:00:00", "1:00:00"),
    ("190:20:30.15", "190:20:30.15"),
    ("2023-01-01", "2023-01-01"),
    ("2023-01-01 10:00:00", "2023-01-01T10:00:00"),
    ("2001-12-14t21:59:43.10-05:00", "2001-12-14T21:59:43.100000-05:00"),
    ("2001-12-14 21:59:43.10 -5", "2001-12-14T21:59:43.100000-05:00"),
    ("0x_1", 1),
    ("_1", "_1"),
    ("1__0", 10),
    ("0b", "0b"),
    ("0x", "0x"),
    ("0o", "0o"),
    ("+0x10", 16),
    ("-0o7", -7),
    ("1e", "1e"),
    ("1.5e3", 1500.0),
    ("1_000.5_5", 1000.55),
    ("._5", 0.5),
    ("+.5", 0.5),
    ("1.e5", 100000.0),
    (".5e+3", 500.0),
    (".5e3", ".5e3"),
    ("0.", 0.0),
    ("00", 0),
    ("0_0", 0),
    ("1,000", "1,000"),
    ("12e03", 12000.0),
    ("0e0", 0.0),
    ("-0.0", -0.0),
    ("0xG", "0xG"),
    ("1 000", "1 000"),
    ("0_", 0),
    ("1_", 1),
    ("-1_000", -1000),
    ("0b1_0", 2),
    ("-0b11", -3),
    ("0o8", "0o8"),
    ("0o_7", 7),
    ("08_9", 89),
    ("+12.5e-3", 0.0125),
    ("-1E-2", -0.01),
    ("1e+5", 100000.0),
    ("1.5E+05", 150000.0),
    ("+.inf", INF),
    ("-.nan", "-.nan"),
    ("+.nan", "+.nan"),
    (".Nan", ".Nan"),
    ("0x1f", 31),
    ("0XFF", "0XFF"),
    ("1e0_0", "1e0_0"),
    ("100000000000000000000000", 100000000000000000000000),
    ("1.7976931348623157e309", INF),
    ("3.14", 3.14),
    ("-3.", -3.0),
    ("+0", 0),
    ("-00", 0),
    ("0.1_2e1", 1.2),
    ("abc", "abc"),
    ("1a", "1a"),
    ("a1", "a1"),
    ("+", "+"),
    ("-a", "-a"),
    (".", "."),
    ("..", ".."),
    ("1..2", "1..2"),
    ("1.2.3", "1.2.3"),
    ("--1", "--1"),
    ("+-1", "+-1"),
    ("0b2", "0b2"),
    ("0x", "0x"),
    ("tru", "tru"),
    ("~~", "~~"),
    ("null ", None),
    ("12:30", "12:30"),
    ("2023-1-1", "2023-1-1"),
    ("2023-01-1 1:00:00", "2023-01-01T01:00:00"),
]


def _read(scalar: str) -> Any:
    return parse_yaml(f"a: {scalar}\n", "s.yaml").data["a"]


@pytest.mark.parametrize(("scalar", "expected"), TABLE)
def test_plain_scalars_keep_their_yaml_1_2_meaning(scalar: str, expected: Any) -> None:
    value = _read(scalar)
    if isinstance(expected, float) and math.isnan(expected):
        assert isinstance(value, float) and math.isnan(value)
        return
    assert type(value) is type(expected), (scalar, value)
    assert value == expected


@pytest.mark.parametrize(
    ("scalar", "expected"),
    [
        ("'yes'", "yes"),
        ('"01130"', "01130"),
        ("!!str 16:40", "16:40"),
        ("!!float 1", 1.0),
        ("!!int '12'", 12),
        ("!!bool 'true'", True),
        ("!!null ''", None),
        ("|-\n  007", "007"),
    ],
)
def test_quoted_and_tagged_scalars(scalar: str, expected: Any) -> None:
    value = _read(scalar)
    assert type(value) is type(expected) and value == expected


@pytest.mark.parametrize("scalar", ["'<<'", "!!int 1.5", "!!bool yes"])
def test_tagged_scalars_that_do_not_fit_their_tag(scalar: str) -> None:
    if scalar == "'<<'":
        assert _read(scalar) == "<<"  # quoted: text, never a merge
        return
    with pytest.raises(ScenarioError) as e:
        _read(scalar)
    assert str(e.value.problems[0]).startswith("s.yaml:1:1: a: ")


# YAML 1.1 spellings that a 1.1 reader (PyYAML's own resolver) would type.
YAML_1_1_WORDS = ["yes", "Yes", "YES", "no", "No", "on", "On", "off", "OFF", "y", "n", "Y"]


@given(st.sampled_from(YAML_1_1_WORDS))
def test_yaml_1_1_booleans_stay_text(word: str) -> None:
    assert yaml12.resolve_plain(word) == word


@given(st.integers(0, 59), st.integers(0, 59))
def test_sexagesimal_stays_text(hours: int, minutes: int) -> None:
    text = f"{hours}:{minutes:02d}"
    assert yaml12.resolve_plain(text) == text


@given(
    st.integers(-(10**30), 10**30),
    st.integers(0, 3),
    st.lists(st.integers(0, 40), max_size=3),
    st.sampled_from(["", "+"]),
)
def test_decimal_integers_with_zeros_and_underscores(
    n: int, zeros: int, cuts: list[int], plus: str
) -> None:
    digits = "0" * zeros + str(abs(n))
    for cut in sorted(set(cuts), reverse=True):
        if 0 < cut < len(digits):
            digits = digits[:cut] + "_" + digits[cut:]
    sign = "-" if n < 0 else plus
    value = yaml12.resolve_plain(sign + digits)
    assert type(value) is int and value == n


@given(st.integers(-(10**12), 10**12), st.sampled_from([("0x", 16), ("0o", 8), ("0b", 2)]))
def test_prefixed_integers(n: int, prefix: tuple[str, int]) -> None:
    mark, base = prefix
    body = {16: f"{abs(n):x}", 8: f"{abs(n):o}", 2: f"{abs(n):b}"}[base]
    text = ("-" if n < 0 else "") + mark + body
    assert yaml12.resolve_plain(text) == n


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_floats_read_back(x: float) -> None:
    text = repr(x)
    value = yaml12.resolve_plain(text)
    if "e" in text or "." in text:
        assert type(value) is float and value == x


@given(st.text(max_size=12))
def test_any_plain_text_resolves_or_says_why(text: str) -> None:
    try:
        value = yaml12.resolve_plain(text)
    except (ValueError, yaml12.NotData):
        return
    assert (
        value is None or isinstance(value, bool | int | float | str) or hasattr(value, "isoformat")
    )
    if isinstance(value, str):
        assert value == text


# Documents with every kind of node, in block and flow style, for the two parsers.
_scalars = st.one_of(
    st.integers(-1000, 1000),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.none(),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=8),
)
_documents = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text("abcxyz_", min_size=1, max_size=4), inner, max_size=4),
    ),
    max_leaves=25,
)


def _tree(node: yaml12.Node | None) -> Any:
    if node is None:
        return None
    if node.kind == yaml12.MAPPING:
        inner: Any = [(_tree(k), _tree(v)) for k, v in node.value]
    elif node.kind == yaml12.SEQUENCE:
        inner = [_tree(v) for v in node.value]
    else:
        inner = node.value
    return (node.kind, node.line, node.column, node.tag, node.plain, inner)


@settings(max_examples=60, deadline=None)
@given(_documents, st.sampled_from([False, None, True]))
def test_libyaml_and_pure_python_compose_the_same_tree(data: Any, flow: bool | None) -> None:
    text = yaml.safe_dump({"root": data}, default_flow_style=flow, allow_unicode=True)
    fast = yaml12._compose(yaml12._FastParser(text), MAX_DEPTH)
    pure = yaml12._compose(yaml12._PureParser(text), MAX_DEPTH)
    assert _tree(fast) == _tree(pure)


def test_the_fast_parser_is_libyaml_where_installed() -> None:
    if yaml.__with_libyaml__:
        assert yaml12.LIBYAML and yaml12._FastParser is yaml.CSafeLoader


@pytest.mark.parametrize("depth", [65, 100_000])
def test_deep_nesting_is_refused_without_recursion(depth: int) -> None:
    # LibYAML's own composer recurses in C: 100,000 levels would end the process.
    with pytest.raises(ScenarioError) as e:
        parse_yaml("a: " + "[" * depth + "]" * depth + "\n", "s.yaml")
    assert str(e.value.problems[0]) == (
        "s.yaml:1:67: YAML nesting is too deep (more than 64 levels of lists and mappings)"
    )


def test_an_anchor_may_be_defined_again() -> None:
    # YAML 1.2: the later definition holds from there on (PyYAML's composer refuses).
    data = parse_yaml("a: &x 1\nb: *x\nc: &x 2\nd: *x\n", "s.yaml").data
    assert data == {"a": 1, "b": 1, "c": 2, "d": 2}


def test_merge_keys_own_keys_first() -> None:
    data = parse_yaml("b: &b {x: 1, y: 2}\no: {<<: *b, y: 3, z: 4}\n", "s.yaml").data
    assert list(data["o"].items()) == [("y", 3), ("z", 4), ("x", 1)]


def test_all_duplicate_keys_at_once() -> None:
    with pytest.raises(ScenarioError) as e:
        parse_yaml("a: 1\nb: 2\na: 3\nc: {x: 1, x: 2}\n", "s.yaml")
    assert [str(p) for p in e.value.problems] == [
        "s.yaml:3:1: duplicate key 'a' (first given at line 1); a key may appear only once in "
        "a mapping",
        "s.yaml:4:11: duplicate key 'x' (first given at line 4); a key may appear only once in "
        "a mapping",
    ]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("a: {~: 1}\n", "s.yaml:1:5: a: key ~ must be text"),
        ("a: {null: 1}\n", "s.yaml:1:5: a: key null must be text"),
        ("a:\n  Null: 1\n", "s.yaml:2:3: a: key Null must be text"),
        ("a:\n  true: 1\n", "s.yaml:2:3: a: key true must be text"),
        ("a:\n  0x1F: 1\n", "s.yaml:2:3: a: key 0x1F must be text"),
        ("a:\n  2023-01-01: 1\n", "s.yaml:2:3: a: key 2023-01-01 must be text"),
        (
            "a:\n  ?\n  : 1\n",
            "s.yaml:2:4: a: the key is empty: a key must be text (the name of a field)",
        ),
        # a key tagged null is not dropped without a word
        ('a: {!!null "": 1}\n', "s.yaml:1:5: a: key !!null '' must be text"),
        # a list or a mapping as a key, as YAML writes it (not Python's ['a', 'b'])
        ("a:\n  ? [a, b]\n  : 1\n", "s.yaml:2:5: a: key [a, b] must be text"),
        ("a:\n  ? {x: 1, y: ~}\n  : 1\n", "s.yaml:2:5: a: key {x: 1, y: null} must be text"),
    ],
)
def test_a_key_that_is_not_text_is_named_as_written(text: str, said: str) -> None:
    with pytest.raises(ScenarioError) as e:
        parse_yaml(text, "s.yaml")
    assert [str(p) for p in e.value.problems] == [said]


def test_a_null_key_is_named_as_written_in_spanish() -> None:
    with pytest.raises(ScenarioError) as e:
        parse_yaml("a:\n  ~: 1\n  ? \n  : 2\n", "s.yaml")
    assert [problem_line(p, "es") for p in e.value.problems] == [
        "s.yaml:2:3: a: la clave ~ debe ser texto",
        "s.yaml:3:4: a: la clave está vacía: una clave debe ser texto (el nombre de un campo)",
    ]


def test_set_value_is_read_like_the_file() -> None:
    assert yaml12.plain_value("01130") == 1130
    assert yaml12.plain_value("yes") == "yes"
    assert yaml12.plain_value("'5'") == "5"
    assert yaml12.plain_value("[1, 2]") == []
    with pytest.raises(ValueError, match="not allowed"):
        yaml12.plain_value("!!python/object:os.system x")


def test_without_libyaml_the_pure_parser_reads_and_refuses_alike(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = "a: [1, 0o17, yes]\nb: {c: &x 16:40, d: *x}\n"
    bad = "a:\n  name: [Culture\n  b: 1\n"
    fast = parse_yaml(text, "s.yaml").data
    with pytest.raises(ScenarioError) as fast_error:
        parse_yaml(bad, "s.yaml")
    monkeypatch.setattr(yaml12, "_FastParser", yaml12._PureParser)
    monkeypatch.setattr(yaml12, "LIBYAML", False)
    assert (
        parse_yaml(text, "s.yaml").data
        == fast
        == {
            "a": [1, 15, "yes"],
            "b": {"c": "16:40", "d": "16:40"},
        }
    )
    with pytest.raises(ScenarioError) as pure_error:
        parse_yaml(bad, "s.yaml")
    assert [str(p) for p in pure_error.value.problems] == [
        str(p) for p in fast_error.value.problems
    ]
    assert str(pure_error.value.problems[0]) == (
        "s.yaml:3:4: not valid YAML: while parsing a flow sequence: expected ',' or ']', "
        "but got ':'"
    )
