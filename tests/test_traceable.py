"""Traceable overrides: the workbook's scenario sheet shows the `--set` values applied, the
base a variant extends, the resolved scenario's hash labelled as such and the file's own
hash beside it (the JSON carries the same in `scenario`)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from conftest import PULP_4_DEPRECATIONS
from pazos_budget.cli import app

pytestmark = PULP_4_DEPRECATIONS

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def scenario_rows(path: Path, sheet: str) -> dict[str, object]:
    ws = load_workbook(path)[sheet]
    return {
        str(row[0].value): row[1].value
        for row in ws.iter_rows()
        if row[0].value is not None and len(row) > 1
    }


@pytest.mark.parametrize(
    ("lang", "sheet", "resolved", "own", "changes"),
    [
        (
            "es",
            "Escenario",
            "sha256 del escenario resuelto",
            "sha256 del archivo del escenario",
            "Cambios con --set",
        ),
        (
            "en",
            "Scenario",
            "sha256 of the resolved scenario",
            "sha256 of the scenario file",
            "Changes made with --set",
        ),
    ],
)
def test_set_overrides_and_both_hashes_on_the_scenario_sheet(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    lang: str,
    sheet: str,
    resolved: str,
    own: str,
    changes: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copy(EXAMPLES / "minimal.yaml", "s.yaml")
    result = CliRunner().invoke(
        app,
        [
            "solve", "s.yaml", "-q", "--lang", lang, "--json", "r.json", "--output", "r.xlsx",
            "--set", "budget.total=900", "--set", "departments.culture.budget=+10%",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(Path("r.json").read_text(encoding="utf-8"))
    file_hash = hashlib.sha256(Path("s.yaml").read_bytes()).hexdigest()
    assert doc["scenario"]["file_sha256"] == file_hash
    assert doc["scenario"]["sha256"] != file_hash
    assert doc["scenario"]["overrides"] == ["budget.total=900", "departments.culture.budget=+10%"]
    rows = scenario_rows(Path("r.xlsx"), sheet)
    assert rows[resolved] == doc["scenario"]["sha256"]
    assert rows[own] == file_hash
    assert rows[changes] == "--set budget.total=900\n--set departments.culture.budget=+10%"
    assert str(rows["Nombre del escenario" if lang == "es" else "Scenario name"]).endswith(
        "--set budget.total=900, --set departments.culture.budget=+10%)"
    )


def test_a_variant_names_its_base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copy(EXAMPLES / "minimal.yaml", "base.yaml")
    Path("cut.yaml").write_text(
        "extends: base.yaml\nscenario: {id: cut, name: Cut}\nbudget: {total: 800}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["solve", "cut.yaml", "-q", "--output", "r.xlsx"])
    assert result.exit_code == 0, result.output
    rows = scenario_rows(Path("r.xlsx"), "Scenario")
    assert rows["Base scenario (extends)"] == "base.yaml"
    assert rows["Changes made with --set"] == "—"
