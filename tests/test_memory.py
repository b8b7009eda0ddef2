"""The memory estimate: its parts, its agreement with measured peak memory, and what run and validate refuse by it."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from neurosim import api, cli, memory
from neurosim.model import memory as model
from neurosim.model.learning import DENSE_LIMIT
from neurosim.scenarios.loader import load_scenario, parse_scenario

REPO = Path(__file__).resolve().parents[1]
MIB = 1 << 20


def _main(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _random(path: Path, size: int, count: int, *, rule: str = "hebbian", repeats: int = 2, extra: str = "") -> Path:
    path.write_text(
        textwrap.dedent(f"""\
        name: sized
        seed: 1
        patterns:
          random: {{count: {count}, size: {size}}}
        network:
          learning: {rule}
        trials:
          - cue: p0
            noise: {{flip_fraction: 0.1}}
            repeats: {repeats}
        """)
        + extra,
        encoding="utf-8",
    )
    return path


# ---- the estimate's parts -------------------------------------------------------


def test_a_dense_network_needs_its_matrix_and_the_kernel_its_compact_copy() -> None:
    size = 32_768
    sizes = model.Sizes(size, 100, "hebbian", max_wakeups=100 * size)
    actors, kernel = dict(model.estimate(sizes, "actors").parts), dict(model.estimate(sizes, "kernel").parts)
    assert actors["couplings"] == kernel["couplings"] == 8 * size * size
    assert kernel["kernel copy"] == size * size  # int8: entries of ΞᵀΞ − P·I lie in [−100, 100]
    assert "kernel copy" not in actors
    assert actors["neuron tasks"] == model.ACTOR_BYTES_PER_NEURON * size
    assert dict(model.estimate(model.Sizes(size, 200, "hebbian"), "kernel").parts)["kernel copy"] == 2 * size * size


def test_above_the_dense_limit_hebbian_couplings_keep_only_the_patterns() -> None:
    size = DENSE_LIMIT + 1
    parts = dict(model.estimate(model.Sizes(size, 5, "hebbian"), "actors").parts)
    assert "couplings" not in parts
    assert parts["patterns"] == 9 * 5 * size


def test_an_asymmetric_matrix_counts_its_transpose_and_a_sweep_its_workers() -> None:
    one = model.estimate(model.Sizes(1000, 0, "custom", origin="given", symmetric=False), "kernel")
    assert dict(one.parts)["transposed"] == 8 * 1000 * 1000
    two = model.estimate(model.Sizes(1000, 0, "custom", origin="given", symmetric=False), "kernel", workers=2)
    assert two.bytes == 2 * one.bytes + 2 * model.WORKER_BYTES


def test_the_description_names_the_total_and_its_largest_parts_in_gib() -> None:
    size = 32_768
    text = model.estimate(model.Sizes(size, 100, "hebbian", max_wakeups=100 * size), "kernel").describe()
    assert text == "9.2 GiB (couplings 8.0, kernel copy 1.0, kernel logs 0.16, ...)"


# ---- the estimate against measured peak memory ------------------------------------

_PEAK = """
import ctypes, io, json, sys
from pathlib import Path
from neurosim import commands, memory
from neurosim.scenarios.loader import load_scenario
engine, small, big, work = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4])
def options(file, out):
    return commands.RunOptions(file=file, out=work / out, quiet=True, engine=engine)
def status(key):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith(key + ":"))
commands.run(options(small, "warm"), io.StringIO(), sys.stderr)  # imports, compiles, first allocations
import numpy as np
from neurosim.model import energy
spins = np.ones(8, dtype=np.int8)  # what only larger networks compile (a small run counts these by numpy)
energy._overlaps(spins.reshape(1, 8), spins), energy._differences(spins, spins)
needed = memory.needed(load_scenario(big), engine).bytes
ctypes.CDLL("libc.so.6").malloc_trim(0)  # memory freed after compiling goes back, not into the run's count
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # the peak so far (compiling, when numba's cache is cold) is not the run's
base = status("VmRSS")
code = commands.run(options(big, "big"), io.StringIO(), sys.stderr)
print(json.dumps({"code": code, "needed": needed, "used": status("VmHWM") - base}))
"""


def _measured(tmp_path: Path, engine: str, size: int, count: int) -> tuple[int, int]:
    small = _random(tmp_path / "small.yaml", 50, 3)
    big = _random(tmp_path / "big.yaml", size, count, repeats=20)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    args = [sys.executable, "-c", _PEAK, engine, str(small), str(big), str(tmp_path)]
    done = subprocess.run(args, capture_output=True, text=True, timeout=300, env=env, check=True)
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["code"] == 0
    return int(found["needed"]), int(found["used"])


@pytest.mark.skipif(sys.platform != "linux", reason="reads and resets the peak in /proc/self, frees with glibc")
@pytest.mark.parametrize(
    ("engine", "size"),
    [
        ("actors", 2000),
        ("kernel", 2000),
        pytest.param("actors", 5000, marks=pytest.mark.slow),
        pytest.param("kernel", 5000, marks=pytest.mark.slow),
    ],
)
def test_the_estimate_bounds_the_measured_peak_memory_of_a_run(tmp_path: Path, engine: str, size: int) -> None:
    # Measured on the development machine: the estimate is 1.04-1.29 of the measured peak at these
    # sizes (the kernel's logs are reserved, not all written). The bounds leave room for another
    # allocator or numpy, not for a part left out: the couplings alone are 0.6-0.7 of the total.
    needed, used = _measured(tmp_path, engine, size, size // 50)
    assert 0.85 * used <= needed <= 1.6 * used, f"estimate {needed / MIB:.1f} MiB, measured {used / MIB:.1f} MiB"


# ---- run and validate refuse alike ------------------------------------------------


@pytest.fixture
def little_memory(monkeypatch: pytest.MonkeyPatch) -> int:
    available = 3 * MIB
    monkeypatch.setattr(memory, "available_bytes", lambda: available)
    return available


def test_a_run_that_does_not_fit_is_refused_in_one_line_and_writes_nothing(tmp_path: Path, little_memory: int) -> None:
    file = _random(tmp_path / "big.yaml", 1000, 10)
    out = tmp_path / "run"
    code, printed, err = _main("run", str(file), "--out", str(out), "--quiet")
    assert code == 2
    assert printed == ""
    [line] = err.splitlines()
    assert line.startswith(f"neurosim: {file}: needs about 0.01 GiB (couplings 0.01")
    assert line.endswith("but 0.00 GiB are available (a run may take 80% of it)")
    assert not out.exists()


def test_a_sweep_that_does_not_fit_is_refused_before_its_directory_is_made(tmp_path: Path, little_memory: int) -> None:
    file = _random(tmp_path / "sweep.yaml", 1000, 10, extra="sweep:\n  grid: {alpha: [0.01, 0.02]}\n  seeds: 2\n")
    out = tmp_path / "sweep"
    code, _, err = _main("run", str(file), "--out", str(out), "--quiet", "--workers", "1")
    assert code == 2
    assert len(err.splitlines()) == 1
    assert "needs about" in err
    assert not out.exists()


@pytest.mark.parametrize("engine", ["actors", "kernel"])
def test_validate_refuses_what_run_refuses_with_the_same_line(tmp_path: Path, little_memory: int, engine: str) -> None:
    file = _random(tmp_path / "big.yaml", 1000, 10)
    run_code, _, run_err = _main("run", str(file), "--out", str(tmp_path / "run"), "--engine", engine)
    code, printed, err = _main("validate", "--engine", engine, str(file))
    assert run_code == code == 2
    assert printed == ""
    assert err == run_err
    assert len(err.splitlines()) == 1


def test_validate_refuses_the_engine_that_refuses_the_scenario(tmp_path: Path) -> None:
    file = _random(tmp_path / "dense.yaml", 100, 3, rule="dense")
    assert _main("validate", str(file))[0] == 0  # the actors run it
    code, printed, err = _main("validate", "--engine", "kernel", str(file))
    run_code, _, run_err = _main("run", str(file), "--engine", "kernel", "--out", str(tmp_path / "run"))
    assert code == run_code == 2
    assert printed == ""
    assert err == run_err
    assert err.startswith(f"neurosim: {file}: ")
    assert len(err.splitlines()) == 1
    assert "actors" in err
    assert not (tmp_path / "run").exists()


def _glyph_scenario(path: Path, side: int) -> Path:
    rows = "\n".join("      " + ("#." * side)[k % 2 : k % 2 + side] for k in range(side))
    path.write_text(
        f"name: huge\nseed: 1\npatterns:\n  glyphs:\n    A: |\n{rows}\ntrials:\n  - cue: A\n",
        encoding="utf-8",
    )
    return path


def test_validate_does_not_build_a_huge_network(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[object] = []
    monkeypatch.setattr(api, "build_network", lambda *args, **kwargs: built.append(args))
    monkeypatch.setattr(memory, "available_bytes", lambda: 1 << 40)  # the estimate fits: only learning is left
    file = _glyph_scenario(tmp_path / "huge.yaml", 180)
    code, printed, err = _main("validate", str(file))
    assert (code, err) == (0, "")
    assert printed == (
        f"{file}: ok (32400 neurons, 1 patterns, 1 trials); couplings not learned here"
        " (too large to learn quickly; `run` learns them)\n"
    )
    assert not built


def test_validate_does_not_learn_for_ever(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[object] = []
    monkeypatch.setattr(api, "build_network", lambda *args, **kwargs: built.append(args))
    file = _random(tmp_path / "dream.yaml", 100, 5, rule="{rule: daydreaming, epochs: 1000000}")
    code, printed, _ = _main("validate", str(file))
    assert code == 0
    assert "not learned here" in printed
    assert not built


def test_validate_still_learns_a_small_network_and_refuses_patterns_a_rule_cannot_store(tmp_path: Path) -> None:
    file = _random(tmp_path / "dependent.yaml", 10, 12, rule="pseudoinverse")
    code, printed, err = _main("validate", str(file))
    assert code == 2
    assert printed == ""
    assert "linearly independent" in err
    assert len(err.splitlines()) == 1


def test_a_small_scenario_is_quick_to_learn_and_a_huge_one_is_not() -> None:
    small = parse_scenario("name: s\npatterns:\n  random: {count: 5, size: 100}\ntrials:\n  - cue: p0\n", "s.yaml")
    assert memory.quick_to_learn(small)
    large = parse_scenario("name: l\npatterns:\n  random: {count: 5, size: 30000}\ntrials:\n  - cue: p0\n", "l.yaml")
    assert not memory.quick_to_learn(large)


def _diluted(path: Path, size: int, degree: int, symmetric: bool) -> Path:
    path.write_text(
        textwrap.dedent(f"""\
        name: diluted
        seed: 1
        patterns:
          random: {{count: 20, size: {size}}}
        network:
          connectivity: {{in_degree: {degree}, symmetric: {str(symmetric).lower()}}}
        trials:
          - cue: p0
            noise: {{flip_fraction: 0.1}}
            repeats: 2
        """),
        encoding="utf-8",
    )
    return path


def test_a_diluted_network_needs_its_synapses_not_a_matrix(tmp_path: Path) -> None:
    size, degree = 100_000, 200
    symmetric = memory.needed(load_scenario(_diluted(tmp_path / "s.yaml", size, degree, True)), "kernel")
    parts = dict(symmetric.parts)
    assert "couplings" not in parts
    # 4 bytes of index and 1 of weight per synapse (P = 20 ≤ 127), the row starts, a 1 % margin
    assert parts["synapses"] == int(size * degree * 1.01 + size) * 5 + 8 * (size + 1)
    asymmetric = memory.needed(load_scenario(_diluted(tmp_path / "a.yaml", size, degree, False)), "kernel")
    assert dict(asymmetric.parts)["synapses"] == 2 * parts["synapses"]  # the columns too


@pytest.mark.skipif(sys.platform != "linux", reason="reads and resets the peak in /proc/self, frees with glibc")
@pytest.mark.parametrize("engine", ["actors", "kernel"])
def test_the_estimate_bounds_the_measured_peak_memory_of_a_diluted_run(tmp_path: Path, engine: str) -> None:
    small = _random(tmp_path / "small.yaml", 50, 3)
    big = _diluted(tmp_path / "big.yaml", 30_000, 200, True)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    args = [sys.executable, "-c", _PEAK, engine, str(small), str(big), str(tmp_path)]
    done = subprocess.run(args, capture_output=True, text=True, timeout=300, env=env, check=True)
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["code"] == 0
    needed, used = int(found["needed"]), int(found["used"])
    # Measured: actors within 1.8 of the peak; the kernel 2.2 (378 against 173 MiB), its logs being
    # reserved for every wake-up a recall may be granted (200 MiB here) and written only as far as it goes.
    top = 1.8 if engine == "actors" else 2.5
    assert 0.85 * used <= needed <= top * used, f"estimate {needed / MIB:.1f} MiB, measured {used / MIB:.1f} MiB"
