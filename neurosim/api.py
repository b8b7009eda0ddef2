"""The run composition: scenario → network → engine → results, with the events of a run.

Building the network lives in `neurosim.network`, the trials and their streams
in `neurosim.trials`, the seed layout in `neurosim.model.seeds`; this module
puts them together and drives an engine through the trials.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import signal
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from types import FrameType
from typing import Any

from neurosim import engines, loops
from neurosim.engines import Engine as Engine  # re-exported: callers name engines through the API
from neurosim.engines import EngineFault, Recall, open_engine
from neurosim.engines import EngineName as EngineName
from neurosim.engines.protocol import SumsFields
from neurosim.engines.sharded import Sharding
from neurosim.errors import NeurosimError, RunInterrupted
from neurosim.events import (
    CapacityExceeded,
    NullSink,
    RunFailed,
    RunFinished,
    RunStarted,
    TrialFinished,
    TrialStarted,
)
from neurosim.model import graded
from neurosim.model.capacity import theoretical_capacities
from neurosim.model.couplings import Couplings
from neurosim.model.dense import DenseMemory
from neurosim.model.drawn import DrawnCouplings
from neurosim.model.energy import energy_from_fields, field_units
from neurosim.model.registry import rule_capacity
from neurosim.network import Network, build_network, connectivity_record, network_for, save_weights, unsaveable
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
    "STOP_SIGNALS", "Engine", "EngineName", "LoopFactory", "Network", "PreparedTrial", "RunAborted", "Stop",
    "build_network", "default_loop_factory", "engine_problem", "network_for", "neuron_rates", "open_engine",
    "prepare_trials", "problem_measure", "run_scenario", "run_scenario_async", "save_weights", "spin_tuple",
    "stop_signals", "trial_keys", "trial_schedule", "unsaveable",
]  # fmt: skip


class RunAborted(Exception):
    """A run stopped on an error inside it (a neuron's task raised): `result` holds the trials that finished.

    Not a `NeurosimError`: no input causes it. `error` is its one-line description.
    """

    def __init__(self, result: RunResult, error: str) -> None:
        self.result = result
        self.error = error
        super().__init__(error)


def fault_text(exc: BaseException) -> str:
    """One line naming an error raised inside a run: what part failed, the error's type and message."""
    if isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        return fault_text(exc.exceptions[0])
    if isinstance(exc, EngineFault):
        return str(exc)
    return " ".join(f"{type(exc).__name__}: {exc}".split())  # one line, whatever the message holds


#: The signals that stop a run: Ctrl-C's SIGINT and a scheduler's SIGTERM.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Stop:
    """Which stop signal arrived first (None while none has), and what to do when one arrives."""

    __slots__ = ("on_stop", "signum")

    def __init__(self) -> None:
        self.signum: int | None = None
        #: Called once, at the first stop signal (a running run sets it to cancel itself).
        self.on_stop: Callable[[], None] | None = None

    def request(self, signum: int) -> None:
        """A stop signal arrived: the first is kept and acted on; a second Ctrl-C stops at once."""
        if self.signum is None:
            self.signum = signum
            if self.on_stop is not None:
                self.on_stop()
            return
        if signum == signal.SIGINT:
            raise KeyboardInterrupt


@contextlib.contextmanager
def stop_signals(stop: Stop) -> Iterator[Stop]:
    """While inside, SIGINT and SIGTERM go to `stop.request` (in the main thread; an ignored signal stays ignored)."""
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    previous: dict[int, Callable[[int, FrameType | None], Any] | int] = {}

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.request(signum)

    for stopping in STOP_SIGNALS:
        old = signal.getsignal(stopping)
        if old == signal.SIG_IGN:  # e.g. SIGINT of a background job: the shell meant it
            continue
        previous[stopping] = signal.SIG_DFL if old is None else old
        signal.signal(stopping, handler)
    try:
        yield stop
    finally:
        for signum, restored in previous.items():
            signal.signal(signum, restored)


def engine_problem(scenario: Scenario, engine: EngineName) -> str | None:
    """Why `engine` cannot run `scenario` (None when it can): checked before anything is written."""
    return engines.engine_problem(engine, scenario.rule, scenario.neurons, graded=scenario.dynamics.graded)


async def run_scenario_async(
    scenario: Scenario,
    sink: EventSink | None = None,
    *,
    seed: int | None = None,
    engine: EngineName = "actors",
    clock: Clock | None = None,
    finished: list[TrialResult] | None = None,
    network: Network | None = None,
    sharding: Sharding | None = None,
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
    network = network_for(scenario, seed, sharding) if network is None else network
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
    failure: Exception | None = None
    task = asyncio.current_task()
    try:
        async with open_engine(engine, network.couplings, sink, dynamics, clock, sharding) as runner:
            for prepared in trials:
                if task is not None and task.cancelling():  # a stop between trials: an engine may not yield
                    await asyncio.sleep(0)
                if isinstance(network.couplings, DrawnCouplings):  # no process holds every synapse
                    assert isinstance(runner, SumsFields)
                    fields = await runner.start_fields(prepared.start)
                else:
                    fields = field_units(network.couplings, prepared.start)  # once, for the energy and the engine
                energy = energy_from_fields(network.couplings, prepared.start, fields)
                e0 = energy / network.couplings.divisor
                if dynamics.graded:  # Hopfield's 1984 function, its entropy term included
                    assert isinstance(network.couplings, Couplings | DenseMemory)  # else the engine refused
                    e0 = graded.start_energy(network.couplings, prepared.start, dynamics.gain)
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
    except NeurosimError:
        raise
    except Exception as exc:  # a fault inside the run (a neuron's task raised): it ends as failed
        failure = exc
        sink.emit(RunFailed(error=fault_text(exc)))
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
    if failure is not None:
        raise RunAborted(run, fault_text(failure)) from failure
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
        annealing=None if scenario.dynamics.annealing is None else scenario.dynamics.annealing.describe(),
        delay=scenario.dynamics.delay,
        learning=scenario.rule,
        capacities=theoretical_capacities(scenario.neurons, scenario.connectivity),
        connectivity=connectivity_record(scenario, network),
        # a slow pathway beside symmetric couplings (the sequence rule) is asymmetric and delayed
        energy_lyapunov=scenario.symmetric
        if network is None
        else (network.couplings.symmetric and getattr(network.couplings, "slow", None) is None),
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
    stop: Stop | None = None,
    sharding: Sharding | None = None,
) -> RunResult:
    """Run `scenario` to the end; Ctrl-C or SIGTERM stops it with RunInterrupted (holding the finished trials).

    Args:
        stop: where the caller's `stop_signals` send the stop signals; by default
            the run installs its own for its length. A stop already requested
            stops the run before its first trial.

    Raises:
        RunInterrupted: on a stop signal; `RunAborted` on a fault inside the run.
    """
    finished: list[TrialResult] = []
    factory = loop_factory or default_loop_factory()
    used = scenario.seed if seed is None else seed
    network = network_for(scenario, used, sharding) if network is None else network
    own = stop is None
    stop = Stop() if stop is None else stop
    done: list[RunResult] = []

    async def main() -> RunResult:
        task = asyncio.current_task()
        assert task is not None
        stop.on_stop = functools.partial(_cancel, asyncio.get_running_loop(), task, threading.get_ident())
        try:
            if stop.signum is not None:
                task.cancel()
            result = await run_scenario_async(
                scenario, sink, seed=seed, engine=engine, clock=clock, finished=finished, network=network,
                sharding=sharding,
            )  # fmt: skip
            done.append(result)
            return done[0]
        finally:
            stop.on_stop = None

    try:
        if loops.loop_running():  # a notebook's loop (Jupyter runs one): the run gets its own loop in a worker thread
            return loops.run_in_worker_thread(main, factory, functools.partial(stop.request, signal.SIGINT))
        with stop_signals(stop) if own else contextlib.nullcontext(stop), asyncio.Runner(loop_factory=factory) as r:
            return r.run(main())
    except (KeyboardInterrupt, asyncio.CancelledError):
        if done:  # the run ended before the stop took effect, and its events say completed: so it is
            return done[0]
        raise RunInterrupted(_run_result(scenario, used, finished, "interrupted", engine, network)) from None


def _cancel(loop: asyncio.AbstractEventLoop, task: asyncio.Task[RunResult], thread: int) -> None:
    """Cancel the run's task from a signal handler, waking the loop should it wait (live mode sleeps).

    From another thread than the loop's (a run in a worker thread), the loop itself cancels it.
    """
    if threading.get_ident() != thread:
        loop.call_soon_threadsafe(task.cancel)
        return
    task.cancel()
    loop.call_soon_threadsafe(lambda: None)
