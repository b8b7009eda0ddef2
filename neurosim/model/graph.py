"""Diluted connectivity: which neuron receives a synapse from which (docs/conventions.md §15).

A graph is a set of rows: row i lists the distinct other neurons i receives a
synapse from, in increasing order (the symmetric fixed-degree graph lists them
offset by offset, +d then −d). Every row is a pure function of the graph
key (drawn from the scenario seed through its own spawn key), the connectivity
and N, so any subset of rows is drawn alone, identically (`draw_rows`), in
O(K) work per row (after O(N) drawn once for the symmetric kinds), whatever
else is drawn and in whatever order:

- `in_degree: K`, asymmetric: row i is K distinct neurons drawn from row i's own
  counter-based stream (SplitMix64 keyed by the graph key and i).
- `probability: p`, asymmetric: each other neuron independently with probability p,
  by geometric skips along row i's own stream.
- `in_degree: K`, symmetric: a randomly relabelled circulant graph. K/2 distinct
  offsets d in [1, (N−1)/2] and a permutation π of the neurons are drawn once
  (O(K + N), before any row); i and j are connected when π(i) − π(j) ≡ ±d (mod N).
  Every neuron receives exactly K synapses from distinct other neurons, and
  c_ij = c_ji; unlike a uniform random regular graph, it has the ~K² four-cycles
  of a circulant (i → i+a → i+a+b → i+b → i).
- `probability: p`, symmetric: each unordered pair independently with probability p.
  Neurons are cut into blocks of `BLOCK`; the pairs between blocks a ≤ b are drawn by
  geometric skips along the stream of the block pair, so a block's rows are drawn
  from its N/BLOCK block pairs alone.

`draw_onto` gives every row restricted to a range of neurons: in a symmetric
graph, the synapses onto that range (what a shard of a sharded run keeps).
The module is one concern, the graph's definition: each kind's drawing and
the counter-based streams they share must change together, or every stored
graph changes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numba
import numpy as np
import numpy.typing as npt

from neurosim.typing import Indices

#: Neurons per block of the symmetric Bernoulli graph (part of its definition: changing it changes every graph).
BLOCK = 4096
#: Rows `draw_onto` draws at a time by default (its memory beside the kept synapses: CHUNK·K indices).
CHUNK = 4 * BLOCK

ConnectivityKind = Literal["in_degree", "probability"]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_TO_UNIT = 2.0**-53
# distinct salts keep the streams of rows, offsets, the relabelling and block pairs apart
_ROW, _OFFSETS, _RELABEL, _PAIR = np.uint64(1), np.uint64(2), np.uint64(3), np.uint64(4)


@dataclass(frozen=True, slots=True)
class Connectivity:
    """A diluted network's connectivity: fixed in-degree K or pair probability p, symmetric or not."""

    kind: ConnectivityKind
    value: float
    symmetric: bool = True

    @property
    def in_degree(self) -> int:
        """K for `in_degree` (the divisor of the Hebbian weights is K, or p·N)."""
        return int(self.value)

    def mean_degree(self, size: int) -> float:
        """The expected number of synapses a neuron receives: K, or p·(N − 1)."""
        return float(self.value) if self.kind == "in_degree" else float(self.value) * (size - 1)

    def divisor(self, size: int) -> float:
        """The Hebbian divisor: K for a fixed in-degree, p·N for a probability."""
        return float(self.value) if self.kind == "in_degree" else float(self.value) * size

    def problem(self, size: int) -> str | None:
        """Why this connectivity cannot be drawn on `size` neurons, or None."""
        if self.kind == "in_degree":
            k = self.in_degree
            if self.symmetric:
                if k % 2:
                    return f"a symmetric in_degree must be even (synapses come in pairs i↔j), got {k}"
                if k // 2 > (size - 1) // 2:
                    return f"a symmetric in_degree of {size} neurons is at most {2 * ((size - 1) // 2)}, got {k}"
            elif k > size - 1:
                return f"in_degree {k} exceeds the {size - 1} other neurons"
            if k < 1:
                return f"in_degree must be at least 1, got {k}"
        elif not 0.0 < self.value <= 1.0:
            return f"probability must be in (0, 1], got {self.value:g}"
        return None

    def describe(self) -> str:
        """The connectivity as a scenario writes it."""
        value = str(self.in_degree) if self.kind == "in_degree" else f"{self.value:g}"
        return f"{{{self.kind}: {value}, symmetric: {'true' if self.symmetric else 'false'}}}"


@dataclass(frozen=True, slots=True, eq=False)
class Graph:
    """Rows lo..hi−1 of a graph in compressed form: row i is indices[indptr[i−lo]:indptr[i−lo+1]]."""

    size: int
    lo: int
    indptr: Indices
    indices: npt.NDArray[np.int32]

    @property
    def synapses(self) -> int:
        """The number of synapses the rows hold."""
        return int(self.indices.size)


# ---- counter-based randomness ------------------------------------------------------------


@numba.njit(cache=True, inline="always")
def _mix(z):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@numba.njit(cache=True, inline="always")
def _seed(key, salt, a, b):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    # the starting state of the stream named by (key, salt, a, b)
    z = _mix(key ^ (salt * _GAMMA_ODD))
    z = _mix(z ^ np.uint64(a) * _GOLDEN)
    return _mix(z ^ (np.uint64(b) + np.uint64(1)) * _M1)


_GAMMA_ODD = np.uint64(0xD1B54A32D192ED03)


@numba.njit(cache=True, inline="always")
def _next(state):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    # SplitMix64: the new state and its output
    state = state + _GOLDEN
    return state, _mix(state)


@numba.njit(cache=True, inline="always")
def _below(state, n):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    # an integer in [0, n) from the top 53 bits (n < 2^31: the bias is below 2^-22)
    state, z = _next(state)
    return state, np.int64((z >> np.uint64(11)) * _TO_UNIT * n)


@numba.njit(cache=True, inline="always")
def _skip(state, log_q):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    # a geometric gap: how many cells to pass over before the next present one
    if log_q == 0.0:  # p = 1
        return state, np.int64(0)
    state, z = _next(state)
    u = 1.0 - (z >> np.uint64(11)) * _TO_UNIT  # in (0, 1]
    gap = math.floor(math.log(u) / log_q)
    return state, np.int64(min(gap, 2.0**62))


@numba.njit(cache=True)
def _distinct(state, count, n, out):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """Fill out[:count] with `count` distinct sorted integers in [0, n), from the stream; returns the state."""
    if 4 * count >= n:  # a dense choice: a partial Fisher-Yates shuffle of 0..n−1
        pool = np.arange(n)
        for k in range(count):
            state, r = _below(state, n - k)
            pool[k], pool[k + r] = pool[k + r], pool[k]
        out[:count] = np.sort(pool[:count])
        return state
    have = 0
    while have < count:  # draw what is missing, then keep the distinct values
        for k in range(have, count):
            state, out[k] = _below(state, n)
        out[:count] = np.sort(out[:count])
        have = 1
        for k in range(1, count):
            if out[k] != out[have - 1]:
                out[have] = out[k]
                have += 1
    return state


# ---- the relabelling permutation ---------------------------------------------------------


@numba.njit(cache=True)
def relabelling(key, size):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """The symmetric fixed-degree graph's permutation π of the neurons and its inverse (a Fisher-Yates shuffle)."""
    forward = np.arange(size).astype(np.int32)
    state = _seed(key, _RELABEL, 0, 0)
    for k in range(size - 1, 0, -1):
        state, r = _below(state, k + 1)
        forward[k], forward[r] = forward[r], forward[k]
    inverse = np.empty(size, dtype=np.int32)
    for k in range(size):
        inverse[forward[k]] = k
    return forward, inverse


# ---- rows ------------------------------------------------------------------------------------


@numba.njit(cache=True, parallel=True)
def _fixed_rows(key, size, k, lo, hi, indices):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    for r in numba.prange(hi - lo):
        i = lo + r
        row = indices[r * k : (r + 1) * k]
        scratch = np.empty(k, dtype=np.int64)
        _distinct(_seed(key, _ROW, i, 0), k, size - 1, scratch)
        for m in range(k):  # 0..N−2 onto the other neurons: skip i itself
            row[m] = scratch[m] + (scratch[m] >= i)


@numba.njit(cache=True, parallel=True)
def _circulant_rows(size, offsets, forward, inverse, lo, hi, indices):  # type: ignore[no-untyped-def]  # pragma: no cover
    k = 2 * offsets.size
    for r in numba.prange(hi - lo):
        p = np.int64(forward[lo + r])
        base = r * k
        for m in range(offsets.size):  # offset by offset (sorting 10⁹ entries would double the build)
            d = offsets[m]
            up, down = p + d, p - d  # (p ± d) mod N, without a division per synapse
            indices[base + 2 * m] = inverse[up - size if up >= size else up]
            indices[base + 2 * m + 1] = inverse[down + size if down < 0 else down]


@numba.njit(cache=True)
def _bernoulli_row(key, size, log_q, i, out, fill):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    # row i of the asymmetric Bernoulli graph: count its synapses, or write them into out
    state = _seed(key, _ROW, i, 0)
    j = np.int64(-1)
    count = 0
    while True:
        state, gap = _skip(state, log_q)
        j += gap + 1
        if j >= size - 1:
            return count
        if fill:
            out[count] = j + (j >= i)
        count += 1


@numba.njit(cache=True, parallel=True)
def _bernoulli_counts(key, size, log_q, lo, hi, counts):  # type: ignore[no-untyped-def]  # pragma: no cover
    none = np.empty(0, dtype=np.int32)
    for r in numba.prange(hi - lo):
        counts[r] = _bernoulli_row(key, size, log_q, lo + r, none, False)


@numba.njit(cache=True, parallel=True)
def _bernoulli_fill(key, size, log_q, lo, hi, indptr, indices):  # type: ignore[no-untyped-def]  # pragma: no cover
    for r in numba.prange(hi - lo):
        _bernoulli_row(key, size, log_q, lo + r, indices[indptr[r] : indptr[r + 1]], True)


@numba.njit(cache=True)
def _pair_block(key, size, log_q, a, b, lo, hi, counts, indptr, cursor, indices, fill):  # type: ignore[no-untyped-def]  # pragma: no cover
    # the pairs of blocks a <= b: cell (r, c) of the block's grid is the pair (a·B + r, b·B + c);
    # on a diagonal block only the cells r < c count. Each present pair reaches the rows in lo..hi−1.
    a0, b0 = a * BLOCK, b * BLOCK
    na, nb = min(BLOCK, size - a0), min(BLOCK, size - b0)
    cells = na * nb
    state = _seed(key, _PAIR, a, b)
    t = np.int64(-1)
    while True:
        state, gap = _skip(state, log_q)
        t += gap + 1
        if t >= cells:
            return
        x, y = a0 + t // nb, b0 + t % nb
        if a == b and x >= y:
            continue
        for u, v in ((x, y), (y, x)):
            if lo <= u < hi:
                if fill:
                    indices[indptr[u - lo] + cursor[u - lo]] = v
                    cursor[u - lo] += 1
                else:
                    counts[u - lo] += 1


@numba.njit(cache=True, parallel=True)
def _pair_rows(key, size, log_q, lo, hi, counts, indptr, cursor, indices, fill):  # type: ignore[no-untyped-def]  # pragma: no cover
    # one task per block of rows: it draws each block pair it takes part in, and keeps its own rows'
    # ends (a pair between two of the range's blocks is drawn by both: no two tasks write one row)
    blocks = (size + BLOCK - 1) // BLOCK
    first, last = lo // BLOCK, (hi - 1) // BLOCK
    for a in numba.prange(first, last + 1):
        mine_lo, mine_hi = max(lo, a * BLOCK), min(hi, (a + 1) * BLOCK)
        for b in range(blocks):
            _pair_block(
                key, size, log_q, min(a, b), max(a, b), mine_lo, mine_hi,
                counts[mine_lo - lo :], indptr[mine_lo - lo :], cursor[mine_lo - lo :], indices, fill,
            )  # fmt: skip


@numba.njit(cache=True, parallel=True)
def _sort_rows(indptr, indices):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    for r in numba.prange(indptr.size - 1):
        indices[indptr[r] : indptr[r + 1]] = np.sort(indices[indptr[r] : indptr[r + 1]])


def offsets(connectivity: Connectivity, size: int, key: np.uint64) -> Indices:
    """The symmetric fixed-degree graph's K/2 offsets, drawn once from the graph key."""
    count = connectivity.in_degree // 2
    out = np.empty(max(count, 1), dtype=np.int64)
    _distinct(np.uint64(_seed(key, _OFFSETS, 0, 0)), count, (size - 1) // 2, out)
    result: Indices = out[:count] + 1
    return result


def draw_rows(connectivity: Connectivity, size: int, key: np.uint64, lo: int = 0, hi: int | None = None) -> Graph:
    """Rows lo..hi−1 (all rows by default) of the graph of `connectivity` on `size` neurons."""
    hi = size if hi is None else hi
    if not 0 <= lo <= hi <= size:
        raise ValueError(f"rows {lo}..{hi} of {size}")
    return _drawer(connectivity, size, key)(lo, hi)


def draw_onto(connectivity: Connectivity, size: int, key: np.uint64, lo: int, hi: int, chunk: int = CHUNK) -> Graph:
    """Every row of a symmetric graph restricted to the columns lo..hi−1: the synapses onto those neurons.

    By symmetry, row i restricted to lo..hi−1 lists the neurons of lo..hi−1 that
    receive a synapse from i. The rows are drawn `chunk` at a time (whole blocks
    of rows for a graph drawn by probability) and only the
    synapses onto lo..hi−1 are kept, in their row's order: the memory is that
    of the kept synapses, about (hi−lo)·K, and the time that of drawing every row.
    """
    if not connectivity.symmetric:
        raise ValueError("only a symmetric graph's rows are its synapses onto a range of neurons")
    if not 0 <= lo <= hi <= size:
        raise ValueError(f"columns {lo}..{hi} of {size}")
    rows = _drawer(connectivity, size, key)
    if connectivity.kind == "probability":  # a chunk draws whole pairs of blocks: whole blocks of rows
        chunk = max(BLOCK, chunk - chunk % BLOCK)
    indptr = np.zeros(size + 1, dtype=np.int64)
    if connectivity.kind == "in_degree":  # exactly K synapses onto each neuron
        capacity = connectivity.in_degree * (hi - lo)
    else:  # a few standard deviations above the expected count; grown if ever exceeded
        capacity = int(connectivity.mean_degree(size) * (hi - lo) * 1.02) + 1024
    kept = np.empty(capacity, dtype=np.int32)
    filled = 0
    for a in range(0, size, chunk):
        b = min(size, a + chunk)
        part = rows(a, b)
        counts = np.zeros(b - a, dtype=np.int64)
        _count_onto(part.indptr, part.indices, lo, hi, counts)
        total = int(counts.sum())
        if filled + total > kept.size:  # a graph drawn by probability: more than expected
            kept = np.concatenate((kept[:filled], np.empty(max(total, kept.size // 2), dtype=np.int32)))
        _keep_onto(part.indptr, part.indices, lo, hi, counts, kept[filled : filled + total])
        indptr[a + 1 : b + 1] = counts
        filled += total
    np.cumsum(indptr, out=indptr)
    return Graph(size, 0, indptr, kept[:filled])  # a view: a copy would hold the synapses twice


def _drawer(connectivity: Connectivity, size: int, key: np.uint64) -> Callable[[int, int], Graph]:
    """Draws rows lo..hi−1 of the graph, its per-graph work (a relabelling, the offsets) done once."""
    problem = connectivity.problem(size)
    if problem is not None:
        raise ValueError(problem)
    key = np.uint64(key)
    if connectivity.kind == "in_degree":
        k = connectivity.in_degree
        if connectivity.symmetric:
            forward, inverse = relabelling(key, size)
            shifts = offsets(connectivity, size, key)

        def fixed(lo: int, hi: int) -> Graph:
            indices = np.empty((hi - lo) * k, dtype=np.int32)
            if connectivity.symmetric:
                _circulant_rows(size, shifts, forward, inverse, lo, hi, indices)
            else:
                _fixed_rows(key, size, k, lo, hi, indices)
            return Graph(size, lo, np.arange(hi - lo + 1, dtype=np.int64) * k, indices)

        return fixed
    log_q = math.log1p(-connectivity.value) if connectivity.value < 1.0 else 0.0

    def bernoulli(lo: int, hi: int) -> Graph:
        rows = hi - lo
        counts = np.zeros(rows, dtype=np.int64)
        if not connectivity.symmetric:
            _bernoulli_counts(key, size, log_q, lo, hi, counts)
            indptr = _starts(counts)
            indices = np.empty(int(indptr[-1]), dtype=np.int32)
            _bernoulli_fill(key, size, log_q, lo, hi, indptr, indices)
            return Graph(size, lo, indptr, indices)
        no = np.zeros(0, dtype=np.int64)
        if rows:
            _pair_rows(key, size, log_q, lo, hi, counts, no, no, np.zeros(0, dtype=np.int32), False)
        indptr = _starts(counts)
        indices = np.empty(int(indptr[-1]), dtype=np.int32)
        if rows:
            _pair_rows(key, size, log_q, lo, hi, counts, indptr, np.zeros(rows, dtype=np.int64), indices, True)
            _sort_rows(indptr, indices)
        return Graph(size, lo, indptr, indices)

    return bernoulli


@numba.njit(cache=True, parallel=True)
def _count_onto(indptr, indices, lo, hi, counts):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    for r in numba.prange(indptr.size - 1):
        c = 0
        for k in range(indptr[r], indptr[r + 1]):
            c += lo <= indices[k] < hi
        counts[r] = c


@numba.njit(cache=True, parallel=True)
def _keep_onto(indptr, indices, lo, hi, counts, out):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    starts = np.zeros(counts.size + 1, dtype=np.int64)
    starts[1:] = np.cumsum(counts)
    for r in numba.prange(indptr.size - 1):
        m = starts[r]
        for k in range(indptr[r], indptr[r + 1]):
            j = indices[k]
            if lo <= j < hi:
                out[m] = j
                m += 1


def _starts(counts: Indices) -> Indices:
    indptr = np.zeros(counts.size + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return indptr
