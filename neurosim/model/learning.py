"""Learning rules: stored patterns in, couplings out."""

from __future__ import annotations

import numpy as np

from neurosim.model.couplings import Couplings
from neurosim.model.patterns import PatternSet


def hebbian(patterns: PatternSet) -> Couplings:
    """Return the Hebbian couplings w_ij = (1/N) Σ_μ ξ_i^μ ξ_j^μ with w_ii = 0.

    The sum is formed in float64 from integers, so it is exact while P < 2^53.
    """
    xi = patterns.matrix.astype(np.float64)
    matrix = xi.T @ xi
    np.fill_diagonal(matrix, 0.0)
    return Couplings(matrix=matrix, divisor=float(patterns.size), rule="hebbian")
