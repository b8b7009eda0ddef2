"""Where the shards run: in this process (`LocalGroup`), or one Ray actor each (`remote.RayGroup`)."""

from __future__ import annotations

from typing import Any, Protocol

from neurosim.engines.sharded.shard import Shard, ShardSpec, Start, Window


class ShardGroup(Protocol):
    """The shards of a run, called all at once; each call returns one answer per shard, in shard order."""

    @property
    def ranges(self) -> list[tuple[int, int]]:
        """Each shard's neurons, lo..hi-1."""
        ...

    async def begin(self, starts: list[Start]) -> list[float]:
        """Start a recall on every shard; each shard's first wake-up time."""
        ...

    async def window(self, bound: float) -> list[Window]:
        """Run a window on every shard."""
        ...

    async def absorb(self, t: Any, n: Any, s: Any) -> list[Any]:
        """Hand every shard the window's merged flips; each shard's energy changes (NaN where not its own)."""
        ...

    async def start_fields(self, states: Any) -> list[Any]:
        """Each shard's neurons' fields in matrix units for the network state `states`."""
        ...

    async def held(self) -> list[int]:
        """The synapses each shard holds."""
        ...

    async def peak_memory(self) -> list[int]:
        """Each shard's process's peak resident memory, in bytes."""
        ...


class LocalGroup:
    """Shards in this process, one after the other (for tests and for measuring the windows' own cost)."""

    def __init__(self, specs: list[ShardSpec]) -> None:
        self._shards = [Shard(spec) for spec in specs]
        self._ranges = [(spec.lo, spec.hi) for spec in specs]

    @property
    def ranges(self) -> list[tuple[int, int]]:
        return self._ranges

    async def begin(self, starts: list[Start]) -> list[float]:
        return [shard.begin(start) for shard, start in zip(self._shards, starts, strict=True)]

    async def window(self, bound: float) -> list[Window]:
        return [shard.window(bound) for shard in self._shards]

    async def absorb(self, t: Any, n: Any, s: Any) -> list[Any]:
        return [shard.absorb(t, n, s) for shard in self._shards]

    async def start_fields(self, states: Any) -> list[Any]:
        return [shard.start_fields(states) for shard in self._shards]

    async def held(self) -> list[int]:
        return [shard.held() for shard in self._shards]

    async def peak_memory(self) -> list[int]:
        return [shard.peak_memory() for shard in self._shards]
