"""The kernel replays the actors flip for flip under the newer knobs: noise, mixture starts, covariance, annealing."""

from __future__ import annotations

import asyncio

import pytest

from neurosim import ListSink, parse_scenario
from neurosim.api import run_scenario_async
from neurosim.events import RunFinished, RunStarted

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
