"""Shards that draw their own rows: `DrawnCouplings` describes the very network one process builds.

A sharded run of a diluted network never builds the whole network: each shard
draws and learns the rows into its neurons (`DrawnCouplings.fanouts_into`).
These tests pin that the description is the built network (rows, weights and
every shard's fanouts), and that a sharded run of it writes what one process
writes, counted synapses included.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from neurosim import api, cli, memory
from neurosim.engines.sharded import Sharding
from neurosim.engines.sharded.plan import ranges
from neurosim.engines.sharded.shard import Shard, ShardSpec, restricted
from neurosim.events import ListSink
from neurosim.model import memory as model_memory
from neurosim.model.drawn import DrawnCouplings
from neurosim.model.energy import field_units
from neurosim.model.graph import draw_onto, draw_rows
from neurosim.model.sparse import SparseCouplings
from neurosim.network import build_network
from neurosim.scenarios.loader import parse_scenario

SCENARIO = """\
name: drawn
seed: 11
patterns:
  random: {{count: 5, size: {neurons}}}
network:
  connectivity: {connectivity}
{biases}
dynamics:
  schedule: poisson
  delay: 0.6
trials:
  - cue: p0
    noise: {{flip_fraction: 0.25}}
    repeats: 2
"""
KINDS = ["{in_degree: 10, symmetric: true}", "{probability: 0.06, symmetric: true}", "{in_degree: 9, symmetric: false}"]


def _text(connectivity: str, neurons: int = 300, biases: str = "") -> str:
    return SCENARIO.format(connectivity=connectivity, neurons=neurons, biases=biases)


def _dense(fanouts: tuple[np.ndarray, np.ndarray, np.ndarray], rows: int, columns: int) -> np.ndarray:
    indptr, indices, values = fanouts
    out = np.zeros((rows, columns), dtype=np.int64)
    for i in range(rows):
        a, b = indptr[i], indptr[i + 1]
        assert np.unique(indices[a:b]).size == b - a  # each target once
        out[i, indices[a:b]] = values[a:b]
    return out


@pytest.mark.parametrize("connectivity", KINDS)
def test_the_drawn_network_is_the_network_one_process_builds(connectivity: str) -> None:
    scenario = parse_scenario(_text(connectivity, biases="  biases: 0.05"))
    built, drawn = build_network(scenario).couplings, build_network(scenario, drawn=True).couplings
    assert isinstance(built, SparseCouplings)
    assert isinstance(drawn, DrawnCouplings)
    whole = drawn.couplings()
    for name in ("indptr", "indices", "values"):
        assert np.array_equal(getattr(whole, name), getattr(built, name)), name
    assert whole.values.dtype == built.values.dtype
    assert (drawn.size, drawn.divisor, drawn.symmetric) == (built.size, built.divisor, built.symmetric)
    assert np.array_equal(drawn.thresholds, built.thresholds)
    assert drawn.synapses == (built.synapses if "in_degree" in connectivity else None)  # p: counted by the shards
    size = built.size
    for lo, hi in [*ranges(size, 3), (0, size), (17, 18), (40, 40)]:
        mine = drawn.fanouts_into(lo, hi)  # every neuron's synapses into lo..hi-1, from the shard's own rows
        assert (
            _dense(mine, size, hi - lo).tolist()
            == _dense(restricted(built.compressed_out(), lo, hi), size, hi - lo).tolist()
        )


def test_a_sharded_diluted_run_draws_its_rows_in_the_shards_and_writes_what_one_process_writes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scenario = parse_scenario(_text(KINDS[1], neurons=240, biases="  biases: 0.05"))
    drawn: list[tuple[int, int]] = []
    fanouts_into = DrawnCouplings.fanouts_into

    def drawing(self: DrawnCouplings, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        drawn.append((lo, hi))
        return fanouts_into(self, lo, hi)

    monkeypatch.setattr(DrawnCouplings, "fanouts_into", drawing)

    def run(sharding: Sharding | None) -> tuple[dict[str, object], list[str]]:
        sink = ListSink(verbose=True)
        result = api.run_scenario(scenario, sink, engine="kernel", sharding=sharding)
        kept = {k: v for k, v in result.to_dict().items() if k not in ("started_at", "elapsed_s")}
        return kept, [repr(r) for r in sink.records if type(r).__name__ not in ("RunStarted", "RunFinished")]

    one = run(None)
    assert one[0]["connectivity"]["synapses"] > 0  # type: ignore[index]
    assert len(one[1]) > 100
    assert drawn == []  # one process builds the network
    for shards in (1, 3):
        assert run(Sharding(shards)) == one, shards
        assert drawn == ranges(240, shards)  # each shard drew its own rows, and nothing else drew any
        drawn.clear()


def test_each_shard_sums_its_neurons_start_fields_exactly() -> None:
    scenario = parse_scenario(_text(KINDS[0], biases="  biases: 0.3"))
    built = build_network(scenario).couplings
    drawn = build_network(scenario, drawn=True).couplings
    assert isinstance(drawn, DrawnCouplings)

    state = np.where(np.random.default_rng(5).random(300) < 0.5, 1, -1).astype(np.int8)
    parts = []
    for lo, hi in ranges(300, 4):
        spec = ShardSpec(
            lo, hi, drawn, np.zeros(hi - lo), drawn.thresholds[lo:hi], drawn.divisor, False, np.zeros(1), 0.6, 0.0
        )
        parts.append(Shard(spec).start_fields(state))
    assert np.array_equal(np.concatenate(parts), field_units(built, state))


def test_saving_the_weights_of_a_sharded_diluted_network_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "drawn.yaml"
    path.write_text(_text(KINDS[0]))
    out, err = io.StringIO(), io.StringIO()
    argv = [
        "run", str(path), "--engine", "kernel", "--shards", "2", "--save-weights", str(tmp_path / "w.npz"),
        "--out", str(tmp_path / "runs"),
    ]  # fmt: skip
    assert cli.main(argv, stdout=out, stderr=err) == 2
    assert err.getvalue().count("\n") == 1
    assert "each shard draws its own rows" in err.getvalue()
    assert not (tmp_path / "runs").exists()
    assert not (tmp_path / "w.npz").exists()


def test_a_sharded_run_is_estimated_per_shard_and_a_cluster_needs_only_the_coordinator_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = _text("{in_degree: 1000, symmetric: true}", neurons=1_000_000).replace("count: 5", "count: 50")
    scenario = parse_scenario(text, "big.yaml")  # nothing is built: the estimate reads the sizes
    split = model_memory.sharded_estimate(memory.sizes(scenario), 2, scenario.dynamics.delay)
    shard, coordinator = dict(split.shard.parts), dict(split.coordinator.parts)
    assert shard["synapses"] == int(1000 * 500_000 * model_memory.SYNAPSE_MARGIN) * 5 + 8 * 1_000_001
    assert shard["drawing"] < shard["synapses"] / 10  # a chunk of rows at a time: the kept synapses dominate
    assert "synapses" not in coordinator  # the shards draw the rows: the coordinator never holds one
    assert split.coordinator.bytes < shard["synapses"]  # patterns, windows, results: a few bytes per neuron
    whole = split.on_one_machine(in_process=False).bytes
    assert whole == split.coordinator.bytes + 2 * split.shard.bytes
    monkeypatch.setattr(memory, "available_bytes", lambda: 4 << 30)
    sharding = Sharding(2, "ray")
    line = memory.refusal(scenario, "kernel", sharding=sharding)
    assert line is not None
    assert line.startswith(f"big.yaml: needs about {model_memory.gib(whole)} GiB")
    assert memory.refusal(scenario, "kernel", sharding=sharding, cluster=True) is None
    monkeypatch.setattr(memory, "available_bytes", lambda: 1 << 30)
    assert memory.refusal(scenario, "kernel", sharding=sharding, cluster=True) is not None


@pytest.mark.parametrize("connectivity", KINDS[:2])
def test_the_rows_onto_a_range_are_the_graphs_rows_restricted_to_it_whatever_the_chunks(connectivity: str) -> None:
    scenario = parse_scenario(_text(connectivity, neurons=9000))  # more than two of the probability graph's blocks
    drawn = build_network(scenario, drawn=True).couplings
    assert isinstance(drawn, DrawnCouplings)
    whole = draw_rows(drawn.connectivity, 9000, drawn.key)
    for lo, hi in [(0, 9000), (4000, 4200), (8999, 9000), (5000, 5000)]:
        inside = (whole.indices >= lo) & (whole.indices < hi)
        counts = np.diff(np.concatenate(([0], np.cumsum(inside)))[whole.indptr])
        for chunk in (37, 4096, 20_000):  # a graph drawn by probability rounds the chunk to whole blocks
            onto = draw_onto(drawn.connectivity, 9000, drawn.key, lo, hi, chunk=chunk)
            assert np.array_equal(onto.indices, whole.indices[inside]), (lo, hi, chunk)
            assert np.array_equal(np.diff(onto.indptr), counts), (lo, hi, chunk)
