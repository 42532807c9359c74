"""`present` checks every figure the deck reads of a result file before anything is drawn
or written: a hand-edited result whose figure is missing, of the wrong type, not finite,
negative or out of [0, 1] is refused at its line and column with its field path (exit 2,
every problem of every file at once, nothing written); and the check covers exactly the
fields the deck reads, no more and no fewer."""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.text import Text
from typer.testing import CliRunner

import pazos_budget.present as present_module
from pazos_budget.cli import app
from pazos_budget.errors import Problem, ScenarioError
from pazos_budget.json_document import JsonDocument
from pazos_budget.loader import load_scenario
from pazos_budget.outlines import load_outlines
from pazos_budget.pipeline import solve_scenario
from pazos_budget.reports.deck import build_deck
from pazos_budget.result import to_json
from pazos_budget.result_file import (
    READ,
    Field,
    Flag,
    Kind,
    Number,
    OneOf,
    Record,
    Records,
    ValuesOf,
    Whole,
    Words,
)

ROOT = Path(__file__).resolve().parents[1]
PALMIRA = ROOT / "scenarios" / "palmira-2023.yaml"
PALMIRA_MAP = ROOT / "examples" / "palmira-2023-clusters.geojson"
runner = CliRunner()


@pytest.fixture(scope="module")
def palmira_doc() -> dict[str, Any]:
    return to_json(solve_scenario(load_scenario(PALMIRA)))


def write(path: Path, doc: Any) -> Path:
    """A result file as `solve --json` writes one (NaN written as JSON readers take it)."""
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def value_at(text: str, line: int, col: int) -> Any:
    """The JSON value that starts at (line, col) of `text`, read independently."""
    offset = sum(len(row) + 1 for row in text.split("\n")[: line - 1]) + col - 1
    return json.JSONDecoder().raw_decode(text, offset)[0]


def same(a: Any, b: Any) -> bool:
    return (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)) or (
        a == b and type(a) is type(b)
    )


LOCATED = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<path>[^:]+): (?P<msg>.+)$")


def located(stderr: str) -> list[dict[str, Any]]:
    lines = stderr.strip().splitlines()
    found = [LOCATED.match(line) for line in lines]
    assert all(found), lines
    return [{**m.groupdict(), "line": int(m["line"]), "col": int(m["col"])} for m in found if m]


# --------------------------------------------------------------------------- the edits
def _set(path: list[Any], value: Any) -> Callable[[dict[str, Any]], Any]:
    def edit(doc: dict[str, Any]) -> Any:
        here = doc
        for key in path[:-1]:
            here = here[key]
        here[path[-1]] = value
        return value

    return edit


def _drop(path: list[Any]) -> Callable[[dict[str, Any]], Any]:
    def edit(doc: dict[str, Any]) -> Any:
        here = doc
        for key in path[:-1]:
            here = here[key]
        del here[path[-1]]
        return here  # a missing field is pointed at in the object that lacks it

    return edit


#: The hand edits a user tried, each with the field refused and the message (Palmira's
#: result is in Spanish, so are its problems).
EDITS = {
    "text for a number": (
        _set(["totals", "spend"], "mucho"),
        "totals.spend",
        "debe ser un número",
    ),
    "a missing spend": (_drop(["programmes", 0, "spend"]), "programmes[0].spend", "es obligatorio"),
    "a null coverage": (
        _set(["clusters", 1, "coverage"], None),
        "clusters[1].coverage",
        "debe ser un número",
    ),
    "a list for a budget": (
        _set(["departments", 0, "budget"], [1]),
        "departments[0].budget",
        "debe ser un número o null",
    ),
    "text for a programme": (
        _set(["programmes", 2], "x"),
        "programmes[2]",
        "debe ser un mapeo (clave: valor)",
    ),
    "no total budget": (_drop(["totals", "budget"]), "totals.budget", "es obligatorio"),
}


@pytest.mark.parametrize("edit", list(EDITS))
@pytest.mark.parametrize("position", ["base", "compared"])
def test_a_hand_edited_result_is_refused_at_the_field(
    palmira_doc: dict[str, Any], tmp_path: Path, edit: str, position: str
) -> None:
    change, field, message = EDITS[edit]
    edited = copy.deepcopy(palmira_doc)
    expected = copy.deepcopy(change(edited))
    base = write(tmp_path / "base.json", palmira_doc)
    bad = write(tmp_path / "edited.json", edited)
    out = tmp_path / "deck.pdf"
    files = [bad, base] if position == "base" else [base, bad]
    run = runner.invoke(app, ["present", *map(str, files), "-o", str(out)])
    assert run.exit_code == 2, run.output
    assert not out.exists()
    assert "Traceback" not in run.output and "error interno" not in run.output
    (problem,) = located(run.stderr)
    assert problem["file"] == str(bad)
    assert problem["path"] == field and problem["msg"] == message
    # The line and column are those of the edited value (of the object without the field).
    at = value_at(bad.read_text(encoding="utf-8"), problem["line"], problem["col"])
    assert same(at, expected), (at, expected)


def test_the_example_of_the_report_reads_as_a_compiler_message(
    palmira_doc: dict[str, Any], tmp_path: Path
) -> None:
    edited = copy.deepcopy(palmira_doc)
    edited["totals"]["spend"] = "mucho"
    bad = write(tmp_path / "e.json", edited)
    text = bad.read_text(encoding="utf-8").split("\n")
    line = next(k for k, row in enumerate(text, 1) if row.strip().startswith('"spend": "mucho"'))
    col = text[line - 1].index('"mucho"') + 1
    run = runner.invoke(app, ["present", str(bad), "-o", str(tmp_path / "x.pdf")])
    assert run.exit_code == 2
    assert run.stderr == f"{bad}:{line}:{col}: totals.spend: debe ser un número\n"
    run = runner.invoke(app, ["present", str(bad), "-o", str(tmp_path / "x.pdf"), "--lang", "en"])
    assert run.stderr == f"{bad}:{line}:{col}: totals.spend: must be a number\n"


#: Edits of fields nothing in `present` or the deck reads.
UNREAD = [
    _set(["targets", 0, "rows"], 5),
    _set(["clusters", 0, "youth_reached"], -5),
    _set(["clusters", 0, "youth_population"], "mucha"),
    _set(["solver"], None),
]


def test_a_field_the_deck_does_not_read_changes_nothing_of_it(
    palmira_doc: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the deck does not draw from is not checked: the deck drawn from such edits
    (here as the base, whose every figure the deck reads) is the deck of the result
    untouched, text for text."""
    edited = copy.deepcopy(palmira_doc)
    for change in UNREAD:
        change(edited)
    base, bad = write(tmp_path / "base.json", palmira_doc), write(tmp_path / "edited.json", edited)
    docs = present_module.load_results([bad, base])
    assert texts_drawn(monkeypatch, docs, tmp_path) == texts_drawn(
        monkeypatch, [palmira_doc, palmira_doc], tmp_path
    )


def texts_drawn(
    monkeypatch: pytest.MonkeyPatch, docs: list[dict[str, Any]], tmp: Path
) -> list[str]:
    seen: list[str] = []
    real = PdfPages.savefig

    def keep(self: PdfPages, figure: Figure | None = None, **kwargs: Any) -> None:
        assert figure is not None
        seen.extend(t.get_text() for t in figure.findobj(Text) if t.get_text())
        real(self, figure, **kwargs)

    monkeypatch.setattr(PdfPages, "savefig", keep)
    build_deck(docs, tmp / "texts.pdf", lang="es", run_at=datetime(2024, 1, 1).astimezone())
    monkeypatch.setattr(PdfPages, "savefig", real)
    return seen


def test_an_existing_deck_is_left_untouched(palmira_doc: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "concejo.pdf"
    out.write_bytes(b"last week's deck")
    before = out.stat().st_mtime_ns
    edited = copy.deepcopy(palmira_doc)
    del edited["totals"]["budget"]
    bad = write(tmp_path / "edited.json", edited)
    run = runner.invoke(app, ["present", str(bad), "-o", str(out)])
    assert run.exit_code == 2, run.output
    assert out.read_bytes() == b"last week's deck" and out.stat().st_mtime_ns == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["concejo.pdf", "edited.json"]


def test_every_problem_of_every_file_at_once(palmira_doc: dict[str, Any], tmp_path: Path) -> None:
    first = copy.deepcopy(palmira_doc)
    first["totals"]["spend"] = "mucho"
    first["clusters"][1]["coverage"] = 1.5
    first["departments"][0]["goals_met"] = -1
    second = copy.deepcopy(palmira_doc)
    second["programmes"][2] = "x"
    del second["totals"]["budget"]
    second["targets"][0]["met"] = "sí"
    second["totals"]["youth_reached"] = float("nan")
    a, b = write(tmp_path / "a.json", first), write(tmp_path / "b.json", second)
    out = tmp_path / "deck.pdf"
    run = runner.invoke(app, ["present", str(a), str(b), "-o", str(out), "--lang", "en"])
    assert run.exit_code == 2 and not out.exists()
    found = [(p["file"], p["path"], p["msg"]) for p in located(run.stderr)]
    assert found == [
        (str(a), "totals.spend", "must be a number"),
        (str(a), "departments[0].goals_met", "must be at least 0"),
        (str(a), "clusters[1].coverage", "must be at most 1"),
        (str(b), "totals.budget", "is required"),
        (str(b), "totals.youth_reached", "must be a finite number (not NaN or infinity)"),
        (str(b), "programmes[2]", "must be a mapping (key: value)"),
        (str(b), "targets[0].met", "must be true or false"),
    ]


def test_a_file_that_is_not_json_does_not_hide_the_others(
    palmira_doc: dict[str, Any], tmp_path: Path
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"schema": ', encoding="utf-8")
    edited = copy.deepcopy(palmira_doc)
    edited["totals"]["spend"] = "mucho"
    bad = write(tmp_path / "edited.json", edited)
    args = ["present", str(broken), str(bad), "-o", str(tmp_path / "d.pdf"), "--lang", "en"]
    run = runner.invoke(app, args)
    assert run.exit_code == 2
    lines = run.stderr.splitlines()
    assert len(lines) == 2 and lines[0].startswith(f"{broken}:1:12: ")
    assert lines[1].startswith(f"{bad}:") and lines[1].endswith(": totals.spend: must be a number")


def test_the_check_is_what_refuses(
    palmira_doc: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Break it: with the field check taken away (the schema still looked at), the same
    edited files get past `present` and fail inside the drawing instead."""
    no_budget = copy.deepcopy(palmira_doc)
    del no_budget["totals"]["budget"]
    words = copy.deepcopy(palmira_doc)
    words["totals"]["spend"] = "mucho"
    out = tmp_path / "deck.pdf"
    real = present_module.result_problems

    def schema_only(document: JsonDocument) -> list[Problem]:
        return [p for p in real(document) if p.path in ("schema", "status")]

    for doc, error in ((no_budget, KeyError), (words, ValueError)):
        bad = write(tmp_path / "edited.json", doc)
        assert runner.invoke(app, ["present", str(bad), "-o", str(out)]).exit_code == 2
        with monkeypatch.context() as m:
            m.setattr(present_module, "result_problems", schema_only)
            run = runner.invoke(app, ["present", str(bad), "-o", str(out)])
        assert isinstance(run.exception, error), run.output
        assert not out.exists()


def test_an_untouched_result_still_draws(palmira_doc: dict[str, Any], tmp_path: Path) -> None:
    base = write(tmp_path / "base.json", palmira_doc)
    out = tmp_path / "deck.pdf"
    run = runner.invoke(app, ["present", str(base), "-o", str(out), "--map", str(PALMIRA_MAP)])
    assert run.exit_code == 0, run.output
    assert out.read_bytes().startswith(b"%PDF")


# --------------------------------------------------------------------------- any field
def fields_of(kind: Kind, value: Any, path: str = "") -> Iterator[tuple[str, Field]]:
    """Every field of the document `value` that READ names, with its concrete path."""
    if isinstance(kind, Record) and isinstance(value, dict):
        for key, field in kind.fields.items():
            here = f"{path}.{key}" if path else key
            yield here, field
            if key in value and value[key] is not None:
                yield from fields_of(field.kind, value[key], here)
    elif isinstance(kind, Records) and isinstance(value, list):
        for k, item in enumerate(value):
            yield from fields_of(kind.item, item, f"{path}[{k}]")
    elif isinstance(kind, ValuesOf) and isinstance(value, dict):
        for key, item in value.items():
            yield f"{path}.{key}", Field(kind.kind, required=False)
            yield from fields_of(kind.kind, item, f"{path}.{key}")


_NOT_A_NUMBER = st.sampled_from(["mucho", "12", True, False, [1], {"a": 1}])
_NOT_FINITE = st.sampled_from([math.nan, math.inf, -math.inf])
_NOT_TEXT = st.sampled_from([5, 1.5, True, [], {}, ["a"]])
_NOT_WHOLE = st.sampled_from([1.5, "3", True, [], 2.0])
_NOT_FLAG = st.sampled_from([0, 1, "true", "sí", [], {}])
_NOT_A_RECORD = st.sampled_from([5, "x", [1], True])
_NOT_A_LIST = st.sampled_from([5, "x", {"a": 1}, True])


def wrong(kind: Kind, null: bool) -> st.SearchStrategy[Any]:
    """Values the deck cannot draw as `kind`: another type, or the right type out of range."""
    options: list[st.SearchStrategy[Any]] = []
    if isinstance(kind, Number):
        options += [_NOT_A_NUMBER, _NOT_FINITE]
        if kind.low is not None:
            options.append(st.floats(max_value=kind.low - 0.001, allow_nan=False))
        if kind.high is not None:
            options.append(st.floats(min_value=kind.high, exclude_min=True, allow_nan=False))
    elif isinstance(kind, Whole):
        options += [_NOT_WHOLE, st.integers(max_value=kind.low - 1)]
    elif isinstance(kind, Words):
        options.append(_NOT_TEXT)
    elif isinstance(kind, Flag):
        options.append(_NOT_FLAG)
    elif isinstance(kind, OneOf):
        options.append(st.sampled_from(["fr", "ES", 5, [], True]))
    elif isinstance(kind, Records):
        options.append(_NOT_A_LIST)
    else:
        options.append(_NOT_A_RECORD)
    if not null:
        options.append(st.none())
    return st.one_of(options)


@st.composite
def corruptions(draw: st.DrawFn, doc: dict[str, Any]) -> tuple[dict[str, Any], str, Any]:
    """A copy of `doc` with one field the deck reads spoiled, its path, and the value its
    problem must point at (the wrong value, or the object a deleted field was in)."""
    fields = [("schema", Field(OneOf(("pazos-budget/result@1",)))), *fields_of(READ, doc)]
    fields.append(("status", Field(OneOf(("optimal", "feasible")))))
    # Each field of READ as likely as another (Palmira has 35 programmes, one scenario).
    kinds: dict[str, list[tuple[str, Field]]] = {}
    for path, field in fields:
        kinds.setdefault(re.sub(r"\[\d+\]", "[]", path), []).append((path, field))
    path, field = draw(st.sampled_from(kinds[draw(st.sampled_from(sorted(kinds)))]))
    spoiled = copy.deepcopy(doc)
    keys = [int(k) if k.isdigit() else k for k in re.findall(r"[^.\[\]]+", path)]
    parent = spoiled
    for key in keys[:-1]:
        parent = parent[key]
    if field.required and draw(st.booleans()):
        del parent[keys[-1]]
        return spoiled, path, copy.deepcopy(parent)
    value = draw(wrong(field.kind, field.null))
    parent[keys[-1]] = value
    return spoiled, path, value


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_field_the_deck_reads_spoiled_is_refused_there(
    palmira_doc: dict[str, Any], tmp_path: Path, data: st.DataObject
) -> None:
    spoiled, path, expected = data.draw(corruptions(palmira_doc))
    base = write(tmp_path / "base.json", palmira_doc)
    bad = write(tmp_path / "spoiled.json", spoiled)
    files = data.draw(st.sampled_from([[bad], [base, bad], [bad, base]]))
    out = tmp_path / "deck.pdf"
    run = runner.invoke(app, ["present", *map(str, files), "-o", str(out), "--lang", "en"])
    assert run.exception is None or isinstance(run.exception, SystemExit), run.exception
    assert run.exit_code == 2, run.output
    assert not out.exists()
    (problem,) = located(run.stderr)
    assert problem["file"] == str(bad) and problem["path"] == path, problem
    at = value_at(bad.read_text(encoding="utf-8"), problem["line"], problem["col"])
    assert same(at, expected), (at, expected)


# --------------------------------------------------------------------------- exactly
def read_paths(kind: Kind, path: str = "") -> set[str]:
    """READ's fields, lists spelled `[]` (a mapping of ids: its own path)."""
    out: set[str] = set()
    if isinstance(kind, Record):
        for key, field in kind.fields.items():
            here = f"{path}.{key}" if path else key
            out |= {here} | read_paths(field.kind, here)
    elif isinstance(kind, Records):
        out |= read_paths(kind.item, f"{path}[]")
    return out


class Traced(dict[str, Any]):
    """A JSON object that notes every key read of it (and of what it holds)."""

    def __init__(self, value: dict[str, Any], path: str, seen: set[str]) -> None:
        super().__init__(value)
        self.path, self.seen = path, seen

    def _at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def __getitem__(self, key: str) -> Any:
        self.seen.add(self._at(key))
        return traced(super().__getitem__(key), self._at(key), self.seen)

    def get(self, key: str, default: Any = None) -> Any:
        self.seen.add(self._at(key))
        return self[key] if key in self else default  # noqa: SIM401 (self[key] notes it)


class TracedList(list[Any]):
    def __init__(self, value: list[Any], path: str, seen: set[str]) -> None:
        super().__init__(value)
        self.path, self.seen = path, seen

    def __getitem__(self, k: Any) -> Any:
        return traced(super().__getitem__(k), f"{self.path}[]", self.seen)

    def __iter__(self) -> Iterator[Any]:
        for k in range(len(self)):
            yield self[k]


def traced(value: Any, path: str, seen: set[str]) -> Any:
    if isinstance(value, dict) and not isinstance(value, Traced):
        return Traced(value, path, seen)
    if isinstance(value, list) and not isinstance(value, TracedList):
        return TracedList(value, path, seen)
    return value


def test_the_check_covers_exactly_what_the_deck_reads(
    palmira_doc: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every field `present` and the deck read of a result, found by drawing a deck (with
    a map and a comparison) from results that note each read, is a field READ checks;
    and READ checks nothing else. (The status, which the title page reads too, and the
    schema, which only the check reads, are looked at before READ.)"""
    doc = copy.deepcopy(palmira_doc)
    # What is read only now and then: a programme's department (when it has no cofunding),
    # a target's id (an unmet one without a name), the feasible status.
    doc["programmes"][0]["cofunding"] = {}
    unmet = next(t for t in doc["targets"] if not t["met"])
    unmet["name"] = ""
    doc["status"] = "feasible"
    seen: set[str] = set()
    base = write(tmp_path / "base.json", doc)
    other = copy.deepcopy(doc)
    other["totals"]["budget"] = 12000.0
    compared = write(tmp_path / "other.json", other)

    def read(path: Path) -> JsonDocument:
        value = json.loads(path.read_text(encoding="utf-8"))
        return JsonDocument(str(path), traced(value, "", seen), {})

    monkeypatch.setattr(present_module, "read_document", read)
    monkeypatch.setattr(present_module, "result_problems", lambda d: [])  # it reads all
    docs, lang, outlines = present_module.prepare([base, compared], map_file=PALMIRA_MAP)
    build_deck(docs, tmp_path / "deck.pdf", lang=lang, outlines=outlines)
    # A mapping of ids (components' names, cofunding shares) is read as a whole.
    ids = re.compile(r"^(scenario\.components|programmes\[\]\.cofunding)\..*$")
    seen = {ids.sub(r"\1", p) for p in seen}
    assert seen == read_paths(READ) | {"status"}


def test_a_result_that_is_not_one_is_still_refused_first(tmp_path: Path) -> None:
    """The schema and the status are looked at before any field: a file that is not a
    result, or has no allocation, gets one line, not one per missing figure."""
    for doc, message in (
        ([], "not a pazos-budget result (solve --json): it has no schema"),
        ({"schema": "x", "totals": 5}, "not a pazos-budget result (solve --json): its schema is x"),
        (
            {"schema": "pazos-budget/result@1", "status": "infeasible"},
            "a result without an allocation (status infeasible): there is nothing to present",
        ),
    ):
        path = write(tmp_path / "r.json", doc)
        with pytest.raises(ScenarioError) as e:
            present_module.load_results([path], "en")
        assert [p.message for p in e.value.problems] == [message]


def test_the_outlines_read_json_as_the_results_do(tmp_path: Path) -> None:
    path = tmp_path / "m.geojson"
    text = '{"type": "FeatureCollection", "features": [1]}'
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as e:
        load_outlines(path, {"north"})
    col = text.index("[1]") + 2
    assert str(e.value) == f"{path}:1:{col}: features[0]: must be a GeoJSON Feature"
