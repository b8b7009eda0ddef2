"""`neurosim bench --scale`: a diluted network at scale, on each engine, in a process of its own.

Workload (the defaults): N = 1,000,000 neurons, K = 1,000 symmetric synapses
each (10⁹ synapses), P = 50 random patterns, one recall of p0 from 10 % of the
neurons flipped, permutation schedule. Each engine runs in a fresh process, so
that its peak resident memory is its own: the scenario's memory is estimated
first (and refused when it does not fit), the network is built (graph and
weights, timed), and one recall runs through the normal run path with events
discarded, timed from `trial_started` to `trial_finished` (the start's fields,
the recall, the result).

With `--shards S` the workload is the sharded one (poisson schedule, delay 1,
as sharding needs) and the two measurements are the kernel in one process and
S shards on a local Ray instance, each shard drawing its own rows: the setup
(starting the actors, drawing and learning the rows), the recall, the windows,
the flips exchanged, the time spent waiting for the shards, and the peak
memory of every shard and of the coordinator.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from typing import IO, Any

from neurosim import api, memory
from neurosim.bench import TimingSink
from neurosim.engines.sharded import Sharding, ShardStats
from neurosim.errors import NeurosimError
from neurosim.events import NullSink
from neurosim.model.sparse import SparseCouplings
from neurosim.network import build_network
from neurosim.results import RunResult
from neurosim.scenarios.loader import parse_scenario
from neurosim.scenarios.spec import Scenario

NEURONS, IN_DEGREE, PATTERNS = 1_000_000, 1_000, 50
ENGINES: tuple[api.EngineName, ...] = ("kernel", "actors")
#: The dynamics of each workload: the plain one, and the sharded one (a delay for the windows).
PLAIN, DELAYED = "  schedule: permutation", "  schedule: poisson\n  delay: 1.0"

_SCENARIO = """\
name: scale
seed: 1
patterns:
  random: {{count: {patterns}, size: {neurons}}}
network:
  connectivity: {{in_degree: {in_degree}}}
dynamics:
{dynamics}
trials:
  - cue: p0
    noise: {{flip_fraction: 0.1}}
"""


def _scenario(neurons: int, in_degree: int, patterns: int, dynamics: str) -> Scenario:
    text = _SCENARIO.format(neurons=neurons, in_degree=in_degree, patterns=patterns, dynamics=dynamics)
    return parse_scenario(text, "scale.yaml")


def measure(
    engine: api.EngineName, neurons: int, in_degree: int, patterns: int, dynamics: str = PLAIN
) -> dict[str, Any]:
    """Build the workload's network and recall once on `engine`, in this process; returns the figures."""
    scenario = _scenario(neurons, in_degree, patterns, dynamics)
    refused = memory.refusal(scenario, engine)
    if refused is not None:
        raise NeurosimError(refused)
    estimate = memory.needed(scenario, engine)
    began = time.perf_counter()
    network = build_network(scenario)
    built = time.perf_counter() - began
    couplings = network.couplings
    assert isinstance(couplings, SparseCouplings)
    sink = TimingSink(NullSink())
    result = api.run_scenario(scenario, sink, engine=engine, network=network)
    figures = _recalled(engine, scenario, result, sink)
    [trial] = result.trials
    return figures | {
        "synapses": couplings.synapses,
        "build_s": round(built, 1),
        "wakeups_per_s": round(trial.wakeups / sink.durations[0]),
        "hamming_p0": trial.hamming,
        "peak_rss_gib": _peak_gib(),
        "estimated_gib": round(estimate.bytes / 2**30, 2),
        "bytes_per_synapse": round(couplings.nbytes / couplings.synapses, 2),
    }


def measure_sharded(engine: api.EngineName, shards: int, neurons: int, in_degree: int, patterns: int) -> dict[str, Any]:
    """Recall once on `shards` shards of `engine` on a local Ray instance, each drawing its own rows; the figures."""
    from neurosim.backends import ray_tasks  # noqa: PLC0415 - Ray only for this measurement

    scenario = _scenario(neurons, in_degree, patterns, DELAYED)
    stats = ShardStats()
    sink = TimingSink(NullSink())
    with ray_tasks.connected(None):
        result = api.run_scenario(scenario, sink, engine=engine, sharding=Sharding(shards, "ray", stats))
    return _recalled(f"{engine}, {shards} shards on Ray", scenario, result, sink) | {
        "setup_s": round(stats.setup_s, 1),
        "windows": stats.windows,
        "exchanged": stats.exchanged,
        "most_exchanged": stats.most_exchanged,
        "waiting_s": round(stats.waiting_s, 2),
        "shard_peak_gib": [round(b / 2**30, 2) for b in stats.peak_bytes],
        "coordinator_peak_gib": _peak_gib(),
    }


def _recalled(label: str, scenario: Scenario, result: RunResult, sink: TimingSink) -> dict[str, Any]:
    """What every measurement reports of its one recall: the workload, the time, and what the recall did."""
    [trial] = result.trials
    return {
        "engine": label,
        "neurons": scenario.neurons,
        "in_degree": scenario.connectivity.in_degree if scenario.connectivity is not None else 0,
        "patterns": len(scenario.pattern_names),
        "recall_s": round(sink.durations[0], 2),
        "wakeups": trial.wakeups,
        "flips": trial.flips,
        "status": trial.status,
        "overlap_p0": trial.overlaps.get("p0"),
    }


def _peak_gib() -> float:
    """This process's peak resident memory so far, in GiB."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2)


def run_scale(
    neurons: int = 0,
    in_degree: int = 0,
    *,
    as_json: bool,
    out: IO[str],
    patterns: int = PATTERNS,
    shards: int | None = None,
    engine: api.EngineName = "kernel",
) -> int:
    """Measure each engine (or one process and `shards` shards) in a child process each; print the figures."""
    neurons, in_degree = neurons or NEURONS, in_degree or IN_DEGREE
    if neurons < 3 or in_degree < 2 or in_degree % 2 or in_degree > neurons - 2:
        raise NeurosimError(
            f"--scale needs N ≥ 3 and an even K between 2 and N − 2, not N = {neurons}, K = {in_degree}"
        )
    if shards is not None and not 1 <= shards <= neurons:
        raise NeurosimError(f"--shards must be between 1 and the network's {neurons} neurons")
    sizes = [str(neurons), str(in_degree), str(patterns)]
    if shards:
        runs = [[engine, *sizes, "0"], [engine, *sizes, str(shards)]]
    else:
        runs = [[engine, *sizes, ""] for engine in ENGINES]
    figures = [_child(run) for run in runs]
    if as_json:
        print(json.dumps(figures), file=out)
        return 0
    first = figures[0]
    workload = "poisson, delay 1" if shards else "permutation"
    print(
        f"scale workload: N={first['neurons']:,}, K={first['in_degree']:,} symmetric synapses each "
        f"({first['synapses']:,} in all), P={first['patterns']}, 10% flipped, {workload}; one process each",
        file=out,
    )
    for f in figures:
        if "windows" in f:
            print(
                f"  {f['engine']}: setup {f['setup_s']} s (actors started, rows drawn and learned), recall "
                f"{f['recall_s']} s ({f['wakeups']:,} wake-ups, {f['flips']:,} flips, {f['status']}, overlap with p0 "
                f"{f['overlap_p0']}), {f['windows']} windows, {f['exchanged']:,} flips exchanged (at most "
                f"{f['most_exchanged']:,} in a window), {f['waiting_s']} s waiting for the shards, peak memory "
                f"{' and '.join(map(str, f['shard_peak_gib']))} GiB per shard, {f['coordinator_peak_gib']} GiB "
                "coordinator",
                file=out,
            )
            continue
        print(
            f"  {f['engine']}: build {f['build_s']} s, recall {f['recall_s']} s ({f['wakeups']:,} wake-ups, "
            f"{f['wakeups_per_s']:,} per second, {f['flips']:,} flips, {f['status']}, overlap with p0 "
            f"{f['overlap_p0']}), peak memory {f['peak_rss_gib']} GiB (estimated {f['estimated_gib']} GiB), "
            f"{f['bytes_per_synapse']} bytes per synapse",
            file=out,
        )
    return 0


def _child(argv: list[str]) -> dict[str, Any]:
    """One measurement in a fresh process (`main`), so that its peak memory is its own."""
    child = subprocess.run([sys.executable, "-m", "neurosim.scale", *argv], capture_output=True, text=True, check=False)
    lines = child.stdout.strip().splitlines()
    if child.returncode != 0 or not lines:
        last = (child.stderr.strip().splitlines() or ["no output"])[-1]
        raise NeurosimError(f"the {argv[0]} measurement failed: {last}")
    figures: dict[str, Any] = json.loads(lines[-1])
    return figures


def main(argv: list[str]) -> int:
    """The child process: measure one engine (SHARDS "": plain; 0: one process, delayed; S: S shards)."""
    engine, neurons, in_degree, patterns, shards = argv
    if engine not in ENGINES:
        raise SystemExit(f"unknown engine {engine!r}")
    sizes = int(neurons), int(in_degree), int(patterns)
    if shards == "":
        figures = measure(engine, *sizes)
    elif shards == "0":
        figures = measure(engine, *sizes, DELAYED)
    else:
        figures = measure_sharded(engine, int(shards), *sizes)
    print(json.dumps(figures), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
