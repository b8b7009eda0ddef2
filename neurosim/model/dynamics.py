"""The knobs of the dynamics: schedule, timing, temperature and its annealing, delay (docs/conventions.md §4-9)."""

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


class NeuronKind(StrEnum):
    """What a neuron's state is: ±1, or graded in [−1, 1] (Hopfield 1984)."""

    BINARY = "binary"
    GRADED = "graded"


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


class AnnealKind(StrEnum):
    """How an annealing schedule goes from its first temperature to its last."""

    LINEAR = "linear"
    GEOMETRIC = "geometric"


@dataclass(frozen=True, slots=True)
class Annealing:
    """`temperature: {schedule: linear | geometric, from: T0, to: T1, sweeps: S}` (docs/conventions.md §5).

    Sweep k (the wake-ups at times in (k, k + 1], `rules.temperature_at`) runs at
    T_k = T0 + (T1 − T0)·k/S (linear) or T0·(T1/T0)^(k/S) (geometric, T0, T1 > 0)
    for k < S, and at exactly T1 from sweep S on.
    """

    kind: AnnealKind
    start: float
    end: float
    sweeps: int

    def table(self) -> Floats:
        """T_0 … T_S: the temperature of each sweep, the last one holding from sweep S on."""
        f = np.arange(self.sweeps + 1, dtype=np.float64) / self.sweeps
        if self.kind is AnnealKind.LINEAR:
            out: Floats = self.start + (self.end - self.start) * f
        else:
            out = self.start * (self.end / self.start) ** f
        out[0], out[-1] = self.start, self.end  # the endpoints exactly, whatever the rounding in between
        return out

    def describe(self) -> dict[str, float | int | str]:
        """The schedule as a scenario writes it (summary.json's `annealing`)."""
        return {"schedule": self.kind.value, "from": self.start, "to": self.end, "sweeps": self.sweeps}


@dataclass(frozen=True, slots=True)
class Dynamics:
    """How a network updates; every field is a documented scenario key under `dynamics:`."""

    schedule: ScheduleKind = ScheduleKind.POISSON
    max_sweeps: int = DEFAULT_MAX_SWEEPS
    max_time: float | None = None
    temperature: float = 0.0  # the constant temperature, or the annealing's first one
    delay: float = 0.0
    refractory: float = 0.0
    rates: Rates | None = None
    annealing: Annealing | None = None
    neuron: NeuronKind = NeuronKind.BINARY
    gain: float = 1.0  # graded neurons: V = tanh(gain · h)

    @property
    def graded(self) -> bool:
        """True for graded-response neurons (continuous states, `neurosim.model.graded`)."""
        return self.neuron is NeuronKind.GRADED

    @property
    def stochastic(self) -> bool:
        """True when some wake-up may update by Glauber's rule (T > 0)."""
        if self.annealing is None:
            return self.temperature > 0.0
        return max(self.annealing.start, self.annealing.end) > 0.0

    @property
    def converges(self) -> bool:
        """True when the trial may end at a fixed point: the temperature is, or ends at, 0.

        Only wake-ups at T = 0 count towards convergence (docs/conventions.md §7).
        """
        return (self.temperature if self.annealing is None else self.annealing.end) == 0.0

    def temperatures(self) -> Floats:
        """The temperature of each sweep, as `rules.temperature_at` reads it: one entry when constant."""
        if self.annealing is None:
            return np.array([self.temperature])
        return self.annealing.table()

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
