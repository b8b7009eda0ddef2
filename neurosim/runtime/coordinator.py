"""The coordinator: owns the neuron tasks, grants wake-ups, tracks energy and convergence."""

from __future__ import annotations

import asyncio
import types
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from neurosim.events import NeuronFlipped, NeuronWoke
from neurosim.model.couplings import Couplings
from neurosim.model.energy import energy_units
from neurosim.model.schedules import Batch
from neurosim.runtime.board import StateBoard
from neurosim.runtime.clock import VirtualClock
from neurosim.runtime.neuron import Neuron
from neurosim.typing import EventSink, Spins

Status = Literal["converged", "max_sweeps"]


@dataclass(frozen=True, slots=True, eq=False)
class Outcome:
    """How one recall ended, in the engine's terms."""

    status: Status
    t: float
    wakeups: int
    flips: int
    energy: float
    final_state: Spins


@types.coroutine
def _let_woken_run() -> Generator[None, None, None]:
    """Yield once to the event loop, so that every neuron woken so far runs first.

    asyncio runs ready callbacks first in, first out: the neurons whose alarms were
    resolved before this yield run, in the order they were resolved, before the
    coordinator resumes.
    """
    yield


class Coordinator:
    """Runs recalls on a network of neuron actors (an async context manager).

    Entering starts one task per neuron (named `neuron-<i>`) in a TaskGroup the
    coordinator owns; leaving cancels and awaits them all. Each `recall` grants
    wake-ups in schedule order: it resolves the alarms of a batch of distinct
    neurons, then lets them run (each update atomic), and repeats. Convergence is
    declared when every neuron has woken at least once since the last flip without
    flipping (DESIGN.md, convention 7).
    """

    def __init__(self, couplings: Couplings, sink: EventSink, clock: VirtualClock | None = None) -> None:
        self.couplings = couplings
        self.sink = sink
        self.clock = clock or VirtualClock()
        size = couplings.size
        self.size = size
        self.board = StateBoard(size)
        self.alarms: list[asyncio.Future[float]] = []
        self.halted = True
        self._group: asyncio.TaskGroup | None = None
        self._tasks: list[asyncio.Task[None]] = []
        # per-recall bookkeeping, reset by `recall`
        self._trial = 0
        self._wakeups = 0
        self._flips = 0
        self._energy = 0.0
        self._epoch = 0
        self._quiet = 0
        self._seen: list[int] = []
        self._t_end = 0.0
        self._verbose = False

    async def __aenter__(self) -> Coordinator:
        group = asyncio.TaskGroup()
        await group.__aenter__()
        self._group = group
        loop = asyncio.get_running_loop()
        placeholder = loop.create_future()
        self.alarms = [placeholder] * self.size
        for i in range(self.size):
            neuron = Neuron(i, self.couplings.fanout(i))
            self._tasks.append(group.create_task(neuron.live(self), name=f"neuron-{i}"))
        await _let_woken_run()  # every neuron parks on its first alarm
        placeholder.cancel()
        return self

    async def __aexit__(self, *exc: Any) -> bool | None:
        for task in self._tasks:
            task.cancel()
        self._tasks.clear()
        assert self._group is not None
        group, self._group = self._group, None
        try:
            await group.__aexit__(*exc)
        except BaseExceptionGroup as errors:
            # The neurons only ever end by cancellation: an error here is the body's own
            # exception, which should propagate as itself rather than wrapped in a group.
            if exc[1] is not None and len(errors.exceptions) == 1 and errors.exceptions[0] is exc[1]:
                return None
            raise
        return None

    def flipped(self, neuron: int, t: float, u: float, state: int) -> None:
        """Take a neuron's report that it flipped to `state` in field `u` (inside its atomic update)."""
        self._wakeups += 1
        self._flips += 1
        self._epoch += 1
        self._quiet = 0
        self._energy -= 2 * state * u  # ΔE = −δ·h with δ = 2·s_new: exactly −2|h|
        divisor = self.couplings.divisor
        self.sink.emit(
            NeuronFlipped(
                trial=self._trial,
                t=t,
                neuron=neuron,
                state=state,
                field=float(u / divisor),
                energy=float(self._energy / divisor),
            )
        )

    def kept(self, neuron: int, t: float, u: float, state: int) -> None:
        """Take a neuron's report that it woke and kept `state` (inside its atomic update)."""
        self._wakeups += 1
        if self._verbose:
            self.sink.emit(
                NeuronWoke(
                    trial=self._trial,
                    t=t,
                    neuron=neuron,
                    state=state,
                    field=float(u / self.couplings.divisor),
                )
            )
        seen = self._seen
        if seen[neuron] != self._epoch:
            seen[neuron] = self._epoch
            self._quiet += 1
            if self._quiet == self.size:
                self.halted = True
                self._t_end = t

    async def recall(self, trial: int, start: Spins, schedule: Iterator[Batch], max_wakeups: int) -> Outcome:
        """Run the network from `start` until convergence or `max_wakeups` wake-ups."""
        if self._group is None:
            raise RuntimeError("the coordinator is not running: use `async with`")
        self.board.reset(start, self.couplings)
        self._trial = trial
        self._wakeups = 0
        self._flips = 0
        self._energy = energy_units(self.couplings, start)
        self._epoch = 0
        self._quiet = 0
        self._seen = [-1] * self.size
        self._t_end = 0.0
        self._verbose = self.sink.verbose
        self.halted = False
        alarms = self.alarms
        marks = [-1] * self.size
        stamp = 0
        granted = 0
        t = 0.0
        for times, neurons in schedule:
            for t, i in zip(times.tolist(), neurons.tolist(), strict=True):
                if marks[i] == stamp:  # already woken in this batch: let the batch run first
                    await self._run_batch(granted)
                    if self.halted:
                        return self._outcome("converged")
                    stamp += 1
                marks[i] = stamp
                alarms[i].set_result(t)
                granted += 1
                if granted == max_wakeups:
                    break
            await self._run_batch(granted)
            stamp += 1
            self.clock.now = t
            if self.halted:
                return self._outcome("converged")
            if granted == max_wakeups:
                self.halted = True
                self._t_end = t
                return self._outcome("max_sweeps")
        raise RuntimeError("the schedule ended")

    async def _run_batch(self, granted: int) -> None:
        await _let_woken_run()
        if not self.halted and self._wakeups != granted:
            raise RuntimeError(f"{granted - self._wakeups} granted wake-ups did not run in their batch")

    def _outcome(self, status: Status) -> Outcome:
        self.clock.now = self._t_end
        return Outcome(
            status=status,
            t=self._t_end,
            wakeups=self._wakeups,
            flips=self._flips,
            energy=self._energy / self.couplings.divisor,
            final_state=self.board.states.copy(),
        )
