"""The neuron actor."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, Protocol

from neurosim.model.rules import decide, temperature_at
from neurosim.model.streams import uniform

if TYPE_CHECKING:
    from neurosim.engines.actors.board import StateBoard
    from neurosim.engines.actors.coordinator import Coordinator
    from neurosim.model.dynamics import Dynamics

_NEVER = float("-inf")


class Host(Protocol):
    """What grants a neuron its wake-ups and hears its reports: the actors' `Coordinator`, or an actor shard.

    The neuron reads the board and the knobs, and reports each wake-up as kept,
    blocked or flipped (or void after the recall ended); the rest is the host's.
    """

    @property
    def alarms(self) -> list[asyncio.Future[float]]: ...
    @property
    def board(self) -> StateBoard: ...
    @property
    def dynamics(self) -> Dynamics: ...
    @property
    def fault(self) -> Callable[[int, int, float], None] | None: ...
    @property
    def trial(self) -> int: ...
    @property
    def halted(self) -> bool: ...
    @property
    def generation(self) -> int: ...
    @property
    def stream_keys(self) -> list[int]: ...
    @property
    def committing(self) -> bool: ...
    @property
    def temperatures(self) -> list[float]: ...
    @property
    def divisor(self) -> float: ...
    @property
    def converges(self) -> bool: ...
    @property
    def epoch(self) -> int: ...

    def outgoing(self, neuron: int) -> Any: ...
    def void(self) -> None: ...
    def flipped(self, neuron: int, t: float, u: float, state: int, current: float, column: float = 0.0) -> None: ...
    def settled(self, t: float) -> None: ...
    def kept(self, neuron: int, t: float, u: float, state: int) -> None: ...
    def blocked(self, neuron: int, t: float, u: float, state: int) -> None: ...
    def intends(self, neuron: int) -> None: ...
    def saw(self) -> None: ...


class Neuron:
    """One neuron: an asyncio task that sleeps until it is woken, then updates itself.

    It holds its index, its outgoing weights (its weight row when W is
    symmetric; in a diluted network, the synapses it projects through) and,
    per recall, its own random stream (the key the coordinator hands out, and
    how many numbers it has drawn) and the time of its last flip.
    An update is atomic (docs/conventions.md §6): `update` is a plain method, so
    no other neuron can write between its read and its write.
    """

    __slots__ = ("draws", "fanout", "generation", "index", "intent", "intent_field", "key", "last_flip", "settled_in")

    def __init__(self, index: int, fanout: Any) -> None:
        self.index = index
        self.fanout = fanout
        self.generation = -1
        self.key = 0
        self.draws = 0
        self.last_flip = _NEVER
        self.intent = 0
        self.intent_field = 0.0
        self.settled_in = -1  # the last epoch (count of visible flips) in which it reported itself settled

    def live(self, coordinator: Coordinator) -> Coroutine[Any, Any, None]:
        """The neuron's life for its task: wake, update, report, until the task is cancelled.

        Returns the loop that fits the dynamics itself (not a coroutine that awaits
        it), so that waking the task resumes a single frame.
        """
        if coordinator.plain:
            return self._live_plain(coordinator)
        return self.serve(coordinator)

    async def _live_plain(self, coordinator: Coordinator) -> None:
        # Deterministic, undelayed, asynchronous, symmetric, no self-coupling, no debug events:
        # the hot path, kept minimal. A wake-up reads the field and the state and flips
        # when they disagree; the coordinator reads the board's flip log after each run of
        # wake-ups for the energy, the events and convergence. A neuron woken after the
        # recall converged (later in the same run) finds its field agreeing with its state
        # and does nothing: the coordinator does not count it.
        i = self.index
        fanout = self.fanout
        outgoing = coordinator.couplings.fanout
        board = coordinator.board
        fields = board.fields.data  # a memoryview of the same buffer: reads give Python floats, cheaper to compare
        spins = board.spins
        flip = board.flip
        alarms = coordinator.alarms
        new_alarm = asyncio.get_running_loop().create_future
        while True:
            alarm = new_alarm()
            alarms[i] = alarm
            t = await alarm
            u = fields[i]
            # sign(h), a tie keeping the state (docs/conventions.md §4): flip iff h opposes s
            if (u < 0.0) if spins[i] > 0 else (u > 0.0):
                flip(i, t, u, outgoing(i) if fanout is None else fanout)

    async def serve(self, coordinator: Host) -> None:
        """The general life: wake, update with every knob of the dynamics, until the task is cancelled."""
        i = self.index
        alarms = coordinator.alarms
        new_alarm = asyncio.get_running_loop().create_future
        fault = coordinator.fault  # a testing hook (`Coordinator.fault_hook`)
        while True:
            alarm = new_alarm()
            alarms[i] = alarm
            t = await alarm
            if fault is not None:
                fault(coordinator.trial, i, t)
            if coordinator.halted:
                coordinator.void()
            else:
                self.update(coordinator, t)

    def _outgoing(self, coordinator: Host) -> Any:
        return coordinator.outgoing(self.index) if self.fanout is None else self.fanout

    def update(self, coordinator: Host, t: float) -> None:
        """One atomic update at time t, with every knob of the dynamics."""
        i = self.index
        board = coordinator.board
        if coordinator.generation != self.generation:  # a new recall: a fresh stream, no refractory past
            self.generation, self.key, self.draws = coordinator.generation, coordinator.stream_keys[i], 0
            self.last_flip = _NEVER
        s = board.spins[i]
        if coordinator.committing:
            # the write phase of a synchronous sweep: write what the read phase decided
            c, g = board.current[i], board.transposed[i]
            board.write(i, self.intent, t, self._outgoing(coordinator))
            self.last_flip = t
            coordinator.flipped(i, t, self.intent_field, self.intent, c, g)
            return
        dynamics = coordinator.dynamics
        if dynamics.delay > 0.0 and board.catch_up(t - dynamics.delay):
            coordinator.saw()
        u = board.fields[i]
        slow = board.slow
        if slow is not None:  # the sequence rule's slow pathway, seen τ late (neurosim.model.sequence)
            if board.catch_up_slow(t):
                coordinator.saw()
            u += slow.fields[i]
        heat = temperature_at(coordinator.temperatures, t)
        draw = 0.0
        if heat > 0.0:
            draw = uniform(self.key, self.draws)
            self.draws += 1
        new = decide(u, s, coordinator.divisor, heat, draw)
        if new == s:
            coordinator.kept(i, t, u, s)
            # as in the fast path: settled once per epoch; epochs only grow, across recalls too; only at T = 0
            if coordinator.converges and heat == 0.0 and self.settled_in != coordinator.epoch:
                self.settled_in = coordinator.epoch
                coordinator.settled(t)
        elif t - self.last_flip < dynamics.refractory:
            coordinator.blocked(i, t, u, s)
        elif dynamics.synchronous:
            self.intent, self.intent_field = new, u
            coordinator.intends(i)
        else:
            c, g = board.current[i], board.transposed[i]
            board.write(i, new, t, self._outgoing(coordinator))
            self.last_flip = t
            coordinator.flipped(i, t, u, new, c, g)
