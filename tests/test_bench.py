"""`neurosim bench`, on a small workload: every figure is there and means what it says."""

from __future__ import annotations

import importlib.util
import io
import json
from pathlib import Path

import pytest

from neurosim import bench
from neurosim.cli import main


def test_the_bench_prints_one_json_object_with_every_figure() -> None:
    out = io.StringIO()
    assert bench.run_bench(cues=4, as_json=True, out=out, wake_sizes=((300, 5, 2),)) == 0
    figures = json.loads(out.getvalue())
    for key in ("actors_events_to_file", "actors_no_events", "kernel_events_to_file", "kernel_no_events"):
        f = figures[key]
        assert f["cues"] == 4
        assert 0 < f["p10_ms"] <= f["median_ms"] <= f["p90_ms"]
        assert f["flips_per_recall"] > 50  # 10 % of 1000 neurons flipped, and flipped back
    assert figures["kernel_compiled_loop_only"]["median_ms"] < figures["kernel_no_events"]["median_ms"]
    ratio = figures["actors_events_to_file"]["median_ms"] / figures["kernel_events_to_file"]["median_ms"]
    assert abs(figures["actor_to_kernel_ratio"] - ratio) <= 0.05 + 1e-9
    assert [(w["neurons"], w["schedule"]) for w in figures["wakeups"]] == [(300, "poisson"), (300, "permutation")]
    assert all(w["wakeups_per_s"] > 0 and w["couplings"] == "dense" for w in figures["wakeups"])


def test_the_bench_prints_a_line_per_figure() -> None:
    out = io.StringIO()
    bench.run_bench(cues=2, out=out, wake_sizes=((200, 4, 1),))
    text = out.getvalue()
    assert text.startswith("recall workload: N=1000, P=50, 10% flipped, permutation, 2 cues")
    assert "actor engine, info events to a file: median" in text
    assert "kernel engine, time inside the compiled loop only" in text
    assert "actor wake-ups at N=200 (dense, 4 patterns, at rest, poisson, one core)" in text
    assert "actor wake-ups at N=200 (dense, 4 patterns, at rest, permutation, one core)" in text
    assert "memory per neuron at N=200:" in text


def test_a_network_at_rest_converges_once_every_neuron_has_woken() -> None:
    # permutation: exactly one sweep; poisson: until the last of N clocks has ticked, N·H_N
    # wake-ups on average (H_500 = 6.79; over 20 recalls the mean is within ±10 %)
    assert bench.measure_wakeups(500, 5, 3, "permutation")["wakeups_per_recall"] == 500
    poisson = bench.measure_wakeups(500, 5, 20, "poisson")["wakeups_per_recall"]
    harmonic = sum(1 / k for k in range(1, 501))
    assert abs(poisson / (500 * harmonic) - 1) < 0.1


def test_recorded_figures_replace_the_marked_block_of_the_page_and_nothing_else(tmp_path: Path) -> None:
    page = tmp_path / "performance.md"
    page.write_text("# Speed\n\nbefore\n<!-- bench:begin -->\n```\nold figures\n```\n<!-- bench:end -->\nafter\n")
    bench.record(page, "line one\nline two\n")
    lines = page.read_text().splitlines()
    begin = lines.index("<!-- bench:begin -->")
    assert lines[:begin] == ["# Speed", "", "before"]
    assert lines[begin + 1] == "```"
    assert lines[begin + 2].startswith("measured ")
    assert "cores" in lines[begin + 2]
    assert lines[begin + 3 :] == ["line one", "line two", "```", "<!-- bench:end -->", "after"]


def test_a_page_without_the_marks_is_refused_in_one_line_before_anything_is_measured(tmp_path: Path) -> None:
    page = tmp_path / "notes.md"
    page.write_text("# no block here\n")
    out, err = io.StringIO(), io.StringIO()
    assert main(["bench", "--record", str(page)], stdout=out, stderr=err) == 2
    assert err.getvalue().count("\n") == 1
    assert "no block marked" in err.getvalue()
    assert page.read_text() == "# no block here\n"
    assert out.getvalue() == ""


def test_the_performance_page_has_the_block_the_bench_records_into() -> None:
    bench.check_page(Path(__file__).resolve().parents[1] / "docs" / "performance.md")


def test_the_scale_bench_measures_each_engine_in_a_process_of_its_own() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert main(["bench", "--scale", "--neurons", "3000", "--in-degree", "20", "--json"], stdout=out, stderr=err) == 0
    figures = json.loads(out.getvalue())
    assert [f["engine"] for f in figures] == ["kernel", "actors"]
    for f in figures:
        assert f["synapses"] == 3000 * 20
        assert f["bytes_per_synapse"] == round((3001 * 8 + 3000 * 20 * 5) / (3000 * 20), 2)  # int32 + int8, row starts
        assert f["status"] == "converged"
        assert f["peak_rss_gib"] > 0
    kernel, actors = figures
    assert (kernel["flips"], kernel["wakeups"], kernel["overlap_p0"]) == (
        actors["flips"],
        actors["wakeups"],
        actors["overlap_p0"],
    )


def test_the_scale_bench_with_shards_measures_one_process_against_ray_shards_with_the_same_flips() -> None:
    if importlib.util.find_spec("ray") is None:  # found, not imported: the Ray tests set its settings first
        pytest.skip("the ray extra is not installed")
    out, err = io.StringIO(), io.StringIO()
    argv = ["bench", "--scale", "--neurons", "3000", "--in-degree", "20", "--shards", "2", "--json"]
    assert main(argv, stdout=out, stderr=err) == 0, err.getvalue()
    one, shards = json.loads(out.getvalue())
    assert (one["engine"], shards["engine"]) == ("kernel", "kernel, 2 shards on Ray")
    for key in ("wakeups", "flips", "status", "overlap_p0"):  # the same run, split
        assert one[key] == shards[key], key
    assert shards["windows"] > 1
    assert shards["exchanged"] == shards["flips"]  # every flip handed to the shards once, in its window
    assert 0 < shards["most_exchanged"] <= shards["flips"]
    assert len(shards["shard_peak_gib"]) == 2
    assert all(g > 0 for g in shards["shard_peak_gib"])


def test_the_scale_bench_refuses_an_impossible_network_in_one_line() -> None:
    err = io.StringIO()
    assert main(["bench", "--scale", "--neurons", "100", "--in-degree", "7"], stdout=io.StringIO(), stderr=err) == 2
    assert err.getvalue().count("\n") == 1
    assert "an even K" in err.getvalue()
