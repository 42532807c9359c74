"""One output plan per run: every file a command writes, checked before any solve and
written together at the end, so that a run leaves all its new files or none.

    plan = OutputPlan([Output("--json", json_path), Output("--output", xlsx, (".xlsx",))])
    plan.refuse_inputs(loaded.files)       # after reading the scenario
    with plan.reserved():                  # locks taken; SIGTERM/SIGHUP clean up
        ... solve ...
        plan.commit({"--json": write_json_to, "--output": write_workbook_to})

Checked before any work (exit 2): each output has the right suffix, is not a folder, a
device or a pipe, its folder exists and can be written in, it is none of the run's inputs
(the scenario, the bases it extends, its CSV tables) and no two outputs are the same
file, symlinks and hard links seen through.

Written at the end: every output is first written to a temporary file beside its target
(the target a symlink points to: the link stays a link), then all are renamed onto their
targets. A failure while writing (a full disk, say) removes the temporary files and
leaves every old file as it was. Before the renames, each old file is kept under a hard
link; if a rename fails midway, the files already replaced are put back, so the set is
still all old. On a file system without hard links that is not possible, and the
message then names the files that are new and the ones that are old.

Two runs writing the same outputs at once would mix them (a JSON from one, a workbook
from the other): each run holds a lock (`fcntl.flock` on `.NAME.lock` beside each
target) from the checks to the end, and a second run exits at once with exit code 5
(`OutputBusyError`), naming the output and the process that holds it.

SIGTERM and SIGHUP end a run at once, even in the middle of a solve (which runs in the
solver's C code, where Python's own signal handlers wait): a watcher thread woken by the
signal (`signal.set_wakeup_fd`) removes the temporary files and locks, waits for a
rename phase under way to finish (so the set stays whole), says so on stderr, and exits
with 128 + the signal number (143, 129). Ctrl-C stays a KeyboardInterrupt.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from .errors import OutputBusyError, ReportError
from .files import file_mode
from .i18n import Choices, Usage

Writer = Callable[[Path], None]
#: Signals that end a run and clean up, besides SIGINT (KeyboardInterrupt).
CLEANUP_SIGNALS = tuple(
    s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s
)


@dataclass(frozen=True)
class Output:
    """One file a command writes: the option that names it, the path given, and the
    suffixes it may have (none: any)."""

    option: str
    path: Path | None
    suffixes: tuple[str, ...] = ()


@dataclass
class _Planned:
    option: str
    path: Path  # as the user gave it (for messages)
    target: Path  # symlinks resolved: the file that is replaced
    suffix: str  # the temporary file's suffix (some writers choose the format by it)
    lock_fd: int | None = None
    lock_path: Path | None = None
    temp: Path | None = None


class OutputPlan:
    """The outputs of one run; see the module docstring."""

    def __init__(self, outputs: Iterable[Output]) -> None:
        self.outputs = []
        self._reserved = False
        self._written = False
        self._renaming = threading.Lock()  # held while the renames run (see _stop)
        for out in outputs:
            if out.path is not None:
                self.outputs.append(_check(out))
        _refuse_duplicates(self.outputs)

    @property
    def options(self) -> list[str]:
        return [p.option for p in self.outputs]

    def __contains__(self, option: str) -> bool:
        return option in self.options

    def refuse_inputs(self, inputs: Iterable[Path]) -> None:
        """Refuse an output that is one of the run's inputs (exit 2)."""
        sources = list(inputs)
        for p in self.outputs:
            for source in sources:
                if _same_file(p.target, Path(source)):
                    raise Usage(
                        "usage.output.is_input",
                        option=p.option,
                        path=str(p.path),
                        source=str(source),
                    )

    # ------------------------------------------------------------------ the run
    @contextlib.contextmanager
    def reserved(self) -> Iterator[OutputPlan]:
        """Lock every output (exit 5 if another run holds one), and clean up on leaving:
        temporary files removed, locks released. SIGTERM and SIGHUP end the run at once,
        cleaned up likewise (`_stop`)."""
        watcher = _SignalWatcher(self._stop)
        watcher.start()
        try:
            for p in sorted(self.outputs, key=lambda p: str(p.target)):
                _lock(p)
            self._reserved = True
            yield self
        finally:
            watcher.stop()
            self._reserved = False
            self._clean()

    def _clean(self) -> None:
        for p in self.outputs:
            _remove(p.temp)
            p.temp = None
        for p in self.outputs:
            _unlock(p)

    def _stop(self, signum: int) -> None:
        """SIGTERM or SIGHUP (from the watcher thread): clean up and end the process now;
        never midway through the renames."""
        with self._renaming:
            self._clean()
            name = signal.Signals(signum).name
            message = (
                f"stopped by {name} after the outputs were written\n"
                if self._written
                else f"stopped by {name}: no output written, no temporary file left\n"
            )
            with contextlib.suppress(Exception):
                sys.stdout.flush()
            with contextlib.suppress(OSError):
                if os.isatty(2):  # a progress bar may have hidden the cursor: show it
                    message = "\x1b[?25h\n" + message
                os.write(2, message.encode())
            os._exit(128 + signum)

    def commit(self, writers: Mapping[str, Writer]) -> None:
        """Write every output to its temporary file, then rename them all onto their
        targets. `writers` must cover every output of the plan: a run writes all of
        them or none."""
        if not self._reserved:
            raise RuntimeError("OutputPlan.commit outside `reserved()`")
        missing = [o for o in self.options if o not in writers]
        if missing:
            raise RuntimeError(f"no writer for {', '.join(missing)}")
        for p in self.outputs:
            p.temp = p.temp or _new_temp(p)
            try:
                writers[p.option](p.temp)
            except OSError as e:
                raise ReportError(
                    f"{p.option} {p.path}: cannot write: {e.strerror or e}; no output "
                    "was written, the old files are unchanged"
                ) from e
            with contextlib.suppress(OSError):
                os.chmod(p.temp, file_mode(p.target))
        # A rename phase is never cut midway: not by Ctrl-C (held back), nor by SIGTERM
        # or SIGHUP (their watcher waits for `_renaming`).
        with self._renaming, _signals_held():
            _rename_all(self.outputs)
            self._written = True


# --------------------------------------------------------------------------- checks
def _check(out: Output) -> _Planned:
    path = Path(out.path) if out.path is not None else Path()
    name = f"{out.option} {path}"
    suffix = path.suffix.lower()
    if out.suffixes and suffix not in out.suffixes:
        raise Usage("usage.output.suffix", name=name, wanted=Choices(out.suffixes))
    target = Path(os.path.realpath(path))
    if target.is_dir():
        raise Usage("usage.output.directory", name=name)
    if target.exists() and not target.is_file():
        raise Usage("usage.output.not_regular", name=name)
    folder = target.parent
    if not folder.is_dir():
        if path.is_symlink():
            raise Usage("usage.output.link_folder", name=name, folder=str(folder))
        shown = path.parent if str(path.parent) else Path(".")
        raise Usage("usage.output.no_folder", name=name, folder=str(shown))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise Usage("usage.output.permission", name=name, folder=str(folder))
    if target.exists() and not _writable(target):
        # Replacing is a rename, which the folder allows; a read-only file says "keep me".
        raise Usage("usage.output.read_only", name=name)
    return _Planned(out.option, path, target, suffix)


def _writable(path: Path) -> bool:
    # Root may write anything, so a file with no write permission for anyone is read-only
    # by its mode too: made so to be kept.
    return os.access(path, os.W_OK) and bool(path.stat().st_mode & 0o222)


def _refuse_duplicates(outputs: list[_Planned]) -> None:
    for i, a in enumerate(outputs):
        for b in outputs[:i]:
            if _same_file(a.target, b.target):
                raise Usage(
                    "usage.output.same",
                    option=a.option,
                    path=str(a.path),
                    other_option=b.option,
                    other=str(b.path),
                )


def _same_file(a: Path, b: Path) -> bool:
    with contextlib.suppress(OSError):
        if a.exists() and b.exists() and os.path.samefile(a, b):  # hard links too
            return True
    return os.path.realpath(a) == os.path.realpath(b)


# --------------------------------------------------------------------------- locks
def _lock_path(p: _Planned) -> Path:
    return p.target.with_name(f".{p.target.name}.lock")


def _lock(p: _Planned) -> None:
    """Hold `.NAME.lock` beside the target. The lock file is removed when released; a
    run that opened it just before checks that the file it locked is still the one on
    disk (else it retries), so two runs never both believe they hold it."""
    path = _lock_path(p)
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as e:
            raise Usage(
                "usage.output.lock_folder",
                option=p.option,
                path=str(p.path),
                folder=str(path.parent),
                why=str(e.strerror or e),
            ) from e
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(fd)
            os.close(fd)
            who = f" (process {holder})" if holder else ""
            raise OutputBusyError(
                f"{p.option} {p.path}: another pazos-budget run{who} is writing this file; "
                "wait until it ends, or choose another name"
            ) from None
        except OSError as e:
            if e.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS):
                os.close(fd)  # a file system without locks: write without one
                return
            os.close(fd)
            raise
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if not same:  # released and removed by its holder in between: lock the new one
            os.close(fd)
            continue
        with contextlib.suppress(OSError):  # the pid is for messages; a full disk is fine
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        p.lock_fd, p.lock_path = fd, path
        return


def _read_pid(fd: int) -> str:
    try:
        return os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""


def _unlock(p: _Planned) -> None:
    if p.lock_fd is None:
        return
    if p.lock_path is not None:
        with contextlib.suppress(OSError):
            os.unlink(p.lock_path)  # removed while still held: see _lock
    os.close(p.lock_fd)
    p.lock_fd = p.lock_path = None


# --------------------------------------------------------------------------- writing
def _new_temp(p: _Planned) -> Path:
    try:
        fd, name = tempfile.mkstemp(
            prefix=f".{p.target.name}.", suffix=f".tmp{p.suffix}", dir=p.target.parent
        )
    except OSError as e:
        raise ReportError(f"{p.option} {p.path}: cannot write here: {e.strerror or e}") from e
    os.close(fd)
    return Path(name)


def _remove(path: Path | None) -> None:
    if path is not None:
        with contextlib.suppress(OSError):
            path.unlink()


def _rename_all(outputs: list[_Planned]) -> None:
    """Rename every temporary file onto its target; on a failure, put back the old
    files already replaced (from hard links made first)."""
    backups: dict[int, Path | None] = {}
    existed: dict[int, bool] = {}
    try:
        for i, p in enumerate(outputs):
            existed[i] = p.target.exists()
            backups[i] = _keep_old(p) if existed[i] else None
        done: list[int] = []
        for i, p in enumerate(outputs):
            assert p.temp is not None
            try:
                os.replace(p.temp, p.target)
            except OSError as e:
                restored = _put_back(outputs, done, backups, existed)
                raise ReportError(_midway_message(p, e, outputs, done, restored)) from e
            p.temp = None
            done.append(i)
    finally:
        for backup in backups.values():
            _remove(backup)


def _keep_old(p: _Planned) -> Path | None:
    """A hard link to the file about to be replaced, or None (no hard links here)."""
    backup = p.target.with_name(f".{p.target.name}.{os.getpid()}.old")
    _remove(backup)
    try:
        os.link(p.target, backup)
    except OSError:
        return None
    return backup


def _put_back(
    outputs: list[_Planned],
    done: list[int],
    backups: Mapping[int, Path | None],
    existed: Mapping[int, bool],
) -> bool:
    """Undo the renames already made; True when every old state is back (a file that
    did not exist is removed again; an old one comes back from its hard link)."""
    ok = True
    for i in reversed(done):
        p, backup = outputs[i], backups.get(i)
        try:
            if backup is not None:
                os.replace(backup, p.target)
            elif not existed[i]:
                p.target.unlink()
            else:
                ok = False
        except OSError:
            ok = False
    return ok


def _midway_message(
    p: _Planned, e: OSError, outputs: list[_Planned], done: list[int], restored: bool
) -> str:
    head = f"{p.option} {p.path}: cannot write: {e.strerror or e}"
    if restored:
        return f"{head}; no output was written, the old files are unchanged"
    new = ", ".join(str(outputs[i].path) for i in done)
    old = ", ".join(str(q.path) for j, q in enumerate(outputs) if j not in done)
    return f"{head}; these outputs are new: {new}; these are old: {old}"


# --------------------------------------------------------------------------- signals
@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP back while the renames run; they act after."""
    held = {signal.SIGINT, *CLEANUP_SIGNALS}
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


class _SignalWatcher:
    """Calls `on_signal(signum)` from a thread as soon as SIGTERM or SIGHUP arrives.

    Python runs its signal handlers in the main thread between bytecodes, so a handler
    waits for the solver's C code to return (minutes, on a large scenario). The C-level
    handler does write the signal number to the wakeup fd at once; this thread reads it.
    Only the main thread can set handlers: elsewhere (a library caller's thread) nothing
    changes. Forked children get the default action back."""

    def __init__(self, on_signal: Callable[[int], None]) -> None:
        self.on_signal = on_signal
        self.active = threading.current_thread() is threading.main_thread()
        self.previous: dict[int, Any] = {}

    def start(self) -> None:
        if not self.active:
            return
        self.read_fd, self.write_fd = os.pipe()
        os.set_blocking(self.write_fd, False)
        self.previous_fd = signal.set_wakeup_fd(self.write_fd, warn_on_full_buffer=False)
        owner = os.getpid()

        def noted(signum: int, _frame: FrameType | None) -> None:
            if os.getpid() != owner:  # a forked worker: die as it would have
                signal.signal(signum, signal.SIG_DFL)
                os.kill(os.getpid(), signum)
            # in this process the watcher thread acts; nothing to do here

        for signum in CLEANUP_SIGNALS:
            self.previous[signum] = signal.signal(signum, noted)
        self.thread = threading.Thread(target=self._watch, name="pazos-budget-signals", daemon=True)
        self.thread.start()

    def _watch(self) -> None:
        while True:
            try:
                data = os.read(self.read_fd, 64)
            except InterruptedError:
                continue
            except OSError:
                return
            if not data:  # stop() closed the pipe
                return
            for signum in data:
                if signum in CLEANUP_SIGNALS:
                    self.on_signal(signum)

    def stop(self) -> None:
        if not self.active:
            return
        for signum, old in self.previous.items():
            signal.signal(signum, old)
        signal.set_wakeup_fd(self.previous_fd)
        os.close(self.write_fd)
        self.thread.join()
        os.close(self.read_fd)
