"""Signals and faults: Ctrl-C and SIGTERM stop engines and sweeps cleanly; a failing neuron or worker fails the run."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from neurosim import cli, commands, memory, sweeps
from neurosim.engines.actors.coordinator import Coordinator
from neurosim.scenarios.loader import parse_scenario

REPO = Path(__file__).resolve().parents[1]
#: `--workers 2` is capped to the cores available: with one, there is no pool to test.
needs_two_cores = pytest.mark.skipif(memory.cores() < 2, reason="needs two cores for two workers")

#: Never converges (T > 0) and may run for ever (a huge max_sweeps): only a signal ends it.
ENDLESS = """\
name: endless
seed: 5
patterns:
  random: {count: 3, size: 40}
dynamics:
  schedule: poisson
  temperature: 0.5
  max_sweeps: 100000000
trials:
  - cue: all
    repeats: 2
"""
#: Many short trials.
MANY = """\
name: many
seed: 5
patterns:
  random: {count: 3, size: 60}
trials:
  - cue: all
    repeats: 300
"""
SWEEP = """\
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


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]  # every line valid JSON


def _start(scenario: Path, out: Path, *extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "neurosim", "run", str(scenario), "--out", str(out), "--quiet", *extra],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        # a job started in the background ignores SIGINT, and its children inherit that: not here
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def _wait_for(path: Path, text: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    """Wait until `path` holds `text` (events.jsonl) or, for `text` "\n\n", a second line (sweep.csv)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.is_file():
            found = path.read_text(errors="replace")
            if (found.count("\n") >= 2) if text == "\n\n" else (text in found):
                return
        if process.poll() is not None:
            pytest.fail(f"the run ended before {text!r} appeared: {process.stderr.read()!r}")  # type: ignore[union-attr]
        time.sleep(0.05)
    process.kill()
    pytest.fail(f"{text!r} never appeared in {path}")


def _children(pid: int) -> set[int]:
    """The processes whose parent is `pid` (from /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def stopped() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def _stop(process: subprocess.Popen[bytes], signum: int, within: float) -> tuple[int, str, float]:
    sent = time.monotonic()
    process.send_signal(signum)
    try:
        _, err = process.communicate(timeout=within + 30)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail("the run did not stop")
    return process.returncode, err.decode(), time.monotonic() - sent


def _check_interrupted(out: Path) -> None:
    events = _lines(out / "events.jsonl")
    summary = json.loads((out / "summary.json").read_text())
    assert events[-1]["event"] == "run_finished"
    assert events[-1]["status"] == summary["status"] == "interrupted"
    assert events[-1]["trials"] == len(summary["trials"])


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_stops_an_endless_kernel_recall_within_seconds(
    tmp_path: Path, stopped: list[subprocess.Popen[bytes]], signum: int, code: int
) -> None:
    (tmp_path / "s.yaml").write_text(ENDLESS)
    process = _start(tmp_path / "s.yaml", tmp_path / "r", "--engine", "kernel")
    stopped.append(process)
    _wait_for(tmp_path / "r" / "events.jsonl", '"neuron_flipped"', process)
    returncode, err, seconds = _stop(process, signum, within=5)
    assert returncode == code
    assert err.strip().splitlines() == ["neurosim: interrupted; the summary holds the trials that finished"]
    assert seconds < 10  # generous: a slice of the compiled loop is milliseconds
    _check_interrupted(tmp_path / "r")


@pytest.mark.parametrize("engine", ["kernel", "actors"])
def test_sigterm_after_a_finished_trial_marks_events_and_summary_interrupted(
    tmp_path: Path, stopped: list[subprocess.Popen[bytes]], engine: str
) -> None:
    (tmp_path / "s.yaml").write_text(MANY)
    process = _start(tmp_path / "s.yaml", tmp_path / "r", "--engine", engine)
    stopped.append(process)
    _wait_for(tmp_path / "r" / "events.jsonl", '"trial_finished"', process)
    returncode, _, _ = _stop(process, signal.SIGTERM, within=5)
    assert returncode == 143
    _check_interrupted(tmp_path / "r")
    assert len(json.loads((tmp_path / "r" / "summary.json").read_text())["trials"]) < 300


@needs_two_cores
@pytest.mark.parametrize(
    ("signum", "code"),
    [pytest.param(signal.SIGINT, 130, marks=pytest.mark.slow), (signal.SIGTERM, 143)],
)
def test_a_signal_stops_a_sweep_and_its_workers_and_resume_gives_the_same_rows(
    tmp_path: Path, stopped: list[subprocess.Popen[bytes]], signum: int, code: int
) -> None:
    (tmp_path / "s.yaml").write_text(SWEEP)
    process = _start(tmp_path / "s.yaml", tmp_path / "r", "--workers", "2")
    stopped.append(process)
    _wait_for(tmp_path / "r" / "sweep.csv", "\n\n", process)  # a point's rows (events are written at the end)
    workers = _children(process.pid)
    assert workers  # the pool's processes (and the resource tracker)
    returncode, err, _ = _stop(process, signum, within=5)
    assert returncode == code
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("neurosim: interrupted; sweep.csv keeps every finished point")
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in workers if _alive(pid)]  # no process left behind
    events = _lines(tmp_path / "r" / "events.jsonl")
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert events[-1]["event"] == "sweep_finished"
    assert events[-1]["status"] == summary["status"] == "interrupted"
    if signum == signal.SIGTERM:
        return  # the resume, once (slow): it runs most of the sweep twice
    resumed = cli.main(
        ["run", str(tmp_path / "s.yaml"), "--out", str(tmp_path / "r"), "--resume", "--workers", "1", "--quiet"],
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert resumed == 0
    full = cli.main(
        ["run", str(tmp_path / "s.yaml"), "--out", str(tmp_path / "full"), "--workers", "1", "--quiet"],
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert full == 0
    assert (tmp_path / "r" / "sweep.csv").read_text() == (tmp_path / "full" / "sweep.csv").read_text()


def _fail_neuron_3_in_trial_1(trial: int, neuron: int, t: float) -> None:
    if trial == 1 and neuron == 3:
        raise RuntimeError("injected fault")


def test_a_neuron_that_raises_fails_the_run_cleanly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "s.yaml").write_text(MANY)
    monkeypatch.setattr(Coordinator, "fault_hook", _fail_neuron_3_in_trial_1)
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["run", str(tmp_path / "s.yaml"), "--out", str(tmp_path / "r"), "--quiet"], stdout=out, stderr=err)
    assert code == commands.EXIT_FAILED == 3
    assert err.getvalue().splitlines() == [
        "neurosim: the run failed: neuron 3: RuntimeError: injected fault; the summary holds the trials that finished"
    ]
    events = _lines(tmp_path / "r" / "events.jsonl")
    assert [e["event"] for e in events[-2:]] == ["run_failed", "run_finished"]
    assert events[-2]["error"] == "neuron 3: RuntimeError: injected fault"
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert events[-1]["status"] == summary["status"] == "failed"
    assert len(summary["trials"]) == 1


def test_every_neuron_task_is_cancelled_after_a_fault(monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    from neurosim import api

    monkeypatch.setattr(Coordinator, "fault_hook", _fail_neuron_3_in_trial_1)
    scenario = parse_scenario(MANY)

    async def run() -> list[asyncio.Task[object]]:
        with pytest.raises(api.RunAborted, match="neuron 3: RuntimeError: injected fault") as caught:
            await api.run_scenario_async(scenario)
        assert caught.value.result.status == "failed"
        return [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]

    assert asyncio.run(run()) == []


def _exit_at_point_1(point: sweeps.Point) -> None:
    if point.index == 1:
        os._exit(7)


def _raise_at_point_1(point: sweeps.Point) -> None:
    if point.index == 1:
        raise ValueError("injected")


@pytest.mark.parametrize(
    ("hook", "workers", "said"),
    [
        pytest.param(
            _exit_at_point_1,
            2,
            "neurosim: the sweep failed: a worker process died (BrokenProcessPool: ",
            marks=needs_two_cores,  # in-process, os._exit would end the tests
        ),
        pytest.param(
            _raise_at_point_1,
            2,
            "neurosim: the sweep failed: point 1: ValueError: injected; sweep.csv keeps",
            marks=needs_two_cores,
        ),
        (_raise_at_point_1, 1, "neurosim: the sweep failed: point 1: ValueError: injected; sweep.csv keeps"),
    ],
)
def test_a_failing_sweep_point_stops_the_sweep_without_hanging(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hook: object, workers: int, said: str
) -> None:
    (tmp_path / "s.yaml").write_text(SWEEP)
    monkeypatch.setattr(sweeps, "point_hook", hook)
    err = io.StringIO()
    code = cli.main(
        ["run", str(tmp_path / "s.yaml"), "--out", str(tmp_path / "r"), "--quiet", "--workers", str(workers)],
        stdout=io.StringIO(),
        stderr=err,
    )
    assert code == 3
    assert len(err.getvalue().splitlines()) == 1
    assert err.getvalue().startswith(said)
    events = _lines(tmp_path / "r" / "events.jsonl")
    assert [e["event"] for e in events[-2:]] == ["run_failed", "sweep_finished"]
    assert events[-1]["status"] == json.loads((tmp_path / "r" / "summary.json").read_text())["status"] == "failed"


def test_workers_beyond_the_cores_are_capped_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(SWEEP.replace("repeats: 10", "repeats: 1").replace("seeds: 3", "seeds: 1"))
    cores = memory.cores()
    err = io.StringIO()
    code = cli.main(
        ["run", str(tmp_path / "s.yaml"), "--out", str(tmp_path / "r"), "--quiet", "--workers", str(cores + 5)],
        stdout=io.StringIO(),
        stderr=err,
    )
    assert code == 0
    assert err.getvalue().splitlines() == [
        f"neurosim: --workers {cores + 5} is more than the {cores} cores available; using {cores}"
    ]
    started = next(e for e in _lines(tmp_path / "r" / "events.jsonl") if e["event"] == "sweep_started")
    assert started["workers"] == cores
