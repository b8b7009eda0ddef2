"""Per-neuron counter-based streams (SplitMix64)."""

from __future__ import annotations

import numpy as np

from neurosim.model import streams


def test_stream_zero_reproduces_the_splitmix64_reference_output() -> None:
    # SplitMix64 seeded with 0 (Steele, Lea & Flood 2014; Vigna's reference code)
    # outputs 0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F first.
    reference = [0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F]
    got = [streams.uniform(0, k) for k in range(3)]
    assert got == [(r >> 11) * 2.0**-53 for r in reference]


def test_vector_and_scalar_draws_agree() -> None:
    keys = streams.stream_keys(np.random.SeedSequence(11), 64)
    counters = np.arange(64, dtype=np.uint64) * np.uint64(7)
    vector = streams.uniforms(keys, counters)
    scalar = [streams.uniform(int(k), int(c)) for k, c in zip(keys, counters, strict=True)]
    assert vector.tolist() == scalar


def test_draws_are_uniform_on_the_unit_interval() -> None:
    keys = streams.stream_keys(np.random.SeedSequence(12), 200_000)
    u = streams.uniforms(keys, np.zeros(keys.size, dtype=np.uint64))
    assert u.min() >= 0.0
    assert u.max() < 1.0
    counts, _ = np.histogram(u, bins=10, range=(0, 1))
    # chi-square with 9 degrees of freedom: 27.9 is its 0.999 quantile
    chi2 = float(np.sum((counts - 20_000) ** 2 / 20_000))
    assert chi2 < 27.9


def test_exponential_intervals_have_unit_mean() -> None:
    keys = streams.stream_keys(np.random.SeedSequence(13), 100_000)
    e = streams.exponentials(keys, np.full(keys.size, 3, dtype=np.uint64))
    assert abs(float(e.mean()) - 1.0) < 0.015
    assert e.min() >= 0.0
