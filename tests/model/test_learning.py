"""Learning rules store what the literature says they store, as symmetric zero-diagonal couplings."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from neurosim.model.couplings import AnyCouplings, Couplings
from neurosim.model.energy import is_fixed_point, local_fields
from neurosim.model.learning import daydreaming, hebbian, perceptron, pseudoinverse, relax, storkey
from neurosim.model.patterns import PatternSet, random_patterns

Rule = Callable[[PatternSet], Couplings]

RULES: dict[str, Rule] = {
    "storkey": storkey,
    "pseudoinverse": pseudoinverse,
    "perceptron": lambda p: perceptron(p, rng=np.random.default_rng(0)),
    "daydreaming": lambda p: daydreaming(p, epochs=5, rng=np.random.default_rng(0)),
}


def _random_set(count: int, size: int, seed: int) -> PatternSet:
    rng = np.random.default_rng(seed)
    return PatternSet(tuple(f"p{k}" for k in range(count)), random_patterns(count, size, rng))


def _dense_hebbian(patterns: PatternSet) -> Couplings:
    couplings = hebbian(patterns, dense=True)
    assert isinstance(couplings, Couplings)
    return couplings


def _fixed_fraction(couplings: AnyCouplings, patterns: PatternSet) -> float:
    return float(np.mean([is_fixed_point(couplings, row) for row in patterns.matrix]))


@pytest.mark.parametrize("name", RULES)
def test_every_rule_returns_exactly_symmetric_weights_with_a_zero_diagonal(name: str) -> None:
    couplings = RULES[name](_random_set(12, 80, 1))
    w = couplings.weights
    assert couplings.symmetric
    np.testing.assert_array_equal(w, w.T)
    np.testing.assert_array_equal(np.diagonal(w), 0.0)


@pytest.mark.parametrize("name", RULES)
def test_every_rule_gives_float_weights_over_divisor_one_named_after_it(name: str) -> None:
    couplings = RULES[name](_random_set(6, 40, 2))
    assert couplings.divisor == 1.0
    assert couplings.matrix.dtype == np.float64
    assert couplings.rule == name
    np.testing.assert_array_equal(couplings.thresholds, 0.0)


def test_storkey_matches_the_elementwise_update_of_the_paper() -> None:
    patterns = _random_set(4, 12, 3)
    size = patterns.size
    w = np.zeros((size, size))
    for x in patterns.matrix.astype(np.float64):
        new = w.copy()
        for i in range(size):
            for j in range(size):
                if i == j:
                    continue
                h_ij = sum(w[i, k] * x[k] for k in range(size) if k not in (i, j))
                h_ji = sum(w[j, k] * x[k] for k in range(size) if k not in (i, j))
                new[i, j] += (x[i] * x[j] - x[i] * h_ji - h_ij * x[j]) / size
        w = new
    np.testing.assert_allclose(storkey(patterns).weights, w, rtol=0, atol=1e-13)


@pytest.mark.parametrize("count", [30, 40])
def test_storkey_makes_every_pattern_a_fixed_point_at_moderate_load(count: int) -> None:
    patterns = _random_set(count, 200, 4)
    assert _fixed_fraction(storkey(patterns), patterns) == 1.0


def test_storkey_keeps_markedly_more_patterns_fixed_than_hebbian_at_load_0_15() -> None:
    # measured over seeds 0-4 (N = 200, P = 30): Hebbian 0.40-0.67 (mean 0.50), Storkey 1.0
    hebb, stork = [], []
    for seed in range(3):
        patterns = _random_set(30, 200, seed)
        hebb.append(_fixed_fraction(hebbian(patterns), patterns))
        stork.append(_fixed_fraction(storkey(patterns), patterns))
    assert np.mean(hebb) < 0.75
    assert np.mean(stork) >= 0.95


@pytest.mark.parametrize("count", [30, 60, 90])
def test_pseudoinverse_makes_every_pattern_a_fixed_point_while_fewer_than_n(count: int) -> None:
    patterns = _random_set(count, 100, 5)
    assert _fixed_fraction(pseudoinverse(patterns), patterns) == 1.0


def test_pseudoinverse_is_the_projection_onto_the_patterns_without_its_diagonal() -> None:
    patterns = _random_set(20, 60, 6)
    xi = patterns.matrix.astype(np.float64)
    projection = np.linalg.pinv(xi) @ xi
    w = pseudoinverse(patterns).weights
    np.testing.assert_allclose(w + np.diag(np.diagonal(projection)), projection, rtol=0, atol=1e-12)


def test_pseudoinverse_field_on_a_stored_pattern_is_the_pattern_shrunk_by_the_removed_diagonal() -> None:
    # h = (P − D) ξ = ξ − D ξ; the diagonal of a projection has trace P, so Σ_i ξ_i h_i = N − P
    patterns = _random_set(30, 100, 7)
    xi = patterns.matrix.astype(np.float64)
    couplings = pseudoinverse(patterns)
    diagonal = np.diagonal(np.linalg.pinv(xi) @ xi)
    for row in patterns.matrix:
        h = local_fields(couplings, row)
        np.testing.assert_allclose(h, (1.0 - diagonal) * row, rtol=0, atol=1e-12)
        assert float(h @ row) == pytest.approx(100 - 30, abs=1e-9)


def test_pseudoinverse_rejects_a_pattern_that_is_the_negation_of_another() -> None:
    rows = random_patterns(3, 50, np.random.default_rng(8))
    rows[2] = -rows[0]
    with pytest.raises(ValueError, match=r"rank 2 < 3 patterns"):
        pseudoinverse(PatternSet(("a", "b", "c"), rows))


def test_pseudoinverse_rejects_a_duplicated_pattern() -> None:
    rows = random_patterns(4, 50, np.random.default_rng(9))
    rows[3] = rows[1]
    with pytest.raises(ValueError, match=r"linearly independent patterns: rank 3 < 4 patterns"):
        pseudoinverse(PatternSet(("a", "b", "c", "d"), rows))


@pytest.mark.parametrize(("kappa", "count"), [(0.5, 40), (0.5, 80), (1.0, 60)])
def test_perceptron_makes_every_pattern_a_fixed_point_below_gardners_bound(kappa: float, count: int) -> None:
    # Gardner's bound α_c(κ): 0.96 at κ = 0.5, 0.52 at κ = 1; these loads are 0.2, 0.4 and 0.3
    patterns = _random_set(count, 200, 10)
    couplings = perceptron(patterns, kappa=kappa, rng=np.random.default_rng(10))
    assert _fixed_fraction(couplings, patterns) == 1.0


def test_perceptron_keeps_a_positive_normalised_stability_after_symmetrising() -> None:
    # measured: minimum stability 0.78-0.81 at κ = 1, load 0.3 (the margin of the rows was 1)
    patterns = _random_set(60, 200, 11)
    w = perceptron(patterns, kappa=1.0, rng=np.random.default_rng(11)).weights
    xi = patterns.matrix.astype(np.float64)
    stability = xi * (xi @ w) / np.linalg.norm(w, axis=1)
    assert 0.5 < stability.min() < 1.0


def test_perceptron_is_reproducible_from_the_generator_and_depends_on_it() -> None:
    patterns = _random_set(30, 100, 12)
    first = perceptron(patterns, rng=np.random.default_rng(5)).weights
    again = perceptron(patterns, rng=np.random.default_rng(5)).weights
    other = perceptron(patterns, rng=np.random.default_rng(6)).weights
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_perceptron_raises_when_the_margin_is_beyond_gardners_bound() -> None:
    # load 0.6 > α_c(1) = 0.52: no rows with margin 1 exist
    patterns = _random_set(60, 100, 13)
    with pytest.raises(ValueError, match=r"did not reach the margin kappa=1.0 within 50 epochs at load P/N=0.6"):
        perceptron(patterns, kappa=1.0, max_epochs=50, rng=np.random.default_rng(13))


def test_perceptron_raises_when_symmetrising_unfixes_a_pattern() -> None:
    # measured at κ = 0, load 0.5: 23-29 % of the patterns lose stability when W is symmetrised
    patterns = _random_set(100, 200, 14)
    with pytest.raises(ValueError, match=r"of 100 patterns are not fixed points of the symmetrised"):
        perceptron(patterns, kappa=0.0, rng=np.random.default_rng(14))


def test_perceptron_rejects_a_negative_margin() -> None:
    with pytest.raises(ValueError, match="kappa must be at least 0"):
        perceptron(_random_set(3, 20, 15), kappa=-0.1, rng=np.random.default_rng(0))


def test_relax_reaches_a_fixed_point_from_random_states() -> None:
    patterns = _random_set(40, 200, 16)
    couplings = _dense_hebbian(patterns)
    rng = np.random.default_rng(16)
    for _ in range(10):
        start = random_patterns(1, 200, rng)[0]
        end = relax(couplings.weights, start, rng)
        assert end.dtype == np.int8
        assert is_fixed_point(couplings, end)


def test_relax_keeps_the_state_of_a_neuron_on_a_tie_while_others_flip() -> None:
    # neuron 0 is unconnected (field 0, a tie); neurons 1 and 2 start out against their fields
    w = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    start = np.array([1, 1, -1], dtype=np.int8)
    for seed in range(10):
        end = relax(w, start, np.random.default_rng(seed))
        assert end[0] == 1
        assert end[1] == end[2]


def test_relax_follows_the_sweep_order_drawn_from_the_generator() -> None:
    # two neurons that want to disagree, starting equal: whichever moves first decides the end state
    w = np.array([[0.0, -1.0], [-1.0, 0.0]])
    start = np.array([1, 1], dtype=np.int8)
    ends = {tuple(relax(w, start, np.random.default_rng(seed)).tolist()) for seed in range(20)}
    assert ends == {(1, -1), (-1, 1)}


@pytest.mark.parametrize("count", [20, 30])
def test_daydreaming_makes_every_pattern_a_fixed_point_above_hebbian_capacity(count: int) -> None:
    # measured over seeds 0-5 at N = 100: Hebbian 0.15-0.45 (load 0.2) and 0-0.07 (load 0.3); Daydreaming 1.0
    patterns = _random_set(count, 100, 17)
    hebb = _fixed_fraction(hebbian(patterns), patterns)
    dreamt = _fixed_fraction(daydreaming(patterns, rng=np.random.default_rng(17)), patterns)
    assert hebb < 0.6
    assert dreamt == 1.0


def test_daydreaming_is_reproducible_from_the_generator() -> None:
    patterns = _random_set(10, 60, 18)
    first = daydreaming(patterns, epochs=3, rng=np.random.default_rng(1)).weights
    again = daydreaming(patterns, epochs=3, rng=np.random.default_rng(1)).weights
    np.testing.assert_array_equal(first, again)


def test_daydreaming_without_epochs_is_the_hebbian_rule() -> None:
    patterns = _random_set(10, 60, 19)
    w = daydreaming(patterns, epochs=0, rng=np.random.default_rng(0)).weights
    np.testing.assert_allclose(w, _dense_hebbian(patterns).weights, rtol=0, atol=1e-15)
