"""The `neurosim` command: parse the arguments, dispatch to `neurosim.commands`, map errors to exit codes."""

from __future__ import annotations

import argparse
import contextlib
import os
import stat
import sys
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path
from typing import IO, NoReturn

from neurosim.backends import BACKENDS
from neurosim.engines.actors.clock import DEFAULT_TIME_SCALE
from neurosim.errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, NeurosimError


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr, exit 2 (its subcommands' parsers too)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"neurosim: {message} (see `{self.prog} --help`)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="neurosim", description="Hopfield networks of asyncio neuron actors.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="run a scenario (a file, or a bundled name)",
        description="Run a scenario file, or a bundled scenario by name.",
    )
    run.add_argument("file", type=Path, help="scenario file (YAML), or the name of a bundled scenario")
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
        help="sweeps: worker processes (default: every available core; more are capped)",
    )
    run.add_argument(
        "--resume",
        action="store_true",
        help="sweeps: continue the sweep in --out DIR, skipping the points already in its sweep.csv",
    )
    run.add_argument(
        "--backend",
        choices=BACKENDS,
        default=BACKENDS[0],
        help="sweeps: where the points run: local worker processes (default), or tasks on Ray "
        "(a local Ray instance, or the cluster at --address; needs neurosim[ray]); "
        "with --shards: where the shards run",
    )
    run.add_argument(
        "--address",
        metavar="HOST:PORT",
        help="with --backend ray: the head of a running Ray cluster (as `ray start --head` prints it)",
    )
    run.add_argument(
        "--shards",
        type=int,
        metavar="S",
        help="split the network's neurons over S shards that exchange their flips once per delay, each "
        "running --engine on its neurons (needs dynamics.delay > 0 and the poisson schedule; with --backend ray, "
        "one Ray actor each); events and summary are those of one process",
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
    validate.add_argument("files", type=Path, nargs="+", help="scenario files (YAML) or bundled scenarios' names")
    validate.add_argument(
        "--engine",
        choices=("actors", "kernel"),
        default="actors",
        help="check the scenarios against this engine, as `run --engine` would (default: actors)",
    )

    listing = commands.add_parser(
        "scenarios",
        help="list the bundled scenarios (or copy one)",
        description="List the bundled scenarios (run one with `neurosim run NAME`), or copy one out to edit.",
    )
    listing.add_argument(
        "--copy",
        nargs=2,
        metavar=("NAME", "DIR"),
        help="write the bundled scenario NAME and the files it names into DIR (existing files are never replaced)",
    )

    commands.add_parser(
        "schema",
        help="print the JSON Schema of scenario files",
        description="Print the JSON Schema of scenario files (YAML editors validate and complete with it).",
    )

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
        "--record",
        type=Path,
        metavar="PAGE",
        help="also write the figures, with the date and the machine, into the marked block of PAGE "
        "(docs/performance.md)",
    )
    bench.add_argument(
        "--large",
        action="store_true",
        help="instead: recall on 20,000 neuron actors and on the kernel at 32,768 neurons (needs ~10 GiB)",
    )
    bench.add_argument(
        "--scale",
        action="store_true",
        help="instead: a diluted network of 1,000,000 neurons with 1,000 synapses each, built and recalled on "
        "each engine in a process of its own (needs ~10 GiB and some minutes)",
    )
    bench.add_argument("--neurons", type=int, help="with --scale: N (default 1,000,000)")
    bench.add_argument("--in-degree", type=int, help="with --scale: K, synapses per neuron (default 1,000)")
    bench.add_argument(
        "--shards",
        type=int,
        metavar="S",
        help="with --scale: one process against S shards on a local Ray instance, each drawing its own rows "
        "(poisson schedule, delay 1; needs the ray extra)",
    )
    bench.add_argument(
        "--engine",
        choices=("actors", "kernel"),
        help="with --shards: the engine in the one process and on every shard (default: kernel)",
    )
    return parser


def _writes_to_pipe(stream: IO[str]) -> bool:
    """Whether `stream` is a pipe or a socket (whose reader may go away), not a file or a terminal."""
    try:
        mode = os.fstat(stream.fileno()).st_mode
    except (OSError, ValueError):  # io.StringIO and the like: no file descriptor
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


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
        # the commands load numpy, numba and the engines: only now, and inside the handling of Ctrl-C below
        from neurosim import commands  # noqa: PLC0415

        if args.command == "run":
            options = commands.RunOptions(**{f.name: getattr(args, f.name) for f in fields(commands.RunOptions)})
            return commands.run(options, out, err)
        if args.command == "validate":
            return commands.validate(args.files, out, err, args.engine)
        if args.command == "scenarios":
            return commands.scenarios(args.copy, out)
        if args.command == "schema":
            return commands.schema(out)
        if args.command == "plot":
            return commands.plot(args.run_dir, args.out, args.trial, args.animate, args.force, out)
        if args.command == "report":
            return commands.report(args.run_dir, args.out, args.trial, not args.no_figures, args.force, out)
        scaled = args.scale or args.neurons or args.in_degree or args.shards is not None
        scale = (args.neurons or 0, args.in_degree or 0) if scaled else None
        return commands.bench(args.cues, args.json, args.large, args.record, out, scale, args.shards, args.engine)
    except KeyboardInterrupt:  # before a command set up its own handling of Ctrl-C (loading, validating, drawing)
        print("neurosim: interrupted", file=err)
        return EXIT_INTERRUPTED
    except BrokenPipeError as exc:  # the reader went away (`neurosim run ... | head`): the results are written
        if not _writes_to_pipe(out):  # a pipe of ours that broke is an error like any other
            print(f"neurosim: {exc.strerror or exc}", file=err)
            return EXIT_USAGE
        if out is sys.stdout:  # nothing more reaches the closed pipe, not even the flush at exit
            with contextlib.suppress(OSError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
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
