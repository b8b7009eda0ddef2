"""Update schemes, stochastic, delayed and refractory neurons against known results."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from neurosim.engines.actors.coordinator import Coordinator
from neurosim.engines.protocol import Outcome, Recall
from neurosim.events import ListSink, NeuronFlipped
from neurosim.model import noise, pcg, schedules
from neurosim.model.couplings import Couplings
from neurosim.model.dynamics import Dynamics, Rates, ScheduleKind
from neurosim.model.energy import energy, is_fixed_point, overlaps
from neurosim.model.learning import hebbian
from neurosim.model.patterns import PatternSet, random_patterns
from neurosim.model.rules import glauber_up
from neurosim.model.streams import stream_keys
from neurosim.model.trajectory import mean_overlaps

SYNC = Dynamics(schedule=ScheduleKind.SYNCHRONOUS)
SEQUENTIAL = Dynamics(schedule=ScheduleKind.SEQUENTIAL)


def _spins(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int8)


def _patterns(count: int, size: int, seed: int) -> PatternSet:
    rng = np.random.default_rng(seed)
    return PatternSet(tuple(f"p{k}" for k in range(count)), random_patterns(count, size, rng))


async def _recall(
    couplings: Couplings,
    dynamics: Dynamics,
    start: np.ndarray,
    schedule,
    budget: int,
    sink: ListSink | None = None,
    **kw,
) -> Outcome:
    async with Coordinator(couplings, sink or ListSink(), dynamics) as coordinator:
        return await coordinator.recall(Recall(0, start, schedule, budget, **kw))


def _poisson(seed: int, size: int):  # type: ignore[no-untyped-def]
    return schedules.poisson(stream_keys(np.random.SeedSequence(seed), size))


def _keys(seed: int, size: int) -> list[int]:
    return stream_keys(np.random.SeedSequence(seed), size).tolist()


SWAP = Couplings(np.array([[0.0, 1.0], [1.0, 0.0]]))
BRUCK = Couplings(np.array([[0.0, 1.0], [-1.0, 0.0]]))


async def test_synchronous_updates_of_a_two_neuron_ferromagnet_fall_into_a_two_cycle() -> None:
    sink = ListSink()
    outcome = await _recall(SWAP, SYNC, _spins(1, -1), schedules.synchronous(2), 200, sink)
    assert (outcome.status, outcome.period) == ("cycle", 2)
    # both neurons swap every sweep: (+1,-1) -> (-1,+1) -> (+1,-1)
    assert [(e.t, e.neuron, e.state) for e in sink.of(NeuronFlipped)] == [
        (1.0, 0, -1), (1.0, 1, 1), (2.0, 0, 1), (2.0, 1, -1)
    ]  # fmt: skip
    assert outcome.final_state.tolist() == [1, -1]


async def test_asynchronous_updates_of_the_same_network_converge_after_one_flip() -> None:
    for schedule in (schedules.sequential(2), schedules.permutation(2, pcg.stream(1))):
        outcome = await _recall(SWAP, Dynamics(schedule=ScheduleKind.SEQUENTIAL), _spins(1, -1), schedule, 200)
        assert (outcome.status, outcome.flips) == ("converged", 1)


async def test_an_antisymmetric_pair_cycles_with_period_four_under_synchronous_updates() -> None:
    # Bruck (1990): with antisymmetric W, synchronous dynamics have cycles of length 4.
    outcome = await _recall(BRUCK, SYNC, _spins(1, 1), schedules.synchronous(2), 200)
    assert (outcome.status, outcome.period, outcome.wakeups) == ("cycle", 4, 8)


async def test_an_antisymmetric_pair_returns_every_two_sweeps_under_sequential_updates() -> None:
    # (1,1) -> sweep 1 -> (1,-1) -> sweep 2 -> (-1,1) -> sweep 3 -> (1,-1): the state recurs at sweep 3
    sink = ListSink()
    outcome = await _recall(BRUCK, SEQUENTIAL, _spins(1, 1), schedules.sequential(2), 200, sink)
    assert (outcome.status, outcome.period, outcome.wakeups) == ("cycle", 2, 6)
    assert outcome.final_state.tolist() == [1, -1]
    assert [(e.neuron, e.state) for e in sink.of(NeuronFlipped)] == [(1, -1), (0, -1), (1, 1), (0, 1), (1, -1)]


async def test_without_cycle_detection_the_same_pair_runs_to_its_budget() -> None:
    outcome = await _recall(
        BRUCK, Dynamics(schedule=ScheduleKind.PERMUTATION), _spins(1, 1), schedules.sequential(2), 2 * 9
    )
    assert (outcome.status, outcome.wakeups, outcome.period) == ("max_sweeps", 18, None)


async def test_a_synchronous_sweep_without_flips_is_convergence() -> None:
    patterns = _patterns(3, 100, 1)
    c = hebbian(patterns)
    start = noise.flip(patterns.matrix[0], 10, np.random.default_rng(0))
    outcome = await _recall(c, SYNC, start, schedules.synchronous(100), 100 * 100)
    assert outcome.status == "converged"
    assert outcome.wakeups % 100 == 0
    assert is_fixed_point(c, outcome.final_state)


def _tanh_fixed_point(temperature: float) -> float:
    m = 1.0
    for _ in range(10_000):
        m = float(np.tanh(m / temperature))
    return m


@pytest.mark.parametrize(("temperature", "expected"), [(0.5, 0.9575), (0.8, 0.7104)])
async def test_glauber_dynamics_hold_the_mean_field_overlap_of_one_pattern(temperature: float, expected: float) -> None:
    # One stored pattern: the stationary overlap solves m = tanh(m / T) (T_c = 1, docs/conventions.md §5).
    assert _tanh_fixed_point(temperature) == pytest.approx(expected, abs=1e-4)
    size = 2000
    patterns = _patterns(1, size, 2)
    c = hebbian(patterns)
    dynamics = Dynamics(schedule=ScheduleKind.POISSON, temperature=temperature)
    keys = _keys(5, size)
    outcome = await _recall(
        c, dynamics, patterns.matrix[0], _poisson(6, size), 40 * size,
        stream_keys=keys,
    )  # fmt: skip
    assert outcome.status == "max_sweeps"
    m = mean_overlaps(
        patterns, patterns.matrix[0], outcome.flip_times, outcome.flip_neurons, outcome.flip_states,
        outcome.t / 2, outcome.t,
    )  # fmt: skip
    assert float(m[0]) == pytest.approx(expected, abs=0.02)


async def test_above_the_critical_temperature_the_overlap_melts() -> None:
    size = 1000
    patterns = _patterns(1, size, 3)
    dynamics = Dynamics(schedule=ScheduleKind.PERMUTATION, temperature=1.5)
    keys = _keys(7, size)
    outcome = await _recall(
        hebbian(patterns), dynamics, patterns.matrix[0], schedules.permutation(size, pcg.stream(8)),
        30 * size, stream_keys=keys,
    )  # fmt: skip
    assert abs(float(overlaps(patterns, outcome.final_state)[0])) < 0.15


def test_the_glauber_probability_is_the_heat_bath_rule() -> None:
    assert glauber_up(0.0, 1.0) == 0.5
    assert glauber_up(1.0, 0.5) == pytest.approx(1 / (1 + np.exp(-4.0)))
    assert glauber_up(-1e6, 1.0) == 0.0
    assert glauber_up(1e6, 1.0) == 1.0


async def test_poisson_convergence_from_a_fixed_point_takes_the_harmonic_number_on_average() -> None:
    # From a fixed point, convergence is declared the moment the last neuron has
    # woken once: under rate-1 Poisson clocks that takes H_N on average (7.485 for N = 1000).
    size = 1000
    patterns = _patterns(2, size, 4)
    c = hebbian(patterns)
    times = []
    async with Coordinator(c, ListSink()) as coordinator:
        for run in range(60):
            keys = stream_keys(np.random.SeedSequence([9, run]), size)
            outcome = await coordinator.recall(Recall(run, patterns.matrix[0], schedules.poisson(keys), 100 * size))
            assert (outcome.status, outcome.flips) == ("converged", 0)
            times.append(outcome.t)
    h_n = float(np.sum(1.0 / np.arange(1, size + 1)))
    # the cover time has standard deviation π/√6 ≈ 1.28; the mean of 60 runs ≈ 0.17
    assert float(np.mean(times)) == pytest.approx(h_n, abs=0.5)


async def test_a_delayed_network_still_stops_only_at_a_true_fixed_point() -> None:
    patterns = _patterns(4, 200, 5)
    c = hebbian(patterns)
    for trial, delay in itertools.product(range(4), (0.05, 0.3, 1.0)):
        start = noise.flip(patterns.matrix[trial], 60, np.random.default_rng(trial))
        sink = ListSink()
        outcome = await _recall(
            c, Dynamics(schedule=ScheduleKind.POISSON, delay=delay), start,
            _poisson(trial, 200), 100 * 200, sink,
        )  # fmt: skip
        assert outcome.status == "converged"
        assert is_fixed_point(c, outcome.final_state)
        energies = [energy(c, start)] + [e.energy for e in sink.of(NeuronFlipped)]
        assert int(np.sum(np.diff(energies) > 0)) == outcome.energy_rises
        assert outcome.energy == pytest.approx(energy(c, outcome.final_state), abs=1e-9)


async def test_a_neuron_waking_at_t_sees_exactly_the_flips_up_to_t_minus_d() -> None:
    # W = [[0,1],[1,0]] from (-1,+1) with d = 0.5. Neuron 0 flips at t = 1.0. At t = 1.4 neuron 1
    # still sees the old -1 and flips to -1 (raising the energy: the true field says +1); at
    # t = 1.5 the flip of t = 1.0 is visible (1.0 <= 1.5 - 0.5) and neuron 1 flips back.
    batches = iter(
        [(np.array([1.0]), np.array([0])), (np.array([1.4]), np.array([1])), (np.array([1.5]), np.array([1]))]
        + [(np.array([2.0 + k, 2.5 + k]), np.array([0, 1])) for k in range(10)]
    )
    sink = ListSink()
    outcome = await _recall(SWAP, Dynamics(schedule=ScheduleKind.POISSON, delay=0.5), _spins(-1, 1), batches, 100, sink)
    assert [(e.t, e.neuron, e.state, e.energy) for e in sink.of(NeuronFlipped)] == [
        (1.0, 0, 1, -1.0), (1.4, 1, -1, 1.0), (1.5, 1, 1, -1.0)
    ]  # fmt: skip
    assert (outcome.status, outcome.energy_rises) == ("converged", 1)
    assert outcome.final_state.tolist() == [1, 1]


async def test_a_refractory_neuron_does_not_flip_again_within_tau() -> None:
    size = 300
    patterns = _patterns(2, size, 6)
    tau = 1.5
    sink = ListSink()
    dynamics = Dynamics(schedule=ScheduleKind.POISSON, temperature=0.9, refractory=tau)
    outcome = await _recall(
        hebbian(patterns), dynamics, patterns.matrix[0], _poisson(3, size),
        20 * size, sink, stream_keys=_keys(4, size),
    )  # fmt: skip
    last: dict[int, float] = {}
    gaps = []
    for e in sink.of(NeuronFlipped):
        if e.neuron in last:
            gaps.append(e.t - last[e.neuron])
        last[e.neuron] = e.t
    assert outcome.flips > 500
    assert min(gaps) >= tau


async def test_without_refractoriness_hot_neurons_flip_again_quickly() -> None:
    size = 300
    patterns = _patterns(2, size, 6)
    sink = ListSink()
    dynamics = Dynamics(schedule=ScheduleKind.POISSON, temperature=0.9)
    await _recall(
        hebbian(patterns), dynamics, patterns.matrix[0], _poisson(3, size),
        20 * size, sink, stream_keys=_keys(4, size),
    )  # fmt: skip
    last: dict[int, float] = {}
    gaps = []
    for e in sink.of(NeuronFlipped):
        if e.neuron in last:
            gaps.append(e.t - last[e.neuron])
        last[e.neuron] = e.t
    assert min(gaps) < 0.1


def test_lognormal_rates_have_mean_one_and_drive_each_clock() -> None:
    rates = Rates(sigma=0.5).draw(20_000, np.random.default_rng(1))
    assert float(rates.mean()) == pytest.approx(1.0, abs=0.02)
    assert float(np.std(np.log(rates))) == pytest.approx(0.5, abs=0.02)
    few = np.array([0.25, 1.0, 4.0])
    counts = np.zeros(3)
    for times, neurons in schedules.poisson(stream_keys(np.random.SeedSequence(2), 3), few):
        counts += np.bincount(neurons[times < 2000.0], minlength=3)
        if times.size and times[-1] >= 2000.0:
            break
    np.testing.assert_allclose(counts / 2000.0, few, rtol=0.08)


async def test_max_time_stops_a_stochastic_run() -> None:
    size = 100
    patterns = _patterns(1, size, 7)
    dynamics = Dynamics(schedule=ScheduleKind.POISSON, temperature=0.5, max_time=3.0)
    outcome = await _recall(
        hebbian(patterns), dynamics, patterns.matrix[0], _poisson(1, size),
        100 * size, stream_keys=_keys(2, size),
    )  # fmt: skip
    assert outcome.status == "max_time"
    assert 2.9 < outcome.t <= 3.0
    assert 200 < outcome.wakeups < 400
