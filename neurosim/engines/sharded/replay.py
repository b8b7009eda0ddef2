# mypy: disallow-untyped-defs=False
# (numba types the compiled loop's arguments itself, at compile time)
"""The coordinator's replay of the merged wake-ups: the limits, convergence and energy of one process (§6, §7, §9, §14).

The shards decide; the coordinator walks their merged wake-ups in the order one
process grants them and keeps the bookkeeping the kernel's loop keeps: the
granted count against the budget, the time limit, the epochs of the delayed
view (a wake-up that brings flips into view starts one), the neurons settled
since, and the energy summed flip by flip from the shards' changes. Hence the
recall ends at exactly the wake-up where one process ends it.
"""

from __future__ import annotations

import numba

from neurosim.engines.kernel.loops import CONVERGED, MAX_SWEEPS, MAX_TIME, RUNNING
from neurosim.model import rules

_decide = numba.njit(cache=True)(rules.decide)
_temperature_at = numba.njit(cache=True)(rules.temperature_at)

# the replay's counters (int64) ...
GRANTED, QUIET, EPOCH, HEAD, TAIL, FLIPS, RISES, STATUS, END = range(9)
# ... and float counters
ENERGY, T_END = range(2)

__all__ = ["CONVERGED", "END", "ENERGY", "FLIPS", "GRANTED", "HEAD", "MAX_SWEEPS", "MAX_TIME", "RISES", "RUNNING"]


@numba.njit(cache=True)
def replay(
    t, n, kind, s, u, change, queue, seen, size, temperature, delay, converges, divisor, budget, max_time,
    ctr, fctr, energies,
):  # fmt: skip  # pragma: no cover - compiled
    """Walk one window's merged wake-ups; stop where one process stops (ctr[STATUS], ctr[END]).

    `queue` holds the times of the flips not yet in view (ctr[HEAD] .. ctr[TAIL]) followed
    by this window's flips; `energies` receives the energy after each flip of the window.
    """
    ctr[END] = t.size
    for k in range(t.size):
        tk = t[k]
        if tk > max_time:
            ctr[STATUS] = MAX_TIME
            ctr[END] = k
            return
        ctr[GRANTED] += 1
        fctr[T_END] = tk
        moved = False
        while ctr[HEAD] < ctr[TAIL] and queue[ctr[HEAD]] <= tk - delay:
            ctr[HEAD] += 1
            moved = True
        if moved:
            ctr[EPOCH] += 1
            ctr[QUIET] = 0
        if kind[k] == 1:
            fctr[ENERGY] += change[k]
            if change[k] > 0.0:
                ctr[RISES] += 1
            energies[k] = fctr[ENERGY]
            ctr[FLIPS] += 1
            ctr[TAIL] += 1
        elif converges and _temperature_at(temperature, tk) == 0.0:
            i = n[k]
            if _decide(u[k], s[k], divisor, 0.0, 0.0) == s[k] and seen[i] != ctr[EPOCH]:
                seen[i] = ctr[EPOCH]
                ctr[QUIET] += 1
                if ctr[QUIET] == size and ctr[HEAD] == ctr[TAIL]:
                    ctr[STATUS] = CONVERGED
                    ctr[END] = k + 1
                    return
        if ctr[GRANTED] == budget:
            ctr[STATUS] = MAX_SWEEPS
            ctr[END] = k + 1
            return
