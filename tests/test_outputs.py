"""One output plan per run: checked before any solve, written together at the end.

Reproductions of a hostile-input review: `--write-model` replaced the scenario and could
clobber the JSON, a missing folder was found only after the solve, a full disk printed a
traceback, SIGTERM/SIGHUP left hidden temporary files, a new JSON was left beside a stale
workbook, two runs could mix their outputs, and an output through a symlink replaced
the link.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from typer.testing import Result

from conftest import invoke_cli
from pazos_budget import outputs
from pazos_budget.errors import OutputBusyError, ReportError, UsageError
from pazos_budget.outputs import Output, OutputPlan

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = ROOT / "examples" / "minimal.yaml"
INFEASIBLE = ROOT / "examples" / "infeasible.yaml"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    shutil.copy(MINIMAL, tmp_path / "s.yaml")
    return tmp_path


def invoke(*args: str) -> Result:
    run: Result = invoke_cli(*args)
    return run


def refused(run: Result, message: str, code: int = 2) -> None:
    assert run.exit_code == code, run.output
    assert run.stderr.splitlines() == [message]


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def no_solve(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_: Any, **__: Any) -> None:
        raise AssertionError("solved before checking the outputs")

    monkeypatch.setattr("pazos_budget.pipeline.solve_scenario", fail)


# --------------------------------------------------------------------------- checks first
def test_write_model_never_replaces_the_scenario(workdir: Path, no_solve: None) -> None:
    shutil.copy(MINIMAL, workdir / "s.lp")
    refused(
        invoke("solve", "s.lp", "--write-model", "s.lp"),
        "error: --write-model s.lp: is the input file s.lp; choose another name",
    )
    assert (workdir / "s.lp").read_bytes() == MINIMAL.read_bytes()


def test_two_outputs_cannot_be_one_file(workdir: Path, no_solve: None) -> None:
    refused(
        invoke("solve", "s.yaml", "--json", "m.lp", "--write-model", "m.lp"),
        "error: --write-model m.lp: is the same file as --json m.lp; give each output its own name",
    )
    os.symlink("m.lp", workdir / "other.lp")
    refused(
        invoke("solve", "s.yaml", "--json", "m.lp", "--write-model", "other.lp"),
        "error: --write-model other.lp: is the same file as --json m.lp; give each output "
        "its own name",
    )


@pytest.mark.parametrize("option", ["--json", "--output", "--write-model"])
def test_a_missing_folder_is_found_before_solving(
    workdir: Path, no_solve: None, option: str
) -> None:
    name = {"--json": "r.json", "--output": "r.xlsx", "--write-model": "m.mps"}[option]
    refused(
        invoke("solve", "s.yaml", option, f"nope/{name}"),
        f"error: {option} nope/{name}: the folder nope does not exist",
    )


def test_links_to_an_input_are_refused(workdir: Path, no_solve: None) -> None:
    os.symlink("s.yaml", workdir / "soft.json")
    os.link(workdir / "s.yaml", workdir / "hard.json")
    for name in ("soft.json", "hard.json"):
        refused(
            invoke("solve", "s.yaml", "--json", name),
            f"error: --json {name}: is the input file s.yaml; choose another name",
        )
    (workdir / "v.yaml").write_text("extends: s.yaml\nscenario: {id: v}\n", encoding="utf-8")
    refused(
        invoke("solve", "v.yaml", "--write-model", "s.yaml.lp", "--json", "s.yaml"),
        "error: --json s.yaml: is the input file s.yaml; choose another name",
    )


def test_a_link_into_a_missing_folder(workdir: Path, no_solve: None) -> None:
    os.symlink("gone/r.json", workdir / "r.json")
    refused(
        invoke("solve", "s.yaml", "--json", "r.json"),
        f"error: --json r.json: the link points into {workdir.resolve()}/gone, which does "
        "not exist",
    )


def test_a_read_only_output_is_kept(workdir: Path, no_solve: None) -> None:
    """A file made read-only (no write permission for anyone) is kept for every user,
    root included: root may write anything, and its run replaced the file."""
    (workdir / "r.json").write_text("keep me", encoding="utf-8")
    (workdir / "r.json").chmod(0o444)
    refused(
        invoke("solve", "s.yaml", "--json", "r.json"),
        "error: --json r.json: the file is read-only; make it writable or choose another name",
    )
    assert (workdir / "r.json").read_text(encoding="utf-8") == "keep me"


@pytest.mark.skipif(not Path("/dev/null").exists(), reason="no /dev/null here")
def test_a_device_is_not_an_output(workdir: Path, no_solve: None) -> None:
    refused(
        invoke("solve", "s.yaml", "--json", "/dev/null"),
        "error: --json /dev/null: is not a regular file (a device or a pipe); give a file name",
    )


def test_compare_and_sweep_outputs_are_checked(workdir: Path, no_solve: None) -> None:
    os.symlink("s.yaml", workdir / "s.xlsx")
    refused(
        invoke("sweep", "s.yaml", "--budget", "1:2:1", "-o", "s.xlsx"),
        "error: --output s.xlsx: is the input file s.yaml; choose another name",
    )
    refused(
        invoke("compare", "s.yaml", "s.yaml", "-o", "s.xlsx"),
        "error: --output s.xlsx: is the input file s.yaml; choose another name",
    )


# --------------------------------------------------------------------------- all or none
@pytest.mark.filterwarnings("ignore:Constructing LpVariable.*:DeprecationWarning")
def test_all_outputs_written_through_a_symlink(workdir: Path) -> None:
    (workdir / "real").mkdir()
    (workdir / "real" / "r.json").write_text("old", encoding="utf-8")
    os.symlink("real/r.json", workdir / "r.json")
    run = invoke("solve", "s.yaml", "--json", "r.json", "-o", "r.xlsx", "--write-model", "m.lp")
    assert run.exit_code == 0, run.output
    assert (workdir / "r.json").is_symlink()  # the link stays a link
    assert json.loads((workdir / "real" / "r.json").read_text("utf-8"))["status"] == "optimal"
    assert "Minimize" in (workdir / "m.lp").read_text(encoding="utf-8") or (
        "Maximize" in (workdir / "m.lp").read_text(encoding="utf-8")
    )
    assert listing(workdir) == ["m.lp", "r.json", "r.xlsx", "real", "s.yaml"]
    assert listing(workdir / "real") == ["r.json"]  # no temporary or lock file left


def test_a_failing_workbook_leaves_no_new_json(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (workdir / "r.json").write_text("old json", encoding="utf-8")
    (workdir / "r.xlsx").write_text("old workbook", encoding="utf-8")

    def full(*_: Any, **__: Any) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("pazos_budget.reports.excel.build_workbook", full)
    run = invoke("solve", "s.yaml", "--json", "r.json", "-o", "r.xlsx", "-q")
    refused(
        run,
        "error: --output r.xlsx: cannot write: No space left on device; no output was "
        "written, the old files are unchanged",
        code=1,
    )
    assert (workdir / "r.json").read_text(encoding="utf-8") == "old json"
    assert (workdir / "r.xlsx").read_text(encoding="utf-8") == "old workbook"
    assert listing(workdir) == ["r.json", "r.xlsx", "s.yaml"]


def test_a_rename_failing_midway_puts_the_old_files_back(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (workdir / "a.json").write_text("old a", encoding="utf-8")
    real = os.replace
    calls: list[str] = []

    def second_fails(src: Any, dst: Any) -> None:
        calls.append(str(dst))
        if len(calls) == 2:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        real(src, dst)

    plan = OutputPlan([Output("--json", Path("a.json")), Output("--other", Path("b.json"))])
    monkeypatch.setattr(outputs.os, "replace", second_fails)
    with pytest.raises(ReportError) as caught, plan.reserved():
        plan.commit(
            {"--json": lambda p: p.write_text("new a"), "--other": lambda p: p.write_text("b")}
        )
    assert str(caught.value) == (
        "--other b.json: cannot write: Input/output error; no output was written, the old "
        "files are unchanged"
    )
    assert (workdir / "a.json").read_text(encoding="utf-8") == "old a"
    assert listing(workdir) == ["a.json", "s.yaml"]


@pytest.mark.filterwarnings("ignore:Constructing LpVariable.*:DeprecationWarning")
def test_infeasible_with_a_workbook_writes_the_diagnosis_and_the_json(workdir: Path) -> None:
    """An infeasible solve with --output writes a one-sheet diagnosis workbook together
    with the JSON, through the same output plan (both new, or both old)."""
    shutil.copy(INFEASIBLE, workdir / "i.yaml")
    (workdir / "r.json").write_text("old json", encoding="utf-8")
    run = invoke("solve", "i.yaml", "--json", "r.json", "-o", "r.xlsx")
    assert run.exit_code == 3
    assert run.stderr.splitlines()[-2:] == [
        "JSON result written to r.json",
        "Diagnosis workbook written to r.xlsx",
    ]
    assert json.loads((workdir / "r.json").read_text("utf-8"))["status"] == "infeasible"
    assert load_workbook(workdir / "r.xlsx").sheetnames == ["Diagnosis"]
    assert listing(workdir) == ["i.yaml", "r.json", "r.xlsx", "s.yaml"]
    run = invoke("solve", "i.yaml", "--json", "r.json", "--write-model", "m.lp")
    assert run.exit_code == 3
    assert json.loads((workdir / "r.json").read_text("utf-8"))["status"] == "infeasible"
    assert (workdir / "m.lp").exists()


# --------------------------------------------------------------------------- locks
def test_a_second_run_on_the_same_outputs_exits_5(workdir: Path) -> None:
    lock = workdir / ".r.xlsx.lock"
    fd = os.open(lock, os.O_RDWR | os.O_CREAT)
    os.write(fd, b"4242\n")
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        refused(
            invoke("solve", "s.yaml", "--json", "r.json", "-o", "r.xlsx"),
            "error: --output r.xlsx: another pazos-budget run (process 4242) is writing this "
            "file; wait until it ends, or choose another name",
            code=5,
        )
    finally:
        os.close(fd)
    lock.unlink()
    assert listing(workdir) == ["s.yaml"]  # the JSON's lock was released and removed


def test_a_stale_lock_file_holds_nothing(workdir: Path) -> None:
    (workdir / ".r.json.lock").write_text("999999\n", encoding="utf-8")  # killed with -9
    run = invoke("solve", "s.yaml", "--json", "r.json", "-q")
    assert run.exit_code == 0, run.output
    assert listing(workdir) == ["r.json", "s.yaml"]


def test_lock_is_exclusive_within_a_process(workdir: Path) -> None:
    first = OutputPlan([Output("--json", Path("r.json"))])
    second = OutputPlan([Output("--json", Path("./r.json"))])
    with first.reserved():
        assert (workdir / ".r.json.lock").read_text().strip() == str(os.getpid())
        with pytest.raises(OutputBusyError), second.reserved():
            pass
    with second.reserved():  # free again once the first run ends
        pass
    assert listing(workdir) == ["s.yaml"]


def test_plan_refuses_suffixes_and_folders(workdir: Path) -> None:
    (workdir / "d.json").mkdir()
    with pytest.raises(UsageError, match="is a directory"):
        OutputPlan([Output("--json", Path("d.json"))])
    with pytest.raises(UsageError, match=r"must be a \.lp or \.mps file"):
        OutputPlan([Output("--write-model", Path("m.txt"), (".lp", ".mps"))])


# --------------------------------------------------------------------------- signals
SLOW_WRITE = """
import ctypes
from pathlib import Path
from pazos_budget.outputs import Output, OutputPlan

def slow(tmp):
    tmp.write_text("half")
    Path("writing").write_text("x")
    for _ in range(30):
        ctypes.CDLL(None).sleep(1)  # C code, like a solve: Python's handlers wait

plan = OutputPlan([Output("--json", Path("r.json")), Output("--output", Path("r.xlsx"))])
with plan.reserved():
    plan.commit({"--json": lambda tmp: tmp.write_text("new"), "--output": slow})
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_remove_temporary_files(workdir: Path, signum: int) -> None:
    (workdir / "r.json").write_text("old json", encoding="utf-8")
    with subprocess.Popen(
        [sys.executable, "-c", SLOW_WRITE], cwd=workdir, stderr=subprocess.PIPE, text=True
    ) as child:
        try:
            for _ in range(300):
                if (workdir / "writing").exists() or child.poll() is not None:
                    break
                subprocess.run(["sleep", "0.05"], check=True)
            assert (workdir / "writing").exists()
            hidden = [n for n in listing(workdir) if n.startswith(".")]
            assert len(hidden) == 4  # two temporary files, two locks
            child.send_signal(signum)
            assert child.wait(5) == 128 + signum  # at once, not after the C call
        finally:
            if child.poll() is None:
                child.kill()
        assert child.stderr is not None
        name = signal.Signals(signum).name
        assert child.stderr.read() == (
            f"stopped by {name}: no output written, no temporary file left\n"
        )
    assert listing(workdir) == ["r.json", "s.yaml", "writing"]
    assert (workdir / "r.json").read_text(encoding="utf-8") == "old json"


# --------------------------------------------------------------------------- a full disk
FULL_DISK = """
import json, os, subprocess, sys
folder, scenario = sys.argv[1], sys.argv[2]
old = os.path.join(folder, "r.xlsx")
with open(old, "wb") as f:
    f.write(b"old workbook " * 100)
try:
    with open(os.path.join(folder, "filler"), "wb") as f:
        while True:
            f.write(b"x" * 4096)
            f.flush()
except OSError:
    pass
run = subprocess.run(
    [sys.executable, "-c", "from pazos_budget.cli import main; main()",
     "solve", scenario, "-o", old, "-q"],
    capture_output=True, text=True,
)
print(json.dumps({
    "rc": run.returncode,
    "stderr": run.stderr,
    "old": open(old, "rb").read() == b"old workbook " * 100,
    "files": sorted(os.listdir(folder)),
}))
"""


def _tmpfs_command(folder: Path) -> list[str] | None:
    """A command prefix that mounts a small tmpfs on `folder` for what it runs, or None
    when this machine cannot (no unshare, no user namespaces, no mount rights)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return None
    probe = subprocess.run(
        [unshare, "-rm", "sh", "-c", f"mount -t tmpfs -o size=64k tmpfs '{folder}'"],
        capture_output=True,
        check=False,
    )
    if probe.returncode != 0:
        return None
    return [unshare, "-rm", "sh", "-c", f'mount -t tmpfs -o size=64k tmpfs "{folder}" && "$@"']


def test_a_full_disk_while_writing_the_workbook(tmp_path: Path) -> None:
    folder = tmp_path / "small"
    folder.mkdir()
    prefix = _tmpfs_command(folder)
    if prefix is None:
        pytest.skip("cannot mount a small tmpfs here (needs unshare and user namespaces)")
    script = tmp_path / "full.py"
    script.write_text(textwrap.dedent(FULL_DISK), encoding="utf-8")
    done = subprocess.run(
        [*prefix, "sh", sys.executable, str(script), str(folder), str(MINIMAL)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["rc"] == 1
    assert report["stderr"].splitlines() == [
        f"error: --output {folder}/r.xlsx: cannot write: No space left on device; no output "
        "was written, the old files are unchanged"
    ]
    assert report["old"] is True
    assert report["files"] == ["filler", "r.xlsx"]
