"""The run's language, decided in one place (docs/languages.md), and everything else a
run prints in it: usage errors (ours and the parser's), solver notes after an
interruption or a limit, solver errors, the internal-error text, and the human texts of
the JSON. On a Spanish scenario no English sentence; on an English one no Spanish."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import pazos_budget.solve as solve_module
from pazos_budget import cli
from pazos_budget.cli import app
from pazos_budget.i18n import Said, Usage
from pazos_budget.language import (
    decide,
    declared_language,
    environment_language,
    result_language,
    run_language,
)
from pazos_budget.solve import Status
from pazos_budget.usage import unwrapped
from test_languages import (
    BOTH_LANGUAGES,
    ENGLISH,
    ENGLISH_SCENARIO,
    SPANISH,
    SPANISH_SCENARIO,
    data_words,
    words,
)

#: No locale at all: the environment says nothing.
NO_LOCALE = {"LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": ""}


# --------------------------------------------------------------------------- the rule
def test_each_rung_of_the_rule() -> None:
    es_env = {"LANG": "es_CO.UTF-8"}
    assert run_language("en", "es", es_env) == "en"  # 1. --lang
    assert run_language(None, "en", es_env) == "en"  # 2. the scenario's
    assert run_language(None, None, es_env) == "es"  # 3. the environment's
    assert run_language(None, None, {}) == "en"  # 4. English
    # An unknown --lang is passed over (the command refuses it in the next rung's words).
    assert run_language("fr", "es", {}) == "es"


@pytest.mark.parametrize(
    ("environ", "lang"),
    [
        ({"LANG": "es_CO.UTF-8"}, "es"),
        ({"LANG": "es"}, "es"),
        ({"LC_MESSAGES": "es_ES@euro", "LANG": "en_US.UTF-8"}, "es"),
        ({"LC_ALL": "C", "LANG": "es_CO.UTF-8"}, None),  # the strongest set decides
        ({"LC_ALL": "en_GB.UTF-8", "LANG": "es_CO.UTF-8"}, "en"),
        ({"LANGUAGE": "fr:es_CO:en", "LANG": "en_US.UTF-8"}, "es"),  # a priority list
        ({"LANGUAGE": "fr", "LANG": "es_CO"}, "es"),  # nothing usable in it: go on
        ({"LANG": "fr_FR.UTF-8"}, None),
        ({"LANG": "estonian"}, None),  # a name that merely starts with "es"
        ({}, None),
    ],
)
def test_the_environments_language(environ: dict[str, str], lang: str | None) -> None:
    assert environment_language(environ) == lang


def test_the_language_a_command_line_names(tmp_path: Path) -> None:
    result = tmp_path / "r.json"
    result.write_text(json.dumps({"scenario": {"language": "es"}}), encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text("scenario:\n  language: en\n  id: [unclosed\n", encoding="utf-8")
    assert declared_language(SPANISH_SCENARIO) == "es"
    assert declared_language(broken) == "en"  # read even when the file is invalid
    assert declared_language(tmp_path / "missing.yaml") is None
    assert result_language(result) == "es"
    assert decide(["solve", str(SPANISH_SCENARIO)], {}) == "es"
    assert decide(["solve", str(SPANISH_SCENARIO), "--lang", "en"], {}) == "en"
    assert decide(["solve", str(SPANISH_SCENARIO), "--lang=en"], {}) == "en"
    assert decide(["present", str(result), "-o", "deck.pdf"], {}) == "es"
    # An output is not the scenario: `init` writes the YAML it is given with -o.
    assert decide(["init", "t.csv", "-o", str(SPANISH_SCENARIO)], {}) == "en"
    assert decide(["solve"], {"LANG": "es_CO.UTF-8"}) == "es"
    assert decide(["solve"], {}) == "en"
    # A variant that does not say is in its base's language (as `intake import` writes
    # one); a chain that loops says nothing.
    variant = tmp_path / "variante.yaml"
    variant.write_text(f"extends: {SPANISH_SCENARIO}\nscenario: {{id: v}}\n", "utf-8")
    assert declared_language(variant) == "es"
    assert decide(["solve", str(variant), "--time-limit", "0"], {}) == "es"
    loop = tmp_path / "loop.yaml"
    loop.write_text("extends: loop.yaml\n", "utf-8")
    assert declared_language(loop) is None


# --------------------------------------------------------------------------- usage errors
def _said(text: str, scenario: Path) -> set[str]:
    """Our words in `text`: not the scenario's, nor the program's name."""
    return words(text.replace("pazos-budget", "")) - data_words(scenario)


def _run(args: list[str], env: dict[str, str] | None = None) -> str:
    run = CliRunner().invoke(app, args, env={**NO_LOCALE, **(env or {})})
    assert run.exit_code == 2, run.output
    return run.output


def _usage_errors(scenario: Path, tmp: Path) -> dict[str, str]:
    s = str(scenario)
    return {
        "no such option": _run(["solve", s, "--bogus"]),
        "not a number": _run(["solve", s, "--time-limit", "abc"]),
        "not a whole number": _run(["sweep", s, "--budget", "1:2:1", "-o", "x.xlsx", "-j", "x"]),
        "needs a value": _run(["solve", s, "--json"]),
        "extra arguments": _run(["solve", s, "one", "two"]),
        "our own": _run(["solve", s, "--time-limit", "0"]),
        "one of": _run(["sweep", s, "-o", str(tmp / "x.xlsx")]),
        "a range": _run(["sweep", s, "--budget", "1:x:1", "-o", str(tmp / "x.xlsx")]),
        "a range's step": _run(["sweep", s, "--budget", "1:2:0", "-o", str(tmp / "x.xlsx")]),
        "an output": _run(["solve", s, "-o", str(tmp / "x.csv")]),
        "compare alone": _run(["compare", s, "-o", str(tmp / "c.xlsx")]),
    }


@BOTH_LANGUAGES
def test_usage_errors_speak_the_scenarios_language(
    tmp_path: Path, scenario: Path, own: set[str], other: set[str]
) -> None:
    spanish = scenario == SPANISH_SCENARIO
    for case, text in _usage_errors(scenario, tmp_path).items():
        said = _said(text, scenario)
        assert not said & other, (case, sorted(said & other), text)
        assert "Error:" in text or "error:" in text, (case, text)
        if case == "no such option":
            assert ("No existe la opción --bogus" if spanish else "No such option: --bogus") in text
            assert ("Uso: pazos-budget solve [OPCIONES]" if spanish else "Usage:") in text


def test_usage_errors_before_any_scenario_follow_the_locale() -> None:
    text = _run(["solve"], {"LANG": "es_CO.UTF-8"})
    assert "Error: Falta el argumento 'ESCENARIO'." in text
    assert "Escriba 'pazos-budget solve --help' para ver la ayuda." in text
    assert "Error: Missing argument 'scenario'." in _run(["solve"])
    text = _run(["resolver"], {"LANGUAGE": "es"})
    assert "No existe el comando 'resolver'." in text
    assert not words(text.replace("pazos-budget", "")) & ENGLISH, text
    assert "No such command 'frob'. Did you mean 'robust'?" in _run(["frob"])


def test_a_usage_error_is_said_in_the_language_it_is_asked_in() -> None:
    e = Usage("usage.samples", samples="0", most=100_000)
    assert str(e) == "--samples 0: give 1 to 100,000"
    assert e.text("es") == "--samples 0: indique de 1 a 100.000"


def test_the_internal_error_in_spanish(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(cli, "load_scenario", broken)
    monkeypatch.delenv("PAZOS_BUDGET_DEBUG", raising=False)
    for argv, expected in (
        ([str(SPANISH_SCENARIO)], "error interno: RuntimeError: boom\nEs un fallo de pazos-budget"),
        ([str(ENGLISH_SCENARIO)], "internal error: RuntimeError: boom\nThis is a bug in"),
    ):
        monkeypatch.setattr("sys.argv", ["pazos-budget", "solve", *argv])
        with pytest.raises(SystemExit) as stopped:
            cli.main()
        assert stopped.value.code == 1
        assert expected in capsys.readouterr().err


# --------------------------------------------------------------------------- solver notes
def _stop_at_final(monkeypatch: pytest.MonkeyPatch, status: Status, stop: bool) -> None:
    """The final stage ends as a limit or a Ctrl-C would end it: with its plan, feasible."""
    original = solve_module._HighsRun._solve_stage

    def stage(self: solve_module._HighsRun, h: object, *args: object) -> Status:
        found = original(self, h, *args)  # type: ignore[arg-type]
        if str(solve_module.stage_name(args[2])) == "final":  # type: ignore[arg-type]
            if stop and self.options.control is not None:
                self.options.control.stop()
            return status
        return found

    monkeypatch.setattr(solve_module._HighsRun, "_solve_stage", stage)


@pytest.mark.parametrize("stop", [True, False], ids=["interrupted", "time-limited"])
@pytest.mark.parametrize(
    ("scenario", "other"), [(SPANISH_SCENARIO, ENGLISH), (ENGLISH_SCENARIO, SPANISH)]
)
def test_a_stopped_solve_speaks_the_scenarios_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scenario: Path, other: set[str], stop: bool
) -> None:
    _stop_at_final(monkeypatch, Status.FEASIBLE, stop)
    out = tmp_path / "r.json"
    run = CliRunner().invoke(app, ["solve", str(scenario), "--marginal", "--json", str(out)])
    assert run.exit_code == 0, run.output
    said = _said(run.output, scenario)
    assert not said & other, (sorted(said & other), run.output)
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["status"] == "feasible"
    assert {m["reason_code"] for m in doc["marginal_values"]} == {"plan_not_optimal"}
    texts = [m["reason"] for m in doc["marginal_values"]] + doc["solver"]["notes"]
    assert not words(" ".join(texts)) & other, texts
    if stop:
        assert doc["solver"]["note_codes"] == ["solver.interrupted.no_tie_break"]
        note = (
            "interrumpido en la etapa final: se conserva el mejor plan encontrado"
            if scenario == SPANISH_SCENARIO
            else "interrupted during final: the best plan found is kept"
        )
        assert note in run.output and doc["solver"]["notes"][0].startswith(note)


def test_a_solver_error_is_said_in_the_run_language(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        solve_module._HighsRun, "_solve_stage", lambda *args: Status.ERROR, raising=True
    )
    run = CliRunner().invoke(app, ["solve", str(SPANISH_SCENARIO), "--time-limit", "5"])
    assert run.exit_code == 4, run.output
    assert "highs no encontró ninguna solución dentro del límite de tiempo de 5 s" in run.output
    assert "(prioridad 1: estado del modelo en HiGHS: " in run.output
    assert not _said(run.output, SPANISH_SCENARIO) & ENGLISH, run.output
    run = CliRunner().invoke(
        app, ["solve", str(SPANISH_SCENARIO), "--time-limit", "5", "--lang", "en"]
    )
    assert "highs found no solution within the time limit of 5 s (priority 1: HiGHS" in run.output


def test_said_keeps_english_as_its_str() -> None:
    said = Said(
        "solver.interrupted.not_run",
        {
            "head": Said(
                "solver.interrupted.kept", {"stage": Said("solver.stage.priority", {"number": "2"})}
            ),
            "stages": (Said("solver.stage.final"),),
        },
    )
    assert str(said) == "interrupted during priority 2: the best plan found is kept; not run: final"
    assert said.text("es") == (
        "interrumpido en la etapa prioridad 2: se conserva el mejor plan encontrado; "
        "sin ejecutar: final"
    )


# --------------------------------------------------------------------------- the JSON
@pytest.mark.parametrize(
    ("scenario", "other"), [(SPANISH_SCENARIO, ENGLISH), (ENGLISH_SCENARIO, SPANISH)]
)
def test_the_diagnosis_in_the_json_speaks_the_scenarios_language(
    tmp_path: Path, scenario: Path, other: set[str]
) -> None:
    out = tmp_path / "d.json"
    args = ["solve", str(scenario), "--set", "budget.total=100", "--json", str(out)]
    run = CliRunner().invoke(app, args)
    assert run.exit_code == 3, run.output
    findings = json.loads(out.read_text(encoding="utf-8"))["diagnosis"]
    assert findings and all(f["kind"] for f in findings)  # the stable code is kept
    said = _said(" ".join(f["message"] for f in findings), scenario)
    assert not said & other, [f["message"] for f in findings]


# --------------------------------------------------------------------------- --help
def _help_texts(lang: str) -> dict[str, tuple[str, str]]:
    """Every help text of the command tree: where -> (as the code says it, as `lang`'s
    run shows it)."""
    from typer.main import get_command

    from pazos_budget.usage import localize

    code, shown = get_command(app), get_command(app)
    localize(shown, lang)  # type: ignore[arg-type]
    found: dict[str, tuple[str, str]] = {}

    def walk(a: Any, b: Any, path: str) -> None:
        found[path] = (a.help, b.help)
        if a.epilog:
            found[f"{path} epilog"] = (a.epilog, b.epilog)
        for p, q in zip(a.params, b.params, strict=True):
            if p.help:
                found[f"{path} {p.name}"] = (p.help, q.help)
        for name in getattr(a, "commands", {}):
            walk(a.commands[name], b.commands[name], f"{path}.{name}")

    walk(code, shown, "pazos-budget")
    return found


def test_every_help_text_exists_in_spanish() -> None:
    """A command or option added without its `cli.help.*` texts fails here; the English
    catalogue says exactly what the code says (they cannot drift apart)."""
    for where, (code, english) in _help_texts("en").items():
        # (a command's description is shown unwrapped: the help screen wraps it)
        assert english in (code, unwrapped(code)), where
    for where, (code, spanish) in _help_texts("es").items():
        assert spanish != code, f"{where}: no Spanish help ({code!r})"


def test_spanish_help_is_spanish() -> None:
    run = CliRunner().invoke(
        app, ["solve", "--help"], env={**NO_LOCALE, "LANG": "es_CO.UTF-8", "COLUMNS": "200"}
    )
    assert run.exit_code == 0, run.output
    assert "Resuelve un escenario" in run.output and "Segundos para cada corrida." in run.output
    run = CliRunner().invoke(app, ["solve", "--help"], env={**NO_LOCALE, "COLUMNS": "200"})
    assert "Solve a scenario" in run.output and "Seconds for each solve." in run.output


def test_a_sweeps_json_says_its_diagnosis_in_the_scenarios_language(tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    args = ["sweep", str(SPANISH_SCENARIO), "--budget", "100:1000:900", "-j", "1"]
    run = CliRunner().invoke(app, [*args, "-o", str(tmp_path / "s.xlsx"), "--json", str(out)])
    assert run.exit_code == 0, run.output
    infeasible = json.loads(out.read_text(encoding="utf-8"))["results"][0]
    assert infeasible["status"] == "infeasible"
    assert infeasible["diagnosis"][0]["message"].startswith("Meta obligatoria «200 mediaciones")


# --------------------------------------------------------------------------- --help
#: The headings typer writes on a help page, in each language.
HELP_HEADINGS = {
    "en": ["Usage:", "Arguments", "Options", "[default:", "[required]", "<path>", "exit."],
    "es": ["Uso:", "Argumentos", "Opciones", "[predeterminado:", "[obligatorio]", "<ruta>"],
}
HELP_ENGLISH = [
    "Usage:",
    "Arguments",
    "Options",
    "Commands",
    "[default:",
    "[required]",
    "<path>",
    "<float>",
    "<int>",
    "<str>",
    "<bool>",
    "Show this message",
]


def _help(args: list[str], env: dict[str, str] | None = None) -> str:
    run = CliRunner().invoke(app, [*args, "--help"], env={**NO_LOCALE, **(env or {})})
    assert run.exit_code == 0, run.output
    return run.output


@pytest.mark.parametrize("command", ["solve", "sweep", "review", "robust"])
def test_help_headings_speak_the_runs_language(command: str) -> None:
    s = str(SPANISH_SCENARIO)
    spanish = _help([command, s])
    for heading in HELP_HEADINGS["es"]:
        assert heading in spanish, (command, heading, spanish)
    for heading in HELP_ENGLISH:
        assert heading not in spanish, (command, heading, spanish)
    # the same process, then in English: every heading English again
    english = _help([command, str(ENGLISH_SCENARIO)])
    for heading in HELP_HEADINGS["en"]:
        assert heading in english, (command, heading, english)
    for heading in HELP_HEADINGS["es"]:
        assert heading not in english, (command, heading, english)


def test_the_groups_help_by_the_locale_then_english_again() -> None:
    spanish = _help([], {"LANG": "es_CO.UTF-8"})
    assert "Comandos" in spanish and "Opciones" in spanish and "Uso:" in spanish
    assert not {"Commands", "Options", "Usage:", "Show this message"} & set(spanish.split())
    english = _help([])
    assert "Commands" in english and "Usage:" in english and "Show this message" in english
    assert "Comandos" not in english and "Uso:" not in english


def test_a_command_description_wraps_to_the_terminal() -> None:
    # The docstrings (and so the English catalogue) break their lines; the help screen
    # kept those breaks ("one workbook with the key figures," then a line of its own).
    run = CliRunner().invoke(app, ["--help"], env={**NO_LOCALE, "COLUMNS": "80"})
    assert run.exit_code == 0, run.output
    assert "key figures, spend by department" in run.output
