"""The kernel engine: the actors' model and schedule, executed as one compiled loop.

It takes the same wake-up schedule, the same per-neuron streams and the same
rules (`neurosim.model.rules.decide` is compiled as it is), makes the same
floating-point operations in the same order, and emits the same events, so for
any scenario and seed it produces exactly the actor engine's flips and summary.
It is the speed path, and the oracle that checks the actors.

A recall is one call into compiled code (`_drive`), which draws the schedule's
batches itself (`schedules.next_batch`, the same function the actors' iterator
calls) and runs them until the recall ends; only the scenarios whose cycles are
watched for (deterministic sequential and synchronous sweeps) come back after
every sweep, for the state history. Plain dynamics (`Dynamics.plain`) run a
lean loop, everything else the general one; integer couplings are read as
int8/int16 rows when that is exact (`compact`). Work arrays and logs live with
the engine and are reused by every recall.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import numba
import numpy as np
import numpy.typing as npt

from neurosim.engines.actors.coordinator import Outcome, Status
from neurosim.errors import NeurosimError
from neurosim.events import NeuronFlipped, NeuronWoke, emit_flips
from neurosim.model import rules
from neurosim.model.couplings import AnyCouplings
from neurosim.model.dynamics import Dynamics
from neurosim.model.energy import deliver_flip, energy_from_fields, field_units
from neurosim.model.schedules import Batch, Schedule, next_batch
from neurosim.model.streams import uniform_compiled
from neurosim.typing import EventSink, Floats, Spins

_decide = numba.njit(cache=True)(rules.decide)

DENSE_MEMORY_REFUSAL = "the kernel engine runs coupling matrices; a dense associative memory runs on the actors"


def low_rank_refusal(size: int) -> str:
    """Why the kernel cannot run a network whose Hebbian couplings are kept low-rank."""
    return f"the kernel engine needs a coupling matrix; {size} neurons keep theirs low-rank (use the actors)"


# counters (int64) shared between the compiled loop and its driver
WAKEUPS, FLIPS, EPOCH, QUIET, RISES, EVENTS, LOGGED, APPLIED, INTENTS, GRANTED, STATUS, SWEEPS = range(12)
_RUNNING, _CONVERGED, _MAX_SWEEPS, _MAX_TIME, _CYCLE = range(5)
_STATUS: dict[int, Status] = {
    _CONVERGED: "converged",
    _MAX_SWEEPS: "max_sweeps",
    _MAX_TIME: "max_time",
    _CYCLE: "cycle",
}
# float counters
ENERGY, T_END = range(2)
_uniform = uniform_compiled


@numba.njit(cache=True, inline="always")
def _energy_change(new, c, g, theta, d, asymmetric, has_diag):  # pragma: no cover - compiled
    # the energy change of neuron i flipping to `new`, from its field c (matrix units) before the flip,
    # its column g = (Wᵀs)_i, θ_i and W_ii: the actors' Coordinator.flipped, term for term
    if asymmetric:
        return -new * (c + g - theta) - 2.0 * d
    if has_diag:
        return -2.0 * new * (c + d * new)
    return -2.0 * new * c


@numba.njit(cache=True, inline="always")
def _counters(ctr, fctr):  # pragma: no cover - compiled
    # the counters a wake-up loop keeps in locals (numba cannot keep array elements in registers
    # across the other arrays it writes), read on entry ...
    return (
        ctr[GRANTED], ctr[WAKEUPS], ctr[QUIET], ctr[EPOCH], fctr[T_END],
        ctr[FLIPS], ctr[RISES], ctr[LOGGED], ctr[APPLIED], ctr[EVENTS], fctr[ENERGY],
    )  # fmt: skip


@numba.njit(cache=True, inline="always")
def _keep(
    ctr, fctr, granted, wakeups, quiet, epoch, t_end, flips, rises, logged, applied, events, energy
):  # pragma: no cover - compiled
    # ... and written back on exit
    ctr[GRANTED], ctr[WAKEUPS], ctr[QUIET], ctr[EPOCH], fctr[T_END] = granted, wakeups, quiet, epoch, t_end
    ctr[FLIPS], ctr[RISES], ctr[LOGGED], ctr[APPLIED], ctr[EVENTS] = flips, rises, logged, applied, events
    fctr[ENERGY] = energy


@numba.njit(cache=True, inline="always")
def _record(log_kind, log_t, log_n, log_s, log_u, log_e, k, kind, t, i, s, u, e):  # pragma: no cover - compiled
    # event entry k: a flip (kind 1, with the energy after it) or a wake-up that kept the state (kind 0)
    log_kind[k] = kind
    log_t[k] = t
    log_n[k] = i
    log_s[k] = s
    log_u[k] = u
    log_e[k] = e


@numba.njit(cache=True, inline="always")
def _log_flip(flip_t, flip_n, flip_s, k, t, i, s):  # pragma: no cover - compiled
    # flip-log entry k: time, neuron, new state
    flip_t[k] = t
    flip_n[k] = i
    flip_s[k] = s


@numba.njit(cache=True)
def _flipped(ctr, fctr, log_kind, log_t, log_n, log_s, log_u, log_e, i, t, u, new, c, diag, has_diag, sym):
    # sym = (asymmetric, column before the flip, θ_i); the actors' Coordinator.flipped, term for term
    # (the caller starts a new epoch when the flip is visible at once)
    ctr[FLIPS] += 1
    change = _energy_change(new, c, sym[1], sym[2], diag[i], sym[0], has_diag)
    if change > 0.0:
        ctr[RISES] += 1
    fctr[ENERGY] += change
    _record(log_kind, log_t, log_n, log_s, log_u, log_e, ctr[EVENTS], 1, t, i, new, u, fctr[ENERGY])
    ctr[EVENTS] += 1


@numba.njit(cache=True)
def _wake(
    times, neurons, states, fields, current, fanouts, diag, has_diag, divisor, rows, transposed, thetas,
    temperature, delay, refractory, synchronous, converges, verbose,
    keys, draws, last_flip, seen, intent, intent_u, intents,
    flip_t, flip_n, flip_s, log_kind, log_t, log_n, log_s, log_u, log_e,
    ctr, fctr, budget, max_time,
):  # fmt: skip
    """Run one batch of wake-ups (asynchronous, or the read phase of a synchronous sweep).

    Every counter lives in a local (numba cannot keep array elements in
    registers across the other arrays it writes) and goes back to `ctr` on
    exit; a flip is written out here (through `_write` and `_flipped`, which the
    synchronous commit uses, it cost ~0.15 µs more).
    """
    size = states.size
    undelayed = delay == 0.0
    asymmetric = rows.shape[0] > 0
    granted, wakeups, quiet, epoch, t_end, flips, rises, logged, applied, events, energy = _counters(ctr, fctr)
    for k in range(times.size):
        t = times[k]
        if t > max_time:
            ctr[STATUS] = _MAX_TIME
            break
        i = neurons[k]
        t_end = t
        granted += 1
        s = states[i]
        if not undelayed:
            # catch up the delayed view with every flip of time <= t - delay
            start = applied
            while applied < logged and flip_t[applied] <= t - delay:
                deliver_flip(fields, flip_s[applied], fanouts[flip_n[applied]])
                applied += 1
            if applied > start:
                epoch += 1
                quiet = 0
        u = fields[i]
        draw = 0.0
        if temperature > 0.0:
            draw = _uniform(keys[i], draws[i])
            draws[i] += np.uint64(1)
        new = _decide(u, s, divisor, temperature, draw)
        wakeups += 1
        if new == s or t - last_flip[i] < refractory:  # kept: agreeing, or refractory
            if verbose:  # NeuronWoke
                _record(log_kind, log_t, log_n, log_s, log_u, log_e, events, 0, t, i, s, u, 0.0)
                events += 1
            if new == s and converges and seen[i] != epoch:
                seen[i] = epoch
                quiet += 1
                if quiet == size and applied == logged:
                    ctr[STATUS] = _CONVERGED
                    break
        elif synchronous:
            intent[i] = new
            intent_u[i] = u
            intents[ctr[INTENTS]] = i
            ctr[INTENTS] += 1
        else:
            c, g = current[i], transposed[i]
            states[i] = new
            if asymmetric:  # keep Wᵀs current too
                deliver_flip(transposed, new, rows[i])
            _log_flip(flip_t, flip_n, flip_s, logged, t, i, new)
            logged += 1
            if undelayed:
                deliver_flip(fields, new, fanouts[i])
                applied += 1
            else:
                deliver_flip(current, new, fanouts[i])
            last_flip[i] = t
            flips += 1
            change = _energy_change(new, c, g, thetas[i], diag[i], asymmetric, has_diag)
            if change > 0.0:
                rises += 1
            energy += change
            _record(log_kind, log_t, log_n, log_s, log_u, log_e, events, 1, t, i, new, u, energy)
            events += 1
            if undelayed:
                epoch += 1
                quiet = 0
        if granted == budget:
            break
    _keep(ctr, fctr, granted, wakeups, quiet, epoch, t_end, flips, rises, logged, applied, events, energy)


@numba.njit(cache=True)
def _wake_plain(
    times, neurons, states, fields, fanouts, diag, has_diag, rows, transposed, thetas, verbose,
    seen, flip_t, flip_n, flip_s, log_kind, log_t, log_n, log_s, log_u, log_e, ctr, fctr, budget, max_time,
):  # fmt: skip
    """`_wake` for plain dynamics (`Dynamics.plain`): deterministic, undelayed, asynchronous, no refractoriness.

    The same decisions, records and sums with only what such dynamics need: a
    neuron flips exactly when its field has the other sign (a tie keeps the
    state), every flip is visible at once, nothing is drawn or delayed. Every
    counter is a local and the flip is written out here: through `_write` and
    `_flipped` a flip cost ~0.15 µs more (the counters' round trips through
    memory around the field update).
    """
    size = states.size
    asymmetric = rows.shape[0] > 0
    granted, wakeups, quiet, epoch, t_end, flips, rises, logged, _, events, energy = _counters(ctr, fctr)
    for k in range(times.size):
        t = times[k]
        if t > max_time:
            ctr[STATUS] = _MAX_TIME
            break
        i = neurons[k]
        t_end = t
        granted += 1
        wakeups += 1
        s = states[i]
        u = fields[i]
        # `rules.decide` at T = 0 as one test: the field has the other sign (calling `_decide` here, or
        # writing the flip through one shared function with `_wake`, measured 25-30 % slower per recall)
        if (u > 0.0 and s < 0) or (u < 0.0 and s > 0):
            new = -s
            g = transposed[i]
            states[i] = new
            if asymmetric:  # keep Wᵀs current too
                deliver_flip(transposed, new, rows[i])
            _log_flip(flip_t, flip_n, flip_s, logged, t, i, new)
            logged += 1
            deliver_flip(fields, new, fanouts[i])
            flips += 1
            change = _energy_change(new, u, g, thetas[i], diag[i], asymmetric, has_diag)
            if change > 0.0:
                rises += 1
            energy += change
            _record(log_kind, log_t, log_n, log_s, log_u, log_e, events, 1, t, i, new, u, energy)
            events += 1
            epoch += 1
            quiet = 0
        else:
            if verbose:  # NeuronWoke
                _record(log_kind, log_t, log_n, log_s, log_u, log_e, events, 0, t, i, s, u, 0.0)
                events += 1
            if seen[i] != epoch:
                seen[i] = epoch
                quiet += 1
                if quiet == size:  # every flip is applied at once
                    ctr[STATUS] = _CONVERGED
                    break
        if granted == budget:
            break
    _keep(ctr, fctr, granted, wakeups, quiet, epoch, t_end, flips, rises, logged, logged, events, energy)


@numba.njit(cache=True)
def _write(states, fields, current, fanouts, flip_t, flip_n, flip_s, ctr, i, new, t, undelayed, rows, transposed):
    states[i] = new
    if rows.shape[0]:  # an asymmetric W: keep Wᵀs current too
        deliver_flip(transposed, new, rows[i])
    _log_flip(flip_t, flip_n, flip_s, ctr[LOGGED], t, i, new)
    ctr[LOGGED] += 1
    if undelayed:
        deliver_flip(fields, new, fanouts[i])
        ctr[APPLIED] += 1
    else:
        deliver_flip(current, new, fanouts[i])


@numba.njit(cache=True)
def _commit(
    t, states, fields, current, fanouts, diag, has_diag, rows, transposed, thetas, last_flip, intent, intent_u, intents,
    flip_t, flip_n, flip_s, log_kind, log_t, log_n, log_s, log_u, log_e, ctr, fctr,
):  # fmt: skip
    """The write phase of a synchronous sweep: the deciding neurons write, in index order."""
    chosen = np.sort(intents[: ctr[INTENTS]])
    ctr[INTENTS] = 0
    for i in chosen:
        c, g = current[i], transposed[i]
        _write(states, fields, current, fanouts, flip_t, flip_n, flip_s, ctr, i, intent[i], t, True, rows, transposed)
        last_flip[i] = t
        sym = (rows.shape[0] > 0, g, thetas[i])
        _flipped(
            ctr,
            fctr,
            log_kind,
            log_t,
            log_n,
            log_s,
            log_u,
            log_e,
            i,
            t,
            intent_u[i],
            intent[i],
            c,
            diag,
            has_diag,
            sym,
        )
        ctr[EPOCH] += 1
        ctr[QUIET] = 0


# what `_drive` runs: the schedule's own batches, or one batch given by the caller
_GIVEN = -1


@numba.njit(cache=True)
def _drive(
    code, size, stream, clock_keys, inverse, upcoming, drawn, steps, done, clock, window, given_t, given_n, single,
    states, fields, current, fanouts, diag, has_diag, divisor, rows, transposed, thetas,
    temperature, delay, refractory, synchronous, converges, verbose, plain,
    keys, draws, last_flip, seen, intent, intent_u, intents,
    flip_t, flip_n, flip_s, log_kind, log_t, log_n, log_s, log_u, log_e,
    ctr, fctr, budget, max_time,
):  # fmt: skip
    """Run batches until the recall ends (or, with `single`, one batch).

    A batch is drawn from the schedule's state (`schedules.next_batch`) or, for
    `code == _GIVEN`, is (given_t, given_n). The caller gives logs with room for
    every wake-up the recall may still be granted: a granted wake-up writes at
    most one flip and one event (a synchronous intent writes its flip at the
    commit). Nothing is returned: boxing arrays back costs ~0.7 µs each.
    """
    while True:
        if code == _GIVEN:
            times, neurons = given_t, given_n
        else:
            times, neurons = next_batch(
                code, size, stream, clock_keys, inverse, upcoming, drawn, steps, done, clock, window
            )
        if plain:
            _wake_plain(
                times, neurons, states, fields, fanouts, diag, has_diag, rows, transposed, thetas, verbose,
                seen, flip_t, flip_n, flip_s, log_kind, log_t, log_n, log_s, log_u, log_e, ctr, fctr, budget, max_time,
            )  # fmt: skip
        else:
            _wake(
                times, neurons, states, fields, current, fanouts, diag, has_diag, divisor, rows, transposed, thetas,
                temperature, delay, refractory, synchronous, converges, verbose,
                keys, draws, last_flip, seen, intent, intent_u, intents,
                flip_t, flip_n, flip_s, log_kind, log_t, log_n, log_s, log_u, log_e,
                ctr, fctr, budget, max_time,
            )  # fmt: skip
        if ctr[STATUS] == _RUNNING and synchronous:
            _commit(
                times[-1],
                states,
                fields,
                current,
                fanouts,
                diag,
                has_diag,
                rows,
                transposed,
                thetas,
                last_flip,
                intent,
                intent_u,
                intents,
                flip_t,
                flip_n,
                flip_s,
                log_kind,
                log_t,
                log_n,
                log_s,
                log_u,
                log_e,
                ctr,
                fctr,
            )
        if ctr[STATUS] != _RUNNING:
            break
        ctr[SWEEPS] += 1
        if single:  # the caller checks for cycles, then the budget
            break
        if ctr[GRANTED] == budget:
            ctr[STATUS] = _MAX_SWEEPS
            break


def compact(matrix: Floats) -> npt.NDArray[Any]:
    """`matrix` as int8 or int16 when that holds it exactly, else `matrix` itself.

    A flip adds 2·s·w to N fields; with integer couplings (Hebbian: Σ ξξᵀ) the
    same w read from 1 or 2 bytes instead of 8 gives the same products and sums,
    and a whole N = 1000 network's rows stay in the core's cache. Exact means
    every entry is an integer in range and none is a negative zero (whose
    product with ±2 has the other sign from a converted 0).
    """
    top = _integer_bound(matrix)
    for dtype in (np.int8, np.int16):
        if 0.0 <= top <= np.iinfo(dtype).max:
            return np.ascontiguousarray(matrix.astype(dtype))
    return matrix


@numba.njit(cache=True)
def _integer_bound(matrix: Floats) -> float:  # pragma: no cover - compiled
    # the largest |entry| when every entry is an integer and no zero is negative, else -1 (no temporaries:
    # the matrix may be most of the machine's memory)
    top = 0.0
    for row in matrix:
        for w in row:
            if w != np.floor(w) or (w == 0.0 and np.signbit(w)) or not np.isfinite(w):
                return -1.0
            top = max(top, abs(w))
    return top


class KernelEngine:
    """Recalls on the compiled loop; the same interface and events as the actor `Coordinator`."""

    def __init__(self, couplings: AnyCouplings, sink: EventSink, dynamics: Dynamics | None = None) -> None:
        if getattr(couplings, "nonlinear", False):
            raise NeurosimError(DENSE_MEMORY_REFUSAL)
        if not couplings.dense:
            raise NeurosimError(low_rank_refusal(couplings.size))
        self.couplings = couplings
        self.sink = sink
        self.dynamics = dynamics or Dynamics()
        m = couplings.matrix  # type: ignore[union-attr]  # dense, checked above
        fanouts = m if couplings.symmetric else np.ascontiguousarray(m.T)
        self._fanouts = compact(fanouts)
        self._diag = np.ascontiguousarray(np.diagonal(m))
        self._has_diag = bool(np.any(self._diag != 0.0))
        self._rows = compact(m) if not couplings.symmetric else np.zeros((0, 0), dtype=self._fanouts.dtype)
        self._thetas = np.ascontiguousarray(couplings.thresholds)
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
        self._discards = bool(getattr(sink, "discards", False))
        d = self.dynamics
        # the loop's knobs, fixed for the engine's life
        self._knobs = (d.temperature, d.delay, d.refractory, d.synchronous, not d.stochastic, sink.verbose, d.plain)
        self._max_time = np.inf if d.max_time is None else d.max_time
        #: wall seconds spent inside the compiled loop (for the benchmark)
        self.compiled_seconds = 0.0

    async def recall(
        self,
        trial: int,
        start: Spins,
        schedule: Iterator[Batch],
        max_wakeups: int,
        *,
        stream_keys: list[int] | None = None,
        clock_keys: list[int] | None = None,
        rates: Floats | None = None,
        start_fields: Floats | None = None,
        start_energy: float | None = None,
    ) -> Outcome:
        """Run from `start` until convergence, a cycle or a limit (see `Coordinator.recall`)."""
        del clock_keys, rates  # live mode only
        return self.run(trial, start, schedule, max_wakeups, stream_keys, start_fields, start_energy)

    def run(
        self,
        trial: int,
        start: Spins,
        schedule: Iterator[Batch],
        max_wakeups: int,
        stream_keys: list[int] | None,
        start_fields: Floats | None = None,
        start_energy: float | None = None,
    ) -> Outcome:
        """The recall itself, synchronously.

        A `Schedule` is drawn from inside the compiled loop, which runs the whole
        recall in one call (one call per sweep when cycles are watched for);
        any other iterator of batches is fed to it batch by batch.
        """
        c, d = self.couplings, self.dynamics
        states = start.astype(np.int8)
        fields = field_units(c, start) if start_fields is None else start_fields.copy()
        current = fields.copy() if d.delay > 0.0 else fields
        keys = self._no_keys if stream_keys is None else np.array(stream_keys, dtype=np.uint64)
        temperature, _, _, _, _, _, plain = self._knobs
        if temperature > 0.0:
            self._draws.fill(0)
        if not plain:  # read at every decision to flip, refractory or not (plain dynamics have no refractoriness)
            self._last_flip.fill(-np.inf)
        ctr = np.zeros(12, dtype=np.int64)
        ctr[EPOCH] = self._epoch
        energy = energy_from_fields(c, start, fields) if start_energy is None else start_energy
        fctr = np.array([energy, 0.0])
        rows, transposed = self._rows, self._no_transposed
        if rows.shape[0]:
            transposed = rows.T @ start.astype(np.float64)  # as the actors' board computes it
        f, e = self._flips, self._events
        history: dict[bytes, int] | None = {states.tobytes(): 0} if d.detects_cycles else None
        planned = schedule if isinstance(schedule, Schedule) else _UNPLANNED
        if max_wakeups > LOG_LIMIT:  # too many wake-ups to make room for at once: batch by batch
            planned = _UNPLANNED
        if planned is not _UNPLANNED:
            f.reserve(max_wakeups)
            e.reserve(max_wakeups)
        single = history is not None or planned is _UNPLANNED
        given_t, given_n = _NO_TIMES, _NO_NEURONS
        period, emitted = None, 0
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
            _drive(
                planned.code, planned.size, planned.stream, planned.keys, planned.inverse, planned.upcoming,
                planned.drawn, planned.steps, planned.done, planned.clock, planned.window, given_t, given_n, single,
                states, fields, current, self._fanouts, self._diag, self._has_diag, c.divisor,
                rows, transposed, self._thetas, *self._knobs,
                keys, self._draws, self._last_flip, self._seen, self._intent, self._intent_u, self._intents,
                f.t, f.n, f.s, e.kind, e.t, e.n, e.s, e.u, e.e, ctr, fctr, max_wakeups, self._max_time,
            )  # fmt: skip
            self.compiled_seconds += time.perf_counter() - entered
            if ctr[LOGGED] > f.t.size or ctr[EVENTS] > e.t.size:  # cannot happen: one entry per granted wake-up
                raise RuntimeError("the kernel's logs overflowed")
            emitted = self._emit(trial, e, emitted, int(ctr[EVENTS]))
            if ctr[STATUS] != _RUNNING:
                break
            if history is not None:
                key = states.tobytes()
                sweep = int(ctr[SWEEPS])
                if key in history:
                    ctr[STATUS], period = _CYCLE, sweep - history[key]
                    break
                history[key] = sweep
            if ctr[GRANTED] == max_wakeups:
                ctr[STATUS] = _MAX_SWEEPS
                break
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
            emit_flips(self.sink, trial, times, neurons, states, fields, energies)
            return end
        kinds = events.kind[start:end].tolist()
        emit = self.sink.emit
        for kind, t, i, s, u, e in zip(kinds, times, neurons, states, fields, energies, strict=True):
            if kind:
                emit(NeuronFlipped(trial=trial, t=t, neuron=i, state=s, field=u, energy=e))
            else:
                emit(NeuronWoke(trial=trial, t=t, neuron=i, state=s, field=u))
        return end


#: Recalls that may be granted more wake-ups than this get their logs grown batch by batch, not
#: made room for at once (a log entry is 17 bytes of flips and 34 of events; pages are committed as written).
LOG_LIMIT = 1 << 22
_NO_TIMES = np.zeros(0)
_NO_NEURONS = np.zeros(0, dtype=np.int64)
# the schedule state `_drive` is given when it is fed batches one by one
_UNPLANNED = Schedule(_GIVEN, 0)


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
