"""An actor shard: a shard's neurons as asyncio tasks, one per neuron, on the shard's own event loop.

The same interface and the same windows as the kernel's `shard.Shard`, with the
actors' pieces in place of the compiled loop: each neuron is the actors'
`Neuron`, whose task sleeps on its alarm and, woken at t, catches the shard's
board up to t - d and decides with `rules.decide` (its own random stream, its
refractoriness, the temperature of `rules.temperature_at`) exactly as in one
process. The shard is the neurons' host (`neuron.Host`): a window grants its
wake-ups with t - d < B in time order, run after run of distinct neurons (the
coordinator's `distinct_runs`, each run let go with `let_woken_run`), and hears
every wake-up as kept, blocked or flipped. A flip changes the neuron's own state
at once; the flip reaches the fields when the coordinator hands the window's
flips back in merged order (`absorb`), as in the kernel's shard. On Ray the
shard is an async actor, so the tasks live on the actor's loop across calls.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from neurosim.engines.actors.board import Deliver, StateBoard
from neurosim.engines.actors.neuron import Neuron
from neurosim.engines.actors.runs import deliver_flip, distinct_runs, let_woken_run
from neurosim.engines.protocol import EngineFault
from neurosim.engines.sharded.shard import Clocks, ShardSpec, Start, Window, fields_from, peak_memory, present_changes
from neurosim.model.dynamics import Dynamics
from neurosim.model.energy import deliver_synapses
from neurosim.typing import Floats


class ShardBoard(StateBoard):
    """An actor shard's board: its neurons' states and delayed fields, and the log of every shard's flips.

    A flip of the window sets the neuron's own state only: the log and the
    fields receive the window's flips of every shard, merged, in `ActorShard.absorb`.
    """

    __slots__ = ()

    def __init__(self, size: int, delay: float, deliver: Deliver) -> None:
        super().__init__(size, delay)
        self.deliver = deliver

    def restart(self, states: npt.NDArray[np.int8], fields: Floats) -> None:
        """A new recall: the shard's states and fields, delayed and present, and an empty log."""
        self.states[:] = states
        self.spins[:] = states.tolist()
        self.fields[:] = fields
        self.current[:] = fields
        for log in (self.flip_times, self.flip_neurons, self.flip_states, self.flip_fanouts):
            log.clear()
        self.applied = 0

    def write(self, neuron: int, state: int, t: float, fanout: Any) -> None:
        """`neuron` took `state` at `t`: its own state changes now, the fields when the flip comes back merged."""
        self.states[neuron] = state
        self.spins[neuron] = state


class ActorShard:
    """A shard whose neurons are asyncio tasks (see the module's docstring); the host of its neurons."""

    def __init__(self, spec: ShardSpec) -> None:
        self.spec = spec
        self.lo, self.size = spec.lo, spec.hi - spec.lo
        self.fanouts = spec.synapses()
        self._sparse = isinstance(self.fanouts, tuple)
        self.board = ShardBoard(self.size, spec.delay, deliver_synapses if self._sparse else deliver_flip)
        # the knobs a neuron reads of the dynamics; the schedule's default (poisson) is asynchronous
        self.dynamics = Dynamics(delay=spec.delay, refractory=spec.refractory)
        self.temperatures: list[float] = spec.temperatures.tolist()
        self.divisor = spec.divisor
        self.alarms: list[asyncio.Future[float]] = []
        self.fault: Callable[[int, int, float], None] | None = None
        self.trial = 0
        self.halted = False
        self.committing = False
        self.converges = False  # the coordinator decides convergence from the merged wake-ups (`replay`)
        self.epoch = 0
        self.generation = 0
        self.stream_keys: list[int] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._collecting = True
        self._heard: tuple[list[int], list[float], list[int], list[int], list[float]] = ([], [], [], [], [])

    # ---- the shard's interface (as `shard.Shard`'s; coroutines on the shard's loop) ----

    async def begin(self, start: Start) -> float:
        """Start a recall (the neurons' tasks too, at the first); the time of the shard's first wake-up."""
        if not self._tasks:
            await self._start()
        self.board.restart(start.states, start.fields)
        self.generation += 1  # each neuron takes a fresh stream and forgets its last flip at its next wake-up
        self.stream_keys = start.keys.tolist()
        self.clocks = Clocks(start, self.spec.delay)
        return self.clocks.first

    async def window(self, bound: float) -> Window:
        """Grant every own wake-up t not yet run with t - d < `bound`, in time order; what each neuron did."""
        times, neurons, next_t = self.clocks.due(bound)
        heard = self._heard = ([], [], [], [], [])
        if times.size:
            alarms = self.alarms
            tl, nl = times.tolist(), neurons.tolist()
            begin = 0
            for end in distinct_runs(neurons).tolist():
                for k in range(begin, end):
                    alarms[nl[k]].set_result(tl[k])
                await let_woken_run()
                if len(heard[0]) != end:  # a neuron's task ended instead of reporting
                    self._failed()
                begin = end
        kind, t, n, s, u = heard
        return Window(
            np.array(kind, dtype=np.int8),
            np.array(t, dtype=np.float64),
            np.array(n, dtype=np.int64) + self.lo,
            np.array(s, dtype=np.int8),
            np.array(u, dtype=np.float64),
            next_t,
        )

    async def absorb(self, t: Floats, n: npt.NDArray[np.int64], s: npt.NDArray[np.int8]) -> Floats:
        """Log a window's flips of every shard (merged in time order); the energy change of each own flip."""
        board = self.board
        board.flip_times.extend(t.tolist())
        board.flip_neurons.extend(n.tolist())
        board.flip_states.extend(s.tolist())
        board.flip_fanouts.extend(map(self.outgoing, n.tolist()))
        sp = self.spec
        changes: Floats = present_changes(
            board.current, self.fanouts, sp.lo, sp.hi, t, n, s, sp.thetas, sp.diag, sp.has_diag
        )
        return changes

    def start_fields(self, states: npt.NDArray[np.int8]) -> Floats:
        """The fields of the shard's neurons in matrix units for the network state `states` (as `Shard`'s)."""
        return fields_from(self.fanouts, states, self.spec.thetas)

    def held(self) -> int:
        """The synapses into the shard's neurons (a diluted network's; 0 for a matrix), as `Shard` counts them."""
        return int(self.fanouts[1].size) if self._sparse else 0

    def peak_memory(self) -> int:
        """The peak resident memory of the shard's process, in bytes (for the benchmark)."""
        return peak_memory()

    async def close(self) -> None:
        """Stop the neurons' tasks (a shard in the run's process; a Ray actor ends with its process)."""
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if tasks:
            gc.unfreeze()
            if self._collecting:
                gc.enable()

    # ---- the neurons' host (`neuron.Host`) ---------------------------------------

    def outgoing(self, neuron: int) -> Any:
        """Neuron `neuron`'s fanout (a network index) into the shard's neurons: a row, or a row of synapses."""
        if self._sparse:
            indptr, indices, values = self.fanouts
            a, b = indptr[neuron], indptr[neuron + 1]
            return indices[a:b], values[a:b]
        return self.fanouts[neuron]

    def kept(self, neuron: int, t: float, u: float, state: int) -> None:
        """A neuron woke and kept its state."""
        self._hear(0, neuron, t, u, state)

    def blocked(self, neuron: int, t: float, u: float, state: int) -> None:
        """A neuron would have flipped but is refractory."""
        self._hear(0, neuron, t, u, state)

    def flipped(self, neuron: int, t: float, u: float, state: int, current: float, column: float = 0.0) -> None:
        """A neuron flipped to `state` on field `u` (its energy change comes with the merged flips: `absorb`)."""
        self._hear(1, neuron, t, u, state)

    def settled(self, t: float) -> None:
        """Not reported here: convergence is the coordinator's (`converges` is False)."""

    def saw(self) -> None:
        """Flips came into view: the coordinator's replay counts the epochs."""

    def void(self) -> None:
        """Never reported: a shard is not halted within a window."""

    def intends(self, neuron: int) -> None:
        """Never reported: shards run the poisson schedule, not synchronous sweeps."""
        raise RuntimeError("an actor shard runs asynchronous updates only")

    # ---- inside -------------------------------------------------------------------

    def _hear(self, kind: int, neuron: int, t: float, u: float, state: int) -> None:
        heard = self._heard
        heard[0].append(kind)
        heard[1].append(t)
        heard[2].append(neuron)
        heard[3].append(state)
        heard[4].append(u)

    async def _start(self) -> None:
        """One task per neuron on the running loop (the actor's own, on Ray), each parked on its first alarm.

        The cyclic garbage collector is paused while the tasks live, as the actors' engine pauses it for a
        run (`collector.collector_paused`): every collection would walk every task.
        """
        self._collecting = gc.isenabled()
        gc.collect()
        gc.freeze()
        gc.disable()
        loop = asyncio.get_running_loop()
        placeholder = loop.create_future()
        self.alarms = [placeholder] * self.size
        for j in range(self.size):
            neuron = Neuron(j, self.outgoing(self.lo + j))
            self._tasks.append(loop.create_task(neuron.serve(self), name=f"neuron-{self.lo + j}"))
        await let_woken_run()
        placeholder.cancel()

    def _failed(self) -> None:
        """A neuron's task ended in a window: the shard fails, naming the neuron and its error (as the actors do)."""
        for j, task in enumerate(self._tasks):
            error = task.exception() if task.done() and not task.cancelled() else None
            if error is not None:
                text = " ".join(f"{type(error).__name__}: {error}".split())
                raise EngineFault(f"neuron {self.lo + j}: {text}") from error
        raise EngineFault("a neuron's task ended")
