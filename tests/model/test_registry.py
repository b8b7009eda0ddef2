"""The learning-rule registry: every rule builds, its defaults are the only ones, the loader obeys it."""

from __future__ import annotations

import inspect
import math
from pathlib import Path

import numpy as np
import pytest

from neurosim import ScenarioError, build_network, parse_scenario
from neurosim.model import learning
from neurosim.model.dense import dense_capacity, dense_memory, modern_memory
from neurosim.model.patterns import PatternSet, random_patterns
from neurosim.model.registry import LEARNING_RULES, parameter_names, reference_table, rule_capacity

SMALL = "patterns:\n  random: {count: 2, size: 30}\nnetwork:\n  learning: hebbian\ntrials: [{cue: p0}]\n"


def _patterns() -> PatternSet:
    return PatternSet(("a", "b", "c"), random_patterns(3, 40, np.random.default_rng(3)))


@pytest.mark.parametrize("name", sorted(LEARNING_RULES))
def test_every_rule_builds_its_own_couplings(name: str) -> None:
    couplings = LEARNING_RULES[name].couplings(_patterns(), (), np.random.default_rng(0))
    assert couplings.rule == name
    assert couplings.size == 40


def _keyword_defaults(function: object) -> dict[str, object]:
    parameters = inspect.signature(function).parameters.values()  # type: ignore[arg-type]
    return {p.name: p.default for p in parameters if p.default is not inspect.Parameter.empty}


def test_the_registry_defaults_are_the_library_functions_defaults() -> None:
    perceptron = LEARNING_RULES["perceptron"].arguments()
    assert _keyword_defaults(learning.perceptron) == {
        "kappa": perceptron["kappa"],
        "max_epochs": perceptron["max_epochs"],
    }
    daydreaming = LEARNING_RULES["daydreaming"].arguments()
    assert _keyword_defaults(learning.daydreaming) == daydreaming
    dense = LEARNING_RULES["dense"].arguments()
    assert _keyword_defaults(dense_memory) == {"degree": dense["F"], "beta": dense["beta"]}
    assert _keyword_defaults(modern_memory) == LEARNING_RULES["modern"].arguments()


def test_a_scenario_without_parameters_learns_with_the_registry_defaults() -> None:
    text = "seed: 4\npatterns:\n  random: {count: 3, size: 40}\nnetwork:\n  learning: perceptron\ntrials: [{cue: p0}]\n"
    scenario = parse_scenario(text)
    network = build_network(scenario)
    again = parse_scenario(
        text.replace("learning: perceptron", "learning: {rule: perceptron, kappa: 0.5, max_epochs: 1000}")
    )
    np.testing.assert_array_equal(network.couplings.weights, build_network(again).couplings.weights)


@pytest.mark.parametrize("name", sorted(LEARNING_RULES))
def test_the_loader_accepts_every_parameter_a_rule_declares(name: str) -> None:
    rule = LEARNING_RULES[name]
    given = ", ".join(f"{p.name}: {p.shown(p.default)}" for p in rule.params)
    spec = f"{{rule: {name}{', ' if given else ''}{given}}}"
    text = f"patterns:\n  random: {{count: 2, size: 30}}\nnetwork:\n  learning: {spec}\ntrials: [{{cue: p0}}]\n"
    scenario = parse_scenario(text)
    assert scenario.learning == name
    assert rule.arguments(scenario.learning_params) == rule.arguments()


def test_the_loader_refuses_a_parameter_the_rule_does_not_take_naming_the_key() -> None:
    text = SMALL.replace("hebbian", "{rule: perceptron, beta: 2}")
    with pytest.raises(
        ScenarioError, match=r"the perceptron rule takes no 'beta' \(it takes: kappa, max_epochs\)"
    ) as info:
        parse_scenario(text)
    assert info.value.key == "network.learning.beta"


def test_the_loader_refuses_an_unknown_rule_listing_the_registry() -> None:
    text = SMALL.replace("hebbian", "hopfield")
    with pytest.raises(ScenarioError, match=", ".join(LEARNING_RULES)):
        parse_scenario(text)


def test_the_learning_keys_are_every_rules_parameters() -> None:
    assert parameter_names() == (
        "kappa",
        "max_epochs",
        "epochs",
        "rate",
        "max_sweeps",
        "threshold",
        "lambda",
        "delay",
        "F",
        "beta",
    )


def test_capacities_come_from_the_registry() -> None:
    assert rule_capacity("hebbian", 1000) == (pytest.approx(138.0), "0.138 N (Amit, Gutfreund & Sompolinsky 1985)")
    limit, source = rule_capacity("dense", 400, (("F", 4.0),))  # type: ignore[misc]
    assert limit == dense_capacity(400, 4)
    assert "n = 4" in source
    assert rule_capacity("dense", 400)[0] == dense_capacity(400, 3)  # type: ignore[index]
    assert rule_capacity("dense", 400, (("F", math.inf),)) is None
    assert rule_capacity("modern", 400) is None
    assert rule_capacity("maxcut", 400) is None


def test_only_the_actors_run_the_dense_memories_and_sequences() -> None:
    actors_only = {"dense", "modern", "sequence"}
    assert {name for name, rule in LEARNING_RULES.items() if "kernel" not in rule.engines} == actors_only
    assert {name for name, rule in LEARNING_RULES.items() if not rule.linear} == {"dense", "modern"}


def test_the_reference_table_lists_every_rule_and_parameter() -> None:
    table = reference_table()
    rows = table.splitlines()[2:]
    assert [row.split("|")[1].strip(" `") for row in rows] == list(LEARNING_RULES)
    for name, rule in LEARNING_RULES.items():
        row = rows[list(LEARNING_RULES).index(name)]
        for param in rule.params:
            assert f"`{param.name}` ({param.shown(param.default)})" in row
        assert ", ".join(rule.engines) in row


def test_the_scenario_reference_shows_the_registry_as_it_is() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "scenarios.md"
    assert reference_table() in docs.read_text(encoding="utf-8")
