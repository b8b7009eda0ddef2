"""The couplings of a network: weights W = matrix / divisor and biases θ.

Three forms share one interface: `Couplings` holds the dense matrix; `LowRankCouplings`
holds only the stored patterns of a Hebbian network and computes what it needs
from them (docs/conventions.md §2: h = Ξᵀ(Ξ s)/N − α s), for networks whose N×N matrix would
not fit in memory; `neurosim.model.sparse.SparseCouplings` holds a diluted network's rows of synapses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeAlias

import numpy as np

from neurosim.typing import Floats, Spins


def checked_biases(biases: Floats | None, size: int) -> Floats:
    """θ as a read-only float64 vector of `size` entries (zeros for None); raises ValueError on another shape."""
    out = np.zeros(size) if biases is None else np.asarray(biases, dtype=np.float64)
    if out.shape != (size,):
        raise ValueError(f"biases must have {size} entries")
    out.flags.writeable = False
    return out


@dataclass(frozen=True, slots=True, eq=False)
class Couplings:
    """Weights and biases of a Hopfield network (conventions: docs/conventions.md), as a dense matrix.

    The weights are kept as `matrix` over a common `divisor` so that rules with
    integer structure (Hebbian: matrix = Σ ξξᵀ, divisor = N) give exact fields,
    exact ties and exact energies in float64. Every engine computes in matrix
    units and divides by `divisor` only when it reports a value, so a reported
    value is the float nearest to the exact one.
    """

    matrix: Floats
    divisor: float = 1.0
    biases: Floats | None = None
    rule: str = "custom"
    #: Hebbian only: the stored patterns Ξ (P × N), with matrix = ΞᵀΞ − P·I exactly;
    #: products are then formed through Ξ, at O(N·P) instead of O(N²), with the same result.
    factors: Floats | None = None
    #: The sequence rule's slow, delayed pathway (`neurosim.model.sequence`), beside these couplings.
    slow: SlowPathway | None = None
    symmetric: bool = field(init=False)

    dense = True

    def __post_init__(self) -> None:
        m = self.matrix
        if m.ndim != 2 or m.shape[0] != m.shape[1] or m.dtype != np.float64:
            raise ValueError("the coupling matrix must be square float64")
        object.__setattr__(self, "biases", checked_biases(self.biases, m.shape[0]))
        m.flags.writeable = False
        # a matrix built from factors (ΞᵀΞ − P·I) is symmetric by construction; checking a
        # big one element by element would read it twice, once in transposed order
        symmetric = self.factors is not None or bool(np.array_equal(m, m.T))
        object.__setattr__(self, "symmetric", symmetric)

    @property
    def size(self) -> int:
        """Number of neurons N."""
        return int(self.matrix.shape[0])

    @property
    def weights(self) -> Floats:
        """W in physical units."""
        return self.matrix / self.divisor

    @property
    def thresholds(self) -> Floats:
        """θ in matrix units (θ · divisor), the form the engines use."""
        assert self.biases is not None
        return self.biases * self.divisor

    def with_biases(self, biases: Floats) -> Couplings:
        """The same weights with other biases."""
        return Couplings(self.matrix, self.divisor, biases, self.rule, self.factors, self.slow)

    def fanout(self, neuron: int) -> Floats:
        """Return the weights from `neuron` to every other one (column `neuron`), in matrix units."""
        column: Floats = self.matrix[neuron] if self.symmetric else np.ascontiguousarray(self.matrix[:, neuron])
        return column

    def diagonal(self) -> Floats:
        """The self-couplings w_ii, in matrix units."""
        return np.ascontiguousarray(np.diagonal(self.matrix))

    def transposed_product(self, state: Spins) -> Floats:
        """matrixᵀ · s (an asymmetric network's engines keep it current, for the energy)."""
        out: Floats = self.matrix.T @ state.astype(np.float64)
        return out

    def product(self, state: Spins) -> Floats:
        """matrix · s (exact for integer matrices: every partial sum is an integer below 2^53)."""
        s = state.astype(np.float64)
        xi = self.factors
        if xi is not None and 4 * xi.shape[0] < xi.shape[1]:
            low_rank: Floats = xi.T @ (xi @ s) - xi.shape[0] * s
            return low_rank
        out: Floats = self.matrix @ s
        return out


@dataclass(frozen=True, slots=True, eq=False)
class LowRankCouplings:
    """Hebbian couplings kept as the stored patterns Ξ (P × N): matrix = ΞᵀΞ − P·I, divisor = N.

    Memory is P·N instead of N²; a field vector costs O(N·P) and a neuron's
    outgoing weights are formed when it flips, at O(N·P).
    """

    patterns: Floats
    biases: Floats | None = None
    rule: str = "hebbian"

    dense = False
    symmetric = True

    def __post_init__(self) -> None:
        xi = self.patterns
        if xi.ndim != 2 or xi.dtype != np.float64:
            raise ValueError("patterns must be a 2-D float64 matrix")
        object.__setattr__(self, "biases", checked_biases(self.biases, xi.shape[1]))
        xi.flags.writeable = False

    @property
    def size(self) -> int:
        return int(self.patterns.shape[1])

    @property
    def divisor(self) -> float:
        return float(self.size)

    @property
    def thresholds(self) -> Floats:
        assert self.biases is not None
        return self.biases * self.divisor

    def with_biases(self, biases: Floats) -> LowRankCouplings:
        return LowRankCouplings(self.patterns, biases, self.rule)

    def fanout(self, neuron: int) -> Floats:
        column: Floats = self.patterns.T @ self.patterns[:, neuron]
        column[neuron] = 0.0
        return column

    def diagonal(self) -> Floats:
        return np.zeros(self.size)

    def product(self, state: Spins) -> Floats:
        s = state.astype(np.float64)
        out: Floats = self.patterns.T @ (self.patterns @ s) - self.patterns.shape[0] * s
        return out

    def transposed_product(self, state: Spins) -> Floats:
        return self.product(state)


if TYPE_CHECKING:
    from neurosim.model.dense import DenseMemory
    from neurosim.model.sequence import SlowPathway
    from neurosim.model.sparse import SparseCouplings

AnyCouplings: TypeAlias = "Couplings | LowRankCouplings | SparseCouplings | DenseMemory"
#: The couplings whose fields are linear in the state: a matrix, Hebbian patterns, or rows of synapses.
LinearCouplings: TypeAlias = "Couplings | LowRankCouplings | SparseCouplings"
