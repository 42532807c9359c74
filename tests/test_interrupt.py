"""Long solves are visible and interruptible: on a terminal a progress line shows the
stage, the best plan's objective, the bound, the gap and the time; Ctrl-C during a MIP
stage keeps the best plan found, marked `feasible` with its gap, and writes the outputs.

The Palmira baseline with every budget 20% lower is slow on purpose (its final MIP stage
takes minutes to prove); the test waits for that stage's progress line, sends SIGINT, and
is done in a few seconds.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest
from rich.console import Console
from typer.testing import CliRunner

from pazos_budget import analysis
from pazos_budget.analysis import solve_with_marginal_values
from pazos_budget.cli import app
from pazos_budget.i18n import Said
from pazos_budget.loader import load_scenario
from pazos_budget.pipeline import solve_scenario
from pazos_budget.solve import Progress, SolveControl, SolveOptions, Status
from pazos_budget.terminal import solve_progress

ROOT = Path(__file__).resolve().parent.parent
PALMIRA = ROOT / "scenarios" / "palmira-2023.yaml"
SLOW = ["--set", "scale_budgets=-20%"]
#: The console script, as a user runs it.
COMMAND = [sys.executable, "-c", "from pazos_budget.cli import main; main()"]
#: Generous: the test normally ends in 3-6 s; this only bounds a hang.
WAIT = 90.0


def _read_until(fd: int, needle: str, deadline: float, then: str = "") -> str:
    """What the terminal showed until `needle` appeared (followed later by `then`)."""
    seen = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
            at = seen.find(needle.encode())
            if at >= 0 and then.encode() in seen[at:]:
                return seen.decode(errors="replace")
    return seen.decode(errors="replace")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal and SIGINT")
def test_ctrl_c_keeps_the_best_plan_with_its_gap(tmp_path: Path) -> None:
    out_json, out_xlsx = tmp_path / "r.json", tmp_path / "r.xlsx"
    master, slave = pty.openpty()  # stderr is a terminal: the progress line shows
    proc = subprocess.Popen(
        [*COMMAND, "solve", str(PALMIRA), *SLOW, "--marginal", "--lang", "en"]
        + ["--json", str(out_json), "-o", str(out_xlsx)],
        stdout=subprocess.PIPE,
        stderr=slave,
        cwd=tmp_path,
        env={**os.environ, "TERM": "xterm", "COLUMNS": "200"},
    )
    os.close(slave)
    try:
        deadline = time.monotonic() + WAIT
        # The final stage's line with a gap (its first lines may have no incumbent yet).
        shown = _read_until(master, "(final): best", deadline, then=", gap ")
        # Four reported stages, then the two tie-breaks of a canonical plan.
        assert "Solving stage 4 of 6 (final): best" in shown, shown[-2000:]
        assert ", bound " in shown and ", gap " in shown and " s · Ctrl-C keeps" in shown
        proc.send_signal(signal.SIGINT)
        stdout, _ = proc.communicate(timeout=WAIT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    text = stdout.decode()
    assert proc.returncode == 0, text  # a feasible plan is a solution (exit 0)
    assert "status feasible" in text
    assert "interrupted during final: the best plan found is kept" in text
    assert "final (feasible, gap " in text
    assert "Traceback" not in text
    doc = json.loads(out_json.read_text(encoding="utf-8"))
    assert doc["status"] == "feasible"
    assert doc["solver"]["interrupted"] is True
    final = doc["stages"][-1]
    assert final["status"] == "feasible" and final["gap"] > 0  # a relative gap, may exceed 1
    # No marginal value from a plan that is not proven optimal.
    assert doc["marginal_values"] and all(not m["exact"] for m in doc["marginal_values"])
    assert openpyxl.load_workbook(out_xlsx, read_only=True).sheetnames


def test_no_progress_line_in_a_pipe(tmp_path: Path) -> None:
    run = subprocess.run(
        [*COMMAND, "solve", str(ROOT / "examples" / "minimal.yaml")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        timeout=WAIT,
    )
    assert run.returncode == 0, run.stderr
    assert "Solving" not in run.stderr + run.stdout


def test_a_stopped_solve_reports_progress_then_keeps_its_plan() -> None:
    """The library behind the command: a control sees the stages go by and stops a slow
    MIP stage; the plan found is verified like any other and marked feasible."""
    seen: list[Progress] = []

    def watch(p: Progress) -> None:
        seen.append(p)
        if str(p.stage) == "final" and p.gap is not None:
            control.stop()

    control = SolveControl(on_progress=watch, interval=0.0)
    loaded = load_scenario(PALMIRA, SLOW[1:])
    result = solve_scenario(loaded, SolveOptions(control=control))
    assert result.status == Status.FEASIBLE and result.interrupted
    assert [p.number for p in seen] == sorted(p.number for p in seen)
    # Four reported stages and the two tie-breaks of a canonical plan.
    assert seen[-1].stages == 6 and seen[-1].gap is not None
    final = result.stages[-1]
    assert final.status == "feasible" and final.gap is not None
    assert [str(note) for note in result.notes] == [
        "interrupted during final: the best plan found is kept; "
        "the tie-break, which only tidies unspent money, was not run"
    ]
    assert [note.text("es") for note in result.notes] == [
        "interrumpido en la etapa final: se conserva el mejor plan encontrado; "
        "no se ejecutó el desempate, que solo ordena el dinero sin asignar"
    ]


def test_ctrl_c_before_any_plan_exits_130(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stopped before the first stage has a plan: nothing to keep, exit 130, no traceback."""
    import pazos_budget.solve as solve_module

    def stopped_first(self: object, h: object, *args: object) -> Status:
        control = self.options.control  # type: ignore[attr-defined]
        control.stop()
        return Status.ERROR  # as HiGHS says when interrupted with no solution

    monkeypatch.setattr(solve_module._HighsRun, "_run_stage", stopped_first)
    run = CliRunner().invoke(app, ["solve", str(ROOT / "examples" / "minimal.yaml")])
    assert run.exit_code == 130, run.output
    assert run.output.endswith("interrupted during priority 1, before any plan was found\n")
    # A Spanish scenario says it in Spanish.
    run = CliRunner().invoke(app, ["solve", str(ROOT / "examples" / "minimo-es.yaml")])
    assert run.exit_code == 130, run.output
    assert run.output.endswith(
        "interrumpido en la etapa prioridad 1, antes de encontrar un plan\n"
    ), run.output


def test_the_workbook_marks_a_stage_that_is_not_a_proven_optimum(tmp_path: Path) -> None:
    from pazos_budget.reports.excel import write_workbook

    r = solve_scenario(load_scenario(ROOT / "examples" / "minimal.yaml"))
    r.stages[-1] = dataclasses.replace(r.stages[-1], status="feasible", gap=0.00037)
    r.stages[0] = dataclasses.replace(r.stages[0], status="not_run")
    for lang, feasible, not_run in (
        (
            "es",
            "Final (factible, brecha 0,037 %)",
            "Prioridad 1 (sin resolver: corrida interrumpida)",
        ),
        ("en", "Final (feasible, gap 0.037 %)", "Priority 1 (not run: solve interrupted)"),
    ):
        out = tmp_path / f"{lang}.xlsx"
        write_workbook(r, out, lang=lang)
        wb = openpyxl.load_workbook(out, read_only=True)
        texts = {c for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row}
        assert feasible in texts and not_run in texts


def test_a_time_limit_marks_the_stage_it_stopped_with_its_gap() -> None:
    """The same marking for a solve that reached --time-limit (no interruption)."""
    loaded = load_scenario(PALMIRA, SLOW[1:])
    # The -20% point's final stage takes minutes, its root about a second: 5 s stops it in
    # the branch and bound, where HiGHS has a bound and so a gap, even on a loaded machine
    # (at 2 s a loaded CI could stop it at the root, with no bound yet: gap unknown).
    r = solve_with_marginal_values(loaded, SolveOptions(time_limit=5.0))
    assert r.status == Status.FEASIBLE and not r.interrupted
    stopped = [st for st in r.stages if st.status == "feasible"]
    assert stopped and all(st.gap is not None and st.gap >= 0 for st in stopped)
    assert all(m.reason_code == "plan_not_optimal" for m in r.marginal_values)


@pytest.mark.parametrize("cores", [1, 2])
def test_ctrl_c_during_marginal_values_keeps_the_plan_without_them(
    cores: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stopped once the plan is solved: the re-solves stop too, the plan stays optimal and
    no marginal value is given as if exact. On two cores the total budget's re-solve ran
    beside the plan's solve and was finished before the stop: its value is kept, the
    same as an uninterrupted run's."""
    monkeypatch.setattr(analysis, "default_jobs", lambda: cores)
    control = SolveControl()
    phases: list[str] = []

    def stop_at(text: Said) -> None:
        phases.append(str(text))
        control.stop()

    control.on_phase = stop_at
    loaded = load_scenario(ROOT / "examples" / "minimal.yaml")
    r = solve_with_marginal_values(loaded, SolveOptions(control=control))
    assert phases == [
        "Marginal value of money: 3 money sources, each proven unchanged or solved again"
    ]
    assert r.status == Status.OPTIMAL and not r.interrupted
    assert len(r.marginal_values) == 3
    kept = r.marginal_values[:1] if cores > 1 else []
    if kept:
        whole = solve_with_marginal_values(loaded).marginal_values[0]
        assert kept[0].exact and kept[0].to_json() == whole.to_json()
    stopped = r.marginal_values[len(kept) :]
    assert not any(m.exact for m in stopped)
    assert {m.reason_code for m in stopped} <= {
        "resolve_not_optimal",
        "resolve_failed",
    }


def test_the_progress_line_wraps_on_a_narrow_terminal() -> None:
    """The CLI's consoles soft-wrap, and a live line that soft-wraps is cropped at the
    terminal's width: on 80 columns a stalled solve showed "brecha 0,0" and nothing of
    its seconds or of "Ctrl-C keeps the best plan found". The line wraps instead, and
    the console soft-wraps again once the solve is over."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=60, force_terminal=True, soft_wrap=True)
    control = SolveControl()
    with solve_progress(console, control, "es"):
        assert control.on_progress is not None
        control.on_progress(
            Progress(Said("solver.stage.final"), 4, 6, 39270.2, 39270.5, 8.3e-6, 61.0)
        )
        time.sleep(0.2)  # the live display refreshes
    shown = " ".join(line.strip() for line in buffer.getvalue().splitlines())
    assert "Ctrl-C conserva el mejor plan encontrado" in shown
    assert "61,0 s" in shown
    assert console.soft_wrap
