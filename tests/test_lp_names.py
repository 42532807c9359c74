"""LP names that cannot collide: ids that differ only by `-` and `_` solve on every solver
and export, and every exported name reads back as the model name it stands for."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import PULP_4_DEPRECATIONS, SOLVERS
from pazos_budget.cli import app
from pazos_budget.loader import load_scenario
from pazos_budget.model import build_model
from pazos_budget.solve import _unique_names, lp_name, model_name

pytestmark = PULP_4_DEPRECATIONS

# Ids that PuLP's own folding (`-` to `_`) would merge, in every kind of name: clusters,
# departments, programmes (with y columns) and targets; `art_school__1` is the name a
# numbering suffix would have given the second `art_school`.
COLLIDING = """\
scenario: {id: look-alike, name: Look-alike ids, year: 2024, currency: COP millions, language: en}
budget: {total: 1000}
clusters:
  - {id: north-1, name: North one, youth_population: 2000}
  - {id: north_1, name: North underscore one, youth_population: 1500, weight: 2}
departments:
  - {id: culture-a, name: Culture A, budget: 600}
  - {id: culture_a, name: Culture A bis, budget: 500}
programmes:
  - {id: art-school, name: Art school, department: culture-a, component: prevention,
     unit: workshop, unit_cost: 10, fixed_cost: 5, min_units: 2, clusters: all,
     youth_per_unit: 25, integer: true}
  - {id: art_school, name: Art school bis, department: culture_a, component: prevention,
     unit: workshop, unit_cost: 12, fixed_cost: 5, min_units: 2, clusters: all,
     youth_per_unit: 20, integer: true}
  - {id: art_school__1, name: Art school ter, department: culture_a, component: prevention,
     unit: workshop, unit_cost: 12, fixed_cost: 5, min_units: 2, clusters: all,
     youth_per_unit: 20, integer: true}
targets:
  - {id: t-1, kind: youth_reach, share: 0.10}
  - {id: t_1, kind: youth_reach, share: 0.20, priority: 2}
"""


@pytest.fixture
def colliding(tmp_path: Path) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(COLLIDING, encoding="utf-8")
    return path


@pytest.mark.parametrize("solver", SOLVERS)
def test_look_alike_ids_solve_on_every_solver(colliding: Path, solver: str) -> None:
    result = CliRunner().invoke(app, ["solve", str(colliding), "--solver", solver, "-q"])
    assert result.exit_code == 0, result.output
    assert "failed" not in result.output
    assert "internal error" not in result.output


@pytest.mark.parametrize("suffix", [".lp", ".mps"])
def test_look_alike_ids_export(colliding: Path, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"m{suffix}"
    result = CliRunner().invoke(app, ["solve", str(colliding), "-q", "--write-model", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    for name in ("x(art_dschool,north_d1)", "x(art__school,north__1)", "y(art__school____1)"):
        assert name in text
    assert model_name("x(art_dschool,north_d1)") == "x[art-school,north-1]"


def test_every_exported_name_is_distinct_and_reads_back(colliding: Path) -> None:
    model = build_model(load_scenario(colliding).scenario)
    for raw in (model.col_names, model.row_names):
        spelled = _unique_names(raw)
        assert len(set(spelled)) == len(spelled)
        assert [model_name(n) for n in spelled] == raw
        # No character PuLP would rewrite (and so merge) is left.
        assert not any(ch in n for n in spelled for ch in "-+[] >/")


@given(st.lists(st.text(max_size=12), max_size=12))
def test_names_are_collision_free_and_reversible(raw: list[str]) -> None:
    spelled = _unique_names(raw)
    assert len(set(spelled)) == len(spelled)  # even when raw names repeat
    for name in raw:
        assert model_name(lp_name(name)) == name
    # What the exporter adds (hold rows, the two sides of a ranged row, the numbering of
    # a repeated name) is never a model name.
    for extra in ("hold_1", lp_name("r") + "_lo", lp_name("r") + "_hi", lp_name("r") + "_2"):
        with pytest.raises(ValueError, match="not a model name"):
            model_name(extra)
