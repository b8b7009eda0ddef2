"""What a network can store, and what its final states are."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np

from neurosim.model.graph import Connectivity
from neurosim.typing import Floats

FinalKind = Literal["recalled", "reversed", "mixture", "other"]

#: |m| of a symmetric three-pattern mixture is 1/2; random overlaps are ~1/√N.
_MIXTURE_BAND = 0.15


def theoretical_capacities(size: int, connectivity: Connectivity | None = None) -> dict[str, float]:
    """The classic capacity estimates for N neurons (and, for a diluted asymmetric network, K·2/π).

    0.138 N: Hebbian storage with a small fraction of errors (Amit, Gutfreund &
    Sompolinsky 1985); N/(2 ln N): every pattern stable with high probability;
    N/(4 ln N): every pattern stable and recalled from any cue within its basin
    (McEliece, Posner, Rodemich & Venkatesh 1987). A diluted asymmetric network
    with K ≪ N synapses per neuron stores 2K/π patterns (Derrida, Gardner &
    Zippelius 1987), reported as `2K/π` beside them.
    """
    log_n = math.log(size) if size > 1 else 1.0
    out = {
        "0.138N": 0.138 * size,
        "N/(2 ln N)": size / (2 * log_n),
        "N/(4 ln N)": size / (4 * log_n),
    }
    if connectivity is not None and not connectivity.symmetric:
        out["2K/π"] = 2.0 * connectivity.mean_degree(size) / math.pi
    return out


def classify(overlaps: Floats | Sequence[float]) -> FinalKind:
    """Say what a final state is, from its overlaps with the stored patterns.

    `recalled`: m = 1 with a pattern; `reversed`: m = −1 with a pattern;
    `mixture`: |m| ≈ 1/2 with exactly three patterns (a symmetric 3-mixture) and
    small with the rest; `other`: anything else (spin-glass states, asymmetric
    mixtures).
    """
    values = overlaps.tolist() if isinstance(overlaps, np.ndarray) else list(overlaps)  # few: plain floats are faster
    if 1.0 in values:
        return "recalled"
    if -1.0 in values:
        return "reversed"
    magnitudes = sorted((abs(m) for m in values), reverse=True)
    three = len(magnitudes) >= 3 and all(abs(m - 0.5) <= _MIXTURE_BAND for m in magnitudes[:3])
    if three and (len(magnitudes) == 3 or magnitudes[3] < 0.5 - _MIXTURE_BAND):
        return "mixture"
    return "other"
