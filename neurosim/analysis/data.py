"""A run directory as data: tables of its trials, flips and sweep rows, and its recall figure (inline in a notebook).

`read_run(DIR)` reads a run (or a sweep) directory through `neurosim.rundir`,
the format's one reader; the tables come from `neurosim.frames` (the `data`
extra), the figures from `neurosim.analysis.plots` (the `plots` extra).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from neurosim import frames, rundir
from neurosim.analysis.extras import PlotsUnavailable
from neurosim.analysis.trials import select_trials
from neurosim.results import trial_types

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure


@dataclass(frozen=True, slots=True)
class Run:
    """A run or sweep directory read back: `.trials`, `.flips`, `.sweep` as tables, `.figure()` as a figure."""

    record: rundir.RunRecord

    @property
    def path(self) -> Path:
        """The run directory."""
        return self.record.path

    @property
    def summary(self) -> dict[str, Any]:
        """summary.json, as a mapping."""
        return self.record.summary

    @property
    def trials(self) -> pd.DataFrame:
        """One row per finished trial: every field of its summary entry (states as arrays of ±1)."""
        return frames.trials_frame(self.record.summary.get("trials", []), trial_types())

    @property
    def flips(self) -> pd.DataFrame:
        """One row per `neuron_flipped` event: trial, index (within the trial), t, neuron, state, energy."""
        return frames.flips_frame(
            (t.trial, t.flip_times, t.flip_neurons, t.flip_states, t.flip_energies) for t in self.record.trials
        )

    @property
    def sweep(self) -> pd.DataFrame | None:
        """A sweep's rows (one per trial of each point, as `sweep.csv` holds them); None for a single run."""
        path = self.record.sweep_csv
        if path is None:
            return None
        header, rows = rundir.read_sweep(path)
        return frames.frame(rows, header)

    def figure(self, trial: int | None = None) -> Figure:
        """The recall figure of `trial` (default: the first trial); a sweep's: its recall rate against its parameter."""
        from neurosim.analysis import plots, recall_curve  # noqa: PLC0415 - needs the plotting extra

        sweep = self.record.sweep_csv
        if sweep is not None and trial is None:
            header, _ = rundir.read_sweep(sweep)
            parameters = [str(p) for p in self.summary.get("parameters", [])] or rundir.parameter_columns(header)
            return recall_curve.recall_curve_figure(sweep, parameters[0], title=self.record.name)
        if trial is None:
            chosen = select_trials(self.record, limit=1)
            if not chosen:
                raise rundir.RunDirError(f"{self.path}: no finished trial to draw")
            trial = chosen[0]
        return plots.recall_figure(self.record, trial)

    def _repr_png_(self) -> bytes | None:
        """What a notebook shows: the recall figure (nothing when the plotting extra is missing)."""
        try:
            from neurosim.analysis.figures import figure_png  # noqa: PLC0415 - needs the plotting extra

            return figure_png(self.figure())
        except (PlotsUnavailable, rundir.RunDirError):
            return None

    def __repr__(self) -> str:
        kind = "sweep" if self.record.sweep_csv is not None else f"{len(self.record.trials)} trials"
        return f"Run({str(self.path)!r}, scenario={self.record.name!r}, {kind})"


def read_run(run_dir: str | Path) -> Run:
    """Read a run or sweep directory (written by `neurosim run`); RunDirError when it is not one."""
    return Run(rundir.read_run(run_dir))
