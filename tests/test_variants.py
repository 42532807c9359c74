"""Variants (`extends:`) and `--set` overrides: resolution, and errors located in the file
that caused them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pazos_budget.cli import app
from pazos_budget.errors import ScenarioError
from pazos_budget.loader import load_scenario
from pazos_budget.pipeline import solve_scenario

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = ROOT / "examples" / "minimal.yaml"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copy(MINIMAL, tmp_path / "base.yaml")
    return tmp_path


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path, overrides: tuple[str, ...] = ()) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, overrides)
    return [str(p).replace(str(path.parent) + "/", "") for p in caught.value.problems]


def test_variant_changes_only_what_it_says(folder: Path) -> None:
    path = write(
        folder,
        "cut.yaml",
        "extends: base.yaml\n"
        "scenario: {id: minimal-cut, name: 'Minimal, cut 10%'}\n"
        "scale_budgets: -10%\n"
        "programmes:\n"
        "  remove: [lighting]\n"
        "  change:\n"
        "    art-school: {unit_cost: 12}\n"
        "  add:\n"
        "    - {id: sports, name: Sports, department: culture, component: prevention,\n"
        "       unit_cost: 8, clusters: all, youth_per_unit: 15}\n",
    )
    base = load_scenario(folder / "base.yaml").scenario
    s = load_scenario(path).scenario
    assert s.scenario.id == "minimal-cut"
    assert s.scenario.year == base.scenario.year  # kept from the base
    assert s.budget.total == pytest.approx(0.9 * base.budget.total)
    assert [d.budget for d in s.departments] == pytest.approx(
        [0.9 * (d.budget or 0) for d in base.departments]
    )
    assert [p.id for p in s.programmes] == ["art-school", "interrupters", "sports"]
    assert s.programmes[0].unit_cost == 12
    assert s.programmes[0].youth_per_unit == base.programmes[0].youth_per_unit


def test_relative_change_of_one_value(folder: Path) -> None:
    path = write(folder, "v.yaml", "extends: base.yaml\nbudget: {total: +5%}\n")
    assert load_scenario(path).scenario.budget.total == pytest.approx(1050)


def test_nested_goals_of_a_department(folder: Path) -> None:
    path = write(
        folder,
        "v.yaml",
        "extends: base.yaml\n"
        "departments:\n"
        "  change:\n"
        "    security:\n"
        "      budget: 450\n"
        "      goals: {add: [{id: more-mediations, kind: metric, metric: mediations,"
        " at_least: 120}]}\n",
    )
    s = load_scenario(path).scenario
    security = next(d for d in s.departments if d.id == "security")
    assert security.budget == 450
    assert [g.id for g in security.goals] == ["more-mediations"]


def test_operation_errors_point_at_the_variant(folder: Path) -> None:
    path = write(
        folder,
        "bad.yaml",
        "extends: base.yaml\n"
        "programmes:\n"
        "  remove: [lightng]\n"
        "  ad: []\n"
        "clusters:\n"
        "  change: {north: {id: n2}}\n",
    )
    assert problems(path) == [
        "bad.yaml:3:12: programmes.remove[0]: no programme 'lightng' in the base; "
        "did you mean 'lighting'?",
        "bad.yaml:4:3: programmes.ad: unknown operation 'ad' (add, change or remove); "
        "did you mean 'add'?",
        "bad.yaml:6:20: clusters.change.north.id: an id cannot be changed (remove and add instead)",
    ]


def test_every_problem_of_a_variant_at_once(folder: Path) -> None:
    """Unknown ids and unknown fields in one round, as for a base scenario (the unknown
    fields used to wait until the ids were fixed); a base's own problem too."""
    base = folder / "base.yaml"
    base.write_text(base.read_text().replace("unit_cost: 40", "unit_cost: 0"))
    path = write(
        folder,
        "bad.yaml",
        "extends: base.yaml\n"
        "scenario: {id: v, name: V, langauge: en}\n"
        "programmes:\n"
        "  change:\n"
        "    art-scool: {unit_cost: 5}\n"
        "    lighting: {unit_costs: 50}\n"
        "  remove: [interruptors]\n",
    )
    assert problems(path) == [
        "bad.yaml:2:28: scenario.langauge: unknown field 'langauge'; did you mean 'language'?",
        "bad.yaml:5:5: programmes.change.art-scool: no programme 'art-scool' in the base; "
        "did you mean 'art-school'?",
        "bad.yaml:6:16: programmes[2].unit_costs: unknown field 'unit_costs'; "
        "did you mean 'unit_cost'?",
        "bad.yaml:7:12: programmes.remove[0]: no programme 'interruptors' in the base; "
        "did you mean 'interrupters'?",
        "base.yaml:38:5: programmes[1].unit_cost: must be greater than 0",
    ]


def test_validation_errors_point_at_the_file_that_caused_them(folder: Path) -> None:
    path = write(
        folder,
        "bad.yaml",
        "extends: base.yaml\nprogrammes:\n  change:\n    art-school: {unit_cost: -12}\n",
    )
    assert problems(path) == ["bad.yaml:4:18: programmes[0].unit_cost: must be greater than 0"]
    # An error the variant did not cause points into the base file.
    base = folder / "base.yaml"
    base.write_text(base.read_text().replace("unit_cost: 40", "unit_cost: 0"))
    ok = write(folder, "ok.yaml", "extends: base.yaml\nbudget: {total: 900}\n")
    assert problems(ok) == ["base.yaml:38:5: programmes[1].unit_cost: must be greater than 0"]


def test_a_variant_of_a_variant(folder: Path) -> None:
    write(folder, "cut.yaml", "extends: base.yaml\nbudget: {total: -10%}\n")
    path = write(folder, "cut2.yaml", "extends: cut.yaml\nbudget: {total: -10%}\n")
    assert load_scenario(path).scenario.budget.total == pytest.approx(810)
    bad = write(
        folder, "bad.yaml", "extends: cut.yaml\nprogrammes: {change: {lighting: {unit_cost: 0}}}\n"
    )
    assert problems(bad) == ["bad.yaml:2:34: programmes[2].unit_cost: must be greater than 0"]


def test_cycles_and_missing_bases(folder: Path) -> None:
    write(folder, "a.yaml", "extends: b.yaml\n")
    b = write(folder, "b.yaml", "extends: a.yaml\n")
    # Reported where the loop closes: a.yaml points back at b.yaml.
    assert problems(b) == [
        "a.yaml:1:1: extends: variants extend each other in a cycle: b.yaml -> a.yaml -> b.yaml"
    ]
    me = write(folder, "me.yaml", "extends: me.yaml\n")
    assert problems(me) == [
        "me.yaml:1:1: extends: variants extend each other in a cycle: me.yaml -> me.yaml"
    ]
    missing = write(folder, "m.yaml", "extends: nope.yaml\n")
    (message,) = problems(missing)
    assert message.startswith("m.yaml:1:1: extends: base scenario 'nope.yaml' not found")


def test_set_overrides(folder: Path) -> None:
    base = folder / "base.yaml"
    s = load_scenario(
        base, ("budget.total=-10%", "programmes.art-school.max_units=3", "objective=minimize_spend")
    ).scenario
    assert s.budget.total == pytest.approx(900)
    assert s.programmes[0].max_units == 3
    assert s.objective == "minimize_spend"
    assert load_scenario(base, ("budget.total=900",)).sha256 != load_scenario(base).sha256
    assert problems(base, ("programmes.art-scool.max_units=3",)) == [
        "--set programmes.art-scool.max_units=3: programmes.art-scool: no programme "
        "'art-scool' in the base; did you mean 'art-school'?"
    ]
    # a programme named by its position, as the messages write it, is told the form
    assert problems(base, ("programmes[0].max_units=3",)) == [
        "--set programmes[0].max_units=3: write programmes.ID.FIELD=VALUE, for example "
        "programmes.some-id.field=1"
    ]
    assert problems(base, ("budget.total=abc",)) == [
        "--set budget.total=abc: budget.total: must be a number"
    ]
    assert problems(base, ("budget.total",)) == [
        "--set budget.total: expected PATH=VALUE, for example budget.total=10800"
    ]


def test_every_bad_set_is_reported_at_once_in_the_order_given(folder: Path) -> None:
    """A bad `--set` no longer hides the next one: a value of the wrong form, an unknown
    field (found when validating) and an option without '=' are told together, in the
    order of the command line; a good one beside them changes nothing of that."""
    base = folder / "base.yaml"
    assert problems(
        base,
        (
            "scale_budgets=abc",
            "budget.totl=5",
            "budget.total=900",
            "budget.total",
        ),
    ) == [
        "--set scale_budgets=abc: scale_budgets: must be a change such as '-10%' or '+5%', "
        "got 'abc'",
        "--set budget.totl=5: budget.totl: unknown field 'totl'; did you mean 'total'?",
        "--set budget.total: expected PATH=VALUE, for example budget.total=10800",
    ]


def test_cli_solves_a_variant_and_reports_errors(folder: Path) -> None:
    path = write(folder, "cut.yaml", "extends: base.yaml\nscale_budgets: -10%\n")
    runner = CliRunner()
    ok = runner.invoke(app, ["solve", str(path), "--no-marginal", "-q"])
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(app, ["solve", str(path), "--set", "budget.totl=5", "-q"])
    assert bad.exit_code == 2
    assert "--set budget.totl=5: budget.totl: unknown field 'totl'; did you mean 'total'?" in (
        bad.output
    )


def test_variant_solve_equals_editing_the_base(folder: Path) -> None:
    """A variant means exactly the scenario one would get by editing the base by hand."""
    variant = write(folder, "v.yaml", "extends: base.yaml\nbudget: {total: 700}\n")
    edited = folder / "edited.yaml"
    edited.write_text((folder / "base.yaml").read_text().replace("total: 1000", "total: 700"))
    a = solve_scenario(load_scenario(variant))
    b = solve_scenario(load_scenario(edited))
    assert [p.units for p in a.programmes] == [p.units for p in b.programmes]
    assert [st.objective for st in a.stages] == [st.objective for st in b.stages]


def test_the_json_result_never_overwrites_the_base(folder: Path) -> None:
    path = write(folder, "cut.yaml", "extends: base.yaml\nscale_budgets: -10%\n")
    base = folder / "base.yaml"
    before = base.read_bytes()
    run = CliRunner().invoke(app, ["solve", str(path), "--json", str(base), "-q"])
    assert run.exit_code == 2  # refused before solving (outputs.OutputPlan)
    assert run.stderr == f"error: --json {base}: is the input file {base}; choose another name\n"
    assert base.read_bytes() == before
    assert load_scenario(path).files == (path, base)
