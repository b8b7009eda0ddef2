"""Shared type aliases and protocols of neurosim."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, runtime_checkable

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from neurosim.events import Event, FlipRun

#: A bipolar state or pattern: int8 entries in {-1, +1}.
Spins: TypeAlias = npt.NDArray[np.int8]
#: A float64 vector or matrix (weights, fields, times).
Floats: TypeAlias = npt.NDArray[np.float64]
#: An integer index vector (neuron numbers).
Indices: TypeAlias = npt.NDArray[np.int64]


class EventSink(Protocol):
    """Receives the engines' event records.

    `verbose` asks for debug-level records too; `discards` says the sink drops
    every record, so an engine may skip making them (sweeps run with such a sink).
    """

    @property
    def verbose(self) -> bool: ...

    @property
    def discards(self) -> bool: ...

    def emit(self, event: Event) -> None: ...


@runtime_checkable
class FlipSink(EventSink, Protocol):
    """An event sink that takes a run of flips in bulk, straight from an engine's log.

    `emit_flips` stands for one `NeuronFlipped` record per flip, in order
    (fields and energies in model units); engines use it whenever the sink is one.
    """

    def emit_flips(self, run: FlipRun) -> None: ...


@runtime_checkable
class RecordLogger(Protocol):
    """A structlog logger that takes an event's fields as a dict (`neurosim.logs.json_logger` makes them)."""

    def record(self, level: str, event: str, event_fields: dict[str, Any]) -> None: ...

    def records(self, level: str, event: str, many: Iterable[dict[str, Any]]) -> None: ...


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
