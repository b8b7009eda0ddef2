"""`neurosim run` on a scenario with a `sweep:` block: its points, where they run, their rows, table and summary."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import structlog

from neurosim import api, backends, rundir, tables
from neurosim import console as console_view
from neurosim import memory as runnable
from neurosim.engines.actors.clock import DEFAULT_TIME_SCALE
from neurosim.errors import EXIT_FAILED, EXIT_OK, OutputError
from neurosim.events import RunFailed, SweepFinished, SweepPoint, SweepStarted
from neurosim.logs import StructlogSink, console_logger, json_logger
from neurosim.model.capacity import theoretical_capacities
from neurosim.options import RunOptions, stopped
from neurosim.results import recall_rate
from neurosim.scenarios.spec import Scenario

#: What `--plot` does after a run: draw the figures and the report of a run directory.
Draw = Callable[[Path, bool, IO[str]], None]


def run_sweep(options: RunOptions, scenario: Scenario, out: IO[str], err: IO[str], stop: api.Stop, draw: Draw) -> int:
    """Run the sweep `scenario` declares, as `options` say; returns the exit code."""
    from neurosim import sweeps  # noqa: PLC0415 - the sweep machinery (process pools) only when sweeping

    if options.realtime or options.save_weights is not None or options.seed is not None:
        raise OutputError(
            "a sweep sets its own seeds and runs in virtual time: drop --seed, --realtime, --save-weights"
        )
    if options.log_level != "info" or options.time_scale != DEFAULT_TIME_SCALE:
        raise OutputError("--log-level and --time-scale apply to single runs, not to sweeps")
    if options.workers is not None and options.workers < 1:
        raise OutputError("--workers must be at least 1")
    points = sweeps.sweep_points(scenario)  # validates every point before anything is written
    backend = backends.Backend(options.backend, options.address)
    problem = runnable.refusal(  # before anything is written (on a cluster: one point must fit here)
        scenario, options.engine, points, 1 if backend.address is not None else options.workers
    )
    if problem is not None:
        raise OutputError(problem)
    if options.resume:
        if options.out is None or not rundir.sweep_path(options.out).is_file():
            raise OutputError(f"--resume needs --out DIR of an earlier sweep (with its {rundir.SWEEP_FILE})")
        if rundir.read_scenario(options.out) != scenario.text:
            raise OutputError(f"{options.out}: that sweep ran another scenario text; resume it with the same file")
    # a backend that is not installed, a cluster that cannot be reached: refused here, before anything is written
    try:
        with backends.opened(backend, options.workers) as dispatch:
            if options.workers is not None and options.workers > dispatch.capacity:
                print(
                    f"neurosim: --workers {options.workers} is more than the {dispatch.capacity} cores available; "
                    f"using {dispatch.capacity}",
                    file=err,
                )
            if stop.signum is None:
                return _sweep(options, scenario, points, dispatch, out, err, stop, draw)
    except backends.StartInterrupted:
        pass
    return stopped(stop, err, "interrupted before the sweep began; nothing was written")


def _sweep(
    options: RunOptions,
    scenario: Scenario,
    points: list[Any],
    dispatch: backends.Dispatch,
    out: IO[str],
    err: IO[str],
    stop: api.Stop,
    draw: Draw,
) -> int:
    from neurosim import sweeps  # noqa: PLC0415 - the sweep machinery only when sweeping

    if options.resume:
        assert options.out is not None
        directory = options.out
    else:
        directory = rundir.prepare_output(options.out, scenario.name, options.force)
    rundir.write_scenario(directory, scenario.text)
    assert scenario.sweep is not None
    keys = [axis.key for axis in scenario.sweep.axes]
    with (
        rundir.open_events(directory, append=options.resume) as events,
        structlog.contextvars.bound_contextvars(run_id=rundir.run_id(scenario.name, scenario.seed, scenario.text)),
    ):
        bar = console_view.sweep_bar(options.quiet, out)
        console = None if options.quiet or bar is not None else console_logger(err, options.log_format)
        sink = StructlogSink(json_logger(events, "info"), console)
        done_before = 0
        if options.resume:
            kept, dropped = sweeps.finished_points(points, directory, rundir.sweep_columns(keys))
            done_before = len({r["point"] for r in kept})
            if dropped:
                shown = ", ".join(map(str, dropped[:10])) + (", …" if len(dropped) > 10 else "")
                print(
                    f"neurosim: {rundir.sweep_path(directory)}: the rows of point{'s' * (len(dropped) > 1)} {shown} "
                    "were cut short or malformed; they are dropped and run again",
                    file=err,
                )
        sink.emit(
            SweepStarted(
                scenario=scenario.name,
                parameters=tuple(keys),
                seeds=scenario.sweep.seeds,
                points=len(points),
                skipped=done_before,
                workers=dispatch.slots,
                engine=options.engine,
                started_at=datetime.now(UTC).isoformat(timespec="seconds"),
            )
        )

        def on_point(point: Any, rows: list[rundir.Row]) -> None:
            rate = recall_rate(rows)
            if bar is not None:
                bar.advance(bar.task_ids[0])
            sink.emit(
                SweepPoint(point=point.index, seed=point.seed, params=point.params, trials=len(rows), recall_rate=rate)
            )

        with bar if bar is not None else contextlib.nullcontext():
            if bar is not None:
                bar.add_task(f"{scenario.name}: {len(points)} points", total=len(points), completed=done_before)
            outcome = sweeps.run_sweep(
                scenario,
                directory,
                engine=options.engine,
                resume=options.resume,
                on_point=on_point,
                stop=stop,
                dispatch=dispatch,
            )
        status = "failed" if outcome.failure else "interrupted" if outcome.interrupted else "completed"
        if outcome.failure is not None:
            sink.emit(RunFailed(error=outcome.failure))
        sink.emit(
            SweepFinished(
                status=status,
                points=outcome.points,
                completed=outcome.completed + outcome.skipped,
                elapsed_s=round(outcome.seconds, 3),
            )
        )
    table = sweeps.aggregate(outcome.rows, keys, {axis.key: axis.values for axis in scenario.sweep.axes})
    summary = {
        "scenario": scenario.name,
        "status": status,
        "neurons": scenario.neurons,
        "parameters": keys,
        "seeds": list(scenario.sweep.seeds),
        "points": outcome.points,
        "points_completed": outcome.completed + outcome.skipped,
        "engine": options.engine,
        "capacities": theoretical_capacities(scenario.neurons),
        "retrieval_overlap": sweeps.RETRIEVAL_OVERLAP,
        "table": table,
    }
    summary_path = rundir.write_summary(directory, summary)
    print(tables.format_sweep(scenario, keys, table, outcome), file=out)
    print(f"rows:    {rundir.sweep_path(directory)}\nsummary: {summary_path}", file=out)
    rows_kept = f"{rundir.SWEEP_FILE} keeps every finished point (continue with --resume)"
    if outcome.failure is not None:
        print(f"neurosim: the sweep failed: {outcome.failure}; {rows_kept}", file=err)
        return EXIT_FAILED
    if outcome.interrupted:
        return stopped(stop, err, f"interrupted; {rows_kept}")
    if options.plot:
        draw(directory, options.force, out)
    return EXIT_OK
