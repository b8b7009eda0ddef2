"""The composition root: scenario → network → engine → results.

Seeding (docs/conventions.md §10): the scenario seed is the entropy of a
`numpy.random.SeedSequence`; every consumer draws from its own spawn key, so
no two share a stream and none depends on the order in which others ran:

- (0, k): random pattern source k; (2, 0): the neurons' clock rates (drawn once per run);
- (1, trial, 0): the trial's noise; (1, trial, 1): its schedule (the permutation
  stream, or the keys of the neurons' Poisson clocks); (1, trial, 2): the keys
  of the neurons' own streams.
"""

from __future__ import annotations

import asyncio
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from neurosim import engines
from neurosim.engines import EngineName as EngineName  # re-exported: callers name engines through the API
from neurosim.engines import Outcome, open_engine
from neurosim.errors import NeurosimError, RunInterrupted, ScenarioError
from neurosim.events import CapacityExceeded, NullSink, RunFinished, RunStarted, TrialFinished, TrialStarted
from neurosim.model import learning, pcg, schedules
from neurosim.model.capacity import classify, rule_capacity, theoretical_capacities
from neurosim.model.couplings import AnyCouplings, Couplings
from neurosim.model.dense import dense_capacity, dense_memory, modern_memory
from neurosim.model.dynamics import Dynamics, ScheduleKind
from neurosim.model.energy import energy_from_fields, field_units, hamming, overlaps
from neurosim.model.learning import hebbian
from neurosim.model.patterns import PatternSet, random_patterns
from neurosim.model.problems import cut_value, maxcut_couplings, rooks_couplings, rooks_measure
from neurosim.model.streams import U64, stream_keys
from neurosim.model.trajectory import mean_overlaps
from neurosim.results import RunResult, TrialResult
from neurosim.scenarios.loader import SAVED_WEIGHTS_FORMAT
from neurosim.scenarios.spec import MaxCut, Rooks, Scenario
from neurosim.typing import Clock, EventSink, Floats, Spins

_PATTERNS, _TRIALS, _NETWORK = 0, 1, 2
_NOISE, _SCHEDULE, _NEURONS = 0, 1, 2


@dataclass(frozen=True, slots=True, eq=False)
class Network:
    """The stored patterns and the couplings learned from them."""

    patterns: PatternSet
    couplings: AnyCouplings


@dataclass(frozen=True, slots=True, eq=False)
class PreparedTrial:
    """A trial ready to run: its target pattern and its (noisy) starting state."""

    index: int
    target: str | None
    repeat: int
    start: Spins
    flipped: int | None


def _stream(seed: int, *key: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(seed, spawn_key=key)


def build_network(scenario: Scenario, seed: int | None = None) -> Network:
    """Assemble the stored patterns (drawing random ones) and learn the couplings."""
    seed = scenario.seed if seed is None else seed
    blocks: list[Spins] = []
    for k, source in enumerate(scenario.sources):
        if source.matrix is not None:
            blocks.append(source.matrix)
        else:
            rng = np.random.Generator(np.random.PCG64(_stream(seed, _PATTERNS, k)))
            blocks.append(random_patterns(len(source.names), source.size, rng))
    size = scenario.neurons
    matrix = np.vstack(blocks) if blocks else np.zeros((0, size), dtype=np.int8)
    patterns = PatternSet(scenario.pattern_names, matrix, scenario.glyph_shape)
    couplings = _couplings(scenario, patterns, seed)
    if scenario.biases is not None:
        couplings = couplings.with_biases(scenario.biases)
    return Network(patterns, couplings)


def _couplings(scenario: Scenario, patterns: PatternSet, scenario_seed: int) -> AnyCouplings:
    problem = scenario.problem
    if isinstance(problem, MaxCut):
        return maxcut_couplings(problem.nodes, problem.edges)
    if isinstance(problem, Rooks):
        return rooks_couplings(problem.n)
    if scenario.saved is not None:
        saved = scenario.saved
        return Couplings(saved.matrix, saved.divisor, saved.biases, saved.rule)
    if scenario.weights is not None:
        return Couplings(scenario.weights.copy(), 1.0, rule="custom")
    if scenario.learning == "hebbian":
        return hebbian(patterns)
    params = dict(scenario.learning_params)
    rng = np.random.Generator(np.random.PCG64(_stream(scenario_seed, _NETWORK, 1)))
    try:
        if scenario.learning == "storkey":
            return learning.storkey(patterns)
        if scenario.learning == "pseudoinverse":
            return learning.pseudoinverse(patterns)
        if scenario.learning == "perceptron":
            return learning.perceptron(
                patterns, kappa=params.get("kappa", 0.5), max_epochs=int(params.get("max_epochs", 1000)), rng=rng
            )
        if scenario.learning == "modern":
            return modern_memory(patterns.matrix, beta=params.get("beta", 1.0))
        if scenario.learning == "dense":
            degree = None if "exponential" in params else int(params.get("degree", 3))
            return dense_memory(patterns.matrix, degree=degree, beta=params.get("beta", 1.0))
        if scenario.learning == "daydreaming":
            return learning.daydreaming(
                patterns,
                epochs=int(params.get("epochs", 20)),
                rate=params.get("rate", 0.1),
                max_sweeps=int(params.get("max_sweeps", 100)),
                rng=rng,
            )
    except ValueError as exc:  # a rule that cannot store these patterns says why
        raise ScenarioError(str(exc), file=scenario.path, line=scenario.learning_line, key="network.learning") from None
    raise ScenarioError(f"unknown learning rule {scenario.learning!r}", file=scenario.path, key="network.learning")


def problem_measure(scenario: Scenario, state: Spins) -> dict[str, Any] | None:
    """The problem's own measure of a final state (None for associative memories)."""
    problem = scenario.problem
    if isinstance(problem, MaxCut):
        return {"problem": "maxcut", "cut": cut_value(state, problem.edges), "edges": int(problem.edges.shape[0])}
    if isinstance(problem, Rooks):
        return {"problem": "rooks", "n": problem.n, **rooks_measure(state, problem.n)}
    return None


def save_weights(path: str | Path, scenario: Scenario, network: Network) -> None:
    """Write the network's couplings with what they were learned from (`--save-weights`)."""
    couplings = network.couplings
    if not couplings.dense:
        raise NeurosimError(f"{couplings.size} neurons keep low-rank couplings; there is no matrix to save")
    assert isinstance(couplings, Couplings)
    assert couplings.biases is not None
    with Path(path).open("wb") as f:
        np.savez(
            f,
            format=np.array(SAVED_WEIGHTS_FORMAT),
            matrix=couplings.matrix,
            divisor=np.array(couplings.divisor),
            biases=couplings.biases,
            rule=np.array(scenario.rule),
            neurons=np.array(couplings.size),
            patterns=np.array(network.patterns.names, dtype=str),
        )


def prepare_trials(scenario: Scenario, network: Network, seed: int | None = None) -> list[PreparedTrial]:
    """Expand the scenario's trials (cues × repeats) and draw each one's noise."""
    seed = scenario.seed if seed is None else seed
    patterns = network.patterns
    out: list[PreparedTrial] = []
    for spec in scenario.trials:
        for given_target, given in zip(spec.targets, spec.starts, strict=True):
            for repeat in range(spec.repeats):
                index = len(out)
                rng = np.random.Generator(np.random.PCG64(_stream(seed, _TRIALS, index, _NOISE)))
                if spec.random_start:  # a fresh uniform random state for every repeat
                    base = random_patterns(1, patterns.size, rng)[0]
                elif given is None:
                    assert given_target is not None  # the loader gives a target wherever no state is given
                    base = patterns.get(given_target)
                else:
                    base = given
                target = given_target
                if target is None and patterns.count:  # the stored pattern nearest to the start
                    target = patterns.names[int(np.argmax(overlaps(patterns, base)))]
                start = spec.noise.apply(base, rng)
                flipped = None if target is None else hamming(start, patterns.get(target))
                out.append(PreparedTrial(index, target, repeat, start, flipped))
    return out


def engine_problem(scenario: Scenario, engine: EngineName) -> str | None:
    """Why `engine` cannot run `scenario` (None when it can): checked before anything is written."""
    return engines.engine_problem(engine, scenario.rule, scenario.neurons)


def neuron_rates(scenario: Scenario, seed: int | None = None) -> Floats | None:
    """The neurons' Poisson clock rates (None: all 1), drawn once per run from the network stream."""
    rates = scenario.dynamics.rates
    if rates is None:
        return None
    seed = scenario.seed if seed is None else seed
    return rates.draw(scenario.neurons, np.random.Generator(np.random.PCG64(_stream(seed, _NETWORK, 0))))


def trial_schedule(
    dynamics: Dynamics, size: int, seed: int, trial: int, rates: Floats | None = None
) -> schedules.Schedule:
    """The wake-up schedule of one trial."""
    kind = dynamics.schedule
    if kind is ScheduleKind.POISSON:
        return schedules.poisson(stream_keys(_stream(seed, _TRIALS, trial, _SCHEDULE), size), rates)
    if kind is ScheduleKind.PERMUTATION:  # the PCG64 stream of that spawn key, drawn by compiled code
        return schedules.permutation(size, pcg.stream(seed, _TRIALS, trial, _SCHEDULE))
    if kind is ScheduleKind.UNIFORM:
        return schedules.uniform(size, pcg.stream(seed, _TRIALS, trial, _SCHEDULE))
    if kind is ScheduleKind.SEQUENTIAL:
        return schedules.sequential(size)
    return schedules.synchronous(size)


def trial_keys(seed: int, trial: int, size: int) -> tuple[U64, U64]:
    """The keys of the neurons' own streams and of their Poisson clocks for one trial."""
    return (
        stream_keys(_stream(seed, _TRIALS, trial, _NEURONS), size),
        stream_keys(_stream(seed, _TRIALS, trial, _SCHEDULE), size),
    )


def spin_tuple(state: Spins) -> tuple[int, ...]:
    """A state as a tuple of ints (struct unpacks the bytes in C: ~40 % faster than `tuple(state.tolist())`)."""
    values: tuple[int, ...] = struct.unpack(f"{state.size}b", np.ascontiguousarray(state, dtype=np.int8).data)
    return values


def _trial_result(
    prepared: PreparedTrial,
    outcome: Outcome,
    network: Network,
    energy_initial: float,
    dynamics: Dynamics,
    measure: dict[str, Any] | None = None,
) -> TrialResult:
    patterns = network.patterns
    final = outcome.final_state
    m = overlaps(patterns, final).tolist()
    mean = None
    if dynamics.stochastic and outcome.t > 0.0:
        averaged = mean_overlaps(
            patterns,
            prepared.start,
            outcome.flip_times,
            outcome.flip_neurons,
            outcome.flip_states,
            outcome.t / 2,
            outcome.t,
        )
        mean = {name: float(v) for name, v in zip(patterns.names, averaged, strict=True)}
    return TrialResult(
        trial=prepared.index,
        cue=prepared.target,
        repeat=prepared.repeat,
        flipped=prepared.flipped,
        status=outcome.status,
        t=outcome.t,
        sweeps=outcome.wakeups / patterns.size,
        wakeups=outcome.wakeups,
        flips=outcome.flips,
        energy_initial=energy_initial,
        energy_final=outcome.energy,
        energy_rises=outcome.energy_rises,
        period=outcome.period,
        recalled=patterns.match(final, m),
        final_kind=classify(m) if patterns.count else None,
        measure=measure,
        overlaps=dict(zip(patterns.names, m, strict=True)),
        mean_overlaps=mean,
        hamming=None if prepared.target is None else hamming(final, patterns.get(prepared.target)),
        final_state=spin_tuple(final),
    )


async def run_scenario_async(
    scenario: Scenario,
    sink: EventSink | None = None,
    *,
    seed: int | None = None,
    engine: EngineName = "actors",
    clock: Clock | None = None,
    finished: list[TrialResult] | None = None,
    network: Network | None = None,
) -> RunResult:
    """Run every trial of `scenario`; finished trials are appended to `finished`.

    Args:
        engine: "actors" (one asyncio task per neuron) or "kernel" (the compiled
            loop that replays the same schedule).
        clock: a `WallClock` for live mode (actors only); virtual time by default.
    """
    sink = sink or NullSink()
    seed = scenario.seed if seed is None else seed
    finished = [] if finished is None else finished
    network = build_network(scenario, seed) if network is None else network
    trials = prepare_trials(scenario, network, seed)
    rates = neuron_rates(scenario, seed)
    size = network.patterns.size
    dynamics = scenario.dynamics
    live = clock is not None and clock.paced
    wall_start = time.perf_counter()
    sink.emit(
        RunStarted(
            scenario=scenario.name,
            seed=seed,
            neurons=size,
            patterns=network.patterns.names,
            schedule=dynamics.schedule.value,
            engine=engine,
            reproducible=not live,
            started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
    )
    known = rule_capacity(scenario.rule, size)
    if scenario.rule == "dense" and "exponential" not in dict(scenario.learning_params):
        degree = int(dict(scenario.learning_params).get("degree", 3))
        source = f"N^(n-1) / (2 (2n-3)!! ln N) with n = {degree} (Krotov & Hopfield 2016)"
        known = dense_capacity(size, degree), source
    if known is not None and network.patterns.count > known[0]:
        sink.emit(
            CapacityExceeded(
                rule=scenario.rule,
                patterns=network.patterns.count,
                neurons=size,
                limit=round(known[0], 2),
                source=known[1],
            )
        )
    status = "failed"
    try:
        async with open_engine(engine, network.couplings, sink, dynamics, clock) as runner:
            for prepared in trials:
                fields = field_units(network.couplings, prepared.start)  # once, for the energy and the engine
                energy = energy_from_fields(network.couplings, prepared.start, fields)
                e0 = energy / network.couplings.divisor
                sink.emit(
                    TrialStarted(
                        trial=prepared.index,
                        cue=prepared.target,
                        repeat=prepared.repeat,
                        flipped=prepared.flipped,
                        energy=e0,
                    )
                )
                neuron_keys = clock_keys = None
                if dynamics.stochastic or live:  # deriving keys costs ~0.2 ms per family: only when used
                    neuron_keys, clock_keys = (k.tolist() for k in trial_keys(seed, prepared.index, size))
                outcome = await runner.recall(
                    prepared.index,
                    prepared.start,
                    trial_schedule(dynamics, size, seed, prepared.index, rates),
                    dynamics.max_sweeps * size,
                    stream_keys=neuron_keys,
                    clock_keys=clock_keys,
                    rates=rates,
                    start_fields=fields,
                    start_energy=energy,
                )
                measure = problem_measure(scenario, outcome.final_state)
                result = _trial_result(prepared, outcome, network, e0, dynamics, measure)
                sink.emit(
                    TrialFinished(
                        trial=result.trial,
                        status=result.status,
                        t=result.t,
                        sweeps=result.sweeps,
                        wakeups=result.wakeups,
                        flips=result.flips,
                        energy=result.energy_final,
                        recalled=result.recalled,
                        period=result.period,
                    )
                )
                finished.append(result)
        status = "completed"
    except asyncio.CancelledError:
        status = "interrupted"
        raise
    finally:
        run = _run_result(scenario, seed, finished, status, engine, network)
        sink.emit(
            RunFinished(
                status=status,
                trials=len(finished),
                recall_rate=run.recall_rate,
                elapsed_s=round(time.perf_counter() - wall_start, 6),
            )
        )
    return run


#: summary.json records the stored patterns while N·P is at most this (for plots and reports).
STORED_PATTERNS_LIMIT = 2_000_000


def _run_result(
    scenario: Scenario,
    seed: int,
    trials: list[TrialResult],
    status: str,
    engine: EngineName = "actors",
    network: Network | None = None,
) -> RunResult:
    stored = None
    if network is not None and network.patterns.matrix.size <= STORED_PATTERNS_LIMIT:
        stored = {n: row.tolist() for n, row in zip(network.patterns.names, network.patterns.matrix, strict=True)}
    return RunResult(
        scenario=scenario.name,
        seed=seed,
        neurons=scenario.neurons,
        patterns=scenario.pattern_names,
        schedule=scenario.dynamics.schedule.value,
        engine=engine,
        temperature=scenario.dynamics.temperature,
        delay=scenario.dynamics.delay,
        learning=scenario.rule,
        capacities=theoretical_capacities(scenario.neurons),
        shape=scenario.glyph_shape,
        stored_patterns=stored,
        max_sweeps=scenario.dynamics.max_sweeps,
        trials=tuple(trials),
        status=status,
    )


LoopFactory = Callable[[], asyncio.AbstractEventLoop]


def default_loop_factory() -> LoopFactory:
    """uvloop's event loop when it is installed (same semantics, faster), else asyncio's."""
    try:
        import uvloop  # noqa: PLC0415 - optional speed-up
    except ImportError:
        return asyncio.new_event_loop
    factory: LoopFactory = uvloop.new_event_loop
    return factory


def run_scenario(
    scenario: Scenario,
    sink: EventSink | None = None,
    *,
    seed: int | None = None,
    engine: EngineName = "actors",
    clock: Clock | None = None,
    loop_factory: LoopFactory | None = None,
    network: Network | None = None,
) -> RunResult:
    """Run `scenario` to the end; raises RunInterrupted (with the finished trials) on Ctrl-C."""
    finished: list[TrialResult] = []
    factory = loop_factory or default_loop_factory()
    used = scenario.seed if seed is None else seed
    network = build_network(scenario, used) if network is None else network
    try:
        with asyncio.Runner(loop_factory=factory) as runner:
            return runner.run(
                run_scenario_async(
                    scenario, sink, seed=seed, engine=engine, clock=clock, finished=finished, network=network
                )
            )
    except KeyboardInterrupt:
        raise RunInterrupted(_run_result(scenario, used, finished, "interrupted", engine, network)) from None
