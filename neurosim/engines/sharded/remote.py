"""Shards as Ray actors: one actor per shard, on the Ray instance the run is connected to.

The caller connects to Ray (a local instance or a cluster) before the run; the
actors are spread over its nodes, each holding its shard's couplings and state,
and are killed when the run ends, however it ends. A shard that fails (its
process killed, an exception) fails the run with an `EngineFault` naming it.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from neurosim.engines.protocol import EngineFault
from neurosim.engines.sharded.group import ShardKind
from neurosim.engines.sharded.shard import Shard, ShardSpec, Start, Window
from neurosim.errors import NeurosimError

#: What a shard's actor reserves: no CPU of its own, so S shards run on a machine with fewer cores (each is
#: busy only while its window runs); the actors are spread over the cluster's nodes.
ACTOR_OPTIONS: dict[str, Any] = {"num_cpus": 0, "scheduling_strategy": "SPREAD", "max_restarts": 0}


class RayGroup:
    """The shards as Ray actors, called all at once (see `group.ShardGroup`)."""

    def __init__(self, ray: Any, actors: list[Any], ranges: list[tuple[int, int]]) -> None:
        self._ray = ray
        self._actors = actors
        self._ranges = ranges

    @property
    def ranges(self) -> list[tuple[int, int]]:
        return self._ranges

    async def _all(self, method: str, *args: Any, each: list[Any] | None = None) -> list[Any]:
        calls = [
            getattr(actor, method).remote(*((each[k],) if each is not None else args))
            for k, actor in enumerate(self._actors)
        ]
        try:
            return [await call for call in calls]
        except self._ray.exceptions.RayError as exc:
            raise EngineFault(f"a shard failed: {_first_line(exc)}") from exc

    async def begin(self, starts: list[Start]) -> list[float]:
        return await self._all("begin", each=list(starts))

    async def window(self, bound: float) -> list[Window]:
        return await self._all("window", bound)

    async def absorb(self, t: Any, n: Any, s: Any) -> list[Any]:
        return await self._all("absorb", t, n, s)

    async def start_fields(self, states: Any) -> list[Any]:
        return await self._all("start_fields", states)

    async def held(self) -> list[int]:
        return await self._all("held")

    async def peak_memory(self) -> list[int]:
        return await self._all("peak_memory")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


@contextlib.asynccontextmanager
async def ray_group(specs: list[ShardSpec], kind: ShardKind = Shard) -> AsyncIterator[RayGroup]:
    """One actor per shard on the connected Ray instance, killed on leaving.

    An actor shard (`ActorShard`, coroutine methods) is an async actor: its calls and its neurons'
    tasks run on the actor's own event loop.
    """
    try:
        import ray  # noqa: PLC0415 - Ray loads only for a run that asked for it
    except ImportError:
        raise NeurosimError("--backend ray needs the ray extra: pip install 'neurosim[ray]'") from None
    if not ray.is_initialized():
        raise NeurosimError("the sharded engine's Ray backend runs on a connected Ray instance")
    remote_shard = ray.remote(kind).options(**ACTOR_OPTIONS)
    actors: list[Any] = []
    try:
        for spec in specs:
            actors.append(remote_shard.remote(spec))
        yield RayGroup(ray, actors, [(spec.lo, spec.hi) for spec in specs])
    finally:
        for actor in actors:
            with contextlib.suppress(Exception):
                ray.kill(actor, no_restart=True)
