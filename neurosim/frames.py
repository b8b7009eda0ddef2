"""pandas tables of runs: one row per trial, per flip, or per sweep row, with the types the values have.

Behind the `data` extra (`pip install 'neurosim[data]'`). The tables are made
from what a run records (summary entries, the flips `neurosim.rundir` reads,
the sweep's typed rows), so a run read back from its directory and a
`RunResult` in memory give the same table. Types: booleans as `bool` (or the
nullable `boolean` where a value is missing), whole numbers as `int64` (or
`Int64`), other numbers as `float64` (missing: NaN), text as `string`;
mappings (overlaps, a problem's measure) become one column per entry, named
`overlaps.X`; states become numpy arrays of ±1.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from neurosim.errors import NeurosimError

if TYPE_CHECKING:
    import pandas as pd

#: The extra that brings pandas.
EXTRA = "data"
#: The columns of the flips table, in order.
FLIP_COLUMNS = ("trial", "index", "t", "neuron", "state", "energy")


class DataUnavailable(NeurosimError, ImportError):
    """pandas is not installed: the tables need the `data` extra."""

    def __init__(self) -> None:
        super().__init__(f"tables of runs need pandas: pip install 'neurosim[{EXTRA}]'")


def pandas() -> Any:
    """The pandas module, or DataUnavailable naming the extra."""
    try:
        import pandas as pd  # noqa: PLC0415 - optional: only the tables need it
    except ImportError:
        raise DataUnavailable() from None
    return pd


def _flat(entry: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in entry.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(_flat(value, f"{name}."))
        elif isinstance(value, list):
            out[name] = np.asarray(value, dtype=np.int8 if name.endswith("_state") else None)
        else:
            out[name] = value
    return out


def _dtype(values: Sequence[Any], declared: str | None) -> str | None:
    """The column type the values call for (None: leave them as objects); `declared` when every value is missing."""
    given = [v for v in values if v is not None]
    missing = len(given) < len(values)
    if not given:
        return declared or "object"
    if all(isinstance(v, bool | np.bool_) for v in given):
        return "boolean" if missing else "bool"
    if all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in given):
        return "Int64" if missing else "int64"
    if all(isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool) for v in given):
        return "float64"
    if all(isinstance(v, str) for v in given):
        return "string"
    return None


def frame(
    rows: Iterable[Mapping[str, Any]], columns: Sequence[str] | None = None, types: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """A table of rows (mappings, flattened), each column typed by its values (by `types` when all are missing)."""
    pd = pandas()
    flat = [_flat(r) for r in rows]
    names: list[str] = list(columns or [])
    for row in flat:
        names.extend(k for k in row if k not in names)
    data: dict[str, Any] = {}
    for name in names:
        values = [row.get(name) for row in flat]
        dtype = _dtype(values, (types or {}).get(name))
        if dtype == "float64":
            data[name] = pd.Series([np.nan if v is None else float(v) for v in values], dtype="float64")
        elif dtype is None:
            data[name] = pd.Series(values, dtype="object")
        else:
            data[name] = pd.Series(values, dtype=dtype)
    return pd.DataFrame(data, columns=names)


def trials_frame(entries: Iterable[Mapping[str, Any]], types: Mapping[str, str]) -> pd.DataFrame:
    """One row per trial: every field of its summary entry (as `summary.json` holds it); `types` of missing values."""
    return frame(entries, types=types)


def nullable_type(annotation: str) -> str | None:
    """The column type of a field annotated `annotation` (`int | None` → Int64), None for other fields."""
    kinds = {"int": "Int64", "float": "float64", "str": "string", "bool": "boolean"}
    parts = [p.strip() for p in annotation.split("|") if p.strip() != "None"]
    return kinds.get(parts[0]) if len(parts) == 1 else None


def flips_frame(trials: Iterable[tuple[int, Any, Any, Any, Any]]) -> pd.DataFrame:
    """One row per flip, from (trial, times, neurons, states, energies) per trial.

    Columns: trial, index (of the flip in its trial), t, neuron, state, energy.
    """
    pd = pandas()
    parts: dict[str, list[Any]] = {name: [] for name in FLIP_COLUMNS}
    for trial, times, neurons, states, energies in trials:
        count = len(times)
        parts["trial"].append(np.full(count, trial, dtype=np.int64))
        parts["index"].append(np.arange(count, dtype=np.int64))
        parts["t"].append(np.asarray(times, dtype=np.float64))
        parts["neuron"].append(np.asarray(neurons, dtype=np.int64))
        parts["state"].append(np.asarray(states, dtype=np.int8))
        parts["energy"].append(np.asarray(energies, dtype=np.float64))
    kinds = {"trial": np.int64, "index": np.int64, "t": np.float64, "neuron": np.int64, "state": np.int8}
    return pd.DataFrame(
        {
            name: np.concatenate(chunks) if chunks else np.zeros(0, dtype=kinds.get(name, np.float64))
            for name, chunks in parts.items()
        }
    )
