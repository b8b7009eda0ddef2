"""Frozen records of finished trials and runs, their summary form, and how a trial ended.

How a trial ended has one vocabulary (`Ending`, computed by `ending`) and the
recall rate one definition (`RecallTally`, `recall_rate`): the CLI tables, the
live view, sweeps, figures and reports all ask here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, Literal, Protocol, get_args

from neurosim.frames import nullable_type, trials_frame
from neurosim.model.capacity import FinalKind
from neurosim.model.graph import Connectivity

if TYPE_CHECKING:
    import pandas as pd

#: How a trial ended. `target`: exactly on its cue; `another pattern`: exactly on another stored
#: pattern; `reversed`: on a pattern's negative; `mixture`: on a symmetric three-pattern mixture;
#: `spurious`: on any other fixed point; `not converged`: a cycle, or out of time;
#: `no target`: a trial without a cue that stopped on no stored pattern (an optimisation problem's run).
Ending = Literal["target", "another pattern", "reversed", "mixture", "spurious", "not converged", "no target"]
#: Every ending, in the order figures stack them.
ENDINGS: tuple[Ending, ...] = get_args(Ending)


class Scored(Protocol):
    """A finished trial as far as the recall rate needs it: its target and the pattern it ended on."""

    @property
    def cue(self) -> str | None: ...

    @property
    def recalled(self) -> str | None: ...


class Ended(Scored, Protocol):
    """A finished trial as far as its ending needs it."""

    @property
    def status(self) -> str: ...

    @property
    def final_kind(self) -> FinalKind | None: ...


def is_recall(cue: str | None, recalled: str | None) -> bool:
    """True when a trial with a target ended exactly on it."""
    return cue is not None and recalled == cue


def ending(trial: Ended) -> Ending:
    """How the trial ended: one of ENDINGS."""
    if is_recall(trial.cue, trial.recalled):
        return "target"
    if trial.recalled is not None:
        return "another pattern"
    if trial.status != "converged":
        return "not converged"
    if trial.cue is None:
        return "no target"  # an optimisation problem's run: its `measure` says how good the end is
    kind = trial.final_kind
    return kind if kind == "reversed" or kind == "mixture" else "spurious"


@dataclass(frozen=True, slots=True)
class RecallTally:
    """Trials with a target, and how many of them ended exactly on it."""

    hits: int = 0
    scored: int = 0

    def add(self, cue: str | None, recalled: str | None) -> RecallTally:
        """The tally with one more finished trial (one without a target is not scored)."""
        if cue is None:
            return self
        return RecallTally(self.hits + is_recall(cue, recalled), self.scored + 1)

    @property
    def rate(self) -> float | None:
        """hits / scored (None without scored trials)."""
        return self.hits / self.scored if self.scored else None

    def __str__(self) -> str:
        return f"{self.hits}/{self.scored}"


def recall_tally(trials: Iterable[Scored | Mapping[str, Any]]) -> RecallTally:
    """The tally of finished trials, or of sweep rows (mappings with `cue` and `recalled`)."""
    tally = RecallTally()
    for t in trials:
        cue, recalled = (t["cue"], t["recalled"]) if isinstance(t, Mapping) else (t.cue, t.recalled)
        tally = tally.add(cue, recalled)
    return tally


def recall_rate(trials: Iterable[Scored | Mapping[str, Any]]) -> float | None:
    """Fraction of trials with a target that ended exactly on it (None without such trials)."""
    return recall_tally(trials).rate


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
    start_state: tuple[int, ...]  # the state the recall started from (the cue with its noise)
    final_state: tuple[int, ...]
    energy_rises: int = 0
    period: int | None = None
    mean_overlaps: dict[str, float] | None = None
    final_kind: FinalKind | None = None  # what the final state is (model.capacity.classify); None: no patterns
    measure: dict[str, Any] | None = None  # a problem's own measure (cut value, valid placement, …)
    sparse_overlaps: dict[str, float] | None = None  # covariance rule: overlaps on 0/1 units (model.covariance)
    #: sequence rule: (time, pattern) each time the dominant pattern changes (model.sequence.dominance)
    sequence: tuple[tuple[float, str], ...] | None = None
    #: graded neurons: the final continuous states V (final_state holds their signs)
    graded_state: tuple[float, ...] | None = None

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
        return is_recall(self.cue, self.recalled)

    @property
    def ending(self) -> Ending:
        """How the trial ended."""
        return ending(self)

    def to_dict(self) -> dict[str, Any]:
        """The trial as it appears in summary.json."""
        extra: dict[str, Any] = {}
        if self.mean_overlaps is not None:
            extra["mean_overlaps"] = dict(self.mean_overlaps)
        if self.measure is not None:
            extra["measure"] = dict(self.measure)
        if self.sparse_overlaps is not None:
            extra["sparse_overlaps"] = dict(self.sparse_overlaps)
        if self.sequence is not None:
            extra["sequence"] = [[t, name] for t, name in self.sequence]
        if self.graded_state is not None:
            extra["graded_state"] = list(self.graded_state)
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
            "start_state": list(self.start_state),
            "final_state": list(self.final_state),
        }


def trial_types() -> dict[str, str]:
    """The table type of each field of a trial's summary entry (what a column of missing values is)."""
    return {f.name: kind for f in fields(TrialResult) if (kind := nullable_type(str(f.type))) is not None}


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
    annealing: dict[str, Any] | None = None  # the temperature schedule, when `temperature` is one
    delay: float = 0.0
    learning: str = "hebbian"
    capacities: dict[str, float] | None = None
    shape: tuple[int, int] | None = None
    stored_patterns: dict[str, list[int]] | None = None
    #: a diluted network's connectivity: kind, value, symmetric, synapses (None: every pair coupled)
    connectivity: dict[str, Any] | None = None
    #: whether the energy is a Lyapunov function of the dynamics (W symmetric); with an asymmetric W the
    #: reported energy is −½ sᵀWs + θ·s, which only W's symmetric part enters, and it may rise
    energy_lyapunov: bool = True

    def __repr__(self) -> str:
        return (
            f"RunResult(scenario={self.scenario!r}, seed={self.seed}, neurons={self.neurons}, "
            f"engine={self.engine!r}, status={self.status!r}, trials={len(self.trials)}, "
            f"recall_rate={self.recall_rate!r})"
        )

    @property
    def recall_rate(self) -> float | None:
        """Fraction of trials with a target that ended exactly on it (None without such trials)."""
        return recall_rate(self.trials)

    @property
    def load(self) -> float:
        """P/N, or in a diluted network the load per synapse P/K (K the in-degree, or p·N)."""
        c = self.connectivity
        if c is None:
            return len(self.patterns) / self.neurons
        return len(self.patterns) / Connectivity(c["kind"], float(c["value"])).divisor(self.neurons)

    def trials_frame(self) -> pd.DataFrame:
        """One row per trial, as `neurosim.read_run(DIR).trials` gives it (needs the `data` extra: pandas)."""
        return trials_frame((t.to_dict() for t in self.trials), trial_types())

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
            **({} if self.annealing is None else {"annealing": dict(self.annealing)}),
            "delay": self.delay,
            "max_sweeps": self.max_sweeps,
            "learning": self.learning,
            "load": self.load,
            "capacities": self.capacities,
            "connectivity": self.connectivity,
            "energy_lyapunov": self.energy_lyapunov,
            "shape": None if self.shape is None else list(self.shape),
            "recall_rate": self.recall_rate,
            "trials": [t.to_dict() for t in self.trials],
            **({} if self.stored_patterns is None else {"stored_patterns": self.stored_patterns}),
        }
