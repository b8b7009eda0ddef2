"""The Sherrington-Kirkpatrick spin glass: Gaussian couplings of variance 1/N, a problem with no patterns.

E(s) = −Σ_{i<j} J_ij s_i s_j with J_ij = J_ji ~ Normal(0, 1/N), J_ii = 0: exactly the
energy of docs/conventions.md §3 with W = J and no biases. Its ground-state energy
per spin tends to −0.7633 as N grows (Parisi's solution; Crisanti & Rizzo 2002
give −0.76317); at finite N it lies higher by about 0.7·N^(−2/3) (Boettcher 2005).
A zero-temperature quench from a random state stops well above it; simulated
annealing (Kirkpatrick, Gelatt & Vecchi 1983) gets closer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from neurosim.model.couplings import Couplings
from neurosim.typing import Floats, Spins

#: The ground-state energy per spin of the SK model as N → ∞ (Parisi 1979; Crisanti & Rizzo 2002).
GROUND_STATE = -0.7633


def sk_couplings(size: int, seed: int) -> Floats:
    """J: symmetric, zero diagonal, the upper triangle Normal(0, 1/N) from its own stream (the scenario's `seed`)."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed)))
    upper = np.triu(rng.standard_normal((size, size)), 1) / np.sqrt(size)
    j: Floats = upper + upper.T
    return j


@dataclass(frozen=True, slots=True, eq=False)
class SpinGlass:
    """`network.problem.spin_glass`: an SK spin glass of `size` spins drawn from `seed`."""

    name: ClassVar[str] = "spin_glass"

    spins: int
    seed: int = 0

    @property
    def size(self) -> int:
        """One neuron per spin."""
        return self.spins

    @property
    def shape(self) -> tuple[int, int] | None:
        """No 2-D layout."""
        return None

    def couplings(self) -> Couplings:
        """W = J, no biases."""
        return Couplings(matrix=sk_couplings(self.spins, self.seed), divisor=1.0, rule=self.name)

    def measure(self, state: Spins) -> dict[str, Any]:
        """The final energy per spin, beside the large-N ground state."""
        s = state.astype(np.float64)
        energy = -0.5 * float(s @ (sk_couplings(self.spins, self.seed) @ s))
        return {"problem": self.name, "energy_per_spin": energy / self.spins, "ground_state_large_n": GROUND_STATE}
