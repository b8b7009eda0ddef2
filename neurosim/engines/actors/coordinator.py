"""The coordinator: owns the neuron tasks, grants wake-ups, tracks energy, convergence and cycles.

One concern, a little over 400 lines: granting a recall's wake-ups and
accounting for what the woken neurons report are one protocol between the
coordinator and its neurons, read best in one place. What could stand alone
already does: the fast path's bookkeeping (`fastpath`), runs of distinct
neurons (`runs`), the board (`board`), live pacing (`live`).
"""

from __future__ import annotations

import asyncio
import collections
import functools
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Iterator
from itertools import islice
from typing import Any, ClassVar

import numpy as np

from neurosim.engines.actors.board import StateBoard
from neurosim.engines.actors.fastpath import FastPathRuns
from neurosim.engines.actors.neuron import Neuron
from neurosim.engines.actors.runs import distinct_runs, let_woken_run, load_compiled, settle
from neurosim.engines.protocol import CycleWatch, EngineFault, Outcome, Recall, Status
from neurosim.events import NeuronFlipped, NeuronWoke, flip_writer
from neurosim.model.couplings import AnyCouplings, Couplings
from neurosim.model.dynamics import Dynamics, ScheduleKind
from neurosim.model.energy import energy_from_fields
from neurosim.model.rules import energy_change
from neurosim.model.schedules import Batch
from neurosim.model.sparse import SparseCouplings
from neurosim.typing import EventSink, Indices

#: Consume an iterator for its side effects, at C speed.
_exhaust: Callable[[Iterable[Any]], object] = functools.partial(collections.deque, maxlen=0)

#: Schedules whose batches never wake a neuron twice.
_DISTINCT_BATCHES = frozenset({ScheduleKind.PERMUTATION, ScheduleKind.SEQUENTIAL, ScheduleKind.SYNCHRONOUS})


class Coordinator(FastPathRuns):
    """Runs recalls on a network of neuron actors (an async context manager).

    Entering starts one task per neuron (named `neuron-<i>`) in a TaskGroup the
    coordinator owns; leaving cancels and awaits them all. Each `recall` grants
    wake-ups in schedule order: it resolves the alarms of a run of distinct
    neurons, lets them run (each update atomic), and repeats. Convergence is
    declared when every neuron has woken at least once since the last visible flip
    without flipping, and no flip is still in transit (docs/conventions.md §7).

    Simulated time is virtual: wake-ups follow each other at once. Live
    (wall-clock) mode is `LiveCoordinator`, which overrides the pacing only.
    """

    #: A testing hook: when set, each neuron calls `fault_hook(trial, neuron, t)` at each of its wake-ups
    #: (on the general update); what it raises is that neuron's task failing.
    fault_hook: ClassVar[Callable[[int, int, float], None] | None] = None

    def __init__(
        self,
        couplings: AnyCouplings,
        sink: EventSink,
        dynamics: Dynamics | None = None,
    ) -> None:
        self.couplings = couplings
        self.sink = sink
        self.dynamics = dynamics = dynamics or Dynamics()
        size = couplings.size
        self.size = size
        self.board = StateBoard(size, dynamics.delay, couplings)
        diagonal = couplings.diagonal()
        self.has_diagonal = bool(np.any(diagonal != 0.0))
        self._diagonal: list[float] = diagonal.tolist()
        self.asymmetric = not couplings.symmetric
        self._undelayed = dynamics.delay == 0.0
        self._divisor = couplings.divisor
        self._emits = not sink.discards  # sweeps run with a sink that drops everything
        self._write_flips = flip_writer(sink)  # the fast path hands its flips over in bulk when the sink takes them
        self._thresholds: list[float] = couplings.thresholds.tolist()
        self.fault = type(self).fault_hook
        self.plain = (
            dynamics.plain
            and not (self.has_diagonal or self.asymmetric)
            and not sink.verbose
            and self.fault is None
            and self.board.slow is None
        )
        self.alarms: list[asyncio.Future[float]] = []
        self.halted = True
        self.committing = False
        self.generation = 0
        self.trial = 0
        self.stream_keys: list[int] = [0] * size
        self._group: asyncio.TaskGroup | None = None
        self._tasks: list[asyncio.Task[None]] = []
        # per-recall bookkeeping, reset by `recall`
        self.converges = dynamics.converges
        self.temperatures: list[float] = dynamics.temperatures().tolist()  # per sweep (rules.temperature_at)
        self._granted = 0
        self._voided = 0
        self._budget = 0
        self._max_time = float("inf")
        self._flips = 0
        self._rises = 0
        self._energy = 0.0
        self.epoch = 0
        self._quiet = 0
        # the fast path's bookkeeping: flips already accounted for, and `settle`'s state
        self._logged = 0
        # the first batch index at which the recall can converge: foreseen exactly (the batch is
        # marked to its end), or a bound after a flip (each wake-up settles at most one neuron)
        self._converge_at = 0
        self._foreseen = False
        self._marks: Indices = np.full(size, -1, dtype=np.int64)
        self._tally: Indices = np.array([0, 0, size, 0], dtype=np.int64)
        self._intents: list[int] = []
        self._t_end = 0.0
        self._status: Status = "converged"
        self._verbose = False

    # ---- lifetime ------------------------------------------------------------

    async def __aenter__(self) -> Coordinator:
        group = asyncio.TaskGroup()
        await group.__aenter__()
        self._group = group
        loop = asyncio.get_running_loop()
        placeholder = loop.create_future()
        self.alarms = [placeholder] * self.size
        held = self.couplings.dense or isinstance(self.couplings, SparseCouplings)
        for i in range(self.size):
            # a dense or diluted network lends each neuron a view of its fanout; a low-rank one forms it on a flip
            neuron = Neuron(i, self.couplings.fanout(i) if held else None)
            self._tasks.append(group.create_task(self._life(neuron), name=f"neuron-{i}"))
        await let_woken_run()  # every neuron parks on its first alarm
        placeholder.cancel()
        fanout = self.couplings.fanout(0) if isinstance(self.couplings, Couplings) else None
        load_compiled(self.board.fields, poisson=self.dynamics.schedule is ScheduleKind.POISSON, fanout=fanout)
        return self

    def _life(self, neuron: Neuron) -> Coroutine[Any, Any, None]:
        """The loop a neuron's task runs (live mode lets some neurons keep their own clocks)."""
        return neuron.live(self)

    async def __aexit__(self, *exc: Any) -> bool | None:
        failed = [(k, t.exception()) for k, t in enumerate(self._tasks) if t.done() and not t.cancelled()]
        for task in self._tasks:
            task.cancel()
        self._tasks.clear()
        assert self._group is not None
        group, self._group = self._group, None
        try:
            await group.__aexit__(*exc)
        except BaseExceptionGroup as errors:
            # A neuron ends by cancellation, or by a fault: an error here is a neuron's (named, as
            # a fault of the engine) or the body's own exception (which propagates as itself).
            for k, error in failed:
                if isinstance(error, Exception):
                    raise EngineFault(f"neuron {k}: {' '.join(f'{type(error).__name__}: {error}'.split())}") from error
            if exc[1] is not None and len(errors.exceptions) == 1 and errors.exceptions[0] is exc[1]:
                return None
            raise
        return None

    @property
    def divisor(self) -> float:
        """The couplings' divisor: fields are in matrix units, decisions scale by it (`rules.decide`)."""
        return self._divisor

    def outgoing(self, neuron: int) -> Any:
        """A neuron's outgoing weights, formed when it flips (a low-rank network lends none ahead)."""
        return self.couplings.fanout(neuron)

    # ---- reports from neurons (each inside the neuron's atomic update) -------
    #
    # Wake-ups are counted where they are granted: every granted wake-up runs,
    # except those granted in the same batch after the recall ended, which the
    # neurons report as void.

    def void(self) -> None:
        """A neuron woke after the recall ended (later in the same batch): the wake-up does not count."""
        self._voided += 1

    def flipped(self, neuron: int, t: float, u: float, state: int, current: float, column: float = 0.0) -> None:
        """A neuron flipped to `state`; it decided on field `u`, the true present field was `current`.

        For an asymmetric W, `column` is (Wᵀs)_i before the flip.
        """
        self._flips += 1
        change = energy_change(
            state, current, column, self._thresholds[neuron], self._diagonal[neuron], self.asymmetric, self.has_diagonal
        )
        if change > 0.0:
            self._rises += 1
        self._energy += change
        if self._undelayed:  # without delay a flip is seen at once
            self.epoch += 1
            self._quiet = 0
        if not self._emits:
            return
        divisor = self._divisor
        self.sink.emit(
            NeuronFlipped(
                trial=self.trial,
                t=t,
                neuron=neuron,
                state=state,
                field=float(u / divisor),
                energy=float(self._energy / divisor),
            )
        )

    def settled(self, t: float) -> None:
        """A neuron woke without flipping for the first time since the last visible flip."""
        self._quiet += 1
        if self._quiet == self.size and not self.board.pending:
            self._halt("converged", t)

    def kept(self, neuron: int, t: float, u: float, state: int) -> None:
        """A neuron woke and kept its state, in agreement with its field (general path; debug event)."""
        if self._verbose:
            self.sink.emit(
                NeuronWoke(trial=self.trial, t=t, neuron=neuron, state=state, field=float(u / self.couplings.divisor))
            )

    def blocked(self, neuron: int, t: float, u: float, state: int) -> None:
        """A neuron would have flipped but is refractory: it keeps its state, and is not settled."""
        if self._verbose:
            self.sink.emit(
                NeuronWoke(trial=self.trial, t=t, neuron=neuron, state=state, field=float(u / self.couplings.divisor))
            )

    def intends(self, neuron: int) -> None:
        """In the read phase of a synchronous sweep, a neuron decided to flip."""
        self._intents.append(neuron)

    def saw(self) -> None:
        """Delayed flips have just become visible: every neuron must check again."""
        self.epoch += 1
        self._quiet = 0

    def _halt(self, status: Status, t: float) -> None:
        self.halted = True
        self._status = status
        self._t_end = t

    # ---- recalls ---------------------------------------------------------------

    async def recall(self, request: Recall) -> Outcome:
        """Run the network from `request.start` until convergence, a cycle or a limit (see `Engine.recall`)."""
        if self._group is None:
            raise RuntimeError("the coordinator is not running: use `async with`")
        start = request.start
        self.board.reset(start, self.couplings, request.start_fields)
        self.trial = request.trial
        self.generation += 1
        if request.stream_keys is not None:
            self.stream_keys = request.stream_keys
        self._granted = self._voided = self._flips = self._rises = self._quiet = 0
        # epochs only ever grow, so a neuron's memory of the last epoch it settled in
        # can never match an epoch of a later recall
        self.epoch += 1
        self._logged = 0
        self._tally[0] += 1  # a new epoch, in which nobody has settled yet
        self._tally[1] = 0
        self._budget = request.max_wakeups
        self._max_time = float("inf") if self.dynamics.max_time is None else self.dynamics.max_time
        energy = request.start_energy
        self._energy = energy_from_fields(self.couplings, start, self.board.fields) if energy is None else energy
        self._intents = []
        self._t_end = 0.0
        self._status = "converged"
        self._verbose = self.sink.verbose
        self.halted = False
        self.committing = False
        period = None
        try:
            period = await self._run(request.schedule)
        finally:
            if self.plain:
                self._account(len(self.board.flip_neurons))  # whatever flipped, even if interrupted
        return self._outcome(period)

    async def _run(self, schedule: Iterator[Batch]) -> int | None:
        """The recall's wake-ups, granted in schedule order; returns the cycle period, if any."""
        return await self._grant(schedule)

    async def _grant(self, schedule: Iterator[Batch]) -> int | None:
        """Grant the schedule's wake-ups until the recall ends; returns the cycle period, if any."""
        budget = self._budget
        dynamics = self.dynamics
        synchronous = dynamics.synchronous
        # a slow pathway's memory of the past also decides the future: a recurring state proves nothing
        cycles = dynamics.detects_cycles and self.board.slow is None
        watch = CycleWatch(self.board.states) if cycles else None
        plain = self.plain
        sweep = 0
        for times, neurons in schedule:
            size = times.size
            if not size:
                continue
            tl, nl = times.tolist(), neurons.tolist()
            if plain:
                self._tally[3] = 0
                self._foresee(neurons, 0, size)
            if await self._grant_batch(tl, nl, neurons):
                return None
            if plain and self._tally[3] < size:  # a flip left the rest of the batch unmarked
                settle(neurons, size, size, -1, size, self._marks, self._tally)
            if synchronous:
                await self._commit(self._t_end)
            sweep += 1
            if watch is not None:
                period = watch.period(self.board.states, sweep)
                if period is not None:
                    self._halt("cycle", self._t_end)
                    return period
            if self._granted == budget:
                self._halt("max_sweeps", self._t_end)
                return None
        raise RuntimeError("the schedule ended")

    async def _grant_batch(self, times: list[float], neurons: list[int], batch: Indices) -> bool:
        """Grant one batch of wake-ups and let them run; True when the recall has ended.

        The common case resolves whole runs of distinct neurons, each then let
        run; near the time limit or the budget, wake-ups go one at a time.
        """
        size = len(times)
        if times[-1] > self._max_time or self._granted + size > self._budget:
            return await self._grant_one_by_one(times, neurons, batch)
        alarm_of = self.alarms.__getitem__
        resolve = type(self.alarms[0]).set_result  # the loop's future type: every alarm is one
        plain = self.plain
        flip_log = self.board.flip_neurons
        begin = 0
        next_t, next_n = iter(times), iter(neurons)  # each run takes the next end - begin wake-ups
        for end in [size] if self.dynamics.schedule in _DISTINCT_BATCHES else distinct_runs(batch).tolist():
            # alarms[i].set_result(t) for each (t, i) of the run in order, without a bytecode loop
            _exhaust(map(resolve, map(alarm_of, islice(next_n, end - begin)), islice(next_t, end - begin)))
            self._granted += end - begin
            self._t_end = times[end - 1]
            await let_woken_run()
            if plain and (len(flip_log) != self._logged or self._converge_at < end):
                self._after_plain_run(times, batch, begin, end)
            if self.halted:
                return True
            begin = end
        return False

    async def _grant_one_by_one(
        self,
        times: list[float],
        neurons: list[int],
        batch: Indices,
        pace: Callable[[float], Awaitable[None]] | None = None,
    ) -> bool:
        """The careful path: the time limit and the budget, one wake-up at a time; True when the recall has ended.

        With `pace` (live mode), each wake-up first waits for its time to come and then runs alone.
        """
        paced = pace is not None
        alarms = self.alarms
        woken: set[int] = set()
        begin = end = 0
        for t, i in zip(times, neurons, strict=True):
            if t > self._max_time or i in woken or paced:
                if await self._ran(times, batch, begin, end):  # let what was granted so far run first
                    return True
                woken.clear()
                begin = end
                if t > self._max_time:
                    self._halt("max_time", self._t_end)
                    return True
            if pace is not None:
                await pace(t)
            woken.add(i)
            alarms[i].set_result(t)
            self._granted += 1
            self._t_end = t
            end += 1
            if self._granted == self._budget:
                break
        return await self._ran(times, batch, begin, end)

    async def _ran(self, times: list[float], batch: Indices, begin: int, end: int) -> bool:
        """Let the run of wake-ups batch[begin:end] just granted happen; True when the recall has ended."""
        await let_woken_run()
        if self.plain and end > begin:
            self._after_plain_run(times, batch, begin, end)
        return self.halted

    async def _commit(self, t: float) -> None:
        """The write phase of a synchronous sweep: the neurons that decided to flip write, in index order."""
        intents, self._intents = sorted(self._intents), []
        if not intents:
            return
        self.committing = True
        for i in intents:
            self.alarms[i].set_result(t)
        await let_woken_run()
        self.committing = False

    def _outcome(self, period: int | None) -> Outcome:
        board = self.board
        return Outcome(
            status=self._status,
            t=self._t_end,
            wakeups=self._granted - self._voided,
            flips=self._flips,
            energy=float(self._energy / self.couplings.divisor),
            final_state=board.states.copy(),
            energy_rises=self._rises,
            period=period,
            flip_times=np.array(board.flip_times, dtype=np.float64),
            flip_neurons=np.array(board.flip_neurons, dtype=np.int64),
            flip_states=np.array(board.flip_states, dtype=np.int8),
        )
