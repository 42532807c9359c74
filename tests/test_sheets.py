"""sheets.py: untrusted .xlsx and CSV files read safely, every cell with its location.

Workbooks are written here with openpyxl and then edited as zip packages where a real
spreadsheet program would have written something openpyxl cannot (a formula's saved
value, an error value, a macro part); test_intake.py reads files LibreOffice saved.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from pazos_budget import sheets
from pazos_budget.errors import ScenarioError
from pazos_budget.sheets import (
    Cell,
    CellError,
    csv_safe,
    parse_number,
    put,
    read_csv,
    read_table,
    read_workbook,
)

SHEET_XML = "xl/worksheets/sheet1.xml"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # file names in messages stay short


def book(path: str = "form.xlsx", title: str = "Programas") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    ws["A1"] = "id"
    ws["B1"] = "unit_cost"
    ws["A2"] = "taller"
    ws["B2"] = 12.5
    ws["C7"] = "=B2*2"  # a formula openpyxl saves without a value
    ws["D3"] = True
    wb.save(path)
    return Path(path)


def edit(path: Path, part: str, change: object) -> None:
    """Rewrite one part of the zip package (`change` maps the old text to the new), or
    add a part when `change` is bytes."""
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    if isinstance(change, bytes):
        parts[part] = change
    else:
        assert callable(change)
        parts[part] = change(parts[part].decode()).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def refused(path: Path | str, **limits: int) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        read_workbook(Path(path), **limits)
    return [str(p) for p in caught.value.problems]


# --------------------------------------------------------------------------- .xlsx
def test_cells_have_values_and_locations() -> None:
    table = read_workbook(book()).sheets["Programas"]
    assert table.cell(2, 1).value == "taller" and table.cell(2, 1).where == "form.xlsx:Programas!A2"
    assert table.cell(2, 2).number("unit_cost") == 12.5
    assert table.cell(3, 4).value is True
    assert table.cell(40, 40).empty and table.cell(40, 40).where == "form.xlsx:Programas!AN40"
    assert str(table.cell(2, 1).problem("id", "bad")) == "form.xlsx:Programas!A2: id: bad"
    with pytest.raises(CellError) as caught:
        table.cell(2, 1).number("unit_cost")
    assert str(caught.value) == (
        "form.xlsx:Programas!A2: unit_cost: must be a number, got the text 'taller' "
        "(type the number itself, without quotes or letters)"
    )


def test_a_formula_is_never_evaluated() -> None:
    """Without a saved value the formula is an error at its cell; with one (as a
    spreadsheet program saves it) the saved value is read, whatever the formula says."""
    path = book()
    formula = read_workbook(path).sheets["Programas"].cell(7, 3)
    assert formula.formula == "=B2*2" and formula.value is None
    with pytest.raises(CellError) as caught:
        formula.number("units")
    assert str(caught.value).startswith(
        "form.xlsx:Programas!C7: units: the formula =B2*2 has no saved value"
    )
    assert [str(p) for p in read_workbook(path).sheets["Programas"].errors()] == [
        str(caught.value.problems[0]).replace(": units: ", ": ")
    ]
    edit(path, SHEET_XML, lambda x: x.replace("<f>B2*2</f><v />", "<f>B2*2</f><v>99</v>"))
    saved = read_workbook(path).sheets["Programas"].cell(7, 3)
    assert saved.number() == 99.0 and saved.formula == "=B2*2"


def test_an_error_value_is_an_error_at_its_cell() -> None:
    path = book()
    edit(
        path,
        SHEET_XML,
        lambda x: x.replace('<c r="B2" t="n"><v>12.5</v>', '<c r="B2" t="e"><v>#DIV/0!</v>'),
    )
    cell = read_workbook(path).sheets["Programas"].cell(2, 2)
    with pytest.raises(
        CellError, match=r"form.xlsx:Programas!B2: unit_cost: the cell shows the error #DIV/0!"
    ):
        cell.number("unit_cost")


def test_macro_workbooks_are_refused_by_name_and_by_content() -> None:
    book("form.xlsm")
    assert refused("form.xlsm") == [
        "form.xlsm: a macro-enabled workbook (.xlsm) is not read; save it as "
        "'Excel Workbook (.xlsx)'"
    ]
    path = book()
    edit(path, "xl/vbaProject.bin", b"\x00macro")
    assert refused(path) == [
        "form.xlsx: the workbook contains macros (VBA); macro workbooks are not read: save it "
        "as 'Excel Workbook (.xlsx)', which drops the macros"
    ]


def test_external_links_and_connections_are_refused() -> None:
    path = book()
    edit(path, "xl/externalLinks/externalLink1.xml", b"<externalLink/>")
    assert refused(path) == [
        "form.xlsx: the workbook links to other workbooks (external links); break the links "
        "(Data > Edit Links > Break Link) and save it again"
    ]
    path = book()
    edit(path, "xl/connections.xml", b"<connections/>")
    assert refused(path)[0].startswith("form.xlsx: the workbook has data connections")


def test_encrypted_old_and_foreign_files_are_refused() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512
    Path("locked.xlsx").write_bytes(ole + "EncryptedPackage".encode("utf-16-le"))
    assert refused("locked.xlsx") == [
        "locked.xlsx: the workbook is encrypted (it has a password to open); remove the "
        "password (File > Info > Protect Workbook) and save it again"
    ]
    Path("old.xlsx").write_bytes(ole)
    assert refused("old.xlsx")[0].startswith("old.xlsx: an old Excel 97-2003 workbook (.xls)")
    Path("text.xlsx").write_text("id,unit_cost\n")
    assert refused("text.xlsx") == [
        "text.xlsx: not an .xlsx workbook (an .xlsx file is a zip package)"
    ]
    assert refused("missing.xlsx") == ["missing.xlsx: no such file"]


def test_oversized_workbooks_and_sheets_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    path = book()
    with monkeypatch.context() as patched:
        patched.setattr(sheets, "MAX_UNPACKED_BYTES", 2_000)
        assert refused(path)[0].startswith("form.xlsx: the workbook is too large: it unpacks to ")
    assert refused(path, max_rows=5) == [
        "form.xlsx:Programas: the sheet is too large (a value in row 7; the limit is 5 rows)"
    ]
    assert refused(path, max_columns=3) == [
        "form.xlsx:Programas: the sheet is too large (a value in column D; the limit is 3 columns)"
    ]


def test_xml_entities_are_refused() -> None:
    """A "billion laughs" sheet: defusedxml refuses the entity declarations."""
    path = book()
    bomb = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'

    def add_doctype(xml: str) -> str:
        return bomb + xml.split("?>", 1)[1] if xml.startswith("<?xml") else bomb + xml

    edit(path, SHEET_XML, add_doctype)
    assert refused(path) == [
        "form.xlsx: refused: the workbook's XML declares entities or a DTD (unsafe)"
    ]


def test_writing_never_turns_text_into_a_formula() -> None:
    wb = openpyxl.Workbook()
    put(wb.active, 1, 1, '=HYPERLINK("http://x")')
    put(wb.active, 1, 2, 3.0000000000001)
    wb.save("out.xlsx")
    table = read_workbook(Path("out.xlsx")).sheets["Sheet"]
    assert table.cell(1, 1).value == '=HYPERLINK("http://x")' and table.cell(1, 1).formula is None
    assert table.cell(1, 2).value == 3.0
    assert csv_safe("=1+1") == "'=1+1" and csv_safe("-x") == "'-x" and csv_safe("ok") == "ok"


# --------------------------------------------------------------------------- CSV
def test_csv_as_excel_writes_it_in_colombia() -> None:
    text = '\ufeffprograma;unidades;gasto\r\nTaller de música;12;1.234,5\r\n"a;b";3;7,25\r\n'
    Path("ejecucion.csv").write_bytes(text.encode("utf-8"))
    table = read_csv(Path("ejecucion.csv"))
    assert table.dialect == sheets.Dialect(";", ",", "utf-8")
    assert table.cell(2, 1).value == "Taller de música"
    assert table.cell(2, 3).number("spend", table.dialect.decimal) == 1234.5
    assert table.cell(3, 1).value == "a;b" and table.cell(3, 3).number("", ",") == 7.25
    assert table.cell(2, 3).where == "ejecucion.csv:2:3"
    Path("ejecucion.csv").write_bytes(text[1:].encode("cp1252"))
    assert read_table(Path("ejecucion.csv"))[0].dialect == sheets.Dialect(";", ",", "cp1252")
    with pytest.raises(CellError) as caught:
        table.cell(2, 1).number("units", ",")
    assert str(caught.value) == "ejecucion.csv:2:1: units: must be a number, got 'Taller de música'"


def test_csv_separator_and_decimal_detection() -> None:
    Path("a.csv").write_text("id,units\nx,1.5\n")
    assert read_csv(Path("a.csv")).dialect == sheets.Dialect(",", ".", "utf-8")
    Path("b.csv").write_text("id;units\nx;1.5\ny;2.25\n")  # ';' but a decimal point
    assert read_csv(Path("b.csv")).dialect == sheets.Dialect(";", ".", "utf-8")
    Path("c.csv").write_text("id\tunits\nx\t1,5\n")
    assert read_csv(Path("c.csv")).dialect == sheets.Dialect("\t", ",", "utf-8")
    assert read_csv(Path("b.csv"), decimal=",").dialect.decimal == ","


def test_parse_number() -> None:
    assert parse_number("1.234,5", ",") == 1234.5
    assert parse_number("1,234.5", ".") == 1234.5
    assert parse_number("-0,5", ",") == -0.5
    assert parse_number("1.500", ",") == 1500.0
    assert parse_number("1.5", ",") is None  # a point in a decimal-comma file is not a decimal
    assert parse_number("1,5", ".") is None
    assert parse_number("12 COP", ",") is None and parse_number("", ".") is None
    assert parse_number("1e3", ".") == 1000.0


def test_a_cell_from_csv_and_from_xlsx_print_their_own_forms() -> None:
    assert Cell("x", "f.csv", 12, 3).where == "f.csv:12:3"
    assert Cell("x", "f.xlsx", 7, 28, "Programas").where == "f.xlsx:Programas!AB7"
    assert Cell("x", "f.xlsx", 7, 3, "Programas").origin == ("f.xlsx:Programas!C7", 0, 0)
    assert Cell(None, "f.csv", 1, 1).text() == "" and Cell(12.0, "f.csv", 1, 1).text() == "12"


def test_reading_from_memory_only() -> None:
    """The file is read once (its bytes), so what is checked is what is parsed."""
    path = book()
    data = path.read_bytes()
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    assert list(read_workbook(path).sheets) == ["Programas"]
