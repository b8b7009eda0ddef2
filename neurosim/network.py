"""Network building: a scenario's stored patterns and the couplings they make, and saving them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from neurosim.errors import NeurosimError, ScenarioError
from neurosim.model import covariance
from neurosim.model.couplings import AnyCouplings, Couplings
from neurosim.model.drawn import DrawnCouplings
from neurosim.model.graph import draw_rows
from neurosim.model.patterns import PatternSet, random_patterns
from neurosim.model.registry import LEARNING_RULES
from neurosim.model.seeds import SeedLayout
from neurosim.model.sparse import SparseCouplings, graph_couplings
from neurosim.rundir import write_atomically
from neurosim.scenarios.networks import SAVED_WEIGHTS_FORMAT
from neurosim.scenarios.spec import Scenario
from neurosim.typing import Spins

if TYPE_CHECKING:
    from neurosim.engines.sharded import Sharding


@dataclass(frozen=True, slots=True, eq=False)
class Network:
    """The stored patterns and the couplings learned from them."""

    patterns: PatternSet
    #: the couplings, or (a sharded run's diluted network) what the shards draw their own rows from
    couplings: AnyCouplings | DrawnCouplings


def build_network(scenario: Scenario, seed: int | None = None, *, drawn: bool = False) -> Network:
    """Assemble the stored patterns (drawing random ones) and learn the couplings.

    `drawn`: a diluted network learned by its rule is described (`DrawnCouplings`), not built, so that
    whoever runs it draws its rows (the shards of a sharded run); every other network is built.
    """
    layout = SeedLayout(scenario.seed if seed is None else seed)
    blocks: list[Spins] = []
    for k, source in enumerate(scenario.sources):
        if source.matrix is not None:
            blocks.append(source.matrix)
        elif source.activity == covariance.UNBIASED:
            blocks.append(random_patterns(len(source.names), source.size, layout.patterns(k)))
        else:
            count, rng = len(source.names), layout.patterns(k)
            blocks.append(covariance.random_sparse_patterns(count, source.size, source.activity, rng))
    size = scenario.neurons
    matrix = np.vstack(blocks) if blocks else np.zeros((0, size), dtype=np.int8)
    patterns = PatternSet(scenario.pattern_names, matrix, scenario.glyph_shape)
    couplings = scenario_couplings(scenario, patterns, layout, drawn=drawn)
    if scenario.biases is not None:
        couplings = couplings.with_biases(scenario.biases)
    return Network(patterns, couplings)


def network_for(scenario: Scenario, seed: int, sharding: Sharding | None) -> Network:
    """The network a run builds: a sharded run's diluted network is left for its shards to draw (`drawn`)."""
    return build_network(scenario, seed, drawn=sharding is not None)


def scenario_couplings(
    scenario: Scenario, patterns: PatternSet, layout: SeedLayout, *, drawn: bool = False
) -> AnyCouplings | DrawnCouplings:
    """The couplings a scenario asks for: its problem's, its weights file's, or learned by its rule."""
    if scenario.problem is not None:
        return scenario.problem.couplings()
    if scenario.saved is not None:
        saved = scenario.saved
        if saved.sparse is not None:
            return saved.sparse
        assert saved.matrix is not None
        return Couplings(saved.matrix, saved.divisor, saved.biases, saved.rule)
    if scenario.weights is not None:
        return Couplings(scenario.weights.copy(), 1.0, rule="custom")
    rule = LEARNING_RULES.get(scenario.learning)
    if rule is None:
        raise ScenarioError(f"unknown learning rule {scenario.learning!r}", file=scenario.path, key="network.learning")
    connectivity = scenario.connectivity
    if connectivity is not None:
        if rule.on_graph is None:  # the loader refuses these; a scenario built in code may not have been loaded
            raise ScenarioError(f"the {rule.name} rule has no diluted form", file=scenario.path, key="network")
        arguments = rule.arguments(scenario.learning_params)
        if drawn:
            return DrawnCouplings(patterns, connectivity, layout.graph(), rule.name, arguments)
        graph = draw_rows(connectivity, patterns.size, layout.graph())
        return graph_couplings(graph, rule.on_graph(patterns, graph, arguments), connectivity, rule.name)
    try:
        return rule.couplings(patterns, scenario.learning_params, layout.learning())
    except ValueError as exc:  # a rule that cannot store these patterns says why
        raise ScenarioError(str(exc), file=scenario.path, line=scenario.learning_line, key="network.learning") from None


def connectivity_record(scenario: Scenario, network: Network | None) -> dict[str, Any] | None:
    """summary.json's record of a diluted network's connectivity (None: every pair coupled)."""
    couplings = None if network is None else network.couplings
    saved = scenario.saved.sparse if scenario.saved is not None else None
    given = scenario.connectivity or (saved.connectivity if saved is not None else None)
    if given is None:
        return None
    synapses = couplings.synapses if isinstance(couplings, SparseCouplings | DrawnCouplings) else None
    return {"kind": given.kind, "value": given.value, "symmetric": given.symmetric, "synapses": synapses}


def unsaveable(couplings: AnyCouplings | DrawnCouplings) -> str | None:
    """Why `--save-weights` cannot save these couplings (None: it can)."""
    if isinstance(couplings, DrawnCouplings):
        return "--save-weights cannot save a sharded diluted network: each shard draws its own rows"
    if isinstance(couplings, Couplings) and couplings.slow is not None:
        return "the sequence rule's slow pathway has no place in a weights file: learn it from the patterns"
    if isinstance(couplings, Couplings | SparseCouplings):
        return None
    kind = "low-rank couplings" if couplings.rule == "hebbian" else "a dense memory"
    return f"{couplings.size} neurons keep {kind}: there is no matrix to save"


def save_weights(path: str | Path, scenario: Scenario, network: Network) -> None:
    """Write the network's couplings with what they were learned from (`--save-weights`).

    A matrix is saved as `matrix`; a diluted network as its rows of synapses
    (`indptr`, `indices`, `values`) with its connectivity, so the graph is kept.
    """
    couplings = network.couplings
    refusal = unsaveable(couplings)
    if refusal is not None or not isinstance(couplings, SparseCouplings | Couplings):
        raise NeurosimError(refusal or "nothing to save")
    assert couplings.biases is not None
    common: dict[str, Any] = {
        "format": np.array(SAVED_WEIGHTS_FORMAT),
        "divisor": np.array(couplings.divisor),
        "biases": couplings.biases,
        "rule": np.array(scenario.rule),
        "neurons": np.array(couplings.size),
        "patterns": np.array(network.patterns.names, dtype=str),
    }
    arrays: dict[str, Any]
    if isinstance(couplings, SparseCouplings):
        connectivity = couplings.connectivity
        arrays = {
            "indptr": couplings.indptr,
            "indices": couplings.indices,
            "values": couplings.values,
            "connectivity": np.array([connectivity.kind, repr(connectivity.value)]),
            "symmetric": np.array(connectivity.symmetric),
        }
    else:
        arrays = {"matrix": couplings.matrix}
    # never a half-written weights file, nor a temporary one left behind
    write_atomically(path, lambda f: np.savez(f, **common, **arrays))
