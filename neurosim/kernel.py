"""The kernel engine: the actors' model and schedule, executed as one compiled loop.

It takes the same wake-up schedule, the same per-neuron streams and the same
rules (`neurosim.model.rules.decide` is compiled as it is), makes the same
floating-point operations in the same order, and emits the same events, so for
any scenario and seed it produces exactly the actor engine's flips and summary.
It is the speed path, and the oracle that checks the actors.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import numba
import numpy as np

from neurosim.errors import NeurosimError
from neurosim.events import NeuronFlipped, NeuronWoke, emit_flips
from neurosim.model import rules
from neurosim.model.couplings import AnyCouplings
from neurosim.model.dynamics import Dynamics
from neurosim.model.energy import deliver_flip, energy_from_fields, field_units
from neurosim.model.schedules import Batch
from neurosim.model.streams import uniform_compiled
from neurosim.runtime.coordinator import Outcome, Status
from neurosim.typing import EventSink, Floats, Spins

_decide = numba.njit(cache=True)(rules.decide)

DENSE_MEMORY_REFUSAL = "the kernel engine runs coupling matrices; a dense associative memory runs on the actors"


def low_rank_refusal(size: int) -> str:
    """Why the kernel cannot run a network whose Hebbian couplings are kept low-rank."""
    return f"the kernel engine needs a coupling matrix; {size} neurons keep theirs low-rank (use the actors)"


# counters (int64) shared between the compiled loop and its driver
WAKEUPS, FLIPS, EPOCH, QUIET, RISES, EVENTS, LOGGED, APPLIED, INTENTS, GRANTED, STATUS = range(11)
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


@numba.njit(cache=True)
def _flipped(ctr, fctr, log_kind, log_t, log_n, log_s, log_u, log_e, i, t, u, new, c, diag, has_diag, undelayed, sym):
    # sym = (asymmetric, column before the flip, θ_i); the actors' Coordinator.flipped, term for term
    ctr[FLIPS] += 1
    if sym[0]:
        change = -new * (c + sym[1] - sym[2]) - 2.0 * diag[i]
    elif has_diag:
        change = -2.0 * new * (c + diag[i] * new)
    else:
        change = -2.0 * new * c
    if change > 0.0:
        ctr[RISES] += 1
    fctr[ENERGY] += change
    if undelayed:
        ctr[EPOCH] += 1
        ctr[QUIET] = 0
    k = ctr[EVENTS]
    log_kind[k] = 1
    log_t[k] = t
    log_n[k] = i
    log_s[k] = new
    log_u[k] = u
    log_e[k] = fctr[ENERGY]
    ctr[EVENTS] = k + 1


@numba.njit(cache=True)
def _log_woke(ctr, log_kind, log_t, log_n, log_s, log_u, t, i, s, u):
    # a wake-up that kept the state, for the debug log (NeuronWoke)
    e = ctr[EVENTS]
    log_kind[e] = 0
    log_t[e] = t
    log_n[e] = i
    log_s[e] = s
    log_u[e] = u
    ctr[EVENTS] = e + 1


@numba.njit(cache=True)
def _wake(
    times, neurons, states, fields, current, fanouts, diag, has_diag, divisor, rows, transposed, thetas,
    temperature, delay, refractory, synchronous, converges, verbose,
    keys, draws, last_flip, seen, intent, intent_u, intents,
    flip_t, flip_n, flip_s, log_kind, log_t, log_n, log_s, log_u, log_e,
    ctr, fctr, budget, max_time,
):  # fmt: skip
    """Run one batch of wake-ups (asynchronous, or the read phase of a synchronous sweep)."""
    size = states.size
    undelayed = delay == 0.0
    for k in range(times.size):
        t = times[k]
        if t > max_time:
            ctr[STATUS] = _MAX_TIME
            return
        i = neurons[k]
        fctr[T_END] = t
        ctr[GRANTED] += 1
        s = states[i]
        if not undelayed:
            # catch up the delayed view with every flip of time <= t - delay
            start = ctr[APPLIED]
            end = start
            while end < ctr[LOGGED] and flip_t[end] <= t - delay:
                deliver_flip(fields, flip_s[end], fanouts[flip_n[end]])
                end += 1
            ctr[APPLIED] = end
            if end > start:
                ctr[EPOCH] += 1
                ctr[QUIET] = 0
        u = fields[i]
        draw = 0.0
        if temperature > 0.0:
            draw = _uniform(keys[i], draws[i])
            draws[i] += np.uint64(1)
        new = _decide(u, s, divisor, temperature, draw)
        ctr[WAKEUPS] += 1
        if new == s:
            if verbose:
                _log_woke(ctr, log_kind, log_t, log_n, log_s, log_u, t, i, s, u)
            if converges and seen[i] != ctr[EPOCH]:
                seen[i] = ctr[EPOCH]
                ctr[QUIET] += 1
                if ctr[QUIET] == size and ctr[APPLIED] == ctr[LOGGED]:
                    ctr[STATUS] = _CONVERGED
                    return
        elif t - last_flip[i] < refractory:
            if verbose:
                _log_woke(ctr, log_kind, log_t, log_n, log_s, log_u, t, i, s, u)
        elif synchronous:
            intent[i] = new
            intent_u[i] = u
            intents[ctr[INTENTS]] = i
            ctr[INTENTS] += 1
        else:
            c, g = current[i], transposed[i]
            _write(
                states, fields, current, fanouts, flip_t, flip_n, flip_s, ctr, i, new, t, undelayed, rows, transposed
            )
            last_flip[i] = t
            sym = (rows.shape[0] > 0, g, thetas[i])
            _flipped(
                ctr, fctr, log_kind, log_t, log_n, log_s, log_u, log_e, i, t, u, new, c, diag, has_diag, undelayed, sym
            )
        if ctr[GRANTED] == budget:
            return


@numba.njit(cache=True)
def _write(states, fields, current, fanouts, flip_t, flip_n, flip_s, ctr, i, new, t, undelayed, rows, transposed):
    states[i] = new
    if rows.shape[0]:  # an asymmetric W: keep Wᵀs current too
        deliver_flip(transposed, new, rows[i])
    n = ctr[LOGGED]
    flip_t[n] = t
    flip_n[n] = i
    flip_s[n] = new
    ctr[LOGGED] = n + 1
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
            True,
            sym,
        )


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
        self._fanouts = m if couplings.symmetric else np.ascontiguousarray(m.T)
        self._diag = np.ascontiguousarray(np.diagonal(m))
        self._has_diag = bool(np.any(self._diag != 0.0))
        self._rows = m if not couplings.symmetric else np.zeros((0, 0))
        self._thetas = np.ascontiguousarray(couplings.thresholds)
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
    ) -> Outcome:
        """Run from `start` until convergence, a cycle or a limit (see `Coordinator.recall`)."""
        del clock_keys, rates  # live mode only
        return self.run(trial, start, schedule, max_wakeups, stream_keys, start_fields)

    def run(
        self,
        trial: int,
        start: Spins,
        schedule: Iterator[Batch],
        max_wakeups: int,
        stream_keys: list[int] | None,
        start_fields: Floats | None = None,
    ) -> Outcome:
        """The recall itself, synchronously."""
        c, d = self.couplings, self.dynamics
        size = c.size
        states = start.astype(np.int8).copy()
        fields = field_units(c, start) if start_fields is None else start_fields.copy()
        current = fields.copy() if d.delay > 0.0 else fields
        keys = np.zeros(size, dtype=np.uint64) if stream_keys is None else np.array(stream_keys, dtype=np.uint64)
        draws = np.zeros(size, dtype=np.uint64)
        last_flip = np.full(size, -np.inf)
        seen = np.full(size, -1, dtype=np.int64)
        intent = np.zeros(size, dtype=np.int8)
        intent_u = np.zeros(size)
        intents = np.zeros(size, dtype=np.int64)
        ctr = np.zeros(11, dtype=np.int64)
        fctr = np.array([energy_from_fields(c, start, fields), 0.0])
        rows, transposed = self._rows, np.zeros(size)
        if rows.shape[0]:
            transposed = rows.T @ start.astype(np.float64)  # as the actors' board computes it
        flips = _Log(4 * size, flip=True)
        events = _Log(4 * size, flip=False)
        verbose = self.sink.verbose
        max_time = np.inf if d.max_time is None else d.max_time
        history: dict[bytes, int] | None = {states.tobytes(): 0} if d.detects_cycles else None
        sweep, period = 0, None
        emitted = 0
        for times, neurons in schedule:
            room = 2 * times.size + size
            flips.reserve(int(ctr[LOGGED]) + room)
            events.reserve(int(ctr[EVENTS]) + room)
            entered = time.perf_counter()
            _wake(
                times, neurons, states, fields, current, self._fanouts, self._diag, self._has_diag, c.divisor,
                rows, transposed, self._thetas,
                d.temperature, d.delay, d.refractory, d.synchronous, not d.stochastic, verbose,
                keys, draws, last_flip, seen, intent, intent_u, intents,
                flips.t, flips.n, flips.s, events.kind, events.t, events.n, events.s, events.u, events.e,
                ctr, fctr, max_wakeups, max_time,
            )  # fmt: skip
            if ctr[STATUS] == _RUNNING and d.synchronous:
                _commit(
                    times[-1], states, fields, current, self._fanouts, self._diag, self._has_diag,
                    rows, transposed, self._thetas, last_flip,
                    intent, intent_u, intents, flips.t, flips.n, flips.s,
                    events.kind, events.t, events.n, events.s, events.u, events.e, ctr, fctr,
                )  # fmt: skip
            self.compiled_seconds += time.perf_counter() - entered
            emitted = self._emit(trial, events, emitted, int(ctr[EVENTS]))
            if ctr[STATUS] != _RUNNING:
                break
            sweep += 1  # noqa: SIM113 - counts completed sweeps, not batches started
            if history is not None:
                key = states.tobytes()
                if key in history:
                    ctr[STATUS], period = _CYCLE, sweep - history[key]
                    break
                history[key] = sweep
            if ctr[GRANTED] == max_wakeups:
                ctr[STATUS] = _MAX_SWEEPS
                break
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
            flip_times=flips.t[:logged].copy(),
            flip_neurons=flips.n[:logged].copy(),
            flip_states=flips.s[:logged].copy(),
        )

    def _emit(self, trial: int, events: _Log, start: int, end: int) -> int:
        if getattr(self.sink, "discards", False) or end == start:
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
