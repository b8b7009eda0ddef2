"""Sequences through slow synapses: a second, delayed, asymmetric pathway (Sompolinsky & Kanter 1986).

The fast couplings are Hebbian, J¹ = Σ_μ ξ^μ ξ^μᵀ / N with a zero diagonal; the
slow ones are J² = λ Σ_μ ξ^(μ+1) ξ^μᵀ / N (the patterns in the order stored,
cyclically) and act through their own transmission delay τ:
h_i(t) = Σ_j J¹_ij s_j(t) + Σ_j J²_ij s_j(t − τ), the past before the start
taken as the last stored pattern (docs/conventions.md §9).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from neurosim.model.couplings import Couplings
from neurosim.model.patterns import PatternSet
from neurosim.typing import Floats, Indices, Spins


@dataclass(frozen=True, slots=True, eq=False)
class SlowPathway:
    """The slow couplings J² (in the fast couplings' matrix units), their delay τ, and the state before the start."""

    matrix: Floats
    delay: float
    past: Spins

    def __post_init__(self) -> None:
        self.matrix.flags.writeable = False
        self.past.flags.writeable = False

    def columns(self) -> Floats:
        """J²'s columns as rows (row j: what neuron j sends through the slow pathway), for delivering flips."""
        out: Floats = np.ascontiguousarray(self.matrix.T)
        return out

    def fields(self, state: Spins) -> Floats:
        """J² · s in matrix units."""
        out: Floats = self.matrix @ state.astype(np.float64)
        return out


def sequence(patterns: PatternSet, strength: float, delay: float) -> Couplings:
    """Hebbian fast couplings with the slow pathway λ Σ_μ ξ^(μ+1) ξ^μᵀ / N acting after `delay`."""
    if patterns.count < 2:
        raise ValueError("a sequence needs at least two stored patterns")
    if delay <= 0.0:
        raise ValueError("the slow pathway's delay must be positive")
    xi = patterns.real
    fast = xi.T @ xi
    np.fill_diagonal(fast, 0.0)
    slow = np.roll(xi, -1, axis=0).T @ xi  # Σ_μ ξ^(μ+1) ξ^μᵀ, row i column j
    slow *= strength  # in place: one N × N matrix more than the fast couplings at the peak
    pathway = SlowPathway(slow, float(delay), patterns.matrix[-1].copy())
    base = Couplings(matrix=fast, divisor=float(patterns.size), rule="sequence", factors=xi)
    return dataclasses.replace(base, slow=pathway)


def dominance(
    patterns: PatternSet,
    start: Spins,
    flip_times: Floats,
    flip_neurons: Indices,
    flip_states: Spins,
) -> list[tuple[float, str]]:
    """When the dominant pattern changes: (time, name), starting with the start's at time 0.

    The dominant pattern is the one of largest overlap ξ^μ · s (the first on a tie), counted
    exactly in integers after every flip.
    """
    xi = patterns.matrix.astype(np.int64)
    dots = xi @ start.astype(np.int64)
    state = start.astype(np.int64)
    current = int(np.argmax(dots))
    changes = [(0.0, patterns.names[current])]
    for t, j, s in zip(flip_times.tolist(), flip_neurons.tolist(), flip_states.tolist(), strict=True):
        dots += xi[:, j] * (s - state[j])
        state[j] = s
        best = int(np.argmax(dots))
        if best != current:
            current = best
            changes.append((float(t), patterns.names[best]))
    return changes
