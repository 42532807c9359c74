"""What users get from every example stays what it was: the JSON, the printed text and the
workbook's cells of `solve` (with `--marginal` in English; in Spanish without), the
diagnosis of the infeasible example, and a sweep with its frontier workbook.

The expected files in tests/data/unchanged/ are written with
`python tests/test_unchanged_outputs.py --write` (first by the code before the typed
records of issue 18 replaced the dicts between modules, to show that change changed
nothing; since then again whenever a change users see is meant, listed in CHANGELOG.md).
Only what differs between two runs of one solve is masked: the solver's seconds, and the
solver's and the tool's versions.
A difference here is a change users see: if it is meant, say so in CHANGELOG.md and
write the files again.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = ROOT / "tests" / "data" / "unchanged"
EXAMPLES = sorted(ROOT.glob("examples/*.yaml"))
SWEEP = ["sweep", "examples/sweep-frontier.yaml", "--budget", "200:1600:200"]

_SECONDS = re.compile(r"\b\d+(?:[.,]\d+)? s\b")
_WHEN = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d \([+-]\d\d:\d\d\)")
_VERSION = re.compile(r"pazos-budget \d+\.\d+\S*")
#: Workbook rows whose value is the solve's time (English and Spanish labels).
_TIME_ROWS = ("Solve time (seconds)", "Tiempo de solución (segundos)")


def _masked_text(text: str) -> str:
    text = _WHEN.sub("<when>", text)
    text = _VERSION.sub("pazos-budget <version>", text)
    return _SECONDS.sub("<seconds> s", text)


def _masked(value: Any) -> Any:
    """A document or a list of cells with the run-dependent figures masked."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k in ("seconds", "version", "pazos_budget_version"):
                out[k] = "<masked>"
            else:
                out[k] = _masked(v)
        return out
    if isinstance(value, list):
        return [_masked(v) for v in value]
    if isinstance(value, str):
        return _masked_text(value)
    return value


def _cells(path: Path) -> dict[str, list[list[Any]]]:
    """Every sheet's cell values, row by row (None for an empty cell)."""
    book = load_workbook(path)
    sheets = {}
    for ws in book.worksheets:
        rows = []
        for row in ws.iter_rows(values_only=True):
            cells = [c if isinstance(c, int | float | str | None) else str(c) for c in row]
            if cells and cells[0] in _TIME_ROWS:
                cells[1:2] = ["<seconds>"]
            rows.append(cells)
        sheets[ws.title] = rows
    return sheets


def _run(args: list[str], workbook: bool = True) -> dict[str, Any]:
    """Run one command in-process, with --json and (when asked) --output in a temporary
    folder, and return everything it gave the user, masked."""
    from pazos_budget.cli import app

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        extra = ["--json", str(out / "r.json")]
        if workbook:
            extra += ["--output", str(out / "r.xlsx")]
        run = CliRunner().invoke(app, [*args, *extra])
        given = {
            "exit_code": run.exit_code,
            "stdout": run.stdout.replace(tmp, "<tmp>"),
            "stderr": run.stderr.replace(tmp, "<tmp>"),
            "json": json.loads((out / "r.json").read_text("utf-8")),
            "workbook": _cells(out / "r.xlsx") if workbook else None,
        }
    return _masked(given)


def _cases() -> dict[str, list[str]]:
    cases = {}
    for path in EXAMPLES:
        rel = str(path.relative_to(ROOT))
        # The marginal values in English only: their figures do not depend on the
        # language, and the re-solves are most of the test's time.
        cases[f"solve-{path.stem}-en"] = ["solve", rel, "--marginal", "--lang", "en"]
        cases[f"solve-{path.stem}-es"] = ["solve", rel, "--lang", "es"]
    cases["sweep-frontier-en"] = [*SWEEP, "--lang", "en"]
    cases["sweep-frontier-es"] = [*SWEEP, "--lang", "es"]
    return cases


CASES = _cases()


@pytest.mark.parametrize("name", sorted(CASES))
def test_what_users_get_is_unchanged(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the examples name their bases and tables relative to here
    expected = json.loads((EXPECTED / f"{name}.json").read_text("utf-8"))
    got = json.loads(json.dumps(_run(CASES[name])))
    for part in ("exit_code", "stdout", "stderr", "json", "workbook"):
        assert got[part] == expected[part], f"{name}: the {part} changed"


def test_the_masks_hide_only_what_varies() -> None:
    """The masks must not hide figures: a changed youth count still fails."""
    doc = {"solver": {"seconds": 0.03, "version": "1.16.0"}, "totals": {"youth": 1311}}
    assert _masked(doc)["totals"] == {"youth": 1311}
    assert _masked_text("solución óptima, solver highs, 0,03 s") == (
        "solución óptima, solver highs, <seconds> s"
    )
    assert _masked_text("1.311 jóvenes, 37,4 % y 10 s") == "1.311 jóvenes, 37,4 % y <seconds> s"
    assert _masked_text("corrida del 2026-12-01 13:37 (+00:00), 2026 jóvenes") == (
        "corrida del <when>, 2026 jóvenes"
    )


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    import os

    os.chdir(ROOT)
    EXPECTED.mkdir(parents=True, exist_ok=True)
    for case, argv in CASES.items():
        text = json.dumps(_run(argv), ensure_ascii=False, indent=1, sort_keys=True)
        (EXPECTED / f"{case}.json").write_text(text + "\n", encoding="utf-8")
        print(case)
