"""YAML scenario files in, validated `Scenario` specs out.

Every error is a ScenarioError naming file, line and key path. The format is
documented in README.md ("Scenario files").
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from neurosim.errors import PatternFileError, ScenarioError
from neurosim.model.dynamics import DEFAULT_MAX_SWEEPS, Dynamics, Rates, ScheduleKind
from neurosim.model.noise import Fill
from neurosim.scenarios.document import Entry, parse
from neurosim.scenarios.patternfile import read_pattern_file
from neurosim.scenarios.spec import Noise, NoiseKind, PatternSource, Scenario, TrialSpec
from neurosim.typing import Spins

_ON = frozenset("#*")
_OFF = frozenset(".")
_ALL = "all"
_LEARNING = ("hebbian",)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError("scenario file not found", file=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot read scenario file: {exc}", file=path) from None
    return parse_scenario(text, path)


def parse_scenario(text: str, path: str | Path = "<scenario>") -> Scenario:
    """Validate scenario text; pattern files are looked up beside `path`."""
    path = Path(path)
    root = parse(text, path)
    top = root.mapping(
        ("name", "description", "seed", "patterns", "network", "dynamics", "trials"),
        required=("patterns", "trials"),
    )
    name = top["name"].string() if "name" in top else path.stem
    if not name or any(c in name for c in "/\\") or name.strip() != name:
        raise top["name"].error(f"not usable as a run name: {name!r}")
    sources = _patterns(top["patterns"], path.parent)
    names = [n for s in sources for n in s.names]
    learning, biases = _network(top.get("network"), sources[0].size)
    scenario = Scenario(
        name=name,
        description=top["description"].string() if "description" in top else "",
        seed=top["seed"].integer(minimum=0) if "seed" in top else 0,
        sources=sources,
        trials=(),
        learning=learning,
        biases=biases,
        dynamics=_dynamics(top.get("dynamics"), sources[0].size),
        path=path,
        text=text,
    )
    trials = _trials(top["trials"], scenario, names, path.parent)
    return dataclasses.replace(scenario, trials=trials)


# ---- patterns -------------------------------------------------------------


def _patterns(entry: Entry, base: Path) -> tuple[PatternSource, ...]:
    parts = entry.mapping(("glyphs", "vectors", "random", "file"))
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
            sources.extend(_pattern_file(f, base) for f in files)
    size = sources[0].size
    seen: set[str] = set()
    for source, (_, part) in zip(sources, _source_entries(parts), strict=True):
        if source.size != size:
            raise part.error(f"patterns have {source.size} neurons, expected {size} like the first source")
        for pattern_name in source.names:
            if pattern_name in seen:
                raise part.error(f"pattern name {pattern_name!r} is used twice")
            if pattern_name == _ALL:
                raise part.error(f"{_ALL!r} cannot name a pattern (it means every pattern in a trial)")
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
                raise entry.error(f"row {r} has the character {c!r}: use '#' or '*' for +1 and '.' for -1")
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
            raise item.error(f"entries must be 1 or -1, got {value!r}")
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
    spec = entry.mapping(("count", "size", "prefix"), required=("count", "size"))
    count = spec["count"].integer(minimum=1)
    size = spec["size"].integer(minimum=2)
    prefix = spec["prefix"].string() if "prefix" in spec else "p"
    return PatternSource("random", tuple(f"{prefix}{k}" for k in range(count)), size)


def _pattern_file(entry: Entry, base: Path) -> PatternSource:
    if entry.is_mapping:
        spec = entry.mapping(("path", "names"), required=("path",))
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


# ---- network and dynamics --------------------------------------------------


def _network(entry: Entry | None, size: int) -> tuple[str, np.ndarray | None]:
    if entry is None:
        return "hebbian", None
    spec = entry.mapping(("learning", "biases"))
    learning = spec["learning"].choice(_LEARNING) if "learning" in spec else "hebbian"
    biases = None
    if "biases" in spec:
        b = spec["biases"]
        if b.is_sequence:
            items = b.sequence()
            if len(items) != size:
                raise b.error(f"{len(items)} biases for {size} neurons")
            biases = np.array([item.number() for item in items])
        else:
            biases = np.full(size, b.number())
    return learning, biases


def _dynamics(entry: Entry | None, size: int) -> Dynamics:
    if entry is None:
        return Dynamics()
    spec = entry.mapping(("schedule", "max_sweeps", "max_time", "temperature", "delay", "refractory", "rates"))
    schedule = ScheduleKind.POISSON
    if "schedule" in spec:
        schedule = ScheduleKind(spec["schedule"].choice(kind.value for kind in ScheduleKind))
    max_sweeps = spec["max_sweeps"].integer(minimum=1) if "max_sweeps" in spec else DEFAULT_MAX_SWEEPS
    max_time = None
    if "max_time" in spec:
        max_time = spec["max_time"].number()
        if max_time <= 0.0:
            raise spec["max_time"].error(f"must be positive, got {max_time}")
    values = {key: _non_negative(spec[key]) for key in ("temperature", "delay", "refractory") if key in spec}
    if values.get("delay", 0.0) > 0.0 and schedule is ScheduleKind.SYNCHRONOUS:
        raise spec["delay"].error("a delay has no meaning for the synchronous schedule (all neurons read one snapshot)")
    rates = None
    if "rates" in spec:
        if schedule is not ScheduleKind.POISSON:
            raise spec["rates"].error(f"rates apply to the poisson schedule, not {schedule.value}")
        rates = _rates(spec["rates"], size)
    return Dynamics(schedule=schedule, max_sweeps=max_sweeps, max_time=max_time, rates=rates, **values)


def _non_negative(entry: Entry) -> float:
    value = entry.number()
    if value < 0.0:
        raise entry.error(f"must not be negative, got {value}")
    return value


def _rates(entry: Entry, size: int) -> Rates:
    if entry.is_sequence:
        items = entry.sequence()
        if len(items) != size:
            raise entry.error(f"{len(items)} rates for {size} neurons")
        values = []
        for item in items:
            value = item.number()
            if value <= 0.0:
                raise item.error(f"a rate must be positive, got {value}")
            values.append(value)
        return Rates(values=tuple(values))
    spec = entry.mapping(("distribution", "sigma"), required=("distribution", "sigma"))
    spec["distribution"].choice(("lognormal",))
    return Rates(sigma=_non_negative(spec["sigma"]))


# ---- trials ---------------------------------------------------------------


def _trials(entry: Entry, scenario: Scenario, names: list[str], base: Path) -> tuple[TrialSpec, ...]:
    items = entry.sequence()
    if not items:
        raise entry.error("no trials")
    return tuple(_trial(item, scenario.neurons, names, base) for item in items)


def _trial(entry: Entry, size: int, names: list[str], base: Path) -> TrialSpec:
    spec = entry.mapping(("cue", "noise", "repeats", "state", "states_file"))
    starts: list[Spins | None]
    if "state" in spec and "states_file" in spec:
        raise spec["states_file"].error("give either state or states_file, not both")
    if "state" in spec:
        starts = [_state(spec["state"], size)]
    elif "states_file" in spec:
        starts = list(_states_file(spec["states_file"], size, base))
    else:
        if "cue" not in spec:
            raise entry.error("a trial needs a cue, a state or a states_file")
        starts = []
    targets: list[str | None]
    if "cue" in spec:
        cue = spec["cue"]
        value = cue.text()
        if value == _ALL:
            if starts:
                raise cue.error(f"cue {_ALL!r} cannot be combined with explicit states")
            targets = list(names)
        elif value not in names:
            raise cue.error(
                f"no pattern is named {value!r} (patterns: {', '.join(names[:12])}{' …' if len(names) > 12 else ''})"
            )
        else:
            targets = [value] * max(1, len(starts))
    else:
        targets = [None] * len(starts)
    if not starts:
        starts = [None] * len(targets)
    noise = _noise(spec["noise"], size) if "noise" in spec else Noise()
    repeats = spec["repeats"].integer(minimum=1) if "repeats" in spec else 1
    return TrialSpec(targets=tuple(targets), starts=tuple(starts), noise=noise, repeats=repeats)


def _state(entry: Entry, size: int) -> Spins:
    if entry.is_sequence:
        state = parse_vector(entry)
    else:
        state, _ = parse_glyph(entry)
    if state.size != size:
        raise entry.error(f"state has {state.size} neurons, the network has {size}")
    return state


def _states_file(entry: Entry, size: int, base: Path) -> tuple[Spins, ...]:
    path = base / entry.string()
    try:
        data = read_pattern_file(path)
    except PatternFileError as exc:
        raise ScenarioError(exc.one_line(), file=entry.file, line=entry.line, key=entry.key) from None
    if data.rows * data.cols != size:
        raise entry.error(f"{path.name} holds states of {data.rows * data.cols} neurons, the network has {size}")
    return tuple(data.matrix)


def _noise(entry: Entry, size: int) -> Noise:
    spec = entry.mapping(("flip", "flip_fraction", "mask", "fill"))
    given = [k for k in ("flip", "flip_fraction", "mask") if k in spec]
    if len(given) != 1:
        raise entry.error("give exactly one of flip, flip_fraction or mask")
    kind = given[0]
    if "fill" in spec and kind != "mask":
        raise spec["fill"].error("fill goes with mask")
    if kind == "flip":
        count = spec["flip"].integer(minimum=0)
        if count > size:
            raise spec["flip"].error(f"cannot flip {count} neurons in a network of {size}")
        return Noise(NoiseKind.FLIP, count=count)
    fraction = spec[kind].fraction()
    if kind == "flip_fraction":
        return Noise(NoiseKind.FLIP_FRACTION, fraction=fraction)
    fill: Fill = -1
    if "fill" in spec:
        raw = spec["fill"].scalar()
        if raw != "random" and (type(raw) is not int or raw not in (-1, 1)):
            raise spec["fill"].error(f"expected -1, 1 or random, got {raw!r}")
        fill = raw
    return Noise(NoiseKind.MASK, fraction=fraction, fill=fill)
