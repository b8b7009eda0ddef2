"""Live mode: the actors on the wall clock, with real sleeps."""

from __future__ import annotations

import asyncio
import io
import time
from pathlib import Path

import numpy as np
import pytest

from neurosim import ListSink, build_network, parse_scenario, run_scenario
from neurosim.cli import main
from neurosim.engines import open_engine
from neurosim.engines.actors.coordinator import Coordinator
from neurosim.engines.actors.live import LiveCoordinator, WallClock
from neurosim.events import RunStarted
from neurosim.model.energy import is_fixed_point

SCENARIO = """
seed: 2
patterns:
  random: {{count: 2, size: 30}}
dynamics:
  schedule: {schedule}
trials:
  - cue: all
    noise: {{flip: 6}}
"""


@pytest.mark.parametrize("schedule", ["poisson", "permutation"])
def test_a_live_run_sleeps_in_real_time_and_still_ends_at_fixed_points(schedule: str) -> None:
    scenario = parse_scenario(SCENARIO.format(schedule=schedule))
    sink = ListSink()
    scale = 0.004
    began = time.perf_counter()
    result = run_scenario(scenario, sink, clock=WallClock(scale))
    elapsed = time.perf_counter() - began
    [started] = sink.of(RunStarted)
    assert started.reproducible is False
    couplings = build_network(scenario).couplings
    for trial in result.trials:
        assert trial.status == "converged"
        assert is_fixed_point(couplings, np.array(trial.final_state, dtype=np.int8))
    # every trial lasted its simulated time on the wall clock
    assert elapsed >= 0.9 * scale * sum(t.t for t in result.trials)


def test_a_virtual_run_says_it_is_reproducible() -> None:
    sink = ListSink()
    run_scenario(parse_scenario(SCENARIO.format(schedule="poisson")), sink)
    assert sink.of(RunStarted)[0].reproducible is True


def test_live_mode_cannot_run_the_kernel(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO.format(schedule="poisson"))
    err = io.StringIO()
    code = main(["run", str(path), "--realtime", "--engine", "kernel", "--out", str(tmp_path / "r")], stderr=err)
    assert code == 2
    assert "--realtime runs the actors" in err.getvalue()
    assert not (tmp_path / "r").exists()


def test_the_cli_runs_live(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO.format(schedule="poisson"))
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["run", str(path), "--realtime", "--time-scale", "0.002", "--out", str(tmp_path / "r"), "--quiet"],
        stdout=out,
        stderr=err,
    )
    assert code == 0
    assert '"reproducible":false' in (tmp_path / "r" / "events.jsonl").read_text()


def test_live_mode_is_its_own_coordinator_and_virtual_time_is_the_plain_one() -> None:
    scenario = parse_scenario(SCENARIO.format(schedule="poisson"))
    couplings = build_network(scenario).couplings

    async def kinds() -> tuple[type, type]:
        async with open_engine("actors", couplings, ListSink(), scenario.dynamics, WallClock(0.001)) as live:
            live_kind = type(live)
        async with open_engine("actors", couplings, ListSink(), scenario.dynamics) as virtual:
            virtual_kind = type(virtual)
        return live_kind, virtual_kind

    assert asyncio.run(kinds()) == (LiveCoordinator, Coordinator)
