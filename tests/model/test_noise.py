"""Cue corruption."""

from __future__ import annotations

import numpy as np
import pytest

from neurosim.model import noise


def test_flip_changes_exactly_the_requested_number_of_neurons() -> None:
    state = np.ones(100, dtype=np.int8)
    for k in (0, 1, 37, 100):
        out = noise.flip(state, k, np.random.default_rng(k))
        assert int(np.sum(out != state)) == k
    assert state.tolist() == [1] * 100


def test_flipping_more_neurons_than_exist_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot flip 11 of 10"):
        noise.flip(np.ones(10, dtype=np.int8), 11, np.random.default_rng(0))


@pytest.mark.parametrize("fill", [-1, 1])
def test_mask_sets_a_fraction_of_neurons_to_the_fill_value(fill: int) -> None:
    state = np.tile(np.array([1, -1], dtype=np.int8), 50)
    out = noise.mask(state, 0.3, fill, np.random.default_rng(1))
    changed = np.flatnonzero(out != state)
    assert np.all(out[changed] == fill)
    # 30 neurons are overwritten; half of them already held the fill value
    assert 5 <= changed.size <= 25


def test_random_fill_draws_both_signs() -> None:
    out = noise.mask(np.ones(1000, dtype=np.int8), 1.0, "random", np.random.default_rng(2))
    assert 400 < int(np.sum(out == -1)) < 600
