"""The actor engine: atomic updates, exact energies, convergence, clean shutdown."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import numpy as np
import pytest

from neurosim.engines.actors.coordinator import Coordinator
from neurosim.engines.actors.runs import settle
from neurosim.engines.protocol import Recall
from neurosim.events import ListSink, NeuronFlipped, NeuronWoke
from neurosim.model import noise, pcg, schedules
from neurosim.model.couplings import Couplings
from neurosim.model.energy import energy, field_units, is_fixed_point
from neurosim.model.learning import hebbian
from neurosim.model.patterns import PatternSet, random_patterns
from neurosim.model.schedules import Batch
from neurosim.model.streams import stream_keys

Spins = np.ndarray


def _network(count: int, size: int, seed: int) -> tuple[PatternSet, Couplings]:
    patterns = PatternSet(
        tuple(f"p{k}" for k in range(count)), random_patterns(count, size, np.random.default_rng(seed))
    )
    return patterns, hebbian(patterns)


def _fixed(order: list[int], repeat: int = 1000) -> Iterator[Batch]:
    """A schedule that wakes `order` again and again (one batch per pass)."""
    n = len(order)
    for k in range(repeat):
        yield k + np.arange(1, n + 1) / n, np.array(order, dtype=np.int64)


def _spins(*values: int) -> Spins:
    return np.array(values, dtype=np.int8)


async def test_every_flip_lowers_the_energy_by_exactly_twice_the_field() -> None:
    patterns, couplings = _network(8, 200, 1)
    start = noise.flip(patterns.matrix[0], 60, np.random.default_rng(2))
    sink = ListSink()
    async with Coordinator(couplings, sink) as coordinator:
        await coordinator.recall(Recall(0, start, schedules.permutation(200, pcg.stream(3)), 100 * 200))
    flips = sink.of(NeuronFlipped)
    assert len(flips) > 20
    divisor = couplings.divisor
    previous = round(energy(couplings, start) * divisor)
    for event in flips:
        # in matrix units (here: multiples of 1/N) every quantity is an exact integer
        units, field = round(event.energy * divisor), round(event.field * divisor)
        assert event.energy == units / divisor
        assert units - previous == -2 * abs(field)
        assert field * event.state > 0
        previous = units


async def test_reported_energies_equal_the_model_energy_of_the_replayed_state() -> None:
    patterns, couplings = _network(5, 100, 4)
    start = noise.flip(patterns.matrix[1], 30, np.random.default_rng(5))
    sink = ListSink()
    async with Coordinator(couplings, sink) as coordinator:
        outcome = await coordinator.recall(
            Recall(7, start, schedules.poisson(stream_keys(np.random.SeedSequence(6), 100)), 10_000)
        )
    state = start.copy()
    for event in sink.of(NeuronFlipped):
        assert event.trial == 7
        assert state[event.neuron] == -event.state
        assert event.field == pytest.approx(
            float(field_units(couplings, state)[event.neuron] / couplings.divisor), abs=1e-12
        )
        state[event.neuron] = event.state
        assert event.energy == energy(couplings, state)
    np.testing.assert_array_equal(state, outcome.final_state)
    assert outcome.energy == energy(couplings, outcome.final_state)


async def test_a_converged_state_is_a_fixed_point_and_needs_a_quiet_wake_up_of_every_neuron() -> None:
    patterns, couplings = _network(10, 300, 7)
    async with Coordinator(couplings, ListSink()) as coordinator:
        for trial in range(5):
            start = noise.flip(patterns.matrix[trial], 90, np.random.default_rng(trial))
            outcome = await coordinator.recall(
                Recall(trial, start, schedules.poisson(stream_keys(np.random.SeedSequence(trial), 300)), 100 * 300)
            )
            assert outcome.status == "converged"
            assert is_fixed_point(couplings, outcome.final_state)
            assert outcome.wakeups >= outcome.flips + 300


async def test_a_stored_pattern_converges_after_exactly_one_sweep_without_flips() -> None:
    patterns, couplings = _network(3, 50, 8)
    sink = ListSink()
    async with Coordinator(couplings, sink) as coordinator:
        outcome = await coordinator.recall(
            Recall(0, patterns.matrix[2], schedules.permutation(50, pcg.stream(0)), 5000)
        )
    assert (outcome.status, outcome.wakeups, outcome.flips, outcome.t) == ("converged", 50, 0, 1.0)
    assert sink.records == []


async def test_a_tie_keeps_the_state() -> None:
    couplings = Couplings(np.zeros((3, 3)))
    async with Coordinator(couplings, ListSink()) as coordinator:
        outcome = await coordinator.recall(Recall(0, _spins(1, -1, 1), _fixed([0, 1, 2]), 300))
    assert outcome.final_state.tolist() == [1, -1, 1]
    assert (outcome.status, outcome.wakeups, outcome.flips) == ("converged", 3, 0)


async def test_updates_follow_the_schedule_order_exactly() -> None:
    # W = [[0,1],[1,0]] from (+1,-1): whoever wakes first flips, the other then agrees.
    couplings = Couplings(np.array([[0.0, 1.0], [1.0, 0.0]]))
    for order, final in (([0, 1], [-1, -1]), ([1, 0], [1, 1])):
        sink = ListSink()
        async with Coordinator(couplings, sink) as coordinator:
            outcome = await coordinator.recall(Recall(0, _spins(1, -1), _fixed(order), 200))
        assert outcome.final_state.tolist() == final
        assert [e.neuron for e in sink.of(NeuronFlipped)] == [order[0]]
        # the flip, then both neurons wake once more without flipping
        assert (outcome.flips, outcome.wakeups) == (1, 3)


async def test_a_neuron_woken_twice_in_one_batch_runs_twice_in_order() -> None:
    couplings = Couplings(np.array([[0.0, 1.0], [1.0, 0.0]]))
    batches = iter([(np.array([0.1, 0.2, 0.3, 0.4]), np.array([0, 0, 1, 1]))] * 10)
    sink = ListSink(verbose=True)
    async with Coordinator(couplings, sink) as coordinator:
        outcome = await coordinator.recall(Recall(0, _spins(1, -1), batches, 40))
    assert [(type(e).__name__, e.neuron, e.t) for e in sink.records] == [
        ("NeuronFlipped", 0, 0.1),
        ("NeuronWoke", 0, 0.2),
        ("NeuronWoke", 1, 0.3),
    ]
    # converged at t = 0.3: the wake-up at 0.4 was granted in the same batch but is void
    assert (outcome.status, outcome.wakeups, outcome.t) == ("converged", 3, 0.3)


async def test_an_asymmetric_network_that_never_settles_stops_at_its_budget() -> None:
    # W = [[0,1],[-1,0]] chases its own tail under sequential updates.
    couplings = Couplings(np.array([[0.0, 1.0], [-1.0, 0.0]]))
    async with Coordinator(couplings, ListSink()) as coordinator:
        outcome = await coordinator.recall(Recall(0, _spins(1, 1), _fixed([0, 1]), 2 * 7))
    assert (outcome.status, outcome.wakeups) == ("max_sweeps", 14)
    assert outcome.flips > 0


async def test_wake_ups_without_a_flip_are_events_only_when_verbose() -> None:
    patterns, couplings = _network(2, 20, 9)
    quiet, verbose = ListSink(), ListSink(verbose=True)
    for sink in (quiet, verbose):
        async with Coordinator(couplings, sink) as coordinator:
            start = noise.flip(patterns.matrix[0], 4, np.random.default_rng(1))
            outcome = await coordinator.recall(Recall(0, start, schedules.permutation(20, pcg.stream(2)), 2000))
    assert quiet.of(NeuronWoke) == []
    assert len(verbose.of(NeuronWoke)) == outcome.wakeups - outcome.flips
    assert [e for e in verbose.records if isinstance(e, NeuronFlipped)] == quiet.records


async def test_neurons_are_named_tasks_that_end_with_the_coordinator() -> None:
    _, couplings = _network(2, 16, 10)
    async with Coordinator(couplings, ListSink()):
        names = {t.get_name() for t in asyncio.all_tasks() if t.get_name().startswith("neuron-")}
        assert names == {f"neuron-{i}" for i in range(16)}
    await asyncio.sleep(0)
    assert not [t for t in asyncio.all_tasks() if t.get_name().startswith("neuron-")]


async def test_an_error_inside_the_coordinator_propagates_as_itself() -> None:
    _, couplings = _network(2, 8, 11)
    with pytest.raises(KeyError, match="boom"):
        async with Coordinator(couplings, ListSink()):
            raise KeyError("boom")


async def test_same_schedule_gives_identical_events() -> None:
    patterns, couplings = _network(6, 120, 12)
    start = noise.flip(patterns.matrix[0], 40, np.random.default_rng(1))
    logs = []
    for _ in range(2):
        sink = ListSink(verbose=True)
        async with Coordinator(couplings, sink) as coordinator:
            await coordinator.recall(
                Recall(0, start, schedules.poisson(stream_keys(np.random.SeedSequence(5), 120)), 12_000)
            )
        logs.append(sink.records)
    assert logs[0] == logs[1]
    assert len(logs[0]) > 120


def test_the_fast_paths_bookkeeping_finds_the_wake_up_that_completes_a_quiet_epoch() -> None:
    batch = np.array([0, 1, 2, 0, 1, 2], dtype=np.int64)  # two runs of three neurons
    marks = np.full(3, -1, dtype=np.int64)
    tally = np.array([1, 0, 3, 0], dtype=np.int64)  # epoch 1, nobody quiet yet, 3 neurons, nothing marked
    # nobody flips: the third wake-up completes the epoch
    assert settle(batch, 0, 0, -1, 6, marks, tally) == 2
    assert tally.tolist() == [1, 3, 3, 3]
    # marking in two steps ends at the same wake-up
    marks[:] = -1
    tally[:] = [1, 0, 3, 0]
    assert settle(batch, 0, 0, -1, 2, marks, tally) == -1
    assert tally.tolist() == [1, 2, 3, 2]
    assert settle(batch, 2, 2, -1, 6, marks, tally) == 2
    # neuron 0 flipped at the first wake-up of the first run: a new epoch, counted from the next one
    marks[:] = -1
    tally[:] = [1, 0, 3, 0]
    assert settle(batch, 0, 3, 0, 6, marks, tally) == 3
    assert tally.tolist() == [2, 3, 3, 4]
    # neuron 2 flipped last in the first run: nobody has woken since; the second run completes it
    assert settle(batch, 0, 3, 2, 6, marks, tally) == 5
    # a flip in the second run, with one wake-up after it in the batch: no convergence in sight
    assert settle(batch, 3, 6, 1, 6, marks, tally) == -1
    assert tally.tolist() == [4, 1, 3, 6]
