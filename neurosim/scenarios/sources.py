"""The `patterns:` block of a scenario: glyphs, vectors, random patterns and pattern files."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from neurosim.errors import PatternFileError, ScenarioError
from neurosim.model.covariance import UNBIASED
from neurosim.scenarios import keys
from neurosim.scenarios.document import Entry, shown
from neurosim.scenarios.limits import MAX_NEURONS, MAX_PATTERN_ENTRIES, MAX_PATTERNS
from neurosim.scenarios.patternfile import read_pattern_file
from neurosim.scenarios.spec import PatternSource
from neurosim.typing import Spins

_ON = frozenset("#*")
_OFF = frozenset(".")
#: The cue that means every stored pattern; no pattern may be called this.
ALL = "all"


def pattern_sources(entry: Entry, base: Path) -> tuple[PatternSource, ...]:
    """Read the `patterns:` block: its sources in order, of one size, their names unique."""
    parts = entry.mapping(*keys.of("patterns"))
    if not parts:
        raise entry.error("no patterns: give glyphs, vectors, random or file")
    sources: list[PatternSource] = []
    for kind, part in parts.items():
        if kind == "glyphs":
            sources.append(_glyphs(part))
        elif kind == "vectors":
            sources.append(_vectors(part))
        elif kind == "random":
            sources.append(_random(part))
        else:
            files = part.sequence() if part.is_sequence else [part]
            if not files:
                raise part.error("an empty list of pattern files: give a file, or a list of them")
            sources.extend(_pattern_file(f, base) for f in files)
    size = sources[0].size
    total = sum(len(source.names) for source in sources)
    if total > MAX_PATTERNS or total * size > MAX_PATTERN_ENTRIES:
        raise entry.error(
            f"{total:,} patterns of {size:,} neurons: at most {MAX_PATTERNS:,} patterns"
            f" and {MAX_PATTERN_ENTRIES:,} entries"
        )
    seen: set[str] = set()
    for source, (_, part) in zip(sources, _source_entries(parts), strict=True):
        if source.size != size:
            raise part.error(f"patterns have {source.size} neurons, expected {size} like the first source")
        for pattern_name in source.names:
            if pattern_name in seen:
                raise part.error(f"pattern name {shown(pattern_name)} is used twice")
            if pattern_name == ALL:
                raise part.error(f"{ALL!r} cannot name a pattern (it means every pattern in a trial)")
            seen.add(pattern_name)
    return tuple(sources)


def _source_entries(parts: dict[str, Entry]) -> list[tuple[str, Entry]]:
    out: list[tuple[str, Entry]] = []
    for kind, part in parts.items():
        if kind == "file" and part.is_sequence:
            out.extend((kind, item) for item in part.sequence())
        else:
            out.append((kind, part))
    return out


def parse_glyph(entry: Entry) -> tuple[Spins, tuple[int, int]]:
    """Parse a glyph block ('#' or '*' is +1, '.' is -1) into a vector and its shape."""
    text = entry.string()
    rows = [line.rstrip() for line in text.strip("\n").split("\n")]
    while rows and not rows[-1]:
        rows.pop()
    if not rows or not rows[0]:
        raise entry.error("empty glyph")
    width = len(rows[0].strip())
    values: list[int] = []
    for r, row in enumerate(rows, start=1):
        row = row.strip()
        if len(row) != width:
            raise entry.error(f"row {r} has {len(row)} columns, expected {width}")
        for c in row:
            if c in _ON:
                values.append(1)
            elif c in _OFF:
                values.append(-1)
            else:
                raise entry.error(f"row {r} has the character {shown(c)}: use '#' or '*' for +1 and '.' for -1")
    return np.array(values, dtype=np.int8), (len(rows), width)


def _glyphs(entry: Entry) -> PatternSource:
    named = entry.named()
    if not named:
        raise entry.error("no glyphs")
    vectors: list[Spins] = []
    shape: tuple[int, int] | None = None
    first = ""
    for glyph_name, item in named.items():
        vector, glyph_shape = parse_glyph(item)
        if shape is None:
            shape, first = glyph_shape, glyph_name
        elif glyph_shape != shape:
            raise item.error(f"glyph is {glyph_shape[0]}x{glyph_shape[1]}, expected {shape[0]}x{shape[1]} like {first}")
        vectors.append(vector)
    assert shape is not None
    return PatternSource("glyphs", tuple(named), shape[0] * shape[1], np.vstack(vectors), shape)


def parse_vector(entry: Entry) -> Spins:
    """Parse a list of ±1 entries."""
    items = entry.sequence()
    if not items:
        raise entry.error("empty vector")
    values = []
    for item in items:
        value = item.scalar()
        if type(value) is not int or value not in (1, -1):
            raise item.error(f"entries must be 1 or -1, got {shown(value)}")
        values.append(int(value))
    return np.array(values, dtype=np.int8)


def _vectors(entry: Entry) -> PatternSource:
    named = entry.named()
    if not named:
        raise entry.error("no vectors")
    vectors: list[Spins] = []
    for item in named.values():
        vector = parse_vector(item)
        if vectors and vector.size != vectors[0].size:
            raise item.error(f"vector has {vector.size} entries, expected {vectors[0].size}")
        vectors.append(vector)
    return PatternSource("vectors", tuple(named), vectors[0].size, np.vstack(vectors))


def _random(entry: Entry) -> PatternSource:
    spec = entry.mapping(*keys.of("patterns.random"))
    count = spec["count"].integer(minimum=1, maximum=MAX_PATTERNS)
    size = spec["size"].integer(minimum=2, maximum=MAX_NEURONS)
    if count * size > MAX_PATTERN_ENTRIES:
        raise entry.error(f"{count:,} patterns of {size:,} neurons: more than {MAX_PATTERN_ENTRIES:,} entries")
    prefix = spec["prefix"].string() if "prefix" in spec else "p"
    activity = UNBIASED
    if "activity" in spec:
        activity = spec["activity"].fraction()
        if not 0.0 < activity < 1.0:
            raise spec["activity"].error(f"must be strictly between 0 and 1, got {activity:g}")
    return PatternSource("random", tuple(f"{prefix}{k}" for k in range(count)), size, activity=activity)


def _pattern_file(entry: Entry, base: Path) -> PatternSource:
    if entry.is_mapping:
        spec = entry.mapping(*keys.of("patterns.file"))
        file_entry = spec["path"]
        names_entry = spec.get("names")
    else:
        file_entry, names_entry = entry, None
    path = base / file_entry.string()
    try:
        data = read_pattern_file(path)
    except PatternFileError as exc:
        raise ScenarioError(exc.one_line(), file=entry.file, line=file_entry.line, key=file_entry.key) from None
    if names_entry is None:
        names = tuple(f"{path.stem}_{k}" for k in range(data.count))
    else:
        names = tuple(item.text() for item in names_entry.sequence())
        if len(names) != data.count:
            raise names_entry.error(f"{len(names)} names for {data.count} patterns in {path.name}")
    return PatternSource("file", names, data.rows * data.cols, data.matrix, (data.rows, data.cols))
