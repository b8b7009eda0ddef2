"""The `neurosim` command, run in-process."""

from __future__ import annotations

import io
import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from neurosim import cli, commands, rundir
from neurosim.events import Event, TrialFinished
from neurosim.logs import StructlogSink

WALL_CLOCK_FIELDS = {"started_at", "elapsed_s"}


def _main(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _events(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _without_wall_clock(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in e.items() if k not in WALL_CLOCK_FIELDS} for e in events]


def test_run_writes_events_and_summary_and_prints_a_table(scenarios_dir: Path, tmp_path: Path) -> None:
    code, out, err = _main("run", str(scenarios_dir / "letters.yaml"), "--out", str(tmp_path / "r"))
    assert code == 0
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["scenario"] == "letters"
    assert summary["neurons"] == 25
    assert summary["patterns"] == ["X", "T", "O"]
    assert len(summary["trials"]) == 10
    trial = summary["trials"][0]
    assert set(trial) >= {
        "cue", "repeat", "flipped", "status", "sweeps", "wakeups", "flips", "energy_initial",
        "energy_final", "recalled", "overlaps", "hamming", "final_state",
    }  # fmt: skip
    assert trial["flipped"] == 8
    assert "recall rate:" in out
    header = next(line for line in out.splitlines() if line.startswith("trial "))
    assert header.split()[-1] == "ending"
    assert "trial_finished" in err
    events = _events(tmp_path / "r" / "events.jsonl")
    kinds = [e["event"] for e in events]
    assert kinds[0] == "run_started"
    assert kinds[-1] == "run_finished"
    assert kinds.count("trial_started") == kinds.count("trial_finished") == 10
    flips = [e for e in events if e["event"] == "neuron_flipped"]
    assert sum(t["flips"] for t in summary["trials"]) == len(flips)
    assert set(flips[0]) == {"event", "trial", "t", "neuron", "state", "field", "energy", "run_id", "level"}


def test_the_run_directory_records_the_scenario_and_the_stored_patterns(scenarios_dir: Path, tmp_path: Path) -> None:
    _main("run", str(scenarios_dir / "letters.yaml"), "--out", str(tmp_path / "r"), "--quiet")
    assert (tmp_path / "r" / "scenario.yaml").read_text() == (scenarios_dir / "letters.yaml").read_text()
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["shape"] == [5, 5]
    assert summary["stored_patterns"]["T"][:5] == [1, 1, 1, 1, 1]
    assert summary["learning"] == "hebbian"
    assert summary["load"] == 3 / 25
    assert summary["capacities"]["0.138N"] == pytest.approx(3.45)
    kinds = {t["final_kind"] for t in summary["trials"]}
    assert "recalled" in kinds
    assert kinds <= {"recalled", "reversed", "mixture", "other"}
    for t in summary["trials"]:
        assert (t["final_kind"] == "recalled") == (t["recalled"] is not None)


def test_same_seed_gives_an_identical_event_log_and_summary(scenarios_dir: Path, tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert _main("run", str(scenarios_dir / "letters.yaml"), "--out", str(tmp_path / name), "--quiet")[0] == 0
    a, b = _events(tmp_path / "a" / "events.jsonl"), _events(tmp_path / "b" / "events.jsonl")
    assert _without_wall_clock(a) == _without_wall_clock(b)
    assert (tmp_path / "a" / "summary.json").read_text() == (tmp_path / "b" / "summary.json").read_text()


def test_another_seed_gives_another_run(scenarios_dir: Path, tmp_path: Path) -> None:
    _main("run", str(scenarios_dir / "letters.yaml"), "--out", str(tmp_path / "a"), "--quiet")
    _main("run", str(scenarios_dir / "letters.yaml"), "--out", str(tmp_path / "b"), "--quiet", "--seed", "4")
    a = json.loads((tmp_path / "a" / "summary.json").read_text())
    b = json.loads((tmp_path / "b" / "summary.json").read_text())
    assert b["seed"] == 4
    assert [t["final_state"] for t in a["trials"]] != [t["final_state"] for t in b["trials"]]


def test_debug_level_adds_every_quiet_wake_up_to_the_log(scenarios_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "r"
    _main("run", str(scenarios_dir / "six_bits.yaml"), "--out", str(out), "--quiet", "--log-level", "debug")
    events = _events(out / "events.jsonl")
    summary = json.loads((out / "summary.json").read_text())
    woke = [e for e in events if e["event"] == "neuron_woke"]
    assert len(woke) == sum(t["wakeups"] - t["flips"] for t in summary["trials"])
    assert {e["level"] for e in woke} == {"debug"}


def test_json_console_format_prints_json_lines(scenarios_dir: Path, tmp_path: Path) -> None:
    code, _, err = _main(
        "run", str(scenarios_dir / "six_bits.yaml"), "--out", str(tmp_path / "r"), "--log-format", "json"
    )
    assert code == 0
    lines = [json.loads(line) for line in err.splitlines()]
    assert lines[0]["event"] == "run_started"
    # six bits hold two patterns, more than the 0.138 N = 0.83 Hebbian learning is known to store
    assert {e["event"] for e in lines} == {
        "run_started", "capacity_exceeded", "trial_started", "trial_finished", "run_finished"
    }  # fmt: skip


def test_quiet_shows_no_events(scenarios_dir: Path, tmp_path: Path) -> None:
    code, out, err = _main("run", str(scenarios_dir / "six_bits.yaml"), "--out", str(tmp_path / "r"), "--quiet")
    assert code == 0
    assert err == ""
    assert "recall rate" in out


def test_an_output_directory_with_files_is_refused_without_force(scenarios_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "r"
    out.mkdir()
    (out / "keep.txt").write_text("earlier results")
    code, _, err = _main("run", str(scenarios_dir / "six_bits.yaml"), "--out", str(out))
    assert code == 2
    assert err.count("\n") == 1
    assert "already holds files" in err
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    code, _, _ = _main("run", str(scenarios_dir / "six_bits.yaml"), "--out", str(out), "--force", "--quiet")
    assert code == 0
    assert (out / "summary.json").is_file()


def test_the_default_output_directory_is_never_reused(
    scenarios_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for _ in range(2):
        assert _main("run", str(scenarios_dir / "six_bits.yaml"), "--quiet")[0] == 0
    runs = sorted((tmp_path / "runs").iterdir())
    assert len(runs) == 2
    assert all(p.name.startswith("six_bits-") for p in runs)


def test_bad_input_gives_one_line_exit_2_and_writes_nothing(tmp_path: Path) -> None:
    scenario = tmp_path / "bad.yaml"
    scenario.write_text("patterns:\n  glyphs:\n    A: |\n      #.\n      #\ntrials:\n  - cue: A\n")
    code, out, err = _main("run", str(scenario), "--out", str(tmp_path / "r"))
    assert code == 2
    assert out == ""
    assert err == f"neurosim: {scenario}:3: patterns.glyphs.A: row 2 has 1 columns, expected 2\n"
    assert not (tmp_path / "r").exists()


def test_a_missing_scenario_file_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = _main("run", str(tmp_path / "nope.yaml"))
    assert code == 2
    assert "scenario file not found" in err


def test_usage_errors_exit_2_with_one_line() -> None:
    for argv in (("run",), ("fly",), ("run", "x.yaml", "--engine", "warp"), ()):
        code, out, err = _main(*argv)
        assert code == 2
        assert out == ""
        assert len(err.splitlines()) == 1
        assert err.startswith("neurosim: ")


def test_validate_reports_each_file(scenarios_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("patterns: {vectors: {a: [1, -1]}}\ntrials: [{cue: b}]\n")
    code, out, err = _main("validate", str(scenarios_dir / "letters.yaml"), str(bad))
    assert code == 2
    assert "letters.yaml: ok (25 neurons, 3 patterns, 10 trials)" in out
    assert err == f"neurosim: {bad}:2: trials[0].cue: no pattern is named 'b' (patterns: a)\n"


def test_every_bundled_scenario_validates(scenarios_dir: Path) -> None:
    files = sorted(str(p) for p in scenarios_dir.glob("*.yaml"))
    code, out, _ = _main("validate", *files)
    assert code == 0
    assert out.count(": ok (") == len(files)


def test_ctrl_c_flushes_the_log_marks_the_summary_and_exits_130(
    scenarios_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class InterruptingSink(StructlogSink):
        finished = 0

        def emit(self, event: Event) -> None:
            super().emit(event)
            if isinstance(event, TrialFinished):
                InterruptingSink.finished += 1
                if InterruptingSink.finished == 2:
                    signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr(commands, "StructlogSink", InterruptingSink)
    code, out, err = _main("run", str(scenarios_dir / "letters.yaml"), "--out", str(tmp_path / "r"), "--quiet")
    assert code == 130
    assert "interrupted" in err
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["status"] == "interrupted"
    assert len(summary["trials"]) == 2
    events = _events(tmp_path / "r" / "events.jsonl")
    assert events[-1]["event"] == "run_finished"
    assert events[-1]["status"] == "interrupted"
    assert events[-1]["trials"] == 2
    assert "INTERRUPTED" in out


def test_plot_and_report_draw_from_a_run_directory_and_never_replace_files(scenarios_dir: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    run_dir = tmp_path / "r"
    assert _main("run", str(scenarios_dir / "six_bits.yaml"), "--out", str(run_dir), "--quiet")[0] == 0
    code, out, _ = _main("plot", str(run_dir), "--trial", "0")
    assert code == 0
    written = [Path(line) for line in out.splitlines()]
    assert any(p.name.startswith("trial-") and p.name.endswith("0-recall.png") for p in written)
    assert all(p.stat().st_size > 1000 for p in written)
    code, _, err = _main("plot", str(run_dir), "--trial", "0")
    assert code == 2
    assert "exists; add --force" in err
    assert _main("plot", str(run_dir), "--trial", "0", "--force")[0] == 0
    code, out, _ = _main("report", str(run_dir))
    assert code == 0
    html = (run_dir / "report.html").read_text()
    assert html.count("<img") >= 3
    assert _main("report", str(run_dir))[0] == 2


def test_plot_refuses_a_directory_that_is_not_a_run(tmp_path: Path) -> None:
    code, _, err = _main("plot", str(tmp_path))
    assert code == 2
    assert err.startswith("neurosim: ")
    assert err.count("\n") == 1


def test_the_summary_carries_the_format_and_each_trial_its_start_state(scenarios_dir: Path, tmp_path: Path) -> None:
    run_dir = tmp_path / "r"
    assert _main("run", str(scenarios_dir / "letters.yaml"), "--out", str(run_dir), "--quiet")[0] == 0
    summary = json.loads((run_dir / "summary.json").read_text())
    assert next(iter(summary)) == "format"
    assert summary["format"] == rundir.FORMAT == 1
    started = {e["trial"]: e for e in _events(run_dir / "events.jsonl") if e["event"] == "trial_started"}
    run = rundir.read_run(run_dir)
    for entry, record in zip(summary["trials"], run.trials, strict=True):
        assert list(entry)[-2:] == ["start_state", "final_state"]
        assert entry["start_state"] == started[entry["trial"]]["start_state"]
        assert record.state_after(0).tolist() == record.start_state.tolist() == entry["start_state"]
        assert sum(a != b for a, b in zip(entry["start_state"], entry["final_state"], strict=True)) <= entry["flips"]


@pytest.mark.parametrize("command", ["plot", "report"])
def test_a_run_directory_of_the_format_before_start_states_is_refused_in_one_line(
    command: str, scenarios_dir: Path, tmp_path: Path
) -> None:
    run_dir = tmp_path / "old"
    assert _main("run", str(scenarios_dir / "six_bits.yaml"), "--out", str(run_dir), "--quiet")[0] == 0
    summary = json.loads((run_dir / "summary.json").read_text())
    del summary["format"]  # as neurosim wrote it before format 1
    for trial in summary["trials"]:
        del trial["start_state"]
    (run_dir / "summary.json").write_text(json.dumps(summary))
    code, out, err = _main(command, str(run_dir), "--no-figures" if command == "report" else "--trial=0")
    assert code == 2
    assert out == ""
    assert err == (
        f"neurosim: {run_dir / 'summary.json'}: written by neurosim before run-directory format 1 "
        "(no start states); re-run the scenario\n"
    )
    summary["format"] = 99
    (run_dir / "summary.json").write_text(json.dumps(summary))
    code, _, err = _main(command, str(run_dir))
    assert code == 2
    assert err.endswith("run-directory format 99; this neurosim reads format 1\n")
    assert not (run_dir / "plots").exists()
    assert not (run_dir / "report.html").exists()


def test_an_output_path_that_cannot_be_created_is_one_line_and_exit_2(scenarios_dir: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    code, _, err = _main("run", str(scenarios_dir / "six_bits.yaml"), "--out", str(blocker / "x"))
    assert code == 2
    assert err.startswith("neurosim: ")
    assert err.count("\n") == 1


def test_a_rule_that_cannot_learn_the_patterns_writes_nothing(tmp_path: Path) -> None:
    scenario = tmp_path / "p.yaml"
    scenario.write_text(
        "patterns:\n  random: {count: 150, size: 100}\nnetwork:\n"
        "  learning: {rule: perceptron, kappa: 2, max_epochs: 5}\ntrials: [{cue: p0}]\n"
    )
    code, _, err = _main("run", str(scenario), "--out", str(tmp_path / "r"))
    assert code == 2
    assert f"{scenario}:4: network.learning:" in err
    assert not (tmp_path / "r").exists()


def test_force_clears_what_an_earlier_run_left_in_the_directory(scenarios_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "r"
    out.mkdir()
    (out / "sweep.csv").write_text("stale rows\n")
    (out / "plots").mkdir()
    (out / "plots" / "outcomes.png").write_bytes(b"old")
    (out / "plots" / "trial-3-board.gif").write_bytes(b"old")
    (out / "notes.txt").write_text("the user's own file")
    assert _main("run", str(scenarios_dir / "six_bits.yaml"), "--out", str(out), "--quiet", "--force")[0] == 0
    assert sorted(p.name for p in out.iterdir()) == ["events.jsonl", "notes.txt", "scenario.yaml", "summary.json"]


def test_time_scale_without_realtime_is_a_usage_error(scenarios_dir: Path, tmp_path: Path) -> None:
    code, _, err = _main("run", str(scenarios_dir / "six_bits.yaml"), "--time-scale", "2", "--out", str(tmp_path / "r"))
    assert code == 2
    assert "--time-scale applies to --realtime runs" in err


def test_validate_checks_every_point_of_a_sweep(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "patterns: {random: {count: 2, size: 30}}\ntrials:\n  - cue: p0\n    noise: {flip: 1}\n"
        "sweep:\n  grid:\n    trials[0].noise.flip: [1, 300]\n"
    )
    code, _, err = _main("validate", str(path))
    assert code == 2
    assert "trials[0].noise.flip = 300" in err
    path.write_text(path.read_text().replace("[1, 300]", "[1, 3]"))
    code, out, _ = _main("validate", str(path))
    assert code == 0
    assert "a sweep of 2 runs" in out


def test_resuming_a_sweep_with_another_scenario_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    text = (
        "patterns: {random: {count: 2, size: 30}}\ntrials:\n  - cue: p0\n    noise: {flip: 1}\n"
        "sweep:\n  grid:\n    trials[0].noise.flip: [1, 3]\n"
    )
    path.write_text(text)
    assert _main("run", str(path), "--out", str(tmp_path / "r"), "--quiet", "--workers", "1")[0] == 0
    path.write_text(text.replace("[1, 3]", "[5, 7]"))
    code, _, err = _main("run", str(path), "--out", str(tmp_path / "r"), "--resume", "--workers", "1")
    assert code == 2
    assert "another scenario text" in err


def test_the_command_loads_no_engine_before_it_can_answer_ctrl_c() -> None:
    code = "import sys, neurosim.cli; print(sorted({'numba', 'numpy', 'ray'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.strip() == "[]"


def test_ctrl_c_outside_a_run_exits_130_with_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(commands, "validate", interrupted)
    code, out, err = _main("validate", str(tmp_path / "s.yaml"))
    assert (code, out, err) == (130, "", "neurosim: interrupted\n")


def test_the_lazy_public_names_are_exactly_the_pinned_ones() -> None:
    import neurosim
    from neurosim import engines

    assert set(neurosim._HOMES) == set(neurosim.__all__)
    assert set(engines._HOMES) == set(engines.__all__)
    for name in engines.__all__:
        assert getattr(engines, name) is not None
