"""Learning rules: stored patterns in, couplings out."""

from __future__ import annotations

import numpy as np

from neurosim.model.couplings import Couplings, LowRankCouplings
from neurosim.model.patterns import PatternSet
from neurosim.typing import Floats

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
    matrix = outer_products(xi)
    np.fill_diagonal(matrix, 0.0)
    return Couplings(matrix=matrix, divisor=float(patterns.size), rule="hebbian", factors=xi)


#: Rows per block when forming ΞᵀΞ: the OpenBLAS bundled with numpy was seen to crash
#: (SIGSEGV) forming a 32,768 × 32,768 product in one call; blocks of at most 2^26
#: entries are formed without trouble, and the sums are the same.
_BLOCK_ENTRIES = 1 << 26


def outer_products(xi: Floats) -> Floats:
    """ΞᵀΞ for patterns Ξ (P × N), formed in blocks of rows."""
    size = xi.shape[1]
    out: Floats = np.empty((size, size))
    rows = max(1, _BLOCK_ENTRIES // size)
    for start in range(0, size, rows):
        stop = min(size, start + rows)
        np.matmul(xi[:, start:stop].T, xi, out=out[start:stop])
    return out
