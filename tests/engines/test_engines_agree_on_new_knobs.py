"""The kernel replays the actors flip for flip under the newer knobs: noise, mixture starts, covariance, annealing."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from neurosim import ListSink, parse_scenario
from neurosim.api import run_scenario_async
from neurosim.engines.kernel.loops import _temperature_at
from neurosim.events import RunFinished, RunStarted
from neurosim.model import rules
from neurosim.model.dynamics import Annealing, AnnealKind

SCENARIO = """
seed: {seed}
patterns:
  random: {{count: {patterns}, size: {size}{activity}}}
{network}
dynamics:
  schedule: {schedule}
  max_sweeps: 20
{dynamics}
trials:
{trials}
"""

CASES = {  # (pattern activity, network, dynamics, trials)
    "flip_probability": ("", "", "", "  - cue: all\n    noise: {flip_probability: 0.2}"),
    "mixture": ("", "", "", "  - state: {mixture: [p0, p1, p2]}\n    noise: {flip_probability: 0.05}\n    repeats: 2"),
    "covariance": (
        ", activity: 0.1",
        "network:\n  learning: {rule: covariance, threshold: 0.3}",
        "",
        "  - cue: all\n    noise: {flip_probability: 0.1}",
    ),
    "annealing-linear-to-zero": (
        "",
        "",
        "  temperature: {schedule: linear, from: 1.5, to: 0, sweeps: 8}",
        "  - state: random\n    repeats: 3",
    ),
    "annealing-geometric-with-everything": (
        "",
        "",
        "  temperature: {schedule: geometric, from: 2, to: 0.05, sweeps: 12}\n  refractory: 0.3",
        "  - cue: p0\n    noise: {flip_probability: 0.3}\n    repeats: 2",
    ),
}
SCHEDULES = ("poisson", "permutation", "sequential", "uniform", "synchronous")


def _run(text: str, engine: str) -> tuple[list[object], list[dict[str, object]]]:
    sink = ListSink(verbose=True)
    result = asyncio.run(run_scenario_async(parse_scenario(text), sink, engine=engine))  # type: ignore[arg-type]
    events = [e for e in sink.records if not isinstance(e, RunStarted | RunFinished)]
    return events, [t.to_dict() for t in result.trials]


@pytest.mark.parametrize("schedule", SCHEDULES)
@pytest.mark.parametrize("case", list(CASES))
def test_actors_and_kernel_agree_flip_for_flip(case: str, schedule: str) -> None:
    activity, network, dynamics, trials = CASES[case]
    size = 60
    text = SCENARIO.format(
        seed=7,
        patterns=6,
        size=size,
        activity=activity,
        schedule=schedule,
        network=network,
        dynamics=dynamics,
        trials=trials,
    )
    actors, kernel = _run(text, "actors"), _run(text, "kernel")
    assert len(actors[0]) > size  # the runs did something
    assert actors == kernel


def test_the_compiled_temperature_is_the_python_one() -> None:
    tables = [np.array([0.0]), np.array([0.7]), Annealing(AnnealKind.GEOMETRIC, 3.0, 0.01, 37).table()]
    times = np.concatenate([np.random.default_rng(0).random(200) * 45, [1e-9, 1.0, 2.0, 37.0, 38.0, 1e12]])
    for table in tables:
        for t in times:
            assert _temperature_at(table, float(t)) == rules.temperature_at(table, float(t))
            assert rules.temperature_at(table.tolist(), float(t)) == rules.temperature_at(table, float(t))


PROBLEMS = """
seed: 3
network:
  problem:
{problem}
dynamics:
  schedule: {schedule}
  max_sweeps: 60
  temperature: {{schedule: linear, from: 1, to: 0, sweeps: 20}}
trials:
  - state: random
    repeats: 2
"""


@pytest.mark.parametrize("schedule", ["poisson", "permutation"])
@pytest.mark.parametrize(
    "problem",
    [
        "    coloring: {colors: 3, edges: [[0, 1], [1, 2], [2, 0], [2, 3], [3, 4], [4, 0]]}",
        "    tsp: {random: 5, seed: 2, distance: 2}",
        "    spin_glass: {size: 40, seed: 2}",
    ],
    ids=["coloring", "tsp", "spin_glass"],
)
def test_the_problems_anneal_flip_for_flip_on_both_engines(problem: str, schedule: str) -> None:
    text = PROBLEMS.format(problem=problem, schedule=schedule)
    actors, kernel = _run(text, "actors"), _run(text, "kernel")
    assert all(t["status"] == "converged" for t in actors[1])
    assert actors == kernel
