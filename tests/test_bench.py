"""`neurosim bench`, on a small workload: every figure is there and means what it says."""

from __future__ import annotations

import io
import json

from neurosim import bench


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
