"""The JSON Schema of scenarios: generated from the loader's key table, current, and as strict as a schema can be."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import yaml

from neurosim import ScenarioError, cli, parse_scenario
from neurosim.scenarios import bundled, keys, networks

jsonschema = pytest.importorskip("jsonschema")

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = sorted((ROOT / "scenarios").glob("*.yaml"))
VALIDATOR = jsonschema.Draft202012Validator(keys.json_schema())

GOOD = """
patterns:
  random: {count: 3, size: 20}
trials:
  - cue: p0
    noise: {flip: 2}
"""


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(keys.json_schema())


def test_neurosim_schema_prints_the_schema_the_bundled_scenarios_name() -> None:
    out = io.StringIO()
    assert cli.main(["schema"], stdout=out) == 0
    assert out.getvalue() == keys.schema_text()
    assert (ROOT / "scenarios" / keys.SCHEMA_FILE).read_text(encoding="utf-8") == out.getvalue(), (
        "regenerate it: python -m neurosim schema > scenarios/scenario.schema.json"
    )
    assert json.loads(out.getvalue())["properties"]["dynamics"] == {
        "$ref": "#/$defs/dynamics",
        "description": "how the neurons update",
    }


@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_every_bundled_scenario_names_the_schema_and_is_valid_under_it(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == keys.MODELINE
    assert keys.SCHEMA_FILE in [p.name for p in bundled.side_files(path.stem)]
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(yaml.safe_load(text))]
    assert errors == []


def test_defaults_and_descriptions_come_from_the_model() -> None:
    dynamics = keys.json_schema()["$defs"]["dynamics"]["properties"]
    assert dynamics["max_sweeps"]["default"] == 100
    assert dynamics["max_sweeps"]["maximum"] == 2**40
    assert dynamics["schedule"]["default"] == "poisson"
    assert "description" in dynamics["temperature"]


REJECTED = {
    "unknown top key": GOOD + "colour: red\n",
    "unknown dynamics key": GOOD + "dynamics: {tempreature: 1}\n",
    "schedule not a choice": GOOD + "dynamics: {schedule: sometimes}\n",
    "max_sweeps zero": GOOD + "dynamics: {max_sweeps: 0}\n",
    "max_sweeps too large": GOOD + f"dynamics: {{max_sweeps: {2**40 + 1}}}\n",
    "negative temperature": GOOD + "dynamics: {temperature: -1}\n",
    "max_time zero": GOOD + "dynamics: {max_time: 0}\n",
    "rates without sigma": GOOD + "dynamics: {rates: {distribution: lognormal}}\n",
    "no trials": "patterns:\n  random: {count: 3, size: 20}\n",
    "empty trials": "patterns:\n  random: {count: 3, size: 20}\ntrials: []\n",
    "negative seed": GOOD + "seed: -1\n",
    "seed not a number": GOOD + "seed: three\n",
    "random without size": "patterns:\n  random: {count: 3}\ntrials: [{cue: p0}]\n",
    "random count zero": "patterns:\n  random: {count: 0, size: 20}\ntrials: [{cue: p0}]\n",
    "empty patterns": "patterns: {}\ntrials: [{cue: p0}]\n",
    "two noises": GOOD.replace("{flip: 2}", "{flip: 2, mask: 0.1}"),
    "no noise kind": GOOD.replace("{flip: 2}", "{fill: 1}"),
    "flip fraction above one": GOOD.replace("{flip: 2}", "{flip_fraction: 1.5}"),
    "fill not a choice": GOOD.replace("{flip: 2}", "{mask: 0.2, fill: 0}"),
    "repeats zero": GOOD + "    repeats: 0\n",
    "state and states_file": GOOD + "  - state: random\n    states_file: x.dat\n",
    "vector entry 2": "patterns:\n  vectors: {a: [1, 2]}\ntrials: [{cue: a}]\n",
    "unknown rule": GOOD + "network: {learning: hopfield}\n",
    "parameter of another rule": GOOD + "network: {learning: {rule: hebbian, kappa: 1}}\n",
    "perceptron epochs zero": GOOD + "network: {learning: {rule: perceptron, max_epochs: 0}}\n",
    "learning and weights": GOOD + "network: {learning: hebbian, weights: w.npy}\n",
    "two problems": "network: {problem: {rooks: {n: 4}, maxcut: {edges: [[0, 1]]}}}\ntrials: [{state: random}]\n",
    "rooks board of one": "network: {problem: {rooks: {n: 1}}}\ntrials: [{state: random}]\n",
    "sweep without grid": GOOD + "sweep: {seeds: 3}\n",
    "sweep with repeated seeds": GOOD + "sweep: {grid: {seed_free: [1]}, seeds: [1, 1]}\n",
    "sweep of no values": GOOD + "sweep: {grid: {dynamics.temperature: []}}\n",
}


@pytest.mark.parametrize("text", list(REJECTED.values()), ids=list(REJECTED))
def test_the_schema_rejects_what_the_loader_rejects(text: str, tmp_path: Path) -> None:
    with pytest.raises(ScenarioError):
        parse_scenario(text, tmp_path / "s.yaml")
    assert not VALIDATOR.is_valid(yaml.safe_load(text))


def test_a_valid_scenario_is_valid_under_the_schema(tmp_path: Path) -> None:
    parse_scenario(GOOD, tmp_path / "s.yaml")
    assert VALIDATOR.is_valid(yaml.safe_load(GOOD))


def test_every_problem_the_loader_reads_has_its_line_in_the_key_table() -> None:
    assert set(keys.of("network.problem")[0]) == set(networks._PROBLEMS), (
        "add the problem to `network.problem` in neurosim/scenarios/keys.py"
    )


def test_the_scenario_reference_lists_every_key_as_the_table_declares_it() -> None:
    docs = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    assert keys.reference_table() in docs
    for path, block in keys.BLOCKS.items():
        for key in block.keys:
            assert f"`{path + '.' if path else ''}{key.name}`" in docs


def test_every_block_the_loader_reads_asks_the_key_table() -> None:
    # a mapping read with its keys written in place would be a second definition, unknown to the schema
    package = ROOT / "neurosim" / "scenarios"
    inline = [
        f"{path.name}:{number}"
        for path in sorted(package.glob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ".mapping(" in line and "keys.of(" not in line and "def mapping" not in line
    ]
    assert inline == [], "declare the block's keys in neurosim/scenarios/keys.py and read them with keys.of(...)"
