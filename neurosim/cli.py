"""The `neurosim` command: a thin shell over the API."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import structlog

from neurosim import api, rundir
from neurosim.engines.actors.clock import WallClock
from neurosim.errors import NeurosimError, OutputError, RunInterrupted
from neurosim.events import SweepFinished, SweepPoint, SweepStarted
from neurosim.logs import StructlogSink, console_logger, json_logger
from neurosim.model.capacity import theoretical_capacities
from neurosim.results import RunResult, recall_rate, recall_tally
from neurosim.scenarios.loader import load_scenario
from neurosim.scenarios.spec import Scenario
from neurosim.typing import EventSink

EXIT_OK, EXIT_USAGE, EXIT_INTERRUPTED = 0, 2, 130
DEFAULT_TIME_SCALE = 0.1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="neurosim", description="Hopfield networks of asyncio neuron actors.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run a scenario file", description="Run a scenario file.")
    run.add_argument("file", type=Path, help="scenario file (YAML)")
    run.add_argument("--out", type=Path, help="output directory (default: runs/<name>-<UTC timestamp>)")
    run.add_argument("--seed", type=int, help="override the scenario's seed")
    run.add_argument(
        "--log-format",
        choices=("console", "json"),
        default="console",
        help="how run and trial events are shown on stderr",
    )
    run.add_argument(
        "--log-level",
        choices=("info", "debug"),
        default="info",
        help="events.jsonl verbosity: debug adds every wake-up without a flip",
    )
    run.add_argument(
        "--quiet", action="store_true", help="show no events on stderr (the summary table is still printed)"
    )
    run.add_argument("--force", action="store_true", help="write into an output directory that already holds files")
    run.add_argument("--plot", action="store_true", help="after the run, draw its figures and write its report")
    run.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="sweeps: worker processes (default: all cores)",
    )
    run.add_argument(
        "--resume",
        action="store_true",
        help="sweeps: continue the sweep in --out DIR, skipping the points already in its sweep.csv",
    )
    run.add_argument(
        "--save-weights",
        type=Path,
        metavar="FILE.npz",
        help="also save the network's couplings (load them back with `network: {weights: FILE.npz}`)",
    )
    run.add_argument(
        "--engine",
        choices=("actors", "kernel"),
        default="actors",
        help="actors: one asyncio task per neuron (default); kernel: the compiled loop that replays the same schedule",
    )
    run.add_argument(
        "--realtime",
        action="store_true",
        help="live mode: the actors run on the wall clock with real sleeps (not reproducible)",
    )
    run.add_argument(
        "--time-scale",
        type=float,
        default=DEFAULT_TIME_SCALE,
        metavar="S",
        help=f"with --realtime: seconds per simulated time unit (default {DEFAULT_TIME_SCALE})",
    )

    validate = commands.add_parser("validate", help="check scenario files", description="Check scenario files.")
    validate.add_argument("files", type=Path, nargs="+", help="scenario files (YAML)")

    plot = commands.add_parser(
        "plot", help="draw a run's figures", description="Draw figures from a run directory's files alone."
    )
    plot.add_argument("run_dir", type=Path, help="a directory written by `neurosim run`")
    plot.add_argument("--out", type=Path, help="where to put the figures (default: RUN_DIR/plots)")
    plot.add_argument("--trial", type=int, action="append", metavar="K", help="draw trial K (repeatable)")
    plot.add_argument("--animate", action="store_true", help="also write a GIF of the board during each recall")
    plot.add_argument("--force", action="store_true", help="replace figures that already exist")

    report = commands.add_parser(
        "report", help="write a run's HTML report", description="Write one self-contained HTML report of a run."
    )
    report.add_argument("run_dir", type=Path, help="a directory written by `neurosim run`")
    report.add_argument("--out", type=Path, help="the HTML file (default: RUN_DIR/report.html)")
    report.add_argument("--trial", type=int, action="append", metavar="K", help="show trial K (repeatable)")
    report.add_argument("--no-figures", action="store_true", help="tables only (needs no plotting extra)")
    report.add_argument("--force", action="store_true", help="replace a report that already exists")

    bench = commands.add_parser("bench", help="measure speed", description="Measure recall speed.")
    bench.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    bench.add_argument("--cues", type=int, default=100, help="number of recalls to time (default 100)")
    bench.add_argument(
        "--large",
        action="store_true",
        help="instead: recall on 20,000 neuron actors and on the kernel at 32,768 neurons (needs ~10 GiB)",
    )
    return parser


def main(argv: Sequence[str] | None = None, *, stdout: IO[str] | None = None, stderr: IO[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        with contextlib.redirect_stderr(err):
            args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse reports usage errors itself
        return int(exc.code or 0)
    try:
        if args.command == "run":
            return _run(args, out, err)
        if args.command == "validate":
            return _validate(args.files, out, err)
        if args.command == "plot":
            return _plot(args.run_dir, args.out, args.trial, args.animate, args.force, out)
        if args.command == "report":
            return _report(args.run_dir, args.out, args.trial, not args.no_figures, args.force, out)
        from neurosim.bench import run_bench, run_large  # noqa: PLC0415 - only the bench needs it

        if args.large:
            return run_large(as_json=args.json, out=out)
        return run_bench(cues=args.cues, as_json=args.json, out=out)
    except NeurosimError as exc:
        print(f"neurosim: {exc}", file=err)
        return EXIT_USAGE
    except FileExistsError as exc:
        print(f"neurosim: {exc.filename or exc}: exists; add --force to replace it", file=err)
        return EXIT_USAGE
    except OSError as exc:  # an output path that cannot be written, a file that cannot be read
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"neurosim: {where}{exc.strerror or exc}", file=err)
        return EXIT_USAGE
    except BrokenPipeError:  # the reader went away (`neurosim run ... | head`): not an error of ours
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def _plot(
    run_dir: Path, out_dir: Path | None, trials: list[int] | None, animate: bool, force: bool, out: IO[str]
) -> int:
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


def _report(
    run_dir: Path, out_path: Path | None, trials: list[int] | None, figures: bool, force: bool, out: IO[str]
) -> int:
    from neurosim.analysis import report  # noqa: PLC0415 - figures need the plotting extra

    print(report.write_report(run_dir, out_path, trials=trials, figures=figures, overwrite=force), file=out)
    return EXIT_OK


def _validate(files: list[Path], out: IO[str], err: IO[str]) -> int:
    code = EXIT_OK
    for file in files:
        try:
            scenario = load_scenario(file)
            api.build_network(scenario)
            points = 1
            if scenario.sweep is not None:
                from neurosim import sweeps  # noqa: PLC0415 - only sweeps need it

                points = len(sweeps.sweep_points(scenario))  # every point is validated
        except NeurosimError as exc:
            print(f"neurosim: {exc}", file=err)
            code = EXIT_USAGE
            continue
        trials = sum(len(t.targets) * t.repeats for t in scenario.trials)
        sweep = f", a sweep of {points} runs" if scenario.sweep is not None else ""
        print(
            f"{file}: ok ({scenario.neurons} neurons, {len(scenario.pattern_names)} patterns, {trials} trials{sweep})",
            file=out,
        )
    return code


def _run(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    scenario = load_scenario(args.file)
    if scenario.sweep is not None:
        return _run_sweep(args, scenario, out, err)
    if args.resume or args.workers is not None:
        raise OutputError("--resume and --workers apply to scenarios with a sweep block")
    seed = scenario.seed if args.seed is None else args.seed
    if seed < 0:
        raise OutputError("--seed must be a non-negative integer")
    problem = api.engine_problem(scenario, args.engine)
    if problem is not None:
        raise OutputError(problem)
    clock = None
    if args.realtime:
        if args.engine == "kernel":
            raise OutputError("--realtime runs the actors; it cannot be combined with --engine kernel")
        if not args.time_scale > 0.0:
            raise OutputError("--time-scale must be positive")
        clock = WallClock(args.time_scale)
    elif args.time_scale != DEFAULT_TIME_SCALE:
        raise OutputError("--time-scale applies to --realtime runs")
    if args.save_weights is not None:
        if args.save_weights.suffix != ".npz":
            raise OutputError(f"{args.save_weights}: weights are saved as a .npz file")
        if args.save_weights.exists() and not args.force:
            raise OutputError(f"{args.save_weights}: exists; choose another name or add --force")
        if not args.save_weights.parent.is_dir():
            raise OutputError(f"{args.save_weights.parent}: no such directory")
    # learn before anything is written: a rule that cannot store the patterns is bad input too
    network = api.build_network(scenario, seed)
    if args.save_weights is not None and not network.couplings.dense:
        raise OutputError(f"{network.couplings.size} neurons keep low-rank couplings: there is no matrix to save")
    directory = rundir.prepare_output(args.out, scenario.name, args.force)
    rundir.write_scenario(directory, scenario.text)  # what was run, for the record
    if args.save_weights is not None:
        api.save_weights(args.save_weights, scenario, network)
    interrupted = False
    with (
        rundir.open_events(directory) as events,
        structlog.contextvars.bound_contextvars(run_id=rundir.run_id(scenario.name, seed, scenario.text)),
    ):
        view = _live_view(args, out, sum(len(t.targets) * t.repeats for t in scenario.trials))
        console = None if args.quiet or view is not None else console_logger(err, args.log_format)
        sink: EventSink = StructlogSink(json_logger(events, args.log_level), console, level=args.log_level)
        with contextlib.ExitStack() as stack:
            if view is not None:
                sink = stack.enter_context(view.wrapping(sink))
            try:
                result = api.run_scenario(scenario, sink, seed=seed, engine=args.engine, clock=clock, network=network)
            except RunInterrupted as exc:
                result, interrupted = exc.result, True
    summary_path = rundir.write_summary(directory, result.to_dict())
    print(format_summary(result), file=out)
    print(f"events:  {directory / rundir.EVENTS_FILE}\nsummary: {summary_path}", file=out)
    if args.plot and not interrupted:
        _plot(directory, None, None, False, args.force, out)
        _report(directory, None, None, True, args.force, out)
    if interrupted:
        print("neurosim: interrupted; the summary holds the trials that finished", file=err)
        return EXIT_INTERRUPTED
    return EXIT_OK


class _ViewFactory:
    """Makes the live view around the run's sink once the sink exists."""

    def __init__(self, trials: int, stream: IO[str]) -> None:
        self.trials = trials
        self.stream = stream

    @contextlib.contextmanager
    def wrapping(self, sink: EventSink) -> Iterator[EventSink]:
        from rich.console import Console  # noqa: PLC0415 - optional

        from neurosim.console import LiveView  # noqa: PLC0415 - optional

        with LiveView(sink, self.trials, Console(file=self.stream)) as view:
            yield view


def _live_view(args: argparse.Namespace, out: IO[str], trials: int) -> _ViewFactory | None:
    """The live console view, when people are watching: stdout a terminal, no --quiet, rich installed."""
    if args.quiet or not out.isatty():
        return None
    from neurosim import console as live  # noqa: PLC0415 - optional

    return _ViewFactory(trials, out) if live.available() else None


def _sweep_bar(args: argparse.Namespace, out: IO[str], total: int) -> Any:
    """A rich progress bar over a sweep's points, when people are watching (like the live view)."""
    if args.quiet or not out.isatty():
        return None
    from neurosim import console as live  # noqa: PLC0415 - optional

    if not live.available():
        return None
    from rich.console import Console  # noqa: PLC0415 - optional
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn  # noqa: PLC0415

    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    return Progress(*columns, console=Console(file=out))


def _run_sweep(args: argparse.Namespace, scenario: Scenario, out: IO[str], err: IO[str]) -> int:
    from neurosim import sweeps  # noqa: PLC0415 - the sweep machinery is only needed here

    if args.realtime or args.save_weights is not None or args.seed is not None:
        raise OutputError(
            "a sweep sets its own seeds and runs in virtual time: drop --seed, --realtime, --save-weights"
        )
    if args.log_level != "info" or args.time_scale != DEFAULT_TIME_SCALE:
        raise OutputError("--log-level and --time-scale apply to single runs, not to sweeps")
    if args.workers is not None and args.workers < 1:
        raise OutputError("--workers must be at least 1")
    points = sweeps.sweep_points(scenario)  # validates every point before anything is written
    for point in points:
        problem = api.engine_problem(point.scenario, args.engine)
        if problem is not None:
            shown = ", ".join(f"{k} = {v!r}" for k, v in point.params.items())
            raise OutputError(f"with {shown}: {problem}")
    if args.resume:
        if args.out is None or not rundir.sweep_path(args.out).is_file():
            raise OutputError(f"--resume needs --out DIR of an earlier sweep (with its {rundir.SWEEP_FILE})")
        directory = args.out
        if rundir.read_scenario(directory) != scenario.text:
            raise OutputError(f"{directory}: that sweep ran another scenario text; resume it with the same file")
    else:
        directory = rundir.prepare_output(args.out, scenario.name, args.force)
    rundir.write_scenario(directory, scenario.text)
    workers = args.workers or os.cpu_count() or 1
    assert scenario.sweep is not None
    keys = [axis.key for axis in scenario.sweep.axes]
    with (
        rundir.open_events(directory, append=args.resume) as events,
        structlog.contextvars.bound_contextvars(run_id=rundir.run_id(scenario.name, scenario.seed, scenario.text)),
    ):
        bar = _sweep_bar(args, out, len(points))
        console = None if args.quiet or bar is not None else console_logger(err, args.log_format)
        sink = StructlogSink(json_logger(events, "info"), console)
        done_before = 0
        if args.resume:
            done_before = len({r["point"] for r in rundir.read_sweep(rundir.sweep_path(directory))[1]})
        sink.emit(
            SweepStarted(
                scenario=scenario.name,
                parameters=tuple(keys),
                seeds=scenario.sweep.seeds,
                points=len(points),
                skipped=done_before,
                workers=workers,
                engine=args.engine,
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
                workers=workers,
                engine=args.engine,
                resume=args.resume,
                progress=None if args.quiet or bar is not None or not err.isatty() else err,
                on_point=on_point,
            )
        status = "interrupted" if outcome.interrupted else "completed"
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
        "engine": args.engine,
        "capacities": theoretical_capacities(scenario.neurons),
        "retrieval_overlap": sweeps.RETRIEVAL_OVERLAP,
        "table": table,
    }
    summary_path = rundir.write_summary(directory, summary)
    print(format_sweep(scenario, keys, table, outcome), file=out)
    print(f"rows:    {rundir.sweep_path(directory)}\nsummary: {summary_path}", file=out)
    if args.plot and not outcome.interrupted:
        _plot(directory, None, None, False, args.force, out)
        _report(directory, None, None, True, args.force, out)
    if outcome.interrupted:
        print(
            f"neurosim: interrupted; {rundir.SWEEP_FILE} keeps every finished point (continue with --resume)", file=err
        )
        return EXIT_INTERRUPTED
    return EXIT_OK


def format_sweep(scenario: Scenario, keys: list[str], table: list[dict[str, Any]], outcome: Any) -> str:
    """A readable table of a sweep's results per parameter combination."""
    head = f"{scenario.name} · sweep over {', '.join(keys)} · {outcome.points} points · {outcome.seconds:.1f} s"
    columns = (*keys, "trials", "recall", "retrieval (m≥0.9)")
    rows = [columns]
    for entry in table:
        recall, retrieval = entry["recall_rate"], entry["retrieval_rate"]
        rows.append(
            (
                *(str(entry[k]) for k in keys),
                str(entry["trials"]),
                "-" if recall is None else f"{recall:.3f} ± {entry['recall_rate_sd']:.3f}",
                "-" if retrieval is None else f"{retrieval:.3f} ± {entry['retrieval_rate_sd']:.3f}",
            )
        )
    widths = [max(len(r[k]) for r in rows) for k in range(len(columns))]
    return "\n".join(
        [head, ""] + ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    )


def format_summary(result: RunResult) -> str:
    """A readable table of a run's trials."""
    head = (
        f"{result.scenario} · seed {result.seed} · {result.neurons} neurons · {len(result.patterns)} patterns · "
        f"{result.schedule} · {len(result.trials)} trials" + (" · INTERRUPTED" if result.status != "completed" else "")
    )
    columns = ("trial", "cue", "rep", "flipped", "status", "sweeps", "flips", "energy", "recalled", "hamming", "ending")
    rows = [columns]
    for t in result.trials:
        rows.append(
            (
                str(t.trial),
                t.cue or "-",
                str(t.repeat),
                "-" if t.flipped is None else str(t.flipped),
                t.status,
                f"{t.sweeps:.2f}",
                str(t.flips),
                f"{t.energy_initial:.4g} → {t.energy_final:.4g}",
                t.recalled or "-",
                "-" if t.hamming is None else str(t.hamming),
                t.ending,
            )
        )
    widths = [max(len(r[k]) for r in rows) for k in range(len(columns))]
    lines = [head, ""]
    for r in rows:
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())
    tally = recall_tally(result.trials)
    if tally.rate is not None:
        lines += ["", f"recall rate: {tally} = {tally.rate:.3f}"]
    return "\n".join(lines)
