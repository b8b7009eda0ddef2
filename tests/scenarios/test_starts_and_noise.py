"""Independent per-neuron noise and starts named as mixtures of stored patterns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neurosim import build_network, parse_scenario, run_scenario
from neurosim.errors import ScenarioError
from neurosim.model import noise
from neurosim.trials import prepare_trials

RANDOM = "seed: 4\npatterns:\n  random: {count: 5, size: 400}\n"


def test_flip_each_flips_each_neuron_on_its_own_draw() -> None:
    state = np.ones(10_000, dtype=np.int8)
    rng = np.random.default_rng(2)
    out = noise.flip_each(state, 0.2, rng)
    draws = np.random.default_rng(2).random(state.size)
    assert np.array_equal(out == -1, draws < 0.2)  # neuron i flips exactly when its own draw is below p
    assert noise.flip_each(state, 0.0, rng).tolist() == state.tolist()
    assert noise.flip_each(state, 1.0, rng).tolist() == (-state).tolist()


def test_a_mixture_is_the_sign_of_the_sum_and_a_tie_takes_the_first_pattern() -> None:
    a = np.array([1, 1, -1, -1], dtype=np.int8)
    b = np.array([1, -1, 1, -1], dtype=np.int8)
    c = np.array([-1, -1, -1, 1], dtype=np.int8)
    assert noise.mixture(np.vstack([a, b, c])).tolist() == [1, -1, -1, -1]
    assert noise.mixture(np.vstack([a, b])).tolist() == [1, 1, -1, -1]  # columns 1 and 2 tie: a's entries


def test_a_mixture_start_and_flip_probability_noise_reach_the_recorded_start_state(tmp_path: Path) -> None:
    text = RANDOM + (
        "trials:\n"
        "  - state: {mixture: [p0, p1, p2]}\n"
        "  - cue: p3\n"
        "    noise: {flip_probability: 0.25}\n"
        "    repeats: 2\n"
    )
    scenario = parse_scenario(text, tmp_path / "s.yaml")
    network = build_network(scenario)
    prepared = prepare_trials(scenario, network)
    xi = network.patterns.matrix
    assert prepared[0].start.tolist() == np.sign(xi[0] + xi[1] + xi[2].astype(np.int64)).tolist()
    assert prepared[0].target == network.patterns.names[int(np.argmax(xi @ prepared[0].start.astype(np.int64)))]
    # each repeat draws its own noise, from its own trial's stream: about 100 of 400 flipped, not the same ones
    assert all(60 < t.flipped < 140 for t in prepared[1:])  # type: ignore[operator]  # binomial(400, 1/4): sd 8.7
    assert prepared[1].start.tolist() != prepared[2].start.tolist()
    result = run_scenario(scenario)
    for trial, ready in zip(result.trials, prepared, strict=True):
        assert list(trial.start_state) == ready.start.tolist()  # the summary records each trial's start


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ("{mixture: [p0, nine]}", "no pattern is named 'nine'"),
        ("{mixture: [p0, p0, p1]}", "pattern 'p0' is named twice in the mixture"),
        ("{mixture: [p0]}", "a mixture names at least two stored patterns"),
        ("{mix: [p0, p1]}", None),
    ],
)
def test_a_bad_mixture_is_one_line_naming_its_key(tmp_path: Path, state: str, message: str | None) -> None:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(RANDOM + f"trials:\n  - state: {state}\n", tmp_path / "s.yaml")
    assert info.value.line == 5
    assert str(info.value.key).startswith("trials[0].state")
    if message is not None:
        assert info.value.message == message


def test_a_flip_probability_beyond_one_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(RANDOM + "trials:\n  - cue: p0\n    noise: {flip_probability: 1.5}\n", tmp_path / "s.yaml")
    assert (info.value.line, info.value.key) == (6, "trials[0].noise.flip_probability")
    assert info.value.message == "must be a fraction between 0 and 1, got 1.5"
