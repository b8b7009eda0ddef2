"""Bad scenario input gets ONE clear ScenarioError naming file, line and key path."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from neurosim.cli import main
from neurosim.errors import PatternFileError, ScenarioError
from neurosim.scenarios.loader import load_scenario, parse_scenario
from neurosim.scenarios.patternfile import read_pattern_file
from neurosim.scenarios.sweep import sweep_points

# Two 4-neuron vectors on lines 1-2; a scenario built on them starts its trials on line 3.
DYNAMICS_KEYS = "schedule, max_sweeps, max_time, temperature, delay, refractory, rates, neuron, gain"

VECTORS = """\
patterns:
  vectors: {a: [1, -1, 1, -1], b: [1, 1, -1, -1]}
"""

# Two 5x5 glyphs (25 neurons) on lines 1-14, as in scenarios/letters.yaml.
LETTERS = """\
patterns:
  glyphs:
    X: |
      #...#
      .#.#.
      ..#..
      .#.#.
      #...#
    T: |
      #####
      ..#..
      ..#..
      ..#..
      ..#..
"""


@pytest.fixture
def path(tmp_path: Path) -> Path:
    """Where the scenario text is said to live; pattern files are resolved beside it."""
    return tmp_path / "s.yaml"


def rejected(text: str, path: Path) -> ScenarioError:
    """Parse `text` as the scenario file `path` and return the one error it raises."""
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, path)
    return info.value


def write_dat(path: Path, text: str) -> Path:
    path.write_text(text, encoding="ascii")
    return path


# ---- YAML itself ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        pytest.param(
            "name: demo\n"
            "patterns:\n"
            "  vectors: {a: [1, -1]}\n"
            "dynamics:\n"
            "  schedule: poisson: permutation\n"
            "trials:\n"
            "  - cue: a\n",
            5,
            "mapping values are not allowed here",
            id="colon-in-plain-value",
        ),
        pytest.param(
            "name: demo\npatterns:\n  vectors:\n    a: [1, -1]\n   b: [1, 1]\ntrials:\n  - cue: a\n",
            5,
            "expected <block end>",
            id="bad-indentation",
        ),
        pytest.param(
            "patterns:\n  vectors: {a: [1, -1]}\ntrials:\n\t- cue: a\n",
            4,
            "found character '\\t'",
            id="tab",
        ),
    ],
)
def test_malformed_yaml_is_reported_at_the_line_of_the_problem(path: Path, text: str, line: int, problem: str) -> None:
    exc = rejected(text, path)
    assert exc.file == str(path)
    assert exc.line == line
    assert exc.key is None
    assert exc.message.startswith("malformed YAML: ")
    assert problem in exc.message


def test_malformed_yaml_gives_one_line_without_the_yaml_traceback_attached(path: Path) -> None:
    exc = rejected("seed: 3: 4\n", path)
    assert str(exc) == f"{path}:1: malformed YAML: column 8: mapping values are not allowed here"
    assert "\n" not in str(exc)
    assert exc.__cause__ is None
    assert exc.__suppress_context__


@pytest.mark.parametrize(
    "text", ["", "\n\n   \n", "# nothing but a comment\n"], ids=["empty", "blank-lines", "comment"]
)
def test_an_empty_file_is_reported_at_line_1(path: Path, text: str) -> None:
    exc = rejected(text, path)
    assert (exc.file, exc.line, exc.key, exc.message) == (str(path), 1, None, "the file is empty")


def test_a_document_that_is_not_a_mapping_is_refused(path: Path) -> None:
    exc = rejected("- cue: a\n", path)
    assert (exc.line, exc.key) == (1, None)
    assert exc.message == "expected a mapping, got a list"


def test_a_missing_required_top_level_key_is_named(path: Path) -> None:
    exc = rejected(VECTORS, path)
    assert (exc.line, exc.key) == (1, None)
    assert exc.message == "missing key 'trials'"


def test_a_duplicate_key_is_reported_at_its_second_occurrence(path: Path) -> None:
    exc = rejected("seed: 1\nseed: 2\n" + VECTORS + "trials:\n  - cue: a\n", path)
    assert (exc.line, exc.key, exc.message) == (2, "seed", "duplicate key")


# ---- unknown keys -----------------------------------------------------------


def test_an_unknown_top_level_key_names_itself_and_the_allowed_keys(path: Path) -> None:
    exc = rejected(VECTORS + "trails:\n  - cue: a\n", path)
    assert exc.file == str(path)
    assert exc.line == 3
    assert exc.key == "trails"
    assert exc.message.startswith("unknown key 'trails' (expected one of: ")
    assert "trials" in exc.message


def test_an_unknown_nested_key_names_its_full_key_path(path: Path) -> None:
    text = VECTORS + "dynamics:\n  max_sweeps: 10\n  shedule: permutation\ntrials:\n  - cue: a\n"
    exc = rejected(text, path)
    assert (exc.line, exc.key) == (5, "dynamics.shedule")
    assert exc.message == f"unknown key 'shedule' (expected one of: {DYNAMICS_KEYS})"
    assert str(exc) == f"{path}:5: dynamics.shedule: unknown key 'shedule' (expected one of: {DYNAMICS_KEYS})"


def test_an_unknown_key_inside_a_trial_names_the_trial_index(path: Path) -> None:
    text = VECTORS + "trials:\n  - cue: a\n  - cue: b\n    nosie: {flip: 1}\n"
    exc = rejected(text, path)
    assert (exc.line, exc.key) == (6, "trials[1].nosie")
    assert exc.message.startswith("unknown key 'nosie'")


# ---- wrong types and ranges -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "key", "message"),
    [
        pytest.param(
            'seed: "abc"\n' + VECTORS + "trials:\n  - cue: a\n",
            1,
            "seed",
            "expected an integer, got 'abc'",
            id="seed-abc",
        ),
        pytest.param(
            "seed: -1\n" + VECTORS + "trials:\n  - cue: a\n",
            1,
            "seed",
            "must be at least 0, got -1",
            id="seed-negative",
        ),
        pytest.param(
            "seed: 1.5\n" + VECTORS + "trials:\n  - cue: a\n",
            1,
            "seed",
            "expected an integer, got 1.5",
            id="seed-float",
        ),
        pytest.param(
            VECTORS + "dynamics:\n  max_sweeps: 0\ntrials:\n  - cue: a\n",
            4,
            "dynamics.max_sweeps",
            "must be at least 1, got 0",
            id="max_sweeps-0",
        ),
        pytest.param(
            VECTORS + "trials:\n  - cue: a\n    repeats: -1\n",
            5,
            "trials[0].repeats",
            "must be at least 1, got -1",
            id="repeats-negative",
        ),
        pytest.param(
            VECTORS + "trials:\n  - cue: a\n    repeats: true\n",
            5,
            "trials[0].repeats",
            "expected an integer, got True",
            id="repeats-bool",
        ),
        pytest.param(
            VECTORS + "dynamics:\n  schedule: sideways\ntrials:\n  - cue: a\n",
            4,
            "dynamics.schedule",
            "expected one of poisson, permutation, sequential, uniform, synchronous, got 'sideways'",
            id="schedule-sideways",
        ),
        pytest.param(
            "name: a/b\n" + VECTORS + "trials:\n  - cue: a\n",
            1,
            "name",
            "not usable as a run name: 'a/b'",
            id="name-slash",
        ),
        pytest.param(
            VECTORS + "trials: {cue: a}\n", 3, "trials", "expected a list, got a mapping", id="trials-mapping"
        ),
    ],
)
def test_a_value_of_the_wrong_type_or_range_names_its_key(
    path: Path, text: str, line: int, key: str, message: str
) -> None:
    exc = rejected(text, path)
    assert (exc.file, exc.line, exc.key, exc.message) == (str(path), line, key, message)


# ---- glyphs -----------------------------------------------------------------


def test_a_glyph_row_of_the_wrong_width_names_its_line_and_key(path: Path) -> None:
    text = LETTERS.replace(
        "    T: |\n      #####\n      ..#..\n      ..#..\n", "    T: |\n      #####\n      ..#..\n      ..#.\n"
    )
    assert "      ..#.\n" in text
    exc = rejected(text + "trials:\n  - cue: X\n", path)
    assert exc.file == str(path)
    assert exc.line == 9  # the line of `T: |`
    assert exc.key == "patterns.glyphs.T"
    assert exc.message == "row 3 has 4 columns, expected 5"
    assert str(exc) == f"{path}:9: patterns.glyphs.T: row 3 has 4 columns, expected 5"


@pytest.mark.parametrize(
    ("second", "message"),
    [
        pytest.param('"##\\n..\\n##"', "glyph is 3x2, expected 2x2 like A", id="more-rows"),
        pytest.param("'#..#'", "glyph is 1x4, expected 2x2 like A", id="same-size-other-shape"),
    ],
)
def test_glyphs_of_different_shapes_name_the_odd_glyph(path: Path, second: str, message: str) -> None:
    text = f"patterns:\n  glyphs:\n    A: |\n      #.\n      .#\n    B: {second}\ntrials:\n  - cue: A\n"
    exc = rejected(text, path)
    assert (exc.line, exc.key, exc.message) == (6, "patterns.glyphs.B", message)


def test_a_glyph_with_another_character_names_the_row_and_the_character(path: Path) -> None:
    text = "patterns:\n  glyphs:\n    A: |\n      #.#\n      .o.\ntrials:\n  - cue: A\n"
    exc = rejected(text, path)
    assert (exc.line, exc.key) == (3, "patterns.glyphs.A")
    assert exc.message == "row 2 has the character 'o': use '#' or '*' for +1 and '.' for -1"


def test_an_empty_glyph_is_refused(path: Path) -> None:
    exc = rejected("patterns:\n  glyphs:\n    A: ''\ntrials:\n  - cue: A\n", path)
    assert (exc.line, exc.key, exc.message) == (3, "patterns.glyphs.A", "empty glyph")


# ---- vectors ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "shown"),
    [
        pytest.param("0", "0", id="zero"),
        pytest.param("2", "2", id="two"),
        pytest.param("-2", "-2", id="minus-two"),
        pytest.param("true", "True", id="bool"),
        pytest.param('"a"', "'a'", id="string"),
        pytest.param("0.5", "0.5", id="float"),
    ],
)
def test_a_vector_entry_that_is_not_plus_or_minus_one_names_its_index(path: Path, entry: str, shown: str) -> None:
    text = f"patterns:\n  vectors:\n    a: [1, -1, 1]\n    b: [1, {entry}, -1]\ntrials:\n  - cue: a\n"
    exc = rejected(text, path)
    assert (exc.line, exc.key) == (4, "patterns.vectors.b[1]")
    assert exc.message == f"entries must be 1 or -1, got {shown}"


def test_vectors_of_unequal_length_name_the_odd_vector(path: Path) -> None:
    text = "patterns:\n  vectors:\n    a: [1, -1, 1, -1]\n    b: [1, 1, -1]\ntrials:\n  - cue: a\n"
    exc = rejected(text, path)
    assert (exc.line, exc.key, exc.message) == (4, "patterns.vectors.b", "vector has 3 entries, expected 4")


# ---- pattern sources --------------------------------------------------------


def test_random_patterns_with_count_0_are_refused(path: Path) -> None:
    exc = rejected("patterns:\n  random: {count: 0, size: 10}\ntrials:\n  - cue: all\n", path)
    assert (exc.line, exc.key, exc.message) == (2, "patterns.random.count", "must be at least 1, got 0")


def test_a_patterns_section_without_sources_is_refused(path: Path) -> None:
    exc = rejected("patterns: {}\ntrials:\n  - cue: all\n", path)
    assert (exc.line, exc.key) == (1, "patterns")
    assert exc.message == "no patterns: give glyphs, vectors, random or file"


def test_a_pattern_name_used_by_two_sources_names_the_second_source(path: Path) -> None:
    text = "patterns:\n  glyphs: {A: '#.', B: '.#'}\n  vectors: {B: [1, 1]}\ntrials:\n  - cue: A\n"
    exc = rejected(text, path)
    assert (exc.line, exc.key, exc.message) == (3, "patterns.vectors", "pattern name 'B' is used twice")


def test_the_same_pattern_file_twice_repeats_its_names_and_is_refused(tmp_path: Path, path: Path) -> None:
    write_dat(tmp_path / "p.dat", "1 2 2\n\n*.\n\n.*\n")
    text = "patterns:\n  file:\n    - p.dat\n    - p.dat\ntrials:\n  - cue: all\n"
    exc = rejected(text, path)
    assert (exc.line, exc.key, exc.message) == (4, "patterns.file[1]", "pattern name 'p_0' is used twice")


def test_all_cannot_name_a_pattern(path: Path) -> None:
    exc = rejected("patterns:\n  vectors: {all: [1, -1]}\ntrials:\n  - cue: all\n", path)
    assert (exc.line, exc.key) == (2, "patterns.vectors")
    assert exc.message.startswith("'all' cannot name a pattern")


@pytest.mark.parametrize(
    ("second", "key", "neurons"),
    [
        pytest.param("  vectors: {C: [1, 1, -1]}\n", "patterns.vectors", 3, id="vectors"),
        pytest.param("  random: {count: 2, size: 5}\n", "patterns.random", 5, id="random"),
    ],
)
def test_sources_of_different_sizes_name_the_odd_source(path: Path, second: str, key: str, neurons: int) -> None:
    text = "patterns:\n  glyphs: {A: '#.', B: '.#'}\n" + second + "trials:\n  - cue: A\n"
    exc = rejected(text, path)
    assert (exc.line, exc.key) == (3, key)
    assert exc.message == f"patterns have {neurons} neurons, expected 2 like the first source"


# ---- pattern files ----------------------------------------------------------


def test_an_empty_list_of_pattern_files_is_refused_on_its_line(path: Path) -> None:
    exc = rejected("patterns:\n  file: []\ntrials:\n  - cue: all\n", path)  # found by the slow fuzz test
    assert (exc.file, exc.line, exc.key) == (str(path), 2, "patterns.file")
    assert exc.message == "an empty list of pattern files: give a file, or a list of them"


def test_a_missing_pattern_file_names_the_scenario_line_and_the_missing_file(tmp_path: Path, path: Path) -> None:
    exc = rejected("patterns:\n  file: missing.dat\ntrials:\n  - cue: all\n", path)
    assert (exc.file, exc.line, exc.key) == (str(path), 2, "patterns.file")
    assert exc.message == f"{tmp_path / 'missing.dat'}: pattern file not found"


def test_a_pattern_file_whose_header_promises_too_many_patterns_names_the_dat_file_and_header_line(
    tmp_path: Path, path: Path
) -> None:
    dat = write_dat(tmp_path / "big.dat", "2 2 3\n\n*.\n.*\n\n**\n..\n")
    exc = rejected("patterns:\n  file: big.dat\ntrials:\n  - cue: all\n", path)
    assert (exc.file, exc.line, exc.key) == (str(path), 2, "patterns.file")
    assert exc.message == f"{dat}:1: header promises 3 patterns of 2 rows (6 rows), the file has 4"


def test_a_pattern_file_row_of_the_wrong_width_names_the_dat_file_and_its_line(tmp_path: Path, path: Path) -> None:
    dat = write_dat(tmp_path / "wide.dat", "2 2 2\n\n*.\n.*\n\n**\n.\n")
    exc = rejected("patterns:\n  file: {path: wide.dat, names: [p, q]}\ntrials:\n  - cue: all\n", path)
    assert (exc.file, exc.line, exc.key) == (str(path), 2, "patterns.file.path")
    assert exc.message == f"{dat}:7: row has 1 columns, expected 2"
    assert str(exc) == f"{path}:2: patterns.file.path: {dat}:7: row has 1 columns, expected 2"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        pytest.param(
            "2 2 3\n\n*.\n.*\n\n**\n..\n",
            1,
            "header promises 3 patterns of 2 rows (6 rows), the file has 4",
            id="count",
        ),
        pytest.param("2 2 2\r\n\r\n*.\r\n.*\r\n\r\n**\r\n.\r\n", 7, "row has 1 columns, expected 2", id="width-crlf"),
        pytest.param("2 2 1\n\n*.\n.#\n", 4, "unexpected character '#' (use '*' and '.')", id="character"),
        pytest.param("\n\n2 x 1\n*.\n", 3, "header must be three whole numbers: rows cols count", id="header"),
        pytest.param("2 2 0\n", 1, "rows, cols and count must be positive", id="zero-count"),
        pytest.param("\n \n", 1, "empty pattern file", id="empty"),
    ],
)
def test_read_pattern_file_names_the_dat_file_and_its_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    dat = write_dat(tmp_path / "bad.dat", text)
    with pytest.raises(PatternFileError) as info:
        read_pattern_file(dat)
    assert (info.value.file, info.value.line, info.value.message) == (str(dat), line, message)


def test_a_pattern_file_with_the_wrong_number_of_names_is_refused(tmp_path: Path, path: Path) -> None:
    write_dat(tmp_path / "p.dat", "1 2 2\n\n*.\n\n.*\n")
    exc = rejected("patterns:\n  file:\n    path: p.dat\n    names: [x, y, z]\ntrials:\n  - cue: all\n", path)
    assert (exc.line, exc.key, exc.message) == (4, "patterns.file.names", "3 names for 2 patterns in p.dat")


def test_a_bad_states_file_names_the_trial_key_and_the_dat_line(tmp_path: Path, path: Path) -> None:
    dat = write_dat(tmp_path / "states.dat", "2 2 1\n\n*.\n*\n")
    exc = rejected(VECTORS + "trials:\n  - states_file: states.dat\n", path)
    assert (exc.line, exc.key) == (4, "trials[0].states_file")
    assert exc.message == f"{dat}:4: row has 1 columns, expected 2"


def test_a_states_file_of_the_wrong_size_is_refused(tmp_path: Path, path: Path) -> None:
    write_dat(tmp_path / "states.dat", "1 3 1\n\n*.*\n")
    exc = rejected(VECTORS + "trials:\n  - states_file: states.dat\n", path)
    assert (exc.line, exc.key) == (4, "trials[0].states_file")
    assert exc.message == "states.dat holds states of 3 neurons, the network has 4"


# ---- trials -----------------------------------------------------------------


def test_a_cue_naming_no_pattern_lists_the_patterns(path: Path) -> None:
    exc = rejected(VECTORS + "trials:\n  - cue: a\n  - cue: c\n", path)
    assert (exc.line, exc.key) == (5, "trials[1].cue")
    assert exc.message == "no pattern is named 'c' (patterns: a, b)"


def test_cue_all_with_a_state_is_refused(path: Path) -> None:
    exc = rejected(VECTORS + "trials:\n  - cue: all\n    state: [1, 1, 1, 1]\n", path)
    assert (exc.line, exc.key) == (4, "trials[0].cue")
    assert exc.message == "cue 'all' cannot be combined with explicit, random or mixture states"


def test_a_state_and_a_states_file_together_are_refused(tmp_path: Path, path: Path) -> None:
    write_dat(tmp_path / "states.dat", "2 2 1\n\n*.\n.*\n")
    exc = rejected(VECTORS + "trials:\n  - state: [1, 1, 1, 1]\n    states_file: states.dat\n", path)
    assert (exc.line, exc.key, exc.message) == (
        5,
        "trials[0].states_file",
        "give either state or states_file, not both",
    )


@pytest.mark.parametrize(
    ("state", "neurons"),
    [
        pytest.param("[1, -1, 1]", 3, id="vector"),
        pytest.param("'#.#'", 3, id="glyph"),
        pytest.param("[1, -1, 1, -1, 1]", 5, id="too-long"),
    ],
)
def test_a_state_of_the_wrong_length_is_refused(path: Path, state: str, neurons: int) -> None:
    exc = rejected(VECTORS + f"trials:\n  - cue: a\n    state: {state}\n", path)
    assert (exc.line, exc.key) == (5, "trials[0].state")
    assert exc.message == f"state has {neurons} neurons, the network has 4"


def test_a_trial_with_neither_cue_nor_state_is_refused(path: Path) -> None:
    exc = rejected(VECTORS + "trials:\n  - cue: a\n  - repeats: 2\n    noise: {flip: 1}\n", path)
    assert (exc.line, exc.key) == (5, "trials[1]")
    assert exc.message == "a trial needs a cue, a state or a states_file"


def test_an_empty_trial_list_is_refused(path: Path) -> None:
    exc = rejected(VECTORS + "trials: []\n", path)
    assert (exc.line, exc.key, exc.message) == (3, "trials", "no trials")


# ---- noise ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("noise", "key", "message"),
    [
        pytest.param(
            "{flip: 26}", "trials[0].noise.flip", "cannot flip 26 neurons in a network of 25", id="flip-26-of-25"
        ),
        pytest.param("{flip: -1}", "trials[0].noise.flip", "must be at least 0, got -1", id="flip-negative"),
        pytest.param(
            "{flip_fraction: 1.5}",
            "trials[0].noise.flip_fraction",
            "must be a fraction between 0 and 1, got 1.5",
            id="flip_fraction-1.5",
        ),
        pytest.param(
            "{flip_fraction: .nan}",
            "trials[0].noise.flip_fraction",
            "expected a finite number, got nan",
            id="flip_fraction-nan",
        ),
        pytest.param("{mask: 2}", "trials[0].noise.mask", "must be a fraction between 0 and 1, got 2.0", id="mask-2"),
    ],
)
def test_a_noise_level_beyond_the_network_names_its_key(path: Path, noise: str, key: str, message: str) -> None:
    text = "patterns:\n  random: {count: 2, size: 25}\ntrials:\n  - cue: p0\n" + f"    noise: {noise}\n"
    exc = rejected(text, path)
    assert (exc.line, exc.key, exc.message) == (5, key, message)


def test_flip_26_is_refused_on_the_25_neuron_letters(path: Path) -> None:
    exc = rejected(LETTERS + "trials:\n  - cue: X\n    noise: {flip: 26}\n", path)
    assert (exc.line, exc.key) == (17, "trials[0].noise.flip")
    assert exc.message == "cannot flip 26 neurons in a network of 25"


@pytest.mark.parametrize(
    "noise",
    [
        pytest.param("{flip: 1, mask: 0.5}", id="flip-and-mask"),
        pytest.param("{flip: 1, flip_fraction: 0.1}", id="flip-and-flip_fraction"),
        pytest.param("{flip_fraction: 0.1, mask: 0.5}", id="flip_fraction-and-mask"),
        pytest.param("{}", id="none"),
    ],
)
def test_noise_must_be_exactly_one_kind(path: Path, noise: str) -> None:
    exc = rejected(VECTORS + f"trials:\n  - cue: a\n    noise: {noise}\n", path)
    assert (exc.line, exc.key) == (5, "trials[0].noise")
    assert exc.message == "give exactly one of flip, flip_fraction, flip_probability or mask"


@pytest.mark.parametrize(
    "noise", ["{flip: 1, fill: 1}", "{flip_fraction: 0.1, fill: random}"], ids=["flip", "flip_fraction"]
)
def test_fill_without_mask_is_refused(path: Path, noise: str) -> None:
    exc = rejected(VECTORS + f"trials:\n  - cue: a\n    noise: {noise}\n", path)
    assert (exc.line, exc.key, exc.message) == (5, "trials[0].noise.fill", "fill goes with mask")


def test_a_fill_other_than_minus_one_one_or_random_is_refused(path: Path) -> None:
    exc = rejected(VECTORS + "trials:\n  - cue: a\n    noise: {mask: 0.5, fill: 0}\n", path)
    assert (exc.line, exc.key, exc.message) == (5, "trials[0].noise.fill", "expected -1, 1 or random, got 0")


# ---- load_scenario and the command line -------------------------------------


def test_load_scenario_names_the_file_it_read(tmp_path: Path) -> None:
    scenario = tmp_path / "bad.yaml"
    scenario.write_text(VECTORS + "trials:\n  - cue: c\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(scenario)
    assert (info.value.file, info.value.line, info.value.key) == (str(scenario), 4, "trials[0].cue")


def test_load_scenario_of_a_missing_file_says_so(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ScenarioError) as info:
        load_scenario(missing)
    assert (info.value.file, info.value.line, info.value.key) == (str(missing), None, None)
    assert str(info.value) == f"{missing}: scenario file not found"


def test_load_scenario_of_a_file_that_is_not_utf8_says_so(tmp_path: Path) -> None:
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"name: caf\xe9\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(latin)
    assert str(info.value) == f"{latin}:1: cannot read scenario file: column 10: not UTF-8 text (the byte 0xe9)"


def test_validate_prints_the_one_error_line_and_exits_2(tmp_path: Path) -> None:
    scenario = tmp_path / "bad.yaml"
    scenario.write_text(VECTORS + "dynamics:\n  shedule: poisson\ntrials:\n  - cue: a\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = main(["validate", str(scenario)], stdout=out, stderr=err)
    assert code == 2
    assert out.getvalue() == ""
    assert err.getvalue() == (
        f"neurosim: {scenario}:4: dynamics.shedule: unknown key 'shedule' (expected one of: {DYNAMICS_KEYS})\n"
    )


# ---- known bugs -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "key"),
    [
        pytest.param(
            "name: 2024-13-01\n" + VECTORS + "trials:\n  - cue: a\n",
            1,
            "name",
            id="impossible-date",
        ),
        pytest.param(
            VECTORS + "trials:\n  - cue: a\n    repeats: !!int abc\n",
            5,
            "trials[0].repeats",
            id="int-tag",
        ),
        pytest.param(
            "seed: !foo 3\n" + VECTORS + "trials:\n  - cue: a\n",
            1,
            "seed",
            id="unknown-tag",
        ),
        pytest.param(
            VECTORS + "dynamics:\n  <<: {schedule: poisson}\ntrials:\n  - cue: a\n",
            4,
            "dynamics",
            id="merge-key",
        ),
    ],
)
def test_a_value_yaml_cannot_construct_is_a_scenario_error(path: Path, text: str, line: int, key: str) -> None:
    exc = rejected(text, path)
    assert exc.file == str(path)
    assert exc.line == line
    assert exc.key is not None
    assert exc.key.startswith(key)


@pytest.mark.parametrize("bias", [".nan", "[0, 0, .nan, 0]", ".inf"], ids=["nan", "nan-in-list", "inf"])
def test_a_bias_that_is_not_finite_is_refused(path: Path, bias: str) -> None:
    exc = rejected(VECTORS + f"network:\n  biases: {bias}\ntrials:\n  - cue: a\n", path)
    assert exc.line == 4
    assert exc.key is not None
    assert exc.key.startswith("network.biases")


def test_a_duplicate_glyph_name_is_reported_at_its_second_occurrence(path: Path) -> None:
    exc = rejected("patterns:\n  glyphs:\n    A: '#.'\n    B: '##'\n    A: '.#'\ntrials:\n  - cue: A\n", path)
    assert (exc.line, exc.key, exc.message) == (5, "patterns.glyphs.A", "duplicate name")


def test_a_name_yaml_would_read_as_a_boolean_is_kept_as_written(path: Path) -> None:
    scenario = parse_scenario("patterns:\n  glyphs:\n    NO: '#.'\n    on: '.#'\ntrials:\n  - cue: NO\n", path)
    assert scenario.pattern_names == ("NO", "on")


def test_the_base_texts_of_these_tests_are_valid_scenarios(path: Path) -> None:
    vectors = parse_scenario(VECTORS + "trials:\n  - cue: a\n", path)
    letters = parse_scenario(LETTERS + "trials:\n  - cue: X\n    noise: {flip: 25}\n", path)
    assert (vectors.pattern_names, vectors.neurons) == (("a", "b"), 4)
    assert (letters.pattern_names, letters.neurons, letters.glyph_shape) == (("X", "T"), 25, (5, 5))


def test_a_float_that_equals_one_is_not_a_vector_entry(path: Path) -> None:
    exc = rejected("patterns:\n  vectors: {a: [1, -1.0, 1, -1]}\ntrials:\n  - cue: a\n", path)
    assert (exc.line, exc.key) == (2, "patterns.vectors.a[1]")
    assert "entries must be 1 or -1, got -1.0" in exc.message


def test_a_float_fill_value_is_refused(path: Path) -> None:
    exc = rejected(VECTORS + "trials:\n  - cue: a\n    noise: {mask: 0.5, fill: 1.0}\n", path)
    assert (exc.line, exc.key) == (5, "trials[0].noise.fill")


def test_a_seed_cannot_be_swept(path: Path) -> None:
    exc = rejected(VECTORS + "trials: [{cue: a}]\nsweep:\n  grid:\n    seed: [1, 2]\n", path)
    assert (exc.line, exc.key) == (6, "sweep.grid.seed")
    assert "seeds go under `sweep.seeds`" in exc.message


def test_an_exponent_without_a_dot_is_a_number(path: Path) -> None:
    scenario = parse_scenario(VECTORS + "dynamics:\n  temperature: 1e-3\ntrials: [{cue: a}]\n", path)
    assert scenario.dynamics.temperature == 0.001


# ---- any input: one line, within the limits (examples found by tests/scenarios/test_fuzz.py) ----


def one_line(text: str, path: Path) -> str:
    """The one error line `text` is refused with, checked to be one line naming the file."""
    line = str(rejected(text, path))
    assert "\n" not in line
    assert line.startswith(f"{path}:")
    return line


def test_deeply_nested_flow_collections_are_refused_at_their_depth(path: Path) -> None:
    line = one_line("trials: " + "[" * 100_000 + "]" * 100_000 + "\n", path)
    assert line == f"{path}:1: malformed YAML: column 72: nested deeper than 64 levels"


def test_a_character_yaml_does_not_allow_is_reported_at_line_and_column(path: Path) -> None:
    line = one_line("seed: 1\nname: a\x07b\ntrials: []\n", path)
    assert line == f"{path}:2: malformed YAML: column 8: the character '\\x07' is not allowed"


def test_a_nul_byte_at_the_start_is_one_line(tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_bytes(b"\x00\ntrials: []\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(scenario)
    assert str(info.value) == f"{scenario}:1: malformed YAML: column 1: the character '\\x00' is not allowed"


def test_undecodable_bytes_are_reported_at_line_and_column(tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_bytes(b"seed: 1\ntrials:\n  - cue: \xff\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(scenario)
    assert str(info.value) == f"{scenario}:3: cannot read scenario file: column 10: not UTF-8 text (the byte 0xff)"


def test_an_alias_bomb_is_refused_without_being_expanded(path: Path) -> None:
    lines = ["    x: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    for k in range(9):
        name, previous = chr(98 + k), chr(97 + k)
        lines.append(f"    y{k}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    text = VECTORS + "trials:\n  - cue: a\nsweep:\n  grid:\n" + "\n".join(lines) + "\n"
    line = one_line(text, path)
    assert line.endswith("the document expands to more than 1,000,000 values (through aliases)")


def test_a_file_larger_than_the_limit_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_bytes(b"# " + b"x" * (16 * 2**20) + b"\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(scenario)
    assert str(info.value) == f"{scenario}: the scenario file is larger than 16,777,216 bytes"


@pytest.mark.parametrize(
    ("text", "line", "key", "message"),
    [
        (
            "patterns:\n  random: {count: 1000000000000, size: 10}\ntrials:\n  - cue: p0\n",
            2,
            "patterns.random.count",
            "must be at most 1,048,576, got 1000000000000",
        ),
        (
            "patterns:\n  random: {count: 2000, size: 1048576}\ntrials:\n  - cue: p0\n",
            2,
            "patterns.random",
            "2,000 patterns of 1,048,576 neurons: more than 1,073,741,824 entries",
        ),
        (
            VECTORS + "trials:\n  - cue: a\n    repeats: 100000000\n",
            5,
            "trials[0].repeats",
            "must be at most 1,000,000",
        ),
        (VECTORS + "trials:\n  - cue: a\n    repeats: .nan\n", 5, "trials[0].repeats", "expected an integer, got nan"),
        (VECTORS + "seed: 9223372036854775808\ntrials: [{cue: a}]\n", 3, "seed", "must be at most"),
        (
            "network:\n  problem:\n    maxcut: {edges: [[0, 9223372036854775808]]}\ntrials:\n  - state: random\n",
            3,
            "network.problem.maxcut.edges[0][1]",
            "must be at most 1,048,575, got 9223372036854775808",
        ),
        (
            "network:\n  problem:\n    rooks: {n: 100000}\ntrials:\n  - state: random\n",
            3,
            "network.problem.rooks.n",
            "must be at most 1,024",
        ),
        (
            VECTORS + "network:\n  learning: {rule: daydreaming, epochs: 1000000000}\ntrials: [{cue: a}]\n",
            4,
            "network.learning.epochs",
            "must be at most 1,000,000",
        ),
        (
            VECTORS + "trials: [{cue: a}]\nsweep:\n  grid:\n    dynamics.temperature: [1]\n  seeds: 1000000000000\n",
            7,
            "sweep.seeds",
            "must be at most 10,000",
        ),
        (
            "patterns:\n  random: {count: 1, size: 10}\ntrials: [{cue: p0}]\nsweep:\n  grid:\n    alpha: [.inf]\n",
            6,
            "sweep.grid.alpha[0]",
            "a load alpha must be a positive number up to 1,048,576, got inf",
        ),
        (VECTORS + "maybe: 1\ntrials: [{cue: a}]\n", 3, "maybe", "unknown key 'maybe'"),
        (VECTORS + "on: 1\ntrials: [{cue: a}]\n", 3, None, "keys must be strings, got True"),
    ],
)
def test_huge_odd_and_non_finite_values_are_refused_in_one_line(
    text: str, line: int, key: str | None, message: str, path: Path
) -> None:
    exc = rejected(text, path)
    assert (exc.line, exc.key) == (line, key)
    assert message in exc.message
    assert "\n" not in str(exc)


def test_a_sweep_with_too_many_runs_is_refused_before_it_is_expanded(path: Path) -> None:
    values = "[" + ", ".join(["1"] * 400) + "]"
    text = VECTORS + f"trials: [{{cue: a}}]\nsweep:\n  grid:\n    dynamics.temperature: {values}\n"
    exc = rejected(text + f"    dynamics.delay: {values}\n", path)
    assert (exc.line, exc.key) == (4, "sweep")
    assert exc.message == "a sweep of 160,000 runs (grid points × seeds): at most 10,000"


def test_a_long_value_is_echoed_cut_to_80_characters(path: Path) -> None:
    line = one_line("patterns:\n  random: " + "x" * 5000 + "\ntrials: [{cue: a}]\n", path)
    assert line == f"{path}:2: patterns.random: expected a mapping, got '" + "x" * 78 + "…"


def test_a_long_unknown_cue_is_echoed_cut_to_80_characters(path: Path) -> None:
    line = one_line(VECTORS + "trials:\n  - cue: " + "y" * 100_000 + "\n", path)
    assert line == f"{path}:4: trials[0].cue: no pattern is named '" + "y" * 78 + "… (patterns: a, b)"


def test_a_line_break_in_a_pattern_name_is_refused_escaped(path: Path) -> None:
    line = one_line('patterns:\n  vectors: {"a\\nb": [1, -1, 1, -1]}\ntrials:\n  - cue: a\n', path)
    assert line.endswith("patterns.vectors: names must be printable text (no line breaks or tabs), got 'a\\nb'")


def test_a_line_break_in_a_run_name_is_refused_escaped(path: Path) -> None:
    line = one_line(VECTORS + 'name: "a\\nb"\ntrials: [{cue: a}]\n', path)
    assert line == f"{path}:3: name: not usable as a run name: 'a\\nb'"


# ---- the files a scenario names: corrupt, complex-valued, undecodable, too large ----


def network_from(tmp_path: Path, block: str, trials: str = "trials:\n  - state: [1, 1, 1, 1]\n") -> ScenarioError:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(f"network:\n{block}\n{trials}", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(scenario)
    assert "\n" not in str(info.value)
    return info.value


def test_complex_valued_weights_are_refused_in_one_line(tmp_path: Path) -> None:
    np.save(tmp_path / "w.npy", np.eye(4) * (1 + 1j))
    exc = network_from(tmp_path, "  weights: w.npy")
    assert (exc.line, exc.key, exc.message) == (2, "network.weights", "w.npy holds complex128 values, not real numbers")


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("w.npy", b"\x93NUMPY garbage"),
        ("w.npy", b"\x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': False, 'shape': (4, 4), }" + b" " * 50),
        ("w.npz", b"PK\x03\x04garbage"),
        ("w.npz", b""),
    ],
)
def test_a_corrupt_numpy_file_is_refused_in_one_line(tmp_path: Path, name: str, data: bytes) -> None:
    (tmp_path / name).write_bytes(data)
    exc = network_from(tmp_path, f"  weights: {name}")
    assert (exc.line, exc.key) == (2, "network.weights")
    assert exc.message.startswith(f"cannot read {name} as a numpy file: ")


def test_an_npz_with_a_corrupt_member_is_refused_in_one_line(tmp_path: Path) -> None:
    archive = tmp_path / "w.npz"
    np.savez(archive, matrix=np.eye(4))
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) // 2])
    exc = network_from(tmp_path, "  weights: w.npz")
    assert (exc.line, exc.key) == (2, "network.weights")


def test_an_edge_list_that_is_not_utf8_is_refused_at_its_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "g.edges").write_bytes(b"0 1\n1 caf\xe9\n")
    exc = network_from(tmp_path, "  problem:\n    maxcut: {edges: g.edges}", "trials:\n  - state: random\n")
    assert (exc.line, exc.key) == (3, "network.problem.maxcut.edges")
    assert (
        exc.message == f"{tmp_path / 'g.edges'}:2: cannot read edge-list file: column 6: not UTF-8 text (the byte 0xe9)"
    )


@pytest.mark.parametrize("node", ["9223372036854775808", "1048576", "\u00b2"])
def test_an_edge_list_node_beyond_the_limit_is_refused_at_its_line(tmp_path: Path, node: str) -> None:
    (tmp_path / "g.edges").write_text(f"0 1\n1 {node}\n", encoding="utf-8")
    exc = network_from(tmp_path, "  problem:\n    maxcut: {edges: g.edges}", "trials:\n  - state: random\n")
    assert (exc.file, exc.line) == (str(tmp_path / "g.edges"), 2)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("1 1", "header must be three whole numbers: rows cols count"),
        ("99999999999 99999999999 3", "at most 1,048,576 neurons (rows × cols) and 1,048,576 patterns"),
    ],
)
def test_a_pattern_file_header_beyond_the_limits_is_refused(tmp_path: Path, header: str, message: str) -> None:
    dat = tmp_path / "p.dat"
    dat.write_text(f"{header}\n*\n", encoding="utf-8")
    with pytest.raises(PatternFileError) as info:
        read_pattern_file(dat)
    assert (info.value.line, info.value.message) == (1, message)


def test_a_pattern_file_that_is_not_ascii_is_refused_at_its_line_and_column(tmp_path: Path) -> None:
    dat = tmp_path / "p.dat"
    dat.write_bytes(b"1 2 1\n*\xe9\n")
    with pytest.raises(PatternFileError) as info:
        read_pattern_file(dat)
    assert str(info.value) == f"{dat}:2: not an ASCII pattern file (column 2)"


def test_validate_answers_a_deeply_nested_file_with_one_line_and_2(tmp_path: Path) -> None:
    scenario = tmp_path / "deep.yaml"
    scenario.write_text("trials: " + "[" * 100_000 + "\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert main(["validate", str(scenario)], stdout=out, stderr=err) == 2
    assert err.getvalue() == f"neurosim: {scenario}:1: malformed YAML: column 72: nested deeper than 64 levels\n"


@pytest.mark.parametrize(
    "members",
    [
        {"matrix": np.eye(4) * (1 + 1j)},
        {"matrix": np.ones((4, 3))},
        {"biases": np.full(4, np.nan)},
        {"divisor": np.array([1.0, 2.0])},
    ],
)
def test_a_saved_weights_file_with_odd_members_is_refused_in_one_line(tmp_path: Path, members: dict[str, Any]) -> None:
    fields: dict[str, Any] = {
        "matrix": np.eye(4),
        "divisor": 1.0,
        "biases": np.zeros(4),
        "rule": "hebbian",
        "patterns": np.array([], dtype=str),
        "format": "neurosim-weights-1",
    }
    np.savez(tmp_path / "w.npz", **(fields | members))
    exc = network_from(tmp_path, "  weights: w.npz")
    assert (exc.line, exc.key) == (2, "network.weights")
    assert exc.message.startswith("w.npz holds") or exc.message.startswith("cannot read w.npz")


def test_a_sweep_over_a_large_document_is_refused_before_its_points_are_checked(path: Path) -> None:
    # 10,000 values: a larger document only takes longer to read (100,000 took 5-15 s), the product is what counts
    vector = "[" + ", ".join(["1"] * 10_000) + "]"
    text = f"patterns:\n  vectors: {{a: {vector}}}\ntrials: [{{cue: a}}]\nsweep:\n  grid:\n    dynamics.delay: [0, 1]\n"
    exc = rejected(text + "  seeds: 150\n", path)
    assert (exc.line, exc.key) == (4, "sweep")
    assert exc.message == "300 runs of a document of 10,022 values: at most 2,000,000 values in all"


@pytest.mark.parametrize("tagged", ["!!bool maybe", "!!timestamp x", "!!int abc", "!!float 1e99999x", "!!set [1]"])
@pytest.mark.parametrize("where", ["seed: {}\ntrials: [{{cue: a}}]\n", "{}: 1\ntrials: [{{cue: a}}]\n"])
def test_a_tagged_value_yaml_cannot_build_is_one_line(path: Path, tagged: str, where: str) -> None:
    exc = rejected(VECTORS + where.format(tagged), path)
    assert exc.line == 3
    assert "\n" not in str(exc)


@pytest.mark.parametrize(
    "data",
    [
        b"trials: " + b"[" * 100_000 + b"\n",
        b"name: \x07\ntrials: []\n",
        b"\xff\xfe\x00",
        b"patterns:\n  random: {count: 1e12, size: 10}\ntrials:\n  - cue: p0\n",
        b"patterns:\n  random: {count: 1000000000000, size: 1000000000000}\ntrials:\n  - cue: p0\n",
        b"patterns:\n  random: {count: 1, size: 10}\ntrials: [{cue: p0}]\nsweep: {grid: {alpha: [.nan]}}\n",
    ],
)
def test_run_answers_bad_bytes_with_one_line_and_2_and_writes_nothing(tmp_path: Path, data: bytes) -> None:
    scenario = tmp_path / "bad.yaml"
    scenario.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    assert main(["run", str(scenario), "--out", str(tmp_path / "r")], stdout=out, stderr=err) == 2
    assert err.getvalue().count("\n") == 1
    assert err.getvalue().startswith(f"neurosim: {scenario}:")
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("key", ["k" * 10_000, "x." + "k" * 10_000, "patterns.random." + "k" * 5_000])
def test_a_long_sweep_axis_is_echoed_cut(path: Path, key: str) -> None:
    head = "patterns:\n  random: {count: 1, size: 10}\ntrials: [{cue: p0}]\nsweep:\n  grid:\n"
    text = head + f"    ? {key}\n    : [1]\n"
    scenario = parse_scenario(text, path)
    with pytest.raises(ScenarioError) as info:
        sweep_points(scenario)
    assert (info.value.line, len(str(info.value)) < len(str(path)) + 600) == (6, True)


def test_a_wake_up_budget_beyond_the_engines_counters_is_refused_at_max_sweeps(path: Path) -> None:
    text = VECTORS + "dynamics:\n  max_sweeps: 1099511627777\ntrials:\n  - cue: a\n"  # 2^40 + 1
    exc = rejected(text, path)
    assert (exc.line, exc.key) == (4, "dynamics.max_sweeps")
    ok = parse_scenario(VECTORS + "dynamics:\n  max_sweeps: 1099511627776\ntrials:\n  - cue: a\n", path)
    assert ok.dynamics.max_sweeps == 2**40
