"""Update schedules: the order and times of wake-ups, shared by every engine.

A schedule is an endless iterator of batches `(times, neurons)`, in order of
simulated time. One time unit is one sweep on average: N wake-ups.
"""

from __future__ import annotations

import functools
import math

import numba
import numpy as np

from neurosim.model.dynamics import ScheduleKind
from neurosim.model.pcg import integers
from neurosim.model.pcg import permutation as permutation_of
from neurosim.model.streams import U64, uniform_compiled
from neurosim.model.streams import uniform as stream_draw
from neurosim.typing import Floats, Indices

Batch = tuple[Floats, Indices]

__all__ = [
    "Batch",
    "Schedule",
    "ScheduleKind",
    "next_batch",
    "permutation",
    "poisson",
    "sequential",
    "synchronous",
    "uniform",
]


# schedule codes, for compiled engines
POISSON, PERMUTATION, SEQUENTIAL, UNIFORM, SYNCHRONOUS = range(5)
_NO_WORDS = np.zeros(0, dtype=np.uint64)
_NO_FLOATS = np.zeros(0)


@functools.lru_cache(maxsize=8)
def _steps(size: int) -> Floats:
    # the offsets (j + 1) / N of a sweep's wake-ups (read-only, shared)
    steps = np.arange(1, size + 1, dtype=np.float64) / size
    steps.flags.writeable = False
    return steps


class Schedule:
    """An endless iterator of batches; its whole state is in arrays, so a compiled engine can draw from it too.

    `next_batch` draws the next batch from that state for compiled loops, and the
    iterator calls the same compiled halves it does (`poisson_batch`,
    `sweep_batch`), so both see the same batches by construction.
    """

    __slots__ = ("clock", "code", "done", "drawn", "inverse", "keys", "size", "steps", "stream", "upcoming", "window")

    def __init__(
        self,
        code: int,
        size: int,
        *,
        stream: U64 = _NO_WORDS,
        keys: U64 = _NO_WORDS,
        rates: Floats | None = None,
        window: float = 1.0,
    ) -> None:
        self.code = code
        self.size = size
        #: the PCG64 state of the permutation and uniform schedules (`neurosim.model.pcg`)
        self.stream = stream
        #: the neurons' clock keys, the inverse rates, each neuron's next wake-up and draws made (poisson)
        self.keys = keys
        self.inverse = _NO_FLOATS
        self.upcoming = _NO_FLOATS
        self.drawn = _NO_WORDS
        if code == POISSON:
            self.inverse = np.ones(size) if rates is None else 1.0 / np.asarray(rates, dtype=np.float64)
            self.upcoming = np.zeros(size)
            self.drawn = np.zeros(size, dtype=np.uint64)
            start = _first_clocks if size <= SMALL_SIZE else _advance_clocks
            start(keys, self.inverse, self.upcoming, self.drawn, np.arange(size, dtype=np.int64))
        self.steps = _steps(size)
        #: batches drawn so far
        self.done = np.zeros(1, dtype=np.int64)
        #: the end of the last poisson window
        self.clock = np.zeros(1)
        self.window = window

    def __iter__(self) -> Schedule:
        return self

    def __next__(self) -> Batch:
        # as next_batch, whose two halves are compiled apart: a run compiles only its schedule's (the first
        # run on a machine compiles them, and the poisson window alone takes seconds)
        batch: Batch
        if self.code == POISSON and self.size <= SMALL_SIZE:  # poisson_batch, step for step, in Python
            self.done[0] += 1
            self.clock[0] += self.window
            batch = _small_window(self.keys, self.inverse, self.upcoming, self.drawn, float(self.clock[0]))
        elif self.code == POISSON:
            batch = poisson_batch(
                self.keys, self.inverse, self.upcoming, self.drawn, self.done, self.clock, self.window
            )
        else:
            batch = sweep_batch(self.code, self.size, self.stream, self.steps, self.done)
        return batch


def sequential(size: int) -> Schedule:
    """Sweeps in the fixed order 0..N-1; wake-up j of sweep k happens at t = k + (j + 1) / N."""
    return Schedule(SEQUENTIAL, size)


def uniform(size: int, stream: U64) -> Schedule:
    """Each wake-up picks a neuron uniformly at random, with replacement; wake-up w happens at t = (w + 1) / N.

    `stream` is a PCG64 state (`neurosim.model.pcg.stream`): each sweep's picks
    are `Generator.integers(0, N, size=N)` of that stream.
    """
    return Schedule(UNIFORM, size, stream=stream)


def synchronous(size: int) -> Schedule:
    """Every neuron at once, at t = k + 1: the engine reads one snapshot for all, then writes (Little dynamics)."""
    return Schedule(SYNCHRONOUS, size)


def permutation(size: int, stream: U64) -> Schedule:
    """Sweeps in a fresh random order; wake-up j of sweep k happens at t = k + (j + 1) / N.

    `stream` is a PCG64 state (`neurosim.model.pcg.stream`): each sweep's order
    is `Generator.permutation(N)` of that stream.
    """
    return Schedule(PERMUTATION, size, stream=stream)


def poisson(keys: U64, rates: Floats | None = None, window: float = 1.0) -> Schedule:
    """Each neuron wakes on its own Poisson clock, of rate 1 per time unit unless `rates` says otherwise.

    Neuron i's k-th interval is -log(1 - u) / rate_i with u draw k of its own
    stream (key i), so the wake-up times do not depend on the window or on how
    neurons are grouped. Each batch holds the wake-ups of one window, ordered by
    time; equal times (practically never seen) are ordered by neuron index.
    """
    return Schedule(POISSON, keys.size, keys=keys, rates=rates, window=window)


@numba.njit(cache=True)
def next_batch(
    code: int, size: int, stream: U64, keys: U64, inverse: Floats, upcoming: Floats, drawn: U64,
    steps: Floats, done: Indices, clock: Floats, window: float,
) -> Batch:  # fmt: skip  # pragma: no cover - compiled
    """The next batch of a schedule (see `Schedule`): a compiled engine's way in, for every kind."""
    if code == POISSON:
        return poisson_batch(keys, inverse, upcoming, drawn, done, clock, window)
    return sweep_batch(code, size, stream, steps, done)


@numba.njit(cache=True)
def poisson_batch(
    keys: U64, inverse: Floats, upcoming: Floats, drawn: U64, done: Indices, clock: Floats, window: float
) -> Batch:  # pragma: no cover - compiled
    """The next window of the poisson schedule: every wake-up before the window's end, by time."""
    done[0] += 1
    clock[0] += window
    return _window(keys, inverse, upcoming, drawn, clock[0])


@numba.njit(cache=True)
def sweep_batch(code: int, size: int, stream: U64, steps: Floats, done: Indices) -> Batch:  # pragma: no cover
    """The next sweep of the other schedules (permutation, uniform, sequential, synchronous)."""
    sweep = done[0]
    done[0] = sweep + 1
    if code == SYNCHRONOUS:
        return np.full(size, float(sweep + 1)), np.arange(size)
    times = sweep + steps
    if code == PERMUTATION:
        return times, permutation_of(stream, size)
    if code == UNIFORM:
        return times, integers(stream, size, size)
    return times, np.arange(size)


#: Up to this many neurons, the poisson schedule's iterator draws its windows in Python: the same numbers
#: (the streams' scalar form, the C library's log1p, the order by time then neuron), nothing to compile,
#: so a small network's first run does not wait seconds for the window's compiled sort.
SMALL_SIZE = 128


def _first_clocks(keys: U64, inverse: Floats, upcoming: Floats, drawn: U64, which: Indices) -> None:
    """`_advance_clocks` in Python, for small networks."""
    for i in which.tolist():
        upcoming[i] += -math.log1p(-stream_draw(int(keys[i]), int(drawn[i]))) * inverse[i]
        drawn[i] += np.uint64(1)


def _small_window(keys: U64, inverse: Floats, upcoming: Floats, drawn: U64, end: float) -> Batch:
    """`_window` in Python, for small networks: every wake-up before `end`, ordered by (time, neuron)."""
    times: list[float] = []
    neurons: list[int] = []
    for i in range(upcoming.size):  # neuron by neuron, as _window draws
        key, inverse_rate = int(keys[i]), inverse[i]
        t, k = upcoming[i], int(drawn[i])
        while t < end:
            times.append(float(t))
            neurons.append(i)
            t += -math.log1p(-stream_draw(key, k)) * inverse_rate
            k += 1
        upcoming[i], drawn[i] = t, k
    t_out = np.array(times, dtype=np.float64)
    n_out = np.array(neurons, dtype=np.int64)
    order = np.lexsort((n_out, t_out))
    return t_out[order], n_out[order]


@numba.njit(cache=True)
def _advance_clocks(keys: U64, inverse: Floats, upcoming: Floats, drawn: U64, which: Indices) -> None:
    for i in which:  # pragma: no cover - compiled
        upcoming[i] += -math.log1p(-uniform_compiled(keys[i], drawn[i])) * inverse[i]
        drawn[i] += np.uint64(1)


@numba.njit(cache=True)
def _window(keys: U64, inverse: Floats, upcoming: Floats, drawn: U64, end: float) -> Batch:  # pragma: no cover
    capacity = upcoming.size + 16
    times = np.empty(capacity)
    neurons = np.empty(capacity, dtype=np.int64)
    n = np.int64(0)  # not the literal 0: numba would compile _by_time once more for a count known to be 0
    for i in range(upcoming.size):  # neuron by neuron
        while upcoming[i] < end:
            if n == times.size:  # full: twice the room (by hand: np.concatenate takes long to compile)
                wider_t = np.empty(2 * n)
                wider_n = np.empty(2 * n, dtype=np.int64)
                for k in range(n):
                    wider_t[k] = times[k]
                    wider_n[k] = neurons[k]
                times, neurons = wider_t, wider_n
            times[n] = upcoming[i]
            neurons[n] = i
            n += 1
            upcoming[i] += -math.log1p(-uniform_compiled(keys[i], drawn[i])) * inverse[i]
            drawn[i] += np.uint64(1)
    return _by_time(times, neurons, int(n))


#: Buckets with more wake-ups than this are sorted by a heap sort rather than by insertion.
_SMALL_BUCKET = 32


@numba.njit(cache=True)
def _by_time(times: Floats, neurons: Indices, n: int) -> Batch:  # pragma: no cover - compiled
    # The first n wake-ups ordered by (time, neuron): a bucket pass over the window's time range
    # (the times are spread over it), then each bucket sorted by insertion, after a merge sort
    # by time when it is crowded.
    out_t = np.empty(n)
    out_n = np.empty(n, dtype=np.int64)
    if n == 0:
        return out_t, out_n
    lo, hi = times[0], times[0]
    for k in range(n):
        lo = min(lo, times[k])
        hi = max(hi, times[k])
    scale = n / (hi - lo) if hi > lo else 0.0
    if not (math.isfinite(scale) and math.isfinite(hi - lo)):  # too narrow or too wide a range: one bucket
        scale = 0.0
    starts = np.zeros(n + 1, dtype=np.int64)
    bucket = np.zeros(n, dtype=np.int64)
    for k in range(n):
        b = 0 if scale == 0.0 else min(int((times[k] - lo) * scale), n - 1)
        bucket[k] = b
        starts[b + 1] += 1
    for b in range(n):
        starts[b + 1] += starts[b]
    fill = starts[:n].copy()
    for k in range(n):
        p = fill[bucket[k]]
        out_t[p] = times[k]
        out_n[p] = neurons[k]
        fill[bucket[k]] = p + 1
    for b in range(n):
        first, last = starts[b], starts[b + 1]
        if last - first > _SMALL_BUCKET:  # crowded: a heap sort (a hand-written loop compiles in a fraction
            _heap_sort(out_t, out_n, first, last)  # of the time numpy's argsort takes; the order is the same)
            continue
        for k in range(first + 1, last):
            t, i = out_t[k], out_n[k]
            j = k - 1
            while j >= first and (out_t[j] > t or (out_t[j] == t and out_n[j] > i)):
                out_t[j + 1] = out_t[j]
                out_n[j + 1] = out_n[j]
                j -= 1
            out_t[j + 1] = t
            out_n[j + 1] = i
    return out_t, out_n


@numba.njit(cache=True)
def _before(times: Floats, neurons: Indices, a: int, b: int) -> bool:  # pragma: no cover - compiled
    return bool(times[a] < times[b] or (times[a] == times[b] and neurons[a] < neurons[b]))


@numba.njit(cache=True)
def _sift(times: Floats, neurons: Indices, first: int, root: int, end: int) -> None:  # pragma: no cover - compiled
    # move the wake-up at `root` down the max-heap of times[first:end] (offsets from `first`)
    while True:
        child = 2 * (root - first) + 1 + first
        if child >= end:
            return
        if child + 1 < end and _before(times, neurons, child, child + 1):
            child += 1
        if not _before(times, neurons, root, child):
            return
        times[root], times[child] = times[child], times[root]
        neurons[root], neurons[child] = neurons[child], neurons[root]
        root = child


@numba.njit(cache=True)
def _heap_sort(times: Floats, neurons: Indices, first: int, last: int) -> None:  # pragma: no cover - compiled
    """Sort times[first:last] (with their neurons) by (time, neuron), in place."""
    for start in range(first + (last - first) // 2 - 1, first - 1, -1):
        _sift(times, neurons, first, start, last)
    for end in range(last - 1, first, -1):
        times[first], times[end] = times[end], times[first]
        neurons[first], neurons[end] = neurons[end], neurons[first]
        _sift(times, neurons, first, first, end)
