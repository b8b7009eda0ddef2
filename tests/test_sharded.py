"""Sharded networks (--shards S): events and summary identical to one process for any S, in process and on Ray.

The in-process shards (`Sharding(S, "local")`) check flip identity over many
dynamics quickly; the Ray tests run the command line with one actor per shard
on the module's own loopback Ray head (`test_ray_sweeps.head`), dense and
diluted, S = 1, 2, 3, and compare the files byte for byte apart from the
wall-clock fields.
"""

from __future__ import annotations

import importlib.util
import io
import json
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from neurosim import api, cli
from neurosim.engines.kernel.loops import drive
from neurosim.engines.sharded import Sharding
from neurosim.engines.sharded.plan import ranges
from neurosim.events import ListSink
from neurosim.scenarios.loader import parse_scenario

SCENARIO = """\
name: shards
seed: 3
patterns:
  random: {{count: 4, size: {neurons}}}
{network}
dynamics:
  schedule: poisson
  delay: {delay}
  max_sweeps: {sweeps}
{extra}
trials:
  - cue: p0
    noise: {{flip_fraction: 0.3}}
    repeats: 2
"""
DILUTED = "network:\n  connectivity: {in_degree: 12, symmetric: true}"
WALL = ("started_at", "elapsed_s")


def _text(neurons: int = 60, network: str = "", delay: float = 0.5, extra: str = "", sweeps: int = 40) -> str:
    return SCENARIO.format(neurons=neurons, network=network, delay=delay, extra=extra, sweeps=sweeps)


def _run(text: str, sharding: Sharding | None, engine: api.EngineName = "kernel") -> tuple[dict[str, Any], list[str]]:
    sink = ListSink(verbose=True)
    result = api.run_scenario(parse_scenario(text), sink, engine=engine, sharding=sharding)
    summary = {k: v for k, v in result.to_dict().items() if k not in WALL}
    records = [repr(r) for r in sink.records if type(r).__name__ not in ("RunStarted", "RunFinished")]
    return summary, records


@pytest.mark.parametrize(
    ("network", "delay", "extra", "status"),
    [
        ("", 0.5, "", "converged"),
        ("", 2.0, "", "converged"),
        (DILUTED, 0.5, "", "converged"),
        (DILUTED, 3.0, "", "converged max_sweeps"),  # one trial wanders on its stale views
        ("", 1.0, "  temperature: 0.3", "max_sweeps"),  # Glauber draws from each neuron's own stream
        ("", 0.7, "  refractory: 0.4\n  max_time: 2.5", "max_time"),
        ("", 1.0, "  temperature: {schedule: linear, from: 0.5, to: 0.0, sweeps: 4}", "converged"),
        (DILUTED, 0.8, "  rates: {distribution: lognormal, sigma: 0.7}", "converged"),  # clocks of their own rates
    ],
)
def test_in_process_shards_reproduce_one_process_flip_for_flip(
    network: str, delay: float, extra: str, status: str
) -> None:
    text = _text(network=network, delay=delay, extra=extra)
    summary, records = _run(text, None)
    assert {t["status"] for t in summary["trials"]} == set(status.split())
    assert len(records) > 100
    for shards in (1, 2, 3, 7):
        assert _run(text, Sharding(shards)) == (summary, records), shards


@pytest.mark.parametrize(
    ("network", "delay", "extra", "status"),
    [
        ("", 0.5, "", "converged"),
        (DILUTED, 3.0, "", "converged max_sweeps"),
        ("", 1.0, "  temperature: 0.3", "max_sweeps"),
        ("", 0.7, "  refractory: 0.4\n  max_time: 2.5", "max_time"),
        ("", 1.0, "  temperature: {schedule: linear, from: 0.5, to: 0.0, sweeps: 4}", "converged"),
        (DILUTED, 0.8, "  rates: {distribution: lognormal, sigma: 0.7}", "converged"),
    ],
)
def test_actor_shards_reproduce_one_process_actors_flip_for_flip(
    network: str, delay: float, extra: str, status: str
) -> None:
    text = _text(network=network, delay=delay, extra=extra)
    summary, records = _run(text, None, "actors")
    assert summary["engine"] == "actors"
    assert {t["status"] for t in summary["trials"]} == set(status.split())
    assert len(records) > 100
    for shards in (1, 2, 3):
        assert _run(text, Sharding(shards), "actors") == (summary, records), shards


def test_a_neuron_that_fails_in_an_actor_shard_fails_the_run_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from neurosim.engines.actors.neuron import Neuron

    update = Neuron.update

    def failing(self: Neuron, host: Any, t: float) -> None:
        if host.lo + self.index == 33 and t > 1.0:  # a neuron of the second shard
            raise ValueError("a fault\non two lines")
        update(self, host, t)

    monkeypatch.setattr(Neuron, "update", failing)
    sink = ListSink()
    with pytest.raises(api.RunAborted) as aborted:
        api.run_scenario(parse_scenario(_text()), sink, sharding=Sharding(2))
    assert aborted.value.error == "neuron 33: ValueError: a fault on two lines"
    assert aborted.value.result.status == "failed"
    assert [type(r).__name__ for r in sink.records][-2:] == ["RunFailed", "RunFinished"]


def test_actor_shards_hold_every_synapse_once_and_sum_their_start_fields() -> None:
    from neurosim.engines.sharded.actorshard import ActorShard
    from neurosim.engines.sharded.shard import ShardSpec, restricted
    from neurosim.model.energy import field_units

    scenario = parse_scenario(_text(network=DILUTED))
    couplings = api.build_network(scenario, scenario.seed).couplings
    state = np.where(np.arange(couplings.size) % 3 == 0, 1, -1).astype(np.int8)
    held, fields = [], []
    for lo, hi in ranges(couplings.size, 3):
        thetas = couplings.thresholds[lo:hi]
        spec = ShardSpec(lo, hi, restricted(couplings.compressed(), lo, hi), np.zeros(hi - lo), thetas,
                         couplings.divisor, False, np.zeros(1), 0.5, 0.0)  # fmt: skip
        shard = ActorShard(spec)
        held.append(shard.held())
        fields.append(shard.start_fields(state))
    assert sum(held) == couplings.synapses
    assert np.array_equal(np.concatenate(fields), field_units(couplings, state))


def test_the_limits_end_a_sharded_run_at_the_same_wake_up() -> None:
    text = _text(extra="  temperature: 0.2", sweeps=3)
    summary, records = _run(text, None)
    assert {t["status"] for t in summary["trials"]} == {"max_sweeps"}
    assert [t["sweeps"] for t in summary["trials"]] == [3.0, 3.0]
    assert _run(text, Sharding(3)) == (summary, records)


def test_shards_are_contiguous_ranges_of_nearly_equal_size() -> None:
    assert ranges(10, 3) == [(0, 3), (3, 6), (6, 10)]
    assert ranges(2, 2) == [(0, 1), (1, 2)]


def _main(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(args), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _files(directory: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    events = [json.loads(line) for line in (directory / "events.jsonl").read_text().splitlines()]
    summary = json.loads((directory / "summary.json").read_text())
    for record in [*events, summary]:
        for key in WALL:
            record.pop(key, None)
    return events, summary


NO_DELAY = "--shards needs a transmission delay (dynamics.delay > 0): shards exchange their flips once per delay"
NOT_POISSON = (
    "--shards needs the poisson schedule, whose wake-ups come from each neuron's own clock; "
    "the permutation schedule orders the whole network at once"
)


@pytest.mark.parametrize(
    ("edit", "line"),
    [
        ("  delay: 0.5\n", NO_DELAY),
        ("  schedule: poisson\n", NOT_POISSON),
    ],
)  # fmt: skip
def test_what_cannot_be_sharded_is_refused_in_one_line(tmp_path: Path, edit: str, line: str) -> None:
    replacement = "  schedule: permutation\n" if "schedule" in edit else "  delay: 0.0\n"
    path = tmp_path / "s.yaml"
    path.write_text(_text().replace(edit, replacement))
    code, _, err = _main("run", str(path), "--engine", "kernel", "--shards", "2", "--out", str(tmp_path / "o"))
    assert (code, err) == (2, f"neurosim: {path}: {line}\n")
    assert not (tmp_path / "o").exists()


def test_shards_run_the_actors_by_default_and_write_what_one_process_writes(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(_text(network=DILUTED))
    assert _main("run", str(path), "--quiet", "--out", str(tmp_path / "one"))[0] == 0
    assert _main("run", str(path), "--quiet", "--shards", "2", "--out", str(tmp_path / "s2"))[::2] == (0, "")
    assert _files(tmp_path / "s2") == _files(tmp_path / "one")
    assert _files(tmp_path / "s2")[1]["engine"] == "actors"


@pytest.mark.parametrize(
    ("network", "option", "line"),
    [
        (
            "network:\n  learning: {rule: sequence, lambda: 2.0, delay: 4}",
            (),
            "{path}: --shards runs one pathway of couplings; the sequence rule's slow pathway runs in one process",
        ),
        ("", ("--realtime",), "--shards runs in simulated time; it cannot be combined with --realtime"),
    ],
)
def test_what_the_actor_shards_cannot_run_is_refused_in_one_line(
    tmp_path: Path, network: str, option: tuple[str, ...], line: str
) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(_text(network=network))
    code, _, err = _main("run", str(path), "--shards", "2", *option, "--out", str(tmp_path / "o"))
    assert (code, err) == (2, f"neurosim: {line.format(path=path)}\n")
    assert not (tmp_path / "o").exists()


def test_the_command_writes_one_process_files_with_in_process_shards(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(_text(network=DILUTED))
    assert _main("run", str(path), "--engine", "kernel", "--quiet", "--out", str(tmp_path / "one"))[0] == 0
    assert (
        _main("run", str(path), "--engine", "kernel", "--quiet", "--shards", "3", "--out", str(tmp_path / "s3"))[0] == 0
    )
    assert _files(tmp_path / "s3") == _files(tmp_path / "one")


needs_ray = pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="needs the ray extra")


def _on_ray(
    tmp_path: Path, head: str, network: str, counts: tuple[int, ...], engine: str = "kernel", neurons: int = 90
) -> None:
    """The command on Ray with S shards of `engine`, for each S in `counts`, writes what one process writes."""
    tmp_path.mkdir(exist_ok=True)
    path = tmp_path / "s.yaml"
    path.write_text(_text(neurons=neurons, network=network, delay=1.0).replace("repeats: 2", "repeats: 1"))
    assert _main("run", str(path), "--engine", engine, "--quiet", "--out", str(tmp_path / "one"))[0] == 0
    expected = _files(tmp_path / "one")
    assert expected[1]["engine"] == engine
    for shards in counts:
        out = tmp_path / f"ray{shards}"
        code, _, err = _main("run", str(path), "--engine", engine, "--quiet", "--shards", str(shards),
                             "--backend", "ray", "--address", head, "--out", str(out))  # fmt: skip
        assert (code, err) == (0, "")
        assert _files(out) == expected, shards


@needs_ray
def test_dense_shards_on_ray_write_what_one_process_writes(tmp_path: Path, head: str) -> None:
    _on_ray(tmp_path, head, "", (1, 2, 3))


@needs_ray
def test_diluted_shards_on_ray_write_what_one_process_writes(tmp_path: Path, head: str) -> None:
    _on_ray(tmp_path, head, DILUTED, (3,))


@needs_ray
@pytest.mark.slow
def test_diluted_shards_on_ray_for_every_count_write_what_one_process_writes(tmp_path: Path, head: str) -> None:
    _on_ray(tmp_path, head, DILUTED, (1, 2))


@needs_ray
def test_actor_shards_on_ray_write_what_one_process_writes(tmp_path: Path, head: str) -> None:
    _on_ray(tmp_path / "dense", head, "", (2, 3), "actors", neurons=60)
    _on_ray(tmp_path / "diluted", head, DILUTED, (3,), "actors", neurons=60)


@needs_ray
@pytest.mark.slow
def test_actor_shards_on_ray_for_every_count_write_what_one_process_writes(tmp_path: Path, head: str) -> None:
    _on_ray(tmp_path / "dense", head, "", (1,), "actors")
    _on_ray(tmp_path / "diluted", head, DILUTED, (1, 2), "actors")


def _ray_sweeps() -> Any:
    """The module `test_ray_sweeps`, for its helpers that start and stop a loopback Ray head."""
    spec = importlib.util.spec_from_file_location("_ray_sweeps", Path(__file__).with_name("test_ray_sweeps.py"))
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def head() -> Iterator[str]:
    """A Ray head for this module on loopback (`test_ray_sweeps.loopback_head`); every process of it stopped after."""
    with _ray_sweeps().loopback_head() as address:
        yield address


def _stopped(ray: Any, actor: Any) -> bool:
    """Whether `actor` is dead: its calls fail once the kill has reached it (within 30 s)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            ray.get(actor.peak_memory.remote(), timeout=30)
        except ray.exceptions.RayActorError:
            return True
        time.sleep(0.2)
    return False


@needs_ray
@pytest.mark.parametrize("engine", ["kernel", "actors"])
def test_a_shard_that_dies_fails_the_run_cleanly_and_no_shard_is_left(
    tmp_path: Path, head: str, monkeypatch: pytest.MonkeyPatch, engine: api.EngineName
) -> None:
    from neurosim.backends import ray_tasks
    from neurosim.engines.sharded import remote

    started: list[Any] = []
    window = remote.RayGroup.window

    async def killing(self: remote.RayGroup, bound: float) -> Any:
        import ray

        if not started:  # the second shard's process dies before the first window
            started.extend(self._actors)
            ray.kill(self._actors[1], no_restart=True)
        return await window(self, bound)

    monkeypatch.setattr(remote.RayGroup, "window", killing)
    sink = ListSink()
    with ray_tasks.connected(head):
        import ray

        with pytest.raises(api.RunAborted) as aborted:
            api.run_scenario(parse_scenario(_text(neurons=40)), sink, engine=engine, sharding=Sharding(2, "ray"))
        assert all(_stopped(ray, actor) for actor in started)  # every shard's actor was stopped with the run
    assert aborted.value.error.startswith("a shard failed: ")
    assert "\n" not in aborted.value.error
    assert aborted.value.result.status == "failed"
    names = [type(r).__name__ for r in sink.records]
    assert names[-2:] == ["RunFailed", "RunFinished"]


def test_asymmetric_couplings_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(_text(network="network:\n  connectivity: {in_degree: 12, symmetric: false}"))
    code, _, err = _main("run", str(path), "--engine", "kernel", "--shards", "2", "--out", str(tmp_path / "o"))
    line = "--shards runs symmetric coupling matrices and diluted networks (not low-rank or asymmetric couplings)"
    assert (code, err) == (2, f"neurosim: {path}: {line}\n")
    assert not (tmp_path / "o").exists()


@needs_ray
def test_a_stop_ends_a_sharded_run_keeping_the_finished_trials_and_no_shard(
    head: str, monkeypatch: pytest.MonkeyPatch
) -> None:

    from neurosim.backends import ray_tasks
    from neurosim.engines.sharded import remote
    from neurosim.errors import RunInterrupted

    started: list[Any] = []
    init = remote.RayGroup.__init__

    def keeping(self: remote.RayGroup, ray: Any, actors: list[Any], shards: list[tuple[int, int]]) -> None:
        started.extend(actors)
        init(self, ray, actors, shards)

    monkeypatch.setattr(remote.RayGroup, "__init__", keeping)
    stop = api.Stop()

    class Stopping(ListSink):
        def emit(self, record: Any) -> None:
            super().emit(record)
            if type(record).__name__ == "TrialStarted" and record.trial == 1:  # Ctrl-C as the 2nd recall starts
                stop.request(signal.SIGINT)

    sink = Stopping()
    with ray_tasks.connected(head):
        import ray

        with pytest.raises(RunInterrupted) as interrupted:
            api.run_scenario(parse_scenario(_text(neurons=40)), sink, engine="kernel", sharding=Sharding(2, "ray"),
                             stop=stop)  # fmt: skip
        assert len(started) == 2
        assert all(_stopped(ray, actor) for actor in started)
    assert [t.status for t in interrupted.value.result.trials] == ["converged"]
    assert interrupted.value.result.status == "interrupted"


@pytest.mark.parametrize("network", ["", DILUTED], ids=["dense", "diluted"])
def test_kernel_shards_run_the_very_loop_the_kernel_engine_compiled(network: str) -> None:
    # each shard hands the loop arrays of the kernel engine's types (read-only couplings and steps):
    # numba compiles again for an array that differs only in being writable, 8-13 s a compile here

    text = _text(network=network)
    _run(text, None)
    compiled = len(drive.signatures)
    _run(text, Sharding(2))
    assert len(drive.signatures) == compiled
