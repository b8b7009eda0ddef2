# mypy: disallow-untyped-defs=False
# (numba types the compiled loops' arguments itself, at compile time)
"""The kernel's compiled loops: a recall's wake-ups, flips and synchronous commits.

The rules are the model's own functions compiled as they are (`rules.decide`,
`rules.energy_change`); a flip is written by one inline function (`_flip`)
that the general wake-up loop and the synchronous commit share. The plain loop
(`_wake_plain`) is the one measured specialisation (see `engines.copies`).
A flip reaches the fields through `energy.deliver_row`, whatever form the
couplings take (a matrix, compressed rows of synapses, or the patterns of a
low-rank network): each form compiles its own loops.
Counters live in two small arrays shared with the driver (`ctr`, `fctr`).
"""

from __future__ import annotations

import numba
import numpy as np

from neurosim.model import rules
from neurosim.model.energy import deliver_row, row_count
from neurosim.model.schedules import next_batch
from neurosim.model.streams import uniform_compiled

_decide = numba.njit(cache=True)(rules.decide)
_temperature_at = numba.njit(cache=True, inline="always")(rules.temperature_at)
_energy_change = numba.njit(cache=True, inline="always")(rules.energy_change)
_uniform = uniform_compiled

# counters (int64) shared between the compiled loop and its driver
WAKEUPS, FLIPS, EPOCH, QUIET, RISES, EVENTS, LOGGED, APPLIED, INTENTS, GRANTED, STATUS, SWEEPS = range(12)
RUNNING, CONVERGED, MAX_SWEEPS, MAX_TIME, CYCLE = range(5)
# float counters
ENERGY, T_END = range(2)
# what `drive` runs: the schedule's own batches, or one batch given by the caller
GIVEN = -1


@numba.njit(cache=True, inline="always")
def _counters(ctr, fctr):  # pragma: no cover - compiled
    # the counters a loop keeps in locals (numba cannot keep array elements in registers
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


@numba.njit(cache=True, inline="always")
def _flip(
    i, new, t, u, undelayed, states, fields, current, fanouts, diag, has_diag, rows, transposed, thetas, last_flip,
    flip_t, flip_n, flip_s, log_kind, log_t, log_n, log_s, log_u, log_e,
    logged, applied, flips, rises, events, energy,
):  # fmt: skip  # pragma: no cover - compiled
    # Writing a flip: neuron i takes `new` at time t, decided on field u (the actors' StateBoard.write
    # and Coordinator.flipped, term for term). Returns the counters it moves.
    asymmetric = row_count(rows) > 0
    c, g = current[i], transposed[i]
    states[i] = new
    if asymmetric:  # keep Wᵀs current too
        deliver_row(transposed, new, rows, i)
    _log_flip(flip_t, flip_n, flip_s, logged, t, i, new)
    logged += 1
    if undelayed:
        deliver_row(fields, new, fanouts, i)
        applied += 1
    else:
        deliver_row(current, new, fanouts, i)
    last_flip[i] = t
    flips += 1
    change = _energy_change(new, c, g, thetas[i], diag[i], asymmetric, has_diag)
    if change > 0.0:
        rises += 1
    energy += change
    _record(log_kind, log_t, log_n, log_s, log_u, log_e, events, 1, t, i, new, u, energy)
    events += 1
    return logged, applied, flips, rises, events, energy


@numba.njit(cache=True)
def _wake(
    times, neurons, states, fields, current, fanouts, diag, has_diag, divisor, rows, transposed, thetas,
    temperature, delay, refractory, synchronous, converges, verbose,
    keys, draws, last_flip, seen, intent, intent_u, intents,
    flip_t, flip_n, flip_s, log_kind, log_t, log_n, log_s, log_u, log_e,
    ctr, fctr, budget, max_time,
):  # fmt: skip
    """Run one batch of wake-ups (asynchronous, or the read phase of a synchronous sweep).

    Every counter lives in a local and goes back to `ctr` on exit.
    """
    size = states.size
    undelayed = delay == 0.0
    granted, wakeups, quiet, epoch, t_end, flips, rises, logged, applied, events, energy = _counters(ctr, fctr)
    for k in range(times.size):
        t = times[k]
        if t > max_time:
            ctr[STATUS] = MAX_TIME
            break
        i = neurons[k]
        t_end = t
        granted += 1
        s = states[i]
        if not undelayed:
            # catch up the delayed view with every flip of time <= t - delay (the actors' StateBoard.catch_up)
            start = applied
            while applied < logged and flip_t[applied] <= t - delay:
                deliver_row(fields, flip_s[applied], fanouts, flip_n[applied])
                applied += 1
            if applied > start:
                epoch += 1
                quiet = 0
        u = fields[i]
        heat = _temperature_at(temperature, t)  # `temperature`: the table of rules.temperature_at
        draw = 0.0
        if heat > 0.0:
            draw = _uniform(keys[i], draws[i])
            draws[i] += np.uint64(1)
        new = _decide(u, s, divisor, heat, draw)
        wakeups += 1
        if new == s or t - last_flip[i] < refractory:  # kept: agreeing, or refractory
            if verbose:  # NeuronWoke
                _record(log_kind, log_t, log_n, log_s, log_u, log_e, events, 0, t, i, s, u, 0.0)
                events += 1
            if new == s and converges and heat == 0.0 and seen[i] != epoch:  # only T = 0 wake-ups settle
                seen[i] = epoch
                quiet += 1
                if quiet == size and applied == logged:
                    ctr[STATUS] = CONVERGED
                    break
        elif synchronous:
            intent[i] = new
            intent_u[i] = u
            intents[ctr[INTENTS]] = i
            ctr[INTENTS] += 1
        else:
            logged, applied, flips, rises, events, energy = _flip(
                i, new, t, u, undelayed, states, fields, current, fanouts, diag, has_diag, rows, transposed, thetas,
                last_flip, flip_t, flip_n, flip_s, log_kind, log_t, log_n, log_s, log_u, log_e,
                logged, applied, flips, rises, events, energy,
            )  # fmt: skip
            if undelayed:
                epoch += 1
                quiet = 0
        if granted == budget:
            break
    _keep(ctr, fctr, granted, wakeups, quiet, epoch, t_end, flips, rises, logged, applied, events, energy)


@numba.njit(cache=True)
def _commit(
    t, states, fields, current, fanouts, diag, has_diag, rows, transposed, thetas, last_flip, intent, intent_u, intents,
    flip_t, flip_n, flip_s, log_kind, log_t, log_n, log_s, log_u, log_e, ctr, fctr,
):  # fmt: skip
    """The write phase of a synchronous sweep: the deciding neurons write, in index order."""
    chosen = np.sort(intents[: ctr[INTENTS]])
    ctr[INTENTS] = 0
    granted, wakeups, quiet, epoch, t_end, flips, rises, logged, applied, events, energy = _counters(ctr, fctr)
    for i in chosen:
        logged, applied, flips, rises, events, energy = _flip(
            i, intent[i], t, intent_u[i], True, states, fields, current, fanouts, diag, has_diag, rows, transposed,
            thetas, last_flip, flip_t, flip_n, flip_s, log_kind, log_t, log_n, log_s, log_u, log_e,
            logged, applied, flips, rises, events, energy,
        )  # fmt: skip
        epoch += 1
        quiet = 0
    _keep(ctr, fctr, granted, wakeups, quiet, epoch, t_end, flips, rises, logged, applied, events, energy)


@numba.njit(cache=True)
def _wake_plain(
    times, neurons, states, fields, fanouts, diag, has_diag, rows, transposed, thetas, verbose,
    seen, flip_t, flip_n, flip_s, log_kind, log_t, log_n, log_s, log_u, log_e, ctr, fctr, budget, max_time,
):  # fmt: skip
    """`_wake` for plain dynamics (`Dynamics.plain`): deterministic, undelayed, asynchronous, no refractoriness.

    The same decisions, records and sums with only what such dynamics need: a
    neuron flips exactly when its field has the other sign (a tie keeps the
    state), every flip is visible at once, nothing is drawn or delayed. The
    decision and the flip are written out here: calling `_decide`, or writing
    the flip through `_flip` as `_wake` does, measured 25-30 % slower per
    recall (see `engines.copies`).
    """
    size = states.size
    asymmetric = row_count(rows) > 0
    granted, wakeups, quiet, epoch, t_end, flips, rises, logged, _, events, energy = _counters(ctr, fctr)
    for k in range(times.size):
        t = times[k]
        if t > max_time:
            ctr[STATUS] = MAX_TIME
            break
        i = neurons[k]
        t_end = t
        granted += 1
        wakeups += 1
        s = states[i]
        u = fields[i]
        # `rules.decide` at T = 0 as one test: the field has the other sign
        if (u > 0.0 and s < 0) or (u < 0.0 and s > 0):
            new = -s
            g = transposed[i]
            states[i] = new
            if asymmetric:  # keep Wᵀs current too
                deliver_row(transposed, new, rows, i)
            _log_flip(flip_t, flip_n, flip_s, logged, t, i, new)
            logged += 1
            deliver_row(fields, new, fanouts, i)
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
                    ctr[STATUS] = CONVERGED
                    break
        if granted == budget:
            break
    _keep(ctr, fctr, granted, wakeups, quiet, epoch, t_end, flips, rises, logged, logged, events, energy)


@numba.njit(cache=True)
def drive(
    code, size, stream, clock_keys, inverse, upcoming, drawn, steps, done, clock, window, given_t, given_n, single,
    states, fields, current, fanouts, diag, has_diag, divisor, rows, transposed, thetas,
    temperature, delay, refractory, synchronous, converges, verbose, plain,
    keys, draws, last_flip, seen, intent, intent_u, intents,
    flip_t, flip_n, flip_s, log_kind, log_t, log_n, log_s, log_u, log_e,
    ctr, fctr, budget, max_time, until,
):  # fmt: skip
    """Run batches until the recall ends, or its sweep count reaches `until` (or, with `single`, one batch).

    A batch is drawn from the schedule's state (`schedules.next_batch`) or, for
    `code == GIVEN`, is (given_t, given_n). The caller gives logs with room for
    every wake-up the recall may still be granted: a granted wake-up writes at
    most one flip and one event (a synchronous intent writes its flip at the
    commit). Nothing is returned: boxing arrays back costs ~0.7 µs each.
    """
    while True:
        if code == GIVEN:
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
        if ctr[STATUS] == RUNNING and synchronous:
            _commit(
                times[-1], states, fields, current, fanouts, diag, has_diag, rows, transposed, thetas, last_flip,
                intent, intent_u, intents, flip_t, flip_n, flip_s, log_kind, log_t, log_n, log_s, log_u, log_e,
                ctr, fctr,
            )  # fmt: skip
        if ctr[STATUS] != RUNNING:
            break
        ctr[SWEEPS] += 1
        if single:  # the caller checks for cycles, then the budget
            break
        if ctr[GRANTED] == budget:
            ctr[STATUS] = MAX_SWEEPS
            break
        if ctr[SWEEPS] >= until:  # a slice ends: the caller may stop here, or call again to go on
            break


@numba.njit(cache=True)
def integer_bound(matrix):  # pragma: no cover - compiled
    """The largest |entry| when every entry is an integer and no zero is negative, else -1.

    No temporaries: the matrix may be most of the machine's memory.
    """
    top = 0.0
    for row in matrix:
        for w in row:
            if w != np.floor(w) or (w == 0.0 and np.signbit(w)) or not np.isfinite(w):
                return -1.0
            top = max(top, abs(w))
    return top
