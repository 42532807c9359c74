"""Reading spreadsheets a person filled in: .xlsx workbooks and CSV tables, safely, with
the location of every cell; and writing cells that stay text.

Everything read here may come from outside the planning office (a department's form, an
execution report), so nothing in it is trusted:

- **.xlsx** (`read_workbook`): read once with a size limit; refused with a clear message
  when it is a macro workbook (.xlsm, or a `vbaProject.bin` inside), links to other
  workbooks (external links) or holds data connections, is encrypted (a password to open)
  or an old .xls, is not a zip file, or unpacks to more than `MAX_UNPACKED_BYTES`. Its XML
  is parsed by openpyxl through defusedxml (entity declarations refused). Each cell gives
  the value the spreadsheet program saved (the cached value): formulas are never
  evaluated, and a formula saved without a value is an error at its cell when the cell is
  read. A sheet with a value beyond `max_rows` rows or `max_columns` columns is refused.
- **CSV** (`read_csv`): UTF-8 (a byte-order mark is fine) or, as Excel's plain "CSV" writes
  it on a Spanish Windows, Windows-1252; separated by `,`, `;` or tabs; decimal point or
  decimal comma (`1.234,5`). Separator and decimal mark are detected from the file (or
  given); the encoding too (or given, then a bad byte is located at its row and cell).

Both give a `Table`: rows of `Cell`s, each with its value and where it is
(`FORM.xlsx:Programas!C7`, `execution.csv:12:3`); `Cell.problem` makes the located
`Problem` for a message about it, and `Cell.number` / `Cell.text` read a value or raise a
located `CellError` (a `ScenarioError`, so exit code 2 on the command line).

The small API:
    read_workbook(path, display) -> Book       Book.sheets: sheet name -> Table; Book.sha256
    read_csv(path, display, dialect=...) -> Table
    read_table(path, display) -> list[Table]   by suffix: .csv one table, .xlsx its sheets
    read_small_table(path, display) -> Table   a CSV file or a workbook's first sheet,
                                               problem cells refused at once (territories,
                                               departments, votes)
    Table.cell(row, column) -> Cell            1-based, an empty Cell outside the data
    Cell.value / .where / .number() / .text() / .problem(path, message) / .origin
    decode_csv(raw, display, encoding) -> (text, encoding)   sniff(text) -> Dialect
    parse_number(text, decimal) -> float | None
    plain_number(text, decimal) -> str | None  the number as Python reads it: '1234.5'
    put(ws, row, col, value)                   writing: a string is always text
    csv_safe(text)                             a CSV cell no spreadsheet runs as a formula
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
import warnings
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from .display import control_problem
from .errors import Problem, ScenarioError
from .figures import clean_figure
from .files import read_input_bytes
from .messages import Num, Text

#: Largest .xlsx read (a department's form is a few tens of kilobytes).
MAX_WORKBOOK_BYTES = 20 * 1024 * 1024
#: Largest total of the files inside an .xlsx (guards against a "zip bomb").
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
#: Most files inside an .xlsx.
MAX_PARTS = 5_000
#: Default limits on one sheet: a value beyond them refuses the sheet.
MAX_ROWS = 10_000
MAX_COLUMNS = 500
#: Largest CSV table read here (tables.py has its own, larger, limit for national tables).
MAX_CSV_BYTES = 50 * 1024 * 1024
#: Workbook kinds refused by name, with the reason.
#: (the catalogue message of each: `val.book.<suffix>`)
REFUSED_SUFFIXES = frozenset({".xlsm", ".xltm", ".xlam", ".xlsb", ".xls", ".ods"})
#: Encodings tried, in order, for a CSV file whose encoding is not given.
CSV_ENCODINGS = ("utf-8", "cp1252")
DELIMITERS = (",", ";", "\t")
#: A string starting with one of these could be read as a formula by a spreadsheet.
FORMULA_START = ("=", "+", "-", "@")
MAX_CELL_TEXT = 32_767
#: Characters an .xlsx cannot hold (control characters other than tab, LF, CR).
ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_MACRO_PARTS = re.compile(r"(^|/)vbaProject\.bin$|(^|/)vbaData\.xml$", re.IGNORECASE)
_EXTERNAL_LINKS = re.compile(r"^xl/externalLinks/", re.IGNORECASE)
_CONNECTIONS = re.compile(r"^xl/(connections\.xml|queryTables/)", re.IGNORECASE)
_SHEET_PART = re.compile(r"^xl/worksheets/[^/]+\.xml$", re.IGNORECASE)

Value = str | float | int | bool | datetime | date | time | None


class CellError(ScenarioError):
    """A cell whose value cannot be read as asked (one located problem)."""


def column_letter(column: int) -> str:
    """1 -> 'A', 27 -> 'AA'."""
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell as read: its value and where it is (`sheet` is None in a CSV file)."""

    value: Value
    file: str
    row: int  # 1-based, as the spreadsheet shows it
    column: int  # 1-based (A = 1)
    sheet: str | None = None
    formula: str | None = None  # the formula whose saved value `value` is
    error: str | None = None  # why the cell has no usable value (a formula never saved)

    @property
    def where(self) -> str:
        """`FORM.xlsx:Programas!C7` or `execution.csv:12:3`."""
        if self.sheet is None:
            return f"{self.file}:{self.row}:{self.column}"
        return f"{self.file}:{self.sheet}!{column_letter(self.column)}{self.row}"

    @property
    def origin(self) -> tuple[str, int, int]:
        """(file, line, column) as the loader's locators give positions: a workbook cell
        is its whole location string with no line, so that a `Problem` prints as
        `FORM.xlsx:SHEET!CELL: path: message`."""
        if self.sheet is None:
            return (self.file, self.row, self.column)
        return (self.where, 0, 0)

    def problem(self, path: str, message: str) -> Problem:
        file, line, column = self.origin
        return Problem(file, line, column, path, message)

    def fail(self, path: str, message: str) -> CellError:
        return CellError([self.problem(path, message)])

    @property
    def empty(self) -> bool:
        if self.error is not None:
            return False
        return self.value is None or (isinstance(self.value, str) and not self.value.strip())

    def text(self, path: str = "") -> str:
        """The cell as text, stripped ('' when empty); a whole number reads `12`."""
        if self.error is not None:
            raise self.fail(path, self.error)
        value = self.value
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value).strip()

    def number(self, path: str = "", decimal: str = ".") -> float | None:
        """The cell as a number (None when empty), or a located CellError. A text cell
        of a CSV file is read with its decimal mark; in a workbook a number typed as text
        is refused (Excel shows it with a green triangle), since it may not be what the
        person sees."""
        if self.error is not None:
            raise self.fail(path, self.error)
        value = self.value
        if self.empty:
            return None
        if isinstance(value, bool):
            raise self.fail(path, Text("val.cell.bool", value="TRUE" if value else "FALSE"))
        if isinstance(value, int | float):
            if not math.isfinite(value):
                raise self.fail(path, Text("val.cell.finite"))
            return float(value)
        if isinstance(value, datetime | date | time):
            raise self.fail(path, Text("val.cell.date", value=str(value)))
        text = str(value).strip()
        if self.sheet is None:
            found = parse_number(text, decimal)
            if found is not None:
                return found
            other = plain_number(text, "," if decimal == "." else ".")
            if other is not None and decimal == ".":
                # '94,08' in a file read with a decimal point (a comma-separated one, as
                # Google Sheets or a Spanish LibreOffice writes it): say how it would read.
                raise self.fail(path, Text("val.cell.got_comma", text=text, plain=other))
            if other is not None:
                # '6.5' among decimal commas ('94,08'): the file's own mark, as it reads.
                plain = other.replace(".", ",")
                raise self.fail(path, Text("val.cell.got_point", text=text, plain=plain))
            raise self.fail(path, Text("val.cell.got", text=text))
        raise self.fail(path, Text("val.cell.text", text=text))


@dataclass(frozen=True)
class Table:
    """The cells of one sheet (or CSV file): `rows[k]` is spreadsheet row k + 1, and
    `rows[k][j]` its column j + 1 (a row is as long as its last cell with a value)."""

    file: str
    sheet: str | None
    rows: list[list[Cell]]
    dialect: Dialect | None = None  # how a CSV file was read
    sha256: str = ""  # of the bytes read (a workbook's: the whole file's)

    @property
    def decimal(self) -> str:
        """The decimal mark of the table's text numbers ('.' in a workbook)."""
        return self.dialect.decimal if self.dialect is not None else "."

    def label(self, row: int) -> str:
        """How a comment names a row: `12` (CSV) or `Territorios!12` (workbook)."""
        return str(row) if self.sheet is None else f"{self.sheet}!{row}"

    def cell(self, row: int, column: int) -> Cell:
        """The cell at (row, column), 1-based; an empty one outside the data."""
        if 1 <= row <= len(self.rows) and 1 <= column <= len(self.rows[row - 1]):
            return self.rows[row - 1][column - 1]
        return Cell(None, self.file, row, column, self.sheet)

    @property
    def name(self) -> str:
        """How messages name the table: `FORM.xlsx:Programas` or `execution.csv`."""
        return self.file if self.sheet is None else f"{self.file}:{self.sheet}"

    def errors(self) -> list[Problem]:
        """A problem for every cell that has no usable value (formulas never saved)."""
        return [c.problem("", c.error) for row in self.rows for c in row if c.error]


@dataclass(frozen=True)
class Book:
    """The worksheets of one workbook, in their order."""

    file: str
    sheets: dict[str, Table] = field(default_factory=dict)
    sha256: str = ""  # of the bytes read (the file is read once)


# --------------------------------------------------------------------------- .xlsx
def read_workbook(
    path: Path,
    display: str | None = None,
    *,
    max_rows: int = MAX_ROWS,
    max_columns: int = MAX_COLUMNS,
) -> Book:
    """Every worksheet of an .xlsx as a `Table`, or a ScenarioError saying why not.

    `display` is how messages name the file (default: the path as given)."""
    name = display or str(path)

    def fail(message: str) -> ScenarioError:
        return ScenarioError([Problem(name, 0, 0, "", message)])

    suffix = Path(path).suffix.lower()
    if suffix in REFUSED_SUFFIXES:
        raise fail(Text(f"val.book.{suffix[1:]}"))
    raw = read_input_bytes(
        Path(path),
        name,
        what=Text("val.what.workbook"),
        text="workbook",
        limit=MAX_WORKBOOK_BYTES,
        missing=Text("val.file.missing"),
        binary=True,
    )
    _check_package(raw, fail)
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    if not openpyxl.DEFUSEDXML:  # OPENPYXL_DEFUSEDXML=False in the environment
        raise fail(Text("val.book.defusedxml"))
    from defusedxml import DefusedXmlException

    try:
        with warnings.catch_warnings():
            # openpyxl warns about parts it does not keep (extensions of data validation,
            # conditional formats); reading the values does not need them.
            warnings.simplefilter("ignore")
            formulas = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
            values = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
            sheets: dict[str, Table] = {}
            for title in values.sheetnames:
                ws_v = values[title]
                if not hasattr(ws_v, "iter_rows"):  # a chart sheet has no cells
                    continue
                sheets[title] = _read_sheet(
                    name, title, formulas[title], ws_v, max_rows, max_columns
                )
    except ScenarioError:
        raise
    except Exception as e:
        # openpyxl wraps what went wrong in a part (a ValueError "Unable to read workbook"):
        # name the cause, on one line.
        causes = _chain(e)
        if any(isinstance(c, DefusedXmlException) for c in causes):
            raise fail(Text("val.book.entities")) from e
        known = (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError)
        xml = ("ParseError", "XMLSyntaxError", "ExpatError")
        if any(type(c).__name__ in xml for c in causes):
            raise fail(Text("val.book.damaged_xml")) from e
        if isinstance(e, known):
            detail = (str(e).strip().splitlines() or [type(e).__name__])[0]
            raise fail(Text("val.book.unreadable", detail=detail)) from e
        raise
    return Book(name, sheets, hashlib.sha256(raw).hexdigest())


def _chain(e: BaseException) -> list[BaseException]:
    """The exception and the ones it was raised from or during."""
    seen: list[BaseException] = []
    current: BaseException | None = e
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _check_package(raw: bytes, fail: Any) -> None:
    """Refuse what is not a plain .xlsx before any XML is parsed."""
    if raw.startswith(_OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in raw:
            raise fail(Text("val.book.encrypted"))
        raise fail(Text("val.book.xls"))
    if not raw.startswith(_ZIP_MAGIC):
        raise fail(Text("val.book.not_zip"))
    try:
        package = zipfile.ZipFile(io.BytesIO(raw))
        parts = package.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as e:
        raise fail(Text("val.book.damaged_zip", detail=str(e))) from e
    if len(parts) > MAX_PARTS:
        raise fail(Text("val.book.parts", limit=Num(MAX_PARTS, ",")))
    if any(p.flag_bits & 0x1 for p in parts):
        raise fail(Text("val.book.parts_encrypted"))
    unpacked = sum(p.file_size for p in parts)
    if unpacked > MAX_UNPACKED_BYTES:
        raise fail(
            Text(
                "val.book.unpacks",
                size=Num(unpacked, ","),
                limit=Num(MAX_UNPACKED_BYTES, ","),
            )
        )
    names = [p.filename for p in parts]
    content_types = ""
    if "[Content_Types].xml" in names:
        content_types = package.read("[Content_Types].xml")[:1_000_000].decode("utf-8", "replace")
    if any(_MACRO_PARTS.search(n) for n in names) or "macroEnabled" in content_types:
        raise fail(Text("val.book.macros"))
    if any(_EXTERNAL_LINKS.search(n) for n in names):
        raise fail(Text("val.book.links"))
    if any(_CONNECTIONS.search(n) for n in names):
        raise fail(Text("val.book.connections"))


def _read_sheet(
    file: str, title: str, ws_f: Any, ws_v: Any, max_rows: int, max_columns: int
) -> Table:
    def too_large(what: str) -> ScenarioError:
        message = Text("val.book.sheet_too_large", what=what)
        return ScenarioError([Problem(f"{file}:{title}", 0, 0, "", message)])

    # The dimension a file states may be wrong: read every row the sheet really has.
    ws_f.reset_dimensions()
    ws_v.reset_dimensions()
    rows: list[list[Cell]] = []
    for r, (row_f, row_v) in enumerate(_zip_rows(ws_f.iter_rows(), ws_v.iter_rows()), 1):
        cells: list[Cell] = []
        for c, (cf, cv) in enumerate(zip(row_f, row_v, strict=False), 1):
            value = cv.value
            formula = None
            error = None
            if getattr(cf, "data_type", None) == "f":
                formula = str(cf.value)
                if value is None:
                    error = Text("val.cell.formula", formula=formula)
            elif getattr(cv, "data_type", None) == "e":
                error = Text("val.cell.error", value=str(value))
                value = None
            if value is None and formula is None and error is None:
                cells.append(Cell(None, file, r, c, title))
                continue
            if r > max_rows:
                raise too_large(Text("val.book.rows", row=Num(r, ","), limit=Num(max_rows, ",")))
            if c > max_columns:
                raise too_large(
                    Text("val.book.columns", column=column_letter(c), limit=Num(max_columns, ","))
                )
            cells.append(Cell(value, file, r, c, title, formula, error))
        while cells and cells[-1].value is None and cells[-1].error is None:
            cells.pop()
        rows.append(cells)
    while rows and not rows[-1]:
        rows.pop()
    return Table(file, title, rows)


def _zip_rows(a: Iterator[Sequence[Any]], b: Iterator[Sequence[Any]]) -> Iterator[tuple[Any, Any]]:
    """The rows of the formula view and of the value view side by side (the same XML
    read twice, so they have the same rows; padded to the longer of each pair)."""
    for row_a, row_b in zip(a, b, strict=False):
        n = max(len(row_a), len(row_b))
        yield _pad(row_a, n), _pad(row_b, n)


class _Blank:
    value = None
    data_type = "n"


def _pad(row: Sequence[Any], n: int) -> list[Any]:
    return [*row, *([_Blank()] * (n - len(row)))]


# --------------------------------------------------------------------------- CSV
@dataclass(frozen=True)
class Dialect:
    """How a CSV file is written: its separator, decimal mark and encoding."""

    delimiter: str = ","
    decimal: str = "."
    encoding: str = "utf-8"


def read_csv(
    path: Path,
    display: str | None = None,
    *,
    delimiter: str | None = None,
    decimal: str | None = None,
    encoding: str | None = None,
    limit: int = MAX_CSV_BYTES,
) -> Table:
    """A CSV file as a `Table` of text cells (each `Cell.number` reads it with the file's
    decimal mark). What is not given is detected (`decode_csv`, `sniff`)."""
    name = display or str(path)
    raw = read_input_bytes(
        Path(path),
        name,
        what="CSV",
        text="CSV",
        limit=limit,
        missing=Text("val.file.missing"),
    )
    text, used = decode_csv(raw, name, encoding)
    dialect = sniff(text, name, delimiter=delimiter, decimal=decimal, encoding=used)
    digest = hashlib.sha256(raw).hexdigest()
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=dialect.delimiter, strict=True)
    rows: list[list[Cell]] = []
    try:
        for r, record in enumerate(reader, 1):
            rows.append([Cell(v, name, r, c) for c, v in enumerate(record, 1)])
    except csv.Error as e:
        raise ScenarioError(
            [Problem(name, reader.line_num, 1, "", Text("val.table.invalid", detail=str(e)))]
        ) from e
    return Table(name, None, rows, dialect, digest)


def decode_csv(raw: bytes, display: str, encoding: str | None = None) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was read in.

    Without `encoding`: UTF-8 (with or without a byte-order mark), else Windows-1252
    (what Excel's plain "CSV" writes on a Spanish Windows). With it, a byte that does not
    decode is reported at its row and cell."""
    tries = (encoding,) if encoding else CSV_ENCODINGS
    last: UnicodeDecodeError | None = None
    for name in tries:
        try:
            text = raw.decode("utf-8-sig" if name.lower().replace("_", "-") == "utf-8" else name)
        except LookupError as e:
            message = Text("val.csv.encoding_unknown", name=name)
            raise ScenarioError([Problem(display, 0, 0, "", message)]) from e
        except UnicodeDecodeError as e:
            last = e  # with no encoding given, the byte Windows-1252 cannot read either
            continue
        text = text.removeprefix("\ufeff")
        if not text.strip():
            raise ScenarioError([Problem(display, 0, 0, "", Text("val.csv.empty"))])
        return text, name
    assert last is not None
    bad = last
    line_start = raw.rfind(b"\n", 0, bad.start) + 1
    line = raw.count(b"\n", 0, bad.start) + 1
    # The cell holding the bad byte: count the cells before it on its line.
    before = raw[line_start : bad.start].decode("utf-8", errors="replace")
    header = raw.split(b"\n", 1)[0]
    delimiter = max(DELIMITERS, key=lambda d: header.count(d.encode()))
    col = len(next(csv.reader([before], delimiter=delimiter), [""]))
    label = "UTF-8" if (encoding or "").lower().replace("_", "-") in ("utf-8", "utf8") else encoding
    what = Text("val.csv.not_valid", label=label) if encoding else Text("val.csv.neither")
    message = Text("val.csv.bad_byte", what=what, byte=f"0x{raw[bad.start]:02x}")
    raise ScenarioError([Problem(display, line, col, "", message)]) from bad


#: A number as a person writes it with a decimal point / a decimal comma, grouped or not.
_PLAIN = {
    ".": re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"),
    ",": re.compile(r"[+-]?(?:\d+(?:,\d*)?|,\d+)(?:[eE][+-]?\d+)?"),
}
_GROUPED = {
    ".": re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?"),
    ",": re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?"),
}


def parse_number(text: str, decimal: str = ".") -> float | None:
    """'1.234,5' (decimal ',') or '1,234.5' (decimal '.') -> 1234.5; None when the text
    is not a number written that way (a grouping mark is accepted only in groups of
    three digits, so '1.5' is not a number under a decimal comma)."""
    plain = plain_number(text, decimal)
    return None if plain is None else float(plain)


def plain_number(text: str, decimal: str = ".") -> str | None:
    """The number `parse_number` reads, as Python writes it ('1.234,5' -> '1234.5'), so
    that an exact reader (`fractions.Fraction`) gets the digits as written; None when
    the text is not a number."""
    t = text.strip().replace("\u00a0", "").replace("\u202f", "")
    if _PLAIN[decimal].fullmatch(t):
        return t.replace(",", ".") if decimal == "," else t
    if _GROUPED[decimal].fullmatch(t):
        group = "." if decimal == "," else ","
        return t.replace(group, "").replace(",", ".")
    return None


_COMMA_VOTE = re.compile(r"[+-]?\d+,\d+|[+-]?\d{1,3}(?:\.\d{3})+,\d+")
_POINT_VOTE = re.compile(r"[+-]?\d+\.(?:\d{1,2}|\d{4,})|[+-]?\d{1,3}(?:,\d{3})+\.\d+")


def sniff(
    text: str,
    display: str,
    *,
    delimiter: str | None = None,
    decimal: str | None = None,
    encoding: str = "utf-8",
) -> Dialect:
    """The separator (the most frequent of `,`, `;` and tab in the header, outside
    quotes) and the decimal mark (a comma in a `;` or tab file, unless its numbers are
    written with a point), or those given."""
    if delimiter is None:
        header = _unquoted(text.split("\n", 1)[0])
        counts = {d: header.count(d) for d in DELIMITERS}
        delimiter = max(DELIMITERS, key=lambda d: counts[d]) if any(counts.values()) else ","
    if delimiter not in DELIMITERS:
        message = Text("val.csv.separator", given=repr(delimiter))
        raise ScenarioError([Problem(display, 0, 0, "", message)])
    if decimal is None:
        decimal = "."
        if delimiter != ",":
            decimal = ","
            comma = point = 0
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            try:
                for k, record in enumerate(reader):
                    if k > 1000:
                        break
                    for cell in record:
                        comma += bool(_COMMA_VOTE.fullmatch(cell.strip()))
                        point += bool(_POINT_VOTE.fullmatch(cell.strip()))
            except csv.Error:
                pass  # read again by the caller, which locates the trouble
            if point and not comma:
                decimal = "."
    if decimal not in (".", ","):
        message = Text("val.csv.decimal", given=repr(decimal))
        raise ScenarioError([Problem(display, 0, 0, "", message)])
    if decimal == delimiter:
        raise ScenarioError([Problem(display, 0, 0, "", Text("val.csv.decimal_separator"))])
    return Dialect(delimiter, decimal, encoding)


def _unquoted(line: str) -> str:
    """The line without its quoted parts (a separator inside quotes is text)."""
    return re.sub(r'"[^"]*"', "", line)


def read_table(path: Path, display: str | None = None, **limits: int) -> list[Table]:
    """A .csv file as one table, an .xlsx as its sheets (by the file's suffix)."""
    if Path(path).suffix.lower() == ".csv":
        return [read_csv(path, display)]
    return list(read_workbook(path, display, **limits).sheets.values())


#: Suffixes a small table is read as a workbook by (the others are CSV text).
WORKBOOK_SUFFIXES = (".xlsx", ".xltx", *REFUSED_SUFFIXES)
#: Problems a small table reports before giving up.
MAX_PROBLEMS = 50


def read_small_table(
    path: Path, display: str | None = None, *, limit: int = MAX_CSV_BYTES
) -> Table:
    """A small table a person wrote (a territories, departments or vote file): a CSV file
    (`read_csv`: its separator, decimal mark and encoding detected), or the first
    worksheet of an .xlsx (`read_workbook`: macro, linked, encrypted and oversized
    workbooks refused; saved values only). Refused at once, each at its cell: a cell
    with no usable value (a formula never saved, an error) and text holding control
    characters (names are printed on terminals and in workbooks). A workbook's table
    carries the whole file's sha256."""
    name = display or str(path)
    if Path(path).suffix.lower() not in WORKBOOK_SUFFIXES:
        table = read_csv(path, name, limit=limit)
    else:
        book = read_workbook(path, name)
        first = next(iter(book.sheets.values()), None)
        if first is None:
            raise ScenarioError([Problem(name, 0, 0, "", Text("val.sheets.no_worksheet"))])
        table = replace(first, sha256=book.sha256)
    problems = [*table.errors(), *_control_problems(table)]
    if problems:
        raise ScenarioError(problems[:MAX_PROBLEMS])
    return table


def _control_problems(table: Table) -> list[Problem]:
    """Text cells holding control characters, each at its cell (its column's header as
    the field: a `notes` column may hold tabs and line breaks)."""
    header = [c.text() if c.error is None else "" for c in table.rows[0]] if table.rows else []
    problems: list[Problem] = []
    for r, row in enumerate(table.rows):
        for j, cell in enumerate(row):
            if not isinstance(cell.value, str):
                continue
            column = header[j] if r and j < len(header) else ""
            bad = control_problem(cell.value.strip(), column)
            if bad is not None:
                problems.append(cell.problem(column, bad))
    return problems


# --------------------------------------------------------------------------- writing
def safe_text(text: str) -> str:
    """Text an .xlsx can hold: no XML-illegal characters, at most Excel's cell length."""
    text = ILLEGAL_XML.sub("\ufffd", text)
    if len(text) > MAX_CELL_TEXT:
        text = text[: MAX_CELL_TEXT - 1] + "…"
    return text


def clean_number(x: float) -> float:
    """The figure as the JSON result writes it (no solver noise, no negative zero)."""
    return clean_figure(x)


def put(ws: Any, row: int, col: int, value: Any) -> Any:
    """Write one cell's value: a string always as text (never a formula, whatever it
    starts with), a number as a number. No style (reports/xlsx.py `Styles` keeps Excel's
    quote prefix on a text that starts like a formula)."""
    cell = ws.cell(row=row, column=col)
    if isinstance(value, str):
        cell.value = safe_text(value)
        cell.data_type = "s"  # openpyxl made "=..." a formula: make it text again
    elif isinstance(value, float):
        cell.value = clean_number(value)
    elif value is None or isinstance(value, bool | int):
        cell.value = value
    else:
        raise TypeError(f"cannot write a {type(value).__name__} into a cell")
    return cell


def csv_safe(text: str) -> str:
    """A text cell for a CSV file that a spreadsheet opens as text, never as a formula
    (a leading `'`, as OWASP advises against CSV injection)."""
    return "'" + text if text.startswith((*FORMULA_START, "\t", "\r")) else text
