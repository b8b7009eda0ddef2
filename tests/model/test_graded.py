"""Graded-response neurons (Hopfield 1984) and the continuous modern update (Ramsauer et al. 2020)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neurosim.model import learning
from neurosim.model.couplings import Couplings
from neurosim.model.graded import TOLERANCE, entropy_term, graded_energy, graded_fields, modern_sweep, relax
from neurosim.model.patterns import PatternSet, random_patterns

N, P = 100, 5


def _network(seed: int = 1) -> tuple[np.ndarray, Couplings]:
    matrix = random_patterns(P, N, np.random.default_rng(seed))
    couplings = learning.hebbian(PatternSet(tuple(f"p{k}" for k in range(P)), matrix))
    assert isinstance(couplings, Couplings)
    return matrix, couplings


def _cue(pattern: np.ndarray, flips: int, rng: np.random.Generator) -> np.ndarray:
    start = pattern.astype(np.float64)
    start[rng.choice(pattern.size, flips, replace=False)] *= -1
    return start


def test_the_entropy_term_is_the_integral_of_artanh() -> None:
    v = np.array([-1.0, -0.5, 0.0, 0.3, 1.0])
    expected = [math.log(2), 0.5 * (0.5 * math.log(0.5) + 1.5 * math.log(1.5)), 0.0]
    np.testing.assert_allclose(entropy_term(v)[:3], expected)
    assert entropy_term(v)[4] == pytest.approx(math.log(2))
    h = 1e-6  # G' = artanh
    assert (entropy_term(np.array([0.3 + h]))[0] - entropy_term(np.array([0.3 - h]))[0]) / (2 * h) == pytest.approx(
        math.atanh(0.3), rel=1e-6
    )


@pytest.mark.parametrize("gain", [0.5, 1.0, 2.0, 5.0, 50.0])
def test_the_hopfield_1984_function_never_rises_update_by_update(gain: float) -> None:
    matrix, couplings = _network()
    rng = np.random.default_rng(7)
    result = relax(couplings, _cue(matrix[0], 20, rng), gain, np.random.default_rng(2))
    assert result.converged
    # measured: the largest rise over every update was 1.4e-14 (rounding of energies near -50)
    assert np.diff(result.energies).max() <= 1e-12
    assert result.energies[-1] < result.energies[0]
    assert result.energies[-1] == pytest.approx(graded_energy(couplings, result.values, gain))
    # a fixed point to within the tolerance: V = tanh(β h)
    residual = np.abs(np.tanh(gain * graded_fields(couplings, result.values)) - result.values)
    assert residual.max() <= 10 * gain * TOLERANCE


def test_large_gain_recovers_the_binary_network_and_low_gain_melts_it() -> None:
    matrix, couplings = _network()
    start = _cue(matrix[0], 20, np.random.default_rng(7))
    hot = relax(couplings, start, 0.5, np.random.default_rng(2))  # below the critical gain 1: V → 0
    assert np.abs(hot.values).max() < 1e-6
    warm = relax(couplings, start, 2.0, np.random.default_rng(2))
    np.testing.assert_array_equal(np.sign(warm.values), matrix[0])
    assert 0.9 < np.abs(warm.values).min() < 1.0
    cold = relax(couplings, start, 50.0, np.random.default_rng(2))
    np.testing.assert_array_equal(cold.values, matrix[0])  # tanh saturates: exactly the binary recall


@pytest.mark.parametrize("seed", range(5))
def test_the_continuous_modern_update_retrieves_in_one_sweep_with_error_falling_exponentially(seed: int) -> None:
    # Measured (N = 100, P = 5 random patterns, cues with 20 flips, one asynchronous sweep, seeds 0-4):
    # the mean error |V − ξ| falls from ~3e-3 at β = 0.1 to ~1e-6 at β = 0.25; ln(error) against β has
    # slope -53 to -64, about −(the target's score margin over the others, ~N(1 − 2·0.2) − crosstalk).
    xi = random_patterns(P, N, np.random.default_rng(seed)).astype(np.float64)
    rng = np.random.default_rng(100 + seed)
    betas = [0.1, 0.15, 0.2, 0.25]
    errors = []
    for beta in betas:
        per_pattern = []
        for k in range(P):
            values = modern_sweep(xi, beta, _cue(xi[k], 20, rng), rng.permutation(N).tolist())
            np.testing.assert_array_equal(np.sign(values), xi[k])
            per_pattern.append(np.abs(values - xi[k]).mean())
        errors.append(float(np.mean(per_pattern)))
    assert errors == sorted(errors, reverse=True)
    slope = np.polyfit(betas, np.log(errors), 1)[0]
    assert -75.0 < slope < -40.0
