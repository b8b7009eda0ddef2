"""What each `neurosim` command does, given its options; the CLI only parses them and maps errors to exit codes.

`run` checks every option against the scenario before anything is written,
creates the run directory through `neurosim.rundir`, runs the scenario (or its
sweep) with events to `events.jsonl` and to the console, and writes the
summary; `validate`, `plot` and `report` do what their names say.
"""

from __future__ import annotations

import contextlib
import io
import signal
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Literal

import structlog

from neurosim import api, backends, rundir, tables
from neurosim import console as console_view
from neurosim import memory as runnable
from neurosim.engines import EngineName
from neurosim.engines.actors.clock import DEFAULT_TIME_SCALE, WallClock
from neurosim.errors import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    EXIT_USAGE,
    NeurosimError,
    OutputError,
    RunInterrupted,
)
from neurosim.events import RunFailed, SweepFinished, SweepPoint, SweepStarted
from neurosim.logs import StructlogSink, console_logger, json_logger
from neurosim.model.capacity import theoretical_capacities
from neurosim.results import recall_rate
from neurosim.scenarios.loader import load_scenario
from neurosim.scenarios.spec import Scenario
from neurosim.typing import EventSink

#: The exit status of a run stopped by each stop signal.
EXIT_STOPPED = {signal.SIGINT: EXIT_INTERRUPTED, signal.SIGTERM: EXIT_TERMINATED}


@dataclass(frozen=True, slots=True)
class RunOptions:
    """The options of `neurosim run`, one field per command-line option."""

    file: Path
    out: Path | None = None
    seed: int | None = None
    log_format: Literal["console", "json"] = "console"
    log_level: Literal["info", "debug"] = "info"
    quiet: bool = False
    force: bool = False
    plot: bool = False
    workers: int | None = None
    resume: bool = False
    save_weights: Path | None = None
    engine: EngineName = "actors"
    realtime: bool = False
    time_scale: float = DEFAULT_TIME_SCALE
    backend: backends.BackendName = "local"
    address: str | None = None


def run(options: RunOptions, out: IO[str], err: IO[str]) -> int:
    """`neurosim run FILE`: one run, or the sweep the file declares; returns the exit code."""
    stop = api.Stop()  # Ctrl-C and SIGTERM stop the run alike; each has its exit status
    try:
        with api.stop_signals(stop):
            return _run(options, out, err, stop)
    except KeyboardInterrupt:  # a second Ctrl-C: stop at once
        print("neurosim: interrupted", file=err)
        return EXIT_INTERRUPTED


def _stopped(stop: api.Stop, err: IO[str], message: str) -> int:
    """Say why the run stopped in one line; the exit status of the signal that stopped it."""
    print(f"neurosim: {message}", file=err)
    return EXIT_STOPPED.get(signal.Signals(stop.signum), EXIT_INTERRUPTED) if stop.signum else EXIT_INTERRUPTED


def _run(options: RunOptions, out: IO[str], err: IO[str], stop: api.Stop) -> int:
    scenario = load_scenario(options.file)
    if scenario.sweep is not None:
        return _run_sweep(options, scenario, out, err, stop)
    if options.resume or options.workers is not None or options.backend != "local" or options.address is not None:
        raise OutputError("--resume, --workers, --backend and --address apply to scenarios with a sweep block")
    seed = scenario.seed if options.seed is None else options.seed
    if seed < 0:
        raise OutputError("--seed must be a non-negative integer")
    problem = runnable.refusal(scenario, options.engine)  # before anything is built or written
    if problem is not None:
        raise OutputError(problem)
    clock = None
    if options.realtime:
        if options.engine == "kernel":
            raise OutputError("--realtime runs the actors; it cannot be combined with --engine kernel")
        if not options.time_scale > 0.0:
            raise OutputError("--time-scale must be positive")
        clock = WallClock(options.time_scale)
    elif options.time_scale != DEFAULT_TIME_SCALE:
        raise OutputError("--time-scale applies to --realtime runs")
    if options.save_weights is not None:
        if options.save_weights.suffix != ".npz":
            raise OutputError(f"{options.save_weights}: weights are saved as a .npz file")
        if options.save_weights.exists() and not options.force:
            raise OutputError(f"{options.save_weights}: exists; choose another name or add --force")
        if not options.save_weights.parent.is_dir():
            raise OutputError(f"{options.save_weights.parent}: no such directory")
    # learn before anything is written: a rule that cannot store the patterns is bad input too
    network = api.build_network(scenario, seed)
    if options.save_weights is not None and not network.couplings.dense:
        raise OutputError(f"{network.couplings.size} neurons keep low-rank couplings: there is no matrix to save")
    if stop.signum is not None:
        return _stopped(stop, err, "interrupted before the run began; nothing was written")
    directory = rundir.prepare_output(options.out, scenario.name, options.force)
    rundir.write_scenario(directory, scenario.text)  # what was run, for the record
    if options.save_weights is not None:
        api.save_weights(options.save_weights, scenario, network)
    interrupted = False
    failure: str | None = None
    with (
        rundir.open_events(directory) as events,
        structlog.contextvars.bound_contextvars(run_id=rundir.run_id(scenario.name, seed, scenario.text)),
    ):
        view = console_view.live_view(options.quiet, out, scenario.trial_count)
        console = None if options.quiet or view is not None else console_logger(err, options.log_format)
        sink: EventSink = StructlogSink(json_logger(events, options.log_level), console, level=options.log_level)
        with contextlib.ExitStack() as stack:
            if view is not None:
                sink = stack.enter_context(view.wrapping(sink))
            try:
                result = api.run_scenario(
                    scenario, sink, seed=seed, engine=options.engine, clock=clock, network=network, stop=stop
                )
            except RunInterrupted as exc:
                result, interrupted = exc.result, True
            except api.RunAborted as exc:
                result, failure = exc.result, exc.error
    summary_path = rundir.write_summary(directory, result.to_dict())
    print(tables.format_summary(result), file=out)
    print(f"events:  {directory / rundir.EVENTS_FILE}\nsummary: {summary_path}", file=out)
    if failure is not None:
        print(f"neurosim: the run failed: {failure}; the summary holds the trials that finished", file=err)
        return EXIT_FAILED
    if interrupted:
        return _stopped(stop, err, "interrupted; the summary holds the trials that finished")
    if options.plot:
        plot(directory, None, None, False, options.force, out)
        report(directory, None, None, True, options.force, out)
    return EXIT_OK


def _run_sweep(options: RunOptions, scenario: Scenario, out: IO[str], err: IO[str], stop: api.Stop) -> int:
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
                return _sweep(options, scenario, points, dispatch, out, err, stop)
    except backends.StartInterrupted:
        pass
    return _stopped(stop, err, "interrupted before the sweep began; nothing was written")


def _sweep(
    options: RunOptions,
    scenario: Scenario,
    points: list[Any],
    dispatch: backends.Dispatch,
    out: IO[str],
    err: IO[str],
    stop: api.Stop,
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
                progress=None if options.quiet or bar is not None or not err.isatty() else err,
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
        return _stopped(stop, err, f"interrupted; {rows_kept}")
    if options.plot:
        plot(directory, None, None, False, options.force, out)
        report(directory, None, None, True, options.force, out)
    return EXIT_OK


def validate(files: list[Path], out: IO[str], err: IO[str], engine: EngineName = "actors") -> int:
    """`neurosim validate FILE...`: refuse what `neurosim run --engine ENGINE` would refuse before running.

    Each file is loaded and its sweep expanded (every point validated); the
    engine and the memory are checked as `run` checks them; the couplings are
    learned only when that is quick (`memory.quick_to_learn`), and the output
    says when they were not.
    """
    code = EXIT_OK
    for file in files:
        try:
            scenario = load_scenario(file)
            points = []
            if scenario.sweep is not None:
                from neurosim import sweeps  # noqa: PLC0415 - only sweeps need it

                points = sweeps.sweep_points(scenario)  # every point is validated
            problem = runnable.refusal(scenario, engine, points)
            if problem is not None:
                raise OutputError(problem)
            learned = runnable.quick_to_learn(scenario)
            if learned:  # a rule that cannot store the patterns is refused here as `run` refuses it
                api.build_network(scenario)
        except NeurosimError as exc:
            print(f"neurosim: {exc}", file=err)
            code = EXIT_USAGE
            continue
        trials = scenario.trial_count
        sweep = f", a sweep of {len(points)} runs" if scenario.sweep is not None else ""
        unlearned = "" if learned else "; couplings not learned here (too large to learn quickly; `run` learns them)"
        print(
            f"{file}: ok ({scenario.neurons} neurons, {len(scenario.pattern_names)} patterns, {trials} trials{sweep})"
            f"{unlearned}",
            file=out,
        )
    return code


def plot(
    run_dir: Path, out_dir: Path | None, trials: list[int] | None, animate: bool, force: bool, out: IO[str]
) -> int:
    """`neurosim plot RUN_DIR`: draw a run's figures (and animations); prints each file written."""
    from neurosim.analysis import animation, plots  # noqa: PLC0415 - needs the plotting extra
    from neurosim.analysis.trials import select_trials  # noqa: PLC0415 - see above

    written = plots.write_plots(run_dir, out_dir, trials=trials, overwrite=force)
    if animate:
        chosen = trials if trials else select_trials(rundir.read_run(run_dir))
        target = out_dir or run_dir / rundir.PLOTS_DIR
        for k in chosen:
            written.append(animation.write_animation(run_dir, k, target / f"trial-{k}-board.gif", overwrite=force))
    for path in written:
        print(path, file=out)
    return EXIT_OK


def report(
    run_dir: Path, out_path: Path | None, trials: list[int] | None, figures: bool, force: bool, out: IO[str]
) -> int:
    """`neurosim report RUN_DIR`: write a run's HTML report; prints its path."""
    from neurosim.analysis import report as html  # noqa: PLC0415 - figures need the plotting extra

    print(html.write_report(run_dir, out_path, trials=trials, figures=figures, overwrite=force), file=out)
    return EXIT_OK


def bench(cues: int, as_json: bool, large: bool, record: Path | None, out: IO[str]) -> int:
    """`neurosim bench`: measure speed; with `record`, also write the figures into that page's marked block."""
    from neurosim import bench as measure  # noqa: PLC0415 - only the benchmark needs it

    if cues < 1:
        raise OutputError(f"--cues must be at least 1, not {cues}")
    if record is None:
        return (
            measure.run_large(as_json=as_json, out=out)
            if large
            else measure.run_bench(cues=cues, as_json=as_json, out=out)
        )
    if large or as_json:
        raise OutputError("--record takes the figures of a plain `neurosim bench` run")
    measure.check_page(record)  # refused now, not after minutes of measuring
    printed = io.StringIO()
    code = measure.run_bench(cues=cues, out=printed)
    out.write(printed.getvalue())
    measure.record(record, printed.getvalue())
    print(f"recorded in {record}", file=out)
    return code
