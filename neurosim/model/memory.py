"""How much memory a run needs, estimated from its sizes alone, before anything large is allocated.

Each part is what the code that builds and runs a network allocates, counted
from the shapes it allocates (the weight matrix is N² float64, a stored
pattern N int8 plus its float64 copy) or, where Python objects are involved,
from a constant measured on the development machine (`tests/test_memory.py`
holds the estimate to measured peak resident memory). The estimate is an upper
bound for what stays resident; transient work arrays count at their peak.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from neurosim.model.graph import CHUNK
from neurosim.model.learning import DENSE_LIMIT

GIB = float(1 << 30)
#: Resident bytes per neuron actor beyond the couplings (task, coroutine frame, alarm future, neuron
#: object, its row view, the board's entries): 2,292 measured at N = 100,000 (docs/performance.md);
#: 2,050-2,400 measured at N = 2,000 and 5,000 with dense couplings. Rounded up.
ACTOR_BYTES_PER_NEURON = 2_500
#: Resident bytes per neuron actor of a diluted network beyond `ACTOR_BYTES_PER_NEURON`: the views of
#: the synapses it holds (a tuple of two array views); with it the estimate of `neurosim bench --scale`
#: on the actors (N = 10^6, K = 1,000) is 8.15 GiB, the measured peak 8.15 GiB (docs/performance.md).
ACTOR_ROW_BYTES = 500
#: A Bernoulli graph's synapses exceed their expected number by a few standard deviations at most.
SYNAPSE_MARGIN = 1.01
#: Bytes one kernel log entry takes: flips (t 8, n 8, s 1) and events (kind 1, t 8, n 8, s 1, u 8, e 8).
KERNEL_LOG_ENTRY_BYTES = 17 + 34
#: Recalls granted more wake-ups than this get their logs grown batch by batch (`engines/kernel/engine.py`).
KERNEL_LOG_LIMIT = 1 << 22
#: Resident bytes per trial and neuron at the run's peak, when summary.json is written: the start and
#: final states as tuples while the run goes (16 measured), then as lists and as indented JSON text
#: (180-200 measured, 10,000 trials at N = 100 and 2,000 at N = 1,000); rounded up. Beyond them, a
#: few hundred bytes per trial and per stored pattern (its overlap).
TRIAL_BYTES_PER_NEURON = 220
TRIAL_BYTES = 2_000
TRIAL_BYTES_PER_PATTERN = 200
#: Resident bytes per entry of the stored patterns summary.json records (as lists, then indented JSON
#: text; the ~100 bytes per neuron and trial above are the same cost).
RECORDED_ENTRY_BYTES = 100
#: A sweep worker process before it builds a network: the interpreter, numpy, numba and neurosim
#: imported, an engine started (measured: 155-160 MB resident after a small run on either engine,
#: 245-250 MB in some processes); the larger figure.
WORKER_BYTES = 250 * (1 << 20)

EngineKind = Literal["actors", "kernel"]
#: Where the couplings come from: a learning rule, a problem, a `.npy` matrix (copied), a saved `.npz` (not).
Origin = Literal["learned", "problem", "given", "saved"]
#: Peak work arrays of each learning rule, in N×N float64 matrices beyond the couplings themselves.
#: (The sequence rule keeps two: its slow pathway J² and J²'s columns as rows, for delivering flips.)
_LEARNING_MATRICES = {"storkey": 3, "pseudoinverse": 1, "perceptron": 2, "daydreaming": 2, "sequence": 2}
#: Rules that keep no coupling matrix: an N×P float64 copy of the patterns and N×P work arrays per field.
_DENSE_MEMORIES = ("dense", "modern")
_DENSE_MEMORY_WORK = 6


@dataclass(frozen=True, slots=True)
class Sizes:
    """What the estimate needs to know of a run: its sizes, where its couplings come from, its trials."""

    neurons: int
    patterns: int
    rule: str  # a learning rule, a problem's name, or what a weights file says
    origin: Origin = "learned"
    trials: int = 1
    max_wakeups: int = 0  # per recall: max_sweeps × N
    symmetric: bool = True  # every learning rule's and problem's couplings are
    recorded: int = 0  # entries of the stored patterns summary.json records (N·P, or 0 past its limit)
    synapses: float = 0.0  # a diluted network's expected synapses per neuron (0: not diluted)


@dataclass(frozen=True, slots=True)
class Estimate:
    """Bytes a run needs, in total and by part (name → bytes, the larger parts first)."""

    parts: tuple[tuple[str, int], ...]

    @property
    def bytes(self) -> int:
        """The total."""
        return sum(b for _, b in self.parts)

    def describe(self, limit: int = 4) -> str:
        """The total and its largest parts in GiB: `18.2 GiB (couplings 16.0, kernel copy 2.0, ...)`."""
        large = [(name, b) for name, b in self.parts if b >= self.bytes / 100] or list(self.parts[:1])
        shown = ", ".join(f"{name} {gib(b)}" for name, b in large[:limit])
        more = ", ..." if len(self.parts) > min(limit, len(large)) else ""
        return f"{gib(self.bytes)} GiB ({shown}{more})"


def gib(count: int | float) -> str:
    """`count` bytes in GiB, to one decimal (two below 1 GiB, where one says little)."""
    value = count / GIB
    return f"{value:.1f}" if value >= 0.95 else f"{value:.2f}"


def _compact_bytes(sizes: Sizes) -> int:
    """Bytes per entry of the kernel's integer copy of the matrix (0: none, it reads the float64 one)."""
    if sizes.rule == "hebbian":  # entries of ΞᵀΞ − P·I lie in [−P, P]
        return 1 if sizes.patterns <= 127 else 2 if sizes.patterns <= 32_767 else 0
    if sizes.origin == "problem":
        return 1
    return 2 if sizes.origin in ("given", "saved") else 0  # a given matrix may be integer: count an int16 copy


def synapse_bytes(patterns: int) -> int:
    """Bytes one synapse of a diluted Hebbian network takes: its index (int32) and its integer weight."""
    return 4 + (1 if patterns <= 127 else 2 if patterns <= 32_767 else 4)


def _diluted(parts: dict[str, int], sizes: Sizes) -> None:
    """A diluted network's parts: its rows (and columns, when asymmetric) and what building them takes."""
    n, p = sizes.neurons, sizes.patterns
    synapses = int(sizes.synapses * n * SYNAPSE_MARGIN) + n
    rows = synapses * synapse_bytes(p) + 8 * (n + 1)
    parts["synapses"] = rows if sizes.symmetric else 2 * rows
    # building: each neuron's pattern bits, and the random graph's per-row work arrays
    parts["learning"] = 8 * n * max(1, -(-p // 64)) + 8 * n


def estimate(sizes: Sizes, engine: EngineKind, *, workers: int = 1) -> Estimate:
    """The memory a run of `sizes` on `engine` needs; with `workers` > 1, a sweep's worker processes each."""
    n, p = sizes.neurons, sizes.patterns
    square = n * n
    parts: dict[str, int] = {"patterns": 9 * n * p}  # int8 rows and the float64 copy `PatternSet` keeps
    diluted = sizes.synapses > 0.0
    low_rank = sizes.rule == "hebbian" and n > DENSE_LIMIT and not diluted
    dense_memory = sizes.rule in _DENSE_MEMORIES
    if diluted:
        _diluted(parts, sizes)
    elif dense_memory:
        parts["dense memory"] = (1 + _DENSE_MEMORY_WORK) * 8 * n * p
    elif not low_rank:  # low-rank couplings are the patterns' float copy itself
        parts["couplings"] = 8 * square
        work = _LEARNING_MATRICES.get(sizes.rule, 0) * 8 * square if sizes.origin == "learned" else 0
        if sizes.rule != "hebbian":
            work += square  # the symmetry check's boolean matrix
        if sizes.origin == "given":
            work += 8 * square  # the couplings are a copy of the matrix the scenario holds
        if work:
            parts["learning"] = work
        if not sizes.symmetric:
            parts["transposed"] = 8 * square  # kernel: W^T contiguous; actors: each neuron's column
    if engine == "kernel" and diluted:  # it reads the rows themselves: only its logs
        parts["kernel logs"] = KERNEL_LOG_ENTRY_BYTES * max(4 * n, min(sizes.max_wakeups, KERNEL_LOG_LIMIT))
    elif engine == "kernel" and not low_rank and not dense_memory:
        copies = 1 if sizes.symmetric else 2
        if parts.get("couplings"):
            parts["kernel copy"] = copies * _compact_bytes(sizes) * square
        parts["kernel logs"] = KERNEL_LOG_ENTRY_BYTES * max(4 * n, min(sizes.max_wakeups, KERNEL_LOG_LIMIT))
    if engine == "actors":
        parts["neuron tasks"] = (ACTOR_BYTES_PER_NEURON + (ACTOR_ROW_BYTES if diluted else 0)) * n
    per_trial = TRIAL_BYTES + TRIAL_BYTES_PER_NEURON * n + TRIAL_BYTES_PER_PATTERN * p
    parts["results"] = sizes.trials * per_trial + RECORDED_ENTRY_BYTES * sizes.recorded
    if workers > 1:  # each worker builds one network at a time, in a process of its own
        parts = {name: workers * b for name, b in parts.items()}
        parts["worker processes"] = workers * WORKER_BYTES
    ordered = sorted(((name, b) for name, b in parts.items() if b), key=lambda item: -item[1])
    return Estimate(tuple(ordered))


# ---- sharded runs ------------------------------------------------------------------------------------

#: Bytes per neuron a shard keeps beyond its synapses: its neurons' states, delayed, present and loop
#: fields, streams, clocks and intents, and the start it was handed (counted from the arrays of
#: `engines/sharded/shard.py`: about 170), rounded up.
SHARD_BYTES_PER_NEURON = 200
#: Bytes per wake-up of a window: in the shard that runs it (its pending times and neurons, the window's
#: records) and in the coordinator (every shard's records, concatenated, then in merged order).
WINDOW_BYTES_PER_WAKEUP = 50
#: Bytes per neuron the coordinator of a sharded run keeps beyond the patterns and results: the trial's
#: start state and fields, its Poisson clocks, and the replay's record of which neurons have settled.
COORDINATOR_BYTES_PER_NEURON = 80


@dataclass(frozen=True, slots=True)
class ShardedEstimate:
    """The memory of a sharded run: the coordinator's process, and the largest shard's process."""

    coordinator: Estimate
    shard: Estimate
    shards: int

    def on_one_machine(self, in_process: bool) -> Estimate:
        """Everything on one machine: the shards in the coordinator's process, or each in a process of its own."""
        parts = dict(self.coordinator.parts)
        for name, b in self.shard.parts:
            if in_process and name == "process":
                continue
            key = f"shards' {name}"
            parts[key] = parts.get(key, 0) + self.shards * b
        return Estimate(tuple(sorted(parts.items(), key=lambda item: -item[1])))


def sharded_estimate(sizes: Sizes, shards: int, delay: float, engine: EngineKind = "kernel") -> ShardedEstimate:
    """The memory of a run of `sizes` on `shards` shards of `engine` exchanging flips once per `delay`.

    A diluted network learned by its rule is drawn by its shards, each keeping
    the synapses onto its neurons from every row drawn a chunk at a time; any
    other network is built by the coordinator, which hands each shard its columns.
    """
    n, p = sizes.neurons, sizes.patterns
    part = -(-n // shards)
    window = int(n * max(delay, 1.0) * 1.1) + 64  # about N·d wake-ups a window, each neuron's clock at rate 1
    diluted, drawn = sizes.synapses > 0.0, sizes.synapses > 0.0 and sizes.origin == "learned"
    shard: dict[str, int] = {"process": WORKER_BYTES, "state": SHARD_BYTES_PER_NEURON * part + n}
    if diluted:
        rows = int(sizes.synapses * part * SYNAPSE_MARGIN) * synapse_bytes(p) + 8 * (n + 1)
        shard["synapses"] = rows
        if drawn:  # the patterns, each neuron's pattern bits, and a chunk of rows being drawn
            shard["patterns"] = n * p  # int8: a shard never asks for their float64 copy
            chunk = min(n, CHUNK) * int(sizes.synapses * SYNAPSE_MARGIN) * 4
            shard["drawing"] = chunk + 8 * n * max(1, -(-p // 64)) + 64 * n
    else:
        shard["synapses"] = (_compact_bytes(sizes) or 8) * n * part
    shard["window"] = WINDOW_BYTES_PER_WAKEUP * -(-window // shards) + 17 * window
    if engine == "actors":  # a task and a `Neuron` per neuron, as in one process
        shard["neuron tasks"] = (ACTOR_BYTES_PER_NEURON + (ACTOR_ROW_BYTES if diluted else 0)) * part
    whole = estimate(sizes, "kernel")
    coordinator = {"patterns": 9 * n * p, "results": dict(whole.parts).get("results", 0)}
    if not drawn:  # the coordinator builds the network, then cuts out each shard's part
        coordinator |= {name: b for name, b in whole.parts if name in ("synapses", "couplings", "learning")}
        coordinator["shards' parts"] = shards * shard["synapses"]
    coordinator["windows"] = WINDOW_BYTES_PER_WAKEUP * window + KERNEL_LOG_ENTRY_BYTES * max(
        4 * n, min(sizes.max_wakeups, KERNEL_LOG_LIMIT)
    )
    coordinator["trial"] = COORDINATOR_BYTES_PER_NEURON * n
    coordinator["process"] = WORKER_BYTES
    return ShardedEstimate(_ordered(coordinator), _ordered(shard), shards)


def _ordered(parts: dict[str, int]) -> Estimate:
    return Estimate(tuple(sorted(((name, b) for name, b in parts.items() if b), key=lambda item: -item[1])))
