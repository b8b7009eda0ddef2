"""The state board: the one object every neuron shares."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from neurosim.engines.actors.runs import deliver_flip  # small networks: no compiling
from neurosim.model.couplings import AnyCouplings, Couplings
from neurosim.model.dense import DenseMemory
from neurosim.model.energy import deliver_synapses, field_units
from neurosim.model.sequence import SlowPathway
from neurosim.model.sparse import SparseCouplings
from neurosim.typing import Floats, Spins

#: How a flip reaches a set of fields through the flipping neuron's fanout (a dense column or a row of synapses).
Deliver = Callable[[Floats, int, Any], None]


class StateBoard:
    """Each neuron's state, the input field it receives, and the log of timed flips.

    A neuron writes only its own slot. When it flips, the change is delivered
    through the flipping neuron's own outgoing weights (`fanout`: a dense
    column, or the row of synapses it projects through), so the input fields
    `Σ_j w_ij s_j − θ_i` (matrix units) stay current at O(N) per flip (O(K) in
    a diluted network) and a wake-up without a flip costs O(1).

    Transmission delay d (docs/conventions.md §9): a neuron
    waking at time t sees every other neuron's state as of t − d, that is exactly
    the flips with time <= t − d. `fields` is that delayed view, brought up to
    date by `catch_up(t - d)`; `current` always holds the true present fields
    (the energy change of a flip needs them). Without delay both are one array.
    """

    __slots__ = (
        "applied",
        "couplings",
        "current",
        "deliver",
        "fields",
        "flip_fanouts",
        "flip_fields",
        "flip_neurons",
        "flip_states",
        "flip_times",
        "rows",
        "slow",
        "spins",
        "states",
        "transposed",
    )

    def __init__(self, size: int, delay: float = 0.0, couplings: AnyCouplings | None = None) -> None:
        # a dense memory's flips change every field non-linearly: they are recomputed instead
        self.couplings = couplings if isinstance(couplings, DenseMemory) else None
        # An asymmetric W needs Wᵀs too, for the energy change of a flip (docs/conventions.md §3: energy is
        # −½ sᵀWs: only the symmetric part counts); it is kept current with each flip's row.
        self.rows: Any = None  # W's rows, indexed by neuron (asymmetric W only)
        if isinstance(couplings, SparseCouplings) and not couplings.symmetric:
            self.rows = _Rows(couplings)
        elif isinstance(couplings, Couplings) and not couplings.symmetric:
            self.rows = couplings.matrix
        self.deliver: Deliver = deliver_synapses if isinstance(couplings, SparseCouplings) else deliver_flip
        self.transposed: Floats = np.zeros(size)
        self.states: Spins = np.ones(size, dtype=np.int8)
        self.spins: list[int] = [1] * size  # the same states as Python ints, for fast reads
        self.fields: Floats = np.zeros(size)
        self.current: Floats = np.zeros(size) if delay > 0.0 else self.fields
        self.flip_times: list[float] = []
        self.flip_neurons: list[int] = []
        self.flip_states: list[int] = []
        self.flip_fields: list[float] = []  # the field each flip was decided on (the fast path logs it)
        self.flip_fanouts: list[Any] = []
        self.applied = 0  # how many logged flips the view `fields` already holds
        pathway = couplings.slow if isinstance(couplings, Couplings) else None
        self.slow = None if pathway is None else SlowView(pathway, size)

    def reset(self, state: Spins, couplings: AnyCouplings, fields: Floats | None = None) -> None:
        """Start over from `state` (with its fields, when known): states, fields and log are replaced in place."""
        self.states[:] = state
        self.spins[:] = state.tolist()
        self.fields[:] = field_units(couplings, state) if fields is None else fields
        if self.current is not self.fields:
            self.current[:] = self.fields
        if self.rows is not None:
            assert not isinstance(couplings, DenseMemory)
            self.transposed[:] = couplings.transposed_product(state)
        self.flip_times.clear()
        self.flip_neurons.clear()
        self.flip_states.clear()
        self.flip_fields.clear()
        self.flip_fanouts.clear()
        self.applied = 0
        if self.slow is not None:
            self.slow.reset(state)

    def write(self, neuron: int, state: int, t: float, fanout: Any) -> None:
        """Record that `neuron` took `state` at time `t`; its outgoing weights are `fanout`."""
        self.states[neuron] = state
        self.spins[neuron] = state
        self.flip_times.append(t)
        self.flip_neurons.append(neuron)
        self.flip_states.append(state)
        if self.rows is not None:
            self.deliver(self.transposed, state, self.rows[neuron])
        if self.couplings is not None:
            self.fields[:] = field_units(self.couplings, self.states)
            self.applied += 1
        elif self.current is self.fields:
            self.deliver(self.fields, state, fanout)
            self.applied += 1
        else:
            self.deliver(self.current, state, fanout)
            self.flip_fanouts.append(fanout)

    def flip(self, neuron: int, t: float, u: float, fanout: Any) -> None:
        """The fast path's write (no delay, symmetric W): `neuron` flips at time `t`, decided on field `u`.

        Fields change as in `write` (a dense memory's are recomputed), and `u` is logged with the flip.
        """
        state = -self.spins[neuron]
        self.states[neuron] = state
        self.spins[neuron] = state
        self.flip_times.append(t)
        self.flip_neurons.append(neuron)
        self.flip_states.append(state)
        self.flip_fields.append(u)
        if self.couplings is None:
            self.deliver(self.fields, state, fanout)
        else:
            self.fields[:] = field_units(self.couplings, self.states)
        self.applied += 1

    def catch_up(self, t_view: float) -> int:
        """Bring the delayed view up to time `t_view`; returns how many flips became visible."""
        start = self.applied
        times = self.flip_times
        end = start
        while end < len(times) and times[end] <= t_view:
            self.deliver(self.fields, self.flip_states[end], self.flip_fanouts[end])
            end += 1
        self.applied = end
        return end - start

    @property
    def pending(self) -> int:
        """Flips not yet visible in the delayed views (the slow pathway's start counts as one until it is seen)."""
        slow = 0 if self.slow is None else self.slow.pending(len(self.flip_times))
        return len(self.flip_times) - self.applied + slow

    def catch_up_slow(self, t: float) -> int:
        """Bring the slow pathway's view up to time `t` − τ; returns how many changes became visible."""
        assert self.slow is not None
        return self.slow.catch_up(t - self.slow.delay, self)


class SlowView:
    """The sequence rule's slow pathway as a waking neuron sees it: J² s(t − τ), the past the last pattern.

    Its own view of the board's flip log, with its own cursor: the start state
    becomes visible at τ (replacing the past), each flip τ after it happened.
    """

    __slots__ = ("applied", "columns", "delay", "fields", "pathway", "start", "started")

    def __init__(self, pathway: SlowPathway, size: int) -> None:
        self.pathway = pathway
        self.delay = pathway.delay
        self.columns = pathway.columns()
        self.fields: Floats = np.zeros(size)
        self.start: Spins = np.ones(size, dtype=np.int8)
        self.started = False
        self.applied = 0

    def reset(self, state: Spins) -> None:
        """A new recall from `state`: the view shows the past (the last pattern) until τ."""
        self.start[:] = state
        self.fields[:] = self.pathway.fields(self.pathway.past)
        self.started = False
        self.applied = 0

    def pending(self, logged: int) -> int:
        """Changes not yet visible: the start (until seen) and the flips logged since."""
        return logged - self.applied + (0 if self.started else 1)

    def catch_up(self, t_view: float, board: StateBoard) -> int:
        """Show every change up to `t_view`; returns how many became visible."""
        if t_view < 0.0:
            return 0
        seen = 0
        if not self.started:
            self.fields[:] = self.pathway.fields(self.start)
            self.started = True
            seen = 1
        times = board.flip_times
        end = self.applied
        while end < len(times) and times[end] <= t_view:
            deliver_flip(self.fields, board.flip_states[end], self.columns[board.flip_neurons[end]])
            end += 1
        seen += end - self.applied
        self.applied = end
        return seen


class _Rows:
    """A diluted network's rows of synapses, indexed by neuron as a matrix's rows are."""

    __slots__ = ("_row",)

    def __init__(self, couplings: SparseCouplings) -> None:
        self._row = couplings.row

    def __getitem__(self, neuron: int) -> Any:
        return self._row(neuron)
