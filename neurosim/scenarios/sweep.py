"""Sweep points: the grid of a scenario's `sweep:` block times its seeds, each point a scenario of its own.

A point's values are applied as overrides to the scenario's parsed document
(the loader's entries), which the loader then validates like any scenario file:
nothing is written back to YAML text and read again. A value the loader refuses
is reported at the grid axis that alone makes the scenario invalid.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from neurosim.errors import NeurosimError, ScenarioError
from neurosim.model.graph import Connectivity
from neurosim.scenarios.document import Entry, clipped, lookup, override, shown
from neurosim.scenarios.limits import MAX_NEURONS
from neurosim.scenarios.loader import scenario_from_document
from neurosim.scenarios.reading import parse
from neurosim.scenarios.spec import Scenario, SweepAxis


@dataclass(frozen=True, slots=True)
class Point:
    """One run of a sweep: parameter values, a seed, and the scenario they make (it pickles, for workers).

    The point's scenario keeps the text of the sweep's scenario as the record of
    what it came from; its values are the overridden ones, and it has no sweep.
    """

    index: int
    params: dict[str, Any]
    seed: int
    scenario: Scenario


def _apply(document: Entry, axis: SweepAxis, value: Any) -> Entry:
    """The document with one axis's value: at its key path, or for `alpha` the random pattern count.

    `alpha` is the load: P = round(α·N), or in a diluted network the load per
    synapse, P = round(α·K) (K the in-degree, or p·N).
    """
    if axis.key != "alpha":
        return override(document, axis.key, value, axis.line)
    source = lookup(document, "patterns.random")
    if not isinstance(source, dict) or "size" not in source:
        raise NeurosimError("`alpha` needs a `patterns: {random: {count, size}}` source")
    size = source["size"]
    if type(size) is not int or not 0 < size <= MAX_NEURONS:
        raise NeurosimError(f"`alpha` needs a whole number of neurons in patterns.random.size, got {shown(size)}")
    connectivity = lookup(document, "network.connectivity")
    per = float(size)
    if isinstance(connectivity, dict):  # the load per synapse: the Hebbian divisor K, or p·N
        for kind in ("in_degree", "probability"):
            given = connectivity.get(kind)
            if isinstance(given, int | float) and not isinstance(given, bool) and given > 0:
                per = Connectivity(kind, float(given)).divisor(size)
    count = max(1, round(float(value) * per))
    return override(document, "patterns.random.count", count, axis.line)


def sweep_points(scenario: Scenario) -> list[Point]:
    """Expand the sweep into its points, each validated like a scenario of its own."""
    sweep = scenario.sweep
    if sweep is None:
        raise NeurosimError("the scenario has no sweep block")
    path = scenario.path or Path("<sweep>")
    document = parse(scenario.text, path).without("sweep")
    points: list[Point] = []
    for values in itertools.product(*(axis.values for axis in sweep.axes)):
        point_document = document
        params = {}
        for axis, value in zip(sweep.axes, values, strict=True):
            try:
                point_document = _apply(point_document, axis, value)
            except (NeurosimError, ValueError, TypeError, OverflowError) as exc:
                raise ScenarioError(
                    clipped(str(exc)), file=scenario.path, line=axis.line, key=f"sweep.grid.{clipped(axis.key)}"
                ) from None
            params[axis.key] = value
        try:
            point = scenario_from_document(point_document, path, scenario.text)
        except ScenarioError as exc:
            raise _blame(scenario, document, params, exc) from None
        for seed in sweep.seeds:
            points.append(Point(len(points), params, seed, point))
    return points


def _blame(scenario: Scenario, document: Entry, params: dict[str, Any], error: ScenarioError) -> ScenarioError:
    """Point at the grid axis whose value alone makes the scenario invalid (else at the grid)."""
    assert scenario.sweep is not None
    values = ", ".join(f"{clipped(k)} = {shown(v)}" for k, v in params.items())
    where = f"{error.key}: " if error.key else ""
    line, key = scenario.sweep.axes[0].line, "sweep.grid"
    for axis in scenario.sweep.axes:
        try:
            scenario_from_document(_apply(document, axis, params[axis.key]), Path(document.file), scenario.text)
        except (NeurosimError, ValueError, TypeError, OverflowError):
            line, key = axis.line, f"sweep.grid.{clipped(axis.key)}"
            break
    return ScenarioError(f"with {values}: {where}{error.message}", file=scenario.path, line=line, key=key)
