"""Sweeps on Ray: the same rows, summary and events as the local pool; stops, faults, resume; a local instance.

The module starts one Ray head of its own (`ray start --head --block`, every
service on loopback, an access token of its own) and stops it at the end; the
tests connect to it with `--address`. One test starts the command's own local
instance (no `--address`), in a process it interrupts with Ctrl-C.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from neurosim import backends, cli, rundir, sweeps
from neurosim.backends import protocol
from neurosim.scenarios.loader import parse_scenario

# Ray is imported by the tests only after `head` has set its settings: Ray reads some when it is imported
pytestmark = pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="needs the ray extra")

REPO = Path(__file__).resolve().parents[1]
#: 8 quick points (N = 60, two trials each).
QUICK = """\
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
#: 12 points of about a second each on the actors: long enough to be interrupted.
SLOW = """\
name: sw
seed: 1
patterns:
  random: {count: 4, size: 100}
dynamics:
  schedule: permutation
trials:
  - cue: p0
    repeats: 10
sweep:
  grid:
    dynamics.temperature: [0.0, 0.1, 0.2, 0.3]
  seeds: 3
"""
#: The settings the module's head and its drivers share: loopback only, no usage reporting, one token.
SETTINGS = {
    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
    "RAY_USAGE_STATS_ENABLED": "0",
    "RAY_AUTH_MODE": "token",
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _group_alive(pgid: int) -> list[int]:
    """The live processes (not zombies) of process group `pgid`."""
    alive = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                alive.append(int(entry.name))
    return alive


def _descendants(pid: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    found: set[int] = set()
    todo = [pid]
    while todo:
        parent = todo.pop()
        children = {child for child, p in parents.items() if p == parent} - found
        found |= children
        todo.extend(children)
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture(scope="module")
def head() -> Iterator[str]:
    """The address of a Ray head started for this module (on loopback, two CPUs); stopped, every process, after."""
    assert "ray" not in sys.modules, "Ray was imported before its settings for a loopback head were made"
    with loopback_head() as address:
        yield address


@contextlib.contextmanager
def loopback_head() -> Iterator[str]:
    """A Ray head on loopback (two CPUs, a token of its own), its address; it and its processes are stopped after.

    Ray reads some settings when it is imported: a module that imports it only after this has set them gets
    them; one where Ray was imported already (by another module, under another head's token, which Ray keeps)
    has Ray read this head's token again.
    """
    port = _free_port()
    with pytest.MonkeyPatch.context() as env:
        for key, value in {**SETTINGS, "RAY_AUTH_TOKEN": secrets.token_hex(32)}.items():
            env.setenv(key, value)
        env.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
        if "ray" in sys.modules:
            from ray._private.authentication_test_utils import reset_auth_token_state

            reset_auth_token_state()
        command = [str(Path(sys.executable).with_name("ray")), "start", "--head", "--block", f"--port={port}",
                   "--node-ip-address=127.0.0.1", "--num-cpus=2", "--include-dashboard=false",
                   "--disable-usage-stats"]  # fmt: skip
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        try:
            deadline = time.monotonic() + 90
            while not _answers(port):
                assert process.poll() is None, "the Ray head did not start"
                assert time.monotonic() < deadline, "the Ray head did not answer within 90 s"
                time.sleep(0.2)
            yield f"127.0.0.1:{port}"
        finally:
            os.killpg(process.pid, signal.SIGTERM)  # the head and every process it started (its session)
            try:
                process.wait(timeout=2)  # its services end at once; `ray start` itself may linger
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            deadline = time.monotonic() + 30
            while _group_alive(process.pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            left = _group_alive(process.pid)
            for pid in left:
                os.kill(pid, signal.SIGKILL)
            assert not left, f"the Ray head left processes behind: {left}"


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0):
            return True
    except OSError:
        return False


def _main(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(args), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _events(directory: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (directory / "events.jsonl").read_text().splitlines()]


def _comparable(events: list[dict[str, Any]]) -> list[str]:
    """Events without their wall-clock fields, in a fixed order (points finish in any order)."""
    kept = [{k: v for k, v in e.items() if k not in ("started_at", "elapsed_s")} for e in events]
    return sorted(json.dumps(e, sort_keys=True) for e in kept)


def test_a_sweep_on_ray_writes_what_the_local_pool_writes(tmp_path: Path, head: str) -> None:
    (tmp_path / "s.yaml").write_text(QUICK)
    code, _, err = _main("run", str(tmp_path / "s.yaml"), "--out", str(tmp_path / "ray"), "--quiet",
                         "--backend", "ray", "--address", head, "--workers", "9")  # fmt: skip
    assert (code, err) == (0, "neurosim: --workers 9 is more than the 2 cores available; using 2\n")
    # one local worker writes what the pool writes (test_sweeps), and is quicker to start
    assert _main("run", str(tmp_path / "s.yaml"), "--out", str(tmp_path / "local"), "--quiet", "--workers", "1")[0] == 0
    for name in (rundir.SWEEP_FILE, rundir.SUMMARY_FILE):
        assert (tmp_path / "ray" / name).read_text() == (tmp_path / "local" / name).read_text()
    ray_events, local_events = _events(tmp_path / "ray"), _events(tmp_path / "local")
    assert ray_events[0]["workers"] == 2  # the head's CPUs
    ray_events[0]["workers"] = local_events[0]["workers"]
    assert _comparable(ray_events) == _comparable(local_events)


def test_an_interrupted_ray_sweep_keeps_its_rows_and_resumes_to_the_same_file(tmp_path: Path, head: str) -> None:
    scenario = parse_scenario(QUICK, tmp_path / "s.yaml")
    seen: list[int] = []

    def stop_after_three(point: sweeps.Point, rows: list[dict[str, object]]) -> None:
        seen.append(point.index)
        if len(seen) == 3:
            raise KeyboardInterrupt

    ray_backend = backends.Backend("ray", head)
    with backends.opened(ray_backend, None) as dispatch:
        outcome = sweeps.run_sweep(scenario, tmp_path, on_point=stop_after_three, dispatch=dispatch)
        assert outcome.interrupted
        assert len(rundir.read_sweep(tmp_path / rundir.SWEEP_FILE)[1]) == 3 * 2  # three whole points
        resumed: list[int] = []
        again = sweeps.run_sweep(
            scenario, tmp_path, resume=True, on_point=lambda p, r: resumed.append(p.index), dispatch=dispatch
        )
    assert (again.skipped, again.completed) == (3, 5)
    assert sorted(resumed) == sorted(set(range(8)) - set(seen))
    (tmp_path / "full").mkdir()
    sweeps.run_sweep(scenario, tmp_path / "full", workers=1)
    assert (tmp_path / rundir.SWEEP_FILE).read_text() == (tmp_path / "full" / rundir.SWEEP_FILE).read_text()


@dataclass(frozen=True)
class _Fault:
    """A point hook that records which worker process ran each point, and fails point 1 its way."""

    pids: Path
    how: str

    def __call__(self, point: sweeps.Point) -> None:
        with (self.pids / f"{point.index}").open("w") as f:
            f.write(str(os.getpid()))
        if point.index != 1:
            time.sleep(0.5)  # still running when point 1 fails
            return
        if self.how == "exit":
            os._exit(7)
        raise ValueError("injected")


@pytest.mark.parametrize(
    ("how", "said"),
    [
        ("raise", "neurosim: the sweep failed: point 1: ValueError: injected; sweep.csv keeps every finished point"),
        ("exit", "neurosim: the sweep failed: point 1: its worker process died (WorkerCrashedError: "),
    ],
)
def test_a_failing_point_on_ray_fails_the_sweep_and_stops_the_other_points(
    tmp_path: Path, head: str, monkeypatch: pytest.MonkeyPatch, how: str, said: str
) -> None:
    import ray

    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the workers cannot import this module
    (tmp_path / "pids").mkdir()
    (tmp_path / "s.yaml").write_text(QUICK)
    monkeypatch.setattr(sweeps, "point_hook", _Fault(tmp_path / "pids", how))
    code, _, err = _main("run", str(tmp_path / "s.yaml"), "--out", str(tmp_path / "r"), "--quiet",
                         "--backend", "ray", "--address", head)  # fmt: skip
    assert code == 3
    assert len(err.splitlines()) == 1
    assert err.startswith(said)
    events = _events(tmp_path / "r")
    assert [e["event"] for e in events[-2:]] == ["run_failed", "sweep_finished"]
    summary = json.loads((tmp_path / "r" / rundir.SUMMARY_FILE).read_text())
    assert events[-1]["status"] == summary["status"] == "failed"
    finished = {int(r["point"]) for r in rundir.read_sweep(tmp_path / "r" / rundir.SWEEP_FILE)[1]}
    started = {int(p.name): int(p.read_text()) for p in (tmp_path / "pids").iterdir()}
    unfinished = {point: pid for point, pid in started.items() if point not in finished}
    assert 1 in unfinished
    # their workers were killed with them (Ray's kill takes effect within seconds; a loaded machine is slower)
    deadline = time.monotonic() + 30
    while [pid for pid in unfinished.values() if _alive(pid)] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in unfinished.values() if _alive(pid)]


def test_ctrl_c_stops_a_sweep_on_its_own_ray_instance_and_leaves_no_process(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(SLOW)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}  # the command's own settings
    command = [sys.executable, "-m", "neurosim", "run", str(tmp_path / "s.yaml"), "--out", str(tmp_path / "r"),
               "--quiet", "--backend", "ray"]  # fmt: skip
    process = subprocess.Popen(
        command,
        env={**env, "PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, which Ctrl-C reaches whole, as a terminal's
    )
    try:
        rows = tmp_path / "r" / rundir.SWEEP_FILE
        deadline = time.monotonic() + 90
        while not (rows.is_file() and rows.read_text().count("\n") > 1):
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "no point finished within 90 s"
            time.sleep(0.05)
        started = _descendants(process.pid)  # the instance's services and workers
        assert started
        os.killpg(process.pid, signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == 130
    assert err.decode().splitlines() == [
        "neurosim: interrupted; sweep.csv keeps every finished point (continue with --resume)"
    ]
    deadline = time.monotonic() + 30  # the instance's services stop within seconds; more on a loaded machine
    while [pid for pid in started if _alive(pid)] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in started if _alive(pid)]
    kept = rundir.read_sweep(rows)[1]
    assert kept
    assert len(kept) % 10 == 0  # whole points only (ten trials each)
    events = _events(tmp_path / "r")
    summary = json.loads((tmp_path / "r" / rundir.SUMMARY_FILE).read_text())
    assert events[-1]["event"] == "sweep_finished"
    assert events[-1]["status"] == summary["status"] == "interrupted"
    assert events[-1]["completed"] == len(kept) // 10 < 12


def test_without_ray_installed_the_command_names_the_extra_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(protocol.NEEDS, "ray", "neurosim_no_such_module")
    (tmp_path / "s.yaml").write_text(QUICK)
    code, _, err = _main("run", str(tmp_path / "s.yaml"), "--out", str(tmp_path / "r"), "--backend", "ray")
    assert (code, err) == (
        2,
        "neurosim: --backend ray needs neurosim_no_such_module, which is not installed: pip install 'neurosim[ray]'\n",
    )
    assert not (tmp_path / "r").exists()


def test_ray_is_an_optional_extra_that_the_tests_install() -> None:
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert [r for r in extras["ray"] if r.startswith("ray")]
    assert any("ray" in r.split("[", 1)[1] for r in extras["test"] if r.startswith("neurosim["))


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--address", "127.0.0.1:6379"], "neurosim: --address applies to --backend ray\n"),
        (
            ["--backend", "ray", "--address", "nowhere"],
            "neurosim: --address nowhere: expected HOST:PORT, the address `ray start --head` prints\n",
        ),
    ],
)
def test_bad_backend_options_are_refused_in_one_line_before_anything_is_written(
    tmp_path: Path, args: list[str], said: str
) -> None:
    (tmp_path / "s.yaml").write_text(QUICK)
    assert _main("run", str(tmp_path / "s.yaml"), "--out", str(tmp_path / "r"), *args)[::2] == (2, said)
    assert not (tmp_path / "r").exists()


def test_an_address_where_no_head_answers_is_refused_at_once(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(QUICK)
    port = _free_port()  # nothing listens there
    code, _, err = _main("run", str(tmp_path / "s.yaml"), "--out", str(tmp_path / "r"),
                         "--backend", "ray", "--address", f"127.0.0.1:{port}")  # fmt: skip
    assert (code, err) == (2, f"neurosim: --address 127.0.0.1:{port}: no Ray head answers there (Connection refused)\n")
    assert not (tmp_path / "r").exists()


def test_a_single_run_refuses_the_sweep_options(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text("patterns: {random: {count: 2, size: 30}}\ntrials:\n  - cue: p0\n")
    assert _main("run", str(tmp_path / "s.yaml"), "--out", str(tmp_path / "r"), "--backend", "ray")[::2] == (
        2,
        "neurosim: --resume, --workers, --backend and --address apply to scenarios with a sweep block\n",
    )


def test_sigterm_while_the_local_instance_starts_stops_it_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(QUICK)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    command = [sys.executable, "-m", "neurosim", "run", str(tmp_path / "s.yaml"), "--out", str(tmp_path / "r"),
               "--backend", "ray"]  # fmt: skip
    process = subprocess.Popen(
        command, env={**env, "PYTHONPATH": str(REPO)}, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 60
        while not (started := _descendants(process.pid)):  # Ray's first services: it is starting
            assert process.poll() is None
            assert time.monotonic() < deadline, "Ray did not start within 60 s"
            time.sleep(0.02)
        process.send_signal(signal.SIGTERM)  # to the command only, as a scheduler sends it
        _, err = process.communicate(timeout=60)
        started |= _descendants(process.pid)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == 143
    assert err.decode() == "neurosim: interrupted before the sweep began; nothing was written\n"
    assert not (tmp_path / "r").exists()
    deadline = time.monotonic() + 30  # the instance's services stop within seconds; more on a loaded machine
    while [pid for pid in started if _alive(pid)] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in started if _alive(pid)]
