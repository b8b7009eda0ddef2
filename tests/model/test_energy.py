"""Energy, fields and overlaps follow the conventions of docs/conventions.md exactly."""

from __future__ import annotations

import numpy as np
import pytest

from neurosim.model.couplings import Couplings
from neurosim.model.energy import energy, hamming, is_fixed_point, local_fields, overlaps
from neurosim.model.learning import hebbian
from neurosim.model.patterns import PatternSet, random_patterns


def _random_set(count: int, size: int, seed: int) -> PatternSet:
    rng = np.random.default_rng(seed)
    return PatternSet(tuple(f"p{k}" for k in range(count)), random_patterns(count, size, rng))


@pytest.mark.parametrize(("count", "size", "seed"), [(1, 10, 0), (3, 25, 1), (7, 100, 2), (50, 1000, 3)])
def test_hebbian_energy_equals_the_overlap_identity(count: int, size: int, seed: int) -> None:
    patterns = _random_set(count, size, seed)
    couplings = hebbian(patterns)
    rng = np.random.default_rng(seed + 100)
    for _ in range(5):
        state = (2 * rng.integers(0, 2, size) - 1).astype(np.int8)
        m = overlaps(patterns, state)
        identity = -(size / 2) * float(np.sum(m**2)) + count / 2
        assert energy(couplings, state) == pytest.approx(identity, rel=1e-12, abs=1e-12)


def test_hebbian_weights_are_the_normalised_outer_product_with_zero_diagonal() -> None:
    patterns = PatternSet(("a", "b"), np.array([[1, 1, -1], [1, -1, -1]], dtype=np.int8))
    w = hebbian(patterns).weights
    expected = np.array([[0, 0, -2], [0, 0, 0], [-2, 0, 0]]) / 3
    np.testing.assert_allclose(w, expected, rtol=0, atol=1e-15)


def test_energy_uses_biases_with_a_plus_sign_and_fields_subtract_them() -> None:
    c = Couplings(np.array([[0.0, 1.0], [1.0, 0.0]]), biases=np.array([0.5, -0.25]))
    s = np.array([1, -1], dtype=np.int8)
    # E = -1/2 (w01 s0 s1 + w10 s1 s0) + θ·s = 1 + 0.5 + 0.25
    assert energy(c, s) == 1.75
    np.testing.assert_array_equal(local_fields(c, s), [-1.5, 1.25])


def test_a_stored_pattern_at_low_load_is_a_fixed_point_and_its_reverse_too() -> None:
    patterns = _random_set(5, 500, 4)
    c = hebbian(patterns)
    for row in patterns.matrix:
        assert is_fixed_point(c, row)
        assert is_fixed_point(c, -row)


def test_a_state_whose_field_opposes_a_neuron_is_not_a_fixed_point() -> None:
    c = Couplings(np.array([[0.0, 1.0], [1.0, 0.0]]))
    assert not is_fixed_point(c, np.array([1, -1], dtype=np.int8))
    assert is_fixed_point(c, np.array([-1, -1], dtype=np.int8))


def test_a_zero_field_counts_as_agreeing_with_either_state() -> None:
    c = Couplings(np.zeros((3, 3)))
    assert is_fixed_point(c, np.array([1, -1, 1], dtype=np.int8))


def test_hamming_counts_differing_neurons() -> None:
    a = np.array([1, 1, -1, -1], dtype=np.int8)
    b = np.array([1, -1, -1, 1], dtype=np.int8)
    assert hamming(a, b) == 2


def test_overlap_with_itself_is_one_and_with_its_reverse_minus_one() -> None:
    patterns = _random_set(2, 64, 5)
    m = overlaps(patterns, patterns.matrix[1])
    assert m[1] == 1.0
    assert overlaps(patterns, -patterns.matrix[1])[1] == -1.0


def test_hebbian_matrices_formed_in_blocks_equal_the_direct_product(monkeypatch: pytest.MonkeyPatch) -> None:
    from neurosim.model import learning

    patterns = _random_set(7, 300, 11)
    xi = patterns.matrix.astype(np.float64)
    monkeypatch.setattr(learning, "_BLOCK_ENTRIES", 1000)  # blocks of 3 rows
    np.testing.assert_array_equal(learning.outer_products(xi), xi.T @ xi)


def test_low_rank_and_dense_hebbian_couplings_give_identical_fields_and_energies() -> None:
    patterns = _random_set(6, 200, 12)
    dense, low = hebbian(patterns, dense=True), hebbian(patterns, dense=False)
    assert not low.dense
    rng = np.random.default_rng(3)
    for _ in range(5):
        state = (2 * rng.integers(0, 2, 200) - 1).astype(np.int8)
        np.testing.assert_array_equal(local_fields(dense, state), local_fields(low, state))
        assert energy(dense, state) == energy(low, state)
    np.testing.assert_array_equal(low.fanout(17), dense.fanout(17))


@pytest.mark.parametrize("size", [1, 7, 8, 9, 16, 17, 1003])
def test_overlaps_are_the_exact_dot_products_over_n_for_any_size(size: int) -> None:
    rng = np.random.default_rng(size)
    patterns = PatternSet(tuple(f"p{k}" for k in range(5)), random_patterns(5, size, rng))
    for state in (random_patterns(1, size, rng)[0], patterns.matrix[2], -patterns.matrix[4]):
        expected = [float(np.dot(row.astype(np.int64), state.astype(np.int64))) / size for row in patterns.matrix]
        assert overlaps(patterns, state).tolist() == expected


@pytest.mark.parametrize(("count", "size"), [(1, 7), (3, 25), (4, 1024), (5, 1000)])
def test_small_overlaps_and_distances_counted_by_numpy_equal_the_compiled_count(count: int, size: int) -> None:
    from neurosim.model import energy as module

    rng = np.random.default_rng(size)
    matrix = rng.choice(np.array([-1, 1], dtype=np.int8), (count, size))
    state = rng.choice(np.array([-1, 1], dtype=np.int8), size)
    small = count * size <= module.SMALL_ENTRIES
    assert small == (count * size <= 4096)
    got = overlaps(PatternSet(tuple(f"p{k}" for k in range(count)), matrix), state)
    np.testing.assert_array_equal(got, module._overlaps(matrix, state))
    assert hamming(matrix[0], state) == module._differences(matrix[0], state)
