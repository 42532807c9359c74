"""A JSON file read with the line and column of every value, so that a problem deep inside
it can be pointed at (`FILE:LINE:COL: totals.spend: ...`).

Values are found by their path, spelled as the problems spell it: "" is the document,
`totals.spend` a key of a key, `programmes[2].spend` a key of a list's item. The GeoJSON
outlines of `present --map` (`outlines`), the result files `present` draws from
(`result_file`) and the adopted plan of `review` are read with it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import Problem, ScenarioError
from .files import STDIN
from .messages import Text

Positions = dict[str, tuple[int, int]]

_DECODER = json.JSONDecoder()
_WS = " \t\n\r"


def _skip(text: str, i: int) -> int:
    while i < len(text) and text[i] in _WS:
        i += 1
    return i


def _parse(text: str, i: int, path: str, at: Positions) -> tuple[Any, int]:
    """The JSON value at `i` and where it ends, noting where each value starts."""
    i = _skip(text, i)
    at[path] = (text.count("\n", 0, i) + 1, i - (text.rfind("\n", 0, i) + 1) + 1)
    if i < len(text) and text[i] == "[":
        items: list[Any] = []
        i = _skip(text, i + 1)
        if i < len(text) and text[i] == "]":
            return items, i + 1
        while True:
            value, i = _parse(text, i, f"{path}[{len(items)}]", at)
            items.append(value)
            i = _skip(text, i)
            if i < len(text) and text[i] == ",":
                i += 1
                continue
            if i < len(text) and text[i] == "]":
                return items, i + 1
            raise json.JSONDecodeError("Expecting ',' delimiter", text, i)
    if i < len(text) and text[i] == "{":
        obj: dict[str, Any] = {}
        i = _skip(text, i + 1)
        if i < len(text) and text[i] == "}":
            return obj, i + 1
        while True:
            i = _skip(text, i)
            if i >= len(text) or text[i] != '"':
                # the words of the standard reader (json.loads) for the same text
                raise json.JSONDecodeError(
                    "Expecting property name enclosed in double quotes", text, i
                )
            key, i = _DECODER.raw_decode(text, i)
            i = _skip(text, i)
            if i >= len(text) or text[i] != ":":
                raise json.JSONDecodeError("Expecting ':' delimiter", text, i)
            value, i = _parse(text, i + 1, f"{path}.{key}" if path else key, at)
            obj[key] = value
            i = _skip(text, i)
            if i < len(text) and text[i] == ",":
                i += 1
                continue
            if i < len(text) and text[i] == "}":
                return obj, i + 1
            raise json.JSONDecodeError("Expecting ',' delimiter", text, i)
    return _DECODER.raw_decode(text, i)


def read_json(path: Path) -> tuple[Any, Positions]:
    """A JSON file and the (line, column) of each value by its path ("" the document)."""
    try:
        # "-" is the standard input, as wherever a file is read (files.read_input_bytes)
        text = (STDIN if str(path) == "-" else path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        raise ScenarioError(
            [Problem(str(path), 0, 0, "", Text("val.outlines.unreadable", reason=reason))]
        ) from e
    return parse_json(text, str(path))


def parse_json(text: str, file: str) -> tuple[Any, Positions]:
    """`read_json` of text already read (`file` names it in the problems)."""
    at: Positions = {}
    try:
        doc, end = _parse(text, 0, "", at)
        if _skip(text, end) != len(text):
            raise json.JSONDecodeError("Extra data", text, _skip(text, end))
    except json.JSONDecodeError as e:
        problem = Problem(file, e.lineno, e.colno, "", Text("val.plan.json", detail=e.msg))
        raise ScenarioError([problem]) from None
    except RecursionError:
        raise ScenarioError([Problem(file, 0, 0, "", Text("val.outlines.too_deep"))]) from None
    return doc, at


@dataclass(frozen=True)
class JsonDocument:
    """A JSON file's value and where each of its values starts."""

    file: str
    value: Any
    at: Positions

    def problem(self, path: str, message: str, where: str | None = None) -> Problem:
        """A problem of the value at `path`, located at `where` (default: `path` itself;
        for a missing key, the object that lacks it)."""
        line, col = self.at.get(path if where is None else where, (0, 0))
        return Problem(self.file, line, col, path, message)


def read_document(path: Path) -> JsonDocument:
    """`read_json` as a `JsonDocument` (an unreadable or invalid file: ScenarioError)."""
    value, at = read_json(path)
    return JsonDocument(str(path), value, at)
