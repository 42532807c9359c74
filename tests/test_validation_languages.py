"""The problems and warnings of a scenario in the run's language (issue 11, validation).

A Spanish scenario with many kinds of problem at once is told about them in Spanish by
`validate`, `solve`, `compare` and `sweep`; the same scenario in English in English
(the English texts are the ones the bad-input tests have always checked). The language
is --lang, else the one the file says it is in (read raw: an invalid file too, and
through `extends:`), else English. Every message of the reading layer is a catalogue
message (`val.*`), with the same placeholders in both languages.
"""

from __future__ import annotations

import ast
import os
import pickle
import re
import string
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from pazos_budget.cli import app
from pazos_budget.errors import Problem, ScenarioError
from pazos_budget.i18n import texts
from pazos_budget.loader import load_scenario, scenario_language
from pazos_budget.messages import PREFIX, Num, Text, localized_number, problem_line

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "pazos_budget"

#: Many kinds of problem at once: bounds, an unknown field, a choice, a misspelt
#: department, duplicate ids, a bad range, a share as a percent, yes for true, an unknown
#: cluster, cofunding shares that do not sum to 1.
BAD = """\
scenario:
  id: prueba
  name: Prueba
  year: 2024
  language: {lang}
budget:
  total: -5
clusters:
  - {{id: norte, name: Norte, youth_population: 0}}
  - {{id: sur, name: Sur, youth_population: 100, prioritized: yes}}
  - {{id: sur, name: Sur bis, youth_population: 100}}
departments:
  - {{id: cultura, name: Cultura, budget: 10, min_spend: 20}}
  - {{id: seguridad, name: Seguridad}}
programmes:
  - id: p1
    name: P1
    department: culturaa
    component: prevension
    unit_cost: {{value: 5, low: 7, high: 9}}
    youth_per_unit: 1
    integr: true
  - id: p2
    name: P2
    department: seguridad
    component: prevention
    unit_cost: 3
    clusters: all
    cofunding: {{seguridad: 0.5, cultura: 0.2}}
targets:
  - {{id: t1, kind: youth_reach, share: 15}}
  - {{id: t1, kind: metric, metric: mediaciones, at_least: 3, clusters: [oeste]}}
"""

#: Valid, with warnings: a target nothing can serve, a prioritized cluster no programme
#: reaches under maximize_min_coverage.
WARNED = """\
scenario: {{id: aviso, name: Aviso, year: 2024, language: {lang}}}
budget: {{total: 100}}
objective: maximize_min_coverage
clusters:
  - {{id: norte, name: Norte, youth_population: 1000}}
  - {{id: sur, name: Sur, youth_population: 1000}}
departments:
  - {{id: cultura, name: Cultura}}
programmes:
  - {{id: p1, name: P1, department: cultura, component: prevention, unit_cost: 1,
      clusters: [norte], youth_per_unit: 1, max_units: 10}}
targets:
  - {{id: t1, kind: metric, metric: mediaciones, at_least: 5}}
"""

#: Words only our English sentences have, and only our Spanish ones.
ENGLISH_WORDS = """
must be the is of and unknown did you mean duplicate cluster department programme target
required number greater than least most exceed sum shares whole listed twice warning
cannot met produces reaches prioritized left out scope text mapping one field fields kind
"""
SPANISH_WORDS = """
debe ser el la los las de del desconocido desconocida quiso decir duplicado clúster
secretaría programa meta obligatorio número mayor menor que igual superar suman
proporciones aparece dos veces advertencia puede cumplir produce llega priorizado queda
fuera alcance campo valores estos
"""
ENGLISH = frozenset(ENGLISH_WORDS.split())
SPANISH = frozenset(SPANISH_WORDS.split())


def sentence_words(output: str) -> set[str]:
    """The words of our sentences: without the location and field path of each line,
    quoted values, and names as written (ids, YAML keys with '_', '.', '[' or '-')."""
    found: set[str] = set()
    for line in output.splitlines():
        # FILE:LINE:COL: [warning: ]path: message -> message
        rest = re.sub(r"^\S+?:\d+:\d+: ", "", line)
        rest = re.sub(r"^(warning|advertencia): ", "", rest)
        rest = re.sub(r"^[\w.\[\]-]+: ", "", rest)
        rest = re.sub(r"'[^']*'", " ", rest)
        rest = re.sub(r"\S*[_.\[\]/-]\S*", " ", rest)
        found |= {w for w in re.findall(r"[^\W\d_]+", rest.lower())}
    return found


def write(tmp: Path, name: str, template: str, lang: str) -> Path:
    path = tmp / name
    path.write_text(template.format(lang=lang), encoding="utf-8")
    return path


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


@pytest.mark.parametrize(
    ("lang", "own", "other"), [("es", SPANISH, ENGLISH), ("en", ENGLISH, SPANISH)]
)
def test_problems_and_warnings_speak_the_scenarios_language(
    tmp_path: Path, lang: str, own: frozenset[str], other: frozenset[str]
) -> None:
    bad = write(tmp_path, "bad.yaml", BAD, lang)
    warned = write(tmp_path, "warned.yaml", WARNED, lang)
    runs = {
        "validate": run("validate", str(bad), str(warned)),
        "solve": run("solve", str(bad)),
        "solve-warned": run("solve", str(warned), "-q"),
        "compare": run("compare", str(bad), str(warned), "-o", str(tmp_path / "c.xlsx")),
        "sweep": run("sweep", str(bad), "--budget", "1:3:1", "-o", str(tmp_path / "s.xlsx")),
    }
    for command, result in runs.items():
        assert result.exit_code == (0 if command == "solve-warned" else 2), result.output
        assert "Traceback" not in result.output
        said = sentence_words(result.stderr)
        assert said & own, (command, result.stderr)
        assert not said & other, (command, sorted(said & other), result.stderr)
    problems = runs["solve"].stderr.splitlines()
    assert len(problems) >= 12, problems  # every kind at once, not one at a time
    warnings = runs["solve-warned"].stderr.splitlines()
    assert len(warnings) == 2 and all(
        (": advertencia: " if lang == "es" else ": warning: ") in w for w in warnings
    ), warnings


def test_the_spanish_messages_read_as_a_planning_office_writes(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.yaml", BAD, "es")
    said = run("validate", str(bad)).stderr
    for line in (
        f"{bad}:7:3: budget.total: debe ser mayor o igual a 0",
        f"{bad}:9:30: clusters[0].youth_population: debe ser mayor que 0",
        f"{bad}:10:49: clusters[1].prioritized: debe ser true o false; escriba true (no 'yes')",
        f"{bad}:11:6: clusters[2].id: id duplicado 'sur' (también clusters[1])",
        f"{bad}:13:46: departments[0].min_spend: no debe superar el presupuesto de la "
        "secretaría (10)",
        f"{bad}:18:5: programmes[0].department: secretaría desconocida 'culturaa'; ¿quiso "
        "decir 'cultura'?",
        f"{bad}:20:27: programmes[0].unit_cost.low: no debe ser mayor que value (5)",
        f"{bad}:22:5: programmes[0].integr: campo desconocido 'integr'; ¿quiso decir 'integer'?",
        f"{bad}:29:5: programmes[1].cofunding: las proporciones deben sumar 1 (suman 0,7)",
        # What to write stays as YAML writes it: 0.15, not 0,15.
        f"{bad}:31:33: targets[0].share: debe ser menor o igual a 1 (una proporción); ¿quiso "
        "decir 0.15?",
        f"{bad}:32:6: targets[1].id: id de meta duplicado 't1' (también en targets[0])",
        f"{bad}:32:73: targets[1].clusters[0]: clúster desconocido 'oeste'; ¿quiso decir 'norte'?",
    ):
        assert line in said.splitlines(), (line, said)


def test_the_english_messages_are_the_ones_always_written(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.yaml", BAD, "en")
    said = run("validate", str(bad)).stderr.splitlines()
    assert f"{bad}:29:5: programmes[1].cofunding: shares must sum to 1 (they sum to 0.7)" in said
    assert f"{bad}:31:33: targets[0].share: must be at most 1 (a share); did you mean 0.15?" in said
    # The library's own text (str(problem)) is the English one, whatever the file says.
    es = write(tmp_path, "es.yaml", BAD, "es")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(es)
    assert [str(p) for p in caught.value.problems] == [
        line.replace(str(bad), str(es)) for line in said
    ]


def test_lang_option_beats_the_files_language(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.yaml", BAD, "es")
    said = run("solve", str(bad), "--lang", "en").stderr
    assert "budget.total: must be at least 0" in said and "debe" not in said


def test_the_language_is_read_from_an_invalid_file_and_through_extends(tmp_path: Path) -> None:
    broken = tmp_path / "roto.yaml"
    broken.write_text("scenario: {id: x, language: es}\nbudget: [\n", encoding="utf-8")
    assert scenario_language(broken) == "es"
    said = run("validate", str(broken)).stderr
    assert "YAML no válido: al analizar un nodo en línea: se esperaba un valor" in said, said
    base = write(tmp_path, "base.yaml", WARNED, "es")
    variant = tmp_path / "variante.yaml"
    variant.write_text("extends: base.yaml\nbudget: {total: -1}\n", encoding="utf-8")
    assert scenario_language(variant) == "es"
    said = run("solve", str(variant)).stderr
    assert "budget.total: debe ser mayor o igual a 0" in said, said
    assert base.exists()


def test_a_scenario_that_does_not_say_is_told_in_its_default_language(tmp_path: Path) -> None:
    """Solved and reported in Spanish (the default), so its problems are told in Spanish
    too, whatever the locale."""
    bad = tmp_path / "sin-idioma.yaml"
    bad.write_text("scenario: {id: x, name: X, year: 2023}\nbudget: {total: -1}\n", "utf-8")
    said = run("validate", str(bad)).stderr
    assert "budget.total: debe ser mayor o igual a 0" in said, said


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("scenario: {language: en}\n", "en"),
        ("scenario:\n  language: 'es'\n", "es"),
        ("scenario: {language: fr}\n", None),
        ("scenario: {id: x}\n", "es"),  # a scenario that does not say: its default
        ("budget: {total: 1}\n", None),
        ("extends: itself.yaml\n", None),  # a cycle ends
        ("\x00\x01garbage language: es", "es"),
        ("", None),
    ],
)
def test_scenario_language_never_raises(tmp_path: Path, text: str, expected: str | None) -> None:
    path = tmp_path / "itself.yaml"
    path.write_text(text, encoding="utf-8")
    assert scenario_language(path) == expected
    assert scenario_language(tmp_path / "missing.yaml") is None
    assert scenario_language(tmp_path) is None  # a folder


def _through_a_fifo(tmp_path: Path, text: str, *args: str) -> Any:
    """`cat FILE > pipe.yaml & pazos-budget ARGS pipe.yaml`: the scenario comes through a
    named pipe, which can be read once (its language cannot be peeked at first)."""
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    writer = subprocess.Popen(
        [sys.executable, "-c", f"open({str(fifo)!r}, 'wb').write({text.encode()!r})"]
    )
    try:
        return run(*args, str(fifo))
    finally:
        writer.wait(10)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")
@pytest.mark.parametrize("command", ["validate", "solve"])
def test_a_scenario_from_a_pipe_is_told_in_the_language_it_declares(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """As a file is: its problems and its warnings, whatever the locale (here C)."""
    for name in ("LANGUAGE", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LC_ALL", "C")
    said = _through_a_fifo(tmp_path, BAD.format(lang="es"), command).stderr
    assert "budget.total: debe ser mayor o igual a 0" in said, said
    assert not sentence_words(said) & ENGLISH, said
    (tmp_path / "pipe.yaml").unlink()
    args = [command] if command == "validate" else [command, "-q"]
    said = _through_a_fifo(tmp_path, WARNED.format(lang="es"), *args).stderr
    assert ": advertencia: " in said and ": warning: " not in said, said
    # a variant through a pipe that does not say: its base's language
    write(tmp_path, "base.yaml", WARNED, "es")
    (tmp_path / "pipe.yaml").unlink()
    variant = "extends: base.yaml\nbudget: {total: -1}\n"
    said = _through_a_fifo(tmp_path, variant, command).stderr
    assert "budget.total: debe ser mayor o igual a 0" in said, said
    # and a file that is not YAML, by its `language:` line
    (tmp_path / "pipe.yaml").unlink()
    said = _through_a_fifo(tmp_path, "scenario: {id: x, language: es}\nbudget: [\n", command)
    assert "YAML no válido" in said.stderr, said.stderr


def test_a_scenario_error_keeps_its_languages_across_processes(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.yaml", BAD, "es")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(bad)
    again = pickle.loads(pickle.dumps(caught.value))
    assert [problem_line(p, "es") for p in again.problems] == [
        problem_line(p, "es") for p in caught.value.problems
    ]
    assert [str(p) for p in again.problems] == [str(p) for p in caught.value.problems]


def test_init_tells_the_problems_of_a_territories_file_in_the_skeletons_language(
    tmp_path: Path,
) -> None:
    path = tmp_path / "territorios.csv"
    path.write_text(
        "id,name,youth_population,homicidios\nnorte,Norte,0,3\nNorte,,10,\n", encoding="utf-8"
    )
    said = run("init", str(path), "-o", str(tmp_path / "s.yaml")).stderr.splitlines()
    assert said == [
        f"{path}:2:3: youth_population: debe ser un número entero mayor que 0, y dice '0'",
        f"{path}:3:1: id: 'Norte' no es un id: letras minúsculas, dígitos, '-' o '_', que "
        "empiece por una letra o un dígito (por ejemplo comuna-1)",
        f"{path}:3:2: name: falta el nombre",
        f"{path}:3:4: homicidios: falta el valor del territorio 'Norte': escriba el conteo (0 "
        "si no se registró ninguno); una celda vacía no se lee como cero",
    ], said


# --------------------------------------------------------------------------- the catalogue
def val_keys() -> list[str]:
    return sorted(k for k in texts("en") if k.startswith(PREFIX))


def fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


@pytest.mark.parametrize("key", val_keys())
def test_every_message_renders_in_both_languages_with_the_same_placeholders(key: str) -> None:
    es, en = texts("es")[key], texts("en")[key]
    assert fields(es) == fields(en), key
    args = {name: f"<{name}>" for name in fields(en)}
    message = Text(key, **args)
    assert str(message) == en.format(**args)
    assert message.render("es") == es.format(**args)
    for name in args:  # every argument is said in both
        assert f"<{name}>" in message.render("es") and f"<{name}>" in str(message)


def literal_keys() -> set[str]:
    """Every `Text("val...")`, `must("val...")` key spelled in the package's code."""
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and re.fullmatch(r"val\.[a-z_.]+[a-z_]", node.value)
            ):
                found.add(node.value)
    return found


def test_every_key_the_code_names_is_in_both_catalogues() -> None:
    keys = literal_keys()
    assert len(keys) > 150
    missing = {k for k in keys if k not in texts("en") or k not in texts("es")}
    # Keys built from a prefix (`val.word.` + a word) are listed in full in the catalogue.
    missing = {k for k in missing if not k.endswith(".")}
    assert not missing, sorted(missing)


#: The modules that read input files: every problem they raise is a catalogue message.
READER_MODULES = """
loader yaml12 scenario tables variants files sheets intake execution review territories
scaffold pabulib votes display document json_document outlines result_file
"""
READERS = READER_MODULES.split()
#: Where a message is built: the Problem itself and the helpers that make or raise one.
MAKER_NAMES = """
Problem fail _fail problem _problem ValueError RuleViolations ScenarioError CellError
YamlSyntaxError TooDeep append
"""
MAKERS = frozenset(MAKER_NAMES.split())
#: Functions of a reader whose English is not a message about the input: the review's
#: independent check (a failure there is a bug, VerificationError) and its summary
#: lines (the terminal's, from review's own labels).
NOT_MESSAGES = frozenset({("review", "check_review"), ("review", "summary_lines")})
PROSE = re.compile(r"[^\W\d_]{2,}\s+[^\W\d_]{2,}")


def _prose(node: ast.AST) -> bool:
    """Whether an argument spells an English sentence (a literal or f-string with words)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and PROSE.search(node.value) is not None
    if isinstance(node, ast.JoinedStr):
        return any(_prose(v) for v in node.values)
    if isinstance(node, ast.BinOp):
        return _prose(node.left) or _prose(node.right)
    if isinstance(node, ast.IfExp):
        return _prose(node.body) or _prose(node.orelse)
    return False


def english_messages(source: str, module: str) -> list[str]:
    """'MODULE:LINE: text' for each message spelled in English in the code, not keyed."""
    found: list[str] = []
    tree = ast.parse(source)
    exempt: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and (module, node.name) in NOT_MESSAGES:
            exempt.update(id(n) for n in ast.walk(node))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or id(node) in exempt:
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if name in MAKERS:
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                if _prose(arg):
                    found.append(f"{module}:{node.lineno}: {ast.unparse(arg)}")
    return found


def test_no_reader_spells_a_message_in_english_only() -> None:
    found = [
        line
        for module in READERS
        for line in english_messages((PACKAGE / f"{module}.py").read_text(encoding="utf-8"), module)
    ]
    assert not found, "\n".join(found)


def test_a_message_spelled_in_english_is_caught() -> None:
    source = (
        "def read(p):\n"
        "    problems.append(Problem(p, 1, 1, 'x', 'must be a number'))\n"
        "    raise fail(f'unknown cluster {p}')\n"
        "    raise fail(Text('val.empty'))\n"
    )
    assert sorted(line.split(": ")[0] for line in english_messages(source, "m")) == ["m:2", "m:3"]


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12))
def test_numbers_in_spanish_messages_follow_es_co(x: float) -> None:
    english = Num(x).english()
    spanish = localized_number(english, "es")
    if "e" in english:
        assert spanish == english.replace(".", ",")
        return
    # The same digits: '.' groups thousands and ',' marks the decimals.
    assert spanish.replace(".", "").replace(",", ".") == english
    if "." in english:
        assert "," in spanish


def test_a_problem_without_a_catalogue_message_stays_english() -> None:
    plain = Problem("f.yaml", 1, 2, "a.b", "some English text")
    assert problem_line(plain, "es") == "f.yaml:1:2: a.b: some English text" == str(plain)
