"""Spanish as the Alcaldía de Palmira writes it: the editor's corrections of the es
catalogue, pinned where a user reads them.

A warning of `validate`, an error of `review`, a cell of a workbook, a step of the intake
form: each case is the sentence as it now reads. The house rules (one word for each thing,
«…» around the names of the form's sheets and of Excel's menus, a count of one in the
singular) are also checked on the whole catalogue, so that a new text cannot break them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from conftest import invoke_cli
from pazos_budget.i18n import texts
from pazos_budget.reports.labels import Labels

ROOT = Path(__file__).resolve().parents[1]
MINIMO_ES = ROOT / "examples" / "minimo-es.yaml"

#: A variant of minimo-es with two targets nothing in their scope can serve: a goal of
#: one department, a target of one component.
UNSERVED = """\
extends: {base}
scenario: {{id: aviso, name: Aviso, language: {lang}}}
targets:
  add:
    - {{id: t-cultura, name: Mediaciones de cultura, kind: metric, metric: mediaciones,
       at_least: 5, departments: [cultura]}}
    - {{id: t-justicia, name: Jóvenes de justicia, kind: youth_reach, share: 0.1,
       components: [access_to_justice]}}
"""


def _unserved(tmp_path: Path, lang: str) -> Path:
    path = tmp_path / f"aviso-{lang}.yaml"
    path.write_text(UNSERVED.format(base=MINIMO_ES, lang=lang), encoding="utf-8")
    return path


def test_a_scope_of_one_department_or_component_is_said_in_the_singular(
    tmp_path: Path,
) -> None:
    """It read "(de la(s) secretaría(s) cultura)", "(del (de los) componente(s) ...)",
    "dentro del alcance" (alcance is the tool's word for reach) and "la solución sigue"."""
    path = _unserved(tmp_path, "es")
    run = invoke_cli("validate", str(path))
    assert run.exit_code == 0, run.output
    assert run.stderr.splitlines() == [
        f"{path}:5:67: advertencia: targets[2].metric: esta meta no se puede cumplir (la "
        "corrida continúa y la reporta como no cumplida): ningún programa de su ámbito (de "
        "la secretaría cultura) produce 'mediaciones'; solo la producen interruptores, por "
        "fuera de su ámbito",
        f"{path}:7:7: advertencia: targets[3]: esta meta no se puede cumplir (la corrida "
        "continúa y la reporta como no cumplida): ningún programa de su ámbito (del "
        "componente access_to_justice) llega a jóvenes",
    ]
    path = _unserved(tmp_path, "en")
    run = invoke_cli("validate", str(path))
    assert run.exit_code == 0, run.output
    assert "(of department cultura) produces 'mediaciones'" in run.stderr
    assert "(in component access_to_justice) reaches any youth" in run.stderr


def test_two_departments_or_components_are_said_in_the_plural() -> None:
    L = Labels("es")
    assert L("val.words.of_departments.other", ids="cultura, gobierno") == (
        "de las secretarías cultura, gobierno"
    )
    assert L("val.words.in_components.other", ids="prevention, interruption") == (
        "de los componentes prevention, interruption"
    )


@pytest.mark.parametrize(
    ("extra", "es", "en"),
    [(1, "... y 1 problema más", "... and 1 more problem"), (2, "... y 2 problemas más", "")],
)
def test_the_problems_left_unlisted_are_counted_in_their_number(
    tmp_path: Path, extra: int, es: str, en: str
) -> None:
    """Past 50 problems a line counts the rest: it read "... y 1 problema(s) más"."""
    for lang, said in (("es", es), ("en", en)):
        if not said:
            continue
        clusters = "".join(
            f"  - {{id: c{i}, name: C{i}, youth_population: -1}}\n" for i in range(50 + extra)
        )
        path = tmp_path / f"muchos-{lang}.yaml"
        path.write_text(
            f"scenario: {{id: muchos, name: Muchos, year: 2024, language: {lang}}}\n"
            f"budget: {{total: 100}}\nclusters:\n{clusters}"
            "departments: [{id: cultura, name: Cultura}]\nprogrammes: []\n",
            encoding="utf-8",
        )
        run = invoke_cli("validate", str(path))
        assert run.exit_code == 2
        # last, after the 50 it lists (it came first: a line without a line number)
        assert run.stderr.splitlines()[-1] == f"{path}: {said}", run.stderr
        assert len(run.stderr.splitlines()) == 51


@pytest.mark.parametrize(
    ("components", "message"),
    [
        (4, "falta el componente: access_to_justice"),
        (3, "faltan los componentes: safe_environments, access_to_justice"),
    ],
)
def test_a_components_section_short_of_some_says_which_in_their_number(
    tmp_path: Path, components: int, message: str
) -> None:
    """It read "falta(n) el (los) componente(s): ..."."""
    ids = ["interruption", "intervention", "prevention", "safe_environments"][:components]
    text = MINIMO_ES.read_text(encoding="utf-8").replace(
        "metrics:",
        "components:\n" + "".join(f"  - {{id: {c}, name: {c}}}\n" for c in ids) + "metrics:",
    )
    path = tmp_path / "componentes.yaml"
    path.write_text(text, encoding="utf-8")
    run = invoke_cli("validate", str(path))
    assert run.exit_code == 2
    assert f": components: {message}" in run.stderr, run.stderr


#: minimo-es with its programmes in a CSV table (docs/tables.md).
TABLED = (
    MINIMO_ES.read_text(encoding="utf-8").split("programmes:")[0]
    + "tables: {programmes: programas.csv}\n"
)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("id,name,department,component", "programas.csv:1:1: falta la columna: unit_cost"),
        ("id,name,department", "programas.csv:1:1: faltan las columnas: component, unit_cost"),
    ],
)
def test_a_table_short_of_columns_names_them_in_their_number(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, header: str, message: str
) -> None:
    """It read "falta(n) la(s) columna(s): unit_cost"."""
    monkeypatch.chdir(tmp_path)
    row = ",".join(["a", "A", "cultura", "prevention"][: header.count(",") + 1])
    Path("programas.csv").write_text(f"{header}\n{row}\n", encoding="utf-8")
    Path("s.yaml").write_text(TABLED, encoding="utf-8")
    run = invoke_cli("validate", "s.yaml")
    assert run.exit_code == 2
    assert message in run.stderr.splitlines(), run.stderr


def test_a_vote_file_or_a_forms_key_row_short_of_a_column_says_it_in_the_singular() -> None:
    """They read "falta(n) la(s) columna(s) programme" and "le falta(n) la(s) columna(s)"."""
    es = texts("es")
    said = es["val.votes.columns.one"].format(missing="programme", columns="programme, votes")
    assert said == (
        "falta la columna programme (un archivo de votos tiene las columnas programme, votes)"
    )
    assert es["val.intake.key_row.one"].format(row=3, columns="unit_cost") == (
        "a la fila de claves (fila 3) le falta la columna unit_cost; no modifique las dos "
        "filas de encabezado"
    )
    assert (
        es["val.intake.key_row.other"]
        .format(row=3, columns="id, name")
        .startswith("a la fila de claves (fila 3) le faltan las columnas id, name;")
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '{"a": 1}',
            ": no es un plan: se esperaba un documento 'pazos-budget/result@1' (lo que "
            "escribe solve --json), pero no tiene esquema\n",
        ),
        (
            '{"schema": "pazos-budget/batch@1"}',
            ":1:12: no es un plan: se esperaba un documento 'pazos-budget/result@1' (lo que "
            "escribe solve --json), pero su esquema es 'pazos-budget/batch@1'\n",
        ),
        (
            '{"schema": "pazos-budget/result@1"}',
            ": el plan es de otro escenario: el sha256 de su escenario es desconocido (el "
            "plan no lo indica), y ",
        ),
    ],
)
def test_a_file_that_is_not_this_scenarios_plan_is_told_in_plain_spanish(
    tmp_path: Path, content: str, message: str
) -> None:
    """It read "..., y tiene ningún esquema" and "el sha256 de su escenario es ausente"."""
    plan = tmp_path / "plan.json"
    plan.write_text(content, encoding="utf-8")
    execution = tmp_path / "ejecucion.csv"
    execution.write_text("programa,clúster,unidades,gasto\n", encoding="utf-8")
    run = invoke_cli("review", str(MINIMO_ES), str(plan), str(execution))
    assert run.exit_code == 2
    assert run.stderr.startswith(f"{plan}{message}"), run.stderr


#: Sentences as they now read (key, values, the Spanish text or a part of it), with what
#: was wrong before: a term, the grammar, a quote, a literal translation.
READS: list[tuple[str, dict[str, Any], str]] = [
    # "No se puede modificar": the envelope and the goals are two things.
    ("intake.steps", {"currency": "millones de COP"}, "No se pueden modificar aquí"),
    ("intake.youth.note", {}, "de la hoja «Programas»."),
    ("review.remainder.infeasible", {}, "Sin solución con lo ejecutado: vea la hoja «Diagnóstico»"),
    # The form's column is «Dónde funciona»: its errors say "funciona", not "se ejecuta".
    (
        "val.intake.city_wide",
        {},
        "un programa de toda la ciudad no funciona en ningún clúster: deje vacía su fila en "
        "esta hoja, o elija dónde funciona",
    ),
    (
        "val.intake.no_youth",
        {"id": "norte"},
        "no hay jóvenes por unidad para el clúster 'norte': el programa funciona en todos los "
        "clústeres, así que dé un número para cada uno en la hoja «Jóvenes por clúster», "
        "escriba uno en «Jóvenes por unidad», o elija «Solo los clústeres marcados»",
    ),
    ("val.intake.no_programme", {"id": "x"}, "no hay un programa 'x' en la hoja «Programas»"),
    ("val.intake.unknown.metric", {"key": "k", "hint": ""}, "producto desconocido 'k' en la fila"),
    ("val.book.xls", {}, "guárdelo como «Libro de Excel (.xlsx)»"),
    ("val.book.ods", {}, "guárdela como «Excel 2007-365 (.xlsx)»"),
    ("val.init.terr.semicolon", {}, "guarde el archivo como «CSV UTF-8 (delimitado por comas)»"),
    ("val.csv.bad_byte", {"what": "no es UTF-8", "byte": 9}, "guarde el archivo como «CSV UTF-8»"),
    ("val.cell.formula", {"formula": "=A1"}, "abra el archivo en un programa de hojas de cálculo"),
    (
        "val.ctrl",
        {"what": "el texto", "char": "U+001B", "position": 3, "more": ""},
        "el texto contiene el carácter de control U+001B en la posición 3;",
    ),
    ("val.span.unit", {}, "lo que el solver puede distinguir"),
    # "la solución sigue": a solve (la corrida) goes on; alcance is the tool's word for reach.
    ("val.warn.soft_unmet", {}, "(la corrida continúa y la reporta como no cumplida)"),
    (
        "val.why.produced_only",
        {"programmes": "p1"},
        "; solo la producen p1, por fuera de su ámbito",
    ),
    ("val.words.in_scope", {"parts": "x"}, "de su ámbito (x)"),
    ("val.check.dept_budget", {"id": "cultura", "spend": 7, "budget": 5}, "la secretaría cultura"),
    ("val.department.pazos", {"id": "pazos"}, "dé a la secretaría otro id"),
    ("review.dept.cofunded", {}, "qué parte paga esta secretaría;"),
    (
        "reason.spend_share.at_least",
        {"target": "foco"},
        "Una unidad más bajaría la participación en el gasto que exige la meta «foco».",
    ),
    (
        "reason.at_change_floor",
        {"units": 4, "current": 6},
        "No puede bajar de 4 unidades: es el piso de su cambio máximo, frente a las 6 del plan "
        "vigente.",
    ),
    ("col.marginal_youth", {"per": "cada millón más"}, "Jóvenes distintos adicionales por cada"),
    (
        "alt.note.interrupted",
        {"found": 1, "count": 3},
        "Búsqueda interrumpida. Alternativas encontradas: 1 de las 3 pedidas.",
    ),
    (
        "alt.decisions.count",
        {"robust": 5, "total": 8, "same": 4, "funded": 1, "free": 1},
        "(4 con el mismo gasto en todos los planes, 1 con financiación en todos, por montos "
        "distintos). De libre elección: 1 (con financiación solo en algunos planes).",
    ),
    ("alt.note.not_optimal", {}, "no hay un óptimo de referencia cerca del cual buscar"),
    ("deck.title.sub", {}, "Propuesta de asignación para el Concejo Municipal"),
    ("init.departments_none", {}, "Agregue las secretarías que pagan"),
    ("init.presence_note", {}, "Palmira la exigía como meta obligatoria (hard: true)"),
    ("init.target.votes", {"share": "50%"}, "llevan al menos el 50% de los votos ciudadanos"),
    ("cli.help.sweep", {}, "La frontera presupuestal: "),
    ("cli.help.option.forms", {}, "Formularios diligenciados (.xlsx), uno por secretaría."),
    ("cli.help.validate", {}, "de cada archivo válido muestra un resumen y, de los demás"),
    ("cli.exit.130", {}, "interrumpido (Ctrl-C): solve antes de tener un plan; sweep y robust"),
]


@pytest.mark.parametrize(("key", "values", "said"), READS, ids=[r[0] for r in READS])
def test_the_corrected_texts_read_as_the_office_writes_them(
    key: str, values: dict[str, Any], said: str
) -> None:
    assert said in texts("es")[key].format(**values)


#: Words a Colombian municipal office does not write for these things (what it writes).
NOT_OURS = {
    r"\bsolucionador": "solver",
    r"\bañad": "agregar",
    r"\bmeta dura": "meta obligatoria",
    r"\b(?:del|su) alcance\b": "ámbito (alcance is reach)",
    r"\bordenador": "computador",
    r"\bfichero": "archivo",
    r"\brellen": "diligenciar",
}


def test_the_house_terms_hold_in_every_spanish_text() -> None:
    for key, text in texts("es").items():
        lowered = text.lower()
        for pattern, ours in NOT_OURS.items():
            assert not re.search(pattern, lowered), (key, ours)
        # A department is a secretaría; the inclusive "secretaría o dependencia" is the
        # Departments sheet's own label only (IMDER or a gerencia are dependencias).
        if key not in ("title.departments", "col.department"):
            assert "dependencia" not in lowered, key


def test_the_forms_sheets_and_excels_menus_are_quoted_in_guillemets() -> None:
    """A name the user reads on a tab or in a menu is quoted «…», as the form's own
    instructions do; ids and values typed in a file keep their '…'."""
    es = texts("es")
    names = [es[k] for k in es if k.startswith("intake.sheet.")]
    names += [es["intake.where.listed"], es["intake.col.youth_per_unit"], es["sheet.diagnosis"]]
    names += ["Libro de Excel", "CSV UTF-8", "Excel 2007-365"]
    for key, text in es.items():
        for name in names:
            assert f"'{name}" not in text, (key, name)
        assert not re.search(r"\bhoja [A-ZÁÉÍÓÚ]", text), key
