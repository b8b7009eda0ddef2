"""A finished run read back from its directory: `events.jsonl` and `summary.json` alone.

Each trial's start state is the one it records (`start_state` in summary.json,
also in its `trial_started` event) and its flips are its `neuron_flipped`
events, which must lead from the start to the final state. `stored_patterns`
(name → ±1 list) gives the patterns' vectors; without it, the patterns that
some trial recalled are still known exactly (its final state *is* the pattern).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from neurosim.model.capacity import FinalKind
from neurosim.results import Ending, ending, is_recall
from neurosim.rundir.layout import (
    EVENTS_FILE,
    SUMMARY_FILE,
    SWEEP_FILE,
    RunDirError,
    check_format,
    read_scenario,
)
from neurosim.typing import Floats, Indices, Spins

PatternSource = Literal["summary", "recalled", "none"]
_PREFIX = '{"event":"'


@dataclass(frozen=True, slots=True, eq=False)
class TrialRecord:
    """One finished trial: its summary entry and its flips, in order."""

    trial: int
    cue: str | None
    repeat: int
    status: str
    recalled: str | None
    final_kind: FinalKind | None
    t_end: float
    energy_initial: float
    final_state: Spins
    start_state: Spins
    flip_times: Floats
    flip_neurons: Indices
    flip_states: Spins
    flip_energies: Floats
    summary: dict[str, Any] = field(repr=False)

    @property
    def flips(self) -> int:
        """Number of flips."""
        return int(self.flip_neurons.size)

    @property
    def success(self) -> bool:
        """True when the final state is exactly the trial's target."""
        return is_recall(self.cue, self.recalled)

    @property
    def ending(self) -> Ending:
        """How the trial ended."""
        return ending(self)

    @property
    def energies(self) -> Floats:
        """The energy at the start, then after each flip."""
        return np.concatenate([[self.energy_initial], self.flip_energies])

    @property
    def times(self) -> Floats:
        """Time 0, then the time of each flip (the companion of `energies`)."""
        return np.concatenate([[0.0], self.flip_times])

    def state_after(self, flips: int) -> Spins:
        """The state after the first `flips` flips (0: the start; `self.flips`: the final state)."""
        state = self.start_state.copy()
        apply_flips(state, self.flip_neurons[:flips], self.flip_states[:flips])
        return state

    def overlap_series(self, pattern: Spins) -> Floats:
        """m = ξ·s/N at the start and after each flip, computed in integers and divided once."""
        n = pattern.size
        xi = pattern.astype(np.int64)
        m0 = int(xi @ self.start_state.astype(np.int64))
        steps = 2 * xi[self.flip_neurons] * self.flip_states.astype(np.int64)
        series: Floats = np.concatenate([[m0], m0 + np.cumsum(steps)]) / n
        return series


@dataclass(frozen=True, slots=True, eq=False)
class RunRecord:
    """A whole run directory, read back."""

    path: Path
    summary: dict[str, Any] = field(repr=False)
    run_started: dict[str, Any] = field(repr=False)
    run_finished: dict[str, Any] | None = field(repr=False)
    trials: tuple[TrialRecord, ...]
    event_counts: dict[str, int]
    patterns: dict[str, Spins]
    pattern_source: PatternSource
    shape: tuple[int, int] | None
    scenario_text: str | None

    @property
    def name(self) -> str:
        """The scenario's name."""
        return str(self.summary.get("scenario", self.path.name))

    @property
    def neurons(self) -> int:
        """Number of neurons N."""
        return int(self.summary.get("neurons", 0))

    @property
    def pattern_names(self) -> tuple[str, ...]:
        """Names of all stored patterns, known vectors or not."""
        return tuple(self.summary.get("patterns", ()))

    @property
    def sweep_csv(self) -> Path | None:
        """The sweep's rows, when this is a sweep's directory."""
        path = self.path / SWEEP_FILE
        return path if path.is_file() else None

    @property
    def run_id(self) -> str | None:
        """The run id of the events (scenario, seed and a hash of the scenario text)."""
        value = self.run_started.get("run_id")
        return None if value is None else str(value)

    def trial(self, index: int) -> TrialRecord:
        """The finished trial numbered `index`."""
        for t in self.trials:
            if t.trial == index:
                return t
        raise RunDirError(f"{self.path}: no finished trial {index}")

    def target(self, trial: TrialRecord) -> Spins | None:
        """The trial's target pattern, when its vector is known."""
        return None if trial.cue is None else self.patterns.get(trial.cue)


def apply_flips(state: Spins, neurons: Indices, states: Spins) -> None:
    """Apply flips to `state` in place; a neuron flipped twice ends in its last state."""
    if neurons.size == 0:
        return
    # fancy assignment leaves the winner among repeated indices unspecified: keep each neuron's last flip
    last = neurons.size - 1 - np.unique(neurons[::-1], return_index=True)[1]
    state[neurons[last]] = states[last]


def read_run(run_dir: str | Path) -> RunRecord:
    """Read a run directory; raises RunDirError when a file is missing or the two disagree."""
    path = Path(run_dir)
    summary = _read_summary(path / SUMMARY_FILE)
    check_format(path / SUMMARY_FILE, summary)
    # a sweep's summary has no trials (and may vary N); a run's trials need N
    neurons = _int(summary, "neurons", path / SUMMARY_FILE) if summary.get("trials") else 0
    run_started, run_finished, started, flips, counts = _read_events(path / EVENTS_FILE)
    trials = tuple(
        _trial_record(path, entry, started.get(int(entry["trial"])), flips.get(int(entry["trial"]), []), neurons)
        for entry in summary.get("trials", [])
    )
    patterns, source = _known_patterns(summary, trials, neurons)
    return RunRecord(
        path=path,
        summary=summary,
        run_started=run_started,
        run_finished=run_finished,
        trials=trials,
        event_counts=dict(counts),
        patterns=patterns,
        pattern_source=source,
        shape=_shape(summary.get("shape"), neurons),
        scenario_text=read_scenario(path),
    )


def _read_summary(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RunDirError(f"{path}: missing (is {path.parent} a run directory?)") from None
    except (OSError, ValueError) as exc:
        raise RunDirError(f"{path}: unreadable: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("trials", []), list):
        raise RunDirError(f"{path}: not a neurosim summary")
    return data


def _int(data: dict[str, Any], key: str, where: Path) -> int:
    value = data.get(key)
    if not isinstance(value, int) or value <= 0:
        raise RunDirError(f"{where}: {key}: expected a positive integer, found {value!r}")
    return value


_Flip = tuple[float, int, int, float]


def _read_events(
    path: Path,
) -> tuple[dict[str, Any], dict[str, Any] | None, dict[int, dict[str, Any]], dict[int, list[_Flip]], Counter[str]]:
    counts: Counter[str] = Counter()
    run_started: dict[str, Any] = {}
    run_finished: dict[str, Any] | None = None
    started: dict[int, dict[str, Any]] = {}
    flips: dict[int, list[_Flip]] = {}
    try:
        lines = path.open(encoding="utf-8")
    except FileNotFoundError:
        raise RunDirError(f"{path}: missing (is {path.parent} a run directory?)") from None
    with lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            # `event` comes first: debug-level wake-ups, the bulk of a debug log, are counted without parsing
            if line.startswith(_PREFIX + 'neuron_woke"'):
                counts["neuron_woke"] += 1
                continue
            try:
                record = json.loads(line)
                kind = str(record["event"])
            except (ValueError, KeyError, TypeError):
                raise RunDirError(f"{path}:{number}: not an event record") from None
            counts[kind] += 1
            if kind == "neuron_flipped":
                flips.setdefault(int(record["trial"]), []).append(
                    (float(record["t"]), int(record["neuron"]), int(record["state"]), float(record["energy"]))
                )
            elif kind == "trial_started":
                started[int(record["trial"])] = record
            elif kind in ("run_started", "sweep_started"):
                run_started = record
            elif kind in ("run_finished", "sweep_finished"):
                run_finished = record
    return run_started, run_finished, started, flips, counts


def _spins(path: Path, index: int, entry: dict[str, Any], key: str, neurons: int) -> Spins:
    state = np.asarray(entry.get(key), dtype=np.int8)
    if state.shape != (neurons,) or not np.all(np.abs(state) == 1):
        raise RunDirError(f"{path / SUMMARY_FILE}: trial {index}: {key} is not {neurons} entries of ±1")
    return state


def _trial_record(
    path: Path, entry: dict[str, Any], started: dict[str, Any] | None, flips: list[_Flip], neurons: int
) -> TrialRecord:
    index = int(entry["trial"])
    start = _spins(path, index, entry, "start_state", neurons)
    final = _spins(path, index, entry, "final_state", neurons)
    if started is not None and started.get("start_state", entry["start_state"]) != entry["start_state"]:
        raise RunDirError(f"{path}: trial {index}: {EVENTS_FILE} and {SUMMARY_FILE} record other start states")
    times = np.array([f[0] for f in flips], dtype=np.float64)
    which = np.array([f[1] for f in flips], dtype=np.int64)
    states = np.array([f[2] for f in flips], dtype=np.int8)
    energies = np.array([f[3] for f in flips], dtype=np.float64)
    if which.size and (which.min() < 0 or which.max() >= neurons):
        raise RunDirError(f"{path / EVENTS_FILE}: trial {index}: a flip names a neuron outside 0…{neurons - 1}")
    _check_flips(path, index, start, final, which, states)
    energy0 = started.get("energy") if started is not None else None
    return TrialRecord(
        trial=index,
        cue=entry.get("cue"),
        repeat=int(entry.get("repeat", 0)),
        status=str(entry.get("status", "")),
        recalled=entry.get("recalled"),
        final_kind=entry.get("final_kind"),
        t_end=float(entry.get("t", times[-1] if times.size else 0.0)),
        energy_initial=float(entry["energy_initial"] if energy0 is None else energy0),
        final_state=final,
        start_state=start,
        flip_times=times,
        flip_neurons=which,
        flip_states=states,
        flip_energies=energies,
        summary=entry,
    )


def _check_flips(path: Path, index: int, start: Spins, final: Spins, which: Indices, states: Spins) -> None:
    """Each flip changes its neuron's state, and the flips lead from the start to the final state."""
    order = np.argsort(which, kind="stable")
    w, s = which[order], states[order]
    first = np.append(True, w[1:] != w[:-1]) if w.size else np.zeros(0, dtype=bool)
    before = np.where(first, start[w], np.append(0, s[:-1]).astype(np.int8))  # each flip's state before it
    end = start.copy()
    apply_flips(end, which, states)
    if np.any(s == before) or not np.array_equal(end, final):
        raise RunDirError(f"{path}: trial {index}: the flips in {EVENTS_FILE} do not lead to the final state")


def _known_patterns(
    summary: dict[str, Any], trials: tuple[TrialRecord, ...], neurons: int
) -> tuple[dict[str, Spins], PatternSource]:
    stored = summary.get("stored_patterns")
    if isinstance(stored, dict) and stored:
        patterns = {str(k): np.asarray(v, dtype=np.int8) for k, v in stored.items()}
        if all(p.shape == (neurons,) for p in patterns.values()):
            return patterns, "summary"
    recalled: dict[str, Spins] = {}
    for t in trials:
        if t.recalled is not None and t.recalled not in recalled:
            recalled[t.recalled] = t.final_state
    order = {name: k for k, name in enumerate(summary.get("patterns", []))}
    recalled = dict(sorted(recalled.items(), key=lambda kv: order.get(kv[0], len(order))))
    return recalled, ("recalled" if recalled else "none")


def _shape(value: object, neurons: int) -> tuple[int, int] | None:
    if isinstance(value, list | tuple) and len(value) == 2 and all(isinstance(v, int) and v > 0 for v in value):
        rows, cols = int(value[0]), int(value[1])
        if rows * cols == neurons:
            return rows, cols
    return None
