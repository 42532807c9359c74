"""The second shipped city, Villa Esperanza (illustrative), built only with `init` and the
departments' intake forms, as a new city's planning office would build it.

Checked: `init` run on the committed inputs writes the committed skeleton
(`examples/nueva-ciudad/villa-esperanza.yaml`); `intake import` of the committed, filled
forms writes the shipped example (`examples/nueva-ciudad.yaml`) byte for byte, with no
warning (the forms were made from that skeleton); each form is its template with only
unlocked cells typed in, saved by a spreadsheet program (LibreOffice); and the council's
ask that funded programmes carry half the citizens' votes is met, recounted from the
allocation. The example is also validated, solved and swept with every shipped file
(tests/test_examples_*.py, test_batch.py).
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from conftest import ROOT, invoke_cli
from pazos_budget import __version__
from pazos_budget.loader import load_scenario
from pazos_budget.pipeline import solve_scenario
from pazos_budget.result import to_json
from pazos_budget.solve import SolveOptions
from pazos_budget.votes import read_votes, share_of

EXAMPLES = ROOT / "examples"
EXAMPLE = EXAMPLES / "nueva-ciudad.yaml"
FOLDER = EXAMPLES / "nueva-ciudad"
SKELETON = FOLDER / "villa-esperanza.yaml"
DEPARTMENTS = ("cultura", "desarrollo-social", "gobierno", "seguridad")
FORMS = [f"nueva-ciudad/formularios/{d}.xlsx" for d in DEPARTMENTS]  # as a shell sorts *.xlsx
NOTES = (
    "Ciudad ilustrativa: territorios, cifras, secretarías, programas y votos inventados; "
    "no es una ciudad real."
)
#: The commands of docs/replication.md and README.md, run from the `examples` folder.
INIT = (
    "init",
    "nueva-ciudad/territorios.csv",
    "--departments",
    "nueva-ciudad/secretarias.csv",
    "--votes",
    "nueva-ciudad/votos.csv",
    "--indicators",
    "youth_homicides=0.5,injuries=0.2,domestic_violence=0.15,sexual_crimes=0.15",
    "--prioritize",
    "4",
    "--year",
    "2026",
    "--name",
    "Villa Esperanza 2026 (ciudad ilustrativa)",
    "--notes",
    NOTES,
    "-o",
    "nueva-ciudad/villa-esperanza.yaml",
)
IMPORT = (
    "intake",
    "import",
    "nueva-ciudad/villa-esperanza.yaml",
    *FORMS,
    "--id",
    "nueva-ciudad",
    "-o",
    "nueva-ciudad.yaml",
)


@pytest.fixture
def copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the example's inputs (without the files the commands write), as the
    working folder: the commands' relative paths are those a user types."""
    shutil.copytree(FOLDER, tmp_path / "nueva-ciudad")
    (tmp_path / "nueva-ciudad" / "villa-esperanza.yaml").unlink()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _unversioned(text: str) -> str:
    """The text with this version in its `# pazos-budget X` line (a release rewrites it)."""
    return "\n".join(
        f"# pazos-budget {__version__}" if line.startswith("# pazos-budget ") else line
        for line in text.split("\n")
    )


def test_the_skeleton_is_what_init_writes(copy: Path) -> None:
    run = invoke_cli(*INIT)
    assert run.exit_code == 0, run.output
    fresh = (copy / "nueva-ciudad" / "villa-esperanza.yaml").read_text(encoding="utf-8")
    assert fresh == _unversioned(SKELETON.read_text(encoding="utf-8"))
    assert "programmes: []" in fresh  # the programmes come from the forms, not from init


def test_the_example_is_what_intake_import_writes(copy: Path) -> None:
    shutil.copy(SKELETON, copy / "nueva-ciudad" / "villa-esperanza.yaml")
    run = invoke_cli(*IMPORT)
    assert run.exit_code == 0, run.output
    assert run.stderr == ""  # no warning: each form was made from this very skeleton
    assert (copy / "nueva-ciudad.yaml").read_bytes() == EXAMPLE.read_bytes()
    assert run.stdout.splitlines()[:4] == [
        "nueva-ciudad/formularios/cultura.xlsx: cultura: 4 agregados (escuelas-arte, "
        "deporte-nocturno, cancha-la-loma, biblioteca-movil)",
        "nueva-ciudad/formularios/desarrollo-social.xlsx: desarrollo-social: 2 agregados "
        "(mentorias, huerta-comunitaria)",
        "nueva-ciudad/formularios/gobierno.xlsx: gobierno: 2 agregados (justicia-movil, "
        "parque-el-porvenir)",
        "nueva-ciudad/formularios/seguridad.xlsx: seguridad: 3 agregados (gestores-paz, "
        "alumbrado, sendero-iluminado)",
    ]


def test_forms_are_imported_together_with_the_votes_checked_at_their_cells(copy: Path) -> None:
    """The skeleton's votes are checked against the programmes the forms add: a form
    that types votes itself is refused at that cell, and a voted project that no
    imported form adds is refused at its row of the vote file; nothing is written."""
    shutil.copy(SKELETON, copy / "nueva-ciudad" / "villa-esperanza.yaml")
    book = openpyxl.load_workbook(FOLDER / "formularios" / "gobierno.xlsx")
    outputs = book["Otros resultados"]
    outputs["A5"], outputs["C5"] = "parque-el-porvenir", 820
    book.save(copy / "nueva-ciudad" / "formularios" / "gobierno.xlsx")
    run = invoke_cli(*IMPORT)
    assert run.exit_code == 2 and not (copy / "nueva-ciudad.yaml").exists()
    assert run.stderr == (
        "nueva-ciudad/formularios/gobierno.xlsx:Otros resultados!C5: outputs.votes: los votos "
        "vienen de nueva-ciudad/votos.csv; no los incluya también en outputs\n"
    )
    run = invoke_cli(*IMPORT[:3], FORMS[0], *IMPORT[-4:])  # culture's form alone
    assert run.exit_code == 2
    assert run.stderr.splitlines() == [
        f"nueva-ciudad/votos.csv:{row}:1: programme: programa desconocido '{pid}'"
        for row, pid in (
            (2, "parque-el-porvenir"),
            (5, "huerta-comunitaria"),
            (6, "sendero-iluminado"),
        )
    ]


def _values(path: Path) -> dict[tuple[str, str], object]:
    book = openpyxl.load_workbook(path)
    return {
        (ws.title, c.coordinate): c.value
        for ws in book.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.value is not None
    }


@pytest.mark.parametrize("department", DEPARTMENTS)
def test_each_form_is_its_template_filled_in_the_yellow_cells(copy: Path, department: str) -> None:
    """A department's submission: the template of the skeleton, with values typed only
    into unlocked cells of its protected sheets, saved again by LibreOffice."""
    template = copy / f"{department}.xlsx"
    shutil.copy(SKELETON, copy / "nueva-ciudad" / "villa-esperanza.yaml")
    run = invoke_cli(
        "intake",
        "template",
        "nueva-ciudad/villa-esperanza.yaml",
        "--department",
        department,
        "-o",
        str(template),
    )
    assert run.exit_code == 0, run.output
    filled = FOLDER / "formularios" / f"{department}.xlsx"
    with zipfile.ZipFile(filled) as z:
        assert "<Application>LibreOffice" in z.read("docProps/app.xml").decode()
    blank, typed = _values(template), _values(filled)
    changed = {k for k in blank.keys() | typed.keys() if blank.get(k) != typed.get(k)}
    assert changed, "the form was not filled in"
    book = openpyxl.load_workbook(template)
    for sheet, cell in sorted(changed):
        ws = book[sheet]
        assert ws.protection.sheet and not ws[cell].protection.locked, (sheet, cell)
    assert all(ws.protection.sheet for ws in openpyxl.load_workbook(filled).worksheets)


def test_the_council_asks_for_half_the_votes_and_the_plan_carries_them() -> None:
    loaded = load_scenario(EXAMPLE)
    s = loaded.scenario
    assert "ilustrativa" in s.scenario.name and s.scenario.notes == NOTES  # not a real city
    assert loaded.base is not None and SKELETON in loaded.files
    assert FOLDER / "votos.csv" in loaded.files
    votes = read_votes(FOLDER / "votos.csv")
    per = {v.id: v.votes for v in votes.items}
    # The votes from votos.csv, given to the programmes the forms added.
    assert {p.id: p.outputs["votes"] for p in s.programmes if "votes" in p.outputs} == per
    target = next(t for t in s.targets if t.id == "votos-ciudadanos")
    assert target.at_least == share_of(votes.total, 0.5) == 1330
    doc = to_json(solve_scenario(loaded, SolveOptions()))
    assert doc["status"] == "optimal"
    funded = [p["id"] for p in doc["programmes"] if p["units"] >= 1 and p["id"] in per]
    carried = sum(per[p] for p in funded)
    row = next(t for t in doc["targets"] if t["id"] == "votos-ciudadanos")["rows"][0]
    assert row["achieved"] == carried >= 1330 and row["required"] == 1330
    assert carried == 1610  # the figure docs/replication.md gives
