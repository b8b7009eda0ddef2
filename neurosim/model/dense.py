"""Dense associative memory (Krotov & Hopfield 2016): E(s) = −Σ_μ F(ξ^μ · s).

With F(x) = x^n the memory stores far more than a Hebbian network: about
N^(n−1) / (2 (2n−3)!! ln N) patterns for error-free recall (n = 2 is the
Hebbian case, N / (2 ln N)). Each neuron still updates on its own, choosing
the state of lower energy given the others: its effective field

    h_i = ½ Σ_μ [F(M_μ^(i) + ξ_i^μ) − F(M_μ^(i) − ξ_i^μ)],  M_μ^(i) = Σ_{j≠i} ξ_j^μ s_j,

satisfies E(s_i = −1) − E(s_i = +1) = 2 h_i, so sign(h_i) (a tie keeping the
state) never raises the energy and a flip lowers it by exactly 2|h_i|, as in
docs/conventions.md §6. With a polynomial F every quantity is an integer, exact in float64
while P·N^n < 2^53.

`exponential` uses F(x) = exp(β (x − N)): the shift by N keeps exp from
overflowing, scales the energy by exp(−βN) and changes no decision.

`modern` is the modern Hopfield network of Ramsauer et al. (2020) on bipolar
states: E(s) = −(1/β) log Σ_μ exp(β ξ^μ·s), whose continuous retrieval step is
ξ ← Ξᵀ softmax(β Ξ ξ). neurosim's states are ±1 (docs/conventions.md §1), so each neuron
instead takes the sign that lowers this energy, with the same effective-field
form: h_i = (E(s_i = −1) − E(s_i = +1)) / 2. It makes the same decisions as the
exponential memory with the same β, and reports the log-sum-exp energy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from neurosim.typing import Floats, Spins


@dataclass(frozen=True, slots=True, eq=False)
class DenseMemory:
    """The energy −Σ_μ F(ξ^μ·s) of stored patterns Ξ (P × N); F polynomial of `degree`, or exponential."""

    patterns: Floats
    degree: int | None = 3  # None: exponential (or modern)
    beta: float = 1.0
    rule: str = "dense"
    modern: bool = False

    dense = False  # no coupling matrix
    nonlinear = True
    symmetric = True
    divisor = 1.0

    def __post_init__(self) -> None:
        if self.degree is not None and self.degree < 2:
            raise ValueError("the polynomial degree of a dense memory must be at least 2")
        self.patterns.flags.writeable = False

    @property
    def size(self) -> int:
        return int(self.patterns.shape[1])

    @property
    def biases(self) -> Floats:
        return np.zeros(self.size)

    @property
    def thresholds(self) -> Floats:
        return np.zeros(self.size)

    def _f(self, x: Floats) -> Floats:
        if self.degree is None:
            out: Floats = np.exp(self.beta * (x - self.size))
            return out
        powered: Floats = x**self.degree
        return powered

    def field_units(self, state: Spins) -> Floats:
        """The effective fields h_i of every neuron (O(N·P))."""
        s = state.astype(np.float64)
        xi_t = self.patterns.T  # N × P
        without = (self.patterns @ s)[None, :] - xi_t * s[:, None]  # M^(i) for every i
        if self.modern:
            up = _logsumexp(self.beta * (without + xi_t))
            down = _logsumexp(self.beta * (without - xi_t))
            lse: Floats = (up - down) / (2.0 * self.beta)
            return lse
        fields: Floats = 0.5 * np.sum(self._f(without + xi_t) - self._f(without - xi_t), axis=1)
        return fields

    def energy_units(self, state: Spins) -> float:
        """E(s) = −Σ_μ F(ξ^μ · s), or −(1/β) log Σ_μ exp(β ξ^μ · s) for the modern network."""
        overlaps = self.patterns @ state.astype(np.float64)
        if self.modern:
            return float(-_logsumexp(self.beta * overlaps[None, :])[0] / self.beta)
        return float(-np.sum(self._f(overlaps)))

    def fanout(self, neuron: int) -> Floats:
        """A dense memory has no outgoing weights: a flip changes every field non-linearly."""
        return np.empty(0)

    def diagonal(self) -> Floats:
        return np.zeros(self.size)

    def product(self, state: Spins) -> Floats:
        raise TypeError("a dense memory has no coupling matrix")

    def with_biases(self, biases: Floats) -> DenseMemory:
        raise ValueError("dense memories take no biases")


def _logsumexp(x: Floats) -> Floats:
    """log Σ exp along the last axis, without overflow."""
    top = np.max(x, axis=-1, keepdims=True)
    out: Floats = top[..., 0] + np.log(np.sum(np.exp(x - top), axis=-1))
    return out


def modern_retrieve(patterns: Spins, state: Floats, beta: float, steps: int = 1) -> Floats:
    """Ramsauer et al.'s continuous retrieval ξ ← Ξᵀ softmax(β Ξ ξ), `steps` times (a library function:
    continuous states live outside the actors' ±1 board)."""
    xi = patterns.astype(np.float64)
    out = np.asarray(state, dtype=np.float64)
    for _ in range(steps):
        scores = beta * (xi @ out)
        weights = np.exp(scores - scores.max())
        out = xi.T @ (weights / weights.sum())
    return out


def dense_memory(patterns: Spins, degree: int | None = 3, beta: float = 1.0) -> DenseMemory:
    """The dense associative memory of bipolar patterns (P × N)."""
    return DenseMemory(patterns.astype(np.float64), degree=degree, beta=beta)


def modern_memory(patterns: Spins, beta: float = 1.0) -> DenseMemory:
    """The modern Hopfield network (Ramsauer et al. 2020) of bipolar patterns, on bipolar states."""
    return DenseMemory(patterns.astype(np.float64), degree=None, beta=beta, rule="modern", modern=True)


def dense_capacity(size: int, degree: int) -> float:
    """N^(n−1) / (2 (2n−3)!! ln N): error-free storage of a polynomial dense memory (Krotov & Hopfield 2016)."""
    double_factorial = math.prod(range(2 * degree - 3, 0, -2))
    return float(size ** (degree - 1) / (2 * double_factorial * math.log(size)))
