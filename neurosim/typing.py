"""Shared type aliases and protocols of neurosim."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, TypeAlias

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from neurosim.events import Event

#: A bipolar state or pattern: int8 entries in {-1, +1}.
Spins: TypeAlias = npt.NDArray[np.int8]
#: A float64 vector or matrix (weights, fields, times).
Floats: TypeAlias = npt.NDArray[np.float64]
#: An integer index vector (neuron numbers).
Indices: TypeAlias = npt.NDArray[np.int64]


class EventSink(Protocol):
    """Receives the runtime's event records; `verbose` asks for debug-level records too."""

    @property
    def verbose(self) -> bool: ...

    def emit(self, event: Event) -> None: ...


class Clock(Protocol):
    """Simulated time as the runtime sees it."""

    @property
    def paced(self) -> bool:
        """True when wake-ups wait for the wall clock."""
        ...

    def start(self) -> None:
        """Simulated time 0 is now."""
        ...

    async def sleep_until(self, t: float) -> None:
        """Return once simulated time `t` has come."""
        ...
