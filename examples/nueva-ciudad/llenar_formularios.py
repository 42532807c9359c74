"""Fill the intake forms of the illustrative city Villa Esperanza as its departments would.

This script stands for the four department heads of an invented city: each receives the
form `pazos-budget intake template` wrote for it, types its programmes into the yellow
(unlocked) cells, choosing from the dropdowns, and saves it. It writes only into unlocked
cells of the protected sheets, and only values a dropdown offers, as a spreadsheet program
would let a person do (a locked cell or a value off the list stops it). Then the forms are
saved once more by LibreOffice (headless), so that the files are those of a spreadsheet
program, not of the library that wrote the template.

    python llenar_formularios.py FOLDER      # FOLDER holds cultura.xlsx, seguridad.xlsx, ...

The figures are invented (docs/replication.md): no real city's programmes.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import openpyxl

#: The sheets of a Spanish form (reports/labels.py) and their first data row.
PROGRAMAS, JOVENES = "Programas", "Jóvenes por clúster"
FIRST_ROW = 5
TODOS, MARCADOS = "Todos los clústeres", "Solo los clústeres marcados"

#: What each department writes: one row per programme. `jovenes` is one number (youth per
#: unit in every cluster where it runs) or, per cluster, the youth sheet's numbers.
ANSWERS: dict[str, list[dict[str, Any]]] = {
    "cultura": [
        {
            "id": "escuelas-arte",
            "name": "Escuelas de arte y cultura",
            "component": "Prevención",
            "unit": "taller",
            "unit_cost": 9,
            "clusters": TODOS,
            "jovenes": 25,
        },
        {
            "id": "deporte-nocturno",
            "name": "Deporte nocturno",
            "component": "Prevención",
            "unit": "jornada",
            "unit_cost": 6,
            "clusters": TODOS,
            "jovenes": 20,
        },
        {
            "id": "cancha-la-loma",
            "name": "Cancha múltiple de La Loma (presupuesto participativo)",
            "component": "Prevención",
            "unit": "obra",
            "unit_cost": 90,
            "max_units": 1,
            "integer": "Sí",
            "clusters": MARCADOS,
            "jovenes": {"la-loma": 120},
        },
        {
            "id": "biblioteca-movil",
            "name": "Biblioteca móvil (presupuesto participativo)",
            "component": "Prevención",
            "unit": "obra",
            "unit_cost": 60,
            "max_units": 1,
            "integer": "Sí",
            "clusters": TODOS,
            "jovenes": 80,
        },
    ],
    "seguridad": [
        {
            "id": "gestores-paz",
            "name": "Gestores de paz (interrupción de violencias)",
            "component": "Interrupción de la violencia",
            "unit": "gestor-año",
            "unit_cost": 45,
            "integer": "Sí",
            "clusters": TODOS,
            # More youth where violence is higher (the gestores' own estimate).
            "jovenes": {
                "el-porvenir": 40,
                "la-loma": 40,
                "san-isidro": 35,
                "los-alamos": 35,
                "centro": 30,
                "la-ribera": 35,
                "villa-norte": 30,
                "el-mirador": 30,
            },
        },
        {
            "id": "alumbrado",
            "name": "Puntos de alumbrado público",
            "component": "Entornos seguros",
            "unit": "punto",
            "unit_cost": 4,
            "clusters": TODOS,
            "jovenes": 0,
        },
        {
            "id": "sendero-iluminado",
            "name": "Sendero iluminado de San Isidro (presupuesto participativo)",
            "component": "Entornos seguros",
            "unit": "obra",
            "unit_cost": 70,
            "max_units": 1,
            "integer": "Sí",
            "clusters": MARCADOS,
            "jovenes": {"san-isidro": 0},
        },
    ],
    "desarrollo-social": [
        {
            "id": "mentorias",
            "name": "Mentorías y acompañamiento psicosocial",
            "component": "Intervención en terreno",
            "unit": "grupo",
            "unit_cost": 18,
            "clusters": TODOS,
            "jovenes": 15,
        },
        {
            "id": "huerta-comunitaria",
            "name": "Huerta comunitaria juvenil (presupuesto participativo)",
            "component": "Prevención",
            "unit": "obra",
            "unit_cost": 40,
            "max_units": 1,
            "integer": "Sí",
            "clusters": MARCADOS,
            "jovenes": {"los-alamos": 40},
        },
    ],
    "gobierno": [
        {
            "id": "justicia-movil",
            "name": "Casa de justicia móvil",
            "component": "Acceso a la justicia",
            "unit": "jornada",
            "unit_cost": 7,
            "clusters": TODOS,
            "jovenes": 8,
        },
        {
            "id": "parque-el-porvenir",
            "name": "Parque del barrio El Porvenir (presupuesto participativo)",
            "component": "Entornos seguros",
            "unit": "obra",
            "unit_cost": 120,
            "max_units": 1,
            "integer": "Sí",
            "clusters": MARCADOS,
            "jovenes": {"el-porvenir": 150},
        },
    ],
}


def columns(ws: Any) -> dict[str, int]:
    """Field key (row 4 of the form) -> column."""
    return {str(c.value): c.column for c in ws[FIRST_ROW - 1] if c.value is not None}


def allowed(ws: Any, cell: Any) -> list[str] | None:
    """The values a dropdown offers in `cell`, or None when it has no list."""
    for dv in ws.data_validations.dataValidation:
        if dv.type == "list" and cell.coordinate in dv.sqref:
            return [v.strip() for v in str(dv.formula1).strip('"').split(",")]
    return None


def type_into(ws: Any, row: int, column: int, value: Any) -> None:
    """Type `value` into a cell, as a person can: only an unlocked cell of the protected
    sheet, and only a value its dropdown offers."""
    cell = ws.cell(row=row, column=column)
    if not ws.protection.sheet or cell.protection.locked:
        raise SystemExit(f"{ws.title}!{cell.coordinate} is locked: a person could not type there")
    options = allowed(ws, cell)
    if options is not None and value not in options:
        raise SystemExit(f"{ws.title}!{cell.coordinate}: {value!r} is not in its list {options}")
    cell.value = value


def fill(path: Path, answers: list[dict[str, Any]]) -> None:
    wb = openpyxl.load_workbook(path)
    programmes, youth = wb[PROGRAMAS], wb[JOVENES]
    pcol, ycol = columns(programmes), columns(youth)
    youth_row = FIRST_ROW  # the youth sheet lists only the programmes with figures there
    for k, answer in enumerate(answers):
        row = FIRST_ROW + k
        if programmes.cell(row=row, column=pcol["id"]).value is not None:
            raise SystemExit(f"{path}: row {row} is not empty (a new city's form is blank)")
        for key, value in answer.items():
            if key != "jovenes":
                type_into(programmes, row, pcol[key], value)
        per_cluster = answer["jovenes"]
        if isinstance(per_cluster, dict):
            type_into(youth, youth_row, ycol["id"], answer["id"])
            type_into(youth, youth_row, ycol["name"], answer["name"])
            for cluster, n in per_cluster.items():
                type_into(youth, youth_row, ycol[cluster], n)
            youth_row += 1
        else:
            type_into(programmes, row, pcol["youth_per_unit"], per_cluster)
    wb.save(path)


def resave(paths: list[Path]) -> None:
    """Open and save each form in LibreOffice (headless), as a spreadsheet program does."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise SystemExit("LibreOffice (soffice) is needed to save the forms again")
    with tempfile.TemporaryDirectory() as tmp:
        profile = Path(tmp, "profile").as_uri()
        out = Path(tmp, "out")
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation={profile}",
                "--headless",
                "--convert-to",
                "xlsx:Calc MS Excel 2007 XML",
                "--outdir",
                str(out),
                *map(str, paths),
            ],
            check=True,
            capture_output=True,
        )
        for p in paths:
            shutil.move(out / p.name, p)


def main(folder: Path) -> None:
    paths = []
    for department, answers in ANSWERS.items():
        path = folder / f"{department}.xlsx"
        fill(path, answers)
        paths.append(path)
    resave(paths)
    for p in paths:
        print(f"{p}: filled and saved again by LibreOffice")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "."))
