"""Graded neurons on the actors: one asyncio task per neuron, continuous states in [−1, 1] (Hopfield 1984).

A neuron waking at t sets V_i ← tanh(β h_i) (or, for the `modern` rule,
V_i ← [Ξᵀ softmax(β Ξ V)]_i, Ramsauer et al. 2020), atomically. The fields
are kept current with each change (h += w_{:,i} ΔV_i). A recall converges when
every neuron has woken since the last change larger than `graded.TOLERANCE`
without changing its state by more than it. A change of sign is logged as a
flip (the events' `state` is the sign; V_i ≥ 0 counts as +1), with the energy
after it: Hopfield's 1984 function, or for `modern` −(1/β) lse(β Ξ V) + ½ VᵀV.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

import numpy as np

from neurosim.engines.actors.runs import distinct_runs
from neurosim.engines.protocol import Outcome, Recall, Status
from neurosim.errors import NeurosimError
from neurosim.events import NeuronFlipped
from neurosim.model.couplings import AnyCouplings, Couplings
from neurosim.model.dense import DenseMemory
from neurosim.model.dynamics import Dynamics
from neurosim.model.graded import RISE, TOLERANCE, entropy_term, graded_energy, modern_energy
from neurosim.typing import EventSink, Floats

#: What graded neurons run: a coupling matrix or the modern memory.
GRADED_COUPLINGS = "graded neurons need a coupling matrix (learned up to 32,768 neurons) or the modern rule"


def signs(values: Floats) -> Any:
    """The ±1 state a graded state reads as: V_i ≥ 0 counts as +1."""
    return np.where(values >= 0.0, 1, -1).astype(np.int8)


class GradedCoordinator:
    """Runs recalls of graded neurons, each an asyncio task woken in schedule order (an async context manager)."""

    def __init__(self, couplings: AnyCouplings, sink: EventSink, dynamics: Dynamics) -> None:
        self.modern = isinstance(couplings, DenseMemory) and couplings.modern
        if not (self.modern or isinstance(couplings, Couplings)):
            raise NeurosimError(GRADED_COUPLINGS)
        self.couplings = couplings
        self.sink = sink
        self.gain = dynamics.gain
        self.dynamics = dynamics
        self.size = size = couplings.size
        if isinstance(couplings, Couplings):
            self.columns: Floats = np.ascontiguousarray(couplings.weights.T)  # row i: what neuron i sends
            assert couplings.biases is not None
            self.biases: Floats = couplings.biases
        else:
            assert isinstance(couplings, DenseMemory)
            self.columns = np.ascontiguousarray(couplings.patterns.T)  # row i: ξ_i^μ over μ
            self.biases = np.zeros(size)
        self.values: Floats = np.zeros(size)
        # h = W V − θ, or the scores Ξ V (one per pattern) for the modern rule
        self.fields: Floats = np.zeros(self.columns.shape[1])
        self.alarms: list[asyncio.Future[float]] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._reset_counts(0)

    def _reset_counts(self, trial: int) -> None:
        self.trial = trial
        self.halted = False
        self.epoch = 0
        self.quiet = 0
        self.settled_in = [-1] * self.size
        self.flips = self.rises = self.wakeups = 0
        self.energy = 0.0
        self.t_end = 0.0
        self.status: Status = "converged"
        self.flip_times: list[float] = []
        self.flip_neurons: list[int] = []
        self.flip_states: list[int] = []

    async def __aenter__(self) -> GradedCoordinator:
        loop = asyncio.get_running_loop()
        self.alarms = [loop.create_future() for _ in range(self.size)]
        self._tasks = [loop.create_task(self._life(i), name=f"neuron-{i}") for i in range(self.size)]
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *exc: Any) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    def _energy_now(self) -> float:
        if self.modern:
            assert isinstance(self.couplings, DenseMemory)
            return modern_energy(self.couplings.patterns, self.couplings.beta, self.values)
        assert isinstance(self.couplings, Couplings)
        return graded_energy(self.couplings, self.values, self.gain)

    async def _life(self, i: int) -> None:
        loop = asyncio.get_running_loop()
        while True:
            t = await self.alarms[i]
            self.alarms[i] = loop.create_future()
            if not self.halted:
                self._update(i, t)

    def _update(self, i: int, t: float) -> None:
        """One atomic update of neuron i at time t."""
        self.wakeups += 1
        old = float(self.values[i])
        if self.modern:
            assert isinstance(self.couplings, DenseMemory)
            beta = self.couplings.beta
            scores = beta * self.fields
            weights = np.exp(scores - scores.max())
            new = float(self.columns[i] @ weights / weights.sum())
            h = new  # the modern update's own target
        else:
            h = float(self.fields[i])
            new = math.tanh(self.gain * h)
        change = new - old
        if change != 0.0:
            before = self.energy
            if self.modern:  # lse of the scores after the change, O(P)
                self.values[i] = new
                self.fields += self.columns[i] * change
                self.energy = self._energy_now()
            else:  # E changes by −ΔV h_i − ½ w_ii ΔV² + ΔG/β (docs/scenarios.md, graded neurons), O(1)
                pair = np.array([old, new])
                entropy = entropy_term(pair)
                self_coupling = self.columns[i, i]
                self.energy += -change * h - 0.5 * self_coupling * change * change
                self.energy += float(entropy[1] - entropy[0]) / self.gain
                self.values[i] = new
                self.fields += self.columns[i] * change
            if self.energy - before > RISE * max(1.0, abs(before)):
                self.rises += 1
            if (new >= 0.0) != (old >= 0.0):
                state = 1 if new >= 0.0 else -1
                self.flips += 1
                self.flip_times.append(t)
                self.flip_neurons.append(i)
                self.flip_states.append(state)
                if not self.sink.discards:
                    self.sink.emit(
                        NeuronFlipped(trial=self.trial, t=t, neuron=i, state=state, field=h, energy=self.energy)
                    )
        if abs(change) > TOLERANCE:
            self.epoch += 1
            self.quiet = 0
        elif self.settled_in[i] != self.epoch:
            self.settled_in[i] = self.epoch
            self.quiet += 1
            if self.quiet == self.size:
                self.halted = True
                self.t_end = t

    async def recall(self, request: Recall) -> Outcome:
        """Run from `request.start` (as graded states ±1) until convergence or a limit."""
        self._reset_counts(request.trial)
        self.values[:] = request.start
        if self.modern:
            assert isinstance(self.couplings, DenseMemory)
            self.fields[:] = self.couplings.patterns @ self.values
        else:
            assert isinstance(self.couplings, Couplings)
            self.fields[:] = self.couplings.weights @ self.values - self.biases
        self.energy = self._energy_now()
        budget = request.max_wakeups
        max_time = math.inf if self.dynamics.max_time is None else self.dynamics.max_time
        granted = 0
        timed_out = False
        for times, neurons in request.schedule:
            if not times.size:
                continue
            begin = 0
            for end in distinct_runs(neurons).tolist():
                for t, i in zip(times[begin:end].tolist(), neurons[begin:end].tolist(), strict=True):
                    if t > max_time:
                        timed_out = True
                        break
                    self.alarms[i].set_result(t)
                    granted += 1
                    self.t_end = t
                    if granted == budget:
                        break
                await asyncio.sleep(0)  # the woken neurons run, in the order woken
                begin = end
                if self.halted or timed_out or granted == budget:
                    break
            if self.halted or timed_out or granted == budget:
                break
        if not self.halted:
            self.status = "max_time" if timed_out else "max_sweeps"
        self.halted = True
        return Outcome(
            status=self.status,
            t=self.t_end,
            wakeups=self.wakeups,
            flips=self.flips,
            energy=self.energy,
            final_state=signs(self.values),
            energy_rises=self.rises,
            period=None,
            flip_times=np.array(self.flip_times, dtype=np.float64),
            flip_neurons=np.array(self.flip_neurons, dtype=np.int64),
            flip_states=np.array(self.flip_states, dtype=np.int8),
            values=self.values.copy(),
        )
