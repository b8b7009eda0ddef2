"""Sparse coding: biased patterns, the covariance rule, and overlaps that mean something for them.

Tsodyks & Feigel'man (1988) store 0/1 patterns η (η = (ξ + 1)/2) of mean
activity a in units V = (s + 1)/2 with

    w_ij = Σ_μ (η_i^μ − a)(η_j^μ − a) / (N a (1 − a)),    w_ii = 0,

a unit being active when Σ_j w_ij V_j > θ. Since Σ_j w_ij V_j − θ =
½ Σ_j w_ij s_j − (θ − ½ Σ_j w_ij), this is exactly the ±1 network of
docs/conventions.md §3 with

    W_ij = w_ij / 2,    θ_i = θ − ½ Σ_j w_ij,

so h_i is the 0/1 unit's drive Σ_j w_ij V_j − θ itself, s_i ← sign(h_i) is the
0/1 rule, its energy E(s) the network's Lyapunov function, and a tie (h_i = 0,
where the 0/1 rule would switch the unit off) keeps the state as everywhere
else (§4). `a` is the stored patterns' own mean activity.
The couplings are floats (divisor 1).
"""

from __future__ import annotations

import numpy as np

from neurosim.model.couplings import Couplings
from neurosim.model.patterns import PatternSet
from neurosim.typing import Floats, Spins

#: The activity of an unbiased pattern: `random` patterns drawn at it use the unbiased draw.
UNBIASED = 0.5


def random_sparse_patterns(count: int, size: int, activity: float, rng: np.random.Generator) -> Spins:
    """`count` patterns whose entries are +1 independently with probability `activity` (else −1)."""
    active = rng.random((count, size)) < activity
    out: Spins = np.where(active, 1, -1).astype(np.int8)
    return out


def mean_activity(patterns: PatternSet) -> float:
    """a: the fraction of +1 entries over all stored patterns."""
    return float(np.count_nonzero(patterns.matrix > 0)) / patterns.matrix.size


def covariance(patterns: PatternSet, threshold: float) -> Couplings:
    """The covariance rule with a threshold θ, as ±1 couplings W = w/2 and biases θ_i = θ − ½ Σ_j w_ij."""
    a = mean_activity(patterns)
    if not 0.0 < a < 1.0:
        raise ValueError("the covariance rule needs patterns with both active and inactive entries")
    centred = (patterns.real + 1.0) / 2.0 - a  # η − a
    w = centred.T @ centred / (patterns.size * a * (1.0 - a))
    np.fill_diagonal(w, 0.0)
    biases = threshold - 0.5 * w.sum(axis=1)
    return Couplings(matrix=0.5 * w, divisor=1.0, biases=biases, rule="covariance")


def sparse_overlaps(patterns: PatternSet, state: Spins) -> Floats:
    """m_μ = Σ_i (η_i^μ − a) V_i / Σ_i (η_i^μ − a) η_i^μ on 0/1 units: 1 on the pattern, about 0 off it (0: no active).

    The plain overlap ξ·s/N is near 1 − 2a for any quiet state of a sparse network;
    this one is not (its expectation is 0 for a state independent of pattern μ).
    """
    a = mean_activity(patterns)
    centred = (patterns.real + 1.0) / 2.0 - a
    v = (state.astype(np.float64) + 1.0) / 2.0
    eta = (patterns.real + 1.0) / 2.0
    scale = np.einsum("pi,pi->p", centred, eta)  # (1 − a) times the pattern's active count: 0 only if it has none
    out: Floats = np.divide(centred @ v, scale, out=np.zeros(patterns.count), where=scale != 0.0)
    return out
