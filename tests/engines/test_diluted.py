"""Diluted networks run flip for flip alike on both engines, over every schedule and knob, symmetric or not."""

from __future__ import annotations

import asyncio
import itertools

import numpy as np
import pytest

from neurosim import ListSink, build_network, parse_scenario
from neurosim.api import run_scenario_async
from neurosim.events import RunFinished, RunStarted
from neurosim.model.energy import energy
from neurosim.model.sparse import SparseCouplings

SCENARIO = """
seed: {seed}
patterns:
  random: {{count: {patterns}, size: {size}}}
network:
  connectivity: {connectivity}
dynamics:
  schedule: {schedule}
  max_sweeps: 25
{knobs}
trials:
  - cue: all
    noise: {{flip_fraction: 0.25}}
"""

KNOBS = {
    "plain": "",
    "hot": "  temperature: 0.4",
    "delayed": "  delay: 0.07",
    "refractory": "  temperature: 0.3\n  refractory: 0.8",
    "everything": "  temperature: 0.2\n  delay: 0.03\n  refractory: 0.2",
    "rates": "  rates: {distribution: lognormal, sigma: 0.7}\n  delay: 0.02",
}
CONNECTIVITY = (
    "{in_degree: 12}",
    "{in_degree: 9, symmetric: false}",
    "{probability: 0.15, symmetric: false}",
    "{probability: 0.1}",
)
SCHEDULES = ("poisson", "permutation", "sequential", "uniform", "synchronous")
CASES = [
    (schedule, knob, connectivity, seed, size)
    for (schedule, knob), connectivity, (seed, size) in zip(
        itertools.product(SCHEDULES, KNOBS),
        itertools.cycle(CONNECTIVITY),
        itertools.cycle([(1, 60), (2, 41), (3, 150), (4, 23), (5, 90)]),
    )
    if not (schedule == "synchronous" and "delay" in KNOBS[knob]) and not (schedule != "poisson" and knob == "rates")
]


def _run(text: str, engine: str, verbose: bool) -> tuple[list[object], list[dict[str, object]]]:
    sink = ListSink(verbose=verbose)
    result = asyncio.run(run_scenario_async(parse_scenario(text), sink, engine=engine))  # type: ignore[arg-type]
    events = [e for e in sink.records if not isinstance(e, RunStarted | RunFinished)]
    return events, [t.to_dict() for t in result.trials]


@pytest.mark.parametrize(
    ("schedule", "knob", "connectivity", "seed", "size"), CASES, ids=[f"{c[0]}-{c[1]}-{c[2]}-N{c[4]}" for c in CASES]
)
def test_actors_and_kernel_agree_on_diluted_networks(
    schedule: str, knob: str, connectivity: str, seed: int, size: int
) -> None:
    text = SCENARIO.format(
        seed=seed, patterns=3, size=size, connectivity=connectivity, schedule=schedule, knobs=KNOBS[knob]
    )
    actors = _run(text, "actors", verbose=True)
    kernel = _run(text, "kernel", verbose=True)
    assert len(actors[0]) > 2 * size
    assert actors == kernel


@pytest.mark.parametrize("connectivity", CONNECTIVITY)
def test_the_fast_path_on_a_diluted_network_matches_the_kernel(connectivity: str) -> None:
    text = SCENARIO.format(seed=9, patterns=4, size=300, connectivity=connectivity, schedule="poisson", knobs="")
    actors = _run(text, "actors", verbose=False)
    assert actors == _run(text, "kernel", verbose=False)
    assert any(t["flips"] for t in actors[1])


@pytest.mark.parametrize("connectivity", CONNECTIVITY)
def test_the_reported_energy_is_the_energy_of_the_final_state(connectivity: str) -> None:
    text = SCENARIO.format(seed=4, patterns=3, size=200, connectivity=connectivity, schedule="poisson", knobs="")
    couplings = build_network(parse_scenario(text)).couplings
    assert isinstance(couplings, SparseCouplings)
    _, trials = _run(text, "kernel", verbose=False)
    for trial in trials:
        final = np.array(trial["final_state"], dtype=np.int8)
        assert trial["energy_final"] == pytest.approx(energy(couplings, final), abs=1e-9)
