"""The kernel engine's driver: a recall's setup, its compiled run, and its events.

It takes the same wake-up schedule, the same per-neuron streams and the same
rules as the actors, makes the same floating-point operations in the same
order (`loops`), and emits the same events, so for any scenario and seed it
produces exactly the actor engine's flips and summary. It is the speed path,
and the oracle that checks the actors.

A recall is a few calls into compiled code (`loops.drive`), which draws the
schedule's batches itself (`schedules.next_batch`, the same function the
actors' iterator calls) and runs them for a slice of about `SLICE_WAKEUPS`
wake-ups (whole sweeps) at a time, until the recall ends; between slices the
run can be stopped (Ctrl-C), and a slice boundary changes no flip, event or
count. The scenarios whose cycles are watched for (deterministic sequential
and synchronous sweeps) come back after every sweep, for the `CycleWatch`.
Integer couplings are read as int8/int16 rows when that is exact (`compact`).
Work arrays and logs live with the engine and are reused by every recall.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Generator
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from neurosim.engines.collector import collector_paused
from neurosim.engines.kernel.loops import (
    CONVERGED,
    CYCLE,
    ENERGY,
    EPOCH,
    EVENTS,
    FLIPS,
    GIVEN,
    GRANTED,
    LOGGED,
    MAX_SWEEPS,
    MAX_TIME,
    RISES,
    RUNNING,
    STATUS,
    SWEEPS,
    T_END,
    WAKEUPS,
    drive,
    integer_bound,
)  # fmt: skip
from neurosim.engines.protocol import DENSE_MEMORY_REFUSAL, GRADED_REFUSAL, CycleWatch, Outcome, Recall, Status
from neurosim.errors import NeurosimError
from neurosim.events import FlipRun, NeuronFlipped, NeuronWoke, flip_writer
from neurosim.model.couplings import AnyCouplings, Couplings, LinearCouplings, LowRankCouplings
from neurosim.model.dense import DenseMemory
from neurosim.model.dynamics import Dynamics
from neurosim.model.energy import energy_from_fields, field_units
from neurosim.model.registry import LEARNING_RULES
from neurosim.model.schedules import Schedule
from neurosim.model.sparse import SparseCouplings
from neurosim.typing import Clock, EventSink, Floats

_STATUS: dict[int, Status] = {
    CONVERGED: "converged",
    MAX_SWEEPS: "max_sweeps",
    MAX_TIME: "max_time",
    CYCLE: "cycle",
}


@contextlib.asynccontextmanager
async def open_kernel(
    couplings: AnyCouplings, sink: EventSink, dynamics: Dynamics, clock: Clock | None = None
) -> AsyncIterator[KernelEngine]:
    """The kernel engine for a run (it keeps no wall clock: `clock` must be virtual)."""
    del clock  # refused by the registry when paced
    engine = KernelEngine(couplings, sink, dynamics)
    async with collector_paused(collect=False):
        yield engine


def compact(matrix: Floats) -> npt.NDArray[Any]:
    """`matrix` as int8 or int16 when that holds it exactly, else `matrix` itself.

    A flip adds 2·s·w to N fields; with integer couplings (Hebbian: Σ ξξᵀ) the
    same w read from 1 or 2 bytes instead of 8 gives the same products and sums,
    and a whole N = 1000 network's rows stay in the core's cache. Exact means
    every entry is an integer in range and none is a negative zero (whose
    product with ±2 has the other sign from a converted 0).
    """
    top = integer_bound(matrix)
    for dtype in (np.int8, np.int16):
        if 0.0 <= top <= np.iinfo(dtype).max:
            return np.ascontiguousarray(matrix.astype(dtype))
    return matrix


def _fanouts(couplings: LinearCouplings) -> tuple[Any, Any]:
    """The couplings as the compiled loops read them (`energy.deliver_row`): each neuron's fanout, and W's rows.

    W's rows are kept for an asymmetric W only (for Wᵀs); a symmetric W's are an empty
    matrix, or empty compressed rows, of the type the fanouts have, so that each form
    of couplings compiles one set of loops. Both are handed over read-only: numba
    compiles again for an array that differs only in being writable, and whether
    the network's arrays are writable depends on how they were built.
    """
    fanouts: Any
    rows: Any
    if isinstance(couplings, SparseCouplings):
        if couplings.symmetric:
            fanouts = couplings.compressed()
            rows = (np.zeros(1, dtype=np.int64), couplings.indices[:0], couplings.values[:0])
        else:
            fanouts, rows = couplings.compressed_out(), couplings.compressed()
    elif isinstance(couplings, LowRankCouplings):  # the fanout is formed from the patterns when a neuron flips
        fanouts, rows = (np.ascontiguousarray(couplings.patterns.T.astype(np.int8)),), np.zeros((0, 0), dtype=np.int8)
    else:
        m = couplings.matrix
        fanouts = compact(m if couplings.symmetric else np.ascontiguousarray(m.T))
        rows = compact(m) if not couplings.symmetric else np.zeros((0, 0), dtype=fanouts.dtype)
    return read_only(fanouts), read_only(rows)


def read_only(arrays: Any) -> Any:
    """A read-only view of an array, or of each array of a tuple (no copy)."""
    if isinstance(arrays, tuple):
        return tuple(read_only(a) for a in arrays)
    view = arrays.view()
    view.flags.writeable = False
    return view


class KernelEngine:
    """Recalls on the compiled loop; the same interface and events as the actor `Coordinator`."""

    def __init__(self, couplings: AnyCouplings, sink: EventSink, dynamics: Dynamics | None = None) -> None:
        if isinstance(couplings, DenseMemory):
            raise NeurosimError(DENSE_MEMORY_REFUSAL)
        refusal = LEARNING_RULES["sequence"].kernel_refusal
        if isinstance(couplings, Couplings) and couplings.slow is not None and refusal is not None:
            raise NeurosimError(refusal)  # built in code: no scenario's rule was checked
        if dynamics is not None and dynamics.graded:
            raise NeurosimError(GRADED_REFUSAL)
        self.couplings = couplings
        self.sink = sink
        self.dynamics = dynamics or Dynamics()
        self._fanouts, self._rows = _fanouts(couplings)
        self._diag = read_only(np.ascontiguousarray(couplings.diagonal()))
        self._has_diag = bool(np.any(self._diag != 0.0))
        self._thetas = read_only(np.ascontiguousarray(couplings.thresholds))
        size = couplings.size
        # work arrays, reused by every recall (reset where a recall reads them before writing)
        self._no_keys = np.zeros(size, dtype=np.uint64)
        self._draws = np.zeros(size, dtype=np.uint64)
        self._last_flip = np.full(size, -np.inf)
        self._seen = np.full(size, -1, dtype=np.int64)
        self._epoch = 0  # epochs only grow, across recalls too: no recall's epoch matches a mark of an earlier one
        self._intent = np.zeros(size, dtype=np.int8)
        self._intent_u = np.zeros(size)
        self._intents = np.zeros(size, dtype=np.int64)
        self._no_transposed = np.zeros(size)  # read, never written, when W is symmetric
        self._flips = _Log(4 * size, flip=True)
        self._events = _Log(4 * size, flip=False)
        self._discards = sink.discards
        self._write_flips = flip_writer(sink)
        d = self.dynamics
        # the loop's knobs, fixed for the engine's life
        self._knobs = (d.temperatures(), d.delay, d.refractory, d.synchronous, d.converges, sink.verbose, d.plain)
        self._max_time = np.inf if d.max_time is None else d.max_time
        #: wall seconds spent inside the compiled loop (for the benchmark)
        self.compiled_seconds = 0.0

    async def recall(self, request: Recall) -> Outcome:
        """Run from `request.start` until convergence, a cycle or a limit (see `Engine.recall`).

        A cancellation of the calling task (Ctrl-C) takes effect between two slices of the recall.
        """
        task = asyncio.current_task()
        slices = self._slices(request)
        while (outcome := _advance(slices)) is None:
            if task is not None and task.cancelling():
                slices.close()
                await asyncio.sleep(0)  # the pending cancellation is delivered here
        return outcome

    def run(self, request: Recall) -> Outcome:
        """The recall itself, synchronously, to its end."""
        slices = self._slices(request)
        while (outcome := _advance(slices)) is None:
            pass
        return outcome

    def _slices(self, request: Recall) -> Generator[None, None, Outcome]:
        """The recall, yielding between slices of compiled work; returns its outcome.

        A `Schedule` is drawn from inside the compiled loop, which runs whole
        sweeps, `SLICE_WAKEUPS` wake-ups' worth per call (one call per sweep
        when cycles are watched for); any other iterator of batches is fed to it
        batch by batch.
        """
        trial, start, schedule, max_wakeups = request.trial, request.start, request.schedule, request.max_wakeups
        stream_keys, start_fields, start_energy = request.stream_keys, request.start_fields, request.start_energy
        c, d = self.couplings, self.dynamics
        states = start.astype(np.int8)
        fields = field_units(c, start) if start_fields is None else start_fields.copy()
        current = fields.copy() if d.delay > 0.0 else fields
        keys = self._no_keys if stream_keys is None else np.array(stream_keys, dtype=np.uint64)
        plain = self._knobs[-1]
        if d.stochastic:
            self._draws.fill(0)
        if not plain:  # read at every decision to flip, refractory or not (plain dynamics have no refractoriness)
            self._last_flip.fill(-np.inf)
        ctr = np.zeros(12, dtype=np.int64)
        ctr[EPOCH] = self._epoch
        energy = energy_from_fields(c, start, fields) if start_energy is None else start_energy
        fctr = np.array([energy, 0.0])
        rows, transposed = self._rows, self._no_transposed
        if not c.symmetric:
            transposed = c.transposed_product(start)  # as the actors' board computes it
        f, e = self._flips, self._events
        watch = CycleWatch(states) if d.detects_cycles else None
        planned = schedule if isinstance(schedule, Schedule) else _UNPLANNED
        if max_wakeups > LOG_LIMIT:  # too many wake-ups to make room for at once: batch by batch
            planned = _UNPLANNED
        if planned is not _UNPLANNED:
            f.reserve(max_wakeups)
            e.reserve(max_wakeups)
        single = watch is not None or planned is _UNPLANNED
        per_slice = max(1, SLICE_WAKEUPS // c.size)  # sweeps per call
        given_t, given_n = _NO_TIMES, _NO_NEURONS
        period: int | None = None
        emitted = 0
        while True:
            if planned is _UNPLANNED:
                batch = next(schedule, None)
                if batch is None:
                    raise RuntimeError("the schedule ended")
                given_t = np.ascontiguousarray(batch[0], dtype=np.float64)
                given_n = np.ascontiguousarray(batch[1], dtype=np.int64)
                f.reserve(int(ctr[LOGGED]) + given_t.size)
                e.reserve(int(ctr[EVENTS]) + given_t.size)
            entered = time.perf_counter()
            drive(
                planned.code, planned.size, planned.stream, planned.keys, planned.inverse, planned.upcoming,
                planned.drawn, planned.steps, planned.done, planned.clock, planned.window, given_t, given_n, single,
                states, fields, current, self._fanouts, self._diag, self._has_diag, c.divisor,
                rows, transposed, self._thetas, *self._knobs,
                keys, self._draws, self._last_flip, self._seen, self._intent, self._intent_u, self._intents,
                f.t, f.n, f.s, e.kind, e.t, e.n, e.s, e.u, e.e, ctr, fctr, max_wakeups, self._max_time,
                int(ctr[SWEEPS]) + per_slice,
            )  # fmt: skip
            self.compiled_seconds += time.perf_counter() - entered
            if ctr[LOGGED] > f.t.size or ctr[EVENTS] > e.t.size:  # cannot happen: one entry per granted wake-up
                raise RuntimeError("the kernel's logs overflowed")
            emitted = self._emit(trial, e, emitted, int(ctr[EVENTS]))
            if ctr[STATUS] != RUNNING:
                break
            if watch is not None:
                period = watch.period(states, int(ctr[SWEEPS]))
                if period is not None:
                    ctr[STATUS] = CYCLE
                    break
            if ctr[GRANTED] == max_wakeups:
                ctr[STATUS] = MAX_SWEEPS
                break
            yield  # a slice ends: the caller may stop the recall here
        self._epoch = int(ctr[EPOCH]) + 1
        logged = int(ctr[LOGGED])
        return Outcome(
            status=_STATUS[int(ctr[STATUS])],
            t=float(fctr[T_END]),
            wakeups=int(ctr[WAKEUPS]),
            flips=int(ctr[FLIPS]),
            energy=float(fctr[ENERGY] / c.divisor),
            final_state=states,
            energy_rises=int(ctr[RISES]),
            period=period,
            flip_times=f.t[:logged].copy(),
            flip_neurons=f.n[:logged].copy(),
            flip_states=f.s[:logged].copy(),
        )

    def _emit(self, trial: int, events: _Log, start: int, end: int) -> int:
        if self._discards or end == start:
            return end
        divisor = self.couplings.divisor
        times, neurons, states = (a[start:end].tolist() for a in (events.t, events.n, events.s))
        fields = (events.u[start:end] / divisor).tolist()
        energies = (events.e[start:end] / divisor).tolist()
        if not self.sink.verbose:  # flips only
            self._write_flips(FlipRun(trial, times, neurons, states, fields, energies))
            return end
        kinds = events.kind[start:end].tolist()
        emit = self.sink.emit
        for kind, t, i, s, u, e in zip(kinds, times, neurons, states, fields, energies, strict=True):
            if kind:
                emit(NeuronFlipped(trial=trial, t=t, neuron=i, state=s, field=u, energy=e))
            else:
                emit(NeuronWoke(trial=trial, t=t, neuron=i, state=s, field=u))
        return end


#: About how many wake-ups one call into the compiled loop runs (whole sweeps, at least one): at most
#: a few tens of milliseconds at N = 1000, so that Ctrl-C stops a long recall within a second.
SLICE_WAKEUPS = 1 << 18
#: Recalls that may be granted more wake-ups than this get their logs grown batch by batch, not
#: made room for at once (a log entry is 17 bytes of flips and 34 of events; pages are committed as written).
LOG_LIMIT = 1 << 22
_NO_TIMES = np.zeros(0)
_NO_NEURONS = np.zeros(0, dtype=np.int64)
# the schedule state `drive` is given when it is fed batches one by one
_UNPLANNED = Schedule(GIVEN, 0)


def _advance(slices: Generator[None, None, Outcome]) -> Outcome | None:
    """Run the next slice of a recall; its outcome once the recall has ended, else None."""
    try:
        next(slices)
    except StopIteration as end:
        return cast(Outcome, end.value)
    return None


class _Log:
    """Growable arrays the compiled loop writes into: flips (t, n, s) or events (kind, t, n, s, u, e)."""

    def __init__(self, capacity: int, *, flip: bool) -> None:
        self._flip = flip
        self.t = np.zeros(capacity)
        self.n = np.zeros(capacity, dtype=np.int64)
        self.s = np.zeros(capacity, dtype=np.int8)
        self.kind = np.zeros(0 if flip else capacity, dtype=np.int8)
        self.u = np.zeros(0 if flip else capacity)
        self.e = np.zeros(0 if flip else capacity)

    def reserve(self, needed: int) -> None:
        """Make room for `needed` entries, keeping the ones written."""
        capacity = self.t.size
        if needed <= capacity:
            return
        grown = max(needed, 2 * capacity)
        names = ("t", "n", "s") if self._flip else ("t", "n", "s", "kind", "u", "e")
        for name in names:
            old: Any = getattr(self, name)
            new = np.zeros(grown, dtype=old.dtype)
            new[: old.size] = old
            setattr(self, name, new)
