"""The learning rules, by name: how each is built, its parameters and their defaults, its capacity, its engines.

This registry is the one place a rule is declared. The scenario loader checks
`network.learning` and its parameters against it, the network builder calls its
builders with its defaults, the capacity warning reads its limits, and the
reference table of the docs is rendered from it (`reference_table`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from neurosim.model import learning
from neurosim.model.couplings import AnyCouplings
from neurosim.model.covariance import covariance
from neurosim.model.dense import dense_capacity, dense_memory, modern_memory
from neurosim.model.graph import Graph
from neurosim.model.patterns import PatternSet
from neurosim.model.sequence import sequence
from neurosim.model.sparse import hebbian_rows

ParamKind = Literal["number", "integer", "function"]
#: A rule's parameters as a scenario gives them, after loading: name → value.
Given = Iterable[tuple[str, float]]
Arguments = Mapping[str, float]
Builder = Callable[[PatternSet, Arguments, np.random.Generator], AnyCouplings]
#: A rule's diluted form (docs/conventions.md §15): its weights on a graph's rows, any range of them alone,
#: in matrix units over the connectivity's divisor.
GraphBuilder = Callable[[PatternSet, Graph, Arguments], npt.NDArray[Any]]
#: (limit on the number of patterns, where that limit comes from), or None when none is known.
Capacity = tuple[float, str] | None

#: Both engines; rules whose fields are not linear in the state run on the actors only.
_BOTH = ("actors", "kernel")


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of a learning rule, with its default.

    A `function` parameter (the dense memory's F) is stored as the polynomial
    degree n, or `math.inf` for the exponential function.
    """

    name: str
    kind: ParamKind
    default: float
    doc: str
    non_negative: bool = False

    def shown(self, value: float) -> str:
        """A value as a scenario writes it."""
        if self.kind == "function":
            return "exponential" if math.isinf(value) else f"{{polynomial: {int(value)}}}"
        return str(int(value)) if self.kind == "integer" else f"{value:g}"


@dataclass(frozen=True, slots=True)
class LearningRule:
    """A learning rule: patterns in, couplings out."""

    name: str
    summary: str
    build: Builder
    params: tuple[Param, ...] = ()
    capacity: Callable[[int, Arguments], Capacity] | None = None
    capacity_doc: str = "none known"
    #: The rule makes its own biases (the covariance rule's threshold): `network.biases` would replace them.
    sets_biases: bool = False
    engines: tuple[str, ...] = _BOTH
    #: Fields linear in the state (couplings): biases and delays apply. A dense memory's are not.
    linear: bool = True
    #: The rule's diluted form (`network.connectivity`), or None when it has none.
    on_graph: GraphBuilder | None = None
    on_graph_doc: str = "no"
    #: Why the kernel engine refuses the rule, when it does for a reason of its own (one line).
    kernel_refusal: str | None = None

    def param(self, name: str) -> Param | None:
        """The parameter called `name`, or None if the rule takes none by that name."""
        return next((p for p in self.params if p.name == name), None)

    def arguments(self, given: Given = ()) -> dict[str, float]:
        """Every parameter's value: the given ones over the defaults."""
        values = {p.name: p.default for p in self.params}
        values.update(given)
        return values

    def couplings(self, patterns: PatternSet, given: Given, rng: np.random.Generator) -> AnyCouplings:
        """Learn the couplings of `patterns` (raises ValueError when the rule cannot store them)."""
        return self.build(patterns, self.arguments(given), rng)

    def limit(self, size: int, given: Given = ()) -> Capacity:
        """The known capacity for `size` neurons with these parameters, or None."""
        return None if self.capacity is None else self.capacity(size, self.arguments(given))


def _dense(patterns: PatternSet, a: Arguments, rng: np.random.Generator) -> AnyCouplings:
    degree = None if math.isinf(a["F"]) else int(a["F"])
    return dense_memory(patterns.matrix, degree=degree, beta=a["beta"])


def _dense_capacity(size: int, a: Arguments) -> Capacity:
    if math.isinf(a["F"]):
        return None
    degree = int(a["F"])
    return dense_capacity(size, degree), f"N^(n-1) / (2 (2n-3)!! ln N) with n = {degree} (Krotov & Hopfield 2016)"


_BETA = Param("beta", "number", 1.0, "inverse temperature of the interaction function")

_RULES = (
    LearningRule(
        "hebbian",
        "w_ij = (1/N) Σ_μ ξ_i^μ ξ_j^μ, low-rank above 32,768 neurons",
        lambda patterns, a, rng: learning.hebbian(patterns),
        capacity=lambda size, a: (0.138 * size, "0.138 N (Amit, Gutfreund & Sompolinsky 1985)"),
        capacity_doc="0.138 N (Amit, Gutfreund & Sompolinsky 1985)",
        on_graph=lambda patterns, graph, a: hebbian_rows(patterns, graph),
        on_graph_doc="w_ij = (c_ij / K) Σ_μ ξ_i^μ ξ_j^μ (K the in-degree, or p·N); asymmetric: α_c = 2/π per synapse"
        " for K ≪ N (Derrida, Gardner & Zippelius 1987)",
    ),
    LearningRule(
        "storkey",
        "Storkey's incremental local rule (1997)",
        lambda patterns, a, rng: learning.storkey(patterns),
        capacity=lambda size, a: (size / math.sqrt(2 * math.log(size)), "N / sqrt(2 ln N) (Storkey 1997)"),
        capacity_doc="N / sqrt(2 ln N) (Storkey 1997)",
    ),
    LearningRule(
        "pseudoinverse",
        "the projection rule, diagonal removed (Personnaz, Guyon & Dreyfus 1985)",
        lambda patterns, a, rng: learning.pseudoinverse(patterns),
        capacity=lambda size, a: (
            float(size),
            "N linearly independent patterns (Personnaz, Guyon & Dreyfus 1985)",
        ),
        capacity_doc="N linearly independent patterns (Personnaz, Guyon & Dreyfus 1985)",
    ),
    LearningRule(
        "perceptron",
        "Gardner's perceptron to a stability margin, symmetrised (1988)",
        lambda patterns, a, rng: learning.perceptron(
            patterns, kappa=a["kappa"], max_epochs=int(a["max_epochs"]), rng=rng
        ),
        params=(
            Param("kappa", "number", 0.5, "stability margin κ", non_negative=True),
            Param("max_epochs", "integer", 1000, "epochs before giving up"),
        ),
        capacity=lambda size, a: (2.0 * size, "2 N at margin 0 (Gardner 1988)"),
        capacity_doc="2 N at margin 0 (Gardner 1988)",
    ),
    LearningRule(
        "daydreaming",
        "Hebbian, then reinforce the patterns and unlearn the network's dreams (Serricchio et al. 2024)",
        lambda patterns, a, rng: learning.daydreaming(
            patterns, epochs=int(a["epochs"]), rate=a["rate"], max_sweeps=int(a["max_sweeps"]), rng=rng
        ),
        params=(
            Param("epochs", "integer", 20, "passes over the patterns"),
            Param("rate", "number", 0.1, "learning rate", non_negative=True),
            Param("max_sweeps", "integer", 100, "sweeps a dream may take to settle"),
        ),
    ),
    LearningRule(
        "covariance",
        "sparse coding on 0/1 units: w = Σ_μ (η^μ − a)(η^μ − a)ᵀ / (N a(1 − a)), active when Σ_j w_ij V_j > θ"
        " (Tsodyks & Feigel'man 1988); as ±1 couplings W = w/2 and biases θ − ½ Σ_j w_ij",
        lambda patterns, a, rng: covariance(patterns, threshold=a["threshold"]),
        params=(Param("threshold", "number", 0.0, "the 0/1 units' firing threshold θ"),),
        capacity_doc="about N / (2a |ln a|) patterns of activity a → 0 (Tsodyks & Feigel'man 1988)",
        sets_biases=True,
    ),
    LearningRule(
        "sequence",
        "Hebbian plus a slow pathway λ Σ_μ ξ^(μ+1) ξ^μᵀ / N (cyclic) delayed by τ: the state steps through the"
        " patterns in order (Sompolinsky & Kanter 1986; Kleinfeld 1986)",
        lambda patterns, a, rng: sequence(patterns, a["lambda"], a["delay"]),
        params=(
            Param("lambda", "number", 2.0, "strength λ of the slow, asymmetric pathway", non_negative=True),
            Param("delay", "number", 4.0, "the slow pathway's transmission delay τ (sweeps)", non_negative=True),
        ),
        engines=("actors",),
        kernel_refusal="the kernel engine runs one pathway of couplings; the sequence rule's slow, delayed"
        " pathway runs on the actors (--engine actors)",
    ),
    LearningRule(
        "dense",
        "dense associative memory E = −Σ_μ F(ξ^μ·s) (Krotov & Hopfield 2016)",
        _dense,
        params=(Param("F", "function", 3.0, "interaction function: {polynomial: n} (n ≥ 2) or exponential"), _BETA),
        capacity=_dense_capacity,
        capacity_doc="N^(n-1) / (2 (2n-3)!! ln N) for F = x^n (Krotov & Hopfield 2016)",
        engines=("actors",),
        linear=False,
    ),
    LearningRule(
        "modern",
        "modern Hopfield network on ±1 states, log-sum-exp energy (Ramsauer et al. 2020)",
        lambda patterns, a, rng: modern_memory(patterns.matrix, beta=a["beta"]),
        params=(_BETA,),
        engines=("actors",),
        linear=False,
    ),
)

#: Every learning rule, by name, in the order the docs list them.
LEARNING_RULES: dict[str, LearningRule] = {rule.name: rule for rule in _RULES}


def parameter_names() -> tuple[str, ...]:
    """Every parameter any rule takes, each once, in registry order (the keys `network.learning` allows)."""
    return tuple(dict.fromkeys(p.name for rule in _RULES for p in rule.params))


def rule_capacity(rule: str, size: int, given: Given = ()) -> Capacity:
    """The known capacity of the couplings' `rule` for N neurons, with its source; None if none is known."""
    found = LEARNING_RULES.get(rule)
    return None if found is None else found.limit(size, given)


def reference_table() -> str:
    """The registry as a Markdown table, for the reference docs."""
    lines = [
        "| rule | what it is | parameters (default) | capacity | engines | diluted (`connectivity`) |",
        "|---|---|---|---|---|---|",
    ]
    for rule in _RULES:
        params = ", ".join(f"`{p.name}` ({p.shown(p.default)}): {p.doc}" for p in rule.params) or "none"
        lines.append(
            f"| `{rule.name}` | {rule.summary} | {params} | {rule.capacity_doc} | {', '.join(rule.engines)}"
            f" | {rule.on_graph_doc} |"
        )
    return "\n".join(lines) + "\n"
