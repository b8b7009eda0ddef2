"""Update rules of a single neuron, as plain functions that every engine shares.

The kernel engine compiles these very functions, so both engines make the same
floating-point decisions.
"""

from __future__ import annotations

import math

# exp(700) is near the top of float64's range; beyond it the up-probability is 0.
_EXP_LIMIT = 700.0


def glauber_up(h: float, temperature: float) -> float:
    """P(s = +1) = 1 / (1 + exp(-2h/T)) at temperature T > 0 (docs/conventions.md §5)."""
    x = -2.0 * h / temperature
    return 0.0 if x > _EXP_LIMIT else 1.0 / (1.0 + math.exp(x))


def decide(u: float, state: int, divisor: float, temperature: float, uniform: float) -> int:
    """The new state of a neuron whose field is u (matrix units) and current state is `state`.

    T = 0: sign(h), a tie keeping the state (convention 4). T > 0: +1 with the
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
