"""`neurosim bench --scale`: a diluted network at scale, on each engine, in a process of its own.

Workload (the defaults): N = 1,000,000 neurons, K = 1,000 symmetric synapses
each (10⁹ synapses), P = 50 random patterns, one recall of p0 from 10 % of the
neurons flipped, permutation schedule. Each engine runs in a fresh process, so
that its peak resident memory is its own: the scenario's memory is estimated
first (and refused when it does not fit), the network is built (graph and
weights, timed), and one recall runs through the normal run path with events
discarded, timed from `trial_started` to `trial_finished` (the start's fields,
the recall, the result).
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
from neurosim.errors import NeurosimError
from neurosim.events import NullSink
from neurosim.model.sparse import SparseCouplings
from neurosim.network import build_network
from neurosim.scenarios.loader import parse_scenario

NEURONS, IN_DEGREE, PATTERNS = 1_000_000, 1_000, 50
ENGINES: tuple[api.EngineName, ...] = ("kernel", "actors")

_SCENARIO = """\
name: scale
seed: 1
patterns:
  random: {{count: {patterns}, size: {neurons}}}
network:
  connectivity: {{in_degree: {in_degree}}}
dynamics:
  schedule: permutation
trials:
  - cue: p0
    noise: {{flip_fraction: 0.1}}
"""


def measure(engine: api.EngineName, neurons: int, in_degree: int, patterns: int) -> dict[str, Any]:
    """Build the workload's network and recall once on `engine`, in this process; returns the figures."""
    text = _SCENARIO.format(neurons=neurons, in_degree=in_degree, patterns=patterns)
    scenario = parse_scenario(text, "scale.yaml")
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
    [trial] = result.trials
    recall = sink.durations[0]
    overlap = trial.overlaps.get("p0")
    return {
        "engine": engine,
        "neurons": neurons,
        "in_degree": in_degree,
        "patterns": patterns,
        "synapses": couplings.synapses,
        "build_s": round(built, 1),
        "recall_s": round(recall, 2),
        "wakeups": trial.wakeups,
        "wakeups_per_s": round(trial.wakeups / recall),
        "flips": trial.flips,
        "status": trial.status,
        "overlap_p0": overlap,
        "hamming_p0": trial.hamming,
        "peak_rss_gib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2),
        "estimated_gib": round(estimate.bytes / 2**30, 2),
        "bytes_per_synapse": round(couplings.nbytes / couplings.synapses, 2),
    }


def run_scale(neurons: int = 0, in_degree: int = 0, *, as_json: bool, out: IO[str], patterns: int = PATTERNS) -> int:
    """Measure each engine in a child process, one after the other, and print the figures (0: the default N, K)."""
    neurons, in_degree = neurons or NEURONS, in_degree or IN_DEGREE
    if neurons < 3 or in_degree < 2 or in_degree % 2 or in_degree > neurons - 2:
        raise NeurosimError(
            f"--scale needs N ≥ 3 and an even K between 2 and N − 2, not N = {neurons}, K = {in_degree}"
        )
    figures = []
    for engine in ENGINES:
        child = subprocess.run(
            [sys.executable, "-m", "neurosim.scale", engine, str(neurons), str(in_degree), str(patterns)],
            capture_output=True,
            text=True,
            check=False,
        )
        lines = child.stdout.strip().splitlines()
        if child.returncode != 0 or not lines:
            last = (child.stderr.strip().splitlines() or ["no output"])[-1]
            raise NeurosimError(f"the {engine} measurement failed: {last}")
        figures.append(json.loads(lines[-1]))
    if as_json:
        print(json.dumps(figures), file=out)
        return 0
    first = figures[0]
    print(
        f"scale workload: N={first['neurons']:,}, K={first['in_degree']:,} symmetric synapses each "
        f"({first['synapses']:,} in all), P={first['patterns']}, 10% flipped, permutation; one process per engine",
        file=out,
    )
    for f in figures:
        print(
            f"  {f['engine']}: build {f['build_s']} s, recall {f['recall_s']} s ({f['wakeups']:,} wake-ups, "
            f"{f['wakeups_per_s']:,} per second, {f['flips']:,} flips, {f['status']}, overlap with p0 "
            f"{f['overlap_p0']}), peak memory {f['peak_rss_gib']} GiB (estimated {f['estimated_gib']} GiB), "
            f"{f['bytes_per_synapse']} bytes per synapse",
            file=out,
        )
    return 0


def main(argv: list[str]) -> int:
    """The child process: measure one engine, print one JSON line."""
    engine, neurons, in_degree, patterns = argv
    if engine not in ENGINES:
        raise SystemExit(f"unknown engine {engine!r}")
    figures = measure(engine, int(neurons), int(in_degree), int(patterns))
    print(json.dumps(figures), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
