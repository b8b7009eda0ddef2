"""Update schedules: the order and times of wake-ups, shared by every engine.

A schedule is an endless iterator of batches `(times, neurons)`, in order of
simulated time. One time unit is one sweep on average: N wake-ups.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum

import numpy as np

from neurosim.model.streams import U64, exponentials
from neurosim.typing import Floats, Indices

Batch = tuple[Floats, Indices]


class ScheduleKind(StrEnum):
    """The update schedules a scenario can name."""

    POISSON = "poisson"
    PERMUTATION = "permutation"


def permutation(size: int, rng: np.random.Generator) -> Iterator[Batch]:
    """Sweeps in a fresh random order; wake-up j of sweep k happens at t = k + (j + 1) / N."""
    steps = np.arange(1, size + 1, dtype=np.float64) / size
    sweep = 0
    while True:
        yield sweep + steps, rng.permutation(size).astype(np.int64)
        sweep += 1


def poisson(keys: U64, window: float = 1.0) -> Iterator[Batch]:
    """Each neuron wakes on its own Poisson clock of rate 1 per time unit.

    Neuron i's k-th interval is draw k of its own stream (key i), so the wake-up
    times do not depend on the window or on how neurons are grouped. Each batch
    holds the wake-ups of one window, ordered by time; equal times (practically
    never seen) are ordered by neuron index.
    """
    size = keys.size
    drawn = np.zeros(size, dtype=np.uint64)
    upcoming = exponentials(keys, drawn)
    drawn += np.uint64(1)
    end = 0.0
    while True:
        end += window
        times: list[Floats] = []
        neurons: list[Indices] = []
        due = np.flatnonzero(upcoming < end)
        while due.size:
            times.append(upcoming[due].copy())
            neurons.append(due)
            upcoming[due] += exponentials(keys[due], drawn[due])
            drawn[due] += np.uint64(1)
            due = due[upcoming[due] < end]
        if not times:
            yield np.empty(0), np.empty(0, dtype=np.int64)
            continue
        t = np.concatenate(times)
        i = np.concatenate(neurons).astype(np.int64)
        order = np.lexsort((i, t))
        yield t[order], i[order]
