"""Scenario specifications: validated, frozen, free of YAML."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np

from neurosim.model import noise as corrupt
from neurosim.model.dynamics import Dynamics
from neurosim.model.graph import Connectivity
from neurosim.model.noise import Fill
from neurosim.model.problems import MaxCut, Problem, Rooks
from neurosim.model.sparse import SparseCouplings
from neurosim.typing import Floats, Spins

__all__ = [  # the problems are the model's; the loader and older callers find them here too
    "MaxCut", "Noise", "NoiseKind", "PatternSource", "Problem", "Rooks", "SavedWeights", "Scenario", "Sweep",
    "SweepAxis", "TrialSpec",
]  # fmt: skip


class NoiseKind(StrEnum):
    """How a cue is corrupted."""

    NONE = "none"
    FLIP = "flip"
    FLIP_FRACTION = "flip_fraction"
    FLIP_PROBABILITY = "flip_probability"
    MASK = "mask"


@dataclass(frozen=True, slots=True)
class Noise:
    """Corruption applied to each trial's starting state, fresh for every repeat."""

    kind: NoiseKind = NoiseKind.NONE
    count: int = 0
    fraction: float = 0.0  # flip_fraction and mask: the fraction; flip_probability: the probability
    fill: Fill = -1

    def apply(self, state: Spins, rng: np.random.Generator) -> Spins:
        """Return the corrupted copy of `state`."""
        if self.kind is NoiseKind.FLIP:
            return corrupt.flip(state, self.count, rng)
        if self.kind is NoiseKind.FLIP_FRACTION:
            return corrupt.flip(state, round(self.fraction * state.size), rng)
        if self.kind is NoiseKind.FLIP_PROBABILITY:
            return corrupt.flip_each(state, self.fraction, rng)
        if self.kind is NoiseKind.MASK:
            return corrupt.mask(state, self.fraction, self.fill, rng)
        return state.copy()

    def describe(self) -> str:
        """Short text for tables: `flip 8`, `mask 0.3 (fill random)`."""
        if self.kind is NoiseKind.FLIP:
            return f"flip {self.count}"
        if self.kind is NoiseKind.FLIP_FRACTION:
            return f"flip {self.fraction:g}"
        if self.kind is NoiseKind.FLIP_PROBABILITY:
            return f"flip each p={self.fraction:g}"
        if self.kind is NoiseKind.MASK:
            return f"mask {self.fraction:g} (fill {self.fill})"
        return "none"


@dataclass(frozen=True, slots=True, eq=False)
class PatternSource:
    """One entry under `patterns:`: given patterns (`matrix`), or random ones drawn at run time."""

    kind: str  # glyphs | vectors | random | file
    names: tuple[str, ...]
    size: int
    matrix: Spins | None = None  # None for random patterns
    shape: tuple[int, int] | None = None
    activity: float = 0.5  # random patterns: the probability of +1 (0.5: the unbiased draw)


@dataclass(frozen=True, slots=True, eq=False)
class SavedWeights:
    """Couplings saved by `neurosim run --save-weights` (a .npz file)."""

    path: Path
    matrix: Floats | None  # None for a diluted network's rows of synapses (`sparse`)
    divisor: float
    biases: Floats
    rule: str
    patterns: tuple[str, ...]
    sparse: SparseCouplings | None = None

    @property
    def size(self) -> int:
        """Number of neurons N."""
        if self.sparse is not None:
            return self.sparse.size
        assert self.matrix is not None
        return int(self.matrix.shape[0])


@dataclass(frozen=True, slots=True, eq=False)
class TrialSpec:
    """One entry under `trials:`: starting points, each run `repeats` times with fresh noise.

    `targets[k]` names the stored pattern the k-th starting point is meant to
    recall (None: the stored pattern nearest to the start); `starts[k]` is an
    explicit starting state, or None to start from the target pattern itself.
    """

    targets: tuple[str | None, ...]
    starts: tuple[Spins | None, ...]
    noise: Noise = field(default_factory=Noise)
    repeats: int = 1
    random_start: bool = False  # `state: random`: a fresh uniform random state for every repeat
    mixture: tuple[str, ...] = ()  # `state: {mixture: [A, B, C]}`: start from the sign of the sum of these patterns


@dataclass(frozen=True, slots=True)
class SweepAxis:
    """One parameter of a sweep: a key path into the scenario (or `alpha`) and its values."""

    key: str
    values: tuple[Any, ...]
    line: int


@dataclass(frozen=True, slots=True)
class Sweep:
    """The `sweep:` block: a grid over scenario parameters, times seeds."""

    axes: tuple[SweepAxis, ...]
    seeds: tuple[int, ...]

    @property
    def points(self) -> int:
        """How many runs the sweep makes (grid points × seeds)."""
        count = len(self.seeds)
        for axis in self.axes:
            count *= len(axis.values)
        return count


@dataclass(frozen=True, slots=True, eq=False)
class Scenario:
    """A whole validated scenario."""

    name: str
    seed: int
    sources: tuple[PatternSource, ...]
    trials: tuple[TrialSpec, ...]
    description: str = ""
    learning: str = "hebbian"
    learning_params: tuple[tuple[str, float], ...] = ()  # e.g. (("kappa", 1.0),)
    learning_line: int | None = None  # where `network.learning` is written, for errors found when learning
    biases: Floats | None = None
    weights: Floats | None = None  # `network.weights: W.npy`: W in physical units
    saved: SavedWeights | None = None  # `network.weights: W.npz`
    problem: Problem | None = None
    #: `network.connectivity`: a diluted network (None: every pair of neurons is coupled)
    connectivity: Connectivity | None = None
    connectivity_line: int | None = None
    dynamics: Dynamics = field(default_factory=Dynamics)
    sweep: Sweep | None = None
    path: Path | None = None
    text: str = ""

    @property
    def neurons(self) -> int:
        """Number of neurons N."""
        if self.sources:
            return self.sources[0].size
        if self.problem is not None:
            return self.problem.size
        if self.saved is not None:
            return self.saved.size
        assert self.weights is not None, "a scenario has patterns, weights or a problem"
        return int(self.weights.shape[0])

    @property
    def symmetric(self) -> bool:
        """Whether the couplings the scenario makes are symmetric (read from the scenario; nothing is learned)."""
        if self.connectivity is not None:
            return self.connectivity.symmetric
        if self.saved is not None and self.saved.sparse is not None:
            return self.saved.sparse.symmetric
        given = self.saved.matrix if self.saved is not None else self.weights
        return given is None or bool(np.array_equal(given, given.T))

    @property
    def trial_count(self) -> int:
        """How many trials a run of the scenario has: every target of every trial block, times its repeats."""
        return sum(len(t.targets) * t.repeats for t in self.trials)

    @property
    def rule(self) -> str:
        """What the couplings come from: a learning rule, a weights file, or a problem."""
        if self.problem is not None:
            return self.problem.name
        if self.saved is not None:
            return self.saved.rule
        return "custom" if self.weights is not None else self.learning

    @property
    def pattern_names(self) -> tuple[str, ...]:
        """Names of the stored patterns, in order."""
        return tuple(name for source in self.sources for name in source.names)

    @property
    def glyph_shape(self) -> tuple[int, int] | None:
        """The common 2-D shape of the patterns, when every source has the same one."""
        if not self.sources and self.problem is not None:
            return self.problem.shape
        shapes = {source.shape for source in self.sources}
        return shapes.pop() if len(shapes) == 1 else None
