"""Optimisation problems as Hopfield energies."""

from __future__ import annotations

import itertools

import numpy as np

from neurosim.model.energy import energy, is_fixed_point
from neurosim.model.problems import cut_value, maxcut_couplings, rooks_couplings, rooks_measure

PETERSEN = np.array(
    [(0, 1), (1, 2), (2, 3), (3, 4), (4, 0), (0, 5), (1, 6), (2, 7), (3, 8), (4, 9),
     (5, 7), (7, 9), (9, 6), (6, 8), (8, 5)]
)  # fmt: skip


def test_the_cut_is_half_the_edges_minus_the_energy() -> None:
    c = maxcut_couplings(10, PETERSEN)
    rng = np.random.default_rng(0)
    for _ in range(50):
        s = (2 * rng.integers(0, 2, 10) - 1).astype(np.int8)
        assert cut_value(s, PETERSEN) == (15 - energy(c, s)) / 2


def test_the_petersen_graph_has_maximum_cut_twelve() -> None:
    c = maxcut_couplings(10, PETERSEN)
    best = max(cut_value(np.array(bits, dtype=np.int8), PETERSEN) for bits in itertools.product((-1, 1), repeat=10))
    assert best == 12
    assert min(energy(c, np.array(b, dtype=np.int8)) for b in itertools.product((-1, 1), repeat=10)) == -9


def test_valid_rook_placements_are_the_lowest_energy_fixed_points() -> None:
    n = 4
    c = rooks_couplings(n)
    energies = {}
    for bits in itertools.product((-1, 1), repeat=n * n):
        s = np.array(bits, dtype=np.int8)
        energies[bits] = energy(c, s)
    lowest = min(energies.values())
    minima = [b for b, e in energies.items() if e == lowest]
    assert len(minima) == 24  # 4! placements
    for bits in minima:
        s = np.array(bits, dtype=np.int8)
        assert rooks_measure(s, n) == {"rooks": 4, "attacking_pairs": 0, "valid": True}
        assert is_fixed_point(c, s)


def test_each_violated_line_costs_two() -> None:
    n = 8
    c = rooks_couplings(n)
    valid = -np.ones(n * n, dtype=np.int8)
    valid[np.arange(n) * n + np.arange(n)] = 1
    assert energy(c, valid) == -176.0
    moved = valid.copy()
    moved[0], moved[1] = -1, 1  # two rooks in column 1, none in column 0
    assert energy(c, moved) == -174.0
    assert rooks_measure(moved, n) == {"rooks": 8, "attacking_pairs": 1, "valid": False}


def test_both_problems_answer_the_protocol() -> None:
    from neurosim.model.problems import MaxCut, Problem, Rooks

    problems: list[Problem] = [MaxCut(10, PETERSEN), Rooks(3)]
    assert [(p.name, p.size, p.shape) for p in problems] == [("maxcut", 10, None), ("rooks", 9, (3, 3))]
    np.testing.assert_array_equal(problems[0].couplings().matrix, maxcut_couplings(10, PETERSEN).matrix)
    np.testing.assert_array_equal(problems[1].couplings().matrix, rooks_couplings(3).matrix)
    state = -np.ones(9, dtype=np.int8)
    state[[0, 4, 8]] = 1
    assert problems[1].measure(state) == {"problem": "rooks", "n": 3, "rooks": 3, "attacking_pairs": 0, "valid": True}
    cut = problems[0].measure(np.array([1, -1] * 5, dtype=np.int8))
    assert list(cut) == ["problem", "cut", "edges"]
    assert cut["edges"] == 15
