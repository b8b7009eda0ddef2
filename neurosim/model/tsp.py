"""The travelling salesman as a Hopfield-Tank energy: n × n neurons, city by position.

Neuron c·n + p says "city c is visited p-th" (x = (1 + s)/2 = 1). Hopfield &
Tank (1985) penalise a row or a column that is not one-hot and add the tour's
length; in its exact one-hot form (Lucas 2014) the penalty is

    P(x) = A Σ_c (Σ_p x_cp − 1)² + A Σ_p (Σ_c x_cp − 1)²
           + D Σ_{c ≠ d} d̂_cd Σ_p x_cp x_d,p+1   (positions cyclic),

with d̂ = d / max d, the distances scaled so the longest is 1, and A = 1, D = 1
unless the scenario gives `penalty: A` or `distance: D`. On a valid tour
(a permutation matrix) the squares vanish and P is D times the scaled tour
length. `penalty` writes it exactly as couplings: w = −2A/4 within a row or a
column, −D·d̂_cd/4 between city c at p and city d at p ± 1; θ = (4A(n − 1) +
2D Σ_d d̂_cd − 4A)/4 (divisor 4). A valid tour is a fixed point (dropping a city
changes P by 2A − D(d̂_prev + d̂_next), ≥ 0 while D ≤ A, a tie keeping it);
so are many invalid states. A larger D/A weighs the length more and validity
less: Wilson & Pawley (1988) found Hopfield-Tank's valid tours rare and their
constants delicate; the bundled scenario measures both here.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from neurosim.model.couplings import Couplings
from neurosim.model.penalty import penalty_couplings
from neurosim.typing import Floats, Spins

#: The default one-hot penalty A and distance weight D (docs/scenarios.md, `tsp`).
ONE_HOT, DISTANCE = 1.0, 1.0
#: The best tour is found exactly (Held-Karp) up to this many cities; the measure's `ratio` needs it.
EXACT_CITIES = 10


def random_cities(count: int, seed: int) -> Floats:
    """`count` cities uniform in the unit square, from their own stream (the scenario's `tsp.seed`)."""
    cities: Floats = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed))).random((count, 2))
    return cities


def distances(cities: Floats) -> Floats:
    """The Euclidean distance matrix."""
    d: Floats = np.sqrt(((cities[:, None, :] - cities[None, :, :]) ** 2).sum(axis=2))
    return d


def tour_length(tour: list[int], d: Floats) -> float:
    """The length of the closed tour visiting `tour` in order."""
    return float(sum(d[tour[k], tour[(k + 1) % len(tour)]] for k in range(len(tour))))


def best_tour_length(d: Floats) -> float:
    """The shortest closed tour (Held-Karp dynamic programming: O(2^n n²), for small n)."""
    n = d.shape[0]
    if n <= 3:
        return tour_length(list(range(n)), d)
    # cost[(subset, j)]: shortest path from city 0 through `subset` (bits of cities 1..n-1) ending at j
    cost: dict[tuple[int, int], float] = {(1 << j, j): float(d[0, j]) for j in range(1, n)}
    for size in range(2, n):
        for chosen in itertools.combinations(range(1, n), size):
            subset = sum(1 << j for j in chosen)
            for j in chosen:
                rest = subset & ~(1 << j)
                cost[(subset, j)] = min(cost[(rest, i)] + float(d[i, j]) for i in chosen if i != j)
    full = (1 << n) - 2
    return min(cost[(full, j)] + float(d[j, 0]) for j in range(1, n))


@dataclass(frozen=True, slots=True, eq=False)
class Tsp:
    """`network.problem.tsp`: the shortest closed tour through `cities` (n × 2 coordinates)."""

    name: ClassVar[str] = "tsp"

    cities: Floats
    penalty: float = ONE_HOT  # A
    distance: float = DISTANCE  # D
    best: float | None = field(init=False)

    def __post_init__(self) -> None:
        n = self.cities.shape[0]
        best = best_tour_length(distances(self.cities)) if n <= EXACT_CITIES else None
        object.__setattr__(self, "best", best)

    @property
    def count(self) -> int:
        """Number of cities n."""
        return int(self.cities.shape[0])

    @property
    def size(self) -> int:
        """One neuron per (city, position)."""
        return self.count**2

    @property
    def shape(self) -> tuple[int, int] | None:
        """Cities by positions."""
        return (self.count, self.count)

    def couplings(self) -> Couplings:
        """The penalty energy above."""
        n = self.count
        d = distances(self.cities)
        scaled = d / d.max() if d.max() > 0.0 else d
        index = np.arange(n * n).reshape(n, n)  # index[c, p]
        a, b = np.triu_indices(n, 1)
        rows = (index[:, a].ravel(), index[:, b].ravel())  # same city, two positions
        cols = (index[a, :].ravel(), index[b, :].ravel())  # same position, two cities
        c, e = np.nonzero(~np.eye(n, dtype=bool))  # ordered pairs of distinct cities
        p = np.arange(n)
        tour_first = (index[c][:, p]).ravel()
        tour_second = (index[e][:, (p + 1) % n]).ravel()
        tour_weights = np.repeat(self.distance * scaled[c, e], n)
        first = np.concatenate([rows[0], cols[0], tour_first]).astype(np.int64)
        second = np.concatenate([rows[1], cols[1], tour_second]).astype(np.int64)
        weights = np.concatenate([np.full(rows[0].size + cols[0].size, 2.0 * self.penalty), tour_weights])
        return penalty_couplings(n * n, first, second, weights, np.full(n * n, -2.0 * self.penalty), self.name)

    def measure(self, state: Spins) -> dict[str, Any]:
        """`valid` (a permutation matrix), the tour and its `length`, and `ratio` to the best tour (n ≤ 10)."""
        n = self.count
        on = state.reshape(n, n) > 0
        valid = bool(np.all(on.sum(axis=0) == 1) and np.all(on.sum(axis=1) == 1))
        out: dict[str, Any] = {"problem": self.name, "cities": n, "valid": valid, "tour": None, "length": None}
        out["ratio"] = None
        if valid:
            tour = [int(np.flatnonzero(on[:, p])[0]) for p in range(n)]
            length = tour_length(tour, distances(self.cities))
            out.update(tour=tour, length=length)
            if self.best is not None and self.best > 0.0:
                out["ratio"] = length / self.best
        return out
