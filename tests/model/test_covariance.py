"""Sparse coding: biased patterns, the covariance rule written as ±1 couplings, and its known capacity."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neurosim import build_network, parse_scenario, run_scenario
from neurosim.errors import ScenarioError
from neurosim.model.covariance import covariance, mean_activity, random_sparse_patterns, sparse_overlaps
from neurosim.model.energy import local_fields
from neurosim.model.patterns import PatternSet


def _patterns(count: int, size: int, activity: float, seed: int) -> PatternSet:
    matrix = random_sparse_patterns(count, size, activity, np.random.default_rng(seed))
    return PatternSet(tuple(f"p{k}" for k in range(count)), matrix)


def test_the_pm1_network_decides_exactly_as_the_01_threshold_units() -> None:
    patterns = _patterns(20, 300, 0.1, 0)
    a = mean_activity(patterns)
    eta = (patterns.real + 1) / 2
    w = (eta - a).T @ (eta - a) / (300 * a * (1 - a))
    np.fill_diagonal(w, 0.0)
    couplings = covariance(patterns, threshold=0.4)
    rng = np.random.default_rng(1)
    for _ in range(20):
        s = np.where(rng.random(300) < 0.2, 1, -1).astype(np.int8)
        v = (s + 1) / 2
        drive = w @ v - 0.4  # the 0/1 rule: active when Σ_j w_ij V_j > θ
        h = local_fields(couplings, s)
        assert np.allclose(h, drive, atol=1e-12)  # h_i is the 0/1 drive itself: the same decision, unit by unit
    assert couplings.symmetric
    assert np.all(np.diagonal(couplings.matrix) == 0.0)


def test_sparse_overlaps_are_one_on_a_pattern_and_near_zero_off_it() -> None:
    patterns = _patterns(10, 2000, 0.05, 2)
    m = sparse_overlaps(patterns, patterns.matrix[3])
    assert m[3] == pytest.approx(1.0)
    assert np.all(np.abs(np.delete(m, 3)) < 0.15)  # independent patterns: sd about sqrt(a(1-a)N)/((1-a)aN) = 0.1
    quiet = -np.ones(2000, dtype=np.int8)  # all units silent: plain overlaps are all 1 - 2a, these are 0
    assert np.allclose(sparse_overlaps(patterns, quiet), 0.0)


def test_activity_draws_biased_patterns_and_half_is_the_unbiased_draw(tmp_path: Path) -> None:
    text = "seed: 3\npatterns:\n  random: {{count: 50, size: 400{extra}}}\ntrials:\n  - cue: p0\n"
    sparse = build_network(parse_scenario(text.format(extra=", activity: 0.05"), tmp_path / "s.yaml"))
    assert mean_activity(sparse.patterns) == pytest.approx(0.05, abs=0.005)  # 20,000 draws: sd 0.0015
    half = build_network(parse_scenario(text.format(extra=", activity: 0.5"), tmp_path / "s.yaml"))
    plain = build_network(parse_scenario(text.format(extra=""), tmp_path / "s.yaml"))
    assert np.array_equal(half.patterns.matrix, plain.patterns.matrix)


@pytest.mark.parametrize(
    ("text", "line", "key", "message"),
    [
        ("patterns:\n  random: {count: 2, size: 10, activity: 1}\ntrials:\n  - cue: p0\n", 2,
         "patterns.random.activity", "must be strictly between 0 and 1, got 1"),
        ("patterns:\n  random: {count: 2, size: 10}\nnetwork:\n  learning: {rule: covariance, threshold: 0.5}\n"
         "  biases: 0.1\ntrials:\n  - cue: p0\n", 3, "network",
         "the covariance rule sets its own biases (from its threshold)"),
    ],
)  # fmt: skip
def test_bad_sparse_input_is_one_line(tmp_path: Path, text: str, line: int, key: str, message: str) -> None:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, tmp_path / "s.yaml")
    assert (info.value.line, info.value.key, info.value.message) == (line, key, message)


SPARSE = """
seed: {seed}
patterns:
  random: {{count: {count}, size: 1000, activity: 0.05}}
network:
  learning: {{rule: covariance, threshold: 0.55}}
dynamics: {{schedule: permutation, max_sweeps: 30}}
trials:
  - cue: p0
    noise: {{flip_probability: 0.01}}
  - cue: p1
  - cue: p2
  - cue: p3
    noise: {{flip_probability: 0.01}}
"""


def _retrieval(load: float) -> list[float]:
    overlaps = []
    for seed in (0, 1):
        result = run_scenario(parse_scenario(SPARSE.format(seed=seed, count=round(load * 1000))), engine="kernel")
        overlaps += [t.sparse_overlaps[t.cue] for t in result.trials if t.sparse_overlaps and t.cue]
    return overlaps


def test_sparse_patterns_are_retrieved_far_above_the_hebbian_capacity_and_lost_at_load_one() -> None:
    # Tsodyks & Feigel'man 1988: at activity a = 0.05 and threshold 0.55, N = 1000. Measured over
    # seeds 0-5 (4 cues each, kernel engine): at α = 0.3 every sparse overlap was at least 0.919
    # (20 of 24 exactly 1); at α = 1.0 none exceeded 0.53 and no trial ended on its pattern.
    kept = _retrieval(0.3)
    assert len(kept) == 8
    assert min(kept) > 0.9
    lost = _retrieval(1.0)
    assert max(lost) < 0.65
