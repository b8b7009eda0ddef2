"""A small network runs the Python source of the actors' compiled helpers: the same results, step for step."""

from __future__ import annotations

import numpy as np

from neurosim.engines.actors import runs
from neurosim.model import energy


def test_deliver_flip_in_python_rounds_as_the_compiled_one() -> None:
    rng = np.random.default_rng(3)
    for size in (1, 7, runs.SMALL):
        for _ in range(50):
            fanout = rng.normal(0.0, 10.0, size) * rng.choice([1e-9, 1.0, 1e9])
            start = rng.normal(0.0, 10.0, size)
            state = int(rng.choice([-1, 1]))
            python, compiled = start.copy(), start.copy()
            runs.deliver_flip(python, state, fanout)
            energy.deliver_flip(compiled, state, fanout)
            np.testing.assert_array_equal(python, compiled)


def test_settle_and_distinct_runs_in_python_equal_the_compiled_ones() -> None:
    rng = np.random.default_rng(4)
    for _ in range(200):
        size = int(rng.integers(2, 20))
        neurons = rng.integers(0, size, int(rng.integers(1, runs.SMALL + 1)))
        marks = np.full(neurons.max() + 1, -1, dtype=np.int64)
        np.testing.assert_array_equal(runs.distinct_runs(neurons), runs._distinct_runs(neurons, marks))
        begin = int(rng.integers(0, neurons.size))
        end = int(rng.integers(begin, neurons.size + 1))
        flipper = int(neurons[end - 1]) if end > begin and rng.random() < 0.5 else -1
        until = int(rng.integers(end, neurons.size + 1))
        tally = np.array([int(rng.integers(0, 3)), 0, size, begin], dtype=np.int64)
        marks = rng.integers(-1, 3, size).astype(np.int64)
        python_marks, python_tally = marks.copy(), tally.copy()
        got = runs.settle(neurons, begin, end, flipper, until, python_marks, python_tally)
        expected = runs._settle(neurons, begin, end, flipper, until, marks, tally)
        assert got == expected
        np.testing.assert_array_equal(python_marks, marks)
        np.testing.assert_array_equal(python_tally, tally)
