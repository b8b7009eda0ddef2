"""NumPy's seeding and PCG64 streams, compiled: the same numbers, without a Python object per stream.

A trial's schedule stream is `numpy.random.PCG64(SeedSequence(seed, spawn_key=key))`.
Building that object costs ~18 µs and each permutation drawn from it ~13 µs, which
is a large part of a whole recall on the kernel engine. This module computes the
same thing in compiled code: SeedSequence's entropy mixing and `generate_state`
(O'Neill's seed_seq hashing as NumPy implements it), PCG64's seeding and XSL-RR
output, and the two draws the schedules make — `Generator.permutation(n)`
(Fisher-Yates with NumPy's masked rejection, `random_interval`) and
`Generator.integers(0, n, size)` (Lemire's bounded integers on 32-bit draws). The
tests compare every step with NumPy over many seeds, keys and sizes.

A stream's state is six uint64 words: the 128-bit state and increment (high,
low), and the buffered half of the last 64-bit draw (flag, value), as NumPy's
PCG64 keeps it.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numba
import numpy as np
import numpy.typing as npt
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]

STATE_HI, STATE_LO, INC_HI, INC_LO, HAS_UINT32, UINTEGER = range(6)

# SeedSequence's constants (NumPy's bit_generator.pyx)
_POOL_SIZE = 4
_INIT_A = np.uint64(0x43B0D7E5)
_MULT_A = np.uint64(0x931E8875)
_INIT_B = np.uint64(0x8B51F9DD)
_MULT_B = np.uint64(0x58F38DED)
_MIX_MULT_L = np.uint64(0xCA01F9DD)
_MIX_MULT_R = np.uint64(0x4973F715)
_XSHIFT = np.uint64(16)

# PCG64's 128-bit multiplier (high, low)
_MULT_HI = np.uint64(2549297995355413924)
_MULT_LO = np.uint64(4865540595714422341)
_ONE = np.uint64(1)
_MASK32 = np.uint64(0xFFFFFFFF)


def words(value: int) -> list[int]:
    """A non-negative integer as 32-bit words, least significant first (NumPy's `_int_to_uint32_array`)."""
    if value < 0:
        raise ValueError(f"seed entropy must be non-negative, got {value}")
    out = [value & 0xFFFFFFFF]
    value >>= 32
    while value:
        out.append(value & 0xFFFFFFFF)
        value >>= 32
    return out


def _one_word_each(values: tuple[int, ...]) -> bool:
    return bool(values) and min(values) >= 0 and max(values) <= 0xFFFFFFFF


def entropy_words(seed: int | Sequence[int], spawn_key: tuple[int, ...]) -> U32:
    """The assembled entropy of `SeedSequence(seed, spawn_key=spawn_key)`: the run words, padded, then the key's.

    `seed` is an integer or a sequence of integers, as SeedSequence takes them.
    """
    run = words(seed) if isinstance(seed, int) else [w for v in seed for w in words(v)]
    spawn = [w for k in spawn_key for w in words(k)]
    if spawn and len(run) < _POOL_SIZE:
        run += [0] * (_POOL_SIZE - len(run))
    return np.array(run + spawn, dtype=np.uint32)


@intrinsic
def _mul_hi(typingctx, a, b):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """The high 64 bits of the 128-bit product of two uint64."""
    sig = types.uint64(types.uint64, types.uint64)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        wide = ir.IntType(128)
        product = builder.mul(builder.zext(args[0], wide), builder.zext(args[1], wide))
        return builder.trunc(builder.lshr(product, ir.Constant(wide, 64)), ir.IntType(64))

    return sig, codegen


@numba.njit(cache=True)
def _hashmix(value: np.uint64, hash_const: U64) -> np.uint64:  # pragma: no cover - compiled
    # 32-bit arithmetic, done in 64-bit words and masked (numba widens uint32 operations)
    value ^= hash_const[0]
    hash_const[0] = (hash_const[0] * _MULT_A) & _MASK32
    value = (value * hash_const[0]) & _MASK32
    return value ^ (value >> _XSHIFT)


@numba.njit(cache=True)
def _mix(x: np.uint64, y: np.uint64) -> np.uint64:  # pragma: no cover - compiled
    result = (_MIX_MULT_L * x - _MIX_MULT_R * y) & _MASK32
    return result ^ (result >> _XSHIFT)


@numba.njit(cache=True)
def seed_state(entropy: U32, words64: int) -> U64:  # pragma: no cover - compiled
    """`SeedSequence.generate_state(words64, np.uint64)` for the assembled `entropy`."""
    pool = np.zeros(_POOL_SIZE, dtype=np.uint64)
    hash_const = np.array([_INIT_A], dtype=np.uint64)
    for i in range(_POOL_SIZE):
        pool[i] = _hashmix(np.uint64(entropy[i]) if i < entropy.size else np.uint64(0), hash_const)
    for src in range(_POOL_SIZE):
        for dst in range(_POOL_SIZE):
            if src != dst:
                pool[dst] = _mix(pool[dst], _hashmix(pool[src], hash_const))
    for src in range(_POOL_SIZE, entropy.size):
        for dst in range(_POOL_SIZE):
            pool[dst] = _mix(pool[dst], _hashmix(np.uint64(entropy[src]), hash_const))
    out = np.zeros(words64, dtype=np.uint64)
    h = _INIT_B
    for k in range(2 * words64):
        value = pool[k % _POOL_SIZE] ^ h
        h = (h * _MULT_B) & _MASK32
        value = (value * h) & _MASK32
        value ^= value >> _XSHIFT
        out[k // 2] |= value << np.uint64(32 * (k % 2))
    return out


@numba.njit(cache=True, inline="always")
def _advance(s_hi: np.uint64, s_lo: np.uint64, i_hi: np.uint64, i_lo: np.uint64) -> tuple[np.uint64, np.uint64]:
    # state · multiplier + increment (mod 2^128), as (high, low)
    lo = s_lo * _MULT_LO
    hi = _mul_hi(s_lo, _MULT_LO) + s_hi * _MULT_LO + s_lo * _MULT_HI  # type: ignore[call-arg]
    new_lo = lo + i_lo
    carry = _ONE if new_lo < lo else np.uint64(0)
    return hi + i_hi + carry, new_lo  # pragma: no cover - compiled


@numba.njit(cache=True, inline="always")
def _output(hi: np.uint64, lo: np.uint64) -> np.uint64:  # pragma: no cover - compiled
    value = hi ^ lo
    rot = hi >> np.uint64(58)
    return (value >> rot) | (value << ((np.uint64(64) - rot) & np.uint64(63)))


@numba.njit(cache=True)
def _step(st: U64) -> None:  # pragma: no cover - compiled
    st[STATE_HI], st[STATE_LO] = _advance(st[STATE_HI], st[STATE_LO], st[INC_HI], st[INC_LO])


@numba.njit(cache=True)
def pcg64_state(entropy: U32) -> U64:  # pragma: no cover - compiled
    """The state of `PCG64(SeedSequence(...))` for the assembled `entropy` (see `entropy_words`)."""
    seed = seed_state(entropy, 4)
    st = np.zeros(6, dtype=np.uint64)
    st[INC_HI] = (seed[2] << _ONE) | (seed[3] >> np.uint64(63))
    st[INC_LO] = (seed[3] << _ONE) | _ONE
    _step(st)
    lo = st[STATE_LO] + seed[1]
    carry = _ONE if lo < st[STATE_LO] else np.uint64(0)
    st[STATE_HI] = st[STATE_HI] + seed[0] + carry
    st[STATE_LO] = lo
    _step(st)
    return st


def stream(seed: int | Sequence[int], *spawn_key: int) -> U64:
    """The state of `numpy.random.PCG64(numpy.random.SeedSequence(seed, spawn_key=spawn_key))`."""
    if isinstance(seed, int) and len(spawn_key) == 3 and _one_word_each(spawn_key):
        # a trial's stream (seed, (1, trial, role)), once per trial: no Python-side assembly
        keyed: U64 = _pcg64_keyed(_padded_words(seed), *spawn_key)
        return keyed
    state: U64 = pcg64_state(entropy_words(seed, spawn_key))
    return state


@functools.lru_cache(maxsize=16)
def _padded_words(seed: int) -> U32:
    # the run entropy of a spawned SeedSequence: the seed's words, padded to the pool size
    words = entropy_words(seed, (0,))[:-1]
    words.flags.writeable = False
    return words


@numba.njit(cache=True)
def _pcg64_keyed(run: U32, a: int, b: int, c: int) -> U64:  # pragma: no cover - compiled
    entropy = np.empty(run.size + 3, dtype=np.uint32)
    entropy[: run.size] = run
    entropy[run.size] = a
    entropy[run.size + 1] = b
    entropy[run.size + 2] = c
    return pcg64_state(entropy)


@numba.njit(cache=True)
def next64(st: U64) -> np.uint64:  # pragma: no cover - compiled
    """The next 64-bit draw (PCG64's XSL-RR output of the stepped state)."""
    _step(st)
    return _output(st[STATE_HI], st[STATE_LO])


@numba.njit(cache=True)
def next32(st: U64) -> np.uint64:  # pragma: no cover - compiled
    """The next 32-bit draw: the low half of a 64-bit draw, then its buffered high half."""
    if st[HAS_UINT32]:
        st[HAS_UINT32] = 0
        return np.uint64(st[UINTEGER])
    value = next64(st)
    st[HAS_UINT32] = 1
    st[UINTEGER] = value >> np.uint64(32)
    return value & _MASK32


@numba.njit(cache=True)
def permutation(st: U64, n: int) -> I64:  # pragma: no cover - compiled
    """`Generator.permutation(n)` for n < 2^32: arange(n) shuffled by Fisher-Yates from the top.

    Each swap partner is `random_interval(i)`: 32-bit draws masked to the
    smallest covering power of two, redrawn while above i. The stream state is
    kept in registers for the whole shuffle and written back at the end.
    """
    out = np.arange(n, dtype=np.int64)
    s_hi, s_lo, i_hi, i_lo = st[STATE_HI], st[STATE_LO], st[INC_HI], st[INC_LO]
    has, spare = st[HAS_UINT32], st[UINTEGER]
    mask = _MASK32  # the smallest all-ones mask covering i, narrowed as i falls
    for i in range(n - 1, 0, -1):
        limit = np.uint64(i)
        while (mask >> _ONE) >= limit:
            mask >>= _ONE
        while True:
            if has:
                has = np.uint64(0)
                draw = spare
            else:
                s_hi, s_lo = _advance(s_hi, s_lo, i_hi, i_lo)
                wide = _output(s_hi, s_lo)
                has = _ONE
                spare = wide >> np.uint64(32)
                draw = wide & _MASK32
            value = draw & mask
            if value <= limit:
                break
        j = np.int64(value)
        out[i], out[j] = out[j], out[i]
    st[STATE_HI], st[STATE_LO], st[HAS_UINT32], st[UINTEGER] = s_hi, s_lo, has, spare
    return out


@numba.njit(cache=True)
def integers(st: U64, high: int, count: int) -> I64:  # pragma: no cover - compiled
    """`Generator.integers(0, high, size=count)` for 1 <= high <= 2^32 - 1 (Lemire's method on 32-bit draws)."""
    out = np.zeros(count, dtype=np.int64)
    if high == 1:
        return out
    top = np.uint64(high - 1)
    span = np.uint64(high)
    threshold = (_MASK32 - top) % span
    for k in range(count):
        m = next32(st) * span
        leftover = m & _MASK32
        if leftover < span:
            while leftover < threshold:
                m = next32(st) * span
                leftover = m & _MASK32
        out[k] = np.int64(m >> np.uint64(32))
    return out
