"""Sweep points are overrides to the parsed scenario: the same scenarios the YAML text round trip made."""

from __future__ import annotations

import copy
import dataclasses
import itertools
import pickle
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from neurosim import ScenarioError, load_scenario, parse_scenario
from neurosim.errors import NeurosimError
from neurosim.scenarios.spec import Scenario
from neurosim.scenarios.sweep import sweep_points

BUNDLED = Path(__file__).resolve().parents[2] / "scenarios"

SWEEP = """
name: small
seed: 1
patterns:
  random: {count: 3, size: 60}
trials:
  - cue: p0
    noise: {flip_fraction: 0.1}
    repeats: 2
sweep:
  grid:
    alpha: [0.05, 0.3]
    trials[0].noise.flip_fraction: [0.1, 0.4]
    dynamics.temperature: [0, 0.5]
    network.learning: [hebbian, {rule: perceptron, kappa: 1}]
  seeds: [3, 4]
"""

# ---- the text round trip sweep points were made by before, kept as the reference ----

_INDEX = re.compile(r"^(?P<key>[^\[\]]+)(?:\[(?P<index>\d+)\])?$")


def _assign(data: dict[str, Any], key: str, value: Any) -> None:
    if key == "alpha":
        source = data["patterns"]["random"]
        source["count"] = max(1, round(float(value) * int(source["size"])))
        return
    node: Any = data
    parts = key.split(".")
    for depth, part in enumerate(parts):
        match = _INDEX.match(part)
        assert match is not None
        name, index = match["key"], match["index"]
        last = depth == len(parts) - 1
        if index is None:
            if last:
                node[name] = value
                return
            node = node.setdefault(name, {})
            continue
        if last:
            node[name][int(index)] = value
            return
        node = node[name][int(index)]


def _round_trip(scenario: Scenario) -> list[Scenario]:
    assert scenario.sweep is not None
    data = yaml.safe_load(scenario.text)
    data.pop("sweep")
    out = []
    for values in itertools.product(*(axis.values for axis in scenario.sweep.axes)):
        point = copy.deepcopy(data)
        for axis, value in zip(scenario.sweep.axes, values, strict=True):
            _assign(point, axis.key, value)
        out.append(parse_scenario(yaml.safe_dump(point, sort_keys=False), scenario.path or "<sweep>"))
    return out


#: Not compared: the text a scenario was written as, and the line of `network.learning`, which a point
#: now takes from the file (the sweep axis that set it) where the round trip took it from its own text.
_SOURCE_ONLY = ("text", "learning_line")


def _fingerprint(value: Any) -> Any:
    """Every field of a scenario as plain data, except where it was written (`_SOURCE_ONLY`)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = [f.name for f in dataclasses.fields(value) if f.name not in _SOURCE_ONLY]
        return type(value).__name__, {name: _fingerprint(getattr(value, name)) for name in names}
    if isinstance(value, np.ndarray):
        return (str(value.dtype), value.shape, value.tolist())
    if isinstance(value, tuple | list):
        return [_fingerprint(v) for v in value]
    if isinstance(value, dict):
        return {k: _fingerprint(v) for k, v in value.items()}
    return value if isinstance(value, str | int | float | bool | type(None)) else repr(value)


@pytest.mark.parametrize("source", ["inline", "capacity", "rules"])
def test_points_are_the_scenarios_the_text_round_trip_made(source: str, tmp_path: Path) -> None:
    if source == "inline":
        scenario = parse_scenario(SWEEP, tmp_path / "s.yaml")
    else:
        scenario = load_scenario(BUNDLED / f"{source}.yaml")
    assert scenario.sweep is not None
    points = sweep_points(scenario)
    seeds = len(scenario.sweep.seeds)
    reference = _round_trip(scenario)
    assert len(points) == len(reference) * seeds
    for k, expected in enumerate(reference):
        for point in points[k * seeds : (k + 1) * seeds]:
            assert _fingerprint(point.scenario) == _fingerprint(expected)
            assert point.scenario.sweep is None


def test_a_point_carries_its_scenario_and_pickles(tmp_path: Path) -> None:
    points = sweep_points(parse_scenario(SWEEP, tmp_path / "s.yaml"))
    last = points[-1]
    assert last.params == {
        "alpha": 0.3, "trials[0].noise.flip_fraction": 0.4, "dynamics.temperature": 0.5,
        "network.learning": {"rule": "perceptron", "kappa": 1},
    }  # fmt: skip
    assert len(last.scenario.pattern_names) == 18  # alpha 0.3 of 60 neurons
    assert last.scenario.trials[0].noise.fraction == 0.4
    assert last.scenario.dynamics.temperature == 0.5  # the `dynamics` mapping is created
    assert (last.scenario.learning, last.scenario.learning_params) == ("perceptron", (("kappa", 1.0),))
    assert (
        last.scenario.learning_line
        == SWEEP.splitlines().index("    network.learning: [hebbian, {rule: perceptron, kappa: 1}]") + 1
    )
    again = pickle.loads(pickle.dumps(last))
    assert _fingerprint(again.scenario) == _fingerprint(last.scenario)


def test_the_scenario_document_is_left_as_it_was(tmp_path: Path) -> None:
    scenario = parse_scenario(SWEEP, tmp_path / "s.yaml")
    sweep_points(scenario)
    assert _fingerprint(parse_scenario(SWEEP, tmp_path / "s.yaml")) == _fingerprint(scenario)
    assert len(sweep_points(scenario)) == 32


@pytest.mark.parametrize(
    ("grid", "message"),
    [
        ("trials[3].noise.flip: [1]", r"trials\[3\] does not exist"),
        ("trials.noise: [1]", "trials is not a mapping"),
        ("trials[0].noise.flip_fraction.x: [1]", r"trials\[0\].noise.flip_fraction is not a mapping"),
        ("'dynamics.]x': [1]", r"cannot read the key path 'dynamics.\]x'"),
    ],
)
def test_a_key_path_that_cannot_be_followed_names_the_sweep_key(grid: str, message: str, tmp_path: Path) -> None:
    text = SWEEP.split("sweep:")[0] + f"sweep:\n  grid:\n    {grid}\n"
    with pytest.raises(ScenarioError, match=message) as info:
        sweep_points(parse_scenario(text, tmp_path / "s.yaml"))
    assert info.value.line == text.splitlines().index(f"    {grid}") + 1
    assert info.value.key == f"sweep.grid.{yaml.safe_load(grid).popitem()[0]}"


def test_a_value_the_loader_refuses_is_blamed_on_its_axis(tmp_path: Path) -> None:
    text = SWEEP.replace("dynamics.temperature: [0, 0.5]", "dynamics.temperature: [0, -1]")
    with pytest.raises(
        ScenarioError, match=r"dynamics.temperature = -1.*dynamics.temperature: must not be negative"
    ) as info:
        sweep_points(parse_scenario(text, tmp_path / "s.yaml"))
    line = text.splitlines().index("    dynamics.temperature: [0, -1]") + 1
    assert (info.value.line, info.value.key) == (line, "sweep.grid.dynamics.temperature")


def test_a_scenario_without_a_sweep_has_no_points(tmp_path: Path) -> None:
    with pytest.raises(NeurosimError, match="no sweep block"):
        sweep_points(parse_scenario(SWEEP.split("sweep:")[0], tmp_path / "s.yaml"))
