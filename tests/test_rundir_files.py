"""Run files survive failures: atomic whole files, whole-line logs, one line naming the path, a safe --force."""

from __future__ import annotations

import errno
import io
import os
import subprocess
import sys
from pathlib import Path
from typing import IO, Any

import numpy as np
import pytest

from neurosim import api, cli, commands, rundir
from neurosim.errors import OutputError
from neurosim.rundir import files
from neurosim.scenarios.loader import load_scenario

ROOT = Path(__file__).resolve().parent.parent
NO_SPACE = os.strerror(errno.ENOSPC)
REFUSED = "which neurosim does not write; --force leaves it alone: move it away"


def _main(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.rglob("*.tmp"))


class FullDisk(io.FileIO):
    """A file on a disk with `room` bytes left: a write past it stores what fits, then fails with ENOSPC."""

    def __init__(self, path: Path, mode: str, room: int) -> None:
        super().__init__(path, mode)
        self.room = room

    def write(self, data: Any) -> int:
        fits = min(len(data), self.room)
        if fits == 0:
            raise OSError(errno.ENOSPC, NO_SPACE)
        self.room -= fits
        return super().write(bytes(data)[:fits])


def _fill_disk_after(monkeypatch: pytest.MonkeyPatch, room: int) -> None:
    """Every line file (events.jsonl, sweep.csv) opened from now on sits on a disk with `room` bytes left."""

    def opened(cls: type[files.LineFile], path: Path, mode: str) -> files.LineFile:
        return cls(path, FullDisk(path, mode, room), 0)

    monkeypatch.setattr(files.LineFile, "open", classmethod(opened))


# --- whole files, written atomically -------------------------------------------------------------------------------


def test_a_failing_write_keeps_the_earlier_file_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "summary.json"
    target.write_text("the earlier summary\n")

    def half_then_full(f: IO[bytes]) -> None:
        f.write(b'{"format": 1, "tri')
        raise OSError(errno.ENOSPC, NO_SPACE)

    with pytest.raises(OutputError) as caught:
        files.write_atomically(target, half_then_full)
    assert str(caught.value) == f"{target}: {NO_SPACE}"
    assert target.read_text() == "the earlier summary\n"
    assert _leftovers(tmp_path) == []


def test_an_interrupted_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    def interrupted(f: IO[bytes]) -> None:
        f.write(b"part")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        files.write_atomically(tmp_path / "sweep.csv", interrupted)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_failed_summary_rewrite_keeps_the_previous_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rundir.write_summary(tmp_path, {"status": "completed"})
    before = (tmp_path / rundir.SUMMARY_FILE).read_text()

    def no_rename(src: Any, dst: Any) -> None:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(files.os, "replace", no_rename)
    with pytest.raises(OutputError, match=rf"^{tmp_path / rundir.SUMMARY_FILE}: "):
        rundir.write_summary(tmp_path, {"status": "interrupted"})
    assert (tmp_path / rundir.SUMMARY_FILE).read_text() == before
    assert _leftovers(tmp_path) == []


def test_a_sweep_table_rewrite_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    columns = rundir.sweep_columns(["alpha"])
    (tmp_path / rundir.SWEEP_FILE).write_text("the rows so far\n")
    monkeypatch.setattr(files.os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(errno.EIO, "I/O error")))
    with pytest.raises(OutputError, match=rf"^{tmp_path / rundir.SWEEP_FILE}: I/O error$"):
        rundir.rewrite_sorted(tmp_path, columns, [{"point": 0, "trial": 0, "alpha": 0.1}])
    assert (tmp_path / rundir.SWEEP_FILE).read_text() == "the rows so far\n"
    assert _leftovers(tmp_path) == []


def test_saved_weights_are_written_atomically(
    scenarios_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = load_scenario(scenarios_dir / "six_bits.yaml")
    network = api.build_network(scenario)
    target = tmp_path / "w.npz"
    api.save_weights(target, scenario, network)
    saved = target.read_bytes()

    def savez_on_a_full_disk(f: IO[bytes], **arrays: Any) -> None:
        f.write(b"PK\x03\x04 half an archive")
        raise OSError(errno.ENOSPC, NO_SPACE)

    monkeypatch.setattr(np, "savez", savez_on_a_full_disk)
    with pytest.raises(OutputError, match=rf"^{target}: {NO_SPACE}$"):
        api.save_weights(target, scenario, network)
    assert target.read_bytes() == saved
    assert _leftovers(tmp_path) == []


# --- line files: events.jsonl ends on a whole line ---------------------------------------------------------------


@pytest.mark.parametrize("room", [0, 1, 17, 30, 31, 100])
def test_a_line_file_on_a_full_disk_ends_on_a_whole_line(tmp_path: Path, room: int) -> None:
    path = tmp_path / "events.jsonl"
    lines = [f'{{"event":"flip","k":{k}}}\n' for k in range(10)]  # 18 or 19 bytes each
    log = files.LineFile(path, FullDisk(path, "w", room))
    for line in lines:
        log.write(line)  # held in memory: nothing is written yet
    with pytest.raises(OutputError) as caught:
        log.flush()
    assert str(caught.value) == f"{path}: {NO_SPACE}"
    with pytest.raises(OutputError):  # every later write fails the same way, never half a line
        log.write(lines[0])
    log.close()
    text = path.read_text()
    assert text == "".join(lines)[: len(text)]
    assert text == "" or text.endswith("\n")
    assert len(text) <= room


def test_a_line_file_keeps_a_line_until_its_end_arrives(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    with files.LineFile.open(path, "w") as log:
        log.write('{"event":')
        log.flush()
        assert path.read_text() == ""
        log.write('"x"}\n{"event":')
        log.flush()
        assert path.read_text() == '{"event":"x"}\n'
        log.write('"y"}\n')
    assert path.read_text() == '{"event":"x"}\n{"event":"y"}\n'
    with files.LineFile.open(path, "a") as log:
        log.write('{"event":"z"}\n')
    assert path.read_text().splitlines()[-1] == '{"event":"z"}'


@pytest.mark.parametrize("engine", ["actors", "kernel"])
def test_a_full_disk_during_a_run_is_one_line_naming_the_event_file(
    scenarios_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: str
) -> None:
    out = tmp_path / "r"
    _fill_disk_after(monkeypatch, 2000)
    code, _, err = _main("run", str(scenarios_dir / "letters.yaml"), "--out", str(out), "--quiet", "--engine", engine)
    assert (code, err) == (2, f"neurosim: {out / rundir.EVENTS_FILE}: {NO_SPACE}\n")
    text = (out / rundir.EVENTS_FILE).read_text()
    assert text.endswith("\n")
    assert 0 < len(text) <= 2000
    assert _leftovers(tmp_path) == []


SWEEP = """
name: small
seed: 1
patterns:
  random: {count: 3, size: 60}
trials:
  - cue: p0
    repeats: 2
sweep:
  grid:
    alpha: [0.05, 0.3]
"""


def test_a_full_disk_during_a_sweep_is_one_line_naming_its_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario, out = tmp_path / "s.yaml", tmp_path / "r"
    scenario.write_text(SWEEP)
    _fill_disk_after(monkeypatch, 0)
    code, _, err = _main("run", str(scenario), "--out", str(out), "--quiet", "--workers", "1")
    assert code == 2
    assert err.startswith(f"neurosim: {out}{os.sep}")
    assert err.endswith(f": {NO_SPACE}\n")
    assert err.count("\n") == 1


def test_a_summary_that_cannot_be_written_is_one_line_naming_it(
    scenarios_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "r"
    real = files.os.replace

    def full_for_the_summary(src: Any, dst: Any) -> None:
        if Path(dst).name == rundir.SUMMARY_FILE:
            raise OSError(errno.ENOSPC, NO_SPACE)
        real(src, dst)

    monkeypatch.setattr(files.os, "replace", full_for_the_summary)
    code, _, err = _main("run", str(scenarios_dir / "six_bits.yaml"), "--out", str(out), "--quiet")
    assert (code, err) == (2, f"neurosim: {out / rundir.SUMMARY_FILE}: {NO_SPACE}\n")
    assert not (out / rundir.SUMMARY_FILE).exists()
    assert _leftovers(tmp_path) == []


def test_an_output_directory_that_cannot_be_made_is_one_line_naming_it(scenarios_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    out = tmp_path / "a-file" / "r"
    code, _, err = _main("run", str(scenarios_dir / "six_bits.yaml"), "--out", str(out), "--quiet")
    assert (code, err) == (2, f"neurosim: {out}: {os.strerror(errno.ENOTDIR)}\n")


# --- --force removes what neurosim wrote and nothing else ----------------------------------------------------------


def _earlier_run(out: Path) -> None:
    out.mkdir()
    for name in rundir.OWNED_FILES:
        (out / name).write_text("stale\n")
    (out / "plots").mkdir()
    for name in ("outcomes.png", "energies.png", "recall-alpha.png", "trial-07-raster.png", "trial-7-board.gif"):
        (out / "plots" / name).write_bytes(b"stale")


def test_force_leaves_the_users_files_in_plots_alone(scenarios_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "r"
    _earlier_run(out)
    (out / "plots" / "my-notes.txt").write_text("mine")
    (out / "plots" / "slide.png").write_bytes(b"mine")
    assert _main("run", str(scenarios_dir / "six_bits.yaml"), "--out", str(out), "--quiet", "--force")[0] == 0
    assert sorted(p.name for p in (out / "plots").iterdir()) == ["my-notes.txt", "slide.png"]
    assert sorted(p.name for p in out.iterdir()) == ["events.jsonl", "plots", "scenario.yaml", "summary.json"]


@pytest.mark.parametrize("owned", [rundir.SUMMARY_FILE, rundir.EVENTS_FILE, f"plots/{'outcomes.png'}"])
def test_force_refuses_a_directory_under_an_owned_name_and_removes_nothing(
    scenarios_dir: Path, tmp_path: Path, owned: str
) -> None:
    out = tmp_path / "r"
    _earlier_run(out)
    (out / owned).unlink()
    (out / owned).mkdir()
    (out / owned / "keep.txt").write_text("mine")
    before = sorted(str(p.relative_to(out)) for p in out.rglob("*"))
    code, _, err = _main("run", str(scenarios_dir / "six_bits.yaml"), "--out", str(out), "--quiet", "--force")
    assert code == 2
    assert err == f"neurosim: {out / owned}: a directory, {REFUSED}\n"
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == before


@pytest.mark.parametrize("owned", ["plots", rundir.EVENTS_FILE, "plots/outcomes.png"])
def test_force_never_follows_a_symlink_out_of_the_run_directory(
    scenarios_dir: Path, tmp_path: Path, owned: str
) -> None:
    out, elsewhere = tmp_path / "r", tmp_path / "elsewhere"
    _earlier_run(out)
    elsewhere.mkdir()
    (elsewhere / "outcomes.png").write_bytes(b"not neurosim's")
    (elsewhere / "events.jsonl").write_text("not neurosim's\n")
    link = out / owned
    if link.is_dir():
        for p in link.iterdir():
            p.unlink()
        link.rmdir()
    else:
        link.unlink()
    link.symlink_to(elsewhere if owned == "plots" else elsewhere / Path(owned).name)
    code, _, err = _main("run", str(scenarios_dir / "six_bits.yaml"), "--out", str(out), "--quiet", "--force")
    assert code == 2
    assert err.startswith(f"neurosim: {link}: a symbolic link, which neurosim does not write;")
    assert sorted(p.name for p in elsewhere.iterdir()) == ["events.jsonl", "outcomes.png"]
    assert (elsewhere / "events.jsonl").read_text() == "not neurosim's\n"
    assert (out / rundir.SUMMARY_FILE).read_text() == "stale\n"  # refused before anything was removed


def test_force_leaves_a_symlink_of_the_users_alone(scenarios_dir: Path, tmp_path: Path) -> None:
    out, target = tmp_path / "r", tmp_path / "data.csv"
    _earlier_run(out)
    target.write_text("mine\n")
    (out / "data.csv").symlink_to(target)
    assert _main("run", str(scenarios_dir / "six_bits.yaml"), "--out", str(out), "--quiet", "--force")[0] == 0
    assert (out / "data.csv").is_symlink()
    assert target.read_text() == "mine\n"
    assert not (out / "plots").exists()  # emptied of our figures


def test_the_plot_names_cover_what_plot_writes(scenarios_dir: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from neurosim.analysis import plots

    out = tmp_path / "r"
    assert _main("run", str(scenarios_dir / "six_bits.yaml"), "--out", str(out), "--quiet")[0] == 0
    written = plots.write_plots(out)
    assert written
    assert all(rundir.PLOT_NAME.fullmatch(p.name) for p in written)
    for gif in ("trial-3-board.gif", "trial-03-recall.gif"):  # `plot --animate` and write_animation's default
        assert rundir.PLOT_NAME.fullmatch(gif)
    assert not rundir.PLOT_NAME.fullmatch("trial-3-board.gif.bak")


# --- stdout that goes away, and bench's cues -----------------------------------------------------------------------


def test_a_closed_stdout_pipe_exits_0_quietly(scenarios_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "r"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = [sys.executable, "-m", "neurosim", "run", str(scenarios_dir / "six_bits.yaml"), "--out", str(out), "--quiet"]
    with subprocess.Popen(run, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as proc:
        assert proc.stdout is not None
        assert proc.stderr is not None
        proc.stdout.close()  # `| head -0`: the reader is gone before anything is printed
        try:
            err = proc.stderr.read()
            code = proc.wait(timeout=120)
        finally:
            proc.kill()
    assert (code, err) == (0, b"")
    assert (out / rundir.SUMMARY_FILE).is_file()


def test_a_broken_pipe_that_is_not_stdout_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any) -> int:
        raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))

    monkeypatch.setattr(commands, "bench", broken)
    assert _main("bench") == (2, "", f"neurosim: {os.strerror(errno.EPIPE)}\n")


@pytest.mark.parametrize("cues", ["0", "-3"])
def test_bench_refuses_fewer_than_one_cue_in_one_line(cues: str) -> None:
    assert _main("bench", "--cues", cues) == (2, "", f"neurosim: --cues must be at least 1, not {cues}\n")
