"""The state board: the one object every neuron shares."""

from __future__ import annotations

import numpy as np

from neurosim.model.couplings import Couplings
from neurosim.model.energy import field_units
from neurosim.typing import Floats, Spins


class StateBoard:
    """Each neuron's current state, the input field it receives, and the log of timed flips.

    A neuron writes only its own slot. When it flips, it delivers the change
    through its own outgoing weights (`fanout`), so every neuron's input field
    `fields[i] = Σ_j w_ij s_j − θ_i` (matrix units) stays current at O(N) per flip
    and a wake-up without a flip costs O(1).
    """

    __slots__ = ("fields", "flip_neurons", "flip_states", "flip_times", "spins", "states")

    def __init__(self, size: int) -> None:
        self.states: Spins = np.ones(size, dtype=np.int8)
        self.spins: list[int] = [1] * size  # the same states as Python ints, for fast reads
        self.fields: Floats = np.zeros(size)
        self.flip_times: list[float] = []
        self.flip_neurons: list[int] = []
        self.flip_states: list[int] = []

    def reset(self, state: Spins, couplings: Couplings) -> None:
        """Start over from `state`: states, fields and log are replaced in place."""
        self.states[:] = state
        self.spins[:] = state.tolist()
        self.fields[:] = field_units(couplings, state)
        self.flip_times.clear()
        self.flip_neurons.clear()
        self.flip_states.clear()

    def write(self, neuron: int, state: int, t: float, fanout: Floats) -> None:
        """Record that `neuron` took `state` at time `t`, and deliver it through `fanout`."""
        self.states[neuron] = state
        self.spins[neuron] = state
        if state > 0:
            self.fields += fanout
            self.fields += fanout
        else:
            self.fields -= fanout
            self.fields -= fanout
        self.flip_times.append(t)
        self.flip_neurons.append(neuron)
        self.flip_states.append(state)
