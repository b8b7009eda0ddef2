"""What every engine shares: the outcome of a recall, the engine protocol, refusals and cycle detection.

An engine runs recalls of one network under one `Dynamics` and reports each as
an `Outcome`. Engines are peers: each imports this module and the model, never
another engine.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from neurosim.model.schedules import Batch
from neurosim.typing import Floats, Indices, Spins

#: How a recall ended (docs/conventions.md §7, §8).
Status = Literal["converged", "max_sweeps", "max_time", "cycle"]

#: The refusals engines give, each written once.
GRADED_LIVE_REFUSAL = "graded neurons run in simulated time only, not live (--realtime)"
GRADED_REFUSAL = "the kernel engine runs ±1 neurons; graded neurons run on the actors (--engine actors)"
DENSE_MEMORY_REFUSAL = "the kernel engine runs coupling matrices; a dense associative memory runs on the actors"
LIVE_REFUSAL = "live mode runs the actors; the kernel engine has no wall clock"


class EngineFault(Exception):
    """A part of an engine failed during a run (a neuron's task raised); the message names the part and the error."""


@dataclass(frozen=True, slots=True, eq=False)
class Outcome:
    """How one recall ended, in engine-neutral terms (every engine produces it)."""

    status: Status
    t: float
    wakeups: int
    flips: int
    energy: float
    final_state: Spins
    energy_rises: int
    period: int | None
    flip_times: Floats
    flip_neurons: Indices
    flip_states: Spins
    #: Graded neurons only: the final continuous states V in [−1, 1] (`final_state` is their signs).
    values: Floats | None = None


@dataclass(frozen=True, slots=True, eq=False)
class Recall:
    """One recall asked of an engine: its start, the schedule it follows, its budget, and what the caller knows."""

    trial: int
    start: Spins
    schedule: Iterator[Batch]
    #: The budget of granted wake-ups (`max_sweeps` · N).
    max_wakeups: int
    #: The neurons' own stream keys for this recall (needed at T > 0).
    stream_keys: list[int] | None = None
    #: The neurons' Poisson clocks (needed in live mode only).
    clock_keys: list[int] | None = None
    rates: Floats | None = None
    #: `field_units(couplings, start)` when the caller has them already.
    start_fields: Floats | None = None
    #: `energy_from_fields(couplings, start, start_fields)`, likewise.
    start_energy: float | None = None


class Engine(Protocol):
    """What runs recalls: the actor coordinator, the kernel engine, or any engine registered beside them."""

    async def recall(self, request: Recall) -> Outcome:
        """Run from `request.start` until convergence, a cycle or a limit."""
        ...


@runtime_checkable
class SumsFields(Protocol):
    """An engine whose network no process holds whole (shards that draw their own rows): it sums a state's fields."""

    async def start_fields(self, start: Spins) -> Floats:
        """The fields in matrix units (`field_units`) of the state `start`."""
        ...


class CycleWatch:
    """Cycle detection at sweep boundaries (docs/conventions.md §8), for dynamics whose future the state fixes.

    It remembers the sweep at which each state was seen; a state seen before
    proves a cycle whose period is the number of sweeps since.
    """

    __slots__ = ("_seen",)

    def __init__(self, start: Spins) -> None:
        self._seen = {start.tobytes(): 0}

    def period(self, state: Spins, sweep: int) -> int | None:
        """After sweep number `sweep` (counted from 1) ended in `state`: the cycle's period, or None."""
        key = state.tobytes()
        first = self._seen.get(key)
        if first is not None:
            return sweep - first
        self._seen[key] = sweep
        return None
