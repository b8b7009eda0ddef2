"""How a run is sharded, and what can be: light enough to import before any engine is loaded."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Literal

from neurosim.model.couplings import AnyCouplings, Couplings
from neurosim.model.drawn import DrawnCouplings
from neurosim.model.dynamics import Dynamics, ScheduleKind
from neurosim.model.sparse import SparseCouplings

#: Where the shards run.
ShardBackend = Literal["local", "ray"]


@dataclass(slots=True)
class ShardStats:
    """What a sharded run's windows cost, filled in as it runs (for the benchmark; the run's files never hold it)."""

    #: wall seconds from asking for the shards to every shard holding its synapses (drawn, or handed over)
    setup_s: float = 0.0
    windows: int = 0
    #: flips handed to every shard, in all and in the window that exchanged the most
    exchanged: int = 0
    most_exchanged: int = 0
    #: wall seconds the coordinator spent waiting for the shards (windows and exchanges), not merging or replaying
    waiting_s: float = 0.0
    #: each shard's peak resident memory in bytes, read as the run ends
    peak_bytes: list[int] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Sharding:
    """How a run is sharded: how many shards, and where they run.

    `local`: in this process; `ray`: one actor each, on the Ray instance the
    caller has connected to (a local instance or a cluster). `stats`, when
    given, receives what the windows cost.
    """

    shards: int
    backend: ShardBackend = "local"
    stats: ShardStats | None = field(default=None, compare=False)


def sharding_problem(dynamics: Dynamics, couplings: AnyCouplings | DrawnCouplings | None = None) -> str | None:
    """Why a run with these dynamics (and couplings) cannot be sharded, in one line; None when it can."""
    if isinstance(couplings, Couplings) and couplings.slow is not None:
        return "--shards runs one pathway of couplings; the sequence rule's slow pathway runs in one process"
    if dynamics.schedule is not ScheduleKind.POISSON:
        return (
            f"--shards needs the poisson schedule, whose wake-ups come from each neuron's own clock; "
            f"the {dynamics.schedule.value} schedule orders the whole network at once"
        )
    if not dynamics.delay > 0.0:
        return "--shards needs a transmission delay (dynamics.delay > 0): shards exchange their flips once per delay"
    if couplings is not None and not (
        isinstance(couplings, Couplings | SparseCouplings | DrawnCouplings) and couplings.symmetric
    ):
        return "--shards runs symmetric coupling matrices and diluted networks (not low-rank or asymmetric couplings)"
    return None


def ranges(size: int, shards: int) -> list[tuple[int, int]]:
    """The shards' neurons: S contiguous ranges of sizes differing by at most one."""
    cuts = [size * k // shards for k in range(shards + 1)]
    return list(itertools.pairwise(cuts))
