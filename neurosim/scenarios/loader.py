"""YAML scenario files in, validated `Scenario` specs out.

Every error is a ScenarioError naming file, line and key path. The format is
documented in README.md ("Scenario files").
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from neurosim.errors import PatternFileError, ScenarioError
from neurosim.model.dynamics import DEFAULT_MAX_SWEEPS, Dynamics, Rates, ScheduleKind
from neurosim.model.noise import Fill
from neurosim.model.registry import LEARNING_RULES, parameter_names
from neurosim.scenarios.document import Entry, parse
from neurosim.scenarios.patternfile import read_pattern_file
from neurosim.scenarios.spec import (
    MaxCut,
    Noise,
    NoiseKind,
    PatternSource,
    Problem,
    Rooks,
    SavedWeights,
    Scenario,
    Sweep,
    SweepAxis,
    TrialSpec,
)
from neurosim.typing import Floats, Spins

#: The `format` entry of a weights file written by `--save-weights`.
SAVED_WEIGHTS_FORMAT = "neurosim-weights-1"

_ON = frozenset("#*")
_OFF = frozenset(".")
_ALL = "all"


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
    """Validate scenario text; pattern and weight files are looked up beside `path`."""
    path = Path(path)
    return scenario_from_document(parse(text, path), path, text)


def scenario_from_document(root: Entry, path: Path, text: str) -> Scenario:
    """Validate an already-parsed scenario document (a sweep point's: the scenario's, with overrides).

    `text` is kept on the scenario as the record of what was run; only `root` is read.
    """
    keys = ("name", "description", "seed", "patterns", "network", "dynamics", "trials", "sweep")
    top = root.mapping(keys, required=("trials",))
    name = top["name"].string() if "name" in top else path.stem
    if not name or any(c in name for c in "/\\") or name.strip() != name:
        raise top["name"].error(f"not usable as a run name: {name!r}")
    sources = _patterns(top["patterns"], path.parent) if "patterns" in top else ()
    names = [n for s in sources for n in s.names]
    network = _network(top.get("network"), sources[0].size if sources else None, names, path.parent)
    if not sources and network.weights is None and network.saved is None and network.problem is None:
        raise root.error("missing key 'patterns' (or network.weights, or network.problem)")
    scenario = Scenario(
        name=name,
        description=top["description"].string() if "description" in top else "",
        seed=top["seed"].integer(minimum=0) if "seed" in top else 0,
        sources=sources,
        trials=(),
        learning=network.learning,
        learning_params=network.learning_params,
        learning_line=network.learning_line,
        biases=network.biases,
        weights=network.weights,
        saved=network.saved,
        problem=network.problem,
        path=path,
        text=text,
    )
    scenario = dataclasses.replace(scenario, dynamics=_dynamics(top.get("dynamics"), scenario.neurons))
    if not _linear(scenario.learning) and scenario.dynamics.delay > 0.0:
        raise top["dynamics"].error("delays are not supported with a dense memory (its fields are not linear)")
    if not _linear(scenario.learning) and scenario.biases is not None:
        raise top["network"].error("a dense memory takes no biases")
    trials = _trials(top["trials"], scenario, names, path.parent)
    sweep = _sweep(top["sweep"]) if "sweep" in top else None
    return dataclasses.replace(scenario, trials=trials, sweep=sweep)


def _sweep(entry: Entry) -> Sweep:
    spec = entry.mapping(("grid", "seeds"), required=("grid",))
    grid = spec["grid"]
    if not grid.is_mapping:
        raise grid.error("expected a mapping of parameter → list of values")
    axes = []
    for key, values_entry in grid.named().items():
        if key.split(".")[0].split("[")[0] in ("seed", "name", "sweep"):
            raise values_entry.error(f"{key!r} cannot be swept (seeds go under `sweep.seeds`)")
        items = values_entry.sequence()
        if not items:
            raise values_entry.error("no values")
        values = tuple(item.scalar() if not (item.is_mapping or item.is_sequence) else item.plain() for item in items)
        if key == "alpha":
            for item, value in zip(items, values, strict=True):
                if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0.0:
                    raise item.error(f"a load alpha must be a positive number, got {value!r}")
        axes.append(SweepAxis(key=key, values=values, line=values_entry.line))
    seeds: tuple[int, ...] = (0,)
    if "seeds" in spec:
        given = spec["seeds"]
        if given.is_sequence:
            seeds = tuple(item.integer(minimum=0) for item in given.sequence())
        else:
            seeds = tuple(range(given.integer(minimum=1)))
        if len(set(seeds)) != len(seeds):
            raise given.error("seeds repeat")
    return Sweep(axes=tuple(axes), seeds=seeds)


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


def _learning(entry: Entry) -> tuple[str, tuple[tuple[str, float], ...]]:
    names = tuple(LEARNING_RULES)
    if not entry.is_mapping:
        return entry.choice(names), ()
    spec = entry.mapping(("rule", *parameter_names()), required=("rule",))
    rule = LEARNING_RULES[spec["rule"].choice(names)]
    params: list[tuple[str, float]] = []
    for key, item in spec.items():
        if key == "rule":
            continue
        param = rule.param(key)
        if param is None:
            takes = ", ".join(p.name for p in rule.params) or "nothing"
            raise item.error(f"the {rule.name} rule takes no {key!r} (it takes: {takes})")
        if param.kind == "function":  # F: {polynomial: n} (stored as n) or F: exponential (stored as inf)
            if item.is_mapping:
                degree = item.mapping(("polynomial",), required=("polynomial",))["polynomial"].integer(minimum=2)
                params.append((key, float(degree)))
            else:
                item.choice(("exponential",))
                params.append((key, math.inf))
            continue
        value = float(item.integer(minimum=1)) if param.kind == "integer" else item.number()
        if param.non_negative and value < 0.0:
            raise item.error(f"must not be negative, got {value}")
        params.append((key, value))
    return rule.name, tuple(params)


def _linear(rule: str) -> bool:
    return LEARNING_RULES[rule].linear


@dataclasses.dataclass
class _Network:
    learning: str = "hebbian"
    learning_params: tuple[tuple[str, float], ...] = ()
    learning_line: int | None = None
    biases: Floats | None = None
    weights: Floats | None = None
    saved: SavedWeights | None = None
    problem: Problem | None = None


def _network(entry: Entry | None, size: int | None, names: list[str], base: Path) -> _Network:
    out = _Network()
    if entry is None:
        return out
    spec = entry.mapping(("learning", "biases", "weights", "problem"))
    given = [k for k in ("learning", "weights", "problem") if k in spec]
    if len(given) > 1:
        raise spec[given[1]].error(f"give one of learning, weights or problem, not {' and '.join(given)}")
    if "learning" in spec:
        out.learning, out.learning_params = _learning(spec["learning"])
        out.learning_line = spec["learning"].line
    if "weights" in spec:
        _weights(spec["weights"], size, names, base, out)
    if "problem" in spec:
        if size is not None:
            raise spec["problem"].error("a problem brings its own network: remove `patterns`")
        out.problem = _problem(spec["problem"], base)
    n = size if size is not None else _size_of(out)
    if n is None:
        raise entry.error("no network: give patterns, weights or a problem")
    if "biases" in spec:
        if out.saved is not None:
            raise spec["biases"].error("saved weights carry their own biases")
        out.biases = _biases(spec["biases"], n, base)
    return out


def _size_of(network: _Network) -> int | None:
    if network.weights is not None:
        return int(network.weights.shape[0])
    if network.saved is not None:
        return int(network.saved.matrix.shape[0])
    if network.problem is not None:
        return network.problem.size
    return None


def _load_array(entry: Entry, base: Path) -> tuple[Path, Any]:
    path = base / entry.string()
    try:
        return path, np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise entry.error(f"file not found: {path}") from None
    except (OSError, ValueError) as exc:
        raise entry.error(f"cannot read {path.name} as a numpy file: {exc}") from None


def _weights(entry: Entry, size: int | None, names: list[str], base: Path, out: _Network) -> None:
    path, data = _load_array(entry, base)
    if isinstance(data, np.ndarray):
        matrix = np.asarray(data, dtype=np.float64)
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
            raise entry.error(f"{path.name} holds an array of shape {matrix.shape}, not a square matrix")
        if not np.all(np.isfinite(matrix)):
            raise entry.error(f"{path.name} holds values that are not finite")
        if size is not None and matrix.shape[0] != size:
            raise entry.error(f"{path.name} is for {matrix.shape[0]} neurons, the patterns have {size}")
        out.weights = matrix
        return
    saved = read_saved_weights(data, path, entry)
    if size is not None and saved.matrix.shape[0] != size:
        raise entry.error(f"{path.name} was saved for {saved.matrix.shape[0]} neurons, the patterns have {size}")
    if names and list(saved.patterns) != names:
        raise entry.error(
            f"{path.name} was learned from patterns {', '.join(saved.patterns[:8])}"
            f"{' …' if len(saved.patterns) > 8 else ''}, not from this scenario's patterns"
        )
    out.saved = saved


def read_saved_weights(data: Any, path: Path, entry: Entry | None = None) -> SavedWeights:
    """Check and unpack a .npz file written by `--save-weights`."""
    needed = {"matrix", "divisor", "biases", "rule", "patterns", "format"}
    files = set(getattr(data, "files", ()))
    if not needed <= files or str(data["format"]) != SAVED_WEIGHTS_FORMAT:
        message = f"{path.name} is not a neurosim weights file (save one with `neurosim run --save-weights`)"
        raise entry.error(message) if entry is not None else ScenarioError(message, file=path)
    return SavedWeights(
        path=path,
        matrix=np.asarray(data["matrix"], dtype=np.float64),
        divisor=float(data["divisor"]),
        biases=np.asarray(data["biases"], dtype=np.float64),
        rule=str(data["rule"]),
        patterns=tuple(str(n) for n in data["patterns"]),
    )


def _biases(entry: Entry, size: int, base: Path) -> Floats:
    if entry.is_sequence:
        items = entry.sequence()
        if len(items) != size:
            raise entry.error(f"{len(items)} biases for {size} neurons")
        return np.array([item.number() for item in items])
    value = entry.scalar()
    if isinstance(value, str):
        path, data = _load_array(entry, base)
        biases = np.asarray(data, dtype=np.float64)
        if biases.shape != (size,):
            raise entry.error(f"{path.name} holds {biases.shape}, expected {size} biases")
        if not np.all(np.isfinite(biases)):
            raise entry.error(f"{path.name} holds values that are not finite")
        return biases
    return np.full(size, entry.number())


def _problem(entry: Entry, base: Path) -> Problem:
    spec = entry.mapping(_PROBLEMS)
    if len(spec) != 1:
        raise entry.error(f"give exactly one problem: {' or '.join(_PROBLEMS)}")
    [(name, given)] = spec.items()
    return _PROBLEMS[name](given, base)


def _rooks(entry: Entry, base: Path) -> Rooks:
    return Rooks(entry.mapping(("n",), required=("n",))["n"].integer(minimum=2))


def _maxcut(entry: Entry, base: Path) -> MaxCut:
    graph = entry.mapping(("nodes", "edges"), required=("edges",))
    edges_entry = graph["edges"]
    if edges_entry.is_sequence:
        pairs = []
        for item in edges_entry.sequence():
            ends = item.sequence()
            if len(ends) != 2:
                raise item.error("an edge is a pair [i, j]")
            pairs.append([end.integer(minimum=0) for end in ends])
        edges = np.array(pairs, dtype=np.int64).reshape(-1, 2)
        where = edges_entry
    else:
        edges, where = _edge_list(edges_entry, base), edges_entry
    if edges.size == 0:
        raise where.error("the graph has no edges")
    nodes = graph["nodes"].integer(minimum=2) if "nodes" in graph else int(edges.max()) + 1
    if edges.max() >= nodes:
        raise where.error(f"an edge names node {int(edges.max())}, but the graph has {nodes} nodes (0-based)")
    if np.any(edges[:, 0] == edges[:, 1]):
        raise where.error("an edge joins a node to itself")
    return MaxCut(nodes=nodes, edges=edges)


#: How each problem under `network.problem` is read.
_PROBLEMS: dict[str, Callable[[Entry, Path], Problem]] = {"maxcut": _maxcut, "rooks": _rooks}


def _edge_list(entry: Entry, base: Path) -> npt.NDArray[np.int64]:
    """An edge-list file: one edge `i j` per line (0-based), `#` comments and blank lines ignored."""
    path = base / entry.string()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise entry.error(f"file not found: {path}") from None
    pairs = []
    for number, line in enumerate(lines, start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        fields = text.split()
        if len(fields) < 2 or not all(f.isdigit() for f in fields[:2]):
            raise ScenarioError("expected an edge `i j` (two node numbers)", file=path, line=number)
        pairs.append([int(fields[0]), int(fields[1])])
    return np.array(pairs, dtype=np.int64).reshape(-1, 2)


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
    random_start = False
    if "state" in spec and "states_file" in spec:
        raise spec["states_file"].error("give either state or states_file, not both")
    if "state" in spec and spec["state"].is_scalar_text("random"):
        random_start = True
        starts = [None]
    elif "state" in spec:
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
                raise cue.error(f"cue {_ALL!r} cannot be combined with explicit or random states")
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
    return TrialSpec(
        targets=tuple(targets), starts=tuple(starts), noise=noise, repeats=repeats, random_start=random_start
    )


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
