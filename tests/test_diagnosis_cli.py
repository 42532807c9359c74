"""The diagnosis as a user meets it (issue examples): `solve` on an infeasible scenario
exits 3 and names, in the user's terms, the commitments that must give.

- a hard target of several clusters is one commitment, as small as the total budget: both
  are named, each with its amount;
- display names, not ids;
- a capacity limit says which bounds bind;
- with `--output`, a one-sheet diagnosis workbook (es or en) is written with the JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner, Result

from conftest import PULP_4_DEPRECATIONS
from pazos_budget.cli import app
from pazos_budget.findings import Alternative

pytestmark = PULP_4_DEPRECATIONS

HEAD = """\
scenario: {id: case, name: Case, year: 2024, currency: COP millions, language: en}
"""

HALF_REACH = (
    HEAD
    + """\
budget: {total: 50}
clusters:
  - {id: north, name: North, youth_population: 2000}
  - {id: south, name: South, youth_population: 1500}
departments:
  - {id: culture, name: Cultura}
programmes:
  - {id: art, name: Art school, department: culture, component: prevention, unit_cost: 1,
     clusters: all, youth_per_unit: 5}
targets:
  - {id: reach-half, name: Half of the youth, kind: youth_reach, share: 0.5, hard: true}
"""
)

CAPACITY = (
    HEAD
    + """\
budget: {total: 10000}
clusters:
"""
    + "".join(f"  - {{id: c{i}, name: Comuna {i}, youth_population: 2000}}\n" for i in range(1, 7))
    + """\
departments:
  - {id: seguridad, name: Seguridad}
programmes:
  - {id: int, name: Interruptores, department: seguridad, component: interruption,
     unit_cost: 10, clusters: all, youth_per_unit: 10, max_units_per_cluster: 2,
     outputs: {mediations: 1}}
metrics: {mediations: mediaciones}
targets:
  - {id: med, name: Mediaciones, kind: metric, metric: mediations, at_least: 20, hard: true}
"""
)

EXAMPLE_HEADER = (
    "Infeasible: the hard commitments cannot all hold. One smallest set of commitments that "
    "must give, for example ('or instead' names equally small alternatives):"
)
ONLY_HEADER = (
    "Infeasible: the hard commitments cannot all hold. The smallest set of commitments that "
    "must give:"
)


def solve(tmp_path: Path, text: str, *args: str) -> Result:
    (tmp_path / "s.yaml").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["solve", str(tmp_path / "s.yaml"), "-q", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def test_a_hard_target_is_one_commitment_as_small_as_the_total_budget(tmp_path: Path) -> None:
    result = solve(tmp_path, HALF_REACH, "--json", str(tmp_path / "r.json"))
    assert result.exit_code == 3
    assert result.stderr.splitlines()[:3] == [
        EXAMPLE_HEADER,
        "  - Target “Half of the youth” (hard), 2 of its rows: can reach at most 0% in cluster "
        "North with this budget (required 50%); can reach at most 15.3% in cluster South with "
        "this budget (required 50%).",
        "    or instead: raise the total budget by 438.96 (to 488.96; COP millions)",
    ]
    (finding,) = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["diagnosis"]
    assert finding["kind"] == "hard_target"
    assert finding["name"] == "Half of the youth"
    assert finding["unavoidable"] is False
    assert [r["key"] for r in finding["rows"]] == ["north", "south"]
    assert [a["kind"] for a in finding["alternatives"]] == ["total_budget"]


def test_a_capacity_limit_says_which_bounds_bind(tmp_path: Path) -> None:
    result = solve(tmp_path, CAPACITY)
    assert result.exit_code == 3
    assert result.stderr.splitlines() == [
        ONLY_HEADER,
        "  - Target “Mediaciones” (hard) can reach at most 12 of the 20 mediaciones required, "
        "even with more money: the programmes that count are at their limits: "
        "“Interruptores” at most 2 per cluster x 6 clusters = 12.",
    ]


@pytest.mark.parametrize(
    ("lang", "sheet", "header", "kind", "money", "detail"),
    [
        (
            "es",
            "Diagnóstico",
            "Compromiso",
            "Meta obligatoria",
            "No",
            "Meta obligatoria «Mediaciones»: exige 20 y se alcanza a lo sumo 12 (mediaciones). "
            "Más dinero no lo resuelve.",
        ),
        ("en", "Diagnosis", "Commitment", "Hard target", "No", "Target “Mediaciones” (hard)"),
    ],
)
def test_infeasible_with_output_writes_a_diagnosis_workbook(
    tmp_path: Path, lang: str, sheet: str, header: str, kind: str, money: str, detail: str
) -> None:
    out = tmp_path / "d.xlsx"
    result = solve(tmp_path, CAPACITY, "--output", str(out), "--lang", lang)
    assert result.exit_code == 3
    wb = load_workbook(out)
    assert wb.sheetnames == [sheet]
    rows = [[c.value for c in row] for row in wb[sheet].iter_rows()]
    at = next(i for i, r in enumerate(rows) if r[0] == header)
    finding = rows[at + 1]
    assert finding[:7] == [kind, "Mediaciones", 20, 12, 8, "mediaciones", money]
    assert str(finding[7]).startswith(detail)  # in the workbook's language


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "es",
            [
                "aumentar el techo de Seguridad en 6.000,0 (hasta 16.000,0)",
                "reducir las unidades mínimas de «Talleres» en 3 (hasta 5)",
                "bajar la meta obligatoria «Alcance» a lo alcanzable: 41,0 % en Comuna 3; "
                "12,5 % en Comuna 4",
                "bajar la meta obligatoria «Presencia» a lo alcanzable: 0 en Comuna 3 / "
                "Acceso a la justicia",
                "bajar la meta obligatoria «Mediaciones» a lo alcanzable: 450 mediaciones",
            ],
        ),
        (
            "en",
            [
                "raise the envelope of Seguridad by 6,000.0 (to 16,000.0)",
                "lower the minimum units of “Talleres” by 3 (to 5)",
                "lower the hard target “Alcance” to what can be reached: 41.0 % in Comuna 3; "
                "12.5 % in Comuna 4",
                "lower the hard target “Presencia” to what can be reached: 0 in Comuna 3 / "
                "Access to justice",
                "lower the hard target “Mediaciones” to what can be reached: 450 mediaciones",
            ],
        ),
    ],
)
def test_alternatives_in_the_workbook_language(lang: str, expected: list[str]) -> None:
    from pazos_budget.reports.labels import Labels

    places = {
        "c3": "Comuna 3",
        "c4": "Comuna 4",
        "access_to_justice": Labels(lang).component("access_to_justice"),
        "mediations": "mediaciones",
    }
    alternatives = [
        {"kind": "department_budget", "name": "Seguridad", "amount": 6000, "to": 16000},
        {"kind": "mandatory_min_units", "name": "Talleres", "amount": 3, "to": 5},
        {
            "kind": "hard_target",
            "name": "Alcance",
            "unit": "share",
            "rows": [{"key": "c3", "possible": 0.41}, {"key": "c4", "possible": 0.125}],
        },
        {
            "kind": "hard_target",
            "name": "Presencia",
            "unit": "units",
            "rows": [{"key": "c3/access_to_justice", "possible": 0}],
        },
        {
            "kind": "hard_target",
            "name": "Mediaciones",
            "unit": "units",
            "rows": [{"key": "mediations", "possible": 450}],
        },
    ]
    L = Labels(lang)
    read = [Alternative.from_json(a) for a in alternatives]  # as the JSON writes them
    assert [L.alternative(a, places, {"c3", "c4"}) for a in read] == expected
