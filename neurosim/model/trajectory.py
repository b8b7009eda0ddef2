"""Quantities read off a recall's log of timed flips."""

from __future__ import annotations

import numpy as np

from neurosim.model.patterns import PatternSet
from neurosim.typing import Floats, Indices, Spins


def mean_overlaps(
    patterns: PatternSet,
    start: Spins,
    flip_times: Floats,
    flip_neurons: Indices,
    flip_states: Spins,
    t_from: float,
    t_to: float,
) -> Floats:
    """Time-averaged overlaps m_μ over [t_from, t_to] of the trajectory that starts at `start`.

    The state is piecewise constant between flips; each stretch is weighted by
    the time it lasts inside the window.
    """
    if not t_to > t_from:
        raise ValueError("the averaging window is empty")
    xi = patterns.real
    m0 = xi @ start.astype(np.float64)
    steps = xi[:, flip_neurons] * (2.0 * flip_states)  # ΔM of each flip
    m = np.concatenate([m0[:, None], m0[:, None] + np.cumsum(steps, axis=1)], axis=1)
    edges = np.concatenate([[-np.inf], flip_times, [np.inf]])
    weights = np.clip(np.minimum(edges[1:], t_to) - np.maximum(edges[:-1], t_from), 0.0, None)
    averaged: Floats = (m @ weights) / ((t_to - t_from) * patterns.size)
    return averaged
