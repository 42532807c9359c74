"""Batches on a real Dask cluster (issue 17): a scheduler and two workers started here.

The test starts `dask scheduler` and two `dask worker` processes on 127.0.0.1 (free
ports), then checks that a sweep and a robust batch sent there with `--scheduler` write
the very JSON of a run in this process (`-j 1`) and of a local cluster (`-j 2`), timings
aside; then it kills a worker that is solving points, mid-batch, and checks that every
point still arrives exactly once, with the figures of the local run. Everything it
started is stopped, even when a check fails.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import PULP_4_DEPRECATIONS, ROOT, invoke_cli, without_timings
from pazos_budget.batch import Engine
from pazos_budget.loader import load_scenario
from pazos_budget.robust import robust
from pazos_budget.solve import SolveOptions

pytestmark = [pytest.mark.slow, *PULP_4_DEPRECATIONS]

UNCERTAIN = ROOT / "examples" / "uncertain-costs.yaml"
MINIMAL = ROOT / "examples" / "minimal.yaml"
DASK = Path(sys.executable).with_name("dask")
#: How long the cluster may take to come up on a busy machine.
START_TIMEOUT = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Cluster:
    """A scheduler and its workers, each its own process, stopped by `close`."""

    def __init__(self, tmp: Path) -> None:
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.tmp = tmp
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.logs: list[Any] = []

    def start(self, name: str, *args: str) -> None:
        log = (self.tmp / f"{name}.log").open("wb")
        self.logs.append(log)
        # No nanny: the worker is the process, so killing it loses the worker for good
        # (a nanny would restart it), as when a machine of a cluster goes away.
        self.procs[name] = subprocess.Popen(
            [str(DASK), *args], stdout=log, stderr=subprocess.STDOUT, cwd=self.tmp
        )

    def up(self) -> None:
        self.start(
            "scheduler", "scheduler", "--host", "127.0.0.1", "--port", str(self.port),
            "--no-dashboard",
        )  # fmt: skip
        for name in ("w1", "w2"):
            self.start(
                name, "worker", self.address, "--name", name, "--nthreads", "1",
                "--no-nanny", "--no-dashboard", "--host", "127.0.0.1",
            )  # fmt: skip
        from distributed import Client

        with Client(self.address, timeout=f"{START_TIMEOUT}s") as client:
            client.wait_for_workers(2, timeout=START_TIMEOUT)

    def close(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 10
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for log in self.logs:
            log.close()


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    c = Cluster(tmp_path)
    try:
        c.up()
        yield c
    finally:
        c.close()


def batch_doc(path: Path) -> dict[str, Any]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["results"] = [without_timings(r) for r in doc["results"]]
    return doc


def robust_doc(path: Path) -> dict[str, Any]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["plan"] = without_timings(doc["plan"])
    return doc


def test_batches_on_a_real_cluster(cluster: Cluster, tmp_path: Path) -> None:
    # --- a sweep: on the cluster, and in this process
    docs = {}
    for how, engine in (("cluster", ["--scheduler", cluster.address]), ("here", ["-j", "1"])):
        out, doc = tmp_path / f"sweep-{how}.xlsx", tmp_path / f"sweep-{how}.json"
        run = invoke_cli(
            "sweep", str(MINIMAL), "--budget", "400:1000:200", "-o", str(out),
            "--json", str(doc), *engine,
        )  # fmt: skip
        assert run.exit_code == 0, run.output
        docs[how] = batch_doc(doc)
    assert len(docs["here"]["results"]) == 4
    assert docs["cluster"] == docs["here"]

    # --- robust: on the cluster, in this process, on 2 threads here (HiGHS), and with
    # CBC, whose solves a thread cannot stop, here and on a local cluster of 2 processes
    robust_docs = {}
    engines = {
        "cluster": ["--scheduler", cluster.address],
        "here": ["-j", "1"],
        "threads-2": ["-j", "2"],
        "cbc-here": ["-j", "1", "--solver", "cbc"],
        "cbc-local-2": ["-j", "2", "--solver", "cbc"],
    }
    for how, engine in engines.items():
        doc = tmp_path / f"robust-{how}.json"
        run = invoke_cli(
            "robust", str(UNCERTAIN), "--samples", "16", "--seed", "5", "--json", str(doc),
            *engine,
        )  # fmt: skip
        assert run.exit_code == 0, run.output
        robust_docs[how] = robust_doc(doc)
    assert robust_docs["here"]["evaluated"] == 16
    assert robust_docs["cluster"] == robust_docs["here"]
    assert robust_docs["threads-2"] == robust_docs["here"]
    assert robust_docs["cbc-here"]["evaluated"] == 16
    assert robust_docs["cbc-local-2"] == robust_docs["cbc-here"]

    # --- a worker killed while it solves: every point still arrives, exactly once
    from distributed import Client

    loaded = load_scenario(UNCERTAIN)
    reference = robust(loaded, SolveOptions(), samples=24, seed=9, engine=Engine(1))
    arrived: list[int] = []
    killed: list[tuple[str, int]] = []
    with Client(cluster.address) as watcher:

        def kill_a_busy_worker(i: int) -> None:
            arrived.append(i)
            if killed:
                return
            names = {
                addr: info["name"] for addr, info in watcher.scheduler_info()["workers"].items()
            }
            busy = {names[a]: len(keys) for a, keys in watcher.processing().items() if keys}
            if not busy:
                return  # nothing in flight right now: try at the next arrival
            name = max(busy, key=lambda n: (busy[n], n))
            os.kill(cluster.procs[name].pid, signal.SIGKILL)
            killed.append((name, busy[name]))

        remote = robust(
            loaded,
            SolveOptions(),
            samples=24,
            seed=9,
            engine=Engine(scheduler=cluster.address),
            on_done=kill_a_busy_worker,
        )
    assert killed and killed[0][1] >= 1, "no worker was killed while it had points"
    assert cluster.procs[killed[0][0]].wait(timeout=10) == -signal.SIGKILL
    assert sorted(arrived) == list(range(24))  # each point once, none lost
    assert [w.index for w in remote.worlds] == list(range(24))
    assert remote.worlds == reference.worlds


#: Seconds before the Ctrl-C: worlds are being solved by then (a local cluster of CBC
#: workers takes several seconds to start; threads start at once).
BEFORE_CTRL_C = {"highs": 8, "cbc": 20}


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_ctrl_c_on_local_workers_keeps_the_finished_worlds(solver: str, tmp_path: Path) -> None:
    """A real SIGINT to the whole process group, as a terminal's Ctrl-C sends it, on the
    two local engines (HiGHS: threads of this process; CBC: a local cluster): exit 130
    soon after, the outputs written with the worlds evaluated, and no worker's traceback."""
    doc, book = tmp_path / "r.json", tmp_path / "r.xlsx"
    cli = Path(sys.executable).with_name("pazos-budget")
    args = [str(cli), "robust", str(UNCERTAIN), "--samples", "5000", "-j", "2"]
    args += ["--solver", solver]
    proc = subprocess.Popen(
        [*args, "--json", str(doc), "-o", str(book)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, like a terminal's job
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        time.sleep(BEFORE_CTRL_C[solver])
        os.killpg(proc.pid, signal.SIGINT)
        sent = time.monotonic()
        output, _ = proc.communicate(timeout=120)
        after = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    text = output.decode()
    assert proc.returncode == 130, text
    assert "Traceback" not in text
    written = json.loads(doc.read_text(encoding="utf-8"))
    assert written["interrupted"] is True and written["evaluated"] < 5000
    indices = [w["index"] for w in written["worlds"]]
    assert indices == sorted(set(indices))
    assert f"interrupted: {written['evaluated']} of 5000 worlds evaluated" in text
    assert book.exists()
    assert after < 60, f"{after:.0f} s from Ctrl-C to exit: the running solves went on"
