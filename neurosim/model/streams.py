"""Counter-based random streams, one per neuron, independent of how neurons are grouped.

Stream i of a family is SplitMix64 (Steele, Lea & Flood 2014) started from its own
64-bit key, drawn from a `numpy.random.SeedSequence`; draw k of stream i is a pure
function of (key_i, k). A neuron's k-th random number is therefore the same in the
actor engine, the kernel engine and any future sharded engine, whatever the order
in which neurons run, and computing all streams at once is a single numpy expression.
"""

from __future__ import annotations

import math

import numba
import numpy as np
import numpy.typing as npt

from neurosim.typing import Floats

_GAMMA = 0x9E3779B97F4A7C15
_MIX1 = 0xBF58476D1CE4E5B9
_MIX2 = 0x94D049BB133111EB
_MASK = (1 << 64) - 1
_TO_UNIT = 2.0**-53

U64 = npt.NDArray[np.uint64]


def stream_keys(seed: np.random.SeedSequence, count: int) -> U64:
    """Draw one 64-bit key per stream from `seed`."""
    keys: U64 = seed.generate_state(count, dtype=np.uint64).astype(np.uint64)
    return keys


def uniforms(keys: U64, counters: U64) -> Floats:
    """Draw number `counters[i]` of stream `keys[i]`, as floats in [0, 1)."""
    z = keys + (counters + np.uint64(1)) * np.uint64(_GAMMA)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(_MIX1)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(_MIX2)
    z = z ^ (z >> np.uint64(31))
    out: Floats = (z >> np.uint64(11)).astype(np.float64) * _TO_UNIT
    return out


def uniform(key: int, counter: int) -> float:
    """Draw number `counter` of stream `key` (scalar form of `uniforms`)."""
    z = (key + (counter + 1) * _GAMMA) & _MASK
    z = ((z ^ (z >> 30)) * _MIX1) & _MASK
    z = ((z ^ (z >> 27)) * _MIX2) & _MASK
    z ^= z >> 31
    return (z >> 11) * _TO_UNIT


def exponentials(keys: U64, counters: U64) -> Floats:
    """Draw unit-rate exponential intervals, -log(1 - u), from the streams."""
    return -np.log1p(-uniforms(keys, counters))


def exponentials_scalar(key: int, counter: int) -> float:
    """Scalar form of `exponentials`."""
    return -math.log1p(-uniform(key, counter))


_GAMMA_U64 = np.uint64(_GAMMA)
_MIX1_U64 = np.uint64(_MIX1)
_MIX2_U64 = np.uint64(_MIX2)


@numba.njit(cache=True)
def uniform_compiled(key: np.uint64, counter: np.uint64) -> float:  # pragma: no cover - compiled
    """`uniform` for compiled code, in wrapping 64-bit arithmetic (the same numbers)."""
    z = key + (counter + np.uint64(1)) * _GAMMA_U64
    z = (z ^ (z >> np.uint64(30))) * _MIX1_U64
    z = (z ^ (z >> np.uint64(27))) * _MIX2_U64
    z = z ^ (z >> np.uint64(31))
    return float(z >> np.uint64(11)) * 2.0**-53
