"""The actors' fast path, after each run of wake-ups: its flips' energy and events, and convergence.

On the fast path (`Coordinator.plain`: deterministic, undelayed, asynchronous
updates of a symmetric W without self-couplings, no debug events) a woken
neuron only compares its field with its state and flips through
`StateBoard.flip`; the coordinator reads the new entries of the flip log after
each run of wake-ups. Measured against the general update, and pinned to it
by tests, in `neurosim.engines.copies`.
"""

from __future__ import annotations

from neurosim.engines.actors.board import StateBoard
from neurosim.engines.actors.runs import settle
from neurosim.engines.protocol import Status
from neurosim.events import FlipRun, FlipWriter
from neurosim.typing import Indices


class FastPathRuns:
    """The coordinator's fast-path bookkeeping (a base class of `Coordinator`, which owns the state)."""

    board: StateBoard
    trial: int
    _logged: int
    _converge_at: int
    _foreseen: bool
    _marks: Indices
    _tally: Indices
    _voided: int
    _energy: float
    _flips: int
    _emits: bool
    _divisor: float
    _write_flips: FlipWriter

    def _halt(self, status: Status, t: float) -> None:
        raise NotImplementedError

    def _after_plain_run(self, times: list[float], batch: Indices, begin: int, end: int) -> None:
        """The fast path, after the run batch[begin:end]: account for its flips; has the recall converged?"""
        board = self.board
        logged = len(board.flip_neurons)
        if logged != self._logged:
            # a new epoch from the last flip: mark the rest of this run (it cannot converge in
            # it: the flipper has not woken since), and bound the earliest convergence
            self._account(logged)
            settle(batch, begin, end, board.flip_neurons[-1], end, self._marks, self._tally)
            self._converge_at = end + int(self._tally[2] - self._tally[1]) - 1
            self._foreseen = False
            return
        if not self._foreseen:  # the bound is reached: foresee the rest of the batch
            self._foresee(batch, begin, batch.size)
        k = self._converge_at
        if begin <= k < end:
            self._voided += end - 1 - k  # woken after convergence: each found nothing to do
            self._halt("converged", times[k])

    def _foresee(self, batch: Indices, begin: int, until: int) -> None:
        """Mark the wake-ups up to `until` as if nobody flips, and note where the recall would converge."""
        k = settle(batch, begin, begin, -1, until, self._marks, self._tally)
        self._converge_at = until if k < 0 else k
        self._foreseen = True

    def _account(self, logged: int) -> None:
        """The fast path: energy and events of the flips the board logged since the last account."""
        start = self._logged
        if logged == start:
            return
        board = self.board
        states = board.flip_states[start:logged]
        decided = board.flip_fields[start:logged]
        energy = self._energy
        energies = []  # after each flip, for the events
        for s, u in zip(states, decided, strict=True):
            energy += -2.0 * s * u  # exactly −2|h|: symmetric W, no self-coupling, no delay
            energies.append(energy)
        self._energy = energy
        self._flips += logged - start
        self._logged = logged
        if self._emits:
            divisor = self._divisor
            self._write_flips(
                FlipRun(
                    self.trial,
                    board.flip_times[start:logged],
                    board.flip_neurons[start:logged],
                    states,
                    [u / divisor for u in decided],
                    [e / divisor for e in energies],
                )
            )
