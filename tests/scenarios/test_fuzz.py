"""Any bytes in a scenario or pattern file get the documented answer: a Scenario, or one ScenarioError line.

Property-based: raw bytes, and the bundled scenarios mutated the way hand
editing, scripts and copying mangle files. The default suite runs a few dozen
examples of each; `-m slow` runs many more. A minimal failing example found
here becomes an ordinary test in test_loader_errors.py.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neurosim.cli import main
from neurosim.errors import NeurosimError
from neurosim.scenarios.loader import load_scenario
from neurosim.scenarios.patternfile import read_pattern_file

BUNDLED = Path(__file__).resolve().parents[2] / "scenarios"
TEXTS = tuple(path.read_bytes() for path in sorted(BUNDLED.glob("*.yaml")))
PATTERNS = (BUNDLED / "shapes.dat").read_bytes()

#: Values a careless edit puts where another kind of value was.
ODD_VALUES = (
    b"-1",
    b"0",
    b"1e12",
    b"1000000000000",
    b"9223372036854775808",
    b"18446744073709551616",
    b"1e400",
    b"-.inf",
    b".inf",
    b".nan",
    b"nan",
    b"yes",
    b"maybe",
    b"on",
    b"~",
    b"''",
    b"[]",
    b"{}",
    b"[1, [2, [3]]]",
    b"{a: 1, a: 2}",
    b"&x [1, 2]",
    b"*x",
    b"*nowhere",
    b"!!python/object:os.system x",
    b"!!binary AAAA",
    b"2001-13-45",
    b'"\\u0000"',
    b"\xc3\xa9t\xc3\xa9",
    b"\xf0\x9f\xa7\xa0",
    b"\t1",
    b"a\nb",
    b"[" * 200,
    b"x" * 5000,
    b"<<: {a: 1}",
)
ALIAS_BOMB = b"".join(
    [b"a: &a [x, x, x, x, x, x, x, x, x]\n"]
    + [f"{chr(98 + k)}: &{chr(98 + k)} [*{chr(97 + k)}, *{chr(97 + k)}, *{chr(97 + k)}]\n".encode() for k in range(9)]
)

FAST = settings(max_examples=100, deadline=None, database=None, suppress_health_check=list(HealthCheck))
LONG = settings(max_examples=2000, deadline=None, database=None, suppress_health_check=list(HealthCheck))


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A bundled scenario after one to three careless edits."""
    data = draw(st.sampled_from(TEXTS))
    for _ in range(draw(st.integers(1, 3))):
        lines = data.split(b"\n")
        at = draw(st.integers(0, max(0, len(lines) - 1)))
        kind = draw(
            st.sampled_from(
                ("flip", "delete", "duplicate", "indent", "value", "insert", "crlf", "bom", "tabs", "bomb", "cut")
            )
        )
        if kind == "flip" and data:
            k = draw(st.integers(0, len(data) - 1))
            data = data[:k] + bytes([data[k] ^ (1 << draw(st.integers(0, 7)))]) + data[k + 1 :]
        elif kind == "delete":
            data = b"\n".join(lines[:at] + lines[at + 1 :])
        elif kind == "duplicate":
            data = b"\n".join([*lines[: at + 1], *lines[at:]])
        elif kind == "indent":
            shift = draw(st.sampled_from((b" ", b"  ", b"\t", b"")))
            lines[at] = shift + lines[at].lstrip(b" ") if draw(st.booleans()) else shift + lines[at]
            data = b"\n".join(lines)
        elif kind == "value" and b":" in lines[at]:
            key = lines[at].split(b":", 1)[0]
            lines[at] = key + b": " + draw(st.sampled_from(ODD_VALUES))
            data = b"\n".join(lines)
        elif kind == "insert":
            lines.insert(at, draw(st.binary(max_size=40)))
            data = b"\n".join(lines)
        elif kind == "crlf":
            data = data.replace(b"\n", b"\r\n")
        elif kind == "bom":
            data = b"\xef\xbb\xbf" + data
        elif kind == "tabs":
            data = data.replace(b"  ", b"\t")
        elif kind == "bomb":
            data = data + b"\n" + ALIAS_BOMB
        elif kind == "cut":
            data = data[: draw(st.integers(0, len(data)))]
    return data


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the bundled scenarios' folder, so the files they name (patterns, edges) are found."""
    target = tmp_path_factory.mktemp("fuzz")
    for path in BUNDLED.iterdir():
        if path.is_file():
            shutil.copy(path, target / path.name)
    return target


def load_answers(folder: Path, data: bytes) -> None:
    """Loading `data` gives a Scenario or one ScenarioError line naming the file, nothing else."""
    path = folder / "fuzzed.yaml"
    path.write_bytes(data)
    assert_one_line(refusal(load_scenario, path), path)


def refusal(read: Callable[[Path], object], path: Path) -> str | None:
    """The line `read(path)` refuses the file with (a NeurosimError), or None when it reads it."""
    try:
        read(path)
    except NeurosimError as exc:
        return str(exc)
    return None


def assert_one_line(line: str | None, path: Path) -> None:
    if line is not None:
        assert "\n" not in line
        assert "\r" not in line
        assert line.startswith(str(path))
        assert len(line) < len(str(path)) + 600  # a few values of at most 80 characters


def validate_answers(folder: Path, data: bytes) -> None:
    """`neurosim validate` exits 0 with nothing on stderr, or 2 with one line naming the file."""
    path = folder / "fuzzed.yaml"
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    code = main(["validate", str(path)], stdout=out, stderr=err)
    assert code in (0, 2)
    lines = err.getvalue().splitlines()
    if code == 0:
        assert lines == []
    else:
        assert len(lines) == 1
        assert err.getvalue() == lines[0] + "\n"
        assert lines[0].startswith(f"neurosim: {path}")


#: Text made of YAML's punctuation, keys of the format and a little else.
YAMLISH = st.lists(
    st.sampled_from(
        [
            *("[", "]", "{", "}", ":", ": ", ",", "- ", "&a ", "*a", "!!", "|", ">", "'", '"', "#", "\n", "  ", "\t"),
            *("trials", "cue", "patterns", "random", "count", "size", "sweep", "grid", "seeds", "1", "-1", ".nan"),
            *("\r\n", "\ufeff", "\x85", "\u2028", "\x00", "é", "1e9"),
        ]
    ),
    max_size=60,
).map(lambda parts: "".join(parts).encode("utf-8"))


@FAST
@given(data=st.one_of(st.binary(max_size=400), YAMLISH))
def test_raw_bytes_load_or_give_one_line(folder: Path, data: bytes) -> None:
    load_answers(folder, data)


@FAST
@given(data=mutated())
def test_mutated_scenarios_load_or_give_one_line(folder: Path, data: bytes) -> None:
    load_answers(folder, data)


@settings(FAST, max_examples=30)
@given(data=mutated())
def test_mutated_scenarios_validate_to_0_or_one_line_and_2(folder: Path, data: bytes) -> None:
    validate_answers(folder, data)


@FAST
@given(data=st.one_of(st.binary(max_size=200), st.sampled_from(range(1)).flatmap(lambda _: mutated_patterns())))
def test_pattern_files_read_or_give_one_line(folder: Path, data: bytes) -> None:
    path = folder / "fuzzed.dat"
    path.write_bytes(data)
    assert_one_line(refusal(read_pattern_file, path), path)


def mutated_patterns() -> st.SearchStrategy[bytes]:
    """The bundled pattern file with bytes flipped, lines cut or a header changed."""

    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        data = PATTERNS
        lines = data.split(b"\n")
        choice = draw(st.sampled_from(("flip", "header", "cut")))
        if choice == "flip":
            k = draw(st.integers(0, len(data) - 1))
            return data[:k] + bytes([data[k] ^ (1 << draw(st.integers(0, 7)))]) + data[k + 1 :]
        if choice == "header":
            lines[0] = draw(st.sampled_from((b"99999999999 99999999999 3", b"7 7 0", b"\xc2\xb2 1 1", b"1 1")))
            return b"\n".join(lines)
        return data[: draw(st.integers(0, len(data)))]

    return build()


@pytest.mark.slow
@LONG
@given(data=st.one_of(mutated(), st.binary(max_size=2000), YAMLISH))
def test_many_mutated_scenarios_load_or_give_one_line(folder: Path, data: bytes) -> None:
    load_answers(folder, data)


@pytest.mark.slow
@settings(LONG, max_examples=300)
@given(data=mutated())
def test_many_mutated_scenarios_validate_to_0_or_one_line_and_2(folder: Path, data: bytes) -> None:
    validate_answers(folder, data)
