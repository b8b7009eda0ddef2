"""Graph colouring as a Hopfield penalty energy: k one-hot colour neurons per vertex.

Neuron v·k + c says "vertex v has colour c" (x = (1 + s)/2 = 1). The penalty is

    P(x) = A Σ_v (Σ_c x_vc − 1)² + B Σ_{(u,v) ∈ E} Σ_c x_uc x_vc,    A = 3, B = 2,

zero exactly on the proper colourings, written as couplings by `penalty`
(w = −2A/4 between a vertex's colours, −B/4 between equal colours of
neighbours, θ = (2A(k − 1) + B·deg(v) − 2A)/4; divisor 4, so every field is an
exact integer). With A/B = 3/2 no single flip ties: a vertex without a colour
takes one that at most one neighbour shares (ΔP = −A + B·m < 0 for m ≤ 1), and
a vertex drops a colour that two or more neighbours share (ΔP = A − B·m < 0 for
m ≥ 2). Every proper colouring is a fixed point; so are many improper states,
which is what the measure shows. (Hopfield & Tank 1985 posed optimisation this
way; colouring is the k-one-hot case of Lucas 2014.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from neurosim.model.couplings import Couplings
from neurosim.model.penalty import penalty_couplings
from neurosim.model.problems import Edges
from neurosim.typing import Spins

#: The one-hot penalty A and the conflict penalty B (integers: exact fields).
ONE_HOT, CONFLICT = 3.0, 2.0


@dataclass(frozen=True, slots=True, eq=False)
class Coloring:
    """`network.problem.coloring`: colour `nodes` vertices with `colors` colours, no edge within one colour."""

    name: ClassVar[str] = "coloring"

    nodes: int
    colors: int
    edges: Edges  # E × 2, 0-based, each undirected edge once, no self-loops

    @property
    def size(self) -> int:
        """One neuron per (vertex, colour)."""
        return self.nodes * self.colors

    @property
    def shape(self) -> tuple[int, int] | None:
        """Vertices by colours."""
        return (self.nodes, self.colors)

    def couplings(self) -> Couplings:
        """The penalty energy above."""
        k = self.colors
        vertex = np.repeat(np.arange(self.nodes), k * (k - 1) // 2)
        a, b = np.triu_indices(k, 1)
        same_first = vertex * k + np.tile(a, self.nodes)
        same_second = vertex * k + np.tile(b, self.nodes)
        colour = np.tile(np.arange(k), self.edges.shape[0])
        edge_first = np.repeat(self.edges[:, 0], k) * k + colour
        edge_second = np.repeat(self.edges[:, 1], k) * k + colour
        first = np.concatenate([same_first, edge_first]).astype(np.int64)
        second = np.concatenate([same_second, edge_second]).astype(np.int64)
        weights = np.concatenate([np.full(same_first.size, 2.0 * ONE_HOT), np.full(edge_first.size, CONFLICT)])
        return penalty_couplings(self.size, first, second, weights, np.full(self.size, -ONE_HOT), self.name)

    def measure(self, state: Spins) -> dict[str, Any]:
        """Whether the final state is a proper colouring, its conflicts and its uncoloured vertices."""
        found = coloring_measure(state, self.nodes, self.colors, self.edges)
        return {"problem": self.name, "colors": self.colors, **found}


def coloring_measure(state: Spins, nodes: int, colors: int, edges: Edges) -> dict[str, Any]:
    """`proper`: every vertex has exactly one colour and no edge joins equal colours; the counts behind it.

    `conflicts` counts edges whose ends share a colour they both hold; `uncolored`
    the vertices with no colour; `multicolored` those with more than one.
    """
    on = state.reshape(nodes, colors) > 0
    per_vertex = on.sum(axis=1)
    conflicts = int(np.count_nonzero(np.any(on[edges[:, 0]] & on[edges[:, 1]], axis=1))) if edges.size else 0
    uncolored = int(np.count_nonzero(per_vertex == 0))
    multicolored = int(np.count_nonzero(per_vertex > 1))
    return {
        "proper": conflicts == 0 and uncolored == 0 and multicolored == 0,
        "conflicts": conflicts,
        "uncolored": uncolored,
        "multicolored": multicolored,
    }
