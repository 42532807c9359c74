"""Every shipped scenario and example is solved by the tests, as a user would run it: through
the command line, with the JSON result checked against the contract (docs/model.md: results)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import ROOT, SHIPPED, SHIPPED_INFEASIBLE, cli_solve_alone, shipped_params
from pazos_budget.cli import app

FILES = SHIPPED
INFEASIBLE = SHIPPED_INFEASIBLE
KEYS = {
    "schema",
    "scenario",
    "status",
    "solver",
    "stages",
    "totals",
    "programmes",
    "departments",
    "clusters",
    "targets",
    "marginal_values",
}


@pytest.mark.parametrize(
    "path", shipped_params(FILES), ids=[str(f.relative_to(ROOT)) for f in FILES]
)
def test_shipped_file_solves(path: Path) -> None:
    run = cli_solve_alone(path)
    doc = run.doc
    assert doc["schema"] == "pazos-budget/result@1"
    assert set(doc) >= KEYS
    if path.name in INFEASIBLE:
        assert run.exit_code == 3, run.output
        assert doc["status"] == "infeasible" and doc["diagnosis"]
        return
    assert run.exit_code == 0, run.output
    assert doc["status"] == "optimal"
    totals = doc["totals"]
    assert totals["spend"] <= totals["budget"] * (1 + 1e-6)
    # Every hard target of a shipped scenario is met (the independent check guarantees it).
    assert all(t["met"] for t in doc["targets"] if t["hard"])
    assert doc["stages"][-1].get("final") in ("maximize_weighted_reach", "minimize_spend")


def test_marginal_values_only_on_request(tmp_path: Path) -> None:
    """`solve` alone says how to get them; `--marginal` computes one entry per money source."""
    path = ROOT / "examples" / "minimal.yaml"
    plain, asked = tmp_path / "plain.json", tmp_path / "asked.json"
    run = CliRunner().invoke(app, ["solve", str(path), "--json", str(plain)])
    assert run.exit_code == 0, run.output
    assert json.loads(plain.read_text(encoding="utf-8"))["marginal_values"] == []
    assert "not computed; add --marginal" in run.output
    run = CliRunner().invoke(app, ["solve", str(path), "--marginal", "--json", str(asked)])
    assert run.exit_code == 0, run.output
    doc = json.loads(asked.read_text(encoding="utf-8"))
    values = doc["marginal_values"]
    assert values[0]["source"] == "total_budget"
    envelopes = sum(d.get("budget") is not None for d in doc["departments"])
    assert envelopes and len(values) == 1 + envelopes
    assert "Marginal value of money" in run.output
    assert "more (" in run.output
