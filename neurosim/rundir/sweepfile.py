"""A sweep's rows: `sweep.csv` (one row per trial, appended as points finish) and `sweep.parquet`.

The columns are defined once, here, with their types: `point`, then one column
per swept parameter (its key path, or `alpha`), then RESULT_COLUMNS. Reading
the file back restores the types: booleans as bools, numbers as numbers, an
empty cell as None; a parameter's cell becomes a number only when the number
writes back as the same text, so rewriting rows that were read reproduces the file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, Literal

from neurosim.rundir.files import LineFile, write_atomically
from neurosim.rundir.layout import SWEEP_FILE, SWEEP_PARQUET, RunDirError

CellType = Literal["int", "float", "bool", "str"]
#: Every column after `point` and the parameters, in file order, with its type (an empty cell is None).
RESULT_COLUMNS: dict[str, CellType] = {
    "seed": "int",
    "trial": "int",
    "cue": "str",
    "repeat": "int",
    "flipped": "int",
    "status": "str",
    "period": "int",
    "sweeps": "float",
    "wakeups": "int",
    "flips": "int",
    "energy_initial": "float",
    "energy_final": "float",
    "energy_rises": "int",
    "recalled": "str",
    "success": "bool",
    "final_kind": "str",
    "overlap": "float",  # with the target, at the end
    "retrieved": "bool",  # overlap ≥ RETRIEVAL_OVERLAP
    "hamming": "int",
    "mean_overlap": "float",  # with the target, over the second half (stochastic dynamics)
    "measure": "str",  # an optimisation problem's measure: key=value;…
}
_TYPES: dict[str, CellType] = {"point": "int", **RESULT_COLUMNS}
_BOOLS = {"true": True, "false": False}

Row = dict[str, Any]


def sweep_columns(parameters: Sequence[str]) -> list[str]:
    """The header of a sweep over `parameters`."""
    return ["point", *parameters, *RESULT_COLUMNS]


def parameter_columns(header: Sequence[str]) -> list[str]:
    """The swept parameters of a header: every column that is neither `point` nor a result."""
    return [c for c in header if c not in _TYPES]


def sweep_path(directory: Path) -> Path:
    """Where a sweep's directory keeps its rows."""
    return directory / SWEEP_FILE


def read_sweep(csv_path: str | Path) -> tuple[list[str], list[Row]]:
    """The header and the typed rows of a sweep CSV."""
    path = Path(csv_path)
    try:
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            header = list(reader.fieldnames or [])
            rows = [{k: _cell(path, k, v) for k, v in row.items()} for row in reader]
    except FileNotFoundError:
        raise RunDirError(f"{path}: missing") from None
    except (OSError, csv.Error, UnicodeDecodeError) as exc:
        raise RunDirError(f"{path}: unreadable: {exc}") from None
    return header, rows


def finished_rows(csv_path: str | Path, trials: Mapping[int, int]) -> tuple[list[str], list[Row], list[int]]:
    """What an interrupted sweep really finished: the header, the rows of its whole points, the points dropped.

    `trials` maps each point of the sweep to its number of trials. A point
    counts as finished only when the file holds a whole, well-formed row for
    each of its trials, once: a row cut short (a full disk, a crash while
    writing; the file then does not end on a line end), a row with a cell of
    the wrong type or of the wrong width, and every row of a point with
    missing, repeated or unknown trials are dropped, and the point is to be
    run again. Returns the rows kept in file order.
    """
    path = Path(csv_path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RunDirError(f"{path}: missing") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RunDirError(f"{path}: unreadable: {exc}") from None
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise RunDirError(f"{path}: unreadable: {exc}") from None
    if not records:
        return [], [], sorted(trials)
    header, body = records[0], records[1:]
    broken: set[int] = set()
    if body and not text.endswith(("\n", "\r")):  # the last line was cut while it was written
        cut = _point(body.pop())
        if cut is not None:
            broken.add(cut)
    by_point: dict[int, list[Row]] = {}
    for record in body:
        point = _point(record)
        try:
            if len(record) != len(header):
                raise RunDirError("a row of the wrong width")
            row = {k: _cell(path, k, v) for k, v in zip(header, record, strict=True)}
            if row.get("point") is None or row.get("trial") is None:
                raise RunDirError("a row without its point or trial")
        except RunDirError:
            if point is not None:
                broken.add(point)
            continue
        by_point.setdefault(int(row["point"]), []).append(row)
    kept: list[Row] = []
    dropped = set(broken)
    for point, rows in by_point.items():
        if point in broken or sorted(r["trial"] for r in rows) != list(range(trials.get(point, -1))):
            dropped.add(point)
        else:
            kept.extend(rows)
    return header, kept, sorted(dropped)


def _point(record: Sequence[str]) -> int | None:
    try:
        return int(record[0])
    except (IndexError, ValueError):
        return None


def _cell(path: Path, column: str, text: str | None) -> Any:
    if text is None or text == "":
        return None
    kind = _TYPES.get(column)
    try:
        if kind == "str":
            return text
        if kind == "int":
            return int(text)
        if kind == "float":
            return float(text)
        if kind == "bool":
            return _BOOLS[text.strip().lower()]
    except (ValueError, KeyError):
        raise RunDirError(f"{path}: {column}: expected {kind}, found {text!r}") from None
    return _parameter(text)


def _parameter(text: str) -> Any:
    """A swept value: True/False, an int, a float when it writes back as `text`; else the text."""
    if text in ("True", "False"):
        return text == "True"
    for kind in (int, float):
        try:
            value = kind(text)
        except ValueError:
            continue
        if str(value) == text:
            return value
    return text


class SweepWriter:
    """Appends rows to a sweep's CSV, flushed after each point so an interrupted sweep keeps them."""

    def __init__(self, stream: LineFile | IO[str], columns: Sequence[str]) -> None:
        self._stream = stream
        self._writer = csv.DictWriter(stream, fieldnames=list(columns))

    def header(self) -> None:
        """Write the header line."""
        self._writer.writeheader()
        self._stream.flush()

    def rows(self, rows: Iterable[Row]) -> None:
        """Write rows and flush them."""
        self._writer.writerows(rows)
        self._stream.flush()


def open_sweep(directory: Path) -> LineFile:
    """The sweep's CSV, opened for appending rows; it always ends on a whole line."""
    return LineFile.open(sweep_path(directory), "a")


def sort_key(row: Row) -> tuple[int, int]:
    """Point, then trial."""
    return int(row["point"]), int(row["trial"])


def rewrite_sorted(directory: Path, columns: Sequence[str], rows: list[Row]) -> None:
    """Put the rows in point and trial order (in place), so the same sweep always writes the same file."""
    rows.sort(key=sort_key)

    def fill(f: IO[bytes]) -> None:
        text = io.TextIOWrapper(f, encoding="utf-8", newline="")
        writer = csv.DictWriter(text, fieldnames=list(columns))
        writer.writeheader()
        writer.writerows(rows)
        text.flush()
        text.detach()  # the binary file stays open for write_atomically to close

    write_atomically(sweep_path(directory), fill)


def write_parquet(directory: Path) -> bool:
    """Write the finished CSV again as Parquet when pyarrow is installed (column types inferred from the file)."""
    try:
        import pyarrow.csv as pcsv  # noqa: PLC0415 - optional
        import pyarrow.parquet as pq  # noqa: PLC0415 - optional
    except ImportError:
        return False
    table = pcsv.read_csv(sweep_path(directory))
    write_atomically(directory / SWEEP_PARQUET, lambda f: pq.write_table(table, f))
    return True
