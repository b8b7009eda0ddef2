"""YAML scenario files in, validated `Scenario` specs out.

Every error is a ScenarioError naming file, line and key path. The `patterns:`
block is read in `sources`, the `network:` block in `networks`. The format is
documented in docs/scenarios.md.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from neurosim.errors import PatternFileError, ScenarioError
from neurosim.model.dynamics import DEFAULT_MAX_SWEEPS, Annealing, AnnealKind, Dynamics, NeuronKind, Rates, ScheduleKind
from neurosim.model.learning import DENSE_LIMIT
from neurosim.model.noise import Fill
from neurosim.model.registry import LEARNING_RULES
from neurosim.scenarios import bundled, keys
from neurosim.scenarios.document import Entry, clipped, shown
from neurosim.scenarios.limits import (
    MAX_ANNEALING_SWEEPS,
    MAX_PATTERNS,
    MAX_REPEATS,
    MAX_SWEEP_POINTS,
    MAX_SWEEP_VALUES,
    MAX_SWEEPS,
    MAX_TRIALS,
)
from neurosim.scenarios.networks import linear, network_spec
from neurosim.scenarios.patternfile import read_pattern_file
from neurosim.scenarios.reading import parse, read_text, values_in
from neurosim.scenarios.sources import ALL, parse_glyph, parse_vector, pattern_sources
from neurosim.scenarios.spec import (
    Noise,
    NoiseKind,
    Scenario,
    Sweep,
    SweepAxis,
    TrialSpec,
)
from neurosim.typing import Spins


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file, or the bundled scenario of that name (`neurosim scenarios` lists them)."""
    path = bundled.resolve(path)
    return parse_scenario(read_text(path, "scenario file"), path)


def parse_scenario(text: str, path: str | Path = "<scenario>") -> Scenario:
    """Validate scenario text; pattern and weight files are looked up beside `path`."""
    path = Path(path)
    return scenario_from_document(parse(text, path), path, text)


def scenario_from_document(root: Entry, path: Path, text: str) -> Scenario:
    """Validate an already-parsed scenario document (a sweep point's: the scenario's, with overrides).

    `text` is kept on the scenario as the record of what was run; only `root` is read.
    """
    top = root.mapping(*keys.of(""))
    name = top["name"].string() if "name" in top else path.stem
    if not name or any(c in name for c in "/\\") or name.strip() != name or not name.isprintable():
        if "name" in top:
            raise top["name"].error(f"not usable as a run name: {shown(name)}")
        raise root.error(f"the file's name is not usable as a run name: {shown(name)} (give a `name:`)")
    sources = pattern_sources(top["patterns"], path.parent) if "patterns" in top else ()
    names = [n for s in sources for n in s.names]
    network = network_spec(top.get("network"), sources[0].size if sources else None, names, path.parent)
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
        connectivity=network.connectivity,
        connectivity_line=network.connectivity_line,
        path=path,
        text=text,
    )
    scenario = dataclasses.replace(scenario, dynamics=_dynamics(top.get("dynamics"), scenario.neurons))
    if not linear(scenario.learning) and scenario.dynamics.delay > 0.0:
        raise top["dynamics"].error("delays are not supported with a dense memory (its fields are not linear)")
    if not linear(scenario.learning) and scenario.biases is not None:
        raise top["network"].error("a dense memory takes no biases")
    if scenario.dynamics.graded and (
        scenario.learning in ("dense", "sequence")
        or scenario.connectivity is not None
        or scenario.neurons > DENSE_LIMIT
    ):
        raise top["dynamics"].error(
            f"graded neurons need a coupling matrix of at most {DENSE_LIMIT:,} neurons or the modern rule,"
            " without a slow pathway or dilution"
        )
    if LEARNING_RULES[scenario.learning].sets_biases and scenario.biases is not None:
        raise top["network"].error(f"the {scenario.learning} rule sets its own biases (from its threshold)")
    trials = _trials(top["trials"], scenario, names, path.parent)
    sweep = _sweep(top["sweep"]) if "sweep" in top else None
    if sweep is not None and sweep.points * values_in(root) > MAX_SWEEP_VALUES:
        values = values_in(root)
        raise top["sweep"].error(
            f"{sweep.points:,} runs of a document of {values:,} values: at most {MAX_SWEEP_VALUES:,} values in all"
        )
    return dataclasses.replace(scenario, trials=trials, sweep=sweep)


def _sweep(entry: Entry) -> Sweep:
    spec = entry.mapping(*keys.of("sweep"))
    grid = spec["grid"]
    if not grid.is_mapping:
        raise grid.error("expected a mapping of parameter → list of values")
    axes = []
    for key, values_entry in grid.named().items():
        if key.split(".")[0].split("[")[0] in ("seed", "name", "sweep"):
            raise values_entry.error(f"{shown(key)} cannot be swept (seeds go under `sweep.seeds`)")
        items = values_entry.sequence()
        if not items:
            raise values_entry.error("no values")
        values = tuple(item.scalar() if not (item.is_mapping or item.is_sequence) else item.plain() for item in items)
        if key == "alpha":
            for item, value in zip(items, values, strict=True):
                if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 < value <= MAX_PATTERNS:
                    raise item.error(
                        f"a load alpha must be a positive number up to {MAX_PATTERNS:,}, got {shown(value)}"
                    )
        axes.append(SweepAxis(key=key, values=values, line=values_entry.line))
    seeds: tuple[int, ...] = (0,)
    if "seeds" in spec:
        given = spec["seeds"]
        if given.is_sequence:
            seeds = tuple(item.integer(minimum=0) for item in given.sequence())
        else:
            seeds = tuple(range(given.integer(minimum=1, maximum=MAX_SWEEP_POINTS)))
        if len(set(seeds)) != len(seeds):
            raise given.error("seeds repeat")
    sweep = Sweep(axes=tuple(axes), seeds=seeds)
    if sweep.points > MAX_SWEEP_POINTS:
        raise entry.error(f"a sweep of {sweep.points:,} runs (grid points × seeds): at most {MAX_SWEEP_POINTS:,}")
    return sweep


# ---- dynamics -------------------------------------------------------------


def _dynamics(entry: Entry | None, size: int) -> Dynamics:
    if entry is None:
        return Dynamics()
    spec = entry.mapping(*keys.of("dynamics"))
    schedule = ScheduleKind.POISSON
    if "schedule" in spec:
        schedule = ScheduleKind(spec["schedule"].choice(kind.value for kind in ScheduleKind))
    max_sweeps = (
        spec["max_sweeps"].integer(minimum=1, maximum=MAX_SWEEPS) if "max_sweeps" in spec else DEFAULT_MAX_SWEEPS
    )
    max_time = None
    if "max_time" in spec:
        max_time = spec["max_time"].number()
        if max_time <= 0.0:
            raise spec["max_time"].error(f"must be positive, got {max_time}")
    annealing = _annealing(spec["temperature"]) if "temperature" in spec and spec["temperature"].is_mapping else None
    plain = ("delay", "refractory") if annealing is not None else ("temperature", "delay", "refractory")
    values = {key: _non_negative(spec[key]) for key in plain if key in spec}
    if annealing is not None:
        values["temperature"] = annealing.start
    if values.get("delay", 0.0) > 0.0 and schedule is ScheduleKind.SYNCHRONOUS:
        raise spec["delay"].error("a delay has no meaning for the synchronous schedule (all neurons read one snapshot)")
    rates = None
    if "rates" in spec:
        if schedule is not ScheduleKind.POISSON:
            raise spec["rates"].error(f"rates apply to the poisson schedule, not {schedule.value}")
        rates = _rates(spec["rates"], size)
    neuron = NeuronKind(spec["neuron"].choice(k.value for k in NeuronKind)) if "neuron" in spec else NeuronKind.BINARY
    gain = spec["gain"].number() if "gain" in spec else 1.0
    if "gain" in spec and gain <= 0.0:
        raise spec["gain"].error(f"must be positive, got {gain}")
    if neuron is NeuronKind.GRADED:
        knobs = [
            k
            for k in ("temperature", "delay", "refractory")
            if values.get(k, 0.0) > 0.0 or (k == "temperature" and annealing)
        ]
        if knobs or schedule is ScheduleKind.SYNCHRONOUS:
            named = ", ".join(knobs + (["the synchronous schedule"] if schedule is ScheduleKind.SYNCHRONOUS else []))
            raise spec["neuron"].error(
                f"graded neurons update deterministically, undelayed and one at a time; not with {named}"
            )
    elif "gain" in spec:
        raise spec["gain"].error("a gain applies to graded neurons (neuron: graded)")
    return Dynamics(
        schedule=schedule,
        max_sweeps=max_sweeps,
        max_time=max_time,
        rates=rates,
        annealing=annealing,
        neuron=neuron,
        gain=gain,
        **values,
    )


def _annealing(entry: Entry) -> Annealing:
    """`temperature: {schedule: linear | geometric, from: T0, to: T1, sweeps: S}`."""
    spec = entry.mapping(*keys.of("dynamics.temperature"))
    kind = AnnealKind(spec["schedule"].choice(k.value for k in AnnealKind))
    start, end = _non_negative(spec["from"]), _non_negative(spec["to"])
    if kind is AnnealKind.GEOMETRIC:
        for key, value in (("from", start), ("to", end)):
            if value == 0.0:
                raise spec[key].error("a geometric schedule needs temperatures above 0 (a linear one may end at 0)")
    sweeps = spec["sweeps"].integer(minimum=1, maximum=MAX_ANNEALING_SWEEPS)
    return Annealing(kind, start, end, sweeps)


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
    spec = entry.mapping(*keys.of("dynamics.rates"))
    spec["distribution"].choice(("lognormal",))
    return Rates(sigma=_non_negative(spec["sigma"]))


# ---- trials ---------------------------------------------------------------


def _trials(entry: Entry, scenario: Scenario, names: list[str], base: Path) -> tuple[TrialSpec, ...]:
    items = entry.sequence()
    if not items:
        raise entry.error("no trials")
    trials = tuple(_trial(item, scenario.neurons, names, base) for item in items)
    count = sum(len(trial.targets) * trial.repeats for trial in trials)
    if count > MAX_TRIALS:
        raise entry.error(f"{count:,} trials (repeats and cues counted): at most {MAX_TRIALS:,}")
    return trials


def _trial(entry: Entry, size: int, names: list[str], base: Path) -> TrialSpec:
    spec = entry.mapping(*keys.of("trials[]"))
    starts: list[Spins | None]
    random_start = False
    if "state" in spec and "states_file" in spec:
        raise spec["states_file"].error("give either state or states_file, not both")
    mixture: tuple[str, ...] = ()
    if "state" in spec and spec["state"].is_scalar_text("random"):
        random_start = True
        starts = [None]
    elif "state" in spec and spec["state"].is_mapping:
        mixture = _mixture(spec["state"], names)
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
        if value == ALL:
            if starts:
                raise cue.error(f"cue {ALL!r} cannot be combined with explicit, random or mixture states")
            targets = list(names)
        elif value not in names:
            listed = clipped(", ".join(names[:12]) + (" …" if len(names) > 12 else ""))
            raise cue.error(f"no pattern is named {shown(value)} (patterns: {listed})")
        else:
            targets = [value] * max(1, len(starts))
    else:
        targets = [None] * len(starts)
    if not starts:
        starts = [None] * len(targets)
    noise = _noise(spec["noise"], size) if "noise" in spec else Noise()
    repeats = spec["repeats"].integer(minimum=1, maximum=MAX_REPEATS) if "repeats" in spec else 1
    return TrialSpec(
        targets=tuple(targets),
        starts=tuple(starts),
        noise=noise,
        repeats=repeats,
        random_start=random_start,
        mixture=mixture,
    )


def _mixture(entry: Entry, names: list[str]) -> tuple[str, ...]:
    """`state: {mixture: [A, B, C]}`: at least two distinct stored patterns, by name."""
    items = entry.mapping(*keys.of("trials[].state"))["mixture"]
    chosen: list[str] = []
    for item in items.sequence():
        value = item.text()
        if value not in names:
            raise item.error(f"no pattern is named {shown(value)}")
        if value in chosen:
            raise item.error(f"pattern {shown(value)} is named twice in the mixture")
        chosen.append(value)
    if len(chosen) < 2:
        raise items.error("a mixture names at least two stored patterns")
    return tuple(chosen)


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
    spec = entry.mapping(*keys.of("trials[].noise"))
    given = [k for k in ("flip", "flip_fraction", "flip_probability", "mask") if k in spec]
    if len(given) != 1:
        raise entry.error("give exactly one of flip, flip_fraction, flip_probability or mask")
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
    if kind == "flip_probability":
        return Noise(NoiseKind.FLIP_PROBABILITY, fraction=fraction)
    fill: Fill = -1
    if "fill" in spec:
        raw = spec["fill"].scalar()
        if raw != "random" and (type(raw) is not int or raw not in (-1, 1)):
            raise spec["fill"].error(f"expected -1, 1 or random, got {shown(raw)}")
        fill = raw
    return Noise(NoiseKind.MASK, fraction=fraction, fill=fill)
