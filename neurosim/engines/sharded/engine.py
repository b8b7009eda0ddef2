"""The sharded engine's coordinator: the neurons split over shards that advance in windows of the delay.

Window after window, the coordinator names a bound B (the earliest wake-up not
yet run, over every shard); each shard runs its wake-ups t with t - d < B,
which start at B or later, so every flip any of them may see (time <= t - d < B)
came from an earlier window and has reached every shard. The coordinator
merges the shards' wake-ups in the order one process grants them (time, then
neuron), hands every shard the window's flips in that order (each returns the
energy changes of its own flips, from the true present fields), and replays
the merged wake-ups against the budget, the time limit and convergence
(`replay`), so the recall ends at the very wake-up where one process ends it;
what shards ran past that point is discarded. Events, flips and the summary
are therefore those of the kernel engine, whatever the number of shards.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import numpy as np

from neurosim.engines.kernel.loops import RUNNING
from neurosim.engines.protocol import Outcome, Recall, Status
from neurosim.engines.sharded import replay as rp
from neurosim.engines.sharded.group import ShardGroup, local_group, shard_kind
from neurosim.engines.sharded.plan import Sharding, ShardStats, ranges, sharding_problem
from neurosim.engines.sharded.shard import ShardSpec, Start, Window, restricted
from neurosim.errors import NeurosimError
from neurosim.events import FlipRun, NeuronFlipped, NeuronWoke, flip_writer
from neurosim.model.couplings import AnyCouplings, Couplings
from neurosim.model.drawn import DrawnCouplings
from neurosim.model.dynamics import Dynamics
from neurosim.model.energy import energy_from_fields, field_units
from neurosim.model.schedules import POISSON, Schedule
from neurosim.model.sparse import SparseCouplings
from neurosim.typing import Clock, EventSink

_STATUS: dict[int, Status] = {rp.CONVERGED: "converged", rp.MAX_SWEEPS: "max_sweeps", rp.MAX_TIME: "max_time"}


@contextlib.asynccontextmanager
async def open_sharded(
    couplings: AnyCouplings | DrawnCouplings,
    sink: EventSink,
    dynamics: Dynamics,
    clock: Clock | None,
    sharding: Sharding,
    engine: str = "kernel",
) -> AsyncIterator[ShardedEngine]:
    """The sharded engine for a run: its shards (`engine`'s kind) are started here and stopped when the run ends.

    With `DrawnCouplings` each shard draws and learns its own rows, and no process holds every synapse.
    """
    del clock  # virtual time only, as the kernel's
    problem = sharding_problem(dynamics, couplings)
    if problem is not None:
        raise NeurosimError(problem)
    assert isinstance(couplings, Couplings | SparseCouplings | DrawnCouplings)
    if not 1 <= sharding.shards <= couplings.size:
        raise NeurosimError(f"--shards must be between 1 and the network's {couplings.size} neurons")
    fanouts: Any = couplings
    if isinstance(couplings, Couplings | SparseCouplings):
        fanouts = couplings.compressed() if isinstance(couplings, SparseCouplings) else couplings.matrix
    diag, thetas = couplings.diagonal(), couplings.thresholds
    has_diag = bool(np.any(diag != 0.0))
    specs = [
        ShardSpec(
            lo,
            hi,
            fanouts if isinstance(fanouts, DrawnCouplings) else restricted(fanouts, lo, hi),
            np.ascontiguousarray(diag[lo:hi]),
            np.ascontiguousarray(thetas[lo:hi]),
            couplings.divisor,
            has_diag,
            dynamics.temperatures(),
            dynamics.delay,
            dynamics.refractory,
        )
        for lo, hi in ranges(couplings.size, sharding.shards)
    ]
    del fanouts
    kind = shard_kind(engine)
    began = time.perf_counter()
    opened: contextlib.AbstractAsyncContextManager[ShardGroup] = local_group(specs, kind)
    if sharding.backend == "ray":
        from neurosim.engines.sharded.remote import ray_group  # noqa: PLC0415 - Ray only when asked for

        opened = ray_group(specs, kind)
    async with opened as group, _ready(ShardedEngine(couplings, sink, dynamics, group, sharding.stats), began) as ready:
        yield ready


@contextlib.asynccontextmanager
async def _ready(engine: ShardedEngine, began: float) -> AsyncIterator[ShardedEngine]:
    """The engine once every shard holds its synapses; a drawn network's synapses counted (for the summary)."""
    held = await engine.group.held()
    if isinstance(engine.couplings, DrawnCouplings) and engine.couplings.synapses is None:
        engine.couplings.counted = sum(held)
    stats = engine.stats
    if stats is not None:
        stats.setup_s = time.perf_counter() - began
    yield engine
    if stats is not None:  # a run that ended well: every shard is there to say
        stats.peak_bytes = await engine.group.peak_memory()


class ShardedEngine:
    """Recalls over shards; the same interface, events and outcomes as the kernel engine."""

    def __init__(
        self,
        couplings: Couplings | SparseCouplings | DrawnCouplings,
        sink: EventSink,
        dynamics: Dynamics,
        group: ShardGroup,
        stats: ShardStats | None = None,
    ) -> None:
        self.couplings = couplings
        self.sink = sink
        self.dynamics = dynamics
        self.group = group
        #: what the windows cost over the run, when the caller asked (`Sharding.stats`)
        self.stats = stats
        self._write_flips = flip_writer(sink)

    async def start_fields(self, start: Any) -> Any:
        """The fields in matrix units of a start state, each shard summing its own neurons' (drawn networks)."""
        return np.concatenate(await self.group.start_fields(np.ascontiguousarray(start, np.int8)))

    async def recall(self, request: Recall) -> Outcome:
        """Run from `request.start` until convergence or a limit (see `Engine.recall`)."""
        c, d = self.couplings, self.dynamics
        schedule = request.schedule
        if not (isinstance(schedule, Schedule) and schedule.code == POISSON and schedule.done[0] == 0):
            raise NeurosimError("the sharded engine needs a fresh poisson schedule")
        start = request.start
        fields = request.start_fields
        if fields is None:
            fields = await self.start_fields(start) if isinstance(c, DrawnCouplings) else field_units(c, start)
        energy = energy_from_fields(c, start, fields) if request.start_energy is None else request.start_energy
        size = c.size
        keys = (
            np.zeros(size, dtype=np.uint64)
            if request.stream_keys is None
            else np.array(request.stream_keys, dtype=np.uint64)
        )
        starts = [
            Start(
                start[lo:hi].astype(np.int8),
                fields[lo:hi].copy(),
                keys[lo:hi].copy(),
                schedule.keys[lo:hi].copy(),
                schedule.inverse[lo:hi].copy(),
                schedule.upcoming[lo:hi].copy(),
                schedule.drawn[lo:hi].copy(),
            )
            for lo, hi in self.group.ranges
        ]
        bound = min(await self.group.begin(starts))
        ctr = np.zeros(9, dtype=np.int64)
        fctr = np.array([energy, 0.0])
        seen = np.full(size, -1, dtype=np.int64)
        carried = np.zeros(0)
        flips_t: list[np.ndarray] = []
        flips_n: list[np.ndarray] = []
        flips_s: list[np.ndarray] = []
        temperatures, converges = d.temperatures(), d.converges
        stats = self.stats
        while True:
            entered = time.perf_counter()
            windows = await self.group.window(bound)
            merging = time.perf_counter()
            kind, t, n, s, u = _merged(windows)
            flip = kind == 1
            ft, fn, fs = t[flip], n[flip], s[flip]
            merging = time.perf_counter() - merging
            change = np.zeros(t.size)
            change[flip] = _combined(await self.group.absorb(ft, fn, fs), ft.size)
            if stats is not None:
                stats.waiting_s += time.perf_counter() - entered - merging
                stats.windows += 1
                stats.exchanged += ft.size
                stats.most_exchanged = max(stats.most_exchanged, ft.size)
            queue = np.concatenate((carried, ft))
            ctr[rp.HEAD], ctr[rp.TAIL] = 0, carried.size
            energies = np.zeros(t.size)
            rp.replay(
                t, n, kind, s, u, change, queue, seen, size, temperatures, d.delay, converges, c.divisor,
                request.max_wakeups, np.inf if d.max_time is None else d.max_time, ctr, fctr, energies,
            )  # fmt: skip
            end = int(ctr[rp.END])
            self._emit(request.trial, kind[:end], t[:end], n[:end], s[:end], u[:end], energies[:end])
            kept = flip[:end]
            flips_t.append(t[:end][kept])
            flips_n.append(n[:end][kept])
            flips_s.append(s[:end][kept])
            if ctr[rp.STATUS] != RUNNING:
                break
            carried = queue[ctr[rp.HEAD] : ctr[rp.TAIL]]
            following = min(w.next_t for w in windows)
            if t.size == 0 and following <= bound:  # cannot advance: d is below the times' resolution
                raise NeurosimError(f"the delay {d.delay} is too short for the times reached ({bound})")
            bound = following
            await asyncio.sleep(0)  # a stop (Ctrl-C) takes effect between windows
        all_t, all_n, all_s = np.concatenate(flips_t), np.concatenate(flips_n), np.concatenate(flips_s)
        final = start.astype(np.int8).copy()
        last, first = np.unique(all_n[::-1], return_index=True)
        final[last] = all_s[::-1][first]
        return Outcome(
            status=_STATUS[int(ctr[rp.STATUS])],
            t=float(fctr[rp.T_END]),
            wakeups=int(ctr[rp.GRANTED]),
            flips=int(ctr[rp.FLIPS]),
            energy=float(fctr[rp.ENERGY] / c.divisor),
            final_state=final,
            energy_rises=int(ctr[rp.RISES]),
            period=None,
            flip_times=all_t,
            flip_neurons=all_n,
            flip_states=all_s,
        )

    def _emit(self, trial: int, kind: Any, t: Any, n: Any, s: Any, u: Any, e: Any) -> None:
        """The window's events, as the kernel engine emits them (`KernelEngine._emit`)."""
        if self.sink.discards or t.size == 0:
            return
        divisor = self.couplings.divisor
        if not self.sink.verbose:
            f = kind == 1
            if np.any(f):
                self._write_flips(
                    FlipRun(
                        trial,
                        t[f].tolist(),
                        n[f].tolist(),
                        s[f].tolist(),
                        (u[f] / divisor).tolist(),
                        (e[f] / divisor).tolist(),
                    )
                )
            return
        emit = self.sink.emit
        fields, energies = (u / divisor).tolist(), (e / divisor).tolist()
        for k, ti, i, si, ui, ei in zip(
            kind.tolist(), t.tolist(), n.tolist(), s.tolist(), fields, energies, strict=True
        ):
            if k:
                emit(NeuronFlipped(trial=trial, t=ti, neuron=i, state=si, field=ui, energy=ei))
            else:
                emit(NeuronWoke(trial=trial, t=ti, neuron=i, state=si, field=ui))


def _merged(windows: list[Window]) -> tuple[Any, Any, Any, Any, Any]:
    """Every shard's wake-ups of a window in the order one process grants them: by time, then neuron."""
    kind = np.concatenate([w.kind for w in windows])
    t = np.concatenate([w.t for w in windows])
    n = np.concatenate([w.n for w in windows])
    s = np.concatenate([w.s for w in windows])
    u = np.concatenate([w.u for w in windows])
    # each shard's wake-ups come ordered by (time, neuron) and the shards' ranges ascend: a stable sort by
    # time alone gives (time, neuron), and timsort merges the S ordered runs in about linear time
    order = np.argsort(t, kind="stable")
    return kind[order], t[order], n[order], s[order], u[order]


def _combined(changes: list[Any], count: int) -> Any:
    """The energy change of each of a window's flips, from the shard that owns it (the others give NaN)."""
    out = np.zeros(count)
    for part in changes:
        own = ~np.isnan(part)
        out[own] = part[own]
    return out
