"""Recall rate against one swept parameter, from a sweep's `sweep.csv` (one row per trial).

Rows are grouped by the parameter's value (and by the values of the other
parameter columns, one line each). The recall rate (`success`) is the one of
`results.recall_rate`: the fraction of the trials with a target that ended
exactly on it; `retrieved` (final overlap with the target at least 0.9) is
drawn too when the file has it. Reading needs only the standard library and
numpy; drawing needs the `plots` extra. Error bars: the standard error of the
per-seed rates when a value has several seeds, else the binomial standard
error √(p(1−p)/n) over its trials.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from neurosim.results import is_recall
from neurosim.rundir import RunDirError, parameter_columns, read_sweep

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: The storage capacity of Hebbian learning for random patterns (Amit, Gutfreund & Sompolinsky 1985).
ALPHA_C = 0.138
#: Parameters that are a load α = P/N, drawn with the α_c line.
LOAD_PARAMETERS = ("alpha", "load")


@dataclass(frozen=True, slots=True)
class RatePoint:
    """The rate of one measure at one parameter value (within one line: `series`)."""

    series: str
    value: float | str  # a name when the parameter is not numeric (a learning rule, a schedule)
    rate: float
    error: float
    trials: int
    seeds: int


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _text(value: object) -> str:
    """A cell as the file has it."""
    return "" if value is None else str(value)


def recall_rates(csv_path: str | Path, parameter: str, *, measure: str = "success") -> list[RatePoint]:
    """Rate of `measure` (a true/false column) per value of `parameter`, one series per other-parameter setting."""
    path = Path(csv_path)
    header, rows = read_sweep(path)
    for column in (parameter, measure):
        if column not in header:
            raise RunDirError(f"{path}: no column {column!r} (columns: {', '.join(header)})")
    others = [c for c in parameter_columns(header) if c != parameter]
    groups: dict[tuple[str, Any], dict[Any, list[bool]]] = {}
    for row in rows:
        if measure == "success":  # the recall rate scores the trials with a target
            if row.get("cue") is None:
                continue
            value = is_recall(row["cue"], row.get("recalled"))
        elif row[measure] is None:
            continue  # e.g. `retrieved` of a trial without a target
        elif isinstance(row[measure], bool):
            value = row[measure]
        else:
            raise RunDirError(f"{path}: {measure}: expected true or false, found {row[measure]!r}")
        series = ", ".join(f"{c} = {_text(row[c])}" for c in others)
        seeds = groups.setdefault((series, row[parameter]), {})
        seeds.setdefault(row.get("seed"), []).append(value)
    numeric = all(_is_number(value) for _, value in groups)
    # numbers in numeric order; names (a learning rule, a schedule) in the order the file first has them
    keys = sorted(groups, key=lambda k: (k[0], float(k[1]))) if numeric else sorted(groups, key=lambda k: k[0])
    points = []
    for series, value in keys:
        seeds = groups[(series, value)]
        outcomes = [x for xs in seeds.values() for x in xs]
        per_seed = [float(np.mean(xs)) for xs in seeds.values()]
        rate = float(np.mean(outcomes))
        if len(per_seed) > 1:
            error = float(np.std(per_seed, ddof=1) / math.sqrt(len(per_seed)))
        else:
            error = math.sqrt(rate * (1.0 - rate) / len(outcomes))
        shown = float(value) if numeric else _text(value)
        points.append(RatePoint(series, shown, rate, error, len(outcomes), len(seeds)))
    return points


def recall_curve_figure(
    csv_path: str | Path, parameter: str, *, measures: Sequence[str] | None = None, title: str | None = None
) -> Figure:
    """Recall rate (and retrieval rate, when recorded) against `parameter`, with error bars; α_c for a load."""
    from neurosim.analysis.figures import new_figure  # noqa: PLC0415 - reading a sweep needs no matplotlib

    path = Path(csv_path)
    header, _ = read_sweep(path)
    if measures is None:
        measures = [m for m in ("success", "retrieved") if m in header]
        if not measures:
            raise RunDirError(f"{path}: no `success` column")
    fig = new_figure(10.0, 4.8)
    ax = fig.subplots()
    names = {"success": "recalled exactly", "retrieved": "retrieved (m ≥ 0.9)"}
    categories: list[str] = []
    all_series: list[str] = []
    for marker, linestyle, measure in zip("os^", ("-", "--", ":"), measures, strict=False):
        points = recall_rates(path, parameter, measure=measure)
        for p in points:
            if isinstance(p.value, str) and p.value not in categories:
                categories.append(p.value)
        names_here = list(dict.fromkeys(p.series for p in points))
        all_series += [n for n in names_here if n not in all_series]
        for series in names_here:
            k = all_series.index(series)
            line = [p for p in points if p.series == series]
            # names are categories: no line between them, and the series side by side around each
            dodge = 0.6 * (k + 0.5) / len(names_here) - 0.3 if len(names_here) > 1 else 0.0
            x = [categories.index(p.value) + dodge if isinstance(p.value, str) else p.value for p in line]
            label = names.get(measure, measure) + (f" · {series}" if series else "")
            ax.errorbar(
                x,
                [p.rate for p in line],
                yerr=[p.error for p in line],
                marker=marker,
                linestyle="none" if categories else linestyle,
                color=f"C{k % 10}",
                capsize=3,
                markersize=4,
                label=label,
                gid=f"rate:{measure}:{series}",
            )
    if categories:
        ax.set_xticks(range(len(categories)), categories)
        ax.set_xlim(-0.5, len(categories) - 0.5)
    if parameter in LOAD_PARAMETERS:
        ax.axvline(ALPHA_C, color="#808080", linestyle="--", linewidth=1.0, label=f"α_c ≈ {ALPHA_C}", gid="alpha_c")
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("α = P/N" if parameter in LOAD_PARAMETERS else parameter)
    ax.set_ylabel("rate")
    ax.set_title(f"{title or path.parent.name} · recall against {parameter}", fontsize=11)
    ax.legend(fontsize=7 if len(ax.containers) > 6 else 8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.grid(alpha=0.3)
    return fig


def write_recall_curve(
    csv_path: str | Path, parameter: str, out_path: str | Path | None = None, *, overwrite: bool = False
) -> Path:
    """Write the recall curve as PNG (default: `recall-<parameter>.png` beside the CSV) and return its path."""
    from neurosim.analysis.figures import write_figure  # noqa: PLC0415 - reading a sweep needs no matplotlib

    path = Path(csv_path)
    target = path.with_name(f"recall-{parameter}.png") if out_path is None else Path(out_path)
    if target.exists() and not overwrite:
        raise FileExistsError(f"{target} exists; pass overwrite=True (--force) to replace it")
    return write_figure(recall_curve_figure(path, parameter), target, overwrite=overwrite)
