"""Learning rules: stored patterns in, couplings out."""

from __future__ import annotations

import numpy as np

from neurosim.model.couplings import Couplings, LowRankCouplings
from neurosim.model.patterns import PatternSet

#: Above this many neurons Hebbian couplings are kept low-rank (the dense float64
#: matrix of 32,768 neurons takes 8 GiB).
DENSE_LIMIT = 32_768


def hebbian(patterns: PatternSet, *, dense: bool | None = None) -> Couplings | LowRankCouplings:
    """Return the Hebbian couplings w_ij = (1/N) Σ_μ ξ_i^μ ξ_j^μ with w_ii = 0.

    Dense up to `DENSE_LIMIT` neurons (or as `dense` says), low-rank above. The
    sum is formed in float64 from integers, so it is exact while N·P < 2^53.
    """
    if dense is None:
        dense = patterns.size <= DENSE_LIMIT
    xi = patterns.matrix.astype(np.float64)
    if not dense:
        return LowRankCouplings(xi, rule="hebbian")
    matrix = xi.T @ xi
    np.fill_diagonal(matrix, 0.0)
    return Couplings(matrix=matrix, divisor=float(patterns.size), rule="hebbian", factors=xi)
