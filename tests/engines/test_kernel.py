"""The kernel engine replays the actors exactly: same flips, same events, same summaries."""

from __future__ import annotations

import asyncio
import itertools

import numba
import numpy as np
import pytest

from neurosim import ListSink, build_network, parse_scenario
from neurosim.api import run_scenario_async
from neurosim.engines.kernel import KernelEngine, compact
from neurosim.engines.kernel import engine as kernel_engine
from neurosim.engines.kernel.loops import _decide, _energy_change, _uniform
from neurosim.events import NullSink, RunFinished, RunStarted
from neurosim.model import rules, streams
from neurosim.model.energy import energy
from neurosim.model.learning import hebbian, storkey
from neurosim.model.patterns import PatternSet, random_patterns
from neurosim.model.sparse import SparseCouplings

SCENARIO = """
seed: {seed}
patterns:
  random: {{count: {patterns}, size: {size}}}
dynamics:
  schedule: {schedule}
  max_sweeps: 25
{knobs}
trials:
  - cue: all
    noise: {{flip_fraction: 0.3}}
"""

KNOBS = {
    "plain": "",
    "hot": "  temperature: 0.4",
    "delayed": "  delay: 0.07",
    "refractory": "  temperature: 0.3\n  refractory: 0.8",
    "everything": "  temperature: 0.2\n  delay: 0.03\n  refractory: 0.2",
    "rates": "  rates: {distribution: lognormal, sigma: 0.7}\n  delay: 0.02",
}
SCHEDULES = ("poisson", "permutation", "sequential", "uniform", "synchronous")
CASES = [
    (schedule, knob, seed, size)
    for (schedule, knob), (seed, size) in zip(
        itertools.product(SCHEDULES, KNOBS), itertools.cycle([(1, 7), (2, 40), (3, 150), (4, 23), (5, 90)])
    )
    if not (schedule == "synchronous" and "delay" in KNOBS[knob]) and not (schedule != "poisson" and knob == "rates")
]


def _run(text: str, engine: str) -> tuple[list[object], list[dict[str, object]]]:
    sink = ListSink(verbose=True)
    result = asyncio.run(run_scenario_async(parse_scenario(text), sink, engine=engine))  # type: ignore[arg-type]
    events = [e for e in sink.records if not isinstance(e, RunStarted | RunFinished)]
    return events, [t.to_dict() for t in result.trials]


@pytest.mark.parametrize(("schedule", "knob", "seed", "size"), CASES, ids=[f"{c[0]}-{c[1]}-N{c[3]}" for c in CASES])
def test_actors_and_kernel_produce_identical_events_and_summaries(
    schedule: str, knob: str, seed: int, size: int
) -> None:
    text = SCENARIO.format(seed=seed, patterns=max(2, size // 12), size=size, schedule=schedule, knobs=KNOBS[knob])
    actor_events, actor_trials = _run(text, "actors")
    kernel_events, kernel_trials = _run(text, "kernel")
    assert len(actor_events) > 2 * size
    assert actor_events == kernel_events
    assert actor_trials == kernel_trials


def test_the_engines_agree_over_many_seeds() -> None:
    for seed in range(12):
        text = SCENARIO.format(seed=seed, patterns=3, size=30, schedule="poisson", knobs=KNOBS["everything"])
        assert _run(text, "actors") == _run(text, "kernel")


def test_the_compiled_stream_draws_the_same_numbers() -> None:
    keys = streams.stream_keys(np.random.SeedSequence(3), 500)
    for key, counter in zip(keys.tolist(), range(0, 5000, 10), strict=True):
        assert _uniform(np.uint64(key), np.uint64(counter)) == streams.uniform(key, counter)


def test_the_compiled_rule_decides_as_the_python_rule() -> None:
    rng = np.random.default_rng(4)
    for u, s, divisor, temperature, draw in zip(
        rng.normal(0, 20, 3000).round(0), rng.choice([-1, 1], 3000), rng.choice([1.0, 7.0, 100.0], 3000),
        rng.choice([0.0, 0.05, 0.5, 2.0], 3000), rng.random(3000), strict=True,
    ):  # fmt: skip
        args = (float(u), int(s), float(divisor), float(temperature), float(draw))
        assert _decide(*args) == rules.decide(*args)


def test_the_compiled_energy_change_is_the_python_one() -> None:
    rng = np.random.default_rng(5)
    for new, c, g, theta, d, asymmetric, has_diag in zip(
        rng.choice([-1, 1], 3000), rng.normal(0, 20, 3000), rng.normal(0, 20, 3000), rng.normal(0, 1, 3000),
        rng.normal(0, 3, 3000), rng.random(3000) < 0.5, rng.random(3000) < 0.5, strict=True,
    ):  # fmt: skip
        args = (int(new), float(c), float(g), float(theta), float(d), bool(asymmetric), bool(has_diag))
        assert _energy_change(*args) == rules.energy_change(*args)


def _run_quiet(text: str, engine: str, path: object = "<scenario>") -> tuple[list[object], list[dict[str, object]]]:
    sink = ListSink()  # not verbose: the actors take their fast path
    result = asyncio.run(run_scenario_async(parse_scenario(text, path), sink, engine=engine))  # type: ignore[arg-type]
    events = [e for e in sink.records if not isinstance(e, RunStarted | RunFinished)]
    return events, [t.to_dict() for t in result.trials]


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_the_fast_path_of_the_actors_matches_the_kernel(schedule: str) -> None:
    text = SCENARIO.format(seed=7, patterns=8, size=120, schedule=schedule, knobs="")
    assert _run_quiet(text, "actors") == _run_quiet(text, "kernel")


FAST_LIMITS = {
    "budget": "dynamics:\n  schedule: {schedule}\n  max_sweeps: 1\n",  # ends inside a batch, on the budget
    "time": "dynamics:\n  schedule: {schedule}\n  max_time: 1.37\n",  # ends inside a batch, on the time limit
    "free": "dynamics:\n  schedule: {schedule}\n",
}


@pytest.mark.parametrize("limit", FAST_LIMITS)
@pytest.mark.parametrize("schedule", ["poisson", "permutation", "uniform", "sequential"])
def test_the_fast_path_converges_and_stops_where_the_kernel_does(schedule: str, limit: str) -> None:
    # converging in the middle of a run, after flips in earlier runs, or stopped by a limit
    # before: over seeds, sizes and noise levels, the same wake-up counts, times and events
    for seed, size, noise in ((1, 60, 0.05), (2, 200, 0.15), (3, 33, 0.3), (4, 500, 0.02)):
        text = (
            f"seed: {seed}\npatterns:\n  random: {{count: {max(2, size // 15)}, size: {size}}}\n"
            + FAST_LIMITS[limit].format(schedule=schedule)
            + f"trials:\n  - cue: all\n    noise: {{flip_fraction: {noise}}}\n"
        )
        actors, kernel = _run_quiet(text, "actors"), _run_quiet(text, "kernel")
        assert actors == kernel
        statuses = {t["status"] for t in actors[1]}
        assert statuses == {{"free": "converged", "budget": "max_sweeps", "time": "max_time"}[limit]}
        if limit == "free" and schedule in ("poisson", "uniform"):
            assert all(t["wakeups"] % size for t in actors[1])  # converged mid-sweep


@pytest.mark.parametrize("schedule", ["sequential", "permutation", "synchronous", "poisson"])
def test_asymmetric_weights_with_self_couplings_and_biases_track_the_true_energy(schedule: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from neurosim import build_network
    from neurosim.model.energy import energy

    rng = np.random.default_rng(11)
    w = rng.normal(size=(15, 15))
    np.save(tmp_path / "W.npy", w)
    np.save(tmp_path / "b.npy", 0.3 * rng.normal(size=15))
    knobs = "  max_time: 12.5\n" if schedule == "poisson" else ""
    text = (
        f"network: {{weights: W.npy, biases: b.npy}}\ndynamics:\n  schedule: {schedule}\n  max_sweeps: 20\n{knobs}"
        "trials:\n  - state: random\n    repeats: 5\n"
    )
    actors, kernel = _run_quiet(text, "actors", tmp_path / "s.yaml"), _run_quiet(text, "kernel", tmp_path / "s.yaml")
    assert actors == kernel
    couplings = build_network(parse_scenario(text, tmp_path / "s.yaml")).couplings
    for trial in actors[1]:
        final = np.array(trial["final_state"], dtype=np.int8)
        assert trial["energy_final"] == pytest.approx(energy(couplings, final), abs=1e-9)


@pytest.mark.parametrize(
    ("matrix", "dtype"),
    [
        (np.array([[0.0, 3.0], [3.0, 0.0]]), np.int8),
        (np.array([[0.0, -127.0], [127.0, 0.0]]), np.int8),
        (np.array([[0.0, 128.0], [128.0, 0.0]]), np.int16),
        (np.array([[0.0, -32767.0], [5.0, 0.0]]), np.int16),
        (np.array([[0.0, 32768.0], [5.0, 0.0]]), np.float64),  # out of int16's range
        (np.array([[0.0, 0.5], [0.5, 0.0]]), np.float64),  # not integers
        (np.array([[0.0, -0.0], [1.0, 0.0]]), np.float64),  # a negative zero: -0.0·2 and 0·2 differ in sign
        (np.array([[0.0, np.inf], [1.0, 0.0]]), np.float64),
        (np.array([[0.0, np.nan], [1.0, 0.0]]), np.float64),
    ],
)
def test_integer_couplings_are_kept_compact_only_when_exact(matrix: np.ndarray, dtype: type) -> None:
    got = compact(matrix)
    assert got.dtype == dtype
    assert np.array_equal(got, matrix, equal_nan=True)


def test_a_hebbian_network_runs_on_compact_rows_and_a_storkey_one_on_floats() -> None:
    rng = np.random.default_rng(0)
    patterns = PatternSet(("a", "b", "c"), random_patterns(3, 40, rng))
    assert KernelEngine(hebbian(patterns), NullSink())._fanouts.dtype == np.int8
    assert KernelEngine(storkey(patterns), NullSink())._fanouts.dtype == np.float64


def _loop_types(text: str, path: object = "<scenario>") -> object:
    engine = KernelEngine(build_network(parse_scenario(text, path)).couplings, NullSink())
    return numba.typeof((engine._fanouts, engine._rows, engine._diag, engine._thetas))


def test_each_form_of_couplings_compiles_one_set_of_loops(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # numba compiles again for an array that differs only in being writable (10 s and more without a cache)
    np.save(tmp_path / "W.npy", np.random.default_rng(3).normal(size=(12, 12)))
    given = "network: {weights: W.npy}\ntrials:\n  - state: random\n"
    storkey_rule = "patterns:\n  random: {count: 2, size: 12}\nnetwork: {learning: storkey}\ntrials:\n  - cue: p0\n"
    assert _loop_types(given, tmp_path / "s.yaml") == _loop_types(storkey_rule)  # floats, asymmetric or not
    diluted = [DILUTED.format(seed=1, patterns=3, size=60, connectivity=c, schedule="poisson", knobs="") for c in
               CONNECTIVITY]  # fmt: skip
    assert len({_loop_types(text) for text in diluted}) == 1  # rows of synapses, symmetric or not


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_recalls_too_long_to_make_room_for_at_once_run_batch_by_batch_to_the_same_result(
    schedule: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    knobs = KNOBS["refractory" if schedule == "synchronous" else "everything"]
    text = SCENARIO.format(seed=5, patterns=4, size=50, schedule=schedule, knobs=knobs)
    whole = _run(text, "kernel")
    monkeypatch.setattr(kernel_engine, "LOG_LIMIT", 10)  # every recall may be granted 25 · 50 wake-ups
    assert _run(text, "kernel") == whole


# ---- diluted networks (network.connectivity): the same schedules and knobs, symmetric or not ----

DILUTED = SCENARIO.replace("dynamics:", "network:\n  connectivity: {connectivity}\ndynamics:", 1).replace(
    "flip_fraction: 0.3", "flip_fraction: 0.25"
)
CONNECTIVITY = (
    "{in_degree: 12}",
    "{in_degree: 9, symmetric: false}",
    "{probability: 0.15, symmetric: false}",
    "{probability: 0.1}",
)
DILUTED_CASES = [
    (schedule, knob, connectivity, seed, size)
    for (schedule, knob), connectivity, (seed, size) in zip(
        itertools.product(SCHEDULES, KNOBS),
        itertools.cycle(CONNECTIVITY),
        itertools.cycle([(1, 60), (2, 41), (3, 150), (4, 23), (5, 90)]),
    )
    if not (schedule == "synchronous" and "delay" in KNOBS[knob]) and not (schedule != "poisson" and knob == "rates")
]


@pytest.mark.parametrize(
    ("schedule", "knob", "connectivity", "seed", "size"),
    DILUTED_CASES,
    ids=[f"{c[0]}-{c[1]}-{c[2]}-N{c[4]}" for c in DILUTED_CASES],
)
def test_actors_and_kernel_agree_on_diluted_networks(
    schedule: str, knob: str, connectivity: str, seed: int, size: int
) -> None:
    text = DILUTED.format(
        seed=seed, patterns=3, size=size, connectivity=connectivity, schedule=schedule, knobs=KNOBS[knob]
    )
    actors = _run(text, "actors")
    kernel = _run(text, "kernel")
    assert len(actors[0]) > 2 * size
    assert actors == kernel


@pytest.mark.parametrize("connectivity", CONNECTIVITY)
def test_the_fast_path_on_a_diluted_network_matches_the_kernel(connectivity: str) -> None:
    text = DILUTED.format(seed=9, patterns=4, size=300, connectivity=connectivity, schedule="poisson", knobs="")
    actors = _run_quiet(text, "actors")
    assert actors == _run_quiet(text, "kernel")
    assert any(t["flips"] for t in actors[1])


@pytest.mark.parametrize("connectivity", CONNECTIVITY)
def test_the_reported_energy_is_the_energy_of_the_final_state(connectivity: str) -> None:
    text = DILUTED.format(seed=4, patterns=3, size=200, connectivity=connectivity, schedule="poisson", knobs="")
    couplings = build_network(parse_scenario(text)).couplings
    assert isinstance(couplings, SparseCouplings)
    _, trials = _run_quiet(text, "kernel")
    for trial in trials:
        final = np.array(trial["final_state"], dtype=np.int8)
        assert trial["energy_final"] == pytest.approx(energy(couplings, final), abs=1e-9)
