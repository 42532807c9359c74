"""Acceptance: on a Spanish scenario, `validate`, `solve` (with the marginal values),
`compare`, `sweep` and the diagnosis of an infeasible solve print no English word of
ours; on an English one, no Spanish word. The scenario's own texts are data and are set
aside (a Spanish scenario may well name a programme in English)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pazos_budget import yaml12
from pazos_budget.cli import app
from pazos_budget.loader import parse_yaml

ROOT = Path(__file__).resolve().parents[1]
SPANISH_SCENARIO = ROOT / "examples" / "minimo-es.yaml"
ENGLISH_SCENARIO = ROOT / "examples" / "minimal.yaml"

#: Words that only English output of ours has, and only Spanish output.
ENGLISH = set(
    [
        "the",
        "and",
        "of",
        "with",
        "for",
        "written",
        "budget",
        "spend",
        "spent",
        "unspent",
        "met",
        "targets",
        "target",
        "youth",
        "young",
        "people",
        "reached",
        "reaches",
        "department",
        "departments",
        "cluster",
        "clusters",
        "must",
        "more",
        "than",
        "status",
        "stage",
        "objective",
        "meaning",
        "coverage",
        "programme",
        "programmes",
        "not",
        "scenario",
        "scenarios",
        "workbook",
        "points",
        "solved",
        "envelope",
        "lower",
        "raise",
        "instead",
        "hard",
        "goals",
        "owner",
        "kind",
        "current",
        "optimized",
        "distinct",
        "participations",
        "weighted",
        "priority",
        "frontier",
        "compared",
        "rounded",
        "extra",
    ]
)
SPANISH = set(
    [
        "el",
        "la",
        "los",
        "las",
        "del",
        "con",
        "escrito",
        "escritos",
        "presupuesto",
        "gasto",
        "metas",
        "meta",
        "jóvenes",
        "secretaría",
        "secretarías",
        "clúster",
        "clústeres",
        "cumplida",
        "cumplidas",
        "más",
        "prioridad",
        "solución",
        "etapa",
        "objetivo",
        "cobertura",
        "programa",
        "programas",
        "escenario",
        "escenarios",
        "libro",
        "puntos",
        "resueltos",
        "techo",
        "infactible",
        "correcto",
        "ejecutado",
        "alcanzados",
        "participaciones",
        "ponderada",
        "frontera",
    ]
)

#: A test run once on the Spanish scenario and once on the English one: the scenario, the
#: words of its own language, the words of the other.
BOTH_LANGUAGES = pytest.mark.parametrize(
    ("scenario", "own", "other"),
    [(SPANISH_SCENARIO, SPANISH, ENGLISH), (ENGLISH_SCENARIO, ENGLISH, SPANISH)],
    ids=["es", "en"],
)


def data_words(path: Path) -> set[str]:
    """Every word of the scenario's own string values (names, units, ids)."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
        elif isinstance(node, str):
            found.update(words(node))

    walk(parse_yaml(path.read_text(encoding="utf-8"), str(path)).data)
    return found


def words(text: str) -> set[str]:
    text = re.sub(r"--[\w-]+|\S*/\S*", " ", text)  # options and paths are not sentences
    return {w for w in re.findall(r"[^\W\d_]+", text.lower())}


def variant(tmp: Path, path: Path, total: int) -> Path:
    """A copy of the scenario with another total budget and its own id."""
    data = parse_yaml(path.read_text(encoding="utf-8"), str(path)).data
    data["scenario"]["id"] = f"{data['scenario']['id']}-{total}"
    data["budget"]["total"] = total
    out = tmp / f"{data['scenario']['id']}.yaml"
    out.write_text(yaml12.dump(data), encoding="utf-8")
    return out


def outputs(tmp: Path, scenario: Path) -> dict[str, str]:
    runner = CliRunner()
    cut = variant(tmp, scenario, 800)
    runs = {
        "validate": ["validate", str(scenario)],
        "solve": ["solve", str(scenario), "--marginal", "--json", str(tmp / "r.json")],
        "compare": ["compare", str(scenario), str(cut), "-o", str(tmp / "c.xlsx")],
        "sweep": ["sweep", str(scenario), "--budget", "600:1000:200", "-o", str(tmp / "s.xlsx")],
        "diagnosis": ["solve", str(scenario), "--set", "budget.total=100"],
    }
    found = {}
    for name, args in runs.items():
        run = runner.invoke(app, args)
        assert run.exit_code == (3 if name == "diagnosis" else 0), run.output
        found[name] = run.output
    return found


@BOTH_LANGUAGES
def test_every_command_speaks_the_scenarios_language(
    tmp_path: Path, scenario: Path, own: set[str], other: set[str]
) -> None:
    data = data_words(scenario)
    for command, text in outputs(tmp_path, scenario).items():
        said = words(text) - data
        assert said & own, (command, text)
        assert not said & other, (command, sorted(said & other), text)


def test_the_spanish_diagnosis_names_what_must_give(tmp_path: Path) -> None:
    run = CliRunner().invoke(app, ["solve", str(SPANISH_SCENARIO), "--set", "budget.total=100"])
    assert run.exit_code == 3
    assert "Infactible: los compromisos obligatorios no se pueden cumplir todos a la vez." in (
        run.output
    )
    assert (
        "  - Meta obligatoria «200 mediaciones de conflictos»: exige 200 y se alcanza a lo sumo "
        "120 (mediaciones de conflictos)." in run.output
    )
    assert "    o en su lugar: aumentar el presupuesto total en 60,0 (hasta 160,0)" in run.output


def test_lang_option_overrides_the_scenario(tmp_path: Path) -> None:
    run = CliRunner().invoke(app, ["solve", str(SPANISH_SCENARIO), "--lang", "en"])
    assert run.exit_code == 0, run.output
    assert "— status optimal" in run.output and "Targets and goals met: 2 of 2." in run.output
    # An unknown --lang is refused in the next language of the rule: the scenario's.
    run = CliRunner().invoke(app, ["solve", str(SPANISH_SCENARIO), "--lang", "fr"])
    assert run.exit_code == 2 and "--lang debe ser es o en; se recibió 'fr'" in run.output
    run = CliRunner().invoke(app, ["solve", str(ENGLISH_SCENARIO), "--lang", "fr"])
    assert run.exit_code == 2 and "--lang must be es or en, got 'fr'" in run.output


#: Texts of `init` (and its --help), where a territory is the input's own word.
INIT_KEYS = (
    "init.",
    "val.init.",
    "usage.init.",
    "usage.metavar.territories",
    "cli.help.init",
    "cli.help.option.territories",
    "cli.help.option.prioritize",
)


def test_the_house_word_is_cluster() -> None:
    """One word for a cluster in Spanish: "clúster" (never "zona" or "territorio" for it),
    with its accent, plural "clústeres"."""
    from pazos_budget.i18n import texts

    for key, text in texts("es").items():
        # placeholders and scenario keys (units_per_cluster) are not words
        lowered = re.sub(r"\{\w+\}|\w+_\w+", "", text.lower())
        assert "cluster" not in lowered.replace("clúster", ""), key
        # `init` reads a city's territories file: there a territory is the input's own
        # word (a territory becomes a cluster of the scenario), never a cluster's name.
        if not key.startswith(INIT_KEYS):
            assert "territorio" not in lowered, key
        assert not re.search(r"\bzonas? (priorizad|pazos)", lowered), key


def test_the_word_check_can_fail() -> None:
    """The detector above finds our words, and not those of paths or options."""
    said = words("Workbook written to /tmp/budget/x.xlsx; add --marginal")
    assert said & ENGLISH == {"workbook", "written"}
    assert words("Libro escrito en /tmp/presupuesto.xlsx") & SPANISH == {"libro", "escrito"}
