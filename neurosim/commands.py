"""What each `neurosim` command does, given its options; the CLI only parses them and maps errors to exit codes.

`run` checks every option against the scenario before anything is written,
creates the run directory through `neurosim.rundir`, runs the scenario (or its
sweep) with events to `events.jsonl` and to the console, and writes the
summary; `validate`, `plot` and `report` do what their names say.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import IO

import structlog

from neurosim import api, backends, rundir, tables
from neurosim import console as console_view
from neurosim import memory as runnable
from neurosim.compiling import compile_notice
from neurosim.engines import EngineName
from neurosim.engines.actors.clock import DEFAULT_TIME_SCALE, WallClock
from neurosim.engines.protocol import GRADED_LIVE_REFUSAL
from neurosim.engines.sharded import Sharding, sharding_problem
from neurosim.errors import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    NeurosimError,
    OutputError,
    RunInterrupted,
)
from neurosim.logs import StructlogSink, console_logger, json_logger
from neurosim.options import RunOptions as RunOptions  # re-exported: the CLI builds them here
from neurosim.options import stopped
from neurosim.scenarios import bundled
from neurosim.scenarios.loader import load_scenario
from neurosim.scenarios.spec import Scenario
from neurosim.typing import EventSink


def run(options: RunOptions, out: IO[str], err: IO[str]) -> int:
    """`neurosim run FILE`: one run, or the sweep the file declares; returns the exit code."""
    stop = api.Stop()  # Ctrl-C and SIGTERM stop the run alike; each has its exit status
    shown = not options.quiet and options.log_format == "console"  # json on stderr stays only events
    try:
        with api.stop_signals(stop), compile_notice(err, f"the {options.engine} engine", enabled=shown):
            return _run(options, out, err, stop)
    except KeyboardInterrupt:  # a second Ctrl-C: stop at once
        print("neurosim: interrupted", file=err)
        return EXIT_INTERRUPTED


def _run(options: RunOptions, out: IO[str], err: IO[str], stop: api.Stop) -> int:
    scenario = load_scenario(options.file)
    if scenario.sweep is not None and options.shards is not None:
        raise OutputError("--shards runs one network; a scenario with a sweep block runs many (leave out --shards)")
    if scenario.sweep is not None:
        from neurosim.sweepcommand import run_sweep  # noqa: PLC0415 - the sweep machinery only when sweeping

        return run_sweep(options, scenario, out, err, stop, _drawn)
    sharding = _sharding(options, scenario)
    ray_shards = sharding is not None and sharding.backend == "ray"
    if options.resume or options.workers is not None or not (ray_shards or options.backend == "local"):
        raise OutputError("--resume, --workers, --backend and --address apply to scenarios with a sweep block")
    if options.address is not None and not ray_shards:
        raise OutputError("--address applies to --backend ray")
    seed = scenario.seed if options.seed is None else options.seed
    if seed < 0:
        raise OutputError("--seed must be a non-negative integer")
    cluster = options.address is not None  # a sharded run's shards are on the cluster's machines
    problem = runnable.refusal(
        scenario, options.engine, sharding=sharding, cluster=cluster
    )  # before anything is written
    if problem is not None:
        raise OutputError(problem)
    clock = None
    if options.realtime:
        if options.engine == "kernel":
            raise OutputError("--realtime runs the actors; it cannot be combined with --engine kernel")
        if scenario.dynamics.graded:
            raise OutputError(GRADED_LIVE_REFUSAL)
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
    network = api.network_for(scenario, seed, sharding)
    if sharding is not None and (unshardable := sharding_problem(scenario.dynamics, network.couplings)) is not None:
        raise OutputError(f"{options.file}: {unshardable}")
    unsaveable = api.unsaveable(network.couplings) if options.save_weights is not None else None
    if unsaveable is not None:
        raise OutputError(unsaveable)
    if stop.signum is not None:
        return stopped(stop, err, "interrupted before the run began; nothing was written")
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
                if ray_shards:  # Ray (a heavy import) only when it is chosen
                    from neurosim.backends import ray_tasks  # noqa: PLC0415

                    stack.enter_context(ray_tasks.connected(options.address))
                result = api.run_scenario(
                    scenario, sink, seed=seed, engine=options.engine, clock=clock, network=network, stop=stop,
                    sharding=sharding,
                )  # fmt: skip
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
        return stopped(stop, err, "interrupted; the summary holds the trials that finished")
    if options.plot:
        _drawn(directory, options.force, out)
    return EXIT_OK


def _sharding(options: RunOptions, scenario: Scenario) -> Sharding | None:
    """`--shards S`: how the run is sharded, or why it cannot be (OutputError); None without --shards."""
    if options.shards is None:
        return None
    if options.shards < 1:
        raise OutputError("--shards must be a positive integer")
    if options.shards > scenario.neurons:
        raise OutputError(f"--shards {options.shards} is more than the network's {scenario.neurons} neurons")
    if options.realtime:
        raise OutputError("--shards runs in simulated time; it cannot be combined with --realtime")
    problem = sharding_problem(scenario.dynamics)
    if problem is not None:
        raise OutputError(f"{options.file}: {problem}")
    if options.backend == "ray" and (missing_ray := backends.missing("ray")) is not None:
        raise OutputError(missing_ray)
    return Sharding(options.shards, "ray" if options.backend == "ray" else "local")


def _drawn(directory: Path, force: bool, out: IO[str]) -> None:
    """`--plot`: the run directory's figures and report, after the run."""
    plot(directory, None, None, False, force, out)
    report(directory, None, None, True, force, out)


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
        sweep = f", a sweep of {len(points)} runs" if scenario.sweep is not None else ""
        unlearned = "" if learned else "; couplings not learned here (too large to learn quickly; `run` learns them)"
        sizes = f"{scenario.neurons} neurons, {len(scenario.pattern_names)} patterns, {scenario.trial_count} trials"
        print(f"{file}: ok ({sizes}{sweep}){unlearned}", file=out)
    return code


def scenarios(copy: tuple[str, Path] | None, out: IO[str]) -> int:
    """`neurosim scenarios`: the bundled scenarios with their descriptions; `--copy NAME DIR` writes one out."""
    if copy is not None:
        for path in bundled.copy(copy[0], Path(copy[1])):
            print(path, file=out)
        return EXIT_OK
    names = bundled.names()
    width = max(map(len, names))
    for name in names:  # each one's description is its own `description:`
        print(f"{name:<{width}}  {' '.join(load_scenario(name).description.split())}", file=out)
    return EXIT_OK


def schema(out: IO[str]) -> int:
    """`neurosim schema`: the JSON Schema of scenario files (for editors), generated from the loader's keys."""
    from neurosim.scenarios import keys  # noqa: PLC0415 - only this command needs it

    out.write(keys.schema_text())
    return EXIT_OK


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


def bench(
    cues: int,
    as_json: bool,
    large: bool,
    record: Path | None,
    out: IO[str],
    scale: tuple[int, int] | None = None,
    shards: int | None = None,
    engine: EngineName | None = None,
) -> int:
    """`neurosim bench`: measure speed (`scale`: N, K of `neurosim.scale` instead); `record` writes the figures."""
    from neurosim import bench as measure  # noqa: PLC0415 - only the benchmark needs it
    from neurosim import scale as at_scale  # noqa: PLC0415

    if scale is not None and (large or record is not None):
        raise OutputError("--scale takes neither --large nor --record")
    if engine is not None and shards is None:
        raise OutputError("bench --engine applies to --scale --shards (plain --scale measures both engines)")
    if scale is not None:
        if shards is not None and (missing_ray := backends.missing("ray")) is not None:
            raise OutputError(missing_ray)
        return at_scale.run_scale(*scale, as_json=as_json, out=out, shards=shards, engine=engine or "kernel")
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
