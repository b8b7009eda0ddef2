"""Networks given by weights files, saved couplings and problems."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

from neurosim import ScenarioError, build_network, parse_scenario, prepare_trials, run_scenario
from neurosim.cli import main

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def test_a_weights_file_and_a_biases_file_define_the_network(tmp_path: Path) -> None:
    w = np.array([[0.0, 1.0, -0.5], [1.0, 0.0, 0.25], [-0.5, 0.25, 0.0]])
    np.save(tmp_path / "W.npy", w)
    np.save(tmp_path / "b.npy", np.array([0.1, 0.0, -0.2]))
    text = "network: {weights: W.npy, biases: b.npy}\ntrials:\n  - state: random\n    repeats: 3\n"
    scenario = parse_scenario(text, tmp_path / "s.yaml")
    network = build_network(scenario)
    np.testing.assert_array_equal(network.couplings.weights, w)
    np.testing.assert_array_equal(network.couplings.biases, [0.1, 0.0, -0.2])
    result = run_scenario(scenario)
    assert [t.status for t in result.trials] == ["converged"] * 3
    assert result.recall_rate is None
    assert all(t.final_kind is None and t.cue is None for t in result.trials)


def test_random_states_are_fresh_for_every_repeat(tmp_path: Path) -> None:
    np.save(tmp_path / "W.npy", np.zeros((40, 40)))
    scenario = parse_scenario(
        "network: {weights: W.npy}\ntrials:\n  - state: random\n    repeats: 5\n", tmp_path / "s.yaml"
    )
    starts = [t.start for t in prepare_trials(scenario, build_network(scenario))]
    assert len({s.tobytes() for s in starts}) == 5
    assert abs(float(np.mean(starts))) < 0.2


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        (np.zeros((3, 4)), "not a square matrix"),
        (np.zeros(3), "not a square matrix"),
        (np.full((2, 2), np.nan), "not finite"),
    ],
    ids=["rectangular", "vector", "nan"],
)
def test_a_weights_file_that_is_not_a_matrix_is_refused(tmp_path: Path, weights: np.ndarray, message: str) -> None:
    np.save(tmp_path / "W.npy", weights)
    with pytest.raises(ScenarioError, match=message) as info:
        parse_scenario("network:\n  weights: W.npy\ntrials:\n  - state: random\n", tmp_path / "s.yaml")
    assert (info.value.line, info.value.key) == (2, "network.weights")


def test_a_weights_file_for_another_size_is_refused(tmp_path: Path) -> None:
    np.save(tmp_path / "W.npy", np.zeros((5, 5)))
    text = "patterns: {vectors: {a: [1, -1, 1]}}\nnetwork: {weights: W.npy}\ntrials: [{cue: a}]\n"
    with pytest.raises(ScenarioError, match=r"W\.npy is for 5 neurons, the patterns have 3"):
        parse_scenario(text, tmp_path / "s.yaml")


def test_saved_weights_load_back_and_skip_learning(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    weights = tmp_path / "letters.npz"
    args = [
        "run",
        str(SCENARIOS / "letters.yaml"),
        "--out",
        str(tmp_path / "a"),
        "--quiet",
        "--save-weights",
        str(weights),
    ]
    assert main(args, stdout=out, stderr=err) == 0, err.getvalue()
    text = (SCENARIOS / "letters.yaml").read_text().replace("  learning: hebbian", f"  weights: {weights}")
    reloaded = parse_scenario(text, SCENARIOS / "letters.yaml")
    assert reloaded.saved is not None
    assert reloaded.saved.rule == "hebbian"
    assert reloaded.saved.patterns == ("X", "T", "O")
    first = json.loads((tmp_path / "a" / "summary.json").read_text())
    second = run_scenario(reloaded).to_dict()
    assert [t["final_state"] for t in second["trials"]] == [t["final_state"] for t in first["trials"]]
    assert [t["energy_final"] for t in second["trials"]] == [t["energy_final"] for t in first["trials"]]


def test_saved_weights_for_other_patterns_are_refused(tmp_path: Path) -> None:
    weights = tmp_path / "six.npz"
    assert main(["run", str(SCENARIOS / "six_bits.yaml"), "--out", str(tmp_path / "a"), "--quiet",
                 "--save-weights", str(weights)], stdout=io.StringIO(), stderr=io.StringIO()) == 0  # fmt: skip
    text = (
        "patterns: {vectors: {a: [1, 1, 1, -1, -1, -1], b: [1, -1, 1, -1, 1, -1]}}\n"
        f"network: {{weights: {weights}}}\ntrials: [{{cue: a}}]\n"
    )
    with pytest.raises(ScenarioError, match="was learned from patterns left, alternating"):
        parse_scenario(text, tmp_path / "s.yaml")


def test_a_file_that_is_not_a_saved_network_is_refused(tmp_path: Path) -> None:
    np.savez(tmp_path / "other.npz", a=np.zeros(3))
    with pytest.raises(ScenarioError, match="not a neurosim weights file"):
        parse_scenario("network: {weights: other.npz}\ntrials:\n  - state: random\n", tmp_path / "s.yaml")


def test_save_weights_never_overwrites_without_force(tmp_path: Path) -> None:
    target = tmp_path / "w.npz"
    target.write_bytes(b"keep")
    err = io.StringIO()
    code = main(["run", str(SCENARIOS / "six_bits.yaml"), "--out", str(tmp_path / "a"), "--save-weights", str(target)],
                stdout=io.StringIO(), stderr=err)  # fmt: skip
    assert code == 2
    assert "exists" in err.getvalue()
    assert target.read_bytes() == b"keep"
    assert not (tmp_path / "a").exists()


def test_the_maxcut_scenario_reports_the_maximum_cut_of_the_petersen_graph() -> None:
    result = run_scenario(parse_scenario((SCENARIOS / "maxcut.yaml").read_text(), SCENARIOS / "maxcut.yaml"))
    for trial in result.trials:
        assert trial.measure == {"problem": "maxcut", "cut": 12, "edges": 15}
        assert trial.energy_final == -9.0


def test_the_rooks_scenario_reports_valid_boards_at_the_lowest_energy() -> None:
    result = run_scenario(parse_scenario((SCENARIOS / "rooks.yaml").read_text(), SCENARIOS / "rooks.yaml"))
    for trial in result.trials:
        assert trial.measure is not None
        assert trial.measure["valid"] == (trial.energy_final == -176.0)
    assert any(t.measure is not None and t.measure["valid"] for t in result.trials)


@pytest.mark.parametrize(
    ("network", "message"),
    [
        ("{problem: {maxcut: {edges: [[0, 1], [1, 1]]}}}", "joins a node to itself"),
        ("{problem: {maxcut: {edges: [[0, 1]], nodes: 1}}}", "must be at least 2"),
        ("{problem: {maxcut: {edges: [[0, 5]], nodes: 3}}}", "names node 5, but the graph has 3 nodes"),
        ("{problem: {rooks: {n: 8}, maxcut: {edges: [[0, 1]]}}}", "exactly one problem"),
        ("{problem: {maxcut: {edges: missing.edges}}}", "file not found"),
        ("{learning: hebbian, problem: {rooks: {n: 3}}}", "give one of learning, weights or problem"),
    ],
    ids=["self-loop", "one-node", "node-out-of-range", "two-problems", "missing-file", "learning-and-problem"],
)
def test_a_bad_problem_is_refused_with_its_key(tmp_path: Path, network: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=message) as info:
        parse_scenario(f"network: {network}\ntrials:\n  - state: random\n", tmp_path / "s.yaml")
    assert info.value.line == 1
    assert info.value.key is not None
    assert info.value.key.startswith("network")


def test_an_edge_list_file_names_its_bad_line(tmp_path: Path) -> None:
    (tmp_path / "g.edges").write_text("# a graph\n0 1\n1 x\n")
    with pytest.raises(ScenarioError) as info:
        parse_scenario(
            "network: {problem: {maxcut: {edges: g.edges}}}\ntrials:\n  - state: random\n", tmp_path / "s.yaml"
        )
    assert (Path(info.value.file or "").name, info.value.line) == ("g.edges", 3)


def test_a_scenario_needs_patterns_weights_or_a_problem(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="missing key 'patterns'"):
        parse_scenario("trials:\n  - state: random\n", tmp_path / "s.yaml")
