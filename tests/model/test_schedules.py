"""Update schedules: permutation sweeps and per-neuron Poisson clocks."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from neurosim.model import pcg, schedules
from neurosim.model.streams import stream_keys


def test_each_permutation_sweep_wakes_every_neuron_once_at_evenly_spaced_times() -> None:
    sweeps = list(itertools.islice(schedules.permutation(8, pcg.stream(0)), 3))
    for k, (times, neurons) in enumerate(sweeps):
        assert sorted(neurons.tolist()) == list(range(8))
        np.testing.assert_allclose(times, k + np.arange(1, 9) / 8)
    assert sweeps[0][1].tolist() != sweeps[1][1].tolist()


def _poisson_events(keys: np.ndarray, window: float, horizon: float) -> list[tuple[float, int]]:
    out: list[tuple[float, int]] = []
    for times, neurons in schedules.poisson(keys, window=window):
        out.extend(zip(times.tolist(), neurons.tolist(), strict=True))
        if out and out[-1][0] >= horizon:
            break
    return [e for e in out if e[0] < horizon]


def test_poisson_wake_ups_do_not_depend_on_the_batch_window() -> None:
    keys = stream_keys(np.random.SeedSequence(1), 50)
    assert _poisson_events(keys, 1.0, 20.0) == _poisson_events(keys, 0.25, 20.0)


def test_poisson_wake_ups_come_in_time_order() -> None:
    keys = stream_keys(np.random.SeedSequence(2), 100)
    times = [t for t, _ in _poisson_events(keys, 1.0, 10.0)]
    assert times == sorted(times)


@pytest.mark.parametrize(
    "times",
    [
        [0.5],
        [0.25, 0.25, 0.25],  # all equal: by neuron index
        [0.9, 0.1, 0.5, 0.1, 0.9, 0.3],
        [1.0, 1.0 + 1e-15, 1.0, 2.0, 1.5, 1.0 + 2e-15],  # a tight cluster and spread values
        np.random.default_rng(4).random(500).round(2).tolist(),  # many ties
        np.random.default_rng(5).exponential(size=300).tolist(),  # skewed
    ],
)
def test_a_window_is_ordered_by_time_then_neuron(times: list[float]) -> None:
    t = np.array(times + [-1.0] * 3)  # room the window does not use
    neurons = np.random.default_rng(6).permutation(t.size).astype(np.int64)
    n = len(times)
    got_t, got_n = schedules._by_time(t, neurons, n)
    order = np.lexsort((neurons[:n], t[:n]))
    assert got_t.tolist() == t[:n][order].tolist()
    assert got_n.tolist() == neurons[:n][order].tolist()


def test_a_neurons_poisson_clock_does_not_depend_on_the_other_neurons() -> None:
    keys = stream_keys(np.random.SeedSequence(3), 40)
    alone = [t for t, _ in _poisson_events(keys[7:8], 1.0, 30.0)]
    together = [t for t, i in _poisson_events(keys, 1.0, 30.0) if i == 7]
    assert alone == together


def test_each_poisson_clock_ticks_at_rate_one() -> None:
    keys = stream_keys(np.random.SeedSequence(4), 1000)
    events = _poisson_events(keys, 1.0, 50.0)
    # 50 000 expected events; Poisson standard deviation ≈ 224
    assert abs(len(events) - 50_000) < 1000


def test_mean_time_until_every_neuron_has_woken_is_the_harmonic_number() -> None:
    # Under rate-1 Poisson clocks the last first-tick of N neurons comes after
    # H_N = 1 + 1/2 + … + 1/N on average (7.485 for N = 1000).
    size, runs = 1000, 200
    h_n = float(np.sum(1.0 / np.arange(1, size + 1)))
    assert h_n == pytest.approx(7.4855, abs=1e-4)
    covers = []
    for run in range(runs):
        keys = stream_keys(np.random.SeedSequence(100 + run), size)
        first = np.full(size, np.inf)
        for times, neurons in schedules.poisson(keys):
            np.minimum.at(first, neurons, times)
            if np.isfinite(first).all():
                covers.append(float(first.max()))
                break
    # the cover time has standard deviation π/√6 ≈ 1.28; the mean of 200 runs ≈ 0.09
    assert float(np.mean(covers)) == pytest.approx(h_n, abs=0.3)


@pytest.mark.parametrize(
    "times",
    [
        [-1.7e308, 1.7e308, 0.0],  # a range too wide to cut into buckets
        [0.5 + k * 1e-12 for k in range(300)] + [1e6],  # crowded in one bucket
        [0.25] * 200 + [0.75] * 100,  # crowded ties
    ],
)
def test_extreme_windows_are_ordered_too(times: list[float]) -> None:
    t = np.array(times)
    neurons = np.random.default_rng(7).permutation(t.size).astype(np.int64)
    got_t, got_n = schedules._by_time(t, neurons, t.size)
    order = np.lexsort((neurons, t))
    assert got_t.tolist() == t[order].tolist()
    assert got_n.tolist() == neurons[order].tolist()


def test_a_small_networks_poisson_windows_drawn_in_python_equal_the_compiled_windows() -> None:
    from neurosim.model import schedules as s

    rng = np.random.default_rng(7)
    for case in range(60):
        n = int(rng.integers(1, s.SMALL_SIZE + 1))
        keys = rng.integers(0, 2**63, n, dtype=np.uint64) * np.uint64(2) + np.uint64(case % 2)
        rates = None if case % 3 else np.exp(rng.normal(0.0, 1.5, n))
        window = float(rng.choice([1.0, 0.5, 3.0, 1e-3]))
        small = s.Schedule(s.POISSON, n, keys=keys, rates=rates, window=window)  # drawn in Python
        compiled = s.Schedule(s.POISSON, n, keys=keys, rates=rates, window=window)
        compiled.upcoming, compiled.drawn = np.zeros(n), np.zeros(n, dtype=np.uint64)
        s._advance_clocks(keys, compiled.inverse, compiled.upcoming, compiled.drawn, np.arange(n, dtype=np.int64))
        np.testing.assert_array_equal(small.upcoming, compiled.upcoming)
        for _ in range(int(rng.integers(1, 8))):
            times, neurons = next(small)
            c = compiled
            expected = s.poisson_batch(c.keys, c.inverse, c.upcoming, c.drawn, c.done, c.clock, c.window)
            assert (times.dtype, neurons.dtype) == (expected[0].dtype, expected[1].dtype)
            np.testing.assert_array_equal(times, expected[0])
            np.testing.assert_array_equal(neurons, expected[1])
            np.testing.assert_array_equal(small.drawn, compiled.drawn)
            assert (small.clock[0], small.done[0]) == (compiled.clock[0], compiled.done[0])
