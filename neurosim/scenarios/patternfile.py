"""Pattern files in the ASCII format of the HopfieldANN program.

A header line `rows cols count`, then `count` blocks of `rows` lines of `cols`
characters, `*` for +1 and `.` for -1. Blank lines between blocks are ignored;
LF and CRLF line ends are both accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from neurosim.errors import PatternFileError
from neurosim.scenarios.limits import MAX_FILE_BYTES, MAX_NEURONS, MAX_PATTERNS
from neurosim.typing import Spins

_ON, _OFF = "*", "."


@dataclass(frozen=True, slots=True, eq=False)
class PatternFile:
    """The patterns of one file: `count` glyphs of `rows` × `cols` neurons."""

    path: Path
    rows: int
    cols: int
    matrix: Spins

    @property
    def count(self) -> int:
        return int(self.matrix.shape[0])


def read_pattern_file(path: str | Path) -> PatternFile:
    """Read a HopfieldANN pattern file; errors name the file and line."""
    path = Path(path)
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise PatternFileError("pattern file not found", file=path) from None
    except OSError as exc:
        raise PatternFileError(f"cannot read pattern file: {exc.strerror or exc}", file=path) from None
    if len(data) > MAX_FILE_BYTES:
        raise PatternFileError(f"the pattern file is larger than {MAX_FILE_BYTES:,} bytes", file=path)
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise PatternFileError(f"not an ASCII pattern file (column {column})", file=path, line=line) from None
    lines = text.splitlines()
    header_at = next((k for k, line in enumerate(lines) if line.strip()), None)
    if header_at is None:
        raise PatternFileError("empty pattern file", file=path, line=1)
    fields = lines[header_at].split()
    if len(fields) != 3 or not all(f.isdigit() for f in fields):
        raise PatternFileError("header must be three whole numbers: rows cols count", file=path, line=header_at + 1)
    rows, cols, count = (int(f) for f in fields)
    if rows < 1 or cols < 1 or count < 1:
        raise PatternFileError("rows, cols and count must be positive", file=path, line=header_at + 1)
    if rows * cols > MAX_NEURONS or count > MAX_PATTERNS:
        raise PatternFileError(
            f"at most {MAX_NEURONS:,} neurons (rows × cols) and {MAX_PATTERNS:,} patterns",
            file=path,
            line=header_at + 1,
        )
    body = [(k + 1, line.strip()) for k, line in enumerate(lines) if k > header_at and line.strip()]
    if len(body) != rows * count:
        raise PatternFileError(
            f"header promises {count} patterns of {rows} rows ({rows * count} rows), the file has {len(body)}",
            file=path,
            line=header_at + 1,
        )
    matrix = np.empty((count, rows * cols), dtype=np.int8)
    for k, (line_no, row) in enumerate(body):
        if len(row) != cols:
            raise PatternFileError(f"row has {len(row)} columns, expected {cols}", file=path, line=line_no)
        bad = set(row) - {_ON, _OFF}
        if bad:
            raise PatternFileError(
                f"unexpected character {sorted(bad)[0]!r} (use '*' and '.')", file=path, line=line_no
            )
        p, r = divmod(k, rows)
        matrix[p, r * cols : (r + 1) * cols] = [1 if c == _ON else -1 for c in row]
    matrix.flags.writeable = False
    return PatternFile(path=path, rows=rows, cols=cols, matrix=matrix)


def format_patterns(matrix: Spins, rows: int, cols: int) -> str:
    """Return patterns (P × rows·cols) in the HopfieldANN ASCII format."""
    count = matrix.shape[0]
    out = [f"{rows} {cols} {count}", ""]
    for pattern in matrix:
        grid = pattern.reshape(rows, cols)
        out.extend("".join(_ON if v > 0 else _OFF for v in row) for row in grid)
        out.append("")
    return "\n".join(out)


def write_pattern_file(path: str | Path, matrix: Spins, rows: int, cols: int) -> None:
    """Write patterns in the HopfieldANN ASCII format."""
    Path(path).write_text(format_patterns(matrix, rows, cols), encoding="ascii")
