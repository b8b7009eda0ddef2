"""`neurosim bench`: the recall-speed benchmark.

Workload: N = 1000 neurons, 50 random patterns, cues with 10 % of the neurons
flipped, permutation schedule, 100 cues (every pattern twice), info-level events
written as JSON lines to a file. A recall is timed from its `trial_started`
event to its `trial_finished` event (board reset, the recall itself, the result).
"""

from __future__ import annotations

import asyncio
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import IO, Any

import numpy as np
import structlog

from neurosim import api
from neurosim.events import Event, TrialFinished, TrialStarted
from neurosim.logs import StructlogSink, json_logger
from neurosim.scenarios.loader import parse_scenario

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


class _TimingSink:
    """Passes records on and notes the wall time of each trial's start and finish."""

    def __init__(self, inner: StructlogSink) -> None:
        self._inner = inner
        self.started: dict[int, float] = {}
        self.durations: list[float] = []
        self.flips: list[int] = []
        self.recalled: list[bool] = []

    @property
    def verbose(self) -> bool:
        return self._inner.verbose

    def emit(self, event: Event) -> None:
        if isinstance(event, TrialStarted):
            self._inner.emit(event)
            self.started[event.trial] = time.perf_counter()
            return
        if isinstance(event, TrialFinished):
            self.durations.append(time.perf_counter() - self.started[event.trial])
            self.flips.append(event.flips)
            self.recalled.append(event.recalled is not None)
        self._inner.emit(event)


def measure_actor_recall(cues: int = 100, loop_factory: api.LoopFactory | None = None) -> dict[str, Any]:
    """Run the benchmark workload on the actor engine and return its figures."""
    repeats = max(1, -(-cues // PATTERNS))
    text = _SCENARIO.format(patterns=PATTERNS, neurons=NEURONS, flip=FLIP_FRACTION, repeats=repeats)
    scenario = parse_scenario(text, "bench.yaml")
    with tempfile.TemporaryDirectory() as tmp, (Path(tmp) / "events.jsonl").open("w") as events:
        sink = _TimingSink(StructlogSink(json_logger(events, "info"), None))
        with structlog.contextvars.bound_contextvars(run_id="bench"):
            api.run_scenario(scenario, sink, loop_factory=loop_factory)
        events.flush()
        log_bytes = events.tell()
    ms = np.array(sink.durations[:cues]) * 1e3
    return {
        "workload": f"N={NEURONS}, P={PATTERNS}, {FLIP_FRACTION:.0%} flipped, permutation, {len(ms)} cues, "
        "info events to a file",
        "ms_per_recall_median": round(float(statistics.median(ms)), 3),
        "ms_per_recall_p10": round(float(np.percentile(ms, 10)), 3),
        "ms_per_recall_p90": round(float(np.percentile(ms, 90)), 3),
        "flips_per_recall_mean": round(float(np.mean(sink.flips[:cues])), 1),
        "recalled_fraction": round(float(np.mean(sink.recalled[:cues])), 3),
        "event_log_bytes": log_bytes,
    }


def run_bench(*, cues: int = 100, as_json: bool = False, out: IO[str]) -> int:
    """Run the benchmark on the default event loop (and on asyncio's, if that is another) and print the figures."""
    default = api.default_loop_factory()
    loops = {_loop_name(default): default}
    loops.setdefault("asyncio", asyncio.new_event_loop)
    figures: dict[str, Any] = {"python": platform.python_version(), "default_event_loop": _loop_name(default)}
    for name, factory in loops.items():
        figures[f"actors_{name}"] = measure_actor_recall(cues, factory)
    if as_json:
        print(json.dumps(figures), file=out)
        return 0
    first = figures[f"actors_{_loop_name(default)}"]
    print(f"workload: {first['workload']} (Python {figures['python']})", file=out)
    for name in loops:
        f = figures[f"actors_{name}"]
        default_mark = " (default)" if name == figures["default_event_loop"] else ""
        print(
            f"actor engine on {name}{default_mark}: median {f['ms_per_recall_median']} ms per recall "
            f"(p10 {f['ms_per_recall_p10']}, p90 {f['ms_per_recall_p90']}); "
            f"{f['flips_per_recall_mean']} flips per recall",
            file=out,
        )
    return 0


def _loop_name(factory: api.LoopFactory) -> str:
    return "uvloop" if factory.__module__.startswith("uvloop") else "asyncio"
