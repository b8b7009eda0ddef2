"""Parameter sweeps: a grid over scenario parameters × seeds, run in worker processes or on Ray.

A scenario's `sweep:` block names parameters by their key path in the scenario
(`dynamics.temperature`, `trials[0].noise.flip_fraction`, `network.learning`,
…) or `alpha` (the load: sets the random pattern count to round(α·N)). Every
grid point × seed is one ordinary run of the scenario with those values; each
of its trials becomes one tidy row of `sweep.csv` (and `sweep.parquet` when
pyarrow is installed; both written and read by `neurosim.rundir`). Rows are
appended as points finish, so an interrupted sweep keeps them, and `--resume`
skips the points already in the file.

Where the points run is the backend's business (`neurosim.backends`: local
worker processes, or tasks on a Ray cluster); what is written is this
module's, the same for every backend. Ctrl-C or SIGTERM stops a sweep within a
second: the workers ignore Ctrl-C (the parent decides) and are stopped; the
finished points' rows stay. A point that fails (an error inside its run, or
its worker dying) stops the sweep the same way, with the error: the rows
kept, the sweep marked failed.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from neurosim import api, memory, rundir
from neurosim.backends import Dispatch
from neurosim.backends.local import LocalDispatch
from neurosim.engines import EngineFault
from neurosim.errors import OutputError, RunInterrupted
from neurosim.events import NullSink
from neurosim.results import TrialResult, recall_rate
from neurosim.scenarios.spec import Scenario
from neurosim.scenarios.sweep import Point as Point  # re-exported: where the runner's callers find them
from neurosim.scenarios.sweep import sweep_points as sweep_points

#: A trial counts as retrieved when its final overlap with its target is at least this
#: (the retrieval state just below α_c has m ≈ 0.97: Amit, Gutfreund & Sompolinsky 1987).
RETRIEVAL_OVERLAP = 0.9


def label(value: Any) -> Any:
    """A grid value as a table cell: scalars as they are, mappings and lists in YAML flow style."""
    if isinstance(value, dict | list):
        return yaml.safe_dump(value, default_flow_style=True, sort_keys=False).strip()
    return value


def _row(point: Point, trial: TrialResult) -> rundir.Row:
    """The trial's row: its point, the point's parameters, then one cell per `rundir.RESULT_COLUMNS`."""
    # a covariance network's patterns are biased: its overlap is the sparse one (model.covariance)
    overlaps = trial.overlaps if trial.sparse_overlaps is None else trial.sparse_overlaps
    overlap = None if trial.cue is None else overlaps.get(trial.cue)
    mean = None if trial.mean_overlaps is None or trial.cue is None else trial.mean_overlaps.get(trial.cue)
    return {
        "point": point.index,
        **{key: label(value) for key, value in point.params.items()},
        "seed": point.seed,
        "trial": trial.trial,
        "cue": trial.cue,
        "repeat": trial.repeat,
        "flipped": trial.flipped,
        "status": trial.status,
        "period": trial.period,
        "sweeps": trial.sweeps,
        "wakeups": trial.wakeups,
        "flips": trial.flips,
        "energy_initial": trial.energy_initial,
        "energy_final": trial.energy_final,
        "energy_rises": trial.energy_rises,
        "recalled": trial.recalled,
        "success": trial.success,
        "final_kind": trial.final_kind,
        "overlap": overlap,
        "retrieved": None if overlap is None else overlap >= RETRIEVAL_OVERLAP,
        "hamming": trial.hamming,
        "mean_overlap": mean,
        "measure": None if trial.measure is None else ";".join(f"{k}={v}" for k, v in trial.measure.items()),
    }


#: A testing hook: when set, each point calls `point_hook(point)` before it runs, in its worker process
#: (a module-level function, so that a worker can import it); what it raises fails the point.
point_hook: Callable[[Point], None] | None = None


def run_point(
    point: Point,
    path: str,
    engine: api.EngineName,
    hook: Callable[[Point], None] | None = None,
    stop: api.Stop | None = None,
) -> list[rundir.Row]:
    """Run one point (in a worker process) and return its rows; `stop` connects it to the sweep's stop signals."""
    if hook is not None:
        hook(point)
    try:
        result = api.run_scenario(point.scenario, NullSink(), seed=point.seed, engine=engine, stop=stop or api.Stop())
    except api.RunAborted as exc:  # sent back to the sweep as an error that pickles
        raise EngineFault(exc.error) from None
    return [_row(point, trial) for trial in result.trials]


@dataclass(frozen=True, slots=True)
class SweepOutcome:
    """What a sweep wrote and how far it got."""

    rows: list[rundir.Row]
    points: int
    completed: int
    skipped: int
    interrupted: bool
    seconds: float
    #: Points whose rows in an earlier `sweep.csv` were cut or malformed: dropped, and run again.
    dropped: tuple[int, ...] = ()
    #: Why the sweep stopped on a failing point (one line), or None.
    failure: str | None = None
    #: The stop signal that interrupted it, or None.
    signum: int | None = None


def run_sweep(
    scenario: Scenario,
    directory: Path,
    *,
    workers: int | None = None,
    engine: api.EngineName = "actors",
    resume: bool = False,
    on_point: Callable[[Point, list[dict[str, Any]]], None] | None = None,
    stop: api.Stop | None = None,
    dispatch: Dispatch | None = None,
) -> SweepOutcome:
    """Run every point not yet done, in `workers` processes, appending rows to DIR/sweep.csv.

    `stop` is where the caller's `api.stop_signals` send Ctrl-C and SIGTERM; by
    default the sweep installs its own for its length. `dispatch` says where
    the points run (`neurosim.backends.opened`, Ray for one); by default in
    `workers` local processes (None: one per core).
    """
    own = stop is None
    stop = api.Stop() if stop is None else stop
    if dispatch is None:
        dispatch = LocalDispatch(slots=max(1, workers or memory.cores()), capacity=memory.cores())
    with api.stop_signals(stop) if own else contextlib.nullcontext(stop):
        return _run_sweep(scenario, directory, dispatch, engine, resume, on_point, stop)


def _run_sweep(
    scenario: Scenario,
    directory: Path,
    dispatch: Dispatch,
    engine: api.EngineName,
    resume: bool,
    on_point: Callable[[Point, list[dict[str, Any]]], None] | None,
    stop: api.Stop,
) -> SweepOutcome:
    points = sweep_points(scenario)
    assert scenario.sweep is not None
    columns = rundir.sweep_columns([axis.key for axis in scenario.sweep.axes])
    csv_path = rundir.sweep_path(directory)
    done: set[int] = set()
    rows: list[rundir.Row] = []
    dropped: list[int] = []
    if resume and csv_path.exists():
        rows, dropped = finished_points(points, directory, columns)
        done = {int(r["point"]) for r in rows}
        if dropped:  # the file keeps only whole points; the dropped ones run again and append theirs
            rundir.rewrite_sorted(directory, columns, rows)
    elif csv_path.exists():
        raise OutputError(f"{csv_path}: exists; add --resume to continue that sweep")
    todo = [p for p in points if p.index not in done]
    started = time.perf_counter()
    interrupted = False
    failure: str | None = None
    new_file = not csv_path.exists()
    with rundir.open_sweep(directory) as f:
        writer = rundir.SweepWriter(f, columns)
        if new_file:
            writer.header()
        completed = 0
        task = functools.partial(run_point, path=str(scenario.path or "<sweep>"), engine=engine, hook=point_hook)
        finished = dispatch.finished(todo, task, stop)
        try:
            for point, point_rows in finished:
                if isinstance(point_rows, str):
                    failure = point_rows
                    break
                writer.rows(point_rows)
                rows.extend(point_rows)
                completed += 1
                if on_point is not None:  # the caller's progress display, if any, advances here
                    on_point(point, point_rows)
            interrupted = failure is None and stop.signum is not None
        except (KeyboardInterrupt, RunInterrupted):
            interrupted = True
        finally:
            finished.close()  # the work still running is stopped (a failure, a stop signal, an error here)
    if not interrupted and failure is None:
        rundir.rewrite_sorted(directory, columns, rows)
        rundir.write_parquet(directory)
    return SweepOutcome(
        rows=rows,
        points=len(points),
        completed=completed,
        skipped=len(done),
        dropped=tuple(dropped),
        interrupted=interrupted,
        seconds=time.perf_counter() - started,
        failure=failure,
        signum=stop.signum if interrupted else None,
    )


def finished_points(points: list[Point], directory: Path, columns: list[str]) -> tuple[list[rundir.Row], list[int]]:
    """The rows of the points an earlier run of this sweep finished whole, and the points whose rows are dropped.

    A point is finished when `sweep.csv` holds a whole row for every one of its
    trials (`rundir.finished_rows`); a cut or malformed row never counts.
    """
    csv_path = rundir.sweep_path(directory)
    header, rows, dropped = rundir.finished_rows(csv_path, {p.index: p.scenario.trial_count for p in points})
    if header != columns:
        raise OutputError(f"{csv_path}: its columns do not match this sweep; cannot resume")
    return rows, dropped


def aggregate(
    rows: list[rundir.Row], keys: list[str], values: dict[str, tuple[Any, ...]] | None = None
) -> list[dict[str, Any]]:
    """Per parameter combination: trials, recall rate (exact), retrieval rate (m >= 0.9), mean final overlap with
    the target, each with its spread over seeds.

    `values` (key → the axis's values) gives the table the grid's own values back
    for rows read from sweep.csv (after `--resume`), where a value in YAML flow
    style is text.
    """
    typed = {k: {str(label(v)): label(v) for v in vs} for k, vs in (values or {}).items()}
    groups: dict[tuple[Any, ...], list[rundir.Row]] = {}
    for row in rows:
        groups.setdefault(tuple(str(row[k]) for k in keys), []).append(row)
    out = []
    for members in groups.values():
        by_seed: dict[str, list[rundir.Row]] = {}
        for row in members:
            by_seed.setdefault(str(row["seed"]), []).append(row)
        rates = [recall_rate(rs) for rs in by_seed.values()]
        recall = [r for r in rates if r is not None]
        retrieved = [
            np.mean([bool(r["retrieved"]) for r in rs]) for rs in by_seed.values() if rs[0]["retrieved"] is not None
        ]
        overlaps = [
            np.mean([float(r["overlap"]) for r in rs])
            for rs in by_seed.values()
            if all(r["overlap"] not in (None, "") for r in rs)
        ]
        out.append(
            {
                **{k: typed.get(k, {}).get(str(members[0][k]), members[0][k]) for k in keys},
                "trials": len(members),
                "seeds": len(by_seed),
                "recall_rate": float(np.mean(recall)) if recall else None,
                "recall_rate_sd": float(np.std(recall)) if recall else None,
                "retrieval_rate": float(np.mean(retrieved)) if retrieved else None,
                "retrieval_rate_sd": float(np.std(retrieved)) if retrieved else None,
                "overlap": float(np.mean(overlaps)) if overlaps else None,
                "overlap_sd": float(np.std(overlaps)) if overlaps else None,
            }
        )
    return out
