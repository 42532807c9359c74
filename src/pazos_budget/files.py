"""Writing output files safely: to a temporary file beside the target, then renamed.

An interrupted run never leaves a half-written file, an existing report is replaced only
whole, and a scenario file is never overwritten by a report.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import stat
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .errors import Problem, ReportError, ScenarioError
from .messages import Num, Text


def refuse_inputs(target: Path, inputs: Iterable[Path]) -> None:
    """Refuse to write a report over one of the run's input files."""
    for source in inputs:
        with contextlib.suppress(OSError):
            if target.exists() and source.exists() and target.samefile(source):
                raise ReportError(f"{target}: refusing to overwrite the input file {source}")
        if target.resolve() == source.resolve():
            raise ReportError(f"{target}: refusing to overwrite the input file {source}")


#: Bytes read at a time from an input: a device or a pipe has no size to trust.
READ_CHUNK = 1 << 20
#: Seconds a named pipe (FIFO) or a pipe may take to send its first bytes.
FIFO_WAIT = 2.0


#: What "-" reads: the standard input, through the path that names it (so that it is
#: read like any pipe or file, with the same limits).
STDIN = Path("/dev/stdin")


def read_input_bytes(
    path: Path,
    name: str,
    *,
    what: str,
    text: str,
    limit: int,
    missing: str,
    binary: bool = False,
) -> bytes:
    """An input file's bytes (`-`: the standard input), read once, or a ScenarioError
    saying why not: a folder,
    over `limit` bytes, missing (`missing` is the message), unreadable, UTF-16, or binary
    (NUL bytes). With `binary` (an .xlsx, a zip file) the last two are not checked.

    The size limit is enforced on what is read (at most `limit` + 1 bytes), never on what
    `stat` says, so that a device (`/dev/zero`) or a pipe cannot exhaust the memory. A
    named pipe (FIFO) is opened without waiting: if nothing arrives within `FIFO_WAIT`
    seconds (nobody is writing to it) it is refused instead of hanging; once its writer
    has sent something, it is read to its end. Everything the
    caller parses and hashes comes from these bytes, so the hash is of what was parsed.
    """

    def fail(message: str) -> ScenarioError:
        return ScenarioError([Problem(name, 0, 0, "", message)])

    try:
        # "-" is the standard input, as for most command-line tools (read like a pipe or
        # a file, whichever it is; the problems name it "-", as it was written).
        where = STDIN if str(path) == "-" else path
        fd = os.open(where, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError as e:
        raise fail(missing) from e
    except IsADirectoryError as e:
        raise fail(Text("val.file.directory", what=what)) from e
    except PermissionError as e:
        raise fail(Text("val.file.permission")) from e
    except OSError as e:
        raise fail(Text("val.file.unreadable", reason=e.strerror or str(e))) from e
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise fail(Text("val.file.directory", what=what))
        fifo = stat.S_ISFIFO(mode)
        if not fifo:
            os.set_blocking(fd, True)
        raw = _read_bounded(fd, limit, fifo)
    except IsADirectoryError as e:
        raise fail(Text("val.file.directory", what=what)) from e
    except OSError as e:
        raise fail(Text("val.file.unreadable", reason=e.strerror or str(e))) from e
    finally:
        os.close(fd)
    if raw is None:
        raise fail(Text("val.file.pipe", seconds=Num(FIFO_WAIT), what=what))
    if len(raw) > limit:
        raise fail(Text("val.file.too_large", limit=Num(limit, ",")))
    if binary:
        return raw
    if _utf16(raw):
        advice = Text("val.file.csv_utf8") if text == "CSV" else "UTF-8"
        raise fail(Text("val.file.utf16", advice=advice))
    if b"\x00" in raw:
        raise fail(Text("val.file.binary", text=text))
    return raw


def _read_bounded(fd: int, limit: int, fifo: bool) -> bytes | None:
    """At most `limit` + 1 bytes from `fd`; None for a pipe where nothing arrives within
    FIFO_WAIT seconds (no program writing to it)."""
    if fifo:
        # Opened without waiting, so a writer that is itself waiting for a reader may
        # need a moment to connect: wait for its first bytes (or its end), not forever.
        poll = select.poll()
        poll.register(fd, select.POLLIN)
        if not poll.poll(FIFO_WAIT * 1000):
            return None
        os.set_blocking(fd, True)
    chunks: list[bytes] = []
    total = 0
    while total <= limit:
        chunk = os.read(fd, min(READ_CHUNK, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def _utf16(raw: bytes) -> bool:
    """UTF-16 (or UTF-32) text, with a byte-order mark or, as Windows tools also write
    it, without: then every other byte of ASCII text is NUL."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    sample = raw[:4096]
    if len(sample) < 4:
        return False
    pairs = len(sample) // 2
    nul_odd = sample[1::2].count(0)
    nul_even = sample[0::2].count(0)
    return max(nul_odd, nul_even) >= 0.9 * pairs and min(nul_odd, nul_even) <= 0.1 * pairs


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
        os.chmod(tmp, file_mode(target))
        os.replace(tmp, target)
    except OSError as e:
        raise ReportError(f"{target}: cannot write: {e.strerror or e}") from e
    finally:
        tmp.unlink(missing_ok=True)


def file_mode(target: Path) -> int:
    """The permissions `open(target, "w")` would leave: the existing file's, else 0666
    less the process umask."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        mask = os.umask(0o022)  # reading the umask means setting it; restored at once
        os.umask(mask)
        return 0o666 & ~mask


def json_writer(document: dict[str, Any]) -> Callable[[Path], None]:
    """A writer that streams the indented document into the file it is given: building
    it as one string first held about 265 MB more at the national size (46 MB of JSON),
    more than the solver's peak."""

    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8") as f:
            json.dump(document, f, indent=2, ensure_ascii=False, allow_nan=False)
            f.write("\n")

    return write


def write_json(target: Path, document: dict[str, Any], inputs: Iterable[Path] = ()) -> None:
    """Write the document to `target` atomically (`json_writer`, `write_atomic`)."""
    write_atomic(target, json_writer(document), inputs)
