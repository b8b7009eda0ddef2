"""Frozen records of finished trials and runs, and their summary form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True, repr=False)
class TrialResult:
    """One finished trial."""

    trial: int
    cue: str | None
    repeat: int
    flipped: int | None
    status: str
    t: float
    sweeps: float
    wakeups: int
    flips: int
    energy_initial: float
    energy_final: float
    recalled: str | None
    overlaps: dict[str, float]
    hamming: int | None
    final_state: tuple[int, ...]
    energy_rises: int = 0
    period: int | None = None
    mean_overlaps: dict[str, float] | None = None
    final_kind: str | None = None  # recalled | reversed | mixture | other (model.capacity.classify); None: no patterns
    measure: dict[str, Any] | None = None  # a problem's own measure (cut value, valid placement, …)

    def __repr__(self) -> str:
        # short: the final state alone can hold 100,000 entries (asyncio puts a run's result in reprs)
        return (
            f"TrialResult(trial={self.trial}, cue={self.cue!r}, status={self.status!r}, "
            f"flips={self.flips}, recalled={self.recalled!r})"
        )

    @property
    def energy_monotone(self) -> bool:
        """True when no flip raised the energy (always, for deterministic undelayed asynchronous updates)."""
        return self.energy_rises == 0

    @property
    def success(self) -> bool:
        """True when the final state is the pattern the trial was meant to recall."""
        return self.cue is not None and self.recalled == self.cue

    def to_dict(self) -> dict[str, Any]:
        """The trial as it appears in summary.json."""
        extra: dict[str, Any] = {}
        if self.mean_overlaps is not None:
            extra["mean_overlaps"] = dict(self.mean_overlaps)
        if self.measure is not None:
            extra["measure"] = dict(self.measure)
        return {
            "trial": self.trial,
            "cue": self.cue,
            "repeat": self.repeat,
            "flipped": self.flipped,
            "status": self.status,
            "t": self.t,
            "sweeps": self.sweeps,
            "wakeups": self.wakeups,
            "flips": self.flips,
            "energy_initial": self.energy_initial,
            "energy_final": self.energy_final,
            "energy_monotone": self.energy_monotone,
            "energy_rises": self.energy_rises,
            "period": self.period,
            "recalled": self.recalled,
            "final_kind": self.final_kind,
            "overlaps": dict(self.overlaps),
            "hamming": self.hamming,
            **extra,
            "final_state": list(self.final_state),
        }


@dataclass(frozen=True, slots=True, repr=False)
class RunResult:
    """A whole run: its scenario, settings and trials."""

    scenario: str
    seed: int
    neurons: int
    patterns: tuple[str, ...]
    schedule: str
    engine: str
    max_sweeps: int
    trials: tuple[TrialResult, ...]
    status: str = "completed"  # completed | interrupted
    temperature: float = 0.0
    delay: float = 0.0
    learning: str = "hebbian"
    capacities: dict[str, float] | None = None
    shape: tuple[int, int] | None = None
    stored_patterns: dict[str, list[int]] | None = None

    def __repr__(self) -> str:
        return (
            f"RunResult(scenario={self.scenario!r}, seed={self.seed}, neurons={self.neurons}, "
            f"engine={self.engine!r}, status={self.status!r}, trials={len(self.trials)}, "
            f"recall_rate={self.recall_rate!r})"
        )

    @property
    def recall_rate(self) -> float | None:
        """Fraction of trials with a target that ended exactly on it (None without such trials)."""
        scored = [t for t in self.trials if t.cue is not None]
        if not scored:
            return None
        return sum(t.success for t in scored) / len(scored)

    def to_dict(self) -> dict[str, Any]:
        """The run as summary.json holds it."""
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "status": self.status,
            "neurons": self.neurons,
            "patterns": list(self.patterns),
            "schedule": self.schedule,
            "engine": self.engine,
            "temperature": self.temperature,
            "delay": self.delay,
            "max_sweeps": self.max_sweeps,
            "learning": self.learning,
            "load": len(self.patterns) / self.neurons,
            "capacities": self.capacities,
            "shape": None if self.shape is None else list(self.shape),
            "recall_rate": self.recall_rate,
            "trials": [t.to_dict() for t in self.trials],
            **({} if self.stored_patterns is None else {"stored_patterns": self.stored_patterns}),
        }
