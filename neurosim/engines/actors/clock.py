"""Clocks: how simulated time relates to the wall clock."""

from __future__ import annotations

import asyncio

#: Seconds of wall-clock time per simulated time unit in live runs, unless told otherwise.
DEFAULT_TIME_SCALE = 0.1


class VirtualClock:
    """Virtual time: wake-ups follow each other at once; nothing ever sleeps."""

    paced = False

    def start(self) -> None:
        pass

    async def sleep_until(self, t: float) -> None:
        pass


class WallClock:
    """Live time: one simulated time unit lasts `time_scale` seconds of the event loop's clock."""

    paced = True

    def __init__(self, time_scale: float = DEFAULT_TIME_SCALE) -> None:
        if not time_scale > 0.0:
            raise ValueError("time_scale must be positive")
        self.time_scale = time_scale
        self._origin = 0.0

    def start(self) -> None:
        self._origin = asyncio.get_running_loop().time()

    async def sleep_until(self, t: float) -> None:
        loop = asyncio.get_running_loop()
        delay = self._origin + t * self.time_scale - loop.time()
        await asyncio.sleep(max(delay, 0.0))
