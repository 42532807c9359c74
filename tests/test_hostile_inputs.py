"""Hostile but realistic input: YAML 1.1 typing, pipes, FIFOs, devices, UTF-16, odd
`--set` paths and options. Each case reproduces a review finding; CLI cases assert the
exit code and the exact message, and none may print a traceback."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import Result

from conftest import console_script, invoke_cli
from pazos_budget import files
from pazos_budget.loader import load_scenario

BASE = """\
scenario: {id: t, name: Tiny, year: 2024, currency: COP millions, language: en}
budget:
  total: 100
clusters:
  - {id: c1, name: C1, youth_population: 100}
departments:
  - {id: cul, name: Culture}
programmes:
  - id: p1
    name: P1
    department: cul
    component: prevention
    unit: u
    unit_cost: 1
    integer: false
    clusters: all
    youth_per_unit: 1
    max_units: 10
"""
SUMMARY = (
    "s.yaml: ok: 1 cluster (1 prioritized), 1 department, 1 programme, "
    "0 targets and goals, total budget {total} COP millions"
)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.yaml").write_text(BASE, encoding="utf-8")
    return tmp_path


def invoke(*args: str) -> Result:
    run: Result = invoke_cli(*args)
    return run


def refused(run: Result, *lines: str, code: int = 2) -> None:
    assert run.exit_code == code, run.output
    assert run.stdout == ""
    assert run.stderr.splitlines() == list(lines)


# --------------------------------------------------------------------------- YAML 1.2 only
@pytest.mark.parametrize("version", ["1.1", "1.0", "1.3"])
def test_a_yaml_directive_other_than_1_2_is_refused(workdir: Path, version: str) -> None:
    text = f"%YAML {version}\n---\n" + BASE.replace("total: 100", "total: 01130")
    (workdir / "s.yaml").write_text(text, encoding="utf-8")
    refused(
        invoke("validate", "s.yaml"),
        f"s.yaml:1:1: '%YAML {version}' directive: files are read as YAML 1.2 only (under "
        "YAML 1.1, 'yes' would be true, 01130 octal and 16:40 a number of minutes); remove "
        "the line or write '%YAML 1.2'",
    )


def test_yaml_1_2_typing_without_a_directive(workdir: Path) -> None:
    (workdir / "s.yaml").write_text(BASE.replace("total: 100", "total: 01130"), "utf-8")
    run = invoke("validate", "s.yaml")
    assert run.exit_code == 0, run.output
    assert run.stdout.splitlines() == [SUMMARY.format(total="1,130.0")]  # decimal, not 600
    (workdir / "s.yaml").write_text("%YAML 1.2\n---\n" + BASE, "utf-8")
    assert invoke("validate", "s.yaml").stdout.splitlines() == [SUMMARY.format(total="100.0")]


def test_sexagesimal_and_yes_stay_text(workdir: Path) -> None:
    text = BASE.replace("total: 100", "total: 16:40").replace("integer: false", "integer: yes")
    (workdir / "s.yaml").write_text(text, encoding="utf-8")
    refused(
        invoke("validate", "s.yaml"),
        "s.yaml:3:3: budget.total: must be a number",
        "s.yaml:15:5: programmes[0].integer: must be true or false; write true (not 'yes')",
    )


@pytest.mark.parametrize("value", ["+_", "-_", "0x_", "0b_", "0o_", "._", "_"])
def test_a_number_without_digits_is_text(workdir: Path, value: str) -> None:
    """Underscores and a prefix make no number: the scalar is text, so the field says it
    must be a number (before, Python's "invalid literal for int()" reached the user)."""
    (workdir / "s.yaml").write_text(BASE.replace("total: 100", f"total: {value}"), "utf-8")
    refused(invoke("validate", "s.yaml"), "s.yaml:3:3: budget.total: must be a number")


def test_an_impossible_date_is_said_in_our_words(workdir: Path) -> None:
    (workdir / "s.yaml").write_text(BASE.replace("total: 100", "total: 2026-02-30"), "utf-8")
    refused(
        invoke("validate", "s.yaml"),
        "s.yaml:3:3: budget.total: not valid YAML: '2026-02-30' reads as a date, and there is "
        "no such date (write it as YYYY-MM-DD, or in quotes if it is text)",
    )


# --------------------------------------------------------------------------- read once
def test_a_pipe_is_read_once_and_hashed_from_what_was_parsed(workdir: Path) -> None:
    proc = subprocess.run(
        [console_script(), "solve", "/dev/stdin", "--json", "r.json", "-q"],
        input=BASE.encode(),
        capture_output=True,
        cwd=workdir,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    document = json.loads((workdir / "r.json").read_text(encoding="utf-8"))
    assert document["scenario"]["sha256"] == hashlib.sha256(BASE.encode()).hexdigest()
    assert document["scenario"]["sha256"] != hashlib.sha256(b"").hexdigest()


def test_a_pipe_s_problems_are_told_in_the_language_it_declares(workdir: Path) -> None:
    """`cat s.yaml | pazos-budget validate /dev/stdin` with `language: es`, the locale C:
    in Spanish, as the same file would be (the pipe cannot be read again for it)."""
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_MESSAGES", "LANG")}
    text = BASE.replace("total: 100", "total: -1").replace("language: en", "language: es")
    proc = subprocess.run(
        [console_script(), "validate", "/dev/stdin"],
        input=text.encode(),
        capture_output=True,
        cwd=workdir,
        env={**env, "LC_ALL": "C"},
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.decode().splitlines() == [
        "/dev/stdin:3:3: budget.total: debe ser mayor o igual a 0"
    ]


def _piped(workdir: Path, text: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_MESSAGES", "LANG")}
    return subprocess.run(
        [console_script(), *args],
        input=text.encode(),
        capture_output=True,
        cwd=workdir,
        env={**env, "LC_ALL": "C"},
        timeout=60,
        check=False,
    )


def test_a_dash_is_the_standard_input(workdir: Path) -> None:
    """`cat s.yaml | pazos-budget solve -`: read as /dev/stdin is, the problems named '-'
    (before: "-: no such file")."""
    proc = _piped(workdir, BASE, "solve", "-", "--json", "r.json", "-q")
    assert proc.returncode == 0, proc.stderr
    document = json.loads((workdir / "r.json").read_text(encoding="utf-8"))
    assert document["scenario"]["sha256"] == hashlib.sha256(BASE.encode()).hexdigest()
    bad = BASE.replace("total: 100", "total: -1").replace("language: en", "language: es")
    proc = _piped(workdir, bad, "validate", "-")
    assert proc.returncode == 2
    assert proc.stderr.decode().splitlines() == ["-:3:3: budget.total: debe ser mayor o igual a 0"]


def test_a_dash_given_twice_is_refused(workdir: Path) -> None:
    """The standard input can be read once: `compare - -` would compare the scenario with
    an empty file."""
    proc = _piped(workdir, BASE, "compare", "-", "-", "-o", "c.xlsx")
    assert proc.returncode == 2
    assert proc.stderr.decode().splitlines() == [
        "error: '-' (the standard input) is given more than once: it can be read only once; "
        "save the others to files"
    ]
    assert not (workdir / "c.xlsx").exists()


def test_a_file_changed_after_reading_does_not_change_the_hash(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = files.read_input_bytes

    def read_then_edit(path: Path, *args: object, **kwargs: object) -> bytes:
        raw = real(path, *args, **kwargs)  # type: ignore[arg-type]
        Path(path).write_text(BASE.replace("total: 100", "total: 5"), encoding="utf-8")
        return raw

    monkeypatch.setattr("pazos_budget.loader.read_input_bytes", read_then_edit)
    loaded = load_scenario(workdir / "s.yaml")
    assert loaded.scenario.budget.total == 100
    assert loaded.sha256 == hashlib.sha256(BASE.encode()).hexdigest()
    assert loaded.file_sha256 == loaded.sha256


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")
def test_a_fifo_with_no_writer_is_refused_without_hanging(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "FIFO_WAIT", 0.2)
    os.mkfifo(workdir / "pipe.yaml")
    refused(
        invoke("validate", "pipe.yaml"),
        "pipe.yaml: is a pipe and nothing arrived in 0.2 s (is a program writing to it?); "
        "start the program that writes it first, or save the scenario data to a file",
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")
def test_a_fifo_whose_writer_waits_for_the_reader_is_read(workdir: Path) -> None:
    """`cat s.yaml > pipe.yaml &` then `validate pipe.yaml`: the writer is blocked in its
    open until the reader comes, then connects; the reader waits for its bytes."""
    fifo = workdir / "pipe.yaml"
    os.mkfifo(fifo)
    writer = subprocess.Popen(
        [sys.executable, "-c", f"open({str(fifo)!r}, 'wb').write({BASE.encode()!r})"]
    )
    try:
        loaded = load_scenario(fifo)
    finally:
        writer.wait(10)
    assert loaded.scenario.budget.total == 100
    assert loaded.sha256 == hashlib.sha256(BASE.encode()).hexdigest()


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_dev_zero_stops_at_the_size_limit(workdir: Path) -> None:
    refused(
        invoke("validate", "/dev/zero"),
        "/dev/zero: file is too large (more than the limit of 20,971,520 bytes)",
    )


def test_a_csv_device_stops_at_the_table_limit(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    monkeypatch.setattr("pazos_budget.tables.MAX_TABLE_BYTES", 1000)
    (workdir / "s.yaml").write_text(BASE + "tables: {clusters: /dev/zero}\n", "utf-8")
    refused(
        invoke("validate", "s.yaml"),
        "/dev/zero: file is too large (more than the limit of 1,000 bytes)",
    )


# --------------------------------------------------------------------------- encodings
@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_scenario_gets_advice(workdir: Path, encoding: str) -> None:
    (workdir / "s.yaml").write_bytes(BASE.encode(encoding))
    refused(
        invoke("validate", "s.yaml"),
        "s.yaml: the file is UTF-16 text, which is not read here; save it as UTF-8",
    )


def test_utf16_csv_gets_advice(workdir: Path) -> None:
    (workdir / "s.yaml").write_text(
        BASE.replace("clusters:\n  - {id: c1, name: C1, youth_population: 100}\n", "")
        + "tables: {clusters: c.csv}\n",
        encoding="utf-8",
    )
    (workdir / "c.csv").write_bytes("id,name,youth_population\nc1,C1,100\n".encode("utf-16"))
    refused(
        invoke("validate", "s.yaml"),
        "c.csv: the file is UTF-16 text, which is not read here; save it as "
        "'CSV UTF-8 (comma delimited)'",
    )


# --------------------------------------------------------------------------- variants, --set
def test_extends_a_directory(workdir: Path) -> None:
    (workdir / "bases").mkdir()
    (workdir / "v.yaml").write_text("extends: bases\n", encoding="utf-8")
    refused(
        invoke("validate", "v.yaml"),
        "v.yaml:1:1: extends: 'bases' is a directory, not a base scenario file",
    )


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (
            "extends=other.yaml",
            "--set extends=other.yaml: 'extends' names other files and cannot be changed "
            "with --set: write a variant file with 'extends:' instead",
        ),
        (
            "tables.clusters=c.csv",
            "--set tables.clusters=c.csv: 'tables' names other files and cannot be changed "
            "with --set: write a variant file with 'tables:' instead",
        ),
        (
            "budget..total=5",
            "--set budget..total=5: the path 'budget..total' has an empty part (two dots, "
            "or a dot at an end); write, for example, budget.total=5",
        ),
        (
            "budget.total.=5",
            "--set budget.total.=5: the path 'budget.total.' has an empty part (two dots, "
            "or a dot at an end); write, for example, budget.total=5",
        ),
    ],
)
def test_set_paths_refused(workdir: Path, option: str, message: str) -> None:
    refused(invoke("solve", "s.yaml", "--set", option), message)


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "-1", "0"])
def test_time_limit_must_be_positive_and_finite(workdir: Path, value: str) -> None:
    shown = f"{float(value):g}"
    message = (
        f"error: --time-limit {shown}: give a positive number of seconds, e.g. --time-limit 60"
    )
    refused(invoke("solve", "s.yaml", "--time-limit", value), message)
    refused(
        invoke("sweep", "s.yaml", "-o", "f.xlsx", "--budget", "1:2:1", "--time-limit", value),
        message,
    )
    (workdir / "v.yaml").write_text("extends: s.yaml\nscenario: {id: v}\n", encoding="utf-8")
    refused(invoke("compare", "s.yaml", "v.yaml", "-o", "c.xlsx", "--time-limit", value), message)


def test_set_run_records_overrides_base_and_relabels(workdir: Path) -> None:
    (workdir / "v.yaml").write_text("extends: s.yaml\nscenario: {id: v}\n", encoding="utf-8")
    run = invoke("solve", "v.yaml", "--set", "budget.total=50", "--json", "r.json", "-q")
    assert run.exit_code == 0, run.output
    scenario = json.loads((workdir / "r.json").read_text(encoding="utf-8"))["scenario"]
    assert scenario["overrides"] == ["budget.total=50"]
    assert scenario["base"] == "s.yaml"
    assert scenario["name"] == "Tiny (with --set budget.total=50)"
    own = hashlib.sha256((workdir / "v.yaml").read_bytes()).hexdigest()
    assert scenario["file_sha256"] == own != scenario["sha256"]
    plain = invoke("solve", "s.yaml", "--json", "p.json", "-q")
    assert plain.exit_code == 0
    scenario = json.loads((workdir / "p.json").read_text(encoding="utf-8"))["scenario"]
    assert scenario["overrides"] == [] and scenario["base"] is None
    assert scenario["name"] == "Tiny"
    assert scenario["sha256"] == scenario["file_sha256"]


def test_set_name_is_kept_when_the_override_names_it(workdir: Path) -> None:
    loaded = load_scenario(workdir / "s.yaml", ["scenario.name=Recorte", "budget.total=5"])
    assert loaded.scenario.scenario.name == "Recorte"
    es = workdir / "es.yaml"
    es.write_text(BASE.replace("language: en", "language: es"), encoding="utf-8")
    loaded = load_scenario(es, ["scale_budgets=-20%"])
    assert loaded.scenario.scenario.name == "Tiny (con --set scale_budgets=-20%)"


# --------------------------------------------------------------------------- CSV, nesting
def _with_programme_table(workdir: Path, csv_text: str) -> None:
    text = BASE[: BASE.index("programmes:")] + "tables: {programmes: p.csv}\n"
    (workdir / "s.yaml").write_text(text, encoding="utf-8")
    (workdir / "p.csv").write_text(csv_text, encoding="utf-8")


HEADER = "id,name,department,component,unit_cost,clusters,youth_per_unit"


def test_unknown_cofunding_column_is_refused_even_when_empty(workdir: Path) -> None:
    _with_programme_table(
        workdir, f"{HEADER},cofunding:cultura,cofunding:cul\np1,P1,cul,prevention,1,all,1,,\n"
    )
    refused(
        invoke("validate", "s.yaml"),
        "p.csv:1:8: column 'cofunding:cultura': no department 'cultura'; did you mean "
        "'cofunding:cul'?",
    )


def test_csv_open_quote_is_located(workdir: Path) -> None:
    _with_programme_table(
        workdir, f'{HEADER}\np1,P1,cul,prevention,1,all,1\np2,"P2,cul,prevention,1,all,1\n'
    )
    refused(
        invoke("validate", "s.yaml"),
        "p.csv:3:2: a quoted cell opened here is never closed (a '\"' is missing)",
    )


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("a: " + "[" * 600 + "]" * 600 + "\n", "1:67"),
        ("a:\n" + "".join("  " * i + "b:\n" for i in range(1, 600)), "65:129"),
    ],
)
def test_deep_nesting_is_located(workdir: Path, text: str, where: str) -> None:
    (workdir / "deep.yaml").write_text(text, encoding="utf-8")
    refused(
        invoke("validate", "deep.yaml"),
        f"deep.yaml:{where}: YAML nesting is too deep (more than 64 levels of lists and mappings)",
    )


# --------------------------------------------------------------------------- sweep points
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--budget", "1e20:1e20:1"),
            "error: --budget 1e20:1e20:1: at the point 1e+20, budget.total would be 1e+20: "
            "no number in a scenario may exceed 1e15",
        ),
        (
            ("--scale", "1:1e14:1e14"),
            "error: --scale 1:1e14:1e14: at the point 1e+14, budget.total would be 1e+16: "
            "no number in a scenario may exceed 1e15",
        ),
        (
            ("--scale", "1:1e14:1e14", "--lang", "es"),
            "error: --scale 1:1e14:1e14: en el punto 1e+14, budget.total sería 1e+16: "
            "ningún número de un escenario puede superar 1e15",
        ),
    ],
)
def test_a_sweep_point_beyond_the_number_limit_is_refused(
    workdir: Path, args: tuple[str, ...], message: str
) -> None:
    """A point is the validated scenario with its money changed, never validated again:
    before, `--budget 1e20:1e20:1` was solved and printed as a 21-digit budget (and a
    scale of 1e300 as a 300-digit one), where `--set budget.total=1e20` is refused."""
    refused(invoke("sweep", "s.yaml", "-o", "f.xlsx", *args), message)
    assert not (workdir / "f.xlsx").exists()
    text = BASE.replace("  - {id: cul, name: Culture}", "  - {id: cul, name: Culture, budget: 1e9}")
    (workdir / "s.yaml").write_text(text, encoding="utf-8")
    refused(
        invoke("sweep", "s.yaml", "-o", "f.xlsx", "--scale", "1:1e7:9999999"),
        "error: --scale 1:1e7:9999999: at the point 1e+07, departments.cul.budget would be "
        "1e+16: no number in a scenario may exceed 1e15",
    )
