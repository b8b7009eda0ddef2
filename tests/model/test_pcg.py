"""The compiled PCG64 streams draw exactly NumPy's numbers."""

from __future__ import annotations

import numpy as np
import pytest

from neurosim.model import pcg, schedules

SEEDS = [0, 1, 12345, 2**32 - 1, 2**32, 2**64 + 3, 2**130]
KEYS = [(), (1,), (1, 0, 1), (1, 77, 1), (1, 2**33, 1), (1, 123456, 2, 9, 9)]


def _numpy(seed: int | list[int], key: tuple[int, ...]) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("key", KEYS)
def test_the_seeded_state_is_numpys(seed: int, key: tuple[int, ...]) -> None:
    expected = _numpy(seed, key).bit_generator.state["state"]
    st = pcg.stream(seed, *key)
    assert (int(st[pcg.STATE_HI]) << 64) | int(st[pcg.STATE_LO]) == expected["state"]
    assert (int(st[pcg.INC_HI]) << 64) | int(st[pcg.INC_LO]) == expected["inc"]
    words = np.random.SeedSequence(seed, spawn_key=key).generate_state(9, np.uint64)
    assert pcg.seed_state(pcg.entropy_words(seed, key), 9).tolist() == words.tolist()


def test_a_sequence_of_integers_seeds_as_numpy_does() -> None:
    expected = _numpy([1000, 3], ()).bit_generator.state["state"]["state"]
    st = pcg.stream([1000, 3])
    assert (int(st[0]) << 64) | int(st[1]) == expected


@pytest.mark.parametrize("seed", SEEDS[:4])
def test_draws_follow_numpy_through_mixed_calls(seed: int) -> None:
    # the 32-bit draws are halves of 64-bit ones: odd counts leave a buffered half for the next call
    g = _numpy(seed, (1, 5, 1))
    st = pcg.stream(seed, 1, 5, 1)
    for n in (1, 2, 3, 7, 1000, 70_000, 11):
        assert pcg.permutation(st, n).tolist() == g.permutation(n).tolist()
        assert pcg.integers(st, n, n).tolist() == g.integers(0, n, size=n).tolist()
    assert pcg.integers(st, 2**32 - 1, 50).tolist() == g.integers(0, 2**32 - 1, size=50).tolist()
    assert pcg.integers(st, 5, 3).tolist() == g.integers(0, 5, size=3).tolist()
    assert int(pcg.next64(st)) == int(g.bit_generator.random_raw())


def test_negative_entropy_is_refused() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        pcg.stream(-1)


def test_schedules_draw_numpys_permutations_and_picks() -> None:
    g = _numpy(9, (1, 0, 1))
    for sweep, (times, neurons) in zip(range(3), schedules.permutation(300, pcg.stream(9, 1, 0, 1)), strict=False):
        assert neurons.tolist() == g.permutation(300).tolist()
        assert times.tolist() == (sweep + np.arange(1, 301) / 300).tolist()
    g = _numpy(9, (1, 0, 1))
    for _, (_, neurons) in zip(range(3), schedules.uniform(300, pcg.stream(9, 1, 0, 1)), strict=False):
        assert neurons.tolist() == g.integers(0, 300, size=300).tolist()
