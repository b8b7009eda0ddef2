"""Where the shards run: in this process (`LocalGroup`), or one Ray actor each (`remote.RayGroup`)."""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, Protocol

from neurosim.engines.sharded.shard import Shard, ShardSpec, Start, Window

if TYPE_CHECKING:
    from neurosim.engines.sharded.actorshard import ActorShard

#: A kind of shard: the kernel's compiled loop on its slice (`Shard`, plain methods), or one asyncio task per
#: neuron (`ActorShard`, whose methods are coroutines on the shard's own loop); the same calls and answers.
ShardKind = type["Shard"] | type["ActorShard"]


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

    def __init__(self, specs: list[ShardSpec], kind: ShardKind = Shard) -> None:
        self._shards: list[Any] = [kind(spec) for spec in specs]
        self._ranges = [(spec.lo, spec.hi) for spec in specs]

    @property
    def ranges(self) -> list[tuple[int, int]]:
        return self._ranges

    async def begin(self, starts: list[Start]) -> list[float]:
        return [await answer(shard.begin(start)) for shard, start in zip(self._shards, starts, strict=True)]

    async def window(self, bound: float) -> list[Window]:
        return [await answer(shard.window(bound)) for shard in self._shards]

    async def absorb(self, t: Any, n: Any, s: Any) -> list[Any]:
        return [await answer(shard.absorb(t, n, s)) for shard in self._shards]

    async def start_fields(self, states: Any) -> list[Any]:
        return [await answer(shard.start_fields(states)) for shard in self._shards]

    async def held(self) -> list[int]:
        return [await answer(shard.held()) for shard in self._shards]

    async def peak_memory(self) -> list[int]:
        return [await answer(shard.peak_memory()) for shard in self._shards]

    async def close(self) -> None:
        """Stop what the shards started in this process (an actor shard's neuron tasks)."""
        for shard in self._shards:
            close = getattr(shard, "close", None)
            if close is not None:
                await close()


@contextlib.asynccontextmanager
async def local_group(specs: list[ShardSpec], kind: ShardKind = Shard) -> AsyncIterator[LocalGroup]:
    """The shards in this process, stopped on leaving."""
    group = LocalGroup(specs, kind)
    try:
        yield group
    finally:
        await group.close()


def shard_kind(engine: str) -> ShardKind:
    """The shards that run engine `engine`'s dynamics: one asyncio task per neuron for the actors, else the kernel's."""
    if engine == "actors":
        from neurosim.engines.sharded.actorshard import ActorShard  # noqa: PLC0415 - the actors load only when run

        return ActorShard
    return Shard


async def answer(value: Any) -> Any:
    """A shard's answer: what a kernel shard returns, or what an actor shard's coroutine comes to."""
    return await value if inspect.isawaitable(value) else value
