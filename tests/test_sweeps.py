"""Parameter sweeps: expansion, tidy rows, workers, resume, interruption."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from neurosim import ScenarioError, parse_scenario, rundir, sweeps
from neurosim.cli import main

SWEEP = """
name: small
seed: 1
patterns:
  random: {count: 3, size: 60}
dynamics:
  schedule: permutation
trials:
  - cue: p0
    noise: {flip_fraction: 0.1}
    repeats: 2
sweep:
  grid:
    alpha: [0.05, 0.3]
    trials[0].noise.flip_fraction: [0.1, 0.4]
  seeds: [3, 4]
"""


def _scenario(tmp_path: Path, text: str = SWEEP) -> object:
    return parse_scenario(text, tmp_path / "s.yaml")


def test_a_sweep_expands_into_grid_points_times_seeds(tmp_path: Path) -> None:
    scenario = parse_scenario(SWEEP, tmp_path / "s.yaml")
    assert scenario.sweep is not None
    assert scenario.sweep.points == 8
    points = sweeps.sweep_points(scenario)
    assert [(p.params["alpha"], p.params["trials[0].noise.flip_fraction"], p.seed) for p in points[:4]] == [
        (0.05, 0.1, 3), (0.05, 0.1, 4), (0.05, 0.4, 3), (0.05, 0.4, 4)
    ]  # fmt: skip
    assert len(points[-1].scenario.pattern_names) == 18  # alpha 0.3 of 60 neurons
    assert points[-1].scenario.trials[0].noise.fraction == 0.4


def test_one_row_per_trial_with_its_parameters(tmp_path: Path) -> None:
    scenario = parse_scenario(SWEEP, tmp_path / "s.yaml")
    outcome = sweeps.run_sweep(scenario, tmp_path, workers=1)
    header, rows = rundir.read_sweep(tmp_path / "sweep.csv")
    assert len(rows) == 16 == len(outcome.rows)
    assert header[:3] == ["point", "alpha", "trials[0].noise.flip_fraction"]
    assert {r["alpha"] for r in rows} == {0.05, 0.3}
    assert all(r["cue"] == "p0" for r in rows)
    assert [int(r["point"]) for r in rows] == sorted(int(r["point"]) for r in rows)


def test_rows_read_back_have_the_types_they_were_written_with(tmp_path: Path) -> None:
    scenario = parse_scenario(SWEEP, tmp_path / "s.yaml")
    outcome = sweeps.run_sweep(scenario, tmp_path, workers=1)
    header, rows = rundir.read_sweep(tmp_path / "sweep.csv")
    assert header == rundir.sweep_columns(["alpha", "trials[0].noise.flip_fraction"])
    assert rows == outcome.rows  # bools as bools, numbers as numbers, empty cells as None
    row = rows[0]
    types = {k: type(row[k]) for k in ("success", "retrieved", "point", "flips", "sweeps", "cue", "period", "measure")}
    assert types == {"success": bool, "retrieved": bool, "point": int, "flips": int, "sweeps": float, "cue": str,
                     "period": type(None), "measure": type(None)}  # fmt: skip
    keys = ["alpha", "trials[0].noise.flip_fraction"]
    assert sweeps.aggregate(rows, keys) == sweeps.aggregate(outcome.rows, keys)


def test_a_cell_that_is_not_its_columns_type_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sweep.csv"
    path.write_text("point,alpha,seed,trial,success\n0,0.1,3,0,maybe\n")
    with pytest.raises(rundir.RunDirError, match="success: expected bool, found 'maybe'"):
        rundir.read_sweep(path)
    path.write_text("point,label,seed,trial,success\n0,007,3,0,True\n")
    assert rundir.read_sweep(path)[1][0]["label"] == "007"  # text that would not write back as a number


def test_workers_do_not_change_the_rows(tmp_path: Path) -> None:
    scenario = parse_scenario(SWEEP, tmp_path / "s.yaml")
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    sweeps.run_sweep(scenario, tmp_path / "one", workers=1)
    sweeps.run_sweep(scenario, tmp_path / "two", workers=2)
    assert (tmp_path / "one" / "sweep.csv").read_text() == (tmp_path / "two" / "sweep.csv").read_text()


def _interrupted_after_three(tmp_path: Path) -> tuple[Any, sweeps.SweepOutcome, str]:
    """A sweep of SWEEP stopped after three points (two trials each), its outcome, and the full run's sweep.csv."""
    scenario = parse_scenario(SWEEP, tmp_path / "s.yaml")
    seen: list[int] = []

    def stop_after_three(point: sweeps.Point, rows: list[dict[str, object]]) -> None:
        seen.append(point.index)
        if len(seen) == 3:
            raise KeyboardInterrupt

    outcome = sweeps.run_sweep(scenario, tmp_path, workers=1, on_point=stop_after_three)
    (tmp_path / "full").mkdir()
    sweeps.run_sweep(scenario, tmp_path / "full", workers=1)
    return scenario, outcome, (tmp_path / "full" / "sweep.csv").read_text()


def test_an_interrupted_sweep_keeps_its_rows_and_resume_skips_them(tmp_path: Path) -> None:
    scenario, outcome, full = _interrupted_after_three(tmp_path)
    assert outcome.interrupted
    assert len(rundir.read_sweep(tmp_path / "sweep.csv")[1]) == 6
    resumed: list[int] = []
    again = sweeps.run_sweep(scenario, tmp_path, workers=1, resume=True, on_point=lambda p, r: resumed.append(p.index))
    assert again.skipped == 3
    assert resumed == [3, 4, 5, 6, 7]
    assert (tmp_path / "sweep.csv").read_text() == full


def _damage_and_resume(tmp_path: Path, damage: Callable[[list[str]], str]) -> tuple[sweeps.SweepOutcome, str]:
    scenario, _, full = _interrupted_after_three(tmp_path)
    path = tmp_path / "sweep.csv"
    lines = path.read_text().splitlines(keepends=True)  # header, then points 0, 1, 2 with two rows each
    path.write_text(damage(lines))
    outcome = sweeps.run_sweep(scenario, tmp_path, workers=1, resume=True)
    assert path.read_text() == full  # the same rows as a sweep that was never interrupted
    return outcome, full


def test_resume_drops_a_row_cut_short_by_a_full_disk_and_runs_its_point_again(tmp_path: Path) -> None:
    outcome, _ = _damage_and_resume(tmp_path, lambda lines: "".join(lines)[:-25])  # the last row, cut mid-way
    assert outcome.dropped == (2,)
    assert outcome.skipped == 2
    assert len(outcome.rows) == 16


def test_resume_drops_every_row_of_a_point_with_a_malformed_row(tmp_path: Path) -> None:
    def garble(lines: list[str]) -> str:
        cells = lines[3].split(",")
        cells[-5] = "not-a-number"  # the `overlap` column
        return "".join([*lines[:3], ",".join(cells), *lines[4:]])

    outcome, _ = _damage_and_resume(tmp_path, garble)
    assert outcome.dropped == (1,)
    assert outcome.skipped == 2


def test_resume_runs_again_a_point_missing_one_of_its_trials(tmp_path: Path) -> None:
    outcome, _ = _damage_and_resume(tmp_path, lambda lines: "".join(lines[:1] + lines[2:]))  # point 0's trial 0
    assert outcome.dropped == (0,)
    assert outcome.skipped == 2


def test_the_cli_says_in_one_line_which_points_run_again_and_counts_every_trial_once(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(SWEEP)
    out, err = io.StringIO(), io.StringIO()
    # one worker: the pool writes the same rows (test_workers_do_not_change_the_rows) and is seconds slower to start
    full_args = ["run", str(path), "--out", str(tmp_path / "full"), "--quiet", "--workers", "1"]
    assert main(full_args, stdout=out, stderr=err) == 0
    full = json.loads((tmp_path / "full" / "summary.json").read_text())["table"]
    damaged = tmp_path / "r"
    damaged.mkdir()
    lines = (tmp_path / "full" / "sweep.csv").read_text().splitlines(keepends=True)
    (damaged / "sweep.csv").write_text("".join(lines[:8])[:-30])  # points 0-2 whole, point 3's last row cut
    (damaged / "scenario.yaml").write_text(SWEEP)
    err = io.StringIO()
    resume_args = ["run", str(path), "--out", str(damaged), "--resume", "--quiet", "--workers", "1"]
    code = main(resume_args, stdout=io.StringIO(), stderr=err)
    assert code == 0
    assert err.getvalue().splitlines() == [
        f"neurosim: {damaged / 'sweep.csv'}: the rows of point 3 were cut short or malformed; "
        "they are dropped and run again"
    ]
    assert (damaged / "sweep.csv").read_text() == (tmp_path / "full" / "sweep.csv").read_text()
    assert json.loads((damaged / "summary.json").read_text())["table"] == full


def test_an_existing_sweep_is_not_overwritten_without_resume(tmp_path: Path) -> None:
    scenario = parse_scenario(SWEEP, tmp_path / "s.yaml")
    (tmp_path / "sweep.csv").write_text("earlier rows\n")
    with pytest.raises(Exception, match="add --resume"):
        sweeps.run_sweep(scenario, tmp_path, workers=1)
    assert (tmp_path / "sweep.csv").read_text() == "earlier rows\n"


def test_a_grid_value_that_makes_a_bad_scenario_names_the_sweep_key(tmp_path: Path) -> None:
    text = SWEEP.replace("    trials[0].noise.flip_fraction: [0.1, 0.4]", "    dynamics.schedule: [poisson, sideways]")
    scenario = parse_scenario(text, tmp_path / "s.yaml")
    with pytest.raises(ScenarioError, match=r"dynamics.schedule = 'sideways'.*expected one of") as info:
        sweeps.sweep_points(scenario)
    assert (info.value.line, info.value.key) == (15, "sweep.grid.dynamics.schedule")


def test_alpha_needs_a_random_pattern_source(tmp_path: Path) -> None:
    text = "patterns: {vectors: {a: [1, -1]}}\ntrials: [{cue: a}]\nsweep:\n  grid:\n    alpha: [0.1]\n"
    with pytest.raises(ScenarioError, match="`alpha` needs") as info:
        sweeps.sweep_points(parse_scenario(text, tmp_path / "s.yaml"))
    assert (info.value.line, info.value.key) == (5, "sweep.grid.alpha")


def test_the_cli_runs_a_sweep_and_summarises_it(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(SWEEP)
    out, err = io.StringIO(), io.StringIO()
    code = main(["run", str(path), "--out", str(tmp_path / "r"), "--quiet", "--workers", "1"], stdout=out, stderr=err)
    assert code == 0, err.getvalue()
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["points"] == summary["points_completed"] == 8
    assert [(e["alpha"], e["trials"]) for e in summary["table"]][:1] == [(0.05, 4)]
    events = [json.loads(line)["event"] for line in (tmp_path / "r" / "events.jsonl").read_text().splitlines()]
    assert events == ["sweep_started"] + ["sweep_point"] * 8 + ["sweep_finished"]
    assert "retrieval" in out.getvalue()


def test_resume_needs_an_earlier_sweep(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(SWEEP)
    err = io.StringIO()
    assert main(["run", str(path), "--resume", "--out", str(tmp_path / "none")], stderr=err) == 2
    assert "--resume needs --out DIR of an earlier sweep" in err.getvalue()


def test_a_finished_sweep_is_also_written_as_parquet_when_pyarrow_is_installed(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    scenario = parse_scenario(SWEEP, tmp_path / "s.yaml")
    sweeps.run_sweep(scenario, tmp_path, workers=1)
    table = pq.read_table(tmp_path / "sweep.parquet")
    rows = rundir.read_sweep(tmp_path / "sweep.csv")[1]
    assert table.num_rows == len(rows) == 16
    assert table.column("alpha").to_pylist()[0] == 0.05
    assert table.column_names == list(rows[0])
