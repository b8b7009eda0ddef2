"""Learning rules: stored patterns in, couplings out.

Every rule returns symmetric couplings with a zero diagonal and no biases, so the
energy never rises under asynchronous dynamics (docs/conventions.md §6). Hebbian
couplings keep their integer matrix over the divisor N; the other rules compute
in floats and use divisor 1.
"""

from __future__ import annotations

import numpy as np

from neurosim.model.couplings import Couplings, LowRankCouplings
from neurosim.model.patterns import PatternSet, random_patterns
from neurosim.typing import Floats, Spins

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
    xi = patterns.real
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


def storkey(patterns: PatternSet) -> Couplings:
    """Return the couplings of Storkey's incremental rule (Storkey 1997).

    A. J. Storkey, "Increasing the capacity of a Hopfield network without sacrificing
    functionality", ICANN 1997. The patterns are learnt one after another, starting
    from W = 0: for each pattern ξ,
    w_ij += (1/N)(ξ_i ξ_j − ξ_i h_ji − h_ij ξ_j), with h_ij = Σ_{k≠i,j} w_ik ξ_k
    the field at i without the contributions of i and j (weights before the update).
    The diagonal stays zero. The rule is local and incremental and stores more
    patterns as exact fixed points than the Hebbian rule (capacity ~ N/√(2 ln N)).
    """
    xi = patterns.real
    size = patterns.size
    w: Floats = np.zeros((size, size))
    for x in xi:
        # With w_ii = 0 and ξ_j² = 1: h_ij ξ_j = h_i ξ_j − w_ij, so the two correction terms
        # sum to ξ_i h_j + h_i ξ_j − 2 w_ij. A matrix plus its transpose is exactly symmetric.
        h = w @ x
        cross = np.outer(x, h)
        w += (np.outer(x, x) - (cross + cross.T) + 2.0 * w) / size
        np.fill_diagonal(w, 0.0)
    return Couplings(matrix=w, rule="storkey")


def pseudoinverse(patterns: PatternSet) -> Couplings:
    """Return the projection (pseudo-inverse) rule W = Ξᵀ(ΞΞᵀ)⁻¹Ξ with its diagonal set to zero.

    L. Personnaz, I. Guyon, G. Dreyfus, Phys. Rev. A 34, 4217 (1986); the diagonal
    removed as in I. Kanter, H. Sompolinsky, Phys. Rev. A 35, 380 (1987). The full
    matrix projects onto the span of the patterns, so every pattern is mapped onto
    itself whatever their correlations. Removing the diagonal d_ii (which lies in
    [0, 1] and averages P/N) keeps the energy descent guarantee and leaves the field
    h_i = (1 − d_ii) ξ_i on a stored pattern: every pattern stays a fixed point while
    P < N, with a margin that shrinks as P/N grows.

    Raises:
        ValueError: the patterns are linearly dependent (rank of Ξ below P).
    """
    xi = patterns.real
    count = patterns.count
    rank = int(np.linalg.matrix_rank(xi))
    if rank < count:
        raise ValueError(f"the pseudo-inverse rule needs linearly independent patterns: rank {rank} < {count} patterns")
    w: Floats = xi.T @ np.linalg.solve(xi @ xi.T, xi)
    w = (w + w.T) / 2.0  # the product is symmetric up to rounding; make it exactly so
    np.fill_diagonal(w, 0.0)
    return Couplings(matrix=w, rule="pseudoinverse")


def perceptron(
    patterns: PatternSet, *, kappa: float = 0.5, max_epochs: int = 1000, rng: np.random.Generator
) -> Couplings:
    """Return couplings trained by Gardner's perceptron algorithm to stability margin `kappa`, symmetrised.

    E. Gardner, "The space of interactions in neural network models", J. Phys. A 21,
    257 (1988). Each neuron's row w_i (with w_ii = 0) is trained from zero until
    ξ_i^μ h_i^μ / |w_i| > κ for every pattern μ: an epoch visits the patterns in an
    order drawn from `rng`, and every neuron whose stability is at most κ gets
    w_ij += ξ_i^μ ξ_j^μ / N (all neurons at once). Gardner proved that this stops
    after finitely many updates when rows with a margin above κ exist, which for
    random patterns holds below her bound α_c(κ) on the load P/N (2 at κ = 0,
    0.96 at κ = 0.5, 0.52 at κ = 1).
    The trained matrix is not symmetric, so it is symmetrised, W ← (W + Wᵀ)/2; the
    margin κ is what carries the patterns through that step.

    Raises:
        ValueError: the rows do not reach the margin within `max_epochs` epochs, or
            a stored pattern is no longer a fixed point of the symmetrised matrix.
    """
    if kappa < 0.0:
        raise ValueError(f"the margin kappa must be at least 0, not {kappa}")
    xi = patterns.real
    size = patterns.size
    w: Floats = np.zeros((size, size))
    for _ in range(max_epochs):
        changed = False
        for mu in rng.permutation(patterns.count):
            x = xi[mu]
            norms = np.sqrt(np.einsum("ij,ij->i", w, w))
            # at most κ, not below it: from W = 0 every row starts learning, even at κ = 0
            weak = np.flatnonzero(x * (w @ x) <= kappa * norms)
            if weak.size:
                changed = True
                w[weak] += np.outer(x[weak], x) / size
                w[weak, weak] = 0.0
        if not changed:
            break
    else:
        raise ValueError(
            f"perceptron rows did not reach the margin kappa={kappa} within {max_epochs} epochs"
            f" at load P/N={patterns.count / size:.3g}"
        )
    w = (w + w.T) / 2.0
    unstable = int(np.count_nonzero(np.any(xi * (xi @ w) < 0.0, axis=1)))
    if unstable:
        raise ValueError(
            f"{unstable} of {patterns.count} patterns are not fixed points of the symmetrised perceptron"
            f" couplings (kappa={kappa}, load P/N={patterns.count / size:.3g}); a larger kappa keeps them"
        )
    return Couplings(matrix=w, rule="perceptron")


def relax(matrix: Floats, state: Spins, rng: np.random.Generator, *, max_sweeps: int = 100) -> Spins:
    """Return the state reached from `state` by zero-temperature asynchronous dynamics, without biases.

    Each sweep visits the neurons in an order drawn from `rng` and sets s_i ← sign(h_i)
    (a tie keeps the state), until a sweep flips nothing. After `max_sweeps` sweeps
    the current state is returned even if it is not a fixed point; with symmetric W
    and zero diagonal the energy falls at every flip, so that is rare.
    """
    s = state.astype(np.float64)
    size = s.size
    for _ in range(max_sweeps):
        fields = matrix @ s  # formed anew every sweep, so incremental rounding cannot build up
        if np.all(fields * s >= 0.0):
            break
        order = rng.permutation(size)
        position = 0
        # Neurons that agree with their field do not change anything: jump straight to the
        # next one in the sweep that disagrees, flip it, update every field, and go on.
        while position < size:
            rest = order[position:]
            against = np.flatnonzero(fields[rest] * s[rest] < 0.0)
            if not against.size:
                break
            position += int(against[0])
            neuron = order[position]
            s[neuron] = -s[neuron]
            fields += (2.0 * s[neuron]) * matrix[:, neuron]
            position += 1
    out: Spins = s.astype(np.int8)
    return out


def daydreaming(
    patterns: PatternSet,
    *,
    epochs: int = 20,
    rate: float = 0.1,
    max_sweeps: int = 100,
    rng: np.random.Generator,
) -> Couplings:
    """Return couplings trained by Daydreaming: reinforce every pattern, unlearn the network's dreams.

    L. Serricchio, D. Bocchi, C. Chilin, R. Marino, M. Negri, C. Cammarota,
    F. Ricci-Tersenghi, "Daydreaming Hopfield networks and their surprising
    effectiveness on correlated data", arXiv:2405.08777 (2024), Neural Networks 186
    (2025). Starting from the Hebbian matrix, each epoch visits the patterns in an
    order drawn from `rng`; for each pattern ξ a dream σ is the fixed point that
    `relax` reaches from a random state, and W += (rate/N)(ξξᵀ − σσᵀ). The diagonal
    stays zero (ξ_i² = σ_i² = 1). Unlike plain unlearning the rule is not destructive:
    the paper reports that retrieval becomes stationary. The scale of W still drifts
    up slowly (Frobenius norm 5.5, 6.5, 17 after 0, 20, 160 epochs at N = 100, P = 30),
    which zero-temperature dynamics ignore.

    The paper's full text was not at hand: this follows its abstract and public
    reimplementations, which use this update with a small learning rate; the epoch
    structure and the default `rate` and `epochs` are ours (measured: at load 0.3,
    N = 200, rate 0.1 makes every pattern a fixed point within 20 epochs).
    """
    xi = patterns.real
    size = patterns.size
    w: Floats = outer_products(xi) / size
    np.fill_diagonal(w, 0.0)
    step = rate / size
    for _ in range(epochs):
        for mu in rng.permutation(patterns.count):
            dream = relax(w, random_patterns(1, size, rng)[0], rng, max_sweeps=max_sweeps).astype(np.float64)
            w += step * (np.outer(xi[mu], xi[mu]) - np.outer(dream, dream))
    return Couplings(matrix=w, rule="daydreaming")
