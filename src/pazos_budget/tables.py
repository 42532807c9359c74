"""Scenario tables kept in CSV files that the YAML names, for scenarios too big to write by hand.

A scenario may say

    tables: {programmes: programmes.csv, clusters: clusters.csv}

(paths relative to the YAML file). Each table's rows are appended to the section's inline
list (if any), before validation, so a CSV row is validated exactly like a YAML item, and
every problem inside a row is reported at its cell: `programmes.csv:ROW:COL:
programmes[i].field: message`. ROW is the row as a spreadsheet shows it (the header is row
1; it is the line number unless a quoted cell spans lines), COL the 1-based column (A = 1).

Columns (docs/tables.md has the same reference with examples):
- programmes: id, name, department, component, unit, unit_cost, fixed_cost, min_units,
  max_units, integer, mandatory, clusters, youth_per_unit, min_units_per_cluster,
  max_units_per_cluster, current_units, max_change, notes; plus one `output:<metric>`
  column per metric (amount per unit; an empty cell = the programme does not produce it)
  and one `cofunding:<department>` column per co-funding department (its share; leave all
  of them empty for "the owner pays everything").
- clusters: id, name, youth_population, weight, prioritized, notes.
An empty cell means "not given" (the field's default applies). `clusters` is `all`, empty
(city-wide) or cluster ids separated by `;` or `|`. `youth_per_unit` and the
`*_per_cluster` columns take one number or `cluster:number` pairs separated by `;` or `|`.
Booleans are true/false, yes/no or 1/0.
Files are read as Excel writes them (sheets.py): UTF-8 (a byte-order mark is fine) or
Windows-1252, separated by `,` or, as Excel does in a Spanish locale, by `;` with decimal
commas (`1.234,5`); separator, decimal mark and encoding are detected, or declared in the
table's entry: `programmes: {file: programmes.csv, delimiter: ";", decimal: ",",
encoding: cp1252}`.

Cells are read as text (pandas, `dtype=str`) and converted here, so that a cell that is not
a number stays text and the scenario's own validation reports it at that cell.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, replace
from difflib import get_close_matches
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .display import CONTROL, control_problem
from .document import Document, Key, Reference
from .errors import Problem, ScenarioError
from .files import read_input_bytes
from .messages import Text, must, must_any
from .sheets import Dialect, decode_csv, parse_number, sniff

if TYPE_CHECKING:
    import pandas as pd

#: The mapping field of the `cofunding:<department>` columns.
COFUNDING_FIELD = "cofunding"
#: The key of a scenario file that names its CSV tables.
TABLES_KEY = "tables"
#: Largest CSV table read (the 1M-variable stress scenario's tables are about 5 MB).
MAX_TABLE_BYTES = 200 * 1024 * 1024
#: Problems reported per table before giving up (the loader caps the total again).
MAX_TABLE_PROBLEMS = 50
#: The keys of a table's entry written as a mapping (`{file: x.csv, delimiter: ";"}`).
ENTRY_KEYS = ("file", "delimiter", "decimal", "encoding")
#: Separators of the items of a list cell (`clusters`, a `youth_per_unit` map).
LIST_SEPARATORS = re.compile(r"[;|]")
#: Separator of a `cluster:number` pair in a per-cluster cell (`youth_per_unit`, ...).
PAIR_SEPARATOR = ":"
TRUE_WORDS = frozenset({"true", "yes", "1"})
FALSE_WORDS = frozenset({"false", "no", "0"})
_WHOLE = re.compile(r"[+-]?[0-9]+")


class Cell(Enum):
    """How a column's text becomes data."""

    TEXT = "text"
    NUMBER = "number"
    WHOLE = "whole number"
    BOOL = "boolean"
    CLUSTERS = "cluster list"
    PER_CLUSTER = "number or cluster map"


@dataclass(frozen=True)
class TableSchema:
    section: str  # the scenario section the rows are appended to
    columns: dict[str, Cell]
    prefixes: dict[str, str]  # column-name prefix -> mapping field (`output:` -> outputs)
    required: tuple[str, ...]


PROGRAMMES = TableSchema(
    section="programmes",
    columns={
        "id": Cell.TEXT,
        "name": Cell.TEXT,
        "department": Cell.TEXT,
        "component": Cell.TEXT,
        "unit": Cell.TEXT,
        "unit_cost": Cell.NUMBER,
        "fixed_cost": Cell.NUMBER,
        "min_units": Cell.NUMBER,
        "max_units": Cell.NUMBER,
        "integer": Cell.BOOL,
        "mandatory": Cell.BOOL,
        "clusters": Cell.CLUSTERS,
        "youth_per_unit": Cell.PER_CLUSTER,
        "min_units_per_cluster": Cell.PER_CLUSTER,
        "max_units_per_cluster": Cell.PER_CLUSTER,
        "current_units": Cell.NUMBER,
        "max_change": Cell.NUMBER,
        "notes": Cell.TEXT,
    },
    prefixes={"output:": "outputs", "cofunding:": COFUNDING_FIELD},
    required=("id", "name", "department", "component", "unit_cost"),
)

CLUSTERS = TableSchema(
    section="clusters",
    columns={
        "id": Cell.TEXT,
        "name": Cell.TEXT,
        "youth_population": Cell.WHOLE,
        "weight": Cell.NUMBER,
        "prioritized": Cell.BOOL,
        "notes": Cell.TEXT,
    },
    prefixes={},
    required=("id", "name", "youth_population"),
)

#: The tables a scenario may keep in CSV files, in the order they are read.
SCHEMAS: dict[str, TableSchema] = {s.section: s for s in (CLUSTERS, PROGRAMMES)}

ColumnKey = str | tuple[str, str]


IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class TableLocator:
    """Maps a data path inside the rows of one CSV table to (file, row, column)."""

    file: str
    section: str
    first: int  # index in data[section] of the table's first row
    rows: list[int]  # spreadsheet row of each record (the header is row 1)
    columns: dict[ColumnKey, int]  # field, or (mapping field, key), -> 1-based column

    def __call__(self, loc: Key) -> tuple[str, int, int] | None:
        if len(loc) < 2 or loc[0] != self.section or not isinstance(loc[1], int):
            return None
        k = loc[1] - self.first
        if not 0 <= k < len(self.rows):
            return None
        col = 1
        if len(loc) >= 4 and isinstance(loc[2], str) and isinstance(loc[3], str):
            col = self.columns.get((loc[2], loc[3]), self.columns.get(loc[2], col))
        elif len(loc) >= 3 and isinstance(loc[2], str):
            col = self.columns.get(loc[2], col)
        return self.file, self.rows[k], col


# --------------------------------------------------------------------------- the hook
def expand_tables(doc: Document, folder: Path) -> Document:
    """Append the rows of the CSV tables named under `tables:` to their sections (in a
    variant, keep them in `doc.table_rows`: once its base is read, each row changes the
    base's item of that id or adds a new one, variants.table_rows).

    `folder` is the YAML file's folder (table paths are relative to it). Problems with the
    `tables:` entry itself, unreadable files and bad headers raise ScenarioError; problems
    inside rows are left to validation, which `doc` now locates in the CSV files.
    """
    if not isinstance(doc.data, dict) or TABLES_KEY not in doc.data:
        return doc
    spec = doc.data.pop(TABLES_KEY)
    problems: list[Problem] = []
    if not isinstance(spec, dict):
        names = ", ".join(f"{s}: FILE.csv" for s in SCHEMAS)
        raise ScenarioError([doc.problem((TABLES_KEY,), must("val.be.tables", names=names))])
    for section in spec:
        if section not in SCHEMAS:
            close = get_close_matches(str(section), list(SCHEMAS), n=1, cutoff=0.6)
            hint = _hint(close, list(SCHEMAS))
            message = Text("val.table.unknown", name=section, hint=hint)
            problems.append(doc.problem((TABLES_KEY, section), message))
    for section, schema in SCHEMAS.items():
        if section not in spec:
            continue
        at: Key = (TABLES_KEY, section)
        entry = _entry(doc, at, spec[section], problems)
        if entry is None:
            continue
        name, declared = entry
        inline = doc.data.get(section)
        variant = "extends" in doc.data  # its rows add or change (variants.table_rows)
        if variant:
            inline = None
        if inline is not None and not isinstance(inline, list):
            message = must("val.be.list_with", table=f"{TABLES_KEY}.{section}")
            problems.append(doc.problem((section,), message))
            continue
        display = str(Path(doc.file).parent / name)
        try:
            text, digest, encoding = read_table_source(folder / name, display, declared.encoding)
            dialect = sniff(
                text,
                display,
                delimiter=declared.delimiter,
                decimal=declared.decimal,
                encoding=encoding,
            )
            # A variant's row may change one field: only the id is needed in every table.
            read_as = replace(schema, required=("id",)) if variant else schema
            records, locator = parse_table(text, display, read_as, len(inline or []), dialect)
        except ScenarioError as e:
            problems += e.problems
            continue
        if variant:
            doc.table_rows.append((section, records, locator))
        else:
            doc.data[section] = [*(inline or []), *records]
            doc.elsewhere.append(locator)
        for key, col in locator.columns.items():
            # A co-funding column names a department, even where its cells are empty.
            if isinstance(key, tuple) and key[0] == COFUNDING_FIELD:
                doc.references.append(Reference(display, 1, col, "departments", key[1]))
        doc.tables.append(folder / name)
        doc.digests[folder / name] = digest
        # A problem with the section as a whole (say, no rows at all) points at its table.
        doc.positions.setdefault((section,), doc.positions.get(at, (1, 1)))
    if problems:
        raise ScenarioError(problems)
    return doc


@dataclass(frozen=True)
class Declared:
    """What a table's entry says of its file (None: detected, sheets.sniff)."""

    delimiter: str | None = None
    decimal: str | None = None
    encoding: str | None = None


def _entry(
    doc: Document, at: Key, value: Any, problems: list[Problem]
) -> tuple[str, Declared] | None:
    """A table's entry: a file name, or `{file: NAME, delimiter:, decimal:, encoding:}`."""
    if isinstance(value, str) and value.strip():
        return value, Declared()
    if not isinstance(value, dict):
        problems.append(doc.problem(at, must("val.be.csv_name")))
        return None
    ok = True
    allowed = {"delimiter": (",", ";", "\t"), "decimal": (".", ",")}
    for key, given in value.items():  # in the file's order
        message = None
        if key not in ENTRY_KEYS:
            message = Text("val.table.unknown_key", key=key, names=", ".join(ENTRY_KEYS))
        elif key in allowed and given not in allowed[key]:
            message = must_any([repr(c) for c in allowed[key]], Text("val.sep.or_short"))
        elif key == "encoding" and not (isinstance(given, str) and given):
            message = must("val.be.encoding")
        if message is not None:
            problems.append(doc.problem((*at, key), message))
            ok = False
    name = value.get("file")
    if not isinstance(name, str) or not name.strip():
        where = (*at, "file") if "file" in value else at
        problems.append(doc.problem(where, must("val.be.csv_name")))
        ok = False
    if not ok:
        return None
    assert isinstance(name, str)
    return name, Declared(value.get("delimiter"), value.get("decimal"), value.get("encoding"))


# --------------------------------------------------------------------------- reading
def read_table_text(path: Path, display: str, missing: str | None = None) -> str:
    """The CSV file's text, or a ScenarioError saying precisely why it cannot be read."""
    return read_table_source(path, display, missing=missing)[0]


def read_table_source(
    path: Path, display: str, encoding: str | None = None, missing: str | None = None
) -> tuple[str, str, str]:
    """The CSV file's text, the sha256 of the bytes it was decoded from (read once) and
    the encoding it was read in (sheets.decode_csv), or a ScenarioError saying precisely
    why it cannot be read (`missing`: what a missing file is told; by default, that table
    paths are relative to the scenario file)."""
    raw = read_input_bytes(
        path,
        display,
        what="CSV",
        text="CSV",
        limit=MAX_TABLE_BYTES,
        missing=missing if missing is not None else Text("val.table.missing"),
    )
    text, used = decode_csv(raw, display, encoding)
    return text, hashlib.sha256(raw).hexdigest(), used


def _read_frame(text: str, display: str, dialect: Dialect) -> pd.DataFrame:
    """The CSV text as a frame of text cells, the header as its first row; a located
    ScenarioError if it does not parse."""
    import pandas as pd  # only scenarios with tables pay for importing pandas

    def fail(message: str, line: int = 0, col: int = 0) -> ScenarioError:
        return ScenarioError([Problem(display, line, col, "", message)])

    try:
        return pd.read_csv(
            io.StringIO(text),
            sep=dialect.delimiter,
            header=None,  # the header is read as a row, so duplicate names are not renamed
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,  # keeps row numbers equal to the spreadsheet's
        )
    except pd.errors.ParserError as e:
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(e))
        if found:
            expected, line, saw = map(int, found.groups())
            message = Text("val.table.row_cells", saw=saw, expected=expected)
            raise fail(message, line, expected + 1) from e
        raise _tokenizer_problem(text, display, str(e), dialect.delimiter) from e
    except (ValueError, csv.Error) as e:
        raise _tokenizer_problem(text, display, str(e), dialect.delimiter) from e


def parse_table(
    text: str, display: str, schema: TableSchema, first: int, dialect: Dialect | None = None
) -> tuple[list[dict[str, Any]], TableLocator]:
    """CSV text to one plain-data record per row, and where each cell came from."""
    dialect = dialect or sniff(text, display)
    frame = _read_frame(text, display, dialect)

    header = [str(h).strip() for h in frame.iloc[0]]
    body = [frame[j].to_numpy(dtype=object)[1:] for j in frame.columns]
    columns, problems = _read_header(header, body, schema, display)
    if problems:
        raise ScenarioError(problems[:MAX_TABLE_PROBLEMS])

    # Work only on the non-empty cells: output and cofunding columns are mostly empty, and
    # a national table has over a million cells.
    present = np.zeros(len(frame) - 1, dtype=bool)
    filled: dict[ColumnKey, tuple[IntArray, list[str]]] = {}
    for key, j in columns.items():
        index = np.flatnonzero(body[j] != "")
        texts = [str(t).strip() for t in body[j][index]]
        if not all(texts):  # cells of blanks only are empty too
            index = index[[bool(t) for t in texts]]
            texts = [t for t in texts if t]
        present[index] = True
        filled[key] = (index, texts)
    # Blank rows (every cell empty) are skipped; row numbers keep counting them.
    kept = np.flatnonzero(present)
    record_of = np.full(len(present), -1, dtype=np.int64)
    record_of[kept] = np.arange(len(kept))
    rows = (kept + 2).tolist()  # the header is row 1

    records: list[dict[str, Any]] = [{} for _ in rows]
    for key, (index, texts) in filled.items():
        values = _convert(texts, _cell_kind(key, schema), dialect.decimal)
        owners = record_of[index].tolist()
        if isinstance(key, tuple):
            field, name = key
            for k, value in zip(owners, values, strict=True):
                records[k].setdefault(field, {})[name] = value
        else:
            for k, value in zip(owners, values, strict=True):
                records[k][key] = value
    # The locator speaks in 1-based columns; a mapping field alone points at its first column.
    located: dict[ColumnKey, int] = {}
    for key, j in sorted(columns.items(), key=lambda kv: kv[1]):
        located[key] = j + 1
        if isinstance(key, tuple):
            located.setdefault(key[0], j + 1)
    locator = TableLocator(display, schema.section, first, rows, located)
    if _may_hold_controls(text):
        problems = _control_problems(records, locator)
        if problems:
            raise ScenarioError(problems[:MAX_TABLE_PROBLEMS])
    return records, locator


#: A control character the CSV format itself never uses (a line break may sit in a quoted
#: cell, so a table with quotes is looked at cell by cell).
_CONTROL_BUT_NEWLINES = re.compile(
    CONTROL.pattern.replace("\x00-\x1f", "\x00-\x09\x0b\x0c\x0e-\x1f")
)


def _may_hold_controls(text: str) -> bool:
    """Whether any cell might hold a control character: a fast look at the whole text
    spares a national table's million cells the check cell by cell."""
    return '"' in text or _CONTROL_BUT_NEWLINES.search(text) is not None


def _control_problems(records: list[dict[str, Any]], locator: TableLocator) -> list[Problem]:
    """Cells (and header keys) holding control characters, at their cells: refused,
    because names are printed on terminals and in workbooks (display.py)."""
    problems: list[Problem] = []

    def check(text: str, loc: Key, field: object) -> None:
        bad = control_problem(text, field)
        if bad is not None and len(problems) < MAX_TABLE_PROBLEMS:
            file, line, col = locator(loc) or (locator.file, 0, 0)
            problems.append(Problem(file, line, col, _dotted(loc), bad))

    section = locator.section
    for k, record in enumerate(records):
        for name, value in record.items():
            loc: Key = (section, locator.first + k, name)
            if isinstance(value, str):
                check(value, loc, name)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, str):
                        check(item, loc, name)
            elif isinstance(value, dict):
                for key in value:
                    check(str(key), (*loc, str(key)), None)
    return problems


def _dotted(loc: Key) -> str:
    head, index, *rest = loc
    return f"{head}[{index}]" + "".join(f".{part}" for part in rest)


def _tokenizer_problem(text: str, display: str, detail: str, delimiter: str) -> ScenarioError:
    """A CSV file the tokenizer cannot read, located at the row (and cell) where the
    trouble starts: pandas names the data row where an open quote started, Python's csv
    module the line where it gave up."""
    line, col = 0, 0
    # The tokenizer's own (English) words follow the colon.
    message = Text("val.table.invalid", detail=detail)
    started = re.search(r"EOF inside string starting at row (\d+)", detail)
    if started:
        line = int(started.group(1)) + 1  # pandas counts rows from 0; the header is row 1
        message = Text("val.table.open_quote")
    else:
        reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
        try:
            for _ in reader:
                pass
        except csv.Error as e:
            line = reader.line_num
            message = Text("val.table.invalid", detail=str(e))
    if line:
        lines = text.split("\n")
        row = lines[line - 1] if line - 1 < len(lines) else ""
        quote = row.find('"')
        col = row.count(delimiter, 0, quote) + 1 if quote >= 0 else 1
    return ScenarioError([Problem(display, line, col, "", message)])


def _read_header(
    header: list[str], body: list[Any], schema: TableSchema, display: str
) -> tuple[dict[ColumnKey, int], list[Problem]]:
    """Column name -> position (0-based), checking names, duplicates and required ones."""
    problems: list[Problem] = []
    columns: dict[ColumnKey, int] = {}
    seen: dict[str, int] = {}

    def problem(col: int, message: str) -> None:
        problems.append(Problem(display, 1, col, "", message))

    for j, name in enumerate(header):
        if not name:
            # Spreadsheets often export trailing empty columns: ignore an empty one.
            if any(str(t).strip() for t in body[j]):
                problem(j + 1, Text("val.table.unnamed", n=j + 1))
            continue
        if name in seen:
            problem(j + 1, Text("val.table.column_twice", name=name, n=seen[name] + 1))
            continue
        seen[name] = j
        if name in schema.columns:
            columns[name] = j
            continue
        prefix = next((p for p in schema.prefixes if name.startswith(p)), None)
        if prefix is not None:
            key = name[len(prefix) :].strip()
            if not key:
                problem(j + 1, Text("val.table.prefix_name", name=name, prefix=prefix))
            else:
                columns[(schema.prefixes[prefix], key)] = j
            continue
        known = [*schema.columns, *(f"{p}<name>" for p in schema.prefixes)]
        head, colon, rest = name.partition(":")
        if colon:  # a misspelt prefix: suggest the whole corrected name
            close = get_close_matches(head + colon, list(schema.prefixes), n=1, cutoff=0.6)
            close = [close[0] + rest] if close else []
        else:
            close = get_close_matches(name, list(schema.columns), n=1, cutoff=0.6)
        problem(j + 1, Text("val.table.unknown_column", name=name, hint=_hint(close, known)))
    missing = [c for c in schema.required if c not in columns]
    if missing:
        number = "one" if len(missing) == 1 else "other"
        problem(1, Text(f"val.table.missing_columns.{number}", names=", ".join(missing)))
    return columns, sorted(problems)


def _hint(close: list[str], known: list[str]) -> Text:
    """ "; did you mean 'x'?" for a close name, else the names allowed."""
    if close:
        return Text("val.hint.mean", name=close[0])
    return Text("val.hint.allowed", names=", ".join(known))


def _cell_kind(key: ColumnKey, schema: TableSchema) -> Cell:
    return Cell.NUMBER if isinstance(key, tuple) else schema.columns[key]


def _convert(texts: list[str], kind: Cell, decimal: str = ".") -> list[Any]:
    """Non-empty stripped cells of one column -> values; a cell that does not convert stays
    text, so that validation reports it at its cell."""
    if kind == Cell.NUMBER:
        return [_number(t, decimal) for t in texts]
    if kind == Cell.WHOLE:
        return [int(t) if _WHOLE.fullmatch(t) else _number(t, decimal) for t in texts]
    if kind == Cell.TEXT:
        return texts
    if kind == Cell.BOOL:
        return [_bool(t) for t in texts]
    if kind == Cell.CLUSTERS:
        return [_clusters(t) for t in texts]
    return [_per_cluster(t, decimal) for t in texts]


def _bool(text: str) -> Any:
    low = text.lower()
    if low in TRUE_WORDS:
        return True
    if low in FALSE_WORDS:
        return False
    return text


def _clusters(text: str) -> Any:
    if text == "all":
        return text
    return [part.strip() for part in LIST_SEPARATORS.split(text)]


def _number(text: str, decimal: str = ".") -> float | str:
    """A number, or the text itself (validation then says "must be a number" at its cell).
    NaN is kept as text too, so that it reads as "not a number" rather than a float. With
    a decimal comma, `1.234,5` is 1234.5 (sheets.parse_number)."""
    if decimal == ",":
        found = parse_number(text, decimal)
        return text if found is None else found
    try:
        value = float(text)
    except ValueError:
        found = parse_number(text, decimal)  # grouped: "1,234.5" (a quoted cell)
        return text if found is None else found
    return text if value != value else value


def _per_cluster(text: str, decimal: str = ".") -> Any:
    if PAIR_SEPARATOR not in text:
        return _number(text, decimal)
    out: dict[str, Any] = {}
    for part in LIST_SEPARATORS.split(text):
        cid, sep, value = part.partition(PAIR_SEPARATOR)
        if not sep:
            return text  # not a map after all: validation reports the cell
        out[cid.strip()] = _number(value.strip(), decimal)
    return out
