"""Update rules of a single neuron, as plain functions that every engine shares.

The kernel engine compiles these very functions, so both engines make the same
floating-point decisions: whether a neuron flips (`decide`) and what a flip
does to the energy (`energy_change`).
"""

from __future__ import annotations

import math

from neurosim.typing import Floats

# exp(700) is near the top of float64's range; beyond it the up-probability is 0.
_EXP_LIMIT = 700.0


def glauber_up(h: float, temperature: float) -> float:
    """P(s = +1) = 1 / (1 + exp(-2h/T)) at temperature T > 0 (docs/conventions.md §5)."""
    x = -2.0 * h / temperature
    return 0.0 if x > _EXP_LIMIT else 1.0 / (1.0 + math.exp(x))


def temperature_at(table: Floats | list[float], t: float) -> float:
    """The temperature of a wake-up at time t (docs/conventions.md §5): entry k of `table` for the sweep it is in.

    Sweep k holds the wake-ups at times in (k, k + 1], k = ⌈t⌉ − 1; the last entry
    holds from its sweep on, and a one-entry table is a constant temperature.
    """
    last = len(table) - 1
    if last == 0:
        return float(table[0])
    k = math.ceil(t) - 1
    return float(table[min(max(k, 0), last)])


def decide(u: float, state: int, divisor: float, temperature: float, uniform: float) -> int:
    """The new state of a neuron whose field is u (matrix units) and current state is `state`.

    T = 0: sign(h), a tie keeping the state (docs/conventions.md §4). T > 0: +1 with the
    Glauber probability, decided by `uniform`, the neuron's next draw in [0, 1).
    """
    if temperature == 0.0:  # one expression: the compiler can pick without a branch on the field's sign
        return 1 if u > 0.0 else (-1 if u < 0.0 else state)
    # glauber_up(u / divisor, temperature), written out so that one compiler can take it whole
    x = -2.0 * (u / divisor) / temperature
    up = 0.0 if x > _EXP_LIMIT else 1.0 / (1.0 + math.exp(x))
    if uniform < up:
        return 1
    return -1


def energy_change(
    new: int, current: float, column: float, threshold: float, diagonal: float, asymmetric: bool, has_diagonal: bool
) -> float:
    """The energy change (matrix units) of neuron i flipping to `new` (docs/conventions.md §3).

    `current` is its true present field h_i before the flip, `column` is
    (Wᵀs)_i before the flip (read for an asymmetric W only), `threshold` θ_i
    and `diagonal` w_ii.
    """
    if asymmetric:  # ΔE = −s_new·(h_i + (Wᵀs)_i − θ_i) − 2·w_ii: only the symmetric part of W counts
        return -new * (current + column - threshold) - 2.0 * diagonal
    if has_diagonal:  # ΔE = −δ·(h − w_ii·s_old) with δ = 2·s_new
        return -2.0 * new * (current + diagonal * new)
    return -2.0 * new * current  # exactly −2|h| without delay
