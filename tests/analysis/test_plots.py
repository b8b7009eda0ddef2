"""Figures and animations drawn from a run directory agree with its events and summary exactly."""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from neurosim.analysis.trials import select_trials
from neurosim.cli import main
from neurosim.rundir import FORMAT, RunDirError, apply_flips, read_run

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
Flip = tuple[float, int, int, float]


def _run_cli(scenario: str, out: Path) -> Path:
    code = main(
        ["run", str(SCENARIOS / scenario), "--out", str(out), "--quiet"], stdout=io.StringIO(), stderr=io.StringIO()
    )
    assert code == 0
    return out


@pytest.fixture(scope="module")
def letters(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _run_cli("letters.yaml", tmp_path_factory.mktemp("runs") / "letters")


@pytest.fixture(scope="module")
def six_bits(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _run_cli("six_bits.yaml", tmp_path_factory.mktemp("runs") / "six_bits")


@pytest.fixture
def bare_letters(letters: Path, tmp_path: Path) -> Path:
    """The letters run as an older summary.json has it: no glyph shape, no stored patterns."""
    copy = tmp_path / "bare"
    shutil.copytree(letters, copy)
    summary = json.loads((copy / "summary.json").read_text())
    summary.pop("shape", None)
    summary.pop("stored_patterns", None)
    (copy / "summary.json").write_text(json.dumps(summary))
    return copy


def _events(run_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (run_dir / "events.jsonl").read_text().splitlines()]


def write_run(directory: Path, start: list[int], flips: list[Flip], *, energy0: float = 0.0, **summary: Any) -> Path:
    """A one-trial run directory in its documented format; the final state is `start` with the flips applied."""
    directory.mkdir(parents=True)
    state = list(start)
    for _, neuron, new, _ in flips:
        state[neuron] = new
    common = {"run_id": "synthetic-0-0", "level": "info"}
    events: list[dict[str, Any]] = [
        {"event": "run_started", "scenario": "synthetic", "seed": 0, "neurons": len(start), "patterns": ["p"],
         "schedule": "poisson", "engine": "actors", "reproducible": True, "started_at": "2026-01-01T00:00:00+00:00"},
        {"event": "trial_started", "trial": 0, "cue": None, "repeat": 0, "flipped": None, "energy": energy0,
         "start_state": list(start)},
        *({"event": "neuron_flipped", "trial": 0, "t": t, "neuron": n, "state": s, "field": 0.5 * s, "energy": e}
          for t, n, s, e in flips),
        {"event": "trial_finished", "trial": 0, "status": "converged", "t": 10.0, "sweeps": 10.0, "wakeups": 10,
         "flips": len(flips), "energy": flips[-1][3] if flips else energy0, "recalled": None, "period": None},
        {"event": "run_finished", "status": "completed", "trials": 1, "recall_rate": None, "elapsed_s": 0.1},
    ]  # fmt: skip
    lines = [json.dumps({"event": e.pop("event"), **e, **common}) for e in events]
    (directory / "events.jsonl").write_text("\n".join(lines) + "\n")
    trial: dict[str, Any] = {
             "trial": 0, "cue": None, "repeat": 0, "flipped": None, "status": "converged", "t": 10.0, "sweeps": 10.0,
             "wakeups": 10, "flips": len(flips), "energy_initial": energy0,
             "energy_final": flips[-1][3] if flips else energy0, "energy_monotone": True, "energy_rises": 0,
             "period": None, "recalled": None, "overlaps": {}, "hamming": None, "start_state": list(start),
             "final_state": state}  # fmt: skip
    body = {"format": FORMAT, "scenario": "synthetic", "seed": 0, "status": "completed", "neurons": len(start),
            "patterns": ["p"], "schedule": "poisson", "engine": "actors", "recall_rate": None, **summary,
            "trials": [trial]}  # fmt: skip
    (directory / "summary.json").write_text(json.dumps(body))
    return directory


# --- reading a run directory -------------------------------------------------------------------------------------


def test_each_trials_recorded_start_leads_through_its_flips_to_its_final_state(letters: Path) -> None:
    run = read_run(letters)
    assert run.shape == (5, 5)
    assert run.pattern_source == "summary"
    for t in run.trials:
        target = run.target(t)
        assert target is not None
        assert int(np.sum(t.start_state != target)) == t.summary["flipped"]
        assert np.array_equal(t.state_after(t.flips), t.final_state)
        assert t.energies[0] == t.summary["energy_initial"]
        assert t.energies[-1] == t.summary["energy_final"]
        for name, pattern in run.patterns.items():
            assert t.overlap_series(pattern)[-1] == t.summary["overlaps"][name]


def test_a_neuron_flipped_twice_is_replayed_twice(tmp_path: Path) -> None:
    run = read_run(
        write_run(tmp_path / "run", [-1, -1, 1], [(0.5, 0, 1, -1.0), (1.0, 2, -1, -2.0), (1.5, 0, -1, -3.0)])
    )
    t = run.trials[0]
    assert t.start_state.tolist() == [-1, -1, 1]
    assert t.final_state.tolist() == [-1, -1, -1]
    assert [t.state_after(k).tolist() for k in range(4)] == [[-1, -1, 1], [1, -1, 1], [1, -1, -1], [-1, -1, -1]]


def test_apply_flips_keeps_each_neurons_last_flip() -> None:
    state = np.array([-1, -1, -1], dtype=np.int8)
    apply_flips(state, np.array([1, 1, 1, 2], dtype=np.int64), np.array([1, -1, 1, 1], dtype=np.int8))
    assert state.tolist() == [-1, 1, 1]


def test_flips_that_do_not_lead_to_the_final_state_are_refused(tmp_path: Path) -> None:
    run_dir = write_run(tmp_path / "run", [-1, -1], [(0.5, 0, 1, -1.0)])
    summary = json.loads((run_dir / "summary.json").read_text())
    summary["trials"][0]["final_state"] = [-1, -1]
    (run_dir / "summary.json").write_text(json.dumps(summary))
    with pytest.raises(RunDirError, match="do not lead to the final state"):
        read_run(run_dir)


def test_a_start_state_that_the_events_contradict_is_refused(tmp_path: Path) -> None:
    run_dir = write_run(tmp_path / "run", [-1, -1], [(0.5, 0, 1, -1.0)])
    lines = (run_dir / "events.jsonl").read_text().replace('"start_state": [-1, -1]', '"start_state": [1, -1]')
    (run_dir / "events.jsonl").write_text(lines)
    with pytest.raises(RunDirError, match="record other start states"):
        read_run(run_dir)


def test_a_directory_without_a_summary_is_a_run_dir_error(tmp_path: Path) -> None:
    with pytest.raises(RunDirError, match=r"summary\.json: missing"):
        read_run(tmp_path)


def test_without_stored_patterns_the_recalled_ones_are_still_known(bare_letters: Path) -> None:
    run = read_run(bare_letters)
    assert run.shape is None
    assert run.pattern_source == "recalled"
    recalled = {t.recalled for t in run.trials if t.recalled is not None}
    assert set(run.patterns) == recalled
    for t in run.trials:
        if t.recalled is not None:
            assert np.array_equal(run.patterns[t.recalled], t.final_state)


def test_the_default_trials_are_the_first_of_each_cue_and_outcome(letters: Path) -> None:
    run = read_run(letters)
    chosen = select_trials(run)
    keys = [(run.trial(k).cue, run.trial(k).ending) for k in chosen]
    assert len(set(keys)) == len(keys) == len({(t.cue, t.ending) for t in run.trials})
    assert chosen == sorted(chosen)


# --- figures -----------------------------------------------------------------------------------------------------


def _artist(fig: Any, gid: str) -> Any:
    found = [a for ax in fig.axes for a in [*ax.lines, *ax.collections] if a.get_gid() == gid]
    assert len(found) == 1, (gid, len(found))
    return found[0]


def test_the_energy_line_is_exactly_the_events_energies(letters: Path) -> None:
    pytest.importorskip("matplotlib")
    from neurosim.analysis.plots import recall_figure

    events = _events(letters)
    run = read_run(letters)
    for t in run.trials[:3]:
        started = next(e for e in events if e["event"] == "trial_started" and e["trial"] == t.trial)
        flips = [e for e in events if e["event"] == "neuron_flipped" and e["trial"] == t.trial]
        line = _artist(recall_figure(run, t.trial), "energy")
        assert list(line.get_ydata()) == [started["energy"]] + [e["energy"] for e in flips]
        assert list(line.get_xdata()) == [0.0] + [e["t"] for e in flips]


def test_the_raster_has_one_mark_per_flip_coloured_by_its_new_state(letters: Path) -> None:
    pytest.importorskip("matplotlib")
    from neurosim.analysis.plots import raster_figure

    events = _events(letters)
    run = read_run(letters)
    for t in run.trials[:3]:
        fig = raster_figure(run, t.trial)
        flips = [e for e in events if e["event"] == "neuron_flipped" and e["trial"] == t.trial]
        for gid, sign in (("flips-up", 1), ("flips-down", -1)):
            marks = _artist(fig, gid).get_offsets()
            expected = [(e["t"], e["neuron"]) for e in flips if e["state"] == sign]
            assert [tuple(m) for m in np.asarray(marks).tolist()] == expected
        total = sum(len(_artist(fig, g).get_offsets()) for g in ("flips-up", "flips-down"))
        assert total == len(flips) == t.summary["flips"]


def test_the_overlap_lines_replay_from_the_start_to_the_summary_overlaps(letters: Path) -> None:
    pytest.importorskip("matplotlib")
    from neurosim.analysis.plots import overlap_figure

    run = read_run(letters)
    t = run.trials[1]
    fig = overlap_figure(run, t.trial)
    for name, pattern in run.patterns.items():
        y = np.asarray(_artist(fig, f"overlap:{name}").get_ydata())
        assert y.size == t.flips + 1
        assert y[0] == pytest.approx(float(pattern @ t.start_state.astype(np.int64)) / run.neurons)
        assert y[-1] == t.summary["overlaps"][name]


def test_glyph_runs_draw_boards_and_older_runs_draw_strips(letters: Path, bare_letters: Path) -> None:
    pytest.importorskip("matplotlib")
    from neurosim.analysis.plots import recall_figure

    boards = [np.asarray(im.get_array()).shape for ax in recall_figure(read_run(letters), 0).axes for im in ax.images]
    assert boards == [(5, 5)] * 6  # X, T, O; start, final, target
    strips = [
        np.asarray(im.get_array()).shape for ax in recall_figure(read_run(bare_letters), 0).axes for im in ax.images
    ]
    known = len(read_run(bare_letters).patterns)
    assert strips == [(known + 3, 25)]  # one row per known pattern, start, final, target


def _png_stats(path: Path) -> tuple[int, float, tuple[int, int]]:
    from PIL import Image

    with Image.open(path) as image:
        pixels = np.asarray(image.convert("L"), dtype=np.float64)
        return path.stat().st_size, float(pixels.std()), image.size


def test_write_plots_writes_nontrivial_pngs_and_never_overwrites(six_bits: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    pytest.importorskip("PIL")
    from neurosim.analysis.plots import write_plots

    paths = write_plots(six_bits, tmp_path / "plots", trials=[0])
    names = [p.name for p in paths]
    assert names == [
        "outcomes.png",
        "energies.png",
        "trial-00-recall.png",
        "trial-00-raster.png",
        "trial-00-overlaps.png",
    ]
    for path in paths:
        size, spread, (width, height) = _png_stats(path)
        assert size > 5_000, path.name
        assert spread > 10.0, path.name  # not one flat colour
        assert (width, height) >= (600, 200), path.name
    before = paths[0].read_bytes()
    paths[0].write_bytes(b"kept")
    with pytest.raises(FileExistsError, match=r"outcomes\.png"):
        write_plots(six_bits, tmp_path / "plots", trials=[0])
    assert paths[0].read_bytes() == b"kept"
    write_plots(six_bits, tmp_path / "plots", trials=[0], overwrite=True)
    assert paths[0].read_bytes() == before


def test_a_run_whose_patterns_are_unknown_gets_no_overlap_figure(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from neurosim.analysis.plots import overlap_figure, write_plots

    run_dir = write_run(tmp_path / "run", [-1, 1, -1, 1], [(0.3, 1, -1, -1.0), (0.7, 3, -1, -2.0)])
    names = [p.name for p in write_plots(run_dir, trials=[0])]
    assert names == ["outcomes.png", "energies.png", "trial-0-recall.png", "trial-0-raster.png"]
    with pytest.raises(RunDirError, match="no stored pattern is known"):
        overlap_figure(read_run(run_dir), 0)


def test_an_unknown_trial_fails_before_anything_is_written(six_bits: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from neurosim.analysis.plots import write_plots

    with pytest.raises(RunDirError, match="no finished trial 99"):
        write_plots(six_bits, tmp_path / "plots", trials=[99])
    assert not (tmp_path / "plots").exists()


# --- animation ---------------------------------------------------------------------------------------------------


def test_frames_cover_every_flip_of_a_small_recall_and_sample_a_large_one() -> None:
    pytest.importorskip("matplotlib")
    from neurosim.analysis.animation import MAX_FRAMES, frame_flips, frames_per_second

    assert frame_flips(8) == list(range(9))  # 25 neurons, 8 flips: every flip is a frame
    large = frame_flips(5_000)  # 10,000 neurons
    assert len(large) == MAX_FRAMES
    assert (large[0], large[-1]) == (0, 5_000)
    assert np.all(np.diff(large) > 0)
    assert frame_flips(0) == [0]
    assert (frames_per_second(9), frames_per_second(MAX_FRAMES)) == (2, 20)


def test_the_animation_replays_the_recall_from_start_to_final_state(letters: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    pytest.importorskip("PIL")
    from PIL import Image

    from neurosim.analysis.animation import frame_flips, write_animation

    run = read_run(letters)
    t = run.trials[1]
    path = write_animation(letters, t.trial, tmp_path / "recall.gif")
    with Image.open(path) as gif:
        assert (gif.format, gif.size) == ("GIF", (560, 272))
        frames = []
        for k in range(getattr(gif, "n_frames", 1)):
            gif.seek(k)
            frames.append(np.asarray(gif.convert("L"), dtype=np.int16))
    # identical consecutive frames (the held final state) are merged by the GIF writer
    assert len(frames) == len(frame_flips(t.flips))
    assert all(np.any(a != b) for a, b in itertools.pairwise(frames))
    with pytest.raises(FileExistsError):
        write_animation(letters, t.trial, path)


def test_a_ten_thousand_neuron_recall_is_folded_and_capped(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    pytest.importorskip("PIL")
    from PIL import Image

    from neurosim.analysis.animation import write_animation
    from neurosim.analysis.plots import raster_figure

    rng = np.random.default_rng(0)
    n, count = 10_000, 3_000
    start = rng.choice([-1, 1], size=n).tolist()
    neurons = rng.choice(n, size=count, replace=False)  # each flips once: its new state is minus its start
    flips = [(0.001 * (k + 1), int(i), -start[i], -float(k)) for k, i in enumerate(neurons)]
    run_dir = write_run(tmp_path / "big", start, flips)
    fig = raster_figure(read_run(run_dir), 0)
    assert sum(len(_artist(fig, g).get_offsets()) for g in ("flips-up", "flips-down")) == count
    path = write_animation(run_dir, 0, max_frames=6)
    assert path == run_dir / "plots" / "trial-0-recall.gif"
    with Image.open(path) as gif:
        assert getattr(gif, "n_frames", 1) == 6


# --- sweeps ------------------------------------------------------------------------------------------------------


def _write_sweep(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _sweep_rows(rate: Callable[[float], float]) -> list[dict[str, Any]]:
    rows = []
    for point, alpha in enumerate((0.05, 0.1, 0.15, 0.2)):
        for seed in (1, 2):
            for trial in range(10):
                hit = trial < round(10 * rate(alpha)) - (seed == 2)
                rows.append({"point": point, "alpha": alpha, "seed": seed, "trial": trial, "cue": f"p{trial}",
                             "status": "converged", "recalled": f"p{trial}" if hit else "", "success": hit,
                             "retrieved": hit or trial % 2 == 0})  # fmt: skip
    return rows


def test_recall_rates_are_per_value_with_the_spread_over_seeds(tmp_path: Path) -> None:
    from neurosim.analysis.recall_curve import recall_rates
    from neurosim.rundir import parameter_columns, read_sweep

    path = _write_sweep(tmp_path / "sweep.csv", _sweep_rows(lambda a: 1.0 - 4 * a))
    assert parameter_columns(read_sweep(path)[0]) == ["alpha"]
    points = recall_rates(path, "alpha")
    assert [p.value for p in points] == [0.05, 0.1, 0.15, 0.2]
    first = points[0]  # seed 1: 8/10, seed 2: 7/10
    assert (first.rate, first.trials, first.seeds) == (0.75, 20, 2)
    assert first.error == pytest.approx(np.std([0.8, 0.7], ddof=1) / math.sqrt(2))
    with pytest.raises(RunDirError, match="no column 'beta'"):
        recall_rates(path, "beta")


def test_a_sweep_directory_gets_one_recall_curve_per_parameter(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from neurosim.analysis.plots import write_plots
    from neurosim.analysis.recall_curve import recall_rates

    run_dir = tmp_path / "sweep"
    run_dir.mkdir()
    rows = _sweep_rows(lambda a: 1.0 - 2 * a)
    _write_sweep(run_dir / "sweep.csv", [{**r, "learning": "hebbian"} for r in rows])
    summary = {"format": FORMAT, "scenario": "s", "parameters": ["alpha", "learning"]}
    (run_dir / "summary.json").write_text(json.dumps(summary))
    (run_dir / "events.jsonl").write_text(json.dumps({"event": "sweep_started", "started_at": "now"}) + "\n")
    assert [p.name for p in write_plots(run_dir)] == ["recall-alpha.png", "recall-learning.png"]
    by_rule = recall_rates(run_dir / "sweep.csv", "learning")  # a name, not a number: one category per name
    assert [(p.series, p.value, p.trials) for p in by_rule] == [
        (f"alpha = {a}", "hebbian", 20) for a in (0.05, 0.1, 0.15, 0.2)
    ]


def test_the_recall_curve_has_error_bars_and_the_alpha_c_line(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from neurosim.analysis.recall_curve import ALPHA_C, recall_curve_figure, recall_rates, write_recall_curve

    path = _write_sweep(tmp_path / "sweep.csv", _sweep_rows(lambda a: 1.0 - 4 * a))
    fig = recall_curve_figure(path, "alpha")
    (ax,) = fig.axes
    line = next(x for x in ax.lines if x.get_gid() == "alpha_c")
    assert np.asarray(line.get_xdata()).tolist() == [ALPHA_C, ALPHA_C]
    rates = [p.rate for p in recall_rates(path, "alpha")]
    data = [c for c in ax.containers if str(c.get_label()).startswith("recalled exactly")]
    assert len(data) == 1
    (points, _, _) = data[0]  # an ErrorbarContainer: the data line, caps, bars
    assert np.asarray(points.get_ydata()).tolist() == rates
    out = write_recall_curve(path, "alpha")
    assert out == tmp_path / "recall-alpha.png"
    assert out.stat().st_size > 5_000
    with pytest.raises(FileExistsError):
        write_recall_curve(path, "alpha")
