"""Capacity estimates and the classification of final states."""

from __future__ import annotations

import numpy as np
import pytest

from neurosim.model.capacity import classify, theoretical_capacities
from neurosim.model.energy import overlaps
from neurosim.model.patterns import PatternSet, random_patterns
from neurosim.model.registry import rule_capacity


def test_the_classic_capacities_for_a_thousand_neurons() -> None:
    caps = theoretical_capacities(1000)
    assert caps["0.138N"] == pytest.approx(138.0)
    assert caps["N/(2 ln N)"] == pytest.approx(72.38, abs=0.01)
    assert caps["N/(4 ln N)"] == pytest.approx(36.19, abs=0.01)


def test_rules_have_their_known_limits() -> None:
    assert rule_capacity("hebbian", 1000) == (pytest.approx(138.0), "0.138 N (Amit, Gutfreund & Sompolinsky 1985)")
    assert rule_capacity("pseudoinverse", 500)[0] == 500.0  # type: ignore[index]
    assert rule_capacity("custom", 500) is None


def _patterns(count: int, size: int) -> PatternSet:
    return PatternSet(tuple(f"p{k}" for k in range(count)), random_patterns(count, size, np.random.default_rng(1)))


def test_a_stored_pattern_its_reverse_and_a_three_mixture_are_told_apart() -> None:
    patterns = _patterns(5, 2001)
    xi = patterns.matrix
    assert classify(overlaps(patterns, xi[2])) == "recalled"
    assert classify(overlaps(patterns, -xi[4])) == "reversed"
    mixture = np.sign(xi[0].astype(int) + xi[1] + xi[2]).astype(np.int8)
    assert classify(overlaps(patterns, mixture)) == "mixture"
    two = np.where(xi[0] > 0, xi[0], xi[1]).astype(np.int8)  # an asymmetric mixture of two
    assert classify(overlaps(patterns, two)) == "other"
    random_state = random_patterns(1, 2001, np.random.default_rng(9))[0]
    assert classify(overlaps(patterns, random_state)) == "other"
