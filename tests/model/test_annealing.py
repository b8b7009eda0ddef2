"""Annealing: the temperature as a schedule over sweeps, the same on both engines; the SK spin glass."""

from __future__ import annotations

import itertools
import math
import statistics
from pathlib import Path

import numpy as np
import pytest

from neurosim import parse_scenario, run_scenario
from neurosim.errors import ScenarioError
from neurosim.model.dynamics import Annealing, AnnealKind, Dynamics, ScheduleKind
from neurosim.model.rules import temperature_at
from neurosim.model.spinglass import SpinGlass
from neurosim.trials import trial_schedule


def test_a_linear_schedule_steps_once_a_sweep_and_holds_its_last_temperature() -> None:
    table = Annealing(AnnealKind.LINEAR, 1.0, 0.0, 4).table()
    assert table.tolist() == [1.0, 0.75, 0.5, 0.25, 0.0]
    # sweep k holds the wake-ups at times in (k, k + 1]
    times = [0.001, 1.0, 1.0001, 2.5, 3.0, 3.5, 4.0, 4.2, 1e6]
    assert [temperature_at(table, t) for t in times] == [1.0, 1.0, 0.75, 0.5, 0.5, 0.25, 0.25, 0.0, 0.0]
    assert temperature_at(np.array([0.3]), 1e9) == 0.3  # a constant temperature


def test_a_geometric_schedule_hits_both_ends_exactly() -> None:
    table = Annealing(AnnealKind.GEOMETRIC, 2.0, 0.02, 10).table()
    assert (table[0], table[-1]) == (2.0, 0.02)
    assert np.allclose(table[1:] / table[:-1], 0.01**0.1)


def test_an_anneal_to_zero_converges_and_one_to_a_warm_end_does_not() -> None:
    cold = Dynamics(temperature=1.0, annealing=Annealing(AnnealKind.LINEAR, 1.0, 0.0, 5))
    warm = Dynamics(temperature=1.0, annealing=Annealing(AnnealKind.GEOMETRIC, 1.0, 0.1, 5))
    assert (cold.stochastic, cold.converges, warm.stochastic, warm.converges) == (True, True, True, False)
    assert (Dynamics().converges, Dynamics(temperature=0.5).converges) == (True, False)


ANNEALED = """
seed: 2
patterns:
  random: {{count: 5, size: 80}}
dynamics:
  schedule: {schedule}
  max_sweeps: 60
  temperature: {{schedule: linear, from: 2, to: 0, sweeps: 10}}
trials:
  - state: random
    repeats: 4
"""


@pytest.mark.parametrize("schedule", ["poisson", "permutation", "synchronous"])
def test_only_the_cold_sweeps_count_towards_convergence(schedule: str) -> None:
    result = run_scenario(parse_scenario(ANNEALED.format(schedule=schedule)), engine="kernel")
    for trial in result.trials:
        assert trial.status == "converged"
        assert trial.sweeps > 10  # none converges while the temperature is above 0 (sweeps 0 to 9)
        assert trial.energy_rises > 0  # the hot sweeps raised the energy on the way down
    assert result.to_dict()["annealing"] == {"schedule": "linear", "from": 2.0, "to": 0.0, "sweeps": 10}


@pytest.mark.parametrize(
    ("temperature", "key", "message"),
    [
        ("{schedule: geometric, from: 1, to: 0, sweeps: 5}", "dynamics.temperature.to",
         "a geometric schedule needs temperatures above 0 (a linear one may end at 0)"),
        ("{schedule: cosine, from: 1, to: 0, sweeps: 5}", "dynamics.temperature.schedule", None),
        ("{schedule: linear, from: 1, to: 0, sweeps: 0}", "dynamics.temperature.sweeps", "must be at least 1, got 0"),
        ("{schedule: linear, from: -1, to: 0, sweeps: 3}", "dynamics.temperature.from",
         "must not be negative, got -1.0"),
        ("{schedule: linear, from: 1, sweeps: 3}", "dynamics.temperature", None),
    ],
)  # fmt: skip
def test_a_bad_schedule_is_one_line(tmp_path: Path, temperature: str, key: str, message: str | None) -> None:
    text = f"patterns:\n  random: {{count: 2, size: 10}}\ndynamics:\n  temperature: {temperature}\n"
    text += "trials:\n  - cue: p0\n"
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, tmp_path / "s.yaml")
    assert (info.value.line, info.value.key) == (4, key)
    if message is not None:
        assert info.value.message == message


SK = """
seed: 1
network:
  problem:
    spin_glass: {{size: 200, seed: 1}}
dynamics:
  schedule: permutation
  max_sweeps: 1200
{temperature}
trials:
  - state: random
    repeats: 20
"""


def test_the_spin_glass_energy_is_the_measure_and_its_couplings_are_sk() -> None:
    glass = SpinGlass(400, seed=3)
    j = glass.couplings().matrix
    assert np.array_equal(j, j.T)
    assert np.all(np.diagonal(j) == 0.0)
    upper = j[np.triu_indices(400, 1)]
    assert np.std(upper) * np.sqrt(400) == pytest.approx(1.0, abs=0.01)  # 79,800 draws: sd of the sd about 0.0025


def test_annealing_a_spin_glass_ends_far_below_a_quench_near_the_ground_state() -> None:
    # Measured on this instance (N = 200) over 100 starts, kernel engine: quench mean −0.667 (sd 0.026);
    # linear 1.5 → 0 over 1000 sweeps mean −0.7485 (sd 0.0023), lowest −0.7501; the large-N ground state is −0.7633.
    def energies(temperature: str) -> list[float]:
        result = run_scenario(parse_scenario(SK.format(temperature=temperature)), engine="kernel")
        assert all(t.status == "converged" for t in result.trials)
        return [t.measure["energy_per_spin"] for t in result.trials if t.measure]

    quench = energies("")
    annealed = energies("  temperature: {schedule: linear, from: 1.5, to: 0, sweeps: 1000}")
    assert -0.70 < statistics.mean(quench) < -0.63  # 20 starts: the mean's sd is about 0.006
    assert statistics.mean(annealed) < -0.744
    assert min(annealed) > -0.7633 - 0.02  # no lower than the large-N ground state allows at N = 200
    assert max(annealed) < statistics.mean(quench)  # every annealed end lies below the mean quench


@pytest.mark.parametrize("kind", ["permutation", "sequential", "uniform", "synchronous"])
def test_under_sweeping_schedules_a_sweep_by_time_is_a_sweep_by_count(kind: str) -> None:
    # docs/conventions.md §5: sweep k = ⌈t⌉ − 1 holds exactly the wake-ups kN … kN + N − 1
    for size, sweeps in ((7, 1000), (1000, 20)):
        schedule = trial_schedule(Dynamics(schedule=ScheduleKind(kind)), size, 1, 0)
        count = 0
        for times, _ in itertools.islice(schedule, sweeps):
            for t in times.tolist():
                assert math.ceil(t) - 1 == count // size
                count += 1
        assert count == size * sweeps
