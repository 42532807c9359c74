"""Writing output files safely: to a temporary file beside the target, then renamed.

An interrupted run never leaves a half-written file, an existing report is replaced only
whole, and a scenario file is never overwritten by a report.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .errors import Problem, ReportError, ScenarioError, UsageError


def refuse_inputs(target: Path, inputs: Iterable[Path]) -> None:
    """Refuse to write a report over one of the run's input files."""
    for source in inputs:
        with contextlib.suppress(OSError):
            if target.exists() and source.exists() and target.samefile(source):
                raise ReportError(f"{target}: refusing to overwrite the input file {source}")
        if target.resolve() == source.resolve():
            raise ReportError(f"{target}: refusing to overwrite the input file {source}")


def read_input_bytes(
    path: Path, name: str, *, what: str, text: str, limit: int, missing: str
) -> bytes:
    """An input file's bytes, or a ScenarioError saying why not: a folder, over `limit`
    bytes, missing (`missing` is the message), unreadable, or binary (NUL bytes)."""

    def fail(message: str) -> ScenarioError:
        return ScenarioError([Problem(name, 0, 0, "", message)])

    try:
        if path.is_dir():
            raise fail(f"is a directory, not a {what} file")
        size = path.stat().st_size
        if size > limit:
            raise fail(f"file is too large ({size:,} bytes; the limit is {limit:,})")
        raw = path.read_bytes()
    except FileNotFoundError as e:
        raise fail(missing) from e
    except PermissionError as e:
        raise fail("permission denied") from e
    except OSError as e:
        raise fail(f"cannot read file: {e.strerror or e}") from e
    if b"\x00" in raw:
        raise fail(f"binary file (contains NUL bytes); expected a {text} text file")
    return raw


def check_output(target: Path, suffix: str | None = None) -> None:
    """Refuse, before any work is done, an output path that cannot be written (exit 2)."""
    target = Path(target)
    if suffix is not None and target.suffix.lower() != suffix:
        raise UsageError(f"{target}: the output must be a {suffix} file")
    if target.is_dir():
        raise UsageError(f"{target}: is a directory")
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise UsageError(f"{target}: the folder {directory} does not exist")


def write_atomic(target: Path, write: Callable[[Path], None], inputs: Iterable[Path] = ()) -> None:
    """Call `write(tmp_path)`, then rename the temporary file onto `target`."""
    target = Path(target)
    refuse_inputs(target, inputs)
    if target.is_dir():
        raise ReportError(f"{target}: is a directory")
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise ReportError(f"{target}: the folder {directory} does not exist")
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as e:
        raise ReportError(f"{target}: cannot write here: {e.strerror or e}") from e
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        # mkstemp makes the file private (0600); a report is shared like any file the
        # user writes: the old file's permissions, or those of a new file under the umask.
        os.chmod(tmp, _file_mode(target))
        os.replace(tmp, target)
    except OSError as e:
        raise ReportError(f"{target}: cannot write: {e.strerror or e}") from e
    finally:
        tmp.unlink(missing_ok=True)


def _file_mode(target: Path) -> int:
    """The permissions `open(target, "w")` would leave: the existing file's, else 0666
    less the process umask."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        mask = os.umask(0o022)  # reading the umask means setting it; restored at once
        os.umask(mask)
        return 0o666 & ~mask


def write_json(target: Path, document: dict[str, Any], inputs: Iterable[Path] = ()) -> None:
    """Stream the indented document into the file: building it as one string first held
    about 265 MB more at the national size (46 MB of JSON), more than the solver's peak."""

    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8") as f:
            json.dump(document, f, indent=2, ensure_ascii=False, allow_nan=False)
            f.write("\n")

    write_atomic(target, write, inputs)
