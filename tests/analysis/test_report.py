"""The HTML report is one self-contained file whose tables and figures match the run directory."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from neurosim.analysis.report import write_report
from neurosim.cli import main
from neurosim.rundir import read_run

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
CHROMIUM = Path("/usr/bin/chromium")
IMG = re.compile(r'<img alt="[^"]*" src="data:image/png;base64,([A-Za-z0-9+/=]+)">')


@pytest.fixture(scope="module")
def letters(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "letters"
    argv = ["run", str(SCENARIOS / "letters.yaml"), "--out", str(out), "--quiet"]
    assert main(argv, stdout=io.StringIO(), stderr=io.StringIO()) == 0
    return out


@pytest.fixture(scope="module")
def report(letters: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("matplotlib")
    return write_report(letters, tmp_path_factory.mktemp("report") / "report.html", trials=[0, 1])


def test_the_report_has_one_embedded_png_per_figure(report: Path, letters: Path) -> None:
    html = report.read_text()
    run = read_run(letters)
    assert run.patterns  # so every chosen trial has recall, raster and overlap figures
    images = IMG.findall(html)
    assert html.count("<img") == len(images) == 2 + 3 * 2  # outcomes, energies; 3 per trial
    for data in images:
        png = base64.b64decode(data)
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        assert len(png) > 5_000


def test_the_report_fetches_nothing(report: Path) -> None:
    html = report.read_text()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "<script" not in html
    assert "<link" not in html


def test_the_trial_table_has_one_row_per_trial_as_the_cli_prints_it(report: Path, letters: Path) -> None:
    html = report.read_text()
    summary = json.loads((letters / "summary.json").read_text())
    rows = re.findall(r'<tr class="trial[^"]*">(.*?)</tr>', html)
    assert len(rows) == len(summary["trials"])
    for row, trial in zip(rows, summary["trials"], strict=True):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
        assert cells[:2] == [str(trial["trial"]), trial["cue"]]
        assert cells[6] == str(trial["flips"])
        assert cells[7] == f"{trial['energy_initial']:.4g} → {trial['energy_final']:.4g}"
        assert cells[8] == (trial["recalled"] or "-")
    hits = sum(t["recalled"] == t["cue"] for t in summary["trials"])
    assert f"recall rate: {hits}/{len(summary['trials'])} = {summary['recall_rate']:.3f}" in html


def test_the_event_counts_are_those_of_events_jsonl(report: Path, letters: Path) -> None:
    html = report.read_text()
    counts = Counter(json.loads(line)["event"] for line in (letters / "events.jsonl").read_text().splitlines())
    shown = dict(re.findall(r'<tr class="event-count"><td>(\w+)</td><td class="num">(\d+)</td></tr>', html))
    assert {k: int(v) for k, v in shown.items()} == dict(counts)


def test_the_settings_table_shows_the_summary_settings(report: Path, letters: Path) -> None:
    html = report.read_text()
    summary = json.loads((letters / "summary.json").read_text())
    for key in ("seed", "neurons", "schedule", "engine", "max_sweeps"):
        assert f'<tr class="setting"><th>{key}</th><td>{summary[key]}</td></tr>' in html


def test_the_scenario_text_is_included_when_the_run_keeps_a_copy(letters: Path, tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    shutil.copytree(letters, run_dir)
    (run_dir / "scenario.yaml").unlink(missing_ok=True)  # as before runs kept a copy
    out = write_report(run_dir, figures=False)
    assert out == run_dir / "report.html"
    assert "keeps no scenario.yaml" in out.read_text()
    (run_dir / "scenario.yaml").write_text((SCENARIOS / "letters.yaml").read_text())
    html = write_report(run_dir, figures=False, overwrite=True).read_text()
    scenario = re.search(r'<pre class="scenario">(.*?)</pre>', html, re.DOTALL)
    assert scenario is not None
    assert "name: letters" in scenario.group(1)
    assert "#...#" in scenario.group(1)


def test_a_report_without_figures_has_the_tables_and_no_images(letters: Path, tmp_path: Path) -> None:
    html = write_report(letters, tmp_path / "r.html", figures=False).read_text()
    assert "<img" not in html
    assert html.count('<tr class="trial') == len(read_run(letters).trials)


def test_an_existing_report_is_never_overwritten_silently(letters: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    out.write_text("kept")
    with pytest.raises(FileExistsError, match=r"r\.html exists"):
        write_report(letters, out, figures=False)
    assert out.read_text() == "kept"


@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed (apt-get install chromium)")
def test_headless_chromium_renders_the_report(report: Path, tmp_path: Path) -> None:
    pytest.importorskip("PIL")
    from PIL import Image

    shot = tmp_path / "shot.png"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", "--hide-scrollbars", "--window-size=1200,2400",
             f"--screenshot={shot}"]  # fmt: skip
    done = subprocess.run(
        [str(CHROMIUM), *flags, report.as_uri()], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.exists(), done.stderr[-2000:]
    with Image.open(shot) as image:
        assert image.size == (1200, 2400)
        pixels = np.asarray(image.convert("L"), dtype=np.float64)
    # the page is not blank: text, tables and the embedded figures put dark pixels on it, all the way down
    assert pixels.std() > 20.0
    for band in np.array_split(pixels, 4):
        assert (band < 128).mean() > 0.005


TINY_SWEEP = """\
name: tiny-sweep
seed: 1
patterns:
  random: {count: 2, size: 40}
dynamics:
  schedule: permutation
trials:
  - cue: p0
    noise: {flip: 2}
    repeats: 2
sweep:
  grid:
    alpha: [0.05, 0.2]
  seeds: 2
"""


def test_a_sweeps_report_has_its_recall_curve_and_table(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(TINY_SWEEP)
    out = tmp_path / "sweep"
    argv = ["run", str(scenario), "--out", str(out), "--workers", "1", "--quiet"]
    assert main(argv, stdout=io.StringIO(), stderr=io.StringIO()) == 0
    html = write_report(out).read_text()
    summary = json.loads((out / "summary.json").read_text())
    assert len(IMG.findall(html)) == html.count("<img") == len(summary["parameters"]) == 1
    assert html.count('<tr class="sweep-row">') == len(summary["table"])
    assert "8 trials at 4 points; swept: alpha" in html
    assert '<pre class="scenario">' in html
