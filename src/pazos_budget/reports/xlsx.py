"""Spreadsheet primitives for the workbook: safe cells, styled tables, sheet names, print
setup.

Two rules hold for every cell written through `put` (sheets.py, shared with whatever
else writes cells):
- a string is stored as text, never as a formula, whatever it starts with (openpyxl turns
  a string starting with "=" into a formula unless told otherwise), and characters an
  .xlsx cannot hold are replaced;
- a number stays a number, with a format whose separators the reader's spreadsheet
  localizes (`#,##0.0` reads 1.234,5 in a Colombian Excel).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from copy import copy
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from ..errors import ReportError
from ..files import write_atomic
from ..i18n import texts as catalogue
from ..language import current_language
from ..sheets import FORMULA_START, ILLEGAL_XML, put
from ..sheets import safe_text as safe_text  # re-exported: the reports name it here
from ..tolerances import WRITTEN_WHOLE
from .labels import SHEET_NAME_PREFIXES

# --------------------------------------------------------------------------- formats
MONEY = "#,##0.0"
WHOLE = "#,##0"
DECIMAL = "#,##0.00"
PER_YOUTH = "#,##0.000"
PERCENT = "0.0%"
#: "% achieved": above 999 % the figure says nothing more (one unit required, 582 given).
PCT_ACHIEVED = '[>=10]">999%";0.0%'
SHARE = "0%"
WEIGHT = "0.0#"
GENERAL = "General"
#: A presence cell: the units delivered, with a symbol a colour-blind reader can see.
PRESENCE = '"✔ "#,##0;"✘ "-#,##0;"✘ 0"'

# --------------------------------------------------------------------------- style
FONT_NAME = "Arial"
FONT = Font(name=FONT_NAME, size=10)
BOLD = Font(name=FONT_NAME, size=10, bold=True)
MUTED = Font(name=FONT_NAME, size=10, color="808080")
TITLE = Font(name=FONT_NAME, size=14, bold=True, color="1F3864")
SUBTITLE = Font(name=FONT_NAME, size=10, italic=True, color="404040")
SECTION = Font(name=FONT_NAME, size=11, bold=True, color="1F3864")
HEADER_FONT = Font(name=FONT_NAME, size=10, bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
TOTAL_FILL = PatternFill("solid", fgColor="E7E6E6")
LINK_FONT = Font(name=FONT_NAME, size=10, color="1F4E79", underline="single")
# Blue and orange stay distinct for the common colour-blindnesses; a symbol or a word goes
# with each fill so that a grey-scale print still tells them apart.
GOOD_FILL = PatternFill("solid", fgColor="D6E6F5")
BAD_FILL = PatternFill("solid", fgColor="FAD7B5")
MID_FILL = PatternFill("solid", fgColor="FFF2CC")
THIN = Side(style="thin", color="BFBFBF")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
HEADER_ALIGN = Alignment(wrap_text=True, vertical="center", horizontal="center")

# --------------------------------------------------------------------------- limits
MAX_SHEET_NAME = 31
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
RESERVED_SHEET_NAMES = ("history",)

# --------------------------------------------------------------------------- geometry
MIN_WIDTH = 6.0
MAX_WIDTH = 60.0
#: Characters of Arial 10 per unit of column width, when a cell wraps (a little less
#: than the average, so that estimated row heights err on the generous side).
CHARS_PER_WIDTH = 1.2
#: The same for a bold header.
HEADER_CHARS_PER_WIDTH = 0.95
POINTS_PER_LINE = 12.75
#: An auto-fitted header may wrap onto this many lines.
HEADER_LINES = 2

# --------------------------------------------------------------------------- printed page
#: Letter landscape, in points, and the margins every sheet prints with (inches).
PAPER_POINTS = (792.0, 612.0)
MARGINS = {"left": 0.4, "right": 0.4, "top": 0.5, "bottom": 0.6, "footer": 0.25}
#: The height of a row whose height is not set: the sheet default openpyxl writes
#: (`defaultRowHeight`), which LibreOffice and Excel print.
DEFAULT_ROW_POINTS = 15.0
#: The width of a column whose width is not set (Excel's and LibreOffice's default).
DEFAULT_WIDTH = 8.43
#: Printed points per unit of column width: LibreOffice prints Arial 10 at 5.54, Excel
#: at 5.25: the larger, so that a sheet printed at `fitting_scale` fits in both.
POINTS_PER_WIDTH = 5.55
#: The share of a page's height that `page_ends` fills: the spreadsheet's own rounding
#: of row heights must never push a row past the page, or its own break would come
#: before ours.
PAGE_FILL = 0.99
#: Data rows that print on the page of their table's header (and heading).
KEEP_ROWS = 2


@dataclass(frozen=True)
class V:
    """A cell value with its presentation."""

    value: Any
    fmt: str | None = None
    fill: PatternFill | None = None
    bold: bool = False
    muted: bool = False
    link: str | None = None  # a place in the workbook, e.g. "'Sheet'!A1"


@dataclass(frozen=True)
class Col:
    header: str
    width: float | None = None  # fixed width; None = fit the content
    wrap: bool = False
    fmt: str | None = None  # default format of the column's numbers
    span: int = 1  # sheet columns it covers (merged), to line tables up on one grid


def new_workbook() -> Workbook:
    """An empty workbook whose default font is Arial 10.

    Column widths are counted in characters of the default font: with Arial (which
    LibreOffice renders with the metric-compatible Liberation Sans) a sheet prints the
    same in Excel and in LibreOffice, where Calibri would be replaced by a wider font.
    """
    wb = Workbook()
    wb._fonts = IndexedList([FONT])  # font 0 is the "Normal" style's font
    return wb


def shows_zero(x: float, fmt: str) -> bool:
    """Whether number format `fmt` shows `x` as zero ("-0", "-0.0%" for a tiny negative)."""
    section = fmt.split(";")[0]
    decimals = len(re.split(r"[^0#]", section.partition(".")[2] + " ")[0]) if "." in section else 0
    shown = abs(x) * (100 if "%" in section else 1)
    return round(shown, decimals) == 0


class Styles:
    """Sets cell styles through a cache, one per workbook.

    openpyxl hashes every style object each time one is set on a cell, which is most of
    the time spent writing a large workbook; here a look (font, fill, border, alignment,
    number format, quote prefix) is set once, and later cells with the same look copy
    that cell's style array (openpyxl's own `StyleArray`, as `copy(cell)` does).
    """

    def __init__(self) -> None:
        self._arrays: dict[tuple[Any, ...], Any] = {}

    def apply(
        self,
        cell: Any,
        *,
        font: Font = FONT,
        fill: PatternFill | None = None,
        border: Border | None = None,
        alignment: Alignment | None = None,
        fmt: str | None = None,
    ) -> None:
        # a string that a spreadsheet could read as a formula keeps Excel's quote prefix,
        # so that it stays text when someone edits the cell
        quote = isinstance(cell.value, str) and cell.value.startswith(FORMULA_START)
        if not isinstance(cell.value, int | float) or isinstance(cell.value, bool):
            fmt = None
        elif (
            fmt and isinstance(cell.value, float) and cell.value < 0 and shows_zero(cell.value, fmt)
        ):
            cell.value = 0.0  # what shows as zero is zero: never "-0" or "-0.0%"
        key = (id(font), id(fill), id(border), id(alignment), fmt, quote)
        cached = self._arrays.get(key)
        if cached is not None:
            cell._style = copy(cached)
            return
        cell.font = font
        if fill is not None:
            cell.fill = fill
        if border is not None:
            cell.border = border
        if alignment is not None:
            cell.alignment = alignment
        if fmt:
            cell.number_format = fmt
        if quote:
            cell.quotePrefix = True
        self._arrays[key] = copy(cell._style)


def count_fmt(x: float | None) -> str:
    """Whole numbers without decimals, others with two (as the terminal writes them)."""
    if x is None:
        return WHOLE
    return WHOLE if abs(x - round(x)) < WRITTEN_WHOLE else DECIMAL


def display_len(value: Any, fmt: str | None) -> int:
    """About how many characters a cell shows."""
    if value is None:
        return 0
    if isinstance(value, str):
        return max((len(line) for line in value.splitlines()), default=0)
    if isinstance(value, bool):
        return 5
    if isinstance(value, int | float):
        if fmt in (PERCENT, SHARE):
            return len(f"{value:.1%}")
        if fmt == PRESENCE:
            return len(f"✔ {value:,.0f}")
        decimals = {MONEY: 1, DECIMAL: 2, WEIGHT: 2, PER_YOUTH: 3}.get(fmt or "", 0)
        return len(f"{value:,.{decimals}f}")
    return len(str(value))


def text_lines(text: str, width: float, per_width: float = CHARS_PER_WIDTH) -> int:
    """Lines a wrapped text takes in a column of `width` (a line breaks between words;
    a word longer than the line breaks anywhere)."""
    per = max(1.0, width * per_width - 1.5)
    lines = 0
    for paragraph in text.split("\n"):
        lines += 1
        used = 0.0
        for word in paragraph.split():
            need = used + 1 + len(word) if used else float(len(word))
            if used and need > per:
                lines += 1
                need = float(len(word))
            while need > per:
                lines += 1
                need -= per
            used = need
    return max(1, lines)


class _GridMerge(MergedCellRange):  # type: ignore[misc]  # openpyxl ships no stubs
    """A merged range whose cells all have the grid border already (`Sheet._merge`).

    `MergedCellRange` copies the bottom-right cell's right and bottom border onto the
    top-left cell, which here already has them: the same border, set again through
    openpyxl's style lookup, was half the time of building the Palmira workbook.
    """

    def _get_borders(self) -> None:
        self.start_cell = self.ws.cell(row=self.min_row, column=self.min_col)


class Sheet:
    """One worksheet: tables written top-down, then widths, row heights and print setup."""

    def __init__(self, wb: Workbook, title: str, styles: Styles, *, first: bool = False) -> None:
        self.styles = styles
        if first:
            self.ws: Worksheet = wb.active
            self.ws.title = title
        else:
            self.ws = wb.create_sheet(title)
        self.row = 1
        self.widths: dict[int, float] = {}
        self.fixed: dict[int, float] = {}
        self.header_row: int | None = None
        self.title_rows = 0
        #: Rows repeated on every printed page: the table header ("header") of a one-table
        #: sheet, the title ("title") of a sheet of several tables, or none.
        self.repeat: str | None = "header"
        #: row -> [(column, span, text, characters per unit of width)]
        self.wrapped: dict[int, list[tuple[int, int, str, float]]] = {}
        self.scale: int | None = None  # print scale in %, instead of fitting to width
        #: Break pages by `page_ends` (`paginate`), so that no heading ends a page.
        self.paginated = False
        #: (first row, last row) that print on one page: a heading, its table's header
        #: and first rows (`KEEP_ROWS`) or its note.
        self.keep: list[tuple[int, int]] = []
        self._heading: int | None = None  # the row of a heading not yet followed

    # ----------------------------------------------------------------- writing
    def _fit(self, col: int, length: float) -> None:
        self.widths[col] = max(self.widths.get(col, 0.0), length)

    def text(self, text: str, font: Font = FONT, *, skip: int = 1) -> None:
        self.styles.apply(put(self.ws, self.row, 1, text), font=font)
        self.row += skip

    def title(self, text: str, subtitle: str | None = None) -> None:
        self.text(text, TITLE)
        self.ws.row_dimensions[self.row - 1].height = 20
        if subtitle:
            self.text(subtitle, SUBTITLE)
        self.title_rows = self.row - 1
        self.row += 1

    def freeze_title(self) -> None:
        """Keep the title in view and on every printed page (a sheet of several tables)."""
        self.ws.freeze_panes = self.ws.cell(row=self.title_rows + 1, column=1).coordinate
        self.repeat = "title"

    def section(self, text: str) -> None:
        self._heading = self.row
        self.text(text, SECTION)

    def note(self, text: str) -> None:
        self._keep_with_heading(self.row, self.row)
        self.text(text, SUBTITLE, skip=2)

    def _keep_with_heading(self, first: int, last: int) -> None:
        """Rows `first` to `last` print on one page, with the heading right above them."""
        if self._heading is not None and self._heading == first - 1:
            first = self._heading
        self._heading = None
        self.keep.append((first, last))

    def paginate(self) -> None:
        """Print at a fixed scale that fits the page's width, with a break at the end of
        every page, placed so that a heading or a table's header never ends a page
        (spreadsheets have no "keep with next"; Excel ignores manual page breaks on a
        sheet that fits to pages, hence the scale)."""
        self.paginated = True

    def table(
        self,
        cols: Sequence[Col],
        rows: Iterable[Sequence[Any]],
        *,
        freeze: bool = False,
        autofilter: bool = False,
        total: Sequence[Any] | None = None,
    ) -> tuple[int, int, int]:
        """Write a table from column A; returns (header row, first data row, last data row)."""
        ws = self.ws
        header = self.row
        for j, c in zip(_starts(cols), cols, strict=True):
            self._merge(
                header,
                j,
                c.span,
                c.header,
                font=HEADER_FONT,
                fill=HEADER_FILL,
                alignment=HEADER_ALIGN,
            )
            self.wrapped.setdefault(header, []).append(
                (j, c.span, c.header, HEADER_CHARS_PER_WIDTH)
            )
            if c.width is not None:
                self.fixed[j] = max(self.fixed.get(j, 0.0), c.width)
            elif c.span == 1:
                longest_word = max(map(len, c.header.split()), default=0)
                self._fit(j, max(longest_word, len(c.header) / HEADER_LINES))
        r = header
        for values in rows:
            r += 1
            self._row(cols, r, values)
        first, last = header + 1, r
        self._keep_with_heading(header, min(r, header + KEEP_ROWS))
        if total is not None:
            r += 1
            self._row(cols, r, total, fill=TOTAL_FILL, bold=True)
        if freeze and self.header_row is None:
            ws.freeze_panes = ws.cell(row=header + 1, column=1).coordinate
            self.header_row = header
        if autofilter and last >= first:
            right = get_column_letter(sum(c.span for c in cols))
            ws.auto_filter.ref = f"A{header}:{right}{last}"
        self.row = r + 2
        return header, first, last

    def _merge(
        self,
        row: int,
        col: int,
        span: int,
        value: Any,
        *,
        font: Font = FONT,
        fill: PatternFill | None = None,
        alignment: Alignment | None = None,
        fmt: str | None = None,
    ) -> Any:
        """Write a value over `span` columns (merged); every one of them gets the border."""
        cell = put(self.ws, row, col, value)
        self.styles.apply(cell, font=font, fill=fill, border=GRID, alignment=alignment, fmt=fmt)
        if span > 1:
            for extra in range(col + 1, col + span):
                self.styles.apply(self.ws.cell(row=row, column=extra), border=GRID, fill=fill)
            # Not `Worksheet.merge_cells`, which rebuilds the borders of the covered cells
            # (they have theirs already) and checks the new range against every merged
            # range so far (quadratic: minutes for a sheet of 25,000 rows). Ranges here
            # never overlap: one per table cell.
            self.ws.merged_cells.ranges.add(
                _GridMerge(
                    self.ws,
                    f"{get_column_letter(col)}{row}:{get_column_letter(col + span - 1)}{row}",
                )
            )
        return cell

    def _row(
        self,
        cols: Sequence[Col],
        r: int,
        values: Sequence[Any],
        *,
        fill: PatternFill | None = None,
        bold: bool = False,
    ) -> None:
        for j, c, raw in zip(_starts(cols), cols, values, strict=True):
            v = raw if isinstance(raw, V) else V(raw)
            fmt = v.fmt or c.fmt
            if fmt is None and isinstance(v.value, float):
                fmt = count_fmt(v.value)
            font = FONT
            if v.bold or bold:
                font = BOLD
            elif v.link:
                font = LINK_FONT
            elif v.muted:
                font = MUTED
            cell = self._merge(
                r,
                j,
                c.span,
                v.value,
                font=font,
                fill=v.fill or fill,
                alignment=WRAP_TOP if c.wrap else TOP,
                fmt=fmt,
            )
            if v.link:
                cell.hyperlink = Hyperlink(ref=cell.coordinate, location=v.link)
            if c.wrap and isinstance(v.value, str):
                self.wrapped.setdefault(r, []).append((j, c.span, v.value, CHARS_PER_WIDTH))
            if c.width is None and c.span == 1:
                self._fit(j, display_len(v.value, fmt))

    # ----------------------------------------------------------------- finishing
    def width(self, col: int) -> float:
        if col in self.fixed:
            return self.fixed[col]
        return min(MAX_WIDTH, max(MIN_WIDTH, self.widths.get(col, 0.0) + 2))

    def finish(self, footer: str, page: str) -> None:
        ws = self.ws
        for col in set(self.widths) | set(self.fixed):
            ws.column_dimensions[get_column_letter(col)].width = self.width(col)
        for r, texts in self.wrapped.items():
            lines = max(
                text_lines(text, sum(self.width(c) for c in range(col, col + span)), per_width)
                for col, span, text, per_width in texts
            )
            if lines > 1:
                # spreadsheets do not always grow a row whose text wraps: say how tall
                ws.row_dimensions[r].height = POINTS_PER_LINE * lines + 3
        if self.paginated:
            self.break_pages()
        setup = ws.page_setup
        setup.orientation = "landscape"
        setup.paperSize = ws.PAPERSIZE_LETTER
        if self.scale is None:
            setup.fitToWidth = 1
            setup.fitToHeight = 0
            ws.sheet_properties.pageSetUpPr.fitToPage = True
        else:
            # Excel ignores manual page breaks on a sheet that fits to pages
            setup.scale = self.scale
        ws.page_margins = PageMargins(**MARGINS)
        if self.repeat == "header" and self.header_row is not None:
            ws.print_title_rows = f"{self.header_row}:{self.header_row}"
        elif self.repeat == "title" and self.title_rows:
            ws.print_title_rows = f"1:{self.title_rows}"
        ws.oddFooter.left.text = footer.replace("&", "&&")
        ws.oddFooter.left.size = 7
        ws.oddFooter.right.text = page
        ws.oddFooter.right.size = 7

    def break_pages(self) -> None:
        """The fixed scale of a paginated sheet, and a break at each end of page."""
        ws = self.ws
        sized = set(self.widths) | set(self.fixed)
        columns = range(1, max([ws.max_column, *sized]) + 1)
        self.scale = fitting_scale(
            sum(self.width(c) if c in sized else DEFAULT_WIDTH for c in columns)
        )
        repeated = self.title_rows if self.repeat == "title" else 0
        height = printed_height(self.scale) - sum(row_points(ws, r) for r in range(1, repeated + 1))
        for end in page_ends(
            [row_points(ws, r) for r in range(repeated + 1, ws.max_row + 1)],
            height * PAGE_FILL,
            [(a - repeated - 1, b - repeated - 1) for a, b in self.keep if a > repeated],
        ):
            ws.row_breaks.append(Break(id=end + repeated + 1))


def row_points(ws: Worksheet, row: int) -> float:
    """The printed height of a row at 100 %."""
    height = ws.row_dimensions[row].height if row in ws.row_dimensions else None
    return DEFAULT_ROW_POINTS if height is None else float(height)


def fitting_scale(width: float) -> int:
    """The largest print scale (%) at which columns `width` units wide in all fit the
    width of the page."""
    page = PAPER_POINTS[0] - 72 * (MARGINS["left"] + MARGINS["right"])
    return max(10, min(100, int(100 * page / (POINTS_PER_WIDTH * width))))


def printed_height(scale: int) -> float:
    """The points of rows (at 100 %) that a page holds at `scale` %."""
    return (PAPER_POINTS[1] - 72 * (MARGINS["top"] + MARGINS["bottom"])) * 100 / scale


def page_ends(
    heights: Sequence[float], page: float, keep: Iterable[tuple[int, int]] = ()
) -> list[int]:
    """Where pages end when rows of `heights` (indices from 0) print on pages that hold
    `page` points: the index of the last row of each page but the last. The rows of each
    `keep` range (first, last) print on one page, unless together they are taller than
    a page (then they break wherever they must)."""
    last_kept = dict(keep)
    ends: list[int] = []
    used = 0.0
    r = 0
    while r < len(heights):
        last = min(last_kept.get(r, r), len(heights) - 1)
        need = sum(heights[r : last + 1])
        if need > page:
            last, need = r, heights[r]
        if used and used + need > page:
            ends.append(r - 1)
            used = 0.0
        used += need
        r = last + 1
    return ends


def _starts(cols: Sequence[Col]) -> list[int]:
    """The sheet column where each table column starts (spans push the next ones right)."""
    starts, at = [], 1
    for c in cols:
        starts.append(at)
        at += c.span
    return starts


def sheet_name(name: str, used: Iterable[str], fallback: str = "") -> str:
    """A valid Excel sheet name derived from `name`, unique (case-insensitively) among
    `used`: at most 31 characters, none of []:*?/\\, not starting or ending with '."""
    taken = {u.casefold() for u in used} | set(RESERVED_SHEET_NAMES)

    def tidy(text: str) -> str:
        text = SHEET_NAME_FORBIDDEN.sub(" ", ILLEGAL_XML.sub(" ", text))
        return " ".join(text.split()).strip(" '")

    text = tidy(name)
    for prefix in SHEET_NAME_PREFIXES:
        if text.startswith(prefix) and len(text) > len(prefix):
            text = tidy(text[len(prefix) :])
            break
    text = text or tidy(fallback) or "-"
    text = text[0].upper() + text[1:]
    text = _shorten(text, MAX_SHEET_NAME)
    n = 1
    candidate = text
    while candidate.casefold() in taken:
        n += 1
        suffix = f" ({n})"
        candidate = _shorten(text, MAX_SHEET_NAME - len(suffix)) + suffix
    return candidate


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" –-,;.'") + "…"


def save_workbook(
    build: Callable[[], Workbook], path: str | Path, inputs: Iterable[str | Path] = ()
) -> None:
    """Check that `path` is an .xlsx file, build the workbook, and write it atomically and
    never over one of `inputs` (files.write_atomic)."""
    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        raise ReportError(catalogue(current_language())["usage.xlsx_suffix"].format(path=target))
    wb = build()
    write_atomic(target, lambda tmp: save_xlsx(wb, tmp), [Path(i) for i in inputs])


def save_xlsx(wb: Workbook, path: Path) -> None:
    """`wb.save(path)`, except that a failed write (a full disk) closes the archive at
    once: openpyxl leaves it open, and its later clean-up writes again and prints
    "Exception ignored in ZipFile.__del__" over the user's terminal."""
    wb.properties.modified = datetime.now(tz=UTC).replace(tzinfo=None)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).write_data()
