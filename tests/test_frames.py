"""Runs as tables: read_run's trials, flips and sweep rows, and a RunResult's trials, with their types."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import numpy as np
import pytest

import neurosim
from neurosim import cli, frames, rundir
from neurosim.analysis.data import Run

pd = pytest.importorskip("pandas")

SWEEP = """
name: small
seed: 1
patterns:
  random: {count: 3, size: 40}
dynamics:
  schedule: permutation
trials:
  - cue: p0
    noise: {flip_fraction: 0.1}
sweep:
  grid:
    trials[0].noise.flip_fraction: [0.1, 0.45]
  seeds: [3, 4]
"""


@pytest.fixture(scope="module")
def letters(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return neurosim.record_run("letters", tmp_path_factory.mktemp("runs") / "letters")


def test_trials_hold_every_summary_field_with_its_type(letters: Run) -> None:
    trials = letters.trials
    summary = json.loads((letters.path / rundir.SUMMARY_FILE).read_text())
    assert len(trials) == len(summary["trials"]) == 10
    assert list(trials["trial"]) == list(range(10))
    assert trials["trial"].dtype == "int64"
    assert trials["energy_monotone"].dtype == "bool"
    assert trials["energy_final"].dtype == "float64"
    assert str(trials["cue"].dtype) in ("string", "str")
    assert trials["period"].dtype == "Int64"  # missing for converged trials: nullable, not NaN floats
    assert trials["period"].isna().all()
    assert trials["recalled"].isna().sum() == sum(t["recalled"] is None for t in summary["trials"])
    assert trials["overlaps.X"].dtype == "float64"
    np.testing.assert_array_equal(trials["final_state"][3], summary["trials"][3]["final_state"])
    assert trials["final_state"][3].dtype == np.int8


def test_flips_are_the_flip_events_in_order(letters: Run) -> None:
    flips = letters.flips
    events = [json.loads(line) for line in (letters.path / rundir.EVENTS_FILE).read_text().splitlines()]
    flipped = [e for e in events if e["event"] == "neuron_flipped"]
    assert len(flips) == len(flipped) > 0
    assert list(flips.columns) == list(frames.FLIP_COLUMNS)
    assert [(r.trial, r.neuron, r.state) for r in flips.itertuples()] == [
        (e["trial"], e["neuron"], e["state"]) for e in flipped
    ]
    assert flips["energy"].tolist() == [e["energy"] for e in flipped]
    # the energy descent of a trial ends on its final energy
    last = flips[flips.trial == 0].energy.iloc[-1]
    assert last == pytest.approx(letters.trials.set_index("trial").loc[0, "energy_final"])


def test_a_run_results_table_is_the_directorys(letters: Run) -> None:
    result = neurosim.run_scenario(neurosim.load_scenario(letters.path / rundir.SCENARIO_FILE))
    pd.testing.assert_frame_equal(result.trials_frame(), letters.trials)


def test_a_sweep_directory_reads_into_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(SWEEP)
    assert (
        cli.main(["run", str(path), "--out", str(tmp_path / "r"), "--quiet", "--workers", "1"], stdout=io.StringIO())
        == 0
    )
    run = neurosim.read_run(tmp_path / "r")
    table = run.sweep
    assert table is not None
    assert len(table) == 4
    assert table["trials[0].noise.flip_fraction"].tolist() == [0.1, 0.1, 0.45, 0.45]
    assert table["success"].dtype == "bool"
    assert table["point"].dtype == "int64"
    # the recall rate against the swept parameter
    rates = table.groupby("trials[0].noise.flip_fraction")["success"].mean()
    assert list(rates.index) == [0.1, 0.45]
    assert run.trials.empty


def test_a_single_run_has_no_sweep(letters: Run) -> None:
    assert letters.sweep is None
    assert "letters" in repr(letters)


def test_without_pandas_one_error_names_the_extra(monkeypatch: pytest.MonkeyPatch, letters: Run) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(frames.DataUnavailable, match=r"pip install 'neurosim\[data\]'"):
        letters.trials  # noqa: B018


def test_the_run_renders_its_recall_figure_inline(letters: Run) -> None:
    pytest.importorskip("matplotlib")
    png = letters._repr_png_()
    assert png is not None
    assert png.startswith(b"\x89PNG")
    fig = letters.figure(2)
    assert "trial" in fig.axes[-1].get_title() or fig.axes


def test_record_run_refuses_bad_input_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(neurosim.NeurosimError, match="no such scenario file or bundled scenario"):
        neurosim.record_run("letterz", tmp_path / "r")
