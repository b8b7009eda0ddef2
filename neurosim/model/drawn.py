"""A diluted network described rather than built: any range of its rows is drawn and learned alone.

A diluted network's graph is drawn row by row from its own key, each row a
pure function of (key, connectivity, N) (conventions §15), and a diluted rule
learns each synapse from the two neurons' patterns alone. So the couplings onto
neurons lo..hi−1 need nothing but the patterns, the key and the rule: a shard
of a sharded run draws and learns its own synapses (`fanouts_into`), and no
process ever holds every synapse. `DrawnCouplings` is that description; it answers
what the run's bookkeeping asks of couplings (size, divisor, thresholds,
symmetry, the count of synapses), and `couplings()` builds the whole network in
one process, the very network `network.build_network` learns.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from neurosim.model.couplings import checked_biases
from neurosim.model.graph import Connectivity, Graph, draw_onto, draw_rows
from neurosim.model.patterns import PatternSet
from neurosim.model.registry import LEARNING_RULES
from neurosim.model.sparse import SparseCouplings, graph_couplings, transpose
from neurosim.typing import Floats, Indices


@dataclass(eq=False, slots=True)
class DrawnCouplings:
    """A diluted network's couplings as what they are drawn from: the patterns, the graph's key and the rule."""

    patterns: PatternSet
    connectivity: Connectivity
    key: np.uint64
    rule: str
    arguments: dict[str, float]
    biases: Floats | None = None
    #: the synapses in all once whoever drew every row has counted them (a graph drawn by probability)
    counted: int | None = field(default=None, compare=False)

    dense = False

    def __post_init__(self) -> None:
        self.biases = checked_biases(self.biases, self.size)
        if LEARNING_RULES[self.rule].on_graph is None:
            raise ValueError(f"the {self.rule} rule has no diluted form")

    @property
    def size(self) -> int:
        """Number of neurons N."""
        return self.patterns.size

    @property
    def divisor(self) -> float:
        """The weights' divisor: K, or p·N."""
        return self.connectivity.divisor(self.size)

    @property
    def symmetric(self) -> bool:
        """Whether c_ij = c_ji (and so w_ij = w_ji)."""
        return self.connectivity.symmetric

    @property
    def thresholds(self) -> Floats:
        """θ in matrix units (θ · divisor), the form the engines use."""
        assert self.biases is not None
        return self.biases * self.divisor

    @property
    def synapses(self) -> int | None:
        """The number of synapses: N·K for a fixed in-degree, else once counted (None before)."""
        if self.connectivity.kind == "in_degree":
            return self.size * self.connectivity.in_degree
        return self.counted

    def with_biases(self, biases: Floats) -> DrawnCouplings:
        """The same network with other biases."""
        return replace(self, biases=biases, counted=self.counted)

    def diagonal(self) -> Floats:
        """The self-couplings w_ii: none."""
        return np.zeros(self.size)

    def rows(self, lo: int, hi: int) -> tuple[Graph, npt.NDArray[Any]]:
        """Rows lo..hi−1: the synapses each neuron receives, and their weights in matrix units."""
        graph = draw_rows(self.connectivity, self.size, self.key, lo, hi)
        return graph, LEARNING_RULES[self.rule].on_graph(self.patterns, graph, self.arguments)  # type: ignore[misc]

    def fanouts_into(self, lo: int, hi: int) -> tuple[Indices, npt.NDArray[np.int32], npt.NDArray[Any]]:
        """Every neuron's fanout restricted to the neurons lo..hi−1, indexed from lo: compressed rows over N.

        Row i lists the neurons j in lo..hi−1 with a synapse from i, and w_ji. In a
        symmetric network that is row i itself restricted to lo..hi−1: every row is
        drawn, a chunk at a time, and only those synapses are kept and learned
        (`graph.draw_onto`), so the memory is theirs alone, about 5 bytes each. An
        asymmetric network's are the transpose of rows lo..hi−1.
        """
        if not self.symmetric:
            graph, values = self.rows(lo, hi)
            return transpose(graph.indptr, graph.indices, values, self.size)
        onto = draw_onto(self.connectivity, self.size, self.key, lo, hi)
        values = LEARNING_RULES[self.rule].on_graph(self.patterns, onto, self.arguments)  # type: ignore[misc]
        indices = onto.indices
        indices -= np.int32(lo)  # indexed from lo, in place: the kept synapses are the largest array here
        return onto.indptr, indices, values

    def couplings(self) -> SparseCouplings:
        """The whole network in this process (every row)."""
        graph, values = self.rows(0, self.size)
        assert self.biases is not None
        return graph_couplings(graph, values, self.connectivity, self.rule).with_biases(self.biases)
