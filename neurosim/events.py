"""Event records the runtime emits, and simple sinks for them.

Every record is frozen; `event` names it in the log, `level` says whether it is
part of the normal (info) log or only of the debug log.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Literal

from neurosim.typing import EventSink, FlipSink

Level = Literal["debug", "info", "warning"]


@dataclass(frozen=True, slots=True)
class Event:
    """Base of all event records."""

    event: ClassVar[str] = "event"
    level: ClassVar[Level] = "info"

    def as_dict(self) -> dict[str, Any]:
        """Return the record's fields by name (without `event`)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, slots=True)
class RunStarted(Event):
    """A run begins."""

    event: ClassVar[str] = "run_started"
    scenario: str
    seed: int
    neurons: int
    patterns: tuple[str, ...]
    schedule: str
    engine: str
    reproducible: bool
    started_at: str  # wall clock (UTC, ISO 8601)


@dataclass(frozen=True, slots=True)
class CapacityExceeded(Event):
    """More patterns are stored than the learning rule is known to hold."""

    event: ClassVar[str] = "capacity_exceeded"
    level: ClassVar[Level] = "warning"
    rule: str
    patterns: int
    neurons: int
    limit: float
    source: str


@dataclass(frozen=True, slots=True)
class TrialStarted(Event):
    """A trial begins from its starting state."""

    event: ClassVar[str] = "trial_started"
    trial: int
    cue: str | None
    repeat: int
    flipped: int | None
    energy: float
    start_state: tuple[int, ...] = field(repr=False)  # ±1 per neuron: the cue with its noise (N entries: no repr)


@dataclass(frozen=True, slots=True)
class NeuronFlipped(Event):
    """A neuron changed its state; `energy` is the energy after the flip."""

    event: ClassVar[str] = "neuron_flipped"
    trial: int
    t: float
    neuron: int
    state: int
    field: float
    energy: float


@dataclass(frozen=True, slots=True)
class NeuronWoke(Event):
    """A neuron woke and kept its state (debug level)."""

    event: ClassVar[str] = "neuron_woke"
    level: ClassVar[Level] = "debug"
    trial: int
    t: float
    neuron: int
    state: int
    field: float


@dataclass(frozen=True, slots=True)
class TrialFinished(Event):
    """A trial ended: converged, found a cycle (`period` in sweeps), or reached its limit."""

    event: ClassVar[str] = "trial_finished"
    trial: int
    status: str
    t: float
    sweeps: float
    wakeups: int
    flips: int
    energy: float
    recalled: str | None
    period: int | None = None


@dataclass(frozen=True, slots=True)
class RunFinished(Event):
    """A run ended (completed, interrupted or failed)."""

    event: ClassVar[str] = "run_finished"
    status: str
    trials: int
    recall_rate: float | None
    elapsed_s: float  # wall clock


@dataclass(frozen=True, slots=True)
class RunFailed(Event):
    """A run (or a sweep) stopped on an error inside it; `run_finished` (`sweep_finished`) follows with `failed`."""

    event: ClassVar[str] = "run_failed"
    level: ClassVar[Level] = "warning"
    error: str  # one line: the failing part, the error's type and message


@dataclass(frozen=True, slots=True)
class SweepStarted(Event):
    """A parameter sweep begins."""

    event: ClassVar[str] = "sweep_started"
    scenario: str
    parameters: tuple[str, ...]
    seeds: tuple[int, ...]
    points: int
    skipped: int
    workers: int
    engine: str
    started_at: str  # wall clock (UTC, ISO 8601)


@dataclass(frozen=True, slots=True)
class SweepPoint(Event):
    """One point of a sweep finished (its trials are rows of sweep.csv)."""

    event: ClassVar[str] = "sweep_point"
    point: int
    seed: int
    params: dict[str, Any]
    trials: int
    recall_rate: float | None


@dataclass(frozen=True, slots=True)
class SweepFinished(Event):
    """A sweep ended (completed or interrupted)."""

    event: ClassVar[str] = "sweep_finished"
    status: str
    points: int
    completed: int
    elapsed_s: float  # wall clock


@dataclass(frozen=True, slots=True)
class FlipRun:
    """A run of flips of one trial, in order, straight from an engine's log (fields and energies in model units).

    It stands for one `NeuronFlipped` record per flip; a `FlipSink` takes it
    whole, without the records (a record costs a third of a flip event).
    """

    trial: int
    times: Sequence[float]
    neurons: Sequence[int]
    states: Sequence[int]
    fields: Sequence[float]
    energies: Sequence[float]

    def records(self) -> Iterator[NeuronFlipped]:
        """The run as `NeuronFlipped` records, in order."""
        trial = self.trial
        for t, i, s, u, e in zip(self.times, self.neurons, self.states, self.fields, self.energies, strict=True):
            yield NeuronFlipped(trial=trial, t=t, neuron=i, state=s, field=u, energy=e)


#: A sink's way of taking a run of flips.
FlipWriter = Callable[[FlipRun], None]


def flip_writer(sink: EventSink) -> FlipWriter:
    """How `sink` takes a run of flips: whole when it is a `FlipSink`, else one `NeuronFlipped` record per flip."""
    if isinstance(sink, FlipSink):
        return sink.emit_flips
    return functools.partial(emit_flips_as_records, sink)


def emit_flips(sink: EventSink, run: FlipRun) -> None:
    """Emit a run of flips as `neuron_flipped` events, in order (engines resolve `flip_writer(sink)` once instead)."""
    flip_writer(sink)(run)


def emit_flips_as_records(sink: EventSink, run: FlipRun) -> None:
    """One `NeuronFlipped` record per flip, through `sink.emit`."""
    emit = sink.emit
    for record in run.records():
        emit(record)


class ListSink:
    """Keeps every record in a list (for tests and small scripts)."""

    discards = False

    def __init__(self, *, verbose: bool = False) -> None:
        self.records: list[Event] = []
        self._verbose = verbose

    @property
    def verbose(self) -> bool:
        return self._verbose

    def emit(self, event: Event) -> None:
        self.records.append(event)

    def emit_flips(self, run: FlipRun) -> None:
        """One `NeuronFlipped` record per flip, kept like any other."""
        self.records.extend(run.records())

    def of(self, kind: type[Event]) -> list[Any]:
        """Return the records of one kind, in order."""
        return [r for r in self.records if isinstance(r, kind)]


class NullSink:
    """Discards every record (engines skip making records for it)."""

    verbose = False
    discards = True

    def emit(self, event: Event) -> None:
        pass

    def emit_flips(self, run: FlipRun) -> None:
        pass
