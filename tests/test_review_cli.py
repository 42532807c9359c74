"""`pazos-budget review`: execution files as a planning office saves them (Spanish-locale
CSV, .xlsx), every bad row located, exit codes, the workbook (es/en) and the review@1
JSON; and Palmira's illustrative mid-year execution, reviewed end to end."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner, Result

from conftest import cli_solve_alone
from pazos_budget.cli import app
from pazos_budget.errors import ScenarioError
from pazos_budget.execution import load_execution
from pazos_budget.loader import load_scenario
from pazos_budget.pipeline import solve_scenario
from pazos_budget.result import to_json

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = ROOT / "examples" / "minimal.yaml"
PALMIRA = ROOT / "scenarios" / "palmira-2023.yaml"
PALMIRA_JUNE = ROOT / "scenarios" / "palmira-2023-ejecucion-junio-ilustrativa.csv"

#: What a Spanish Windows Excel writes as "CSV": a BOM, ';' and a decimal comma.
SPANISH_CSV = (
    "\ufeffprograma;clúster;unidades;gasto;fecha;nota\r\n"
    "interrupters;south;4;172,5;31/03/2023;contrato de marzo\r\n"
    "art-school;north;8;80;2023-06-30;\r\n"
    ";;;;;\r\n"
    "lighting;south;10;450,0;30/06/2023;sobrecosto\r\n"
)


@pytest.fixture(scope="module")
def plan_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("plan") / "minimal-plan.json"
    path.write_text(json.dumps(to_json(solve_scenario(load_scenario(MINIMAL)))), "utf-8")
    return path


def run(*args: str | Path) -> Result:
    result = CliRunner().invoke(app, ["review", *map(str, args)])
    assert "Traceback" not in result.output
    return result


def refused(plan_file: Path, execution: Path, text: str, *args: str) -> list[str]:
    """A review of `execution`, written with `text`, refused: exit 2, and neither the
    workbook nor the JSON asked for written. Its problems, a line each."""
    execution.write_text(text, encoding="utf-8")
    book, doc = execution.with_suffix(".xlsx"), execution.with_suffix(".json")
    result = run(MINIMAL, plan_file, execution, "--output", book, "--json", doc, *args)
    assert result.exit_code == 2, result.output
    assert not book.exists() and not doc.exists()
    return list(result.stderr.splitlines())


def test_a_spanish_locale_csv_is_reviewed(plan_file: Path, tmp_path: Path) -> None:
    execution = tmp_path / "ejecucion.csv"
    execution.write_text(SPANISH_CSV.replace("450,0", "55,5"), encoding="utf-8")
    book, doc = tmp_path / "revision.xlsx", tmp_path / "revision.json"
    result = run(MINIMAL, plan_file, execution, "--output", book, "--json", doc)
    assert result.exit_code == 0, result.output
    review = json.loads(doc.read_text(encoding="utf-8"))
    assert review["schema"] == "pazos-budget/review@1"
    assert review["executed"] == [
        {"programme": "interrupters", "cluster": "south", "units": 4.0, "spend": 172.5},
        {"programme": "art-school", "cluster": "north", "units": 8.0, "spend": 80.0},
        {"programme": "lighting", "cluster": "south", "units": 10.0, "spend": 55.5},
    ]
    assert review["plan"]["schema"] == review["remainder"]["schema"] == "pazos-budget/result@1"
    assert {t["status"] for t in review["targets"]} <= {"met", "on_track", "unreachable"}
    remainder = {p["id"]: p for p in review["remainder"]["programmes"]}
    assert remainder["interrupters"]["clusters"]["south"] >= 4
    assert remainder["lighting"]["clusters"]["south"] >= 10
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames[:3] == ["Review", "Execution charts", "Targets"]
    assert "Culture" in wb.sheetnames and "Security" in wb.sheetnames
    assert len(wb["Execution charts"]._charts) == 2
    # the department sheet: what I have done, what I still do
    rows = [[c.value for c in row] for row in wb["Security"].iter_rows()]
    inter = next(r for r in rows if r[0] == "Violence interrupters" and r[1] == "interrupter-year")
    assert inter[3] == 4  # executed units
    spanish = tmp_path / "revision-es.xlsx"
    assert run(MINIMAL, plan_file, execution, "-o", spanish, "--lang", "es").exit_code == 0
    assert openpyxl.load_workbook(spanish).sheetnames[:3] == [
        "Revisión",
        "Gráficos de la ejecución",
        "Metas",
    ]


def test_the_targets_line_says_each_status_in_words(plan_file: Path, tmp_path: Path) -> None:
    """The terminal's count of targets by status is in words, in each language (English
    printed the JSON's code, 'on_track')."""
    execution = tmp_path / "ejecucion.csv"
    execution.write_text(SPANISH_CSV.replace("450,0", "55,5"), encoding="utf-8")
    english = run(MINIMAL, plan_file, execution)
    assert english.exit_code == 0, english.output
    assert english.stdout.splitlines()[-1] == "Targets: 1 met, 1 on track, 0 unreachable"
    spanish = run(MINIMAL, plan_file, execution, "--lang", "es")
    assert spanish.stdout.splitlines()[-1] == "Metas: 1 cumplida, 1 en camino, 0 inalcanzables"


@pytest.mark.parametrize(
    ("lang", "one", "two", "row"),
    [
        ("en", "review of {e} (1 row) against", "review of {e} (2 rows) against", "1 row"),
        ("es", "revisión de {e} (1 fila) frente a", "revisión de {e} (2 filas) frente a", "1 fila"),
    ],
)
def test_a_one_row_execution_says_one_row(
    plan_file: Path, tmp_path: Path, lang: str, one: str, two: str, row: str
) -> None:
    """A file of one row is "1 row", "1 fila", in the terminal's first line and in the
    workbook's files line (both read "1 rows", "1 filas")."""
    header = "programme,cluster,units,spend\n"
    execution = tmp_path / "one.csv"
    execution.write_text(header + "art-school,north,8,80\n", "utf-8")
    book = tmp_path / "revision.xlsx"
    result = run(MINIMAL, plan_file, execution, "--output", book, "--lang", lang)
    assert result.exit_code == 0, result.output
    assert one.format(e=execution) in result.stdout.splitlines()[0]
    files = openpyxl.load_workbook(book).worksheets[0]["A4"].value
    assert files.endswith(
        f"execution: {execution} ({row})" if lang == "en" else f"ejecución: {execution} ({row})"
    )
    pair = tmp_path / "two.csv"
    pair.write_text(header + "art-school,north,8,80\nart-school,north,1,10\n", "utf-8")
    plural = run(MINIMAL, plan_file, pair, "--lang", lang)
    assert two.format(e=pair) in plural.stdout.splitlines()[0]


def test_bad_rows_are_located_and_nothing_is_written(plan_file: Path, tmp_path: Path) -> None:
    execution = tmp_path / "bad.csv"
    problems = refused(
        plan_file,
        execution,
        "programme,cluster,units,spend,colour\n"
        "nope,north,1,2,\n"
        "interrupters,,x,-3,\n"
        "lighting,east,1.5,2,\n"
        "interrupters,north,1.5,4,\n",
    )
    e = str(execution)
    assert problems == [
        f"{e}:1:5: header: unknown column 'colour'; the columns are programme, cluster, "
        "units, spend and optionally date and notes",
        f"{e}:2:1: programme: unknown programme 'nope' in this scenario",
        f"{e}:3:2: cluster: missing: programme 'interrupters' runs in clusters; name the one "
        "it was delivered in (north, south)",
        f"{e}:3:3: units: must be a number, got 'x'",
        f"{e}:3:4: spend: must not be negative (got -3); record what has been delivered and "
        "spent so far",
        f"{e}:4:2: cluster: unknown cluster 'east'",
        f"{e}:5:3: units: must be a whole number: 'interrupters' is delivered in whole units "
        "(got 1.5)",
    ]


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        (
            "en",
            "spend: must be a number, got '94,08': this file writes decimals with a point "
            "(94.08); a file saved separated by semicolons (';') may use a decimal comma",
        ),
        (
            "es",
            "spend: debe ser un número, y dice '94,08': en este archivo el decimal se escribe "
            "con punto (94.08); un archivo guardado separado por punto y coma (';') sí admite "
            "la coma decimal",
        ),
    ],
)
def test_a_quoted_decimal_comma_in_a_comma_separated_file_says_how_to_write_it(
    plan_file: Path, tmp_path: Path, lang: str, message: str
) -> None:
    """Google Sheets (or a Spanish LibreOffice) saves "CSV" separated by commas with the
    decimal comma in quotes: '94,08' was "must be a number", which it is to the head."""
    execution = tmp_path / "ejecucion.csv"
    text = 'programme,cluster,units,spend\ninterrupters,south,3,"94,08"\n'
    problems = refused(plan_file, execution, text, "--lang", lang)
    assert problems == [f"{execution}:2:4: {message}"]


def test_a_decimal_point_among_decimal_commas_says_how_to_write_it(
    plan_file: Path, tmp_path: Path
) -> None:
    """A ';' file whose figures have decimal commas reads them so; a '6.5' typed among
    them was "must be a number", which it is to whoever typed it."""
    execution = tmp_path / "ejecucion.csv"
    execution.write_text(
        "programa;clúster;unidades;gasto\ninterrupters;south;3;94,08\nart-school;north;2;6.5\n",
        "utf-8",
    )
    es = run(MINIMAL, plan_file, execution, "--lang", "es")
    assert es.exit_code == 2
    assert es.stderr.splitlines() == [
        f"{execution}:3:4: spend: debe ser un número, y dice '6.5': en este archivo el decimal "
        "se escribe con coma (6,5), como en sus demás cifras"
    ]
    en = run(MINIMAL, plan_file, execution)
    assert en.stderr.splitlines() == [
        f"{execution}:3:4: spend: must be a number, got '6.5': this file writes decimals with a "
        "comma (6,5), as in its other figures"
    ]


def test_a_row_entered_twice_is_counted_and_said(plan_file: Path, tmp_path: Path) -> None:
    """Rows of one cell add up, so a row pasted twice doubled its cell without a word: it
    is still counted (a dated log may repeat a delivery), with a warning at the copy."""
    execution = tmp_path / "ejecucion.csv"
    execution.write_text(
        "programa;clúster;unidades;gasto;fecha\n"
        "art-school;north;8;80;30/06/2023\n"
        "art-school;north;2;20;30/06/2023\n"
        "art-school;north;8;80;30/06/2023\n"
        "art-school;north;8;80;31/05/2023\n",
        "utf-8",
    )
    e = str(execution)
    doc = tmp_path / "revision.json"
    book = tmp_path / "revision.xlsx"
    result = run(MINIMAL, plan_file, execution, "--json", doc, "--output", book, "--lang", "es")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"{e}:4:1: advertencia: programme: esta fila repite la de {e}:2:1 (mismo programa, "
        "clúster, unidades, gasto y fecha); se cuentan las dos: si se registró dos veces, "
        "borre una."
    ]
    review = json.loads(doc.read_text(encoding="utf-8"))
    assert review["executed"] == [
        {"programme": "art-school", "cluster": "north", "units": 26.0, "spend": 260.0}
    ]
    (warning,) = review["warnings"]
    assert (warning["where"], warning["kind"], warning["repeats"]) == (
        f"{e}:4:1",
        "repeated_row",
        f"{e}:2:1",
    )
    sheet = openpyxl.load_workbook(book).worksheets[0]
    assert [f"{e}:4:1", result.stderr.split("programme: ", 1)[1].strip()] in [
        [c.value for c in row[:2]] for row in sheet.iter_rows()
    ]
    english = run(MINIMAL, plan_file, execution)
    assert english.stderr.splitlines() == [
        f"{e}:4:1: warning: programme: this row repeats the row at {e}:2:1 (same programme, "
        "cluster, units, spend and date); both are counted: if it was entered twice, delete one"
    ]


@pytest.mark.parametrize(
    ("text", "sep"),
    [
        # A decimal comma in a comma-separated file: read as it stands, '94,08' was 94.
        ("programme,cluster,units,spend\ninterrupters,south,3,94,08\nart-school,north,2,20\n", ","),
        # A ';' in an unquoted note of a semicolon file, and a value under no header.
        ("programa;clúster;unidades;gasto;nota\ninterrupters;south;3;94;pagado; parcial\n", ";"),
    ],
)
def test_a_value_beyond_the_header_is_located_not_dropped(
    plan_file: Path, tmp_path: Path, text: str, sep: str
) -> None:
    execution = tmp_path / "split.csv"
    execution.write_text(text, encoding="utf-8")
    doc = tmp_path / "out.json"
    doc.write_text("before", encoding="utf-8")
    result = run(MINIMAL, plan_file, execution, "--json", doc)
    assert result.exit_code == 2, result.output
    beyond = "08" if sep == "," else "parcial"
    column = 5 if sep == "," else 6
    assert result.stderr.splitlines() == [
        f"{execution}:2:{column}: a value ('{beyond}') in a column with no header: if a "
        f"'{sep}' inside a number or a note split a cell in two, put that cell in quotes (or "
        "write the number without it)"
    ]
    assert doc.read_text(encoding="utf-8") == "before"
    # Written without the separator (or quoted), the same row reads whole; a blank row
    # with a stray value is no blank row.
    quoted = text.replace("94,08", "94.08").replace("pagado; parcial", '"pagado; parcial"')
    execution.write_text(quoted, encoding="utf-8")
    assert run(MINIMAL, plan_file, execution).exit_code == 0
    execution.write_text(quoted + f"{sep}{sep}{sep}{sep}{sep}x\n", encoding="utf-8")
    result = run(MINIMAL, plan_file, execution)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{execution}:{quoted.count(chr(10)) + 1}:6: a value ('x')")


def test_an_amount_beyond_the_scenario_limit_is_located(plan_file: Path, tmp_path: Path) -> None:
    """'1e400' read as infinity (before: an internal error, or the independent check
    blaming the solver, exit 1); '1e300' went on to a review of absurd figures. Each is
    refused at its cell, as a scenario's number beyond 1e15 is."""
    execution = tmp_path / "huge.csv"
    problems = refused(
        plan_file,
        execution,
        "programme,cluster,units,spend\n"
        "art-school,north,1e400,2\n"
        "art-school,north,1,1e400\n"
        "art-school,south,1e300,1e16\n"
        "art-school,south,1,1e15\n",
    )
    too_large = "is too large: no amount in an execution file may exceed 1e15"
    assert problems == [
        f"{execution}:2:3: units: 1e400 {too_large}",
        f"{execution}:3:4: spend: 1e400 {too_large}",
        f"{execution}:4:3: units: 1e300 {too_large}",
        f"{execution}:4:4: spend: 1e16 {too_large}",
    ]
    spanish = run(MINIMAL, plan_file, execution, "--lang", "es")
    assert spanish.stderr.splitlines()[0] == (
        f"{execution}:2:3: units: 1e400 es demasiado grande: ninguna cantidad de un archivo "
        "de ejecución puede superar 1e15"
    )


def test_an_xlsx_execution_is_located_at_its_cells(plan_file: Path, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Ejecución"
    ws.append(["Programa", "Clúster", "Unidades", "Gasto", "Fecha"])
    ws.append(["art-school", "south", 6, 60.0, None])
    ws.append(["lighting", "north", "tres", 15, "ayer"])
    path = tmp_path / "ejecucion.xlsx"
    wb.save(path)
    result = run(MINIMAL, plan_file, path)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{path}:Ejecución!C3: units: must be a number, got the text 'tres' (type the number "
        "itself, without quotes or letters)",
        f"{path}:Ejecución!E3: date: 'ayer' is not a date; write it as YYYY-MM-DD or DD/MM/YYYY",
    ]
    ws["C3"], ws["E3"] = 3, None
    wb.save(path)
    result = run(MINIMAL, plan_file, path)
    assert result.exit_code == 0, result.output


def _at(path: Path, needle: str, shift: int = 0) -> str:
    """'LINE:COL' of the first `needle` in the file's text, `shift` characters on."""
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return f"{n}:{line.index(needle) + 1 + shift}"
    raise AssertionError(needle)


def test_a_foreign_plan_is_refused_with_both_hashes(tmp_path: Path) -> None:
    other = load_scenario(ROOT / "examples" / "cofunding.yaml")
    plan = tmp_path / "cofunding-plan.json"
    plan.write_text(json.dumps(to_json(solve_scenario(other))), "utf-8")
    execution = tmp_path / "e.csv"
    execution.write_text("programme,cluster,units,spend\n", encoding="utf-8")
    book = tmp_path / "r.xlsx"
    result = run(MINIMAL, plan, execution, "-o", book)
    assert result.exit_code == 2
    mine = load_scenario(MINIMAL).sha256
    assert result.stderr.strip() == (
        f"{plan}:{_at(plan, other.sha256, -1)}: the plan is of another scenario: its scenario "
        f"sha256 is {other.sha256}, "
        f"{MINIMAL} has sha256 {mine}; review against the plan solved from this very scenario"
    )
    assert not book.exists()


def test_an_overspent_envelope_is_diagnosed_and_written(plan_file: Path, tmp_path: Path) -> None:
    execution = tmp_path / "ejecucion.csv"
    execution.write_text(SPANISH_CSV, encoding="utf-8")
    book, doc = tmp_path / "r.xlsx", tmp_path / "r.json"
    result = run(MINIMAL, plan_file, execution, "-o", book, "--json", doc)
    assert result.exit_code == 3
    assert result.stderr.splitlines()[0] == (
        f"{execution}:5:4: warning: spend: department Security (security) has recorded "
        "622.5 by this row, beyond its envelope of 500 (COP millions); the rest of the year "
        "is diagnosed"
    )
    assert "The rest of the year is infeasible with what is executed:" in result.stdout
    review = json.loads(doc.read_text(encoding="utf-8"))
    assert review["status"] == "infeasible"
    kinds = {(f["kind"], f["subject"]) for f in review["diagnosis"]}
    assert ("department_budget", "security") in kinds
    security = next(f for f in review["diagnosis"] if f["subject"] == "security")
    assert security["committed"] == 500
    assert "Diagnosis" in openpyxl.load_workbook(book).sheetnames


def test_a_spanish_scenarios_infeasible_year_is_said_in_spanish(tmp_path: Path) -> None:
    """The findings of the rest of the year, in the terminal and in the JSON (beside their
    stable `kind`), in the scenario's language."""
    scenario = tmp_path / "minimal-es.yaml"
    text = MINIMAL.read_text(encoding="utf-8")
    scenario.write_text(text.replace("  language: en\n", "  language: es\n"), "utf-8")
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(to_json(solve_scenario(load_scenario(scenario)))), "utf-8")
    execution = tmp_path / "ejecucion.csv"
    execution.write_text(SPANISH_CSV, encoding="utf-8")
    doc = tmp_path / "r.json"
    result = run(scenario, plan, execution, "--json", doc)
    assert result.exit_code == 3
    said = (
        "Security: con el gasto ya registrado, sus compromisos del año necesitan 122,50 más "
        "que su techo de 500 (millones de COP)."
    )
    assert f"  {said}" in result.stdout.splitlines(), result.stdout
    assert "with the spend recorded" not in result.stdout
    passed = (
        "spend: Security registró 622,50 hasta esta fila, por encima de su techo de 500 "
        "(millones de COP); el resto del año se diagnostica."
    )
    assert result.stderr.splitlines()[0] == f"{execution}:5:4: advertencia: {passed}"
    review = json.loads(doc.read_text(encoding="utf-8"))
    assert [w["message"] for w in review["warnings"]] == [passed]
    security = next(f for f in review["diagnosis"] if f["subject"] == "security")
    assert (security["kind"], security["message"]) == ("department_budget", said)
    remainder = next(f for f in review["remainder"]["diagnosis"] if f["subject"] == "security")
    assert remainder["message"] == said


# --------------------------------------------------------------------------- Palmira
def test_palmira_illustrative_execution_reads_as_written() -> None:
    """The shipped file: a BOM, ';', decimal commas, DD/MM/YYYY dates, a notes column."""
    s = load_scenario(PALMIRA).scenario
    ex = load_execution(PALMIRA_JUNE, s)
    assert len(ex.lines) == 152
    assert ex.lines[0].date == "2023-06-30"
    assert ex.lines[0].where == f"{PALMIRA_JUNE}:2:1"
    assert sum(sp for _, sp in ex.cells().values()) == pytest.approx(6135.48)
    cameras = ex.programme_totals()["camaras-vigilancia"]
    assert cameras == (17.0, pytest.approx(17 * 28 * 1.12))


@pytest.mark.slow
def test_palmira_mid_year_review(tmp_path: Path) -> None:
    """Palmira at mid-year: the plan a solve writes, the illustrative execution, the year
    re-optimized (the cameras' overrun leaves Security fewer cameras for the rest)."""
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(cli_solve_alone(PALMIRA).doc), "utf-8")
    doc = tmp_path / "review.json"
    result = run(PALMIRA, plan, PALMIRA_JUNE, "--json", doc)
    assert result.exit_code == 0, result.output
    review = json.loads(doc.read_text(encoding="utf-8"))
    cameras = next(p for p in review["programmes"] if p["id"] == "camaras-vigilancia")
    assert cameras["executed_units"] == 17
    assert cameras["overrun"] == pytest.approx(17 * 28 * 0.12)
    assert 17 <= cameras["year_units"] < cameras["planned_units"]
    security = next(d for d in review["departments"] if d["id"] == "security")
    assert security["year_spend"] <= security["budget"] + 1e-6
    assert review["warnings"] == []


def test_a_plan_saved_with_a_byte_order_mark_reads(plan_file: Path, tmp_path: Path) -> None:
    """Windows Notepad saves UTF-8 with a BOM; the plan is the same plan."""
    plan = tmp_path / "plan-bom.json"
    plan.write_bytes(b"\xef\xbb\xbf" + plan_file.read_bytes())
    execution = tmp_path / "e.csv"
    execution.write_text("programme,cluster,units,spend\n", encoding="utf-8")
    plain, bom = tmp_path / "a.json", tmp_path / "b.json"
    assert run(MINIMAL, plan_file, execution, "--json", plain).exit_code == 0
    result = run(MINIMAL, plan, execution, "--json", bom)
    assert result.exit_code == 0, result.output
    a, b = (json.loads(p.read_text(encoding="utf-8")) for p in (plain, bom))
    for key in ("programmes", "targets", "totals", "departments"):
        assert a[key] == b[key]
    assert a["remainder"]["programmes"] == b["remainder"]["programmes"]


def test_an_empty_execution_file_is_a_located_error(plan_file: Path, tmp_path: Path) -> None:
    execution = tmp_path / "empty.csv"
    execution.write_text("", encoding="utf-8")
    with pytest.raises(ScenarioError):
        load_execution(execution, load_scenario(MINIMAL).scenario)
    assert run(MINIMAL, plan_file, execution).exit_code == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", ":1:2: not valid JSON: Expecting property name enclosed in double quotes"),
        ("[1, 2]", ": not a plan: expected a 'pazos-budget/result@1' document"),
        (
            '{"schema": "pazos-budget/batch@1"}',
            ":1:12: not a plan: expected a 'pazos-budget/result@1'",
        ),
        (
            '{"schema": "pazos-budget/result@1", "scenario": {"sha256": 7}}',
            ":1:60: the plan is of another scenario: its scenario sha256 is 7,",
        ),
    ],
)
def test_a_bad_plan_file_is_a_located_error(
    plan_file: Path, tmp_path: Path, content: str, message: str
) -> None:
    bad = tmp_path / "plan.json"
    bad.write_text(content, encoding="utf-8")
    execution = tmp_path / "e.csv"
    execution.write_text("programme,cluster,units,spend\n", encoding="utf-8")
    result = run(MINIMAL, bad, execution)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{bad}{message}"), result.stderr


def test_a_plan_without_an_allocation_or_with_bad_units_is_refused(
    plan_file: Path, tmp_path: Path
) -> None:
    doc = json.loads(plan_file.read_text(encoding="utf-8"))
    execution = tmp_path / "e.csv"
    execution.write_text("programme,cluster,units,spend\n", encoding="utf-8")
    bad = tmp_path / "plan.json"
    for change, needle, message in (
        (
            {"status": "infeasible"},
            '"infeasible"',
            "the plan has no allocation (status 'infeasible')",
        ),
        ({"programmes": {}}, '"programmes": {}', "programmes: missing or not a list"),
        (
            {"programmes": [{**doc["programmes"][0], "clusters": {"north": "ten"}}]},
            '"ten"',
            "programmes[0].clusters.north: a cluster's units must be a number",
        ),
        (
            {"programmes": [{**doc["programmes"][0], "clusters": {"atlantis": 1}}]},
            '"atlantis"',
            "programmes[0].clusters.atlantis: not units of a cluster it runs in",
        ),
    ):
        bad.write_text(json.dumps({**doc, **change}), encoding="utf-8")
        result = run(MINIMAL, bad, execution)
        assert result.exit_code == 2
        # located at the value (the key's, for a cluster the programme does not run in),
        # found here in the file's text
        shift = len('"programmes": ') if needle.startswith('"programmes"') else 0
        if needle == '"atlantis"':
            shift = len('"atlantis": ')
        assert result.stderr.strip() == f"{bad}:{_at(bad, needle, shift)}: {message}"
