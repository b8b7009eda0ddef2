"""Simulated time for the actor engine."""

from __future__ import annotations


class VirtualClock:
    """Virtual time: it jumps to each granted wake-up time and never sleeps."""

    __slots__ = ("now",)

    paced = False

    def __init__(self) -> None:
        self.now = 0.0

    async def advance_to(self, t: float) -> None:
        """Move to time `t` at once."""
        self.now = t
