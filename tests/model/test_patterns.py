"""Pattern sets and bipolar conversion."""

from __future__ import annotations

import numpy as np
import pytest

from neurosim.model.patterns import PatternSet, bipolar, random_patterns


def test_binary_data_becomes_bipolar() -> None:
    np.testing.assert_array_equal(bipolar([0, 1, 1, 0]), [-1, 1, 1, -1])
    np.testing.assert_array_equal(bipolar([True, False]), [1, -1])


def test_data_mixing_zero_and_minus_one_is_refused() -> None:
    with pytest.raises(ValueError, match="mix"):
        bipolar([0, -1, 1])


def test_a_pattern_set_refuses_non_bipolar_entries() -> None:
    with pytest.raises(ValueError, match="-1 or \\+1"):
        PatternSet(("a",), np.array([[1, 0]], dtype=np.int8))


def test_a_pattern_set_is_read_only() -> None:
    patterns = PatternSet(("a",), np.array([[1, -1]], dtype=np.int8))
    with pytest.raises(ValueError, match="read-only"):
        patterns.matrix[0, 0] = -1


def test_match_names_the_stored_pattern_equal_to_a_state() -> None:
    patterns = PatternSet(("a", "b"), np.array([[1, -1, 1], [1, 1, 1]], dtype=np.int8))
    assert patterns.match(np.array([1, 1, 1], dtype=np.int8)) == "b"
    assert patterns.match(np.array([-1, 1, -1], dtype=np.int8)) is None


def test_random_patterns_are_balanced_and_reproducible() -> None:
    a = random_patterns(20, 1000, np.random.default_rng(9))
    b = random_patterns(20, 1000, np.random.default_rng(9))
    np.testing.assert_array_equal(a, b)
    assert abs(float(a.mean())) < 0.02
