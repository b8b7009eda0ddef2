"""The seed layout: which spawn key of the scenario seed feeds which consumer.

Seeding (docs/conventions.md §10): the scenario seed is the entropy of a
`numpy.random.SeedSequence`; every consumer draws from its own spawn key, so
no two share a stream and none depends on the order in which others ran:

====================  =====================================================
spawn key             consumer
====================  =====================================================
(0, k)                random pattern source k (the k-th entry under `patterns:`)
(1, trial, 0)         the trial's noise (and its random start state)
(1, trial, 1)         the trial's schedule: the permutation or uniform stream
                      (PCG64), or the keys of the neurons' Poisson clocks
(1, trial, 2)         the keys of the neurons' own streams (Glauber draws)
(2, 0)                the neurons' clock rates, drawn once per run
(2, 1)                the learning rule's own randomness (perceptron, daydreaming)
(2, 2)                the graph of a diluted network (one 64-bit key; every row
                      is drawn from it alone: neurosim.model.graph)
====================  =====================================================

This module is the only place that spells these keys; changing one changes
every seeded result, so the tests pin each stream to its key.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurosim.model import pcg
from neurosim.model.streams import U64, stream_keys

_PATTERNS, _TRIALS, _NETWORK = 0, 1, 2
_NOISE, _SCHEDULE, _NEURONS = 0, 1, 2
_RATES, _LEARNING, _GRAPH = 0, 1, 2


def generator(seed: np.random.SeedSequence) -> np.random.Generator:
    """A NumPy generator (PCG64) on one stream of the layout."""
    return np.random.Generator(np.random.PCG64(seed))


@dataclass(frozen=True, slots=True)
class TrialSeeds:
    """The streams of one trial: its noise, its schedule and its neurons' own draws."""

    seed: int
    index: int

    def _key(self, use: int) -> np.random.SeedSequence:
        return np.random.SeedSequence(self.seed, spawn_key=(_TRIALS, self.index, use))

    def noise(self) -> np.random.Generator:
        """The generator that corrupts the trial's cue (or draws its random start)."""
        return generator(self._key(_NOISE))

    def schedule(self) -> np.random.SeedSequence:
        """The schedule's seed: Poisson clocks draw one key per neuron from it."""
        return self._key(_SCHEDULE)

    def schedule_stream(self) -> U64:
        """The schedule's PCG64 stream as compiled code draws it (permutation and uniform schedules)."""
        return pcg.stream(self.seed, _TRIALS, self.index, _SCHEDULE)

    def clock_keys(self, size: int) -> U64:
        """The keys of the neurons' Poisson clocks."""
        return stream_keys(self.schedule(), size)

    def neuron_keys(self, size: int) -> U64:
        """The keys of the neurons' own streams."""
        return stream_keys(self._key(_NEURONS), size)


@dataclass(frozen=True, slots=True)
class SeedLayout:
    """Every stream a run of one scenario seed draws from, by spawn key (see the module docstring)."""

    seed: int

    def patterns(self, source: int) -> np.random.Generator:
        """The generator of random pattern source `source`."""
        return generator(np.random.SeedSequence(self.seed, spawn_key=(_PATTERNS, source)))

    def rates(self) -> np.random.Generator:
        """The generator of the neurons' clock rates."""
        return generator(np.random.SeedSequence(self.seed, spawn_key=(_NETWORK, _RATES)))

    def learning(self) -> np.random.Generator:
        """The generator a learning rule draws from (its visiting orders, its dreams)."""
        return generator(np.random.SeedSequence(self.seed, spawn_key=(_NETWORK, _LEARNING)))

    def graph(self) -> np.uint64:
        """The key every row of a diluted network's graph is drawn from."""
        key = np.random.SeedSequence(self.seed, spawn_key=(_NETWORK, _GRAPH)).generate_state(1, dtype=np.uint64)
        return np.uint64(key[0])

    def trial(self, index: int) -> TrialSeeds:
        """The streams of trial `index` (numbered across the whole run)."""
        return TrialSeeds(self.seed, index)
