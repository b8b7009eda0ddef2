"""`neurosim bench`: the speed benchmark.

Recall workload: N = 1000 neurons, 50 random patterns, cues with 10 % of the
neurons flipped, permutation schedule, 100 cues (every pattern twice). A recall
is timed from its `trial_started` event to its `trial_finished` event (board
reset, the recall itself, the result), with info-level events written as JSON
lines to a file unless said otherwise.

Wake-up workload: a network at rest in a stored pattern, run until convergence
is declared (no flips, no events), timed per recall, on one core: N = 1000
(dense, 50 patterns) and N = 100,000 (low-rank Hebbian couplings, 5 patterns),
under the poisson schedule (about H_N sweeps; the clocks are generated and
batches cut wherever a neuron would wake twice) and under the permutation
schedule (one sweep). Memory: the growth of resident memory while the network
of the poisson run lives, per neuron.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib.metadata
import json
import os
import platform
import resource
import statistics
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import numpy as np
import structlog

from neurosim import api
from neurosim.engines.actors.coordinator import Coordinator
from neurosim.engines.protocol import Recall
from neurosim.errors import NeurosimError
from neurosim.events import Event, FlipRun, NullSink, TrialFinished, TrialStarted, flip_writer
from neurosim.logs import StructlogSink, json_logger
from neurosim.model import pcg, schedules
from neurosim.model.drawn import DrawnCouplings
from neurosim.model.learning import hebbian
from neurosim.model.patterns import PatternSet, random_patterns
from neurosim.model.streams import stream_keys
from neurosim.scenarios.loader import parse_scenario
from neurosim.typing import EventSink

NEURONS, PATTERNS, FLIP_FRACTION = 1000, 50, 0.1

_SCENARIO = """\
name: bench
seed: 1
patterns:
  random: {{count: {patterns}, size: {neurons}}}
dynamics:
  schedule: permutation
trials:
  - cue: all
    noise: {{flip_fraction: {flip}}}
    repeats: {repeats}
"""


class TimingSink:
    """Passes records on and notes the wall time of each trial's start and finish."""

    def __init__(self, inner: EventSink) -> None:
        self._inner = inner
        self._write_flips = flip_writer(inner)
        self.started: dict[int, float] = {}
        self.durations: list[float] = []
        self.flips: list[int] = []

    @property
    def verbose(self) -> bool:
        return self._inner.verbose

    @property
    def discards(self) -> bool:
        return self._inner.discards

    def emit(self, event: Event) -> None:
        if isinstance(event, TrialStarted):
            self._inner.emit(event)
            self.started[event.trial] = time.perf_counter()
            return
        if isinstance(event, TrialFinished):
            self.durations.append(time.perf_counter() - self.started[event.trial])
            self.flips.append(event.flips)
        self._inner.emit(event)

    def emit_flips(self, run: FlipRun) -> None:
        self._write_flips(run)


def measure_recall(
    cues: int = 100,
    *,
    engine: api.EngineName = "actors",
    loop_factory: api.LoopFactory | None = None,
    events: bool = True,
) -> dict[str, Any]:
    """Run the recall workload and return its figures (milliseconds per recall)."""
    repeats = max(1, -(-cues // PATTERNS))
    text = _SCENARIO.format(patterns=PATTERNS, neurons=NEURONS, flip=FLIP_FRACTION, repeats=repeats)
    scenario = parse_scenario(text, "bench.yaml")
    with (
        tempfile.TemporaryDirectory() as tmp,
        (Path(tmp) / "events.jsonl").open("w") as log,
        structlog.contextvars.bound_contextvars(run_id="bench"),
    ):
        inner: EventSink = StructlogSink(json_logger(log, "info"), None) if events else NullSink()
        sink = TimingSink(inner)
        api.run_scenario(scenario, sink, engine=engine, loop_factory=loop_factory)
    ms = np.array(sink.durations[:cues]) * 1e3
    return {
        "median_ms": round(float(statistics.median(ms)), 4),
        "p10_ms": round(float(np.percentile(ms, 10)), 4),
        "p90_ms": round(float(np.percentile(ms, 90)), 4),
        "cues": int(ms.size),
        "flips_per_recall": round(float(np.mean(sink.flips[:cues])), 1),
    }


def measure_kernel_loop(cues: int = 100) -> dict[str, Any]:
    """Time only the compiled loop of the kernel engine on the recall workload (no events).

    The loop draws the schedule's sweeps itself, so this is the recall's whole
    compiled part: the permutations, the wake-ups and the flips.
    """
    from neurosim.engines.kernel import KernelEngine  # noqa: PLC0415 - compiles on first use

    repeats = max(1, -(-cues // PATTERNS))
    text = _SCENARIO.format(patterns=PATTERNS, neurons=NEURONS, flip=FLIP_FRACTION, repeats=repeats)
    scenario = parse_scenario(text, "bench.yaml")
    network = api.build_network(scenario)
    assert not isinstance(network.couplings, DrawnCouplings)  # built: not drawn
    engine = KernelEngine(network.couplings, NullSink(), scenario.dynamics)
    durations = []
    for trial in api.prepare_trials(scenario, network)[:cues]:
        schedule = api.trial_schedule(scenario.dynamics, NEURONS, scenario.seed, trial.index)
        before = engine.compiled_seconds
        engine.run(Recall(trial.index, trial.start, schedule, scenario.dynamics.max_sweeps * NEURONS))
        durations.append(engine.compiled_seconds - before)
    ms = np.array(durations) * 1e3
    return {"median_ms": round(float(statistics.median(ms)), 4), "cues": int(ms.size)}


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


async def _wakeup_rate(size: int, count: int, recalls: int, schedule_kind: str) -> dict[str, Any]:
    rng = np.random.default_rng(size)
    patterns = PatternSet(tuple(f"p{k}" for k in range(count)), random_patterns(count, size, rng))
    couplings = hebbian(patterns)
    before = _rss_bytes()
    gc.collect()
    gc.disable()
    try:
        async with Coordinator(couplings, NullSink()) as coordinator:
            rates, counts = [], []
            for k in range(recalls):
                seed = np.random.SeedSequence([size, k])
                if schedule_kind == "poisson":
                    schedule = schedules.poisson(stream_keys(seed, size))
                else:
                    schedule = schedules.permutation(size, pcg.stream([size, k]))
                start = time.perf_counter()
                outcome = await coordinator.recall(Recall(k, patterns.matrix[0], schedule, 100 * size))
                elapsed = time.perf_counter() - start
                assert outcome.flips == 0
                rates.append(outcome.wakeups / elapsed)
                counts.append(outcome.wakeups)
            resident = _rss_bytes() - before
    finally:
        gc.enable()
    return {
        "neurons": size,
        "patterns": count,
        "couplings": "dense" if couplings.dense else "low-rank",
        "schedule": schedule_kind,
        "wakeups_per_s": round(float(statistics.median(rates))),
        "recalls": recalls,
        "wakeups_per_recall": round(float(np.mean(counts)), 1),
        "resident_bytes_per_neuron": round(resident / size),
    }


def measure_wakeups(
    size: int, count: int, recalls: int, schedule: str = "poisson", loop_factory: api.LoopFactory | None = None
) -> dict[str, Any]:
    """Actor wake-ups per second on a network at rest (see the module docstring)."""
    with asyncio.Runner(loop_factory=loop_factory or api.default_loop_factory()) as runner:
        return runner.run(_wakeup_rate(size, count, recalls, schedule))


def measure_large(size: int, count: int, engine: api.EngineName) -> dict[str, Any]:
    """Recall one pattern from 10 % noise on a large dense network; time and peak memory."""
    text = f"""
name: large
seed: 1
patterns:
  random: {{count: {count}, size: {size}}}
dynamics:
  schedule: permutation
trials:
  - cue: p0
    noise: {{flip_fraction: 0.1}}
"""
    scenario = parse_scenario(text, "large.yaml")
    began = time.perf_counter()
    sink = TimingSink(NullSink())
    result = api.run_scenario(scenario, sink, engine=engine)
    total = time.perf_counter() - began
    [trial] = result.trials
    return {
        "neurons": size,
        "patterns": count,
        "engine": engine,
        "recalled": trial.recalled == "p0",
        "status": trial.status,
        "flips": trial.flips,
        "recall_s": round(sink.durations[0], 3),
        "total_s_with_learning": round(total, 1),
        "peak_rss_gib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2),
    }


def run_large(*, as_json: bool, out: IO[str]) -> int:
    """The large-network checks: 20,000 neuron actors, and the kernel at 32,768 neurons."""
    figures = [measure_large(20_000, 100, "actors"), measure_large(32_768, 100, "kernel")]
    if as_json:
        print(json.dumps(figures), file=out)
        return 0
    for f in figures:
        print(
            f"{f['engine']} at N={f['neurons']:,} (dense, {f['patterns']} patterns, 10% flipped): "
            f"recalled={f['recalled']} ({f['status']}, {f['flips']} flips), recall {f['recall_s']} s, "
            f"{f['total_s_with_learning']} s with learning; peak memory so far {f['peak_rss_gib']} GiB",
            file=out,
        )
    return 0


#: The marks around the block of the performance page that `neurosim bench --record PAGE` replaces.
RECORD_BEGIN, RECORD_END = "<!-- bench:begin -->", "<!-- bench:end -->"


def check_page(page: Path) -> str:
    """The text of `page`, refused in one line unless it holds the bench block's two marks."""
    try:
        text = page.read_text(encoding="utf-8")
    except OSError as exc:
        raise NeurosimError(f"{page}: {exc.strerror or exc}") from None
    lines = text.splitlines()
    if (
        lines.count(RECORD_BEGIN) != 1
        or lines.count(RECORD_END) != 1
        or lines.index(RECORD_BEGIN) > lines.index(RECORD_END)
    ):
        raise NeurosimError(f"{page}: no block marked {RECORD_BEGIN} … {RECORD_END} to record the figures in")
    return text


def machine() -> str:
    """One line naming the day and the machine a measurement was taken on."""
    memory = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        kib = int(Path("/proc/meminfo").read_text().split("MemTotal:")[1].split()[0])
        memory = f", {kib / 2**20:.0f} GiB"
    versions = ", ".join(f"{name} {_version(name)}" for name in ("numpy", "numba", "uvloop", "orjson"))
    return (
        f"measured {datetime.now(UTC):%Y-%m-%d} on {os.cpu_count()} cores{memory}, {platform.machine()}, "
        f"Python {platform.python_version()}, {versions}"
    )


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def record(page: Path, figures: str) -> None:
    """Replace the bench block of `page` with `figures` (as `neurosim bench` prints them), headed by `machine()`."""
    lines = check_page(page).splitlines()
    begin, end = lines.index(RECORD_BEGIN), lines.index(RECORD_END)
    block = ["```", machine(), *figures.rstrip("\n").splitlines(), "```"]
    updated = "\n".join([*lines[: begin + 1], *block, *lines[end:]]) + "\n"
    tmp = page.with_name(page.name + ".tmp")
    tmp.write_text(updated, encoding="utf-8")
    os.replace(tmp, page)


#: The wake-up workloads: (neurons, patterns, recalls timed).
WAKE_SIZES = ((1000, 50, 20), (100_000, 5, 2))


def run_bench(
    *, cues: int = 100, as_json: bool = False, out: IO[str], wake_sizes: Sequence[tuple[int, int, int]] = WAKE_SIZES
) -> int:
    """Run the benchmark and print its figures."""
    default = api.default_loop_factory()
    loop = _loop_name(default)
    measure_recall(4, engine="kernel")  # compile (or load) the kernel before timing it
    actors = measure_recall(cues)
    actors_quiet = measure_recall(cues, events=False)
    kernel = measure_recall(cues, engine="kernel")
    kernel_quiet = measure_recall(cues, engine="kernel", events=False)
    kernel_loop = measure_kernel_loop(cues)
    figures: dict[str, Any] = {
        "python": platform.python_version(),
        "event_loop": loop,
        "recall_workload": f"N={NEURONS}, P={PATTERNS}, {FLIP_FRACTION:.0%} flipped, permutation, {cues} cues",
        "actors_events_to_file": actors,
        "actors_no_events": actors_quiet,
        "kernel_events_to_file": kernel,
        "kernel_no_events": kernel_quiet,
        "kernel_compiled_loop_only": kernel_loop,
        "actor_to_kernel_ratio": round(actors["median_ms"] / kernel["median_ms"], 1),
    }
    if loop != "asyncio":
        figures["actors_events_to_file_asyncio_loop"] = measure_recall(cues, loop_factory=asyncio.new_event_loop)
    wakeups = []
    with _one_core() as core:
        for size, count, recalls in wake_sizes:
            for kind in ("poisson", "permutation"):  # poisson first: its run measures the memory
                wakeups.append(measure_wakeups(size, count, recalls, kind))
    figures["wakeups_core"] = core
    figures["wakeups"] = wakeups
    if as_json:
        print(json.dumps(figures), file=out)
        return 0
    print(f"recall workload: {figures['recall_workload']} (Python {figures['python']}, {loop})", file=out)
    rows = [
        ("actor engine, info events to a file", actors),
        ("actor engine, no events", actors_quiet),
        ("kernel engine, info events to a file", kernel),
        ("kernel engine, no events", kernel_quiet),
    ]
    if "actors_events_to_file_asyncio_loop" in figures:
        rows.append(("actor engine on asyncio's own loop", figures["actors_events_to_file_asyncio_loop"]))
    for label, f in rows:
        print(
            f"  {label}: median {f['median_ms']} ms per recall (p10 {f['p10_ms']}, p90 {f['p90_ms']}); "
            f"{f['flips_per_recall']} flips per recall",
            file=out,
        )
    print(f"  kernel engine, time inside the compiled loop only: median {kernel_loop['median_ms']} ms", file=out)
    print(f"  actor / kernel (both with events): {figures['actor_to_kernel_ratio']}x", file=out)
    where = "one core" if core is not None else "not pinned to one core"
    for w in wakeups:
        print(
            f"actor wake-ups at N={w['neurons']:,} ({w['couplings']}, {w['patterns']} patterns, at rest, "
            f"{w['schedule']}, {where}): {w['wakeups_per_s']:,} per second",
            file=out,
        )
    for w in wakeups[-2:]:  # the largest network (the resident growth of smaller ones is mostly noise)
        if w["schedule"] == "poisson":
            print(
                f"memory per neuron at N={w['neurons']:,}: {w['resident_bytes_per_neuron']:,} bytes of resident "
                f"memory ({w['couplings']} couplings, task, alarm, board; a dense network holds its weight row, "
                "8·N bytes)",
                file=out,
            )
    return 0


@contextlib.contextmanager
def _one_core() -> Iterator[int | None]:
    """Run on one core (the lowest allowed) where the system lets us choose; yields its number or None."""
    if not hasattr(os, "sched_setaffinity"):  # pragma: no cover - not Linux
        yield None
        return
    allowed = os.sched_getaffinity(0)
    core = min(allowed)
    os.sched_setaffinity(0, {core})
    try:
        yield core
    finally:
        os.sched_setaffinity(0, allowed)


def _loop_name(factory: api.LoopFactory) -> str:
    return "uvloop" if factory.__module__.startswith("uvloop") else "asyncio"
