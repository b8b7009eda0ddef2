"""The run composition: scenario → network → engine → results, with the events of a run.

Building the network lives in `neurosim.network`, the trials and their streams
in `neurosim.trials`, the seed layout in `neurosim.model.seeds`; this module
puts them together and drives an engine through the trials.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime

from neurosim import engines
from neurosim.engines import Engine as Engine  # re-exported: callers name engines through the API
from neurosim.engines import EngineName as EngineName
from neurosim.engines import Recall, open_engine
from neurosim.errors import RunInterrupted
from neurosim.events import CapacityExceeded, NullSink, RunFinished, RunStarted, TrialFinished, TrialStarted
from neurosim.model.capacity import theoretical_capacities
from neurosim.model.energy import energy_from_fields, field_units
from neurosim.model.registry import rule_capacity
from neurosim.network import Network, build_network, save_weights
from neurosim.results import RunResult, TrialResult
from neurosim.scenarios.spec import Scenario
from neurosim.trials import (
    PreparedTrial,
    _trial_result,
    neuron_rates,
    prepare_trials,
    problem_measure,
    spin_tuple,
    trial_keys,
    trial_schedule,
)
from neurosim.typing import Clock, EventSink

__all__ = [  # the network and trial helpers are re-exported: `neurosim.api` is where callers found them
    "Engine", "EngineName", "LoopFactory", "Network", "PreparedTrial", "build_network", "default_loop_factory",
    "engine_problem", "neuron_rates", "open_engine", "prepare_trials", "problem_measure", "run_scenario",
    "run_scenario_async", "save_weights", "spin_tuple", "trial_keys", "trial_schedule",
]  # fmt: skip


def engine_problem(scenario: Scenario, engine: EngineName) -> str | None:
    """Why `engine` cannot run `scenario` (None when it can): checked before anything is written."""
    return engines.engine_problem(engine, scenario.rule, scenario.neurons)


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
    known = rule_capacity(scenario.rule, size, scenario.learning_params)
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
                start_state = spin_tuple(prepared.start)  # once, for the event and the trial's record
                sink.emit(
                    TrialStarted(
                        trial=prepared.index,
                        cue=prepared.target,
                        repeat=prepared.repeat,
                        flipped=prepared.flipped,
                        energy=e0,
                        start_state=start_state,
                    )
                )
                neuron_keys = clock_keys = None
                if dynamics.stochastic or live:  # deriving keys costs ~0.2 ms per family: only when used
                    neuron_keys, clock_keys = (k.tolist() for k in trial_keys(seed, prepared.index, size))
                outcome = await runner.recall(
                    Recall(
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
                )
                measure = problem_measure(scenario, outcome.final_state)
                result = _trial_result(prepared, outcome, network, e0, dynamics, measure, start_state)
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
