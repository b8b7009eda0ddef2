"""The composition root: scenario → network → engine → results.

Seeding (DESIGN.md, "Reproducibility"): the scenario seed is the entropy of a
`numpy.random.SeedSequence`; every consumer draws from its own spawn key, so
no two share a stream and none depends on the order in which others ran:

- (0, k): random pattern source k;
- (1, trial, 0): the trial's noise; (1, trial, 1): its schedule (the permutation
  stream, or the keys of the neurons' Poisson clocks); (1, trial, 2): the keys
  of the neurons' own streams.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from neurosim.errors import RunInterrupted, ScenarioError
from neurosim.events import NullSink, RunFinished, RunStarted, TrialFinished, TrialStarted
from neurosim.model import schedules
from neurosim.model.couplings import Couplings
from neurosim.model.energy import energy, hamming, overlaps
from neurosim.model.learning import hebbian
from neurosim.model.patterns import PatternSet, random_patterns
from neurosim.model.schedules import Batch, ScheduleKind
from neurosim.model.streams import stream_keys
from neurosim.results import RunResult, TrialResult
from neurosim.runtime.coordinator import Coordinator, Outcome
from neurosim.scenarios.spec import Scenario
from neurosim.typing import EventSink, Spins

_PATTERNS, _TRIALS = 0, 1
_NOISE, _SCHEDULE, _NEURONS = 0, 1, 2


@dataclass(frozen=True, slots=True, eq=False)
class Network:
    """The stored patterns and the couplings learned from them."""

    patterns: PatternSet
    couplings: Couplings


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
    patterns = PatternSet(scenario.pattern_names, np.vstack(blocks), scenario.glyph_shape)
    if scenario.learning != "hebbian":
        raise ScenarioError(f"unknown learning rule {scenario.learning!r}", file=scenario.path, key="network.learning")
    couplings = hebbian(patterns)
    if scenario.biases is not None:
        couplings = Couplings(couplings.matrix, couplings.divisor, scenario.biases, couplings.rule)
    return Network(patterns, couplings)


def prepare_trials(scenario: Scenario, network: Network, seed: int | None = None) -> list[PreparedTrial]:
    """Expand the scenario's trials (cues × repeats) and draw each one's noise."""
    seed = scenario.seed if seed is None else seed
    patterns = network.patterns
    out: list[PreparedTrial] = []
    for spec in scenario.trials:
        for target, given in zip(spec.targets, spec.starts, strict=True):
            if given is None:
                assert target is not None  # the loader gives a target wherever no state is given
                base = patterns.get(target)
            else:
                base = given
            if target is None:
                target = patterns.names[int(np.argmax(overlaps(patterns, base)))]
            for repeat in range(spec.repeats):
                index = len(out)
                rng = np.random.Generator(np.random.PCG64(_stream(seed, _TRIALS, index, _NOISE)))
                start = spec.noise.apply(base, rng)
                flipped = hamming(start, patterns.get(target))
                out.append(PreparedTrial(index, target, repeat, start, flipped))
    return out


def trial_schedule(kind: ScheduleKind, size: int, seed: int, trial: int) -> Iterator[Batch]:
    """The wake-up schedule of one trial."""
    key = _stream(seed, _TRIALS, trial, _SCHEDULE)
    if kind is ScheduleKind.PERMUTATION:
        return schedules.permutation(size, np.random.Generator(np.random.PCG64(key)))
    return schedules.poisson(stream_keys(key, size))


def _trial_result(prepared: PreparedTrial, outcome: Outcome, network: Network, energy_initial: float) -> TrialResult:
    patterns = network.patterns
    final = outcome.final_state
    m = overlaps(patterns, final)
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
        energy_final=float(outcome.energy),
        recalled=patterns.match(final),
        overlaps={name: float(v) for name, v in zip(patterns.names, m, strict=True)},
        hamming=None if prepared.target is None else hamming(final, patterns.get(prepared.target)),
        final_state=tuple(final.tolist()),
    )


async def run_scenario_async(
    scenario: Scenario,
    sink: EventSink | None = None,
    *,
    seed: int | None = None,
    finished: list[TrialResult] | None = None,
) -> RunResult:
    """Run every trial of `scenario` on neuron actors; finished trials are appended to `finished`."""
    sink = sink or NullSink()
    seed = scenario.seed if seed is None else seed
    finished = [] if finished is None else finished
    network = build_network(scenario, seed)
    trials = prepare_trials(scenario, network, seed)
    size = network.patterns.size
    kind = scenario.dynamics.schedule
    wall_start = time.perf_counter()
    sink.emit(
        RunStarted(
            scenario=scenario.name,
            seed=seed,
            neurons=size,
            patterns=network.patterns.names,
            schedule=kind.value,
            engine="actors",
            reproducible=True,
            started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
    )
    status = "failed"
    try:
        async with Coordinator(network.couplings, sink) as coordinator, _collector_paused():
            for prepared in trials:
                e0 = energy(network.couplings, prepared.start)
                sink.emit(
                    TrialStarted(
                        trial=prepared.index,
                        cue=prepared.target,
                        repeat=prepared.repeat,
                        flipped=prepared.flipped,
                        energy=e0,
                    )
                )
                outcome = await coordinator.recall(
                    prepared.index,
                    prepared.start,
                    trial_schedule(kind, size, seed, prepared.index),
                    scenario.dynamics.max_sweeps * size,
                )
                result = _trial_result(prepared, outcome, network, e0)
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
                    )
                )
                finished.append(result)
        status = "completed"
    except asyncio.CancelledError:
        status = "interrupted"
        raise
    finally:
        run = _run_result(scenario, seed, finished, status)
        sink.emit(
            RunFinished(
                status=status,
                trials=len(finished),
                recall_rate=run.recall_rate,
                elapsed_s=round(time.perf_counter() - wall_start, 6),
            )
        )
    return run


@contextlib.asynccontextmanager
async def _collector_paused() -> AsyncIterator[None]:
    """Pause the cyclic garbage collector while neurons run.

    With thousands of live tasks every collection walks them all, which makes a
    run 2-4 times slower (DESIGN.md); the runtime creates no reference cycles per
    wake-up, so pausing it only delays freeing a few cycles until the run ends.
    """
    was_enabled = gc.isenabled()
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        if was_enabled:
            gc.enable()


def _run_result(scenario: Scenario, seed: int, trials: list[TrialResult], status: str) -> RunResult:
    return RunResult(
        scenario=scenario.name,
        seed=seed,
        neurons=scenario.neurons,
        patterns=scenario.pattern_names,
        schedule=scenario.dynamics.schedule.value,
        engine="actors",
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
    loop_factory: LoopFactory | None = None,
) -> RunResult:
    """Run `scenario` to the end; raises RunInterrupted (with the finished trials) on Ctrl-C."""
    finished: list[TrialResult] = []
    factory = loop_factory or default_loop_factory()
    try:
        with asyncio.Runner(loop_factory=factory) as runner:
            return runner.run(run_scenario_async(scenario, sink, seed=seed, finished=finished))
    except KeyboardInterrupt:
        used = scenario.seed if seed is None else seed
        raise RunInterrupted(_run_result(scenario, used, finished, "interrupted")) from None
