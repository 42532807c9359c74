"""Every scenario shipped in `scenarios/` and `examples/` is valid.

Parametrized over the glob at collection time, so a new file is picked up without
editing this test; with no files at all pytest reports the test as skipped (empty
parameter set).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from pazos_budget.cli import app
from pazos_budget.loader import load_scenario

ROOT = Path(__file__).resolve().parent.parent
DIRECTORIES = ("scenarios", "examples")
FILES = sorted(p for d in DIRECTORIES for p in (ROOT / d).rglob("*.yaml"))
#: Skeletons `init` wrote for a new city: valid, with warnings for what is still missing
#: (the programmes come from the departments' forms, in the variant that extends them).
SKELETONS = {ROOT / "examples" / "nueva-ciudad" / "villa-esperanza.yaml"}


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(ROOT)) for p in FILES])
def test_shipped_scenario_validates(path: Path) -> None:
    loaded = load_scenario(path)  # raises ScenarioError with every located problem
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    ok = {"es": "correcto", "en": "ok"}[loaded.scenario.scenario.language]  # its language
    assert result.stdout.startswith(f"{path}: {ok}: ")
    if path in SKELETONS:
        # told in the skeleton's language (Spanish), as its summary is
        assert "advertencia: programmes: todavía no hay programas" in result.stderr
        return
    assert result.stderr == ""
