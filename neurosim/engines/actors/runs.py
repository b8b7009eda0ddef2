"""Runs of wake-ups: cutting a batch into runs of distinct neurons, and the fast path's convergence bookkeeping.

A run is what the coordinator resolves before letting the neurons go: no neuron
may wake twice in it (each has one alarm). Both functions are compiled: a Python
loop here would cost more per wake-up than the rest of the runtime.
"""

from __future__ import annotations

import types
from collections.abc import Generator

import numba
import numpy as np

from neurosim.model import energy, schedules
from neurosim.typing import Floats, Indices


@numba.njit(cache=True)
def _distinct_runs(neurons: Indices, marks: Indices) -> Indices:  # pragma: no cover - compiled
    ends = np.empty(neurons.size, dtype=np.int64)
    count = 0
    begin = 0
    for k in range(neurons.size):
        i = neurons[k]
        if marks[i] >= begin:  # woken already in this run: the run ends before k
            ends[count] = k
            count += 1
            begin = k
        marks[i] = k
    ends[count] = neurons.size
    return ends[: count + 1]


@numba.njit(cache=True)
def _settle(
    neurons: Indices, begin: int, end: int, flipper: int, until: int, marks: Indices, tally: Indices
) -> int:  # pragma: no cover - compiled
    """Mark who has woken since the last flip; return the wake-up that completes a quiet epoch, or -1.

    The fast path's convergence bookkeeping over one batch of wake-ups. tally =
    [epoch, quiet, size, marked]: marks[i] is the epoch in which neuron i last woke
    without flipping, quiet counts this epoch's marks, and the wake-ups before
    batch index `marked` are marked. `flipper` >= 0 is the last neuron that
    flipped, in the run neurons[begin:end]: its flip opens a new epoch, counted
    from the wake-up after it. Then the wake-ups up to `until` are marked as if
    none of them flips. Marks made ahead of the runs are right as long as nobody
    flips first; a flip opens a new epoch, which voids them.
    """
    if flipper >= 0:
        k = end - 1
        while k > begin and neurons[k] != flipper:
            k -= 1
        tally[3] = k + 1
        tally[0] += 1
        tally[1] = 0
    epoch, quiet, size = tally[0], tally[1], tally[2]
    for k in range(tally[3], until):
        i = neurons[k]
        if marks[i] != epoch:
            marks[i] = epoch
            quiet += 1
            if quiet == size:
                tally[1] = quiet
                tally[3] = k + 1
                return k
    tally[1] = quiet
    tally[3] = max(tally[3], until)
    return -1


@types.coroutine
def let_woken_run() -> Generator[None, None, None]:
    """Yield once to the event loop, so that every neuron woken so far runs first.

    asyncio runs ready callbacks first in, first out: the neurons whose alarms were
    resolved before this yield run, in the order they were resolved, before the
    coordinator (or an actor shard) resumes.
    """
    yield


#: Up to this many entries (wake-ups of a batch, fields of a flip), the functions below run their Python
#: source rather than the compiled code: the same steps on the same numbers, and a small network's first run
#: compiles nothing of them.
SMALL = 128


def settle(neurons: Indices, begin: int, end: int, flipper: int, until: int, marks: Indices, tally: Indices) -> int:
    """`_settle` (above): compiled for batches of more than SMALL wake-ups."""
    run = _settle.py_func if neurons.size <= SMALL else _settle
    return int(run(neurons, begin, end, flipper, until, marks, tally))


def deliver_flip(target: Floats, state: int, fanout: Floats) -> None:
    """`neurosim.model.energy.deliver_flip`: compiled for more than SMALL fields (one rounding each, as there)."""
    if target.size <= SMALL:
        energy.deliver_flip.py_func(target, state, fanout)
    else:
        energy.deliver_flip(target, state, fanout)


def load_compiled(fields: Floats, *, poisson: bool, fanout: Floats | None = None) -> None:
    """Load the compiled functions a run needs now (~0.1 s each from numba's cache), not in its first recall.

    `fanout` is a neuron's row of the couplings, when they are kept as a matrix (read-only): the flips
    deliver through rows like it, and a writable stand-in would compile a version no flip uses. A small
    network (SMALL neurons or fewer) runs the Python source of these functions and loads none of them.
    """
    if fields.size <= SMALL:
        return
    none = np.zeros(0, dtype=np.int64)
    energy.deliver_flip(fields[:0], 1, fields[:0] if fanout is None else fanout[:0])
    _settle(none, 0, 0, -1, 0, none, np.zeros(4, dtype=np.int64))
    _distinct_runs(np.zeros(1, dtype=np.int64), np.full(1, -1, dtype=np.int64))
    if poisson and fields.size > schedules.SMALL_SIZE:  # a small network's windows are drawn in Python
        next(schedules.poisson(np.zeros(schedules.SMALL_SIZE + 1, dtype=np.uint64)))


def distinct_runs(neurons: Indices) -> Indices:
    """Cut a batch into consecutive runs in which no neuron wakes twice; returns each run's end."""
    marks = np.full(int(neurons.max()) + 1, -1, dtype=np.int64)
    run = _distinct_runs.py_func if neurons.size <= SMALL else _distinct_runs
    out: Indices = run(neurons, marks)
    return out
