"""Every bundled scenario runs, and says what really happens."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest

from neurosim import ListSink, RunResult, build_network, load_scenario, parse_scenario, run_scenario
from neurosim.events import NeuronFlipped
from neurosim.model.energy import is_fixed_point

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"

BUNDLED = sorted(SCENARIOS.glob("*.yaml"))


@functools.cache
def _ran(path: Path) -> tuple[RunResult, ListSink]:
    """A bundled scenario's run and its events, once for every test that reads them (a run is read-only)."""
    sink = ListSink()
    return run_scenario(load_scenario(path), sink), sink


@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_a_bundled_scenario_runs_and_ends_as_its_dynamics_promise(path: Path) -> None:
    scenario = load_scenario(path)
    dynamics = scenario.dynamics
    result, sink = _ran(path)
    assert result.status == "completed"
    assert len(result.trials) == scenario.trial_count
    couplings = build_network(scenario).couplings
    for trial in result.trials:
        energies = [e.energy for e in sink.of(NeuronFlipped) if e.trial == trial.trial]
        if dynamics.stochastic and not dynamics.converges:
            assert trial.status in ("max_sweeps", "max_time")
            assert trial.mean_overlaps is not None
            continue
        if dynamics.synchronous:
            assert trial.status in ("converged", "cycle")
            continue
        if trial.sequence is not None:  # a sequence of patterns never settles
            assert trial.status == "max_sweeps"
            assert len(trial.sequence) > 1
            continue
        assert trial.status == "converged"
        assert is_fixed_point(couplings, np.array(trial.final_state, dtype=np.int8))
        if dynamics.stochastic:  # an anneal to T = 0 ends on a fixed point, but its energy rose on the way
            continue
        assert trial.energy_final <= trial.energy_initial or dynamics.delay > 0
        if dynamics.delay == 0:
            assert energies == sorted(energies, reverse=True)
            assert trial.energy_monotone


def test_six_bits_under_synchronous_updates_is_a_two_cycle() -> None:
    result = _ran(SCENARIOS / "six_bits_synchronous.yaml")[0]
    [trial] = result.trials
    assert (trial.status, trial.period, trial.sweeps, trial.flips) == ("cycle", 2, 3.0, 7)
    assert trial.final_state == (1, 1, 1, -1, 1, -1)
    assert trial.energy_final == pytest.approx(-5 / 3)


def test_the_temperature_scenario_holds_the_mean_field_overlap() -> None:
    result = _ran(SCENARIOS / "temperature.yaml")[0]
    for trial in result.trials:
        assert trial.mean_overlaps is not None
        assert trial.mean_overlaps[trial.cue] == pytest.approx(0.9575, abs=0.02)  # m = tanh(m / 0.5)


def test_the_delay_scenario_raises_the_energy_in_every_trial() -> None:
    result = _ran(SCENARIOS / "delay.yaml")[0]
    assert all(not t.energy_monotone and t.energy_rises > 0 for t in result.trials)


def test_letters_starts_from_the_seed_demos_own_noisy_x() -> None:
    scenario = load_scenario(SCENARIOS / "letters.yaml")
    seed_cue = scenario.trials[1].starts[0]
    x = scenario.sources[0].matrix[0]
    assert seed_cue is not None
    assert np.flatnonzero(seed_cue != x).tolist() == [1, 3, 4, 14, 18, 20, 21, 24]


def test_letters_recalls_x_from_random_corruptions_only_about_half_the_time() -> None:
    text = (SCENARIOS / "letters.yaml").read_text().replace("repeats: 5", "repeats: 400")
    result = run_scenario(parse_scenario(text, SCENARIOS / "letters.yaml"))
    random_cues = [t for t in result.trials if t.trial < 400]
    seed_cue = [t for t in result.trials if t.trial >= 400]
    rate = sum(t.success for t in random_cues) / len(random_cues)
    assert 0.40 < rate < 0.56  # measured 0.48 over 2000 repeats
    own = sum(t.success for t in seed_cue) / len(seed_cue)
    assert 0.76 < own < 0.92  # measured 0.84 over 2000 update orders
    failures = [t for t in random_cues if not t.success]
    # the failures end in spurious states close to X and anti-aligned with O
    assert sum(t.overlaps["O"] <= -0.8 for t in failures) > 0.9 * len(failures)


def test_six_bits_ends_in_left_or_reversed_alternating_by_update_order() -> None:
    result = _ran(SCENARIOS / "six_bits.yaml")[0]
    finals = {t.final_state for t in result.trials}
    assert finals == {(1, 1, 1, -1, -1, -1), (1, -1, 1, -1, 1, -1)}
    for trial in result.trials:
        assert trial.flipped == 2  # not 3, as the demo says
        assert trial.flips == 2
        if trial.recalled is None:
            assert trial.overlaps["alternating"] == -1.0


SWEEPS = [p for p in BUNDLED if load_scenario(p).sweep is not None]


@pytest.mark.parametrize("path", SWEEPS, ids=[p.stem for p in SWEEPS])
def test_a_bundled_sweep_expands_and_its_first_point_runs(path: Path, tmp_path: Path) -> None:
    from neurosim import sweeps

    scenario = load_scenario(path)
    points = sweeps.sweep_points(scenario)
    assert scenario.sweep is not None
    assert len(points) == scenario.sweep.points
    rows = sweeps.run_point(points[0], str(path), "actors")
    assert rows
    if scenario.problem is not None:  # a problem's sweep: each row carries its measure
        assert all(r["measure"] for r in rows)
        return
    assert all(r["retrieved"] for r in rows)  # the lowest load of every bundled sweep is well within capacity


@pytest.mark.slow
def test_the_capacity_sweep_collapses_near_the_theoretical_load(tmp_path: Path) -> None:
    from neurosim import sweeps

    scenario = load_scenario(SCENARIOS / "capacity.yaml")
    outcome = sweeps.run_sweep(scenario, tmp_path, workers=2)
    table = {entry["alpha"]: entry for entry in sweeps.aggregate(outcome.rows, ["alpha"])}
    assert table[0.02]["retrieval_rate"] == 1.0
    assert table[0.1]["retrieval_rate"] >= 0.9
    assert table[0.25]["retrieval_rate"] <= 0.1
    assert table[0.2]["retrieval_rate"] < 0.5


def test_the_sequence_scenario_steps_through_its_patterns_in_order() -> None:
    result = _ran(SCENARIOS / "sequence.yaml")[0]
    assert result.energy_lyapunov is False
    first, noisy = result.trials
    assert first.sequence is not None
    assert noisy.sequence is not None
    assert [name for _, name in first.sequence] == ["p0", "p1", "p2", "p3", "p0", "p1", "p2", "p3", "p0"]
    assert first.sequence[1] == (4.455, "p1")  # as the file's comments say
    assert noisy.sequence[1] == (0.465, "p0")  # the past (p3) overrides a cue of p2
