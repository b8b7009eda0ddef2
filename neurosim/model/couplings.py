"""The couplings of a network: weights W = matrix / divisor and biases θ."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from neurosim.typing import Floats


@dataclass(frozen=True, slots=True, eq=False)
class Couplings:
    """Weights and biases of a Hopfield network (conventions: DESIGN.md).

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
    symmetric: bool = field(init=False)

    def __post_init__(self) -> None:
        m = self.matrix
        if m.ndim != 2 or m.shape[0] != m.shape[1] or m.dtype != np.float64:
            raise ValueError("the coupling matrix must be square float64")
        n = m.shape[0]
        biases = np.zeros(n) if self.biases is None else np.asarray(self.biases, dtype=np.float64)
        if biases.shape != (n,):
            raise ValueError(f"biases must have {n} entries")
        biases.flags.writeable = False
        m.flags.writeable = False
        object.__setattr__(self, "biases", biases)
        object.__setattr__(self, "symmetric", bool(np.array_equal(m, m.T)))

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

    def fanout(self, neuron: int) -> Floats:
        """Return the weights from `neuron` to every other one (column `neuron`), in matrix units."""
        column: Floats = self.matrix[neuron] if self.symmetric else np.ascontiguousarray(self.matrix[:, neuron])
        return column
