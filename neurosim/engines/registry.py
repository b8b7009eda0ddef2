"""The engine registry: each engine's name, how to open it, and what it refuses to run.

An engine plugs in with one `EngineEntry` in `ENGINES` and a module of its
own; nothing else names it. Opening is deferred to the engine's module, so a
run loads only the engine it uses.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from neurosim.engines.protocol import DENSE_MEMORY_REFUSAL, GRADED_REFUSAL, LIVE_REFUSAL, Engine
from neurosim.errors import NeurosimError
from neurosim.model.couplings import AnyCouplings
from neurosim.model.drawn import DrawnCouplings
from neurosim.model.dynamics import Dynamics
from neurosim.model.registry import LEARNING_RULES
from neurosim.typing import Clock, EventSink

if TYPE_CHECKING:
    from neurosim.engines.sharded import Sharding

EngineName = Literal["actors", "kernel"]

#: How an engine is started for a run: (couplings, sink, dynamics, clock) → an engine for the run's length.
Opener = Callable[[AnyCouplings, EventSink, Dynamics, Clock | None], AbstractAsyncContextManager[Engine]]


@dataclass(frozen=True, slots=True)
class EngineEntry:
    """One engine: how to open it, what it refuses, and whether it keeps wall-clock (live) time."""

    name: str
    summary: str
    open: Opener
    refuses: Callable[[str, int], str | None]  # (learning rule, neurons) → why not, or None
    live: bool
    #: Whether it runs graded neurons (`dynamics.neuron: graded`).
    graded: bool = False


def _open_actors(
    couplings: AnyCouplings, sink: EventSink, dynamics: Dynamics, clock: Clock | None
) -> AbstractAsyncContextManager[Engine]:
    from neurosim.engines.actors.engine import open_actors  # noqa: PLC0415 - only the engine a run uses is loaded

    return open_actors(couplings, sink, dynamics, clock)


def _open_kernel(
    couplings: AnyCouplings, sink: EventSink, dynamics: Dynamics, clock: Clock | None
) -> AbstractAsyncContextManager[Engine]:
    from neurosim.engines.kernel import open_kernel  # noqa: PLC0415 - compiles on first use

    return open_kernel(couplings, sink, dynamics, clock)


def _kernel_refuses(rule: str, size: int) -> str | None:
    learned = LEARNING_RULES.get(rule)  # None: couplings given as they are (weights, a problem)
    if learned is not None and "kernel" not in learned.engines:
        return learned.kernel_refusal or DENSE_MEMORY_REFUSAL
    return None


ENGINES: dict[str, EngineEntry] = {
    "actors": EngineEntry(
        "actors", "one asyncio task per neuron", _open_actors, lambda rule, size: None, live=True, graded=True
    ),
    "kernel": EngineEntry(
        "kernel", "the compiled loop that replays the actors' schedule", _open_kernel, _kernel_refuses, live=False
    ),
}


def engine_problem(name: str, rule: str, size: int, *, graded: bool = False) -> str | None:
    """Why engine `name` cannot run a network of `size` neurons learned by `rule` (None when it can)."""
    if graded and not ENGINES[name].graded:
        return GRADED_REFUSAL
    return ENGINES[name].refuses(rule, size)


@asynccontextmanager
async def open_engine(
    name: str,
    couplings: AnyCouplings | DrawnCouplings,
    sink: EventSink,
    dynamics: Dynamics,
    clock: Clock | None = None,
    sharding: Sharding | None = None,
) -> AsyncIterator[Engine]:
    """Start the named engine for a run; `clock` is a `WallClock` in live mode; `sharding` splits the network."""
    entry = ENGINES[name]
    if clock is not None and clock.paced and not entry.live:
        raise NeurosimError(LIVE_REFUSAL)
    if sharding is not None:
        from neurosim.engines.sharded.engine import open_sharded  # noqa: PLC0415 - only the engine a run uses is loaded

        async with open_sharded(couplings, sink, dynamics, clock, sharding, entry.name) as sharded:
            yield sharded
        return
    if isinstance(couplings, DrawnCouplings):  # described for shards, run in one process: built here
        couplings = couplings.couplings()
    async with entry.open(couplings, sink, dynamics, clock) as engine:
        yield engine
