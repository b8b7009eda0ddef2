"""The neuron actor."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from neurosim.typing import Floats

if TYPE_CHECKING:
    from neurosim.runtime.coordinator import Coordinator


class Neuron:
    """One neuron: an asyncio task that sleeps until the coordinator wakes it, then updates itself.

    It holds its outgoing weights (its weight row when W is symmetric) and its
    index. An update is atomic (DESIGN.md, convention 6): between being woken and
    parking again there is no `await`, so no other neuron can write in between.
    """

    __slots__ = ("fanout", "index")

    def __init__(self, index: int, fanout: Floats) -> None:
        self.index = index
        self.fanout = fanout

    async def live(self, coordinator: Coordinator) -> None:
        """Wake, update, report; forever, until the coordinator cancels the task."""
        i = self.index
        fanout = self.fanout
        board = coordinator.board
        fields = board.fields
        spins = board.spins
        write = board.write
        alarms = coordinator.alarms
        flipped = coordinator.flipped
        kept = coordinator.kept
        new_alarm = asyncio.get_running_loop().create_future
        while True:
            alarm = new_alarm()
            alarms[i] = alarm
            t = await alarm
            if coordinator.halted:
                continue  # the trial ended earlier in this batch: this wake-up is void
            u = fields[i]
            s = spins[i]
            # sign(h), a tie keeping the state (DESIGN.md, convention 4): flip iff h opposes s
            if (u < 0.0) if s > 0 else (u > 0.0):
                s = -s
                write(i, s, t, fanout)
                flipped(i, t, u, s)
            else:
                kept(i, t, u, s)
