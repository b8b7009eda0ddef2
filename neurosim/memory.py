"""Whether a scenario can run here, known before running: its engine takes it, and it fits in memory.

`refusal` is the one definition of what `neurosim run` refuses before it
builds anything, and `neurosim validate` asks it too, so the two refuse the
same scenarios with the same line. The memory a run needs is estimated from
the scenario's sizes alone (`neurosim.model.memory`) and compared with the
memory the machine has available.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence

from neurosim import engines
from neurosim.api import STORED_PATTERNS_LIMIT
from neurosim.engines.sharded.plan import Sharding
from neurosim.model import memory
from neurosim.model.learning import DENSE_LIMIT
from neurosim.model.memory import EngineKind, Estimate, Sizes
from neurosim.scenarios.spec import Scenario
from neurosim.scenarios.sweep import Point

#: A run may take at most this share of the memory available when it starts: the rest is left to the
#: system, the page cache and the other processes, and covers the estimate's own error.
HEADROOM = 0.8
#: `validate` learns the couplings (to find patterns a rule cannot store) only when learning needs at
#: most this many floating-point operations (about a second) and the run at most `VALIDATE_BYTES`.
VALIDATE_OPERATIONS = 2e9
VALIDATE_BYTES = 1 << 30


def available_bytes() -> int | None:
    """The memory the machine can give a new run now (MemAvailable), or None when it does not say."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return None


def cores() -> int:
    """The cores this process may run on."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else os.cpu_count() or 1


def sizes(scenario: Scenario) -> Sizes:
    """The sizes of a run of `scenario`, read from the scenario alone (nothing is built)."""
    origin: memory.Origin = "learned"
    if scenario.problem is not None:
        origin = "problem"
    elif scenario.saved is not None:
        origin = "saved"
    elif scenario.weights is not None:
        origin = "given"
    entries = scenario.neurons * len(scenario.pattern_names)
    return Sizes(
        neurons=scenario.neurons,
        patterns=len(scenario.pattern_names),
        rule=scenario.rule,
        origin=origin,
        trials=scenario.trial_count,
        max_wakeups=scenario.dynamics.max_sweeps * scenario.neurons,
        symmetric=scenario.symmetric,
        recorded=entries if entries <= STORED_PATTERNS_LIMIT else 0,
        synapses=_synapses(scenario),
    )


def _synapses(scenario: Scenario) -> float:
    """A diluted network's synapses per neuron (0: not diluted)."""
    if scenario.saved is not None and scenario.saved.sparse is not None:
        return scenario.saved.sparse.synapses / scenario.neurons
    return 0.0 if scenario.connectivity is None else scenario.connectivity.mean_degree(scenario.neurons)


def needed(scenario: Scenario, engine: EngineKind, points: Sequence[Point] = (), workers: int = 1) -> Estimate:
    """The memory a run needs; for a sweep, its largest point times the workers that run at once."""
    if not points:
        return memory.estimate(sizes(scenario), engine)
    running = max(1, min(workers, cores(), len(points)))
    scenarios = {id(p.scenario): p.scenario for p in points}  # the seeds of a grid point share its scenario
    largest = max((sizes(s) for s in scenarios.values()), key=lambda s: memory.estimate(s, engine).bytes)
    return memory.estimate(largest, engine, workers=running)


def refusal(
    scenario: Scenario,
    engine: EngineKind,
    points: Sequence[Point] = (),
    workers: int | None = None,
    *,
    sharding: Sharding | None = None,
    cluster: bool = False,
) -> str | None:
    """Why `neurosim run` would refuse `scenario` on `engine` before running it (None: it would run).

    `points` are a sweep's points (each is checked against the engine), `workers`
    the sweep's requested worker processes (None: one per core). A sharded run
    (`sharding`) must fit here whole, or, on a `cluster`, its coordinator must.
    """
    where = scenario.path if scenario.path is not None else scenario.name
    for point in points:
        graded = point.scenario.dynamics.graded
        problem = engines.engine_problem(engine, point.scenario.rule, point.scenario.neurons, graded=graded)
        if problem is not None:
            shown = ", ".join(f"{k} = {v!r}" for k, v in point.params.items())
            return f"{where}: with {shown}: {problem}"
    problem = engines.engine_problem(engine, scenario.rule, scenario.neurons, graded=scenario.dynamics.graded)
    if problem is not None:
        return f"{where}: {problem}"
    if sharding is None:
        estimate = needed(scenario, engine, points, workers or cores())
    else:
        split = memory.sharded_estimate(sizes(scenario), sharding.shards, scenario.dynamics.delay, engine)
        estimate = split.coordinator if cluster else split.on_one_machine(sharding.backend == "local")
    available = available_bytes()
    if available is None or estimate.bytes <= HEADROOM * available:
        return None
    return (
        f"{where}: needs about {estimate.describe()} but {memory.gib(available)} GiB are available"
        f" (a run may take {HEADROOM:.0%} of it)"
    )


def learning_operations(scenario: Scenario) -> float:
    """Floating-point operations learning the couplings takes at most (0: nothing is learned)."""
    if scenario.problem is not None or scenario.weights is not None or scenario.saved is not None:
        return 0.0
    n, p = float(scenario.neurons), float(len(scenario.pattern_names))
    params = dict(scenario.learning_params)
    rule = scenario.learning
    if scenario.connectivity is not None:  # one pass over the synapses, 64 patterns to a word
        return n * scenario.connectivity.mean_degree(scenario.neurons) * (1.0 + p / 64.0)
    if rule == "hebbian":  # low-rank couplings above the dense limit are the patterns themselves
        return n * n * p if scenario.neurons <= DENSE_LIMIT else 0.0
    if rule == "storkey":
        return 6.0 * p * n * n
    if rule == "pseudoinverse":
        return n * p * p + n * n * p + p**3
    if rule == "perceptron":  # every epoch may visit every pattern and update every row
        return params.get("max_epochs", 1000.0) * p * 3.0 * n * n
    if rule == "daydreaming":  # each dream relaxes for up to max_sweeps sweeps of N² operations
        epochs, sweeps = params.get("epochs", 20.0), params.get("max_sweeps", 100.0)
        return n * n * p + epochs * p * (sweeps + 2.0) * n * n
    return 0.0


def quick_to_learn(scenario: Scenario) -> bool:
    """Whether `validate` may learn the couplings: few operations, little memory."""
    operations = learning_operations(scenario)
    fits = memory.estimate(sizes(scenario), "actors").bytes <= VALIDATE_BYTES
    return math.isfinite(operations) and operations <= VALIDATE_OPERATIONS and fits
