"""Stored patterns: named bipolar vectors, optionally with a 2-D glyph shape."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from neurosim.typing import Floats, Spins


@dataclass(frozen=True, slots=True, eq=False)
class PatternSet:
    """P named patterns of N bipolar entries; `shape` is (rows, cols) when they are glyphs."""

    names: tuple[str, ...]
    matrix: Spins
    shape: tuple[int, int] | None = None
    _real: Floats | None = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        m = self.matrix
        if m.ndim != 2 or m.dtype != np.int8:
            raise ValueError("patterns must be a 2-D int8 matrix")
        if len(self.names) != m.shape[0]:
            raise ValueError(f"{len(self.names)} names for {m.shape[0]} patterns")
        if len(set(self.names)) != len(self.names):
            raise ValueError("pattern names must be unique")
        if not np.all(np.abs(m) == 1):
            raise ValueError("pattern entries must be -1 or +1")
        if self.shape is not None and self.shape[0] * self.shape[1] != m.shape[1]:
            raise ValueError(f"shape {self.shape} does not hold {m.shape[1]} neurons")
        m.flags.writeable = False

    @property
    def real(self) -> Floats:
        """The patterns as float64 (read-only), for overlaps and learning; made on first use, then kept.

        Not made before it is asked for: a shard that learns its own synapses
        reads the int8 rows only, and 8 bytes per entry more is 400 MB at N = 10⁶, P = 50.
        """
        if self._real is None:
            real = self.matrix.astype(np.float64)
            real.flags.writeable = False
            object.__setattr__(self, "_real", real)
        assert self._real is not None
        return self._real

    @property
    def count(self) -> int:
        """Number of stored patterns P."""
        return int(self.matrix.shape[0])

    @property
    def size(self) -> int:
        """Number of neurons N."""
        return int(self.matrix.shape[1])

    def index(self, name: str) -> int:
        """Return the row of the pattern called `name`."""
        return self.names.index(name)

    def get(self, name: str) -> Spins:
        """Return the pattern called `name` (read-only)."""
        row: Spins = self.matrix[self.names.index(name)]
        return row

    def match(self, state: Spins, overlaps: Floats | Sequence[float] | None = None) -> str | None:
        """Return the name of the (first) stored pattern equal to `state`, if any.

        `overlaps` are the state's overlaps with the patterns when the caller has
        them: m = ξ·s / N is exactly 1 for an equal pattern and only then.
        """
        if not self.count:
            return None
        m = self.real @ state.astype(np.float64) / self.size if overlaps is None else overlaps
        values = m.tolist() if isinstance(m, np.ndarray) else list(m)
        return self.names[values.index(1.0)] if 1.0 in values else None


def bipolar(values: object) -> Spins:
    """Convert ±1 or 0/1 data to an int8 bipolar vector (0 becomes -1)."""
    a = np.asarray(values)
    if a.dtype == np.bool_:
        return np.where(a, 1, -1).astype(np.int8)
    if not np.all(np.isin(a, (-1, 0, 1))):
        raise ValueError("entries must be -1/+1 or 0/1")
    if np.any(a == 0) and np.any(a == -1):
        raise ValueError("entries mix -1 and 0")
    return np.where(a > 0, 1, -1).astype(np.int8)


def random_patterns(count: int, size: int, rng: np.random.Generator) -> Spins:
    """Draw `count` independent uniform bipolar patterns of `size` neurons."""
    bits = rng.integers(0, 2, size=(count, size), dtype=np.int8)
    return (2 * bits - 1).astype(np.int8)
