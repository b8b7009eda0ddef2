"""Penalty energies on 0/1 units, written exactly as Hopfield couplings and biases on ±1 states.

A penalty P(x) = Σ_{i<j} Q_ij x_i x_j + Σ_i q_i x_i + c on units x = (1 + s)/2
is, term for term (x_i x_j = (1 + s_i + s_j + s_i s_j)/4), the Hopfield energy
E(s) = −½ Σ_ij w_ij s_i s_j + Σ_i θ_i s_i (docs/conventions.md §3) plus a
constant, with

    w_ij = −Q_ij / 4,    θ_i = (Σ_j Q_ij + 2 q_i) / 4,    P(x) = E(s) + Σ_{i<j} Q_ij / 4 + Σ_i q_i / 2 + c.

The matrix is kept as −Q over the divisor 4, so integer penalties give exact
fields and ties (§2). Graph colouring and the travelling salesman use it; so
could N-rooks (whose couplings are the same numbers over the divisor 2).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from neurosim.model.couplings import Couplings
from neurosim.typing import Floats

Indices = npt.NDArray[np.int64]

#: Matrix units per unit of weight: x_i x_j carries a quarter of its coefficient onto s_i s_j.
DIVISOR = 4.0


def penalty_couplings(
    size: int, first: Indices, second: Indices, weights: Floats, linear: Floats, rule: str
) -> Couplings:
    """The couplings of Σ_k weights_k x_{first_k} x_{second_k} + Σ_i linear_i x_i (pairs may repeat: they add up)."""
    if np.any(first == second):
        raise ValueError("a penalty pair joins a unit to itself")
    q = np.zeros((size, size))
    np.add.at(q, (first, second), weights)
    np.add.at(q, (second, first), weights)
    thresholds = q.sum(axis=1) + 2.0 * linear  # θ_i · DIVISOR
    return Couplings(matrix=-q, divisor=DIVISOR, biases=thresholds / DIVISOR, rule=rule)


def penalty_offset(weights: Floats, linear: Floats, constant: float) -> float:
    """P(x) − E(s): the constant the ±1 energy drops from the penalty."""
    return float(weights.sum() / 4.0 + linear.sum() / 2.0 + constant)
