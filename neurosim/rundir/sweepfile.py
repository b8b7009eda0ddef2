"""A sweep's rows: `sweep.csv` (one row per trial, appended as points finish) and `sweep.parquet`.

The columns are defined once, here, with their types: `point`, then one column
per swept parameter (its key path, or `alpha`), then RESULT_COLUMNS. Reading
the file back restores the types: booleans as bools, numbers as numbers, an
empty cell as None; a parameter's cell becomes a number only when the number
writes back as the same text, so rewriting rows that were read reproduces the file.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any, Literal

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

    def __init__(self, stream: IO[str], columns: Sequence[str]) -> None:
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


def open_sweep(directory: Path) -> IO[str]:
    """The sweep's CSV, opened for appending rows."""
    return sweep_path(directory).open("a", newline="", encoding="utf-8")


def sort_key(row: Row) -> tuple[int, int]:
    """Point, then trial."""
    return int(row["point"]), int(row["trial"])


def rewrite_sorted(directory: Path, columns: Sequence[str], rows: list[Row]) -> None:
    """Put the rows in point and trial order (in place), so the same sweep always writes the same file."""
    rows.sort(key=sort_key)
    path = sweep_path(directory)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(columns))
        writer.writeheader()
        writer.writerows(rows)
    os.replace(tmp, path)


def write_parquet(directory: Path) -> bool:
    """Write the finished CSV again as Parquet when pyarrow is installed (column types inferred from the file)."""
    try:
        import pyarrow.csv as pcsv  # noqa: PLC0415 - optional
        import pyarrow.parquet as pq  # noqa: PLC0415 - optional
    except ImportError:
        return False
    pq.write_table(pcsv.read_csv(sweep_path(directory)), directory / SWEEP_PARQUET)
    return True
