"""HopfieldANN pattern files: the real sample files, line ends, round trips, and scenarios that use them."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from neurosim.scenarios.loader import load_scenario
from neurosim.scenarios.patternfile import PatternFile, format_patterns, read_pattern_file, write_pattern_file

# The HopfieldANN sample files, vendored with their MIT licence (tests/fixtures/hopfieldann/README.md).
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hopfieldann"

# file name: (count, rows, cols), as stated in each header and checked by reading the files.
SHAPES = {
    "hopf01.dat": (7, 10, 10),
    "hopf01noisy.dat": (4, 10, 10),
    "hopf02.dat": (4, 10, 12),
    "hopf03.dat": (6, 16, 16),
    "hopf04.dat": (5, 10, 10),
}
CRLF_FILES = ("hopf01.dat", "hopf01noisy.dat", "hopf02.dat")
LF_FILES = ("hopf03.dat", "hopf04.dat")


def spins(row: str) -> list[int]:
    return [1 if c == "*" else -1 for c in row]


def read_fixture(name: str) -> PatternFile:
    return read_pattern_file(FIXTURES / name)


def grid(name: str, pattern: int) -> np.ndarray:
    data = read_fixture(name)
    return data.matrix[pattern].reshape(data.rows, data.cols)


# ---- reading the sample files ----------------------------------------------


def test_the_fixture_directory_holds_exactly_the_known_sample_files() -> None:
    assert sorted(p.name for p in FIXTURES.glob("*.dat")) == sorted(SHAPES)


@pytest.mark.parametrize(("name", "count", "rows", "cols"), [(n, *s) for n, s in SHAPES.items()], ids=list(SHAPES))
def test_each_sample_file_reads_with_its_count_and_shape(name: str, count: int, rows: int, cols: int) -> None:
    data = read_fixture(name)
    assert data.path == FIXTURES / name
    assert (data.count, data.rows, data.cols) == (count, rows, cols)
    assert data.matrix.shape == (count, rows * cols)
    assert data.matrix.dtype == np.int8
    assert set(np.unique(data.matrix).tolist()) == {-1, 1}
    assert not data.matrix.flags.writeable


@pytest.mark.parametrize(
    ("name", "pattern", "row", "pixels"),
    [
        pytest.param("hopf01.dat", 0, 0, "..*....*..", id="hopf01-p0-row1"),
        pytest.param("hopf01.dat", 0, 2, "**********", id="hopf01-p0-row3-all-on"),
        pytest.param("hopf01.dat", 6, 1, "*........*", id="hopf01-p6-row2"),
        pytest.param("hopf01noisy.dat", 0, 7, "..........", id="hopf01noisy-p0-row8-all-off"),
        pytest.param("hopf01noisy.dat", 2, 1, "*******...", id="hopf01noisy-p2-row2"),
        pytest.param("hopf02.dat", 0, 1, "************", id="hopf02-p0-row2-all-on"),
        pytest.param("hopf02.dat", 3, 9, "**..........", id="hopf02-p3-last-row"),
        pytest.param("hopf03.dat", 0, 7, "****************", id="hopf03-p0-row8-all-on"),
        pytest.param("hopf03.dat", 4, 6, "*.*.*.****.*.*.*", id="hopf03-p4-row7"),
        pytest.param("hopf03.dat", 5, 15, ".......**.......", id="hopf03-p5-last-row"),
        pytest.param("hopf04.dat", 3, 2, "........**", id="hopf04-p3-row3"),
        pytest.param("hopf04.dat", 4, 9, "*********.", id="hopf04-p4-last-row"),
    ],
)
def test_sample_pixels_match_the_file(name: str, pattern: int, row: int, pixels: str) -> None:
    assert grid(name, pattern)[row].tolist() == spins(pixels)


def test_the_first_pattern_of_hopf01_is_the_hash_sign() -> None:
    g = grid("hopf01.dat", 0)
    assert (g[2] == 1).all()
    assert (g[7] == 1).all()
    assert (g[:, 2] == 1).all()
    assert (g[:, 7] == 1).all()
    assert int((g == 1).sum()) == 36


def test_hopf04_repeats_its_first_pattern_and_stores_two_inverses() -> None:
    m = read_fixture("hopf04.dat").matrix
    assert np.array_equal(m[2], m[0])
    assert np.array_equal(m[3], -m[0])
    assert np.array_equal(m[4], -m[1])


def test_the_noisy_file_holds_damaged_copies_of_the_first_four_hopf01_patterns() -> None:
    clean = read_fixture("hopf01.dat").matrix
    noisy = read_fixture("hopf01noisy.dat").matrix
    assert [int((clean[k] != noisy[k]).sum()) for k in range(4)] == [14, 8, 6, 6]
    assert (noisy <= clean[:4]).all()  # the damage only turns pixels off


# ---- line ends --------------------------------------------------------------


def test_the_samples_really_come_with_both_line_ends() -> None:
    for name in CRLF_FILES:
        assert b"\r\n" in (FIXTURES / name).read_bytes(), name
    for name in LF_FILES:
        assert b"\r" not in (FIXTURES / name).read_bytes(), name


@pytest.mark.parametrize("name", list(SHAPES))
def test_lf_and_crlf_versions_of_a_file_give_identical_matrices(tmp_path: Path, name: str) -> None:
    lf = (FIXTURES / name).read_bytes().replace(b"\r\n", b"\n")
    (tmp_path / "lf.dat").write_bytes(lf)
    (tmp_path / "crlf.dat").write_bytes(lf.replace(b"\n", b"\r\n"))
    original = read_fixture(name)
    for variant in ("lf.dat", "crlf.dat"):
        data = read_pattern_file(tmp_path / variant)
        assert (data.rows, data.cols) == (original.rows, original.cols)
        assert np.array_equal(data.matrix, original.matrix), variant


# ---- writing ----------------------------------------------------------------


@pytest.mark.parametrize("name", list(SHAPES))
def test_format_patterns_reproduces_the_sample_text(name: str) -> None:
    data = read_fixture(name)
    text = (FIXTURES / name).read_bytes().decode("ascii").replace("\r\n", "\n")
    # The only liberty: line ends become LF and trailing blank lines shrink to one final newline.
    assert format_patterns(data.matrix, data.rows, data.cols) == text.rstrip("\n") + "\n"


@pytest.mark.parametrize("name", LF_FILES)
def test_format_patterns_reproduces_the_lf_samples_byte_for_byte(name: str) -> None:
    data = read_fixture(name)
    assert format_patterns(data.matrix, data.rows, data.cols).encode("ascii") == (FIXTURES / name).read_bytes()


@pytest.mark.parametrize("name", list(SHAPES))
def test_write_then_read_gives_back_the_same_patterns(tmp_path: Path, name: str) -> None:
    data = read_fixture(name)
    out = tmp_path / name
    write_pattern_file(out, data.matrix, data.rows, data.cols)
    assert out.read_text(encoding="ascii") == format_patterns(data.matrix, data.rows, data.cols)
    again = read_pattern_file(out)
    assert (again.count, again.rows, again.cols) == (data.count, data.rows, data.cols)
    assert np.array_equal(again.matrix, data.matrix)


def test_random_patterns_round_trip_exactly(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    matrix = rng.choice(np.array([-1, 1], dtype=np.int8), size=(3, 4 * 5))
    write_pattern_file(tmp_path / "r.dat", matrix, 4, 5)
    data = read_pattern_file(tmp_path / "r.dat")
    assert (data.count, data.rows, data.cols) == (3, 4, 5)
    assert np.array_equal(data.matrix, matrix)
    assert format_patterns(data.matrix, 4, 5) == (tmp_path / "r.dat").read_text(encoding="ascii")


def test_format_patterns_writes_the_header_then_blank_separated_blocks() -> None:
    matrix = np.array([[1, -1, -1, 1], [-1, -1, 1, 1]], dtype=np.int8)
    assert format_patterns(matrix, 2, 2) == "2 2 2\n\n*.\n.*\n\n..\n**\n"


# ---- scenarios that name pattern files --------------------------------------


def write_scenario(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_scenario_with_an_absolute_pattern_file_names_its_patterns_after_the_file(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, f"patterns:\n  file: {FIXTURES / 'hopf01.dat'}\ntrials:\n  - cue: all\n")
    scenario = load_scenario(path)
    assert scenario.pattern_names == tuple(f"hopf01_{k}" for k in range(7))
    assert scenario.neurons == 100
    assert scenario.glyph_shape == (10, 10)
    (source,) = scenario.sources
    assert source.kind == "file"
    assert source.matrix is not None
    assert np.array_equal(source.matrix, read_fixture("hopf01.dat").matrix)
    (trial,) = scenario.trials
    assert trial.targets == scenario.pattern_names


def test_a_pattern_file_path_is_resolved_relative_to_the_scenario_file(tmp_path: Path) -> None:
    relative = os.path.relpath(FIXTURES / "hopf01.dat", tmp_path)
    assert not Path(relative).is_absolute()
    path = write_scenario(tmp_path, f"patterns:\n  file: {relative}\ntrials:\n  - cue: hopf01_6\n")
    scenario = load_scenario(path)
    assert scenario.pattern_names == tuple(f"hopf01_{k}" for k in range(7))
    assert scenario.trials[0].targets == ("hopf01_6",)


def test_a_pattern_file_with_names_uses_the_given_names(tmp_path: Path) -> None:
    names = ["hash", "slash", "z", "pi", "heart", "box_heart", "box"]
    text = (
        f"patterns:\n  file: {{path: {FIXTURES / 'hopf01.dat'}, names: [{', '.join(names)}]}}\n"
        "trials:\n  - cue: heart\n"
    )
    scenario = load_scenario(write_scenario(tmp_path, text))
    assert scenario.pattern_names == tuple(names)
    assert scenario.trials[0].targets == ("heart",)


def test_a_list_of_pattern_files_of_one_size_stores_them_all(tmp_path: Path) -> None:
    text = (
        f"patterns:\n  file:\n    - {FIXTURES / 'hopf01.dat'}\n    - {FIXTURES / 'hopf04.dat'}\ntrials:\n  - cue: all\n"
    )
    scenario = load_scenario(write_scenario(tmp_path, text))
    assert scenario.pattern_names == (*(f"hopf01_{k}" for k in range(7)), *(f"hopf04_{k}" for k in range(5)))
    assert scenario.neurons == 100


def test_a_states_file_gives_one_starting_state_per_pattern_in_it(tmp_path: Path) -> None:
    text = (
        f"patterns:\n  file: {FIXTURES / 'hopf01.dat'}\n"
        f"trials:\n  - states_file: {FIXTURES / 'hopf01noisy.dat'}\n"
        f"  - cue: hopf01_0\n    states_file: {FIXTURES / 'hopf01noisy.dat'}\n"
    )
    scenario = load_scenario(write_scenario(tmp_path, text))
    noisy = read_fixture("hopf01noisy.dat").matrix
    free, cued = scenario.trials
    assert len(free.starts) == 4
    assert free.targets == (None, None, None, None)
    for start, expected in zip(free.starts, noisy, strict=True):
        assert start is not None
        assert np.array_equal(start, expected)
    assert cued.targets == ("hopf01_0",) * 4
    assert len(cued.starts) == 4
