"""A result file (`solve --json`) read back for the council deck, every figure it reads
checked at its place.

The deck (`reports.deck`) draws from the result documents without another look: a figure
a hand had edited into text, a list, null, NaN or a negative count would be drawn as
garbage, or stop the drawing with a traceback. So `present` checks, before anything is
drawn or written, that the file is a result with an allocation (its `schema` and
`status`), then exactly the fields the deck and `present` itself read of a result
(`READ`: what the deck's pages read of the base result, and the cluster ids and the
language): each has the kind it is drawn as, and every problem of a file is a located
`Problem` (`FILE:LINE:COL: totals.spend: must be a number`). Fields nothing reads
(`targets[].rows`, a cluster's `youth_reached`) are left as they are: the deck shows
nothing of them. Every result file is checked in full, the compared ones too: any of them
may be the base of another deck.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import Problem
from .json_document import JsonDocument
from .messages import Num, Text, must, must_any
from .result import SCHEMA
from .solve import Status


# --------------------------------------------------------------------------- kinds
@dataclass(frozen=True)
class Number:
    """A finite JSON number (not true/false) from `low` to `high` (None: unbounded)."""

    low: float | None = 0.0
    high: float | None = None


@dataclass(frozen=True)
class Whole:
    """A JSON integer (not true/false), `low` or more."""

    low: int = 0


@dataclass(frozen=True)
class Words:
    """A JSON string."""


@dataclass(frozen=True)
class Flag:
    """true or false."""


@dataclass(frozen=True)
class OneOf:
    """One of a few strings."""

    values: tuple[str, ...]


@dataclass(frozen=True)
class Field:
    """A key of a record: its kind, whether it may be left out, whether null stands for
    "none" (a department without an envelope)."""

    kind: Kind
    required: bool = True
    null: bool = False


@dataclass(frozen=True)
class Record:
    """A JSON object with these keys (others are not read, so not checked)."""

    fields: Mapping[str, Field]


@dataclass(frozen=True)
class Records:
    """A JSON list of records (or of values of another kind)."""

    item: Kind


@dataclass(frozen=True)
class ValuesOf:
    """A JSON object whose every value is of one kind (its keys are ids)."""

    kind: Kind


Kind = Number | Whole | Words | Flag | OneOf | Record | Records | ValuesOf

MONEY = COUNT = Number(low=0.0)
SHARE = Number(low=0.0, high=1.0)
TEXT = Words()


def _record(**fields: Field | Kind) -> Record:
    return Record({k: f if isinstance(f, Field) else Field(f) for k, f in fields.items()})


#: What the deck and `present` read of a result document, and as what.
READ = _record(
    scenario=_record(
        id=TEXT,
        name=TEXT,
        year=Whole(),
        currency=TEXT,
        components=Field(ValuesOf(TEXT), required=False, null=True),
        language=Field(OneOf(("es", "en")), required=False, null=True),
        overrides=Field(Records(TEXT), required=False, null=True),
    ),
    totals=_record(
        budget=MONEY,
        spend=MONEY,
        youth_reached=COUNT,
        prioritized_coverage=SHARE,
    ),
    programmes=Records(
        _record(
            name=TEXT,
            department=TEXT,
            component=TEXT,
            spend=MONEY,
            cofunding=Field(ValuesOf(SHARE), required=False, null=True),
        )
    ),
    departments=Records(
        _record(
            id=TEXT,
            name=TEXT,
            budget=Field(MONEY, null=True),
            spend=MONEY,
            programmes_funded=Whole(),
            programmes_submitted=Whole(),
            goals_met=Whole(),
            goals_total=Whole(),
        )
    ),
    clusters=Records(_record(id=TEXT, name=TEXT, prioritized=Flag(), coverage=SHARE)),
    targets=Records(
        _record(
            id=TEXT,
            name=Field(TEXT, null=True),
            owner=TEXT,
            priority=Whole(low=1),
            met=Flag(),
        )
    ),
)


# --------------------------------------------------------------------------- checks
def result_problems(document: JsonDocument) -> list[Problem]:
    """Every problem of one result document for the deck: not a result, no allocation,
    or a field the deck reads missing or of the wrong kind."""
    doc = document.value
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        schema = doc.get("schema") if isinstance(doc, dict) else None
        message = (
            Text("deck.error.schema", schema=schema)
            if isinstance(schema, str)
            else Text("deck.error.no_schema")
        )
        where = "schema" if isinstance(doc, dict) and "schema" in doc else ""
        return [document.problem("schema", message, where)]
    status = doc.get("status")
    if not isinstance(status, str) or status not in (Status.OPTIMAL, Status.FEASIBLE):
        message = Text("deck.error.status", status=status)
        return [document.problem("status", message, "status" if "status" in doc else "")]
    return [document.problem(path, message, where) for path, message, where in _walk(READ, doc)]


Found = Iterator[tuple[str, Text, str]]  # (path, message, where to point)


def _walk(kind: Kind, value: Any, path: str = "", null: bool = False) -> Found:
    """The problems of `value` as a `kind` at `path` (`null`: null would have done)."""
    if isinstance(kind, Record):
        if not isinstance(value, dict):
            yield path, _wrong(kind, null), path
            return
        for key, field in kind.fields.items():
            here = f"{path}.{key}" if path else key
            if key not in value:
                if field.required:
                    yield here, Text("val.required"), path
            elif value[key] is not None or not field.null:
                yield from _walk(field.kind, value[key], here, field.null)
    elif isinstance(kind, Records):
        if not isinstance(value, list):
            yield path, _wrong(kind, null), path
            return
        for k, item in enumerate(value):
            yield from _walk(kind.item, item, f"{path}[{k}]")
    elif isinstance(kind, ValuesOf):
        if not isinstance(value, dict):
            yield path, _wrong(kind, null), path
            return
        for key, item in value.items():
            yield from _walk(kind.kind, item, f"{path}.{key}")
    else:
        message = _scalar(kind, value, null)
        if message is not None:
            yield path, message, path


#: What a value of each kind must be, said of a value of another type.
_PREDICATES: Mapping[type, str] = {
    Number: "val.be.number",
    Whole: "val.be.whole",
    Words: "val.be.text",
    Flag: "val.be.bool",
    Records: "val.be.list",
    Record: "val.be.mapping",
    ValuesOf: "val.be.mapping",
}


def _wrong(kind: Kind, null: bool = False) -> Text:
    """What a value of `kind` must be ("a number, or null" where null would do)."""
    if isinstance(kind, OneOf):
        what = Text("val.be.one_of", options=", ".join(kind.values), hint="")
    else:
        what = Text(_PREDICATES[type(kind)])
    return must_any([what, "null"]) if null else Text("val.must", what=what)


def _scalar(kind: Kind, value: Any, null: bool = False) -> Text | None:
    """Why `value` is not of the scalar `kind`, or None."""
    if isinstance(kind, Number):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return _wrong(kind, null)
        if not _finite(value):
            return must("val.be.finite")
        return _bounds(value, kind.low, kind.high)
    if isinstance(kind, Whole):
        if isinstance(value, bool) or not isinstance(value, int):
            return _wrong(kind, null)
        return _bounds(value, kind.low, None)
    if isinstance(kind, Words):
        return None if isinstance(value, str) else _wrong(kind, null)
    if isinstance(kind, Flag):
        return None if isinstance(value, bool) else _wrong(kind, null)
    if isinstance(kind, OneOf):
        return None if isinstance(value, str) and value in kind.values else _wrong(kind, null)
    return _wrong(kind, null)


def _finite(value: int | float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer too large for a float
        return False


def _bounds(value: float, low: float | None, high: float | None) -> Text | None:
    if low is not None and value < low:
        return must("val.be.ge", bound=Num(low, ""))
    if high is not None and value > high:
        return must("val.be.le", bound=Num(high, ""))
    return None
