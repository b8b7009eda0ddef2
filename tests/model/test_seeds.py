"""The seed layout reproduces, key for key, the streams every seeded result was made with."""

from __future__ import annotations

import numpy as np

from neurosim.model import pcg
from neurosim.model.seeds import SeedLayout
from neurosim.model.streams import stream_keys


def _draws(seed: int, *key: int) -> np.ndarray:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key))).random(8)


def test_every_stream_has_its_documented_spawn_key() -> None:
    for seed in (0, 7, 2**40 + 3):
        layout = SeedLayout(seed)
        for source in range(3):
            np.testing.assert_array_equal(layout.patterns(source).random(8), _draws(seed, 0, source))
        np.testing.assert_array_equal(layout.rates().random(8), _draws(seed, 2, 0))
        np.testing.assert_array_equal(layout.learning().random(8), _draws(seed, 2, 1))
        for trial in (0, 1, 300):
            seeds = layout.trial(trial)
            np.testing.assert_array_equal(seeds.noise().random(8), _draws(seed, 1, trial, 0))
            keys = seeds.clock_keys(50)
            np.testing.assert_array_equal(keys, stream_keys(np.random.SeedSequence(seed, spawn_key=(1, trial, 1)), 50))
            neurons = stream_keys(np.random.SeedSequence(seed, spawn_key=(1, trial, 2)), 50)
            np.testing.assert_array_equal(seeds.neuron_keys(50), neurons)
            np.testing.assert_array_equal(seeds.schedule_stream(), pcg.stream(seed, 1, trial, 1))


def test_no_two_consumers_share_a_stream() -> None:
    layout = SeedLayout(5)
    firsts = [
        layout.patterns(0).random(),
        layout.patterns(1).random(),
        layout.rates().random(),
        layout.learning().random(),
        layout.trial(0).noise().random(),
        layout.trial(1).noise().random(),
    ]
    assert len(set(firsts)) == len(firsts)
