"""Writing a run's files safely: whole files put in place atomically, line files cut back to a whole line.

Every file neurosim writes goes through here, so a crash, a signal or a full
disk never leaves a half-written `summary.json`, sweep table or weights file
(each is written to a temporary file beside it, then renamed over it; the
temporary file is removed on any failure), `events.jsonl` and `sweep.csv`
always end on a whole line, and every failure names its path in one line
(an `OutputError`, which the CLI prints as `neurosim: PATH: reason`).
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO, Literal, Protocol

from neurosim.errors import OutputError

#: Text waits in memory up to about this many characters before it is written (as Python's own buffer does).
LINE_BUFFER = io.DEFAULT_BUFFER_SIZE


def output_error(path: str | Path, exc: OSError) -> OutputError:
    """The one line for a file that could not be written: `PATH: reason` (for example `No space left on device`)."""
    return OutputError(f"{path}: {exc.strerror or exc}")


def temporary_path(path: Path) -> Path:
    """Where `path` is written before it is put in place: beside it (one file system), named for this process."""
    return path.with_name(f"{path.name}.{os.getpid()}.tmp")


def write_atomically(path: str | Path, fill: Callable[[IO[bytes]], None]) -> Path:
    """Write `path` through `fill` into a temporary file beside it, then rename it into place.

    Readers see the old file or the new one, never half of one; on any
    failure (an error, a signal) the temporary file is removed and an earlier
    `path` is left as it was. An OSError becomes an OutputError naming `path`.
    """
    target = Path(path)
    tmp = temporary_path(target)
    try:
        with tmp.open("wb") as f:
            fill(f)
            f.flush()
            os.fsync(f.fileno())  # the data is on disk before the name points at it
        os.replace(tmp, target)
    except OSError as exc:
        raise output_error(target, exc) from exc
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
    return target


def write_text_atomically(path: str | Path, text: str) -> Path:
    """Write `text` (UTF-8) to `path` atomically (see `write_atomically`)."""
    data = text.encode("utf-8")

    def fill(f: IO[bytes]) -> None:
        f.write(data)

    return write_atomically(path, fill)


class RawFile(Protocol):
    """The unbuffered binary file a LineFile writes through (an `io.FileIO`; tests pass one that fails)."""

    def write(self, data: bytes | memoryview, /) -> int | None: ...

    def truncate(self, size: int, /) -> int: ...

    def close(self) -> None: ...


class LineFile:
    """A text file that holds whole lines only: on a failed write it is cut back to its last whole line.

    Text is kept in memory until a flush or about LINE_BUFFER characters, and
    then its whole lines are written (a line still being written waits for its
    end). When a write fails (a full disk), the file is truncated to the end
    of the last line that was written in full and an OutputError naming the
    path is raised, then and on every later write.
    """

    def __init__(self, path: Path, raw: RawFile, size: int = 0) -> None:
        self.path = path
        self._raw = raw
        self._whole = size  # bytes in the file, all of them whole lines
        self._pending: list[str] = []
        self._buffered = 0
        self._failed: OutputError | None = None

    @classmethod
    def open(cls, path: Path, mode: Literal["w", "a"]) -> LineFile:
        """Open `path` for writing (`w`) or appending (`a`); an OSError becomes an OutputError naming it."""
        try:
            raw = io.FileIO(path, "a" if mode == "a" else "w")
            size = os.fstat(raw.fileno()).st_size if mode == "a" else 0
        except OSError as exc:
            raise output_error(path, exc) from exc
        return cls(path, raw, size)

    def write(self, text: str) -> int:
        """Take `text`; whole lines reach the file at the next flush or when enough text waits."""
        if self._failed is not None:
            raise self._failed
        self._pending.append(text)
        self._buffered += len(text)
        if self._buffered >= LINE_BUFFER:
            self._drain(whole_lines=True)
        return len(text)

    def flush(self) -> None:
        """Write every whole line that waits."""
        if self._failed is not None:
            raise self._failed
        self._drain(whole_lines=True)

    def close(self) -> None:
        """Write what waits (a last line without its end too) and close the file."""
        try:
            if self._failed is None:
                self._drain(whole_lines=False)
        finally:
            self._raw.close()

    def __enter__(self) -> LineFile:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def _drain(self, *, whole_lines: bool) -> None:
        if not self._pending:
            return
        text = "".join(self._pending)
        end = text.rfind("\n") + 1 if whole_lines else len(text)
        rest = text[end:]
        self._pending = [rest] if rest else []
        self._buffered = len(rest)
        chunk = text[:end].encode("utf-8")
        done = 0
        try:
            while done < len(chunk):
                done += self._raw.write(memoryview(chunk)[done:]) or 0
        except OSError as exc:
            self._whole += chunk.rfind(b"\n", 0, done) + 1  # keep the lines that reached the disk whole
            with contextlib.suppress(OSError):  # and drop the part of a line that did not
                self._raw.truncate(self._whole)
            self._failed = output_error(self.path, exc)
            raise self._failed from exc
        self._whole += len(chunk)
