"""Opening the actor engine for a run: the plain coordinator, or the live one when the clock keeps wall-clock time."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from neurosim.engines.actors.coordinator import Coordinator
from neurosim.engines.actors.graded import GradedCoordinator
from neurosim.engines.actors.live import LiveCoordinator
from neurosim.engines.collector import collector_paused
from neurosim.engines.protocol import GRADED_LIVE_REFUSAL
from neurosim.errors import NeurosimError
from neurosim.model.couplings import AnyCouplings
from neurosim.model.dynamics import Dynamics
from neurosim.typing import Clock, EventSink


@contextlib.asynccontextmanager
async def open_actors(
    couplings: AnyCouplings, sink: EventSink, dynamics: Dynamics, clock: Clock | None = None
) -> AsyncIterator[Coordinator]:
    """The actor engine for a run: live (`LiveCoordinator`) when `clock` keeps wall-clock time."""
    paced = clock is not None and clock.paced
    if dynamics.graded:  # continuous states: a coordinator of their own (engines/actors/graded.py)
        if paced:
            raise NeurosimError(GRADED_LIVE_REFUSAL)
        async with GradedCoordinator(couplings, sink, dynamics) as graded:
            yield graded  # type: ignore[misc]
        return
    coordinator = LiveCoordinator(couplings, sink, dynamics, clock) if paced else Coordinator(couplings, sink, dynamics)
    async with collector_paused(), coordinator:  # paused while a million tasks start and stop too
        yield coordinator
