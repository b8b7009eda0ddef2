"""Dense associative memories (Krotov & Hopfield 2016)."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pytest

from neurosim import ListSink, ScenarioError, parse_scenario, run_scenario
from neurosim.cli import main
from neurosim.events import NeuronFlipped
from neurosim.model.dense import dense_capacity, dense_memory
from neurosim.model.energy import energy, is_fixed_point, local_fields
from neurosim.model.learning import hebbian
from neurosim.model.patterns import PatternSet, random_patterns


def _xi(count: int, size: int, seed: int) -> np.ndarray:
    return random_patterns(count, size, np.random.default_rng(seed))


@pytest.mark.parametrize("degree", [2, 3, 4, None], ids=["n2", "n3", "n4", "exp"])
def test_flipping_a_neuron_changes_the_energy_by_twice_its_field(degree: int | None) -> None:
    memory = dense_memory(_xi(20, 40, 1), degree)
    rng = np.random.default_rng(2)
    for _ in range(5):
        s = (2 * rng.integers(0, 2, 40) - 1).astype(np.int8)
        h = local_fields(memory, s)
        for i in range(0, 40, 7):
            flipped = s.copy()
            flipped[i] = -flipped[i]
            assert energy(memory, flipped) - energy(memory, s) == pytest.approx(2 * h[i] * s[i], rel=1e-12, abs=1e-12)


def test_the_quadratic_memory_is_the_hebbian_network_up_to_constants() -> None:
    xi = _xi(5, 60, 3)
    memory = dense_memory(xi, 2)
    patterns = PatternSet(tuple(f"p{k}" for k in range(5)), xi)
    s = _xi(1, 60, 4)[0]
    # −Σ (ξ·s)² = 2N·E_hebbian − P·N
    assert energy(memory, s) == pytest.approx(2 * 60 * energy(hebbian(patterns), s) - 5 * 60)


def test_a_cubic_memory_stores_far_more_than_a_hebbian_network() -> None:
    size, count = 100, 150  # load 1.5, ten times the Hebbian 0.138
    xi = _xi(count, size, 5)
    dense_fixed = np.mean([is_fixed_point(dense_memory(xi, 3), x) for x in xi])
    hebbian_fixed = np.mean([is_fixed_point(hebbian(PatternSet(tuple(map(str, range(count))), xi)), x) for x in xi])
    assert dense_capacity(size, 3) == pytest.approx(361.9, abs=0.1)
    assert dense_fixed >= 0.95
    assert hebbian_fixed <= 0.05


SCENARIO = """
seed: 2
patterns:
  random: {count: 150, size: 100}
network:
  learning: {rule: dense, F: {polynomial: 3}}
dynamics:
  schedule: permutation
trials:
  - cue: all
    noise: {flip_fraction: 0.1}
"""


def test_the_actors_recall_from_a_dense_memory_lowering_the_energy_by_two_fields() -> None:
    sink = ListSink()
    result = run_scenario(parse_scenario(SCENARIO), sink)
    assert result.recall_rate is not None
    assert result.recall_rate >= 0.95
    for trial in result.trials[:20]:
        energies = [trial.energy_initial] + [e.energy for e in sink.of(NeuronFlipped) if e.trial == trial.trial]
        fields = [e.field for e in sink.of(NeuronFlipped) if e.trial == trial.trial]
        assert list(np.diff(energies)) == [-2 * abs(h) for h in fields]


def test_a_dense_memory_refuses_delays_and_the_kernel(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="delays are not supported with a dense memory"):
        parse_scenario(SCENARIO.replace("  schedule: permutation", "  schedule: poisson\n  delay: 0.5"))
    path = tmp_path / "d.yaml"
    path.write_text(SCENARIO)
    err = io.StringIO()
    assert main(["run", str(path), "--engine", "kernel", "--out", str(tmp_path / "r")], stderr=err) == 2
    assert "dense associative memory runs on the actors" in err.getvalue()
    assert not (tmp_path / "r").exists()


def test_the_exponential_function_is_accepted() -> None:
    scenario = parse_scenario(SCENARIO.replace("{polynomial: 3}", "exponential"))
    assert dict(scenario.learning_params) == {"F": math.inf}  # the registry stores F: exponential as n = inf


def test_the_modern_network_flips_by_twice_its_field_and_decides_like_the_exponential_memory() -> None:
    from neurosim.model.dense import modern_memory

    xi = _xi(30, 50, 6)
    modern, exponential = modern_memory(xi, beta=0.3), dense_memory(xi, None, beta=0.3)
    rng = np.random.default_rng(7)
    for _ in range(5):
        s = (2 * rng.integers(0, 2, 50) - 1).astype(np.int8)
        h = local_fields(modern, s)
        np.testing.assert_array_equal(np.sign(h), np.sign(local_fields(exponential, s)))
        for i in range(0, 50, 9):
            flipped = s.copy()
            flipped[i] = -flipped[i]
            assert energy(modern, flipped) - energy(modern, s) == pytest.approx(2 * h[i] * s[i], rel=1e-9, abs=1e-9)


def test_the_modern_network_recalls_beyond_hebbian_capacity() -> None:
    result = run_scenario(
        parse_scenario(SCENARIO.replace("{rule: dense, F: {polynomial: 3}}", "{rule: modern, beta: 0.5}"))
    )
    assert result.recall_rate is not None
    assert result.recall_rate >= 0.95


def test_the_continuous_modern_update_retrieves_in_one_step() -> None:
    # Ramsauer et al. (2020): well-separated patterns are retrieved after a single update.
    from neurosim.model.dense import modern_retrieve
    from neurosim.model.noise import flip

    xi = _xi(50, 100, 8)
    cue = flip(xi[7], 20, np.random.default_rng(9)).astype(np.float64)
    retrieved = modern_retrieve(xi, cue, beta=0.5)
    np.testing.assert_array_equal(np.sign(retrieved), xi[7])
    assert float(np.max(np.abs(retrieved - xi[7]))) < 1e-6
