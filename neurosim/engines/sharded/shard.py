"""One shard of a sharded network: its neurons' wake-ups on the compiled loop, window by window.

A shard owns the neurons lo..hi-1. It keeps the couplings into its neurons
only (each neuron's fanout restricted to the shard's columns), their states,
their delayed fields, their true present fields and their own Poisson clocks.
A window runs the shard's wake-ups whose delayed view t - d falls before the
window's bound (every flip such a wake-up may see is then in the shard's log),
on the kernel's own loop (`loops.drive`), so each decision is the kernel's
decision. The shard's own flips of the window are not kept: the coordinator
merges every shard's flips in time order and hands them back (`absorb`), and
the shard then adds them to its log and to its present fields in that order,
which gives each flip's energy change from the true present field (§6, §9).
"""

from __future__ import annotations

import resource
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
import numpy.typing as npt

from neurosim.engines.kernel.engine import compact, read_only
from neurosim.engines.kernel.loops import APPLIED, EVENTS, LOGGED, drive
from neurosim.model import rules
from neurosim.model.drawn import DrawnCouplings
from neurosim.model.energy import deliver_row
from neurosim.model.schedules import POISSON, Schedule
from neurosim.typing import Floats

_energy_change = numba.njit(cache=True)(rules.energy_change)
#: No budget and no time limit inside a shard: the coordinator ends the recall from the merged log.
_NO_BUDGET = 1 << 62
_NO_TIMES = np.zeros(0)
_NO_NEURONS = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class ShardSpec:
    """What a shard is built from: its range of neurons, its couplings into them, and the dynamics' knobs."""

    lo: int
    hi: int
    #: every neuron's fanout restricted to the shard's neurons: a matrix (N × n) or compressed rows, or the
    #: `DrawnCouplings` the shard draws its own rows from (read through `synapses`)
    fanouts: Any
    diag: Floats
    thetas: Floats
    divisor: float
    #: whether any neuron of the network (not only of this shard) couples to itself, as the kernel asks it
    has_diag: bool
    temperatures: Floats
    delay: float
    refractory: float

    def synapses(self) -> Any:
        """Every neuron's fanout restricted to the shard's neurons, indexed from `lo` (drawn here if need be)."""
        if isinstance(self.fanouts, DrawnCouplings):
            return read_only(self.fanouts.fanouts_into(self.lo, self.hi))
        return read_only(self.fanouts)  # as the kernel engine hands its couplings over: one compile of the loop


@dataclass(frozen=True, slots=True)
class Start:
    """A recall's start, restricted to one shard: states, fields, stream keys and the Poisson clocks' state."""

    states: npt.NDArray[np.int8]
    fields: Floats
    keys: npt.NDArray[np.uint64]
    clock_keys: npt.NDArray[np.uint64]
    inverse: Floats
    upcoming: Floats
    drawn: npt.NDArray[np.uint64]


@dataclass(frozen=True, slots=True)
class Window:
    """What a shard ran in a window: every wake-up (kind 1 for a flip), and the time of its next one."""

    kind: npt.NDArray[np.int8]
    t: Floats
    n: npt.NDArray[np.int64]
    s: npt.NDArray[np.int8]
    u: Floats
    next_t: float


def restricted(fanouts: Any, lo: int, hi: int) -> Any:
    """Each neuron's fanout restricted to the neurons lo..hi-1, indexed from lo (a matrix or compressed rows)."""
    if isinstance(fanouts, tuple):
        indptr, indices, values = fanouts
        keep = (indices >= lo) & (indices < hi)
        return _row_starts(indptr, keep), (indices[keep] - lo).astype(indices.dtype), np.ascontiguousarray(values[keep])
    return compact(np.ascontiguousarray(fanouts[:, lo:hi]))


class Clocks:
    """A shard's own neurons' Poisson clocks in a recall: the wake-ups each window runs, in time order."""

    def __init__(self, start: Start, delay: float) -> None:
        size = start.states.size
        schedule = Schedule(POISSON, size, keys=start.clock_keys, window=delay)
        schedule.inverse, schedule.upcoming = start.inverse.copy(), start.upcoming.copy()
        schedule.drawn = start.drawn.copy()
        self.schedule = schedule
        self.delay = delay
        self.pending_t, self.pending_n = _NO_TIMES, _NO_NEURONS
        #: the time of the first wake-up
        self.first = float(schedule.upcoming.min()) if size else np.inf

    def due(self, bound: float) -> tuple[Floats, npt.NDArray[np.int64], float]:
        """Every wake-up t not yet run with t - d < `bound` (times, neurons from 0), and the next one's time."""
        d, sched = self.delay, self.schedule
        while sched.clock[0] - d < bound:  # draw until every wake-up with t - d < bound is drawn
            t, n = next(sched)
            self.pending_t = np.concatenate((self.pending_t, t))
            self.pending_n = np.concatenate((self.pending_n, n))
        cut = int(np.count_nonzero(self.pending_t - d < bound))  # a prefix: t - d is monotone in t
        times, neurons = self.pending_t[:cut], self.pending_n[:cut]
        self.pending_t, self.pending_n = self.pending_t[cut:], self.pending_n[cut:]
        next_t = float(self.pending_t[0]) if self.pending_t.size else float(sched.upcoming.min())
        return times, neurons, next_t


class Shard:
    """A shard's state across the windows of one recall (see the module's docstring)."""

    def __init__(self, spec: ShardSpec) -> None:
        self.spec = spec
        self.size = spec.hi - spec.lo
        self.fanouts = spec.synapses()
        self.diag, self.thetas = read_only(spec.diag), read_only(spec.thetas)  # the types the kernel engine compiles
        self._knobs = (spec.temperatures, spec.delay, spec.refractory, False, False, True, False)

    def begin(self, start: Start) -> float:
        """Start a recall; the time of the shard's first wake-up."""
        n, d = self.size, self.spec.delay
        self.states = start.states.copy()
        self.fields = start.fields.copy()  # the delayed view
        self.present = start.fields.copy()  # the true present fields, for the energy
        self.scratch = start.fields.copy()  # the loop's own present fields: unused (the present needs every shard)
        self.keys = start.keys.copy()
        self.draws = np.zeros(n, dtype=np.uint64)
        self.last_flip = np.full(n, -np.inf)
        self.seen = np.full(n, -1, dtype=np.int64)
        self.intent = np.zeros(n, dtype=np.int8)
        self.intent_u = np.zeros(n)
        self.intents = np.zeros(n, dtype=np.int64)
        self.transposed = np.zeros(n)
        self.rows: Any = None  # W's rows: none kept for symmetric couplings, of the fanouts' type (as the kernel's)
        if not isinstance(self.fanouts, tuple):
            self.rows = read_only(np.zeros((0, 0), dtype=self.fanouts.dtype))
        if isinstance(self.fanouts, tuple):
            f = self.fanouts
            self.rows = read_only((np.zeros(1, dtype=np.int64), f[1][:0], f[2][:0]))
        self.ctr = np.zeros(12, dtype=np.int64)
        self.fctr = np.zeros(2)
        self.flip_t, self.flip_n, self.flip_s = np.zeros(0), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int8)
        self.clocks = Clocks(start, d)
        return self.clocks.first

    def window(self, bound: float) -> Window:
        """Run every own wake-up t not yet run with t - d < `bound`, in time order."""
        times, neurons, next_t = self.clocks.due(bound)
        count = times.size
        base = int(self.ctr[LOGGED])
        self._reserve(base + count)
        kind, et, en, es, eu, ee = (
            np.zeros(count, dtype=np.int8), np.zeros(count), np.zeros(count, dtype=np.int64),
            np.zeros(count, dtype=np.int8), np.zeros(count), np.zeros(count),
        )  # fmt: skip
        self.ctr[EVENTS] = 0
        sp = self.spec
        if count:
            drive(
                -1, 0, _NO_WORDS, _NO_WORDS, _NO_TIMES, _NO_TIMES, _NO_WORDS, _NO_STEPS, _NO_DONE, _NO_CLOCK, 1.0,
                np.ascontiguousarray(times), np.ascontiguousarray(neurons), True,
                self.states, self.fields, self.scratch, self.fanouts, self.diag, sp.has_diag, sp.divisor,
                self.rows, self.transposed, self.thetas, *self._knobs,
                self.keys, self.draws, self.last_flip, self.seen, self.intent, self.intent_u, self.intents,
                self.flip_t, self.flip_n, self.flip_s, kind, et, en, es, eu, ee,
                self.ctr, self.fctr, _NO_BUDGET, np.inf, 1 << 62,
            )  # fmt: skip
        if int(self.ctr[APPLIED]) > base:  # cannot happen: the bound keeps this window's flips out of sight
            raise RuntimeError("a shard saw a flip of its own window")
        self.ctr[LOGGED] = base  # the window's own flips come back merged (`absorb`)
        return Window(kind, et, en + self.spec.lo, es, eu, next_t)

    def absorb(self, t: Floats, n: npt.NDArray[np.int64], s: npt.NDArray[np.int8]) -> Floats:
        """Log a window's flips of every shard (merged in time order); the energy change of each own flip."""
        applied, logged = int(self.ctr[APPLIED]), int(self.ctr[LOGGED])
        keep = logged - applied
        self._reserve(keep + t.size, shift=applied)
        self.flip_t[keep : keep + t.size] = t
        self.flip_n[keep : keep + t.size] = n
        self.flip_s[keep : keep + t.size] = s
        self.ctr[APPLIED], self.ctr[LOGGED] = 0, keep + t.size
        sp = self.spec
        changes: Floats = present_changes(
            self.present, self.fanouts, sp.lo, sp.hi, t, n, s, sp.thetas, sp.diag, sp.has_diag
        )
        return changes

    def start_fields(self, states: npt.NDArray[np.int8]) -> Floats:
        """The fields of the shard's neurons in matrix units for the network state `states` (all N neurons).

        Summed flip by flip from each neuron's fanout: exactly `field_units` when the weights are integers (as
        drawn rows' are), where a dense matrix's product may round otherwise.
        """
        return fields_from(self.fanouts, states, self.spec.thetas)

    def held(self) -> int:
        """The synapses into the shard's neurons (a diluted network's; 0 for a matrix)."""
        return int(self.fanouts[1].size) if isinstance(self.fanouts, tuple) else 0

    def peak_memory(self) -> int:
        """The peak resident memory of the shard's process, in bytes (for the benchmark)."""
        return peak_memory()

    def _reserve(self, needed: int, shift: int = 0) -> None:
        """Drop the first `shift` log entries (applied, never read again), then make room for `needed`."""
        logged = int(self.ctr[LOGGED])
        names = ("flip_t", "flip_n", "flip_s")
        if shift:
            for name in names:
                log = getattr(self, name)
                log[: logged - shift] = log[shift:logged]  # numpy copies overlapping ranges safely
            logged -= shift
            self.ctr[APPLIED] -= shift
            self.ctr[LOGGED] = logged
        if needed <= self.flip_t.size:
            return
        size = max(needed, 2 * self.flip_t.size, 64)
        for name in names:
            old = getattr(self, name)
            new = np.zeros(size, dtype=old.dtype)
            new[:logged] = old[:logged]
            setattr(self, name, new)


def fields_from(fanouts: Any, states: npt.NDArray[np.int8], thetas: Floats) -> Floats:
    """`Shard.start_fields` for any shard: the fields of the neurons `fanouts` reach, for the network state `states`."""
    out: Floats = _fields(fanouts, np.ascontiguousarray(states, np.int8), thetas.size) - thetas
    return out


def peak_memory() -> int:
    """The peak resident memory of this process, in bytes."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


_NO_WORDS = np.zeros(0, dtype=np.uint64)
#: the schedule's sweep steps, read-only as every schedule's are (`schedules._steps`): one compile of the loop
_NO_STEPS = read_only(np.zeros(0))
_NO_DONE = np.zeros(1, dtype=np.int64)
_NO_CLOCK = np.zeros(1)


@numba.njit(cache=True)
def present_changes(present, fanouts, lo, hi, t, n, s, thetas, diag, has_diag):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Each of a window's merged flips: an own neuron's energy change (NaN for others'); then it reaches `present`."""
    # each flip in merged order: an own neuron's energy change from its present field, then the flip reaches it
    changes = np.full(t.size, np.nan)
    for k in range(t.size):
        i = n[k]
        if lo <= i < hi:
            j = i - lo
            changes[k] = _energy_change(s[k], present[j], 0.0, thetas[j], diag[j], False, has_diag)
        deliver_row(present, s[k], fanouts, i)
    return changes


@numba.njit(cache=True)
def _fields(fanouts, states, size):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    # Σ_i w_ji s_i for the shard's neurons j, from each neuron's fanout: 2·s_i·w delivered from zero, halved
    total = np.zeros(size)
    for i in range(states.size):
        deliver_row(total, states[i], fanouts, i)
    return total * 0.5


@numba.njit(cache=True)
def _row_starts(indptr, keep):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    # the row starts of the kept synapses, without a temporary as long as the synapses
    out = np.zeros(indptr.size, dtype=np.int64)
    for row in range(indptr.size - 1):
        count = 0
        for k in range(indptr[row], indptr[row + 1]):
            if keep[k]:
                count += 1
        out[row + 1] = out[row] + count
    return out
