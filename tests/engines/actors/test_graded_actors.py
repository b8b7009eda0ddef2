"""Graded neurons on the actors: `dynamics: {neuron: graded, gain: β}` (Hopfield 1984; Ramsauer et al. 2020)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from neurosim import ListSink, build_network, cli, parse_scenario, run_scenario
from neurosim.engines import engine_problem
from neurosim.engines.protocol import GRADED_REFUSAL
from neurosim.errors import ScenarioError
from neurosim.events import NeuronFlipped
from neurosim.model.couplings import Couplings
from neurosim.model.graded import graded_energy

GRADED = """
name: g
seed: 0
patterns:
  random: {{count: 5, size: 100}}
{network}
dynamics:
  schedule: permutation
  max_sweeps: {sweeps}
  {neuron}
trials:
  - cue: all
    noise: {{flip_fraction: 0.2}}
"""


def _text(neuron: str, network: str = "", sweeps: int = 100) -> str:
    return GRADED.format(neuron=neuron, network=network, sweeps=sweeps)


def test_graded_neurons_recall_and_their_energy_never_rises() -> None:
    scenario = parse_scenario(_text("neuron: graded\n  gain: 2.0"))
    sink = ListSink()
    result = run_scenario(scenario, sink)
    couplings = build_network(scenario).couplings
    assert isinstance(couplings, Couplings)
    for trial in result.trials:
        assert trial.status == "converged"
        assert trial.energy_rises == 0  # every update counted, not only the changes of sign
        assert trial.graded_state is not None
        values = np.array(trial.graded_state)
        assert trial.recalled == trial.cue
        assert np.abs(values).min() > 0.7  # graded, not saturated, at gain 2 (measured: 0.78 at the least)
        assert np.abs(values).max() < 1.0
        assert trial.energy_final == pytest.approx(graded_energy(couplings, values, 2.0))
        assert trial.energy_final < trial.energy_initial
        energies = [e.energy for e in sink.of(NeuronFlipped) if e.trial == trial.trial]
        assert energies == sorted(energies, reverse=True)
        assert trial.to_dict()["graded_state"] == list(trial.graded_state)


def test_a_large_gain_recovers_the_binary_network() -> None:
    binary = run_scenario(parse_scenario(_text("neuron: binary")))
    graded = run_scenario(parse_scenario(_text("neuron: graded\n  gain: 50")))
    for b, g in zip(binary.trials, graded.trials, strict=True):
        assert g.final_state == b.final_state
        assert g.graded_state is not None
        assert np.array_equal(np.array(g.graded_state), np.array(g.final_state, dtype=np.float64))


def test_the_continuous_modern_update_retrieves_in_one_sweep_with_error_falling_exponentially() -> None:
    # Measured (N = 100, P = 5, each pattern cued with 20 % noise, one sweep, seed 0): the worst neuron's
    # error |V − ξ| was 0.060 at β = 0.1, 0.0065 at 0.15, 7.1e-4 at 0.2 and 9.1e-6 at 0.3: ln(error)
    # falls about 44 per unit of β. Tolerance: a slope between 30 and 60.
    betas = (0.1, 0.2, 0.3)
    errors = []
    for beta in betas:
        network = f"network:\n  learning: {{rule: modern, beta: {beta}}}"
        result = run_scenario(parse_scenario(_text("neuron: graded", network, sweeps=1)))
        worst = 0.0
        for trial in result.trials:
            assert trial.recalled == trial.cue  # the signs: retrieved in one sweep
            assert trial.graded_state is not None
            worst = max(worst, float(np.abs(np.array(trial.graded_state) - np.array(trial.final_state)).max()))
        errors.append(worst)
    slope = np.polyfit(betas, np.log(errors), 1)[0]
    assert -60.0 < slope < -30.0


def test_graded_neurons_refuse_the_kernel_and_the_knobs_they_do_not_take() -> None:
    assert engine_problem("kernel", "hebbian", 100, graded=True) == GRADED_REFUSAL
    assert engine_problem("actors", "hebbian", 100, graded=True) is None
    with pytest.raises(ScenarioError, match="graded neurons update deterministically"):
        parse_scenario(_text("neuron: graded\n  temperature: 0.5"))
    with pytest.raises(ScenarioError, match="a gain applies to graded neurons"):
        parse_scenario(_text("gain: 2.0"))


def test_graded_neurons_refuse_couplings_they_cannot_run_in_one_line() -> None:
    for network in ("network:\n  learning: dense", "network:\n  learning: {rule: sequence}"):
        with pytest.raises(ScenarioError, match="graded neurons need a coupling matrix"):
            parse_scenario(_text("neuron: graded", network))


@pytest.mark.parametrize(
    ("flags", "said"),
    [
        (("--realtime",), "graded neurons run in simulated time only, not live (--realtime)"),
        (("--engine", "kernel"), "the kernel engine runs ±1 neurons; graded neurons run on the actors"),
    ],
)
def test_the_cli_refuses_graded_neurons_where_they_do_not_run_and_writes_nothing(
    tmp_path: Path, flags: tuple[str, ...], said: str
) -> None:
    scenario = tmp_path / "g.yaml"
    scenario.write_text(_text("neuron: graded"))
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["run", str(scenario), "--out", str(tmp_path / "r"), *flags], stdout=out, stderr=err)
    assert code == 2
    assert len(err.getvalue().splitlines()) == 1
    assert said in err.getvalue()
    assert not (tmp_path / "r").exists()
