"""Optimisation problems as Hopfield energies: no stored patterns, a measure of their own.

Max-Cut (W = −A): E(s) = Σ_edges s_i s_j, so the cut (edges between the two
sides) is (|E| − E) / 2 and lower energy is a larger cut.

N-rooks: an n × n board, one neuron per square (+1: a rook). With x = (1 + s)/2
the penalty Σ_rows (Σ x − 1)² + Σ_columns (Σ x − 1)² becomes, up to a
constant, a Hopfield energy with w = −1/2 between squares sharing a row or a
column and θ = n − 2: its minima (penalty 0) are exactly the placements of n
rooks that do not attack each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

import numpy as np
import numpy.typing as npt

from neurosim.model.couplings import Couplings
from neurosim.typing import Spins

Edges = npt.NDArray[np.int64]


class Problem(Protocol):
    """An optimisation problem posed as a Hopfield energy: its network, and its own measure of a final state."""

    #: The problem's name under `network.problem`, also the network's `rule`.
    name: ClassVar[str]

    @property
    def size(self) -> int:
        """Number of neurons."""
        ...

    @property
    def shape(self) -> tuple[int, int] | None:
        """The 2-D layout of the neurons for figures (None: a plain vector)."""
        ...

    def couplings(self) -> Couplings:
        """The couplings whose energy minima are the problem's good solutions."""
        ...

    def measure(self, state: Spins) -> dict[str, Any]:
        """The problem's own measure of a final state (recorded with each trial)."""
        ...


@dataclass(frozen=True, slots=True, eq=False)
class MaxCut:
    """`network.problem.maxcut`: a graph whose maximum cut the network looks for."""

    name: ClassVar[str] = "maxcut"

    nodes: int
    edges: Edges

    @property
    def size(self) -> int:
        """One neuron per node."""
        return self.nodes

    @property
    def shape(self) -> tuple[int, int] | None:
        """A graph has no 2-D layout."""
        return None

    def couplings(self) -> Couplings:
        """W = −A (see `maxcut_couplings`)."""
        return maxcut_couplings(self.nodes, self.edges)

    def measure(self, state: Spins) -> dict[str, Any]:
        """The cut of a final state and the number of edges."""
        return {"problem": self.name, "cut": cut_value(state, self.edges), "edges": int(self.edges.shape[0])}


@dataclass(frozen=True, slots=True)
class Rooks:
    """`network.problem.rooks`: place n non-attacking rooks on an n × n board."""

    name: ClassVar[str] = "rooks"

    n: int

    @property
    def size(self) -> int:
        """One neuron per square."""
        return self.n**2

    @property
    def shape(self) -> tuple[int, int] | None:
        """The board."""
        return (self.n, self.n)

    def couplings(self) -> Couplings:
        """The penalty energy (see `rooks_couplings`)."""
        return rooks_couplings(self.n)

    def measure(self, state: Spins) -> dict[str, Any]:
        """Rooks placed, attacking pairs and validity of a final state."""
        return {"problem": self.name, "n": self.n, **rooks_measure(state, self.n)}


def maxcut_couplings(nodes: int, edges: Edges) -> Couplings:
    """W = −A for the graph with `nodes` nodes and `edges` (E × 2, 0-based, no self-loops)."""
    matrix = np.zeros((nodes, nodes))
    np.add.at(matrix, (edges[:, 0], edges[:, 1]), -1.0)
    np.add.at(matrix, (edges[:, 1], edges[:, 0]), -1.0)
    return Couplings(matrix=matrix, divisor=1.0, rule="maxcut")


def cut_value(state: Spins, edges: Edges) -> int:
    """Number of edges whose ends lie on different sides."""
    return int(np.count_nonzero(state[edges[:, 0]] != state[edges[:, 1]]))


def rooks_couplings(n: int) -> Couplings:
    """The N-rooks penalty energy on an n × n board (matrix −1 between attacking squares, divisor 2)."""
    rows, cols = np.divmod(np.arange(n * n), n)
    attack = (rows[:, None] == rows[None, :]) | (cols[:, None] == cols[None, :])
    np.fill_diagonal(attack, False)
    matrix = -attack.astype(np.float64)
    return Couplings(matrix=matrix, divisor=2.0, biases=np.full(n * n, float(n - 2)), rule="rooks")


def rooks_measure(state: Spins, n: int) -> dict[str, Any]:
    """Rooks placed, attacking pairs, and whether the board is a valid solution."""
    board = (state.reshape(n, n) > 0).astype(np.int64)
    per_row, per_col = board.sum(axis=1), board.sum(axis=0)
    attacks = int(np.sum(per_row * (per_row - 1) // 2) + np.sum(per_col * (per_col - 1) // 2))
    return {
        "rooks": int(board.sum()),
        "attacking_pairs": attacks,
        "valid": bool(np.all(per_row == 1) and np.all(per_col == 1)),
    }
