"""The composition root: seeding, trial expansion, event loops."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from neurosim import ListSink, api, build_network, parse_scenario, prepare_trials, run_scenario, run_scenario_async
from neurosim.events import RunFinished, RunStarted, TrialFinished, TrialStarted

RANDOM = """
name: r
seed: 5
patterns:
  random: {count: 6, size: 120}
dynamics:
  schedule: poisson
trials:
  - cue: all
    noise: {flip_fraction: 0.2}
    repeats: 2
"""


def test_random_patterns_depend_only_on_the_seed() -> None:
    scenario = parse_scenario(RANDOM)
    a, b = build_network(scenario), build_network(scenario)
    np.testing.assert_array_equal(a.patterns.matrix, b.patterns.matrix)
    c = build_network(scenario, seed=6)
    assert not np.array_equal(a.patterns.matrix, c.patterns.matrix)
    assert a.patterns.names == ("p0", "p1", "p2", "p3", "p4", "p5")


def test_a_trials_noise_does_not_depend_on_the_trials_before_it() -> None:
    scenario = parse_scenario(RANDOM)
    network = build_network(scenario)
    full = prepare_trials(scenario, network)
    shorter = parse_scenario(RANDOM.replace("repeats: 2", "repeats: 1"))
    # trial 0 is the same cue and repeat in both; its noise stream is (seed, trial 0)
    np.testing.assert_array_equal(full[0].start, prepare_trials(shorter, network)[0].start)
    assert [t.flipped for t in full] == [24] * 12
    assert len({t.start.tobytes() for t in full}) == 12


def test_an_explicit_state_without_cue_targets_the_nearest_pattern() -> None:
    text = """
patterns:
  vectors: {a: [1, 1, 1, 1, -1, -1], b: [1, -1, 1, -1, 1, -1]}
trials:
  - state: [1, 1, 1, -1, -1, -1]
"""
    scenario = parse_scenario(text)
    [trial] = prepare_trials(scenario, build_network(scenario))
    assert (trial.target, trial.flipped) == ("a", 1)


def test_a_run_emits_run_and_trial_events_in_order() -> None:
    scenario = parse_scenario(RANDOM)
    sink = ListSink()
    result = asyncio.run(run_scenario_async(scenario, sink))
    kinds = [type(e) for e in sink.records if not e.event.startswith("neuron")]
    assert kinds == [RunStarted] + [TrialStarted, TrialFinished] * 12 + [RunFinished]
    assert sink.of(RunFinished)[0].recall_rate == result.recall_rate
    assert sink.of(RunStarted)[0].reproducible is True


@pytest.mark.parametrize("engine", ["actors", "kernel"])
def test_each_trial_records_the_start_it_was_prepared_with(engine: api.EngineName) -> None:
    scenario = parse_scenario(RANDOM)
    prepared = prepare_trials(scenario, build_network(scenario))
    sink = ListSink()
    result = run_scenario(scenario, sink, engine=engine)
    started = sink.of(TrialStarted)
    assert len(started) == len(result.trials) == len(prepared) == 12
    for trial, event, ready in zip(result.trials, started, prepared, strict=True):
        assert trial.start_state == event.start_state == tuple(ready.start.tolist())
        assert trial.to_dict()["start_state"] == list(ready.start.tolist())
    assert list(result.trials[0].to_dict())[-2:] == ["start_state", "final_state"]


def _records_without_wall_clock(sink: ListSink) -> list[object]:
    return [e for e in sink.records if not isinstance(e, RunStarted | RunFinished)]


def test_uvloop_and_the_standard_event_loop_give_identical_events() -> None:
    uvloop = pytest.importorskip("uvloop")
    scenario = parse_scenario(RANDOM)
    sinks = []
    for factory in (asyncio.new_event_loop, uvloop.new_event_loop):
        sink = ListSink(verbose=True)
        with asyncio.Runner(loop_factory=factory) as runner:
            runner.run(run_scenario_async(scenario, sink))
        sinks.append(_records_without_wall_clock(sink))
    assert sinks[0] == sinks[1]
    assert len(sinks[0]) > 1000


def test_the_permutation_schedule_is_reproducible_and_seed_dependent() -> None:
    scenario = parse_scenario(RANDOM.replace("poisson", "permutation"))
    runs = []
    for seed in (1, 1, 2):
        sink = ListSink()
        asyncio.run(run_scenario_async(scenario, sink, seed=seed))
        runs.append(_records_without_wall_clock(sink))
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


def test_the_loop_factory_prefers_uvloop_when_installed() -> None:
    factory = api.default_loop_factory()
    try:
        import uvloop
    except ImportError:
        assert factory is asyncio.new_event_loop
    else:
        assert factory is uvloop.new_event_loop


def test_results_have_short_reprs() -> None:
    # asyncio puts a finished run's result into reprs (signal handling at the end of every
    # run): a repr holding every final state cost 55 ms per call at N = 1000, 100 trials
    scenario = parse_scenario(
        "name: r\nseed: 1\npatterns:\n  random: {count: 2, size: 400}\ntrials:\n  - cue: all\n    repeats: 3\n"
    )
    result = run_scenario(scenario)
    assert repr(result) == (
        "RunResult(scenario='r', seed=1, neurons=400, engine='actors', status='completed', trials=6, recall_rate=1.0)"
    )
    assert repr(result.trials[1]) == "TrialResult(trial=1, cue='p0', status='converged', flips=0, recalled='p0')"


def _spawned(seed: int, *key: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))


def test_patterns_noise_and_schedules_draw_from_their_spawn_keys() -> None:
    from neurosim.model import pcg, schedules
    from neurosim.model.patterns import random_patterns
    from neurosim.trials import trial_schedule

    scenario = parse_scenario(RANDOM.replace("poisson", "permutation"))
    network = build_network(scenario, seed=9)
    np.testing.assert_array_equal(network.patterns.matrix, random_patterns(6, 120, _spawned(9, 0, 0)))
    trials = prepare_trials(scenario, network, seed=9)
    for trial in (trials[0], trials[7]):
        expected = scenario.trials[0].noise.apply(network.patterns.get(trial.target), _spawned(9, 1, trial.index, 0))
        np.testing.assert_array_equal(trial.start, expected)
        drawn = next(iter(trial_schedule(scenario.dynamics, 120, 9, trial.index)))
        reference = next(iter(schedules.permutation(120, pcg.stream(9, 1, trial.index, 1))))
        np.testing.assert_array_equal(drawn[1], reference[1])


async def test_run_scenario_works_inside_a_running_event_loop() -> None:
    # as in a notebook: the caller's loop runs; the run gets a loop of its own in a worker thread
    scenario = parse_scenario(RANDOM)
    inside = run_scenario(scenario, seed=2)
    assert asyncio.get_running_loop().is_running()
    outside = await asyncio.to_thread(run_scenario, scenario, seed=2)
    assert [t.to_dict() for t in inside.trials] == [t.to_dict() for t in outside.trials]
    assert len(inside.trials) == 12


async def test_a_run_inside_a_running_loop_raises_its_error_in_the_callers_thread() -> None:
    with pytest.raises(api.RunAborted, match="KeyError: 'nope'"):
        run_scenario(parse_scenario(RANDOM), engine="nope")  # type: ignore[arg-type]
