"""Energy, local fields, overlaps and distances, exactly as in docs/conventions.md."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numba
import numpy as np
from numba.core import types
from numba.extending import overload

from neurosim.model.couplings import AnyCouplings
from neurosim.model.dense import DenseMemory
from neurosim.model.patterns import PatternSet
from neurosim.typing import Floats, Spins

if TYPE_CHECKING:
    from neurosim.model.drawn import DrawnCouplings


def field_units(couplings: AnyCouplings, state: Spins) -> Floats:
    """Local fields in matrix units: matrix · s − θ · divisor (a dense memory's effective fields)."""
    if isinstance(couplings, DenseMemory):
        return couplings.field_units(state)
    return couplings.product(state) - couplings.thresholds


@numba.njit(cache=True)
def deliver_flip(target: Floats, state: int, fanout: Floats) -> None:  # pragma: no cover - compiled
    """A flip to `state` reaches every field: target += 2·state·fanout, one rounding per element.

    2·state·fanout is exact (a product with ±2), so each element is rounded once,
    by the addition; both engines deliver every flip through this function.
    """
    factor = 2.0 * state
    for j in range(target.size):
        target[j] += fanout[j] * factor


@numba.njit(cache=True)
def deliver_sparse(target: Floats, state: int, indices: Any, values: Any) -> None:  # pragma: no cover - compiled
    """A flip to `state` reaches the neurons of a row of synapses: target[indices] += 2·state·values."""
    factor = 2.0 * state
    for k in range(indices.size):
        target[indices[k]] += values[k] * factor


@numba.njit(cache=True)
def deliver_low_rank(target: Floats, state: int, patterns: Any, neuron: int) -> None:  # pragma: no cover - compiled
    """A flip of `neuron` in a low-rank network: target_k += 2·state·Σ_μ ξ_k^μ ξ_j^μ for every k ≠ j (Ξᵀ rows)."""
    own = patterns[neuron]
    factor = 2.0 * state
    for k in range(patterns.shape[0]):
        if k != neuron:
            total = 0
            row = patterns[k]
            for mu in range(own.size):
                total += np.int64(row[mu]) * own[mu]
            target[k] += float(total) * factor


def deliver_synapses(target: Floats, state: int, row: Any) -> None:
    """A flip to `state` through a row of synapses (indices, values): the actors' delivery in a diluted network."""
    deliver_sparse(target, state, row[0], row[1])


def deliver_row(target: Floats, state: int, fanouts: Any, neuron: int) -> None:
    """Compiled code only: deliver `neuron`'s flip through its fanout in `fanouts`, whatever their form.

    `fanouts` is a matrix (row i is neuron i's fanout), compressed rows
    (indptr, indices, values), or the patterns of a low-rank network, (Ξᵀ,): the
    fanout of j is then Σ_μ ξ^μ ξ_j^μ without the self term, formed as the flip
    is delivered, at O(N·P).
    """
    raise NotImplementedError("compiled code only")


def row_count(rows: Any) -> int:
    """Compiled code only: how many rows `rows` holds, in any form of `deliver_row` (0: none kept)."""
    raise NotImplementedError("compiled code only")


@overload(deliver_row, inline="always")
def _deliver_row(target, state, fanouts, neuron):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    if isinstance(fanouts, types.Array):

        def dense(target, state, fanouts, neuron):  # type: ignore[no-untyped-def]
            deliver_flip(target, state, fanouts[neuron])

        return dense
    if isinstance(fanouts, types.BaseTuple) and len(fanouts) == 3:

        def sparse(target, state, fanouts, neuron):  # type: ignore[no-untyped-def]
            indptr, indices, values = fanouts
            a, b = indptr[neuron], indptr[neuron + 1]
            deliver_sparse(target, state, indices[a:b], values[a:b])

        return sparse
    if isinstance(fanouts, types.BaseTuple) and len(fanouts) == 1:

        def low_rank(target, state, fanouts, neuron):  # type: ignore[no-untyped-def]
            deliver_low_rank(target, state, fanouts[0], neuron)

        return low_rank
    return None


@overload(row_count, inline="always")
def _row_count(rows):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    if isinstance(rows, types.Array):
        return lambda rows: rows.shape[0]
    if isinstance(rows, types.BaseTuple) and len(rows) == 3:
        return lambda rows: rows[0].size - 1
    if isinstance(rows, types.BaseTuple) and len(rows) == 1:
        return lambda rows: 0
    return None


def energy_units(couplings: AnyCouplings, state: Spins) -> float:
    """Energy in matrix units: −½ sᵀ·matrix·s + (θ · divisor)·s."""
    return energy_from_fields(couplings, state, field_units(couplings, state))


def energy_from_fields(couplings: AnyCouplings | DrawnCouplings, state: Spins, fields: Floats) -> float:
    """Energy in matrix units, from the fields in matrix units (matrix·s = fields + θ·divisor)."""
    if isinstance(couplings, DenseMemory):
        return couplings.energy_units(state)
    s = state.astype(np.float64)
    theta = couplings.thresholds
    return float(-0.5 * (s @ (fields + theta)) + theta @ s)


def local_fields(couplings: AnyCouplings, state: Spins) -> Floats:
    """Local fields h_i = Σ_j w_ij s_j − θ_i."""
    return field_units(couplings, state) / couplings.divisor


def energy(couplings: AnyCouplings, state: Spins) -> float:
    """Energy E(s) = −½ Σ_ij w_ij s_i s_j + Σ_i θ_i s_i."""
    return energy_units(couplings, state) / couplings.divisor


def overlaps(patterns: PatternSet, state: Spins) -> Floats:
    """Overlaps m_μ = ξ^μ · s / N with every stored pattern.

    ξ^μ · s is counted exactly in integers (it is one), then divided by N once.
    """
    spins = state if state.dtype == np.int8 and state.flags.c_contiguous else np.ascontiguousarray(state, np.int8)
    if patterns.matrix.size <= SMALL_ENTRIES:  # the same exact integers, without compiling _overlaps
        dots = patterns.matrix.astype(np.int64) @ spins.astype(np.int64)
        small: Floats = dots / spins.size
        return small
    m: Floats = _overlaps(patterns.matrix, spins)
    return m


#: Up to this many entries, overlaps and Hamming distances are counted by numpy: as exact, and nothing to
#: compile (a first run on a machine would otherwise compile them: seconds, for a 25-neuron demo).
SMALL_ENTRIES = 1 << 12  # numpy takes ~20 µs there (the compiled count ~6 µs); ten times that at 2^16


_BYTES = np.uint64(0x0101010101010101)


@numba.njit(cache=True)
def _overlaps(matrix: Spins, state: Spins) -> Floats:  # pragma: no cover - compiled
    # ξ·s = N − 2·(entries that differ). Eight spins at a time: as bytes, +1 is 0x01 and −1 is 0xFF,
    # so the XOR of two entries is 0x00 when they agree and 0xFE when they differ; bit 1 of each
    # byte marks a difference, and multiplying the marks by 0x0101…01 sums them into the top byte.
    count, size = matrix.shape
    whole = size - size % 8
    state_words = state[:whole].view(np.uint64)
    out = np.empty(count)
    for mu in range(count):
        row = matrix[mu]
        words = row[:whole].view(np.uint64)
        differ = 0
        for w in range(words.size):
            marks = ((words[w] ^ state_words[w]) >> np.uint64(1)) & _BYTES
            differ += int((marks * _BYTES) >> np.uint64(56))
        for j in range(whole, size):
            differ += row[j] != state[j]
        out[mu] = (size - 2 * differ) / size
    return out


def hamming(a: Spins, b: Spins) -> int:
    """Number of neurons in which two states differ."""
    if a.shape != b.shape:
        raise ValueError(f"states of {a.size} and {b.size} neurons")
    if a.size <= SMALL_ENTRIES:
        return int(np.count_nonzero(a != b))
    return int(_differences(a.ravel(), b.ravel()))


@numba.njit(cache=True)
def _differences(a: Spins, b: Spins) -> int:  # pragma: no cover - compiled
    count = 0
    for j in range(a.size):
        count += a[j] != b[j]
    return count


def is_fixed_point(couplings: AnyCouplings, state: Spins) -> bool:
    """True when every neuron's field agrees with its state (ties keep the state)."""
    h = field_units(couplings, state)
    return bool(np.all(h * state >= 0))
