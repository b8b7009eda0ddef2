"""Live mode: the actor engine run against the wall clock.

`LiveCoordinator` is the `Coordinator` with its pacing overridden, nothing
else (as SimPy's real-time environment overrides only how it steps): each
wake-up waits for its wall-clock time and runs alone, and under a poisson
schedule every neuron sleeps on its own clock and the event loop decides who
runs first. The virtual-time hot path reads no live flag.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from typing import Any

import numpy as np

from neurosim.engines.actors.clock import WallClock
from neurosim.engines.actors.coordinator import Coordinator
from neurosim.engines.actors.neuron import Neuron
from neurosim.engines.protocol import Outcome, Recall, Status
from neurosim.model.couplings import AnyCouplings
from neurosim.model.dynamics import Dynamics, ScheduleKind
from neurosim.model.schedules import Batch
from neurosim.model.streams import exponentials_scalar
from neurosim.typing import Clock, EventSink, Indices

__all__ = ["LiveCoordinator", "WallClock"]


class LiveCoordinator(Coordinator):
    """A `Coordinator` whose wake-ups keep wall-clock time (`clock`, a `WallClock`)."""

    def __init__(
        self, couplings: AnyCouplings, sink: EventSink, dynamics: Dynamics | None = None, clock: Clock | None = None
    ) -> None:
        super().__init__(couplings, sink, dynamics)
        self.clock: Clock = clock or WallClock()
        self.plain = False  # the fast path resolves whole runs at once, which pacing forbids
        #: under a poisson schedule the neurons sleep on their own clocks
        self.own_clocks = self.dynamics.schedule is ScheduleKind.POISSON
        self.clock_keys: list[int] = [0] * self.size
        self.inverse_rates: list[float] = [1.0] * self.size
        self.running = asyncio.Event()
        self._done: asyncio.Future[None] | None = None

    def _life(self, neuron: Neuron) -> Coroutine[Any, Any, None]:
        if self.own_clocks:
            return _on_own_clock(neuron, self)
        return super()._life(neuron)

    async def recall(self, request: Recall) -> Outcome:
        """`Coordinator.recall`, with the neurons' Poisson clocks (`clock_keys`, `rates`) for their own sleeps."""
        if request.clock_keys is not None:
            self.clock_keys = request.clock_keys
        if request.rates is not None:
            self.inverse_rates = (1.0 / np.asarray(request.rates)).tolist()
        return await super().recall(request)

    async def _run(self, schedule: Iterator[Batch]) -> int | None:
        self.clock.start()
        if not self.own_clocks:
            return await self._grant(schedule)
        self._done = asyncio.get_running_loop().create_future()
        self.running.set()
        try:
            await self._done
        finally:
            self._done = None
        return None

    async def _grant_batch(self, times: list[float], neurons: list[int], batch: Indices) -> bool:
        # every wake-up waits for its time and runs alone
        return await self._grant_one_by_one(times, neurons, batch, self.clock.sleep_until)

    def grant(self, t: float) -> bool:
        """May a neuron that woke on its own clock at `t` update? (budget and time limit)."""
        if self.halted:
            return False
        if t > self._max_time:
            self._halt("max_time", self._t_end)
            return False
        if self._granted >= self._budget:
            self._halt("max_sweeps", self._t_end)
            return False
        self._granted += 1
        self._t_end = t
        return True

    def _halt(self, status: Status, t: float) -> None:
        super()._halt(status, t)
        self.running.clear()
        if self._done is not None and not self._done.done():
            self._done.set_result(None)


async def _on_own_clock(neuron: Neuron, coordinator: LiveCoordinator) -> None:
    # The neuron sleeps on the wall clock until its own next Poisson tick, then asks to update.
    clock = coordinator.clock
    i = neuron.index
    while True:
        await coordinator.running.wait()
        generation = coordinator.generation
        key, inverse_rate = coordinator.clock_keys[i], coordinator.inverse_rates[i]
        t, ticks = 0.0, 0
        while coordinator.generation == generation and not coordinator.halted:
            t += exponentials_scalar(key, ticks) * inverse_rate
            ticks += 1
            await clock.sleep_until(t)
            if coordinator.generation != generation or coordinator.halted:
                break
            if not coordinator.grant(t):
                break
            neuron.update(coordinator, t)
