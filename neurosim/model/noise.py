"""Cue corruption: flip a number of neurons, flip each with a probability, or mask a fraction of them."""

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


def flip_each(state: Spins, probability: float, rng: np.random.Generator) -> Spins:
    """Return a copy of `state` with each neuron flipped independently with `probability`.

    One uniform draw per neuron, in index order: neuron i flips when its draw is below p.
    """
    if not 0.0 <= probability <= 1.0:
        raise ValueError(f"flip probability {probability} is not in [0, 1]")
    out = state.copy()
    out[rng.random(state.size) < probability] *= -1
    return out


def mixture(patterns: Spins) -> Spins:
    """The sign of the sum of `patterns` (rows), a tie (an even count summing to 0) taking the first pattern's entry."""
    if patterns.ndim != 2 or patterns.shape[0] == 0:
        raise ValueError("a mixture needs at least one pattern")
    total = patterns.astype(np.int64).sum(axis=0)
    out: Spins = np.where(total > 0, 1, np.where(total < 0, -1, patterns[0])).astype(np.int8)
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
