"""The knobs of the dynamics: schedule, timing, temperature, delay (docs/conventions.md §4-9)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from neurosim.typing import Floats

DEFAULT_MAX_SWEEPS = 100


class ScheduleKind(StrEnum):
    """The update schedules a scenario can name."""

    POISSON = "poisson"
    PERMUTATION = "permutation"
    SEQUENTIAL = "sequential"
    UNIFORM = "uniform"
    SYNCHRONOUS = "synchronous"


@dataclass(frozen=True, slots=True)
class Rates:
    """Per-neuron clock rates for the poisson schedule.

    `lognormal`: rates exp(X) with X ~ Normal(-σ²/2, σ), so that the mean rate is
    1 and a sweep still takes one time unit on average; or explicit `values`.
    """

    sigma: float = 0.0
    values: tuple[float, ...] | None = None

    def draw(self, size: int, rng: np.random.Generator) -> Floats:
        """Return the rates of `size` neurons."""
        if self.values is not None:
            return np.array(self.values, dtype=np.float64)
        rates: Floats = np.exp(rng.normal(-0.5 * self.sigma**2, self.sigma, size))
        return rates


@dataclass(frozen=True, slots=True)
class Dynamics:
    """How a network updates; every field is a documented scenario key under `dynamics:`."""

    schedule: ScheduleKind = ScheduleKind.POISSON
    max_sweeps: int = DEFAULT_MAX_SWEEPS
    max_time: float | None = None
    temperature: float = 0.0
    delay: float = 0.0
    refractory: float = 0.0
    rates: Rates | None = None

    @property
    def stochastic(self) -> bool:
        """True when neurons update by Glauber's rule (T > 0): there is no fixed point to reach."""
        return self.temperature > 0.0

    @property
    def synchronous(self) -> bool:
        return self.schedule is ScheduleKind.SYNCHRONOUS

    @property
    def plain(self) -> bool:
        """True for deterministic, undelayed, unrefractory asynchronous dynamics (the fast path)."""
        return not (self.stochastic or self.delay > 0.0 or self.refractory > 0.0 or self.synchronous)

    @property
    def detects_cycles(self) -> bool:
        """True when a recurring state at a sweep boundary proves a cycle.

        That needs the whole future to be fixed by the state: deterministic
        neurons, a schedule that repeats every sweep, no delays, no refractoriness.
        """
        fixed_order = self.schedule in (ScheduleKind.SEQUENTIAL, ScheduleKind.SYNCHRONOUS)
        return fixed_order and not self.stochastic and self.delay == 0.0 and self.refractory == 0.0
