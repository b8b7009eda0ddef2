"""`network.connectivity`: read, refused in one line when impossible, saved and loaded with its graph."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

from neurosim import build_network, run_scenario
from neurosim.cli import main
from neurosim.errors import ScenarioError
from neurosim.model import learning
from neurosim.model.couplings import LowRankCouplings
from neurosim.model.graph import Connectivity
from neurosim.model.sparse import SparseCouplings
from neurosim.scenarios.loader import parse_scenario

BASE = """\
seed: 2
patterns:
  random: {{count: 3, size: 200}}
network:
{network}
trials:
  - cue: all
    noise: {{flip_fraction: 0.1}}
"""


def _scenario(network: str, path: Path | str = "<scenario>"):  # type: ignore[no-untyped-def]
    return parse_scenario(BASE.format(network=network), path)


@pytest.mark.parametrize(
    ("network", "expected"),
    [
        ("  connectivity: {in_degree: 10}", Connectivity("in_degree", 10, True)),
        ("  connectivity: {in_degree: 9, symmetric: false}", Connectivity("in_degree", 9, False)),
        ("  connectivity: {probability: 0.05}", Connectivity("probability", 0.05, True)),
        (
            "  learning: hebbian\n  connectivity: {probability: 1, symmetric: false}",
            Connectivity("probability", 1, False),
        ),
    ],
)
def test_connectivity_is_read(network: str, expected: Connectivity) -> None:
    assert _scenario(network).connectivity == expected


@pytest.mark.parametrize(
    ("network", "line", "message"),
    [
        ("  connectivity: {in_degree: 9}", 5, "a symmetric in_degree must be even (synapses come in pairs i↔j), got 9"),
        ("  connectivity: {in_degree: 200, symmetric: false}", 5, "in_degree 200 exceeds the 199 other neurons"),
        ("  connectivity: {in_degree: 0}", 5, "must be at least 1, got 0"),
        ("  connectivity: {probability: 0}", 5, "probability must be in (0, 1], got 0"),
        ("  connectivity: {in_degree: 4, probability: 0.1}", 5, "give one of in_degree"),
        ("  connectivity: {}", 5, "give one of in_degree"),
        ("  connectivity: {in_degree: 4, symmetric: maybe}", 5, "expected true or false, got 'maybe'"),
        ("  connectivity: {in_degree: 4, loops: 1}", 5, "loops"),
        (
            "  learning: storkey\n  connectivity: {in_degree: 4}",
            6,
            "the storkey rule has no diluted form (rules that do: hebbian)",
        ),
    ],
)
def test_impossible_connectivity_is_one_line_naming_file_line_and_key(network: str, line: int, message: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        _scenario(network, "net.yaml")
    text = str(caught.value)
    assert "\n" not in text
    assert message in text
    assert text.startswith(f"net.yaml:{line}:")


def test_a_problem_or_weights_take_no_connectivity(tmp_path: Path) -> None:
    np.save(tmp_path / "W.npy", np.zeros((4, 4)))
    text = "network:\n  weights: W.npy\n  connectivity: {in_degree: 2}\ntrials:\n  - state: random\n"
    with pytest.raises(ScenarioError, match="connectivity dilutes a learned network"):
        parse_scenario(text, tmp_path / "s.yaml")


def test_the_cli_refuses_a_bad_connectivity_with_exit_2(tmp_path: Path) -> None:
    scenario = tmp_path / "bad.yaml"
    scenario.write_text(BASE.format(network="  connectivity: {in_degree: 7}"))
    err = io.StringIO()
    assert main(["run", str(scenario), "--out", str(tmp_path / "out")], stdout=io.StringIO(), stderr=err) == 2
    assert err.getvalue().count("\n") == 1
    assert "bad.yaml:5: network.connectivity.in_degree" in err.getvalue()
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("symmetric", ["true", "false"])
def test_saved_diluted_weights_keep_the_graph_and_run_the_same(tmp_path: Path, symmetric: str) -> None:
    scenario = tmp_path / "dil.yaml"
    scenario.write_text(BASE.format(network=f"  connectivity: {{in_degree: 20, symmetric: {symmetric}}}"))
    weights = tmp_path / "w.npz"
    args = ["run", str(scenario), "--out", str(tmp_path / "a"), "--quiet", "--save-weights", str(weights)]
    assert main(args, stdout=io.StringIO(), stderr=io.StringIO()) == 0
    built = build_network(parse_scenario(scenario.read_text(), scenario)).couplings
    reloaded = parse_scenario(BASE.format(network=f"  weights: {weights}"), tmp_path / "again.yaml")
    assert reloaded.saved is not None
    assert reloaded.saved.sparse is not None
    couplings = build_network(reloaded).couplings
    assert isinstance(built, SparseCouplings)
    assert isinstance(couplings, SparseCouplings)
    for name in ("indptr", "indices", "values"):
        assert np.array_equal(getattr(built, name), getattr(couplings, name))
    assert couplings.divisor == 20.0
    assert couplings.connectivity == Connectivity("in_degree", 20, symmetric == "true")
    first = json.loads((tmp_path / "a" / "summary.json").read_text())
    second = run_scenario(reloaded).to_dict()
    assert [t["final_state"] for t in second["trials"]] == [t["final_state"] for t in first["trials"]]
    assert second["connectivity"] == first["connectivity"]
    assert first["connectivity"]["synapses"] == 200 * 20
    assert first["energy_lyapunov"] is (symmetric == "true")


def test_a_damaged_diluted_weights_file_is_refused_in_one_line(tmp_path: Path) -> None:
    scenario = tmp_path / "dil.yaml"
    scenario.write_text(BASE.format(network="  connectivity: {in_degree: 6}"))
    weights = tmp_path / "w.npz"
    args = ["run", str(scenario), "--out", str(tmp_path / "a"), "--quiet", "--save-weights", str(weights)]
    assert main(args, stdout=io.StringIO(), stderr=io.StringIO()) == 0
    data = dict(np.load(weights))
    data["indices"] = data["indices"].copy()
    data["indices"][0] = 0  # neuron 0's synapse from itself
    np.savez(tmp_path / "bad.npz", **data)
    with pytest.raises(ScenarioError, match="a neuron's synapse from itself"):
        parse_scenario(BASE.format(network="  weights: bad.npz"), tmp_path / "s.yaml")


def test_the_kernel_runs_low_rank_couplings_exactly_as_the_actors(monkeypatch: pytest.MonkeyPatch) -> None:
    # above the dense limit Hebbian couplings are kept as the patterns; lower the limit to test it small
    monkeypatch.setattr(learning, "DENSE_LIMIT", 100)
    text = "seed: 5\npatterns:\n  random: {count: 6, size: 300}\ndynamics: {schedule: poisson, delay: 0.05}\n"
    text += "trials:\n  - cue: all\n    noise: {flip_fraction: 0.2}\n"
    scenario = parse_scenario(text)
    assert isinstance(build_network(scenario).couplings, LowRankCouplings)
    actors = run_scenario(scenario, engine="actors").to_dict()
    kernel = run_scenario(scenario, engine="kernel").to_dict()
    assert [t | {"elapsed_s": 0} for t in actors["trials"]] == [t | {"elapsed_s": 0} for t in kernel["trials"]]
    assert any(t["flips"] for t in actors["trials"])
