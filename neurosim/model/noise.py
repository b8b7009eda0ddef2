"""Cue corruption: flip a number of neurons, or mask a fraction of them."""

from __future__ import annotations

from typing import Literal

import numpy as np

from neurosim.typing import Spins

Fill = Literal[-1, 1, "random"]


def flip(state: Spins, count: int, rng: np.random.Generator) -> Spins:
    """Return a copy of `state` with exactly `count` distinct neurons flipped."""
    if not 0 <= count <= state.size:
        raise ValueError(f"cannot flip {count} of {state.size} neurons")
    out = state.copy()
    chosen = rng.choice(state.size, size=count, replace=False)
    out[chosen] *= -1
    return out


def mask(state: Spins, fraction: float, fill: Fill, rng: np.random.Generator) -> Spins:
    """Return a partial cue: a random `fraction` of the neurons replaced by `fill`."""
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"mask fraction {fraction} is not in [0, 1]")
    out = state.copy()
    chosen = rng.choice(state.size, size=round(fraction * state.size), replace=False)
    if fill == "random":
        out[chosen] = (2 * rng.integers(0, 2, size=chosen.size) - 1).astype(np.int8)
    else:
        out[chosen] = fill
    return out
