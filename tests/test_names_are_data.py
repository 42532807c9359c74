"""Names are data: printed literally, never read as rich markup, never as escape codes.

Reproductions of a hostile-input review: a department called 'Cultura [/nota]' crashed
`solve` with a MarkupError, 'Cultura [en liquidación]' was printed as 'Cultura', and ANSI
or OSC escape sequences in names reached the terminal raw.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from rich.console import Console
from typer.testing import CliRunner

from pazos_budget import cli
from pazos_budget.cli import app
from pazos_budget.display import CONTROL, control_characters, markup, visible

runner = CliRunner()

SCENARIO = """\
scenario: {{id: t, name: "{scenario}", year: 2024, currency: COP millions, language: es}}
budget: {{total: 100}}
clusters:
  - {{id: c1, name: C1, youth_population: 100}}
departments:
  - {{id: cul, name: "{dept1}"}}
  - {{id: cul2, name: "{dept2}"}}
programmes:
  - {{id: p1, name: P1, department: cul, component: prevention, unit: u, unit_cost: 1,
      clusters: all, youth_per_unit: 1, max_units: 10}}
  - {{id: p2, name: P2, department: cul2, component: prevention, unit: u, unit_cost: 1,
      clusters: all, youth_per_unit: 1, max_units: 10}}
"""


def scenario(
    scenario: str = "Plan [b]2024[/b] :fire:",
    dept1: str = "Cultura [/nota]",
    dept2: str = "Cultura [en liquidación]",
) -> str:
    return SCENARIO.format(scenario=scenario, dept1=dept1, dept2=dept2)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_bracketed_names_are_printed_literally_and_outputs_written(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli.out, "width", 200)  # one table row per department
    (workdir / "s.yaml").write_text(scenario(), encoding="utf-8")
    run = runner.invoke(app, ["solve", "s.yaml", "--json", "r.json", "--output", "r.xlsx"])
    assert run.exit_code == 0, run.output
    assert "Traceback" not in run.output and "internal error" not in run.output
    lines = run.stdout.splitlines()
    assert lines[0].startswith("Plan [b]2024[/b] :fire: (t) — solución óptima")
    assert any("│ Cultura [/nota] " in line for line in lines)
    assert any("│ Cultura [en liquidación] " in line for line in lines)
    document = json.loads((workdir / "r.json").read_text(encoding="utf-8"))
    assert document["scenario"]["name"] == "Plan [b]2024[/b] :fire:"
    assert (workdir / "r.xlsx").is_file()


#: The control-character message in Spanish (the scenarios here are Spanish).
CONTROL_ES = (
    "el texto contiene el carácter de control {char} en la posición {at}{more}; los nombres "
    "y textos se imprimen en terminales y libros de Excel, donde los caracteres de control "
    "(secuencias de escape) actúan en lugar de mostrarse: elimínelos"
)


@pytest.mark.parametrize(
    ("yaml_text", "char", "position", "more"),
    [
        (r"\e[31mRojo\e[0m", "U+001B (ESCAPE)", 1, " (y 1 más)"),
        (
            r"Cultura \e]8;;https://x.example\e\\enlace\e]8;;\e\\",
            "U+001B (ESCAPE)",
            9,
            " (y 3 más)",
        ),
        (r"Cultura\x9b31m", "U+009B (CONTROL SEQUENCE INTRODUCER)", 8, ""),
        (r"Cultura \u202eanilorac", "U+202E (RIGHT-TO-LEFT OVERRIDE)", 9, ""),
        (r"Cultura\rSeguridad", "U+000D (CARRIAGE RETURN)", 8, ""),
    ],
)
def test_control_characters_in_a_name_are_refused_at_their_field(
    workdir: Path, yaml_text: str, char: str, position: int, more: str
) -> None:
    (workdir / "s.yaml").write_text(scenario(dept1=yaml_text), encoding="utf-8")
    run = runner.invoke(app, ["validate", "s.yaml"])
    assert run.exit_code == 2
    assert run.stdout == ""
    # In the scenario's language (Spanish; the English text: the --set test below).
    assert run.stderr.splitlines() == [
        f"s.yaml:6:15: departments[0].name: {CONTROL_ES.format(char=char, at=position, more=more)}"
    ]
    assert "\x1b" not in run.output and "\x9b" not in run.output


def test_control_character_in_a_csv_cell_is_located_at_its_cell(workdir: Path) -> None:
    (workdir / "s.yaml").write_text(
        scenario(dept1="Cultura").replace(
            "clusters:\n  - {id: c1, name: C1, youth_population: 100}\n",
            "tables: {clusters: c.csv}\n",
        ),
        encoding="utf-8",
    )
    (workdir / "c.csv").write_bytes(b"id,name,youth_population\nc1,\x1b]0;pwned\x07C1,100\n")
    run = runner.invoke(app, ["validate", "s.yaml"])
    assert run.exit_code == 2
    assert run.stderr.splitlines() == [
        "c.csv:2:2: clusters[0].name: "
        + CONTROL_ES.format(char="U+001B (ESCAPE)", at=1, more=" (y 1 más)")
    ]


def test_notes_may_hold_line_breaks_but_not_escapes(workdir: Path) -> None:
    text = scenario(dept1="Cultura").replace(
        "language: es}", 'language: es, notes: "línea 1\\nlínea 2\\tfin"}'
    )
    (workdir / "s.yaml").write_text(text, encoding="utf-8")
    assert runner.invoke(app, ["validate", "s.yaml"]).exit_code == 0
    (workdir / "s.yaml").write_text(text.replace("\\tfin", "\\e[2J"), encoding="utf-8")
    run = runner.invoke(app, ["validate", "s.yaml"])
    assert run.exit_code == 2
    assert "scenario.notes: el texto contiene el carácter de control U+001B" in run.stderr


def test_a_file_name_with_an_escape_is_shown_visibly(workdir: Path) -> None:
    run = runner.invoke(app, ["validate", "\x1b[2Jgone.yaml"])
    assert run.exit_code == 2
    assert run.stderr.splitlines() == ["\\x1b[2Jgone.yaml: no such file"]


def test_visible_and_markup() -> None:
    assert visible("a\x1b[31mb\u202ec\x9b") == "a\\x1b[31mb\\u202ec\\x9b"
    assert visible("one\ntwo\x07", newlines=True) == "one\ntwo\\x07"
    assert visible("one\ntwo") == "one\\x0atwo"
    assert markup("Cultura [/nota]") == "Cultura \\[/nota]"
    assert control_characters("a\tb", allow_whitespace=True) == []
    assert control_characters("a\tb") == [(1, "U+0009 (TAB)")]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
# found: rich drops a backslash before a "[" that opens no tag, and rich's `escape` misses
# two or more backslashes at the end (both showed one backslash fewer)
@example("\\[")
@example("a\\\\")
@example("\\\\[x] \\[ [b]")
def test_any_text_is_printed_as_written(text: str) -> None:
    """Whatever a name holds, the terminal shows its characters (controls as escapes),
    never markup, emoji or escape codes."""
    console = Console(file=io.StringIO(), width=500, highlight=False, soft_wrap=True, emoji=False)
    console.print(f"[bold]{markup(text)}[/]", end="")
    shown = console.file.getvalue()  # type: ignore[attr-defined]
    assert shown == visible(text)
    assert not CONTROL.search(shown)


def test_a_set_value_with_an_escape_is_refused_and_shown_visibly(workdir: Path) -> None:
    (workdir / "s.yaml").write_text(scenario(), encoding="utf-8")
    run = runner.invoke(app, ["solve", "s.yaml", "--set", "scenario.name=\x1b[31mRojo"])
    assert run.exit_code == 2
    assert "\x1b" not in run.output
    assert run.stderr.splitlines() == [
        "--set scenario.name=\\x1b[31mRojo: "
        + CONTROL_ES.format(char="U+001B (ESCAPE)", at=1, more="")
    ]
    run = runner.invoke(
        app, ["solve", "s.yaml", "--set", "scenario.name=\x1b[31mRojo", "--lang", "en"]
    )
    assert run.stderr.splitlines() == [
        "--set scenario.name=\\x1b[31mRojo: text contains the control character U+001B "
        "(ESCAPE) at character 1; names and text are printed on terminals and in "
        "workbooks, where control characters (escape sequences) act instead of showing: "
        "remove them"
    ]
