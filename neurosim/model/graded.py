"""Graded-response neurons (Hopfield 1984) and the continuous modern update (Ramsauer et al. 2020).

A graded neuron holds a state V_i in [−1, 1]; waking, it sets V_i ← tanh(β h_i)
with h_i = Σ_j w_ij V_j − θ_i. With symmetric weights and a zero diagonal,
Hopfield's 1984 function

    E(V) = −½ Σ_ij w_ij V_i V_j + Σ_i θ_i V_i + (1/β) Σ_i G(V_i),
    G(v) = ∫_0^v artanh(x) dx = ½ [(1 + v) ln(1 + v) + (1 − v) ln(1 − v)],

never rises under these asynchronous updates: with V' = tanh(β h_i), the change
is (1/β)[G(V') − G(V) − G'(V')(V' − V)] ≤ 0, G being convex.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from neurosim.model.couplings import Couplings
from neurosim.model.dense import DenseMemory
from neurosim.typing import Floats, Spins

#: A trial of graded neurons converges when every neuron has woken since the last change larger than
#: this without changing its state by more than it (the graded form of docs/conventions.md §7).
TOLERANCE = 1e-6
#: An update raises the energy when it adds more than this times max(1, |E|): below it is rounding.
RISE = 1e-12


def _xlogx(x: Floats) -> Floats:
    """x ln x, taken as 0 at x = 0 (its limit)."""
    out: Floats = x * np.log(np.where(x > 0.0, x, 1.0))
    return out


def entropy_term(values: Floats) -> Floats:
    """G(v) = ½ [(1 + v) ln(1 + v) + (1 − v) ln(1 − v)], finite at v = ±1 (G(±1) = ln 2)."""
    out: Floats = 0.5 * (_xlogx(1.0 + values) + _xlogx(1.0 - values))
    return out


def graded_energy(couplings: Couplings, values: Floats, gain: float) -> float:
    """Hopfield's 1984 function of graded states `values` at gain β (physical units)."""
    w = couplings.weights
    theta = couplings.biases
    assert theta is not None
    return float(-0.5 * values @ w @ values + theta @ values + entropy_term(values).sum() / gain)


def graded_fields(couplings: Couplings, values: Floats) -> Floats:
    """h = W V − θ in physical units."""
    assert couplings.biases is not None
    out: Floats = couplings.weights @ values - couplings.biases
    return out


@dataclass(frozen=True, slots=True)
class Relaxed:
    """Where asynchronous graded updates ended: the states, the sweeps taken, the energy after each update."""

    values: Floats
    sweeps: int
    converged: bool
    energies: Floats


def relax(
    couplings: Couplings,
    start: Floats,
    gain: float,
    rng: np.random.Generator,
    max_sweeps: int = 100,
    tolerance: float = TOLERANCE,
) -> Relaxed:
    """Update graded neurons one at a time, a random permutation per sweep, until a sweep moves none by > tolerance.

    The fields are kept current with each change (h += w_{:,i} ΔV_i); the energy is recomputed
    from the states after every update, so that a test can hold it to never rising.
    """
    values = np.array(start, dtype=np.float64)
    w = couplings.weights
    fields = graded_fields(couplings, values)
    energies = [graded_energy(couplings, values, gain)]
    for sweep in range(1, max_sweeps + 1):
        largest = 0.0
        for i in rng.permutation(values.size).tolist():
            new = float(np.tanh(gain * fields[i]))
            change = new - values[i]
            if change != 0.0:
                values[i] = new
                fields += w[:, i] * change
                largest = max(largest, abs(change))
            energies.append(graded_energy(couplings, values, gain))
        if largest <= tolerance:
            return Relaxed(values, sweep, True, np.array(energies))
    return Relaxed(values, max_sweeps, False, np.array(energies))


def modern_update(patterns: Floats, beta: float, values: Floats) -> Floats:
    """One continuous modern Hopfield step Ξᵀ softmax(β Ξ V) (Ramsauer et al. 2020) for patterns Ξ (P × N)."""
    scores = beta * (patterns @ values)
    weights = np.exp(scores - scores.max())
    weights /= weights.sum()
    out: Floats = patterns.T @ weights
    return out


def modern_sweep(patterns: Floats, beta: float, start: Floats, order: list[int]) -> Floats:
    """One asynchronous sweep of the continuous modern update: each i in `order` sets V_i ← [Ξᵀ softmax(βΞV)]_i."""
    values = np.array(start, dtype=np.float64)
    for i in order:
        values[i] = modern_update(patterns, beta, values)[i]
    return values


def modern_energy(patterns: Floats, beta: float, values: Floats) -> float:
    """The modern network's energy −(1/β) log Σ_μ exp(β ξ^μ·V) + ½ V·V (Ramsauer et al. 2020, constants dropped)."""
    scores = beta * (patterns @ values)
    top = float(scores.max())
    return float(-(top + math.log(float(np.exp(scores - top).sum()))) / beta + 0.5 * values @ values)


def start_energy(couplings: Couplings | DenseMemory, start: Spins, gain: float) -> float:
    """The energy of a ±1 start under graded dynamics: Hopfield's 1984 function (G(±1) = ln 2), or the modern one."""
    values = start.astype(np.float64)
    if isinstance(couplings, DenseMemory):
        return modern_energy(couplings.patterns, couplings.beta, values)
    return graded_energy(couplings, values, gain)
